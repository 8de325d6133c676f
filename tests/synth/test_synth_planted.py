"""Negative controls: one planted false claim per file, and `synth verify` must reject it, naming the
example and the claim. Planted freshly from generated samples (so the lie is the only failure) and from
the committed fixtures in fixtures/synth/ (checked through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.trainers.synth import Kind, dumps_sample, iter_samples, verify_records
from harness.trainers.synth.plant import PLANTS, plant_false_fix, plant_trace_register, plant_wrong_saving

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "synth"


def _first(kind: Kind, seed: int = 21) -> dict:
    return next(iter(iter_samples(kind.value, 1, seed)))


def _only_failure(sample: dict) -> tuple[str, str, str]:
    _, _, failures = verify_records([(1, sample)])
    assert len(failures) == 1, [f.format() for f in failures]
    return failures[0].example, failures[0].claim, failures[0].message


def test_the_unplanted_samples_verify() -> None:
    for kind in (Kind.EXPLAIN_OPTIMIZE, Kind.TRACE, Kind.REVIEW):
        _, _, failures = verify_records([(1, _first(kind))])
        assert failures == [], [f.format() for f in failures]


def test_wrong_cycle_saving_is_rejected() -> None:
    sample = _first(Kind.EXPLAIN_OPTIMIZE)
    example, claim, message = _only_failure(plant_wrong_saving(sample))
    assert (example, claim) == (sample["id"], "savings")
    assert "cand_cycles_mean" in message


def test_wrong_register_value_in_a_trace_step_is_rejected() -> None:
    sample = _first(Kind.TRACE)
    example, claim, message = _only_failure(plant_trace_register(sample, step=2))
    assert (example, claim) == (sample["id"], "step-2")
    assert "step 2 A" in message


def test_fix_that_does_not_fix_is_rejected() -> None:
    sample = _first(Kind.REVIEW)
    example, claim, message = _only_failure(plant_false_fix(sample))
    assert (example, claim) == (sample["id"], "fix")
    assert message.startswith("not equivalent")


def test_output_text_edited_without_the_record_is_rejected() -> None:
    sample = _first(Kind.EXPLAIN_OPTIMIZE)
    savings = next(c for c in sample["metadata"]["verification"]["claims"] if c["id"] == "savings")
    sample["output"] = sample["output"].replace(
        savings["text"], savings["text"].replace("saves", "saves about")
    )
    example, claim, message = _only_failure(sample)
    assert (example, claim) == (sample["id"], "savings") and "does not contain" in message


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_committed_planted_fixture_is_rejected_by_the_cli(
    plant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / f"planted_{plant}.jsonl"
    assert path.is_file(), f"{path} missing; rebuild with `python -m harness.trainers.synth.plant {FIXTURES}`"
    planted = [json.loads(line) for line in path.read_text().splitlines()]
    kind, claim = PLANTS[plant]
    target = next(s["id"] for s in planted if s["metadata"].get("planted") == plant)
    assert main(["synth", "verify", str(path), "--no-contamination", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {target}: claim {claim}:" in out
    honest = next(s["id"] for s in planted if "planted" not in s["metadata"])
    assert f"FAIL {honest}" not in out, out
    # (the freshly planted tests above show the planted claim is the only failure; a committed fixture's
    # hypothesis-measured numbers may drift with the verifier's case generation, so only the target is pinned)


def test_fixture_files_are_jsonl_in_the_generator_format() -> None:
    for plant in PLANTS:
        for line in (FIXTURES / f"planted_{plant}.jsonl").read_text().splitlines():
            sample = json.loads(line)
            assert dumps_sample(sample) == line


def test_trace_prompt_with_a_different_entry_state_is_rejected() -> None:
    sample = _first(Kind.TRACE)
    sample["input"] = sample["input"].replace("Entry state: A=$", "Entry state: A=$1", 1)
    example, claim, message = _only_failure(sample)
    assert (example, claim) == (sample["id"], "final") and "entry state" in message


def test_explain_run_with_misstated_inputs_is_rejected() -> None:
    from harness.trainers.synth import render

    sample = _first(Kind.EXPLAIN, seed=4)
    run = next(c for c in sample["metadata"]["verification"]["claims"] if c["id"] == "run")
    assert run["inputs"], "seed 4 must give an explain sample with stated inputs"
    key = next(iter(run["inputs"]))
    run["inputs"][key] = "$01" if run["inputs"][key] != "$01" else "$02"
    new_text = render.run_text(run["inputs"], run["cycles"], run["outputs"], run["style"])
    sample["output"] = sample["output"].replace(run["text"], new_text)
    run["text"] = new_text
    example, claim, message = _only_failure(sample)
    assert (example, claim) == (sample["id"], "run") and "entry state of the stated inputs" in message
