"""CLI verbs of the emulator: `emu selftest` (vectors, hardware cases), `emu crosscheck` (against bsnes)
and `run` (one routine)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from harness.errors import HarnessError

__all__ = ["register", "parse_mode", "parse_sets"]

_REG_LIMITS = {"A": 0xFFFF, "X": 0xFFFF, "Y": 0xFFFF, "S": 0xFFFF, "D": 0xFFFF, "DBR": 0xFF, "P": 0xFF}


def register(subparsers: argparse._SubParsersAction) -> None:
    emu = subparsers.add_parser("emu", help="emulator self-tests")
    emu_sub = emu.add_subparsers(dest="emu_command", metavar="VERB", required=True)
    selftest = emu_sub.add_parser("selftest", help="run SingleStepTests vectors (and gilyon hardware cases)")
    selftest.add_argument("--vectors", type=Path, help="directory of XX.{n,e}.json[.gz] vector files")
    selftest.add_argument("--limit", type=int, default=None, help="first N tests of each file")
    selftest.add_argument(
        "--gilyon", type=Path, default=None, help="gilyon/snes-tests tests-full.txt to run too"
    )
    selftest.set_defaults(handler=_selftest)

    cross = emu_sub.add_parser(
        "crosscheck",
        help="compare random programs with the bsnes accuracy core (apt: libretro-bsnes-mercury-accuracy)",
    )
    cross.add_argument("--programs", type=int, default=200, help="test programs to compare (default 200)")
    cross.add_argument("--seed", type=int, default=1, help="generator seed (same seed, same programs)")
    cross.add_argument("--show", type=int, default=3, help="differences to print in full (default 3)")
    cross.add_argument("--core", type=Path, default=None, help="path of bsnes_mercury_accuracy_libretro.so")
    cross.add_argument("--json", action="store_true", help="machine-readable report")
    cross.add_argument(
        "--exclude",
        default="",
        metavar="F,F",
        help="leave features out: wdm,emulation_rmw,block_move,mul_div,wram_port,flow,calls",
    )
    cross.add_argument(
        "--emulation",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of programs in emulation mode (default 0: native only); adds the v094 probes",
    )
    cross.add_argument(
        "--code", default=None, metavar="HEX", help="compare this straight-line code instead (e.g. '42 00')"
    )
    cross.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="R=V",
        help="with --code: start register (A X Y S D DBR P) or E=1 (emulation mode)",
    )
    cross.add_argument("--fast", action="store_true", help="with --code: run from bank $84 with FastROM on")
    cross.set_defaults(handler=_crosscheck)

    run = subparsers.add_parser("run", help="assemble FILE and run one routine on the SNES model")
    run.add_argument("file", help="ASAR source file")
    run.add_argument("--entry", required=True, help="label or 24-bit address ($8000, 0x008000)")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="R=V",
        help="register (A X Y S D DBR P) or memory ($7E0010=0x12) before the run; repeatable",
    )
    run.add_argument("--mode", default="", help="e=0,m=1,x=0,D=0,DBR=0x7E (flags and D/DBR)")
    run.add_argument("--mapper", default="lorom", choices=("lorom", "hirom"))
    run.add_argument("--call", default="jsr", choices=("jsr", "jsl"))
    run.add_argument("--max-cycles", type=int, default=100_000)
    run.add_argument("--trace", action="store_true", help="print every instruction")
    run.add_argument("--json", action="store_true", help="machine-readable result")
    run.set_defaults(handler=_run)


# -- selftest ------------------------------------------------------------------------------------


def _selftest(args: argparse.Namespace) -> int:
    from harness.emu.vectors import run_vectors, vector_files

    if args.vectors is None and args.gilyon is None:
        raise HarnessError("emu selftest needs --vectors DIR and/or --gilyon FILE")
    if args.limit is not None and args.limit < 1:
        raise HarnessError(f"--limit={args.limit} must be >= 1")
    passed = failed = 0
    started = time.perf_counter()
    if args.vectors is not None:
        for path, report in run_vectors(vector_files(args.vectors), limit=args.limit):
            passed += report.passed
            failed += report.failed
            for count in report.failed_by_file.values():
                print(f"{path.name}: {count} failed")
            for failure in report.failures:
                print(f"  {failure.name}: {failure.message}")
            for item in report.disputed:
                print(f"{path.name}: disputed, not counted: {item.name}: {item.message}")
    if args.gilyon is not None:
        from harness.emu.gilyon import run_file

        result = run_file(args.gilyon)
        passed += result.passed
        failed += result.failed
        for message in result.failures:
            print(f"gilyon: {message}")
        print(f"gilyon {args.gilyon.name}: {result.passed} passed, {result.failed} failed")
    print(f"time: {time.perf_counter() - started:.1f} s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


# -- crosscheck ----------------------------------------------------------------------------------


def _crosscheck(args: argparse.Namespace) -> int:
    from harness.emu.crosscheck import run_crosscheck

    if args.programs < 1:
        raise HarnessError(f"--programs={args.programs} must be >= 1")
    if args.show < 0:
        raise HarnessError(f"--show={args.show} must be >= 0")
    if args.code is None and (args.set or args.fast):
        raise HarnessError("--set and --fast apply to --code only")
    if args.code is not None and (args.emulation or args.exclude):
        raise HarnessError("--emulation and --exclude apply to random programs, not to --code")
    if args.code is not None:
        report = _crosscheck_code(args)
    else:
        exclude = [name.strip() for name in args.exclude.split(",") if name.strip()]
        report = run_crosscheck(
            args.programs, args.seed, core_path=args.core, exclude=exclude, emulation=args.emulation
        )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        _print_crosscheck(report, args.show)
    return 0 if report.ok else 1


def _print_crosscheck(report, show: int) -> None:
    print(f"crosscheck: {report.programs} programs, seed {report.seed}, against {report.core}")
    print(report.summary())
    overhead = ", ".join(f"{name} {value}" for name, value in report.overhead.items())
    print(
        f"timing: exact after DRAM-refresh correction; {report.timing_exact} of "
        f"{report.programs + report.probes} "
        f"measurements resolved to one value; overhead {overhead} clocks "
        f"({report.calibrations} calibration programs agree)"
    )
    if report.probes:
        print(f"probes of documented bsnes v094 inaccuracies: {report.probes} (counted above)")
    print(
        f"speed: {report.programs_per_second:.0f} programs/s ({report.batches} ROM loads; generation "
        f"{report.generation_seconds:.1f} s, reference {report.reference_seconds:.1f} s, "
        f"emulator {report.emulator_seconds:.1f} s)"
    )
    for note in report.notes:
        print(note)
    if report.rejected:
        rejected = ", ".join(f"{k} x{v}" for k, v in report.rejected.items())
        print(f"rejected drafts (never compared): {rejected}")
    if report.kinds:
        print("differences by kind: " + ", ".join(f"{k} x{v}" for k, v in report.kinds.items()))
    for mismatch in report.mismatches[:show]:
        print()
        print(mismatch.describe())


def _crosscheck_code(args: argparse.Namespace):
    from harness.emu.crosscheck import DEFAULT_CODE_START, crosscheck_code

    try:
        code = bytes.fromhex(args.code.replace("$", ""))
    except ValueError:
        raise HarnessError(f"--code {args.code!r} is not hex bytes (e.g. '42 00' or 'a9 12 60')") from None
    if not code:
        raise HarnessError("--code is empty; give the program's bytes, e.g. '42 00'")
    emulation = [item for item in args.set if item.partition("=")[0].strip().upper() == "E"]
    regs, memory = parse_sets([item for item in args.set if item not in emulation])
    if memory:
        raise HarnessError("--set with --code takes registers only (A X Y S D DBR P, E)")
    e = _int(emulation[-1].partition("=")[2], "--set E") if emulation else 0
    if e not in (0, 1):
        raise HarnessError(f"--set E={e}: E is 0 (native) or 1 (emulation mode)")
    start = DEFAULT_CODE_START.replace(e=e, s=0x01E0, p=0x30) if e else DEFAULT_CODE_START
    names = {"A": "a", "X": "x", "Y": "y", "S": "s", "D": "d", "DBR": "dbr", "P": "p"}
    start = start.replace(**{names[k]: v for k, v in regs.items()})
    return crosscheck_code(code, start, fast=args.fast, seed=args.seed, core_path=args.core)


# -- run -----------------------------------------------------------------------------------------


def _int(text: str, what: str) -> int:
    cleaned = text.strip().replace("$", "0x", 1) if text.strip().startswith("$") else text.strip()
    try:
        return int(cleaned, 0)
    except ValueError:
        raise HarnessError(f"{what}: {text!r} is not a number (use 0x1234, $1234 or 4660)") from None


def parse_mode(text: str) -> dict[str, int]:
    """`e=0,m=1,x=0,D=0,DBR=0x7E` -> {"e": 0, "m": 1, "x": 0, "D": 0, "DBR": 0x7E}."""
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise HarnessError(f"--mode item {item!r} must look like name=value")
        name = key.strip()
        if name.lower() in ("e", "m", "x"):
            number = _int(value, f"--mode {name}")
            if number not in (0, 1):
                raise HarnessError(f"--mode {name}={value}: a flag must be 0 or 1")
            out[name.lower()] = number
        elif name.upper() in ("D", "DBR"):
            out[name.upper()] = _int(value, f"--mode {name}")
        else:
            raise HarnessError(f"--mode {name!r} unknown; use e, m, x, D, DBR")
    return out


def parse_sets(items: list[str]) -> tuple[dict[str, int], dict[int, int]]:
    """`--set A=0x1234 --set $7E0010=0x12` -> (registers, memory pokes)."""
    regs: dict[str, int] = {}
    memory: dict[int, int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise HarnessError(f"--set {item!r} must look like A=0x1234 or $7E0010=0x12")
        name = key.strip().upper()
        if name in _REG_LIMITS:
            number = _int(value, f"--set {name}")
            if not 0 <= number <= _REG_LIMITS[name]:
                raise HarnessError(f"--set {name}={value} out of range 0..{_REG_LIMITS[name]:#x}")
            regs[name] = number
        else:
            address = _int(key, "--set address")
            byte = _int(value, f"--set {key}")
            if not 0 <= byte <= 0xFF:
                raise HarnessError(f"--set {key}={value}: memory values are bytes 0..255")
            memory[address] = byte
    return regs, memory


def _run(args: argparse.Namespace) -> int:
    from harness.asar import assemble
    from harness.emu.machine import Machine
    from harness.emu.state import CpuState

    try:
        source = Path(args.file).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise HarnessError(f"cannot read {args.file}: {error.strerror}") from error
    result = assemble(source, mapper=args.mapper)
    if not result.ok:
        details = "; ".join(getattr(m, "message", str(m)) for m in result.errors)
        raise HarnessError(f"{args.file} does not assemble ({result.status.name}): {details}")
    entry = result.symbols.get(args.entry)
    if entry is None:
        entry = _int(args.entry, "--entry") if args.entry[:1] in "$0123456789" else None
    if entry is None:
        known = ", ".join(sorted(result.symbols)[:20])
        raise HarnessError(f"--entry {args.entry!r} is not a label of {args.file} (labels: {known})")
    regs, memory = parse_sets(args.set)
    mode = parse_mode(args.mode)
    p = regs.get("P", 0x34)
    if "m" in mode:
        p = (p & ~0x20) | (mode["m"] << 5)
    if "x" in mode:
        p = (p & ~0x10) | (mode["x"] << 4)
    state = CpuState(
        a=regs.get("A", 0),
        x=regs.get("X", 0),
        y=regs.get("Y", 0),
        s=regs.get("S", 0x01FF),
        d=mode.get("D", regs.get("D", 0)),
        dbr=mode.get("DBR", regs.get("DBR", 0)),
        p=p,
        e=mode.get("e", 0),
    )
    machine = Machine.from_assembly(result)
    run = machine.run(
        entry, state, memory=memory, call=args.call, max_cycles=args.max_cycles, trace=args.trace
    )
    if args.json:
        print(json.dumps(_as_json(run), indent=2))
    else:
        _print_run(run)
    return 0 if run.stop.name == "RETURNED" else 1


def _as_json(run) -> dict:
    return {
        "stop": run.stop.value,
        "detail": run.detail,
        "state": run.state.as_dict(),
        "cycles": run.cycles,
        "master_clocks": run.master_clocks,
        "instructions": run.instructions,
        "writes": {f"${a:06X}": [old, new] for a, (old, new) in sorted(run.writes.items())},
        "io_writes": [
            {"address": f"${w.address:04X}", "value": w.value, "cycle": w.cycle} for w in run.io_writes
        ],
        "trace": None
        if run.trace is None
        else [
            {
                "pc": f"${t.pc:06X}",
                "bytes": t.bytes.hex(),
                "text": t.text,
                "cycles": t.cycles,
                "after": t.state_after.as_dict(),
            }
            for t in run.trace
        ],
    }


def _print_run(run) -> None:
    if run.trace:
        for t in run.trace:
            print(f"${t.pc:06X}  {t.bytes.hex(' '):<12} {t.text:<18} {t.cycles:>3}  {t.state_after}")
    print(f"stop: {run.stop.value} ({run.detail})")
    print(f"state: {run.state}")
    print(f"cycles: {run.cycles}  master clocks: {run.master_clocks}  instructions: {run.instructions}")
    for address, (old, new) in sorted(run.writes.items()):
        print(f"write ${address:06X}: {old:02X} -> {new:02X}")
    for w in run.io_writes:
        print(f"io ${w.address:04X} <- {w.value:02X} at cycle {w.cycle}")
