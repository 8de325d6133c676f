"""The game and actor kernels (harness/suite/kernels/game.py, actors.py) do what their contracts say.

A user of the suite relies on three things from a kernel: its reference meets its own spec, its slow draft
is a correct but slower baseline for optimize tasks, and its buggy version fails the spec for fix tasks.
Those are checked here on one seed per kernel (the kernel check tool covers more seeds and the mutants).
The AABB kernel is also checked against an independent Python model of box overlap, on ordinary boxes
and on boxes that straddle the $FFFF/$0000 wrap.
"""

from __future__ import annotations

import random
import re

import pytest

from harness.suite.kernels import KERNELS, actors, build_routine, game
from harness.suite.routines import instruction_count

OURS = (*game.KERNELS, *actors.KERNELS)
_QUICK_CASES = 40  # the edge cases come first, so a short plan still meets every designed boundary
_LABEL = re.compile(r"^[.A-Za-z_][\w.]*:$")


def test_every_kernel_is_registered_once_under_its_own_name() -> None:
    assert len(OURS) == len(set(OURS)) >= 26
    for name in OURS:
        assert name in KERNELS
        assert build_routine(name, 0).kernel == name


def test_the_hard_tier_is_well_represented_and_hard_references_are_30_to_120_instructions() -> None:
    hard = [name for name in OURS if build_routine(name, 0).difficulty == "hard"]
    assert len(hard) >= 7, hard
    for name in hard:
        assert 30 <= instruction_count(build_routine(name, 0).reference) <= 120, name


@pytest.mark.parametrize("name", OURS)
def test_drafts_are_real_edits_of_consistent_layout(name: str) -> None:
    """A bug made by a text replacement that matched nothing would equal the reference: the fix task would
    then be unsolvable nonsense. Code lines are indented, labels are not, so replacements find their text."""
    for seed in range(3):
        routine = build_routine(name, seed)
        assert routine.slow and routine.bugs
        sources = [routine.reference, *(d.source for d in (*routine.slow, *routine.bugs))]
        assert len(set(sources)) == len(sources), f"{name} seed {seed}: a draft equals another source"
        for source in sources:
            for line in source.splitlines():
                if line.strip() and not line.startswith("incsrc"):
                    assert _LABEL.match(line) or re.match(r"^    \S", line), f"{name}: {line!r}"


@pytest.mark.parametrize("name", OURS)
def test_restricted_inputs_state_both_bounds_in_the_prompt(name: str) -> None:
    from harness.suite.families import gen_task
    from harness.suite.validate import domain_problems

    routine = build_routine(name, 1)
    assert domain_problems(gen_task(routine, f"{name}-gen", 1)) == []


@pytest.mark.parametrize("name", OURS)
def test_reference_passes_slow_draft_is_slower_and_bug_is_caught(asar: None, name: str) -> None:
    """One seed per kernel (the check tool does more). The reference runs beside every candidate: a
    reference that breaks its own spec raises instead of returning a verdict, so it fails this test too."""
    from harness.suite.families import gen_task
    from harness.verify import check_equivalence

    routine = build_routine(name, 2)
    doc = gen_task(routine, f"{name}-gen", 2)
    slow = check_equivalence(doc, routine.slow[0].source, cases=_QUICK_CASES)
    assert slow.passes, f"slow draft {routine.slow[0].name}: {slow.detail}"
    assert slow.cand_cycles_mean > slow.ref_cycles_mean
    bug = check_equivalence(doc, routine.bugs[0].source)
    assert not bug.passes and bug.assembles, f"bug {routine.bugs[0].name} is not caught"


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """The AABB contract in Python: per axis, d = (b - a) mod $10000 read as signed; -bw < d < aw."""

    def axis(pa: int, size_a: int, pb: int, size_b: int) -> bool:
        d = (pb - pa) & 0xFFFF
        d = d - 0x10000 if d >= 0x8000 else d
        return -size_b < d < size_a

    return axis(a[0], a[2], b[0], b[2]) and axis(a[1], a[3], b[1], b[3])


def _boxes(rng: random.Random) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
    pairs = [
        ((0x0100, 0x0100, 0x10, 0x10), (0x0108, 0x0108, 0x10, 0x10)),  # overlapping
        ((0x0100, 0x0100, 0x10, 0x10), (0x0110, 0x0100, 0x10, 0x10)),  # touching on the right: apart
        ((0x0100, 0x0100, 0x10, 0x10), (0x00F1, 0x0100, 0x10, 0x10)),  # one pixel in from the left
        ((0x0100, 0x0100, 0x10, 0x10), (0x0100, 0x0120, 0x10, 0x10)),  # below, apart
        ((0xFFF8, 0x0040, 0x20, 0x20), (0x0004, 0x0050, 0x08, 0x08)),  # straddles the wrap: overlapping
        ((0x0004, 0x0040, 0x08, 0x08), (0xFFF0, 0x0040, 0x10, 0x10)),  # wrap: touching, apart
        ((0x8000, 0x0000, 0x4000, 0x4000), (0x0000, 0x0000, 0x4000, 0x4000)),  # $8000 apart
    ]
    for _ in range(9):
        ax, ay = rng.randrange(0x10000), rng.randrange(0x10000)
        size = (rng.randrange(1, 0x40), rng.randrange(1, 0x40))
        near = ((ax + rng.randrange(-0x40, 0x40)) & 0xFFFF, (ay + rng.randrange(-0x40, 0x40)) & 0xFFFF)
        pairs.append(((ax, ay, *size), (*near, rng.randrange(1, 0x40), rng.randrange(1, 0x40))))
    return pairs


def test_aabb_kernel_agrees_with_a_python_overlap_check(asar: None) -> None:
    from harness.suite.runner import run_fixed

    routine = build_routine("aabb_boxes16", 3)
    base = int(routine.params["base"])  # type: ignore[call-overload]
    expected_plain = []
    for a, b in _boxes(random.Random(14)):
        values = dict(zip(("ax", "ay", "aw", "ah", "bx", "by", "bw", "bh"), (*a, *b), strict=True))
        inputs = {f"$7E{base + 2 * i:04X}:w": {"values": [values[n]]} for i, n in enumerate(values)}
        spec = {**routine.spec, "inputs": inputs, "cases": 1, "seed": 0}
        run = run_fixed(routine.reference, routine.entry, routine.call, spec)
        assert run.stop == "RETURNED"
        assert run.outputs["flag:C"] == (0 if _overlap(a, b) else 1), (a, b)
        expected_plain.append(_overlap(a, b))
    assert True in expected_plain and False in expected_plain  # the boxes exercise both answers


def test_python_overlap_model_matches_plain_geometry_away_from_the_wrap() -> None:
    """The model the AABB test trusts is ordinary interval overlap when nothing wraps."""
    rng = random.Random(5)
    for _ in range(500):
        a = (
            rng.randrange(0x1000, 0x2000),
            rng.randrange(0x1000, 0x2000),
            rng.randrange(1, 64),
            rng.randrange(1, 64),
        )
        b = (
            rng.randrange(0x1000, 0x2000),
            rng.randrange(0x1000, 0x2000),
            rng.randrange(1, 64),
            rng.randrange(1, 64),
        )
        plain = a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
        assert _overlap(a, b) == plain
