"""`assemble(source)`: untrusted ASAR text in, an `AssembleResult` out; never raises for bad source.

The caller's text is written verbatim as `input.asm` in an empty work dir; a small wrapper file sets
the mapper and origin, `incsrc`s it and then asserts that ASAR still maps addresses the way the
harness emulates (so a mapper switched through a define, a macro or ` : ` fails with a clear error),
so ASAR's line numbers are the caller's.

Written bytes vs padding: ASAR emits only up to the highest written byte and pads holes with its
`freespacebyte`. The harness runs ASAR twice on a fresh (absent) ROM, padding with $00 and then
$FF, and counts an offset as written when both images agree there. The two runs are made
indistinguishable to the source: same directory contents (outputs of the first run are removed),
same wrapper text (the padding byte arrives as a command-line define the wrapper consumes and
undefines before the source starts), no ROM to `read1`/`canread`/`freespace` in (ASAR creates it),
ASLR off. Only padding may differ, and only as ($00, $FF); any other difference in bytes, ROM
length, symbols, line map or printed text means the source observed the probe, and the result is
NONDETERMINISTIC, never a smaller size.

Raises only for harness problems: a missing/wrong ASAR (`ToolMissingError`/`ToolMismatchError`) or
a sandbox that cannot run to a verdict (`SandboxRunError`): those are never a score.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from harness.asar import cache as result_cache
from harness.asar import preflight
from harness.asar.cleanup import sweep_stale_workdirs, workdir_prefix
from harness.asar.locate import find_asar
from harness.asar.result import AsarMessage, AssembleResult, AssembleStatus, SandboxState, Segment
from harness.asar.sandbox import (
    Jail,
    ProcessOutcome,
    SandboxLimits,
    SandboxRunError,
    prepare_jail,
    run_sandboxed,
)
from harness.asar.state import sandbox_state

__all__ = [
    "DEFAULT_ORIGINS",
    "HEADER_NAMES",
    "SUPPORTED_MAPPERS",
    "address_to_rom_offset",
    "assemble",
    "header_path",
    "rom_offset_to_address",
]

SUPPORTED_MAPPERS = ("lorom", "hirom")
DEFAULT_ORIGINS = {"lorom": 0x008000, "hirom": 0xC00000}
INPUT_NAME = "input.asm"
WRAPPER_NAME = "harness_main.asm"
BASE_NAME = "base.asm"  # a task's trusted base image (hook tasks patch it), assembled before the source
ROM_NAME = "out.sfc"
SYMBOLS_NAME = "out.sym"
HEADER_NAMES = frozenset({"snes.asm", "alttp_ram.asm"})
FILL_DEFINE = "asm65816_padding_byte"
PADDINGS = (0x00, 0xFF)
# What ASAR 1.91's own pctosnes/snestopc give under each mapper (measured; every other mapper ASAR
# knows - exlorom, exhirom, sa1rom, fullsa1rom, sfxrom, norom - differs in at least one term).
MAPPER_FINGERPRINTS = {
    "lorom": "pctosnes(0) == $808000 && snestopc($008000) == 0 && snestopc($C00000) == $200000",
    "hirom": "pctosnes(0) == $C00000 && snestopc($008000) == $8000 && snestopc($C00000) == 0",
}
_MAPPER_ASSERT = "asm65816 harness: the source changed the ROM mapper"

_MESSAGE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+)(?: \(called from (?P<caller_file>[^:)]+):(?P<caller_line>\d+)\))?: "
    r"(?P<severity>error|warning): "
    r"\((?P<code>[^)]+)\): (?P<message>.*?)(?: \[(?P<source>.*)\])?$"
)
_BARE_MESSAGE = re.compile(r"^(?P<severity>error|warning): \((?P<code>[^)]+)\): (?P<message>.*)$")
_WLA_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})\s+(\S+)")
_WRITTEN_RUN = re.compile(rb"\x00+")


def header_path(name: str) -> Path:
    """Path of a bundled header (`snes.asm`, `alttp_ram.asm`)."""
    if name not in HEADER_NAMES:
        raise KeyError(f"unknown header {name!r}; known: {', '.join(sorted(HEADER_NAMES))}")
    return Path(str(resources.files("harness.asar") / "headers" / name))


def rom_offset_to_address(offset: int, mapper: str, high_banks: bool) -> int:
    """Canonical CPU address of a ROM offset; `high_banks` picks the $80+ (FastROM) mirror in LoROM."""
    if mapper == "hirom":
        return 0xC00000 | offset
    bank = (offset >> 15) | (0x80 if high_banks else 0)
    return (bank << 16) | 0x8000 | (offset & 0x7FFF)


def address_to_rom_offset(address: int, mapper: str) -> int | None:
    """ROM offset of a 24-bit address as the harness's emulator maps it, None when it is not ROM.

    Same map as `harness.emu.snes.rom_offset` (kept here so the assembler does not import the
    emulator): LoROM upper halves (and the $40-$6F low-half mirrors), HiROM $40-$7D/$C0-$FF and
    the upper halves of $00-$3F/$80-$BF.
    """
    bank, low = address >> 16, address & 0xFFFF
    if bank in (0x7E, 0x7F):
        return None
    if mapper == "lorom":
        if low >= 0x8000 or 0x40 <= (bank & 0x7F) < 0x70:
            return ((bank & 0x7F) << 15) | (low & 0x7FFF)
        return None
    if bank & 0x40 or low >= 0x8000:
        return ((bank & 0x3F) << 16) | low
    return None


def _message(code: str, text: str, line: int | None = None, source_line: str | None = None) -> AsarMessage:
    return AsarMessage("error", code, text, line, source_line)


def _failure(status: AssembleStatus, code: str, text: str, **fields) -> AssembleResult:
    return AssembleResult(status=status, errors=(_message(code, text),), **fields)


def _reject(message: str, line: int | None = None, source_line: str | None = None) -> AssembleResult:
    return AssembleResult(
        status=AssembleStatus.REJECTED, errors=(_message("Esandbox", message, line, source_line),)
    )


def _size_text(count: int) -> str:
    if count >= 1024 * 1024 and count % (1024 * 1024) == 0:
        return f"{count // (1024 * 1024)} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count} bytes"


def _wrapper_message(match: re.Match, mapper: str) -> AsarMessage:
    """A message ASAR reports in the wrapper: the mapper assertion gets its own code and words."""
    if match["code"] == "Eassertion_failed" and _MAPPER_ASSERT in match["message"]:
        return _message(
            "Emapper_changed",
            f"the source changed the ROM mapper: at its end ASAR no longer maps addresses as {mapper} "
            f"does, which is what the harness emulates. Declare `lorom` or `hirom` as a statement of "
            "its own and keep it (a mapper chosen through a define or a macro, or any other mapper, is "
            "not allowed)",
        )
    text = f"{match['message']} (in {Path(match['file']).name}:{match['line']})"
    return AsarMessage(match["severity"], match["code"], text, None, match["source"])


def _parse_messages(text: str, mapper: str = "lorom") -> tuple[list[AsarMessage], list[AsarMessage]]:
    """ASAR's `file:line: error: (Ecode): message [source]` lines, mapped to the caller's text."""
    errors: list[AsarMessage] = []
    warnings: list[AsarMessage] = []
    for raw in text.splitlines():
        match = _MESSAGE.match(raw.strip())
        if match and Path(match["file"]).name != INPUT_NAME:
            entry = _wrapper_message(match, mapper)
        elif match:
            message = match["message"]
            if match["caller_line"]:
                message += f" (in a macro called from line {match['caller_line']})"
            entry = AsarMessage(
                match["severity"], match["code"], message, int(match["line"]), match["source"]
            )
        else:
            bare = _BARE_MESSAGE.match(raw.strip())
            if not bare:
                continue
            entry = AsarMessage(bare["severity"], bare["code"], bare["message"])
        (errors if entry.severity == "error" else warnings).append(entry)
    return errors, warnings


@dataclass(frozen=True)
class _Symbols:
    """ASAR's WLA symbol file, read: labels, the caller-file line map, and every mapped address."""

    labels: dict[str, int]
    line_map: dict[int, int]
    addresses: frozenset[int]
    label_count: int


