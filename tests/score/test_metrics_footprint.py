"""The footprint explanations are checked against: measured by running the reference, never typed."""

from __future__ import annotations

import pytest

from harness.errors import TaskDataError
from harness.score.footprint import Area, area_of, measure_footprint, numbers_in, regions_of

pytestmark = pytest.mark.usefixtures("asar")  # skip, naming the fix, without ASAR


def _task(reference: str, inputs: dict, outputs: list[str], m: int = 1, seed: int = 3) -> dict:
    return {
        "id": "fp",
        "reference": reference,
        "entry": "Main",
        "call": "jsr",
        "prompt": reference,
        "spec": {
            "mode": {"e": 0, "m": m, "x": 1, "D": "$0000", "DBR": "$00"},
            "inputs": inputs,
            "outputs": outputs,
            "preserve": ["D", "DBR", "S"],
            "writable": ["$7E0000..$7E000F"],
            "cases": 32,
            "seed": seed,
        },
    }


def test_reads_writes_and_the_registers_that_matter() -> None:
    task = _task(
        "Main:\n    LDA $0E50,X\n    CLC\n    ADC #$03\n    STA $0300\n    RTS\n",
        {"X": {"values": [0, 1, 2, 3]}, "$7E0E50..$7E0E53": [0, 255]},
        ["$7E0300"],
    )
    footprint = measure_footprint(task)
    assert [r.text for r in footprint.input_reads] == ["$7E0E50..$7E0E53"]
    assert [r.text for r in footprint.output_writes] == ["$7E0300"]
    # X picks the byte; A is loaded before use and the carry is cleared first: neither is read
    assert footprint.registers_read == {"X"}
    assert footprint.registers_returned == frozenset()
    assert "A" in footprint.registers_changed and "X" not in footprint.registers_changed


def test_the_stack_and_cells_written_before_they_are_read_are_not_inputs() -> None:
    task = _task(
        "Main:\n    PHA\n    STZ $20\n    LDA $20\n    INC A\n    STA $21\n    PLA\n    RTS\n",
        {"A": [0, 65535]},
        ["$7E0021", "A"],
    )
    footprint = measure_footprint(task)
    assert footprint.input_reads == ()  # $20 is written first; PHA/PLA touch only the stack
    assert {r.text for r in footprint.output_writes} == {"$7E0020..$7E0021"}
    assert footprint.registers_returned == {"A"}
    assert footprint.registers_read == {"A"}  # PLA restores it: the output A depends on the entry A


def test_hardware_registers_are_their_own_area() -> None:
    task = _task(
        "Main:\n    STA $4202\n    LDA #$05\n    STA $4203\n    NOP\n    NOP\n    NOP\n    NOP\n"
        "    LDA $4216\n"
        "    STA $10\n    RTS\n",
        {"A.lo": [0, 255]},
        ["$7E0010"],
    )
    footprint = measure_footprint(task)
    assert [(r.text, r.area) for r in footprint.input_reads] == [("$004216", Area.IO)]
    assert [r.text for r in footprint.output_writes] == ["$004202..$004203", "$7E0010"]
    assert footprint.registers_read == {"A"}


def test_what_a_dma_moves_counts_as_the_routine_s_reads_and_writes() -> None:
    code = (
        "Main:\n    LDA #$80\n    STA $2115\n    STZ $2116\n    STZ $2117\n    LDA #$01\n    STA $4300\n"
        "    LDA #$18\n    STA $4301\n    STZ $4302\n    LDA #$10\n    STA $4303\n"
        "    LDA #$7E\n    STA $4304\n"
        "    LDA #$08\n    STA $4305\n    STZ $4306\n    LDA #$01\n    STA $420B\n    RTS\n"
    )
    footprint = measure_footprint(_task(code, {"$7E1000..$7E1007": [0, 255]}, ["A"]))
    assert "$7E1000..$7E1007" in [r.text for r in footprint.input_reads]  # the DMA's source
    assert {0x002118, 0x002119} <= footprint.writes  # the VRAM data port, written by the DMA
    assert 0x00420B in footprint.writes


def test_supported_numbers_include_code_addresses_sizes_and_neighbours() -> None:
    task = _task(
        "Main:\n    LDX #$0F\n-   STZ $0F50,X\n    DEX\n    BPL -\n    RTS\n", {}, ["$7E0F50..$7E0F5F"]
    )
    numbers = measure_footprint(task).numbers
    assert {0x0F50, 0x7E0F5F, 0x0F5F, 0x10, 0x0F} <= numbers  # start, end, size, count minus one
    assert 0x0E20 not in numbers and 0x20 not in numbers


def test_a_reference_that_does_not_return_is_a_task_error() -> None:
    with pytest.raises(TaskDataError, match="does not return"):
        measure_footprint(_task("Main:\n    BRK #$00\n", {}, ["A"]))
    with pytest.raises(TaskDataError, match="does not assemble"):
        measure_footprint(_task("Main:\n    LDQ #$00\n", {}, ["A"]))


def test_areas_regions_and_number_spellings() -> None:
    assert area_of(0x7E0E50) is Area.RAM and area_of(0x004216) is Area.IO and area_of(0x008000) is Area.ROM
    assert [r.text for r in regions_of([0x7E0001, 0x7E0000, 0x7E0003, 0x004202])] == [
        "$004202",
        "$7E0000..$7E0001",
        "$7E0003",
    ]
    assert numbers_in("LDA $0E50,X ; 0x7F, $7E:0E50 and 32 bytes, #$04") == {
        0x0E50,
        0x7F,
        0x7E0E50,
        0x7E,
        32,
        4,
    }
