"""65816 arithmetic as pure functions: ADC/SBC in binary and decimal mode, 8 and 16 bits.

Each returns (result, carry, overflow) with carry 0/1 and overflow truthy; N and Z follow from the
result and its width. Decimal mode works nibble by nibble with the 65816's corrections, which also
defines the results for invalid BCD digits (A-F) the way the hardware and the reference cores do:
V is the binary overflow of the top nibble sum (after the lower nibbles' carry), before the final
decimal correction.
"""

from __future__ import annotations

__all__ = ["adc8", "adc16", "sbc8", "sbc16", "adc", "sbc"]


def adc8(a: int, b: int, carry: int, decimal: int) -> tuple[int, int, int]:
    """A + B + C on 8 bits."""
    if not decimal:
        r = a + b + carry
        return r & 0xFF, r >> 8, ~(a ^ b) & (a ^ r) & 0x80
    r = (a & 0x0F) + (b & 0x0F) + carry
    if r > 0x09:
        r += 0x06
    c = 1 if r > 0x0F else 0
    r = (a & 0xF0) + (b & 0xF0) + (c << 4) + (r & 0x0F)
    v = ~(a ^ b) & (a ^ r) & 0x80
    if r > 0x9F:
        r += 0x60
    return r & 0xFF, 1 if r > 0xFF else 0, v


def sbc8(a: int, b: int, carry: int, decimal: int) -> tuple[int, int, int]:
    """A - B - (1 - C) on 8 bits: computed as A + ~B + C with decimal corrections."""
    b ^= 0xFF
    if not decimal:
        r = a + b + carry
        return r & 0xFF, r >> 8, ~(a ^ b) & (a ^ r) & 0x80
    r = (a & 0x0F) + (b & 0x0F) + carry
    if r <= 0x0F:
        r -= 0x06
    c = 1 if r > 0x0F else 0
    r = (a & 0xF0) + (b & 0xF0) + (c << 4) + (r & 0x0F)
    v = ~(a ^ b) & (a ^ r) & 0x80
    if r <= 0xFF:
        r -= 0x60
    return r & 0xFF, 1 if r > 0xFF else 0, v


def adc16(a: int, b: int, carry: int, decimal: int) -> tuple[int, int, int]:
    """A + B + C on 16 bits."""
    if not decimal:
        r = a + b + carry
        return r & 0xFFFF, r >> 16, ~(a ^ b) & (a ^ r) & 0x8000
    r = (a & 0x000F) + (b & 0x000F) + carry
    if r > 0x0009:
        r += 0x0006
    c = 1 if r > 0x000F else 0
    r = (a & 0x00F0) + (b & 0x00F0) + (c << 4) + (r & 0x000F)
    if r > 0x009F:
        r += 0x0060
    c = 1 if r > 0x00FF else 0
    r = (a & 0x0F00) + (b & 0x0F00) + (c << 8) + (r & 0x00FF)
    if r > 0x09FF:
        r += 0x0600
    c = 1 if r > 0x0FFF else 0
    r = (a & 0xF000) + (b & 0xF000) + (c << 12) + (r & 0x0FFF)
    v = ~(a ^ b) & (a ^ r) & 0x8000
    if r > 0x9FFF:
        r += 0x6000
    return r & 0xFFFF, 1 if r > 0xFFFF else 0, v


def sbc16(a: int, b: int, carry: int, decimal: int) -> tuple[int, int, int]:
    """A - B - (1 - C) on 16 bits."""
    b ^= 0xFFFF
    if not decimal:
        r = a + b + carry
        return r & 0xFFFF, r >> 16, ~(a ^ b) & (a ^ r) & 0x8000
    r = (a & 0x000F) + (b & 0x000F) + carry
    if r <= 0x000F:
        r -= 0x0006
    c = 1 if r > 0x000F else 0
    r = (a & 0x00F0) + (b & 0x00F0) + (c << 4) + (r & 0x000F)
    if r <= 0x00FF:
        r -= 0x0060
    c = 1 if r > 0x00FF else 0
    r = (a & 0x0F00) + (b & 0x0F00) + (c << 8) + (r & 0x00FF)
    if r <= 0x0FFF:
        r -= 0x0600
    c = 1 if r > 0x0FFF else 0
    r = (a & 0xF000) + (b & 0xF000) + (c << 12) + (r & 0x0FFF)
    v = ~(a ^ b) & (a ^ r) & 0x8000
    if r <= 0xFFFF:
        r -= 0x6000
    return r & 0xFFFF, 1 if r > 0xFFFF else 0, v


def adc(a: int, b: int, carry: int, decimal: int, *, wide: bool) -> tuple[int, int, int]:
    """Width-dispatching convenience wrapper (for tests and tools, not the hot path)."""
    return adc16(a, b, carry, decimal) if wide else adc8(a, b, carry, decimal)


def sbc(a: int, b: int, carry: int, decimal: int, *, wide: bool) -> tuple[int, int, int]:
    """Width-dispatching convenience wrapper (for tests and tools, not the hot path)."""
    return sbc16(a, b, carry, decimal) if wide else sbc8(a, b, carry, decimal)
