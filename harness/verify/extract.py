"""Code extraction: the one step between a model's free text and ASAR. It never raises.

Models wrap code in fences (```asm, ```65816, ```asar, bare ```), surround it with prose, give several
blocks (an old and a new version), or write bare code with CRLF line ends, tabs and an `Output:` prefix.
The rules, in order:
1. fenced blocks (closed ones; an unclosed last fence counts when nothing closed exists): choose the
   last block that defines the entry label, else the last block that looks like assembly, else the last;
2. without fences, the longest run of lines that look like assembly (prose lines end a run).
The result has `\\n` line ends, no trailing blanks, and is "" when nothing code-like is present.
"""

from __future__ import annotations

import re

__all__ = ["extract_code"]

_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([A-Za-z0-9_+.#-]*)[^\n]*$", re.MULTILINE)
_PREFIX_RE = re.compile(
    r"^\s*(?:output|answer|solution|code|result|optimized|assembly)\s*:\s*", re.IGNORECASE
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
_LABEL_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:")
_SUBLABEL_RE = re.compile(r"^\s*(\.+[A-Za-z_][A-Za-z0-9_]*|[-+]+)\s*:?\s*$")
_DEFINE_RE = re.compile(r"^\s*!?[A-Za-z_][A-Za-z0-9_]*\s*=\s*\S")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")


def _is_code_line(line: str) -> bool:
    """True for an instruction, directive, label, define or comment line."""
    stripped = _PREFIX_RE.sub("", line).strip()
    if not stripped:
        return False
    if stripped.startswith(";"):
        return True
    label = _LABEL_RE.match(stripped)
    if label:  # "Loop:" or "Loop: LDA #0", but not prose such as "Note: this is slow"
        rest = stripped[label.end() :].strip()
        return not rest or rest.startswith(";") or _is_code_line(rest)
    if _SUBLABEL_RE.match(stripped) or _DEFINE_RE.match(stripped):
        return True
    word = re.split(r"[\s.]", stripped, maxsplit=1)[0].lower()
    if word in _MNEMONICS:
        rest = stripped[len(word) :]
        # "lda is a load" is prose; an instruction has no operand, an operand or a comment.
        return not rest or rest[0] in " .;" and not re.match(r"\s+(is|was|and|the|to|loads|stores)\b", rest)
    return word in _DIRECTIVES


def _has_instruction(line: str) -> bool:
    stripped = _PREFIX_RE.sub("", line).strip()
    label = _LABEL_RE.match(stripped)
    if label:
        stripped = stripped[label.end() :].strip()
    word = re.split(r"[\s.]", stripped, maxsplit=1)[0].lower()
    return (word in _MNEMONICS or word in _DIRECTIVES) and _is_code_line(stripped)


def _looks_like_code(block: str) -> bool:
    """Mostly code-like lines and at least one instruction or directive (not just `A = $00`)."""
    lines = [line for line in block.split("\n") if line.strip()]
    return (
        bool(lines)
        and sum(_is_code_line(line) for line in lines) * 2 >= len(lines)
        and any(_has_instruction(line) for line in lines)
    )


def _defines(block: str, entry: str) -> bool:
    pattern = re.compile(rf"^\s*{re.escape(entry)}\s*:", re.MULTILINE)
    return bool(pattern.search(block))


def _fenced_blocks(text: str) -> list[str]:
    """Contents of fenced blocks in order; an unclosed final fence runs to the end of the text."""
    blocks: list[str] = []
    position = 0
    while True:
        opening = _FENCE_RE.search(text, position)
        if opening is None:
            return blocks
        fence = opening.group(1)
        closing_re = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
        closing = closing_re.search(text, opening.end())
        if closing is None:
            if not blocks:
                blocks.append(text[opening.end() :])
            return blocks
        blocks.append(text[opening.end() : closing.start()])
        position = closing.end()


def _clean(block: str) -> str:
    lines = block.split("\n")
    if lines:
        lines[0] = _PREFIX_RE.sub("", lines[0])
    cleaned = "\n".join(line.rstrip() for line in lines).strip("\n")
    return cleaned + "\n" if cleaned.strip() else ""


def _bare_code(text: str) -> str:
    """The longest run of code-like lines holding an instruction (blank lines inside a run are kept)."""
    runs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if _is_code_line(line) or (not line.strip() and runs[-1]):
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])

    def weight(run: list[str]) -> int:
        return sum(1 for line in run if line.strip()) if any(_has_instruction(line) for line in run) else 0

    best = max(runs, key=weight)
    return "\n".join(best) if weight(best) else ""


def extract_code(completion: object, entry: str | None = None) -> str:
    """Return the assembly in `completion` (see the module docstring), or "" if there is none.

    Never raises: non-string input yields "". `entry` is the task's entry label; a block that defines
    it wins over later blocks that do not (a model often shows the fixed routine, then a usage example).
    """
    try:
        if not isinstance(completion, str):
            return ""
        text = _normalise(completion)
        blocks = [block for block in _fenced_blocks(text) if block.strip()]
        if blocks:
            if entry:
                defining = [block for block in blocks if _defines(block, entry)]
                if defining:
                    return _clean(defining[-1])
            code_like = [block for block in blocks if _looks_like_code(block)]
            return _clean((code_like or blocks)[-1])
        return _clean(_bare_code(text))
    except Exception:  # the contract is "never raises": garbage in, empty code out
        return ""
