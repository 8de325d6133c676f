"""`generate`: N verified examples of a kind from a seed, deterministically; `write_jsonl` writes them.

Example i of kind K draws its routine from `random.Random("asm65816-synth:<seed>:<K>:<i>:<attempt>")`
(string seeds hash with SHA-512, stable across Python versions), so a file depends only on the seed,
the kinds and N: the same command writes a byte-identical file. With `kind="all"` the four kinds take
turns (i mod 4). An example whose routine does not suit the kind is redrawn (attempt + 1); a kind that
cannot be built in `MAX_ATTEMPTS` draws is a generator bug and raises.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness.trainers.synth.corpus import draw_routine
from harness.trainers.synth.kinds import BUILDERS, Kind
from harness.trainers.synth.runs import SynthError

__all__ = ["KIND_CHOICES", "MAX_ATTEMPTS", "dumps_sample", "generate", "iter_samples", "write_jsonl"]

MAX_ATTEMPTS = 30
KIND_CHOICES = (*(k.value for k in Kind), "all")
_ID_PREFIX = {
    Kind.EXPLAIN_OPTIMIZE: "opt",
    Kind.TRACE: "trace",
    Kind.REVIEW: "review",
    Kind.EXPLAIN: "explain",
}


def _kinds(kind: str) -> tuple[Kind, ...]:
    if kind == "all":
        return tuple(Kind)
    try:
        return (Kind(kind),)
    except ValueError:
        raise SynthError(f"--kind {kind!r} is unknown; choose one of {', '.join(KIND_CHOICES)}") from None


def _one(kind: Kind, index: int, seed: int) -> dict[str, Any]:
    sample_id = f"synth-{_ID_PREFIX[kind]}-s{seed}-{index:05d}"
    for attempt in range(MAX_ATTEMPTS):
        seed_text = f"asm65816-synth:{seed}:{kind.value}:{index}:{attempt}"
        rng = random.Random(seed_text)
        routine = draw_routine(rng)
        sample = BUILDERS[kind](rng, routine, sample_id, seed_text)
        if sample is not None:
            return sample
    raise SynthError(f"no {kind.value} example could be built for index {index} in {MAX_ATTEMPTS} draws")


def _one_job(job: tuple[Kind, int, int]) -> dict[str, Any]:
    return _one(*job)


def iter_samples(kind: str, n: int, seed: int, workers: int = 1) -> Iterator[dict[str, Any]]:
    """The samples in file order (lazily). Each depends only on (kind, index, seed), so `workers` > 1
    builds them in processes without changing a byte of the result."""
    if n < 1:
        raise SynthError(f"--n {n}: ask for at least one example")
    if seed < 0:
        raise SynthError(f"--seed {seed}: use a non-negative integer")
    if workers < 1:
        raise SynthError(f"--workers {workers}: use 1 or more")
    kinds = _kinds(kind)
    jobs = [(kinds[index % len(kinds)], index, seed) for index in range(n)]
    if workers == 1:
        yield from map(_one_job, jobs)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_one_job, jobs, chunksize=2)


def generate(kind: str, n: int, seed: int) -> list[dict[str, Any]]:
    return list(iter_samples(kind, n, seed))


def dumps_sample(sample: dict[str, Any]) -> str:
    """One JSONL line: fixed key order, ASCII-safe, no trailing spaces (byte-identical across runs)."""
    return json.dumps(sample, ensure_ascii=False, separators=(", ", ": "))


def write_jsonl(
    path: str | Path,
    kind: str,
    n: int,
    seed: int,
    progress: Callable[[int, dict[str, Any]], None] | None = None,
    workers: int = 1,
) -> int:
    """Generate and write; returns the number of samples. Written to a temp file, then renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="\n") as handle:
        for sample in iter_samples(kind, n, seed, workers):
            handle.write(dumps_sample(sample) + "\n")
            count += 1
            if progress is not None:
                progress(count, sample)
    partial.replace(path)
    return count
