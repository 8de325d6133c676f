"""What a routine does, measured by running it: the truth that explanations are checked against.

`measure_footprint(task)` runs the task's reference in the emulator on the spec's edge cases plus
seeded random cases (each twice, on two backgrounds) and records every data access the CPU makes:

- **reads**: memory cells and hardware registers read (canonical 24-bit addresses; WRAM mirrors
  folded to $7E). The stack (256 bytes below the entry S and the return address above it) is not
  data. `input_reads` are the cells whose first access in some run was a read (the routine uses their
  entry value), grouped into contiguous regions of one area (RAM, I/O, SRAM); ROM (the routine's own
  code and tables) is allowed in claims but never required, and so is the free scratch $7E0000-$7E000F
  unless the spec names a cell of it as an input or output.
- **writes**: cells written (the stack excluded); `output_writes` are those regions minus free scratch.
- **registers_read**: registers and flags whose entry value changes something observable (the spec's
  outputs, the final value of any written cell, the ordered I/O writes): each is perturbed (within its
  spec domain when it is an input) and the routine re-run. This is what "reads A" means: not that an
  instruction names A, but that the result depends on A's value at entry.
- **registers_returned**: the spec's register and flag outputs (what the routine is for);
  **registers_changed**: every register or flag whose exit value differs from its entry value on some
  case and is the same on both backgrounds (a true, if minor, thing to say the routine returns).
- **numbers**: every value an explanation may name without being wrong: the numbers of the code (and of
  the header names it uses), the mode and the memory map, region sizes, each of those plus or minus
  one (a count minus one, an end address), and every accessed cell in its usual spellings.

Reads are recorded by a forwarding wrapper around the SNES bus (`_RecordingBus`): the CPU is rebuilt
around it, so the emulator needs no hook, and a run that the machine replays (to name the returning
instruction) records the same accesses again, which sets and first-access maps absorb.
Results are cached per task (keyed by the fields that decide them).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from harness.asar import HEADER_NAMES, header_path
from harness.emu import Machine
from harness.emu.cpu import Cpu
from harness.errors import TaskDataError
from harness.verify import assemble_program, parse_spec
from harness.verify.equivalence import run_routine
from harness.verify.spec import SPACE_BASES, SPACE_SIZES, canonical_address
from harness.verify.states import Case, build_input, edge_cases

__all__ = [
    "Area",
    "Footprint",
    "Region",
    "area_of",
    "cell_text",
    "determined_outputs",
    "header_defines",
    "measure_footprint",
    "numbers_in",
    "regions_of",
    "space_cell",
]

SCRATCH = range(0x7E0000, 0x7E0010)
REGISTERS = ("A", "X", "Y")
FLAGS = ("C", "Z", "N", "V")
_FLAG_BITS = {"N": 0x80, "V": 0x40, "Z": 0x02, "C": 0x01}
_RANDOM_CASES = 16
_MAX_EDGE_CASES = 48
_MAX_CYCLES = 200_000
_OTHER_BACKGROUND = 0x5A5A5A5A
_STACK_BELOW = 0x100  # what a routine may push below its entry S
_RETURN_BYTES = 3  # the return address the call pushes at the caller's S (2 for JSR, 3 for JSL)
_NUMBER_RE = re.compile(r"(?<![\w$])(?:\$([0-9A-Fa-f]{1,6})|0[xX]([0-9A-Fa-f]{1,6})|([0-9]{1,7}))(?![\w$])")
_LONG_RE = re.compile(r"(?<![\w$])\$([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})(?![\w$])")


class Area(str, Enum):
    """Where a cell lives: what kind of claim can name it."""

    RAM = "ram"
    IO = "io"
    ROM = "rom"
    SRAM = "sram"
    VRAM = "vram"
    CGRAM = "cgram"
    OAM = "oam"


_SPACE_DIGITS = {"vram": 4, "cgram": 4, "oam": 4}  # as `harness.verify.spec` spells them


def space_cell(address: int) -> tuple[str, int] | None:
    """(space, byte offset) of a PPU-memory cell in the harness's address space, else None."""

    for space, base in SPACE_BASES.items():
        if base <= address < base + SPACE_SIZES[space]:
            return space, address - base
    return None


def cell_text(address: int) -> str:
    """How a cell is spelled: `$7E0E50`, or `vram:$1000` for a PPU memory byte (the spec's spelling)."""
    located = space_cell(address) if address > 0xFFFFFF else None
    if located is None:
        return f"${address:06X}"
    space, offset = located
    return f"{space}:${offset:0{_SPACE_DIGITS[space]}X}"


