"""NTSC video timing from one master-clock counter: H/V position, V-blank, H-blank, NMI and joypad edges.

Why: a routine that polls `$4212`, `$4210` or the latched H/V counters must see values that move with
time (a constant stub lets a routine detect the harness and makes wait loops meaningless). The model
derives everything from one absolute counter `t` = the run's start phase + master clocks elapsed.

Model (bsnes `sfc/ppu/counter/counter-inline.hpp` `PPUcounter::tickScanline`, `hdot`;
bsnes/ares `sfc/cpu/io.cpp` `readCPU` $4212, `sfc/cpu/irq.cpp` `nmiPoll`, `sfc/cpu/timing.cpp`
`joypadEdge`; all read, none copied):
- 1364 master clocks per scanline, 262 lines per field, V-blank from line 225 (overscan off) to 261.
- Fields alternate even/odd; non-interlaced NTSC shortens line 240 of the odd field to 1360 clocks, so
  the position repeats every two fields (714,732 clocks). `t` = 0 is H=0, V=0 of an even field.
- H-blank (HVBJOY bit 6): hcounter <= 2 or >= 1096. V-blank (bit 7): vcounter >= 225.
- The dot counter latched by $2137 is hcounter / 4, except that dots 323 and 327 last 6 clocks on
  1364-clock lines.
- The NMI flag (RDNMI bit 7) rises at H=2 of line 225 and falls at H=2 of line 0; a read clears it,
  except during the 4 clocks after it rose (bsnes's `nmiHold`).
- Auto-joypad (HVBJOY bit 0, when NMITIMEN bit 0 is set): starts on line 225 at the first `t` that is a
  multiple of 256 with H >= 130 and runs 33 steps of 128 clocks (4,224 clocks, about 3 lines).
  bsnes keys the 256-clock grid and the DMA alignment on the CPU's own clock counter, which drifts
  against the H/V counter; this model uses one counter for both (one legal relation of the two).

Not modelled (documented limits): DRAM refresh (40 clocks per line on hardware: the position here runs
ahead of hardware by that much per line elapsed), interlace, overscan (239-line) mode, PAL.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.errors import HarnessError

__all__ = [
    "LINE_CLOCKS",
    "LINES_PER_FIELD",
    "VBLANK_LINE",
    "FIELD_CLOCKS",
    "ODD_FIELD_CLOCKS",
    "TWO_FIELD_CLOCKS",
    "JOYPAD_BUSY_CLOCKS",
    "position",
    "hdot",
    "field_starts",
    "validate_phase",
    "in_hblank",
    "NmiFlag",
    "joypad_window",
    "vblank_start",
]

LINE_CLOCKS = 1364
SHORT_LINE_CLOCKS = 1360
SHORT_LINE = 240  # line 240 of the odd field (non-interlaced NTSC)
LINES_PER_FIELD = 262
VBLANK_LINE = 225
FIELD_CLOCKS = LINES_PER_FIELD * LINE_CLOCKS  # 357,368 (even field)
ODD_FIELD_CLOCKS = FIELD_CLOCKS - (LINE_CLOCKS - SHORT_LINE_CLOCKS)  # 357,364
TWO_FIELD_CLOCKS = FIELD_CLOCKS + ODD_FIELD_CLOCKS  # 714,732
NMI_EDGE_H = 2  # the NMI flag changes at H=2 (nmiPoll looks 2 clocks back)
NMI_HOLD_CLOCKS = 4
HBLANK_END_H = 2  # H <= 2 is still H-blank
HBLANK_START_H = 1096
JOYPAD_START_H = 130
JOYPAD_GRID = 256
JOYPAD_BUSY_CLOCKS = 33 * 128  # 4,224
_BEFORE_SHORT = SHORT_LINE * LINE_CLOCKS


def validate_phase(phase: object) -> int:
    """`hv_phase` must be an even int in [0, 714732): the CPU clock only moves in steps of 2."""
    if isinstance(phase, bool) or not isinstance(phase, int):
        raise HarnessError(f"hv_phase={phase!r} must be an int (master clocks into the field pair) or None")
    if not 0 <= phase < TWO_FIELD_CLOCKS or phase % 2:
        raise HarnessError(
            f"hv_phase={phase} must be even and in 0..{TWO_FIELD_CLOCKS - 2} "
            f"(two NTSC fields of {FIELD_CLOCKS} and {ODD_FIELD_CLOCKS} master clocks)"
        )
    return phase


def position(t: int) -> tuple[int, int, int, int]:
    """(field, vcounter, hcounter, clocks of this line) at absolute master clock `t`."""
    pos = t % TWO_FIELD_CLOCKS
    if pos < FIELD_CLOCKS:
        v, h = divmod(pos, LINE_CLOCKS)
        return 0, v, h, LINE_CLOCKS
    pos -= FIELD_CLOCKS
    if pos < _BEFORE_SHORT:
        v, h = divmod(pos, LINE_CLOCKS)
        return 1, v, h, LINE_CLOCKS
    pos -= _BEFORE_SHORT
    if pos < SHORT_LINE_CLOCKS:
        return 1, SHORT_LINE, pos, SHORT_LINE_CLOCKS
    v, h = divmod(pos - SHORT_LINE_CLOCKS, LINE_CLOCKS)
    return 1, SHORT_LINE + 1 + v, h, LINE_CLOCKS


def hdot(h: int, line_clocks: int) -> int:
    """The dot number $2137 latches: h / 4, with dots 323 and 327 six clocks long on 1364-clock lines."""
    if line_clocks == SHORT_LINE_CLOCKS:
        return h >> 2
    return (h - (2 if h > 1292 else 0) - (2 if h > 1310 else 0)) >> 2


def in_hblank(h: int) -> bool:
    return h <= HBLANK_END_H or h >= HBLANK_START_H


def field_starts(t0: int, t1: int) -> Iterator[int]:
    """Absolute start of every field that overlaps [t0, t1] (in order)."""
    pair = (t0 // TWO_FIELD_CLOCKS) * TWO_FIELD_CLOCKS
    start = pair if t0 - pair < FIELD_CLOCKS else pair + FIELD_CLOCKS
    while start <= t1:
        yield start
        start += ODD_FIELD_CLOCKS if start % TWO_FIELD_CLOCKS >= FIELD_CLOCKS else FIELD_CLOCKS


def vblank_start(field_start: int) -> int:
    """The NMI edge of a field: H=2 of line 225 (line 225 comes before the short line 240)."""
    return field_start + VBLANK_LINE * LINE_CLOCKS + NMI_EDGE_H


def joypad_window(field_start: int) -> tuple[int, int]:
    """[start, end) of auto-joypad polling in a field (see the module docstring)."""
    line = field_start + VBLANK_LINE * LINE_CLOCKS
    first = line + JOYPAD_START_H
    start = -(-first // JOYPAD_GRID) * JOYPAD_GRID  # t is even, so start <= line + 384 always
    return start, start + JOYPAD_BUSY_CLOCKS


class NmiFlag:
    """RDNMI bit 7, brought up to date lazily (only when read, when NMITIMEN changes, and at the end).

    Clear at entry: the state after the game's NMI handler acknowledged it. `advance` applies the
    edges in (synced, t] and reports the first rise that happens while NMI is enabled (an NMI the
    model cannot run).
    """

    def __init__(self, t0: int) -> None:
        self.value = False
        self._synced = t0
        self._last_rise = -NMI_HOLD_CLOCKS

    def advance(self, t: int, enabled: bool) -> int | None:
        nmi_at = None
        if t <= self._synced:
            return None
        for start in field_starts(self._synced, t):
            fall = start + NMI_EDGE_H
            rise = vblank_start(start)
            if self._synced < fall <= t:
                self.value = False
            if self._synced < rise <= t:
                self.value = True
                self._last_rise = rise
                if enabled and nmi_at is None:
                    nmi_at = rise
        self._synced = t
        return nmi_at

    def read(self, t: int) -> int:
        """The flag (0/1); the read acknowledges it unless it rose less than 4 clocks ago."""
        result = 1 if self.value else 0
        if not self._last_rise <= t < self._last_rise + NMI_HOLD_CLOCKS:
            self.value = False
        return result
