"""Input states for equivalence runs: edge cases first, then hypothesis-generated ones, all seeded.

A `Case` is the values of the spec's named inputs plus one `background` integer that seeds everything
the spec does not name (the other registers, N V Z C, the whole 128 KiB of WRAM, the caller's return
address and the H/V position of the frame at entry). Reference and candidate are run on the same
`MachineInput` built from a case, so a candidate that reads state the task does not give it (say, the
carry at entry) disagrees with the reference on some case. Everything is a pure function of the spec
and its seed. Which cases run is decided once, in a plan (`harness.verify.cases`).
"""

from __future__ import annotations

import contextlib
import functools
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from harness.verify.spec import FLAG_BITS, SPACE_SIZES, Domain, LocationKind, Spec, space_of

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "Case",
    "MachineInput",
    "WRAM_BASE",
    "WRAM_SIZE",
    "build_input",
    "case_strategy",
    "edge_cases",
    "generated_cases",
]

WRAM_BASE = 0x7E0000
WRAM_SIZE = 0x20000
FRAME_CLOCKS = 1364 * 262  # master clocks per NTSC frame (the H/V position at entry is random)
_EDGE_VALUES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF)
_P_FIXED_MASK = 0x20 | 0x10 | 0x08 | 0x04  # m, x, D, I come from the mode


@dataclass(frozen=True)
class Case:
    """One generated input: named input values (spec order) and the seed of all other state."""

    values: tuple[int, ...]
    background: int


@dataclass(frozen=True)
class MachineInput:
    """A full initial machine state: registers, 128 KiB WRAM image, extra byte pokes (non-WRAM).

    The memory images are immutable: bytes, or read-only views of the fixed noise they are cut from
    (a memory no input patches is not copied until a machine loads it)."""

    a: int
    x: int
    y: int
    s: int
    d: int
    dbr: int
    p: int
    e: int
    wram: bytes | memoryview = field(repr=False)
    pokes: Mapping[int, int] = field(default_factory=dict)
    hv_phase: int = 0  # master clocks into the video frame at entry
    caller_seed: int = 0  # picks the caller's return address (and bank, for JSL) away from the code
    spaces: Mapping[str, bytes | memoryview] = field(
        default_factory=dict, repr=False
    )  # vram, cgram, oam at entry
    dma_regs: bytes | None = field(default=None, repr=False)  # $4300-$437F as earlier transfers left them
    ports: Mapping[str, int] = field(default_factory=dict)  # VMAIN, VMADD, CGADD, OAMADD at entry


def _background_for_edge(seed: int, index: int) -> int:
    """Deterministic background seed of the index-th edge case (str seeds hash with SHA-512)."""
    return random.Random(f"asm65816-edge:{seed}:{index}").getrandbits(32)


def _edge_values(domain: Domain, extra: Iterable[int] = ()) -> list[int]:
    """Values worth trying first: declared boundaries, the domain's ends, classic boundaries,
    page-crossing indexes."""
    if domain.values is not None:
        return list(domain.values)
    candidates = [*domain.boundaries, domain.lo, domain.hi, *_EDGE_VALUES, *extra]
    return list(dict.fromkeys(v for v in candidates if domain.lo <= v <= domain.hi))


