"""Generates the CPU's per-opcode handlers from the opcode table (why: speed with bus-cycle accuracy).

Each of the 256 opcodes gets one Python function per register-width variant (e, m, x), compiled once
per process from the table in `opcodes.py`: an addressing-mode bus pattern joined to an operation
snippet. The functions live in one closure (`build(R, W, I, ...)`) whose cells are the CPU
registers, so the hot path uses fast cell loads instead of attribute lookups; each CPU binds a
handler to its cells when it first runs that opcode (`make_binder`). Every bus cycle is one call:
`R(addr) -> byte`, `W(addr, byte)`, `I(addr)` (internal cycle, with the address the vectors show on
the bus). A handler returns the number of CPU cycles it used (opcode fetch included), which equals
the number of bus calls it made. The same templates, through another `_Body`, give the fast tiers
of `blocks.py` (compiled blocks, direct handlers), which `run_blocks` uses on buses that allow them.

Conventions (W65C816S datasheet table 5-7, checked against the SingleStepTests vectors):
- internal cycles show the address of the datasheet's IO column: the last operand byte for operand
  modes, the next program byte for implied/stack ops, the uncorrected (DBR, AAH, AAL+index) for a
  page-crossing index.
- emulation mode: the stack of pre-65816 instructions wraps in page 1; the 65816-only ones
  (PEA, PEI, PER, PHD, PLD, PLB, JSL, RTL, JSR (a,x)) use the 16-bit S and fix S's high byte after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from types import CodeType, FunctionType

from harness.core.facts import INTERRUPT_VECTORS
from harness.emu.corecache import cached_core
from harness.emu.opcodes import OPCODES, Kind, Mode, Opcode

__all__ = ["factory_source", "compiled_factory"]

# The CPU's register cells (flags one cell each), shared with the compiled blocks (`blocks.py`).
REGISTER_CELLS = (
    "a",
    "x",
    "y",
    "s",
    "d",
    "pc",
    "pb",
    "db",
    "fn",
    "fv",
    "fm",
    "fx",
    "fd",
    "fi",
    "fz",
    "fc",
    "fe",
)
STATE_NAMES = (*REGISTER_CELLS, "tab", "trap")


LAST = "pb | ((pc - 1) & 0xFFFF)"  # address of the last fetched operand byte
NEXT = "pb | pc"  # address of the next program byte


@dataclass
class _Body:
    """Accumulates a handler: code lines, static cycle count, whether a dynamic counter is needed."""

    lines: list[str] = field(default_factory=list)
    cycles: int = 1  # the opcode fetch, done by the run loop
    dyn: bool = False
    indent: int = 0

    def raw(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    last_fetch: int = -1  # index of the latest program-fetch line (see `_last`)

    def fetch(self, var: str) -> None:
        self.last_fetch = len(self.lines)
        self.raw(f"{var} = R(pb | pc); pc = (pc + 1) & 0xFFFF")
        self.cycles += 1

    def fetch_hi(self, var: str, shift: int = 8) -> None:
        self.last_fetch = len(self.lines)
        self.raw(f"{var} |= R(pb | pc) << {shift}; pc = (pc + 1) & 0xFFFF")
        self.cycles += 1

    def _last(self, addr: str) -> str:
        """Internal cycles at the last fetched operand byte reuse that fetch's address (`fa`)."""
        if addr != LAST or self.last_fetch < 0:
            return addr
        line = self.lines[self.last_fetch]
        if "fa = pb | pc" not in line:
            indent = line[: len(line) - len(line.lstrip())]
            self.lines[self.last_fetch] = (
                indent + "fa = pb | pc; " + line.lstrip().replace("R(pb | pc)", "R(fa)", 1)
            )
        return "fa"

    def read(self, var: str, addr: str) -> None:
        self.raw(f"{var} = R({addr})")
        self.cycles += 1

    def read_hi(self, var: str, addr: str, shift: int = 8) -> None:
        self.raw(f"{var} |= R({addr}) << {shift}")
        self.cycles += 1

    def write(self, addr: str, value: str) -> None:
        self.raw(f"W({addr}, {value})")
        self.cycles += 1

    def idle(self, addr: str) -> None:
        self.raw(f"I({self._last(addr)})")
        self.cycles += 1

    def cond_idle(self, cond: str, addr: str) -> None:
        """One extra internal cycle when `cond` holds at run time (counted in `k`)."""
        self.dyn = True
        self.raw(f"if {cond}:")
        self.raw(f"    I({self._last(addr)}); k += 1")

    def branch(self, cond: str, emulation: bool) -> None:
        """The end of a relative branch whose offset is in `o`: explicit returns, so the not-taken path
        (the common one in loops' exits, the rare one in loops) pays no counter."""
        addr = self._last(LAST)
        self.raw(f"if {cond}:")
        self.raw("    t = (pc + o - ((o & 0x80) << 1)) & 0xFFFF")
        self.raw(f"    I({addr})")
        if emulation:
            self.raw("    if (t ^ pc) & 0xFF00:")
            self.raw(f"        I({addr}); pc = t; return {self.cycles + 2}")
        self.raw(f"    pc = t; return {self.cycles + 1}")


@dataclass(frozen=True)
class _V:
    """A width variant: emulation bit and the m / x flags (static inside its handlers)."""

    e: int
    m: int
    x: int


# ---------------------------------------------------------------------------------------------------
# Direct-page and stack helpers


def _dl_idle(b: _Body) -> None:
    """+1 cycle if DL != 0 (datasheet note 2), on every direct-page mode and PEI."""
    b.cond_idle("d & 0xFF", LAST)


