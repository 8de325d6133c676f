"""`asm65816 tasks validate`: is every task sound, and are the specs strong enough to catch bugs?

Per task (`check_task`): schema and unique ids; the prompt states entry label, call convention and
mode; the spec parses; every reference/baseline assembles; the reference passes its own spec
(`check_equivalence` of the reference against itself); an optimize baseline passes and is strictly
slower (mean cycles over the spec's cases); a fix baseline fails; trace answers equal what the
emulator computes (twice, on different backgrounds); explain regexes compile, the example explanation
states every fact and no forbidden claim, and every listed false claim trips a forbid pattern; MC
golds are re-derived by the emulator or ASAR.

Mutation adequacy (`mutate_task`): every single-point mutant of a gen/optimize/fix reference
(`harness.suite.mutate`) is checked against the task's spec. Outcomes: KILLED; STILLBORN (does not
assemble: not counted); IDENTICAL (same bytes as the reference: equivalent, not counted); PROVED (a
REP/SEP bit flip that `harness.suite.modeflow` proves changes nothing: equivalent, not counted); WEAK (passes
the spec's cases but a run with `EXTRA_CASES` cases kills it: the spec needs more or sharper inputs);
EQUIVALENT? (survives `EXTRA_CASES` too: very likely an equivalent mutant, listed for review).
Kill rate = KILLED / (KILLED + WEAK + EQUIVALENT?).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from harness.asar.cleanup import install_termination_cleanup
from harness.core.families import code_families, family_names
from harness.dataset import is_fewshot, read_jsonl
from harness.errors import HarnessError, TaskDataError
from harness.score.families import BaselineStats
from harness.suite.families import explain_problems, kernel_of
from harness.suite.guessers import trace_guesses
from harness.suite.mc import verify_mc
from harness.suite.modeflow import mode_flip_is_noop
from harness.suite.mutate import Operator, mutants
from harness.suite.prompts import prompt_spec_problems
from harness.suite.similarity import MAX_SIMILARITY, most_similar_pairs
from harness.verify import FailReason, check_equivalence, expected_state, parse_spec
from harness.verify.cases import decode_plan
from harness.verify.equivalence import measure_reference_runs, task_fields
from harness.verify.reference_runs import decode_runs
from harness.verify.spec import parse_location

__all__ = [
    "CODE_FAMILIES",
    "EXTRA_CASES",
    "FamilyKill",
    "MutantOutcome",
    "MutantStatus",
    "Problem",
    "ValidationReport",
    "check_ids",
    "check_task",
    "load_tasks",
    "mutate_task",
    "validate",
]

CODE_FAMILIES = code_families()
ALL_FAMILIES = family_names()
EXTRA_CASES = 1024
# A text that says nothing about any routine: no fact pattern may match it (case-insensitive regexes
# like `\bAND\b` or `\bA\b` would, and would hand out the fact for free).
_BLAND = (
    "This is a routine and it does something or other with a value in a register, as it is written in "
    "the code. It is one of the ones that run at some point and then it is done, or not."
)
_REQUIRED = ("id", "family", "prompt", "entry", "call", "spec", "answer", "tags", "source")


@dataclass(frozen=True)
class Problem:
    """One failed check of one task."""

    task_id: str
    check: str
    detail: str


class MutantStatus(str, Enum):
    """What happened to one mutant (closed set)."""

    KILLED = "killed"
    STILLBORN = "stillborn"
    IDENTICAL = "identical"
    PROVED = "equivalent (proved)"
    WEAK = "weak"
    EQUIVALENT = "equivalent?"


@dataclass(frozen=True)
class MutantOutcome:
    """One mutant of one task's reference and its fate."""

    task_id: str
    family: str
    operator: str
    line: int
    description: str
    status: MutantStatus
    detail: str = ""

    @property
    def survived(self) -> bool:
        return self.status in (MutantStatus.WEAK, MutantStatus.EQUIVALENT)


