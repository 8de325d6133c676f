"""Explanation scoring by claims checked against execution: right answers in any common presentation
score high, content-free text scores nothing, and every wrong address, constant or value costs."""

from __future__ import annotations

import pytest

from harness.errors import TaskDataError
from harness.score import score_explanation
from harness.score.explain import explain_report, probe_expected, summary_lines, summary_truth

pytestmark = pytest.mark.usefixtures("asar")  # skip, naming the fix, without ASAR


MODE_8 = {"e": 0, "m": 1, "x": 1, "D": "$0000", "DBR": "$00"}
KEEP = ["D", "DBR", "flag:m", "flag:x", "flag:D", "S"]
HP = [0x03, 0x7F, 0x7F, 0x05, 0x00, 0xFF, 0x05, 0x84, 0x08, 0x7F, 0x08, 0x01, 0x05, 0x7F, 0x80, 0x00]


def _doc(task_id: str, entry: str, reference: str, spec: dict, inputs: dict, asked: list[str]) -> dict:
    return {
        "id": task_id,
        "family": "explain",
        "prompt": f"Explain what this routine does.\n```asm\n{reference}```\n",
        "reference": reference,
        "entry": entry,
        "call": "jsr",
        "spec": {"writable": ["$7E0000..$7E000F"], "cases": 48, "seed": 7, **spec},
        "answer": {"probe": {"inputs": inputs, "asked": asked}},
    }


DAMAGE = _doc(
    "damage",
    "DamageSprite",
    "DamageSprite:\n    LDA $0E50,X\n    SEC\n    SBC #$04\n    BEQ .kill\n    BCC .kill\n    STA $0E50,X\n"
    "    RTS\n.kill:\n    STZ $0E50,X\n    STZ $0DD0,X\n    RTS\n",
    {
        "mode": MODE_8,
        "inputs": {
            "X": {"values": list(range(16))},
            "$7E0E50..$7E0E5F": {"values": [0, 1, 3, 4, 5, 8, 127, 255]},
        },
        "outputs": ["$7E0E50..$7E0E5F", "$7E0DD0..$7E0DDF"],
        "preserve": ["X", "Y", *KEEP],
    },
    {"X": 2, **{f"$7E0E{0x50 + i:02X}": v for i, v in enumerate(HP)}},
    ["$7E0E52"],
)
FILL = _doc(
    "fill",
    "FillBuffer",
    "FillBuffer:\n    STA $7F4000\n    PHB\n    REP #$30\n    LDA #$005E\n    LDX #$4000\n    LDY #$4001\n"
    "    MVN $7F,$7F\n    SEP #$30\n    PLB\n    RTS\n",
    {"mode": MODE_8, "inputs": {"A.lo": [0, 255]}, "outputs": ["$7F4000..$7F405F"], "preserve": KEEP},
    {"A.lo": 0xD7},
    ["$7F4000", "$7F4001", "$7F4002"],
)
MULTIPLY = _doc(
    "multiply",
    "ComputeProduct",
    "ComputeProduct:\n    STA $4202\n    LDA #$03\n    STA $4203\n    REP #$20\n    NOP\n    NOP\n    NOP\n"
    "    LDA $4216\n    STA $0300\n    SEP #$20\n    RTS\n",
    {
        "mode": MODE_8,
        "inputs": {"A.lo": [0, 255]},
        "outputs": ["$7E0300:w"],
        "preserve": ["Y", *KEEP],
        "writable": ["$7E0000..$7E000F", "$004202..$004206"],
    },
    {"A.lo": 0x11},
    ["$7E0300:w"],
)
SIGN = _doc(
    "sign",
    "Sext8to16",
    "Sext8to16:\n    AND #$00FF\n    CMP #$0080\n    BCC .done\n    ORA #$FF00\n.done:\n    RTS\n",
    {
        "mode": {**MODE_8, "m": 0},
        "inputs": {"A": [0, 65535]},
        "outputs": ["A"],
        "preserve": ["X", "Y", *KEEP],
    },
    {"A": 0x5EEA},
    ["A"],
)

