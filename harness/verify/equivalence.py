"""Semantic equivalence of a candidate routine with a task's reference, decided by running both.

Both sources are assembled by ASAR (sandboxed) and run in the emulator on the same input states
(`harness.verify.states`): edge cases first, then hypothesis-generated ones; the first failing case is
shrunk. A candidate fails a case when it
- changes an `outputs` location differently from the reference (MISMATCH), or the ordered log of
  observable I/O writes (PPU/APU registers; not the math or WRAM-port scratch registers) differs;
- changes a `preserve` location (PRESERVE);
- writes memory outside outputs + writable + the 256 bytes of stack below the entry S (STRAY_WRITE);
- does not return within reference cycles x 10 + 1000 (BUDGET), executes an unsupported operation such
  as DMA (UNSUPPORTED), or stops on BRK/COP/STP/WAI (HALTED).
The same checks run on the reference: a reference that fails them is REFERENCE_BROKEN (a task bug,
reported, never scored as the model's pass). A missing or wrong ASAR raises; it is never a verdict.

Not protected against: a candidate that is equivalent on every generated case but differs elsewhere
(testing, not proof), and behaviour the emulator stubs (open bus, DMA timing, interrupts).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.reasons import FailReason
from harness.core.results import Verdict
from harness.errors import TaskDataError
from harness.verify.spec import FLAG_BITS, Location, LocationKind, Spec, canonical_address, parse_spec
from harness.verify.states import Case, MachineInput, build_input, edge_cases, search_cases

__all__ = [
    "FailReason",
    "Program",
    "Verdict",
    "assemble_program",
    "check_equivalence",
    "observe",
    "run_case",
]

REFERENCE_MAX_CYCLES = 200_000
BUDGET_FACTOR = 10
BUDGET_FLOOR = 1000
STACK_WINDOW = 0x100
# I/O writes that are scratch, not observable output: WRAM port (its effect shows in memory), math unit,
# memory speed. Everything else written to $21xx/$42xx/$43xx is compared in order.
_IO_SCRATCH = frozenset({0x2180, 0x2181, 0x2182, 0x2183, 0x4202, 0x4203, 0x4204, 0x4205, 0x4206, 0x420D})
_INDEXED_OPERAND_RE = re.compile(r"(?<![#(\[$\w])\$([0-9A-Fa-f]{4})\s*,\s*[xXyY]\b")


@dataclass(frozen=True)
class Program:
    """An assembled source and where to call it (`entry` None when the entry label is missing)."""

    result: Any  # harness.asar.AssembleResult
    entry: int | None

    @property
    def size(self) -> int:
        return int(self.result.size)


@dataclass(frozen=True)
class _Outcome:
    """What one run produced, reduced to what the checks compare."""

    stop: str
    detail: str
    cycles: int
    clocks: int
    outputs: tuple[int, ...]
    preserve_before: tuple[int, ...]
    preserve_after: tuple[int, ...]
    written: tuple[tuple[int, int, int], ...]  # (address, old, new), sorted
    io: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Failure:
    reason: FailReason
    detail: str
    counterexample: dict[str, Any]


@functools.lru_cache(maxsize=512)
def assemble_program(source: str, entry: str | None) -> Program:
    """Assemble `source` and resolve the entry label (cached: ASAR is deterministic, results frozen).

    When the label is missing but the source defines no labels at all (a bare instruction list), the
    routine is taken to start at its lowest emitted address; otherwise the entry is None (NO_ENTRY).
    """
    from harness.asar import assemble

    result = assemble(source)  # the bundled headers (snes.asm, alttp_ram.asm) may be incsrc'd
    if not result.ok:
        return Program(result, None)
    symbols = dict(result.symbols)
    if entry and entry in symbols:
        return Program(result, int(symbols[entry]))
    if (not symbols or not entry) and result.segments:
        return Program(result, min(segment.address for segment in result.segments))
    return Program(result, None)


_MACHINES: dict[int, tuple[Program, Any]] = {}  # registry: id(program) -> (program, its Machine)


def machine_for(program: Program) -> Any:
    """A Machine loaded with the program's image, shared by every user of the same (cached) Program.

    Building the SNES bus costs more than a short run, and reference, baseline and candidate are often
    the same source. Sharing is safe because every `run` resets the machine and `run_case` reads all
    observables before the next run. Keyed by identity; the Program is kept alive with its Machine.
    """
    from harness.emu import Machine

    entry = _MACHINES.get(id(program))
    if entry is None or entry[0] is not program:
        if len(_MACHINES) >= 64:
            _MACHINES.clear()
        entry = (program, Machine.from_assembly(program.result))
        _MACHINES[id(program)] = entry
    return entry[1]


def observe(location: Location, state: Any, machine: Any) -> int:
    """Current value of a location: registers and flags from the CPU state, memory via `peek`."""
    if location.kind is LocationKind.REGISTER:
        name = location.name
        if name == "A.lo":
            return state.a & 0xFF
        return int(getattr(state, str(name).lower()))
    if location.kind is LocationKind.FLAG:
        if location.name == "e":
            return int(state.e)
        return 1 if state.p & FLAG_BITS[str(location.name)] else 0
    value = 0
    for offset, address in enumerate(location.addresses):
        value |= (machine.peek(address) & 0xFF) << (8 * offset)
    return value


def _cpu_state(machine_input: MachineInput, entry: int) -> Any:
    from harness.emu import CpuState

    return CpuState(
        a=machine_input.a,
        x=machine_input.x,
        y=machine_input.y,
        s=machine_input.s,
        d=machine_input.d,
        dbr=machine_input.dbr,
        pbr=entry >> 16,
        pc=entry & 0xFFFF,
        p=machine_input.p,
        e=machine_input.e,
    )


def _initial_value(location: Location, before: Any, machine_input: MachineInput, written: Mapping) -> int:
    """Value of a location at entry; memory from the write log's old values or the (unchanged) cell."""
    if location.kind in (LocationKind.REGISTER, LocationKind.FLAG):
        return observe(location, before, None)
    value = 0
    for offset, address in enumerate(location.addresses):
        if address in written:
            byte = written[address][0]
        elif 0x7E0000 <= address < 0x800000:
            byte = machine_input.wram[address - 0x7E0000]
        else:
            byte = machine_input.pokes.get(address, 0)
        value |= (byte & 0xFF) << (8 * offset)
    return value


