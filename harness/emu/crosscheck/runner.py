"""`run_crosscheck`: generate batches, run them on bsnes and on `Machine`, compare, calibrate, report.

Per batch (one ROM load: up to 104 test programs plus 8 calibration programs; 96 + 16 + 3 probes
with emulation mode on): programs are written against our emulator (generator.py), the ROM is run
on the reference until the monitor reports done (a program that never comes back is reported and
the rest of the batch rerun without it), then every program is run again, from scratch, in
`harness.emu.Machine` on the same ROM from the same registers and window. Compared: A, X, Y, S, D,
DBR, P, E, the 512-byte window (except the three bytes above S0 that the monitor's epilogue pushes
over) and the master clocks.

Timing: the reference's elapsed CPU clocks between the start latch and the end latch, with DRAM
refresh removed (hv.py), equal `overhead + Machine master_clocks`, where the overhead is the same
monitor code for every program of a timing key (slow/fast ROM x native/emulation). The overhead is
not computed: calibration programs (NOP sleds of 0-419 NOPs, spread over the frame) measure it and
must all agree on one value; that agreement across hundreds of positions in the frame is also what
validates the refresh correction. Tolerance: exact (four latches per end resolve every position;
were a measurement left with two candidates, a program would agree with either, and
`timing_exact` would show it).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from harness.emu.crosscheck import hv
from harness.emu.crosscheck import rom as layout
from harness.emu.crosscheck.generator import (
    EXCLUDABLE,
    Program,
    TimingConfig,
    from_code,
    generate,
    wram_image,
)
from harness.emu.crosscheck.libretro import BsnesCore, CoreRun, open_core
from harness.emu.crosscheck.report import CrosscheckReport, FieldDiff, Mismatch, Verdict
from harness.emu.crosscheck.suspects import PROBES, Probe, reference_suspect
from harness.emu.machine import Machine
from harness.emu.state import CpuState, StopReason
from harness.errors import HarnessError

__all__ = ["BATCH_SIZE", "DEFAULT_CODE_START", "crosscheck_code", "run_crosscheck"]

CALIBRATIONS_PER_KEY = 4
_NATIVE_KEYS = ((TimingConfig.SLOW, False), (TimingConfig.FAST, False))
_EMULATION_KEYS = ((TimingConfig.SLOW, True), (TimingConfig.FAST, True))
BATCH_SIZE = layout.MAX_PROGRAMS - CALIBRATIONS_PER_KEY * len(_NATIVE_KEYS)  # 104 test programs per ROM
_FAST_SHARE = 0.3
_MAX_CYCLES = 50_000
_REGISTERS = ("A", "X", "Y", "S", "D", "DBR", "P", "E")

_Key = tuple[TimingConfig, bool]  # timing config, emulation mode: programs that share one overhead
_SHOWN_BYTES = 8


@dataclass(frozen=True)
class _Side:
    """One machine's result: registers by name, the final window, and a timing value set."""

    registers: dict[str, int]
    window: bytes
    clocks: frozenset[int]  # reference: measured candidates; ours: {master_clocks}
    problem: str = ""  # why there is no usable result ("" when there is)


@dataclass(frozen=True)
class _Observation:
    program: Program
    reference: _Side
    ours: _Side


