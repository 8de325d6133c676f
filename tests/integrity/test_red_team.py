"""The red-team suite through both scoring routes: every attack earns nothing, with its honest reason,
and `asm65816 score` and lm-eval's `asm65816-replay` give identical per-sample verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from red_team import ATTACKS, TASKS, Attack

from harness.core.families import family
from harness.dataset import dataset_identity
from harness.score import score_predictions, score_sample_detailed

TASK_BY_ID = {str(task["id"]): task for task in TASKS}


@pytest.fixture(scope="module")
def tools():
    from harness.asar import find_asar

    find_asar()


def _attack_ids(attack: Attack) -> str:
    return f"class{attack.cls}-{attack.name}"


@pytest.mark.parametrize("attack", ATTACKS, ids=_attack_ids)
def test_attack_earns_nothing_and_says_why(tools, attack):
    task = TASK_BY_ID[attack.task]
    score = score_sample_detailed(task, [attack.completion])
    primary = family(str(task["family"])).primary
    assert not score.task_error, score.error  # the candidate's doing is never a task error
    assert score.metrics[primary] == 0.0, (attack.name, score.metrics)
    assert [reason.value for reason in score.reasons][0] in attack.reasons, (attack.name, score.error)


def test_every_class_has_at_least_three_attacks():
    counts: dict[int, int] = {}
    for attack in ATTACKS:
        counts[attack.cls] = counts.get(attack.cls, 0) + 1
    assert all(n >= 3 for n in counts.values()), counts


def test_one_right_and_four_empty_answers_score_one_fifth(tools, tmp_path):
    # the reported false pass: empty answers dropped out of the mean, so 1 right + 4 empty read 1.000
    tasks = [{**TASK_BY_ID["rt-gen"], "id": f"rt-gen-{i}"} for i in range(5)]
    rows = [{"id": "rt-gen-0", "completion": "```asm\n" + str(tasks[0]["reference"]) + "```"}]
    rows += [{"id": f"rt-gen-{i}", "completion": "```asm\nAddFive:\n```"} for i in range(1, 5)]
    results = _score(tmp_path, tasks, rows)
    assert results.metrics["gen"]["pass@1"] == pytest.approx(0.2)
    assert results.metrics["overall"]["score"] == pytest.approx(0.2)
    assert results.task_errors == ()


def _write(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _score(tmp_path: Path, tasks, rows):
    return score_predictions(_write(tmp_path / "tasks.jsonl", tasks), _write(tmp_path / "preds.jsonl", rows))


def _attack_tasks() -> list[dict]:
    """One task per attack (a copy of its target under the attack's name), so one run scores all."""
    return [{**TASK_BY_ID[attack.task], "id": attack.name} for attack in ATTACKS]


def test_both_routes_give_identical_per_sample_verdicts(tools, tmp_path, monkeypatch):
    import lm_eval

    from harness.lmeval import hook, task_manager

    folder = tmp_path / "data"
    folder.mkdir()
    tasks = _attack_tasks()
    families = sorted({str(task["family"]) for task in tasks})
    for name in families:
        _write(folder / f"{name}.jsonl", [task for task in tasks if task["family"] == name])
    (folder / "MANIFEST.json").write_text(json.dumps({"name": "asm65816", "version": "red-team"}))
    preds = _write(tmp_path / "preds.jsonl", [{"id": a.name, "completion": a.completion} for a in ATTACKS])
    monkeypatch.setenv("ASM65816_TASK_DATA", str(folder))
    monkeypatch.setenv("ASM65816_WORKERS", "1")
    offline: dict[str, dict] = {}
    for name in families:
        ids = {str(task["id"]) for task in tasks if task["family"] == name}
        rows = [{"id": a.name, "completion": a.completion} for a in ATTACKS if a.name in ids]
        results = score_predictions(folder / f"{name}.jsonl", _write(tmp_path / f"{name}.preds.jsonl", rows))
        offline.update({sample.id: sample.metrics for sample in results.samples})
    hook.install()
    out = lm_eval.simple_evaluate(
        model="asm65816-replay",
        model_args={"predictions": str(preds)},
        tasks=[family(name).task for name in families],
        task_manager=task_manager(),
        bootstrap_iters=0,
        log_samples=True,
    )
    replayed: dict[str, dict] = {}
    for name in families:
        metric_names = [metric.name for metric in family(name).metrics]
        for sample in out["samples"][family(name).task]:
            doc_id = json.loads(sample["doc"]["doc_json"])["id"]
            replayed[doc_id] = {key: sample[key] for key in metric_names if key in sample}
    assert set(replayed) == set(offline) == {attack.name for attack in ATTACKS}
    for name, metrics in offline.items():
        assert {key: metrics[key] for key in replayed[name]} == replayed[name], name
    assert dataset_identity(folder).version == "red-team"
