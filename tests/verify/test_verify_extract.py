"""Code extraction from completions: the forms models write, the blocks that must never win, and the
inputs that must not cost more than linear time or raise."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.verify.extract import extract_code

ROUTINE = "Clear:\n    STZ $10\n    RTS\n"
LOOP = "Main:\n    LDX #$0F\n.loop:\n    STZ $0E00,X\n    DEX\n    BPL .loop\n    RTS\n"
SECONDS_PER_MEGABYTE = 5.0  # measured well under 1 s; the margin absorbs a loaded CI machine


def _timed(text: str, entry: str | None = None) -> tuple[str, float]:
    start = time.perf_counter()
    result = extract_code(text, entry)
    return result, time.perf_counter() - start


def test_asm_fence_with_prose():
    text = f"Here is the routine:\n\n```asm\n{ROUTINE}```\n\nIt stores zero."
    assert extract_code(text) == ROUTINE


@pytest.mark.parametrize(
    "tag", ["asm", "65816", "asar", "", "ASM", "65c816", "assembly", "s", "nasm", "{.asm}"]
)
def test_assembly_tags_and_bare_fence(tag):
    assert extract_code(f"```{tag}\n{ROUTINE}```") == ROUTINE


def test_tilde_fence_and_info_after_the_tag():
    assert extract_code(f"~~~asm title=clear.asm\n{ROUTINE}~~~") == ROUTINE


def test_block_defining_entry_wins_over_later_usage_example():
    text = f"```asm\n{ROUTINE}```\nUse it like this:\n```asm\n    JSR Clear\n```"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_without_entry_the_last_code_block_wins():
    old = "Clear:\n    LDA #$00\n    STA $10\n    RTS\n"
    text = f"Before:\n```asm\n{old}```\nAfter:\n```asm\n{ROUTINE}```\nOutput:\n```\nA = $00\n```"
    assert extract_code(text) == ROUTINE


@pytest.mark.parametrize("tag", ["text", "diff", "json", "output", "console", "plaintext", "python"])
def test_trailing_non_assembly_block_holding_the_entry_label_never_wins(tag):
    # issue 12 class 13: a ```text block with a line `Clear:` (or `Entry:`) was chosen over the asm
    trailer = "Clear:\n  A = $00\nEntry:\n  called once\n"
    text = f"```asm\n{ROUTINE}```\nExpected result:\n```{tag}\n{trailer}```"
    assert extract_code(text, entry="Clear") == ROUTINE
    assert extract_code(text, entry="Entry") == ROUTINE


def test_trailing_diff_block_of_instructions_never_wins():
    diff = "-    LDA #$00\n-    STA $10\n+    STZ $10\n"
    text = f"```asm\n{ROUTINE}```\nThe change:\n```diff\n{diff}```"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_mistagged_block_is_used_when_no_assembly_block_exists():
    assert extract_code(f"```text\n{ROUTINE}```", entry="Clear") == ROUTINE


def test_untagged_block_beats_a_later_mistagged_one():
    other = "Clear:\n    LDA #$00\n    RTS\n"
    assert extract_code(f"```\n{ROUTINE}```\n```text\n{other}```", entry="Clear") == ROUTINE


def test_closed_block_beats_a_truncated_restatement():
    text = f"```asm\n{ROUTINE}```\nAgain, in full:\n```asm\nClear:\n    STZ"
    assert extract_code(text, entry="Clear") == ROUTINE


@pytest.mark.parametrize(
    "intro",
    [
        "Original (buggy) version, for comparison:",
        "Before:",
        "For reference, the given code:",
        "The old one:",
    ],
)
def test_a_block_introduced_as_the_given_code_yields_to_the_answer(intro):
    given = "Clear:\n    LDA #$00\n    STA $11\n    RTS\n"
    text = f"Fixed:\n```asm\n{ROUTINE}```\n{intro}\n```asm\n{given}```"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_a_fix_that_mentions_the_original_is_still_the_answer():
    draft = "Clear:\n    LDA #$00\n    STA $11\n    RTS\n"
    text = f"```asm\n{draft}```\nHere is the fix for the original bug:\n```asm\n{ROUTINE}```"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_nested_fences_give_the_inner_assembly():
    text = f"````markdown\nThe answer:\n```asm\n{ROUTINE}```\n````"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_deep_fence_nesting_is_bounded_and_does_not_raise():
    depth = 500
    opening = "".join("`" * (3 + level) + "markdown\n" for level in reversed(range(depth)))
    closing = "".join("`" * (3 + level) + "\n" for level in range(depth))
    result, seconds = _timed(f"{opening}{ROUTINE}{closing}", "Clear")
    assert isinstance(result, str)
    assert seconds < SECONDS_PER_MEGABYTE
    shallow = f"`````markdown\n````markdown\n```asm\n{ROUTINE}```\n````\n`````"
    assert extract_code(shallow, "Clear") == ROUTINE


def test_bare_code_without_fence():
    text = f"Sure. The answer is below.\n{ROUTINE}\nThis saves two cycles."
    assert extract_code(text) == ROUTINE


@pytest.mark.parametrize(
    "line",
    [
        ".loop: DEC A",
        "+   CLC",
        "-   LDA $0DD0,X",
        "..sub: RTS",
        "Inner: LDA #$00",
        ".next  INY",
        "-",
        "++",
    ],
)
def test_unfenced_label_and_instruction_on_one_line_keep_the_run(line):
    # issue 13 item 5: such lines cut the code and lost the entry label
    code = f"Main: LDA #$00\n    LDX #$0F\n{line}\n    STA $0E00,X\n    RTS\n"
    text = f"Here is my routine:\n\n{code}\nIt clears the table."
    assert extract_code(text, entry="Main") == code


def test_unfenced_run_keeps_the_entry_label_when_a_longer_run_follows():
    usage = "    JSR Clear\n    JSR Clear\n    JSR Clear\n    JSR Clear\n    RTS\n"
    text = f"The routine:\n{ROUTINE}\nCall it from your main loop like so:\n{usage}"
    assert extract_code(text, entry="Clear") == ROUTINE


@pytest.mark.parametrize(
    "prose",
    [
        "If the carry is set, the routine exits early.",
        "and so on.",
        "LDA is a load instruction.",
        "Table lookups would be slower here.",
        "Note: this is slow",
        "Bug: none.",
    ],
)
def test_prose_starting_with_an_instruction_or_directive_word_ends_the_run(prose):
    text = f"{ROUTINE}{prose}"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_crlf_tabs_and_output_prefix():
    text = "Output: Clear:\r\n\tSTZ $10\r\n\tRTS\r\n"
    assert extract_code(text) == "Clear:\n    STZ $10\n    RTS\n"


def test_prefix_word_that_is_the_entry_label_is_kept():
    code = "Result:\n    STZ $10\n    RTS\n"
    assert extract_code(f"Here:\n\n{code}", entry="Result") == code


def test_unclosed_fence_runs_to_the_end():
    assert extract_code(f"```asm\n{ROUTINE}") == ROUTINE


def test_unbalanced_fences_do_not_lose_the_code():
    assert extract_code(f"```\n```asm\n{ROUTINE}```\n```", entry="Clear") == ROUTINE


def test_prose_only_gives_empty():
    assert extract_code("I cannot help with that. Note: this is prose.\nBug: none.") == ""
    assert extract_code("") == ""


def test_non_string_gives_empty():
    assert extract_code(None) == ""  # type: ignore[arg-type]
    assert extract_code(b"LDA #0") == ""  # type: ignore[arg-type]


def test_sublabels_and_comments_kept():
    code = "EnemyDamage:\n    LDA $0E20,X   ; load\n    BPL .alive\n.alive:\n    RTS\n"
    assert extract_code(f"```asm\n{code}```") == code


def test_db_strings_with_words_are_code():
    code = 'Msg:\n    db "the carry is set here", $00\n    RTS\n'
    assert extract_code(f"```asm\n{code}```", entry="Msg") == code


@pytest.mark.parametrize("fenced", [True, False])
def test_a_line_of_5000_labels_is_code_not_a_crash(fenced):
    # issue 12 class 13: `a:a:a:...` raised a swallowed RecursionError and the answer became ""
    labels = "a:" * 5000
    code = f"Clear:\n{labels}\n    STZ $10\n    RTS\n"
    text = f"```asm\n{code}```" if fenced else f"My code:\n{code}"
    result, seconds = _timed(text, "Clear")
    assert result == code
    assert seconds < SECONDS_PER_MEGABYTE


HUGE_INPUTS = {
    "labels on one line": lambda n: "a:" * (n // 2),
    "instructions": lambda n: "LDA #$00\n" * (n // 9),
    "empty fences": lambda n: "```\n" * (n // 4),
    "one long comment": lambda n: "```asm\n    INC A ; " + "x" * n + "\n```",
    "minus labels": lambda n: "- " * (n // 2),
    "sublabels": lambda n: ".loop: " * (n // 7),
    "prefixes": lambda n: "Output: " * (n // 8),
    "words": lambda n: "word " * (n // 5),
    "tabs": lambda n: "\t" * n + "RTS",
    "backticks": lambda n: "`" * n,
    "opening fences": lambda n: "```asm\nClear:\n" * (n // 14),
    "unique labels": lambda n: "".join(f"L{i}:\n" for i in range(n // 9)),
    "unique fence soup": lambda n: "".join(f"```asm\nL{i}:\n" for i in range(n // 14)),
}


@pytest.mark.parametrize("make", HUGE_INPUTS.values(), ids=HUGE_INPUTS.keys())
def test_one_megabyte_inputs_are_linear(make):
    result, seconds = _timed(make(1_000_000), "Clear")
    assert isinstance(result, str)
    assert seconds < SECONDS_PER_MEGABYTE


def test_a_megabyte_of_prose_around_the_code_still_finds_it():
    prose = "The timer counts down once per frame and stops at zero.\n" * 18_000
    text = f"{prose}```asm\n{ROUTINE}```\n{prose}"
    result, seconds = _timed(text, "Clear")
    assert result == ROUTINE
    assert seconds < SECONDS_PER_MEGABYTE


@pytest.mark.parametrize("odd", ["\x00", "\ud800", "\udfff", "\u2028", "\u0085", "\ufeff"])
def test_nul_surrogates_and_unicode_line_separators_in_prose(odd):
    text = f"Here{odd} is the code{odd}:\n```asm\n{ROUTINE}```\nDone{odd}."
    assert extract_code(text, entry="Clear") == ROUTINE


def test_unicode_line_separator_is_not_a_line_end():
    # only \n, \r\n and \r end lines (as ASAR reads them); U+2028 inside a comment stays in it
    code = "Clear:\n    STZ $10 ; zero\u2028still the comment\n    RTS\n"
    assert extract_code(f"```asm\n{code}```", entry="Clear") == code


@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=12)))
def test_never_raises_on_random_text(text, entry):
    result = extract_code(text, entry)
    assert isinstance(result, str)
    assert "\r" not in result


@given(
    st.lists(
        st.sampled_from(["```", "```asm", "~~~", "Clear:", "  RTS", "a:a:", "- LDA", "", "x"]), max_size=40
    )
)
def test_never_raises_on_fence_soup(parts):
    result = extract_code("\n".join(parts), "Clear")
    assert isinstance(result, str)
    assert not result or result.endswith("\n")
