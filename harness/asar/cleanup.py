"""No ASAR process and no temp dir (holding a candidate's source) outlives the process that scored it.

Three mechanisms, one per way a scoring process can end:
* normal return or exception: `assemble` removes its temp dir in a `finally`, and
  `run_sandboxed` kills the ASAR process group in its own `finally`;
* SIGTERM / SIGHUP: Python's default is to die on the spot, skipping every `finally`. The CLI and
  worker processes call `install_termination_cleanup()`, which turns these signals into
  `SystemExit`, so the blocks above run;
* SIGKILL (nothing runs): ASAR carries `PR_SET_PDEATHSIG=SIGKILL` and dies with its parent; the
  temp dir is named after the owning pid, and `sweep_stale_workdirs()` (run once per process, on
  its first assembly) removes dirs whose owner is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["WORKDIR_PREFIX", "install_termination_cleanup", "sweep_stale_workdirs", "workdir_prefix"]

WORKDIR_PREFIX = "asm65816-asar-"
TERMINATION_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# A dir is only swept when its owner pid is gone AND it is older than this: a pid of another pid
# namespace sharing /tmp looks dead from here, but no assembly lives longer than its wall-clock
# backstop (2 runs x 40 s by default).
STALE_AFTER_S = 600.0


def workdir_prefix() -> str:
    """Prefix of this process's temp dirs: `asm65816-asar-<pid>-`."""
    return f"{WORKDIR_PREFIX}{os.getpid()}-"


def _exit_on_signal(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)


def install_termination_cleanup() -> bool:
    """Make SIGTERM and SIGHUP raise `SystemExit(128 + signal)` so `finally` blocks and temp-dir
    cleanup run. Only replaces default handlers (an application's own handlers are kept) and only
    from the main thread (Python allows signal handlers nowhere else). Returns whether any handler
    was installed. Call it at the start of the CLI's `main` and in every worker process.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    installed = False
    for number in TERMINATION_SIGNALS:
        if signal.getsignal(number) in (signal.SIG_DFL, None):
            signal.signal(number, _exit_on_signal)
            installed = True
    return installed


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_workdirs(directory: Path | None = None, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove `asm65816-asar-<pid>-*` dirs of this user whose owner process is gone and that are
    older than `older_than_s`. Returns what was removed. Never raises."""
    base = Path(directory or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        pid_text = entry.name[len(WORKDIR_PREFIX) :].split("-", 1)[0]
        if not entry.name.startswith(WORKDIR_PREFIX) or not pid_text.isdigit():
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        if now - info.st_mtime < older_than_s or _owner_alive(int(pid_text)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed
