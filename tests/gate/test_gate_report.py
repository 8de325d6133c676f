"""Reports: markdown tables, paired comparisons, quant retention and per-family PNG charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.gate.record import record_from_results
from harness.report import comparison_table, metrics_table, quant_table, write_report

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "fixtures" / "runs"
PNG = b"\x89PNG\r\n\x1a\n"


def _records(*names):
    return [record_from_results(json.loads((RUNS / n).read_text()), origin=n) for n in names]


def test_tables_show_values_and_verdicts():
    base, better, worse = _records("base-1.5b.json", "cand-3b-improved.json", "cand-regressed.json")
    table = metrics_table([base, better])
    assert "| gen      | pass@1" in table and "0.6200" in table and "0.6400" in table
    cmp = comparison_table([base, better, worse], seed=0, resamples=1000)
    assert "trace/exact" in cmp and "better" in cmp and "worse" in cmp and "McNemar p" in cmp


def test_quant_table_needs_an_f16_reference():
    runs = _records("quant-3b-f16.json", "quant-3b-q8_0.json", "quant-3b-q4_k_m.json")
    table = quant_table(runs, resamples=1000)
    assert table is not None and table.index("F16") < table.index("Q8_0") < table.index("Q4_K_M")
    assert quant_table(runs[1:], resamples=1000) is None


def test_mismatched_runs_are_reported_not_compared():
    table = comparison_table(_records("cand-3b-improved.json", "base-1.5b-olddata.json"), resamples=500)
    assert "not compared: refusing to compare runs on different datasets" in table


def test_write_report_writes_markdown_and_charts(tmp_path):
    pytest.importorskip("matplotlib")
    names = (
        "base-1.5b.json",
        "cand-3b-improved.json",
        "cand-3b-v3-plateau.json",
        "quant-3b-f16.json",
        "quant-3b-q4_k_m.json",
    )
    written = write_report(_records(*names), tmp_path / "out")
    files = {p.name for p in written}
    for family in ("gen", "optimize", "trace", "explain", "fix", "mc"):
        assert {f"runs_{family}.png", f"ladder_{family}.png", f"quant_{family}.png"} <= files
    for path in written:
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG) and path.stat().st_size > 5000
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "## Scaling ladder" in markdown and "next step: move-up" in markdown
    assert "## Quant retention" in markdown and "![quant_gen](quant_gen.png)" in markdown
    assert len(json.loads((tmp_path / "out" / "runs.json").read_text())) == len(names)


def test_single_family_runs_get_only_the_runs_view(tmp_path):
    pytest.importorskip("matplotlib")
    written = write_report(_records("base-1.5b.json", "rerun-1.5b-noise.json"), tmp_path)
    charts = sorted(p.name for p in written if p.suffix == ".png")
    assert charts and all(name.startswith("runs_") for name in charts)


def test_report_cli(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert (
        main(
            [
                "report",
                str(RUNS / "base-1.5b.json"),
                str(RUNS / "cand-3b-improved.json"),
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert str(tmp_path / "report.md") in capsys.readouterr().out
    assert "next step: scale-data" in (tmp_path / "report.md").read_text()
