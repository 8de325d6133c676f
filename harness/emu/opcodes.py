"""The 65816 opcode table: one row per opcode, shared by the CPU code generator and the disassembler.

Each row names the mnemonic, the addressing mode (which fixes the operand bytes, the syntax and the
bus pattern) and the operation kind (read / write / read-modify-write / special), so a mnemonic is
written once. Width rules: `M` ops use the accumulator width, `X` ops the index width.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Mode", "Kind", "Opcode", "OPCODES", "opcode_for", "operand_length"]


class Mode(enum.Enum):
    """Addressing modes, numbered in the order of WDC's datasheet table 5-7 where one exists."""

    IMP = "imp"  # implied / stack
    ACC = "acc"  # A
    IMM_M = "imm_m"  # #const, width from m
    IMM_X = "imm_x"  # #const, width from x
    IMM8 = "imm8"  # #const, always one byte (REP, SEP, COP, BRK signature, WDM)
    ABS = "abs"  # a
    ABS_X = "abs_x"  # a,x
    ABS_Y = "abs_y"  # a,y
    LONG = "long"  # al
    LONG_X = "long_x"  # al,x
    DP = "dp"  # d
    DP_X = "dp_x"  # d,x
    DP_Y = "dp_y"  # d,y
    DP_IND = "dp_ind"  # (d)
    DP_IND_LONG = "dp_ind_long"  # [d]
    DP_X_IND = "dp_x_ind"  # (d,x)
    DP_IND_Y = "dp_ind_y"  # (d),y
    DP_IND_LONG_Y = "dp_ind_long_y"  # [d],y
    SR = "sr"  # d,s
    SR_IND_Y = "sr_ind_y"  # (d,s),y
    ABS_IND = "abs_ind"  # (a)      JMP
    ABS_X_IND = "abs_x_ind"  # (a,x)  JMP/JSR
    ABS_IND_LONG = "abs_ind_long"  # [a]  JML
    REL8 = "rel8"  # branches
    REL16 = "rel16"  # BRL, PER
    BLOCK = "block"  # MVN/MVP: dst bank, src bank


class Kind(enum.Enum):
    """How an operation uses its operand: decides the bus pattern around the addressing mode."""

    READ = "read"
    WRITE = "write"
    RMW = "rmw"
    SPECIAL = "special"


_FIXED_LEN = {
    Mode.IMP: 0,
    Mode.ACC: 0,
    Mode.IMM8: 1,
    Mode.ABS: 2,
    Mode.ABS_X: 2,
    Mode.ABS_Y: 2,
    Mode.LONG: 3,
    Mode.LONG_X: 3,
    Mode.DP: 1,
    Mode.DP_X: 1,
    Mode.DP_Y: 1,
    Mode.DP_IND: 1,
    Mode.DP_IND_LONG: 1,
    Mode.DP_X_IND: 1,
    Mode.DP_IND_Y: 1,
    Mode.DP_IND_LONG_Y: 1,
    Mode.SR: 1,
    Mode.SR_IND_Y: 1,
    Mode.ABS_IND: 2,
    Mode.ABS_X_IND: 2,
    Mode.ABS_IND_LONG: 2,
    Mode.REL8: 1,
    Mode.REL16: 2,
    Mode.BLOCK: 2,
}

_READ = {"ORA", "AND", "EOR", "ADC", "LDA", "CMP", "SBC", "BIT", "LDX", "LDY", "CPX", "CPY"}
_WRITE = {"STA", "STX", "STY", "STZ"}
_RMW = {"ASL", "ROL", "LSR", "ROR", "INC", "DEC", "TSB", "TRB"}
_X_WIDTH = {"LDX", "LDY", "CPX", "CPY", "STX", "STY"}


@dataclass(frozen=True)
class Opcode:
    """One table row. `width` is "M", "X" or "" (fixed); `kind` picks the bus pattern."""

    code: int
    mnemonic: str
    mode: Mode
    kind: Kind
    width: str


