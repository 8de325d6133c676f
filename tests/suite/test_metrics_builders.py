"""The family builders refuse draws that would make an unsound task, and pick explain examples a
guesser cannot answer."""

from __future__ import annotations

import pytest

from harness.suite.families import UnbuildableTask, explain_task, routine_trace_task
from harness.suite.routines import Routine, spec_dict

pytestmark = pytest.mark.usefixtures("asar")  # skip, naming the fix, without ASAR


def _routine(reference: str, inputs: dict, outputs: list[str], entry: str = "Main") -> Routine:
    return Routine(
        kernel="test",
        entry=entry,
        call="jsr",
        summary="a test routine",
        details="",
        reference=reference,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=outputs),
        explanation="A test routine.",
    )


def test_a_trace_whose_answer_depends_on_what_the_prompt_cannot_give_is_unbuildable() -> None:
    # CGRAM is not part of a trace prompt's entry state: the value read from its port is unknowable
    reading = _routine("Main:\n    STZ $2121\n    LDA $213B\n    STA $10\n    RTS\n", {}, ["$7E0010"])
    with pytest.raises(UnbuildableTask, match="depend on state"):
        routine_trace_task(reading, "trace-1", 3)
    adding = _routine(
        "Main:\n    CLC\n    ADC $10\n    STA $11\n    RTS\n",
        {"A.lo": [0, 255], "$7E0010": [0, 255]},
        ["$7E0011"],
    )
    assert routine_trace_task(adding, "trace-2", 3)["spec"]["outputs"] == ["$7E0011"]


def test_an_explain_routine_whose_outputs_never_change_is_unbuildable() -> None:
    clears = _routine("Main:\n    STZ $10\n    RTS\n", {"$7E0010": {"values": [0]}}, ["$7E0010"])
    with pytest.raises(UnbuildableTask, match="no example input changes an output"):
        explain_task(clears, "explain-1", 3)


def test_a_flag_result_is_examined_through_a_register_a_guess_cannot_hit() -> None:
    compare = _routine(
        "Main:\n    LDA $10\n    SEC\n    SBC $11\n    CMP #$20\n    RTS\n",
        {"$7E0010": [0, 255], "$7E0011": [0, 255]},
        ["flag:C"],
    )
    doc = explain_task(compare, "explain-2", 5)
    asked = doc["answer"]["probe"]["asked"]
    assert asked == ["A.lo"]  # the carry alone would be a coin flip for a content-free answer
    assert "example: A.lo=$??" in doc["prompt"]
