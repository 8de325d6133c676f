"""Run records: one normalised shape for every evaluation the gates compare.

A `RunRecord` is our Results JSON (DESIGN.md, "Public formats") plus provenance: who was evaluated
(`ModelIdentity`: path, sha256 of the weights/adapter/GGUF, size, quant, training-data label), on what
(`DatasetIdentity`: name, version, sha256), how (task config, seeds, harness version) and the
per-sample metrics that paired statistics need. `asm65816 score` output, lm-eval 0.4.x output
(`harness.gate.lmeval_import`) and saved records all load into this one type.

Serialised form (a superset of the Results JSON, so any Results JSON reader still works):
`{"harness_version", "dataset": {...}, "model": {...}, "metrics": {...}, "samples": [...],
"run": {"id", "created", "source", "task_config", "seeds", "higher_is_better"}}`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from harness.core.families import primary_metrics
from harness.core.results import DatasetIdentity
from harness.gate.errors import RunFormatError

__all__ = [
    "DatasetIdentity",
    "ModelIdentity",
    "RunRecord",
    "RunSource",
    "SampleRecord",
    "content_run_id",
    "record_from_results",
    "utc_now",
]

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def utc_now() -> str:
    """ISO-8601 UTC timestamp (seconds), the only time format records carry."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class RunSource(str, Enum):
    """Where a record came from (closed set)."""

    SCORE = "asm65816-score"  # our Results JSON (asm65816 score, or any writer of that format)
    LM_EVAL = "lm-eval"  # lm-eval 0.4.x results_*.json + samples_*.jsonl (or simple_evaluate's dict)


@dataclass(frozen=True)
class ModelIdentity:
    """Who was evaluated. `sha256` is of the weights/adapter files or the GGUF (see `identity`)."""

    name: str
    path: str | None = None
    sha256: str | None = None
    kind: str | None = None  # "hf" | "adapter" | "gguf" | "other"
    params_b: float | None = None  # size in billions of parameters (the ladder's axis)
    quant: str | None = None  # "F16", "Q8_0", "Q4_K_M", ... (the quant view's axis)
    train_data: str | None = None  # label of the training-data version (data-scaling steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "kind": self.kind,
            "params_b": self.params_b,
            "quant": self.quant,
            "train_data": self.train_data,
        }

    def label(self) -> str:
        """Short display label: name plus quant when it is not already in the name."""
        if self.quant and self.quant.lower() not in self.name.lower():
            return f"{self.name} [{self.quant}]"
        return self.name


@dataclass(frozen=True)
class SampleRecord:
    """One task's outcome. `metrics` holds numbers only; categorical values go to `labels`."""

    id: str
    family: str
    metrics: Mapping[str, float]
    error: str | None = None
    counterexample: Mapping[str, Any] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "family": self.family,
            "metrics": {**dict(self.metrics), **dict(self.labels)},
            "error": self.error,
            "counterexample": dict(self.counterexample) if self.counterexample is not None else None,
        }
        return out


