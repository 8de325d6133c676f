"""Arithmetic kernels: 16/24-bit adds, BCD scores, hardware multiply, clamps, sign extension, RNG,
distances, sums and byte packing. Each states its widths because width is where 65816 code breaks.
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
    "abs_distance",
    "add_score16",
    "add_score_bcd",
    "add_timer24",
    "clamp_speed16",
    "hw_multiply",
    "lcg_random",
    "pack_bytes",
    "sign_extend",
    "sum_words",
]

_VARS = [0x0F80, 0x0F90, 0x1A00, 0x1A20, 0x0300, 0x0420, 0x1E40, 0x07F0]
# Packed-BCD edges of the BCD add, paired index by index (sorted boundaries meet in the edge cases):
# A + low byte: a digit carry, no carry, a carry into the high byte, the largest sum; the high byte
# then takes that carry at 00, 09, 98 and 99 (99 + carry wraps the score to 0000).
_BCD_A = (0x01, 0x09, 0x50, 0x99)
_BCD_LOW = (0x09, 0x49, 0x50, 0x99)
_BCD_HIGH = (0x00, 0x09, 0x98, 0x99)


def _var(rng: random.Random) -> int:
    return rng.choice(_VARS)


def add_score16(rng: random.Random) -> Routine:
    """Saturating 16-bit add of A to a word in WRAM."""
    v = _var(rng)
    entry = rng.choice(["AddScore", "Score_Add", "AddPoints", "GiveExperience"])
    ref = asm(f"""
        {entry}:
            CLC
            ADC ${v:04X}
            BCC .store
            LDA #$FFFF
        .store:
            STA ${v:04X}
            RTS
        """)
    slow = Draft(
        "byte-by-byte",
        asm(f"""
        {entry}:
            STA $00
            SEP #$20
            LDA ${v:04X}
            CLC
            ADC $00
            STA ${v:04X}
            LDA ${v + 1:04X}
            ADC $01
            STA ${v + 1:04X}
            REP #$20
            BCC .done
            LDA #$FFFF
            STA ${v:04X}
        .done:
            RTS
        """),
        "16-bit add done byte by byte under SEP #$20 through scratch",
    )
    bugs = (
        Draft("no-clc", ref.replace("    CLC\n", ""), "CLC dropped: the entry carry is added in"),
        Draft("bcs", ref.replace("BCC .store", "BCS .store"), "saturates exactly when it should not"),
        Draft(
            "imm8",
            ref.replace("LDA #$FFFF", "LDA #$FF"),
            "LDA #$FF assembles an 8-bit immediate in 16-bit mode: the next opcode becomes operand",
        ),
    )
    return Routine(
        kernel="add_score16",
        entry=entry,
        call="jsr",
        summary=f"Add the 16-bit A to the score word at ${v:04X}, saturating at $FFFF.",
        details=(
            f"A (16-bit) holds points to add to the little-endian word at $7E{v:04X}. If the sum "
            "overflows 16 bits store $FFFF instead. Observable: the word $7E{0:04X}. Keep X and Y.".replace(
                "{0:04X}", f"{v:04X}"
            )
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            # paired edges: sums $8000, exactly $10000, $1FFFD, exactly $FFFF
            inputs={
                "A": word_range(0x0001, 0x8000, 0xFFFF),
                f"$7E{v:04X}:w": word_range(0x7FFF, 0x8000, 0xFFFE, 0xFFFF),
            },
            outputs=[f"$7E{v:04X}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("add", r"\badd", r"\bADC\b", r"\bsum\b", r"plus"),
            fact("saturate", r"saturat", r"\bcap", r"clamp", r"\$FFFF", r"65535", r"overflow", r"maximum"),
            fact("sixteen", r"16-bit", r"\bword\b", r"two bytes", r"m=0"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"In 16-bit mode clears carry and adds the word at ${v:04X} to A. A carry out means the "
            f"sum overflowed, so A becomes $FFFF (saturation). The result is stored to ${v:04X}. RTS."
        ),
        false_claims=("It adds with carry in 8-bit mode and uses MUL for overflow.",),
        tags=("16-bit", "score", "saturation"),
        params={"var": v},
    )


def add_score_bcd(rng: random.Random) -> Routine:
    """Packed-BCD add of a byte to a 4-digit score (decimal mode must be left clear)."""
    v = _var(rng)
    entry = rng.choice(["AddBcdScore", "Score_AddBcd", "AddDecimalPoints"])
    ref = asm(f"""
        {entry}:
            SED
            CLC
            ADC ${v:04X}
            STA ${v:04X}
            LDA ${v + 1:04X}
            ADC #$00
            STA ${v + 1:04X}
            CLD
            RTS
        """)
    slow = Draft(
        "php-plp",
        asm(f"""
        {entry}:
            PHP
            SED
            CLC
            ADC ${v:04X}
            STA ${v:04X}
            LDA ${v + 1:04X}
            ADC #$00
            STA ${v + 1:04X}
            PLP
            RTS
        """),
        "PHP/SED ... PLP to restore decimal mode where SED ... CLD is enough",
    )
    bugs = (
        Draft("no-cld", ref.replace("    CLD\n", ""), "returns in decimal mode"),
        Draft("no-clc", ref.replace("    CLC\n", ""), "entry carry added in"),
        Draft("binary", ref.replace("    SED\n", "").replace("    CLD\n", ""), "binary add on BCD digits"),
    )
    return Routine(
        kernel="add_score_bcd",
        entry=entry,
        call="jsr",
        summary=f"Add the BCD byte in A (00-99) to the 4-digit packed-BCD score at ${v:04X}-${v + 1:04X}.",
        details=(
            f"The score is packed BCD: $7E{v:04X} holds the two low digits and $7E{v + 1:04X} the two high "
            "digits (e.g. 1234 is stored as $34, $12); each score byte is $00-$99. A (8-bit) holds a BCD "
            "value $00-$99. Add it; a result above 9999 wraps. Digits are not checked: for a nibble above "
            "9 the result is what the 65816's decimal-mode ADC gives. Observable: both score bytes; the "
            "decimal flag must be clear again on return. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": span(0x00, 0x99, *_BCD_A),
                f"$7E{v:04X}": span(0x00, 0x99, *_BCD_LOW),
                f"$7E{v + 1:04X}": span(0x00, 0x99, *_BCD_HIGH),
            },
            outputs=[f"$7E{v:04X}", f"$7E{v + 1:04X}"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("bcd", r"\bBCD\b", r"decimal", r"\bSED\b", r"binary.coded"),
            fact("carry-chain", r"carry", r"high (byte|digits)", r"\bADC #\$00", r"propagat"),
            fact(
                "cld",
                r"\bCLD\b",
                r"clear(s|ing)? (the )?decimal",
                r"leave(s)? decimal",
                r"decimal mode off",
                r"back to binary",
            ),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b", r"\bINC\b[^\n.]{0,30}decimal"),
        explanation=(
            f"Sets decimal mode (SED), clears carry and adds A to the low BCD byte ${v:04X}; the carry "
            f"then propagates into the high byte ${v + 1:04X} with ADC #$00. CLD restores binary mode. RTS."
        ),
        false_claims=("It uses INC to add in decimal mode.",),
        tags=("bcd", "decimal-mode", "score"),
        params={"var": v},
    )


def hw_multiply(rng: random.Random) -> Routine:
    """A * k through $4202/$4203 -> $4216; the slow draft is a shift-and-add loop."""
    k = rng.choice([3, 5, 6, 7, 10, 12, 13, 24, 40, 100])
    v = _var(rng)
    entry = rng.choice(["MultiplyByK", "ScaleValue", "Mul8", "ComputeProduct"])
    x = rng.choice([0, 1])
    ref = asm(f"""
        {entry}:
            STA $4202
            LDA #{hex8(k)}
            STA $4203
            REP #$20
            NOP
            NOP
            NOP
            LDA $4216
            STA ${v:04X}
            SEP #$20
            RTS
        """)
    slow = Draft(
        "shift-add",
        asm(f"""
        {entry}:
            STA $00
            STZ $01
            REP #$20
            STZ ${v:04X}
            LDX #{hex_index(k, x)}
        .loop:
            LDA ${v:04X}
            CLC
            ADC $00
            STA ${v:04X}
            DEX
            BNE .loop
            SEP #$20
            RTS
        """),
        "repeated addition in a loop instead of the hardware multiplier",
    )
    bugs = (
        Draft("early-read", ref.replace("    NOP\n", ""), "reads $4216 before the 8-cycle multiply finishes"),
        Draft(
            "divider",
            ref.replace("STA $4202", "STA $4204").replace("STA $4203", "STA $4205"),
            "writes the divider registers",
        ),
        Draft(
            "no-rep",
            ref.replace("    REP #$20\n", "").replace("    SEP #$20\n", ""),
            "8-bit read: only the low byte of the product is stored",
        ),
    )
    return Routine(
        kernel="hw_multiply",
        entry=entry,
        call="jsr",
        summary=f"Store A * {k} (16-bit product) at ${v:04X}.",
        details=(
            f"A (8-bit, unsigned) times {k}; store the 16-bit product little-endian at $7E{v:04X}. The "
            "SNES multiplier is $4202 (multiplicand) and $4203 (multiplier, starts it) with the product "
            f"at $4216/$4217 after 8 CPU cycles. Observable: the word $7E{v:04X}. A, X and the multiplier "
            "registers are free; keep Y. Return in the entry mode."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=x,
            inputs={"A.lo": byte_range(0x00, 0x01, 0x80, 0xFF)},
            outputs=[f"$7E{v:04X}:w"],
            preserve=["Y"],
            writable=["$004202..$004206"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hw", r"\$4202", r"\$4203", r"hardware multipl", r"multiplier", r"\$4216"),
            fact("product", r"product", r"multipl", rf"\*\s*{k}\b", rf"times {k}\b", r"result"),
            fact("wait", r"\bNOP", r"wait", r"cycles", r"delay"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b(?! is not)"),
        explanation=(
            f"Writes A to $4202 and {k} to $4203, which starts the SNES hardware multiplier. After "
            "waiting (REP plus three NOPs cover the 8 cycles) it reads the 16-bit product from $4216 in "
            f"16-bit mode, stores it to ${v:04X}, and returns to 8-bit A. RTS."
        ),
        false_claims=("The 65816 MUL instruction multiplies A by the constant.",),
        tags=("hardware-multiply", "io", "16-bit", "rep-sep"),
        params={"k": k, "var": v},
    )


def clamp_speed16(rng: random.Random) -> Routine:
    """Signed 16-bit clamp to [-L, L]."""
    limit = rng.choice([0x0100, 0x0180, 0x0200, 0x0300, 0x0040, 0x0400])
    v = _var(rng)
    entry = rng.choice(["ClampSpeed", "Physics_ClampVelocity", "LimitVelocity"])
    ref = asm(f"""
        {entry}:
            CMP #$8000
            BCS .neg
            CMP #{hex16(limit + 1)}
            BCC .store
            LDA #{hex16(limit)}
            BRA .store
        .neg:
            CMP #{hex16(-limit)}
            BCS .store
            LDA #{hex16(-limit)}
        .store:
            STA ${v:04X}
            RTS
        """)
    slow = Draft(
        "negate-twice",
        asm(f"""
        {entry}:
            CMP #$8000
            BCC .pos
            EOR #$FFFF
            INC A
            CMP #{hex16(limit + 1)}
            BCC .negok
            LDA #{hex16(limit)}
        .negok:
            EOR #$FFFF
            INC A
            BRA .store
        .pos:
            CMP #{hex16(limit + 1)}
            BCC .store
            LDA #{hex16(limit)}
        .store:
            STA ${v:04X}
            RTS
        """),
        "negates, clamps the magnitude and negates back instead of comparing against -limit",
    )
    bugs = (
        Draft(
            "entry-flags",
            ref.replace("    CMP #$8000\n    BCS .neg\n", "    BMI .neg\n"),
            "BMI tests the N flag left over from before the call",
        ),
        Draft(
            "neg-inverted",
            ref.replace("    BCS .store\n    LDA", "    BCC .store\n    LDA"),
            "negative side clamps the values that are inside the range",
        ),
        Draft(
            "imm8",
            ref.replace(f"CMP #{hex16(limit + 1)}", f"CMP #{hex8(limit + 1)}"),
            "8-bit immediate in 16-bit mode: misassembled",
        ),
    )
    # any word; the boundaries are both limits (each side), the sign change and the ends
    velocity = word_range(
        0,
        1,
        limit - 1,
        limit,
        limit + 1,
        0x7FFF,
        0x8000,
        0x10000 - limit - 1,
        0x10000 - limit,
        0x10000 - limit + 1,
        0xFFFF,
    )
    return Routine(
        kernel="clamp_speed16",
        entry=entry,
        call="jsr",
        summary=f"Clamp the signed 16-bit A to [-{limit}, +{limit}] (decimal), return it in A and store at ${v:04X}.",
        details=(
            f"A is a signed 16-bit velocity (two's complement). Values above +{hex16(limit)} become "
            f"{hex16(limit)}, values below -{hex16(limit)} become {hex16(-limit)}; others are unchanged. "
            f"Return the result in A and store it at $7E{v:04X} (word). Observable: A and that word. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={"A": velocity},
            outputs=["A", f"$7E{v:04X}:w"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("clamp", r"clamp", r"\blimit", r"\bcap", r"saturat", r"restrict", r"bound"),
            fact("signed", r"signed", r"negative", r"two'?s complement", r"\$8000", r"sign"),
            fact("sixteen", r"16-bit", r"\bword", r"m=0"),
        ),
        forbid=(*COMMON_FORBID, r"unsigned clamp"),
        explanation=(
            f"Treats A as a signed 16-bit value: CMP #$8000 / BCS sends negatives to .neg. A positive "
            f"value above {hex16(limit)} is replaced by {hex16(limit)}; a negative one below "
            f"{hex16(-limit)} is replaced by {hex16(-limit)}. The clamped value is stored at ${v:04X} "
            "and left in A. RTS."
        ),
        false_claims=("It is an unsigned clamp of A using MUL.",),
        tags=("16-bit", "signed", "physics"),
        params={"limit": limit, "var": v},
    )


def sign_extend(rng: random.Random) -> Routine:
    """8 -> 16-bit sign extension of A's low byte (B is garbage at entry)."""
    entry = rng.choice(["SignExtend", "Math_SignExtend8", "Sext8to16"])
    store = rng.choice([None, _var(rng)])
    tail = f"    STA ${store:04X}\n" if store is not None else ""
    ref = (
        asm(f"""
        {entry}:
            AND #$00FF
            CMP #$0080
            BCC .done
            ORA #$FF00
        .done:
        """)
        + tail
        + "    RTS\n"
    )
    slow = Draft(
        "eight-bit-detour",
        asm(f"""
        {entry}:
            SEP #$20
            XBA
            LDA #$00
            XBA
            BIT #$80
            BEQ .pos
            XBA
            LDA #$FF
            XBA
        .pos:
            REP #$20
        """)
        + tail
        + "    RTS\n",
        "drops to 8-bit and builds the high byte with XBA",
    )
    bugs = (
        Draft("inverted", ref.replace("BCC .done", "BCS .done"), "extends the positive values"),
        Draft("no-mask", ref.replace("    AND #$00FF\n", ""), "garbage high byte kept"),
        Draft("imm8", ref.replace("AND #$00FF", "AND #$FF"), "8-bit immediate in 16-bit mode"),
    )
    outputs = ["A"] + ([f"$7E{store:04X}:w"] if store is not None else [])
    where = f" and store it at $7E{store:04X} (word)" if store is not None else ""
    return Routine(
        kernel="sign_extend",
        entry=entry,
        call="jsr",
        summary=f"Sign-extend the signed byte in A's low half to a 16-bit value in A{where}.",
        details=(
            f"A is 16-bit (m=0); its low byte is a signed 8-bit value and the high byte is garbage. "
            f"Return A = that value sign-extended to 16 bits ($80 -> $FF80, $7F -> $007F){where}. "
            f"Observable: {', '.join(outputs)}. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={"A": word_range(0x0000, 0x007F, 0x0080, 0x00FF, 0xFF00, 0xFF7F, 0xFF80, 0x5A7F, 0xA580)},
            outputs=outputs,
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("sign", r"sign[- ]?exten", r"\bsign\b", r"negative", r"bit 7", r"\$80"),
            fact("high", r"\$FF00", r"high byte", r"upper byte", r"\$FF\b"),
            fact("mask", r"\$00FF", r"mask", r"clear(s|ing)? the high", r"\bAND #"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            "Masks A to its low byte (AND #$00FF), then if that byte is $80 or more (negative as a "
            "signed byte, bit 7 set) ORs in $FF00 so the high byte is $FF; otherwise the high byte "
            "stays 0. This sign-extends 8 to 16 bits."
        ),
        false_claims=("Sign extension is done with STZ $7E0000 and a MUL.",),
        tags=("16-bit", "signed", "width"),
        params={"store": store},
    )


def lcg_random(rng: random.Random) -> Routine:
    """r = r * k + c (mod 2^16) with k = 2^n + 1 done by shifts."""
    shifts = rng.choice([1, 2, 3, 4])
    k = (1 << shifts) + 1
    c = rng.randrange(1, 0x10000, 2)
    v = _var(rng)
    entry = rng.choice(["Random_Next", "NextRandom", "Rng_Step"])
    asls = "".join("    ASL A\n" for _ in range(shifts))
    ref = f"{entry}:\n    LDA ${v:04X}\n{asls}    CLC\n    ADC ${v:04X}\n    CLC\n    ADC #{hex16(c)}\n    STA ${v:04X}\n    RTS\n"
    slow = Draft(
        "add-loop",
        asm(f"""
        {entry}:
            LDA ${v:04X}
            STA $00
            LDX #{hex8(k - 1)}
        .loop:
            CLC
            ADC $00
            DEX
            BNE .loop
            CLC
            ADC #{hex16(c)}
            STA ${v:04X}
            RTS
        """),
        f"multiplies by {k} with {k - 1} additions in a loop instead of {shifts} shifts and one add",
    )
    bugs = (
        Draft(
            "no-clc2",
            ref.replace(f"    CLC\n    ADC #{hex16(c)}", f"    ADC #{hex16(c)}"),
            "second CLC dropped: the carry of the first add leaks in",
        ),
        Draft(
            "one-shift-less", ref.replace("    ASL A\n", "", 1), f"multiplies by {(1 << (shifts - 1)) + 1}"
        ),
        Draft("no-store", ref.replace(f"    STA ${v:04X}\n", ""), "the seed is never updated"),
    )
    return Routine(
        kernel="lcg_random",
        entry=entry,
        call="jsr",
        summary=f"Advance the 16-bit RNG seed at ${v:04X}: seed = seed * {k} + {hex16(c)} (mod $10000); return it in A.",
        details=(
            f"The seed is the word at $7E{v:04X}. Compute seed*{k} + {hex16(c)} modulo 65536, store it back "
            f"and return it in A (16-bit, m=0). Observable: A and the word $7E{v:04X}. X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={f"$7E{v:04X}:w": word_range(0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF)},
            outputs=["A", f"$7E{v:04X}:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("random", r"random", r"\bRNG\b", r"\bLCG\b", r"linear congruential", r"pseudo", r"seed"),
            fact(
                "multiply",
                rf"\*\s*{k}\b",
                rf"times {k}\b",
                rf"multipl(y|ies) (it )?by {k}\b",
                r"shift",
                r"\bASL\b",
            ),
            fact("add", rf"{hex16(c)}", r"\badd", r"increment", r"constant"),
        ),
        forbid=(*COMMON_FORBID, r"\bMUL\b"),
        explanation=(
            f"A linear congruential RNG step: loads the seed at ${v:04X}, multiplies it by {k} as "
            f"{shifts} ASL shifts plus one add of the original, adds the constant {hex16(c)}, stores the "
            "new seed and leaves it in A. RTS."
        ),
        false_claims=("It multiplies with the MUL instruction.",),
        tags=("16-bit", "rng", "shifts"),
        params={"k": k, "c": c, "var": v},
    )


def abs_distance(rng: random.Random) -> Routine:
    """|A - target| (8-bit) and a proximity flag in carry."""
    target = rng.choice([0x20, 0x22, 0x0D10])
    radius = rng.choice([0x08, 0x10, 0x18, 0x20, 0x30])
    entry = rng.choice(["CheckProximity", "Sprite_DistanceX", "AbsDelta"])
    t = f"${target:02X}" if target < 0x100 else f"${target:04X}"
    # Paired edges (the sorted boundaries of A and the target meet index by index): A below and
    # above the target by radius-1, radius and radius+1, by one and equal. Both coordinates stay
    # any byte; random cases bring the wrap-arounds.
    offsets = (-radius - 1, -radius, -radius + 1, -1, 0, 1, radius - 1, radius, radius + 1)
    first = rng.randrange(radius + 2, 0xFF - radius - len(offsets) - 1)
    targets = [first + k for k in range(len(offsets))]
    coords = [t + d for t, d in zip(targets, offsets, strict=True)]
    tloc = f"$7E{target:04X}"
    ref = asm(f"""
        {entry}:
            SEC
            SBC {t}
            BCS .pos
            EOR #$FF
            INC A
        .pos:
            CMP #{hex8(radius)}
            RTS
        """)
    slow = Draft(
        "compare-first",
        asm(f"""
        {entry}:
            CMP {t}
            BCC .less
            SEC
            SBC {t}
            BRA .check
        .less:
            STA $00
            LDA {t}
            SEC
            SBC $00
        .check:
            CMP #{hex8(radius)}
            RTS
        """),
        "compares first and reloads through scratch instead of negating the difference",
    )
    bugs = (
        Draft("no-sec", ref.replace("    SEC\n", ""), "entry carry leaks into the difference"),
        Draft("no-inc", ref.replace("    INC A\n", ""), "EOR alone is one's complement: off by one"),
        Draft("bcc", ref.replace("BCS .pos", "BCC .pos"), "negates the positive differences"),
    )
    return Routine(
        kernel="abs_distance",
        entry=entry,
        call="jsr",
        summary=f"Return |A - {t}| in A (8-bit) and set carry iff the distance is >= {hex8(radius)}.",
        details=(
            f"A and the byte at {tloc} are unsigned 8-bit coordinates. Return the absolute difference in A "
            f"and the carry flag set when it is >= {hex8(radius)} (clear when closer). Observable: A (low byte) "
            "and carry. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(*coords),
                tloc: byte_range(*targets),
            },
            outputs=["A.lo", "flag:C"],
            preserve=["X", "Y"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("abs", r"absolute", r"\|", r"distance", r"magnitude", r"negat"),
            fact("diff", r"differen", r"subtract", r"\bSBC\b", r"minus"),
            fact("carry", r"carry", r"\bCMP\b", r"compare", rf"{hex8(radius)}"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Subtracts {t} from A with SEC/SBC; if it borrowed (carry clear) the difference is "
            f"negated with EOR #$FF / INC A, giving the absolute distance. CMP #{hex8(radius)} then "
            "leaves carry set when the distance is at least the radius. RTS."
        ),
        false_claims=("The distance is computed with MUL and stored with STZ $7E0000.",),
        tags=("collision", "8-bit", "carry-flag"),
        params={"target": target, "radius": radius},
    )


def sum_words(rng: random.Random) -> Routine:
    """Sum N little-endian words of a table (16-bit A and index)."""
    n = rng.choice([4, 6, 8, 10, 12, 16])
    table = rng.choice([0x1B00, 0x0C00, 0x1F00, 0x0A80])
    entry = rng.choice(["SumTable", "TotalWords", "Stats_Sum"])
    tbl = f"${table:04X}"
    ref = asm(f"""
        {entry}:
            LDA #$0000
            LDX #{hex16((n - 1) * 2)}
        .loop:
            CLC
            ADC {tbl},X
            DEX
            DEX
            BPL .loop
            RTS
        """)
    slow = Draft(
        "count-up",
        asm(f"""
        {entry}:
            LDA #$0000
            LDX #$0000
        .loop:
            CLC
            ADC {tbl},X
            INX
            INX
            CPX #{hex16(n * 2)}
            BNE .loop
            RTS
        """),
        "counts up and compares with CPX every iteration",
    )
    bugs = (
        Draft("no-clc", ref.replace("    CLC\n", ""), "carry of each add leaks into the next"),
        Draft("bne-bound", ref.replace("BPL .loop", "BNE .loop"), "word 0 is never added"),
        Draft(
            "start-high",
            ref.replace(f"LDX #{hex16((n - 1) * 2)}", f"LDX #{hex16(n * 2)}"),
            "starts one word past the table",
        ),
    )
    last = table + 2 * n + 1
    return Routine(
        kernel="sum_words",
        entry=entry,
        call="jsr",
        summary=f"Return in A the 16-bit sum (mod $10000) of the {n} words at {tbl}.",
        details=(
            f"The table holds {n} little-endian words at $7E{table:04X}-$7E{table + 2 * n - 1:04X}. A and X/Y "
            f"are 16-bit (m=0, x=0). Return their sum modulo 65536 in A. Observable: A. X may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={f"$7E{table:04X}..$7E{last:04X}": byte_range(0x00, 0x01, 0x80, 0xFF)},
            outputs=["A"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("sum", r"\bsum", r"\badd", r"total", r"accumulat"),
            fact("count", rf"\b{n}\b", rf"{n} words", r"each word", r"every word", r"\bloop"),
            fact("sixteen", r"16-bit", r"\bwords?\b", r"m=0"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"With 16-bit registers, starts A at 0 and X at the last word's offset, adds each of the "
            f"{n} words of {tbl} (CLC/ADC {tbl},X), stepping X down by two until it goes negative. "
            "The sum is left in A. RTS."
        ),
        false_claims=("It adds bytes in 8-bit mode and stores with STZ long.",),
        tags=("16-bit", "loop", "table"),
        params={"n": n, "table": table},
    )


def add_timer24(rng: random.Random) -> Routine:
    """Add 16-bit A to a 24-bit counter (the third byte needs an 8-bit carry step)."""
    v = _var(rng)
    entry = rng.choice(["AddPlayTime", "Timer_Add24", "AccumulateFrames"])
    x = rng.choice([0, 1])
    ref = asm(f"""
        {entry}:
            CLC
            ADC ${v:04X}
            STA ${v:04X}
            SEP #$20
            LDA ${v + 2:04X}
            ADC #$00
            STA ${v + 2:04X}
            REP #$20
            RTS
        """)
    bugs = (
        Draft("no-clc", ref.replace("    CLC\n", ""), "entry carry added"),
        Draft("no-rep", ref.replace("    REP #$20\n", ""), "returns with 8-bit A"),
        Draft("always-inc", ref.replace("ADC #$00", "ADC #$01"), "adds one to the high byte every time"),
    )
    slow = Draft(
        "byte-steps",
        asm(f"""
        {entry}:
            STA $00
            SEP #$20
            LDA ${v:04X}
            CLC
            ADC $00
            STA ${v:04X}
            LDA ${v + 1:04X}
            ADC $01
            STA ${v + 1:04X}
            LDA ${v + 2:04X}
            ADC #$00
            STA ${v + 2:04X}
            REP #$20
            RTS
        """),
        "all three bytes added in 8-bit mode through scratch",
    )
    return Routine(
        kernel="add_timer24",
        entry=entry,
        call="jsr",
        summary=f"Add the 16-bit A to the 24-bit counter at ${v:04X}-${v + 2:04X}.",
        details=(
            f"The counter is 3 bytes little-endian at $7E{v:04X}. A (m=0) is unsigned; the sum wraps at "
            f"2^24. Observable: $7E{v:04X}-$7E{v + 2:04X}. Keep X and Y and return with m=0."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                # Case k takes each input's k-th edge value (sorted boundaries first): counters
                # $000000, $010101 (+$8000: no carry), $7F7F7F (+$FFFF: a carry), $FFFFFF (+$80: the
                # carry wraps the third byte). Random cases bring the rest.
                "A": word_range(0x0001, 0x8000, 0xFFFF),
                f"$7E{v:04X}..$7E{v + 2:04X}": byte_range(0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF),
            },
            outputs=[f"$7E{v:04X}..$7E{v + 2:04X}"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("add", r"\badd", r"\bADC\b", r"\bsum"),
            fact("24", r"24-bit", r"three bytes", r"3 bytes", r"third byte", r"bank byte", r"high byte"),
            fact("carry", r"carry", r"propagat"),
        ),
        forbid=COMMON_FORBID,
        explanation=(
            f"Clears carry and adds A to the low word at ${v:04X} in 16-bit mode, then switches to 8-bit "
            f"(SEP #$20) to add the carry into the third byte ${v + 2:04X} with ADC #$00 and returns to "
            "16-bit A (REP #$20). A 24-bit add."
        ),
        false_claims=("It uses STZ $7E0F82 to clear the high byte.",),
        tags=("24-bit", "16-bit", "rep-sep", "timers"),
        params={"var": v},
    )


def pack_bytes(rng: random.Random) -> Routine:
    """X = hi * 256 + lo through XBA (the seed's review trap made into a task)."""
    hi, lo = rng.sample([0x10, 0x11, 0x12, 0x13, 0x14, 0x04, 0x05, 0x06], 2)
    entry = rng.choice(["PackXY", "MakeIndex16", "CombineBytes"])
    ref = asm(f"""
        {entry}:
            LDA ${hi:02X}
            XBA
            LDA ${lo:02X}
            TAX
            RTS
        """)
    slow = Draft(
        "shift-or",
        asm(f"""
        {entry}:
            REP #$20
            LDA ${lo:02X}
            AND #$00FF
            STA $00
            LDA ${hi:02X}
            AND #$00FF
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ORA $00
            TAX
            SEP #$20
            RTS
        """),
        "eight ASLs and an ORA through scratch where XBA swaps the bytes",
    )
    bugs = (
        Draft(
            "reversed",
            ref.replace(f"LDA ${hi:02X}", "LDA $TMP")
            .replace(f"LDA ${lo:02X}", f"LDA ${hi:02X}")
            .replace("LDA $TMP", f"LDA ${lo:02X}"),
            "bytes swapped",
        ),
        Draft("tay", ref.replace("TAX", "TAY"), "result goes to Y, X unchanged"),
        Draft("no-xba", ref.replace("    XBA\n", ""), "high byte is whatever B held"),
    )
    return Routine(
        kernel="pack_bytes",
        entry=entry,
        call="jsr",
        summary=f"Set the 16-bit X to (${hi:02X} << 8) | ${lo:02X}: the byte at ${hi:02X} high, ${lo:02X} low.",
        details=(
            f"Mode: 8-bit A (m=1), 16-bit X/Y (x=0). X must end as $7E00{hi:02X} * 256 + $7E00{lo:02X} "
            "(e.g. $12 and $34 give X = $1234). A holds anything at entry, its hidden high byte (B) "
            "included. Observable: X. A may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=0,
            inputs={
                f"$7E00{hi:02X}": byte_range(0x00, 0x80, 0xFF),
                f"$7E00{lo:02X}": byte_range(0x00, 0x01, 0xFF),
                "A": word_range(0x00FF, 0xFF00),
            },
            outputs=["X"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("xba", r"\bXBA\b", r"swap", r"exchange"),
            fact("high", r"high byte", r"upper byte", r"\bB\b", r"hidden", r"<<\s*8", r"\* ?256"),
            fact("tax16", r"16-bit", r"full", r"x=0", r"both bytes", r"\bTAX\b"),
        ),
        forbid=(*COMMON_FORBID, r"X\s*=\s*\$0010\b.*\$1000", r"\bREP #\$10\b.*required"),
        explanation=(
            f"Loads the byte at ${hi:02X}, XBA moves it into the high byte (B), loads ${lo:02X} into the "
            "low byte, and TAX copies the full 16-bit C into X because the index registers are 16-bit "
            "(x=0): X = hi*256 + lo."
        ),
        false_claims=("It stores the result with STZ $7E0010.",),
        tags=("xba", "width", "16-bit-index"),
        params={"hi": hi, "lo": lo},
    )


KERNELS = {
    "add_score16": add_score16,
    "add_score_bcd": add_score_bcd,
    "hw_multiply": hw_multiply,
    "clamp_speed16": clamp_speed16,
    "sign_extend": sign_extend,
    "lcg_random": lcg_random,
    "abs_distance": abs_distance,
    "sum_words": sum_words,
    "add_timer24": add_timer24,
    "pack_bytes": pack_bytes,
}
