"""The compiled 65816 core on disk, so a new process loads it instead of generating it again.

Generating the core's source and compiling it takes ~0.13 s, paid by every process that builds a
Machine (each scoring worker, each CLI call); loading the stored code object takes ~1 ms. The key is
a hash of the text of every module the generated source is made from, the cache format and the
interpreter's bytecode magic number, so an edited generator or another Python never reads a stale
core. A file that is unreadable, truncated or fails its checksum is ignored and rewritten; a folder
that cannot be written is no error (the core is just not kept). `ASM65816_NO_CORE_CACHE=1` turns the
cache off. Like Python's own `__pycache__`, the cache is trusted code: keep the cache folder
(`harness.core.cachedir`) writable by you only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType
from typing import TypeVar

from harness.core.cachedir import cache_root

__all__ = ["cached_core", "core_key"]

_FORMAT = b"asm65816-emu-core/1"
_DIGEST = 32  # bytes of the sha256 stored in front of the payload
_Table = TypeVar("_Table")


def core_key(modules: Sequence[str]) -> str | None:
    """sha256 over the cache format, the bytecode magic number and the text of `modules` (imported
    names); None when a module's source cannot be read (then nothing is cached)."""
    digest = hashlib.sha256(_FORMAT + importlib.util.MAGIC_NUMBER)
    for name in modules:
        path = getattr(sys.modules.get(name), "__file__", None)
        try:
            digest.update(name.encode() + b"\0" + Path(str(path)).read_bytes() + b"\0")
        except OSError:
            return None
    return digest.hexdigest()


def cached_core(
    modules: Sequence[str], build: Callable[[], tuple[CodeType, _Table]]
) -> tuple[CodeType, _Table]:
    """`build()` (compiled core, handler table), or the stored result of an earlier call with the same
    key. The table must be made of marshal-able values (tuples, strings, None)."""
    key = None if os.environ.get("ASM65816_NO_CORE_CACHE") == "1" else core_key(modules)
    if key is None:
        return build()
    path = cache_root() / "emu-core" / f"{key}.marshal"
    stored = _read(path)
    if stored is not None:
        return stored  # type: ignore[return-value]
    core = build()
    _write(path, core)
    return core


def _read(path: Path) -> tuple[CodeType, object] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    payload = data[_DIGEST:]
    if len(data) <= _DIGEST or hashlib.sha256(payload).digest() != data[:_DIGEST]:
        return None
    try:
        core = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(core, tuple) and len(core) == 2 and isinstance(core[0], CodeType)):
        return None
    return core[0], core[1]


def _write(path: Path, core: tuple[CodeType, object]) -> None:
    """Write atomically (a temporary file renamed over the name): readers see a whole file or none."""
    payload = marshal.dumps(core)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".core-", delete=False) as handle:
            handle.write(hashlib.sha256(payload).digest() + payload)
        os.replace(handle.name, path)
    except OSError:
        return
