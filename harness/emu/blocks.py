"""Fast tiers of the 65816 core: compiled blocks, direct handlers and threads of them.

Why: on the per-cycle path every instruction costs a trip through the run loop, a handler call and one
bus call per cycle (about 200 bytecodes and 4 Python calls per instruction on the SNES bus), most of
the emulator's time. Two faster ways to run straight-line code (up to `MAX_INSTRUCTIONS` instructions,
up to and including the first jump, branch, return or flag-width change), both generated from the
per-opcode templates of `codegen.py` through `_BlockBody`, which replaces each bus cycle by its
direct equivalent:
- a block: one Python function per (address, e/m/x variant), operands and PC as constants, cycles and
  master clocks summed at compile time where static (about 47 bytecodes per instruction). Compiling
  costs about 100 us per instruction (Python's `compile`), so only code that ran often is compiled.
- a thread (SNES bus): the direct handlers of the code, called in order. A direct handler is one
  function per (opcode, variant) compiled once per process, reading its operands from memory (about
  100 bytecodes and one call per instruction). Threads cost nothing to compile, so code runs as one
  from its second arrival (code that runs once pays nothing), and the thread asks for its block after
  `BLOCK_THRESHOLDS` runs.

Where they run: only on a bus that says what its memory is (`bus.MemoryKind`): a flat 16 MiB RAM
(`FlatBus`: blocks only, its per-cycle bus calls are C-level already), or the SNES map (`SnesBus`,
PAGED) whose I/O must still see every cycle. Any other bus (`RecordingBus`, the vectors' path) keeps
one call per bus cycle.

Exactness (the results, cycles, clocks and the bus traffic that matters are the per-cycle path's):
- A block or thread declines to run (returns 0) when the cycle budget could run out inside it, when the
  stop address or the instruction limit falls inside it, and while an SnesBus has a DMA armed (then
  every access must reach the bus). It returns -1 when its code bytes changed since it was built
  (checked at every entry), and the run loop drops it.
- Inside an instruction, reads come before writes and writes are deferred to the instruction's end.
  Every data access first checks that its page is plain (PAGED: a WRAM, SRAM or ROM read, a WRAM or
  SRAM write; FLAT: a write outside the block's own code). When a check fails, nothing of the
  instruction is visible yet (reads of plain memory have no side effects, the registers it changed are
  restored from a snapshot), so the block stops before it ("deopt") and reports what it completed;
  the run loop then runs that instruction on the per-cycle handlers, with the real bus.
- Not in blocks (the handlers run them): BRK, COP, WAI, STP (they halt or trap), MVN/MVP (they
  repeat themselves), WDM, and JSR (a,x) (it reads after writing, so its writes cannot be deferred).
- PAGED code comes from ROM only (the CPU cannot write ROM, so only `poke` can change it, and the
  entry check sees that); fetch clocks follow the FastROM setting a block was compiled for (the core
  keeps one cache per setting; $420D is I/O, written on the per-cycle path).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType, FunctionType
from typing import Any, NamedTuple

from harness.emu.bus import MemoryKind
from harness.emu.codegen import _V, REGISTER_CELLS, handler_body
from harness.emu.opcodes import OPCODES, Mode, Opcode, operand_length

__all__ = [
    "BlockCompiler",
    "BLOCK_THRESHOLDS",
    "MAX_INSTRUCTIONS",
    "THREAD_AT",
    "block_source",
    "direct_source",
]

# Compiling a block costs about 100 us of CPU per instruction (mostly Python's `compile`), so only code
# that runs often is compiled. Flat bus: after the per-cycle handlers reached an address this often.
# SNES bus: after its thread (no compile cost, a third of a block's speed) ran this often.
BLOCK_THRESHOLDS = {MemoryKind.FLAT: 128, MemoryKind.PAGED: 512}
# SNES bus: a thread is made where the per-cycle handlers came this often (code that runs once pays
# nothing; the verifier's 64 calls per program make threads on the second).
THREAD_AT = 2
MAX_INSTRUCTIONS = 32
MAX_BLOCKS = 4096  # per CPU: beyond this the handlers run the rest (a bound on compile time and memory)
MAX_THREADS = 16384  # per CPU (a bound on memory for code that wanders through a large image)
MAX_COMPILES_PER_ADDRESS = 4  # code that keeps changing (self-modifying RAM code) stays on the handlers

_NOT_IN_BLOCKS = frozenset({"BRK", "COP", "WAI", "STP", "MVN", "MVP", "WDM"})
_ENDS_BLOCK = frozenset({"BRL", "JMP", "JML", "JSR", "JSL", "RTS", "RTL", "RTI", "REP", "SEP", "PLP", "XCE"})

# Register cells a block may assign (pc/pb are restored from constants, so they are not snapshotted).
_CELLS = tuple(name for name in REGISTER_CELLS if name not in ("pc", "pb"))
_ALL_NAMES = (
    *REGISTER_CELLS,
    "mem",
    "rb",
    "wb",
    "ck",
    "olds",
    "getp",
    "setp",
    "adc8",
    "adc16",
    "sbc8",
    "sbc16",
)
_DEOPT = "<deopt>"  # placeholder line, resolved when the instruction is finished
_PC = re.compile(r"(?<![\w.'])pc(?![\w'])")
_PB = re.compile(r"(?<![\w.'])pb(?![\w'])")
_NAME = re.compile(r"[A-Za-z_]\w*")
_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?:[-+|&^]|<<|>>)?=(?!=)")


class _Instruction(NamedTuple):  # a tuple: cheap to make (threads are planned while the code runs)
    pc: int  # 16-bit address of the opcode
    opcode: int
    operands: bytes
    clocks: tuple[int, ...]  # master clocks of each byte's fetch (PAGED), opcode first


@dataclass(frozen=True)
class _Plan:
    """What a block is compiled from; equal plans give the same code object (cached across CPUs)."""

    kind: MemoryKind
    variant: int
    bank: int  # PBR << 16
    instructions: tuple[_Instruction, ...]
    code: bytes
    index: int  # where `code` starts in the bus's `mem` (FLAT: the 24-bit address)
    page_bits: int


def _blockable(op: Opcode) -> bool:
    return op.mnemonic not in _NOT_IN_BLOCKS and not (op.mnemonic == "JSR" and op.mode is Mode.ABS_X_IND)


@lru_cache(maxsize=8)
def _decode_tables(variant: int) -> tuple[bytes, bytes]:
    """Per opcode in a width variant: instruction length (0: not in blocks) and whether it ends one."""
    v = _variant(variant)
    lengths = bytes(1 + operand_length(op, m=v.m, x=v.x) if _blockable(op) else 0 for op in OPCODES)
    stops = bytes(1 if op.mode is Mode.REL8 or op.mnemonic in _ENDS_BLOCK else 0 for op in OPCODES)
    return lengths, stops


def _variant(index: int) -> _V:
    return _V(1, 1, 1) if index == 7 else _V(0, index >> 1, index & 1)


class _BlockBody:
    """One instruction of a block: the `_Body` interface of `codegen.py`, emitting direct code.

    Program fetches become constants; idle cycles become static counts; reads check their page (a
    `_DEOPT` placeholder) and read `mem`; writes are recorded and emitted by `finish`."""

    def __init__(self, plan: _Plan, inst: _Instruction) -> None:
        self.paged = plan.kind is MemoryKind.PAGED
        self.page_bits = plan.page_bits
        self.plan = plan
        self.lines: list[str] = []
        self.indent = 0
        self.cycles = 1  # the opcode fetch
        self.clocks = inst.clocks[0] if self.paged else 0
        self.dyn = False
        self.pc = (inst.pc + 1) & 0xFFFF  # the next program byte, as the templates' `pc`
        self.fetched = 0
        self.inst = inst
        self.consts: dict[str, tuple[int, int]] = {}  # variable -> (line index, value)
        self.assigned_pc = False
        self.assigned_pb = False
        self.writes: list[tuple[str, str]] = []
        self.wrote = False
        self.branch_exit: tuple[str, int, int] | None = None  # (condition, target pc, extra cycles)

    # -- the _Body interface --------------------------------------------------------------------------

    def raw(self, line: str) -> None:
        indent = line[: len(line) - len(line.lstrip())]
        statements = [self._constant_pc(part.strip()) for part in line.split(";")]
        self.lines.append("    " * self.indent + indent + "; ".join(statements))

    def fetch(self, var: str) -> None:
        self._fetch_byte(var, 0)

    def fetch_hi(self, var: str, shift: int = 8) -> None:
        self._fetch_byte(var, shift)

    def _fetch_byte(self, var: str, shift: int) -> None:
        byte = self.inst.operands[self.fetched]
        self.cycles += 1
        self.fetched += 1
        if self.paged:
            self.clocks += self.inst.clocks[self.fetched]
        self.pc = (self.pc + 1) & 0xFFFF
        if shift:  # the templates fetch a variable's low byte first: fold the bytes into one constant
            line, value = self.consts[var]
            value |= byte << shift
            self.lines[line] = f"{var} = {value:#x}"
        else:
            line, value = len(self.lines), byte
            self.lines.append(f"{var} = {value:#x}")
        self.consts[var] = (line, value)

    def _last(self, addr: str) -> str:
        return addr

    def read(self, var: str, addr: str) -> None:
        self._read(f"{var} = ", addr, "")

    def read_hi(self, var: str, addr: str, shift: int = 8) -> None:
        self._read(f"{var} |= ", addr, f" << {shift}")

    def _read(self, target: str, addr: str, tail: str) -> None:
        self.cycles += 1
        if not self.paged:
            self.raw(f"{target}mem[{addr}]{tail}")
            return
        if not addr.isidentifier():
            self.raw(f"_ad = {addr}")
            addr = "_ad"
        bits = self.page_bits
        self.raw(f"_pg = {addr} >> {bits}; _ba = rb[_pg]")
        self.raw("if _ba < 0:")
        self.raw("    " + _DEOPT)
        self.raw(f"_c += ck[_pg]; {target}mem[_ba + ({addr} & {(1 << bits) - 1})]{tail}")

    def write(self, addr: str, value: str) -> None:
        self.cycles += 1
        self.wrote = True
        number = len(self.writes)
        if addr not in ("ea", "ea2"):  # the templates never change these after computing them
            self.raw(f"_wa{number} = {addr}")
            addr = f"_wa{number}"
        if value not in ("val", "r") and not value.isdigit():  # names the templates never change after
            self.raw(f"_wv{number} = {value}")
            value = f"_wv{number}"
        self.writes.append((addr, value))

    def idle(self, addr: str) -> None:
        self.cycles += 1
        self.clocks += 6

    def cond_idle(self, cond: str, addr: str) -> None:
        self.dyn = True
        self.raw(f"if {cond}:")
        self.raw("    _k += 1")

    def branch(self, cond: str, emulation: bool) -> None:
        offset = self.consts["o"][1]
        target = (self.pc + offset - ((offset & 0x80) << 1)) & 0xFFFF
        extra = 2 if emulation and (target ^ self.pc) & 0xFF00 else 1
        self.branch_exit = (cond, target, extra)

    # -- helpers --------------------------------------------------------------------------------------

    def _constant_pc(self, statement: str) -> str:
        """Reads of pc/pb before the instruction assigns them are constants (the block is static)."""
        if "pc" not in statement and "pb" not in statement:
            return statement
        match = _ASSIGN.match(statement)
        targets = [t.strip() for t in match.group(1).split(",")] if match else []
        rhs_at = match.end() if match else 0
        head, rhs = statement[:rhs_at], statement[rhs_at:]
        if not self.assigned_pc:
            rhs = _PC.sub(f"{self.pc:#x}", rhs)
        if not self.assigned_pb:
            rhs = _PB.sub(f"{self.plan.bank:#x}", rhs)
        self.assigned_pc = self.assigned_pc or "pc" in targets
        self.assigned_pb = self.assigned_pb or "pb" in targets
        return head + rhs

    def finish_writes(self) -> None:
        """Check every deferred write's page, then perform them in order."""
        if not self.writes:
            return
        if self.paged:
            self._finish_paged_writes(self._overlap_terms)
            return
        low, high = self.plan.index, self.plan.index + len(self.plan.code)
        self.raw("if " + " or ".join(f"{low:#x} <= {addr} < {high:#x}" for addr, _ in self.writes) + ":")
        self.raw("    " + _DEOPT)
        for addr, value in self.writes:
            self.raw(f"mem[{addr}] = {value}")

    def _overlap_terms(self, index: str) -> str:
        """A condition that the write at mem `index` changes code this block or handler has compiled
        in or has yet to fetch (none for paged blocks: their code is ROM, which no CPU write reaches)."""
        return ""

    def _finish_paged_writes(self, overlap: Callable[[str], str]) -> None:
        bits = self.page_bits
        mask = (1 << bits) - 1
        terms = []
        for number, (addr, _) in enumerate(self.writes):
            self.raw(f"_wp{number} = {addr} >> {bits}; _wb{number} = wb[_wp{number}]")
            terms.append(f"_wb{number} < 0")
            extra = overlap(f"_wb{number} + ({addr} & {mask})")
            if extra:
                terms.append(extra)
        self.raw("if " + " or ".join(terms) + ":")
        self.raw("    " + _DEOPT)
        for number, (addr, value) in enumerate(self.writes):
            self.raw(f"_c += ck[_wp{number}]; _wi = _wb{number} + ({addr} & {mask})")
            self.raw("if _wi not in olds: olds[_wi] = mem[_wi]")
            self.raw(f"mem[_wi] = {value}")


