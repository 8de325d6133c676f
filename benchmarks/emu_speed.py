"""Speed of the 65816 core against py65's 6502 MPU, on a flat bus and on the SNES bus (issues 3, 17).

Flat section (issue 3): both run `A2 00 E8 B5 10 18 69 03 95 10 E0 F0 D0 F5 4C 00 02` at $0200 (LDX #0;
INX; then the loop LDA $10,X; CLC; ADC #3; STA $10,X; CPX #$F0; BNE back to the LDA) for 300,000
instructions per run. Ours runs in emulation mode on `FlatBus`, bus-cycle exact; py65 counts cycles
from a table and has no bus model.

SNES sections (issue 17; the verifier's real workload): routines called through `Machine.run` on the
SNES bus the way the verifier calls them: a fresh Machine per program (its creation timed), 64 calls
each, every call from a fresh 128 KiB WRAM with an H/V phase. Two routines, all 6502-compatible so
py65 runs the same bytes for the same number of instructions per call (with no setup: it has no SNES
model): a 16-slot
sprite-table loop (per slot: X plus scroll, Y minus scroll, tile, attributes ORed with priority, into
an OAM-like table in WRAM; 323 instructions) and a 7-instruction straight-line routine (A * 10), where
the per-call setup and result of `Machine.run` dominate.

Each section alternates its contenders `--runs` times and reports medians; ours runs on the default
path (threads and compiled blocks where the bus allows, see `harness/emu/blocks.py`) and on the
per-cycle path (`blocks=False`: one bus call per cycle, what the vectors check), side by side. The last
two lines are `snes_ratio_vs_py65=<ours / py65 instructions per second, sprite routine>` and
`ratio_vs_py65=<the same, flat>`. Numbers depend on the machine's load: report them with `nproc` and
the load average (printed first).

`--cpu-time` times with this process's CPU time instead of the wall clock, for a machine shared with
other work (both cores are timed the same way, so the ratios stay comparable).

Usage: python benchmarks/emu_speed.py [--instructions N] [--machines M] [--calls C] [--runs R] [--cpu-time]
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

PROGRAM = bytes.fromhex("A200E8B5101869039510E0F0D0F54C0002")
ORIGIN = 0x0200
SNES_HZ = 3_579_545  # NTSC CPU master clock 21.477 MHz / 6 (the fastest cycle)
_clock = time.perf_counter  # --cpu-time: time.process_time (this process's CPU time: load matters less)

SPRITE_ORIGIN = 0x8000  # $00:8000, LoROM offset 0
SPRITE_CODE = bytes.fromhex(
    "A200A000"  # LDX #$00; LDY #$00
    "BD0003"
    "18"
    "6510"
    "990004"  # .loop: LDA $0300,X; CLC; ADC $10; STA $0400,Y   (x + scroll x)
    "BD1003"
    "38"
    "E511"
    "990104"  # LDA $0310,X; SEC; SBC $11; STA $0401,Y         (y - scroll y)
    "BD2003"
    "990204"  # LDA $0320,X; STA $0402,Y                                    (tile)
    "BD3003"
    "0930"
    "990304"  # LDA $0330,X; ORA #$30; STA $0403,Y                  (attributes)
    "C8C8C8C8"
    "E8"
    "E010"  # INY x4; INX; CPX #$10
    "D0D7"
    "60"  # BNE .loop; RTS
)
SPRITE_INSTRUCTIONS = 2 + 16 * 20 + 1  # the two loads, 16 slots of 20, RTS


def run_py65(instructions: int) -> tuple[float, int]:
    """Seconds and 6502 cycles for `instructions` steps of py65's MPU."""
    from py65.devices.mpu6502 import MPU

    mpu = MPU()
    mpu.memory[ORIGIN : ORIGIN + len(PROGRAM)] = list(PROGRAM)
    mpu.pc = ORIGIN
    step = mpu.step
    started = _clock()
    for _ in range(instructions):
        step()
    return _clock() - started, mpu.processorCycles


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
    started = _clock()
    outcome = cpu.run(max_instructions=instructions)  # type: ignore[attr-defined]
    elapsed = _clock() - started
    if outcome.instructions != instructions:
        raise SystemExit(f"our core stopped early: {outcome}")
    return elapsed, outcome.cycles


def _sprite_wram() -> bytes:
    wram = bytearray(0x20000)
    for slot in range(0x40):  # x, y, tile, attributes of 16 slots at $0300-$033F
        wram[0x300 + slot] = (slot * 37 + 11) & 0xFF
    wram[0x10], wram[0x11] = 5, 3  # scroll x, scroll y
    return bytes(wram)


@dataclass(frozen=True)
class Routine:
    """A routine both cores run: 6502-compatible bytes at $00:8000 and its instructions per call."""

    name: str
    code: bytes
    instructions: int


ROUTINES = (
    Routine("sprite table (16-slot loop)", SPRITE_CODE, SPRITE_INSTRUCTIONS),
    # STA $00; ASL A; ASL A; CLC; ADC $00; ASL A; RTS: a short straight-line routine (A * 10)
    Routine("times10 (7 instructions)", bytes.fromhex("85000A0A1865000A60"), 7),
)


