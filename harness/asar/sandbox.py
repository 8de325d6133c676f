"""Run ASAR on untrusted text: isolated root, Landlock, rlimits, CPU budget, death with the parent.

Layers (EvalPlus-style), strongest first (`harness.asar.state` says which this machine gets):
* FULL: a fresh user + mount namespace whose root holds only ASAR, its loader and libraries (at a
  random path) and the temp dir (`harness.asar.isolation`), with Landlock on top;
* LANDLOCK_ONLY: Landlock allows the temp dir and the loader's exact files, nothing else;
* DEGRADED: neither; only the limits below and the textual preflight.

Always: rlimits (address space, CPU seconds, file size, no core dumps, few fds), ASLR off (so two
runs of one source are bit-identical), a new session (the group is killed on every exit path),
`PR_SET_PDEATHSIG` (ASAR dies with the process that started it, even on SIGKILL), a clean
environment, stdout/stderr in files outside the directory ASAR can see (capped by the file-size
limit, so a source that prints forever cannot fill the parent's memory).

Budgets are CPU time, not wall-clock: the verdict must be the same on an idle and a loaded machine.
`RLIMIT_CPU` kills at the budget; the measured CPU time (`wait4` rusage) decides TIMEOUT. A
wall-clock backstop (`wall_backstop_factor` x the budget) only guards against a machine so
overloaded that no verdict is possible; hitting it raises `SandboxRunError`, never a TIMEOUT.

Not protected against (stated, as EvalPlus does): kernel exploits from ASAR's process, and code
execution through memory-corruption bugs in ASAR itself (the layers above then still bound what
that code can see, except in DEGRADED).
"""

from __future__ import annotations

import ctypes
import math
import os
import resource
import select
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.asar import isolation, landlock
from harness.asar.libc import libc
from harness.asar.result import SandboxLevel
from harness.errors import HarnessError

__all__ = [
    "Jail",
    "ProcessOutcome",
    "SandboxLimits",
    "SandboxRunError",
    "SandboxSetupError",
    "prepare_jail",
    "run_sandboxed",
]

_OUTPUT_READ_CAP = 256 * 1024
_PR_SET_PDEATHSIG = 1
_ADDR_NO_RANDOMIZE = 0x0040000
_MIB = 1024 * 1024


class SandboxRunError(HarnessError):
    """The harness could not bring an ASAR run to a verdict (sandbox setup refused, wall-clock
    backstop on an overloaded machine). Not the candidate's failure: report it as a harness error."""


class SandboxSetupError(SandboxRunError):
    """The kernel refused a step of the sandbox (namespaces, mounts, Landlock) before ASAR started."""


@dataclass(frozen=True)
class SandboxLimits:
    """Harness limits for one assembly. Every limit that fires is a named LIMIT/TIMEOUT failure.

    A real routine is under 4 KiB of text and bytes and assembles in a few milliseconds with about
    20 MB of memory; hook tasks may place code in a few banks. The defaults leave large margins
    over that while keeping the worst sample (two ASAR runs) under 10 s CPU and 256 MB:

    * `timeout_s`: CPU seconds per ASAR run (the name is kept for compatibility; it is CPU time,
      not wall-clock). Two runs per assembly: at most 2 x 4 s.
    * `memory_bytes`: address space of the ASAR process (RLIMIT_AS); ASAR needs ~25 MB.
    * `file_bytes`: largest file ASAR may write (ROM image, symbol file, its messages).
    * `max_source_bytes`: text handed to ASAR; 64x a large routine.
    * `max_rom_bytes`: ROM image size, 4 MiB: LoROM banks $00-$7D as expanded ROM hacks use them, HiROM
      $C0-$FF. A result
      holds its image, so this also bounds what caches of results can grow to per entry.
    * `max_written_bytes`: bytes the source really writes (code and data, padding excluded).
    * `max_segments`: contiguous written runs (a routine has a handful; a pattern fill makes millions).
    * `max_symbols`: labels in ASAR's symbol file.
    * `wall_backstop_factor`: wall-clock seconds allowed per run = factor x `timeout_s`.
    """

    timeout_s: float = 4.0
    memory_bytes: int = 192 * _MIB
    file_bytes: int = 5 * _MIB
    max_source_bytes: int = 256 * 1024
    max_rom_bytes: int = 4 * _MIB
    max_written_bytes: int = 64 * 1024
    max_segments: int = 256
    max_symbols: int = 8192
    wall_backstop_factor: float = 10.0

    def to_json(self) -> dict:
        """The budgets as data, for results JSON ("the budgets used")."""
        return asdict(self)

    @property
    def cpu_rlimit_s(self) -> int:
        """RLIMIT_CPU is whole seconds: the soft limit (SIGXCPU) is the budget rounded up."""
        return max(1, math.ceil(self.timeout_s))

    @property
    def wall_backstop_s(self) -> float:
        return self.wall_backstop_factor * max(self.timeout_s, 1.0)


