"""PPU ports: VRAM (VMAIN increments and remaps, read prefetch), CGRAM, OAM, mode-7 multiply, timing rules.

Sources (read, not copied): bsnes `sfc/ppu/io.cpp` (`readIO`/`writeIO`, `addressVRAM`, `readVRAM`,
`writeVRAM`, `readOAM`/`writeOAM`, `readCGRAM`/`writeCGRAM`), `sfc/ppu/oam.cpp`, ares `sfc/ppu/io.cpp`;
fullsnes "SNES PPU Video Memory (VRAM)" (VMAIN increment/translation tables), "SNES PPU Palette
(CGRAM)", "SNES PPU Sprites (OBJs) OAM" and "Mode7 multiply" (24-bit signed result of $211B x $211C).
"""

from __future__ import annotations

import pytest
from emu_asm import NOP, RTS, dma_channel, lda_abs, lorom, put, sta

from harness.emu import CpuState, Machine, StopReason
from harness.errors import HarnessError


def run(code: bytes, **kwargs) -> tuple[Machine, object]:
    m = lorom(code + RTS, extra=kwargs.pop("extra", None))
    return m, m.run(0x008000, CpuState(), **kwargs)


def vram_data(writes: list[int]) -> bytes:
    """Alternate $2118/$2119 writes of the given bytes."""
    return b"".join(put(0x2118 + (i & 1), value) for i, value in enumerate(writes))


# -- VRAM --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vmain", "vmadd", "expected"),
    [
        (0x80, 0x0100, {0x200: 0x11, 0x201: 0x22, 0x202: 0x33, 0x203: 0x44}),  # +1 word after the high byte
        (0x00, 0x0100, {0x200: 0x11, 0x203: 0x22, 0x202: 0x33, 0x205: 0x44}),  # +1 after the low byte
        (0x81, 0x0100, {0x200: 0x11, 0x201: 0x22, 0x240: 0x33, 0x241: 0x44}),  # +32 words
        (0x82, 0x0100, {0x200: 0x11, 0x201: 0x22, 0x300: 0x33, 0x301: 0x44}),  # +128 words
        (0x83, 0x0100, {0x200: 0x11, 0x201: 0x22, 0x300: 0x33, 0x301: 0x44}),  # 3 is also +128
        # remap 1 (aaaaaaaaYYYxxxxx -> aaaaaaaaxxxxxYYY): $0021 -> $0009, $0022 -> $0011
        (0x84, 0x0021, {0x12: 0x11, 0x13: 0x22, 0x22: 0x33, 0x23: 0x44}),
        (0x84, 0x1221, {0x2412: 0x11, 0x2413: 0x22, 0x2422: 0x33, 0x2423: 0x44}),  # high bits kept
        # remap 2 (9-bit rotate): $0041 -> $0009; remap 3 (10-bit rotate): $0081 -> $0009
        (0x88, 0x0041, {0x12: 0x11, 0x13: 0x22, 0x22: 0x33, 0x23: 0x44}),
        (0x8C, 0x0081, {0x12: 0x11, 0x13: 0x22, 0x22: 0x33, 0x23: 0x44}),
        # the word address wraps at 32 K words: $FFFF -> word $7FFF, then $0000
        (0x80, 0xFFFF, {0xFFFE: 0x11, 0xFFFF: 0x22, 0x0000: 0x33, 0x0001: 0x44}),
    ],
)
def test_vram_writes_follow_vmain_increment_and_remap(
    vmain: int, vmadd: int, expected: dict[int, int]
) -> None:
    code = put(0x2115, vmain) + put(0x2116, vmadd & 0xFF) + put(0x2117, vmadd >> 8)
    m, r = run(code + vram_data([0x11, 0x22, 0x33, 0x44]))
    assert r.stop is StopReason.RETURNED, r.detail
    assert r.space_writes["vram"] == {address: (0, value) for address, value in expected.items()}
    assert all(m.peek_space("vram", address) == value for address, value in expected.items())


