"""Control-flow and memory kernels: jump tables, MVN block moves, bit flags via a lookup table, and the
save-file (long-addressed $7EF3xx) health and rupee counters.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = ["KERNELS", "bit_flag_set", "block_copy", "heal_link", "jump_dispatch", "rupee_add"]

# State actions on the word at $10 (16-bit A, m=0): code and the prose that states it.
_HANDLERS = (
    ("INC $10", "increment the word at $10"),
    ("DEC $10", "decrement the word at $10"),
    ("ASL $10", "shift the word at $10 left by one"),
    ("STZ $10", "set the word at $10 to 0"),
    ("LSR $10", "shift the word at $10 right by one"),
    ("LDA #$FFFF : STA $10", "set the word at $10 to $FFFF"),
    ("LDA $12 : STA $10", "copy the word at $12 into $10"),
    ("LDA $10 : EOR #$FFFF : STA $10", "invert every bit of the word at $10"),
    ("LDA $10 : SEC : SBC $12 : STA $10", "subtract the word at $12 from the word at $10"),
)


def _dispatch_states(n: int, rng: random.Random) -> dict[str, object] | list[int]:
    """A (16-bit) for the jump dispatch: any word. The boundaries are every state with B clear and
    with B garbage (a dispatch without `AND #$00FF` fails those), the first state past the table
    with and without garbage, and $00FF."""
    garbage = [rng.randrange(1, 0x100) << 8 for _ in range(n + 1)]
    states = [*range(n + 1), *(high | state for state, high in enumerate(garbage))]
    return word_range(*states, 0x00FF, 0xFF00 | (n - 1))


def jump_dispatch(rng: random.Random) -> Routine:
    """Dispatch on the state in A's low byte through `JMP (table,X)` with a 16-bit A whose high
    byte is garbage (the classic missing `AND #$00FF`); states past the table do nothing. The slow
    draft is a CMP/BNE chain."""
    n = rng.choice([4, 5, 6])
    handlers = rng.sample(_HANDLERS, n)
    x = rng.choice([0, 1])
    entry = rng.choice(["RunState", "Module_Dispatch", "Menu_Action", "Sprite_StateJump"])
    table = ", ".join(f".s{i}" for i in range(n))
    bodies = "".join(
        f".s{i}:\n    {code.replace(' : ', chr(10) + '    ')}\n    RTS\n"
        for i, (code, _) in enumerate(handlers)
    )
    ref = (
        f"{entry}:\n    AND #$00FF\n    CMP #{hex16(n)}\n    BCS .none\n    ASL A\n    TAX\n"
        f"    JMP (.table,X)\n.none:\n    RTS\n.table:\n    dw {table}\n{bodies}"
    )
    chain = "".join(f"    CMP #{hex16(i)}\n    BNE .not{i}\n    JMP .s{i}\n.not{i}:\n" for i in range(n))
    slow_src = f"{entry}:\n    AND #$00FF\n{chain}    RTS\n{bodies}"
    slow = Draft("cmp-chain", slow_src, "a CMP/BNE/JMP chain tests every state in turn")
    bugs = (
        Draft(
            "no-mask",
            ref.replace("    AND #$00FF\n", "", 1),
            "AND #$00FF missing: the garbage high byte of A makes a valid state fail the bound check",
        ),
        Draft(
            "no-asl",
            ref.replace("    ASL A\n", "", 1),
            "index not doubled: the word table is read at odd offsets",
        ),
        Draft(
            "bound",
            ref.replace(f"CMP #{hex16(n)}", f"CMP #{hex16(n + 1)}"),
            f"off by one: state {n} jumps through the word after the table",
        ),
        Draft(
            "db-table",
            ref.replace(f"    dw {table}", f"    db {table}"),
            "table of bytes: addresses truncated",
        ),
    )
    listing = "; ".join(f"{i}: {text}" for i, (_, text) in enumerate(handlers))
    return Routine(
        kernel="jump_dispatch",
        entry=entry,
        call="jsr",
        summary=f"Run the handler for the state in A's low byte (0-{n - 1}) through a jump table.",
        details=(
            f"A is 16-bit (m=0): its low byte is the state number and its high byte is not part of it "
            f"(it may hold anything). States 0-{n - 1} act on the word at $10: {listing}. Any other "
            f"state (low byte {n} to 255) does nothing. Observable: the word $7E0010. X and A may be "
            "clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=x,
            inputs={
                "A": _dispatch_states(n, rng),
                "$7E0010:w": word_range(0x0001, 0x7FFF, 0x8000, 0xFFFE),
                "$7E0012:w": word_range(0x0002, 0x4001, 0x8001, 0xC003),
            },
            outputs=["$7E0010:w"],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact(
                "table",
                r"jump table",
                r"dispatch",
                r"\bJMP \(",
                r"table of (addresses|pointers)",
                r"pointer table",
            ),
            fact("double", r"\bASL\b", r"times two", r"\* ?2", r"doubl", r"two bytes", r"word"),
            fact("state", r"state", r"index", r"handler", r"case"),
        ),
        forbid=(*COMMON_FORBID, r"\bJSR \(.*\)\s+returns? twice"),
        explanation=(
            "Masks A to its low byte (AND #$00FF: the high byte is garbage), returns at once for a state "
            f"of {n} or more (CMP/BCS), doubles the state (ASL) because each table entry is a 2-byte "
            "word, moves it to X and jumps indirectly through the jump table with JMP (.table,X). Each "
            "handler does its action on the word at $10 and returns with RTS to the original caller."
        ),
        false_claims=("Uses MUL to scale the state and STZ long to clear it.",),
        tags=("jump-table", "dispatch", "indirect", "16-bit"),
        params={"handlers": [h for h, _ in handlers], "x": x},
    )


def block_copy(rng: random.Random) -> Routine:
    """Copy a block from bank $7E to $7F with MVN (ASAR order: MVN dest,src), keeping DBR."""
    n = rng.choice([16, 24, 32, 48, 64])
    src = rng.choice([0x2000, 0x4000, 0x6800, 0xC000])
    dst = rng.choice([0x1000, 0x8000, 0xA000, 0xE000])
    entry = rng.choice(["CopyToBuffer", "Backup_Tilemap", "CopyBlock"])
    ref = asm(f"""
        {entry}:
            PHB
            REP #$30
            LDA #{hex16(n - 1)}
            LDX #{hex16(src)}
            LDY #{hex16(dst)}
            MVN $7F,$7E
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
            LDA $7E{src:04X},X
            STA $7F{dst:04X},X
            INX
            CPX #{hex16(n)}
            BNE .loop
            SEP #$10
            RTS
        """),
        "a byte-at-a-time loop with long addressing instead of MVN",
    )
    bugs = (
        Draft(
            "count-n",
            ref.replace(f"LDA #{hex16(n - 1)}", f"LDA #{hex16(n)}"),
            "MVN copies A+1 bytes: one too many",
        ),
        Draft("no-plb", ref.replace("    PHB\n", "").replace("    PLB\n", ""), "MVN leaves DBR = $7F"),
        Draft(
            "banks-swapped",
            ref.replace("MVN $7F,$7E", "MVN $7E,$7F"),
            "ASAR writes MVN dest,src: this copies $7F to $7E",
        ),
    )
    return Routine(
        kernel="block_copy",
        entry=entry,
        call="jsr",
        summary=f"Copy {n} bytes from $7E:{src:04X} to $7F:{dst:04X}.",
        details=(
            f"Copy the {n} bytes at $7E{src:04X}-$7E{src + n - 1:04X} to $7F{dst:04X}-$7F{dst + n - 1:04X}. "
            "Entry and exit mode: m=1, x=1; DBR must be the same on return. A, X and Y may be clobbered. "
            f"Observable: $7F{dst:04X}-$7F{dst + n - 1:04X}. (ASAR writes block moves as MVN dest_bank,src_bank.)"
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={f"$7E{src:04X}..$7E{src + n - 1:04X}": byte_range(0x00, 0x01, 0x80, 0xFF)},
            outputs=[f"$7F{dst:04X}..$7F{dst + n - 1:04X}"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("copy", r"\bcop(y|ies)", r"\bmove", r"transfer", r"\bMVN\b"),
            fact("banks", r"\$7E.*\$7F", r"bank \$?7E", r"WRAM", r"banks?"),
            fact("dbr", r"\bPHB\b", r"\bPLB\b", r"data bank", r"\bDBR\b", r"\bDB\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVP\b[^\n.]{0,20}(copies|used)"),
        explanation=(
            f"Saves the data bank (PHB), switches to 16-bit registers, loads A = {n - 1} (count minus one), "
            f"X = source ${src:04X}, Y = destination ${dst:04X}, and MVN copies {n} bytes from bank $7E to "
            "$7F. MVN changes DBR, so it returns to 8-bit registers and restores DBR with PLB."
        ),
        false_claims=("It copies with MVP and clears with STZ $7F0000.",),
        tags=("block-move", "mvn", "long", "wram"),
        params={"n": n, "src": src, "dst": dst},
    )


def bit_flag_set(rng: random.Random) -> Routine:
    """Set flag number A in a bit array: byte A>>3, bit A&7 through an 8-entry mask table."""
    base = rng.choice([0x0340, 0x0F00, 0x1C80, 0x0480])
    size = rng.choice([4, 8])
    entry = rng.choice(["SetEventFlag", "Flags_Set", "MarkObtained"])
    ref = asm(f"""
        {entry}:
            PHA
            LSR A
            LSR A
            LSR A
            TAY
            PLA
            AND #$07
            TAX
            LDA .bits,X
            ORA ${base:04X},Y
            STA ${base:04X},Y
            RTS
        .bits:
            db $01,$02,$04,$08,$10,$20,$40,$80
        """)
    slow = Draft(
        "shift-loop",
        asm(f"""
        {entry}:
            PHA
            LSR A
            LSR A
            LSR A
            TAY
            PLA
            AND #$07
            TAX
            LDA #$01
        .shift:
            CPX #$00
            BEQ .done
            ASL A
            DEX
            BRA .shift
        .done:
            ORA ${base:04X},Y
            STA ${base:04X},Y
            RTS
        """),
        "builds the mask with a shift loop every call instead of a lookup table",
    )
    bugs = (
        Draft("eor", ref.replace("ORA", "EOR"), "EOR toggles: an already-set flag is cleared"),
        Draft("two-shifts", ref.replace("    LSR A\n", "", 1), "byte index A>>2: wrong byte"),
        Draft("and-0f", ref.replace("AND #$07", "AND #$0F"), "mask index up to 15 reads past the table"),
    )
    return Routine(
        kernel="bit_flag_set",
        entry=entry,
        call="jsr",
        summary=f"Set flag number A (0-{size * 8 - 1}) in the bit array at ${base:04X}.",
        details=(
            f"A (8-bit) holds the flag number n, 0-{size * 8 - 1}. The array is {size} bytes at "
            f"$7E{base:04X}; flag n lives in byte n/8, bit n%8 (bit 0 = $01). "
            f"Set that bit, leaving the others. Observable: $7E{base:04X}-$7E{base + size - 1:04X}. "
            "A, X, Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": span(0, size * 8 - 1, 0, 1, 7, 8, size * 8 - 2, size * 8 - 1),
                f"$7E{base:04X}..$7E{base + size - 1:04X}": byte_range(0x00, 0x7F, 0xAA, 0xFF),
            },
            outputs=[f"$7E{base:04X}..$7E{base + size - 1:04X}"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact(
                "set-bit",
                r"set(s|ting)? (the |a |that )?(bit|flag)",
                r"\bORA\b",
                r"\bOR(s|ed|ing)\b",
                r"bitwise[- ]or",
                r"bit is set",
                r"turn(s|ing)? on",
            ),
            fact("byte-index", r"/\s*8", r"divid", r"LSR", r"shift(s|ed)? right", r"byte index", r">>\s*3"),
            fact("table", r"table", r"mask", r"lookup", r"\.bits"),
        ),
        forbid=(*COMMON_FORBID, r"toggl", r"\bclear(s|ing)? the bit\b"),
        explanation=(
            f"Computes the byte index A/8 (three LSR, into Y) and the bit number A&7 (into X), looks up "
            f"the mask in the .bits table, and ORs it into ${base:04X},Y so that bit is set and the other "
            "bits keep their values. RTS."
        ),
        false_claims=("It toggles the flag with EOR.",),
        tags=("bits", "table-lookup", "flags"),
        params={"base": base, "size": size},
    )


def heal_link(rng: random.Random) -> Routine:
    """Link's health at $7EF36D (long address), capped by max health $7EF36C."""
    amount = rng.choice([0x04, 0x08, 0x10, 0x18, 0x20, 0x40])
    entry = rng.choice(["Link_Heal", "RefillHearts", "GiveHealth"])
    call = rng.choice(["jsr", "jsl"])
    ret = "RTS" if call == "jsr" else "RTL"
    ref = asm(f"""
        {entry}:
            LDA $7EF36D
            CLC
            ADC #{hex8(amount)}
            CMP $7EF36C
            BCC .store
            LDA $7EF36C
        .store:
            STA $7EF36D
            {ret}
        """)
    slow = Draft(
        "store-twice",
        asm(f"""
        {entry}:
            LDA $7EF36D
            CLC
            ADC #{hex8(amount)}
            STA $7EF36D
            LDA $7EF36C
            CMP $7EF36D
            BCS .done
            STA $7EF36D
        .done:
            {ret}
        """),
        "stores, reloads both values and compares again",
    )
    bugs = (
        Draft("bcs", ref.replace("BCC .store", "BCS .store"), "cap applied to the values below the maximum"),
        Draft("no-clc", ref.replace("    CLC\n", ""), "entry carry adds one"),
        Draft("bank-dropped", ref.replace("STA $7EF36D", "STA $F36D"), "absolute store: DBR $00, not $7E"),
    )
    # The game keeps max health at 3-20 hearts ($18-$A0) and health at or below $A0, so the sum never
    # passes $FF. Paired edges (sorted boundaries meet index by index): health + amount one below,
    # at and one above the maximum, three times over.
    lowest = rng.randrange(max(0x18, amount + 1), 0x92)
    maxima = [lowest + 3 * k for k in range(6)]
    healths = [top - amount + (-1, 0, 1)[k % 3] for k, top in enumerate(maxima)]
    return Routine(
        kernel="heal_link",
        entry=entry,
        call=call,
        summary=f"Heal Link by {hex8(amount)} health points without exceeding his maximum health.",
        details=(
            f"Current health is the byte $7EF36D ($00-$A0) and maximum health $7EF36C ($18-$A0: 3 to 20 "
            f"hearts of 8 points). Add {hex8(amount)} to the current health; if the result reaches or "
            "exceeds the maximum, store the maximum. Observable: $7EF36D. DBR is $00, so these need long "
            "addressing. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"$7EF36C": span(0x18, 0xA0, *maxima), "$7EF36D": span(0x00, 0xA0, *healths)},
            outputs=["$7EF36D"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("health", r"\$7EF36D", r"health", r"hearts?", r"\bHP\b"),
            fact("max", r"\$7EF36C", r"max", r"cap", r"limit", r"clamp"),
            fact("long", r"long", r"24-bit", r"bank \$?7E", r"\$7EF3"),
        ),
        forbid=(*COMMON_FORBID, r"\$0E20"),
        explanation=(
            f"Loads current health from $7EF36D with long addressing, adds {hex8(amount)} (CLC/ADC), and "
            f"compares with the maximum at $7EF36C; if the sum is not below the maximum it loads the "
            f"maximum instead (cap). Stores the result back to $7EF36D. {ret}."
        ),
        false_claims=("Health lives at $0E20 and is cleared with STZ $7EF36D.",),
        tags=("health", "long-addressing", "sram-mirror", "cap"),
        params={"amount": amount, "call": call},
    )


def rupee_add(rng: random.Random) -> Routine:
    """Add A to the rupee word $7EF360, capped at 999."""
    cap = rng.choice([999, 500, 300, 255])
    entry = rng.choice(["AddRupees", "Rupee_Give", "CollectRupees"])
    call = rng.choice(["jsr", "jsl"])
    ret = "RTS" if call == "jsr" else "RTL"
    ref = asm(f"""
        {entry}:
            CLC
            ADC $7EF360
            CMP #{hex16(cap + 1)}
            BCC .store
            LDA #{hex16(cap)}
        .store:
            STA $7EF360
            {ret}
        """)
    slow = Draft(
        "sep-compare",
        asm(f"""
        {entry}:
            CLC
            ADC $7EF360
            STA $7EF360
            CMP #{hex16(cap)}
            BCC .done
            BEQ .done
            LDA #{hex16(cap)}
            STA $7EF360
        .done:
            {ret}
        """),
        "stores first, then compares and stores again",
    )
    bugs = (
        Draft("no-clc", ref.replace("    CLC\n", ""), "entry carry"),
        Draft("bcs", ref.replace("BCC .store", "BCS .store"), "inverted cap"),
        Draft("bank-dropped", ref.replace("STA $7EF360", "STA $F360"), "absolute store goes to bank $00"),
    )
    # Paired edges: case k gives A and the count their k-th edge values (sorted boundaries, then 0,
    # the cap, 1, $7F, ...). A has one boundary more than the count, so after the boundaries' sums
    # (cap-1, cap+2, then A alone) the ends meet as 0 + cap (exactly the cap) and cap + 1 (one over).
    low = rng.randrange(2, 11)
    step = rng.choice([1, 2])
    amounts = (low, low + step, rng.randrange(low + step + 1, cap - 1))
    counts = (cap - 1 - low, cap + 2 - low - step)
    return Routine(
        kernel="rupee_add",
        entry=entry,
        call=call,
        summary=f"Add the 16-bit A to the rupee count (word at $7EF360), capping it at {cap}.",
        details=(
            f"A (m=0) holds 0-{cap} rupees to add to the word $7EF360 (0-{cap}). If the sum exceeds {cap} "
            f"({hex16(cap)}), store {hex16(cap)}. Observable: the word $7EF360. DBR is $00. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={"A": span(0, cap, *amounts), "$7EF360:w": span(0, cap, *counts)},
            outputs=["$7EF360:w"],
            preserve=["X", "Y"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("rupees", r"rupee", r"\$7EF360", r"money", r"currency"),
            fact("cap", r"\bcap", r"\bmax", r"limit", r"clamp", rf"\b{cap}\b", rf"{hex16(cap)}"),
            fact("sixteen", r"16-bit", r"\bword", r"m=0"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            f"In 16-bit mode adds A to the rupee word at $7EF360 (CLC/ADC long), compares the sum with "
            f"{cap + 1}; if it is {cap + 1} or more it loads the cap {hex16(cap)}. Stores the result to "
            f"$7EF360. {ret}."
        ),
        false_claims=("It stores with STZ $7EF360 and multiplies with MUL.",),
        tags=("rupees", "long-addressing", "16-bit", "cap"),
        params={"cap": cap, "call": call},
    )


KERNELS = {
    "jump_dispatch": jump_dispatch,
    "block_copy": block_copy,
    "bit_flag_set": bit_flag_set,
    "heal_link": heal_link,
    "rupee_add": rupee_add,
}
