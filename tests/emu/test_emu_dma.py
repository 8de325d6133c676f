"""General-purpose DMA ($420B): transfer patterns, A-bus stepping, byte count 0, WRAM port rules, timing.

Sources (read, not copied): bsnes `sfc/cpu/dma.cpp` (`Channel::transfer` patterns, `validA`, the
WRAM-to-WRAM rule, `Channel::dmaRun`), `sfc/cpu/timing.cpp` (`CPU::dmaEdge`, `dmaCounter`),
`sfc/cpu/memory.cpp` (clockCount per access); ares `sfc/cpu/dma.cpp` and `timing.cpp` (same model);
fullsnes "SNES DMA and HDMA Transfer Modes" (the 43x0 pattern table). Timing expectations below are
derived by hand from the formula in harness/emu/dma.py and the region clock rule; each test's comment
shows the arithmetic.
"""

from __future__ import annotations

import pytest
from emu_asm import NOP, RTS, STP, dma_channel, lda, lda_abs, lorom, put, sta

from harness.emu import CpuState, IoWrite, StopReason
from harness.emu import dma as dma_model

WRAM_SRC = 0x7E2000


def wram_with(offset: int, data: bytes) -> bytes:
    wram = bytearray(0x20000)
    wram[offset : offset + len(data)] = data
    return bytes(wram)


def b_bus_sequence(result) -> list[tuple[int, int]]:
    return [(a.address, a.value) for a in result.io_log if a.dma]


# fullsnes 43x0 bits 0-2, B-bus address offsets for consecutive bytes
PATTERN_OFFSETS = {
    0: [0, 0, 0, 0, 0, 0, 0, 0],
    1: [0, 1, 0, 1, 0, 1, 0, 1],
    2: [0, 0, 0, 0, 0, 0, 0, 0],
    3: [0, 0, 1, 1, 0, 0, 1, 1],
    4: [0, 1, 2, 3, 0, 1, 2, 3],
    5: [0, 1, 0, 1, 0, 1, 0, 1],
    6: [0, 0, 0, 0, 0, 0, 0, 0],
    7: [0, 0, 1, 1, 0, 0, 1, 1],
}


@pytest.mark.parametrize("mode", range(8))
def test_each_transfer_mode_writes_its_register_pattern(mode: int) -> None:
    data = bytes(range(0xA0, 0xA8))
    code = dma_channel(0, mode, 0x40, WRAM_SRC, 8) + put(0x420B, 0x01) + NOP + RTS
    r = lorom(code).run(0x008000, CpuState(), wram=wram_with(0x2000, data))
    assert r.stop is StopReason.RETURNED, r.detail
    expected = [(0x2140 + off, value) for off, value in zip(PATTERN_OFFSETS[mode], data, strict=True)]
    assert b_bus_sequence(r) == expected


@pytest.mark.parametrize(
    ("control", "source", "expected", "next_source"),
    [
        (0x00, 0x009000, bytes([1, 2, 3, 4]), 0x9004),  # increment
        (0x08, 0x009000, bytes([1, 1, 1, 1]), 0x9000),  # bit 3: fixed
        (0x10, 0x009003, bytes([4, 3, 2, 1]), 0x8FFF),  # bit 4: decrement
        (0x18, 0x009003, bytes([4, 4, 4, 4]), 0x9003),  # fixed wins over decrement
    ],
)
def test_a_bus_address_steps_and_registers_after_transfer(
    control: int, source: int, expected: bytes, next_source: int
) -> None:
    # ROM $00:9000 = 01 02 03 04 -> the WRAM port ($2180) at $7F:0100
    code = put(0x2181, 0x00) + put(0x2182, 0x01) + put(0x2183, 0x01)
    code += dma_channel(2, control, 0x80, source, 4) + put(0x420B, 0x04) + NOP + RTS
    m = lorom(code, extra={0x1000: bytes([1, 2, 3, 4])})
    r = m.run(0x008000, CpuState())
    assert r.stop is StopReason.RETURNED, r.detail
    assert bytes(m.peek(0x7F0100 + i) for i in range(4)) == expected
    assert r.hardware["WMADD"] == 0x10104
    assert (r.hardware["$4322"] | r.hardware["$4323"] << 8) == next_source
    assert (r.hardware["$4325"], r.hardware["$4326"]) == (0, 0)


