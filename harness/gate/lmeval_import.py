"""Normalise lm-eval 0.4.x output into a `RunRecord`.

lm-eval writes `results_<date_id>.json` (aggregates, task `configs`, `versions`, `higher_is_better`,
the run `config` with seeds) and, with `--log_samples`, one `samples_<task>_<date_id>.jsonl` per task,
where each line carries the metric values as top-level keys named in its `"metrics"` list.
`simple_evaluate` returns the same dict in memory with a `"samples"` entry.

Our tasks are `asm65816_<family>`; the family is the suffix. The dataset identity is read from the
logged docs' `dataset_version`/`dataset_sha256` columns (the asm65816 tasks put them in every doc, so
they name the data actually evaluated, even under an ASM65816_TASK_DATA override), else from each
task config's `metadata` (`metadata.dataset = {name, version, sha256}` or the flat keys
`dataset_name`, `dataset_version`, `dataset_sha256`). When the tasks carry different sha256 values
(one per family file), the record's sha256 is the sha256 of the sorted `task:sha` lines, so two
runs compare only when every family's data is identical.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.core.jsonl import read_jsonl
from harness.errors import TaskDataError
from harness.gate.errors import RunFormatError
from harness.gate.identity import parse_params_b, parse_quant
from harness.gate.record import (
    DatasetIdentity,
    ModelIdentity,
    RunRecord,
    RunSource,
    SampleRecord,
    content_run_id,
    split_metrics,
)

__all__ = ["TASK_PREFIX", "find_lmeval_results", "load_lmeval_output", "record_from_lmeval"]

TASK_PREFIX = "asm65816_"
GROUP = "asm65816"
_DATE_ID = re.compile(r"_(\d{4}-\d\d-\d\dT[0-9.\-]+)\.json$")


def find_lmeval_results(path: Path) -> Path:
    """The newest `results_*.json` under `path` (lm-eval nests it in a per-model folder)."""
    if path.is_file():
        return path
    candidates = sorted(path.glob("results_*.json")) + sorted(path.glob("*/results_*.json"))
    if not candidates:
        raise RunFormatError(
            f"{path}: no lm-eval results_*.json here or one level down; run lm_eval with --output_path "
            "and --log_samples, then pass that folder or the results file"
        )
    return max(candidates, key=lambda p: (p.stat().st_mtime, p.name))


def _read_samples(results_file: Path, tasks: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    match = _DATE_ID.search(results_file.name)
    if not match:
        raise RunFormatError(f"{results_file}: cannot find lm-eval's date id in the file name")
    date_id = match.group(1)
    samples: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        file = results_file.parent / f"samples_{task}_{date_id}.jsonl"
        if not file.is_file():
            raise RunFormatError(
                f"{results_file}: per-sample file {file.name} is missing; paired comparisons need "
                "lm_eval --log_samples"
            )
        try:
            samples[task] = read_jsonl(file, "lm-eval samples")
        except TaskDataError as error:
            raise RunFormatError(
                f"{error} (a damaged lm-eval samples file: re-run lm_eval with --log_samples)"
            ) from error
    return samples


def load_lmeval_output(path: str | Path, *, model: ModelIdentity | None = None) -> RunRecord:
    """Load lm-eval output (a results_*.json, or the --output_path folder) with its sample files."""
    results_file = find_lmeval_results(Path(path))
    try:
        results = json.loads(results_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise RunFormatError(f"{results_file}: cannot read ({error})") from error
    except json.JSONDecodeError as error:
        raise RunFormatError(f"{results_file}: not JSON ({error})") from error
    if not isinstance(results, dict):
        raise RunFormatError(f"{results_file}: top level must be a JSON object (lm-eval's results_*.json)")
    tasks = _our_tasks(results)
    samples = _read_samples(results_file, tasks)
    match = _DATE_ID.search(results_file.name)
    created = _created(results, match.group(1) if match else None)
    return record_from_lmeval(results, samples, origin=str(results_file), created=created, model=model)


def _created(results: Mapping[str, Any], date_id: str | None) -> str:
    stamp = results.get("date")
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, timezone.utc).replace(microsecond=0).isoformat()
    if date_id:
        day, _, clock = date_id.partition("T")
        clock = clock.split(".")[0].replace("-", ":")
        return f"{day}T{clock}+00:00"
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _our_tasks(results: Mapping[str, Any]) -> list[str]:
    """Our subtasks in the results; any other task set is used as is (family = task name)."""
    table = results.get("results")
    if not isinstance(table, Mapping) or not table:
        raise RunFormatError("lm-eval output has no 'results' table; is this a results_*.json file?")
    configs = results.get("configs") or {}
    tasks = [name for name in table if name.startswith(TASK_PREFIX) and name in configs]
    return tasks or [name for name in table if name in configs]


def _family(task: str) -> str:
    return task[len(TASK_PREFIX) :] if task.startswith(TASK_PREFIX) else task


def _scalar(value: Any) -> bool:
    """Numbers (and null) are metrics; lm-eval also stores bookkeeping (sample counts as dicts, corpus
    metrics' per-sample tuples) that is not a per-sample score and is left out."""
    return value is None or isinstance(value, (bool, int, float))


def _metric_name(key: str, single_filter: bool) -> str | None:
    """'passes,none' -> 'passes' (one filter) or 'passes,score' (several); stderr/alias -> None."""
    if key in ("alias", "samples", "sample_len", "sample_count") or "_stderr" in key:
        return None
    metric, _, filter_key = key.partition(",")
    return metric if single_filter or filter_key in ("", "none") else key


def _task_identity(
    results: Mapping[str, Any], task: str, rows: Sequence[Mapping[str, Any]]
) -> tuple[str | None, str | None, str | None]:
    """(name, version, sha256) of one task's data: the logged docs' columns (the data actually loaded,
    which an ASM65816_TASK_DATA override changes), else the task config's metadata (as declared)."""
    docs = [row.get("doc") for row in rows if isinstance(row.get("doc"), Mapping)]
    versions = {str(d["dataset_version"]) for d in docs if d.get("dataset_version") is not None}
    shas = {str(d["dataset_sha256"]) for d in docs if d.get("dataset_sha256")}
    names = {str(d["dataset_name"]) for d in docs if d.get("dataset_name")}
    if len(versions) > 1 or len(shas) > 1:
        raise RunFormatError(
            f"lm-eval samples of {task} mix dataset versions {sorted(versions)} / sha256 {sorted(shas)}"
        )
    if shas and len(docs) != len(rows):
        shas = set()  # some samples carry no identity: do not vouch for the task's data
    meta = (results.get("configs", {}).get(task) or {}).get("metadata") or {}
    nested = meta.get("dataset") if isinstance(meta.get("dataset"), Mapping) else {}
    name = next(iter(names), None) or nested.get("name") or meta.get("dataset_name")
    version = next(iter(versions), None) or nested.get("version") or meta.get("dataset_version")
    sha = next(iter(shas), None) or nested.get("sha256") or meta.get("dataset_sha256")
    return (
        str(name) if name else None,
        str(version) if version is not None else None,
        str(sha) if sha else None,
    )


def _harness_version(
    tasks: Sequence[str], task_config: Mapping[str, Any], logged: Mapping[str, Sequence[Mapping[str, Any]]]
) -> str:
    """The harness that scored the run: the logged docs' `harness_version` column (the asm65816 tasks put
    it in every doc), else the task config's metadata, else "unknown"."""
    for task in tasks:
        for row in logged.get(task, ()):
            doc = row.get("doc")
            if isinstance(doc, Mapping) and doc.get("harness_version"):
                return str(doc["harness_version"])
    for task in tasks:
        metadata = task_config["tasks"][task]["metadata"] or {}
        if metadata.get("harness_version"):
            return str(metadata["harness_version"])
    return "unknown"


def _dataset(
    results: Mapping[str, Any], tasks: Sequence[str], logged: Mapping[str, Sequence[Mapping[str, Any]]]
) -> DatasetIdentity:
    names: set[str] = set()
    versions: set[str] = set()
    shas: dict[str, str] = {}
    for task in tasks:
        name, version, sha = _task_identity(results, task, logged.get(task) or [])
        if name:
            names.add(name)
        if version is not None:
            versions.add(version)
        if sha:
            shas[task] = sha
    if len(versions) > 1:
        raise RunFormatError(f"lm-eval tasks disagree on the dataset version: {sorted(versions)}")
    if len(set(shas.values())) <= 1 and len(shas) == len(tasks):
        sha = next(iter(shas.values()), None)
    elif len(shas) == len(tasks):
        lines = "".join(f"{task}:{shas[task]}\n" for task in sorted(shas))
        sha = hashlib.sha256(lines.encode()).hexdigest()
    else:
        sha = None  # some task carries no sha256: comparisons will refuse this run
    return DatasetIdentity(
        name=next(iter(sorted(names)), GROUP),
        version=next(iter(versions), "unknown"),
        sha256=sha,
    )


# model_args keys that name the model, most specific first (lm-eval's own list, plus our model_path).
_NAME_KEYS = ("pretrained", "model_path", "model", "path", "engine", "peft", "delta")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z]\w*")  # preds.jsonl, model.gguf; not the ".5" of 0.5


