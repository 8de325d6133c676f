"""Semantic equivalence of a candidate routine with a task's reference, decided by running both.

Both sources are assembled by ASAR (sandboxed) and run in the emulator on the same input states: the
task's case plan (`harness.verify.cases`), edge cases first; the first failing case is shrunk. Every
case also varies what real hardware varies: the caller's return address (and bank, for JSL), the
stack and all memory the task does not give, and the H/V position of the frame at entry.

A candidate fails a case (`FailReason`) when it
- does not return within reference cycles x 10 + 1000 (BUDGET), executes an unsupported operation such
  as HDMA (UNSUPPORTED), or stops on BRK/COP/STP/WAI (HALTED);
- reaches the caller by anything but RTS (JSR tasks) / RTL (JSL tasks) (BAD_RETURN);
- breaks the calling convention a native-mode caller relies on: e, m, x, the decimal flag, D, DBR and
  S as at entry, unless the task makes them outputs (CONVENTION);
- changes a `preserve` location (PRESERVE);
- writes memory outside outputs + writable + the 256 bytes of stack below the entry S (STRAY_WRITE);
- changes an `outputs` location differently from the reference, or its ordered log of hardware
  register writes differs (MISMATCH);
- leaves hardware in another state than the reference does (FastROM, the WRAM port address, DMA
  and PPU registers, an acknowledged NMI/IRQ flag), unless the task makes those registers writable
  (SIDE_EFFECT).
The same checks run on the reference: a reference that fails them is a broken task
(`ReferenceBrokenError`, a task error that stops the run loudly), never a score. A candidate's own
problems, however odd (no bytes at all, a machine that cannot be built from it), are always its
failure. A missing or wrong ASAR raises; it is never a verdict.

Not protected against: a candidate that is equivalent on every planned case but differs elsewhere
(testing, not proof), and behaviour the emulator does not model (open bus, interrupts, HDMA).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import operator
import random
import re
import struct
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from harness.asar import assemble
from harness.core.facts import REFERENCE_MAX_CYCLES
from harness.core.reasons import FailReason as FailReason  # re-exported (harness.verify)
from harness.core.results import Verdict as Verdict  # re-exported (harness.verify)
from harness.emu import CpuState, Machine
from harness.emu.state import StopReason
from harness.errors import HarnessError, TaskDataError
from harness.verify.cases import plan_is_stored, run_plan, stored_plan
from harness.verify.reference_runs import ReferenceRun, decode_runs
from harness.verify.spec import (
    FLAG_BITS,
    SPACE_BASES,
    Location,
    LocationKind,
    Spec,
    canonical_address,
    parse_location,
    parse_spec,
    space_of,
)
from harness.verify.states import Case, MachineInput, build_input

__all__ = [
    "counterexamples_unshrunk",
    "BUDGET_FACTOR",
    "BUDGET_FLOOR",
    "REFERENCE_MAX_CYCLES",
    "Outcome",
    "Program",
    "ReferenceBrokenError",
    "TaskFields",
    "assemble_program",
    "check_equivalence",
    "comparison_digest",
    "measure_reference_runs",
    "observe",
    "reference_outcome",
    "run_on_case",
    "run_routine",
    "task_fields",
]

BUDGET_FACTOR = 10
BUDGET_FLOOR = 1000
# Emulated candidate cycles a counterexample's shrinking may spend (after the failure is known): it
# only makes the report simpler, so it must never cost a hostile answer's scorer more than ~1 s.
SHRINK_CYCLES = 3_000_000
# Failures whose counterexample is not worth shrinking (any case shows them; re-running costs budget).
_NOT_SHRUNK = frozenset({FailReason.BUDGET, FailReason.UNSUPPORTED, FailReason.HALTED, FailReason.BAD_RETURN})
STACK_WINDOW = 0x100
# What a native-mode caller relies on; checked unless the task lists the location as an output.
CONVENTION = tuple(
    location
    for text in ("flag:e", "flag:m", "flag:x", "flag:D", "D", "DBR", "S")
    for location in parse_location(text)
)
_RETURN_BY = {"jsr": "RTS", "jsl": "RTL"}
# Registers that are scratch (the math unit's inputs) or whose effect is observable elsewhere (memory
# behind the WRAM/VRAM/CGRAM/OAM ports, the ports' address registers and DMA setup: final memory and
# final hardware state): not compared in write order. Every other hardware write is, in order.
_UNORDERED_IO = frozenset(
    {0x4202, 0x4203, 0x4204, 0x4205, 0x4206, 0x420B, 0x420D}
    | set(range(0x2180, 0x2184))
    | {0x2102, 0x2103, 0x2104, 0x2115, 0x2116, 0x2117, 0x2118, 0x2119, 0x2121, 0x2122}
    | set(range(0x4300, 0x4380))
)
# Reads that change hardware state the game sees (the NMI/IRQ flags): compared as "did it acknowledge".
_ACKNOWLEDGING_READS = frozenset({0x4210, 0x4211})
# Hardware-state names that are not side effects: the math unit's results (scratch, like its inputs),
# open-bus latches and H/V counter latches (they depend on when, not on what, the routine does), and
# the NMI flag itself (time sets it; acknowledging it is compared through the reads above).
_NOT_SIDE_EFFECTS = frozenset(
    {
        "RDDIV",
        "RDMPY",
        "PPU1_MDR",
        "PPU2_MDR",
        "HV_LATCHED",
        "OPHCT",
        "OPVCT",
        "OPHCT_FLIPFLOP",
        "OPVCT_FLIPFLOP",
        "NMI_FLAG",
        "$4202",
        "$4203",
        "$4204",
        "$4205",
        "$4206",
    }
)
# Hardware-state names owned by a register address, so a task can make them writable.
_SCROLL = range(0x210D, 0x2115)
_MODE7_REGS = (*range(0x211B, 0x2121), 0x210D, 0x210E)
_STATE_REGISTERS: dict[str, frozenset[int]] = {
    name: frozenset(registers)
    for name, registers in {
        "MEMSEL": [0x420D],
        "WMADD": range(0x2181, 0x2184),
        "NMITIMEN": [0x4200],
        "WRIO": [0x4201],
        "VMAIN": [0x2115],
        "VMADD": [0x2116, 0x2117],
        "VRAM_LATCH": [0x2116, 0x2117],
        "CGADD": [0x2121],
        "CGRAM_LATCH": [0x2121],
        "CGRAM_FLIPFLOP": [0x2121],
        "OAMADD": [0x2102, 0x2103],
        "OAM_BASE": [0x2102, 0x2103],
        "OAM_LATCH": [0x2102, 0x2103],
        "OAM_PRIORITY": [0x2102, 0x2103],
        "M7_LATCH": _MODE7_REGS,
        "M7A": [0x211B],
        "M7B": [0x211C],
        "M7C": [0x211D],
        "M7D": [0x211E],
        "M7X": [0x211F],
        "M7Y": [0x2120],
        "M7HOFS": [0x210D],
        "M7VOFS": [0x210E],
        "BG_LATCH1": _SCROLL,
        "BG_LATCH2": _SCROLL,
        **{f"BG{n}{axis}OFS": [0x210D + 2 * (n - 1) + (axis == "V")] for n in range(1, 5) for axis in "HV"},
    }.items()
}
# An assembly that did not succeed, by status: a harness limit, a source that saw the probe, or errors.
_ASSEMBLY_REASONS = {
    "limit": FailReason.LIMIT,
    "timeout": FailReason.LIMIT,
    "nondeterministic": FailReason.NONDETERMINISTIC,
}
_INDEXED_OPERAND_RE = re.compile(r"(?<![#(\[$\w])\$([0-9A-Fa-f]{4})\s*,\s*[xXyY]\b")


# Whether a failing candidate's counterexample is shrunk (on by default; off where only pass/fail counts,
# e.g. scoring content-free guessers over a whole suite). Set through `counterexamples_unshrunk()`.
_SHRINK: contextvars.ContextVar[bool] = contextvars.ContextVar("asm65816_shrink", default=True)


@contextlib.contextmanager
def counterexamples_unshrunk() -> Iterator[None]:
    """Within the block, a failing candidate reports the first failing case as found (no shrinking):
    the verdict and reason are the same, only the counterexample is less minimal, and it is faster."""
    token = _SHRINK.set(False)
    try:
        yield
    finally:
        _SHRINK.reset(token)


class ReferenceBrokenError(TaskDataError):
    """The task's reference does not assemble, lacks its entry, or breaks its own spec: a task bug."""