def _is_observable_io(address: int) -> bool:
    return (address & 0xFFFF) not in _IO_SCRATCH


def run_case(
    machine: Any, program: Program, spec: Spec, machine_input: MachineInput, *, call: str, max_cycles: int
) -> _Outcome:
    """Run a program on one input state and reduce the result to an `_Outcome`."""
    before = _cpu_state(machine_input, program.entry or 0)
    result = machine.run(
        program.entry,
        before,
        wram=machine_input.wram,
        memory=machine_input.pokes,
        call=call,
        max_cycles=max_cycles,
    )
    written = dict(result.writes)
    return _Outcome(
        stop=str(getattr(result.stop, "name", result.stop)),
        detail=str(result.detail or ""),
        cycles=int(result.cycles),
        clocks=int(result.master_clocks),
        outputs=tuple(observe(loc, result.state, machine) for loc in spec.outputs),
        preserve_before=tuple(_initial_value(loc, before, machine_input, written) for loc in spec.preserve),
        preserve_after=tuple(observe(loc, result.state, machine) for loc in spec.preserve),
        written=tuple(sorted((int(a), int(o), int(n)) for a, (o, n) in written.items())),
        io=tuple(
            (int(w.address), int(w.value)) for w in result.io_writes if _is_observable_io(int(w.address))
        ),
    )


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
        if location.kind is LocationKind.BYTE:
            address = int(location.name)
            if run and address != run[-1][0] + 1:
                flush()
            run.append((address, value))
            continue
        flush()
        named[location.text] = location.format(value)
    flush()
    return named


def _describe_input(spec: Spec, case: Case, machine_input: MachineInput) -> dict[str, Any]:
    named = _named_inputs(spec, case)
    state = {
        "A": f"${machine_input.a:04X}",
        "X": f"${machine_input.x:04X}",
        "Y": f"${machine_input.y:04X}",
        "S": f"${machine_input.s:04X}",
        "D": f"${machine_input.d:04X}",
        "DBR": f"${machine_input.dbr:02X}",
        "P": f"${machine_input.p:02X}",
        "e": machine_input.e,
        "background_seed": case.background,
    }
    return {"inputs": named, "state": state}


