"""Harness variation (issue 12 class 4): caller address, how the routine returned, H/V timing, logs, state.

H/V expectations come from harness/emu/timing.py's documented model (bsnes `PPUcounter`, `readCPU`
$4210-$4212, `nmiPoll`, `joypadEdge`; bsnes `sfc/ppu/io.cpp` $2137/$213C/$213D/$213F) and the region
clock rule: from slow ROM bank $00, `LDA $hhll` of an I/O register takes 8+8+8+6 = 30 clocks and reads
4 clocks before its end (t = start + 26); `BPL` taken takes 8+8+6 = 22, not taken 16; `RTS` 42.
"""

from __future__ import annotations

import pytest
from emu_asm import NOP, PLA, RTL, RTS, jmp, lda, lda_abs, lorom, put, sta

from harness.emu import CpuState, Machine, StopReason
from harness.emu.state import IoKind
from harness.errors import HarnessError

LINE = 1364
VBLANK = 225 * LINE
NMI_EDGE = VBLANK + 2


def lda_sr(offset: int) -> bytes:
    """LDA $oo,S."""
    return bytes([0xA3, offset])


def routine(code: bytes, **kwargs):
    m = lorom(code)
    return m, m.run(0x008000, CpuState(), **kwargs)


# -- caller and returned_by -------------------------------------------------------------------------


def test_jsr_caller_puts_its_return_address_on_the_stack_and_rts_lands_there() -> None:
    m, r = routine(lda_sr(1) + sta(0x0000) + lda_sr(2) + sta(0x0001) + RTS, caller=0x009123)
    assert r.stop is StopReason.RETURNED and r.returned_by == "RTS"
    assert (m.peek(0), m.peek(1)) == (0x22, 0x91)  # JSR pushes the address of its last byte: $9122
    assert (r.state.pbr, r.state.pc, r.state.s) == (0x00, 0x9123, 0x01FF)


def test_jsl_caller_pushes_the_bank_and_rtl_returns_to_it() -> None:
    code = lda_sr(1) + sta(0x0000) + lda_sr(2) + sta(0x0001) + lda_sr(3) + sta(0x0002) + RTL
    m, r = routine(code, call="jsl", caller=0x123456)
    assert r.stop is StopReason.RETURNED and r.returned_by == "RTL"
    assert (m.peek(0), m.peek(1), m.peek(2)) == (0x55, 0x34, 0x12)
    assert (r.state.pbr, r.state.pc) == (0x12, 0x3456)


def test_a_jump_to_the_caller_is_reported_as_such() -> None:
    # PLA; PLA; JMP $9123: lands on the caller without RTS
    m, r = routine(PLA + PLA + jmp(0x9123), caller=0x009123)
    assert r.stop is StopReason.RETURNED and r.returned_by == "JMP"
    assert r.state.s == 0x01FF


def test_falling_through_onto_the_caller_names_the_last_instruction() -> None:
    _, r = routine(NOP + NOP, caller=0x008002)
    assert r.stop is StopReason.RETURNED and r.returned_by == "NOP" and r.instructions == 2


def test_traced_and_untraced_runs_agree_on_returned_by_and_final_state() -> None:
    code = lda(0x07) + sta(0x0010) + RTS
    m, plain = routine(code, caller=0x00A000)
    traced = m.run(0x008000, CpuState(), caller=0x00A000, trace=True)
    assert plain.returned_by == traced.returned_by == "RTS"
    assert plain.state == traced.state and plain.master_clocks == traced.master_clocks
    assert m.peek(0x0010) == 7


def test_replaying_for_returned_by_leaves_the_machine_in_the_final_state() -> None:
    # the routine bumps the WRAM port: a replay that did not finish would leave WMADD and WRAM behind
    code = put(0x2181, 0x20) + put(0x2180, 0x11) + put(0x2180, 0x22) + RTS
    m, r = routine(code)
    assert r.returned_by == "RTS"
    assert r.hardware["WMADD"] == 0x22 and m.peek(0x7E0021) == 0x22
    assert r.writes == {0x7E0020: (0, 0x11), 0x7E0021: (0, 0x22)}


