"""Pointer kernels: (dp),Y and [dp],Y walking, pointer tables in WRAM, 24-bit pointer tables and JML
dispatch, JSR/JMP (abs,X) dispatch with a 16-bit index, byte-linked lists, sentinel search, data-bank
switches, stack-relative arguments, MVN/MVP block moves and 24-bit address arithmetic.

Every memory area a routine reads through a pointer is a named input (so every output is decided by
the task's inputs), and every pointer's range is stated in the contract with both bounds. Pointers
never reach the direct page, the stack or the outputs, so the order in which a correct routine reads
and writes can never change its result.
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
    span,
    spec_dict,
    word_range,
)

__all__ = [
    "KERNELS",
    "channel_stream_read",
    "command_dispatch16",
    "jml_event_dispatch",
    "list_find_key",
    "list_insert_sorted",
    "long_list_max",
    "long_ptr_add_signed",
    "long_ptr_counter_inc",
    "mvn_scroll_lines",
    "mvp_insert_gap",
    "ptr_table_copy_record",
    "record_fields_indirect",
    "record_search_sentinel",
    "rom_table_translate",
    "slot_state_machine",
    "stack_args_sum",
    "timers_7f_tick",
]


def _cells(lo: int, hi: int, bank: int = 0x7E) -> str:
    """A byte range location in one bank, e.g. `$7E1A00..$7E1A3F`."""
    return f"${bank:02X}{lo:04X}..${bank:02X}{hi:04X}"


def _planted(count: int, values: int, targets: list[int]) -> list[list[int]]:
    """Boundary orders for `count` inputs that are compared with a key whose k-th edge value is k.

    In edge case k the key is k, and input i is k exactly when `targets[k] == i` (a target of `count`
    or more plants no match): each input's order is the identity on its planted cases and a rotation
    elsewhere, so it has no other fixed point. Random cases still draw from the whole range; this only
    makes sure the edge cases put a match at every position (first, middle, last, none)."""
    orders = []
    for i in range(count):
        free = [k for k in range(values) if k >= len(targets) or targets[k] != i]
        order = list(range(values))
        for j, k in enumerate(free):
            order[k] = free[(j + 1) % len(free)]
        orders.append(order)
    return orders


def _in_order(lo: int, hi: int, order: list[int]) -> dict[str, object]:
    """A range domain whose boundaries are tried in exactly this order (`span` sorts them)."""
    return {"range": [lo, hi], "boundaries": order}


def _lines(*parts: str | list[str]) -> str:
    """Join instruction lines (and lists of them) into a source ending with one newline."""
    out: list[str] = []
    for part in parts:
        out.extend([part] if isinstance(part, str) else part)
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------ (dp),Y records

_FIELD_TABLES = (
    (0x0E50, "hit points"),
    (0x0D50, "X speed"),
    (0x0D40, "Y speed"),
    (0x0F50, "OAM properties"),
    (0x0CD2, "bump damage"),
    (0x0E60, "behaviour flags"),
    (0x0F60, "hitbox size"),
)


def record_fields_indirect(rng: random.Random) -> Routine:
    """Load a sprite's fields from a definition record through a direct-page pointer: LDA (dp),Y with Y
    walking the record and X the sprite slot."""
    count = rng.choice([4, 5, 6])
    fields = rng.sample(_FIELD_TABLES, count)
    dp = rng.choice([0x04, 0x06, 0x08, 0x0A, 0x0C])
    area = rng.choice([0x1A00, 0x1B40, 0x1C80, 0x1D30])
    last_ptr = area + 0x38
    entry = rng.choice(["Sprite_LoadDefinition", "InitFromRecord", "Sprite_ApplyPreset", "LoadEnemyStats"])
    body: list[str] = [f"{entry}:", "    LDY #$00"]
    slow: list[str] = [f"{entry}:"]
    for index, (table, _) in enumerate(fields):
        if index:
            body.append("    INY")
            slow += ["    REP #$20", f"    INC ${dp:02X}", "    SEP #$20"]
        body += [f"    LDA (${dp:02X}),Y", f"    STA ${table:04X},X"]
        slow += [f"    LDA (${dp:02X})", f"    STA ${table:04X},X"]
    ref = _lines(body, "    RTS")
    first, _, rest = ref.partition("    INY\n")
    skip_one = first + "    INY\n" + rest.replace("    INY\n", "", 1)
    last_table = fields[-1][0]
    mapping = ", ".join(f"byte {i} to the {name} table ${t:04X},X" for i, (t, name) in enumerate(fields))
    outputs = [_cells(t, t + 15) for t, _ in fields]
    return Routine(
        kernel="record_fields_indirect",
        entry=entry,
        call="jsr",
        summary=f"Copy the {count}-byte definition record at the pointer in ${dp:02X} into sprite slot X's "
        "tables.",
        details=(
            f"X (0-15) is the sprite slot. The word at ${dp:02X}-${dp + 1:02X} (direct page) points to a "
            f"{count}-byte record in bank $00 (low WRAM); the pointer is ${area:04X}-${last_ptr:04X}. Copy "
            f"record {mapping}. Observable: those {count} tables (16 bytes each). Keep X; A and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 15, 0, 15),
                f"$7E{dp:04X}:w": span(area, last_ptr, area, last_ptr, (area | 0xFF) - count + 2),
                _cells(area, last_ptr + count - 1): byte_range(),
            },
            outputs=outputs,
            preserve=["X"],
        ),
        slow=(
            Draft(
                "bump-pointer",
                _lines(slow, "    RTS"),
                "reads each field with LDA (dp) and bumps the 16-bit pointer itself (REP/INC/SEP) instead "
                "of stepping Y",
            ),
        ),
        bugs=(
            Draft(
                "indexed-indirect",
                ref.replace(f"(${dp:02X}),Y", f"(${dp:02X},X)"),
                "LDA (dp,X) reads the pointer at dp+X, not the record at the pointer plus Y",
            ),
            Draft("missing-iny", skip_one, "one INY is missing: two tables get the same record byte"),
            Draft(
                "store-y",
                ref.replace(f"STA ${last_table:04X},X", f"STA ${last_table:04X},Y"),
                "the last field is stored at table,Y (the record offset) instead of table,X (the slot)",
            ),
        ),
        facts=(
            fact("pointer", r"pointer", r"indirect", r"\(\$[0-9A-F]{2}\),Y"),
            fact("record", r"record", r"fields?", r"definition"),
            fact("slot", r"slot", r",X\b", r"sprite"),
        ),
        forbid=(*COMMON_FORBID, r"\(\$[0-9A-F]{2},X\)"),
        explanation=(
            f"Y starts at 0 and walks the record: each LDA (${dp:02X}),Y reads the next byte through the "
            f"16-bit pointer in direct page ${dp:02X}, and each is stored into its own table at the sprite "
            f"slot X ({mapping}). X is never changed. RTS."
        ),
        false_claims=(f"It reads the pointer at ${dp:02X}+X with LDA (${dp:02X},X).",),
        tags=("pointers", "dp-indirect", "records", "sprites"),
        params={"dp": dp, "area": area, "fields": [t for t, _ in fields]},
    )


def ptr_table_copy_record(rng: random.Random) -> Routine:
    """Pick a record through a table of 16-bit pointers in WRAM (bounds-checked index) and copy it to a
    buffer with LDA (dp),Y."""
    n = rng.choice([6, 8, 10, 12])
    size = rng.choice([4, 5, 6, 8])
    table = rng.choice([0x1F00, 0x1F40, 0x1F80])
    area = rng.choice([0x1800, 0x1900, 0x1A00, 0x1B00])
    buffer = rng.choice([0x0F00, 0x0F30, 0x0F60, 0x0FA0])
    dp = rng.choice([0x00, 0x02, 0x06, 0x0C])
    last_ptr = area + 0x40
    entry = rng.choice(["Text_LoadEntry", "GetRecordByIndex", "Item_FetchData", "CopyTableEntry"])
    ref = asm(f"""
        {entry}:
            CMP #{hex8(n)}
            BCS .bad
            ASL A
            TAX
            LDA ${table:04X},X
            STA ${dp:02X}
            LDA ${table + 1:04X},X
            STA ${dp + 1:02X}
            LDY #{hex8(size - 1)}
        .copy:
            LDA (${dp:02X}),Y
            STA ${buffer:04X},Y
            DEY
            BPL .copy
        .bad:
            RTS
        """)
    slow = asm(f"""
        {entry}:
            CMP #{hex8(n)}
            BCS .bad
            ASL A
            TAX
            LDA ${table:04X},X
            STA ${dp:02X}
            LDA ${table + 1:04X},X
            STA ${dp + 1:02X}
            LDY #$00
        .copy:
            LDA (${dp:02X}),Y
            STA ${buffer:04X},Y
            INY
            CPY #{hex8(size)}
            BNE .copy
            CLC
        .bad:
            RTS
        """)
    inputs: dict[str, object] = {"A.lo": byte_range(0, n - 1, n, n + 1, 0x7F, 0x80)}
    for i in range(n):
        inputs[f"$7E{table + 2 * i:04X}:w"] = span(area, last_ptr, area, last_ptr)
    inputs[_cells(area, last_ptr + size - 1)] = byte_range()
    return Routine(
        kernel="ptr_table_copy_record",
        entry=entry,
        call="jsr",
        summary=f"Copy the {size}-byte record that pointer number A of the table at ${table:04X} points to "
        f"into ${buffer:04X}.",
        details=(
            f"A (8-bit) is an entry number. The table at $7E{table:04X} holds {n} little-endian 16-bit "
            f"pointers (entries 0-{n - 1}); each points to a {size}-byte record in bank $00 (low WRAM) and "
            "is "
            f"${area:04X}-${last_ptr:04X}. If A is {n} or more, change nothing and return with carry set. "
            f"Otherwise copy the {size} bytes of record A to $7E{buffer:04X}-$7E{buffer + size - 1:04X} and "
            "return with carry clear. Observable: the buffer and the carry flag. A, X and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs=inputs,
            outputs=[_cells(buffer, buffer + size - 1), "flag:C"],
        ),
        slow=(Draft("count-up", slow, "copies upwards and compares Y with the length every byte"),),
        bugs=(
            Draft(
                "no-bound",
                ref.replace(f"    CMP #{hex8(n)}\n    BCS .bad\n", ""),
                "no bounds check: entries past the table are used as pointers",
            ),
            Draft(
                "bound-off-by-one",
                ref.replace(f"CMP #{hex8(n)}", f"CMP #{hex8(n + 1)}"),
                f"entry {n} (one past the table) is accepted",
            ),
            Draft(
                "copies-one-more",
                ref.replace(f"LDY #{hex8(size - 1)}", f"LDY #{hex8(size)}"),
                "Y starts at the length: one byte too many is copied",
            ),
        ),
        facts=(
            fact("table", r"pointer table", r"table of (16-bit )?pointers", r"\bASL\b", r"doubl"),
            fact("bounds", r"bounds?", r"out of range", rf"\b{n}\b or more", r"carry set", r"\bCMP\b"),
            fact("copy", r"cop(y|ies)", r"\(\$[0-9A-F]{2}\),Y", r"record"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"Compares the entry number with {n}: {n} or more returns at once with carry set (bounds check). "
            f"Otherwise it doubles A (ASL, the pointer table holds 16-bit entries), loads the pointer from "
            f"${table:04X},X into direct page ${dp:02X}, and copies the {size}-byte record with LDA "
            f"(${dp:02X}),Y / STA ${buffer:04X},Y counting Y down to 0. The carry is still clear from the "
            "CMP (A was below the count), so it returns with RTS."
        ),
        false_claims=("It copies the record with MVN.",),
        tags=("pointers", "pointer-table", "dp-indirect", "bounds-check"),
        params={"n": n, "size": size, "table": table, "area": area, "buffer": buffer},
    )


# ------------------------------------------------------------------------------- 24-bit pointers


def long_ptr_counter_inc(rng: random.Random) -> Routine:
    """Index a table of 24-bit pointers by A (A*3), copy the entry to direct page and increment the
    16-bit counter it points to through [dp], saturating at $FFFF."""
    n = rng.choice([4, 5, 6, 8])
    table = rng.choice([0x1F00, 0x1F40, 0x1E80])
    area = rng.choice([0x2400, 0x3000, 0x5800, 0xA000])
    window = 0x40
    tmp, dp = rng.choice([(0x00, 0x04), (0x02, 0x08), (0x0E, 0x0A), (0x06, 0x00)])
    entry = rng.choice(["Stats_Count", "BumpCounter", "Event_Tally", "IncStatByIndex"])
    ref = asm(f"""
        {entry}:
            STA ${tmp:02X}
            ASL A
            ADC ${tmp:02X}
            TAX
            LDA ${table:04X},X
            STA ${dp:02X}
            LDA ${table + 1:04X},X
            STA ${dp + 1:02X}
            LDA ${table + 2:04X},X
            STA ${dp + 2:02X}
            REP #$20
            LDA [${dp:02X}]
            INC A
            BNE .store
            DEC A
        .store:
            STA [${dp:02X}]
            SEP #$20
            RTS
        """)
    slow = ref.replace(
        f"    STA ${tmp:02X}\n    ASL A\n    ADC ${tmp:02X}\n    TAX\n",
        "    TAY\n    LDX #$00\n.times3:\n    DEY\n    BMI .got\n    INX\n    INX\n    INX\n    BRA .times3\n"
        ".got:\n",
    )
    inputs: dict[str, object] = {"A.lo": span(0, n - 1, 0, n - 1)}
    for i in range(n):
        # Edge case 0 points every entry at $7E:area, a counter $FFFF (saturation); edge case 1 at the
        # last word of bank $7F, a counter $00FF (an 8-bit increment would wrap it and skip the store).
        inputs[f"$7E{table + 3 * i:04X}:w"] = _in_order(area, area + window, [area, area + window, area + 1])
        inputs[f"$7E{table + 3 * i + 2:04X}"] = span(0x7E, 0x7F)
    regions = [_cells(area, area + window + 1, bank) for bank in (0x7E, 0x7F)]
    orders = {
        0x7E: ([0xFF, 0x00, 0x01, 0xFE], [0x00, 0xFF, 0x80, 0x7F]),
        0x7F: ([0x00, 0xFF, 0x01, 0xFE], [0xFF, 0x00, 0x80, 0x7F]),
    }
    for bank, (body, tail) in orders.items():
        inputs[_cells(area, area + window, bank)] = _in_order(0, 0xFF, body)
        inputs[f"${bank:02X}{area + window + 1:04X}"] = _in_order(0, 0xFF, tail)
    return Routine(
        kernel="long_ptr_counter_inc",
        entry=entry,
        call="jsr",
        summary=f"Increment (saturating at $FFFF) the 16-bit counter that 24-bit pointer number A of the "
        f"table at ${table:04X} points to.",
        details=(
            f"A (8-bit) is an entry number 0-{n - 1}. The table at $7E{table:04X} holds {n} 3-byte pointers "
            f"(low, high, bank: entry i at ${table:04X}+3*i); each points into bank $7E or $7F (bank byte "
            f"$7E-$7F) at offset ${area:04X}-${area + window:04X}. Add 1 to the little-endian word it points "
            "to, unless that word is already $FFFF (then leave it), and return its new value in A (all 16 "
            f"bits, $FFFF when it was full). Observable: A, {regions[0]} and {regions[1]}. X and Y may be "
            "clobbered; return with m=1, x=1."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=["A", *regions]),
        slow=(
            Draft(
                "times3-loop",
                slow,
                "multiplies the entry number by 3 with an INX loop instead of ASL + ADC",
            ),
        ),
        bugs=(
            Draft(
                "times2",
                ref.replace(f"    STA ${tmp:02X}\n    ASL A\n    ADC ${tmp:02X}\n", "    ASL A\n"),
                "entries are 3 bytes but the index is only doubled",
            ),
            Draft(
                "no-bank",
                ref.replace(f"    LDA ${table + 2:04X},X\n    STA ${dp + 2:02X}\n", ""),
                "the bank byte is never copied: [dp] uses whatever bank the scratch byte holds",
            ),
            Draft(
                "wraps",
                ref.replace("    BNE .store\n    DEC A\n", ""),
                "no saturation: $FFFF wraps to $0000",
            ),
        ),
        facts=(
            fact("long", r"24-bit", r"long pointer", r"\[\$[0-9A-F]{2}\]", r"three.byte", r"3-byte", r"bank"),
            fact("times3", r"\* ?3", r"times (3|three)", r"tripl", r"three bytes", r"3 bytes"),
            fact("saturate", r"saturat", r"\$FFFF", r"\bcap", r"clamp"),
        ),
        forbid=(*COMMON_FORBID, r"\bJML\b"),
        explanation=(
            f"Multiplies the entry number by 3 (entries are 3 bytes: A*2 + A with ASL/ADC) and copies the "
            f"24-bit pointer (low, high, bank) from ${table:04X},X into direct page ${dp:02X}-${dp + 2:02X}. "
            f"In 16-bit mode it loads the word through [${dp:02X}] and increments it; an increment that "
            "wraps "
            "to 0 is undone with DEC A (the counter saturates at $FFFF). The value is stored back and stays "
            "in "
            "A for the caller. SEP #$20, RTS."
        ),
        false_claims=("It jumps through the pointer with JML.",),
        tags=("pointers", "long-pointer", "pointer-table", "saturation"),
        params={"n": n, "table": table, "area": area, "dp": dp},
    )


def long_list_max(rng: random.Random) -> Routine:
    """Walk a list of 16-bit words with LDA [dp],Y from $7E:A; the list may run on into bank $7F (the
    65816 carries the index into the bank)."""
    n = rng.choice([8, 12, 16, 20])
    dp, best = rng.choice([(0x00, 0x04), (0x04, 0x00), (0x08, 0x0C), (0x0A, 0x06)])
    largest = rng.random() < 0.5
    if largest:
        entry = rng.choice(["FindPeak", "Buffer_MaxWord", "ScanForMax", "Meter_Highest"])
        word, keep = "largest", "    BCC .skip\n    BEQ .skip\n"
    else:
        entry = rng.choice(["FindLowest", "Buffer_MinWord", "ScanForMin", "Meter_Lowest"])
        word, keep = "smallest", "    BCS .skip\n"
    lo = rng.choice([0xFF00, 0xFF80, 0xFE80])
    end = 2 * n
    ref = asm(f"""
        {entry}:
            STA ${dp:02X}
            SEP #$20
            LDA #$7E
            STA ${dp + 2:02X}
            REP #$20
            LDA [${dp:02X}]
            STA ${best:02X}
            LDX #$0000
            LDY #$0002
        .next:
            LDA [${dp:02X}],Y
            CMP ${best:02X}
            %KEEP%
            STA ${best:02X}
            TYA
            LSR A
            TAX
        .skip:
            INY
            INY
            CPY #{hex16(end)}
            BNE .next
            LDA ${best:02X}
            RTS
        """).replace("    %KEEP%\n", keep)
    slow = asm(f"""
        {entry}:
            STA ${dp:02X}
            SEP #$20
            LDA #$7E
            STA ${dp + 2:02X}
            REP #$20
            LDA [${dp:02X}]
            STA ${best:02X}
            LDX #$0000
            LDY #$0001
        .next:
            LDA ${dp:02X}
            CLC
            ADC #$0002
            STA ${dp:02X}
            SEP #$20
            LDA ${dp + 2:02X}
            ADC #$00
            STA ${dp + 2:02X}
            REP #$20
            LDA [${dp:02X}]
            CMP ${best:02X}
            %KEEP%
            STA ${best:02X}
            TYX
        .skip:
            INY
            CPY #{hex16(n)}
            BNE .next
            LDA ${best:02X}
            RTS
        """).replace("    %KEEP%\n", keep)
    region = f"$7E{lo:04X}..$7F{end - 1:04X}"
    return Routine(
        kernel="long_list_max",
        entry=entry,
        call="jsr",
        summary=f"Find the {word} of the {n} 16-bit words of the list at $7E:A (it may run on into bank "
        "$7F).",
        details=(
            f"A (16-bit) is the offset in bank $7E of a list of {n} little-endian unsigned words, "
            f"${lo:04X}-$FFFF: the list lies in $7E{lo:04X}-$7F{end - 1:04X} and continues into bank $7F "
            "when it crosses $7EFFFF. Return the {word} word in A and its position (0-"
            f"{n - 1}) in X; of equal {word} words, the first. Observable: A and X. Y may be clobbered; "
            "return with m=0, x=0."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={
                "A": span(lo, 0xFFFF, lo, 0xFFFF, 0xFFFF - end + 1, 0xFFFF - end + 2, 0xFFFF - end + 3),
                region: byte_range(),
            },
            outputs=["A", "X"],
        ),
        slow=(
            Draft(
                "bump-long-pointer",
                slow,
                "advances the 24-bit pointer itself (16-bit add, then the carry into the bank byte under "
                "SEP) instead of stepping Y through [dp],Y",
            ),
        ),
        bugs=(
            Draft(
                "no-bank",
                ref.replace(f"    SEP #$20\n    LDA #$7E\n    STA ${dp + 2:02X}\n    REP #$20\n", "", 1),
                "the bank byte of the pointer is never set: [dp] uses whatever the scratch byte holds",
            ),
            Draft(
                "last-of-equal",
                ref.replace("    BEQ .skip\n", ""),
                "equal words replace the best: the last of equal maxima wins",
            )
            if largest
            else Draft(
                "signed-test",
                ref.replace("    BCS .skip\n", "    BPL .skip\n"),
                "BPL tests the sign of the difference, not the unsigned order (carry)",
            ),
            Draft(
                "short-pointer",
                ref.replace(f"[${dp:02X}],Y", f"(${dp:02X}),Y").replace(f"[${dp:02X}]\n", f"(${dp:02X})\n"),
                "(dp),Y takes the bank from DBR ($00), not from the pointer",
            ),
        ),
        facts=(
            fact("long", r"\[\$[0-9A-F]{2}\],Y", r"long (indirect|pointer)", r"24-bit", r"bank \$?7E"),
            fact("extreme", r"larg", r"max", r"greatest", r"highest")
            if largest
            else fact("extreme", r"small", r"\bmin", r"lowest", r"least"),
            fact("cross", r"\$7F", r"next bank", r"cross", r"carr(y|ies) into the bank"),
        ),
        forbid=(*COMMON_FORBID, r"\bwraps? (around )?(with)?in bank \$?7E\b"),
        explanation=(
            f"Builds a 24-bit pointer $7E:A in direct page ${dp:02X}-${dp + 2:02X}, takes the first word "
            f"as the best so far (in ${best:02X}) with position 0, then reads the other words with LDA "
            f"[${dp:02X}],Y, Y stepping by 2. The long indirect index carries into the bank, so a list that "
            f"crosses $7EFFFF continues in bank $7F. A word strictly {'larger' if largest else 'smaller'} "
            "than "
            f"the best replaces it and its position Y/2 goes to X. Returns the {word} word in A and its "
            "position in X. RTS."
        ),
        false_claims=("The list wraps around within bank $7E when it passes $FFFF.",),
        tags=("pointers", "long-pointer", "dp-indirect-long", "16-bit", "bank-crossing"),
        params={"n": n, "dp": dp, "largest": largest, "lo": lo},
    )


def long_ptr_add_signed(rng: random.Random) -> Routine:
    """24-bit address arithmetic: add a signed 16-bit offset to a long pointer, carrying (or borrowing)
    into the bank byte. The sign test is CMP #$8000, because BIT #imm does not set N."""
    dp = rng.choice([0x0D, 0x20, 0x36, 0x4A, 0x72])
    entry = rng.choice(["Ptr_AddSigned", "SeekLong", "AdvanceCursor", "Stream_Skip"])
    ref = asm(f"""
        {entry}:
            LDX #$00
            CMP #$8000
            BCC .positive
            DEX
        .positive:
            CLC
            ADC ${dp:02X}
            STA ${dp:02X}
            SEP #$20
            TXA
            ADC ${dp + 2:02X}
            STA ${dp + 2:02X}
            REP #$20
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STA $00
            CLC
            ADC ${dp:02X}
            STA ${dp:02X}
            SEP #$20
            LDA ${dp + 2:02X}
            ADC #$00
            STA ${dp + 2:02X}
            LDA $01
            BPL .done
            DEC ${dp + 2:02X}
        .done:
            REP #$20
            RTS
        """)
    return Routine(
        kernel="long_ptr_add_signed",
        entry=entry,
        call="jsr",
        summary=f"Add the signed 16-bit A to the 24-bit pointer at ${dp:02X}-${dp + 2:02X}, carrying into "
        "the bank.",
        details=(
            f"The direct-page bytes ${dp:02X} (low), ${dp + 1:02X} (high) and ${dp + 2:02X} (bank) hold a "
            "24-bit "
            "address. A (16-bit) is a signed offset (two's complement, -32768 to +32767). Add it to the "
            "address as a 24-bit number (a carry or a borrow reaches the bank byte; the bank wraps from "
            f"$FF to $00 and back). Observable: $7E{dp:04X}-$7E{dp + 2:04X}. A, X and Y may be clobbered; "
            "return with m=0, x=1."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={
                "A": word_range(0x0001, 0x7FFF, 0x8000, 0xFFFF),
                f"$7E{dp:04X}:w": word_range(0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF),
                f"$7E{dp + 2:04X}": byte_range(0x00, 0x7E, 0x7F, 0xFF),
            },
            outputs=[_cells(dp, dp + 2)],
        ),
        slow=(
            Draft(
                "fix-up-after",
                slow,
                "adds as if unsigned, then fixes the bank with a separate sign test and DEC afterwards",
            ),
        ),
        bugs=(
            Draft(
                "bit-immediate",
                ref.replace("    CMP #$8000\n    BCC .positive\n", "    BIT #$8000\n    BPL .positive\n"),
                "BIT #imm sets only Z, never N: the sign test uses whatever N was",
            ),
            Draft(
                "no-sign-extend",
                ref.replace("    DEX\n", ""),
                "negative offsets are not sign-extended: the bank gets +0 instead of -1",
            ),
            Draft(
                "bank-no-carry",
                ref.replace("    TXA\n    ADC", "    TXA\n    CLC\n    ADC"),
                "the carry out of the 16-bit add never reaches the bank byte",
            ),
        ),
        facts=(
            fact("sign", r"sign", r"negative", r"two'?s complement", r"\$FF", r"\bDEX\b"),
            fact("carry", r"carry", r"borrow", r"\bADC\b"),
            fact("bank", r"bank", r"24-bit", r"third byte"),
        ),
        forbid=(*COMMON_FORBID, r"\bBIT #\$8000\b[^\n.]{0,40}\bN\b"),
        explanation=(
            "Sign-extends the offset into X ($00 for a positive offset, $FF after DEX when CMP #$8000 finds "
            f"bit 15 set), adds the 16-bit offset to the low word at ${dp:02X} with CLC/ADC, then in 8-bit "
            f"mode adds the extension byte plus the carry to the bank byte ${dp + 2:02X}, so the 24-bit "
            "address moves forward or backward across banks. REP #$20, RTS."
        ),
        false_claims=("It tests the sign with BIT #$8000, which sets N from bit 15.",),
        tags=("pointers", "long-pointer", "24-bit", "signed", "arithmetic"),
        params={"dp": dp},
    )