def _model_args(args: Any) -> dict[str, Any]:
    if isinstance(args, Mapping):
        return dict(args)
    if isinstance(args, str):
        return dict(part.split("=", 1) for part in args.split(",") if "=" in part)
    return {}


def _model_name(kind: str | None, args: Mapping[str, Any]) -> str:
    """The name the model_args give; else the lm-eval model type, with the stem of its one file
    argument (`asm65816-replay:preds` for predictions=preds.jsonl). Never lm-eval's `model_name` for
    such runs: without pretrained= (or the like) lm-eval makes up a random 8-character name."""
    named = next((str(args[key]) for key in _NAME_KEYS if args.get(key)), None)
    if named:
        return named
    if kind is None:
        return "unknown-model"
    files = sorted(
        Path(str(value)).stem for value in args.values() if _FILE_SUFFIX.fullmatch(Path(str(value)).suffix)
    )
    return f"{kind}:{files[0]}" if len(files) == 1 else kind


def _model(results: Mapping[str, Any]) -> ModelIdentity:
    config = results.get("config") or {}
    kind = str(config.get("model")) if config.get("model") else None
    name = _model_name(kind, _model_args(config.get("model_args")))
    return ModelIdentity(
        name=name,
        path=name if Path(name).exists() else None,
        kind=kind,
        params_b=parse_params_b(name),
        quant=parse_quant(name),
    )


