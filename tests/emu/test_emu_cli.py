"""The `asm65816 emu selftest` and `asm65816 run` verbs, end to end through the dispatcher."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.emu.cli import parse_mode, parse_sets
from harness.errors import HarnessError


def _sample(shared_dir: Path, name: str, count: int) -> list[dict]:
    path = shared_dir / "ssts65816" / "ci100" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    with gzip.open(path, "rt") as handle:
        return json.load(handle)[:count]


def test_selftest_reads_plain_and_gzip_files(shared_dir: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "69.n.json").write_text(json.dumps(_sample(shared_dir, "69.n.json.gz", 3)))
    with gzip.open(tmp_path / "54.e.json.gz", "wt") as handle:  # MVN: stops mid-instruction
        json.dump(_sample(shared_dir, "54.e.json.gz", 2), handle)
    assert main(["emu", "selftest", "--vectors", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "5 passed, 0 failed"


def test_selftest_reports_a_wrong_vector_per_opcode(shared_dir: Path, tmp_path: Path, capsys) -> None:
    tests = _sample(shared_dir, "cb.n.json.gz", 2)  # WAI: 3 cycles and a halt entry
    tests[1]["cycles"][1][0] ^= 1
    (tmp_path / "cb.n.json").write_text(json.dumps(tests))
    assert main(["emu", "selftest", "--vectors", str(tmp_path), "--limit", "5"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "1 passed, 1 failed"
    assert any(line.startswith("cb.n.json: 1 failed") for line in out)
    assert any("cycle 1:" in line for line in out)


def test_selftest_missing_directory_is_an_error(tmp_path: Path, capsys) -> None:
    assert main(["emu", "selftest", "--vectors", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_run_assembles_and_reports_json(tmp_path: Path, capsys) -> None:
    source = tmp_path / "add.asm"
    source.write_text("add3:\n  clc\n  adc #$03\n  sta $0010\n  rts\n")
    code = main(["run", str(source), "--entry", "add3", "--set", "A=0x40", "--mode", "e=0,m=1,x=1", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["stop"] == "returned"
    assert result["state"]["a"] == 0x43
    assert result["writes"] == {"$7E0010": [0, 0x43]}
    assert result["cycles"] == 2 + 2 + 4 + 6


def test_run_trace_text_and_unknown_label(tmp_path: Path, capsys) -> None:
    source = tmp_path / "loop.asm"
    source.write_text("entry:\n  ldx #$02\n.l\n  dex\n  bne .l\n  rts\n")
    assert main(["run", str(source), "--entry", "entry", "--trace"]) == 0
    out = capsys.readouterr().out
    assert "dex" in out and "stop: returned" in out
    assert main(["run", str(source), "--entry", "nosuch"]) == 2
    assert "not a label" in capsys.readouterr().err


def test_parse_mode_and_sets() -> None:
    assert parse_mode("e=0,m=1,x=0,D=0,DBR=0x7E") == {"e": 0, "m": 1, "x": 0, "D": 0, "DBR": 0x7E}
    assert parse_sets(["A=0x1234", "$7E0010=0x12"]) == ({"A": 0x1234}, {0x7E0010: 0x12})
    with pytest.raises(HarnessError, match="0 or 1"):
        parse_mode("m=2")
    with pytest.raises(HarnessError, match="out of range"):
        parse_sets(["DBR=0x100"])
    with pytest.raises(HarnessError, match="not a number"):
        parse_sets(["A=zz"])
