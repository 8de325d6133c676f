"""Runs SingleStepTests-format 65816 vectors against the core on a flat 16 MiB RAM bus.

A test passes when the final registers, every listed RAM byte and every bus cycle (address, value,
read/write; internal cycles carry an address and no value) match. Representations in the vectors:
- WAI/STP: their 3 cycles, then one halt entry [null, null, "--------"]; the core must report a halt.
- MVN/MVP: the vectors stop after a fixed number of cycles, mid-instruction. We run whole byte
  iterations until the cycle count is reached; an iteration cut short may only have fetched program
  bytes (opcode, operands), so the expected state is the state before it with PC advanced by the
  cycles it got. Writes past the cut are not applied.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.emu.bus import RecordingBus
from harness.emu.cpu import Cpu
from harness.emu.opcodes import OPCODES, Mode
from harness.emu.state import CpuState
from harness.errors import HarnessError

__all__ = [
    "VectorFailure",
    "VectorReport",
    "vector_files",
    "load_vectors",
    "run_vector_file",
    "run_vectors",
    "disputed",
]

_REGS = ("pc", "s", "p", "a", "x", "y", "dbr", "d", "pbr", "e")
_HALT = [None, None, "--------"]


@dataclass(frozen=True)
class VectorFailure:
    """First difference found in one test: which file, which test, what differed."""

    file: str
    name: str
    message: str


@dataclass
class VectorReport:
    """Counts per file and the failures (capped per file by the caller)."""

    passed: int = 0
    failed: int = 0
    failures: list[VectorFailure] = field(default_factory=list)
    failed_by_file: dict[str, int] = field(default_factory=dict)
    disputed: list[VectorFailure] = field(default_factory=list)

    def merge(self, other: VectorReport) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.failures.extend(other.failures)
        self.disputed.extend(other.disputed)
        for key, count in other.failed_by_file.items():
            self.failed_by_file[key] = self.failed_by_file.get(key, 0) + count


def vector_files(directory: Path) -> list[Path]:
    """The `XX.n.json[.gz]` / `XX.e.json[.gz]` files in a directory, sorted; error if there are none."""
    if not directory.is_dir():
        raise HarnessError(f"vector directory {directory} does not exist; pass --vectors DIR")
    files = sorted(p for p in directory.iterdir() if p.name.endswith((".json", ".json.gz")))
    if not files:
        raise HarnessError(f"no *.json or *.json.gz vector files in {directory}")
    return files


def load_vectors(path: Path) -> list[dict]:
    """One vector file as a list of tests (plain or gzipped JSON)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise HarnessError(f"cannot read vector file {path}: {error}") from error
    if not isinstance(data, list):
        raise HarnessError(f"vector file {path} is not a JSON array of tests")
    return data


def disputed(test: dict) -> str | None:
    """Why a test's expectation contradicts real hardware, or None. Such tests are reported apart.

    Emulation-mode (d,x): on a real SNES the pointer's high byte comes from the same page as its low
    byte, for DL = 0 and DL != 0 (gilyon/snes-tests cases 0024-0027, 0071-0074, 015c-015f, ...,
    hardware-verified). The vectors' reference core (Clock Signal) reads it from low + 1 when the low
    byte sits at $xxFF. This is the disputed official `e1.e` #8668 pattern.
    """
    initial = test["initial"]
    if not initial["e"]:
        return None
    ram = dict(initial["ram"])
    pc24 = (initial["pbr"] << 16) | initial["pc"]
    opcode = ram.get(pc24)
    operand = ram.get((pc24 & 0xFF0000) | ((initial["pc"] + 1) & 0xFFFF))
    if opcode is None or operand is None or OPCODES[opcode].mode is not Mode.DP_X_IND:
        return None
    d, x = initial["d"], initial["x"] & 0xFF
    pointer = (d | ((operand + x) & 0xFF)) if not d & 0xFF else (d + operand + x) & 0xFFFF
    if pointer & 0xFF != 0xFF:
        return None
    return (
        f"(d,x) pointer at ${pointer:04x}: hardware reads its high byte at ${pointer & 0xFF00:04x}, "
        f"the vectors at ${(pointer + 1) & 0xFFFF:04x}"
    )


def _state_of(regs: dict) -> CpuState:
    e = regs["e"]
    s = regs["s"]
    if e:  # the CPU forces the stack into page 1 in emulation mode
        s = 0x100 | (s & 0xFF)
    return CpuState(
        a=regs["a"],
        x=regs["x"],
        y=regs["y"],
        s=s,
        d=regs["d"],
        dbr=regs["dbr"],
        pbr=regs["pbr"],
        pc=regs["pc"],
        p=regs["p"],
        e=e,
    )


