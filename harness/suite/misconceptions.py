"""Plausible wrong answers for mc questions: the random snippets (`harness.suite.snippets`) run under a
classic misconception.

A small source-level model of the snippet instruction set (`run_snippet`) computes the final state and
the CPU cycles, with any set of `Slip`s switched on: each slip is a mistake people make when reading
65816 code (the carry-in misread, the accumulator or index width misread, REP and SEP swapped, XBA
forgotten, a transfer taken as 8-bit, an 8-bit load taken to clear B), or when counting cycles (the
16-bit immediate or store cycle forgotten, or charged in 8-bit mode too, REP/SEP or XBA counted as 2,
the RTS left out, the JSR counted in, a direct-page penalty with D=$0000). The gold always comes from
the emulator; the model without slips must agree with it (`mc` rejects a snippet where it does not), so
a distractor is exactly "what you get if you believe X".

Why combinations: single slips around the gold make the gold the option most related to the others
(each distractor differs from it in one aspect). `mc` therefore offers the four corners of a square,
{gold, slip a, slip b, slips a+b}: every option then has two neighbours one slip away and one two slips
away, so the structure of the options says nothing about which corner is the truth. Cycle slips are
signed (some under-count, some over-count) and drawn with random signs, so the gold's rank among the
options is uniform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "CYCLE_SLIPS",
    "SnippetState",
    "Slip",
    "VALUE_SLIPS",
    "run_snippet",
]


class Slip(str, Enum):
    """One misconception (closed set)."""

    CARRY_IN = "carry-in misread"  # ADC/SBC/ROL use the opposite carry
    ACC_WIDTH = "m misread"  # accumulator operations at the other width
    INDEX_WIDTH = "x misread"  # index operations and transfers at the other width
    REP_SEP = "REP and SEP swapped"
    XBA_IGNORED = "XBA forgotten"
    TRANSFER_LOW = "transfers copy only the low byte"  # TAX/TAY/TXA/TYA move 8 bits, high byte cleared
    LOAD_CLEARS_B = "8-bit load clears B"
    # cycle counting
    NO_WIDE_IMMEDIATE = "16-bit immediate extra cycle forgotten"
    WIDE_IMMEDIATE_ALWAYS = "16-bit immediate cycle charged in 8-bit mode"
    NO_WIDE_STORE = "16-bit store extra cycle forgotten"
    MODE_TWO = "REP/SEP counted as 2 cycles"
    XBA_TWO = "XBA counted as 2 cycles"
    NO_RTS = "RTS not counted"
    WITH_JSR = "JSR counted too"
    DP_PENALTY = "direct-page penalty charged with D=$0000"


VALUE_SLIPS = (
    Slip.CARRY_IN,
    Slip.ACC_WIDTH,
    Slip.INDEX_WIDTH,
    Slip.REP_SEP,
    Slip.XBA_IGNORED,
    Slip.TRANSFER_LOW,
    Slip.LOAD_CLEARS_B,
)
CYCLE_SLIPS = (
    Slip.NO_WIDE_IMMEDIATE,
    Slip.WIDE_IMMEDIATE_ALWAYS,
    Slip.NO_WIDE_STORE,
    Slip.MODE_TWO,
    Slip.XBA_TWO,
    Slip.NO_RTS,
    Slip.WITH_JSR,
    Slip.DP_PENALTY,
)
_LINE_RE = re.compile(r"^\s*([A-Z]{3})(?:\s+(#?)\$([0-9A-F]+)|\s+A)?\s*$")


@dataclass
class SnippetState:
    """Registers, flags, modes and the scratch bytes a snippet can touch."""

    a: int
    x: int
    y: int
    carry: int
    m: int
    x_flag: int
    memory: dict[int, int] = field(default_factory=dict)
    cycles: int = 0

    def value(self, name: str) -> int:
        return {"A": self.a, "X": self.x, "Y": self.y}[name]


class UnknownInstruction(ValueError):
    """The model covers the snippet generator's instructions only."""


def _width_m(state: SnippetState, slips: frozenset[Slip]) -> int:
    """1 when the accumulator is (believed) 8-bit."""
    return state.m ^ (Slip.ACC_WIDTH in slips)


def _width_x(state: SnippetState, slips: frozenset[Slip]) -> int:
    return state.x_flag ^ (Slip.INDEX_WIDTH in slips)


def _set_a(state: SnippetState, value: int, eight: int) -> None:
    state.a = (state.a & 0xFF00) | (value & 0xFF) if eight else value & 0xFFFF


def _add(state: SnippetState, operand: int, eight: int, carry_in: int) -> None:
    mask = 0xFF if eight else 0xFFFF
    total = (state.a & mask) + (operand & mask) + carry_in
    state.carry = int(total > mask)
    _set_a(state, total, eight)


def _carry_in(state: SnippetState, slips: frozenset[Slip]) -> int:
    return state.carry ^ (Slip.CARRY_IN in slips)


def _immediate_cycles(digits: int, slips: frozenset[Slip]) -> int:
    """2 cycles, plus 1 for a 16-bit immediate (four digits: the snippets size them to the mode)."""
    wide = digits == 4
    if wide and Slip.NO_WIDE_IMMEDIATE in slips:
        return 2
    if not wide and Slip.WIDE_IMMEDIATE_ALWAYS in slips:
        return 3
    return 2 + wide