class _DirectBody(_BlockBody):
    """One instruction as a direct handler (SNES bus): the same data accesses, deopts and deferred writes
    as in a block, but operands read from `mem` after the opcode's index `_ix` and PC dynamic (the
    handler serves every address). A fetch costs `_fc` clocks, those of the code's page."""

    def __init__(self, page_bits: int, length: int) -> None:
        self.paged = True
        self.page_bits = page_bits
        self.length = length
        self.lines = []
        self.indent = 0
        self.cycles = 1
        self.clocks = 0  # idle cycles only; the fetches are `length * _fc`
        self.dyn = False
        self.fetched = 0
        self.assigned_pc = False
        self.assigned_pb = False
        self.writes = []
        self.wrote = False
        self.fetch_after_write = False  # JSL: its bank byte is fetched after a push
        self.branch_exit = None

    def _fetch_byte(self, var: str, shift: int) -> None:
        self.cycles += 1
        self.fetched += 1
        self.fetch_after_write = self.fetch_after_write or self.wrote
        operator, tail = ("|=", f" << {shift}") if shift else ("=", "")
        self.lines.append("    " * self.indent + f"{var} {operator} mem[_ix + {self.fetched}]{tail}")

    def branch(self, cond: str, emulation: bool) -> None:
        self.branch_exit = (cond, -1, 2 if emulation else 1)  # the target is computed in `_direct_exit`

    def _constant_pc(self, statement: str) -> str:
        """Before the instruction assigns PC, the templates' `pc` (the next program byte) is PC plus the
        bytes fetched so far."""
        if "pc" not in statement:
            return statement
        match = _ASSIGN.match(statement)
        targets = [t.strip() for t in match.group(1).split(",")] if match else []
        rhs_at = match.end() if match else 0
        head, rhs = statement[:rhs_at], statement[rhs_at:]
        if not self.assigned_pc:
            rhs = _PC.sub(f"((pc + {self.fetched + 1}) & 0xFFFF)", rhs)
        self.assigned_pc = self.assigned_pc or "pc" in targets
        self.assigned_pb = self.assigned_pb or "pb" in targets
        return head + rhs

    def finish_writes(self) -> None:
        if self.writes:
            self._finish_paged_writes(self._overlap_terms)

    def _overlap_terms(self, index: str) -> str:
        return f"_ix <= {index} < _ix + {self.length}" if self.fetch_after_write else ""


