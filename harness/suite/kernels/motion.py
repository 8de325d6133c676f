"""More SNES kernels: signed velocity onto a 16-bit position, the hardware divider (frames to seconds),
an MVN fill, and joypad edge detection (newly pressed buttons)."""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact, slot_index
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = ["KERNELS", "fill_block", "frames_to_seconds", "joypad_new_presses", "move_sprite_x"]


def move_sprite_x(rng: random.Random) -> Routine:
    """pos16 += sign-extended speed8, the position split over a low and a high table."""
    lo_table, hi_table = rng.choice([(0x0D10, 0x0D30), (0x0D00, 0x0D20)])
    speed = rng.choice([0x0D50, 0x0D40])
    entry = rng.choice(["Sprite_MoveX", "ApplyVelocity", "Sprite_Move"])
    lo, hi, sp = f"${lo_table:04X}", f"${hi_table:04X}", f"${speed:04X}"
    ref = asm(f"""
        {entry}:
            LDA {sp},X
            BMI .neg
            CLC
            ADC {lo},X
            STA {lo},X
            LDA {hi},X
            ADC #$00
            STA {hi},X
            RTS
        .neg:
            CLC
            ADC {lo},X
            STA {lo},X
            LDA {hi},X
            ADC #$FF
            STA {hi},X
            RTS
        """)
    slow = Draft(
        "scratch-extend",
        asm(f"""
        {entry}:
            LDA {sp},X
            STA $00
            STZ $01
            CMP #$80
            BCC .pos
            LDA #$FF
            STA $01
        .pos:
            LDA {lo},X
            CLC
            ADC $00
            STA {lo},X
            LDA {hi},X
            ADC $01
            STA {hi},X
            RTS
        """),
        "builds the sign-extended speed in scratch memory instead of branching on the N flag of the load",
    )
    bugs = (
        Draft("no-extend", ref.replace("ADC #$FF", "ADC #$00"), "negative speeds are not sign-extended"),
        Draft("no-clc", ref.replace("    CLC\n", "", 1), "positive path adds the entry carry"),
        Draft("bpl", ref.replace("BMI .neg", "BPL .neg"), "sign test inverted"),
    )
    lo_r, hi_r = f"$7E{lo_table:04X}..$7E{lo_table + 15:04X}", f"$7E{hi_table:04X}..$7E{hi_table + 15:04X}"
    return Routine(
        kernel="move_sprite_x",
        entry=entry,
        call="jsr",
        summary=f"Add sprite slot X's signed 8-bit speed {sp},X to its 16-bit position ({hi},X:{lo},X).",
        details=(
            f"X (0-15) is the sprite slot. The position is 16 bits: low byte {lo},X, high byte {hi},X. The speed "
            f"{sp},X is a signed byte (two's complement). Add it to the position (sign-extended to 16 bits). "
            f"Observable: {lo_r} and {hi_r}. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                # Paired edges (case k takes each input's k-th edge value: sorted boundaries, then
                # $00, $FF, $01, $7F, $80): speed+low = $01+$FE (no carry), $7F+$FF (carry, high
                # $FF wraps to 0), $80+$00 (borrow, high 0 wraps to $FF), $FF+$01 (exactly $100).
                "X": slot_index(rng.randrange(2, 15)),
                f"$7E{speed:04X}..$7E{speed + 15:04X}": byte_range(0x01, 0x7F, 0x80, 0xFF),
                lo_r: byte_range(0xFE, 0xFF),
                hi_r: byte_range(0x7F, 0xFF),
            },
            outputs=[lo_r, hi_r],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("position", r"position", r"coordinate", rf"{lo}", r"\bX pos"),
            fact("speed", r"speed", r"velocity", rf"{sp}"),
            fact("sign", r"sign", r"negative", r"\$FF", r"two'?s complement", r"\bBMI\b"),
            fact("carry", r"carry", r"high byte", r"16-bit"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"Moves the sprite in slot X: loads the signed speed {sp},X and adds it to the 16-bit position whose "
            f"low byte is {lo},X; the carry goes into the high byte {hi},X with ADC #$00 for a positive speed or "
            "ADC #$FF for a negative one (BMI), which sign-extends the 8-bit speed. RTS."
        ),
        false_claims=("It uses the MUL instruction to scale the speed.",),
        tags=("sprites", "physics", "signed", "16-bit-math"),
        params={"lo": lo_table, "hi": hi_table, "speed": speed},
    )