def _dp_ptr_addr(v: _V, base: str, i: int, legacy: bool) -> str:
    """Address of byte i of a direct-page location `base` (an offset expression).

    Native: D + base + i wraps in bank 0. Emulation with DL = 0 and a pre-65816 mode: wraps in the page.
    """
    plus = f" + {i}" if i else ""
    if v.e and legacy:
        return f"((d | (({base}{plus}) & 0xFF)) if not d & 0xFF else ((d + {base}{plus}) & 0xFFFF))"
    return f"((d + {base}{plus}) & 0xFFFF)"


def _push(b: _Body, v: _V, value: str, new: bool) -> None:
    b.write("s", value)
    if v.e and not new:
        b.raw("s = 0x100 | ((s - 1) & 0xFF)")
    else:
        b.raw("s = (s - 1) & 0xFFFF")


def _pull(b: _Body, v: _V, var: str, new: bool, hi: int = 0) -> None:
    if v.e and not new:
        b.raw("s = 0x100 | ((s + 1) & 0xFF)")
    else:
        b.raw("s = (s + 1) & 0xFFFF")
    if hi:
        b.read_hi(var, "s", hi)
    else:
        b.read(var, "s")


def _fix_s(b: _Body, v: _V) -> None:
    if v.e:
        b.raw("s = 0x100 | (s & 0xFF)")


# ---------------------------------------------------------------------------------------------------
# Addressing modes: emit code leaving `ea` (24-bit) and return the rule for the data's second byte.


def _mode_ea(b: _Body, v: _V, op: Opcode, always_index_cycle: bool) -> str:
    """Emit the effective-address part of a data access; returns the second-byte address expression."""
    mode = op.mode
    xw8 = v.x == 1
    long2 = "((ea + 1) & 0xFFFFFF)"
    bank0 = "((ea + 1) & 0xFFFF)"
    if mode is Mode.ABS:
        b.fetch("o")
        b.fetch_hi("o")
        b.raw("ea = db | o")
        return long2
    if mode in (Mode.ABS_X, Mode.ABS_Y):
        r = "x" if mode is Mode.ABS_X else "y"
        b.fetch("o")
        b.fetch_hi("o")
        b.raw(f"base = db | o; ea = (base + {r}) & 0xFFFFFF")
        uncorrected = f"(base & 0xFFFF00) | ((o + {r}) & 0xFF)"
        if always_index_cycle or not xw8:
            b.idle(uncorrected)
        else:  # +1 if the index crosses a page (x = 1)
            b.cond_idle(f"(o & 0xFF) + {r} > 0xFF", uncorrected)
        return long2
    if mode in (Mode.LONG, Mode.LONG_X):
        b.fetch("o")
        b.fetch_hi("o")
        b.fetch_hi("o", 16)
        b.raw("ea = o" if mode is Mode.LONG else "ea = (o + x) & 0xFFFFFF")
        return long2
    if mode is Mode.DP:
        b.fetch("o")
        _dl_idle(b)
        b.raw("ea = (d + o) & 0xFFFF")
        return bank0
    if mode in (Mode.DP_X, Mode.DP_Y):
        r = "x" if mode is Mode.DP_X else "y"
        b.fetch("o")
        _dl_idle(b)
        b.idle(LAST)
        if v.e:
            b.raw(f"ea = (d | ((o + {r}) & 0xFF)) if not d & 0xFF else ((d + o + {r}) & 0xFFFF)")
        else:
            b.raw(f"ea = (d + o + {r}) & 0xFFFF")
        return bank0
    if mode is Mode.DP_IND:
        b.fetch("o")
        _dl_idle(b)
        b.read("p", _dp_ptr_addr(v, "o", 0, True))
        b.read_hi("p", _dp_ptr_addr(v, "o", 1, True))
        b.raw("ea = db | p")
        return long2
    if mode is Mode.DP_X_IND:
        b.fetch("o")
        _dl_idle(b)
        b.idle(LAST)
        if v.e:
            # Emulation mode (hardware-verified by gilyon/snes-tests, for DL = 0 and DL != 0): the
            # pointer's high byte is read from the same page as its low byte. The SingleStepTests
            # reference core wraps this way only for DL = 0 and only the low byte (see docs).
            b.raw("pa = (d | ((o + x) & 0xFF)) if not d & 0xFF else ((d + o + x) & 0xFFFF)")
            b.read("p", "pa")
            b.read_hi("p", "(pa & 0xFF00) | ((pa + 1) & 0xFF)")
        else:
            b.read("p", _dp_ptr_addr(v, "o + x", 0, True))
            b.read_hi("p", _dp_ptr_addr(v, "o + x", 1, True))
        b.raw("ea = db | p")
        return long2
    if mode is Mode.DP_IND_Y:
        b.fetch("o")
        _dl_idle(b)
        b.read("p", _dp_ptr_addr(v, "o", 0, True))
        b.read_hi("p", _dp_ptr_addr(v, "o", 1, True))
        b.raw("base = db | p; ea = (base + y) & 0xFFFFFF")
        uncorrected = "(base & 0xFFFF00) | ((p + y) & 0xFF)"
        if always_index_cycle or not xw8:
            b.idle(uncorrected)
        else:
            b.cond_idle("(p & 0xFF) + y > 0xFF", uncorrected)
        return long2
    if mode in (Mode.DP_IND_LONG, Mode.DP_IND_LONG_Y):
        b.fetch("o")
        _dl_idle(b)
        b.read("p", _dp_ptr_addr(v, "o", 0, False))
        b.read_hi("p", _dp_ptr_addr(v, "o", 1, False))
        b.read_hi("p", _dp_ptr_addr(v, "o", 2, False), 16)
        b.raw("ea = p" if mode is Mode.DP_IND_LONG else "ea = (p + y) & 0xFFFFFF")
        return long2
    if mode is Mode.SR:
        b.fetch("o")
        b.idle(LAST)
        b.raw("ea = (s + o) & 0xFFFF")
        return bank0
    if mode is Mode.SR_IND_Y:
        b.fetch("o")
        b.idle(LAST)
        b.read("p", "(s + o) & 0xFFFF")
        b.read_hi("p", "(s + o + 1) & 0xFFFF")
        b.idle("(s + o + 1) & 0xFFFF")
        b.raw("ea = ((db | p) + y) & 0xFFFFFF")
        return long2
    raise AssertionError(f"no data addressing for {op.mnemonic} {mode}")


