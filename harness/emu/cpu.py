"""The 65816 CPU: a thin object around the generated handler closure (see codegen.py).

`Cpu(bus)` binds the bus's read/write/idle once; `state` gets/sets registers as a `CpuState`;
`run(max_cycles, max_instructions, stop)` executes whole instructions. STP/WAI (and BRK/COP when
`trap_interrupts` is on) end a run with `Halted`, which carries the kind and the cycles used.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.emu import alu
from harness.emu.bus import Bus
from harness.emu.codegen import compiled_factory
from harness.emu.state import CpuState

__all__ = ["Cpu", "Halted", "RunOutcome"]


class Halted(Exception):
    """Raised out of the run loop by STP, WAI or a trapped BRK/COP after the instruction completes."""

    def __init__(self, kind: str, cycles: int) -> None:
        super().__init__(kind)
        self.kind = kind
        self.cycles = cycles
        self.instructions = 0
        self.opcode = -1


@dataclass(frozen=True)
class RunOutcome:
    """What `Cpu.run` did: reason in {"RETURNED", "BUDGET", "LIMIT", "STP", "WAI", "BRK", "COP"}, and
    the opcode of the last instruction it executed (-1 when it executed none)."""

    reason: str
    cycles: int
    instructions: int
    last_opcode: int = -1


class Cpu:
    """A 65816 bound to one bus. Not thread-safe; cheap to create (handlers are compiled once)."""

    def __init__(self, bus: Bus, *, trap_interrupts: bool = False) -> None:
        build = compiled_factory()
        self.bus = bus
        self._run, self._get, self._put, set_trap = build(
            bus.read, bus.write, bus.idle, alu.adc8, alu.adc16, alu.sbc8, alu.sbc16, Halted
        )
        set_trap(trap_interrupts)

    @property
    def state(self) -> CpuState:
        a, x, y, s, d, dbr, pbr, pc, p, e = self._get()
        return CpuState(a=a, x=x, y=y, s=s, d=d, dbr=dbr, pbr=pbr, pc=pc, p=p, e=e)

    @state.setter
    def state(self, st: CpuState) -> None:
        x, y = st.x, st.y
        p = st.p | (0x30 if st.e else 0)
        if p & 0x10:
            x &= 0xFF
            y &= 0xFF
        self._put(st.a, x, y, st.s, st.d, st.dbr, st.pbr, st.pc, p, st.e)

    def run(self, max_cycles: int = 1 << 62, max_instructions: int = 1 << 40, stop: int = -1) -> RunOutcome:
        """Run whole instructions until a budget, the 24-bit `stop` address, or a halt."""
        try:
            reason, cycles, n, opcode = self._run(max_cycles, max_instructions, stop)
        except Halted as halt:
            return RunOutcome(halt.kind, halt.cycles, halt.instructions, halt.opcode)
        return RunOutcome(reason, cycles, n, opcode)

    def step(self) -> RunOutcome:
        """Execute exactly one instruction (one MVN/MVP byte)."""
        return self.run(max_instructions=1)
