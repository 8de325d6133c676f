"""Verification: from a completion's text to a trustworthy verdict.

`extract_code` finds the assembly in free text; `parse_spec` reads a task's spec; `check_equivalence`
assembles candidate and reference with ASAR and runs both in the emulator on the same generated input
states (hypothesis, seeded), returning a `Verdict`; `expected_state` computes a trace task's answer by
running its code; `parse_state_answer` reads a model's predicted state. Importing runs nothing: the
assembler and emulator modules load (the emulator core is compiled on first use, ASAR runs only when
asked) and hypothesis loads only when a task without frozen cases needs planning.
"""

from harness.verify.answers import TRACE_ANSWER_FORMAT, parse_state_answer, parse_value
from harness.verify.choice import parse_choice
from harness.verify.equivalence import (
    FailReason,
    Outcome,
    Program,
    ReferenceBrokenError,
    Verdict,
    assemble_program,
    check_equivalence,
    reference_outcome,
    run_routine,
)
from harness.verify.extract import extract_code
from harness.verify.spec import Domain, Location, LocationKind, Mode, Spec, parse_location, parse_spec
from harness.verify.states import Case, MachineInput, build_input, edge_cases
from harness.verify.trace import expected_state

__all__ = [
    "TRACE_ANSWER_FORMAT",
    "Case",
    "Domain",
    "FailReason",
    "Location",
    "LocationKind",
    "MachineInput",
    "Mode",
    "Outcome",
    "Program",
    "ReferenceBrokenError",
    "Spec",
    "Verdict",
    "assemble_program",
    "build_input",
    "check_equivalence",
    "edge_cases",
    "expected_state",
    "extract_code",
    "parse_choice",
    "parse_location",
    "parse_spec",
    "parse_state_answer",
    "reference_outcome",
    "run_routine",
    "parse_value",
]