@dataclass
class _Progress:
    """What the block has done before an instruction: static cycles and clocks, count, last opcode."""

    cycles: int = 0
    clocks: int = 0
    count: int = 0
    last_opcode: int = 0


def _encode(
    paged: bool,
    progress: _Progress,
    k: str | None,
    c: str | None,
    extra_cycles: int = 0,
    extra_clocks: int = 0,
) -> str:
    """The block's return value: clocks << 32 | cycles << 16 | instructions << 8 | last opcode."""
    cycles = f"({progress.cycles + extra_cycles} + {k})" if k else str(progress.cycles + extra_cycles)
    low = f"{(progress.count << 8) | progress.last_opcode:#x}"
    if not paged:
        return f"({cycles} << 16) | {low}"
    clock_terms = [str(progress.clocks + extra_clocks)] + ([f"6 * {k}"] if k else []) + ([c] if c else [])
    return f"(({' + '.join(clock_terms)}) << 32) | ({cycles} << 16) | {low}"


def _assigned_cells(lines: list[str], names: tuple[str, ...] = _CELLS) -> list[str]:
    found: list[str] = []
    for line in lines:
        for statement in line.strip().split(";"):
            statement = statement.strip()
            if "setp(" in statement:
                raise AssertionError("setp before a possible deopt: the block could not undo it")
            match = _ASSIGN.match(statement)
            if match:
                for name in (t.strip() for t in match.group(1).split(",")):
                    if name in names and name not in found:
                        found.append(name)
    return found


