"""Case plans: the input cases a task is checked on, generated once and then only replayed.

A plan is the ordered tuple of `Case`s a passing candidate runs: the edge cases first, then the
cases hypothesis generates from the spec's seed. Plans are made when the dataset is built and stored
in the task (`frozen_cases`, covered by the dataset's sha256), so scoring never runs hypothesis and
a verdict does not depend on the installed hypothesis version. A task without a stored plan (a
user's own task) is planned once and cached on disk, keyed by the spec, the edge operands and the
generator version (hypothesis' version included, since the plan depends on it).

A failing case is shrunk by a small deterministic shrinker of our own (each input towards the
simplest value of its domain, a bounded number of tries), so counterexamples are reproducible too.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from harness.core.cachedir import cache_root
from harness.errors import TaskDataError
from harness.verify.spec import Domain, Spec
from harness.verify.states import Case, edge_cases, generated_cases

__all__ = [
    "CASES_FORMAT",
    "decode_plan",
    "encode_plan",
    "generator_version",
    "plan_for",
    "plan_is_stored",
    "run_plan",
    "shrink_case",
    "stored_plan",
]

CASES_FORMAT = "asm65816-cases/1"
PLAN_VERSION = 1  # bump when edge cases or the way hypothesis is driven change
_BACKGROUND_BYTES = 4
SHRINK_BUDGET = 200
F = TypeVar("F")


def generator_version() -> str:
    """What a plan depends on besides the spec: our planner and hypothesis' version."""
    import hypothesis

    return f"asm65816-plan/{PLAN_VERSION} hypothesis/{hypothesis.__version__}"