@pytest.mark.parametrize(
    ("vmain", "reads", "expected"),
    [
        # the word latch is loaded from the address when VMADD is written and again, BEFORE the increment,
        # by the read that increments: the first word is returned twice (bsnes readIO $2139/$213A)
        (0x80, [0x2139, 0x213A, 0x2139, 0x213A, 0x2139], [0x11, 0x22, 0x11, 0x22, 0x33]),
        (0x00, [0x2139, 0x213A, 0x2139, 0x213A], [0x11, 0x22, 0x11, 0x44]),
    ],
)
def test_vram_reads_go_through_the_prefetch_latch(vmain: int, reads: list[int], expected: list[int]) -> None:
    vram = bytearray(0x10000)
    vram[0x200:0x206] = bytes([0x11, 0x22, 0x33, 0x44, 0x55, 0x66])
    code = put(0x2115, vmain) + put(0x2116, 0x00) + put(0x2117, 0x01)
    code += b"".join(lda_abs(reg) + sta(0x0000 + i) for i, reg in enumerate(reads))
    m, r = run(code, vram=bytes(vram))
    assert r.stop is StopReason.RETURNED, r.detail
    assert [m.peek(i) for i in range(len(reads))] == expected
    assert [(a.address, a.value) for a in r.io_reads] == list(zip(reads, expected, strict=True))


# -- CGRAM -------------------------------------------------------------------------------------------


def test_cgram_writes_pairs_and_drops_bit_15() -> None:
    code = put(0x2121, 0x05) + put(0x2122, 0x1F) + put(0x2122, 0x7C) + put(0x2122, 0xFF) + put(0x2122, 0xFF)
    code += put(0x2122, 0x12)  # one byte more: latched, not written
    m, r = run(code)
    assert r.space_writes["cgram"] == {10: (0, 0x1F), 11: (0, 0x7C), 12: (0, 0xFF), 13: (0, 0x7F)}
    assert (r.hardware["CGADD"], r.hardware["CGRAM_FLIPFLOP"], r.hardware["CGRAM_LATCH"]) == (7, 1, 0x12)
    assert m.peek_space("cgram", 13) == 0x7F


def test_cgram_reads_low_then_high_with_open_bus_bit_7() -> None:
    cgram = bytearray(0x200)
    cgram[10:14] = bytes([0x1F, 0x7C, 0xFF, 0x7F])
    code = put(0x2121, 0x05) + b"".join(lda_abs(0x213B) + sta(i) for i in range(4))
    m, r = run(code, cgram=bytes(cgram))
    # high byte bit 7 = PPU2 open bus: the previous PPU2 read ($1F: 0, then $FF: 1)
    assert [m.peek(i) for i in range(4)] == [0x1F, 0x7C, 0xFF, 0xFF]
    assert r.hardware["CGADD"] == 7


def test_cgram_reads_and_writes_share_the_flip_flop() -> None:
    cgram = bytearray(0x200)
    cgram[0:4] = bytes([0x01, 0x02, 0x03, 0x04])
    code = put(0x2121, 0x00) + put(0x2122, 0x55) + lda_abs(0x213B) + sta(0x0000)
    m, r = run(code, cgram=bytes(cgram))
    assert m.peek(0) == 0x02  # the write took the low half: the read gets the high byte and moves on
    assert (r.hardware["CGADD"], r.hardware["CGRAM_FLIPFLOP"]) == (1, 0)
    assert r.space_writes["cgram"] == {}


# -- OAM ---------------------------------------------------------------------------------------------


def test_oam_low_table_writes_are_buffered_in_pairs() -> None:
    code = put(0x2102, 0x01) + put(0x2103, 0x00) + put(0x2104, 0xAA) + put(0x2104, 0xBB) + put(0x2104, 0xCC)
    m, r = run(code)
    assert r.space_writes["oam"] == {2: (0, 0xAA), 3: (0, 0xBB)}  # word 1 = bytes 2, 3; $CC only latched
    assert (r.hardware["OAMADD"], r.hardware["OAM_LATCH"], r.hardware["OAM_BASE"]) == (5, 0xCC, 2)


