"""Assemblies per second: sandboxed single mode, sandboxed batch mode, and bare ASAR as the peer.

Usage: python benchmarks/asar_speed.py [--n 200] [--workers 2]
The peer is ASAR run directly by subprocess in a temp dir with no sandbox and one run per source;
our single mode runs ASAR twice per source (the second run finds the written ranges) plus Landlock
and rlimits, so the ratio shows what the guarantees cost.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from harness.asar import assemble, assemble_many, find_asar

# Both sides run ASAR every time: the content-addressed result cache (harness/asar/cache.py) would
# time a dictionary lookup, not an assembly.
os.environ.setdefault("ASM65816_NO_ASAR_CACHE", "1")

TEMPLATES = (
    "Damage{i}:\n  LDA $0E50,X\n  SEC\n  SBC #${v:02X}\n  STA $0E50,X\n  BCS .alive\n  STZ $0DD0,X\n.alive\n  RTS\n",
    "Add16_{i}:\n  REP #$20\n  LDA $10\n  CLC\n  ADC #${w:04X}\n  STA $10\n  SEP #$20\n  RTS\n",
    "Loop{i}:\n  LDX #$0F\n.next\n  LDA $0DD0,X\n  BEQ .skip\n  DEC $0DF0,X\n.skip\n  DEX\n  BPL .next\n  RTL\n",
    "Mul{i}:\n  LDA #${v:02X}\n  STA $4202\n  LDA $10\n  STA $4203\n  NOP\n  NOP\n  NOP\n  NOP\n  LDA $4216\n  RTS\n",
)


def routines(count: int) -> list[str]:
    return [
        TEMPLATES[i % len(TEMPLATES)].format(i=i, v=(i * 7) & 0xFF, w=(i * 263) & 0xFFFF)
        for i in range(count)
    ]


def bare_asar(sources: list[str]) -> float:
    binary = str(find_asar().path)
    started = time.perf_counter()
    for source in sources:
        with tempfile.TemporaryDirectory() as scratch:
            Path(scratch, "in.asm").write_text("lorom\norg $008000\n" + source)
            subprocess.run(
                [binary, "--fix-checksum=off", "in.asm", "out.sfc"], cwd=scratch, capture_output=True
            )
    return time.perf_counter() - started


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    results = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    if isinstance(results, list):
        assert all(result.ok for result in results)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sources = routines(args.n)
    find_asar()
    peer = bare_asar(sources)
    single = timed(lambda: [assemble(source) for source in sources])
    batch = timed(assemble_many, sources, workers=args.workers)
    print(f"routines: {args.n}")
    print(f"bare ASAR (peer, no sandbox, 1 run/source): {args.n / peer:8.1f} assemblies/s")
    print(f"sandboxed single mode (2 runs/source):      {args.n / single:8.1f} assemblies/s")
    print(f"sandboxed batch mode, {args.workers} workers:            {args.n / batch:8.1f} assemblies/s")
    print(f"single_vs_bare={peer / single:.2f} batch_vs_single={single / batch:.2f}")


if __name__ == "__main__":
    main()
