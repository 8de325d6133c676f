"""Unit tests of harness.suite.mutate: pure text, no ASAR needed."""

from __future__ import annotations

from harness.suite.mutate import Mutant, Operator, mutants

# Sprite damage, the user's trap routine done right.
DAMAGE = """Damage:
    LDA $0E50,X
    SEC
    SBC #$10
    BCC .kill
    STA $0E50,X
    RTS
.kill:
    STZ $0DD0,X
    RTS
"""


def _by(operator: Operator, source: str = DAMAGE) -> list[Mutant]:
    return [m for m in mutants(source) if m.operator is operator]


def test_mutants_returns_public_dataclass_with_one_based_lines() -> None:
    found = mutants(DAMAGE)
    assert found and all(isinstance(m, Mutant) for m in found)
    drop = [m for m in found if m.operator is Operator.DROP_CARRY]
    assert [m.line for m in drop] == [3]
    assert "SEC" not in drop[0].source
    assert drop[0].source.count("\n") == DAMAGE.count("\n") - 1


def test_every_mutant_differs_from_source_and_from_each_other() -> None:
    found = mutants(DAMAGE)
    sources = [m.source for m in found]
    assert DAMAGE not in sources
    assert len(set(sources)) == len(sources)


def test_immediate_keeps_digit_count_so_asar_keeps_operand_width() -> None:
    # LDA #$FFFF in 16-bit mode: +1 must wrap to #$0000 (4 digits), never #$10000 or #$0.
    found = _by(Operator.IMMEDIATE, "F:\n    LDA #$FFFF\n    AND #$0F\n    RTS\n")
    lines = sorted(m.source.split("\n")[m.line - 1].strip() for m in found)
    assert lines == ["AND #$0E", "AND #$10", "LDA #$0000", "LDA #$FFFE"]


def test_branch_flips_condition_and_loop_bound() -> None:
    found = _by(Operator.BRANCH, "F:\n.loop:\n    DEX\n    BPL .loop\n    RTS\n")
    assert sorted(m.description for m in found) == ["BPL -> BMI", "BPL -> BNE"]


def test_index_swap_only_on_indexed_operands() -> None:
    found = _by(Operator.INDEX)
    assert {m.line for m in found} == {2, 6, 9}
    assert all(",Y" in m.source.split("\n")[m.line - 1] for m in found)
    # (dp),Y and stack-relative operands are left alone: the swapped forms do not exist
    assert _by(Operator.INDEX, "F:\n    LDA ($10),Y\n    LDA $03,S\n    RTS\n") == []


def test_mode_flips_rep_sep_and_width_bits() -> None:
    found = _by(Operator.MODE, "F:\n    REP #$20\n    RTS\n")
    assert sorted(m.description for m in found) == ["REP #$20 -> #$30", "REP -> SEP"]


def test_opcode_families_and_labels_untouched() -> None:
    found = _by(Operator.OPCODE)
    assert {m.description for m in found} >= {"SBC -> ADC", "STA -> STZ"}
    for m in mutants(DAMAGE):
        assert m.source.split("\n")[0] == "Damage:" and ".kill:" in m.source


def test_data_directives_comments_and_labels_are_not_mutated() -> None:
    source = "F:\n    LDA .t,X ; load\n    RTS\n.t:\n    db $01,$02\n    dw $1234\n"
    for m in mutants(source):
        assert m.line == 2
        assert m.source.endswith(".t:\n    db $01,$02\n    dw $1234\n")
        assert "; load" in m.source


def test_lowercase_source_stays_lowercase() -> None:
    found = mutants("f:\n    lda #$10\n    clc\n    adc $10\n    rts\n")
    assert any("    sbc $10" in m.source for m in found)
    assert all("SBC" not in m.source for m in found)


def test_label_on_instruction_line_is_kept_when_dropping() -> None:
    found = _by(Operator.DROP_CARRY, "F: CLC\n    ADC #$01\n    RTS\n")
    assert len(found) == 1 and found[0].source.startswith("F:")
