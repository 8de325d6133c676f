"""Landlock: let the ASAR child open only its temp dir (plus the exact files the loader needs).

Landlock is an unprivileged Linux LSM (5.13+). We build a ruleset in the parent, pass its fd to the
child, and the child calls `prctl(NO_NEW_PRIVS)` + `landlock_restrict_self` right before `exec`.
From then on any open outside the allowed files fails with EACCES, whatever the source did with
defines, macros or functions such as `readfile1`. Rules are tied to inodes, so they also hold for
the bind mounts of `harness.asar.isolation`. Executing a file needs read and execute (the kernel
opens it for reading), so the loader, the binary and its libraries get both.

What Landlock does not stop: `stat` and path walks. ASAR stats a path before opening it, so with
Landlock alone a source still tells an existing file (EACCES) from a missing one (ENOENT); see
`harness.asar.state` for how that is classified. Where Landlock is missing (old kernel, non-Linux)
`available()` is False.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from harness.asar.libc import libc

__all__ = ["abi_version", "available", "build_ruleset", "restrict_self"]

_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ALL_ABI1 = (1 << 13) - 1  # every filesystem right Landlock ABI 1 knows
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@lru_cache(maxsize=1)
def abi_version() -> int:
    """Landlock ABI of the running kernel, 0 when unavailable."""
    if not os.uname().sysname == "Linux":
        return 0
    try:
        result = libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(result), 0)


def available() -> bool:
    return abi_version() >= 1


def _handled_rights() -> int:
    rights = _ALL_ABI1
    if abi_version() >= 2:
        rights |= _REFER
    if abi_version() >= 3:
        rights |= _TRUNCATE
    return rights


def _add_rule(ruleset_fd: int, path: Path, rights: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not path.is_dir():
            rights &= _FILE_RIGHTS
        attr = _PathBeneathAttr(allowed_access=rights & _handled_rights(), parent_fd=fd)
        if libc().syscall(_SYS_ADD_RULE, ruleset_fd, _RULE_PATH_BENEATH, ctypes.byref(attr), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


def build_ruleset(full_access: Iterable[Path], read_exec: Iterable[Path]) -> int:
    """A ruleset fd allowing everything under `full_access` and read/execute under `read_exec`."""
    attr = _RulesetAttr(handled_access_fs=_handled_rights())
    ruleset_fd = libc().syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset_fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path in full_access:
            _add_rule(ruleset_fd, path, _handled_rights())
        for path in read_exec:
            if path.exists():
                _add_rule(ruleset_fd, path, _EXECUTE | _READ_FILE | _READ_DIR)
    except OSError:
        os.close(ruleset_fd)
        raise
    return ruleset_fd


def restrict_self(ruleset_fd: int) -> None:
    """Called in the child between fork and exec. Raises so that the spawn fails loudly."""
    handle = libc()
    if handle.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if handle.syscall(_SYS_RESTRICT_SELF, ruleset_fd, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
