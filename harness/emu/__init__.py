"""emu concern: a bus-cycle-exact 65816 core, the SNES bus for running routines, and self-tests.

Public contract (see notes/common.md): `Machine`, `CpuState`, `RunResult`, `StopReason`, `IoWrite`,
`TraceStep`, `disassemble`. The CPU core is generated from the opcode table (`opcodes.py`,
`codegen.py`) and talks to a `Bus` one call per bus cycle (`bus.py`); `snes.py` is the SNES map;
`vectors.py` runs SingleStepTests vectors; `gilyon.py` runs the hardware-verified gilyon cases.
"""

from __future__ import annotations

from harness.emu.bus import Bus, FlatBus, RecordingBus
from harness.emu.cpu import Cpu
from harness.emu.disasm import disassemble
from harness.emu.machine import Machine
from harness.emu.snes import BusFault, Mapper, SnesBus
from harness.emu.state import CpuState, IoWrite, RunResult, StopReason, TraceStep

__all__ = [
    "Bus",
    "BusFault",
    "Cpu",
    "CpuState",
    "FlatBus",
    "IoWrite",
    "Machine",
    "Mapper",
    "RecordingBus",
    "RunResult",
    "SnesBus",
    "StopReason",
    "TraceStep",
    "disassemble",
]
