"""A content-addressed disk cache of assembly results.

ASAR is deterministic (the harness assembles every source twice and refuses one that is not), so the
result of a source under given options is a pure function of (source, base, mapper, origin, allowed
headers, limits, ASAR binary, sandbox level). Validation, the dataset build and repeated scoring
assemble the same references, baselines and answers again and again; each assembly costs two ASAR
processes (~25 ms of mostly kernel time, ASAR's own start-up). The cache keeps results of routine
size (compressed ROM image up to 256 KiB) as JSON under `$ASM65816_CACHE/asar-results` (default
`~/.cache/asm65816`). Only outcomes that depend on the source alone are kept (OK, ERROR, REJECTED,
NONDETERMINISTIC); CPU timeouts, crashes and resource limits are always re-run.
`ASM65816_NO_ASAR_CACHE=1` switches it off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.asar.result import AsarMessage, AssembleResult, AssembleStatus, SandboxState, Segment
from harness.core.cachedir import cache_root

__all__ = ["CACHE_FORMAT", "cache_key", "load", "store"]

CACHE_FORMAT = "asm65816-asar-result/1"
_CACHED = frozenset(
    {AssembleStatus.OK, AssembleStatus.ERROR, AssembleStatus.REJECTED, AssembleStatus.NONDETERMINISTIC}
)
_MAX_STORED_ROM = 256 * 1024  # compressed: a routine at a high bank is a mostly-zero 1 MiB image


def _folder() -> Path | None:
    if os.environ.get("ASM65816_NO_ASAR_CACHE") == "1":
        return None
    return cache_root() / "asar-results"


def cache_key(source: str, options: dict[str, Any]) -> str:
    """The key of one assembly: the source, every option that changes its result, the binary."""
    from harness.asar.locate import ASAR_SHA256

    text = json.dumps([CACHE_FORMAT, ASAR_SHA256, source, options], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def _messages(raw: list[dict[str, Any]]) -> tuple[AsarMessage, ...]:
    return tuple(AsarMessage(**item) for item in raw)


def load(key: str) -> AssembleResult | None:
    """The cached result, or None (absent, unreadable, or written by another format: re-assemble)."""
    folder = _folder()
    if folder is None:
        return None
    try:
        data = json.loads((folder / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        if data.get("format") != CACHE_FORMAT:
            return None
        sandbox = data.get("sandbox")
        return AssembleResult(
            status=AssembleStatus(data["status"]),
            mapper=data["mapper"],
            rom=zlib.decompress(base64.b64decode(data["rom"])),
            segments=tuple(
                Segment(address, bytes.fromhex(hex_data)) for address, hex_data in data["segments"]
            ),
            errors=_messages(data["errors"]),
            warnings=_messages(data["warnings"]),
            symbols={name: int(address) for name, address in data["symbols"].items()},
            line_map={int(address): int(line) for address, line in data["line_map"].items()},
            seconds=0.0,
            cpu_seconds=0.0,
            sandbox=SandboxState.from_json(sandbox) if sandbox else None,
        )
    except (OSError, ValueError, KeyError, TypeError, zlib.error):
        return None


def store(key: str, result: AssembleResult) -> None:
    """Keep a result whose outcome depends on the source alone; a cache that cannot be written is
    not an error (the result is just not kept)."""
    folder = _folder()
    if folder is None or result.status not in _CACHED:
        return
    rom = zlib.compress(result.rom, 6)
    if len(rom) > _MAX_STORED_ROM:
        return
    data = {
        "format": CACHE_FORMAT,
        "status": result.status.value,
        "mapper": result.mapper,
        "rom": base64.b64encode(rom).decode("ascii"),
        "segments": [[segment.address, segment.data.hex()] for segment in result.segments],
        "errors": [asdict(message) for message in result.errors],
        "warnings": [asdict(message) for message in result.warnings],
        "symbols": dict(result.symbols),
        "line_map": {str(address): line for address, line in result.line_map.items()},
        "sandbox": result.sandbox.to_json() if result.sandbox else None,
    }
    path = folder / key[:2] / f"{key}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass
