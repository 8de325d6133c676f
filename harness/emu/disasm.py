"""Disassembler in ASAR syntax, driven by the same opcode table as the CPU.

Operand widths follow m / x; REP/SEP in the listed code update them for what follows (native mode),
the way a reader would track them. Branch targets are shown as absolute addresses.
"""

from __future__ import annotations

from harness.emu.opcodes import OPCODES, Mode, Opcode, operand_length

__all__ = ["disassemble", "format_instruction"]

_TEMPLATES = {
    Mode.IMP: "",
    Mode.ACC: "a",
    Mode.ABS: "${v:04x}",
    Mode.ABS_X: "${v:04x},x",
    Mode.ABS_Y: "${v:04x},y",
    Mode.LONG: "${v:06x}",
    Mode.LONG_X: "${v:06x},x",
    Mode.DP: "${v:02x}",
    Mode.DP_X: "${v:02x},x",
    Mode.DP_Y: "${v:02x},y",
    Mode.DP_IND: "(${v:02x})",
    Mode.DP_IND_LONG: "[${v:02x}]",
    Mode.DP_X_IND: "(${v:02x},x)",
    Mode.DP_IND_Y: "(${v:02x}),y",
    Mode.DP_IND_LONG_Y: "[${v:02x}],y",
    Mode.SR: "${v:02x},s",
    Mode.SR_IND_Y: "(${v:02x},s),y",
    Mode.ABS_IND: "(${v:04x})",
    Mode.ABS_X_IND: "(${v:04x},x)",
    Mode.ABS_IND_LONG: "[${v:04x}]",
    Mode.IMM8: "#${v:02x}",
}


def format_instruction(op: Opcode, operand: bytes, address: int) -> str:
    """Text of one instruction; `address` is the 24-bit address of its opcode (for branch targets)."""
    value = int.from_bytes(operand, "little") if operand else 0
    mode = op.mode
    name = op.mnemonic.lower()
    if mode in (Mode.IMM_M, Mode.IMM_X):
        text = f"#${value:0{2 * len(operand)}x}"
    elif mode is Mode.REL8:
        offset = value - 0x100 if value & 0x80 else value
        text = f"${(address + 2 + offset) & 0xFFFF:04x}"
    elif mode is Mode.REL16:
        offset = value - 0x10000 if value & 0x8000 else value
        text = f"${(address + 3 + offset) & 0xFFFF:04x}"
    elif mode is Mode.BLOCK:  # machine order is dst, src; ASAR writes src,dst
        text = f"${operand[1]:02x},${operand[0]:02x}"
    else:
        text = _TEMPLATES[mode].format(v=value)
    return f"{name} {text}".rstrip()


def disassemble(
    code: bytes, address: int, *, m: int = 1, x: int = 1, e: int = 0
) -> list[tuple[int, bytes, str]]:
    """List of (address, instruction bytes, text); a truncated last instruction is shown as `db`."""
    out: list[tuple[int, bytes, str]] = []
    pos = 0
    if e:
        m = x = 1
    while pos < len(code):
        op = OPCODES[code[pos]]
        length = 1 + operand_length(op, m=m, x=x)
        here = (address & 0xFF0000) | ((address + pos) & 0xFFFF)
        chunk = bytes(code[pos : pos + length])
        if len(chunk) < length:
            out.append((here, chunk, "db " + ",".join(f"${b:02x}" for b in chunk)))
            break
        out.append((here, chunk, format_instruction(op, chunk[1:], here)))
        if op.mnemonic in ("REP", "SEP") and not e:
            bits = chunk[1]
            if op.mnemonic == "REP":
                m = 0 if bits & 0x20 else m
                x = 0 if bits & 0x10 else x
            else:
                m = 1 if bits & 0x20 else m
                x = 1 if bits & 0x10 else x
        pos += length
    return out
