"""Hardware-math kernels: the CPU's multiplier ($4202/$4203 -> $4216/$4217 after 8 cycles) and divider
($4204-$4206 -> quotient $4214/$4215, remainder $4216/$4217 after 16 cycles), used with enough delay (NOPs
or useful work in between), and the PPU's signed multiply ($211B twice, $211C -> $2134-$2136 at once).

The units are bit-serial (one multiplier bit or one quotient bit per CPU cycle), so a read that comes too
early sees a partial result; the kernels' inputs reach the top bits so such reads are caught. Register
facts are facts about the console; no game's code is copied.
"""

from __future__ import annotations

import math
import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.kernels.video import aligned, patch, tidied
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = [
    "KERNELS",
    "hw_average",
    "hw_circle_hit",
    "hw_map_cell",
    "hw_mul16",
    "hw_mul_signed8",
    "hw_percent",
    "hw_scale_fraction",
    "hw_scale_table",
    "hw_score_digits",
    "ppu_angle_velocity",
    "ppu_mul_pair",
]

_MATH_REGS = "$004202..$004206"
_VARS = (0x0F40, 0x1B20, 0x0720, 0x1D80, 0x0C60, 0x1E10)


def _vars(rng: random.Random, count: int, size: int = 4) -> list[int]:
    """`count` distinct WRAM variables (bank $00 mirror addresses), `size` bytes apart at least."""
    base = rng.choice(_VARS)
    offsets = rng.sample(range(0, 0x40, size), count)
    return [base + offset for offset in offsets]


def _cell(address: int) -> str:
    return f"$7E{address:04X}"


# ---------------------------------------------------------------------------------- CPU multiplier


@tidied
def hw_scale_table(rng: random.Random) -> Routine:
    """words[i] = bytes[i] * A for a table, $4202 written once, the offset computed during each multiply."""
    count = rng.choice([6, 8, 10, 12, 16])
    src, dst = _vars(rng, 2, 0x20)
    entry = rng.choice(["ScaleStats", "ComputeRewards", "Table_MulByLevel", "ScaleDamageTable"])
    ref = asm(f"""
        {entry}:
            STA $4202               ; the factor stays in the multiplicand
            LDX #{hex8(count - 1)}
        .entry:
            LDA ${src:04X},X
            STA $4203               ; starts entry * factor
            TXA
            ASL A
            TAY                     ; the word offset, computed while the multiplier works
            REP #$20
            LDA $4216
            STA ${dst:04X},Y
            SEP #$20
            DEX
            BPL .entry
            RTS
        """)
    slow = Draft(
        "nop-wait",
        asm(f"""
        {entry}:
            STA $4202
            LDX #{hex8(count - 1)}
        .entry:
            LDA ${src:04X},X
            STA $4203
            NOP
            NOP
            NOP
            NOP
            REP #$20
            LDA $4216
            PHA
            TXA
            ASL A
            TAY
            PLA
            STA ${dst:04X},Y
            SEP #$20
            DEX
            BPL .entry
            RTS
        """),
        "waits with four NOPs, then computes the offset while keeping the product on the stack",
    )
    bugs = (
        Draft(
            "ports-swapped",
            patch(
                patch(patch(ref, "STA $4202", "STA $TMP"), "STA $4203", "STA $4202"), "STA $TMP", "STA $4203"
            ),
            "the factor goes to $4203 once and the entries to $4202: only the first write starts a multiply",
        ),
        Draft(
            "byte-store",
            patch(patch(ref, "    REP #$20\n", ""), "    SEP #$20\n", ""),
            "8-bit read and store: only the low byte of each product is written",
        ),
        Draft("no-double", patch(ref, "    ASL A\n", ""), "byte offsets into a word table"),
        Draft("bne-loop", patch(ref, "BPL .entry", "BNE .entry"), "entry 0 is never scaled"),
    )
    details = (
        f"A (8-bit, any value) is a factor. For each of the {count} bytes at {_cell(src)} (index i = 0-{count - 1}) "
        f"store the 16-bit product byte[i] * A as the i-th little-endian word of the table at {_cell(dst)}. Use the "
        "hardware multiplier: $4202 (multiplicand) and $4203 (multiplier; writing it starts the multiply), the "
        "product at $4216/$4217 8 CPU cycles later; $4202 keeps its value between multiplies. Observable: "
        f"{_cell(dst)}-{_cell(dst + 2 * count - 1)}. A, X, Y and the math registers $4202-$4206 may be changed."
    )
    return Routine(
        kernel="hw_scale_table",
        entry=entry,
        call="jsr",
        summary=f"Store the {count} products byte * A of the table at ${src:04X} as words at ${dst:04X}, using the "
        "hardware multiplier.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0x00, 0x01, 0x80, 0xFF),
                f"{_cell(src)}..{_cell(src + count - 1)}": byte_range(0x00, 0x01, 0x80, 0xFF),
            },
            outputs=[f"{_cell(dst)}..{_cell(dst + 2 * count - 1)}"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("multiplier", r"\$4202", r"\$4203", r"multipl"),
            fact("product", r"\$4216", r"product"),
            fact("overlap", r"while", r"meanwhile", r"wait", r"cycles"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Writes the factor to $4202 once. For each entry, from the last to the first, it writes the byte to "
            "$4203, which starts the multiply, and computes the word offset (TXA, ASL, TAY) while the multiplier "
            f"works; REP #$20 then reads the 16-bit product from $4216 and stores it at ${dst:04X},Y. RTS."
        ),
        false_claims=("It uses MUL on each entry.",),
        tags=("hardware-multiply", "table", "loop", "16-bit"),
        params={"count": count, "src": src, "dst": dst},
    )


