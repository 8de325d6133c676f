"""A small static proof for one class of equivalent mutants: REP/SEP bit flips that change nothing.

`SEP #$20 -> SEP #$30` is equivalent when x is already 1 wherever that instruction runs. This module
computes, for every instruction, the m and x flags on entry (0, 1, or unknown) by a forward data-flow
over the routine's control-flow graph, starting from the spec's mode. It gives up (returns None) when
the control flow is not fully known: anonymous labels, indirect jumps other than `JMP (table,X)` over
a local `dw` table, JSR/JSL into the routine, PLP/RTI/XCE (which load m/x from data).
A proof is only as good as that CFG, which is why anything unusual makes it decline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["mode_flip_is_noop", "mode_states"]

_UNKNOWN = -1
_LABEL_RE = re.compile(r"^\s*(\.?[A-Za-z_]\w*)\s*:\s*(.*)$")
_INSTR_RE = re.compile(r"^\s*([A-Za-z]{3})(?:\.[bwlBWL])?\s*(.*?)\s*$")
_IMM_RE = re.compile(r"#\$([0-9A-Fa-f]{1,2})\b")
_STOP = frozenset({"RTS", "RTL", "RTI", "JMP", "JML", "BRA", "BRL", "STP", "BRK", "COP", "WAI"})
_BRANCHES = frozenset({"BCC", "BCS", "BEQ", "BNE", "BMI", "BPL", "BVC", "BVS", "BRA", "BRL"})
_GIVE_UP = frozenset({"PLP", "RTI", "XCE"})


@dataclass(frozen=True)
class _Ins:
    line: int  # 0-based line index
    mnemonic: str
    operand: str


def _parse(source: str) -> tuple[list[_Ins], dict[str, int], list[list[str]]] | None:
    """Instructions, label -> index of the next instruction, and `dw` tables (label lists)."""
    instructions: list[_Ins] = []
    labels: dict[str, int] = {}
    tables: list[list[str]] = []
    for number, raw in enumerate(source.split("\n")):
        line = raw.split(";", 1)[0]
        if not line.strip() or line.strip().lower().startswith("incsrc"):
            continue
        if re.match(r"^\s*[-+]+\s", line + " "):
            return None  # anonymous labels: targets not resolved here
        match = _LABEL_RE.match(line)
        if match:
            labels[match.group(1)] = len(instructions)
            line = match.group(2)
            if not line.strip():
                continue
        words = line.split(None, 1)
        if words[0].lower() == "dw":
            tables.append([t.strip() for t in words[1].split(",")])
            continue
        if words[0].lower() in ("db", "dl", "dd"):
            continue
        ins = _INSTR_RE.match(line)
        if not ins:
            return None
        instructions.append(_Ins(number, ins.group(1).upper(), ins.group(2)))
    return instructions, labels, tables


def _successors(index: int, ins: _Ins, labels: dict[str, int], tables: list[list[str]]) -> list[int] | None:
    name, operand = ins.mnemonic, ins.operand.strip()
    targets: list[int] = []
    if name in _BRANCHES or name in ("JMP", "JML"):
        if name in ("JMP", "JML") and operand.startswith(("(", "[")):
            inner = re.match(r"\((\.?\w+),\s*[xX]\)$", operand)
            if not inner:
                return None
            entries = [t for table in tables for t in table]
            if not entries or any(t not in labels for t in entries):
                return None
            targets.extend(labels[t] for t in entries)
        elif operand in labels:
            targets.append(labels[operand])
        elif name in _BRANCHES:
            return None
        else:
            return None  # a jump out of the routine
    if name in ("JSR", "JSL") and operand in labels:
        return None
    if name not in _STOP:
        targets.append(index + 1)
    return targets


def _apply(ins: _Ins, state: tuple[int, int]) -> tuple[int, int] | None:
    m, x = state
    if ins.mnemonic in _GIVE_UP:
        return None
    if ins.mnemonic in ("REP", "SEP"):
        imm = _IMM_RE.search(ins.operand)
        if not imm:
            return None
        bits = int(imm.group(1), 16)
        value = 0 if ins.mnemonic == "REP" else 1
        m = value if bits & 0x20 else m
        x = value if bits & 0x10 else x
    return m, x


def mode_states(source: str, m: int, x: int) -> dict[int, tuple[int, int]] | None:
    """{0-based line: (m, x) on entry to that instruction} (-1 = unknown), or None when it gives up."""
    parsed = _parse(source)
    if parsed is None:
        return None
    instructions, labels, tables = parsed
    if not instructions:
        return None
    states: dict[int, tuple[int, int]] = {0: (m, x)}
    work = [0]
    while work:
        index = work.pop()
        if index >= len(instructions):
            return None  # falls off the end
        ins = instructions[index]
        after = _apply(ins, states[index])
        successors = _successors(index, ins, labels, tables)
        if after is None or successors is None:
            return None
        for nxt in successors:
            old = states.get(nxt)
            new = (
                after
                if old is None
                else tuple(a if a == b else _UNKNOWN for a, b in zip(old, after, strict=True))
            )
            if new != old:
                states[nxt] = new  # type: ignore[assignment]
                work.append(nxt)
    return {instructions[i].line: s for i, s in states.items() if i < len(instructions)}


def mode_flip_is_noop(source: str, mutated: str, line: int, m: int, x: int) -> bool:
    """True when the mutant only changes the REP/SEP on `line` (1-based) and the change provably
    leaves m and x as the original does on every path reaching it."""
    old_lines, new_lines = source.split("\n"), mutated.split("\n")
    if len(old_lines) != len(new_lines) or any(
        a != b for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if i != line - 1
    ):
        return False
    states = mode_states(source, m, x)
    if states is None or (line - 1) not in states:
        return False
    before = states[line - 1]
    old_ins = _INSTR_RE.match(_strip_label(old_lines[line - 1]))
    new_ins = _INSTR_RE.match(_strip_label(new_lines[line - 1]))
    if not old_ins or not new_ins:
        return False
    old = _Ins(line - 1, old_ins.group(1).upper(), old_ins.group(2))
    new = _Ins(line - 1, new_ins.group(1).upper(), new_ins.group(2))
    if old.mnemonic not in ("REP", "SEP") or new.mnemonic != old.mnemonic:
        return False
    a, b = _apply(old, before), _apply(new, before)
    return a is not None and a == b and _UNKNOWN not in a


def _strip_label(line: str) -> str:
    match = _LABEL_RE.match(line.split(";", 1)[0])
    return match.group(2) if match else line.split(";", 1)[0]
