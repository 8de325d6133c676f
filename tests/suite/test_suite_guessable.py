"""Trace tasks must need tracing: an all-zero or an echo-the-inputs answer must not score."""

from __future__ import annotations

import json

from harness.dataset import bundled_data_dir
from harness.suite.validate import guessable_trace

SPEC = {
    "mode": {"e": 0, "m": 1, "x": 1},
    "inputs": {"$7E0010": {"values": [7]}, "A": {"values": [0]}},
    "outputs": ["$7E0010"],
    "cases": 1,
    "seed": 0,
}


def _doc(reference: str) -> dict:
    return {
        "id": "t",
        "family": "trace",
        "reference": reference,
        "entry": "Main",
        "call": "jsr",
        "spec": SPEC,
    }


def test_all_zero_answers_are_guessable():
    assert guessable_trace(_doc("Main:\n  STZ $10\n  RTS\n")) == "every asked value is 0"


def test_unchanged_inputs_are_guessable():
    assert (
        guessable_trace(_doc("Main:\n  LDA $10\n  RTS\n"))
        == "every asked value equals its given input (or 0 where none is given)"
    )


def test_flag_only_answers_are_guessable():
    doc = {**_doc("Main:\n  LDA $10\n  CMP #$05\n  RTS\n"), "spec": {**SPEC, "outputs": ["flag:C", "flag:Z"]}}
    assert guessable_trace(doc) == "only flags are asked: a coin flip per flag scores 25%"


def test_all_ones_answers_are_guessable():
    assert guessable_trace(_doc("Main:\n  LDA #$FF\n  STA $10\n  RTS\n")) == "every asked value is all ones"


def test_a_real_computation_is_not():
    assert guessable_trace(_doc("Main:\n  INC $10\n  RTS\n")) is None


def test_no_bundled_trace_task_is_guessable():
    docs = [
        json.loads(line)
        for name in ("trace.jsonl", "fewshot.jsonl")
        for line in (bundled_data_dir() / name).read_text().splitlines()
    ]
    guessable = {
        d["id"]: why for d in docs if d["family"] == "trace" and (why := guessable_trace(d, d["answer"]))
    }
    assert guessable == {}


def test_mc_gold_letters_are_spread_evenly():
    # a model that always answers "A" must score chance, not more
    from collections import Counter

    golds = Counter(
        json.loads(line)["answer"]["gold"]
        for line in (bundled_data_dir() / "mc.jsonl").read_text().splitlines()
    )
    assert max(golds.values()) - min(golds.values()) <= 1 and len(golds) == 4
