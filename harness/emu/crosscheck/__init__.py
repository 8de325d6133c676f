"""Differential cross-check of `harness.emu` against an accurate SNES core (bsnes v094 via libretro).

`run_crosscheck(programs, seed)` writes random programs (native mode; emulation mode on request),
runs them in batches on Debian's `libretro-bsnes-mercury-accuracy` (an external GPL-3 tool, located
on disk, never vendored) and in `harness.emu.Machine`, and compares registers, flags, a 512-byte
WRAM window and master clocks (H/V-counter timing with DRAM refresh taken out, exact).
`crosscheck_code(code, start)` does the same for one given program. Modules: `generator`
(programs), `rom` (the monitor ROM), `libretro` (ctypes driver), `hv` (counter decoding), `runner`
(compare, report), `suspects` (documented v094 inaccuracies, probed, with evidence). See README.md.
"""

from __future__ import annotations

from harness.emu.crosscheck.libretro import APT_PACKAGE, CORE_ENV, find_core
from harness.emu.crosscheck.report import CrosscheckReport, FieldDiff, Mismatch, Verdict
from harness.emu.crosscheck.runner import BATCH_SIZE, DEFAULT_CODE_START, crosscheck_code, run_crosscheck

__all__ = [
    "APT_PACKAGE",
    "BATCH_SIZE",
    "CORE_ENV",
    "CrosscheckReport",
    "DEFAULT_CODE_START",
    "FieldDiff",
    "Mismatch",
    "Verdict",
    "crosscheck_code",
    "find_core",
    "run_crosscheck",
]
