"""The opcode table drives both the CPU and the disassembler: check its shape and round trips."""

from __future__ import annotations

import pytest

from harness.emu import alu, disassemble
from harness.emu.gilyon import assemble_one
from harness.emu.opcodes import OPCODES, Kind, Mode, operand_length

_NOT_REASSEMBLABLE = {Mode.REL8, Mode.REL16, Mode.BLOCK}


def test_table_has_256_distinct_rows() -> None:
    assert [op.code for op in OPCODES] == list(range(256))
    pairs = {(op.mnemonic, op.mode) for op in OPCODES}
    assert len(pairs) == 256
    assert sum(op.kind is Kind.READ for op in OPCODES) > 80


@pytest.mark.parametrize(
    "op",
    [op for op in OPCODES if op.mode not in _NOT_REASSEMBLABLE and op.mnemonic != "WDM"],
    ids=lambda op: f"{op.code:02x}",
)
@pytest.mark.parametrize("width", [0, 1])
def test_disassembly_reassembles_to_the_same_bytes(op, width: int) -> None:
    code = bytes([op.code]) + bytes(range(0x81, 0x81 + operand_length(op, m=width, x=width)))
    ((address, got, text),) = disassemble(code, 0x8000, m=width, x=width)
    assert got == code
    assert assemble_one(text, m=width, x=width) == code


def test_branch_targets_are_absolute() -> None:
    # BNE -3 at $8002 -> $8001; BRL +$1000 at $8000 -> $9003
    assert disassemble(bytes.fromhex("d0fd"), 0x8002)[0][2] == "bne $8001"
    assert disassemble(bytes.fromhex("820010"), 0x8000)[0][2] == "brl $9003"
    assert disassemble(bytes.fromhex("54 7f 7e".replace(" ", "")), 0x8000)[0][2] == "mvn $7e,$7f"


def test_truncated_instruction_is_shown_as_data() -> None:
    assert disassemble(b"\xad\x00", 0x8000)[-1][2] == "db $ad,$00"


@pytest.mark.parametrize(
    ("a", "b", "c", "want"),
    [
        (0x99, 0x01, 0, (0x00, 1)),  # 99 + 1 = 100
        (0x0F, 0x01, 0, (0x16, 0)),  # invalid BCD digit: the nibble correction still applies
        (0x45, 0x55, 1, (0x01, 1)),
    ],
)
def test_adc8_decimal_examples(a: int, b: int, c: int, want: tuple[int, int]) -> None:
    result, carry, _ = alu.adc8(a, b, c, 1)
    assert (result, carry) == want
