"""`lm_eval --model hf` on a tiny Qwen2 model built locally (no hub) completes with every metric."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from harness_fixtures import LMEVAL_FIXTURE_TASKS as FIXTURE_TASKS
from harness_fixtures import load_tiny_builder

pytestmark = pytest.mark.train
pytest.importorskip("transformers", reason="needs the [train]/[hf] extra (transformers, torch)")


def test_hf_backend_on_tiny_model_reports_all_metrics(tmp_path):
    model = load_tiny_builder().build(tmp_path / "tiny")
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "harness.cli",
        "eval",
        "--model",
        "hf",
        "--model_args",
        f"pretrained={model}",
        "--limit",
        "2",
        "--gen_kwargs",
        "max_gen_toks=32",
        "--output_path",
        str(out),
    ]
    run = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "ASM65816_TASK_DATA": str(FIXTURE_TASKS), "HF_HUB_OFFLINE": "1"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(next(out.rglob("results_*.json")).read_text())["results"]
    from harness.core import FAMILIES

    for name in FAMILIES:  # every family reports its primary metric, in range
        family = FAMILIES.get(name)
        assert family.metric(family.primary).in_range(results[family.task][f"{family.primary},verified"])
    assert "score,verified" in results["asm65816"]