@dataclass(frozen=True)
class FamilyKill:
    """Mutation tally of one family."""

    family: str
    killed: int
    weak: int
    equivalent: int
    stillborn: int
    identical: int
    proved: int = 0

    @property
    def counted(self) -> int:
        return self.killed + self.weak + self.equivalent

    @property
    def rate(self) -> float:
        return self.killed / self.counted if self.counted else 1.0


@dataclass(frozen=True)
class ValidationReport:
    """Everything `tasks validate` found. `ok` needs no problems and every kill rate >= the target."""

    tasks: Mapping[str, int]
    problems: tuple[Problem, ...]
    kills: tuple[FamilyKill, ...] = ()
    survivors: tuple[MutantOutcome, ...] = ()
    min_kill: float = 0.95
    mutants_checked: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems and all(k.rate >= self.min_kill for k in self.kills)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tasks": dict(self.tasks),
            "problems": [vars(p) for p in self.problems],
            "mutation": {
                k.family: {
                    "killed": k.killed,
                    "weak": k.weak,
                    "equivalent?": k.equivalent,
                    "stillborn": k.stillborn,
                    "identical": k.identical,
                    "proved_equivalent": k.proved,
                    "rate": round(k.rate, 4),
                }
                for k in self.kills
            },
            "survivors": [{**vars(s), "status": s.status.value} for s in self.survivors],
            "min_kill": self.min_kill,
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------------------- loading


def load_tasks(paths: Iterable[str | Any]) -> list[dict[str, Any]]:
    """Read JSONL task files; a malformed line is a TaskDataError naming file and line."""

    return [doc for path in paths for doc in read_jsonl(path)]


