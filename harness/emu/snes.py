"""The SNES bus for running routines in isolation: memory map, modelled registers and PPU ports, DMA, logs.

Modelled: WRAM (128 KiB at $7E-$7F, low 8 KiB mirrored in banks $00-$3F/$80-$BF), LoROM / HiROM ROM
(reads beyond the image mirror modulo its size), SRAM, hardware multiply/divide with their delays
($4202-$4206 -> $4214-$4217), $420D (FastROM), the WRAM port $2180-$2183, general-purpose DMA
($420B, `dma.py`), the PPU's VRAM/CGRAM/OAM ports and mode-7 multiply (`ppu.py`), and with a start
phase the H/V timing behind $4210/$4211/$4212 and $2137/$213C/$213D/$213F (`timing.py`). Without a
phase those reads are fixed stubs ($4210=$C2, $4211=$00, $4212=$80, $2137/$213C/$213D=$00). The APU
ports $2140-$2143 read back the last value written (initially $AA, $BB, 0, 0, the IPL's ready
signature) so handshake loops end. Writes to $21xx/$42xx/$43xx/$4016 and the reads that change
hardware state ($4210, $4211, $2137-$213D, $213F, $2180) are logged in order.

Master clocks per bus cycle follow bsnes/ares: idle 6; $40-$7F/$C0-$FF or offset >= $8000: 8 (6 in
banks $80-$FF with FastROM); $0000-$1FFF and $6000-$7FFF: 8; $2000-$3FFF and $4200-$5FFF: 6;
$4000-$41FF: 12; plus DMA stalls. Not modelled (excluded from clocks): DRAM refresh (40 clocks per
scanline). Unsupported (raise `BusFault`, the run stops with UNSUPPORTED): HDMA ($420C with a nonzero
value), H/V IRQ enables, an NMI that would fire (with H/V timing), reads of unmapped or unmodelled
addresses, writes to ROM or unmapped space.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from harness.emu import dma, timing
from harness.emu.bus import MemoryKind
from harness.emu.faults import BudgetExhausted, BusFault
from harness.emu.ppu import Ppu
from harness.errors import HarnessError

__all__ = [
    "Mapper",
    "BusFault",
    "BudgetExhausted",
    "SnesBus",
    "rom_offset",
    "snes_address",
    "STUB_VALUES",
    "master_clocks_for",
    "pad_rom",
]

WRAM_BASE = 0x7E0000
STUB_VALUES = {0x4210: 0xC2, 0x4211: 0x00, 0x4212: 0x80, 0x2137: 0x00, 0x213C: 0x00, 0x213D: 0x00}
_APU_RESET = (0xAA, 0xBB, 0x00, 0x00)
_CPU_VERSION = 2  # RDNMI bits 3-0 (bsnes/ares `io.version`)


class Mapper(enum.Enum):
    LOROM = "lorom"
    HIROM = "hirom"

    @classmethod
    def parse(cls, value: str | Mapper) -> Mapper:
        if isinstance(value, Mapper):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise HarnessError(f"mapper={value!r} is not supported; use 'lorom' or 'hirom'") from None


def rom_offset(address: int, mapper: Mapper) -> int | None:
    """ROM image offset for a 24-bit address, or None when the address is not ROM in this mapper."""
    bank, off = address >> 16, address & 0xFFFF
    if bank in (0x7E, 0x7F):
        return None
    if mapper is Mapper.LOROM:
        if off >= 0x8000:
            return ((bank & 0x7F) << 15) | (off & 0x7FFF)
        if 0x40 <= (bank & 0x7F) < 0x70:  # banks $40-$6F/$C0-$EF low halves mirror the upper halves
            return ((bank & 0x7F) << 15) | off
        return None
    if bank & 0x40:  # $40-$7D, $C0-$FF: 64 KiB linear
        return ((bank & 0x3F) << 16) | off
    if off >= 0x8000:
        return ((bank & 0x3F) << 16) | off
    return None


def snes_address(offset: int, mapper: Mapper) -> int:
    """The canonical (FastROM-bank, $80+) SNES address of a ROM offset: inverse of `rom_offset`."""
    if mapper is Mapper.LOROM:
        return ((0x80 | (offset >> 15)) << 16) | 0x8000 | (offset & 0x7FFF)
    return ((0xC0 | (offset >> 16)) << 16) | (offset & 0xFFFF)


def pad_rom(rom: bytes, mapper: Mapper) -> bytes:
    """Zero-pad an image to a power of two of at least one bank (ASAR emits only the bytes written).

    Reads past the padded size mirror, as on a cartridge; a vector read from padding is $0000 (unset).
    """
    size = 0x8000 if mapper is Mapper.LOROM else 0x10000
    while size < len(rom):
        size *= 2
    return bytes(rom) + bytes(size - len(rom))


def master_clocks_for(address: int, fast_rom: bool) -> int:
    """Master clocks of one bus cycle at `address` (bsnes/ares model)."""
    if address & 0x408000:
        return 6 if (address & 0x800000 and fast_rom) else 8
    off = address & 0xFFFF
    if off < 0x2000 or off >= 0x6000:
        return 8
    if off < 0x4000 or off >= 0x4200:
        return 6
    return 12


def _is_sram(address: int, mapper: Mapper) -> int | None:
    bank, off = address >> 16, address & 0xFFFF
    if mapper is Mapper.LOROM:
        if 0x70 <= (bank & 0x7F) <= 0x7D and off < 0x8000:
            return (((bank & 0x7F) - 0x70) << 15 | off) & 0x7FFF
        return None
    if 0x20 <= (bank & 0x7F) <= 0x3F and 0x6000 <= off < 0x8000:
        return (((bank & 0x1F) << 13) | (off - 0x6000)) & 0x7FFF
    return None


@dataclass
class _Alu:
    """Hardware multiply/divide state, stepped lazily one CPU cycle at a time (bsnes's algorithm)."""

    wrmpya: int = 0xFF
    wrdiva: int = 0xFFFF
    rddiv: int = 0
    rdmpy: int = 0
    mpyctr: int = 0
    divctr: int = 0
    shift: int = 0
    last_cycle: int = 0

    def catch_up(self, cycle: int) -> None:
        """Advance the state machine to `cycle` (one step per elapsed CPU cycle)."""
        steps = cycle - self.last_cycle
        self.last_cycle = cycle
        while steps > 0 and (self.mpyctr or self.divctr):
            steps -= 1
            if self.mpyctr:
                self.mpyctr -= 1
                if self.rddiv & 1:
                    self.rdmpy = (self.rdmpy + self.shift) & 0xFFFF
                self.rddiv >>= 1
                self.shift <<= 1
            if self.divctr:
                self.divctr -= 1
                self.rddiv = (self.rddiv << 1) & 0xFFFF
                self.shift >>= 1
                if self.rdmpy >= self.shift:
                    self.rdmpy -= self.shift
                    self.rddiv |= 1

    def result_byte(self, reg: int) -> int:
        """$4214/$4215 quotient (or multiplicand shift register), $4216/$4217 product or remainder."""
        value = self.rddiv if reg < 0x4216 else self.rdmpy
        return (value >> 8) & 0xFF if reg & 1 else value & 0xFF


_PAGE_BITS = 9  # 512-byte pages: fine enough for the $4000/$4200 clock boundary
_PAGE_MASK = (1 << _PAGE_BITS) - 1
_PAGES = 1 << (24 - _PAGE_BITS)
_SRAM_AT = 0x20000  # layout of SnesBus.mem: WRAM, then 32 KiB SRAM, then the (padded) ROM
_ROM_AT = 0x28000
_IO, _UNMAPPED, _ROM_WRITE, _DMA_PENDING = -1, -2, -3, -4


@dataclass(frozen=True)
class _PageMap:
    """Per-512-byte-page tables built once per (mapper, ROM size): index bases and clocks."""

    read_base: tuple[int, ...]  # >= 0: index into mem; _IO; _UNMAPPED
    write_base: tuple[int, ...]  # >= 0: WRAM/SRAM index; _IO; _ROM_WRITE; _UNMAPPED
    clocks_slow: tuple[int, ...]
    clocks_fast: tuple[int, ...]


def _sram_key(index: int, mapper: Mapper) -> int:
    if mapper is Mapper.LOROM:
        return 0x700000 | index
    return ((0x20 + (index >> 13)) << 16) | (0x6000 + (index & 0x1FFF))


@lru_cache(maxsize=8)
def _page_map(mapper: Mapper, rom_size: int) -> _PageMap:
    read_base, write_base, slow, fast = [], [], [], []
    for page in range(_PAGES):
        address = page << _PAGE_BITS
        bank, off = address >> 16, address & 0xFFFF
        slow.append(master_clocks_for(address, False))
        fast.append(master_clocks_for(address, True))
        wram = None
        if bank in (0x7E, 0x7F):
            wram = address - WRAM_BASE
        elif not bank & 0x40 and off < 0x2000:
            wram = off
        if wram is not None:
            read_base.append(wram)
            write_base.append(wram)
            continue
        if not bank & 0x40 and 0x2000 <= off < 0x6000:
            read_base.append(_IO)
            write_base.append(_IO)
            continue
        sram = _is_sram(address, mapper)
        if sram is not None:
            read_base.append(_SRAM_AT + sram)
            write_base.append(_SRAM_AT + sram)
            continue
        rom = rom_offset(address, mapper)
        if rom is not None:
            read_base.append(_ROM_AT + rom % rom_size)
            write_base.append(_ROM_WRITE)
        else:
            read_base.append(_UNMAPPED)
            write_base.append(_UNMAPPED)
    return _PageMap(tuple(read_base), tuple(write_base), tuple(slow), tuple(fast))


@dataclass
class _PendingDma:
    """A $420B write waiting for its start cycle (see `dma.py`): where the CPU was when it was armed."""

    mask: int
    cycle: int  # index of the write cycle W
    write_end: int  # bus clocks at the end of W
    next_end: int | None = None  # bus clocks at the end of W+1 when W+1 was a read or write


@dataclass
class _DmaState:
    """DMA registers and bookkeeping for one run (one attribute on the bus keeps its hot path lean)."""

    budget: int
    regs: bytearray = field(default_factory=lambda: bytearray(0x80))
    touched: set[int] = field(default_factory=set)  # channels written or run
    clocks: int = 0  # master clocks the CPU was stalled
    bytes: int = 0  # bytes transferred (they count against the budget)
    pending: _PendingDma | None = None
    log_cycle: int = 0  # the CPU cycle a running DMA stalls (for the I/O log)


_APU_PORT_NAMES = tuple(f"APUIO{port}" for port in range(4))  # hardware() names of $2140-$2143


@lru_cache(maxsize=4)
def _zeros(size: int) -> bytes:
    return bytes(size)


@lru_cache(maxsize=1)
def _pending_table() -> tuple[int, ...]:
    """Every page -> the slow path: installed while a DMA is armed."""
    return (_DMA_PENDING,) * _PAGES


class SnesBus:
    """The SNES address space for one run. Counts CPU cycles and master clocks; logs writes.

    Plain memory (WRAM, SRAM, ROM) lives in one bytearray `mem` reached through per-page tables,
    so a plain read costs one table lookup; I/O goes through `_read_io` / `_write_io`. While a DMA
    is armed the tables are swapped for ones that send every read and write to the slow path, which
    finds the DMA's start cycle (idle cycles are 6 clocks and touch nothing, so they need no check).

    The CPU's block path (`blocks.py`, `memory_kind` PAGED) reads these tables itself: `fast_tables`
    is (read bases, write bases, clocks, 1 if FastROM else 0), or None while a DMA is armed; compiled
    blocks read and write plain pages directly (adding their clocks, keeping `first_values`) and hand
    every other access, and everything while `fast_tables` is None, to this bus one cycle at a time.
    """

    memory_kind = MemoryKind.PAGED
    page_bits = _PAGE_BITS

    def __init__(self, rom: bytes, mapper: Mapper) -> None:
        if not rom:
            raise HarnessError("empty ROM image: nothing to run")
        self.mapper = mapper
        self._rom_image = pad_rom(rom, mapper)
        self.mem = bytearray(_ROM_AT) + bytearray(self._rom_image)
        self._sram_poked = self._rom_poked = False  # since the last reset (see `reset`)
        self.first_values: dict[int, int] = {}
        pages = _page_map(mapper, len(self._rom_image))
        self._real_read_base = pages.read_base
        self._real_write_base = pages.write_base
        self._clocks_slow = pages.clocks_slow
        self._clocks_fast = pages.clocks_fast
        self.ppu = Ppu()
        self.reset()

    @property
    def rom(self) -> bytes:
        return bytes(self.mem[_ROM_AT:])

    @property
    def wram(self) -> bytearray:
        """A copy of the 128 KiB WRAM."""
        return self.mem[:0x20000]

    @property
    def dma_regs(self) -> bytearray:
        """The DMA channel registers $4300-$437F (live)."""
        return self.dma_state.regs

    @property
    def dma_clocks(self) -> int:
        """Master clocks the CPU was stalled by DMA in this run."""
        return self.dma_state.clocks

    def code_index(self, address: int) -> int | None:
        """Index in `mem` of the byte at 24-bit `address` when it is ROM, else None.

        The block path compiles code from ROM only: the CPU cannot write it (a write faults), so a
        block's operands can change only through `poke`, which its byte check at entry catches. Code
        in WRAM or SRAM runs through the per-cycle handlers."""
        page = address >> _PAGE_BITS
        base = self._real_read_base[page]
        if base < 0 or self._real_write_base[page] != _ROM_WRITE:
            return None
        return base + (address & _PAGE_MASK)

    def reset(
        self,
        wram: bytes | memoryview | None = None,
        *,
        hv_phase: int | None = None,
        vram: bytes | memoryview | None = None,
        cgram: bytes | memoryview | None = None,
        oam: bytes | memoryview | None = None,
        budget: int = 1 << 62,
        dma_regs: bytes | None = None,
        ports: Mapping[str, int] | None = None,
    ) -> None:
        """Fresh WRAM (zeros or `wram`), SRAM zeros, the original ROM, registers at power-on.

        `hv_phase` None keeps the fixed status stubs; an int turns on H/V timing from that many master
        clocks into an even field (`timing.py`). `budget` bounds CPU cycles plus DMA bytes.
        """
        if wram is not None:
            if len(wram) != 0x20000:
                raise HarnessError(f"wram must be 131072 bytes (128 KiB), got {len(wram)}")
            self.mem[:0x20000] = wram
        else:
            self.mem[:0x20000] = _zeros(0x20000)
        self.phase = None if hv_phase is None else timing.validate_phase(hv_phase)
        self.ppu.reset(self.phase, vram, cgram, oam)
        # SRAM and ROM change only by writes (logged in `first_values`) and pokes: restore them only then
        if self._sram_poked or any(index >= _SRAM_AT for index in self.first_values):
            self.mem[_SRAM_AT:_ROM_AT] = _zeros(_ROM_AT - _SRAM_AT)
        if self._rom_poked:
            self.mem[_ROM_AT:] = self._rom_image
        self._sram_poked = self._rom_poked = False
        self._t0 = self.phase or 0
        self._read_base = self._real_read_base
        self._write_base = self._real_write_base
        self.cycle = 0
        self.clocks = 0
        self.fast_rom = False
        self._clocks = self._clocks_slow
        self.fast_tables: tuple | None = self._fast_tables()
        self.wmadd = 0
        self.apu = list(_APU_RESET)
        self.nmitimen = 0
        self.wrio = 0xFF
        self.cpu_written: dict[int, int] = {}
        self.nmi = None if self.phase is None else timing.NmiFlag(self._t0)
        self.dma_state = _DmaState(budget)
        if dma_regs is not None:  # what earlier transfers left in the channel registers
            if len(dma_regs) != 0x80:
                raise HarnessError(f"dma_regs must be 128 bytes ($4300-$437F), got {len(dma_regs)}")
            self.dma_state.regs[:] = dma_regs
        if ports:
            self.ppu.set_ports(ports)
        self.alu = _Alu()
        self.first_values: dict[int, int] = {}  # mem index -> its value before the run's first write
        self.io_log: list[tuple[bool, int, int, int, bool]] = []  # (is_write, register, value, cycle, by_dma)

    # -- the Bus protocol ---------------------------------------------------------------------------

    def idle(self, address: int) -> None:
        self.cycle += 1
        self.clocks += 6

    def read(self, address: int) -> int:
        page = address >> _PAGE_BITS
        self.clocks += self._clocks[page]
        base = self._read_base[page]
        if base >= 0:
            self.cycle += 1
            return self.mem[base + (address & _PAGE_MASK)]
        value = self._slow_read(address, base)
        self.cycle += 1
        return value

    def write(self, address: int, value: int) -> None:
        page = address >> _PAGE_BITS
        self.clocks += self._clocks[page]
        base = self._write_base[page]
        if base >= 0:
            self._log_write(base + (address & _PAGE_MASK), value)
        else:
            self._slow_write(address, value, base)
        self.cycle += 1

    def _slow_read(self, address: int, base: int) -> int:
        if base == _DMA_PENDING:
            self._dma_check(address)
            base = self._real_read_base[address >> _PAGE_BITS]
            if base >= 0:
                return self.mem[base + (address & _PAGE_MASK)]
        if base == _IO:
            return self._read_io(address & 0xFFFF, address)
        raise BusFault(f"unmapped read ${address:06X}")

    def _slow_write(self, address: int, value: int, base: int) -> None:
        page = address >> _PAGE_BITS
        if base == _DMA_PENDING:
            self._dma_check(address)
            base = self._real_write_base[page]
            if base >= 0:
                self._log_write(base + (address & _PAGE_MASK), value)
                return
        if base == _IO:
            self._write_io(address & 0xFFFF, value, address)
        elif base == _ROM_WRITE:
            raise BusFault(f"write to ROM ${address:06X}")
        else:
            raise BusFault(f"unmapped write ${address:06X}")

    def _log_write(self, index: int, value: int) -> None:
        """Every write to WRAM/SRAM (CPU, DMA, WRAM port) comes here; the compiled blocks of the CPU
        core inline the same two steps (`blocks.py`): keep the first old value, store the byte."""
        if index not in self.first_values:
            self.first_values[index] = self.mem[index]
        self.mem[index] = value

    def _write_wram(self, index: int, value: int) -> None:
        self._log_write(index, value)

    @property
    def writes(self) -> dict[int, tuple[int, int]]:
        """{canonical 24-bit address: (value before the run, value now)} for every byte written, in the
        order of first writes ($7E/$7F for WRAM, the mapper's SRAM bank for SRAM)."""
        mem, mapper = self.mem, self.mapper
        return {
            WRAM_BASE + index if index < _SRAM_AT else _sram_key(index - _SRAM_AT, mapper): (old, mem[index])
            for index, old in self.first_values.items()
        }

    def _t_read(self) -> int:
        """Absolute master clock of the current CPU read: 4 clocks before the cycle ends (bsnes `read`)."""
        return self._t0 + self.clocks - 4

    def _t_write(self) -> int:
        """Absolute master clock of the current CPU write: the end of the cycle (bsnes `write`)."""
        return self._t0 + self.clocks

    # -- DMA ----------------------------------------------------------------------------------------

    def _arm_dma(self, mask: int) -> None:
        if self.dma_state.pending is not None:  # written again before the start: the last value wins
            self.dma_state.pending.mask = mask
            return
        if not mask:
            return
        self.dma_state.pending = _PendingDma(mask=mask, cycle=self.cycle, write_end=self.clocks)
        self._read_base = self._write_base = _pending_table()
        self.fast_tables = None  # every access must reach `_dma_check`: no compiled blocks meanwhile

    def _fast_tables(self) -> tuple:
        """What the CPU's fast tiers read: (read bases, write bases, clocks, 1 if FastROM else 0)."""
        return (self._real_read_base, self._real_write_base, self._clocks, int(self.fast_rom))

    def _dma_check(self, address: int) -> None:
        """Called by every read/write while a DMA is armed, after the cycle's clocks were counted."""
        pending = self.dma_state.pending
        if pending is None:
            return
        if self.cycle == pending.cycle + 1:
            pending.next_end = self.clocks
            return
        start = pending.write_end + 6 if pending.next_end is None else pending.next_end
        # this access is cycle K = W+2 (its own length decides the re-alignment); later means K was idle
        clock_count = self._clocks[address >> _PAGE_BITS] if self.cycle == pending.cycle + 2 else 6
        self._start_dma(start, clock_count)

    def _start_dma(self, start: int, clock_count: int) -> None:
        state = self.dma_state
        pending = state.pending
        if pending is None:
            return
        state.pending = None
        self._read_base = self._real_read_base
        self._write_base = self._real_write_base
        self.fast_tables = self._fast_tables()
        if not pending.mask:
            return
        channels = [ch for ch in range(8) if pending.mask >> ch & 1]
        size = sum(dma.channel_length(state.regs, ch) for ch in channels)
        if self.cycle + state.bytes + size > state.budget:
            raise BudgetExhausted(
                f"cycle budget {state.budget} exhausted: a DMA of {size} bytes (DMA bytes count as cycles)"
            )
        state.bytes += size
        state.touched.update(channels)
        state.log_cycle = pending.cycle + 2
        stall = dma.run_dma(state.regs, pending.mask, self._t0 + start, clock_count, self)
        self.clocks += stall
        state.clocks += stall

    def dma_read_a(self, address: int) -> int:
        base = self._real_read_base[address >> _PAGE_BITS]
        if base >= 0:
            return self.mem[base + (address & _PAGE_MASK)]
        if base == _IO:
            raise BusFault(f"DMA A-bus read of I/O ${address:06X} is not modelled")
        raise BusFault(f"DMA A-bus read: unmapped read ${address:06X}")

    def dma_write_a(self, address: int, value: int) -> None:
        page = address >> _PAGE_BITS
        base = self._real_write_base[page]
        if base >= 0:
            self._log_write(base + (address & _PAGE_MASK), value)
        elif base == _ROM_WRITE:
            raise BusFault(f"DMA write to ROM ${address:06X}")
        elif base == _IO:
            raise BusFault(f"DMA A-bus write to I/O ${address:06X} is not modelled")
        else:
            raise BusFault(f"DMA A-bus write: unmapped write ${address:06X}")

    def dma_read_b(self, reg: int, t: int) -> int:
        return self._read_b(reg, t, True)

    def dma_write_b(self, reg: int, value: int, t: int) -> None:
        self._write_b(reg, value, t, True)

    # -- I/O registers ----------------------------------------------------------------------------

    def _read_io(self, reg: int, address: int) -> int:
        if 0x2100 <= reg <= 0x21FF:
            return self._read_b(reg, self._t_read(), False, address)
        if 0x4210 <= reg <= 0x4212:
            return self._read_status(reg)
        if 0x4214 <= reg <= 0x4217:
            self.alu.catch_up(self.cycle)
            return self.alu.result_byte(reg)
        if 0x4300 <= reg <= 0x437F:
            offset = reg & 0x0F
            if 0x0C <= offset <= 0x0E:  # open bus on hardware (bsnes readDMA)
                raise BusFault(f"unmapped read ${address:06X}")
            return self.dma_regs[(reg - 0x4300) & ~4 if offset == 0x0F else reg - 0x4300]
        raise BusFault(f"unmapped read ${address:06X}")

    def _log_read(self, reg: int, value: int, by_dma: bool) -> int:
        self.io_log.append((False, reg, value, self.dma_state.log_cycle if by_dma else self.cycle, by_dma))
        return value

    def _read_b(self, reg: int, t: int, by_dma: bool, address: int | None = None) -> int:
        """A read of $2100-$21FF by the CPU (at 24-bit `address`) or a DMA (B->A) at absolute time `t`."""
        if 0x2140 <= reg <= 0x217F:
            return self.apu[reg & 3]
        if reg == 0x2180:
            value = self.mem[self.wmadd]
            self.wmadd = (self.wmadd + 1) & 0x1FFFF
            return self._log_read(reg, value, by_dma)
        if self.phase is None and reg in STUB_VALUES:
            return STUB_VALUES[reg]
        if reg == 0x2137:
            if self.wrio & 0x80:
                self.ppu.latch_counters(t)
            return self._log_read(reg, _open_bus(reg), by_dma)
        if reg == 0x213F and self.phase is not None:
            return self._log_read(reg, self.ppu.read_stat78(t, self.wrio), by_dma)
        if 0x2134 <= reg <= 0x2136:
            return self.ppu.read(reg, t)
        if 0x2138 <= reg <= 0x213D:
            return self._log_read(reg, self.ppu.read(reg, t), by_dma)
        raise BusFault(f"unmapped read ${reg if address is None else address:06X}")

    def _read_status(self, reg: int) -> int:
        """$4210 RDNMI, $4211 TIMEUP, $4212 HVBJOY (bsnes/ares `readCPU`); fixed stubs without H/V."""
        if self.phase is None or self.nmi is None:
            value = STUB_VALUES[reg]
            return self._log_read(reg, value, False) if reg != 0x4212 else value
        t = self._t_read()
        bus_bits = _open_bus(reg)
        if reg == 0x4210:
            self._advance_nmi(t)
            return self._log_read(reg, (self.nmi.read(t) << 7) | (bus_bits & 0x70) | _CPU_VERSION, False)
        if reg == 0x4211:  # IRQs are not modelled (enabling them stops the run), so the flag stays 0
            return self._log_read(reg, bus_bits & 0x7F, False)
        return _hvbjoy(t, self.nmitimen, bus_bits)

    def _advance_nmi(self, t: int) -> None:
        if self.nmi is None:
            return
        fired = self.nmi.advance(t, bool(self.nmitimen & 0x80))
        if fired is not None:
            raise BusFault(_nmi_detail(fired - self._t0))

    def _write_io(self, reg: int, value: int, address: int) -> None:
        if 0x2100 <= reg <= 0x21FF:
            self._write_b(reg, value, self._t_write(), False)
            return
        if not (0x4200 <= reg <= 0x43FF or reg in (0x4016, 0x4017)):
            raise BusFault(f"unmapped write ${address:06X}")
        self.io_log.append((True, reg, value, self.cycle, False))
        if reg <= 0x420D:
            self.cpu_written[reg] = value
        if 0x4202 <= reg <= 0x4206:
            self._write_alu(reg, value)
        elif reg == 0x4200:
            self._write_nmitimen(value)
        elif reg == 0x4201:
            if self.wrio & 0x80 and not value & 0x80 and self.phase is not None:
                self.ppu.latch_counters(self._t_write())
            self.wrio = value
        elif reg == 0x420B:
            self._arm_dma(value)
        elif reg == 0x420C and value:
            raise BusFault(f"HDMA enable $420C=${value:02X}: HDMA is not modelled")
        elif reg == 0x420D:
            self.fast_rom = bool(value & 1)
            self._clocks = self._clocks_fast if self.fast_rom else self._clocks_slow
            if self.fast_tables is not None:
                self.fast_tables = self._fast_tables()
        elif 0x4300 <= reg <= 0x437F:
            self._write_dma_register(reg, value)

    def _write_dma_register(self, reg: int, value: int) -> None:
        offset = reg & 0x0F
        if 0x0C <= offset <= 0x0E:  # no register there (bsnes writeDMA ignores them)
            return
        index = reg - 0x4300
        self.dma_state.regs[index & ~4 if offset == 0x0F else index] = value  # $43xF mirrors $43xB
        self.dma_state.touched.add((reg >> 4) & 7)

    def _write_nmitimen(self, value: int) -> None:
        """$4200: H/V IRQ enables are unsupported; with H/V timing an NMI that would fire stops the run."""
        if value & 0x30:
            raise BusFault(f"H/V IRQ enable $4200=${value:02X} (bits 4-5): IRQs are not modelled")
        if self.nmi is not None:
            t = self._t_write()
            self._advance_nmi(t)
            if value & 0x80 and not self.nmitimen & 0x80 and self.nmi.value:
                raise BusFault(_nmi_detail(t - self._t0, "enabled while the NMI flag is set"))
        self.nmitimen = value

    def _write_b(self, reg: int, value: int, t: int, by_dma: bool) -> None:
        """A write of $2100-$21FF by the CPU or a DMA (A->B) at absolute time `t`."""
        self.io_log.append((True, reg, value, self.dma_state.log_cycle if by_dma else self.cycle, by_dma))
        if reg <= 0x2133:
            self.ppu.write(reg, value, t)
        elif 0x2140 <= reg <= 0x217F:
            self.apu[reg & 3] = value
        elif reg == 0x2180:
            self._write_wram(self.wmadd, value)
            self.wmadd = (self.wmadd + 1) & 0x1FFFF
        elif reg == 0x2181:
            self.wmadd = (self.wmadd & 0x1FF00) | value
        elif reg == 0x2182:
            self.wmadd = (self.wmadd & 0x100FF) | (value << 8)
        elif reg == 0x2183:
            self.wmadd = (self.wmadd & 0x0FFFF) | ((value & 1) << 16)

    def _write_alu(self, reg: int, value: int) -> None:
        """bsnes: a new operation is ignored while one runs; results update one step per CPU cycle."""
        alu = self.alu
        alu.catch_up(self.cycle + 1)  # the write cycle itself completes before the unit starts
        if reg == 0x4202:
            alu.wrmpya = value
        elif reg == 0x4203:
            alu.rdmpy = 0
            if alu.mpyctr or alu.divctr:
                return
            alu.rddiv = (value << 8) | alu.wrmpya
            alu.mpyctr = 8
            alu.shift = value
        elif reg == 0x4204:
            alu.wrdiva = (alu.wrdiva & 0xFF00) | value
        elif reg == 0x4205:
            alu.wrdiva = (value << 8) | (alu.wrdiva & 0x00FF)
        else:  # $4206
            alu.rdmpy = alu.wrdiva
            if alu.mpyctr or alu.divctr:
                return
            alu.divctr = 16
            alu.shift = value << 16

    # -- end of a run -------------------------------------------------------------------------------

    def finish(self) -> None:
        """Settle deferred work at the end of a run: a DMA armed but not started, a pending NMI.

        A DMA whose start cycle lies beyond the run's last cycle (the run stopped right after the
        $420B write) is completed as if idle cycles followed. Raises `BusFault` / `BudgetExhausted`.
        """
        pending = self.dma_state.pending
        if pending is not None:
            self._start_dma(pending.write_end + 6 if pending.next_end is None else pending.next_end, 6)
        if self.nmi is not None:
            self._advance_nmi(self._t0 + self.clocks)

    def hardware(self) -> dict[str, int]:
        """Hardware state a caller can observe after the routine (README "Observable hardware state")."""
        self.alu.catch_up(self.cycle)
        state = {
            "MEMSEL": int(self.fast_rom),
            "WMADD": self.wmadd,
            "NMITIMEN": self.nmitimen,
            "WRIO": self.wrio,
            "NMI_FLAG": 1 if self.nmi is None else int(self.nmi.value),
            "RDDIV": self.alu.rddiv,
            "RDMPY": self.alu.rdmpy,
        }
        state.update(zip(_APU_PORT_NAMES, self.apu, strict=True))
        if self.cpu_written:
            # $4200/$4201/$420D are reported by name; $420B is not state (the enables clear as channels finish)
            state.update(
                {
                    f"${reg:04X}": value
                    for reg, value in self.cpu_written.items()
                    if reg not in (0x4200, 0x4201, 0x420B, 0x420D)
                }
            )
        for channel in sorted(self.dma_state.touched):
            for offset in range(0x0C):
                state[f"$43{channel}{offset:X}"] = self.dma_state.regs[channel * 16 + offset]
        state.update(self.ppu.hardware(self._t0 + self.clocks))
        return state

    # -- inspection -------------------------------------------------------------------------------

    def peek(self, address: int) -> int:
        """Value at a 24-bit address without side effects (no port increment, no acknowledge, no log).

        I/O registers whose read has a side effect or depends on time cannot be peeked: read them in
        the routine instead.
        """
        address &= 0xFFFFFF
        base = self._real_read_base[address >> _PAGE_BITS]
        if base >= 0:
            return self.mem[base + (address & _PAGE_MASK)]
        if base == _UNMAPPED:
            raise BusFault(f"unmapped read ${address:06X}")
        reg = address & 0xFFFF
        if reg == 0x2180:
            return self.mem[self.wmadd]
        if 0x2140 <= reg <= 0x217F:
            return self.apu[reg & 3]
        if 0x4214 <= reg <= 0x4217:
            alu = _Alu(**vars(self.alu))
            alu.catch_up(self.cycle)
            return alu.result_byte(reg)
        if 0x4300 <= reg <= 0x437F and not 0x0C <= (reg & 0x0F) <= 0x0E:
            index = reg - 0x4300
            return self.dma_regs[index & ~4 if (reg & 0x0F) == 0x0F else index]
        if self.phase is None and reg in STUB_VALUES:
            return STUB_VALUES[reg]
        raise BusFault(f"peek ${address:06X}: I/O register not readable without side effects")

    def poke(self, address: int, value: int) -> None:
        """Set memory before a run (WRAM, SRAM or the ROM copy) without logging it."""
        address &= 0xFFFFFF
        if not isinstance(value, int) or not 0 <= value <= 0xFF:
            raise HarnessError(f"memory poke ${address:06X}={value!r}: value must be a byte 0..255")
        base = self._real_read_base[address >> _PAGE_BITS]
        if base < 0:
            raise HarnessError(f"memory poke ${address:06X}: not WRAM, SRAM or ROM")
        index = base + (address & _PAGE_MASK)
        if index >= _ROM_AT:
            self._rom_poked = True
        elif index >= _SRAM_AT:
            self._sram_poked = True
        self.mem[index] = value


def _open_bus(reg: int) -> int:
    """The CPU data bus left by an absolute (or 16-bit indirect) read of `reg`: its high address byte.

    Hardware keeps the last byte the CPU read; for `LDA $4212` that is the operand's high byte ($42).
    Long addressing (`LDA $004212`) leaves the bank byte instead: not modelled (documented).
    """
    return reg >> 8


def _hvbjoy(t: int, nmitimen: int, bus_bits: int) -> int:
    """$4212: bit 7 V-blank, bit 6 H-blank, bit 0 auto-joypad busy, bits 5-1 open bus."""
    _, v, h, _ = timing.position(t)
    value = bus_bits & 0x3E
    if v >= timing.VBLANK_LINE:
        value |= 0x80
    if timing.in_hblank(h):
        value |= 0x40
    if nmitimen & 1:
        field_start = t - _field_offset(t)
        start, end = timing.joypad_window(field_start)
        if start <= t < end:
            value |= 0x01
    return value


def _field_offset(t: int) -> int:
    pos = t % timing.TWO_FIELD_CLOCKS
    return pos if pos < timing.FIELD_CLOCKS else pos - timing.FIELD_CLOCKS


def _nmi_detail(clocks: int, why: str = "at V-blank start") -> str:
    return (
        f"NMI would fire {why} ({clocks} master clocks into the run, NMITIMEN $4200 bit 7 set): "
        "interrupts are not modelled"
    )
