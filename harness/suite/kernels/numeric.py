"""Numeric kernels: signed and fixed-point math, saturation, 32-bit words, software multiply/divide and
square root, decimal-mode (BCD) arithmetic and conversions, bit counting and CRC.

These are the routines where 65816 code goes wrong in small ways: a signed compare that ignores the
overflow flag, an arithmetic shift that rounds the wrong way, a 17th remainder bit, an entry carry, a
decimal flag left set. Each contract says exactly how it rounds and wraps, so the spec can catch them.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import (
    Draft,
    Routine,
    asm,
    byte_range,
    hex8,
    hex16,
    hex_index,
    span,
    spec_dict,
    word_range,
)

__all__ = [
    "KERNELS",
    "add_delta32",
    "avg_round16",
    "bcd_to_binary",
    "binary_to_bcd16",
    "clamp_signed_range",
    "count_leading_zeros",
    "crc16_block",
    "digit_spend",
    "div16_soft",
    "fixed_scale88",
    "high_score32",
    "isqrt16",
    "mul16_soft",
    "mul_signed16",
    "popcount16",
    "sat_add_signed8",
    "sat_sub_signed16",
    "signed_div_pow2",
    "to_sign_magnitude",
]

# Work RAM a numeric routine may use for its variables (bank $7E, reachable as absolute with DBR $00).
_RAM = (0x0B20, 0x0C40, 0x0D60, 0x1A80, 0x1BA0, 0x1CC0, 0x0F40, 0x0A10, 0x1E20, 0x0320, 0x0460, 0x0590)


def _vars(rng: random.Random, n: int, stride: int = 4) -> list[int]:
    """`n` distinct variable addresses, each followed by `stride - 1` free bytes."""
    picks = rng.sample(_RAM, n)
    return [p + stride * i for i, p in enumerate(picks)]


def _sw(value: int) -> int:
    """A 16-bit word as a signed integer."""
    return value - 0x10000 if value & 0x8000 else value


def fixed_scale88(rng: random.Random) -> Routine:
    """Signed 8.8 fixed-point multiply by a constant a + 2^-s, as one shift chain and one add."""
    whole, shift = rng.choice([1, 2]), rng.choice([1, 2, 3, 4])
    (v,) = _vars(rng, 1)
    x = rng.choice([0, 1])
    entry = rng.choice(["ScaleVelocity", "Fixed_MulConst", "BoostSpeed", "ApplyGain", "Physics_Scale88"])
    constant = whole * 256 + (256 >> shift)
    mask = (0xFFFF << (15 - shift)) & 0xFFFF  # the sign fills the top shift+1 bits after the LSRs
    lsrs = "".join("    LSR A\n" for _ in range(shift))
    asls = "".join("    ASL A\n" for _ in range(whole - 1))
    ref = (
        f"{entry}:\n    LDA ${v:04X}\n{lsrs}    BIT ${v:04X}\n    BPL .positive\n    ORA #{hex16(mask)}\n"
        f".positive:\n    STA $00\n    LDA ${v:04X}\n{asls}    CLC\n    ADC $00\n    STA ${v:04X}\n    RTS\n"
    )
    steps = "".join("    LDA $00\n    CMP #$8000\n    ROR A\n    STA $00\n" for _ in range(shift))
    slow = Draft(
        "memory-shifts",
        f"{entry}:\n    LDA ${v:04X}\n    STA $00\n{steps}    LDA ${v:04X}\n{asls}    CLC\n    ADC $00\n"
        f"    STA ${v:04X}\n    RTS\n",
        "every arithmetic shift goes through scratch memory (LDA/CMP/ROR/STA) instead of LSRs in A "
        "and one sign fill",
    )
    bugs = (
        Draft(
            "logical-shift",
            ref.replace(f"    BIT ${v:04X}\n    BPL .positive\n    ORA #{hex16(mask)}\n", ""),
            "LSR alone is an unsigned shift: negative velocities lose their sign",
        ),
        Draft("no-clc", ref.replace("    CLC\n", ""), "the carry left by the shifts is added in"),
        Draft(
            "bmi", ref.replace("BPL .positive", "BMI .positive"), "sign fill applied to the positive values"
        ),
    )
    frac = f"1/{1 << shift}"
    return Routine(
        kernel="fixed_scale88",
        entry=entry,
        call="jsr",
        summary=(
            f"Multiply the signed 8.8 fixed-point word at ${v:04X} by {hex16(constant)} "
            f"({whole} + {frac}) in place, rounding down."
        ),
        details=(
            f"The word at $7E{v:04X} is a signed 8.8 fixed-point velocity (two's complement, $0100 = 1.0). "
            f"Replace it with floor(v * {whole} + v / {1 << shift}) modulo $10000: the fraction term is v "
            f"shifted right arithmetically by {shift} (rounding toward minus infinity), the whole term is "
            f"v * {whole}; results that do not fit wrap. Observable: the word $7E{v:04X}. A is 16-bit (m=0) "
            "and may be clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                f"$7E{v:04X}:w": word_range(
                    0, 1, (1 << shift) - 1, 1 << shift, 0x7FFF, 0x8000, 0xFFFF, 0x10000 - (1 << shift)
                )
            },
            outputs=[f"$7E{v:04X}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("fixed", r"fixed.point", r"8\.8", r"fraction", r"sub.?pixel"),
            fact("signed-shift", r"arithmetic", r"sign", r"negative", r"\bORA\b"),
            fact("add", r"\badd", r"\bADC\b", r"sum"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Loads the velocity, shifts it right {shift} times with LSR and, when the original word is "
            f"negative (BIT sets N from bit 15), ORs in {hex16(mask)} so the shift is arithmetic. That "
            f"fraction term goes to scratch $00; the velocity{' doubled with ASL' if whole == 2 else ''} is "
            f"added to it (CLC/ADC) and stored back to ${v:04X}. RTS."
        ),
        false_claims=("It multiplies with the MUL instruction and rounds toward zero.",),
        tags=("fixed-point", "signed", "16-bit", "shifts"),
        params={"whole": whole, "shift": shift, "var": v},
    )


def clamp_signed_range(rng: random.Random) -> Routine:
    """Signed 16-bit clamp of A to [min, max] held in memory (signed compares through V)."""
    lo, hi = _vars(rng, 2)
    x = rng.choice([0, 1])
    entry = rng.choice(["ClampToRange", "Camera_ClampScroll", "LimitSigned", "Clamp16s"])
    ref = asm(f"""
        {entry}:
            STA $00
            SEC
            SBC ${lo:04X}
            BVS +
            BMI .low
            BRA .upper
        +   BPL .low
        .upper:
            LDA ${hi:04X}
            SEC
            SBC $00
            BVS +
            BMI .high
            BRA .keep
        +   BPL .high
        .keep:
            LDA $00
            CLC
            RTS
        .low:
            LDA ${lo:04X}
            SEC
            RTS
        .high:
            LDA ${hi:04X}
            SEC
            RTS
        """)
    slow = Draft(
        "offset-binary",
        asm(f"""
        {entry}:
            EOR #$8000
            STA $00
            LDA ${lo:04X}
            EOR #$8000
            STA $02
            LDA ${hi:04X}
            EOR #$8000
            STA $04
            LDA $00
            CMP $02
            BCC .low
            LDA $04
            CMP $00
            BCC .high
            LDA $00
            EOR #$8000
            CLC
            RTS
        .low:
            LDA $02
            EOR #$8000
            SEC
            RTS
        .high:
            LDA $04
            EOR #$8000
            SEC
            RTS
        """),
        "flips the sign bit of all three values into scratch to compare them unsigned, then flips back",
    )
    unsigned = asm(f"""
        {entry}:
            CMP ${lo:04X}
            BCC .low
            CMP ${hi:04X}
            BEQ .keep
            BCS .high
        .keep:
            CLC
            RTS
        .low:
            LDA ${lo:04X}
            SEC
            RTS
        .high:
            LDA ${hi:04X}
            SEC
            RTS
        """)
    bugs = (
        Draft("unsigned", unsigned, "CMP/BCC compares unsigned: negative values count as large"),
        Draft(
            "no-overflow",
            ref.replace("    BVS +\n    BMI .low\n    BRA .upper\n+   BPL .low\n", "    BMI .low\n").replace(
                "    BVS +\n    BMI .high\n    BRA .keep\n+   BPL .high\n", "    BMI .high\n"
            ),
            "the sign of the difference alone: wrong when the subtraction overflows",
        ),
        Draft(
            "no-sec",
            ref.replace("    STA $00\n    SEC\n", "    STA $00\n"),
            "entry carry leaks into the test",
        ),
    )
    # A equals max in every edge case and sometimes min; a positive A against a negative bound makes
    # the unsigned borrow and the signed order disagree.
    value_edges = word_range(0x0001, 0x0005, 0x0100)
    return Routine(
        kernel="clamp_signed_range",
        entry=entry,
        call="jsr",
        summary=f"Clamp the signed 16-bit A between the signed words at ${lo:04X} (min) and ${hi:04X} (max).",
        details=(
            f"A (16-bit, m=0), the minimum word at $7E{lo:04X} and the maximum word at $7E{hi:04X} are all "
            "signed (two's complement, -32768..32767). If A < min return min; otherwise if A > max return "
            "max; otherwise return A unchanged (when min > max the min test wins). Return with carry set "
            "when A was replaced by a bound and clear when it is returned unchanged. Observable: A and the "
            "carry. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                "A": value_edges,
                f"$7E{lo:04X}:w": word_range(0x0100, 0x8000, 0xFFF0),
                f"$7E{hi:04X}:w": value_edges,
            },
            outputs=["A", "flag:C"],
            preserve=["X", "Y"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("clamp", r"clamp", r"limit", r"bound", r"\bmin", r"\bmax"),
            fact("signed", r"signed", r"overflow", r"\bBVS\b", r"\bV\b", r"two'?s complement"),
            fact("compare", r"subtract", r"\bSBC\b", r"compar"),
        ),
        forbid=(*COMMON_FORBID, r"unsigned compar", r"compares? unsigned"),
        explanation=(
            f"Saves A in $00 and subtracts the minimum at ${lo:04X}; the signed result of the comparison "
            "is N unless the subtraction overflowed (V set), when it is the opposite of N. If A is below "
            f"the minimum it returns the minimum. Otherwise it subtracts A from the maximum at ${hi:04X} "
            "the same way and returns the maximum when A is above it, else A from $00. Carry is set on the "
            "clamping paths and cleared on the other. RTS."
        ),
        false_claims=("It compares unsigned with CMP and BCC.",),
        tags=("signed", "16-bit", "clamp", "overflow-flag"),
        params={"min": lo, "max": hi},
    )


def sat_add_signed8(rng: random.Random) -> Routine:
    """Signed 8-bit add with saturation to -128..127, using the carry of the overflowed add."""
    (v,) = _vars(rng, 1)
    x = rng.choice([0, 1])
    entry = rng.choice(["AddSpeedSat", "Sat_AddS8", "PushVelocity", "AccelClampS8"])
    ref = asm(f"""
        {entry}:
            CLC
            ADC ${v:04X}
            BVC .store
            LDA #$7F
            ADC #$00
        .store:
            STA ${v:04X}
            RTS
        """)
    slow = Draft(
        "sign-branch",
        asm(f"""
        {entry}:
            CLC
            ADC ${v:04X}
            BVC .store
            BMI .positive
            LDA #$80
            BRA .store
        .positive:
            LDA #$7F
        .store:
            STA ${v:04X}
            RTS
        """),
        "branches on the sign of the wrapped sum to pick the limit instead of letting the carry pick it",
    )
    bugs = (
        Draft("unsigned", ref.replace("BVC .store", "BCC .store"), "tests the unsigned carry, not overflow"),
        Draft("no-clc", ref.replace("    CLC\n", ""), "entry carry added in"),
        Draft(
            "one-sided",
            ref.replace("    ADC #$00\n", ""),
            "only the positive limit: a negative overflow also gives $7F",
        ),
    )
    edges = byte_range(0, 1, 0x7F, 0x80, 0x81, 0xFF)
    return Routine(
        kernel="sat_add_signed8",
        entry=entry,
        call="jsr",
        summary=f"Add the signed byte in A to the signed byte at ${v:04X}, saturating at -128 and +127.",
        details=(
            f"A (8-bit, m=1) and the byte at $7E{v:04X} are signed (two's complement). Compute their sum; if it "
            "is above +127 use $7F, if below -128 use $80. Store the result at "
            f"$7E{v:04X} and leave it in A. Observable: A (low byte) and $7E{v:04X}. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=x,
            inputs={"A.lo": edges, f"$7E{v:04X}": edges},
            outputs=["A.lo", f"$7E{v:04X}"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("saturate", r"saturat", r"clamp", r"\$7F", r"\$80", r"127", r"limit"),
            fact("overflow", r"overflow", r"\bBVC\b", r"\bV\b"),
            fact("signed", r"signed", r"two'?s complement", r"negative"),
        ),
        forbid=(*COMMON_FORBID, r"saturates? when the carry is set"),
        explanation=(
            f"Adds A to ${v:04X} (CLC/ADC). Without signed overflow (BVC) the sum is stored. On overflow "
            "the carry tells the direction: both operands negative leave carry set, so LDA #$7F / ADC #$00 "
            f"gives $80 for a negative overflow and $7F for a positive one. Stores to ${v:04X}. RTS."
        ),
        false_claims=("It saturates when the carry is set, like an unsigned add.",),
        tags=("signed", "saturation", "8-bit", "overflow-flag"),
        params={"var": v},
    )


def sat_sub_signed16(rng: random.Random) -> Routine:
    """Signed 16-bit subtract in place with saturation at $8000/$7FFF."""
    a, b = _vars(rng, 2)
    x = rng.choice([0, 1])
    entry = rng.choice(["SubForceSat", "Sat_SubS16", "ApplyDrag", "ReduceMomentum"])
    ref = asm(f"""
        {entry}:
            LDA ${a:04X}
            SEC
            SBC ${b:04X}
            BVC .store
            LDA ${a:04X}
            BMI .min
            LDA #$7FFF
            BRA .store
        .min:
            LDA #$8000
        .store:
            STA ${a:04X}
            RTS
        """)
    slow = Draft(
        "sign-compare",
        asm(f"""
        {entry}:
            LDA ${a:04X}
            SEC
            SBC ${b:04X}
            STA $00
            LDA ${a:04X}
            EOR ${b:04X}
            BPL .done
            LDA ${a:04X}
            EOR $00
            BPL .done
            LDA ${a:04X}
            BMI .min
            LDA #$7FFF
            STA $00
            BRA .done
        .min:
            LDA #$8000
            STA $00
        .done:
            LDA $00
            STA ${a:04X}
            RTS
        """),
        "detects overflow by comparing operand and result signs with EOR instead of reading V",
    )
    bugs = (
        Draft("bcc", ref.replace("BVC .store", "BCS .store"), "treats the borrow as the overflow"),
        Draft("no-sec", ref.replace("    SEC\n", ""), "entry carry: off by one"),
        Draft("bpl", ref.replace("BMI .min", "BPL .min"), "saturates toward the wrong end"),
    )
    edges = word_range(0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF)
    return Routine(
        kernel="sat_sub_signed16",
        entry=entry,
        call="jsr",
        summary=f"Subtract the signed word at ${b:04X} from the signed word at ${a:04X}, saturating.",
        details=(
            f"Both words ($7E{a:04X} and $7E{b:04X}) are signed 16-bit (two's complement). Store "
            f"${a:04X} - ${b:04X} back to $7E{a:04X}; a result above +32767 becomes $7FFF and one below "
            f"-32768 becomes $8000. Observable: the word $7E{a:04X}. A is 16-bit (m=0) and may be "
            "clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={f"$7E{a:04X}:w": edges, f"$7E{b:04X}:w": edges},
            outputs=[f"$7E{a:04X}:w"],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("saturate", r"saturat", r"clamp", r"\$7FFF", r"\$8000", r"limit"),
            fact("overflow", r"overflow", r"\bBVC\b", r"\bV\b"),
            fact("subtract", r"subtract", r"\bSBC\b", r"minus"),
        ),
        forbid=(*COMMON_FORBID, r"saturates? whenever[^\n.]{0,30}borrow"),
        explanation=(
            f"Subtracts ${b:04X} from ${a:04X} (SEC/SBC). If V is clear the difference is stored. On signed "
            f"overflow the sign of the original ${a:04X} decides: negative saturates to $8000, positive to "
            f"$7FFF. The result goes back to ${a:04X}. RTS."
        ),
        false_claims=("It saturates whenever the subtraction borrows.",),
        tags=("signed", "saturation", "16-bit", "overflow-flag"),
        params={"a": a, "b": b},
    )


def signed_div_pow2(rng: random.Random) -> Routine:
    """Signed 16-bit division by 2^s truncating toward zero (negate, shift, negate)."""
    shift = rng.choice([2, 3, 4, 5])
    x = rng.choice([0, 1])
    entry = rng.choice(["DivSigned", "HalveVelocity", "Sdiv_Pow2", "ScaleDownS16"])
    lsrs = "".join("    LSR A\n" for _ in range(shift))
    ref = (
        f"{entry}:\n    CMP #$8000\n    BCC .positive\n    EOR #$FFFF\n    INC A\n{lsrs}    EOR #$FFFF\n"
        f"    INC A\n    RTS\n.positive:\n{lsrs}    RTS\n"
    )
    rors = "".join("    CMP #$8000\n    ROR A\n" for _ in range(shift))
    bias = (1 << shift) - 1
    slow = Draft(
        "bias-then-asr",
        f"{entry}:\n    CMP #$8000\n    BCC .shift\n    CLC\n    ADC #{hex16(bias)}\n.shift:\n{rors}    RTS\n",
        "adds the rounding bias and then shifts arithmetically with CMP #$8000 / ROR per bit",
    )
    bugs = (
        Draft(
            "floor",
            f"{entry}:\n{rors}    RTS\n",
            "an arithmetic shift alone rounds toward minus infinity (-1 / 2 gives -1)",
        ),
        Draft(
            "ones-complement",
            ref.replace("    EOR #$FFFF\n    INC A\n", "    EOR #$FFFF\n", 1),
            "EOR without INC: the magnitude is off by one",
        ),
        Draft("bcs", ref.replace("BCC .positive", "BCS .positive"), "negates the positive values"),
    )
    p = 1 << shift
    return Routine(
        kernel="signed_div_pow2",
        entry=entry,
        call="jsr",
        summary=f"Divide the signed 16-bit A by {p}, rounding toward zero.",
        details=(
            f"A (16-bit, m=0) is signed (two's complement). Return A / {p} truncated toward zero, like C "
            f"integer division: -1 / {p} is 0, -{p + 1} / {p} is -1, -32768 / {p} is {-32768 // p}. "
            "Observable: A. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                "A": word_range(
                    0,
                    1,
                    p - 1,
                    p,
                    p + 1,
                    0x7FFF,
                    0x8000,
                    0x8001,
                    0xFFFF,
                    0x10000 - p,
                    0x10000 - p - 1,
                    0x10000 - p + 1,
                )
            },
            outputs=["A"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("divide", r"divid", r"division", r"shift(s|ed)? right", r"\bLSR\b"),
            fact("zero", r"toward(s)? zero", r"truncat", r"round"),
            fact("signed", r"signed", r"negative", r"negat"),
        ),
        forbid=(*COMMON_FORBID, r"shift right (by itself|alone) rounds toward zero"),
        explanation=(
            f"Tests the sign with CMP #$8000. A positive value is shifted right {shift} times (LSR). A negative "
            "one is negated (EOR #$FFFF / INC A), shifted the same way and negated back, so the quotient "
            f"is truncated toward zero rather than rounded down. The result is in A. RTS."
        ),
        false_claims=("An arithmetic shift right by itself rounds toward zero.",),
        tags=("signed", "division", "16-bit", "rounding"),
        params={"shift": shift},
    )


def to_sign_magnitude(rng: random.Random) -> Routine:
    """Two's complement word to sign-magnitude (bit 15 sign, 15-bit magnitude, -32768 saturates)."""
    x = rng.choice([0, 1])
    (v,) = _vars(rng, 1)
    entry = rng.choice(["ToSignMagnitude", "EncodeSpeedSM", "Net_PackSigned", "SignMag16"])
    ref = asm(f"""
        {entry}:
            CMP #$8000
            BCC .store
            BEQ .max
            EOR #$7FFF
            INC A
            BRA .store
        .max:
            LDA #$FFFF
        .store:
            STA ${v:04X}
            RTS
        """)
    slow = Draft(
        "subtract-from-zero",
        asm(f"""
        {entry}:
            CMP #$8000
            BCC .store
            STA $00
            LDA #$0000
            SEC
            SBC $00
            CMP #$8000
            BEQ .max
            ORA #$8000
            BRA .store
        .max:
            LDA #$FFFF
        .store:
            STA ${v:04X}
            RTS
        """),
        "negates by subtracting from zero through scratch and compares for -32768 separately",
    )
    bugs = (
        Draft("ones-complement", ref.replace("    INC A\n", ""), "EOR alone: the magnitude is one too small"),
        Draft(
            "no-saturate",
            ref.replace("    BEQ .max\n", ""),
            "-32768 has no 15-bit magnitude: it wraps to $0000 instead of $FFFF",
        ),
        Draft(
            "entry-flags",
            ref.replace("    CMP #$8000\n    BCC .store\n", "    BPL .store\n"),
            "BPL tests the N flag left from before the call, not A",
        ),
    )
    return Routine(
        kernel="to_sign_magnitude",
        entry=entry,
        call="jsr",
        summary=f"Convert the signed 16-bit A to sign-magnitude form and store it at ${v:04X}.",
        details=(
            "A (16-bit, m=0) is two's complement. Sign-magnitude keeps the magnitude in bits 0-14 and sets "
            "bit 15 for negative values: 5 stays $0005, -5 becomes $8005, 0 stays $0000. -32768 has no "
            f"15-bit magnitude and becomes $FFFF (the most negative representable). Store the result at "
            f"$7E{v:04X}. Observable: the word $7E{v:04X}. A may be clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={"A": word_range(0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF)},
            outputs=[f"$7E{v:04X}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("sign-magnitude", r"sign.magnitude", r"magnitude", r"absolute"),
            fact("bit15", r"bit 15", r"\$8000", r"sign bit", r"top bit"),
            fact("negate", r"negat", r"\bEOR #\$FFFF", r"two'?s complement"),
        ),
        forbid=(*COMMON_FORBID, r"-5 as \$FFFB"),
        explanation=(
            "Non-negative values (below $8000) are stored unchanged; -32768 ($8000) becomes $FFFF. For "
            "the other negatives, EOR #$7FFF / INC A negates the low 15 bits and keeps bit 15 set: "
            f"$8000 | -v, the sign-magnitude form. Stores at ${v:04X}. RTS."
        ),
        false_claims=("It stores -5 as $FFFB.",),
        tags=("signed", "conversion", "16-bit"),
        params={"var": v},
    )


def add_delta32(rng: random.Random) -> Routine:
    """Add a signed 16-bit delta to a 32-bit (16.16) position: the high word gets the sign extension."""
    (pos,) = _vars(rng, 1)
    x = rng.choice([0, 1])
    entry = rng.choice(["MovePos32", "Camera_AddDelta", "AddSigned32", "Track_Advance"])
    ref = asm(f"""
        {entry}:
            CMP #$8000
            BCS .negative
            ADC ${pos:04X}
            STA ${pos:04X}
            BCC .done
            INC ${pos + 2:04X}
        .done:
            RTS
        .negative:
            CLC
            ADC ${pos:04X}
            STA ${pos:04X}
            BCS .done
            DEC ${pos + 2:04X}
            RTS
        """)
    slow = Draft(
        "sign-word",
        asm(f"""
        {entry}:
            STA $00
            STZ $02
            CMP #$8000
            BCC .positive
            DEC $02
        .positive:
            LDA $00
            CLC
            ADC ${pos:04X}
            STA ${pos:04X}
            LDA $02
            ADC ${pos + 2:04X}
            STA ${pos + 2:04X}
            RTS
        """),
        "builds the sign-extension word in scratch and does a full 32-bit add",
    )
    bugs = (
        Draft(
            "unsigned",
            asm(f"""
            {entry}:
                CLC
                ADC ${pos:04X}
                STA ${pos:04X}
                BCC .done
                INC ${pos + 2:04X}
            .done:
                RTS
            """),
            "the delta is treated as unsigned: a negative delta never borrows from the high word",
        ),
        Draft(
            "bcc-neg", ref.replace("BCS .done\n", "BCC .done\n"), "borrow test inverted for negative deltas"
        ),
        Draft("no-clc", ref.replace("    CLC\n", ""), "negative path adds the carry from CMP (always set)"),
    )
    return Routine(
        kernel="add_delta32",
        entry=entry,
        call="jsr",
        summary=f"Add the signed 16-bit A to the 32-bit position at ${pos:04X}-${pos + 3:04X}.",
        details=(
            f"The position is a 32-bit little-endian value: low word $7E{pos:04X}, high word "
            f"$7E{pos + 2:04X}. A (16-bit, m=0) is a signed delta (-32768..32767): sign-extend it to 32 bits "
            "and add, wrapping modulo 2^32. Observable: the four bytes "
            f"$7E{pos:04X}-$7E{pos + 3:04X}. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                "A": word_range(0, 1, 0x7FFF, 0x8000, 0xFFFF),
                f"$7E{pos:04X}:w": word_range(0, 1, 0x7FFF, 0x8000, 0xFFFF),
                f"$7E{pos + 2:04X}:w": word_range(0, 0xFFFF),
            },
            outputs=[f"$7E{pos:04X}..$7E{pos + 3:04X}"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("32", r"32-bit", r"two words", r"high word", r"16\.16", r"four bytes"),
            fact("sign", r"sign", r"negative", r"\bDEC\b", r"borrow"),
            fact("carry", r"carry", r"\bINC\b", r"propagat"),
        ),
        forbid=(*COMMON_FORBID, r"adds? zero to the high word"),
        explanation=(
            f"A non-negative delta (below $8000) is added to the low word ${pos:04X} (carry is clear after "
            f"CMP), and a carry out increments the high word ${pos + 2:04X}. A negative delta is added with "
            "CLC/ADC; its sign extension is $FFFF, so the high word is decremented unless the low add "
            "carried. RTS."
        ),
        false_claims=("It always adds zero to the high word.",),
        tags=("32-bit", "signed", "16-bit", "carry"),
        params={"pos": pos},
    )


def high_score32(rng: random.Random) -> Routine:
    """Unsigned 32-bit compare across two words; copy the score when it beats the best."""
    score, best = _vars(rng, 2)
    x = rng.choice([0, 1])
    entry = rng.choice(["UpdateHighScore", "Record_Best", "CheckNewRecord", "Score_KeepMax"])
    ref = asm(f"""
        {entry}:
            LDA ${score + 2:04X}
            CMP ${best + 2:04X}
            BCC .done
            BNE .copy
            LDA ${score:04X}
            CMP ${best:04X}
            BCC .done
            BEQ .done
        .copy:
            LDA ${score:04X}
            STA ${best:04X}
            LDA ${score + 2:04X}
            STA ${best + 2:04X}
        .done:
            RTS
        """)
    slow = Draft(
        "subtract-32",
        asm(f"""
        {entry}:
            LDA ${best:04X}
            SEC
            SBC ${score:04X}
            LDA ${best + 2:04X}
            SBC ${score + 2:04X}
            BCS .done
            LDA ${score:04X}
            STA ${best:04X}
            LDA ${score + 2:04X}
            STA ${best + 2:04X}
        .done:
            RTS
        """),
        "a full 32-bit subtraction (best - score) on every call instead of deciding on the high words",
    )
    bugs = (
        Draft(
            "low-only",
            asm(f"""
            {entry}:
                LDA ${score:04X}
                CMP ${best:04X}
                BCC .done
                BEQ .done
                LDA ${score:04X}
                STA ${best:04X}
                LDA ${score + 2:04X}
                STA ${best + 2:04X}
            .done:
                RTS
            """),
            "compares only the low words",
        ),
        Draft(
            "signed", ref.replace("BCC .done\n    BNE", "BMI .done\n    BNE"), "signed test on the high word"
        ),
        Draft(
            "high-word-only",
            ref.replace(
                f"    LDA ${score:04X}\n    CMP ${best:04X}\n    BCC .done\n    BEQ .done\n",
                "    BRA .done\n",
            ),
            "equal high words never look at the low words",
        ),
    )
    hi_edges = word_range(0, 1, 0x8000, 0xFFFF)
    return Routine(
        kernel="high_score32",
        entry=entry,
        call="jsr",
        summary=f"If the 32-bit score at ${score:04X} is greater than the best at ${best:04X}, copy it there.",
        details=(
            f"Both are unsigned 32-bit little-endian values: score $7E{score:04X}-$7E{score + 3:04X}, best "
            f"$7E{best:04X}-$7E{best + 3:04X}. When score > best (unsigned), copy all four score bytes over "
            f"best; otherwise leave best as it is. Observable: $7E{best:04X}-$7E{best + 3:04X}. A is 16-bit "
            "(m=0) and may be clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                f"$7E{score:04X}:w": word_range(1, 0x8000, 0xFFFF),
                f"$7E{score + 2:04X}:w": hi_edges,
                f"$7E{best:04X}:w": word_range(0, 0x8000, 0xFFFE),
                f"$7E{best + 2:04X}:w": hi_edges,
            },
            outputs=[f"$7E{best:04X}..$7E{best + 3:04X}"],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("compare", r"compar", r"\bCMP\b", r"greater"),
            fact("32", r"32-bit", r"high word", r"two words", r"four bytes"),
            fact("copy", r"cop(y|ies)", r"replace", r"\bstore"),
        ),
        forbid=(*COMMON_FORBID, r"as signed numbers"),
        explanation=(
            f"Compares the high words first: a smaller score high word exits, a larger one copies. Equal "
            "high words fall through to the low words, where only a strictly greater score copies. The "
            f"copy moves both words of the score to ${best:04X}. RTS."
        ),
        false_claims=("It compares the values as signed numbers.",),
        tags=("32-bit", "compare", "16-bit", "score"),
        params={"score": score, "best": best},
    )