def test_default_sentinel_is_unchanged_and_reports_rts() -> None:
    _, r = routine(RTS)
    assert r.stop is StopReason.RETURNED and r.state.pc == 0xFFFF and r.returned_by == "RTS"


def test_returned_by_is_none_when_the_caller_is_not_reached() -> None:
    _, r = routine(b"\x80\xfe", max_cycles=1_000)  # BRA *
    assert r.stop is StopReason.BUDGET and r.returned_by is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"caller": 0x019000}, r"not in the entry's bank \$00"),
        ({"caller": 0x008000}, "equals entry"),
        ({"caller": 0x1000000}, "24-bit"),
        ({"caller": True}, "24-bit"),
        ({"caller": "0x9000"}, "24-bit"),
        ({"hv_phase": 3}, "hv_phase=3 must be even"),
        ({"hv_phase": -2}, "hv_phase"),
        ({"max_cycles": -1}, "max_cycles"),
    ],
)
def test_bad_harness_arguments_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        lorom(RTS).run(0x008000, CpuState(), **kwargs)


def test_jsl_caller_may_be_in_another_bank() -> None:
    _, r = routine(RTL, call="jsl", caller=0x01A000)
    assert r.ok and r.returned_by == "RTL" and r.state.pbr == 0x01


# -- H/V timing ---------------------------------------------------------------------------------------

WAIT_FOR_VBLANK = lda_abs(0x4212) + b"\x10\xfb" + RTS  # - LDA $4212 : BPL - : RTS


