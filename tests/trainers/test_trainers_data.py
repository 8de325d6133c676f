"""Sample schema, shared renderer, dataset QA and locked mixes, on the planted fixture sources.

fixtures/train_sources/noisy_scraped.jsonl plants: scr-0001 an exact (normalised-code) copy of
clean_gold/gold-0001, scr-0002 a near copy of gold-0007, line 3 broken JSON, line 4 a schema error,
scr-0005 code that ASAR rejects (MUL), scr-0006 a copy of eval task gen-fixture-0001, scr-0008 an exact
copy of scr-0007.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_fixtures import SOURCES

from harness.cli import main as cli_main
from harness.trainers.mix import MixError, MixSource, MixSpec, build_mix, verify_mix
from harness.trainers.qa import QAOptions, SourceSpec, format_report, run_qa
from harness.trainers.schema import (
    ParseIssue,
    ParseIssueKind,
    Sample,
    load_source,
    parse_line,
    samples_to_dataset,
)

pytestmark = pytest.mark.usefixtures("datasketch")  # near-duplicate detection

NAMES = ("clean_gold", "noisy_scraped", "chat_samples")
EVAL_TASKS = (SOURCES / "eval_tasks.jsonl",)


def _specs() -> list[SourceSpec]:
    return [SourceSpec(name, SOURCES / f"{name}.jsonl") for name in NAMES]


# ---- schema -------------------------------------------------------------------------------------


def test_schema_instruction_form_joins_input_after_a_blank_line() -> None:
    sample = parse_line(
        json.dumps({"instruction": "Explain", "input": "LDA #$00", "output": "loads 0"}), source="s", line=7
    )
    assert isinstance(sample, Sample)
    assert sample.id == "s:7"
    assert [m.to_dict() for m in sample.messages] == [
        {"role": "user", "content": "Explain\n\nLDA #$00"},
        {"role": "assistant", "content": "loads 0"},
    ]


def test_schema_chat_form_needs_a_final_assistant_turn() -> None:
    bad = parse_line(json.dumps({"messages": [{"role": "user", "content": "hi"}]}), source="s", line=1)
    assert isinstance(bad, ParseIssue) and bad.kind is ParseIssueKind.SCHEMA
    assert "last message" in bad.message


def test_schema_rejects_unknown_role_and_non_object() -> None:
    bad_role = parse_line(json.dumps({"messages": [{"role": "bot", "content": "x"}]}), source="s", line=1)
    assert isinstance(bad_role, ParseIssue) and "role" in bad_role.message
    not_obj = parse_line("[1, 2]", source="s", line=2)
    assert isinstance(not_obj, ParseIssue) and not_obj.kind is ParseIssueKind.SCHEMA


def test_load_source_reports_broken_lines_with_numbers() -> None:
    loaded = load_source(SOURCES / "noisy_scraped.jsonl")
    assert [(i.line, i.kind) for i in loaded.issues] == [(3, ParseIssueKind.JSON), (4, ParseIssueKind.SCHEMA)]
    assert len(loaded.samples) == loaded.lines - 2


def test_samples_load_into_a_datasets_dataset() -> None:
    loaded = load_source(SOURCES / "clean_gold.jsonl")
    dataset = samples_to_dataset(loaded.samples)
    assert dataset.num_rows == 9
    assert dataset[0]["messages"][-1]["role"] == "assistant"
    assert dataset.filter(lambda row: row["thinking"] != "").num_rows == 1  # gold-0009 carries thinking


# ---- QA -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qa_report(asar):
    return run_qa(_specs(), QAOptions(eval_task_files=EVAL_TASKS))


def test_qa_reports_every_planted_problem(qa_report) -> None:
    noisy = {s.name: s for s in qa_report.sources}["noisy_scraped"]
    assert [(i.line, i.kind.value) for i in noisy.parse_issues] == [(3, "json"), (4, "schema")]
    assert [sid for sid, _ in noisy.asar.failures] == ["scr-0005"]
    assert "Eunknown_command" in noisy.asar.failures[0][1]
    groups = {(g.kind.value, g.kept, g.dropped) for g in qa_report.duplicate_groups}
    assert groups == {
        ("exact", "clean_gold/gold-0001", ("noisy_scraped/scr-0001",)),
        ("exact", "noisy_scraped/scr-0007", ("noisy_scraped/scr-0008",)),
        ("near", "clean_gold/gold-0007", ("noisy_scraped/scr-0002",)),
    }
    assert {(h.sample, h.task_id) for h in noisy.contaminated} == {
        ("noisy_scraped/scr-0006", "gen-fixture-0001")
    }
    assert qa_report.excluded == frozenset({"noisy_scraped/scr-0006"})


def test_qa_counts_lengths_and_asar_rate_of_clean_sources(qa_report) -> None:
    gold = {s.name: s for s in qa_report.sources}["clean_gold"]
    assert (gold.lines, gold.samples, gold.samples_with_code, gold.code_blocks) == (9, 9, 7, 7)
    assert gold.asar.pass_rate == 1.0 and gold.asar.checked
    assert (
        gold.prompt_chars.count == 9
        and gold.prompt_chars.min <= gold.prompt_chars.median <= gold.prompt_chars.max
    )
    assert len(gold.sha256) == 64 and not gold.contaminated


def test_qa_text_and_json_reports(qa_report) -> None:
    text = format_report(qa_report)
    for needle in (
        "noisy_scraped:3 [json]",
        "scr-0005",
        "contaminated noisy_scraped/scr-0006",
        "near keep clean_gold/gold-0007",
    ):
        assert needle in text
    data = qa_report.to_dict()
    assert json.loads(json.dumps(data))["excluded"] == ["noisy_scraped/scr-0006"]


def test_qa_without_asar_says_not_checked() -> None:
    report = run_qa(_specs()[:1], QAOptions(check_asar=False, eval_task_files=EVAL_TASKS))
    assert report.sources[0].asar.pass_rate is None and not report.sources[0].asar.checked
    assert "not checked" in format_report(report)


def test_qa_keep_contaminated_lists_but_does_not_exclude() -> None:
    report = run_qa(
        _specs(), QAOptions(check_asar=False, exclude_contaminated=False, eval_task_files=EVAL_TASKS)
    )
    assert not report.excluded and any(s.contaminated for s in report.sources)


# ---- mixes --------------------------------------------------------------------------------------


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_mix_holds_out_two_percent_min_one_and_drops_duplicates_and_contamination(fixture_mix) -> None:
    train, held = _read(fixture_mix.train_path), _read(fixture_mix.eval_path)
    labels = [f"{r['source']}/{r['id']}" for r in train + held]
    assert len(labels) == len(set(labels))  # train and eval disjoint
    for gone in (
        "noisy_scraped/scr-0001",
        "noisy_scraped/scr-0002",
        "noisy_scraped/scr-0008",
        "noisy_scraped/scr-0006",
    ):
        assert gone not in labels
    by_source = {s["name"]: s for s in fixture_mix.metadata["sources"]}
    assert {name: s["eval"] for name, s in by_source.items()} == {
        name: 1 for name in NAMES
    }  # 2% of < 25 -> min 1
    assert by_source["noisy_scraped"]["usable"] == 9 - 4
    assert (
        fixture_mix.metadata["counts"] == {"train": len(train), "eval": len(held)} == {"train": 16, "eval": 3}
    )
    assert sum(s["ratio"] for s in by_source.values()) == pytest.approx(1.0, abs=1e-5)


def test_mix_is_byte_identical_when_rebuilt(fixture_mix, tmp_path: Path) -> None:
    spec = MixSpec(
        "fixture", tuple(MixSource(n, SOURCES / f"{n}.jsonl") for n in NAMES), eval_task_files=EVAL_TASKS
    )
    again = build_mix(spec, tmp_path / "again")
    for name in ("train.jsonl", "eval.jsonl", "mix.json"):
        assert (again.out_dir / name).read_bytes() == (fixture_mix.out_dir / name).read_bytes(), name


def test_mix_metadata_hashes_verify_and_detect_tampering(fixture_mix, tmp_path: Path) -> None:
    assert verify_mix(fixture_mix.out_dir) == []
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("train.jsonl", "eval.jsonl", "mix.json"):
        (copy / name).write_bytes((fixture_mix.out_dir / name).read_bytes())
    with (copy / "train.jsonl").open("a") as handle:
        handle.write("{}\n")
    assert [p for p in verify_mix(copy) if "train.jsonl" in p]


def test_mix_ratios_cap_the_train_set(tmp_path: Path) -> None:
    spec = MixSpec(
        "r",
        (
            MixSource("clean_gold", SOURCES / "clean_gold.jsonl", 0.5),
            MixSource("chat_samples", SOURCES / "chat_samples.jsonl", 0.5),
        ),
        eval_task_files=EVAL_TASKS,
    )
    result = build_mix(spec, tmp_path / "r")
    by_source = {s["name"]: s["train"] for s in result.metadata["sources"]}
    assert by_source == {"clean_gold": 4, "chat_samples": 4}  # chat has 4 train samples -> N = 8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"eval_fraction": 1.5}, "eval_fraction"), ({"sources": ()}, "at least one source")],
)
def test_mix_spec_errors_name_the_field(kwargs: dict, message: str) -> None:
    base = {"name": "m", "sources": (MixSource("a", SOURCES / "clean_gold.jsonl"),)}
    with pytest.raises(MixError, match=message):
        MixSpec(**{**base, **kwargs})
    with pytest.raises(MixError, match="ratio"):
        MixSpec("m", (MixSource("a", Path("a"), 0.5), MixSource("b", Path("b"))))


def test_cli_data_qa_and_mix(tmp_path: Path, capsys, asar) -> None:
    sources = [f"{n}={SOURCES / n}.jsonl" for n in NAMES]
    report_json = tmp_path / "qa.json"
    assert (
        cli_main(["data", "qa", *sources, "--eval-tasks", str(EVAL_TASKS[0]), "--json", str(report_json)])
        == 0
    )
    assert "scr-0006" in capsys.readouterr().out
    assert json.loads(report_json.read_text())["excluded"] == ["noisy_scraped/scr-0006"]
    assert cli_main(["data", "qa", *sources, "--eval-tasks", str(EVAL_TASKS[0]), "--strict"]) == 1
    out = tmp_path / "mix"
    argv = ["data", "mix", "--out", str(out), "--eval-tasks", str(EVAL_TASKS[0])] + [
        a for s in sources for a in ("--source", s)
    ]
    assert cli_main(argv) == 0
    assert cli_main(["data", "mix", "--verify", str(out)]) == 0
    assert "16 train / 3 eval" in capsys.readouterr().out


def test_default_eval_tasks_catch_a_copied_suite_task(tmp_path: Path, monkeypatch) -> None:
    """Without --eval-tasks the check runs against the suite's own data (or ASM65816_TASK_DATA)."""
    from harness.trainers.contamination import default_task_files

    monkeypatch.delenv("ASM65816_TASK_DATA", raising=False)
    files = default_task_files()
    gen = next(p for p in files if p.name == "gen.jsonl")
    task = json.loads(gen.read_text(encoding="utf-8").splitlines()[0])
    source = tmp_path / "copied.jsonl"
    source.write_text(
        json.dumps(
            {"id": "leak", "instruction": task["prompt"], "output": f"```asm\n{task['reference']}\n```"}
        )
        + "\n"
        + json.dumps({"id": "fine", "instruction": "What does XCE do?", "output": "It swaps C and E."})
        + "\n"
    )
    report = run_qa([SourceSpec("copied", source)], QAOptions(check_asar=False))
    assert report.excluded == frozenset({"copied/leak"})
    hits = {h.task_id for h in report.sources[0].contaminated}
    # its own task, plus at most a few tasks built on the same routine (the shared prompt preamble is
    # template, not content, so it does not match every task)
    assert task["id"] in hits and len(hits) <= 8, hits


def test_missing_eval_tasks_is_an_error_not_a_silent_pass(tmp_path: Path, monkeypatch) -> None:
    from harness.errors import TaskDataError

    monkeypatch.setenv("ASM65816_TASK_DATA", str(tmp_path))
    with pytest.raises(TaskDataError, match="contamination"):
        run_qa(_specs()[:1], QAOptions(check_asar=False))
