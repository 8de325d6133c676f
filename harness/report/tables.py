"""Report tables (tabulate): metrics per family across runs, paired comparisons, quant retention.

Values are the runs' reported aggregates; comparisons are paired bootstraps on the shared tasks, so
a reader sees both the number and whether the difference is real.
"""

from __future__ import annotations

from collections.abc import Sequence

from tabulate import tabulate

from harness.core.families import FAMILIES, primary_metric
from harness.errors import HarnessError
from harness.gate.compare import MetricRef, compare
from harness.gate.identity import quant_rank
from harness.gate.record import RunRecord
from harness.gate.render import format_metric

__all__ = ["comparison_table", "main_metric", "metrics_table", "quant_table", "run_label"]


def run_label(record: RunRecord) -> str:
    """Short column label: model label, plus training data when the same model name repeats."""
    label = record.model.label()
    return (
        f"{label} ({record.model.train_data})"
        if record.model.train_data and record.model.train_data not in label
        else label
    )


def main_metric(records: Sequence[RunRecord], family: str) -> str | None:
    """The family's primary metric (the registry's; lm-eval's per-sample `score` is the same number)
    if the runs carry it, else `score`, else its first metric, else None."""
    names = sorted({n for r in records for n in r.metric_names(family)})
    primary = (primary_metric(family),) if family in FAMILIES else ()
    for preferred in (*primary, "score"):
        if preferred in names:
            return preferred
    return names[0] if names else None


def _families(records: Sequence[RunRecord]) -> list[str]:
    return list(dict.fromkeys(f for r in records for f in r.families))


def metrics_table(records: Sequence[RunRecord], *, fmt: str = "github") -> str:
    """Rows: family/metric; columns: runs. Reported aggregates (blank where a run lacks the metric)."""
    families = [*_families(records), "overall"]
    rows = []
    for family in families:
        names = sorted({n for r in records for n in r.metrics.get(family, {})})
        for name in names:
            values = [r.metrics.get(family, {}).get(name) for r in records]
            rows.append([family, name, *(format_metric(name, v) for v in values)])
    headers = ["family", "metric", *(run_label(r) for r in records)]
    return tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)


def comparison_table(
    records: Sequence[RunRecord], *, fmt: str = "github", seed: int = 0, resamples: int = 5_000
) -> str:
    """Each later run vs the first on every family's main metric: gain, 95% CI, McNemar p, n."""
    reference = records[0]
    rows = []
    for record in records[1:]:
        for family in _families([reference, record]):
            metric = main_metric([reference, record], family)
            if metric is None:
                continue
            try:
                cmp = compare(record, reference, MetricRef(family, metric), seed=seed, resamples=resamples)
            except HarnessError as error:
                rows.append(
                    [run_label(record), f"{family}/{metric}", "", "", f"not compared: {error}", "", ""]
                )
                continue
            p_value = "-" if cmp.mcnemar is None else f"{cmp.mcnemar.p_value:.3g}"
            verdict = (
                "better"
                if cmp.gain_ci.low > 0
                else "worse"
                if cmp.gain_ci.high < 0
                else "no clear difference"
            )
            rows.append(
                [
                    run_label(record),
                    str(cmp.metric),
                    f"{cmp.gain:+.4f}",
                    cmp.gain_ci.format(4),
                    verdict,
                    p_value,
                    str(cmp.n_paired),
                ]
            )
    headers = ["run", "metric", f"gain vs {run_label(reference)}", "95% CI", "verdict", "McNemar p", "n"]
    return tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)


def quant_table(
    records: Sequence[RunRecord], *, fmt: str = "github", seed: int = 0, resamples: int = 5_000
) -> str | None:
    """Retention of each quant vs the full-precision run on each family's main metric (None if no F16/BF16)."""
    quants = sorted((r for r in records if r.model.quant), key=lambda r: quant_rank(r.model.quant))
    reference = next(
        (r for r in quants if r.model.quant and r.model.quant.upper() in ("F32", "BF16", "F16")), None
    )
    if reference is None or len(quants) < 2:
        return None
    families = _families(quants)
    rows = []
    for record in quants:
        row = [record.model.quant or "?"]
        for family in families:
            metric = main_metric([reference, record], family)
            try:
                cmp = compare(
                    record, reference, MetricRef(family, metric or ""), seed=seed, resamples=resamples
                )
            except HarnessError:
                row.append("n/a")
                continue
            kept, ci = cmp.retention, cmp.retention_ci
            row.append("n/a" if kept is None or ci is None else f"{kept:.3f} [{ci.low:.3f}, {ci.high:.3f}]")
        rows.append(row)
    headers = ["quant", *(f"{f}/{main_metric(quants, f)} retention" for f in families)]
    return tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)