def _parse_symbols(text: str, max_symbols: int) -> _Symbols:
    """Stops storing labels past `max_symbols` (the count keeps going, so the limit can be named)."""
    section, input_index = "", None
    labels: dict[str, int] = {}
    line_map: dict[int, int] = {}
    addresses: set[int] = set()
    count = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
            continue
        if section == "[source files]":
            parts = line.split()
            if len(parts) >= 3 and parts[2] == INPUT_NAME:
                input_index = parts[0]
            continue
        match = _WLA_ADDRESS.match(line)
        if not match:
            continue
        address = int(match.group(1), 16) << 16 | int(match.group(2), 16)
        if section == "[labels]" and not match.group(3).startswith(":"):
            count += 1
            if count <= max_symbols:
                labels[match.group(3)] = address
        elif section == "[addr-to-line mapping]":
            addresses.add(address)
            file_index, _, line_text = match.group(3).partition(":")
            if file_index == input_index:
                line_map.setdefault(address, int(line_text, 16))
    return _Symbols(labels, line_map, frozenset(addresses), count)


def _without_checksum(symbols_text: str) -> str:
    """The symbol file minus its `[rom checksum]` section (a CRC of the image, padding included)."""
    return re.sub(r"\[rom checksum\]\n[^\n\[]*\n?", "", symbols_text.replace("\r\n", "\n"))


