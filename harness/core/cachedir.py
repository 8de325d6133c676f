"""The one folder every on-disk cache of the harness lives under.

`$ASM65816_CACHE` when set, else `$XDG_CACHE_HOME/asm65816` (default `~/.cache/asm65816`). Each cache
takes a subfolder: `asar-<version>` (the provisioned binary), `asar-results`, `cases` (case plans
of tasks without stored ones), `emu-core` (the compiled 65816 core). Every cache is keyed by the
content it depends on, so a stale entry is never read; deleting the folder only costs time.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """`$ASM65816_CACHE`, else `$XDG_CACHE_HOME/asm65816` (default `~/.cache/asm65816`)."""
    explicit = os.environ.get("ASM65816_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "asm65816"
