"""Generation: determinism, every kind verified from the file alone, schema/QA at 100%, the CLI, and
zero contamination against the eval tasks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.trainers.contamination import ContaminationIndex, default_task_files, load_eval_texts
from harness.trainers.qa import QAOptions, run_qa
from harness.trainers.qa import SourceSpec as QASource
from harness.trainers.schema import load_source
from harness.trainers.synth import Kind, generate, verify_file, verify_records, write_jsonl

pytestmark = pytest.mark.usefixtures("datasketch")  # near-duplicate detection

N_SUBSET = 8  # two of each kind; the full set is `asm65816 synth --kind all --n 500` (see README of synth)


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "subset.jsonl"
    write_jsonl(path, "all", N_SUBSET, seed=11)
    return path


def test_same_seed_gives_byte_identical_file(subset: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jsonl"
    write_jsonl(again, "all", N_SUBSET, seed=11)
    assert again.read_bytes() == subset.read_bytes()
    parallel = tmp_path / "parallel.jsonl"
    write_jsonl(parallel, "all", N_SUBSET, seed=11, workers=2)
    assert parallel.read_bytes() == subset.read_bytes()
    other = tmp_path / "other.jsonl"
    write_jsonl(other, "all", N_SUBSET, seed=12)
    assert other.read_bytes() != subset.read_bytes()


def test_every_kind_present_and_every_claim_verified(subset: Path) -> None:
    samples = [json.loads(line) for line in subset.read_text().splitlines()]
    assert {s["metadata"]["kind"] for s in samples} == {k.value for k in Kind}
    report = verify_file(subset, contamination=False)
    assert report.failures == () and report.ok, [f.format() for f in report.failures]
    assert report.claims >= 4 * N_SUBSET


def test_explain_optimize_numbers_come_from_the_emulator(subset: Path) -> None:
    for line in subset.read_text().splitlines():
        sample = json.loads(line)
        if sample["metadata"]["kind"] != "explain_optimize":
            continue
        savings = next(c for c in sample["metadata"]["verification"]["claims"] if c["type"] == "savings")
        assert savings["cand_cycles_mean"] < savings["ref_cycles_mean"]
        saved = savings["ref_cycles_mean"] - savings["cand_cycles_mean"]
        assert f"{saved:.2f}" in sample["output"] and savings["text"] in sample["output"]
        assert f"{savings['cand_cycles_max']}" in savings["text"]


def test_schema_and_qa_report_full_asar_pass_and_no_contamination(subset: Path) -> None:
    loaded = load_source(subset, "synth")
    assert loaded.issues == () and len(loaded.samples) == N_SUBSET
    task_files = tuple(default_task_files())
    report = run_qa([QASource("synth", subset)], QAOptions(eval_task_files=task_files))
    source = report.sources[0]
    assert source.asar.checked and source.asar.pass_rate == 1.0, source.asar.failures
    assert source.contaminated == () and source.excluded == ()


def test_zero_contamination_hits_against_the_eval_tasks(subset: Path) -> None:
    files = default_task_files()
    if not files:
        pytest.skip("no eval task data (tasks/asm65816/data/*.jsonl) installed to check against")
    index = ContaminationIndex(load_eval_texts(files))
    hits = [hit for sample in load_source(subset, "synth").samples for hit in index.check(sample)]
    assert len(index) > 0 and hits == []


def test_cli_generates_and_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.jsonl"
    assert main(["synth", "--kind", "trace", "--n", "2", "--seed", "5", "--out", str(out), "--quiet"]) == 0
    assert len(out.read_text().splitlines()) == 2
    assert main(["synth", "verify", str(out), "--no-contamination", "--quiet"]) == 0
    assert "2 examples" in capsys.readouterr().out


def test_cli_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--kind", "poetry", "--n", "1", "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "poetry" in capsys.readouterr().err
    assert main(["synth", "verify", str(tmp_path / "missing.jsonl")]) == 2


def test_a_sample_without_claims_is_a_failure_not_a_pass() -> None:
    sample = generate("explain", 1, seed=2)[0]
    sample["metadata"]["verification"]["claims"] = []
    examples, claims, failures = verify_records([(1, sample)])
    assert (examples, claims) == (1, 0) and failures and failures[0].claim == "verification"


@pytest.mark.slow
def test_full_500_examples_verify(tmp_path: Path) -> None:
    path = tmp_path / "synth500.jsonl"
    assert write_jsonl(path, "all", 500, seed=0) == 500
    report = verify_file(path)
    assert report.ok, [f.format() for f in report.failures][:10] + list(report.contamination)[:10]


def test_missing_asar_is_an_error_never_a_verified_claim(
    subset: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASAR_PATH", "/nonexistent/asar")
    assert main(["synth", "verify", str(subset), "--no-contamination", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "ASAR_PATH" in err and "verified" not in err


def test_parallel_verification_reports_the_same(subset: Path) -> None:
    serial = verify_file(subset, contamination=False)
    parallel = verify_file(subset, contamination=False, workers=2)
    assert (parallel.examples, parallel.claims, parallel.failures) == (
        serial.examples,
        serial.claims,
        serial.failures,
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_bar_on_a_terminal_and_nothing_in_a_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No line per example: a tqdm bar where stderr is a terminal, nothing where it is a file or pipe."""
    out = tmp_path / "bar.jsonl"
    assert main(["synth", "--kind", "trace", "--n", "3", "--seed", "5", "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""  # captured stderr is not a terminal
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["synth", "--kind", "trace", "--n", "3", "--seed", "5", "--out", str(out)]) == 0
    drawn = terminal.getvalue()
    assert "synth" in drawn and "3/3" in drawn and "synth-trace" not in drawn
    terminal.truncate(0)
    assert main(["synth", "--kind", "trace", "--n", "3", "--seed", "5", "--out", str(out), "--quiet"]) == 0
    assert terminal.getvalue().strip("\x00") == ""