class CallerUnavailable(HarnessError):
    """No address for the caller's return is free of code (a bank filled with code)."""


@dataclass(frozen=True, eq=False)
class Program:
    """An assembled source and where to call it (`entry` None when the entry label is missing).

    Compared by identity: `assemble_program` caches one Program per source, so its machine is built
    once and shared by every check that uses the same source."""

    result: Any  # harness.asar.AssembleResult
    entry: int | None

    @functools.cached_property
    def machine(self) -> Any:
        """A Machine loaded with the image (built on first use). Sharing is safe: every `run` resets
        the machine and `run_routine` reads all observables before the next run. Raises
        HarnessError for an image with no bytes."""

        return Machine.from_assembly(self.result)

    @property
    def size(self) -> int:
        return int(self.result.size)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """(first, last) 24-bit address of every emitted segment."""
        return tuple((s.address, s.address + len(s.data) - 1) for s in self.result.segments)


@dataclass(frozen=True)
class TaskFields:
    """What equivalence needs from a task document, validated. `base`/`origin`: hook tasks (the base
    image every source is assembled against, and where new code goes by default)."""

    spec: Spec
    reference: str
    entry: str | None
    call: str
    base: str | None = None
    origin: int | None = None
    helpers: tuple[str, ...] = ()  # labels a multi-routine task asks the answer to define as well

    def assemble(self, source: str) -> Program:
        return assemble_program(source, self.entry, self.base, self.origin)


@dataclass(frozen=True)
class Outcome:
    """What one run produced, reduced to what the checks compare."""

    stop: StopReason
    detail: str
    returned_by: str | None
    cycles: int
    clocks: int
    outputs: tuple[int, ...]
    preserve_before: tuple[int, ...]
    preserve_after: tuple[int, ...]
    convention_before: tuple[int, ...]
    convention_after: tuple[int, ...]
    written: tuple[tuple[int, int, int], ...]  # (address, old, new), sorted
    io: tuple[tuple[int, int], ...]  # ordered hardware writes (see _UNORDERED_IO)
    acknowledged: frozenset[int]  # $4210/$4211 if read
    hardware: Mapping[str, int]  # state left behind, by name
    dma_bytes: int = 0  # bytes DMA moved (they count against the cycle budget)


@dataclass(frozen=True)
class _Failure:
    reason: FailReason
    detail: str
    counterexample: dict[str, Any]


