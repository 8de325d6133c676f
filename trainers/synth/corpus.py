"""The clean-room routine corpus that training examples are drawn from.

Every routine is written here from scratch by parametric generators (table addresses, slot counts,
constants and label names drawn from a seeded `random.Random`); nothing is imported from the eval
suite's generators (`harness.suite`), and entry labels carry a `_Tn..` suffix of our own, so the
corpus is disjoint from the eval tasks by construction (the contamination checker proves it per file).

A `Routine` is a correct reference (`source`) with a spec in the task `spec` format (DESIGN.md,
"Public formats"), a one-sentence summary of what it does, fixed inputs for traces and example runs
(`trace_inputs`), and optionally a `slow` variant: a correct but costlier routine whose rewrite into
`source` is what an explain+optimize example teaches. The generators only *propose*: whether the slow
variant is equivalent and what it saves is decided by the emulator when an example is built.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from harness.suite.routines import asm, hex8, hex16

__all__ = ["GENERATORS", "Routine", "Variant", "asm", "draw_routine"]


h8, h16 = hex8, hex16  # the suite's helpers, under the names the corpus uses


def _range(address: int, count: int) -> str:
    return f"$7E{address:04X}..$7E{address + count - 1:04X}"


@dataclass(frozen=True)
class Variant:
    """A correct alternative of a routine; `notes` say, in sentences, how the reference improves on it."""

    source: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Routine:
    """One corpus routine: reference source, task-format spec, summary, fixed inputs, slow variant."""

    family: str
    entry: str
    source: str
    spec: Mapping[str, Any]
    summary: str
    trace_inputs: Mapping[str, int] = field(default_factory=dict)
    slow: Variant | None = None
    call: str = "jsr"

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", MappingProxyType(dict(self.spec)))
        object.__setattr__(self, "trace_inputs", MappingProxyType(dict(self.trace_inputs)))

    def spec_dict(self) -> dict[str, Any]:
        """The spec as a plain JSON-ready dict."""
        return {key: value for key, value in self.spec.items()}


def _spec(
    rng: random.Random,
    *,
    inputs: Mapping[str, Any],
    outputs: list[str],
    preserve: list[str],
    writable: list[str] | None = None,
    mode: Mapping[str, Any] | None = None,
    cases: int = 48,
) -> dict:
    return {
        "mode": dict(mode or {"e": 0, "m": 1, "x": 1, "D": "$0000", "DBR": "$00"}),
        "inputs": dict(inputs),
        "outputs": list(outputs),
        "preserve": list(preserve),
        "writable": list(writable or []),
        "cases": cases,
        "seed": rng.randrange(1, 2**31),
    }


_KEEP = ["D", "DBR", "flag:m", "flag:x"]
# Sprite-slot tables named in harness/asar/headers/alttp_ram.asm, plus free work areas of our own.
_SLOT_TABLES = (0x0D00, 0x0D10, 0x0D20, 0x0D30, 0x0E20, 0x0B00, 0x0B10, 0x0C40)
_TIMER_TABLES = (0x0B40, 0x0B60, 0x0C90, 0x0BE0)
_WORK = (0x0040, 0x0048, 0x0050, 0x0058, 0x0060, 0x0068, 0x0070, 0x0078)


def _label(rng: random.Random, words: tuple[str, ...]) -> str:
    """An entry label of our own vocabulary with a `_T` + 2 hex digit suffix (never an eval task's)."""
    return f"{rng.choice(words)}_T{rng.randrange(0x100):02X}"


def gen_zero_table(rng: random.Random) -> Routine:
    """Loop over slots: clear N bytes of a slot table."""
    table, count = rng.choice(_SLOT_TABLES), rng.randrange(3, 17)
    entry = _label(
        rng,
        (
            "SlotTbl_Wipe",
            "Objects_ZeroColumn",
            "Actors_ResetTable",
            "Column_Blank",
            "Tbl_Flush",
            "Slots_Scrub",
        ),
    )
    fast = asm(f"""
        {entry}:
            LDX #{h8(count - 1)}
        .loop:
            STZ ${table:04X},X
            DEX
            BPL .loop
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #$00
        .loop:
            LDA #$00
            STA ${table:04X},X
            INX
            CPX #{h8(count)}
            BNE .loop
            RTS
        """)
    notes = (
        "STZ stores zero without going through A, so the LDA #$00 in every iteration goes.",
        "Counting X down lets DEX set the N flag for BPL, so the CPX compare per iteration goes.",
    )
    spec = _spec(rng, inputs={}, outputs=[_range(table, count)], preserve=["Y", *_KEEP])
    return Routine(
        "zero_table",
        entry,
        fast,
        spec,
        f"sets the {count} bytes of the slot table at ${table:04X} (slots 0-{count - 1}) to zero",
        {},
        Variant(slow, notes),
    )


def gen_tick_timers(rng: random.Random) -> Routine:
    """Loop over slots: decrement every non-zero timer."""
    table, count = rng.choice(_TIMER_TABLES), rng.randrange(2, 17)
    entry = _label(
        rng,
        (
            "Timers_Countdown",
            "SlotTimers_Step",
            "Actors_TickClock",
            "Delay_Drain",
            "Clock_Burn",
            "Wait_Decay",
        ),
    )
    fast = asm(f"""
        {entry}:
            LDX #{h8(count - 1)}
        .loop:
            LDA ${table:04X},X
            BEQ .next
            DEC ${table:04X},X
        .next:
            DEX
            BPL .loop
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #{h8(count - 1)}
        .loop:
            LDA ${table:04X},X
            CMP #$00
            BEQ .next
            SEC
            SBC #$01
            STA ${table:04X},X
        .next:
            DEX
            BPL .loop
            RTS
        """)
    notes = (
        "LDA already sets the Z flag from the loaded value, so CMP #$00 before BEQ is redundant.",
        "DEC on the table entry decrements memory in place, replacing SEC / SBC #$01 / STA.",
    )
    spec = _spec(
        rng,
        inputs={_range(table, count): {"values": [0, 1, 2, 5, 0x80]}},
        outputs=[_range(table, count)],
        preserve=["Y", *_KEEP],
    )
    trace = {f"$7E{table + i:04X}": rng.choice([0, 1, 3, 0x10]) for i in range(min(count, 4))}
    return Routine(
        "tick_timers",
        entry,
        fast,
        spec,
        f"decrements each non-zero timer of the {count} slots in the table at ${table:04X}",
        trace,
        Variant(slow, notes),
    )


def gen_count_active(rng: random.Random) -> Routine:
    """Loop over slots (index Y): count the non-zero entries of a table; result in X and A."""
    table, count = rng.choice(_SLOT_TABLES), rng.randrange(2, 17)
    entry = _label(
        rng,
        ("Slots_CountLive", "Objects_Tally", "Actors_NumActive", "Census_Take", "Pop_Measure", "Live_Sum"),
    )
    fast = asm(f"""
        {entry}:
            LDX #$00
            LDY #{h8(count - 1)}
        .loop:
            LDA ${table:04X},Y
            BEQ .skip
            INX
        .skip:
            DEY
            BPL .loop
            TXA
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #$00
            LDY #$00
        .loop:
            LDA ${table:04X},Y
            CMP #$00
            BEQ .skip
            INX
        .skip:
            INY
            CPY #{h8(count)}
            BCC .loop
            TXA
            RTS
        """)
    notes = (
        "LDA sets Z from the loaded byte, so CMP #$00 is not needed before BEQ.",
        "The count does not depend on the visiting order: scanning down with DEY / BPL drops CPY.",
    )
    spec = _spec(
        rng, inputs={_range(table, count): {"values": [0, 1, 9, 0xFF]}}, outputs=["A.lo", "X"], preserve=_KEEP
    )
    trace = {f"$7E{table + i:04X}": rng.choice([0, 9]) for i in range(min(count, 4))}
    return Routine(
        "count_active",
        entry,
        fast,
        spec,
        f"counts the non-zero bytes among the {count} slots of the table at ${table:04X} "
        "(index Y) and returns the count in X and A",
        trace,
        Variant(slow, notes),
    )


def gen_add_velocity(rng: random.Random) -> Routine:
    """Sprite table update for slot Y: 16-bit position (split lo/hi tables) += signed 8-bit speed."""
    lo, hi = rng.choice(((0x0D00, 0x0D20), (0x0D10, 0x0D30)))
    speed = rng.choice((0x0B80, 0x0BC0, 0x0C60))
    entry = _label(
        rng, ("Actor_Move", "Obj_ApplySpeed", "Slot_Advance", "Pos_Integrate", "Motion_Step", "Drift_Apply")
    )
    fast = asm(f"""
        {entry}:
            LDA ${speed:04X},Y
            BMI .back
            CLC
            ADC ${lo:04X},Y
            STA ${lo:04X},Y
            LDA ${hi:04X},Y
            ADC #$00
            STA ${hi:04X},Y
            RTS
        .back:
            CLC
            ADC ${lo:04X},Y
            STA ${lo:04X},Y
            LDA ${hi:04X},Y
            ADC #$FF
            STA ${hi:04X},Y
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #$00
            LDA ${speed:04X},Y
            BPL .add
            DEX
        .add:
            CLC
            ADC ${lo:04X},Y
            STA ${lo:04X},Y
            TXA
            ADC ${hi:04X},Y
            STA ${hi:04X},Y
            RTS
        """)
    notes = (
        "Branching on the sign of the speed and adding #$00 or #$FF to the high byte avoids building "
        "the sign byte in X (LDX / DEX / TXA), and X is no longer changed.",
    )
    spec = _spec(
        rng,
        inputs={
            "Y": [0, 15],
            _range(speed, 16): [0, 255],
            _range(lo, 16): [0, 255],
            _range(hi, 16): [0, 255],
        },
        outputs=[_range(lo, 16), _range(hi, 16)],
        preserve=["Y", *_KEEP],
    )
    slot = rng.randrange(16)
    trace = {
        "Y": slot,
        f"$7E{speed + slot:04X}": rng.choice([0x03, 0xFD, 0x7F, 0x90]),
        f"$7E{lo + slot:04X}": rng.randrange(256),
        f"$7E{hi + slot:04X}": rng.randrange(4),
    }
    return Routine(
        "add_velocity",
        entry,
        fast,
        spec,
        f"adds the signed speed ${speed:04X},Y to the 16-bit position whose low byte is ${lo:04X},Y "
        f"and high byte ${hi:04X},Y (one slot, index Y)",
        trace,
        Variant(slow, notes),
    )


def gen_hw_multiply(rng: random.Random) -> Routine:
    """Hardware multiply: A (8-bit) x constant via $4202/$4203 -> $4216/$4217."""
    factor, out, tmp = rng.randrange(3, 41), rng.choice(_WORK), rng.choice((0x0080, 0x0088, 0x0090))
    entry = _label(
        rng, ("Math_TimesConst", "Calc_Product", "Scale_ByFactor", "Mult_Fixed", "Gain_Apply", "Prod_Make")
    )
    fast = asm(f"""
        {entry}:
            STA $4202
            LDA #{h8(factor)}
            STA $4203
            NOP
            NOP
            NOP
            NOP
            LDA $4216
            STA ${out:04X}
            LDA $4217
            STA ${out + 1:04X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STA ${tmp:04X}
            STZ ${out:04X}
            STZ ${out + 1:04X}
            LDY #{h8(factor)}
        .loop:
            LDA ${out:04X}
            CLC
            ADC ${tmp:04X}
            STA ${out:04X}
            BCC .nc
            INC ${out + 1:04X}
        .nc:
            DEY
            BNE .loop
            RTS
        """)
    notes = (
        f"The SNES multiplier computes the 16-bit product: write the multiplicand to $4202, the "
        f"multiplier to $4203, wait 8 cycles (four NOPs) and read $4216/$4217; this replaces the "
        f"{factor}-iteration addition loop.",
    )
    spec = _spec(
        rng,
        inputs={"A.lo": [0, 255]},
        outputs=[f"$7E{out:04X}:w"],
        preserve=["X", *_KEEP],
        writable=[f"$7E{tmp:04X}"],
    )
    return Routine(
        "hw_multiply",
        entry,
        fast,
        spec,
        f"multiplies the 8-bit value in A by {factor} and stores the 16-bit product at ${out:04X}",
        {"A": rng.randrange(256)},
        Variant(slow, notes),
    )


def gen_mul_pow2(rng: random.Random) -> Routine:
    """16-bit shifts beat the multiplier for a power-of-two factor (m width change REP/SEP)."""
    shift = rng.randrange(1, 5)
    out = rng.choice(_WORK)
    entry = _label(
        rng,
        ("Math_ShiftScale", "Calc_TimesPow2", "Coord_ToPixels", "Tile_ToOffset", "Grid_Expand", "Shift_Up"),
    )
    shifts = "\n".join("    ASL A" for _ in range(shift))
    fast = f"{entry}:\n    REP #$20\n    AND #$00FF\n{shifts}\n    STA ${out:04X}\n    SEP #$20\n    RTS\n"
    slow = asm(f"""
        {entry}:
            STA $4202
            LDA #{h8(1 << shift)}
            STA $4203
            NOP
            NOP
            NOP
            NOP
            LDA $4216
            STA ${out:04X}
            LDA $4217
            STA ${out + 1:04X}
            RTS
        """)
    notes = (
        f"Multiplying by {1 << shift} is a shift by {shift}: in 16-bit mode (REP #$20) AND #$00FF "
        f"zero-extends A and {shift} ASL A give the product, stored as one word; SEP #$20 restores "
        "8-bit A. No wait for the multiplier is needed.",
    )
    spec = _spec(rng, inputs={"A.lo": [0, 255]}, outputs=[f"$7E{out:04X}:w"], preserve=["X", "Y", *_KEEP])
    return Routine(
        "mul_pow2",
        entry,
        fast,
        spec,
        f"multiplies the 8-bit value in A by {1 << shift} and stores the 16-bit result at ${out:04X}",
        {"A": rng.randrange(256)},
        Variant(slow, notes),
    )


def gen_hw_divide(rng: random.Random) -> Routine:
    """Hardware divide: 16-bit word / constant via $4204-$4206 -> $4214/$4215 and $4216."""
    divisor = rng.randrange(8, 61)
    src, quot, rem = rng.sample(_WORK, 3)
    entry = _label(
        rng, ("Math_SplitBy", "Calc_Quotient", "Div_ByConst", "Share_Out", "Ratio_Take", "Bucket_Index")
    )
    fast = asm(f"""
        {entry}:
            LDA ${src:04X}
            STA $4204
            LDA ${src + 1:04X}
            STA $4205
            LDA #{h8(divisor)}
            STA $4206
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            LDA $4214
            STA ${quot:04X}
            LDA $4215
            STA ${quot + 1:04X}
            LDA $4216
            STA ${rem:04X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            REP #$20
            STZ ${quot:04X}
            LDA ${src:04X}
        .loop:
            CMP #{h16(divisor)}
            BCC .done
            SBC #{h16(divisor)}
            INC ${quot:04X}
            BRA .loop
        .done:
            SEP #$20
            STA ${rem:04X}
            RTS
        """)
    notes = (
        "The SNES divider does 16 / 8 bits in 16 cycles: dividend to $4204/$4205, divisor to $4206, "
        "eight NOPs, then the quotient is at $4214/$4215 and the remainder at $4216; the "
        "subtraction loop runs once per unit of the quotient.",
    )
    spec = _spec(
        rng,
        inputs={f"$7E{src:04X}:w": [0, 0x0FFF]},
        outputs=[f"$7E{quot:04X}:w", f"$7E{rem:04X}"],
        preserve=["X", "Y", *_KEEP],
    )
    value = rng.randrange(divisor, 0x0200)
    return Routine(
        "hw_divide",
        entry,
        fast,
        spec,
        f"divides the 16-bit word at ${src:04X} by {divisor}, storing the quotient word at ${quot:04X} "
        f"and the remainder at ${rem:04X}",
        {f"$7E{src:04X}:w": value},
        Variant(slow, notes),
    )


def gen_table_lookup(rng: random.Random) -> Routine:
    """Table lookup: map A in 0..n-1 to a byte from a ROM table."""
    count = rng.randrange(3, 8)
    values = [rng.randrange(256) for _ in range(count)]
    entry = _label(
        rng, ("Lookup_Byte", "Map_IndexToValue", "Tbl_Fetch", "Code_Translate", "Pick_Entry", "Xlat_Small")
    )
    data = ", ".join(h8(v) for v in values)
    fast = asm(f"""
        {entry}:
            TAX
            LDA .values,X
            RTS
        .values:
            db {data}
        """)
    chain = []
    for index, value in enumerate(values[:-1]):
        chain.append(
            f"    CMP #{h8(index)}\n    BNE .not{index}\n    LDA #{h8(value)}\n    RTS\n.not{index}:"
        )
    slow = f"{entry}:\n" + "\n".join(chain) + f"\n    LDA #{h8(values[-1])}\n    RTS\n"
    notes = (
        "Indexing a table of the results with X replaces the chain of CMP / BNE tests: the cost no "
        "longer grows with the index.",
    )
    spec = _spec(rng, inputs={"A.lo": [0, count - 1]}, outputs=["A.lo"], preserve=["Y", *_KEEP])
    return Routine(
        "table_lookup",
        entry,
        fast,
        spec,
        f"maps A = 0-{count - 1} to {data} respectively, returning the result in A",
        {"A": rng.randrange(count)},
        Variant(slow, notes),
    )


def gen_add16(rng: random.Random) -> Routine:
    """16-bit arithmetic: word += word with REP #$20 / SEP #$20 (long addresses in bank $7E)."""
    target, other = rng.choice(((0xF360, 0xF362), (0xF362, 0xF360), (0x1F00, 0x1F02), (0x1E40, 0x1E44)))
    entry = _label(
        rng,
        ("Counter_AddWord", "Wide_Accumulate", "Total_Add16", "Bank_Deposit", "Sum_Merge", "Pair_Combine"),
    )
    fast = asm(f"""
        {entry}:
            REP #$20
            LDA $7E{target:04X}
            CLC
            ADC $7E{other:04X}
            STA $7E{target:04X}
            SEP #$20
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDA $7E{target:04X}
            CLC
            ADC $7E{other:04X}
            STA $7E{target:04X}
            LDA $7E{target + 1:04X}
            ADC $7E{other + 1:04X}
            STA $7E{target + 1:04X}
            RTS
        """)
    notes = (
        "With a 16-bit accumulator (REP #$20) one LDA / ADC / STA handles both bytes and the carry "
        "between them; SEP #$20 restores 8-bit A before returning.",
    )
    spec = _spec(
        rng,
        inputs={f"$7E{target:04X}:w": [0, 0xFFFF], f"$7E{other:04X}:w": [0, 0xFFFF]},
        outputs=[f"$7E{target:04X}:w"],
        preserve=["X", "Y", *_KEEP],
    )
    trace = {f"$7E{target:04X}:w": rng.randrange(0x10000), f"$7E{other:04X}:w": rng.randrange(0x300)}
    return Routine(
        "add16",
        entry,
        fast,
        spec,
        f"adds the 16-bit word at $7E{other:04X} to the word at $7E{target:04X}",
        trace,
        Variant(slow, notes),
    )


def gen_bit_test(rng: random.Random) -> Routine:
    """Bit tests: pick one of two values by bit 7 or 6 of a flag byte (BIT vs AND/CMP)."""
    flags, out = rng.sample(_WORK, 2)
    bit = rng.choice((7, 6))
    yes, no = rng.sample(range(1, 256), 2)
    branch = "BPL" if bit == 7 else "BVC"
    entry = _label(
        rng, ("Flags_Select", "State_PickByBit", "Mode_Choose", "Switch_OnBit", "Option_Route", "Bit_Decide")
    )
    fast = asm(f"""
        {entry}:
            BIT ${flags:04X}
            {branch} .clear
            LDA #{h8(yes)}
            STA ${out:04X}
            RTS
        .clear:
            LDA #{h8(no)}
            STA ${out:04X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDA ${flags:04X}
            AND #{h8(1 << bit)}
            CMP #{h8(1 << bit)}
            BNE .clear
            LDA #{h8(yes)}
            STA ${out:04X}
            RTS
        .clear:
            LDA #{h8(no)}
            STA ${out:04X}
            RTS
        """)
    flag = "N" if bit == 7 else "V"
    notes = (
        f"BIT copies bit {bit} of the memory byte into the {flag} flag, so {branch} tests it directly: "
        "no load, mask or compare.",
    )
    spec = _spec(
        rng, inputs={f"$7E{flags:04X}": [0, 255]}, outputs=[f"$7E{out:04X}"], preserve=["X", "Y", *_KEEP]
    )
    return Routine(
        "bit_test",
        entry,
        fast,
        spec,
        f"stores {h8(yes)} at ${out:04X} when bit {bit} of ${flags:04X} is set and {h8(no)} otherwise",
        {f"$7E{flags:04X}": rng.randrange(256)},
        Variant(slow, notes),
    )


def gen_saturating_inc(rng: random.Random) -> Routine:
    """Increment a counter byte up to a limit (the counter never exceeds the limit on entry)."""
    limit, cell = rng.randrange(8, 0xF0), rng.choice(_WORK)
    entry = _label(
        rng, ("Counter_StepCapped", "Meter_Fill", "Gauge_Raise", "Level_Bump", "Charge_Add", "Tally_Inc")
    )
    fast = asm(f"""
        {entry}:
            LDA ${cell:04X}
            CMP #{h8(limit)}
            BCS .done
            INC ${cell:04X}
        .done:
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDA ${cell:04X}
            CLC
            ADC #$01
            CMP #{h8(limit + 1)}
            BCC .store
            LDA #{h8(limit)}
        .store:
            STA ${cell:04X}
            RTS
        """)
    notes = (
        "Compare before incrementing: when the counter is already at the limit nothing is written, "
        "otherwise INC adds one in memory; no CLC / ADC and no reload of the limit.",
    )
    spec = _spec(
        rng, inputs={f"$7E{cell:04X}": [0, limit]}, outputs=[f"$7E{cell:04X}"], preserve=["X", "Y", *_KEEP]
    )
    return Routine(
        "saturating_inc",
        entry,
        fast,
        spec,
        f"adds one to the counter at ${cell:04X} unless it has reached {limit}",
        {f"$7E{cell:04X}": rng.choice([limit, limit - 1, rng.randrange(limit)])},
        Variant(slow, notes),
    )


def gen_block_copy(rng: random.Random) -> Routine:
    """Block move with MVN (16-bit index registers, DBR saved) vs a byte loop."""
    count = rng.randrange(6, 33)
    src, dst = rng.choice(((0x1000, 0x1100), (0x1200, 0x1300), (0x0C00, 0x0C80), (0x1800, 0x1840)))
    entry = _label(
        rng, ("Buffer_Clone", "Mem_CopyRun", "Shadow_Sync", "Block_Mirror", "Bytes_Transfer", "Area_Dup")
    )
    fast = asm(f"""
        {entry}:
            PHB
            REP #$30
            LDX #{h16(src)}
            LDY #{h16(dst)}
            LDA #{h16(count - 1)}
            MVN $7E,$7E
            SEP #$30
            PLB
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #{h8(count - 1)}
        .loop:
            LDA ${src:04X},X
            STA ${dst:04X},X
            DEX
            BPL .loop
            RTS
        """)
    notes = (
        "MVN moves one byte per 7 cycles with X = source, Y = destination and A = count - 1 in 16-bit "
        "registers; it sets DBR to the destination bank, so PHB / PLB keep the caller's DBR, and "
        "SEP #$30 returns to 8-bit registers.",
    )
    spec = _spec(rng, inputs={_range(src, count): [0, 255]}, outputs=[_range(dst, count)], preserve=_KEEP)
    trace = {f"$7E{src + i:04X}": rng.randrange(256) for i in range(count)}
    return Routine(
        "block_copy",
        entry,
        fast,
        spec,
        f"copies {count} bytes from $7E{src:04X} to $7E{dst:04X}",
        trace,
        Variant(slow, notes),
    )


def gen_width_switch(rng: random.Random) -> Routine:
    """m width change: a 16-bit doubling done with REP/SEP instead of PHP/REP/PLP."""
    cell, out = rng.sample(_WORK, 2)
    extra = rng.randrange(1, 0x100)
    entry = _label(
        rng, ("Wide_DoublePlus", "Word_Scale2", "Value_Expand", "Offset_Build", "Word_Stretch", "Twice_Bias")
    )
    fast = asm(f"""
        {entry}:
            REP #$20
            LDA ${cell:04X}
            ASL A
            CLC
            ADC #{h16(extra)}
            STA ${out:04X}
            SEP #$20
            RTS
        """)
    slow = asm(f"""
        {entry}:
            PHP
            REP #$20
            LDA ${cell:04X}
            ASL A
            CLC
            ADC #{h16(extra)}
            STA ${out:04X}
            PLP
            RTS
        """)
    notes = (
        "The spec fixes 8-bit A at entry, so SEP #$20 restores the width: PHP / PLP (3 + 4 cycles) "
        "become SEP #$20 (3 cycles).",
    )
    spec = _spec(
        rng,
        inputs={f"$7E{cell:04X}:w": [0, 0xFFFF]},
        outputs=[f"$7E{out:04X}:w"],
        preserve=["X", "Y", *_KEEP],
    )
    return Routine(
        "width_switch",
        entry,
        fast,
        spec,
        f"stores twice the word at ${cell:04X} plus {h16(extra)} as a word at ${out:04X}",
        {f"$7E{cell:04X}:w": rng.randrange(0x8000)},
        Variant(slow, notes),
    )


def gen_find_free(rng: random.Random) -> Routine:
    """Loop over slots (index Y): find the highest free slot (byte 0); Y = slot and carry set, or carry clear."""
    table, count = rng.choice((0x0B20, 0x0BA0, 0x0C10, 0x0C30)), rng.randrange(4, 17)
    entry = _label(
        rng,
        ("Slots_FindEmpty", "Pool_Claim", "Actors_FreeIndex", "Vacancy_Seek", "Spare_Locate", "Hole_Search"),
    )
    fast = asm(f"""
        {entry}:
            LDY #{h8(count - 1)}
        .loop:
            LDA ${table:04X},Y
            BEQ .found
            DEY
            BPL .loop
            CLC
            RTS
        .found:
            SEC
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDY #{h8(count - 1)}
        .loop:
            LDA ${table:04X},Y
            CMP #$00
            BEQ .found
            DEY
            CPY #$FF
            BNE .loop
            CLC
            RTS
        .found:
            SEC
            RTS
        """)
    notes = (
        "LDA sets Z, so CMP #$00 goes; DEY sets N when Y wraps to $FF, so BPL ends the loop "
        "without CPY #$FF.",
    )
    spec = _spec(
        rng,
        inputs={_range(table, count): {"values": [0, 9, 0x81]}},
        outputs=["Y", "flag:C"],
        preserve=["X", *_KEEP],
    )
    trace = {f"$7E{table + count - 1 - i:04X}": 9 for i in range(min(count, 3))}
    return Routine(
        "find_free",
        entry,
        fast,
        spec,
        f"searches the {count} slots of ${table:04X} from the top for a zero byte: Y = its slot and "
        "carry set, or carry clear when none is free",
        trace,
        Variant(slow, notes),
    )


def gen_joypad_nudge(rng: random.Random) -> Routine:
    """Bit tests on the held-buttons byte $00F0: right increments, left decrements a position byte."""
    pos = rng.choice((0x0022, 0x0020, 0x0064, 0x006C))
    entry = _label(rng, ("Input_Nudge", "Pad_StepX", "Cursor_Move", "Dpad_Shift", "Stick_Step", "Knob_Turn"))
    fast = asm(f"""
        {entry}:
            LDA $F0
            LSR A
            BCC .noright
            INC ${pos:04X}
        .noright:
            LSR A
            BCC .done
            DEC ${pos:04X}
        .done:
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDA $F0
            AND #$01
            BEQ .noright
            INC ${pos:04X}
        .noright:
            LDA $F0
            AND #$02
            BEQ .done
            DEC ${pos:04X}
        .done:
            RTS
        """)
    notes = (
        "Shifting the button byte right moves bit 0 (right) and then bit 1 (left) into the carry: "
        "BCC tests each without reloading $F0 or masking.",
    )
    spec = _spec(
        rng,
        inputs={"$7E00F0": [0, 255], f"$7E{pos:04X}": [0, 255]},
        outputs=[f"$7E{pos:04X}"],
        preserve=["X", "Y", *_KEEP],
    )
    return Routine(
        "joypad_nudge",
        entry,
        fast,
        spec,
        f"reads the held buttons at $F0 and adds one to ${pos:04X} for right (bit 0), subtracts one "
        "for left (bit 1)",
        {"$7E00F0": rng.choice([0x01, 0x02, 0x03, 0x80, 0x09]), f"$7E{pos:04X}": rng.randrange(256)},
        Variant(slow, notes),
    )


def gen_xba_pack(rng: random.Random) -> Routine:
    """Hand-written idiom: build a 16-bit index from two bytes with XBA; 16-bit X (x=0), 8-bit A (m=1).

    The user's notes claim `LDA #$00 / XBA / LDA #$10 / TAX` gives X = $1000: the high byte goes in
    first (XBA moves it up), and TAX copies all 16 bits of C only when X is 16-bit. Traces of this
    routine show it with real register states."""
    hi, lo, tmp = rng.sample(_WORK, 3)
    entry = _label(rng, ("Index_Compose", "Word_FromBytes", "Pair_ToIndex", "Hilo_Join", "Ptr_Assemble"))
    fast = asm(f"""
        {entry}:
            LDA ${hi:04X}
            XBA
            LDA ${lo:04X}
            TAX
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDA ${lo:04X}
            STA ${tmp:04X}
            LDA ${hi:04X}
            STA ${tmp + 1:04X}
            LDX ${tmp:04X}
            RTS
        """)
    notes = (
        "XBA swaps the accumulator's bytes, so loading the high byte, XBA, then the low byte leaves the "
        "word in C (B:A); with 16-bit index registers (x=0) TAX copies all 16 bits of C into X, so the "
        "word never goes through memory.",
    )
    spec = _spec(
        rng,
        inputs={f"$7E{hi:04X}": [0, 255], f"$7E{lo:04X}": [0, 255]},
        outputs=["X"],
        preserve=["Y", *_KEEP],
        writable=[f"$7E{tmp:04X}..$7E{tmp + 1:04X}"],
        mode={"e": 0, "m": 1, "x": 0, "D": "$0000", "DBR": "$00"},
    )
    return Routine(
        "xba_pack",
        entry,
        fast,
        spec,
        f"loads X (16-bit) with the word whose high byte is at ${hi:04X} and low byte at ${lo:04X}",
        {
            f"$7E{hi:04X}": rng.choice([0x10, 0x01, 0x7F, rng.randrange(256)]),
            f"$7E{lo:04X}": rng.choice([0x00, 0x10, rng.randrange(256)]),
        },
        Variant(slow, notes),
    )


def gen_block_shift(rng: random.Random) -> Routine:
    """Overlapping block move upwards with MVP (copies from the top down) vs a descending byte loop."""
    count, gap = rng.randrange(6, 25), rng.randrange(1, 5)
    src = rng.choice((0x1400, 0x1480, 0x0E80, 0x1A00))
    dst = src + gap
    entry = _label(rng, ("Queue_ShiftUp", "Buffer_Slide", "List_MakeRoom", "Fifo_Open", "Row_Insert"))
    fast = asm(f"""
        {entry}:
            PHB
            REP #$30
            LDX #{h16(src + count - 1)}
            LDY #{h16(dst + count - 1)}
            LDA #{h16(count - 1)}
            MVP $7E,$7E
            SEP #$30
            PLB
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #{h8(count - 1)}
        .loop:
            LDA ${src:04X},X
            STA ${dst:04X},X
            DEX
            BPL .loop
            RTS
        """)
    notes = (
        "The ranges overlap with the destination above the source, so the copy must run from the last "
        "byte down: MVP does exactly that (X and Y point at the last source and destination bytes, "
        "A = count - 1), at 7 cycles per byte; PHB / PLB keep the caller's DBR, which MVP changes.",
    )
    spec = _spec(
        rng, inputs={_range(src, count + gap): [0, 255]}, outputs=[_range(src, count + gap)], preserve=_KEEP
    )
    trace = {f"$7E{src + i:04X}": rng.randrange(256) for i in range(min(count, 8))}
    return Routine(
        "block_shift",
        entry,
        fast,
        spec,
        f"moves the {count} bytes at $7E{src:04X} up by {gap} byte{'s' if gap > 1 else ''} "
        "(overlapping copy, highest byte first)",
        trace,
        Variant(slow, notes),
    )


GENERATORS: Mapping[str, Callable[[random.Random], Routine]] = MappingProxyType(
    {
        "zero_table": gen_zero_table,
        "tick_timers": gen_tick_timers,
        "count_active": gen_count_active,
        "add_velocity": gen_add_velocity,
        "hw_multiply": gen_hw_multiply,
        "mul_pow2": gen_mul_pow2,
        "hw_divide": gen_hw_divide,
        "table_lookup": gen_table_lookup,
        "add16": gen_add16,
        "bit_test": gen_bit_test,
        "saturating_inc": gen_saturating_inc,
        "block_copy": gen_block_copy,
        "block_shift": gen_block_shift,
        "width_switch": gen_width_switch,
        "find_free": gen_find_free,
        "joypad_nudge": gen_joypad_nudge,
        "xba_pack": gen_xba_pack,
    }
)


# Local-label spellings a routine may use instead of the generators' defaults (surface variety only).
_SUBLABELS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "loop": ("loop", "again", "each", "scan", "repeat", "iterate"),
        "next": ("next", "skip", "continue", "advance"),
        "skip": ("skip", "no_count", "zero", "pass"),
        "done": ("done", "exit", "finish", "out", "leave"),
        "found": ("found", "hit", "vacant", "got_slot"),
        "clear": ("clear", "unset", "off", "other"),
        "back": ("back", "negative", "minus", "leftward"),
        "add": ("add", "apply", "sum"),
        "nc": ("nc", "no_carry", "same_page", "low_only"),
        "store": ("store", "write", "keep"),
        "values": ("values", "table", "results", "bytes"),
        "noright": ("noright", "not_right", "check_left", "try_left"),
    }
)
_SUBLABEL_RE = re.compile(r"\.([a-z_]+)\b")


def _rename_sublabels(rng: random.Random, routine: Routine) -> Routine:
    """The same routine with its local labels respelled consistently in the reference and the slow variant."""
    names = sorted(
        {
            m.group(1)
            for text in (routine.source, routine.slow.source if routine.slow else "")
            for m in _SUBLABEL_RE.finditer(text)
        }
    )
    mapping = {name: rng.choice(_SUBLABELS.get(name, (name,))) for name in names}
    if len(set(mapping.values())) != len(mapping):  # two labels drew one spelling: keep the defaults
        return routine

    def apply(text: str) -> str:
        return _SUBLABEL_RE.sub(lambda m: "." + mapping.get(m.group(1), m.group(1)), text)

    slow = Variant(apply(routine.slow.source), routine.slow.notes) if routine.slow else None
    return dataclasses.replace(routine, source=apply(routine.source), slow=slow)


def draw_routine(rng: random.Random, family: str | None = None) -> Routine:
    """One routine from a named generator, or from a generator picked by `rng`, local labels respelled."""
    name = family if family is not None else rng.choice(sorted(GENERATORS))
    return _rename_sublabels(rng, GENERATORS[name](rng))
