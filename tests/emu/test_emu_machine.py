"""Named cases for `Machine` on the SNES bus; each has its assembly in a comment.

Images are built from raw bytes (LoROM, code at $00:8000) so these run without ASAR; the last tests
use the real ASAR through `Machine.from_assembly`.
"""

from __future__ import annotations

import time

import pytest

from harness.emu import CpuState, IoWrite, Machine, StopReason, disassemble
from harness.errors import HarnessError


def lorom(code: bytes, *, at: int = 0, extra: dict[int, bytes] | None = None) -> Machine:
    rom = bytearray(0x8000)
    rom[at : at + len(code)] = code
    for offset, data in (extra or {}).items():
        rom[offset : offset + len(data)] = data
    return Machine.from_rom(bytes(rom))


def test_jsr_routine_returns_and_logs_mirror_writes_canonically() -> None:
    # REP #$20; LDA $10; ASL A; STA $0012 (bank-0 mirror); SEP #$20; RTS
    m = lorom(bytes.fromhex("c220a5100a8d1200e22060"))
    r = m.run(0x008000, CpuState(), memory={0x7E0010: 0x34, 0x7E0011: 0x12})
    assert r.stop is StopReason.RETURNED
    assert r.state.a == 0x2468 and r.state.s == 0x01FF and r.state.pc == 0xFFFF
    assert r.writes == {0x7E0012: (0, 0x68), 0x7E0013: (0, 0x24)}
    assert m.peek(0x000012) == 0x68 and m.peek(0x7E0013) == 0x24
    assert r.instructions == 6


def test_master_clocks_follow_the_region_model() -> None:
    # REP #$20 (3 cycles: 8+8+6); LDA $10 (8+8+8+8); ASL A (8+6); STA $12 (4 x 8); SEP #$20 (22);
    # RTS (8 + 6+6 + 8+8 + 6) = 164 clocks in slow ROM bank $00
    m = lorom(bytes.fromhex("c220a5100a8512e22060"))
    r = m.run(0x008000, CpuState())
    assert (r.cycles, r.master_clocks) == (22, 164)


def test_fastrom_applies_in_banks_80_and_up_after_420d() -> None:
    # LDA #$01; STA $420D; NOP; RTL  -- called with jsl at $80:8000
    m = lorom(bytes.fromhex("a9018d0d42ea6b"))
    r = m.run(0x808000, CpuState(), call="jsl")
    assert r.stop is StopReason.RETURNED
    # LDA #: 8+8; STA $420D: 8+8+8 + 6 (I/O); NOP: 6+6 (fast fetch, idle); RTL: 6 + 6+6 + 8+8+8
    assert r.master_clocks == 16 + 30 + 12 + 42
    assert r.io_writes == (IoWrite(0x420D, 1, 5),)


def test_jsl_routine_in_emulation_mode_uses_page_one_stack() -> None:
    # LDA #$42; RTL
    m = lorom(bytes.fromhex("a9426b"))
    r = m.run(0x008000, CpuState(e=1, s=0x01F0), call="jsl")
    assert r.stop is StopReason.RETURNED
    assert r.state.a & 0xFF == 0x42 and r.state.e == 1 and r.state.s == 0x01F0


def test_brk_without_vector_stops_with_brk() -> None:
    # BRK #$00
    r = lorom(bytes.fromhex("0000")).run(0x008000, CpuState())
    assert r.stop is StopReason.BRK


def test_cop_with_vector_set_continues_into_the_handler() -> None:
    # COP #$00 -> native COP vector $FFE4 = $9000: STP
    m = lorom(bytes.fromhex("0200"), extra={0x1000: b"\xdb", 0x7FE4: b"\x00\x90"})
    r = m.run(0x008000, CpuState())
    assert r.stop is StopReason.STP
    assert r.state.pc == 0x9001


@pytest.mark.parametrize(("opcode", "reason"), [(0xDB, StopReason.STP), (0xCB, StopReason.WAI)])
def test_stp_and_wai_stop(opcode: int, reason: StopReason) -> None:
    r = lorom(bytes([opcode])).run(0x008000, CpuState())
    assert r.stop is reason and r.cycles == 3