def mul16_soft(rng: random.Random) -> Routine:
    """Unsigned 16 x 16 -> 32-bit multiply by shift-and-add (multiplier bits shifted out of the low word)."""
    a, b, p = _vars(rng, 3)
    x = rng.choice([0, 1])
    entry = rng.choice(["Mul16", "Math_Multiply16", "UMul16x16", "ProductWide"])
    ref = asm(f"""
        {entry}:
            LDA ${b:04X}
            STA ${p:04X}
            LDA #$0000
            LDX #{hex_index(16, x)}
            LSR ${p:04X}
        .loop:
            BCC .skip
            CLC
            ADC ${a:04X}
        .skip:
            ROR A
            ROR ${p:04X}
            DEX
            BNE .loop
            STA ${p + 2:04X}
            RTS
        """)
    slow = Draft(
        "left-shift",
        asm(f"""
        {entry}:
            STZ ${p:04X}
            STZ ${p + 2:04X}
            LDA ${b:04X}
            STA $00
            LDX #{hex_index(16, x)}
        .loop:
            ASL ${p:04X}
            ROL ${p + 2:04X}
            ASL $00
            BCC .next
            LDA ${p:04X}
            CLC
            ADC ${a:04X}
            STA ${p:04X}
            LDA ${p + 2:04X}
            ADC #$0000
            STA ${p + 2:04X}
        .next:
            DEX
            BNE .loop
            RTS
        """),
        "shifts the 32-bit product in memory and adds the multiplicand with a 32-bit add per set bit",
    )
    bugs = (
        Draft("no-clc", ref.replace("    CLC\n", ""), "the carry that chose the add is added too"),
        Draft(
            "fifteen",
            ref.replace(f"LDX #{hex_index(16, x)}", f"LDX #{hex_index(15, x)}"),
            "15 rounds: the product is one bit short",
        ),
        Draft(
            "no-first-bit",
            ref.replace(f"    LSR ${p:04X}\n", "", 1),
            "the first multiplier bit is never read",
        ),
    )
    edges = word_range(0, 1, 2, 0x8000, 0xFFFF)
    return Routine(
        kernel="mul16_soft",
        entry=entry,
        call="jsr",
        summary=f"Multiply the words at ${a:04X} and ${b:04X} (unsigned) into the 32-bit product at ${p:04X}.",
        details=(
            f"Unsigned 16 x 16 -> 32-bit multiply in software (no hardware multiplier): product "
            f"$7E{a:04X} * $7E{b:04X}, stored little-endian at $7E{p:04X}-$7E{p + 3:04X}. The factors must "
            "not be changed. Observable: the four product bytes. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={f"$7E{a:04X}:w": edges, f"$7E{b:04X}:w": edges},
            outputs=[f"$7E{p:04X}..$7E{p + 3:04X}"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("multiply", r"multipl", r"product"),
            fact("shift-add", r"shift", r"\bROR\b", r"\bLSR\b", r"add"),
            fact("32", r"32-bit", r"four bytes", r"high word"),
        ),
        forbid=(*COMMON_FORBID, r"hardware multiplier"),
        explanation=(
            f"Puts the multiplier in the product's low word ${p:04X} and keeps the high word in A. Each of "
            "16 rounds takes the next multiplier bit from the carry (the first from LSR), adds the "
            f"multiplicand ${a:04X} to A when it is set, then rotates carry, A and the low word right, "
            f"which also brings out the next bit. A ends as the high word, stored at ${p + 2:04X}. RTS."
        ),
        false_claims=("It uses the hardware multiplier at $4202.",),
        tags=("multiply", "16-bit", "32-bit", "shifts", "loop"),
        params={"a": a, "b": b, "p": p},
    )


def div16_soft(rng: random.Random) -> Routine:
    """Unsigned 16 / 16 restoring division, quotient in place, remainder out."""
    n, d, r = _vars(rng, 3)
    x = rng.choice([0, 1])
    entry = rng.choice(["Div16", "Math_Divide16", "UDiv16", "SplitByDivisor"])
    ref = asm(f"""
        {entry}:
            LDA #$0000
            LDX #{hex_index(16, x)}
        .loop:
            ASL ${n:04X}
            ROL A
            CMP ${d:04X}
            BCC .next
            SBC ${d:04X}
            INC ${n:04X}
        .next:
            DEX
            BNE .loop
            STA ${r:04X}
            RTS
        """)
    slow = Draft(
        "memory-remainder",
        asm(f"""
        {entry}:
            STZ $00
            STZ $02
            LDX #{hex_index(16, x)}
        .loop:
            ASL ${n:04X}
            ROL $00
            ROL $02
            LDA $00
            SEC
            SBC ${d:04X}
            STA $04
            LDA $02
            SBC #$0000
            BCC .next
            STA $02
            LDA $04
            STA $00
            INC ${n:04X}
        .next:
            DEX
            BNE .loop
            LDA $00
            STA ${r:04X}
            RTS
        """),
        "keeps a 32-bit remainder in scratch and does a trial 32-bit subtraction every round",
    )
    bugs = (
        Draft(
            "fifteen",
            ref.replace(f"LDX #{hex_index(16, x)}", f"LDX #{hex_index(15, x)}"),
            "15 rounds: the top dividend bit is never brought down",
        ),
        Draft("bcs", ref.replace("BCC .next", "BCS .next"), "subtracts exactly when it must not"),
        Draft("no-store", ref.replace(f"    STA ${r:04X}\n", ""), "the remainder is never stored"),
    )
    return Routine(
        kernel="div16_soft",
        entry=entry,
        call="jsr",
        summary=(
            f"Divide the word at ${n:04X} by the word at ${d:04X} (unsigned): quotient in place, remainder "
            f"to ${r:04X}."
        ),
        details=(
            f"Software 16-bit division (no hardware divider). The dividend $7E{n:04X} is 0-65535 and the "
            f"divisor $7E{d:04X} is 1-65535 (never 0). Replace the dividend with the quotient and store the "
            f"remainder at $7E{r:04X}. Observable: the words $7E{n:04X} and $7E{r:04X}. A and X may be "
            "clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                f"$7E{n:04X}:w": word_range(0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF),
                f"$7E{d:04X}:w": span(1, 0xFFFF, 1, 2, 3, 0x7FFF, 0x8000, 0x8001, 0xFFFF),
            },
            outputs=[f"$7E{n:04X}:w", f"$7E{r:04X}:w"],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("divide", r"divi", r"quotient"),
            fact("remainder", r"remainder", r"modul"),
            fact("shift-subtract", r"shift", r"subtract", r"\bSBC\b", r"\bROL\b"),
        ),
        forbid=(*COMMON_FORBID, r"hardware divider"),
        explanation=(
            f"Restoring division over 16 rounds: each round shifts the dividend ${n:04X} left into the "
            "remainder in A (ASL/ROL). When the remainder reaches the divisor (it never needs a 17th "
            "bit: before round k it is below 2^(k-1)) the divisor is subtracted and the freed low bit of "
            f"${n:04X} becomes a 1 (INC). After 16 rounds ${n:04X} holds the quotient; A, the remainder, goes to ${r:04X}."
        ),
        false_claims=("It divides with the hardware divider at $4204.",),
        tags=("division", "16-bit", "shifts", "loop"),
        params={"n": n, "d": d, "r": r},
    )


