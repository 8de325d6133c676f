"""Verified synthetic training data for asm65816 (installed as `harness.trainers.synth`).

The user's Phase-1 formats (explain + optimize, execution traces, self-correction) plus explanations,
generated from a clean-room routine corpus (`corpus`) so that every factual statement is a recorded,
machine-checkable claim (`claims`): equivalence and cycle/byte savings measured by the emulator, trace
states from the emulator's trace, bugs injected by the task validator's mutation operators with real
counterexamples and verified fixes, and address facts from the bundled headers only.

`generate` / `write_jsonl` build a file deterministically from a seed; `verify_file` re-checks every
claim from the file alone. CLI: `asm65816 synth ...` (`harness.trainers.synth.cli`). Importing does no
work: ASAR, the emulator and hypothesis load on first use.
"""

from harness.trainers.synth.claims import ClaimType, check_claim
from harness.trainers.synth.corpus import GENERATORS, Routine, Variant, draw_routine
from harness.trainers.synth.generate import KIND_CHOICES, dumps_sample, generate, iter_samples, write_jsonl
from harness.trainers.synth.kinds import Kind
from harness.trainers.synth.runs import SynthError
from harness.trainers.synth.verify import (
    ClaimFailure,
    VerifyReport,
    verify_file,
    verify_record,
    verify_records,
)

__all__ = [
    "GENERATORS",
    "KIND_CHOICES",
    "ClaimFailure",
    "ClaimType",
    "Kind",
    "Routine",
    "SynthError",
    "Variant",
    "VerifyReport",
    "check_claim",
    "draw_routine",
    "dumps_sample",
    "generate",
    "iter_samples",
    "verify_file",
    "verify_record",
    "verify_records",
    "write_jsonl",
]
