"""Result types of the crosscheck: a closed verdict enum and frozen dataclasses (the public contract)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["CrosscheckReport", "FieldDiff", "Mismatch", "Verdict"]


class Verdict(enum.Enum):
    """How one program compared. Closed: anything else is a bug."""

    AGREE = "agree"
    DIFFER = "differ"  # our emulator and the reference disagree; presumed ours until shown otherwise
    REFERENCE_SUSPECT = "reference-suspect"  # a difference matching a documented bsnes v094 inaccuracy


@dataclass(frozen=True)
class FieldDiff:
    """One compared quantity that differs: `reference` is bsnes, `ours` is `harness.emu.Machine`."""

    name: str
    reference: str
    ours: str


@dataclass(frozen=True)
class Mismatch:
    """A program that did not agree, with everything needed to rerun it by hand."""

    index: int
    verdict: Verdict
    program: str  # the listing: address, bytes, ASAR-syntax text per instruction
    start: str  # registers at the first instruction (S before the $FFFE return address is pushed)
    diffs: tuple[FieldDiff, ...]
    evidence: str = ""  # why a difference is blamed on the reference (REFERENCE_SUSPECT only)
    probe: str = ""  # the known-inaccuracy probe this program is (suspects.py), "" for random programs

    def describe(self) -> str:
        title = f"probe '{self.probe}'" if self.probe else f"program {self.index}"
        lines = [f"{title}: {self.verdict.value}", f"  start: {self.start}"]
        lines += [f"  {line}" for line in self.program.splitlines()]
        lines += [f"  {d.name}: reference {d.reference}, ours {d.ours}" for d in self.diffs]
        if self.evidence:
            lines.append(f"  evidence: {self.evidence}")
        return "\n".join(lines)


@dataclass(frozen=True)
class CrosscheckReport:
    """Counts, the programs that did not agree, and how the measurement and the run went."""

    programs: int
    seed: int
    agree: int
    differ: int
    reference_suspect: int
    mismatches: tuple[Mismatch, ...]
    calibrations: int
    probes: int  # programs probing documented bsnes v094 inaccuracies (with emulation mode on)
    overhead: Mapping[str, int]  # clocks from the start latch to the end latch besides the body, per config
    timing_exact: int  # programs whose H/V measurement resolved to a single value
    kinds: Mapping[str, int]  # DIFFER programs by the set of quantities that differ ("A+WRAM", ...)
    rejected: Mapping[str, int]  # abandoned drafts by reason (never compared)
    coverage: Mapping[str, int]  # programs using each feature tag
    batches: int
    core: str
    seconds: float
    reference_seconds: float
    emulator_seconds: float
    generation_seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def programs_per_second(self) -> float:
        return self.programs / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        """True when every program agreed or its difference is blamed on the reference with evidence."""
        return self.differ == 0 and self.agree + self.reference_suspect == self.programs + self.probes

    def summary(self) -> str:
        return f"{self.agree} agree, {self.differ} differ, {self.reference_suspect} reference-suspect"

    def as_dict(self) -> dict:
        return {
            "programs": self.programs,
            "seed": self.seed,
            "agree": self.agree,
            "differ": self.differ,
            "reference_suspect": self.reference_suspect,
            "mismatches": [
                {
                    "index": m.index,
                    "verdict": m.verdict.value,
                    "program": m.program,
                    "start": m.start,
                    "diffs": [{"name": d.name, "reference": d.reference, "ours": d.ours} for d in m.diffs],
                    "evidence": m.evidence,
                    "probe": m.probe,
                }
                for m in self.mismatches
            ],
            "calibrations": self.calibrations,
            "probes": self.probes,
            "overhead": dict(self.overhead),
            "timing_exact": self.timing_exact,
            "kinds": dict(self.kinds),
            "rejected": dict(self.rejected),
            "coverage": dict(sorted(self.coverage.items())),
            "batches": self.batches,
            "core": self.core,
            "seconds": round(self.seconds, 3),
            "reference_seconds": round(self.reference_seconds, 3),
            "emulator_seconds": round(self.emulator_seconds, 3),
            "generation_seconds": round(self.generation_seconds, 3),
            "programs_per_second": round(self.programs_per_second, 1),
            "notes": list(self.notes),
        }
