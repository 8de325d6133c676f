"""Content-free guessers: answers that know nothing about the routine, scored by the real scorer.

A metric measures skill only if an answer without skill scores chance. Each guesser here turns a task
document into a completion without reading the code for meaning: fixed boilerplate, keyword lists and
empty or generic summaries for explain; options-only strategies for mc (it sees the choices, never the
question); zeros, echoed inputs and random plausible hex for trace; an empty answer, the entry label
alone, a bare RTS/RTL and the given baseline echoed for the code families. `run_guessers` scores every
guesser on every task of its families through `harness.score.score_sample` and reports each guesser's
mean primary metric per family next to the chance level: 1/choices for mc, 0 elsewhere. A guesser that
beats chance by more than `tolerance` (explain: scores above it) fails the suite.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GUESSERS",
    "Guesser",
    "GuesserReport",
    "GuesserScore",
    "chance_level",
    "given_inputs",
    "location_bits",
    "mc_strategies",
    "run_guessers",
    "trace_guesses",
]

TOLERANCE = 0.10
_CODE_FAMILIES = ("gen", "optimize", "fix")

# ------------------------------------------------------------------------------------------ explain

_BOILERPLATE = (
    "This routine runs on the SNES 65816 CPU in native mode. It reads values from WRAM and the direct "
    "page, uses the accumulator A and the index registers X and Y, adjusts the processor flags "
    "(carry, zero, negative, overflow) and the m and x width bits with REP and SEP, loads and stores "
    "bytes and words in the sprite tables, may add or subtract with ADC and SBC after CLC or SEC, "
    "compares with CMP and branches, and finally returns to its caller with RTS or RTL, keeping the "
    "stack balanced and the data bank DBR and the direct page D as they were at entry."
)
_KEYWORDS = " ".join(
    [
        "SNES 65816 native emulation accumulator A B C X Y S D DBR PBR P carry zero negative overflow",
        "decimal BCD m x flag REP SEP XBA XCE TAX TAY TXA TYA TXY TYX TCD TDC TCS TSC PHA PLA PHX PLX",
        "PHY PLY PHB PLB PHD PLD PHK PHP PLP LDA STA STZ LDX LDY STX STY ADC SBC CMP CPX CPY AND ORA EOR",
        "BIT TSB TRB INC DEC INX DEX INY DEY ASL LSR ROL ROR BRA BRL BEQ BNE BCC BCS BMI BPL BVC BVS JMP",
        "JML JSR JSL RTS RTL RTI MVN MVP PEA PEI PER NOP WDM WAI STP BRK COP SEC CLC SED CLD SEI CLI CLV",
        "WRAM SRAM ROM LoROM HiROM FastROM bank direct page stack DMA HDMA NMI IRQ VBlank OAM VRAM CGRAM",
        "PPU APU SPC700 joypad multiply divide WRMPYA WRMPYB RDMPYL WRDIVL WRDIVH RDDIVL sprite table slot",
        "HP health state timer speed velocity position score rupees hearts tilemap buffer loop index",
        "$0010 $0011 $0020 $0022 $00F0 $0D00 $0D20 $0D50 $0DD0 $0DF0 $0E00 $0E10 $0E20 $0E50 $0F50 $0FDE",
        "$4202 $4203 $4204 $4205 $4206 $4214 $4216 $420B $420C $420D $2100 $2115 $2116 $2118 $2180",
        "$7E0000 $7E2000 $7F0000 $7EF360 $7EF36C $7EF36D $8000 $FFFF $00 $01 $FF #$00 #$01 #$FF",
    ]
    * 3
)
_EMPTY_SUMMARY = "reads:\nwrites:\nreturns:\nexample:\n"
_NOTHING_SUMMARY = "It does its job.\n\nreads: nothing\nwrites: nothing\nreturns: nothing\nexample: nothing\n"
_GENERIC_SUMMARY = (
    f"{_BOILERPLATE}\n\nreads: A, X, Y, carry, $0000..$00FF\nwrites: $7E0000..$7E00FF\n"
    "returns: A, X, carry\nexample: A=$0000, X=$0000, flag:C=0\n"
)
_ADDRESS_LIST_SUMMARY = (
    "reads: A, X, Y, carry, $0010, $0011, $0020, $0022, $00F0, $0D00,X, $0D20,X, $0D50,X, $0DD0,X, $0E50,X, "
    "$0F40, $0F90, $4214, $4216, $7E0000..$7E00FF, $7EF360, $7EF36C, $7EF36D\n"
    "writes: $0010, $0D00,X, $0D50,X, $0DD0,X, $0E00,X, $0E50,X, $0F50,X, $0F90, $0FDE, $0300, $0A00,X, "
    "$4202, $4203, $4204, $4206, $7EF360, $7EF36D, $7F0000..$7F00FF\n"
    "returns: A, X, Y, carry\nexample: A=$0000, X=$0000, $7E0010=$00, flag:C=1\n"
)
_ADDRESS_RE = re.compile(r"(?<![#\w$])\$[0-9A-Fa-f]{2,6}\b(?:,[XY])?")


def _echo_code_summary(doc: Mapping[str, Any]) -> str:
    """Every address in the code named as read and written; the example echoes the given input.
    Reads the prompt, but not for meaning: what a model that copies would write."""
    code = str(doc.get("reference") or "")
    addresses = ", ".join(dict.fromkeys(_ADDRESS_RE.findall(code))) or "nothing"
    probe = (doc.get("answer") or {}).get("probe") or {}
    given = probe.get("inputs") or {}
    example = ", ".join(f"{name}=${int(given.get(name, 0)):02X}" for name in probe.get("asked") or [])
    return f"reads: A, X, {addresses}\nwrites: {addresses}\nreturns: A\nexample: {example}\n"


# ----------------------------------------------------------------------------------------------- mc


def _numbers(choices: Sequence[str]) -> list[int] | None:
    values = []
    for choice in choices:
        match = re.fullmatch(r"\s*\$([0-9A-Fa-f]+)\s*|\s*(\d+)\s*cycles?\s*", str(choice))
        if match is None:
            return None
        values.append(int(match.group(1), 16) if match.group(1) else int(match.group(2)))
    return values


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right)))
        previous = current
    return previous[-1]


def _distance(a: str, b: str, numbers: Sequence[int] | None, i: int, j: int) -> float:
    if numbers is not None:
        return abs(numbers[i] - numbers[j])
    return float(_edit_distance(a, b))


def _most_central(choices: Sequence[str]) -> int:
    """The option with the smallest total distance to the others (numeric when all are numbers)."""
    numbers = _numbers(choices)
    totals = [
        sum(_distance(choices[i], choices[j], numbers, i, j) for j in range(len(choices)) if j != i)
        for i in range(len(choices))
    ]
    return totals.index(min(totals))


def _least_central(choices: Sequence[str]) -> int:
    numbers = _numbers(choices)
    totals = [
        sum(_distance(choices[i], choices[j], numbers, i, j) for j in range(len(choices)) if j != i)
        for i in range(len(choices))
    ]
    return totals.index(max(totals))


def _relations(a: int, b: int) -> int:
    """How many classic transforms link two 16-bit values (the old distractor recipe and its kin)."""
    swaps = ((a & 0xFF) << 8) | (a >> 8)
    return sum(
        (
            a ^ b == 0xFF00,
            swaps == b,
            a & 0xFF == b or b & 0xFF == a,
            abs(a - b) == 1,
            abs(a - b) == 2,
            a | 0xFF00 == b or b | 0xFF00 == a,
            a & 0xFF == b & 0xFF,
            a >> 8 == b >> 8,
        )
    )


def _most_related(choices: Sequence[str]) -> int:
    """The option linked to the others by the most classic transforms (numbers), else most shared
    characters; the strategy that answered 97% of the old state questions."""
    numbers = _numbers(choices)
    if numbers is None:
        scores = [sum(len(set(c) & set(o)) for o in choices if o is not c) for c in choices]
    else:
        scores = [
            sum(_relations(n, o) for k, o in enumerate(numbers) if k != i) for i, n in enumerate(numbers)
        ]
    return scores.index(max(scores))


def _rank(choices: Sequence[str], which: int) -> int:
    numbers = _numbers(choices)
    keys = numbers if numbers is not None else [len(c) for c in choices]
    order = sorted(range(len(choices)), key=lambda i: (keys[i], choices[i]))
    return order[which]


def _differs_least(choices: Sequence[str]) -> int:
    """The option nearest to its nearest neighbour (bit distance for numbers, edits for text)."""
    numbers = _numbers(choices)

    def gap(i: int, j: int) -> float:
        if numbers is not None:
            return bin(numbers[i] ^ numbers[j]).count("1")
        return float(_edit_distance(choices[i], choices[j]))

    nearest = [min(gap(i, j) for j in range(len(choices)) if j != i) for i in range(len(choices))]
    return nearest.index(min(nearest))


def _unique_shape(choices: Sequence[str]) -> int:
    """The option whose shape (digits to 'h', letters kept) no other option shares, else the first."""
    shapes = [
        re.sub(r"[0-9A-F]", "h", c) if _numbers(choices) is not None else re.sub(r"[0-9]", "d", c)
        for c in choices
    ]
    for i, shape in enumerate(shapes):
        if shapes.count(shape) == 1:
            return i
    return 0


def mc_strategies() -> dict[str, Callable[[Sequence[str]], int]]:
    """Options-only strategies: choices -> the index they pick."""
    return {
        "always-first": lambda choices: 0,
        "always-last": lambda choices: len(choices) - 1,
        "most-central": _most_central,
        "least-central": _least_central,
        "most-related": _most_related,
        "median-low": lambda choices: _rank(choices, (len(choices) - 1) // 2),
        "median-high": lambda choices: _rank(choices, len(choices) // 2),
        "smallest": lambda choices: _rank(choices, 0),
        "largest": lambda choices: _rank(choices, -1),
        "longest": lambda choices: max(range(len(choices)), key=lambda i: (len(choices[i]), -i)),
        "shortest": lambda choices: min(range(len(choices)), key=lambda i: (len(choices[i]), i)),
        "differs-least": _differs_least,
        "unique-shape": _unique_shape,
    }


def _mc_answer(strategy: Callable[[Sequence[str]], int]) -> Callable[[Mapping[str, Any]], str]:
    def answer(doc: Mapping[str, Any]) -> str:
        choices = [str(c) for c in (doc.get("answer") or {}).get("choices") or []]
        return "ABCDEFGH"[strategy(choices)] if choices else ""

    return answer


# -------------------------------------------------------------------------------------------- trace


def _asked(doc: Mapping[str, Any]) -> list[str]:
    return [str(o) for o in (doc.get("spec") or {}).get("outputs") or []]


def location_bits(location: str) -> int:
    """Width of an asked trace location: flags 1, bytes 8 (`$7E0010`, `A.lo`), the rest 16."""
    if location.startswith("flag:"):
        return 1
    return 8 if (location.startswith("$") and not location.endswith(":w")) or location == "A.lo" else 16


def _width_digits(location: str) -> int:
    return location_bits(location) // 4  # flags: 0 (written as 0/1)


def given_inputs(doc: Mapping[str, Any]) -> dict[str, int]:
    """The inputs the prompt fixes to one value, by location."""
    inputs = (doc.get("spec") or {}).get("inputs") or {}
    given = {}
    for key, domain in inputs.items():
        values = domain.get("values") if isinstance(domain, Mapping) else None
        if values and len(values) == 1:
            given[str(key)] = int(values[0])
    return given


_FORMAT_EXAMPLE = {"A": 0xFC80, "A.lo": 0x80, "flag:C": 1}  # the example block trace prompts show
_ZEROS = "every asked value is 0"
_ONES = "every asked value is all ones"
_ECHO = "every asked value equals its given input (or 0 where none is given)"
_EXAMPLE = "every asked value is the prompt's example answer"


def trace_guesses(doc: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """The deterministic content-free trace answers, by why they are content-free: a trace task that
    one of them answers is guessable (`harness.suite.validate.guessable_trace`)."""
    asked = _asked(doc)
    given = given_inputs(doc)
    return {
        _ZEROS: dict.fromkeys(asked, 0),
        _ONES: {loc: (1 << location_bits(loc)) - 1 for loc in asked},
        _ECHO: {loc: given.get(loc, 0) for loc in asked},
        _EXAMPLE: {loc: _FORMAT_EXAMPLE.get(loc, 0) for loc in asked},
    }


def _trace_block(values: Mapping[str, int]) -> str:
    lines = [
        f"{loc}={value & 1}" if _width_digits(loc) == 0 else f"{loc}=${value:0{_width_digits(loc)}X}"
        for loc, value in values.items()
    ]
    return "```\n" + "\n".join(lines) + "\n```\n"


def _trace_guess(why: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda doc: _trace_block(trace_guesses(doc)[why])


def _trace_random(doc: Mapping[str, Any]) -> str:
    rng = random.Random(f"guesser:{doc.get('id')}")
    return _trace_block({loc: rng.getrandbits(location_bits(loc)) for loc in _asked(doc)})


# --------------------------------------------------------------------------------------------- code


def _entry(doc: Mapping[str, Any]) -> str:
    return str(doc.get("entry") or "Entry")


def _fenced(source: str) -> str:
    return f"```asm\n{source.rstrip()}\n```\n"


def _return_only(doc: Mapping[str, Any]) -> str:
    return _fenced(f"{_entry(doc)}:\n    {'RTL' if doc.get('call') == 'jsl' else 'RTS'}")


def _other_return(doc: Mapping[str, Any]) -> str:
    return _fenced(f"{_entry(doc)}:\n    {'RTS' if doc.get('call') == 'jsl' else 'RTL'}")


def _baseline(doc: Mapping[str, Any]) -> str:
    baseline = doc.get("baseline")
    return _fenced(str(baseline)) if isinstance(baseline, str) and baseline.strip() else ""


# ----------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Guesser:
    """A content-free answerer: doc -> completion, for the families it applies to."""

    name: str
    families: tuple[str, ...]
    answer: Callable[[Mapping[str, Any]], str]
    help: str = ""


def _fixed(text: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda doc: text


GUESSERS: tuple[Guesser, ...] = (
    Guesser("boilerplate", ("explain",), _fixed(_BOILERPLATE), "one fixed paragraph of SNES words"),
    Guesser("keyword-list", ("explain",), _fixed(_KEYWORDS), "a 2 KB list of SNES words and addresses"),
    Guesser("empty-summary", ("explain",), _fixed(_EMPTY_SUMMARY), "the summary labels, nothing after them"),
    Guesser("nothing-summary", ("explain",), _fixed(_NOTHING_SUMMARY), "'nothing' on every line"),
    Guesser("generic-summary", ("explain",), _fixed(_GENERIC_SUMMARY), "boilerplate and a generic summary"),
    Guesser(
        "address-list", ("explain",), _fixed(_ADDRESS_LIST_SUMMARY), "common SNES addresses on every line"
    ),
    Guesser(
        "echo-code",
        ("explain",),
        _echo_code_summary,
        "the code's addresses as reads and writes, input echoed",
    ),
    *(
        Guesser(f"mc-{name}", ("mc",), _mc_answer(strategy), "picks from the options alone")
        for name, strategy in mc_strategies().items()
    ),
    Guesser("trace-zeros", ("trace",), _trace_guess(_ZEROS), "every asked location 0"),
    Guesser("trace-echo", ("trace",), _trace_guess(_ECHO), "every asked location as given at entry"),
    Guesser("trace-random", ("trace",), _trace_random, "random values of the right width"),
    Guesser("trace-ones", ("trace",), _trace_guess(_ONES), "every asked location all ones"),
    Guesser("trace-format-example", ("trace",), _trace_guess(_EXAMPLE), "the prompt's example block copied"),
    Guesser("code-empty", _CODE_FAMILIES, _fixed(""), "an empty answer"),
    Guesser(
        "code-label-only", _CODE_FAMILIES, lambda doc: _fenced(f"{_entry(doc)}:"), "the entry label alone"
    ),
    Guesser("code-return", _CODE_FAMILIES, _return_only, "the entry label and the right return"),
    Guesser("code-wrong-return", _CODE_FAMILIES, _other_return, "the entry label and the other return"),
    Guesser("code-baseline", ("optimize", "fix"), _baseline, "the given baseline echoed back"),
)


def chance_level(doc: Mapping[str, Any]) -> float:
    """What a blind answer scores on the primary metric: 1/choices for mc, 0 for every other family."""
    if doc.get("family") == "mc":
        choices = (doc.get("answer") or {}).get("choices") or []
        return 1 / len(choices) if choices else 0.0
    return 0.0


# ------------------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class GuesserScore:
    """One guesser's mean primary metric over one family's tasks, against chance."""

    guesser: str
    family: str
    metric: str
    score: float
    chance: float
    tasks: int
    best_task: str = ""
    best_task_score: float = 0.0
    breakdown: bool = False  # a per-kind row (mc:state): reported, too few tasks to judge alone
    errors: int = 0  # guesses the scorer raised on (a harness bug): the row fails
    first_error: str = ""

    @property
    def margin(self) -> float:
        return self.score - self.chance


@dataclass(frozen=True)
class GuesserReport:
    """Every guesser's score per family. `failures`: those that beat chance by more than `tolerance`;
    for explain, those scoring above `tolerance` on average or on any single task."""

    scores: tuple[GuesserScore, ...]
    tolerance: float = TOLERANCE

    def failed(self, score: GuesserScore) -> bool:
        if score.errors:
            return True
        if score.breakdown:
            return False
        if score.family == "explain":
            return score.score > self.tolerance or score.best_task_score > self.tolerance
        return score.margin > self.tolerance

    @property
    def failures(self) -> tuple[GuesserScore, ...]:
        return tuple(score for score in self.scores if self.failed(score))

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        """The table `tasks validate` prints: one row per (guesser, family)."""
        rows = [
            f"{'guesser':<26} {'family':<15} {'metric':<14} {'score':>6} {'chance':>6} {'margin':>7}  "
            f"{'best task':<18} verdict"
        ]
        for s in self.scores:
            worst = f"{s.best_task} {s.best_task_score:.2f}" if s.best_task_score > 0 else ""
            verdict = (
                f"FAIL: {s.errors} scorer errors, first {s.first_error}"
                if s.errors
                else ("(kind)" if s.breakdown else "FAIL" if self.failed(s) else "ok")
            )
            rows.append(
                f"{s.guesser:<26} {s.family:<15} {s.metric:<14} "
                f"{s.score:6.3f} {s.chance:6.3f} {s.margin:+7.3f}  "
                f"{worst:<18} {verdict}"
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tolerance": self.tolerance,
            "scores": [
                {**vars(s), "margin": round(s.margin, 4), "failed": self.failed(s)} for s in self.scores
            ],
        }


def _score_job(job: tuple[Mapping[str, Any], str, str]) -> tuple[float, str]:
    """(primary metric, "") or (0, the error) when scoring the guess raised: a scorer that crashes on a
    completion is a harness bug the report must show, never a quiet zero. A missing tool still raises."""
    from harness.core.families import primary_metric
    from harness.errors import HarnessError, ToolMismatchError, ToolMissingError
    from harness.score import score_sample
    from harness.verify.equivalence import counterexamples_unshrunk

    doc, _, completion = job
    try:
        with counterexamples_unshrunk():  # only the score counts here, not how small the failing case is
            return float(score_sample(doc, completion).get(primary_metric(str(doc["family"])), 0.0)), ""
    except (ToolMissingError, ToolMismatchError):
        raise
    except (HarnessError, ValueError) as error:
        return 0.0, f"{doc.get('id')}: {type(error).__name__}: {error}"


def run_guessers(
    docs: Sequence[Mapping[str, Any]],
    *,
    tolerance: float = TOLERANCE,
    workers: int | None = None,
    guessers: Iterable[Guesser] = GUESSERS,
    progress: Any = None,
) -> GuesserReport:
    """Score every guesser on every doc of its families with the real scorer (`score_sample`), in
    worker processes when `workers` > 1. Tool problems (no ASAR) raise, as everywhere."""
    from harness.core.families import primary_metric

    chosen = list(guessers)
    # doc-major, so one worker's chunk holds every guess at a doc and reuses its reference runs
    jobs = [
        (doc, guesser.name, guesser.answer(doc))
        for doc in docs
        for guesser in chosen
        if doc.get("family") in guesser.families
    ]
    if workers and workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(_progress(pool.map(_score_job, jobs, chunksize=8), len(jobs), progress))
    else:
        results = list(_progress(map(_score_job, jobs), len(jobs), progress))
    table: dict[tuple[str, str], list[tuple[str, float, float, str]]] = {}
    for (doc, name, _), (value, error) in zip(jobs, results, strict=True):
        row = (str(doc.get("id")), value, chance_level(doc), error)
        table.setdefault((name, str(doc["family"])), []).append(row)
        kind = _kind(doc)
        if kind:
            table.setdefault((name, f"{doc['family']}:{kind}"), []).append(row)
    scores = []
    for guesser in chosen:
        groups = sorted(
            {group for name, group in table if name == guesser.name},
            key=lambda g: (g.split(":")[0] not in guesser.families, ":" in g, g),
        )
        for group in groups:
            rows = table[(guesser.name, group)]
            best = max(rows, key=lambda row: row[1])
            errors = [row[3] for row in rows if row[3]]
            scores.append(
                GuesserScore(
                    guesser=guesser.name,
                    family=group,
                    metric=primary_metric(group.split(":")[0]),
                    score=sum(r[1] for r in rows) / len(rows),
                    chance=sum(r[2] for r in rows) / len(rows),
                    tasks=len(rows),
                    best_task=best[0],
                    best_task_score=best[1],
                    breakdown=":" in group,
                    errors=len(errors),
                    first_error=errors[0] if errors else "",
                )
            )
    return GuesserReport(tuple(scores), tolerance)


def _kind(doc: Mapping[str, Any]) -> str:
    """The mc question kind (state, cycles, value, assembles), for per-kind rows; "" elsewhere."""
    if doc.get("family") != "mc":
        return ""
    verify = (doc.get("answer") or {}).get("verify")
    return str(verify.get("kind") or "") if isinstance(verify, Mapping) else ""


def _progress(iterator: Iterable[Any], total: int, progress: Any) -> Iterable[Any]:
    return iterator if progress is None else progress(iterator, total=total, desc="guessers")