# ---------------------------------------------------------------------------------------------------
# Operations


def _nz(b: _Body, value: str, wide: bool) -> None:
    b.raw(f"fn = {value} & {'0x8000' if wide else '0x80'}; fz = {value}")


def _read_op(b: _Body, mnemonic: str, wide: bool) -> None:
    """Operation on the operand `val` (already read)."""
    if mnemonic == "LDA":
        b.raw("a = val" if wide else "a = (a & 0xFF00) | val")
        _nz(b, "val", wide)
    elif mnemonic in ("LDX", "LDY"):
        b.raw(f"{mnemonic[2].lower()} = val")
        _nz(b, "val", wide)
    elif mnemonic in ("AND", "ORA", "EOR"):
        sym = {"AND": "&", "ORA": "|", "EOR": "^"}[mnemonic]
        if wide:
            b.raw(f"a = a {sym} val")
            _nz(b, "a", True)
        else:
            b.raw(f"r = (a {sym} val) & 0xFF; a = (a & 0xFF00) | r")
            _nz(b, "r", False)
    elif mnemonic in ("ADC", "SBC"):
        _add_with_carry(b, mnemonic, wide)
    elif mnemonic in ("CMP", "CPX", "CPY"):
        reg = {"CMP": "a", "CPX": "x", "CPY": "y"}[mnemonic]
        src = reg if (wide or reg != "a") else "(a & 0xFF)"
        mask = "0xFFFF" if wide else "0xFF"
        b.raw(f"r = {src} - val; fc = 1 if r >= 0 else 0; r &= {mask}")
        _nz(b, "r", wide)
    elif mnemonic == "BIT":
        src = "a" if wide else "(a & 0xFF)"
        b.raw(
            f"fz = {src} & val; fn = val & {'0x8000' if wide else '0x80'}; fv = val & {'0x4000' if wide else '0x40'}"
        )
    else:  # pragma: no cover
        raise AssertionError(mnemonic)


def _add_with_carry(b: _Body, mnemonic: str, wide: bool) -> None:
    """ADC/SBC: decimal mode calls `alu.py`; binary mode is inlined (the common case, and a Python
    call per ADC is a large share of a short instruction). SBC adds the operand's complement."""
    fn = f"{mnemonic.lower()}{16 if wide else 8}"
    mask, top, carry_shift = ("0xFFFF", "0x8000", 16) if wide else ("0xFF", "0x80", 8)
    src = "a" if wide else "lo"
    b.raw("if fd:")
    if wide:
        b.raw(f"    a, fc, fv = {fn}(a, val, fc, fd)")
    else:
        b.raw(f"    r, fc, fv = {fn}(a & 0xFF, val, fc, fd)")
    b.raw("else:")
    if mnemonic == "SBC":
        b.raw(f"    val ^= {mask}")
    if not wide:
        b.raw("    lo = a & 0xFF")
    b.raw(f"    r = {src} + val + fc; fv = ~({src} ^ val) & ({src} ^ r) & {top}; fc = r >> {carry_shift}")
    b.raw(f"    {'a' if wide else 'r'} = r & {mask}")
    if wide:
        _nz(b, "a", True)
    else:
        b.raw("a = (a & 0xFF00) | r")
        _nz(b, "r", False)


def _rmw_op(b: _Body, mnemonic: str, wide: bool) -> None:
    """Compute `r` from `val` and set flags."""
    mask = "0xFFFF" if wide else "0xFF"
    top = 15 if wide else 7
    if mnemonic == "ASL":
        b.raw(f"fc = val >> {top}; r = (val << 1) & {mask}")
    elif mnemonic == "LSR":
        b.raw("fc = val & 1; r = val >> 1")
    elif mnemonic == "ROL":
        b.raw(f"r = ((val << 1) | fc) & {mask}; fc = val >> {top}")
    elif mnemonic == "ROR":
        b.raw(f"r = (val >> 1) | (fc << {top}); fc = val & 1")
    elif mnemonic == "INC":
        b.raw(f"r = (val + 1) & {mask}")
    elif mnemonic == "DEC":
        b.raw(f"r = (val - 1) & {mask}")
    elif mnemonic in ("TSB", "TRB"):
        src = "a" if wide else "(a & 0xFF)"
        b.raw(f"fz = {src} & val")
        b.raw(f"r = val | {src}" if mnemonic == "TSB" else f"r = val & ~{src} & {mask}")
        return
    _nz(b, "r", wide)


def _gen_read(b: _Body, v: _V, op: Opcode) -> None:
    wide = (v.m if op.width == "M" else v.x) == 0
    if op.mode in (Mode.IMM_M, Mode.IMM_X):
        b.fetch("val")
        if wide:
            b.fetch_hi("val")
    else:
        second = _mode_ea(b, v, op, always_index_cycle=False)
        b.read("val", "ea")
        if wide:
            b.read_hi("val", second)
    if op.mnemonic == "BIT" and op.mode is Mode.IMM_M:  # BIT #imm changes only Z
        b.raw(f"fz = {'a' if wide else '(a & 0xFF)'} & val")
        return
    _read_op(b, op.mnemonic, wide)