def check_ids(docs: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Ids present and unique across every file validated together."""
    counts = Counter(str(doc.get("id")) for doc in docs)
    return [Problem(task_id, "unique-id", f"id used {n} times") for task_id, n in counts.items() if n > 1]


# ------------------------------------------------------------------------------------- task checks


def _schema(doc: Mapping[str, Any]) -> list[str]:
    missing = [key for key in _REQUIRED if key not in doc]
    if missing:
        return [f"missing field(s) {missing}"]
    problems = []
    if doc["family"] not in ALL_FAMILIES:
        problems.append(f"family {doc['family']!r} is not one of {ALL_FAMILIES}")
    if doc["call"] not in ("jsr", "jsl"):
        problems.append(f"call {doc['call']!r} must be jsr or jsl")
    prompt = str(doc["prompt"])
    if doc["family"] != "mc" or doc.get("entry"):
        if doc["family"] != "mc" and f"`{doc['entry']}`" not in prompt:
            problems.append(f"prompt does not name the entry label `{doc['entry']}`")
        if (
            not re.search(r"\bm=[01]\b", prompt)
            or not re.search(r"\bx=[01]\b", prompt)
            or "e=0" not in prompt
        ):
            problems.append("prompt does not state the CPU mode (e, m, x)")
        if doc["call"].upper() not in prompt:
            problems.append(f"prompt does not state the call convention ({doc['call'].upper()})")
    problems.extend(_contract_problems(doc, prompt))
    return problems


def _contract_problems(doc: Mapping[str, Any], prompt: str) -> list[str]:
    """The prompt says what is observable and how to answer (each family has its own contract)."""
    family = doc["family"]
    if family in CODE_FAMILIES and ("Observable" not in prompt or "```asm" not in prompt):
        return ["prompt does not state the observables and the ```asm answer contract"]
    if family == "trace":
        outputs = (doc.get("spec") or {}).get("outputs") or []
        if not outputs or any(str(o) not in prompt for o in outputs) or "Answer with" not in prompt:
            return ["prompt does not name every asked location and the answer form"]
    if family == "mc" and "Answer with the letter" not in prompt:
        return ["prompt does not state the answer form (a letter)"]
    if family == "explain" and "```asm" not in prompt:
        return ["prompt does not show the code"]
    return []


def _equivalence(doc: Mapping[str, Any], source: str, cases: int | None = None) -> Any:

    return check_equivalence(doc, source, cases=cases)


def _reference_runs_problems(doc: Mapping[str, Any]) -> list[str]:
    """The recorded reference runs are the ones the emulator gives today (scoring compares answers
    with them instead of running the reference)."""
    if doc.get("frozen_cases") is None:
        return []  # reported by the frozen-cases check; records need a frozen plan
    if doc.get("reference_runs") is None:
        return ["no reference_runs: scoring would run the reference on every case (rebuild the data)"]
    measured = measure_reference_runs(doc)  # one run per case of the frozen plan
    stored = decode_runs(doc, len(measured)) or ()
    for index, (old, new) in enumerate(zip(stored, measured, strict=True)):
        if old != new:
            return [
                f"reference_runs case {index}: recorded {old}, the reference gives {new} now: rebuild the data"
            ]
    return []


def _code_checks(doc: Mapping[str, Any]) -> list[str]:
    problems = []
    own = _equivalence(doc, doc["reference"])
    if not own.passes:
        problems.append(f"reference fails its own spec: {own.reason.value} {own.detail}")
        return problems
    problems += _reference_runs_problems(doc)
    family = doc["family"]
    baseline = doc.get("baseline")
    if family in ("optimize", "fix") and not isinstance(baseline, str):
        return [*problems, "baseline missing"]
    if family == "optimize":
        verdict = _equivalence(doc, baseline)
        if not verdict.passes:
            problems.append(f"optimize baseline fails the spec: {verdict.reason.value} {verdict.detail}")
        elif not verdict.cand_cycles_mean > verdict.ref_cycles_mean:
            problems.append(
                f"optimize baseline is not slower: {verdict.cand_cycles_mean} vs "
                f"{verdict.ref_cycles_mean} cycles (mean)"
            )
        elif doc.get("baseline_stats") != (measured := BaselineStats.of(verdict).to_json()):
            problems.append(
                f"baseline_stats {doc.get('baseline_stats')} differ from the baseline measured now "
                f"{measured}: rebuild the data"
            )
    if family == "fix":
        verdict = _equivalence(doc, baseline)
        if verdict.passes:
            problems.append("fix baseline passes the spec: the bug is not observable")
        elif not verdict.assembles:
            problems.append(f"fix baseline does not assemble: {verdict.detail}")
    return problems


def guessable_trace(doc: Mapping[str, Any], expected: Mapping[str, int] | None = None) -> str | None:
    """Why a trace task can be solved without tracing, or None: only flags asked (a guess scores 1/2
    per flag), or one of the deterministic content-free answers of `harness.suite.guessers`
    (`trace_guesses`: zeros, all ones, the given inputs echoed with 0 elsewhere, the prompt's example
    block) is right. Such tasks inflate weak models' scores; the generator re-draws them."""

    expected = dict(expected if expected is not None else expected_state(doc))
    if not expected:
        return None
    if all(str(loc).startswith("flag:") for loc in expected):
        return f"only flags are asked: a coin flip per flag scores {0.5 ** len(expected):.0%}"
    for why, values in trace_guesses(doc).items():
        if all(values.get(loc) == value for loc, value in expected.items()):
            return why
    return None


def _trace_checks(doc: Mapping[str, Any]) -> list[str]:

    got = expected_state(doc)
    if got != doc["answer"]:
        return [f"answer {doc['answer']} differs from the emulator's {got}"]
    guessable = guessable_trace(doc, got)
    return [f"answer is guessable without tracing: {guessable}"] if guessable else []


def _explain_checks(doc: Mapping[str, Any]) -> list[str]:
    """The probe is well-formed, the gold answer earns the whole score from the measured truth."""

    return explain_problems(doc)


def _mc_checks(doc: Mapping[str, Any]) -> list[str]:

    answer = doc["answer"]
    choices, gold = answer.get("choices"), answer.get("gold")
    if not isinstance(choices, list) or len(choices) < 2 or len(set(choices)) != len(choices):
        return ["answer.choices must be a list of at least 2 distinct strings"]
    if not isinstance(gold, int) or not 0 <= gold < len(choices):
        return [f"answer.gold {gold!r} is not an index into choices"]
    return verify_mc(doc)


def domain_problems(doc: Mapping[str, Any]) -> list[str]:
    """Code tasks may not list input values: every value a prompt does not rule out may occur, and a
    list lets a routine that handles only those values pass. (Restricted ranges are stated by the
    prompt's contract block, which `prompt_spec_problems` checks against the spec.)"""

    if doc.get("family") not in CODE_FAMILIES or doc.get("spec") is None:
        return []
    spec = parse_spec(doc["spec"])
    by_text = dict(spec.inputs)
    problems = []
    for key in sorted((doc["spec"].get("inputs") or {}), key=str):
        location = next(loc for loc in by_text if loc.text.split("..")[0] in _spellings(key))
        domain = by_text[location]
        if domain.values is not None and len(domain.values) > 1:
            problems.append(
                f"{key}: an input value list {list(domain.values)[:6]}; give a range with boundaries"
            )
    return problems


def _spellings(key: str) -> set[str]:
    """The location texts a spec key expands to (its first cell for a range)."""

    return {loc.text for loc in parse_location(key)[:1]}


def _stored_cases_problems(doc: Mapping[str, Any]) -> list[str]:
    """The frozen case plan decodes against the task's spec (it is the data the task is scored on)."""

    if doc.get("family") == "mc" or doc.get("spec") is None:
        return []
    if doc.get("frozen_cases") is None:
        return ["no frozen_cases: scoring would plan the cases itself (rebuild the data)"]
    decode_plan(parse_spec(doc["spec"]), doc["frozen_cases"], "frozen_cases")
    return []


def check_task(doc: Mapping[str, Any]) -> list[Problem]:
    """Every per-task check; problems name the check. Tool problems (no ASAR) raise."""
    task_id = str(doc.get("id"))
    problems = [Problem(task_id, "schema", p) for p in _schema(doc)]
    if problems:
        return problems
    try:
        problems += [Problem(task_id, "domains", p) for p in domain_problems(doc)]
        problems += [Problem(task_id, "frozen-cases", p) for p in _stored_cases_problems(doc)]
        problems += [Problem(task_id, "prompt-spec", p) for p in prompt_spec_problems(doc)]
    except (TaskDataError, HarnessError) as error:
        problems.append(Problem(task_id, "spec", str(error)))
    family = doc["family"]
    try:
        if doc.get("spec") is not None:
            parse_spec(doc["spec"])
        checker = {"trace": _trace_checks, "explain": _explain_checks, "mc": _mc_checks}.get(
            family, _code_checks
        )
        found = checker(doc)
    except (TaskDataError, HarnessError) as error:
        if type(error).__name__ in ("ToolMissingError", "ToolMismatchError"):
            raise
        found = [str(error)]
    return [*problems, *(Problem(task_id, family, p) for p in found)]


# ------------------------------------------------------------------------------------- suite checks


def suite_problems(docs: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """Checks across tasks: near-duplicate prompts within a family, gold routines leaking into other
    prompts, few-shot tasks from test kernels, and tiers."""

    problems: list[Problem] = []
    test = [doc for doc in docs if not is_fewshot(doc)]
    fewshot = [doc for doc in docs if is_fewshot(doc)]
    for family in sorted({str(doc.get("family")) for doc in test}):
        prompts = [(str(d["id"]), str(d.get("prompt", ""))) for d in test if d.get("family") == family]
        for similarity, a, b in most_similar_pairs(prompts, top=3):
            if similarity > MAX_SIMILARITY:
                problems.append(
                    Problem(
                        a, "near-duplicate", f"{similarity:.0%} similar to {b} (max {MAX_SIMILARITY:.0%})"
                    )
                )
    golds = [
        (str(d["id"]), str(d.get("reference") or "").strip())
        for d in test
        if d.get("family") in CODE_FAMILIES
    ]
    for doc in test:
        for gold_id, gold in golds:
            if len(gold) > 40 and gold_id != doc.get("id") and gold in str(doc.get("prompt", "")):
                problems.append(
                    Problem(str(doc["id"]), "leak", f"the prompt shows the gold routine of {gold_id}")
                )
    test_kernels = {kernel_of(doc) for doc in test} - {None}
    for doc in fewshot:
        kernel = kernel_of(doc)
        if kernel in test_kernels:
            problems.append(Problem(str(doc["id"]), "fewshot", f"kernel {kernel} is also in the test split"))
    for doc in docs:
        if doc.get("family") in ROUTINE_FAMILIES and doc.get("tier") not in ("easy", "medium", "hard"):
            problems.append(
                Problem(str(doc.get("id")), "tier", f"tier {doc.get('tier')!r} is not easy/medium/hard")
            )
    return problems


ROUTINE_FAMILIES = ("gen", "optimize", "fix", "explain", "trace")


# ---------------------------------------------------------------------------------------- mutation


def _same_bytes(doc: Mapping[str, Any], a: str, b: str) -> bool:

    fields = task_fields(doc)
    ra, rb = fields.assemble(a).result, fields.assemble(b).result
    return ra.ok and rb.ok and ra.segments == rb.segments


def mutant_outcome(doc: Mapping[str, Any], mutant: Any) -> MutantOutcome:
    """The fate of one mutant of the task's reference (see the module docstring for the statuses)."""

    verdict = _equivalence(doc, mutant.source)
    status, detail = MutantStatus.KILLED, f"{verdict.reason.value}: {verdict.detail}"[:200]
    if verdict.reason in (FailReason.ASSEMBLY, FailReason.NO_ENTRY, FailReason.EMPTY, FailReason.LIMIT):
        status = MutantStatus.STILLBORN
    elif verdict.passes:
        if _same_bytes(doc, doc["reference"], mutant.source):
            status, detail = MutantStatus.IDENTICAL, "assembles to the reference's bytes"
        elif _proved_noop(doc, mutant):
            status, detail = MutantStatus.PROVED, "REP/SEP bit already in that state on every path (modeflow)"
        else:
            extra = _equivalence(doc, mutant.source, cases=EXTRA_CASES)
            if extra.passes:
                status, detail = MutantStatus.EQUIVALENT, f"survives {EXTRA_CASES} cases"
            else:
                status, detail = (
                    MutantStatus.WEAK,
                    f"killed only with {EXTRA_CASES} cases: {extra.detail}"[:200],
                )
    return MutantOutcome(
        str(doc["id"]),
        str(doc["family"]),
        mutant.operator.value,
        mutant.line,
        mutant.description,
        status,
        detail,
    )


def mutate_task(doc: Mapping[str, Any], sample: int | None = None, seed: int = 0) -> list[MutantOutcome]:
    """Check every (or `sample` random) mutant(s) of the task's reference against its spec."""

    pool = mutants(doc["reference"])
    if sample is not None and len(pool) > sample:
        pool = random.Random(f"{seed}:{doc['id']}").sample(pool, sample)
    return [mutant_outcome(doc, mutant) for mutant in pool]


# The mutation record: `tasks build --mutants` checks every mutant once (minutes) and stores each task's
# count and its mutants that were not killed; `tasks validate` checks the record is current and
# re-derives a deterministic sample of its verdicts (seconds), so CI proves the record honest.
MUTATION_FILE = "MUTATION.json"
MUTATION_FORMAT = "asm65816-mutation/1"


def _reference_sha(doc: Mapping[str, Any]) -> str:
    import hashlib

    text = json.dumps(
        [doc.get("reference"), doc.get("spec"), doc.get("base"), doc.get("frozen_cases")], sort_keys=True
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _record_job(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    outcomes = mutate_task(doc)
    not_killed = [
        [index, outcome.status.value, outcome.detail]
        for index, outcome in enumerate(outcomes)
        if outcome.status is not MutantStatus.KILLED
    ]
    entry = {
        "family": doc["family"],
        "reference_sha256": _reference_sha(doc),
        "mutants": len(outcomes),
        "not_killed": not_killed,
    }
    return str(doc["id"]), entry


def mutation_record(
    docs: Sequence[Mapping[str, Any]], *, workers: int | None = None, progress: Any = None
) -> dict[str, Any]:
    """Check every mutant of every code task; the record `tasks validate` verifies."""
    code_docs = [doc for doc in docs if doc.get("family") in CODE_FAMILIES]
    tasks: dict[str, Any] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=install_termination_cleanup) as pool:
        for task_id, entry in _progress(
            pool.map(_record_job, code_docs), len(code_docs), "mutants", progress
        ):
            tasks[task_id] = entry
    return {"format": MUTATION_FORMAT, "extra_cases": EXTRA_CASES, "tasks": dict(sorted(tasks.items()))}


def _recorded_outcomes(doc: Mapping[str, Any], entry: Mapping[str, Any]) -> list[MutantOutcome]:

    pool = mutants(doc["reference"])
    statuses = {int(index): (MutantStatus(status), detail) for index, status, detail in entry["not_killed"]}
    return [
        MutantOutcome(
            str(doc["id"]),
            str(doc["family"]),
            mutant.operator.value,
            mutant.line,
            mutant.description,
            *statuses.get(index, (MutantStatus.KILLED, "recorded")),
        )
        for index, mutant in enumerate(pool)
    ]


def _sample_job(job: tuple[Mapping[str, Any], int, str]) -> tuple[str, int, str, str]:

    doc, index, recorded = job
    return str(doc["id"]), index, recorded, mutant_outcome(doc, mutants(doc["reference"])[index]).status.value


def check_mutation_record(
    docs: Sequence[Mapping[str, Any]],
    record: Mapping[str, Any],
    *,
    sample: int,
    seed: int,
    workers: int | None,
) -> tuple[list[Problem], list[MutantOutcome]]:
    """Problems of a mutation record (stale, incomplete, or a sampled verdict that does not reproduce)
    and the recorded outcomes of every mutant (for kill rates and the survivor list)."""
    problems: list[Problem] = []
    outcomes: list[MutantOutcome] = []
    if record.get("format") != MUTATION_FORMAT or record.get("extra_cases") != EXTRA_CASES:
        return [
            Problem("-", "mutation-record", f"not a {MUTATION_FORMAT} record with extra_cases={EXTRA_CASES}")
        ], []
    entries = record.get("tasks") or {}
    sampled: list[tuple[Mapping[str, Any], int, str]] = []
    rng = random.Random(seed)
    for doc in (d for d in docs if d.get("family") in CODE_FAMILIES):
        entry = entries.get(str(doc["id"]))
        if entry is None or entry.get("reference_sha256") != _reference_sha(doc):
            problems.append(
                Problem(
                    str(doc["id"]),
                    "mutation-record",
                    "missing or stale: run `asm65816 tasks build --mutants`",
                )
            )
            continue
        recorded = _recorded_outcomes(doc, entry)
        if len(recorded) != entry["mutants"]:
            problems.append(
                Problem(str(doc["id"]), "mutation-record", "the mutant count changed: rebuild the record")
            )
            continue
        outcomes.extend(recorded)
        if recorded:
            index = rng.randrange(len(recorded))
            sampled.append((doc, index, recorded[index].status.value))
    jobs = [sampled[i] for i in sorted(rng.sample(range(len(sampled)), min(sample, len(sampled))))]
    with ProcessPoolExecutor(max_workers=workers, initializer=install_termination_cleanup) as pool:
        for task_id, index, recorded_status, actual in pool.map(_sample_job, jobs):
            if recorded_status != actual:
                problems.append(
                    Problem(
                        task_id,
                        "mutation-record",
                        f"mutant {index}: recorded {recorded_status}, re-run gives {actual}",
                    )
                )
    return problems, outcomes


def _proved_noop(doc: Mapping[str, Any], mutant: Any) -> bool:

    if mutant.operator is not Operator.MODE:
        return False
    mode = doc["spec"].get("mode") or {}
    m, x = int(mode.get("m", 1)), int(mode.get("x", 1))
    return mode_flip_is_noop(doc["reference"], mutant.source, mutant.line, m, x)


def _mutate_job(job: tuple[Mapping[str, Any], int | None, int]) -> list[MutantOutcome]:
    return mutate_task(*job)


def _tally(outcomes: Iterable[MutantOutcome], families: Iterable[str]) -> tuple[FamilyKill, ...]:
    counts: dict[str, Counter] = {family: Counter() for family in families}
    for outcome in outcomes:
        counts.setdefault(outcome.family, Counter())[outcome.status] += 1
    return tuple(
        FamilyKill(
            family,
            c[MutantStatus.KILLED],
            c[MutantStatus.WEAK],
            c[MutantStatus.EQUIVALENT],
            c[MutantStatus.STILLBORN],
            c[MutantStatus.IDENTICAL],
            c[MutantStatus.PROVED],
        )
        for family, c in counts.items()
    )


def validate(
    docs: Sequence[Mapping[str, Any]],
    *,
    mutation: bool = True,
    sample: int | None = None,
    workers: int | None = None,
    min_kill: float = 0.95,
    seed: int = 0,
    progress: Any = None,
    record: Mapping[str, Any] | None = None,
    record_sample: int = 24,
) -> ValidationReport:
    """Run every check over `docs` (in worker processes) and, optionally, mutation adequacy: every
    mutant now, or (`record`) the recorded outcomes, checked current and re-derived on a sample."""
    problems = list(check_ids(docs)) + suite_problems(docs)
    # mutation adequacy is a property of the scored (test) tasks; few-shot demonstrations are only shown
    code_docs = [doc for doc in docs if doc.get("family") in CODE_FAMILIES and not is_fewshot(doc)]
    outcomes: list[MutantOutcome] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=install_termination_cleanup) as pool:
        for found in _progress(pool.map(check_task, docs, chunksize=4), len(docs), "tasks", progress):
            problems.extend(found)
        if mutation and code_docs and record is None:
            jobs = [(doc, sample, seed) for doc in code_docs]
            for found in _progress(pool.map(_mutate_job, jobs), len(jobs), "mutants", progress):
                outcomes.extend(found)
    if mutation and code_docs and record is not None:
        found, outcomes = check_mutation_record(
            code_docs, record, sample=record_sample, seed=seed, workers=workers
        )
        problems.extend(found)
    families = sorted({str(doc.get("family")) for doc in code_docs}) if mutation else []
    tasks = Counter(str(doc.get("family")) for doc in docs)
    return ValidationReport(
        tasks=dict(sorted(tasks.items())),
        problems=tuple(problems),
        kills=_tally(outcomes, families) if mutation else (),
        survivors=tuple(o for o in outcomes if o.survived),
        min_kill=min_kill,
        mutants_checked=mutation,
    )


def _progress(iterator: Iterable[Any], total: int, what: str, progress: Any) -> Iterable[Any]:
    if progress is None:
        return iterator
    return progress(iterator, total=total, desc=what)