def _written_mask(first: bytes, second: bytes) -> bytes:
    """XOR of the two images (same length): $00 where written, $FF where padding ($00 vs $FF)."""
    size = len(first)
    return (int.from_bytes(first, "big") ^ int.from_bytes(second, "big")).to_bytes(size, "big")


def _inconsistency(first: bytes, second: bytes, mask: bytes) -> str | None:
    """Where the images differ other than as (padding $00, padding $FF); None when they do not."""
    stray = re.search(rb"[^\x00\xff]", mask)
    if stray is None:
        overlap = (int.from_bytes(first, "big") & int.from_bytes(mask, "big")).to_bytes(len(first), "big")
        stray = re.search(rb"[^\x00]", overlap)
    if stray is None:
        return None
    at = stray.start()
    return f"ROM offset ${at:06X} holds ${first[at]:02X} in one run and ${second[at]:02X} in the other"


def _split_at_banks(rom: bytes, start: int, end: int, mapper: str, high_banks: bool) -> list[Segment]:
    bank_size = 0x10000 if mapper == "hirom" else 0x8000
    pieces = []
    while start < end:
        stop = min(end, (start // bank_size + 1) * bank_size)
        pieces.append(Segment(rom_offset_to_address(start, mapper, high_banks), bytes(rom[start:stop])))
        start = stop
    return pieces


def _written_segments(
    first: bytes, second: bytes, mapper: str, high_banks: bool, max_segments: int | None = None
) -> tuple[Segment, ...]:
    """Runs of offsets whose bytes agree between the $00- and $FF-padded images, split at banks.

    Linear and in C for the scan (XOR of two big integers, a regex over the mask); Python only
    touches each run, and stops after `max_segments + 1` of them.
    """
    size = min(len(first), len(second))
    mask = _written_mask(first[:size], second[:size])
    segments: list[Segment] = []
    for run in _WRITTEN_RUN.finditer(mask):
        segments.extend(_split_at_banks(first, run.start(), run.end(), mapper, high_banks))
        if max_segments is not None and len(segments) > max_segments:
            break
    return tuple(segments)


def _lines_off_the_map(symbols: _Symbols, mask: bytes, mapper: str) -> int | None:
    """An address ASAR emitted a line at that the harness maps to no written byte, if any.

    Lines that emit nothing (`fill 0`, `db ""`) are mapped too, at the next address, so a line may
    also sit just after written bytes or at the end of the image.
    """
    size = len(mask)
    for address in sorted(symbols.addresses):
        offset = address_to_rom_offset(address, mapper)
        if offset is None or offset > size:
            return address
        if offset == size or mask[offset] == 0 or (offset > 0 and mask[offset - 1] == 0):
            continue
        return address
    return None


@dataclass(frozen=True)
class _Run:
    """One ASAR run: the process outcome, the image and the symbol file it wrote."""

    outcome: ProcessOutcome
    rom: bytes | None
    symbols_text: str


def _read_outputs(work: Path, keep: set[str]) -> tuple[bytes | None, str]:
    """Read the image and symbol file, then remove everything the run created (the next run must
    find the work dir exactly as this one did)."""
    rom_path, symbols_path = work / ROM_NAME, work / SYMBOLS_NAME
    rom = rom_path.read_bytes() if rom_path.is_file() else None
    symbols = symbols_path.read_text(encoding="utf-8", errors="replace") if symbols_path.is_file() else ""
    for entry in work.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return rom, symbols


def _run_once(jail: Jail, limits: SandboxLimits, padding: int, keep: set[str]) -> _Run:
    arguments = [
        "--fix-checksum=off",
        "--no-title-check",
        "--pause-mode=never",
        "--symbols=wla",
        f"-D{FILL_DEFINE}=${padding:02X}",
        WRAPPER_NAME,
        ROM_NAME,
    ]
    outcome = run_sandboxed(arguments, jail, limits)
    rom, symbols_text = _read_outputs(jail.work, keep)
    return _Run(outcome, rom, symbols_text)


def _limit_failure(outcome: ProcessOutcome, limits: SandboxLimits) -> AssembleResult | None:
    """TIMEOUT / LIMIT / CRASH for a run a limit or a signal ended; None when ASAR exited."""
    common = {"seconds": outcome.seconds, "cpu_seconds": outcome.cpu_seconds}
    if outcome.hit_cpu_limit:
        return _failure(
            AssembleStatus.TIMEOUT,
            "Etimeout",
            f"ASAR used more than {limits.timeout_s:g} s of CPU time (harness limit timeout_s, CPU "
            "seconds per ASAR run; a routine needs milliseconds): an endless while loop or runaway "
            "recursion?",
            **common,
        )
    if outcome.hit_file_limit:
        return _failure(
            AssembleStatus.LIMIT,
            "Elimit_output",
            f"an output file (ROM image, symbol file or ASAR's messages) grew past the harness limit "
            f"file_bytes={_size_text(limits.file_bytes)}",
            **common,
        )
    if outcome.hit_memory_limit:
        return _failure(
            AssembleStatus.LIMIT,
            "Elimit_memory",
            f"ASAR ran out of memory under the harness limit memory_bytes={_size_text(limits.memory_bytes)} "
            "(address space; a routine needs about 25 MB)",
            **common,
        )
    if outcome.returncode < 0:
        return _failure(
            AssembleStatus.CRASH, "Ecrash", f"ASAR died with signal {-outcome.returncode}", **common
        )
    return None


def _asar_errors(run: _Run, mapper: str) -> tuple[list[AsarMessage], list[AsarMessage]]:
    errors, warnings = _parse_messages(run.outcome.stderr + "\n" + run.outcome.stdout, mapper)
    if (run.outcome.returncode != 0 or run.rom is None) and not errors:
        text = (run.outcome.stderr or run.outcome.stdout).strip()[-500:] or "ASAR failed"
        errors = [_message("Eunknown", text)]
    return errors, warnings


def _rom_limit(rom: bytes, limits: SandboxLimits) -> tuple[str, str] | None:
    if len(rom) <= limits.max_rom_bytes:
        return None
    return "Elimit_rom", (
        f"the ROM image is {len(rom)} bytes, over the harness limit max_rom_bytes="
        f"{_size_text(limits.max_rom_bytes)} (LoROM banks $00-$7D, HiROM $C0-$FF)"
    )


def _content_limit(mask: bytes, symbols: _Symbols, limits: SandboxLimits) -> tuple[str, str] | None:
    """(code, message) of the first limit on written bytes or labels the output breaks."""
    written = mask.count(0)
    if written > limits.max_written_bytes:
        return "Elimit_bytes", (
            f"the source writes {written} bytes, over the harness limit max_written_bytes="
            f"{_size_text(limits.max_written_bytes)}"
        )
    if symbols.label_count > limits.max_symbols:
        return "Elimit_symbols", (
            f"the source defines {symbols.label_count} labels, over the harness limit "
            f"max_symbols={limits.max_symbols}"
        )
    return None


def _disagreement(first: _Run, second: _Run) -> str | None:
    """What differs between the two runs besides the image bytes, in words; None when nothing does."""
    if (first.outcome.stdout, first.outcome.stderr) != (second.outcome.stdout, second.outcome.stderr):
        return "ASAR printed different messages"
    if first.rom is None or second.rom is None or len(first.rom) != len(second.rom):
        return "the ROM images have different sizes"
    if _without_checksum(first.symbols_text) != _without_checksum(second.symbols_text):
        return "the labels or the address-to-line map differ"
    return None


def _nondeterministic(what: str, **fields) -> AssembleResult:
    return _failure(
        AssembleStatus.NONDETERMINISTIC,
        "Enondeterministic",
        f"the harness assembles every source twice (padding holes with $00, then $FF) to tell written bytes "
        f"from padding, and the two runs disagree: {what}. The output depends on something only the "
        "harness's probe changes, so its size cannot be measured; remove whatever reads the ROM or the "
        "padding (read1/canread/readfile, conditionals on them)",
        **fields,
    )


@dataclass(frozen=True)
class _Job:
    """One validated assembly request."""

    source: str
    mapper: str
    origin: int
    checked: preflight.Preflight
    limits: SandboxLimits
    state: SandboxState
    base: str | None = None


def _wrapper(job: _Job) -> str:
    """Mapper, padding byte (then undefined: the source cannot see it), origin, the source, and the
    assertion that the mapper is still the one the harness emulates. Lines after `incsrc` do not
    shift the caller's line numbers."""
    return "\n".join(
        [
            job.mapper,
            f"freespacebyte !{FILL_DEFINE}",
            f'undef "{FILL_DEFINE}"',
            *([f'incsrc "{BASE_NAME}"'] if job.base is not None else []),
            f"org ${job.origin:06X}",
            f'incsrc "{INPUT_NAME}"',
            f'assert {MAPPER_FINGERPRINTS[job.mapper]}, "{_MAPPER_ASSERT}"',
            "",
        ]
    )


def _expected_warning(message: AsarMessage, job: _Job) -> bool:
    """The wrapper declares the mapper first, so ASAR warns at the source's own (visible, same)
    declaration; that warning says nothing about the source."""
    lines = {line for line, _ in job.checked.declarations}
    return message.code == "Wmapper_already_set" and message.line in lines


def _finish(job: _Job, first: _Run, second: _Run, started: float) -> AssembleResult:
    common = {
        "mapper": job.mapper,
        "seconds": time.monotonic() - started,
        "cpu_seconds": first.outcome.cpu_seconds + second.outcome.cpu_seconds,
        "sandbox": job.state,
    }
    failure = _limit_failure(second.outcome, job.limits)
    if failure is not None:
        return dataclasses.replace(failure, **common)
    rom, probe = first.rom or b"", second.rom or b""
    broken = _rom_limit(rom, job.limits)  # before comparing: never scan more than the limit
    if broken is not None:
        return _failure(AssembleStatus.LIMIT, *broken, **common)
    what = _disagreement(first, second)
    mask = _written_mask(rom, probe) if what is None else b""
    what = what or _inconsistency(rom, probe, mask)
    if what is not None:
        return _nondeterministic(what, **common)
    symbols = _parse_symbols(first.symbols_text, job.limits.max_symbols)
    broken = _content_limit(mask, symbols, job.limits)
    if broken is not None:
        return _failure(AssembleStatus.LIMIT, *broken, **common)
    stray = _lines_off_the_map(symbols, mask, job.mapper)
    if stray is not None:
        return _failure(
            AssembleStatus.REJECTED,
            "Emapper_changed",
            f"ASAR assembled a line at ${stray:06X}, but no byte was written where the harness's "
            f"{job.mapper} map puts that address: the source switched the mapper for part of its code. "
            "Declare `lorom` or `hirom` as a statement of its own and keep it",
            **common,
        )
    return _assembled(job, rom, probe, symbols, first, common)


def _assembled(
    job: _Job, rom: bytes, probe: bytes, symbols: _Symbols, first: _Run, common: dict
) -> AssembleResult:
    high_banks = job.mapper == "lorom" and any(
        address >= 0x800000 for address in [*symbols.labels.values(), *symbols.line_map]
    )
    segments = _written_segments(rom, probe, job.mapper, high_banks, job.limits.max_segments)
    if len(segments) > job.limits.max_segments:
        return _failure(
            AssembleStatus.LIMIT,
            "Elimit_segments",
            f"the source writes more than {job.limits.max_segments} separate runs of bytes (harness limit "
            "max_segments)",
            **common,
        )
    _, warnings = _asar_errors(first, job.mapper)
    return AssembleResult(
        status=AssembleStatus.OK,
        rom=rom,
        segments=segments,
        warnings=tuple(w for w in warnings if not _expected_warning(w, job)),
        symbols=symbols.labels,
        line_map=symbols.line_map,
        **common,
    )


def _jail(scratch: Path, job: _Job) -> Jail:
    try:
        return prepare_jail(scratch, job.state.level, find_asar().path)
    except (OSError, ValueError) as error:
        raise SandboxRunError(
            f"could not prepare the {job.state.level.value} sandbox in {scratch}: {error}. "
            "Fix: check free space and permissions of the temp dir (TMPDIR)."
        ) from error


def _assemble_in(scratch: Path, job: _Job) -> AssembleResult:
    started = time.monotonic()
    jail = _jail(scratch, job)
    (jail.work / INPUT_NAME).write_text(job.source, encoding="utf-8", errors="replace")
    (jail.work / WRAPPER_NAME).write_text(_wrapper(job), encoding="utf-8")
    if job.base is not None:
        (jail.work / BASE_NAME).write_text(job.base, encoding="utf-8")
    for name in HEADER_NAMES if job.base is not None else job.checked.headers:
        shutil.copyfile(header_path(name), jail.work / name)
    keep = {entry.name for entry in jail.work.iterdir()}
    first = _run_once(jail, job.limits, PADDINGS[0], keep)
    failure = _limit_failure(first.outcome, job.limits)
    if failure is not None:
        return dataclasses.replace(failure, mapper=job.mapper, sandbox=job.state)
    errors, warnings = _asar_errors(first, job.mapper)
    if errors:
        return AssembleResult(
            status=AssembleStatus.ERROR,
            mapper=job.mapper,
            errors=tuple(errors),
            warnings=tuple(w for w in warnings if not _expected_warning(w, job)),
            seconds=time.monotonic() - started,
            cpu_seconds=first.outcome.cpu_seconds,
            sandbox=job.state,
        )
    second = _run_once(jail, job.limits, PADDINGS[1], keep)
    return _finish(job, first, second, started)


def _validate(
    source: str, mapper: str, allowed: frozenset[str], limits: SandboxLimits
) -> AssembleResult | preflight.Preflight:
    """A rejection, or the preflight of a source that may go to ASAR."""
    if not isinstance(source, str):
        return _reject(f"source must be text, got {type(source).__name__}")
    size = len(source.encode("utf-8", errors="replace"))
    if size > limits.max_source_bytes:
        return _failure(
            AssembleStatus.LIMIT,
            "Elimit_source",
            f"the source is {size} bytes, over the harness limit "
            f"max_source_bytes={_size_text(limits.max_source_bytes)}",
        )
    if "\x00" in source:
        return _reject("source contains NUL bytes (binary data, not assembly text)")
    if not any(preflight.strip_comment(line).strip() for line in source.split("\n")):
        return _reject("source is empty: nothing to assemble")
    if mapper not in SUPPORTED_MAPPERS:
        return _reject(f"mapper {mapper!r} is not supported; use one of {', '.join(SUPPORTED_MAPPERS)}")
    found = preflight.scan(source, allowed)
    for line, declared in found.declarations:
        if declared not in SUPPORTED_MAPPERS:
            return _reject(
                f"the source declares mapper {declared!r}; supported: {', '.join(SUPPORTED_MAPPERS)}", line
            )
    if len({declared for _, declared in found.declarations}) > 1:
        names = " and ".join(sorted({declared for _, declared in found.declarations}))
        return _reject(f"the source declares {names}: one mapper per routine")
    if found.findings:
        errors = tuple(_message("Esandbox", f.message, f.line, f.source_line) for f in found.findings)
        return AssembleResult(status=AssembleStatus.REJECTED, errors=errors)
    return found


@lru_cache(maxsize=1)
def _sweep_once() -> None:
    """Temp dirs left by scoring processes that were SIGKILLed (see `harness.asar.cleanup`)."""
    sweep_stale_workdirs()


def assemble(
    source: str,
    *,
    mapper: str = "lorom",
    origin: int | None = None,
    headers: Iterable[str] = HEADER_NAMES,
    limits: SandboxLimits | None = None,
    base: str | None = None,
) -> AssembleResult:
    """Assemble `source` in the sandbox. `headers`: which bundled headers it may `incsrc`.

    `base`: trusted ASAR text of a task's base image (the game code a hook task patches), assembled
    first, so the source can `org` into it and call its labels; it is the task's, never the model's,
    and is not preflighted. Every result carries `sandbox` (the isolation used) and `cpu_seconds`."""
    limits = limits or SandboxLimits()
    state = sandbox_state()
    checked = _validate(source, mapper, frozenset(headers) & HEADER_NAMES, limits)
    if isinstance(checked, AssembleResult):
        return dataclasses.replace(checked, sandbox=state)
    mapper = checked.mapper or mapper
    origin = DEFAULT_ORIGINS[mapper] if origin is None else origin
    job = _Job(source, mapper, origin, checked, limits, state, base)
    options = {
        "mapper": mapper,
        "origin": origin,
        "headers": sorted(checked.headers),
        "base": base,
        "limits": dataclasses.asdict(limits),
        "sandbox": state.level.value,
    }
    key = result_cache.cache_key(source, options)
    cached = result_cache.load(key)
    if cached is not None:
        return dataclasses.replace(cached, sandbox=state)
    _sweep_once()
    with tempfile.TemporaryDirectory(prefix=workdir_prefix()) as scratch:
        result = _assemble_in(Path(scratch), job)
    result_cache.store(key, result)
    return result