TERSE = {
    "damage": "Subtracts 4 from the HP of sprite X at $0E50,X; at 0 or below it kills the sprite by zeroing "
    "$0E50,X and the state $0DD0,X.\nreads: X, $0E50,X\nwrites: $0E50,X, $0DD0,X\nreturns: nothing\n"
    "example: $7E0E52=$7B",
    "fill": "Fills $7F4000-$7F405F (96 bytes) with the low byte of A: one store, then an overlapping MVN.\n"
    "reads: A\nwrites: $7F4000-$7F405F\nreturns: nothing\nexample: $7F4000=$D7, $7F4001=$D7, $7F4002=$D7",
    "multiply": "A times 3 on the hardware multiplier ($4202, $4203); the product from $4216 goes to $0300.\n"
    "reads: A, $4216-$4217\nwrites: $4202, $4203, $0300-$0301\nreturns: nothing\nexample: $7E0300:w=$0033",
    "sign": "Sign-extends the low byte of A to 16 bits.\n"
    "reads: A\nwrites: nothing\nreturns: A\nexample: A=$FFEA",
}
DOCS = {"damage": DAMAGE, "fill": FILL, "multiply": MULTIPLY, "sign": SIGN}

CONTENT_FREE = {
    "boilerplate": "This routine runs on the 65816 CPU of the SNES. It reads memory and registers, uses the "
    "accumulator, the index registers and the carry, updates sprite tables in WRAM, and returns with RTS.",
    "keywords": " ".join(
        [
            "SNES 65816 accumulator carry WRAM DMA HDMA NMI OAM VRAM sprite HP REP SEP MVN "
            "XBA $0E50 $0DD0 $4202 $4216 $7F4000 $0300 #$04 #$03 RTS RTL"
        ]
        * 12
    ),
    "empty summary": "reads:\nwrites:\nreturns:\nexample:",
    "generic summary": "reads: A, X, Y, carry\nwrites: $7E0000\nreturns: A, carry\nexample: A=$0000, X=$0000",
    "nothing": "reads: nothing\nwrites: nothing\nreturns: nothing\nexample: nothing",
}


def _score(doc: dict, text: str) -> float:
    return score_explanation(doc, text)["explain_score"]


@pytest.mark.parametrize("name", sorted(TERSE))
def test_terse_correct_expert_answers_score_at_least_0_9(name: str) -> None:
    report = explain_report(DOCS[name], TERSE[name])
    assert report.metrics["explain_score"] >= 0.9, report


@pytest.mark.parametrize("name", sorted(CONTENT_FREE))
@pytest.mark.parametrize("doc", sorted(DOCS))
def test_content_free_text_scores_at_most_0_1(name: str, doc: str) -> None:
    assert _score(DOCS[doc], CONTENT_FREE[name]) <= 0.10


def test_a_2kb_keyword_list_with_every_address_of_the_code_earns_nothing() -> None:
    words = (" ".join(["$0E50,X", "$0DD0,X", "X", "A", "carry", "SBC", "STZ", "HP", "kill"]) + " ") * 50
    assert len(words) > 2000
    assert _score(DAMAGE, words) == 0.0
    assert _score(DAMAGE, f"reads: {words}\nwrites: {words}\nreturns: {words}") == 0.0


