"""The scaling ladder: the user's plan as a decision procedure with statistical evidence.

The plan (seed document, "Phase 2: Scaling Path"): 1.5B with current data -> baseline; 3B with
improved data -> compare vs 1.5B; if 3B wins, scale data, not model; if the ceiling is hit, move to
7B on a rented A100; then 14B/16B on rented GPUs. Here "wins" means the paired bootstrap interval of
the gain on the decision metric lies above `min_gain` (and, for pass/fail metrics, the exact McNemar
test agrees), and "ceiling hit" means the newest training-data version at the current size did not
win against the previous one. Runs must share one dataset; quantized variants are left out (the
ladder compares models, the quant gate compares quants).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from harness.gate.compare import Comparison, MetricRef, check_same_dataset, compare
from harness.gate.errors import PolicyError
from harness.gate.identity import parse_params_b
from harness.gate.record import RunRecord

__all__ = ["PLAN", "LadderDecision", "LadderEvidence", "LadderStep", "Rung", "recommend"]


@dataclass(frozen=True)
class Rung:
    params_b: float
    label: str
    where: str


PLAN: tuple[Rung, ...] = (
    Rung(1.5, "1.5B", "local (RTX 5060 Ti, QLoRA ~8 GB)"),
    Rung(3.0, "3B", "local (QLoRA ~12 GB)"),
    Rung(7.0, "7B", "a rented A100 (tight locally at ~16 GB); size it with `asm65816 plan-vram`"),
    Rung(
        14.0, "14B/16B", "rented GPUs (e.g. DeepSeek-Coder-V2-Lite 16B); size them with `asm65816 plan-vram`"
    ),
)
_FULL_PRECISION = {None, "F32", "BF16", "F16"}


class LadderStep(str, Enum):
    TRAIN_NEXT = "train-next-size"  # only one size so far: train the next size on improved data
    SCALE_DATA = "scale-data"  # the larger model won (or data still pays): scale data, not model
    IMPROVE_DATA = "improve-data"  # the larger model did not win: stay and improve the data
    MOVE_UP = "move-up"  # data scaling stopped paying at this size: the ceiling is hit
    TOP = "top-of-plan"  # ceiling hit at the largest size in the plan


@dataclass(frozen=True)
class LadderEvidence:
    label: str  # e.g. "3B vs 1.5B" or "3B data v3 vs v2"
    candidate: str  # run ids
    baseline: str
    comparison: Comparison
    wins: bool


@dataclass(frozen=True)
class LadderDecision:
    step: LadderStep
    current: str  # size label the recommendation stands on
    next: str | None  # size to train next, if any
    message: str
    evidence: tuple[LadderEvidence, ...]


def _size(record: RunRecord) -> float:
    size = record.model.params_b if record.model.params_b is not None else parse_params_b(record.model.name)
    if size is None:
        raise PolicyError(
            f"run {record.run_id} ({record.model.name}) has no model size; import it with "
            "`asm65816 runs add FILE --params 3` or name the model with its size (…-3B-…)"
        )
    return size


def _label(size: float) -> str:
    return f"{size:g}B"


def _next_rung(size: float) -> Rung | None:
    return next((rung for rung in PLAN if rung.params_b > size * 1.2), None)


def _data_steps(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """Newest run per training-data label, ordered by time (one model size)."""
    latest: dict[str | None, RunRecord] = {}
    for run in sorted(runs, key=lambda r: (r.created, r.run_id)):
        latest[run.model.train_data] = run
    return sorted(latest.values(), key=lambda r: (r.created, r.run_id))


@dataclass(frozen=True)
class _Settings:
    """How one comparison of the ladder is run and judged."""

    metric: MetricRef
    min_gain: float
    resamples: int
    confidence: float
    seed: int


def _evidence(label: str, cand: RunRecord, base: RunRecord, settings: _Settings) -> LadderEvidence:
    """Compare two runs; a win needs the CI above min_gain and, for pass/fail metrics, McNemar too."""
    cmp = compare(
        cand,
        base,
        settings.metric,
        resamples=settings.resamples,
        confidence=settings.confidence,
        seed=settings.seed,
    )
    wins = cmp.gain_ci.low > settings.min_gain
    if cmp.mcnemar is not None:
        alpha = 1 - settings.confidence
        wins = wins and cmp.mcnemar.p_value < alpha and cmp.mcnemar.wins > cmp.mcnemar.losses
    return LadderEvidence(label, cand.run_id, base.run_id, cmp, wins)


def _climb(
    by_size: dict[float, list[RunRecord]], settings: _Settings, evidence: list[LadderEvidence]
) -> tuple[float, LadderDecision | None]:
    """Walk up the sizes while each beats the one below; stop with IMPROVE_DATA at the first that does not."""
    sizes = sorted(by_size)
    current = sizes[0]
    for size in sizes[1:]:
        step = _evidence(
            f"{_label(size)} vs {_label(current)}",
            _data_steps(by_size[size])[-1],
            _data_steps(by_size[current])[-1],
            settings,
        )
        evidence.append(step)
        if not step.wins:
            verdict = "is worse than" if step.comparison.gain_ci.high < 0 else "does not beat"
            message = (
                f"{_label(size)} {verdict} {_label(current)} on {settings.metric} ({step.comparison.summary()}). "
                f"Stay at {_label(current)} and improve the data; re-test {_label(size)} on the next data version."
            )
            return current, LadderDecision(
                LadderStep.IMPROVE_DATA, _label(current), None, message, tuple(evidence)
            )
        current = size
    return current, None


def _at_rung(
    current: float, runs: list[RunRecord], settings: _Settings, evidence: list[LadderEvidence]
) -> LadderDecision:
    """At the largest size that won: scale data while it pays, move up when it stops paying."""
    upper = _next_rung(current)
    here = _label(current)
    won = f"{here} wins ({evidence[-1].comparison.summary()}). " if evidence else ""
    steps = _data_steps(runs)
    if len(steps) < 2:
        message = f"{won}Scale data, not model: train {here} on the next data version and re-run the ladder."
        return LadderDecision(LadderStep.SCALE_DATA, here, None, message, tuple(evidence))
    newest, previous = steps[-1], steps[-2]
    label = f"{here} data {newest.model.train_data} vs {previous.model.train_data}"
    data_step = _evidence(label, newest, previous, settings)
    evidence.append(data_step)
    summary = data_step.comparison.summary()
    if data_step.wins:
        message = f"{won}More data still pays at {here} ({summary}): keep scaling data."
        return LadderDecision(LadderStep.SCALE_DATA, here, None, message, tuple(evidence))
    if upper is None:
        message = f"{won}Ceiling hit at {here}, the top of the plan ({summary}): work on data quality and task coverage."
        return LadderDecision(LadderStep.TOP, here, None, message, tuple(evidence))
    message = f"{won}Ceiling hit at {here}: the newest data did not win ({summary}). Move to {upper.label} on {upper.where}."
    return LadderDecision(LadderStep.MOVE_UP, here, upper.label, message, tuple(evidence))


def recommend(
    runs: Sequence[RunRecord],
    metric: MetricRef | str = "overall/score",
    *,
    min_gain: float = 0.0,
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> LadderDecision:
    """Recommend the next step of the plan from the runs, with the comparisons that decided it."""
    ref = metric if isinstance(metric, MetricRef) else MetricRef.parse(metric)
    settings = _Settings(ref, min_gain, resamples, confidence, seed)
    models = [r for r in runs if (r.model.quant.upper() if r.model.quant else None) in _FULL_PRECISION]
    if not models:
        raise PolicyError("the ladder needs at least one full-precision run (quantized runs are left out)")
    for other in models[1:]:
        check_same_dataset(other, models[0])
    by_size: dict[float, list[RunRecord]] = {}
    for run in models:
        by_size.setdefault(_size(run), []).append(run)
    if len(by_size) == 1:
        (current,) = by_size
        upper = _next_rung(current)
        target = upper.label if upper else "a larger model"
        message = (
            f"Baseline recorded at {_label(current)} on {ref}. Next: train {target} with improved data "
            f"({upper.where if upper else 'rented GPUs'}) and compare against it."
        )
        return LadderDecision(LadderStep.TRAIN_NEXT, _label(current), target, message, ())
    evidence: list[LadderEvidence] = []
    current, stopped = _climb(by_size, settings, evidence)
    return stopped or _at_rung(current, by_size[current], settings, evidence)
