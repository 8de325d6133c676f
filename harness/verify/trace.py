"""Expected final state of a trace task, computed by running the task's code in the emulator.

Trace answers are never taken from hand-written `answer` fields: the reference routine is run on the
spec's (fixed) inputs and the `outputs` locations are read back. Two runs with different backgrounds
(other unnamed state, another caller address and frame position) must agree, otherwise the task leaves
something its answer depends on unspecified (a task bug).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.errors import TaskDataError
from harness.verify.equivalence import reference_outcome, task_fields
from harness.verify.states import Case, edge_cases

__all__ = ["expected_state"]


def expected_state(task: Mapping[str, Any]) -> dict[str, int]:
    """{location text: value} of the reference's outputs on the task's inputs.

    Raises TaskDataError when the reference does not assemble, does not return properly, or when its
    outputs depend on state the spec does not fix.
    """
    spec = task_fields(task).spec
    first = edge_cases(spec)[0]
    other = Case(first.values, first.background ^ 0x5A5A5A5A)
    results = [reference_outcome(task, case, whole_spec=False).outputs for case in (first, other)]
    if results[0] != results[1]:
        differing = [loc.text for loc, a, b in zip(spec.outputs, *results, strict=True) if a != b]
        raise TaskDataError(
            f"task {task.get('id')!r}: outputs {differing} depend on state the spec does not fix; "
            "add those registers/flags/memory to spec.inputs"
        )
    return {loc.text: value for loc, value in zip(spec.outputs, results[0], strict=True)}
