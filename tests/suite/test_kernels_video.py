"""The video and hardware-math kernels do what their contracts say, on the emulator a user's answer runs on.

Each kernel's reference passes its own spec, its slow drafts pass and are slower, its bugs fail; the
data paths users rely on (a DMA upload lands the source bytes in VRAM, a B->A read-back returns VRAM, a
16 x 16 product from four hardware products is the product) are checked directly on the machine.
"""

from __future__ import annotations

import random

import pytest

from harness.suite.kernels import KERNELS, build_routine, hwmath, video
from harness.suite.routines import Routine

VIDEO = tuple(video.KERNELS)
HWMATH = tuple(hwmath.KERNELS)
OURS = VIDEO + HWMATH
CASES = 12  # enough to separate every draft here from the reference; the suite's own checks run 96


def _gen(routine: Routine, seed: int) -> dict:
    from harness.suite.families import gen_task

    return gen_task(routine, f"{routine.kernel}-gen-{seed}", seed)


def test_every_kernel_is_registered_once_with_drafts_and_bugs() -> None:
    assert len(OURS) == len(set(OURS)) >= 26
    assert all(name in KERNELS for name in OURS)
    for name in OURS:
        routine = build_routine(name, 0)
        assert routine.kernel == name
        assert routine.slow and routine.bugs, name
        assert all(d.source != routine.reference for d in (*routine.slow, *routine.bugs)), name


def test_hard_tier_has_at_least_seven_kernels() -> None:
    hard = [name for name in OURS if build_routine(name, 0).difficulty == "hard"]
    assert len(hard) >= 7, hard


def test_builders_are_deterministic_and_vary_per_seed() -> None:
    for name in OURS:
        assert build_routine(name, 3) == build_routine(name, 3), name
        references = {build_routine(name, seed).reference for seed in range(6)}
        assert len(references) > 1, f"{name}: every seed gives the same reference"


def test_every_input_restriction_is_stated_in_the_prompt() -> None:
    from harness.suite.validate import domain_problems

    for name in OURS:
        for seed in (0, 1):
            assert domain_problems(_gen(build_routine(name, seed), seed)) == [], name


def test_hardware_registers_left_changed_are_writable() -> None:
    """A kernel that runs DMA lists its channel's registers; one that writes $4202-$4206 lists them."""
    for name in OURS:
        routine = build_routine(name, 0)
        writable = " ".join(routine.spec["writable"])
        if "STA $420B" in routine.reference:
            channel = routine.params["channel"]
            assert f"$0043{channel}0..$0043{channel}B" in writable, name
        if any(f"STA $420{k}" in routine.reference for k in (2, 3, 4, 6)):
            assert "$004202..$004206" in writable, name


@pytest.mark.parametrize("name", OURS)
def test_reference_passes_drafts_are_slower_bugs_fail(asar: None, name: str) -> None:
    from harness.verify import check_equivalence

    pick = random.Random(name)  # one seed and one bug per kernel keeps this test short (ASAR runs ~0.25 s)
    seed = pick.randrange(4)
    routine = build_routine(name, seed)
    doc = _gen(routine, seed)
    own = check_equivalence(doc, routine.reference, cases=CASES)
    assert own.passes, f"{name}: {own.reason.value} {own.detail}"
    for draft in routine.slow:
        verdict = check_equivalence(doc, draft.source, cases=CASES)
        assert verdict.passes, f"{name} {draft.name}: {verdict.reason.value} {verdict.detail}"
        assert verdict.cand_cycles_mean > verdict.ref_cycles_mean, f"{name} {draft.name} is not slower"
    bug = pick.choice(routine.bugs)
    assert not check_equivalence(doc, bug.source, cases=CASES).passes, f"{name} {bug.name} passes"


def _machine_run(
    routine: Routine,
    *,
    a: int = 0,
    x: int = 0,
    y: int = 0,
    wram: bytes | None = None,
    vram: bytes | None = None,
) -> object:
    """Run a reference once on the SNES machine in its spec's mode; return the machine afterwards."""
    from harness.emu import CpuState
    from harness.verify import assemble_program

    program = assemble_program(routine.reference, routine.entry)
    assert program.result.ok and program.entry is not None
    machine = program.machine
    mode = routine.spec["mode"]
    p = 0x04 | (mode["m"] << 5) | (mode["x"] << 4)
    state = CpuState(
        a=a, x=x, y=y, s=0x01FF, d=0, dbr=0, pbr=program.entry >> 16, pc=program.entry & 0xFFFF, p=p, e=0
    )
    result = machine.run(program.entry, state, wram=wram, vram=vram, call=routine.call, max_cycles=200_000)
    assert result.stop.name == "RETURNED", result.detail
    return machine


def test_dma_tile_upload_puts_the_source_bytes_in_vram(asar: None) -> None:
    routine = build_routine("dma_tile_upload", 2)
    params = routine.params
    tiles = params["most"]
    size = tiles * 8 * params["bpp"]
    source = bytes(random.Random(7).randrange(256) for _ in range(size))
    wram = bytearray(0x20000)
    offset = params["src"] - 0x7E0000
    wram[offset : offset + size] = source
    machine = _machine_run(routine, a=0xAB00 | tiles, wram=bytes(wram))
    first = 2 * params["dest"]
    uploaded = bytes(machine.peek_space("vram", first + i) for i in range(size))
    assert uploaded == source
    assert machine.peek_space("vram", first + size) == 0  # nothing past the tiles


def test_vram_read_dma_returns_vram_after_the_dummy_read(asar: None) -> None:
    routine = build_routine("vram_read_dma", 1)
    params = routine.params
    vram = bytes(random.Random(11).randrange(256) for _ in range(0x10000))
    machine = _machine_run(routine, vram=vram)
    start, count, buf = 2 * params["src"], 2 * params["words"], params["buf"]
    got = bytes(machine.peek(buf + i) for i in range(count))
    assert got == vram[start : start + count]


def test_hw_mul16_reference_is_the_32_bit_product(asar: None) -> None:
    routine = build_routine("hw_mul16", 0)
    a_at, b_at, p_at = (routine.params[k] for k in ("a", "b", "p"))
    for a, b in ((0xFFFF, 0xFFFF), (0x1234, 0xABCD), (0x00FF, 0x0100), (0, 0x8000)):
        wram = bytearray(0x20000)
        wram[a_at : a_at + 2] = a.to_bytes(2, "little")
        wram[b_at : b_at + 2] = b.to_bytes(2, "little")
        machine = _machine_run(routine, wram=bytes(wram))
        product = int.from_bytes(bytes(machine.peek(0x7E0000 + p_at + i) for i in range(4)), "little")
        assert product == a * b, (hex(a), hex(b))


def test_a_draft_edit_whose_text_is_missing_raises() -> None:
    """A draft made by editing the reference must differ from it; a silent no-op edit would not."""
    from harness.errors import TaskDataError

    assert video.patch("LDA #$80\nSTA $2115\n", "#$80", "#$00") == "LDA #$00\nSTA $2115\n"
    with pytest.raises(TaskDataError, match="occurs 0 time"):
        video.patch("LDA #$80\n", "LDA #$81", "LDA #$00")