@dataclass(frozen=True)
class Jail:
    """How one assembly's ASAR runs are isolated: level, argv prefix, mounts, Landlock rules.

    `work` is the host path of the directory ASAR sees (as `/work` under FULL); `logs` is a host
    directory outside it for stdout/stderr.
    """

    level: SandboxLevel
    command: tuple[str, ...]
    work: Path
    logs: Path
    plan: isolation.MountPlan | None
    read_exec: tuple[Path, ...]


@dataclass(frozen=True)
class ProcessOutcome:
    """What the child did: exit code (negative = signal), captured text, resources used."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool  # the wall-clock backstop fired (load-dependent: a harness error, not a verdict)
    seconds: float
    cpu_seconds: float = 0.0
    max_rss_bytes: int = 0
    cpu_budget_s: float = 0.0
    memory_limit_bytes: int = 0

    @property
    def hit_file_limit(self) -> bool:
        return self.returncode == -signal.SIGXFSZ

    @property
    def hit_cpu_limit(self) -> bool:
        """SIGXCPU (soft RLIMIT_CPU) or more CPU time than the budget (which covers SIGKILL at the
        hard limit; a SIGKILL with CPU to spare is someone else's kill: a crash, not a timeout)."""
        if self.timed_out:
            return False
        return self.returncode == -signal.SIGXCPU or (
            self.cpu_budget_s > 0 and self.cpu_seconds > self.cpu_budget_s
        )

    @property
    def hit_memory_limit(self) -> bool:
        """ASAR has no out-of-memory message: under RLIMIT_AS it dies by SIGSEGV/SIGABRT/SIGBUS.
        A death by such a signal with a resident size of at least 40% of the address-space limit is
        counted as the memory limit (ASAR's normal size is ~25 MB, 13% of the default), anything
        else as a crash."""
        crashed = self.returncode in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS)
        limit = self.memory_limit_bytes
        return crashed and limit > 0 and self.max_rss_bytes * 5 >= limit * 2


def _loader_command(runtime: isolation.RuntimeFiles) -> tuple[str, ...]:
    """ASAR started through its loader with exactly the libraries it resolved (no ld.so.cache read)."""
    if runtime.interpreter is None:
        return (str(runtime.binary),)
    library_path = ":".join(sorted({str(path.parent) for _, path in runtime.libraries}))
    return (str(runtime.interpreter), "--inhibit-cache", "--library-path", library_path, str(runtime.binary))


def prepare_jail(scratch: Path, level: SandboxLevel, binary: Path) -> Jail:
    """Create `scratch/root/work` (the dir ASAR sees) and, for FULL, the root's placeholders.

    Raises OSError/ValueError when the runtime files or the directories cannot be prepared.
    """
    work = scratch / "root" / "work"
    work.mkdir(parents=True)
    if level is SandboxLevel.DEGRADED:
        return Jail(level, (str(binary),), work, scratch, None, ())
    runtime = isolation.runtime_files(binary)
    read_exec = (runtime.binary, *(path for _, path in runtime.libraries))
    if runtime.interpreter is not None:
        read_exec += (runtime.interpreter,)
    if level is SandboxLevel.FULL:
        plan = isolation.plan_root(scratch, work, runtime)
        return Jail(level, plan.command, work, scratch, plan, read_exec)
    return Jail(level, _loader_command(runtime), work, scratch, None, read_exec)


def _die_with_parent(parent_pid: int) -> None:
    """PR_SET_PDEATHSIG: the kernel SIGKILLs ASAR when the process that started it dies, even by
    SIGKILL. Checked against a parent that died between fork and this call."""
    if libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)


def _no_aslr() -> None:
    """Same addresses in both runs: ASAR output can then never differ through pointer values."""
    current = libc().personality(0xFFFFFFFF)
    if current != -1:
        libc().personality(current | _ADDR_NO_RANDOMIZE)


