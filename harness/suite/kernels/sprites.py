"""Sprite-table kernels: per-slot tables indexed by X (ALTTP layout: 16 slots, $0DD0 state,
$0E50 HP, $0DF0/$0E00/$0E10 timers, $0D50 X speed), joypad bits, the OAM buffer.

RAM-map facts used here are facts about the game (a table's address and meaning), not code.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, busy_table, fact, slot_index
from harness.suite.routines import (
    Draft,
    Routine,
    asm,
    byte_range,
    hex8,
    hex_index,
    span,
    spec_dict,
    word_range,
)

__all__ = [
    "KERNELS",
    "clear_table",
    "count_active",
    "find_free_slot",
    "joypad_speed",
    "oam_write",
    "sprite_damage",
    "tick_timers",
]

_STATE = 0x0DD0
_HP = 0x0E50
# Joypad bytes where the d-pad outcome changes: right/left/both/none, with the other buttons clear or set.
_DPAD_EDGES = (0x00, 0x01, 0x02, 0x03, 0x04, 0x81, 0x82, 0xFC, 0xFD, 0xFE, 0xFF)


def _table(address: int) -> str:
    return f"$7E{address:04X}..$7E{address + 15:04X}"


def sprite_damage(rng: random.Random) -> Routine:
    """HP -= damage; at or below zero the sprite dies (HP and state cleared). The seed's trap kernel."""
    dmg = rng.choice([2, 4, 6, 8, 0x10, 0x18, 0x20, 0x28])
    entry = rng.choice(["Sprite_Damage", "DamageSprite", "HurtEnemy", "Enemy_TakeHit"])
    # HP is any byte; the boundaries are where the outcome changes (kill at <= dmg, sign bit, top).
    hp = byte_range(0, 1, dmg - 1, dmg, dmg + 1, 2 * dmg, 0x7F, 0x80, 0x80 + dmg - 1, 0x80 + dmg, 0xFF)
    ref = asm(f"""
        {entry}:
            LDA $0E50,X
            SEC
            SBC #{hex8(dmg)}
            BEQ .kill
            BCC .kill
            STA $0E50,X
            RTS
        .kill:
            STZ $0E50,X
            STZ $0DD0,X
            RTS
        """)
    slow = Draft(
        "cmp0-jsr",
        asm(f"""
        {entry}:
            LDA $0E50,X
            SEC
            SBC #{hex8(dmg)}
            BCC .kill
            CMP #$00
            BEQ .kill
            STA $0E50,X
            RTS
        .kill:
            JSR .killSprite
            RTS
        .killSprite:
            LDA #$00
            STA $0E50,X
            STA $0DD0,X
            RTS
        """),
        "CMP #$00 after SBC, a JSR/RTS pair that could be inlined, LDA #0/STA instead of STZ",
    )
    bugs = (
        Draft("no-sec", ref.replace("    SEC\n", ""), "SEC dropped: SBC then depends on the entry carry"),
        Draft(
            "type-table",
            ref.replace("STZ $0DD0,X", "STZ $0E20,X"),
            "clears $0E20 (the sprite type table) instead of the state table $0DD0",
        ),
        Draft(
            "bmi",
            ref.replace("BCC .kill", "BMI .kill"),
            "BMI (sign) instead of BCC (borrow): HP above $7F is handled wrongly",
        ),
        Draft(
            "no-beq",
            ref.replace("    BEQ .kill\n", ""),
            "off by one: HP equal to the damage leaves a live sprite with 0 HP",
        ),
    )
    return Routine(
        kernel="sprite_damage",
        entry=entry,
        call="jsr",
        summary=f"Subtract {dmg} from the HP of sprite slot X; if that leaves 0 or less, kill the sprite.",
        details=(
            f"X (0-15) is the sprite slot. HP is the table at $0E50,X (one byte per slot, unsigned) and "
            f"the sprite state table is $0DD0,X (0 = dead). If HP > {dmg}, store HP-{dmg}. Otherwise set "
            f"both $0E50,X and $0DD0,X to 0. Observable: the 16-byte tables $7E0E50-$7E0E5F and "
            f"$7E0DD0-$7E0DDF. Keep X and Y. A and the flags other than m/x/D are free."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"X": slot_index(rng.randrange(2, 15)), _table(_HP): hp},
            outputs=[_table(_HP), _table(_STATE)],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hp-table", r"\$0E50", r"\bHP\b", r"SPR_HP", r"health", r"hit ?points"),
            fact("subtract", r"subtract", r"\bSBC\b", r"decrease", r"reduc", r"\bminus\b", rf"\b{dmg}\b"),
            fact("kill", r"\bkill", r"\bdie", r"dead", r"\$0DD0", r"despawn", r"deactivat"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Damages sprite slot X: loads its HP from $0E50,X, sets carry and subtracts {dmg}. If the "
            f"result is zero or borrowed (HP <= {dmg}) it kills the sprite by zeroing $0E50,X and the "
            f"state byte $0DD0,X; otherwise it stores the reduced HP. Returns with RTS."
        ),
        false_claims=(
            f"Loads the enemy HP from $0E20,X and subtracts {dmg}.",
            "It uses a MUL instruction to scale the damage.",
        ),
        tags=("sprites", "health", "indexed", "8-bit"),
        params={"dmg": dmg},
    )