@dataclass(frozen=True)
class _Problem:
    """A failed check of one run or of a pair of runs: reason, detail, expected and got values."""

    reason: FailReason
    detail: str
    expected: dict[str, Any]
    got: dict[str, Any]


_ProgramKey = tuple[str, str | None, str | None, int | None]  # (source, entry, base, origin)


class _ProgramCache:
    """Assembled programs by (source, entry), least recently used first out, bounded by count AND by
    bytes held (ROM images and their machines): a hostile answer with a 1 MiB image must not let a
    worker's memory grow with the number of answers it scores."""

    MAX_ENTRIES = 256
    MAX_BYTES = 96 * 1024 * 1024
    MACHINE_BYTES = 0x28000  # WRAM + SRAM a Machine allocates besides its copy of the ROM

    def __init__(self) -> None:
        self._entries: OrderedDict[_ProgramKey, tuple[Program, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: _ProgramKey) -> Program | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: _ProgramKey, program: Program) -> None:
        rom = getattr(program.result, "rom", b"") or b""
        cost = 2 * len(rom) + self.MACHINE_BYTES + len(key[0])
        self._entries[key] = (program, cost)
        self._bytes += cost
        while self._entries and (len(self._entries) > self.MAX_ENTRIES or self._bytes > self.MAX_BYTES):
            _, (_, freed) = self._entries.popitem(last=False)
            self._bytes -= freed

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


_PROGRAMS = _ProgramCache()  # registry-like process cache of assembled programs (deterministic content)


def assemble_program(
    source: str, entry: str | None, base: str | None = None, origin: int | None = None
) -> Program:
    """Assemble `source` and resolve the entry label (cached: ASAR is deterministic, results frozen).

    `base` and `origin` come from hook tasks: the task's trusted base image, assembled first, and
    where new code goes by default. When the label is missing but the source defines no labels at all
    (a bare instruction list), the routine starts at its lowest emitted address; otherwise the entry
    is None (NO_ENTRY)."""
    key = (source, entry, base, origin)
    program = _PROGRAMS.get(key)
    if program is None:
        program = _assemble_program(source, entry, base, origin)
        _PROGRAMS.put(key, program)
    return program


assemble_program.cache_clear = _PROGRAMS.clear  # type: ignore[attr-defined]


def _assemble_program(source: str, entry: str | None, base: str | None, origin: int | None) -> Program:

    result = assemble(source, base=base, origin=origin)  # the bundled headers may be incsrc'd
    if not result.ok:
        return Program(result, None)
    symbols = dict(result.symbols)
    if entry and entry in symbols:
        return Program(result, int(symbols[entry]))
    if (not symbols or not entry) and result.segments:
        return Program(result, min(segment.address for segment in result.segments))
    return Program(result, None)


def observe(location: Location, state: Any, machine: Any) -> int:
    """Current value of a location: registers and flags from the CPU state, memory via `peek`."""
    if location.kind is LocationKind.REGISTER:
        name = location.name
        if name == "A.lo":
            return int(state.a & 0xFF)
        return int(getattr(state, str(name).lower()))
    if location.kind is LocationKind.FLAG:
        if location.name == "e":
            return int(state.e)
        return 1 if state.p & FLAG_BITS[str(location.name)] else 0
    value = 0
    for offset, address in enumerate(location.addresses):
        space = space_of(address)
        byte = machine.peek(address) if space is None else machine.peek_space(*space)
        value |= (byte & 0xFF) << (8 * offset)
    return value


def _state_reader(location: Location) -> Callable[[Any], int]:
    """`observe` for a register or flag, as one small function of the CPU state (built once per
    location: the convention and preserve checks read them twice per run)."""
    if location.kind is LocationKind.FLAG:
        if location.name == "e":
            return operator.attrgetter("e")
        bit = FLAG_BITS[str(location.name)]
        return lambda state: 1 if state.p & bit else 0
    if location.name == "A.lo":
        return lambda state: state.a & 0xFF
    return operator.attrgetter(str(location.name).lower())


_CONVENTION_READERS = tuple(_state_reader(location) for location in CONVENTION)


def _initial_value(
    location: Location, before: Any, machine_input: MachineInput, written: Mapping[int, tuple[int, int]]
) -> int:
    """Value of a location at entry; memory from the write log's old values or the (unchanged) cell."""
    if location.kind in (LocationKind.REGISTER, LocationKind.FLAG):
        return observe(location, before, None)
    value = 0
    for offset, address in enumerate(location.addresses):
        space = space_of(address)
        if address in written:
            byte = written[address][0]
        elif space is not None:
            byte = machine_input.spaces[space[0]][space[1]]
        elif 0x7E0000 <= address < 0x800000:
            byte = machine_input.wram[address - 0x7E0000]
        else:
            byte = machine_input.pokes.get(address, 0)
        value |= (byte & 0xFF) << (8 * offset)
    return value


def pick_caller(entry: int, call: str, seed: int, avoid: Sequence[tuple[int, int]]) -> int:
    """The caller's next-instruction address for one case: random (from the case), never inside code.

    JSR returns within the entry's bank; JSL from any ROM bank (the entry's mapper half: $80-$BF for
    FastROM-mapped code, else $00-$3F). The offset lies in $8000-$FFFE and at least 4 bytes away from
    every emitted segment, so a routine can neither predict the return address nor run into it."""
    rng = random.Random(seed)
    bank_base = entry & 0x800000
    for _ in range(256):
        bank = entry >> 16 if call == "jsr" else (bank_base >> 16) | rng.randrange(0x40)
        address = (bank << 16) | (0x8000 + rng.randrange(0x7FFF))
        if all(not first - 4 <= address <= last + 4 for first, last in avoid):
            return address
    raise CallerUnavailable(f"no free caller address in bank ${entry >> 16:02X}: the code fills its bank")


