"""Result and state types of the emulator: frozen dataclasses and closed enums (the public contract)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CpuState", "StopReason", "IoWrite", "TraceStep", "RunResult", "FLAG_BITS"]

FLAG_BITS: Mapping[str, int] = {
    "N": 0x80,
    "V": 0x40,
    "M": 0x20,
    "X": 0x10,
    "D": 0x08,
    "I": 0x04,
    "Z": 0x02,
    "C": 0x01,
    "B": 0x10,
}


@dataclass(frozen=True)
class CpuState:
    """65816 registers. `a` is the full 16-bit C (B:A); `p` the 8-bit status byte; `e` the emulation bit."""

    a: int = 0
    x: int = 0
    y: int = 0
    s: int = 0x01FF
    d: int = 0
    dbr: int = 0
    pbr: int = 0
    pc: int = 0
    p: int = 0x34
    e: int = 0

    def __post_init__(self) -> None:
        limits = {
            "a": 0xFFFF,
            "x": 0xFFFF,
            "y": 0xFFFF,
            "s": 0xFFFF,
            "d": 0xFFFF,
            "dbr": 0xFF,
            "pbr": 0xFF,
            "pc": 0xFFFF,
            "p": 0xFF,
            "e": 1,
        }
        for name, limit in limits.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= limit:
                raise ValueError(f"CpuState.{name}={value!r} is out of range 0..{limit:#x}")

    def flag(self, name: str) -> int:
        """0/1 for a status flag by letter (N V M X D I Z C, B = X in emulation) or E."""
        key = name.upper()
        if key == "E":
            return self.e
        if key not in FLAG_BITS:
            raise KeyError(f"unknown flag {name!r}; use one of N V M X D I Z C B E")
        return 1 if self.p & FLAG_BITS[key] else 0

    def replace(self, **changes: int) -> CpuState:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (
            f"A={self.a:04X} X={self.x:04X} Y={self.y:04X} S={self.s:04X} D={self.d:04X} "
            f"DBR={self.dbr:02X} PB:PC={self.pbr:02X}:{self.pc:04X} P={self.p:02X} E={self.e}"
        )


class StopReason(enum.Enum):
    """Why a run ended. Closed: anything else is a bug."""

    RETURNED = "returned"  # the routine returned to the sentinel address
    BRK = "brk"
    COP = "cop"
    STP = "stp"
    WAI = "wai"
    BUDGET = "budget"  # max_cycles reached
    UNSUPPORTED = "unsupported"  # DMA, unmapped read, ... (see detail)
    LIMIT = "limit"  # max_instructions reached (single-stepping)


@dataclass(frozen=True)
class IoWrite:
    """One write to an I/O register ($21xx, $42xx, $43xx), in program order; `cycle` = CPU cycle index."""

    address: int
    value: int
    cycle: int


@dataclass(frozen=True)
class TraceStep:
    """One executed instruction: where, its bytes, disassembly, registers around it and its cycles."""

    pc: int  # 24-bit address of the opcode
    bytes: bytes
    text: str
    state_before: CpuState
    state_after: CpuState
    cycles: int


@dataclass(frozen=True)
class RunResult:
    """Outcome of `Machine.run`: final state, costs, memory effects and the stop reason."""

    stop: StopReason
    detail: str
    state: CpuState
    cycles: int
    master_clocks: int
    instructions: int
    writes: Mapping[int, tuple[int, int]]
    io_writes: tuple[IoWrite, ...]
    trace: tuple[TraceStep, ...] | None = None

    @property
    def ok(self) -> bool:
        return self.stop is StopReason.RETURNED
