"""Reading a model's predicted machine state out of free text (trace tasks). Never raises; linear time.

What is read, in order of trust (the first that names a location decides it):

1. Answer blocks: runs of lines that hold nothing but `LOCATION=VALUE` statements (the requested form,
   `TRACE_ANSWER_FORMAT`), with the usual markdown around them: bullets, bold/italic/backticks, a
   heading such as `Final state:`, fences, JSON objects, markdown tables (`| A | $FC80 |`, or a trace
   table whose header names locations: its last row is the final state), trailing comments
   (`A=$FC80 ; from ADC`). The last block that names a location gives its value (last statement wins
   inside a block).
2. Only for a location no answer block names: statements inside prose. In a sentence with "final",
   "answer", "result", "therefore", "after it returns", ... the first statement after that word beats
   other prose; otherwise the last statement wins.
Statements about other moments are never read: a block under a heading about the entry state
(`Entry state:`, `Initially:`) restates the input, and a sentence hedged as intermediate ("briefly",
"temporarily", "initially", "at entry") is not an answer, unless its statement follows a marker word.

Spellings. Separators `=`, `:`, `->`, `→`, `=>`, `is`, `becomes`, `holds`, `contains`, `equals`,
`remains`; a chain `A: $F180 → $FC80` gives its last value. Values `$FC80`, `#$FC80`, `0xFC80`,
`FC80h`, `%1010`, bare hex with a digit and a letter (`FC80`), decimal digits (`65152`, always
decimal), and for flags 0/1, true/false, set/clear. A value must fit the location's width; one that
does not makes the location absent (never truncated, never guessed).

Names. Registers `A`, `A.lo`/`AL`, `X`, `Y`, `S`/`SP`, `D`/`DP`, `DBR`/`DB`, `PBR`/`PB`/`K`, the words
"accumulator", "stack pointer", ...; lowercase `a`, `x`, `y`, `s` are the registers. Flags `flag:C`,
`flag C`, `C flag`, `P.C`, "carry", "zero", ..., and a bare letter that names only a flag
(`C N V Z I m e`, either case). Two bare letters name both a register and a flag: `x` (register X or
flag x) and `D` (direct page or decimal flag). Only asked locations matter, so such a name means the
asked one; when both are asked: a value written as a register (`$`, `0x`, `h` or greater than 1) is
the register; else, if the same block or sentence also names the register in capitals (`X=$0010`,
`x=0`) or at least two other flags, it is the flag; else the register.
Memory: `$7E0E50`, `$7E:0E50`, `7E:0E50`, `0x7E0E50`, `7E0E50h`, words with `:w`; ranges
`$7E0E00..$7E0E03 = $01 $02 $03 $04` (or one value for all); bank-less spellings resolve like the
CPU does with the task's mode: one or two hex digits are direct page (D + offset, bank $00), three or
four digits are DBR:offset, and bank $00-$3F/$80-$BF below $2000 is the WRAM mirror $7E0000-$7E1FFF.
A word location also reads `$7E0E50=$1234`, or its two bytes given separately in one block.
Not read: `P=$31` (flags are read one by one), values spread over several lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from harness.verify.spec import Location, LocationKind, Mode, canonical_address

__all__ = ["TRACE_ANSWER_FORMAT", "parse_state_answer", "parse_value"]

# The requested answer form, for the trace prompts (the parser reads this form first; see above).
TRACE_ANSWER_FORMAT = (
    "You may reason first. End your answer with a ``` block that holds one LOCATION=VALUE line per asked "
    "location and nothing else (the last such block is your answer): the location spelled as asked, hex "
    "with `$` for registers and memory, 0 or 1 for flags. For example:\n```\nA=$FC80\nflag:C=1\n```"
)

_DECORATION = "*_`\"'"
# Whitespace runs are bounded everywhere, so no match attempt can scan (or backtrack) far: linear time.
_GAP = r"[ \t]{1,8}"
_SPACE = r"[ \t]{0,8}"
_DECOR = r"[*_`\"']{0,3}"
_HEX_WITH_DIGIT = r"(?=[0-9A-Fa-f]{0,7}[0-9])[0-9A-Fa-f]{1,8}"
_VALUE_BODY = (
    rf"#?\$[0-9A-Fa-f]{{1,8}}|#?0[xX][0-9A-Fa-f]{{1,8}}|#?%[01]{{1,32}}|#?{_HEX_WITH_DIGIT}[hH]"
    rf"|#?{_HEX_WITH_DIGIT}|(?i:true|false|set|clear|cleared|reset|on|off)"
)
# A value ends at a word boundary and is not a size (`16-bit`, `8 bits`, `3 cycles`) or a decimal.
_VALUE_END = rf"(?![0-9A-Za-z_$]|\.[0-9]|-[A-Za-z]|{_GAP}(?i:bits?|bytes?|cycles?)(?![A-Za-z]))"
_VALUE_RE = re.compile(rf"(?:{_VALUE_BODY}){_VALUE_END}")
_ARROW = r"(?:->|→|⟶|=>|⇒)"
_END_OF_NAME = r"(?![A-Za-z0-9_])"
_NAME = (
    rf"(?P<flagkw>(?i:flags?){_SPACE}[:.]?{_SPACE}(?P<fk>[A-Za-z]){_END_OF_NAME})"
    rf"|(?P<flagp>[Pp]\.(?P<fp>[A-Za-z]){_END_OF_NAME})"
    rf"|(?P<flagsuf>(?P<fs>[NVMXDIZCEnvmxdizce]){_SPACE}-?{_SPACE}(?i:flag){_END_OF_NAME})"
    rf"|(?P<flagword>(?i:carry|zero|negative|overflow|decimal|interrupt(?:{_GAP}disable)?|irq|emulation)"
    rf"(?:{_GAP}(?i:flag|bit|mode))?{_END_OF_NAME})"
    rf"|(?P<range>\$(?P<r1>[0-9A-Fa-f]{{1,6}}){_SPACE}(?:\.\.|-|–){_SPACE}\$(?P<r2>[0-9A-Fa-f]{{1,6}})"
    rf"{_END_OF_NAME})"
    r"|(?P<mem>(?:(?:\$|0[xX])(?P<mb>[0-9A-Fa-f]{2}):(?P<mo>[0-9A-Fa-f]{4})"
    r"|(?P<mb2>[0-9][0-9A-Fa-f]):(?P<mo2>[0-9A-Fa-f]{4})"
    r"|\$(?P<md>[0-9A-Fa-f]{1,6})|0[xX](?P<mx>[0-9A-Fa-f]{1,6})|(?P<mh>[0-9][0-9A-Fa-f]{1,5})[hH])"
    rf"(?P<mw>[:.][wW])?{_END_OF_NAME})"
    rf"|(?P<regword>(?i:accumulator|acc|stack{_GAP}pointer|direct{_GAP}page(?:{_GAP}register)?"
    rf"|data{_GAP}bank(?:{_GAP}register)?|program{_GAP}bank(?:{_GAP}register)?){_END_OF_NAME})"
    r"|(?P<multi>(?i:A\.low?|A\.l|DBR|PBR|SP|DP)|AL|DB|PB)(?![A-Za-z0-9_.])"
    r"|(?P<letter>[AXYSDCNVZIMEKaxysdcnvzimek])(?![A-Za-z0-9_]|\.[A-Za-z])"
)
_AFTER_NAME = (
    rf"{_DECOR}(?:{_GAP}(?i:register|reg|flag|bit|value))?(?:{_SPACE}\([^()\n]{{0,40}}\))?"
    rf"{_DECOR}[ \t]{{0,20}}"
)
_SEPARATOR = (
    rf"(?P<sep>==|=>|->|→|⟶|⇒|:=|=|:|(?i:is(?:{_GAP}(?:now|still|then|set{_GAP}to))?|becomes|holds"
    rf"|contains|equals|remains|stays|ends{_GAP}(?:up{_GAP})?(?:as|at|with)|will{_GAP}be|should{_GAP}be)"
    rf"(?![A-Za-z])|{_GAP}(?=(?i:set|clear|cleared|reset)(?![A-Za-z])))"
)
# A name starts at a word start (not inside `B:A`, `#$10`, `it's`); the lookahead lets the engine skip
# characters that cannot start a name without trying the alternatives.
_NAME_START = r"(?=[0-9A-Za-z$])(?<![0-9A-Za-z$#%.:!?\\])(?<![0-9A-Za-z]['’])"
_STATEMENT_RE = re.compile(
    rf"{_NAME_START}(?P<name>{_NAME}){_AFTER_NAME}{_SEPARATOR}[ \t]{{0,20}}{_DECOR}"
    rf"(?P<value>{_VALUE_BODY}){_VALUE_END}"
    rf"(?P<chain>(?:[ \t]{{0,20}}{_ARROW}[ \t]{{0,20}}{_DECOR}(?:{_VALUE_BODY}){_VALUE_END}){{0,8}})"
    rf"{_DECOR}"
)
_NAME_CELL_RE = re.compile(rf"(?P<name>{_NAME}){_AFTER_NAME}")
# `A = $FC80 or $FC7F`, `A = $FC80/$FC7F`: two answers are none.
_ALTERNATIVE_RE = re.compile(
    rf"{_SPACE},?{_SPACE}(?:(?i:or)(?![A-Za-z])|/){_SPACE}{_DECOR}(?:{_VALUE_BODY}){_VALUE_END}"
)
_RANGE_VALUE_RE = re.compile(
    r"[ \t,]{0,8}[*_`]{0,2}(?:\$|0[xX])?([0-9A-Fa-f]{1,2})[*_`]{0,2}(?![0-9A-Za-z_$])"
)
_MARKER_RE = re.compile(
    rf"\b(?:final(?:ly)?|answers?|results?|in{_GAP}summary|summary|therefore|thus|hence|so{_GAP}the"
    rf"|after{_GAP}(?:it|the{_GAP}routine|the{_GAP}code|rts|rtl|return(?:ing)?)|on{_GAP}return"
    rf"|at{_GAP}return|at{_GAP}the{_GAP}end|end{_GAP}state)\b",
    re.IGNORECASE,
)
_HEDGE_RE = re.compile(
    rf"\b(?:initially|(?:at|on){_GAP}entry|entry{_GAP}(?:state|values?)|at{_GAP}first|briefly"
    r"|temporar(?:y|ily)|intermediate|momentarily)\b",
    re.IGNORECASE,
)
_COMMENT_STARTS = (";", "//", "#", "(", "--", "—", "–", "<-", "←", "%", "[")
_LIST_MARKER_RE = re.compile(rf"(?:[-+*•]|\d{{1,3}}[.)]){_GAP}")
_WORD_RE = re.compile(r"[A-Za-z]+")
_TABLE_SEPARATOR_RE = re.compile(r":?-{1,}:?")
_VALUE_COLUMN_RE = re.compile(
    r"\b(?:after|final|value|result|end|exit|out|output|new|answer|return|predicted|state)", re.IGNORECASE
)
_INPUT_COLUMN_RE = re.compile(r"\b(?:before|entry|initial|start|input|in)\b", re.IGNORECASE)
_HEADING_WORDS = 8
_LABEL_WORDS = 6
_FLAG_LETTERS: Mapping[str, str] = {
    "n": "N", "v": "V", "m": "m", "x": "x", "d": "D", "i": "I", "z": "Z", "c": "C", "e": "e"
}  # fmt: skip
_FLAG_WORDS: Mapping[str, str] = {
    "carry": "C", "zero": "Z", "negative": "N", "overflow": "V", "decimal": "D", "interrupt": "I",
    "irq": "I", "emulation": "e",
}  # fmt: skip
_REGISTER_WORDS: Mapping[str, str] = {
    "accumulator": "A", "acc": "A", "stack": "S", "direct": "D", "data": "DBR", "program": "PBR",
}  # fmt: skip
_MULTI_NAMES: Mapping[str, str] = {
    "a.lo": "A.lo", "a.low": "A.lo", "a.l": "A.lo", "al": "A.lo", "dbr": "DBR", "db": "DBR", "pbr": "PBR",
    "pb": "PBR", "sp": "S", "dp": "D",
}  # fmt: skip
_LETTER_REGISTERS: Mapping[str, str] = {"a": "A", "x": "X", "y": "Y", "s": "S", "d": "D", "k": "PBR"}
_AMBIGUOUS_LETTERS = frozenset("xdD")  # register or flag; capital X is always the register
_FLAG_ONLY_LETTERS = frozenset("CNVZIMEcnvzime")
_FLAG_WORD_VALUES: Mapping[str, int] = {
    "true": 1, "false": 0, "set": 1, "clear": 0, "cleared": 0, "reset": 0, "on": 1, "off": 0
}  # fmt: skip
_MAX_RANGE = 256  # cells of a range statement that are read (trace prompts show 16)
_MAX_LINE_STATEMENTS = 256  # statements read from one line (an answer line holds a few)
_NUMBER_FORMS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\$([0-9A-Fa-f]+)"), 16),
    (re.compile(r"0[xX]([0-9A-Fa-f]+)"), 16),
    (re.compile(r"%([01]+)"), 2),
    (re.compile(r"((?=[0-9A-Fa-f]*[0-9])[0-9A-Fa-f]+)[hH]"), 16),
    (re.compile(r"([0-9]+)"), 10),
    (re.compile(r"((?=[0-9A-Fa-f]*[0-9])[0-9A-Fa-f]+)"), 16),  # bare hex: at least one digit
)


def parse_value(text: object) -> int | None:
    """`$1234`, `#$12`, `0x10`, `%101`, `12h`, `FC80` (bare hex needs a digit), `16` (decimal),
    true/false/set/clear/on/off, or a non-negative int -> int; anything else (`zz`, `add`, `1_0`,
    non-ASCII digits) -> None."""
    if isinstance(text, bool):
        return int(text)
    if isinstance(text, int):
        return text if text >= 0 else None
    if not isinstance(text, str):
        return None
    value = text.strip().strip(_DECORATION).lstrip("#")
    if value.lower() in _FLAG_WORD_VALUES:
        return _FLAG_WORD_VALUES[value.lower()]
    for pattern, base in _NUMBER_FORMS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return int(match.group(1), base)
            except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                return None
    return None


class _Trust(int, Enum):
    """How much a statement is trusted; the highest-ranked statement of a location decides it."""

    PROSE = 1  # a statement inside a sentence
    MARKED = 2  # the first statement after "final", "answer", "result", ... in a sentence
    BLOCK = 3  # a line of nothing but statements (the requested form), a table row, a JSON member


@dataclass(frozen=True)
class _Name:
    """What a spelled name can mean: register/flag candidates, or memory (address and size hint)."""

    text: str
    register: str | None = None
    flag: str | None = None
    address: int | None = None
    word: bool = False
    last_address: int | None = None  # ranges


@dataclass(frozen=True)
class _Statement:
    """One `name sep value` statement at `column` of its line; `value` None when unreadable."""

    name: _Name
    raw_value: str
    value: int | None
    column: int
    values: tuple[int, ...] = ()  # range statements: one byte per cell (or one for all)


_Placed = tuple[int, _Statement]  # (line number, statement)


class _LineKind(Enum):
    PURE = "pure"  # statements and markdown only
    NEUTRAL = "neutral"  # blank, fence, heading, table separator: joins the block around it
    PROSE = "prose"


@dataclass(frozen=True)
class _Line:
    """A classified line. `hedged`: a prose line that speaks of intermediate or entry values, or a
    lead-in/heading that does; None for a pure line without a lead-in (it inherits its block's)."""

    kind: _LineKind
    statements: tuple[_Statement, ...] = ()
    marker: int | None = None  # column after which a prose line's statements are the answer
    hedged: bool | None = None
    heading: bool = False  # a short line ending with ':' (a heading: it starts a new block)
    introduces: bool = False  # ends with ':' at any length (`Entry state (...):`): speaks for what follows


_NEUTRAL_LINE = _Line(_LineKind.NEUTRAL)


@dataclass(frozen=True)
class _Asked:
    """The asked locations, indexed for lookups in constant time."""

    by_register: Mapping[str, str]
    by_flag: Mapping[str, str]
    bytes_at: Mapping[int, str]
    words_at: Mapping[int, str]
    widths: Mapping[str, int]
    cells: tuple[int, ...]  # every asked memory cell, high bytes of words included

    @staticmethod
    def of(locations: Iterable[Location]) -> _Asked:
        registers: dict[str, str] = {}
        flags: dict[str, str] = {}
        byte_cells: dict[int, str] = {}
        word_cells: dict[int, str] = {}
        widths: dict[str, int] = {}
        for location in locations:
            widths[location.text] = location.width
            if location.kind is LocationKind.REGISTER:
                registers[str(location.name)] = location.text
            elif location.kind is LocationKind.FLAG:
                flags[str(location.name)] = location.text
            elif location.kind is LocationKind.BYTE:
                byte_cells[int(location.name)] = location.text
            else:
                word_cells[int(location.name)] = location.text
        cells = {*byte_cells, *word_cells, *(canonical_address((a + 1) & 0xFFFFFF) for a in word_cells)}
        return _Asked(registers, flags, byte_cells, word_cells, widths, tuple(sorted(cells)))


def _resolve_short_address(digits: str, mode: Mode) -> int:
    """An address as the CPU reads it: `$10` is D+$10 in bank $00, `$0E50` is DBR:$0E50, six digits
    are a long address; all mapped to the canonical WRAM mirror."""
    number = int(digits, 16)
    if len(digits) <= 2:
        return canonical_address((mode.D + number) & 0xFFFF)
    if len(digits) <= 4:
        return canonical_address(((mode.DBR & 0xFF) << 16) | number)
    return canonical_address(number & 0xFFFFFF)


def _name_of(match: re.Match[str], mode: Mode) -> _Name | None:
    """The meaning of the name groups of `_STATEMENT_RE` / `_NAME_CELL_RE` (None: not a location)."""
    text = match.group("name")
    if match.group("letter"):
        return _letter_name(text)
    flag_letter = match.group("fk") or match.group("fp") or match.group("fs")
    if flag_letter:
        flag = _FLAG_LETTERS.get(flag_letter.lower())
        return _Name(text, flag=flag) if flag else None
    if match.group("flagword"):
        return _Name(text, flag=_FLAG_WORDS[match.group("flagword").split()[0].lower()])
    if match.group("range"):
        first = _resolve_short_address(match.group("r1"), mode)
        last = _resolve_short_address(match.group("r2"), mode)
        spelled = int(match.group("r2"), 16) - int(match.group("r1"), 16)
        return _Name(text, address=first, last_address=last) if last - first == spelled else None
    if match.group("mem"):
        return _Name(text, address=_memory_address(match, mode), word=bool(match.group("mw")))
    if match.group("regword"):
        return _Name(text, register=_REGISTER_WORDS[match.group("regword").split()[0].lower()])
    return _Name(text, register=_MULTI_NAMES[match.group("multi").lower()])


def _letter_name(letter: str) -> _Name:
    if letter in _FLAG_ONLY_LETTERS:
        return _Name(letter, flag=_FLAG_LETTERS[letter.lower()])
    flag = _FLAG_LETTERS.get(letter.lower()) if letter in _AMBIGUOUS_LETTERS else None
    return _Name(letter, register=_LETTER_REGISTERS[letter.lower()], flag=flag)


def _memory_address(match: re.Match[str], mode: Mode) -> int:
    bank = match.group("mb") or match.group("mb2")
    if bank:
        offset = match.group("mo") or match.group("mo2")
        return canonical_address((int(bank, 16) << 16) | int(offset, 16))
    return _resolve_short_address(match.group("md") or match.group("mx") or match.group("mh"), mode)


def _last_value_text(match: re.Match[str]) -> str:
    """The value of a statement; for a chain `$F180 -> $FC80`, its last value."""
    chain = match.group("chain")
    if chain:
        values: list[str] = _VALUE_RE.findall(re.sub(_ARROW, " ", chain))  # no groups: whole matches
        if values:
            return values[-1]
    return match.group("value")


def _range_values(line: str, start: int, first: int | None) -> tuple[tuple[int, ...], int]:
    """The byte list of a range statement, read after its first value; and where it ends."""
    values = [first] if first is not None and first <= 0xFF else []
    position = start
    while len(values) <= _MAX_RANGE:
        match = _RANGE_VALUE_RE.match(line, position)
        if match is None or match.end() == position:
            break
        values.append(int(match.group(1), 16))
        position = match.end()
    return tuple(values), position


def _words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def _is_label_phrase(text: str) -> bool:
    """A short lead-in such as `Final state:`, `**Answer**:` or a bullet before a line's statements."""
    stripped = text.strip(" \t" + _DECORATION + "{[(|>")
    if _LIST_MARKER_RE.match(stripped + " "):
        stripped = _LIST_MARKER_RE.sub("", stripped + " ", count=1)
    stripped = stripped.strip(" \t" + _DECORATION)
    if not stripped:
        return True
    return stripped.endswith((":", "-", "—")) and _words(stripped) <= _LABEL_WORDS


def _is_separator(text: str) -> bool:
    stripped = text.strip(" \t" + _DECORATION + ",;|&/{}[]")
    return stripped == "" or stripped.lower() == "and"


def _starts_comment(text: str) -> bool:
    return text.strip(" \t" + _DECORATION + ",").startswith(_COMMENT_STARTS)


def _is_trailer(text: str) -> bool:
    return text.strip(" \t" + _DECORATION + ",;.|{}[]") == "" or _starts_comment(text)


def _pure_prefix(line: str, spans: Sequence[tuple[int, int]]) -> int:
    """How many leading statements form a pure line (0: the line is prose). Statements are joined by
    separators; a comment (`; ...`, `(...)`) may follow and is ignored, statements in it included."""
    if not _is_label_phrase(line[: spans[0][0]]):
        return 0
    for count in range(1, len(spans)):
        between = line[spans[count - 1][1] : spans[count][0]]
        if not _is_separator(between):
            return count if _starts_comment(between) else 0
    return len(spans) if _is_trailer(line[spans[-1][1] :]) else 0


def _speaks_of_entry(text: str) -> bool:
    """True when a heading or lead-in is about the entry state or intermediate values: a hedge word
    comes before any marker word (`Entry state (... does not affect the answer):` is the input;
    `Final state (entry values kept):` is the answer)."""
    hedge = _HEDGE_RE.search(text)
    if hedge is None:
        return False
    marker = _MARKER_RE.search(text)
    return marker is None or hedge.start() < marker.start()


def _lead_hedge(lead: str) -> bool | None:
    """Hedging of a pure line's lead-in (`Entry state: A=...`): None when it has no words."""
    return _speaks_of_entry(lead) if _WORD_RE.search(lead) else None


def _marker_column(line: str) -> int | None:
    """End of the last marker word ("final", "answer", ...) in a line, or None."""
    last = None
    for last in _MARKER_RE.finditer(line):  # noqa: B007 - only the last marker counts
        continue
    return last.end() if last else None


def _cells(line: str) -> list[str]:
    cells = line.strip().split("|")
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [cell.strip() for cell in cells]


def _cell_value(cell: str) -> str | None:
    """A cell's value text (last of a chain `$F180 → $FC80`), or None when the cell is not a value."""
    last = re.split(_ARROW, cell)[-1].strip(" \t" + _DECORATION)
    return last if _VALUE_RE.fullmatch(last) else None


def _value_column(header: Sequence[str]) -> int | None:
    columns = [i for i, cell in enumerate(header) if i > 0 and _VALUE_COLUMN_RE.search(cell)]
    return columns[-1] if columns else None


def _row_value(row: Sequence[str], value_column: int | None, header: Sequence[str]) -> str | None:
    """The value cell of a vertical table row: the header's value column, else the last value cell
    that is not under an input column (`Before`, `Entry`)."""
    if value_column is not None:
        return _cell_value(row[value_column]) if value_column < len(row) else None
    for column in range(len(row) - 1, 0, -1):
        under_input = column < len(header) and _INPUT_COLUMN_RE.search(header[column])
        value = _cell_value(row[column])
        if value is not None and not under_input:
            return value
    return None


def _fits(value: int | None, width: int) -> int | None:
    return value if value is not None and 0 <= value < (1 << width) else None


class _Reader:
    """Reads one answer text for one set of asked locations. Names, values and whole lines are
    memoised per instance (an instance lives for one call), so repeated text costs one dict lookup."""

    def __init__(self, asked: _Asked, mode: Mode) -> None:
        self.asked = asked
        self.mode = mode
        self._names: dict[str, _Name | None] = {}
        self._values: dict[str, int | None] = {}
        self._lines: dict[str, _Line] = {}

    def name(self, match: re.Match[str]) -> _Name | None:
        key = match.group("name")
        if key not in self._names:
            self._names[key] = _name_of(match, self.mode)
        return self._names[key]

    def value(self, raw: str) -> int | None:
        if raw not in self._values:
            self._values[raw] = parse_value(raw)
        return self._values[raw]

    def statements(self, line: str) -> list[tuple[_Statement, int, int]]:
        """Every statement on a line with its span, left to right (`search` resumes at the last end)."""
        found: list[tuple[_Statement, int, int]] = []
        position = 0
        while len(found) < _MAX_LINE_STATEMENTS:
            match = _STATEMENT_RE.search(line, position)
            if match is None:
                return found
            end = match.end()
            name = self.name(match)
            raw = _last_value_text(match)
            # `carry set` needs no separator; every other statement does (`A $10` is not one)
            if name is not None and (match.group("sep").strip() or name.flag is not None):
                alternative = _ALTERNATIVE_RE.match(line, end)
                value = None if alternative else self.value(raw)
                end = alternative.end() if alternative else end
                values: tuple[int, ...] = ()
                if name.last_address is not None:
                    values, end = _range_values(line, end, value)
                found.append((_Statement(name, raw, value, match.start(), values), match.start(), end))
            position = max(end, match.start() + 1)
        return found  # a line with more statements than any answer has: the rest makes it prose

    def classify(self, line: str) -> _Line:
        """A line that is not a table row: pure statements, neutral markdown, or prose (memoised)."""
        known = self._lines.get(line)
        if known is None:
            known = self._lines[line] = self._classify(line)
        return known

    def _classify(self, line: str) -> _Line:
        found = self.statements(line)
        stripped = line.strip()
        introduces = stripped.rstrip(" \t" + _DECORATION).endswith(":")
        heading = stripped.endswith((":", "{", "[")) and _words(stripped) <= _HEADING_WORDS
        if found:
            pure = _pure_prefix(line, [(start, end) for _, start, end in found])
            if pure:
                statements = tuple(item[0] for item in found[:pure])
                lead_hedge = _lead_hedge(line[: found[0][1]])
                return _Line(_LineKind.PURE, statements, None, lead_hedge, heading, introduces)
        marker = _marker_column(line)
        hedged = _speaks_of_entry(line) if introduces else bool(_HEDGE_RE.search(line))
        if found:
            statements = tuple(item[0] for item in found)
            return _Line(_LineKind.PROSE, statements, marker, hedged, heading, introduces)
        neutral = (
            not stripped.strip(" \t" + _DECORATION + "{}[],|>#-=~")
            or stripped.startswith(("```", "~~~", "#"))
            or heading
        )
        kind = _LineKind.NEUTRAL if neutral else _LineKind.PROSE
        return _Line(kind, (), marker, hedged, heading, introduces)

    def cell_name(self, cell: str) -> _Name | None:
        match = _NAME_CELL_RE.fullmatch(cell.strip(" \t" + _DECORATION))
        return self.name(match) if match else None

    def table(self, rows: Sequence[str]) -> list[_Line]:
        """Lines of one markdown table: vertical (`| A | $FC80 |`, the value column chosen by its
        header) or a trace table whose header names locations (its last row is the final state)."""
        cells = [_cells(text) for text in rows]
        separator = [bool(row) and all(_TABLE_SEPARATOR_RE.fullmatch(c) for c in row) for row in cells]
        header = cells[0] if len(rows) >= 2 and separator[1] else []
        header_names = [self.cell_name(cell) for cell in header]
        header_is_data = bool(header) and header_names[0] is not None and any(map(_cell_value, header[1:]))
        data = [i for i in range(len(rows)) if not separator[i] and (i > 0 or not header or header_is_data)]
        lines = [_NEUTRAL_LINE] * len(rows)
        if header and not header_is_data and any(header_names):
            if data:
                lines[data[-1]] = self._table_row(cells[data[-1]], header_names)
            return lines
        value_column = _value_column(header)
        for i in data:
            name = self.cell_name(cells[i][0]) if cells[i] else None
            raw = _row_value(cells[i], value_column, header) if name is not None else None
            if name is not None and raw is not None:
                lines[i] = _Line(_LineKind.PURE, (_Statement(name, raw, self.value(raw), 0),))
        return lines

    def _table_row(self, row: Sequence[str], names: Sequence[_Name | None]) -> _Line:
        statements = []
        for column, (name, cell) in enumerate(zip(names, row, strict=False)):
            raw = _cell_value(cell) if name is not None else None
            if name is not None and raw is not None:
                statements.append(_Statement(name, raw, self.value(raw), column))
        return _Line(_LineKind.PURE, tuple(statements)) if statements else _NEUTRAL_LINE

    def lines(self, text: str) -> list[_Line]:
        classified: list[_Line] = []
        table: list[str] = []
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            if line.lstrip().startswith("|"):
                table.append(line)
                continue
            if table:
                classified.extend(self.table(table))
                table = []
            classified.append(self.classify(line))
        if table:
            classified.extend(self.table(table))
        return classified

    def read(self, text: str) -> dict[str, int]:
        """Best value per asked location over every block and sentence (module docstring)."""
        lines = self.lines(text)
        best: dict[str, tuple[tuple[int, int, int], int | None]] = {}

        def offer(location: str, value: int | None, rank: tuple[int, int, int]) -> None:
            if location not in best or rank > best[location][0]:
                best[location] = (rank, value)

        for block in _blocks(lines):
            for location, value, number, column in self.context_values(block):
                offer(location, value, (_Trust.BLOCK, number, column))
        for number, (line, mark) in enumerate(zip(lines, _prose_marks(lines), strict=True)):
            if line.kind is not _LineKind.PROSE or not line.statements:
                continue
            placed = [(number, statement) for statement in line.statements]
            for location, value, _, column in self.context_values(placed):
                if mark == _WHOLE_LINE:  # a paragraph under `Final state:`: its last statement
                    offer(location, value, (_Trust.MARKED, number, column))
                elif mark is not None and column >= mark:  # the first statement after the marker
                    offer(location, value, (_Trust.MARKED, number, -column))
                elif not line.hedged:
                    offer(location, value, (_Trust.PROSE, number, column))
        return {location: value for location, (_, value) in best.items() if value is not None}

    def context_values(self, placed: Sequence[_Placed]) -> list[tuple[str, int | None, int, int]]:
        """(location, value, line, column) for the asked locations named in one block or sentence;
        values that do not fit their location's width are None. A word location is read from `:w`,
        else from its two bytes given in the same context, else from a plain `$7E0E50=$1234`."""
        asked = self.asked
        found: list[tuple[str, int | None, int, int]] = []
        plain_bytes: dict[int, tuple[int, int, int]] = {}  # address -> (value, line, column)
        plain_words: dict[str, tuple[int | None, int, int]] = {}
        context = [statement for _, statement in placed]
        for number, statement in placed:
            name = statement.name
            if name.address is None:
                location = _register_or_flag(statement, asked, context)
                if location is not None:
                    found.append(
                        (location, _fits(statement.value, asked.widths[location]), number, statement.column)
                    )
                continue
            for location, value, address, role in _memory_values(statement, asked):
                if not name.word and value is not None and value <= 0xFF:
                    plain_bytes[address] = (value, number, statement.column)
                if role is _Role.PLAIN_WORD:
                    plain_words[location] = (value, number, statement.column)
                elif role is _Role.EXACT:
                    found.append((location, value, number, statement.column))
        combined: set[str] = set()
        for address, (low, number, column) in plain_bytes.items():
            location = asked.words_at.get(address)
            high = plain_bytes.get(canonical_address((address + 1) & 0xFFFFFF))
            if location is not None and high is not None:
                later = max((number, column), high[1:])
                found.append((location, low | (high[0] << 8), *later))
                combined.add(location)
        found.extend(
            (location, *given) for location, given in plain_words.items() if location not in combined
        )
        return found


def _register_or_flag(statement: _Statement, asked: _Asked, context: Sequence[_Statement]) -> str | None:
    """The asked location a register/flag name means (module docstring: `x` and `D`)."""
    name = statement.name
    register = asked.by_register.get(name.register) if name.register else None
    flag = asked.by_flag.get(name.flag) if name.flag else None
    if register is None or flag is None:
        return register or flag
    raw = statement.raw_value.lstrip("#")
    if raw[:1] in "$%" or raw[:2].lower() == "0x" or raw[-1:] in "hH" or (statement.value or 0) > 1:
        return register
    if name.text != "x":
        return register
    names_register_in_capitals = any(s.name.text == "X" for s in context)
    other_flags = sum(1 for s in context if s.name.text in _FLAG_ONLY_LETTERS)
    return flag if names_register_in_capitals or other_flags >= 2 else register


class _Role(Enum):
    """What a memory statement says about the asked locations."""

    EXACT = "exact"  # an asked byte, or an asked word spelled with `:w`
    PLAIN_WORD = "plain word"  # `$7E0E50=$1234` where the word at $7E0E50 is asked
    CELL = "cell"  # a byte nobody asked for (maybe the high byte of an asked word)


def _memory_values(statement: _Statement, asked: _Asked) -> list[tuple[str, int | None, int, _Role]]:
    """(location or "", value, address, role) for a memory statement; ranges give one per cell."""
    name = statement.name
    assert name.address is not None
    if name.last_address is not None:
        return _range_cells(statement, asked)
    address = name.address
    if name.word:
        word = asked.words_at.get(address)
        return [(word, _fits(statement.value, 16), address, _Role.EXACT)] if word else []
    if address in asked.bytes_at:
        return [(asked.bytes_at[address], _fits(statement.value, 8), address, _Role.EXACT)]
    if address in asked.words_at:
        return [(asked.words_at[address], _fits(statement.value, 16), address, _Role.PLAIN_WORD)]
    return [("", statement.value, address, _Role.CELL)]


def _range_cells(statement: _Statement, asked: _Asked) -> list[tuple[str, int | None, int, _Role]]:
    """One entry per asked cell of a range statement (at most `_MAX_RANGE` cells; longer ranges are
    not read). A value list whose length is neither 1 nor the range's makes every cell unreadable."""
    name = statement.name
    assert name.address is not None and name.last_address is not None
    first, count = name.address, name.last_address - name.address + 1
    if not 0 < count <= _MAX_RANGE:
        return []
    values: Sequence[int | None]
    if len(statement.values) == count:
        values = statement.values
    elif len(statement.values) == 1:
        values = statement.values * count
    else:
        values = [None] * count
    found: list[tuple[str, int | None, int, _Role]] = []
    if len(asked.cells) < count:  # only cells someone asked for matter: cost min(asked, range)
        addresses: Iterable[int] = [a for a in asked.cells if first <= a < first + count]
    else:
        addresses = range(first, first + count)
    for address in addresses:
        location = asked.bytes_at.get(address, "")
        found.append((location, values[address - first], address, _Role.EXACT if location else _Role.CELL))
    return found


def _blocks(lines: Sequence[_Line]) -> list[list[_Placed]]:
    """Answer blocks: runs of pure and neutral lines with at least one statement, split at prose and
    at headings. Statements whose lead-in, else whose block heading, speaks of the entry state or of
    intermediate values (`Entry state:`) are left out: they restate the input."""
    blocks: list[list[_Placed]] = []
    current: list[_Placed] = []
    heading_hedged = False
    for number, line in enumerate(lines):
        if line.kind is _LineKind.PURE:
            hedged = heading_hedged if line.hedged is None else line.hedged
            if not hedged:
                current.extend((number, statement) for statement in line.statements)
            continue
        if line.kind is _LineKind.PROSE or line.heading:
            if current:
                blocks.append(current)
                current = []
            heading_hedged = bool(line.introduces and line.hedged)
    if current:
        blocks.append(current)
    return blocks


_WHOLE_LINE = -1  # a prose line of a paragraph under a marked heading: all of it is the answer


def _prose_marks(lines: Sequence[_Line]) -> list[int | None]:
    """Marker column per prose line, `_WHOLE_LINE` for the lines of a paragraph after a marked heading
    (`Final state:`, `The answer is:`), None for unmarked lines."""
    marks: list[int | None] = []
    carried = False
    for line in lines:
        introduces = line.introduces and line.marker is not None
        if line.kind is _LineKind.PROSE:
            marks.append(line.marker if line.marker is not None else (_WHOLE_LINE if carried else None))
            carried = carried or introduces
        else:
            marks.append(None)
            carried = introduces
    return marks


def parse_state_answer(
    text: object, locations: Iterable[Location], mode: Mode | None = None
) -> dict[str, int]:
    """Predicted value per asked location (keyed by `Location.text`); locations not read are absent.

    `mode` is the task's entry mode (D and DBR resolve `$10` and `$0E50`); the DESIGN.md defaults
    (D=$0000, DBR=$00) when None. Never raises: non-text input or an internal error yields {} (nothing
    read is better than a wrong read). Linear in the length of `text`.
    """
    if not isinstance(text, str):
        return {}
    try:
        reader = _Reader(_Asked.of(locations), mode if isinstance(mode, Mode) else Mode())
        return reader.read(text)
    except Exception:  # garbage must not crash a scorer
        return {}