@dataclass(frozen=True)
class RunRecord:
    """One evaluation, normalised. `metrics` is {family -> {metric -> value}} including "overall"."""

    run_id: str
    created: str
    source: RunSource
    harness_version: str
    dataset: DatasetIdentity
    model: ModelIdentity
    metrics: Mapping[str, Mapping[str, float]]
    samples: tuple[SampleRecord, ...]
    task_config: Mapping[str, Any] = field(default_factory=dict)
    seeds: Mapping[str, Any] = field(default_factory=dict)
    higher_is_better: Mapping[str, bool] = field(default_factory=dict)
    origin: str | None = None  # file the record was read from (not serialised)

    @property
    def families(self) -> tuple[str, ...]:
        """Families present in the samples, in first-seen order."""
        return tuple(dict.fromkeys(sample.family for sample in self.samples))

    def metric_names(self, family: str = "overall") -> tuple[str, ...]:
        """Numeric per-sample metric names in a family ("overall": in any family), sorted."""
        names: set[str] = set()
        for sample in self.samples:
            if family in ("overall", sample.family):
                names.update(sample.metrics)
        return tuple(sorted(names))

    def to_dict(self) -> dict[str, Any]:
        return {
            "harness_version": self.harness_version,
            "dataset": self.dataset.to_dict(),
            "model": self.model.to_dict(),
            "metrics": {fam: dict(values) for fam, values in self.metrics.items()},
            "samples": [sample.to_dict() for sample in self.samples],
            "run": {
                "id": self.run_id,
                "created": self.created,
                "source": self.source.value,
                "task_config": dict(self.task_config),
                "seeds": dict(self.seeds),
                "higher_is_better": dict(self.higher_is_better),
            },
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys), so equal records serialise byte-identically."""
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    def with_model(self, **changes: Any) -> RunRecord:
        """A copy with model identity fields replaced (e.g. a size or quant the file did not carry).

        The run id is content-derived, so it changes with the identity."""
        model = replace(self.model, **changes)
        return replace(
            self, model=model, run_id=content_run_id(self.created, self.dataset, model, self.samples)
        )


def make_run_id(created: str, model_name: str, payload: Mapping[str, Any]) -> str:
    """Deterministic id: timestamp, model slug and a content hash, so re-imports do not duplicate."""
    stamp = re.sub(r"[^0-9T]", "", created.split("+")[0])[:15]
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:8]
    slug = _SLUG.sub("-", Path(model_name).name or model_name).strip("-")[:40] or "model"
    return f"{stamp}-{slug}-{digest}"


def content_run_id(
    created: str, dataset: DatasetIdentity, model: ModelIdentity, samples: Sequence[SampleRecord]
) -> str:
    """The run id of a record: its time, model and a hash of dataset, model identity and samples."""
    payload = {
        "dataset": dataset.to_dict(),
        "model": model.to_dict(),
        "samples": [s.to_dict() for s in samples],
    }
    return make_run_id(created, model.name, payload)


# ---------------------------------------------------------------------------------------------------
# Parsing our Results JSON (and saved records, which are a superset)


def _number(value: Any, where: str) -> float | None:
    """Metric values: numbers and booleans become floats; None means "not measured"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number):
            return None
        return number
    raise RunFormatError(
        f"{where}: metric value {value!r} is not a number (expected int, float, bool or null)"
    )


def split_metrics(raw: Any, where: str) -> tuple[dict[str, float], dict[str, str]]:
    """Split a flat metric dict into numeric metrics and categorical labels (strings)."""
    if not isinstance(raw, Mapping):
        raise RunFormatError(
            f"{where}: 'metrics' must be an object of metric -> value, got {type(raw).__name__}"
        )
    numbers: dict[str, float] = {}
    labels: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            labels[str(name)] = value
            continue
        number = _number(value, f"{where}.{name}")
        if number is not None:
            numbers[str(name)] = number
    return numbers, labels


