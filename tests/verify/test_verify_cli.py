"""`asm65816 check` prints the verdict and the counterexample; exit 1 on FAIL, 2 on user error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import ToolMismatchError, ToolMissingError

TRAPS = Path(__file__).resolve().parents[2] / "fixtures" / "traps"


@pytest.fixture
def tools():
    try:
        from harness.asar import find_asar
        from harness.emu import Machine  # noqa: F401

        find_asar()
    except (ImportError, ToolMissingError, ToolMismatchError) as error:
        pytest.skip(f"needs ASAR 1.91 and harness.emu.Machine: {error}")


def _check(*extra):
    return main(["check", "--tasks", str(TRAPS / "tasks.jsonl"), *extra])


def test_check_fail_prints_counterexample(tools, capsys):
    code = _check("--id", "trap-enemy-damage", "--candidate", str(TRAPS / "enemy_damage_seed_optimized.asm"))
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL (mismatch)" in out and "counterexample:" in out and "expected:" in out and "got:" in out


def test_check_pass_and_json(tools, capsys):
    assert _check("--id", "trap-clear-a-free", "--candidate", str(TRAPS / "clear_stz.asm")) == 0
    assert "PASS" in capsys.readouterr().out
    assert _check("--id", "trap-clear-a-free", "--candidate", str(TRAPS / "clear_stz.asm"), "--json") == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["passes"] is True and verdict["reason"] == "none"


def test_check_accepts_a_whole_completion(tools, tmp_path, capsys):
    completion = tmp_path / "completion.txt"
    completion.write_text(f"Sure:\n```asm\n{(TRAPS / 'clear_stz.asm').read_text()}```\n")
    assert _check("--id", "trap-clear-a-free", "--candidate", str(completion)) == 0


def test_check_unknown_id_is_a_user_error(capsys):
    assert _check("--id", "trap-set-flg", "--candidate", str(TRAPS / "set_flag.asm")) == 2
    assert "did you mean" in capsys.readouterr().err