def _finish_instruction(b: _BlockBody, progress: _Progress, uses_k: bool, uses_c: bool) -> list[str]:
    """Resolve the deopt placeholders: restore what the instruction changed, report the progress."""
    b.finish_writes()
    lines = b.lines
    deopts = [i for i, line in enumerate(lines) if line.strip() == _DEOPT]
    if not deopts:
        return lines
    before = lines[: deopts[-1]]
    cells = _assigned_cells(before)
    snapshot_k = uses_k and any("_k +=" in line for line in before)
    snapshot_c = uses_c and any("_c +=" in line for line in before)
    head = [f"_{name}0 = {name}" for name in cells]
    if snapshot_k:
        head.append("_k0 = _k")
    if snapshot_c:
        head.append("_c0 = _c")
    restore = [f"{name} = _{name}0" for name in cells] + [f"pc = {b.inst.pc:#x}"]
    if b.assigned_pb:
        restore.append(f"pb = {b.plan.bank:#x}")
    if progress.count == 0:
        restore.append("return -2")
    else:
        k = ("_k0" if snapshot_k else "_k") if uses_k else None
        c = ("_c0" if snapshot_c else "_c") if uses_c else None
        restore.append("return " + _encode(b.paged, progress, k, c))
    out = list(head)
    for line in lines:
        if line.strip() == _DEOPT:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + part for part in restore)
        else:
            out.append(line)
    return out