PRESENTATIONS = [
    lambda r, w, e: f"reads: {r}\nwrites: {w}\nreturns: nothing\nexample: {e}",
    lambda r, w, e: f"**Reads:** {r}\n**Writes:** {w}\n**Returns:** nothing\n**Example:** {e}",
    lambda r, w, e: f"Summary:\n- reads: {r}\n- writes: {w}\n- returns: nothing\n- example: {e}",
    lambda r, w, e: f"```\nreads: {r}\nwrites: {w}\nreturns: nothing\nexample: {e}\n```",
    lambda r, w, e: (
        f"| line | value |\n|---|---|\n| reads | {r} |\n| writes | {w} |\n| returns | nothing |\n"
        f"| example | {e} |"
    ),
    lambda r, w, e: f"READS: {r}\nWRITES: {w}\nRETURNS: none\nEXAMPLE: {e}",
    lambda r, w, e: (
        f"### Summary\nInputs: {r}\nWrites: {w}\nReturns: nothing (A and the flags are scratch)\n"
        f"Example: `{e}`"
    ),
    lambda r, w, e: (
        f"reads:\n  - {r.replace(', ', chr(10) + '  - ')}\nwrites:\n  - {w.replace(', ', chr(10) + '  - ')}"
        f"\nreturns: nothing\nexample:\n  {e}"
    ),
    lambda r, w, e: f"Reads - {r}\nWrites - {w}\nReturns - nothing\nExample - {e}",
    lambda r, w, e: f"reads: `{r}`\nwrites: `{w}`\nreturns: `nothing`\nexample: {e.replace('=', ' = ')}",
    lambda r, w, e: (
        f"A first draft.\nreads: A\nwrites: nothing\n\nOn reflection:\nreads: {r}\nwrites: {w}\n"
        f"returns: nothing\nexample: {e}"
    ),
]
PROSE = (
    "Each call subtracts 4 from the hit points of sprite slot X and kills the sprite when they run out.\n\n"
)


@pytest.mark.parametrize("index", range(len(PRESENTATIONS)))
def test_a_correct_answer_in_common_presentations_scores_high_and_a_wrong_one_does_not(index: int) -> None:
    present = PRESENTATIONS[index]
    right = PROSE + present("X, $0E50,X", "$0E50,X, $0DD0,X", "$7E0E52=$7B")
    assert _score(DAMAGE, right) >= 0.9, explain_report(DAMAGE, right)
    wrong_value = PROSE + present("X, $0E50,X", "$0E50,X, $0DD0,X", "$7E0E52=$7C")
    wrong_table = PROSE + present("X, $0E20,X", "$0E20,X, $0DD0,X", "$7E0E52=$7B")
    assert _score(DAMAGE, wrong_value) == 0.0
    assert _score(DAMAGE, wrong_table) < 0.75


def test_one_wrong_constant_or_address_scores_strictly_below_the_same_answer_without_it() -> None:
    right = TERSE["damage"]
    base = _score(DAMAGE, right)
    assert _score(DAMAGE, right.replace("Subtracts 4", "Subtracts $20")) < base
    assert _score(DAMAGE, right.replace("state $0DD0,X", "state $0E20,X")) < base  # in the prose
    assert _score(DAMAGE, right.replace("writes: $0E50,X, $0DD0,X", "writes: $0E50,X, $0DE0,X")) < base
    fill = TERSE["fill"]
    assert _score(FILL, fill.replace("$7F4000-$7F405F (96", "$7F4000-$7F40FF (96")) < _score(FILL, fill)
    assert _score(FILL, fill.replace("writes: $7F4000-$7F405F", "writes: $7F4000-$7F4060")) < _score(
        FILL, fill
    )
    assert _score(MULTIPLY, TERSE["multiply"].replace("A times 3", "A times $05")) < _score(
        MULTIPLY, TERSE["multiply"]
    )


def test_true_statements_are_not_punished() -> None:
    assert (
        _score(MULTIPLY, TERSE["multiply"] + "\nThe 65816 has no MUL instruction, hence the hardware unit.")
        == 1.0
    )
    end = "The last byte filled is $7F405F, and $7F:4000 holds A itself; 95 bytes are copied (A = $5E)."
    assert _score(FILL, end + "\n" + TERSE["fill"]) == 1.0
    assert _score(DAMAGE, "HP of 4 or less ($04) means death; 16 slots.\n" + TERSE["damage"]) == 1.0