def area_of(address: int) -> Area:
    """The area of a canonical address (LoROM/HiROM ROM, WRAM, I/O, SRAM, or a PPU memory)."""
    if address > 0xFFFFFF:
        located = space_cell(address)
        return Area(located[0]) if located else Area.ROM
    bank, offset = address >> 16, address & 0xFFFF
    if bank in (0x7E, 0x7F):
        return Area.RAM
    if (bank & 0x7F) < 0x40 and 0x2000 <= offset < 0x6000:
        return Area.IO
    if (bank & 0x7F) < 0x40 and offset < 0x2000:
        return Area.RAM
    if offset >= 0x8000 or (bank & 0x7F) >= 0x40:
        return Area.SRAM if 0x70 <= (bank & 0x7F) <= 0x7D and offset < 0x8000 else Area.ROM
    return Area.SRAM


@dataclass(frozen=True)
class Region:
    """Contiguous cells of one area: a table, a variable, a buffer, a hardware register block."""

    first: int
    last: int
    area: Area

    def __contains__(self, address: object) -> bool:
        return isinstance(address, int) and self.first <= address <= self.last

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    @property
    def text(self) -> str:
        """`$7E0E50..$7E0E5F`, `vram:$1000..$10FF` (the spec's spellings)."""
        if self.size == 1:
            return cell_text(self.first)
        last = cell_text(self.last)
        return f"{cell_text(self.first)}..{last.split(':', 1)[1] if ':' in last else last}"


def regions_of(cells: Iterable[int]) -> tuple[Region, ...]:
    """Group cells into maximal runs of consecutive addresses within one area, in address order."""
    regions: list[Region] = []
    for cell in sorted(set(cells)):
        area = area_of(cell)
        if regions and regions[-1].last + 1 == cell and regions[-1].area is area:
            regions[-1] = Region(regions[-1].first, cell, area)
        else:
            regions.append(Region(cell, cell, area))
    return tuple(regions)


@dataclass(frozen=True)
class Footprint:
    """The measured behaviour of a reference routine (see the module docstring)."""

    reads: frozenset[int]
    writes: frozenset[int]
    input_reads: tuple[Region, ...]
    output_writes: tuple[Region, ...]
    registers_read: frozenset[str]
    registers_returned: frozenset[str]
    registers_changed: frozenset[str]
    numbers: frozenset[int]
    direct_page: int
    data_bank: int

    def read_region(self, address: int) -> Region | None:
        """The region of all cells read that holds `address` (None when it is not read)."""
        return _region_holding(regions_of(self.reads), address)

    def write_region(self, address: int) -> Region | None:
        return _region_holding(regions_of(self.writes), address)


def _region_holding(regions: Sequence[Region], address: int) -> Region | None:
    return next((region for region in regions if address in region), None)


# ------------------------------------------------------------------------------------------ running


class _RecordingBus:
    """The Bus protocol, forwarded to the SNES bus, recording data cells read and written."""

    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self.reads: set[int] = set()
        self.writes: set[int] = set()
        self.first: dict[int, str] = {}

    def clear(self) -> None:
        self.reads = set()
        self.writes = set()
        self.first = {}

    def read(self, address: int) -> int:
        value: int = self._bus.read(address)
        self.reads.add(address)
        self.first.setdefault(address, "r")
        return value

    def write(self, address: int, value: int) -> None:
        self._bus.write(address, value)
        self.writes.add(address)
        self.first.setdefault(address, "w")

    def idle(self, address: int) -> None:
        self._bus.idle(address)

    def watch_dma(self, bus: Any) -> None:
        """Record what a DMA the routine starts moves: its A-bus cells and its B-bus registers ($21xx)
        are the routine's reads and writes too. The DMA engine calls these methods on the bus object,
        so instance attributes that forward and record are enough (a bus without DMA has none)."""
        for name, kind, b_bus in (
            ("dma_read_a", "r", False),
            ("dma_write_a", "w", False),
            ("dma_read_b", "r", True),
            ("dma_write_b", "w", True),
        ):
            method = getattr(bus, name, None)
            if method is not None:
                setattr(bus, name, self._recording(method, kind, b_bus))

    def _recording(self, method: Any, kind: str, b_bus: bool) -> Any:
        def forward(address: int, *rest: Any) -> Any:
            cell = (0x2100 | (address & 0xFF)) if b_bus else address
            (self.reads if kind == "r" else self.writes).add(cell)
            self.first.setdefault(cell, kind)
            return method(address, *rest)

        return forward


