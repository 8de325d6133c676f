"""Claims: what an example states, recorded so that `synth verify` can re-check it from the file alone.

Each sample's `metadata.verification` is `{"version": 1, "kind": ..., "task": {entry, call, spec,
reference}, "claims": [...]}`. A claim is a JSON object with an `id` (unique in the sample), a `type`
(`ClaimType`), the recorded values, and usually the rendered `text` that the output contains. To check a
claim the checker recomputes its values (ASAR, the emulator, `check_equivalence`, the bundled headers),
compares them with the recorded ones, renders the text again (`harness.trainers.synth.render`) and
requires it to equal `text` and to appear in the output. Nothing is trusted from the file but the
sources, the spec and the inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from harness.errors import SpecError, TaskDataError
from harness.trainers.synth import render
from harness.trainers.synth.facts import code_addresses, header_facts
from harness.trainers.synth.runs import (
    Initial,
    SynthError,
    assemble_entry,
    initial_from_inputs,
    observe_run,
    replay_case,
    traced_run,
)

__all__ = ["CHECKERS", "ClaimContext", "ClaimType", "check_claim", "trace_step_fields", "verdict_for"]

_CYCLE_TOLERANCE = 1e-9


class ClaimType(str, Enum):
    """Closed set of claim types; an unknown type is a verification failure, never skipped."""

    EQUIVALENT = "equivalent"  # candidate == reference on the spec's generated inputs
    SAVINGS = "savings"  # mean/worst cycles and bytes of reference vs candidate
    NOT_EQUIVALENT = "not_equivalent"  # the buggy candidate fails the check, with this reason
    COUNTEREXAMPLE = "counterexample"  # a recorded case on which buggy and correct differ as stated
    BUG_LINE = "bug_line"  # the buggy source is the reference with this one line changed
    TRACE_STEP = "trace_step"  # registers/flags/memory after step k of an explicit run
    TRACE_FINAL = "trace_final"  # totals of that run
    ADDRESS_FACT = "address_fact"  # a header define names this address (and the code uses it)
    ADDRESS_UNNAMED = "address_unnamed"  # the code uses an address no header names
    RUN = "run"  # an explicit run's outputs and cycles
    SIZE = "size"  # the routine's assembled size


@dataclass
class ClaimContext:
    """One sample under verification: its output text, task record, and caches of expensive results."""

    output: str
    task: Mapping[str, Any]
    input: str = ""
    output_blocks: tuple[str, ...] = ()  # fenced code bodies of the output
    all_blocks: tuple[str, ...] = ()  # of the input and the output
    verdicts: dict[str, Any] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return str(self.task["reference"])

    @property
    def entry(self) -> str:
        return str(self.task["entry"])

    @property
    def call(self) -> str:
        return str(self.task.get("call", "jsr"))

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.task["spec"]


def verdict_for(task: Mapping[str, Any], candidate: str, cache: dict[str, Any] | None = None) -> Any:
    """`check_equivalence` of candidate against the task's reference (memoised per context)."""
    from harness.verify import check_equivalence

    key = json.dumps(
        [task["reference"], task["entry"], task.get("call", "jsr"), task["spec"], candidate], sort_keys=True
    )
    if cache is not None and key in cache:
        return cache[key]
    verdict = check_equivalence(
        {
            "reference": task["reference"],
            "entry": task["entry"],
            "call": task.get("call", "jsr"),
            "spec": dict(task["spec"]),
        },
        candidate,
    )
    if cache is not None:
        cache[key] = verdict
    return verdict


class _Mismatch(Exception):
    """A recomputed value differs from the recorded one (message says which)."""


def _same(what: str, recorded: Any, actual: Any) -> None:
    if isinstance(actual, float) or isinstance(recorded, float):
        if recorded is None or actual is None or abs(float(recorded) - float(actual)) > _CYCLE_TOLERANCE:
            raise _Mismatch(f"{what}: recorded {recorded!r}, recomputed {actual!r}")
    elif recorded != actual:
        raise _Mismatch(f"{what}: recorded {recorded!r}, recomputed {actual!r}")