@dataclass
class _Totals:
    """Running totals over batches (mutable while the run is in progress)."""

    rejected: Counter
    observations: list[_Observation]
    batches: int = 0
    reference_seconds: float = 0.0
    emulator_seconds: float = 0.0
    generation_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def run_crosscheck(
    programs: int,
    seed: int,
    *,
    batch_size: int = BATCH_SIZE,
    core_path: Path | None = None,
    max_mismatches: int = 100,
    exclude: Collection[str] = (),
    emulation: float = 0.0,
) -> CrosscheckReport:
    """Compare `programs` random programs (deterministic for `seed` and `batch_size`) on both machines.

    `emulation`: the share of programs run in emulation mode (native only by default). With it on,
    every run also adds the probes of known bsnes v094 emulation-mode inaccuracies (suspects.py),
    counted in the verdicts (`report.probes`) and REFERENCE_SUSPECT when v094 shows exactly them.

    `exclude` leaves features out of the programs (names in `EXCLUDABLE`: "wdm", "emulation_rmw",
    "block_move", "mul_div", "wram_port", "flow", "calls"), e.g. to keep a known, reported
    difference from masking new ones; the report lists what was left out.

    Raises `ToolMissingError` (naming the apt package) when the bsnes core is not installed, and
    `HarnessError` when the measurement itself is inconsistent (calibrations disagree, latches that
    no position explains): then no verdicts are given, since timing could not be trusted.
    """
    keys, batch_size, left_out = _checked_options(programs, batch_size, exclude, emulation)
    core = open_core(core_path)
    started = time.perf_counter()
    rng = random.Random(seed)
    totals = _Totals(Counter(), [])
    if left_out:
        totals.notes.append("excluded from the programs: " + ", ".join(sorted(left_out)))

    def make(base: bytes, slot: layout.ProgramSlot, index: int) -> Program:
        config = TimingConfig.FAST if rng.random() < _FAST_SHARE else TimingConfig.SLOW
        in_emulation = emulation > 0 and rng.random() < emulation
        return generate(rng, base, slot, config, False, index, totals.rejected, left_out, in_emulation)

    done = 0
    while done < programs:
        count = min(batch_size, programs - done)
        extra = _probe_makers(rng) if emulation and done == 0 else []
        _run_batch(core, rng, done, count, totals, make, keys, extra)
        done += count
    overhead = _overheads(totals.observations, keys)
    return _report(programs, seed, core, totals, overhead, time.perf_counter() - started, max_mismatches)


def _checked_options(
    programs: int, batch_size: int, exclude: Collection[str], emulation: float
) -> tuple[tuple[_Key, ...], int, frozenset[str]]:
    """(timing keys, programs per ROM, features left out), or a HarnessError naming the fix."""
    if not isinstance(programs, int) or programs < 1:
        raise HarnessError(f"programs={programs!r} must be a positive integer")
    if not 0.0 <= emulation <= 1.0:
        raise HarnessError(f"emulation={emulation!r} must be a share between 0 and 1")
    if not 1 <= batch_size <= BATCH_SIZE:
        raise HarnessError(
            f"batch_size={batch_size} must be 1..{BATCH_SIZE} (one ROM holds {layout.MAX_PROGRAMS})"
        )
    left_out = frozenset(exclude)
    unknown = sorted(left_out - EXCLUDABLE)
    if unknown:
        raise HarnessError(f"exclude={unknown} unknown; choose from {sorted(EXCLUDABLE)}")
    keys = _NATIVE_KEYS + (_EMULATION_KEYS if emulation else ())
    room = layout.MAX_PROGRAMS - CALIBRATIONS_PER_KEY * len(keys) - (len(PROBES) if emulation else 0)
    return keys, min(batch_size, room), left_out


def _probe_makers(rng: random.Random) -> list[Callable[[bytes, layout.ProgramSlot], Program]]:
    def maker(probe: Probe) -> Callable[[bytes, layout.ProgramSlot], Program]:
        def make(base: bytes, slot: layout.ProgramSlot) -> Program:
            return from_code(
                rng, base, slot, TimingConfig.SLOW, probe.code, probe.start, probe.window, probe.name
            )

        return make

    return [maker(probe) for probe in PROBES]


DEFAULT_CODE_START = CpuState(a=0, x=0, y=0, s=0x02E0, d=layout.WINDOW, dbr=0x7E, p=0x30, e=0)


def crosscheck_code(
    code: bytes,
    start: CpuState = DEFAULT_CODE_START,
    *,
    fast: bool = False,
    seed: int = 1,
    core_path: Path | None = None,
) -> CrosscheckReport:
    """Compare one caller-given straight-line program (to reproduce or minimise a difference).

    `start` gives the registers (S inside the window: $0230-$02F7 native, $0150-$01F7 in emulation
    mode); the window holds random bytes from `seed`; `fast` runs it from bank $84 with FastROM on.
    Calibration programs for its timing keys run too.
    """
    stack = layout.EMULATION_STACK if start.e else layout.NATIVE_STACK
    if start.s not in stack:
        raise HarnessError(
            f"start.s=${start.s:04X} must be ${stack[0]:04X}-${stack[-1]:04X} with e={start.e} "
            "(the stack lives in the window)"
        )
    core = open_core(core_path)
    started = time.perf_counter()
    rng = random.Random(seed)
    totals = _Totals(Counter(), [])
    config = TimingConfig.FAST if fast else TimingConfig.SLOW

    def make(base: bytes, slot: layout.ProgramSlot, index: int) -> Program:
        return from_code(rng, base, slot, config, bytes(code), start)

    keys = _EMULATION_KEYS if start.e else _NATIVE_KEYS
    _run_batch(core, rng, 0, 1, totals, make, keys, [])
    overhead = _overheads(totals.observations, keys)
    return _report(1, seed, core, totals, overhead, time.perf_counter() - started, 1)


