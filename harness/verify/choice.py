"""Reading the chosen option of a multiple-choice answer: one parser for every scoring route.

The answer is the FINAL stated choice, and no parse means no credit (never a default to A):

1. Explicit answer phrasing: "answer" (`Answer: C`, `The final answer is C`, `Answer: I think it is B`),
   "the correct/right/best option|choice|snippet|one is ...", "I choose/pick/select/go with ...",
   "I think ...", "Final: ...". After the phrase, within the same sentence, the first choice reference
   that is not negated (`not A`, `isn't A`) is what that phrase states. The last phrase that states
   something wins ("Options A and B are wrong; the answer is C" -> C; "I first thought the answer is
   A, but the answer is C" -> C). If that last statement is a disjunction (`A or B`, `A/B`, `A and
   B`), or a letter contradicts the text written next to it (`C) $1234` where $1234 is choice A's
   text), there is no answer.
2. Without any answer phrase: the last non-empty line, when it is nothing but a choice reference
   (`C`, `**C**`, `(C)`, `C.`, `C) $1234`, `Option C`, `choice c`), or exactly a choice's text; or the
   last fenced block (or the whole answer) when it is exactly a multi-line choice (a code snippet).
3. Anything else, including a walk through every option without a verdict, is None.

What a choice reference is: a letter within range, A for the first choice. Because "a" and "I" are
English words, a bare letter counts only when it cannot be read as a word: an uppercase letter followed
by the end of the sentence, by punctuation, by a dash or by a connective ("B because ...", "C is
correct"); a letter of either case when it is marked: `**b**`, `` `b` ``, `(b)`, `[b]`, `b)`,
`option b`, `choice b`, or when it ends the sentence (`the answer is b.`). "The answer is a snippet
that..." is therefore no answer, and "A loads ..." is not a choice. A choice's exact text also counts
(compared without case: `The answer is 20 cycles`, `$3E58`).

Linear time: the phrase search is one regular-expression pass and each phrase reads a bounded window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["parse_choice"]

_MAX_LETTERS = 26
_WINDOW = 160  # characters read after an answer phrase
_GAP = r"[ \t]{1,8}"  # whitespace runs are bounded: no match attempt scans far (linear time)
_SPACE = r"[ \t]{0,8}"
_PHRASE_RE = re.compile(
    rf"\b(?:answer(?:{_GAP}(?:is|would{_GAP}be|must{_GAP}be))?"
    rf"|(?:the{_GAP})?(?:correct|right|best|true|valid){_GAP}(?:choice|option|one|snippet|line|instruction)"
    rf"{_SPACE}(?:is|would{_GAP}be|must{_GAP}be|=|:)"
    rf"|I(?:{_GAP}would|'d|’d)?{_GAP}(?:choose|pick|select|go{_GAP}with)"
    rf"|I{_GAP}(?:think|believe|guess)"
    rf"|final(?:{_GAP}(?:choice|pick|verdict))?{_SPACE}(?::|=|is))(?![A-Za-z])",
    re.IGNORECASE,
)
# One choice reference; `neg` is a negation just before it.
_REFERENCE_RE = re.compile(
    rf"(?P<neg>(?:\bnot|n't|\bnever|\bexcept){_GAP})?"
    rf"(?:(?i:option|choice|letter|snippet){_SPACE}[:#]?{_SPACE}[(\[]?(?P<kw>[A-Za-z])[)\]]?"
    r"(?![A-Za-z0-9_$])"
    r"|\*\*(?P<b1>[A-Za-z])\*\*|__(?P<b2>[A-Za-z])__|\*(?P<b3>[A-Za-z])\*|`(?P<b4>[A-Za-z])`"
    r"|\((?P<p1>[A-Za-z])\)|\[(?P<p2>[A-Za-z])\]"
    r"|(?<![A-Za-z0-9_$#'(\[.])(?P<bare>[A-Za-z])(?P<after>\)|[.:,;!?](?![A-Za-z0-9]))?"
    r"(?![A-Za-z0-9_$'’]))",
    re.IGNORECASE,
)
# What may follow a bare capital letter for it to be a choice: "B because ...", "C is correct".
_CONNECTIVE_RE = re.compile(
    r"(?:because|since|as|seems|looks|appears|fits|matches"
    rf"|is{_GAP}(?:the{_GAP})?(?:correct|right|answer|one|best))(?![A-Za-z])",
    re.IGNORECASE,
)
_WORD_AFTER_RE = re.compile(r"[ \t]{1,8}[a-z]")
_SENTENCE_END_RE = re.compile(r"(?<=[a-z]{2})[.!?](?=\s|$)|\n")
# What joins two choices into a list or an alternative (`A or B`, `A/B`, `A, B`, `A B C D`).
_DISJUNCTION_RE = re.compile(
    rf"{_SPACE}[,/]?{_SPACE}(?:(?:or|and/or|vs\.?)(?![A-Za-z]){_SPACE})?", re.IGNORECASE
)
_LEAD_RE = re.compile(r"[\s>*_`\"'•:=-]*")
_FENCE_RE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class _Reference:
    """A letter in a window: its choice index and span; `counts` is False for a bare letter that may
    be a word (kept only to see disjunctions such as "whether B or C")."""

    index: int
    start: int
    end: int
    negated: bool
    marked: bool
    counts: bool
    closed: bool  # followed by `.`, `;`, `:`, `!` or `?`: the statement ends there


_AMBIGUOUS = -1


def _normalise_choice(text: str) -> str:
    """Choice text compared without case and with each line stripped (snippets keep their lines)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line).casefold()


