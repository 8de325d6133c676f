"""The pointer and decompression kernels (harness/suite/kernels/pointers.py, decompress.py).

What a dataset user relies on: every kernel's reference passes its own spec, its slow drafts are
correct and strictly slower, its bugs are caught; and the decoders really implement the formats their
contracts describe (checked against independent Python decoders on hand-made and random streams).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from harness.suite.families import gen_task
from harness.suite.kernels import KERNELS, build_routine, decompress, pointers
from harness.suite.routines import Routine

NAMES = [*pointers.KERNELS, *decompress.KERNELS]
# Fewer cases than a task's spec keeps the default run fast (a caught bug costs a shrink); edge cases
# still come first. The full check (every bug, the spec's own cases, two more seeds) is marked slow.
CASES = 12


def test_kernels_are_registered_once_with_a_tier_mix() -> None:
    assert len(NAMES) == len(set(NAMES)) >= 26
    assert all(name in KERNELS for name in NAMES)
    tiers = {name: build_routine(name, 0).difficulty for name in NAMES}
    assert sum(tier == "hard" for tier in tiers.values()) >= 7, tiers


def _check_kernel(name: str, seed: int, cases: int | None, bugs: int | None) -> None:
    from harness.verify import check_equivalence

    routine = build_routine(name, seed)
    doc = gen_task(routine, f"{name}-gen-{seed}", seed)
    own = check_equivalence(doc, routine.reference, cases=cases)
    assert own.passes, own.detail
    for draft in routine.slow:
        verdict = check_equivalence(doc, draft.source, cases=cases)
        assert verdict.passes, f"slow draft {draft.name}: {verdict.detail}"
        assert verdict.cand_cycles_mean > verdict.ref_cycles_mean, f"slow draft {draft.name} is not slower"
    assert routine.bugs, f"{name} has no bug"
    for bug in routine.bugs[:bugs]:
        assert not check_equivalence(doc, bug.source, cases=cases).passes, f"bug {bug.name} is not caught"


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_drafts_are_slower_and_a_bug_is_caught(asar: None, name: str) -> None:
    _check_kernel(name, 1, CASES, bugs=1)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 2])
@pytest.mark.parametrize("name", NAMES)
def test_every_bug_is_caught_by_the_full_spec(asar: None, name: str, seed: int) -> None:
    _check_kernel(name, seed, None, bugs=None)


def test_seeds_vary_the_routine() -> None:
    for name in NAMES:
        references = {build_routine(name, seed).reference for seed in range(4)}
        assert len(references) >= 2, f"{name}: every seed gives the same reference"


# ------------------------------------------------------------------ decoders against Python decoders


def _run(routine: Routine, cells: Mapping[int, int]) -> dict[str, int]:
    """Run the reference once with the given memory bytes (24-bit address -> value) as fixed inputs."""
    from harness.suite.runner import run_fixed

    spec = dict(routine.spec)
    spec["inputs"] = {f"${address:06X}": {"values": [value]} for address, value in cells.items()}
    spec["cases"] = 1
    run = run_fixed(routine.reference, routine.entry, routine.call, spec)
    assert run.stop == "RETURNED", run.stop
    return dict(run.outputs)


def _output(outputs: Mapping[str, int], start: int, count: int) -> list[int]:
    return [outputs[f"${start + i:06X}"] for i in range(count)]


def packbits(stream: list[int], n: int) -> tuple[list[int], int]:
    """PackBits as the contract states it: (output, stream bytes read)."""
    out: list[int] = []
    i = 0
    while True:
        c = stream[i]
        i += 1
        if c == 0x80:
            continue
        if c < 0x80:
            for _ in range(c + 1):
                out.append(stream[i])
                i += 1
                if len(out) == n:
                    return out, i
        else:
            value = stream[i]
            i += 1
            for _ in range(257 - c):
                out.append(value)
                if len(out) == n:
                    return out, i


def commands4(stream: list[int], n: int) -> tuple[list[int], int]:
    """The four-command format (literal, fill, increasing fill, two-byte fill): (output, bytes read)."""
    out: list[int] = []
    i = 0
    while True:
        header = stream[i]
        i += 1
        command, length = header >> 6, (header & 0x3F) + 1
        if command == 0:
            for _ in range(length):
                out.append(stream[i])
                i += 1
                if len(out) == n:
                    return out, i
            continue
        if command == 3:
            pair = (stream[i], stream[i + 1])
            i += 2
            values = [pair[k % 2] for k in range(length)]
        else:
            step = 1 if command == 2 else 0
            values = [(stream[i] + step * k) & 0xFF for k in range(length)]
            i += 1
        for value in values:
            out.append(value)
            if len(out) == n:
                return out, i


def lz(window: list[int], stream: list[int], n: int) -> list[int]:
    """The LZ format: flag bytes (LSB first, 1 = literal), back-references d, l copying (l & 15) + 3
    bytes from d+1 bytes back, byte by byte; the 256-byte window precedes the output."""
    buffer = list(window)
    i = 0
    while True:
        flags = stream[i]
        i += 1
        for bit in range(8):
            if flags >> bit & 1:
                buffer.append(stream[i])
                i += 1
                if len(buffer) - 256 == n:
                    return buffer[256:]
                continue
            distance, length = stream[i] + 1, (stream[i + 1] & 0x0F) + 3
            i += 2
            for _ in range(length):
                buffer.append(buffer[-distance])
                if len(buffer) - 256 == n:
                    return buffer[256:]


def _streams(seed: int, size: int, handmade: list[int]) -> list[list[int]]:
    rng = random.Random(seed)
    filler = [rng.randrange(256) for _ in range(size)]
    return [(handmade + filler)[:size], [rng.randrange(256) for _ in range(size)]]


@pytest.mark.parametrize("seed", [0, 3])
def test_packbits_decoder_matches_python(asar: None, seed: int) -> None:
    routine = build_routine("rle_packbits", seed)
    n, stream_at, out_at = routine.params["n"], routine.params["stream"], routine.params["out"]
    # literal 3 bytes, a no-op, a run of 4, a run of 2, literal 1, then a long run that is cut short
    handmade = [0x02, 0x11, 0x22, 0x33, 0x80, 0xFD, 0x44, 0xFF, 0x55, 0x00, 0x66, 0x81, 0x77]
    for stream in _streams(seed, 2 * n, handmade):
        outputs = _run(routine, {0x7E0000 | stream_at + i: b for i, b in enumerate(stream)})
        expected, consumed = packbits(stream, n)
        assert _output(outputs, 0x7E0000 | out_at, n) == expected
        assert outputs["X"] == consumed


def test_commands4_decoder_matches_python(asar: None) -> None:
    routine = build_routine("rle_commands4", 2)
    n, stream_at, out_at = routine.params["n"], routine.params["stream"], routine.params["out"]
    # literal 2, fill 3 x $AB, increasing 4 from $FE (wraps), two-byte fill 5 of $12 $34, then random
    handmade = [0x01, 0x10, 0x20, 0x42, 0xAB, 0x83, 0xFE, 0xC4, 0x12, 0x34]
    for stream in _streams(7, 2 * n, handmade):
        outputs = _run(routine, {0x7E0000 | stream_at + i: b for i, b in enumerate(stream)})
        expected, consumed = commands4(stream, n)
        assert _output(outputs, 0x7E0000 | out_at, n) == expected
        assert outputs["X"] == consumed


def test_lz_decoder_matches_python_with_overlapping_copies(asar: None) -> None:
    routine = build_routine("lz_decode", 4)
    n, stream_at, window_at = routine.params["n"], routine.params["stream"], routine.params["window"]
    rng = random.Random(11)
    window = [rng.randrange(256) for _ in range(256)]
    # flags %11110101: literal, ref (d=0: repeat the last byte 5 times), literal, ref into the window...
    handmade = [0xF5, 0x41, 0x00, 0x02, 0x42, 0x80, 0x10, 0x43, 0x44, 0x45, 0x46]
    size = 2 * n + n // 8 + 2
    for stream in _streams(5, size, handmade):
        cells = {0x7E0000 | window_at + i: b for i, b in enumerate(window)}
        cells.update({0x7E0000 | stream_at + i: b for i, b in enumerate(stream)})
        outputs = _run(routine, cells)
        assert _output(outputs, 0x7E0000 | window_at + 0x100, n) == lz(window, stream, n)


@pytest.mark.slow
def test_explain_probe_is_decided_by_the_named_inputs(asar: None) -> None:
    """Every output the example asks about is decided by the task's inputs alone (no kernel reads
    memory the spec leaves to the background)."""
    from harness.suite.families import explain_probe

    for name in NAMES:
        probe: Any = explain_probe(build_routine(name, 2), 2)
        assert probe["asked"], name
