"""Locked dataset mixes: reproducible train/eval JSONL plus a metadata file that proves what went in.

Recipe (the user's zelda_16b_mix_v1, made reproducible and safe):

1. Load the sources in the order given; that order is the priority when duplicates are dropped.
2. Run QA over all sources together (`harness.trainers.qa`): lines that do not parse are left out,
   contaminated samples (eval-task n-gram overlap) are excluded, and exact/near duplicate groups keep
   only their first member -- across sources, *before* any split, so a sample cannot sit in train and
   its copy in eval.
3. Per source: shuffle with `random.Random(f"{seed}:{source}")` and hold out
   `max(min_eval, round(eval_fraction * n))` samples for eval (2 %, min 1, seed 42 by default).
4. Ratios: without `ratio` on any source every remaining sample trains; with a `ratio` on every source
   the train set is the largest one that meets the ratios without repeating samples
   (`N = min(available_i / ratio_i)`, `take_i = floor(ratio_i * N)`). Achieved ratios are recorded.
5. Shuffle train and eval with `random.Random(seed)` and write `train.jsonl`, `eval.jsonl` and
   `mix.json` (counts, requested and achieved ratios, seed, settings, the sha256 of every input file, of
   the eval task files, and of both outputs). JSON is written with sorted keys and no timestamps, so the
   same inputs give byte-identical outputs; `verify_mix` re-checks the hashes.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import HarnessError
from harness.trainers.qa import QAOptions, QAReport, file_sha256, run_qa_on_loaded
from harness.trainers.schema import Sample, load_source

__all__ = [
    "MIX_METADATA",
    "MixError",
    "MixResult",
    "MixSource",
    "MixSpec",
    "build_mix",
    "load_mix_spec",
    "verify_mix",
]

MIX_METADATA = "mix.json"
_TRAIN, _EVAL = "train.jsonl", "eval.jsonl"


class MixError(HarnessError):
    """A mix spec is invalid or a mix directory does not match its metadata."""


@dataclass(frozen=True)
class MixSource:
    name: str
    path: Path
    ratio: float | None = None  # target share of the train set; None on every source = take all


@dataclass(frozen=True)
class MixSpec:
    """What a mix is made of. Every field is recorded in `mix.json`."""

    name: str
    sources: tuple[MixSource, ...]
    seed: int = 42
    eval_fraction: float = 0.02
    min_eval: int = 1
    near_threshold: float = 0.6
    exclude_contaminated: bool = True
    drop_asar_failures: bool = False
    eval_task_files: tuple[Path, ...] | None = None  # None: the suite's tasks/asm65816/data/*.jsonl

    def __post_init__(self) -> None:
        if not self.sources:
            raise MixError("a mix needs at least one source")
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise MixError(f"source names must be unique, got {names}")
        if not 0.0 <= self.eval_fraction < 1.0:
            raise MixError(f"eval_fraction={self.eval_fraction}: use a fraction in [0, 1), e.g. 0.02")
        if self.min_eval < 0:
            raise MixError(f"min_eval={self.min_eval} must be >= 0")
        ratios = [s.ratio for s in self.sources]
        if any(r is not None for r in ratios):
            if any(r is None or r <= 0 for r in ratios):
                raise MixError("give a positive `ratio` to every source, or to none (take all samples)")
            if abs(sum(ratios) - 1.0) > 1e-6:  # type: ignore[arg-type]
                raise MixError(f"source ratios sum to {sum(ratios):.6f}; they must sum to 1")  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: Path | None = None) -> MixSpec:
        """From YAML/JSON: `{name, seed?, eval_fraction?, min_eval?, sources: [{name, path, ratio?}], ...}`."""
        base = base or Path(".")
        try:
            sources = tuple(
                MixSource(
                    str(s.get("name") or Path(s["path"]).stem), _resolve(base, s["path"]), s.get("ratio")
                )
                for s in data["sources"]
            )
        except (KeyError, TypeError) as error:
            raise MixError(f"mix spec: every source needs a `path` ({error})") from error
        known = {
            "name",
            "sources",
            "seed",
            "eval_fraction",
            "min_eval",
            "near_threshold",
            "exclude_contaminated",
            "drop_asar_failures",
            "eval_task_files",
        }
        unknown = sorted(set(data) - known)
        if unknown:
            raise MixError(f"mix spec: unknown field(s) {unknown}; known: {sorted(known)}")
        tasks = data.get("eval_task_files")
        return cls(
            name=str(data.get("name", "mix")),
            sources=sources,
            seed=int(data.get("seed", 42)),
            eval_fraction=float(data.get("eval_fraction", 0.02)),
            min_eval=int(data.get("min_eval", 1)),
            near_threshold=float(data.get("near_threshold", 0.6)),
            exclude_contaminated=bool(data.get("exclude_contaminated", True)),
            drop_asar_failures=bool(data.get("drop_asar_failures", False)),
            eval_task_files=None if tasks is None else tuple(_resolve(base, t) for t in tasks),
        )


def _resolve(base: Path, path: str | Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else base / path


@dataclass(frozen=True)
class MixResult:
    out_dir: Path
    train_path: Path
    eval_path: Path
    metadata_path: Path
    train: int
    eval: int
    metadata: Mapping[str, Any] = field(default_factory=dict)
    qa: QAReport | None = None


def _dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _label(sample: Sample) -> str:
    return f"{sample.source}/{sample.id}"


def _split(samples: list[Sample], spec: MixSpec, source: str) -> tuple[list[Sample], list[Sample]]:
    ordered = list(samples)
    random.Random(f"{spec.seed}:{source}").shuffle(ordered)
    n_eval = max(spec.min_eval, round(spec.eval_fraction * len(ordered))) if ordered else 0
    if ordered and n_eval >= len(ordered):
        raise MixError(
            f"source {source!r} has {len(ordered)} usable sample(s): too few to hold out {n_eval} for eval"
        )
    return ordered[n_eval:], ordered[:n_eval]


def _apply_ratios(train: dict[str, list[Sample]], spec: MixSpec) -> dict[str, list[Sample]]:
    if spec.sources[0].ratio is None:
        return train
    total = min(len(train[s.name]) / s.ratio for s in spec.sources)  # type: ignore[operator]
    return {s.name: train[s.name][: math.floor(s.ratio * total + 1e-9)] for s in spec.sources}  # type: ignore[operator]


def _write_jsonl(path: Path, samples: Sequence[Sample]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for sample in samples:
            handle.write(_dumps(sample.to_record()) + "\n")


def build_mix(spec: MixSpec, out_dir: str | Path) -> MixResult:
    """Build the mix into `out_dir` (created; existing mix files are overwritten)."""
    out_dir = Path(out_dir)
    loaded = [load_source(s.path, s.name) for s in spec.sources]
    qa = run_qa_on_loaded(
        loaded,
        QAOptions(
            check_asar=spec.drop_asar_failures,
            near_threshold=spec.near_threshold,
            exclude_contaminated=spec.exclude_contaminated,
            eval_task_files=spec.eval_task_files,
        ),
    )
    dropped = {member for group in qa.duplicate_groups for member in group.dropped}
    asar_failed = (
        {f"{r.name}/{sid}" for r in qa.sources for sid, _ in r.asar.failures}
        if spec.drop_asar_failures
        else set()
    )
    train: dict[str, list[Sample]] = {}
    held: dict[str, list[Sample]] = {}
    per_source: list[dict[str, Any]] = []
    left_out = qa.excluded | dropped | asar_failed
    for source, report, mix_source in zip(loaded, qa.sources, spec.sources, strict=True):
        usable = [s for s in source.samples if _label(s) not in left_out]
        train[source.name], held[source.name] = _split(usable, spec, source.name)
        per_source.append(
            {
                "name": source.name,
                "path": str(mix_source.path),
                "sha256": report.sha256,
                "lines": report.lines,
                "samples": report.samples,
                "parse_errors": len(report.parse_issues),
                "excluded_contaminated": sorted(x for x in qa.excluded if x.startswith(f"{source.name}/")),
                "dropped_duplicates": sorted(x for x in dropped if x.startswith(f"{source.name}/")),
                "dropped_asar_failures": sorted(x for x in asar_failed if x.startswith(f"{source.name}/")),
                "usable": len(usable),
                "eval": len(held[source.name]),
                "ratio_requested": mix_source.ratio,
            }
        )
    train = _apply_ratios(train, spec)
    train_all = [s for name in train for s in train[name]]
    eval_all = [s for name in held for s in held[name]]
    if not train_all:
        raise MixError("the mix has no training samples left after QA, dedupe and the eval split")
    random.Random(spec.seed).shuffle(train_all)
    random.Random(spec.seed + 1).shuffle(eval_all)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out_dir / _TRAIN, train_all)
    _write_jsonl(out_dir / _EVAL, eval_all)
    for entry in per_source:
        entry["train"] = len(train[entry["name"]])
        entry["ratio"] = round(entry["train"] / len(train_all), 6)
    metadata = {
        "format": "asm65816-mix/1",
        "harness_version": __version__,
        "name": spec.name,
        "seed": spec.seed,
        "eval_fraction": spec.eval_fraction,
        "min_eval": spec.min_eval,
        "near_threshold": spec.near_threshold,
        "exclude_contaminated": spec.exclude_contaminated,
        "drop_asar_failures": spec.drop_asar_failures,
        "eval_task_files": [{"path": p, "sha256": file_sha256(p)} for p in qa.eval_task_files],
        "sources": per_source,
        "counts": {"train": len(train_all), "eval": len(eval_all)},
        "outputs": {name: {"sha256": file_sha256(out_dir / name)} for name in (_TRAIN, _EVAL)},
    }
    metadata_path = out_dir / MIX_METADATA
    metadata_path.write_text(
        json.dumps(metadata, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return MixResult(
        out_dir, out_dir / _TRAIN, out_dir / _EVAL, metadata_path, len(train_all), len(eval_all), metadata, qa
    )


def load_mix_spec(path: str | Path) -> MixSpec:
    """Read a mix spec YAML (relative source paths resolve against its folder)."""
    from harness.core.yamlfile import read_yaml_mapping

    path = Path(path)
    data = read_yaml_mapping(
        path,
        MixError,
        "mix spec",
        expected="a mapping with 'sources'",
        missing="; pass a YAML file (--spec) or --source NAME=PATH",
    )
    return MixSpec.from_mapping(data, path.parent)


def _checks(out_dir: Path, meta_path: Path) -> list[tuple[Path, str]]:
    """(file, expected sha256) for every output, source and eval task file a mix.json lists."""
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        checks = [(out_dir / name, entry["sha256"]) for name, entry in metadata["outputs"].items()]
        checks += [(Path(s["path"]), s["sha256"]) for s in metadata["sources"]]
        checks += [(Path(t["path"]), t["sha256"]) for t in metadata["eval_task_files"]]
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MixError(
            f"{meta_path}: not readable JSON ({error}); rebuild the mix with `data mix`"
        ) from error
    except (KeyError, TypeError, AttributeError) as error:
        raise MixError(
            f"{meta_path}: not a mix.json written by `data mix` ({type(error).__name__}: {error}); rebuild the mix"
        ) from error
    return checks


def verify_mix(out_dir: str | Path) -> list[str]:
    """Re-hash a mix's inputs and outputs; returns the mismatches (empty list = verified)."""
    out_dir = Path(out_dir)
    meta_path = out_dir / MIX_METADATA
    if not meta_path.is_file():
        raise MixError(f"{meta_path} not found: not a mix directory")
    problems: list[str] = []
    checks = _checks(out_dir, meta_path)
    for path, expected in checks:
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif file_sha256(path) != expected:
            problems.append(f"{path}: sha256 differs from the mix metadata")
    return problems