@tidied
def hw_mul16(rng: random.Random) -> Routine:
    """A 16 x 16 -> 32-bit unsigned product from four 8 x 8 hardware products."""
    a, b, p = _vars(rng, 3)
    entry = rng.choice(["Mul16x16", "Math_Multiply32", "MulWords", "LongMultiply"])
    ref = asm(f"""
        {entry}:
            LDA ${a:04X}
            STA $4202               ; a low
            LDA ${b:04X}
            STA $4203               ; a low * b low
            NOP
            REP #$20
            LDA $4216
            STA ${p:04X}
            SEP #$20
            LDA ${b + 1:04X}
            STA $4203               ; a low * b high
            NOP
            REP #$20
            LDA $4216
            STA $00
            SEP #$20
            LDA ${a + 1:04X}
            STA $4202
            LDA ${b:04X}
            STA $4203               ; a high * b low
            NOP
            REP #$20
            LDA $4216
            CLC
            ADC $00                 ; the two middle products: 17 bits
            STA $00
            SEP #$20
            LDA #$00
            ROL A
            STA $02                 ; their carry
            LDA ${b + 1:04X}
            STA $4203               ; a high * b high
            NOP
            REP #$20
            LDA $4216
            STA ${p + 2:04X}
            LDA ${p + 1:04X}
            ADC $00                 ; carry is clear: ROL A shifted out a 0
            STA ${p + 1:04X}
            SEP #$20
            LDA ${p + 3:04X}
            ADC $02
            STA ${p + 3:04X}
            RTS
        """)
    slow = Draft(
        "shift-add",
        asm(f"""
        {entry}:
            REP #$20
            STZ ${p:04X}
            STZ ${p + 2:04X}
            LDA ${a:04X}
            STA $00
            STZ $02
            LDA ${b:04X}
            STA $04
            LDX #$10
        .bit:
            LSR $04
            BCC .skip
            LDA ${p:04X}
            CLC
            ADC $00
            STA ${p:04X}
            LDA ${p + 2:04X}
            ADC $02
            STA ${p + 2:04X}
        .skip:
            ASL $00
            ROL $02
            DEX
            BNE .bit
            SEP #$20
            RTS
        """),
        "a 16-step shift-and-add loop instead of four hardware products",
    )
    bugs = (
        Draft(
            "no-middle-carry",
            patch(
                patch(ref, "    LDA #$00\n    ROL A\n    STA $02                 ; their carry\n", ""),
                "    ADC $02\n",
                "    ADC #$00\n",
            ),
            "the sum of the two middle products can exceed 16 bits; its carry is lost",
        ),
        Draft(
            "early-read",
            patch(
                ref,
                "    STA $4203               ; a low * b low\n    NOP\n",
                "    STA $4203               ; a low * b low\n",
            ),
            "reads the first product 6 cycles after the start",
        ),
        Draft(
            "wrong-byte",
            patch(
                ref,
                f"    LDA ${b + 1:04X}\n    STA $4203               ; a low * b high",
                f"    LDA ${b:04X}\n    STA $4203               ; a low * b high",
            ),
            "the second product uses b's low byte again",
        ),
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the entry carry is added into the middle sum"),
    )
    details = (
        f"Multiply the unsigned words at {_cell(a)} and {_cell(b)} and store the 32-bit product little-endian at "
        f"{_cell(p)}-{_cell(p + 3)}. The SNES multiplier only does 8 x 8 bits: $4202 and $4203 (writing "
        "$4203 starts it), the 16-bit product at $4216/$4217 8 CPU cycles later. Observable: the product bytes. "
        "A, X, Y and the math registers $4202-$4206 may be changed."
    )
    return Routine(
        kernel="hw_mul16",
        entry=entry,
        call="jsr",
        summary=f"Store the 32-bit product of the words at ${a:04X} and ${b:04X} at ${p:04X}, from four 8x8 hardware "
        "products.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                f"{_cell(a)}:w": word_range(0x00FF, 0x0100, 0x8000, 0xFF00, 0xFFFF),
                f"{_cell(b)}:w": word_range(0x00FF, 0x0100, 0x8000, 0xFF00, 0xFFFF),
            },
            outputs=[f"{_cell(p)}..{_cell(p + 3)}"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("partial", r"partial products?", r"four", r"8 ?x ?8"),
            fact("carry", r"carry", r"17 bits", r"\bROL\b"),
            fact("hw", r"\$4202", r"\$4203", r"\$4216", r"multiplier"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Builds a*b from four 8x8 hardware products: a.lo*b.lo is stored as the low word of the result, "
            "a.lo*b.hi and a.hi*b.lo are added in $00 with their carry kept in $02 (LDA #$00, ROL A), a.hi*b.hi is "
            f"the high word at ${p + 2:04X}; finally the middle sum is added at byte offset 1 and its carry into "
            "the top byte. After each $4203 write, REP and a NOP cover the 8-cycle multiply. RTS."
        ),
        false_claims=("It uses MUL for the 16-bit multiply.",),
        tags=("hardware-multiply", "32-bit", "carry", "partial-products"),
        params={"a": a, "b": b, "p": p},
    )


@tidied
def hw_scale_fraction(rng: random.Random) -> Routine:
    """(8.8 word * A) / 256 from two hardware products: the high byte of the first, plus the second."""
    speed, out = _vars(rng, 2)
    entry = rng.choice(["ApplyFriction", "ScaleSpeed", "Velocity_Damp", "MulFraction"])
    ref = asm(f"""
        {entry}:
            STA $4202               ; the factor (A / 256)
            LDA ${speed:04X}
            STA $4203               ; low byte * factor
            NOP
            NOP
            NOP
            LDA $4217               ; (low * factor) / 256
            STA $00
            LDA ${speed + 1:04X}
            STA $4203               ; high byte * factor
            STZ $01                 ; (done while the multiplier works)
            REP #$20
            LDA $4216
            CLC
            ADC $00
            STA ${out:04X}
            SEP #$20
            RTS
        """)
    slow = Draft(
        "shift-product",
        asm(f"""
        {entry}:
            STA $4202
            LDA ${speed:04X}
            STA $4203
            REP #$20
            NOP
            NOP
            LDA $4216
            LSR A
            LSR A
            LSR A
            LSR A
            LSR A
            LSR A
            LSR A
            LSR A
            STA $00
            SEP #$20
            LDA ${speed + 1:04X}
            STA $4203
            REP #$20
            NOP
            NOP
            LDA $4216
            CLC
            ADC $00
            STA ${out:04X}
            SEP #$20
            RTS
        """),
        "reads the whole first product and shifts it right eight times instead of reading its high byte",
    )
    bugs = (
        Draft(
            "low-byte",
            patch(ref, "LDA $4217", "LDA $4216"),
            "takes the low byte of the first product, not the high",
        ),
        Draft("early-read", patch(ref, "    NOP\n", "", 1), "reads $4217 7 cycles after the start"),
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the entry carry is added in"),
    )
    details = (
        f"The word at {_cell(speed)} is an unsigned speed; A (8-bit, any value) is a factor in 256ths. Store "
        f"speed * A / 256 (rounded down, a 16-bit result) at {_cell(out)}. Use the hardware multiplier ($4202, "
        "$4203 starts it, product at $4216/$4217 8 CPU cycles later): the speed's high byte times A plus the high "
        f"byte of its low byte times A. Observable: the word {_cell(out)}. A, X and the math registers "
        "$4202-$4206 may be changed; keep Y."
    )
    return Routine(
        kernel="hw_scale_fraction",
        entry=entry,
        call="jsr",
        summary=f"Store the word at ${speed:04X} times A/256 at ${out:04X}, from two hardware products.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0x00, 0x01, 0x80, 0xFF),
                f"{_cell(speed)}:w": word_range(0x00FF, 0x0100, 0x80FF, 0xFF00, 0xFFFF),
            },
            outputs=[f"{_cell(out)}:w"],
            preserve=["Y"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("fraction", r"/ ?256", r"256ths", r"fraction", r"fixed.point"),
            fact("high-byte", r"\$4217", r"high byte"),
            fact("hw", r"\$4202", r"\$4203", r"multiplier"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Writes the factor to $4202 and the speed's low byte to $4203; after three NOPs the high byte of that "
            "product ($4217) is the low part divided by 256, saved in $00 with $01 cleared. The speed's high byte "
            f"times the factor, read as a word from $4216, plus $00 gives speed * A / 256, stored at ${out:04X}. RTS."
        ),
        false_claims=("It multiplies with MUL and divides by 256 with XBA.",),
        tags=("hardware-multiply", "fixed-point", "16-bit"),
        params={"speed": speed, "out": out},
    )


