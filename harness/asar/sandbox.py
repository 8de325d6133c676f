"""Run ASAR on untrusted text: empty temp dir, clean environment, limits, kill escalation.

Layers (EvalPlus-style): the parent decides limits and builds the Landlock ruleset; the child gets
rlimits (address space, CPU seconds, file size, no core dumps, few fds), a new session so the whole
group can be killed, and Landlock so it can open nothing outside its temp dir and the system
libraries. stdout/stderr go to files inside the temp dir (capped by the file-size limit), so a source
that prints forever cannot fill the parent's memory. The temp dir is always removed.

Not protected against (stated, as EvalPlus does): kernel exploits in ASAR's process, CPU time stolen
from other processes during the allowed seconds, and, where Landlock is unavailable, file reads built
from defines that the textual preflight cannot see.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from harness.asar import landlock

__all__ = ["ProcessOutcome", "SandboxLimits", "run_sandboxed"]

SYSTEM_READ_PATHS = (Path("/usr"), Path("/lib"), Path("/lib64"), Path("/lib32"), Path("/etc/ld.so.cache"))
_OUTPUT_READ_CAP = 256 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one ASAR process. Defaults fit routines of a few KiB with ample slack."""

    timeout_s: float = 5.0
    memory_bytes: int = 1024 * 1024 * 1024
    file_bytes: int = 4 * 1024 * 1024  # largest file the process may write (ROM, symbols, logs)
    max_source_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True)
class ProcessOutcome:
    """What the child did: exit code (negative = signal), captured text, whether a limit fired."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float

    @property
    def hit_file_limit(self) -> bool:
        return self.returncode == -signal.SIGXFSZ

    @property
    def hit_cpu_limit(self) -> bool:
        return self.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and not self.timed_out


def _child_setup(limits: SandboxLimits, ruleset_fd: int | None):
    cpu_seconds = int(limits.timeout_s) + 1

    def setup() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        if ruleset_fd is not None:
            landlock.restrict_self(ruleset_fd)

    return setup


def _read_capped(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(_OUTPUT_READ_CAP).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_sandboxed(argv: list[str], workdir: Path, executable: Path, limits: SandboxLimits) -> ProcessOutcome:
    """Run `argv` in `workdir` under the limits; never raises for anything the child does."""
    ruleset_fd = None
    if landlock.available():
        ruleset_fd = landlock.build_ruleset([workdir], [*SYSTEM_READ_PATHS, executable])
    stdout_path, stderr_path = workdir / ".stdout", workdir / ".stderr"
    started = time.monotonic()
    timed_out = False
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            process = subprocess.Popen(
                argv,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env={"PATH": "/usr/bin:/bin", "LANG": "C", "LC_ALL": "C", "HOME": str(workdir)},
                start_new_session=True,
                pass_fds=(ruleset_fd,) if ruleset_fd is not None else (),
                preexec_fn=_child_setup(limits, ruleset_fd),
            )
            try:
                returncode = process.wait(timeout=limits.timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(process)
                returncode = process.wait()
    finally:
        if ruleset_fd is not None:
            os.close(ruleset_fd)
    return ProcessOutcome(
        returncode=returncode,
        stdout=_read_capped(stdout_path),
        stderr=_read_capped(stderr_path),
        timed_out=timed_out,
        seconds=time.monotonic() - started,
    )
