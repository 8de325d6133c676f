"""The building block of the dataset: a `Routine`, one parametrised SNES routine with its contract.

A kernel (see `harness.suite.kernels`) turns a seeded `random.Random` into a `Routine`: the reference
source, the spec (mode, inputs, observables), realistic slower first drafts (optimize baselines),
buggy versions (fix baselines) and the facts an explanation must state. The family builders in
`harness.suite.families` turn one routine into task documents, so a routine is written once and the
gen/optimize/fix/explain/trace tasks that use it can never disagree about what it does.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "TIERS",
    "Draft",
    "Fact",
    "Routine",
    "SCRATCH",
    "asm",
    "byte_range",
    "instruction_count",
    "span",
    "tier_of",
    "word_range",
    "hex8",
    "hex16",
    "hex_index",
    "mixed",
    "mode_sentence",
    "spec_dict",
    "with_header",
]

# Direct-page scratch every routine may clobber ($7E0000-$7E000F); prompts say so.
SCRATCH = "$7E0000..$7E000F"
Tier = Literal["easy", "medium", "hard"]
TIERS: tuple[Tier, ...] = ("easy", "medium", "hard")
_MNEMONIC_LINE = re.compile(
    r"^\s*(?:[A-Za-z_.][\w.]*:|[-+]+\s|[-+]+$)?\s*([A-Za-z]{3})(?:\.[bwlBWL])?(?:\s|$)"
)
_NOT_INSTRUCTIONS = frozenset({"org", "incsrc", "db", "dw", "dl", "dd", "if", "fill", "pad", "rep"})
# Location spellings shared by most specs.
KEEP_REGS = ("D", "DBR", "flag:m", "flag:x", "flag:D", "S")


def span(lo: int, hi: int, *boundaries: int) -> dict[str, object]:
    """A range domain: every value from lo to hi, with `boundaries` (where the routine's behaviour
    changes) tried first. A range narrower than the input's width is a restriction the task's prose
    must state with both bounds (`tasks validate` checks it)."""
    inside = sorted({b for b in boundaries if lo <= b <= hi})
    return {"range": [lo, hi], "boundaries": inside} if inside else [lo, hi]


def byte_range(*boundaries: int) -> dict[str, object] | list[int]:
    """A whole byte ($00-$FF), boundaries first."""
    return span(0, 0xFF, *boundaries)


def word_range(*boundaries: int) -> dict[str, object] | list[int]:
    """A whole word ($0000-$FFFF), boundaries first."""
    return span(0, 0xFFFF, *boundaries)


def instruction_count(source: str) -> int:
    """Instructions in a source, counted statically (one per line that holds a mnemonic)."""
    count = 0
    for line in source.splitlines():
        code = line.split(";", 1)[0]
        match = _MNEMONIC_LINE.match(code)
        if match and match.group(1).lower() not in _NOT_INSTRUCTIONS:
            count += 1
    return count


def tier_of(reference: str) -> Tier:
    """Difficulty from the reference's size: easy up to 10 instructions, hard from 30 (the hard tier's
    references run 30-120 instructions), medium between."""
    count = instruction_count(reference)
    return "easy" if count <= 10 else "hard" if count >= 30 else "medium"


def asm(text: str) -> str:
    """Dedent a triple-quoted assembly block and end it with one newline."""
    return textwrap.dedent(text).strip("\n") + "\n"


def hex8(value: int) -> str:
    """`$1F`: an 8-bit ASAR immediate/operand (two digits make ASAR emit one byte)."""
    return f"${value & 0xFF:02X}"


def mixed(
    rng: random.Random, boundaries: Sequence[int], lo: int, hi: int, n: int = 24
) -> dict[str, list[int]]:
    """A value-list domain: the boundaries that matter plus `n` random values from [lo, hi].

    Hypothesis rarely lands exactly on an off-by-one boundary of a wide range; listing the boundaries
    makes every case either a boundary or a spread value, so comparisons against the wrong constant
    are caught.
    """
    values = {v for v in boundaries if lo <= v <= hi} | {rng.randint(lo, hi) for _ in range(n)}
    return {"values": sorted(values)}


def hex_index(value: int, x: int) -> str:
    """An index-register immediate sized for the x flag (two digits when x=1, four when x=0)."""
    return hex8(value) if x else hex16(value)


def hex16(value: int) -> str:
    """`$01F0`: four digits make ASAR emit a 16-bit immediate even for small values."""
    return f"${value & 0xFFFF:04X}"


@dataclass(frozen=True)
class Draft:
    """An alternative body of the routine: a slower first draft or a buggy version.

    `note` says what is slow or wrong; it is for reports and training data, never shown in eval prompts
    of the family that uses the draft as its baseline.
    """

    name: str
    source: str
    note: str


@dataclass(frozen=True)
class Fact:
    """One thing an explanation must say; any regex in `any` (case-insensitive) counts as saying it."""

    id: str
    any: tuple[str, ...]


@dataclass(frozen=True)
class Routine:
    """One parametrised routine and everything the families need to make tasks of it.

    `summary` is the one-line job ("Damage sprite X by 16 HP"), `details` the contract in prose
    (inputs, outputs, what must be preserved); both are shown in prompts. `spec` is the verifier's
    spec without `seed` (the family builder adds it). `explanation` is a correct reference explanation
    (checked against `facts`/`forbid`), `false_claims` explanations that must trip `forbid`.
    """

    kernel: str
    entry: str
    call: str
    summary: str
    details: str
    reference: str
    spec: Mapping[str, object]
    slow: tuple[Draft, ...] = ()
    bugs: tuple[Draft, ...] = ()
    facts: tuple[Fact, ...] = ()
    forbid: tuple[str, ...] = ()
    explanation: str = ""
    false_claims: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    params: Mapping[str, object] = field(default_factory=dict)
    tier: Tier | None = None  # None: from the reference's size (`tier_of`)
    base: str | None = None  # hook tasks: the trusted base image the answer patches
    origin: int | None = None  # hook tasks: where new code goes by default (freespace)
    helpers: tuple[str, ...] = ()  # multi-routine tasks: the helper labels the answer must define too

    @property
    def mode(self) -> Mapping[str, object]:
        return self.spec["mode"]  # type: ignore[return-value]

    @property
    def difficulty(self) -> Tier:
        return self.tier or tier_of(self.reference)


def spec_dict(
    *,
    m: int,
    x: int,
    inputs: Mapping[str, object],
    outputs: Sequence[str],
    preserve: Sequence[str] = (),
    writable: Sequence[str] = (),
    dbr: int = 0x00,
    cases: int = 96,
) -> dict[str, object]:
    """A spec in the public format; the scratch area is always writable and D/DBR/m/x/decimal kept."""
    keep = [loc for loc in KEEP_REGS if loc not in outputs]
    return {
        "mode": {"e": 0, "m": m, "x": x, "D": "$0000", "DBR": f"${dbr:02X}"},
        "inputs": dict(inputs),
        "outputs": list(outputs),
        "preserve": [*dict.fromkeys([*preserve, *keep])],
        "writable": [SCRATCH, *writable],
        "cases": cases,
    }


def mode_sentence(mode: Mapping[str, object], call: str) -> str:
    """The prose every prompt uses for the entry state, e.g. `native mode (e=0), 8-bit A (m=1), ...`."""
    acc = "8-bit accumulator (m=1)" if mode["m"] == 1 else "16-bit accumulator (m=0)"
    idx = "8-bit index registers (x=1)" if mode["x"] == 1 else "16-bit index registers (x=0)"
    ret = "RTS" if call == "jsr" else "RTL"
    return (
        f"native mode (e=0), {acc}, {idx}, D={mode['D']}, DBR={mode['DBR']}, decimal flag clear; "
        f"called with {call.upper()}, so return with {ret}"
    )


# Names the harness headers define (harness/asar/headers), for routines written against them.
HEADER_NAMES: Mapping[str, Mapping[str, str]] = {
    "alttp_ram.asm": {
        "$0E50": "!SPR_HP",
        "$0DD0": "!SPR_STATE",
        "$0DF0": "!SPR_TIMER_A",
        "$0E20": "!SPR_TYPE",
        "$7EF36D": "!SRAM_HEALTH",
        "$7EF36C": "!SRAM_MAX_HEALTH",
        "$7EF360": "!SRAM_RUPEES_GOAL",
    },
    "snes.asm": {
        "$4202": "!WRMPYA",
        "$4203": "!WRMPYB",
        "$4216": "!RDMPYL",
        "$4204": "!WRDIVL",
        "$4205": "!WRDIVH",
    },
}


def with_header(routine: Routine, header: str) -> Routine:
    """The same routine written against a harness header: `incsrc` it and use its names.

    Only operands are renamed (an address followed by a non-hex character), so prose and other
    numbers are untouched; the bytes ASAR emits are the same as before.
    """
    names = HEADER_NAMES[header]
    pattern = re.compile(
        "|".join(re.escape(a) + r"(?![0-9A-Fa-f])" for a in sorted(names, key=len, reverse=True))
    )

    def rename(source: str) -> str:
        return f'incsrc "{header}"\n' + pattern.sub(lambda m: names[m.group(0)], source)

    return replace(
        routine,
        reference=rename(routine.reference),
        slow=tuple(replace(d, source=rename(d.source)) for d in routine.slow),
        bugs=tuple(replace(d, source=rename(d.source)) for d in routine.bugs),
        tags=(*routine.tags, f"header:{header}"),
    )
