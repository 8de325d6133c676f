"""`assemble(source)`: untrusted ASAR text in, an `AssembleResult` out; never raises for bad source.

The caller's text is written verbatim as `input.asm` in an empty temp dir; a small wrapper file sets
the mapper and origin and `incsrc`s it, so ASAR's line numbers are the caller's. A second run on a
copy of the ROM pre-filled with $FF tells which bytes were really written (equal in both images),
which gives exact written ranges and byte sizes without trusting padding.

Raises only for a missing/wrong ASAR (`ToolMissingError`/`ToolMismatchError`): that is never a score.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from harness.asar import preflight
from harness.asar.locate import find_asar
from harness.asar.result import AsarMessage, AssembleResult, AssembleStatus, Segment
from harness.asar.sandbox import ProcessOutcome, SandboxLimits, run_sandboxed

__all__ = [
    "DEFAULT_ORIGINS",
    "HEADER_NAMES",
    "SUPPORTED_MAPPERS",
    "assemble",
    "header_path",
    "rom_offset_to_address",
]

SUPPORTED_MAPPERS = ("lorom", "hirom")
DEFAULT_ORIGINS = {"lorom": 0x008000, "hirom": 0xC00000}
INPUT_NAME = "input.asm"
WRAPPER_NAME = "harness_main.asm"
HEADER_NAMES = frozenset({"snes.asm", "alttp_ram.asm"})

_MESSAGE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+)(?: \(called from (?P<caller_file>[^:)]+):(?P<caller_line>\d+)\))?: "
    r"(?P<severity>error|warning): "
    r"\((?P<code>[^)]+)\): (?P<message>.*?)(?: \[(?P<source>.*)\])?$"
)
_BARE_MESSAGE = re.compile(r"^(?P<severity>error|warning): \((?P<code>[^)]+)\): (?P<message>.*)$")
_WLA_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})\s+(\S+)")


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


def _reject(message: str, line: int | None = None, source_line: str | None = None) -> AssembleResult:
    return AssembleResult(
        status=AssembleStatus.REJECTED,
        errors=(AsarMessage("error", "Esandbox", message, line, source_line),),
    )


def _parse_messages(text: str) -> tuple[list[AsarMessage], list[AsarMessage]]:
    """ASAR's `file:line: error: (Ecode): message [source]` lines, mapped to the caller's text."""
    errors: list[AsarMessage] = []
    warnings: list[AsarMessage] = []
    for raw in text.splitlines():
        match = _MESSAGE.match(raw.strip())
        if match:
            in_caller = Path(match["file"]).name == INPUT_NAME
            message = (
                match["message"]
                if in_caller
                else f"{match['message']} (in {Path(match['file']).name}:{match['line']})"
            )
            if match["caller_line"]:
                message += f" (in a macro called from line {match['caller_line']})"
            entry = AsarMessage(
                match["severity"],
                match["code"],
                message,
                int(match["line"]) if in_caller else None,
                match["source"],
            )
        else:
            bare = _BARE_MESSAGE.match(raw.strip())
            if not bare:
                continue
            entry = AsarMessage(bare["severity"], bare["code"], bare["message"])
        (errors if entry.severity == "error" else warnings).append(entry)
    return errors, warnings


def _parse_symbols(text: str) -> tuple[dict[str, int], dict[int, int]]:
    """Labels and the caller-file part of the address-to-line map from ASAR's WLA symbols."""
    section = ""
    symbols: dict[str, int] = {}
    line_map: dict[int, int] = {}
    input_index: str | None = None
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
            symbols[match.group(3)] = address
        elif section == "[addr-to-line mapping]":
            file_index, _, line_text = match.group(3).partition(":")
            if file_index == input_index:
                line_map.setdefault(address, int(line_text, 16))
    return symbols, line_map


def _written_segments(first: bytes, second: bytes, mapper: str, high_banks: bool) -> tuple[Segment, ...]:
    """Runs of offsets whose bytes agree between the $00-filled and $FF-filled images."""
    segments: list[Segment] = []
    start = None
    for offset in range(len(first) + 1):
        written = offset < len(first) and offset < len(second) and first[offset] == second[offset]
        if written and start is None:
            start = offset
        elif not written and start is not None:
            segments.extend(_split_at_banks(first, start, offset, mapper, high_banks))
            start = None
    return tuple(segments)


