"""The scaling ladder follows the user's plan: 1.5B -> 3B -> scale data -> 7B -> 14B/16B."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.gate.errors import DatasetMismatchError, PolicyError
from harness.gate.ladder import LadderStep, recommend
from harness.gate.record import record_from_results

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "fixtures" / "runs"


def _record(name: str):
    return record_from_results(json.loads((RUNS / name).read_text()), origin=name)


def test_only_the_baseline_says_train_3b():
    decision = recommend([_record("base-1.5b.json")], resamples=500)
    assert decision.step is LadderStep.TRAIN_NEXT and decision.next == "3B"
    assert "improved data" in decision.message


def test_3b_wins_means_scale_data_not_model():
    decision = recommend([_record("base-1.5b.json"), _record("cand-3b-improved.json")], resamples=2000)
    assert decision.step is LadderStep.SCALE_DATA and decision.current == "3B"
    assert "Scale data, not model" in decision.message
    (evidence,) = decision.evidence
    assert evidence.wins and evidence.label == "3B vs 1.5B" and evidence.comparison.gain_ci.low > 0


def test_data_plateau_at_3b_means_move_to_7b():
    runs = [_record(n) for n in ("base-1.5b.json", "cand-3b-improved.json", "cand-3b-v3-plateau.json")]
    decision = recommend(runs, resamples=2000)
    assert decision.step is LadderStep.MOVE_UP and decision.next == "7B"
    assert [e.wins for e in decision.evidence] == [True, False]
    assert "A100" in decision.message and "CI" in decision.message


def test_data_still_paying_means_keep_scaling():
    weak_3b = _record("cand-regressed.json").with_model(params_b=3.0, train_data="v2")
    strong_3b = _record("cand-3b-v3-plateau.json")  # newer, data v3, clearly better than the weak one
    decision = recommend([_record("base-1.5b.json"), weak_3b, strong_3b], resamples=2000)
    assert decision.step is LadderStep.SCALE_DATA and "keep scaling data" in decision.message


def test_3b_that_does_not_beat_1p5b_means_improve_data():
    noise_3b = _record("rerun-1.5b-noise.json").with_model(params_b=3.0, name="coder-3B-v2")
    decision = recommend([_record("base-1.5b.json"), noise_3b], resamples=2000)
    assert decision.step is LadderStep.IMPROVE_DATA and decision.current == "1.5B"
    assert "does not beat" in decision.message


def test_ceiling_at_the_top_of_the_plan():
    runs = [
        _record("base-1.5b.json").with_model(params_b=7.0),
        _record("cand-3b-improved.json").with_model(params_b=16.0),
        _record("cand-3b-v3-plateau.json").with_model(params_b=16.0),
    ]
    decision = recommend(runs, resamples=2000)
    assert decision.step is LadderStep.TOP and decision.current == "16B"


def test_ladder_needs_sizes_and_one_dataset():
    unsized = _record("base-1.5b.json").with_model(params_b=None, name="mystery-model")
    with pytest.raises(PolicyError, match="--params"):
        recommend([unsized, _record("cand-3b-improved.json")], resamples=500)
    with pytest.raises(DatasetMismatchError):
        recommend([_record("base-1.5b-olddata.json"), _record("cand-3b-improved.json")], resamples=500)


def test_quantized_runs_are_left_out_of_the_ladder():
    decision = recommend([_record("base-1.5b.json"), _record("quant-3b-q4_k_m.json")], resamples=500)
    assert decision.step is LadderStep.TRAIN_NEXT


def test_ladder_cli(capsys):
    runs = [str(RUNS / n) for n in ("base-1.5b.json", "cand-3b-improved.json", "cand-3b-v3-plateau.json")]
    assert main(["ladder", *runs, "--resamples", "2000"]) == 0
    out = capsys.readouterr().out
    assert "next step: move-up" in out and "3B vs 1.5B" in out
    assert main(["ladder", *runs, "--json", "--metric", "trace/exact", "--resamples", "2000"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["evidence"][0]["metric"] == "trace/exact"