def channel_stream_read(rng: random.Random) -> Routine:
    """Read the next byte of one of several streams whose pointers sit side by side in direct page:
    LDA (dp,X), then a 16-bit increment of that pointer (INC dp,X / BNE / INC dp+1,X)."""
    channels = rng.choice([4, 6, 8])
    base = rng.choice([0x20, 0x30, 0x40, 0x50])
    end_marker = rng.choice([0xFF, 0x00, 0xFE])
    area = rng.choice([0x1AE0, 0x1BC0, 0x1CF0, 0x1D80])
    last_ptr = area + 0x3F
    page_end = (area | 0xFF) if (area | 0xFF) <= last_ptr else area + 0x1F
    entry = rng.choice(["Music_ReadByte", "Channel_NextByte", "Script_Fetch", "Seq_GetNext"])
    cmp_lines = "" if end_marker == 0 else f"    CMP #{hex8(end_marker)}\n"
    # CMP #$FF leaves carry clear for every other byte, and an equal CMP sets it: no CLC/SEC needed then.
    clc = "    CLC\n" if end_marker == 0xFE else ""
    sec = "    SEC\n" if end_marker == 0x00 else ""
    ref = (
        f"{entry}:\n    TXA\n    ASL A\n    TAX\n    LDA (${base:02X},X)\n{cmp_lines}"
        f"    BEQ .end\n    INC ${base:02X},X\n    BNE .ok\n    INC ${base + 1:02X},X\n.ok:\n{clc}    RTS\n"
        f".end:\n{sec}    RTS\n"
    )
    slow = (
        f"{entry}:\n    TXA\n    ASL A\n    TAX\n    LDA (${base:02X},X)\n{cmp_lines}"
        f"    BEQ .end\n    REP #$20\n    INC ${base:02X},X\n    SEP #$20\n    CLC\n    RTS\n"
        f".end:\n    SEC\n    RTS\n"
    )
    pointers = _cells(base, base + 2 * channels - 1)
    inputs: dict[str, object] = {"X": span(0, channels - 1, 0, channels - 1)}
    for ch in range(channels):
        inputs[f"$7E{base + 2 * ch:04X}:w"] = span(area, last_ptr, area, last_ptr, page_end)
    inputs[_cells(area, last_ptr)] = byte_range(end_marker)
    return Routine(
        kernel="channel_stream_read",
        entry=entry,
        call="jsr",
        summary=f"Read the next byte of stream X (0-{channels - 1}); the stream pointers are words at "
        f"${base:02X}+2*X in direct page.",
        details=(
            f"X (0-{channels - 1}) is a channel. Channel i's stream pointer is the word at direct page "
            f"${base + 0:02X}+2*i (${base:02X}-${base + 2 * channels - 1:02X}); it points into bank $00 "
            f"(low WRAM) and is ${area:04X}-${last_ptr:04X}. Return the byte it points to in A. If that byte "
            f"is the end marker {hex8(end_marker)}, leave the pointer and return with carry set; otherwise "
            "add "
            "1 to the 16-bit pointer and return with carry clear. Observable: A (low byte), the carry and "
            f"{pointers}. X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=["A.lo", "flag:C", pointers]),
        slow=(
            Draft("rep-inc", slow, "a REP/INC/SEP 16-bit increment where INC/BNE/INC costs less on average"),
        ),
        bugs=(
            Draft(
                "no-double",
                ref.replace("    TXA\n    ASL A\n    TAX\n", "", 1),
                "the channel is not doubled: pointers are words, so odd offsets are read",
            ),
            Draft(
                "carry-beq",
                ref.replace("    BNE .ok\n", "    BEQ .ok\n"),
                "BEQ instead of BNE: the high byte is bumped on every step except the page crossing",
            ),
            Draft(
                "dp-indirect-y",
                ref.replace(f"    LDA (${base:02X},X)\n", f"    TXY\n    LDA (${base:02X}),Y\n"),
                "(dp),Y reads through the first channel's pointer plus Y, not channel X's pointer",
            ),
        ),
        facts=(
            fact("indexed-indirect", r"\(\$[0-9A-F]{2},X\)", r"indexed indirect", r"pre-?indexed"),
            fact("advance", r"increment", r"advance", r"\bINC\b", r"next byte"),
            fact("marker", r"end marker", r"marker", r"carry set", rf"{hex8(end_marker)}"),
        ),
        forbid=(*COMMON_FORBID, r"\(\$[0-9A-F]{2}\),Y"),
        explanation=(
            f"Doubles the channel number (pointers are words) into X and reads the byte with LDA "
            f"(${base:02X},X), the pointer at ${base:02X}+2*channel. The end marker {hex8(end_marker)} "
            "returns "
            f"with carry set and the pointer unchanged; any other byte advances the 16-bit pointer (INC "
            f"${base:02X},X, and INC ${base + 1:02X},X when the low byte wraps to 0) and returns with carry "
            "clear. The byte is returned in A. RTS."
        ),
        false_claims=(f"It reads through the pointer with LDA (${base:02X}),Y.",),
        tags=("pointers", "dp-indexed-indirect", "streams", "music"),
        params={"channels": channels, "base": base, "marker": end_marker},
    )


# --------------------------------------------------------------------------------------- dispatch

# (code, description) of small byte handlers on three variables {a}, {b}, {c}. None relies on the carry
# at entry, so no CLC/SEC in a handler is made redundant by the dispatcher.
_BYTE_HANDLERS = (
    ("INC {a}", "add 1 to {a}"),
    ("LDA {b}\nASL A\nSTA {a}", "set {a} to {b} times 2 (8-bit, the top bit is lost)"),
    ("LDA {a}\nEOR #$FF\nSTA {a}", "invert every bit of {a}"),
    ("LDA {b}\nORA {c}\nSTA {b}", "set {b} to {b} OR {c}"),
    ("LDA #$40\nTSB {b}", "set bit 6 of {b}"),
    ("LSR {c}", "shift {c} right by one"),
    ("DEC {b}", "subtract 1 from {b}"),
    ("LDA {a}\nSTA {c}", "copy {a} into {c}"),
    ("LDA {c}\nAND #$0F\nSTA {c}", "clear the high 4 bits of {c}"),
)
# The same for 16-bit words {a} and {b} (m=0, x=0).
_WORD_HANDLERS = (
    ("LDA {a}\nEOR {b}\nSTA {a}", "set {a} to {a} XOR {b}"),
    ("LDA {a}\nSEC\nSBC {b}\nSTA {a}", "subtract {b} from {a}"),
    ("ASL {a}", "shift {a} left by one"),
    ("LDA {b}\nEOR #$FFFF\nINC A\nSTA {b}", "negate {b} (two's complement)"),
    ("LDA {a}\nLDX {b}\nSTA {b}\nSTX {a}", "swap {a} and {b}"),
    ("LDA {a}\nAND {b}\nSTA {a}", "set {a} to {a} AND {b}"),
    ("LSR {b}", "shift {b} right by one (logical)"),
    ("LDA {a}\nXBA\nSTA {a}", "swap the two bytes of {a}"),
)


def _body(code: str, ret: str) -> list[str]:
    return [f"    {line}" for line in code.split("\n")] + [f"    {ret}"]


def _cycled(rng: random.Random, lo: int, hi: int, must: list[int], size: int) -> dict[str, object]:
    """A full range domain with a long boundary list (`must` first, then random values): its length sets
    the number of edge cases, so a shorter list (say, every command number) is cycled through it
    several times with different companions."""
    extra = [v for v in rng.sample(range(lo, hi + 1), min(hi - lo + 1, size * 2)) if v not in must]
    return _in_order(lo, hi, [*dict.fromkeys(must), *extra][:size])


def jml_event_dispatch(rng: random.Random) -> Routine:
    """Dispatch through a table of 24-bit handler addresses (`dl`): A*3 indexes it, the entry is copied to
    low RAM and JML [abs] jumps there. The handlers live in another bank (org $018000), so the bank
    byte matters; ids past the table run a default handler. Called with JSL: handlers return with RTL."""
    n = rng.choice([5, 6, 7])
    handlers = rng.sample(_BYTE_HANDLERS, n)
    default = ("STZ {a}\nSTZ {b}", "clear {a} and {b}")
    base = rng.choice([0x0F80, 0x1E10, 0x0C40, 0x1A70])
    names = {"a": f"${base:04X}", "b": f"${base + 1:04X}", "c": f"${base + 2:04X}"}
    tmp, dp = rng.choice([(0x00, 0x04), (0x0E, 0x00), (0x03, 0x08), (0x0F, 0x0A)])
    entry = rng.choice(["Event_Run", "RunTrigger", "Cutscene_Op", "Script_Exec"])
    prefix = rng.choice(["Ev", "Op", "Trig", "Act"])
    labels = [f"{prefix}_{i}" for i in range(n)]
    dispatch = [
        f"{entry}:",
        f"    CMP #{hex8(n)}",
        "    BCS .other",
        f"    STA ${tmp:02X}",
        "    ASL A",
        f"    ADC ${tmp:02X}",
        "    TAX",
        "    LDA .table,X",
        f"    STA ${dp:02X}",
        "    LDA .table+1,X",
        f"    STA ${dp + 1:02X}",
        "    LDA .table+2,X",
        f"    STA ${dp + 2:02X}",
        f"    JML [${dp:04X}]",
        ".other:",
        *_body(default[0].format(**names), "RTL"),
        ".table:",
        f"    dl {', '.join(labels)}",
    ]
    bodies: list[str] = ["", "org $018000"]
    for label, (code, _) in zip(labels, handlers, strict=True):
        bodies += [f"{label}:", *_body(code.format(**names), "RTL")]
    ref = _lines(dispatch, bodies)
    listing = "; ".join(f"{i}: {text.format(**names)}" for i, (_, text) in enumerate(handlers))
    variables = _cells(base, base + 2)
    return Routine(
        kernel="jml_event_dispatch",
        entry=entry,
        call="jsl",
        summary=f"Run event A through a table of 24-bit handler addresses (JML); ids {n} and up run a "
        "default.",
        details=(
            f"A (8-bit) is an event id. Events: {listing}. Any id of {n} or more: "
            f"{default[1].format(**names)}. Put the event handlers in bank $01 (`org $018000`) and dispatch "
            "to them through a table of 24-bit (`dl`) addresses and JML. Observable: "
            f"$7E{base:04X}-$7E{base + 2:04X}. A, X and Y may be clobbered; keep DBR ($00)."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(*range(n + 2), 0x7F, 0x80, 0xFF),
                # Three lists of different lengths: the variables differ from each other in edge cases.
                f"$7E{base:04X}": _cycled(rng, 0, 0xFF, [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE], 40),
                f"$7E{base + 1:04X}": _cycled(rng, 0, 0xFF, [0xFF, 0x00, 0x80, 0x7F, 0x41, 0xBF], 37),
                f"$7E{base + 2:04X}": _cycled(rng, 0, 0xFF, [0x0F, 0xF0, 0x01, 0x00, 0xFF, 0x80], 33),
            },
            outputs=[variables],
        ),
        slow=(
            Draft(
                "add-twice",
                ref.replace(
                    f"    ASL A\n    ADC ${tmp:02X}\n", f"    CLC\n    ADC ${tmp:02X}\n    ADC ${tmp:02X}\n"
                ),
                "multiplies by 3 with CLC and two ADCs of the saved id instead of ASL and one ADC",
            ),
        ),
        bugs=(
            Draft(
                "times2",
                ref.replace(f"    STA ${tmp:02X}\n    ASL A\n    ADC ${tmp:02X}\n", "    ASL A\n"),
                "the table holds 3-byte entries but the id is only doubled",
            ),
            Draft(
                "bcc",
                ref.replace("BCS .other", "BCC .other"),
                "inverted bounds test: valid ids run the default and invalid ones index past the table",
            ),
            Draft(
                "rts-handler",
                ref.replace(
                    f"{labels[0]}:\n" + "\n".join(_body(handlers[0][0].format(**names), "RTL")),
                    f"{labels[0]}:\n" + "\n".join(_body(handlers[0][0].format(**names), "RTS")),
                ),
                "handler 0 returns with RTS: after a JSL that pops only two of the three return bytes",
            ),
        ),
        facts=(
            fact("long-table", r"24-bit", r"\bdl\b", r"long (address|pointer)", r"three.byte", r"3-byte"),
            fact("jml", r"\bJML\b", r"jump(s)? (long|indirect)"),
            fact("default", r"default", r"out.of.range", rf"{n} or (more|above|higher)"),
        ),
        forbid=(*COMMON_FORBID, r"\bJSR \(", r"\bRTS\b[^\n.]{0,30}handler"),
        explanation=(
            f"Ids of {n} or more branch to the default handler, which clears the first two variables and "
            f"returns with RTL. Otherwise the id is multiplied by 3 (ASL plus ADC of the saved copy) because "
            f"the table holds 24-bit `dl` addresses; the three bytes (low, high, bank $01) are copied to "
            f"${dp:02X}-${dp + 2:02X} and JML [${dp:04X}] jumps to the handler in bank $01. Each handler "
            "does "
            "its action on the event variables and returns to the original JSL caller with RTL."
        ),
        false_claims=("Each handler is called with JSR (table,X) and returns with RTS.",),
        tags=("dispatch", "long-pointer", "jml", "pointer-table", "jsl", "multi-bank"),
        params={"n": n, "handlers": [h for h, _ in handlers], "dp": dp},
    )