def _gen_write(b: _Body, v: _V, op: Opcode) -> None:
    wide = (v.m if op.width == "M" else v.x) == 0
    second = _mode_ea(b, v, op, always_index_cycle=True)
    src = {"STA": "a", "STX": "x", "STY": "y", "STZ": "0"}[op.mnemonic]
    if src == "0":
        b.write("ea", "0")
        if wide:
            b.write(second, "0")
    else:
        b.write("ea", f"{src} & 0xFF")
        if wide:
            b.write(second, f"{src} >> 8")


def _gen_rmw(b: _Body, v: _V, op: Opcode) -> None:
    wide = v.m == 0
    if op.mode is Mode.ACC:
        b.idle(NEXT)
        b.raw("val = a" if wide else "val = a & 0xFF")
        _rmw_op(b, op.mnemonic, wide)
        b.raw("a = r" if wide else "a = (a & 0xFF00) | r")
        return
    second = _mode_ea(b, v, op, always_index_cycle=True)
    b.read("val", "ea")
    if wide:
        b.raw(f"ea2 = {second}")
        b.read_hi("val", "ea2")
        b.idle("ea2")
    elif v.e:
        b.write("ea", "val")  # emulation mode: the old value is written back during the modify cycle
    else:
        b.idle("ea")
    _rmw_op(b, op.mnemonic, wide)
    if wide:
        b.write("ea2", "r >> 8")
        b.write("ea", "r & 0xFF")
    else:
        b.write("ea", "r")


# ---------------------------------------------------------------------------------------------------
# Special instructions (one small generator per group)

_BRANCH_COND = {
    "BPL": "not fn",
    "BMI": "fn",
    "BVC": "not fv",
    "BVS": "fv",
    "BCC": "not fc",
    "BCS": "fc",
    "BNE": "fz",
    "BEQ": "not fz",
    "BRA": "True",
}
_FLAG_OPS = {
    "CLC": "fc = 0",
    "SEC": "fc = 1",
    "CLI": "fi = 0",
    "SEI": "fi = 1",
    "CLD": "fd = 0",
    "SED": "fd = 1",
    "CLV": "fv = 0",
}


def _gen_branch(b: _Body, v: _V, op: Opcode) -> None:
    """2 cycles; +1 if taken; +1 more if taken across a page in emulation mode (see `_Body.branch`)."""
    b.fetch("o")
    b.branch(_BRANCH_COND[op.mnemonic], bool(v.e))


def _gen_transfer(b: _Body, v: _V, op: Opcode) -> None:
    name = op.mnemonic
    b.idle(NEXT)
    mw, xw = v.m == 0, v.x == 0
    if name in ("TAX", "TAY"):
        dst = name[2].lower()
        b.raw(f"{dst} = a" if xw else f"{dst} = a & 0xFF")
        _nz(b, dst, xw)
    elif name in ("TXA", "TYA"):
        src = name[1].lower()
        b.raw(f"a = {src}" if mw else f"a = (a & 0xFF00) | ({src} & 0xFF)")
        _nz(b, "a" if mw else "(a & 0xFF)", mw)
    elif name in ("TXY", "TYX"):
        src, dst = name[1].lower(), name[2].lower()
        b.raw(f"{dst} = {src}")
        _nz(b, dst, xw)
    elif name == "TXS":
        b.raw("s = 0x100 | (x & 0xFF)" if v.e else "s = x")
    elif name == "TSX":
        b.raw("x = s" if xw else "x = s & 0xFF")
        _nz(b, "x", xw)
    elif name == "TCS":
        b.raw("s = 0x100 | (a & 0xFF)" if v.e else "s = a")
    elif name == "TSC":
        b.raw("a = s")
        _nz(b, "a", True)
    elif name == "TCD":
        b.raw("d = a")
        _nz(b, "d", True)
    elif name == "TDC":
        b.raw("a = d")
        _nz(b, "a", True)
    elif name in ("INX", "INY", "DEX", "DEY"):
        reg = name[2].lower()
        delta = "+ 1" if name.startswith("IN") else "- 1"
        b.raw(f"{reg} = ({reg} {delta}) & {'0xFFFF' if xw else '0xFF'}")
        _nz(b, reg, xw)
    else:  # pragma: no cover
        raise AssertionError(name)


def _gen_push(b: _Body, v: _V, op: Opcode) -> None:
    name = op.mnemonic
    b.idle(NEXT)
    if name == "PHD":
        _push(b, v, "d >> 8", True)
        _push(b, v, "d & 0xFF", True)
        _fix_s(b, v)
        return
    src = {
        "PHA": ("a", v.m == 0),
        "PHX": ("x", v.x == 0),
        "PHY": ("y", v.x == 0),
        "PHP": ("getp()", False),
        "PHB": ("(db >> 16)", False),
        "PHK": ("(pb >> 16)", False),
    }[name]
    reg, wide = src
    if wide:
        _push(b, v, f"{reg} >> 8", False)
    _push(b, v, f"{reg} & 0xFF", False)


def _gen_pull(b: _Body, v: _V, op: Opcode) -> None:
    name = op.mnemonic
    b.idle(NEXT)
    b.idle(NEXT)
    if name == "PLD":
        _pull(b, v, "val", True)
        _pull(b, v, "val", True, 8)
        _fix_s(b, v)
        b.raw("d = val")
        _nz(b, "d", True)
        return
    if name == "PLB":
        _pull(b, v, "val", True)
        _fix_s(b, v)
        b.raw("db = val << 16")
        _nz(b, "val", False)
        return
    if name == "PLP":
        _pull(b, v, "val", False)
        b.raw("setp(val)")
        return
    reg, wide = {"PLA": ("a", v.m == 0), "PLX": ("x", v.x == 0), "PLY": ("y", v.x == 0)}[name]
    _pull(b, v, "val", False)
    if wide:
        _pull(b, v, "val", False, 8)
    if reg == "a" and not wide:
        b.raw("a = (a & 0xFF00) | val")
    else:
        b.raw(f"{reg} = val")
    _nz(b, "val", wide)