def frames_to_seconds(rng: random.Random) -> Routine:
    """Frame count / rate through the SNES divider ($4204/$4206 -> $4214, remainder $4216)."""
    rate = rng.choice([60, 50, 30, 10])
    v = rng.choice([0x1A40, 0x0F70, 0x1C00])
    entry = rng.choice(["FramesToSeconds", "Timer_Split", "DivideByRate"])
    limit = rate * 60 - 1
    ref = asm(f"""
        {entry}:
            STA $4204
            SEP #$20
            LDA #{hex8(rate)}
            STA $4206
            REP #$20
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            LDA $4214
            STA ${v:04X}
            LDA $4216
            STA ${v + 2:04X}
            RTS
        """)
    slow = Draft(
        "subtract-loop",
        asm(f"""
        {entry}:
            LDX #$00
        .loop:
            CMP #{hex16(rate)}
            BCC .done
            SEC
            SBC #{hex16(rate)}
            INX
            BRA .loop
        .done:
            STX ${v:04X}
            STZ ${v + 1:04X}
            STA ${v + 2:04X}
            RTS
        """),
        "repeated subtraction instead of the hardware divider",
    )
    bugs = (
        Draft(
            "early-read",
            ref.replace("    NOP\n", "", 5),
            "reads the quotient before the 16-cycle divide ends",
        ),
        Draft(
            "swapped",
            ref.replace("LDA $4214", "LDA $TMP")
            .replace("LDA $4216", "LDA $4214")
            .replace("LDA $TMP", "LDA $4216"),
            "quotient and remainder swapped",
        ),
        Draft(
            "no-sep",
            ref.replace("    SEP #$20\n", "")
            .replace(f"LDA #{hex8(rate)}", f"LDA #{hex16(rate)}")
            .replace("    REP #$20\n", ""),
            "16-bit store to $4206 also writes $4207",
        ),
    )
    return Routine(
        kernel="frames_to_seconds",
        entry=entry,
        call="jsr",
        summary=f"Split a frame count (A, 0-{limit}) into seconds = A / {rate} and frames = A mod {rate}.",
        details=(
            f"A (16-bit, m=0) is a frame count 0-{limit} at {rate} frames per second. Store the quotient A / {rate} "
            f"as a word at $7E{v:04X} and the remainder as a word at $7E{v + 2:04X}. The SNES divider: dividend "
            "$4204/$4205, divisor $4206 (starts it), quotient $4214/$4215 and remainder $4216/$4217 after 16 CPU "
            f"cycles. Observable: $7E{v:04X}-$7E{v + 3:04X}. A and X are free; keep Y; return with m=0."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={"A": span(0, limit, 0, 1, rate - 1, rate, rate + 1, limit - rate, limit - 1, limit)},
            outputs=[f"$7E{v:04X}..$7E{v + 3:04X}"],
            preserve=["Y"],
            writable=["$004202..$004206"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("divide", r"divid", r"divis", r"quotient", rf"/\s*{rate}\b"),
            fact("hw", r"\$4204", r"\$4206", r"hardware div", r"divider", r"\$4214"),
            fact("remainder", r"remainder", r"modulo", r"\bmod\b", r"\$4216", r"leftover"),
        ),
        forbid=(*COMMON_FORBID, r"\bDIV\b instruction", r"\bMUL\b"),
        explanation=(
            f"Writes the 16-bit frame count to the dividend $4204/$4205 and {rate} to the divisor $4206, which "
            "starts the SNES hardware divider; after waiting (NOPs, 16 cycles) it stores the quotient from $4214 "
            f"(seconds) to ${v:04X} and the remainder from $4216 (frames) to ${v + 2:04X}. RTS."
        ),
        false_claims=("It divides with the 65816 DIV instruction.",),
        tags=("hardware-divide", "io", "16-bit", "timers"),
        params={"rate": rate, "var": v},
    )


def fill_block(rng: random.Random) -> Routine:
    """Fill a $7F buffer with the byte in A: store one, then MVN copies the block onto itself shifted."""
    n = rng.choice([16, 32, 64, 96, 128])
    dst = rng.choice([0x2000, 0x4000, 0x8000, 0xC000])
    entry = rng.choice(["FillBuffer", "ClearTilemapBuffer", "MemFill7F"])
    ref = asm(f"""
        {entry}:
            STA $7F{dst:04X}
            PHB
            REP #$30
            LDA #{hex16(n - 2)}
            LDX #{hex16(dst)}
            LDY #{hex16(dst + 1)}
            MVN $7F,$7F
            SEP #$30
            PLB
            RTS
        """)
    slow = Draft(
        "byte-loop",
        asm(f"""
        {entry}:
            REP #$10
            LDX #$0000
        .loop:
            STA $7F{dst:04X},X
            INX
            CPX #{hex16(n)}
            BNE .loop
            SEP #$10
            RTS
        """),
        "a byte loop with long stores where one store plus an overlapping MVN fills 7 cycles per byte",
    )
    bugs = (
        Draft(
            "mvp", ref.replace("MVN $7F,$7F", "MVP $7F,$7F"), "MVP runs backwards: the overlap trick fails"
        ),
        Draft(
            "count", ref.replace(f"LDA #{hex16(n - 2)}", f"LDA #{hex16(n - 1)}"), "fills one byte too many"
        ),
        Draft("no-plb", ref.replace("    PHB\n", "").replace("    PLB\n", ""), "MVN leaves DBR = $7F"),
    )
    last = dst + n - 1
    return Routine(
        kernel="fill_block",
        entry=entry,
        call="jsr",
        summary=f"Fill the {n} bytes $7F:{dst:04X}-$7F:{last:04X} with the byte in A.",
        details=(
            f"A (8-bit) is the fill value. Set every byte of $7F{dst:04X}-$7F{last:04X} to it. Entry and exit mode "
            "m=1, x=1; DBR must be the same on return. A, X and Y may be clobbered. "
            f"Observable: $7F{dst:04X}-$7F{last:04X}. (ASAR writes block moves as MVN dest_bank,src_bank.)"
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": byte_range(0x00, 0x01, 0x80, 0xFF)},
            outputs=[f"$7F{dst:04X}..$7F{last:04X}"],
            cases=48,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("fill", r"\bfill", r"set(s)? (every|all|each)", r"memset", r"clear"),
            fact("mvn", r"\bMVN\b", r"block move", r"overlap", r"copies (the )?(first )?byte"),
            fact("dbr", r"\bPHB\b", r"\bPLB\b", r"data bank", r"\bDBR\b"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            f"Stores A into the first byte $7F{dst:04X}, then with 16-bit registers runs MVN from ${dst:04X} to "
            f"${dst + 1:04X} in bank $7F for {n - 1} bytes (A = {n - 2}): each copied byte is the one just written, so "
            "the overlap fills the whole block. MVN changes DBR, so PHB/PLB save and restore it; SEP #$30 "
            "restores 8-bit registers."
        ),
        false_claims=("It fills the block with STZ $7F2000 in a loop.",),
        tags=("block-move", "mvn", "fill", "wram"),
        params={"n": n, "dst": dst},
    )


def joypad_new_presses(rng: random.Random) -> Routine:
    """new = current AND NOT previous (16-bit), then previous = current."""
    prev = rng.choice([0x1F00, 0x0F40, 0x1E80])
    new = prev + 2
    entry = rng.choice(["Joypad_Edges", "ReadNewButtons", "Input_Update"])
    p, n_ = f"${prev:04X}", f"${new:04X}"
    ref = asm(f"""
        {entry}:
            TAX
            EOR {p}
            STX {p}
            AND {p}
            STA {n_}
            RTS
        """)
    slow = Draft(
        "complement",
        asm(f"""
        {entry}:
            STA $00
            LDA {p}
            EOR #$FFFF
            AND $00
            STA {n_}
            LDA $00
            STA {p}
            RTS
        """),
        "complements the previous state and round-trips the current one through scratch",
    )
    bugs = (
        Draft(
            "released",
            ref.replace(f"    STX {p}\n    AND {p}\n", f"    AND {p}\n    STX {p}\n"),
            "ANDs with the previous state: reports released buttons",
        ),
        Draft("no-update", ref.replace(f"    STX {p}\n", ""), "previous state never updated"),
        Draft("ora", ref.replace(f"AND {p}", f"ORA {p}"), "ORA instead of AND"),
    )
    return Routine(
        kernel="joypad_new_presses",
        entry=entry,
        call="jsr",
        summary=f"From this frame's buttons (A) and last frame's ({p}), compute the newly pressed buttons.",
        details=(
            f"A (16-bit, m=0) holds the joypad-1 buttons held this frame (1 = held); the word at $7E{prev:04X} holds "
            f"last frame's. Store the newly pressed buttons (held now, not held before) as a word at $7E{new:04X}, "
            f"then set $7E{prev:04X} to this frame's buttons. Index registers are 16-bit (x=0). Observable: "
            f"$7E{prev:04X}:w and $7E{new:04X}:w. A and X are free; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            # Paired edges (case k takes each input's k-th edge value: sorted boundaries, then $0000,
            # $FFFF, $0001, ...; A has one boundary more): some pressed and some held, every held
            # button new, everything pressed from nothing, everything released.
            inputs={
                "A": word_range(0x0F0F, 0x5A3C, 0xFFFF),
                f"$7E{prev:04X}:w": word_range(0x3C3C, 0xA5C3),
            },
            outputs=[f"$7E{prev:04X}:w", f"$7E{new:04X}:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact(
                "new",
                r"newly pressed",
                r"new (button )?press",
                r"just pressed",
                r"\bpressed this frame",
                r"rising edge",
                r"edge",
            ),
            fact("previous", r"previous", r"last frame", r"old", rf"{p}"),
            fact(
                "and-not",
                r"\bAND\s+[#$]",
                r"\bAND(s|ed|ing)\b",
                r"\bEORs?\b",
                r"\bXOR",
                r"exclusive[- ]or",
                r"not (held|pressed|down) (before|last)",
                r"changed",
            ),
        ),
        forbid=(*COMMON_FORBID, r"released buttons"),
        explanation=(
            f"Computes the buttons that went down this frame: keeps the current buttons in X, EORs A with last "
            f"frame's word {p} (bits that changed), stores the current buttons as the new previous state (STX), "
            f"then ANDs the changes with the current buttons, leaving the newly pressed ones, stored at {n_}. RTS."
        ),
        false_claims=("It returns the released buttons.",),
        tags=("joypad", "16-bit", "bits", "16-bit-index"),
        params={"prev": prev, "new": new},
    )


KERNELS = {
    "move_sprite_x": move_sprite_x,
    "frames_to_seconds": frames_to_seconds,
    "fill_block": fill_block,
    "joypad_new_presses": joypad_new_presses,
}
