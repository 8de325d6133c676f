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

__all__ = ["DatasetIdentity", "Results", "SampleScore", "Verdict"]


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
    """One task's scores: metrics, the first failure as text, and its counterexample (if any)."""

    id: str
    family: str
    metrics: dict[str, float]
    error: str | None = None
    counterexample: dict[str, Any] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "metrics": dict(sorted(self.metrics.items())),
            "error": self.error,
            "counterexample": self.counterexample,
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
class Results:
    """One scored run: the public Results JSON (DESIGN.md) as a type."""

    harness_version: str
    dataset: DatasetIdentity
    model: str
    metrics: Mapping[str, Mapping[str, Any]]
    samples: tuple[SampleScore, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "harness_version": self.harness_version,
            "dataset": self.dataset.to_dict(),
            "model": self.model,
            "metrics": {family: dict(values) for family, values in self.metrics.items()},
            "samples": [sample.to_json() for sample in self.samples],
        }
