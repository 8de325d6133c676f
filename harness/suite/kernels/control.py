"""Control-flow and memory kernels: jump tables, MVN block moves, bit flags via a lookup table, and the
save-file (long-addressed $7EF3xx) health and rupee counters.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, hex8, hex16, mixed, spec_dict

__all__ = [
    "KERNELS","bit_flag_set", "block_copy", "heal_link", "jump_dispatch", "rupee_add"]

_HANDLERS = (
    ("INC $10", "increment $10"),
    ("DEC $10", "decrement $10"),
    ("ASL $10", "shift $10 left by one"),
    ("STZ $10", "set $10 to 0"),
    ("LSR $10", "shift $10 right by one"),
    ("LDA #$FF : STA $10", "set $10 to $FF"),
    ("LDA $11 : STA $10", "copy $11 into $10"),
)


def jump_dispatch(rng: random.Random) -> Routine:
    """Dispatch on a state number through `JMP (table,X)`; the slow draft is a CMP/BEQ chain."""
    n = rng.choice([4, 5, 6])
    handlers = rng.sample(_HANDLERS, n)
    entry = rng.choice(["RunState", "Module_Dispatch", "Menu_Action", "Sprite_StateJump"])
    table = ", ".join(f".s{i}" for i in range(n))
    bodies = "".join(
        f".s{i}:\n    {code.replace(' : ', chr(10) + '    ')}\n    RTS\n"
        for i, (code, _) in enumerate(handlers)
    )
    ref = f"{entry}:\n    ASL A\n    TAX\n    JMP (.table,X)\n.table:\n    dw {table}\n{bodies}"
    chain = "".join(f"    CMP #{hex8(i)}\n    BNE .not{i}\n    JMP .s{i}\n.not{i}:\n" for i in range(n - 1))
    slow_src = f"{entry}:\n{chain}    JMP .s{n - 1}\n{bodies}"
    slow = Draft("cmp-chain", slow_src, "a CMP/BNE/JMP chain tests every state in turn")
    bugs = (
        Draft(
            "no-asl",
            ref.replace("    ASL A\n", "", 1),
            "index not doubled: the word table is read at odd offsets",
        ),
        Draft(
            "db-table",
            ref.replace(f"    dw {table}", f"    db {table}"),
            "table of bytes: addresses truncated",
        ),
        Draft(
            "tay", ref.replace("    TAX\n    JMP", "    TAY\n    JMP"), "index goes to Y; JMP (a,X) uses X"
        ),
    )
    listing = "; ".join(f"{i}: {text}" for i, (_, text) in enumerate(handlers))
    return Routine(
        kernel="jump_dispatch",
        entry=entry,
        call="jsr",
        summary=f"Run the handler for state A (0-{n - 1}) through a jump table.",
        details=(
            f"A (8-bit) is a state number 0-{n - 1}. State actions on the byte at $10 (and $11): {listing}. "
            "Observable: $7E0010. X and A may be clobbered; keep Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A": {"values": list(range(n))}, "$7E0010": [0, 255], "$7E0011": [0, 255]},
            outputs=["$7E0010"],
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
            "Doubles the state in A (ASL) because each table entry is a 2-byte word, moves it to X and "
            "jumps indirectly through the jump table with JMP (.table,X). Each handler does its action "
            "on $10 and returns with RTS to the original caller."
        ),
        false_claims=("Uses MUL to scale the state and STZ long to clear it.",),
        tags=("jump-table", "dispatch", "indirect"),
        params={"handlers": [h for h, _ in handlers]},
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
            inputs={f"$7E{src:04X}..$7E{src + n - 1:04X}": [0, 255]},
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
            f"The array is {size} bytes at $7E{base:04X}; flag n lives in byte n/8, bit n%8 (bit 0 = $01). "
            f"Set that bit, leaving the others. Observable: $7E{base:04X}-$7E{base + size - 1:04X}. "
            "A, X, Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": [0, size * 8 - 1], f"$7E{base:04X}..$7E{base + size - 1:04X}": [0, 255]},
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
    hearts = {"values": [i * 8 for i in range(3, 21)]}
    return Routine(
        kernel="heal_link",
        entry=entry,
        call=call,
        summary=f"Heal Link by {hex8(amount)} health points without exceeding his maximum health.",
        details=(
            f"Current health is the byte $7EF36D and maximum health $7EF36C (8 points per heart). Add "
            f"{hex8(amount)} to the current health; if the result reaches or exceeds the maximum, store the "
            "maximum. Observable: $7EF36D. DBR is $00, so these need long addressing. Keep X and Y."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"$7EF36C": hearts, "$7EF36D": {"values": [0, 1, 4, 8, 0x18, 0x40, 0x80, 0xA0]}},
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
    edges = [0, 1, 2, 3, cap // 2, cap - 3, cap - 2, cap - 1, cap]
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
            inputs={"A": mixed(rng, edges, 0, cap, n=4), "$7EF360:w": mixed(rng, edges, 0, cap, n=4)},
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
