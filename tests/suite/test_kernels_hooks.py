"""Hook and multi-routine kernels (harness/suite/kernels/hooks.py, programs.py; numeric.py registered beside).

What a user of the suite relies on from a hook task: the prompt shows the base and names the hook point
and the freespace origin; the reference patch (org into the base, JSL/JML to new code) passes when the
harness assembles it over the base and runs the base's entry; a patch that breaks the seam (a register
or flag the base uses after the hook, a missing re-executed instruction, RTS for RTL) fails; new code
without an org of its own lands at the origin. From a multi-routine task: the answer must bring the
helper, and a helper that clobbers the register its caller loops with fails. One seed per kernel and a
short case plan keep this file quick; `python -m harness.suite.kernels.check NAME --mutants` goes further.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.suite.families import gen_task
from harness.suite.kernels import KERNELS, build_routine, hooks, numeric, programs
from harness.suite.prompts import gen_prompt
from harness.suite.routines import Routine, instruction_count
from harness.verify import FailReason, check_equivalence

HOOKS = tuple(hooks.KERNELS)
_QUICK_CASES = 32  # edge cases come first, so a short plan still meets the designed boundaries


def _task(routine: Routine, seed: int = 0) -> dict[str, Any]:
    """The gen task as the dataset builder writes it: hook tasks carry their base and origin."""
    doc = gen_task(routine, f"{routine.kernel}-test", seed)
    if routine.base is not None:
        doc["base"] = routine.base
        doc["origin"] = f"${routine.origin:06X}"
    return doc


def _bug(routine: Routine, name: str) -> str:
    return next(b.source for b in routine.bugs if b.name == name)


def test_the_three_modules_are_registered_with_enough_distinct_kernels() -> None:
    ours = (*numeric.KERNELS, *hooks.KERNELS, *programs.KERNELS)
    assert len(ours) == len(set(ours)) >= 26
    assert len(HOOKS) >= 8
    assert all(name in KERNELS and build_routine(name, 0).kernel == name for name in ours)
    hard = [name for name in ours if build_routine(name, 0).difficulty == "hard"]
    assert len(hard) >= 10
    assert all(30 <= instruction_count(build_routine(name, 0).reference) <= 120 for name in hard)


@pytest.mark.parametrize("name", HOOKS)
def test_a_hook_prompt_shows_the_base_and_names_the_hook_point_and_origin(name: str) -> None:
    routine = build_routine(name, 0)
    assert routine.base and routine.origin is not None
    hook_label = re.match(r"org (\w+)", routine.reference)
    assert hook_label, "the reference starts with the org into the base"
    prompt = gen_prompt(routine)
    assert f"`{hook_label.group(1)}`" in prompt
    assert f"${routine.origin:06X}" in prompt
    assert f"{routine.entry}:" in prompt  # the base itself is listed
    assert routine.origin >> 16 != int(routine.base.split("$", 1)[1][:2], 16)  # new code is in another bank


@pytest.mark.parametrize("name", HOOKS)
def test_each_hook_reference_patch_passes_over_its_base(asar: None, name: str) -> None:
    routine = build_routine(name, 0)
    verdict = check_equivalence(_task(routine), routine.reference, cases=_QUICK_CASES)
    assert verdict.passes, f"{name}: {verdict.reason.value} {verdict.detail}"


@pytest.mark.parametrize(
    ("name", "bug"),
    [
        ("hook_armor_table", "clobbers-y"),  # Y, which the base's caller keeps
        ("hook_menu_flags", "no-php"),  # C and Z, which the base branches on after the hook
        ("hook_zone_check", "no-ply"),  # Y again, in a hook that also must hand A and C back
        ("hook_spawn_init", "state-lost"),  # the store the JSL wrote over is never done
        ("hook_tick_timers", "rts"),  # RTS where the JSL needs RTL
        ("hook_ice_friction", "rep-late"),  # returns to 16-bit base code with an 8-bit accumulator
    ],
)
def test_a_patch_that_breaks_what_the_base_relies_on_fails(asar: None, name: str, bug: str) -> None:
    routine = build_routine(name, 0)
    verdict = check_equivalence(_task(routine), _bug(routine, bug), cases=_QUICK_CASES)
    assert not verdict.passes
    assert verdict.reason is not FailReason.ASSEMBLY  # it assembles: the failure is behaviour


def test_hook_code_without_its_own_org_lands_at_the_origin(asar: None) -> None:
    routine = build_routine("hook_char_remap", 0)
    org_line = f"org ${routine.origin:06X}\n"
    patch, new_code = routine.reference.split(org_line)
    # The new routine first, with no org before it, then the patch into the base.
    verdict = check_equivalence(_task(routine), new_code + patch, cases=_QUICK_CASES)
    assert verdict.passes, f"{verdict.reason.value} {verdict.detail}"


def test_a_multi_routine_answer_without_its_helper_fails(asar: None) -> None:
    routine = build_routine("sprite_move_xy", 0)
    assert routine.helpers
    helper = routine.helpers[0]
    without_helper = routine.reference[: routine.reference.index(f"{helper}:")]
    verdict = check_equivalence(_task(routine), without_helper, cases=_QUICK_CASES)
    assert verdict.reason is FailReason.ASSEMBLY
    assert helper in verdict.detail


@pytest.mark.parametrize(
    ("name", "bug"), [("sprite_move_xy", "helper-uses-x"), ("queue_pump", "helper-uses-x")]
)
def test_a_helper_that_clobbers_its_callers_index_fails(asar: None, name: str, bug: str) -> None:
    routine = build_routine(name, 0)
    task = _task(routine)
    assert check_equivalence(task, routine.reference, cases=_QUICK_CASES).passes
    verdict = check_equivalence(task, _bug(routine, bug), cases=_QUICK_CASES)
    assert not verdict.passes and verdict.reason is not FailReason.ASSEMBLY
