"""General-purpose DMA ($420B): the transfer patterns, the A-bus rules and the master-clock cost.

Why: real routines upload tiles, tilemaps, palettes and OAM by DMA; the verifier must see the same
memory effects and the same stall as hardware. Read (never copied): bsnes `sfc/cpu/dma.cpp`
(`CPU::dmaRun`, `Channel::dmaRun`, `Channel::transfer`, `Channel::validA`, `readA`/`readB`) and
`sfc/cpu/timing.cpp` (`CPU::dmaEdge`, `dmaCounter`), `sfc/cpu/memory.cpp` (`read`/`write` set
`status.clockCount` before `dmaEdge`), `sfc/cpu/io.cpp` (`writeCPU` $420B, `readDMA`/`writeDMA`);
ares `sfc/cpu/dma.cpp`, `timing.cpp` and `memory.cpp` implement the same model.

Timing. A write of a nonzero value to $420B at CPU cycle W arms the transfer; cycle W+1 runs in
full; the transfer starts at the beginning of cycle K = W+2, whose own length is C (6, 8 or 12
master clocks, from the usual region rule). With T = the absolute master clock at the start of K and
n_i = the byte count of each enabled channel i (a count of 0 means 65,536):

    a    = 8 - (T mod 8)                       (align to the DMA clock; 2, 4, 6 or 8)
    body = 8 + sum_i (8 + 8 * n_i)             (start-up, then per channel 8 + 8 per byte)
    tail = C - ((a + body) mod C)              (re-align to the CPU cycle; 1..C, never 0)
    stall = a + body + tail

The CPU is stalled: master clocks advance by `stall`, the CPU cycle count does not, and the hardware
multiplier/divider (stepped per CPU cycle) does not advance either. Within a channel, byte k is read
at T + a + 8 + (channel offset) + 8k + 4 and written 4 clocks later; the times matter for the PPU's
active-display rules. Channels run in order 0..7.

Transfer patterns (B-bus offsets added to $43x1 for byte k, k mod 4): 0: 0; 1: 0,1; 2: 0,0;
3: 0,0,1,1; 4: 0,1,2,3; 5: 0,1,0,1; 6: as 2; 7: as 3. $43x0 bit 3 fixes the A-bus address, bit 4
decrements it (within its bank); bit 7 = B->A. After the transfer $43x2/3 hold the next A-bus address
and $43x5/6 are 0.

A-bus rules: $2100-$21FF, $4000-$41FF, $4200-$421F and $4300-$437F (banks $00-$3F/$80-$BF) are not
reachable from the A bus: reads give 0, writes are dropped. WRAM <-> $2180 (the WRAM port) does not
work on hardware: A->B skips the port write (the port address does not move); B->A writes 0 to the
A-bus address (bsnes/ares put 0 on the bus; hardware leaves open bus) and the port does not move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "PATTERNS",
    "DmaPort",
    "a_bus_valid",
    "channel_length",
    "run_dma",
    "stall_clocks",
    "wram_port_blocked",
]

PATTERNS: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 1, 0, 1),
    (0, 0, 0, 0),
    (0, 0, 1, 1),
    (0, 1, 2, 3),
    (0, 1, 0, 1),
    (0, 0, 0, 0),
    (0, 0, 1, 1),
)
DMA_CLOCKS_PER_BYTE = 8
DMA_START_CLOCKS = 8
DMA_CHANNEL_CLOCKS = 8


class DmaPort(Protocol):
    """What the transfer needs from the bus; `t` is the absolute master clock of the access."""

    def dma_read_a(self, address: int) -> int: ...

    def dma_write_a(self, address: int, value: int) -> None: ...

    def dma_read_b(self, reg: int, t: int) -> int: ...

    def dma_write_b(self, reg: int, value: int, t: int) -> None: ...


def a_bus_valid(address: int) -> bool:
    """False for the B bus and the CPU's own registers as seen from the A bus (bsnes `validA`)."""
    if (address & 0x40FF00) == 0x2100:
        return False
    if (address & 0x40FE00) == 0x4000:
        return False
    if (address & 0x40FFE0) == 0x4200:
        return False
    return (address & 0x40FF80) != 0x4300


def wram_port_blocked(address_a: int, b_low: int) -> bool:
    """WRAM to/from the WRAM port: the transfer is invalid (WRAM is on both ends)."""
    if b_low != 0x80:
        return False
    return (address_a & 0xFE0000) == 0x7E0000 or (address_a & 0x40E000) == 0x0000


def channel_length(regs: bytearray, channel: int) -> int:
    count = regs[channel * 16 + 5] | (regs[channel * 16 + 6] << 8)
    return count or 0x10000


def stall_clocks(start: int, clock_count: int, lengths: Sequence[int]) -> int:
    """The formula in the module docstring: master clocks the CPU is stalled for."""
    align = 8 - (start & 7)
    body = DMA_START_CLOCKS + sum(DMA_CHANNEL_CLOCKS + DMA_CLOCKS_PER_BYTE * n for n in lengths)
    return _realign(align + body, clock_count)


def _realign(elapsed: int, clock_count: int) -> int:
    """bsnes `dmaEdge`: step(clockCount - counter.dma % clockCount) after the transfer."""
    return elapsed + clock_count - elapsed % clock_count


def run_dma(regs: bytearray, mask: int, start: int, clock_count: int, port: DmaPort) -> int:
    """Run every channel enabled in `mask` (in order); update their registers; return the stall.

    The stall is computed from the clocks the walk itself spent, so it equals `stall_clocks` by
    construction of both (a test checks they agree).
    """
    t = start + 8 - (start & 7) + DMA_START_CLOCKS
    for channel in range(8):
        if mask >> channel & 1:
            t = _run_channel(regs, channel, t, port)
    return _realign(t - start, clock_count)


def _run_channel(regs: bytearray, channel: int, t: int, port: DmaPort) -> int:
    base = channel * 16
    control = regs[base]
    b_reg = regs[base + 1]
    source = regs[base + 2] | (regs[base + 3] << 8)
    bank = regs[base + 4] << 16
    count = channel_length(regs, channel)
    pattern = PATTERNS[control & 7]
    step = 0 if control & 0x08 else (0xFFFF if control & 0x10 else 1)
    to_a = bool(control & 0x80)
    t += DMA_CHANNEL_CLOCKS
    for k in range(count):
        address_a = bank | source
        b_low = (b_reg + pattern[k & 3]) & 0xFF
        valid = not wram_port_blocked(address_a, b_low)
        if to_a:
            value = port.dma_read_b(0x2100 | b_low, t + 4) if valid else 0
            if a_bus_valid(address_a):
                port.dma_write_a(address_a, value)
        else:
            value = port.dma_read_a(address_a) if a_bus_valid(address_a) else 0
            if valid:
                port.dma_write_b(0x2100 | b_low, value, t + 8)
        source = (source + step) & 0xFFFF
        t += DMA_CLOCKS_PER_BYTE
    regs[base + 2] = source & 0xFF
    regs[base + 3] = source >> 8
    regs[base + 5] = 0
    regs[base + 6] = 0
    return t
