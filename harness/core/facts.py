"""Facts about the 65816 and the SNES that several stages use, written once.

The status-register bits, the interrupt vectors, the emulator's stop reasons and the reference
routine's cycle ceiling. (Register-level and memory-map facts of the SNES model live with the
emulator in `harness.emu`; RAM names live in the harness headers, `harness/asar/headers`.)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["INTERRUPT_VECTORS", "REFERENCE_MAX_CYCLES", "STATUS_FLAGS", "StopReason"]

# Bit of each flag in P, under the names specs use (`flag:m`, `flag:x`; e is not in P).
STATUS_FLAGS: Mapping[str, int] = MappingProxyType(
    {"N": 0x80, "V": 0x40, "m": 0x20, "x": 0x10, "D": 0x08, "I": 0x04, "Z": 0x02, "C": 0x01}
)
# Where BRK and COP fetch their handler: (instruction, emulation bit) -> vector address in bank $00.
INTERRUPT_VECTORS: Mapping[tuple[str, int], int] = MappingProxyType(
    {("BRK", 0): 0xFFE6, ("COP", 0): 0xFFE4, ("BRK", 1): 0xFFFE, ("COP", 1): 0xFFF4}
)
# A reference routine that does not return within this many CPU cycles is a broken task.
REFERENCE_MAX_CYCLES = 200_000


class StopReason(enum.Enum):
    """Why an emulator run ended. Closed: anything else is a bug."""

    RETURNED = "returned"  # PC reached the caller's address (see RunResult.returned_by for how)
    BRK = "brk"
    COP = "cop"
    STP = "stp"
    WAI = "wai"
    BUDGET = "budget"  # max_cycles reached
    UNSUPPORTED = "unsupported"  # HDMA, an unmapped read, ... (see detail)
    LIMIT = "limit"  # max_instructions reached (single-stepping)
