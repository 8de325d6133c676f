"""The trainers' QA report shows synth output at 100% ASAR pass and 100% verified claims, and names a
planted false claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.trainers.qa import QAOptions, SourceSpec, format_report, run_qa
from harness.trainers.synth import write_jsonl

pytestmark = pytest.mark.usefixtures("datasketch")  # near-duplicate detection

PLANTED = Path(__file__).resolve().parents[2] / "fixtures" / "synth" / "planted_wrong_saving.jsonl"


def test_qa_reports_synth_output_fully_verified(tmp_path):
    path = tmp_path / "synth.jsonl"
    write_jsonl(path, "all", 4, 7)
    report = run_qa([SourceSpec("synth", path)], QAOptions())
    source = report.sources[0]
    assert source.asar.pass_rate == 1.0
    assert source.claims.samples_with_claims == 4 and source.claims.verified_rate == 1.0
    assert source.claims.claims > 4 and not source.claims.failures
    assert "4/4 (100%)" in format_report(report)


def test_qa_names_a_planted_false_claim():
    report = run_qa([SourceSpec("planted", PLANTED)], QAOptions(check_asar=False))
    claims = report.sources[0].claims
    assert claims.verified_rate is not None and claims.verified_rate < 1.0
    assert claims.failures
    assert "claim fail   planted/" in format_report(report)
