"""`python -m harness.suite.kernels.check NAME [NAME ...]`: a kernel author's feedback loop.

For several seeds of each kernel it builds the gen task, one optimize task per slow draft and one fix
task per bug, and runs what `tasks validate` will run on them: the task checks (reference passes its
own spec, drafts are equivalent and strictly slower, bugs are observable), the mutation adequacy of the
reference (`--mutants`), the near-duplicate check between seeds (prompt similarity must stay below
`MAX_SIMILARITY`, or the kernel needs more variety), and the tier of the reference. Exit 1 on any
problem.
"""

from __future__ import annotations

import argparse
import sys
import time

from harness.suite.kernels import KERNELS, build_routine
from harness.suite.routines import instruction_count
from harness.suite.similarity import most_similar_pairs

__all__ = ["check_kernel", "main"]


def check_kernel(name: str, seeds: range, mutants: bool) -> list[str]:
    """Problems of one kernel over `seeds` (empty when it is ready for the suite)."""
    from harness.suite.build import freeze
    from harness.suite.families import fix_task, gen_task, optimize_task
    from harness.suite.validate import check_task, mutate_task

    problems: list[str] = []
    prompts: dict[str, str] = {}
    for seed in seeds:
        routine = build_routine(name, seed)
        gen = gen_task(routine, f"{name}-gen-{seed}", seed)
        prompts[f"seed {seed}"] = gen["prompt"]
        docs = [gen]
        docs += [
            optimize_task(routine, d, f"{name}-opt-{seed}-{i}", seed) for i, d in enumerate(routine.slow)
        ]
        docs += [fix_task(routine, b, f"{name}-fix-{seed}-{i}", seed) for i, b in enumerate(routine.bugs)]
        for doc in docs:
            freeze(doc)  # as the dataset build does: the task is checked on its stored case plan
            problems += [f"seed {seed} {p.task_id}: [{p.check}] {p.detail}" for p in check_task(doc)]
        if mutants:
            survivors = [o for o in mutate_task(gen) if o.survived]
            problems += [
                f"seed {seed}: surviving mutant line {o.line} {o.description} ({o.status.value})"
                for o in survivors
            ]
        print(
            f"  {name} seed {seed}: {instruction_count(routine.reference)} instructions, tier "
            f"{routine.difficulty}, {len(routine.slow)} slow draft(s), {len(routine.bugs)} bug(s)"
        )
    for similarity, a, b in most_similar_pairs(prompts, top=1):
        print(f"  {name}: gen prompts of {a} and {b} are {similarity:.0%} similar (information only)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.suite.kernels.check", description=__doc__)
    parser.add_argument("names", nargs="*", help="kernels to check (default: all)")
    parser.add_argument("--seeds", type=int, default=6, help="seeds 0..N-1 (default 6)")
    parser.add_argument("--mutants", action="store_true", help="also run mutation adequacy on the gen task")
    args = parser.parse_args(argv)
    names = args.names or list(KERNELS)
    failed = 0
    for name in names:
        started = time.monotonic()
        problems = check_kernel(name, range(args.seeds), args.mutants)
        for problem in problems:
            print(f"PROBLEM {name}: {problem}")
        print(f"{'FAIL' if problems else 'OK'} {name} ({time.monotonic() - started:.1f} s)")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