def _gen_misc(b: _Body, v: _V, op: Opcode) -> None:
    name = op.mnemonic
    if name in _FLAG_OPS:
        b.idle(NEXT)
        b.raw(_FLAG_OPS[name])
    elif name == "NOP":
        b.idle(NEXT)
    elif name == "WDM":  # the signature byte is skipped with an internal cycle, not read
        b.idle(NEXT)
        b.raw("pc = (pc + 1) & 0xFFFF")
    elif name in ("REP", "SEP"):
        b.fetch("o")
        b.idle(LAST)
        b.raw("setp(getp() & ~o)" if name == "REP" else "setp(getp() | o)")
    elif name == "XBA":
        b.idle(NEXT)
        b.idle(NEXT)
        b.raw("a = ((a >> 8) | (a << 8)) & 0xFFFF")
        _nz(b, "(a & 0xFF)", False)
    elif name == "XCE":
        b.idle(NEXT)
        b.raw("fc, fe = fe, fc")
        b.raw("setp(getp())")
    elif name in ("WAI", "STP"):
        b.idle(NEXT)
        b.idle(NEXT)
        b.raw(f"raise Halt('{name}', {b.cycles} + k)")
        b.dyn = True
    elif name in ("JMP", "JML"):
        _gen_jump(b, v, op)
    elif name in ("JSR", "JSL"):
        _gen_call(b, v, op)
    elif name in ("RTS", "RTL", "RTI"):
        _gen_return(b, v, op)
    elif name in ("BRK", "COP"):
        _gen_interrupt(b, v, op)
    elif name == "BRL":
        b.fetch("o")
        b.fetch_hi("o")
        b.idle(LAST)
        b.raw("pc = (pc + o) & 0xFFFF")
    elif name in ("PEA", "PEI", "PER"):
        _gen_push_effective(b, v, op)
    elif name in ("MVN", "MVP"):
        _gen_block(b, v, op)
    else:  # pragma: no cover
        raise AssertionError(name)


def _gen_jump(b: _Body, v: _V, op: Opcode) -> None:
    mode = op.mode
    b.fetch("o")
    b.fetch_hi("o")
    if mode is Mode.ABS:
        b.raw("pc = o")
    elif mode is Mode.LONG:
        b.fetch("bk")
        b.raw("pc = o; pb = bk << 16")
    elif mode is Mode.ABS_IND:
        b.read("t", "o")
        b.read_hi("t", "(o + 1) & 0xFFFF")
        b.raw("pc = t")
    elif mode is Mode.ABS_IND_LONG:
        b.read("t", "o")
        b.read_hi("t", "(o + 1) & 0xFFFF")
        b.read("bk", "(o + 2) & 0xFFFF")
        b.raw("pc = t; pb = bk << 16")
    elif mode is Mode.ABS_X_IND:
        b.idle(LAST)
        b.read("t", "pb | ((o + x) & 0xFFFF)")
        b.read_hi("t", "pb | ((o + x + 1) & 0xFFFF)")
        b.raw("pc = t")
    else:  # pragma: no cover
        raise AssertionError(mode)


def _gen_call(b: _Body, v: _V, op: Opcode) -> None:
    mode = op.mode
    if mode is Mode.ABS:
        b.fetch("o")
        b.fetch_hi("o")
        b.idle(LAST)
        b.raw("ret = (pc - 1) & 0xFFFF")
        _push(b, v, "ret >> 8", False)
        _push(b, v, "ret & 0xFF", False)
        b.raw("pc = o")
    elif mode is Mode.LONG:
        b.fetch("o")
        b.fetch_hi("o")
        b.write("s", "pb >> 16")
        b.idle("s")
        b.raw("s = (s - 1) & 0xFFFF")
        b.fetch("bk")
        b.raw("ret = (pc - 1) & 0xFFFF")
        _push(b, v, "ret >> 8", True)
        _push(b, v, "ret & 0xFF", True)
        _fix_s(b, v)
        b.raw("pc = o; pb = bk << 16")
    elif mode is Mode.ABS_X_IND:
        b.fetch("o")
        _push(b, v, "pc >> 8", True)
        _push(b, v, "pc & 0xFF", True)
        b.fetch_hi("o")
        b.idle(LAST)
        b.read("t", "pb | ((o + x) & 0xFFFF)")
        b.read_hi("t", "pb | ((o + x + 1) & 0xFFFF)")
        _fix_s(b, v)
        b.raw("pc = t")
    else:  # pragma: no cover
        raise AssertionError(mode)


def _gen_return(b: _Body, v: _V, op: Opcode) -> None:
    name = op.mnemonic
    b.idle(NEXT)
    b.idle(NEXT)
    if name == "RTS":
        _pull(b, v, "t", False)
        _pull(b, v, "t", False, 8)
        b.idle("s")
        b.raw("pc = (t + 1) & 0xFFFF")
    elif name == "RTL":
        _pull(b, v, "t", True)
        _pull(b, v, "t", True, 8)
        _pull(b, v, "bk", True)
        _fix_s(b, v)
        b.raw("pc = (t + 1) & 0xFFFF; pb = bk << 16")
    else:  # RTI
        _pull(b, v, "pv", False)
        _pull(b, v, "t", False)
        _pull(b, v, "t", False, 8)
        if not v.e:
            _pull(b, v, "bk", False)
            b.raw("pb = bk << 16")
        b.raw("pc = t")
        b.raw("setp(pv)")


