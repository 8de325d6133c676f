"""Actor kernels: sprite and ancilla slot tables indexed by X (spawning, despawning, timers, knockback,
gravity, facing, animation, per-state dispatch) and 16-bit collision (boxes, points, hitbox tables,
tile maps, distances).

Sprite tables follow the ALTTP layout (16 slots, one byte per slot: $0D00/$0D20 Y low/high,
$0D10/$0D30 X low/high, $0D40/$0D50 Y/X speed, $0DD0 state, $0DF0 timer, $0E20 type, $0E50 HP),
ancilla tables the ALTTP ancilla layout (10 slots from $0BFA); Link's position is $20/$21 (Y) and
$22/$23 (X). These are facts about the game's RAM; every routine is written clean-room from its
contract. Positions are 16-bit and wrap: differences are taken modulo $10000 and read as signed.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, busy_table, fact, slot_index
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = [
    "KERNELS",
    "aabb_boxes16",
    "ancilla_cull_offscreen",
    "ancilla_spawn_dir",
    "anim_frames",
    "chebyshev_range",
    "facing_from_speed",
    "hitbox_from_table",
    "point_in_sprite_box",
    "slot_timer_actions",
    "sprite_despawn",
    "sprite_knockback",
    "sprite_link_contact",
    "sprite_spawn",
    "sprite_state_loop",
    "tile_collision_map",
    "z_gravity",
]


def _table(address: int, count: int = 16) -> str:
    """A per-slot table as specs spell it: `$7E0DD0..$7E0DDF`."""
    return f"$7E{address:04X}..$7E{address + count - 1:04X}"


def _lines(text: str) -> str:
    """A dedented block of code lines without labels, indented as routine bodies are (4 spaces), so pieces
    built by helpers join the rest of a routine with one layout (and bug replacements find them)."""
    return "".join(f"    {line.strip()}\n" for line in asm(text).splitlines())


def _signed(value: int) -> str:
    """A small signed constant in prose: `+8`, `-16`."""
    return f"{value:+d}"


def sprite_spawn(rng: random.Random) -> Routine:
    """Spawn a sprite of type A at Link: find the highest free slot, then initialise nine tables (state,
    type, HP from a table by type, 16-bit X/Y from Link's position plus offsets, speeds, timer, direction).
    Hard tier."""
    last = rng.choice([15, 15, 11, 13])
    off_x = rng.choice([-16, -8, 8, 16, 4])
    off_y = rng.choice([8, 12, 16, 24])
    timer = rng.choice([0x20, 0x30, 0x40, 0x18])
    hps = [rng.choice([1, 2, 4, 6, 8, 0x10, 0x20]) for _ in range(8)]
    entry = rng.choice(["Sprite_SpawnAtLink", "SpawnEnemy", "Sprite_Create", "SummonSprite"])
    hp_table = ",".join(hex8(h) for h in hps)
    ref = asm(f"""
        {entry}:
            TAY
            LDX #{hex8(last)}
        .find:
            LDA $0DD0,X
            BEQ .found
            DEX
            BPL .find
            SEC
            RTS
        .found:
            LDA #$09
            STA $0DD0,X
            TYA
            STA $0E20,X
            AND #$07
            TAY
            LDA .hp,Y
            STA $0E50,X
            LDA $22
            CLC
            ADC #{hex8(off_x)}
            STA $0D10,X
            LDA $23
            ADC #{hex8(-1 if off_x < 0 else 0)}
            STA $0D30,X
            LDA $20
            SEC
            SBC #{hex8(off_y)}
            STA $0D00,X
            LDA $21
            SBC #$00
            STA $0D20,X
            STZ $0D40,X
            STZ $0D50,X
            LDA #{hex8(timer)}
            STA $0DF0,X
            LDA $2F
            STA $0DE0,X
            CLC
            RTS
        .hp:
            db {hp_table}
        """)
    slow = Draft(
        "stack-type",
        asm(f"""
        {entry}:
            PHA
            LDX #{hex8(last)}
        .find:
            LDA $0DD0,X
            CMP #$00
            BEQ .found
            DEX
            CPX #$FF
            BNE .find
            PLA
            SEC
            RTS
        .found:
            LDA #$09
            STA $0DD0,X
            PLA
            PHA
            STA $0E20,X
            PLA
            AND #$07
            TAY
            LDA .hp,Y
            STA $0E50,X
            REP #$20
            LDA $22
            CLC
            ADC #{hex16(off_x)}
            SEP #$20
            STA $0D10,X
            XBA
            STA $0D30,X
            REP #$20
            LDA $20
            SEC
            SBC #{hex16(off_y)}
            SEP #$20
            STA $0D00,X
            XBA
            STA $0D20,X
            LDA #$00
            STA $0D40,X
            STA $0D50,X
            LDA #{hex8(timer)}
            STA $0DF0,X
            LDA $2F
            STA $0DE0,X
            CLC
            RTS
        .hp:
            db {hp_table}
        """),
        "keeps the type on the stack (PHA/PLA twice), CMP #$00 and CPX #$FF in the search, REP/SEP/XBA for "
        "each position, LDA #0/STA instead of STZ",
    )
    bugs = (
        Draft(
            "no-high-byte",
            ref.replace("    LDA $21\n    SBC #$00\n", "    LDA $21\n"),
            "forgets the borrow into the Y position's high byte",
        ),
        Draft("bne-bound", ref.replace("BPL .find", "BNE .find"), "DEX/BNE never tries slot 0"),
        Draft(
            "no-sec",
            ref.replace("    SEC\n    RTS\n", "    RTS\n", 1),
            "failure returns the carry of the search",
        ),
        Draft("no-mask", ref.replace("    AND #$07\n", ""), "the whole type indexes the 8-entry HP table"),
    )
    tables = (0x0DD0, 0x0E20, 0x0E50, 0x0D10, 0x0D30, 0x0D00, 0x0D20, 0x0D40, 0x0D50, 0x0DF0, 0x0DE0)
    listing = ", ".join(f"{i}: {hex8(h)}" for i, h in enumerate(hps))
    return Routine(
        kernel="sprite_spawn",
        entry=entry,
        call="jsr",
        summary=(
            f"Spawn a sprite of type A near Link in the highest free slot 0-{last}; carry clear and X = "
            "slot, or carry set."
        ),
        details=(
            f"A slot is free when its state byte $0DD0,X is 0; search X = {last} down to 0 for the first "
            "free slot. "
            f"None free: return with carry set and X = $FF, changing nothing. Otherwise set, for that slot: "
            "$0DD0,X = $09 (active); $0E20,X = A (the type); $0E50,X = HP by the type's low 3 bits "
            f"({listing}); "
            f"X position ($0D30,X high : $0D10,X low) = Link's X ($23:$22) {_signed(off_x)}; Y position "
            f"($0D20,X : $0D00,X) = Link's Y ($21:$20) {_signed(-off_y)} (both 16-bit, wrapping); speeds "
            "$0D40,X and "
            f"$0D50,X = 0; timer $0DF0,X = {hex8(timer)}; direction $0DE0,X = Link's direction $2F. Return "
            "with "
            "carry clear and X = the slot. Observable: X, the carry flag and the 16-byte tables listed. A "
            "and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                **busy_table(0x0DD0, 16, rng, alone=(0, last)),
                _table(0x0DE0): byte_range(0),  # the byte after the state table is 0 in some cases
                # 35 edge cases: the busy patterns (period 6) meet many types and positions.
                "A.lo": byte_range(*range(0x00, 0x20), 0xFF),
                "$7E0020": byte_range(off_y - 1, off_y),
                "$7E0021": byte_range(0x00, 0xFF),
                "$7E0022": byte_range((0x100 - off_x) & 0xFF, (0xFF - off_x) & 0xFF),
                "$7E0023": byte_range(0x00, 0xFF),
                "$7E002F": byte_range(0, 2, 4, 6),
            },
            outputs=["X", "flag:C", *(_table(t) for t in tables)],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("free", r"free", r"empty", r"unused", r"\$0DD0"),
            fact("init", r"initiali[sz]", r"set(s)? up", r"\$0E50", r"\bHP\b"),
            fact("position", r"position", r"\$22", r"Link'?s (X|Y|coordinates)"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Keeps the type in Y and scans the state table $0DD0,X from slot {last} down for a free (zero) "
            "entry; with none it returns carry set (X = $FF). In the free slot it writes state $09, the "
            "type, "
            "the HP from the .hp table indexed by the type's low 3 bits, a 16-bit X position from Link's "
            "$22/$23 "
            f"plus {off_x} and a Y position from $20/$21 minus {off_y} (the carry or borrow goes into the "
            "high "
            f"bytes), zero speeds, timer {hex8(timer)} and Link's direction $2F, then returns carry clear. "
            "RTS."
        ),
        false_claims=("It stores the hit points in the type table $0E20,X.",),
        tags=("sprites", "spawn", "search", "16-bit-math", "table"),
        params={"last": last, "off_x": off_x, "off_y": off_y, "timer": timer, "hps": hps},
    )


def sprite_despawn(rng: random.Random) -> Routine:
    """Kill sprite X: clear its state and timers, count the kill, and flag a key drop for the room's key
    carrier type."""
    counter = rng.choice([0x0FB5, 0x0CF2, 0x1E82])
    key_type, key_flag = rng.choice([(0x0FC0, 0x0FC1), (0x1E90, 0x1E91), (0x0B9E, 0x0B9F)])
    entry = rng.choice(["Sprite_Kill", "Enemy_Despawn", "Sprite_Remove", "KillAndCount"])
    cnt, kt, kf = f"${counter:04X}", f"${key_type:04X}", f"${key_flag:04X}"
    ref = asm(f"""
        {entry}:
            LDA $0DD0,X
            BEQ .done
            STZ $0DD0,X
            STZ $0DF0,X
            STZ $0E00,X
            INC {cnt}
            BNE .counted
            DEC {cnt}
        .counted:
            LDA $0E20,X
            CMP {kt}
            BNE .done
            LDA #$01
            STA {kf}
        .done:
            RTS
        """)
    slow = Draft(
        "lda-sta",
        asm(f"""
        {entry}:
            LDA $0DD0,X
            CMP #$00
            BEQ .done
            LDA #$00
            STA $0DD0,X
            STA $0DF0,X
            STA $0E00,X
            LDA {cnt}
            CMP #$FF
            BEQ .counted
            CLC
            ADC #$01
            STA {cnt}
        .counted:
            LDA $0E20,X
            CMP {kt}
            BEQ .key
            RTS
        .key:
            LDA #$01
            STA {kf}
        .done:
            RTS
        """),
        "CMP #$00 after LDA, LDA #0/STA instead of STZ, a loaded CMP #$FF/ADC #1 instead of INC/DEC on "
        "memory",
    )
    bugs = (
        Draft(
            "no-saturate",
            ref.replace(f"    BNE .counted\n    DEC {cnt}\n", ""),
            "the kill counter wraps from 255 to 0",
        ),
        Draft(
            "hp-table", ref.replace("LDA $0E20,X", "LDA $0E50,X"), "compares the HP table with the key type"
        ),
        Draft("dead-too", ref.replace("    BEQ .done\n", "", 1), "already dead sprites are counted again"),
    )
    return Routine(
        kernel="sprite_despawn",
        entry=entry,
        call="jsr",
        summary=(
            f"Kill sprite slot X if it is alive: clear its state and timers, count the kill at {cnt} and "
            "flag a key drop."
        ),
        details=(
            "X (0-15) is the sprite slot. If its state $0DD0,X is 0 do nothing. Otherwise set $0DD0,X, the "
            "timers "
            f"$0DF0,X and $0E00,X to 0; increment the kill counter at $7E{counter:04X} unless it is already "
            "$FF; "
            f"and if the sprite's type $0E20,X equals the room's key carrier type at $7E{key_type:04X}, set "
            f"the key-drop flag $7E{key_flag:04X} to 1. Observable: $7E0DD0-$7E0DDF, $7E0DF0-$7E0DFF, "
            f"$7E0E00-$7E0E0F, $7E{counter:04X}, $7E{key_flag:04X}. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                _table(0x0DD0): byte_range(0, 1, 9),
                _table(0x0E20): byte_range(0x11, 0x12),
                f"$7E{key_type:04X}": byte_range(0x11, 0x13),
                f"$7E{counter:04X}": byte_range(0xFE, 0xFF),
            },
            outputs=[
                _table(0x0DD0),
                _table(0x0DF0),
                _table(0x0E00),
                f"$7E{counter:04X}",
                f"$7E{key_flag:04X}",
            ],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("kill", r"\bkill", r"despawn", r"remov", r"\$0DD0"),
            fact("count", r"count", rf"{cnt}", r"increment"),
            fact("key", r"\bkey", rf"{kf}"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Returns at once for a dead sprite ($0DD0,X = 0). Otherwise it zeroes the state and the two "
            "timers "
            f"$0DF0,X and $0E00,X with STZ, increments the kill counter {cnt} and undoes it with DEC when "
            "it wrapped "
            f"to 0 (so it stops at $FF), then compares the type $0E20,X with the key carrier type {kt} and "
            f"on a match sets the key-drop flag {kf} to 1. RTS."
        ),
        false_claims=("It reads the hit points from $0E20,X and compares them with the key type.",),
        tags=("sprites", "despawn", "saturate", "indexed"),
        params={"counter": counter, "key_type": key_type, "key_flag": key_flag},
    )


def slot_timer_actions(rng: random.Random) -> Routine:
    """Tick the timer of every live sprite; when one runs out, advance that sprite's AI phase and arm its
    second timer."""
    last = rng.choice([15, 15, 11, 7])
    arm = rng.choice([0x08, 0x10, 0x20, 0x3C])
    timer, phase, second = rng.choice(
        [(0x0DF0, 0x0D80, 0x0E00), (0x0E10, 0x0D80, 0x0F10), (0x0DF0, 0x0DB0, 0x0E10)]
    )
    entry = rng.choice(["Sprite_TickAll", "Sprites_UpdateTimers", "TimerPhaseLoop", "Sprite_TimerActions"])
    t, p, s2 = f"${timer:04X}", f"${phase:04X}", f"${second:04X}"
    ref = asm(f"""
        {entry}:
            LDX #{hex8(last)}
        .loop:
            LDA $0DD0,X
            BEQ .next
            LDA {t},X
            BEQ .next
            DEC {t},X
            BNE .next
            INC {p},X
            LDA #{hex8(arm)}
            STA {s2},X
        .next:
            DEX
            BPL .loop
            RTS
        """)
    slow = Draft(
        "load-sub",
        asm(f"""
        {entry}:
            LDX #$00
        .loop:
            LDA $0DD0,X
            CMP #$00
            BEQ .next
            LDA {t},X
            CMP #$00
            BEQ .next
            SEC
            SBC #$01
            STA {t},X
            CMP #$00
            BNE .next
            LDA {p},X
            CLC
            ADC #$01
            STA {p},X
            LDA #{hex8(arm)}
            STA {s2},X
        .next:
            INX
            CPX #{hex8(last + 1)}
            BNE .loop
            RTS
        """),
        "counts up with CPX, CMP #$00 after every load, SEC/SBC #1 and CLC/ADC #1 instead of DEC/INC on "
        "memory",
    )
    bugs = (
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "DEX/BNE skips slot 0"),
        Draft(
            "dead-too",
            ref.replace("    LDA $0DD0,X\n    BEQ .next\n", ""),
            "ticks the timers of dead sprites too",
        ),
        Draft(
            "zero-wraps",
            ref.replace(f"    LDA {t},X\n    BEQ .next\n", ""),
            "a stopped timer (0) wraps to $FF",
        ),
    )
    return Routine(
        kernel="slot_timer_actions",
        entry=entry,
        call="jsr",
        summary=(
            f"For each live sprite in slots 0-{last}, count its timer {t},X down and act when it runs out."
        ),
        details=(
            f"For every slot X = 0..{last} whose state $0DD0,X is nonzero: if its timer {t},X is nonzero, "
            "decrement "
            f"it; if that made it 0, increment the AI phase {p},X (wrapping at $FF) and set the second timer "
            f"{s2},X to {hex8(arm)}. Dead sprites (state 0) and stopped timers (0) are left alone. "
            "Observable: "
            f"{_table(timer)}, {_table(phase)}, {_table(second)}. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                **busy_table(0x0DD0, 16, rng, alone=(0, last)),
                _table(timer): byte_range(0, 1, 2),
                _table(phase): byte_range(0xFF),
            },
            outputs=[_table(timer), _table(phase), _table(second)],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("timer", r"timer", rf"{t}", r"count(s|ing)? down", r"decrement"),
            fact("live", r"\blive", r"alive", r"active", r"\$0DD0", r"state"),
            fact("expiry", r"runs? out", r"reach(es)? (0|zero)", r"expir", r"becomes? (0|zero)"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Loops X from {last} down to 0. Slots whose state $0DD0,X is 0 are skipped, and so are timers "
            f"{t},X that are already 0. Otherwise DEC decrements the timer in memory; when it reaches zero "
            f"the AI phase {p},X is incremented and the second timer {s2},X is armed with {hex8(arm)}. RTS."
        ),
        false_claims=("It uses the HP table $0E20 as the timer.",),
        tags=("sprites", "timers", "loop", "indexed"),
        params={"last": last, "arm": arm, "timer": timer, "phase": phase, "second": second},
    )


def sprite_knockback(rng: random.Random) -> Routine:
    """While the recoil timer runs: move sprite X by its signed recoil speeds (16-bit positions) and decay
    each speed one step toward zero. Hard tier."""
    recoil = rng.choice([0x0EA0, 0x0EA0, 0x0F10])
    ry, rx = rng.choice([(0x0F30, 0x0F40), (0x0F30, 0x0F40), (0x0D40, 0x0D50)])
    entry = rng.choice(["Sprite_Recoil", "ApplyKnockback", "Sprite_KnockbackStep", "Enemy_Recoil"])
    rt, vy, vx = f"${recoil:04X}", f"${ry:04X}", f"${rx:04X}"

    def axis(speed: str, lo: str, hi: str, done: str) -> str:
        return asm(f"""
            LDY #$00
            LDA {speed},X
            BPL .add{lo[1:]}
            DEY
        .add{lo[1:]}:
            CLC
            ADC {lo},X
            STA {lo},X
            TYA
            ADC {hi},X
            STA {hi},X
            LDA {speed},X
            BEQ {done}
            BMI .inc{lo[1:]}
            DEC {speed},X
            BRA {done}
        .inc{lo[1:]}:
            INC {speed},X
        """)

    ref = (
        asm(f"""
        {entry}:
            LDA {rt},X
            BEQ .done
            DEC {rt},X
        """)
        + axis(vx, "$0D10", "$0D30", ".yAxis")
        + ".yAxis:\n"
        + axis(vy, "$0D00", "$0D20", ".done")
        + ".done:\n    RTS\n"
    )

    def slow_axis(speed: str, lo: str, hi: str, tag: str) -> str:
        return asm(f"""
            LDA {speed},X
            STA $00
            STZ $01
            CMP #$80
            BCC .pos{tag}
            LDA #$FF
            STA $01
        .pos{tag}:
            LDA {lo},X
            CLC
            ADC $00
            STA {lo},X
            LDA {hi},X
            ADC $01
            STA {hi},X
            LDA {speed},X
            CMP #$00
            BEQ .next{tag}
            CMP #$80
            BCS .neg{tag}
            SEC
            SBC #$01
            STA {speed},X
            JMP .next{tag}
        .neg{tag}:
            CLC
            ADC #$01
            STA {speed},X
        .next{tag}:
        """)

    slow = Draft(
        "scratch-extend",
        asm(f"""
        {entry}:
            LDA {rt},X
            CMP #$00
            BNE .active
            RTS
        .active:
            SEC
            SBC #$01
            STA {rt},X
        """)
        + slow_axis(vx, "$0D10", "$0D30", "X")
        + slow_axis(vy, "$0D00", "$0D20", "Y")
        + "    RTS\n",
        "sign-extends through scratch with CMP #$80, decays with loaded SBC/ADC #1 and CMP #$80 instead of "
        "BMI and INC/DEC on memory",
    )
    bugs = (
        Draft(
            "no-extend",
            ref.replace("    DEY\n", ""),
            "negative speeds are not sign-extended into the high byte",
        ),
        Draft("decay-away", ref.replace("BMI .inc", "BPL .inc"), "decays the speeds away from zero"),
        Draft("no-clc", ref.replace("    CLC\n", "", 1), "CLC dropped: the X move adds the entry carry"),
    )
    tables = (recoil, rx, ry, 0x0D00, 0x0D10, 0x0D20, 0x0D30)
    return Routine(
        kernel="sprite_knockback",
        entry=entry,
        call="jsr",
        summary=(
            f"While sprite X's recoil timer {rt},X runs, move it by its signed recoil speeds and decay them "
            "toward 0."
        ),
        details=(
            f"X (0-15) is the sprite slot. If the recoil timer {rt},X is 0 do nothing. Otherwise decrement "
            "it, then "
            f"for the X axis (speed {vx},X, position $0D30,X high : $0D10,X low) and then the Y axis (speed "
            f"{vy},X, "
            "position $0D20,X : $0D00,X): add the signed speed byte to the 16-bit position (sign-extended, "
            "wrapping) and move the speed one step toward zero (a positive speed decrements, a negative one "
            "increments, 0 "
            f"stays). Observable: the 16-byte tables at {', '.join(f'${t:04X}' for t in tables)} (bank $7E). "
            "Keep X; A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                _table(recoil): byte_range(0, 1, 2),
                _table(rx): byte_range(0, 1, 0x80, 0xFF, 0x7F, 0x81),
                _table(ry): byte_range(0, 0x7F, 0x80, 0xFE, 0x02),
                _table(0x0D10): byte_range(0x80, 0xFE),
                _table(0x0D00): byte_range(0x01, 0x81),
                _table(0x0D30): byte_range(0x00, 0xFF),
                _table(0x0D20): byte_range(0x00, 0xFF),
            },
            outputs=[_table(t) for t in tables],
            preserve=["X"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("recoil", r"recoil", r"knock ?back", rf"{rt}"),
            fact("sign", r"sign", r"negative", r"\bDEY\b", r"\$FF"),
            fact("decay", r"decay", r"toward(s)? zero", r"\bINC\b", r"\bDEC\b"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Returns when the recoil timer {rt},X is 0; otherwise decrements it. For each axis it builds "
            "the sign extension of the speed in Y (0, or $FF via DEY when the speed is negative), adds the "
            "speed to the "
            "low position byte and Y plus the carry to the high byte, then moves the speed toward zero: DEC "
            "in memory when positive, INC when negative (BMI), nothing when 0. X axis first, then Y. RTS."
        ),
        false_claims=("It scales the recoil with a MUL instruction.",),
        tags=("sprites", "physics", "signed", "16-bit-math", "knockback"),
        params={"recoil": recoil, "rx": rx, "ry": ry},
    )


def z_gravity(rng: random.Random) -> Routine:
    """Gravity on a 16-bit 8.8 altitude and velocity (word tables by slot): v -= g with a terminal
    velocity, z += v, landing at 0 and a ceiling at $FFFF."""
    g = rng.choice([0x0020, 0x0030, 0x0040, 0x0018])
    term = rng.choice([0x0400, 0x0600, 0x0300, 0x0500])
    zt, vt = rng.choice([(0x1D00, 0x1D10), (0x0B40, 0x0B50), (0x1F80, 0x1F90)])
    entry = rng.choice(["Object_ApplyGravity", "Debris_Fall", "Sprite_ZPhysics", "Falling_Step"])
    z, v = f"${zt:04X}", f"${vt:04X}"
    limit = (g - term) & 0xFFFF  # below this, v - g would pass the terminal velocity
    ref = asm(f"""
        {entry}:
            TXA
            ASL A
            TAY
            REP #$20
            LDA {v},Y
            BPL .fall
            CMP #{hex16(limit)}
            BCS .fall
            LDA #{hex16(-term)}
            BRA .velocity
        .fall:
            SEC
            SBC #{hex16(g)}
        .velocity:
            STA {v},Y
            BMI .down
            CLC
            ADC {z},Y
            BCC .store
            LDA #$FFFF
            BRA .store
        .down:
            CLC
            ADC {z},Y
            BCS .store
            LDA #$0000
            STA {v},Y
        .store:
            STA {z},Y
            SEP #$20
            RTS
        """)
    slow = Draft(
        "signed-compare",
        asm(f"""
        {entry}:
            TXA
            ASL A
            TAY
            REP #$20
            LDA {v},Y
            SEC
            SBC #{hex16(g)}
            BVS .clamp
            STA $00
            SEC
            SBC #{hex16(-term)}
            BVC .noFlip
            EOR #$8000
        .noFlip:
            BPL .keep
        .clamp:
            LDA #{hex16(-term)}
            BRA .velocity
        .keep:
            LDA $00
        .velocity:
            STA {v},Y
            CMP #$8000
            BCS .down
            CLC
            ADC {z},Y
            BCC .store
            LDA #$FFFF
            JMP .store
        .down:
            CLC
            ADC {z},Y
            BCS .store
            LDA #$0000
            STA {v},Y
        .store:
            STA {z},Y
            SEP #$20
            RTS
        """),
        "subtracts first and then compares with the terminal velocity through a general signed compare (V "
        "flag and EOR #$8000) instead of testing the sign and one unsigned bound",
    )
    bugs = (
        Draft(
            "unsigned-clamp",
            ref.replace("    BPL .fall\n", "", 1),
            "treats the signed velocity as unsigned: every upward velocity is clamped to the terminal one",
        ),
        Draft(
            "no-asl",
            ref.replace("    TXA\n    ASL A\n    TAY\n", "    TXA\n    TAY\n"),
            "slot not doubled: the word tables are read at byte offsets",
        ),
        Draft(
            "ceiling-bcs",
            ref.replace("BCC .store", "BCS .store"),
            "inverted carry test: rising objects jump to $FFFF",
        ),
    )
    z_r, v_r = f"$7E{zt:04X}..$7E{zt + 15:04X}", f"$7E{vt:04X}..$7E{vt + 15:04X}"
    return Routine(
        kernel="z_gravity",
        entry=entry,
        call="jsr",
        summary=(
            f"Apply gravity {hex16(g)} with terminal velocity -{hex16(term)} to object X's 16-bit altitude "
            "and velocity, landing at 0."
        ),
        details=(
            f"X (0-7) is the object slot; its altitude is the word at {z}+2*X (unsigned, 8.8 fixed point) "
            "and its "
            f"velocity the word at {v}+2*X (signed, up is positive). Entry and exit mode m=1, x=1. First the "
            f"velocity: new v = v - {hex16(g)}, but if that is below -{hex16(term)} (as an exact signed "
            "number) use "
            f"-{hex16(term)} ({hex16(-term)}). Store it. Then the altitude: z + v; if the exact sum is "
            "below 0 the "
            "object landed: altitude 0 and velocity 0; if it is above $FFFF, altitude $FFFF. Store the "
            "altitude and "
            "also return it in A (all 16 bits: with m=1 again on return its high byte is in B). Observable: "
            f"A, {z_r} and {v_r}. Keep X; Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 7, 0, 1, 6, 7),
                **{
                    f"$7E{zt + 2 * i:04X}:w": word_range(1, 0x10, g, term - 1, term, 0xFFF0, 0xFFFE)
                    for i in range(8)
                },
                **{
                    f"$7E{vt + 2 * i:04X}:w": word_range(
                        g - 1, g, g + 1, limit - 1, limit, limit + 1, 0x10000 - term
                    )
                    for i in range(8)
                },
            },
            outputs=[
                "A",
                *(f"$7E{zt + 2 * i:04X}:w" for i in range(8)),
                *(f"$7E{vt + 2 * i:04X}:w" for i in range(8)),
            ],
            preserve=["X"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("gravity", r"gravity", rf"{hex16(g)}", r"fall"),
            fact("terminal", r"terminal", r"clamp", rf"{hex16(-term)}", r"maximum fall"),
            fact("land", r"land", r"ground", r"below (0|zero)", r"\bfloor"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Doubles the slot into Y to index the word tables and switches A to 16 bits. A non-negative "
            "velocity "
            f"just loses {hex16(g)}; a negative one below {hex16(limit)} (compared unsigned, which is exact "
            "since both "
            f"are negative) would pass the terminal velocity and is set to {hex16(-term)}. The new velocity "
            "is stored "
            "and added to the altitude: for a rising object a carry means it passed $FFFF and the altitude "
            "is clamped there; for a falling one no carry means it went below 0, so altitude and velocity "
            "become 0 (landed). SEP #$20 restores 8-bit A. RTS."
        ),
        false_claims=("It multiplies the velocity with MUL to integrate the altitude.",),
        tags=("physics", "gravity", "signed", "16-bit", "fixed-point", "rep-sep"),
        params={"g": g, "term": term, "z": zt, "v": vt},
    )


def facing_from_speed(rng: random.Random) -> Routine:
    """Face sprite X along its dominant velocity axis (absolute values of two signed speed bytes)."""
    codes = rng.choice([(0, 1, 2, 3), (0, 2, 4, 6), (3, 2, 1, 0)])
    up, down, left, right = codes
    direction = rng.choice([0x0DE0, 0x0EB0])
    entry = rng.choice(["Sprite_FaceVelocity", "UpdateFacing", "Sprite_DirFromSpeed", "Enemy_TurnToMotion"])
    d = f"${direction:04X}"
    ref = asm(f"""
        {entry}:
            LDA $0D50,X
            BPL .absX
            EOR #$FF
            INC A
        .absX:
            STA $00
            LDA $0D40,X
            BPL .absY
            EOR #$FF
            INC A
        .absY:
            CMP $00
            BEQ .tie
            BCS .vertical
        .horizontal:
            LDY #{hex8(right)}
            LDA $0D50,X
            BPL .store
            LDY #{hex8(left)}
            BRA .store
        .tie:
            LDA $00
            BNE .horizontal
            RTS
        .vertical:
            LDY #{hex8(down)}
            LDA $0D40,X
            BPL .store
            LDY #{hex8(up)}
        .store:
            TYA
            STA {d},X
            RTS
        """)
    slow = Draft(
        "subtract-from-zero",
        asm(f"""
        {entry}:
            LDA $0D50,X
            CMP #$80
            BCC .posX
            LDA #$00
            SEC
            SBC $0D50,X
        .posX:
            STA $00
            LDA $0D40,X
            CMP #$80
            BCC .posY
            LDA #$00
            SEC
            SBC $0D40,X
        .posY:
            STA $01
            LDA $00
            ORA $01
            BNE .moving
            RTS
        .moving:
            LDA $01
            CMP $00
            BEQ .horizontal
            BCC .horizontal
            LDA $0D40,X
            CMP #$80
            BCS .up
            LDA #{hex8(down)}
            STA {d},X
            RTS
        .up:
            LDA #{hex8(up)}
            STA {d},X
            RTS
        .horizontal:
            LDA $0D50,X
            CMP #$80
            BCS .left
            LDA #{hex8(right)}
            STA {d},X
            RTS
        .left:
            LDA #{hex8(left)}
            STA {d},X
            RTS
        """),
        "negates by subtracting from zero after CMP #$80 tests, keeps both magnitudes in scratch and ORs "
        "them to test for standing still",
    )
    bugs = (
        Draft(
            "no-inc",
            ref.replace("    INC A\n", "", 1),
            "one's complement: |X speed| is one too small for negative speeds",
        ),
        Draft(
            "bpl-compare",
            ref.replace("BCS .vertical", "BPL .vertical"),
            "BPL (signed) instead of BCS (unsigned) to compare magnitudes: a magnitude of 128 loses",
        ),
        Draft("tie-vertical", ref.replace("BNE .horizontal", "BNE .vertical"), "a tie faces vertically"),
    )
    return Routine(
        kernel="facing_from_speed",
        entry=entry,
        call="jsr",
        summary=(
            f"Set sprite X's facing {d},X from its velocity: the axis with the larger speed magnitude wins."
        ),
        details=(
            "X (0-15) is the sprite slot; $0D50,X is its X speed and $0D40,X its Y speed, signed bytes "
            "(-128..127; "
            "positive X is right, positive Y is down). Compare the magnitudes |X speed| and |Y speed| "
            "(|-128| = "
            f"128). Both 0: leave {d},X unchanged. |X| >= |Y|: face right ({hex8(right)}) when the X speed "
            f"is positive, left ({hex8(left)}) when negative. Otherwise face down ({hex8(down)}) when the Y "
            f"speed is positive, up ({hex8(up)}) when negative. Store the facing at {d},X. Observable: "
            f"{_table(direction)}. Keep X; A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                # Edge case k pairs X speed (0, 1, $40, $FF, $7F, $80)[k] with Y speed ($80, $FF, 0, 1,
                # $7F)[k mod 5]: |-128| against 0, ties of 1, 127 and 128, and -1 against 1.
                _table(0x0D50): byte_range(0x00, 0x01, 0x40, 0xFF),
                _table(0x0D40): byte_range(0x80, 0xFF),
            },
            outputs=[_table(direction)],
            preserve=["X"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("abs", r"absolute", r"magnitude", r"\|", r"negat"),
            fact("axis", r"axis", r"larger", r"dominant", r"greater"),
            fact("facing", r"fac(e|ing)", r"direction", rf"{d}"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Takes the absolute value of the X speed $0D50,X (EOR #$FF / INC A when negative) into $00 and "
            "of the "
            "Y speed $0D40,X into A, and compares them unsigned. Equal magnitudes of zero leave the facing "
            "alone; "
            "otherwise a tie or a larger X magnitude picks right or left by the sign of the X speed, a "
            "larger Y "
            f"magnitude picks down or up by the sign of the Y speed. The code goes through Y into {d},X. RTS."
        ),
        false_claims=("It multiplies the speeds with MUL to compare them.",),
        tags=("sprites", "signed", "abs", "direction"),
        params={"codes": list(codes), "direction": direction},
    )


def anim_frames(rng: random.Random) -> Routine:
    """Step sprite X's animation: when its frame timer runs out, advance the step (wrapping), reload the
    timer from a per-step delay table and set the graphic from a frame table."""
    steps = rng.choice([3, 4, 6])
    delays = [rng.choice([4, 6, 8, 10, 12]) for _ in range(steps)]
    frames = rng.sample(range(0x00, 0x20), steps)
    step_t, timer_t, gfx_t = rng.choice(
        [(0x0D90, 0x0E80, 0x0DC0), (0x0DA0, 0x0E90, 0x0DC0), (0x0D90, 0x0DF0, 0x0DC0)]
    )
    entry = rng.choice(["Sprite_Animate", "AnimateFrames", "Sprite_StepAnimation", "Anim_Tick"])
    st, tm, gf = f"${step_t:04X}", f"${timer_t:04X}", f"${gfx_t:04X}"
    d_bytes = ",".join(hex8(v) for v in delays)
    f_bytes = ",".join(hex8(v) for v in frames)
    tables = f".delay:\n    db {d_bytes}\n.frames:\n    db {f_bytes}\n"
    ref = (
        asm(f"""
        {entry}:
            DEC {tm},X
            BNE .done
            LDA {st},X
            INC A
            CMP #{hex8(steps)}
            BCC .step
            LDA #$00
        .step:
            STA {st},X
            TAY
            LDA .delay,Y
            STA {tm},X
            LDA .frames,Y
            STA {gf},X
        .done:
            RTS
        """)
        + tables
    )
    slow = Draft(
        "reload-step",
        asm(f"""
        {entry}:
            LDA {tm},X
            SEC
            SBC #$01
            STA {tm},X
            CMP #$00
            BEQ .advance
            RTS
        .advance:
            INC {st},X
            LDA {st},X
            CMP #{hex8(steps)}
            BNE .inRange
            LDA #$00
            STA {st},X
        .inRange:
            LDY {st},X
            LDA .delay,Y
            STA {tm},X
            LDY {st},X
            LDA .frames,Y
            STA {gf},X
            RTS
        """)
        + tables,
        "SEC/SBC #1 and CMP #$00 for the timer, INC then reload of the step, and the step reloaded into Y "
        "twice",
    )
    bugs = (
        Draft(
            "bound",
            ref.replace(f"CMP #{hex8(steps)}", f"CMP #{hex8(steps + 1)}"),
            f"off by one: step {steps} reads past the tables",
        ),
        Draft(
            "bpl",
            ref.replace("BNE .done", "BPL .done"),
            "BPL: the animation advances when the timer wraps, a frame late",
        ),
        Draft(
            "x-index", ref.replace("LDA .frames,Y", "LDA .frames,X"), "indexes the frame table with the slot"
        ),
    )
    return Routine(
        kernel="anim_frames",
        entry=entry,
        call="jsr",
        summary=f"Advance sprite X's {steps}-step animation when its frame timer {tm},X runs out.",
        details=(
            f"X (0-15) is the sprite slot. Decrement the frame timer {tm},X (from 0 it wraps to $FF). If it "
            "did not "
            f"reach 0, that is all. Otherwise advance the step {st},X by one, from {steps - 1} wrapping to "
            f"0 (the step is always 0-{steps - 1} at entry), set the timer to the new step's delay "
            f"({', '.join(map(str, delays))} "
            f"frames for steps 0-{steps - 1}) and the graphic {gf},X to its frame "
            f"({', '.join(map(hex8, frames))}). "
            f"Observable: {_table(step_t)}, {_table(timer_t)}, {_table(gfx_t)}. Keep X; A and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # 16 edge cases (one per slot): the timer is 1 in cases 0, 5, 10 and 15 (its list is 5 long),
                # so with 3, 4 or 6 steps one of them also has the last step and must wrap.
                "X": slot_index(*range(16)),
                _table(timer_t): byte_range(1),
                _table(step_t): span(0, steps - 1, *range(steps)),
            },
            outputs=[_table(step_t), _table(timer_t), _table(gfx_t)],
            preserve=["X"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("anim", r"animat", r"frame"),
            fact("wrap", r"wrap", r"back to (0|zero|the first)", r"loops? back", r"cycl"),
            fact("table", r"table", r"\.delay", r"\.frames"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Decrements the frame timer {tm},X in memory and returns unless it reached zero. Then it "
            "increments "
            f"the animation step {st},X, wrapping from {steps} to 0, stores it and uses it in Y to reload "
            f"the timer from the .delay table and the graphic {gf},X from the .frames table. RTS."
        ),
        false_claims=("It multiplies the step by the delay with MUL.",),
        tags=("sprites", "animation", "table", "wrap"),
        params={"steps": steps, "delays": delays, "frames": frames},
    )


def sprite_state_loop(rng: random.Random) -> Routine:
    """Run every live sprite's state handler through JSR (table,X), saving the slot in $0FA0 as the game
    does. Hard tier."""
    last = rng.choice([15, 15, 11])
    wait = rng.choice([0x10, 0x20, 0x08])
    entry = rng.choice(["Sprite_ExecuteAll", "Sprites_Main", "RunSpriteStates", "Sprite_Loop"])
    handlers = asm(f"""
        .spawning:
            LDX $0FA0
            DEC $0DF0,X
            BNE .return
            LDA #$02
            STA $0DD0,X
        .return:
            RTS
        .active:
            LDX $0FA0
            LDA $0D10,X
            ADC $0D50,X
            STA $0D10,X
            RTS
        .dying:
            LDX $0FA0
            DEC $0DF0,X
            BNE .return
            STZ $0DD0,X
            RTS
        .stunned:
            LDX $0FA0
            LDA $0E00,X
            BNE .return
            LDA #$02
            STA $0DD0,X
            LDA #{hex8(wait)}
            STA $0DF0,X
            RTS
        """)
    ref = (
        asm(f"""
        {entry}:
            LDX #{hex8(last)}
        .loop:
            LDA $0DD0,X
            BEQ .next
            STX $0FA0
            ASL A
            TAX
            JSR (.states,X)
        .next:
            DEX
            BPL .loop
            RTS
        .states:
            dw .return, .spawning, .active, .dying, .stunned
        """)
        + handlers
    )
    slow = Draft(
        "compare-chain",
        asm(f"""
        {entry}:
            LDX #{hex8(last)}
        .loop:
            LDA $0DD0,X
            BEQ .next
            STX $0FA0
            CMP #$01
            BNE .not1
            JSR .spawning
            JMP .reload
        .not1:
            CMP #$02
            BNE .not2
            JSR .active
            JMP .reload
        .not2:
            CMP #$03
            BNE .not3
            JSR .dying
            JMP .reload
        .not3:
            JSR .stunned
        .reload:
            LDX $0FA0
        .next:
            DEX
            BPL .loop
            RTS
        """)
        + handlers.replace("    LDA $0D10,X\n    ADC", "    LDA $0D10,X\n    CLC\n    ADC"),
        "a CMP/BNE chain with a JSR per state instead of one JSR through a table, and the slot reloaded "
        "after "
        "every call although each handler leaves it in X (the chain's CMPs leave the carry set, so this "
        "version also needs a CLC in the active handler)",
    )
    bugs = (
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "DEX/BNE never runs slot 0"),
        Draft(
            "no-reload",
            ref.replace(".dying:\n    LDX $0FA0\n", ".dying:\n"),
            "the dying handler indexes with the doubled state instead of reloading the slot from $0FA0",
        ),
        Draft(
            "no-asl",
            ref.replace("    ASL A\n    TAX\n", "    TAX\n"),
            "state not doubled: the word table is read at byte offsets",
        ),
    )
    return Routine(
        kernel="sprite_state_loop",
        entry=entry,
        call="jsr",
        summary=f"Run the state handler of every live sprite in slots {last}..0 through a jump table.",
        details=(
            f"For X = {last} down to 0, with the state s = $0DD0,X (each state byte is 0-4): s = 0 means a "
            "free slot, "
            "skip it. Otherwise store X in $0FA0 (the current slot) and run the handler of s: 1 (spawning) "
            "decrements the timer $0DF0,X and at 0 sets the state to 2; 2 (active) adds the X speed $0D50,X "
            "to the "
            "X position low byte $0D10,X (8-bit, wrapping; no carry in); 3 (dying) decrements $0DF0,X and "
            "at 0 sets the state to "
            "0; 4 (stunned) does nothing while $0E00,X is nonzero, else sets the state to 2 and $0DF0,X to "
            f"{hex8(wait)}. "
            "Observable: $7E0DD0-$7E0DDF, $7E0DF0-$7E0DFF, $7E0D10-$7E0D1F and $7E0FA0 (it ends as the last "
            "live slot handled, unchanged if none). A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # The speed list (25 long) sets 25 edge cases; the state cycles every 5, the timer (1 at
                # index 1) every 6 and the stun timer (0 at index 4) every 9, so each state meets a timer of 1
                # and the stunned state meets a stun timer of 0.
                _table(0x0DD0): span(0, 4, 0, 1, 2, 3, 4),
                _table(0x0DF0): byte_range(0, 1, 2),
                _table(0x0E00): byte_range(2, 3, 4, 5),
                _table(0x0D10): byte_range(0x80, 0xFF),
                _table(0x0D50): byte_range(*range(0x01, 0x15)),
            },
            outputs=[_table(0x0DD0), _table(0x0DF0), _table(0x0D10), "$7E0FA0"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("table", r"jump table", r"\bJSR \(", r"dispatch", r"handler"),
            fact("slot", r"\$0FA0", r"current slot", r"sav(e|es|ing) (the )?(slot|X)"),
            fact("loop", r"\bloop", r"every (slot|sprite)", r"each (slot|sprite)"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Loops X from {last} down to 0 and skips free slots (state 0). For a live sprite it saves the "
            "slot in "
            "$0FA0, doubles the state into X and calls the handler with JSR (.states,X); each handler "
            "reloads the "
            "slot from $0FA0 and returns with it still in X, so the loop goes on from there. Spawning and "
            "dying count $0DF0,X down and change "
            "state at zero, active moves the X position by the X speed, stunned waits for $0E00,X to reach "
            "zero "
            "and then becomes active with a fresh timer. The ASL of a state 1-4 leaves the carry clear, so "
            "the active handler's ADC needs no CLC. RTS."
        ),
        false_claims=("It reads the state from the HP table $0E20.",),
        tags=("sprites", "state-machine", "jump-table", "loop"),
        params={"last": last, "wait": wait},
    )


def _edge_positions(differences: list[int]) -> tuple[list[int], list[int], list[int]]:
    """Boundaries that make edge case k put a sprite at s_k and another position at s_k + differences[k].

    Edge case k gives every input the k-th of its sorted boundaries (`harness.verify.states.edge_cases`),
    so the sprite's high/low table bytes get ascending values (s_k = $1011, $2022, ...) and the other
    position, a word input, gets s_k + difference: ascending too while the differences stay small. The
    difference is then exact in the first edge cases, where it must sit on the routine's boundaries.
    """
    highs = [0x10 * (k + 1) for k in range(len(differences))]
    lows = [0x11 * (k + 1) for k in range(len(differences))]
    words = [((h << 8 | lo) + d) & 0xFFFF for h, lo, d in zip(highs, lows, differences, strict=True)]
    if words != sorted(words):
        raise ValueError(f"differences {differences} are too far apart to keep the boundaries in order")
    return highs, lows, words


def aabb_boxes16(rng: random.Random) -> Routine:
    """Do two boxes (16-bit x, y, width, height words) overlap? Differences wrap, read as signed."""
    base = rng.choice([0x0F20, 0x1C00, 0x0B90, 0x1E40])
    names = ("ax", "ay", "aw", "ah", "bx", "by", "bw", "bh")
    at = {name: base + 2 * i for i, name in enumerate(names)}
    entry = rng.choice(["Boxes_Overlap", "CheckRectOverlap", "Aabb_Intersect", "HitboxesTouch"])
    w = {name: f"${address:04X}" for name, address in at.items()}
    ref = asm(f"""
        {entry}:
            LDA {w["bx"]}
            SEC
            SBC {w["ax"]}
            BMI .bLeft
            CMP {w["aw"]}
            BCS .done
            BRA .vertical
        .bLeft:
            EOR #$FFFF
            INC A
            CMP {w["bw"]}
            BCS .done
        .vertical:
            LDA {w["by"]}
            SEC
            SBC {w["ay"]}
            BMI .bAbove
            CMP {w["ah"]}
            RTS
        .bAbove:
            EOR #$FFFF
            INC A
            CMP {w["bh"]}
        .done:
            RTS
        """)
    slow = Draft(
        "range-trick",
        asm(f"""
        {entry}:
            LDA {w["aw"]}
            CLC
            ADC {w["bw"]}
            DEC A
            STA $00
            LDA {w["bx"]}
            SEC
            SBC {w["ax"]}
            CLC
            ADC {w["bw"]}
            DEC A
            CMP $00
            BCS .done
            LDA {w["ah"]}
            CLC
            ADC {w["bh"]}
            DEC A
            STA $00
            LDA {w["by"]}
            SEC
            SBC {w["ay"]}
            CLC
            ADC {w["bh"]}
            DEC A
            CMP $00
        .done:
            RTS
        """),
        "tests each axis as one unsigned range check (d + bw - 1 < aw + bw - 1), which costs two sums per "
        "axis where a sign test and one compare do",
    )
    bugs = (
        Draft(
            "no-sec", ref.replace("    SEC\n", "", 1), "SEC dropped: the X difference borrows the entry carry"
        ),
        Draft(
            "one-complement",
            ref.replace("    INC A\n", "", 1),
            "EOR alone: a box exactly touching on the left overlaps",
        ),
        Draft(
            "wrong-size",
            ref.replace(f"CMP {w['bw']}", f"CMP {w['aw']}"),
            "uses A's width when B lies to the left",
        ),
    )
    spelled = ", ".join(f"{n} at ${a:04X}" for n, a in at.items())
    # Edge cases 0-3 sit on the X edges (touching right, overlapping by one, touching left, overlapping
    # by one) with the Y axis overlapping; 4-7 do the same on the Y axis with X overlapping.
    ax = [0x0100 * (k + 1) for k in range(8)]
    aw = [0x0010 + k for k in range(8)]
    bw = [0x0008 + k for k in range(8)]
    bx = [ax[0] + aw[0], ax[1] + aw[1] - 1, ax[2] - bw[2], ax[3] - bw[3] + 1, *ax[4:]]
    ay = [0x1000 * (k + 1) for k in range(8)]
    ah = [0x0020 + k for k in range(8)]
    bh = [0x0010 + k for k in range(8)]
    by = [*(a + 1 for a in ay[:4]), ay[4] + ah[4], ay[5] + ah[5] - 1, ay[6] - bh[6], ay[7] - bh[7] + 1]
    sizes = {"aw": aw, "ah": ah, "bw": bw, "bh": bh}
    places = {"ax": ax, "ay": ay, "bx": bx, "by": by}
    inputs = {f"$7E{at[n]:04X}:w": word_range(*v) for n, v in places.items()}
    inputs |= {f"$7E{at[n]:04X}:w": span(1, 0x4000, *v) for n, v in sizes.items()}
    return Routine(
        kernel="aabb_boxes16",
        entry=entry,
        call="jsr",
        summary=(
            "Return carry clear if box A and box B overlap (16-bit positions and sizes), carry set if not."
        ),
        details=(
            f"A and the index registers are 16-bit (m=0, x=0). Each box is four words: {spelled} (bank $7E). "
            "A box covers x..x+w-1 and y..y+h-1; widths and heights are $0001-$4000. Positions wrap: take "
            "dx = bx - ax and dy = by - ay modulo $10000 and read them as signed. The boxes overlap when "
            "-bw < dx < aw and -bh < dy < ah. Return with carry clear when they overlap, set when they do "
            "not. Observable: the carry flag. Keep X and Y; A may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=0, x=0, inputs=inputs, outputs=["flag:C"], preserve=["X", "Y"], cases=160),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("overlap", r"overlap", r"intersect", r"collid"),
            fact("signed", r"signed", r"sign", r"\bBMI\b", r"negative"),
            fact("carry", r"carry", r"\bCMP\b", r"\bBCS\b"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Subtracts A's x from B's x (16-bit). A non-negative difference must be below A's width, a "
            "negative "
            "one is negated (EOR #$FFFF, INC A) and must be below B's width; otherwise it returns with "
            "carry set "
            "from the failed CMP. The same test on y decides the rest, so the carry of the last CMP is the "
            "answer: clear when the boxes overlap. RTS."
        ),
        false_claims=("It multiplies the widths with MUL to compare the areas.",),
        tags=("collision", "aabb", "16-bit", "signed"),
        params={"base": base},
    )


def sprite_link_contact(rng: random.Random) -> Routine:
    """Hitbox of sprite X (16-bit position from split tables plus offsets) against Link's hitbox; on contact
    copy the sprite's contact damage to Link. Hard tier."""
    s_ox, s_w = rng.choice([(-8, 16), (0, 16), (2, 12), (-4, 24), (4, 8)])
    s_oy, s_h = rng.choice([(0, 16), (4, 12), (-8, 24), (8, 8)])
    l_ox, l_w = rng.choice([(0, 16), (2, 12)])
    l_oy, l_h = rng.choice([(8, 8), (4, 12)])
    damage_table = rng.choice([0x0CD2, 0x0CD2, 0x0F50])
    entry = rng.choice(["Sprite_CheckLinkContact", "Sprite_TouchLink", "Enemy_BumpLink", "CheckDamageToLink"])
    cx = (l_ox - s_ox + l_w - 1) & 0xFFFF
    cy = (l_oy - s_oy + l_h - 1) & 0xFFFF
    sx, sy = s_w + l_w - 1, s_h + l_h - 1
    dmg = f"${damage_table:04X}"

    def axis(hi: str, lo: str, link: str, const: int, size: int) -> str:
        return _lines(f"""
            LDA {hi},X
            XBA
            LDA {lo},X
            REP #$20
            STA $00
            LDA {link}
            SEC
            SBC $00
            CLC
            ADC #{hex16(const)}
            CMP #{hex16(size)}
            BCS .miss
        """)

    ref = (
        asm(f"""
        {entry}:
            LDA $0DD0,X
            BEQ .none
        """)
        + axis("$0D30", "$0D10", "$22", cx, sx)
        + "    SEP #$20\n"
        + axis("$0D20", "$0D00", "$20", cy, sy)
        + asm(f"""
            SEP #$20
            LDA {dmg},X
            STA $0373
            SEC
            RTS
        .miss:
            SEP #$20
        .none:
            CLC
            RTS
        """)
    )

    def slow_axis(
        hi: str, lo: str, link: str, link_off: int, spr_off: int, link_size: int, spr_size: int
    ) -> str:
        return asm(f"""
            LDA {hi},X
            XBA
            LDA {lo},X
            REP #$20
            CLC
            ADC #{hex16(spr_off)}
            STA $00
            LDA {link}
            CLC
            ADC #{hex16(link_off)}
            SEC
            SBC $00
            BMI .before{link[1:]}
            CMP #{hex16(spr_size)}
            BCS .miss
            BRA .ok{link[1:]}
        .before{link[1:]}:
            EOR #$FFFF
            INC A
            CMP #{hex16(link_size)}
            BCS .miss
        .ok{link[1:]}:
            SEP #$20
        """)

    slow = Draft(
        "edges",
        asm(f"""
        {entry}:
            LDA $0DD0,X
            BNE .alive
            CLC
            RTS
        .alive:
        """)
        + slow_axis("$0D30", "$0D10", "$22", l_ox, s_ox, l_w, s_w)
        + slow_axis("$0D20", "$0D00", "$20", l_oy, s_oy, l_h, s_h)
        + asm(f"""
            LDA {dmg},X
            STA $0373
            SEC
            RTS
        .miss:
            SEP #$20
            CLC
            RTS
        """),
        "computes both hitboxes' left/top edges and branches on the sign of their difference, where one "
        "folded constant and a single unsigned compare per axis do",
    )
    bugs = (
        Draft(
            "no-high-byte",
            ref.replace("    LDA $0D30,X\n    XBA\n", "", 1),
            "forgets the high byte of the sprite's X position (B keeps whatever it held)",
        ),
        Draft(
            "bpl",
            ref.replace("BCS .miss", "BPL .miss", 1),
            "BPL (signed) instead of BCS on the unsigned range test",
        ),
        Draft(
            "no-sec", ref.replace("    SEC\n", "", 1), "SEC dropped: the X difference borrows a stale carry"
        ),
        Draft(
            "hp-table",
            ref.replace(f"LDA {dmg},X", "LDA $0E50,X"),
            "copies the HP table instead of the contact damage",
        ),
    )
    # Edge cases 0-3: the X test on its four edges with Y inside; 4-7: the same for Y with X inside.
    e_x = [sx - 1, sx, 0, 0xFFFF, *[sx // 2] * 4]
    e_y = [sy // 2] * 4 + [sy - 1, sy, 0, 0xFFFF]
    diff_x = [((e - cx + 0x8000) & 0xFFFF) - 0x8000 for e in e_x]
    diff_y = [((e - cy + 0x8000) & 0xFFFF) - 0x8000 for e in e_y]
    hx, lx, wx = _edge_positions(diff_x)
    hy, ly, wy = _edge_positions(diff_y)
    return Routine(
        kernel="sprite_link_contact",
        entry=entry,
        call="jsr",
        summary=(
            "If live sprite X's hitbox touches Link's, copy its contact damage to $0373 and return carry set."
        ),
        details=(
            "X (0-15) is the sprite slot; it is live when $0DD0,X is nonzero. Positions are 16-bit: the "
            "sprite's X is "
            "$0D30,X (high) : $0D10,X (low), its Y $0D20,X : $0D00,X; Link's X is the word at $22 and his Y "
            f"the word at $20. The sprite's hitbox starts at (X {_signed(s_ox)}, Y {_signed(s_oy)}) and is "
            f"{s_w}x{s_h} pixels; "
            f"Link's starts at (X {_signed(l_ox)}, Y {_signed(l_oy)}) and is {l_w}x{l_h}. All sums and "
            "differences "
            "wrap modulo $10000; with d = Link's box left minus the sprite's box left read as signed, the "
            "boxes "
            f"overlap on X when -{l_w} < d < {s_w}, and likewise on Y (-{l_h} < d < {s_h}). If the sprite "
            "is live "
            f"and both overlap: copy its contact damage {dmg},X to $7E0373 and return with carry set. "
            "Otherwise "
            "return with carry clear and change nothing. Entry and exit mode m=1, x=1. Observable: the "
            "carry flag and $7E0373. Keep X and Y; A may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                _table(0x0DD0): byte_range(*range(1, 9)),
                _table(0x0D30): byte_range(*hx),
                _table(0x0D10): byte_range(*lx),
                _table(0x0D20): byte_range(*hy),
                _table(0x0D00): byte_range(*ly),
                "$7E0022:w": word_range(*wx),
                "$7E0020:w": word_range(*wy),
                _table(damage_table): byte_range(),
            },
            outputs=["flag:C", "$7E0373"],
            preserve=["X", "Y"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hitbox", r"hit ?box", r"overlap", r"collision", r"touch"),
            fact("sixteen", r"16-bit", r"high byte", r"\bXBA\b", r"REP #\$20"),
            fact("damage", r"damage", rf"{dmg}", r"\$0373"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Returns carry clear at once for a free slot. For each axis it builds the sprite's 16-bit "
            "position in A "
            "(high table byte, XBA, low byte, then REP #$20), subtracts it from Link's position and adds "
            "one folded "
            f"constant ({hex16(cx)} on X, {hex16(cy)} on Y) that accounts for both hitbox offsets and "
            "Link's size, so "
            f"a single unsigned CMP against the summed sizes ({hex16(sx)}, {hex16(sy)}) decides the "
            "overlap. If both "
            f"axes overlap it returns to 8-bit A, copies the contact damage {dmg},X to $0373 and sets "
            "carry. RTS."
        ),
        false_claims=("It reads the contact damage from the type table $0E20 as hit points.",),
        tags=("collision", "sprites", "16-bit", "xba", "rep-sep", "hard"),
        params={
            "sprite_box": [s_ox, s_oy, s_w, s_h],
            "link_box": [l_ox, l_oy, l_w, l_h],
            "damage": damage_table,
        },
    )


def point_in_sprite_box(rng: random.Random) -> Routine:
    """Is a 16-bit point (a sword tip, a cursor) inside sprite X's box? Carry clear if inside."""
    w, h = rng.choice([(16, 16), (8, 16), (24, 12), (32, 32), (12, 20)])
    point = rng.choice([0x0A40, 0x1C30, 0x0B10])
    entry = rng.choice(["Sprite_ContainsPoint", "PointInSprite", "Sword_HitsSprite", "Sprite_PointTest"])
    px, py = f"${point:04X}", f"${point + 2:04X}"
    ref = asm(f"""
        {entry}:
            LDA {px}
            SEC
            SBC $0D10,X
            STA $00
            LDA {px}+1
            SBC $0D30,X
            BNE .out
            LDA $00
            CMP #{hex8(w)}
            BCS .out
            LDA {py}
            SEC
            SBC $0D00,X
            STA $00
            LDA {py}+1
            SBC $0D20,X
            BNE .out
            LDA $00
            CMP #{hex8(h)}
            RTS
        .out:
            SEC
            RTS
        """)
    slow = Draft(
        "sixteen-bit",
        asm(f"""
        {entry}:
            LDA $0D30,X
            XBA
            LDA $0D10,X
            REP #$20
            STA $00
            LDA {px}
            SEC
            SBC $00
            CMP #{hex16(w)}
            SEP #$20
            BCS .done
            LDA $0D20,X
            XBA
            LDA $0D00,X
            REP #$20
            STA $00
            LDA {py}
            SEC
            SBC $00
            CMP #{hex16(h)}
            SEP #$20
        .done:
            RTS
        """),
        "builds both 16-bit positions with XBA and REP/SEP and parks them in scratch, where 8-bit "
        "subtractions with an early exit on a nonzero high byte are shorter",
    )
    bugs = (
        Draft(
            "no-high",
            ref.replace(f"    LDA {py}+1\n    SBC $0D20,X\n    BNE .out\n", ""),
            "ignores the high byte of the Y difference: points 256 pixels away count as inside",
        ),
        Draft(
            "no-sec", ref.replace("    SEC\n", "", 1), "SEC dropped: the X difference borrows a stale carry"
        ),
        Draft(
            "no-out-sec",
            ref.replace(".out:\n    SEC\n", ".out:\n"),
            "the early exit returns whatever carry the SBC left",
        ),
    )
    # Edge cases 0-3: x on its edges (and -1), y inside; 4-7 the same for y; 8 and 9: a low byte inside
    # but 256 pixels off on y, then on x.
    ex = [w - 1, w, 0, 0xFFFF, *[w // 2] * 5, 0x0100 + w // 2]
    ey = [h // 2] * 4 + [h - 1, h, 0, 0xFFFF, 0x0100 + h // 2, h // 2]
    hx, lx, wx = _edge_positions([((e + 0x8000) & 0xFFFF) - 0x8000 for e in ex])
    hy, ly, wy = _edge_positions([((e + 0x8000) & 0xFFFF) - 0x8000 for e in ey])
    return Routine(
        kernel="point_in_sprite_box",
        entry=entry,
        call="jsr",
        summary=(
            f"Return carry clear if the point ({px}, {py}) lies in sprite X's {w}x{h} box, carry set if not."
        ),
        details=(
            f"X (0-15) is the sprite slot. The point is the word pair at $7E{point:04X} (x) and "
            f"$7E{point + 2:04X} (y). "
            "The sprite's box starts at its 16-bit position (X: $0D30,X high : $0D10,X low; Y: $0D20,X : "
            "$0D00,X) and "
            f"is {w} pixels wide and {h} high. The point is inside when (point x - sprite X) modulo $10000 "
            "is below "
            f"{w} and (point y - sprite Y) modulo $10000 is below {h}. Return with carry clear when inside, "
            "set when not. Entry and exit mode m=1, x=1. Observable: the carry flag. Keep X and Y; A may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                _table(0x0D30): byte_range(*hx),
                _table(0x0D10): byte_range(*lx),
                _table(0x0D20): byte_range(*hy),
                _table(0x0D00): byte_range(*ly),
                f"$7E{point:04X}:w": word_range(*wx),
                f"$7E{point + 2:04X}:w": word_range(*wy),
            },
            outputs=["flag:C"],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("inside", r"inside", r"with ?in", r"contain"),
            fact("sixteen", r"16-bit", r"high (byte|difference)", r"256"),
            fact("unsigned", r"unsigned", r"\bCMP\b", r"below", r"carry"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Subtracts the sprite's 16-bit X from the point's x one byte at a time: the low difference "
            "waits at $00, "
            "and a nonzero high difference means the point is at least 256 pixels off (or left of the "
            "sprite, where "
            "the difference wraps), so it leaves through .out with SEC. Otherwise the low difference is "
            "compared "
            f"with the width {w}, unsigned. The same on Y against {h}; the carry of the last CMP is the "
            "answer, clear when inside. RTS."
        ),
        false_claims=("It multiplies the width and height with MUL.",),
        tags=("collision", "point", "16-bit", "8-bit-math"),
        params={"w": w, "h": h, "point": point},
    )


def hitbox_from_table(rng: random.Random) -> Routine:
    """Compute sprite X's hitbox edges (16-bit left/top/right/bottom) from its hitbox class: signed 8-bit
    offsets (sign-extended) and sizes from tables. Hard tier."""
    count = 8
    # Permutations of mixed odd/even, negative/positive offsets: every bit of the sign test matters.
    offs_x = rng.sample([-8, -5, -3, -1, 0, 1, 3, 6], count)
    offs_y = rng.sample([-16, -9, -4, -1, 0, 3, 7, 12], count)
    widths = [rng.choice([4, 8, 12, 16, 24]) for _ in range(count)]
    heights = [rng.choice([4, 8, 12, 16, 32]) for _ in range(count)]
    out = rng.choice([0x0F28, 0x1E00, 0x0B20])
    entry = rng.choice(["Sprite_SetupHitbox", "GetSpriteHitbox", "Sprite_HitboxEdges", "LoadHitbox"])
    left, top, right, bottom = (f"${out + 2 * i:04X}" for i in range(4))

    def db(values: list[int]) -> str:
        return ",".join(hex8(v) for v in values)

    tables = (
        f".offsetX:\n    db {db(offs_x)}\n.width:\n    db {db(widths)}\n"
        f".offsetY:\n    db {db(offs_y)}\n.height:\n    db {db(heights)}\n"
    )

    def axis(lo: str, hi: str, off: str, size: str, first: str, second: str) -> str:
        return asm(f"""
            LDA {lo},X
            CLC
            ADC {off},Y
            STA {first}
            LDA {off},Y
            AND #$80
            BEQ .pos{off[1:]}
            LDA #$FF
        .pos{off[1:]}:
            ADC {hi},X
            STA {first}+1
            LDA {first}
            CLC
            ADC {size},Y
            STA {second}
            LDA {first}+1
            ADC #$00
            STA {second}+1
        """)

    ref = (
        asm(f"""
        {entry}:
            LDA $0F60,X
            AND #$07
            TAY
        """)
        + axis("$0D10", "$0D30", ".offsetX", ".width", left, right)
        + axis("$0D00", "$0D20", ".offsetY", ".height", top, bottom)
        + "    RTS\n"
        + tables
    )

    def slow_axis(lo: str, hi: str, off: str, size: str, first: str, second: str) -> str:
        return asm(f"""
            LDA {off},Y
            REP #$20
            AND #$00FF
            CMP #$0080
            BCC .pos{off[1:]}
            ORA #$FF00
        .pos{off[1:]}:
            STA $00
            SEP #$20
            LDA {hi},X
            XBA
            LDA {lo},X
            REP #$20
            CLC
            ADC $00
            STA {first}
            SEP #$20
            LDA {size},Y
            REP #$20
            AND #$00FF
            CLC
            ADC {first}
            STA {second}
            SEP #$20
        """)

    slow = Draft(
        "widen-each",
        asm(f"""
        {entry}:
            LDA $0F60,X
            AND #$07
            TAY
        """)
        + slow_axis("$0D10", "$0D30", ".offsetX", ".width", left, right)
        + slow_axis("$0D00", "$0D20", ".offsetY", ".height", top, bottom)
        + "    RTS\n"
        + tables,
        "switches to 16 bits for every value, sign-extending with CMP #$0080/ORA #$FF00 and zero-extending "
        "with AND #$00FF, where 8-bit adds with the carry and a $00/$FF high byte do",
    )
    bugs = (
        Draft(
            "no-sign",
            ref.replace("    LDA #$FF\n", "    LDA #$00\n", 1),
            "negative X offsets are not sign-extended",
        ),
        Draft(
            "no-carry-high",
            ref.replace("    ADC #$00\n", "", 1),
            "right edge: the high byte is copied without the carry of the low add",
        ),
        Draft(
            "no-mask", ref.replace("    AND #$07\n", ""), "the whole $0F60 byte indexes the 8-entry tables"
        ),
        Draft("no-clc", ref.replace("    CLC\n", "", 1), "CLC dropped: the left edge adds a stale carry"),
    )

    def listing(values: list[int]) -> str:
        return ", ".join(str(v) for v in values)

    return Routine(
        kernel="hitbox_from_table",
        entry=entry,
        call="jsr",
        summary=(
            f"Compute sprite X's hitbox edges (left, top, right, bottom words at ${out:04X}) from its "
            "hitbox class."
        ),
        details=(
            "X (0-15) is the sprite slot; its hitbox class is the low 3 bits of $0F60,X (the other bits are "
            "other flags). Per class 0-7: X offset "
            f"({listing(offs_x)}), width ({listing(widths)}), Y offset ({listing(offs_y)}), height "
            f"({listing(heights)}); offsets are signed. The sprite's 16-bit position is X = $0D30,X : "
            "$0D10,X and "
            f"Y = $0D20,X : $0D00,X. Store the words left = X + X offset at $7E{out:04X}, top = Y + Y "
            "offset at "
            f"$7E{out + 2:04X}, right = left + width at $7E{out + 4:04X} and bottom = top + height at "
            f"$7E{out + 6:04X} (all modulo $10000). Entry and exit mode m=1, x=1. Observable: "
            f"$7E{out:04X}-$7E{out + 7:04X}. Keep X; A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                _table(0x0F60): byte_range(*range(8), 0xF8),
                _table(0x0D10): byte_range(0x00, 0x02, 0x04, 0xF8, 0xFC, 0xFE, 0xFF),
                _table(0x0D00): byte_range(0x00, 0x04, 0x08, 0xF0, 0xF8, 0xFF),
                _table(0x0D30): byte_range(0x00, 0xFF),
                _table(0x0D20): byte_range(0x00, 0xFF),
            },
            outputs=[f"$7E{out:04X}..$7E{out + 7:04X}"],
            preserve=["X"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hitbox", r"hit ?box", r"edges?", r"left"),
            fact("sign", r"sign", r"negative", r"\$FF"),
            fact("table", r"table", r"class", r"\$0F60"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Uses the low 3 bits of $0F60,X as the hitbox class in Y. For X then Y it adds the signed "
            "offset from "
            "the class tables to the low position byte, then adds the offset's sign extension ($00, or $FF "
            "when bit "
            "7 is set) plus the carry to the high byte: the 16-bit left or top edge. Adding the width or "
            "height (with ADC #$00 carrying into the high byte) gives the right or bottom edge. RTS."
        ),
        false_claims=("It multiplies the offsets with MUL before adding them.",),
        tags=("collision", "hitbox", "signed", "16-bit-math", "table"),
        params={"offs_x": offs_x, "offs_y": offs_y, "widths": widths, "heights": heights, "out": out},
    )


def _tile_edges(offset: int, probes: tuple[int, ...]) -> list[int]:
    """Position bytes whose probe (position + offset, modulo 256) lands on the given pixels."""
    return [(probe - offset) & 0xFF for probe in probes]


def tile_collision_map(rng: random.Random) -> Routine:
    """Look up the collision attribute of the 16x16 tile under sprite X's probe point in a room map at
    $7F:xxxx (long addressing); carry set if solid."""
    mp = rng.choice([0x7F2000, 0x7F4000, 0x7EC000])
    off_x, off_y = rng.choice([(8, 12), (8, 8), (4, 14), (2, 15)])
    solid = rng.choice([0x10, 0x20, 0x40, 0x80])
    store = rng.choice([0x0E70, 0x0E90])
    index_var = rng.choice([0x0B08, 0x0FA5, 0x1E66])
    iv = f"${index_var:04X}"
    entry = rng.choice(["Sprite_CheckTile", "Sprite_TileUnder", "GetTileAttribute", "Sprite_WallCheck"])
    st = f"${store:04X}"
    ref = asm(f"""
        {entry}:
            LDA $0D00,X
            CLC
            ADC #{hex8(off_y)}
            AND #$F0
            STA $00
            LDA $0D10,X
            CLC
            ADC #{hex8(off_x)}
            LSR A
            LSR A
            LSR A
            LSR A
            CLC
            ADC $00
            STA {iv}
            PHX
            TAX
            LDA ${mp:06X},X
            PLX
            STA {st},X
            CMP #{hex8(solid)}
            RTS
        """)
    slow = Draft(
        "sixteen-bit-index",
        asm(f"""
        {entry}:
            LDA $0D00,X
            CLC
            ADC #{hex8(off_y)}
            AND #$F0
            STA $00
            STZ $01
            LDA $0D10,X
            CLC
            ADC #{hex8(off_x)}
            LSR A
            LSR A
            LSR A
            LSR A
            CLC
            ADC $00
            STA $00
            STA {iv}
            PHX
            REP #$10
            LDX $00
            LDA ${mp:06X},X
            SEP #$10
            PLX
            STA {st},X
            CMP #{hex8(solid)}
            BCC .clear
            SEC
            RTS
        .clear:
            CLC
            RTS
        """),
        "builds a 16-bit index in scratch with REP #$10 and adds where ORA does, and sets the carry again "
        "after the compare already did",
    )
    bugs = (
        Draft("three-shifts", ref.replace("    LSR A\n", "", 1), "three LSRs: the column is x/8, not x/16"),
        Draft(
            "no-phx",
            ref.replace("    PHX\n", "").replace("    PLX\n", ""),
            "X is not restored: the attribute goes to the wrong slot",
        ),
        Draft("no-clc", ref.replace("    CLC\n", "", 1), "CLC dropped: the Y probe adds the entry carry"),
    )
    bank, addr = mp >> 16, mp & 0xFFFF
    return Routine(
        kernel="tile_collision_map",
        entry=entry,
        call="jsr",
        summary=(
            "Read the collision attribute of the 16x16 tile under sprite X's probe point from the room map "
            f"at ${mp:06X}."
        ),
        details=(
            f"X (0-15) is the sprite slot. The room's collision map is 256 bytes at ${bank:02X}:{addr:04X}, "
            "one per "
            "16x16 tile, row by row (16 tiles per row). Only the low bytes of the sprite's position matter "
            "(room "
            f"coordinates): probe x = $0D10,X + {off_x} and probe y = $0D00,X + {off_y}, both modulo 256. "
            "The tile index is (probe y / 16) * 16 + probe x / 16; store it at "
            f"$7E{index_var:04X} (for later tile writes). Copy that tile's attribute byte to "
            f"{st},X and return with carry set if it is {hex8(solid)} or more (solid), clear if not. "
            f"Observable: {_table(store)}, $7E{index_var:04X} and the carry flag. Keep X and Y; A may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                # Edge cases 0-3 put the X probe on pixels $0F, $10, $FF and $00 (the last two wrap);
                # the Y probe on $0F, $10 and then $00 with a carry out of the Y add (case 2, where a
                # stale carry would move the X probe from $FF to the next tile).
                _table(0x0D10): byte_range(*_tile_edges(off_x, (0x0F, 0x10, 0xFF, 0x00))),
                _table(0x0D00): byte_range(*_tile_edges(off_y, (0x0F, 0x10, 0x00))),
                # One input per map row, each with its own number of boundaries: in an edge case the rows
                # hold different values (a wrong row shows), each trying the solid threshold's neighbours.
                **{
                    f"${mp + 16 * row:06X}..${mp + 16 * row + 15:06X}": byte_range(
                        solid - 1, solid, solid + 1, *range(0x40 + solid, 0x40 + solid + row)
                    )
                    for row in range(16)
                },
            },
            outputs=[_table(store), f"$7E{index_var:04X}", "flag:C"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("tile", r"\btiles?\b", r"collision map", r"attribute"),
            fact("long", r"long", rf"\${mp:06X}", rf"\${bank:02X}"),
            fact("solid", r"solid", r"carry", r"\bCMP\b"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Adds the probe offsets to the low position bytes; the Y probe keeps its high nibble (AND #$F0, "
            "the row times 16) and the X probe is shifted right four times (the column); CLC/ADC combines "
            f"them into the tile index, which is kept at {iv}. X is saved with PHX, the index goes to X, the "
            f"attribute is read long from ${mp:06X},X, and after PLX it is stored in {st},X. "
            f"CMP #{hex8(solid)} leaves the carry set for solid tiles. RTS."
        ),
        false_claims=("It multiplies the row by 16 with MUL.",),
        tags=("collision", "tiles", "long", "indexed"),
        params={"map": mp, "off": [off_x, off_y], "solid": solid},
    )


def chebyshev_range(rng: random.Random) -> Routine:
    """Is sprite X within `radius` of Link on both axes? 16-bit absolute differences, the larger one
    stored."""
    radius = rng.choice([0x0020, 0x0030, 0x0040, 0x0050, 0x0080])
    out = rng.choice([0x0F3C, 0x1C10, 0x0B30])
    entry = rng.choice(["Sprite_NearLink", "Sprite_InRange", "CheckAggroRange", "Enemy_SeesLink"])
    o = f"${out:04X}"

    def axis(hi: str, lo: str, link: str, tag: str) -> str:
        return asm(f"""
            LDA {hi},X
            XBA
            LDA {lo},X
            REP #$20
            STA $00
            LDA {link}
            SEC
            SBC $00
            BPL .abs{tag}
            EOR #$FFFF
            INC A
        .abs{tag}:
        """)

    ref = (
        f"{entry}:\n"
        + axis("$0D30", "$0D10", "$22", "X")
        + "    STA $02\n    SEP #$20\n"
        + axis("$0D20", "$0D00", "$20", "Y")
        + asm(f"""
            CMP $02
            BCS .larger
            LDA $02
        .larger:
            STA {o}
            CMP #{hex16(radius)}
            SEP #$20
            RTS
        """)
    )

    def slow_axis(hi: str, lo: str, link: str, tag: str, dest: str) -> str:
        return asm(f"""
            LDA {hi},X
            XBA
            LDA {lo},X
            REP #$20
            STA $00
            LDA {link}
            CMP $00
            BCC .swap{tag}
            SEC
            SBC $00
            BRA .keep{tag}
        .swap{tag}:
            LDA $00
            SEC
            SBC {link}
        .keep{tag}:
            CMP #$8000
            BCC .pos{tag}
            EOR #$FFFF
            INC A
        .pos{tag}:
            STA {dest}
            SEP #$20
        """)

    slow = Draft(
        "compare-first",
        f"{entry}:\n"
        + slow_axis("$0D30", "$0D10", "$22", "X", "$02")
        + slow_axis("$0D20", "$0D00", "$20", "Y", "$04")
        + asm(f"""
            REP #$20
            LDA $02
            CMP $04
            BCS .xLarger
            LDA $04
        .xLarger:
            STA {o}
            CMP #{hex16(radius)}
            BCC .near
            SEP #$20
            SEC
            RTS
        .near:
            SEP #$20
            CLC
            RTS
        """),
        "orders the operands with a compare before subtracting, then still negates through CMP #$8000, and "
        "re-derives the carry with SEC/CLC after the final compare",
    )
    bugs = (
        Draft(
            "no-inc", ref.replace("    INC A\n", "", 1), "EOR alone: negative X distances are one too small"
        ),
        Draft(
            "bcc-max",
            ref.replace("BCS .larger", "BCC .larger"),
            "keeps the smaller distance instead of the larger",
        ),
        Draft(
            "no-high", ref.replace("    LDA $0D30,X\n    XBA\n", "", 1), "forgets the X position's high byte"
        ),
    )
    ex = [radius - 1, radius, -radius + 1, -radius, 0, 0, 0, 0]
    ey = [0, 0, 0, 0, radius - 1, radius, -radius + 1, -radius]
    hx, lx, wx = _edge_positions(ex)
    hy, ly, wy = _edge_positions(ey)
    return Routine(
        kernel="chebyshev_range",
        entry=entry,
        call="jsr",
        summary=(
            f"Store the larger of sprite X's 16-bit distances to Link at {o}; carry clear if it is below "
            f"{hex16(radius)}."
        ),
        details=(
            "X (0-15) is the sprite slot. Its 16-bit position is X = $0D30,X : $0D10,X and Y = $0D20,X : "
            "$0D00,X; "
            "Link's is the word at $22 (X) and the word at $20 (Y). For each axis take Link minus the "
            "sprite modulo "
            "$10000, read it as signed and take its absolute value (|-$8000| = $8000). Store the larger of "
            "the two "
            f"as a word at $7E{out:04X} and return with carry clear if it is below {hex16(radius)}, set "
            "otherwise. "
            f"Entry and exit mode m=1, x=1. Observable: $7E{out:04X}:w and the carry flag. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": slot_index(),
                _table(0x0D30): byte_range(*hx),
                _table(0x0D10): byte_range(*lx),
                _table(0x0D20): byte_range(*hy),
                _table(0x0D00): byte_range(*ly),
                "$7E0022:w": word_range(*wx),
                "$7E0020:w": word_range(*wy),
            },
            outputs=[f"$7E{out:04X}:w", "flag:C"],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("abs", r"absolute", r"magnitude", r"\bEOR #\$FFFF", r"negat"),
            fact("larger", r"larger", r"max", r"greater"),
            fact("range", r"range", r"radius", rf"{hex16(radius)}", r"below"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "For each axis it builds the sprite's 16-bit coordinate with XBA, subtracts it from Link's in "
            "16-bit "
            "mode and negates a negative result (EOR #$FFFF, INC A): the absolute distance. The X distance "
            f"waits at $02; CMP picks the larger of the two, which is stored at {o} and compared with "
            f"{hex16(radius)}, leaving "
            "carry clear when the sprite is in range. SEP #$20 restores 8-bit A without touching the carry. "
            "RTS."
        ),
        false_claims=("It squares the distances with MUL.",),
        tags=("collision", "distance", "abs", "16-bit", "xba"),
        params={"radius": radius, "out": out},
    )


def ancilla_spawn_dir(rng: random.Random) -> Routine:
    """Spawn a projectile ancilla in front of Link: free slot among the first few ancilla slots, position
    from Link plus a per-direction signed offset (table of low bytes and sign bytes), speed by direction.
    Hard tier."""
    last = rng.choice([4, 4, 3, 5])
    speed = rng.choice([0x20, 0x28, 0x30, 0x18])
    life = rng.choice([0x20, 0x30, 0x40])
    dx = rng.choice([(0, 0, -8, 16), (4, 4, -12, 20), (0, 0, -16, 16)])
    dy = rng.choice([(-16, 24, 8, 8), (-12, 20, 4, 4), (-8, 16, 6, 6)])
    entry = rng.choice(["Ancilla_SpawnShot", "Link_FireArrow", "Ancilla_Add", "SpawnProjectile"])

    def lows(values: tuple[int, ...]) -> str:
        return ",".join(hex8(v) for v in values)

    def signs(values: tuple[int, ...]) -> str:
        return ",".join("$FF" if v < 0 else "$00" for v in values)

    vx = (0, 0, -speed, speed)
    vy = (-speed, speed, 0, 0)
    tables = asm(f"""
        .dxLo:
            db {lows(dx)}
        .dxHi:
            db {signs(dx)}
        .dyLo:
            db {lows(dy)}
        .dyHi:
            db {signs(dy)}
        .speedX:
            db {lows(vx)}
        .speedY:
            db {lows(vy)}
        """)
    body = asm(f"""
        .found:
            TYA
            STA $0C4A,X
            LDA $2F
            AND #$06
            STA $0C72,X
            LSR A
            TAY
            LDA $22
            ADC .dxLo,Y
            STA $0C04,X
            LDA $23
            ADC .dxHi,Y
            STA $0C18,X
            LDA $20
            CLC
            ADC .dyLo,Y
            STA $0BFA,X
            LDA $21
            ADC .dyHi,Y
            STA $0C0E,X
            LDA .speedX,Y
            STA $0C2C,X
            LDA .speedY,Y
            STA $0C22,X
            LDA #{hex8(life)}
            STA $0C68,X
            CLC
            RTS
        """)
    ref = (
        asm(f"""
        {entry}:
            TAY
            LDX #{hex8(last)}
        .find:
            LDA $0C4A,X
            BEQ .found
            DEX
            BPL .find
            SEC
            RTS
        """)
        + body
        + tables
    )
    slow_body = body.replace("    LSR A\n    TAY\n", "    LSR A\n    STA $00\n    TAY\n").replace(
        "    LDA .speedX,Y\n", "    LDY $00\n    LDA .speedX,Y\n"
    )
    slow = Draft(
        "up-search",
        asm(f"""
        {entry}:
            TAY
            LDX #{hex8(last)}
        .find:
            LDA $0C4A,X
            CMP #$00
            BEQ .found
            DEX
            CPX #$FF
            BNE .find
            SEC
            RTS
        """)
        + slow_body
        + tables,
        "CMP #$00 and CPX #$FF in the search, and the direction saved to scratch and reloaded into Y",
    )
    bugs = (
        Draft(
            "no-sign",
            ref.replace("    LDA $23\n    ADC .dxHi,Y\n", "    LDA $23\n    ADC #$00\n"),
            "ignores the sign of the X offset: facing left lands 256 pixels off",
        ),
        Draft(
            "no-lsr",
            ref.replace("    LSR A\n    TAY\n", "    TAY\n"),
            "direction 0/2/4/6 used directly as a 0-3 table index",
        ),
        Draft("bne-bound", ref.replace("BPL .find", "BNE .find"), "DEX/BNE never tries slot 0"),
    )
    tables_out = (0x0C4A, 0x0C72, 0x0C04, 0x0C18, 0x0BFA, 0x0C0E, 0x0C2C, 0x0C22, 0x0C68)
    named = ", ".join(f"${t:04X}" for t in tables_out)
    return Routine(
        kernel="ancilla_spawn_dir",
        entry=entry,
        call="jsr",
        summary=(
            f"Spawn ancilla type A in front of Link in a free slot 0-{last}: carry clear and X = slot, or "
            "carry set."
        ),
        details=(
            "Ancilla slots are 0-9 with one byte per slot in each table; a slot is free when its type "
            "$0C4A,X is 0. "
            f"Search X = {last} down to 0. None free: return with carry set and X = $FF, changing nothing. "
            "Otherwise: "
            "$0C4A,X = A (the type); the facing d = $2F AND $06 (0 up, 2 down, 4 left, 6 right) goes to "
            "$0C72,X; for facings up/down/left/right the X offset is "
            f"{'/'.join(map(str, dx))}, the Y offset {'/'.join(map(str, dy))}, the X speed "
            f"{'/'.join(map(hex8, vx))} and the Y speed {'/'.join(map(hex8, vy))}. Set the 16-bit X position "
            "($0C18,X high : $0C04,X low) to Link's X ($23:$22) plus the X offset and the Y position "
            "($0C0E,X : "
            "$0BFA,X) to Link's Y ($21:$20) plus the Y offset (signed offsets, 16-bit sums wrapping), the "
            "speeds "
            f"$0C2C,X (X) and $0C22,X (Y), and the lifetime $0C68,X = {hex8(life)}. Return with carry clear "
            "and X = "
            f"the slot. Observable: X, the carry flag and the 10-byte tables at {named} (bank $7E). A and Y "
            "may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                **busy_table(0x0C4A, 10, rng, alone=(0, last)),
                # 35 edge cases: the busy patterns (period 6) meet every facing (period 9).
                "A.lo": byte_range(*range(1, 0x21)),
                "$7E002F": byte_range(
                    0, 2, 4, 6, 0x0C, 0x16, 0xF9
                ),  # 11 values: every facing meets many busy patterns
                "$7E0022": byte_range(0x08, 0x07, 0xF0, 0xEF),
                "$7E0020": byte_range(0x10, 0x0F, 0xE8, 0xE7),
                "$7E0023": byte_range(0x00, 0xFF),
                "$7E0021": byte_range(0x00, 0xFF),
            },
            outputs=["X", "flag:C", *(_table(t, 10) for t in tables_out)],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("ancilla", r"ancilla", r"projectile", r"\$0C4A"),
            fact("direction", r"direction", r"facing", r"\$2F"),
            fact("sign", r"sign", r"negative", r"\$FF", r"high byte"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Keeps the type in Y and scans the ancilla type table $0C4A,X from slot {last} down; with no "
            "free slot "
            "it returns carry set. Otherwise it stores the type and the facing ($2F AND #$06) and halves "
            "the facing "
            "into Y to index the direction tables; that LSR shifts out a 0, so the first ADC needs no CLC. "
            "Link's position plus the offset gives each 16-bit coordinate: "
            "the low byte adds the offset, the high byte adds the offset's sign byte ($00 or $FF) and the "
            "carry. "
            "Then the speeds for the facing and the lifetime are stored and it returns carry clear. RTS."
        ),
        false_claims=("It computes the offsets with MUL by the direction.",),
        tags=("ancilla", "spawn", "search", "16-bit-math", "table"),
        params={"last": last, "speed": speed, "life": life, "dx": list(dx), "dy": list(dy)},
    )


def ancilla_cull_offscreen(rng: random.Random) -> Routine:
    """Despawn every live ancilla whose 16-bit position left the camera window plus a margin. Hard tier."""
    margin = rng.choice([0x10, 0x20, 0x30, 0x40])
    width, height = 0x0100, 0x00E0
    counter = rng.choice([0x0B9E, 0x0FC7, 0x1E84])
    cnt = f"${counter:04X}"
    entry = rng.choice(
        ["Ancilla_CullOffscreen", "Ancillae_Despawn", "Projectiles_Cull", "Ancilla_CheckBounds"]
    )

    def axis(hi: str, lo: str, cam: str, size: int, tag: str, then: str) -> str:
        return asm(f"""
            LDA {hi},X
            XBA
            LDA {lo},X
            REP #$20
            SEC
            SBC {cam}
            BMI .before{tag}
            CMP #{hex16(size + margin)}
            BCS .kill
            BRA {then}
        .before{tag}:
            CMP #{hex16(-margin)}
            BCC .kill
        """)

    ref = (
        asm(f"""
        {entry}:
            STZ {cnt}
            LDX #$09
        .loop:
            LDA $0C4A,X
            BEQ .next
        """)
        + axis("$0C18", "$0C04", "$E2", width, "X", ".vertical")
        + ".vertical:\n    SEP #$20\n"
        + axis("$0C0E", "$0BFA", "$E8", height, "Y", ".keep")
        + asm(f"""
        .keep:
            SEP #$20
            BRA .next
        .kill:
            SEP #$20
            STZ $0C4A,X
            INC {cnt}
        .next:
            DEX
            BPL .loop
            RTS
        """)
    )

    def slow_axis(hi: str, lo: str, cam: str, size: int) -> str:
        return _lines(f"""
            LDA {lo},X
            STA $00
            LDA {hi},X
            STA $01
            REP #$20
            LDA $00
            SEC
            SBC {cam}
            CLC
            ADC #{hex16(margin)}
            CMP #{hex16(size + 2 * margin)}
            SEP #$20
            BCS .kill
        """)

    slow = Draft(
        "scratch-range",
        asm(f"""
        {entry}:
            LDA #$00
            STA {cnt}
            LDX #$00
        .loop:
            LDA $0C4A,X
            CMP #$00
            BEQ .next
        """)
        + slow_axis("$0C18", "$0C04", "$E2", width)
        + slow_axis("$0C0E", "$0BFA", "$E8", height)
        + asm(f"""
            JMP .next
        .kill:
            LDA #$00
            STA $0C4A,X
            LDA {cnt}
            CLC
            ADC #$01
            STA {cnt}
        .next:
            INX
            CPX #$0A
            BNE .loop
            RTS
        """),
        "assembles each position through scratch bytes instead of XBA, and offsets by the margin before one "
        "unsigned compare where a sign test and one compare per side do",
    )
    bugs = (
        Draft(
            "no-right-margin",
            ref.replace(f"CMP #{hex16(width + margin)}", f"CMP #{hex16(width)}", 1),
            "forgets the margin on the right edge: ancillae just right of the view are culled",
        ),
        Draft(
            "no-sec", ref.replace("    SEC\n", "", 1), "SEC dropped: the X difference borrows a stale carry"
        ),
        Draft("no-high", ref.replace("    LDA $0C0E,X\n    XBA\n", ""), "Y position without its high byte"),
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "DEX/BNE never checks ancilla 0"),
    )
    inside = 0x0040
    dx = [width + margin - 1, width + margin, -margin, -margin - 1, *[inside] * 4]
    dy = [inside] * 4 + [height + margin - 1, height + margin, -margin, -margin - 1]
    hx, lx, cx = _edge_positions([-d for d in dx])
    hy, ly, cy = _edge_positions([-d for d in dy])
    tables = (0x0C4A,)
    return Routine(
        kernel="ancilla_cull_offscreen",
        entry=entry,
        call="jsr",
        summary=f"Despawn every live ancilla more than {margin} pixels outside the 256x224 camera view.",
        details=(
            "Ancilla slots 0-9; a slot is live when its type $0C4A,X is nonzero. Positions are 16-bit: X = "
            "$0C18,X "
            "(high) : $0C04,X (low), Y = $0C0E,X : $0BFA,X. The camera's top-left corner is the word at $E2 "
            "(X) and the word at $E8 (Y). For each live ancilla take dx = X - camera X and dy = Y - camera Y "
            "modulo "
            f"$10000, read as signed. It stays when -{margin} <= dx < {width + margin} and -{margin} <= dy < "
            f"{height + margin}; otherwise despawn it: set its type to 0. Store the number of ancillae "
            "despawned "
            f"at $7E{counter:04X}. Entry and exit mode m=1, x=1. Observable: {_table(0x0C4A, 10)} and "
            f"$7E{counter:04X}. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _table(0x0C4A, 10): byte_range(*range(1, 9)),
                _table(0x0C18, 10): byte_range(*hx),
                _table(0x0C04, 10): byte_range(*lx),
                _table(0x0C0E, 10): byte_range(*hy),
                _table(0x0BFA, 10): byte_range(*ly),
                "$7E00E2:w": word_range(*cx),
                "$7E00E8:w": word_range(*cy),
            },
            outputs=[*(_table(t, 10) for t in tables), f"$7E{counter:04X}"],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("cull", r"despawn", r"cull", r"remov", r"off-?screen"),
            fact("camera", r"camera", r"\$E2", r"view"),
            fact("signed", r"sign", r"\bBMI\b", r"negative"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Loops X from 9 down to 0 over the live ancillae. For X and then Y it builds the 16-bit "
            "position with "
            "XBA, subtracts the camera coordinate ($E2 or $E8) and branches on the sign: a non-negative "
            "distance "
            f"must be below the view size plus {margin}, a negative one at least -{margin} (an unsigned "
            "compare is "
            "exact between two negative values). An ancilla failing either test is despawned (type 0 with "
            "STZ "
            f"$0C4A,X) and counted in {cnt}, which starts at 0. Each path restores 8-bit A with SEP #$20. "
            "RTS."
        ),
        false_claims=("It multiplies the margin with MUL.",),
        tags=("ancilla", "collision", "camera", "16-bit", "signed", "loop"),
        params={"margin": margin},
    )


KERNELS = {
    "sprite_spawn": sprite_spawn,
    "sprite_despawn": sprite_despawn,
    "slot_timer_actions": slot_timer_actions,
    "sprite_knockback": sprite_knockback,
    "z_gravity": z_gravity,
    "facing_from_speed": facing_from_speed,
    "anim_frames": anim_frames,
    "sprite_state_loop": sprite_state_loop,
    "aabb_boxes16": aabb_boxes16,
    "sprite_link_contact": sprite_link_contact,
    "point_in_sprite_box": point_in_sprite_box,
    "hitbox_from_table": hitbox_from_table,
    "tile_collision_map": tile_collision_map,
    "chebyshev_range": chebyshev_range,
    "ancilla_spawn_dir": ancilla_spawn_dir,
    "ancilla_cull_offscreen": ancilla_cull_offscreen,
}
