"""Multiple-choice questions whose gold is decided by a tool: the emulator (values, cycles) or ASAR
(which line assembles). `answer.verify` records how to re-derive the gold; validation does so.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from harness.suite import prompts
from harness.suite.families import TaskDoc, source_tag
from harness.suite.routines import mode_sentence
from harness.suite.runner import assembles, run_fixed
from harness.suite.snippets import random_snippet

__all__ = ["MC_KINDS", "mc_task", "verify_mc"]

_ENTRY = "Snippet"

# (line, assembles?) for "which line assembles". The invalid ones are real confusions: no long STZ/INC/
# LDY/BIT/ASL, no MUL, no STX/STZ abs,Y, no CPX dp,X.
_VALID = (
    "STZ $0010",
    "LDA $7E0010",
    "LDA [$10],Y",
    "LDA ($10,S),Y",
    "MVN $7F,$7E",
    "STA $7E0010,X",
    "PEA $1234",
    "PEI ($10)",
    "XBA",
    "REP #$30",
    "LDA $10,S",
    "JMP ($1234,X)",
    "INC $1234,X",
    "TSB $10",
    "STX $10,Y",
    "JML [$0010]",
    "ADC $123456,X",
    "TRB $1234",
    "BIT #$80",
    "SBC ($10)",
    "LDX $1234,Y",
    "STY $10,X",
)
_INVALID = (
    "STZ $7E0010",
    "MUL $4202",
    "STX $1234,X",
    "INC $7E0010",
    "LDY $123456",
    "STZ $1234,Y",
    "BIT $123456",
    "CPX $10,X",
    "ASL $123456",
    "STA #$10",
    "LDA $123456,Y",
    "STY $1234,Y",
    "TSB $10,X",
    "DEC $7EF36D",
    "STZ $7EF36D",
    "JSR $123456",
    "SEP $30",
)


def _fixed_spec(m: int, x: int, rng: random.Random, outputs: Sequence[str]) -> dict[str, Any]:
    index_bits = 8 if x else 16
    return {
        "mode": {"e": 0, "m": m, "x": x, "D": "$0000", "DBR": "$00"},
        "inputs": {
            "A": {"values": [rng.getrandbits(16)]},
            "X": {"values": [rng.getrandbits(index_bits)]},
            "Y": {"values": [rng.getrandbits(index_bits)]},
            "flag:C": {"values": [rng.getrandbits(1)]},
            "$7E0010..$7E0013": {"values": [0]},
        },
        "outputs": list(outputs),
        "cases": 1,
    }


def _state_text(spec: dict[str, Any]) -> str:
    inputs = spec["inputs"]
    wide = spec["mode"]["x"] == 0
    a = inputs["A"]["values"][0]
    x = inputs["X"]["values"][0]
    y = inputs["Y"]["values"][0]
    c = inputs["flag:C"]["values"][0]
    idx = "04X" if wide else "02X"
    return f"A=${a:04X}, X=${x:{idx}}, Y=${y:{idx}}, carry={c}, $10-$13 = 0"


def _value_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """Four snippets; exactly one leaves A at the target value."""
    m = rng.randint(0, 1)
    x = rng.randint(0, 1)
    spec = _fixed_spec(m, x, rng, ["A"])
    for _ in range(200):
        snippets = [
            random_snippet(rng, entry=_ENTRY, length=rng.randint(3, 5), m=m, x=x).source for _ in range(4)
        ]
        values = [run_fixed(s, _ENTRY, "jsr", spec).outputs["A"] for s in snippets]
        gold = rng.randrange(4)
        if values.count(values[gold]) == 1 and len(set(snippets)) == 4:
            break
    else:  # pragma: no cover - 200 draws without four distinct values would be a generator bug
        raise RuntimeError("could not draw four distinct snippets")
    question = (
        f"Each snippet is called with JSR in {mode_sentence(spec['mode'], 'jsr')}. Entry state: "
        f"{_state_text(spec)}. Which snippet returns with the 16-bit accumulator A (B:A) = "
        f"${values[gold]:04X}?"
    )
    return (
        question,
        snippets,
        gold,
        {"kind": "value", "entry": _ENTRY, "spec": spec, "location": "A", "target": values[gold]},
    )


def _state_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """One snippet ending in a transfer; which value does the named register hold?"""
    m = rng.randint(0, 1)
    x = rng.randint(0, 1)
    location = rng.choice(["X", "A", "Y"])
    spec = _fixed_spec(m, x, rng, [location])
    for _ in range(200):
        snippet = random_snippet(rng, entry=_ENTRY, length=rng.randint(4, 7), m=m, x=x)
        value = run_fixed(snippet.source, _ENTRY, "jsr", spec).outputs[location]
        distractors = {
            value ^ 0xFF00,
            ((value & 0xFF) << 8) | (value >> 8),
            value & 0x00FF,
            (value + 1) & 0xFFFF,
            (value - 1) & 0xFFFF,
            value | 0xFF00,
        }
        distractors.discard(value)
        if len(distractors) >= 3:
            break
    options = [value, *rng.sample(sorted(distractors), 3)]
    rng.shuffle(options)
    gold = options.index(value)
    question = (
        f"This routine is called with JSR in {mode_sentence(spec['mode'], 'jsr')}. Entry state: "
        f"{_state_text(spec)}.\n```asm\n{snippet.source.rstrip()}\n```\nWhat is the 16-bit value of "
        f"{location} when it returns?"
    )
    return (
        question,
        [f"${v:04X}" for v in options],
        gold,
        {"kind": "state", "entry": _ENTRY, "spec": spec, "location": location, "code": snippet.source},
    )


def _cycles_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """CPU cycles of a snippet, RTS included, JSR excluded."""
    m = rng.randint(0, 1)
    x = rng.randint(0, 1)
    spec = _fixed_spec(m, x, rng, ["A"])
    snippet = random_snippet(rng, entry=_ENTRY, length=rng.randint(3, 6), m=m, x=x)
    cycles = run_fixed(snippet.source, _ENTRY, "jsr", spec).cycles
    options = sorted({cycles, *rng.sample([cycles - 2, cycles - 1, cycles + 1, cycles + 2, cycles + 3], 3)})
    gold = options.index(cycles)
    question = (
        f"This routine is entered by JSR in {mode_sentence(spec['mode'], 'jsr')}, with D=$0000 and "
        f"entry state {_state_text(spec)}.\n```asm\n{snippet.source.rstrip()}\n```\nHow many CPU cycles "
        "does it take from its first instruction up to and including the RTS (the JSR not counted)?"
    )
    return (
        question,
        [f"{c} cycles" for c in options],
        gold,
        {"kind": "cycles", "entry": _ENTRY, "spec": spec, "code": snippet.source, "cycles": cycles},
    )


def _assembles_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """Exactly one of four lines assembles in ASAR 1.91."""
    lines = [rng.choice(_VALID), *rng.sample(_INVALID, 3)]
    rng.shuffle(lines)
    gold = next(i for i, line in enumerate(lines) if line in _VALID)
    question = (
        "Which one of these 65816 instructions does ASAR 1.91 assemble (the others are not valid "
        "65816 instructions or addressing modes)?"
    )
    return question, lines, gold, {"kind": "assembles"}


MC_KINDS: dict[str, Callable[[random.Random], tuple[str, list[str], int, dict[str, Any]]]] = {
    "value": _value_question,
    "state": _state_question,
    "cycles": _cycles_question,
    "assembles": _assembles_question,
}


def _rotate_gold(choices: list[str], gold: int, gold_at: int) -> tuple[list[str], int]:
    """Rotate the choices so the gold one stands at `gold_at` (mod the count); their order is kept."""
    shift = (gold_at - gold) % len(choices)
    return choices[-shift:] + choices[:-shift] if shift else list(choices), gold_at % len(choices)


def mc_task(kind: str, task_id: str, seed: int, gold_at: int | None = None) -> TaskDoc:
    """One MC task of `kind`, fully determined by `seed` (and `gold_at`, where the gold choice goes:
    the suite spreads it evenly over the letters, so answering "A" every time scores chance)."""
    rng = random.Random(seed)
    question, choices, gold, verify = MC_KINDS[kind](rng)
    if gold_at is not None:
        choices, gold = _rotate_gold(choices, gold, gold_at)
    return {
        "id": task_id,
        "family": "mc",
        "prompt": prompts.mc_prompt(question, choices),
        "reference": None,
        "baseline": None,
        "entry": verify.get("entry"),
        "call": "jsr",
        "spec": verify.get("spec"),
        "answer": {"choices": choices, "gold": gold, "verify": verify},
        "tags": ["mc", kind],
        "source": source_tag(f"mc.{kind}", seed),
    }


def _line_assembles(line: str) -> bool:
    return assembles(f"Test:\n    {line}\n    RTS\n")


def verify_mc(task: TaskDoc) -> list[str]:
    """Problems with an MC task's gold (empty when the tools agree with it)."""
    answer = task["answer"]
    verify = answer["verify"]
    choices, gold = answer["choices"], answer["gold"]
    kind = verify["kind"]
    if kind == "assembles":
        ok = [_line_assembles(choice) for choice in choices]
        return [] if ok.count(True) == 1 and ok[gold] else [f"assembling the choices gives {ok}, gold {gold}"]
    if kind == "value":
        values = [
            run_fixed(c, verify["entry"], "jsr", verify["spec"]).outputs[verify["location"]] for c in choices
        ]
        hits = [i for i, v in enumerate(values) if v == verify["target"]]
        return [] if hits == [gold] else [f"choices give {[hex(v) for v in values]}, gold {gold}"]
    run = run_fixed(verify["code"], verify["entry"], "jsr", verify["spec"])
    if kind == "cycles":
        want = f"{run.cycles} cycles"
    else:
        want = f"${run.outputs[verify['location']]:04X}"
    hits = [i for i, c in enumerate(choices) if c == want]
    return [] if hits == [gold] else [f"emulator gives {want}; choices {choices}, gold {gold}"]
