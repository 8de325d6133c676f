"""Contamination check: does a training sample contain an eval task's prompt or reference?

Method (documented so a report can be argued with): texts are lower-cased and split into word tokens
(`harness.trainers.dedupe.tokens`; asm comments are kept, they are words too). For every eval task the
`prompt` and `reference` fields are cut into token n-grams (n = 8 by default; a field shorter than n
tokens is one n-gram of its own length, fields under 4 tokens are ignored). N-grams that occur in more
than `max_df` eval texts (default max(5, 1 % of the texts)) are template, not content -- the suite's
prompts share a long preamble -- and are left out, and so are fields with no distinctive n-gram left. A
sample is contaminated by a task field when the sample's text (all turns and thinking) contains at least
`threshold` (default 0.5) of that field's distinctive n-grams. The hit records the task id, the field
and the covered fraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.dataset import read_jsonl
from harness.errors import TaskDataError
from harness.trainers.dedupe import tokens
from harness.trainers.schema import Sample

__all__ = [
    "CHECKED_FIELDS",
    "ContaminationHit",
    "ContaminationIndex",
    "EvalText",
    "default_task_files",
    "load_eval_texts",
]

CHECKED_FIELDS = ("prompt", "reference")
_MIN_TOKENS = 4


@dataclass(frozen=True)
class EvalText:
    task_id: str
    field: str
    text: str


@dataclass(frozen=True)
class ContaminationHit:
    sample: str  # source/id
    task_id: str
    field: str
    coverage: float  # fraction of the field's n-grams found in the sample


def default_task_files() -> list[Path]:
    """The eval data the harness scores with: `ASM65816_TASK_DATA` if set (as lm-eval glue reads it), else
    the installed tasks/asm65816/data. No files is an error: a contamination check against nothing
    would be a silent pass."""
    from harness.dataset import task_data_dir

    folder = task_data_dir()
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise TaskDataError(
            f"no eval task files (*.jsonl) in {folder} for the contamination check; "
            "pass them explicitly (--eval-tasks / eval_task_files) or set ASM65816_TASK_DATA"
        )
    return files


def load_eval_texts(paths: Iterable[str | Path]) -> list[EvalText]:
    """Prompt and reference texts of every task in the given JSONL files."""
    texts: list[EvalText] = []
    for path in paths:
        path = Path(path)
        for number, doc in enumerate(read_jsonl(path, "eval task"), start=1):
            task_id = str(doc.get("id", f"{path.stem}:{number}"))
            for field in CHECKED_FIELDS:
                if isinstance(doc.get(field), str) and doc[field].strip():
                    texts.append(EvalText(task_id, field, doc[field]))
    return texts


def _ngrams(toks: Sequence[str], n: int) -> set[tuple[str, ...]]:
    if len(toks) < n:
        return {tuple(toks)}
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


class ContaminationIndex:
    """n-gram index over eval texts; `check(sample)` returns the task fields the sample covers."""

    def __init__(
        self, texts: Sequence[EvalText], *, n: int = 8, threshold: float = 0.5, max_df: int | None = None
    ) -> None:
        if n < 2:
            raise ValueError(f"n={n}: use n >= 2 (unigrams match everything)")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold={threshold} must be in (0, 1]")
        self.n, self.threshold = n, threshold
        candidates = [(t, _ngrams(tokens(t.text), n)) for t in texts if len(tokens(t.text)) >= _MIN_TOKENS]
        self.max_df = max_df if max_df is not None else max(5, len(candidates) // 100)
        frequency: dict[tuple[str, ...], int] = {}
        for _, grams in candidates:
            for gram in grams:
                frequency[gram] = frequency.get(gram, 0) + 1
        self.texts: list[EvalText] = []
        self._sizes: list[int] = []
        self._index: dict[tuple[str, ...], list[int]] = {}
        for text, grams in candidates:
            distinctive = [g for g in grams if frequency[g] <= self.max_df]
            if not distinctive:
                continue
            position = len(self.texts)
            self.texts.append(text)
            self._sizes.append(len(distinctive))
            for gram in distinctive:
                self._index.setdefault(gram, []).append(position)

    def __len__(self) -> int:
        return len(self.texts)

    def check(self, sample: Sample) -> list[ContaminationHit]:
        whole = "\n".join([*(m.content for m in sample.messages), sample.thinking or ""])
        toks = tokens(whole)
        counts: dict[int, int] = {}
        seen: set[tuple[str, ...]] = set()
        grams = [tuple(toks[i : i + self.n]) for i in range(max(len(toks) - self.n + 1, 0))]
        # short eval fields are indexed as one shorter n-gram: look those lengths up too
        short_lengths = {len(t) for t in self._index if len(t) < self.n}
        for length in short_lengths:
            grams.extend(tuple(toks[i : i + length]) for i in range(max(len(toks) - length + 1, 0)))
        for gram in grams:
            if gram in seen:
                continue
            seen.add(gram)
            for position in self._index.get(gram, ()):
                counts[position] = counts.get(position, 0) + 1
        hits = []
        for position, count in sorted(counts.items()):
            coverage = count / self._sizes[position]
            if coverage >= self.threshold:
                text = self.texts[position]
                hits.append(
                    ContaminationHit(
                        f"{sample.source}/{sample.id}", text.task_id, text.field, round(coverage, 4)
                    )
                )
        return hits