def test_infinite_loop_stops_at_budget_quickly() -> None:
    # loop: BRA loop
    m = lorom(bytes.fromhex("80fe"))
    started = time.perf_counter()
    r = m.run(0x008000, CpuState(), max_cycles=100_000)
    assert time.perf_counter() - started < 1.0
    assert r.stop is StopReason.BUDGET and r.stop.value == "budget"
    assert 100_000 <= r.cycles < 100_010


def test_unmapped_read_is_unsupported() -> None:
    # LDA $213F (STAT78 is not modelled)
    r = lorom(bytes.fromhex("ad3f2160")).run(0x008000, CpuState())
    assert r.stop is StopReason.UNSUPPORTED
    assert r.detail == "unmapped read $00213F"


def test_dma_start_runs_the_transfer() -> None:
    # LDA #$40; STA $4301 (B = $2140); LDA #$01; STA $4305 (1 byte from $00:0000); STA $420B; NOP; RTS
    # (patterns, timing and destinations: test_emu_dma.py, test_emu_ppu.py)
    m = lorom(bytes.fromhex("a9408d0143a9018d05438d0b42ea60"))
    r = m.run(0x008000, CpuState(), memory={0x7E0000: 0x99})
    assert r.stop is StopReason.RETURNED
    assert [(a.address, a.value) for a in r.io_log if a.dma] == [(0x2140, 0x99)]
    assert r.dma_clocks > 0 and r.hardware["APUIO0"] == 0x99


def test_io_writes_are_logged_in_order() -> None:
    # LDA #$8F; STA $2100; STZ $2122; LDA #$FF; STA $2122; RTS
    r = lorom(bytes.fromhex("a98f8d00219c2221a9ff8d222160")).run(0x008000, CpuState())
    assert [(w.address, w.value) for w in r.io_writes] == [(0x2100, 0x8F), (0x2122, 0), (0x2122, 0xFF)]
    assert [w.cycle for w in r.io_writes] == sorted(w.cycle for w in r.io_writes)
    assert r.writes == {}


def test_wram_port_writes_and_reads_wram() -> None:
    # STZ $2181; LDA #$20; STA $2182; LDA #$01; STA $2183 (address $1:2000);
    # LDA #$AB; STA $2180; STA $2180; STZ $2181; LDA $2180; RTS
    code = bytes.fromhex(
        "9c8121 a920 8d8221 a901 8d8321 a9ab 8d8021 8d8021 9c8121 ad8021 60".replace(" ", "")
    )
    m = lorom(code)
    r = m.run(0x008000, CpuState())
    assert r.stop is StopReason.RETURNED
    assert r.writes == {0x7F2000: (0, 0xAB), 0x7F2001: (0, 0xAB)}
    assert r.state.a & 0xFF == 0xAB


def test_fixed_stubs_and_apu_echo() -> None:
    # LDA $4212 -> $80; XBA; LDA $2140 -> $AA (IPL signature); RTS
    r = lorom(bytes.fromhex("ad1242ebad402160")).run(0x008000, CpuState())
    assert r.state.a == 0x80AA


def test_multiplier_result_is_partial_when_read_too_early() -> None:
    # LDA #$FF; STA $4202; STA $4203; LDA $4216 (3 cycles later); XBA; NOP x4; LDA $4216; RTS
    m = lorom(bytes.fromhex("a9ff8d02428d0342ad1642ebeaeaeaeaad164260"))
    r = m.run(0x008000, CpuState())
    early, late = r.state.a >> 8, r.state.a & 0xFF
    assert late == (255 * 255) & 0xFF
    assert early != late


def test_trace_lists_instructions_with_cycles() -> None:
    # LDX #$02; DEX; BNE -3; RTS
    r = lorom(bytes.fromhex("a202cad0fd60")).run(0x008000, CpuState(), trace=True)
    assert r.trace is not None
    assert [t.text for t in r.trace] == ["ldx #$02", "dex", "bne $8002", "dex", "bne $8002", "rts"]
    assert sum(t.cycles for t in r.trace) == r.cycles
    assert r.trace[1].state_after.x == 1