def _split_at_banks(rom: bytes, start: int, end: int, mapper: str, high_banks: bool) -> list[Segment]:
    bank_size = 0x10000 if mapper == "hirom" else 0x8000
    pieces = []
    while start < end:
        stop = min(end, (start // bank_size + 1) * bank_size)
        pieces.append(Segment(rom_offset_to_address(start, mapper, high_banks), bytes(rom[start:stop])))
        start = stop
    return pieces


def _failure_status(outcome: ProcessOutcome) -> AssembleStatus | None:
    if outcome.timed_out or outcome.hit_cpu_limit:
        return AssembleStatus.TIMEOUT
    if outcome.hit_file_limit:
        return AssembleStatus.LIMIT
    if outcome.returncode < 0:
        return AssembleStatus.CRASH
    return None


def _limit_result(status: AssembleStatus, outcome: ProcessOutcome, limits: SandboxLimits) -> AssembleResult:
    reasons = {
        AssembleStatus.TIMEOUT: (
            "Etimeout",
            f"ASAR did not finish within {limits.timeout_s:g} s (infinite loop or recursion?)",
        ),
        AssembleStatus.LIMIT: ("Elimit", f"output exceeded {limits.file_bytes // 1024} KiB"),
        AssembleStatus.CRASH: (
            "Ecrash",
            f"ASAR died with signal {-outcome.returncode} (memory limit or crash)",
        ),
    }
    code, message = reasons[status]
    return AssembleResult(
        status=status, errors=(AsarMessage("error", code, message),), seconds=outcome.seconds
    )


def _wrapper(mapper: str, declared: str | None, origin: int) -> str:
    lines = [] if declared else [mapper]
    lines += [f"org ${origin:06X}", f'incsrc "{INPUT_NAME}"', ""]
    return "\n".join(lines)


def _run_asar(workdir: Path, rom_name: str, limits: SandboxLimits, symbols: bool) -> ProcessOutcome:
    binary = find_asar()
    argv = [str(binary.path), "--fix-checksum=off", "--no-title-check", "--pause-mode=never"]
    if symbols:
        argv.append("--symbols=wla")
    argv += [WRAPPER_NAME, rom_name]
    return run_sandboxed(argv, workdir, binary.path, limits)


def _validate(
    source: str, mapper: str, allowed: frozenset[str], limits: SandboxLimits
) -> AssembleResult | preflight.Preflight:
    """A rejection, or the preflight of a source that may go to ASAR."""
    if not isinstance(source, str):
        return _reject(f"source must be text, got {type(source).__name__}")
    if len(source.encode("utf-8", errors="replace")) > limits.max_source_bytes:
        return _reject(f"source is larger than {limits.max_source_bytes // 1024} KiB")
    if "\x00" in source:
        return _reject("source contains NUL bytes (binary data, not assembly text)")
    if not any(preflight.strip_comment(line).strip() for line in source.splitlines()):
        return _reject("source is empty: nothing to assemble")
    if mapper not in SUPPORTED_MAPPERS:
        return _reject(f"mapper {mapper!r} is not supported; use one of {', '.join(SUPPORTED_MAPPERS)}")
    found = preflight.scan(source, allowed)
    if found.mapper is not None and found.mapper not in SUPPORTED_MAPPERS:
        return _reject(f"the source declares mapper {found.mapper!r}; supported: {', '.join(SUPPORTED_MAPPERS)}")
    if found.findings:
        errors = tuple(AsarMessage("error", "Esandbox", f.message, f.line, f.source_line) for f in found.findings)
        return AssembleResult(status=AssembleStatus.REJECTED, errors=errors)
    return found


def assemble(
    source: str,
    *,
    mapper: str = "lorom",
    origin: int | None = None,
    headers: Iterable[str] = HEADER_NAMES,
    limits: SandboxLimits | None = None,
) -> AssembleResult:
    """Assemble `source` in the sandbox. `headers`: which bundled headers it may `incsrc`."""
    limits = limits or SandboxLimits()
    allowed = frozenset(headers) & HEADER_NAMES
    checked = _validate(source, mapper, allowed, limits)
    if isinstance(checked, AssembleResult):
        return checked
    declared = checked.mapper
    mapper = declared or mapper
    origin = DEFAULT_ORIGINS[mapper] if origin is None else origin
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="asm65816-asar-") as scratch:
        workdir = Path(scratch)
        (workdir / INPUT_NAME).write_text(source, encoding="utf-8", errors="replace")
        (workdir / WRAPPER_NAME).write_text(_wrapper(mapper, declared, origin), encoding="utf-8")
        for name in checked.headers:
            shutil.copyfile(header_path(name), workdir / name)
        outcome = _run_asar(workdir, "out.sfc", limits, symbols=True)
        status = _failure_status(outcome)
        if status is not None:
            return _limit_result(status, outcome, limits)
        errors, warnings = _parse_messages(outcome.stderr + "\n" + outcome.stdout)
        rom_path = workdir / "out.sfc"
        if outcome.returncode != 0 or errors or not rom_path.exists():
            if not errors:
                errors = [
                    AsarMessage(
                        "error",
                        "Eunknown",
                        (outcome.stderr or outcome.stdout).strip()[-500:] or "ASAR failed",
                    )
                ]
            return AssembleResult(
                status=AssembleStatus.ERROR,
                mapper=mapper,
                errors=tuple(errors),
                warnings=tuple(warnings),
                seconds=time.monotonic() - started,
            )
        rom = rom_path.read_bytes()
        symbols, line_map = _parse_symbols(_read_text(workdir / "out.sym"))
        (workdir / "probe.sfc").write_bytes(b"\xff" * len(rom))
        probe = _run_asar(workdir, "probe.sfc", limits, symbols=False)
        if _failure_status(probe) is not None or probe.returncode != 0:
            return _limit_result(_failure_status(probe) or AssembleStatus.CRASH, probe, limits)
        high_banks = mapper == "lorom" and any(
            address >= 0x800000 for address in [*symbols.values(), *line_map]
        )
        segments = _written_segments(rom, (workdir / "probe.sfc").read_bytes(), mapper, high_banks)
    return AssembleResult(
        status=AssembleStatus.OK,
        mapper=mapper,
        rom=rom,
        segments=segments,
        warnings=tuple(warnings),
        symbols=symbols,
        line_map=line_map,
        seconds=time.monotonic() - started,
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
