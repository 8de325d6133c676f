"""The clean-room corpus: every generator's slow variant is equivalent to its reference and costs more,
header facts parse, and operand addresses are found the way the explanations use them."""

from __future__ import annotations

import random

import pytest

from harness.trainers.synth import GENERATORS
from harness.trainers.synth.claims import verdict_for
from harness.trainers.synth.facts import code_addresses, header_facts


@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_slow_variant_is_equivalent_and_slower(family: str) -> None:
    routine = GENERATORS[family](random.Random(f"corpus-test:{family}"))
    assert routine.slow is not None
    task = {
        "entry": routine.entry,
        "call": routine.call,
        "spec": routine.spec_dict(),
        "reference": routine.slow.source,
    }
    verdict = verdict_for(task, routine.source)
    assert verdict.passes, (family, verdict.reason, verdict.detail, verdict.counterexample)
    assert verdict.cand_cycles_mean < verdict.ref_cycles_mean


def test_generators_are_deterministic_and_use_own_labels() -> None:
    for family, generator in GENERATORS.items():
        first, again = generator(random.Random(7)), generator(random.Random(7))
        assert first == again, family
        assert "_T" in first.entry and first.source.startswith(f"{first.entry}:"), family


def test_header_facts_name_the_multiplier_and_sprite_tables() -> None:
    facts = header_facts()
    assert facts[0x004202].name == "WRMPYA"
    assert facts[0x7E0E50].name == "SPR_HP"  # $0E50 is HP ...
    assert facts[0x7E0E20].name == "SPR_TYPE"  # ... and $0E20 the type (a trap in the user's notes)
    assert all(not fact.name.startswith("JOY_") for fact in facts.values())  # bit masks are not addresses


def test_code_addresses_skip_immediates_branches_and_bank_bytes() -> None:
    # LDA $F0 (direct page), STA $4202, LDA $7EF360 (long), LDA #$12, BNE, STZ $0DD0,X, MVN $7E,$7E
    source = (
        "E:\n    LDA $F0\n    STA $4202\n    LDA $7EF360\n    LDA #$12\n    BNE E\n"
        "    STZ $0DD0,X\n    MVN $7E,$7E\n"
    )
    assert code_addresses(source) == (0x7E00F0, 0x004202, 0x7EF360, 0x7E0DD0)


def test_corpus_code_is_far_from_every_eval_reference() -> None:
    """Stricter than the QA gate (50% of a field's 8-grams): no corpus routine may cover even 30% of an
    eval prompt or reference, over many draws of every generator."""
    import json

    from harness.trainers.contamination import ContaminationIndex, default_task_files, load_eval_texts
    from harness.trainers.schema import parse_line
    from harness.trainers.synth import draw_routine

    files = default_task_files()
    if not files:
        pytest.skip("no eval task data (tasks/asm65816/data/*.jsonl) installed to check against")
    index = ContaminationIndex(load_eval_texts(files), threshold=0.3)
    hits = []
    for family in sorted(GENERATORS):
        for draw in range(40):
            routine = draw_routine(random.Random(f"disjoint:{family}:{draw}"), family)
            text = routine.source + "\n" + (routine.slow.source if routine.slow else "")
            sample = parse_line(
                json.dumps({"instruction": "x", "input": text, "output": "y"}), source="c", line=1
            )
            hits += [(family, hit.task_id, hit.field, hit.coverage) for hit in index.check(sample)]
    assert hits == []
