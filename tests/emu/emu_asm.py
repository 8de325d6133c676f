"""A few 65816 encodings for hand-built test routines (no ASAR needed), and a LoROM image builder.

Each helper returns the instruction's bytes; tests concatenate them. 8-bit A and index registers are
assumed unless a helper says otherwise (CpuState's default P=$34 has m=1, x=1).
"""

from __future__ import annotations

from harness.emu import Machine

RTS = b"\x60"
RTL = b"\x6b"
NOP = b"\xea"
PLA = b"\x68"
STP = b"\xdb"


def lda(value: int) -> bytes:
    """LDA #value (8-bit)."""
    return bytes([0xA9, value & 0xFF])


def lda_abs(address: int) -> bytes:
    """LDA $hhll."""
    return bytes([0xAD, address & 0xFF, (address >> 8) & 0xFF])


def sta(address: int) -> bytes:
    """STA $hhll."""
    return bytes([0x8D, address & 0xFF, (address >> 8) & 0xFF])


def stz(address: int) -> bytes:
    """STZ $hhll."""
    return bytes([0x9C, address & 0xFF, (address >> 8) & 0xFF])


def jmp(address: int) -> bytes:
    """JMP $hhll."""
    return bytes([0x4C, address & 0xFF, (address >> 8) & 0xFF])


def xba() -> bytes:
    return b"\xeb"


def put(address: int, value: int) -> bytes:
    """LDA #value : STA address (STZ when value is 0 would change the cycle count; always LDA/STA)."""
    return lda(value) + sta(address)


def dma_channel(channel: int, control: int, b_reg: int, source: int, count: int) -> bytes:
    """Write $43c0-$43c6: DMAP, BBAD (low byte of $21xx), A1T (16 bits), A1B (bank), DAS (16 bits)."""
    base = 0x4300 | (channel << 4)
    values = (
        control,
        b_reg & 0xFF,
        source & 0xFF,
        (source >> 8) & 0xFF,
        source >> 16,
        count & 0xFF,
        (count >> 8) & 0xFF,
    )
    return b"".join(put(base + offset, value) for offset, value in enumerate(values))


def lorom(code: bytes, *, at: int = 0, extra: dict[int, bytes] | None = None) -> Machine:
    """A 32 KiB LoROM image with `code` at ROM offset `at` ($00:8000 + at) and extra data blocks."""
    rom = bytearray(0x8000)
    rom[at : at + len(code)] = code
    for offset, data in (extra or {}).items():
        rom[offset : offset + len(data)] = data
    return Machine.from_rom(bytes(rom))
