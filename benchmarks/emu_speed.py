"""Speed of the 65816 core against py65's 6502 MPU, on a flat bus and on the SNES bus (issues 3, 17).

Flat section (issue 3): both run `A2 00 E8 B5 10 18 69 03 95 10 E0 F0 D0 F5 4C 00 02` at $0200 (LDX #0;
INX; then the loop LDA $10,X; CLC; ADC #3; STA $10,X; CPX #$F0; BNE back to the LDA) for 300,000
instructions per run. Ours runs in emulation mode on `FlatBus`, bus-cycle exact; py65 counts cycles
from a table and has no bus model.

SNES section (issue 17; the verifier's real workload): a 16-slot sprite-table routine (per slot: X
plus scroll, Y minus scroll, tile, attributes ORed with priority, into an OAM-like table in WRAM; 323
instructions, all 6502-compatible) called through `Machine.run` on the SNES bus, each call from a fresh
128 KiB WRAM with an H/V phase, as the verifier calls routines. py65 runs the same bytes for the same
number of instructions per call (no setup: it has no SNES model).

Each section alternates py65 and ours, `--runs` runs each, and reports the median; ours is measured on
the default path (compiled blocks where the bus allows) and on the per-cycle path (`blocks=False`: one
bus call per cycle, the path the vectors check), side by side. The last two lines are
`snes_ratio_vs_py65=<ours / py65 instructions per second>` and `ratio_vs_py65=<the same, flat>`.
Numbers depend on the machine's load: report them with `nproc` and the load average (printed first).

Usage: python benchmarks/emu_speed.py [--instructions N] [--calls C] [--runs R]
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import time
from collections.abc import Callable

PROGRAM = bytes.fromhex("A200E8B5101869039510E0F0D0F54C0002")
ORIGIN = 0x0200
SNES_HZ = 3_579_545  # NTSC CPU master clock 21.477 MHz / 6 (the fastest cycle)

SPRITE_ORIGIN = 0x8000  # $00:8000, LoROM offset 0
SPRITE_CODE = bytes.fromhex(
    "A200A000"  # LDX #$00; LDY #$00
    "BD0003" "18" "6510" "990004"  # .loop: LDA $0300,X; CLC; ADC $10; STA $0400,Y   (x + scroll x)
    "BD1003" "38" "E511" "990104"  # LDA $0310,X; SEC; SBC $11; STA $0401,Y         (y - scroll y)
    "BD2003" "990204"  # LDA $0320,X; STA $0402,Y                                    (tile)
    "BD3003" "0930" "990304"  # LDA $0330,X; ORA #$30; STA $0403,Y                  (attributes)
    "C8C8C8C8" "E8" "E010"  # INY x4; INX; CPX #$10
    "D0D7" "60"  # BNE .loop; RTS
)
SPRITE_INSTRUCTIONS = 2 + 16 * 20 + 1  # the two loads, 16 slots of 20, RTS


def run_py65(instructions: int) -> tuple[float, int]:
    """Seconds and 6502 cycles for `instructions` steps of py65's MPU."""
    from py65.devices.mpu6502 import MPU

    mpu = MPU()
    mpu.memory[ORIGIN:ORIGIN + len(PROGRAM)] = list(PROGRAM)
    mpu.pc = ORIGIN
    step = mpu.step
    started = time.perf_counter()
    for _ in range(instructions):
        step()
    return time.perf_counter() - started, mpu.processorCycles


def _cpu(bus: object, blocks: bool, trap_interrupts: bool = False) -> object:
    from harness.emu import Cpu

    if "blocks" in inspect.signature(Cpu).parameters:  # absent before compiled blocks (issue 17)
        return Cpu(bus, blocks=blocks, trap_interrupts=trap_interrupts)  # type: ignore[arg-type]
    return Cpu(bus, trap_interrupts=trap_interrupts)  # type: ignore[arg-type]


def run_ours(instructions: int, blocks: bool = True) -> tuple[float, int]:
    """Seconds and 65816 CPU cycles (= bus cycles) for `instructions` in emulation mode."""
    from harness.emu import CpuState, FlatBus

    bus = FlatBus()
    bus.load(ORIGIN, PROGRAM)
    cpu = _cpu(bus, blocks)
    cpu.state = CpuState(pc=ORIGIN, e=1, p=0x34, s=0x01FF)  # type: ignore[attr-defined]
    started = time.perf_counter()
    outcome = cpu.run(max_instructions=instructions)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    if outcome.instructions != instructions:
        raise SystemExit(f"our core stopped early: {outcome}")
    return elapsed, outcome.cycles


