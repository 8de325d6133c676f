"""Property tests for what the vectors never exercise: 16-bit ADC/SBC reaching zero, the hardware
multiplier/divider against Python arithmetic, LoROM/HiROM address translation round trips."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.emu import CpuState, Machine
from harness.emu.cpu import Cpu
from harness.emu.snes import Mapper, rom_offset, snes_address

words = st.integers(0, 0xFFFF)


def _bcd(n: int) -> int:
    return int(str(n), 16)


class _Bank0Bus:
    """64 KiB of RAM (bank 0 only): enough for one immediate instruction, cheap per example."""

    def __init__(self, code: bytes) -> None:
        self.ram = bytearray(0x10000)
        self.ram[0x8000 : 0x8000 + len(code)] = code
        self.read = self.ram.__getitem__
        self.write = self.ram.__setitem__
        self.idle = bool


def _run_immediate(opcode: int, a: int, operand: int, p: int) -> CpuState:
    """Run `ADC/SBC #operand` (16-bit) once from native mode with the given P."""
    cpu = Cpu(_Bank0Bus(bytes([opcode, operand & 0xFF, operand >> 8])))
    cpu.state = CpuState(a=a, p=p, pc=0x8000, e=0)
    cpu.step()
    return cpu.state


@settings(deadline=None)
@given(a=words, carry=st.integers(0, 1))
def test_adc16_binary_zero_result_sets_z(a: int, carry: int) -> None:
    # ADC #(-a - c): always wraps to zero; carry out unless a + c == 0
    operand = (0x10000 - a - carry) & 0xFFFF
    st_ = _run_immediate(0x69, a, operand, 0x00 | carry)
    assert st_.a == 0
    assert st_.flag("Z") == 1 and st_.flag("N") == 0
    assert st_.flag("C") == (1 if a + operand + carry > 0xFFFF else 0)


@settings(deadline=None)
@given(a=st.integers(0, 9999), carry=st.integers(0, 1))
def test_adc16_decimal_zero_result_sets_z(a: int, carry: int) -> None:
    operand = (10000 - a - carry) % 10000
    st_ = _run_immediate(0x69, _bcd(a), _bcd(operand), 0x08 | carry)
    assert st_.a == 0
    assert st_.flag("Z") == 1
    assert st_.flag("C") == (1 if a + operand + carry >= 10000 else 0)


@settings(deadline=None)
@given(a=words, carry=st.integers(0, 1))
def test_sbc16_binary_zero_result_sets_z(a: int, carry: int) -> None:
    operand = (a - (1 - carry)) & 0xFFFF
    st_ = _run_immediate(0xE9, a, operand, 0x00 | carry)
    assert st_.a == 0
    assert st_.flag("Z") == 1
    assert st_.flag("C") == (1 if a - operand - (1 - carry) >= 0 else 0)


@settings(deadline=None)
@given(a=st.integers(0, 9999), carry=st.integers(0, 1))
def test_sbc16_decimal_zero_result_sets_z(a: int, carry: int) -> None:
    operand = (a - (1 - carry)) % 10000
    st_ = _run_immediate(0xE9, _bcd(a), _bcd(operand), 0x08 | carry)
    assert st_.a == 0
    assert st_.flag("Z") == 1
    assert st_.flag("C") == (1 if a - operand - (1 - carry) >= 0 else 0)


@settings(deadline=None)
@given(a=words, b=words, carry=st.integers(0, 1))
def test_adc16_binary_matches_python(a: int, b: int, carry: int) -> None:
    st_ = _run_immediate(0x69, a, b, carry)
    total = a + b + carry
    assert st_.a == total & 0xFFFF
    assert st_.flag("C") == (total > 0xFFFF)
    assert st_.flag("Z") == (total & 0xFFFF == 0)
    signed = (a ^ 0x8000) - 0x8000 + (b ^ 0x8000) - 0x8000 + carry
    assert st_.flag("V") == (not -0x8000 <= signed <= 0x7FFF)


def _alu_rom(code: bytes) -> Machine:
    rom = bytearray(0x8000)
    rom[: len(code)] = code
    return Machine.from_rom(bytes(rom))


# SEP #$20; LDA $10; STA $4202; LDA $11; STA $4203; NOP x4; REP #$20; LDA $4216; STA $12; SEP #$20; RTS
_MUL = bytes.fromhex("e220a5108d0242a5118d0342eaeaeaeac220ad16428512e22060")
# REP #$20; LDA $10; STA $4204; SEP #$20; LDA $12; STA $4206; NOP x8; REP #$20; LDA $4214; STA $14;
# LDA $4216; STA $16; SEP #$20; RTS
_DIV = bytes.fromhex("c220a5108d0442e220a5128d0642eaeaeaeaeaeaeaeac220ad14428514ad16428516e22060")


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 255), b=st.integers(0, 255))
def test_hardware_multiply_matches_python(a: int, b: int) -> None:
    machine = _alu_rom(_MUL)
    result = machine.run(0x008000, CpuState(), memory={0x7E0010: a, 0x7E0011: b})
    assert result.stop.name == "RETURNED"
    assert machine.peek(0x7E0012) | machine.peek(0x7E0013) << 8 == a * b


@settings(max_examples=60, deadline=None)
@given(dividend=words, divisor=st.integers(0, 255))
def test_hardware_divide_matches_python(dividend: int, divisor: int) -> None:
    machine = _alu_rom(_DIV)
    memory = {0x7E0010: dividend & 0xFF, 0x7E0011: dividend >> 8, 0x7E0012: divisor}
    result = machine.run(0x008000, CpuState(), memory=memory)
    assert result.stop.name == "RETURNED"
    quotient = machine.peek(0x7E0014) | machine.peek(0x7E0015) << 8
    remainder = machine.peek(0x7E0016) | machine.peek(0x7E0017) << 8
    if divisor == 0:  # hardware: quotient $FFFF, remainder = dividend
        assert (quotient, remainder) == (0xFFFF, dividend)
    else:
        assert (quotient, remainder) == divmod(dividend, divisor)


@settings(deadline=None)
@given(offset=st.integers(0, 0x3FFFFF))
def test_lorom_offset_round_trip(offset: int) -> None:
    address = snes_address(offset, Mapper.LOROM)
    assert rom_offset(address, Mapper.LOROM) == offset
    # the slow-ROM mirror in banks $00-$7D maps to the same byte
    mirror = address & 0x7FFFFF
    if mirror >> 16 < 0x7E:
        assert rom_offset(mirror, Mapper.LOROM) == offset


@settings(deadline=None)
@given(offset=st.integers(0, 0x3FFFFF))
def test_hirom_offset_round_trip(offset: int) -> None:
    address = snes_address(offset, Mapper.HIROM)
    assert rom_offset(address, Mapper.HIROM) == offset
    if offset & 0x8000:  # upper halves are also visible in banks $00-$3F/$80-$BF
        assert rom_offset(((offset >> 16) << 16) | (offset & 0xFFFF), Mapper.HIROM) == offset


@settings(deadline=None)
@given(address=st.integers(0, 0xFFFFFF))
def test_rom_addresses_round_trip_to_a_canonical_mirror(address: int) -> None:
    for mapper in Mapper:
        offset = rom_offset(address, mapper)
        if offset is not None:
            assert rom_offset(snes_address(offset, mapper), mapper) == offset