def test_b_to_a_reads_the_wram_port_into_sram() -> None:
    # WRAM $7E:0040.. = 11 22 33; DMA B->A (bit 7) from $2180 to LoROM SRAM $70:0010, 3 bytes
    code = put(0x2181, 0x40) + dma_channel(1, 0x80, 0x80, 0x700010, 3) + put(0x420B, 0x02) + NOP + RTS
    m = lorom(code)
    r = m.run(0x008000, CpuState(), wram=wram_with(0x40, bytes([0x11, 0x22, 0x33])))
    assert r.stop is StopReason.RETURNED, r.detail
    assert {a: v for a, v in r.writes.items() if a >> 16 == 0x70} == {
        0x700010: (0, 0x11),
        0x700011: (0, 0x22),
        0x700012: (0, 0x33),
    }
    assert r.hardware["WMADD"] == 0x43
    assert [(a.address, a.kind.value) for a in r.io_log if a.dma] == [(0x2180, "read")] * 3


def test_wram_to_wram_through_the_port_does_not_transfer() -> None:
    # A->B from $7E:2000 to $2180: the port write is skipped and its address does not move;
    # B->A from $2180 to $00:0300 (a WRAM mirror): 0 is written and the port does not move.
    code = dma_channel(0, 0x00, 0x80, WRAM_SRC, 2) + dma_channel(1, 0x80, 0x80, 0x000300, 2)
    code += put(0x420B, 0x03) + NOP + RTS
    wram = bytearray(wram_with(0x2000, b"\x55\x66"))
    wram[0x300:0x302] = b"\x77\x88"
    r = lorom(code).run(0x008000, CpuState(), wram=bytes(wram))
    assert r.stop is StopReason.RETURNED, r.detail
    assert r.writes == {0x7E0300: (0x77, 0), 0x7E0301: (0x88, 0)}
    assert r.hardware["WMADD"] == 0
    assert b_bus_sequence(r) == []


def test_a_bus_cannot_reach_b_bus_or_cpu_registers() -> None:
    # source $00:2140 (the APU port as seen from the A bus) reads 0, not the port's $AA
    code = put(0x2181, 0x00) + put(0x2182, 0x05) + dma_channel(0, 0x08, 0x80, 0x002140, 2)
    code += put(0x420B, 0x01) + NOP + RTS
    m = lorom(code)
    r = m.run(0x008000, CpuState(), wram=bytes([0xEE]) * 0x20000)
    assert r.stop is StopReason.RETURNED, r.detail
    assert r.writes == {0x7E0500: (0xEE, 0), 0x7E0501: (0xEE, 0)}


def test_a_bus_io_outside_the_excluded_ranges_is_unsupported() -> None:
    code = dma_channel(0, 0x00, 0x40, 0x004400, 1) + put(0x420B, 0x01) + NOP + RTS
    r = lorom(code).run(0x008000, CpuState())
    assert r.stop is StopReason.UNSUPPORTED
    assert r.detail == "DMA A-bus read of I/O $004400 is not modelled"


def test_byte_count_zero_transfers_65536_bytes() -> None:
    # WRAM bank $7F -> VRAM through $2118/$2119 (mode 1, VMAIN=$80: +1 word after the high byte)
    pattern = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(0x10000))
    code = put(0x2115, 0x80) + dma_channel(0, 0x01, 0x18, 0x7F0000, 0) + put(0x420B, 0x01) + NOP + RTS
    m = lorom(code)
    r = m.run(0x008000, CpuState(), wram=bytes(0x10000) + pattern, max_cycles=70_000)
    assert r.stop is StopReason.RETURNED, r.detail
    assert bytes(m.peek_space("vram", i) for i in range(0x10000)) == pattern
    assert (r.hardware["$4305"], r.hardware["$4306"]) == (0, 0)
    assert (r.hardware["$4302"], r.hardware["$4303"]) == (0, 0)  # wrapped within the bank
    assert r.hardware["VMADD"] == 0x8000
    # 9 puts = 414 clocks (W ends there); NOP fetch: T = 422, a = 8 - 6 = 2; body = 8 + 8 + 8*65536;
    # a + body = 524306, mod 6 = 2 -> tail 4: stall 524310; total = 414 + 8 + 524310 + 6 + 42
    assert r.dma_clocks == 524_310 and r.master_clocks == 524_780


def test_budget_counts_dma_bytes() -> None:
    code = dma_channel(0, 0x00, 0x40, WRAM_SRC, 0x1000) + put(0x420B, 0x01) + NOP + RTS
    r = lorom(code).run(0x008000, CpuState(), max_cycles=2_000)
    assert r.stop is StopReason.BUDGET
    assert "DMA of 4096 bytes" in r.detail


