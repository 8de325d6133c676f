"""PNG charts per family (matplotlib, the `report` extra): runs, ladder and quant views.

- runs view: each run's main metric with a bootstrap 95% interval;
- ladder view: main metric against model size (log axis), one line per training-data version;
- quant view: main metric per quant type, F16 first, annotated with retention vs F16;
- reward curve (RL runs): mean reward per training step, from the record's `task_config.rl`.
Figures are built with `matplotlib.figure.Figure` (no pyplot state, no backend switch), so charts can
be drawn from tests or threads without side effects.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import ToolMissingError
from harness.gate.compare import MetricRef, default_statistic, metric_values
from harness.gate.identity import quant_rank
from harness.gate.record import RunRecord
from harness.gate.stats import bootstrap_statistic
from harness.report.tables import main_metric, run_label

__all__ = ["family_charts", "reward_curve_chart", "reward_curve_charts"]

_FULL = (None, "F32", "BF16", "F16")


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ToolMissingError("charts need matplotlib: pip install 'asm65816-harness[report]'") from error
    figure = Figure(figsize=(7.0, 4.2), dpi=100)
    figure.subplots_adjust(
        left=0.1, right=0.97, top=0.9, bottom=0.2
    )  # fixed margins: layout engines cost ~40%
    return figure


class _Points:
    """Per-report memo of (value, lower error, upper error) per run and metric: every view reuses it."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._memo: dict[tuple[str, MetricRef], tuple[float, float, float] | None] = {}

    def get(self, record: RunRecord, ref: MetricRef) -> tuple[float, float, float] | None:
        key = (record.run_id, ref)
        if key not in self._memo:
            self._memo[key] = self._compute(record, ref)
        return self._memo[key]

    def _compute(self, record: RunRecord, ref: MetricRef) -> tuple[float, float, float] | None:
        if ref.metric not in record.metric_names(ref.family):
            return None
        values = np.array([v for _f, v in metric_values(record, ref).values()])
        value, ci = bootstrap_statistic(values, statistic=default_statistic(ref.metric), seed=self.seed)
        return value, max(value - ci.low, 0.0), max(ci.high - value, 0.0)


def _runs_view(records: Sequence[RunRecord], ref: MetricRef, path: Path, points_memo: _Points) -> Path | None:
    points = [(run_label(r), p) for r in records if (p := points_memo.get(r, ref))]
    if not points:
        return None
    fig = _figure()
    ax = fig.add_subplot()
    xs = np.arange(len(points))
    ax.bar(xs, [p[0] for _l, p in points], color="#4c72b0")
    ax.errorbar(xs, [p[0] for _l, p in points], yerr=np.array([[p[1] for _l, p in points], [p[2] for _l, p in points]]),
                fmt="none", ecolor="black", capsize=4)  # fmt: skip
    ax.set_xticks(xs, [label for label, _p in points], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ref.metric)
    ax.set_title(f"{ref.family}: {ref.metric} per run (95% bootstrap CI)")
    fig.savefig(path)
    return path


def _ladder_view(
    records: Sequence[RunRecord], ref: MetricRef, path: Path, points_memo: _Points
) -> Path | None:
    models = [r for r in records if r.model.params_b is not None and (r.model.quant or None) in _FULL]
    if len({r.model.params_b for r in models}) < 2:
        return None
    fig = _figure()
    ax = fig.add_subplot()
    series: dict[str, list[tuple[float, tuple[float, float, float]]]] = {}
    for record in sorted(models, key=lambda r: (r.model.params_b or 0.0, r.created)):
        point = points_memo.get(record, ref)
        if point is not None and record.model.params_b is not None:
            series.setdefault(record.model.train_data or "runs", []).append((record.model.params_b, point))
    if not series:
        return None
    latest: dict[float, float] = {}
    for record in sorted(models, key=lambda r: r.created):
        point = points_memo.get(record, ref)
        if point is not None and record.model.params_b is not None:
            latest[record.model.params_b] = point[0]
    ax.plot(
        sorted(latest),
        [latest[x] for x in sorted(latest)],
        color="0.6",
        linestyle="--",
        label="latest run per size",
    )
    for label, items in series.items():
        xs = [x for x, _p in items]
        ax.errorbar(xs, [p[0] for _x, p in items], yerr=np.array([[p[1] for _x, p in items], [p[2] for _x, p in items]]),
                    marker="o", linestyle="none", capsize=4, label=f"data {label}")  # fmt: skip
    ax.set_xscale("log")
    sizes = sorted({x for items in series.values() for x, _p in items})
    ax.minorticks_off()
    ax.set_xticks(sizes, [f"{s:g}B" for s in sizes])
    ax.set_xlabel("model size (parameters)")
    ax.set_ylabel(ref.metric)
    ax.set_title(f"{ref.family}: {ref.metric} by model size (ladder, 95% CI)")
    ax.legend(fontsize=8)
    fig.savefig(path)
    return path