_Maker = Callable[[bytes, layout.ProgramSlot, int], Program]


def _run_batch(
    core: BsnesCore,
    rng: random.Random,
    first: int,
    count: int,
    totals: _Totals,
    make: _Maker,
    keys: tuple[_Key, ...],
    extra: list[Callable[[bytes, layout.ProgramSlot], Program]],
) -> None:
    clock = time.perf_counter()
    base = layout.base_image(rng.randbytes(len(layout.DATA_BANKS) * layout.BANK))
    batch = _generate_batch(rng, base, first, count, totals.rejected, make, keys, extra)
    blobs = [(p.entry, p.body) for p in batch] + [
        (layout.ProgramSlot(p.slot).image_address, p.image) for p in batch
    ]
    descriptors = [layout.descriptor(layout.ProgramSlot(p.slot), p.start, p.entry) for p in batch]
    full = layout.build_image(base, descriptors, blobs)
    totals.generation_seconds += time.perf_counter() - clock
    clock = time.perf_counter()
    references = _run_reference(core, base, batch, descriptors, blobs)
    totals.reference_seconds += time.perf_counter() - clock
    clock = time.perf_counter()
    machine = Machine.from_rom(full.rom)
    for program, reference in zip(batch, references, strict=True):
        totals.observations.append(_Observation(program, reference, _run_ours(machine, program)))
    totals.emulator_seconds += time.perf_counter() - clock
    totals.batches += 1


