"""The bundled dataset: counts, manifest, shape of every document, prompts that state their contract,
and a fast subset of the full validation (the whole of it runs in CI as `asm65816 tasks validate`)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from harness.suite.build import FAMILIES, default_data_dir
from harness.suite.validate import check_ids, check_task, load_tasks

DATA = default_data_dir()
MINIMUM = {"gen": 100, "optimize": 80, "trace": 100, "explain": 40, "fix": 60, "mc": 60}


def _docs(name: str) -> list[dict]:
    return load_tasks([DATA / name])


def test_every_family_meets_its_minimum_count() -> None:
    for family, minimum in MINIMUM.items():
        docs = _docs(f"{family}.jsonl")
        assert len(docs) >= minimum, family
        assert {d["family"] for d in docs} == {family}


def test_manifest_matches_files() -> None:
    manifest = json.loads((DATA / "MANIFEST.json").read_text())
    assert manifest["name"] == "asm65816" and manifest["version"]
    assert set(manifest["files"]) == {f"{f}.jsonl" for f in FAMILIES} | {"fewshot.jsonl"}
    for name, entry in manifest["files"].items():
        raw = (DATA / name).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], name
        assert raw.count(b"\n") == entry["count"], name
    assert set(manifest["seeds"]) >= set(FAMILIES)


def test_ids_unique_across_all_files_and_fewshot_disjoint() -> None:
    docs = [d for path in sorted(DATA.glob("*.jsonl")) for d in load_tasks([path])]
    assert check_ids(docs) == []
    fewshot = _docs("fewshot.jsonl")
    assert {d["family"] for d in fewshot} == set(FAMILIES)
    test_sources = {(d["family"], d["prompt"]) for d in docs if not d["id"].startswith("fewshot-")}
    assert all((d["family"], d["prompt"]) not in test_sources for d in fewshot)


def test_prompts_state_entry_call_mode_and_output_contract() -> None:
    for family in ("gen", "optimize", "fix", "explain", "trace"):
        for doc in _docs(f"{family}.jsonl"):
            prompt = doc["prompt"]
            assert f"`{doc['entry']}`" in prompt, doc["id"]
            assert re.search(r"\bm=[01]\b", prompt) and re.search(r"\bx=[01]\b", prompt), doc["id"]
            assert doc["call"].upper() in prompt, doc["id"]
            if family in ("gen", "optimize", "fix"):
                assert "```asm" in prompt and "Observable" in prompt, doc["id"]
                assert doc["spec"]["outputs"], doc["id"]


def test_every_task_records_a_generator_and_seed() -> None:
    for family in FAMILIES:
        for doc in _docs(f"{family}.jsonl"):
            assert re.fullmatch(r"generated:[\w.]+@\d+", doc["source"]), doc["id"]


def test_trace_answers_are_ints_for_exactly_the_asked_locations() -> None:
    for doc in _docs("trace.jsonl"):
        assert sorted(doc["answer"]) == sorted(doc["spec"]["outputs"]), doc["id"]
        assert all(isinstance(v, int) for v in doc["answer"].values()), doc["id"]


def test_known_traps_are_covered() -> None:
    """The suite poses the traps of the user's material (DESIGN.md, Known traps): the seed's enemy
    damage routine drawn first as a fix (its dropped SEC), an optimize and an explain task; the
    generators hold the $0E20-as-HP bug and STZ with a long address. The traps themselves are proven
    against the seed's routines in tests/verify/test_verify_traps.py."""
    from harness.suite.build import TRAP_KERNELS
    from harness.suite.kernels import build_routine
    from harness.suite.mc import ASSEMBLES_PAIRS

    fix = _docs("fix.jsonl")
    assert any("bug:no-sec" in d["tags"] and "sprites" in d["tags"] for d in fix)
    for family, kernels in TRAP_KERNELS.items():
        sources = {
            str(d["source"]).removeprefix("generated:kernel.").split("@")[0] for d in _docs(f"{family}.jsonl")
        }
        assert set(kernels) <= sources, family
    assert "type-table" in {bug.name for bug in build_routine("sprite_damage", 0).bugs}  # $0E20 is the type
    assert ("STA $7E0010", "STZ $7E0010") in ASSEMBLES_PAIRS  # STZ has no long mode


@pytest.mark.parametrize("family", FAMILIES)
def test_fast_subset_validates(asar: None, family: str) -> None:
    """Two tasks per family through every per-task check (the full run is `tasks validate`)."""
    docs = _docs(f"{family}.jsonl")
    for doc in (docs[0], docs[len(docs) // 2]):
        assert check_task(doc) == [], doc["id"]


def test_data_dir_is_inside_the_repo_tasks_folder() -> None:
    assert DATA.parts[-3:] == ("tasks", "asm65816", "data")
    assert Path(DATA / "gen.jsonl").is_file()
