"""lm-eval integration: the task group, the verified filter, bundled models and the startup hook.

Runs on the six one-task fixture files in fixtures/lmeval_tasks (through ASM65816_TASK_DATA) so the
whole chain (ASAR -> emulator -> verifier -> lm-eval aggregation) is exercised in seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import pytest

from harness.errors import TaskDataError
from harness.lmeval import glue, hook, task_manager
from harness.lmeval.cli import family_table

FIXTURE_TASKS = Path(__file__).resolve().parents[2] / "fixtures" / "lmeval_tasks"
PTH_INSTALLED = (Path(sysconfig.get_paths()["purelib"]) / "asm65816_harness_lmeval.pth").exists()


@pytest.fixture()
def fixture_tasks(monkeypatch):
    monkeypatch.setenv("ASM65816_TASK_DATA", str(FIXTURE_TASKS))
    monkeypatch.setenv("ASM65816_WORKERS", "1")
    return FIXTURE_TASKS


def _evaluate(model: str, model_args: dict | None = None) -> dict:
    import lm_eval

    hook.install()
    return lm_eval.simple_evaluate(
        model=model,
        model_args=model_args or {},
        tasks=["asm65816"],
        task_manager=task_manager(),
        bootstrap_iters=0,
        log_samples=True,
    )


def test_oracle_is_perfect_and_optimize_speedup_exceeds_one(fixture_tasks):
    results = _evaluate("asm65816-oracle")
    table = family_table(results)
    assert table["gen"]["pass@1"] == table["fix"]["pass@1"] == table["optimize"]["pass@1"] == 1.0
    assert table["optimize"]["saving_share"] == 1.0
    assert table["trace"]["exact"] == 1.0 and table["mc"]["acc"] == 1.0
    assert table["explain"]["explain_score"] == 1.0 and table["explain"]["has_wrong_claim"] == 0.0
    # baseline STA/CLC/ADC vs ASL: the speedup is measured in emulated cycles, not claimed
    assert table["optimize"]["speedup"] > 1.0 and table["optimize"]["improved"] == 1.0
    assert results["results"]["asm65816"]["score,verified"] == 1.0


def test_replay_scores_wrong_missing_and_right_answers(fixture_tasks, tmp_path):
    predictions = tmp_path / "preds.jsonl"
    rows = [
        {"id": "gen-t1", "completion": "```asm\nDouble:\n  ROL A\n  RTS\n```"},  # depends on entry carry
        {"id": "fix-t1", "completion": "Here you go:\n```asm\nDouble:\n  ASL A\n  RTS\n```"},
        {"id": "mc-t1", "completion": "The answer is B"},
        {"id": "trace-t1", "completion": "A=$3412"},
    ]
    predictions.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    with pytest.raises(TaskDataError, match="no prediction for .*allow_missing=true"):
        _evaluate("asm65816-replay", {"predictions": str(predictions)})  # optimize and explain have none
    table = family_table(
        _evaluate("asm65816-replay", {"predictions": str(predictions), "allow_missing": "true"})
    )
    assert table["gen"]["assembles"] == 1.0 and table["gen"]["pass@1"] == 0.0
    assert table["fix"]["pass@1"] == 1.0
    assert table["mc"]["acc"] == 1.0
    assert table["trace"]["exact"] == 1.0
    assert table["optimize"]["pass@1"] == 0.0 and table["optimize"]["assembles"] == 0.0  # no prediction
    assert table["optimize"]["speedup"] == 1.0  # a failure keeps the baseline: defined, never NaN


def test_replay_without_predictions_is_a_clear_error():
    from harness.errors import TaskDataError
    from harness.lmeval.models import ReplayLM

    with pytest.raises(TaskDataError, match="predictions="):
        ReplayLM()


def test_prompts_are_self_contained_and_stops_do_not_cut_code(fixture_tasks):
    mc = glue.load_docs("mc")[0]
    text = glue.doc_to_text({"doc_json": json.dumps(mc)})
    assert "A. STA\nB. STZ\nC. STX" in text and text.endswith("### Answer\n")
    base = (
        Path(task_manager().task_index["asm65816_gen"].yaml_path).parent / "_asm65816_base_yaml"
    ).read_text()
    assert '"\\n\\n"' not in base.split("until:")[1].split("\n")[0]


def test_dataset_identity_tracks_the_data(fixture_tasks, tmp_path, monkeypatch):
    first = glue.dataset_identity()
    copy = tmp_path / "data"
    copy.mkdir()
    for path in fixture_tasks.glob("*.jsonl"):
        (copy / path.name).write_text(path.read_text())
    (copy / "gen.jsonl").write_text((copy / "gen.jsonl").read_text().replace("doubled", "times two"))
    monkeypatch.setenv("ASM65816_TASK_DATA", str(copy))
    assert glue.dataset_identity().sha256 != first.sha256


def test_process_results_reports_every_declared_metric():
    for family, names in glue.FAMILY_METRICS.items():
        if family == "mc":
            continue
        out = glue.process_results({"family": family}, [{"metrics": {}}])
        assert set(out) == set(names)
        assert all(out[name] is None for name in glue.OPTIONAL_METRICS & set(names))
    assert glue.geomean([None, 2.0, 8.0]) == pytest.approx(4.0)


def test_hook_is_fail_safe_when_lm_eval_internals_move():
    moved = types.ModuleType("fake_manager")

    class TaskManager:  # no include_path parameter: lm-eval changed, so leave it alone
        def __init__(self, paths=None):
            self.paths = paths

    moved.TaskManager = TaskManager
    hook.patch_task_manager(moved)
    assert TaskManager.__init__.__name__ == "__init__" and not hasattr(TaskManager.__init__, "__wrapped__")
    hook.patch_registry(types.ModuleType("no_registry"))  # nothing to patch, no error
    hook.install()
    hook.install()
    assert sum(isinstance(f, hook._Finder) for f in sys.meta_path) == 1


HOOK_PROBE = (
    "from lm_eval.tasks import TaskManager\n"
    "from lm_eval.api.registry import get_model\n"
    "tm = TaskManager(include_defaults=False)\n"
    "print('group' if 'asm65816' in tm.all_groups else 'nogroup')\n"
    "get_model('hf')\n"
    "try:\n    get_model('asm65816-oracle'); print('oracle')\n"
    "except ValueError:\n    print('nooracle')\n"
)


@pytest.mark.skipif(not PTH_INSTALLED, reason="the startup hook is installed by pip install (wheel or -e)")
@pytest.mark.parametrize(("switch", "expected"), [("0", ["group", "oracle"]), ("1", ["nogroup", "nooracle"])])
def test_plain_lm_eval_sees_our_tasks_and_models_unless_switched_off(tmp_path, switch, expected):
    env = {**os.environ, "ASM65816_NO_LMEVAL_HOOK": switch}
    run = subprocess.run(
        [sys.executable, "-c", HOOK_PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == expected


@pytest.mark.skipif(not PTH_INSTALLED, reason="the startup hook is installed by pip install (wheel or -e)")
def test_lm_eval_cli_runs_the_group_from_another_directory(fixture_tasks, tmp_path):
    lm_eval = Path(sys.executable).with_name("lm_eval")
    run = subprocess.run(
        [
            str(lm_eval),
            "--model",
            "asm65816-oracle",
            "--tasks",
            "asm65816",
            "--output_path",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ASM65816_TASK_DATA": str(fixture_tasks)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result_files = list((tmp_path / "out").rglob("results_*.json"))
    assert result_files
    results = json.loads(result_files[0].read_text())
    assert results["results"]["asm65816"]["score,verified"] == 1.0


def test_bundled_mc_prompts_show_their_choices_once():
    doc = json.loads((glue._dataset.bundled_data_dir() / "mc.jsonl").read_text().splitlines()[0])
    text = glue.doc_to_text({"doc_json": json.dumps(doc)})
    first_choice = doc["answer"]["choices"][0].strip()
    assert text.count(first_choice) == 1


def test_task_configs_are_stamped_with_the_bundled_data(monkeypatch):
    # lm-eval copies each task's metadata into its results: the stamp must name the data shipped.
    from harness.dataset import dataset_identity
    from harness.lmeval import task_dir
    from harness.lmeval.yamls import stamped_identity

    monkeypatch.delenv("ASM65816_TASK_DATA", raising=False)
    identity = dataset_identity()
    stamps = stamped_identity(task_dir())
    assert stamps and all(
        values == {"dataset_version": identity.version, "dataset_sha256": identity.sha256}
        for values in stamps.values()
    )


def test_modified_data_is_refused_against_the_stamp(monkeypatch):
    from harness.errors import TaskDataError

    monkeypatch.delenv("ASM65816_TASK_DATA", raising=False)
    with pytest.raises(TaskDataError, match="differs from the task config"):
        glue.load_family("mc", dataset_sha256="0" * 64)


def test_tier_table_reads_the_tier_of_each_logged_sample() -> None:
    """lm-eval logs our dataset rows (the task as `doc_json`): the demo's per-tier table and its
    oracle check read tiers from there, and an empty table is visible, never a vacuous pass."""
    from harness.lmeval.cli import tier_table

    def sample(tier: str, value: float) -> dict:
        task = {"id": f"gen-{tier}", "family": "gen", "tier": tier}
        return {"doc": {"doc_json": json.dumps(task)}, "filter": "verified", "pass@1": value}

    results = {"samples": {"asm65816_gen": [sample("easy", 1.0), sample("easy", 0.0), sample("hard", 1.0)]}}
    assert tier_table(results) == {
        "gen": {"easy": {"pass@1": 0.5, "n": 2.0}, "hard": {"pass@1": 1.0, "n": 1.0}}
    }
    assert tier_table({"samples": {}}) == {}
