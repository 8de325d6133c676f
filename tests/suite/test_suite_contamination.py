"""Eval-set fingerprints: renamed or re-commented copies of eval code must still be caught."""

from __future__ import annotations

import json

from harness.suite.build import default_data_dir
from harness.suite.contamination import code_fingerprint, eval_fingerprints, normalize_asm

# A copy of a routine with a new label, comments and other indentation is the same routine.
ORIGINAL = "Heal:\n    LDA $7EF36D\n    CLC\n    ADC #$08\n    BCC .ok\n.ok:\n    RTS\n"
DISGUISED = (
    "my_heal:   ; heal link\n  lda $7ef36d\n\tclc\n  adc #$08 ; +1 heart\n  bcc .done\n.done:\n  rts\n"
)


def test_renamed_and_recommented_copy_has_the_same_fingerprint() -> None:
    assert normalize_asm(ORIGINAL) == normalize_asm(DISGUISED)
    assert code_fingerprint(ORIGINAL) == code_fingerprint(DISGUISED)


def test_a_real_change_changes_the_fingerprint() -> None:
    assert code_fingerprint(ORIGINAL) != code_fingerprint(ORIGINAL.replace("CLC", "SEC"))


def test_every_eval_reference_is_fingerprinted() -> None:
    prints = eval_fingerprints()
    first = json.loads((default_data_dir() / "gen.jsonl").read_text().splitlines()[0])
    assert code_fingerprint(first["reference"]) in prints
    fix = json.loads((default_data_dir() / "fix.jsonl").read_text().splitlines()[0])
    assert code_fingerprint(fix["baseline"]) in prints
    assert code_fingerprint(ORIGINAL) not in prints
