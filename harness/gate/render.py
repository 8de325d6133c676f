"""Plain-text renderings of gate outcomes, comparisons and ladder decisions (tabulate).

Shared by the CLI, the pytest plugin and the report so the same evidence reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from harness.gate.compare import Comparison
from harness.gate.ladder import LadderDecision
from harness.gate.policy import GateReport
from harness.gate.record import ModelIdentity, RunRecord

__all__ = [
    "COUNT_METRICS",
    "comparison_row",
    "format_metric",
    "gate_json",
    "gate_table",
    "ladder_json",
    "ladder_text",
    "model_line",
    "runs_table",
]

# Aggregates that count things: shown as integers (`n=110`, not `n=110.000`).
COUNT_METRICS = frozenset({"n", "families", "task_errors", "missing"})


def format_metric(name: str, value: float | None, digits: int = 4) -> str:
    """One metric value as text: counts as integers, everything else with `digits` decimals (so 1.0
    stays "1.0000"; tables built from these strings pass `disable_numparse=True` to keep it so)."""
    if value is None:
        return ""
    return f"{value:.0f}" if name in COUNT_METRICS else f"{value:.{digits}f}"


def model_line(model: ModelIdentity) -> str:
    """A model identity as one readable line: name, then whatever else is known about it."""
    facts = [
        model.kind,
        f"{model.params_b:g}B" if model.params_b is not None else None,
        model.quant,
        f"train data {model.train_data}" if model.train_data else None,
        f"sha256 {model.sha256[:12]}" if model.sha256 else None,
        f"path {model.path}" if model.path and model.path != model.name else None,
    ]
    known = [fact for fact in facts if fact]
    return f"{model.name} ({', '.join(known)})" if known else model.name


def gate_table(report: GateReport, *, fmt: str = "simple") -> str:
    """One row per rule: status, rule name, why."""
    rows = [(o.status.value.upper(), o.rule.name, o.why) for o in report.outcomes]
    verdict = "PASSED" if report.passed else "FAILED"
    failed = sum(1 for o in report.outcomes if not o.passed)
    head = (
        f"gate '{report.policy.name}': candidate {report.candidate}"
        + (f" vs baseline {report.baseline}" if report.baseline else "")
        + f" (seed {report.policy.seed}, {report.policy.resamples} resamples)"
    )
    table = tabulate(
        rows,
        headers=("status", "rule", "why"),
        tablefmt=fmt,
        maxcolwidths=[None, 40, 100],
        disable_numparse=True,
    )
    return f"{head}\n{table}\n{verdict}: {len(report.outcomes) - failed}/{len(report.outcomes)} rules passed"


def comparison_row(cmp: Comparison) -> dict[str, Any]:
    """A JSON-ready summary of a comparison."""
    b = cmp.bootstrap
    return {
        "metric": str(cmp.metric),
        "statistic": cmp.statistic.value,
        "higher_is_better": cmp.higher_is_better,
        "n_paired": cmp.n_paired,
        "only_in_baseline": cmp.only_in_baseline,
        "only_in_candidate": cmp.only_in_candidate,
        "missing_candidate": cmp.missing_candidate,
        "candidate": b.candidate,
        "baseline": b.baseline,
        "gain": cmp.gain,
        "gain_ci": [cmp.gain_ci.low, cmp.gain_ci.high],
        "confidence": cmp.gain_ci.confidence,
        "retention": cmp.retention,
        "mcnemar": None
        if cmp.mcnemar is None
        else {"wins": cmp.mcnemar.wins, "losses": cmp.mcnemar.losses, "p_value": cmp.mcnemar.p_value},
        "seed": b.seed,
        "resamples": b.resamples,
    }


def gate_json(report: GateReport) -> dict[str, Any]:
    return {
        "policy": report.policy.name,
        "candidate": report.candidate,
        "baseline": report.baseline,
        "passed": report.passed,
        "seed": report.policy.seed,
        "resamples": report.policy.resamples,
        "rules": [
            {
                "name": o.rule.name,
                "kind": o.rule.kind.value,
                "metric": str(o.rule.metric),
                "status": o.status.value,
                "why": o.why,
                "value": o.value,
                "comparison": comparison_row(o.comparison) if o.comparison else None,
            }
            for o in report.outcomes
        ],
    }


def ladder_text(decision: LadderDecision, *, fmt: str = "simple") -> str:
    rows = [
        (
            e.label,
            f"{e.comparison.bootstrap.candidate:.4f}",
            f"{e.comparison.bootstrap.baseline:.4f}",
            f"{e.comparison.gain:+.4f}",
            e.comparison.gain_ci.format(4),
            "-" if e.comparison.mcnemar is None else f"{e.comparison.mcnemar.p_value:.3g}",
            e.comparison.n_paired,
            "yes" if e.wins else "no",
        )
        for e in decision.evidence
    ]
    table = tabulate(
        rows,
        headers=("comparison", "candidate", "baseline", "gain", "95% CI", "McNemar p", "n", "wins"),
        tablefmt=fmt,
        disable_numparse=True,
    )
    return (
        f"next step: {decision.step.value}\n{decision.message}\n\n{table}"
        if rows
        else f"next step: {decision.step.value}\n{decision.message}"
    )


def ladder_json(decision: LadderDecision) -> dict[str, Any]:
    return {
        "step": decision.step.value,
        "current": decision.current,
        "next": decision.next,
        "message": decision.message,
        "evidence": [
            {
                "label": e.label,
                "candidate": e.candidate,
                "baseline": e.baseline,
                "wins": e.wins,
                **comparison_row(e.comparison),
            }
            for e in decision.evidence
        ],
    }


def runs_table(records: Sequence[RunRecord], *, fmt: str = "simple") -> str:
    rows = []
    for r in records:
        overall = r.metrics.get("overall", {})
        shown = ", ".join(f"{k}={format_metric(k, v, 3)}" for k, v in sorted(overall.items())[:4])
        size = f"{r.model.params_b:g}B" if r.model.params_b is not None else "-"
        rows.append(
            (r.run_id, r.created, r.model.label(), size, r.dataset.describe(), str(len(r.samples)), shown)
        )
    return tabulate(
        rows,
        headers=("run", "created", "model", "size", "dataset", "samples", "overall"),
        tablefmt=fmt,
        disable_numparse=True,
        colalign=("left", "left", "left", "right", "left", "right", "left"),
    )
