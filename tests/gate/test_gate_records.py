"""Run records: our Results JSON, real lm-eval 0.4.x output, model identity and the run store."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import ToolMissingError
from harness.gate.errors import RunFormatError, RunNotFoundError
from harness.gate.identity import model_identity, parse_params_b, parse_quant, quant_rank
from harness.gate.record import RunSource, record_from_results
from harness.gate.store import RunStore, load_record_file, load_run

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "fixtures" / "runs"
SHA = "5" * 64


def _results(**overrides):
    data = {
        "harness_version": "0.1.0",
        "dataset": {"name": "asm65816", "version": "1.0.0", "sha256": SHA},
        "model": "tiny",
        "metrics": {"gen": {"pass@1": 0.5}, "overall": {"pass@1": 0.5}},
        "samples": [
            {"id": "gen-1", "family": "gen", "metrics": {"pass@1": 1, "category": "none"}, "error": None, "counterexample": None},
            {"id": "gen-2", "family": "gen", "metrics": {"pass@1": False}, "error": "mismatch",
             "counterexample": {"inputs": {"A": 1}, "expected": {"A": 2}, "got": {"A": 3}}},
        ],
    }  # fmt: skip
    data.update(overrides)
    return data


def test_results_json_normalises_and_round_trips():
    record = record_from_results(_results(), origin="r.json")
    assert record.source is RunSource.SCORE
    assert record.model.name == "tiny" and record.dataset.sha256 == SHA
    first, second = record.samples
    assert first.metrics == {"pass@1": 1.0, "score": 1.0} and first.labels == {
        "category": "none"
    }  # score derived
    assert (
        second.metrics == {"pass@1": 0.0, "score": 0.0}
        and second.error == "mismatch"
        and second.counterexample["got"] == {"A": 3}
    )
    again = record_from_results(json.loads(record.to_json()))
    assert again.to_dict() == record.to_dict()
    assert again.run_id == record.run_id
    resized = record.with_model(params_b=3.0)
    assert resized.model.params_b == 3.0 and resized.run_id != record.run_id  # ids follow content


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dataset": None}, "'dataset' has type NoneType"),
        ({"dataset": {"name": "asm65816"}}, "needs 'name' and 'version'"),
        ({"samples": [{"id": "a", "family": "gen", "metrics": {"pass@1": [1]}}]}, "not a number"),
        (
            {
                "samples": [
                    {"id": "a", "family": "gen", "metrics": {}},
                    {"id": "a", "family": "gen", "metrics": {}},
                ]
            },
            "duplicate",
        ),
        ({"samples": [{"family": "gen", "metrics": {}}]}, "missing field 'id'"),
        ({"model": 7}, "'model' must be"),
    ],
)
def test_malformed_results_are_clear_errors(change, message):
    with pytest.raises(RunFormatError, match=message):
        record_from_results(_results(**change))


def test_unrecognised_json_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(RunFormatError, match="neither a Results JSON"):
        load_record_file(path)


def test_model_identity_hashes_weights_not_names(tmp_path):
    model = tmp_path / "coder-3B-sft"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"weights-1")
    (model / "optimizer.pt").write_bytes(b"ignored")
    first = model_identity(model)
    assert first.kind == "hf" and first.params_b == 3.0 and len(first.sha256) == 64
    (model / "optimizer.pt").write_bytes(b"changed optimizer state")
    assert model_identity(model).sha256 == first.sha256
    (model / "model.safetensors").write_bytes(b"weights-2")
    assert model_identity(model).sha256 != first.sha256
    gguf = tmp_path / "coder-3B-Q4_K_M.gguf"
    gguf.write_bytes(b"GGUF...")
    ident = model_identity(gguf)
    assert (ident.kind, ident.quant) == ("gguf", "Q4_K_M")
    with pytest.raises(ToolMissingError, match="does not exist"):
        model_identity(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ToolMissingError, match="no weight"):
        model_identity(tmp_path / "empty")


def test_name_parsing():
    assert parse_params_b("Qwen2.5-Coder-1.5B-Instruct") == 1.5
    assert parse_params_b("deepseek-coder-v2-lite-16b") == 16.0
    assert parse_params_b("smollm2-135m") is None
    assert parse_quant("x-q5_k_m.gguf") == "Q5_K_M" and parse_quant("model.gguf") is None
    assert (
        quant_rank("F16") < quant_rank("Q8_0") < quant_rank("Q4_K_M") < quant_rank("weird") < quant_rank(None)
    )


def test_store_add_list_get_latest(tmp_path):
    store = RunStore(tmp_path / "runs")
    ids = [
        store.add(load_record_file(RUNS / name)).stem
        for name in ("base-1.5b.json", "rerun-1.5b-noise.json", "cand-3b-improved.json")
    ]
    assert store.ids() == sorted(ids)
    assert [r.model.name for r in store.records()] == ["coder-1.5B-v1", "coder-1.5B-v1", "coder-3B-v2"]
    assert store.latest("coder-1.5B-v1").run_id == ids[1]  # the re-run is newer
    assert store.get(ids[2][:20]).run_id == ids[2]
    assert load_run("latest:coder-3B-v2", store).run_id == ids[2]
    with pytest.raises(RunNotFoundError, match="ambiguous"):
        store.get("2026110")
    with pytest.raises(RunNotFoundError, match="did you mean coder-3B-v2"):
        store.latest("coder-3b-v2")
    store.add(load_record_file(RUNS / "base-1.5b.json"))  # idempotent
    assert len(store.ids()) == 3


def test_runs_cli(tmp_path, capsys):
    store = str(tmp_path / "runs")
    model = tmp_path / "coder-1.5B-Q8_0.gguf"
    model.write_bytes(b"GGUF-bytes")
    assert (
        main(
            [
                "runs",
                "add",
                str(RUNS / "base-1.5b.json"),
                "--store",
                store,
                "--model-path",
                str(model),
                "--train-data",
                "v9",
            ]
        )
        == 0
    )
    run_id = capsys.readouterr().out.split()[0]
    assert main(["runs", "show", run_id, "--store", store, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (
        shown["model"]["sha256"]
        and shown["model"]["quant"] == "Q8_0"
        and shown["model"]["train_data"] == "v9"
    )
    assert main(["runs", "list", "--store", store]) == 0
    assert run_id in capsys.readouterr().out
    assert main(["runs", "latest", "coder-1.5B-v1", "--store", store]) == 0
    assert "asm65816 v1.0.0 sha256=" in capsys.readouterr().out
    assert main(["runs", "show", "nothing-like-this", "--store", store]) == 2
    assert "no file and no stored run" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------
# lm-eval 0.4.x: a real evaluation with a scripted model on two tiny tasks, saved the way the CLI does.

_TASK_YAML = """
task: asm65816_{family}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: {output_type}
doc_to_text: "{{{{prompt}}}}"
{target}
metric_list:
  - metric: {metric}
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
  dataset_name: asm65816
  dataset_version: "1.0.0"
  dataset_sha256: "{sha}"
  harness_version: "0.1.0"