@dataclass(frozen=True)
class _Run:
    """One run reduced to what the footprint needs."""

    returned: bool
    observation: tuple[Any, ...]
    reads: frozenset[int]
    writes: frozenset[int]
    read_first: frozenset[int]
    registers_exit: Mapping[str, int]


class _Runner:
    """A Machine whose CPU talks to a recording bus; runs a program from a `MachineInput`."""

    def __init__(self, program: Any, spec: Any, call: str) -> None:

        self.machine = Machine.from_assembly(program.result)
        self.recorder = _RecordingBus(self.machine.bus)
        self.machine.cpu = Cpu(self.recorder, trap_interrupts=True)
        self.recorder.watch_dma(self.machine.bus)
        self.program = program
        self.spec = spec
        self.call = call

    def run(self, machine_input: Any) -> _Run:
        """One run through the verifier's own runner (`run_routine`: the same entry state, PPU memories
        and H/V position as every other user of the case), recorded."""

        self.recorder.clear()
        outcome = run_routine(
            self.machine, self.program, self.spec, machine_input, call=self.call, max_cycles=_MAX_CYCLES
        )
        stack = _stack_cells(machine_input.s)
        reads = frozenset(canonical_address(a) for a in self.recorder.reads) - stack
        logged = {int(address) for address, _, _ in outcome.written}  # PPU memories included
        writes = (frozenset(canonical_address(a) for a in self.recorder.writes) | logged) - stack
        first_read = (
            frozenset(canonical_address(a) for a, kind in self.recorder.first.items() if kind == "r") - stack
        )
        returned = outcome.stop.name == "RETURNED"
        memory = tuple((a, new) for a, _, new in outcome.written if a not in stack)
        return _Run(
            returned=returned,
            observation=(outcome.outputs, memory, outcome.io) if returned else ("stopped", outcome.stop.name),
            reads=reads,
            writes=writes,
            read_first=first_read,
            registers_exit=_registers(self.machine.cpu.state),
        )


def _stack_cells(s: int) -> frozenset[int]:
    """The stack of a run: the return address pushed at the caller's S (`s`, the spec's mode.S) and
    downwards, and the bytes the routine may push below it. Nothing above `s` is stack."""

    low = max(0, s - _RETURN_BYTES - _STACK_BELOW)
    return frozenset(canonical_address(a) for a in range(low, s + 1))


def _registers(state: Any) -> dict[str, int]:
    values = {"A": state.a, "A.lo": state.a & 0xFF, "X": state.x, "Y": state.y}
    values.update({flag: 1 if state.p & bit else 0 for flag, bit in _FLAG_BITS.items()})
    return values


def _entry_registers(machine_input: Any) -> dict[str, int]:
    values = {
        "A": machine_input.a,
        "A.lo": machine_input.a & 0xFF,
        "X": machine_input.x,
        "Y": machine_input.y,
    }
    values.update({flag: 1 if machine_input.p & bit else 0 for flag, bit in _FLAG_BITS.items()})
    return values


# ------------------------------------------------------------------------------------------- cases


def _random_cases(spec: Any, count: int) -> list[Any]:

    rng = random.Random(f"asm65816-footprint:{spec.seed}")
    cases = []
    for _ in range(count):
        values = tuple(
            rng.choice(domain.values) if domain.values is not None else rng.randint(domain.lo, domain.hi)
            for _, domain in spec.inputs
        )
        cases.append(Case(values, rng.getrandbits(32)))
    return cases


def _cases(spec: Any) -> list[Any]:

    return [*edge_cases(spec)[:_MAX_EDGE_CASES], *_random_cases(spec, _RANDOM_CASES)]


def _perturbed(spec: Any, machine_input: Any, name: str, rng: random.Random) -> Any:
    """The same input with one register or flag changed (within its spec domain when it is an input)."""
    domains = {str(location.name): domain for location, domain in spec.inputs}
    if name in _FLAG_BITS:
        return dataclasses.replace(machine_input, p=machine_input.p ^ _FLAG_BITS[name])
    wide = 0xFFFF if name == "A" or not spec.mode.x else 0xFF
    current = getattr(machine_input, name.lower())
    domain = domains.get(name) or (domains.get("A.lo") if name == "A" else None)
    for _ in range(16):
        if domain is None:
            value = rng.randrange(wide + 1)
        else:
            value = (
                rng.choice(domain.values) if domain.values is not None else rng.randint(domain.lo, domain.hi)
            )
            if name == "A" and "A.lo" in domains:
                value = (rng.randrange(0x100) << 8) | value
        if value != current:
            return dataclasses.replace(machine_input, **{name.lower(): value})
    return None