def test_oam_high_table_writes_go_straight_through_and_mirror() -> None:
    # word address $110 (bit 8 from $2103 bit 0) = byte address $220, which mirrors high-table byte 0
    code = put(0x2102, 0x10) + put(0x2103, 0x81) + put(0x2104, 0xC1) + put(0x2104, 0xC2)
    m, r = run(code)
    assert r.space_writes["oam"] == {512: (0, 0xC1), 513: (0, 0xC2)}
    assert r.hardware["OAM_PRIORITY"] == 1 and r.hardware["OAMADD"] == 0x222


def test_oam_dma_of_544_bytes_fills_both_tables_and_reads_back() -> None:
    table = bytes((i * 5 + 3) & 0xFF for i in range(544))
    code = put(0x2102, 0) + put(0x2103, 0) + dma_channel(0, 0x00, 0x04, 0x009000, 544) + put(0x420B, 1) + NOP
    code += put(0x2102, 0) + put(0x2103, 0) + lda_abs(0x2138) + sta(0) + lda_abs(0x2138) + sta(1)
    m, r = run(code, extra={0x1000: table})
    assert r.stop is StopReason.RETURNED, r.detail
    assert bytes(m.peek_space("oam", i) for i in range(544)) == table
    assert [m.peek(0), m.peek(1)] == list(table[:2])
    assert r.hardware["OAMADD"] == 2


# -- mode 7 multiply ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("m7a", "m7b", "product"),
    [
        (0xFFFE, 0x03, 0xFFFFFA),  # -2 * 3 = -6
        (0x8000, 0x80, 0x400000),  # -32768 * -128 = 4194304
        (0x7FFF, 0x7F, 0x3F7F81),  # 32767 * 127 = 4161409
        (0x1234, 0xFF, 0xFFEDCC),  # 4660 * -1
        (0x0005, 0x00, 0x000000),
    ],
)
def test_mode7_multiply_is_signed_16_by_8(m7a: int, m7b: int, product: int) -> None:
    code = put(0x211B, m7a & 0xFF) + put(0x211B, m7a >> 8) + put(0x211C, 0x99) + put(0x211C, m7b)
    code += b"".join(lda_abs(0x2134 + i) + sta(i) for i in range(3))
    m, r = run(code)
    assert r.stop is StopReason.RETURNED, r.detail
    assert m.peek(0) | m.peek(1) << 8 | m.peek(2) << 16 == product


def test_mode7_registers_share_one_write_latch() -> None:
    # $211B low, then $211C (its byte becomes the latch), then $211B high: M7A = high:latch
    code = put(0x211B, 0x34) + put(0x211C, 0x02) + put(0x211B, 0x01)
    code += b"".join(lda_abs(0x2134 + i) + sta(i) for i in range(3))
    m, r = run(code)
    assert r.hardware["M7A"] == 0x0102 and r.hardware["M7B"] == 0x0234
    assert m.peek(0) | m.peek(1) << 8 | m.peek(2) << 16 == 0x0102 * 0x02


# -- timing rules ---------------------------------------------------------------------------------------

LINE = 1364


def test_vram_writes_are_dropped_during_active_display_with_the_display_on() -> None:
    code = put(0x2100, 0x0F) + put(0x2115, 0x80) + vram_data([0x11, 0x22])
    _, active = run(code, hv_phase=10 * LINE)
    _, vblank = run(code, hv_phase=230 * LINE)
    _, untimed = run(code)
    _, forced_blank = run(put(0x2115, 0x80) + vram_data([0x11, 0x22]), hv_phase=10 * LINE)
    assert active.space_writes["vram"] == {} and active.hardware["VMADD"] == 1  # the address still moves
    for r in (vblank, untimed, forced_blank):
        assert r.space_writes["vram"] == {0: (0, 0x11), 1: (0, 0x22)}


@pytest.mark.parametrize(
    ("code", "what"),
    [
        (put(0x2104, 0x01), "OAM write $2104"),
        (put(0x2122, 0x01) + put(0x2122, 0x02), "CGRAM write $2122"),
        (lda_abs(0x2138), "OAM read $2138"),
    ],
)
def test_oam_and_cgram_access_during_active_display_is_unsupported(code: bytes, what: str) -> None:
    _, r = run(put(0x2100, 0x0F) + code, hv_phase=10 * LINE + 200)
    assert r.stop is StopReason.UNSUPPORTED and r.detail.startswith(what)
    _, ok = run(put(0x2100, 0x0F) + code, hv_phase=240 * LINE)
    assert ok.stop is StopReason.RETURNED


