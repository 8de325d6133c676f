"""The kernel registry: name -> builder(rng) -> Routine. Order is part of the dataset's determinism."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from types import MappingProxyType

from harness.errors import UnknownNameError
from harness.suite.kernels import arith, control, motion, sprites
from harness.suite.routines import Routine, with_header

__all__ = ["HEADER_KERNELS", "HEADER_SHARE", "KERNELS", "KernelBuilder", "build_routine"]

KernelBuilder = Callable[[random.Random], Routine]

KERNELS: Mapping[str, KernelBuilder] = MappingProxyType(
    {
        "sprite_damage": sprites.sprite_damage,
        "tick_timers": sprites.tick_timers,
        "joypad_speed": sprites.joypad_speed,
        "count_active": sprites.count_active,
        "find_free_slot": sprites.find_free_slot,
        "oam_write": sprites.oam_write,
        "clear_table": sprites.clear_table,
        "add_score16": arith.add_score16,
        "add_score_bcd": arith.add_score_bcd,
        "hw_multiply": arith.hw_multiply,
        "clamp_speed16": arith.clamp_speed16,
        "sign_extend": arith.sign_extend,
        "lcg_random": arith.lcg_random,
        "abs_distance": arith.abs_distance,
        "sum_words": arith.sum_words,
        "add_timer24": arith.add_timer24,
        "pack_bytes": arith.pack_bytes,
        "jump_dispatch": control.jump_dispatch,
        "block_copy": control.block_copy,
        "bit_flag_set": control.bit_flag_set,
        "heal_link": control.heal_link,
        "rupee_add": control.rupee_add,
        "move_sprite_x": motion.move_sprite_x,
        "frames_to_seconds": motion.frames_to_seconds,
        "fill_block": motion.fill_block,
        "joypad_new_presses": motion.joypad_new_presses,
    }
)

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
