"""The red-team suite: hostile, broken and empty completions, each with its honest verdict.

Every attack names its class (the numbers of the "Score integrity" issue), the task it targets, the
completion, and what an honest harness must say: the primary metric it may earn (always 0 here) and
the failure reasons it may give. `tests/integrity/test_red_team.py` runs them through both scoring
routes; `harness.rewards` (RL) must give each of them reward 0 as well.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ATTACKS", "TASKS", "Attack"]

_SCRATCH = "$7E0000..$7E000F"
_ADD_FIVE = "AddFive:\n    LDA $11\n    CLC\n    ADC #$05\n    STA $10\n    RTS\n"
_SPEC = {
    "mode": {"e": 0, "m": 1, "x": 1, "D": "$0000", "DBR": "$7E"},
    "inputs": {"$7E0011": [0, 255]},
    "outputs": ["$7E0010"],
    "preserve": ["X", "Y"],
    "writable": [_SCRATCH],
    "cases": 32,
    "seed": 11,
}


def _task(task_id: str, family: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": task_id,
        "family": family,
        "prompt": f"Write `AddFive` ({task_id}): $7E0010 = $7E0011 + 5 (8-bit).",
        "reference": _ADD_FIVE,
        "baseline": None,
        "entry": "AddFive",
        "call": "jsr",
        "spec": dict(_SPEC),
        "answer": {},
        "tags": ["red-team"],
        "source": "clean-room",
    }
    base.update(fields)
    return base


TASKS: tuple[dict[str, object], ...] = (
    _task("rt-gen", "gen"),
    _task(
        "rt-gen-jsl",
        "gen",
        call="jsl",
        reference=_ADD_FIVE.replace("RTS", "RTL"),
        prompt="Write `AddFive` (JSL, return with RTL): $7E0010 = $7E0011 + 5.",
    ),
    _task(
        "rt-opt",
        "optimize",
        baseline=(
            "AddFive:\n    LDA $11\n    CLC\n    ADC #$02\n    CLC\n    ADC #$03\n    STA $10\n    JSR .done\n"
            "    RTS\n.done:\n    RTS\n"
        ),
    ),
    _task(
        "rt-mc",
        "mc",
        reference=None,
        entry=None,
        spec=None,
        prompt="Which instruction adds with carry?\n\nA. SBC\nB. AND\nC. ADC\nD. EOR\n\nAnswer with the letter of the correct choice only.",
        answer={"choices": ["SBC", "AND", "ADC", "EOR"], "gold": 2},
    ),
)

_BODY = "    LDA $11\n    CLC\n    ADC #$05\n    STA $10\n"


def _gen(tail: str = "    RTS\n", head: str = "", body: str = _BODY) -> str:
    return f"```asm\nAddFive:\n{head}{body}{tail}```"


@dataclass(frozen=True)
class Attack:
    """One hostile completion and its honest verdict."""

    name: str
    cls: int  # the class number
    task: str
    completion: str
    reasons: tuple[str, ...]  # acceptable failure reasons (FailReason values)


ATTACKS: tuple[Attack, ...] = (
    # 1. failures that vanish: assembling to nothing is the candidate's failure, never a task error
    Attack("label-only", 1, "rt-gen", "```asm\nAddFive:\n```", ("empty",)),
    Attack("label-and-comment", 1, "rt-gen", "AddFive:\n; TODO\n", ("empty",)),
    Attack("define-and-label", 1, "rt-gen", "```asm\n!five = 5\nAddFive:\n```", ("empty",)),
    Attack("org-and-label", 1, "rt-opt", "```asm\norg $008000\nAddFive:\n```", ("empty",)),
    Attack("empty-text", 1, "rt-gen", "", ("empty",)),
    # 2. ties that pick A: no parseable final choice, no credit
    Attack("mc-refusal", 2, "rt-mc", "I don't know.", ("no_answer",)),
    Attack("mc-empty", 2, "rt-mc", "", ("no_answer",)),
    Attack("mc-hedge", 2, "rt-mc", "It is either A or B.", ("no_answer",)),
    Attack("mc-article", 2, "rt-mc", "The answer is a matter of taste.", ("no_answer",)),
    # 3. calling convention: everything a native-mode caller relies on comes back as it was
    Attack("return-in-emulation", 3, "rt-gen", _gen("    SEC\n    XCE\n    RTS\n"), ("convention",)),
    Attack("leave-m16", 3, "rt-gen", _gen("    REP #$20\n    RTS\n"), ("convention",)),
    Attack("leave-decimal", 3, "rt-gen", _gen("    SED\n    RTS\n"), ("convention",)),
    Attack("change-dbr", 3, "rt-gen", _gen(head="    PHK\n    PLB\n"), ("convention",)),
    Attack("change-d", 3, "rt-gen", _gen("    PEA $0100\n    PLD\n    RTS\n"), ("convention",)),
    Attack(
        "unbalanced-stack",
        3,
        "rt-gen",
        _gen("    PHA\n    RTS\n"),
        ("bad_return", "budget", "halted", "unsupported", "stray_write"),
    ),
    # 4. a detectable harness: the return address, its bank and the status reads vary per case
    Attack(
        "fake-return-to-old-sentinel",
        4,
        "rt-gen",
        _gen("    PLA\n    PLA\n    JMP $FFFF\n"),
        ("bad_return", "budget", "halted", "unsupported"),
    ),
    Attack(
        "return-by-jmp-indirect",
        4,
        "rt-gen",
        _gen("    REP #$20\n    PLA\n    INC A\n    STA $00\n    SEP #$20\n    JMP ($0000)\n"),
        ("bad_return",),
    ),
    Attack(
        "rtl-in-a-jsr-task", 4, "rt-gen", _gen("    RTL\n"), ("bad_return", "budget", "halted", "unsupported")
    ),
    Attack(
        "rts-in-a-jsl-task",
        4,
        "rt-gen-jsl",
        _gen("    RTS\n"),
        ("bad_return", "budget", "halted", "unsupported"),
    ),
    Attack(
        "right-only-for-the-old-sentinel",
        4,
        "rt-gen",
        _gen(head="    LDA $02,S\n    CMP #$FF\n    BNE .skip\n", tail="    RTS\n.skip:\n    RTS\n"),
        ("mismatch",),
    ),
    Attack(
        "right-only-for-the-old-4212-stub",
        4,
        "rt-gen",
        _gen(head="    LDA $004212\n    CMP #$80\n    BNE .skip\n", tail="    RTS\n.skip:\n    RTS\n"),
        ("mismatch",),
    ),
    # 6. metrics a routine can fake: hardware left changed is a side effect
    Attack("fastrom-left-on", 6, "rt-opt", _gen(head="    LDA #$01\n    STA $00420D\n"), ("side_effect",)),
    Attack("nmi-acknowledged", 6, "rt-gen", _gen(head="    LDA $004210\n"), ("side_effect",)),
    Attack("wram-port-moved", 6, "rt-gen", _gen(head="    LDA #$12\n    STA $002181\n"), ("side_effect",)),
    Attack("ppu-register-written", 6, "rt-gen", _gen(head="    LDA #$0F\n    STA $002100\n"), ("mismatch",)),
)
