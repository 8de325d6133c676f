"""The 65816 CPU: a thin object around the generated handler closure (see codegen.py).

`Cpu(bus)` binds the bus's read/write/idle once; `state` gets/sets registers as a `CpuState`;
`run(max_cycles, max_instructions, stop)` executes whole instructions. STP/WAI (and BRK/COP when
`trap_interrupts` is on) end a run with `Halted`, which carries the kind and the cycles used.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.emu import alu
from harness.emu import blocks as fast_tiers
from harness.emu.blocks import BlockCompiler
from harness.emu.bus import Bus, MemoryKind
from harness.emu.codegen import compiled_factory, make_binder
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
    """A 65816 bound to one bus. Not thread-safe; cheap to create (handlers are compiled once).

    On a bus with a `memory_kind` (`FlatBus`, `SnesBus`) straight-line code runs without a bus call
    per cycle, with the same results, cycles and clocks (`blocks.py`): on the SNES bus as threads of
    per-opcode direct handlers from its second run and as a compiled block after `block_threshold`
    runs; on the flat bus as a compiled block once the handlers reached it `block_threshold` times
    (default: `blocks.BLOCK_THRESHOLDS`). `blocks=False`, or any other bus, keeps exactly one bus call
    per cycle."""

    def __init__(
        self,
        bus: Bus,
        *,
        trap_interrupts: bool = False,
        blocks: bool = True,
        block_threshold: int | None = None,
    ) -> None:
        build = compiled_factory()
        self.bus = bus
        core = build(bus.read, bus.write, bus.idle, alu.adc8, alu.adc16, alu.sbc8, alu.sbc16, Halted)
        self._run, self._get, self._put, set_trap, run_blocks, configure, self._forget, cells, set_binder = (
            core
        )
        set_binder(make_binder(cells))
        set_trap(trap_interrupts)
        kind = getattr(bus, "memory_kind", None) if blocks else None
        self._compiler: BlockCompiler | None = None
        if isinstance(kind, MemoryKind):
            memory = bus.mem if kind is MemoryKind.PAGED else bus.ram  # type: ignore[attr-defined]
            default = fast_tiers.BLOCK_THRESHOLDS[kind]
            threshold = max(1, default if block_threshold is None else block_threshold)
            self._compiler = BlockCompiler(kind, bus, cells, threshold)
            configure(
                memory,
                bus,
                kind is MemoryKind.PAGED,
                self._compiler,
                self._compiler.thread,
                threshold,
                max(1, fast_tiers.THREAD_AT),
            )
            self._run = run_blocks

    @property
    def blocks_compiled(self) -> int:
        """Blocks compiled since creation or `forget_blocks` (0 on the per-cycle path)."""
        return self._compiler.total if self._compiler is not None else 0

    @property
    def threads_made(self) -> int:
        """Threads of direct handlers made (paged bus) since creation or `forget_blocks`."""
        return self._compiler.threads if self._compiler is not None else 0

    def forget_blocks(self) -> None:
        """Drop compiled blocks and hotness counts (tests; the results never depend on them)."""
        self._forget()
        if self._compiler is not None:
            self._compiler.reset()

    @property
    def state(self) -> CpuState:
        a, x, y, s, d, dbr, pbr, pc, p, e = self._get()
        return CpuState(a=a, x=x, y=y, s=s, d=d, dbr=dbr, pbr=pbr, pc=pc, p=p, e=e)

    @state.setter
    def state(self, st: CpuState) -> None:
        self.enter(st, s=st.s, pbr=st.pbr, pc=st.pc)

    def enter(self, st: CpuState, *, s: int, pbr: int, pc: int) -> None:
        """Load `st` with S, PBR and PC replaced (a call's entry, without building another CpuState;
        the values must be in range: 16, 8 and 16 bits)."""
        x, y = st.x, st.y
        p = st.p | (0x30 if st.e else 0)
        if p & 0x10:
            x &= 0xFF
            y &= 0xFF
        self._put(st.a, x, y, s, st.d, st.dbr, pbr, pc, p, st.e)

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