def block_source(plan: _Plan) -> str:
    """The source of `_factory()`, whose one nested function is the block (bound to a core's cells by
    `BlockCompiler`, like the direct handlers)."""
    v = _variant(plan.variant)
    paged = plan.kind is MemoryKind.PAGED
    bodies = []
    for inst in plan.instructions:
        b = _BlockBody(plan, inst)
        handler_body(OPCODES[inst.opcode], v, b)
        if b.fetched != len(inst.operands):
            raise AssertionError(
                f"opcode {inst.opcode:02X}: {b.fetched} fetches for {len(inst.operands)} operand bytes"
            )
        bodies.append(b)
    uses_k = any(b.dyn for b in bodies)
    uses_c = paged and any(b.writes or any("_c +=" in line for line in b.lines) for b in bodies)
    body: list[str] = []
    progress = _Progress()
    worst = 0  # worst-case cycles of all instructions but the last
    for number, b in enumerate(bodies):
        body.append(f"# ${plan.bank >> 16:02X}:{b.inst.pc:04X} {OPCODES[b.inst.opcode].mnemonic}")
        body.extend(_finish_instruction(b, progress, uses_k, uses_c))
        conditional = sum(1 for line in b.lines if line.strip() == "_k += 1")
        if number < len(bodies) - 1:
            worst += b.cycles + conditional
        progress.cycles += b.cycles
        progress.clocks += b.clocks
        progress.count += 1
        progress.last_opcode = b.inst.opcode
    body.extend(_exit(bodies[-1], progress, uses_k, uses_c, paged))
    return _wrap(plan, body, worst, uses_k, uses_c)


def _exit(last: _BlockBody, progress: _Progress, uses_k: bool, uses_c: bool, paged: bool) -> list[str]:
    k = "_k" if uses_k else None
    c = "_c" if uses_c else None
    if last.branch_exit is not None:
        cond, target, extra = last.branch_exit
        taken = [f"pc = {target:#x}", "return " + _encode(paged, progress, k, c, extra, 6 * extra)]
        if cond == "True":
            return taken
        return (
            [f"if {cond}:"]
            + ["    " + line for line in taken]
            + [f"pc = {last.pc:#x}", "return " + _encode(paged, progress, k, c)]
        )
    tail = [] if last.assigned_pc else [f"pc = {last.pc:#x}"]
    return tail + ["return " + _encode(paged, progress, k, c)]