def _generate_batch(
    rng: random.Random,
    base: bytes,
    first: int,
    count: int,
    rejected: Counter,
    make: _Maker,
    keys: tuple[_Key, ...],
    extra: list[Callable[[bytes, layout.ProgramSlot], Program]],
) -> list[Program]:
    """Test programs, then calibrations (NOP sleds per timing key) and probes at random slots."""
    calibrations = CALIBRATIONS_PER_KEY * len(keys)
    total = count + calibrations + len(extra)
    special = rng.sample(range(total), calibrations + len(extra))
    batch = []
    index = first
    for slot_index in range(total):
        slot = layout.ProgramSlot(slot_index)
        if slot_index not in special:
            batch.append(make(base, slot, index))
            index += 1
            continue
        k = special.index(slot_index)
        if k >= calibrations:
            batch.append(extra[k - calibrations](base, slot))
            continue
        config, in_emulation = keys[k // CALIBRATIONS_PER_KEY]
        batch.append(generate(rng, base, slot, config, True, -1 - k, rejected, frozenset(), in_emulation))
    return batch


def _run_reference(
    core: BsnesCore,
    base: bytes,
    batch: list[Program],
    descriptors: list[bytes],
    blobs: list[tuple[int, bytes]],
) -> list[_Side]:
    """Reference results in batch order; reruns the rest of a batch after a program that hangs."""
    results: list[_Side | None] = [None] * len(batch)
    pending = list(range(len(batch)))
    while pending:
        image = layout.build_image(base, [descriptors[i] for i in pending], blobs)
        run = core.run(image.rom, _finished, max_frames=30 + 2 * len(pending))
        progress = int.from_bytes(run.wram[layout.PROGRESS : layout.PROGRESS + 2], "little")
        for i in pending[:progress]:
            results[i] = _parse_reference(run, batch[i])
        if run.finished:
            break
        if progress >= len(pending):
            raise HarnessError(
                f"the monitor reported {progress} of {len(pending)} programs done but no finish mark"
            )
        hung = pending[progress]
        crashed = run.wram[layout.CRASH_AT] == layout.CRASH_MARK
        results[hung] = _Side({}, b"", frozenset(), _hang_message(crashed, run))
        pending = pending[progress + 1 :]
    return [r if r is not None else _Side({}, b"", frozenset(), "no result") for r in results]


def _finished(read) -> bool:
    return read(layout.DONE_MAGIC_AT, len(layout.DONE_MAGIC)) == layout.DONE_MAGIC


def _hang_message(crashed: bool, run: CoreRun) -> str:
    if crashed:
        return "the reference took an interrupt/BRK/COP vector (crash handler ran)"
    return f"the reference did not come back from the program within {run.frames} frames"


def _parse_reference(run: CoreRun, program: Program) -> _Side:
    slot = layout.ProgramSlot(program.slot)
    data = run.wram[slot.result_offset : slot.result_offset + layout.SLOT_SIZE]
    window, record = data[: layout.WINDOW_SIZE], data[layout.WINDOW_SIZE :]
    if record[layout.REC_VALID] != layout.RECORD_VALID:
        return _Side({}, b"", frozenset(), "the monitor wrote no result record")

    def word(at: int) -> int:
        return record[at] | (record[at + 1] << 8)

    registers = {
        "A": word(layout.REC_A),
        "X": word(layout.REC_X),
        "Y": word(layout.REC_Y),
        "S": word(layout.REC_S),
        "D": word(layout.REC_D),
        "DBR": record[layout.REC_DBR],
        "P": record[layout.REC_P],
        "E": record[layout.REC_E],
    }
    return _Side(registers, bytes(window), measure(record, program))


def _latch(record: bytes, at: int) -> hv.Latch:
    """The latch stored at record[at..at+3]; the field comes from the $213F read just before it."""
    return hv.Latch(
        h=record[at] | ((record[at + 1] & 1) << 8),
        v=record[at + 2] | ((record[at + 3] & 1) << 8),
        field=(record[at - 1] >> 7) & 1,
    )


def measure(record: bytes, program: Program) -> frozenset[int]:
    """CPU clocks (refresh removed) from the start group's last latch to the end group's first."""
    mon = layout.monitor()

    def group(at: int) -> list[hv.Latch]:
        return [_latch(record, at + 1 + 5 * i) for i in range(layout.LATCHES)]

    start = hv.decode_chain(group(layout.REC_START), mon.start_separation)
    end = hv.decode_chain(group(layout.REC_END), mon.end_separation)
    if not start or not end:
        raw = (
            record[layout.REC_START : layout.REC_START + 16].hex(" ")
            + " | "
            + record[layout.REC_END : layout.REC_END + 16].hex(" ")
        )
        raise HarnessError(
            f"program {program.index}: no position explains its H/V latches ({raw}); the measurement "
            "model in harness/emu/crosscheck/hv.py does not match the reference"
        )
    return frozenset(hv.cpu_clocks(first[-1], last[0]) for first in start for last in end)


def _run_ours(machine: Machine, program: Program) -> _Side:
    result = machine.run(
        program.entry, program.start, wram=wram_image(program.window), call="jsr", max_cycles=_MAX_CYCLES
    )
    st = result.state
    if result.stop is StopReason.RETURNED and st != program.final.replace(pc=st.pc):
        raise HarnessError(
            f"program {program.index}: Machine ended with {st} but the same core stepped by the "
            f"generator ended with {program.final}; the two runs must agree (report this)"
        )
    window = bytes(machine.peek(0x7E0000 | (layout.WINDOW + i)) for i in range(layout.WINDOW_SIZE))
    registers = {"A": st.a, "X": st.x, "Y": st.y, "S": st.s, "D": st.d, "DBR": st.dbr, "P": st.p, "E": st.e}
    problem = "" if result.stop is StopReason.RETURNED else f"stopped: {result.stop.value} ({result.detail})"
    return _Side(registers, window, frozenset({result.master_clocks}), problem)


def _key(program: Program) -> _Key:
    return program.config, program.emulation


def _key_name(key: _Key) -> str:
    config, in_emulation = key
    return config.value + ("-emulation" if in_emulation else "")


def _overheads(observations: list[_Observation], keys: tuple[_Key, ...]) -> dict[_Key, int]:
    """The overhead of each timing key: the one value every calibration program agrees on."""
    out = {}
    for key in keys:
        candidates: set[int] | None = None
        seen = []
        for obs in observations:
            if not obs.program.calibration or _key(obs.program) != key:
                continue
            problem = obs.reference.problem or obs.ours.problem
            if problem:
                raise HarnessError(f"calibration program ({_key_name(key)}) failed: {problem}")
            (ours,) = obs.ours.clocks
            values = {m - ours for m in obs.reference.clocks}
            seen.append(sorted(values))
            candidates = values if candidates is None else candidates & values
        if not candidates or len(candidates) != 1:
            raise HarnessError(
                f"calibration ({_key_name(key)}): the NOP-sled programs do not agree on one overhead "
                f"(reference minus ours per program: {seen[:12]}); the timing model is wrong, no "
                "verdicts given"
            )
        out[key] = candidates.pop()
    return out


def _diffs(obs: _Observation, overhead: int) -> tuple[FieldDiff, ...]:
    ref, ours = obs.reference, obs.ours
    if ref.problem:
        return (FieldDiff("result", ref.problem, ours.problem or "returned"),)
    if ours.problem:
        return (FieldDiff("result", "returned", ours.problem),)
    out = []
    for name in _REGISTERS:
        if ref.registers[name] != ours.registers[name]:
            width = {"DBR": 2, "P": 2, "E": 1}.get(name, 4)
            out.append(FieldDiff(name, _hex(ref.registers[name], width), _hex(ours.registers[name], width)))
    out += _window_diffs(obs)
    (clocks,) = ours.clocks
    if clocks + overhead not in ref.clocks:
        measured = sorted(m - overhead for m in ref.clocks)
        text = str(measured[0]) if len(measured) == 1 else "one of " + ", ".join(map(str, measured))
        out.append(FieldDiff("master clocks", text, str(clocks)))
    return tuple(out)


def _window_diffs(obs: _Observation) -> list[FieldDiff]:
    s0 = obs.program.start.s
    skip = {s0 + 1, s0 + 2, s0 + 3}  # the epilogue's PHP/PHA land there on the reference
    differing = [
        i
        for i, (a, b) in enumerate(zip(obs.reference.window, obs.ours.window, strict=True))
        if a != b and layout.WINDOW + i not in skip
    ]
    out = [
        FieldDiff(
            f"WRAM $7E:{layout.WINDOW + i:04X}", _hex(obs.reference.window[i], 2), _hex(obs.ours.window[i], 2)
        )
        for i in differing[:_SHOWN_BYTES]
    ]
    if len(differing) > _SHOWN_BYTES:
        out.append(FieldDiff("WRAM bytes differing", str(len(differing)), str(len(differing))))
    return out


def _kind(diffs: tuple[FieldDiff, ...]) -> str:
    """ "A+P+WRAM" style key: which quantities differ, in a fixed order."""
    names = {d.name.split(" ")[0] for d in diffs}
    order = ("result", *_REGISTERS, "WRAM", "master")
    return "+".join(name if name != "master" else "master clocks" for name in order if name in names)


def _hex(value: int, width: int) -> str:
    return f"${value:0{width}X}"


def _report(
    programs: int,
    seed: int,
    core: BsnesCore,
    totals: _Totals,
    overhead: dict[_Key, int],
    seconds: float,
    max_mismatches: int,
) -> CrosscheckReport:
    counts: Counter = Counter()
    mismatches = []
    coverage: Counter = Counter()
    kinds: Counter = Counter()
    exact = 0
    for obs in totals.observations:
        if obs.program.calibration:
            calibration_diffs = _diffs(obs, overhead[_key(obs.program)])
            if calibration_diffs:
                raise HarnessError(f"a calibration program (NOP sled) differs: {calibration_diffs}")
            continue
        coverage.update(obs.program.tags)
        exact += len(obs.reference.clocks) == 1
        diffs = _diffs(obs, overhead[_key(obs.program)])
        if not diffs:
            counts[Verdict.AGREE] += 1
            continue
        evidence = reference_suspect(obs.program, diffs)
        verdict = Verdict.REFERENCE_SUSPECT if evidence else Verdict.DIFFER
        counts[verdict] += 1
        if verdict is Verdict.DIFFER:
            kinds[_kind(diffs)] += 1
        if len(mismatches) < max_mismatches:
            mismatches.append(
                Mismatch(
                    obs.program.index,
                    verdict,
                    obs.program.text,
                    str(obs.program.start),
                    diffs,
                    evidence,
                    obs.program.probe,
                )
            )
    return CrosscheckReport(
        programs=programs,
        seed=seed,
        agree=counts[Verdict.AGREE],
        differ=counts[Verdict.DIFFER],
        reference_suspect=counts[Verdict.REFERENCE_SUSPECT],
        mismatches=tuple(mismatches),
        calibrations=sum(1 for o in totals.observations if o.program.calibration),
        overhead={_key_name(key): value for key, value in overhead.items()},
        probes=sum(1 for o in totals.observations if o.program.probe),
        timing_exact=exact,
        kinds=dict(kinds.most_common()),
        rejected=dict(totals.rejected),
        coverage=dict(coverage),
        batches=totals.batches,
        core=f"{core.version} ({core.path})",
        seconds=seconds,
        reference_seconds=totals.reference_seconds,
        emulator_seconds=totals.emulator_seconds,
        generation_seconds=totals.generation_seconds,
        notes=tuple(totals.notes),
    )
