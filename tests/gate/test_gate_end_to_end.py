"""End to end with the real scorer: `asm65816 score` (ASAR + emulator) -> run store -> gate.

Two "models" answer 20 clean-room gen tasks (add k to A): one always clears the carry, the other
forgets CLC on two tasks in three, which the emulator catches because the carry at entry is random.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.gate.record import RunSource, record_from_results


@pytest.fixture(scope="module")
def asar_ready():
    from harness.errors import HarnessError

    try:
        from harness.asar import find_asar

        find_asar()
    except (ImportError, HarnessError) as error:
        pytest.skip(f"ASAR 1.91 not available: {error}")


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _tasks_and_predictions(folder: Path) -> tuple[Path, Path, Path]:
    tasks, good, bad = [], [], []
    for k in range(1, 21):
        task_id = f"gen-add{k:02d}"
        tasks.append({
            "id": task_id, "family": "gen", "prompt": f"Add {k} to A (8-bit). Entry AddK, RTS.",
            "reference": f"AddK:\n  CLC\n  ADC #${k:02X}\n  RTS\n", "entry": "AddK", "call": "jsr",
            "spec": {"mode": {"e": 0, "m": 1, "x": 1}, "inputs": {"A": [0, 255]}, "outputs": ["A.lo"],
                     "preserve": ["X", "Y"], "cases": 16, "seed": k},
            "answer": {}, "tags": [], "source": "clean-room",
        })  # fmt: skip
        good.append({"id": task_id, "completion": f"```asm\nAddK:\n  CLC\n  ADC #${k:02X}\n  RTS\n```"})
        first = "CLC" if k % 3 == 0 else "NOP"  # forgetting CLC depends on the entry carry: not equivalent
        bad.append({"id": task_id, "completion": f"```asm\nAddK:\n  {first}\n  ADC #${k:02X}\n  RTS\n```"})
    return (
        _write(folder / "tasks.jsonl", tasks),
        _write(folder / "good.jsonl", good),
        _write(folder / "bad.jsonl", bad),
    )


def test_scored_runs_gate_and_ladder(asar_ready, tmp_path, capsys):
    tasks, good, bad = _tasks_and_predictions(tmp_path)
    store = str(tmp_path / "store")
    for name, predictions in (("coder-3B", good), ("coder-1.5B", bad)):
        out = tmp_path / f"{name}.json"
        args = ["score", "--tasks", str(tasks), "--predictions", str(predictions), "--out", str(out)]
        assert main([*args, "--model", name, "--no-progress"]) == 0
        assert main(["runs", "add", str(out), "--store", store]) == 0
    capsys.readouterr()
    policy = tmp_path / "gate.yaml"
    policy.write_text(
        "resamples: 2000\nrules:\n  - must_beat: overall/score\n  - floor: gen/pass@1\n    min: 0.5\n"
    )
    gate = ["gate", "--policy", str(policy), "--store", store]
    assert main([*gate, "--candidate", "latest:coder-3B", "--baseline", "latest:coder-1.5B"]) == 0
    assert "PASSED: 2/2" in capsys.readouterr().out
    assert main([*gate, "--json", "--candidate", "latest:coder-3B", "--baseline", "latest:coder-1.5B"]) == 0
    test = json.loads(capsys.readouterr().out)["rules"][0]["comparison"]["mcnemar"]
    assert (test["wins"], test["losses"]) == (14, 0) and test["p_value"] < 0.001
    assert main([*gate, "--candidate", "latest:coder-1.5B", "--baseline", "latest:coder-3B"]) == 1
    assert "do not favour the candidate" in capsys.readouterr().out
    assert main(["ladder", "latest:coder-1.5B", "latest:coder-3B", "--store", store, "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["step"] == "scale-data" and decision["evidence"][0]["wins"]
    shown = json.loads((tmp_path / "coder-1.5B.json").read_text())
    failing = next(s for s in shown["samples"] if not s["metrics"]["pass@1"])
    assert failing["counterexample"]["expected"] != failing["counterexample"]["got"]


_ORACLE_SCRIPT = """
import json, sys
from harness.gate.evaluate import evaluate_model
record = evaluate_model("asm65816-oracle", tasks=["asm65816"])
from harness.lmeval.glue import dataset_identity
sys.stdout.write("DATA:" + json.dumps(dataset_identity().to_dict()) + "RECORD:" + json.dumps(record.to_dict()))
"""


@pytest.mark.slow  # ~20 s: a fresh interpreter loads lm-eval and the six real task YAMLs
def test_oracle_through_lm_eval_and_the_real_task_suite(asar_ready, tmp_path):
    """The `asm65816_evaluate` back end on the real task YAMLs with the bundled oracle model."""
    data = Path(__file__).resolve().parents[2] / "fixtures" / "lmeval_tasks"
    if not (data / "gen.jsonl").is_file():
        pytest.skip(f"no lm-eval task fixture data at {data}")
    env = {**os.environ, "ASM65816_TASK_DATA": str(data)}
    result = subprocess.run(
        [sys.executable, "-c", _ORACLE_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data_part, record_part = result.stdout.split("DATA:", 1)[1].split("RECORD:", 1)
    record = record_from_results(json.loads(record_part))
    evaluated = json.loads(data_part)  # the overriding fixture data, not the bundled data the YAMLs stamp
    assert (record.dataset.version, record.dataset.sha256) == (evaluated["version"], evaluated["sha256"])
    assert record.source is RunSource.LM_EVAL and record.harness_version != "unknown"
    assert set(record.families) == {"gen", "optimize", "trace", "explain", "fix", "mc"}
    assert record.dataset.sha256 and record.metrics["overall"]["score"] == 1.0
    assert all(sample.metrics["score"] == 1.0 for sample in record.samples)
    assert "sample_len" not in record.metrics["gen"]


_FIXTURE_TEST = """
def test_good_model_clears_the_floor(asm65816_score, asm65816_gate):
    record = asm65816_score("tasks.jsonl", "good.jsonl", model="coder-3B")
    report = asm65816_gate(record, None, {"rules": [{"floor": "gen/pass@1", "min": 0.9}]})
    assert report.passed, [o.why for o in report.outcomes]


def test_bad_model_is_caught(asm65816_score, asm65816_gate):
    bad = asm65816_score("tasks.jsonl", "bad.jsonl", model="coder-1.5B")
    good = asm65816_score("tasks.jsonl", "good.jsonl", model="coder-3B")
    report = asm65816_gate(bad, good, {"rules": [{"no_regress": "gen/pass@1", "max_drop": 0.1}]})
    assert not report.passed and "max drop" in report.outcomes[0].why
"""


def test_score_fixture_inside_a_model_repo_test(asar_ready, tmp_path):
    """The plugin's `asm65816_score` and `asm65816_gate` fixtures in a model repo's own test."""
    _tasks_and_predictions(tmp_path)
    (tmp_path / "test_model.py").write_text(_FIXTURE_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    installed = any(
        ep.value == "harness.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )
    plugin = [] if installed else ["-p", "harness.pytest_plugin"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *plugin, "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
