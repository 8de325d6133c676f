"""Random native-mode 65816 programs, written one instruction at a time against a live run.

Why live: a random program only compares if every access lands where both machines hold the same
bytes. The writer keeps our emulator (a `Cpu` on a recording `SnesBus`) stepped to the end of what it
has written, so it knows the exact registers and memory before choosing the next instruction and can
solve for operands that hit the program's window ($0200-$03FF), the data banks ($01-$02, ROM) or the
I/O registers it means to use. Every access of every step is then checked against that plan; a
program that strays is rejected (and counted), never compared. Operands are computed by this module's
own addressing arithmetic (WDC W65C816S datasheet, section 7 "Addressing modes"), so a disagreement
with the emulator about an address shows up as a rejection here or as a difference on the reference.

What a program may contain: loads/stores/ALU/RMW in every data addressing mode, immediates (decimal
mode ADC/SBC through SED, PLP, SEP or the start P), REP/SEP, transfers, XBA, XCE with C = E, WDM,
pushes and pulls (PEA/PEI/PER too), forward branches and jumps (BRL, JMP/JML, JMP (a), JML [a],
JMP (a,x)), JSR/JSL/JSR (a,x) to helpers in the image, MVN/MVP of 1-16 bytes, the multiplier and
divider ($4202-$4206, reads of $4214-$4217 0-18 instructions after a start and at random) and the
WRAM port ($2180-$2183). Programs run in native mode, or on request in emulation mode (m = x = 1,
the stack in page 1, direct page wrapping when DL = 0; no MVN/MVP there: 8-bit X/Y cannot reach
the window). Not used: BRK/COP/WAI/STP/RTI, TCS/TXS, mode switches, DMA, interrupts, PPU
registers, open bus, and the emulation-mode cases where bsnes v094 is known to be wrong (a (d,x)
pointer at $xxFF with DL != 0, a [d] pointer crossing the page with DL = 0, PLB at S = $01FF;
suspects.py probes those on purpose).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from harness.emu.cpu import Cpu
from harness.emu.crosscheck import rom as layout
from harness.emu.disasm import format_instruction
from harness.emu.opcodes import OPCODES, Kind, Mode, Opcode, operand_length
from harness.emu.snes import BusFault, Mapper, SnesBus
from harness.emu.state import CpuState
from harness.errors import HarnessError

__all__ = ["EXCLUDABLE", "Program", "Rejected", "TimingConfig", "from_code", "generate", "wram_image"]

WINDOW_END = layout.WINDOW + layout.WINDOW_SIZE
MAX_DEPTH = 32  # bytes a program may have on the stack above its start
_RESERVE = 48  # body bytes kept for balancing the stack and the final RTS
_MAX_EVENTS = 40
_WINDOW_BANKS = (0x00, 0x7E, 0x80, 0x3F, 0xBF, 0x12, 0x9C)
_DATA_BANKS = tuple(layout.DATA_BANKS) + tuple(0x80 | b for b in layout.DATA_BANKS)
_DBR_CHOICES = (0x00, 0x7E, 0x80, 0x3F, 0xBF, 0x01, 0x81, 0x02)
_MUL_DIV = range(0x4202, 0x4207)
_RESULTS = range(0x4214, 0x4218)
_WMADD = range(0x2181, 0x2184)
_PORT = 0x2180


class TimingConfig(enum.Enum):
    """How the body's ROM fetches are timed; each config gets its own calibrated overhead."""

    SLOW = "slow"  # body in banks $03-$06 or $83-$86 with $420D = 0: 8 clocks per ROM fetch
    FAST = "fast"  # body in $83-$86 after it sets $420D = 1 itself: 6 clocks per ROM fetch


@dataclass(frozen=True)
class Program:
    """One generated program: where it runs, what it starts from, its code and a readable listing."""

    index: int
    slot: int
    start: CpuState  # registers at the body's first instruction; s = S0 (before the $FFFE sentinel)
    image: bytes  # the window as the monitor copies it in (before its stack frame writes)
    window: bytes  # the window at the body's first instruction
    body: bytes
    listing: tuple[str, ...]
    config: TimingConfig
    calibration: bool
    tags: frozenset[str]
    final: CpuState  # our emulator's registers at the end of the live run (a consistency check)
    probe: str = ""  # the name of a known-inaccuracy probe (suspects.py), "" for random programs

    @property
    def emulation(self) -> bool:
        return bool(self.start.e)

    @property
    def entry(self) -> int:
        return (self.start.pbr << 16) | self.start.pc

    @property
    def text(self) -> str:
        return "\n".join(self.listing)


class Rejected(Exception):
    """A program had to be abandoned (an access outside the plan, no room, ...); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def wram_image(window: bytes) -> bytes:
    """128 KiB WRAM holding `window` at $0200 and zeros elsewhere (what `Machine.run` gets)."""
    wram = bytearray(0x20000)
    wram[layout.WINDOW : WINDOW_END] = window
    return bytes(wram)


def wram_offset(address: int) -> int | None:
    """WRAM offset of a 24-bit address, or None when it is not WRAM."""
    bank, offset = address >> 16, address & 0xFFFF
    if bank == 0x7E:
        return offset
    if bank == 0x7F:
        return 0x10000 | offset
    if not bank & 0x40 and offset < 0x2000:
        return offset
    return None


def io_register(address: int) -> int | None:
    """$2000-$5FFF of banks $00-$3F/$80-$BF: the register number, else None."""
    if address & 0x400000 or not 0x2000 <= (address & 0xFFFF) < 0x6000:
        return None
    return address & 0xFFFF


def is_readable_rom(address: int, slot: layout.ProgramSlot) -> bool:
    """ROM a program may read: the data bank, the helpers of any code bank, and its own body slot.

    Other programs' bodies are excluded: they are not written yet while this one is generated."""
    bank, offset = (address >> 16) & 0x7F, address & 0xFFFF
    if not offset & 0x8000:
        return False
    if bank in layout.DATA_BANKS:
        return True
    if bank in layout.CODE_BANKS and offset < layout.BODY_START:
        return True
    return bank == slot.body_bank and slot.body_offset <= offset < slot.body_offset + layout.BODY_SLOT


def _window_bank(bank: int) -> bool:
    return bank == 0x7E or not bank & 0x40


def _io_bank(bank: int) -> bool:
    return not bank & 0x40