# ----------------------------------------------------------------------------------------- measure


_TASK_FIELDS = ("id", "spec", "reference", "entry", "call", "prompt", "base", "origin")


def _task_key(task: Mapping[str, Any]) -> str:
    fields = {key: task.get(key) for key in _TASK_FIELDS}
    return json.dumps(fields, sort_keys=True, default=str)


def _program(task: Mapping[str, Any]) -> tuple[Any, str]:
    """The reference assembled as the verifier does (against the trusted base of a hook task), and the
    call; a task whose reference cannot run is a TaskDataError."""

    reference, entry, call = task.get("reference"), task.get("entry"), task.get("call") or "jsr"
    if not isinstance(reference, str) or not isinstance(entry, str) or call not in ("jsr", "jsl"):
        raise TaskDataError(f"task {task.get('id')!r}: explain needs `reference`, `entry` and `call`")
    base = task.get("base")
    if base is None:
        program = assemble_program(reference, entry)
    else:
        origin = task.get("origin")
        origin = int(origin.lstrip("$"), 16) if isinstance(origin, str) else origin
        program = assemble_program(reference, entry, base, origin)
    if not program.result.ok or program.entry is None:
        raise TaskDataError(
            f"task {task.get('id')!r}: the reference does not assemble or has no entry {entry!r}"
        )
    return program, str(call)


def determined_outputs(
    task: Mapping[str, Any], inputs: Mapping[str, int], outputs: Sequence[str], backgrounds: int = 3
) -> dict[str, int]:
    """The reference's final value of each of `outputs` on the fixed `inputs`, for those outputs that
    come out the same on `backgrounds` different backgrounds (the rest depend on state the inputs do
    not give); {} when a run does not return. For choosing an explain task's example."""

    raw = task.get("spec") or {}
    spec = parse_spec(
        {
            "mode": raw.get("mode"),
            "inputs": {name: {"values": [value]} for name, value in inputs.items()},
            "outputs": list(outputs),
            "cases": 1,
            "seed": raw.get("seed", 0),
        }
    )
    program, call = _program(task)
    runner = _Runner(program, spec, call)
    first = edge_cases(spec)[0]
    runs = []
    for index in range(backgrounds):
        run = runner.run(
            build_input(spec, Case(first.values, first.background ^ (index * _OTHER_BACKGROUND)))
        )
        if not run.returned:
            return {}
        runs.append(run.observation[0])
    names = [location.text for location in spec.outputs]
    return {
        name: value
        for name, value, *others in zip(names, *runs, strict=True)
        if all(o == value for o in others)
    }


def measure_footprint(task: Mapping[str, Any]) -> Footprint:
    """The footprint of the task's reference (cached). Raises TaskDataError for a broken task."""
    return _measure(_task_key(task))


@functools.lru_cache(maxsize=256)
def _measure(key: str) -> Footprint:

    task = json.loads(key)
    spec = parse_spec(task.get("spec"))
    program, call = _program(task)
    runner = _Runner(program, spec, call)
    rng = random.Random(f"asm65816-perturb:{spec.seed}")
    reads: set[int] = set()
    writes: set[int] = set()
    read_first: set[int] = set()
    registers_read: set[str] = set()
    changed: set[str] = set()
    undetermined: set[str] = set()
    for case in _cases(spec):
        machine_input = build_input(spec, case)
        base = runner.run(machine_input)
        other = runner.run(build_input(spec, Case(case.values, case.background ^ _OTHER_BACKGROUND)))
        if not base.returned:
            raise TaskDataError(f"task {task.get('id')!r}: the reference does not return on case {case}")
        reads |= base.reads | other.reads
        writes |= base.writes | other.writes
        read_first |= base.read_first | other.read_first
        entry_values = _entry_registers(machine_input)
        for name, value in base.registers_exit.items():
            if value != entry_values[name]:
                changed.add(name)
            if value != other.registers_exit[name]:
                undetermined.add(name)
        for name in (*REGISTERS, *FLAGS):
            if name in registers_read:
                continue
            varied = _perturbed(spec, machine_input, name, rng)
            if varied is not None and runner.run(varied).observation != base.observation:
                registers_read.add(name)
    return _footprint(task, spec, reads, writes, read_first, registers_read, changed - undetermined)