def tick_timers(rng: random.Random) -> Routine:
    """Decrement every nonzero timer of a 16-slot table (a per-frame job)."""
    table = rng.choice([0x0DF0, 0x0E00, 0x0E10])
    entry = rng.choice(["Sprite_TickTimers", "TickTimers", "DecrementTimers", "UpdateTimers"])
    t = f"${table:04X}"
    ref = asm(f"""
        {entry}:
            LDX #$0F
        .loop:
            LDA {t},X
            BEQ .next
            DEC A
            STA {t},X
        .next:
            DEX
            BPL .loop
            RTS
        """)
    slow = Draft(
        "up-count",
        asm(f"""
        {entry}:
            LDX #$00
        .loop:
            LDA {t},X
            CMP #$00
            BEQ .next
            SEC
            SBC #$01
            STA {t},X
        .next:
            INX
            CPX #$10
            BNE .loop
            RTS
        """),
        "counts up with CPX, CMP #$00 after LDA, SEC/SBC #1 instead of DEC A",
    )
    bugs = (
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "DEX/BNE never processes slot 0"),
        Draft("start-16", ref.replace("LDX #$0F", "LDX #$10"), "starts at slot 16, one past the table"),
        Draft("bne-skip", ref.replace("BEQ .next", "BNE .next"), "decrements the zero timers instead"),
    )
    # Every timer is any byte; the edge cases mix running and expired (0) timers per slot.
    timers = busy_table(table, 16, rng, alone=(0,))
    return Routine(
        kernel="tick_timers",
        entry=entry,
        call="jsr",
        summary=f"Decrement every nonzero byte of the 16-slot sprite timer table at {t}.",
        details=(
            f"The table is {t},X for slots X = 0..15 (16 bytes). A timer that is 0 stays 0; any other "
            f"value goes down by one. Observable: $7E{table:04X}-$7E{table + 15:04X}. X and A may be "
            "clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=timers, outputs=[_table(table)], preserve=["Y"]),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact(
                "decrement",
                r"decrement",
                r"\bDEC\b",
                r"count(s|ing)? down",
                r"minus one",
                r"subtract(s|ing)? (1|one)",
                r"decreas",
            ),
            fact("skip-zero", r"\bzero\b", r"\b0\b", r"nonzero", r"non-zero", r"\bBEQ\b", r"expired"),
            fact(
                "all-slots",
                r"\b16\b",
                r"\$0F\b",
                r"every (slot|sprite|entry|timer)",
                r"all (16|slots|sprites|timers|entries)",
                r"each (slot|sprite|entry|timer)",
                r"\bloop",
            ),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Loops X from 15 down to 0 over the timer table {t},X; each nonzero timer is loaded, "
            "decremented and stored back, zero timers are skipped (BEQ). Ends when DEX goes "
            "negative (BPL), then RTS."
        ),
        false_claims=("It decrements slots 1 to 15 only and stores with STZ $7E0DF0.",),
        tags=("sprites", "timers", "loop", "indexed"),
        params={"table": table},
    )


