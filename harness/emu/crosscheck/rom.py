"""The crosscheck ROM: a LoROM image with a monitor that runs a batch of programs and records results.

Layout (LoROM, 8 banks of 32 KiB = 256 KiB):
- bank $00: the monitor at $8000, the batch size at $BF00, one 32-byte descriptor per program at
  $C000, the header at $FFC0 and the vectors (reset -> $8000, every other vector -> `crash`).
- bank $01: random data that programs may read (fixed before any program is written).
- banks $02-$03: each program's window image (512 bytes at $02:8000 + 512 * i).
- banks $04-$07: program bodies (512-byte slots from $8100), the same helper routines at $8000 in
  each (JSR/JSL targets, a JSR (a,x) table at $80F0), and RTL ($6B) at $FFFF (see below).

WRAM: $0000-$00FF monitor variables, $0100-$02FF the program window (direct page, stack, data:
everything a program may touch; page 1 so that emulation-mode stacks fit), $0300-$033F the result
record, $0400-$05FF the monitor's stack, and $7F:0000 + 576 * i the slot where the monitor copies
window + record after program i.

Per program the monitor: copies the window image in; sets WMADD = 0, starts $FF x 0 on the
multiplier (so rdmpy = rddiv = 0 when the program starts, as `SnesBus` powers on) and sets WRDIVA
= $FFFF, $420D = 0; builds the stack frame [S0+3..S0+1] = return to `epilogue` (for RTL),
[S0..S0-1] = $FFFE (the same sentinel `Machine.run(call="jsr")` pushes) and the register values;
latches the H/V counters four times; pulls D, A, X, Y, DBR (and for an emulation-mode program
enters emulation mode with SEC : XCE), pulls P and jumps to the body (JML [$0000]). The body ends
with RTS to PBR:$FFFF, where RTL returns to `epilogue`, which saves P, returns to native mode
(CLC : XCE, so C holds the program's E), saves A, latches four more times, stores the registers
and copies window + record to the slot. From the last latch of the first group to the first latch
of the second the code is the same for every program of a timing config except the body, so the
elapsed clocks are `overhead + body clocks`, the overhead measured by calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from harness.emu.state import CpuState
from harness.errors import HarnessError

__all__ = [
    "BODY_BANKS",
    "CODE_BANKS",
    "DATA_BANKS",
    "HELPERS",
    "IMAGE_BANKS",
    "LATCHES",
    "DIRECT_PAGE",
    "EMULATION_STACK",
    "MAX_PROGRAMS",
    "NATIVE_STACK",
    "RECORD",
    "ROM_BANKS",
    "SLOT_SIZE",
    "WINDOW",
    "WINDOW_SIZE",
    "BatchImage",
    "Helper",
    "Monitor",
    "build_image",
    "monitor",
    "wrapper_stack_writes",
]

BANK = 0x8000
ROM_BANKS = 8
DATA_BANKS = (0x01,)
IMAGE_BANKS = (0x02, 0x03)
BODY_BANKS = (0x04, 0x05, 0x06, 0x07)
CODE_BANKS = BODY_BANKS
WINDOW = 0x0100
WINDOW_SIZE = 0x0200
RECORD = 0x0300
MONITOR_STACK = 0x05FF
NATIVE_STACK = range(WINDOW + 0x130, WINDOW + 0x1F8)  # S0 of a native program (frame + 32 pushed)
EMULATION_STACK = range(0x0150, 0x01F8)  # S0 of an emulation-mode program: page 1, no page wrap
DIRECT_PAGE = range(WINDOW, WINDOW + 0x101)
RECORD_SIZE = 0x40
SLOT_SIZE = WINDOW_SIZE + RECORD_SIZE
SLOT_BANK_OFFSET = 0x10000  # $7F:0000 as a WRAM offset
MAX_PROGRAMS = 112  # 112 slots of 576 bytes fit in bank $7F
BODY_START = 0x8100
BODY_SLOT = 0x200
DESCRIPTORS = 0xC000
DESCRIPTOR_SIZE = 32
COUNT_ADDRESS = 0xBF00
JSR_TABLE = 0x80F0

# monitor variables (WRAM bank 0 / $7E)
_JUMP = 0x00  # 24-bit body address for JML [$0000]
_DESC = 0x04
_SLOT = 0x06
_LEFT = 0x08
_TAIL = 0x0A  # the monitor's last step before the body: native or emulation-mode entry
_SOURCE = 0x0C  # 24-bit window image address
PROGRESS = 0xF0  # programs completed (16-bit)
DONE_MAGIC_AT = 0xF2
DONE_MAGIC = b"XCK!"
CRASH_AT = 0xF8
CRASH_MARK = 0xDE
RECORD_VALID = 0xA5

# record layout (offsets in the 64-byte record at $0400)
REC_VALID = 0x00
REC_START = 0x02  # 21 bytes: $213F, then (h lo, h hi, v lo, v hi, $213F) per latch; see `_latch_group`
REC_END = 0x18
REC_A, REC_X, REC_Y, REC_S, REC_D, REC_DBR, REC_P, REC_E = 0x30, 0x32, 0x34, 0x36, 0x38, 0x3A, 0x3B, 0x3C

_ROM_FETCH = 8  # bank $00 is always slow ROM
_IO = 6
_WRAM = 8


@dataclass(frozen=True)
class Helper:
    """A routine present at the same address in every code bank; `call` is "jsr" or "jsl"."""

    address: int
    code: bytes
    call: str
    text: str
    stack_bytes: int  # bytes it pushes beyond the return address


HELPERS: tuple[Helper, ...] = (
    Helper(0x8000, bytes.fromhex("e88860"), "jsr", "inx : dey : rts", 0),
    Helper(0x8003, bytes.fromhex("8aeb60"), "jsr", "txa : xba : rts", 0),
    Helper(0x8006, bytes.fromhex("a30160"), "jsr", "lda $01,s : rts", 0),
    Helper(0x8009, bytes.fromhex("08e230e82860"), "jsr", "php : sep #$30 : inx : plp : rts", 1),
    Helper(0x8020, bytes.fromhex("c86b"), "jsl", "iny : rtl", 0),
    Helper(0x8022, bytes.fromhex("a3036b"), "jsl", "lda $03,s : rtl", 0),
    Helper(0x8025, bytes.fromhex("8b4bab ab6b".replace(" ", "")), "jsl", "phb : phk : plb : plb : rtl", 2),
    Helper(0x802A, bytes.fromhex("c2203be2206b"), "jsl", "rep #$20 : tsc : sep #$20 : rtl", 0),
)
JSR_TABLE_TARGETS = tuple(h.address for h in HELPERS if h.call == "jsr")


class _Code:
    """A tiny assembler for the monitor: bytes, labels, 8-bit branch fixups, cycle annotations."""

    def __init__(self, origin: int) -> None:
        self.origin = origin
        self.data = bytearray()
        self.labels: dict[str, int] = {}
        self._branches: list[tuple[int, str]] = []
        self._jumps: list[tuple[int, str, int]] = []
        self.timed: list[tuple[str, tuple[int, ...]]] = []  # (marker, cycles) for the latch sequences

    @property
    def here(self) -> int:
        return self.origin + len(self.data)

    def label(self, name: str) -> None:
        self.labels[name] = self.here

    def emit(self, hex_bytes: str, *operands: int, cycles: tuple[int, ...] = (), marker: str = "") -> None:
        """Opcode bytes (hex), then operands as (value, size) packed little-endian in `operands` pairs."""
        self.data += bytes.fromhex(hex_bytes)
        for value, size in zip(operands[::2], operands[1::2], strict=True):
            self.data += (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        if cycles:
            self.timed.append((marker, cycles))

    def branch(self, opcode: str, target: str) -> None:
        self.data += bytes.fromhex(opcode) + b"\x00"
        self._branches.append((len(self.data) - 1, target))

    def absolute(self, opcode: str, target: str, adjust: int = 0) -> None:
        self.data += bytes.fromhex(opcode) + b"\x00\x00"
        self._jumps.append((len(self.data) - 2, target, adjust))

    def resolve(self) -> bytes:
        for at, target in self._branches:
            offset = self.labels[target] - (self.origin + at + 1)
            if not -128 <= offset <= 127:
                raise AssertionError(f"monitor branch to {target} out of range ({offset})")
            self.data[at] = offset & 0xFF
        for at, target, adjust in self._jumps:
            self.data[at : at + 2] = ((self.labels[target] + adjust) & 0xFFFF).to_bytes(2, "little")
        return bytes(self.data)


def _io_read_abs(code: _Code, register: int, marker: str = "") -> None:
    code.emit("ad", register, 2, cycles=(_ROM_FETCH,) * 3 + (_IO,), marker=marker)


def _io_read_long(code: _Code, register: int, marker: str = "") -> None:
    code.emit("af", register, 3, cycles=(_ROM_FETCH,) * 4 + (_IO,), marker=marker)


def _store_abs(code: _Code, address: int) -> None:
    code.emit("8d", address, 2, cycles=(_ROM_FETCH,) * 3 + (_WRAM,))


def _store_long(code: _Code, address: int) -> None:
    code.emit("8f", address, 3, cycles=(_ROM_FETCH,) * 4 + (_WRAM,))


def _nop(code: _Code) -> None:
    code.emit("ea", cycles=(_ROM_FETCH, _IO))


LATCHES = 4  # per end of a measurement; see `_latch_group`


def _latch_group(code: _Code, record: int, long: bool) -> int:
    """Four latches, each followed by reading H and V (two bytes each) and $213F into the record.

    Record bytes: [0] $213F, then per latch i: [1+5i..4+5i] h lo, h hi, v lo, v hi, [5+5i] $213F.
    Returns the clocks from one latch's read cycle to the next's (the same for every gap); a NOP
    (14 clocks) keeps it at 2 mod 4, which resolves the 4-clock dot (hv.py). Two latches would do,
    except when the long dots 323/327 (which shift later dots by 2 clocks) fall between them, and
    three still leave both gaps straddling them when the middle latch lands on dots 323-327; with
    four latches 354 clocks apart one gap is always clear, so every measurement is exact.
    """
    read = _io_read_long if long else _io_read_abs
    store = _store_long if long else _store_abs
    prefix = 0x7E0000 if long else 0

    def after_latch(first: int, target: _Code) -> None:
        for offset, register in enumerate((0x213C, 0x213C, 0x213D, 0x213D)):
            read(target, register)
            store(target, prefix | (record + first + offset))
        read(target, 0x213F)
        store(target, prefix | (record + first + 4))

    probe = _Code(0)
    after_latch(1, probe)
    read(probe, 0x2137)
    # latch i's read cycle (one I/O cycle), the reads and stores, latch i+1's cycles before its
    # read: the same total as the probe's cycles, whose last entry is latch i+1's own read cycle
    separation = sum(sum(cycles) for _, cycles in probe.timed)
    pad = separation % 4 == 0
    if pad:
        separation += _ROM_FETCH + _IO
    read(code, 0x213F)
    store(code, prefix | record)
    for i in range(LATCHES):
        if i and pad:
            _nop(code)
        read(code, 0x2137, marker="latch")
        after_latch(1 + 5 * i, code)
    return separation


@dataclass(frozen=True)
class Monitor:
    """The assembled monitor (bank $00 from $8000) and what the Python side needs to know about it."""

    code: bytes
    epilogue: int  # 16-bit address in bank $00 the body's RTS/RTL chain returns to
    crash: int
    start_separation: int  # clocks between consecutive latches of the start group
    end_separation: int


@lru_cache(maxsize=1)
def monitor() -> Monitor:
    """Build the monitor once (pure: no batch-specific bytes; those are in the descriptors)."""
    c = _Code(0x8000)
    c.emit("78 18 fb c2 30")  # sei : clc : xce : rep #$30 (native, 16-bit)
    c.emit("a2", MONITOR_STACK, 2)  # ldx #$05FF
    c.emit("9a a9 00 00 5b 4b ab")  # txs : lda #0 : tcd : phk : plb  (D = 0, DBR = 0)
    c.emit("e2 20 9c 00 42 9c 0c 42 9c 0d 42")  # sep #$20 : stz $4200 : stz $420C : stz $420D
    c.emit("c2 20 a9", DESCRIPTORS, 2)  # rep #$20 : lda #DESCRIPTORS
    c.emit("85", _DESC, 1)  # sta desc
    c.emit("ad", COUNT_ADDRESS, 2)  # lda COUNT
    c.emit("85", _LEFT, 1)  # sta left
    for variable in (PROGRESS, DONE_MAGIC_AT, DONE_MAGIC_AT + 2, CRASH_AT):
        c.emit("64", variable, 1)  # stz: WRAM powers on with arbitrary bytes
    c.label("next")
    # window image -> $0200-$03FF
    c.emit("a0 10 00 b1", _DESC, 1)  # ldy #16 : lda (desc),y
    c.emit("85", _SOURCE, 1)
    c.emit("a0 12 00 b1", _DESC, 1)  # ldy #18 : lda (desc),y
    c.emit("85", _SOURCE + 2, 1)
    c.emit("a0", WINDOW_SIZE - 2, 2)  # ldy #$01FE
    c.label("copy")
    c.emit("b7", _SOURCE, 1)  # lda [source],y
    c.emit("99", WINDOW, 2)  # sta WINDOW,y
    c.emit("88 88")  # dey : dey
    c.branch("10", "copy")  # bpl copy
    for offset in (0, 2):  # body address -> $00-$02
        c.emit("a0", offset, 2)
        c.emit("b1", _DESC, 1)
        c.emit("85", _JUMP + offset, 1)
    c.emit("a0", 0x14, 2)  # ldy #20 : lda (desc),y : sta slot
    c.emit("b1", _DESC, 1)
    c.emit("85", _SLOT, 1)
    # I/O state the emulator powers on with
    c.emit("e2 20 9c 81 21 9c 82 21 9c 83 21 9c 0d 42")  # sep #$20 : stz $2181/$2182/$2183 : stz $420D
    c.emit("a9 ff 8d 02 42 9c 03 42 8d 04 42 8d 05 42")  # lda #$FF : sta $4202 : stz $4203 : sta $4204/5
    c.emit("c2 30")  # rep #$30
    # descriptor byte 3: 1 = the program runs in emulation mode; pick the entry tail
    c.emit("a0 02 00 b1", _DESC, 1)  # ldy #2 : lda (desc),y
    c.emit("29 00 ff")  # and #$FF00
    c.branch("f0", "pick_native")  # beq
    c.absolute("a9", "tail_emulation")  # lda #tail_emulation
    c.branch("80", "pick_done")  # bra
    c.label("pick_native")
    c.absolute("a9", "tail_native")  # lda #tail_native
    c.label("pick_done")
    c.emit("85", _TAIL, 1)  # sta tail
    # stack frame: [S0+3..S0+1] return to epilogue, [S0..S0-1] = $FFFE, then the register values
    c.emit("a0 04 00 b1", _DESC, 1)  # ldy #4 : lda (desc),y   (S0)
    c.emit("1a 1a 1a 1b 4b")  # inc a x3 : tcs : phk
    c.absolute("f4", "epilogue", -1)  # pea epilogue-1
    c.emit("f4 fe ff")  # pea $FFFE
    for offset in (0x0E, 0x0C, 0x0A, 0x08, 0x06):  # DBR|P<<8, Y, X, A, D
        c.emit("a0", offset, 2)
        c.emit("b1", _DESC, 1)
        c.emit("48")  # pha
    c.emit("e2 20")  # sep #$20
    start_separation = _latch_group(c, RECORD + REC_START, long=False)
    c.emit("6c", _TAIL, 2)  # jmp ($000A): the same 5 cycles to either tail
    c.label("tail_native")
    c.emit("c2 30 2b 68 fa 7a ab 28")  # rep #$30 : pld : pla : plx : ply : plb : plp
    c.emit("dc", _JUMP, 2)  # jml [$0000]
    c.label("tail_emulation")
    c.emit("c2 30 2b 68 fa 7a ab 38 fb 28")  # rep #$30 : pld : pla : plx : ply : plb : sec : xce : plp
    c.emit("dc", _JUMP, 2)  # jml [$0000]
    c.label("epilogue")
    c.emit("08 18 fb c2 20 48 e2 20")  # php : clc : xce (C = the program's E) : rep #$20 : pha : sep #$20
    end_separation = _latch_group(c, RECORD + REC_END, long=True)
    c.emit("a9 00 2a 8f", 0x7E0000 | (RECORD + REC_E), 3)  # lda #0 : rol a : sta.l E (C untouched since XCE)
    c.emit("c2 30")  # rep #$30
    for transfer, offset in (("8a", REC_X), ("98", REC_Y), ("7b", REC_D), ("3b", REC_S)):
        c.emit(transfer)  # txa / tya / tdc / tsc
        c.emit("8f", 0x7E0000 | (RECORD + offset), 3)
    c.emit("68 8f", 0x7E0000 | (RECORD + REC_A), 3)  # pla : sta.l A
    c.emit("e2 20 68 8f", 0x7E0000 | (RECORD + REC_P), 3)  # sep #$20 : pla : sta.l P
    c.emit("8b 68 8f", 0x7E0000 | (RECORD + REC_DBR), 3)  # phb : pla : sta.l DBR
    c.emit("a9", RECORD_VALID, 1)
    c.emit("8f", 0x7E0000 | (RECORD + REC_VALID), 3)
    c.emit("c2 30 d8 78")  # rep #$30 : cld : sei (the program's P may have set decimal mode)
    c.emit("a2", MONITOR_STACK, 2)  # ldx #$05FF
    c.emit("9a a9 00 00 5b 4b ab")  # txs : lda #0 : tcd : phk : plb
    c.emit("a9", SLOT_SIZE - 1, 2)  # lda #575
    c.emit("a2", WINDOW, 2)  # ldx #$0200
    c.emit("a4", _SLOT, 1)  # ldy slot
    c.emit("54 7f 7e 4b ab")  # mvn $7E,$7F (bytes: dst, src) : phk : plb
    c.emit("a5", _DESC, 1)  # lda desc : clc : adc #32 : sta desc
    c.emit("18 69", DESCRIPTOR_SIZE, 2)
    c.emit("85", _DESC, 1)
    c.emit("e6", PROGRESS, 1)  # inc progress
    c.emit("c6", _LEFT, 1)  # dec left
    c.branch("f0", "finish")
    c.absolute("4c", "next")  # jmp next
    c.label("finish")
    c.emit("a9", int.from_bytes(DONE_MAGIC[:2], "little"), 2)
    c.emit("85", DONE_MAGIC_AT, 1)
    c.emit("a9", int.from_bytes(DONE_MAGIC[2:], "little"), 2)
    c.emit("85", DONE_MAGIC_AT + 2, 1)
    c.label("halt")
    c.branch("80", "halt")
    c.label("crash")  # any vector: mark and stop (works in either mode)
    c.emit("e2 20 a9", CRASH_MARK, 1)
    c.emit("8f", 0x7E0000 | CRASH_AT, 3)
    c.emit("db")  # stp
    code = c.resolve()
    return Monitor(code, c.labels["epilogue"], c.labels["crash"], start_separation, end_separation)


def wrapper_stack_writes(start: CpuState) -> dict[int, int]:
    """WRAM bytes the monitor writes around S0 before the body runs (bank-0 offsets -> value)."""
    s0 = start.s
    ret = monitor().epilogue - 1
    values = [
        (s0 + 3, 0x00),
        (s0 + 2, ret >> 8),
        (s0 + 1, ret & 0xFF),
        (s0, 0xFF),
        (s0 - 1, 0xFE),
        (s0 - 2, start.p),
        (s0 - 3, start.dbr),
    ]
    for top, value in ((s0 - 4, start.y), (s0 - 6, start.x), (s0 - 8, start.a), (s0 - 10, start.d)):
        values += [(top, value >> 8), (top - 1, value & 0xFF)]
    return dict(values)


@dataclass(frozen=True)
class ProgramSlot:
    """Where program `index` of a batch lives: its body slot, window image and result slot."""

    index: int

    @property
    def body_bank(self) -> int:
        return BODY_BANKS[self.index % len(BODY_BANKS)]

    @property
    def body_offset(self) -> int:
        return BODY_START + (self.index // len(BODY_BANKS)) * BODY_SLOT

    @property
    def image_address(self) -> int:
        offset = self.index * WINDOW_SIZE
        return ((IMAGE_BANKS[0] + offset // BANK) << 16) | (0x8000 + offset % BANK)

    @property
    def result_offset(self) -> int:
        """WRAM offset of the result slot ($7F:xxxx)."""
        return SLOT_BANK_OFFSET + self.index * SLOT_SIZE


def rom_offset(address: int) -> int:
    """LoROM image offset of a $8000-$FFFF address (any mirror bank)."""
    if not address & 0x8000:
        raise HarnessError(f"${address:06X} is not in the ROM half of a LoROM bank")
    return ((address >> 16) & 0x7F) * BANK + (address & 0x7FFF)


def base_image(data: bytes) -> bytes:
    """The ROM before programs are written: monitor, helpers, RTL at $FFFF, the data bank filled."""
    rom = bytearray(ROM_BANKS * BANK)
    mon = monitor()
    rom[: len(mon.code)] = mon.code
    data_size = len(DATA_BANKS) * BANK
    if len(data) != data_size:
        raise HarnessError(f"the data bank needs {data_size} bytes, got {len(data)}")
    rom[DATA_BANKS[0] * BANK : (DATA_BANKS[-1] + 1) * BANK] = data
    for bank in CODE_BANKS:
        base = bank * BANK
        for helper in HELPERS:
            at = base + (helper.address - 0x8000)
            rom[at : at + len(helper.code)] = helper.code
        table = base + (JSR_TABLE - 0x8000)
        for i, target in enumerate(JSR_TABLE_TARGETS):
            rom[table + 2 * i : table + 2 * i + 2] = target.to_bytes(2, "little")
        rom[base + BANK - 1] = 0x6B  # RTL at $FFFF: where the body's RTS lands
    return bytes(rom)


@dataclass(frozen=True)
class BatchImage:
    """A finished ROM image and the number of programs its monitor runs."""

    rom: bytes
    count: int


def build_image(base: bytes, descriptors: list[bytes], blobs: list[tuple[int, bytes]]) -> BatchImage:
    """Finish a batch ROM: `blobs` (24-bit address, bytes: bodies and window images), the
    descriptors in the order the monitor runs them, the count, vectors, header and checksum."""
    if not 1 <= len(descriptors) <= MAX_PROGRAMS:
        raise HarnessError(f"a batch holds 1..{MAX_PROGRAMS} programs, got {len(descriptors)}")
    rom = bytearray(base)
    for address, blob in blobs:
        at = rom_offset(address)
        rom[at : at + len(blob)] = blob
    for i, descriptor in enumerate(descriptors):
        at = DESCRIPTORS - 0x8000 + i * DESCRIPTOR_SIZE
        rom[at : at + DESCRIPTOR_SIZE] = descriptor.ljust(DESCRIPTOR_SIZE, b"\x00")
    rom[COUNT_ADDRESS - 0x8000 : COUNT_ADDRESS - 0x8000 + 2] = len(descriptors).to_bytes(2, "little")
    crash = monitor().crash.to_bytes(2, "little")
    for vector in range(0x7FE4, 0x8000, 2):
        rom[vector : vector + 2] = crash
    rom[0x7FFC:0x7FFE] = (0x8000).to_bytes(2, "little")
    _write_header(rom)
    return BatchImage(bytes(rom), len(descriptors))


def descriptor(slot: ProgramSlot, start: CpuState, body_address: int) -> bytes:
    """The 32 bytes the monitor reads for one program (see the monitor's `next:` loop)."""
    out = bytearray(DESCRIPTOR_SIZE)
    out[0:3] = body_address.to_bytes(3, "little")
    out[3] = start.e  # the monitor enters emulation mode for the body when set
    out[4:6] = start.s.to_bytes(2, "little")
    out[6:8] = start.d.to_bytes(2, "little")
    out[8:10] = start.a.to_bytes(2, "little")
    out[10:12] = start.x.to_bytes(2, "little")
    out[12:14] = start.y.to_bytes(2, "little")
    out[14] = start.dbr
    out[15] = start.p
    out[16:19] = slot.image_address.to_bytes(3, "little")
    out[20:22] = (slot.result_offset & 0xFFFF).to_bytes(2, "little")
    return bytes(out)


def _write_header(rom: bytearray) -> None:
    """LoROM header at $7FC0 that bsnes's heuristics accept (map $20, NTSC, valid checksum)."""
    header = 0x7FC0
    rom[header : header + 21] = b"ASM65816 CROSSCHECK".ljust(21)
    rom[header + 0x15] = 0x20  # LoROM
    rom[header + 0x16] = 0x00  # ROM only
    rom[header + 0x17] = (len(rom) // 1024).bit_length() - 1  # 2^n KiB
    rom[header + 0x18] = 0x00  # no SRAM
    rom[header + 0x19] = 0x01  # North America: NTSC
    rom[header + 0x1A] = 0x33
    rom[header + 0x1B] = 0x00
    rom[header + 0x1C : header + 0x20] = b"\xff\xff\x00\x00"
    checksum = sum(rom) & 0xFFFF
    rom[header + 0x1C : header + 0x1E] = (checksum ^ 0xFFFF).to_bytes(2, "little")
    rom[header + 0x1E : header + 0x20] = checksum.to_bytes(2, "little")
