"""Offline scoring: Results JSON shape, per-family table, byte-identical output for any --workers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import TaskDataError, ToolMismatchError, ToolMissingError
from harness.score import format_table, load_predictions, score_predictions

TRAPS = Path(__file__).resolve().parents[2] / "fixtures" / "traps"


@pytest.fixture
def tools():
    try:
        from harness.asar import find_asar
        from harness.emu import Machine  # noqa: F401

        find_asar()
    except (ImportError, ToolMissingError, ToolMismatchError) as error:
        pytest.skip(f"needs ASAR 1.91 and harness.emu.Machine: {error}")


def _fence(name: str) -> str:
    return f"```asm\n{(TRAPS / name).read_text()}```"


def _predictions(path: Path) -> Path:
    rows = [
        ("trap-enemy-damage", _fence("enemy_damage_seed_optimized.asm")),
        ("trap-enemy-damage", _fence("enemy_damage_original.asm")),
        ("trap-set-flag", _fence("set_flag_leaves_m16.asm")),
        ("trap-set-flag", _fence("set_flag.asm")),
        ("trap-clear-a-free", _fence("clear_stz.asm")),
        ("trap-clear-a-output", _fence("clear_stz.asm")),
        ("trap-xba-trace", "A = $0010 and X = $1000, x = 0"),
        ("trap-enemy-explain", "Subtracts 16 HP; $0E20 is the HP table; kills via $0DD0 at $9999."),
    ]
    path.write_text("".join(json.dumps({"id": i, "completion": c}) + "\n" for i, c in rows))
    return path


def test_results_shape(tools, tmp_path):
    typed = score_predictions(TRAPS / "tasks.jsonl", _predictions(tmp_path / "preds.jsonl"), model="fixture")
    results = typed.to_json()
    assert set(results) == {"harness_version", "dataset", "model", "metrics", "samples", "scoring"}
    assert results["scoring"]["sandbox"]["level"] and results["scoring"]["task_errors"] == []
    assert set(results["dataset"]) == {"name", "version", "sha256"} and results["model"] == "fixture"
    assert set(results["metrics"]) == {"gen", "optimize", "trace", "explain", "overall"}
    assert results["metrics"]["gen"]["pass@1"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert results["metrics"]["optimize"]["pass@1"] == 0.5
    assert results["metrics"]["trace"]["exact"] == 0.0
    assert [s["id"] for s in results["samples"]] == [
        json.loads(line)["id"] for line in (TRAPS / "tasks.jsonl").read_text().splitlines()
    ]
    sample = results["samples"][0]
    assert set(sample) == {"id", "family", "metrics", "error", "counterexample", "reasons", "task_error"}
    assert sample["error"].startswith("mismatch") and sample["counterexample"]["expected"]
    table = format_table(typed)
    assert "optimize" in table and "pass@1" in table


def test_byte_identical_for_any_workers(tools, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    shutil.copy(TRAPS / "tasks.jsonl", tasks)
    predictions = _predictions(tmp_path / "preds.jsonl")
    outputs = []
    for workers in (1, 2, 3):
        out = tmp_path / f"results-{workers}.json"
        assert (
            main(
                [
                    "score",
                    "--tasks",
                    str(tasks),
                    "--predictions",
                    str(predictions),
                    "--out",
                    str(out),
                    "--workers",
                    str(workers),
                    "--no-progress",
                ]
            )
            == 0
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_missing_predictions_are_refused_unless_allowed_and_unknown_ids_an_error(tools, tmp_path):
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text(json.dumps({"id": "trap-set-flag", "completion": _fence("set_flag.asm")}) + "\n")
    with pytest.raises(TaskDataError, match=r"cover 1 of 6 tasks; 5 missing .*--allow-missing"):
        score_predictions(TRAPS / "tasks.jsonl", predictions)
    results = score_predictions(TRAPS / "tasks.jsonl", predictions, allow_missing=True).to_json()
    by_id = {s["id"]: s for s in results["samples"]}
    assert by_id["trap-set-flag"]["metrics"]["pass@1"] == 1.0
    assert by_id["trap-clear-a-free"]["metrics"]["pass@1"] == 0.0
    assert by_id["trap-clear-a-free"]["reasons"] == ["empty"]
    assert len(results["scoring"]["missing_predictions"]) == 5
    predictions.write_text(json.dumps({"id": "nope", "completion": ""}) + "\n")
    with pytest.raises(TaskDataError, match="not in the tasks"):
        score_predictions(TRAPS / "tasks.jsonl", predictions)


def test_broken_task_is_recorded_not_scored(tools, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        json.dumps(
            {
                "id": "bad",
                "family": "gen",
                "reference": "X:\n RTS\n",
                "entry": "X",
                "spec": {"outputs": ["flag:q"]},
            }
        )
        + "\n"
    )
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text(json.dumps({"id": "bad", "completion": "X:\n RTS\n"}) + "\n")
    results = score_predictions(tasks, predictions).to_json()
    assert results["samples"][0]["metrics"] == {}
    assert "spec.outputs[0]" in results["samples"][0]["error"]
    assert results["metrics"]["overall"]["task_errors"] == 1


def test_bad_predictions_file(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "completion": "x"}\nnot json\n')
    with pytest.raises(TaskDataError, match=":2: not valid JSON"):
        load_predictions(path)
    with pytest.raises(TaskDataError, match="does not exist"):
        load_predictions(tmp_path / "missing.jsonl")


def test_workers_fork_only_from_a_process_without_other_threads():
    """Forked workers inherit the imported harness (no ~0.3 s import each); a process running other
    threads spawns them instead, since a thread may hold a lock the child would need."""
    import sys
    import threading

    from harness.score.offline import _worker_context

    expected = "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
    assert _worker_context().get_start_method() == expected
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert _worker_context().get_start_method() == "spawn"
    finally:
        release.set()
        other.join()


def test_scores_from_another_thread_with_workers_equal_scores_in_process(tools, tmp_path):
    """The reward path scores on a watchdog thread: its workers are spawned, with the same results."""
    import threading

    from harness.score.offline import load_predictions, load_tasks, score_samples

    predictions = load_predictions(_predictions(tmp_path / "preds.jsonl"))
    jobs = [(task, predictions[task["id"]]) for task in load_tasks(TRAPS / "tasks.jsonl")]
    box = {}
    thread = threading.Thread(target=lambda: box.update(samples=score_samples(jobs, workers=2)))
    thread.start()
    thread.join()
    assert box["samples"] == score_samples(jobs, workers=1)
