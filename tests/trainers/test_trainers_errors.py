"""Bad input and missing extras get one clear line and exit 2, never a traceback (issue 16, item 5).

A missing optional library is simulated with `sys.modules[name] = None`, which makes `import name`
fail exactly as it does where the package is not installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.cli import main as cli_main
from harness.trainers.extras import install_hint, require
from harness.trainers.mix import MixError, verify_mix
from harness.trainers.schema import ParseIssueKind, load_source

SOURCES = Path(__file__).resolve().parents[2] / "fixtures" / "train_sources"
EVAL_TASKS = SOURCES / "eval_tasks.jsonl"
TRAIN_HINT = 'pip install "asm65816-harness[train]"'


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_require_names_every_missing_module_and_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trl", None)
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(
        Exception, match=r"asm65816 train needs peft, trl, which are not installed: pip install"
    ) as caught:
        require(("json", "peft", "trl"), extra="train", purpose="asm65816 train")
    assert install_hint("train") in str(caught.value)


def test_data_qa_without_datasketch_names_the_extra(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "datasketch", None)
    argv = [
        "data",
        "qa",
        str(SOURCES / "clean_gold.jsonl"),
        "--no-asar",
        "--no-claims",
        "--eval-tasks",
        str(EVAL_TASKS),
    ]
    assert cli_main(argv) == 2
    err = _err(capsys)
    assert "datasketch" in err and TRAIN_HINT in err


def test_train_without_trl_names_the_extra_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "trl", None)
    config = tmp_path / "train.yaml"
    config.write_text(
        f"model:\n  path: {tmp_path / 'no-model'}\ndata:\n  train: {SOURCES / 'clean_gold.jsonl'}\n"
        f"training:\n  output_dir: {tmp_path / 'run'}\n"
    )
    assert cli_main(["train", str(config)]) == 2
    err = _err(capsys)
    assert "asm65816 train needs trl" in err and TRAIN_HINT in err
    assert not (tmp_path / "run").exists()


def test_train_config_that_is_not_yaml_is_a_clear_error(tmp_path: Path, capsys) -> None:
    config = tmp_path / "train.yaml"
    config.write_text("model: [unclosed\n")
    assert cli_main(["train", str(config)]) == 2
    assert "not valid YAML" in _err(capsys)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "mix spec .*missing.yaml does not exist"),
        ("sources: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "top level must be a mapping with 'sources', got list"),
    ],
)
def test_data_mix_spec_problems_are_clear_errors(
    tmp_path: Path, capsys, content: str | None, message: str
) -> None:
    spec = tmp_path / "missing.yaml"
    if content is not None:
        spec.write_text(content)
    assert cli_main(["data", "mix", "--spec", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert pytest.importorskip("re").search(message, _err(capsys))


def test_verify_of_a_damaged_mix_json_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "mix.json").write_text('{"outputs": {"train.jsonl": {}}')
    with pytest.raises(MixError, match="not readable JSON"):
        verify_mix(tmp_path)
    (tmp_path / "mix.json").write_text('{"outputs": {}}')
    with pytest.raises(MixError, match="not a mix.json written by `data mix`"):
        verify_mix(tmp_path)


@pytest.mark.usefixtures("datasketch")
def test_sources_with_bad_bytes_or_control_characters_are_parse_issues(tmp_path: Path, capsys) -> None:
    """Every bad line is reported with its number and one clear reason ("at column N", never "at at")."""
    source = tmp_path / "broken.jsonl"
    good = json.dumps({"instruction": "Explain", "output": "It loads A."})
    source.write_bytes(
        good.encode()
        + b"\n"
        + b'{"instruction": "x\xff", "output": "y"}\n'
        + b'{"instruction": "a\tb", "output": "c"}\n'
        + b"[1, 2]\n\n"
    )
    loaded = load_source(source)
    assert len(loaded.samples) == 1 and loaded.lines == 5
    assert [(issue.line, issue.kind) for issue in loaded.issues] == [
        (2, ParseIssueKind.JSON),
        (3, ParseIssueKind.JSON),
        (4, ParseIssueKind.SCHEMA),
    ]
    assert "UTF-8" in loaded.issues[0].message and "control character" in loaded.issues[1].message
    argv = ["data", "qa", str(source), "--no-asar", "--no-claims", "--eval-tasks", str(EVAL_TASKS)]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert "parse error  broken:3 [json]" in out and "at at" not in out
