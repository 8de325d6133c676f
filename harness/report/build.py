"""`asm65816 report`: one folder with a markdown report, the normalised runs and per-family charts.

The markdown carries the metrics table, paired comparisons against the first run, the quant
retention table when the runs include an F16 and quants, and the ladder's recommendation when the
runs span model sizes; every chart it links is written next to it, including the reward curve of
each RL run (`asm65816 rl` records it with the run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from harness.errors import HarnessError
from harness.gate.ladder import recommend
from harness.gate.record import RunRecord
from harness.gate.render import ladder_text
from harness.report.charts import family_charts, reward_curve_charts
from harness.report.tables import comparison_table, metrics_table, quant_table, run_label

__all__ = ["render_markdown", "write_report"]


def _ladder_section(records: Sequence[RunRecord], metric: str, seed: int) -> str | None:
    sizes = {r.model.params_b for r in records if r.model.params_b is not None}
    if len(sizes) < 2:
        return None
    try:
        decision = recommend(records, metric, seed=seed)
    except HarnessError as error:
        return f"Ladder not evaluated: {error}"
    return "```\n" + ladder_text(decision) + "\n```"


def render_markdown(records: Sequence[RunRecord], charts: Sequence[Path], *, metric: str, seed: int) -> str:
    """The report body (charts referenced by file name)."""
    if not records:
        raise HarnessError("report needs at least one run")
    parts = ["# asm65816 report", ""]
    parts += [
        f"- `{r.run_id}`: {run_label(r)} on {r.dataset.describe()}, {len(r.samples)} samples" for r in records
    ]
    parts += ["", "## Metrics (reported aggregates)", "", metrics_table(records)]
    if len(records) > 1:
        parts += [
            "",
            f"## Paired comparisons vs {run_label(records[0])} (seed {seed})",
            "",
            comparison_table(records, seed=seed),
        ]
    quants = quant_table(records, seed=seed)
    if quants:
        parts += ["", "## Quant retention vs F16 (paired, 95% CI)", "", quants]
    ladder = _ladder_section(records, metric, seed)
    if ladder:
        parts += ["", f"## Scaling ladder ({metric})", "", ladder]
    if charts:
        parts += ["", "## Charts", ""] + [f"![{path.stem}]({path.name})" for path in charts]
    return "\n".join(parts) + "\n"


def write_report(
    records: Sequence[RunRecord], out_dir: Path, *, metric: str = "overall/score", seed: int = 0
) -> list[Path]:
    """Write report.md, runs.json and the PNG charts into `out_dir`; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = family_charts(records, out_dir, seed=seed) + reward_curve_charts(records, out_dir)
    report = out_dir / "report.md"
    report.write_text(render_markdown(records, charts, metric=metric, seed=seed), encoding="utf-8")
    runs = out_dir / "runs.json"
    runs.write_text(
        json.dumps([r.to_dict() for r in records], indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return [report, runs, *charts]