def run_routine(
    machine: Any,
    program: Program,
    spec: Spec,
    machine_input: MachineInput,
    *,
    call: str,
    max_cycles: int,
    caller: int | None = None,
) -> Outcome:
    """Run a program on one input state and reduce the result to an `Outcome` (the one runner the
    verifier, the suite builder and the synth generators share)."""
    before = CpuState.entering(machine_input, program.entry or 0)
    result = machine.run(
        program.entry,
        before,
        wram=machine_input.wram,
        memory=machine_input.pokes,
        call=call,
        max_cycles=max_cycles,
        caller=caller,
        hv_phase=machine_input.hv_phase & ~1,
        vram=machine_input.spaces.get("vram"),
        cgram=machine_input.spaces.get("cgram"),
        oam=machine_input.spaces.get("oam"),
        dma_regs=machine_input.dma_regs,
        ports=machine_input.ports,
    )
    written = dict(result.writes)
    for space, writes in result.space_writes.items():  # PPU memories join the write log, in our space
        written.update({SPACE_BASES[space] + offset: pair for offset, pair in writes.items()})
    return Outcome(
        stop=result.stop,
        detail=str(result.detail or ""),
        returned_by=result.returned_by,
        cycles=int(result.cycles),
        clocks=int(result.master_clocks),
        outputs=_observe_all(spec.outputs, result.state, machine),
        preserve_before=tuple(_initial_value(loc, before, machine_input, written) for loc in spec.preserve),
        preserve_after=_observe_all(spec.preserve, result.state, machine),
        convention_before=tuple(read(before) for read in _CONVENTION_READERS),
        convention_after=tuple(read(result.state) for read in _CONVENTION_READERS),
        written=tuple(sorted((int(a), int(o), int(n)) for a, (o, n) in written.items())),
        io=tuple(
            (int(a.address), int(a.value))
            for a in result.io_writes
            if (int(a.address) & 0xFFFF) not in _UNORDERED_IO
        ),
        acknowledged=frozenset(
            int(a.address) & 0xFFFF
            for a in result.io_reads
            if (int(a.address) & 0xFFFF) in _ACKNOWLEDGING_READS
        ),
        hardware=result.hardware,
        dma_bytes=int(result.dma_bytes),
    )


def _observe_all(locations: Sequence[Location], state: Any, machine: Any) -> tuple[int, ...]:
    """`observe` for many locations, with WRAM and PPU-memory bytes read straight from the machine's
    memories (the common case: output tables and uploads), the rest through `observe`."""
    wram = getattr(machine.bus, "mem", None)
    ppu = getattr(machine.bus, "ppu", None)
    values = []
    for location in locations:
        if location.kind is LocationKind.BYTE:
            address = int(location.name)
            if wram is not None and 0x7E0000 <= address < 0x800000:
                values.append(wram[address - 0x7E0000])
                continue
            space = space_of(address) if address > 0xFFFFFF else None
            if space is not None and ppu is not None:
                values.append(ppu.memory(space[0])[space[1]])
                continue
        values.append(observe(location, state, machine))
    return tuple(values)


def _stack_cells(spec: Spec) -> frozenset[int]:
    """The 256 bytes at and below the entry S (page 1 only in emulation mode)."""
    s = spec.mode.S
    if spec.mode.e:
        return frozenset(canonical_address(0x100 | ((s - k) & 0xFF)) for k in range(STACK_WINDOW))
    return frozenset(canonical_address((s - k) & 0xFFFF) for k in range(STACK_WINDOW))


def _named_inputs(spec: Spec, case: Case) -> dict[str, Any]:
    """Input values by location; runs of adjacent bytes (a range) become one `first..last` hex string."""
    named: dict[str, Any] = {}
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if len(run) == 1:
            named[f"${run[0][0]:06X}"] = f"${run[0][1]:02X}"
        elif run:
            named[f"${run[0][0]:06X}..${run[-1][0]:06X}"] = " ".join(f"{v:02X}" for _, v in run)
        run.clear()

    for (location, _), value in zip(spec.inputs, case.values, strict=True):
        if location.kind is LocationKind.BYTE and int(location.name) <= 0xFFFFFF:
            address = int(location.name)
            if run and address != run[-1][0] + 1:
                flush()
            run.append((address, value))
            continue
        flush()
        named[location.text] = location.format(value)
    flush()
    return named


def _describe_input(spec: Spec, case: Case, machine_input: MachineInput, caller: int) -> dict[str, Any]:
    state = {
        "A": f"${machine_input.a:04X}",
        "X": f"${machine_input.x:04X}",
        "Y": f"${machine_input.y:04X}",
        "S": f"${machine_input.s:04X}",
        "D": f"${machine_input.d:04X}",
        "DBR": f"${machine_input.dbr:02X}",
        "P": f"${machine_input.p:02X}",
        "e": machine_input.e,
        "caller": f"${caller:06X}",
        "hv_phase": machine_input.hv_phase & ~1,
        "ports": {name: f"${value:04X}" for name, value in machine_input.ports.items()},
        "background_seed": case.background,
    }
    return {"inputs": _named_inputs(spec, case), "state": state}