def isqrt16(rng: random.Random) -> Routine:
    """Integer square root of a 16-bit value, digit by digit (no multiply)."""
    (out,) = _vars(rng, 1)
    x = rng.choice([0, 1])
    entry = rng.choice(["ISqrt16", "Math_Sqrt", "DistanceRoot", "SquareRoot16"])
    ref = asm(f"""
        {entry}:
            STA $00
            STZ $02
            LDA #$4000
            CLC
        .loop:
            STA $04
            ADC $02
            STA $06
            LDA $00
            CMP $06
            BCC .smaller
            SBC $06
            STA $00
            LDA $02
            LSR A
            ADC $04
            STA $02
            BRA .next
        .smaller:
            LSR $02
        .next:
            LDA $04
            LSR A
            LSR A
            BNE .loop
            LDA $02
            STA ${out:04X}
            RTS
        """)
    slow = Draft(
        "add-and-counter",
        asm(f"""
        {entry}:
            STA $00
            STZ $02
            LDA #$4000
            STA $04
            LDA #$0008
            STA $08
        .loop:
            LDA $02
            CLC
            ADC $04
            STA $06
            LDA $00
            SEC
            SBC $06
            BCC .smaller
            STA $00
            LSR $02
            LDA $02
            CLC
            ADC $04
            STA $02
            BRA .next
        .smaller:
            LSR $02
        .next:
            LSR $04
            LSR $04
            DEC $08
            BNE .loop
            LDA $02
            STA ${out:04X}
            RTS
        """),
        "subtracts a copy even when it fails, uses CLC/ADC where ORA is enough and counts rounds in memory",
    )
    bugs = (
        Draft(
            "lsr-once",
            ref.replace("    LSR A\n    LSR A\n    BNE .loop", "    LSR A\n    BNE .loop"),
            "the trial bit moves one place per round instead of two",
        ),
        Draft(
            "bcs", ref.replace("BCC .smaller", "BCS .smaller"), "keeps the digit exactly when it does not fit"
        ),
        Draft(
            "no-halve",
            ref.replace("    LDA $02\n    LSR A\n    ADC $04", "    LDA $02\n    ADC $04"),
            "the root is not halved before the new bit is set",
        ),
    )
    return Routine(
        kernel="isqrt16",
        entry=entry,
        call="jsr",
        summary=f"Store floor(sqrt(A)) for the unsigned 16-bit A at ${out:04X}.",
        details=(
            f"A (16-bit, m=0) is unsigned 0-65535. Store the integer square root (the largest r with "
            f"r*r <= A, 0-255) as a word at $7E{out:04X}. No hardware multiplier or divider. Observable: "
            f"the word $7E{out:04X}. A may be clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                "A": word_range(0, 1, 2, 3, 4, 8, 9, 0x00FF, 0x0100, 0x3FFF, 0x4000, 0xFE00, 0xFE01, 0xFFFF)
            },
            outputs=[f"$7E{out:04X}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("sqrt", r"square root", r"\bsqrt", r"\broot"),
            fact("bits", r"bit", r"\$4000", r"digit"),
            fact("subtract", r"subtract", r"\bSBC\b", r"remainder"),
        ),
        forbid=(*COMMON_FORBID, r"hardware multiplier"),
        explanation=(
            "Bit-by-bit square root: the remainder starts as A in $00, the root at 0 and the trial bit at "
            "$4000. Each round, if the remainder is at least root+bit it subtracts that and the root "
            "becomes root/2 + bit, else the root is just halved; the bit moves two places right until it "
            f"is 0. The carry is clear at the top of every round (CLC once, then the shifts of a "
            f"power-of-four bit and of an even root shift out zeros). The root is stored at ${out:04X}. RTS."
        ),
        false_claims=("It multiplies candidates with the hardware multiplier.",),
        tags=("sqrt", "16-bit", "loop", "bits"),
        params={"out": out},
    )


