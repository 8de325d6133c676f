"""Input states for equivalence runs: edge cases first, then hypothesis-generated ones, all seeded.

A `Case` is what hypothesis searches over (and shrinks): the values of the spec's named inputs plus one
`background` integer that seeds everything the spec does not name (the other registers, N V Z C, and
the whole 128 KiB of WRAM). Reference and candidate are run on the same `MachineInput` built from a
case, so a candidate that reads state the task does not give it (say, the carry at entry) disagrees
with the reference on some case. Everything is a pure function of the spec and its seed.
"""

from __future__ import annotations

import contextlib
import functools
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from harness.verify.spec import FLAG_BITS, Domain, Location, LocationKind, Spec

__all__ = [
    "Case",
    "MachineInput",
    "WRAM_BASE",
    "WRAM_SIZE",
    "build_input",
    "case_strategy",
    "edge_cases",
    "search_cases",
]

WRAM_BASE = 0x7E0000
WRAM_SIZE = 0x20000
_EDGE_VALUES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF)
_P_FIXED_MASK = 0x20 | 0x10 | 0x08 | 0x04  # m, x, D, I come from the mode


@dataclass(frozen=True)
class Case:
    """One generated input: named input values (spec order) and the seed of all other state."""

    values: tuple[int, ...]
    background: int


@dataclass(frozen=True)
class MachineInput:
    """A full initial machine state: registers, 128 KiB WRAM image, extra byte pokes (non-WRAM)."""

    a: int
    x: int
    y: int
    s: int
    d: int
    dbr: int
    p: int
    e: int
    wram: bytes = field(repr=False)
    pokes: Mapping[int, int] = field(default_factory=dict)


def _background_for_edge(seed: int, index: int) -> int:
    """Deterministic background seed of the index-th edge case (str seeds hash with SHA-512)."""
    return random.Random(f"asm65816-edge:{seed}:{index}").getrandbits(32)


def _edge_values(domain: Domain, extra: Iterable[int] = ()) -> list[int]:
    """Values worth trying first: the domain's ends, classic boundaries, page-crossing indexes."""
    if domain.values is not None:
        return list(domain.values)
    candidates = [domain.lo, domain.hi, *_EDGE_VALUES, *extra]
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


def case_strategy(spec: Spec) -> Any:
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


def _poke(location: Location, value: int, wram: bytearray, pokes: dict[int, int]) -> None:
    for offset, address in enumerate(location.addresses):
        byte = (value >> (8 * offset)) & 0xFF
        if WRAM_BASE <= address < WRAM_BASE + WRAM_SIZE:
            wram[address - WRAM_BASE] = byte
        else:
            pokes[address] = byte