def _widths(spec: Spec) -> list[int]:
    """Bytes per input value: enough for the domain's largest value."""
    return [max(1, (domain.hi.bit_length() + 7) // 8) for _, domain in spec.inputs]


def encode_plan(spec: Spec, cases: Sequence[Case]) -> dict[str, Any]:
    """The JSON form stored in a task: fixed-width little-endian values, then a 4-byte background,
    per case, zlib-compressed and base64-encoded."""
    widths = _widths(spec)
    blob = bytearray()
    for case in cases:
        for value, width in zip(case.values, widths, strict=True):
            blob += value.to_bytes(width, "little")
        blob += case.background.to_bytes(_BACKGROUND_BYTES, "little")
    return {
        "format": CASES_FORMAT,
        "count": len(cases),
        "widths": widths,
        "data": base64.b64encode(zlib.compress(bytes(blob), 9)).decode("ascii"),
    }


def decode_plan(spec: Spec, stored: object, where: str = "frozen_cases") -> tuple[Case, ...]:
    """Cases from a task's `frozen_cases`; anything that does not fit the spec is a TaskDataError."""
    if not isinstance(stored, Mapping) or stored.get("format") != CASES_FORMAT:
        raise TaskDataError(f"{where}: expected an object with format {CASES_FORMAT!r}")
    widths = _widths(spec)
    if stored.get("widths") != widths:
        raise TaskDataError(f"{where}: widths {stored.get('widths')} do not fit the spec's inputs ({widths})")
    try:
        blob = zlib.decompress(base64.b64decode(str(stored.get("data")), validate=True))
    except (ValueError, zlib.error) as error:
        raise TaskDataError(f"{where}: data is not base64 zlib ({error})") from None
    size = sum(widths) + _BACKGROUND_BYTES
    count = stored.get("count")
    if not isinstance(count, int) or len(blob) != count * size or count < 1:
        raise TaskDataError(f"{where}: {len(blob)} bytes do not hold count={count!r} cases of {size} bytes")
    return tuple(_decode_case(spec, blob[i * size : (i + 1) * size], widths, where) for i in range(count))


def _decode_case(spec: Spec, chunk: bytes, widths: list[int], where: str) -> Case:
    values = []
    position = 0
    for (location, domain), width in zip(spec.inputs, widths, strict=True):
        value = int.from_bytes(chunk[position : position + width], "little")
        position += width
        if not domain.contains(value):
            raise TaskDataError(f"{where}: value {value} of {location.text} is outside its domain")
        values.append(value)
    return Case(tuple(values), int.from_bytes(chunk[position:], "little"))


def _plan_key(spec: Spec, bases: tuple[int, ...], total: int) -> str:
    text = json.dumps([repr(spec), list(bases), total, generator_version()])
    return hashlib.sha256(text.encode()).hexdigest()


def _cache_dir() -> Path:
    """`cases` in the harness cache folder (`harness.core.cachedir`)."""
    return cache_root() / "cases"


@functools.lru_cache(maxsize=512)
def plan_for(spec: Spec, bases: tuple[int, ...] = (), total: int | None = None) -> tuple[Case, ...]:
    """The plan of a spec without a stored one: from the disk cache, else generated and cached.

    Generation is the only place hypothesis runs during scoring, once per (spec, generator version)
    on a machine; a cache that cannot be written is not an error (the plan is just not kept)."""
    count = spec.cases if total is None else total
    key = _plan_key(spec, bases, count)
    path = _cache_dir() / f"{key}.json"
    try:
        return decode_plan(spec, json.loads(path.read_text()), str(path))
    except (OSError, ValueError, TaskDataError):
        pass
    edges = tuple(edge_cases(spec, bases))[:count]
    cases = (*edges, *generated_cases(spec, count - len(edges)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(encode_plan(spec, cases)))
        partial.replace(path)
    except OSError:
        pass
    return cases


def plan_is_stored(task: Mapping[str, Any], total: int | None) -> bool:
    """Whether a check of `total` cases (None: the spec's count) runs the task's frozen plan."""
    stored = task.get("frozen_cases")
    return stored is not None and (
        total is None or (isinstance(stored, Mapping) and stored.get("count") == total)
    )


def stored_plan(
    task: Mapping[str, Any], spec: Spec, bases: tuple[int, ...], total: int | None
) -> tuple[Case, ...]:
    """The task's frozen plan when it has one for the requested count; else `plan_for`."""
    if plan_is_stored(task, total):
        try:
            stored = json.dumps(task["frozen_cases"], sort_keys=True)
        except (TypeError, ValueError) as error:
            raise TaskDataError(f"task {task.get('id')!r}: frozen_cases is not JSON data ({error})") from None
        return _decoded(spec, stored, str(task.get("id")))
    return plan_for(spec, bases, total)


@functools.lru_cache(maxsize=512)
def _decoded(spec: Spec, stored_json: str, task_id: str) -> tuple[Case, ...]:
    plan = decode_plan(spec, json.loads(stored_json), f"task {task_id!r}: frozen_cases")
    if len(plan) != spec.cases:
        raise TaskDataError(
            f"task {task_id!r}: frozen_cases holds {len(plan)} cases, spec.cases is {spec.cases}"
        )
    return plan


def _simpler_values(value: int, domain: Domain) -> list[int]:
    """Candidates simpler than `value`, simplest first: for a list, the earlier entries; for a range,
    the low end, then values halving the distance to it."""
    if domain.values is not None:
        index = domain.values.index(value)
        return list(domain.values[: min(index, 8)])
    out: list[int] = []
    distance = value - domain.lo
    while distance > 0 and len(out) < 12:
        out.append(value - distance)
        distance //= 2
    if value - 1 >= domain.lo and value - 1 not in out:
        out.append(value - 1)
    return out


def shrink_case(spec: Spec, case: Case, fails: Callable[[Case], F | None], failure: F) -> tuple[Case, F]:
    """A simpler case that still fails, and its failure: each input in turn towards the simplest value
    of its domain; passes repeat while one improves, at most SHRINK_BUDGET evaluations."""
    best, best_failure = case, failure
    budget = SHRINK_BUDGET
    improved = True
    while improved and budget > 0:
        improved = False
        for index, (_, domain) in enumerate(spec.inputs):
            for candidate in _simpler_values(best.values[index], domain):
                if budget <= 0:
                    break
                budget -= 1
                trial = Case((*best.values[:index], candidate, *best.values[index + 1 :]), best.background)
                outcome = fails(trial)
                if outcome is not None:
                    best, best_failure, improved = trial, outcome, True
                    break
    return best, best_failure


def run_plan(
    spec: Spec,
    plan: Sequence[Case],
    evaluate: Callable[[Case], F | None],
    *,
    shrink: bool | Callable[[F], bool] = True,
) -> tuple[F | None, int, Case | None]:
    """Evaluate the plan in order; on the first failure, shrink it (when `shrink` is true, or returns
    true for that failure). Returns (failure or None, cases run up to and including the first failure,
    the failing case or None)."""
    for index, case in enumerate(plan):
        failure = evaluate(case)
        if failure is None:
            continue
        if shrink is True or (callable(shrink) and shrink(failure)):
            case, failure = shrink_case(spec, case, evaluate, failure)
        return failure, index + 1, case
    return None, len(plan), None
