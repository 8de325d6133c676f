"""`Machine`: run one routine of an assembled SNES image from a given register state, like a call.

The machine pushes a sentinel return address (2 bytes for `jsr`, 3 for `jsl`) at `state.s`, jumps to
`entry` and stops when the routine returns there, or on STP/WAI, BRK/COP (when their vector in the
image is unset: $0000 or $FFFF), the cycle budget, or an access the SNES model does not support.
Resource bounds: `max_cycles` bounds the work (100,000 CPU cycles by default take ~0.05 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.emu.cpu import Cpu, RunOutcome
from harness.emu.disasm import format_instruction
from harness.emu.opcodes import OPCODES, operand_length
from harness.emu.snes import BusFault, Mapper, SnesBus
from harness.emu.state import CpuState, RunResult, StopReason, TraceStep
from harness.errors import HarnessError

__all__ = ["Machine", "SENTINEL_PC"]

SENTINEL_PC = 0xFFFF  # return lands on PBR:$FFFF (jsr) or $FF:FFFF (jsl); routines never run there
_SENTINEL_BANK_LONG = 0xFF
_VECTORS = {("BRK", 0): 0xFFE6, ("COP", 0): 0xFFE4, ("BRK", 1): 0xFFFE, ("COP", 1): 0xFFF4}


class Machine:
    """An SNES (CPU + bus) holding one ROM image; `run` can be called many times (state is reset)."""

    def __init__(self, rom: bytes, mapper: str | Mapper = "lorom") -> None:
        self.mapper = Mapper.parse(mapper)
        self.bus = SnesBus(bytes(rom), self.mapper)
        self.cpu = Cpu(self.bus, trap_interrupts=True)

    @classmethod
    def from_rom(cls, rom: bytes, mapper: str | Mapper = "lorom") -> Machine:
        return cls(rom, mapper)

    @classmethod
    def from_assembly(cls, res: Any) -> Machine:
        """From a `harness.asar.AssembleResult` (uses `.rom` and `.mapper`); refuses failed builds."""
        if not getattr(res, "ok", False):
            raise HarnessError("cannot build a Machine from a failed assembly (res.ok is False)")
        return cls(res.rom, getattr(res, "mapper", "lorom"))

    def peek(self, address: int) -> int:
        """Memory after the last run, without side effects."""
        try:
            return self.bus.peek(address)
        except BusFault as fault:
            raise HarnessError(f"peek: {fault.detail}") from None

    def run(
        self,
        entry: int,
        state: CpuState,
        *,
        wram: bytes | None = None,
        memory: Mapping[int, int] | None = None,
        call: str = "jsr",
        max_cycles: int = 100_000,
        trace: bool = False,
    ) -> RunResult:
        """Call the routine at 24-bit `entry` with registers `state` (its pbr/pc are replaced)."""
        if call not in ("jsr", "jsl"):
            raise HarnessError(f"call={call!r} is not supported; use 'jsr' or 'jsl'")
        if not 0 <= entry <= 0xFFFFFF:
            raise HarnessError(f"entry={entry!r} must be a 24-bit address")
        bus = self.bus
        bus.reset(wram)
        for address, value in (memory or {}).items():
            bus.poke(address, value)
        start, stop = self._push_sentinel(entry, state, call)
        self.cpu.state = start
        steps: list[TraceStep] | None = [] if trace else None
        reason, detail, instructions = self._execute(stop, max_cycles, steps)
        return RunResult(
            stop=reason,
            detail=detail,
            state=self.cpu.state,
            cycles=bus.cycle,
            master_clocks=bus.clocks,
            instructions=instructions,
            writes=dict(bus.writes),
            io_writes=tuple(bus.io_log),
            trace=tuple(steps) if steps is not None else None,
        )

    def _push_sentinel(self, entry: int, state: CpuState, call: str) -> tuple[CpuState, int]:
        """Write the return address on the stack (not logged as a write); returns (start state, stop)."""
        bank = entry >> 16
        s = (0x100 | (state.s & 0xFF)) if state.e else state.s
        if call == "jsr":
            ret_bank = bank
            data = [(SENTINEL_PC - 1) >> 8, (SENTINEL_PC - 1) & 0xFF]
        else:
            ret_bank = _SENTINEL_BANK_LONG
            data = [ret_bank, (SENTINEL_PC - 1) >> 8, (SENTINEL_PC - 1) & 0xFF]
        for value in data:
            self.bus.poke(s, value)
            if state.e and call == "jsr":
                s = 0x100 | ((s - 1) & 0xFF)
            else:
                s = (s - 1) & 0xFFFF
        if state.e:
            s = 0x100 | (s & 0xFF)
        start = state.replace(s=s, pbr=bank, pc=entry & 0xFFFF)
        return start, (ret_bank << 16) | SENTINEL_PC

    def _execute(
        self, stop: int, max_cycles: int, steps: list[TraceStep] | None
    ) -> tuple[StopReason, str, int]:
        cpu, bus = self.cpu, self.bus
        instructions = 0
        while True:
            remaining = max_cycles - bus.cycle
            if remaining <= 0:
                return StopReason.BUDGET, f"cycle budget {max_cycles} exhausted", instructions
            try:
                if steps is None:
                    outcome = cpu.run(max_cycles=remaining, stop=stop)
                else:
                    outcome = self._step_traced(stop, steps)
            except BusFault as fault:
                return StopReason.UNSUPPORTED, fault.detail, instructions
            instructions += outcome.instructions
            kind = outcome.reason
            if kind == "RETURNED":
                return StopReason.RETURNED, "returned to the caller", instructions
            if kind == "BUDGET":
                return StopReason.BUDGET, f"cycle budget {max_cycles} exhausted", instructions
            if kind in ("STP", "WAI"):
                return StopReason[kind], f"{kind} executed", instructions
            if kind in ("BRK", "COP"):
                vector = self._vector(kind, cpu.state.e)
                if vector in (0x0000, 0xFFFF):
                    return StopReason[kind], f"{kind} with no vector set", instructions
            # "LIMIT" (one traced step) or a BRK/COP with a vector: keep going

    def _vector(self, kind: str, e: int) -> int:
        address = _VECTORS[(kind, e)]
        try:
            return self.bus.peek(address) | (self.bus.peek(address + 1) << 8)
        except BusFault:
            return 0

    def _step_traced(self, stop: int, steps: list[TraceStep]) -> RunOutcome:
        cpu, bus = self.cpu, self.bus
        before = cpu.state
        pc24 = (before.pbr << 16) | before.pc
        if pc24 == stop:
            return cpu.run(max_instructions=1, stop=stop)
        code = self._instruction_bytes(before)
        cycles_before = bus.cycle
        outcome = cpu.run(max_instructions=1, stop=stop)
        op = OPCODES[code[0]] if code else None
        text = format_instruction(op, code[1:], pc24) if op and len(code) > 0 else "??"
        steps.append(
            TraceStep(
                pc=pc24,
                bytes=code,
                text=text,
                state_before=before,
                state_after=cpu.state,
                cycles=bus.cycle - cycles_before,
            )
        )
        return outcome

    def _instruction_bytes(self, st: CpuState) -> bytes:
        pc24 = (st.pbr << 16) | st.pc
        try:
            op = OPCODES[self.bus.peek(pc24)]
            m = 1 if st.e else (st.p >> 5) & 1
            x = 1 if st.e else (st.p >> 4) & 1
            length = 1 + operand_length(op, m=m, x=x)
            return bytes(self.bus.peek((st.pbr << 16) | ((st.pc + i) & 0xFFFF)) for i in range(length))
        except BusFault:
            return b""
