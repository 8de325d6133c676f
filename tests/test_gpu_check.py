"""benchmarks/gpu_check.py, the one-command GPU check: its CPU dry run and its refusal without CUDA.

The real check needs a GPU and runs by hand on a lent machine; these tests keep the script working in
between: the dry run goes through the same build / load_model / LoRA (and QLoRA, where bitsandbytes
imports) / planner / report path on a 2-layer model, in a subprocess so its seeds and imports stay out
of this session (about 5 s).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")
pytest.importorskip("tabulate")
pytestmark = pytest.mark.train

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_dry_run_trains_and_records_planner_numbers_and_skip_reasons(tmp_path: Path) -> None:
    proc = _run("--dry-run", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    assert report["meta"]["dry_run"] and report["meta"]["device"] == "cpu"
    runs = {run["method"]: run for run in report["runs"]}
    assert set(runs) == {"lora", "qlora"}
    lora = runs["lora"]
    assert lora["status"] == "ok" and lora["tokens_per_s"] > 0 and lora["trainable_params"] > 0
    assert lora["nf4_linears"] == 0 and lora["planned_gib"] > 0 and "total" in lora["planned"]
    assert "CUDA-only" in lora["measured_reason"] and "ratio" not in lora  # no GPU: no memory reading
    qlora = runs["qlora"]
    if report["meta"]["bitsandbytes"] == "ok":
        assert qlora["status"] == "ok" and qlora["nf4_linears"] == 14  # 2 layers x 7 projections
    else:
        assert qlora["status"] == "skipped" and "bitsandbytes" in qlora["reason"]
    table = (tmp_path / "gpu_check.md").read_text()
    assert "| measured GiB" in table and "| planned GiB" in table and "tiny-qwen2" in table
    assert "measured GiB" in proc.stdout


def test_without_cuda_and_without_dry_run_exits_2_with_a_reason(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present here: the refusal path is for machines without it")
    proc = _run("--out", str(tmp_path))
    assert proc.returncode == 2
    assert "CUDA is not available" in proc.stderr and "--dry-run" in proc.stderr
    assert not (tmp_path / "gpu_check.json").exists()
