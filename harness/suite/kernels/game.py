"""Game-logic kernels: mode and object state machines, menu cursors, joypad repeat, RNGs, BCD scores,
health/magic meters, inventory caps and clock timers.

Addresses follow the ALTTP RAM map where the game has such a variable ($10/$11 modules, $F0/$F4
joypad, $7EF3xx save data, $012F sound effects); the others are free WRAM chosen per seed. Every
routine is written clean-room from its contract.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = [
    "KERNELS",
    "arrows_add",
    "bcd_score_add",
    "countdown_clock",
    "door_state",
    "grid_cursor",
    "joypad_repeat",
    "link_damage",
    "magic_spend",
    "menu_cursor_skip",
    "menu_cursor_wrap",
    "mode_dispatch",
    "random_range_mul",
    "random_reject",
    "rng_galois16",
    "rng_xorshift16",
]

_SFX = 0x012F  # ALTTP: sound effect request port (bank $7E)
_NEW = 0xF4  # ALTTP: joypad 1 newly pressed this frame: B Y Select Start up down left right


def _wram(address: int) -> str:
    """A bank-$7E location as specs spell it."""
    return f"$7E{address:04X}"


def menu_cursor_wrap(rng: random.Random) -> Routine:
    """Move a vertical menu cursor on up/down presses, wrapping at both ends, with a sound effect."""
    count = rng.choice([3, 4, 5, 6, 7, 8])
    cursor = rng.choice([0x0202, 0x0B10, 0x1E30, 0x0CA0, 0x0710])
    sfx = rng.choice([0x20, 0x2B, 0x36, 0x0F])
    entry = rng.choice(["Menu_MoveCursor", "FileSelect_Cursor", "PauseMenu_Navigate", "Options_Cursor"])
    c = f"${cursor:04X}"
    ref = asm(f"""
        {entry}:
            LDA $F4
            BIT #$08
            BNE .up
            AND #$04
            BEQ .done
            LDA {c}
            INC A
            CMP #{hex8(count)}
            BCC .store
            LDA #$00
            BRA .store
        .up:
            LDA {c}
            DEC A
            BPL .store
            LDA #{hex8(count - 1)}
        .store:
            STA {c}
            LDA #{hex8(sfx)}
            STA $012F
        .done:
            RTS
        """)
    slow = Draft(
        "separate-tests",
        asm(f"""
        {entry}:
            LDA $F4
            AND #$08
            CMP #$08
            BEQ .up
            LDA $F4
            AND #$04
            CMP #$04
            BEQ .down
            RTS
        .up:
            LDA {c}
            SEC
            SBC #$01
            CMP #$FF
            BNE .store
            LDA #{hex8(count - 1)}
            JMP .store
        .down:
            LDA {c}
            CLC
            ADC #$01
            CMP #{hex8(count)}
            BNE .store
            LDA #$00
        .store:
            STA {c}
            LDA #{hex8(sfx)}
            STA $012F
            RTS
        """),
        "reloads $F4 for each button, AND+CMP pairs, SEC/SBC #1 and CLC/ADC #1 instead of DEC/INC",
    )
    bugs = (
        Draft(
            "bound-n-1",
            ref.replace(f"CMP #{hex8(count)}", f"CMP #{hex8(count - 1)}"),
            "off by one: moving down from the next-to-last entry wraps to the top",
        ),
        Draft(
            "bne-wrap",
            ref.replace("BPL .store", "BNE .store"),
            "BNE instead of BPL: moving up onto entry 0 wraps to the bottom instead",
        ),
        Draft(
            "wrap-to-n",
            ref.replace(f"LDA #{hex8(count - 1)}", f"LDA #{hex8(count)}"),
            f"wrapping up from entry 0 lands on {count}, one past the last entry",
        ),
    )
    last = count - 1
    return Routine(
        kernel="menu_cursor_wrap",
        entry=entry,
        call="jsr",
        summary=(
            f"Move the menu cursor at {c} (entries 0-{last}) up or down on a new d-pad press, wrapping "
            "around."
        ),
        details=(
            f"The cursor byte at {_wram(cursor)} holds the selected entry, 0-{last} ({count} entries). $F4 "
            "holds "
            "the buttons newly pressed this frame (bit 3 = up, bit 2 = down; other bits are other buttons). "
            f"Up (it wins when both are pressed) selects the previous entry, from 0 wrapping to {last}; down "
            f"selects the next one, from {last} wrapping to 0. When the cursor moved, write sound effect "
            f"{hex8(sfx)} to $012F; with neither up nor down pressed change nothing. Observable: "
            f"{_wram(cursor)} and $7E012F. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _wram(cursor): span(0, last, 0, 1, last - 1, last),
                _wram(_NEW): byte_range(0x04, 0x08, 0x0C),
            },
            outputs=[_wram(cursor), _wram(_SFX)],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("cursor", r"cursor", r"selected entry", r"selection"),
            fact("wrap", r"wrap", r"roll(s)? over", r"from 0 to", r"back to (the )?(top|0|bottom)"),
            fact("sound", r"sound", r"\$012F", r"\bSFX\b"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Reads the new presses at $F4 and tests up (BIT #$08) first, then down (AND #$04); with "
            "neither it "
            f"returns. Up decrements the cursor at {c}, and a result that went negative wraps to {last}; "
            f"down increments it, and reaching {count} wraps to 0. The new value is stored and sound effect "
            f"{hex8(sfx)} is written to $012F. RTS."
        ),
        false_claims=("It uses a MUL to compute the new cursor row.",),
        tags=("menu", "cursor", "joypad", "wrap"),
        params={"count": count, "cursor": cursor, "sfx": sfx},
    )


def menu_cursor_skip(rng: random.Random) -> Routine:
    """A vertical menu whose disabled entries (a bitmask) are skipped, wrapping, with the cursor's row
    position from a table. Hard tier: two search loops that stop when they come back to the start."""
    count = rng.choice([5, 6, 7, 8])
    cursor, mask, row_y = rng.choice(
        [(0x0202, 0x0203, 0x0204), (0x1B40, 0x1B42, 0x1B41), (0x0CB0, 0x0CB8, 0x0CB9)]
    )
    sfx = rng.choice([0x20, 0x2B, 0x36, 0x0F])
    top = rng.choice([0x18, 0x20, 0x28, 0x30])
    gaps = [rng.choice([16, 16, 24]) for _ in range(count)]
    rows = [top + sum(gaps[:i]) for i in range(count)]
    entry = rng.choice(["Menu_NextEnabled", "ItemMenu_MoveCursor", "SaveMenu_Cursor", "Shop_SelectRow"])
    c, m, y = f"${cursor:04X}", f"${mask:04X}", f"${row_y:04X}"
    bits = ",".join(hex8(1 << i) for i in range(count))
    row_bytes = ",".join(hex8(r) for r in rows)
    last = count - 1
    below = ",".join(hex8((i + 1) % count) for i in range(count))
    above = ",".join(hex8((i - 1) % count) for i in range(count))
    ref = asm(f"""
        {entry}:
            PHX
            LDX {c}
            LDA $F4
            BIT #$08
            BNE .up
            AND #$04
            BEQ .exit
        .down:
            LDA .below,X
            TAX
            CPX {c}
            BEQ .exit
            LDA {m}
            AND .bits,X
            BNE .found
            BRA .down
        .up:
            LDA .above,X
            TAX
            CPX {c}
            BEQ .exit
            LDA {m}
            AND .bits,X
            BNE .found
            BRA .up
        .found:
            STX {c}
            LDA .rows,X
            STA {y}
            LDA #{hex8(sfx)}
            STA $012F
        .exit:
            PLX
            RTS
        .below:
            db {below}
        .above:
            db {above}
        .bits:
            db {bits}
        .rows:
            db {row_bytes}
        """)
    slow = Draft(
        "shift-mask",
        asm(f"""
        {entry}:
            PHX
            LDA $F4
            AND #$0C
            BNE .pressed
            JMP .exit
        .pressed:
            LDX {c}
            LDA $F4
            AND #$08
            CMP #$08
            BEQ .up
        .down:
            INX
            CPX #{hex8(count)}
            BNE .testDown
            LDX #$00
        .testDown:
            CPX {c}
            BEQ .exit
            JSR .enabled
            BNE .found
            JMP .down
        .up:
            DEX
            CPX #$FF
            BNE .testUp
            LDX #{hex8(last)}
        .testUp:
            CPX {c}
            BEQ .exit
            JSR .enabled
            BNE .found
            JMP .up
        .found:
            STX {c}
            LDA .rows,X
            STA {y}
            LDA #{hex8(sfx)}
            STA $012F
        .exit:
            PLX
            RTS
        .enabled:
            PHX
            LDA {m}
        .shift:
            CPX #$00
            BEQ .bit
            LSR A
            DEX
            BRA .shift
        .bit:
            PLX
            AND #$01
            RTS
        .rows:
            db {row_bytes}
        """),
        "tests each entry's bit with a shift loop in a subroutine instead of a bit table, and reloads $F4",
    )
    bugs = (
        Draft(
            "up-uses-below",
            ref.replace("LDA .above,X", "LDA .below,X"),
            "the up search walks the table of next entries: up moves down",
        ),
        Draft(
            "bit-2",
            ref.replace("BIT #$08", "BIT #$04"),
            "tests bit 2 (down) for up: down moves up and up alone does nothing",
        ),
        Draft(
            "mask-ora",
            ref.replace("AND .bits,X", "ORA .bits,X"),
            "ORA instead of AND: every entry looks enabled",
        ),
    )
    return Routine(
        kernel="menu_cursor_skip",
        entry=entry,
        call="jsr",
        summary=(
            f"Move the cursor of a {count}-entry menu ({c}) to the previous/next enabled entry on up/down, "
            "skipping disabled entries and wrapping around."
        ),
        details=(
            f"The cursor byte at {_wram(cursor)} is the selected entry, 0-{last}. The byte at {_wram(mask)} "
            f"is the enabled mask: bit i set = entry i is enabled (bit 0 = entry 0; bits above {last} are "
            "ignored). "
            "$F4 holds the buttons newly pressed this frame (bit 3 = up, bit 2 = down). Up (it wins when "
            "both "
            "are pressed) searches entries cursor-1, cursor-2, ... and down searches cursor+1, cursor+2, "
            "..., "
            f"both wrapping around ({last} follows 0 going up, 0 follows {last} going down), for the first "
            "enabled entry; the search stops when it comes back to the cursor. If one is found: store it as "
            f"the cursor, store its row's Y position at {_wram(row_y)} (rows 0-{last}: "
            f"{', '.join(map(hex8, rows))}) "
            f"and write sound effect {hex8(sfx)} to $012F. Otherwise (or with neither button) change "
            f"nothing. Observable: {_wram(cursor)}, {_wram(row_y)}, $7E012F. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _wram(cursor): span(0, last, *range(count)),
                _wram(mask): byte_range(*(1 << i for i in range(count)), 0xFF),
                _wram(_NEW): byte_range(0x04, 0x08, 0x0C),
            },
            outputs=[_wram(cursor), _wram(row_y), _wram(_SFX)],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("cursor", r"cursor", r"selected entry", r"selection"),
            fact("skip", r"skip", r"disabled", r"enabled", r"bit ?mask"),
            fact("wrap", r"wrap", r"roll(s)? over", r"around"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"With the cursor in X it tests up (BIT #$08 on the new presses $F4) before down (AND #$04) and "
            "returns when neither is pressed. It steps through the table of entries above (0 wraps to "
            f"{last}) "
            f"or below ({last} wraps to 0) the current one, and at each entry tests its bit of the enabled "
            f"mask {m} through a table of single-bit masks; the search ends without "
            "a change when it comes back to the cursor. An enabled entry becomes the cursor, its row Y "
            "position "
            f"from the .rows table goes to {y}, and sound effect {hex8(sfx)} is written to $012F. X is saved "
            "and restored with PHX/PLX. RTS."
        ),
        false_claims=("It uses MUL to find the row position of the cursor.",),
        tags=("menu", "cursor", "bitmask", "loop", "wrap"),
        params={"count": count, "cursor": cursor, "mask": mask, "rows": rows, "sfx": sfx},
    )


def grid_cursor(rng: random.Random) -> Routine:
    """A 2D item-grid cursor (column and row bytes) that wraps on every edge, then looks up the item under
    it."""
    cols = rng.choice([3, 4, 5, 6])
    rows = rng.choice([2, 3, 4])
    col, row, sel = rng.choice([(0x0202, 0x0203, 0x0204), (0x1A10, 0x1A11, 0x1A14), (0x0E80, 0x0E81, 0x0E82)])
    items = rng.choice([0x1B00, 0x0340, 0x1E60])
    entry = rng.choice(["ItemGrid_Move", "Inventory_Cursor", "Grid_Navigate", "Equip_MoveSelector"])
    cl, rw, sl, it = f"${col:04X}", f"${row:04X}", f"${sel:04X}", f"${items:04X}"
    starts = ",".join(hex8(cols * r) for r in range(rows))
    select = asm(f"""
        .select:
            LDY {rw}
            LDA .rowStart,Y
            CLC
            ADC {cl}
            TAX
            LDA {it},X
            STA {sl}
            RTS
        .rowStart:
            db {starts}
        """)
    ref = (
        asm(f"""
        {entry}:
            LDA $F4
            LSR A
            BCS .right
            LSR A
            BCC .vertical
            DEC {cl}
            BPL .vertical
            LDA #{hex8(cols - 1)}
            STA {cl}
            BRA .vertical
        .right:
            LDA {cl}
            INC A
            CMP #{hex8(cols)}
            BCC .storeCol
            LDA #$00
        .storeCol:
            STA {cl}
        .vertical:
            LDA $F4
            BIT #$04
            BNE .down
            AND #$08
            BEQ .select
            LDA {rw}
            DEC A
            BPL .storeRow
            LDA #{hex8(rows - 1)}
            BRA .storeRow
        .down:
            LDA {rw}
            INC A
            CMP #{hex8(rows)}
            BCC .storeRow
            LDA #$00
        .storeRow:
            STA {rw}
        """)
        + select
    )
    slow_select = asm(f"""
        .select:
            LDA #$00
            LDY {rw}
        .mul:
            CPY #$00
            BEQ .addCol
            CLC
            ADC #{hex8(cols)}
            DEY
            BRA .mul
        .addCol:
            CLC
            ADC {cl}
            TAX
            LDA {it},X
            STA {sl}
            RTS
        """)
    slow = Draft(
        "multiply-loop",
        ref[: ref.index(".select:")] + slow_select,
        f"computes row*{cols} with an addition loop instead of a table of row starts",
    )
    bugs = (
        Draft(
            "bne-wrap", ref.replace("BPL .vertical", "BNE .vertical"), "BNE: moving left onto column 0 wraps"
        ),
        Draft(
            "no-clc",
            ref.replace("    CLC\n    ADC", "    ADC"),
            "CLC dropped: the carry left by the button tests is added to the item index",
        ),
        Draft(
            "row-bound",
            ref.replace(f"CMP #{hex8(rows)}", f"CMP #{hex8(rows + 1)}"),
            f"off by one: moving down from the last row goes to a row {rows} that does not exist",
        ),
    )
    cells = cols * rows
    return Routine(
        kernel="grid_cursor",
        entry=entry,
        call="jsr",
        summary=(
            f"Move a cursor on a {cols}x{rows} item grid with the d-pad (wrapping on every edge) and copy "
            f"the item under it to {sl}."
        ),
        details=(
            f"{_wram(col)} is the cursor column (0-{cols - 1}) and {_wram(row)} its row (0-{rows - 1}). $F4 "
            "holds the "
            "buttons newly pressed this frame: bit 0 right, bit 1 left, bit 2 down, bit 3 up. Horizontally, "
            f"right (it wins over left) moves one column right, from {cols - 1} wrapping to 0; left moves "
            "one column "
            f"left, from 0 wrapping to {cols - 1}. Then vertically, down (it wins over up) moves one row "
            "down, from "
            f"{rows - 1} wrapping to 0; up moves one row up, from 0 wrapping to {rows - 1}. Both axes move "
            "in the same "
            f"frame when both are pressed. Finally copy the item byte of the cell, {it}+row*{cols}+column "
            f"(the {cells} bytes {_wram(items)}-{_wram(items + cells - 1)}), to {_wram(sel)}, pressed or "
            f"not. Observable: {_wram(col)}, {_wram(row)}, {_wram(sel)}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _wram(col): span(0, cols - 1, 0, 1, cols - 2, cols - 1),
                _wram(row): span(0, rows - 1, 0, 1, rows - 2, rows - 1),
                _wram(_NEW): byte_range(0x01, 0x02, 0x03, 0x04, 0x08, 0x0C, 0x05, 0x0A),
                f"{_wram(items)}..{_wram(items + cells - 1)}": byte_range(),
            },
            outputs=[_wram(col), _wram(row), _wram(sel)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("grid", r"grid", r"column", r"\brows?\b"),
            fact("wrap", r"wrap", r"roll(s)? over", r"around"),
            fact("item", r"item", rf"{it}", r"look(s|ed)? up", r"table"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Shifts the new presses ($F4) right: bit 0 (right) increments the column {cl}, wrapping from "
            f"{cols} to 0; otherwise bit 1 (left) decrements it in memory and a negative result wraps to "
            f"{cols - 1}. Then down (bit 2) or up (bit 3) moves the row {rw} the same way, wrapping at 0 and "
            f"{rows - 1}. Last it adds the column to the row's first cell from the .rowStart table and "
            f"copies {it},X, the item under the cursor, to {sl}. RTS."
        ),
        false_claims=("It multiplies the row with the MUL instruction.",),
        tags=("menu", "cursor", "grid", "joypad", "table"),
        params={"cols": cols, "rows": rows, "col": col, "row": row, "items": items},
    )


def joypad_repeat(rng: random.Random) -> Routine:
    """D-pad auto-repeat: a new direction fires at once, a held one again after a delay, then at a rate."""
    delay = rng.choice([0x10, 0x14, 0x18, 0x20, 0x0C])
    rate = rng.choice([0x04, 0x05, 0x06, 0x08])
    prev, timer, out = rng.choice(
        [(0x0240, 0x0241, 0x0242), (0x1C80, 0x1C82, 0x1C81), (0x0F10, 0x0F11, 0x0F12)]
    )
    entry = rng.choice(["Joypad_Repeat", "Input_AutoRepeat", "Menu_HeldRepeat", "Dpad_Typematic"])
    p, t, o = f"${prev:04X}", f"${timer:04X}", f"${out:04X}"
    ref = asm(f"""
        {entry}:
            LDA $F0
            AND #$0F
            BEQ .released
            CMP {p}
            BNE .new
            DEC {t}
            BNE .quiet
            LDY #{hex8(rate)}
            BRA .fire
        .new:
            STA {p}
            LDY #{hex8(delay)}
        .fire:
            STY {t}
            STA {o}
            RTS
        .released:
            STZ {p}
        .quiet:
            STZ {o}
            RTS
        """)
    slow = Draft(
        "memory-timer",
        asm(f"""
        {entry}:
            LDA $F0
            AND #$0F
            CMP #$00
            BNE .held
            LDA #$00
            STA {p}
            STA {o}
            RTS
        .held:
            CMP {p}
            BEQ .same
            STA {p}
            STA {o}
            LDA #{hex8(delay)}
            STA {t}
            RTS
        .same:
            LDA {t}
            SEC
            SBC #$01
            STA {t}
            CMP #$00
            BNE .none
            LDA #{hex8(rate)}
            STA {t}
            LDA {p}
            STA {o}
            RTS
        .none:
            LDA #$00
            STA {o}
            RTS
        """),
        "CMP #$00 after AND, SEC/SBC #1 on a loaded copy instead of DEC on memory, LDA #0/STA instead of STZ",
    )
    bugs = (
        Draft("no-mask", ref.replace("    AND #$0F\n", ""), "other buttons take part in the comparison"),
        Draft(
            "delay-again",
            ref.replace(f"LDY #{hex8(rate)}", f"LDY #{hex8(delay)}"),
            "a repeat reloads the initial delay instead of the repeat rate",
        ),
        Draft("no-latch", ref.replace(f"    STA {p}\n", ""), "the new direction is never latched"),
    )
    return Routine(
        kernel="joypad_repeat",
        entry=entry,
        call="jsr",
        summary=(
            f"D-pad auto-repeat: report a new direction at once, a held one again after {delay} frames and "
            f"then every {rate} frames, in {o}."
        ),
        details=(
            "$F0 holds the buttons held this frame; its low four bits are the d-pad (the other bits are "
            f"other buttons and must not matter). {_wram(prev)} holds the d-pad bits latched last time, "
            f"{_wram(timer)} the "
            f"repeat timer and {_wram(out)} receives this frame's reported directions. Let d = $F0 AND $0F. "
            "If d is 0: "
            f"set {p} and {o} to 0 (the timer is left alone). Else if d differs from {p}: latch it in {p}, "
            "report "
            f"it in {o} and set the timer to {hex8(delay)}. Else (same directions still held) decrement the "
            "timer "
            f"(from 0 it wraps to $FF); if it reached 0, report d in {o} and set the timer to {hex8(rate)}, "
            f"otherwise store 0 in {o}. Observable: {_wram(prev)}, {_wram(timer)}, {_wram(out)}. Keep X; A "
            "and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "$7E00F0": byte_range(0x01, 0x0F, 0x10, 0xF0, 0x81),
                _wram(prev): byte_range(0x01, 0x0F, 0x10, 0x81),
                _wram(timer): byte_range(0, 1, 2),
            },
            outputs=[_wram(prev), _wram(timer), _wram(out)],
            preserve=["X"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("repeat", r"repeat", r"typematic", r"auto-?fire"),
            fact("delay", r"delay", rf"{hex8(delay)}", r"timer"),
            fact("dpad", r"d-?pad", r"\$F0", r"direction", r"held"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Masks the held buttons $F0 down to the d-pad (AND #$0F). Nothing held clears the latch {p} "
            "and the "
            f"output {o}. A direction set different from the latch is latched, reported in {o} and arms the "
            f"repeat timer {t} with the delay {hex8(delay)}. The same set still held decrements the timer; "
            f"when it reaches zero the directions are reported again and the timer is reloaded with the rate "
            f"{hex8(rate)}, otherwise 0 is reported. RTS."
        ),
        false_claims=("It multiplies the delay with MUL before storing it.",),
        tags=("joypad", "timers", "repeat", "8-bit"),
        params={"delay": delay, "rate": rate, "prev": prev, "timer": timer, "out": out},
    )


# Right-shifting Galois taps whose 16-bit LFSR has the full period 65535 (checked offline).
_GALOIS_TAPS = (0xB400, 0xD008, 0xA801, 0x8016, 0xD295, 0x9C00, 0xCA00, 0x8805, 0xC801)
# xorshift16 triples (left a, right b, left c) with the full period 65535 (checked offline).
_XORSHIFT_TRIPLES = ((7, 9, 8), (5, 9, 8), (8, 9, 5), (8, 9, 7), (7, 9, 13), (9, 7, 13), (13, 9, 7))


def rng_galois16(rng: random.Random) -> Routine:
    """A 16-bit Galois LFSR clocked eight times per call, so each call yields eight fresh bits."""
    tap = rng.choice(_GALOIS_TAPS)
    seed = rng.choice([0x0FA0, 0x1E70, 0x0B08, 0x1D40, 0x0CE0])
    steps = rng.choice([8, 8, 4, 16])
    entry = rng.choice(["Random_Byte", "Lfsr_Clock", "Rng_NextBits", "GetRandomByte"])
    s = f"${seed:04X}"
    ref = asm(f"""
        {entry}:
            REP #$20
            LDA {s}
            LDX #{hex8(steps)}
        .step:
            LSR A
            BCC .noTap
            EOR #{hex16(tap)}
        .noTap:
            DEX
            BNE .step
            STA {s}
            SEP #$20
            RTS
        """)
    slow = Draft(
        "memory-shift",
        asm(f"""
        {entry}:
            REP #$20
            LDX #{hex8(steps)}
        .step:
            LSR {s}
            BCC .noTap
            LDA {s}
            EOR #{hex16(tap)}
            STA {s}
        .noTap:
            DEX
            BNE .step
            LDA {s}
            SEP #$20
            RTS
        """),
        "shifts and updates the seed in memory each step (read-modify-write) instead of in A",
    )
    bugs = (
        Draft(
            "asl",
            ref.replace("LSR A", "ASL A"),
            "shifts the wrong way: a Galois right-shift LFSR shifts right",
        ),
        Draft(
            "one-step-less", ref.replace(f"LDX #{hex8(steps)}", f"LDX #{hex8(steps - 1)}"), "one step short"
        ),
        Draft(
            "eight-bit",
            ref.replace("    REP #$20\n", "")
            .replace("    SEP #$20\n", "")
            .replace(f"EOR #{hex16(tap)}", f"EOR #{hex8(tap >> 8)}"),
            "runs the LFSR in 8 bits: only the low byte of the seed is used and updated",
        ),
    )
    return Routine(
        kernel="rng_galois16",
        entry=entry,
        call="jsr",
        summary=(
            f"Clock the 16-bit Galois LFSR at {s} {steps} times (taps {hex16(tap)}) and return its low byte "
            "in A."
        ),
        details=(
            f"The seed is the word at {_wram(seed)}. One step shifts the seed right by one bit; if the bit "
            "shifted "
            f"out was 1, the seed is then XORed with {hex16(tap)}. Do {steps} steps, store the seed back "
            "and return "
            "its new low byte in A (8-bit; m=1 on entry and on return). Observable: A (low byte) and the "
            f"word {_wram(seed)}. X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={f"{_wram(seed)}:w": span(0, 0xFFFF, 0, 1, 0x8000, 0xFFFF, tap)},
            outputs=["A.lo", f"{_wram(seed)}:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("lfsr", r"\bLFSR\b", r"linear feedback", r"shift register", r"galois"),
            fact("tap", rf"{hex16(tap)}", r"\btaps?\b", r"\bEOR\b", r"\bXOR"),
            fact("steps", rf"\b{steps}\b", r"\bloop", r"times"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Switches A to 16 bits and loads the seed {s}. Each of {steps} loop passes (X counts down) "
            "shifts it "
            f"right with LSR; when the bit shifted into carry is 1 it XORs the taps {hex16(tap)} (a Galois "
            "LFSR). The new seed is stored, A goes back to 8 bits and returns the low byte. RTS."
        ),
        false_claims=("It multiplies the seed by a constant with MUL.",),
        tags=("rng", "lfsr", "16-bit", "rep-sep", "loop"),
        params={"tap": tap, "seed": seed, "steps": steps},
    )


def _shift_code(direction: str, amount: int, fast: bool) -> str:
    """Code that shifts the 16-bit A left ("<<") or right (">>") by `amount`; `fast` uses XBA for 8+."""
    op = "ASL A" if direction == "<<" else "LSR A"
    if fast and amount >= 8:  # the bit shifts first, so the mask after XBA decides bits that survive
        lines = [op] * (amount - 8) + ["XBA", "AND #$FF00" if direction == "<<" else "AND #$00FF"]
    else:
        lines = [op] * amount
    return "".join(f"    {line}\n" for line in lines)


def rng_xorshift16(rng: random.Random) -> Routine:
    """xorshift16: x ^= x << a; x ^= x >> b; x ^= x << c, with byte swaps standing in for 8-bit shifts."""
    a, b, c = rng.choice(_XORSHIFT_TRIPLES)
    seed = rng.choice([0x0FA0, 0x1E70, 0x0B08, 0x1D40, 0x0CE0])
    entry = rng.choice(["Xorshift_Next", "Random_Word", "Rng_Xorshift", "NextRandom16"])
    s = f"${seed:04X}"

    def body(fast: bool) -> str:
        return (
            f"{entry}:\n    LDA {s}\n{_shift_code('<<', a, fast)}    EOR {s}\n    STA $00\n"
            f"{_shift_code('>>', b, fast)}    EOR $00\n    STA $00\n"
            f"{_shift_code('<<', c, fast)}    EOR $00\n    STA {s}\n    RTS\n"
        )

    ref = body(True)
    slow = Draft(
        "plain-shifts", body(False), "shifts by 8 or more one bit at a time where XBA swaps the bytes at once"
    )
    bugs = (
        Draft(
            "right-first",
            ref.replace(_shift_code("<<", a, True), _shift_code(">>", a, True), 1),
            f"the first step shifts right (x >> {a}) instead of left",
        ),
        Draft(
            "no-mask",
            ref.replace("    AND #$00FF\n", "") if b >= 8 else ref.replace("    AND #$FF00\n", "", 1),
            "XBA without the AND keeps the other byte: a rotate, not a shift",
        ),
        Draft(
            "stale-eor",
            ref.replace("    EOR $00\n    STA $00\n", f"    EOR {s}\n    STA $00\n", 1),
            "XORs the second step with the old seed instead of the intermediate value",
        ),
    )
    return Routine(
        kernel="rng_xorshift16",
        entry=entry,
        call="jsr",
        summary=(
            f"Advance the xorshift16 RNG at {s} (x ^= x<<{a}; x ^= x>>{b}; x ^= x<<{c}) and return it in A."
        ),
        details=(
            f"The state is the word at {_wram(seed)}; A is 16-bit (m=0) and the index registers are 16-bit "
            "(x=0). "
            f"Compute x ^= x << {a}, then x ^= x >> {b}, then x ^= x << {c} (16-bit shifts, logical, bits "
            "shifted "
            f"out are lost), store x back and return it in A. Observable: A and the word {_wram(seed)}. "
            "Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={f"{_wram(seed)}:w": word_range(1, 0x0100, 0x8000, 0xFFFF)},
            outputs=["A", f"{_wram(seed)}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("xorshift", r"xorshift", r"\bXOR", r"\bEOR\b", r"exclusive"),
            fact("shift", r"shift", r"\bXBA\b", r"<<", r">>"),
            fact("state", rf"{s}", r"seed", r"state"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"One xorshift16 step on the seed {s}: shifts a copy left by {a} and EORs it in, keeps the "
            "result at "
            f"$00, shifts it right by {b} and EORs again, then shifts left by {c} and EORs a third time. "
            "Shifts of "
            "8 or more use XBA plus an AND mask to move whole bytes. The new seed is stored and returned in "
            "A. RTS."
        ),
        false_claims=("It computes the next seed with a MUL by a constant.",),
        tags=("rng", "xorshift", "16-bit", "xba"),
        params={"a": a, "b": b, "c": c, "seed": seed},
    )


def random_range_mul(rng: random.Random) -> Routine:
    """A random byte scaled into [lo, lo+n) with the hardware multiplier: lo + (r * n) >> 8."""
    n = rng.choice([3, 5, 6, 7, 10, 12, 20, 24, 37, 100, 200])
    lo = rng.choice([0x00, 0x01, 0x10, 0x20, 0x40])
    out = rng.choice([0x0E90, 0x0ED0, 0x1C20, 0x0B70])
    entry = rng.choice(["Random_InRange", "Rng_Scale", "RandomBelowN", "PickRandomValue"])
    o = f"${out:04X}"
    ref = asm(f"""
        {entry}:
            STA $4202
            LDA #{hex8(n)}
            STA $4203
            NOP
            NOP
            NOP
            LDA $4217
            CLC
            ADC #{hex8(lo)}
            STA {o}
            RTS
        """)
    slow = Draft(
        "shift-add",
        asm(f"""
        {entry}:
            STA $00
            STZ $04
            STZ $01
            STZ $02
            LDA #{hex8(n)}
            STA $03
            LDX #$08
        .bit:
            LSR $03
            BCC .next
            LDA $01
            CLC
            ADC $00
            STA $01
            LDA $02
            ADC $04
            STA $02
        .next:
            ASL $00
            ROL $04
            DEX
            BNE .bit
            LDA $02
            CLC
            ADC #{hex8(lo)}
            STA {o}
            RTS
        """),
        "a software shift-and-add multiply instead of the hardware multiplier",
    )
    bugs = (
        Draft("low-byte", ref.replace("LDA $4217", "LDA $4216"), "reads the product's low byte ($4216)"),
        Draft(
            "early-read",
            ref.replace("    NOP\n", "", 3),
            "reads the product before the 8-cycle multiply ends",
        ),
        Draft("no-clc", ref.replace("    CLC\n", ""), "CLC dropped: the entry carry is added too"),
    )
    return Routine(
        kernel="random_range_mul",
        entry=entry,
        call="jsr",
        summary=f"Scale the random byte in A to {lo}..{lo + n - 1}: store {lo} + (A * {n}) / 256 at {o}.",
        details=(
            f"A (8-bit) is a random byte r. Store {hex8(lo)} + floor(r * {n} / 256) (a value "
            f"{lo}-{lo + n - 1}, "
            f"uniform when r is) at {_wram(out)}. Use the SNES multiplier: $4202 = first factor, writing "
            "$4203 "
            "(second factor) starts it, and the 16-bit product is readable at $4216 (low) / $4217 (high) 8 "
            f"CPU cycles later. Observable: {_wram(out)}. X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": byte_range(0x80, 0xFF, 0x100 // n, (0x100 // n) * (n - 1))},
            outputs=[_wram(out)],
            preserve=["Y"],
            writable=["$004202..$004206"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("multiply", r"multipl", r"\$4202", r"\$4203", r"product"),
            fact("high", r"high byte", r"\$4217", r"/ ?256", r"upper byte"),
            fact("range", r"range", rf"\b{n}\b", r"scale"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Writes the random byte to $4202 and {n} to $4203, which starts the SNES hardware multiplier; "
            "after "
            f"three NOPs (the product needs 8 cycles) it reads the product's high byte at $4217, which is "
            f"r*{n}/256, adds {hex8(lo)} with CLC/ADC and stores the result at {o}. RTS."
        ),
        false_claims=("It uses the MUL instruction of the 65816.",),
        tags=("rng", "hardware-multiply", "io", "range"),
        params={"n": n, "lo": lo, "out": out},
    )


def random_reject(rng: random.Random) -> Routine:
    """Rejection sampling: clock a Galois LFSR until its masked low bits fall below n."""
    n = rng.choice([3, 5, 6, 7, 9, 10, 12, 13, 24, 40, 100])
    mask = (1 << (n - 1).bit_length()) - 1
    tap = rng.choice(_GALOIS_TAPS)
    seed = rng.choice([0x0FA0, 0x1E70, 0x0B08, 0x1D40, 0x0CE0])
    entry = rng.choice(["Random_Below", "Rng_Reject", "RandomIndex", "DrawRandom"])
    s = f"${seed:04X}"
    ref = asm(f"""
        {entry}:
        .retry:
            LDA {s}
            LSR A
            BCC .noTap
            EOR #{hex16(tap)}
        .noTap:
            STA {s}
            AND #{hex16(mask)}
            CMP #{hex16(n)}
            BCS .retry
            RTS
        """)
    slow = Draft(
        "jsr-step",
        asm(f"""
        {entry}:
            JSR .step
            LDA {s}
            AND #{hex16(mask)}
            CMP #{hex16(n)}
            BCC .done
            JMP {entry}
        .done:
            RTS
        .step:
            LDA {s}
            LSR A
            BCC .noTap
            EOR #{hex16(tap)}
        .noTap:
            STA {s}
            RTS
        """),
        "calls a separate LFSR step subroutine and reloads the seed on every try",
    )
    bugs = (
        Draft(
            "bcc",
            ref.replace("BCS .retry", "BCC .retry"),
            "keeps the rejected values and retries the good ones",
        ),
        Draft(
            "bound-n-1",
            ref.replace(f"CMP #{hex16(n)}", f"CMP #{hex16(n - 1)}"),
            f"off by one: {n - 1} is rejected too",
        ),
        Draft(
            "no-mask",
            ref.replace(f"    AND #{hex16(mask)}\n", ""),
            "compares the whole seed, not its low bits",
        ),
    )
    return Routine(
        kernel="random_reject",
        entry=entry,
        call="jsr",
        summary=(
            f"Return a random number 0-{n - 1} in A by rejection: clock the LFSR at {s} until its low bits "
            f"(AND {hex16(mask)}) are below {n}."
        ),
        details=(
            f"A and the index registers are 16-bit (m=0, x=0). The seed is the word at {_wram(seed)}; one "
            "LFSR step "
            f"shifts it right by one bit and, if the bit shifted out was 1, XORs it with {hex16(tap)}. "
            "Repeat: "
            f"do one step, store the seed, take v = seed AND {hex16(mask)}; if v < {n} return v in A, else "
            f"try again. Observable: A and the word {_wram(seed)}. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={f"{_wram(seed)}:w": word_range(0, 1, 2, n - 1, n, n + 1, n * 2, n * 2 + 1, mask, 0x8000)},
            outputs=["A", f"{_wram(seed)}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("reject", r"reject", r"retr(y|ies)", r"until", r"\bloop"),
            fact("lfsr", r"\bLFSR\b", r"linear feedback", r"shift register", r"galois", rf"{hex16(tap)}"),
            fact("bound", rf"\b{n}\b", r"below", r"less than", rf"{hex16(mask)}"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Rejection sampling: each pass clocks the 16-bit Galois LFSR {s} once (LSR, and EOR "
            f"#{hex16(tap)} when "
            f"a 1 bit falls out), stores it, masks the low bits with AND #{hex16(mask)} and compares with "
            f"{n}: a "
            f"value of {n} or more (carry set) loops back for another step, a smaller one is returned in A. "
            "RTS."
        ),
        false_claims=("It scales the seed into range with a MUL instruction.",),
        tags=("rng", "lfsr", "rejection", "16-bit", "loop"),
        params={"n": n, "tap": tap, "seed": seed},
    )


def _digits(value: int) -> list[int]:
    """`value` as six decimal digits, least significant first (the order the add walks them)."""
    return [int(d) for d in reversed(f"{value:06d}")]


def bcd_score_add(rng: random.Random) -> Routine:
    """Add an enemy's points (a digit table by type) to a 6-digit unpacked-BCD score stored most significant
    digit first, as the HUD draws it, and clamp at 999999. The digit carry must survive the loop control."""
    score = rng.choice([0x0F00, 0x1E10, 0x07D0, 0x1C40, 0x0B58])
    # Every value ends in a nonzero digit, so the last score digit changes too (and the clamp shows there).
    points = rng.sample([5, 15, 25, 35, 75, 125, 155, 255, 405, 755, 1005, 1505, 2505, 5005, 9995, 12345], 8)
    entry = rng.choice(["Score_AddEnemy", "AwardPoints", "Score_AddDigits", "Hud_AddScore"])
    sc = f"${score:04X}"
    table = "\n".join(f"    db {','.join(hex8(d) for d in _digits(p))},$00,$00" for p in points)
    ref = (
        asm(f"""
        {entry}:
            AND #$07
            ASL A
            ASL A
            ASL A
            TAX
            LDY #$05
        .digit:
            LDA {sc},Y
            ADC .points,X
            CMP #$0A
            BCC .store
            SBC #$0A
        .store:
            STA {sc},Y
            INX
            DEY
            BPL .digit
            BCC .done
            LDA #$09
            LDY #$05
        .clamp:
            STA {sc},Y
            DEY
            BPL .clamp
        .done:
            RTS
        .points:
        """)
        + table
        + "\n"
    )
    slow = Draft(
        "carry-byte",
        asm(f"""
        {entry}:
            AND #$07
            ASL A
            ASL A
            ASL A
            TAX
            STZ $00
            LDY #$05
        .digit:
            LDA {sc},Y
            CLC
            ADC .points,X
            CLC
            ADC $00
            STZ $00
            CMP #$0A
            BCC .store
            SEC
            SBC #$0A
            INC $00
        .store:
            STA {sc},Y
            INX
            DEY
            CPY #$FF
            BNE .digit
            LDA $00
            BEQ .done
            LDY #$00
        .clamp:
            LDA #$09
            STA {sc},Y
            INY
            CPY #$06
            BNE .clamp
        .done:
            RTS
        .points:
        """)
        + table
        + "\n",
        "keeps the digit carry in a scratch byte with two CLC/ADC per digit instead of letting the CPU carry "
        "run through the loop, and counts the loops with CPY",
    )
    bugs = (
        Draft(
            "clamp-bne",
            ref.replace("BPL .clamp", "BNE .clamp"),
            "BNE instead of BPL: the clamp loop stops before the first digit",
        ),
        Draft(
            "no-clamp", ref.replace("BCC .done", "BRA .done"), "no clamp: past 999999 the score wraps around"
        ),
        Draft(
            "bcs-digit",
            ref.replace("BCC .store", "BCS .store"),
            "inverted digit test: sums below 10 get 10 taken off",
        ),
        Draft(
            "times-4",
            ref.replace("    ASL A\n    ASL A\n    ASL A\n", "    ASL A\n    ASL A\n"),
            "type times 4, not 8: the wrong points row is read",
        ),
    )
    listing = ", ".join(f"{i}: {p}" for i, p in enumerate(points))
    sc_r = f"{_wram(score)}..{_wram(score + 5)}"
    return Routine(
        kernel="bcd_score_add",
        entry=entry,
        call="jsr",
        summary=(
            f"Add the points of enemy type A to the 6-digit score at {sc} (one decimal digit per byte) and "
            "clamp it at 999999."
        ),
        details=(
            f"The score is six unpacked-BCD digit bytes at {_wram(score)}-{_wram(score + 5)}, most "
            "significant "
            "first (123456 is $01,$02,$03,$04,$05,$06); each digit byte is 0-9. A (8-bit) holds the enemy "
            f"type; only its low 3 bits matter and select the points: {listing}. Add them to the score in "
            "decimal; if the "
            f"sum passes 999999 the score becomes 999999. Observable: {sc_r}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            # The first digit and the other five have edge lists of 5 and 4 values, and the type's list
            # sets 27 edge cases: case 3 is 899999 (a carry into the first digit), case 19 is 999999.
            inputs={
                "A.lo": byte_range(*range(0x18), 0xF8, 0xFF),
                _wram(score): span(0, 9, 0, 1, 5, 8, 9),
                f"{_wram(score + 1)}..{_wram(score + 5)}": span(0, 9, 0, 1, 2, 9),
            },
            outputs=[sc_r],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("bcd", r"\bBCD\b", r"decimal", r"digits?"),
            fact("clamp", r"clamp", r"999999", r"saturat", r"\bcap"),
            fact("carry", r"carry", r"\bSBC #\$0A", r"\bten\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            "Turns the type's low 3 bits into a row offset of 8 in the .points table, whose rows hold the "
            "digits "
            "least significant first (the three ASLs of a value below 8 leave the carry clear, so no CLC is "
            f"needed). It adds the digits to the score {sc} from its last (least significant) byte up: a "
            "digit sum "
            "of 10 or more has 10 subtracted, and the carry flag itself carries into the next digit, since "
            "INX, DEY "
            "and BPL leave it alone. A carry out of the first digit clamps every digit to 9 (999999). RTS."
        ),
        false_claims=("It multiplies the points with MUL before adding them.",),
        tags=("bcd", "score", "digits", "loop", "clamp"),
        params={"score": score, "points": points},
    )


def link_damage(rng: random.Random) -> Routine:
    """Damage in half hearts, halved per armour level, taken from the 8-per-heart health; zero health
    starts the death module."""
    death = rng.choice([0x12, 0x12, 0x17])
    entry = rng.choice(["Link_TakeDamage", "Player_Hurt", "ApplyDamageToLink", "Link_Damage"])
    ref = asm(f"""
        {entry}:
            STA $00
            STZ $01
            LDA $7EF35B
            AND #$03
            TAX
            REP #$20
            LDA $00
            ASL A
            ASL A
        .armor:
            DEX
            BMI .apply
            LSR A
            BRA .armor
        .apply:
            STA $00
            LDA $7EF36D
            AND #$00FF
            SEC
            SBC $00
            BEQ .dead
            BCC .dead
            SEP #$20
            STA $7EF36D
            RTS
        .dead:
            SEP #$20
            LDA #$00
            STA $7EF36D
            LDA #{hex8(death)}
            STA $10
            RTS
        """)
    slow = Draft(
        "memory-shifts",
        asm(f"""
        {entry}:
            STA $00
            STZ $01
            REP #$20
            ASL $00
            ASL $00
            SEP #$20
            LDA $7EF35B
            AND #$03
            TAX
        .armor:
            CPX #$00
            BEQ .apply
            REP #$20
            LSR $00
            SEP #$20
            DEX
            JMP .armor
        .apply:
            REP #$20
            LDA $7EF36D
            AND #$00FF
            CMP $00
            BEQ .dead
            BCC .dead
            SEC
            SBC $00
            SEP #$20
            STA $7EF36D
            RTS
        .dead:
            SEP #$20
            LDA #$00
            STA $7EF36D
            LDA #{hex8(death)}
            STA $10
            RTS
        """),
        "shifts the damage in memory with REP/SEP around every shift, and compares before subtracting",
    )
    bugs = (
        Draft(
            "no-mask",
            ref.replace("    AND #$00FF\n", ""),
            "16-bit load of $7EF36D also takes the magic byte $7EF36E as its high byte",
        ),
        Draft(
            "one-asl",
            ref.replace("    ASL A\n    ASL A\n", "    ASL A\n"),
            "one ASL: a half heart taken as 2 health units instead of 4",
        ),
        Draft(
            "no-high-clear",
            ref.replace("    STZ $01\n", ""),
            "the damage's high byte at $01 is never cleared",
        ),
        Draft(
            "no-beq",
            ref.replace("    BEQ .dead\n", ""),
            "exactly lethal damage leaves Link alive with 0 health",
        ),
    )
    return Routine(
        kernel="link_damage",
        entry=entry,
        call="jsr",
        summary=(
            "Hurt Link by A half hearts, halved once per armour level, and start the death module at zero "
            "health."
        ),
        details=(
            "A (8-bit, 0-255) is the damage in half hearts; health at $7EF36D counts 8 per heart, so a half "
            "heart "
            "is 4. The armour level is the low two bits of $7EF35B (0-3, the other bits are other flags): "
            "halve "
            "the damage (rounding down) once per level. If the damage is at least the current health, set "
            f"the health to 0 and the game module $10 to {hex8(death)}; otherwise subtract it. Observable: "
            "$7EF36D and $7E0010. Keep Y; A and X may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0, 1, 2, 0x20, 0x3F, 0x40, 0x80, 0xFF),
                "$7EF35B": byte_range(0, 1, 2, 3, 0xFC),
                "$7EF36D": byte_range(0, 1, 4, 8, 0x20, 0x80, 0xA0),
                "$7EF36E": byte_range(0, 0x80),
            },
            outputs=["$7EF36D", "$7E0010"],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("health", r"health", r"\$7EF36D", r"hearts?"),
            fact("armor", r"armou?r", r"\$7EF35B", r"halv", r"\bLSR\b"),
            fact("death", r"death", r"\bdie", r"dead", rf"{hex8(death)}", r"\$10\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            "Zero-extends the damage into $00/$01, takes the armour level from the low two bits of $7EF35B "
            "into X, "
            "and in 16-bit mode multiplies the damage by 4 (two ASLs: half hearts to health units) and "
            "halves it "
            "with LSR once per armour level. It subtracts that from the health $7EF36D (masked to a byte "
            "with "
            f"AND #$00FF); a zero or borrowed result sets health to 0 and the module $10 to {hex8(death)}, "
            "otherwise the new health is stored in 8-bit mode. RTS."
        ),
        false_claims=("It multiplies the damage by 4 with MUL.",),
        tags=("health", "16-bit", "long", "rep-sep", "armor"),
        params={"death": death},
    )


def magic_spend(rng: random.Random) -> Routine:
    """Pay an item's magic cost (table by item, halved per consumption upgrade); refuse with a sound."""
    costs = [rng.choice([2, 4, 8, 0x10, 0x20, 0x40]) for _ in range(8)]
    sfx = rng.choice([0x3C, 0x2C, 0x0A])
    entry = rng.choice(["Magic_Spend", "UseMagicPower", "Item_PayMagic", "Magic_TryConsume"])
    table = ",".join(hex8(c) for c in costs)
    ref = asm(f"""
        {entry}:
            AND #$07
            TAX
            LDA $7EF37B
            AND #$03
            TAY
            LDA .cost,X
        .halve:
            DEY
            BMI .pay
            LSR A
            BRA .halve
        .pay:
            STA $00
            LDA $7EF36E
            SEC
            SBC $00
            BCC .refuse
            STA $7EF36E
            RTS
        .refuse:
            LDA #{hex8(sfx)}
            STA $012F
            RTS
        .cost:
            db {table}
        """)
    slow = Draft(
        "compare-first",
        asm(f"""
        {entry}:
            AND #$07
            TAX
            LDA .cost,X
            STA $00
            LDA $7EF37B
            AND #$03
            TAY
        .halve:
            CPY #$00
            BEQ .pay
            LSR $00
            DEY
            JMP .halve
        .pay:
            LDA $7EF36E
            CMP $00
            BCC .refuse
            LDA $7EF36E
            SEC
            SBC $00
            STA $7EF36E
            SEC
            RTS
        .refuse:
            LDA #{hex8(sfx)}
            STA $012F
            CLC
            RTS
        .cost:
            db {table}
        """),
        "halves the cost in memory, compares before subtracting and reloads the magic meter",
    )
    bugs = (
        Draft("no-sec", ref.replace("    SEC\n", ""), "SEC dropped: the subtraction borrows the entry carry"),
        Draft(
            "bmi", ref.replace("BCC .refuse", "BMI .refuse"), "BMI instead of BCC: meters above $80 go wrong"
        ),
        Draft("no-mask", ref.replace("    AND #$03\n", ""), "the whole upgrade byte counts halvings"),
    )
    listing = ", ".join(f"{i}: {hex8(c)}" for i, c in enumerate(costs))
    return Routine(
        kernel="magic_spend",
        entry=entry,
        call="jsr",
        summary=(
            "Spend the magic cost of item A from the meter at $7EF36E if there is enough; return carry set "
            "if paid."
        ),
        details=(
            f"A (8-bit): the item; only its low 3 bits matter and select the base cost: {listing}. The magic "
            "upgrade level is the low two bits of $7EF37B (0-3; other bits are other flags): halve the cost "
            "(rounding down) once per level. If the magic meter $7EF36E (unsigned byte) is at least the "
            "cost, subtract it and return with carry set. Otherwise leave the meter, write sound effect "
            f"{hex8(sfx)} to $012F and return with carry clear. Observable: $7EF36E, $7E012F and the carry "
            "flag. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(*range(8), 0xF8),
                "$7EF37B": byte_range(0, 1, 2, 3, 0x04, 0xFF),
                "$7EF36E": byte_range(0, 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80),
            },
            outputs=["$7EF36E", "$7E012F", "flag:C"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("magic", r"magic", r"\$7EF36E", r"\bMP\b"),
            fact("halve", r"halv", r"\bLSR\b", r"\$7EF37B", r"upgrade"),
            fact("carry", r"carry", r"\bSEC\b", r"\bBCC\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            "Uses the low 3 bits of A to index the .cost table and the low two bits of $7EF37B as the "
            "number of "
            "halvings (LSR in a DEY/BMI loop). It subtracts the cost from the magic meter $7EF36E with "
            "SEC/SBC: "
            "no borrow (carry set) stores the new meter and returns carry set; a borrow writes sound "
            f"{hex8(sfx)} to $012F and returns with carry clear, the meter unchanged. RTS."
        ),
        false_claims=("It halves the cost with a MUL by one half.",),
        tags=("magic", "meter", "long", "carry-flag", "table"),
        params={"costs": costs, "sfx": sfx},
    )


def arrows_add(rng: random.Random) -> Routine:
    """Add arrows (or bombs) up to the capacity of the current upgrade level, never wrapping the byte."""
    count, level, name = rng.choice([(0x7EF377, 0x7EF371, "arrows"), (0x7EF343, 0x7EF370, "bombs")])
    base = 30 if name == "arrows" else 10
    step = rng.choice([5, 10])
    caps = [min(base + step * i, 0x99) for i in range(8)]
    entry = rng.choice(["Inventory_AddAmmo", "GiveAmmo", f"Add_{name.capitalize()}", "Pickup_Refill"])
    table = ",".join(hex8(c) for c in caps)
    ref = asm(f"""
        {entry}:
            CLC
            ADC ${count:06X}
            STA $00
            LDA ${level:06X}
            AND #$07
            TAX
            LDA .cap,X
            BCS .store
            CMP $00
            BCC .store
            LDA $00
        .store:
            STA ${count:06X}
            RTS
        .cap:
            db {table}
        """)
    slow = Draft(
        "sixteen-bit",
        asm(f"""
        {entry}:
            REP #$20
            AND #$00FF
            STA $00
            LDA ${count:06X}
            AND #$00FF
            CLC
            ADC $00
            STA $00
            SEP #$20
            LDA ${level:06X}
            AND #$07
            TAX
            REP #$20
            LDA .cap,X
            AND #$00FF
            CMP $00
            BCC .full
            LDA $00
        .full:
            SEP #$20
            STA ${count:06X}
            RTS
        .cap:
            db {table}
        """),
        "widens everything to 16 bits with REP/SEP and AND #$00FF to avoid the carry test",
    )
    bugs = (
        Draft(
            "no-overflow", ref.replace("    BCS .store\n", ""), f"an 8-bit sum past 255 wraps to few {name}"
        ),
        Draft("bcs", ref.replace("BCC .store", "BCS .store"), "inverted cap test"),
        Draft(
            "no-mask", ref.replace("    AND #$07\n", ""), "the whole upgrade byte indexes the 8-entry table"
        ),
    )
    listing = ", ".join(f"{i}: {c}" for i, c in enumerate(caps))
    return Routine(
        kernel="arrows_add",
        entry=entry,
        call="jsr",
        summary=f"Add A {name} to the count at ${count:06X}, capped by the capacity of the upgrade level.",
        details=(
            f"A (8-bit, 0-255) is the number of {name} picked up; the count is the byte at ${count:06X}. The "
            f"capacity comes from the upgrade level, the low 3 bits of ${level:06X} (other bits are other "
            "flags): "
            f"{listing}. The new count is count + A, or the capacity if that sum (taken without wrapping at "
            f"256) is larger. Observable: ${count:06X}. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0, 1, 5, 10, 0x80, 0xFF),
                f"${count:06X}": byte_range(0, caps[0], caps[0] - 1, caps[-1], 0x80, 0xFF),
                f"${level:06X}": byte_range(*range(8), 0xF8),
            },
            outputs=[f"${count:06X}"],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("cap", r"\bcap", r"capacity", r"maximum", r"clamp", r"limit"),
            fact("upgrade", r"upgrade", rf"\${level:06X}", r"level"),
            fact("overflow", r"carry", r"overflow", r"\bBCS\b", r"wrap"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Adds A to the {name} count with CLC/ADC and keeps the 8-bit sum at $00. It loads the capacity "
            "from the "
            f".cap table indexed by the low 3 bits of ${level:06X}; LDA, AND and TAX leave the carry of the "
            "add "
            "alone, so a sum that carried past 255 stores the capacity at once. Otherwise CMP $00 stores the "
            "capacity when it is below the sum, and the sum itself when not. RTS."
        ),
        false_claims=("It uses MUL to compute the capacity.",),
        tags=("inventory", "clamp", "carry-flag", "long", "table"),
        params={"name": name, "caps": caps},
    )


def countdown_clock(rng: random.Random) -> Routine:
    """A minutes:seconds:frames countdown that borrows down the chain and stops at 0:00:00 with a flag."""
    rate = rng.choice([60, 60, 50])
    frames, secs, mins, flag = rng.choice(
        [(0x04A0, 0x04A1, 0x04A2, 0x04A3), (0x1F00, 0x1F01, 0x1F02, 0x1F08), (0x0B60, 0x0B62, 0x0B64, 0x0B66)]
    )
    max_min = rng.choice([9, 59, 99])
    entry = rng.choice(["Timer_Countdown", "RaceClock_Tick", "Countdown_Frame", "Clock_Decrement"])
    f, s, m, x = (f"${a:04X}" for a in (frames, secs, mins, flag))
    ref = asm(f"""
        {entry}:
            DEC {f}
            BPL .done
            LDA #{hex8(rate - 1)}
            STA {f}
            DEC {s}
            BPL .done
            LDA #$3B
            STA {s}
            DEC {m}
            BPL .done
            STZ {m}
            STZ {s}
            STZ {f}
            LDA #$01
            STA {x}
        .done:
            RTS
        """)
    slow = Draft(
        "compare-zero",
        asm(f"""
        {entry}:
            LDA {f}
            CMP #$00
            BEQ .second
            SEC
            SBC #$01
            STA {f}
            RTS
        .second:
            LDA {s}
            CMP #$00
            BEQ .minute
            SEC
            SBC #$01
            STA {s}
            LDA #{hex8(rate - 1)}
            STA {f}
            RTS
        .minute:
            LDA {m}
            CMP #$00
            BEQ .expired
            SEC
            SBC #$01
            STA {m}
            LDA #$3B
            STA {s}
            LDA #{hex8(rate - 1)}
            STA {f}
            RTS
        .expired:
            LDA #$01
            STA {x}
            RTS
        """),
        "tests each field for zero with LDA/CMP and subtracts with SEC/SBC instead of DEC on memory and BPL",
    )
    bugs = (
        Draft(
            "bne",
            ref.replace("BPL .done", "BNE .done", 1),
            "BNE instead of BPL: a frame field of 1 borrows early",
        ),
        Draft(
            "reload-rate",
            ref.replace(f"LDA #{hex8(rate - 1)}", f"LDA #{hex8(rate)}"),
            f"reloads {rate} frames, not {rate - 1}",
        ),
        Draft("no-reset", ref.replace(f"    STZ {s}\n", ""), "at expiry the seconds are left at 59"),
    )
    return Routine(
        kernel="countdown_clock",
        entry=entry,
        call="jsr",
        summary=(
            f"Count a minutes:seconds:frames timer down by one frame ({rate} frames per second); flag expiry."
        ),
        details=(
            f"Three bytes: frames {_wram(frames)} (0-{rate - 1}), seconds {_wram(secs)} (0-59) and minutes "
            f"{_wram(mins)} (0-{max_min}). Take one frame off: frames 0 becomes {rate - 1} and borrows a "
            "second; "
            "seconds 0 becomes 59 and borrows a minute. If the timer was already 0:00:00 it stays 0:00:00 "
            f"and the byte {_wram(flag)} is set to 1 (it is not touched otherwise). Observable: the three "
            f"fields and {_wram(flag)}. A may be clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # Lists of 3 (frames), 4 (seconds) and 10-14 (minutes) edge values; the flag's list (17)
                # sets the number of edge cases. Case 12 has frames 0, seconds 0 and minutes left (a borrow
                # down the whole chain), case 0 the expired timer, case 3 frames 0 with seconds left.
                _wram(flag): byte_range(*range(0x02, 0x10)),
                _wram(frames): span(0, rate - 1, 0, 1, rate - 1),
                _wram(secs): span(0, 59, 0, 1, 30, 59),
                _wram(mins): span(0, max_min, *range(min(max_min, 12) + 1), max_min),
            },
            outputs=[_wram(frames), _wram(secs), _wram(mins), _wram(flag)],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("countdown", r"count(s|ing)? down", r"countdown", r"decrement", r"\bDEC\b"),
            fact("borrow", r"borrow", r"roll(s)? (over|under)", r"wrap", r"\b59\b", r"\$3B"),
            fact("expire", r"expir", r"0:00:00", r"time'?s? up", rf"{x}"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Decrements the frame byte {f} in memory; if it stays non-negative (BPL) that is all. "
            "Otherwise it "
            f"reloads {rate - 1} frames and decrements the seconds {s}, which in turn reload 59 and borrow "
            "from the "
            f"minutes {m}. When the minutes go negative the timer had run out: all three fields are zeroed "
            f"and the expiry flag {x} is set to 1. RTS."
        ),
        false_claims=("It divides the frames by 60 with a MUL instruction.",),
        tags=("timers", "clock", "rollover", "dec-memory"),
        params={"rate": rate, "max_min": max_min},
    )


def mode_dispatch(rng: random.Random) -> Routine:
    """The main-loop module dispatcher: a bounds-checked jump table on $10, per-module init/fade code and a
    second jump table on the submodule $11. Hard tier."""
    fade_to = rng.choice([0x0F, 0x0F, 0x0C, 0x08])
    exit_to = rng.choice([0x01, 0x02, 0x03])  # nonzero: storing it must differ from STZ
    ret = rng.choice([0x010C, 0x0114, 0x0B00])
    order = rng.sample(["fadein", "play", "fadeout"], 3)
    number = {"init": 0, **{name: i + 1 for i, name in enumerate(order)}}
    entry = rng.choice(["Module_Main", "RunGameModule", "MainLoop_Dispatch", "Game_RunMode"])
    r = f"${ret:04X}"
    bodies = {
        "init": f"""
        .init:
            STZ $11
            STZ $13
            LDA #{hex8(number["fadein"])}
            STA $10
            RTS
        """,
        "fadein": f"""
        .fadeIn:
            LDA $13
            INC A
            STA $13
            CMP #{hex8(fade_to)}
            BCC .return
            LDA #{hex8(number["play"])}
            STA $10
            STZ $11
        .return:
            RTS
        """,
        "fadeout": f"""
        .fadeOut:
            DEC $13
            BNE .return
            LDA {r}
            STA $10
            STZ $11
            RTS
        """,
        "play": f"""
        .play:
            LDA $11
            CMP #$03
            BCS .badSub
            ASL A
            TAX
            JMP (.subs,X)
        .badSub:
            STZ $11
            RTS
        .subs:
            dw .run, .return, .leave
        .run:
            INC $1A
            RTS
        .leave:
            LDA #{hex8(exit_to)}
            STA {r}
            LDA #{hex8(number["fadeout"])}
            STA $10
            STZ $11
            RTS
        """,
    }
    labels = {"init": ".init", "fadein": ".fadeIn", "play": ".play", "fadeout": ".fadeOut"}
    ordered = ["init", *order]
    bodies_text = "".join(asm(bodies[name]) for name in ordered)
    table = ", ".join(labels[name] for name in ordered)
    ref = (
        asm(f"""
        {entry}:
            LDA $10
            CMP #$04
            BCC .valid
            STZ $10
            STZ $11
            RTS
        .valid:
            ASL A
            TAX
            JMP (.modules,X)
        .modules:
            dw {table}
        """)
        + bodies_text
    )
    chain = "".join(
        f"    CMP #{hex8(i)}\n    BNE .not{i}\n    JMP {labels[name]}\n.not{i}:\n"
        for i, name in enumerate(ordered)
    )
    slow_head = f"{entry}:\n    LDA $10\n{chain}    STZ $10\n    STZ $11\n    RTS\n"
    sub_chain = asm("""
        .play:
            LDA $11
            CMP #$00
            BNE .notRun
            JMP .run
        .notRun:
            CMP #$01
            BNE .notPaused
            RTS
        .notPaused:
            CMP #$02
            BNE .badSub
            JMP .leave
        .badSub:
            STZ $11
            RTS
        """)
    play_text = asm(bodies["play"])
    slow_play = sub_chain + play_text[play_text.index(".run:") :]
    slow_bodies = "".join(asm(bodies[name]) if name != "play" else slow_play for name in ordered)
    slow = Draft(
        "compare-chains",
        slow_head + slow_bodies,
        "CMP/BNE/JMP chains test every module and submodule in turn instead of indexed jump tables",
    )
    bugs = (
        Draft(
            "bound-5",
            ref.replace("CMP #$04\n    BCC .valid", "CMP #$05\n    BCC .valid"),
            "off by one: module 4 is not reset but jumps through the word after the table",
        ),
        Draft(
            "no-asl-sub",
            ref.replace("    ASL A\n    TAX\n    JMP (.subs,X)", "    TAX\n    JMP (.subs,X)"),
            "the submodule is not doubled: its jump table of words is read at byte offsets",
        ),
        Draft(
            "fade-bcs",
            ref.replace("BCC .return", "BCS .return", 1),
            "inverted test: the fade-in ends at once and never completes at the target",
        ),
    )
    return Routine(
        kernel="mode_dispatch",
        entry=entry,
        call="jsr",
        summary=(
            "Run one frame of the game-module state machine: dispatch on the module $10 and submodule $11."
        ),
        details=(
            "Modules ($10): values 4-255 are invalid: set $10 and $11 to 0. "
            f"Module 0 (init): set $11 and the brightness $13 to 0 and $10 to {number['fadein']}. "
            f"Module {number['fadein']} (fade in): increment $13; if it is now {hex8(fade_to)} or more, set "
            f"$10 to {number['play']} and $11 to 0. "
            f"Module {number['fadeout']} (fade out): decrement $13 (from 0 it wraps to $FF); if it reached "
            f"0, copy the byte at {_wram(ret)} to $10 and set $11 to 0. "
            f"Module {number['play']} (play) dispatches on $11: values 3-255 set $11 to 0; submodule 0 (run) "
            "increments the frame counter $1A; submodule 1 (paused) does nothing; submodule 2 (leave) stores "
            f"{hex8(exit_to)} at {_wram(ret)}, sets $10 to {number['fadeout']} and $11 to 0. "
            f"Observable: $7E0010, $7E0011, $7E0013, $7E001A and {_wram(ret)}. A and X may be clobbered; "
            "keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # Edge value lists of coprime lengths (8 for $10, 7 for $11, 9 for $13) over the 68 edge
                # cases ($1A's list sets their number): every module meets every submodule and every
                # brightness boundary.
                "$7E0010": byte_range(0, 1, 2, 3, 4),
                "$7E0011": byte_range(0, 1, 2, 3),
                "$7E001A": byte_range(*range(0x40, 0x80)),
                "$7E0013": byte_range(0, 1, 2, fade_to - 2, fade_to - 1, fade_to, 0xFF),
                _wram(ret): byte_range(0, 1, 2, 3, 4),
            },
            outputs=["$7E0010", "$7E0011", "$7E0013", "$7E001A", _wram(ret)],
            preserve=["Y"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("dispatch", r"jump table", r"dispatch", r"\bJMP \("),
            fact("module", r"module", r"\$10\b", r"game mode"),
            fact("submodule", r"submodule", r"sub-?mode", r"\$11\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            "Loads the module $10; 4 or more resets $10 and $11. Otherwise it doubles it and jumps through "
            "the "
            "module jump table with JMP (.modules,X). The init module clears $11 and the brightness $13 and "
            "moves on to fade-in; fade-in increments $13 up to its target and then starts the play module; "
            "fade-out "
            f"decrements $13 and at zero switches to the module saved at {r}. The play module bounds-checks "
            "the submodule $11 and dispatches through a second jump table: run (frame counter $1A), paused "
            f"(nothing) and leave (saves {hex8(exit_to)} at {r} and starts fade-out). "
            "Each handler ends with RTS."
        ),
        false_claims=("It multiplies the module number by two with MUL.",),
        tags=("state-machine", "jump-table", "dispatch", "module"),
        params={"order": ["init", *order], "fade_to": fade_to, "exit_to": exit_to, "ret": ret},
    )


def door_state(rng: random.Random) -> Routine:
    """A key door: closed -> opening -> open (held open while Link stands in it) -> closing, with timers."""
    state, timer, near, keys = rng.choice(
        [
            (0x0690, 0x0691, 0x0692, 0x7EF36F),
            (0x1B80, 0x1B81, 0x1B84, 0x7EF36F),
            (0x0F40, 0x0F48, 0x0F4C, 0x7EF36F),
        ]
    )
    open_t = rng.choice([0x10, 0x18, 0x20])
    hold_t = rng.choice([0x40, 0x60, 0x80])
    close_t = rng.choice([0x08, 0x0C, 0x10])
    sfx = rng.choice([0x14, 0x15, 0x29])
    entry = rng.choice(["Door_Update", "KeyDoor_Run", "Door_StateMachine", "ShutterDoor_Tick"])
    s, t, n = (f"${a:04X}" for a in (state, timer, near))
    k = f"${keys:06X}"
    handlers = asm(f"""
        .closed:
            BIT $F6
            BPL .exit
            LDA {n}
            BEQ .exit
            LDA {k}
            BEQ .exit
            DEC A
            STA {k}
            LDA #{hex8(open_t)}
            STA {t}
            LDA #$01
            STA {s}
            LDA #{hex8(sfx)}
            STA $012F
        .exit:
            RTS
        .opening:
            DEC {t}
            BNE .exit
            LDA #{hex8(hold_t)}
            STA {t}
            LDA #$02
            STA {s}
            RTS
        .open:
            LDA {n}
            BEQ .count
            LDA #{hex8(hold_t)}
            STA {t}
            RTS
        .count:
            DEC {t}
            BNE .exit
            LDA #{hex8(close_t)}
            STA {t}
            LDA #$03
            STA {s}
            RTS
        .closing:
            DEC {t}
            BNE .exit
            STZ {s}
            RTS
        """)
    ref = (
        asm(f"""
        {entry}:
            LDA {s}
            ASL A
            TAX
            JMP (.states,X)
        .states:
            dw .closed, .opening, .open, .closing
        """)
        + handlers
    )
    slow = Draft(
        "compare-chain",
        asm(f"""
        {entry}:
            LDA {s}
            CMP #$00
            BNE .not0
            JMP .closed
        .not0:
            CMP #$01
            BNE .not1
            JMP .opening
        .not1:
            CMP #$02
            BNE .not2
            JMP .open
        .not2:
            JMP .closing
        """)
        + handlers.replace(
            "    BIT $F6\n    BPL .exit\n", "    LDA $F6\n    AND #$80\n    CMP #$80\n    BNE .exit\n"
        ),
        "a CMP/BNE/JMP chain instead of a jump table, and LDA/AND/CMP where BIT tests bit 7",
    )
    bugs = (
        Draft(
            "no-key-check",
            ref.replace(f"    LDA {k}\n    BEQ .exit\n    DEC A\n", f"    LDA {k}\n    DEC A\n"),
            "opens without a key: 0 keys wraps to 255",
        ),
        Draft(
            "no-asl",
            ref.replace("    ASL A\n    TAX\n", "    TAX\n", 1),
            "state not doubled for the word table",
        ),
        Draft(
            "bmi", ref.replace("BPL .exit", "BMI .exit"), "inverted button test: opens when A is not pressed"
        ),
    )
    return Routine(
        kernel="door_state",
        entry=entry,
        call="jsr",
        summary=f"Run one frame of a key door's state machine (state {s}, timer {t}).",
        details=(
            f"{_wram(state)} is the door state (0-3), {_wram(timer)} its timer, {_wram(near)} is nonzero "
            "when Link "
            f"stands at the door, {k} is the key count and bit 7 of $F6 is the A button newly pressed. "
            "State 0 (closed): if A is pressed, Link is at the door and the key count is not 0: take one "
            "key, "
            f"set the timer to {hex8(open_t)}, the state to 1 and write sound effect {hex8(sfx)} to $012F. "
            "State 1 (opening): decrement the timer (0 wraps to $FF); when it reaches 0 set it to "
            f"{hex8(hold_t)} and the state to 2. State 2 (open): while Link is at the door, set the timer to "
            f"{hex8(hold_t)}; "
            f"otherwise decrement it and when it reaches 0 set it to {hex8(close_t)} and the state to 3. "
            "State 3 (closing): decrement the timer; when it reaches 0 set the state to 0. "
            f"Observable: {_wram(state)}, {_wram(timer)}, {k} and $7E012F. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # Edge case k (of 20) gets state k%4, $F6 entry k%7, timer and near entries k%5 (1 and 0
                # both last, so the door is left when its timer runs out), keys entry k (0 only at k=0):
                # every state meets a timer of 1, and state 0 meets "A, at the door, no key" (k=0),
                # "A, not at the door" (k=4) and "A, at the door, keys" (k=8, 16).
                "$7E00F6": byte_range(0x80, 0x90, 0xA0),
                _wram(state): span(0, 3, 0, 1, 2, 3),
                _wram(timer): byte_range(0x7F, 0x80),
                _wram(near): byte_range(0x01, 0x7F, 0x80, 0xFF),
                k: byte_range(*range(17)),
            },
            outputs=[_wram(state), _wram(timer), k, _wram(_SFX)],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("state", r"state machine", r"\bstates?\b", r"jump table"),
            fact("timer", r"timer", rf"{t}", r"count(s|ing)? down"),
            fact("key", r"\bkeys?\b", rf"{k}"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Doubles the state {s} and jumps through a table of four handlers. Closed: BIT $F6 tests the A "
            "button "
            f"(bit 7); with Link at the door ({n} nonzero) and a key in {k}, it uses the key, arms the "
            f"timer {t} "
            f"with {hex8(open_t)}, moves to state 1 and plays sound {hex8(sfx)}. Opening and closing count "
            "the timer "
            f"down with DEC and change state at zero (opening to open with {hex8(hold_t)} frames, closing "
            "to closed). "
            f"Open keeps reloading {hex8(hold_t)} while Link stands in the door, otherwise counts down and "
            f"moves to closing with {hex8(close_t)} frames. RTS."
        ),
        false_claims=("The state is doubled with MUL before the jump.",),
        tags=("state-machine", "jump-table", "timers", "door", "long"),
        params={"open": open_t, "hold": hold_t, "close": close_t, "sfx": sfx},
    )


KERNELS = {
    "menu_cursor_wrap": menu_cursor_wrap,
    "menu_cursor_skip": menu_cursor_skip,
    "grid_cursor": grid_cursor,
    "joypad_repeat": joypad_repeat,
    "rng_galois16": rng_galois16,
    "rng_xorshift16": rng_xorshift16,
    "random_range_mul": random_range_mul,
    "random_reject": random_reject,
    "bcd_score_add": bcd_score_add,
    "link_damage": link_damage,
    "magic_spend": magic_spend,
    "arrows_add": arrows_add,
    "countdown_clock": countdown_clock,
    "mode_dispatch": mode_dispatch,
    "door_state": door_state,
}
