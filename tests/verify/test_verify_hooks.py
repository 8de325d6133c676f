"""Hook tasks: the answer patches a base image (`org` into it, new code in freespace) and the harness
runs the base's hooked code path."""

from __future__ import annotations

from harness.verify import FailReason, check_equivalence

BASE = """Main:
    LDA $12
    JSR Step
    STA $11
    RTS
Step:
    CLC
    ADC #$01
    NOP
    NOP
    RTS
"""
# The hook: at Step, call new code that adds 3 instead of 1 and clamps at $F0.
REFERENCE = """org Step
    JSL NewStep
    RTS
org $018000
NewStep:
    CLC
    ADC #$03
    CMP #$F0
    BCC +
    LDA #$F0
+   RTL
"""
TASK = {
    "id": "hook",
    "family": "gen",
    "entry": "Main",
    "call": "jsr",
    "base": BASE,
    "origin": "$018000",
    "reference": REFERENCE,
    "spec": {
        "mode": {"m": 1, "x": 1},
        "inputs": {"$7E0012": {"range": [0, 255], "boundaries": [0xEC, 0xED, 0xEE]}},
        "outputs": ["$7E0011"],
        "preserve": ["X", "Y"],
        "writable": ["$7E0000..$7E000F"],
        "cases": 24,
        "seed": 4,
    },
}


def test_the_reference_patch_passes_and_so_does_another_placement():
    assert check_equivalence(TASK, REFERENCE).passes
    assert check_equivalence(TASK, REFERENCE.replace("org $018000", "org $028000")).passes


def test_new_code_without_an_org_of_its_own_goes_to_the_tasks_origin():
    from harness.verify import assemble_program

    patch = "org Step\n    JSL NewStep\n    RTS\n"
    routine = "NewStep:\n    CLC\n    ADC #$03\n    CMP #$F0\n    BCC +\n    LDA #$F0\n+   RTL\n"
    program = assemble_program(routine + patch, "Main", BASE, 0x018000)
    assert program.result.symbols["NewStep"] == 0x018000
    assert check_equivalence(TASK, routine + patch).passes


def test_a_patch_that_forgets_the_clamp_or_breaks_the_base_fails():
    no_clamp = REFERENCE.replace("    CMP #$F0\n    BCC +\n    LDA #$F0\n", "")
    assert check_equivalence(TASK, no_clamp).reason is FailReason.MISMATCH
    wrong_bank_return = REFERENCE.replace("+   RTL", "+   RTS")
    assert not check_equivalence(TASK, wrong_bank_return).passes