class _Recorder:
    """A bus that forwards to `SnesBus` and records (address, value, is_write) for every data cycle."""

    def __init__(self, bus: SnesBus) -> None:
        self.bus = bus
        self.accesses: list[tuple[int, int, bool]] = []

    def read(self, address: int) -> int:
        value = self.bus.read(address)
        self.accesses.append((address, value, False))
        return value

    def write(self, address: int, value: int) -> None:
        self.bus.write(address, value)
        self.accesses.append((address, value, True))

    def idle(self, address: int) -> None:
        self.bus.idle(address)


_OPS = {(op.mnemonic, op.mode): op for op in OPCODES}
_MEMORY_MODES = frozenset(
    {
        Mode.ABS,
        Mode.ABS_X,
        Mode.ABS_Y,
        Mode.LONG,
        Mode.LONG_X,
        Mode.DP,
        Mode.DP_X,
        Mode.DP_Y,
        Mode.DP_IND,
        Mode.DP_IND_LONG,
        Mode.DP_X_IND,
        Mode.DP_IND_Y,
        Mode.DP_IND_LONG_Y,
        Mode.SR,
        Mode.SR_IND_Y,
    }
)
_MEMORY_OPS = tuple(
    op for op in OPCODES if op.kind in (Kind.READ, Kind.WRITE, Kind.RMW) and op.mode in _MEMORY_MODES
)
_FILLER = tuple(
    _OPS[(name, Mode.IMP)].code
    for name in (
        "INX",
        "INY",
        "DEX",
        "DEY",
        "TAX",
        "TAY",
        "TXA",
        "TYA",
        "TXY",
        "TYX",
        "XBA",
        "NOP",
        "CLC",
        "SEC",
        "CLV",
        "TDC",
        "TSC",
        "TSX",
    )
) + tuple(_OPS[(name, Mode.ACC)].code for name in ("ASL", "LSR", "ROL", "ROR", "INC", "DEC"))
_REGISTER_OPS = _FILLER + tuple(_OPS[(name, Mode.IMP)].code for name in ("TCD", "CLD", "SED", "CLI", "SEI"))
_IMMEDIATE_OPS = tuple(op for op in OPCODES if op.mode in (Mode.IMM_M, Mode.IMM_X))
_BRANCHES = tuple(op.code for op in OPCODES if op.mode is Mode.REL8)
_PUSHES = ("PHA", "PHX", "PHY", "PHP", "PHB", "PHD", "PHK", "PEA", "PEI", "PER")
_PULLS = ("PLA", "PLX", "PLY", "PLP", "PLB", "PLD")
_IO_READERS = ("LDA", "LDX", "LDY", "ADC", "SBC", "AND", "ORA", "EOR", "CMP", "BIT", "CPX", "CPY")
_IO_WRITERS = ("STA", "STX", "STY", "STZ")
_PORT_RMW = ("ASL", "LSR", "ROL", "ROR", "INC", "DEC", "TSB", "TRB")
# features a run can leave out (`run_crosscheck(exclude=...)`) and the families that produce them
_FEATURE_FAMILIES: dict[str, tuple[str, ...]] = {
    "wdm": (),  # family_register's WDM
    "block_move": ("family_block_move",),
    "mul_div": ("family_multiply", "family_multiply_burst"),
    "wram_port": ("family_wram_port",),
    "flow": ("family_branch",),
    "calls": ("family_call",),
    "emulation_rmw": (),  # family_memory / family_wram_port: no read-modify-write in emulation mode
}
EXCLUDABLE = frozenset(_FEATURE_FAMILIES)
# php : sep #$20 : pha : lda #$01 : sta.l $00420D : pla : plp  (FastROM on, registers kept)
_FAST_PREFIX = ("08", "e2 20", "48", "a9 01", "8f 0d 42 00", "68", "28")
_CALL_STEPS = 16


@dataclass
class _IoState:
    """What the program did to the multiplier/divider and the WRAM port, for planning later steps."""

    read_due: int | None = None  # events left before a forced read of $4214-$4217
    wmadd: int = 0


@dataclass
class _Plan:
    """Accesses one instruction may make beyond the window and the data ROM."""

    io: frozenset[int] = frozenset()
    note: str = ""
    tags: tuple[str, ...] = ()


@dataclass
class _Draft:
    """The program being written: code, listing and bookkeeping."""

    code: bytearray = field(default_factory=bytearray)
    listing: list[str] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)
    events: int = 0


