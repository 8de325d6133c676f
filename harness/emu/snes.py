"""The SNES bus for running routines in isolation: memory map, a few modelled registers, stubs, logs.

Modelled: WRAM (128 KiB at $7E-$7F, low 8 KiB mirrored in banks $00-$3F/$80-$BF), LoROM / HiROM ROM
(reads beyond the image mirror modulo its size), SRAM, hardware multiply/divide with their delays
($4202-$4206 -> $4214-$4217), $420D (FastROM), the WRAM port $2180-$2183, DMA channel registers
$43xx (stored, readable). Stubs with fixed values: $4210, $4211, $4212, $2137, $213C, $213D; the APU
ports $2140-$2143 read back the last value written (initially $AA, $BB, 0, 0, the IPL's ready
signature) so handshake loops end. Writes to $21xx/$42xx/$43xx are logged in order.

Master clocks per bus cycle follow bsnes/ares: idle 6; $40-$7F/$C0-$FF or offset >= $8000: 8 (6 in
banks $80-$FF with FastROM); $0000-$1FFF and $6000-$7FFF: 8; $2000-$3FFF and $4200-$5FFF: 6;
$4000-$41FF: 12. Not modelled (excluded from clocks): DRAM refresh (40 clocks per scanline), DMA,
HDMA, IRQ/NMI. Unsupported (raise `BusFault`, the run stops with UNSUPPORTED): starting DMA ($420B
with a nonzero value), reads of unmapped or unmodelled addresses, writes to ROM or unmapped space.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from harness.emu.state import IoWrite
from harness.errors import HarnessError

__all__ = ["Mapper", "BusFault", "SnesBus", "rom_offset", "snes_address", "STUB_VALUES", "master_clocks_for"]

WRAM_BASE = 0x7E0000
STUB_VALUES = {0x4210: 0xC2, 0x4211: 0x00, 0x4212: 0x80, 0x2137: 0x00, 0x213C: 0x00, 0x213D: 0x00}
_APU_RESET = (0xAA, 0xBB, 0x00, 0x00)


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


class BusFault(Exception):  # noqa: N818 - a stop signal carrying the reason
    """An access the model does not support; `detail` says which (e.g. "DMA write $420B")."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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


