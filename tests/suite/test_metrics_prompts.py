"""Every rule the grader enforces is in the prompt, and the validator's cross-check catches a prompt
that disagrees with its spec."""

from __future__ import annotations

import copy

import pytest

from harness.suite.families import explain_task, fix_task, gen_task, optimize_task, routine_trace_task
from harness.suite.kernels import build_routine
from harness.suite.mc import mc_task
from harness.suite.prompts import contract_block, domain_text, prompt_spec_problems, rules_text
from harness.verify.answers import TRACE_ANSWER_FORMAT

pytestmark = pytest.mark.usefixtures("asar")  # skip, naming the fix, without ASAR


KEEP = ["X", "Y", "D", "DBR", "flag:m", "flag:x", "flag:D", "S"]
ENFORCED = [
    "Return to the caller with RTS",
    "with S as at entry",
    "native mode (e=0)",
    "m, x, the decimal flag, D and DBR as at entry",
    "$7E0000-$7E000F",
    "the stack below the entry S",
    "($21xx, $42xx, $43xx) are compared in order",
    "except the math-unit inputs $4202-$4206",
    "FastROM $420D",
    "WRAM port address $2181-$2183",
    "DMA channel registers",
    "PPU registers",
    "$4210 (RDNMI) or $4211 (TIMEUP)",
    "At most 10 times the reference's CPU cycles plus the bytes its DMA moves, plus 1000",
    "BRK, COP, WAI, STP, HDMA and interrupts stop the run as a failure",
    "the stack contents and the caller's return address and bank",
    "$4210-$4212, $2137, $213C and $213D follow real H/V timing",
]


def test_every_enforced_rule_is_stated() -> None:
    text = rules_text("jsr", KEEP)
    assert [rule for rule in ENFORCED if rule not in text] == []


def test_the_rules_follow_the_call_and_what_the_task_keeps() -> None:
    assert "Return to the caller with RTL" in rules_text("jsl", KEEP)
    assert "m and x as at entry" in rules_text("jsr", ["flag:m", "flag:x"])
    assert "as at entry." not in rules_text("jsr", [])


def test_the_contract_block_states_every_input_domain() -> None:
    mode = {"x": 1}
    assert domain_text("X", {"values": list(range(16))}, mode) == "$00..$0F"
    assert domain_text("$7E0E50", [0, 255], mode) == "any value"
    assert domain_text("A", {"values": [0, 1, 2, 3, 4]}, mode) == "$0000..$0004"
    assert domain_text("flag:C", {"values": [0, 1]}, mode) == "any value"
    assert domain_text("$7E0020", {"values": [0, 9, 128]}, mode) == "one of $00, $09, $80"
    assert domain_text("$7E0020", {"range": [0, 2], "boundaries": [0, 1, 2]}, mode) == "$00..$02"
    assert domain_text("A", {"range": ["$0000", "$FFFF"], "boundaries": [5]}, mode) == "any value"
    spec = build_routine("sprite_damage", 2).spec
    block = contract_block(spec)
    hp = domain_text("$7E0E50", spec["inputs"]["$7E0E50..$7E0E5F"], spec["mode"])
    assert "X ($00..$0F)" in block and f"$7E0E50..$7E0E5F (each byte {hp})" in block
    assert "Observable (compared with the reference on return): $7E0E50..$7E0E5F, $7E0DD0..$7E0DDF" in block


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    routine = build_routine("sprite_damage", 2)
    long_call = build_routine("heal_link", 45)
    trace = routine_trace_task(routine, "trace-1", 2)
    return [
        gen_task(routine, "gen-1", 2),
        gen_task(long_call, "gen-2", 45),
        optimize_task(routine, routine.slow[0], "optimize-1", 2),
        fix_task(routine, routine.bugs[0], "fix-1", 2),
        trace,
        explain_task(routine, "explain-1", 2),
        mc_task("state", "mc-1", 5, 1),
    ]


def test_built_prompts_agree_with_their_specs(docs: list[dict]) -> None:
    assert {doc["id"]: prompt_spec_problems(doc) for doc in docs} == {doc["id"]: [] for doc in docs}
    assert any(doc["call"] == "jsl" and "Return to the caller with RTL" in doc["prompt"] for doc in docs)


def test_a_prompt_that_hides_an_output_a_restriction_or_a_rule_is_reported(docs: list[dict]) -> None:
    gen = docs[0]
    more_output = copy.deepcopy(gen)
    more_output["spec"]["outputs"].append("$7E0F00")
    assert "output $7E0F00 is not named" in prompt_spec_problems(more_output)
    narrower = copy.deepcopy(gen)
    narrower["spec"]["inputs"]["X"] = {"values": [0, 1, 8, 9]}
    assert any("input X" in p for p in prompt_spec_problems(narrower))
    no_rules = copy.deepcopy(gen)
    no_rules["prompt"] = no_rules["prompt"].replace("Rules (the grader checks every one):", "Rules:")
    assert "prompt has no rules paragraph" in prompt_spec_problems(no_rules)
    wrong_call = copy.deepcopy(gen)
    wrong_call["call"] = "jsl"
    assert any("rules differ" in p for p in prompt_spec_problems(wrong_call))


def test_trace_prompts_name_the_answer_form_and_leave_room_to_reason(docs: list[dict]) -> None:
    trace = docs[4]
    assert TRACE_ANSWER_FORMAT in trace["prompt"] and "reason" in TRACE_ANSWER_FORMAT
    hidden = copy.deepcopy(trace)
    hidden["spec"]["inputs"]["$7E0F00"] = {"values": [3]}
    hidden["spec"]["outputs"].append("Y")
    problems = prompt_spec_problems(hidden)
    assert "input $7E0F00 is not given in the entry state" in problems
    assert any("asked location Y" in p for p in problems) or "- Y = " in trace["prompt"]


def test_explain_and_mc_prompts_are_cross_checked(docs: list[dict]) -> None:
    explain = copy.deepcopy(docs[5])
    explain["answer"]["probe"]["asked"] = ["$7E0E5F"]
    assert prompt_spec_problems(explain) == ["example location $7E0E5F is not asked"]
    mc = copy.deepcopy(docs[6])
    mc["answer"]["choices"][0] = "$FFFF" if mc["answer"]["choices"][0] != "$FFFF" else "$0000"
    assert len(prompt_spec_problems(mc)) == 1
