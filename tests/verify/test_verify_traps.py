"""The known traps of DESIGN.md, caught with counterexamples (real ASAR, real emulator).

Routines live in fixtures/traps/*.asm (written from the user's seed text); tasks in
fixtures/traps/tasks.jsonl.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import ToolMismatchError, ToolMissingError
from harness.verify import FailReason, ReferenceBrokenError, check_equivalence, expected_state

TRAPS = Path(__file__).resolve().parents[2] / "fixtures" / "traps"


def _require_tools():
    try:
        from harness.asar import find_asar

        find_asar()
    except (ToolMissingError, ToolMismatchError) as error:
        pytest.skip(f"ASAR 1.91 not available: {error} (run `asm65816 asar install`)")
    try:
        from harness.emu import Machine  # noqa: F401
    except ImportError:
        pytest.skip("harness.emu.Machine is not available yet (the emulator core has not landed)")


@pytest.fixture(autouse=True)
def _tools():
    _require_tools()


def _task(task_id: str) -> dict:
    for line in (TRAPS / "tasks.jsonl").read_text().splitlines():
        task = json.loads(line)
        if task["id"] == task_id:
            return task
    raise KeyError(task_id)


def _asm(name: str) -> str:
    return (TRAPS / name).read_text()


def test_reference_is_equivalent_to_itself():
    verdict = check_equivalence(_task("trap-enemy-damage"), _asm("enemy_damage_original.asm"))
    assert verdict.passes and verdict.reason is FailReason.NONE
    assert verdict.cases_run == 64
    assert verdict.ref_cycles_mean == verdict.cand_cycles_mean > 0
    assert verdict.ref_bytes == verdict.cand_bytes == 15


def test_seed_optimized_enemy_damage_is_not_equivalent():
    # The seed drops SEC (LDA does not set carry) and skips the store on a kill.
    verdict = check_equivalence(_task("trap-enemy-damage"), _asm("enemy_damage_seed_optimized.asm"))
    assert verdict.assembles and not verdict.passes
    assert verdict.reason is FailReason.MISMATCH
    example = verdict.counterexample
    assert example is not None and example["expected"] and example["got"]
    assert set(example["expected"]) == set(example["got"])
    assert all(key.startswith(("$7E0E2", "$7E0DD")) for key in example["expected"])
    assert "X" in example["inputs"] and "P" in example["state"]


def test_routine_leaving_m_changed_fails_preserve():
    verdict = check_equivalence(_task("trap-set-flag"), _asm("set_flag_leaves_m16.asm"))
    assert verdict.reason is FailReason.CONVENTION  # m is part of the calling convention
    assert verdict.counterexample["expected"] == {"flag:m": 1}
    assert verdict.counterexample["got"] == {"flag:m": 0}


def test_routine_writing_outside_declared_memory_fails():
    verdict = check_equivalence(_task("trap-set-flag"), _asm("set_flag_stray_write.asm"))
    assert verdict.reason is FailReason.STRAY_WRITE
    assert "$7E0011" in verdict.detail and "$7E0011" in verdict.counterexample["got"]


def test_stz_passes_when_a_is_not_an_output():
    verdict = check_equivalence(_task("trap-clear-a-free"), _asm("clear_stz.asm"))
    assert verdict.passes
    assert verdict.cand_cycles_mean < verdict.ref_cycles_mean  # STZ d: 3 cycles vs LDA #/STA d: 5
    assert verdict.cand_bytes < verdict.ref_bytes


def test_stz_fails_when_a_is_an_output():
    verdict = check_equivalence(_task("trap-clear-a-output"), _asm("clear_stz.asm"))
    assert verdict.reason is FailReason.MISMATCH
    assert "A" in verdict.counterexample["expected"]
    assert verdict.counterexample["expected"]["A"].endswith("00")


def test_xba_fix_gives_x_0010_not_1000():
    state = expected_state(_task("trap-xba-trace"))
    assert state["X"] == 0x0010 and state["A"] == 0x0010 and state["flag:x"] == 0


@pytest.mark.parametrize("name", ["uses_mul.asm", "stz_long.asm"])
def test_non_65816_instructions_do_not_assemble(name):
    task = _task("trap-clear-a-free") if "stz" in name else _task("trap-set-flag")
    verdict = check_equivalence(task, _asm(name))
    assert not verdict.assembles and verdict.reason is FailReason.ASSEMBLY
    assert "Eunknown_command" in verdict.detail or "error" in verdict.detail.lower()


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("Clear:\n    BRA Clear\n", FailReason.BUDGET),
        ("Clear:\n    LDA #$01\n    STA $420C\n    STZ $10\n    RTS\n", FailReason.UNSUPPORTED),  # HDMA
        ("Clear:\n    BRK #$00\n", FailReason.HALTED),
        ("Other:\n    STZ $10\n    RTS\n", FailReason.NO_ENTRY),
        ("", FailReason.EMPTY),
    ],
)
def test_other_failure_reasons(source, reason):
    verdict = check_equivalence(_task("trap-clear-a-free"), source)
    assert verdict.reason is reason and not verdict.passes


def test_candidate_depending_on_entry_carry_fails():
    # ADC without CLC: right only when the random entry carry happens to be clear
    task = {
        "id": "add",
        "family": "gen",
        "entry": "Add",
        "reference": "Add:\n    CLC\n    ADC #$05\n    RTS\n",
        "spec": {"inputs": {"A.lo": [0, 255]}, "outputs": ["A.lo"], "cases": 32, "seed": 5},
    }
    verdict = check_equivalence(task, "Add:\n    ADC #$05\n    RTS\n")
    assert verdict.reason is FailReason.MISMATCH
    assert verdict.counterexample["state"]["P"] is not None


def test_broken_reference_is_a_task_error_not_a_score():
    task = {
        "id": "bad",
        "entry": "Clear",
        "reference": "Clear:\n    STZ $10\n    STZ $20\n    RTS\n",
        "spec": {"outputs": ["$7E0010"], "cases": 4},
    }
    with pytest.raises(ReferenceBrokenError, match="stray_write"):  # a task error, never a verdict
        check_equivalence(task, "Clear:\n    STZ $10\n    RTS\n")


def test_verdicts_are_deterministic():
    task = _task("trap-enemy-damage")
    first = check_equivalence(task, _asm("enemy_damage_seed_optimized.asm")).to_json()
    second = check_equivalence(task, _asm("enemy_damage_seed_optimized.asm")).to_json()
    assert first == second


def test_cases_override():
    verdict = check_equivalence(_task("trap-clear-a-free"), _asm("clear_stz.asm"), cases=5)
    assert verdict.cases_run == 5


def test_dropping_sec_alone_fails_on_entry_carry():
    # LDA does not set carry: with C=0 at entry SBC #$10 subtracts 17
    verdict = check_equivalence(_task("trap-enemy-damage"), _asm("enemy_damage_no_sec.asm"))
    assert verdict.reason is FailReason.MISMATCH
    entry_p = int(verdict.counterexample["state"]["P"][1:], 16)
    assert entry_p & 0x01 == 0  # the counterexample enters with the carry clear


def test_missing_asar_is_an_error_never_a_verdict(tmp_path, monkeypatch):
    # the user's old pipeline counted a missing ASAR as a pass
    from harness.verify.equivalence import _reference, assemble_program

    fake = tmp_path / "asar"
    fake.write_text("#!/bin/sh\necho 'not asar'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ASAR_PATH", str(fake))
    assemble_program.cache_clear()
    _reference.cache_clear()
    task = {
        **_task("trap-clear-a-free"),
        "reference": "Clear:\n    LDA #$00\n    STA $10\n    RTS  ; fresh\n",
    }
    with pytest.raises((ToolMissingError, ToolMismatchError)):
        check_equivalence(task, "Clear:\n    STZ $10\n    RTS ; not cached\n")