class _Writer:
    """Writes one program into its body slot while stepping our emulator through it."""

    def __init__(
        self,
        rng: random.Random,
        base_rom: bytes,
        slot: layout.ProgramSlot,
        config: TimingConfig,
        calibration: bool,
        index: int,
        start: CpuState | None = None,
        exclude: frozenset[str] = frozenset(),
        emulation: bool = False,
        window_bytes: Mapping[int, int] | None = None,
        probe: str = "",
    ) -> None:
        self.rng = rng
        self.exclude = exclude
        self.emulation = emulation if start is None else bool(start.e)
        self.slot = slot
        self.config = config
        self.calibration = calibration
        self.index = index
        fast_bank = config is TimingConfig.FAST or rng.random() < 0.5
        self.pbr = (0x80 if fast_bank else 0x00) | slot.body_bank
        self.start = (
            self._random_start() if start is None else start.replace(pbr=self.pbr, pc=slot.body_offset)
        )
        self.image = bytearray(self._random_image())
        for offset, value in (window_bytes or {}).items():
            self.image[offset - layout.WINDOW] = value
        self.probe = probe
        window = bytearray(self.image)
        self.fixed: set[int] = set()
        for offset, value in layout.wrapper_stack_writes(self.start).items():
            window[offset - layout.WINDOW] = value
            self.fixed.add(offset)
        self.window = window
        self.frame = frozenset(range(self.start.s - 1, self.start.s + 4))
        self.touched: set[int] = set()
        self.alu = _IoState()
        self.draft = _Draft()
        self.cursor = slot.body_offset
        self.end = slot.body_offset + layout.BODY_SLOT - _RESERVE
        self.bus = SnesBus(base_rom, Mapper.LOROM)
        self.bus.reset(wram_image(bytes(window)))
        self.recorder = _Recorder(self.bus)
        self.cpu = Cpu(self.recorder, trap_interrupts=True)
        self.cpu.state = self.start.replace(s=self.start.s - 2)
        self._state = self.cpu.state

    # -- the random start ---------------------------------------------------------------------------

    def _random_start(self) -> CpuState:
        rng = self.rng
        p = rng.randrange(0x100) & ~0x08
        if rng.random() < 0.3:
            p |= 0x08  # decimal mode
        if self.emulation:
            p |= 0x30  # m = x = 1 in emulation mode
        index_mask = 0xFF if p & 0x10 else 0xFFFF
        s0 = rng.choice(layout.EMULATION_STACK if self.emulation else layout.NATIVE_STACK)
        if rng.random() < 0.3:
            d = rng.choice((layout.DIRECT_PAGE[0], layout.DIRECT_PAGE[-1]))  # DL = 0
        else:
            d = rng.choice(layout.DIRECT_PAGE)
        return CpuState(
            a=rng.randrange(0x10000),
            x=self._small_index() & index_mask,
            y=self._small_index() & index_mask,
            s=s0,
            d=d,
            dbr=rng.choice(_DBR_CHOICES),
            pbr=self.pbr,
            pc=self.slot.body_offset,
            p=p,
            e=int(self.emulation),
        )

    def _small_index(self) -> int:
        roll = self.rng.random()
        if roll < 0.6:
            return self.rng.randrange(0x100)
        if roll < 0.8:
            return self.rng.randrange(0x200)
        return self.rng.randrange(0x10000)

    def _random_image(self) -> bytes:
        """Random bytes with pointers sprinkled in, so indirect modes often find a usable one."""
        rng = self.rng
        image = bytearray(rng.randbytes(layout.WINDOW_SIZE))
        for _ in range(rng.randrange(8, 48)):
            at = rng.randrange(0, layout.WINDOW_SIZE - 3)
            if rng.random() < 0.7:
                value = rng.randrange(layout.WINDOW, WINDOW_END - 2) | (rng.choice(_WINDOW_BANKS) << 16)
            else:
                value = rng.randrange(0x8000, 0x10000) | (rng.choice(_DATA_BANKS) << 16)
            image[at : at + 3] = value.to_bytes(3, "little")
        return bytes(image)

    # -- live state --------------------------------------------------------------------------------

    @property
    def st(self) -> CpuState:
        """Registers after the last step (cached: building a CpuState is the generator's main cost)."""
        return self._state

    def _m(self) -> int:
        return (self.st.p >> 5) & 1

    def _x(self) -> int:
        return (self.st.p >> 4) & 1

    def _width(self, op: Opcode) -> int:
        if op.width == "M":
            return 1 if self._m() else 2
        if op.width == "X":
            return 1 if self._x() else 2
        return 1

    def _depth(self) -> int:
        return (self.start.s - 2) - self.st.s

    def _peek(self, address: int) -> int:
        return self.bus.peek(address)

    # -- emitting and stepping ---------------------------------------------------------------------

    def _room(self, size: int) -> bool:
        return self.cursor + size <= self.end

    def _poke_code(self, address: int, code: bytes) -> None:
        for i, byte in enumerate(code):
            self.bus.poke((self.pbr << 16) | ((address + i) & 0xFFFF), byte)
        offset = address - self.slot.body_offset
        if offset + len(code) > len(self.draft.code):
            self.draft.code.extend(bytes(offset + len(code) - len(self.draft.code)))
        self.draft.code[offset : offset + len(code)] = code

    def _text(self, code: bytes, address: int) -> str:
        op = OPCODES[code[0]]
        return format_instruction(op, code[1:], (self.pbr << 16) | address)

    def _list(self, address: int, code: bytes, text: str, note: str = "") -> None:
        suffix = f"  ; {note}" if note else ""
        self.draft.listing.append(f"${self.pbr:02X}:{address:04X}  {code.hex(' '):<12} {text}{suffix}")

    def _emit(self, code: bytes, plan: _Plan | None = None) -> None:
        """Write one straight-line instruction at the cursor, step it, check its accesses."""
        plan = plan or _Plan()
        address = self.cursor
        self._poke_code(address, code)
        self._list(address, code, self._text(code, address), plan.note)
        self.draft.tags.update(plan.tags)
        self._step(plan)
        after = self.st.pc
        expected = (address + len(code)) & 0xFFFF
        op = OPCODES[code[0]]
        if op.mode is Mode.BLOCK:
            for _ in range(0x10000):
                if after != address:
                    break
                self._step(plan)
                after = self.st.pc
        if after != expected:
            raise Rejected(f"{self._text(code, address)} left PC at ${after:04X}, expected ${expected:04X}")
        self.cursor = expected

    def _step(self, plan: _Plan) -> None:
        self.recorder.accesses.clear()
        stop = (self.pbr << 16) | 0xFFFF
        try:
            outcome = self.cpu.run(max_instructions=1, stop=stop)
        except BusFault as fault:
            raise Rejected(f"our emulator faulted: {fault.detail}") from None
        self._state = self.cpu.state
        if outcome.reason not in ("LIMIT", "RETURNED"):
            raise Rejected(f"unexpected stop {outcome.reason}")
        self._check(plan)

    def _check(self, plan: _Plan) -> None:
        for address, value, is_write in self.recorder.accesses:
            register = io_register(address)
            if register is not None:
                if register not in plan.io:
                    raise Rejected(f"unplanned I/O {'write' if is_write else 'read'} ${address:06X}")
                self._track_io(register, value, is_write)
                continue
            offset = wram_offset(address)
            if offset is not None:
                self._check_window(offset, is_write, f"${address:06X}")
                continue
            if is_write or not is_readable_rom(address, self.slot):
                raise Rejected(
                    f"{'write' if is_write else 'read'} outside the window and ROM: ${address:06X}"
                )

    def _check_window(self, offset: int, is_write: bool, where: str) -> None:
        if not layout.WINDOW <= offset < WINDOW_END:
            raise Rejected(f"access outside the window: {where}")
        if is_write and offset in self.frame:
            raise Rejected(f"write to the return frame: {where}")
        self.touched.add(offset)

    def _track_io(self, register: int, value: int, is_write: bool) -> None:
        alu = self.alu
        if register == _PORT:
            self._check_window(alu.wmadd, is_write, f"WMADD ${alu.wmadd:05X}")
            alu.wmadd = (alu.wmadd + 1) & 0x1FFFF
        elif is_write and register in _WMADD:
            shift = 8 * (register - 0x2181)
            mask = 0x1 if register == 0x2183 else 0xFF
            alu.wmadd = (alu.wmadd & ~(0xFF << shift)) | ((value & mask) << shift)
        elif is_write and register in (0x4203, 0x4206) and alu.read_due is None:
            # partial results only show during the 8/16 cycles after a start: favour early reads
            alu.read_due = self.rng.randrange(4) if self.rng.random() < 0.6 else self.rng.randrange(19)

    # -- targets and operands ----------------------------------------------------------------------

    def _data_ok(self, address: int, kind: Kind) -> bool:
        offset = wram_offset(address)
        if offset is not None:
            if not layout.WINDOW <= offset < WINDOW_END:
                return False
            return kind is Kind.READ or offset not in self.frame
        return kind is Kind.READ and bool(address & 0x8000) and ((address >> 16) & 0x7F) in layout.DATA_BANKS

    def _all_ok(self, addresses: list[int], kind: Kind) -> bool:
        return all(self._data_ok(a & 0xFFFFFF, kind) for a in addresses)

    def _targets(self, kind: Kind, width: int, bank: int | None = None, tries: int = 12) -> list[int]:
        """Random 24-bit addresses of `width` usable bytes (in `bank` when given)."""
        rng = self.rng
        out = []
        for _ in range(tries):
            rom = kind is Kind.READ and rng.random() < 0.3
            if bank is not None:
                rom = (bank & 0x7F) in layout.DATA_BANKS
                if not rom and not _window_bank(bank):
                    return []
            if rom:
                if kind is not Kind.READ:
                    return []
                b = bank if bank is not None else rng.choice(_DATA_BANKS)
                address = (b << 16) | rng.randrange(0x8000, 0x10000 - width + 1)
            else:
                b = bank if bank is not None else rng.choice(_WINDOW_BANKS)
                address = (b << 16) | rng.randrange(layout.WINDOW, WINDOW_END - width + 1)
            if self._all_ok([address + i for i in range(width)], kind):
                out.append(address)
        return out

    def _placeable(self, offsets: list[int]) -> bool:
        return all(
            layout.WINDOW <= o < WINDOW_END and o not in self.touched and o not in self.fixed for o in offsets
        )

    def _place(self, offsets: list[int], value: int) -> None:
        """Set initial window bytes nobody has looked at yet (image, window and the live memory)."""
        for i, where in enumerate(offsets):
            byte = (value >> (8 * i)) & 0xFF
            self.image[where - layout.WINDOW] = byte
            self.window[where - layout.WINDOW] = byte
            self.bus.poke(0x7E0000 | where, byte)
            self.touched.add(where)

    def _in_page(self, offset: int) -> bool:
        """Emulation mode with DL = 0: direct-page indexing and pointers wrap inside the page."""
        return bool(self.st.e) and not self.st.d & 0xFF

    def _dp(self, offset: int) -> int:
        """Bank-0 address of direct-page byte `offset` (d + index + i), with the mode's wrapping."""
        d = self.st.d
        if self._in_page(offset):
            return (d & 0xFF00) | (offset & 0xFF)
        return (d + offset) & 0xFFFF

    def _direct(self, mode: Mode, d: int, width: int) -> list[int]:
        st = self.st
        if mode is Mode.SR:
            return [(st.s + d + i) & 0xFFFF for i in range(width)]
        index = {Mode.DP: 0, Mode.DP_X: st.x, Mode.DP_Y: st.y}[mode]
        return [self._dp(d + index + i) for i in range(width)]

    def _pointer_locations(self, mode: Mode, d: int) -> list[int] | None:
        """Bank-0 addresses of the pointer bytes (WDC datasheet section 7, emulation-mode wrapping
        as gilyon/snes-tests measured it), or None where bsnes v094 is known to read elsewhere."""
        st = self.st
        if mode is Mode.SR_IND_Y:
            return [(st.s + d) & 0xFFFF, (st.s + d + 1) & 0xFFFF]
        if mode in (Mode.DP_IND_LONG, Mode.DP_IND_LONG_Y):  # [d] never wraps
            if self._in_page(0) and d > 0xFD:  # v094 wraps these in the page (suspects.py)
                return None
            return [(st.d + d + i) & 0xFFFF for i in range(3)]
        if mode is Mode.DP_X_IND:
            if st.e and st.d & 0xFF:
                low = (st.d + d + st.x) & 0xFFFF
                if low & 0xFF == 0xFF:  # hardware: high byte from $xx00; v094 reads $xxFF+1 (suspects.py)
                    return None
                return [low, low + 1]
            return [self._dp(d + st.x), self._dp(d + st.x + 1)]
        return [self._dp(d), self._dp(d + 1)]

    def _indirect_target(self, mode: Mode, locations: list[int]) -> int:
        st = self.st
        value = sum(self._peek(where) << (8 * i) for i, where in enumerate(locations))
        if len(locations) == 2:
            value |= st.dbr << 16
        if mode in (Mode.DP_IND_Y, Mode.DP_IND_LONG_Y, Mode.SR_IND_Y):
            value += st.y
        return value

    def _solve(self, op: Opcode, width: int) -> bytes | None:
        """Operand bytes that make `op` touch only usable bytes, or None."""
        mode, kind = op.mode, op.kind
        if mode in (Mode.DP, Mode.DP_X, Mode.DP_Y, Mode.SR):
            for d in self.rng.sample(range(256), 64):
                if self._all_ok(self._direct(mode, d, width), kind):
                    return bytes([d])
            return None
        if mode in (Mode.ABS, Mode.ABS_X, Mode.ABS_Y, Mode.LONG, Mode.LONG_X):
            return self._solve_absolute(mode, kind, width)
        return self._solve_indirect(mode, kind, width)

    def _solve_absolute(self, mode: Mode, kind: Kind, width: int) -> bytes | None:
        st = self.st
        index = {Mode.ABS_X: st.x, Mode.ABS_Y: st.y, Mode.LONG_X: st.x}.get(mode, 0)
        long = mode in (Mode.LONG, Mode.LONG_X)
        for target in self._targets(kind, width, None if long else st.dbr):
            operand = target - index
            if long and operand >= 0:
                return operand.to_bytes(3, "little")
            if not long and 0 <= operand - (st.dbr << 16) <= 0xFFFF:
                return (operand & 0xFFFF).to_bytes(2, "little")
        return None

    def _solve_indirect(self, mode: Mode, kind: Kind, width: int) -> bytes | None:
        for d in self.rng.sample(range(256), 32):  # an existing pointer
            locations = self._pointer_locations(mode, d)
            if locations is None or not self._all_ok(locations, Kind.READ):
                continue
            target = self._indirect_target(mode, locations)
            if self._all_ok([target + i for i in range(width)], kind):
                return bytes([d])
        return self._place_pointer(mode, kind, width)

    def _place_pointer(self, mode: Mode, kind: Kind, width: int) -> bytes | None:
        st = self.st
        long = mode in (Mode.DP_IND_LONG, Mode.DP_IND_LONG_Y)
        index = st.y if mode in (Mode.DP_IND_Y, Mode.DP_IND_LONG_Y, Mode.SR_IND_Y) else 0
        for target in self._targets(kind, width, None if long else st.dbr):
            value = target - index - (0 if long else st.dbr << 16)
            if value < 0 or value > (0xFFFFFF if long else 0xFFFF):
                continue
            for d in self.rng.sample(range(256), 48):
                locations = self._pointer_locations(mode, d)
                if (
                    locations is not None
                    and len(set(locations)) == len(locations)
                    and self._placeable(locations)
                ):
                    self._place(locations, value)
                    return bytes([d])
        return None

    # -- instruction families ----------------------------------------------------------------------

    def _rmw_allowed(self) -> bool:
        return not (self.st.e and "emulation_rmw" in self.exclude)

    def family_memory(self) -> bool:
        for _ in range(6):
            op = self.rng.choice(_MEMORY_OPS)
            if op.kind is Kind.RMW and not self._rmw_allowed():
                continue
            width = self._width(op)
            operand = self._solve(op, width)
            if operand is not None and self._room(1 + len(operand)):
                self._emit(bytes([op.code]) + operand, _Plan(tags=(f"mode:{op.mode.value}",)))
                return True
        return False

    def family_register(self) -> bool:
        code = self.rng.choice(_REGISTER_OPS)
        if self.rng.random() < 0.04 and "wdm" not in self.exclude:
            self._emit(bytes([_OPS[("WDM", Mode.IMM8)].code, self.rng.randrange(256)]), _Plan(tags=("wdm",)))
        elif self.rng.random() < 0.04 and (self.st.p & 1) == self.st.e:
            plan = _Plan(note="C = E: the mode stays", tags=("xce",))
            self._emit(bytes([_OPS[("XCE", Mode.IMP)].code]), plan)
        else:
            self._emit(bytes([code]))
        return True

    def family_immediate(self) -> bool:
        op = self.rng.choice(_IMMEDIATE_OPS)
        size = operand_length(op, m=self._m(), x=self._x())
        value = self.rng.randrange(1 << (8 * size))
        if op.mnemonic in ("LDX", "LDY") and self.rng.random() < 0.7:
            value = self._small_index() & ((1 << (8 * size)) - 1)
        tags = ("decimal",) if self.st.p & 0x08 and op.mnemonic in ("ADC", "SBC") else ()
        self._emit(bytes([op.code]) + value.to_bytes(size, "little"), _Plan(tags=tags))
        return True

    def family_flags(self) -> bool:
        name = self.rng.choice(("REP", "SEP"))
        self._emit(bytes([_OPS[(name, Mode.IMM8)].code, self.rng.randrange(256)]), _Plan(tags=("width",)))
        return True

    def family_push(self) -> bool:
        name = self.rng.choice(_PUSHES)
        op_mode = {"PEA": Mode.ABS, "PEI": Mode.DP_IND, "PER": Mode.REL16}.get(name, Mode.IMP)
        size = {
            "PHA": 2 - self._m(),
            "PHX": 2 - self._x(),
            "PHY": 2 - self._x(),
            "PHP": 1,
            "PHB": 1,
            "PHK": 1,
        }
        if self._depth() + size.get(name, 2) > MAX_DEPTH:
            return False
        code = bytes([_OPS[(name, op_mode)].code])
        if name == "PEI":
            operand = next(
                (
                    bytes([d])
                    for d in self.rng.sample(range(255 if self.st.e else 256), 64)
                    if self._all_ok(self._direct(Mode.DP, d, 2), Kind.READ)
                ),
                None,
            )
            if operand is None:
                return False
            code += operand
        elif op_mode is not Mode.IMP:
            code += self.rng.randrange(0x10000).to_bytes(2, "little")
        self._emit(code, _Plan(tags=("stack",)))
        return True

    def family_pull(self) -> bool:
        name = self.rng.choice(_PULLS)
        size = {
            "PLA": 2 - self._m(),
            "PLX": 2 - self._x(),
            "PLY": 2 - self._x(),
            "PLP": 1,
            "PLB": 1,
            "PLD": 2,
        }
        if size[name] > self._depth():
            return False
        self._emit(bytes([_OPS[(name, Mode.IMP)].code]), _Plan(tags=("stack",)))
        return True

    def family_rebase(self) -> bool:
        """Point D or DBR somewhere useful again (after PLD/TCD/PLB made them random)."""
        if self._depth() + 2 > MAX_DEPTH:
            return False
        if self.rng.random() < 0.5:
            d = self.rng.choice(layout.DIRECT_PAGE)
            self._emit(bytes([_OPS[("PEA", Mode.ABS)].code]) + d.to_bytes(2, "little"))
            self._emit(bytes([_OPS[("PLD", Mode.IMP)].code]))
        else:
            bank = self.rng.choice(_DBR_CHOICES)
            self._emit(bytes([_OPS[("PEA", Mode.ABS)].code, bank, bank]))
            self._emit(bytes([_OPS[("PLB", Mode.IMP)].code]))
            self._emit(bytes([_OPS[("PLB", Mode.IMP)].code]))
        return True

    def family_branch(self) -> bool:
        """A forward branch or jump over 0-6 filler bytes (executed when a branch is not taken)."""
        rng = self.rng
        kind = rng.choice(("bcc", "bcc", "bra", "brl", "jmp", "jml", "jmp_ind", "jml_ind", "jmp_x_ind"))
        filler = bytes(rng.choice(_FILLER) for _ in range(rng.randrange(7)))
        address = self.cursor
        sizes = {"bcc": 2, "bra": 2, "brl": 3, "jmp": 3, "jml": 4, "jmp_ind": 3, "jml_ind": 3, "jmp_x_ind": 5}
        head = sizes[kind]
        target = (address + head + len(filler)) & 0xFFFF
        if not self._room(head + len(filler)):
            return False
        code = self._branch_code(kind, address, target, len(filler))
        if code is None:
            return False
        self._poke_code(address, code + filler)
        instruction = code[:3] if kind == "jmp_x_ind" else code
        self._list(address, instruction, self._text(instruction, address), f"to ${target:04X}")
        if kind == "jmp_x_ind":
            self._list(address + 3, code[3:], f"dw ${target:04x}", "table entry")
        self.draft.tags.add(f"flow:{kind}")
        self._step(_Plan())
        executed = self.st.pc != target
        for i, byte in enumerate(filler):
            here = (address + head + i) & 0xFFFF
            self._list(here, bytes([byte]), self._text(bytes([byte]), here), "" if executed else "skipped")
            if executed:
                if self.st.pc != here:
                    raise Rejected(f"branch at ${address:04X} went to ${self.st.pc:04X}")
                self._step(_Plan())
        if self.st.pc != target:
            raise Rejected(f"flow at ${address:04X} ended at ${self.st.pc:04X}, expected ${target:04X}")
        self.cursor = target
        return True

    def _branch_code(self, kind: str, address: int, target: int, skip: int) -> bytes | None:
        rng = self.rng
        if kind == "bcc":
            return bytes([rng.choice(_BRANCHES), skip])
        if kind == "bra":
            return bytes([_OPS[("BRA", Mode.REL8)].code, skip])
        if kind == "brl":
            return bytes([_OPS[("BRL", Mode.REL16)].code]) + skip.to_bytes(2, "little")
        if kind == "jmp":
            return bytes([_OPS[("JMP", Mode.ABS)].code]) + target.to_bytes(2, "little")
        if kind == "jml":
            return bytes([_OPS[("JML", Mode.LONG)].code]) + target.to_bytes(2, "little") + bytes([self.pbr])
        if kind == "jmp_x_ind":
            table = (address + 3) & 0xFFFF
            operand = (table - self.st.x) & 0xFFFF
            return (
                bytes([_OPS[("JMP", Mode.ABS_X_IND)].code])
                + operand.to_bytes(2, "little")
                + target.to_bytes(2, "little")
            )
        size = 3 if kind == "jml_ind" else 2
        spots = [
            o for o in range(layout.WINDOW, WINDOW_END - size) if self._placeable(list(range(o, o + size)))
        ]
        if not spots:
            return None
        spot = rng.choice(spots)
        self._place(list(range(spot, spot + size)), target | (self.pbr << 16))
        mode = Mode.ABS_IND_LONG if kind == "jml_ind" else Mode.ABS_IND
        return bytes([_OPS[("JML" if kind == "jml_ind" else "JMP", mode)].code]) + spot.to_bytes(2, "little")

    def family_call(self) -> bool:
        rng = self.rng
        kind = rng.choice(("jsr", "jsl", "jsr_x_ind"))
        helpers = [h for h in layout.HELPERS if h.call == ("jsl" if kind == "jsl" else "jsr")]
        if kind == "jsr_x_ind":
            slot = rng.randrange(len(layout.JSR_TABLE_TARGETS))
            helper = next(h for h in layout.HELPERS if h.address == layout.JSR_TABLE_TARGETS[slot])
            operand = (layout.JSR_TABLE + 2 * slot - self.st.x) & 0xFFFF
            code = bytes([_OPS[("JSR", Mode.ABS_X_IND)].code]) + operand.to_bytes(2, "little")
        elif kind == "jsr":
            helper = rng.choice(helpers)
            code = bytes([_OPS[("JSR", Mode.ABS)].code]) + helper.address.to_bytes(2, "little")
        else:
            helper = rng.choice(helpers)
            bank = rng.choice(layout.CODE_BANKS) | rng.choice((0x00, 0x80))
            code = (
                bytes([_OPS[("JSL", Mode.LONG)].code]) + helper.address.to_bytes(2, "little") + bytes([bank])
            )
        pushed = (3 if kind == "jsl" else 2) + helper.stack_bytes
        if self._depth() + pushed > MAX_DEPTH or not self._room(len(code)):
            return False
        address = self.cursor
        back = (address + len(code)) & 0xFFFF
        self._poke_code(address, code)
        self._list(address, code, self._text(code, address), f"helper: {helper.text}")
        self.draft.tags.add(f"call:{kind}")
        for _ in range(_CALL_STEPS):
            self._step(_Plan())
            if self.st.pc == back and self.st.pbr == self.pbr:
                self.cursor = back
                return True
        raise Rejected(f"{helper.text} did not return to ${back:04X}")

    def family_block_move(self) -> bool:
        """REP #$30 if needed, LDA/LDX/LDY #, then MVN or MVP of 1-16 bytes inside the usable bytes."""
        rng = self.rng
        if self.st.e:  # 8-bit X/Y only reach the monitor's page
            return False
        count = rng.randrange(1, 17)
        name = rng.choice(("MVN", "MVP"))
        for _ in range(12):
            src_rom = rng.random() < 0.3
            src_bank = rng.choice(_DATA_BANKS if src_rom else _WINDOW_BANKS)
            dst_bank = rng.choice(_WINDOW_BANKS)
            low = 0x8000 if src_rom else layout.WINDOW
            high = 0x10000 if src_rom else WINDOW_END
            src = rng.randrange(low, high - count + 1)
            dst = rng.randrange(layout.WINDOW, WINDOW_END - count + 1)
            reads = [(src_bank << 16) | (src + i) for i in range(count)]
            writes = [(dst_bank << 16) | (dst + i) for i in range(count)]
            if self._all_ok(reads, Kind.READ) and self._all_ok(writes, Kind.WRITE):
                break
        else:
            return False
        if name == "MVP":
            src, dst = src + count - 1, dst + count - 1
        if not self._room(2 + 3 + 3 + 3 + 3):
            return False
        if self._m() or self._x():
            self._emit(bytes([_OPS[("REP", Mode.IMM8)].code, 0x30]))
        self._emit(bytes([_OPS[("LDA", Mode.IMM_M)].code]) + (count - 1).to_bytes(2, "little"))
        self._emit(bytes([_OPS[("LDX", Mode.IMM_X)].code]) + src.to_bytes(2, "little"))
        self._emit(bytes([_OPS[("LDY", Mode.IMM_X)].code]) + dst.to_bytes(2, "little"))
        self._emit(bytes([_OPS[(name, Mode.BLOCK)].code, dst_bank, src_bank]), _Plan(tags=("block_move",)))
        return True

    def _io_access(
        self, names: tuple[str, ...], register: int, width_ok: Callable[[int], bool], plan: _Plan
    ) -> bool:
        """Emit `name register` (absolute when DBR reaches I/O, else long) if its width is acceptable."""
        rng = self.rng
        for _ in range(8):
            name = rng.choice(names)
            modes = []
            if _io_bank(self.st.dbr) and (name, Mode.ABS) in _OPS:
                modes.append(Mode.ABS)
            if (name, Mode.LONG) in _OPS:
                modes.append(Mode.LONG)
            if not modes:
                continue
            mode = rng.choice(modes)
            op = _OPS[(name, mode)]
            if not width_ok(self._width(op)):
                continue
            size = 3 if mode is Mode.LONG else 2
            if not self._room(1 + size):
                return False
            self._emit(bytes([op.code]) + register.to_bytes(size, "little"), plan)
            return True
        return False

    def family_multiply(self) -> bool:
        """A write to $4202-$4206 (16-bit writes stay inside) or a read of $4214-$4217."""
        if self.rng.random() < 0.55:
            register = self.rng.choice(_MUL_DIV)
            return self._io_access(
                _IO_WRITERS,
                register,
                lambda w: register + w - 1 <= 0x4206,
                _Plan(io=frozenset(range(register, register + 2)), tags=("mul_div",)),
            )
        return self._read_results()

    def family_multiply_burst(self) -> bool:
        """Operands by LDA #, a start, 0-18 register-only instructions (sometimes a second start,
        which the running unit must ignore), then a read: the partial results of bsnes's algorithm."""
        rng = self.rng
        divide = rng.random() < 0.5
        if not self._room(48):
            return False
        if not self._m():
            self._emit(bytes([_OPS[("SEP", Mode.IMM8)].code, 0x20]))
        lda, sta = _OPS[("LDA", Mode.IMM_M)].code, _OPS[("STA", Mode.LONG)].code
        registers = (0x4204, 0x4205, 0x4206) if divide else (0x4202, 0x4203)
        plan = _Plan(io=frozenset(_MUL_DIV), tags=("mul_div_burst", "divide" if divide else "multiply"))
        for register in registers:
            value = 0 if rng.random() < 0.08 else rng.randrange(256)
            self._emit(bytes([lda, value]))
            self._emit(bytes([sta]) + register.to_bytes(3, "little"), plan)
        wait = rng.randrange(19) if rng.random() < 0.5 else rng.randrange(4)
        again = rng.randrange(wait) if wait and rng.random() < 0.2 else -1
        for i in range(wait):
            if i == again:
                self._emit(bytes([sta]) + registers[-1].to_bytes(3, "little"), plan)
            else:
                self._emit(bytes([rng.choice(_FILLER)]))
        self.alu.read_due = None
        return self._read_results()

    def family_decimal(self) -> bool:
        """SED (or CLD) then ADC/SBC, immediate or memory: BCD arithmetic with valid and invalid digits."""
        rng = self.rng
        if not self.st.p & 0x08 or rng.random() < 0.1:
            self._emit(bytes([_OPS[("SED" if rng.random() < 0.9 else "CLD", Mode.IMP)].code]))
        name = rng.choice(("ADC", "SBC"))
        if rng.random() < 0.5:
            op = _OPS[(name, Mode.IMM_M)]
            size = 2 - self._m()
            digits = rng.random() < 0.7
            value = (
                int(f"{rng.randrange(10 ** (2 * size)):0{2 * size}d}", 16)
                if digits
                else rng.randrange(1 << (8 * size))
            )
            self._emit(bytes([op.code]) + value.to_bytes(size, "little"), _Plan(tags=("decimal",)))
            return True
        for mode in rng.sample(sorted(_MEMORY_MODES, key=lambda m: m.value), 4):
            op = _OPS.get((name, mode))
            operand = self._solve(op, self._width(op)) if op else None
            if op and operand is not None:
                self._emit(bytes([op.code]) + operand, _Plan(tags=("decimal", f"mode:{mode.value}")))
                return True
        return False

    def _read_results(self) -> bool:
        register = self.rng.choice(_RESULTS)
        return self._io_access(
            _IO_READERS,
            register,
            lambda w: register + w - 1 <= 0x4217,
            _Plan(io=frozenset(range(register, register + 2)), tags=("mul_div_read",)),
        )

    def family_wram_port(self) -> bool:
        alu = self.alu
        usable = all(
            layout.WINDOW <= o < WINDOW_END and o not in self.frame for o in (alu.wmadd, alu.wmadd + 1)
        )
        if not usable or self.rng.random() < 0.3:
            return self._point_wram_port()
        plan = _Plan(io=frozenset({_PORT, 0x2181}), tags=("wram_port",))
        roll = self.rng.random()
        if roll < 0.4:
            return self._io_access(_IO_READERS, _PORT, lambda w: w == 1, plan)
        if roll < 0.8 or not self._rmw_allowed():
            return self._io_access(_IO_WRITERS, _PORT, lambda w: True, plan)
        return self._io_access(_PORT_RMW, _PORT, lambda w: w == 1, plan)

    def _point_wram_port(self) -> bool:
        target = self.rng.randrange(layout.WINDOW, WINDOW_END - 8)
        if not self._room(16):
            return False
        lda = _OPS[("LDA", Mode.IMM_M)].code
        sta = _OPS[("STA", Mode.LONG)].code
        plan = _Plan(io=frozenset(_WMADD), tags=("wram_port_address",))
        if self._m():
            for register, value in ((0x2181, target & 0xFF), (0x2182, target >> 8), (0x2183, 0)):
                self._emit(bytes([lda, value]))
                self._emit(bytes([sta]) + register.to_bytes(3, "little"), plan)
        else:
            self._emit(bytes([lda]) + target.to_bytes(2, "little"))
            self._emit(bytes([sta]) + (0x2181).to_bytes(3, "little"), plan)
            self._emit(bytes([lda]) + (target >> 8).to_bytes(2, "little"))
            self._emit(bytes([sta]) + (0x2182).to_bytes(3, "little"), plan)
        return True

    # -- the program -------------------------------------------------------------------------------

    _FAMILIES: tuple[tuple[str, int], ...] = (
        ("family_memory", 34),
        ("family_register", 12),
        ("family_immediate", 10),
        ("family_flags", 6),
        ("family_push", 6),
        ("family_pull", 6),
        ("family_branch", 7),
        ("family_call", 4),
        ("family_block_move", 3),
        ("family_multiply", 4),
        ("family_multiply_burst", 3),
        ("family_decimal", 4),
        ("family_wram_port", 5),
        ("family_rebase", 3),
    )

    def write(self, code: bytes | None = None) -> Program:
        if self.config is TimingConfig.FAST:
            self._emit_fast_prefix()
        if code is not None:
            self._write_code(code)
        elif self.calibration:
            for _ in range(self.rng.randrange(0, 420)):
                self._emit(bytes([_OPS[("NOP", Mode.IMP)].code]))
        else:
            self._write_events()
        self._balance()
        self._emit_return()
        return Program(
            index=self.index,
            slot=self.slot.index,
            start=self.start,
            image=bytes(self.image),
            window=bytes(self.window),
            body=bytes(self.draft.code),
            listing=tuple(self.draft.listing),
            config=self.config,
            calibration=self.calibration,
            tags=frozenset(self.draft.tags),
            final=self.st,
            probe=self.probe,
        )

    def _write_code(self, code: bytes) -> None:
        """Straight-line code given by a caller (to reproduce a difference), stepped and checked."""
        plan = _Plan(io=frozenset(_MUL_DIV) | frozenset(_RESULTS) | frozenset(_WMADD) | {_PORT})
        at = 0
        while at < len(code):
            op = OPCODES[code[at]]
            if op.mnemonic == "RTS" and at == len(code) - 1:
                return
            size = 1 + operand_length(op, m=self._m(), x=self._x())
            if at + size > len(code):
                raise Rejected(f"the code ends inside {op.mnemonic} at byte {at}")
            if not self._room(size):
                raise Rejected(f"the code is longer than a body slot ({layout.BODY_SLOT - _RESERVE} bytes)")
            self._emit(code[at : at + size], plan)
            at += size

    def _emit_fast_prefix(self) -> None:
        plan = _Plan(io=frozenset({0x420D}), note="FastROM on", tags=("fastrom",))
        for chunk in _FAST_PREFIX:
            code = bytes.fromhex(chunk)
            self._emit(code, plan if code[0] == 0x8F else None)

    def _write_events(self) -> None:
        rng = self.rng
        left_out = {family for feature in self.exclude for family in _FEATURE_FAMILIES.get(feature, ())}
        names = [name for name, _ in self._FAMILIES if name not in left_out]
        weights = [weight for name, weight in self._FAMILIES if name not in left_out]
        target = rng.randrange(1, _MAX_EVENTS + 1)
        attempts = 0
        while self.draft.events < target and self._room(24) and attempts < 4 * _MAX_EVENTS:
            attempts += 1
            due = self.alu.read_due
            if due == 0:
                self.alu.read_due = None
                if not self._read_results():
                    self.alu.read_due = 0
                    continue
            elif not getattr(self, rng.choices(names, weights)[0])():
                continue
            self.draft.events += 1
            if due:
                self.alu.read_due = due - 1

    def _balance(self) -> None:
        """Pull whatever the program left on the stack, so RTS finds the sentinel."""
        for _ in range(4 * MAX_DEPTH):
            depth = self._depth()
            if depth == 0:
                return
            choices = [name for name, size in self._pull_sizes().items() if size <= depth]
            self._emit(bytes([_OPS[(self.rng.choice(choices), Mode.IMP)].code]))
        raise Rejected(f"could not balance the stack (depth {self._depth()})")

    def _pull_sizes(self) -> dict[str, int]:
        return {
            "PLA": 2 - self._m(),
            "PLX": 2 - self._x(),
            "PLY": 2 - self._x(),
            "PLP": 1,
            "PLB": 1,
            "PLD": 2,
        }

    def _emit_return(self) -> None:
        address = self.cursor
        code = bytes([_OPS[("RTS", Mode.IMP)].code])
        self._poke_code(address, code)
        self._list(address, code, "rts")
        self._step(_Plan())
        if (self.st.pbr, self.st.pc) != (self.pbr, 0xFFFF):
            raise Rejected(f"rts went to ${self.st.pbr:02X}:{self.st.pc:04X}")