def _check_run(
    outcome: _Outcome, spec: Spec, allowed: frozenset[int]
) -> tuple[FailReason, str, dict, dict] | None:
    """Checks that need one run only: stop reason, preserve, stray writes. None when all hold."""
    if outcome.stop == "BUDGET":
        return FailReason.BUDGET, f"no return within {outcome.cycles} cycles", {}, {}
    if outcome.stop == "UNSUPPORTED":
        return FailReason.UNSUPPORTED, outcome.detail or "unsupported operation", {}, {}
    if outcome.stop != "RETURNED":
        return FailReason.HALTED, f"stopped by {outcome.stop} {outcome.detail}".strip(), {}, {}
    for loc, old, new in zip(spec.preserve, outcome.preserve_before, outcome.preserve_after, strict=True):
        if old != new:
            return (
                FailReason.PRESERVE,
                f"{loc.text} changed from {loc.format(old)} to {loc.format(new)}",
                {loc.text: loc.format(old)},
                {loc.text: loc.format(new)},
            )
    for address, old, new in outcome.written:
        if address not in allowed:
            return (
                FailReason.STRAY_WRITE,
                f"wrote ${new:02X} to ${address:06X}, outside outputs/writable/stack",
                {f"${address:06X}": f"${old:02X}"},
                {f"${address:06X}": f"${new:02X}"},
            )
    return None


def _compare(ref: _Outcome, cand: _Outcome, spec: Spec) -> tuple[str, dict, dict] | None:
    expected: dict[str, Any] = {}
    got: dict[str, Any] = {}
    for loc, want, have in zip(spec.outputs, ref.outputs, cand.outputs, strict=True):
        if want != have:
            expected[loc.text] = loc.format(want)
            got[loc.text] = loc.format(have)
    if ref.io != cand.io:
        expected["io_writes"] = [f"${a:06X}=${v:02X}" for a, v in ref.io]
        got["io_writes"] = [f"${a:06X}=${v:02X}" for a, v in cand.io]
    if not expected:
        return None
    first = next(iter(expected))
    return f"{first}: expected {expected[first]}, got {got[first]}", expected, got


class _ReferenceRunner:
    """The reference program plus a cache of its outcome per case (shared by every candidate)."""

    def __init__(self, program: Program, spec: Spec, call: str) -> None:
        self.program = program
        self.spec = spec
        self.call = call
        self.machine = machine_for(program)
        self.allowed = spec.writable_addresses | _stack_cells(spec)
        self._cache: dict[Case, tuple[_Outcome, tuple | None]] = {}

    def outcome(self, case: Case, machine_input: MachineInput) -> tuple[_Outcome, tuple | None]:
        """The reference's outcome and its own check failure (None when the reference is sound)."""
        if case not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            outcome = run_case(
                self.machine,
                self.program,
                self.spec,
                machine_input,
                call=self.call,
                max_cycles=REFERENCE_MAX_CYCLES,
            )
            self._cache[case] = (outcome, _check_run(outcome, self.spec, self.allowed))
        return self._cache[case]


@functools.lru_cache(maxsize=16)
def _reference(
    source: str, entry: str | None, call: str, spec: Spec
) -> tuple[Program, _ReferenceRunner | None]:
    program = assemble_program(source, entry)
    if not program.result.ok or program.entry is None:
        return program, None
    return program, _ReferenceRunner(program, spec, call)


def _task_fields(task: Mapping[str, Any]) -> tuple[Spec, str, str | None, str]:
    if not isinstance(task, Mapping):
        raise TaskDataError(f"task: expected an object, got {type(task).__name__}")
    spec = parse_spec(task.get("spec"))
    reference = task.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise TaskDataError(
            f"task {task.get('id')!r}: `reference` (ASAR source of the gold routine) is required"
        )
    call = task.get("call", "jsr")
    if call not in ("jsr", "jsl"):
        raise TaskDataError(f'task {task.get("id")!r}: call {call!r} must be "jsr" or "jsl"')
    entry = task.get("entry")
    if entry is not None and not isinstance(entry, str):
        raise TaskDataError(f"task {task.get('id')!r}: entry must be a label name, got {entry!r}")
    return spec, reference, entry, call


