"""Wall time, CPU time and peak RSS of scoring one hostile (or normal) sample, per sample and worst.

Usage: python benchmarks/hostile.py [--workers 1 2] [--only NAME ...]

Each sample is assembled by `harness.asar.assemble` in its own Python process, reaped with
`os.wait4`, so CPU time is that process plus its ASAR children and peak RSS is the largest
process of that tree. `--workers N` runs N samples at once (the verdicts must not change with the
worker count; the table says whether they did). It prints numbers, it is not a timed test; the
last line says whether any sample went above 10 s CPU or 256 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tabulate import tabulate

CPU_CEILING_S = 10.0
RSS_CEILING_MB = 256.0

WORKER = """
import json, sys
from harness.asar import assemble
result = assemble(sys.stdin.read())
first = result.errors[0].code if result.errors else ""
print(json.dumps({"status": result.status.value, "code": first, "size": result.size,
                  "sandbox": result.sandbox.level.value if result.sandbox else ""}))
"""

SAMPLES: tuple[tuple[str, str, str], ...] = (
    # (name, issue class, source)
    ("normal_damage", "normal", "Damage:\n  LDA $0E50,X\n  SEC\n  SBC #$10\n  STA $0E50,X\n  RTS\n"),
    (
        "normal_headers",
        "normal",
        'incsrc "snes.asm"\nincsrc "alttp_ram.asm"\nMain:\n  LDA !SPR_HP,x\n  RTS\n',
    ),
    ("normal_hirom_table", "normal", "hirom\nMain:\n  LDA Table,x\n  RTL\nTable:\n  db 1,2,3,4\n"),
    ("probe_canread", "6", "if canread1($008000)\n  db $EA\nelse\n  LDA #$12\n  STA $10\n  RTS\nendif\n"),
    ("probe_padding_define", "6", 'if defined("asm65816_padding_byte")\n  db 1\nelse\n  NOP\n  RTS\nendif\n'),
    ("probe_read1", "6", "Main:\n  LDA #$00\n  db read1($008002)\n  RTS\n"),
    ("bankcross_fillword_4mib", "7", "check bankcross off\nfillword $00FF\nfill $3EFFE0\n"),
    ("fill_4mib_hirom", "7", "hirom\ncheck bankcross off\nfill $400000\n"),
    ("rom_past_1mib", "7", "org $BFFFFF\n  db 1\n"),
    ("segments_600", "7", "!i = 0\nwhile !i < 600\norg $008000+(!i*2)\n  db 1\n!i #= !i+1\nendwhile\n"),
    ("labels_20000", "7", "!i = 0\nwhile !i < 20000\nL!i = !i\n!i #= !i+1\nendwhile\nRTS\n"),
    (
        "define_doubling",
        "7",
        '!a = "xxxxxxxxxxxxxxxx"\n!i = 0\nwhile !i < 40\n!a := "!a!a"\n!i #= !i+1\nendwhile\n',
    ),
    ("macro_recursion", "7", "macro r(x)\n%r(<x><x>)\nendmacro\n%r(1)\n"),
    (
        "print_flood",
        "7",
        'while 1\nprint "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"\nendwhile\n',
    ),
    ("endless_while", "8", "while 1\nendwhile\n"),
    ("long_legal_loop", "8", "!i = 0\nwhile !i < 60000\n!i #= !i+1\nendwhile\nMain:\n  RTS\n"),
    ("readfile_os_release", "10", '!a = readfi\n!b = le1\ndb !a!b("/usr/lib/os-release", 0)\n'),
    ("status_hostname", "10", '!a = getfiles\n!b = tatus\ndb !a!b("/etc/hostname"), !a!b("/no/such")\n'),
    ("incsrc_passwd", "10", '!a = incs\n!b = rc\n!a!b "/etc/passwd"\n'),
    ("mapper_colon_norom", "14", "nop : norom\nMain:\n  RTS\n"),
    ("mapper_define", "14", "!m = norom\n!m\nMain:\n  RTS\n"),
    (
        "mapper_override_functions",
        "14",
        "!w = warnings\n!w disable Wfeature_deprecated\nfunction pctosnes(x) = $808000\n"
        "function snestopc(x) = select(equal(x,$C00000),$200000,0)\n"
        "!n = norom\n!n\norg $008000\nMain:\n  RTS\n",
    ),
)


@dataclass(frozen=True)
class Measured:
    """One sample's verdict and the resources its scoring process tree used."""

    name: str
    issue_class: str
    status: str
    code: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def measure(name: str, issue_class: str, source: str) -> Measured:
    """Reap the worker with wait4 ourselves (Popen.communicate/wait would reap it and lose rusage)."""
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=out_file, stderr=err_file, text=True
        )
        process.stdin.write(source)
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    try:
        verdict = json.loads(out.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        verdict = {"status": f"harness error (exit {process.returncode})", "code": err.strip()[-80:]}
    return Measured(
        name,
        issue_class,
        verdict["status"],
        verdict["code"],
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
    )


def run_all(samples: list[tuple[str, str, str]], workers: int) -> list[Measured]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda sample: measure(*sample), samples))


def report(results: list[Measured], workers: int) -> None:
    rows = [
        (m.name, m.issue_class, m.status, m.code, f"{m.wall_s:.2f}", f"{m.cpu_s:.2f}", f"{m.peak_rss_mb:.1f}")
        for m in results
    ]
    worst = (
        max(m.wall_s for m in results),
        max(m.cpu_s for m in results),
        max(m.peak_rss_mb for m in results),
    )
    rows.append(("WORST", "", "", "", f"{worst[0]:.2f}", f"{worst[1]:.2f}", f"{worst[2]:.1f}"))
    print(f"\nworkers={workers}")
    print(tabulate(rows, headers=("sample", "class", "status", "code", "wall s", "cpu s", "peak RSS MB")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", help="sample names to run (default: all)")
    args = parser.parse_args()
    samples = [sample for sample in SAMPLES if not args.only or sample[0] in args.only]
    runs = {workers: run_all(samples, workers) for workers in args.workers}
    for workers, results in runs.items():
        report(results, workers)
    verdicts = {workers: [(m.status, m.code) for m in results] for workers, results in runs.items()}
    same = len({tuple(v) for v in verdicts.values()}) == 1
    print(f"\nverdicts identical for workers {args.workers}: {'yes' if same else 'NO'}")
    every = [m for results in runs.values() for m in results]
    over = [m.name for m in every if m.cpu_s > CPU_CEILING_S or m.peak_rss_mb > RSS_CEILING_MB]
    if over:
        print(f"FAIL: above {CPU_CEILING_S:g} s CPU or {RSS_CEILING_MB:g} MB: {', '.join(sorted(set(over)))}")
        return 1
    print(f"PASS: no sample above {CPU_CEILING_S:g} s CPU or {RSS_CEILING_MB:g} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
