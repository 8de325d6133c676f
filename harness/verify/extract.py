"""Code extraction: the one step between a model's free text and ASAR. It never raises.

Models wrap code in fences (```asm, ```65816, ```asar, bare ```), surround it with prose, give several
blocks (an old and a new version, a usage example, the expected output), or write bare code with CRLF
line ends, tabs, an `Output:` prefix and labels sharing a line with an instruction (`.loop: DEC A`,
`+   CLC`, `Main: LDA #$00`). The rules, in order:

1. Fenced blocks (``` or ~~~, CommonMark closing rules; an unclosed fence runs to the end of the text).
   Blocks tagged as assembly (asm, 65816, asar, assembly, s, nasm, ...) and untagged blocks are preferred
   over every other tag: a trailing ```text, ```diff, ```json or ```output block is never chosen over a
   real assembly block, even when it holds a line like `Entry:`. Within that preference: the last
   block that defines the entry label, else the last block that looks like assembly; a block
   introduced as the given code (`Original (buggy) version:`, `Before:`, `For reference:`) yields to
   one that is not, and an unclosed block to a closed one. A block with another tag is chosen only
   when it looks like assembly and no assembly or untagged block does.
2. Without a usable block, the run of code-like lines (prose lines end a run; blank lines inside a run
   are kept) that defines the entry label, else the longest run holding an instruction. Lines that
   hold only a label before the entry label's line (`Here:`) are headings and are dropped.
3. When nothing looks like code, the last assembly or untagged block as written (it then fails to
   assemble, with ASAR's message), else "".

Lines are classified one at a time with regular expressions that cannot backtrack more than a token:
no recursion, no work that grows faster than the input (a line of 5,000 `a:` labels, a megabyte of
text, NUL bytes or lone surrogates are handled like any other text). The result has `\\n` line ends,
tabs as four spaces, no trailing blanks, and is "" when nothing code-like is present.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

__all__ = ["extract_code"]

_OPENING_FENCE_RE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_MAX_NESTING = 4
_OLD_CODE_RE = re.compile(
    r"\b(?:original|buggy|broken|old|before|previous|given|current[ \t]{1,4}version|for[ \t]{1,4}reference"
    r"|for[ \t]{1,4}comparison|incorrect|wrong)\b",
    re.IGNORECASE,
)
_NEW_CODE_RE = re.compile(
    r"\b(?:fix|fixed|corrected|correct|optimi[sz]ed|final|new|improved|after|solution|answer|updated"
    r"|rewritten|faster|here(?:'s|[ \t]{1,4}is))\b",
    re.IGNORECASE,
)
_ASM_TAGS = frozenset(
    "asm assembly assembler asar xkas 65816 65c816 wdc65816 65xx 6502 65c02 65c816asm s nasm masm gas "
    "ca65 wla wla-dx snes spc700 asm6 armasm x86asm".split()
)
_ASM_TAG_HINTS = ("asm", "65", "816", "asar")
_PREFIX_WORDS = frozenset(
    "output answer solution code result optimized optimised fixed corrected final assembly".split()
)
_MNEMONICS = frozenset(
    "adc and asl bcc bcs beq bit bmi bne bpl bra brk brl bvc bvs clc cld cli clv cmp cop cpx cpy dec dex "
    "dey eor inc inx iny jml jmp jsl jsr lda ldx ldy lsr mvn mvp nop ora pea pei per pha phb phd phk php "
    "phx phy pla plb pld plp plx ply rep rol ror rti rtl rts sbc sec sed sei sep sta stp stx sty stz tax "
    "tay tcd tcs tdc trb tsb tsc tsx txa txs txy tya tyx wai wdm xba xce "
    "dea ina blt bge cpa swa tad tas tda tsa".split()
)
_DIRECTIVES = frozenset(
    "org db dw dl dd incsrc incbin lorom hirom exlorom exhirom sa1rom fullsa1rom norom base pushpc pullpc "
    "macro endmacro if else elseif endif while endwhile rep fill fillbyte padbyte pad skip namespace "
    "arch print warnpc assert function struct endstruct table cleartable math freespace freecode freedata "
    "autoclean pushbase pullbase check bank dbr".split()
)
# One label at the start of a line: `Name:`, `.sub` / `..sub:` (colon optional), `+` / `-` / `++:`.
_LABEL_TOKEN = (
    r"[ \t]*(?:[A-Za-z_?][A-Za-z0-9_]*[ \t]*:(?![=:])"
    r"|\.+[A-Za-z_][A-Za-z0-9_]*(?:[ \t]*:)?"
    r"|[-+]+(?:[ \t]*:)?(?=[ \t]|$))"
)
_FIRST_LABEL_RE = re.compile(r"[ \t]*(?:([A-Za-z_?][A-Za-z0-9_]*)[ \t]*:(?![=:])|(\.+[A-Za-z_]\w*)|([-+]+))")
# Greedy repetition with nothing after it: the engine stops where the labels stop, it never retries.
_LABEL_CHAIN_RE = re.compile(rf"(?:{_LABEL_TOKEN})*")
_DEFINE_RE = re.compile(r"!?[A-Za-z_][A-Za-z0-9_]*[ \t]*[#:?]?=[ \t]*\S")
_MACRO_CALL_RE = re.compile(r"%[A-Za-z_][A-Za-z0-9_]*\(")
_FIRST_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_PROSE_AFTER_MNEMONIC_RE = re.compile(
    r"[ \t]+(?:is|was|are|and|or|the|to|loads|stores|sets|takes|will|would|can|does|instruction)\b",
    re.IGNORECASE,
)
_PLAIN_WORD_RE = re.compile(r"(?<![\w$#%!.])[a-z]{2,}(?![\w(])")
_STRING_RE = re.compile(r'"[^"\n]*"|\'[^\'\n]*\'')
_PROSE_WORDS = 3  # an operand field with this many plain lowercase words is a sentence


class _LineKind(Enum):
    """What a line is, for the run and block rules."""

    BLANK = "blank"
    CODE = "code"  # instruction, directive, label, define or comment
    PROSE = "prose"


@dataclass(frozen=True)
class _Line:
    text: str
    kind: _LineKind
    has_instruction: bool
    defines_entry: bool
    prefix_end: int  # characters of an `Output:`-style prefix to drop when this line starts the code
    label_only: bool = False  # `Here:` alone: a label, or a heading that looks like one


@dataclass(frozen=True)
class _Block:
    tag: str
    lines: tuple[str, ...]
    closed: bool
    index: int
    intro: str  # the prose line just before the opening fence ("Original version:"), or ""


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")


def _is_prose(word: str, operands: str) -> bool:
    """True when a line that starts with a mnemonic or directive reads as a sentence: `LDA is a load`,
    `If the carry is set, ...`, `and so on.` (ASAR operands hold no run of plain lowercase words, do not
    end in sentence punctuation, and code is not written in Title case)."""
    if _PROSE_AFTER_MNEMONIC_RE.match(operands):
        return True
    code_part = _STRING_RE.sub('""', operands.split(";", 1)[0][:400]).rstrip()
    words = len(_PLAIN_WORD_RE.findall(code_part))
    title_case = len(word) > 1 and word[0].isupper() and word[1:].islower()
    return words >= _PROSE_WORDS or (words > 0 and (title_case or code_part[-1:] in ".?!:"))


def _statement_kind(rest: str) -> tuple[bool, bool]:
    """(is code, has an instruction) for the text after any labels on a line."""
    if not rest or rest.startswith(";"):
        return True, False
    if _MACRO_CALL_RE.match(rest):
        return True, True
    if _DEFINE_RE.match(rest):
        return True, False
    word_match = _FIRST_WORD_RE.match(rest)
    if word_match is None:
        return False, False
    word = word_match.group(0)
    operands = rest[word_match.end() :]
    if operands[:1] not in ("", " ", ".", ";", "#", "$", "(", "["):
        return False, False
    if operands.startswith("."):  # size suffix: LDA.w, lda.b
        suffix = re.match(r"\.[bwlBWL]\b", operands)
        if suffix is None:
            return False, False
        operands = operands[suffix.end() :]
    if (word.lower() in _MNEMONICS or word.lower() in _DIRECTIVES) and not _is_prose(word, operands):
        return True, True
    return False, False


def _classify(line: str, entry: str | None) -> _Line:
    """Classify one line in time linear in its length (labels are consumed by one greedy match)."""
    stripped = line.lstrip(" ")
    if not stripped.strip():
        return _Line(line, _LineKind.BLANK, False, False, 0)
    if not (stripped[0].isascii() and (stripped[0].isalpha() or stripped[0] in "._?!%;+-")):
        return _Line(line, _LineKind.PROSE, False, False, 0)  # fences, bullets, digits, quotes, ...
    position, prefix_end, first_label = 0, 0, None
    first = _FIRST_LABEL_RE.match(line)
    if first is not None and first.group(1) and first.group(1).lower() in _PREFIX_WORDS:
        if first.group(1) != entry:  # `Output: Clear:` or `Answer:` (a heading, not a label)
            position = prefix_end = first.end()
            first = _FIRST_LABEL_RE.match(line, position)
    if first is not None:
        first_label = first.group(1) or first.group(2) or first.group(3)
    chain = _LABEL_CHAIN_RE.match(line, position)
    assert chain is not None  # `(?:label)*` matches (maybe empty) at any position
    chain_end = chain.end()
    rest = line[chain_end:].strip()
    if chain_end == position and not rest:
        return _Line(line, _LineKind.PROSE, False, False, prefix_end)  # a lone `Answer:` heading
    is_code, has_instruction = _statement_kind(rest)
    kind = _LineKind.CODE if is_code else _LineKind.PROSE
    defines = is_code and chain_end > position and entry is not None and first_label == entry
    return _Line(line, kind, has_instruction, defines, prefix_end, label_only=not rest)


class _Classifier:
    """`_classify` for one completion and entry label, memoised: repeated lines cost a lookup."""

    def __init__(self, entry: str | None) -> None:
        self.entry = entry
        self._known: dict[str, _Line] = {}

    def __call__(self, line: str) -> _Line:
        known = self._known.get(line)
        if known is None:
            known = self._known[line] = _classify(line, self.entry)
        return known


def _is_asm_tag(tag: str) -> bool:
    return tag == "" or tag in _ASM_TAGS or any(hint in tag for hint in _ASM_TAG_HINTS)


def _fence_tag(info: str) -> str:
    words = info.strip().lstrip("{.").split(maxsplit=1)
    return words[0].rstrip("}").lower() if words else ""


def _fenced_blocks(lines: Sequence[str]) -> list[_Block]:
    """Fenced blocks in order (CommonMark: the closing fence uses the same character, is at least as
    long and carries no info string; an unclosed fence runs to the end)."""
    blocks: list[_Block] = []
    opening: re.Match[str] | None = None
    start, intro = 0, ""
    for number, line in enumerate(lines):
        if opening is None:
            match = _OPENING_FENCE_RE.fullmatch(line) if line.lstrip(" ")[:3] in ("```", "~~~") else None
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opening, start = match, number + 1
                intro = next(
                    (lines[i] for i in range(number - 1, max(-1, number - 4), -1) if lines[i].strip()), ""
                )
            continue
        fence = opening.group(1)
        stripped = line.strip()
        if len(stripped) >= len(fence) and stripped == fence[0] * len(stripped):
            content = tuple(lines[start:number])
            blocks.append(_Block(_fence_tag(opening.group(2)), content, True, len(blocks), intro))
            opening = None
    if opening is not None:
        blocks.append(_Block(_fence_tag(opening.group(2)), tuple(lines[start:]), False, len(blocks), intro))
    return blocks


def _introduces_old_code(intro: str) -> bool:
    """True for a block introduced as the code the model was given (`Original (buggy) version:`,
    `Before:`), not as its answer (`Fixed version:`, `Here is the fix for the original:`)."""
    return bool(_OLD_CODE_RE.search(intro)) and not _NEW_CODE_RE.search(intro)


def _looks_like_code(classified: Sequence[_Line]) -> bool:
    """Mostly code-like lines and at least one instruction or directive (not just `A = $00`)."""
    content = [line for line in classified if line.kind is not _LineKind.BLANK]
    code = sum(1 for line in content if line.kind is _LineKind.CODE)
    return bool(content) and code * 2 >= len(content) and any(line.has_instruction for line in content)


def _choose_block(blocks: Sequence[_Block], classify: _Classifier) -> tuple[_Line, ...] | None:
    """The block rule of the module docstring; None when no block is usable."""
    asm_pool: list[tuple[tuple[bool, bool, bool, bool, int], tuple[_Line, ...]]] = []
    other_pool: list[tuple[tuple[bool, bool, bool, int], tuple[_Line, ...]]] = []
    for block in blocks:
        classified = tuple(map(classify, block.lines))
        if all(line.kind is _LineKind.BLANK for line in classified):
            continue
        defines = any(line.defines_entry for line in classified)
        code_like = _looks_like_code(classified)
        answer = not _introduces_old_code(block.intro)
        if _is_asm_tag(block.tag):
            asm_pool.append(((defines, answer, code_like, block.closed, block.index), classified))
        elif code_like:
            other_pool.append(((defines, answer, block.closed, block.index), classified))
    best_asm = max(asm_pool, key=lambda item: item[0], default=None)
    if best_asm is not None and (best_asm[0][0] or best_asm[0][2]):
        return best_asm[1]
    if other_pool:
        return max(other_pool, key=lambda item: item[0])[1]
    return None


def _choose_nested(lines: Sequence[str], classify: _Classifier) -> tuple[_Line, ...] | None:
    """`_choose_block`, then again inside the chosen block while it holds fences of its own (a
    ````markdown block quoting an ```asm block); at most `_MAX_NESTING` levels, so linear time."""
    chosen: tuple[_Line, ...] | None = None
    for _ in range(_MAX_NESTING):
        inner = _choose_block(_fenced_blocks(lines), classify)
        if inner is None:
            break
        chosen = inner
        if not any(_OPENING_FENCE_RE.fullmatch(line.text) for line in inner):
            break
        lines = [line.text for line in inner]
    return chosen


def _code_runs(classified: Sequence[_Line]) -> list[list[_Line]]:
    """Maximal runs of code lines; blank lines join a run, prose ends it."""
    runs: list[list[_Line]] = [[]]
    for line in classified:
        if line.kind is _LineKind.CODE or (line.kind is _LineKind.BLANK and runs[-1]):
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if any(line.has_instruction for line in run)]


def _bare_code(classified: Sequence[_Line]) -> tuple[_Line, ...]:
    """The run that defines the entry label, else the longest run holding an instruction."""

    def rank(run: list[_Line]) -> tuple[bool, int]:
        weight = sum(1 for line in run if line.kind is _LineKind.CODE)
        return any(line.defines_entry for line in run), weight

    runs = _code_runs(classified)
    if not runs:
        return ()
    best = max(runs, key=rank)
    start = next((i for i, line in enumerate(best) if line.defines_entry), 0)
    if all(line.label_only or line.kind is _LineKind.BLANK for line in best[:start]):
        best = best[start:]  # `Here:` before the entry label is a heading, not part of the routine
    return tuple(best)


def _render(lines: Sequence[_Line]) -> str:
    """Join lines with `\\n`: first line without its `Output:` prefix, no trailing blanks."""
    texts = [line.text.rstrip() for line in lines]
    if texts and lines[0].prefix_end:
        texts[0] = texts[0][lines[0].prefix_end :].lstrip()
    cleaned = "\n".join(texts).strip("\n")
    return cleaned + "\n" if cleaned.strip() else ""


def extract_code(completion: object, entry: str | None = None) -> str:
    """Return the assembly in `completion` (see the module docstring), or "" if there is none.

    Never raises: non-string input yields "". `entry` is the task's entry label; a block that defines
    it wins over later blocks that do not (a model often shows the fixed routine, then a usage example).
    """
    try:
        if not isinstance(completion, str):
            return ""
        lines = _normalise(completion).split("\n")
        classify = _Classifier(entry if isinstance(entry, str) else None)
        chosen = _choose_nested(lines, classify) or _bare_code(list(map(classify, lines)))
        if not chosen:  # nothing looks like code: the model's last assembly block as written, else ""
            chosen = next(
                (
                    tuple(map(classify, block.lines))
                    for block in reversed(_fenced_blocks(lines))
                    if _is_asm_tag(block.tag) and any(line.strip() for line in block.lines)
                ),
                (),
            )
        return _render(chosen)
    except Exception:  # the contract is "never raises": garbage in, empty code out
        return ""