class _Stats:
    def __init__(self) -> None:
        self.ref_cycles: list[int] = []
        self.cand_cycles: list[int] = []
        self.ref_clocks: list[int] = []
        self.cand_clocks: list[int] = []
        self.closed = False  # set at the first failure: shrinking runs are not statistics

    def add(self, ref: _Outcome, cand: _Outcome) -> None:
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


def _static_verdict(
    reason: FailReason,
    detail: str,
    spec: Spec,
    *,
    assembles: bool,
    ref_bytes: int | None = None,
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


def check_equivalence(task: Mapping[str, Any], candidate_source: str, *, cases: int | None = None) -> Verdict:
    """Decide whether `candidate_source` behaves like `task["reference"]` under `task["spec"]`.

    `cases` overrides `spec.cases`. Raises SpecError/TaskDataError for a malformed task and
    ToolMissingError/ToolMismatchError when ASAR is unusable; every candidate problem is a Verdict.
    """
    spec, reference, entry, call = _task_fields(task)
    ref_program, runner = _reference(reference, entry, call, spec)
    if runner is None:
        why = ref_program.result.error_text() if not ref_program.result.ok else f"entry {entry!r} not defined"
        return _static_verdict(FailReason.REFERENCE_BROKEN, f"reference: {why}", spec, assembles=False)
    if not isinstance(candidate_source, str) or not candidate_source.strip():
        return _static_verdict(FailReason.EMPTY, "no code", spec, assembles=False, ref_bytes=ref_program.size)
    cand_program = assemble_program(candidate_source, entry)
    if not cand_program.result.ok:
        detail = cand_program.result.error_text() or cand_program.result.status.value
        return _static_verdict(FailReason.ASSEMBLY, detail, spec, assembles=False, ref_bytes=ref_program.size)
    if cand_program.entry is None:
        return _static_verdict(
            FailReason.NO_ENTRY,
            f"label {entry!r} is not defined",
            spec,
            assembles=True,
            ref_bytes=ref_program.size,
            cand_bytes=cand_program.size,
        )
    machine = machine_for(cand_program)
    stats = _Stats()

    def evaluate(case: Case) -> _Failure | None:
        machine_input = build_input(spec, case)
        ref, ref_problem = runner.outcome(case, machine_input)
        described = _describe_input(spec, case, machine_input)
        if ref_problem is not None:
            stats.closed = True
            reason, detail, expected, got = ref_problem
            return _Failure(
                FailReason.REFERENCE_BROKEN,
                f"reference {reason.value}: {detail}",
                {**described, "expected": expected, "got": got},
            )
        cand = run_case(
            machine,
            cand_program,
            spec,
            machine_input,
            call=call,
            max_cycles=ref.cycles * BUDGET_FACTOR + BUDGET_FLOOR,
        )
        problem = _check_run(cand, spec, runner.allowed)
        if problem is not None:
            stats.closed = True
            reason, detail, expected, got = problem
            return _Failure(reason, detail, {**described, "expected": expected, "got": got})
        mismatch = _compare(ref, cand, spec)
        if mismatch is not None:
            stats.closed = True
            detail, expected, got = mismatch
            return _Failure(FailReason.MISMATCH, detail, {**described, "expected": expected, "got": got})
        stats.add(ref, cand)
        return None

    bases = [int(m.group(1), 16) for m in _INDEXED_OPERAND_RE.finditer(reference)]
    failure, cases_run = search_cases(spec, evaluate, edges=edge_cases(spec, bases), cases=cases)
    common = {
        "assembles": True,
        "cases_run": cases_run,
        "seed": spec.seed,
        "ref_bytes": ref_program.size,
        "cand_bytes": cand_program.size,
        **stats.fields(),
    }
    if failure is None:
        return Verdict(passes=True, reason=FailReason.NONE, **common)
    assert isinstance(failure, _Failure)
    return Verdict(
        passes=False,
        reason=failure.reason,
        detail=failure.detail,
        counterexample=failure.counterexample,
        **common,
    )