def test_disassemble_tracks_rep_and_sep() -> None:
    listing = disassemble(bytes.fromhex("c230a93412e220a912"), 0x8000, m=1, x=1)
    assert [text for _, _, text in listing] == ["rep #$30", "lda #$1234", "sep #$20", "lda #$12"]


def test_cpu_state_validates_and_reads_flags() -> None:
    state = CpuState(p=0x81)
    assert state.flag("N") == 1 and state.flag("C") == 1 and state.flag("Z") == 0
    assert state.replace(a=5).a == 5
    with pytest.raises(ValueError, match="a=65536"):
        CpuState(a=0x10000)
    with pytest.raises(KeyError):
        state.flag("Q")


def test_bad_call_and_poke_are_clear_errors() -> None:
    m = lorom(b"\x60")
    with pytest.raises(HarnessError, match="call="):
        m.run(0x008000, CpuState(), call="jmp")
    with pytest.raises(HarnessError, match="not WRAM"):
        m.run(0x008000, CpuState(), memory={0x002100: 1})


def test_from_assembly_with_real_asar() -> None:
    from harness.asar import assemble

    res = assemble("double:\n  rep #$20\n  lda $10\n  asl\n  sta $12\n  sep #$20\n  rts\n")
    assert res.ok, res.errors
    m = Machine.from_assembly(res)
    r = m.run(res.symbols["double"], CpuState(), wram=bytes([0, 0] * 8 + [0x21, 0x43] + [0] * (0x20000 - 18)))
    assert r.stop is StopReason.RETURNED
    assert m.peek(0x7E0012) | m.peek(0x7E0013) << 8 == 0x8642


def test_from_assembly_hirom() -> None:
    from harness.asar import assemble

    res = assemble("hirom\norg $C00000\nentry:\n  lda #$05\n  rtl\n", mapper="hirom")
    assert res.ok, res.errors
    r = Machine.from_assembly(res).run(res.symbols["entry"], CpuState(), call="jsl")
    assert r.stop is StopReason.RETURNED and r.state.a & 0xFF == 5


@pytest.mark.parametrize(
    ("address", "fast", "clocks"),
    [
        (0x008000, False, 8),
        (0x808000, True, 6),
        (0x008000, True, 8),  # FastROM only in banks $80-$FF
        (0xC00000, True, 6),
        (0x400000, True, 8),
        (0x7E0000, True, 8),
        (0x000000, False, 8),
        (0x001FFF, False, 8),
        (0x002100, False, 6),
        (0x004016, False, 12),
        (0x0041FF, False, 12),
        (0x004200, False, 6),
        (0x005FFF, False, 6),
        (0x006000, False, 8),
    ],
)
def test_master_clocks_per_region(address: int, fast: bool, clocks: int) -> None:
    from harness.emu.snes import master_clocks_for

    assert master_clocks_for(address, fast) == clocks


def test_joypad_serial_write_costs_12_clocks() -> None:
    # STA $4016 (op, lo, hi from slow ROM: 3 x 8, then the write: 12); RTS (8 + 6+6 + 8+8 + 6)
    r = lorom(bytes.fromhex("8d164060")).run(0x008000, CpuState())
    assert r.master_clocks == 24 + 12 + 42
    assert r.io_writes == (IoWrite(0x4016, 0, 3),)


def test_sram_writes_use_the_canonical_bank_70_address() -> None:
    # LDA #$5A; STA $F01234 (LoROM SRAM mirror of $70:1234); RTS
    m = lorom(bytes.fromhex("a95a8f3412f060"))
    r = m.run(0x008000, CpuState())
    assert r.stop is StopReason.RETURNED
    assert r.writes == {0x701234: (0, 0x5A)}
    assert m.peek(0x701234) == 0x5A


def test_writing_rom_is_unsupported() -> None:
    # STA $8000
    r = lorom(bytes.fromhex("8d008060")).run(0x008000, CpuState())
    assert r.stop is StopReason.UNSUPPORTED and r.detail == "write to ROM $008000"
