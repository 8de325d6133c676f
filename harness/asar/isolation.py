"""A root file system holding only ASAR, its loader and libraries, and the temp dir: nothing else exists.

Landlock alone (see `harness.asar.landlock`) stops reads of files outside the allowed trees, but ASAR
`stat`s a path before opening it, so "exists but denied" (EACCES) and "missing" (ENOENT) differ and
`getfilestatus` or an include error leaks one bit per path. Here the child enters a fresh user +
mount namespace (no privilege needed) and `pivot_root`s into a directory of the temp dir in which:

* `/work` is the assembly's work dir (read-write, noexec),
* `/<random hex>/` holds read-only bind mounts of the binary, its ELF interpreter and the exact
  shared libraries the loader resolves for it (`ld.so --list`), under their sonames,
* everything else is an empty read-only directory.

ASAR is started as `/<random>/ld.so --inhibit-cache --library-path /<random> /<random>/asar ...`, so
no library sits at a path a source could guess: the random name appears only in ASAR's argv, which
no ASAR function exposes (1.91 has no getenv, readlink or directory listing). The old root is
detached after the pivot. Landlock is applied on top (rules are tied to inodes, so they hold through
the bind mounts). The parent prepares the directory tree and mount flags; `enter_root` runs in the
child between fork and exec (Python 3.11 has no `os.unshare`, hence ctypes).

Cost: one `unshare`, about a dozen `mount` calls and a `pivot_root` per ASAR run (about a
millisecond). Where any step is refused (containers that forbid user namespaces, seccomp), the
caller falls back to Landlock only and says so (`harness.asar.state`).
"""

from __future__ import annotations

import ctypes
import os
import platform
import secrets
import struct
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from harness.asar.libc import libc

__all__ = [
    "MountPlan",
    "RuntimeFiles",
    "enter_root",
    "plan_root",
    "runtime_files",
    "supported",
]

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_MNT_DETACH = 2
# statvfs f_flag bit -> mount flag; a remount inside a user namespace must keep the flags the
# original mount has locked (nosuid, nodev, noexec, atime), or the kernel answers EPERM.
_ST_TO_MS = (
    (1, _MS_RDONLY),
    (2, _MS_NOSUID),
    (4, _MS_NODEV),
    (8, _MS_NOEXEC),
    (1024, _MS_NOATIME),
    (2048, _MS_NODIRATIME),
    (4096, _MS_RELATIME),
)
# pivot_root has no glibc wrapper; its number differs per architecture (unistd.h of each arch).
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}

WORK_DIR = "/work"
_PT_INTERP = 3
# Per ELF class (1: 32-bit, 2: 64-bit): word format, offsets of e_phoff and e_phentsize (e_phnum
# follows) in the file header, and of p_offset and p_filesz in a program header (elf(5)).
_ELF_LAYOUT = {1: ("I", 28, 42, 4, 16), 2: ("Q", 32, 54, 8, 32)}


@dataclass(frozen=True)
class RuntimeFiles:
    """What the loader needs to start the binary: its ELF interpreter (None when static) and the
    shared libraries it resolves, as (soname, real host path)."""

    binary: Path
    interpreter: Path | None
    libraries: tuple[tuple[str, Path], ...]


@dataclass(frozen=True)
class MountPlan:
    """Everything `enter_root` does in the child, decided by the parent.

    `binds` are (host file, placeholder inside `root`, extra flags); `command` is the argv prefix
    as seen inside the new root (loader, options, binary).
    """

    root: Path
    work: Path
    binds: tuple[tuple[str, str, int], ...]
    root_flags: int
    work_flags: int
    command: tuple[str, ...]


def supported() -> bool:
    """Whether this platform has the calls `enter_root` makes (Linux on a known architecture)."""
    return os.uname().sysname == "Linux" and platform.machine() in _SYS_PIVOT_ROOT


def _elf_interpreter(binary: Path) -> Path | None:
    """PT_INTERP of an ELF file (None for a static binary); raises ValueError for a non-ELF file."""
    with open(binary, "rb") as handle:
        header = handle.read(64)
        if header[:4] != b"\x7fELF" or header[4] not in _ELF_LAYOUT:
            raise ValueError(f"{binary} is not an ELF file")
        word, phoff_at, phentsize_at, offset_at, size_at = _ELF_LAYOUT[header[4]]
        order = "<" if header[5] == 1 else ">"
        (phoff,) = struct.unpack_from(order + word, header, phoff_at)
        phentsize, phnum = struct.unpack_from(order + "HH", header, phentsize_at)
        for index in range(phnum):
            handle.seek(phoff + index * phentsize)
            entry = handle.read(phentsize)
            if struct.unpack_from(order + "I", entry, 0)[0] != _PT_INTERP:
                continue
            (offset,) = struct.unpack_from(order + word, entry, offset_at)
            (size,) = struct.unpack_from(order + word, entry, size_at)
            handle.seek(offset)
            return Path(handle.read(size).rstrip(b"\0").decode())
    return None