def edge_cases(spec: Spec, index_bases: Sequence[int] = ()) -> list[Case]:
    """Edge cases in a fixed order: case k gives input i its (k mod len)-th edge value.

    `index_bases` are absolute operands of indexed instructions in the reference (`LDA $0EF0,X`): for
    each, the smallest index that crosses the page is added to the X/Y edge values. At most half of
    `spec.cases` (and at least one) cases are edge cases, so random cases always get a share.
    """
    crossings = sorted({0x100 - (base & 0xFF) for base in index_bases if base & 0xFF})
    per_input = []
    for location, domain in spec.inputs:
        extra = crossings if location.kind is LocationKind.REGISTER and location.name in ("X", "Y") else ()
        per_input.append(_edge_values(domain, extra))
    count = max([len(values) for values in per_input] + [1])
    count = min(count, max(1, spec.cases // 2))
    return [
        Case(tuple(values[k % len(values)] for values in per_input), _background_for_edge(spec.seed, k))
        for k in range(count)
    ]


def _draw_widths(spec: Spec) -> list[tuple[Domain, int, int]]:
    """(domain, number of admissible values, bytes drawn) for each named input."""
    widths = []
    for _, domain in spec.inputs:
        span = len(domain.values) if domain.values is not None else domain.hi - domain.lo + 1
        widths.append((domain, span, ((span - 1).bit_length() + 7) // 8))
    return widths


def case_strategy(spec: Spec) -> SearchStrategy[Case]:
    """Hypothesis strategy of `Case`s for the spec (imported lazily: no work at import time).

    A case is drawn as one fixed-size byte string: a little-endian chunk per input, reduced modulo the
    size of its domain, then 4 bytes of background seed. One draw per case keeps hypothesis' engine
    cheap (about 4x faster than one draw per input), and shrinking the bytes towards zero shrinks
    every input towards the low end of its domain (or the first listed value). Boundary values do not
    depend on luck: they are the explicit edge cases.
    """
    from hypothesis import strategies as st

    widths = _draw_widths(spec)
    size = sum(n for _, _, n in widths) + 4

    def to_case(blob: bytes) -> Case:
        values = []
        position = 0
        for domain, span, n in widths:
            index = int.from_bytes(blob[position : position + n], "little") % span if n else 0
            position += n
            values.append(domain.values[index] if domain.values is not None else domain.lo + index)
        return Case(tuple(values), int.from_bytes(blob[position : position + 4], "little"))

    return st.binary(min_size=size, max_size=size).map(to_case)


class _Target(NamedTuple):
    """Where one named input goes: a register, a flag bit, or memory bytes as (memory, offset, shift)
    with memory "wram", a PPU memory, or "poke" (offset = the 24-bit address)."""

    register: str = ""
    bit: int = 0
    cells: tuple[tuple[str, int, int], ...] = ()


@functools.lru_cache(maxsize=256)
def _input_targets(spec: Spec) -> tuple[_Target, ...]:
    """The spec's inputs as targets, in spec order (worked out once per spec, used once per case)."""
    targets = []
    for location, _ in spec.inputs:
        if location.kind is LocationKind.REGISTER:
            targets.append(_Target(register=str(location.name)))
        elif location.kind is LocationKind.FLAG:
            targets.append(_Target(bit=FLAG_BITS[str(location.name)]))
        else:
            cells = tuple(_memory_cell(address, 8 * k) for k, address in enumerate(location.addresses))
            targets.append(_Target(cells=cells))
    return tuple(targets)


def _memory_cell(address: int, shift: int) -> tuple[str, int, int]:
    """(memory, offset, shift) of one byte of a memory input: WRAM and PPU-memory cells are patched
    into the memory when it is built, other addresses are poked into the machine."""
    space = space_of(address)
    if space is not None:
        return (space[0], space[1], shift)
    if WRAM_BASE <= address < WRAM_BASE + WRAM_SIZE:
        return ("wram", address - WRAM_BASE, shift)
    return ("poke", address, shift)


_NOISE_BYTES = 1 << 20


@functools.cache
def _noise_ring() -> memoryview:
    """1 MiB of fixed pseudo-random bytes (the same on every machine and Python), followed by its own
    first 128 KiB so that a window wrapping around is one slice: memory contents at entry are windows
    of it at random offsets, so a case costs at most a copy, not 200 KiB of generation."""
    noise = random.Random("asm65816-noise/1").randbytes(_NOISE_BYTES)
    return memoryview(noise + noise[:WRAM_SIZE])


_FEW_PATCHES = 8  # up to this many, slices joined around the patches beat a second copy


def _window(
    start: int, size: int, patches: Mapping[int, int], transform: bytes | None = None
) -> bytes | memoryview:
    """`size` noise bytes from offset `start` (wrapping around), `transform` (a `bytes.translate`
    table) applied to every odd byte, then `patches` (offset -> byte). Without either, a read-only
    view of the noise (no copy: the machine copies what it loads); else one copy for a few patches."""
    noise = _noise_ring()[start : start + size]
    if transform is None and not patches:
        return noise
    if transform is not None or len(patches) > _FEW_PATCHES:  # copy, patch in place, copy again
        memory = bytearray(noise)
        if transform is not None:
            memory[1::2] = memory[1::2].translate(transform)
        for offset, byte in patches.items():
            memory[offset] = byte
        return bytes(memory)
    parts: list[bytes | memoryview] = []
    at = 0
    for offset in sorted(patches):
        parts += (noise[at:offset], bytes((patches[offset],)))
        at = offset + 1
    parts.append(noise[at:])
    return b"".join(parts)


def _hardware_ports(rng: random.Random) -> tuple[bytes, dict[str, int]]:
    """DMA channel registers and PPU port latches at entry: whatever the game's previous routine left
    there, never power-on values, so a routine that relies on a port it did not set fails."""
    dma_regs = rng.randbytes(0x80)
    ports = {
        "VMAIN": rng.getrandbits(8) & 0x8F,
        "VMADD": rng.getrandbits(15),
        "CGADD": rng.getrandbits(8),
        "OAMADD": rng.getrandbits(9),
    }
    return dma_regs, ports


# A CGRAM colour is 15 bits: bit 7 of each high (odd) byte is always 0 on hardware.
_LOW_SEVEN_BITS = bytes(value & 0x7F for value in range(256))


def _ppu_memories(
    rng: random.Random, patches: Mapping[str, Mapping[int, int]]
) -> dict[str, bytes | memoryview]:
    """VRAM, CGRAM and OAM at entry: random like WRAM, with the spec's inputs on top."""
    starts = {space: rng.randrange(_NOISE_BYTES) for space in SPACE_SIZES}
    return {
        space: _window(starts[space], size, patches[space], _LOW_SEVEN_BITS if space == "cgram" else None)
        for space, size in SPACE_SIZES.items()
    }


@functools.lru_cache(maxsize=160)
def build_input(spec: Spec, case: Case) -> MachineInput:
    """The machine state of a case: background from `case.background`, then the named inputs on top.

    Cached (a few cases' worth, ~20 MiB at most): reference, baseline and candidate of one task run on
    the same states one after another. The result is shared, so callers must not mutate it. The
    background's random draws come in a fixed order (WRAM, registers, P, H/V phase, caller, the PPU
    memories, the ports): a case means the same state in every version.
    """
    rng = random.Random(case.background)
    wram_start = rng.randrange(_NOISE_BYTES)
    mode = spec.mode
    registers = {"A": rng.getrandbits(16), "X": rng.getrandbits(16), "Y": rng.getrandbits(16)}
    p = (rng.getrandbits(8) & ~_P_FIXED_MASK) | (mode.m << 5) | (mode.x << 4) | FLAG_BITS["I"]
    patches: dict[str, dict[int, int]] = {"wram": {}, "poke": {}, **{space: {} for space in SPACE_SIZES}}
    for target, value in zip(_input_targets(spec), case.values, strict=True):
        if target.cells:
            for memory, offset, shift in target.cells:
                patches[memory][offset] = (value >> shift) & 0xFF
        elif target.bit:
            p = (p | target.bit) if value else (p & ~target.bit)
        elif target.register == "A.lo":
            registers["A"] = (registers["A"] & 0xFF00) | value
        else:
            registers[target.register] = value
    if mode.x:  # the CPU keeps index high bytes zero while x=1
        registers["X"] &= 0xFF
        registers["Y"] &= 0xFF
    hv_phase = rng.randrange(FRAME_CLOCKS)
    caller_seed = rng.getrandbits(32)
    spaces = _ppu_memories(rng, patches)
    dma_regs, ports = _hardware_ports(rng)
    return MachineInput(
        a=registers["A"],
        x=registers["X"],
        y=registers["Y"],
        s=mode.S,
        d=mode.D,
        dbr=mode.DBR,
        p=p & 0xFF,
        e=mode.e,
        wram=_window(wram_start, WRAM_SIZE, patches["wram"]),
        pokes=MappingProxyType(patches["poke"]),
        hv_phase=hv_phase,
        caller_seed=caller_seed,
        spaces=MappingProxyType(spaces),
        dma_regs=dma_regs,
        ports=MappingProxyType(ports),
    )


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Keep hypothesis from mixing literals of locally imported modules into generated values.

    Hypothesis (>= 6.13x) draws ~5% of integers from constants found in the source of "local" modules
    loaded at the time, so the cases would depend on which modules happen to be imported (and on
    whether the harness is installed or run from a checkout). Plans must not: during generation the
    local-constant pool is empty (its built-in global constants stay). Private API, used defensively:
    if it is absent, nothing is patched.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - layout of another hypothesis version
        yield
        return
    getter = getattr(providers, "_get_local_constants", None)
    constants_type = getattr(providers, "Constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if getter is None or constants_type is None:  # pragma: no cover
        yield
        return
    empty = constants_type()

    def clear() -> None:
        inner: Any = getattr(cache, "cache", None)
        if hasattr(inner, "clear"):
            inner.clear()

    providers._get_local_constants = lambda: empty
    clear()
    try:
        yield
    finally:
        providers._get_local_constants = getter
        clear()


@contextlib.contextmanager
def _outside_test_context() -> Iterator[None]:
    """Generate as our own hypothesis run even when called from inside a user's @given test.

    Hypothesis refuses nested @given (a health check decided by the *default* settings, which the
    caller controls, not us). Our generation is not part of the caller's test: it draws its own
    cases from its own seed, so the caller's build context is set aside while it runs. Private API,
    used defensively: if it is absent, nothing changes.
    """
    try:
        from hypothesis.control import _current_build_context
    except ImportError:  # pragma: no cover - layout of another hypothesis version
        yield
        return
    with_value = getattr(_current_build_context, "with_value", None)
    if with_value is None:  # pragma: no cover
        yield
        return
    with with_value(None):
        yield


def generated_cases(spec: Spec, count: int) -> tuple[Case, ...]:
    """`count` cases drawn by hypothesis from the spec's seed (generate phase only, no database), in
    the order hypothesis produces them. Fewer come back when the input space is smaller."""
    if count <= 0:
        return ()
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed

    drawn: list[Case] = []

    def record(case: Case) -> None:
        drawn.append(case)

    test_settings = settings(
        database=None,
        deadline=None,
        derandomize=False,
        max_examples=count,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        phases=[Phase.generate],
        print_blob=False,
    )
    with _outside_test_context(), _without_local_constants():
        hypothesis_seed(spec.seed)(test_settings(given(case_strategy(spec))(record)))()
    return tuple(drawn[:count])