def _wrap(plan: _Plan, body: list[str], worst: int, uses_k: bool, uses_c: bool) -> str:
    count = len(plan.instructions)
    used = set(_NAME.findall("\n".join(line for line in body if not line.lstrip().startswith("#"))))
    assigned = [name for name in _ALL_NAMES if name in used]
    first = plan.bank | plan.instructions[0].pc
    last = plan.bank | plan.instructions[-1].pc
    guards = []
    if worst:
        guards.append(f"_cl <= {worst}")
    if count > 1:
        guards.append(f"_nl < {count}")
        guards.append(f"{first:#x} < _stop <= {last:#x}")
    end = plan.index + len(plan.code)
    head = [
        "def _factory():",
        "    " + " = ".join(_ALL_NAMES) + " = None",
        "",
        "    def block(_cl, _nl, _stop):",
    ]
    inner = []
    if assigned:
        inner.append("nonlocal " + ", ".join(assigned))
    if guards:
        inner.append(f"if {' or '.join(guards)}:")
        inner.append("    return 0")
    if len(plan.code) == 1:
        inner.append(f"if mem[{plan.index:#x}] != {plan.code[0]:#x}:")
    else:
        inner.append(f"if mem[{plan.index:#x}:{end:#x}] != {plan.code!r}:")
    inner.append("    return -1")
    if uses_k:
        inner.append("_k = 0")
    if uses_c:
        inner.append("_c = 0")
    inner.extend(body)
    return "\n".join(head + ["        " + line for line in inner] + ["", "    return block", ""])


def direct_source(page_bits: int, opcode: int, variant: int) -> str | None:
    """The source of `_factory()` for the direct handler (SNES bus) of one opcode and width variant, or
    None for an opcode left to the per-cycle handlers. Called `handler(_ix, _fc)` with PC at the opcode,
    whose bytes are at mem[_ix:_ix + length] (a thread checks that they are ROM) and cost `_fc` clocks
    each; returns 0, having changed nothing, when an access needs the bus, else clocks << 8 | cycles."""
    op = OPCODES[opcode]
    if not _blockable(op):
        return None
    v = _variant(variant)
    length = 1 + operand_length(op, m=v.m, x=v.x)
    b = _DirectBody(page_bits, length)
    handler_body(op, v, b)
    if b.fetched != length - 1:
        raise AssertionError(f"opcode {opcode:02X}: {b.fetched} fetches for {length - 1} operand bytes")
    b.finish_writes()
    lines = b.lines
    deopts = [i for i, line in enumerate(lines) if line.strip() == _DEOPT]
    body = list(lines)
    if deopts:
        cells = _assigned_cells(lines[: deopts[-1]], _CELLS + ("pc", "pb"))
        restore = [f"{name} = _{name}0" for name in cells] + ["return 0"]
        body = [f"_{name}0 = {name}" for name in cells]
        for line in lines:
            if line.strip() == _DEOPT:
                indent = line[: len(line) - len(line.lstrip())]
                body.extend(indent + part for part in restore)
            else:
                body.append(line)
    uses_c = bool(b.writes) or any("_c +=" in line for line in lines)
    body.extend(_direct_exit(b, uses_c))
    used = set(_NAME.findall("\n".join(body)))
    assigned = [name for name in _ALL_NAMES if name in used]
    inner = (
        (["nonlocal " + ", ".join(assigned)] if assigned else [])
        + (["_k = 0"] if b.dyn else [])
        + (["_c = 0"] if uses_c else [])
        + body
    )
    head = ["def _factory():", "    " + " = ".join(_ALL_NAMES) + " = None", "", "    def handler(_ix, _fc):"]
    return "\n".join(head + ["        " + line for line in inner] + ["", "    return handler", ""])


def _direct_exit(b: _DirectBody, uses_c: bool) -> list[str]:
    def encode(extra: int) -> str:  # clocks << 8 | cycles (an instruction has fewer than 256 cycles)
        cycles = f"({b.cycles + extra} + _k)" if b.dyn else str(b.cycles + extra)
        clocks = (
            [f"{b.length} * _fc"]
            + ([str(b.clocks + 6 * extra)] if b.clocks + extra else [])
            + (["6 * _k"] if b.dyn else [])
            + (["_c"] if uses_c else [])
        )
        return f"(({' + '.join(clocks)}) << 8) | {cycles}"

    if b.branch_exit is None:
        tail = [] if b.assigned_pc else [f"pc = (pc + {b.length}) & 0xFFFF"]
        return tail + ["return " + encode(0)]
    cond, _, most = b.branch_exit
    taken = ["t = (pc + 2 + o - ((o & 0x80) << 1)) & 0xFFFF"]
    if most == 2:  # emulation mode: one more cycle when the branch crosses a page
        taken += ["if (t ^ (pc + 2)) & 0xFF00:", "    pc = t", "    return " + encode(2)]
    taken += ["pc = t", "return " + encode(1)]
    if cond == "True":
        return taken
    not_taken = ["pc = (pc + 2) & 0xFFFF", "return " + encode(0)]
    return [f"if {cond}:"] + ["    " + line for line in taken] + not_taken


