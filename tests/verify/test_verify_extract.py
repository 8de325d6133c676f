"""Code extraction from completions: every form the issue lists, and never an exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.verify import extract_code

ROUTINE = "Clear:\n    STZ $10\n    RTS\n"


def test_asm_fence_with_prose():
    text = f"Here is the routine:\n\n```asm\n{ROUTINE}```\n\nIt stores zero."
    assert extract_code(text) == ROUTINE


def test_other_fence_tags_and_bare_fence():
    for tag in ("65816", "asar", "", "ASM", "65c816"):
        assert extract_code(f"```{tag}\n{ROUTINE}```") == ROUTINE


def test_block_defining_entry_wins_over_later_usage_example():
    text = f"```asm\n{ROUTINE}```\nUse it like this:\n```asm\n    JSR Clear\n```"
    assert extract_code(text, entry="Clear") == ROUTINE


def test_without_entry_the_last_code_block_wins():
    old = "Clear:\n    LDA #$00\n    STA $10\n    RTS\n"
    text = f"Before:\n```asm\n{old}```\nAfter:\n```asm\n{ROUTINE}```\nOutput:\n```\nA = $00\n```"
    assert extract_code(text) == ROUTINE


def test_bare_code_without_fence():
    text = f"Sure. The answer is below.\n{ROUTINE}\nThis saves two cycles."
    assert extract_code(text) == ROUTINE


def test_crlf_tabs_and_output_prefix():
    text = "Output: Clear:\r\n\tSTZ $10\r\n\tRTS\r\n"
    assert extract_code(text) == "Clear:\n    STZ $10\n    RTS\n"


def test_unclosed_fence_runs_to_the_end():
    assert extract_code(f"```asm\n{ROUTINE}") == ROUTINE


def test_prose_only_gives_empty():
    assert extract_code("I cannot help with that. Note: this is prose.\nBug: none.") == ""
    assert extract_code("") == ""


def test_non_string_gives_empty():
    assert extract_code(None) == ""  # type: ignore[arg-type]
    assert extract_code(b"LDA #0") == ""  # type: ignore[arg-type]


def test_sublabels_and_comments_kept():
    code = "EnemyDamage:\n    LDA $0E20,X   ; load\n    BPL .alive\n.alive:\n    RTS\n"
    assert extract_code(f"```asm\n{code}```") == code


@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=12)))
def test_never_raises_on_random_text(text, entry):
    result = extract_code(text, entry)
    assert isinstance(result, str)
    assert "\r" not in result
