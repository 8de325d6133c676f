"""Training tasks for RL, disjoint from the evaluation set, and what the trainer is fed from them.

Sources:
- `private_split_tasks`: the dataset builder's private split (`build_all(private_seed=N)`: other
  parameters, names and constants for every kernel), written with `write_dataset` so it is a dataset
  folder `asm65816 tasks validate` can check. Its ids repeat the test split's (`gen-0001`, ...), which
  is why training rows are keyed by content, never by id.
- `easy_trace_tasks`: an easy trace subset for smoke runs of tiny models (see its docstring).
- `load_task_files`: any task JSONL.

`contamination_findings` checks training tasks against the evaluation tasks (the bundled test set and,
when `ASM65816_TASK_DATA` points elsewhere, that data too), and a finding drops the task:
- `prompt_equal` / `prompt_contains`: the training prompt equals or contains an eval prompt;
- `gold_fingerprint`: the training gold is an eval gold up to comments, layout, case and label names
  (`harness.suite.contamination.code_fingerprint`, also baselines and mc code choices);
- `gold_in_prompt`: an eval gold (over 40 characters) appears inside the training prompt;
- `ngram`: the n-gram coverage check the SFT data QA uses (`harness.trainers.contamination`): the task's
  prompt and gold together cover at least half of an eval prompt's or reference's distinctive 8-grams.

`check_rewardable` proves each task can pay and can refuse before any training: its gold answer must
earn reward 1 and an empty answer 0, else RewardTaskError.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from harness.dataset import bundled_data_dir, load_tasks, read_jsonl, task_data_dir
from harness.errors import TaskDataError
from harness.lmeval.glue import doc_to_text, gold_completion
from harness.rewards.functions import REWARD_FAMILIES, HarnessReward, RewardTaskError, parse_task
from harness.suite.build import FAMILIES, build_all, write_dataset
from harness.suite.contamination import code_fingerprint, task_code
from harness.trainers.contamination import ContaminationIndex, load_eval_texts
from harness.trainers.schema import Message, Sample
from harness.verify.answers import TRACE_ANSWER_FORMAT
from harness.verify.spec import parse_spec
from harness.verify.trace import expected_state

__all__ = [
    "EASY_ANSWERS",
    "ContaminationFinding",
    "FindingKind",
    "easy_trace_tasks",
    "check_rewardable",
    "contamination_findings",
    "default_eval_files",
    "drop_contaminated",
    "family_counts",
    "grpo_rows",
    "load_task_files",
    "private_split_tasks",
    "warmup_samples",
]

_LEAK_MIN_CHARS = 40  # the dataset builder's leak rule: golds shorter than this are idioms, not leaks
EASY_ANSWERS = (2, 3)  # what the easy subset's routine leaves at $7E0010 and $7E0011


class FindingKind(str, Enum):
    """Why a training task counts as contaminated (closed set)."""

    PROMPT_EQUAL = "prompt_equal"
    PROMPT_CONTAINS = "prompt_contains"
    GOLD_FINGERPRINT = "gold_fingerprint"
    GOLD_IN_PROMPT = "gold_in_prompt"
    NGRAM = "ngram"


@dataclass(frozen=True)
class ContaminationFinding:
    """One reason a training task was dropped: which eval task it overlaps and how."""

    task_id: str
    eval_id: str
    kind: FindingKind
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"task": self.task_id, "eval": self.eval_id, "kind": self.kind.value, "detail": self.detail}


def private_split_tasks(
    private_seed: int, counts: Mapping[str, int], out_dir: str | Path
) -> list[dict[str, Any]]:
    """Build the private split with `counts` tasks per family (others: none, no few-shot split), write
    it to `out_dir` with `write_dataset`, and return its docs (family order)."""

    if isinstance(private_seed, bool) or not isinstance(private_seed, int) or private_seed < 1:
        raise TaskDataError(
            f"tasks.private_seed={private_seed!r}: use an integer >= 1 "
            "(no seed is the evaluation split itself)"
        )
    unknown = sorted(set(counts) - set(FAMILIES))
    if unknown:
        raise TaskDataError(f"tasks counts name unknown families {unknown}; known: {', '.join(FAMILIES)}")
    result = build_all(
        {f: int(counts.get(f, 0)) for f in FAMILIES}, private_seed=private_seed, fewshot_per_family=0
    )
    write_dataset(result, Path(out_dir))
    return [doc for family in FAMILIES for doc in result.files[f"{family}.jsonl"]]


_FILLERS = ("NOP", "INX", "INY", "DEX", "DEY", "TAX", "TAY", "LDX #${:02X}", "LDY #${:02X}")
_EASY_CELLS = ("$7E0010", "$7E0011")


def _easy_prompt(code: str, entry: Mapping[str, int], asked: str) -> str:
    """A short trace prompt: the suite's trace prompts run to ~600 tokens of rules a tiny model
    cannot use, and every prompt token costs a smoke run on a shared CPU."""
    state = ", ".join(f"{cell}=${value:02X}" for cell, value in entry.items())
    return (
        f"Trace (native mode, m=1, x=1, called with JSR). At entry {state}.\n"
        f"```asm\n{code.rstrip()}\n```\nAnswer: {asked}=$XX"
    )


def _easy_task(index: int, seed: int) -> dict[str, Any]:

    rng = random.Random(seed)
    filler = [rng.choice(_FILLERS).format(rng.randrange(256)) for _ in range(rng.randint(0, 1))]
    body = [*filler, "LDA #$02", "STA $10", "INC A", "STA $11", "RTS"]
    code = "Trace:\n" + "".join(f"    {line}\n" for line in body)
    asked = _EASY_CELLS[index % 2]
    entry = {
        cell: rng.randrange(0x10, 0x100) for cell in _EASY_CELLS
    }  # never 0, 2 or 3: no zero or echo pays
    fixed = {
        "A": rng.getrandbits(16),
        "X": rng.getrandbits(8),
        "Y": rng.getrandbits(8),
        "flag:C": rng.getrandbits(1),
    }
    mode = {"e": 0, "m": 1, "x": 1, "D": "$0000", "DBR": "$00"}
    inputs = {
        **{k: {"values": [v]} for k, v in fixed.items()},
        **{c: {"values": [v]} for c, v in entry.items()},
    }
    doc: dict[str, Any] = {
        "id": f"easy-{index + 1:04d}",
        "family": "trace",
        "prompt": _easy_prompt(code, entry, asked),
        "reference": code,
        "baseline": None,
        "entry": "Trace",
        "call": "jsr",
        "spec": {"mode": mode, "inputs": inputs, "outputs": [asked], "cases": 1, "seed": seed},
        "answer": {},
        "tags": ["easy", "smoke"],
        "source": f"generated:rewards.easy_trace@{seed}",
        "tier": "easy",
    }
    doc["answer"] = expected_state(doc)
    want = EASY_ANSWERS[_EASY_CELLS.index(asked)]
    if doc["answer"] != {asked: want}:
        raise TaskDataError(
            f"easy task {doc['id']}: the emulator says {doc['answer']}, expected {asked}={want}"
        )
    return doc


def easy_trace_tasks(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """An easy trace subset for smoke runs of tiny models: a routine that stores $02 at $10 and $03
    at $11 (`LDA #$02 / STA $10 / INC A / STA $11`, after at most one instruction that changes
    neither), asking one of the two bytes. The answer is $02 for $7E0010 and $03 for $7E0011 (checked
    in the emulator); both bytes start at $10-$FF, so zeros or an echo never pay. The asked byte
    alternates (balanced), the rest is drawn from `seed`. What a policy can learn here is which byte
    holds which value: honest tracing of one fixed routine, not general tracing. The prompt is short
    (`_easy_prompt`); the reward is the suite's trace scorer."""
    if count < 2:
        raise TaskDataError(
            f"tasks.per_family={count}: the easy subset needs at least 2 tasks (one per asked byte)"
        )
    return [_easy_task(i, seed * 100_003 + i) for i in range(count)]


