"""Thread counts for native code: each physical core once, never more than the affinity allows."""

from __future__ import annotations

import os

from harness.core.cpus import physical_cores


def test_physical_cores_is_within_the_usable_cpus() -> None:
    usable = len(os.sched_getaffinity(0))
    assert 1 <= physical_cores() <= usable


def test_hyperthread_siblings_count_once(monkeypatch, tmp_path) -> None:
    topology = {0: ("0", "0"), 1: ("0", "0"), 2: ("0", "1"), 3: ("0", "1")}  # 2 cores, 2 threads each
    for cpu, (package, core) in topology.items():
        folder = tmp_path / f"cpu{cpu}" / "topology"
        folder.mkdir(parents=True)
        (folder / "physical_package_id").write_text(package)
        (folder / "core_id").write_text(core)
    real_path = __import__("pathlib").Path
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(
        "harness.core.cpus.Path",
        lambda text: real_path(str(text).replace("/sys/devices/system/cpu", str(tmp_path))),
    )
    assert physical_cores() == 2
