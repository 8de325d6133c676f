"""`asm65816 tasks stats`: how wide the suite is, in the numbers dataset 2.0 is judged by.

Per family: tasks, distinct kernels, distinct skeletons (the reference with labels, numbers and
addresses abstracted away: two tasks of one kernel with other constants share a skeleton), tiers, the
most similar pair of prompts, and the size of the references (instructions).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.dataset import is_fewshot
from harness.suite.routines import instruction_count
from harness.suite.similarity import most_similar_pairs

__all__ = ["FamilyStats", "family_stats", "format_stats", "skeleton"]

_COMMENT = re.compile(r";.*$", re.MULTILINE)
_NUMBER = re.compile(r"#?\$[0-9A-Fa-f]+|#?%[01]+|#?\b\d+\b")
_LABEL = re.compile(r"(?<![\w$!])([A-Za-z_][\w]*|\.[\w.]+|[-+]+)(?=\s*:|\s*$)", re.MULTILINE)
_NAME = re.compile(r"![A-Za-z_]\w*")


def skeleton(source: str) -> str:
    """The shape of a routine: comments dropped, numbers -> N, labels and header names -> L."""
    text = _COMMENT.sub("", source)
    text = _NAME.sub("L", text)
    text = _NUMBER.sub("N", text)
    lines = []
    for line in text.splitlines():
        line = _LABEL.sub("L", line.strip())
        parts = line.split()
        if (
            parts
            and parts[0].upper()
            in {
                "JSR",
                "JSL",
                "JMP",
                "JML",
                "BRA",
                "BRL",
                "BEQ",
                "BNE",
                "BCC",
                "BCS",
                "BPL",
                "BMI",
                "BVC",
                "BVS",
            }
            and len(parts) > 1
        ):
            parts = [parts[0].upper(), "L"]
        elif parts:
            parts[0] = parts[0].upper()
        if parts:
            lines.append(" ".join(parts))
    return "\n".join(lines)


@dataclass(frozen=True)
class FamilyStats:
    family: str
    tasks: int
    kernels: int
    skeletons: int
    tiers: Mapping[str, int]
    max_similarity: float
    most_similar: tuple[str, str] | None
    instructions: tuple[int, int, int] | None  # min, median, max over references


def _kernel(doc: Mapping[str, Any]) -> str:
    source = str(doc.get("source", ""))
    return source.removeprefix("generated:").split("@")[0]


def family_stats(docs: Sequence[Mapping[str, Any]]) -> list[FamilyStats]:
    """Stats of every family of the test split (few-shot docs are left out)."""
    test = [doc for doc in docs if not is_fewshot(doc)]
    out = []
    for family in dict.fromkeys(str(doc.get("family")) for doc in test):
        rows = [doc for doc in test if doc.get("family") == family]
        references = [str(doc["reference"]) for doc in rows if doc.get("reference")]
        sizes = sorted(instruction_count(ref) for ref in references)
        pairs = most_similar_pairs([(str(d["id"]), str(d.get("prompt", ""))) for d in rows], top=1)
        out.append(
            FamilyStats(
                family=family,
                tasks=len(rows),
                kernels=len({_kernel(doc) for doc in rows}),
                skeletons=len({skeleton(ref) for ref in references}),
                tiers=dict(sorted(Counter(str(doc.get("tier", "-")) for doc in rows).items())),
                max_similarity=pairs[0][0] if pairs else 0.0,
                most_similar=(pairs[0][1], pairs[0][2]) if pairs else None,
                instructions=(sizes[0], int(statistics.median(sizes)), sizes[-1]) if sizes else None,
            )
        )
    return out


def format_stats(stats: Sequence[FamilyStats]) -> str:
    from tabulate import tabulate

    rows = [
        [
            s.family,
            s.tasks,
            s.kernels,
            s.skeletons,
            " ".join(f"{tier} {n}" for tier, n in s.tiers.items()),
            f"{s.max_similarity:.0%}"
            + (f" ({s.most_similar[0]} ~ {s.most_similar[1]})" if s.most_similar else ""),
            "-" if s.instructions is None else "{} / {} / {}".format(*s.instructions),
        ]
        for s in stats
    ]
    headers = [
        "family",
        "tasks",
        "kernels",
        "skeletons",
        "tiers",
        "max prompt similarity",
        "instructions min/median/max",
    ]
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