def _require(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise RunFormatError(f"{where}: missing field '{key}' (Results JSON needs {key}; see DESIGN.md)")
    value = data[key]
    if not isinstance(value, kind):
        raise RunFormatError(f"{where}: field '{key}' has type {type(value).__name__}, expected {kind}")
    return value


def _dataset(raw: Any, where: str) -> DatasetIdentity:
    if not isinstance(raw, Mapping):
        raise RunFormatError(f"{where}: 'dataset' must be an object with name, version and sha256")
    name = raw.get("name")
    version = raw.get("version")
    if not name or version is None:
        raise RunFormatError(f"{where}: 'dataset' needs 'name' and 'version', got {dict(raw)!r}")
    sha = raw.get("sha256")
    return DatasetIdentity(name=str(name), version=str(version), sha256=str(sha) if sha else None)


def _model(raw: Any, where: str) -> ModelIdentity:
    if isinstance(raw, str) and raw:
        return ModelIdentity(name=raw)
    if isinstance(raw, Mapping) and raw.get("name"):
        params = raw.get("params_b")
        if params is not None and (isinstance(params, bool) or not isinstance(params, (int, float))):
            raise RunFormatError(
                f"{where}: model.params_b must be a number of billions (e.g. 1.5), got {params!r}"
            )
        return ModelIdentity(
            name=str(raw["name"]),
            path=raw.get("path"),
            sha256=raw.get("sha256"),
            kind=raw.get("kind"),
            params_b=float(params) if params is not None else None,
            quant=raw.get("quant"),
            train_data=raw.get("train_data"),
        )
    raise RunFormatError(f"{where}: 'model' must be a name or an object with 'name', got {raw!r}")


def _primary_metrics() -> Mapping[str, str]:
    """Each family's primary metric, as the family registry defines it for both scoring routes."""
    return primary_metrics()


def _with_score(family: str, numbers: dict[str, float], primary: Mapping[str, str]) -> dict[str, float]:
    """Add the per-sample `score` (= the family's primary metric) that lm-eval records carry, so runs
    from `asm65816 score` and from lm-eval gate on the same `overall/score`."""
    name = primary.get(family)
    if "score" not in numbers and name is not None and name in numbers:
        return {**numbers, "score": numbers[name]}
    return numbers


def _samples(raw: Sequence[Any], where: str) -> tuple[SampleRecord, ...]:
    primary = _primary_metrics()
    out: list[SampleRecord] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        at = f"{where}: samples[{index}]"
        if not isinstance(item, Mapping):
            raise RunFormatError(f"{at} is not an object")
        sample_id = str(_require(item, "id", (str, int), at))
        if sample_id in seen:
            raise RunFormatError(f"{at}: duplicate sample id {sample_id!r} (ids must be unique per run)")
        seen.add(sample_id)
        numbers, labels = split_metrics(item.get("metrics", {}), f"{at} ({sample_id})")
        family = str(_require(item, "family", str, at))
        numbers = _with_score(family, numbers, primary)
        error = item.get("error")
        counterexample = item.get("counterexample")
        out.append(
            SampleRecord(
                id=sample_id,
                family=family,
                metrics=numbers,
                error=str(error) if error not in (None, "") else None,
                counterexample=counterexample if isinstance(counterexample, Mapping) else None,
                labels=labels,
            )
        )
    return tuple(out)


def _aggregates(raw: Any, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(raw, Mapping):
        raise RunFormatError(f"{where}: 'metrics' must be an object of family -> {{metric -> value}}")
    out: dict[str, dict[str, float]] = {}
    for family, values in raw.items():
        numbers, _labels = split_metrics(values, f"{where}: metrics.{family}")
        out[str(family)] = numbers
    return out


def record_from_results(
    data: Mapping[str, Any], *, origin: str | None = None, created: str | None = None
) -> RunRecord:
    """Normalise our Results JSON (or a saved record) into a `RunRecord`; errors name the field."""
    where = origin or "results"
    harness_version = str(_require(data, "harness_version", (str, int, float), where))
    dataset = _dataset(_require(data, "dataset", Mapping, where), where)
    model = _model(data.get("model"), where)
    metrics = _aggregates(_require(data, "metrics", Mapping, where), where)
    samples = _samples(_require(data, "samples", list, where), where)
    run = data.get("run") if isinstance(data.get("run"), Mapping) else {}
    stamp = str(run.get("created") or data.get("created") or created or utc_now())
    try:
        source = RunSource(run.get("source", RunSource.SCORE.value))
    except ValueError as error:
        known = ", ".join(item.value for item in RunSource)
        raise RunFormatError(f"{where}: run.source {run.get('source')!r} is not one of {known}") from error
    hib = {str(k): bool(v) for k, v in dict(run.get("higher_is_better") or {}).items()}
    run_id = str(run.get("id") or content_run_id(stamp, dataset, model, samples))
    return RunRecord(
        run_id=run_id,
        created=stamp,
        source=source,
        harness_version=harness_version,
        dataset=dataset,
        model=model,
        metrics=metrics,
        samples=samples,
        task_config=dict(run.get("task_config") or data.get("task_config") or {}),
        seeds=dict(run.get("seeds") or data.get("seeds") or {}),
        higher_is_better=hib,
        origin=origin,
    )