def _stop_problem(outcome: Outcome, call: str) -> _Problem | None:
    if outcome.stop is StopReason.BUDGET:
        return _Problem(FailReason.BUDGET, f"no return within {outcome.cycles} cycles", {}, {})
    if outcome.stop is StopReason.UNSUPPORTED:
        return _Problem(FailReason.UNSUPPORTED, outcome.detail or "unsupported operation", {}, {})
    if outcome.stop is not StopReason.RETURNED:
        return _Problem(FailReason.HALTED, f"stopped by {outcome.stop.name} {outcome.detail}".strip(), {}, {})
    expected = _RETURN_BY[call]
    if outcome.returned_by != expected:
        return _Problem(
            FailReason.BAD_RETURN,
            f"reached the caller by {outcome.returned_by or 'an unknown instruction'}, not {expected}",
            {"returned_by": expected},
            {"returned_by": outcome.returned_by},
        )
    return None


def _changed(
    reason: FailReason,
    locations: Sequence[Location],
    before: Sequence[int],
    after: Sequence[int],
    skip: set[Location],
) -> _Problem | None:
    for loc, old, new in zip(locations, before, after, strict=True):
        if old != new and loc not in skip:
            return _Problem(
                reason,
                f"{loc.text} changed from {loc.format(old)} to {loc.format(new)}",
                {loc.text: loc.format(old)},
                {loc.text: loc.format(new)},
            )
    return None


def _check_run(outcome: Outcome, spec: Spec, allowed: frozenset[int], call: str) -> _Problem | None:
    """Checks that need one run only: stop, return, convention, preserve, stray writes."""
    problem = _stop_problem(outcome, call)
    if problem is not None:
        return problem
    free = set(spec.outputs)
    problem = _changed(
        FailReason.CONVENTION, CONVENTION, outcome.convention_before, outcome.convention_after, free
    )
    if problem is not None:
        problem = _Problem(
            problem.reason, f"calling convention: {problem.detail}", problem.expected, problem.got
        )
        return problem
    problem = _changed(
        FailReason.PRESERVE, spec.preserve, outcome.preserve_before, outcome.preserve_after, set()
    )
    if problem is not None:
        return problem
    for address, old, new in outcome.written:
        if address not in allowed:
            cell = cell_text(address)
            return _Problem(
                FailReason.STRAY_WRITE,
                f"wrote ${new:02X} to {cell}, outside outputs/writable/stack",
                {cell: f"${old:02X}"},
                {cell: f"${new:02X}"},
            )
    return None


def cell_text(address: int) -> str:
    """A memory cell as specs spell it: `$7E0010`, or `vram:$1000` for a PPU memory."""
    space = space_of(address)
    return f"${address:06X}" if space is None else f"{space[0]}:${space[1]:04X}"


@functools.lru_cache(maxsize=256)
def _writable_registers(spec: Spec) -> frozenset[int]:
    """Hardware registers the task lets a routine leave changed (`writable` entries like `$00420D`)."""
    return frozenset(
        a & 0xFFFF
        for a in spec.writable_addresses
        if a >> 16 in (0x00, 0x80) and 0x2100 <= a & 0xFFFF < 0x4400
    )


@functools.lru_cache(maxsize=4096)
def _compared_state(name: str, writable: frozenset[int]) -> bool:
    """Whether a hardware-state name is a side effect under the task's writable registers."""
    if name in _NOT_SIDE_EFFECTS:
        return False
    registers = _STATE_REGISTERS.get(name)
    if registers is None and re.fullmatch(r"\$[0-9A-F]{4}", name):
        registers = frozenset({int(name[1:], 16)})
    return registers is None or not registers & writable


def _side_effect(ref: Outcome, cand: Outcome, spec: Spec) -> _Problem | None:
    if ref.hardware == cand.hardware and ref.acknowledged == cand.acknowledged:
        return None
    writable = _writable_registers(spec)
    want = {k: v for k, v in ref.hardware.items() if _compared_state(k, writable)}
    have = {k: v for k, v in cand.hardware.items() if _compared_state(k, writable)}
    for name in sorted(set(want) | set(have)):
        if want.get(name) != have.get(name):
            return _Problem(
                FailReason.SIDE_EFFECT,
                f"left hardware state {name} = {have.get(name)!r}, the reference leaves {want.get(name)!r}",
                {name: want.get(name)},
                {name: have.get(name)},
            )
    if ref.acknowledged != cand.acknowledged:
        shown = {"acknowledged": sorted(f"${a:04X}" for a in ref.acknowledged)}
        got = {"acknowledged": sorted(f"${a:04X}" for a in cand.acknowledged)}
        return _Problem(
            FailReason.SIDE_EFFECT, "acknowledges other NMI/IRQ flags than the reference", shown, got
        )
    return None


def _compare(ref: Outcome, cand: Outcome, spec: Spec) -> _Problem | None:
    expected: dict[str, Any] = {}
    got: dict[str, Any] = {}
    for loc, want, have in zip(spec.outputs, ref.outputs, cand.outputs, strict=True):
        if want != have:
            expected[loc.text] = loc.format(want)
            got[loc.text] = loc.format(have)
    if ref.io != cand.io:
        expected["io_writes"] = [f"${a:06X}=${v:02X}" for a, v in ref.io]
        got["io_writes"] = [f"${a:06X}=${v:02X}" for a, v in cand.io]
    if expected:
        first = next(iter(expected))
        return _Problem(
            FailReason.MISMATCH, f"{first}: expected {expected[first]}, got {got[first]}", expected, got
        )
    return _side_effect(ref, cand, spec)