def joypad_speed(rng: random.Random) -> Routine:
    """D-pad right/left held -> sprite X speed +s / -s / 0; right wins."""
    speed = rng.choice([0x08, 0x10, 0x18, 0x20, 0x0C])
    entry = rng.choice(["Player_SetSpeed", "ReadDpadX", "Input_HorizontalSpeed", "SetXSpeedFromPad"])
    ref = asm(f"""
        {entry}:
            LDA $F0
            LSR A
            BCS .right
            LSR A
            BCS .left
            STZ $0D50,X
            RTS
        .right:
            LDA #{hex8(speed)}
            STA $0D50,X
            RTS
        .left:
            LDA #{hex8(-speed)}
            STA $0D50,X
            RTS
        """)
    slow = Draft(
        "and-cmp-jmp",
        asm(f"""
        {entry}:
            LDA $F0
            AND #$01
            CMP #$01
            BNE .notRight
            JMP .right
        .notRight:
            LDA $F0
            AND #$02
            CMP #$02
            BNE .none
            JMP .left
        .none:
            LDA #$00
            STA $0D50,X
            RTS
        .right:
            LDA #{hex8(speed)}
            STA $0D50,X
            RTS
        .left:
            LDA #{hex8(-speed)}
            STA $0D50,X
            RTS
        """),
        "reloads $F0, AND+CMP where LSR/BCS does, branches over JMPs, LDA #0/STA instead of STZ",
    )
    bugs = (
        Draft(
            "left-positive",
            ref.replace(f"LDA #{hex8(-speed)}", f"LDA #{hex8(speed)}"),
            "left stores +speed: the sign is lost",
        ),
        Draft("no-clear", ref.replace("    STZ $0D50,X\n", ""), "no d-pad: the old speed is kept"),
        Draft(
            "swapped",
            ref.replace("BCS .right", "BCS .tmp")
            .replace("BCS .left", "BCS .right")
            .replace("BCS .tmp", "BCS .left"),
            "right and left swapped",
        ),
    )
    return Routine(
        kernel="joypad_speed",
        entry=entry,
        call="jsr",
        summary=f"Set sprite slot X's X speed from the d-pad: right -> +{speed}, left -> -{speed}, none -> 0.",
        details=(
            f"$F0 holds the joypad-1 buttons held this frame (bit 0 = right, bit 1 = left). X (0-15) is the "
            f"sprite slot; its X speed is the signed byte $0D50,X. Right held: store {hex8(speed)}; else "
            f"left held: store {hex8(-speed)} (two's complement -{speed}); else store 0. Right wins when "
            "both are held. Observable: $7E0D50-$7E0D5F. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"X": slot_index(rng.randrange(2, 15)), "$7E00F0": byte_range(*_DPAD_EDGES)},
            outputs=["$7E0D50..$7E0D5F"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("joypad", r"\$F0", r"joypad", r"controller", r"d-?pad", r"buttons?"),
            fact("right-left", r"\bright\b.*\bleft\b", r"\bleft\b.*\bright\b", r"bit 0.*bit 1"),
            fact("speed", r"\$0D50", r"speed", r"velocity"),
            fact(
                "negative",
                r"negative",
                r"two'?s complement",
                r"-\s*\$?\d",
                rf"\${(-speed) & 0xFF:02X}",
                r"minus",
            ),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Reads the held buttons from $F0 and shifts bit 0 (right) into carry: if set, X speed "
            f"$0D50,X = {hex8(speed)}. Else the next LSR tests bit 1 (left): speed = {hex8(-speed)}, "
            "the negative value. With neither held it stores zero with STZ. RTS."
        ),
        false_claims=("It uses MUL to compute the velocity from the joypad.",),
        tags=("joypad", "sprites", "bits", "8-bit"),
        params={"speed": speed},
    )


def count_active(rng: random.Random) -> Routine:
    """Count live sprite slots; result in A and a WRAM byte."""
    out = rng.choice([0x0FB3, 0x0FB4, 0x0FC0, 0x0FDE])
    entry = rng.choice(["CountActiveSprites", "Sprite_CountAlive", "CountEnemies"])
    o = f"${out:04X}"
    ref = asm(f"""
        {entry}:
            LDY #$00
            LDX #$0F
        .loop:
            LDA $0DD0,X
            BEQ .next
            INY
        .next:
            DEX
            BPL .loop
            TYA
            STA {o}
            RTS
        """)
    slow = Draft(
        "memory-counter",
        asm(f"""
        {entry}:
            LDA #$00
            STA {o}
            LDX #$00
        .loop:
            LDA $0DD0,X
            CMP #$00
            BEQ .next
            LDA {o}
            CLC
            ADC #$01
            STA {o}
        .next:
            INX
            CPX #$10
            BNE .loop
            LDA {o}
            RTS
        """),
        "counter kept in memory with CLC/ADC #1, CMP #$00 after LDA, CPX bound",
    )
    bugs = (
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "DEX/BNE misses slot 0"),
        Draft("counts-dead", ref.replace("BEQ .next", "BNE .next"), "counts the dead slots"),
        Draft("no-init", ref.replace("    LDY #$00\n", ""), "Y is never cleared"),
    )
    return Routine(
        kernel="count_active",
        entry=entry,
        call="jsr",
        summary=f"Count the sprite slots 0-15 whose state byte $0DD0,X is nonzero; return it in A and at {o}.",
        details=(
            f"The state table is $0DD0-$0DDF (0 = slot free). Return the count (0-16) in A (8-bit) and "
            f"also store it at $7E{out:04X}. Observable: A (low byte) and $7E{out:04X}. X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs=busy_table(_STATE, 16, rng, alone=(0, 15)),
            outputs=["A.lo", f"$7E{out:04X}"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("count", r"\bcount", r"number of", r"how many", r"tally"),
            fact("state", r"\$0DD0", r"state", r"active", r"alive", r"non-?zero", r"live"),
            fact(
                "result",
                rf"\${out:04X}",
                r"accumulator",
                r"\bTYA\b",
                r"\bin A\b(?! [a-z])",
                r"returns? (it |the count )?in A",
            ),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Counts active sprites: Y starts at 0, X runs 15..0, and each nonzero $0DD0,X increments "
            f"Y. The count goes to A (TYA) and is stored at {o}. RTS."
        ),
        false_claims=("It counts sprites whose HP at $0E20 is nonzero.",),
        tags=("sprites", "loop", "count"),
        params={"out": out},
    )


def find_free_slot(rng: random.Random) -> Routine:
    """Search for a free slot from the top; carry reports failure."""
    entry = rng.choice(["FindFreeSlot", "Sprite_FindEmpty", "GetFreeSpriteSlot"])
    last = rng.choice([0x0F, 0x0F, 0x0B, 0x07])
    ref = asm(f"""
        {entry}:
            LDX #{hex8(last)}
        .loop:
            LDA $0DD0,X
            BEQ .found
            DEX
            BPL .loop
            SEC
            RTS
        .found:
            CLC
            RTS
        """)
    slow = Draft(
        "cmp-jmp",
        asm(f"""
        {entry}:
            LDX #{hex8(last)}
        .loop:
            LDA $0DD0,X
            CMP #$00
            BNE .next
            JMP .found
        .next:
            DEX
            CPX #$FF
            BNE .loop
            SEC
            RTS
        .found:
            CLC
            RTS
        """),
        "CMP #$00 after LDA, a branch over a JMP, CPX #$FF instead of BPL",
    )
    bugs = (
        Draft("no-sec", ref.replace("    SEC\n", ""), "failure path leaves the entry carry"),
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "slot 0 is never examined"),
        Draft("wrong-test", ref.replace("BEQ .found", "BNE .found"), "returns the first used slot"),
    )
    return Routine(
        kernel="find_free_slot",
        entry=entry,
        call="jsr",
        summary=f"Find the highest free sprite slot in 0..{last}: return it in X with carry clear, or carry set if none.",
        details=(
            f"A slot is free when its state byte $0DD0,X is 0. Search X = {last} down to 0 and return the "
            "first free one in X with the carry clear. If every slot is in use return with the carry "
            "set and X = $FF. Observable: X and the carry flag. A may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            # slots 0..last and the one above the search (a start one too high must be caught)
            inputs=busy_table(_STATE, last + 2, rng, alone=(0, last + 1)),
            outputs=["X", "flag:C"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("search", r"search", r"find", r"look(s|ing)? for", r"scan", r"loop"),
            fact("free", r"free", r"empty", r"unused", r"zero", r"inactive", r"available"),
            fact("carry", r"carry", r"\bSEC\b", r"\bCLC\b", r"\bC\b flag"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Scans the sprite state table $0DD0,X from slot {last} down to 0 for a zero (free) entry. "
            "When found it clears carry and returns with X = slot; if none is free it sets carry "
            "(X ends at $FF). RTS."
        ),
        false_claims=("It searches the HP table $0E20 for an empty slot.",),
        tags=("sprites", "search", "carry-flag"),
        params={"last": last},
    )


def oam_write(rng: random.Random) -> Routine:
    """Fill one 4-byte entry of the OAM buffer; the index math needs a 16-bit transfer (TAX with x=0)."""
    tile = rng.randrange(0x100)
    attr = rng.choice([0x30, 0x32, 0x34, 0x3A, 0x20, 0x70])
    base = rng.choice([0x0800, 0x0900, 0x0A00])
    entry = rng.choice(["Oam_WriteEntry", "DrawObject", "BufferOamSlot"])
    b = f"${base:04X}"
    ref = asm(f"""
        {entry}:
            REP #$20
            TYA
            ASL A
            ASL A
            TAX
            SEP #$20
            LDA $22
            STA {b},X
            LDA $20
            STA ${base + 1:04X},X
            LDA #{hex8(tile)}
            STA ${base + 2:04X},X
            LDA #{hex8(attr)}
            STA ${base + 3:04X},X
            RTS
        """)
    slow = Draft(
        "inx-chain",
        asm(f"""
        {entry}:
            REP #$20
            TYA
            ASL A
            ASL A
            TAX
            SEP #$20
            LDA $22
            STA {b},X
            INX
            LDA $20
            STA {b},X
            INX
            LDA #{hex8(tile)}
            STA {b},X
            INX
            LDA #{hex8(attr)}
            STA {b},X
            RTS
        """),
        "INX between stores where constant offsets on the base do the job",
    )
    bugs = (
        Draft(
            "garbage-b",
            ref.replace("    REP #$20\n", "").replace("    SEP #$20\n", ""),
            "8-bit TYA/ASL leave B as garbage and TAX (x=0) copies it into X",
        ),
        Draft("times-two", ref.replace("    ASL A\n    ASL A\n", "    ASL A\n"), "index is 2*Y, not 4*Y"),
        Draft(
            "xy-swapped",
            ref.replace("LDA $22", "LDA $TMP").replace("LDA $20", "LDA $22").replace("LDA $TMP", "LDA $20"),
            "Y position written to the X byte and vice versa",
        ),
    )
    top = base + 0x7F
    return Routine(
        kernel="oam_write",
        entry=entry,
        call="jsr",
        summary=f"Write OAM buffer entry number Y (0-31) at {b}+4*Y from Link's position, tile {hex8(tile)}, attr {hex8(attr)}.",
        details=(
            f"Entry Y (16-bit index, 0-31) occupies 4 bytes at $7E{base:04X}+4*Y: byte 0 = X position "
            f"(copy of $22), byte 1 = Y position (copy of $20), byte 2 = tile {hex8(tile)}, byte 3 = "
            f"attributes {hex8(attr)}. A holds anything at entry, its hidden high byte (B) included. "
            f"Observable: $7E{base:04X}-$7E{top:04X}. A and X may be clobbered; keep Y. The entry mode "
            "must be restored before returning."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=0,
            inputs={
                "Y": span(0, 31, 0, 1, 30, 31, rng.randrange(2, 30)),
                "A": word_range(0x00FF, 0xFF00, 0x8000),
                "$7E0020": byte_range(),
                "$7E0022": byte_range(),
            },
            outputs=[f"$7E{base:04X}..$7E{top:04X}"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("oam", r"\bOAM\b", r"sprite (attribute|buffer|table)", r"object attribute"),
            fact(
                "times4",
                r"4\s*\*\s*Y",
                r"Y\s*\*\s*4",
                r"times (4|four)",
                r"multipl(y|ies) (Y )?by (4|four)",
                r"two (ASL|shift)s?",
                r"shift(s|ed)? left twice",
                r"4 bytes",
                r"four bytes",
            ),
            fact("sixteen", r"16-bit", r"REP #\$20", r"\bB\b", r"high byte", r"full (16|word)"),
        ),
        forbid=(*COMMON_FORBID, r"\bSTZ\b"),
        explanation=(
            f"Switches A to 16-bit (REP #$20) so TYA/ASL/ASL/TAX computes X = 4*Y with a clean high "
            f"byte, back to 8-bit (SEP #$20), then writes the 4-byte OAM entry at {b},X: X position "
            f"from $22, Y position from $20, tile {hex8(tile)} and attributes {hex8(attr)}. RTS."
        ),
        false_claims=("It clears the OAM entry with STZ before writing.",),
        tags=("oam", "width", "16-bit-index", "rep-sep"),
        params={"tile": tile, "attr": attr, "base": base},
    )


def clear_table(rng: random.Random) -> Routine:
    """Zero a 16-byte table; 16-bit STZ pairs beat an 8-bit loop."""
    table = rng.choice([0x0DD0, 0x0E50, 0x0DF0, 0x0D40, 0x0D50, 0x0F50])
    entry = rng.choice(["ClearTable", "Sprite_ResetTable", "WipeSlots"])
    x = rng.choice([0, 1])
    stores = "\n".join(f"    STZ ${table + 2 * i:04X}" for i in range(8))
    ref = f"{entry}:\n    REP #$20\n{stores}\n    SEP #$20\n    RTS\n"
    slow = Draft(
        "byte-loop",
        asm(f"""
        {entry}:
            LDX #{hex_index(15, x)}
            LDA #$00
        .loop:
            STA ${table:04X},X
            DEX
            BPL .loop
            RTS
        """),
        "byte loop with LDA #0/STA where eight 16-bit STZ do it",
    )
    loop = slow.source
    bugs = (
        Draft("loop-bne", loop.replace("BPL .loop", "BNE .loop"), "DEX/BNE leaves byte 0 uncleared"),
        Draft("no-sep", ref.replace("    SEP #$20\n", ""), "returns with a 16-bit accumulator"),
        Draft(
            "rep-x",
            ref.replace("REP #$20", "REP #$10").replace("SEP #$20", "SEP #$10"),
            "REP #$10 widens the index registers, not A: only every other byte is cleared",
        ),
    )
    return Routine(
        kernel="clear_table",
        entry=entry,
        call="jsr",
        summary=f"Set the 16 bytes ${table:04X}-${table + 15:04X} to zero.",
        details=(
            f"Clear the table $7E{table:04X}-$7E{table + 15:04X} (16 bytes). Observable: those bytes. "
            "A and X may be clobbered; keep Y. Return in the entry mode."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=x,
            inputs={_table(table): byte_range(0x01, 0x80, 0xFF)},
            outputs=[_table(table)],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("zero", r"\bzero", r"\bclear", r"\bSTZ\b", r"\b0\b", r"reset"),
            fact("sixteen", r"\b16\b", r"sixteen", r"eight (16-bit )?(words|stores)", r"\b8 (words|stores)"),
            fact("width", r"16-bit", r"REP #\$20", r"word", r"two bytes"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            f"Sets A to 16 bits (REP #$20) so each STZ clears two bytes, clears ${table:04X}-"
            f"${table + 15:04X} with eight STZ absolute stores, and restores 8-bit A with SEP #$20."
        ),
        false_claims=("It uses STZ long to clear $7E0DD0.",),
        tags=("sprites", "rep-sep", "16-bit", "stz"),
        params={"table": table},
    )


KERNELS = {
    "sprite_damage": sprite_damage,
    "tick_timers": tick_timers,
    "joypad_speed": joypad_speed,
    "count_active": count_active,
    "find_free_slot": find_free_slot,
    "oam_write": oam_write,
    "clear_table": clear_table,
}
