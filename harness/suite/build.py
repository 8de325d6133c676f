"""`asm65816 tasks build`: regenerate tasks/asm65816/data deterministically from the generators.

Each family has a base seed (recorded in MANIFEST.json); task i of a family draws its kernel from a
fixed rotation and its parameters from `base + i * 1000 + attempt` (attempt > 0 only to skip a
duplicate). Trace answers are computed by the emulator (`harness.verify.expected_state`). Running the
build twice gives byte-identical files: no timestamps, sorted keys, fixed order.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.families import family_names
from harness.suite import families, mc
from harness.suite.kernels import KERNELS, build_routine
from harness.suite.routines import Routine
from harness.suite.snippets import random_snippet

__all__ = [
    "DATASET_NAME",
    "DATASET_VERSION",
    "FAMILIES",
    "FAMILY_SEEDS",
    "TARGET_COUNTS",
    "BuildResult",
    "build_all",
    "default_data_dir",
    "write_dataset",
]

DATASET_NAME = "asm65816"
DATASET_VERSION = "1.1.0"  # 1.1.0: guessable trace tasks re-drawn; mc gold letters spread evenly
FAMILIES = family_names()
TARGET_COUNTS = {"gen": 110, "optimize": 84, "trace": 104, "explain": 44, "fix": 66, "mc": 64}
FAMILY_SEEDS = {
    "gen": 100_000,
    "optimize": 200_000,
    "trace": 300_000,
    "explain": 400_000,
    "fix": 500_000,
    "mc": 600_000,
    "fewshot": 900_000,
}
FEWSHOT_PER_FAMILY = 3
_ROUTINE_TRACES = 60  # the rest of the trace family are synthetic width/flag snippets
_MAX_ATTEMPTS = 50


def default_data_dir() -> Path:
    """tasks/asm65816/data of the installed `harness.tasks` package data (the repo checkout in dev)."""
    from importlib import resources

    try:
        return Path(str(resources.files("harness.tasks") / "asm65816" / "data"))
    except ModuleNotFoundError:  # a source tree without the package-dir mapping installed
        return Path(__file__).resolve().parents[2] / "tasks" / "asm65816" / "data"


@dataclass(frozen=True)
class BuildResult:
    """What was built: docs per file name (family.jsonl and fewshot.jsonl) and the manifest."""

    files: dict[str, list[dict[str, Any]]]
    manifest: dict[str, Any]


def _rotation(names: Sequence[str], seed: int) -> list[str]:
    order = list(names)
    random.Random(seed).shuffle(order)
    return order


class NoAcceptableDraw(RuntimeError):
    """A generator (or kernel) that cannot produce an acceptable task from this seed."""


def _always(_: Any) -> bool:
    return True


def _fresh(
    make: Callable[[int], tuple[str, Any]], base: int, used: set[str], accept: Callable[[Any], bool] = _always
) -> Any:
    """The first attempt whose dedupe key is new and that `accept`s; raises if none does."""
    for attempt in range(_MAX_ATTEMPTS):
        key, value = make(base + attempt)
        if key not in used and accept(value):
            used.add(key)
            return value
    raise NoAcceptableDraw(f"generator found no new, acceptable draw in {_MAX_ATTEMPTS} tries from seed {base}")


def _traceable(doc: dict[str, Any]) -> bool:
    """A trace task a model must actually trace (see `validate.guessable_trace`)."""
    from harness.suite.validate import guessable_trace

    return guessable_trace(doc) is None


def _routine_docs(
    family: str, count: int, base: int, prefix: str, used: set[str], kernels: Sequence[str] | None = None,
    accept: Callable[[Any], bool] = _always,
) -> list[dict[str, Any]]:
    """gen/optimize/fix/explain docs: kernel i mod K, parameters from the seed; one draft per task."""
    eligible = [k for k in (kernels or KERNELS)]
    if family == "optimize":
        eligible = [k for k in eligible if build_routine(k, 0).slow]
    if family == "fix":
        eligible = [k for k in eligible if build_routine(k, 0).bugs]
    order = _rotation(eligible, base)
    docs = []
    for i in range(count):
        docs.append(_kernel_doc(family, order, i, base, prefix, used, accept))
    return docs


def _kernel_doc(
    family: str, order: Sequence[str], i: int, base: int, prefix: str, used: set[str], accept: Callable[[Any], bool]
) -> dict[str, Any]:
    """Task i from kernel i mod K; a kernel that cannot give an acceptable task (e.g. a table clear as a
    trace: its answer is always 0) gives way to the next kernel in the rotation."""
    lap = i // len(order)
    task_id = f"{prefix}-{i + 1:04d}"
    for shift in range(len(order)):
        kernel = order[(i + shift) % len(order)]

        def make(seed: int, kernel: str = kernel) -> tuple[str, Any]:
            return _family_doc(family, build_routine(kernel, seed), lap, task_id, seed)

        try:
            return _fresh(make, base + i * 1000, used, accept)
        except NoAcceptableDraw:
            continue
    raise NoAcceptableDraw(f"no kernel gives an acceptable {family} task {task_id}")


def _family_doc(
    family: str, routine: Routine, lap: int, task_id: str, seed: int
) -> tuple[str, dict[str, Any]]:
    if family == "gen":
        return routine.reference, families.gen_task(routine, task_id, seed)
    if family == "explain":
        return routine.reference, families.explain_task(routine, task_id, seed)
    if family == "optimize":
        draft = routine.slow[lap % len(routine.slow)]
        return draft.source, families.optimize_task(routine, draft, task_id, seed)
    if family == "fix":
        bug = routine.bugs[lap % len(routine.bugs)]
        return bug.source, families.fix_task(routine, bug, task_id, seed)
    if family == "trace":
        doc = families.routine_trace_task(routine, task_id, seed)
        return doc["prompt"], doc
    raise ValueError(family)


def _snippet_trace(task_id: str, seed: int) -> tuple[str, dict[str, Any]]:
    """A synthetic width/flag trace: a random straight-line snippet with every input fixed."""
    from harness.suite import prompts

    rng = random.Random(seed)
    entry = rng.choice(["Trace", "Compute", "Mix", "Step"])
    snippet = random_snippet(rng, entry=entry, length=rng.randint(4, 8))
    index_bits = 8 if snippet.x else 16
    fixed = {
        "A": rng.getrandbits(16),
        "X": rng.getrandbits(index_bits),
        "Y": rng.getrandbits(index_bits),
        "flag:C": rng.getrandbits(1),
    }
    memory = {f"$7E00{a:02X}": rng.randrange(0x100) for a in (0x10, 0x11, 0x12, 0x13)}
    asked = ["A", "X", rng.choice(["Y", "flag:C"]), *snippet.stores[:1]]
    mode = {"e": 0, "m": snippet.m, "x": snippet.x, "D": "$0000", "DBR": "$00"}
    inputs = {
        **{k: {"values": [v]} for k, v in fixed.items()},
        **{k: {"values": [v]} for k, v in memory.items()},
    }
    state = {
        "A": f"${fixed['A']:04X}",
        "X": f"${fixed['X']:04X}",
        "Y": f"${fixed['Y']:04X}",
        "flag:C": str(fixed["flag:C"]),
        "$7E0010..$7E0013": " ".join(f"${v:02X}" for v in memory.values()),
    }
    doc = {
        "id": task_id,
        "family": "trace",
        "prompt": prompts.trace_prompt(
            entry=entry, mode=mode, call="jsr", code=snippet.source, entry_state=state, asked=asked
        ),
        "reference": snippet.source,
        "baseline": None,
        "entry": entry,
        "call": "jsr",
        "spec": {"mode": mode, "inputs": inputs, "outputs": asked, "cases": 1, "seed": seed},
        "answer": {},
        "tags": ["width", "snippet", "rep-sep"],
        "source": families.source_tag("snippets.random_snippet", seed),
    }
    return snippet.source, doc


def _trace_docs(
    count: int, base: int, prefix: str, used: set[str], routine_share: int
) -> list[dict[str, Any]]:
    docs = _routine_docs("trace", routine_share, base, prefix, used, accept=_traceable)
    for i in range(routine_share, count):
        task_id = f"{prefix}-{i + 1:04d}"
        docs.append(
            _fresh(lambda seed, task_id=task_id: _snippet_trace(task_id, seed), base + i * 1000, used, _traceable)
        )
    return docs


def _fill_trace_answers(docs: Iterable[dict[str, Any]]) -> None:
    from harness.verify import expected_state

    for doc in docs:
        if doc["family"] == "trace":
            doc["answer"] = expected_state(doc)


def _mc_docs(count: int, base: int, prefix: str, used: set[str]) -> list[dict[str, Any]]:
    kinds = list(mc.MC_KINDS)
    docs = []
    for i in range(count):
        task_id = f"{prefix}-{i + 1:04d}"
        kind = kinds[i % len(kinds)]

        # within each kind the gold letter cycles A, B, C, D, ... (i % 4 would tie each kind to one letter)
        gold_at = i // len(kinds)

        def make(seed: int, kind: str = kind, task_id: str = task_id, gold_at: int = gold_at) -> tuple[str, Any]:
            doc = mc.mc_task(kind, task_id, seed, gold_at)
            return doc["prompt"], doc

        docs.append(_fresh(make, base + i * 1000, used))
    return docs


def _family(family: str, count: int, base: int, prefix: str, used: set[str]) -> list[dict[str, Any]]:
    if family == "trace":
        share = min(count, max(1, round(count * _ROUTINE_TRACES / TARGET_COUNTS["trace"])))
        return _trace_docs(count, base, prefix, used, share)
    if family == "mc":
        return _mc_docs(count, base, prefix, used)
    return _routine_docs(family, count, base, prefix, used)


def build_all(counts: dict[str, int] | None = None) -> BuildResult:
    """Build every family and the few-shot split (never overlapping the test split)."""
    counts = dict(TARGET_COUNTS if counts is None else counts)
    files: dict[str, list[dict[str, Any]]] = {}
    used: dict[str, set[str]] = {family: set() for family in FAMILIES}
    for family in FAMILIES:
        files[f"{family}.jsonl"] = _family(family, counts[family], FAMILY_SEEDS[family], family, used[family])
    fewshot: list[dict[str, Any]] = []
    for index, family in enumerate(FAMILIES):
        base = FAMILY_SEEDS["fewshot"] + index * 100_000
        fewshot.extend(_family(family, FEWSHOT_PER_FAMILY, base, f"fewshot-{family}", used[family]))
    files["fewshot.jsonl"] = fewshot
    for docs in files.values():
        _fill_trace_answers(docs)
    return BuildResult(files, _manifest(files, counts))


def _dump(docs: Sequence[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(doc, sort_keys=True, ensure_ascii=False) + "\n" for doc in docs).encode()


def _manifest(files: dict[str, list[dict[str, Any]]], counts: dict[str, int]) -> dict[str, Any]:
    entries = {}
    for name, docs in sorted(files.items()):
        entries[name] = {"sha256": hashlib.sha256(_dump(docs)).hexdigest(), "count": len(docs)}
    return {
        "name": DATASET_NAME,
        "version": DATASET_VERSION,
        "files": entries,
        "counts": counts,
        "seeds": dict(FAMILY_SEEDS),
        "kernels": list(KERNELS),
        "generator": "harness.suite.build (asm65816 tasks build)",
        "split": {"test": [f"{f}.jsonl" for f in FAMILIES], "fewshot": "fewshot.jsonl"},
    }


def write_dataset(result: BuildResult, out_dir: Path) -> list[Path]:
    """Write every file and MANIFEST.json; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, docs in sorted(result.files.items()):
        path = out_dir / name
        path.write_bytes(_dump(docs))
        written.append(path)
    manifest = out_dir / "MANIFEST.json"
    manifest.write_text(json.dumps(result.manifest, indent=2, sort_keys=True) + "\n")
    written.append(manifest)
    return written