def test_quoting_the_example_or_a_derived_count_is_not_an_unsupported_number() -> None:
    walk = "On the example X=$02 and $7E0E52 = $7F, which drops to $7B; slot 2 of 16 survives.\n"
    assert _score(DAMAGE, walk + TERSE["damage"]) == 1.0
    assert _score(DAMAGE, walk.replace("= $7F", "= $7E") + TERSE["damage"]) < 1.0  # not the given value
    lcg = "Multiplies by 17 (four ASL and one add) and keeps 255 of the 256 values.\n"
    assert _score(SIGN, lcg + TERSE["sign"]) == 1.0
    # the summary form's own example (`$0E50,X`) is in every prompt, but supports nothing by itself
    assert explain_report(SIGN, "It reads $0E50.\n" + TERSE["sign"]).unsupported_numbers == ("$0E50",)


def test_a_deliberately_wrong_account_loses_even_with_a_right_summary() -> None:
    wrong = "It subtracts $20 from the health in $0E20,X and calls MUL at $4202.\n" + TERSE["damage"]
    report = explain_report(DAMAGE, wrong)
    assert set(report.unsupported_numbers) == {"$20", "$0E20", "$4202"}  # none of them is in this routine
    assert report.metrics["explain_score"] < 0.8


def test_length_and_repetition_earn_nothing() -> None:
    base = _score(DAMAGE, TERSE["damage"])
    padded = "This is a careful, detailed and thorough explanation. " * 100 + TERSE["damage"]
    assert _score(DAMAGE, padded) == base
    repeated = TERSE["damage"].replace("reads: X, $0E50,X", "reads: X, X, $0E50,X, $0E51, $7E0E5F, $0E50+X")
    assert explain_report(DAMAGE, repeated).metrics["claim_precision"] == 1.0
    half = TERSE["damage"].replace("writes: $0E50,X, $0DD0,X", "writes: $0E50,X, $0E50,X, $0E51,X")
    assert explain_report(DAMAGE, half).metrics["claim_recall"] < 1.0  # the state table is still missing


def test_register_claims_follow_what_the_routine_uses_not_what_it_names() -> None:
    # DamageSprite loads A before using it and sets the carry itself: neither is read
    report = explain_report(DAMAGE, TERSE["damage"].replace("reads: X,", "reads: X, A, carry,"))
    assert set(report.wrong) == {"reads: A", "reads: carry"}
    assert summary_truth(DAMAGE)["reads"] == ["$7E0E50..$7E0E5F", "X"]
    assert summary_truth(SIGN) == {"reads": ["A"], "writes": [], "returns": ["A"]}


def test_a_register_only_routine_needs_the_example_value() -> None:
    guess = "reads: A\nwrites: nothing\nreturns: A\nexample: A=$00EA"
    assert explain_report(SIGN, guess).metrics["claim_recall"] == 1.0
    assert _score(SIGN, guess) == 0.0
    assert probe_expected(SIGN) == {"A": 0xFFEA}


def test_summary_lines_take_the_last_block_and_continuation_bullets() -> None:
    lines = summary_lines("reads: A\n\nreads:\n- X\n- $0E50,X\nwrites: $10\n")
    assert {section.value: line.content for section, line in lines.items()} == {
        "reads": "X; $0E50,X",
        "writes": "$10",
    }


def test_a_task_without_an_example_is_a_task_error_not_a_score() -> None:
    broken = {**DAMAGE, "answer": {"facts": []}}
    with pytest.raises(TaskDataError, match="answer.probe"):
        score_explanation(broken, TERSE["damage"])


def test_non_text_and_garbage_score_zero_without_raising() -> None:
    assert _score(DAMAGE, None) == 0.0  # type: ignore[arg-type]
    assert _score(DAMAGE, "reads: $$$, ((( ,X\nwrites: $FFFFFFFFFF\nexample: $7E0E52=") == 0.0