def comparison_digest(outcome: Outcome, spec: Spec) -> bytes:
    """8 bytes over exactly what `_compare` compares (outputs, ordered I/O writes, the hardware state
    that counts as a side effect under the spec's writable registers, acknowledged flags): two runs
    have equal digests when, and only when (up to a 2^-64 collision), the comparison finds nothing.
    The dataset stores the reference's digest per case (`reference_runs`), so the encoding is fixed:
    little-endian 64-bit integers and UTF-8 names, each part prefixed with its length."""
    names, values = _compared_names(tuple(outcome.hardware), _writable_registers(spec))
    digest = hashlib.blake2b(digest_size=8)
    for part in (
        _integers(outcome.outputs),
        _integers([number for write in outcome.io for number in write]),
        names,
        _integers(values(outcome.hardware)),
        _integers(sorted(outcome.acknowledged)),
    ):
        digest.update(len(part).to_bytes(4, "little"))
        digest.update(part)
    return digest.digest()


@functools.lru_cache(maxsize=256)
def _compared_names(
    names: tuple[str, ...], writable: frozenset[int]
) -> tuple[bytes, Callable[[Mapping[str, int]], Sequence[int]]]:
    """The hardware-state names a comparison looks at, sorted and encoded, and a getter of their
    values (worked out once per set of names: runs of one task leave the same names)."""
    compared = sorted(name for name in names if _compared_state(name, writable))
    encoded = "\0".join(compared).encode()
    if len(compared) > 1:
        return encoded, operator.itemgetter(*compared)  # a tuple of the values, in C
    return encoded, lambda state: tuple(state[name] for name in compared)


def _integers(values: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(values)}q", *values)


class _ReferenceRunner:
    """The reference program plus a cache of its outcome per (case, caller), shared by candidates."""

    def __init__(self, program: Program, fields: TaskFields) -> None:
        self.program = program
        self.fields = fields
        self.machine = program.machine
        self.allowed = fields.spec.writable_addresses | _stack_cells(fields.spec)
        self._cache: dict[tuple[Case, int], tuple[Outcome, _Problem | None]] = {}

    def outcome(
        self, case: Case, machine_input: MachineInput, caller: int, *, whole_spec: bool = True
    ) -> Outcome:
        """The reference's outcome on a case. A reference that fails its own checks is a task bug: all
        of them for equivalence, only the stop and the return (`whole_spec=False`) for a trace, whose
        spec names just the locations it asks about."""
        key = (case, caller)
        if key not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            outcome = run_routine(
                self.machine,
                self.program,
                self.fields.spec,
                machine_input,
                call=self.fields.call,
                max_cycles=REFERENCE_MAX_CYCLES,
                caller=caller,
            )
            self._cache[key] = (
                outcome,
                _check_run(outcome, self.fields.spec, self.allowed, self.fields.call),
            )
        outcome, problem = self._cache[key]
        if problem is not None and not whole_spec:
            problem = _stop_problem(outcome, self.fields.call)
        if problem is not None:
            raise ReferenceBrokenError(
                f"the reference fails its own spec ({problem.reason.value}: {problem.detail}) on "
                f"{_describe_input(self.fields.spec, case, machine_input, caller)}"
            )
        return outcome


@functools.lru_cache(maxsize=16)
def _reference(fields: TaskFields) -> _ReferenceRunner:
    program = fields.assemble(fields.reference)
    if not program.result.ok:
        raise ReferenceBrokenError(f"the reference does not assemble: {program.result.error_text()}")
    if program.entry is None:
        raise ReferenceBrokenError(f"the reference does not define its entry label {fields.entry!r}")
    try:
        return _ReferenceRunner(program, fields)
    except HarnessError as error:
        raise ReferenceBrokenError(f"the reference cannot be loaded: {error}") from None


def task_fields(task: Mapping[str, Any]) -> TaskFields:
    """Validate the parts of a task equivalence needs; a malformed task is a TaskDataError."""
    if not isinstance(task, Mapping):
        raise TaskDataError(f"task: expected an object, got {type(task).__name__}")
    spec = parse_spec(task.get("spec"))
    reference = task.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise TaskDataError(
            f"task {task.get('id')!r}: `reference` (ASAR source of the gold routine) is required"
        )
    call = task.get("call", "jsr")
    if not isinstance(call, str) or call not in _RETURN_BY:
        raise TaskDataError(f'task {task.get("id")!r}: call {call!r} must be "jsr" or "jsl"')
    entry = task.get("entry")
    if entry is not None and not isinstance(entry, str):
        raise TaskDataError(f"task {task.get('id')!r}: entry must be a label name, got {entry!r}")
    base = task.get("base")
    if base is not None and (not isinstance(base, str) or not base.strip()):
        raise TaskDataError(f"task {task.get('id')!r}: base must be ASAR source text, got {base!r}"[:200])
    return TaskFields(spec, reference, entry, call, base, _origin(task), _helpers(task))


def _helpers(task: Mapping[str, Any]) -> tuple[str, ...]:
    raw = task.get("helpers") or ()
    if not isinstance(raw, (list, tuple)) or not all(isinstance(n, str) and n.strip() for n in raw):
        raise TaskDataError(
            f"task {task.get('id')!r}: helpers must be a list of label names, got {raw!r}"[:200]
        )
    return tuple(raw)


def _origin(task: Mapping[str, Any]) -> int | None:
    raw = task.get("origin")
    if raw is None:
        return None
    try:
        value = int(str(raw).lstrip("$"), 16) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 0xFFFFFF:
        raise TaskDataError(
            f'task {task.get("id")!r}: origin {raw!r} must be a 24-bit address like "$018000"'
        )
    return value


