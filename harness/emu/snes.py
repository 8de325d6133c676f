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
from functools import lru_cache

from harness.emu.state import IoWrite
from harness.errors import HarnessError

__all__ = [
    "Mapper",
    "BusFault",
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


class BusFault(Exception):
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


_PAGE_BITS = 9  # 512-byte pages: fine enough for the $4000/$4200 clock boundary
_PAGE_MASK = (1 << _PAGE_BITS) - 1
_PAGES = 1 << (24 - _PAGE_BITS)
_SRAM_AT = 0x20000  # layout of SnesBus.mem: WRAM, then 32 KiB SRAM, then the (padded) ROM
_ROM_AT = 0x28000
_IO, _UNMAPPED, _ROM_WRITE = -1, -2, -3


@dataclass(frozen=True)
class _PageMap:
    """Per-512-byte-page tables built once per (mapper, ROM size): index bases and clocks."""

    read_base: tuple[int, ...]  # >= 0: index into mem; _IO; _UNMAPPED
    write_base: tuple[int, ...]  # >= 0: WRAM/SRAM index; _IO; _ROM_WRITE; _UNMAPPED
    write_key: tuple[int, ...]  # canonical 24-bit address of the page (for the writes log)
    clocks_slow: tuple[int, ...]
    clocks_fast: tuple[int, ...]


def _sram_key(index: int, mapper: Mapper) -> int:
    if mapper is Mapper.LOROM:
        return 0x700000 | index
    return ((0x20 + (index >> 13)) << 16) | (0x6000 + (index & 0x1FFF))


@lru_cache(maxsize=8)
def _page_map(mapper: Mapper, rom_size: int) -> _PageMap:
    read_base, write_base, write_key, slow, fast = [], [], [], [], []
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
            write_key.append(WRAM_BASE + wram)
            continue
        if not bank & 0x40 and 0x2000 <= off < 0x6000:
            read_base.append(_IO)
            write_base.append(_IO)
            write_key.append(0)
            continue
        sram = _is_sram(address, mapper)
        if sram is not None:
            read_base.append(_SRAM_AT + sram)
            write_base.append(_SRAM_AT + sram)
            write_key.append(_sram_key(sram, mapper))
            continue
        rom = rom_offset(address, mapper)
        if rom is not None:
            read_base.append(_ROM_AT + rom % rom_size)
            write_base.append(_ROM_WRITE)
        else:
            read_base.append(_UNMAPPED)
            write_base.append(_UNMAPPED)
        write_key.append(0)
    return _PageMap(tuple(read_base), tuple(write_base), tuple(write_key), tuple(slow), tuple(fast))


class SnesBus:
    """The SNES address space for one run. Counts CPU cycles and master clocks; logs writes.

    Plain memory (WRAM, SRAM, ROM) lives in one bytearray `mem` reached through per-page tables,
    so a plain read costs one table lookup; I/O goes through `_read_io` / `_write_io`.
    """

    def __init__(self, rom: bytes, mapper: Mapper) -> None:
        if not rom:
            raise HarnessError("empty ROM image: nothing to run")
        self.mapper = mapper
        self._rom_image = pad_rom(rom, mapper)
        self.mem = bytearray(_ROM_AT) + bytearray(self._rom_image)
        pages = _page_map(mapper, len(self._rom_image))
        self._read_base = pages.read_base
        self._write_base = pages.write_base
        self._write_key = pages.write_key
        self._clocks_slow = pages.clocks_slow
        self._clocks_fast = pages.clocks_fast
        self.reset()

    @property
    def rom(self) -> bytes:
        return bytes(self.mem[_ROM_AT:])

    @property
    def wram(self) -> bytearray:
        """A copy of the 128 KiB WRAM."""
        return self.mem[:0x20000]

    def reset(self, wram: bytes | None = None) -> None:
        """Fresh WRAM (zeros or `wram`), SRAM zeros, the original ROM, registers at power-on."""
        if wram is not None:
            if len(wram) != 0x20000:
                raise HarnessError(f"wram must be 131072 bytes (128 KiB), got {len(wram)}")
            self.mem[:0x20000] = wram
        else:
            self.mem[:0x20000] = bytes(0x20000)
        self.mem[_SRAM_AT:_ROM_AT] = bytes(_ROM_AT - _SRAM_AT)
        self.mem[_ROM_AT:] = self._rom_image
        self.cycle = 0
        self.clocks = 0
        self.fast_rom = False
        self._clocks = self._clocks_slow
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
        page = address >> _PAGE_BITS
        self.clocks += self._clocks[page]
        base = self._read_base[page]
        if base >= 0:
            self.cycle += 1
            return self.mem[base + (address & _PAGE_MASK)]
        value = self._read_io(address & 0xFFFF, address) if base == _IO else self._unmapped_read(address)
        self.cycle += 1
        return value

    def write(self, address: int, value: int) -> None:
        page = address >> _PAGE_BITS
        self.clocks += self._clocks[page]
        base = self._write_base[page]
        if base >= 0:
            low = address & _PAGE_MASK
            self._log_write(self._write_key[page] + low, base + low, value)
        elif base == _IO:
            self._write_io(address & 0xFFFF, value, address)
        elif base == _ROM_WRITE:
            raise BusFault(f"write to ROM ${address:06X}")
        else:
            raise BusFault(f"unmapped write ${address:06X}")
        self.cycle += 1

    def _log_write(self, key: int, index: int, value: int) -> None:
        first = self.writes.get(key)
        self.writes[key] = (self.mem[index] if first is None else first[0], value)
        self.mem[index] = value

    def _write_wram(self, index: int, value: int) -> None:
        self._log_write(WRAM_BASE + index, index, value)

    @staticmethod
    def _unmapped_read(address: int) -> int:
        raise BusFault(f"unmapped read ${address:06X}")

    # -- I/O registers ----------------------------------------------------------------------------

    def _read_io(self, reg: int, address: int) -> int:
        if reg in STUB_VALUES:
            return STUB_VALUES[reg]
        if 0x2140 <= reg <= 0x217F:
            return self.apu[reg & 3]
        if reg == 0x2180:
            value = self.mem[self.wmadd]
            self.wmadd = (self.wmadd + 1) & 0x1FFFF
            return value
        if 0x4214 <= reg <= 0x4217:
            self.alu.catch_up(self.cycle)
            return {
                0x4214: self.alu.rddiv & 0xFF,
                0x4215: self.alu.rddiv >> 8,
                0x4216: self.alu.rdmpy & 0xFF,
                0x4217: self.alu.rdmpy >> 8,
            }[reg]
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
            self._clocks = self._clocks_fast if self.fast_rom else self._clocks_slow
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
        base = self._read_base[address >> _PAGE_BITS]
        if base >= 0:
            return self.mem[base + (address & _PAGE_MASK)]
        if base == _UNMAPPED:
            self._unmapped_read(address)
        reg = address & 0xFFFF
        if reg == 0x2180:
            return self.mem[self.wmadd]
        if 0x4214 <= reg <= 0x4217:
            alu = _Alu(**vars(self.alu))
            alu.catch_up(self.cycle)
            return {0x4214: alu.rddiv & 0xFF, 0x4215: alu.rddiv >> 8,
                    0x4216: alu.rdmpy & 0xFF, 0x4217: alu.rdmpy >> 8}[reg]
        return self._read_io(reg, address)

    def poke(self, address: int, value: int) -> None:
        """Set memory before a run (WRAM, SRAM or the ROM copy) without logging it."""
        address &= 0xFFFFFF
        if not isinstance(value, int) or not 0 <= value <= 0xFF:
            raise HarnessError(f"memory poke ${address:06X}={value!r}: value must be a byte 0..255")
        base = self._read_base[address >> _PAGE_BITS]
        if base < 0:
            raise HarnessError(f"memory poke ${address:06X}: not WRAM, SRAM or ROM")
        self.mem[base + (address & _PAGE_MASK)] = value
