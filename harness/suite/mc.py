"""Multiple-choice questions whose gold is decided by a tool: the emulator (values, cycles) or ASAR
(which line assembles). `answer.verify` records how to re-derive the gold; validation does so.

Distractors are never transforms of the gold (such as `^$FF00` or gold+1: a reader of the options alone
could pick the gold as the option most related to the others). State and cycle distractors are what
the snippet gives under classic misconceptions (`harness.suite.misconceptions`), offered as the corners
of a square {gold, slip a, slip b, slips a+b} so no corner is structurally special, cycle slips with
random signs so the gold's rank is uniform. "Which line assembles" draws from twin pairs (a line ASAR
1.91 accepts and a near-identical one it rejects: `,X` versus `,Y`, `#` or not, a real mnemonic and a
made-up neighbour), one twin per pair, so surface features say nothing about validity.
`harness.suite.guessers` checks that no options-only strategy beats chance.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from typing import Any

from harness.suite import prompts
from harness.suite.families import TaskDoc, source_tag
from harness.suite.misconceptions import CYCLE_SLIPS, VALUE_SLIPS, Slip, SnippetState, run_snippet
from harness.suite.routines import mode_sentence
from harness.suite.runner import assembles, run_fixed
from harness.suite.snippets import Snippet, random_snippet

__all__ = ["ASSEMBLES_PAIRS", "MC_KINDS", "mc_plan", "mc_task", "verify_mc"]

_ENTRY = "Snippet"
_MAX_DRAWS = 400

# (a line ASAR 1.91 assembles, its near twin that ASAR rejects); tests re-check every line with ASAR.
# Lines ASAR accepts against a reader's expectation (`LDA ($10),X` is `LDA $10,X` to ASAR, `REP $20`
# is taken as immediate) are left out: the question is about the instruction set, not parser quirks.
ASSEMBLES_PAIRS: tuple[tuple[str, str], ...] = (
    # the index register: valid with X, rejected with Y
    ("STZ $1234,X", "STZ $1234,Y"),
    ("LDA $123456,X", "LDA $123456,Y"),
    ("STA $7E0010,X", "STA $7E0010,Y"),
    ("STY $10,X", "STY $10,Y"),
    ("LDY $1234,X", "LDY $1234,Y"),
    ("BIT $10,X", "BIT $10,Y"),
    ("ASL $10,X", "ASL $10,Y"),
    ("INC $1234,X", "INC $1234,Y"),
    ("JMP ($1234,X)", "JMP ($1234,Y)"),
    ("LDA ($10,X)", "LDA ($10,Y)"),
    ("ROL $1234,X", "ROL $1234,Y"),
    ("DEC $10,X", "DEC $10,Y"),
    # the index register: valid with Y, rejected with X
    ("LDX $10,Y", "LDX $10,X"),
    ("STX $10,Y", "STX $10,X"),
    ("LDA [$10],Y", "LDA [$10],X"),
    ("LDX $1234,Y", "LDX $1234,X"),
    ("STA ($10,S),Y", "STA ($10,S),X"),
    ("EOR [$10],Y", "EOR [$10],X"),
    ("ADC ($10,S),Y", "ADC ($10,S),X"),
    ("STA [$10],Y", "STA [$10],X"),
    ("CMP ($10),Y", "CMP ($10,Y)"),
    ("ORA $1234,Y", "ORA $123456,Y"),
    ("AND ($10),Y", "AND ($1234),Y"),
    # the operand size or mode
    ("INC $1234", "INC $123456"),
    ("LDY $1234", "LDY $123456"),
    ("BIT $1234", "BIT $123456"),
    ("ASL $1234", "ASL $123456"),
    ("ADC $10,S", "ADC $1234,S"),
    ("MVN $7F,$7E", "MVN $7F"),
    ("PEA $1234", "PEA #$1234"),
    ("SEP #$30", "SEP $30"),
    ("CPX $10", "CPX $10,X"),
    ("CPY #$10", "CPY $10,Y"),
    ("TSB $10", "TSB $10,X"),
    ("TRB $1234", "TRB $1234,X"),
    ("PEI ($10)", "PEI $10"),
    ("JSR ($1234,X)", "JSR ($1234)"),
    ("ORA [$10]", "ORA [$10,X]"),
    ("EOR ($10)", "EOR ($1234)"),
    ("COP #$00", "COP $00"),
    ("INC A", "INX A"),
    ("XBA", "XBA A"),
    # the mnemonic, same operand
    ("STA $7E0010", "STZ $7E0010"),
    ("LDA $7EF36D", "DEC $7EF36D"),
    ("CMP $123456", "CPX $123456"),
    ("ORA $123456", "TSB $123456"),
    ("EOR $123456", "DEC $123456"),
    ("JSL $123456", "JSR $123456"),
    ("JML $123456", "JMP $123456"),
    ("LDA $10,S", "LDX $10,S"),
    ("LDA #$10", "STA #$10"),
    ("BIT #$80", "TSB #$80"),
    ("JML [$0010]", "JSL [$0010]"),
    # a real mnemonic and a made-up neighbour
    ("PHK", "PLK"),
    ("PLB", "PHS"),
    ("PHD", "PLS"),
    ("TXY", "TXD"),
    ("TDC", "TDX"),
    ("TSC", "TSY"),
    ("XCE", "XCA"),
    ("INY", "INS"),
    ("DEX", "DES"),
    ("TCS", "TSA"),
    ("STP", "STB"),
    ("WAI", "WAT"),
    ("PLX", "PLZ"),
    ("PHY", "PHZ"),
    ("TYX", "TYS"),
    ("RTL", "RTN"),
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


def _start_state(spec: dict[str, Any], m: int, x: int) -> SnippetState:
    inputs = spec["inputs"]
    return SnippetState(
        a=inputs["A"]["values"][0],
        x=inputs["X"]["values"][0],
        y=inputs["Y"]["values"][0],
        carry=inputs["flag:C"]["values"][0],
        m=m,
        x_flag=x,
    )


def _square(
    gold: int,
    outcomes: dict[frozenset[Slip], int],
    fits: Callable[[int], bool],
    rng: random.Random,
    singles: Sequence[Slip],
) -> list[tuple[int, str]] | None:
    """Options {gold, a, b, a+b} for two slips a, b whose four values are distinct and plausible."""
    squares = []
    for a, b in itertools.combinations(singles, 2):
        values = [gold, outcomes[frozenset({a})], outcomes[frozenset({b})], outcomes[frozenset({a, b})]]
        if len(set(values)) == 4 and all(fits(v) for v in values):
            squares.append(
                [
                    (values[0], "gold"),
                    (values[1], a.value),
                    (values[2], b.value),
                    (values[3], f"{a.value} + {b.value}"),
                ]
            )
    return rng.choice(squares) if squares else None


def _state_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """One snippet; which value does the named register hold? Distractors: the snippet misread."""
    for _ in range(_MAX_DRAWS):
        m, x = rng.randint(0, 1), rng.randint(0, 1)
        location = rng.choice(["X", "A", "Y"])
        spec = _fixed_spec(m, x, rng, [location])
        snippet = random_snippet(rng, entry=_ENTRY, length=rng.randint(4, 7), m=m, x=x)
        start = _start_state(spec, m, x)
        model = run_snippet(snippet.source, start)
        value = model.value(location)
        limit = 0xFF if location != "A" and model.x_flag else 0xFFFF
        outcomes = {
            frozenset(pair): run_snippet(snippet.source, start, pair).value(location)
            for size in (1, 2)
            for pair in itertools.combinations(VALUE_SLIPS, size)
        }
        square = _square(value, outcomes, lambda v, limit=limit: 0 <= v <= limit, rng, VALUE_SLIPS)
        # the emulator decides the gold; a snippet the model gets wrong has no trusted distractors
        if square is not None and run_fixed(snippet.source, _ENTRY, "jsr", spec).outputs[location] == value:
            break
    else:  # pragma: no cover - every kernel of snippets gives squares quickly; a generator bug otherwise
        raise RuntimeError("no snippet with four distinct misconception values")
    rng.shuffle(square)
    gold = next(i for i, (_, why) in enumerate(square) if why == "gold")
    question = (
        f"This routine is called with JSR in {mode_sentence(spec['mode'], 'jsr')}. Entry state: "
        f"{_state_text(spec)}.\n```asm\n{snippet.source.rstrip()}\n```\nWhat is the 16-bit value of "
        f"{location} when it returns?"
    )
    choices = [f"${v:04X}" for v, _ in square]
    return (
        question,
        choices,
        gold,
        {
            "kind": "state",
            "entry": _ENTRY,
            "spec": spec,
            "location": location,
            "code": snippet.source,
            "distractors": {c: why for c, (_, why) in zip(choices, square, strict=True) if why != "gold"},
        },
    )


def _gold_rank(deltas: Sequence[int]) -> int:
    """0-based rank of the gold (delta 0) among {0, a, b, a+b}."""
    a, b = deltas
    return sorted([0, a, b, a + b]).index(0)


def _cycle_square(
    gold: int, snippet: Snippet, start: SnippetState, rank: int, rng: random.Random
) -> list[tuple[int, str]] | None:
    """Four cycle counts {gold, gold+da, gold+db, gold+da+db} in which the gold has rank `rank` (drawn
    uniformly by the caller, so the smallest, largest or a middle option is the gold equally often)."""
    deltas = {}
    for slip in CYCLE_SLIPS:
        delta = run_snippet(snippet.source, start, [slip]).cycles - gold
        if delta:
            deltas[slip] = delta
    pairs = [
        (a, b) for a, b in itertools.combinations(deltas, 2) if _gold_rank((deltas[a], deltas[b])) == rank
    ]
    rng.shuffle(pairs)
    for a, b in pairs:
        both = run_snippet(snippet.source, start, [a, b]).cycles
        values = [gold, gold + deltas[a], gold + deltas[b], both]
        if len(set(values)) == 4 and min(values) > 0 and sorted(values).index(gold) == rank:
            return [
                (values[0], "gold"),
                (values[1], a.value),
                (values[2], b.value),
                (values[3], f"{a.value} + {b.value}"),
            ]
    return None


def _cycles_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """CPU cycles of a snippet, RTS included, JSR excluded; distractors: the cycles miscounted."""
    rank = rng.randrange(4)
    for _ in range(_MAX_DRAWS):
        m, x = rng.randint(0, 1), rng.randint(0, 1)
        spec = _fixed_spec(m, x, rng, ["A"])
        snippet = random_snippet(rng, entry=_ENTRY, length=rng.randint(3, 6), m=m, x=x)
        start = _start_state(spec, m, x)
        cycles = run_snippet(snippet.source, start).cycles
        square = _cycle_square(cycles, snippet, start, rank, rng)
        if square is not None and run_fixed(snippet.source, _ENTRY, "jsr", spec).cycles == cycles:
            break
    else:  # pragma: no cover
        raise RuntimeError("no snippet with four distinct miscounted cycle totals")
    rng.shuffle(square)
    gold = next(i for i, (_, why) in enumerate(square) if why == "gold")
    question = (
        f"This routine is entered by JSR in {mode_sentence(spec['mode'], 'jsr')}, with D=$0000 and "
        f"entry state {_state_text(spec)}.\n```asm\n{snippet.source.rstrip()}\n```\nHow many CPU cycles "
        "does it take from its first instruction up to and including the RTS (the JSR not counted)?"
    )
    choices = [f"{c} cycles" for c, _ in square]
    return (
        question,
        choices,
        gold,
        {
            "kind": "cycles",
            "entry": _ENTRY,
            "spec": spec,
            "code": snippet.source,
            "cycles": cycles,
            "distractors": {c: why for c, (_, why) in zip(choices, square, strict=True) if why != "gold"},
        },
    )


def _assembles_question(rng: random.Random) -> tuple[str, list[str], int, dict[str, Any]]:
    """Exactly one of four lines assembles in ASAR 1.91: four different twin pairs, the valid twin of
    one, the rejected twin of the others (no two lines share a mnemonic)."""
    for _ in range(_MAX_DRAWS):
        pairs = rng.sample(ASSEMBLES_PAIRS, 4)
        lines = [pairs[0][0], *(invalid for _, invalid in pairs[1:])]
        if len({line.split()[0] for line in lines}) == 4:
            break
    order = list(range(4))
    rng.shuffle(order)
    choices = [lines[i] for i in order]
    question = (
        "Which one of these 65816 instructions does ASAR 1.91 assemble (the others are not valid "
        "65816 instructions or addressing modes)?"
    )
    return question, choices, order.index(0), {"kind": "assembles"}


MC_KINDS: dict[str, Callable[[random.Random], tuple[str, list[str], int, dict[str, Any]]]] = {
    "value": _value_question,
    "state": _state_question,
    "cycles": _cycles_question,
    "assembles": _assembles_question,
}


def mc_plan(count: int, letters: int = 4) -> list[tuple[str, int]]:
    """(kind, gold_at) of question i of a split of `count` questions: kinds in rotation, and the gold
    of question i at letter (i + i // kinds) mod letters. Every letter is gold equally often overall
    (when count is a multiple of `letters`) and within each kind (a multiple of kinds x letters); 8
    few-shot questions show every letter twice, and each kind with two different letters."""
    kinds = list(MC_KINDS)
    return [(kinds[i % len(kinds)], (i + i // len(kinds)) % letters) for i in range(count)]


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