def _resolved_libraries(interpreter: Path, binary: Path) -> tuple[tuple[str, Path], ...]:
    """(soname, real path) pairs, as the system's loader resolves them (`ld.so --list`, what ldd does)."""
    listing = subprocess.run(
        [str(interpreter), "--list", str(binary)], capture_output=True, text=True, timeout=10, env={}
    )
    if listing.returncode != 0:
        raise ValueError(f"{interpreter} --list {binary} failed: {listing.stderr.strip()[:300]}")
    found: list[tuple[str, Path]] = []
    for line in listing.stdout.splitlines():
        name, arrow, rest = line.strip().partition(" => ")
        if not arrow:
            continue
        target = rest.rsplit(" (", 1)[0].strip()
        if not target.startswith("/"):
            raise ValueError(f"the loader cannot resolve {name} for {binary}: {rest}")
        found.append((name, Path(os.path.realpath(target))))
    return tuple(found)


@lru_cache(maxsize=4)
def _runtime_files(binary_text: str, mtime_ns: int) -> RuntimeFiles:
    binary = Path(binary_text)
    interpreter = _elf_interpreter(binary)
    if interpreter is None:
        return RuntimeFiles(binary, None, ())
    return RuntimeFiles(binary, Path(os.path.realpath(interpreter)), _resolved_libraries(interpreter, binary))


def runtime_files(binary: Path) -> RuntimeFiles:
    """Binary, interpreter and libraries; computed once per binary version (cached on path and mtime).

    Raises ValueError when the files cannot be determined (then the namespace layer is not used).
    """
    resolved = binary.resolve()
    return _runtime_files(str(resolved), resolved.stat().st_mtime_ns)


def _mount_flags(path: Path) -> int:
    flags = os.statvfs(path).f_flag
    return sum(ms for st, ms in _ST_TO_MS if flags & st)


def plan_root(scratch: Path, work: Path, runtime: RuntimeFiles) -> MountPlan:
    """Create the (empty) directory tree and placeholders under `scratch/root` and say what to mount.

    `work` must be `scratch/root/work`; it is bind-mounted onto itself so it stays writable when the
    rest of the root is remounted read-only.
    """
    root = scratch / "root"
    if work != root / "work":
        raise ValueError(f"work dir {work} must be {root / 'work'}")
    hidden = secrets.token_hex(16)
    (root / hidden).mkdir(parents=True)
    binds: list[tuple[str, str, int]] = []
    files = [("asar", runtime.binary)] + list(runtime.libraries)
    if runtime.interpreter is not None:
        files.append((runtime.interpreter.name, runtime.interpreter))
    for name, host in files:
        placeholder = root / hidden / name
        placeholder.touch(mode=0o600)
        binds.append((str(host), str(placeholder), _mount_flags(host)))
    inner = f"/{hidden}"
    if runtime.interpreter is None:
        command: tuple[str, ...] = (f"{inner}/asar",)
    else:
        command = (
            f"{inner}/{runtime.interpreter.name}",
            "--inhibit-cache",
            "--library-path",
            inner,
            f"{inner}/asar",
        )
    return MountPlan(root, work, tuple(binds), _mount_flags(root), _mount_flags(work), command)


class _Step:
    """Calls into libc that raise OSError with the step's name, so a refusal says what failed."""

    def __init__(self) -> None:
        self.libc = libc()

    def check(self, result: int, what: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    def mount(self, source: str | None, target: str, flags: int, fstype: str | None = None) -> None:
        encoded = [value.encode() if value is not None else None for value in (source, target, fstype)]
        self.check(
            self.libc.mount(encoded[0], encoded[1], encoded[2], ctypes.c_ulong(flags), None),
            f"mount {target}",
        )


def enter_root(plan: MountPlan) -> None:
    """In the child: new user + mount namespace, bind mounts, read-only root, pivot_root, cwd /work.

    Raises OSError naming the step that the kernel refused.
    """
    step = _Step()
    step.check(step.libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS), "unshare(CLONE_NEWUSER|CLONE_NEWNS)")
    step.mount(None, "/", _MS_REC | _MS_PRIVATE)
    root, work = str(plan.root), str(plan.work)
    step.mount(root, root, _MS_BIND)
    for host, placeholder, flags in plan.binds:
        step.mount(host, placeholder, _MS_BIND)
        step.mount(None, placeholder, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | flags)
    step.mount(work, work, _MS_BIND)
    step.mount(None, work, _MS_BIND | _MS_REMOUNT | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC | plan.work_flags)
    step.mount(None, root, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | plan.root_flags)
    os.chdir(root)
    pivot = _SYS_PIVOT_ROOT[platform.machine()]
    step.check(step.libc.syscall(pivot, b".", b"."), "pivot_root")
    step.check(step.libc.umount2(b".", _MNT_DETACH), "umount2(old root)")
    os.chdir(WORK_DIR)