def run_on_case(
    fields: TaskFields,
    source: str,
    case: Case,
    *,
    avoid: Sequence[str] = (),
    max_cycles: int = REFERENCE_MAX_CYCLES,
) -> tuple[Outcome, Program]:
    """Run `source` on the verifier's input state of one case: the same memory, frame phase and caller
    address as `check_equivalence` gives it when `avoid` holds the other sources of that check (the
    caller avoids every source's code). Raises HarnessError when the source does not assemble."""
    program = fields.assemble(source)
    if not program.result.ok or program.entry is None:
        raise HarnessError(f"does not assemble or lacks {fields.entry!r}: {program.result.error_text()}")
    spans = [*program.spans, *(span for other in avoid for span in fields.assemble(other).spans)]
    reference = fields.assemble(fields.reference)
    machine_input = build_input(fields.spec, case)
    caller = pick_caller(reference.entry or program.entry, fields.call, machine_input.caller_seed, spans)
    outcome = run_routine(
        program.machine,
        program,
        fields.spec,
        machine_input,
        call=fields.call,
        max_cycles=max_cycles,
        caller=caller,
    )
    return outcome, program


def reference_outcome(task: Mapping[str, Any], case: Case, *, whole_spec: bool = True) -> Outcome:
    """The reference's outcome on one case (trace answers, explain truth); raises for a broken task
    (with `whole_spec=False` only when it does not return properly)."""
    fields = task_fields(task)
    runner = _reference(fields)
    machine_input = build_input(fields.spec, case)
    caller = pick_caller(
        runner.program.entry or 0, fields.call, machine_input.caller_seed, runner.program.spans
    )
    return runner.outcome(case, machine_input, caller, whole_spec=whole_spec)


def measure_reference_runs(task: Mapping[str, Any]) -> list[ReferenceRun]:
    """The reference's run on every case of the task's frozen plan, as the dataset stores them
    (`reference_runs`); raises TaskDataError for a task without a frozen plan or a broken reference."""
    fields = task_fields(task)
    if task.get("frozen_cases") is None:
        raise TaskDataError(f"task {task.get('id')!r}: reference runs are recorded on a frozen case plan")
    runner = _reference(fields)
    runs = []
    for case in stored_plan(task, fields.spec, index_bases(fields.reference), None):
        machine_input = build_input(fields.spec, case)
        caller = pick_caller(
            runner.program.entry or 0, fields.call, machine_input.caller_seed, runner.program.spans
        )
        outcome = runner.outcome(case, machine_input, caller)
        digest = comparison_digest(outcome, fields.spec)
        runs.append(ReferenceRun(caller, outcome.cycles, outcome.clocks, outcome.dma_bytes, digest))
    return runs


def _recorded_runs(
    task: Mapping[str, Any], plan: Sequence[Case], cases: int | None
) -> dict[Case, ReferenceRun]:
    """The task's recorded reference runs by case, when the check runs its frozen plan; else none."""
    if not plan_is_stored(task, cases):
        return {}
    runs = decode_runs(task, len(plan))
    return {} if runs is None else dict(zip(plan, runs, strict=True))


class _Stats:
    def __init__(self) -> None:
        self.ref_cycles: list[int] = []
        self.cand_cycles: list[int] = []
        self.ref_clocks: list[int] = []
        self.cand_clocks: list[int] = []
        self.closed = False  # set at the first failure: shrinking runs are not statistics

    def add(self, ref: Outcome | ReferenceRun, cand: Outcome) -> None:
        if self.closed:
            return
        self.ref_cycles.append(ref.cycles)
        self.cand_cycles.append(cand.cycles)
        self.ref_clocks.append(ref.clocks)
        self.cand_clocks.append(cand.clocks)

    def fields(self) -> dict[str, Any]:
        def mean(values: list[int]) -> float | None:
            return sum(values) / len(values) if values else None

        def top(values: list[int]) -> int | None:
            return max(values) if values else None

        return {
            "ref_cycles_mean": mean(self.ref_cycles),
            "ref_cycles_max": top(self.ref_cycles),
            "cand_cycles_mean": mean(self.cand_cycles),
            "cand_cycles_max": top(self.cand_cycles),
            "ref_clocks_mean": mean(self.ref_clocks),
            "ref_clocks_max": top(self.ref_clocks),
            "cand_clocks_mean": mean(self.cand_clocks),
            "cand_clocks_max": top(self.cand_clocks),
        }


class _StaticFields(TypedDict):
    """The `_static_verdict` fields of an answer that assembles."""

    assembles: bool
    ref_bytes: int
    cand_bytes: int | None


def _static_verdict(
    reason: FailReason,
    detail: str,
    spec: Spec,
    *,
    assembles: bool,
    ref_bytes: int,
    cand_bytes: int | None = None,
) -> Verdict:
    return Verdict(
        assembles=assembles,
        passes=False,
        reason=reason,
        detail=detail,
        seed=spec.seed,
        ref_bytes=ref_bytes,
        cand_bytes=cand_bytes,
    )


def _candidate_machine(program: Program) -> Any | str:
    """The candidate's machine, or why there is none (its own failure, e.g. no bytes at all)."""
    try:
        return program.machine
    except HarnessError as error:
        return str(error)


