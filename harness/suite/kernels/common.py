"""Helpers shared by the kernel modules: input domains, common false claims, fact phrasing.

Input domains follow the dataset 2.0 rule (kernels/README.md): every input is drawn from its whole
range, with the values where the routine's behaviour changes as boundaries. How boundaries become
cases is fixed by `harness.verify.states.edge_cases`: edge case k gives each input the (k mod n)-th
of its n edge values, which are its sorted boundaries, then the range's ends, then the classic
values ($01, $7F, $80, $FF, ...) not listed yet. `busy_table` relies on that order to make tables
whose bytes are free (0) or busy in a different pattern in each edge case.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from harness.errors import TaskDataError
from harness.suite.routines import Fact, byte_range, span

__all__ = [
    "BUSY_PERIOD",
    "COMMON_FORBID",
    "busy_table",
    "fact",
    "slot_index",
]

# False claims the user's own material made (DESIGN.md, "Known traps"): never accept them.
COMMON_FORBID: tuple[str, ...] = (
    r"\$0E20[^\n.]{0,40}\b(hp|health|hit ?points)\b",
    r"\b(hp|health|hit ?points)\b[^\n.]{0,25}\$0E20\b",
    r"\b(uses?|using|the|a|an|via|with|executes?)\s+(a\s+)?MUL\b",
    r"\bSTZ\s+(long\b|\$[0-9A-Fa-f]{6}\b|\$7[EeFf]:)",
)

# The classic byte edge values (besides $00) that every whole-byte domain tries after its boundaries.
_CLASSIC_BYTES = (0x01, 0x7F, 0x80, 0xFF)
# Edge cases per free/busy cycle of a `busy_table`: each byte's edge list is exactly this long.
BUSY_PERIOD = 6


def fact(ident: str, *patterns: str) -> Fact:
    """A fact with several accepted phrasings (regexes, matched case-insensitively)."""
    return Fact(ident, tuple(patterns))


def slot_index(*boundaries: int) -> dict[str, object] | list[int]:
    """A sprite slot 0-15 (for X): a restriction, so the prose must say "X (0-15)". The ends and
    `boundaries` are tried first."""
    return span(0, 15, 0, 1, 15, *boundaries)


def _plain_bytes(rng: random.Random, count: int) -> list[int]:
    """`count` distinct nonzero bytes that are not classic edge values (so they lengthen no list)."""
    pool = [v for v in range(0x02, 0xFF) if v not in _CLASSIC_BYTES]
    return rng.sample(pool, count)


def _zero_at(position: int, rng: random.Random) -> dict[str, object] | list[int]:
    """A whole-byte domain whose edge values are `BUSY_PERIOD` long with $00 exactly at `position`.

    With 0 among the boundaries it comes first; otherwise it follows the `position` (nonzero)
    boundaries. One plain value plus classic values fill the list to the period, so every byte of a
    table cycles with the same period and the patterns never drift apart.
    """
    plain = BUSY_PERIOD - len(_CLASSIC_BYTES) - 1
    if position == 0:
        return byte_range(0, *_plain_bytes(rng, plain))
    return byte_range(*_plain_bytes(rng, plain), *rng.sample(_CLASSIC_BYTES, position - plain))


def busy_table(first: int, count: int, rng: random.Random, alone: Sequence[int] = ()) -> dict[str, object]:
    """Inputs for a table of `count` state bytes at $7E`first` where 0 means free: one whole-byte
    input per byte, so the edge cases mix free and busy entries instead of setting the whole table
    to one value (with uniform random bytes a 0 is rare, and a routine that looks at one entry
    would pass). Across each `BUSY_PERIOD` edge cases there is one case with every entry busy, one
    case per entry in `alone` where that entry is the only free one, and the other entries are free
    in one of the remaining cases each (drawn from `rng`, so the patterns vary per seed)."""
    if len(alone) > BUSY_PERIOD - 2:
        raise TaskDataError(
            f"busy_table(alone={list(alone)}): at most {BUSY_PERIOD - 2} entries can each be the only "
            "free one; name fewer"
        )
    positions = list(range(BUSY_PERIOD))
    rng.shuffle(positions)
    shared = positions[1 + len(alone) :]
    zero_case = {entry: positions[1 + i] for i, entry in enumerate(alone)}
    domains: dict[str, object] = {}
    for entry in range(count):
        case = zero_case.get(entry)
        domains[f"$7E{first + entry:04X}"] = _zero_at(rng.choice(shared) if case is None else case, rng)
    return domains