def _sample_records(task: str, rows: Sequence[Mapping[str, Any]]) -> list[SampleRecord]:
    filters = {row.get("filter", "none") for row in rows}
    single = len(filters) <= 1
    by_id: dict[str, dict[str, Any]] = {}
    family = _family(task)
    for row in rows:
        doc = row.get("doc") if isinstance(row.get("doc"), Mapping) else {}
        sample_id = str(doc.get("id") or f"{task}/{row.get('doc_id')}")
        entry = by_id.setdefault(sample_id, {})
        filter_key = row.get("filter", "none")
        for metric in row.get("metrics", []):
            if metric in row and (_scalar(row[metric]) or isinstance(row[metric], str)):
                key = metric if single or filter_key == "none" else f"{metric},{filter_key}"
                entry[key] = row[metric]
    out = []
    for sample_id, raw in by_id.items():
        numbers, labels = split_metrics(raw, f"{task} sample {sample_id}")
        out.append(SampleRecord(id=sample_id, family=family, metrics=numbers, labels=labels))
    return out


def record_from_lmeval(
    results: Mapping[str, Any],
    samples: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    *,
    origin: str | None = None,
    created: str | None = None,
    model: ModelIdentity | None = None,
) -> RunRecord:
    """Normalise an lm-eval results dict (+ per-task logged samples) into a `RunRecord`."""
    tasks = _our_tasks(results)
    logged = samples if samples is not None else results.get("samples")
    if not isinstance(logged, Mapping):
        raise RunFormatError("lm-eval output carries no per-sample records; run with --log_samples")
    table = results["results"]
    metrics: dict[str, dict[str, float]] = {}
    records: list[SampleRecord] = []
    hib: dict[str, bool] = {}
    for task in tasks:
        rows = logged.get(task)
        if rows is None:
            raise RunFormatError(
                f"lm-eval output has no logged samples for task {task}; run with --log_samples"
            )
        filters = {row.get("filter", "none") for row in rows}
        values = {
            name: value
            for key, value in table[task].items()
            if (name := _metric_name(key, len(filters) <= 1)) is not None and _scalar(value)
        }
        metrics[_family(task)], _ = split_metrics(values, f"lm-eval results.{task}")
        records.extend(_sample_records(task, rows))
        for name, flag in (results.get("higher_is_better", {}).get(task) or {}).items():
            if isinstance(flag, bool):
                hib[name] = flag
    group = table.get(GROUP) or (results.get("groups") or {}).get(GROUP)
    if isinstance(group, Mapping):
        values = {n: v for k, v in group.items() if (n := _metric_name(k, True)) and _scalar(v)}
        metrics["overall"], _ = split_metrics(values, "lm-eval results.asm65816")
    ids = [record.id for record in records]
    if len(ids) != len(set(ids)):
        raise RunFormatError("lm-eval samples repeat a doc id across tasks; sample ids must be unique")
    config = results.get("config") or {}
    seeds = {key: config.get(key) for key in ("random_seed", "numpy_seed", "torch_seed", "fewshot_seed")}
    task_config = {
        "lm_eval": {k: config.get(k) for k in ("model", "model_args", "limit", "gen_kwargs", "batch_size")},
        "lm_eval_version": results.get("lm_eval_version"),
        "tasks": {
            task: {
                "version": (results.get("versions") or {}).get(task),
                "n-shot": (results.get("n-shot") or {}).get(task),
                "metadata": (results.get("configs", {}).get(task) or {}).get("metadata"),
                "generation_kwargs": (results.get("configs", {}).get(task) or {}).get("generation_kwargs"),
            }
            for task in tasks
        },
    }
    identity = model or _model(results)
    dataset = _dataset(results, tasks, logged)
    stamp = created or _created(results, None)
    harness_version = _harness_version(tasks, task_config, logged)
    return RunRecord(
        run_id=content_run_id(stamp, dataset, identity, records),
        created=stamp,
        source=RunSource.LM_EVAL,
        harness_version=harness_version,
        dataset=dataset,
        model=identity,
        metrics=metrics,
        samples=tuple(records),
        task_config=task_config,
        seeds=seeds,
        higher_is_better=hib,
        origin=origin,
    )
