"""How many threads compute-bound native code should use on this machine."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["physical_cores"]


def physical_cores() -> int:
    """CPU cores this process may use, counting each physical core once (ggml spins a worker per
    thread, so hyper-threads and cores outside the affinity mask slow decoding down)."""
    try:
        usable = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
    cores = set()
    for cpu in usable:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return len(usable) or 1
        cores.add((package, core))
    return len(cores) or 1
