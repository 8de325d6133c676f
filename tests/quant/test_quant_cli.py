"""`asm65816 export-gguf / quantize / modelfile / quant-report` through the real dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main

pytestmark = pytest.mark.gguf


def test_verbs_are_listed() -> None:
    from harness.cli import build_parser

    text = build_parser().format_help()
    for verb in ("export-gguf", "quantize", "quant-report", "modelfile"):
        assert verb in text


def test_export_quantize_modelfile_chain(
    tiny_qwen2: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("llama_cpp")
    f16 = tmp_path / "tiny-f16.gguf"
    assert main(["export-gguf", str(tiny_qwen2), "--out", str(f16), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["tokenizer_pre"] == "qwen2" and exported["has_chat_template"] is True
    assert (
        main(["quantize", str(f16), "--quants", "Q8_0,Q4_K_M", "--out-dir", str(tmp_path / "q"), "--json"])
        == 0
    )
    results = json.loads(capsys.readouterr().out)
    assert [r["quant"] for r in results] == ["Q8_0", "Q4_K_M"]
    assert (tmp_path / "q" / "tiny-q4_k_m.gguf").stat().st_size == results[1]["size_bytes"]
    assert main(["modelfile", str(tmp_path / "q" / "tiny-q4_k_m.gguf")]) == 0
    assert "FROM ./tiny-q4_k_m.gguf" in (tmp_path / "q" / "Modelfile").read_text()


def test_list_types_and_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("llama_cpp")
    assert main(["quantize", "--list-types"]) == 0
    listed = capsys.readouterr().out
    assert "Q4_K_M" in listed and "Q8_0" in listed
    assert main(["quantize", str(tmp_path / "none.gguf"), "--quants", "Q4_KM"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["export-gguf", str(tmp_path), "--out", str(tmp_path / "x.gguf")]) == 2
    assert "config.json" in capsys.readouterr().err
    assert (
        main(["quant-report", "--model", str(tmp_path), "--quants", "Q9_9", "--out", str(tmp_path / "r")])
        == 2
    )


def test_quantize_quiet_keeps_llama_cpp_log_off_the_terminal(
    tiny_qwen2: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """llama.cpp prints a line per tensor from C; --quiet sends it to a log that a success deletes."""
    pytest.importorskip("llama_cpp")
    f16 = tmp_path / "tiny-f16.gguf"
    assert main(["export-gguf", str(tiny_qwen2), "--out", str(f16), "--json"]) == 0
    capfd.readouterr()
    assert main(["quantize", str(f16), "--quants", "Q8_0", "--out-dir", str(tmp_path / "loud")]) == 0
    loud = capfd.readouterr()
    assert (
        main(["quantize", str(f16), "--quants", "Q8_0", "--out-dir", str(tmp_path / "quiet"), "--quiet"]) == 0
    )
    quiet = capfd.readouterr()
    assert "q8_0" in (loud.out + loud.err).lower().replace("tiny-q8_0", "")  # the per-tensor log, shown
    assert quiet.err == "" and quiet.out.splitlines()[0].split()[:2] == ["type", "file"]
    row = quiet.out.splitlines()[2].split()
    assert row[0] == "Q8_0" and len(row[3].split(".")[1]) == 3  # "vs source" keeps its 3 decimals
    assert not list((tmp_path / "quiet").glob("*.log"))


def test_quantize_quiet_failure_quotes_the_log(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("llama_cpp")
    broken = tmp_path / "broken-f16.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    assert main(["quantize", str(broken), "--quants", "Q8_0", "--out-dir", str(tmp_path), "--quiet"]) == 2
    err = capfd.readouterr().err
    assert "could not quantize" in err and "llama.cpp's log ends" in err
    assert (tmp_path / "broken-q8_0.gguf.log").is_file() and not (tmp_path / "broken-q8_0.gguf").exists()
