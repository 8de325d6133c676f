"""The PPU as the CPU and DMA see it: VRAM, CGRAM, OAM and their ports, latches, mode-7 multiply, H/V latch.

Why: real routines upload tiles, tilemaps, palettes and sprites through these ports (by CPU loops or
DMA); the verifier needs the resulting memories and the port state a caller can observe. Rendering is
not modelled.

Behaviour follows bsnes `sfc/ppu/io.cpp` (`readIO`, `writeIO`, `addressVRAM`, `readVRAM`, `writeVRAM`,
`readOAM`, `writeOAM`, `readCGRAM`, `writeCGRAM`), `sfc/ppu/oam.cpp` and `sfc/ppu/object.cpp`
(`addressReset`, `scanline`), checked against ares `sfc/ppu/io.cpp`; read, not copied:
- VRAM: 32 K words; $2115 VMAIN sets the increment (1, 32, 128, 128 words), whether it happens after
  the low ($2118/$2139) or the high ($2119/$213A) byte, and the address remap (modes 1-3 rotate the
  low 8, 9 or 10 bits left by 3). Writing $2116/$2117 loads the read latch (prefetch) from the new
  address; $2139/$213A return the latch and refill it when they increment the address.
- CGRAM: 256 words of 15 bits. $2121 sets the word address and resets the byte flip-flop; $2122
  latches the low byte, then writes both bytes (high byte bit 7 dropped) and increments. $213B reads
  low, then high (bit 7 = PPU2 open bus) and increments; reads and writes share the flip-flop.
- OAM: 512-byte low table + 32-byte high table, 10-bit internal address (word address in $2102/$2103
  times 2). Low-table writes are buffered: an even address latches the byte, the odd one writes the
  pair. High-table writes ($200-$3FF, mirrored every 32 bytes) go straight through. $2138 reads
  directly. Writing $2102/$2103 reloads the address from the base; so does the start of V-blank with
  the display on.
- Mode 7 multiply: $211B twice (16-bit signed, through the shared mode-7 write latch), $211C (the
  last byte, 8-bit signed) -> $2134-$2136 = the 24-bit signed product, readable at once.
- Active display (display on, i.e. INIDISP bit 7 clear, and V < 225): VRAM writes are dropped and VRAM
  reads return 0, as in bsnes. OAM and CGRAM accesses there go to the renderer's internal address,
  which is not modelled: they stop the run as unsupported. Without H/V timing (`phase` None) the PPU
  is always treated as in V-blank. The display starts in forced blank (the power-on state).

Byte addresses of the spaces: VRAM word w is bytes 2w (low) and 2w+1 (high); CGRAM colour c is bytes
2c and 2c+1; OAM bytes 0-511 are the low table and 512-543 the high table.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from harness.emu import timing
from harness.emu.faults import BusFault
from harness.errors import HarnessError

__all__ = ["Ppu", "SPACE_SIZES", "remap_vram_address", "vram_increment"]

SPACE_SIZES: Mapping[str, int] = {"vram": 0x10000, "cgram": 0x200, "oam": 0x220}
_INCREMENTS = (1, 32, 128, 128)
_PPU1_VERSION = 1
_PPU2_VERSION = 3  # bsnes's default; bits 3-0 of $213F
_CGRAM_ACTIVE_H = (88, 1096)
_BG_SCROLL = {
    0x210D: ("BG1HOFS", True),
    0x210E: ("BG1VOFS", False),
    0x210F: ("BG2HOFS", True),
    0x2110: ("BG2VOFS", False),
    0x2111: ("BG3HOFS", True),
    0x2112: ("BG3VOFS", False),
    0x2113: ("BG4HOFS", True),
    0x2114: ("BG4VOFS", False),
}
_MODE7 = {0x211B: "M7A", 0x211C: "M7B", 0x211D: "M7C", 0x211E: "M7D", 0x211F: "M7X", 0x2120: "M7Y"}
# Ports and double-write registers whose state is reported by name (addresses, latches, composed values,
# the memories), so their last written byte is not: it would differ between equivalent routines.
_NAMED_STATE = frozenset(
    {0x2102, 0x2103, 0x2104, 0x2115, 0x2116, 0x2117, 0x2118, 0x2119, 0x2121, 0x2122}
    | set(_BG_SCROLL)
    | set(_MODE7)
)


def remap_vram_address(address: int, mapping: int) -> int:
    """VMAIN bits 2-3: 0 none; 1-3 rotate the low 8/9/10 bits of the word address left by 3."""
    if mapping == 0:
        return address
    if mapping == 1:
        return (address & 0xFF00) | ((address << 3) & 0x00F8) | ((address >> 5) & 7)
    if mapping == 2:
        return (address & 0xFE00) | ((address << 3) & 0x01F8) | ((address >> 6) & 7)
    return (address & 0xFC00) | ((address << 3) & 0x03F8) | ((address >> 7) & 7)


def vram_increment(vmain: int) -> int:
    return _INCREMENTS[vmain & 3]


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def _oam_index(address: int) -> int:
    """10-bit OAM address -> byte index: the high table ($200-$3FF) mirrors its 32 bytes."""
    return address if address < 0x200 else 0x200 | (address & 0x1F)


class Ppu:
    """PPU memories and port state for one run; `phase` None means no H/V timing (always V-blank).

    The memories are filled from their contents at entry when first touched (by the routine, a DMA or
    an observer), not at reset: most routines never touch the PPU, and copying 64 KiB of VRAM twice
    per case was a measurable share of scoring. Reads and writes see the same bytes either way.
    """

    vram: bytearray  # each filled in by __getattr__ on first use after a reset
    cgram: bytearray
    oam: bytearray

    def __init__(self) -> None:
        self._buffers = {space: bytearray(size) for space, size in SPACE_SIZES.items()}
        self._initial: dict[str, bytes | memoryview] = {}
        self.reset(None, None, None, None)

    def __getattr__(self, name: str) -> bytearray:
        """Only called for a memory not yet filled since the reset: fill it now."""
        buffers = self.__dict__.get("_buffers")
        if buffers is None or name not in buffers:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        memory: bytearray = buffers[name]
        memory[:] = self._initial[name]
        self.__dict__[name] = memory
        return memory

    def set_ports(self, ports: Mapping[str, int]) -> None:
        """Port state at entry other than power-on (what a previous routine left): VMAIN, VMADD,
        CGADD and OAMADD (the word address, 0-$1FF), as the verifier varies them per case."""
        if "VMAIN" in ports:
            self.vmain = ports["VMAIN"] & 0x8F
        if "VMADD" in ports:
            self.vram_address = ports["VMADD"] & 0x7FFF
        if "CGADD" in ports:
            self.cgram_address = ports["CGADD"] & 0xFF
        if "OAMADD" in ports:
            self.oam_base = (ports["OAMADD"] & 0x1FF) << 1
            self.oam_address = self.oam_base

    def reset(
        self,
        phase: int | None,
        vram: bytes | memoryview | None,
        cgram: bytes | memoryview | None,
        oam: bytes | memoryview | None,
    ) -> None:
        """Fresh memories (zeros or the given contents) and power-on port state (random ones as 0)."""
        self.phase = phase
        for name, initial in (("vram", vram), ("cgram", cgram), ("oam", oam)):
            self._initial[name] = _checked_contents(name, initial)
            self.__dict__.pop(name, None)  # filled on first use (__getattr__)
        self.space_writes: dict[str, dict[int, tuple[int, int]]] = {"vram": {}, "cgram": {}, "oam": {}}
        self.written: dict[int, int] = {}
        self.display_disable = True
        self.vmain = 0
        self.vram_address = 0
        self.vram_latch = 0
        self.cgram_address = 0
        self.cgram_flipflop = 0
        self.cgram_latch = 0
        self.oam_base = 0
        self.oam_address = 0
        self.oam_priority = 0
        self.oam_latch = 0
        self.mode7_latch = 0
        self.mode7 = dict.fromkeys((*_MODE7.values(), "M7HOFS", "M7VOFS"), 0)
        self.bg_latch1 = 0
        self.bg_latch2 = 0
        self.bg_scroll = {name: 0 for name, _ in _BG_SCROLL.values()}
        self.ppu1_mdr = 0
        self.ppu2_mdr = 0
        self.hv_latched = 0
        self.ophct = 0
        self.opvct = 0
        self.ophct_flipflop = 0
        self.opvct_flipflop = 0
        self._oam_synced = phase or 0

    # -- timing rules -----------------------------------------------------------------------------

    def _active(self, t: int) -> tuple[bool, int, int]:
        """(in active display with the display on, V, H) at absolute time `t`."""
        if self.phase is None or self.display_disable:
            return False, 0, 0
        _, v, h, _ = timing.position(t)
        return v < timing.VBLANK_LINE, v, h

    def _sync_oam_reset(self, t: int) -> None:
        """The start of line 225 with the display on reloads the OAM address (bsnes Object::scanline)."""
        if self.phase is not None and not self.display_disable and t > self._oam_synced:
            for start in timing.field_starts(self._oam_synced, t):
                line = start + timing.VBLANK_LINE * timing.LINE_CLOCKS
                if self._oam_synced < line <= t:
                    self.oam_address = self.oam_base
        self._oam_synced = max(self._oam_synced, t)

    def _require_not_active(self, what: str, t: int, *, cgram: bool = False) -> None:
        active, v, h = self._active(t)
        if active and cgram:
            active = v > 0 and _CGRAM_ACTIVE_H[0] <= h < _CGRAM_ACTIVE_H[1]
        if active:
            raise BusFault(
                f"{what} during active display (V={v}, H={h}, INIDISP bit 7 clear): "
                "the renderer's internal address is not modelled"
            )

    # -- memories ---------------------------------------------------------------------------------

    def _store(self, space: str, memory: bytearray, index: int, value: int) -> None:
        log = self.space_writes[space]
        first = log.get(index)
        log[index] = (memory[index] if first is None else first[0], value)
        memory[index] = value

    def _vram_word_index(self) -> int:
        return (remap_vram_address(self.vram_address, (self.vmain >> 2) & 3) & 0x7FFF) << 1

    def _read_vram_word(self, t: int) -> int:
        if self._active(t)[0]:
            return 0
        index = self._vram_word_index()
        return self.vram[index] | (self.vram[index + 1] << 8)

    def _write_vram(self, high: int, value: int, t: int) -> None:
        if not self._active(t)[0]:
            self._store("vram", self.vram, self._vram_word_index() + high, value)
        if (self.vmain >> 7) == high:
            self.vram_address = (self.vram_address + vram_increment(self.vmain)) & 0xFFFF

    # -- ports ------------------------------------------------------------------------------------

    def write(self, reg: int, value: int, t: int) -> None:
        """A CPU or DMA write to $2100-$2133 at absolute time `t` (the end of the write cycle)."""
        self.written[reg] = value
        if reg == 0x2100:
            self._write_inidisp(value, t)
        elif reg in (0x2102, 0x2103):
            self._write_oam_address(reg, value, t)
        elif reg == 0x2104:
            self._write_oam_data(value, t)
        elif reg in _BG_SCROLL:
            self._write_bg_scroll(reg, value)
        elif reg == 0x2115:
            self.vmain = value
        elif reg in (0x2116, 0x2117):
            if reg == 0x2116:
                self.vram_address = (self.vram_address & 0xFF00) | value
            else:
                self.vram_address = (self.vram_address & 0x00FF) | (value << 8)
            self.vram_latch = self._read_vram_word(t)
        elif reg in (0x2118, 0x2119):
            self._write_vram(reg - 0x2118, value, t)
        elif reg in _MODE7:
            self.mode7[_MODE7[reg]] = (value << 8) | self.mode7_latch
            self.mode7_latch = value
        elif reg == 0x2121:
            self.cgram_address = value
            self.cgram_flipflop = 0
        elif reg == 0x2122:
            self._write_cgram_data(value, t)

    def _write_inidisp(self, value: int, t: int) -> None:
        self._sync_oam_reset(t)
        if self.display_disable and self.phase is not None and timing.position(t)[1] == timing.VBLANK_LINE:
            self.oam_address = self.oam_base
        self.display_disable = bool(value & 0x80)

    def _write_oam_address(self, reg: int, value: int, t: int) -> None:
        self._sync_oam_reset(t)
        if reg == 0x2102:
            self.oam_base = (self.oam_base & 0x200) | (value << 1)
        else:
            self.oam_base = ((value & 1) << 9) | (self.oam_base & 0x1FE)
            self.oam_priority = value >> 7
        self.oam_address = self.oam_base

    def _write_oam_data(self, value: int, t: int) -> None:
        self._sync_oam_reset(t)
        self._require_not_active("OAM write $2104", t)
        address = self.oam_address
        self.oam_address = (address + 1) & 0x3FF
        if not address & 1:
            self.oam_latch = value
        if address & 0x200:
            self._store("oam", self.oam, _oam_index(address), value)
        elif address & 1:
            self._store("oam", self.oam, address - 1, self.oam_latch)
            self._store("oam", self.oam, address, value)

    def _write_bg_scroll(self, reg: int, value: int) -> None:
        name, horizontal = _BG_SCROLL[reg]
        if reg in (0x210D, 0x210E):  # BG1 offsets double as the mode-7 offsets, through the mode-7 latch
            self.mode7["M7HOFS" if horizontal else "M7VOFS"] = (value << 8) | self.mode7_latch
            self.mode7_latch = value
        if horizontal:
            self.bg_scroll[name] = (value << 8) | (self.bg_latch1 & ~7 & 0xFF) | (self.bg_latch2 & 7)
            self.bg_latch2 = value
        else:
            self.bg_scroll[name] = (value << 8) | self.bg_latch1
        self.bg_latch1 = value

    def _write_cgram_data(self, value: int, t: int) -> None:
        if self.cgram_flipflop == 0:
            self.cgram_latch = value
            self.cgram_flipflop = 1
            return
        self._require_not_active("CGRAM write $2122", t, cgram=True)
        index = self.cgram_address << 1
        self._store("cgram", self.cgram, index, self.cgram_latch)
        self._store("cgram", self.cgram, index + 1, value & 0x7F)
        self.cgram_address = (self.cgram_address + 1) & 0xFF
        self.cgram_flipflop = 0

    def read(self, reg: int, t: int) -> int:
        """A CPU or DMA read of $2134-$213D at absolute time `t` ($2137 and $213F are the bus's)."""
        if 0x2134 <= reg <= 0x2136:
            product = _signed(self.mode7["M7A"], 16) * _signed(self.mode7["M7B"] >> 8, 8)
            self.ppu1_mdr = (product >> (8 * (reg - 0x2134))) & 0xFF
            return self.ppu1_mdr
        if reg == 0x2138:
            return self._read_oam_data(t)
        if reg in (0x2139, 0x213A):
            high = reg - 0x2139
            self.ppu1_mdr = (self.vram_latch >> (8 * high)) & 0xFF
            if (self.vmain >> 7) == high:
                self.vram_latch = self._read_vram_word(t)
                self.vram_address = (self.vram_address + vram_increment(self.vmain)) & 0xFFFF
            return self.ppu1_mdr
        if reg == 0x213B:
            return self._read_cgram_data(t)
        if reg == 0x213C:
            self.ppu2_mdr, self.ophct_flipflop = _counter_byte(self.ophct, self.ophct_flipflop, self.ppu2_mdr)
            return self.ppu2_mdr
        if reg == 0x213D:
            self.ppu2_mdr, self.opvct_flipflop = _counter_byte(self.opvct, self.opvct_flipflop, self.ppu2_mdr)
            return self.ppu2_mdr
        raise BusFault(f"unmapped read $00{reg:04X}")

    def _read_oam_data(self, t: int) -> int:
        self._sync_oam_reset(t)
        self._require_not_active("OAM read $2138", t)
        self.ppu1_mdr = self.oam[_oam_index(self.oam_address)]
        self.oam_address = (self.oam_address + 1) & 0x3FF
        return self.ppu1_mdr

    def _read_cgram_data(self, t: int) -> int:
        self._require_not_active("CGRAM read $213B", t, cgram=True)
        index = self.cgram_address << 1
        if self.cgram_flipflop == 0:
            self.ppu2_mdr = self.cgram[index]
            self.cgram_flipflop = 1
        else:
            self.ppu2_mdr = (self.ppu2_mdr & 0x80) | (self.cgram[index + 1] & 0x7F)
            self.cgram_address = (self.cgram_address + 1) & 0xFF
            self.cgram_flipflop = 0
        return self.ppu2_mdr

    def latch_counters(self, t: int) -> None:
        """$2137 (with WRIO bit 7 set) or a 1->0 edge of WRIO bit 7: latch the dot and the line."""
        _, v, h, line_clocks = timing.position(t)
        self.ophct = timing.hdot(h, line_clocks)
        self.opvct = v
        self.hv_latched = 1

    def read_stat78(self, t: int, wrio: int) -> int:
        """$213F: resets the counter flip-flops; bit 6 = counters latched (cleared), bit 7 = field."""
        self.ophct_flipflop = 0
        self.opvct_flipflop = 0
        value = (self.ppu2_mdr & 0x20) | _PPU2_VERSION
        if not wrio & 0x80:
            value |= 0x40
        else:
            value |= self.hv_latched << 6
            self.hv_latched = 0
        value |= timing.position(t)[0] << 7
        self.ppu2_mdr = value
        return value

    # -- inspection -------------------------------------------------------------------------------

    def peek(self, space: str, address: int) -> int:
        memory = self.memory(space)
        if isinstance(address, bool) or not isinstance(address, int) or not 0 <= address < len(memory):
            raise HarnessError(
                f"peek_space({space!r}, {address!r}): address must be an int in 0..${len(memory) - 1:X}"
            )
        return memory[address]

    def memory(self, space: str) -> bytearray:
        """The live bytes of "vram", "cgram" or "oam" (read them after a run; do not write)."""
        if space == "vram":
            return self.vram
        if space == "cgram":
            return self.cgram
        if space == "oam":
            return self.oam
        raise HarnessError(f"space={space!r} is not modelled; use one of 'vram', 'cgram', 'oam'")

    def hardware(self, t: int) -> dict[str, int]:
        """Port state a caller can observe after the routine (see README "Observable hardware state")."""
        self._sync_oam_reset(t)
        state = {
            "VMAIN": self.vmain,
            "VMADD": self.vram_address,
            "VRAM_LATCH": self.vram_latch,
            "CGADD": self.cgram_address,
            "CGRAM_FLIPFLOP": self.cgram_flipflop,
            "CGRAM_LATCH": self.cgram_latch,
            "OAM_BASE": self.oam_base,
            "OAMADD": self.oam_address,
            "OAM_PRIORITY": self.oam_priority,
            "OAM_LATCH": self.oam_latch,
            "M7_LATCH": self.mode7_latch,
            "BG_LATCH1": self.bg_latch1,
            "BG_LATCH2": self.bg_latch2,
            "PPU1_MDR": self.ppu1_mdr,
            "PPU2_MDR": self.ppu2_mdr,
            "HV_LATCHED": self.hv_latched,
            "OPHCT": self.ophct,
            "OPVCT": self.opvct,
            "OPHCT_FLIPFLOP": self.ophct_flipflop,
            "OPVCT_FLIPFLOP": self.opvct_flipflop,
            "FORCED_BLANK": int(self.display_disable),
        }
        state.update(self.mode7)
        state.update(self.bg_scroll)
        if self.written:
            state.update({f"${reg:04X}": v for reg, v in self.written.items() if reg not in _NAMED_STATE})
        return state


def _counter_byte(counter: int, flipflop: int, mdr: int) -> tuple[int, int]:
    """$213C/$213D: low byte first, then bit 8 with bits 7-1 from PPU2 open bus (the previous byte)."""
    if flipflop == 0:
        return counter & 0xFF, 1
    return (mdr & 0xFE) | ((counter >> 8) & 1), 0


def _read_only_bytes(data: object) -> bool:
    return isinstance(data, memoryview) and data.readonly and data.format == "B" and data.ndim == 1


@lru_cache(maxsize=4)
def _zeros(size: int) -> bytes:
    return bytes(size)


def _checked_contents(space: str, initial: bytes | memoryview | None) -> bytes | memoryview:
    """The initial contents of a memory, checked; kept as given when they cannot change under us
    (bytes, or a read-only byte view such as a slice of bytes: no copy), else copied."""
    size = SPACE_SIZES[space]
    if initial is None:
        return _zeros(size)
    if not isinstance(initial, bytes | bytearray | memoryview):
        raise HarnessError(
            f"{space}={type(initial).__name__}: initial {space} must be bytes of length {size}"
        )
    data: bytes | memoryview
    if type(initial) is bytes or (_read_only_bytes(initial) and space != "cgram"):
        data = initial
    else:
        data = bytes(initial)
    if len(data) != size:
        raise HarnessError(f"{space} must be {size} bytes, got {len(data)}")
    if space == "cgram" and not data[1::2].isascii():  # isascii: every high byte below $80, in C
        bad = next((i for i in range(1, size, 2) if data[i] & 0x80), None)
        if bad is not None:
            raise HarnessError(
                f"cgram byte ${bad:03X}=${data[bad]:02X}: colours are 15-bit, so bit 7 of every odd (high) "
                "byte must be 0; mask the input with $7F"
            )
    return data