def _gen_interrupt(b: _Body, v: _V, op: Opcode) -> None:
    b.fetch("o")  # signature byte
    if not v.e:
        _push(b, v, "pb >> 16", False)
    _push(b, v, "pc >> 8", False)
    _push(b, v, "pc & 0xFF", False)
    _push(b, v, "getp()", False)
    b.raw("fi = 1; fd = 0; pb = 0")
    vector = INTERRUPT_VECTORS[(op.mnemonic, v.e)]
    b.read("t", hex(vector))
    b.read_hi("t", hex(vector + 1))
    b.raw("pc = t")
    b.dyn = True
    b.raw(f"if trap: raise Halt('{op.mnemonic}', {b.cycles} + k)")


def _gen_push_effective(b: _Body, v: _V, op: Opcode) -> None:
    name = op.mnemonic
    if name == "PEA":
        b.fetch("t")
        b.fetch_hi("t")
    elif name == "PEI":
        b.fetch("o")
        _dl_idle(b)
        b.read("t", "(d + o) & 0xFFFF")
        b.read_hi("t", "(d + o + 1) & 0xFFFF")
    else:  # PER
        b.fetch("o")
        b.fetch_hi("o")
        b.idle(LAST)
        b.raw("t = (pc + o) & 0xFFFF")
    _push(b, v, "t >> 8", True)
    _push(b, v, "t & 0xFF", True)
    _fix_s(b, v)


def _gen_block(b: _Body, v: _V, op: Opcode) -> None:
    """One byte per execution; the instruction repeats itself (PC -= 3) until A wraps to $FFFF."""
    b.fetch("dst")
    b.fetch("src")
    b.raw("db = dst << 16")
    b.read("val", "(src << 16) | x")
    b.write("db | y", "val")
    b.idle("db | y")
    b.idle("db | y")
    step = "+ 1" if op.mnemonic == "MVN" else "- 1"
    mask = "0xFF" if v.x else "0xFFFF"
    b.raw(f"x = (x {step}) & {mask}; y = (y {step}) & {mask}; a = (a - 1) & 0xFFFF")
    b.raw("if a != 0xFFFF: pc = (pc - 3) & 0xFFFF")


# ---------------------------------------------------------------------------------------------------
# Assembly of handlers and the closure


def handler_body(op: Opcode, v: _V, b: _Body | None = None) -> _Body:
    """Emit one instruction into `b` (a fresh handler body by default; `blocks.py` passes its own)."""
    if b is None:
        b = _Body()
    if op.kind is Kind.READ:
        _gen_read(b, v, op)
    elif op.kind is Kind.WRITE:
        _gen_write(b, v, op)
    elif op.kind is Kind.RMW:
        _gen_rmw(b, v, op)
    elif op.mode is Mode.REL8:
        _gen_branch(b, v, op)
    elif op.mnemonic in ("PHA", "PHX", "PHY", "PHP", "PHB", "PHK", "PHD"):
        _gen_push(b, v, op)
    elif op.mnemonic in ("PLA", "PLX", "PLY", "PLP", "PLB", "PLD"):
        _gen_pull(b, v, op)
    elif op.mnemonic[0] == "T" or op.mnemonic in ("INX", "INY", "DEX", "DEY"):
        _gen_transfer(b, v, op)
    else:
        _gen_misc(b, v, op)
    return b


def _function_source(name: str, b: _Body) -> str:
    text = "\n".join(b.lines)
    used = [n for n in STATE_NAMES if _uses(text, n)]
    head = [f"    def {name}():"]
    if used:
        head.append(f"        nonlocal {', '.join(used)}")
    if b.dyn:
        head.append("        k = 0")
    body = ["        " + line for line in b.lines]
    tail = [f"        return {b.cycles} + k" if b.dyn else f"        return {b.cycles}"]
    return "\n".join(head + body + tail)


def _uses(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w.']){name}(?![\w'])", text) is not None


_PRELUDE = '''
def build(R, W, I, adc8, adc16, sbc8, sbc16, Halt, define_handlers=False):
    a = x = y = d = pc = pb = db = 0
    s = 0x1FF
    fn = fv = fd = fi = fc = 0
    fz = 1
    fm = fx = fe = 1
    trap = False
    tab = None

    def getp():
        return ((0x80 if fn else 0) | (0x40 if fv else 0) | (fm << 5) | (fx << 4) | (fd << 3)
                | (fi << 2) | (0 if fz else 2) | fc)

    def setp(p):
        """Load P; emulation forces m = x = 1 and S into page 1; x = 1 clears the index high bytes."""
        nonlocal fn, fv, fm, fx, fd, fi, fz, fc, x, y, s, tab, vi, bc
        fn = p & 0x80; fv = p & 0x40; fd = (p >> 3) & 1; fi = (p >> 2) & 1
        fz = 0 if p & 2 else 1; fc = p & 1
        if fe:
            fm = fx = 1
            s = 0x100 | (s & 0xFF)
        else:
            fm = (p >> 5) & 1; fx = (p >> 4) & 1
        if fx:
            x &= 0xFF; y &= 0xFF
        vi = 7 if fe else fm * 2 + fx
        tab = tables[vi]
        bc = bcs[vi * 2 + sel] if sel >= 0 else nob
'''