@tidied
def hw_mul_signed8(rng: random.Random) -> Routine:
    """Signed 8 x 8 -> 16 with the unsigned multiplier and two corrections of the high byte."""
    b, out = _vars(rng, 2)
    entry = rng.choice(["MulSigned8", "Math_SMul8", "SignedProduct", "ScaleSigned"])
    ref = asm(f"""
        {entry}:
            STA $4202
            STA $00                 ; a
            LDA ${b:04X}
            STA $4203               ; the unsigned product of the two bytes
            REP #$20
            NOP
            LDA $4216
            STA ${out:04X}
            SEP #$20
            LDA $00
            BPL .a_positive
            LDA ${out + 1:04X}
            SEC
            SBC ${b:04X}            ; a < 0: the unsigned product counted a + 256
            STA ${out + 1:04X}
        .a_positive:
            LDA ${b:04X}
            BPL .b_positive
            LDA ${out + 1:04X}
            SEC
            SBC $00                 ; b < 0: subtract a * 256
            STA ${out + 1:04X}
        .b_positive:
            RTS
        """)
    slow = Draft(
        "sign-magnitude",
        asm(f"""
        {entry}:
            STZ $02
            CMP #$80
            BCC .a_positive
            EOR #$FF
            INC A
            INC $02
        .a_positive:
            STA $4202
            LDA ${b:04X}
            CMP #$80
            BCC .b_positive
            EOR #$FF
            INC A
            INC $02
        .b_positive:
            STA $4203
            NOP
            NOP
            NOP
            NOP
            LDA $02
            LSR A
            REP #$20
            LDA $4216
            BCC .store
            EOR #$FFFF
            INC A
        .store:
            STA ${out:04X}
            SEP #$20
            RTS
        """),
        "negates both operands, multiplies the magnitudes and negates the product when the signs differ",
    )
    bugs = (
        Draft(
            "no-b-fix",
            patch(
                ref,
                f"    LDA ${out + 1:04X}\n    SEC\n    SBC $00                 ; b < 0: subtract a * "
                f"256\n    STA ${out + 1:04X}\n",
                "",
            ),
            "a negative b is treated as b + 256",
        ),
        Draft("bmi", patch(ref, "BPL .a_positive", "BMI .a_positive"), "corrects when a is positive"),
        Draft("no-sec", patch(ref, "    SEC\n", "", 1), "the first correction borrows the entry carry"),
        Draft(
            "adc",
            patch(ref, f"SBC ${b:04X} ", f"ADC ${b:04X} "),
            "adds the correction instead of subtracting it",
        ),
    )
    details = (
        f"A (8-bit) and the byte at {_cell(b)} are signed (two's complement). Store their signed 16-bit product at "
        f"{_cell(out)} (little-endian). The hardware multiplier ($4202, $4203 starts it, product at $4216/$4217 "
        "8 CPU cycles later) is unsigned: a negative operand x is seen as x + 256. Observable: the word "
        f"{_cell(out)}. A and the math registers $4202-$4206 may be changed; keep X and Y."
    )
    return Routine(
        kernel="hw_mul_signed8",
        entry=entry,
        call="jsr",
        summary=f"Store the signed 16-bit product of A and the signed byte at ${b:04X} at ${out:04X}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF),
                _cell(b): byte_range(0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF),
            },
            outputs=[f"{_cell(out)}:w"],
            preserve=["X", "Y"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("signed", r"signed", r"negative", r"two'?s complement"),
            fact("correction", r"correct", r"subtract", r"\bSBC\b"),
            fact("hw", r"\$4202", r"\$4203", r"multiplier"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Multiplies the two bytes as unsigned values with $4202/$4203 and stores the product. A negative byte "
            "was counted as itself plus 256, so when A is negative the other byte is subtracted from the product's "
            f"high byte ${out + 1:04X}, and when the other byte is negative A is subtracted from it (SEC, SBC), "
            "which gives the signed product. RTS."
        ),
        false_claims=("It uses MUL with the sign flag.",),
        tags=("hardware-multiply", "signed", "corrections"),
        params={"b": b, "out": out},
    )


# ------------------------------------------------------------------------------------- CPU divider


