"""Explanation scoring: facts by regex, forbidden claims, hallucinated addresses; never by length."""

from __future__ import annotations

from harness.score import score_explanation
from harness.score.explain import address_mentions

TASK = {
    "id": "explain-1",
    "family": "explain",
    "prompt": "Explain:\n```asm\nLDA $0E50,X\nSEC\nSBC #$10\nSTA $0E50,X\nRTS\n```",
    "answer": {
        "facts": [
            {"id": "hp", "any": [r"hit points|\bHP\b"]},
            {"id": "sixteen", "any": [r"\b16\b", r"\$10"]},
        ],
        "forbid": [r"\$0E20[^\n]{0,20}\bHP\b"],
    },
}


def test_fact_recall_counts_facts_not_words():
    assert score_explanation(TASK, "It subtracts 16 from the HP at $0E50,X.")["fact_recall"] == 1.0
    assert score_explanation(TASK, "It subtracts 16.")["fact_recall"] == 0.5
    padded = "This is a very long and detailed explanation. " * 200
    assert score_explanation(TASK, padded)["fact_recall"] == 0.0  # length earns nothing


def test_forbidden_claim():
    assert score_explanation(TASK, "$0E20 holds the HP")["forbidden"] == 1.0
    assert score_explanation(TASK, "$0E50 holds the HP")["forbidden"] == 0.0


def test_hallucinated_addresses():
    # $0E50 is in the code; $0DD0 and $0E20 are in the alttp_ram.asm header; $1234 is made up
    metrics = score_explanation(TASK, "Uses $0E50, $7E:0E50, $7E0DD0, $0E20 and $1234; #$10 is immediate.")
    assert metrics["hallucinated_addresses"] == 1.0


def test_address_mentions_forms():
    assert address_mentions("$0E50 $7E:0E50 $7E0E50 0x0E50 #$1234 $10") == [
        0x0E50,
        0x7E0E50,
        0x7E0E50,
        0x0E50,
    ]


def test_no_facts_means_no_recall_metric():
    metrics = score_explanation({"id": "x", "answer": {}}, "text")
    assert "fact_recall" not in metrics and metrics["forbidden"] == 0.0


def test_range_ending_at_the_high_byte_of_a_word_store_is_not_hallucinated():
    task = {"id": "t", "family": "explain", "reference": "REP #$20\nSTZ $0DF0\nSTZ $0DFE\nSEP #$20\nRTS\n",
            "answer": {"facts": []}}
    assert score_explanation(task, "Clears $0DF0-$0DFF two bytes at a time.")["hallucinated_addresses"] == 0.0
    assert score_explanation(task, "Clears $0DF0-$0DFF and then $0C40.")["hallucinated_addresses"] == 1.0
