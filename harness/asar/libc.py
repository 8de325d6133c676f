"""One ctypes handle on the C library, with every function the sandbox child calls resolved up front.

Between fork and exec the child runs Python (`preexec_fn`); a `dlopen`/`dlsym` there could block
forever on a loader lock that another thread of the parent held at fork time. `libc()` is first
called in the parent (before every spawn), and resolves all the child's functions then, so the
child only calls function pointers that already exist.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

__all__ = ["CHILD_CALLS", "libc"]

CHILD_CALLS = ("prctl", "personality", "unshare", "mount", "umount2", "syscall")


@lru_cache(maxsize=1)
def libc() -> ctypes.CDLL:
    """The process's C library (errno kept per call), its child-side functions resolved."""
    handle = ctypes.CDLL(None, use_errno=True)
    for name in CHILD_CALLS:
        getattr(handle, name)  # ctypes caches the resolved pointer on the handle
    return handle