# -- timing -------------------------------------------------------------------------------------------
#
# Routine: seven `LDA #v : STA $430x` (each 8+8 + 8+8+8+6 = 46 clocks from slow ROM bank $00),
# `LDA #mask : STA $420B` (46): the write cycle W ends at 7*46 + 46 = 368 clocks.
# Then NOP (opcode fetch 8 = cycle W+1; the idle 6 = cycle K, C = 6) or LDA #0 (opcode 8 = W+1, operand
# fetch 8 = K, C = 8), then RTS (8 + 6 + 6 + 8 + 8 + 6 = 42). Without DMA: 368 + 14 + 42 = 424 (NOP) or
# 368 + 16 + 42 = 426 (LDA). The DMA starts at T = phase + 376.
# stall = a + body + tail: a = 8 - T mod 8, body = 8 + 8 + 8n, tail = C - (a + body) mod C.

NOP_FOLLOW, LDA_FOLLOW = NOP, lda(0)


@pytest.mark.parametrize(
    ("phase", "follow", "n", "stall"),
    [
        (0, NOP_FOLLOW, 1, 36),  # a=8, a+body=32, 32 mod 6 = 2 -> tail 4
        (0, NOP_FOLLOW, 2, 42),  # a+body=40, 40 mod 6 = 4 -> tail 2
        (0, NOP_FOLLOW, 3, 54),  # a+body=48, 48 mod 6 = 0 -> tail 6 (never 0)
        (0, LDA_FOLLOW, 1, 40),  # C=8: a+body=32 -> tail 8
        (2, LDA_FOLLOW, 1, 32),  # T=378: a=6, a+body=30, 30 mod 8 = 6 -> tail 2
        (2, NOP_FOLLOW, 2, 42),  # a=6, a+body=38, 38 mod 6 = 2 -> tail 4
        (4, LDA_FOLLOW, 16, 152),  # T=380: a=4, a+body=148, 148 mod 8 = 4 -> tail 4
    ],
)
def test_dma_stall_matches_the_bsnes_formula(phase: int, follow: bytes, n: int, stall: int) -> None:
    with_dma = dma_channel(0, 0x00, 0x40, WRAM_SRC, n) + put(0x420B, 0x01) + follow + RTS
    without = dma_channel(0, 0x00, 0x40, WRAM_SRC, n) + put(0x420B, 0x00) + follow + RTS
    base = lorom(without).run(0x008000, CpuState(), hv_phase=phase)
    r = lorom(with_dma).run(0x008000, CpuState(), hv_phase=phase)
    assert base.master_clocks == (424 if follow == NOP_FOLLOW else 426)
    assert r.stop is StopReason.RETURNED, r.detail
    assert r.dma_clocks == stall
    assert r.master_clocks == base.master_clocks + stall
    assert r.cycles == base.cycles  # the CPU is stalled: no CPU cycles pass
    clock_count = 6 if follow == NOP_FOLLOW else 8
    assert dma_model.stall_clocks(phase + 376, clock_count, [n]) == stall


def test_two_channels_run_in_order_with_one_startup() -> None:
    # 14 puts (644 clocks) + $420B (46): W ends at 690; NOP: T = 698, a = 8 - 2 = 6;
    # body = 8 + (8 + 8*2) + (8 + 8*3) = 64; a + body = 70, 70 mod 6 = 4 -> tail 2: stall 72.
    code = dma_channel(1, 0x00, 0x41, WRAM_SRC + 0x10, 3) + dma_channel(0, 0x00, 0x40, WRAM_SRC, 2)
    r = lorom(code + put(0x420B, 0x03) + NOP + RTS).run(
        0x008000, CpuState(), wram=wram_with(0x2000, bytes([1, 2]) + bytes(14) + bytes([3, 4, 5]))
    )
    assert r.stop is StopReason.RETURNED, r.detail
    assert r.dma_clocks == 72 and r.master_clocks == 690 + 14 + 42 + 72
    assert b_bus_sequence(r) == [(0x2140, 1), (0x2140, 2), (0x2141, 3), (0x2141, 4), (0x2141, 5)]


