"""`Machine`: run one routine of an assembled SNES image from a given register state, like a call.

The machine pushes a return address (2 bytes for `jsr`, 3 for `jsl`) at `state.s`, jumps to `entry`
and stops when PC reaches the caller's next instruction (by any means; `RunResult.returned_by` says
which instruction got there), or on STP/WAI, BRK/COP (when their vector in the image is unset: $0000
or $FFFF), the cycle budget, or an access the SNES model does not support. By default the caller is a
sentinel (PBR:$FFFF for `jsr`, $FF:FFFF for `jsl`); `caller=` puts a real one there, so a routine
cannot tell the harness by its return address.

Harness variation (issue 12, "a detectable harness"): `caller` varies the return address and bank,
`hv_phase` the H/V position at entry (the status reads then follow time); the initial VRAM, CGRAM
and OAM are inputs like WRAM. Resource bounds: `max_cycles` bounds the CPU cycles plus DMA bytes
(100,000 CPU cycles by default take ~0.05 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.core.facts import INTERRUPT_VECTORS
from harness.emu.cpu import Cpu, RunOutcome
from harness.emu.disasm import format_instruction
from harness.emu.faults import BudgetExhausted, BusFault
from harness.emu.opcodes import OPCODES, operand_length
from harness.emu.snes import Mapper, SnesBus
from harness.emu.state import CpuState, IoAccess, IoKind, IoWrite, RunResult, StopReason, TraceStep
from harness.errors import HarnessError

__all__ = ["Machine", "SENTINEL_PC"]

SENTINEL_PC = 0xFFFF  # return lands on PBR:$FFFF (jsr) or $FF:FFFF (jsl); routines never run there
_SENTINEL_BANK_LONG = 0xFF
_UNKNOWN_OPCODE = "?"  # returned_by when the last opcode came from an I/O register (not inspectable)


class Machine:
    """An SNES (CPU + bus) holding one ROM image; `run` can be called many times (state is reset)."""

    def __init__(
        self,
        rom: bytes,
        mapper: str | Mapper = "lorom",
        *,
        blocks: bool = True,
        block_threshold: int | None = None,
    ) -> None:
        """`blocks=False` keeps the CPU on one bus call per cycle, the reference the compiled blocks are
        tested against (results are the same either way, see `harness.emu.blocks`); `block_threshold`:
        how often code must be reached before it is compiled."""
        self.mapper = Mapper.parse(mapper)
        self.bus = SnesBus(bytes(rom), self.mapper)
        self.cpu = Cpu(self.bus, trap_interrupts=True, blocks=blocks, block_threshold=block_threshold)

    @classmethod
    def from_rom(
        cls,
        rom: bytes,
        mapper: str | Mapper = "lorom",
        *,
        blocks: bool = True,
        block_threshold: int | None = None,
    ) -> Machine:
        return cls(rom, mapper, blocks=blocks, block_threshold=block_threshold)

    @classmethod
    def from_assembly(cls, res: Any) -> Machine:
        """From a `harness.asar.AssembleResult` (uses `.rom` and `.mapper`); refuses failed builds."""
        if not getattr(res, "ok", False):
            errors = "; ".join(e.format() for e in getattr(res, "errors", ())[:3]) or "no ROM image"
            raise HarnessError(f"cannot run a failed assembly: fix the source first ({errors})")
        return cls(res.rom, getattr(res, "mapper", "lorom"))

    def peek(self, address: int) -> int:
        """Memory after the last run, without side effects."""
        try:
            return self.bus.peek(address)
        except BusFault as fault:
            raise HarnessError(f"peek: {fault.detail}") from None

    def peek_space(self, space: str, address: int) -> int:
        """A byte of "vram" (64 KiB), "cgram" (512 bytes) or "oam" (544 bytes) after the last run.

        Byte addresses: VRAM word w = bytes 2w/2w+1, CGRAM colour c = bytes 2c/2c+1, OAM 0-511 the low
        table and 512-543 the high table.
        """
        return self.bus.ppu.peek(space, address)

    def run(
        self,
        entry: int,
        state: CpuState,
        *,
        wram: bytes | memoryview | None = None,
        memory: Mapping[int, int] | None = None,
        call: str = "jsr",
        max_cycles: int = 100_000,
        trace: bool = False,
        caller: int | None = None,
        hv_phase: int | None = None,
        vram: bytes | memoryview | None = None,
        cgram: bytes | memoryview | None = None,
        oam: bytes | memoryview | None = None,
        dma_regs: bytes | None = None,
        ports: Mapping[str, int] | None = None,
    ) -> RunResult:
        """Call the routine at 24-bit `entry` with registers `state` (its pbr/pc are replaced).

        `caller`: 24-bit address of the caller's next instruction (`jsr`: in the entry's bank); the
        run stops when PC reaches it. `hv_phase`: even master-clock offset into an even NTSC field
        (0 <= phase < 714,732) that turns on H/V timing; None keeps the fixed status stubs.
        `vram`/`cgram`/`oam`: initial contents (65,536 / 512 / 544 bytes; default zeros).
        `dma_regs` ($4300-$437F) and `ports` (VMAIN, VMADD, CGADD, OAMADD): hardware state at entry
        other than power-on, as a previous routine leaves it (default: power-on values).
        """
        if call not in ("jsr", "jsl"):
            raise HarnessError(f"call={call!r} is not supported; use 'jsr' or 'jsl'")
        if isinstance(entry, bool) or not isinstance(entry, int) or not 0 <= entry <= 0xFFFFFF:
            raise HarnessError(f"entry={entry!r} must be a 24-bit address")
        if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) or max_cycles < 0:
            raise HarnessError(f"max_cycles={max_cycles!r} must be a non-negative int")
        stop, data = _return_address(entry, call, caller)
        pushed, (s, pbr, pc) = self._stack_layout(entry, state, call, data)
        bus = self.bus
        bus.reset(
            wram,
            hv_phase=hv_phase,
            vram=vram,
            cgram=cgram,
            oam=oam,
            budget=max_cycles,
            dma_regs=dma_regs,
            ports=ports,
        )
        for address, value in (memory or {}).items():
            bus.poke(address, value)
        for address, value in pushed:
            bus.poke(address, value)
        self.cpu.enter(state, s=s, pbr=pbr, pc=pc)
        steps: list[TraceStep] | None = [] if trace else None
        reason, detail, instructions, last_opcode = self._execute(stop, max_cycles, steps)
        reason, detail = self._settle(reason, detail)
        returned_by = None
        if reason is StopReason.RETURNED and last_opcode >= 0:
            returned_by = OPCODES[last_opcode].mnemonic
        return self._result(reason, detail, instructions, steps, returned_by)

    # -- setting up -------------------------------------------------------------------------------

    @staticmethod
    def _stack_layout(
        entry: int, state: CpuState, call: str, data: list[int]
    ) -> tuple[tuple[tuple[int, int], ...], tuple[int, int, int]]:
        """Where the return address goes (not logged as a write) and (S below it, PBR, PC) at entry."""
        s = (0x100 | (state.s & 0xFF)) if state.e else state.s
        pushed = []
        for value in data:
            pushed.append((s, value))
            if state.e and call == "jsr":
                s = 0x100 | ((s - 1) & 0xFF)
            else:
                s = (s - 1) & 0xFFFF
        if state.e:
            s = 0x100 | (s & 0xFF)
        return tuple(pushed), (s, entry >> 16, entry & 0xFFFF)

    # -- running ----------------------------------------------------------------------------------

    def _execute(
        self, stop: int, max_cycles: int, steps: list[TraceStep] | None, max_instructions: int | None = None
    ) -> tuple[StopReason, str, int, int]:
        """Run to a stop; returns (reason, detail, instructions, opcode of the last instruction or -1)."""
        cpu, bus = self.cpu, self.bus
        instructions = 0
        last = -1
        while True:
            remaining = max_cycles - bus.cycle
            if remaining <= 0:
                return StopReason.BUDGET, f"cycle budget {max_cycles} exhausted", instructions, last
            if max_instructions is not None and instructions >= max_instructions:
                return StopReason.LIMIT, f"instruction limit {max_instructions} reached", instructions, last
            try:
                if steps is None:
                    limit = (1 << 40) if max_instructions is None else max_instructions - instructions
                    outcome = cpu.run(max_cycles=remaining, max_instructions=limit, stop=stop)
                else:
                    outcome = self._step_traced(stop, steps)
            except BusFault as fault:
                done = instructions + getattr(fault, "instructions_done", 0)
                return StopReason.UNSUPPORTED, fault.detail, done, last
            except BudgetExhausted as exhausted:
                done = instructions + getattr(exhausted, "instructions_done", 0)
                return StopReason.BUDGET, exhausted.detail, done, last
            instructions += outcome.instructions
            if outcome.last_opcode >= 0:
                last = outcome.last_opcode
            kind = outcome.reason
            if kind == "RETURNED":
                return StopReason.RETURNED, "returned to the caller", instructions, last
            if kind == "BUDGET":
                return StopReason.BUDGET, f"cycle budget {max_cycles} exhausted", instructions, last
            if kind in ("STP", "WAI"):
                return StopReason[kind], f"{kind} executed", instructions, last
            if kind in ("BRK", "COP"):
                vector = self._vector(kind, cpu.state.e)
                if vector in (0x0000, 0xFFFF):
                    return StopReason[kind], f"{kind} with no vector set", instructions, last
            # "LIMIT" (one traced step, or the instruction limit) or a BRK/COP with a vector: keep going

    def _settle(self, reason: StopReason, detail: str) -> tuple[StopReason, str]:
        """Finish deferred hardware work (an armed DMA, a pending NMI); it can turn the stop unsupported."""
        if reason is StopReason.UNSUPPORTED:
            return reason, detail
        try:
            self.bus.finish()
        except BusFault as fault:
            return StopReason.UNSUPPORTED, fault.detail
        except BudgetExhausted as exhausted:
            return StopReason.BUDGET, exhausted.detail
        return reason, detail

    def _result(
        self,
        reason: StopReason,
        detail: str,
        instructions: int,
        steps: list[TraceStep] | None,
        returned_by: str | None,
    ) -> RunResult:
        bus = self.bus
        log = tuple(
            IoAccess(IoKind.WRITE if is_write else IoKind.READ, reg, value, cycle, by_dma)
            for is_write, reg, value, cycle, by_dma in bus.io_log
        )
        return RunResult(
            stop=reason,
            detail=detail,
            state=self.cpu.state,
            cycles=bus.cycle,
            master_clocks=bus.clocks,
            instructions=instructions,
            writes=dict(bus.writes),
            io_writes=tuple(IoWrite(a.address, a.value, a.cycle) for a in log if a.kind is IoKind.WRITE),
            trace=tuple(steps) if steps is not None else None,
            io_log=log,
            returned_by=returned_by,
            hardware=bus.hardware(),
            space_writes={name: dict(writes) for name, writes in bus.ppu.space_writes.items()},
            dma_clocks=bus.dma_clocks,
            dma_bytes=bus.dma_state.bytes,
        )

    def _vector(self, kind: str, e: int) -> int:
        address = INTERRUPT_VECTORS[(kind, e)]
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


def _return_address(entry: int, call: str, caller: int | None) -> tuple[int, list[int]]:
    """(stop address, bytes to push high first) for a call from `caller` (None: the sentinel)."""
    if caller is None:
        caller = (entry & 0xFF0000 if call == "jsr" else _SENTINEL_BANK_LONG << 16) | SENTINEL_PC
    else:
        if isinstance(caller, bool) or not isinstance(caller, int) or not 0 <= caller <= 0xFFFFFF:
            raise HarnessError(f"caller={caller!r} must be a 24-bit address (the caller's next instruction)")
        if caller == entry:
            raise HarnessError(
                f"caller=${caller:06X} equals entry: the run would stop before the first instruction; "
                "use the address after the caller's JSR/JSL"
            )
        if call == "jsr" and caller >> 16 != entry >> 16:
            raise HarnessError(
                f"caller=${caller:06X} is not in the entry's bank ${entry >> 16:02X}: JSR/RTS stay in one "
                f"bank; use a caller in bank ${entry >> 16:02X} or call='jsl'"
            )
    pushed = (caller - 1) & 0xFFFF
    data = [pushed >> 8, pushed & 0xFF]
    if call == "jsl":
        data.insert(0, caller >> 16)
    return caller, data