def avg_round16(rng: random.Random) -> Routine:
    """(a + b + 1) / 2 for unsigned words, keeping the 17th bit of the sum through ROR."""
    a, b, out = _vars(rng, 3)
    x = rng.choice([0, 1])
    entry = rng.choice(["AverageRound", "Midpoint16", "Blend_Half", "MeanOfTwo"])
    ref = asm(f"""
        {entry}:
            LDA ${a:04X}
            SEC
            ADC ${b:04X}
            ROR A
            STA ${out:04X}
            RTS
        """)
    slow = Draft(
        "halve-first",
        asm(f"""
        {entry}:
            LDA ${a:04X}
            LSR A
            STA $00
            LDA ${b:04X}
            LSR A
            CLC
            ADC $00
            STA $00
            LDA ${a:04X}
            ORA ${b:04X}
            AND #$0001
            CLC
            ADC $00
            STA ${out:04X}
            RTS
        """),
        "halves both values first and adds the rounding bit separately to avoid the 17-bit sum",
    )
    bugs = (
        Draft("round-down", ref.replace("SEC", "CLC"), "rounds halves down"),
        Draft("lsr", ref.replace("ROR A", "LSR A"), "loses the 17th bit: large sums wrap"),
        Draft("no-sec", ref.replace("    SEC\n", ""), "rounding depends on the entry carry"),
    )
    edges = word_range(0, 1, 2, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF)
    return Routine(
        kernel="avg_round16",
        entry=entry,
        call="jsr",
        summary=f"Store the rounded average of the unsigned words at ${a:04X} and ${b:04X} at ${out:04X}.",
        details=(
            f"The words $7E{a:04X} and $7E{b:04X} are unsigned 0-65535. Store (a + b + 1) / 2, rounded down "
            f"after adding 1 (so halves round up), at $7E{out:04X}; the sum needs 17 bits and must not wrap. "
            f"Observable: the word $7E{out:04X}. A is 16-bit (m=0) and may be clobbered; keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={f"$7E{a:04X}:w": edges, f"$7E{b:04X}:w": edges},
            outputs=[f"$7E{out:04X}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("average", r"average", r"mean", r"midpoint", r"half"),
            fact("round", r"round", r"\+ ?1", r"\bSEC\b"),
            fact("17", r"17", r"carry", r"\bROR\b"),
        ),
        forbid=(*COMMON_FORBID, r"LSR, dropping the carry"),
        explanation=(
            f"SEC then ADC adds the two words plus one; the carry out is bit 16 of that sum. ROR A shifts "
            f"it back in while halving, giving the rounded average (a+b+1)/2 without overflow. Stored at "
            f"${out:04X}. RTS."
        ),
        false_claims=("It adds the two words and shifts with LSR, dropping the carry.",),
        tags=("average", "16-bit", "rounding", "carry"),
        params={"a": a, "b": b, "out": out},
    )


def digit_spend(rng: random.Random) -> Routine:
    """Subtract a digit-per-byte price from digit-per-byte money: decimal-mode SBC keeps each digit."""
    digits = rng.choice([4, 5, 6])
    money, price = _vars(rng, 2, stride=8)
    entry = rng.choice(["SpendMoney", "Shop_Pay", "BuyItem", "DeductCoins"])
    top = hex8(digits - 1)
    ref = asm(f"""
        {entry}:
            SED
            SEC
            LDX #{top}
        .digit:
            LDA ${money:04X},X
            SBC ${price:04X},X
            AND #$0F
            STA $00,X
            DEX
            BPL .digit
            BCC .short
            LDX #{top}
        .copy:
            LDA $00,X
            STA ${money:04X},X
            DEX
            BPL .copy
        .short:
            CLD
            RTS
        """)
    slow = Draft(
        "binary-borrow",
        asm(f"""
        {entry}:
            STZ $08
            LDX #{top}
        .digit:
            LDA ${money:04X},X
            SEC
            SBC ${price:04X},X
            SEC
            SBC $08
            STZ $08
            BPL .ok
            CLC
            ADC #10
            INC $08
        .ok:
            STA $00,X
            DEX
            BPL .digit
            LDA $08
            BNE .short
            LDX #{top}
        .copy:
            LDA $00,X
            STA ${money:04X},X
            DEX
            BPL .copy
            SEC
            RTS
        .short:
            CLC
            RTS
        """),
        "subtracts in binary and repairs each negative digit (+10) with a borrow byte in scratch",
    )
    bugs = (
        Draft(
            "binary",
            ref.replace("    SED\n", "").replace("    CLD\n", ""),
            "without decimal mode 3 - 5 gives $FE, so the digit becomes 14",
        ),
        Draft("no-mask", ref.replace("    AND #$0F\n", ""), "a borrowing digit is stored as $9x"),
        Draft("no-check", ref.replace("    BCC .short\n", ""), "pays even when the money is short"),
    )
    last = digits - 1
    digit = span(0, 9, 0, 9)
    inputs: dict[str, object] = {f"$7E{money + i:04X}": digit for i in range(digits)}
    inputs.update({f"$7E{price + i:04X}": digit for i in range(digits)})
    return Routine(
        kernel="digit_spend",
        entry=entry,
        call="jsr",
        summary=(
            f"Pay the {digits}-digit price at ${price:04X} out of the {digits}-digit money at ${money:04X} "
            "(one decimal digit per byte) if it is enough; carry tells whether it was."
        ),
        details=(
            f"Money is {digits} bytes at $7E{money:04X}-$7E{money + last:04X} and the price {digits} bytes at "
            f"$7E{price:04X}-$7E{price + last:04X}, one decimal digit (0-9) per byte, most significant digit "
            f"first (the HUD's order: 1234 is $01,$02,$03,$04 when {digits} is 4). If money >= price, replace "
            "the money digits by the difference and return with carry set; otherwise leave the money "
            "unchanged and return with carry clear. Mode m=1, x=1; the decimal flag must be clear again on "
            f"return. Observable: $7E{money:04X}-$7E{money + last:04X} and the carry. A and X may be "
            "clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs=inputs,
            outputs=[f"$7E{money:04X}..$7E{money + last:04X}", "flag:C"],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("decimal", r"decimal", r"\bSED\b", r"\bBCD\b"),
            fact("borrow", r"borrow", r"carry", r"enough"),
            fact("digits", r"digit", r"\bAND #\$0F", r"nibble"),
        ),
        forbid=(*COMMON_FORBID, r"compares the two numbers"),
        explanation=(
            "In decimal mode (SED) it subtracts digit by digit from the least significant (X counts down), "
            "so a digit that borrows comes out as $9x with the right digit in the low nibble (AND #$0F) "
            "and the borrow carried to the next SBC; the digits go to scratch $00. If the last SBC "
            f"borrowed (carry clear) the money is short and nothing is copied; otherwise scratch is copied "
            f"over ${money:04X}. CLD before RTS; the carry is the verdict."
        ),
        false_claims=("It compares the two numbers with CMP before subtracting.",),
        tags=("bcd", "decimal-mode", "money", "loop"),
        params={"digits": digits, "money": money, "price": price},
    )


def binary_to_bcd16(rng: random.Random) -> Routine:
    """A word to packed BCD by decimal-mode doubling: 16 rounds of A = A + A + bit (16-bit BCD add)."""
    v, out = _vars(rng, 2)
    entry = rng.choice(["WordToBCD", "Hud_ScoreDigits", "BinToBcd16", "FormatScore"])
    ref = asm(f"""
        {entry}:
            LDA ${v:04X}
            STA $00
            LDA #$0000
            STZ $02
            LDX #$10
            SED
        .loop:
            ASL $00
            STA $04
            ADC $04
            ROL $02
            DEX
            BNE .loop
            CLD
            STA ${out:04X}
            LDA $02
            STA ${out + 2:04X}
            RTS
        """)
    slow = Draft(
        "byte-doubling",
        asm(f"""
        {entry}:
            LDA ${v:04X}
            STA $00
            STZ ${out:04X}
            STZ ${out + 2:04X}
            LDX #$10
            SED
        .loop:
            ASL $00
            SEP #$20
            LDA ${out:04X}
            ADC ${out:04X}
            STA ${out:04X}
            LDA ${out + 1:04X}
            ADC ${out + 1:04X}
            STA ${out + 1:04X}
            LDA ${out + 2:04X}
            ADC ${out + 2:04X}
            STA ${out + 2:04X}
            REP #$20
            DEX
            BNE .loop
            CLD
            RTS
        """),
        "doubles the BCD number one byte at a time in 8-bit mode, in memory, every round",
    )
    bugs = (
        Draft(
            "binary", ref.replace("    SED\n", "").replace("    CLD\n", ""), "binary doubling: no BCD at all"
        ),
        Draft("lost-carry", ref.replace("    ROL $02\n", ""), "the fifth digit is never built"),
        Draft("lsr", ref.replace("ASL $00", "LSR $00"), "takes the bits lowest first"),
    )
    return Routine(
        kernel="binary_to_bcd16",
        entry=entry,
        call="jsr",
        summary=f"Convert the word at ${v:04X} (0-65535) to packed BCD at ${out:04X}-${out + 3:04X}.",
        details=(
            f"$7E{v:04X} is an unsigned word. Store its five decimal digits as packed BCD, little-endian, in "
            f"the four bytes $7E{out:04X}-$7E{out + 3:04X}: 65535 gives $35,$55,$06,$00 and 1234 gives "
            "$34,$12,$00,$00 (the top byte is always $00). Mode m=0, x=1; the decimal flag must be clear "
            f"again on return. Observable: $7E{out:04X}-$7E{out + 3:04X}. A and X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={f"$7E{v:04X}:w": word_range(0, 9, 10, 99, 100, 9999, 10000, 0x7FFF, 0x8000, 0xFFFF)},
            outputs=[f"$7E{out:04X}..$7E{out + 3:04X}"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("bcd", r"\bBCD\b", r"decimal"),
            fact("double", r"doubl", r"\bADC\b", r"\* ?2", r"shift"),
            fact("bits", r"\b16\b", r"each bit", r"bit"),
        ),
        forbid=(*COMMON_FORBID, r"hardware divider"),
        explanation=(
            "Copies the word to $00 and clears the BCD result (A for the low four digits, $02 for the fifth). "
            "In decimal mode, 16 times: shift the next bit out of $00 (ASL), double the BCD value and add "
            "that bit (STA $04 / ADC $04), and rotate the decimal carry into the fifth digit (ROL $02). "
            f"CLD, then A goes to ${out:04X} and the fifth digit word to ${out + 2:04X}. RTS."
        ),
        false_claims=("It divides by ten repeatedly with the hardware divider.",),
        tags=("bcd", "decimal-mode", "conversion", "16-bit", "loop"),
        params={"v": v, "out": out},
    )


def bcd_to_binary(rng: random.Random) -> Routine:
    """Packed BCD byte to binary: hi * 10 + lo as (hi * 8) + (hi * 2) + lo."""
    entry = rng.choice(["BcdToBinary", "DecodeBcdByte", "Bcd2Bin", "ParseDigits", "Timer_BcdToFrames"])
    (src,) = _vars(rng, 1)
    ref = asm(f"""
        {entry}:
            LDA ${src:04X}
            STA $00
            LSR A
            AND #$78
            STA $01
            LSR A
            LSR A
            ADC $01
            STA $01
            LDA $00
            AND #$0F
            ADC $01
            RTS
        """)
    slow = Draft(
        "add-ten-loop",
        asm(f"""
        {entry}:
            LDA ${src:04X}
            STA $00
            AND #$0F
            STA $01
            LDA $00
            LSR A
            LSR A
            LSR A
            LSR A
            TAX
            LDA $01
            CPX #$00
            BEQ .done
        .loop:
            CLC
            ADC #10
            DEX
            BNE .loop
        .done:
            RTS
        """),
        "adds 10 once per tens digit in a loop",
    )
    bugs = (
        Draft(
            "times-eight",
            ref.replace("    LSR A\n    LSR A\n    ADC $01\n    STA $01\n", ""),
            "the tens digit counts 8, not 10",
        ),
        Draft(
            "no-mask", ref.replace("    AND #$0F\n", ""), "the whole BCD byte is added, not the ones digit"
        ),
        Draft(
            "shift-lost",
            ref.replace("    LSR A\n", "", 1),
            "without the first shift AND #$78 keeps the wrong bits",
        ),
    )
    return Routine(
        kernel="bcd_to_binary",
        entry=entry,
        call="jsr",
        summary=f"Convert the packed-BCD byte at ${src:04X} to binary (tens nibble * 10 + ones nibble) in A.",
        details=(
            f"The byte $7E{src:04X} holds two packed digits: the high nibble is tens, the low nibble ones "
            "(mode m=1, x=1). Return "
            "high * 10 + low in A; nibbles above 9 are weighted the same way ($A5 gives 105, $FF gives 165). "
            "Observable: A (low byte). X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={f"$7E{src:04X}": byte_range(0x00, 0x09, 0x10, 0x19, 0x90, 0x99, 0xA0, 0xFF)},
            outputs=["A.lo"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("bcd", r"\bBCD\b", r"decimal", r"digit", r"nibble"),
            fact("ten", r"\* ?10", r"times (ten|10)", r"\bten\b", r"\* ?8", r"\* ?2"),
            fact("add", r"\badd", r"\bADC\b", r"sum"),
        ),
        forbid=(*COMMON_FORBID, r"tens digit by 16"),
        explanation=(
            f"Loads the byte at ${src:04X} and keeps it in $00. Shifted right once and masked with AND #$78 it is tens*8 (saved in "
            "$01); two more shifts give tens*2, and their sum is tens*10. The carry is clear after those "
            "shifts and additions, so the ones nibble (AND #$0F) is added without CLC. Result in A. RTS."
        ),
        false_claims=("It multiplies the tens digit by 16.",),
        tags=("bcd", "conversion", "8-bit", "shifts"),
        params={"src": src},
    )


def popcount16(rng: random.Random) -> Routine:
    """Count the set bits of a word by clearing the lowest set bit (A AND A-1) until zero."""
    entry = rng.choice(["CountBits16", "PopCount", "CountFlags", "Bits_Count", "CountOwned", "Flags_Tally"])
    (out,) = _vars(rng, 1)
    ref = asm(f"""
        {entry}:
            LDX #$00
            CMP #$0000
            BEQ .done
        .loop:
            INX
            STA $00
            DEC A
            AND $00
            BNE .loop
        .done:
            TXA
            STA ${out:04X}
            RTS
        """)
    slow = Draft(
        "sixteen-shifts",
        asm(f"""
        {entry}:
            STA $00
            LDA #$0000
            LDX #$10
        .loop:
            LSR $00
            ADC #$0000
            DEX
            BNE .loop
            STA ${out:04X}
            RTS
        """),
        "shifts all 16 bits out one by one, even the zero ones",
    )
    bugs = (
        Draft("no-zero-test", ref.replace("    CMP #$0000\n    BEQ .done\n", ""), "counts 1 for the value 0"),
        Draft("ora", ref.replace("AND $00", "ORA $00"), "OR keeps every bit: the loop never ends"),
        Draft("no-txa", ref.replace("    TXA\n", ""), "returns the cleared word instead of the count"),
    )
    return Routine(
        kernel="popcount16",
        entry=entry,
        call="jsr",
        summary=f"Count the set bits of the 16-bit A; return the count in A and store it at ${out:04X}.",
        details=(
            "A (16-bit, m=0) is any word (a set of 16 flags); index registers are 8-bit (x=1). Return the "
            f"count of 1 bits (0-16) in A and store it as a word at $7E{out:04X}. Observable: A and the word "
            f"$7E{out:04X}. X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={"A": word_range(0, 1, 2, 0x8000, 0x8001, 0x7FFF, 0xFFFF, 0x5555, 0xAAAA)},
            outputs=["A", f"$7E{out:04X}:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("count", r"count", r"population", r"number of"),
            fact("bits", r"\b1 bits?\b", r"set bits?", r"bits? (that are )?set"),
            fact("and", r"AND \(A ?- ?1\)", r"lowest set bit", r"\bDEC A\b"),
        ),
        forbid=(*COMMON_FORBID, r"counts the zero bits"),
        explanation=(
            "Starts the count at 0 in X and returns at once for 0. Otherwise each round counts one bit and "
            "clears the lowest set bit with A AND (A - 1) (the old value kept in $00), until A is 0. TXA "
            f"returns the count, also stored at ${out:04X}. RTS."
        ),
        false_claims=("It counts the zero bits.",),
        tags=("bits", "16-bit", "loop"),
        params={"out": out},
    )


def count_leading_zeros(rng: random.Random) -> Routine:
    """Leading zero bits of a word (16 for zero)."""
    (v,) = _vars(rng, 1)
    entry = rng.choice(["CountLeadingZeros", "Clz16", "HighestBitPos", "Norm_Shift"])
    ref = asm(f"""
        {entry}:
            LDX #$00
            LDA ${v:04X}
            BEQ .zero
            BMI .done
        .loop:
            INX
            ASL A
            BPL .loop
        .done:
            TXA
            RTS
        .zero:
            LDA #$0010
            RTS
        """)
    slow = Draft(
        "bounded-loop",
        asm(f"""
        {entry}:
            LDA ${v:04X}
            LDX #$00
        .loop:
            CPX #$10
            BEQ .done
            ASL A
            BCS .done
            INX
            BRA .loop
        .done:
            TXA
            RTS
        """),
        "checks the bit count every round instead of handling zero once",
    )
    bugs = (
        Draft("no-bmi", ref.replace("    BMI .done\n", ""), "a set top bit still counts one zero"),
        Draft("zero-15", ref.replace("LDA #$0010", "LDA #$000F"), "zero gives 15"),
        Draft("bne", ref.replace("BPL .loop", "BNE .loop"), "loops until A is zero: counts all 16 shifts"),
    )
    return Routine(
        kernel="count_leading_zeros",
        entry=entry,
        call="jsr",
        summary=f"Return in A the number of leading zero bits of the word at ${v:04X} (16 for 0).",
        details=(
            f"The word at $7E{v:04X} is any value. Return in A (16-bit, m=0; x=1) how many bits above the "
            "highest 1 bit are zero: $8000 gives 0, $0001 gives 15, $0000 gives 16. Observable: A. X may be "
            "clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={f"$7E{v:04X}:w": word_range(0, 1, 2, 0x00FF, 0x0100, 0x4000, 0x7FFF, 0x8000, 0xFFFF)},
            outputs=["A"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("leading", r"leading", r"highest", r"top"),
            fact("zeros", r"zero"),
            fact("shift", r"shift", r"\bASL\b"),
        ),
        forbid=(*COMMON_FORBID, r"lowest set bit"),
        explanation=(
            f"Counts the leading zero bits of ${v:04X}: zero returns 16 at once, a value with bit 15 set "
            "returns 0. Otherwise it shifts left, counting in X, until bit 15 is set (BPL loops while it "
            "is clear). TXA returns the count. RTS."
        ),
        false_claims=("It returns the index of the lowest set bit.",),
        tags=("bits", "16-bit", "loop"),
        params={"v": v},
    )


def crc16_block(rng: random.Random) -> Routine:
    """CRC-16/CCITT-FALSE over a variable-length block, sealed by appending the CRC to the block."""
    buf = rng.choice([0x1000, 0x1100, 0x0E00, 0x1300])
    (count,) = _vars(rng, 1)
    entry = rng.choice(["SealSaveBlock", "Sram_WriteCrc", "Crc16_Seal", "ChecksumBlock"])
    tail = asm(f"""
            INY
            CPY ${count:04X}
            BNE .byte
            LDA $00
            STA ${buf:04X},Y
            RTS
        """)
    ref = (
        asm(f"""
        {entry}:
            LDA #$FFFF
            STA $00
            LDY #$00
        .byte:
            LDA ${buf:04X},Y
            XBA
            AND #$FF00
            EOR $00
            LDX #$08
        .bit:
            ASL A
            BCC .next
            EOR #$1021
        .next:
            DEX
            BNE .bit
            STA $00
        """)
        + tail
    )
    slow = Draft(
        "memory-crc",
        asm(f"""
        {entry}:
            LDA #$FFFF
            STA $00
            LDY #$00
        .byte:
            LDA ${buf:04X},Y
            AND #$00FF
            XBA
            EOR $00
            STA $00
            LDX #$08
        .bit:
            ASL $00
            BCC .next
            LDA $00
            EOR #$1021
            STA $00
        .next:
            DEX
            BNE .bit
        """)
        + tail,
        "keeps the CRC in scratch memory and shifts it there (ASL $00, LDA/EOR/STA) for every bit",
    )
    bugs = (
        Draft(
            "low-byte",
            ref.replace("    XBA\n    AND #$FF00\n", "    AND #$00FF\n"),
            "the data byte is XORed into the low half: that is another CRC",
        ),
        Draft(
            "init-zero",
            ref.replace("    LDA #$FFFF\n    STA $00\n", "    STZ $00\n"),
            "starts from 0, not $FFFF",
        ),
        Draft("bcs", ref.replace("BCC .next", "BCS .next"), "applies the polynomial when bit 15 was clear"),
    )
    last = buf + 33
    return Routine(
        kernel="crc16_block",
        entry=entry,
        call="jsr",
        summary=(
            f"Compute the CRC-16/CCITT of the variable-length block at ${buf:04X} and append it to the block."
        ),
        details=(
            f"The block is the bytes from $7E{buf:04X} on, its length (1-32) in the byte $7E{count:04X}. CRC: "
            "start from $FFFF; for each byte, XOR it into the high byte of the CRC, then 8 times shift the "
            'CRC left and, if a 1 was shifted out, XOR with $1021 (CRC-16/CCITT-FALSE: "123456789" gives '
            "$29B1). Store the CRC as a little-endian word right after the last data byte (at $7E"
            f"{buf:04X} + length). Mode m=0, x=1. Observable: $7E{buf:04X}-$7E{last:04X}. A, X and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={
                f"$7E{buf:04X}..$7E{buf + 31:04X}": byte_range(0x00, 0x80, 0xFF),
                f"$7E{count:04X}": span(1, 32, 1, 2, 31, 32),
            },
            outputs=[f"$7E{buf:04X}..$7E{last:04X}"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("crc", r"\bCRC", r"checksum", r"cyclic"),
            fact("poly", r"\$1021", r"polynomial"),
            fact("append", r"append", r"after the (last|data)", r"seal", r"store"),
        ),
        forbid=(*COMMON_FORBID, r"adds the bytes together"),
        explanation=(
            "Starts the CRC at $FFFF in $00. For each of the count bytes it XORs the byte (moved to the "
            "high half with XBA, masked) into the CRC, then shifts left 8 times, XORing $1021 whenever a "
            "1 falls out. When Y reaches the count it is also the offset just past the data, so STA "
            f"${buf:04X},Y appends the CRC there. RTS."
        ),
        false_claims=("It adds the bytes together (a sum, not a CRC).",),
        tags=("crc", "checksum", "loop", "16-bit", "variable-length"),
        params={"buf": buf, "count": count},
    )


def mul_signed16(rng: random.Random) -> Routine:
    """Signed 16 x 16 -> 32-bit multiply: magnitudes through the unsigned loop, then fix the sign."""
    a, b, p = _vars(rng, 3)
    entry = rng.choice(["MulSigned16", "Math_SMul16", "ScaleSigned", "SMul16x16"])
    ref = asm(f"""
        {entry}:
            LDA ${a:04X}
            EOR ${b:04X}
            STA $04
            LDA ${a:04X}
            BPL +
            EOR #$FFFF
            INC A
        +   STA $00
            LDA ${b:04X}
            BPL +
            EOR #$FFFF
            INC A
        +   STA ${p:04X}
            LDA #$0000
            LDX #$10
            LSR ${p:04X}
        .loop:
            BCC .skip
            CLC
            ADC $00
        .skip:
            ROR A
            ROR ${p:04X}
            DEX
            BNE .loop
            STA ${p + 2:04X}
            BIT $04
            BPL .done
            LDA #$0000
            SEC
            SBC ${p:04X}
            STA ${p:04X}
            LDA #$0000
            SBC ${p + 2:04X}
            STA ${p + 2:04X}
        .done:
            RTS
        """)
    head, tail = ref[: ref.index(f"+   STA ${p:04X}\n")], ref[ref.index("    BIT $04\n") :]
    slow = Draft(
        "left-shift-loop",
        head
        + asm(f"""
        +   STA $02
            STZ ${p:04X}
            STZ ${p + 2:04X}
            LDX #$10
        .loop:
            ASL ${p:04X}
            ROL ${p + 2:04X}
            ASL $02
            BCC .next
            LDA ${p:04X}
            CLC
            ADC $00
            STA ${p:04X}
            LDA ${p + 2:04X}
            ADC #$0000
            STA ${p + 2:04X}
        .next:
            DEX
            BNE .loop
        """)
        + tail,
        "multiplies the magnitudes by shifting the whole 32-bit product left in memory with a 32-bit add "
        "per set bit",
    )
    bugs = (
        Draft(
            "no-negate",
            ref.replace("    BIT $04\n    BPL .done\n", "    BRA .done\n"),
            "the product's sign is never applied",
        ),
        Draft(
            "borrow-lost",
            ref.replace(
                f"    LDA #$0000\n    SBC ${p + 2:04X}\n", f"    LDA #$0000\n    SEC\n    SBC ${p + 2:04X}\n"
            ),
            "negates the high word on its own: the borrow from the low word is lost",
        ),
        Draft(
            "low-only-negate",
            ref.replace(f"    LDA #$0000\n    SBC ${p + 2:04X}\n    STA ${p + 2:04X}\n", ""),
            "negates only the low word of the product",
        ),
    )
    edges = word_range(0, 1, 2, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0xFFFE)
    return Routine(
        kernel="mul_signed16",
        entry=entry,
        call="jsr",
        summary=f"Multiply the signed words at ${a:04X} and ${b:04X} into the signed 32-bit product at ${p:04X}.",
        details=(
            f"$7E{a:04X} and $7E{b:04X} are signed 16-bit (two's complement, -32768..32767). Store their "
            f"exact signed 32-bit product little-endian at $7E{p:04X}-$7E{p + 3:04X} (-32768 * -32768 = "
            "$40000000). No hardware multiplier. Mode m=0, x=1. Observable: the four product bytes. A and X "
            "may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={f"$7E{a:04X}:w": edges, f"$7E{b:04X}:w": edges},
            outputs=[f"$7E{p:04X}..$7E{p + 3:04X}"],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("multiply", r"multipl", r"product"),
            fact("signed", r"signed", r"negat", r"sign"),
            fact("32", r"32-bit", r"four bytes", r"high word"),
        ),
        forbid=(*COMMON_FORBID, r"hardware multiplier"),
        explanation=(
            "Records the sign of the product (a EOR b) in $04 and replaces each factor by its magnitude "
            "(EOR #$FFFF / INC A when negative). The magnitudes are multiplied by the 16-round shift-and-add "
            f"loop into ${p:04X}-${p + 3:04X}. If the signs differed, the 32-bit product is negated by "
            "subtracting it from zero (SEC, then the borrow of the low word carries into the high word)."
        ),
        false_claims=("It multiplies with the hardware multiplier.",),
        tags=("multiply", "signed", "32-bit", "loop", "hard"),
        params={"a": a, "b": b, "p": p},
    )


KERNELS = {
    "fixed_scale88": fixed_scale88,
    "clamp_signed_range": clamp_signed_range,
    "sat_add_signed8": sat_add_signed8,
    "sat_sub_signed16": sat_sub_signed16,
    "signed_div_pow2": signed_div_pow2,
    "to_sign_magnitude": to_sign_magnitude,
    "add_delta32": add_delta32,
    "high_score32": high_score32,
    "mul16_soft": mul16_soft,
    "div16_soft": div16_soft,
    "isqrt16": isqrt16,
    "avg_round16": avg_round16,
    "digit_spend": digit_spend,
    "binary_to_bcd16": binary_to_bcd16,
    "bcd_to_binary": bcd_to_binary,
    "popcount16": popcount16,
    "count_leading_zeros": count_leading_zeros,
    "crc16_block": crc16_block,
    "mul_signed16": mul_signed16,
}
