"""Assemble many sources in parallel with the same sandbox guarantees as `assemble`.

Each ASAR run is already its own process; the pool only overlaps them. Workers are started with the
`spawn` method so no lock held by a parent thread (lm-eval, tqdm) is inherited across fork.
Results come back in input order, so output never depends on the worker count. Workers install
`install_termination_cleanup`, so a SIGTERM to a worker still kills its ASAR and removes its temp dir.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from harness.asar.assemble import assemble
from harness.asar.cleanup import install_termination_cleanup
from harness.asar.locate import find_asar
from harness.asar.result import AssembleResult

__all__ = ["assemble_many"]


def assemble_many(sources: Sequence[str], *, workers: int | None = None, **options) -> list[AssembleResult]:
    """`[assemble(s, **options) for s in sources]`, run on up to `workers` processes (default: CPUs)."""
    find_asar()  # fail fast, once, in the parent: a missing ASAR is an error, not N failed results
    workers = max(1, workers or os.cpu_count() or 1)
    if workers == 1 or len(sources) <= 2:
        return [assemble(source, **options) for source in sources]
    chunk = max(1, len(sources) // (workers * 4))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=install_termination_cleanup
    ) as pool:
        return list(pool.map(partial(assemble, **options), sources, chunksize=chunk))
