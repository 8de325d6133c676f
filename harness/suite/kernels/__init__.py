"""The kernel registry: name -> builder(rng) -> Routine. Order is part of the dataset's determinism.

Each kernel module defines a module-level `KERNELS: dict[str, KernelBuilder]` (and, optionally,
`HEADER_KERNELS: dict[str, str]`); the modules listed in `_MODULES` are merged here in order, so a
new module of kernels is one line. Names must be unique across modules. How to write a kernel:
`harness/suite/kernels/README.md`; how to check one: `python -m harness.suite.kernels.check NAME`.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Mapping
from types import MappingProxyType

from harness.errors import UnknownNameError
from harness.suite.routines import Routine, with_header

__all__ = ["HEADER_KERNELS", "HEADER_SHARE", "KERNELS", "KernelBuilder", "build_routine"]

KernelBuilder = Callable[[random.Random], Routine]

# Modules of kernels, in registry order (appending keeps every earlier task's kernel rotation).
_MODULES: tuple[str, ...] = (
    "sprites",
    "arith",
    "control",
    "motion",
    "game",
    "actors",
    "numeric",
    "video",
    "hwmath",
    "hooks",
    "pointers",
    "programs",
    "decompress",
)
# The kernels of 1.x, written before the per-module dicts: their order is kept.
_LEGACY_ORDER: tuple[str, ...] = (
    "sprite_damage",
    "tick_timers",
    "joypad_speed",
    "count_active",
    "find_free_slot",
    "oam_write",
    "clear_table",
    "add_score16",
    "add_score_bcd",
    "hw_multiply",
    "clamp_speed16",
    "sign_extend",
    "lcg_random",
    "abs_distance",
    "sum_words",
    "add_timer24",
    "pack_bytes",
    "jump_dispatch",
    "block_copy",
    "bit_flag_set",
    "heal_link",
    "rupee_add",
    "move_sprite_x",
    "frames_to_seconds",
    "fill_block",
    "joypad_new_presses",
)


def _collect() -> tuple[dict[str, KernelBuilder], dict[str, str]]:
    builders: dict[str, KernelBuilder] = {}
    headers: dict[str, str] = {}
    for name in _MODULES:
        module = importlib.import_module(f"harness.suite.kernels.{name}")
        for kernel, builder in getattr(module, "KERNELS", {}).items():
            if kernel in builders:
                raise ValueError(f"kernel {kernel!r} is defined twice (again in kernels/{name}.py)")
            builders[kernel] = builder
        headers.update(getattr(module, "HEADER_KERNELS", {}))
    ordered = [k for k in _LEGACY_ORDER if k in builders] + [k for k in builders if k not in _LEGACY_ORDER]
    return {k: builders[k] for k in ordered}, headers


_BUILDERS, _HEADERS = _collect()
KERNELS: Mapping[str, KernelBuilder] = MappingProxyType(_BUILDERS)
# Kernels that are sometimes written against a harness header (`incsrc` + its names), as real code is.
HEADER_KERNELS: Mapping[str, str] = MappingProxyType(
    {
        "sprite_damage": "alttp_ram.asm",
        "tick_timers": "alttp_ram.asm",
        "count_active": "alttp_ram.asm",
        "find_free_slot": "alttp_ram.asm",
        "heal_link": "alttp_ram.asm",
        "rupee_add": "alttp_ram.asm",
        "hw_multiply": "snes.asm",
        **_HEADERS,
    }
)
HEADER_SHARE = 0.35


def build_routine(name: str, seed: int) -> Routine:
    """The routine kernel `name` makes from `seed` (a fresh Random, so each call is reproducible)."""
    try:
        builder = KERNELS[name]
    except KeyError:
        import difflib

        hint = difflib.get_close_matches(name, list(KERNELS), n=3)
        raise UnknownNameError(f"unknown kernel {name!r}; did you mean {hint or sorted(KERNELS)}?") from None
    rng = random.Random(seed)
    routine = builder(rng)
    header = HEADER_KERNELS.get(name)
    if header is not None and rng.random() < HEADER_SHARE:
        routine = with_header(routine, header)
    return routine
