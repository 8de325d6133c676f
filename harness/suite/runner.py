"""Run a piece of code once on a spec's first (fixed) case: outputs and CPU cycles, for trace answers
and MC questions whose gold is decided by the emulator, never typed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import TaskDataError
from harness.verify.equivalence import REFERENCE_MAX_CYCLES, assemble_program, run_routine
from harness.verify.spec import parse_spec
from harness.verify.states import build_input, edge_cases

__all__ = ["RunSummary", "assembles", "run_fixed"]


@dataclass(frozen=True)
class RunSummary:
    """Outputs of the spec (location text -> value), CPU cycles and how the run stopped."""

    outputs: Mapping[str, int]
    cycles: int
    stop: str


def run_fixed(source: str, entry: str, call: str, spec_raw: Mapping[str, Any]) -> RunSummary:
    """Assemble `source`, run it from `entry` on the spec's first edge case (the fixed inputs)."""
    spec = parse_spec(spec_raw)
    program = assemble_program(source, entry)
    if not program.result.ok or program.entry is None:
        raise TaskDataError(
            f"code for {entry!r} does not assemble: {program.result.error_text() or 'no entry'}"
        )
    case = edge_cases(spec)[0]
    outcome = run_routine(
        program.machine, program, spec, build_input(spec, case), call=call, max_cycles=REFERENCE_MAX_CYCLES
    )
    values = dict(zip((loc.text for loc in spec.outputs), outcome.outputs, strict=True))
    return RunSummary(values, outcome.cycles, outcome.stop.name)


def assembles(source: str) -> bool:
    """True when ASAR assembles the source (a missing ASAR raises, it is never a False)."""
    from harness.asar import assemble

    return assemble(source).ok
