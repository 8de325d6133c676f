"""The reward curve of an RL run: mean reward per logged training step, stored with the run record.

`asm65816 rl` puts `{"rl": {"reward_curve": [[step, mean reward], ...], ...}}` into the record's
`task_config` (records carry it through the run store unchanged); `asm65816 report` draws it. The
mean is TRL's logged `reward`: the weighted reward over every completion generated for that step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import HarnessError

__all__ = ["CURVE_KEY", "RL_KEY", "curve_from_log_history", "reward_curve_of"]

RL_KEY = "rl"
CURVE_KEY = "reward_curve"


def curve_from_log_history(log_history: Sequence[Mapping[str, Any]]) -> tuple[tuple[int, float], ...]:
    """(step, mean reward) for every trainer log entry that has a `reward`, in step order. A
    non-finite mean means every completion of a step went unscored: an error, not a point."""
    points: dict[int, float] = {}
    for entry in log_history:
        if "reward" not in entry or "step" not in entry:
            continue
        value = float(entry["reward"])
        if not math.isfinite(value):
            raise HarnessError(
                f"step {entry['step']}: mean reward is {value}: no completion of that step was scored"
            )
        points[int(entry["step"])] = value
    return tuple(sorted(points.items()))


def reward_curve_of(task_config: Mapping[str, Any]) -> tuple[tuple[int, float], ...]:
    """The stored curve of a record's `task_config`, or () when the run is not an RL run."""
    section = task_config.get(RL_KEY)
    if section is None:
        return ()
    raw = section.get(CURVE_KEY) if isinstance(section, Mapping) else None
    if not isinstance(raw, list):
        raise HarnessError(
            f"task_config.{RL_KEY}.{CURVE_KEY}: expected a list of [step, reward] pairs, got {raw!r}"
        )
    curve = []
    for index, point in enumerate(raw):
        if (
            not isinstance(point, (list, tuple))
            or len(point) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)
        ):
            raise HarnessError(
                f"task_config.{RL_KEY}.{CURVE_KEY}[{index}]={point!r}: expected [step, reward]"
            )
        curve.append((int(point[0]), float(point[1])))
    return tuple(curve)