def _quant_view(
    records: Sequence[RunRecord], ref: MetricRef, path: Path, points_memo: _Points
) -> Path | None:
    quants = sorted((r for r in records if r.model.quant), key=lambda r: quant_rank(r.model.quant))
    if len(quants) < 2:
        return None
    points = [(r.model.quant or "?", p) for r in quants if (p := points_memo.get(r, ref))]
    if len(points) < 2:
        return None
    reference = next((p[0] for q, p in points if q.upper() in ("F32", "BF16", "F16")), None)
    fig = _figure()
    ax = fig.add_subplot()
    xs = np.arange(len(points))
    heights = [p[0] for _q, p in points]
    ax.bar(xs, heights, color="#55a868")
    ax.errorbar(xs, heights, yerr=np.array([[p[1] for _q, p in points], [p[2] for _q, p in points]]),
                fmt="none", ecolor="black", capsize=4)  # fmt: skip
    if reference:
        for x, height in zip(xs, heights, strict=True):
            ax.annotate(
                f"{height / reference:.1%}",
                (x, height),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(xs, [q for q, _p in points])
    ax.set_ylabel(ref.metric)
    ax.set_title(f"{ref.family}: {ref.metric} per quant (retention vs F16, 95% CI)")
    fig.savefig(path)
    return path


def family_charts(records: Sequence[RunRecord], out_dir: Path, *, seed: int = 0) -> list[Path]:
    """Write `<view>_<family>.png` for every family (runs view always; ladder/quant where they apply)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    families = list(dict.fromkeys(f for r in records for f in r.families))
    memo = _Points(seed)
    for family in families:
        metric = main_metric(records, family)
        if metric is None:
            continue
        ref = MetricRef(family, metric)
        for view, draw in (("runs", _runs_view), ("ladder", _ladder_view), ("quant", _quant_view)):
            path = draw(records, ref, out_dir / f"{view}_{family}.png", memo)
            if path is not None:
                written.append(path)
    return written


def reward_curve_chart(record: RunRecord, path: Path) -> Path | None:
    """The run's mean reward per GRPO step (`task_config.rl.reward_curve`), or None when the record is
    not an RL run. One point per logged step; the dashed line is a centred moving mean over 5 steps."""
    from harness.rewards.curve import reward_curve_of

    curve = reward_curve_of(record.task_config)
    if not curve:
        return None
    steps = np.array([step for step, _v in curve], dtype=float)
    values = np.array([value for _s, value in curve], dtype=float)
    fig = _figure()
    ax = fig.add_subplot()
    ax.plot(steps, values, marker="o", markersize=3, linewidth=1, color="#4c72b0", label="mean reward")
    if len(values) >= 5:
        smooth = np.convolve(values, np.ones(5) / 5, mode="valid")
        ax.plot(steps[2:-2], smooth, linestyle="--", color="#dd8452", label="moving mean (5 steps)")
    ax.set_xlabel("training step")
    ax.set_ylabel("mean reward")
    ax.set_title(f"{run_label(record)}: GRPO reward per step")
    ax.legend(fontsize=8)
    fig.savefig(path)
    return path


def reward_curve_charts(records: Sequence[RunRecord], out_dir: Path) -> list[Path]:
    """`reward_<run id>.png` for every RL run among `records`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for record in records:
        path = reward_curve_chart(record, out_dir / f"reward_{record.run_id}.png")
        if path is not None:
            written.append(path)
    return written