def _style(claim: Mapping[str, Any]) -> int:
    """The phrasing a claim's text was rendered in (0 when not recorded)."""
    style = claim.get("style", 0)
    if isinstance(style, bool) or not isinstance(style, int) or not 0 <= style < render.STYLES:
        raise _Mismatch(f"style {style!r} is not one of 0..{render.STYLES - 1}")
    return style


_AGAINST = ("the original", "the intended routine")


def _against(claim: Mapping[str, Any]) -> str:
    against = claim.get("against", _AGAINST[0])
    if against not in _AGAINST:
        raise _Mismatch(f"against {against!r} is not one of {_AGAINST}")
    return str(against)


def _text(ctx: ClaimContext, claim: Mapping[str, Any], rendered: str) -> None:
    _same("text", claim.get("text"), rendered)
    if rendered not in ctx.output:
        raise _Mismatch(f"the output does not contain the statement {rendered!r}")


def _in_code(ctx: ClaimContext, source: str, where: str = "output") -> None:
    if source not in (ctx.output_blocks if where == "output" else ctx.all_blocks):
        raise _Mismatch(f"the candidate source is not a code block of the {where}")


def _check_equivalent(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    candidate = str(claim["candidate"])
    _in_code(ctx, candidate)
    verdict = verdict_for(ctx.task, candidate, ctx.verdicts)
    if not verdict.passes:
        raise _Mismatch(f"not equivalent: {verdict.reason.value}: {verdict.detail}")
    _same("cases", claim.get("cases"), verdict.cases_run)
    _text(
        ctx,
        claim,
        render.equivalence_text(
            verdict.cases_run,
            list(ctx.spec.get("outputs", [])),
            list(ctx.spec.get("preserve", [])),
            _style(claim),
            _against(claim),
        ),
    )


def _check_savings(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    candidate = str(claim["candidate"])
    _in_code(ctx, candidate)
    v = verdict_for(ctx.task, candidate, ctx.verdicts)
    if not v.passes:
        raise _Mismatch(f"savings measured on a candidate that is not equivalent ({v.reason.value})")
    actual = {
        "cases": v.cases_run,
        "ref_cycles_mean": v.ref_cycles_mean,
        "ref_cycles_max": v.ref_cycles_max,
        "cand_cycles_mean": v.cand_cycles_mean,
        "cand_cycles_max": v.cand_cycles_max,
        "ref_bytes": v.ref_bytes,
        "cand_bytes": v.cand_bytes,
    }
    for key, value in actual.items():
        _same(key, claim.get(key), value)
    _text(
        ctx,
        claim,
        render.savings_text(
            v.cases_run,
            v.ref_cycles_mean,
            v.ref_cycles_max,
            v.cand_cycles_mean,
            v.cand_cycles_max,
            v.ref_bytes,
            v.cand_bytes,
            _style(claim),
        ),
    )


def _check_not_equivalent(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    candidate = str(claim["candidate"])
    _in_code(ctx, candidate, "sample")
    verdict = verdict_for(ctx.task, candidate, ctx.verdicts)
    if verdict.passes:
        raise _Mismatch("the routine called buggy passes the equivalence check")
    _same("reason", claim.get("reason"), verdict.reason.value)


def _parse_value(text: Any) -> int:
    if isinstance(text, int):
        return text
    return int(str(text).lstrip("$"), 16)


def _check_counterexample(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    from harness.verify import parse_location, parse_spec

    candidate = str(claim["candidate"])
    _in_code(ctx, candidate, "sample")
    spec = parse_spec(dict(ctx.spec))
    inputs = dict(claim["inputs"])  # by location: independent of the order the spec's inputs are parsed in
    missing = [loc.text for loc, _ in spec.inputs if loc.text not in inputs]
    if missing or len(inputs) != len(spec.inputs):
        raise _Mismatch(f"the case must give every spec input once; missing {missing}")
    values = tuple(int(inputs[loc.text]) for loc, _ in spec.inputs)
    background = int(claim["background"])
    expected, got = dict(claim["expected"]), dict(claim["got"])
    if set(expected) != set(got) or not expected:
        raise _Mismatch("expected and got must name the same, non-empty set of locations")
    locations = sorted(expected)
    checked = (ctx.reference, candidate)
    stop_ref, ref, ref_cycles = replay_case(
        ctx.reference, checked, ctx.entry, ctx.call, ctx.spec, values, background, locations
    )
    if stop_ref != "RETURNED":
        raise _Mismatch(f"the correct routine stops by {stop_ref} on this case")
    stop_bug, bug, _ = replay_case(
        candidate,
        checked,
        ctx.entry,
        ctx.call,
        ctx.spec,
        values,
        background,
        locations,
        max_cycles=ref_cycles * 10 + 1000,
    )
    for text in locations:
        location = parse_location(text)[0]
        _same(f"expected {text}", expected[text], location.format(ref[text]))
        if stop_bug == "RETURNED":
            _same(f"got {text}", got[text], location.format(bug[text]))
    if stop_bug == "RETURNED" and all(ref[t] == bug[t] for t in locations):
        raise _Mismatch("the two routines agree on this case: it is no counterexample")
    by_text = {loc.text: (loc, value) for (loc, _), value in zip(spec.inputs, values, strict=True)}
    shown = dict(claim.get("shown", {}))
    for text, value in shown.items():
        if text not in by_text:
            raise _Mismatch(f"shown input {text} is not an input of the spec")
        location, actual = by_text[text]
        _same(f"shown input {text}", value, location.format(actual))
    _text(ctx, claim, render.counterexample_text(shown, expected, got, background, _style(claim)))


def _check_bug_line(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    _in_code(ctx, str(claim["candidate"]), "sample")
    buggy = str(claim["candidate"]).split("\n")
    fixed = ctx.reference.split("\n")
    line = int(claim["line"])
    if not 1 <= line <= len(fixed):
        raise _Mismatch(f"line {line} is outside the correct routine")
    if claim.get("buggy_line") is None:
        rebuilt = fixed[: line - 1] + fixed[line:]
    else:
        rebuilt = [*fixed[: line - 1], str(claim["buggy_line"]), *fixed[line:]]
    if rebuilt != buggy:
        raise _Mismatch(f"the buggy routine is not the correct one with line {line} changed as stated")
    _same("fixed_line", claim.get("fixed_line"), fixed[line - 1])
    buggy_line = None if claim.get("buggy_line") is None else str(claim["buggy_line"])
    _text(ctx, claim, render.bug_text(line, buggy_line, fixed[line - 1], _style(claim)))


def _trace(ctx: ClaimContext, claim: Mapping[str, Any]) -> Any:
    initial = Initial.from_json(ctx.task["initial"])
    run = traced_run(ctx.reference, ctx.entry, ctx.call, initial)
    if run.stop != "RETURNED":
        raise _Mismatch(f"the traced run stops by {run.stop}")
    return run


def _check_trace_step(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    run = _trace(ctx, claim)
    index = int(claim["index"])
    if not 1 <= index <= len(run.steps):
        raise _Mismatch(f"step {index} does not exist; the run has {len(run.steps)} steps")
    step = run.steps[index - 1]
    for key, value in trace_step_fields(step).items():
        _same(f"step {index} {key}", claim.get(key), value)
    _text(ctx, claim, render.step_text(index, step.pc, step.text, step.cycles, step.after, step.writes))


def trace_step_fields(step: Any) -> dict[str, Any]:
    """What a trace-step claim states about one executed instruction (written by the generator,
    re-derived from a fresh run by the checker)."""
    state = step.after
    return {
        "pc": f"${step.pc:06X}",
        "instruction": step.text.upper(),
        "cycles": step.cycles,
        "A": f"${state.a:04X}",
        "X": f"${state.x:04X}",
        "Y": f"${state.y:04X}",
        "S": f"${state.s:04X}",
        "DBR": f"${state.dbr:02X}",
        "P": f"${state.p:02X}",
        "memory": {f"${a:06X}": f"${v:02X}" for a, v in step.writes},
    }


def _check_trace_final(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    run = _trace(ctx, claim)
    entry = render.entry_text(Initial.from_json(ctx.task["initial"]))
    if entry not in ctx.input:
        raise _Mismatch(f"the prompt does not show the traced entry state {entry!r}")
    _same("steps", claim.get("steps"), len(run.steps))
    _same("cycles", claim.get("cycles"), run.cycles)
    _same("instructions", claim.get("instructions"), run.instructions)
    _text(ctx, claim, render.final_text(run.cycles, run.instructions, run.state, run.writes, _style(claim)))


def _code_addresses(ctx: ClaimContext) -> tuple[int, ...]:
    from harness.verify import parse_spec

    mode = parse_spec(dict(ctx.spec)).mode
    return code_addresses(ctx.reference, direct_page=mode.D, data_bank=mode.DBR)


def _check_address_fact(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    address = _parse_value(claim["address"])
    if address not in _code_addresses(ctx):
        raise _Mismatch(f"the routine does not use {render.address_text(address)}")
    fact = header_facts().get(address)
    if fact is None:
        raise _Mismatch(f"no bundled header names {render.address_text(address)}")
    for key in ("name", "meaning", "header"):
        _same(key, claim.get(key), getattr(fact, key))
    _text(ctx, claim, render.fact_text(address, fact.name, fact.meaning, fact.header, _style(claim)))


def _check_address_unnamed(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    address = _parse_value(claim["address"])
    if address not in _code_addresses(ctx):
        raise _Mismatch(f"the routine does not use {render.address_text(address)}")
    if address in header_facts():
        raise _Mismatch(f"{render.address_text(address)} is named {header_facts()[address].name} in a header")
    _text(ctx, claim, render.unnamed_text(address, _style(claim)))


def _check_run(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    from harness.verify import parse_location

    initial = Initial.from_json(claim["initial"])
    stated = {text: _parse_value(value) for text, value in dict(claim.get("inputs", {})).items()}
    _same(
        "entry state of the stated inputs", initial.to_json(), initial_from_inputs(ctx.spec, stated).to_json()
    )
    outputs = dict(claim["outputs"])
    stop, observed, cycles = observe_run(ctx.reference, ctx.entry, ctx.call, initial, list(outputs))
    if stop != "RETURNED":
        raise _Mismatch(f"the run stops by {stop}")
    _same("cycles", claim.get("cycles"), cycles)
    for text, value in outputs.items():
        _same(f"output {text}", value, parse_location(text)[0].format(observed[text]))
    _text(ctx, claim, render.run_text(dict(claim.get("inputs", {})), cycles, outputs, _style(claim)))


def _check_size(ctx: ClaimContext, claim: Mapping[str, Any]) -> None:
    result, _ = assemble_entry(ctx.reference, ctx.entry)
    _same("bytes", claim.get("bytes"), int(result.size))
    _text(ctx, claim, render.size_text(int(result.size), _style(claim)))


CHECKERS: Mapping[ClaimType, Callable[[ClaimContext, Mapping[str, Any]], None]] = {
    ClaimType.EQUIVALENT: _check_equivalent,
    ClaimType.SAVINGS: _check_savings,
    ClaimType.NOT_EQUIVALENT: _check_not_equivalent,
    ClaimType.COUNTEREXAMPLE: _check_counterexample,
    ClaimType.BUG_LINE: _check_bug_line,
    ClaimType.TRACE_STEP: _check_trace_step,
    ClaimType.TRACE_FINAL: _check_trace_final,
    ClaimType.ADDRESS_FACT: _check_address_fact,
    ClaimType.ADDRESS_UNNAMED: _check_address_unnamed,
    ClaimType.RUN: _check_run,
    ClaimType.SIZE: _check_size,
}


def check_claim(ctx: ClaimContext, claim: Mapping[str, Any]) -> str | None:
    """None when the claim holds; otherwise why not (never raises for bad claim data)."""
    try:
        kind = ClaimType(claim.get("type"))
    except ValueError:
        return f"unknown claim type {claim.get('type')!r}; known: {', '.join(t.value for t in ClaimType)}"
    try:
        CHECKERS[kind](ctx, claim)
    except _Mismatch as mismatch:
        return str(mismatch)
    except (SynthError, SpecError, TaskDataError) as error:
        return str(error)
    except (KeyError, TypeError, ValueError) as error:
        return f"malformed claim ({type(error).__name__}: {error})"
    return None