class SnesBus:
    """The SNES address space for one run. Counts CPU cycles and master clocks; logs writes."""

    def __init__(self, rom: bytes, mapper: Mapper) -> None:
        if not rom:
            raise HarnessError("empty ROM image: nothing to run")
        self.rom = bytearray(rom)
        self.mapper = mapper
        self.wram = bytearray(0x20000)
        self.sram = bytearray(0x8000)
        self.reset()

    def reset(self, wram: bytes | None = None) -> None:
        if wram is not None:
            if len(wram) != 0x20000:
                raise HarnessError(f"wram must be 131072 bytes (128 KiB), got {len(wram)}")
            self.wram[:] = wram
        else:
            self.wram[:] = bytes(0x20000)
        self.sram[:] = bytes(0x8000)
        self.cycle = 0
        self.clocks = 0
        self.fast_rom = False
        self.wmadd = 0
        self.apu = list(_APU_RESET)
        self.dma_regs = bytearray(0x80)
        self.alu = _Alu()
        self.writes: dict[int, tuple[int, int]] = {}
        self.io_log: list[IoWrite] = []

    # -- the Bus protocol ---------------------------------------------------------------------------

    def idle(self, address: int) -> None:
        self.cycle += 1
        self.clocks += 6

    def read(self, address: int) -> int:
        self.clocks += master_clocks_for(address, self.fast_rom)
        value = self._read(address)
        self.cycle += 1
        return value

    def write(self, address: int, value: int) -> None:
        self.clocks += master_clocks_for(address, self.fast_rom)
        self._write(address, value)
        self.cycle += 1

    # -- memory map -------------------------------------------------------------------------------

    def _read(self, address: int) -> int:
        bank, off = address >> 16, address & 0xFFFF
        if bank in (0x7E, 0x7F):
            return self.wram[address - WRAM_BASE]
        if not bank & 0x40 and off < 0x8000:
            if off < 0x2000:
                return self.wram[off]
            if off < 0x6000:
                return self._read_io(off, address)
        sram = _is_sram(address, self.mapper)
        if sram is not None:
            return self.sram[sram]
        rom = rom_offset(address, self.mapper)
        if rom is not None:
            return self.rom[rom % len(self.rom)]
        raise BusFault(f"unmapped read ${address:06X}")

    def _write(self, address: int, value: int) -> None:
        bank, off = address >> 16, address & 0xFFFF
        if bank in (0x7E, 0x7F):
            self._write_wram(address - WRAM_BASE, value)
            return
        if not bank & 0x40 and off < 0x8000:
            if off < 0x2000:
                self._write_wram(off, value)
                return
            if off < 0x6000:
                self._write_io(off, value, address)
                return
        sram = _is_sram(address, self.mapper)
        if sram is not None:
            key = address
            old = self.sram[sram]
            if key not in self.writes:
                self.writes[key] = (old, value)
            else:
                self.writes[key] = (self.writes[key][0], value)
            self.sram[sram] = value
            return
        if rom_offset(address, self.mapper) is not None:
            raise BusFault(f"write to ROM ${address:06X}")
        raise BusFault(f"unmapped write ${address:06X}")

    def _write_wram(self, index: int, value: int) -> None:
        key = WRAM_BASE + index
        first = self.writes.get(key)
        self.writes[key] = (self.wram[index] if first is None else first[0], value)
        self.wram[index] = value

    # -- I/O registers ----------------------------------------------------------------------------

    def _read_io(self, reg: int, address: int) -> int:
        if reg in STUB_VALUES:
            return STUB_VALUES[reg]
        if 0x2140 <= reg <= 0x217F:
            return self.apu[reg & 3]
        if reg == 0x2180:
            value = self.wram[self.wmadd]
            self.wmadd = (self.wmadd + 1) & 0x1FFFF
            return value
        if 0x4214 <= reg <= 0x4217:
            self.alu.catch_up(self.cycle)
            return {0x4214: self.alu.rddiv & 0xFF, 0x4215: self.alu.rddiv >> 8,
                    0x4216: self.alu.rdmpy & 0xFF, 0x4217: self.alu.rdmpy >> 8}[reg]
        if 0x4300 <= reg <= 0x437F:
            return self.dma_regs[reg - 0x4300]
        raise BusFault(f"unmapped read ${address:06X}")

    def _write_io(self, reg: int, value: int, address: int) -> None:
        if not (0x2100 <= reg <= 0x21FF or 0x4200 <= reg <= 0x43FF or reg in (0x4016, 0x4017)):
            raise BusFault(f"unmapped write ${address:06X}")
        self.io_log.append(IoWrite(reg, value, self.cycle))
        if 0x2140 <= reg <= 0x217F:
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
        elif 0x4202 <= reg <= 0x4206:
            self._write_alu(reg, value)
        elif reg == 0x420B and value:
            raise BusFault("DMA write $420B")
        elif reg == 0x420D:
            self.fast_rom = bool(value & 1)
        elif 0x4300 <= reg <= 0x437F:
            self.dma_regs[reg - 0x4300] = value

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

    # -- inspection -------------------------------------------------------------------------------

    def peek(self, address: int) -> int:
        """Value at a 24-bit address without side effects (no port increment, no log)."""
        address &= 0xFFFFFF
        bank, off = address >> 16, address & 0xFFFF
        if not bank & 0x40 and 0x2000 <= off < 0x6000 and bank not in (0x7E, 0x7F):
            if off == 0x2180:
                return self.wram[self.wmadd]
            if 0x4214 <= off <= 0x4217:
                alu = _Alu(**vars(self.alu))
                alu.catch_up(self.cycle)
                return {0x4214: alu.rddiv & 0xFF, 0x4215: alu.rddiv >> 8,
                        0x4216: alu.rdmpy & 0xFF, 0x4217: alu.rdmpy >> 8}[off]
        return self._read(address)

    def poke(self, address: int, value: int) -> None:
        """Set memory before a run (WRAM, SRAM or the ROM copy) without logging it."""
        address &= 0xFFFFFF
        if not 0 <= value <= 0xFF:
            raise HarnessError(f"memory poke ${address:06X}={value!r}: value must be a byte 0..255")
        bank, off = address >> 16, address & 0xFFFF
        if bank in (0x7E, 0x7F):
            self.wram[address - WRAM_BASE] = value
            return
        if not bank & 0x40 and off < 0x2000:
            self.wram[off] = value
            return
        sram = _is_sram(address, self.mapper)
        if sram is not None:
            self.sram[sram] = value
            return
        rom = rom_offset(address, self.mapper)
        if rom is not None and rom < len(self.rom):
            self.rom[rom] = value
            return
        raise HarnessError(f"memory poke ${address:06X}: not WRAM, SRAM or inside the ROM image")