def test_dma_into_vram_across_the_start_of_vblank_drops_only_the_early_bytes() -> None:
    # puts: $2100, $2115, 7 DMA registers, $420B = 10 x 46 = 460 clocks; NOP fetch: T = phase + 468.
    # phase 306332: T = 306800 (a multiple of 8: a = 8); byte k is written at T + 8 + 8 + 8 + 8k + 8 =
    # 306832 + 8k; line 225 starts at 306900, so bytes 0-8 are dropped and 9-31 land.
    code = put(0x2100, 0x0F) + put(0x2115, 0x80) + dma_channel(0, 0x01, 0x18, 0x009000, 32)
    _, r = run(code + put(0x420B, 1) + NOP, hv_phase=306_332, extra={0x1000: bytes(range(1, 33))})
    assert r.stop is StopReason.RETURNED, r.detail
    assert r.space_writes["vram"] == {k: (0, k + 1) for k in range(9, 32)}


# -- inputs and inspection ----------------------------------------------------------------------------


def test_initial_contents_are_inputs_and_writes_record_the_old_value() -> None:
    vram = bytes([0xAB]) * 0x10000
    _, r = run(put(0x2115, 0x80) + vram_data([0x11]), vram=vram, oam=bytes([1]) * 544, cgram=bytes(512))
    assert r.space_writes["vram"] == {0: (0xAB, 0x11)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vram": bytes(10)}, "vram must be 65536 bytes"),
        ({"oam": bytes(512)}, "oam must be 544 bytes"),
        ({"cgram": bytes([0, 0x80]) + bytes(510)}, r"cgram byte \$001=\$80"),
        ({"cgram": "abc"}, "initial cgram must be bytes"),
    ],
)
def test_bad_initial_contents_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        lorom(RTS).run(0x008000, CpuState(), **kwargs)


def test_peek_space_checks_the_space_and_the_address() -> None:
    m = lorom(RTS)
    m.run(0x008000, CpuState())
    assert m.peek_space("oam", 543) == 0
    with pytest.raises(HarnessError, match="space='wram'"):
        m.peek_space("wram", 0)
    with pytest.raises(HarnessError, match=r"0\.\.\$1FF"):
        m.peek_space("cgram", 512)


# -- memories at entry are filled on first use ---------------------------------------------------------


def test_memories_at_entry_are_what_a_run_sees_however_earlier_runs_left_them() -> None:
    """VRAM/CGRAM/OAM are copied in from the run's inputs only when first touched; a run after one that
    wrote VRAM (or never touched it) sees exactly its own inputs, and untouched memories read back
    as given."""
    upload = put(0x2115, 0x80) + put(0x2116, 0x00) + put(0x2117, 0x00) + vram_data([0x11, 0x22])
    m = lorom(upload + RTS)
    only_rts = 0x008000 + len(upload)
    first = bytes(range(256)) * 256
    m.run(0x008000, CpuState(), vram=first)
    assert (m.peek_space("vram", 0), m.peek_space("vram", 1), m.peek_space("vram", 2)) == (0x11, 0x22, 2)
    second = bytes([0x5A]) * 0x10000
    cgram = bytes([0x33, 0x7F]) * 256
    oam = bytes(range(0x220 % 256)) + bytes(0x220 - 0x220 % 256)
    m.run(only_rts, CpuState(), vram=second, cgram=cgram, oam=oam)  # the RTS alone: nothing touched
    assert bytes(m.bus.ppu.memory("vram")) == second
    assert bytes(m.bus.ppu.memory("cgram")) == cgram and bytes(m.bus.ppu.memory("oam")) == oam
    m.run(only_rts, CpuState())  # default contents: zeros
    assert not any(m.bus.ppu.memory("vram")) and m.peek_space("oam", 5) == 0


def test_an_unknown_memory_is_an_attribute_error_not_a_fill() -> None:
    m = lorom(RTS)
    with pytest.raises(AttributeError, match="wram"):
        m.bus.ppu.wram  # noqa: B018  (the attribute access is the test)
