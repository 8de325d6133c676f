"""`asm65816 tasks build`: regenerate tasks/asm65816/data deterministically from the generators.

Dataset 2.0 rules, enforced here and re-checked by `tasks validate`:
- **One kernel per family task.** Two tasks of one kernel are near-duplicates however its constants
  vary, so each routine family draws distinct kernels (a second lap only for a draw whose prompt is
  less than `MAX_SIMILARITY` like every prompt already in the family).
- **Few-shot kernels are not test kernels.** `FEWSHOT_KERNELS` kernels are set aside first; the
  few-shot split (8 per family, mc letters balanced) comes only from them.
- **No leaks.** No gold routine appears inside another task's prompt; a task whose prompt would show
  one is drawn again with the next seed.
- **Frozen cases.** Every task with a spec stores its case plan (`frozen_cases`); plans already in the
  output folder are reused, so a rebuild (and `--check`) does not depend on the installed hypothesis.
- **Reference runs.** Every gen/optimize/fix task stores the reference's run on each frozen case
  (`reference_runs`: caller, cycles, clocks, DMA bytes, a digest of what answers are compared on),
  so scoring runs only the answer; optimize tasks also store `baseline_stats`.
- **Tiers.** Every routine task carries `tier` (easy/medium/hard, from the reference's size).
Task i of a family draws its parameters from `base + i * 1000 + attempt`, with `base` the family's
seed (shifted by `private_seed` for a private split). Running the build twice gives byte-identical
files: no timestamps, sorted keys, fixed order.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.families import code_families, family_names
from harness.core.jsonl import read_jsonl
from harness.dataset import bundled_data_dir
from harness.errors import HarnessError
from harness.score.families import measure_baseline
from harness.suite import families, mc, prompts
from harness.suite.kernels import KERNELS, build_routine
from harness.suite.routines import Routine
from harness.suite.similarity import MAX_SIMILARITY, jaccard, shingles
from harness.suite.snippets import random_snippet
from harness.suite.validate import guessable_trace
from harness.verify import expected_state
from harness.verify.cases import encode_plan, generator_version, plan_for
from harness.verify.equivalence import index_bases, measure_reference_runs
from harness.verify.reference_runs import encode_runs
from harness.verify.spec import parse_spec

__all__ = [
    "DATASET_NAME",
    "DATASET_VERSION",
    "FAMILIES",
    "FAMILY_SEEDS",
    "FEWSHOT_KERNELS",
    "FEWSHOT_PER_FAMILY",
    "TARGET_COUNTS",
    "BuildResult",
    "build_all",
    "default_data_dir",
    "freeze",
    "write_dataset",
]

DATASET_NAME = "asm65816"
DATASET_VERSION = "2.1.0"
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
FEWSHOT_PER_FAMILY = 8
# The seed material's own traps (DESIGN.md, Known traps) are drawn first wherever a family can pose
# them: its enemy-damage routine whose "optimized" version drops SEC, as a fix (the no-sec bug), an
# optimize (a draft to speed up without losing the SEC) and an explain task ($0E20 is the type table).
TRAP_KERNELS: dict[str, tuple[str, ...]] = {
    "fix": ("sprite_damage",),
    "optimize": ("sprite_damage",),
    "explain": ("sprite_damage",),
}
FEWSHOT_KERNELS = 10
PRIVATE_STRIDE = 10_000_000  # a private split's seeds: every family seed + private_seed * stride
_ROUTINE_TRACE_SHARE = 60 / 104  # the rest of the trace family are synthetic width/flag snippets
_MAX_ATTEMPTS = 50
_ROUTINE_FAMILIES = ("gen", "optimize", "fix", "explain", "trace")


def default_data_dir() -> Path:
    """tasks/asm65816/data of the installed `harness.tasks` package data (the repo checkout in dev)."""

    return bundled_data_dir()


@dataclass(frozen=True)
class BuildResult:
    """What was built: docs per file name (family.jsonl and fewshot.jsonl) and the manifest."""

    files: dict[str, list[dict[str, Any]]]
    manifest: dict[str, Any]


class NoAcceptableDraw(HarnessError):
    """A generator (or kernel) that cannot produce an acceptable task from this seed."""


def _eligible(family: str, kernels: Sequence[str]) -> list[str]:
    """Kernels that can make a task of the family (optimize needs a slow draft, fix a bug)."""
    if family == "optimize":
        return [k for k in kernels if build_routine(k, 0).slow]
    if family == "fix":
        return [k for k in kernels if build_routine(k, 0).bugs]
    return list(kernels)


def fewshot_kernels(seed: int = FAMILY_SEEDS["fewshot"]) -> tuple[str, ...]:
    """The kernels set aside for few-shot examples: never used by a test task."""
    complete = [k for k in KERNELS if build_routine(k, 0).slow and build_routine(k, 0).bugs]
    random.Random(seed).shuffle(complete)
    return tuple(sorted(complete[:FEWSHOT_KERNELS], key=list(KERNELS).index))


def _routine_fields(routine: Routine) -> dict[str, Any]:
    """Fields the build adds to a family's document (hook fields come with the document itself)."""
    return {"tier": routine.difficulty}


