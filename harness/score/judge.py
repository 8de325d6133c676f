"""Optional LLM-judge scorer for explanations, with any lm-eval model (`generate_until`). Never the
default: `explain_score` (`harness.score.explain`, claims checked by execution) is the metric.

The judge must grade on a 0/1/2 rubric and quote, verbatim, the fragment of the explanation that
justifies a non-zero grade. A quote that is not in the explanation voids the grade (0, `judge_valid`
= 0): a judge cannot reward text that is not there, and a long answer earns nothing by being long.
The judge is shown what the routine was measured to do (the footprint and the example values the
execution scorer checks against), so it grades against the emulator's truth, not its own reading of
the code; a task that cannot be measured (no reference or no example) falls back to its fact names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import SpecError, TaskDataError
from harness.score.explain import probe_expected, summary_truth

__all__ = ["JUDGE_RUBRIC", "build_judge_prompt", "judge_explanations", "parse_judgement"]

JUDGE_RUBRIC = """You grade an explanation of 65816 (SNES) assembly code.
Grades:
0 = wrong, misleading, or says nothing checkable about what the code does;
1 = partly correct: some behaviour right, but a key effect missing or a claim (an address, a
    constant, a register, a value) wrong;
2 = correct and complete: every effect of the code stated, no wrong claim.
Answer with exactly two lines:
SCORE: <0, 1 or 2>
QUOTE: "<a fragment copied verbatim from the explanation that justifies the grade>"
"""

_SCORE_RE = re.compile(r"SCORE:\s*([012])\b")
_QUOTE_RE = re.compile(r"QUOTE:\s*\"(.+?)\"\s*$", re.MULTILINE | re.DOTALL)


def _measured(task: Mapping[str, Any]) -> str:
    """What running the reference showed, for the judge; "" when the task cannot be measured."""

    try:
        summary = summary_truth(task)
        example = probe_expected(task)
    except (TaskDataError, SpecError):
        return ""
    lines = [f"{name}: {', '.join(items) or 'nothing'}" for name, items in summary.items()]
    lines.append("on the example input: " + ", ".join(f"{loc}=${value:X}" for loc, value in example.items()))
    return (
        "Measured by running the routine (the truth; registers and memory it touches):\n"
        + "\n".join(lines)
        + "\n"
    )


def build_judge_prompt(task: Mapping[str, Any], explanation: str) -> str:
    """The judge's prompt: rubric, the task's prompt (which shows the code), the measured truth (or the
    expected fact names of an unmeasurable task), the answer."""
    truth = _measured(task)
    if not truth:
        facts = [
            str(f.get("id")) for f in (task.get("answer") or {}).get("facts", []) if isinstance(f, Mapping)
        ]
        truth = f"Facts a complete answer states: {', '.join(facts)}\n" if facts else ""
    return (
        f"{JUDGE_RUBRIC}\nTask given to the student:\n{task.get('prompt', '')}\n\n{truth}"
        f"Explanation to grade:\n<<<\n{explanation}\n>>>\n"
    )


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def parse_judgement(reply: object, explanation: str) -> dict[str, float]:
    """`judge_score` in [0, 1] (grade / 2) and `judge_valid` (1 when grade and quote check out)."""
    if not isinstance(reply, str):
        return {"judge_score": 0.0, "judge_valid": 0.0}
    score = _SCORE_RE.search(reply)
    if score is None:
        return {"judge_score": 0.0, "judge_valid": 0.0}
    grade = int(score.group(1))
    quote = _QUOTE_RE.search(reply)
    quoted = (
        quote is not None
        and bool(_squash(quote.group(1)))
        and _squash(quote.group(1)) in _squash(explanation)
    )
    if grade > 0 and not quoted:
        return {"judge_score": 0.0, "judge_valid": 0.0}
    return {"judge_score": grade / 2, "judge_valid": 1.0}


def judge_explanations(
    lm: Any, items: Sequence[tuple[Mapping[str, Any], str]], *, max_gen_toks: int = 128
) -> list[dict[str, float]]:
    """Grade (task, explanation) pairs with an lm-eval LM in one `generate_until` batch."""
    from lm_eval.api.instance import Instance

    requests = [
        Instance(
            request_type="generate_until",
            doc=dict(task),
            arguments=(
                build_judge_prompt(task, text),
                {"until": ["\n\n"], "max_gen_toks": max_gen_toks, "do_sample": False},
            ),
            idx=0,
        )
        for task, text in items
    ]
    replies = lm.generate_until(requests) if requests else []
    return [parse_judgement(reply, text) for reply, (_, text) in zip(replies, items, strict=True)]
