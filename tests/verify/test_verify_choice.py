"""Multiple-choice answers: the final stated choice, never a default, never an article read as A."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.verify.choice import parse_choice

VALUES = ["$0058", "$3E58", "$FF58", "$C158"]
CYCLES = ["16 cycles", "17 cycles", "18 cycles", "20 cycles"]
LINES = ["DEC $7EF36D", "INC $7E0010", "BIT $123456", "PEI ($10)"]
SNIPPETS = [
    "Snippet:\n    AND #$00\n    ORA #$66\n    RTS\n",
    "Snippet:\n    SEC\n    INC A\n    RTS\n",
    "Snippet:\n    CLC\n    ASL A\n    RTS\n",
    "Snippet:\n    STA $12\n    INY\n    RTS\n",
]
SECONDS_PER_MEGABYTE = 5.0  # measured well under 1 s; the margin absorbs a loaded CI machine


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # issue 12 class 12, verbatim
        ("The answer is a snippet that sets the carry.", None),
        ("Answer: I think it is B", 1),
        ("Options A and B are wrong; the answer is C", 2),
        # the final stated choice wins
        ("I first thought the answer is A, but on reflection the answer is C.", 2),
        ("The answer is C. Option A is wrong because it loads $10.", 2),
        ("Thus A is loaded with $10. So the answer is B", 1),
        ("The answer is not A; it's D.", 3),
        ("The answer isn't A. The correct option is (d).", 3),
        ("Answer:\n\n**B**", 1),
        ("**Answer: C**", 2),
        ("The answer is: `C`", 2),
        ("Final answer: D", 3),
        ("I'd go with C.", 2),
        ("I choose A", 0),
        ("I think B is correct.", 1),
        ("answer: a", 0),
        ("The answer is b.", 1),
        # no final commitment
        ("A or B", None),
        ("The answer is A or B.", None),
        ("It is either B or C", None),
        ("The answer depends on whether B or C runs first.", None),
        ("The answer is b because it sets the carry", None),
        ("Let me check each.\nA: wrong\nB: wrong\nC: right\nD: wrong", None),
        ("A loads $10 into A", None),
        ("A is the accumulator.", None),
        ("The answer is I", None),
        ("e.g. the answer is", None),
        ("", None),
        ("   \n\n", None),
        ("asdf qwer", None),
        ("E", None),
        ("The answer is E.", None),
    ],
)
def test_phrasing(text, expected):
    assert parse_choice(text, 4, VALUES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C", 2),
        ("c", 2),
        ("**C**", 2),
        ("C.", 2),
        ("(C)", 2),
        ("[C]", 2),
        ("`C`", 2),
        ("Option C", 2),
        ("choice c", 2),
        ("Snippet C", 2),
        ("C) $FF58", 2),
        ("C. $FF58", 2),
        ("**C** - it keeps the high byte", 2),
        ("B because it sets the carry.", 1),
        ("C is correct.", 2),
        ("$3E58", 1),
        ("**$3E58**", 1),
        ("- $C158", 3),
    ],
)
def test_a_final_line_that_is_only_a_choice(text, expected):
    reasoning = "Tracing: LDA #$58 leaves B unchanged, so the high byte is the entry's.\n\n"
    assert parse_choice(text, 4, VALUES) == expected
    assert parse_choice(reasoning + text, 4, VALUES) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The answer is A B C D",
        "A B C D",
        "The answer is A, B, C or D.",
        "**A** **B**",
        "Answer: B, C",
        "The answer is $0058 $3E58 $FF58 $C158",
        "The answer is $0058 or $3E58",
        "A/B",
    ],
)
def test_listing_several_choices_is_no_answer(text):
    assert parse_choice(text, 4, VALUES) is None


def test_a_letter_that_ends_its_sentence_is_not_listed_with_the_next():
    assert parse_choice("The answer is B. A is wrong because it clears the carry.", 4, VALUES) == 1
    assert parse_choice("The answer is C, and B is wrong.", 4, VALUES) == 2


def test_a_letter_that_contradicts_its_text_is_no_answer():
    assert parse_choice("C) $0058", 4, VALUES) is None  # $0058 is choice A
    assert parse_choice("The answer is $C158 (B).", 4, VALUES) is None


def test_choice_text_in_answer_phrasing():
    assert parse_choice("The answer is 20 cycles.", 4, CYCLES) == 3
    assert parse_choice("Answer: 17 cycles, because the branch is taken", 4, CYCLES) == 1
    assert parse_choice("The answer is dec $7ef36d", 4, LINES) == 0
    assert parse_choice("PEI ($10)", 4, LINES) == 3


def test_choice_text_needs_a_boundary():
    assert parse_choice("The answer is 170 cycles.", 4, ["17 cycles", "170 cycles"]) == 1
    assert parse_choice("The answer is $3E581.", 4, VALUES) is None


def test_a_snippet_given_back_verbatim():
    answer = "The one that returns $56CE is:\n```asm\nSnippet:\n  SEC\n  INC A\n  RTS\n```"
    assert parse_choice(answer, 4, SNIPPETS) == 1
    assert parse_choice("```asm\nSnippet:\n  SEC\n  RTS\n```", 4, SNIPPETS) is None


def test_without_choices_only_letters_count():
    assert parse_choice("The answer is C.", 4) == 2
    assert parse_choice("$3E58", 4) is None


def test_letters_beyond_the_choices_are_not_answers():
    assert parse_choice("The answer is D.", 3, VALUES[:3]) is None
    assert parse_choice("The answer is H.", 8) == 7


@pytest.mark.parametrize("bad", [None, 3, b"C", ["C"]])
def test_non_text_is_no_answer(bad):
    assert parse_choice(bad, 4, VALUES) is None


@pytest.mark.parametrize("count", [0, -1, 27, "4", None])
def test_a_bad_choice_count_is_no_answer(count):
    assert parse_choice("C", count, VALUES) is None  # type: ignore[arg-type]


HUGE_ANSWERS = {
    "answer phrases": lambda n: "answer " * (n // 7),
    "negated answers": lambda n: "answer is not A " * (n // 16),
    "disjunctions": lambda n: "A or " * (n // 5),
    "bold letters": lambda n: "**C** " * (n // 6),
    "parentheses": lambda n: "(" * n,
    "option words": lambda n: "Option " * (n // 7),
    "one long word": lambda n: "a" * n,
    "a megabyte of spaces after a phrase": lambda n: "answer is option" + " " * n + "C",
    "pronouns": lambda n: "I think " * (n // 8),
    "sentences": lambda n: "The routine loads A and stores it; the carry is set. " * (n // 53),
}


@pytest.mark.parametrize("make", HUGE_ANSWERS.values(), ids=HUGE_ANSWERS.keys())
def test_one_megabyte_answers_are_linear(make):
    text = make(1_000_000)
    start = time.perf_counter()
    result = parse_choice(text, 4, VALUES)
    assert time.perf_counter() - start < SECONDS_PER_MEGABYTE
    assert result is None or 0 <= result < 4


def test_a_megabyte_of_reasoning_then_the_answer():
    text = "Snippet A clears A, snippet B sets carry, or maybe C? " * 18_000 + "\nThe answer is B."
    start = time.perf_counter()
    assert parse_choice(text, 4, VALUES) == 1
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("odd", ["\x00", "\ud800", "\udfff", "\u2028", "\u0085", "\ufeff"])
def test_nul_surrogates_and_unicode_separators(odd):
    assert parse_choice(f"Reasoning{odd}.\nThe answer is C.{odd}", 4, VALUES) == 2


@given(st.text(max_size=300), st.integers(min_value=1, max_value=8))
def test_never_raises_and_stays_in_range(text, count):
    result = parse_choice(text, count, VALUES[:count] if count <= 4 else None)
    assert result is None or 0 <= result < count


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz .,;:\n", max_size=200))
def test_lowercase_prose_without_answer_phrasing_never_picks_the_first_choice(text):
    # an article or a word is never a choice; only explicit phrasing or a lone final letter is
    result = parse_choice(text, 4)
    last = next((line.strip(" .,;:") for line in reversed(text.split("\n")) if line.strip(" .,;:")), "")
    assert result != 0 or "answer" in text or len(last) == 1
