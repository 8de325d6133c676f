"""PPU memories as observables: `vram:`, `cgram:`, `oam:` locations in specs, filled by DMA or by CPU
writes alike (the order of data-port writes is not observable; the contents are)."""

from __future__ import annotations

import pytest

from harness.errors import SpecError
from harness.verify import FailReason, check_equivalence, parse_location, parse_spec

# Upload 16 bytes from $7E1000 to VRAM word $0800 (byte $1000) by DMA channel 0.
DMA_UPLOAD = """Upload:
    REP #$20
    LDA #$0800
    STA $002116
    LDA #$1801
    STA $004300
    LDA #$1000
    STA $004302
    LDA #$0010
    STA $004305
    SEP #$20
    LDA #$7E
    STA $004304
    LDA #$80
    STA $002115
    LDA #$01
    STA $00420B
    RTS
"""
# The same bytes through the VRAM data port, one word at a time, high byte first then low.
CPU_UPLOAD = """Upload:
    LDA #$80
    STA $002115
    REP #$30
    LDA #$0800
    STA $002116
    LDX #$0000
.loop:
    LDA $7E1000,X
    STA $002118
    INX
    INX
    CPX #$0010
    BNE .loop
    SEP #$30
    RTS
"""
TASK = {
    "id": "upload",
    "family": "gen",
    "entry": "Upload",
    "call": "jsr",
    "reference": DMA_UPLOAD,
    "spec": {
        "mode": {"m": 1, "x": 1, "DBR": "$00"},
        "inputs": {"$7E1000..$7E100F": [0, 255]},
        "outputs": ["vram:$1000..$100F"],
        "preserve": ["Y"],
        # the routine may leave the VRAM address, VMAIN and DMA channel 0 as it likes, and clobber X
        "writable": ["$7E0000..$7E000F", "$002115..$002117", "$004300..$00430B"],
        "cases": 12,
        "seed": 3,
    },
}


def test_space_locations_parse_and_reject_out_of_range():
    assert [loc.text for loc in parse_location("cgram:$1E..$1F")] == ["cgram:$001E", "cgram:$001F"]
    assert parse_location("oam:$021F")[0].text == "oam:$021F"
    with pytest.raises(SpecError, match="oam"):
        parse_location("oam:$0220")
    with pytest.raises(SpecError, match="past the end"):
        parse_location("cgram:$1FF:w")
    parse_spec(TASK["spec"])


def test_a_cpu_loop_uploads_what_the_dma_uploads():
    verdict = check_equivalence(TASK, CPU_UPLOAD)
    assert verdict.passes, verdict.detail


def test_a_wrong_upload_and_a_stray_vram_write_fail():
    wrong = check_equivalence(TASK, CPU_UPLOAD.replace("LDA $7E1000,X", "LDA $7E1001,X"))
    assert wrong.reason is FailReason.MISMATCH and "vram:" in wrong.detail
    stray = check_equivalence(TASK, CPU_UPLOAD.replace("CPX #$0010", "CPX #$0012"))
    assert stray.reason is FailReason.STRAY_WRITE and "vram:$1010" in stray.detail


# -- hardware state at entry is what an earlier routine left, not power-on ------------------------

# Writes one VRAM word at $1000 high byte first. The reference sets VMAIN (increment after the low
# byte); the draft relies on VMAIN being 0, as it is at power-on and nowhere else in a running game.
_WORD_TASK = {
    "id": "word",
    "family": "gen",
    "entry": "Put",
    "call": "jsr",
    "reference": "Put:\n  STZ $2115\n  LDX #$00\n  STX $2116\n  LDX #$10\n  STX $2117\n"
    "  LDA $10\n  STA $2119\n  LDA $11\n  STA $2118\n  RTS\n",
    "spec": {
        "mode": {"m": 1, "x": 1, "DBR": "$00"},
        "inputs": {"$7E0010:w": [0, 0xFFFF]},
        "outputs": ["vram:$2000:w"],
        "writable": ["$7E0000..$7E000F", "$002115..$002117"],
        "cases": 16,
        "seed": 5,
    },
}
_RELIES_ON_POWER_ON = _WORD_TASK["reference"].replace("  STZ $2115\n", "")


def test_a_routine_that_relies_on_power_on_port_state_fails():
    assert check_equivalence(_WORD_TASK, _WORD_TASK["reference"]).passes
    verdict = check_equivalence(_WORD_TASK, _RELIES_ON_POWER_ON)
    assert not verdict.passes
    assert verdict.reason in (FailReason.MISMATCH, FailReason.STRAY_WRITE), verdict.detail
    assert "ports" in verdict.counterexample["state"]


def test_a_dma_larger_than_ten_times_the_cycles_fits_the_budget():
    big = {
        **TASK,
        "id": "big",
        "reference": DMA_UPLOAD.replace("LDA #$0010\n    STA $004305", "LDA #$2000\n    STA $004305"),
    }
    big["spec"] = {**TASK["spec"], "outputs": ["vram:$1000..$2FFF"], "cases": 3}
    verdict = check_equivalence(big, big["reference"])
    assert verdict.passes, verdict.detail


def test_an_input_that_sets_bit_7_of_a_cgram_high_byte_is_rejected():
    spec = {**TASK["spec"], "inputs": {"cgram:$01": [0, 255]}}
    with pytest.raises(SpecError, match="15 bits"):
        parse_spec(spec)
    parse_spec({**TASK["spec"], "inputs": {"cgram:$00:w": [0, 0x7FFF]}})
