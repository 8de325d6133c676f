"""Reports: markdown/terminal tables (tabulate) and per-family PNG charts (matplotlib, `report` extra).

Charts import matplotlib only when drawn, so tables work without the extra.
"""

from __future__ import annotations

from harness.report.build import render_markdown, write_report
from harness.report.tables import comparison_table, metrics_table, quant_table

__all__ = ["comparison_table", "metrics_table", "quant_table", "render_markdown", "write_report"]