@tidied
def hw_score_digits(rng: random.Random) -> Routine:
    """A 16-bit score -> five decimal digit tiles via the divider (/10 four times), leading zeros blanked."""
    dst = rng.choice([0x1F00, 0x0B40, 0x1C70, 0x0E20])
    zero = rng.choice([0x30, 0x60, 0x80, 0xA0, 0x10])
    blank = rng.choice([0x2F, 0x7F, 0x00, 0xFF])
    entry = rng.choice(["DrawScore", "Hud_ScoreDigits", "ScoreToTiles", "PrintNumber5"])
    ref = asm(f"""
        {entry}:
            LDX #$04                ; the last digit first
        .digit:
            STA $4204               ; dividend: what is left of the score
            SEP #$20
            LDA #$0A
            STA $4206               ; divide by 10: 16 cycles
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            LDA $4216               ; the remainder is this digit
            CLC
            ADC #{hex8(zero)}
            STA ${dst:04X},X
            REP #$20
            LDA $4214               ; the quotient holds the digits left
            DEX
            BPL .digit
            SEP #$20
            LDX #$00
        .blank:
            LDA ${dst:04X},X
            CMP #{hex8(zero)}
            BNE .done               ; the first nonzero digit ends the leading zeros
            LDA #{hex8(blank)}
            STA ${dst:04X},X
            INX
            CPX #$04                ; the last digit always shows
            BNE .blank
        .done:
            REP #$20
            RTS
        """)
    slow = Draft(
        "subtract-powers",
        asm(f"""
        {entry}:
            LDX #$00
            LDY #$00
        .power:
            STZ $00
        .subtract:
            CMP .powers,Y
            BCC .store
            SBC .powers,Y
            INC $00
            BRA .subtract
        .store:
            STA $02
            SEP #$20
            LDA $00
            CLC
            ADC #{hex8(zero)}
            STA ${dst:04X},X
            REP #$20
            LDA $02
            INX
            INY
            INY
            CPY #$08
            BNE .power
            SEP #$20
            CLC
            ADC #{hex8(zero)}
            STA ${dst + 4:04X}
            LDX #$00
        .blank:
            LDA ${dst:04X},X
            CMP #{hex8(zero)}
            BNE .done
            LDA #{hex8(blank)}
            STA ${dst:04X},X
            INX
            CPX #$04
            BNE .blank
        .done:
            REP #$20
            RTS

        .powers:
            dw 10000, 1000, 100, 10
        """),
        "counts each digit by repeated subtraction of 10000, 1000, 100 and 10 instead of using the divider",
    )
    bugs = (
        Draft(
            "early-read",
            patch(ref, "    NOP\n", "", 4),
            "reads the remainder 9 cycles into the 16-cycle divide",
        ),
        Draft(
            "swapped",
            patch(
                patch(patch(ref, "LDA $4216", "LDA $TMP"), "LDA $4214", "LDA $4216"), "LDA $TMP", "LDA $4214"
            ),
            "quotient and remainder swapped",
        ),
        Draft("blank-all", patch(ref, "CPX #$04", "CPX #$05"), "a score of 0 shows no digit at all"),
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the carry is added into the digit"),
    )
    details = (
        "A (16-bit, m=0) is a score 0-65535. Write its five decimal digits as tile numbers (digit + "
        f"{hex8(zero)}) to $7E{dst:04X}-$7E{dst + 4:04X}, most significant first; leading zeros become the blank "
        f"tile {hex8(blank)}, except the last digit, which always shows. Use the hardware divider: dividend "
        "$4204/$4205, divisor $4206 (writing it starts the divide), quotient $4214/$4215 and remainder $4216/$4217 "
        f"16 CPU cycles later. Observable: $7E{dst:04X}-$7E{dst + 4:04X}. A, X, Y and the math registers "
        "$4202-$4206 may be changed. Return with m=0."
    )
    return Routine(
        kernel="hw_score_digits",
        entry=entry,
        call="jsr",
        summary=f"Write the score in A as five digit tiles at ${dst:04X} (tile {hex8(zero)} + digit), blanking "
        "leading zeros, with the hardware divider.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={"A": word_range(0, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535)},
            outputs=[f"$7E{dst:04X}..$7E{dst + 4:04X}"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("divide", r"\$4206", r"divid", r"/ ?10", r"divisor"),
            fact("remainder", r"remainder", r"\$4216", r"modulo"),
            fact("blank", r"leading zeros?", r"blank"),
        ),
        forbid=(*COMMON_FORBID, r"\bBCD\b"),
        explanation=(
            "Divides the score by 10 five times with the hardware divider ($4204 dividend, $4206 = 10, seven NOPs "
            f"and the load cover the 16 cycles): each remainder ($4216) plus {hex8(zero)} is a digit tile, stored "
            f"from ${dst + 4:04X} down to ${dst:04X}, and the quotient ($4214) is divided next. Then the leading "
            f"zero tiles of the first four digits are replaced by {hex8(blank)} until a nonzero digit. RTS with m=0."
        ),
        false_claims=("It converts the score to packed BCD with MUL.",),
        tags=("hardware-divide", "digits", "hud", "16-bit"),
        params={"dst": dst, "zero": zero, "blank": blank},
    )


@tidied
def hw_percent(rng: random.Random) -> Routine:
    """part * 100 / total with the multiplier then the divider; 100 when part >= total."""
    part, total, out = _vars(rng, 3)
    entry = rng.choice(["HealthPercent", "Progress_Percent", "ComputePercentage", "CompletionRate"])
    ref = asm(f"""
        {entry}:
            LDA ${part:04X}
            CMP ${total:04X}
            BCS .full               ; part >= total (also total = 0): 100
            STA $4202
            LDA #$64
            STA $4203               ; part * 100
            REP #$20
            NOP
            LDA $4216
            STA $4204               ; the dividend
            SEP #$20
            LDA ${total:04X}
            STA $4206               ; divided by total: 16 cycles
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            LDA $4214               ; below 100: the low byte is the quotient
            BRA .store
        .full:
            LDA #$64
        .store:
            STA ${out:04X}
            RTS
        """)
    slow = Draft(
        "shift-times-100",
        asm(f"""
        {entry}:
            LDA ${part:04X}
            CMP ${total:04X}
            BCS .full
            REP #$20
            AND #$00FF
            ASL A
            ASL A
            STA $00
            ASL A
            ASL A
            ASL A
            STA $02
            ASL A
            CLC
            ADC $00
            CLC
            ADC $02
            STA $4204
            SEP #$20
            LDA ${total:04X}
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
            BRA .store
        .full:
            LDA #$64
        .store:
            STA ${out:04X}
            RTS
        """),
        "multiplies by 100 as 64 + 32 + 4 with shifts and adds instead of the hardware multiplier",
    )
    bugs = (
        Draft("bcc", patch(ref, "BCS .full", "BCC .full"), "the 100 % shortcut is taken when part < total"),
        Draft("early-read", patch(ref, "    NOP\n", "", 5), "reads the quotient 9 cycles into the divide"),
        Draft(
            "no-sep",
            patch(ref, f"    SEP #$20\n    LDA ${total:04X}\n", f"    LDA ${total:04X}\n"),
            "a 16-bit write to $4206 also writes $4207, and the routine returns with m=0",
        ),
    )
    pairs = ((150, 150), (0, 1), (99, 100), (1, 255), (254, 253), (2, 3), (255, 0), (100, 101))
    details = (
        f"The bytes at {_cell(part)} and {_cell(total)} are unsigned. Store part * 100 / total (rounded down) at "
        f"{_cell(out)}; when part >= total (including total = 0) store 100 ($64). Use the hardware multiplier ($4202, "
        "$4203 starts it, product at $4216/$4217 8 cycles later) and divider ($4204/$4205 dividend, $4206 starts "
        "it, quotient at $4214/$4215 16 cycles later). Observable: the byte "
        f"{_cell(out)}. A, X and the math registers $4202-$4206 may be changed; keep Y."
    )
    return Routine(
        kernel="hw_percent",
        entry=entry,
        call="jsr",
        summary=f"Store the percentage ${part:04X} * 100 / ${total:04X} (at most 100) at ${out:04X}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _cell(part): aligned(0, 255, [p for p, _ in pairs]),
                _cell(total): aligned(0, 255, [t for _, t in pairs]),
            },
            outputs=[_cell(out)],
            preserve=["Y"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("percent", r"percent", r"\* ?100", r"\$64"),
            fact("divide", r"\$4206", r"divid"),
            fact("clamp", r"100", r">= ?total", r"at most"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "If part is not below total (CMP/BCS) the result is 100. Otherwise part * 100 comes from the multiplier "
            "($4202 = part, $4203 = $64), goes as a word to the dividend $4204/$4205, total is written to $4206, "
            f"and after seven NOPs the quotient's low byte ($4214) is stored at ${out:04X}. RTS."
        ),
        false_claims=("It uses MUL and a DIV instruction.",),
        tags=("hardware-multiply", "hardware-divide", "percentage", "hud"),
        params={"part": part, "total": total, "out": out},
    )


