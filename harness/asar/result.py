"""What one assembly produced: a ROM image, the ranges written, messages, symbols and the line map.

These are the only types that cross from `harness.asar` into the rest of the pipeline. Addresses are
24-bit SNES addresses (bank << 16 | offset) as the CPU sees them under the chosen mapper; line numbers
are 1-based lines of the *caller's* text, never of a wrapper the backend adds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

__all__ = ["AsarMessage", "AssembleResult", "AssembleStatus", "SandboxLevel", "SandboxState", "Segment"]


class AssembleStatus(str, Enum):
    """Closed set of outcomes. Anything but OK is a failure of the candidate, never a pass.

    Failures of the harness itself (a missing ASAR, a sandbox that cannot start, the wall-clock
    backstop on an overloaded machine) are not statuses: they raise `HarnessError` subclasses, so
    they can never be averaged into a score as the candidate's failure.
    """

    OK = "ok"
    ERROR = "error"  # ASAR reported errors in the source
    REJECTED = "rejected"  # the sandbox refused the source before or while running ASAR
    TIMEOUT = "timeout"  # the CPU-time budget was used up (CPU time, so the verdict does not depend on load)
    LIMIT = "limit"  # a named harness limit (memory, output file, ROM size, bytes, segments, symbols) was hit
    CRASH = "crash"  # ASAR died or produced output we cannot read
    NONDETERMINISTIC = "nondeterministic"  # the two ASAR runs disagreed: the source observed the probe


class SandboxLevel(str, Enum):
    """How strongly ASAR is isolated from the files of the machine (closed set, strongest first)."""

    # own user+mount namespace, a root holding only ASAR, its libraries and the temp dir; Landlock on top
    FULL = "full"
    LANDLOCK_ONLY = (
        "landlock_only"  # Landlock: contents outside the temp dir unreadable, existence still visible
    )
    DEGRADED = "degraded"  # neither: only rlimits and the textual preflight


@dataclass(frozen=True)
class SandboxState:
    """The isolation this process gives ASAR, as data for results JSON. `detail` says why, in words."""

    level: SandboxLevel
    detail: str
    landlock_abi: int = 0

    @property
    def degraded(self) -> bool:
        """True unless no byte and no existence bit of a file outside the temp dir can reach a result."""
        return self.level is not SandboxLevel.FULL

    def to_json(self) -> dict:
        return {
            "level": self.level.value,
            "degraded": self.degraded,
            "detail": self.detail,
            "landlock_abi": self.landlock_abi,
        }

    @classmethod
    def from_json(cls, raw: dict) -> SandboxState:
        return cls(SandboxLevel(raw["level"]), str(raw["detail"]), int(raw.get("landlock_abi", 0)))


@dataclass(frozen=True)
class AsarMessage:
    """One error or warning. `line` is in the caller's text (None when ASAR names no line)."""

    severity: str  # "error" | "warning"
    code: str  # ASAR's code such as "Eunknown_command", or "Esandbox"/"Etimeout" for ours
    message: str
    line: int | None = None
    source_line: str | None = None

    def format(self) -> str:
        where = f"{self.line}: " if self.line is not None else ""
        return f"{where}({self.code}) {self.message}"


@dataclass(frozen=True)
class Segment:
    """A contiguous run of written bytes starting at a 24-bit SNES address."""

    address: int
    data: bytes

    @property
    def end(self) -> int:
        """One past the last address (exclusive)."""
        return self.address + len(self.data)


def _frozen_map(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class AssembleResult:
    """Outcome of assembling one source.

    `rom` is the image as ASAR wrote it (unwritten holes are zero); `segments` are the bytes actually
    written, by SNES address, so byte sizes and loaders never count padding. `symbols` maps label ->
    24-bit address (sub-labels as ASAR spells them in its WLA output, e.g. `Main_loop`);
    `line_map` maps the address of each emitted line -> line in the caller's text.
    """

    status: AssembleStatus
    mapper: str = "lorom"
    rom: bytes = b""
    segments: tuple[Segment, ...] = ()
    errors: tuple[AsarMessage, ...] = ()
    warnings: tuple[AsarMessage, ...] = ()
    symbols: Mapping[str, int] = field(default_factory=lambda: _frozen_map(None))
    line_map: Mapping[int, int] = field(default_factory=lambda: _frozen_map(None))
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the ASAR processes (both runs), what the budget is measured in
    sandbox: SandboxState | None = None  # the isolation ASAR had; `assemble` always sets it

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbols", _frozen_map(self.symbols))
        object.__setattr__(self, "line_map", _frozen_map(self.line_map))

    def __getstate__(self) -> dict:
        """Pickle (process pools) with plain dicts: mappingproxy cannot be pickled."""
        state = dict(self.__dict__)
        state["symbols"], state["line_map"] = dict(self.symbols), dict(self.line_map)
        return state

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()

    @property
    def ok(self) -> bool:
        return self.status is AssembleStatus.OK

    @property
    def size(self) -> int:
        """Bytes written by the source (code and data), padding excluded."""
        return sum(len(segment.data) for segment in self.segments)

    def error_text(self) -> str:
        """All errors, one `line: (Ecode) message` per line."""
        return "\n".join(message.format() for message in self.errors)

    def to_json(self) -> dict:
        """JSON-ready view (bytes as hex), as `asm65816 assemble --json` prints it."""
        return {
            "ok": self.ok,
            "status": self.status.value,
            "mapper": self.mapper,
            "size": self.size,
            "segments": [{"address": f"${s.address:06X}", "bytes": s.data.hex()} for s in self.segments],
            "errors": [vars(m) for m in self.errors],
            "warnings": [vars(m) for m in self.warnings],
            "symbols": {name: f"${addr:06X}" for name, addr in self.symbols.items()},
            "line_map": {f"${addr:06X}": line for addr, line in sorted(self.line_map.items())},
            "seconds": round(self.seconds, 4),
            "cpu_seconds": round(self.cpu_seconds, 4),
            "sandbox": self.sandbox.to_json() if self.sandbox is not None else None,
        }
