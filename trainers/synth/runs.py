"""Running corpus code in the emulator for the claims examples make: traces, example runs, cases.

Everything here is a pure function of (source, entry, call, initial state): the same inputs give the
same numbers at generation and at `synth verify` time. Initial states are explicit (`Initial`): the
registers, the status byte and a few memory bytes; the rest of WRAM is zero. Equivalence-case replays
(`replay_case`) rebuild the verifier's own input state from the spec and the recorded case instead.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.facts import REFERENCE_MAX_CYCLES
from harness.errors import HarnessError

__all__ = [
    "Initial",
    "RunFacts",
    "StepFacts",
    "SynthError",
    "assemble_entry",
    "initial_from_inputs",
    "observe_run",
    "replay_case",
    "run_facts",
    "traced_run",
]

_MAX_CYCLES = REFERENCE_MAX_CYCLES
_WRAM_BASE, _WRAM_SIZE = 0x7E0000, 0x20000


class SynthError(HarnessError):
    """Corpus code that does not assemble or run as the example needs (a generator bug, reported)."""


@dataclass(frozen=True)
class Initial:
    """Registers at entry (`p` the status byte) and memory bytes by canonical 24-bit address."""

    a: int = 0
    x: int = 0
    y: int = 0
    p: int = 0x34
    s: int = 0x01FF
    d: int = 0
    dbr: int = 0
    e: int = 0
    memory: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        items = self.memory.items() if isinstance(self.memory, Mapping) else self.memory
        object.__setattr__(self, "memory", tuple(sorted((int(a), int(v)) for a, v in items)))

    def to_json(self) -> dict[str, Any]:
        return {
            "A": f"${self.a:04X}",
            "X": f"${self.x:04X}",
            "Y": f"${self.y:04X}",
            "P": f"${self.p:02X}",
            "S": f"${self.s:04X}",
            "D": f"${self.d:04X}",
            "DBR": f"${self.dbr:02X}",
            "e": self.e,
            "memory": {f"${k:06X}": f"${v:02X}" for k, v in self.memory},
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Initial:
        def num(text: Any) -> int:
            return int(str(text).lstrip("$"), 16) if isinstance(text, str) else int(text)

        try:
            return cls(
                a=num(raw["A"]),
                x=num(raw["X"]),
                y=num(raw["Y"]),
                p=num(raw["P"]),
                s=num(raw["S"]),
                d=num(raw["D"]),
                dbr=num(raw["DBR"]),
                e=int(raw["e"]),
                memory={num(k): num(v) for k, v in dict(raw.get("memory", {})).items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SynthError(f"initial state {dict(raw)!r} is malformed ({error})") from None


def initial_from_inputs(spec: Mapping[str, Any], inputs: Mapping[str, int]) -> Initial:
    """The explicit entry state of an example run: spec mode, the given inputs, zeros elsewhere.

    `inputs` maps location spellings (`A`, `X`, `flag:C`, `$7E0E50`, `$7E0040:w`) to values.
    """
    from harness.verify.spec import FLAG_BITS, LocationKind, parse_location, parse_spec

    mode = parse_spec(dict(spec)).mode
    regs = {"A": 0, "X": 0, "Y": 0}
    p = (mode.m << 5) | (mode.x << 4) | FLAG_BITS["I"]
    memory: dict[int, int] = {}
    for text, value in inputs.items():
        for location in parse_location(text):
            if location.kind is LocationKind.REGISTER:
                regs[str(location.name)] = value
            elif location.kind is LocationKind.FLAG:
                bit = FLAG_BITS[str(location.name)]
                p = (p | bit) if value else (p & ~bit)
            else:
                for offset, address in enumerate(location.addresses):
                    memory[address] = (value >> (8 * offset)) & 0xFF
    if mode.x:
        regs["X"] &= 0xFF
        regs["Y"] &= 0xFF
    return Initial(
        a=regs["A"], x=regs["X"], y=regs["Y"], p=p, s=mode.S, d=mode.D, dbr=mode.DBR, e=mode.e, memory=memory
    )


@functools.lru_cache(maxsize=256)
def assemble_entry(source: str, entry: str) -> tuple[Any, int]:
    """(AssembleResult, 24-bit entry address); SynthError when ASAR rejects it or the label is missing."""
    from harness.asar import assemble

    result = assemble(source, headers=())
    if not result.ok:
        raise SynthError(f"does not assemble: {result.error_text() or result.status.value}")
    if entry not in result.symbols:
        raise SynthError(f"entry label {entry!r} is not defined")
    return result, int(result.symbols[entry])


@dataclass(frozen=True)
class StepFacts:
    """One executed instruction: address, text, registers after, cycles, memory bytes it changed."""

    pc: int
    text: str
    after: Any  # harness.emu.CpuState
    cycles: int
    writes: tuple[tuple[int, int], ...]  # (canonical address, new value)


@dataclass(frozen=True)
class RunFacts:
    """A whole run: stop reason, final state, total cycles, instructions, memory written (new values)."""

    stop: str
    state: Any
    cycles: int
    instructions: int
    writes: tuple[tuple[int, int], ...]
    steps: tuple[StepFacts, ...] = ()


def _cpu_state(initial: Initial, entry: int) -> Any:
    from harness.emu import CpuState

    return CpuState.entering(initial, entry)


def _wram(initial: Initial) -> tuple[bytes, dict[int, int]]:
    wram = bytearray(_WRAM_SIZE)
    pokes: dict[int, int] = {}
    for address, value in initial.memory:
        if _WRAM_BASE <= address < _WRAM_BASE + _WRAM_SIZE:
            wram[address - _WRAM_BASE] = value
        else:
            pokes[address] = value
    return bytes(wram), pokes


def _changed(
    before: Mapping[int, tuple[int, int]], after: Mapping[int, tuple[int, int]]
) -> tuple[tuple[int, int], ...]:
    return tuple(
        sorted((int(a), int(new)) for a, (_, new) in after.items() if a not in before or before[a][1] != new)
    )


def run_facts(source: str, entry: str, call: str, initial: Initial) -> RunFacts:
    """Run once without tracing."""
    result, address = assemble_entry(source, entry)
    from harness.emu import Machine

    wram, pokes = _wram(initial)
    run = Machine.from_assembly(result).run(
        address, _cpu_state(initial, address), wram=wram, memory=pokes, call=call, max_cycles=_MAX_CYCLES
    )
    return RunFacts(run.stop.name, run.state, run.cycles, run.instructions, _changed({}, run.writes))


@functools.lru_cache(maxsize=64)
def traced_run(source: str, entry: str, call: str, initial: Initial) -> RunFacts:
    """Run with the emulator's trace; each step also gets the memory bytes it changed.

    The emulator's trace holds registers, not memory, so the writes of step k are found by re-running
    with a cycle budget that ends exactly after step k (the CPU only stops between instructions) and
    diffing the write logs. Quadratic in the step count: meant for short example routines.
    """
    result, address = assemble_entry(source, entry)
    from harness.emu import Machine

    machine = Machine.from_assembly(result)
    wram, pokes = _wram(initial)
    state = _cpu_state(initial, address)
    full = machine.run(address, state, wram=wram, memory=pokes, call=call, max_cycles=_MAX_CYCLES, trace=True)
    steps: list[StepFacts] = []
    previous: Mapping[int, tuple[int, int]] = {}
    elapsed = 0
    for step in full.trace or ():
        elapsed += step.cycles
        partial = machine.run(address, state, wram=wram, memory=pokes, call=call, max_cycles=elapsed)
        steps.append(
            StepFacts(step.pc, step.text, step.state_after, step.cycles, _changed(previous, partial.writes))
        )
        previous = dict(partial.writes)
    return RunFacts(
        full.stop.name, full.state, full.cycles, full.instructions, _changed({}, full.writes), tuple(steps)
    )


def observe_run(
    source: str,
    entry: str,
    call: str,
    initial: Initial,
    locations: Sequence[str],
) -> tuple[str, dict[str, int], int]:
    """Run from an explicit entry state; (stop, {location: final value}, cycles)."""
    from harness.emu import Machine

    result, address = assemble_entry(source, entry)
    machine = Machine.from_assembly(result)
    wram, pokes = _wram(initial)
    run = machine.run(
        address, _cpu_state(initial, address), wram=wram, memory=pokes, call=call, max_cycles=_MAX_CYCLES
    )
    return run.stop.name, _observe(machine, run.state, locations), run.cycles


def _observe(machine: Any, state: Any, locations: Sequence[str]) -> dict[str, int]:
    from harness.verify import parse_location
    from harness.verify.equivalence import observe

    observed: dict[str, int] = {}
    for text in locations:
        found = parse_location(text)
        if len(found) != 1:
            raise SynthError(f"location {text!r} is a range; name single locations")
        observed[text] = int(observe(found[0], state, machine))
    return observed


def replay_case(
    source: str,
    checked: tuple[str, str],
    entry: str,
    call: str,
    spec: Mapping[str, Any],
    values: tuple[int, ...],
    background: int,
    locations: Sequence[str],
    max_cycles: int = REFERENCE_MAX_CYCLES,
) -> tuple[str, dict[str, int], int]:
    """Run `source` on the verifier's own input state of a recorded case: the same memory, frame phase
    and caller address as when `checked` = (reference, candidate) were checked against each other;
    (stop, {location: value}, cycles). `locations` are spellings of single locations (`A`, `flag:C`,
    `$7E0E53`, `$7E0040:w`); their final values are observed."""
    reference = checked[0]
    from harness.verify import Case
    from harness.verify.equivalence import run_on_case, task_fields

    fields = task_fields({"spec": dict(spec), "reference": reference, "entry": entry, "call": call})
    if len(values) != len(fields.spec.inputs):
        raise SynthError(
            f"case has {len(values)} input values, the spec names {len(fields.spec.inputs)} inputs"
        )
    try:
        outcome, program = run_on_case(
            fields, source, Case(tuple(values), background), avoid=checked, max_cycles=max_cycles
        )
    except HarnessError as error:
        raise SynthError(str(error)) from None
    return (
        outcome.stop.name,
        _observe(program.machine, _final_state(program.machine), locations),
        outcome.cycles,
    )


def _final_state(machine: Any) -> Any:
    return machine.cpu.state
