"""Random straight-line snippets that exercise widths: REP/SEP, XBA, transfers between 8- and 16-bit
registers, carry arithmetic, shifts and a scratch store. Used by synthetic trace tasks and MC questions.

The generator tracks m and x so every immediate has the width the CPU will fetch (ASAR sizes `#$12`
as one byte and `#$0012` as two, whatever the mode), which keeps the snippet well-formed; what the
snippet *computes* is left to the emulator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Snippet", "random_snippet"]


@dataclass(frozen=True)
class Snippet:
    """A labelled routine (`entry:` ... `RTS`), its entry mode and the locations it may store to."""

    entry: str
    m: int
    x: int
    source: str
    stores: tuple[str, ...]


def _imm(rng: random.Random, wide: bool) -> str:
    if wide:
        return f"#${rng.choice([rng.randrange(0x10000), rng.randrange(0x100), 0x00FF, 0xFF00, 0x8000]):04X}"
    return f"#${rng.choice([rng.randrange(0x100), 0x00, 0x01, 0x7F, 0x80, 0xFF]):02X}"


def _step(rng: random.Random, m: int, x: int, stores: list[str]) -> tuple[str, int, int]:
    """One instruction valid in the current (m, x); returns it with the mode after it."""
    kind = rng.choice(
        [
            "lda",
            "adc",
            "sbc",
            "logic",
            "xba",
            "tax",
            "tay",
            "txa",
            "tya",
            "inx",
            "dex",
            "iny",
            "inc",
            "asl",
            "lsr",
            "mode",
            "mode",
            "clc",
            "sec",
            "sta",
            "ldx",
            "cmp",
            "rol",
        ]
    )
    if kind == "lda":
        return f"LDA {_imm(rng, m == 0)}", m, x
    if kind in ("adc", "sbc", "cmp"):
        return f"{kind.upper()} {_imm(rng, m == 0)}", m, x
    if kind == "logic":
        return f"{rng.choice(['AND', 'ORA', 'EOR'])} {_imm(rng, m == 0)}", m, x
    if kind == "ldx":
        return f"{rng.choice(['LDX', 'LDY'])} {_imm(rng, x == 0)}", m, x
    if kind == "mode":
        bits = rng.choice([0x20, 0x10, 0x30])
        if rng.random() < 0.5:
            return f"REP #${bits:02X}", 0 if bits & 0x20 else m, 0 if bits & 0x10 else x
        return f"SEP #${bits:02X}", 1 if bits & 0x20 else m, 1 if bits & 0x10 else x
    if kind == "sta":
        address = rng.choice([0x10, 0x12])
        stores.append(f"$7E{address:04X}")
        if m == 0:
            stores.append(f"$7E{address + 1:04X}")
        return f"STA ${address:02X}", m, x
    if kind in ("inc", "asl", "lsr", "rol"):
        return f"{kind.upper()} A", m, x
    return kind.upper(), m, x


def random_snippet(
    rng: random.Random, *, entry: str, length: int, m: int | None = None, x: int | None = None
) -> Snippet:
    """A snippet of `length` instructions plus RTS. Mode at entry random unless given."""
    m0 = rng.randint(0, 1) if m is None else m
    x0 = rng.randint(0, 1) if x is None else x
    mode_m, mode_x = m0, x0
    lines: list[str] = []
    stores: list[str] = []
    for _ in range(length):
        text, mode_m, mode_x = _step(rng, mode_m, mode_x, stores)
        lines.append(text)
    body = "".join(f"    {line}\n" for line in lines)
    return Snippet(entry, m0, x0, f"{entry}:\n{body}    RTS\n", tuple(dict.fromkeys(stores)))