@lru_cache(maxsize=4096)
def _direct_code(page_bits: int, opcode: int, variant: int) -> CodeType | None:
    source = direct_source(page_bits, opcode, variant)
    if source is None:
        return None
    return _nested_code(compile(source, f"<harness.emu direct handler {opcode:02X}/{variant}>", "exec"))


@lru_cache(maxsize=4096)
def _worst_cycles(opcode: int, variant: int) -> int:
    """Most cycles the instruction can take (its conditional cycles all happen): for budget guards."""
    v = _variant(variant)
    op = OPCODES[opcode]
    b = _DirectBody(9, 1 + operand_length(op, m=v.m, x=v.x))
    handler_body(op, v, b)
    extra = b.branch_exit[2] if b.branch_exit is not None else 0
    return b.cycles + sum(1 for line in b.lines if line.strip() == "_k += 1") + extra


def _make_thread(
    steps: tuple[tuple[Callable[[int, int], int], int, int, int], ...],
    final_low: int,
    worst: int,
    first: int,
    last: int,
    mem: bytearray,
    start: int,
    code: bytes,
    promote_at: int,
) -> Callable[[int, int, int], int]:
    """A thread: the direct handlers of straight-line code, run in order with the block protocol.

    `steps` holds (handler, index of the opcode in mem, fetch clocks, progress before it: count << 8 |
    last opcode, or -1 for the first). A handler returns 0 when its instruction needs the bus (nothing
    done), else clocks << 8 | cycles. The `promote_at`-th run returns -3 instead: compile a block."""
    count = len(steps)
    end = start + len(code)
    entries = 0

    def thread(cl: int, nl: int, stop: int) -> int:
        nonlocal entries
        if cl <= worst or nl < count or first < stop <= last:
            return 0
        if mem[start:end] != code:
            return -1
        entries += 1
        if entries == promote_at:
            return -3
        cycles = clocks = 0
        for handler, index, fetch_clocks, low in steps:
            r = handler(index, fetch_clocks)
            if not r:
                return -2 if low < 0 else (clocks << 32) | (cycles << 16) | low
            cycles += r & 0xFF
            clocks += r >> 8
        return (clocks << 32) | (cycles << 16) | final_low

    return thread


def _nested_code(module: CodeType) -> CodeType:
    """The code object of the one function `_factory` defines (bound to a core's cells later)."""
    namespace: dict[str, Any] = {}
    exec(module, namespace)
    factory = namespace["_factory"]
    return next(c for c in factory.__code__.co_consts if isinstance(c, CodeType))


@lru_cache(maxsize=2048)
def _block_code(plan: _Plan) -> CodeType:
    source = block_source(plan)
    where = f"<harness.emu block ${plan.bank | plan.instructions[0].pc:06X}>"
    return _nested_code(compile(source, where, "exec"))


_GLOBALS = {"__builtins__": builtins}


