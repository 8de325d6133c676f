"""Both scoring routes name the data and the harness the same way, so gates can compare their runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from harness import __version__
from harness.dataset import dataset_identity
from harness.gate import check_same_dataset, load_lmeval_output, record_from_results
from harness.score import score_predictions

FIXTURE_TASKS = Path(__file__).resolve().parents[2] / "fixtures" / "lmeval_tasks"


def test_offline_score_and_lm_eval_carry_the_same_dataset_identity(tmp_path):
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text(json.dumps({"id": "gen-t1", "completion": "Double:\n  ASL A\n  RTS\n"}) + "\n")
    offline = score_predictions(FIXTURE_TASKS / "gen.jsonl", predictions)
    assert offline.dataset == dataset_identity(FIXTURE_TASKS)
    assert offline.dataset.to_dict() == {
        "name": "asm65816",
        "version": "fixture-1",
        "sha256": offline.dataset.sha256,
    }

    out = tmp_path / "lm"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "eval",
            "--model",
            "asm65816-oracle",
            "--tasks",
            "asm65816_gen",
            "--log_samples",
            "--output_path",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ASM65816_TASK_DATA": str(FIXTURE_TASKS), "ASM65816_WORKERS": "1"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    from_lmeval = load_lmeval_output(out)
    from_offline = record_from_results(offline.to_json())
    assert from_lmeval.harness_version == __version__
    check_same_dataset(from_lmeval, from_offline)  # raises DatasetMismatchError if the routes disagreed
