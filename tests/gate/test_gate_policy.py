"""Policies on synthetic runs with known differences, and the `asm65816 gate` verb's exit codes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cli import main
from harness.gate.compare import check_same_dataset, compare
from harness.gate.errors import DatasetMismatchError, PolicyError
from harness.gate.policy import RuleStatus, evaluate_policy, load_policy, parse_policy
from harness.gate.record import record_from_results
from harness.gate.stats import Pooling

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "fixtures" / "runs"


def _record(name: str):
    return record_from_results(json.loads((RUNS / name).read_text()), origin=name)


def _policy(*rules, **top):
    return parse_policy({"rules": list(rules), "resamples": 2000, **top}, source="test-policy")


def _status(policy, candidate, baseline):
    return [o.status for o in evaluate_policy(policy, candidate, baseline).outcomes]


BASE = "base-1.5b.json"


# overall/pass@1 is pass/fail (bootstrap CI + exact McNemar); overall/score mixes fractions (CI only).
METRICS = pytest.mark.parametrize("metric", ["overall/pass@1", "overall/score", "gen/pass@1", "trace/exact"])


@pytest.mark.parametrize("metric", ["overall/pass@1", "overall/score", "trace/exact"])
def test_real_improvement_passes_must_beat(metric):
    report = evaluate_policy(_policy({"must_beat": metric}), _record("cand-3b-improved.json"), _record(BASE))
    assert report.passed, report.outcomes[0].why
    assert "CI" in report.outcomes[0].why
    assert ("McNemar" in report.outcomes[0].why) == (metric != "overall/score")


@METRICS
def test_noise_does_not_pass_must_beat(metric):
    report = evaluate_policy(_policy({"must_beat": metric}), _record("rerun-1.5b-noise.json"), _record(BASE))
    assert not report.passed
    assert report.outcomes[0].status is RuleStatus.FAIL
    assert "lower bound" in report.outcomes[0].why


@pytest.mark.parametrize("metric", ["overall/pass@1", "overall/score"])
def test_regression_fails_no_regress_and_must_beat(metric):
    policy = _policy({"no_regress": metric, "max_drop": 0.02}, {"must_beat": metric})
    assert _status(policy, _record("cand-regressed.json"), _record(BASE)) == [
        RuleStatus.FAIL,
        RuleStatus.FAIL,
    ]


def test_no_regress_passes_for_the_same_model_and_point_basis_for_noise():
    base = _record(BASE)
    assert _status(_policy({"no_regress": "overall/pass@1", "max_drop": 0.0}), base, base) == [
        RuleStatus.PASS
    ]
    noise = _record("rerun-1.5b-noise.json")  # point gain -0.042
    assert _status(
        _policy({"no_regress": "overall/pass@1", "max_drop": 0.05, "basis": "point"}), noise, base
    ) == [RuleStatus.PASS]
    assert _status(_policy({"no_regress": "overall/pass@1", "max_drop": 0.05}), noise, base) == [
        RuleStatus.FAIL
    ]


def test_floors_min_and_max():
    cand = _record("cand-3b-improved.json")  # overall/pass@1 (macro over gen/optimize/fix) 0.6342
    policy = _policy(
        {"floor": "overall/pass@1", "min": 0.6},
        {"floor": "overall/pass@1", "min": 0.7, "name": "too high"},
        {"floor": "explain/has_wrong_claim", "max": 0.15},  # the record has 0.1
        {"floor": "gen/pass@1", "min": 0.5, "basis": "ci"},
    )
    report = evaluate_policy(policy, cand, None)
    assert [o.status for o in report.outcomes] == [
        RuleStatus.PASS,
        RuleStatus.FAIL,
        RuleStatus.PASS,
        RuleStatus.PASS,
    ]
    assert "0.6342" in report.outcomes[1].why and ">= 0.7" in report.outcomes[1].why


def test_overall_pooling_matches_the_reported_overall_score():
    """overall/score is the mean of family primary metrics (asm65816 score, lm-eval group): macro."""
    cand, base = _record("cand-3b-improved.json"), _record(BASE)
    cmp = compare(cand, base, "overall/score", resamples=500)
    assert cmp.bootstrap.candidate == pytest.approx(cand.metrics["overall"]["score"], abs=1e-6)
    assert cmp.bootstrap.baseline == pytest.approx(base.metrics["overall"]["score"], abs=1e-6)
    micro = compare(cand, base, "overall/score", resamples=500, pooling=Pooling.MICRO)
    scores = [s.metrics["score"] for s in cand.samples]
    assert micro.bootstrap.candidate == pytest.approx(sum(scores) / len(scores))
    policy = _policy({"floor": "overall/pass@1", "min": 0.636, "pooling": "micro"})
    assert evaluate_policy(policy, cand, None).outcomes[0].status is RuleStatus.PASS  # micro 0.6375


def test_quant_retention():
    f16 = _record("quant-3b-f16.json")
    policy = _policy({"quant_retention": "overall/pass@1", "min_ratio": 0.95})
    assert _status(policy, _record("quant-3b-q8_0.json"), f16) == [RuleStatus.PASS]
    assert _status(policy, _record("quant-3b-q4_k_m.json"), f16) == [RuleStatus.FAIL]
    lenient = _policy({"quant_retention": "overall/pass@1", "min_ratio": 0.85, "basis": "point"})
    assert _status(lenient, _record("quant-3b-q4_k_m.json"), f16) == [RuleStatus.PASS]


def test_lower_is_better_metrics_flip_the_gain():
    base = _record(BASE)
    cmp = compare(_record("cand-3b-improved.json"), base, "explain/has_wrong_claim", resamples=500)
    assert not cmp.higher_is_better
    assert cmp.gain == pytest.approx(-(cmp.bootstrap.candidate - cmp.bootstrap.baseline))


def test_mismatched_dataset_versions_are_refused_clearly():
    old = _record("base-1.5b-olddata.json")
    with pytest.raises(DatasetMismatchError, match=r"different datasets.*v1\.0\.0.*v0\.9\.0"):
        check_same_dataset(_record("cand-3b-improved.json"), old)
    report = evaluate_policy(_policy({"must_beat": "overall/pass@1"}), _record("cand-3b-improved.json"), old)
    assert report.outcomes[0].status is RuleStatus.ERROR and not report.passed


def test_missing_dataset_sha_is_refused():
    cand = _record("cand-3b-improved.json")
    unhashed = replace(cand, dataset=replace(cand.dataset, sha256=None))
    with pytest.raises(DatasetMismatchError, match="no dataset sha256"):
        check_same_dataset(unhashed, _record(BASE))


def test_partial_candidate_fails_unless_allow_missing():
    cand = _record("cand-3b-improved.json")
    partial = replace(cand, samples=tuple(s for s in cand.samples if not s.id.endswith("7")))
    strict = _policy({"must_beat": "overall/pass@1"})
    outcome = evaluate_policy(strict, partial, _record(BASE)).outcomes[0]
    assert outcome.status is RuleStatus.FAIL and "did not run" in outcome.why
    relaxed = _policy({"must_beat": "overall/pass@1", "allow_missing": True})
    assert evaluate_policy(relaxed, partial, _record(BASE)).outcomes[0].comparison.n_paired < 240


def test_comparison_rule_without_baseline_is_an_error_not_a_pass():
    report = evaluate_policy(_policy({"must_beat": "overall/pass@1"}), _record(BASE), None)
    assert report.outcomes[0].status is RuleStatus.ERROR and not report.passed


def test_unknown_metric_is_an_error_with_a_suggestion():
    report = evaluate_policy(_policy({"floor": "gen/pases", "min": 0.1}), _record(BASE), None)
    assert report.outcomes[0].status is RuleStatus.ERROR
    assert "did you mean pass@1" in report.outcomes[0].why


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"floor": "gen/pass@1", "mni": 0.3}], "did you mean 'min'"),
        ([{"floor": "gen/pass@1"}], "exactly one of min, max"),
        ([{"no_regress": "gen/pass@1", "max_drop": -0.1}], r"'max_drop' must be a size >= 0.*got -0\.1"),
        ([{"quant_retention": "gen/pass@1", "min_ratio": 95}], r"\(0, 2\]"),
        ([{"must_beat": "gen/pass@1", "basis": "point"}], "decided on the interval"),
        ([{"must_beat": "gen/pass@1", "basis": "vibes"}], "basis: ci|point"),
        ([{"floor": "gen/pass@1", "min": "high"}], "must be a number"),
        ([{"floor": "gen/pass@1", "must_beat": "gen/pass@1", "min": 1}], "exactly one of"),
        ([], "non-empty list of rules"),
        ([{"floor": 0.3, "min": 0.1}], r"'floor' must be a metric 'family/metric'.*got 0\.3"),
        ([{"floor": "gen/pass@1", "min": True}], r"'min' must be a number, got True"),
        ([{"floor": "gen/pass@1", "min": 0.1, "allow_missing": "yes"}], "must be true or false"),
        (
            [{"floor": "gen/pass@1", "min": 0.1, "pooling": "mean"}],
            r"must be one of macro\|micro, got 'mean'",
        ),
        ([{"floor": "gen/pass@1", "min": 0.1, "name": ["a"]}], "'name' must be a string"),
        ([{"floor": "gen/pass@1", "min": 0.1}, {"floor": "gen/pass@1", "min": 0.1}], "unique"),
    ],
)
def test_policy_errors_name_the_problem(rules, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy({"rules": rules}, source="p.yaml")


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"rules": [{"floor": "gen/pass@1", "min": 0.1}], "resample": 500}, "did you mean 'resamples'"),
        ({"rules": [{"floor": "gen/pass@1", "min": 0.1}], "seed": True}, "'seed' must be an integer"),
        ({"rules": [{"floor": "gen/pass@1", "min": 0.1}], "confidence": 1.5}, r"\[0\.5, 1\), got 1\.5"),
        ({"rules": [{"floor": "gen/pass@1", "min": 0.1}], "resamples": 50}, "integer >= 100, got 50"),
        ({"rule": []}, "non-empty 'rules' list"),
    ],
)
def test_policy_top_level_errors_name_key_value_and_fix(policy, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(policy, source="p.yaml")


def test_policy_file_errors_point_at_the_rule_line(tmp_path):
    policy = tmp_path / "gate.yaml"
    policy.write_text(
        "rules:\n  - floor: gen/pass@1\n    min: 0.3\n\n  - no_regress: gen/pass@1\n    max_dorp: 0.1\n"
    )
    with pytest.raises(
        PolicyError, match=r"gate\.yaml:5: rules\[1\]: unknown key 'max_dorp'; did you mean 'max_drop'"
    ):
        load_policy(policy)
    policy.write_bytes(b"rules:\n  - floor: gen/p\xe4sses\n")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(policy)


def test_gate_cli_exit_codes_and_reasons(tmp_path, capsys):
    policy = tmp_path / "gate.yaml"
    policy.write_text(
        "resamples: 2000\nrules:\n  - must_beat: overall/pass@1\n  - floor: gen/pass@1\n    min: 0.5\n"
    )
    improved, noise = str(RUNS / "cand-3b-improved.json"), str(RUNS / "rerun-1.5b-noise.json")
    assert (
        main(["gate", "--candidate", improved, "--baseline", str(RUNS / BASE), "--policy", str(policy)]) == 0
    )
    out = capsys.readouterr().out
    assert "PASSED: 2/2" in out and "gain CI lower bound" in out
    assert main(["gate", "--candidate", noise, "--baseline", str(RUNS / BASE), "--policy", str(policy)]) == 1
    assert "FAIL" in capsys.readouterr().out
    code = main(
        [
            "gate",
            "--candidate",
            improved,
            "--baseline",
            str(RUNS / "base-1.5b-olddata.json"),
            "--policy",
            str(policy),
        ]
    )
    captured = capsys.readouterr()
    assert (
        code == 2 and "refusing to compare runs on different datasets" in captured.err and captured.out == ""
    )


def test_gate_cli_json_is_reproducible(tmp_path, capsys):
    policy = tmp_path / "gate.yaml"
    policy.write_text("seed: 3\nresamples: 1000\nrules:\n  - no_regress: trace/exact\n    max_drop: 0.05\n")
    args = [
        "gate",
        "--json",
        "--candidate",
        str(RUNS / "cand-3b-improved.json"),
        "--baseline",
        str(RUNS / BASE),
    ]
    outputs = []
    for _ in range(2):
        assert main([*args, "--policy", str(policy)]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    rule = outputs[0]["rules"][0]
    assert rule["comparison"]["seed"] == 3 and rule["comparison"]["n_paired"] == 100
    assert main([*args, "--policy", str(policy), "--seed", "4"]) == 0
    assert (
        json.loads(capsys.readouterr().out)["rules"][0]["comparison"]["gain_ci"]
        != rule["comparison"]["gain_ci"]
    )


def test_gate_cli_needs_baseline_for_comparisons(tmp_path, capsys):
    policy = tmp_path / "gate.yaml"
    policy.write_text("rules:\n  - must_beat: overall/pass@1\n")
    assert main(["gate", "--candidate", str(RUNS / BASE), "--policy", str(policy)]) == 2
    assert "--baseline" in capsys.readouterr().err


def test_gate_report_reads_as_the_table_the_cli_prints():
    report = evaluate_policy(_policy({"floor": "gen/pass@1", "min": 0.1}), _record(BASE), None)
    text = str(report)
    assert text.splitlines()[0].startswith("gate 'test-policy': candidate ")
    assert "floor[gen/pass@1 >= 0.1]" in text and text.endswith("PASSED: 1/1 rules passed")
    assert "RuleOutcome(" not in text
    assert str(report.outcomes[0]).startswith("PASS floor[gen/pass@1 >= 0.1]: gen/pass@1 = ")


def test_the_shipped_release_policy_loads_by_name_and_unknown_names_list_it() -> None:
    from harness.gate.policy import bundled_policies, load_policy

    assert "release" in bundled_policies()
    policy = load_policy("release")
    assert policy.rules
    with pytest.raises(PolicyError, match="bundled policies: release"):
        load_policy("no-such-policy")