def from_code(
    rng: random.Random,
    base_rom: bytes,
    slot: layout.ProgramSlot,
    config: TimingConfig,
    code: bytes,
    start: CpuState,
    window_bytes: Mapping[int, int] | None = None,
    probe: str = "",
) -> Program:
    """A program made of caller-given straight-line `code` (RTS appended), from `start`, with
    `window_bytes` (bank-0 offset -> byte) set in the otherwise random window."""
    try:
        writer = _Writer(rng, base_rom, slot, config, False, 0, start, window_bytes=window_bytes, probe=probe)
        return writer.write(code)
    except Rejected as rejected:
        raise HarnessError(
            f"code {code.hex(' ')}: {rejected.reason}; it must be straight-line (no jumps or calls) and "
            f"touch only $7E:{layout.WINDOW:04X}-{WINDOW_END - 1:04X} (bank $00 mirrors too), the data "
            "bank $01, $2180-$2183 and $4202-$4206/$4214-$4217"
        ) from None


def generate(
    rng: random.Random,
    base_rom: bytes,
    slot: layout.ProgramSlot,
    config: TimingConfig,
    calibration: bool,
    index: int,
    rejections: dict[str, int],
    exclude: frozenset[str] = frozenset(),
    emulation: bool = False,
) -> Program:
    """One program for `slot`; abandoned drafts are counted in `rejections` by their first words.

    `exclude`: features (`EXCLUDABLE`) the program must not use, e.g. {"wdm"} while a known
    difference in it is being resolved."""
    for _ in range(50):
        try:
            writer = _Writer(
                rng, base_rom, slot, config, calibration, index, exclude=exclude, emulation=emulation
            )
            return writer.write()
        except Rejected as rejected:
            key = rejected.reason.split(":")[0]
            rejections[key] = rejections.get(key, 0) + 1
    raise HarnessError(
        f"program {index}: 50 drafts in a row were rejected ({rejections}); the generator and the "
        "emulator disagree about addresses: run `asm65816 emu crosscheck --programs 1` and report it"
    )
