"""`asm65816 tasks validate` / `tasks build` through the real CLI dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.suite.build import default_data_dir


def _subset(tmp_path: Path, family: str, count: int, mutate=None) -> Path:
    lines = (default_data_dir() / f"{family}.jsonl").read_text().splitlines()[:count]
    docs = [json.loads(line) for line in lines]
    if mutate:
        mutate(docs)
    path = tmp_path / f"{family}.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


def test_validate_subset_with_mutants_passes(asar: None, tmp_path: Path, capsys) -> None:
    path = _subset(tmp_path, "fix", 2)
    assert main(["tasks", "validate", str(path), "--workers", "1", "--sample", "4", "--min-kill", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "kill rate" in out and out.strip().endswith("s") and "OK:" in out


def test_validate_reports_a_broken_task_and_exits_1(asar: None, tmp_path: Path, capsys) -> None:
    def break_answer(docs: list[dict]) -> None:
        docs[0]["answer"][next(iter(docs[0]["answer"]))] += 1

    path = _subset(tmp_path, "trace", 2, break_answer)
    assert main(["tasks", "validate", str(path), "--mutants", "none", "--workers", "1", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["problems"][0]["task_id"] == "trace-0001"


def test_validate_missing_file_is_a_user_error(tmp_path: Path, capsys) -> None:
    assert main(["tasks", "validate", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "nope.jsonl" in err and "does not exist" in err


@pytest.mark.slow
def test_bundled_data_matches_generators(asar: None, capsys) -> None:
    assert main(["tasks", "build", "--check"]) == 0


@pytest.mark.slow
def test_full_validation_passes(asar: None, capsys) -> None:
    """What CI runs: every task, every mutant; >= 90% killed per family."""
    assert main(["tasks", "validate"]) == 0, capsys.readouterr().out[-4000:]


def test_an_installed_package_is_checked_in_place_but_never_rewritten(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """`tasks build --check` only reads, so it works on a wheel's data (CI runs it so); a plain build
    there would rewrite site-packages behind the user's back and is refused with the way out."""
    import harness.suite.build as build

    installed = tmp_path / "site-packages" / "harness" / "tasks" / "asm65816" / "data"
    monkeypatch.setattr(build, "default_data_dir", lambda: installed)
    reached: list[object] = []

    def fake_build_all(**kwargs: object) -> object:
        reached.append(kwargs)
        raise build.NoAcceptableDraw("stop here")

    monkeypatch.setattr(build, "build_all", fake_build_all)
    assert main(["tasks", "build"]) == 2
    assert "installed package" in capsys.readouterr().err and not reached
    main(["tasks", "build", "--check"])
    assert reached, "--check never got to the build"
