"""The quant gate: policy decisions (pure), report files, and the full run on the tiny model.

The decision tests use hand-made FamilyScores; the end-to-end tests export, quantize and time real
GGUFs. With a stand-in evaluator the pipeline runs anywhere llama-cpp-python does; with the real
asm65816 suite it needs the task data (skipped with a message when it is absent).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.trainers.quant.report import (
    FamilyScore,
    QuantPolicy,
    Verdict,
    decide,
    main_scores,
)

pytestmark = pytest.mark.gguf


def _scores(**values: float) -> list[FamilyScore]:
    return [FamilyScore(family, f"asm65816_{family}", "pass@1", value) for family, value in values.items()]


F16 = _scores(gen=0.50, optimize=0.40, fix=0.20, mc=0.60)


def test_policy_passes_when_every_protected_family_keeps_enough() -> None:
    retention, verdict, reasons = decide(
        "Q8_0", _scores(gen=0.50, optimize=0.39, fix=0.20, mc=0.1), F16, QuantPolicy()
    )
    assert verdict is Verdict.PASS and reasons == ()
    assert retention["optimize"] == pytest.approx(0.975)
    assert retention["mc"] == pytest.approx(0.1 / 0.6)  # reported, but mc is not a protected family


def test_policy_fails_below_threshold_and_per_quant_overrides_apply() -> None:
    quant = _scores(gen=0.46, optimize=0.40, fix=0.20)  # gen keeps 92%
    _, verdict, reasons = decide("Q4_K_M", quant, F16, QuantPolicy(min_retention=0.95))
    assert verdict is Verdict.FAIL and reasons == ("gen: retention 0.920 < 0.950",)
    lenient = QuantPolicy(min_retention=0.95, per_quant={"Q4_K_M": 0.90})
    assert decide("Q4_K_M", quant, F16, lenient)[1] is Verdict.PASS
    assert decide("Q5_K_M", quant, F16, lenient)[1] is Verdict.FAIL


def test_no_signal_is_inconclusive_never_a_pass() -> None:
    zero = _scores(gen=0.0, optimize=0.0, fix=0.0)
    retention, verdict, reasons = decide("Q4_K_M", zero, zero, QuantPolicy())
    assert verdict is Verdict.INCONCLUSIVE
    assert retention["gen"] is None and "no signal" in reasons[0]
    missing = decide("Q8_0", _scores(gen=0.5), F16, QuantPolicy())
    assert missing[1] is Verdict.INCONCLUSIVE and any("not evaluated" in r for r in missing[2])


def test_lower_is_better_metrics_invert_retention() -> None:
    ref = [FamilyScore("trace", "asm65816_trace", "cycles_error", 2.0, higher_is_better=False)]
    quant = [FamilyScore("trace", "asm65816_trace", "cycles_error", 4.0, higher_is_better=False)]
    retention, verdict, _ = decide("Q4_K_M", quant, ref, QuantPolicy(families=("trace",)))
    assert retention["trace"] == pytest.approx(0.5) and verdict is Verdict.FAIL


def test_policy_validation_and_yaml(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="unknown keys"):
        QuantPolicy.from_mapping({"min_retention": 0.9, "familes": ["gen"]})
    with pytest.raises(HarnessError, match="outside"):
        QuantPolicy(min_retention=95)
    path = tmp_path / "policy.yaml"
    path.write_text("min_retention: 0.9\nper_quant: {q4_k_m: 0.85}\nfamilies: [gen, fix]\n")
    policy = QuantPolicy.from_file(path)
    assert policy.threshold("Q4_K_M") == 0.85 and policy.threshold("Q8_0") == 0.9
    assert policy.families == ("gen", "fix")


def test_main_scores_reads_each_familys_primary_metric() -> None:
    results = {
        "configs": {
            "asm65816_gen": {"metric_list": [{"metric": "assembles"}, {"metric": "pass@1"}]},
            "asm65816_mc": {"metric_list": [{"metric": "acc"}, {"metric": "score"}]},
            "asm65816_new": {"metric_list": [{"metric": "first"}, {"metric": "score"}]},
            "asm65816_odd": {"metric_list": [{"metric": "first"}]},
            "other": {"metric_list": [{"metric": "acc"}]},
        },
        "results": {
            "asm65816_gen": {"assembles,verified": 0.9, "pass@1,verified": 0.25, "alias": "gen"},
            "asm65816_mc": {"acc,verified": 0.5, "score,verified": 0.5},
            "asm65816_new": {"first,none": 0.1, "score,none": 0.7},
            "asm65816_odd": {"first,none": 0.3},
        },
        "higher_is_better": {"asm65816_gen": {"pass@1": True}},
    }
    scores = main_scores(results)
    assert [(s.family, s.metric, s.value) for s in scores] == [
        ("gen", "pass@1", 0.25),
        ("mc", "acc", 0.5),
        ("new", "score", 0.7),
        ("odd", "first", 0.3),
    ]
    del results["results"]["asm65816_mc"]["acc,verified"]
    with pytest.raises(HarnessError, match="no value"):
        main_scores(results)
    with pytest.raises(HarnessError, match="no asm65816_"):
        main_scores({"configs": {}, "results": {}})


# --- end to end on the tiny model -------------------------------------------------------------


def _fake_evaluator(path: Path) -> list[FamilyScore]:
    """Stand-in scores: the Q4_K_M file loses 20% on gen, everything else keeps its F16 score."""
    return _scores(gen=0.4 if "q4_k_m" in path.name else 0.5, optimize=0.5, fix=0.25, mc=0.5)


def test_report_end_to_end_with_stand_in_scores(tiny_qwen2: Path, tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("matplotlib")
    from harness.trainers.quant.report import run_quant_report

    out = tmp_path / "report"
    report = run_quant_report(
        tiny_qwen2,
        ["Q8_0", "q4_k_m"],
        out,
        evaluator=_fake_evaluator,
        policy=QuantPolicy(min_retention=0.95, families=("gen", "optimize")),
        speed_tokens=16,
    )
    names = [v.name for v in report.variants]
    assert names == ["F16", "Q8_0", "Q4_K_M"]
    f16, q8, q4 = report.variants
    assert f16.size_bytes > q8.size_bytes > q4.size_bytes
    assert all(v.tokens_per_s > 0 and math.isfinite(v.tokens_per_s) for v in report.variants)
    assert "Q4_K" in q4.tensor_types
    assert q8.verdict is Verdict.PASS and q8.retention["gen"] == pytest.approx(1.0)
    assert q4.verdict is Verdict.FAIL and report.verdict is Verdict.FAIL
    assert q4.reasons == ("gen: retention 0.800 < 0.950",)
    data = json.loads((out / "quant-report.json").read_text())
    assert data["verdict"] == "fail" and [v["name"] for v in data["variants"]] == names
    assert data["variants"][2]["retention"]["gen"] == pytest.approx(0.8)
    assert data["policy"]["families"] == ["gen", "optimize"] and data["versions"]["llama-cpp-python"]
    table = (out / "quant-report.md").read_text()
    assert "| Q4_K_M" in table and "gen pass@1" in table and "verdict: FAIL" in table
    assert (out / "quant-report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (out / "gguf").iterdir()) == [
        "model-f16.gguf",
        "model-q4_k_m.gguf",
        "model-q8_0.gguf",
    ]


def _suite_available() -> bool:
    try:
        from harness.lmeval import task_dir
    except ImportError:
        return False
    data = Path(task_dir()) / "data"
    return data.is_dir() and any(data.glob("*.jsonl"))


@pytest.mark.slow
def test_report_end_to_end_on_the_asm65816_suite(tiny_qwen2: Path, tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    if not _suite_available():
        pytest.skip("asm65816 task data not present (tasks/asm65816/data/*.jsonl)")
    from harness.trainers.quant.report import run_quant_report

    out = tmp_path / "suite-report"
    report = run_quant_report(tiny_qwen2, ["Q8_0", "Q4_K_M"], out, limit=2, speed_tokens=16)
    families = {s.family for s in report.variants[0].scores}
    assert {"gen", "optimize", "trace", "explain", "fix", "mc"} <= families
    # a random tiny model scores 0 on code: the gate must say so, not pass
    assert report.verdict in (Verdict.INCONCLUSIVE, Verdict.FAIL, Verdict.PASS)
    if all(s.value == 0 for s in report.variants[0].scores if s.family in report.policy.families):
        assert report.verdict is Verdict.INCONCLUSIVE
    for name in ("quant-report.json", "quant-report.md", "quant-report.png"):
        assert (out / name).stat().st_size > 0