_POSTLUDE = '''
    def run(max_cycles, max_instructions, stop):
        """Execute until the budget, `stop` (24-bit PC) or a halt; returns (reason, cycles, n, op):
        op is the opcode of the last instruction executed (-1 for none), so a caller knows which
        instruction brought PC to `stop`. Other exceptions leave with `instructions_done` = n."""
        nonlocal pc
        cyc = 0
        n = 0
        op = -1
        try:
            for n in range(max_instructions):  # noqa: B007 - n is the count when the loop exits early
                if cyc >= max_cycles:
                    return ("BUDGET", cyc, n, op)
                addr = pb | pc
                if addr == stop:
                    return ("RETURNED", cyc, n, op)
                pc = (pc + 1) & 0xFFFF
                op = R(addr)
                cyc += (tab[op] or handler(op))()
        except Halt as h:
            h.cycles += cyc
            h.instructions = n + 1
            h.opcode = op
            raise
        except Exception as error:
            error.instructions_done = n
            raise
        if cyc >= max_cycles:
            return ("BUDGET", cyc, max_instructions, op)
        return ("LIMIT", cyc, max_instructions, op)

    # -- the fast tiers (`blocks.py`): straight-line code as compiled blocks or threads of direct
    # handlers, plain memory read and written directly, every other access left to the per-cycle
    # handlers above.

    mem = rb = wb = ck = olds = bus = cur = make_block = make_thread = None
    paged = False  # the bus is an SnesBus-like paged map (tables, clocks, a write log); else flat RAM
    sel = -1  # which block caches fit the bus's timing now (0: slow ROM, 1: FastROM); -1: no blocks
    nob = {}  # the caches while blocks are off (a DMA armed): entries only ever say "no block"
    bcs = [{} for _ in range(16)]  # per variant index * 2 + sel: address -> block or thread, or False
    hot = {}  # address -> times the per-cycle handlers reached it (flat: compile at `threshold`)
    vi = 7
    bc = nob
    threshold = 1 << 62
    thread_at = 1 << 62  # paged: make a thread where the per-cycle handlers came this often
    LIMIT = 1 << 16  # entries of `hot` and of one block cache (memory per CPU stays bounded)

    def run_blocks(max_cycles, max_instructions, stop):
        """`run` on a bus with a memory kind: the same results, cycles, clocks and bus traffic.

        At each instruction boundary the code there runs as a compiled block or (paged bus) a thread
        of direct handlers when one fits (see blocks.py), else one instruction runs on its per-cycle
        handler with the real bus. Threads are made where the per-cycle handlers came `thread_at`
        times, flat-bus blocks where they came `threshold` times. A block or thread returns
        clocks << 32 | cycles << 16 | instructions << 8 | last opcode for what it ran, 0 when it
        declines (the budget, the stop address or the instruction limit falls inside it), -1 when its
        code bytes changed, -2 when its first instruction needs the bus, -3 (a thread) when it is time
        to compile its block. Their cycles and clocks reach a paged bus before each per-cycle step and
        at the end."""
        nonlocal pc
        cyc = 0
        n = 0
        op = -1
        bcy = bck = 0  # cycles and clocks not yet added to a paged bus
        if paged:
            refresh()
        try:
            while n < max_instructions:
                if cyc >= max_cycles:
                    return ("BUDGET", cyc, n, op)
                addr = pb | pc
                if addr == stop:
                    return ("RETURNED", cyc, n, op)
                blk = bc.get(addr)
                if blk:
                    r = blk(max_cycles - cyc, max_instructions - n, stop)
                    if r > 0:
                        t = (r >> 16) & 0xFFFF
                        cyc += t
                        bcy += t
                        bck += r >> 32
                        n += (r >> 8) & 0xFF
                        op = r & 0xFF
                        continue
                    if r == -3:
                        bc[addr] = make_block(addr, vi, sel) or blk
                        continue
                    if r == -1:
                        del bc[addr]
                    elif r == -2:
                        bc[addr] = False
                elif blk is None:
                    h = hot.get(addr, 0) + 1
                    if h == 1 and len(hot) >= LIMIT:  # code wandering through memory: bounded
                        hot.clear()
                    hot[addr] = h
                    if paged:
                        if h >= thread_at:
                            if len(bc) >= LIMIT:
                                bc.clear()
                            bc[addr] = make_thread(addr, vi, sel)
                            continue
                    elif h >= threshold:
                        if len(bc) >= LIMIT:
                            bc.clear()
                        bc[addr] = make_block(addr, vi, sel)
                        continue
                if paged:
                    if bcy:
                        bus.cycle += bcy
                        bus.clocks += bck
                        bcy = bck = 0
                    pc = (pc + 1) & 0xFFFF
                    op = R(addr)
                    cyc += (tab[op] or handler(op))()
                    n += 1
                    if bus.fast_tables is not cur:
                        refresh()
                else:
                    pc = (pc + 1) & 0xFFFF
                    op = R(addr)
                    cyc += (tab[op] or handler(op))()
                    n += 1
        except Halt as h:
            h.cycles += cyc
            h.instructions = n + 1
            h.opcode = op
            raise
        except Exception as error:
            error.instructions_done = n
            raise
        finally:
            if paged and bcy:
                bus.cycle += bcy
                bus.clocks += bck
        if cyc >= max_cycles:
            return ("BUDGET", cyc, max_instructions, op)
        return ("LIMIT", cyc, max_instructions, op)

    def refresh():
        """Take the paged bus's current tables (they change on a $420D write, a DMA armed or done)."""
        nonlocal cur, rb, wb, ck, sel, olds, bc
        cur = bus.fast_tables
        olds = bus.first_values
        if cur is None:
            sel = -1
        else:
            rb, wb, ck, sel = cur
        bc = bcs[vi * 2 + sel] if sel >= 0 else nob

    def configure(memory, the_bus, is_paged, maker, threader, hot, thread_hot):
        """Turn the fast tiers on: `memory` the bytearray they index; `maker(addr, vi, sel)` compiles a
        block (flat: where the handlers came `hot` times), `threader(addr, vi, sel)` makes a thread
        (paged: where they came `thread_hot` times); either returns False where nothing can start."""
        nonlocal mem, bus, paged, make_block, make_thread, sel, bc, threshold, thread_at
        mem, bus, paged, make_block, make_thread, threshold = memory, the_bus, is_paged, maker, threader, hot
        thread_at = thread_hot
        sel = 0
        if paged:
            refresh()
        bc = bcs[vi * 2 + sel] if sel >= 0 else nob

    def forget():
        """Drop every block, thread and hotness count (code objects stay cached in blocks.py)."""
        for cache in bcs:
            cache.clear()
        nob.clear()
        hot.clear()

    def cells():
        """The closure cells handlers and blocks are bound to (`make_binder`, `BlockCompiler`)."""
        return (a, x, y, s, d, pc, pb, db, fn, fv, fm, fx, fd, fi, fz, fc, fe, mem, rb, wb, ck, olds,
                getp, setp, adc8, adc16, sbc8, sbc16, R, W, I, Halt, trap)

    bind = None  # (variant index, opcode) -> handler, set once by `set_binder` (see `make_binder`)

    def handler(op):
        """The handler of `op` in the current variant, bound on its first use by this CPU."""
        h = tab[op] = bind(vi, op)
        return h

    def set_binder(binder):
        nonlocal bind
        bind = binder

    def get():
        return (a, x, y, s, d, db >> 16, pb >> 16, pc, getp(), fe)

    def put(na, nx, ny, ns, nd, ndbr, npbr, npc, np, ne):
        nonlocal a, x, y, s, d, db, pb, pc, fe
        a, x, y, s, d, db, pb, pc, fe = na, nx, ny, ns, nd, ndbr << 16, npbr << 16, npc, ne
        if fe:
            s = 0x100 | (s & 0xFF)
        setp(np)

    def set_trap(flag):
        nonlocal trap
        trap = flag

    return run, get, put, set_trap, run_blocks, configure, forget, cells, set_binder
'''


