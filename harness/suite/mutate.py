"""Mutation operators for 65816 assembly in ASAR syntax: the mutants a task's spec must kill.

Public API: `mutants(source) -> list[Mutant]`, each with the operator, the 1-based line changed, a
human description and the whole mutated source. Pure text in, text out: nothing is assembled here, so
the module can be reused by training-data synthesis (as "plausible buggy variants") without ASAR.

Operators (a closed set, `Operator`):
- OPCODE: swap within an opcode family (ADC<->SBC, AND/ORA/EOR, INC<->DEC, INX<->DEX, ASL<->LSR,
  ROL<->ROR, TAX<->TAY, TXA<->TYA, LDX<->LDY, STX<->STY, CPX<->CPY, TSB<->TRB, MVN<->MVP, STA->STZ)
- IMMEDIATE: an immediate operand +1 and -1, keeping its digit count (and so ASAR's operand width)
- BRANCH: the opposite condition (BCC<->BCS, BEQ<->BNE, BPL<->BMI, BVC<->BVS) and the classic loop
  bound slip BPL<->BNE
- INDEX: `,X` <-> `,Y` on indexed operands
- DROP_CARRY: delete a SEC or CLC
- MODE: REP<->SEP with the same operand, and the m/x bits of a REP/SEP flipped ($20 <-> $30 <-> $10)
Mutants that happen to be textually identical to the source or to an earlier mutant are dropped.
Mutants that do not assemble ("stillborn") are the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["Mutant", "Operator", "mutants"]


class Operator(str, Enum):
    """The mutation operators (closed set)."""

    OPCODE = "opcode"
    IMMEDIATE = "immediate"
    BRANCH = "branch"
    INDEX = "index"
    DROP_CARRY = "drop_carry"
    MODE = "mode"


@dataclass(frozen=True)
class Mutant:
    """One single-point change of a source."""

    operator: Operator
    line: int
    description: str
    source: str


_OPCODE_SWAPS: dict[str, tuple[str, ...]] = {
    "ADC": ("SBC",),
    "SBC": ("ADC",),
    "AND": ("ORA", "EOR"),
    "ORA": ("AND", "EOR"),
    "EOR": ("AND", "ORA"),
    "INC": ("DEC",),
    "DEC": ("INC",),
    "INX": ("DEX",),
    "DEX": ("INX",),
    "INY": ("DEY",),
    "DEY": ("INY",),
    "ASL": ("LSR",),
    "LSR": ("ASL",),
    "ROL": ("ROR",),
    "ROR": ("ROL",),
    "TAX": ("TAY",),
    "TAY": ("TAX",),
    "TXA": ("TYA",),
    "TYA": ("TXA",),
    "TXY": ("TYX",),
    "TYX": ("TXY",),
    "LDX": ("LDY",),
    "LDY": ("LDX",),
    "STX": ("STY",),
    "STY": ("STX",),
    "CPX": ("CPY",),
    "CPY": ("CPX",),
    "TSB": ("TRB",),
    "TRB": ("TSB",),
    "MVN": ("MVP",),
    "MVP": ("MVN",),
    "STA": ("STZ",),
    "PHX": ("PHY",),
    "PHY": ("PHX",),
    "PLX": ("PLY",),
    "PLY": ("PLX",),
}
_BRANCH_SWAPS: dict[str, tuple[str, ...]] = {
    "BCC": ("BCS",),
    "BCS": ("BCC",),
    "BEQ": ("BNE",),
    "BNE": ("BEQ", "BPL"),
    "BPL": ("BMI", "BNE"),
    "BMI": ("BPL",),
    "BVC": ("BVS",),
    "BVS": ("BVC",),
}
_DATA_DIRECTIVES = frozenset({"db", "dw", "dl", "dd"})
# [label:] MNEMONIC[.w] [operand] [; comment]
_LINE_RE = re.compile(
    r"^(?P<prefix>\s*(?:[A-Za-z_.][\w.]*:\s*|[-+]+\s+)?)"
    r"(?P<mnemonic>[A-Za-z]{2,3})(?P<size>\.[bwlBWL])?"
    r"(?P<rest>(?:\s+[^;]*?)?)(?P<comment>\s*;.*)?$"
)
_IMMEDIATE_RE = re.compile(r"#(?P<sign>-?)(?P<body>\$[0-9A-Fa-f]+|%[01]+|\d+)\b")
_INDEX_RE = re.compile(r",\s*(?P<reg>[XxYy])\s*$")


@dataclass(frozen=True)
class _Instruction:
    index: int
    prefix: str
    mnemonic: str
    size: str
    rest: str
    comment: str

    def render(self, mnemonic: str | None = None, rest: str | None = None) -> str:
        mnem = mnemonic if mnemonic is not None else self.mnemonic
        if self.mnemonic.islower():
            mnem = mnem.lower()
        return f"{self.prefix}{mnem}{self.size}{self.rest if rest is None else rest}{self.comment}"


def _parse(lines: list[str]) -> list[_Instruction]:
    """Instruction lines only (labels alone, directives, data, blank lines and comments are skipped)."""
    found = []
    for index, line in enumerate(lines):
        match = _LINE_RE.match(line)
        if not match or match.group("mnemonic").lower() in _DATA_DIRECTIVES:
            continue
        mnemonic = match.group("mnemonic")
        if mnemonic.upper() not in _KNOWN:
            continue
        found.append(
            _Instruction(
                index,
                match.group("prefix"),
                mnemonic.upper() if mnemonic.isupper() else mnemonic,
                match.group("size") or "",
                match.group("rest") or "",
                match.group("comment") or "",
            )
        )
    return found


def _shift_number(body: str, delta: int) -> str | None:
    """`$1F` + delta keeping the digit count (wrapping within it); decimal and binary likewise."""
    if body.startswith("$"):
        digits = len(body) - 1
        value = (int(body[1:], 16) + delta) % (16**digits)
        return f"${value:0{digits}X}"
    if body.startswith("%"):
        digits = len(body) - 1
        value = (int(body[1:], 2) + delta) % (2**digits)
        return f"%{value:0{digits}b}"
    value = int(body) + delta
    return str(value) if value >= 0 else None


def _opcode(ins: _Instruction) -> list[tuple[Operator, str, str]]:
    out = []
    for other in _OPCODE_SWAPS.get(ins.mnemonic.upper(), ()):
        if other == "STZ" and "#" in ins.rest:
            continue
        out.append((Operator.OPCODE, ins.render(other), f"{ins.mnemonic.upper()} -> {other}"))
    return out


def _branch(ins: _Instruction) -> list[tuple[Operator, str, str]]:
    return [
        (Operator.BRANCH, ins.render(other), f"{ins.mnemonic.upper()} -> {other}")
        for other in _BRANCH_SWAPS.get(ins.mnemonic.upper(), ())
    ]


def _immediate(ins: _Instruction) -> list[tuple[Operator, str, str]]:
    if ins.mnemonic.upper() in ("REP", "SEP"):
        return []
    match = _IMMEDIATE_RE.search(ins.rest)
    if not match:
        return []
    out = []
    for delta in (1, -1):
        shifted = _shift_number(match.group("body"), delta)
        if shifted is None:
            continue
        rest = ins.rest[: match.start("body")] + shifted + ins.rest[match.end("body") :]
        out.append((Operator.IMMEDIATE, ins.render(rest=rest), f"#{match.group('body')} -> #{shifted}"))
    return out


def _index(ins: _Instruction) -> list[tuple[Operator, str, str]]:
    match = _INDEX_RE.search(ins.rest)
    if not match or ")" in ins.rest or "]" in ins.rest:
        return []
    reg = match.group("reg")
    other = {"X": "Y", "Y": "X", "x": "y", "y": "x"}[reg]
    rest = ins.rest[: match.start("reg")] + other + ins.rest[match.end("reg") :]
    return [(Operator.INDEX, ins.render(rest=rest), f",{reg.upper()} -> ,{other.upper()}")]


def _mode(ins: _Instruction) -> list[tuple[Operator, str, str]]:
    name = ins.mnemonic.upper()
    if name not in ("REP", "SEP"):
        return []
    out = [
        (
            Operator.MODE,
            ins.render("SEP" if name == "REP" else "REP"),
            f"{name} -> {'SEP' if name == 'REP' else 'REP'}",
        )
    ]
    match = _IMMEDIATE_RE.search(ins.rest)
    if match and match.group("body").startswith("$"):
        value = int(match.group("body")[1:], 16)
        for flipped in (value ^ 0x10, value ^ 0x20):
            if flipped & 0x30 and flipped != value:
                rest = ins.rest[: match.start("body")] + f"${flipped:02X}" + ins.rest[match.end("body") :]
                out.append((Operator.MODE, ins.render(rest=rest), f"{name} #${value:02X} -> #${flipped:02X}"))
    return out


_KNOWN = frozenset(
    "ADC AND ASL BCC BCS BEQ BIT BMI BNE BPL BRA BRK BRL BVC BVS CLC CLD CLI CLV CMP COP CPX CPY DEC DEX DEY "
    "EOR INC INX INY JML JMP JSL JSR LDA LDX LDY LSR MVN MVP NOP ORA PEA PEI PER PHA PHB PHD PHK PHP PHX PHY "
    "PLA PLB PLD PLP PLX PLY REP ROL ROR RTI RTL RTS SBC SEC SED SEI SEP STA STP STX STY STZ TAX TAY TCD TCS "
    "TDC TRB TSB TSC TSX TXA TXS TXY TYA TYX WAI WDM XBA XCE".split()
)


def mutants(source: str) -> list[Mutant]:
    """Every single-point mutant of `source`, in line order then operator order, without duplicates."""
    lines = source.split("\n")
    seen = {source}
    result: list[Mutant] = []
    for ins in _parse(lines):
        edits = [*_opcode(ins), *_branch(ins), *_immediate(ins), *_index(ins), *_mode(ins)]
        if ins.mnemonic.upper() in ("SEC", "CLC"):
            edits.append((Operator.DROP_CARRY, None, f"drop {ins.mnemonic.upper()}"))  # type: ignore[arg-type]
        for operator, new_line, description in edits:
            if new_line is None:
                new_lines = lines[: ins.index] + lines[ins.index + 1 :]
                if ins.prefix.strip():  # keep a label that shared the line
                    new_lines.insert(ins.index, ins.prefix.rstrip())
            else:
                new_lines = [*lines[: ins.index], new_line, *lines[ins.index + 1 :]]
            mutated = "\n".join(new_lines)
            if mutated in seen:
                continue
            seen.add(mutated)
            result.append(Mutant(operator, ins.index + 1, description, mutated))
    return result