def _bare_letter_counts(letter: str, after: str | None, rest: str) -> bool:
    """A bare letter is a choice when it cannot be an English word (module docstring). `rest` is the
    window after the letter (and its punctuation)."""
    rest = rest.lstrip(" \t*_`\"'")
    ends_sentence = not rest or rest[0] == "\n"
    if after or ends_sentence:
        return letter.isupper() or ends_sentence or after in (".", "!", "?")
    if not letter.isupper():
        return False
    return rest[0] in "-–—(" or bool(_CONNECTIVE_RE.match(rest))


class _ChoiceReader:
    """Reads one completion against one question's choices (a fresh instance per call)."""

    def __init__(self, text: str, n_choices: int, choices: Sequence[str] | None) -> None:
        self.text = text
        self.n_choices = n_choices
        normalised = [_normalise_choice(str(c)) for c in choices] if choices else []
        self.single_line = [c if c and "\n" not in c else "" for c in normalised]
        self.multi_line = [c if "\n" in c else "" for c in normalised]

    def references(self, window: str) -> list[_Reference]:
        """Letters within range in a window, in order."""
        found: list[_Reference] = []
        for match in _REFERENCE_RE.finditer(window):
            marked_letter = next(
                (match.group(g) for g in ("kw", "b1", "b2", "b3", "b4", "p1", "p2") if match.group(g)), None
            )
            letter = marked_letter or match.group("bare")
            index = ord(letter.upper()) - ord("A") if letter else -1
            if not 0 <= index < self.n_choices:
                continue
            marked = marked_letter is not None or match.group("after") == ")"
            following = window[match.end() : match.end() + 40]
            if match.group("kw") in ("a", "i") and _WORD_AFTER_RE.match(following):
                marked = False  # "the option a programmer would pick": the article, not a choice
            counts = marked or _bare_letter_counts(letter, match.group("after"), following)
            negated = bool(match.group("neg"))
            closed = (match.group("after") or "") in (".", ";", ":", "!", "?")
            found.append(_Reference(index, match.start(), match.end(), negated, marked, counts, closed))
        return found

    def choice_text_at(self, head: str) -> int | None:
        """Index of the single-line choice whose exact text starts `head` (longest; None if two)."""
        head = head.casefold()
        best, best_length, tie = None, 0, False
        for index, choice in enumerate(self.single_line):
            if not choice or not head.startswith(choice):
                continue
            following = head[len(choice) : len(choice) + 1]
            if following and (following.isalnum() or following in "_$"):
                continue
            if len(choice) > best_length:
                best, best_length, tie = index, len(choice), False
            elif len(choice) == best_length:
                tie = True
        return None if tie else best

    def stated(self, window: str, whole_line: bool) -> int | None:
        """What a window states: an index, `_AMBIGUOUS`, or None (nothing). With `whole_line` (the
        last-line rule) the reference must open the window and a choice's text must fill it."""
        lead = _LEAD_RE.match(window)
        lead_end = lead.end() if lead else 0
        body = window[lead_end:]
        by_text = self.choice_text_at(body)
        if by_text is not None:
            length = len(self.single_line[by_text])
            if whole_line and body[length:].strip(" \t*_`\"'.!"):
                by_text = None
            else:
                following = self.references(body[length : length + 12])
                disagree = any(ref.index != by_text and ref.marked for ref in following)
                return _AMBIGUOUS if disagree or self._listed(body[length:], by_text) else by_text
        sentence = _SENTENCE_END_RE.search(window, lead_end)
        window = window[: sentence.start()] if sentence and sentence.start() > lead_end else window
        references = [ref for ref in self.references(window) if not ref.negated]
        first = next((ref for ref in references if ref.counts), None)
        if first is None or (whole_line and not self._opens_line(window, lead_end, first)):
            return None
        if self._joined(window, references, first) or self._contradicted(window, first):
            return _AMBIGUOUS
        return first.index

    def _opens_line(self, line: str, lead_end: int, reference: _Reference) -> bool:
        """The last-line rule: the letter opens the line and is followed by nothing, its own choice's
        text, or an explanation after a dash or connective (`D: wrong` is a verdict on D, not a pick)."""
        if reference.start > lead_end:
            return False
        rest = line[reference.end :].strip(" \t*_`\"'.:)")
        if not rest or rest[0] in "-–—(" or _CONNECTIVE_RE.match(rest):
            return True
        own = self.single_line[reference.index] if reference.index < len(self.single_line) else ""
        return bool(own) and rest.rstrip(" \t.").casefold() == own

    def _listed(self, rest: str, index: int) -> bool:
        """True when another choice's text follows a choice's text as a list (`$0058 or $3E58`)."""
        separator = _DISJUNCTION_RE.match(rest)
        following = rest[separator.end() :] if separator else rest
        other = self.choice_text_at(following) if following else None
        return other is not None and other != index

    @staticmethod
    def _joined(window: str, references: Sequence[_Reference], first: _Reference) -> bool:
        """True when `first` is listed with a neighbouring letter (`A or B`, `A/B`, `A, B`, `A B`):
        no commitment. A letter that ends its statement (`B. A is wrong`) is not listed."""
        position = references.index(first)
        neighbours = [
            (references[position - 1], first) if position > 0 else None,
            (first, references[position + 1]) if position + 1 < len(references) else None,
        ]
        return any(
            pair is not None
            and pair[0].index != pair[1].index
            and not pair[0].closed
            and bool(_DISJUNCTION_RE.fullmatch(window[pair[0].end : pair[1].start]))
            for pair in neighbours
        )

    def _contradicted(self, window: str, reference: _Reference) -> bool:
        """`C) $1234` where `$1234` is exactly another choice's text."""
        rest = window[reference.end :].split("\n", 1)[0].strip(" \t*_`\"'.:)-").rstrip(" \t.")
        other = self.choice_text_at(rest) if rest else None
        return other is not None and other != reference.index and len(self.single_line[other]) == len(rest)

    def by_phrases(self) -> int | None:
        """The last answer phrase that states something (an index or `_AMBIGUOUS`), else None."""
        phrases = list(_PHRASE_RE.finditer(self.text))
        for number in range(len(phrases) - 1, -1, -1):
            # a phrase states what follows it up to the next phrase (that one states its own)
            limit = phrases[number + 1].start() if number + 1 < len(phrases) else len(self.text)
            start = phrases[number].end()
            window = self.text[start : min(limit, start + _WINDOW)]
            if not window.split("\n", 1)[0].strip(" \t*_`\"':=-"):  # `Answer:` then the next line
                start += len(window) - len(window.lstrip())
                window = self.text[start : min(limit, start + _WINDOW)]
            if not window.strip():
                continue
            stated = self.stated(window, whole_line=False)
            if stated is not None:
                return stated
        return None

    def by_last_line(self) -> int | None:
        """The last non-empty, non-fence line when it is only a choice reference or a choice's text."""
        longest = max(map(len, self.single_line), default=0) + _WINDOW
        for line in reversed(self.text.split("\n")):
            if line.strip() and not _FENCE_RE.fullmatch(line):
                stripped = line.strip()  # a line that is only a choice is short
                return self.stated(stripped, whole_line=True) if len(stripped) <= longest else None
        return None

    def by_snippet(self) -> int | None:
        """A multi-line choice given back verbatim: the last fenced block, or the whole answer."""
        if not any(self.multi_line):
            return None
        candidates = [_normalise_choice(_FENCE_RE.sub("", self.text))]
        fences = [match.start() for match in _FENCE_RE.finditer(self.text)]
        if len(fences) >= 2:
            block = self.text[fences[-2] : fences[-1]].split("\n", 1)
            candidates.append(_normalise_choice(block[1] if len(block) > 1 else ""))
        hits = {i for i, choice in enumerate(self.multi_line) if choice and choice in candidates}
        return hits.pop() if len(hits) == 1 else None


def parse_choice(text: object, n_choices: int, choices: Sequence[str] | None = None) -> int | None:
    """Index of the finally stated choice (0 for A), or None when the answer states none, several, or
    something that contradicts itself (module docstring). `choices`, when given, lets a choice's exact
    text count as stating it. Never raises; linear time."""
    if not isinstance(text, str) or isinstance(n_choices, bool) or not isinstance(n_choices, int):
        return None
    if not 0 < n_choices <= _MAX_LETTERS:
        return None
    try:
        known = list(choices)[:n_choices] if choices is not None else None
        reader = _ChoiceReader(text.replace("\r\n", "\n").replace("\r", "\n"), n_choices, known)
        for rule in (reader.by_phrases, reader.by_last_line, reader.by_snippet):
            stated = rule()
            if stated is not None:
                return None if stated == _AMBIGUOUS else stated
    except Exception:  # garbage must not crash a scorer: no parse, no credit
        return None
    return None
