"""mc questions are not answerable from the options: distractors are the code misread, not the gold
transformed, and options-only strategies score chance."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from harness.suite.guessers import mc_strategies
from harness.suite.mc import ASSEMBLES_PAIRS, MC_KINDS, mc_plan, mc_task, verify_mc
from harness.suite.misconceptions import CYCLE_SLIPS, VALUE_SLIPS, Slip, SnippetState, run_snippet
from harness.suite.runner import assembles, run_fixed
from harness.suite.snippets import random_snippet

pytestmark = pytest.mark.usefixtures("asar")  # skip, naming the fix, without ASAR


def test_every_assembles_twin_is_what_asar_says() -> None:
    wrong = [
        (valid, invalid)
        for valid, invalid in ASSEMBLES_PAIRS
        if not assembles(f"T:\n    {valid}\n    RTS\n") or assembles(f"T:\n    {invalid}\n    RTS\n")
    ]
    assert wrong == []
    assert len({line for pair in ASSEMBLES_PAIRS for line in pair}) == 2 * len(ASSEMBLES_PAIRS) >= 120


def test_the_misconception_model_without_slips_is_the_emulator() -> None:
    rng = random.Random(11)
    checked = 0
    for _ in range(40):
        m, x = rng.randint(0, 1), rng.randint(0, 1)
        snippet = random_snippet(rng, entry="S", length=rng.randint(3, 7), m=m, x=x)
        a, xv, yv, carry = (
            rng.getrandbits(16),
            rng.getrandbits(8 if x else 16),
            rng.getrandbits(8 if x else 16),
            1,
        )
        spec = {
            "mode": {"e": 0, "m": m, "x": x, "D": "$0000", "DBR": "$00"},
            "inputs": {
                "A": {"values": [a]},
                "X": {"values": [xv]},
                "Y": {"values": [yv]},
                "flag:C": {"values": [carry]},
            },
            "outputs": ["A", "X", "Y"],
            "cases": 1,
        }
        run = run_fixed(snippet.source, "S", "jsr", spec)
        model = run_snippet(snippet.source, SnippetState(a, xv, yv, carry, m, x))
        assert (model.a, model.x, model.y, model.cycles) == (
            run.outputs["A"],
            run.outputs["X"],
            run.outputs["Y"],
            run.cycles,
        ), snippet.source
        checked += 1
    assert checked == 40


def test_slips_are_misreadings_of_the_code() -> None:
    start = SnippetState(a=0x1234, x=0x05, y=0x06, carry=1, m=1, x_flag=1)
    code = "S:\n    CLC\n    ADC #$10\n    XBA\n    TAX\n    RTS\n"
    assert run_snippet(code, start).x == 0x12  # XBA puts $12 in A's low byte; TAX copies 8 bits
    assert run_snippet(code, start, [Slip.XBA_IGNORED]).x == 0x44
    assert run_snippet(code, start, [Slip.INDEX_WIDTH]).x == 0x4412
    assert run_snippet(code, start).cycles == 2 + 2 + 3 + 2 + 6
    assert run_snippet(code, start, [Slip.XBA_TWO, Slip.WITH_JSR]).cycles == 2 + 2 + 2 + 2 + 6 + 6
    assert set(VALUE_SLIPS).isdisjoint(CYCLE_SLIPS)


@pytest.mark.parametrize("kind", sorted(MC_KINDS))
def test_every_kind_verifies_and_labels_its_distractors(kind: str) -> None:
    for seed in (1, 2, 3):
        doc = mc_task(kind, f"mc-{kind}-{seed}", seed, gold_at=seed)
        assert verify_mc(doc) == []
        assert doc["answer"]["gold"] == seed % 4
        if kind in ("state", "cycles"):
            reasons = doc["answer"]["verify"]["distractors"]
            assert len(reasons) == 3 and all(reason for reason in reasons.values())


@pytest.mark.parametrize(("kind", "count"), [("state", 64), ("cycles", 64), ("assembles", 400)])
def test_no_options_only_strategy_beats_chance(kind: str, count: int) -> None:
    docs = [mc_task(kind, f"t-{i}", 700_000 + i, gold_at=i % 4) for i in range(count)]
    strategies = {name: s for name, s in mc_strategies().items() if not name.startswith("always")}
    accuracy = {
        name: sum(strategy(d["answer"]["choices"]) == d["answer"]["gold"] for d in docs) / count
        for name, strategy in strategies.items()
    }
    assert max(accuracy.values()) <= 0.38, accuracy


def test_the_gold_cycle_count_is_smallest_largest_or_middle_equally_often() -> None:
    ranks = Counter()
    for i in range(64):
        doc = mc_task("cycles", f"c-{i}", 800_000 + i)
        values = [int(c.split()[0]) for c in doc["answer"]["choices"]]
        ranks[sorted(values).index(values[doc["answer"]["gold"]])] += 1
    assert set(ranks) == {0, 1, 2, 3} and max(ranks.values()) <= 26, ranks


def test_the_plan_balances_letters_overall_within_kinds_and_in_eight_fewshots() -> None:
    fewshot = mc_plan(8)
    assert Counter(gold for _, gold in fewshot) == {0: 2, 1: 2, 2: 2, 3: 2}
    assert all(len({g for k, g in fewshot if k == kind}) == 2 for kind in MC_KINDS)
    split = mc_plan(64)
    assert Counter(gold for _, gold in split) == {0: 16, 1: 16, 2: 16, 3: 16}
    for kind in MC_KINDS:
        assert Counter(g for k, g in split if k == kind) == {0: 4, 1: 4, 2: 4, 3: 4}
