"""Task documents from routines: gen, optimize, fix, explain, and trace-of-a-routine.

Every builder is a pure function of (routine, id, seed). The generator that made the routine and its
seed are recorded in `source` (`generated:<kernel>@<seed>`), so `asm65816 tasks build` reproduces the
file byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from harness.suite import prompts
from harness.suite.routines import Draft, Routine, hex8

__all__ = [
    "TaskDoc",
    "explain_task",
    "fix_task",
    "gen_task",
    "optimize_task",
    "routine_trace_task",
    "source_tag",
]

TaskDoc = dict[str, Any]


def source_tag(generator: str, seed: int) -> str:
    """`generated:<generator>@<seed>`: enough to rebuild the task."""
    return f"generated:{generator}@{seed}"


def _doc(
    *,
    task_id: str,
    family: str,
    prompt: str,
    routine: Routine,
    spec: Mapping[str, Any],
    seed: int,
    baseline: str | None = None,
    answer: Mapping[str, Any] | None = None,
    tags: Sequence[str] = (),
    generator: str | None = None,
) -> TaskDoc:
    return {
        "id": task_id,
        "family": family,
        "prompt": prompt,
        "reference": routine.reference,
        "baseline": baseline,
        "entry": routine.entry,
        "call": routine.call,
        "spec": {**spec, "seed": seed},
        "answer": dict(answer or {}),
        "tags": [*routine.tags, *tags],
        "source": source_tag(generator or f"kernel.{routine.kernel}", seed),
    }


def gen_task(routine: Routine, task_id: str, seed: int) -> TaskDoc:
    """Write the routine from its contract; scored by equivalence with the reference."""
    return _doc(
        task_id=task_id,
        family="gen",
        prompt=prompts.gen_prompt(routine),
        routine=routine,
        spec=routine.spec,
        seed=seed,
    )


def optimize_task(routine: Routine, draft: Draft, task_id: str, seed: int) -> TaskDoc:
    """Beat a correct slow first draft; the reference is the faster version."""
    return _doc(
        task_id=task_id,
        family="optimize",
        prompt=prompts.optimize_prompt(routine, draft.source),
        routine=routine,
        spec=routine.spec,
        seed=seed,
        baseline=draft.source,
        answer={"slow_because": draft.note},
        tags=(f"draft:{draft.name}",),
    )


def fix_task(routine: Routine, bug: Draft, task_id: str, seed: int) -> TaskDoc:
    """Repair a buggy version; the reference is a correct version."""
    return _doc(
        task_id=task_id,
        family="fix",
        prompt=prompts.fix_prompt(routine, bug.source),
        routine=routine,
        spec=routine.spec,
        seed=seed,
        baseline=bug.source,
        answer={"bug": bug.note},
        tags=(f"bug:{bug.name}",),
    )


def explain_task(routine: Routine, task_id: str, seed: int) -> TaskDoc:
    """Explain the reference; scored by required facts (any phrasing) and forbidden false claims."""
    answer = {
        "facts": [{"id": f.id, "any": list(f.any)} for f in routine.facts],
        "forbid": list(routine.forbid),
        "example": routine.explanation,
        "false_claims": list(routine.false_claims),
    }
    return _doc(
        task_id=task_id,
        family="explain",
        prompt=prompts.explain_prompt(routine),
        routine=routine,
        spec=routine.spec,
        seed=seed,
        answer=answer,
    )


# ----------------------------------------------------------------------------------------------- trace


def _draw(domain: object, bits: int, rng: random.Random) -> int:
    if isinstance(domain, Mapping):
        return int(rng.choice(list(domain["values"])))
    lo, hi = domain  # type: ignore[misc]
    return rng.randint(int(lo), int(hi)) & ((1 << bits) - 1)


def _expand(key: str) -> list[str]:
    from harness.verify import parse_location

    return [location.text for location in parse_location(key)]


def _compress(cells: Mapping[str, int]) -> dict[str, str]:
    """Consecutive memory bytes as one `$7E0E50..$7E0E5F = $01 $02 ...` line, in address order."""
    out: dict[str, str] = {}
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if not run:
            return
        if len(run) == 1:
            out[f"${run[0][0]:06X}"] = hex8(run[0][1])
        else:
            out[f"${run[0][0]:06X}..${run[-1][0]:06X}"] = " ".join(hex8(v) for _, v in run)
        run.clear()

    for address, value in sorted((int(k[1:], 16), v) for k, v in cells.items()):
        if run and address != run[-1][0] + 1:
            flush()
        run.append((address, value))
    flush()
    return out


def _asked_memory(routine: Routine, fixed: Mapping[str, int], rng: random.Random) -> list[str]:
    """At most three memory outputs: the slot's cells when X names a slot, else random cells."""
    asked: list[str] = []
    for output in routine.spec["outputs"]:  # type: ignore[union-attr]
        if not str(output).startswith("$"):
            continue
        if ".." in str(output):
            cells = _expand(str(output))
            if "X" in fixed and len(cells) == 16:
                asked.append(cells[fixed["X"] & 0x0F])
            else:
                asked.extend(rng.sample(cells, min(2, len(cells))))
        else:
            asked.append(str(output))
    rng.shuffle(asked)
    return sorted(asked[:3])