def load_task_files(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Task docs of several JSONL files (ids unique within each file)."""

    docs: list[dict[str, Any]] = []
    for path in paths:
        if not Path(path).is_file():
            raise TaskDataError(f"tasks.files: {path} is not a file")
        docs.extend(load_tasks(path))
    return docs


def default_eval_files() -> list[Path]:
    """The evaluation tasks to stay away from: the bundled test set, plus the data `ASM65816_TASK_DATA`
    points the eval tasks at when that is another folder."""

    folders = list(dict.fromkeys(p.resolve() for p in (bundled_data_dir(), task_data_dir())))
    files = [path for folder in folders for path in sorted(folder.glob("*.jsonl"))]
    if not files:
        raise TaskDataError(
            f"no evaluation task files in {', '.join(map(str, folders))}: the contamination check would "
            "check "
            "nothing; pass tasks.eval_files"
        )
    return files


def _norm(text: object) -> str:
    return " ".join(str(text or "").split())


def _gold_text(doc: Mapping[str, Any]) -> str:

    try:
        return gold_completion(doc)
    except (TaskDataError, KeyError, IndexError, TypeError):
        return ""


class _EvalIndex:
    """The evaluation tasks, indexed once: prompts, golds, code fingerprints and the n-gram index."""

    def __init__(self, eval_files: Sequence[str | Path] | None) -> None:

        files = [Path(p) for p in (eval_files if eval_files is not None else default_eval_files())]
        self.files = tuple(str(p) for p in files)
        evals = [doc for path in files for doc in read_jsonl(path, "eval task")]
        if not evals:
            raise TaskDataError(
                f"no eval tasks in {', '.join(self.files)}: the contamination check would check nothing"
            )
        self.prompts = [
            (str(doc.get("id")), _norm(doc.get("prompt"))) for doc in evals if _norm(doc.get("prompt"))
        ]
        self.golds = [
            (str(doc.get("id")), _norm(doc.get("reference")))
            for doc in evals
            if len(str(doc.get("reference") or "").strip()) > _LEAK_MIN_CHARS
        ]
        self.prints = {code_fingerprint(code): str(doc.get("id")) for doc in evals for code in task_code(doc)}
        self.ngrams = ContaminationIndex(load_eval_texts(files))

    def findings(self, doc: Mapping[str, Any]) -> list[ContaminationFinding]:

        task_id, prompt = str(doc.get("id")), _norm(doc.get("prompt"))
        found: list[ContaminationFinding] = []
        for eval_id, other in self.prompts:
            if prompt == other:
                found.append(ContaminationFinding(task_id, eval_id, FindingKind.PROMPT_EQUAL))
            elif other in prompt:
                found.append(ContaminationFinding(task_id, eval_id, FindingKind.PROMPT_CONTAINS))
        found += [
            ContaminationFinding(task_id, eval_id, FindingKind.GOLD_IN_PROMPT)
            for eval_id, gold in self.golds
            if gold in prompt
        ]
        for code in task_code(doc):
            eval_id = self.prints.get(code_fingerprint(code))
            if eval_id is not None:
                found.append(
                    ContaminationFinding(task_id, eval_id, FindingKind.GOLD_FINGERPRINT, "same code")
                )
        sample = Sample(
            id=task_id,
            source="rl-train",
            line=0,
            messages=(Message("user", str(doc.get("prompt") or "")), Message("assistant", _gold_text(doc))),
        )
        found += [
            ContaminationFinding(task_id, hit.task_id, FindingKind.NGRAM, f"{hit.field} {hit.coverage:.0%}")
            for hit in self.ngrams.check(sample)
        ]
        return found


def contamination_findings(
    tasks: Sequence[Mapping[str, Any]], eval_files: Sequence[str | Path] | None = None
) -> list[ContaminationFinding]:
    """Every overlap of a training task with an eval task (see module docstring), in task order."""
    index = _EvalIndex(eval_files)
    return [finding for doc in tasks for finding in index.findings(doc)]


def drop_contaminated(
    tasks: Sequence[dict[str, Any]], eval_files: Sequence[str | Path] | None = None
) -> tuple[list[dict[str, Any]], list[ContaminationFinding]]:
    """(clean tasks, findings), each task checked on its own content: repeated ids (a private split
    reuses the test split's ids) cannot hide one another."""
    index = _EvalIndex(eval_files)
    kept: list[dict[str, Any]] = []
    findings: list[ContaminationFinding] = []
    for doc in tasks:
        found = index.findings(doc)
        findings.extend(found)
        if not found:
            kept.append(doc)
    return kept, findings


def check_rewardable(tasks: Sequence[Mapping[str, Any]], reward: HarnessReward) -> None:
    """Each task's gold earns reward 1 and an empty answer 0 (one batch through `reward`), or
    RewardTaskError naming the first task that does not: a task that cannot pay, or pays for nothing,
    would train on noise."""
    cells = [json.dumps(dict(doc), sort_keys=True) for doc in tasks]
    golds = [_gold_text(doc) for doc in tasks]
    outcomes = reward.outcomes(cells + cells, golds + [""] * len(cells))
    for position, doc in enumerate(tasks):
        gold, empty = outcomes[position], outcomes[len(cells) + position]
        if gold is None or empty is None:
            raise RewardTaskError(
                f"task {doc.get('id')!r} ({doc.get('family')}) is not a family of this reward"
            )
        if gold.reward != 1.0:
            raise RewardTaskError(
                f"task {doc.get('id')!r}: its gold answer earns reward {gold.reward} "
                f"({gold.reason}: {gold.error}), "
                "not 1; the task is broken"
            )
        if empty.reward != 0.0:
            raise RewardTaskError(
                f"task {doc.get('id')!r}: an empty answer earns reward {empty.reward}, not 0"
            )


def grpo_rows(tasks: Sequence[Mapping[str, Any]], system: str | None = None) -> list[dict[str, Any]]:
    """One GRPO dataset row per task: a conversational `prompt` (the user turn is the eval framing,
    `harness.lmeval.glue.doc_to_text`, so TRL's chat-template rendering equals lm-eval's
    `--apply_chat_template`), the task as JSON (`task`, what the reward reads), `family`, `task_id`."""

    rows = []
    for doc in tasks:
        task = parse_task(dict(doc), f"task {doc.get('id')!r}")
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": doc_to_text(task)})
        rows.append(
            {
                "prompt": messages,
                "task": json.dumps(task, sort_keys=True),
                "family": str(task["family"]),
                "task_id": str(task.get("id")),
            }
        )
    return rows


def _donor_answer(doc: Mapping[str, Any], donor: Mapping[str, Any], rng: random.Random) -> str:
    """`doc`'s answer form holding `donor`'s values in asked order, cut to each location's width (a
    random value where the donor asks fewer locations): `LOCATION=VALUE` lines, in a ``` block when
    the prompt asks for one (`TRACE_ANSWER_FORMAT`, as the gold completions are written)."""

    if doc.get("family") == "mc":
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(doc["answer"]["choices"])]
        return letters[int(donor["answer"]["gold"]) % len(letters)]
    values = list(expected_state(donor).values())
    lines = []
    for position, loc in enumerate(parse_spec(doc.get("spec")).outputs):
        value = values[position] if position < len(values) else rng.getrandbits(loc.width)
        lines.append(f"{loc.text}={loc.format(value & ((1 << loc.width) - 1))}")
    text = "\n".join(lines)
    return f"```\n{text}\n```\n" if TRACE_ANSWER_FORMAT in str(doc.get("prompt")) else text + "\n"


def warmup_samples(
    tasks: Sequence[Mapping[str, Any]], *, samples_per_task: int = 2, seed: int = 0
) -> list[dict[str, Any]]:
    """Format-only cold-start samples (trainer sample schema): each task's prompt with the answer of
    another task (`samples_per_task` donors: the next tasks in a seeded shuffle). A model that never
    writes a parseable answer earns reward 0 on every completion, and GRPO learns nothing from a group
    of equal rewards; these targets teach the answer form and the spread of answers, but no prompt's
    own answer (the donor is chosen by position, not content). Answer-form families only (trace, mc):
    code has no form without the code, so code families need real SFT first (`asm65816 train`)."""
    code = sorted({str(t.get("family")) for t in tasks} - {"trace", "mc"})
    if code:
        raise TaskDataError(
            f"warmup: families {code} have no answer form without the answer; "
            "warm up on trace/mc tasks only, "
            "or start from an SFT model (asm65816 train) and set warmup.steps: 0"
        )
    if len(tasks) < 2 or samples_per_task < 1 or samples_per_task >= len(tasks):
        raise TaskDataError(
            f"warmup: {len(tasks)} tasks and samples_per_task={samples_per_task}: need at least 2 tasks and "
            "1 <= samples_per_task < number of tasks (a task is never its own donor)"
        )
    rng = random.Random(seed)
    order = list(range(len(tasks)))
    rng.shuffle(order)
    samples = []
    for position, index in enumerate(order):
        for k in range(1, samples_per_task + 1):
            donor = tasks[order[(position + k) % len(order)]]
            doc = tasks[index]
            samples.append(
                {
                    "id": f"warmup-{doc.get('id')}-{k}",
                    "instruction": str(doc["prompt"]),
                    "output": _donor_answer(doc, donor, rng),
                    "metadata": {"origin": "rl-format-warmup", "task": doc.get("id")},
                }
            )
    return samples


def family_counts(tasks: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Tasks per family, in the registry's order."""
    counts = {family: 0 for family in REWARD_FAMILIES}
    for doc in tasks:
        counts[str(doc.get("family"))] = counts.get(str(doc.get("family")), 0) + 1
    return {family: n for family, n in counts.items() if n}
