"""Fuzz: random text, bytes and random instruction soup as completions to every family scorer.

No exception may escape a scorer for any completion, and every metric must be finite and in range.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.families import metric_spec
from harness.errors import ToolMismatchError, ToolMissingError
from harness.score import score_sample

TRAPS = Path(__file__).resolve().parents[2] / "fixtures" / "traps"
TASKS = [json.loads(line) for line in (TRAPS / "tasks.jsonl").read_text().splitlines()]
MC_TASK = {"id": "mc", "family": "mc", "answer": {"choices": ["a", "b", "c", "d"], "gold": 2}}
INSTRUCTIONS = [
    "LDA #$01",
    "LDA $10",
    "STA $10",
    "STA $0E20,X",
    "STZ $0DD0,X",
    "INX",
    "DEX",
    "SEC",
    "CLC",
    "ADC #$10",
    "SBC #$10",
    "XBA",
    "TAX",
    "REP #$20",
    "SEP #$20",
    "REP #$10",
    "SEP #$30",
    "PHA",
    "PLA",
    "PHP",
    "PLP",
    "INC $10",
    "ASL A",
    "LSR A",
    "NOP",
    "BRA +",
    "BEQ +",
    "+",
    "MUL",
    "STA $420B",
]


def _tools_available() -> bool:
    try:
        from harness.asar import find_asar
        from harness.emu import Machine  # noqa: F401

        find_asar()
    except (ImportError, ToolMissingError, ToolMismatchError):
        return False
    return True


def _check_ranges(metrics):
    for name, value in metrics.items():
        assert math.isfinite(value), (name, value)
        spec = metric_spec(name)
        assert spec is not None, f"metric {name} is not in the family registry"
        assert spec.in_range(value), (name, value)


def _soup(draw_list, entry):
    return f"```asm\n{entry}:\n" + "\n".join(f"    {i}" for i in draw_list) + "\n    RTS\n```"


completion = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
    st.binary(max_size=50),  # not even a string
    st.lists(st.sampled_from(INSTRUCTIONS), max_size=8).map(lambda ins: _soup(ins, "Clear")),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(completion, min_size=1, max_size=2))
def test_text_only_families_never_raise(completions):
    for task in [*TASKS, MC_TASK]:
        if task["family"] in ("explain", "mc"):
            _check_ranges(score_sample(task, completions))


@pytest.mark.skipif(not _tools_available(), reason="needs ASAR 1.91 and harness.emu.Machine")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(completion, min_size=1, max_size=2),
    st.sampled_from([t for t in TASKS if t["family"] != "explain"]),
)
def test_every_scorer_survives_garbage(completions, task):
    entry = task.get("entry", "Clear")
    completions = [c.replace("Clear:", f"{entry}:") if isinstance(c, str) else c for c in completions]
    _check_ranges(score_sample(task, completions))