def test_stall_formula_for_other_cycle_lengths_and_a_full_bank() -> None:
    assert dma_model.stall_clocks(0, 12, [1]) == 36  # a=8, body=24: 32 mod 12 = 8 -> tail 4
    assert dma_model.stall_clocks(6, 12, [1]) == 36  # a=2: 26 mod 12 = 2 -> tail 10
    assert dma_model.stall_clocks(4, 12, [2]) == 48  # a=4, body=32: 36 mod 12 = 0 -> tail 12
    assert dma_model.stall_clocks(0, 8, [0x10000]) == 8 + 8 + 8 + 8 * 0x10000 + 8


def test_dma_log_entries_carry_the_stalled_cycle_and_appear_in_io_writes() -> None:
    # 7 puts = 42 CPU cycles (0-41), LDA # 42-43, STA $420B 44-47: W = 47, the DMA stalls cycle K = 49
    code = dma_channel(0, 0x00, 0x40, WRAM_SRC, 2) + put(0x420B, 0x01) + NOP + RTS
    r = lorom(code).run(0x008000, CpuState(), wram=wram_with(0x2000, b"\x09\x08"))
    dma_entries = [a for a in r.io_log if a.dma]
    assert [(a.address, a.value, a.cycle) for a in dma_entries] == [(0x2140, 9, 49), (0x2140, 8, 49)]
    assert IoWrite(0x2140, 9, 49) in r.io_writes and IoWrite(0x420B, 1, 47) in r.io_writes


def test_multiplier_counts_cpu_cycles_not_dma_time() -> None:
    # LDX #mask; LDA #$FF; STA $4202; STA $4203; STX $420B; LDA $4216: 7 CPU cycles between the $4203
    # write and the $4216 read (8 are needed), with or without a 64-byte DMA stalling in between
    def routine(mask: int) -> bytes:
        return (
            dma_channel(0, 0x00, 0x40, WRAM_SRC, 64)
            + bytes([0xA2, mask])
            + lda(0xFF)
            + sta(0x4202)
            + sta(0x4203)
            + bytes([0x8E, 0x0B, 0x42])
            + lda_abs(0x4216)
            + RTS
        )

    stalled = lorom(routine(1)).run(0x008000, CpuState())
    plain = lorom(routine(0)).run(0x008000, CpuState())
    assert stalled.dma_clocks > 64 * 8 and plain.dma_clocks == 0
    assert stalled.state.a == plain.state.a != (255 * 255) & 0xFF  # still partial: the unit was paused


def test_dma_armed_by_the_last_instruction_before_stp_still_runs() -> None:
    # STP: opcode fetch (W+1), then idles: the DMA starts in the first idle (C = 6).
    code = dma_channel(0, 0x00, 0x40, WRAM_SRC, 1) + put(0x420B, 0x01) + STP
    r = lorom(code).run(0x008000, CpuState(), wram=wram_with(0x2000, b"\x5a"))
    assert r.stop is StopReason.STP
    assert b_bus_sequence(r) == [(0x2140, 0x5A)]
    assert r.dma_clocks == dma_model.stall_clocks(376, 6, [1])


def test_dma_registers_read_back_and_43xf_mirrors_43xb() -> None:
    # STA $437B = $5A via $437F; LDA $437B -> $5A; LDA $4375 -> the written $34
    code = put(0x437F, 0x5A) + put(0x4375, 0x34) + lda_abs(0x437B) + sta(0x0000) + lda_abs(0x4375) + RTS
    m = lorom(code)
    r = m.run(0x008000, CpuState())
    assert r.stop is StopReason.RETURNED, r.detail
    assert m.peek(0x000000) == 0x5A and r.state.a & 0xFF == 0x34
    assert r.hardware["$437B"] == 0x5A


def test_dma_register_holes_are_unsupported_reads() -> None:
    r = lorom(lda_abs(0x430C) + RTS).run(0x008000, CpuState())
    assert r.stop is StopReason.UNSUPPORTED and r.detail == "unmapped read $00430C"


@pytest.mark.parametrize(
    ("code", "register"),
    [
        (put(0x420C, 0x01), "$420C"),
        (put(0x4200, 0x10), "$4200"),
        (put(0x4200, 0x20), "$4200"),
    ],
)
def test_hdma_and_irq_enables_stop_the_run_naming_the_register(code: bytes, register: str) -> None:
    r = lorom(code + RTS).run(0x008000, CpuState())
    assert r.stop is StopReason.UNSUPPORTED and register in r.detail


def test_hdma_enable_zero_is_fine() -> None:
    r = lorom(put(0x420C, 0x00) + RTS).run(0x008000, CpuState())
    assert r.stop is StopReason.RETURNED and r.hardware["$420C"] == 0
