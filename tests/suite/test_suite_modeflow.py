"""The static no-op proof for REP/SEP bit flips (harness.suite.modeflow)."""

from __future__ import annotations

from harness.suite.modeflow import mode_flip_is_noop, mode_states

# 16-bit work with 8-bit index registers at entry (x=1): SEP #$30 at the end changes nothing SEP #$20 does not.
WIDEN = "F:\n    REP #$20\n    LDA $10\n    STA $12\n    SEP #$20\n    RTS\n"


def _flip(source: str, line: int, old: str, new: str) -> str:
    lines = source.split("\n")
    lines[line - 1] = lines[line - 1].replace(old, new)
    return "\n".join(lines)


def test_sep_flip_is_proved_when_x_is_already_set() -> None:
    assert mode_flip_is_noop(WIDEN, _flip(WIDEN, 5, "#$20", "#$30"), 5, m=1, x=1)


def test_same_flip_is_not_a_noop_when_x_is_clear() -> None:
    assert not mode_flip_is_noop(WIDEN, _flip(WIDEN, 5, "#$20", "#$30"), 5, m=1, x=0)


def test_rep_sep_swap_is_never_claimed() -> None:
    assert not mode_flip_is_noop(WIDEN, _flip(WIDEN, 2, "REP", "SEP"), 2, m=1, x=1)


def test_join_of_different_widths_is_unknown() -> None:
    # x is 0 on one path into .done and 1 on the other: nothing can be proved there
    source = "F:\n    BCC .wide\n    BRA .done\n.wide:\n    REP #$10\n.done:\n    SEP #$20\n    RTS\n"
    states = mode_states(source, 1, 1)
    assert states is not None and states[6] == (1, -1)
    assert not mode_flip_is_noop(source, _flip(source, 7, "#$20", "#$30"), 7, m=1, x=1)


def test_declines_on_plp_anonymous_labels_and_unknown_jumps() -> None:
    assert mode_states("F:\n    PHP\n    REP #$30\n    PLP\n    RTS\n", 1, 1) is None
    assert mode_states("F:\n    BCC +\n    INX\n+\n    RTS\n", 1, 1) is None
    assert mode_states("F:\n    JMP ($0010)\n", 1, 1) is None


def test_jump_table_targets_are_followed() -> None:
    source = "F:\n    ASL A\n    TAX\n    JMP (.t,X)\n.t:\n    dw .a, .b\n.a:\n    REP #$20\n    RTS\n.b:\n    RTS\n"
    states = mode_states(source, 1, 1)
    assert states is not None and states[7] == (1, 1) and states[10] == (1, 1)
