"""The reference's runs on a task's frozen cases, recorded when the dataset is built.

Checking an answer runs the reference and the answer on every case, but what the check needs from
the reference depends on the task alone: what it leaves observable (outputs, ordered hardware
writes, hardware state, acknowledged interrupt flags) and what it costs (cycles, master clocks, DMA
bytes, which set the answer's cycle budget). The dataset build records that per case
(`reference_runs`), so scoring runs only the answer: half the emulator work.

The observable part is kept as an 8-byte digest of exactly what the comparison compares. Equal
digests mean the comparison finds no difference; unequal ones make the checker run the reference
after all, for the counterexample, and a live run that disagrees with its record means the data is
stale: a TaskDataError, never a verdict. A record also names the caller address it was measured with
(the one that avoids the reference's code); where the answer's own code pushes the caller elsewhere,
that case runs the reference live. The records carry a key over every task field a run depends on,
so a task edited after its build is refused rather than scored against old runs, and `tasks
validate` re-measures every record against the emulator of the day.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from harness.errors import TaskDataError

__all__ = ["FORMAT", "ReferenceRun", "decode_runs", "encode_runs", "runs_key"]

FORMAT = "asm65816-reference-runs/1"
_RECORD = struct.Struct("<IIII8s")  # caller, cycles, master clocks, DMA bytes, comparison digest
# The task fields a reference run depends on (besides the emulator, which validate re-checks).
_KEYED_FIELDS = ("reference", "spec", "call", "entry", "base", "origin", "frozen_cases")


class ReferenceRun(NamedTuple):
    """One recorded reference run: the caller it returned to, its costs, and the digest of what the
    comparison with an answer looks at (`harness.verify.equivalence.comparison_digest`)."""

    caller: int
    cycles: int
    clocks: int
    dma_bytes: int
    digest: bytes


def runs_key(task: Mapping[str, Any]) -> str:
    """sha256 (hex, 16 digits) over the format and the task fields the runs depend on."""
    fields = [FORMAT, *(task.get(name) for name in _KEYED_FIELDS)]
    try:
        text = json.dumps(fields, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise TaskDataError(f"task {task.get('id')!r}: fields are not JSON data ({error})") from None
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_runs(task: Mapping[str, Any], runs: list[ReferenceRun]) -> dict[str, Any]:
    """The JSON form stored in a task (`reference_runs`): fixed-size records, zlib, base64."""
    blob = b"".join(_RECORD.pack(*run) for run in runs)
    return {
        "format": FORMAT,
        "key": runs_key(task),
        "count": len(runs),
        "data": base64.b64encode(zlib.compress(blob, 9)).decode("ascii"),
    }


def decode_runs(task: Mapping[str, Any], count: int) -> tuple[ReferenceRun, ...] | None:
    """The task's recorded runs, one per case of its frozen plan (`count` cases); None when the task
    has none (it is then scored with live reference runs). Anything malformed, a record count other
    than `count`, or a key other than the task's own is a TaskDataError."""
    stored = task.get("reference_runs")
    if stored is None:
        return None
    where = f"task {task.get('id')!r}: reference_runs"
    if not isinstance(stored, Mapping) or stored.get("format") != FORMAT:
        raise TaskDataError(f"{where}: expected an object with format {FORMAT!r}")
    if stored.get("key") != runs_key(task):
        raise TaskDataError(
            f"{where} were recorded for another version of this task (its reference, spec, call or "
            "cases changed since): rebuild the data, or delete reference_runs to score with live runs"
        )
    data = stored.get("data")
    try:
        if not isinstance(data, str):
            raise ValueError(f"data is a {type(data).__name__}, not a base64 string")
        blob = zlib.decompress(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError, zlib.error) as error:
        raise TaskDataError(f"{where}: data is not base64 zlib ({error})") from None
    if stored.get("count") != count or len(blob) != count * _RECORD.size:
        raise TaskDataError(
            f"{where}: {len(blob)} bytes and count={stored.get('count')!r} do not hold one record of "
            f"{_RECORD.size} bytes per frozen case ({count})"
        )
    return tuple(ReferenceRun(*fields) for fields in _RECORD.iter_unpack(blob))