def _named_cells(spec: Any) -> set[int]:
    cells: set[int] = set()
    for location, _ in spec.inputs:
        cells.update(location.addresses)
    for location in spec.outputs:
        cells.update(location.addresses)
    return cells


def _returned(spec: Any) -> set[str]:
    names = set()
    for location in spec.outputs:
        if location.kind.value == "register":
            names.add("A" if location.name == "A.lo" else str(location.name))
        elif location.kind.value == "flag":
            names.add(str(location.name))
    return names


def _footprint(
    task: Mapping[str, Any],
    spec: Any,
    reads: set[int],
    writes: set[int],
    read_first: set[int],
    registers_read: set[str],
    determined_changes: set[str],
) -> Footprint:
    named = _named_cells(spec)

    def required(cell: int) -> bool:
        return area_of(cell) is not Area.ROM and (cell not in SCRATCH or cell in named)

    changed = {"A" if name == "A.lo" else name for name in determined_changes}
    if "A" in determined_changes or "A.lo" in determined_changes:
        changed.add("A")
    numbers = _supported_numbers(task, reads | writes, spec)
    return Footprint(
        reads=frozenset(reads),
        writes=frozenset(writes),
        input_reads=regions_of(c for c in read_first if required(c)),
        output_writes=regions_of(c for c in writes if required(c)),
        registers_read=frozenset(registers_read),
        registers_returned=frozenset(_returned(spec)),
        registers_changed=frozenset(changed),
        numbers=frozenset(numbers),
        direct_page=spec.mode.D,
        data_bank=spec.mode.DBR,
    )


def numbers_in(text: str) -> set[int]:
    """Every number written in a text: `$hex`, `0xhex`, `$BB:HHHH` and decimal digits."""
    values: set[int] = set()
    for match in _LONG_RE.finditer(text):
        values.add(int(match.group(1), 16) << 16 | int(match.group(2), 16))
    for match in _NUMBER_RE.finditer(text):
        hexa, prefixed, decimal = match.groups()
        values.add(int(hexa or prefixed, 16) if (hexa or prefixed) else int(decimal))
    return values


_MEMORY_MAP = frozenset({0x2000, 0x7E0000, 0x7E1FFF, 0x7F0000, 0x7FFFFF})  # what every prompt states
_UNIVERSAL = frozenset({0x00, 0x01, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFF00, 0xFFFF, 0x10000})


def _supported_numbers(task: Mapping[str, Any], cells: set[int], spec: Any) -> set[int]:
    """Numbers an explanation may write: the code's (and its header names'), the mode's, the memory map
    the prompt states, region sizes, each of those plus or minus one, and every accessed cell in its
    usual spellings (24-bit, 16-bit, direct page). Not the rest of the prompt: its examples of the
    summary form (`$0E50,X`) and the example input's random bytes would support almost anything."""
    source = f"{task.get('reference') or ''}\n{task.get('base') or ''}"  # a hook's base is shown too
    near = numbers_in(source) | _header_numbers(source) | {spec.mode.D, spec.mode.DBR}
    near |= {region.size for region in regions_of(cells)}
    values = near | {v + 1 for v in near} | {v - 1 for v in near if v > 0}
    for cell in cells:
        located = space_cell(cell) if cell > 0xFFFFFF else None
        if located is not None:  # a PPU memory byte: its offset, and for VRAM the word address too
            values.update({located[1], located[1] // 2} if located[0] == "vram" else {located[1]})
            continue
        values.update({cell, cell & 0xFFFF})
        if cell >> 16 == 0x7E and 0 <= (cell & 0xFFFF) - spec.mode.D < 0x100:
            values.add((cell & 0xFFFF) - spec.mode.D)
    return values | set(_UNIVERSAL) | set(_MEMORY_MAP)


def _header_numbers(source: str) -> set[int]:
    """Addresses behind the harness-header names the source uses (`!SPR_HP` is $0E50)."""
    return {
        address for name, address in header_defines().items() if re.search(re.escape(name) + r"\b", source)
    }


_DEFINE_RE = re.compile(r"^\s*(![A-Za-z_][A-Za-z0-9_]*)\s*=\s*\$([0-9A-Fa-f]{1,6})\b", re.MULTILINE)


@functools.cache
def header_defines() -> Mapping[str, int]:
    """`!NAME` -> address of every define in the bundled harness headers (snes.asm, alttp_ram.asm)."""

    defines: dict[str, int] = {}
    for name in sorted(HEADER_NAMES):
        path = header_path(name)
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            defines.update({m.group(1): int(m.group(2), 16) for m in _DEFINE_RE.finditer(text)})
    return defines
