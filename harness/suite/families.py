"""Task documents from routines: gen, optimize, fix, explain, and trace-of-a-routine.

Every builder is a pure function of (routine, id, seed). The generator that made the routine and its
seed are recorded in `source` (`generated:<kernel>@<seed>`), so `asm65816 tasks build` reproduces the
file byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import SpecError, TaskDataError
from harness.score.explain import explain_report, probe_expected, summary_truth
from harness.score.footprint import determined_outputs
from harness.suite import prompts
from harness.suite.routines import Draft, Routine, hex8
from harness.verify import parse_location

__all__ = [
    "TaskDoc",
    "UnbuildableTask",
    "compress_cells",
    "is_memory",
    "explain_probe",
    "explain_problems",
    "explain_task",
    "gold_explanation",
    "fix_task",
    "gen_task",
    "optimize_task",
    "routine_trace_task",
    "kernel_of",
    "parse_source_tag",
    "source_tag",
]

TaskDoc = dict[str, Any]


class UnbuildableTask(TaskDataError):
    """This routine and seed cannot make a sound task of the family (an explain routine whose outputs
    never change on a drawn example, a trace whose answer depends on state the prompt cannot give);
    the builder draws again or takes the next kernel, as for any unacceptable draw."""


def source_tag(generator: str, seed: int) -> str:
    """`generated:<generator>@<seed>`: enough to rebuild the task."""
    return f"generated:{generator}@{seed}"


def parse_source_tag(source: object) -> tuple[str, int] | None:
    """(generator, seed) of a `source_tag` (`kernel.sprite_damage`, `snippets.width`), or None."""
    text = str(source or "")
    generator, at, seed = text.removeprefix("generated:").partition("@")
    if not text.startswith("generated:") or not at or not seed.lstrip("-").isdigit():
        return None
    return generator, int(seed)


def kernel_of(doc: Mapping[str, Any]) -> str | None:
    """The kernel a task was generated from (`sprite_damage`), or None (snippets, hand-written tasks)."""
    source = str(doc.get("source", ""))
    if not source.startswith("generated:kernel."):
        return None
    return source.removeprefix("generated:kernel.").partition("@")[0]


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
        **_hook_fields(routine),
        **({"helpers": list(routine.helpers)} if routine.helpers else {}),
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
    """Explain the reference; scored by claims checked against execution (`harness.score.explain`).

    `answer.probe` is the example input the prompt shows and the locations whose values the answer's
    `example:` line must give; the truth (footprint and example values) is computed from the reference
    at scoring time. `answer.example` is a correct answer (prose plus summary block, few-shot target);
    `facts`/`forbid`/`false_claims` are kept for older tools and the optional judge, never scored.
    """
    probe = explain_probe(routine, seed)
    doc = _doc(
        task_id=task_id,
        family="explain",
        prompt=prompts.explain_prompt(routine, probe["inputs"], probe["asked"]),
        routine=routine,
        spec=routine.spec,
        seed=seed,
        answer={
            "probe": probe,
            "facts": [{"id": f.id, "any": list(f.any)} for f in routine.facts],
            "forbid": list(routine.forbid),
            "false_claims": list(routine.false_claims),
        },
    )
    doc["answer"]["example"] = gold_explanation(doc, routine.explanation)
    return doc


# Values a content-free answer would try first; the example avoids asking for them when it can.
_OBVIOUS = frozenset({0x00, 0x01, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFF00, 0xFFFF})
_PROBE_TRIES = 32
_MAX_ASKED = 3


def _output_cells(spec: Mapping[str, Any]) -> list[str]:
    """Every output location, ranges expanded to bytes (words and registers kept)."""
    cells: list[str] = []
    for output in spec["outputs"]:
        cells.extend(_expand(str(output)) if ".." in str(output) else [str(output)])
    return cells


def _probe_inputs(spec: Mapping[str, Any], rng: random.Random) -> dict[str, int]:
    index_bits = 8 if spec["mode"]["x"] == 1 else 16
    fixed: dict[str, int] = {}
    for key, domain in spec["inputs"].items():
        for cell in _expand(key):
            bits = 16 if cell == "A" or cell.endswith(":w") else index_bits if cell in ("X", "Y") else 8
            fixed[cell] = _draw(domain, bits, rng)
    return fixed


def _choose_asked(
    outputs: Sequence[str], extras: Sequence[str], given: Mapping[str, int], final: Mapping[str, int]
) -> list[str]:
    """Up to three locations the run changes (so echoing the input fails), registers before memory,
    whose values a guesser would not try first ($00, $FF, ...). When no output qualifies (a routine
    whose result is a flag, which a guess gets right half the time), a register the run leaves changed
    and determined (`extras`) is asked instead; an obvious value or a flag only when nothing else is."""
    known = [loc for loc in outputs if loc in final]
    changed = [loc for loc in known if given.get(loc) != final[loc]]
    values = sorted((loc for loc in changed if not loc.startswith("flag:")), key=is_memory)
    subtle = [loc for loc in values if final[loc] not in _OBVIOUS]
    if subtle:
        return subtle[:_MAX_ASKED]
    spare = [
        loc for loc in extras if loc in final and given.get(loc) != final[loc] and final[loc] not in _OBVIOUS
    ]
    if spare:
        return spare[:1]
    return (values or [loc for loc in changed if loc.startswith("flag:")])[:1]


def _extra_registers(spec: Mapping[str, Any]) -> list[str]:
    """Registers that are not outputs: A (its low byte with an 8-bit accumulator), X, Y."""
    outputs = {str(o) for o in spec["outputs"]}
    accumulator = "A.lo" if int(spec["mode"].get("m", 1)) else "A"
    return [r for r in (accumulator, "X", "Y") if r not in outputs and not (r == "A.lo" and "A" in outputs)]


def _hook_fields(routine: Routine) -> dict[str, Any]:
    """`base`/`origin` of a hook routine (the trusted image its reference patches), as task fields."""
    if routine.base is None:
        return {}
    return {"base": routine.base, "origin": f"${routine.origin:06X}" if routine.origin is not None else None}


def _probe_quality(asked: Sequence[str], final: Mapping[str, int]) -> tuple[int, int]:
    return (sum(final[loc] not in _OBVIOUS for loc in asked), len(asked))


def explain_probe(routine: Routine, seed: int) -> dict[str, Any]:
    """The example input of an explain task and the locations asked about it.

    Drawn from the spec's input domains (seeded); the draw whose asked values are least guessable wins.
    """

    spec = routine.spec
    outputs = _output_cells(spec)
    extras = _extra_registers(spec)
    where = {"id": f"probe-{seed}", **_hook_fields(routine), "spec": {"mode": spec["mode"], "seed": seed}}
    where |= {"reference": routine.reference, "entry": routine.entry, "call": routine.call}
    best: tuple[tuple[int, int], dict[str, Any]] | None = None
    for attempt in range(_PROBE_TRIES):
        given = _probe_inputs(spec, random.Random(f"explain-probe:{seed}:{attempt}"))
        final = determined_outputs(where, given, [*outputs, *extras])
        asked = _choose_asked(outputs, extras, given, final)
        if not asked:
            continue
        quality = _probe_quality(asked, final)
        if best is None or quality > best[0]:
            best = (quality, {"inputs": given, "asked": asked})
        if quality[0] == len(asked):
            break
    if best is None:
        raise UnbuildableTask(f"{routine.kernel}: no example input changes an output of the reference")
    return best[1]


def gold_explanation(doc: Mapping[str, Any], prose: str) -> str:
    """A correct answer: the routine's prose explanation and a summary block made from the measured
    truth (so it can never disagree with the scorer)."""

    summary = summary_truth(doc)
    example = ", ".join(f"{loc}={_format_value(loc, value)}" for loc, value in probe_expected(doc).items())
    lines = [f"{name}: {', '.join(items) or 'nothing'}" for name, items in summary.items()]
    return f"{prose.strip()}\n\n" + "\n".join(lines) + f"\nexample: {example}\n"


def explain_problems(doc: Mapping[str, Any]) -> list[str]:
    """What is wrong with an explain task (empty when sound): the example must exist, be computable
    (the reference assembles, returns, and the asked values do not depend on state the example does
    not give), change what it asks about, and the stored gold answer must score full marks."""

    answer = doc.get("answer")
    probe = answer.get("probe") if isinstance(answer, Mapping) else None
    if not isinstance(probe, Mapping):
        return ["answer.probe is missing (the example input and asked locations): rebuild the task"]
    try:
        expected = probe_expected(doc)
        report = explain_report(doc, str(answer.get("example") or ""))
    except (TaskDataError, SpecError) as error:
        return [str(error)]
    problems = []
    given = probe.get("inputs") or {}
    if all(given.get(loc) == value for loc, value in expected.items()):
        problems.append(f"every asked example value equals its given input: {expected}")
    if report.metrics["explain_score"] < 1.0:
        problems.append(
            f"the gold answer scores {report.metrics['explain_score']:.3f}, not 1: "
            f"wrong {list(report.wrong)}, "
            f"missing {list(report.missing)}, unsupported numbers {list(report.unsupported_numbers)}, "
            f"example wrong {list(report.example_wrong)}"
        )
    return problems


def _format_value(location: str, value: int) -> str:
    if location.startswith("flag:"):
        return str(value)
    if is_memory(location) and not location.endswith(":w"):
        return hex8(value)
    return f"${value:04X}" if location != "A.lo" else hex8(value)


# ----------------------------------------------------------------------------------------------- trace


def _number(value: object) -> int:
    """A spec number: an int, `$hex`, `0xhex` or decimal digits (the spec's spellings)."""
    text = str(value).strip()
    if text.startswith("$"):
        return int(text[1:], 16)
    return int(text, 0) if text.lower().startswith("0x") else int(text)


def _draw(domain: object, bits: int, rng: random.Random) -> int:
    """One value of a spec domain: `{"values": [...]}`, `[lo, hi]` or `{"range": [lo, hi], "boundaries":
    [...]}`. A range's boundaries are drawn half the time: they are where the routine's behaviour
    changes (a dispatch index below its limit, a value at its clamp), which a uniform draw from a
    16-bit range almost never hits."""
    if isinstance(domain, Mapping) and "range" in domain:
        boundaries = list(domain.get("boundaries") or [])
        if boundaries and rng.random() < 0.5:
            return _number(rng.choice(boundaries)) & ((1 << bits) - 1)
        domain = domain["range"]
    if isinstance(domain, Mapping):
        return _number(rng.choice(list(domain["values"])))
    lo, hi = domain  # type: ignore[misc]
    return rng.randint(_number(lo), _number(hi)) & ((1 << bits) - 1)


def _expand(key: str) -> list[str]:

    return [location.text for location in parse_location(key)]


_SPACES = ("vram:", "cgram:", "oam:")


def is_memory(location: str) -> bool:
    """A memory location (`$7E0E50`, `$7E0E50:w`, a range, or a PPU memory's `vram:$1000`), not a
    register or flag."""
    return location.startswith(("$", *_SPACES))


def _split_cell(name: str) -> tuple[str, int]:
    """(`vram:` or "", offset) of a byte location's spelling."""
    space, _, digits = name.rpartition("$")
    return space, int(digits, 16)


def compress_cells(cells: Mapping[str, int]) -> dict[str, str]:
    """Consecutive memory bytes as one `$7E0E50..$7E0E5F = $01 $02 ...` line, in address order (PPU
    memory bytes as `vram:$1000..$100F`, after the CPU's)."""
    out: dict[str, str] = {}
    run: list[tuple[str, int, int]] = []

    def spell(space: str, offset: int) -> str:
        return f"{space}${offset:04X}" if space else f"${offset:06X}"

    def flush() -> None:
        if not run:
            return
        space = run[0][0]
        if len(run) == 1:
            out[spell(space, run[0][1])] = hex8(run[0][2])
        else:
            out[f"{spell(space, run[0][1])}..${run[-1][1]:0{4 if space else 6}X}"] = " ".join(
                hex8(v) for _, _, v in run
            )
        run.clear()

    for space, address, value in sorted((*_split_cell(k), v) for k, v in cells.items()):
        if run and (space != run[-1][0] or address != run[-1][1] + 1):
            flush()
        run.append((space, address, value))
    flush()
    return out


def _byte_limit(cell: str) -> int:
    """Values an entry byte may take: colours are 15-bit, so a CGRAM high (odd) byte stays below $80."""
    if cell.startswith("cgram:") and int(cell.rpartition("$")[2], 16) & 1:
        return 0x80
    return 0x100


def _word_cells(word: str) -> list[str]:
    """The two byte spellings of a word location (`$7E1E20:w` -> `$7E1E20`, `$7E1E21`)."""

    (location,) = parse_location(word)
    return [parse_location(f"${address:06X}")[0].text for address in location.addresses]


def _asked_memory(routine: Routine, fixed: Mapping[str, int], rng: random.Random) -> list[str]:
    """At most three memory outputs: the slot's cells when X names a slot, else random cells."""
    asked: list[str] = []
    for output in routine.spec["outputs"]:  # type: ignore[union-attr]
        if not is_memory(str(output)):
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
    registers = [str(o) for o in spec["outputs"] if not is_memory(str(o))]  # type: ignore[union-attr]
    asked = registers + _asked_memory(routine, fixed, rng)
    in_words = {cell for key in fixed if key.endswith(":w") for cell in _word_cells(key)}
    for location in asked:
        if is_memory(location):
            for cell in _expand(location):
                if cell not in in_words:  # a byte of a given word is given already
                    fixed.setdefault(cell, rng.randrange(_byte_limit(cell)))
    words = {k: v for k, v in fixed.items() if k.endswith(":w")}
    memory = {k: v for k, v in fixed.items() if is_memory(k) and not k.endswith(":w")}
    state = {
        k: (f"${v:04X}" if k in ("A", "X", "Y") else str(v)) for k, v in fixed.items() if not is_memory(k)
    }
    state.update({k: f"${v:04X}" for k, v in words.items()})
    state.update(compress_cells(memory))
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
        base=routine.base,
    )
    doc = {
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
        **_hook_fields(routine),
    }
    _require_determined(doc, fixed, asked)
    return doc


def _require_determined(doc: Mapping[str, Any], given: Mapping[str, int], asked: Sequence[str]) -> None:
    """A trace answer must follow from the given state alone: one that also depends on what the prompt
    does not give (a PPU memory, the H/V position) makes this draw unbuildable."""

    known = determined_outputs(doc, given, asked)
    missing = [loc for loc in asked if loc not in known]
    if missing:
        raise UnbuildableTask(f"{doc['id']}: {missing} depend on state the trace prompt does not give")