@functools.lru_cache(maxsize=160)
def build_input(spec: Spec, case: Case) -> MachineInput:
    """The machine state of a case: background from `case.background`, then the named inputs on top.

    Cached (a few cases' worth, ~20 MiB at most): reference, baseline and candidate of one task run on
    the same states one after another. The result is shared, so callers must not mutate it.
    """
    rng = random.Random(case.background)
    wram = bytearray(rng.randbytes(WRAM_SIZE))
    mode = spec.mode
    registers = {"A": rng.getrandbits(16), "X": rng.getrandbits(16), "Y": rng.getrandbits(16)}
    p = (rng.getrandbits(8) & ~_P_FIXED_MASK) | (mode.m << 5) | (mode.x << 4) | FLAG_BITS["I"]
    pokes: dict[int, int] = {}
    for location, value in zip((loc for loc, _ in spec.inputs), case.values, strict=True):
        if location.kind is LocationKind.REGISTER:
            if location.name == "A.lo":
                registers["A"] = (registers["A"] & 0xFF00) | value
            else:
                registers[str(location.name)] = value
        elif location.kind is LocationKind.FLAG:
            bit = FLAG_BITS[str(location.name)]
            p = (p | bit) if value else (p & ~bit)
        else:
            _poke(location, value, wram, pokes)
    if mode.x:  # the CPU keeps index high bytes zero while x=1
        registers["X"] &= 0xFF
        registers["Y"] &= 0xFF
    return MachineInput(
        a=registers["A"],
        x=registers["X"],
        y=registers["Y"],
        s=mode.S,
        d=mode.D,
        dbr=mode.DBR,
        p=p & 0xFF,
        e=mode.e,
        wram=bytes(wram),
        pokes=MappingProxyType(pokes),
    )


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Keep hypothesis from mixing literals of locally imported modules into generated values.

    Hypothesis (>= 6.13x) draws ~5% of integers from constants found in the source of "local" modules
    loaded at the time, so the cases would depend on which modules happen to be imported (and on
    whether the harness is installed or run from a checkout). Verdicts must not: during our search the
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
        inner = getattr(cache, "cache", None)
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
    """Run our search as its own hypothesis run even when called from inside a user's @given test.

    Hypothesis refuses nested @given (a health check decided by the *default* settings, which the
    caller controls, not us). Our search is not part of the caller's test: it generates its own
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


def _hypothesis_search(
    spec: Spec,
    evaluate: Callable[[Case], object | None],
    edges: Sequence[Case],
    total: int,
    shrink_limit: int,
) -> tuple[object | None, int]:
    """Edge cases as explicit examples, then `total - len(edges)` generated ones; shrink a failure."""
    from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings
    from hypothesis import seed as hypothesis_seed

    counter = {"run": 0, "after_failure": 0, "failed": False}
    seen: dict[Case, object | None] = {}

    class _Failed(Exception):
        def __init__(self, failure: object) -> None:
            super().__init__("case failed")
            self.failure = failure

    def body(case: Case) -> None:
        if case in seen:  # hypothesis replays the shrunk example: answer from memory
            failure = seen[case]
        elif counter["failed"] and counter["after_failure"] >= shrink_limit:
            return  # shrinking budget spent: unseen cases count as passing so hypothesis stops
        else:
            if counter["failed"]:
                counter["after_failure"] += 1
            failure = evaluate(case)
            seen[case] = failure
        if not counter["failed"]:
            counter["run"] += 1
        if failure is not None:
            counter["failed"] = True
            raise _Failed(failure)

    random_cases = total - len(edges)
    test_settings = settings(
        database=None,
        deadline=None,
        derandomize=False,
        max_examples=max(1, random_cases),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.generate, Phase.shrink] if random_cases > 0 else [Phase.explicit],
        print_blob=False,
    )
    try:
        with _outside_test_context(), _without_local_constants():
            test = given(case_strategy(spec))(body)
            for case in reversed(edges):  # hypothesis runs explicit examples top-down: apply in reverse
                test = example(case)(test)
            hypothesis_seed(spec.seed)(test_settings(test))()
    except _Failed as failed:
        return failed.failure, counter["run"]
    return None, counter["run"]


@functools.lru_cache(maxsize=256)
def planned_cases(spec: Spec, edges: tuple[Case, ...], total: int) -> tuple[Case, ...]:
    """The cases a search runs when every case passes (hypothesis only sees outcomes, so this is
    exactly the sequence of a passing run): computed once per spec, replayed for every candidate."""
    collected: list[Case] = []

    def record(case: Case) -> None:
        collected.append(case)
        return None

    _hypothesis_search(spec, record, edges, total, shrink_limit=0)
    return tuple(collected)


def search_cases(
    spec: Spec,
    evaluate: Callable[[Case], object | None],
    *,
    edges: Sequence[Case],
    cases: int | None = None,
    shrink_limit: int = 300,
) -> tuple[object | None, int]:
    """Run `evaluate` on edge cases, then on hypothesis cases; shrink the first failure.

    `evaluate` returns None for a passing case and a failure object otherwise. Returns the failure of
    the shrunk counterexample (None when every case passed) and the number of cases run up to and
    including the first failure (shrinking runs are not counted). Deterministic: hypothesis is seeded
    with `spec.seed`, has no example database, and shrinking stops after `shrink_limit` evaluations.

    Fast path: the planned sequence of a passing run is replayed without the hypothesis engine; only
    when a generated (not edge) case fails does hypothesis run for real, which reaches the same first
    failure (same seed, same outcomes) and then shrinks it.
    """
    total = spec.cases if cases is None else cases
    edge_list = tuple(edges)[:total]
    plan = planned_cases(spec, edge_list, total)
    for index, case in enumerate(plan):
        failure = evaluate(case)
        if failure is None:
            continue
        if index < len(edge_list):
            return failure, index + 1
        shrunk, count = _hypothesis_search(spec, evaluate, edge_list, total, shrink_limit)
        if shrunk is None:  # never turn a failure into a pass: keep the unshrunk one
            return failure, index + 1
        return shrunk, count
    return None, len(plan)