def command_dispatch16(rng: random.Random) -> Routine:
    """16-bit JSR (abs,X) dispatch: A's high byte is unrelated, so AND #$00FF comes first (the bug is to
    forget it); unknown commands run an inline default; a counter is bumped after every command."""
    n = rng.choice([6, 7])
    handlers = rng.sample(_WORD_HANDLERS, n)
    default = ("STZ {b}", "set {b} to 0")
    v1, v2, counter = rng.choice(
        [(0x1F00, 0x1F02, 0x1F04), (0x0B10, 0x0B12, 0x0B20), (0x1C40, 0x1C44, 0x1C42)]
    )
    names = {"a": f"${v1:04X}", "b": f"${v2:04X}"}
    entry = rng.choice(["Cmd_Execute", "HandleCommand", "Debug_RunOp", "Menu_DoAction"])
    labels = [f".c{i}" for i in range(n)]
    dispatch = [
        f"{entry}:",
        "    AND #$00FF",
        f"    CMP #{hex16(n)}",
        "    BCS .unknown",
        "    ASL A",
        "    TAX",
        "    JSR (.table,X)",
        f"    INC ${counter:04X}",
        "    RTS",
        ".unknown:",
        f"    {default[0].format(**names)}",
        f"    INC ${counter:04X}",
        "    RTS",
        ".table:",
        f"    dw {', '.join(labels)}",
    ]
    bodies: list[str] = []
    for label, (code, _) in zip(labels, handlers, strict=True):
        bodies += [f"{label}:", *_body(code.format(**names), "RTS")]
    ref = _lines(dispatch, bodies)
    chain = [f"{entry}:", "    AND #$00FF"]
    for i in range(n):
        chain += [f"    CMP #{hex16(i)}", f"    BNE .not{i}", f"    JSR .c{i}", "    BRA .done", f".not{i}:"]
    chain += [f"    {default[0].format(**names)}", ".done:", f"    INC ${counter:04X}", "    RTS"]
    slow = _lines(chain, bodies)
    listing = "; ".join(f"{i}: {text.format(**names)}" for i, (_, text) in enumerate(handlers))
    # Every command number (and the first unknown ones) with several high bytes, tried first.
    planted = [low | (high << 8) for high in (0x00, 0x01, 0x80, 0xFF, 0x5A) for low in range(n + 2)]
    return Routine(
        kernel="command_dispatch16",
        entry=entry,
        call="jsr",
        summary=f"Call the handler of command A (low byte; {n} commands and a default) with JSR (table,X), "
        "then count the command.",
        details=(
            f"A (16-bit, m=0) holds the command number in its low byte; the high byte is unrelated and must "
            f"be ignored. Commands (16-bit words): {listing}. Any command of {n} or more: "
            f"{default[1].format(**names)}. After every command, add 1 to the word ${counter:04X} "
            "(wrapping). "
            f"Observable: the words $7E{v1:04X}, $7E{v2:04X} and $7E{counter:04X}. A, X and Y may be "
            "clobbered; return with m=0, x=0."
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={
                "A": _in_order(0, 0xFFFF, [*planted, 0x00FF, 0xFFFF]),
                f"$7E{v1:04X}:w": _cycled(rng, 0, 0xFFFF, [0x0000, 0x8000, 0xFFFF, 0x00FF, 0x0001], 29),
                f"$7E{v2:04X}:w": _cycled(rng, 0, 0xFFFF, [0x0001, 0x0000, 0x7FFF, 0xFFFF, 0xFF00], 31),
                f"$7E{counter:04X}:w": word_range(0x00FF, 0xFFFF),
            },
            outputs=[f"$7E{v1:04X}:w", f"$7E{v2:04X}:w", f"$7E{counter:04X}:w"],
        ),
        slow=(Draft("cmp-chain", slow, "a CMP/BNE/JSR chain tests every command in turn"),),
        bugs=(
            Draft(
                "no-and",
                ref.replace("    AND #$00FF\n", ""),
                "A's high byte is not cleared: any command with a nonzero high byte runs the default",
            ),
            Draft(
                "jmp",
                ref.replace("JSR (.table,X)", "JMP (.table,X)"),
                "JMP (table,X): the handler's RTS returns straight to the caller and the counter is skipped",
            ),
            Draft(
                "imm8",
                ref.replace(f"    CMP #{hex16(n)}\n", f"    CMP #{hex8(n)}\n"),
                "CMP #$0n assembles an 8-bit immediate in 16-bit mode: the next opcode becomes its operand",
            ),
        ),
        facts=(
            fact("mask", r"AND #\$00FF", r"high byte", r"clear(s|ing)? (the )?(B|top|upper)"),
            fact("jsr-table", r"JSR \(", r"jump table", r"dispatch", r"table of (handler )?addresses"),
            fact("counter", r"count", rf"\${counter:04X}", r"\bINC\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bJMP \(\.table"),
        explanation=(
            f"Clears the unrelated high byte of A with AND #$00FF. A command of {n} or more runs the inline "
            f"default (STZ of ${v2:04X}). Otherwise the number is doubled (ASL, word table) into X and the "
            f"handler is called with JSR (.table,X); it works on the 16-bit variables and returns with RTS. "
            f"Either way the counter word ${counter:04X} is incremented before the final RTS."
        ),
        false_claims=("It jumps with JMP (.table,X), so the handler returns straight to the caller.",),
        tags=("dispatch", "jump-table", "16-bit-index", "width"),
        params={"n": n, "handlers": [h for h, _ in handlers]},
    )


def slot_state_machine(rng: random.Random) -> Routine:
    """A sprite's state machine through JMP (abs,X): the slot is parked in scratch while X indexes the
    table, and the state lives in the low two bits of the state byte (the rest are flags to keep)."""
    state, timer, pos = rng.choice(
        [(0x0DD0, 0x0DF0, 0x0D10), (0x0E90, 0x0EB0, 0x0D00), (0x0F10, 0x0F30, 0x0D20)]
    )
    wait = rng.choice([0x08, 0x10, 0x20, 0x30])
    speed = rng.choice([0x02, 0x03, 0x04, 0x06])
    start = rng.choice([0x40, 0x60, 0x80, 0xA0])
    slot = rng.choice([0x00, 0x05, 0x0E])
    entry = rng.choice(["Sprite_Tick", "Platform_Run", "Object_StateStep", "Sprite_Think"])
    sv, tv, pv = f"${state:04X}", f"${timer:04X}", f"${pos:04X}"
    ref = asm(f"""
        {entry}:
            STX ${slot:02X}
            LDA {sv},X
            AND #$03
            ASL A
            TAX
            JMP (.states,X)
        .states:
            dw .start, .wait, .move, .finish
        .start:
            LDX ${slot:02X}
            LDA #{hex8(wait)}
            STA {tv},X
            LDA #{hex8(start)}
            STA {pv},X
            INC {sv},X
            RTS
        .wait:
            LDX ${slot:02X}
            DEC {tv},X
            BNE .stay
            INC {sv},X
        .stay:
            RTS
        .move:
            LDX ${slot:02X}
            LDA {pv},X
            SEC
            SBC #{hex8(speed)}
            STA {pv},X
            BCS .stay
            INC {sv},X
            RTS
        .finish:
            LDX ${slot:02X}
            LDA {sv},X
            AND #$FC
            STA {sv},X
            RTS
        """)
    slow = ref.replace(f"    STX ${slot:02X}\n", "    PHX\n").replace(f"    LDX ${slot:02X}\n", "    PLX\n")
    tables = [_cells(t, t + 15) for t in (state, timer, pos)]
    return Routine(
        kernel="slot_state_machine",
        entry=entry,
        call="jsr",
        summary=f"Run one step of sprite slot X's four-state machine (state in the low two bits of {sv},X).",
        details=(
            f"X (0-15) is the sprite slot. Bits 0-1 of {sv},X are the state; bits 2-7 are flags that must be "
            f"kept. State 0: set the timer {tv},X to {hex8(wait)} and the position byte {pv},X to "
            f"{hex8(start)}, and go to state 1. State 1: subtract 1 from "
            f"the timer; when it reaches 0, go to state 2. State 2: subtract {hex8(speed)} from the position "
            f"byte {pv},X; when that borrows (goes below $00), go to state 3. State 3: go back to state 0. "
            "Use "
            f"a jump table (JMP (table,X)). Observable: {', '.join(tables)}. Keep X; A and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 15, 0, 15),
                # Edge cases line up states with the values that move them on: state 2 with a position
                # that borrows (cases 0 and 4, the second with flag bits set), state 1 with a timer of 1.
                tables[0]: _in_order(0, 0xFF, [0x02, 0x01, 0x00, 0x03, 0xFE, 0xFD, 0xFC, 0xFF]),
                tables[1]: _in_order(0, 0xFF, [0x05, 0x01, 0x00, 0x02, 0x80, 0xFF, 0x10]),
                tables[2]: _in_order(0, 0xFF, [speed - 1, 0x80, 0xFF, 0x00, 0x01, speed, speed + 1]),
            },
            outputs=tables,
            preserve=["X"],
        ),
        slow=(
            Draft(
                "stack-slot",
                slow,
                "keeps the slot on the stack (PHX, then PLX in every state) instead of in direct page",
            ),
        ),
        bugs=(
            Draft(
                "no-mask",
                ref.replace("    AND #$03\n", "", 1),
                "the flag bits are not masked: states with flags set jump outside the table",
            ),
            Draft(
                "lost-slot",
                ref.replace(f".wait:\n    LDX ${slot:02X}\n", ".wait:\n"),
                "state 1 forgets to reload the slot: it counts down the timer of slot 2*state instead",
            ),
            Draft(
                "bcc",
                ref.replace("BCS .stay", "BCC .stay"),
                "state 2 moves on when the subtraction does not borrow",
            ),
        ),
        facts=(
            fact("table", r"jump table", r"JMP \(", r"dispatch"),
            fact("mask", r"AND #\$03", r"low two bits", r"bits 0-1", r"mask"),
            fact("slot", r"slot", rf"\${slot:02X}"),
        ),
        forbid=(*COMMON_FORBID, r"\bJSR \("),
        explanation=(
            f"Saves the slot in ${slot:02X}, masks the state from the low two bits of {sv},X (AND #$03), "
            "doubles "
            f"it and jumps through the table with JMP (.states,X); each state reloads X from ${slot:02X}. "
            "State 0 "
            f"loads the timer {tv},X with {hex8(wait)} and the position with {hex8(start)} and increments "
            "the state "
            "byte, state 1 decrements the timer "
            f"and advances at 0, state 2 subtracts {hex8(speed)} from {pv},X and advances on a borrow, state "
            "3 "
            "clears the two state bits (AND #$FC) keeping the flags. RTS."
        ),
        false_claims=("It calls the states with JSR (table,X).",),
        tags=("dispatch", "jump-table", "state-machine", "sprites"),
        params={"wait": wait, "speed": speed, "state": state},
    )