class _Runner:
    """One reusable bus + CPU; RAM touched by a test is cleared after it."""

    def __init__(self) -> None:
        self.bus = RecordingBus()
        self.cpu = Cpu(self.bus)

    def run(self, test: dict) -> str | None:
        """Returns None on pass, else a message describing the first difference."""
        bus, cpu = self.bus, self.cpu
        initial, final = test["initial"], test["final"]
        expected_cycles = test["cycles"]
        halts = bool(expected_cycles) and list(expected_cycles[-1]) == _HALT
        if halts:
            expected_cycles = expected_cycles[:-1]
        target = len(expected_cycles)
        ram = bus.ram
        for address, value in initial["ram"]:
            ram[address] = value
        bus.cycles = []
        bus.limit = target
        cpu.state = _state_of(initial)
        try:
            return self._execute_and_compare(test, final, expected_cycles, target, halts)
        finally:
            for address, _ in initial["ram"]:
                ram[address] = 0
            for address, _, kind in bus.cycles:
                if kind == "w":
                    ram[address] = 0

    def _execute_and_compare(
        self, test: dict, final: dict, expected_cycles: list, target: int, halts: bool
    ) -> str | None:
        bus, cpu = self.bus, self.cpu
        outcome = cpu.step()
        if halts and outcome.reason not in ("STP", "WAI"):
            return f"expected a halt (WAI/STP) after the instruction, got {outcome.reason}"
        got_state = cpu.state
        while len(bus.cycles) < target and not halts:
            before_count = len(bus.cycles)
            before_state = got_state
            cpu.step()
            got_state = cpu.state
            if len(bus.cycles) > target:  # cut mid-instruction: only program fetches may remain
                got_state = before_state.replace(pc=(before_state.pc + target - before_count) & 0xFFFF)
        got_cycles = [[a, v, k] for a, v, k in bus.cycles[:target]]
        want_cycles = [[c[0], c[1], c[2][3]] for c in expected_cycles]
        for index, (got, want) in enumerate(zip(got_cycles, want_cycles, strict=False)):
            if got != want:
                return f"cycle {index}: got {_fmt_cycle(got)}, want {_fmt_cycle(want)}; all got: " + " ".join(
                    _fmt_cycle(c) for c in got_cycles
                )
        if len(got_cycles) != len(want_cycles):
            return f"{len(got_cycles)} cycles, want {len(want_cycles)}"
        want_state = _state_of(final)
        if got_state != want_state:
            diffs = [
                f"{r}={getattr(got_state, r):#x} want {getattr(want_state, r):#x}"
                for r in _REGS
                if getattr(got_state, r) != getattr(want_state, r)
            ]
            return "registers: " + ", ".join(diffs)
        ram = bus.ram
        for address, value in final["ram"]:
            if ram[address] != value:
                return f"ram[{address:06x}] = {ram[address]:#04x}, want {value:#04x}"
        return None


def _fmt_cycle(cycle: Sequence) -> str:
    address, value, kind = cycle
    a = "------" if address is None else f"{address:06x}"
    v = "--" if value is None else f"{value:02x}"
    return f"{kind}:{a}={v}"


def run_vector_file(
    path: Path, *, limit: int | None = None, keep_failures: int = 3, runner: _Runner | None = None
) -> VectorReport:
    """Run the first `limit` tests of one file; keeps up to `keep_failures` failure details."""
    runner = runner or _Runner()
    report = VectorReport()
    tests = load_vectors(path)
    if limit is not None:
        tests = tests[:limit]
    for test in tests:
        message = runner.run(test)
        why = disputed(test) if message is not None else None
        if why is not None:
            report.disputed.append(VectorFailure(path.name, str(test.get("name", "?")), why))
        elif message is None:
            report.passed += 1
        else:
            report.failed += 1
            report.failed_by_file[path.name] = report.failed_by_file.get(path.name, 0) + 1
            if len([f for f in report.failures if f.file == path.name]) < keep_failures:
                report.failures.append(VectorFailure(path.name, str(test.get("name", "?")), message))
    return report


def run_vectors(
    files: Iterable[Path], *, limit: int | None = None, keep_failures: int = 3
) -> Iterator[tuple[Path, VectorReport]]:
    """Run many files with one shared runner, yielding each file's report as it finishes."""
    runner = _Runner()
    for path in files:
        yield path, run_vector_file(path, limit=limit, keep_failures=keep_failures, runner=runner)
