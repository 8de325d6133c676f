"""Explanation scoring by claims checked against execution: never by keywords, never by length.

The explain prompt (`harness.suite.prompts.explain_prompt`) asks for a short explanation that ends with
a summary block, and gives one concrete input:

    reads: <memory and registers/flags whose entry values the routine uses>
    writes: <memory and hardware registers it writes>
    returns: <registers/flags that hold a result, or "nothing">
    example: <the asked locations after it returns on the example input, as LOCATION=VALUE>

The truth is measured, not written down: `harness.score.footprint.measure_footprint` runs the reference
on many inputs and records which cells it reads (first access a read) and writes, which registers and
flags change an observable when perturbed at entry (what "reads A" means), which it returns; the example
values come from running the reference on the example input (`answer.probe` of the task), like a
trace answer. Both are computed at scoring time and cached per task, so nothing hand-typed is trusted.

Claims. Each summary line is split into items; an item naming memory (`$0E50,X`, `$7E0E50..$7E0E5F`,
`$10` as direct page, `$0E50` as DBR:$0E50, `$7E:0E50`, `!SPR_HP`) is a memory claim, one naming no
memory but a register or flag in its head (`X`, `the accumulator`, `carry`, `Z`) is a register claim;
"nothing", and items that say something is preserved, make no claim. A memory claim is true when every
cell it names is accessed that way (an indexed claim: its base cell), a register claim when the
measurement agrees. `outputs:`/`inputs:` lines are accepted (memory as writes/reads, registers as
returns/reads). Distinct truth items a line hits count once, so repeating a true claim earns nothing.
Hex numbers anywhere else in the text (`$20`, `#$04`, `0x7F`, `$7E:0E50`) must be supported: a number of
the code, the mode or the memory map, an accessed address in its usual spellings, a region's size,
those numbers plus or minus one (a count minus one, an end address), a value of the example
(`$7E0E52 = $7F`, as given or as it ends), or a universal constant ($00, $01, $7F, $80, $FF, $FF00,
$FFFF, ...). An unsupported number is a wrong claim. Decimals (counts, slot numbers, "multiplies by
17", "caps at 999999") are not checked: a true derived number must never cost. So "subtracts $20 from
health" (code says #$04) and a wrong table address cost, while "the 65816 has no MUL instruction" (no
number, no summary item) and the correct end address $7F405F of a fill (an accessed cell) cost nothing.

Metrics of one answer:
- `claim_recall`: share of the required items stated (input reads and output writes as regions,
  registers read, registers returned);
- `claim_precision`: true items / (true items + wrong claims + unsupported numbers);
- `example_accuracy`: share of the example's asked locations given right;
- `has_wrong_claim`: 1 when the answer makes at least one wrong claim or names an unsupported number
  (lower is better; a share, so it averages over completions and tasks; `explain_report` lists them);
- `explain_score` (primary): F1(precision, recall) x example_accuracy. The product is deliberate: a
  footprint alone can be guessed for register-only routines ("reads: A / returns: A"), the example
  values cannot; and values without a correct account of the footprint earn nothing either.
A text without a summary block scores 0; a content-free text scores 0 on every bundled task
(`harness.suite.guessers`). The optional LLM judge (`harness.score.judge`) is never the default.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from harness.errors import TaskDataError
from harness.score.footprint import (
    _SPACE_DIGITS,
    Footprint,
    Region,
    header_defines,
    measure_footprint,
    regions_of,
)
from harness.verify import parse_spec
from harness.verify.answers import parse_state_answer
from harness.verify.spec import SPACE_BASES, SPACE_SIZES, canonical_address, parse_location
from harness.verify.trace import expected_state

__all__ = [
    "EXPLAIN_METRICS",
    "ExplainReport",
    "Section",
    "explain_report",
    "probe_expected",
    "score_explanation",
    "summary_lines",
    "summary_truth",
]

EXPLAIN_METRICS = ("explain_score", "claim_recall", "claim_precision", "example_accuracy", "has_wrong_claim")


class Section(str, Enum):
    """A line of the summary block and what its claims are checked against."""

    READS = "reads"
    WRITES = "writes"
    RETURNS = "returns"
    OUTPUTS = "outputs"
    EXAMPLE = "example"


_LABELS: Mapping[str, Section] = {
    "reads": Section.READS,
    "read": Section.READS,
    "inputs": Section.READS,
    "input": Section.READS,
    "uses": Section.READS,
    "writes": Section.WRITES,
    "write": Section.WRITES,
    "stores": Section.WRITES,
    "modifies": Section.WRITES,
    "returns": Section.RETURNS,
    "return": Section.RETURNS,
    "returned": Section.RETURNS,
    "result": Section.RETURNS,
    "results": Section.RETURNS,
    "outputs": Section.OUTPUTS,
    "output": Section.OUTPUTS,
    "example": Section.EXAMPLE,
    "example output": Section.EXAMPLE,
    "example result": Section.EXAMPLE,
    "on the example": Section.EXAMPLE,
    "on the example input": Section.EXAMPLE,
}
_LABEL_RE = re.compile(
    r"^(?P<label>" + "|".join(sorted((re.escape(k) for k in _LABELS), key=len, reverse=True)) + r")"
    r"\s*(?:\([^)]*\)\s*)?(?::|=|\||—|–|\s-\s)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_DECORATION_RE = re.compile(r"[*`]+|(?<!\w)__?|__?(?!\w)")  # bold/italic/code marks; `!SPR_HP` keeps its _
_BULLET_RE = re.compile(r"^\s*(?:[-*+•>]|\d{1,2}[.)])\s+")
_INDEX_RE = re.compile(
    r"(\$[0-9A-Fa-f]{1,6}|\$[0-9A-Fa-f]{2}:[0-9A-Fa-f]{4}|0[xX][0-9A-Fa-f]{1,6}|![A-Za-z_]\w*|\))"
    r",([XxYy])\b"
)
_ADDRESS = r"(?:\$[0-9A-Fa-f]{2}:[0-9A-Fa-f]{4}|\$[0-9A-Fa-f]{1,6}|0[xX][0-9A-Fa-f]{1,6}|![A-Za-z_]\w*)"
_MEMORY_RE = re.compile(
    r"(?<![#\w$])(?:(?P<space>(?i:vram|cgram|oam))\s*:?\s*)?(?P<first>" + _ADDRESS + r")(?![\w:])"
    r"(?:\s*(?:\.\.\.?|-|–|—|\bto\b|\bthrough\b|\bthru\b)\s*(?P<last>" + _ADDRESS + r")(?![\w:]))?"
    r"(?P<index>\s*\+\s*[XxYy]\b|\s*\[\s*[XxYy]\s*\])?"
)
_NOTHING_RE = re.compile(r"^\W*(?:nothing|none|no\b|n/?a\b|-+$|—$)", re.IGNORECASE)
_PRESERVED_RE = re.compile(
    r"\b(?:unchanged|preserved?|restored?|kept|keeps|untouched|intact|same as|as at entry|saved)\b",
    re.IGNORECASE,
)
_SPLIT_RE = re.compile(r"\s*(?:[,;]|\band\b|&|\bplus\b|\bas well as\b)\s*", re.IGNORECASE)
_HEAD_END_RE = re.compile(
    r"\s*(?:\(|\[|=|(?<!flag):|—|–|\s-\s|\bis\b|\bholds?\b|\bwith\b|\bfor\b|\bas\b)", re.IGNORECASE
)
# (register, its letters, matched case-sensitively so the article "a" is not A; its words, any case)
_REGISTER_NAMES: tuple[tuple[str, str, str], ...] = (
    ("A", r"A|A\.lo|AL|B", r"accumulator|a register"),
    ("X", r"X", r"x register|index register x"),
    ("Y", r"Y", r"y register|index register y"),
    ("C", r"C|flag:C|P\.C", r"carry(?: flag)?|c flag"),
    ("Z", r"Z|flag:Z", r"zero flag|z flag"),
    ("N", r"N|flag:N", r"negative flag|sign flag|n flag"),
    ("V", r"V|flag:V", r"overflow(?: flag)?|v flag"),
    ("DBR", r"DBR|DB", r"data bank(?: register)?"),
)
_REGISTER_PATTERNS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (
        name,
        re.compile(r"(?<![\w.:$])(?:" + letters + r")(?![\w:]|\.\w)"),
        re.compile(r"\b(?:" + words + r")\b", re.IGNORECASE),
    )
    for name, letters, words in _REGISTER_NAMES
)
# Hex numbers only: addresses and constants are written in hex in this domain. Decimals are counts,
# multipliers, cycles, BCD limits ("multiplies by 17": 4 shifts and an add; "caps at 999999"), numbers
# no operand holds that a correct explanation derives: never checked, so a true one never costs.
_NUMBER_RE = re.compile(
    r"(?<![\w$#.])#?(?:\$([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})|\$([0-9A-Fa-f]{1,6})|0[xX]([0-9A-Fa-f]{1,6}))(?![\w$])"
)


@dataclass(frozen=True)
class _Claim:
    section: Section
    text: str
    memory: tuple[int, int] | None = None  # (first, last) canonical cells, last == first for one cell
    alternatives: tuple[tuple[int, int], ...] = ()  # the same offsets in other banks (bank-less spelling)
    indexed: bool = False
    register: str | None = None


@dataclass(frozen=True)
class ExplainReport:
    """Everything one answer was scored on (for tests, reports and the judge's context)."""

    metrics: Mapping[str, float]
    true_items: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    unsupported_numbers: tuple[str, ...] = ()
    example_right: tuple[str, ...] = ()
    example_wrong: tuple[str, ...] = ()
    sections: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------- the block


def _clean(line: str) -> str:
    text = _DECORATION_RE.sub("", line).strip()
    if text.startswith("|") and text.count("|") >= 2:  # a markdown table row: | reads | $0E50,X |
        cells = [cell.strip() for cell in text.strip("|").split("|")]
        if len(cells) >= 2 and cells[0]:
            return f"{cells[0]}: {' , '.join(c for c in cells[1:] if c)}"
        return ""
    text = re.sub(r"^#{1,6}\s*", "", text)
    return _BULLET_RE.sub("", text).strip()


@dataclass(frozen=True)
class SummaryLine:
    """One labelled summary line with its continuation lines: the content and where it stands."""

    section: Section
    content: str
    start: int
    end: int


def summary_lines(text: str) -> dict[Section, SummaryLine]:
    """The last occurrence of each summary label (a later block overrides an earlier draft).

    A label line is `reads:` (or `**Reads:**`, `- reads -`, `| reads | ... |`, `### Reads:`, ...);
    its content continues on following bullet or indented lines (or any lines when the label line is
    empty) up to a blank line, a fence or the next label."""
    found: dict[Section, SummaryLine] = {}
    lines = text.split("\n")
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    offsets.append(position)
    index = 0
    while index < len(lines):
        match = _LABEL_RE.match(_clean(lines[index]))
        if match is None:
            index += 1
            continue
        section = _LABELS[match.group("label").lower()]
        parts = [match.group("rest").strip()]
        follow = index + 1
        while follow < len(lines):
            raw = lines[follow]
            cleaned = _clean(raw)
            if not cleaned or cleaned.startswith("```") or _LABEL_RE.match(cleaned):
                break
            if not (_BULLET_RE.match(raw) or raw[:1].isspace() or not parts[0]):
                break
            parts.append(cleaned)
            follow += 1
        found[section] = SummaryLine(
            section, "; ".join(p for p in parts if p), offsets[index], offsets[follow]
        )
        index = follow
    return found


# ------------------------------------------------------------------------------------------- claims


def _to_int(token: str) -> int | None:
    if token.startswith("!"):
        return header_defines().get(token)
    digits = token[2:] if token[:2].lower() == "0x" else token.lstrip("$")
    if ":" in digits:
        bank, offset = digits.split(":")
        return int(bank, 16) << 16 | int(offset, 16)
    try:
        return int(digits, 16)
    except ValueError:
        return None


def _digits(token: str) -> int:
    if token.startswith("!"):
        return 4
    body = token[2:] if token[:2].lower() == "0x" else token.lstrip("$")
    return 6 if ":" in body else len(body)


def _resolve(
    token: str, footprint: Footprint, bank_of: int | None = None, space: str | None = None
) -> tuple[int, tuple[int, ...]] | None:
    """A written address as (canonical cell, the other cells it may mean); None when unreadable.

    Bank-less spellings resolve like the CPU: two digits are direct page, four are DBR:offset (or the
    same offset in the WRAM and LoROM banks); `vram:`/`cgram:`/`oam:` name a PPU memory byte (a VRAM
    address may also be the word address the $2116 port takes)."""

    value = _to_int(token)
    if value is None:
        return None
    if space is not None:
        name = space.lower()
        if value >= SPACE_SIZES[name]:
            return None
        word = (SPACE_BASES[name] + 2 * value,) if name == "vram" and 2 * value < SPACE_SIZES[name] else ()
        return SPACE_BASES[name] + value, word
    digits = _digits(token)
    if digits <= 2:
        return canonical_address((footprint.direct_page + value) & 0xFFFF), ()
    if digits <= 4:
        bank = footprint.data_bank if bank_of is None else bank_of
        cell = canonical_address(bank << 16 | value)
        others = tuple(canonical_address(b << 16 | value) for b in (0x00, 0x7E, 0x7F, 0x80) if b != bank)
        return cell, others
    if value > 0xFFFFFF:
        return None
    return canonical_address(value), ()


def _memory_claims(section: Section, item: str, footprint: Footprint) -> list[_Claim]:
    claims = []
    for match in _MEMORY_RE.finditer(item):
        space = match.group("space")
        first = _resolve(match.group("first"), footprint, space=space)
        if first is None:
            continue
        cell, others = first
        last_token = match.group("last")
        if last_token is None:
            claims.append(
                _Claim(
                    section,
                    match.group(0),
                    (cell, cell),
                    tuple((o, o) for o in others),
                    bool(match.group("index")),
                )
            )
            continue
        bank = cell >> 16 if _digits(last_token) <= 4 and _digits(match.group("first")) > 4 else None
        last = _resolve(last_token, footprint, bank, space)
        if last is None:
            continue
        end, end_others = last
        pairs = tuple(zip(others, end_others, strict=False)) if others and end_others else ()
        claims.append(_Claim(section, match.group(0), (cell, end), pairs, bool(match.group("index"))))
    return claims


def _register_claims(section: Section, item: str) -> list[_Claim]:
    """Registers and flags named in the item's head (before a parenthesis, `=`, "is", "for", ...)."""
    head = _HEAD_END_RE.split(item, maxsplit=1)[0]
    return [
        _Claim(section, head.strip(), register=name)
        for name, letters, words in _REGISTER_PATTERNS
        if letters.search(head) or words.search(head)
    ]


def _items(content: str) -> list[str]:
    """Split a line's content into items (index commas kept: `$0E50,X` becomes `$0E50+X` first)."""
    normalised = _INDEX_RE.sub(lambda m: f"{m.group(1)}+{m.group(2).upper()}", content)
    return [piece.strip() for piece in _SPLIT_RE.split(normalised) if piece.strip()]


def _claims(sections: Mapping[Section, SummaryLine], footprint: Footprint) -> tuple[list[_Claim], list[str]]:
    """The claims of the summary lines, and their remaining text (whose numbers are checked as prose)."""
    claims: list[_Claim] = []
    leftovers: list[str] = []
    for section, line in sections.items():
        if section is Section.EXAMPLE:
            continue
        for item in _items(line.content):
            memory = _memory_claims(section, item, footprint) if section is not Section.RETURNS else []
            if memory:
                claims.extend(memory)
                leftovers.append(_MEMORY_RE.sub(" ", item))
                continue
            leftovers.append(item)
            if not (_NOTHING_RE.match(item) or _PRESERVED_RE.search(item)):
                claims.extend(_register_claims(section, item))
    return claims, leftovers


# ------------------------------------------------------------------------------------------ checking


def _cells(pair: tuple[int, int]) -> range:
    return range(pair[0], pair[1] + 1)


def _memory_truth(claim: _Claim, allowed: frozenset[int]) -> tuple[int, int] | None:
    """The cells (first, last) a true memory claim names, in the bank that makes it true; else None."""
    assert claim.memory is not None
    for pair in (claim.memory, *claim.alternatives):
        if pair[1] < pair[0] or pair[1] - pair[0] > 0xFFFF:
            continue
        cells = [pair[0]] if claim.indexed else _cells(pair)
        if all(cell in allowed for cell in cells):
            return pair
    return None


@dataclass(frozen=True)
class _Truth:
    """What each section's claims are checked against."""

    read_cells: frozenset[int]
    write_cells: frozenset[int]
    read_regions: tuple[Region, ...]
    write_regions: tuple[Region, ...]
    required_reads: tuple[Region, ...]
    required_writes: tuple[Region, ...]
    registers_read: frozenset[str]
    registers_returned: frozenset[str]
    registers_allowed_returned: frozenset[str]


def _truth(task: Mapping[str, Any], footprint: Footprint) -> _Truth:
    """The sets claims are checked against. A declared input table that the routine reads part of may
    be named whole ("reads $0DD0-$0DDF", and it is then one required item however many of its cells a
    run touches); likewise the declared output tables are writes even where a run leaves a cell alone."""

    spec = parse_spec(task.get("spec"))
    input_cells = {cell for location, _ in spec.inputs for cell in location.addresses}
    output_cells = {cell for location in spec.outputs for cell in location.addresses}
    read_cells = set(footprint.reads)
    required_reads = {
        cell for region in footprint.input_reads for cell in _cells((region.first, region.last))
    }
    for region in regions_of(input_cells):
        cells = set(_cells((region.first, region.last)))
        if cells & footprint.reads or _port_read(region, footprint):
            read_cells |= cells
        if cells & required_reads or _port_read(region, footprint):
            required_reads |= cells
    write_cells = set(footprint.writes) | output_cells
    required_writes = {
        cell for region in footprint.output_writes for cell in _cells((region.first, region.last))
    }
    return _Truth(
        read_cells=frozenset(read_cells),
        write_cells=frozenset(write_cells),
        read_regions=regions_of(read_cells),
        write_regions=regions_of(write_cells),
        required_reads=regions_of(required_reads),
        required_writes=regions_of(required_writes | output_cells),
        registers_read=footprint.registers_read,
        registers_returned=footprint.registers_returned,
        registers_allowed_returned=footprint.registers_returned | footprint.registers_changed,
    )


# The data port a routine reads a PPU memory through (the CPU never addresses those bytes directly).
_READ_PORTS: Mapping[str, tuple[int, ...]] = {"vram": (0x2139, 0x213A), "cgram": (0x213B,), "oam": (0x2138,)}


def _port_read(region: Region, footprint: Footprint) -> bool:
    """A declared PPU-memory input counts as read when the routine reads that memory's data port."""
    return any(port in footprint.reads for port in _READ_PORTS.get(region.area.value, ()))


def summary_truth(task: Mapping[str, Any]) -> dict[str, list[str]]:
    """The required items of each summary line ({"reads": [...], "writes": [...], "returns": [...]}),
    spelled as the scorer reads them: a correct, complete summary (the gold answer's)."""
    footprint = measure_footprint(task)
    truth = _truth(task, footprint)
    names = {"C": "carry", "Z": "zero flag", "N": "negative flag", "V": "overflow flag"}
    return {
        "reads": [r.text for r in truth.required_reads]
        + [names.get(n, n) for n in sorted(truth.registers_read)],
        "writes": [r.text for r in truth.required_writes],
        "returns": [names.get(n, n) for n in sorted(truth.registers_returned)],
    }


def _judge_claim(claim: _Claim, truth: _Truth) -> tuple[bool | None, list[str]]:
    """(true?, the truth items it hits); (None, []) for a claim this section does not check.

    A true memory claim hits every required region it overlaps, else the accessed region it lies in
    (a true but optional claim, such as a scratch cell), so naming one table cell by cell counts once."""
    section = claim.section
    if claim.memory is not None:
        if section is Section.RETURNS:
            return None, []
        reads = section is Section.READS
        verb = "read" if reads else "write"
        pair = _memory_truth(claim, truth.read_cells if reads else truth.write_cells)
        if pair is None:
            return False, []
        first, last = (pair[0], pair[0]) if claim.indexed else pair
        required = truth.required_reads if reads else truth.required_writes
        hits = [f"{verb} {r.text}" for r in required if r.first <= last and first <= r.last]
        if hits:
            return True, hits
        region = next(r for r in (truth.read_regions if reads else truth.write_regions) if first in r)
        return True, [f"{verb} {region.text}"]
    if section is Section.WRITES:
        return None, []
    if section is Section.READS:
        return claim.register in truth.registers_read, [f"read {claim.register}"]
    return claim.register in truth.registers_allowed_returned, [f"return {claim.register}"]


def _required(truth: _Truth) -> list[str]:
    items = [f"read {r.text}" for r in truth.required_reads]
    items += [f"read {name}" for name in sorted(truth.registers_read)]
    items += [f"write {r.text}" for r in truth.required_writes]
    items += [f"return {name}" for name in sorted(truth.registers_returned)]
    return items


# ------------------------------------------------------------------------------------------- numbers

_STATEMENT_RE = re.compile(
    r"(?P<loc>(?<![\w$#])\$[0-9A-Fa-f]{2}:[0-9A-Fa-f]{4}|(?<![\w$#])\$[0-9A-Fa-f]{1,6}|(?<![\w.$])(?:A|X|Y)(?![\w.]))"
    r"(?:\s*(?:=|:|->|→|\bis\b|\bholds\b|\bbecomes\b|\bcontains\b)\s*)(?P<value>\$[0-9A-Fa-f]{1,4})(?![\w$])"
)


def _statement_spans(
    text: str, footprint: Footprint, given: Mapping[str, Any], expected: Mapping[str, int]
) -> list[tuple[int, int]]:
    """Spans of `LOCATION = $VALUE` statements that are true of the example (the location's given input
    or its value after the run): quoting the example is not an unsupported number."""
    known: dict[object, set[int]] = {}
    for name, value in [*given.items(), *expected.items()]:
        key: object = str(name).split(".")[0].split(":")[0]
        if str(key).startswith("$"):
            resolved = _resolve(str(key), footprint)
            key = resolved[0] if resolved else key
        known.setdefault(key, set()).add(int(value))
    spans = []
    for match in _STATEMENT_RE.finditer(text):
        location = match.group("loc")
        key = location
        if location.startswith("$"):
            resolved = _resolve(location, footprint)
            key = resolved[0] if resolved else location
        if int(match.group("value")[1:], 16) in known.get(key, set()):
            spans.append((match.start("value"), match.end("value")))
    return spans


def _unsupported_numbers(text: str, skip: Sequence[tuple[int, int]], supported: frozenset[int]) -> list[str]:
    wrong: list[str] = []
    for match in _NUMBER_RE.finditer(text):
        if any(start <= match.start() < end for start, end in skip):
            continue
        bank, offset, plain, prefixed = match.groups()
        if bank is not None:
            value = int(bank, 16) << 16 | int(offset, 16)
        else:
            value = int(plain or prefixed, 16)
        if not _supported(value, supported):
            wrong.append(match.group(0))
    return list(dict.fromkeys(wrong))


def _supported(value: int, supported: frozenset[int]) -> bool:

    return value in supported or canonical_address(value & 0xFFFFFF) in supported


# ------------------------------------------------------------------------------------------- example


def _probe(task: Mapping[str, Any]) -> Mapping[str, Any]:
    answer = task.get("answer")
    probe = answer.get("probe") if isinstance(answer, Mapping) else None
    if (
        not isinstance(probe, Mapping)
        or not isinstance(probe.get("inputs"), Mapping)
        or not isinstance(probe.get("asked"), list)
        or not probe["asked"]
    ):
        raise TaskDataError(
            f'task {task.get("id")!r}: explain tasks need answer.probe = {{"inputs": {{location: value}}, '
            '"asked": [locations]} (the example input of the prompt); rebuild with `asm65816 tasks build`'
        )
    return probe


def probe_expected(task: Mapping[str, Any]) -> dict[str, int]:
    """The asked locations' values after the reference runs on the example input (cached per task)."""
    probe = _probe(task)
    key = json.dumps(
        {k: task.get(k) for k in ("id", "reference", "entry", "call", "base", "origin")}
        | {
            "mode": (task.get("spec") or {}).get("mode"),
            "seed": (task.get("spec") or {}).get("seed", 0),
            "probe": probe,
        },
        sort_keys=True,
        default=str,
    )
    return dict(_probe_expected(key))


@functools.lru_cache(maxsize=512)
def _probe_expected(key: str) -> tuple[tuple[str, int], ...]:

    data = json.loads(key)
    probe = data["probe"]
    doc = {
        "id": data["id"],
        "reference": data["reference"],
        "entry": data["entry"],
        "call": data["call"],
        **({"base": data["base"], "origin": data["origin"]} if data.get("base") is not None else {}),
        "spec": {
            "mode": data["mode"],
            "inputs": {loc: {"values": [value]} for loc, value in probe["inputs"].items()},
            "outputs": list(probe["asked"]),
            "cases": 1,
            "seed": data["seed"] or 0,
        },
    }
    return tuple(expected_state(doc).items())


def _example(
    task: Mapping[str, Any], text: str, sections: Mapping[Section, SummaryLine]
) -> tuple[list[str], list[str]]:
    """(right, wrong) asked locations of the example; read from the example line (and the lines under
    it), else from the whole text's LOCATION=VALUE statements."""

    expected = probe_expected(task)
    locations = [loc for name in expected for loc in parse_location(name)]
    mode = parse_spec(task.get("spec")).mode
    line = sections.get(Section.EXAMPLE)
    sources = [line.content, text[line.start : line.end]] if line is not None else [text]
    predicted: dict[str, int] = {}
    for source in sources:  # the cleaned line first (no table pipes or bold), then it as written
        for name, value in [*parse_state_answer(source, locations, mode).items(), *_space_values(source)]:
            predicted.setdefault(name, value)
    right = [name for name, value in expected.items() if predicted.get(name) == value]
    return right, [name for name in expected if name not in right]


_SPACE_STATEMENT_RE = re.compile(
    r"(?<![\w$])(?P<space>vram|cgram|oam):\$(?P<offset>[0-9A-Fa-f]{1,4})(?P<word>:w)?\s*(?:=|:|->|→|\bis\b)\s*"
    r"\$(?P<value>[0-9A-Fa-f]{1,4})(?![\w$])",
    re.IGNORECASE,
)


def _space_values(text: str) -> list[tuple[str, int]]:
    """`vram:$1000=$12` statements as (location text, value): PPU-memory example values, which the trace
    answer parser does not read (the last statement of a location wins, as in an answer block)."""

    found: dict[str, int] = {}
    for match in _SPACE_STATEMENT_RE.finditer(text):
        space = match.group("space").lower()
        name = (
            f"{space}:${int(match.group('offset'), 16):0{_SPACE_DIGITS[space]}X}{match.group('word') or ''}"
        )
        found[name] = int(match.group("value"), 16)
    return list(found.items())


# ------------------------------------------------------------------------------------------- scoring


def explain_report(task: Mapping[str, Any], text: object) -> ExplainReport:
    """Score one explanation and say why. Raises TaskDataError only for a broken task."""
    if not isinstance(task, Mapping):
        raise TaskDataError(f"task: expected an object, got {type(task).__name__}")
    footprint = measure_footprint(task)
    truth = _truth(task, footprint)
    expected = probe_expected(task)
    text = text if isinstance(text, str) else ""
    sections = summary_lines(text)
    claims, leftovers = _claims(sections, footprint)
    true_items: dict[str, None] = {}
    wrong: dict[str, None] = {}
    for claim in claims:
        verdict, items = _judge_claim(claim, truth)
        if verdict is None:
            continue
        if verdict:
            true_items.update(dict.fromkeys(items))
        else:
            wrong[f"{claim.section.value}: {claim.text}"] = None
    required = _required(truth)
    covered = [item for item in required if item in true_items]
    supported = _supported_set(footprint, expected)
    given = _probe(task).get("inputs") or {}
    skip = [(line.start, line.end) for line in sections.values()]
    numbers = _unsupported_numbers(
        text, [*skip, *_statement_spans(text, footprint, given, expected)], supported
    )
    for leftover in leftovers:
        numbers.extend(n for n in _unsupported_numbers(leftover, [], supported) if n not in numbers)
    right, example_wrong = _example(task, text, sections) if sections else ([], list(expected))
    metrics = _metrics(
        len(true_items),
        len(wrong) + len(numbers),
        len(covered),
        len(required),
        len(right),
        len(expected),
        bool(sections),
    )
    return ExplainReport(
        metrics=metrics,
        true_items=tuple(true_items),
        wrong=tuple(wrong),
        missing=tuple(item for item in required if item not in true_items),
        unsupported_numbers=tuple(numbers),
        example_right=tuple(right),
        example_wrong=tuple(example_wrong),
        sections=tuple(section.value for section in sections),
    )


def _metrics(
    true: int, wrong: int, covered: int, required: int, right: int, asked: int, block: bool
) -> dict[str, float]:
    recall = covered / required if required else 1.0
    precision = true / (true + wrong) if true + wrong else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    example = right / asked if asked else 0.0
    score = f1 * example if block else 0.0
    return {
        "explain_score": score,
        "claim_recall": recall if block else 0.0,
        "claim_precision": precision,
        "example_accuracy": example,
        "has_wrong_claim": float(wrong > 0),
    }


def _supported_set(footprint: Footprint, expected: Mapping[str, int]) -> frozenset[int]:
    return footprint.numbers | frozenset(expected.values())


def score_explanation(task: Mapping[str, Any], text: str) -> dict[str, float]:
    """The metrics of one explanation (see the module docstring); TaskDataError for a broken task."""
    return dict(explain_report(task, text).metrics)
