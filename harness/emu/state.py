"""Result and state types of the emulator: frozen dataclasses and closed enums (the public contract)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.facts import STATUS_FLAGS, StopReason

__all__ = ["CpuState", "StopReason", "IoWrite", "IoKind", "IoAccess", "TraceStep", "RunResult", "FLAG_BITS"]

# `CpuState.flag` letters: the status bits by upper-case name, and B (the x bit in emulation mode).
FLAG_BITS: Mapping[str, int] = {**{name.upper(): bit for name, bit in STATUS_FLAGS.items()}, "B": 0x10}


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
        # The common case (every field a plain int in range) in one expression: a CpuState is built
        # twice per run, so the per-field loop below runs only to name what is wrong.
        a, x, y, s, d, dbr, pbr, pc, p, e = (
            self.a, self.x, self.y, self.s, self.d, self.dbr, self.pbr, self.pc, self.p, self.e
        )  # fmt: skip
        if (
            int is type(a) is type(x) is type(y) is type(s) is type(d)
            and int is type(dbr) is type(pbr) is type(pc) is type(p) is type(e)
            and 0 <= a <= 0xFFFF
            and 0 <= x <= 0xFFFF
            and 0 <= y <= 0xFFFF
            and 0 <= s <= 0xFFFF
            and 0 <= d <= 0xFFFF
            and 0 <= pc <= 0xFFFF
            and 0 <= dbr <= 0xFF
            and 0 <= pbr <= 0xFF
            and 0 <= p <= 0xFF
            and 0 <= e <= 1
        ):
            return
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

    @classmethod
    def entering(cls, registers: Any, entry: int) -> CpuState:
        """The state at a routine's entry: A X Y S D DBR P E from `registers` (any object with those
        attributes in lower case, e.g. a verifier's input state) and PBR:PC = the 24-bit `entry`."""
        r = registers
        return cls(r.a, r.x, r.y, r.s, r.d, r.dbr, entry >> 16, entry & 0xFFFF, r.p, r.e)

    def replace(self, **changes: int) -> CpuState:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return (
            f"A={self.a:04X} X={self.x:04X} Y={self.y:04X} S={self.s:04X} D={self.d:04X} "
            f"DBR={self.dbr:02X} PB:PC={self.pbr:02X}:{self.pc:04X} P={self.p:02X} E={self.e}"
        )


@dataclass(frozen=True)
class IoWrite:
    """One write to an I/O register ($21xx, $42xx, $43xx, $4016), in program order; `cycle` = CPU cycle index.

    DMA writes to the B bus ($21xx) are included, with the index of the CPU cycle the DMA stalled.
    """

    address: int
    value: int
    cycle: int


class IoKind(enum.Enum):
    """Whether a logged I/O access was a read or a write. Closed."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class IoAccess:
    """One logged I/O access: every write (as in `io_writes`) and every read that changes hardware state.

    Logged reads: $4210 (acknowledges the NMI flag), $4211 (acknowledges the IRQ flag), $2137 (latches
    the H/V counters), $2138-$213B (advance the OAM/VRAM/CGRAM address or flip-flop), $213C/$213D
    (flip-flops), $213F (resets them), $2180 (advances the WRAM port). `dma` marks B-bus accesses made
    by a DMA; `cycle` is then the CPU cycle the DMA stalled.
    """

    kind: IoKind
    address: int
    value: int
    cycle: int
    dma: bool = False


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
    io_log: tuple[IoAccess, ...] = ()
    # mnemonic of the instruction that moved PC onto the caller address (None if it was not reached)
    returned_by: str | None = None
    # hardware state after the routine (names in harness/emu/README.md "Observable hardware state")
    hardware: Mapping[str, int] = field(default_factory=dict)
    # "vram" / "cgram" / "oam" -> byte address -> (value before the first write, last value written)
    space_writes: Mapping[str, Mapping[int, tuple[int, int]]] = field(default_factory=dict)
    dma_clocks: int = 0  # master clocks the CPU spent stalled by DMA (included in master_clocks)
    dma_bytes: int = 0  # bytes DMA moved (they count against max_cycles like CPU cycles)

    @property
    def ok(self) -> bool:
        return self.stop is StopReason.RETURNED

    @property
    def io_reads(self) -> tuple[IoAccess, ...]:
        """The logged reads with side effects (acknowledges, latches, port increments), in order."""
        return tuple(access for access in self.io_log if access.kind is IoKind.READ)