def _family_doc(family: str, routine: Routine, lap: int, task_id: str, seed: int) -> dict[str, Any]:
    if family == "gen":
        doc = families.gen_task(routine, task_id, seed)
    elif family == "explain":
        doc = families.explain_task(routine, task_id, seed)
    elif family == "optimize":
        doc = families.optimize_task(routine, routine.slow[lap % len(routine.slow)], task_id, seed)
    elif family == "fix":
        doc = families.fix_task(routine, routine.bugs[lap % len(routine.bugs)], task_id, seed)
    elif family == "trace":
        doc = families.routine_trace_task(routine, task_id, seed)
    else:
        raise ValueError(family)
    return {**doc, **_routine_fields(routine)}


class _Family:
    """The docs of one family (or split) so far, with their prompts' shingles for near-duplicates."""

    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []
        self._shingles: list[frozenset] = []

    def too_similar(self, doc: Mapping[str, Any]) -> bool:
        mine = shingles(str(doc["prompt"]))
        return any(jaccard(mine, other) > MAX_SIMILARITY for other in self._shingles)

    def add(self, doc: dict[str, Any]) -> None:
        self.docs.append(doc)
        self._shingles.append(shingles(str(doc["prompt"])))


def _traceable(doc: Mapping[str, Any]) -> bool:
    """A trace task a model must actually trace (see `validate.guessable_trace`), asking only for
    locations the trace-answer parser reads (registers, flags, CPU memory; not PPU memories)."""

    asked = [str(location) for location in (doc.get("spec") or {}).get("outputs", [])]
    if any(location.startswith(("vram:", "cgram:", "oam:")) for location in asked):
        return False
    return guessable_trace(doc) is None


