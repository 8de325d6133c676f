"""Speed of the 65816 core against py65's 6502 MPU on the same 6502 program (issue 3).

Both run `A2 00 E8 B5 10 18 69 03 95 10 E0 F0 D0 F5 4C 00 02` at $0200 (LDX #0; INX; LDA $10,X;
CLC; ADC #3; STA $10,X; CPX #$F0; BNE; JMP $0200) for 300,000 instructions per run, alternating
py65 and ours, 5 runs each; the median run of each is reported. Ours runs in emulation mode on a flat
16 MiB bus with one Python-level call per bus cycle (reads, writes and internal cycles), i.e. with
full bus-cycle accuracy; py65 counts cycles from a table and has no bus model. The last line is
`ratio_vs_py65=<ours / py65 instructions per second>`.

Usage: python benchmarks/emu_speed.py [--instructions N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import time

PROGRAM = bytes.fromhex("A200E8B5101869039510E0F0D0F54C0002")
ORIGIN = 0x0200
SNES_HZ = 3_579_545  # NTSC CPU master clock 21.477 MHz / 6 (the fastest cycle)


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


def run_ours(instructions: int) -> tuple[float, int]:
    """Seconds and 65816 CPU cycles (= bus cycles) for `instructions` in emulation mode."""
    from harness.emu import Cpu, CpuState, FlatBus

    bus = FlatBus()
    bus.load(ORIGIN, PROGRAM)
    cpu = Cpu(bus)
    cpu.state = CpuState(pc=ORIGIN, e=1, p=0x34, s=0x01FF)
    started = time.perf_counter()
    outcome = cpu.run(max_instructions=instructions)
    elapsed = time.perf_counter() - started
    if outcome.instructions != instructions:
        raise SystemExit(f"our core stopped early: {outcome}")
    return elapsed, outcome.cycles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructions", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run_ours(1000)  # compile the generated core once, outside the timing
    results: dict[str, list[tuple[float, int]]] = {"py65": [], "ours": []}
    for _ in range(args.runs):
        results["py65"].append(run_py65(args.instructions))
        results["ours"].append(run_ours(args.instructions))
    ips: dict[str, float] = {}
    for name, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        cycles = runs[0][1]
        ips[name] = args.instructions / seconds
        print(f"{name:5s}: {ips[name]:>12,.0f} instructions/s  {cycles / seconds:>12,.0f} cycles/s  "
              f"(median of {args.runs} runs, {args.instructions:,} instructions, {cycles:,} cycles)")
    ours_seconds = statistics.median(r[0] for r in results["ours"])
    ours_cycles = results["ours"][0][1]
    speed = ours_cycles / ours_seconds
    print(f"ours : {speed / SNES_HZ:.2f}x the real SNES CPU ({speed / 1e6:.2f} M emulated cycles per wall second "
          f"vs 3.58 MHz)")
    print(f"ratio_vs_py65={ips['ours'] / ips['py65']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