# ---------------------------------------------------------------------------------- linked lists


def list_find_key(rng: random.Random) -> Routine:
    """Walk a linked list kept as parallel tables (next node, key, value) from a head byte, checking at
    most as many nodes as the list's count byte says (a corrupt list may loop), and return the node
    with a matching key."""
    k = rng.choice([16, 24, 32])
    nxt = rng.choice([0x1C00, 0x1C40, 0x1D00])
    key = nxt + 0x20 + rng.choice([0x00, 0x20])
    val = key + 0x20
    head, count = rng.choice([(0x0F70, 0x0F71), (0x0F7E, 0x0F7C), (0x1E90, 0x1E92)])
    out = head + 1 if head + 1 != count else head - 1
    tmp = rng.choice([0x00, 0x04, 0x0A])
    keys = rng.choice([8, 16])
    entry = rng.choice(["Inventory_Find", "List_Lookup", "FindNodeByKey", "Chain_Search"])
    ref = asm(f"""
        {entry}:
            STA ${tmp:02X}
            LDY ${count:04X}
            BEQ .none
            LDX ${head:04X}
            BEQ .none
        .visit:
            LDA ${key:04X},X
            CMP ${tmp:02X}
            BEQ .found
            LDA ${nxt:04X},X
            TAX
            BEQ .none
            DEY
            BNE .visit
        .none:
            LDX #$00
            SEC
            RTS
        .found:
            LDA ${val:04X},X
            STA ${out:04X}
            CLC
            RTS
        """)
    slow = ref.replace(
        f"    LDY ${count:04X}\n    BEQ .none\n",
        f"    LDA ${count:04X}\n    STA ${tmp + 1:02X}\n    BEQ .none\n",
    )
    slow = slow.replace("    DEY\n    BNE .visit\n", f"    DEC ${tmp + 1:02X}\n    BNE .visit\n")
    return Routine(
        kernel="list_find_key",
        entry=entry,
        call="jsr",
        summary="Find the first node with key A in a linked list (parallel next/key/value tables), checking "
        "at "
        "most as many nodes as the list holds.",
        details=(
            f"Nodes 1-{k - 1} are kept in three tables indexed by node number: next node $7E{nxt:04X},X, key "
            f"$7E{key:04X},X and value $7E{val:04X},X. Node number 0 means 'no node'. The byte $7E{head:04X} "
            "is "
            f"the first node (0: empty list) and $7E{count:04X} the number of nodes in the list (0-{k - 1}). "
            f"Every next entry and the head are 0-{k - 1}; keys and A are 0-{keys - 1}. Follow the list from "
            "the "
            "head, checking at most as many nodes as the count says (a damaged list may loop). If a node's "
            "key "
            f"equals A, store its value at $7E{out:04X} and return with carry clear and the node number in "
            "X. "
            f"Otherwise return with carry set and X = 0, leaving $7E{out:04X}. Observable: $7E{out:04X}, X "
            "and "
            "the carry. A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            # Edge case 0: count 1, the head (node 1, key 3) misses and its next node (key 5) would match:
            # only a walk that checks one node too many finds it. The key table is split in halves so the
            # two nodes can hold different keys.
            inputs={
                "A.lo": _in_order(0, keys - 1, [5, 3, 0, keys - 1]),
                f"$7E{head:04X}": _in_order(0, k - 1, [1, 0, k - 1, 2]),
                f"$7E{count:04X}": _in_order(0, k - 1, [1, 2, 0, 3, k - 1]),
                _cells(nxt, nxt + k - 1): _in_order(0, k - 1, [k - 1, 0, 1, 2]),
                _cells(key, key + k // 2 - 1): _in_order(0, keys - 1, [3, 5, 0, keys - 1]),
                _cells(key + k // 2, key + k - 1): _in_order(0, keys - 1, [5, 3, keys - 1, 0]),
                _cells(val, val + k - 1): byte_range(),
                f"$7E{out:04X}": byte_range(),
            },
            outputs=[f"$7E{out:04X}", "X", "flag:C"],
        ),
        slow=(Draft("memory-counter", slow, "counts the nodes down in memory (DEC dp) instead of in Y"),),
        bugs=(
            Draft(
                "one-more",
                ref.replace("    DEY\n    BNE .visit\n", "    DEY\n    BPL .visit\n"),
                "BPL instead of BNE: one node more than the count is checked",
            ),
            Draft(
                "x-not-cleared",
                ref.replace(
                    "    BNE .visit\n.none:\n    LDX #$00\n", "    BNE .visit\n    LDX #$00\n.none:\n"
                ),
                "X is cleared only when the count runs out: an empty count returns the head in X",
            ),
            Draft(
                "skip-head",
                ref.replace(
                    f"    BEQ .none\n.visit:\n    LDA ${key:04X},X\n",
                    f"    BEQ .none\n.visit:\n    LDA ${nxt:04X},X\n    TAX\n    BEQ .none\n"
                    f"    LDA ${key:04X},X\n",
                ).replace(
                    f"    BEQ .found\n    LDA ${nxt:04X},X\n    TAX\n    BEQ .none\n", "    BEQ .found\n"
                ),
                "moves to the next node before comparing: the head node's key is never checked",
            ),
        ),
        facts=(
            fact("list", r"linked list", r"next (node|entry|pointer|link)", r"follow"),
            fact("key", r"\bkey", r"match", r"\bCMP\b"),
            fact("limit", r"at most", r"\bcount", r"limit", r"loop(s|ing)? forever"),
        ),
        forbid=(*COMMON_FORBID, r"binary search"),
        explanation=(
            f"Saves the key, takes the node count ${count:04X} into Y and the head node into X (either 0: "
            "not "
            f"found). Each visit compares the node's key ${key:04X},X with A; a match loads the value "
            f"${val:04X},X, stores it to ${out:04X} and returns with carry clear and the node in X. "
            "Otherwise X "
            f"becomes the next node ${nxt:04X},X; node 0 ends the list, and Y counts down so at most count "
            "nodes are checked. Not found: X = 0 and carry set. RTS."
        ),
        false_claims=("It finds the key with a binary search.",),
        tags=("linked-list", "pointers", "search", "bounded-loop"),
        params={"k": k, "next": nxt, "key": key},
    )


def list_insert_sorted(rng: random.Random) -> Routine:
    """Insert a node into a list kept in ascending key order (parallel next/key/value tables; node 0's
    next entry is the head), with a full-list check, a walk bounded by the node count, and the count
    bumped."""
    k = rng.choice([16, 24, 32])
    nxt = rng.choice([0x1C00, 0x1D00, 0x1B80])
    key = nxt + 0x20
    val = key + 0x20
    count = rng.choice([0x0F7F, 0x1E9F, 0x0FB0])
    tk, tc, tp = rng.choice([(0x00, 0x01, 0x02), (0x04, 0x06, 0x05), (0x0A, 0x0C, 0x0E)])
    entry = rng.choice(["List_InsertSorted", "Queue_Add", "Sched_Insert", "Node_InsertByKey"])
    ref = asm(f"""
        {entry}:
            TAY
            LDA ${count:04X}
            CMP #{hex8(k - 1)}
            BCS .full
            STA ${tc:02X}
            TXA
            STA ${val:04X},Y
            LDA ${key:04X},Y
            STA ${tk:02X}
            LDX #$00
            STX ${tp:02X}
        .walk:
            DEC ${tc:02X}
            BMI .link
            LDA ${nxt:04X},X
            BEQ .link
            TAX
            LDA ${key:04X},X
            CMP ${tk:02X}
            BCS .link
            STX ${tp:02X}
            BRA .walk
        .link:
            LDX ${tp:02X}
            LDA ${nxt:04X},X
            STA ${nxt:04X},Y
            TYA
            STA ${nxt:04X},X
            INC ${count:04X}
            LDA ${count:04X}
            CLC
        .full:
            RTS
        """)
    slow = ref.replace(
        f"    LDX ${tp:02X}\n    LDA ${nxt:04X},X\n    STA ${nxt:04X},Y\n",
        f"    LDX ${tp:02X}\n    LDA ${nxt:04X},X\n    PHA\n    TYX\n    PLA\n    STA ${nxt:04X},X\n"
        f"    LDX ${tp:02X}\n",
    ).replace(
        f"    DEC ${tc:02X}\n    BMI .link\n",
        f"    LDA ${tc:02X}\n    DEC A\n    STA ${tc:02X}\n    BMI .link\n",
    )
    tables = [_cells(nxt, nxt + k - 1), _cells(val, val + k - 1)]
    return Routine(
        kernel="list_insert_sorted",
        entry=entry,
        call="jsr",
        summary="Insert node A into the ascending-key linked list (parallel tables, node 0 is the head), "
        "storing X as its value.",
        details=(
            f"Nodes are numbers 1-{k - 1} in parallel tables indexed by node: next $7E{nxt:04X},X, key "
            f"$7E{key:04X},X, value $7E{val:04X},X. Node 0 is not a node: its next entry $7E{nxt:04X} is the "
            f"head of the list, and a next entry of 0 ends it. Every next entry is 0-{k - 1}. $7E{count:04X} "
            f"(0-{k - 1}) counts the nodes in the list. A (1-{k - 1}) is a free node whose key is already "
            "set; "
            f"X (8-bit) is its value. If the count is {k - 1}, change nothing and return with carry set. "
            "Otherwise store X as the node's value; then, starting with node 0 as 'previous', pass at most "
            "count nodes: while the previous node's next node exists and its key is lower than the new key "
            "(unsigned), make it the previous node. Set the new node's next entry to the previous node's "
            "next "
            "entry, then the previous node's next entry to the new node; add 1 to the count and return with "
            "carry clear, X = the previous node and A = the new count (when the list is full, A = the "
            "count). "
            f"Observable: {tables[0]}, {tables[1]}, $7E{count:04X}, A (low byte), X and the carry. Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": span(1, k - 1, 1, k - 1),
                "X": byte_range(),
                tables[0]: span(0, k - 1, 0, 1, k - 1),
                _cells(key, key + k - 1): byte_range(0x00, 0x7F, 0x80, 0xFF),
                tables[1]: byte_range(),
                f"$7E{count:04X}": span(0, k - 1, 0, 1, 2, k - 2, k - 1),
            },
            outputs=[*tables, f"$7E{count:04X}", "A.lo", "X", "flag:C"],
        ),
        slow=(
            Draft(
                "reload",
                slow,
                "links through the stack (PHA/TYX/PLA) and counts down with LDA/DEC/STA",
            ),
        ),
        bugs=(
            Draft(
                "bcc",
                ref.replace("BCS .link", "BCC .link"),
                "stops at the first node whose key is lower: descending instead of ascending",
            ),
            Draft(
                "link-order",
                ref.replace(
                    f"    LDA ${nxt:04X},X\n    STA ${nxt:04X},Y\n    TYA\n    STA ${nxt:04X},X\n",
                    f"    TYA\n    STA ${nxt:04X},X\n    LDA ${nxt:04X},X\n    STA ${nxt:04X},Y\n",
                ),
                "links the previous node first, then copies its (new) next entry: the new node points to "
                "itself",
            ),
            Draft(
                "full-off-by-one",
                ref.replace(f"CMP #{hex8(k - 1)}", f"CMP #{hex8(k - 2)}"),
                f"refuses an insert when the count is {k - 2}: the list can never reach {k - 1} nodes",
            ),
        ),
        facts=(
            fact("list", r"linked list", r"next (node|entry|link)", r"\bhead\b"),
            fact("sorted", r"ascending", r"sorted", r"order", r"lower key"),
            fact("link", r"link", r"splice", r"insert"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b", r"descending"),
        explanation=(
            f"Keeps the new node in Y. If the count ${count:04X} is already {k - 1} it returns with carry "
            "set. "
            "Otherwise it stores X as the node's value, saves its key and walks from node 0 (whose next "
            "entry "
            "is the head): while the next node exists and its key is lower, that node becomes the previous "
            "one, "
            "at most count times. Then it links the new node in: new.next = previous.next, previous.next = "
            "new, "
            "so the list stays in ascending key order. It increments the count and returns it in A, with "
            "carry "
            "clear and the previous node in X."
        ),
        false_claims=("It keeps the list in descending order and moves the nodes with MVN.",),
        tags=("linked-list", "pointers", "insert", "sorted", "bounded-loop"),
        params={"k": k, "next": nxt},
    )


# ------------------------------------------------------------------------------- search, banks


def record_search_sentinel(rng: random.Random) -> Routine:
    """Linear search of fixed-size records for an id with a sentinel: the id is first stored in the spare
    record after the table, so the loop needs no bounds test."""
    k = rng.choice([8, 10, 12, 16])
    size = rng.choice([2, 3, 4])
    table = rng.choice([0x1A00, 0x1B20, 0x0E80, 0x1840])
    ids = rng.choice([16, 32])
    spare = table + k * size
    entry = rng.choice(["FindRecord", "Lookup_ById", "Table_Scan", "Shop_FindItem"])
    steps = "\n".join("    INX" for _ in range(size))
    ref = (
        f"{entry}:\n    STA ${spare:04X}\n    LDX #$00\n    LDY #$00\n.scan:\n    CMP ${table:04X},X\n"
        f"    BEQ .hit\n{steps}\n    INY\n    BRA .scan\n.hit:\n    CPY #{hex8(k)}\n    RTS\n"
    )
    slow = (
        f"{entry}:\n    LDX #$00\n    LDY #$00\n.scan:\n    CMP ${table:04X},X\n"
        f"    BEQ .hit\n{steps}\n    INY\n    CPY #{hex8(k)}\n    BNE .scan\n.hit:\n    CPY #{hex8(k)}\n"
        "    RTS\n"
    )
    inputs: dict[str, object] = {"A.lo": _in_order(0, ids - 1, list(range(ids)))}
    targets = [(k - 1 - case) % (k + 1) for case in range(ids)]
    for i, order in enumerate(_planted(k, ids, targets)):
        inputs[f"$7E{table + i * size:04X}"] = _in_order(0, ids - 1, order)
    return Routine(
        kernel="record_search_sentinel",
        entry=entry,
        call="jsr",
        summary=f"Find the first of {k} {size}-byte records whose id byte equals A, using a sentinel.",
        details=(
            f"The table at $7E{table:04X} holds {k} records of {size} bytes; byte 0 of each is its id "
            f"(0-{ids - 1}); A (8-bit) is an id 0-{ids - 1}. The record after the table (at "
            f"$7E{spare:04X}) is spare and may be overwritten. Return in Y the number (0-{k - 1}) of the "
            "first "
            f"record with that id and carry clear; if none has it, Y = {k} and carry set. Observable: Y and "
            "the carry. A and X may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs=inputs,
            outputs=["Y", "flag:C"],
            writable=[_cells(spare, spare + size - 1)],
        ),
        slow=(
            Draft(
                "bounds-test",
                slow,
                "tests Y against the record count on every step instead of storing a "
                "sentinel after the table",
            ),
        ),
        bugs=(
            Draft(
                "sentinel-in-table",
                ref.replace(f"STA ${spare:04X}", f"STA ${spare - size:04X}"),
                "the sentinel overwrites the id of the last real record",
            ),
            Draft(
                "cpy-k-1",
                ref.replace(f"CPY #{hex8(k)}", f"CPY #{hex8(k - 1)}"),
                "the last real record reports not found",
            ),
            Draft(
                "stride",
                ref.replace("    INX\n", "", 1),
                f"steps {size - 1} bytes per record instead of {size}",
            ),
        ),
        facts=(
            fact("sentinel", r"sentinel", r"spare", rf"\${spare:04X}"),
            fact("search", r"search", r"scan", r"\bfind", r"\bCMP\b"),
            fact("result", r"\bY\b", r"carry", r"not found"),
        ),
        forbid=(*COMMON_FORBID, r"binary search"),
        explanation=(
            f"Stores the id in the spare record at ${spare:04X} as a sentinel, so the scan always stops: X "
            "steps "
            f"{size} bytes per record and Y counts records while CMP ${table:04X},X does not match. At the "
            "match "
            f"CPY #{hex8(k)} sets carry exactly when only the sentinel matched (Y = {k}), so Y is the record "
            "number and carry clear when found. RTS."
        ),
        false_claims=("It uses a binary search over the sorted ids.",),
        tags=("search", "sentinel", "records", "tables"),
        params={"k": k, "size": size, "table": table},
    )


def timers_7f_tick(rng: random.Random) -> Routine:
    """Tick a table of timers in bank $7F with DBR switched to $7F (PHB / LDA #$7F / PHA / PLB), so the
    loop uses short absolute addressing; expired timers set bit 7 of a parallel status table."""
    n = rng.choice([32, 40, 48, 64])
    timers = rng.choice([0x2000, 0x4100, 0x8800, 0xC000])
    status = timers + rng.choice([0x80, 0x100, 0x200])
    flag = rng.choice([0x80, 0x40, 0x01])
    tmp = rng.choice([0x00, 0x06, 0x0F])
    entry = rng.choice(["Timers_Tick", "Effects_Countdown", "TickAllTimers", "Buffs_Update"])
    ref = asm(f"""
        {entry}:
            PHB
            LDA #$7F
            PHA
            PLB
            STZ ${tmp:02X}
            LDX #{hex8(n - 1)}
        .tick:
            LDA ${timers:04X},X
            BEQ .next
            DEC A
            STA ${timers:04X},X
            BNE .next
            LDA ${status:04X},X
            ORA #{hex8(flag)}
            STA ${status:04X},X
            INC ${tmp:02X}
        .next:
            DEX
            BPL .tick
            PLB
            LDA ${tmp:02X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STZ ${tmp:02X}
            LDX #{hex8(n - 1)}
        .tick:
            LDA $7F{timers:04X},X
            BEQ .next
            DEC A
            STA $7F{timers:04X},X
            BNE .next
            LDA $7F{status:04X},X
            ORA #{hex8(flag)}
            STA $7F{status:04X},X
            INC ${tmp:02X}
        .next:
            DEX
            BPL .tick
            LDA ${tmp:02X}
            RTS
        """)
    regions = [_cells(timers, timers + n - 1, 0x7F), _cells(status, status + n - 1, 0x7F)]
    return Routine(
        kernel="timers_7f_tick",
        entry=entry,
        call="jsr",
        summary=f"Count down the {n} byte timers at $7F:{timers:04X}; each that reaches 0 sets bit "
        f"{flag.bit_length() - 1} of its status byte.",
        details=(
            f"Timers: $7F{timers:04X}-$7F{timers + n - 1:04X}; status bytes: $7F{status:04X}-"
            f"$7F{status + n - 1:04X} (timer i goes with status i). For each timer that is not 0, subtract "
            "1; "
            f"if it becomes 0, set bit {flag.bit_length() - 1} ({hex8(flag)}) of its status byte. Return in "
            "A "
            f"the number of timers that reached 0. DBR is $00 and must be $00 again on return. Observable: "
            f"A (low byte) and both tables. X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={regions[0]: byte_range(0x00, 0x01, 0x02), regions[1]: byte_range()},
            outputs=["A.lo", *regions],
        ),
        slow=(
            Draft(
                "long-addressing",
                slow,
                "long addressing on every access instead of switching DBR to $7F once",
            ),
        ),
        bugs=(
            Draft(
                "no-restore",
                ref.replace("    PHB\n", "").replace("    PLB\n    LDA", "    LDA"),
                "DBR is left at $7F",
            ),
            Draft("bne-loop", ref.replace("BPL .tick", "BNE .tick"), "the loop stops before timer 0"),
            Draft(
                "beq",
                ref.replace(
                    "    STA $" + f"{timers:04X},X\n    BNE .next",
                    "    STA $" + f"{timers:04X},X\n    BEQ .next",
                ),
                "the test after the store is inverted: timers that are still running are flagged",
            ),
        ),
        facts=(
            fact("dbr", r"\bPLB\b", r"data bank", r"\bDBR\b"),
            fact("timers", r"timer", r"count(s|ing)? down", r"decrement"),
            fact("flag", r"status", r"\bORA\b", rf"bit {flag.bit_length() - 1}"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"Saves DBR (PHB) and sets it to $7F (LDA #$7F / PHA / PLB) so the loop can use absolute "
            f"addressing on bank $7F. X runs from {n - 1} down to 0: a nonzero timer is decremented and "
            "stored; "
            f"when it reaches 0 its status byte gets {hex8(flag)} ORed in and the counter in ${tmp:02X} is "
            "incremented. PLB restores the data bank and the count is returned in A. RTS."
        ),
        false_claims=("It copies the timers to bank $7E with MVN and back.",),
        tags=("data-bank", "bank-7f", "timers", "tables"),
        params={"n": n, "timers": timers, "status": status},
    )


def rom_table_translate(rng: random.Random) -> Routine:
    """Remap both nibbles of every byte of a WRAM buffer through 16-entry tables in ROM: DBR is $7E at
    entry, so the routine sets DBR to its own bank (PHB / PHK / PLB) to read the tables with abs,Y."""
    n = rng.choice([16, 24, 32, 48])
    buffer = rng.choice([0x1400, 0x1680, 0x1900, 0x0C00])
    remap = list(range(16))
    rng.shuffle(remap)
    tmp = rng.choice([0x00, 0x03, 0x0B])
    entry = rng.choice(["Palette_RemapPixels", "RecolorBuffer", "Tiles_SwapColors", "Remap4bpp"])
    low = ", ".join(hex8(v) for v in remap)
    high = ", ".join(hex8(v << 4) for v in remap)
    ref = asm(f"""
        {entry}:
            PHB
            PHK
            PLB
            LDX #{hex8(n - 1)}
        .next:
            LDA ${buffer:04X},X
            AND #$0F
            TAY
            LDA .low,Y
            STA ${tmp:02X}
            LDA ${buffer:04X},X
            LSR A
            LSR A
            LSR A
            LSR A
            TAY
            LDA .high,Y
            ORA ${tmp:02X}
            STA ${buffer:04X},X
            DEX
            BPL .next
            PLB
            RTS
        .low:
            db {low}
        .high:
            db {high}
        """)
    slow = (
        ref.replace("    LDA .high,Y\n", "    LDA .low,Y\n    ASL A\n    ASL A\n    ASL A\n    ASL A\n")
        .replace(f"    db {high}\n", "")
        .replace(".high:\n", "")
    )
    region = _cells(buffer, buffer + n - 1)
    return Routine(
        kernel="rom_table_translate",
        entry=entry,
        call="jsr",
        summary=f"Remap both 4-bit colour indices of each of the {n} bytes at $7E{buffer:04X} through a "
        "16-entry table.",
        details=(
            f"Each byte of $7E{buffer:04X}-$7E{buffer + n - 1:04X} holds two 4-bit colour indices. Replace "
            "each index i (low and high nibble alike) by remap[i], remap = "
            f"[{', '.join(str(v) for v in remap)}]"
            " (keep the tables in ROM, in the routine's bank). DBR is $7E at entry and must be $7E again on "
            f"return. Observable: {region}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs={region: byte_range(0x0F, 0xF0)}, outputs=[region], dbr=0x7E),
        slow=(
            Draft(
                "shift-high",
                slow,
                "one table: the high-nibble value is made with four ASLs instead of "
                "a second, pre-shifted table",
            ),
        ),
        bugs=(
            Draft(
                "no-phk",
                ref.replace("    PHB\n    PHK\n    PLB\n", "").replace("    PLB\n    RTS", "    RTS"),
                "reads the tables with DBR = $7E: the bytes at the same offsets in WRAM",
            ),
            Draft("three-lsr", ref.replace("    LSR A\n", "", 1), "three LSRs: the high index is doubled"),
            Draft(
                "store-y",
                ref.replace(f"    STA ${buffer:04X},X\n", f"    STA ${buffer:04X},Y\n"),
                "stores at the nibble's offset (Y) instead of the byte's (X)",
            ),
        ),
        facts=(
            fact("dbr", r"\bPHK\b", r"program bank", r"data bank", r"\bDBR\b"),
            fact("nibbles", r"nibble", r"4-bit", r"\bLSR\b", r"AND #\$0F"),
            fact("table", r"table", r"remap", r"lookup"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            "Saves DBR and points it at the routine's own bank (PHB, PHK, PLB) so LDA .low,Y and LDA .high,Y "
            f"read the ROM tables; the buffer at ${buffer:04X} is in low WRAM, which that bank mirrors. For "
            "each "
            "byte the low nibble (AND #$0F) indexes .low and the high nibble (four LSR) indexes .high, a "
            "second table holding the remapped values already shifted left by 4; the two are ORed and stored "
            "back. PLB restores DBR $7E. RTS."
        ),
        false_claims=("It moves the buffer with MVN first.",),
        tags=("data-bank", "phk-plb", "tables", "nibbles", "palette"),
        params={"n": n, "buffer": buffer, "remap": remap},
    )


# ----------------------------------------------------------------------------- stack arguments


def stack_args_sum(rng: random.Random) -> Routine:
    """A routine that takes its arguments on the stack (pushed by the caller with PEA): the count at
    $03,S, the array pointer at $05,S, read with LDA ($05,S),Y. The 16-bit read needs AND #$00FF."""
    s_entry = rng.choice([0x01E0, 0x01EA, 0x01F2, 0x01F8])
    area = rng.choice([0x1400, 0x1700, 0x1A00, 0x0C00])
    max_count = rng.choice([120, 160, 200])
    last_ptr = area + 0x38
    acc = rng.choice([0x00, 0x02, 0x08, 0x0C])
    entry = rng.choice(["SumBytes", "Stats_Total", "Tally_Array", "AddUpList"])
    ref = asm(f"""
        {entry}:
            STZ ${acc:02X}
            LDA $03,S
            TAY
            BEQ .done
        .next:
            DEY
            LDA ($05,S),Y
            AND #$00FF
            CLC
            ADC ${acc:02X}
            STA ${acc:02X}
            CPY #$0000
            BNE .next
        .done:
            LDA ${acc:02X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDA $05,S
            STA ${acc + 2:02X}
            LDA $03,S
            TAX
            STZ ${acc:02X}
            LDY #$0000
        .next:
            CPX #$0000
            BEQ .done
            SEP #$20
            LDA (${acc + 2:02X}),Y
            REP #$20
            AND #$00FF
            CLC
            ADC ${acc:02X}
            STA ${acc:02X}
            INY
            DEX
            BRA .next
        .done:
            LDA ${acc:02X}
            RTS
        """)
    count_at, ptr_at = s_entry + 1, s_entry + 3
    spec = spec_dict(
        m=0,
        x=0,
        inputs={
            f"$7E{count_at:04X}:w": span(0, max_count, 0, 1, 2, max_count),
            f"$7E{ptr_at:04X}:w": span(area, last_ptr, area, last_ptr),
            _cells(area, last_ptr + max_count): byte_range(0x00, 0xFF),
        },
        outputs=["A"],
    )
    spec["mode"] = {**spec["mode"], "S": f"${s_entry:04X}"}  # type: ignore[dict-item]
    return Routine(
        kernel="stack_args_sum",
        entry=entry,
        call="jsr",
        summary="Sum an array of bytes whose pointer and length the caller pushed on the stack.",
        details=(
            "Before the JSR the caller pushed two 16-bit arguments (PEA): first the array pointer, then the "
            f"count, so at entry the count is at $03,S and the pointer at $05,S (the caller's S was "
            f"${s_entry:04X}: count at $7E{count_at:04X}, pointer at $7E{ptr_at:04X}). The pointer is "
            f"${area:04X}-${last_ptr:04X} in bank $00 (low WRAM); the count is 0-{max_count}. Return in A "
            "the "
            "sum of the count unsigned bytes at the pointer (16-bit, it cannot overflow). The caller removes "
            "the arguments: return with S as at entry. Observable: A. X and Y may be clobbered; m=0, x=0."
        ),
        reference=ref,
        spec=spec,
        slow=(
            Draft(
                "copy-args",
                slow,
                "copies the arguments to direct page and reads each byte under SEP/REP "
                "with a separate counter",
            ),
        ),
        bugs=(
            Draft(
                "no-and",
                ref.replace("    AND #$00FF\n", ""),
                "the 16-bit read adds the next byte as the high byte",
            ),
            Draft(
                "swapped-args",
                ref.replace("LDA $03,S", "LDA $05,S").replace("($05,S),Y", "($03,S),Y"),
                "count and pointer swapped: the pushed order is pointer first, so the count is nearer S",
            ),
            Draft(
                "return-address",
                ref.replace("LDA $03,S", "LDA $01,S").replace("($05,S),Y", "($03,S),Y"),
                "forgets the 2-byte return address JSR pushed: every argument is read 2 bytes too low",
            ),
        ),
        facts=(
            fact("stack", r"stack", r"\$0[35],S", r"stack.relative"),
            fact("sum", r"\bsum", r"\badd", r"total"),
            fact("mask", r"AND #\$00FF", r"high byte", r"8-bit (values|bytes)", r"unsigned bytes?"),
        ),
        forbid=(*COMMON_FORBID, r"\bPLA\b[^\n.]{0,30}argument"),
        explanation=(
            "Clears the sum in direct page, reads the count from the stack with LDA $03,S (above the return "
            "address) and, counting Y down, reads each byte through the pointer argument with LDA ($05,S),Y. "
            "The 16-bit read also picks up the next byte, so AND #$00FF keeps the byte before it is added. "
            "Returns the sum in A with RTS, leaving the arguments for the caller to remove."
        ),
        false_claims=("It pops the arguments with PLA before summing.",),
        tags=("stack-relative", "arguments", "pointers", "16-bit", "width"),
        params={"s": s_entry, "area": area, "max": max_count},
    )


# ------------------------------------------------------------------------------- block moves


def mvp_insert_gap(rng: random.Random) -> Routine:
    """Insert a byte into a fixed-length list at position X: MVP shifts the tail up by one (an overlapping
    backward move, from the end), dropping the last byte."""
    length = rng.choice([16, 24, 32, 48])
    base = rng.choice([0x1A00, 0x1C30, 0x0E80, 0x1F00])
    value, index = rng.choice([(0x00, 0x02), (0x04, 0x06), (0x0E, 0x0C)])
    entry = rng.choice(["Inventory_Insert", "List_InsertAt", "Queue_PushAt", "InsertItem"])
    ref = asm(f"""
        {entry}:
            STA ${value:02X}
            CPX #{hex8(length - 1)}
            BCS .store
            PHB
            REP #$30
            STX ${index:02X}
            LDA #{hex16(length - 2)}
            SEC
            SBC ${index:02X}
            LDX #{hex16(base + length - 2)}
            LDY #{hex16(base + length - 1)}
            MVP $7E,$7E
            SEP #$30
            PLB
            LDX ${index:02X}
        .store:
            LDA ${value:02X}
            STA ${base:04X},X
            RTS
        """)
    slow = asm(f"""
        {entry}:
            PHA
            STX ${index:02X}
            LDX #{hex8(length - 1)}
        .shift:
            CPX ${index:02X}
            BEQ .store
            LDA ${base - 1:04X},X
            STA ${base:04X},X
            DEX
            BRA .shift
        .store:
            PLA
            STA ${base:04X},X
            RTS
        """)
    region = _cells(base, base + length - 1)
    return Routine(
        kernel="mvp_insert_gap",
        entry=entry,
        call="jsr",
        summary=f"Insert the byte A at position X of the {length}-byte list at $7E{base:04X}, shifting the "
        "rest "
        "up (the last byte drops off).",
        details=(
            f"The list is $7E{base:04X}-$7E{base + length - 1:04X}. X (0-{length - 1}) is the position. Move "
            f"bytes X..{length - 2} up by one place (byte {length - 1} is lost), then store A at position X. "
            "DBR must be the same on return. Observable: the list. A, X and Y may be clobbered; return with "
            "m=1, x=1. (ASAR writes block moves as MVP dest_bank,src_bank.)"
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(),
                "X": span(0, length - 1, 0, 1, length - 2, length - 1),
                # The last byte has its own edge values, so a missed one-byte move is seen.
                _cells(base, base + length - 2): _in_order(0, 0xFF, [0x00, 0xFF, 0x80, 0x01]),
                f"$7E{base + length - 1:04X}": _in_order(0, 0xFF, [0xFF, 0x00, 0x01, 0x80]),
            },
            outputs=[region],
        ),
        slow=(Draft("byte-loop", slow, "moves the tail one byte at a time in a loop instead of one MVP"),),
        bugs=(
            Draft(
                "mvn",
                ref.replace("MVP $7E,$7E", "MVN $7E,$7E"),
                "MVN runs forwards from the end addresses: it copies past the list",
            ),
            Draft(
                "no-guard",
                ref.replace(f"    CPX #{hex8(length - 1)}\n    BCS .store\n", ""),
                "no test for the last position: the count becomes $FFFF and MVP moves 64 KiB",
            ),
            Draft(
                "count-short",
                ref.replace(f"LDA #{hex16(length - 2)}", f"LDA #{hex16(length - 3)}"),
                "MVP moves A+1 bytes; one more was subtracted, so the first byte of the tail is not moved",
            ),
        ),
        facts=(
            fact("mvp", r"\bMVP\b", r"block move", r"backward"),
            fact("overlap", r"overlap", r"from the (end|top)", r"backward", r"downward"),
            fact("insert", r"insert", r"shift", r"make (room|a gap)", r"\bgap\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b[^\n.]{0,20}(copies|moves|used)"),
        explanation=(
            f"Saves the value; when X is the last position ({length - 1}) nothing moves. Otherwise, with "
            "16-bit "
            f"registers, A = {length - 2} - X (MVP moves A+1 bytes), X and Y point at the last source and "
            f"destination bytes (${base + length - 2:04X}, ${base + length - 1:04X}) and MVP $7E,$7E copies "
            "downwards, which is safe for this overlap (destination above source). PHB/PLB keep DBR, which "
            "MVP "
            "changes. Finally the value is stored at the freed position X. RTS."
        ),
        false_claims=("It copies the tail forwards with MVN.",),
        tags=("block-move", "mvp", "overlap", "lists"),
        params={"length": length, "base": base},
    )


def mvn_scroll_lines(rng: random.Random) -> Routine:
    """Scroll a text buffer in bank $7F up by one line with an overlapping forward MVN, then fill the
    freed last line with A using one store and a second MVN (the overlap repeats the byte)."""
    width = rng.choice([16, 32, 64])
    rows = rng.choice([6, 8, 10, 12]) if width < 64 else rng.choice([4, 6])
    base = rng.choice([0x2000, 0x5400, 0x9000, 0xC800])
    fill = rng.choice([0x00, 0x04, 0x0F])
    entry = rng.choice(["Text_ScrollUp", "Console_Scroll", "Dialog_NextLine", "Log_ScrollBuffer"])
    size = width * rows
    last = base + size - width
    ref = asm(f"""
        {entry}:
            STA ${fill:02X}
            PHB
            REP #$30
            LDX #{hex16(base + width)}
            LDY #{hex16(base)}
            LDA #{hex16(size - width - 1)}
            MVN $7F,$7F
            LDA ${fill:02X}
            STA $0000,Y
            TYX
            INY
            LDA #{hex16(width - 2)}
            MVN $7F,$7F
            SEP #$30
            PLB
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STA ${fill:02X}
            REP #$10
            LDX #$0000
        .move:
            LDA $7F{base + width:04X},X
            STA $7F{base:04X},X
            INX
            CPX #{hex16(size - width)}
            BNE .move
            LDA ${fill:02X}
        .clear:
            STA $7F{base:04X},X
            INX
            CPX #{hex16(size)}
            BNE .clear
            SEP #$10
            RTS
        """)
    region = _cells(base, base + size - 1, 0x7F)
    return Routine(
        kernel="mvn_scroll_lines",
        entry=entry,
        call="jsr",
        summary=f"Scroll the {rows}-line text buffer at $7F:{base:04X} ({width} bytes per line) up by one "
        "line and fill the last line with A.",
        details=(
            f"The buffer is $7F{base:04X}-$7F{base + size - 1:04X}: {rows} lines of {width} bytes. Move "
            "lines "
            f"1-{rows - 1} to lines 0-{rows - 2}, then set every byte of the last line ($7F{last:04X}-"
            f"$7F{base + size - 1:04X}) to A (8-bit). DBR must be the same on return. Observable: the "
            "buffer. "
            "A, X and Y may be clobbered; return with m=1, x=1. (ASAR writes block moves as MVN "
            "dest_bank,src_bank.)"
        ),
        reference=ref,
        spec=spec_dict(
            m=1, x=1, inputs={"A.lo": byte_range(), region: byte_range()}, outputs=[region], cases=48
        ),
        slow=(Draft("byte-loops", slow, "two byte loops with long addressing instead of two MVNs"),),
        bugs=(
            Draft(
                "mvp",
                ref.replace("MVN $7F,$7F", "MVP $7F,$7F", 1),
                "MVP runs backwards from the start addresses: the lines are not moved up",
            ),
            Draft(
                "fill-one-more",
                ref.replace(f"LDA #{hex16(width - 2)}", f"LDA #{hex16(width - 1)}"),
                "the fill MVN moves A+1 bytes: one byte past the buffer is written",
            ),
            Draft("no-plb", ref.replace("    PHB\n", "").replace("    PLB\n", ""), "MVN leaves DBR = $7F"),
        ),
        facts=(
            fact("mvn", r"\bMVN\b", r"block move"),
            fact("scroll", r"scroll", r"line", r"move(s)? (the )?(lines|rows)"),
            fact("fill", r"\bfill", r"overlap", r"repeat", r"blank"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVP\b[^\n.]{0,20}(copies|moves|used)"),
        explanation=(
            f"With 16-bit registers MVN $7F,$7F copies {size - width} bytes from ${base + width:04X} down to "
            f"${base:04X}, moving every line up. MVN leaves Y just past the destination (the start of the "
            "last "
            "line) and DBR = $7F, so STA $0000,Y stores the fill byte there (a 16-bit store: its second byte "
            "is "
            "overwritten next); then TYX / INY and a second MVN of "
            f"{width - 1} bytes copies each byte onto the next, filling the line through the overlap. SEP "
            "#$30 "
            "and PLB restore the mode and DBR. RTS."
        ),
        false_claims=("It scrolls with MVP.",),
        tags=("block-move", "mvn", "overlap", "fill", "bank-7f"),
        params={"width": width, "rows": rows, "base": base},
    )


KERNELS = {
    "record_fields_indirect": record_fields_indirect,
    "ptr_table_copy_record": ptr_table_copy_record,
    "long_ptr_counter_inc": long_ptr_counter_inc,
    "long_list_max": long_list_max,
    "long_ptr_add_signed": long_ptr_add_signed,
    "channel_stream_read": channel_stream_read,
    "jml_event_dispatch": jml_event_dispatch,
    "command_dispatch16": command_dispatch16,
    "slot_state_machine": slot_state_machine,
    "list_find_key": list_find_key,
    "list_insert_sorted": list_insert_sorted,
    "record_search_sentinel": record_search_sentinel,
    "timers_7f_tick": timers_7f_tick,
    "rom_table_translate": rom_table_translate,
    "stack_args_sum": stack_args_sum,
    "mvp_insert_gap": mvp_insert_gap,
    "mvn_scroll_lines": mvn_scroll_lines,
}