def _accumulator(op: str, state: SnippetState, operand: int, digits: int, slips: frozenset[Slip]) -> None:
    eight = _width_m(state, slips)
    mask = 0xFF if eight else 0xFFFF
    value = operand & mask
    if op == "LDA":
        if eight and Slip.LOAD_CLEARS_B in slips:
            state.a = value
        else:
            _set_a(state, value, eight)
    elif op == "ADC":
        _add(state, value, eight, _carry_in(state, slips))
    elif op == "SBC":
        _add(state, value ^ mask, eight, _carry_in(state, slips))
    elif op == "CMP":
        state.carry = int((state.a & mask) >= value)
    elif op == "AND":
        _set_a(state, state.a & value, eight)
    elif op == "ORA":
        _set_a(state, state.a | value, eight)
    elif op == "EOR":
        _set_a(state, state.a ^ value, eight)
    state.cycles += _immediate_cycles(digits, slips)


def _mode(op: str, state: SnippetState, bits: int, slips: frozenset[Slip]) -> None:
    sets = (op == "SEP") != (Slip.REP_SEP in slips)
    if bits & 0x20:
        state.m = int(sets)
    if bits & 0x10:
        state.x_flag = int(sets)
        if sets:
            state.x &= 0xFF
            state.y &= 0xFF
    state.cycles += 2 if Slip.MODE_TWO in slips else 3


def _transfer(op: str, state: SnippetState, slips: frozenset[Slip]) -> None:
    low_only = Slip.TRANSFER_LOW in slips
    if op in ("TAX", "TAY"):
        value = state.a & 0xFF if _width_x(state, slips) or low_only else state.a
        setattr(state, op[2].lower(), value)
    else:
        source = state.x if op == "TXA" else state.y
        if _width_m(state, slips):
            _set_a(state, source, 1)
        else:
            state.a = source & 0xFF if low_only else source & 0xFFFF
    state.cycles += 2


def _implied(op: str, state: SnippetState, slips: frozenset[Slip]) -> None:
    eight_a = _width_m(state, slips)
    mask_a = 0xFF if eight_a else 0xFFFF
    mask_x = 0xFF if _width_x(state, slips) else 0xFFFF
    top = 0x80 if eight_a else 0x8000
    cycles = 2
    if op == "XBA":
        if Slip.XBA_IGNORED not in slips:
            state.a = ((state.a & 0xFF) << 8) | (state.a >> 8)
        cycles = 2 if Slip.XBA_TWO in slips else 3
    elif op in ("TAX", "TAY", "TXA", "TYA"):
        _transfer(op, state, slips)
        return
    elif op in ("INX", "DEX", "INY"):
        register = "y" if op == "INY" else "x"
        step = -1 if op == "DEX" else 1
        value = getattr(state, register)
        setattr(state, register, (value & ~mask_x & 0xFFFF) | ((value + step) & mask_x))
    elif op == "CLC":
        state.carry = 0
    elif op == "SEC":
        state.carry = 1
    elif op == "INC":
        _set_a(state, (state.a & mask_a) + 1, eight_a)
    elif op == "ASL":
        state.carry = int(bool(state.a & top))
        _set_a(state, (state.a & mask_a) << 1, eight_a)
    elif op == "LSR":
        state.carry = state.a & 1
        _set_a(state, (state.a & mask_a) >> 1, eight_a)
    elif op == "ROL":
        carry_in = _carry_in(state, slips)
        state.carry = int(bool(state.a & top))
        _set_a(state, ((state.a & mask_a) << 1) | carry_in, eight_a)
    else:
        raise UnknownInstruction(op)
    state.cycles += cycles


def _store(state: SnippetState, address: int, slips: frozenset[Slip]) -> None:
    eight = _width_m(state, slips)
    state.memory[address] = state.a & 0xFF
    if not eight:
        state.memory[address + 1] = state.a >> 8
    wide = not state.m
    state.cycles += 3 + (wide and Slip.NO_WIDE_STORE not in slips) + (Slip.DP_PENALTY in slips)


def _step(line: str, state: SnippetState, slips: frozenset[Slip]) -> bool:
    """Execute one line; False at RTS."""
    match = _LINE_RE.match(line.upper())
    if match is None:
        raise UnknownInstruction(line)
    op, immediate, digits = match.group(1), match.group(2), match.group(3)
    if op == "RTS":
        state.cycles += 0 if Slip.NO_RTS in slips else 6
        return False
    if digits is None:
        _implied(op, state, slips)
    elif op in ("REP", "SEP"):
        _mode(op, state, int(digits, 16), slips)
    elif op in ("LDX", "LDY") and immediate:
        setattr(state, op[2].lower(), int(digits, 16) & (0xFF if _width_x(state, slips) else 0xFFFF))
        state.cycles += _immediate_cycles(len(digits), slips)
    elif op == "STA" and not immediate:
        _store(state, int(digits, 16), slips)
    elif immediate:
        _accumulator(op, state, int(digits, 16), len(digits), slips)
    else:
        raise UnknownInstruction(line)
    return True


def run_snippet(source: str, start: SnippetState, slips: Iterable[Slip] = ()) -> SnippetState:
    """The final state of a snippet (`Label:` then one instruction per line, RTS last) under `slips`.

    `cycles` counts from the first instruction through the RTS (the JSR excluded, as the questions
    ask), unless a cycle slip says otherwise. Raises UnknownInstruction outside the modelled set.
    """
    active = frozenset(slips)
    state = SnippetState(start.a, start.x, start.y, start.carry, start.m, start.x_flag, dict(start.memory))
    if state.x_flag:
        state.x &= 0xFF
        state.y &= 0xFF
    if Slip.WITH_JSR in active:
        state.cycles += 6
    for line in source.splitlines():
        if not line.strip() or line.strip().endswith(":"):
            continue
        if not _step(line, state, active):
            break
    return state