class BlockCompiler:
    """Compiles blocks for one CPU core (the `maker` of `configure` in the generated core).

    `cells` is the core's `cells` function: its closure holds the register cells a block binds to.
    Called as `(address, variant index, timing selector)`; returns the block function, or False when
    no block can start there (an excluded or unreadable first instruction, a bound reached)."""

    def __init__(
        self, kind: MemoryKind, bus: Any, cells: Callable[[], tuple], promote_at: int = 1 << 62
    ) -> None:
        self.kind = kind
        self.bus = bus
        closure = cells.__closure__ or ()
        self.cells = dict(zip(cells.__code__.co_freevars, closure, strict=True))
        self.promote_at = promote_at
        self.compiles: dict[int, int] = {}
        self.total = 0
        self.directs: dict[tuple[int, int], Callable[..., int] | bool] = {}  # (opcode, variant) -> handler
        self.threads = 0

    def reset(self) -> None:
        self.compiles.clear()
        self.total = 0
        self.directs.clear()
        self.threads = 0

    def __call__(self, address: int, variant: int, selector: int) -> Callable[..., int] | bool:
        if selector < 0 or self.total >= MAX_BLOCKS:
            return False
        done = self.compiles.get(address, 0)
        if done >= MAX_COMPILES_PER_ADDRESS:
            return False
        plan = self.plan(address, variant)
        if plan is None:
            return False
        self.compiles[address] = done + 1
        self.total += 1
        code = _block_code(plan)
        closure = tuple(self.cells[name] for name in code.co_freevars)
        return FunctionType(code, _GLOBALS, "block", None, closure)

    def direct(self, opcode: int, variant: int) -> Callable[..., int] | bool:
        """The direct handler of `opcode` in a width variant, bound to this core (False: none)."""
        key = (opcode, variant)
        handler = self.directs.get(key)
        if handler is None:
            code = _direct_code(self.bus.page_bits, opcode, variant)
            handler = (
                False
                if code is None
                else FunctionType(
                    code, _GLOBALS, "handler", None, tuple(self.cells[n] for n in code.co_freevars)
                )
            )
            self.directs[key] = handler
        return handler

    def thread(self, address: int, variant: int, selector: int) -> Callable[..., int] | bool:
        """A thread of direct handlers for the code at `address` (False: no instruction can start one).

        Built on the second arrival (no compile: about 1.5 us per instruction), it runs the same
        instructions a block would, at about half a block's speed and twice the per-cycle path's
        (about 100 bytecodes per instruction against 47 and 200); after `promote_at` runs it asks
        for the compiled block."""
        if selector < 0 or self.threads >= MAX_THREADS or self.kind is not MemoryKind.PAGED:
            return False
        plan = self.plan(address, variant)
        if plan is None:
            return False
        steps = []
        low = -1
        worst = 0
        index = plan.index
        for number, inst in enumerate(plan.instructions):
            handler = self.direct(inst.opcode, variant)
            steps.append((handler, index, inst.clocks[0] if inst.clocks else 0, low))
            low = ((number + 1) << 8) | inst.opcode
            index += 1 + len(inst.operands)
            if number < len(plan.instructions) - 1:
                worst += _worst_cycles(inst.opcode, variant)
        first = plan.bank | plan.instructions[0].pc
        last = plan.bank | plan.instructions[-1].pc
        if len(steps) == 1:
            first = last = -1  # the loop already checked the stop address at the only instruction
        self.threads += 1
        return _make_thread(
            tuple(steps), low, worst, first, last, self.bus.mem, plan.index, plan.code, self.promote_at
        )

    def plan(self, address: int, variant: int) -> _Plan | None:
        """Decode the instructions a block at `address` would hold (None: not even one). Cheap: threads
        are planned while the code runs. Memory is looked up again only where the code crosses a page."""
        lengths, stops = _decode_tables(variant)
        paged = self.kind is MemoryKind.PAGED
        bus = self.bus
        mem = bus.mem if paged else bus.ram
        clocks = bus.fast_tables[2] if paged else None
        bits = bus.page_bits if paged else 24
        bank, pc = address & 0xFF0000, address & 0xFFFF
        start = self._index(bank | pc)
        if start is None:
            return None
        instructions: list[_Instruction] = []
        index = start
        page = pc >> bits
        while len(instructions) < MAX_INSTRUCTIONS:
            if pc >> bits != page and self._index(bank | pc) != index:
                break  # the next page is not the continuation of this one in memory
            opcode = mem[index]
            length = lengths[opcode]
            end = pc + length - 1
            if not length or end >= 0xFFFF:
                break
            if end >> bits != pc >> bits and self._index(bank | end) != index + length - 1:
                break
            fetch_clocks = ()
            if clocks is not None:
                first, last = clocks[(bank | pc) >> bits], clocks[(bank | end) >> bits]
                if first != last:  # direct handlers time every fetch of an instruction alike
                    break
                fetch_clocks = (first,) * length
            instructions.append(
                _Instruction(pc, opcode, bytes(mem[index + 1 : index + length]), fetch_clocks)
            )
            page = end >> bits
            index += length
            pc += length
            if stops[opcode]:
                break
        if not instructions:
            return None
        return _Plan(
            self.kind,
            variant,
            bank,
            tuple(instructions),
            bytes(mem[start:index]),
            start,
            bits if paged else 0,
        )

    def _index(self, address: int) -> int | None:
        if self.kind is MemoryKind.PAGED:
            return self.bus.code_index(address)
        return address