@tidied
def hw_average(rng: random.Random) -> Routine:
    """The rounded average of N bytes: a 16-bit sum, plus N/2, divided by N with the divider."""
    count = rng.choice([3, 5, 6, 7, 10, 12])
    table, out = _vars(rng, 2, 0x10)
    entry = rng.choice(["AverageTable", "Stats_Mean", "MeanOfBytes", "ComputeAverage"])
    half = count // 2
    ref = asm(f"""
        {entry}:
            STZ $00
            STZ $01
            LDX #{hex8(count - 1)}
        .sum:
            LDA ${table:04X},X
            CLC
            ADC $00
            STA $00
            BCC .next
            INC $01                 ; carry into the sum's high byte
        .next:
            DEX
            BPL .sum
            REP #$20
            LDA $00
            CLC
            ADC #{hex16(half)}             ; + {count} / 2: round to nearest
            STA $4204
            SEP #$20
            LDA #{hex8(count)}
            STA $4206
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            NOP
            LDA $4214
            STA ${out:04X}
            RTS
        """)
    slow = Draft(
        "soft-divide",
        asm(f"""
        {entry}:
            STZ $00
            STZ $01
            LDX #{hex8(count - 1)}
        .sum:
            LDA ${table:04X},X
            CLC
            ADC $00
            STA $00
            BCC .next
            INC $01
        .next:
            DEX
            BPL .sum
            REP #$20
            LDA $00
            CLC
            ADC #{hex16(half)}
            STA $00
            STZ $02
            LDX #$10
        .divide:
            ASL $00
            ROL $02
            LDA $02
            SEC
            SBC #{hex16(count)}
            BCC .nofit
            STA $02
            INC $00
        .nofit:
            DEX
            BNE .divide
            SEP #$20
            LDA $00
            STA ${out:04X}
            RTS
        """),
        "a 16-step shift-and-subtract division instead of the hardware divider",
    )
    bugs = (
        Draft(
            "no-round",
            patch(
                ref, f"    CLC\n    ADC #{hex16(half)}             ; + {count} / 2: round to nearest\n", ""
            ),
            "rounds down instead of to nearest",
        ),
        Draft("inc-low", patch(ref, "    INC $01 ", "    INC $00 "), "the carry goes into the low byte"),
        Draft("early-read", patch(ref, "    NOP\n", "", 4), "reads the quotient 9 cycles into the divide"),
        Draft(
            "one-past",
            patch(ref, f"LDX #{hex8(count - 1)}", f"LDX #{hex8(count)}"),
            "sums one byte past the table",
        ),
    )
    details = (
        f"Store the average of the {count} unsigned bytes at {_cell(table)}-{_cell(table + count - 1)}, rounded "
        f"to nearest with halves up (that is (sum + {half}) / {count} rounded down), at {_cell(out)}. Use the "
        "hardware divider ($4204/$4205 dividend, $4206 divisor starts it, quotient at $4214/$4215 16 CPU cycles "
        f"later). Observable: the byte {_cell(out)}. A, X and the math registers $4202-$4206 may be changed; keep Y."
    )
    return Routine(
        kernel="hw_average",
        entry=entry,
        call="jsr",
        summary=f"Store the rounded average of the {count} bytes at ${table:04X} at ${out:04X}, dividing with the "
        "hardware divider.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={f"{_cell(table)}..{_cell(table + count - 1)}": byte_range(0x00, 0x01, 0x80, 0xFE, 0xFF)},
            outputs=[_cell(out)],
            preserve=["Y"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("sum", r"\bsum", r"\badd", r"total"),
            fact("round", r"round", rf"\+ ?{half}\b", r"nearest"),
            fact("divide", r"\$4206", r"divid"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            f"Adds the {count} bytes into the 16-bit sum at $00/$01 (the carry of each 8-bit add increments $01), "
            f"adds {half} so the quotient rounds to nearest, writes the sum to $4204/$4205 and {count} to $4206, "
            f"waits seven NOPs and stores the quotient's low byte ($4214) at ${out:04X}. RTS."
        ),
        false_claims=("It uses MUL and shifts to divide.",),
        tags=("hardware-divide", "average", "loop", "rounding"),
        params={"count": count, "table": table, "out": out},
    )


@tidied
def hw_circle_hit(rng: random.Random) -> Routine:
    """Circle collision: dx^2 + dy^2 < R^2 with two hardware squares (|dy| computed during the first)."""
    radius, near_a, near_b = rng.choice([(9, 8, 4), (17, 12, 12), (33, 32, 8), (73, 72, 12)])
    x1, x2, y1, y2, hit, dist = _vars(rng, 6, 2)
    entry = rng.choice(["CheckCircleHit", "Collide_Radius", "InRange", "ProximityHit"])
    r2 = radius * radius
    tail = asm(f"""
            STA ${dist:04X}
            CMP #{hex16(r2)}
            SEP #$20
            BCS .miss
            LDA #$01
            STA ${hit:04X}
            RTS
        .miss:
            STZ ${hit:04X}
            RTS
        """)
    ref = (
        asm(f"""
        {entry}:
            LDA ${x1:04X}
            SEC
            SBC ${x2:04X}
            BCS .dx
            EOR #$FF
            INC A                   ; |dx|
        .dx:
            STA $4202
            STA $4203               ; dx * dx
            LDA ${y1:04X}           ; |dy| while the multiplier works
            SEC
            SBC ${y2:04X}
            BCS .dy
            EOR #$FF
            INC A
        .dy:
            TAX
            REP #$20
            LDA $4216
            STA $00                 ; dx^2
            STX $4202
            STX $4203               ; dy * dy
            NOP
            NOP
            NOP
            LDA $4216
            CLC
            ADC $00                 ; dx^2 + dy^2: 17 bits
            BCC .fits
            LDA #$FFFF              ; too far for 16 bits
        .fits:
        """)
        + tail
    )
    slow = Draft(
        "sequential",
        asm(f"""
        {entry}:
            LDA ${x1:04X}
            SEC
            SBC ${x2:04X}
            BCS .dx
            EOR #$FF
            INC A
        .dx:
            STA $4202
            STA $4203
            NOP
            NOP
            NOP
            NOP
            REP #$20
            LDA $4216
            STA $00
            SEP #$20
            LDA ${y1:04X}
            SEC
            SBC ${y2:04X}
            BCS .dy
            EOR #$FF
            INC A
        .dy:
            STA $4202
            STA $4203
            NOP
            NOP
            NOP
            NOP
            REP #$20
            LDA $4216
            CLC
            ADC $00
            BCC .fits
            LDA #$FFFF
        .fits:
        """)
        + tail,
        "waits with NOPs for each product instead of computing |dy| while the first multiply runs",
    )
    bugs = (
        Draft(
            "no-overflow",
            patch(ref, "    BCC .fits\n    LDA #$FFFF              ; too far for 16 bits\n", ""),
            "a sum above $FFFF wraps: far objects can look near",
        ),
        Draft(
            "no-abs",
            patch(ref, "    EOR #$FF\n    INC A                   ; |dx|\n", ""),
            "a negative dx is squared as 256 - |dx|",
        ),
        Draft("inverted", patch(ref, "BCS .miss", "BCC .miss"), "reports a hit for the far objects"),
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the carry of the dy subtraction is added into the sum"),
    )
    # Edge cases k = 0..5 of the four coordinates together: dx^2 + dy^2 = R^2 - 1, R^2 (negative dx),
    # R^2 + 1, R^2 - 1 (both negative), the largest distance, and 255^2 + 23^2 (its low 16 bits are below R^2).
    cases = (
        (100 + near_a, 100, 60 + near_b, 60),
        (20, 20 + radius, 141, 141),
        (200, 200 - radius, 31, 30),
        (5, 5 + near_a, 7, 7 + near_b),
        (255, 0, 0, 255),
        (0, 255, 90, 113),
    )
    details = (
        f"Two objects are at ({_cell(x1)}, {_cell(y1)}) and ({_cell(x2)}, {_cell(y2)}) (unsigned 8-bit "
        f"coordinates); dx and dy are the coordinate differences. Store dx^2 + dy^2 at {_cell(dist)} as a word "
        f"($FFFF when it does not fit in 16 bits), and $01 at {_cell(hit)} when the distance is below {radius} "
        f"(dx^2 + dy^2 < {r2}, {hex16(r2)}), $00 otherwise. Use the hardware multiplier for the squares ($4202, "
        f"$4203 starts it, product at $4216/$4217 8 CPU cycles later). Observable: {_cell(dist)}:w and "
        f"{_cell(hit)}. A, X and the math registers $4202-$4206 may be changed; keep Y."
    )
    return Routine(
        kernel="hw_circle_hit",
        entry=entry,
        call="jsr",
        summary=f"Store the squared distance of (${x1:04X}, ${y1:04X}) and (${x2:04X}, ${y2:04X}) at ${dist:04X} "
        f"and set ${hit:04X} to 1 when it is below {radius} squared, else 0.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _cell(address): aligned(0, 255, [case[k] for case in cases])
                for k, address in enumerate((x1, x2, y1, y2))
            },
            outputs=[f"{_cell(dist)}:w", _cell(hit)],
            preserve=["Y"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("squares", r"squar", r"\^2", r"dx ?\* ?dx"),
            fact("radius", rf"\b{radius}\b", rf"{hex16(r2)}", r"radius"),
            fact("overflow", r"17 bits", r"overflow", r"\$FFFF", r"carry"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Computes |dx| (SEC/SBC, negated with EOR #$FF/INC when it borrowed) and squares it with $4202/$4203; "
            "while that runs it computes |dy| the same way. It saves dx^2, squares dy (three NOPs cover the "
            "multiply), adds the two and saturates a sum with a carry out to $FFFF, which it stores at "
            f"${dist:04X}; a sum below {hex16(r2)} stores 1 at ${hit:04X}, anything else 0. RTS."
        ),
        false_claims=("It uses MUL for the squares.",),
        tags=("hardware-multiply", "collision", "17-bit", "saturation"),
        params={"radius": radius, "x1": x1, "x2": x2, "y1": y1, "y2": y2, "hit": hit, "dist": dist},
    )


@tidied
def hw_map_cell(rng: random.Random) -> Routine:
    """map[row * width + col] for a map whose width is not a power of two (row * width from $4202/$4203)."""
    width, height = rng.choice([(20, 64), (24, 48), (40, 32), (48, 40), (100, 24), (160, 16), (96, 32)])
    base = rng.choice([0x7F0000, 0x7F4000, 0x7E8000, 0x7FA000])
    entry = rng.choice(["ReadMapCell", "Map_GetTile", "WorldTileAt", "GetMetatile"])
    ref = asm(f"""
        {entry}:
            TYA
            STA $4202               ; the row
            LDA #{hex8(width)}
            STA $4203               ; row * width
            REP #$20
            TXA
            CLC
            ADC $4216               ; + column (read 10 cycles after the start)
            TAX
            SEP #$20
            LDA ${base:06X},X
            RTS
        """)
    slow = Draft(
        "add-rows",
        asm(f"""
        {entry}:
            REP #$20
            TXA
            CPY #$0000
            BEQ .found
            PHY
        .row:
            CLC
            ADC #{hex16(width)}
            DEY
            BNE .row
            PLY
        .found:
            TAX
            SEP #$20
            LDA ${base:06X},X
            RTS
        """),
        "adds the width once per row in a loop instead of one hardware multiply",
    )
    bugs = (
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the entry carry is added to the offset"),
        Draft(
            "swapped",
            patch(patch(patch(ref, "TYA", "TMP"), "TXA", "TYA"), "TMP", "TXA"),
            "row and column swapped",
        ),
        Draft(
            "bank-0",
            patch(ref, f"LDA ${base:06X},X", f"LDA ${base & 0xFFFF:04X},X"),
            f"a 16-bit address reads bank $00, not ${base >> 16:02X}",
        ),
        Draft(
            "byte-add",
            patch(patch(ref, "    REP #$20\n", ""), "    SEP #$20\n", ""),
            "adds in 8-bit mode: the offset loses its high byte",
        ),
    )
    details = (
        f"A map of {height} rows of {width} one-byte cells starts at ${base:06X}; cell (col, row) is the byte at "
        f"${base:06X} + row * {width} + col. X (16-bit, 0-{width - 1}) is the column and Y (16-bit, 0-{height - 1}) "
        "the row (m=1, x=0). Return the cell in A (8-bit). Use the hardware multiplier ($4202, $4203 starts it, "
        "product at $4216/$4217 8 CPU cycles later). Observable: A.lo. X and the math registers $4202-$4206 may "
        "be changed; keep Y."
    )
    return Routine(
        kernel="hw_map_cell",
        entry=entry,
        call="jsr",
        summary=f"Return in A the cell (X, Y) of the {width}-wide byte map at ${base:06X} (row * {width} by the "
        "hardware multiplier).",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=0,
            inputs={"X": span(0, width - 1, 0, 1, width - 1), "Y": span(0, height - 1, 0, 1, height - 1)},
            outputs=["A.lo"],
            preserve=["Y"],
            writable=[_MATH_REGS],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("multiply", r"\$4202", r"\$4203", rf"\* ?{width}\b", r"multipl"),
            fact("index", r"row \* ", r"offset", r"index"),
            fact("long", rf"\${base:06X}", r"bank", r"long"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            f"Writes the row (TYA) to $4202 and {width} to $4203; in 16-bit mode it adds the column (TXA, CLC) to "
            "the product read from $4216 ten cycles after the multiply started, moves the offset to X and loads "
            f"the cell with a long indexed load from ${base:06X},X. RTS."
        ),
        false_claims=("It multiplies the row with MUL.",),
        tags=("hardware-multiply", "map", "long-addressing", "16-bit-index"),
        params={"width": width, "height": height, "base": base},
    )


# --------------------------------------------------------------------------------------- PPU multiply


@tidied
def ppu_mul_pair(rng: random.Random) -> Routine:
    """Two signed 16-bit velocities times one signed 8-bit factor / 256 through the PPU multiplier."""
    vx, vy, ox, oy = _vars(rng, 4)
    entry = rng.choice(["ScaleVelocity", "Velocity_MulFactor", "ApplyKnockbackScale", "ScaleVector"])
    ref = asm(f"""
        {entry}:
            TAX                     ; the signed factor
            LDA ${vx:04X}
            STA $211B               ; M7A: low byte, then high byte
            LDA ${vx + 1:04X}
            STA $211B
            STX $211C               ; M7B: the product is at $2134-$2136 at once
            REP #$20
            LDA $2135               ; bits 8-23: the product / 256
            STA ${ox:04X}
            SEP #$20
            LDA ${vy:04X}
            STA $211B
            LDA ${vy + 1:04X}
            STA $211B
            STX $211C
            REP #$20
            LDA $2135
            STA ${oy:04X}
            SEP #$20
            RTS
        """)
    slow = Draft(
        "byte-reads",
        asm(f"""
        {entry}:
            STA $00
            LDA ${vx:04X}
            STA $211B
            LDA ${vx + 1:04X}
            STA $211B
            LDA $00
            STA $211C
            LDA $2135
            STA ${ox:04X}
            LDA $2136
            STA ${ox + 1:04X}
            LDA ${vy:04X}
            STA $211B
            LDA ${vy + 1:04X}
            STA $211B
            LDA $00
            STA $211C
            LDA $2135
            STA ${oy:04X}
            LDA $2136
            STA ${oy + 1:04X}
            RTS
        """),
        "keeps the factor in scratch and reloads it, and copies the result bytes one at a time",
    )
    bugs = (
        Draft(
            "high-first",
            patch(
                ref,
                f"    LDA ${vx:04X}\n    STA $211B               ; M7A: low byte, then high byte\n"
                f"    LDA ${vx + 1:04X}\n    STA $211B\n",
                f"    LDA ${vx + 1:04X}\n    STA $211B\n    LDA ${vx:04X}\n    STA $211B\n",
            ),
            "M7A takes the low byte first",
        ),
        Draft(
            "low-bits",
            patch(ref, "LDA $2135               ; bits 8-23", "LDA $2134               ; bits 8-23"),
            "reads bits 0-15 of the product, not the product / 256",
        ),
        Draft(
            "word-write",
            patch(
                ref,
                f"    LDA ${vy:04X}\n    STA $211B\n    LDA ${vy + 1:04X}\n    STA $211B\n",
                f"    REP #$20\n    LDA ${vy:04X}\n    STA $211B\n    SEP #$20\n",
            ),
            "a 16-bit store to $211B writes $211B and $211C: one byte of M7A and a wrong M7B",
        ),
    )
    details = (
        f"A (8-bit) is a signed factor; the words at {_cell(vx)} and {_cell(vy)} are signed velocities. Store "
        f"(vx * A) >> 8 at {_cell(ox)} and (vy * A) >> 8 at {_cell(oy)} (arithmetic shift: bits 8-23 of the signed "
        "24-bit product). Use the PPU multiplier: write the 16-bit multiplicand to M7A ($211B, low byte then high "
        "byte) and the 8-bit factor to M7B ($211C); the signed product is readable at once at $2134-$2136. Do vx "
        "first, then vy, writing each velocity to $211B once and the factor to $211C once per product (the "
        "writes are compared in order). Observable: both result words. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="ppu_mul_pair",
        entry=entry,
        call="jsr",
        summary=f"Scale the signed velocities at ${vx:04X} and ${vy:04X} by the signed factor A / 256 with the PPU "
        "multiplier.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0x00, 0x01, 0x7F, 0x80, 0xFF),
                f"{_cell(vx)}:w": word_range(0x0000, 0x00FF, 0x7FFF, 0x8000, 0xFFFF),
                f"{_cell(vy)}:w": word_range(0x0000, 0x00FF, 0x7FFF, 0x8000, 0xFFFF),
            },
            outputs=[f"{_cell(ox)}:w", f"{_cell(oy)}:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("ppu", r"\$211B", r"\$211C", r"M7A", r"PPU"),
            fact("signed", r"signed", r"two'?s complement"),
            fact("shift", r"\$2135", r"/ ?256", r">> ?8"),
        ),
        forbid=(*COMMON_FORBID, r"\$4202"),
        explanation=(
            "Keeps the factor in X. For each velocity it writes the low and the high byte to $211B (M7A) and the "
            "factor to $211C (M7B); the PPU's signed 24-bit product is ready at once, and a 16-bit read of "
            "$2135/$2136 is the product divided by 256, stored as the result. RTS."
        ),
        false_claims=("It uses the CPU multiplier at $4202.",),
        tags=("ppu-multiply", "signed", "fixed-point", "velocity"),
        params={"vx": vx, "vy": vy, "ox": ox, "oy": oy},
    )


def _quarter_sine() -> list[int]:
    """round(127 * sin(i * pi / 32)) for i = 0..16: a quarter wave of 64 steps per turn."""
    return [round(127 * math.sin(i * math.pi / 32)) for i in range(17)]


@tidied
def ppu_angle_velocity(rng: random.Random) -> Routine:
    """vx = speed * cos(angle), vy = speed * sin(angle) (64 angles, a quarter-wave table) via the PPU."""
    speed, vx, vy = _vars(rng, 3)
    entry = rng.choice(["VelocityFromAngle", "Projectile_Aim", "PolarToXY", "Actor_SetHeading"])
    quarter = ", ".join(hex8(v) for v in _quarter_sine())
    product = (
        "    LDA $2134\n    ASL A                   ; bit 7 to the carry\n    REP #$20\n    LDA $2135\n"
        "    ROL A                   ; the product >> 7\n"
    )
    ref = asm(f"""
        {entry}:
            PHA
            LDA ${speed:04X}
            STA $211B               ; M7A = the speed, kept for both products
            LDA ${speed + 1:04X}
            STA $211B
            PLA
            PHA
            CLC
            ADC #$10                ; cos(angle) = sin(angle + 16)
            JSR .sine
            STA $211C
        PRODUCT
            STA ${vx:04X}
            SEP #$20
            PLA
            JSR .sine
            STA $211C
        PRODUCT
            STA ${vy:04X}
            SEP #$20
            RTS

        .sine:                      ; A = angle; returns 127 * sin as a signed byte (uses X, $00-$01)
            STA $00
            AND #$0F
            STA $01
            TAX
            LDA $00
            AND #$10
            BEQ .rising
            LDA #$10
            SEC
            SBC $01                 ; the second quarter mirrors the first
            TAX
        .rising:
            LDA $00
            AND #$20
            BEQ .positive
            LDA .quarter,X
            EOR #$FF
            INC A                   ; the second half is negative
            RTS
        .positive:
            LDA .quarter,X
            RTS

        .quarter:
            db {quarter}
        """).replace("PRODUCT\n", product)
    slow_product = (
        "    LDA $2134\n    STA $02\n    LDA $2135\n    STA $03\n    LDA $2136\n    STA $04\n"
        "    ASL $02\n    ROL $03\n    ROL $04\n    REP #$20\n    LDA $03\n"
    )
    slow = Draft(
        "byte-shift",
        ref.replace(product, slow_product),
        "copies the three product bytes to scratch and shifts them in memory instead of ASL/ROL in A",
    )
    bugs = (
        Draft(
            "no-mirror",
            patch(
                ref,
                "    LDA #$10\n    SEC\n    SBC $01                 ; the second quarter mirrors "
                "the first\n    TAX\n",
                "",
            ),
            "the second quarter runs the table forwards",
        ),
        Draft(
            "cos-sub",
            patch(ref, "    CLC\n    ADC #$10 ", "    SEC\n    SBC #$10 "),
            "sin(angle - 16) is -cos",
        ),
        Draft(
            "no-shift",
            ref.replace(product, "    REP #$20\n    LDA $2135\n"),
            "the product >> 8: half the speed",
        ),
        Draft(
            "high-first",
            patch(
                ref,
                f"    LDA ${speed:04X}\n    STA $211B               ; M7A = the speed, kept "
                f"for both products\n    LDA ${speed + 1:04X}\n    STA $211B\n",
                f"    LDA ${speed + 1:04X}\n    STA $211B\n    LDA ${speed:04X}\n    STA $211B\n",
            ),
            "M7A takes the low byte first",
        ),
    )
    details = (
        f"A (8-bit) is an angle, 64 steps per turn (bits 6-7 are ignored); the word at {_cell(speed)} is a signed "
        f"speed. Store vx = (speed * cos) >> 7 at {_cell(vx)} and vy = (speed * sin) >> 7 at {_cell(vy)} "
        "(arithmetic shift of the signed 24-bit product), where sin(a) is the signed byte 127 * sine from this "
        f"quarter-wave table of angles 0-16: db {quarter}; angles 16-32 mirror it (sin(a) = table[32 - a]), "
        "angles 32-63 are the negatives of angles 0-31, and cos(a) = sin(a + 16). Use the PPU multiplier: the "
        "speed to M7A ($211B, low byte then high byte) once, then the cosine and then the sine to M7B ($211C); "
        "each product is readable at once at $2134-$2136 (the writes are compared in order). Observable: both "
        "words. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="ppu_angle_velocity",
        entry=entry,
        call="jsr",
        summary=f"Turn the angle in A (64 per turn) and the speed at ${speed:04X} into X/Y velocities at ${vx:04X} "
        f"and ${vy:04X} with a quarter-sine table and the PPU multiplier.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0x00, 0x0F, 0x10, 0x11, 0x1F, 0x20, 0x30, 0x3F, 0x40),
                f"{_cell(speed)}:w": word_range(0x0000, 0x0100, 0x7FFF, 0x8000, 0xFFFF),
            },
            outputs=[f"{_cell(vx)}:w", f"{_cell(vy)}:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("table", r"quarter", r"\.quarter", r"sine table", r"mirror"),
            fact("ppu", r"\$211B", r"\$211C", r"M7A", r"PPU"),
            fact("shift", r">> ?7", r"\bROL\b", r"\$2134"),
        ),
        forbid=(*COMMON_FORBID, r"\$4202"),
        explanation=(
            "Writes the speed to $211B (M7A) once. The .sine helper takes the angle's position in its quarter (AND "
            "#$0F), mirrors it as 16 - position in the second quarter (bit 4), reads the quarter-wave table and "
            "negates the value in the second half (bit 5). The cosine (angle + $10) and then the sine go to $211C; "
            "for each product, ASL of $2134 puts bit 7 in the carry and ROL of the word $2135 gives the product "
            "shifted right by 7, stored as the velocity. RTS."
        ),
        false_claims=("It uses the CPU multiplier at $4202 and MUL.",),
        tags=("ppu-multiply", "trigonometry", "tables", "subroutine", "signed"),
        params={"speed": speed, "vx": vx, "vy": vy},
    )


KERNELS = {
    "hw_scale_table": hw_scale_table,
    "hw_mul16": hw_mul16,
    "hw_scale_fraction": hw_scale_fraction,
    "hw_mul_signed8": hw_mul_signed8,
    "hw_score_digits": hw_score_digits,
    "hw_percent": hw_percent,
    "hw_average": hw_average,
    "hw_circle_hit": hw_circle_hit,
    "hw_map_cell": hw_map_cell,
    "ppu_mul_pair": ppu_mul_pair,
    "ppu_angle_velocity": ppu_angle_velocity,
}
