"""NTSC H/V timing (harness/emu/timing.py): positions, dots, fields, NMI and auto-joypad edges.

Expected values come from the model's documented sources: 1364 clocks per line, 262 lines, V-blank
from line 225, line 240 of the odd field 1360 clocks (bsnes `PPUcounter::tickScanline`), dots 323 and
327 six clocks long (bsnes `PPUcounter::hdot`), the NMI flag at H=2 (bsnes `CPU::nmiPoll` looks
2 clocks back) with a 4-clock hold (`nmiHold`), auto-joypad on line 225 on the 256-clock grid at
H >= 130 for 33 steps of 128 clocks (bsnes `CPU::joypadEdge`).
"""

from __future__ import annotations

import pytest

from harness.emu import timing
from harness.errors import HarnessError


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0, (0, 0, 0, 1364)),
        (1363, (0, 0, 1363, 1364)),
        (1364, (0, 1, 0, 1364)),
        (225 * 1364 + 2, (0, 225, 2, 1364)),
        (262 * 1364 - 1, (0, 261, 1363, 1364)),
        (262 * 1364, (1, 0, 0, 1364)),  # the odd field starts
        (262 * 1364 + 240 * 1364, (1, 240, 0, 1360)),  # its short line
        (262 * 1364 + 240 * 1364 + 1359, (1, 240, 1359, 1360)),
        (262 * 1364 + 240 * 1364 + 1360, (1, 241, 0, 1364)),
        (262 * 1364 * 2 - 4 - 1, (1, 261, 1363, 1364)),  # the odd field is 4 clocks shorter
        (262 * 1364 * 2 - 4, (0, 0, 0, 1364)),  # and the pattern repeats
    ],
)
def test_position_walks_lines_fields_and_the_short_line(t: int, expected: tuple[int, int, int, int]) -> None:
    assert timing.position(t) == expected


@pytest.mark.parametrize(
    ("h", "line_clocks", "dot"),
    [
        (0, 1364, 0),
        (4, 1364, 1),
        (1292, 1364, 323),
        (1294, 1364, 323),
        (1296, 1364, 323),
        (1298, 1364, 324),
        (1310, 1364, 327),
        (1314, 1364, 327),
        (1316, 1364, 328),
        (1362, 1364, 339),
        (1300, 1360, 325),
        (1359, 1360, 339),
    ],
)
def test_hdot_has_two_long_dots_except_on_the_short_line(h: int, line_clocks: int, dot: int) -> None:
    assert timing.hdot(h, line_clocks) == dot


def test_field_starts_cover_the_interval_and_alternate_lengths() -> None:
    starts = list(timing.field_starts(10, 3 * timing.FIELD_CLOCKS))
    assert starts == [0, 357_368, 357_368 + 357_364, 2 * 357_368 + 357_364]


@pytest.mark.parametrize("phase", [-2, 1, 714_732, True, 2.0, "0"])
def test_bad_phase_is_a_clear_error(phase: object) -> None:
    with pytest.raises(HarnessError, match="hv_phase"):
        timing.validate_phase(phase)


def test_joypad_window_is_on_the_256_clock_grid_after_h_130_of_line_225() -> None:
    line = 225 * 1364  # 306,900; + 130 = 307,030; next multiple of 256 = 307,200 (H = 300)
    start, end = timing.joypad_window(0)
    assert (start, end) == (307_200, 307_200 + 33 * 128)
    assert start % 256 == 0 and 130 <= start - line <= 384


def test_nmi_flag_rises_at_vblank_holds_four_clocks_and_is_acknowledged_by_a_read() -> None:
    edge = 225 * 1364 + 2
    flag = timing.NmiFlag(0)
    assert flag.advance(edge - 1, enabled=False) is None and flag.value is False
    assert flag.advance(edge, enabled=True) == edge  # an enabled NMI fires at the edge
    assert flag.read(edge + 2) == 1 and flag.value is True  # within the 4-clock hold: not acknowledged
    assert flag.read(edge + 4) == 1 and flag.value is False  # after it: acknowledged
    assert flag.read(edge + 6) == 0


def test_nmi_flag_unread_falls_at_h2_of_line_0_and_rises_again_next_field() -> None:
    edge = 225 * 1364 + 2
    flag = timing.NmiFlag(0)
    flag.advance(timing.FIELD_CLOCKS + 1, enabled=False)
    assert flag.value is True  # never read: still set at the end of the field
    flag.advance(timing.FIELD_CLOCKS + 2, enabled=False)
    assert flag.value is False  # H=2 of line 0
    assert flag.advance(timing.FIELD_CLOCKS + edge, enabled=True) == timing.FIELD_CLOCKS + edge


def test_nmi_flag_is_clear_at_entry_even_inside_vblank() -> None:
    edge = 225 * 1364 + 2
    flag = timing.NmiFlag(edge + 100)
    assert flag.advance(edge + 200, enabled=True) is None and flag.value is False
