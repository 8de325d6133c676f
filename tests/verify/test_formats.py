"""Format robustness (issue 13 acceptance): for every family's answer kind, a correct answer in each
common presentation is read as the correct value, and a wrong answer in the same presentation is read
as that wrong value (so the presentation neither costs a right answer nor rescues a wrong one).

Code answers are read by `extract_code`, trace answers by `parse_state_answer`, mc answers by
`parse_choice`; what the scorers do with the value (assemble and run, compare) is tested elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from harness.verify.answers import TRACE_ANSWER_FORMAT, parse_state_answer
from harness.verify.choice import parse_choice
from harness.verify.extract import extract_code
from harness.verify.spec import Mode, parse_location

# ---------------------------------------------------------------- code (gen, fix, optimize)

ENTRY = "UpdateTimers"
RIGHT_CODE = (
    "UpdateTimers:\n    LDX #$0F\n.loop:\n    LDA $0E00,X\n    BEQ .next\n    DEC A\n    STA $0E00,X\n"
    ".next:\n    DEX\n    BPL .loop\n    RTS\n"
)
WRONG_CODE = (  # off by one: the loop skips slot 0
    "UpdateTimers:\n    LDX #$0F\n.loop:\n    LDA $0E00,X\n    BEQ .next\n    DEC A\n    STA $0E00,X\n"
    ".next:\n    DEX\n    BNE .loop\n    RTS\n"
)
INLINE_RIGHT = (  # labels sharing a line with an instruction, `+` labels
    "UpdateTimers: LDX #$0F\n.loop: LDA $0E00,X\n    BEQ +\n    DEC A\n    STA $0E00,X\n+   DEX\n"
    "    BPL .loop\n    RTS\n"
)
INLINE_WRONG = (
    "UpdateTimers: LDX #$0F\n.loop: LDA $0E00,X\n    BEQ +\n    DEC A\n    STA $0E00,X\n+   DEX\n"
    "    BNE .loop\n    RTS\n"
)
DRAFT = "UpdateTimers:\n    LDX #$10\n    RTS\n"


def _crlf(code: str) -> str:
    return code.replace("\n", "\r\n")


def _tabs(code: str) -> str:
    return code.replace("    ", "\t")


CODE_PRESENTATIONS: Mapping[str, Callable[[str], str]] = {
    "asm fence with prose around": lambda c: f"Here is the routine.\n\n```asm\n{c}```\n\nIt counts down.",
    "65816 fence": lambda c: f"```65816\n{c}```",
    "asar fence": lambda c: f"```asar\n{c}```",
    "untagged fence": lambda c: f"```\n{c}```",
    "tilde fence": lambda c: f"~~~asm\n{c}~~~",
    "unfenced with prose before and after": lambda c: f"Sure, here it is:\n\n{c}\nThis runs in 200 cycles.",
    "unfenced with an Output prefix": lambda c: f"Output: {c}",
    "crlf line ends": lambda c: _crlf(f"```asm\n{c}```\n"),
    "unfenced crlf": lambda c: _crlf(f"The code:\n{c}\nDone."),
    "tab indentation": lambda c: f"```asm\n{_tabs(c)}```",
    "draft first, final last": lambda c: f"First try:\n```asm\n{DRAFT}```\nFixed:\n```asm\n{c}```",
    "routine first, usage example last": lambda c: (
        f"```asm\n{c}```\nCall it:\n```asm\n    JSR UpdateTimers\n```"
    ),
    "answer first, the given code after": lambda c: (
        f"Fixed:\n```asm\n{c}```\nOriginal, for reference:\n```asm\n{DRAFT}```"
    ),
    "trailing text block with Entry": lambda c: (
        f"```asm\n{c}```\nTrace:\n```text\nUpdateTimers:\nEntry: X=$0F\n```"
    ),
    "trailing diff block": lambda c: f"```asm\n{c}```\nChanges:\n```diff\n-    LDX #$10\n+    LDX #$0F\n```",
    "trailing json block": lambda c: f'```asm\n{c}```\n```json\n{{"UpdateTimers": "Entry:"}}\n```',
    "markdown wrapper around the block": lambda c: f"````markdown\n```asm\n{c}```\n````",
    "truncated final fence": lambda c: f"```asm\n{c}",
}


def _normalised(code: str) -> str:
    return code.replace("\t", "    ")


@pytest.mark.parametrize("present", CODE_PRESENTATIONS.values(), ids=CODE_PRESENTATIONS.keys())
@pytest.mark.parametrize(
    ("right", "wrong"), [(RIGHT_CODE, WRONG_CODE), (INLINE_RIGHT, INLINE_WRONG)], ids=["plain", "inline"]
)
def test_code_presentations(present, right, wrong):
    assert extract_code(present(right), ENTRY) == _normalised(right)
    assert extract_code(present(wrong), ENTRY) == _normalised(wrong)
    assert _normalised(wrong) != _normalised(right)


def test_there_are_at_least_ten_code_presentations():
    assert len(CODE_PRESENTATIONS) >= 10


# ---------------------------------------------------------------- trace

ASKED = ("A", "X", "flag:C", "$7E0010", "$7E0E50:w")
LOCATIONS = [parse_location(text)[0] for text in ASKED]
MODE = Mode(e=0, m=1, x=1, D=0x0000, DBR=0x00)
RIGHT_STATE = {"A": 0xFC80, "X": 0x0010, "flag:C": 1, "$7E0010": 0xFF, "$7E0E50:w": 0x1234}
WRONG_STATE = {"A": 0xFC7F, "X": 0x0011, "flag:C": 0, "$7E0010": 0xFE, "$7E0E50:w": 0x1235}
REASONING = (
    "Tracing by hand: LDA #$80 gives A = $F180, then TAX makes X = $0080. After ADC, A = $FC00 and the\n"
    "carry is clear. The loop stores $00 to $10 on the first pass.\n\n"
)


def _lines(state: Mapping[str, int]) -> list[tuple[str, str]]:
    return [
        ("A", f"${state['A']:04X}"),
        ("X", f"${state['X']:04X}"),
        ("flag:C", str(state["flag:C"])),
        ("$7E0010", f"${state['$7E0010']:02X}"),
        ("$7E0E50:w", f"${state['$7E0E50:w']:04X}"),
    ]


def _block(state, template: str = "{name}={value}") -> str:
    return "\n".join(template.format(name=name, value=value) for name, value in _lines(state))


def _table(state) -> str:
    rows = "\n".join(f"| {name} | {value} |" for name, value in _lines(state))
    return f"| Location | Final value |\n|---|---|\n{rows}"


def _trace_table(state) -> str:
    header = "| Instruction | A | X | C | $7E0010 | $7E0E50:w |\n|---|---|---|---|---|---|"
    first = "| LDA #$80 | $F180 | $0080 | 0 | $00 | $0000 |"
    values = " | ".join(value for _, value in _lines(state))
    return f"{header}\n{first}\n| RTS | {values} |"


def _json(state) -> str:
    members = ", ".join(f'"{name}": "{value}"' for name, value in _lines(state))
    return "{" + members + "}"


def _prose(state) -> str:
    return (
        f"After it returns, A is 0x{state['A']:04X}, X holds 0x{state['X']:04X}, the carry is "
        f"{'set' if state['flag:C'] else 'clear'}, $7E0010 contains ${state['$7E0010']:02X} and the word "
        f"at $7E0E50:w is ${state['$7E0E50:w']:04X}."
    )


def _code_spellings(state) -> str:
    word = state["$7E0E50:w"]
    return (
        f"A=${state['A']:04X}\nX=${state['X']:04X}\nC={state['flag:C']}\n$10=${state['$7E0010']:02X}\n"
        f"$0E50=${word & 0xFF:02X}\n$0E51=${word >> 8:02X}"
    )


TRACE_PRESENTATIONS: Mapping[str, Callable[[Mapping[str, int]], str]] = {
    "requested fenced block after reasoning": lambda s: f"{REASONING}Final answer:\n```\n{_block(s)}\n```",
    "bare lines at the end": lambda s: REASONING + _block(s),
    "bold names": lambda s: REASONING + _block(s, "**{name}** = {value}"),
    "backticked values": lambda s: REASONING + _block(s, "- {name}: `{value}`"),
    "arrows": lambda s: REASONING + _block(s, "{name} → {value}"),
    "colons in a bullet list": lambda s: REASONING + _block(s, "* {name}: {value}"),
    "markdown table": lambda s: f"{REASONING}**Final state**\n\n{_table(s)}",
    "trace table, last row": lambda s: f"{REASONING}{_trace_table(s)}",
    "json object": lambda s: f"{REASONING}```json\n{_json(s)}\n```",
    "lowercase": lambda s: REASONING + _block(s).lower(),
    "prose with 0x values": lambda s: REASONING + _prose(s),
    "direct-page and bank-less spellings": lambda s: REASONING + _code_spellings(s),
    "remark after the answer": lambda s: (
        f"{REASONING}```\n{_block(s)}\n```\nNote: LDX #$01 briefly made X = $01 and A = $0001."
    ),
    "requested form of the prompt constant": lambda s: (
        f"{REASONING}{TRACE_ANSWER_FORMAT.split(':', 1)[0]}:\n```\n{_block(s)}\n```"
    ),
}


@pytest.mark.parametrize("present", TRACE_PRESENTATIONS.values(), ids=TRACE_PRESENTATIONS.keys())
def test_trace_presentations(present):
    assert parse_state_answer(present(RIGHT_STATE), LOCATIONS, MODE) == RIGHT_STATE
    assert parse_state_answer(present(WRONG_STATE), LOCATIONS, MODE) == WRONG_STATE


def test_there_are_at_least_ten_trace_presentations():
    assert len(TRACE_PRESENTATIONS) >= 10
    assert all(RIGHT_STATE[k] != WRONG_STATE[k] for k in RIGHT_STATE)


# ---------------------------------------------------------------- mc

CHOICES = ["$0058", "$3E58", "$FF58", "$C158"]
LETTERS = "ABCD"


def _others(index: int) -> tuple[str, str]:
    others = [letter for i, letter in enumerate(LETTERS) if i != index]
    return others[0], others[1]


MC_PRESENTATIONS: Mapping[str, Callable[[int], str]] = {
    "letter only": lambda i: LETTERS[i],
    "bold letter": lambda i: f"**{LETTERS[i]}**",
    "letter and period": lambda i: f"{LETTERS[i]}.",
    "parenthesised letter": lambda i: f"({LETTERS[i]})",
    "option word": lambda i: f"Option {LETTERS[i]}",
    "lowercase choice word": lambda i: f"choice {LETTERS[i].lower()}",
    "letter with its text": lambda i: f"{LETTERS[i]}) {CHOICES[i]}",
    "the answer is": lambda i: f"The answer is {LETTERS[i]}.",
    "answer, hedged": lambda i: f"Answer: I think it is {LETTERS[i]}",
    "others ruled out first": lambda i: "Options {} and {} are wrong; the answer is {}".format(
        *_others(i), LETTERS[i]
    ),
    "final line is the choice text": lambda i: f"The high byte is kept.\n{CHOICES[i]}",
    "bold answer after reasoning": lambda i: (
        "Snippet {} clears A, snippet {} sets the carry.\n\n**Answer:** {}".format(*_others(i), LETTERS[i])
    ),
    "correct option, lowercase in parentheses": lambda i: f"The correct option is ({LETTERS[i].lower()}).",
    "go with, because": lambda i: f"I'd go with {LETTERS[i]} because the carry is set.",
    "answer then explanation naming others": lambda i: (
        f"The answer is {LETTERS[i]}. Option {_others(i)[0]} is wrong because it loads $10."
    ),
}


@pytest.mark.parametrize("present", MC_PRESENTATIONS.values(), ids=MC_PRESENTATIONS.keys())
@pytest.mark.parametrize("gold", range(4))
def test_mc_presentations(present, gold):
    wrong = (gold + 1) % 4
    assert parse_choice(present(gold), 4, CHOICES) == gold
    assert parse_choice(present(wrong), 4, CHOICES) == wrong


def test_there_are_at_least_ten_mc_presentations():
    assert len(MC_PRESENTATIONS) >= 10
