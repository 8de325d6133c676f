"""Optional dependencies of the trainers, checked up front with the fix in the message.

The trainers' heavy libraries (torch, transformers, peft, trl, datasets, accelerate, datasketch) come
with the `[train]` extra, not with the base install. Without them a verb would die in an import deep
inside a library with a traceback; `require` turns that into a `ToolMissingError` naming every missing
module and the exact install command, before any work starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from harness.errors import ToolMissingError

__all__ = ["TRAIN_MODULES", "install_hint", "require"]

# What `asm65816 train` and `asm65816 merge` import (bitsandbytes only matters for QLoRA on CUDA).
TRAIN_MODULES: tuple[str, ...] = ("torch", "transformers", "peft", "trl", "datasets", "accelerate")


def install_hint(extra: str) -> str:
    """The command that installs an extra, for a wheel or a source checkout alike."""
    return f'pip install "asm65816-harness[{extra}]" (from a checkout: pip install -e ".[{extra}]")'


def _missing(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return True
    return False


def require(modules: Sequence[str], *, extra: str, purpose: str) -> None:
    """Raise `ToolMissingError` unless every module imports; the message names them and the extra."""
    missing = [module for module in modules if _missing(module)]
    if missing:
        raise ToolMissingError(
            f"{purpose} needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
            f"installed: {install_hint(extra)}"
        )
