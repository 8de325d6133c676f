"""Runs gilyon/snes-tests' hardware-verified CPU cases (`tests-full.txt`) on the SNES bus.

Each case gives input registers and memory, one instruction, and the register/memory values a real
SNES produced. We rebuild the test ROM's environment (make_cpu_tests.py, MIT): LoROM; S=$01EF,
D=0, DBR=0 unless given; STP opcodes at the BRK/COP handlers $1000/$1004/$1008/$100C (vectors in
the ROM point there); the ROM's test data at $00:FFA0 (.word $1212, $8000; .faraddr $7E8000).
The instruction is assembled by a small table-driven assembler into ROM at $00:8000, followed by STP
bytes; a case passes when execution reaches the point the original test jumps to on success (the end
of the instruction, or for the 59 "additional" cases the address where the test planted `jml @ok`)
and registers and memory match. The few cases whose text hides the real code (branches, jumps, calls
through RAM) are listed in `_SPECIAL` with what the generator really emits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.emu.cpu import Cpu
from harness.emu.opcodes import Mode, opcode_for
from harness.emu.snes import Mapper, SnesBus
from harness.emu.state import CpuState
from harness.errors import HarnessError

__all__ = ["GilyonCase", "GilyonResult", "parse_cases", "run_case", "run_file", "assemble_one"]

_CODE_BASE = 0x008000
_STP = 0xDB


@dataclass(frozen=True)
class GilyonCase:
    number: int
    instruction: str
    inputs: dict[str, int]
    memory_in: tuple[tuple[int, int], ...]
    expected: dict[str, int]
    memory_out: tuple[tuple[int, int], ...]
    additional: bool


@dataclass
class GilyonResult:
    passed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


_TOKEN = re.compile(r"(\w+)=\$?([0-9a-fA-F]+)|\(\$([0-9a-fA-F]+)\)=\$([0-9a-fA-F]+)")


def _parse_values(text: str) -> tuple[dict[str, int], tuple[tuple[int, int], ...]]:
    regs: dict[str, int] = {}
    mem: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        if match.group(1):
            regs[match.group(1).upper()] = int(match.group(2), 16)
        else:
            mem.append((int(match.group(3), 16), int(match.group(4), 16)))
    return regs, tuple(mem)


def parse_cases(path: Path) -> list[GilyonCase]:
    """Parse tests-full.txt / tests-basic.txt; raises HarnessError on a malformed file."""
    if not path.is_file():
        raise HarnessError(f"gilyon test file {path} does not exist")
    lines = path.read_text(encoding="utf-8").splitlines()
    cases: list[GilyonCase] = []
    i = 0
    while i < len(lines):
        head = re.match(r"Test ([0-9a-f]{4}): (.*)$", lines[i])
        if not head:
            i += 1
            continue
        try:
            inp = lines[i + 1].split("Input:", 1)[1]
            out = lines[i + 2].split("Expected output:", 1)[1]
        except IndexError:
            raise HarnessError(f"{path}:{i + 1}: test {head.group(1)} lacks Input/Expected lines") from None
        additional = i + 3 < len(lines) and "Additional initialization" in lines[i + 3]
        regs_in, mem_in = _parse_values(inp)
        regs_out, mem_out = _parse_values(out)
        cases.append(
            GilyonCase(
                int(head.group(1), 16),
                head.group(2).split(";")[0].strip(),
                regs_in,
                mem_in,
                regs_out,
                mem_out,
                additional,
            )
        )
        i += 3
    if not cases:
        raise HarnessError(f"{path}: no 'Test NNNN:' cases found")
    return cases


# --- a small assembler for the instruction syntax used in the cases -------------------------------

_OPERAND_MODES: tuple[tuple[str, Mode], ...] = (
    (r"\(\$(\w{2}),s\),y", Mode.SR_IND_Y),
    (r"\(\$(\w{2}),x\)", Mode.DP_X_IND),
    (r"\(\$(\w{2})\),y", Mode.DP_IND_Y),
    (r"\[\$(\w{2})\],y", Mode.DP_IND_LONG_Y),
    (r"\(\$(\w{2})\)", Mode.DP_IND),
    (r"\[\$(\w{2})\]", Mode.DP_IND_LONG),
    (r"\$(\w{2}),s", Mode.SR),
    (r"\$(\w{2}),x", Mode.DP_X),
    (r"\$(\w{2}),y", Mode.DP_Y),
    (r"\$(\w{2})", Mode.DP),
    (r"\(\$(\w{4}),x\)", Mode.ABS_X_IND),
    (r"\(\$(\w{4})\)", Mode.ABS_IND),
    (r"\[\$(\w{4})\]", Mode.ABS_IND_LONG),
    (r"\$(\w{4}),x", Mode.ABS_X),
    (r"\$(\w{4}),y", Mode.ABS_Y),
    (r"\$(\w{4})", Mode.ABS),
    (r"\$(\w{6}),x", Mode.LONG_X),
    (r"\$(\w{6})", Mode.LONG),
)


def assemble_one(text: str, *, m: int, x: int) -> bytes:
    """Assemble one instruction of the cases' syntax (ca65-like) using the opcode table."""
    parts = text.strip().lower().split(None, 1)
    mnemonic, operand = parts[0], (parts[1].replace(" ", "") if len(parts) > 1 else "")
    if mnemonic in ("mvn", "mvp"):
        src, dst = re.fullmatch(r"#\$(\w{2}),#\$(\w{2})", operand).groups()  # type: ignore[union-attr]
        return bytes([opcode_for(mnemonic, Mode.BLOCK).code, int(dst, 16), int(src, 16)])
    if mnemonic == "wdm":
        return bytes([0x42, int(operand.lstrip("$"), 16)])
    if not operand:
        return bytes([opcode_for(mnemonic, Mode.IMP).code])
    if operand == "a":
        return bytes([opcode_for(mnemonic, Mode.ACC).code])
    if operand.startswith("#$"):
        value = int(operand[2:], 16)
        for mode, width in ((Mode.IMM_M, 1 if m else 2), (Mode.IMM_X, 1 if x else 2), (Mode.IMM8, 1)):
            try:
                op = opcode_for(mnemonic, mode)
            except KeyError:
                continue
            return bytes([op.code]) + value.to_bytes(width, "little")
        raise HarnessError(f"no immediate form for {text!r}")
    for pattern, mode in _OPERAND_MODES:
        match = re.fullmatch(pattern, operand)
        if match:
            value = int(match.group(1), 16)
            op = opcode_for(mnemonic, mode)
            return bytes([op.code]) + value.to_bytes(len(match.group(1)) // 2, "little")
    raise HarnessError(f"cannot assemble {text!r}")


# What the generator really emits for the "additional" cases whose text names the instruction under
# test but not the code run: instruction text (lowercase) -> (code, address of the planted `jml @ok`).
_BRANCH_OPS = {
    "bra": 0x80,
    "bcc": 0x90,
    "bcs": 0xB0,
    "bne": 0xD0,
    "beq": 0xF0,
    "bpl": 0x10,
    "bmi": 0x30,
    "bvc": 0x50,
    "bvs": 0x70,
}
_VIA_7E7000 = ("jml $7e7000", 0x7E8000)
_SPECIAL: dict[str, tuple[str | bytes, int | None]] = {
    "nop": ("jml $7effff", 0x7E0000),
    "brl +$7fff": ("jml $7ef000", 0x7E7002),
    "jmp $8000": _VIA_7E7000,
    "jmp ($ffa2)": _VIA_7E7000,
    "jmp ($f000,x)": _VIA_7E7000,
    "jmp ($ffff,x)": _VIA_7E7000,
    "jsr $8000": _VIA_7E7000,
    "jsr ($f000,x)": _VIA_7E7000,
    "jsr ($ffff,x)": _VIA_7E7000,
    "jml $7e8000": ("jml $7e8000", 0x7E8000),
    "jml [$ffa4]": ("jml [$ffa4]", 0x7E8000),
    "jsl $fe8000": ("jml $7f7000", 0x7E8000),
    "per -$8000": ("jml $7e7000", 0x7E7003),
    "per +$7fff": ("jml $7e7000", 0x7E7003),
    "phk": ("jml $7e8000", 0x7E8001),
    "rts": ("jml $7e8000", 0x7E0000),  # also the emulation-mode RTI case, which the generator names "rts"
    "rtl": ("rtl", 0x7E0000),
    "rti": ("rti", 0x7E0000),
}
_HANDLERS = {("brk", 0): 0x001000, ("cop #$db", 0): 0x001004, ("brk", 1): 0x001008, ("cop #$db", 1): 0x00100C}


def _special(case: GilyonCase) -> tuple[str | bytes, int | None]:
    text = case.instruction.lower()
    name, _, arg = text.partition(" ")
    if (text, case.inputs["E"]) in _HANDLERS:
        return "jml $7e8000", _HANDLERS[(text, case.inputs["E"])]
    if name in _BRANCH_OPS and arg == "@not_ok":  # not taken falls through; taken skips `bra @ok`
        return bytes([_BRANCH_OPS[name], 0x02]), None
    if name in _BRANCH_OPS and arg in ("+127", "-128"):
        return ("jml $7effc0", 0x7E0041) if arg == "+127" else ("jml $7f0040", 0x7FFFC2)
    if text == "tsc":  # then the case's own check: bne/bpl @not_ok; iny; @not_ok: ldx #$01ef; txs
        branch = "d0" if case.inputs.get("S", 0x1EF) == 0 else "10"
        return bytes.fromhex(f"3b{branch}01c8a2ef019a"), None
    if text in _SPECIAL:
        return _SPECIAL[text]
    raise HarnessError(f"gilyon case {case.number:04x} ({case.instruction}) has extra code this runner lacks")


def _code_for(case: GilyonCase, m: int, x: int) -> tuple[bytes, int]:
    """Machine code for the case and the 24-bit address that means success."""
    if not case.additional:
        code = assemble_one(case.instruction, m=m, x=x)
        return code, _CODE_BASE + len(code)
    code_or_text, ok = _special(case)
    code = code_or_text if isinstance(code_or_text, bytes) else assemble_one(code_or_text, m=m, x=x)
    return code, ok if ok is not None else _CODE_BASE + len(code)


def _rom() -> bytes:
    rom = bytearray([_STP]) * 0x8000
    rom[0x7FA0:0x7FA7] = bytes([0x12, 0x12, 0x00, 0x80, 0x00, 0x80, 0x7E])  # test_addr/target/target24
    vectors = {0x7FE4: 0x1004, 0x7FE6: 0x1000, 0x7FF4: 0x100C, 0x7FFE: 0x1008}
    for offset, target in vectors.items():
        rom[offset : offset + 2] = target.to_bytes(2, "little")
    return bytes(rom)


def run_case(case: GilyonCase, bus: SnesBus | None = None) -> str | None:
    """None if the case passes, else what differed."""
    rom = _rom()
    p = case.inputs["P"] | (0x30 if case.inputs["E"] else 0)
    m = (p >> 5) & 1
    x = (p >> 4) & 1
    code, ok_address = _code_for(case, m, x)
    image = bytearray(rom)
    image[: len(code)] = code
    bus = SnesBus(bytes(image), Mapper.LOROM)
    for handler in (0x1000, 0x1004, 0x1008, 0x100C):
        bus.poke(handler, _STP)
    for address, value in case.memory_in:
        bus.poke(address, value)
    cpu = Cpu(bus)
    cpu.state = CpuState(
        a=case.inputs["A"],
        x=case.inputs["X"],
        y=case.inputs["Y"],
        s=case.inputs.get("S", 0x01EF),
        d=case.inputs.get("D", 0),
        dbr=case.inputs.get("DBR", 0),
        pbr=_CODE_BASE >> 16,
        pc=_CODE_BASE & 0xFFFF,
        p=p,
        e=case.inputs["E"],
    )
    outcome = cpu.run(max_cycles=20_000, stop=ok_address)
    if outcome.reason != "RETURNED":
        return f"did not reach ${ok_address:06x} (stopped: {outcome.reason}, {cpu.state})"
    st = cpu.state
    got = {"A": st.a, "X": st.x, "Y": st.y, "P": st.p, "E": st.e, "S": st.s, "D": st.d, "DBR": st.dbr}
    diffs = [f"{k}={got[k]:#x} want {v:#x}" for k, v in case.expected.items() if got[k] != v]
    diffs += [f"(${a:06x})={bus.peek(a):#04x} want {v:#04x}" for a, v in case.memory_out if bus.peek(a) != v]
    return "; ".join(diffs) if diffs else None


def run_file(path: Path) -> GilyonResult:
    result = GilyonResult()
    for case, message in iter_results(path):
        if message is None:
            result.passed += 1
        else:
            result.failed += 1
            result.failures.append(f"test {case.number:04x} {case.instruction}: {message}")
    return result


def iter_results(path: Path) -> Iterator[tuple[GilyonCase, str | None]]:
    for case in parse_cases(path):
        yield case, run_case(case)