def _sprite_wram() -> bytes:
    wram = bytearray(0x20000)
    for slot in range(0x40):  # x, y, tile, attributes of 16 slots at $0300-$033F
        wram[0x300 + slot] = (slot * 37 + 11) & 0xFF
    wram[0x10], wram[0x11] = 5, 3  # scroll x, scroll y
    return bytes(wram)


def run_py65_sprites(calls: int) -> tuple[float, int]:
    """Seconds and instructions for `calls` runs of the sprite routine on py65 (same bytes)."""
    from py65.devices.mpu6502 import MPU

    mpu = MPU()
    code = SPRITE_CODE
    mpu.memory[SPRITE_ORIGIN:SPRITE_ORIGIN + len(code)] = list(code)
    mpu.memory[0:0x400] = list(_sprite_wram()[:0x400])
    step = mpu.step
    started = time.perf_counter()
    for _ in range(calls):
        mpu.pc = SPRITE_ORIGIN
        mpu.sp = 0xFD
        for _ in range(SPRITE_INSTRUCTIONS):
            step()
    return time.perf_counter() - started, calls * SPRITE_INSTRUCTIONS


def run_ours_sprites(calls: int, blocks: bool = True) -> tuple[float, int]:
    """Seconds and instructions for `calls` `Machine.run` calls of the sprite routine on the SNES bus."""
    from harness.emu import CpuState, Machine

    rom = bytearray(0x8000)
    code = SPRITE_CODE
    rom[:len(code)] = code
    machine = Machine.from_rom(bytes(rom))
    if not blocks:
        machine.cpu = _cpu(machine.bus, blocks, trap_interrupts=True)  # type: ignore[assignment]
    wram = _sprite_wram()
    state = CpuState(p=0x34, e=0, s=0x01FF)
    instructions = 0
    started = time.perf_counter()
    for call in range(calls):
        result = machine.run(SPRITE_ORIGIN, state, wram=wram, hv_phase=(call * 1234) & ~1, max_cycles=100_000)
        if result.instructions != SPRITE_INSTRUCTIONS or result.stop.name != "RETURNED":
            raise SystemExit(f"the sprite routine did not return as expected: {result.stop} {result.detail}")
        instructions += result.instructions
    return time.perf_counter() - started, instructions


def _median_ips(runs: list[tuple[float, int]]) -> float:
    seconds = statistics.median(r[0] for r in runs)
    return runs[0][1] / seconds if runs[0][1] else 0.0


def _section(title: str, contenders: dict[str, Callable[[], tuple[float, int]]], runs: int) -> dict[str, float]:
    """Alternate the contenders `runs` times; print and return instructions per second (medians)."""
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in contenders}
    for _ in range(runs):
        for name, contender in contenders.items():
            results[name].append(contender())
    print(f"-- {title}")
    ips = {}
    for name, timed in results.items():
        seconds = statistics.median(r[0] for r in timed)
        ips[name] = timed[0][1] / seconds
        print(f"{name:22s}: {ips[name]:>12,.0f} per second  (median of {runs} runs, {seconds * 1000:.1f} ms each)")
    return ips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructions", type=int, default=300_000)
    parser.add_argument("--calls", type=int, default=300, help="Machine.run calls per SNES run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"nproc={os.cpu_count()} load average={' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    run_ours(1000)  # compile the generated core and the blocks once, outside the timing
    run_ours_sprites(3)
    n, calls = args.instructions, args.calls

    flat = _section(f"flat bus, {n:,} instructions per run (instructions/s)", {
        "py65": lambda: run_py65(n),
        "ours": lambda: run_ours(n),
        "ours per-cycle": lambda: run_ours(n, blocks=False),
    }, args.runs)
    ours_seconds, ours_cycles = run_ours(n)
    speed = ours_cycles / ours_seconds
    print(f"ours : {speed / SNES_HZ:.2f}x the real SNES CPU ({speed / 1e6:.2f} M emulated cycles per wall second "
          f"vs 3.58 MHz)")

    snes = _section(f"SNES bus, sprite routine, {calls} Machine.run calls per run (instructions/s)", {
        "py65": lambda: run_py65_sprites(calls),
        "ours Machine.run": lambda: run_ours_sprites(calls),
        "ours per-cycle": lambda: run_ours_sprites(calls, blocks=False),
    }, args.runs)
    print(f"per-cycle path: flat {flat['ours per-cycle'] / flat['py65']:.3f}x py65, "
          f"SNES {snes['ours per-cycle'] / snes['py65']:.3f}x py65")
    print(f"snes_ratio_vs_py65={snes['ours Machine.run'] / snes['py65']:.3f}")
    print(f"ratio_vs_py65={flat['ours'] / flat['py65']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