def run_py65_routine(routine: Routine, calls: int) -> tuple[float, int]:
    """Seconds and instructions for `calls` runs of a routine on py65 (same bytes, same low WRAM)."""
    from py65.devices.mpu6502 import MPU

    mpu = MPU()
    mpu.memory[SPRITE_ORIGIN : SPRITE_ORIGIN + len(routine.code)] = list(routine.code)
    mpu.memory[0:0x400] = list(_sprite_wram()[:0x400])
    step = mpu.step
    started = _clock()
    for _ in range(calls):
        mpu.pc = SPRITE_ORIGIN
        mpu.sp = 0xFD
        for _ in range(routine.instructions):
            step()
    return _clock() - started, calls * routine.instructions


def run_ours_routine(routine: Routine, machines: int, calls: int, blocks: bool = True) -> tuple[float, int]:
    """Seconds and instructions for `machines` fresh Machines (the verifier makes one per program; its
    creation is timed), each running the routine `calls` times through `Machine.run` on the SNES bus (a
    fresh 128 KiB WRAM and an H/V phase per call)."""
    from harness.emu import CpuState, Machine

    rom = bytearray(0x8000)
    rom[: len(routine.code)] = routine.code
    wram = _sprite_wram()
    state = CpuState(p=0x34, e=0, s=0x01FF)
    instructions = 0
    elapsed = 0.0
    for _ in range(machines):
        started = _clock()  # the verifier builds a Machine per program: its creation is timed too
        machine = Machine.from_rom(bytes(rom))
        if not blocks:
            machine.cpu = _cpu(machine.bus, blocks, trap_interrupts=True)  # type: ignore[assignment]
        for call in range(calls):
            result = machine.run(
                SPRITE_ORIGIN, state, wram=wram, hv_phase=(call * 1234) & ~1, max_cycles=100_000
            )
            if result.instructions != routine.instructions or result.stop.name != "RETURNED":
                raise SystemExit(f"{routine.name} did not return as expected: {result.stop} {result.detail}")
            instructions += result.instructions
        elapsed += _clock() - started
    return elapsed, instructions


def _section(
    title: str, contenders: dict[str, Callable[[], tuple[float, int]]], runs: int
) -> dict[str, float]:
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
        print(
            f"{name:18s}: {ips[name]:>12,.0f} per second  "
            f"(median of {runs} runs, {seconds * 1000:.1f} ms each)"
        )
    return ips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructions", type=int, default=300_000)
    parser.add_argument("--machines", type=int, default=5, help="fresh Machines per SNES run")
    parser.add_argument(
        "--calls", type=int, default=64, help="Machine.run calls per Machine (the verifier: 64)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cpu-time", action="store_true", help="time with process CPU time (a busy machine)")
    args = parser.parse_args()
    global _clock
    if args.cpu_time:
        _clock = time.process_time
    print(
        f"nproc={os.cpu_count()} load average={' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"timing={'process CPU time' if args.cpu_time else 'wall clock'}"
    )
    run_ours(1000)  # compile the generated core and the direct handlers once, outside the timing
    for routine in ROUTINES:
        run_ours_routine(routine, 1, 2)
    n = args.instructions
    flat = _section(
        f"flat bus, {n:,} instructions per run (instructions/s)",
        {
            "py65": lambda: run_py65(n),
            "ours": lambda: run_ours(n),
            "ours per-cycle": lambda: run_ours(n, blocks=False),
        },
        args.runs,
    )
    speed = flat["ours"] * run_ours(1000)[1] / 1000
    print(
        f"ours : {speed / SNES_HZ:.2f}x the real SNES CPU ({speed / 1e6:.2f} M emulated cycles per "
        "second vs 3.58 MHz)"
    )
    ratios = []
    for routine in ROUTINES:
        calls = args.machines * args.calls
        snes = _section(
            f"SNES bus, {routine.name}: {args.machines} Machines x {args.calls} Machine.run calls per run "
            "(instructions/s)",
            {
                "py65": lambda r=routine, c=calls: run_py65_routine(r, c),
                "ours Machine.run": lambda r=routine: run_ours_routine(r, args.machines, args.calls),
                "ours per-cycle": lambda r=routine: run_ours_routine(
                    r, args.machines, args.calls, blocks=False
                ),
            },
            args.runs,
        )
        ratios.append(snes["ours Machine.run"] / snes["py65"])
        per_cycle = snes["ours per-cycle"] / snes["py65"]
        print(f"{routine.name}: ours {ratios[-1]:.3f}x py65 (per-cycle path {per_cycle:.3f}x)")
    print(f"flat bus per-cycle path: {flat['ours per-cycle'] / flat['py65']:.3f}x py65")
    print(f"snes_ratio_vs_py65={ratios[0]:.3f}")
    print(f"ratio_vs_py65={flat['ours'] / flat['py65']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
