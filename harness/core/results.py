"""The typed results every stage hands to the next: a `Verdict` per candidate run, a `SampleScore` per
task, `Results` per run, and the `DatasetIdentity` that says which data a run was scored on.

They are frozen dataclasses; `to_json` is the only way they become dicts, at the edges (files, CLI,
lm-eval). The JSON spellings are the public Results format of DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.core.reasons import FailReason

__all__ = ["DatasetIdentity", "Results", "SampleScore", "Scoring", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """Outcome of one equivalence check. Cycle/clock statistics cover the cases both programs ran
    (before any failure); byte sizes count the bytes each source emits."""

    assembles: bool
    passes: bool
    reason: FailReason
    detail: str = ""
    cases_run: int = 0
    seed: int = 0
    ref_cycles_mean: float | None = None
    ref_cycles_max: int | None = None
    cand_cycles_mean: float | None = None
    cand_cycles_max: int | None = None
    ref_clocks_mean: float | None = None
    ref_clocks_max: int | None = None
    cand_clocks_mean: float | None = None
    cand_clocks_max: int | None = None
    ref_bytes: int | None = None
    cand_bytes: int | None = None
    counterexample: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (enum as its value)."""
        data = asdict(self)
        data["reason"] = self.reason.value
        return data

    @property
    def error(self) -> str:
        """`reason: detail` as reports print it ("" when the candidate passed)."""
        if self.passes:
            return ""
        return f"{self.reason.value}: {self.detail}".strip().rstrip(":")


@dataclass(frozen=True)
class SampleScore:
    """One task's scores: metrics, the first failure as text, its counterexample (if any), and why
    each completion failed (`reasons`, one per completion; NONE for a pass). `task_error` marks a
    broken task or harness: no metrics, and the run that holds it fails loudly."""

    id: str
    family: str
    metrics: dict[str, float]
    error: str | None = None
    counterexample: dict[str, Any] | None = field(default=None)
    reasons: tuple[FailReason, ...] = ()
    task_error: bool = False
    tier: str | None = None  # the task's difficulty tier (easy/medium/hard), where the task has one

    def to_json(self) -> dict[str, Any]:
        tier = {"tier": self.tier} if self.tier is not None else {}
        return {
            "id": self.id,
            "family": self.family,
            **tier,
            "metrics": dict(sorted(self.metrics.items())),
            "error": self.error,
            "counterexample": self.counterexample,
            "reasons": [reason.value for reason in self.reasons],
            "task_error": self.task_error,
        }


@dataclass(frozen=True)
class DatasetIdentity:
    """Which task data a run was scored on. Runs compare only when all three fields agree."""

    name: str
    version: str
    sha256: str | None

    def describe(self) -> str:
        sha = self.sha256[:12] if self.sha256 else "no sha256"
        return f"{self.name} v{self.version} ({sha})"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class Scoring:
    """How a run was scored, so a number can be trusted or refused: the sandbox ASAR ran in, the
    budgets every candidate had, and everything that did not become a plain score."""

    sandbox: Mapping[str, Any]
    budgets: Mapping[str, Any]
    task_errors: tuple[str, ...] = ()  # ids of broken tasks (the run is invalid: exit 2)
    missing: tuple[str, ...] = ()  # task ids without a prediction (scored as empty answers)
    null_completions: int = 0
    failure_reasons: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # family -> reason -> n

    def to_json(self) -> dict[str, Any]:
        return {
            "sandbox": dict(self.sandbox),
            "budgets": dict(self.budgets),
            "task_errors": list(self.task_errors),
            "missing_predictions": list(self.missing),
            "null_completions": self.null_completions,
            "failure_reasons": {family: dict(counts) for family, counts in self.failure_reasons.items()},
        }


@dataclass(frozen=True)
class Results:
    """One scored run: the public Results JSON (DESIGN.md) as a type."""

    harness_version: str
    dataset: DatasetIdentity
    model: str
    metrics: Mapping[str, Mapping[str, Any]]
    samples: tuple[SampleScore, ...]
    scoring: Scoring | None = None
    tiers: Mapping[str, Mapping[str, Mapping[str, float]]] = field(
        default_factory=dict
    )  # family -> tier -> metrics

    @property
    def task_errors(self) -> tuple[str, ...]:
        return tuple(sample.id for sample in self.samples if sample.task_error)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "harness_version": self.harness_version,
            "dataset": self.dataset.to_dict(),
            "model": self.model,
            "metrics": {family: dict(values) for family, values in self.metrics.items()},
            "samples": [sample.to_json() for sample in self.samples],
        }
        if self.scoring is not None:
            data["scoring"] = self.scoring.to_json()
        if self.tiers:
            data["tiers"] = {
                family: {tier: dict(m) for tier, m in by.items()} for family, by in self.tiers.items()
            }
        return data