"""


def _write_tasks(folder: Path) -> None:
    folder.mkdir()
    gen = [{"id": f"gen-{i:03d}", "prompt": f"task {i}", "answer": "ok" if i % 3 else "no"} for i in range(6)]
    mc = [
        {"id": f"mc-{i:03d}", "prompt": f"question {i}", "choices": ["a", "b"], "gold": i % 2}
        for i in range(4)
    ]
    for name, rows in (("gen", gen), ("mc", mc)):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "utils.py").write_text(
        "def process_results(doc, results):\n"
        "    return {'pass@1': float(results[0].strip() == doc['answer']), 'assembles': 1.0}\n"
    )
    gen_target = textwrap.dedent("""\
        doc_to_target: "{{answer}}"
        generation_kwargs:
          until: ["\\n"]
        process_results: !function utils.process_results
        metric_list:
          - metric: pass@1
            aggregation: mean
            higher_is_better: true
          - metric: assembles
            aggregation: mean
            higher_is_better: true""")
    (folder / "gen.yaml").write_text(
        _TASK_YAML.format(family="gen", data=folder / "gen.jsonl", output_type="generate_until", target=gen_target, metric="pass@1", sha=SHA)
        .replace("metric_list:\n  - metric: pass@1\n    aggregation: mean\n    higher_is_better: true\nmetadata", "metadata")
    )  # fmt: skip
    mc_target = 'doc_to_choice: "{{choices}}"\ndoc_to_target: "{{gold}}"'
    (folder / "mc.yaml").write_text(
        _TASK_YAML.format(
            family="mc",
            data=folder / "mc.jsonl",
            output_type="multiple_choice",
            target=mc_target,
            metric="acc",
            sha=SHA,
        )
    )


def _scripted_lm():
    from lm_eval.api.model import LM

    class Scripted(LM):
        """Answers "ok" to every generation; prefers the choice " a"."""

        def generate_until(self, requests, disable_tqdm=False):
            return ["ok" for _ in requests]

        def loglikelihood(self, requests, disable_tqdm=False):
            return [(-1.0 if req.args[1].strip() == "a" else -2.0, True) for req in requests]

        def loglikelihood_rolling(self, requests, disable_tqdm=False):
            return [-1.0 for _ in requests]

    return Scripted()


@pytest.fixture(scope="module")
def lmeval_output(tmp_path_factory):
    lm_eval = pytest.importorskip("lm_eval")
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager

    root = tmp_path_factory.mktemp("lmeval")
    _write_tasks(root / "tasks")
    # These stand-in tasks reuse the real names (asm65816_gen, ...): build the manager without the
    # package's startup hook, which would add the real task folder and shadow them.
    plain_init = getattr(TaskManager.__init__, "__wrapped__", TaskManager.__init__)
    manager = TaskManager.__new__(TaskManager)
    plain_init(manager, include_path=str(root / "tasks"), include_defaults=False)
    tracker = EvaluationTracker(output_path=str(root / "out"))
    results = lm_eval.simple_evaluate(
        model=_scripted_lm(), tasks=["asm65816_gen", "asm65816_mc"], task_manager=manager, log_samples=True,
        evaluation_tracker=tracker,
    )  # fmt: skip
    samples = results.pop("samples")
    tracker.save_results_aggregated(results=results, samples=samples)
    for task in results["configs"]:
        tracker.save_results_samples(task_name=task, samples=samples[task])
    return root, manager


def test_lmeval_output_folder_normalises(lmeval_output):
    root, _ = lmeval_output
    record = load_run(root / "out")
    assert record.source is RunSource.LM_EVAL
    assert set(record.families) == {"gen", "mc"}
    assert record.dataset.to_dict() == {"name": "asm65816", "version": "1.0.0", "sha256": SHA}
    assert record.harness_version == "0.1.0"
    by_id = {s.id: s for s in record.samples}
    assert by_id["gen-000"].metrics == {"pass@1": 0.0, "assembles": 1.0}  # answer "no", model said "ok"
    assert by_id["gen-001"].metrics["pass@1"] == 1.0
    assert by_id["mc-000"].metrics["acc"] == 1.0 and by_id["mc-001"].metrics["acc"] == 0.0
    assert record.metrics["gen"]["pass@1"] == pytest.approx(4 / 6)
    assert record.metrics["mc"]["acc"] == pytest.approx(0.5)
    assert (
        "random_seed" in record.seeds and record.task_config["tasks"]["asm65816_gen"]["version"] is not None
    )
    assert record.higher_is_better["pass@1"] is True


def test_lmeval_results_file_and_missing_samples(lmeval_output, tmp_path):
    root, _ = lmeval_output
    results_file = next((root / "out").rglob("results_*.json"))
    assert load_record_file(results_file).run_id == load_run(root / "out").run_id
    lonely = tmp_path / results_file.name
    lonely.write_text(results_file.read_text())
    with pytest.raises(RunFormatError, match="--log_samples"):
        load_record_file(lonely)


def test_lmeval_and_score_runs_compare_when_data_matches(lmeval_output):
    from harness.gate.compare import compare

    root, _ = lmeval_output
    lm_run = load_run(root / "out")
    cmp = compare(lm_run, lm_run, "gen/pass@1", resamples=200)
    assert cmp.n_paired == 6 and cmp.gain == 0.0


def test_evaluate_model_returns_a_record(lmeval_output):
    from harness.gate.evaluate import evaluate_model

    _, manager = lmeval_output
    record = evaluate_model(_scripted_lm(), tasks=["asm65816_gen"], task_manager=manager, limit=3)
    assert [s.id for s in record.samples] == ["gen-000", "gen-001", "gen-002"]
    assert record.dataset.sha256 == SHA


def test_runs_add_hashes_the_model_path_a_results_file_names(tmp_path, capsys):
    weights = tmp_path / "coder-7B-Q5_K_M.gguf"
    weights.write_bytes(b"GGUF weights")
    results = tmp_path / "r.json"
    results.write_text(json.dumps(_results(model={"name": "coder-7B", "path": str(weights)})))
    store = str(tmp_path / "runs")
    assert main(["runs", "add", str(results), "--store", store]) == 0
    run_id = capsys.readouterr().out.split()[0]
    record = RunStore(Path(store)).get(run_id)
    assert record.model.sha256 == model_identity(weights).sha256 and record.model.quant == "Q5_K_M"
    assert main(["runs", "add", str(results), "--store", str(tmp_path / "other"), "--no-hash"]) == 0
    capsys.readouterr()
    assert RunStore(tmp_path / "other").records()[0].model.sha256 is None


def _damaged_copy(lmeval_output, tmp_path: Path) -> tuple[Path, Path]:
    """The lm-eval output folder with line 2 of the gen samples file cut in half."""
    import shutil

    root, _ = lmeval_output
    copy = Path(shutil.copytree(root / "out", tmp_path / "out"))
    samples = next(copy.rglob("samples_asm65816_gen_*.jsonl"))
    lines = samples.read_text().splitlines(keepends=True)
    lines[1] = lines[1][: len(lines[1]) // 2] + "\n"
    samples.write_text("".join(lines))
    return copy, samples


def test_a_damaged_samples_file_is_refused_naming_file_and_line(lmeval_output, tmp_path, capsys):
    copy, samples = _damaged_copy(lmeval_output, tmp_path)
    with pytest.raises(RunFormatError, match=rf"{samples.name}:2: not valid JSON.*--log_samples"):
        load_run(copy)
    assert main(["runs", "add", str(copy), "--store", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err
    assert f"{samples}:2: not valid JSON" in err and "Traceback" not in err
    policy = tmp_path / "gate.yaml"
    policy.write_text("rules:\n  - floor: gen/pass@1\n    min: 0.1\n")
    assert main(["gate", "--candidate", str(copy), "--policy", str(policy)]) == 2  # refused, not "failed"
    assert f"{samples.name}:2" in capsys.readouterr().err


def test_the_pytest_gate_reports_a_damaged_run_in_one_line(lmeval_output, tmp_path):
    import os
    import subprocess
    import sys

    copy, samples = _damaged_copy(lmeval_output, tmp_path)
    (tmp_path / "gate.yaml").write_text("rules:\n  - floor: gen/pass@1\n    min: 0.1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:asm65816", "-p", "harness.pytest_plugin",
         f"--asm65816-results={copy}", "--asm65816-policy=gate.yaml", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{samples.name}:2: not valid JSON" in run.stdout
    assert "Traceback" not in run.stdout and len(run.stdout.splitlines()) < 30


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"model": "asm65816-replay", "model_args": "predictions=/runs/preds-v2.jsonl"},
            "asm65816-replay:preds-v2",
        ),
        ({"model": "asm65816-oracle", "model_args": ""}, "asm65816-oracle"),
        (
            {"model": "hf", "model_args": "pretrained=Qwen/Qwen2.5-Coder-1.5B,dtype=bfloat16"},
            "Qwen/Qwen2.5-Coder-1.5B",
        ),
        (
            {"model": "llama-cpp", "model_args": {"model_path": "/m/coder-7B-Q4_K_M.gguf"}},
            "/m/coder-7B-Q4_K_M.gguf",
        ),
        ({"model": "asm65816-oracle", "model_args": "temperature=0.5"}, "asm65816-oracle"),
    ],
)
def test_lmeval_model_name_never_uses_the_random_folder_name(config, expected):
    """Without pretrained= lm-eval names its output folder (and `model_name`) with 8 random characters."""
    from harness.gate.lmeval_import import _model

    identity = _model({"config": config, "model_name": "x7k2p9qa", "model_name_sanitized": "x7k2p9qa"})
    assert identity.name == expected and identity.kind == config["model"]


def test_runs_list_and_latest_read_as_text(tmp_path, capsys):
    store = str(tmp_path / "runs")
    assert main(["runs", "add", str(RUNS / "base-1.5b.json"), "--store", store, "--train-data", "v9"]) == 0
    capsys.readouterr()
    assert main(["runs", "list", "--store", store]) == 0
    listed = capsys.readouterr().out
    assert "n=" in listed and "n=110.000" not in listed and "families=6" in listed
    assert main(["runs", "latest", "coder-1.5B-v1", "--store", store]) == 0
    shown = capsys.readouterr().out
    model_line = next(line for line in shown.splitlines() if line.startswith("model"))
    assert "{" not in model_line and "'name'" not in model_line and "coder-1.5B-v1 (" in model_line
    assert "train data v9" in model_line
    rows = {tuple(line.split()[:2]): line.split()[-1] for line in shown.splitlines() if line[:1].isalpha()}
    assert rows[("overall", "n")].isdigit() and rows[("overall", "families")] == "6"
    assert all(len(value.split(".")[1]) == 4 for key, value in rows.items() if key[1] in ("score", "pass@1"))
