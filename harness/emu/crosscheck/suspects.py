"""Differences blamed on the reference: documented bsnes v094 inaccuracies, each with its evidence.

bsnes v094 (2015) predates two emulation-mode fixes that hardware tests forced later (the brief for
this module: issue 17, and harness/emu/README.md "Disputed vectors"); our core follows the hardware:
- (d,x) with DL != 0 whose pointer's low byte sits at $xxFF: the high byte comes from $xx00 of the
  same page (gilyon/snes-tests cputest README, "What undocumented behavior is tested"; tests-full
  cases 0024-0027, 0071-0074, ..., e.g. 0027 `adc ($F7,x)`, D=$011A, X=$EE reads $02FF/$0200).
- PLB with S = $01FF in emulation mode reads $0200, not $0100 (same README; tests-full case 03d9).
- [d] and [d],y never wrap, also in emulation mode with DL = 0 (tests-full cases 002d, 0042, 007a,
  008f, 0165, 017a: `adc [$FF]`, E=1, D=$0100 takes the pointer from $01FF/$0200/$0201); v094 reads
  its direct-page bytes with the emulation-mode page wrap ($0100/$0101): found by this crosscheck
  (a random program's `sta [$ff],y` stored to $4B:5316 on v094 instead of $9C:0216).

Random programs never create these conditions (the generator avoids them), so a difference in a
random program is never excused here. Instead, when emulation mode is on, each run adds one probe
per inaccuracy: a minimal program whose window makes the two behaviours give different, predicted
values. A probe is REFERENCE_SUSPECT only when the reference shows exactly the predicted v094
value and nothing else differs; if the reference agrees with us the probe counts as agreeing, and
any other outcome is a DIFFER like any program.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.emu.crosscheck.generator import Program
from harness.emu.crosscheck.report import FieldDiff
from harness.emu.state import CpuState

__all__ = ["PROBES", "Probe", "reference_suspect"]

_GILYON = "gilyon/snes-tests cputest (hardware-verified; README 'What undocumented behavior is tested')"


@dataclass(frozen=True)
class Probe:
    """A minimal program separating hardware from bsnes v094 on one documented point."""

    name: str
    code: bytes
    start: CpuState
    window: dict[int, int]  # initial window bytes (bank-0 offsets)
    predicted: tuple[FieldDiff, ...]  # what v094's documented behaviour makes differ (reference first)
    evidence: str


PROBES: tuple[Probe, ...] = (
    Probe(
        name="emulation (d,x) pointer at $xxFF with DL != 0",
        # lda ($DF,x) with D=$0110, X=$10: pointer low byte at $01FF. Hardware (and ours): high byte
        # from $0100 -> $0140 holds $11. v094: high byte from $0200 -> $0240 holds $22.
        code=bytes.fromhex("a1 df"),
        start=CpuState(a=0, x=0x10, y=0, s=0x01E0, d=0x0110, dbr=0x7E, p=0x30, e=1),
        window={0x01FF: 0x40, 0x0100: 0x01, 0x0200: 0x02, 0x0140: 0x11, 0x0240: 0x22},
        predicted=(FieldDiff("A", "$0022", "$0011"),),
        evidence=(
            "bsnes v094 takes the high byte of an emulation-mode (d,x) pointer whose low byte is at $xxFF "
            "(DL != 0) from $xxFF+1; hardware takes it from $xx00 of the same page: "
            f"{_GILYON}, tests-full cases 0024-0027 (e.g. 0027 adc ($F7,x), D=$011A, X=$EE reads "
            "$02FF/$0200); bsnes fixed it after v094"
        ),
    ),
    Probe(
        name="emulation [d] pointer across the page with DL = 0",
        # lda [$FF] with D=$0100: hardware (and ours) take the pointer from $01FF/$0200/$0201 ->
        # $7E:0140 holds $11; v094 wraps to $01FF/$0100/$0101 -> $7E:0240 holds $22.
        code=bytes.fromhex("a7 ff"),
        start=CpuState(a=0, x=0, y=0, s=0x01E0, d=0x0100, dbr=0x7E, p=0x30, e=1),
        window={
            0x01FF: 0x40,
            0x0200: 0x01,
            0x0201: 0x7E,
            0x0100: 0x02,
            0x0101: 0x7E,
            0x0140: 0x11,
            0x0240: 0x22,
        },
        predicted=(FieldDiff("A", "$0022", "$0011"),),
        evidence=(
            "bsnes v094 reads the bytes of an emulation-mode [d] pointer with the page wrap of (d) when "
            "DL = 0; hardware never wraps [d]: "
            f"{_GILYON}, tests-full cases 002d, 0042, 007a, 008f, 0165, 017a (e.g. 002d adc [$FF], E=1, "
            "D=$0100 reads $01FF/$0200/$0201)"
        ),
    ),
    Probe(
        name="emulation PLB with S=$01FF",
        # tsx : stx $20 : ldx #$FF : txs : plb : ldx $20 : txs  -- PLB at S=$01FF reads $0200 on
        # hardware (and ours: DBR=$12), $0100 on v094 (DBR=$34); S is restored before RTS.
        code=bytes.fromhex("ba 86 20 a2 ff 9a ab a6 20 9a"),
        start=CpuState(a=0, x=0, y=0, s=0x01E0, d=0x0100, dbr=0x7E, p=0x30, e=1),
        window={0x0200: 0x12, 0x0100: 0x34},
        predicted=(FieldDiff("DBR", "$34", "$12"),),
        evidence=(
            "in emulation mode with S=$01FF, PLB reads $0200 on hardware but $0100 on bsnes v094: "
            f"{_GILYON}, tests-full case 03d9 (plb, E=1, S=$01FF, ($000200)=$3D -> DBR=$3D); bsnes fixed "
            "it after v094"
        ),
    ),
)
_BY_NAME = {probe.name: probe for probe in PROBES}


def reference_suspect(program: Program, diffs: tuple[FieldDiff, ...]) -> str:
    """Evidence text when `diffs` are exactly a probe's predicted v094 behaviour, else ""."""
    probe = _BY_NAME.get(program.probe)
    if probe is not None and tuple(diffs) == probe.predicted:
        return probe.evidence
    return ""