# Opcode matrix, row by row ($00-$0F, $10-$1F, ...): "MNEMONIC mode".
_MATRIX = """
BRK imm8|ORA dp_x_ind|COP imm8|ORA sr|TSB dp|ORA dp|ASL dp|ORA dp_ind_long|PHP imp|ORA imm_m|ASL acc|PHD imp|TSB abs|ORA abs|ASL abs|ORA long
BPL rel8|ORA dp_ind_y|ORA dp_ind|ORA sr_ind_y|TRB dp|ORA dp_x|ASL dp_x|ORA dp_ind_long_y|CLC imp|ORA abs_y|INC acc|TCS imp|TRB abs|ORA abs_x|ASL abs_x|ORA long_x
JSR abs|AND dp_x_ind|JSL long|AND sr|BIT dp|AND dp|ROL dp|AND dp_ind_long|PLP imp|AND imm_m|ROL acc|PLD imp|BIT abs|AND abs|ROL abs|AND long
BMI rel8|AND dp_ind_y|AND dp_ind|AND sr_ind_y|BIT dp_x|AND dp_x|ROL dp_x|AND dp_ind_long_y|SEC imp|AND abs_y|DEC acc|TSC imp|BIT abs_x|AND abs_x|ROL abs_x|AND long_x
RTI imp|EOR dp_x_ind|WDM imm8|EOR sr|MVP block|EOR dp|LSR dp|EOR dp_ind_long|PHA imp|EOR imm_m|LSR acc|PHK imp|JMP abs|EOR abs|LSR abs|EOR long
BVC rel8|EOR dp_ind_y|EOR dp_ind|EOR sr_ind_y|MVN block|EOR dp_x|LSR dp_x|EOR dp_ind_long_y|CLI imp|EOR abs_y|PHY imp|TCD imp|JML long|EOR abs_x|LSR abs_x|EOR long_x
RTS imp|ADC dp_x_ind|PER rel16|ADC sr|STZ dp|ADC dp|ROR dp|ADC dp_ind_long|PLA imp|ADC imm_m|ROR acc|RTL imp|JMP abs_ind|ADC abs|ROR abs|ADC long
BVS rel8|ADC dp_ind_y|ADC dp_ind|ADC sr_ind_y|STZ dp_x|ADC dp_x|ROR dp_x|ADC dp_ind_long_y|SEI imp|ADC abs_y|PLY imp|TDC imp|JMP abs_x_ind|ADC abs_x|ROR abs_x|ADC long_x
BRA rel8|STA dp_x_ind|BRL rel16|STA sr|STY dp|STA dp|STX dp|STA dp_ind_long|DEY imp|BIT imm_m|TXA imp|PHB imp|STY abs|STA abs|STX abs|STA long
BCC rel8|STA dp_ind_y|STA dp_ind|STA sr_ind_y|STY dp_x|STA dp_x|STX dp_y|STA dp_ind_long_y|TYA imp|STA abs_y|TXS imp|TXY imp|STZ abs|STA abs_x|STZ abs_x|STA long_x
LDY imm_x|LDA dp_x_ind|LDX imm_x|LDA sr|LDY dp|LDA dp|LDX dp|LDA dp_ind_long|TAY imp|LDA imm_m|TAX imp|PLB imp|LDY abs|LDA abs|LDX abs|LDA long
BCS rel8|LDA dp_ind_y|LDA dp_ind|LDA sr_ind_y|LDY dp_x|LDA dp_x|LDX dp_y|LDA dp_ind_long_y|CLV imp|LDA abs_y|TSX imp|TYX imp|LDY abs_x|LDA abs_x|LDX abs_y|LDA long_x
CPY imm_x|CMP dp_x_ind|REP imm8|CMP sr|CPY dp|CMP dp|DEC dp|CMP dp_ind_long|INY imp|CMP imm_m|DEX imp|WAI imp|CPY abs|CMP abs|DEC abs|CMP long
BNE rel8|CMP dp_ind_y|CMP dp_ind|CMP sr_ind_y|PEI dp_ind|CMP dp_x|DEC dp_x|CMP dp_ind_long_y|CLD imp|CMP abs_y|PHX imp|STP imp|JML abs_ind_long|CMP abs_x|DEC abs_x|CMP long_x
CPX imm_x|SBC dp_x_ind|SEP imm8|SBC sr|CPX dp|SBC dp|INC dp|SBC dp_ind_long|INX imp|SBC imm_m|NOP imp|XBA imp|CPX abs|SBC abs|INC abs|SBC long
BEQ rel8|SBC dp_ind_y|SBC dp_ind|SBC sr_ind_y|PEA abs|SBC dp_x|INC dp_x|SBC dp_ind_long_y|SED imp|SBC abs_y|PLX imp|XCE imp|JSR abs_x_ind|SBC abs_x|INC abs_x|SBC long_x
"""


def _kind(mnemonic: str, mode: Mode) -> Kind:
    if mode in (Mode.IMP, Mode.ACC) and mnemonic in _RMW:
        return Kind.RMW
    if mnemonic in _READ:
        return Kind.READ
    if mnemonic in _WRITE:
        return Kind.WRITE
    if mnemonic in _RMW:
        return Kind.RMW
    return Kind.SPECIAL


def _build() -> tuple[Opcode, ...]:
    rows: list[Opcode] = []
    for line in _MATRIX.strip().splitlines():
        for cell in line.split("|"):
            mnemonic, mode_name = cell.split()
            mode = Mode(mode_name)
            kind = _kind(mnemonic, mode)
            if kind is Kind.SPECIAL:
                width = ""
            else:
                width = "X" if mnemonic in _X_WIDTH else "M"
            rows.append(Opcode(len(rows), mnemonic, mode, kind, width))
    if len(rows) != 256:  # pragma: no cover - guards the table literal
        raise AssertionError(f"opcode table has {len(rows)} rows, expected 256")
    return tuple(rows)


OPCODES: tuple[Opcode, ...] = _build()


def operand_length(op: Opcode, *, m: int, x: int) -> int:
    """Operand bytes after the opcode; immediate width follows the m / x flags."""
    if op.mode is Mode.IMM_M:
        return 1 if m else 2
    if op.mode is Mode.IMM_X:
        return 1 if x else 2
    return _FIXED_LEN[op.mode]


def opcode_for(mnemonic: str, mode: Mode) -> Opcode:
    """Look up the row for a mnemonic + mode (used by tests' mini assembler)."""
    for op in OPCODES:
        if op.mnemonic == mnemonic.upper() and op.mode is mode:
            return op
    raise KeyError(f"no opcode {mnemonic} {mode.value}")