def routine_trace_task(routine: Routine, task_id: str, seed: int) -> TaskDoc:
    """Run the reference on one fully given state; ask for its registers and up to 3 memory outputs."""
    rng = random.Random(seed)
    spec = routine.spec
    mode = spec["mode"]  # type: ignore[index]
    index_bits = 8 if mode["x"] == 1 else 16
    fixed: dict[str, int] = {}
    for key, domain in spec["inputs"].items():  # type: ignore[union-attr]
        for cell in _expand(key):
            bits = 16 if cell in ("A",) or cell.endswith(":w") else index_bits if cell in ("X", "Y") else 8
            fixed[cell] = _draw(domain, bits, rng)
    if "A.lo" in fixed:
        fixed["A"] = (rng.randrange(0x100) << 8) | fixed.pop("A.lo")
    for register, bits in (("A", 16), ("X", index_bits), ("Y", index_bits)):
        fixed.setdefault(register, rng.getrandbits(bits))
    fixed.setdefault("flag:C", rng.getrandbits(1))
    registers = [str(o) for o in spec["outputs"] if not str(o).startswith("$")]  # type: ignore[union-attr]
    asked = registers + _asked_memory(routine, fixed, rng)
    for location in asked:
        if location.startswith("$"):
            for cell in _expand(location):
                fixed.setdefault(cell, rng.randrange(0x100))
    words = {k: v for k, v in fixed.items() if k.endswith(":w")}
    memory = {k: v for k, v in fixed.items() if k.startswith("$") and not k.endswith(":w")}
    state = {
        k: (f"${v:04X}" if k in ("A", "X", "Y") else str(v))
        for k, v in fixed.items()
        if not k.startswith("$")
    }
    state.update({k: f"${v:04X}" for k, v in words.items()})
    state.update(_compress(memory))
    trace_spec = {
        "mode": mode,
        "inputs": {k: {"values": [v]} for k, v in fixed.items()},
        "outputs": asked,
        "cases": 1,
        "seed": seed,
    }
    prompt = prompts.trace_prompt(
        entry=routine.entry,
        mode=mode,
        call=routine.call,
        code=routine.reference,
        entry_state=state,
        asked=asked,
    )
    return {
        "id": task_id,
        "family": "trace",
        "prompt": prompt,
        "reference": routine.reference,
        "baseline": None,
        "entry": routine.entry,
        "call": routine.call,
        "spec": trace_spec,
        "answer": {},
        "tags": [*routine.tags, "routine"],
        "source": source_tag(f"kernel.{routine.kernel}", seed),
    }
