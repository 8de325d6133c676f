"""One verbosity for the whole CLI: `asm65816 -v ...` (debug), `-q` (warnings and results only).

Results (tables, JSON, verdicts) go to stdout with `print`; everything about the run itself (files
written, counts of missing answers, progress) goes through the `harness` logger to stderr, so `-q`
silences it and `-v` adds detail. Progress bars are drawn only on a terminal and never with `-q`.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["LOG", "configure", "progress_enabled"]

LOG = logging.getLogger("harness")
_QUIET_ENV = "ASM65816_QUIET"  # set by `-q` so worker processes and library code see it too


def configure(verbosity: int) -> None:
    """-1 quiet, 0 normal, 1 verbose: the harness logger's level, one stderr handler, and the
    verbosity of lm-eval and transformers (which log a lot at INFO)."""
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    if not any(getattr(handler, "_asm65816", False) for handler in LOG.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._asm65816 = True  # type: ignore[attr-defined]
        LOG.addHandler(handler)
        LOG.propagate = False
    LOG.setLevel(level)
    for name in ("lm_eval", "transformers", "datasets"):
        logging.getLogger(name).setLevel(logging.WARNING if verbosity <= 0 else logging.INFO)
    if verbosity < 0:
        os.environ[_QUIET_ENV] = "1"


def progress_enabled() -> bool:
    """Draw progress bars: only on a terminal, and not when the user asked for quiet."""
    return sys.stderr.isatty() and os.environ.get(_QUIET_ENV) != "1"
