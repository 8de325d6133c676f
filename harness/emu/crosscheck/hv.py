"""Elapsed master clocks from latched H/V counters, with DRAM refresh taken out (pure functions).

What the reference does (bsnes v094, read in libretro/bsnes-mercury, cited by file and function):
- Time advances in 2-clock ticks; a line is 1364 master clocks, 1360 on NTSC non-interlace line 240
  of odd fields (`sfc/ppu/counter/counter-inline.hpp`, `PPUcounter::tick`, `lineclocks`); 262 lines.
- The latched H value is the dot `hdot()`: hcounter / 4, where dots 323 and 327 last 6 clocks
  (same file, `PPUcounter::hdot`), so one latch places the time in a 4-clock window (6 at those dots).
- Reading $2137 latches (`sfc/ppu/mmio/mmio.cpp`, `mmio_r2137` -> `latch_counters`), after the PPU is
  synchronised to the CPU, in the middle of the CPU's read cycle (`sfc/cpu/memory/memory.cpp`,
  `CPU::op_read`: `add_clocks(speed - 4)`, then the bus read).
- DRAM refresh: once per line the CPU stalls 40 clocks, at the end of the first `add_clocks` call that
  reaches hcounter >= 538 or 534 (`sfc/cpu/timing/timing.cpp`, `CPU::add_clocks` and `CPU::scanline`:
  `dram_refresh_position = 530 + 8 - dma_counter()`, and dma_counter() is 0 or 4 on NTSC lines).
  A latch happens right after an `add_clocks` call, so at a latch the hcounter is never in
  [538, 574): below 538 the line's refresh is still to come, at 574 or later it has happened.
  Hence the number of refreshes between two latches is exactly
  `lines started in between + [hc2 >= 538] - [hc1 >= 538]`, whichever of 534/538 the line uses.

Beating the 4-clock resolution: each end of a measurement latches more than once, a known number
of clocks apart (`separation`, chosen = 2 mod 4). Every CPU step is an even number of clocks, so
candidate positions are even; of the two even positions a dot allows, only one is consistent with
the next latch, unless the long dots 323/327 (which shift the later dots by 2 clocks) lie between
the two. With four latches spread over less than a line one gap always avoids them, so the chain
resolves to one position; callers still compare against the whole candidate set, so an unresolved
case could only widen the tolerance to the few values it keeps, never hide a difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "LINES",
    "REFRESH_CLOCKS",
    "Latch",
    "Position",
    "candidates",
    "cpu_clocks",
    "decode_chain",
    "decode_pair",
    "hdot",
    "line_clocks",
    "span",
]

LINES = 262  # NTSC, non-interlace
REFRESH_CLOCKS = 40
_REFRESH_DONE_AT = 538  # at a latch: hcounter >= 538 <=> this line's refresh has happened
_NEVER_LATCHED = range(538, 574)  # a latch never sees these hcounter values (see module docstring)
_MAX_DOT = 340


@dataclass(frozen=True)
class Latch:
    """One latch as read back: dot `h` ($213C, 9 bits), line `v` ($213D, 9 bits), `field` ($213F bit 7)."""

    h: int
    v: int
    field: int


@dataclass(frozen=True, order=True)
class Position:
    """An exact position: line `v`, master clock `hc` in the line (even), and the frame's `field`."""

    v: int
    hc: int
    field: int


def line_clocks(v: int, field: int) -> int:
    """Master clocks in line `v` (bsnes `PPUcounter::lineclocks`, NTSC non-interlace)."""
    return 1360 if v == 240 and field == 1 else 1364


def hdot(hc: int, v: int, field: int) -> int:
    """The dot a latch at hcounter `hc` reports (bsnes `PPUcounter::hdot`)."""
    if v == 240 and field == 1:
        return hc >> 2
    return (hc - (2 if hc > 1292 else 0) - (2 if hc > 1310 else 0)) >> 2


@lru_cache(maxsize=4)
def _hc_by_dot(short_line: bool) -> dict[int, tuple[int, ...]]:
    """dot -> the even hcounter values that report it, minus those a latch can never see."""
    v, field = (240, 1) if short_line else (0, 0)
    table: dict[int, list[int]] = {}
    for hc in range(0, line_clocks(v, field), 2):
        if hc in _NEVER_LATCHED:
            continue
        table.setdefault(hdot(hc, v, field), []).append(hc)
    return {dot: tuple(values) for dot, values in table.items()}


def candidates(latch: Latch) -> tuple[Position, ...]:
    """Every position consistent with one latch (empty if the values are impossible)."""
    if not (0 <= latch.v < LINES and 0 <= latch.h <= _MAX_DOT and latch.field in (0, 1)):
        return ()
    short = latch.v == 240 and latch.field == 1
    return tuple(Position(latch.v, hc, latch.field) for hc in _hc_by_dot(short).get(latch.h, ()))


def span(start: Position, end: Position) -> tuple[int, int]:
    """(master clocks from `start` to `end` including refresh stalls, refreshes in between).

    `end` is taken to be less than one frame after `start`: an earlier (v, hc) means the frame
    wrapped. Lines of the start's frame use the start's field, those after the wrap the end's field.
    """
    wrapped = (end.v, end.hc) < (start.v, start.hc)
    clocks = end.hc - start.hc
    lines_started = 0
    v, field = start.v, start.field
    while (v != end.v) or (wrapped and lines_started == 0):
        clocks += line_clocks(v, field)
        lines_started += 1
        v += 1
        if v == LINES:
            v, field = 0, end.field
    refreshes = lines_started + (end.hc >= _REFRESH_DONE_AT) - (start.hc >= _REFRESH_DONE_AT)
    return clocks, refreshes


def cpu_clocks(start: Position, end: Position) -> int:
    """Clocks the CPU spent between two latches: the span without its DRAM refresh stalls."""
    clocks, refreshes = span(start, end)
    return clocks - REFRESH_CLOCKS * refreshes


def decode_pair(first: Latch, second: Latch, separation: int) -> tuple[tuple[Position, Position], ...]:
    """All (first, second) positions consistent with two latches `separation` CPU clocks apart."""
    seconds = candidates(second)
    out = []
    for a in candidates(first):
        for b in seconds:
            if cpu_clocks(a, b) == separation:
                out.append((a, b))
    return tuple(out)


def decode_chain(latches: Sequence[Latch], separation: int) -> tuple[tuple[Position, ...], ...]:
    """All position sequences consistent with latches taken `separation` CPU clocks apart in turn."""
    chains: list[tuple[Position, ...]] = [(p,) for p in candidates(latches[0])]
    for latch in latches[1:]:
        following = candidates(latch)
        chains = [
            chain + (b,) for chain in chains for b in following if cpu_clocks(chain[-1], b) == separation
        ]
    return tuple(chains)