def _draw(
    make: Callable[[int], dict[str, Any]], base: int, accept: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for attempt in range(_MAX_ATTEMPTS):
        try:
            doc = make(base + attempt)
        except (NoAcceptableDraw, families.UnbuildableTask):
            continue
        if accept(doc):
            return doc
    raise NoAcceptableDraw(f"no acceptable draw in {_MAX_ATTEMPTS} tries from seed {base}")


def _routine_family(
    family: str, count: int, base: int, prefix: str, kernels: Sequence[str], split: _Family
) -> None:
    """`count` tasks, one kernel each in a seeded order; a second lap only for dissimilar draws."""
    order = _eligible(family, kernels)
    random.Random(base).shuffle(order)
    pinned = [k for k in TRAP_KERNELS.get(family, ()) if k in order]
    order = pinned + [k for k in order if k not in pinned]
    if not order:
        raise NoAcceptableDraw(f"no kernel can make a {family} task")
    accept_trace = _traceable if family == "trace" else (lambda doc: True)
    index = 0
    for lap in range(4):
        for kernel in order:
            if len(split.docs) >= count:
                return
            task_id = f"{prefix}-{len(split.docs) + 1:04d}"
            seed = base + index * 1000
            index += 1

            def make(s: int, kernel: str = kernel, task_id: str = task_id, lap: int = lap) -> dict[str, Any]:
                return _family_doc(family, build_routine(kernel, s), lap, task_id, s)

            def accept(doc: dict[str, Any]) -> bool:
                return accept_trace(doc) and not split.too_similar(doc)

            try:
                split.add(_draw(make, seed, accept))
            except NoAcceptableDraw:
                continue  # this kernel cannot give a distinct task here: the next one may
    if len(split.docs) < count:
        raise NoAcceptableDraw(
            f"{family}: only {len(split.docs)} of {count} distinct tasks from {len(order)} kernels; "
            "write more kernels (one task per kernel per family keeps prompts distinct)"
        )


def _snippet_trace(task_id: str, seed: int) -> dict[str, Any]:
    """A synthetic width/flag trace: a random straight-line snippet with every input fixed."""

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
    return {
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
        "tier": "easy",
    }


def _trace_family(count: int, base: int, prefix: str, kernels: Sequence[str], split: _Family) -> None:
    routines = min(count, max(1, round(count * _ROUTINE_TRACE_SHARE)))
    _routine_family("trace", routines, base, prefix, kernels, split)
    for i in range(len(split.docs), count):
        task_id = f"{prefix}-{i + 1:04d}"

        def accept(doc: dict[str, Any]) -> bool:
            return _traceable(doc) and not split.too_similar(doc)

        split.add(_draw(lambda seed, task_id=task_id: _snippet_trace(task_id, seed), base + i * 1000, accept))


# mc difficulty by kind: spotting the line ASAR accepts, reading a value, predicting a state or cycles.
_MC_TIERS = {"assembles": "easy", "value": "medium", "state": "medium", "cycles": "hard"}


def _mc_family(count: int, base: int, prefix: str, split: _Family) -> None:
    for i, (kind, gold_at) in enumerate(mc.mc_plan(count)):
        task_id = f"{prefix}-{i + 1:04d}"

        def make(
            seed: int, kind: str = kind, task_id: str = task_id, gold_at: int = gold_at
        ) -> dict[str, Any]:
            return {**mc.mc_task(kind, task_id, seed, gold_at), "tier": _MC_TIERS.get(kind, "medium")}

        split.add(_draw(make, base + i * 1000, lambda doc: not split.too_similar(doc)))


def _family(family: str, count: int, base: int, prefix: str, kernels: Sequence[str]) -> list[dict[str, Any]]:
    split = _Family()
    if family == "trace":
        _trace_family(count, base, prefix, kernels, split)
    elif family == "mc":
        _mc_family(count, base, prefix, split)
    else:
        _routine_family(family, count, base, prefix, kernels, split)
    return split.docs


_GOLD_FAMILIES = ("gen", "optimize", "fix")


def _leaks(docs: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(task whose prompt shows a gold, the gold's task): no gold routine may appear in another prompt."""
    golds = [
        (str(doc["id"]), str(doc["reference"]).strip())
        for doc in docs
        if doc["family"] in _GOLD_FAMILIES and len(str(doc["reference"]).strip()) > 40
    ]
    found = []
    for doc in docs:
        prompt = str(doc["prompt"])
        for gold_id, gold in golds:
            if gold_id != doc["id"] and gold in prompt:
                found.append((str(doc["id"]), gold_id))
    return found


def _redraw_leaks(files: dict[str, list[dict[str, Any]]], kernels: Sequence[str] = ()) -> None:
    """A prompt that shows another task's gold is drawn again (next seeds of the same kernel, under the
    family's own acceptance rules: traceable, not a near-duplicate); a kernel whose every seed gives the
    same routine (few parameters) is replaced by a kernel the family does not use yet."""
    for round_ in range(1, 6):
        docs = [doc for name in files if name != "fewshot.jsonl" for doc in files[name]]
        leaking = {task_id for task_id, _ in _leaks(docs)}
        if not leaking:
            return
        for name, split in files.items():
            if name == "fewshot.jsonl":
                continue
            for position, doc in enumerate(split):
                if doc["id"] in leaking:
                    others = _Family()
                    for other in split:
                        if other is not doc:
                            others.add(other)
                    try:
                        split[position] = _redraw(doc, round_ * 97, others)
                    except NoAcceptableDraw:
                        split[position] = _replace(doc, round_ * 97, others, split, kernels)
    raise NoAcceptableDraw(f"gold routines still leak into prompts: {sorted(leaking)[:5]}")


def _acceptance(family: str, others: _Family) -> Callable[[dict[str, Any]], bool]:
    """A redrawn task must pass its family's own rules: traceable (trace), not a near-duplicate."""
    return lambda new: (family != "trace" or _traceable(new)) and not others.too_similar(new)


def _draw_kernel(
    family: str, kernel: str, task_id: str, seed: int, accept: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    return _draw(lambda s: _family_doc(family, build_routine(kernel, s), 0, task_id, s), seed, accept)


def _replace(
    doc: Mapping[str, Any],
    shift: int,
    others: _Family,
    split: Sequence[Mapping[str, Any]],
    kernels: Sequence[str],
) -> dict[str, Any]:
    """The task drawn again from a kernel its family does not use yet (same id, same acceptance)."""
    family = str(doc["family"])
    used = {families.kernel_of(other) for other in split}
    _, seed = families.parse_source_tag(doc["source"]) or ("", 0)
    for name in _eligible(family, kernels):
        if name in used:
            continue
        try:
            return _draw_kernel(family, name, str(doc["id"]), seed + shift, _acceptance(family, others))
        except NoAcceptableDraw:
            continue
    raise NoAcceptableDraw(f"cannot redraw {doc['id']} ({doc['source']}): no unused kernel gives a task")


def _redraw(doc: Mapping[str, Any], shift: int, others: _Family) -> dict[str, Any]:
    """The task drawn again from the next seeds of its own generator."""
    family, task_id = str(doc["family"]), str(doc["id"])
    generator, seed = families.parse_source_tag(doc["source"]) or ("", 0)
    accept = _acceptance(family, others)
    if generator.startswith("kernel."):
        return _draw_kernel(family, generator.removeprefix("kernel."), task_id, seed + shift, accept)
    if generator.startswith("snippets."):
        return _draw(lambda s: _snippet_trace(task_id, s), seed + shift, accept)
    raise NoAcceptableDraw(f"cannot redraw {doc['id']} from {doc['source']}")


def freeze(doc: dict[str, Any], stored: Mapping[tuple[str, str], Any] | None = None) -> None:
    """Store the task's case plan in it (reusing the plan already on disk for the same spec)."""

    if doc["family"] == "mc" or doc.get("spec") is None:
        return
    key = (str(doc["id"]), json.dumps(doc["spec"], sort_keys=True))
    if stored and key in stored:
        doc["frozen_cases"] = stored[key]
        return
    spec = parse_spec(doc["spec"])
    doc["frozen_cases"] = encode_plan(
        spec, plan_for(spec, index_bases(str(doc.get("reference") or "")), None)
    )


def _stored_plans(folder: Path | None) -> dict[tuple[str, str], Any]:
    """Plans already frozen in a data folder, by (task id, spec)."""
    plans: dict[tuple[str, str], Any] = {}
    if folder is None:
        return plans

    for path in sorted(folder.glob("*.jsonl")):
        for doc in read_jsonl(path):
            if doc.get("frozen_cases") is not None and doc.get("spec") is not None:
                plans[(str(doc.get("id")), json.dumps(doc["spec"], sort_keys=True))] = doc["frozen_cases"]
    return plans


def _fill_trace_answers(docs: Iterable[dict[str, Any]]) -> None:

    for doc in docs:
        if doc["family"] == "trace":
            doc["answer"] = expected_state(doc)


def build_all(
    counts: dict[str, int] | None = None,
    *,
    private_seed: int | None = None,
    plans_from: Path | None = None,
    fewshot_per_family: int = FEWSHOT_PER_FAMILY,
) -> BuildResult:
    """Build every family and the few-shot split (from kernels the test split never uses).

    `private_seed`: a private split (other parameters, names and constants for every kernel).
    `plans_from`: a data folder whose frozen case plans are reused for unchanged tasks."""
    counts = dict(TARGET_COUNTS if counts is None else counts)
    shift = PRIVATE_STRIDE * private_seed if private_seed else 0
    seeds = {name: seed + shift for name, seed in FAMILY_SEEDS.items()}
    reserved = fewshot_kernels(seeds["fewshot"])
    test_kernels = [k for k in KERNELS if k not in reserved]
    files: dict[str, list[dict[str, Any]]] = {}
    prefix = f"private{private_seed}-" if private_seed else ""  # a private task never shares a test id
    for family in FAMILIES:
        files[f"{family}.jsonl"] = _family(
            family, counts[family], seeds[family], prefix + family, test_kernels
        )
    _redraw_leaks(files, test_kernels)
    fewshot: list[dict[str, Any]] = []
    for index, family in enumerate(FAMILIES):
        base = seeds["fewshot"] + index * 100_000
        fewshot.extend(_family(family, fewshot_per_family, base, f"{prefix}fewshot-{family}", reserved))
    files["fewshot.jsonl"] = fewshot
    stored = _stored_plans(plans_from)
    for docs in files.values():
        _fill_trace_answers(docs)
        for doc in docs:
            freeze(doc, stored)
            if doc["family"] in code_families():  # measured on the plan just frozen (validate re-measures)
                doc["reference_runs"] = encode_runs(doc, measure_reference_runs(doc))
            if doc["family"] == "optimize":
                doc["baseline_stats"] = measure_baseline(doc).to_json()
    return BuildResult(files, _manifest(files, counts, reserved, private_seed))


def _dump(docs: Sequence[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(doc, sort_keys=True, ensure_ascii=False) + "\n" for doc in docs).encode()


def _manifest(
    files: dict[str, list[dict[str, Any]]],
    counts: dict[str, int],
    reserved: Sequence[str],
    private_seed: int | None,
) -> dict[str, Any]:

    entries = {}
    for name, docs in sorted(files.items()):
        entries[name] = {"sha256": hashlib.sha256(_dump(docs)).hexdigest(), "count": len(docs)}
    return {
        "name": DATASET_NAME,
        "version": DATASET_VERSION if private_seed is None else f"{DATASET_VERSION}+private.{private_seed}",
        "files": entries,
        "counts": counts,
        "seeds": dict(FAMILY_SEEDS),
        "private_seed": private_seed,
        "kernels": list(KERNELS),
        "fewshot_kernels": list(reserved),
        "case_plans": generator_version().split(" ")[0],
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
