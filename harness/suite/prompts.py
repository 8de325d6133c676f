"""Prompt text for every family. Each prompt is self-contained: it names the entry label, the call
convention, the CPU mode at entry, what is observable, and the output contract.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from harness.suite.routines import HEADER_NAMES, Routine, mode_sentence

__all__ = [
    "explain_prompt",
    "header_note",
    "fix_prompt",
    "gen_prompt",
    "mc_prompt",
    "optimize_prompt",
    "trace_prompt",
]

_RULES = (
    'Rules: ASAR 1.91 syntax; no `org` or header is needed (you may `incsrc "snes.asm"` for register '
    'names such as !WRMPYA, or `incsrc "alttp_ram.asm"` for RAM names such as !SPR_HP). Direct page $00-$0F ($7E0000-$7E000F) '
    "is free scratch. Write no memory other than the observable locations, that scratch and the stack; "
    "return with the CPU mode (m, x, decimal flag), D and DBR as they were at entry. Registers and flags "
    "not named as observable or kept are don't-care. Every register, flag and memory byte the task does "
    "not give you may hold anything at entry (in particular the carry)."
)


def header_note(source: str) -> str:
    """` (Header names used: !SPR_HP = $0E50, ...)` for the harness-header names a source uses, else ""."""
    used = [
        f"{name} = {address}"
        for names in HEADER_NAMES.values()
        for address, name in names.items()
        if re.search(re.escape(name) + r"\b", source)
    ]
    return f" Header names used: {', '.join(used)}." if used else ""


def _contract(routine: Routine) -> str:
    return (
        f"Entry label: `{routine.entry}`. At entry the CPU is in {mode_sentence(routine.mode, routine.call)}.\n"
        f"Task: {routine.summary}\n{routine.details}\n{_RULES}"
    )


def _answer_line(routine: Routine, what: str) -> str:
    return (
        f"Answer with {what} in one ```asm code block whose first line is `{routine.entry}:`. "
        "Put nothing but assembly inside the block."
    )


def gen_prompt(routine: Routine) -> str:
    """Write the routine from its contract."""
    return (
        "Write a 65816 (SNES) assembly routine.\n\n"
        f"{_contract(routine)}\n\n{_answer_line(routine, 'the complete routine')}"
    )


def optimize_prompt(routine: Routine, baseline: str) -> str:
    """Make the given correct routine faster without changing what it does."""
    return (
        "Optimize this 65816 (SNES) routine for speed: fewer CPU cycles on average over all valid inputs, "
        "with exactly the same observable behaviour.\n\n"
        f"{_contract(routine)}\n\nCurrent version (correct, but slow):{header_note(baseline)}\n"
        f"```asm\n{baseline.rstrip()}\n```\n\n"
        f"{_answer_line(routine, 'the complete optimized routine')}"
    )


def fix_prompt(routine: Routine, buggy: str) -> str:
    """Find and fix the bug in a routine that does not meet its contract."""
    return (
        "This 65816 (SNES) routine has a bug: it does not do what its contract says for some inputs.\n\n"
        f"{_contract(routine)}\n\nBuggy version:{header_note(buggy)}\n```asm\n{buggy.rstrip()}\n```\n\n"
        f"Find the bug. {_answer_line(routine, 'the complete corrected routine')}"
    )


def explain_prompt(routine: Routine) -> str:
    """Explain the reference routine; the contract is not shown (that would be the answer)."""
    return (
        "Explain what this 65816 (SNES) routine does.\n\n"
        f"Entry label: `{routine.entry}`. At entry the CPU is in {mode_sentence(routine.mode, routine.call)}. "
        "Addresses below $2000 in bank $00 are the WRAM mirror ($7E0000-$7E1FFF)."
        f"{header_note(routine.reference)}\n\n```asm\n{routine.reference.rstrip()}\n```\n\n"
        "In one short paragraph, say what it reads, what it computes, what it writes (name the addresses "
        "and registers) and how it returns. Observable effects are what matter; do not restate every line."
    )


def _state_lines(entry_state: Mapping[str, str]) -> str:
    return "\n".join(f"- {name} = {value}" for name, value in entry_state.items())


def trace_prompt(
    *,
    entry: str,
    mode: Mapping[str, object],
    call: str,
    code: str,
    entry_state: Mapping[str, str],
    asked: Sequence[str],
) -> str:
    """Trace a routine from a fully given entry state and report the asked final locations."""
    example = ", ".join(f"`{_example(name)}`" for name in asked[:2])
    note = f"{header_note(code).strip()}\n" if header_note(code) else ""
    alo = "; A.lo is the low byte of A alone" if "A.lo" in asked else ""
    words = (
        " (`:w` means the little-endian 16-bit word at that address)"
        if any(n.endswith(":w") for n in asked)
        else ""
    )
    return (
        "Trace this 65816 (SNES) routine by hand and give the final machine state.\n\n"
        f"Entry label: `{entry}`. At entry the CPU is in {mode_sentence(mode, call)}. Memory below $2000 in "
        "bank $00 is the WRAM mirror ($7E0000-$7E1FFF).\n"
        f"Entry state (A is the full 16-bit accumulator B:A; everything else does not affect the answer):\n"
        f"{_state_lines(entry_state)}\n{note}\n```asm\n{code.rstrip()}\n```\n\n"
        f"After it returns, what are: {', '.join(asked)}?\n"
        f"Answer with one line per location in the form {example}: hex with `$` for registers (A, X, Y as "
        f"16-bit values{alo}) and memory bytes{words}, 0 or 1 for flags (flag:C is the carry)."
    )


def _example(name: str) -> str:
    if name.startswith("flag:"):
        return f"{name}=1"
    if name.startswith("$"):
        return f"{name}=$0000" if name.endswith(":w") else f"{name}=$00"
    if name == "A.lo":
        return "A.lo=$00"
    return f"{name}=$0000"


def mc_prompt(question: str, choices: Sequence[str]) -> str:
    """A multiple-choice question with lettered choices; the answer is one letter."""
    letters = "ABCDEFGH"
    body = "\n".join(
        f"{letters[i]}.\n```asm\n{choice.rstrip()}\n```"
        if "\n" in choice.strip()
        else f"{letters[i]}. {choice}"
        for i, choice in enumerate(choices)
    )
    return f"{question}\n\n{body}\n\nAnswer with the letter of the correct choice only."