def check_equivalence(task: Mapping[str, Any], candidate_source: str, *, cases: int | None = None) -> Verdict:
    """Decide whether `candidate_source` behaves like `task["reference"]` under `task["spec"]`.

    `cases` overrides `spec.cases` (planned on demand, cached on disk). Raises TaskDataError (including
    `ReferenceBrokenError`) for a broken task and ToolMissingError/ToolMismatchError when ASAR is
    unusable; every problem the candidate causes is a Verdict."""
    fields = task_fields(task)
    spec, call = fields.spec, fields.call
    runner = _reference(fields)
    ref_bytes = runner.program.size
    if not isinstance(candidate_source, str) or not candidate_source.strip():
        return _static_verdict(FailReason.EMPTY, "no code", spec, assembles=False, ref_bytes=ref_bytes)
    cand_program = fields.assemble(candidate_source)
    if not cand_program.result.ok:
        detail = cand_program.result.error_text() or cand_program.result.status.value
        reason = _ASSEMBLY_REASONS.get(cand_program.result.status.value, FailReason.ASSEMBLY)
        return _static_verdict(reason, detail, spec, assembles=False, ref_bytes=ref_bytes)
    static = _StaticFields(assembles=True, ref_bytes=ref_bytes, cand_bytes=cand_program.size)
    if not cand_program.result.segments:
        return _static_verdict(FailReason.EMPTY, "the code assembles to no bytes", spec, **static)
    if cand_program.entry is None:
        return _static_verdict(FailReason.NO_ENTRY, f"label {fields.entry!r} is not defined", spec, **static)
    missing = [name for name in fields.helpers if name not in cand_program.result.symbols]
    if missing:
        detail = f"helper label {missing[0]!r} is not defined (the task asks for it as a routine of its own)"
        return _static_verdict(FailReason.NO_ENTRY, detail, spec, **static)
    machine = _candidate_machine(cand_program)
    if isinstance(machine, str):
        return _static_verdict(FailReason.UNSUPPORTED, machine, spec, **static)
    avoid = (*runner.program.spans, *cand_program.spans)
    plan = stored_plan(task, spec, index_bases(fields.reference), cases)
    recorded = _recorded_runs(task, plan, cases)
    stats = _Stats()
    shrink_spent = [0]

    def compared(
        cand: Outcome, ref: Outcome | ReferenceRun, case: Case, machine_input: MachineInput, caller: int
    ) -> _Problem | None:
        """`_compare` against the reference's run, or its record (the reference then runs live only
        when the answer differs, for the counterexample)."""
        if isinstance(ref, Outcome):
            return _compare(ref, cand, spec)
        if comparison_digest(cand, spec) == ref.digest:
            return None
        live = runner.outcome(case, machine_input, caller)
        if comparison_digest(live, spec) != ref.digest:
            raise TaskDataError(
                f"task {task.get('id')!r}: the reference's run on "
                f"{_describe_input(spec, case, machine_input, caller)} differs from its reference_runs "
                "record (the data was built with another emulator): rebuild the data"
            )
        problem = _compare(live, cand, spec)
        if problem is None:
            raise HarnessError("comparison_digest differs where _compare finds no difference (a harness bug)")
        return problem

    def evaluate(case: Case) -> _Failure | None:
        if stats.closed and shrink_spent[0] > SHRINK_CYCLES:
            return None  # the shrinking budget is spent: unseen cases stop the search, the failure stands
        machine_input = build_input(spec, case)
        try:
            caller = pick_caller(runner.program.entry or 0, call, machine_input.caller_seed, avoid)
        except CallerUnavailable as error:
            stats.closed = True
            return _Failure(FailReason.UNSUPPORTED, str(error), {})
        record = recorded.get(case)
        ref: Outcome | ReferenceRun
        if record is None or record.caller != caller:  # no record, or the answer's code moved the caller
            ref = runner.outcome(case, machine_input, caller)
        else:
            ref = record
        try:
            cand = run_routine(
                machine,
                cand_program,
                spec,
                machine_input,
                call=call,
                max_cycles=(ref.cycles + ref.dma_bytes) * BUDGET_FACTOR + BUDGET_FLOOR,
                caller=caller,
            )
        except HarnessError as error:  # e.g. a JSR entry outside the caller's bank: the candidate's doing
            stats.closed = True
            return _Failure(
                FailReason.UNSUPPORTED, str(error), _describe_input(spec, case, machine_input, caller)
            )
        if stats.closed:
            shrink_spent[0] += cand.cycles
        problem = _check_run(cand, spec, runner.allowed, call) or compared(
            cand, ref, case, machine_input, caller
        )
        if problem is not None:
            stats.closed = True
            described = _describe_input(spec, case, machine_input, caller)
            return _Failure(
                problem.reason,
                problem.detail,
                {**described, "expected": problem.expected, "got": problem.got},
            )
        stats.add(ref, cand)
        return None

    shrinking = _SHRINK.get()
    ran = run_plan(spec, plan, evaluate, shrink=lambda found: shrinking and found.reason not in _NOT_SHRUNK)
    failure, cases_run, _ = ran
    common = {"assembles": True, "cases_run": cases_run, "seed": spec.seed, **static, **stats.fields()}
    if failure is None:
        return Verdict(passes=True, reason=FailReason.NONE, **common)
    return Verdict(
        passes=False,
        reason=failure.reason,
        detail=failure.detail,
        counterexample=failure.counterexample,
        **common,
    )


def index_bases(reference: str) -> tuple[int, ...]:
    """Absolute operands of indexed instructions in a reference (`LDA $0EF0,X`): edge cases add the
    index that crosses their page."""
    return tuple(int(m.group(1), 16) for m in _INDEXED_OPERAND_RE.finditer(reference))