def _set_limits(limits: SandboxLimits) -> None:
    """Last step before exec: after RLIMIT_AS this (possibly large) Python child allocates nothing."""
    cpu = limits.cpu_rlimit_s
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))


def _child_setup(limits: SandboxLimits, jail: Jail, ruleset_fd: int | None, parent_pid: int):
    def setup() -> None:
        try:
            _die_with_parent(parent_pid)
            _no_aslr()
            if jail.plan is not None:
                isolation.enter_root(jail.plan)
            if ruleset_fd is not None:
                landlock.restrict_self(ruleset_fd)
            _set_limits(limits)
        except OSError as error:  # say which step failed: the parent only sees "preexec_fn failed"
            os.write(2, f"asm65816 sandbox setup failed: {error}\n".encode())
            raise

    return setup


def _read_capped(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(_OUTPUT_READ_CAP).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_until_exit_or(pid: int, deadline: float) -> bool:
    """Block until `pid` exits (True) or the wall-clock deadline passes (False), without reaping."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is None:  # no pidfd (old kernel): poll with a short sleep
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            time.sleep(0.002)
        return False
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if poller.poll(max(1, int(remaining * 1000))):
                return True
    finally:
        os.close(pidfd)


def _spawn(argv: list[str], jail: Jail, limits: SandboxLimits, ruleset_fd: int | None, out, err):
    cwd = jail.work
    env = {"LANG": "C", "LC_ALL": "C", "HOME": isolation.WORK_DIR if jail.plan else str(jail.work)}
    try:
        return subprocess.Popen(
            [*jail.command, *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,
            pass_fds=(ruleset_fd,) if ruleset_fd is not None else (),
            preexec_fn=_child_setup(limits, jail, ruleset_fd, os.getpid()),
        )
    except (OSError, subprocess.SubprocessError) as error:
        err.flush()
        detail = _read_capped(Path(err.name)).strip() or str(error)
        raise SandboxSetupError(
            f"could not start ASAR in the {jail.level.value} sandbox: {detail}. Fix: run where user "
            "namespaces and Landlock are allowed, or cap the sandbox level with ASM65816_SANDBOX_LEVEL."
        ) from error


def run_sandboxed(argv: list[str], jail: Jail, limits: SandboxLimits) -> ProcessOutcome:
    """Run ASAR with `argv` in the jail under the limits.

    Never raises for anything the child does; raises `SandboxRunError` when the sandbox cannot be
    set up or the wall-clock backstop fires (both are the harness's problem, not the candidate's).
    """
    libc()  # resolve the child's C calls here, never between fork and exec
    ruleset_fd = None
    if jail.level is not SandboxLevel.DEGRADED:
        ruleset_fd = landlock.build_ruleset([jail.work], jail.read_exec)
    stdout_path, stderr_path = jail.logs / "asar.stdout", jail.logs / "asar.stderr"
    started = time.monotonic()
    process = None
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            process = _spawn(argv, jail, limits, ruleset_fd, out, err)
            finished = _wait_until_exit_or(process.pid, started + limits.wall_backstop_s)
            if not finished:
                _kill_group(process.pid)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if ruleset_fd is not None:
            os.close(ruleset_fd)
        if process is not None and process.returncode is None:  # interrupted (SystemExit, KeyboardInterrupt)
            _kill_group(process.pid)
            _, status, _ = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    cpu = usage.ru_utime + usage.ru_stime
    if not finished:
        raise SandboxRunError(
            f"ASAR used {cpu:.2f} s CPU in {seconds:.1f} s wall-clock and was stopped by the harness's "
            f"wall-clock backstop ({limits.wall_backstop_factor:g} x the {limits.timeout_s:g} s CPU budget). "
            "The machine is too loaded to give a verdict; this is not the candidate's failure. "
            "Fix: rerun with fewer parallel workers."
        )
    return ProcessOutcome(
        returncode=process.returncode,
        stdout=_read_capped(stdout_path),
        stderr=_read_capped(stderr_path),
        timed_out=False,
        seconds=seconds,
        cpu_seconds=cpu,
        max_rss_bytes=usage.ru_maxrss * 1024,
        cpu_budget_s=limits.timeout_s,
        memory_limit_bytes=limits.memory_bytes,
    )
