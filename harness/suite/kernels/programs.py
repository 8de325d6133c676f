"""Program kernels: routines written together with their helpers, loops whose length is a count in
memory, and hard-tier routines (30-120 instructions) that combine several ideas.

Multi-routine tasks (`helpers=(...)`) ask for an entry and the helper(s) it calls, as real game code is
organised: a sprite mover that calls one axis routine twice, a text drawer and its put-character
routine, a queue's push and pop, a particle loop and its swap-remove. Each helper keeps the register
its caller loops with; that contract is stated in the prompt and the spec sees it through the caller.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = [
    "KERNELS",
    "binary_search_level",
    "draw_text",
    "insertion_sort_keys",
    "particle_update",
    "queue_pump",
    "sprite_move_xy",
    "sprite_update_full",
]


def sprite_move_xy(rng: random.Random) -> Routine:
    """A sprite mover calling one axis helper twice: X = slot for Y, slot + 16 for X (the tables of
    the X axis sit 16 bytes after those of the Y axis). 4.4 speeds into 8.8 positions. Hard tier."""
    entry = rng.choice(["Sprite_Move", "Sprite_ApplySpeed", "Enemy_MoveXY", "Actor_Move"])
    helper = rng.choice(["MoveAxis", "Sprite_MoveAxis", "ApplyAxisSpeed", "Axis_Step"])
    call = rng.choice(["jsr", "jsl"])
    ret = "RTS" if call == "jsr" else "RTL"
    ref = asm(f"""
        {entry}:
            JSR {helper}
            TXA
            CLC
            ADC #$10
            TAX
            JSR {helper}
            TXA
            SEC
            SBC #$10
            TAX
            {ret}
        {helper}:
            LDA $0D40,X
            ASL A
            ASL A
            ASL A
            ASL A
            CLC
            ADC $0D60,X
            STA $0D60,X
            PHP
            LDY #$00
            LDA $0D40,X
            LSR A
            LSR A
            LSR A
            LSR A
            CMP #$08
            BCC .positive
            ORA #$F8
            DEY
        .positive:
            PLP
            ADC $0D00,X
            STA $0D00,X
            TYA
            ADC $0D20,X
            STA $0D20,X
            RTS
        """)
    slow_helper = asm(f"""
        {helper}:
            LDA $0D40,X
            ASL A
            ASL A
            ASL A
            ASL A
            CLC
            ADC $0D60,X
            STA $0D60,X
            LDA #$00
            ROL A
            STA $00
            LDA $0D40,X
            CMP #$80
            ROR A
            CMP #$80
            ROR A
            CMP #$80
            ROR A
            CMP #$80
            ROR A
            STA $01
            LDA $0D00,X
            CLC
            ADC $01
            STA $0D00,X
            LDA $0D20,X
            ADC #$00
            BIT $01
            BPL +
            DEC A
        +   STA $0D20,X
            LDA $0D00,X
            CLC
            ADC $00
            STA $0D00,X
            LDA $0D20,X
            ADC #$00
            STA $0D20,X
            RTS
        """)
    main = ref[: ref.index(f"{helper}:")]
    slow = Draft(
        "two-step-add",
        main + slow_helper,
        "adds the whole pixels and the subpixel carry to the position in two separate 16-bit adds and "
        "shifts arithmetically with CMP/ROR",
    )
    bugs = (
        Draft(
            "helper-uses-x",
            ref.replace("    LDY #$00\n", "    LDX #$00\n")
            .replace("    DEY\n", "    DEX\n")
            .replace("    TYA\n", "    TXA\n"),
            "the helper builds the high byte in X, the index its caller and its own stores rely on",
        ),
        Draft(
            "no-php",
            ref.replace("    PHP\n", "").replace("    PLP\n", ""),
            "the subpixel carry is lost: CMP #$08 replaced it",
        ),
        Draft(
            "no-restore",
            ref.replace("    TXA\n    SEC\n    SBC #$10\n    TAX\n", ""),
            "returns with X = slot + 16",
        ),
    )
    return Routine(
        kernel="sprite_move_xy",
        entry=entry,
        call=call,
        summary=f"Move sprite X along both axes with `{entry}` and its helper `{helper}` (write both).",
        details=(
            "Sprite tables (one byte per slot, 16 slots): Y axis: position low $0D00,X, high $0D20,X, speed "
            "$0D40,X, subpixel $0D60,X; X axis: the same 16 bytes later ($0D10, $0D30, $0D50, $0D70). "
            f"Write the helper `{helper}` (called with JSR, returns with RTS) that moves one axis for index "
            "X: the speed is a signed byte in 1/16 pixels; add its low nibble times 16 to the subpixel "
            "byte, then add the whole part (speed shifted right 4 times arithmetically, -8..7, sign-extended "
            "to 16 bits) plus the subpixel carry to the 16-bit position (high:low). The helper may change "
            f"A and Y but must keep X. `{entry}` moves the Y axis (X = slot) and then the X axis "
            f"(X = slot + 16) with the helper, and returns with X = the slot again. Both routines are part "
            f"of the answer. X (slot) is 0-15; m=1, x=1. Observable: $7E0D00-$7E0D3F and $7E0D60-$7E0D7F. "
            "Keep X; A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 15, 0, 15),
                "$7E0D00..$7E0D3F": byte_range(0, 0xFF),
                "$7E0D40..$7E0D5F": byte_range(0x00, 0x07, 0x08, 0x7F, 0x80, 0xF8, 0xFF),
                "$7E0D60..$7E0D7F": byte_range(0x00, 0xF0, 0xFF),
            },
            outputs=["$7E0D00..$7E0D3F", "$7E0D60..$7E0D7F"],
            preserve=["X"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("helper", r"helper", r"subroutine", rf"\b{helper}\b", r"twice"),
            fact("axis", r"axis", r"\+ ?\$?10", r"16 bytes", r"both"),
            fact("subpixel", r"sub.?pixel", r"fraction", r"carry"),
        ),
        forbid=(*COMMON_FORBID, r"may use X as scratch"),
        explanation=(
            f"{entry} calls {helper} with X = slot (Y axis), adds $10 to X to reach the X-axis tables and "
            f"calls it again, then subtracts $10. {helper} adds speed*16 to the subpixel (PHP keeps the "
            "carry), builds the whole part with four LSRs and a sign fill (ORA #$F8, Y = $FF as the high "
            "byte) and adds whole + carry to the 16-bit position. It only uses A and Y, so X survives."
        ),
        false_claims=("The helper may use X as scratch because the caller reloads it.",),
        tags=("multi-routine", "sprites", "subpixel", "16-bit-position", "hard"),
        params={"helper": helper, "call": call},
        helpers=(helper,),
    )


def draw_text(rng: random.Random) -> Routine:
    """A text drawer looping over a counted string and a put-character helper that keeps Y."""
    text, length, cursor, color, buf = rng.choice(
        [
            (0x1700, 0x1720, 0x1722, 0x1724, 0x1800),
            (0x0E80, 0x0EA0, 0x0EA2, 0x0EA4, 0x1000),
            (0x1B00, 0x1B20, 0x1B22, 0x1B24, 0x1C00),
        ]
    )
    tile_base = rng.choice([0x20, 0x40, 0x60, 0x80])
    max_len = rng.choice([16, 20, 24])
    entry = rng.choice(["DrawText", "Text_Print", "Dialog_DrawLine", "Hud_PrintString"])
    helper = rng.choice(["PutChar", "Text_PutTile", "EmitGlyph", "Dialog_Put"])
    ref = asm(f"""
        {entry}:
            LDX ${length:04X}
            BEQ .done
            LDY #$0000
        .next:
            LDA ${text:04X},Y
            JSR {helper}
            INY
            DEX
            BNE .next
        .done:
            RTS
        {helper}:
            PHY
            LDY ${cursor:04X}
            CLC
            ADC #{hex8(tile_base)}
            STA ${buf:04X},Y
            LDA ${color:04X}
            STA ${buf + 1:04X},Y
            INY
            INY
            STY ${cursor:04X}
            PLY
            RTS
        """)
    slow = Draft(
        "memory-cursor",
        ref[: ref.index(f"{helper}:")]
        + asm(f"""
        {helper}:
            PHY
            LDY ${cursor:04X}
            CLC
            ADC #{hex8(tile_base)}
            STA ${buf:04X},Y
            LDA ${color:04X}
            STA ${buf + 1:04X},Y
            REP #$20
            INC ${cursor:04X}
            INC ${cursor:04X}
            SEP #$20
            PLY
            RTS
        """),
        "advances the cursor with two 16-bit INCs in memory (and REP/SEP) instead of INY/INY/STY",
    )
    bugs = (
        Draft(
            "no-phy",
            ref.replace("    PHY\n", "").replace("    PLY\n", ""),
            "the helper leaves Y = the cursor: the caller's string index is lost",
        ),
        Draft(
            "no-zero-check",
            ref.replace("    BEQ .done\n", ""),
            "an empty string is not caught: DEX wraps to $FFFF and the loop runs 65536 times",
        ),
        Draft(
            "no-clc",
            ref.replace("    CLC\n", ""),
            "the carry left by the previous character is added to the tile number",
        ),
    )
    last = buf + 0x40 + 2 * max_len + 1
    return Routine(
        kernel="draw_text",
        entry=entry,
        call="jsr",
        summary=f"Draw the counted string at ${text:04X} with `{entry}`, one tile per character through `{helper}`.",
        details=(
            f"Mode m=1 (8-bit A), x=0 (16-bit X/Y). The string is bytes at $7E{text:04X}.. and its length is "
            f"the word $7E{length:04X} (0-{max_len}). `{entry}` calls the helper `{helper}` (JSR/RTS; write "
            "both) once per character, in order, with A = the character. The helper writes the tile "
            f"(character + {hex8(tile_base)}, 8-bit wrap) at $7E{buf:04X} + cursor and the colour byte from "
            f"$7E{color:04X} at the next byte, then adds 2 to the cursor (the word $7E{cursor:04X}, 0-$0040, a "
            "byte offset into the buffer). The helper must keep X and Y (the caller's count and index). "
            f"Observable: $7E{buf:04X}-$7E{last:04X} and the word $7E{cursor:04X}. A, X, Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=0,
            inputs={
                f"$7E{text:04X}..$7E{text + max_len - 1:04X}": byte_range(0x00, 0xFF),
                f"$7E{length:04X}:w": span(0, max_len, 0, 1, max_len),
                f"$7E{cursor:04X}:w": span(0, 0x40, 0, 1, 0x3F, 0x40),
                f"$7E{color:04X}": byte_range(0x00, 0xFF),
            },
            outputs=[f"$7E{buf:04X}..$7E{last:04X}", f"$7E{cursor:04X}:w"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("helper", r"helper", rf"\b{helper}\b", r"subroutine"),
            fact("loop", r"loop", r"each character", r"length", r"count"),
            fact("keep-y", r"\bPHY\b", r"keeps? Y", r"preserv", r"index"),
        ),
        forbid=(*COMMON_FORBID, r"may leave Y changed"),
        explanation=(
            f"{entry} counts the length word down in X (nothing for 0) while Y walks the string, calling "
            f"{helper} with each character. {helper} saves Y (PHY), loads the cursor into Y, stores character + "
            f"{hex8(tile_base)} and the colour byte at the cursor, advances the cursor by 2 and restores Y "
            "so the caller's loop continues. RTS."
        ),
        false_claims=("The helper may leave Y changed because the caller reloads it from the string.",),
        tags=("multi-routine", "text", "loop", "variable-length", "16-bit-index"),
        params={"helper": helper, "max_len": max_len, "tile_base": tile_base},
        helpers=(helper,),
    )


def insertion_sort_keys(rng: random.Random) -> Routine:
    """Stable insertion sort of 16-bit keys with a parallel byte array, width switches inside the
    loop, count in memory. Hard tier."""
    keys, ids, count = rng.choice(
        [(0x1A00, 0x1A20, 0x1A30), (0x0C00, 0x0C20, 0x0C30), (0x1E40, 0x1E60, 0x1E70)]
    )
    most = rng.choice([8, 10, 12])
    entry = rng.choice(["SortByDepth", "Sort_DrawOrder", "InsertionSort16", "OrderObjects"])
    ref = asm(f"""
        {entry}:
            LDX #$00
        .outer:
            INX
            CPX ${count:04X}
            BCS .done
            PHX
            LDA ${ids:04X},X
            STA $02
            TXA
            ASL A
            TAY
            REP #$20
            LDA ${keys:04X},Y
            STA $00
        .inner:
            DEX
            BMI .place
            REP #$20
            LDA ${keys - 2:04X},Y
            CMP $00
            BCC .stop
            BEQ .stop
            STA ${keys:04X},Y
            SEP #$20
            LDA ${ids:04X},X
            STA ${ids + 1:04X},X
            DEY
            DEY
            BRA .inner
        .stop:
            SEP #$20
        .place:
            INX
            LDA $02
            STA ${ids:04X},X
            REP #$20
            LDA $00
            STA ${keys:04X},Y
            SEP #$20
            PLX
            BRA .outer
        .done:
            RTS
        """)
    slow = Draft(
        "bubble-sort",
        asm(f"""
        {entry}:
        .pass:
            STZ $06
            LDX #$01
            LDY #$02
        .pair:
            CPX ${count:04X}
            BCS .end
            REP #$20
            LDA ${keys - 2:04X},Y
            CMP ${keys:04X},Y
            BEQ .keep
            BCC .keep
            STA $00
            LDA ${keys:04X},Y
            STA ${keys - 2:04X},Y
            LDA $00
            STA ${keys:04X},Y
            SEP #$20
            LDA ${ids - 1:04X},X
            STA $02
            LDA ${ids:04X},X
            STA ${ids - 1:04X},X
            LDA $02
            STA ${ids:04X},X
            INC $06
        .keep:
            SEP #$20
            INX
            INY
            INY
            BRA .pair
        .end:
            LDA $06
            BNE .pass
            RTS
        """),
        "bubble sort: repeated passes swapping neighbours until a pass swaps nothing",
    )
    bugs = (
        Draft(
            "unstable",
            ref.replace("    BCC .stop\n    BEQ .stop\n", "    BCC .stop\n"),
            "equal keys are shifted past each other: the sort is not stable",
        ),
        Draft(
            "descending",
            ref.replace("    BCC .stop\n    BEQ .stop\n", "    BCS .stop\n"),
            "stops at larger keys: sorts the wrong way",
        ),
        Draft(
            "width",
            ref.replace(".stop:\n    SEP #$20\n.place:\n", ".stop:\n.place:\n"),
            "leaves the inner loop in 16-bit mode: the id store writes two bytes",
        ),
    )
    return Routine(
        kernel="insertion_sort_keys",
        entry=entry,
        call="jsr",
        summary=f"Sort the first n records (n in ${count:04X}) by their 16-bit keys, stably (insertion sort).",
        details=(
            f"Record i (0 <= i < n) has a 16-bit key at $7E{keys:04X} + 2i (little-endian) and an id byte "
            f"at $7E{ids:04X} + i. n is the byte $7E{count:04X} (0-{most}); each key is 0-$003F. Sort the n "
            "records in ascending key order, moving each id with its key; records with equal keys keep "
            "their order (stable). Records from n on are not touched. Mode m=1, x=1. Scratch $00-$0F is "
            f"free. Observable: $7E{keys:04X}-$7E{keys + 2 * most - 1:04X} and "
            f"$7E{ids:04X}-$7E{ids + most - 1:04X}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                f"$7E{count:04X}": span(0, most, 0, 1, 2, most),
                # a narrow key range makes equal keys (what stability is about) common in every case plan
                **{f"$7E{keys + 2 * i:04X}:w": span(0, 0x003F, 0, 0x003F) for i in range(most)},
                f"$7E{ids:04X}..$7E{ids + most - 1:04X}": byte_range(0, 0xFF),
            },
            outputs=[
                f"$7E{keys:04X}..$7E{keys + 2 * most - 1:04X}",
                f"$7E{ids:04X}..$7E{ids + most - 1:04X}",
            ],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("sort", r"\bsort", r"insertion", r"ascending", r"order"),
            fact("stable", r"stable", r"equal keys", r"keep their order"),
            fact("width", r"16-bit", r"\bREP\b", r"\bSEP\b", r"word"),
        ),
        forbid=(*COMMON_FORBID, r"is a bubble sort"),
        explanation=(
            "Insertion sort: for i = 1..n-1 (kept on the stack) it takes record i (id to $02, key to $00 in "
            "16-bit mode) and walks down with X = j - 1 and Y = 2j, moving each record whose key is greater "
            "one place up, until X goes negative or a key is not greater (equal keys stop it, which keeps "
            "the sort stable). The saved record goes into the gap; widths switch with REP/SEP around the "
            "word keys and byte ids."
        ),
        false_claims=("It is a bubble sort that swaps neighbours.",),
        tags=("sort", "loop", "variable-length", "rep-sep", "16-bit", "hard"),
        params={"keys": keys, "ids": ids, "count": count, "most": most},
    )


def binary_search_level(rng: random.Random) -> Routine:
    """Binary search over a sorted word table in ROM: the level for an experience value and the
    points still needed for the next one. Hard tier."""
    n = rng.choice([12, 16, 20, 24])
    level, need = rng.choice([(0x0F80, 0x0F82), (0x1D00, 0x1D02), (0x0B40, 0x0B42)])
    entry = rng.choice(["ExpToLevel", "Stats_FindLevel", "LevelForPoints", "XP_Lookup"])
    steps = sorted(rng.sample(range(1, 0x1000), n))
    table = []
    total = 0
    for step in steps:
        total += step
        table.append(total)
    table = [v for v in table if v <= 0xFFFF][:n]
    n = len(table)
    rows = "\n".join(f"    dw {', '.join(hex16(v) for v in table[i : i + 8])}" for i in range(0, n, 8))
    ref = (
        asm(f"""
        {entry}:
            STA $00
            STZ $02
            LDA #{hex16(n)}
            STA $04
        .loop:
            LDA $02
            CMP $04
            BCS .found
            ADC $04
            LSR A
            STA $06
            ASL A
            TAX
            LDA $00
            CMP .thresholds,X
            BCC .lower
            LDA $06
            INC A
            STA $02
            BRA .loop
        .lower:
            LDA $06
            STA $04
            BRA .loop
        .found:
            STA ${level:04X}
            CMP #{hex16(n)}
            BCS .max
            ASL A
            TAX
            LDA .thresholds,X
            SEC
            SBC $00
            STA ${need:04X}
            RTS
        .max:
            STZ ${need:04X}
            RTS
        .thresholds:
        """)
        + rows
        + "\n"
    )
    tail = ref[ref.index(".found:") :]
    slow = Draft(
        "linear-scan",
        asm(f"""
        {entry}:
            STA $00
            LDX #$0000
        .scan:
            CPX #{hex16(2 * n)}
            BCS .stop
            LDA $00
            CMP .thresholds,X
            BCC .stop
            INX
            INX
            BRA .scan
        .stop:
            TXA
            LSR A
        """)
        + tail,
        "scans the table from the start instead of halving the range",
    )
    bugs = (
        Draft(
            "strict",
            ref.replace("    BCC .lower\n", "    BCC .lower\n    BEQ .lower\n"),
            "counts thresholds below the points, not up to them: an exact threshold is one level short",
        ),
        Draft(
            "n-minus-one",
            ref.replace(f"LDA #{hex16(n)}", f"LDA #{hex16(n - 1)}"),
            "the last threshold is never considered",
        ),
        Draft("no-sec", ref.replace("    SEC\n", ""), "the points needed are one off when carry was clear"),
    )
    edges = sorted({0, 1, 0xFFFF, *(v + d for v in table for d in (-1, 0, 1) if 0 <= v + d <= 0xFFFF)})
    return Routine(
        kernel="binary_search_level",
        entry=entry,
        call="jsr",
        summary=(
            f"Binary-search the {n} experience thresholds for the level of the points in A and the points "
            "still needed."
        ),
        details=(
            f"A (16-bit, m=0; x=0) holds experience points 0-65535. The level is the number of thresholds "
            f"<= the points (0-{n}), with these {n} ascending thresholds (keep them as a table in the "
            f"routine, label `.thresholds`): [{', '.join(str(v) for v in table)}]. Store the level as a word "
            f"at $7E{level:04X} and the points still needed to reach the next threshold (next - points) "
            f"as a word at $7E{need:04X}, or 0 at the top level. Use a binary search over the table. DBR is "
            f"$00 (the routine's bank). Observable: the words $7E{level:04X} and $7E{need:04X}. A, X, Y may "
            "be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={"A": word_range(*edges)},
            outputs=[f"$7E{level:04X}:w", f"$7E{need:04X}:w"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("binary", r"binary search", r"halv", r"bisect", r"middle", r"\bmid"),
            fact("table", r"table", r"threshold"),
            fact("need", r"next", r"needed", r"remaining", r"subtract"),
        ),
        forbid=(*COMMON_FORBID, r"scans every threshold"),
        explanation=(
            "Keeps lo and hi (0 and n) in scratch; while lo < hi it takes mid = (lo + hi) / 2 (no CLC: the "
            "failed lo >= hi test left carry clear) and compares "
            "the points with thresholds[mid]: not below it means lo = mid + 1, below it means hi = mid. lo "
            f"is then the level, stored at ${level:04X}; if it is below n the next threshold minus the "
            f"points goes to ${need:04X}, else 0. RTS."
        ),
        false_claims=("It scans every threshold from the first.",),
        tags=("binary-search", "table", "16-bit", "loop", "hard"),
        params={"table": table, "level": level, "need": need},
    )


def queue_pump(rng: random.Random) -> Routine:
    """A ring-buffer queue: push each pending byte (count in memory), then pop one; push and pop are
    helpers that keep X and report full/empty in the carry. Hard tier."""
    size = rng.choice([8, 16, 32])
    mask = size - 1
    q, head, tail, out, dropped, n, pending = rng.choice(
        [
            (0x1F00, 0x1F40, 0x1F41, 0x1F42, 0x1F43, 0x1F44, 0x1F48),
            (0x0A00, 0x0A40, 0x0A41, 0x0A42, 0x0A43, 0x0A44, 0x0A48),
            (0x1380, 0x13C0, 0x13C1, 0x13C2, 0x13C3, 0x13C4, 0x13C8),
        ]
    )
    entry = rng.choice(["Sfx_QueueStep", "Events_Pump", "Queue_Service", "Audio_Feed"])
    push = rng.choice(["Queue_Push", "Enqueue", "Ring_Put"])
    pop = rng.choice(["Queue_Pop", "Dequeue", "Ring_Get"])
    most = 6
    main = asm(f"""
        {entry}:
            LDX #$00
        .push:
            CPX ${n:04X}
            BCS .pop
            LDA ${pending:04X},X
            JSR {push}
            BCS .stored
            INC ${dropped:04X}
        .stored:
            INX
            BRA .push
        .pop:
            JSR {pop}
            BCC .empty
            STA ${out:04X}
        .empty:
            RTS
        """)
    helpers_src = asm(f"""
        {push}:
            STA $00
            LDA ${tail:04X}
            INC A
            AND #{hex8(mask)}
            CMP ${head:04X}
            BEQ .full
            LDY ${tail:04X}
            STA ${tail:04X}
            LDA $00
            STA ${q:04X},Y
            SEC
            RTS
        .full:
            CLC
            RTS
        {pop}:
            LDY ${head:04X}
            CPY ${tail:04X}
            BEQ .empty
            LDA ${q:04X},Y
            STA $00
            INY
            TYA
            AND #{hex8(mask)}
            STA ${head:04X}
            LDA $00
            SEC
            RTS
        .empty:
            CLC
            RTS
        """)
    ref = main + helpers_src
    slow_helpers = asm(f"""
        {push}:
            PHX
            PHY
            STA $00
            LDA ${tail:04X}
            SEC
            SBC ${head:04X}
            AND #{hex8(mask)}
            CMP #{hex8(mask)}
            BEQ .full
            LDY ${tail:04X}
            LDA $00
            STA ${q:04X},Y
            LDA ${tail:04X}
            INC A
            AND #{hex8(mask)}
            STA ${tail:04X}
            PLY
            PLX
            SEC
            RTS
        .full:
            PLY
            PLX
            CLC
            RTS
        {pop}:
            PHX
            LDA ${tail:04X}
            SEC
            SBC ${head:04X}
            AND #{hex8(mask)}
            BEQ .empty
            LDY ${head:04X}
            LDA ${q:04X},Y
            STA $00
            LDA ${head:04X}
            INC A
            AND #{hex8(mask)}
            STA ${head:04X}
            LDA $00
            PLX
            SEC
            RTS
        .empty:
            PLX
            CLC
            RTS
        """)
    slow = Draft(
        "count-by-difference",
        main + slow_helpers,
        "computes the fill level (tail - head) on every call and saves registers it does not change",
    )
    bugs = (
        Draft(
            "no-wrap",
            ref.replace(f"    INC A\n    AND #{hex8(mask)}\n    CMP", "    INC A\n    CMP"),
            "the tail never wraps: pushes run past the end of the buffer",
        ),
        Draft(
            "helper-uses-x",
            ref.replace(
                f"    LDY ${tail:04X}\n    STA ${tail:04X}\n    LDA $00\n    STA ${q:04X},Y\n",
                f"    LDX ${tail:04X}\n    STA ${tail:04X}\n    LDA $00\n    STA ${q:04X},X\n",
            ),
            "push indexes with X: the caller's loop counter is overwritten",
        ),
        Draft(
            "full-carry",
            ref.replace(".full:\n    CLC\n    RTS\n", ".full:\n    RTS\n"),
            "a full queue returns with carry set (from the equal CMP): drops are not counted",
        ),
    )
    return Routine(
        kernel="queue_pump",
        entry=entry,
        call="jsr",
        summary=f"Push the pending bytes into a {size}-byte ring buffer and pop one, with helpers `{push}` and `{pop}`.",
        details=(
            f"A ring buffer of {size} bytes at $7E{q:04X}: head index $7E{head:04X} (next to read) and tail "
            f"index $7E{tail:04X} (next to write), both 0-{size - 1}; empty when head = tail, full when "
            f"tail + 1 (mod {size}) = head (so it holds at most {size - 1}). Write three routines (JSR/RTS): "
            f"`{push}` stores A at the tail and advances it, returning carry set, or returns carry clear "
            f"when full (nothing stored); `{pop}` returns the byte at the head in A and advances it with "
            f"carry set, or carry clear when empty. Both may change A and Y but must keep X. `{entry}` "
            f"pushes the n bytes at $7E{pending:04X}.. in order (n = the byte $7E{n:04X}, 0-{most}), "
            f"counting each refused push in $7E{dropped:04X} (8-bit, wraps), then pops one byte and, if "
            f"there was one, stores it at $7E{out:04X}. m=1, x=1. Observable: $7E{q:04X}-$7E{q + size - 1:04X}, "
            f"$7E{head:04X}, $7E{tail:04X}, $7E{out:04X}, $7E{dropped:04X}. A, X, Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                f"$7E{head:04X}": span(0, mask, 0, 1, mask),
                f"$7E{tail:04X}": span(0, mask, 0, mask - 1, mask),
                f"$7E{n:04X}": span(0, most, 0, 1, most),
                f"$7E{pending:04X}..$7E{pending + most - 1:04X}": byte_range(0, 0xFF),
                f"$7E{q:04X}..$7E{q + size - 1:04X}": byte_range(0, 0xFF),
                f"$7E{out:04X}": byte_range(0, 0xFF),
                f"$7E{dropped:04X}": byte_range(0, 0xFF),
            },
            outputs=[
                f"$7E{q:04X}..$7E{q + size - 1:04X}",
                f"$7E{head:04X}",
                f"$7E{tail:04X}",
                f"$7E{out:04X}",
                f"$7E{dropped:04X}",
            ],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("ring", r"ring", r"circular", r"wrap", r"queue"),
            fact("full-empty", r"full", r"empty", r"carry"),
            fact("helpers", rf"\b{push}\b", rf"\b{pop}\b", r"helper", r"push", r"pop"),
        ),
        forbid=(*COMMON_FORBID, r"hold all of its bytes"),
        explanation=(
            f"{entry} loops X over the pending bytes, calling {push} for each and counting refusals, then "
            f"calls {pop} once and stores the byte if there was one. {push} computes tail + 1 AND "
            f"{hex8(mask)}; equal to head means full (carry clear), else it stores at the old tail (indexed "
            f"with Y) and saves the new tail. {pop} compares head with tail (equal: empty), reads at the "
            "head and advances it with the same mask. Neither touches X."
        ),
        false_claims=("The queue can hold all of its bytes at once.",),
        tags=("multi-routine", "ring-buffer", "queue", "loop", "variable-length", "hard"),
        params={"size": size, "push": push, "pop": pop},
        helpers=(push, pop),
    )


def sprite_update_full(rng: random.Random) -> Routine:
    """An enemy's whole frame: timers, a state machine (idle/walk/hurt/dying), 16-bit movement with
    a signed speed, room bounds with a bounce, and facing the player. Hard tier."""
    walk_time = rng.choice([0x20, 0x30, 0x40, 0x60])
    idle_time = rng.choice([0x10, 0x18, 0x28])
    death_time = rng.choice([0x0C, 0x14, 0x1F])
    speed = rng.choice([1, 2, 3])
    left, right = rng.choice([(0x1FA0, 0x1FA2), (0x0F60, 0x0F62), (0x1C80, 0x1C82)])
    entry = rng.choice(["Enemy_Main", "Soldier_Update", "Sprite_Tick", "Walker_Frame"])
    ref = asm(f"""
        {entry}:
            LDA $0DD0,X
            BEQ .done
            LDA $0DF0,X
            BEQ .state
            DEC $0DF0,X
        .state:
            LDA $0DD0,X
            DEC A
            BEQ .idle
            DEC A
            BEQ .walk
            DEC A
            BEQ .hurt
            LDA $0DF0,X
            BNE .done
            STZ $0DD0,X
        .done:
            RTS
        .idle:
            LDA $0DF0,X
            BNE .done
            LDA #$02
            STA $0DD0,X
            LDA #{hex8(walk_time)}
            STA $0DF0,X
            LDA $0D10,X
            STA $00
            LDA $0D30,X
            STA $01
            REP #$20
            LDA $22
            CMP $00
            SEP #$20
            BCC .face_left
            STZ $0DE0,X
            LDA #{hex8(speed)}
            STA $0D50,X
            RTS
        .face_left:
            LDA #$01
            STA $0DE0,X
            LDA #{hex8(-speed)}
            STA $0D50,X
            RTS
        .hurt:
            LDA $0DF0,X
            BNE .done
            LDA $0E50,X
            BNE .recover
            LDA #$04
            STA $0DD0,X
            LDA #{hex8(death_time)}
            STA $0DF0,X
            RTS
        .recover:
            LDA #$01
            STA $0DD0,X
            LDA #{hex8(idle_time)}
            STA $0DF0,X
            RTS
        .walk:
            LDA $0DF0,X
            BNE .move
            LDA #$01
            STA $0DD0,X
            LDA #{hex8(idle_time)}
            STA $0DF0,X
            STZ $0D50,X
            RTS
        .move:
            LDA $0D10,X
            CLC
            ADC $0D50,X
            STA $0D10,X
            STA $00
            LDA $0D50,X
            BMI .back
            LDA $0D30,X
            ADC #$00
            BRA .high
        .back:
            LDA $0D30,X
            ADC #$FF
        .high:
            STA $0D30,X
            STA $01
            REP #$20
            LDA $00
            CMP ${left:04X}
            BCC .hit_left
            CMP ${right:04X}
            BEQ .inside
            BCS .hit_right
        .inside:
            SEP #$20
            RTS
        .hit_left:
            LDA ${left:04X}
            BRA .bounce
        .hit_right:
            LDA ${right:04X}
        .bounce:
            SEP #$20
            STA $0D10,X
            XBA
            STA $0D30,X
            LDA $0D50,X
            EOR #$FF
            INC A
            STA $0D50,X
            LDA $0DE0,X
            EOR #$01
            STA $0DE0,X
            RTS
        """)
    slow_head = asm(f"""
        {entry}:
            LDA $0DD0,X
            BNE +
            RTS
        +   LDA $0DF0,X
            BEQ +
            SEC
            SBC #$01
            STA $0DF0,X
        +   LDA $0DD0,X
            CMP #$01
            BEQ .idle
            LDA $0DD0,X
            CMP #$02
            BEQ .walk
            LDA $0DD0,X
            CMP #$03
            BEQ .hurt
            LDA $0DF0,X
            BNE .done
            STZ $0DD0,X
        .done:
            RTS
        """)
    slow = Draft(
        "compare-dispatch",
        slow_head + ref[ref.index(".idle:") :],
        "reloads the state and compares it with each number, and decrements the timer with LDA/SBC/STA",
    )
    bugs = (
        Draft(
            "unsigned-speed",
            ref.replace("    LDA $0D30,X\n    ADC #$FF\n", "    LDA $0D30,X\n    ADC #$00\n"),
            "a negative speed does not borrow from the high byte: walking left jumps 256 pixels",
        ),
        Draft(
            "bounds-8bit",
            ref.replace(
                f"    REP #$20\n    LDA $00\n    CMP ${left:04X}\n", f"    LDA $00\n    CMP ${left:04X}\n"
            ).replace(".inside:\n    SEP #$20\n    RTS\n", ".inside:\n    RTS\n"),
            "compares only the low bytes of the position with the bounds",
        ),
        Draft(
            "bounce-ones",
            ref.replace("    EOR #$FF\n    INC A\n", "    EOR #$FF\n"),
            "EOR alone: the reversed speed is one too small",
        ),
    )
    states = span(0, 4, 0, 1, 2, 3, 4)
    return Routine(
        kernel="sprite_update_full",
        entry=entry,
        call="jsr",
        summary=f"Run one frame of a walking enemy (timers, state machine, movement, bounds) in `{entry}`.",
        details=(
            "X = sprite slot (0-15), m=1, x=1. Tables (byte per slot): state $0DD0,X (0-4), timer $0DF0,X (0-7), "
            "x position low $0D10,X and high $0D30,X (a 16-bit x, high byte 0-2), speed $0D50,X (signed "
            "pixels per frame), facing $0DE0,X, HP $0E50,X. Link's x is the word $22 (0-$02FF). The room bounds are "
            f"the words ${left:04X} (left, $0010-$0080) and ${right:04X} (right, $0180-$01F0). One frame: "
            "state 0 does nothing at all. Otherwise the timer, if nonzero, is decremented first; then by "
            "state: 1 idle: when the timer is 0, become 2 with timer "
            f"{hex8(walk_time)} and face Link: if his x >= the sprite's x (unsigned), facing 0 and speed "
            f"+{speed}, else facing 1 and speed -{speed}. 2 walk: when the timer is 0 become 1 with timer "
            f"{hex8(idle_time)} and speed 0; otherwise add the speed (sign-extended) to the 16-bit x; if x "
            "is then below the left bound or above the right bound, set x to that bound, negate the speed "
            "and flip bit 0 of the facing byte. 3 hurt: when the timer is 0 become 4 with timer "
            f"{hex8(death_time)} if HP is 0, else 1 with timer {hex8(idle_time)}. 4 dying: when the timer is "
            "0 become 0. Observable: $7E0DD0-$7E0DDF, $7E0DF0-$7E0DFF, $7E0D10-$7E0D1F, $7E0D30-$7E0D3F, "
            "$7E0D50-$7E0D5F, $7E0DE0-$7E0DEF. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 15, 0, 15),
                # Y is only kept; values $20-$2C make a stray `$0D10,Y` read the high-byte table instead
                "Y": byte_range(0x20, 0x22, 0x24, 0x26, 0x28, 0x2A, 0x2C),
                "$7E0DD0..$7E0DDF": states,
                # timers 0-7 make timer-expiry transitions common in the random cases too
                "$7E0DF0..$7E0DFF": span(0, 7, 0, 1, 2, 3, 5, 6),
                "$7E0E50..$7E0E5F": byte_range(0, 1, 3, 0x10),
                # 51 position boundaries make 55 edge cases, in which the state, timer and HP lists
                # (5, 7 and 7 long) meet in every combination a transition needs (checked per seed).
                "$7E0D10..$7E0D1F": byte_range(*range(5, 256, 5)),
                "$7E0D30..$7E0D3F": span(0, 2, 0, 1, 2),
                "$7E0D50..$7E0D5F": byte_range(0x01, 0x02, 0x10, 0xFF),
                "$7E0DE0..$7E0DEF": byte_range(0, 1, 0xFF),
                "$7E0022:w": span(0, 0x02FF, 0x0015, 0x023D, 0x02AD),
                f"$7E{left:04X}:w": span(0x0010, 0x0080, 0x0010, 0x0080),
                f"$7E{right:04X}:w": span(0x0180, 0x01F0, 0x0180, 0x01F0),
            },
            outputs=[
                "$7E0DD0..$7E0DDF",
                "$7E0DF0..$7E0DFF",
                "$7E0D10..$7E0D1F",
                "$7E0D30..$7E0D3F",
                "$7E0D50..$7E0D5F",
                "$7E0DE0..$7E0DEF",
            ],
            preserve=["X", "Y"],
            cases=192,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("state", r"state", r"idle", r"walk", r"hurt"),
            fact("timer", r"timer", r"decrement"),
            fact("bounds", r"bound", r"bounce", r"wall", r"left", r"right"),
        ),
        forbid=(*COMMON_FORBID, r"position is 8-bit"),
        explanation=(
            "A dead slot returns at once. Otherwise the timer ticks down, and a DEC chain on the state "
            "dispatches: idle waits for the timer, then walks toward Link (16-bit compare of his x with "
            "the sprite's); walk moves by the signed speed (ADC #$FF as the high byte for a negative speed), "
            "clamps x to the room bounds with a 16-bit compare, and on a hit negates the speed and flips the "
            "facing; hurt goes to dying or idle by HP; dying clears the state when the timer ends."
        ),
        false_claims=("The position is 8-bit, so no high byte is updated.",),
        tags=("sprites", "state-machine", "timers", "16-bit-position", "collision", "rep-sep", "hard"),
        params={
            "walk": walk_time,
            "idle": idle_time,
            "death": death_time,
            "speed": speed,
            "left": left,
            "right": right,
        },
    )


def particle_update(rng: random.Random) -> Routine:
    """Particles with a count in memory: age them, move them, bounce them on the floor, and remove dead
    ones by moving the last particle into the gap (a helper that keeps X). Hard tier."""
    base = rng.choice([0x1100, 0x1400, 0x1600, 0x0A00])
    life, px, py, vx, vy, count = base, base + 0x10, base + 0x20, base + 0x30, base + 0x40, base + 0x50
    floor = rng.choice([0xA0, 0xB8, 0xC0, 0xD0])
    entry = rng.choice(["Particles_Update", "Debris_Step", "Sparks_Frame", "Fx_UpdateAll"])
    remove = rng.choice(["Particle_Remove", "Debris_Kill", "Fx_SwapOut", "RemoveParticle"])
    main = asm(f"""
        {entry}:
            LDX #$00
        .loop:
            CPX ${count:04X}
            BCS .done
            DEC ${life:04X},X
            BNE .alive
            JSR {remove}
            BRA .loop
        .alive:
            LDA ${px:04X},X
            ADC ${vx:04X},X
            STA ${px:04X},X
            LDA ${py:04X},X
            CLC
            ADC ${vy:04X},X
            CMP #{hex8(floor)}
            BCC .fly
            LDA #{hex8(floor)}
            STA ${py:04X},X
            LDA ${vy:04X},X
            CMP #$80
            ROR A
            EOR #$FF
            INC A
            STA ${vy:04X},X
            BRA .next
        .fly:
            STA ${py:04X},X
        .next:
            INX
            BRA .loop
        .done:
            RTS
        """)
    helper = asm(f"""
        {remove}:
            DEC ${count:04X}
            LDY ${count:04X}
            LDA ${life:04X},Y
            STA ${life:04X},X
            LDA ${px:04X},Y
            STA ${px:04X},X
            LDA ${py:04X},Y
            STA ${py:04X},X
            LDA ${vx:04X},Y
            STA ${vx:04X},X
            LDA ${vy:04X},Y
            STA ${vy:04X},X
            RTS
        """)
    ref = main + helper
    slow_main = main.replace(
        f"    DEC ${life:04X},X\n    BNE .alive\n",
        f"    LDA ${life:04X},X\n    DEC A\n    STA ${life:04X},X\n    BNE .alive\n",
    ).replace(
        "    CMP #$80\n    ROR A\n    EOR #$FF\n    INC A\n",
        "    BPL +\n    SEC\n    ROR A\n    BRA ++\n+   LSR A\n++  STA $00\n    LDA #$00\n    SEC\n"
        "    SBC $00\n",
    )
    slow = Draft(
        "sbc-and-branches",
        slow_main + helper,
        "ages with LDA/DEC A/STA instead of DEC on memory, and halves and negates the bounce speed with "
        "branches and a subtraction from zero",
    )
    bugs = (
        Draft(
            "skip-moved",
            ref.replace(f"    JSR {remove}\n    BRA .loop\n", f"    JSR {remove}\n    BRA .next\n"),
            "after a removal the particle moved into the slot is skipped this frame",
        ),
        Draft(
            "helper-uses-x",
            ref.replace(f"    LDY ${count:04X}\n", f"    LDX ${count:04X}\n").replace(
                ",Y\n    STA", ",X\n    STA"
            ),
            "the remove helper indexes the last particle with X: the caller's slot is lost",
        ),
        Draft(
            "no-clc",
            ref.replace(f"    CLC\n    ADC ${vy:04X},X\n", f"    ADC ${vy:04X},X\n"),
            "the carry of the x add leaks into y",
        ),
    )
    return Routine(
        kernel="particle_update",
        entry=entry,
        call="jsr",
        summary=f"Update the particle list with `{entry}` and its swap-remove helper `{remove}` (write both).",
        details=(
            f"Up to 16 particles in parallel byte tables: life $7E{life:04X},i, x $7E{px:04X},i, y "
            f"$7E{py:04X},i, x speed $7E{vx:04X},i, y speed $7E{vy:04X},i (speeds signed). The count is the "
            f"byte $7E{count:04X} (0-16); particles 0..count-1 are live with life 1-255. For each live "
            "particle in index order: decrement its life; if that makes it 0, remove it with the helper "
            f"`{remove}` (JSR/RTS; write it too): decrement the count and copy the last particle's five "
            "bytes into this slot (keeping X, the slot), then process this slot again (it now holds the "
            "moved particle). Otherwise add the x speed to x and the y speed to y (8-bit wrap); if the new "
            f"y is {hex8(floor)} or more (unsigned), set y to {hex8(floor)} and the y speed to minus half of "
            "it (halved by an arithmetic shift right, rounding down, then negated). m=1, x=1. Observable: "
            f"$7E{life:04X}-$7E{count:04X} (all five tables and the count). A, X, Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # the first edge case has one live particle at y $7F with y speed $80 (see below)
                f"$7E{count:04X}": span(0, 16, 1, 2, 16),
                f"$7E{life:04X}..$7E{life + 15:04X}": span(1, 255, 2, 3, 255),
                f"$7E{px:04X}..$7E{px + 15:04X}": byte_range(0, 0x7F, 0x80, 0xFF),
                # y $7F with y speed $80 (the same edge case) reaches the floor with the most negative speed
                f"$7E{py:04X}..$7E{py + 15:04X}": byte_range(0x7F, floor - 1, floor),
                f"$7E{vx:04X}..$7E{vx + 15:04X}": byte_range(0x01, 0x7F, 0x80, 0xFF),
                f"$7E{vy:04X}..$7E{vy + 15:04X}": byte_range(0x80, 0x81, 0xFF),
            },
            outputs=[f"$7E{life:04X}..$7E{count:04X}"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("remove", r"remov", r"swap", r"last particle", r"copy"),
            fact("count", r"count", r"loop", r"each particle"),
            fact("bounce", r"bounce", r"floor", r"negat", r"half"),
        ),
        forbid=(*COMMON_FORBID, r"shifting every later particle"),
        explanation=(
            f"Loops X over the live particles while X < count (the failed CPX leaves carry clear for the "
            f"x add). Each life is decremented; a particle that "
            f"dies is replaced by {remove}, which decrements the count and copies the last particle (indexed "
            "with Y) into slot X, and the loop re-examines the same X. A live particle moves by its speeds; "
            f"reaching the floor {hex8(floor)} clamps y and sets the y speed to -(speed >> 1) with CMP #$80 / "
            "ROR / EOR / INC."
        ),
        false_claims=("Dead particles are removed by shifting every later particle down.",),
        tags=("multi-routine", "particles", "loop", "variable-length", "swap-remove", "hard"),
        params={"base": base, "floor": floor, "remove": remove},
        helpers=(remove,),
    )


KERNELS = {
    "sprite_move_xy": sprite_move_xy,
    "draw_text": draw_text,
    "insertion_sort_keys": insertion_sort_keys,
    "binary_search_level": binary_search_level,
    "queue_pump": queue_pump,
    "sprite_update_full": sprite_update_full,
    "particle_update": particle_update,
}