@pytest.mark.parametrize("phase", [0, 1000, VBLANK - 5000, VBLANK - 26, VBLANK, 300 * 1000])
def test_wait_for_vblank_loop_follows_the_phase(phase: int) -> None:
    # read k happens at phase + 26 + 52k; the loop leaves at the first read with V >= 225
    _, r = routine(WAIT_FOR_VBLANK, hv_phase=phase)
    in_field = phase % (262 * LINE)
    k = 0 if in_field + 26 >= VBLANK else -(-(VBLANK - in_field - 26) // 52)
    assert r.stop is StopReason.RETURNED
    assert r.master_clocks == 52 * k + 30 + 16 + 42
    h = (phase + 26 + 52 * k) % LINE
    hblank = 0x40 if h <= 2 or h >= 1096 else 0
    assert r.state.a & 0xFF == 0x82 | hblank  # V-blank, H-blank by position, open bus $42 & $3E


def test_wait_for_vblank_from_phase_0_takes_a_plausible_time() -> None:
    _, r = routine(WAIT_FOR_VBLANK, hv_phase=0)
    assert r.master_clocks == 306_992  # 5902 loops: 26 + 52 * 5902 = 306,930 >= 306,900
    assert 40_000 < r.cycles < 45_000


@pytest.mark.parametrize(
    ("t", "value"),
    [
        (100, 0x02),  # line 0, H=100: neither blank; bits 5-1 = open bus $42 & $3E
        (LINE + 2, 0x42),  # H <= 2 is still H-blank
        (1096, 0x42),  # H-blank from H=1096
        (1094, 0x02),
        (VBLANK + 500, 0x82),
        (230 * LINE + 1200, 0xC2),
        (VBLANK - 2, 0x42),  # line 224, H=1362: H-blank, not yet V-blank
    ],
)
def test_hvbjoy_blank_bits(t: int, value: int) -> None:
    _, r = routine(lda_abs(0x4212) + RTS, hv_phase=t - 26)
    assert r.state.a & 0xFF == value


@pytest.mark.parametrize(
    ("t", "busy"),
    [
        (307_198, 0),
        (307_200, 1),
        (311_422, 1),
        (311_424, 0),  # window [307200, 311424) of line 225
    ],
)
def test_hvbjoy_auto_joypad_busy_bit(t: int, busy: int) -> None:
    # LDA #$01; STA $4200 (16 + 30 clocks); LDA $4212 reads at +26: t = phase + 72
    _, r = routine(put(0x4200, 0x01) + lda_abs(0x4212) + RTS, hv_phase=t - 72)
    assert r.state.a & 0x01 == busy
    _, off = routine(put(0x4200, 0x00) + lda_abs(0x4212) + RTS, hv_phase=t - 72)
    assert off.state.a & 0x01 == 0


def test_rdnmi_is_set_at_vblank_and_a_read_acknowledges_it() -> None:
    # LDA $4210 (read at +26); XBA (14); LDA $4210 (read at +26+44)
    code = lda_abs(0x4210) + b"\xeb" + lda_abs(0x4210) + RTS
    _, before = routine(code, hv_phase=NMI_EDGE - 200)
    _, after = routine(code, hv_phase=NMI_EDGE - 26 - 2)  # first read 2 clocks before the edge
    _, hold = routine(code, hv_phase=NMI_EDGE - 26)  # first read at the edge: inside the 4-clock hold
    _, acked = routine(code, hv_phase=NMI_EDGE - 12)  # first read 14 clocks after the edge
    assert before.state.a == 0x4242  # flag clear both times; version 2, open bus bits $40
    assert after.state.a == 0x42C2  # first read 2 clocks before the edge, second after it
    assert hold.state.a == 0xC2C2  # the hold keeps the flag for the second read
    assert acked.state.a == 0xC242  # the first read acknowledged it
    assert [(a.kind, a.address, a.value) for a in acked.io_reads] == [
        (IoKind.READ, 0x4210, 0xC2),
        (IoKind.READ, 0x4210, 0x42),
    ]


def test_timeup_reads_open_bus_and_is_logged() -> None:
    _, r = routine(lda_abs(0x4211) + RTS, hv_phase=0)
    assert r.state.a & 0xFF == 0x42
    assert [(a.address, a.value) for a in r.io_reads] == [(0x4211, 0x42)]


def test_fixed_stubs_without_a_phase_still_log_acknowledging_reads() -> None:
    _, r = routine(lda_abs(0x4210) + lda_abs(0x4211) + lda_abs(0x4212) + RTS)
    assert [(a.address, a.value) for a in r.io_reads] == [(0x4210, 0xC2), (0x4211, 0x00)]
    assert r.state.a & 0xFF == 0x80


def test_hv_counter_latch_flip_flops_and_stat78() -> None:
    # LDA $2137 reads at phase + 26 = line 257, H=1300: dot (1300 - 2) / 4 = 324 = $144, line $101
    reads = [0x213C, 0x213C, 0x213D, 0x213D, 0x213F, 0x213C, 0x213F]
    code = lda_abs(0x2137) + b"".join(lda_abs(reg) + sta(i) for i, reg in enumerate(reads)) + RTS
    m, r = routine(code, hv_phase=257 * LINE + 1300 - 26)
    got = [m.peek(i) for i in range(len(reads))]
    # $213C low, then bit 8 with bits 7-1 of the previous PPU2 byte; STAT78 = latched (bit 6) | version 3
    assert got == [0x44, 0x45, 0x01, 0x01, 0x43, 0x44, 0x03]
    assert (r.hardware["OPHCT"], r.hardware["OPVCT"], r.hardware["HV_LATCHED"]) == (0x144, 0x101, 0)


def test_wrio_bit_7_gates_the_latch_and_its_falling_edge_latches() -> None:
    # STZ-like $4201 = $00 latches at the write (1 -> 0); a later $2137 does not latch again
    code = put(0x4201, 0x00) + lda_abs(0x2137) + lda_abs(0x213D) + sta(0) + lda_abs(0x213F) + sta(1) + RTS
    m, r = routine(code, hv_phase=100 * LINE - 46)  # the $4201 write ends at line 100, H=0
    assert m.peek(0) == 100
    assert m.peek(1) & 0x40 == 0x40  # WRIO bit 7 clear: bit 6 reads 1
    assert r.hardware["WRIO"] == 0


def test_213f_needs_a_phase() -> None:
    _, r = routine(lda_abs(0x213F) + RTS)
    assert r.stop is StopReason.UNSUPPORTED and r.detail == "unmapped read $00213F"


# -- NMI -----------------------------------------------------------------------------------------------


def test_an_nmi_that_would_fire_stops_the_run() -> None:
    code = put(0x4200, 0x80) + b"\x80\xfe"  # enable NMI, then BRA *
    _, r = routine(code, hv_phase=VBLANK - 2000, max_cycles=5_000)
    assert r.stop is StopReason.UNSUPPORTED and "NMI would fire at V-blank start" in r.detail


def test_enabling_nmi_while_the_flag_is_set_stops_the_run_unless_acknowledged() -> None:
    wait = lda_abs(0x4212) + b"\x10\xfb"
    _, fired = routine(wait + put(0x4200, 0x80) + put(0x4200, 0x00) + RTS, hv_phase=VBLANK - 500)
    _, acked = routine(
        wait + lda_abs(0x4210) + put(0x4200, 0x80) + put(0x4200, 0x00) + RTS, hv_phase=VBLANK - 500
    )
    assert fired.stop is StopReason.UNSUPPORTED and "enabled while the NMI flag is set" in fired.detail
    assert acked.stop is StopReason.RETURNED and acked.hardware["NMITIMEN"] == 0


def test_nmi_enable_outside_vblank_is_fine_and_observable() -> None:
    _, r = routine(put(0x4200, 0x81) + RTS, hv_phase=0)
    assert r.stop is StopReason.RETURNED and r.hardware["NMITIMEN"] == 0x81


# -- observable hardware state ---------------------------------------------------------------------------


def test_hardware_state_shows_what_the_routine_left_changed() -> None:
    code = put(0x420D, 0x01) + put(0x2181, 0x34) + put(0x2182, 0x12) + put(0x2183, 0x01) + put(0x2105, 0x09)
    _, r = routine(code + RTS)
    _, clean = routine(RTS)
    assert (r.hardware["MEMSEL"], r.hardware["WMADD"], r.hardware["$2105"]) == (1, 0x11234, 0x09)
    assert (clean.hardware["MEMSEL"], clean.hardware["WMADD"]) == (0, 0)
    assert "$2105" not in clean.hardware
    changed = {k for k in r.hardware if r.hardware[k] != clean.hardware.get(k)}
    assert changed == {"MEMSEL", "WMADD", "$2105"}


def test_io_log_orders_reads_and_writes() -> None:
    _, r = routine(put(0x2181, 0x00) + lda_abs(0x2180) + put(0x2140, 0x01) + RTS)
    assert [(a.kind.value, a.address) for a in r.io_log] == [
        ("write", 0x2181),
        ("read", 0x2180),
        ("write", 0x2140),
    ]
    assert [w.address for w in r.io_writes] == [0x2181, 0x2140]


def test_machine_runs_are_independent() -> None:
    m = lorom(put(0x420D, 0x01) + put(0x2115, 0x80) + put(0x2118, 0x77) + RTS)
    first = m.run(0x008000, CpuState(), hv_phase=1000)
    second = m.run(0x008000, CpuState(), hv_phase=1000)
    assert first.hardware == second.hardware and first.space_writes == second.space_writes
    assert first.master_clocks == second.master_clocks
    assert isinstance(m, Machine)


def test_equivalent_uploads_in_another_order_leave_the_same_hardware_state() -> None:
    # forwards: VMADD=0, words 0 and 1; backwards: word 1 first, then word 0, then VMADD set to 2
    def words(pairs: list[tuple[int, int]]) -> bytes:
        return b"".join(put(0x2118, lo) + put(0x2119, hi) for lo, hi in pairs)

    forwards = put(0x2115, 0x80) + put(0x2116, 0) + put(0x2117, 0) + words([(0x11, 0x22), (0x33, 0x44)])
    backwards = (
        put(0x2115, 0x80)
        + put(0x2117, 0)
        + put(0x2116, 1)
        + words([(0x33, 0x44)])
        + put(0x2116, 0)
        + words([(0x11, 0x22)])
        + put(0x2116, 2)
    )
    _, a = routine(forwards + RTS)
    _, b = routine(backwards + RTS)
    assert a.space_writes == b.space_writes
    assert a.hardware == b.hardware
    assert a.hardware["VMADD"] == b.hardware["VMADD"] == 2