@lru_cache(maxsize=1)
def _handlers() -> tuple[tuple[str, ...], tuple[tuple[str, ...] | None, ...]]:
    """(handler sources, handler names per variant index or None): every (opcode, variant), the
    handlers deduplicated by body."""
    sources: list[str] = []
    names_by_body: dict[str, str] = {}
    table: list[tuple[str, ...] | None] = []
    for index in range(8):
        if index in (4, 5, 6):
            table.append(None)
            continue
        e, m, x = (1, 1, 1) if index == 7 else (0, index >> 1, index & 1)
        v = _V(e, m, x)
        names = []
        for op in OPCODES:
            b = handler_body(op, v)
            key = "\n".join(b.lines) + f"|{b.cycles}|{b.dyn}"
            name = names_by_body.get(key)
            if name is None:
                name = f"op_{op.code:02x}_{index}"
                names_by_body[key] = name
                sources.append(_function_source(name, b))
            names.append(name)
        table.append(tuple(names))
    return tuple(sources), tuple(table)


@lru_cache(maxsize=1)
def factory_source() -> str:
    """The full source of `build(...)`. The handlers are defined inside `if define_handlers:`, which never
    runs: their code objects are compiled once with `build`, and each CPU binds to its own cells only
    the handlers it uses (`make_binder`), instead of creating ~1,000 closures per CPU (a Machine per
    program, and garbage-collector work over all of them)."""
    sources, _ = _handlers()
    indented = ["\n".join("    " + line for line in source.splitlines()) for source in sources]
    parts = [
        _PRELUDE,
        "    if define_handlers:  # never: see `factory_source`",
        *indented,
        "    tables = [[None] * 256 for _ in range(8)]",
        "    tab = tables[7]",
        _POSTLUDE,
    ]
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _handler_codes() -> dict[str, CodeType]:
    return {c.co_name: c for c in compiled_factory().__code__.co_consts if isinstance(c, CodeType)}


def make_binder(cells: Callable[[], tuple]) -> Callable[[int, int], Callable[[], int]]:
    """`bind(variant index, opcode)` for one CPU: its handler, bound to that CPU's cells on first use
    (`cells` is the core's `cells` function; its closure holds every cell a handler uses)."""
    cell_of = dict(zip(cells.__code__.co_freevars, cells.__closure__ or (), strict=True))
    _, table = _core()
    codes = _handler_codes()
    namespace = compiled_factory().__globals__
    bound: dict[str, Callable[[], int]] = {}

    def bind(variant: int, opcode: int) -> Callable[[], int]:
        name = table[variant][opcode]  # type: ignore[index]
        handler = bound.get(name)
        if handler is None:
            code = codes[name]
            handler = FunctionType(code, namespace, name, None, tuple(cell_of[n] for n in code.co_freevars))
            bound[name] = handler
        return handler

    return bind


# The modules whose text the generated source is made from (this one, the opcode table, the vectors):
# the key of the stored core (`corecache`). tests/emu check that codegen imports nothing else.
CORE_SOURCES = ("harness.emu.codegen", "harness.emu.opcodes", "harness.core.facts")
_CORE_NAME = "<harness.emu generated 65816 core>"


def _generate() -> tuple[CodeType, tuple[tuple[str, ...] | None, ...]]:
    return compile(factory_source(), _CORE_NAME, "exec"), _handlers()[1]


@lru_cache(maxsize=1)
def _core() -> tuple[CodeType, tuple[tuple[str, ...] | None, ...]]:
    """(compiled module of `build`, handler names per variant index): stored on disk by the first
    process, loaded by the next (`corecache`)."""
    return cached_core(CORE_SOURCES, _generate)


@lru_cache(maxsize=1)
def compiled_factory() -> Callable[..., tuple]:
    """`build`, once per process (lazily: no work at import time)."""
    namespace: dict[str, object] = {}
    exec(_core()[0], namespace)
    return namespace["build"]  # type: ignore[return-value]
