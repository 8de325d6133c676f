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
