"""Hook kernels: the answer patches a trusted base routine (the "game") with `org` and a `JSL`/`JML` into
new code placed in freespace at the task's origin, and the harness runs the base's hooked path.

What makes hooks hard is not the new code but the seam: the patch overwrites whole instructions (pad
with NOP, re-execute what was overwritten), the new code runs in another bank (RTL, not RTS; PHB/PHK/PLB
before reading its own tables with absolute addressing) and must hand back exactly the registers and
flags the base uses after the hook point. Each base here is small, trusted, shown in full in the
prompt, and its continuation after the hook reads the state the new code must keep.

ASAR's `freecode`/`freespace` need a ROM to search and do not work in the harness's sandbox, so every
prompt names the origin where new code goes (`org $1F8000`); new code without an `org` lands there too.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict

__all__ = [
    "KERNELS",
    "hook_armor_table",
    "hook_char_remap",
    "hook_ice_friction",
    "hook_item_give",
    "hook_menu_flags",
    "hook_skip_damage",
    "hook_spawn_init",
    "hook_tick_timers",
    "hook_zone_check",
]

# Freespace the new code may go to (LoROM banks the harness maps: $00-$1F).
_ORIGINS = (0x1F8000, 0x1E8000, 0x1D8000, 0x1C8000, 0x1B8000, 0x1FC000, 0x1EA000)
# Banks and offsets where the base "game" code lives.
_BASE_BANKS = (0x05, 0x06, 0x07, 0x09, 0x0D, 0x0E)


def _place(rng: random.Random) -> tuple[int, int]:
    """(base address, origin) for one task: the base in a game bank, the new code in freespace."""
    base = (rng.choice(_BASE_BANKS) << 16) | rng.randrange(0x8400, 0xF000, 0x100)
    return base, rng.choice(_ORIGINS)


def _listing(base: str) -> str:
    """The base as the prompt shows it: indented, one instruction per line."""
    return "\n".join(f"    {line}" if line.strip() else "" for line in base.rstrip().splitlines())


def _hook_details(base: str, hook: str, new: str, origin: int, job: str, keep: str, seam: str) -> str:
    """The prompt text every hook task shares: the base in full, the hook point, where new code goes
    and what the answer consists of (the base is not part of it)."""
    return (
        f"Base code already in the ROM (trusted; do not repeat it, patch it):\n{_listing(base)}\n"
        f"Hook point: `{hook}`. {seam} {job} Put the new routine `{new}` in freespace at ${origin:06X} "
        f"(write `org ${origin:06X}` before it; `freecode`/`freespace` are not available here, and code "
        f"without an org of its own also lands at ${origin:06X}). Your answer is the patch (`org {hook}` "
        f"and the instructions written over the base) plus the new routine; do not define the base's "
        f"labels again. {keep}"
    )


def hook_armor_table(rng: random.Random) -> Routine:
    """Damage handler hook: reduce damage by a per-type armor table in the new bank (PHB/PHK/PLB),
    keep Y, hand A (HP) and scratch $00 (damage) back to the base."""
    base_at, origin = _place(rng)
    dmg = rng.choice([0x0CE2, 0x0CF2, 0x0B58, 0x0C4A])
    entry = rng.choice(["Sprite_ApplyDamage", "Enemy_TakeHit", "Sprite_Hurt", "Npc_Damage"])
    hook = rng.choice(["Damage_Hook", "ApplyDamage_Sub", "Hurt_CalcPoint"])
    new = rng.choice(["ArmorDamage", "NewDamageCalc", "ApplyArmor", "Damage_Armored"])
    armor = [rng.randrange(0, 8) for _ in range(8)]
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA ${dmg:04X}
        {hook}:
            STA $00
            LDA $0E50,X
            SEC
            SBC $00
            BCS .alive
            LDA #$00
            STZ $0DD0,X
        .alive:
            STA $0E50,X
            RTS
        """)
    table = ",".join(hex8(a) for a in armor)
    ref = asm(f"""
        org {hook}
            JSL {new}
            NOP
        org ${origin:06X}
        {new}:
            PHY
            PHB
            PHK
            PLB
            LDY $0E20,X
            SEC
            SBC .armor,Y
            BEQ .floor
            BCS .done
        .floor:
            LDA #$01
        .done:
            STA $00
            LDA $0E50,X
            PLB
            PLY
            RTL
        .armor:
            db {table}
        """)
    slow = Draft(
        "save-everything",
        asm(f"""
        org {hook}
            JSL {new}
            NOP
        org ${origin:06X}
        {new}:
            PHP
            PHX
            PHY
            PHB
            PHK
            PLB
            STA $02
            LDY $0E20,X
            LDA .armor,Y
            STA $03
            LDA $02
            SEC
            SBC $03
            BEQ .floor
            BCS .done
        .floor:
            LDA #$01
        .done:
            STA $00
            PLB
            PLY
            PLX
            PLP
            LDA $0E50,X
            RTL
        .armor:
            db {table}
        """),
        "saves P and X it never changes and goes through scratch for the armor value",
    )
    bugs = (
        Draft(
            "no-bank",
            ref.replace("    PHB\n    PHK\n    PLB\n", "").replace("    PLB\n    PLY\n", "    PLY\n"),
            "reads .armor,Y with the base's data bank: the table is not there",
        ),
        Draft(
            "no-pad",
            ref.replace(f"    JSL {new}\n    NOP\n", f"    JSL {new}\n"),
            "no NOP: the last byte of the overwritten LDA $0E50,X runs as an opcode",
        ),
        Draft(
            "clobbers-y", ref.replace("    PHY\n", "").replace("    PLY\n", ""), "Y (the caller's) is lost"
        ),
    )
    seam = (
        "The JSL (4 bytes) goes over `STA $00` and `LDA $0E50,X` (5 bytes): pad with one NOP, and the "
        "new routine must do their work, so the base continues at `SEC` with A = the sprite's HP and "
        "$00 = the damage to subtract."
    )
    job = (
        f"New behaviour: the damage in A (loaded from ${dmg:04X}) is reduced by the armor of the sprite's "
        f"type (the byte $0E20,X, 0-7) from the table [{', '.join(str(a) for a in armor)}] (index = type), "
        "but never below 1: damage = max(damage - armor, 1), unsigned. Keep the table with the new code "
        "(its bank) and read it with absolute addressing."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, X = sprite slot (0-15), DBR = ${base_at >> 16:02X} (the base's "
        "bank), m=1, x=1. Observable: HP $7E0E50-$7E0E5F and state $7E0DD0-$7E0DDF. Keep X and Y."
    )
    return Routine(
        kernel="hook_armor_table",
        entry=entry,
        call="jsr",
        summary=f"Hook `{entry}` at `{hook}` so damage is reduced by a per-type armor table (at least 1).",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                "X": span(0, 15, 0, 15),
                f"$7E{dmg:04X}": byte_range(0, 1, 2, 7, 8, 0xFF),
                "$7E0E50..$7E0E5F": byte_range(0, 1, 0xFF),
                "$7E0E20..$7E0E2F": span(0, 7, 0, 7),
                "$7E0DD0..$7E0DDF": byte_range(0, 0xFF),
            },
            outputs=["$7E0E50..$7E0E5F", "$7E0DD0..$7E0DDF"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hook", r"\bhook", r"\bpatch", r"\bJSL\b", r"\borg\b"),
            fact("bank", r"\bPHB\b", r"\bPHK\b", r"data bank", r"\bDBR\b"),
            fact("armor", r"armor", r"table", r"subtract"),
        ),
        forbid=(*COMMON_FORBID, r"returns with RTS"),
        explanation=(
            f"The patch writes JSL {new} plus a NOP over STA $00 / LDA $0E50,X. The new routine saves Y and "
            f"the data bank, sets DBR to its own bank (PHK/PLB) to read the armor table by type, subtracts "
            f"the armor from the damage with a floor of 1, then does what it overwrote: damage to $00 and "
            f"the HP into A. It restores DBR and Y and returns with RTL to the base's SEC."
        ),
        false_claims=("The new code returns with RTS.",),
        tags=("hook", "jsl", "phb-phk-plb", "table", "sprites"),
        params={"base": base_at, "origin": origin, "armor": armor, "damage": dmg},
        base=base,
        origin=origin,
    )


def hook_item_give(rng: random.Random) -> Routine:
    """Replace a JSR to an item routine by a JSL to a rewritten one (RTL) that also knows new items;
    the overwritten despawn store moves into the new code. Hard tier."""
    base_at, origin = _place(rng)
    ids, active = rng.choice([(0x0C90, 0x0CA0), (0x0BC0, 0x0BD0), (0x0F90, 0x0FA0)])
    entry = rng.choice(["Item_Collect", "Pickup_Touch", "Ancilla_Collect", "Loot_Take"])
    hook = rng.choice(["Collect_Give", "Pickup_CallGive", "Collect_Award"])
    give = rng.choice(["Item_Give", "Pickup_Award", "GiveLoot"])
    new = rng.choice(["Item_GiveEx", "NewPickupAward", "GiveLootPlus", "Award_Extended"])
    rupees = sorted(rng.sample([1, 5, 10, 20, 50, 100, 300], 4))
    hearts = [rng.choice([0x08, 0x10, 0x18, 0x20, 0x28, 0x40]) for _ in range(4)]
    values = ", ".join(hex16(v) for v in rupees)
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA ${ids:04X},X
        {hook}:
            JSR {give}
            STZ ${active:04X},X
            RTS
        {give}:
            CMP #$04
            BCS .unknown
            ASL A
            TAY
            REP #$20
            LDA $7EF360
            CLC
            ADC .values,Y
            CMP #$03E8
            BCC .store
            LDA #$03E7
        .store:
            STA $7EF360
            SEP #$20
        .unknown:
            RTS
        .values:
            dw {values}
        """)
    heart_db = ",".join(hex8(h) for h in hearts)
    body = asm(f"""
            CMP #$04
            BCS .heart
            ASL A
            TAY
            REP #$20
            LDA $7EF360
            ADC .rupees,Y
            CMP #$03E8
            BCC .rupee_store
            LDA #$03E7
        .rupee_store:
            STA $7EF360
            SEP #$20
            BRA .done
        .heart:
            AND #$03
            TAY
            LDA $7EF36D
            CLC
            ADC .hearts,Y
            CMP $7EF36C
            BCC .heart_store
            LDA $7EF36C
        .heart_store:
            STA $7EF36D
        .done:
            STZ ${active:04X},X
        """)
    tables = f".rupees:\n    dw {values}\n.hearts:\n    db {heart_db}\n"
    patch = f"org {hook}\n    JSL {new}\n    NOP\n    NOP\norg ${origin:06X}\n"
    ref = (
        patch
        + f"{new}:\n    PHB\n    PHK\n    PLB\n    CMP #$08\n    BCS .done\n"
        + body
        + "    PLB\n    RTL\n"
        + tables
    )
    slow = Draft(
        "compare-chain",
        patch
        + f"{new}:\n    PHP\n    PHB\n    PHK\n    PLB\n    CMP #$04\n    BCC .rupee\n    CMP #$08\n"
        + "    BCC .heart\n    BRA .done\n.rupee:\n"
        + body.replace("    CMP #$04\n    BCS .heart\n", "", 1)
        + "    PLB\n    PLP\n    RTL\n"
        + tables,
        "tests the id range with a compare chain and saves P around everything",
    )
    bugs = (
        Draft(
            "no-bank",
            ref.replace("    PHB\n    PHK\n    PLB\n", "").replace("    PLB\n    RTL\n", "    RTL\n"),
            "reads .rupees/.hearts through the base's data bank",
        ),
        Draft(
            "no-despawn",
            ref.replace(f".done:\n    STZ ${active:04X},X\n", ".done:\n"),
            "the STZ the JSL overwrote is never done: the pickup stays",
        ),
        Draft(
            "rts",
            ref.replace("    PLB\n    RTL\n", "    PLB\n    RTS\n"),
            "RTS after a JSL pops two of the three return bytes",
        ),
    )
    seam = (
        f"The base calls `{give}` with JSR; replace that JSR (3 bytes) and the `STZ ${active:04X},X` after "
        f"it (3 bytes) with a JSL to your new routine (4 bytes) and two NOPs. The new routine returns "
        f"with RTL and must do the STZ itself."
    )
    job = (
        f"New behaviour of the award (A = item id): ids 0-3 add rupees exactly as `{give}` does "
        f"([{', '.join(str(v) for v in rupees)}], capped at 999 in the word $7EF360); ids 4-7 are new heart "
        f"pickups that add [{', '.join(hex8(h) for h in hearts)}] (id 4-7) to the health byte $7EF36D, "
        "capped at the maximum health $7EF36C; ids 8-255 give nothing. Every pickup is despawned. "
        "Keep the new tables with the new code."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, X = pickup slot (0-7), DBR = ${base_at >> 16:02X}, m=1, x=1. "
        "Rupees are 0-999, health 0-160 ($A0) and maximum health 24-160 ($18-$A0). Observable: the word "
        f"$7EF360, $7EF36D and $7E{active:04X}-$7E{active + 7:04X}. Keep X; A and Y may be clobbered."
    )
    return Routine(
        kernel="hook_item_give",
        entry=entry,
        call="jsr",
        summary=f"Replace the JSR to `{give}` in `{entry}` with a JSL to a new award routine that adds heart items.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                "X": span(0, 7, 0, 7),
                f"$7E{ids:04X}..$7E{ids + 7:04X}": byte_range(0, 3, 4, 7, 8, 0xFF),
                f"$7E{active:04X}..$7E{active + 7:04X}": byte_range(0, 0xFF),
                "$7EF360:w": span(0, 999, 0, 1000 - rupees[3]),
                "$7EF36C": span(0x18, 0xA0, 0x18, 0xA0),
                "$7EF36D": span(0, 0xA0, 0, 0x18, 0xA0),
            },
            outputs=["$7EF360:w", "$7EF36D", f"$7E{active:04X}..$7E{active + 7:04X}"],
            preserve=["X"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("jsl", r"\bJSL\b", r"long call", r"\bRTL\b"),
            fact("items", r"heart", r"rupee", r"item"),
            fact("cap", r"\bcap", r"max", r"999", r"limit"),
        ),
        forbid=(*COMMON_FORBID, r"keeps calling the old routine"),
        explanation=(
            f"The patch replaces JSR {give} / STZ with JSL {new} and two NOPs. The new routine sets DBR to "
            "its bank, ignores ids 8 and up, adds the rupee value for ids 0-3 in 16-bit mode with the 999 "
            "cap (no CLC needed: the range checks and ASL leave carry clear), and for ids 4-7 adds the heart amount to $7EF36D capped at $7EF36C. It then does the "
            "despawn store the JSL overwrote, restores DBR and returns with RTL."
        ),
        false_claims=("It keeps calling the old routine with JSR from the new bank.",),
        tags=("hook", "jsr-to-jsl", "phb-phk-plb", "items", "rep-sep", "hard"),
        params={"base": base_at, "origin": origin, "rupees": rupees, "hearts": hearts},
        base=base,
        origin=origin,
    )


def hook_menu_flags(rng: random.Random) -> Routine:
    """Menu input hook between a shift and the branches that read its flags: PHP/PLP around new code."""
    base_at, origin = _place(rng)
    press = rng.choice([0xF4, 0xF6])
    cursor, last, flag, count = rng.choice(
        [(0x0200, 0x0B10, 0x0B11, 0x0B12), (0x0202, 0x0B30, 0x0B31, 0x0B34), (0x020C, 0x0C70, 0x0C71, 0x0C74)]
    )
    items = rng.choice([3, 4, 5, 6, 8])
    sfx = rng.choice([0x20, 0x2C, 0x0B, 0x3C])
    entry = rng.choice(["Menu_Input", "Pause_Cursor", "FileSelect_Move", "Shop_Cursor"])
    hook = rng.choice(["Menu_Hook", "Cursor_Remember", "Menu_AfterRead"])
    new = rng.choice(["MenuMoveSound", "Cursor_Feedback", "NewMenuHook", "Menu_CountMoves"])
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA ${press:02X}
            AND #$0C
            LSR A
            LSR A
            LSR A
        {hook}:
            STA ${last:04X}
            STZ ${flag:04X}
            BCS .down
            BNE .up
            RTS
        .down:
            LDA ${cursor:04X}
            INC A
            CMP #{hex8(items)}
            BCC .store
            LDA #$00
            BRA .store
        .up:
            LDA ${cursor:04X}
            DEC A
            BPL .store
            LDA #{hex8(items - 1)}
        .store:
            STA ${cursor:04X}
            RTS
        """)
    patch = f"org {hook}\n    JSL {new}\n    NOP\n    NOP\norg ${origin:06X}\n"
    ref = patch + asm(f"""
        {new}:
            PHP
            STA ${last:04X}
            STZ ${flag:04X}
            BCS .moved
            BEQ .done
        .moved:
            LDA #{hex8(sfx)}
            STA $012E
            LDA ${count:04X}
            CMP #$63
            BCS .done
            INC ${count:04X}
        .done:
            PLP
            RTL
        """)
    slow = Draft(
        "reread-pad",
        patch
        + asm(f"""
        {new}:
            PHP
            PHA
            STA ${last:04X}
            STZ ${flag:04X}
            LDA ${press:02X}
            AND #$0C
            BEQ .done
            LDA #{hex8(sfx)}
            STA $012E
            LDA ${count:04X}
            CMP #$63
            BCS .done
            INC ${count:04X}
        .done:
            PLA
            PLP
            RTL
        """),
        "reads the joypad byte again instead of using the flags it was handed, and saves A it need not keep",
    )
    bugs = (
        Draft(
            "no-php",
            ref.replace("    PHP\n", "").replace("    PLP\n", ""),
            "the CMP and loads change C and Z, which the base's BCS/BNE then read",
        ),
        Draft(
            "one-nop",
            ref.replace(f"    JSL {new}\n    NOP\n    NOP\n", f"    JSL {new}\n    NOP\n"),
            "one NOP short: the last operand byte of the overwritten STZ runs as an opcode",
        ),
        Draft("no-stz", ref.replace(f"    STZ ${flag:04X}\n", ""), "the STZ the JSL overwrote is lost"),
    )
    seam = (
        f"The JSL (4 bytes) goes over `STA ${last:04X}` and `STZ ${flag:04X}` (6 bytes): pad with two "
        "NOPs and do those two stores in the new code. After the hook the base branches on the carry "
        "(down) and Z (up) left by the LSRs, so the new routine must return them unchanged."
    )
    job = (
        f"New behaviour: when up or down was pressed, queue sound effect {hex8(sfx)} in $7E012E and count "
        f"the move in the byte ${count:04X}, which stops at 99 ($63); otherwise touch neither."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, m=1, x=1, DBR = ${base_at >> 16:02X}. The cursor "
        f"${cursor:04X} is 0-{items - 1}. Observable: $7E{cursor:04X}, $7E{last:04X}, $7E{flag:04X}, "
        f"$7E{count:04X} and $7E012E. Keep X and Y."
    )
    return Routine(
        kernel="hook_menu_flags",
        entry=entry,
        call="jsr",
        summary=f"Hook `{entry}` at `{hook}` to play a sound and count cursor moves, keeping the flags.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                f"$7E00{press:02X}": byte_range(0x00, 0x04, 0x08, 0x0C),
                f"$7E{cursor:04X}": span(0, items - 1, 0, items - 1),
                f"$7E{count:04X}": byte_range(0x00, 0x62, 0x63, 0x64),
                "$7E012E": byte_range(0),
            },
            outputs=[f"$7E{cursor:04X}", f"$7E{last:04X}", f"$7E{flag:04X}", f"$7E{count:04X}", "$7E012E"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("flags", r"\bPHP\b", r"\bPLP\b", r"flags", r"carry"),
            fact("hook", r"\bhook", r"\bJSL\b", r"\bpatch"),
            fact("sound", r"sound", r"\$012E", r"sfx"),
        ),
        forbid=(*COMMON_FORBID, r"flags do not matter"),
        explanation=(
            f"The patch is JSL {new} and two NOPs over the two stores. The new routine pushes P first, "
            "does the two overwritten stores, and (using the carry and Z it was handed) when a direction "
            f"was pressed writes the sound id to $012E and increments ${count:04X} below 99. PLP gives the "
            "base back its C and Z for BCS/BNE; RTL returns into the base."
        ),
        false_claims=("The flags do not matter after the hook because the base reloads A.",),
        tags=("hook", "jsl", "php-plp", "flags", "menu"),
        params={"base": base_at, "origin": origin, "items": items, "sfx": sfx},
        base=base,
        origin=origin,
    )


def hook_zone_check(rng: random.Random) -> Routine:
    """Sprite fall hook: after the y store, find the rectangle zone the sprite is in (table in the new
    bank), then hand back A and the CMP's carry the base branches on. Hard tier."""
    base_at, origin = _place(rng)
    ground = rng.choice([0xB0, 0xC0, 0xC8, 0xD0])
    zones = rng.choice([3, 4])
    flag = rng.choice([0x0E60, 0x0EB0, 0x0F10])
    entry = rng.choice(["Sprite_Fall", "Enemy_Gravity", "Sprite_ApplyYSpeed", "Object_Fall"])
    hook = rng.choice(["Fall_Hook", "Gravity_Store", "Fall_StoreY"])
    new = rng.choice(["FindZone", "Zone_Check", "Sprite_ZoneTest", "CheckWaterZones"])
    width = 256 // zones
    rects = []
    for i in range(zones):  # disjoint strips in x, random y bands
        x0 = i * width + rng.randrange(0, 8)
        x1 = (i + 1) * width - rng.randrange(1, 8)
        y0 = rng.randrange(0x10, 0x80)
        y1 = y0 + rng.randrange(0x10, 0x60)
        rects.append((x0, x1, y0, y1))
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA $0D00,X
            CLC
            ADC $0D40,X
        {hook}:
            STA $0D00,X
            CMP #{hex8(ground)}
            BCC .air
            LDA #{hex8(ground)}
            STA $0D00,X
            STZ $0D40,X
        .air:
            RTS
        """)
    table = "\n".join(f"    db {','.join(hex8(v) for v in r)}" for r in rects)
    last = hex8(4 * (zones - 1))
    patch = f"org {hook}\n    JSL {new}\n    NOP\norg ${origin:06X}\n"
    ref = (
        patch
        + asm(f"""
        {new}:
            STA $0D00,X
            PHA
            PHY
            PHB
            PHK
            PLB
            STA $00
            LDA $0D10,X
            STA $01
            LDY #{last}
        .zone:
            LDA $01
            CMP .zones,Y
            BCC .next
            CMP .zones+1,Y
            BCS .next
            LDA $00
            CMP .zones+2,Y
            BCC .next
            CMP .zones+3,Y
            BCS .next
            TYA
            LSR A
            LSR A
            INC A
            BRA .found
        .next:
            DEY
            DEY
            DEY
            DEY
            BPL .zone
            LDA #$00
        .found:
            STA ${flag:04X},X
            PLB
            PLY
            PLA
            CMP #{hex8(ground)}
            RTL
        .zones:
        """)
        + table
        + "\n"
    )
    slow = Draft(
        "reload-fields",
        patch
        + asm(f"""
        {new}:
            STA $0D00,X
            PHP
            PHA
            PHX
            PHY
            PHB
            PHK
            PLB
            LDY #{last}
        .zone:
            LDA $0D10,X
            CMP .zones,Y
            BCC .next
            CMP .zones+1,Y
            BCS .next
            LDA $0D00,X
            CMP .zones+2,Y
            BCC .next
            CMP .zones+3,Y
            BCS .next
            TYA
            LSR A
            LSR A
            INC A
            STA ${flag:04X},X
            BRA .out
        .next:
            DEY
            DEY
            DEY
            DEY
            BPL .zone
            STZ ${flag:04X},X
        .out:
            PLB
            PLY
            PLX
            PLA
            PLP
            CMP #{hex8(ground)}
            RTL
        .zones:
        """)
        + table
        + "\n",
        "saves P and X it never changes and reloads the sprite's x and y for every zone instead of keeping "
        "them in scratch",
    )
    bugs = (
        Draft("no-ply", ref.replace("    PHY\n", "").replace("    PLY\n", ""), "the caller's Y is lost"),
        Draft(
            "no-cmp",
            ref.replace(f"    PLA\n    CMP #{hex8(ground)}\n", "    PLA\n"),
            "the overwritten CMP is not redone: the base's BCC reads a stale carry",
        ),
        Draft(
            "no-bank",
            ref.replace("    PHB\n    PHK\n    PLB\n", "").replace("    PLB\n    PLY\n", "    PLY\n"),
            "reads .zones through the base's data bank",
        ),
    )
    listing = "; ".join(
        f"zone {i + 1}: x {hex8(r[0])}-{hex8(r[1] - 1)}, y {hex8(r[2])}-{hex8(r[3] - 1)}"
        for i, r in enumerate(rects)
    )
    seam = (
        f"The JSL (4 bytes) goes over `STA $0D00,X` and `CMP #{hex8(ground)}` (5 bytes): pad with one NOP. "
        f"After the hook the base branches on the carry of that CMP and may store A, so the new routine "
        f"must store y, then return with A = the new y and the carry of CMP #{hex8(ground)} on it."
    )
    job = (
        f"New behaviour: after storing y, find which of these zones contains the sprite (x = $0D10,X, "
        f"y = the new y; both ends inclusive; the zones do not overlap): {listing}. Store its number "
        f"(1-{zones}) in ${flag:04X},X, or 0 when it is in none. Keep the zone table with the new code."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, X = sprite slot (0-15), Y = the caller's (keep it), m=1, "
        f"x=1, DBR = ${base_at >> 16:02X}; the base returns the final y in A. Observable: A (low byte), "
        f"$7E0D00-$7E0D0F, $7E0D40-$7E0D4F and $7E{flag:04X}-$7E{flag + 15:04X}. Keep X and Y."
    )
    edges = sorted(
        {v for r in rects for v in (r[0], r[1] - 1, r[1], r[2], r[2] - 1, r[3] - 1, r[3])} & set(range(256))
    )
    return Routine(
        kernel="hook_zone_check",
        entry=entry,
        call="jsr",
        summary=f"Hook `{entry}` at `{hook}` to record which rectangular zone the sprite is in.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                "X": span(0, 15, 0, 15),
                "Y": byte_range(0, 0xFF),
                "$7E0D00..$7E0D0F": byte_range(ground - 1, ground, ground + 1),
                "$7E0D40..$7E0D4F": byte_range(1, 0xFF),
                "$7E0D10..$7E0D1F": byte_range(*edges),
            },
            outputs=["A.lo", "$7E0D00..$7E0D0F", "$7E0D40..$7E0D4F", f"$7E{flag:04X}..$7E{flag + 15:04X}"],
            preserve=["X", "Y"],
            cases=160,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("zone", r"zone", r"rectangle", r"region"),
            fact("keep", r"\bPHA\b", r"\bPHY\b", r"preserv", r"restor"),
            fact("cmp", r"\bCMP\b", r"carry", r"compare"),
        ),
        forbid=(*COMMON_FORBID, r"may leave Y changed"),
        explanation=(
            f"The patch is JSL {new} and a NOP over the y store and the ground compare. The new routine "
            "stores y, saves A, Y and DBR, switches to its own bank and scans the zone table from the last "
            "zone down, comparing x and y with each rectangle's bounds; the first hit gives its number, "
            f"none gives 0, stored in ${flag:04X},X. It restores DBR, Y and A and redoes CMP #{hex8(ground)} so "
            "the base's BCC sees the right carry, then RTL."
        ),
        false_claims=("The new code may leave Y changed because the base does not use it.",),
        tags=("hook", "jsl", "phb-phk-plb", "preserve-registers", "collision", "hard"),
        params={"base": base_at, "origin": origin, "zones": rects, "ground": ground},
        base=base,
        origin=origin,
    )


def hook_tick_timers(rng: random.Random) -> Routine:
    """JSR-to-JSL hook on a timer tick: the new routine adds a blink timer and must redo the
    overwritten LDA so the base's BNE sees its flags."""
    base_at, origin = _place(rng)
    timer_b, blink = rng.choice([(0x0E10, 0x0E40), (0x0F00, 0x0F40), (0x0EA0, 0x0EC0)])
    period = rng.choice([0x04, 0x06, 0x08, 0x0C, 0x10])
    state = rng.choice([0x02, 0x06, 0x0B])
    entry = rng.choice(["Sprite_Update", "Enemy_Tick", "Sprite_Timers", "Object_Step"])
    hook = rng.choice(["Update_Call", "Tick_Site", "Timers_Call"])
    tick = rng.choice(["Sprite_Tick", "Tick_TimerA", "CountDown"])
    new = rng.choice(["TickBoth", "NewTick", "Tick_WithBlink", "Timers_Ex"])
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA $0DD0,X
            BEQ {entry}_Exit
        {hook}:
            JSR {tick}
            LDA $0DF0,X
            BNE {entry}_Exit
            LDA #{hex8(state)}
            STA $0DD0,X
        {entry}_Exit:
            RTS
        {tick}:
            LDA $0DF0,X
            BEQ +
            DEC $0DF0,X
        +   RTS
        """)
    patch = f"org {hook}\n    JSL {new}\n    NOP\n    NOP\norg ${origin:06X}\n"
    ref = patch + asm(f"""
        {new}:
            LDA $0DF0,X
            BEQ +
            DEC $0DF0,X
        +   LDA ${timer_b:04X},X
            BEQ .resume
            DEC A
            BNE .store
            LDA ${blink:04X},X
            EOR #$01
            STA ${blink:04X},X
            LDA #{hex8(period)}
        .store:
            STA ${timer_b:04X},X
        .resume:
            LDA $0DF0,X
            RTL
        """)
    slow = Draft(
        "rmw-and-reload",
        patch
        + asm(f"""
        {new}:
            LDA $0DF0,X
            CMP #$00
            BEQ +
            DEC $0DF0,X
        +   LDA ${timer_b:04X},X
            CMP #$00
            BEQ .resume
            DEC ${timer_b:04X},X
            LDA ${timer_b:04X},X
            BNE .resume
            LDA ${blink:04X},X
            EOR #$01
            STA ${blink:04X},X
            LDA #{hex8(period)}
            STA ${timer_b:04X},X
        .resume:
            LDA $0DF0,X
            RTL
        """),
        "compares with zero after loads and decrements timer B in memory before reading it back",
    )
    bugs = (
        Draft(
            "no-reload",
            ref.replace("    LDA $0DF0,X\n    RTL\n", "    RTL\n"),
            "the overwritten LDA $0DF0,X is not redone: the base's BNE reads other flags",
        ),
        Draft("rts", ref.replace("    RTL\n", "    RTS\n"), "RTS after a JSL returns to the wrong place"),
        Draft(
            "one-nop",
            ref.replace(f"    JSL {new}\n    NOP\n    NOP\n", f"    JSL {new}\n    NOP\n"),
            "one NOP short: the high operand byte of the overwritten LDA runs as an opcode",
        ),
    )
    seam = (
        f"Replace the `JSR {tick}` (3 bytes) and the `LDA $0DF0,X` after it (3 bytes) with a JSL to your "
        "new routine (4 bytes) and two NOPs; the new routine returns with RTL, does what `"
        f"{tick}` did and ends with the overwritten `LDA $0DF0,X`, so the base's BNE sees its flags."
    )
    job = (
        f"New behaviour: besides timer A ($0DF0,X, as `{tick}`), tick a blink timer ${timer_b:04X},X: when "
        f"it is nonzero decrement it, and when that makes it 0 toggle bit 0 of ${blink:04X},X and reload "
        f"the timer with {hex8(period)}; a timer already 0 stays 0."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, X = sprite slot (0-15), m=1, x=1, DBR = ${base_at >> 16:02X}. "
        f"Observable: $7E0DD0-$7E0DDF, $7E0DF0-$7E0DFF, $7E{timer_b:04X}-$7E{timer_b + 15:04X} and "
        f"$7E{blink:04X}-$7E{blink + 15:04X}. Keep X and Y."
    )
    small = byte_range(0, 1, 2, 0xFF)
    return Routine(
        kernel="hook_tick_timers",
        entry=entry,
        call="jsr",
        summary=f"Replace the JSR to `{tick}` in `{entry}` with a JSL that also runs a blink timer.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                "X": span(0, 15, 0, 15),
                "$7E0DD0..$7E0DDF": byte_range(1, 0xFF),
                "$7E0DF0..$7E0DFF": small,
                f"$7E{timer_b:04X}..$7E{timer_b + 15:04X}": small,
                f"$7E{blink:04X}..$7E{blink + 15:04X}": byte_range(0, 0xFF),
            },
            outputs=[
                "$7E0DD0..$7E0DDF",
                "$7E0DF0..$7E0DFF",
                f"$7E{timer_b:04X}..$7E{timer_b + 15:04X}",
                f"$7E{blink:04X}..$7E{blink + 15:04X}",
            ],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("jsl", r"\bJSL\b", r"\bRTL\b"),
            fact("timer", r"timer", r"decrement", r"\bDEC\b"),
            fact("reload", r"\bLDA \$0DF0", r"flags", r"overwritten", r"redo"),
        ),
        forbid=(*COMMON_FORBID, r"end with RTS"),
        explanation=(
            f"The patch replaces JSR {tick} and LDA $0DF0,X with JSL {new} and two NOPs. The new routine "
            f"decrements timer A if nonzero, then timer B; when B reaches 0 it toggles bit 0 of "
            f"${blink:04X},X and reloads B with {hex8(period)}. It ends with the overwritten LDA $0DF0,X so "
            "the base's BNE tests timer A, and returns with RTL."
        ),
        false_claims=("The new routine can end with RTS because the base used JSR.",),
        tags=("hook", "jsr-to-jsl", "timers", "flags"),
        params={"base": base_at, "origin": origin, "period": period},
        base=base,
        origin=origin,
    )


def hook_skip_damage(rng: random.Random) -> Routine:
    """JML hook with two exits: resume after the overwritten load, or jump past the damage."""
    base_at, origin = _place(rng)
    dmg = rng.choice([0x0373, 0x0374])
    shield = rng.choice([0x037B, 0x031F, 0x0FD8])
    entry = rng.choice(["Link_TakeDamage", "Player_Hurt", "Link_ApplyHit", "Hero_Damage"])
    hook, apply, done = rng.choice(
        [
            ("Hurt_Hook", "Hurt_Apply", "Hurt_Done"),
            ("Dmg_Load", "Dmg_Subtract", "Dmg_Clear"),
            ("Hit_Read", "Hit_Sub", "Hit_End"),
        ]
    )
    new = rng.choice(["ArmorCheck", "Hurt_Armor", "ShieldAndArmor", "NewHurtCheck"])
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA ${dmg:04X}
            BEQ {done}
        {hook}:
            LDA $7EF36D
        {apply}:
            SEC
            SBC ${dmg:04X}
            BCS +
            LDA #$00
        +   STA $7EF36D
        {done}:
            STZ ${dmg:04X}
            RTS
        """)
    ref = asm(f"""
        org {hook}
            JML {new}
        org ${origin:06X}
        {new}:
            LDA ${shield:04X}
            LSR A
            BCS .skip
            LDA $7EF35B
            BEQ .apply
        .halve:
            LSR ${dmg:04X}
            DEC A
            BNE .halve
        .apply:
            LDA $7EF36D
            JML {apply}
        .skip:
            JML {done}
        """)
    slow = Draft(
        "counter-in-scratch",
        asm(f"""
        org {hook}
            JML {new}
        org ${origin:06X}
        {new}:
            LDA ${shield:04X}
            LSR A
            BCS .skip
            LDA $7EF35B
            STA $00
        .halve:
            LDA $00
            BEQ .apply
            LSR ${dmg:04X}
            DEC $00
            BRA .halve
        .apply:
            LDA $7EF36D
            JML {apply}
        .skip:
            JML {done}
        """),
        "counts the halvings in scratch memory and tests the counter at the top of every round",
    )
    bugs = (
        Draft(
            "jsl",
            ref.replace(f"    JML {new}\n", f"    JSL {new}\n"),
            "JSL into code that leaves with JML: three return bytes stay on the stack",
        ),
        Draft(
            "skip-clear",
            ref.replace(f"    JML {done}\n", f"    JML {done}+3\n"),
            "skips past the STZ: the pending damage is never cleared",
        ),
        Draft("bpl", ref.replace("BNE .halve", "BPL .halve"), "halves once more than the armor level"),
    )
    seam = (
        f"Overwrite the 4-byte `LDA $7EF36D` at `{hook}` with `JML {new}` (no return address: the new "
        f"code leaves with JML). To let the damage happen, redo the overwritten load and JML to "
        f"`{apply}`; to cancel it, JML to `{done}` (which still clears the pending damage)."
    )
    job = (
        f"New behaviour: when bit 0 of the flags byte ${shield:04X} is set, Link takes no damage. Otherwise the "
        f"pending damage ${dmg:04X} is halved once per armor level (the byte $7EF35B, 0-3; each halving "
        "rounds down) before the base subtracts it."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, m=1, x=1, DBR = ${base_at >> 16:02X}. Observable: $7EF36D "
        f"and $7E{dmg:04X}. Keep X and Y."
    )
    return Routine(
        kernel="hook_skip_damage",
        entry=entry,
        call="jsr",
        summary=f"Hook `{entry}` with a JML at `{hook}` so a shield cancels damage and armor halves it.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                f"$7E{dmg:04X}": byte_range(0, 1, 2, 3, 8, 0xFF),
                f"$7E{shield:04X}": byte_range(0, 1, 0xFF),
                "$7EF35B": span(0, 3, 0, 1, 3),
                "$7EF36D": byte_range(0, 1, 0xFF),
            },
            outputs=["$7EF36D", f"$7E{dmg:04X}"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("jml", r"\bJML\b", r"jump long", r"no return"),
            fact("skip", r"skip", r"cancel", r"no damage", r"shield"),
            fact("halve", r"halv", r"\bLSR\b", r"armor"),
        ),
        forbid=(*COMMON_FORBID, r"returns with RTL"),
        explanation=(
            f"JML {new} replaces the health load. The new code jumps straight to {done} when bit 0 of the "
            f"shield flags is set (the base then clears the damage). Otherwise it halves the damage with LSR once "
            f"per armor level, reloads the health the JML overwrote and jumps back to {apply}, where the "
            "base subtracts. Nothing is pushed, so both exits are JMLs."
        ),
        false_claims=("The new code returns with RTL.",),
        tags=("hook", "jml", "link", "damage"),
        params={"base": base_at, "origin": origin, "shield": shield, "damage": dmg},
        base=base,
        origin=origin,
    )


def hook_char_remap(rng: random.Random) -> Routine:
    """Text drawer hook: remap the character through a long-addressed font table, keeping X."""
    base_at, origin = _place(rng)
    text, tiles, attrs = rng.choice(
        [(0x1700, 0x1780, 0x17C0), (0x1200, 0x1240, 0x1280), (0x0600, 0x0640, 0x0680)]
    )
    glyph_base = rng.choice([0x20, 0x40, 0x80])
    attr = rng.choice([0x20, 0x24, 0x28, 0x3C])
    entry = rng.choice(["Text_PutChar", "Dialog_DrawGlyph", "Hud_WriteChar", "Msg_EmitTile"])
    hook = rng.choice(["PutChar_Tile", "Glyph_ToTile", "Char_Convert"])
    new = rng.choice(["FontRemap", "NewFont_Lookup", "Glyph_Remap", "CharToTileEx"])
    font = rng.sample(range(0x00, 0xC0), 32)
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA ${text:04X},X
        {hook}:
            CLC
            ADC #{hex8(glyph_base)}
            STA ${tiles:04X},X
            LDA #{hex8(attr)}
            STA ${attrs:04X},X
            RTS
        """)
    font_db = "\n".join(f"    db {','.join(hex8(v) for v in font[i : i + 8])}" for i in range(0, 32, 8))
    patch = f"org {hook}\n    JSL {new}\n    NOP\n    NOP\norg ${origin:06X}\n"
    ref = (
        patch
        + asm(f"""
        {new}:
            PHX
            AND #$1F
            TAX
            LDA.l .font,X
            PLX
            STA ${tiles:04X},X
            RTL
        .font:
        """)
        + font_db
        + "\n"
    )
    slow = Draft(
        "bank-switch",
        patch
        + asm(f"""
        {new}:
            PHB
            PHK
            PLB
            PHY
            AND #$1F
            TAY
            LDA .font,Y
            PLY
            PLB
            STA ${tiles:04X},X
            RTL
        .font:
        """)
        + font_db
        + "\n",
        "switches the data bank and indexes with Y where one long-indexed load does it",
    )
    bugs = (
        Draft(
            "no-phx",
            ref.replace("    PHX\n", "").replace("    PLX\n", ""),
            "X becomes the glyph number, so the tile and attribute go to the wrong slot",
        ),
        Draft("mask-3f", ref.replace("AND #$1F", "AND #$3F"), "glyphs 32-63 read past the 32-entry table"),
        Draft(
            "absolute",
            ref.replace("LDA.l .font,X", "LDA .font,X"),
            "absolute addressing reads the table's address in the base's bank",
        ),
    )
    seam = (
        f"The JSL (4 bytes) goes over `CLC`, `ADC #{hex8(glyph_base)}` and `STA ${tiles:04X},X` (6 bytes): "
        "pad with two NOPs and do the tile store in the new code; the base then writes the attribute "
        "byte with the same X."
    )
    job = (
        f"New behaviour: the tile for character code c (A) is font[c AND $1F] from this 32-entry table "
        f"(keep it with the new code): [{', '.join(hex8(v) for v in font)}]."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, X = text position (0-15), m=1, x=1, DBR = "
        f"${base_at >> 16:02X}. Observable: $7E{tiles:04X}-$7E{tiles + 15:04X} and "
        f"$7E{attrs:04X}-$7E{attrs + 15:04X}. Keep X and Y."
    )
    return Routine(
        kernel="hook_char_remap",
        entry=entry,
        call="jsr",
        summary=f"Hook `{entry}` at `{hook}` to map characters to tiles through a new 32-entry font table.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                "X": span(0, 15, 0, 15),
                f"$7E{text:04X}..$7E{text + 15:04X}": byte_range(0x00, 0x1F, 0x20, 0xFF),
            },
            outputs=[f"$7E{tiles:04X}..$7E{tiles + 15:04X}", f"$7E{attrs:04X}..$7E{attrs + 15:04X}"],
            preserve=["X", "Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("table", r"table", r"font", r"lookup"),
            fact("keepx", r"\bPHX\b", r"\bPLX\b", r"preserv", r"keeps? X"),
            fact("long", r"long", r"\bLDA\.l", r"24-bit"),
        ),
        forbid=(*COMMON_FORBID, r"must switch DBR"),
        explanation=(
            f"The patch puts JSL {new} and two NOPs over the tile conversion and store. The new routine "
            "saves X (PHX), uses the character AND $1F as the index into its font table with a long-indexed "
            "load (no bank switch needed), restores X and stores the tile at the base's slot, then RTL; "
            "the base goes on to store the attribute."
        ),
        false_claims=("It must switch DBR because LDA long,X cannot reach another bank.",),
        tags=("hook", "jsl", "long-addressing", "text", "table"),
        params={"base": base_at, "origin": origin, "font": font},
        base=base,
        origin=origin,
    )


def hook_ice_friction(rng: random.Random) -> Routine:
    """A hook in 16-bit code: the new routine checks a floor byte in 8-bit mode and must hand back
    m=0; on ice the 8.8 velocity loses 1/16 (arithmetic shift) before it is added."""
    base_at, origin = _place(rng)
    speed, pos = rng.choice([(0x0B7E, 0x0B80), (0x0C20, 0x0C22), (0x1A40, 0x1A44)])
    floor = rng.choice([0x0114, 0x0340, 0x0FA5])
    ice = rng.choice([0x0C, 0x0E, 0x05, 0x09])
    entry = rng.choice(["Link_MoveX", "Player_Slide", "Link_ApplyVelocity", "Hero_StepX"])
    hook = rng.choice(["MoveX_Add", "Slide_Apply", "Velocity_Add"])
    new = rng.choice(["IceFriction", "Floor_Physics", "SlideDecay", "NewMoveX"])
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            LDA ${speed:04X}
        {hook}:
            CLC
            ADC ${pos:04X}
            STA ${pos:04X}
            RTS
        """)
    patch = f"org {hook}\n    JSL {new}\n    NOP\n    NOP\n    NOP\norg ${origin:06X}\n"
    ref = patch + asm(f"""
        {new}:
            STA $02
            SEP #$20
            LDA ${floor:04X}
            AND #$0F
            CMP #{hex8(ice)}
            REP #$20
            BNE .move
            LDA $02
            LSR A
            LSR A
            LSR A
            LSR A
            BIT $02
            BPL .positive
            ORA #$F800
        .positive:
            STA $00
            LDA $02
            SEC
            SBC $00
            STA $02
            STA ${speed:04X}
        .move:
            LDA $02
            CLC
            ADC ${pos:04X}
            STA ${pos:04X}
            RTL
        """)
    slow = Draft(
        "php-plp",
        patch
        + asm(f"""
        {new}:
            STA $02
            PHP
            SEP #$20
            LDA ${floor:04X}
            AND #$0F
            CMP #{hex8(ice)}
            BNE .dry
            PLP
            LDA $02
            CMP #$8000
            ROR A
            CMP #$8000
            ROR A
            CMP #$8000
            ROR A
            CMP #$8000
            ROR A
            STA $00
            LDA $02
            SEC
            SBC $00
            STA $02
            STA ${speed:04X}
            BRA .move
        .dry:
            PLP
        .move:
            LDA $02
            CLC
            ADC ${pos:04X}
            STA ${pos:04X}
            RTL
        """),
        "saves P around the 8-bit test (PHP/PLP) and shifts arithmetically with CMP #$8000 / ROR per bit",
    )
    bugs = (
        Draft(
            "no-sep",
            ref.replace("    SEP #$20\n", "").replace("    REP #$20\n", ""),
            "no SEP: AND #$0F and CMP are assembled as 8-bit immediates in 16-bit mode",
        ),
        Draft(
            "rep-late",
            ref.replace("    REP #$20\n    BNE .move\n", "    BNE .move\n    REP #$20\n"),
            "REP only on the ice path: off ice the routine returns with 8-bit A",
        ),
        Draft(
            "logical",
            ref.replace("    BIT $02\n    BPL .positive\n    ORA #$F800\n", ""),
            "LSR alone: a leftward (negative) slide is treated as a huge positive one",
        ),
    )
    seam = (
        f"The JSL (4 bytes) goes over `CLC`, `ADC ${pos:04X}` and `STA ${pos:04X}` (7 bytes): pad with three "
        "NOPs and do the add and store in the new code. The base runs with a 16-bit accumulator; the new "
        "routine may switch to 8-bit A but must return with m=0."
    )
    job = (
        f"New behaviour: when the floor type (the low 4 bits of the byte ${floor:04X}) is {hex8(ice)} (ice), the "
        "signed 8.8 velocity "
        f"in A first loses 1/16: v = v - (v >> 4), the shift arithmetic (rounding down), and the new "
        f"velocity is stored back to ${speed:04X}. Then, on any floor, the position word ${pos:04X} "
        "gets v added (wrapping)."
    )
    keep = (
        f"Entry `{entry}` is called with JSR, m=0 (16-bit A), x=1, DBR = ${base_at >> 16:02X}. "
        f"Observable: the words $7E{speed:04X} and $7E{pos:04X}. Keep X and Y."
    )
    return Routine(
        kernel="hook_ice_friction",
        entry=entry,
        call="jsr",
        summary=f"Hook the 16-bit `{entry}` at `{hook}` to add ice friction, returning in 16-bit mode.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            dbr=base_at >> 16,
            inputs={
                f"$7E{speed:04X}:w": {
                    "range": [0, 0xFFFF],
                    "boundaries": [0, 1, 0x000F, 0x0010, 0x7FFF, 0x8000, 0xFFF0, 0xFFFF],
                },
                f"$7E{pos:04X}:w": {"range": [0, 0xFFFF], "boundaries": [0, 0xFFFF]},
                f"$7E{floor:04X}": byte_range(ice - 1, ice, ice + 1, ice + 0x10, ice + 0xF0),
                f"$7E{floor + 1:04X}": byte_range(0, 0xFF),
            },
            outputs=[f"$7E{speed:04X}:w", f"$7E{pos:04X}:w"],
            preserve=["X", "Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("width", r"\bSEP\b", r"\bREP\b", r"8-bit", r"16-bit"),
            fact("friction", r"friction", r"1/16", r"ice", r"decay"),
            fact("hook", r"\bJSL\b", r"\bhook", r"\bpatch"),
        ),
        forbid=(*COMMON_FORBID, r"return with an 8-bit accumulator"),
        explanation=(
            f"The patch is JSL {new} and three NOPs over the add and store. The new routine keeps the "
            f"velocity in $02, masks and compares the floor type in 8-bit mode and returns to 16-bit A at once (REP "
            "keeps Z). On ice it subtracts the velocity shifted right four times (sign-filled with ORA "
            f"when negative) and stores it. Then it adds the velocity to ${pos:04X} and returns with RTL, "
            "still in 16-bit mode."
        ),
        false_claims=("The new routine may return with an 8-bit accumulator because RTL restores m.",),
        tags=("hook", "jsl", "16-bit", "rep-sep", "fixed-point", "physics"),
        params={"base": base_at, "origin": origin, "ice": ice},
        base=base,
        origin=origin,
    )


def hook_spawn_init(rng: random.Random) -> Routine:
    """A JSL-called spawn routine hooked after it found a slot: initialise HP, timer, props, state
    and a 16-bit position from per-type tables in the new bank. Hard tier."""
    base_at, origin = _place(rng)
    entry = rng.choice(["Sprite_SpawnDynamic", "Spawn_Enemy", "Sprite_Create", "Object_Spawn"])
    hook = rng.choice(["Spawn_Init", "Spawn_SetState", "Create_Activate"])
    new = rng.choice(["InitFromTables", "Spawn_Setup", "SpriteInit_Ex", "NewSpawnInit"])
    hp = [rng.randrange(1, 0x40) for _ in range(16)]
    timer = [rng.randrange(0, 0x80) for _ in range(16)]
    props = [rng.randrange(0, 0x100) for _ in range(16)]
    xoff = [rng.randrange(0, 0x100) for _ in range(16)]
    base = asm(f"""
        org ${base_at:06X}
        {entry}:
            PHA
            LDX #$0F
        .find:
            LDA $0DD0,X
            BEQ .found
            DEX
            BPL .find
            PLA
            CLC
            RTL
        .found:
            PLA
            STA $0E20,X
            LDA #$09
        {hook}:
            STA $0DD0,X
            STZ $0E50,X
            SEC
            RTL
        """)

    def db(values: list[int]) -> str:
        return "\n".join(f"    db {','.join(hex8(v) for v in values[i : i + 8])}" for i in range(0, 16, 8))

    tables = f".hp:\n{db(hp)}\n.timer:\n{db(timer)}\n.props:\n{db(props)}\n.xoff:\n{db(xoff)}\n"
    patch = f"org {hook}\n    JSL {new}\n    NOP\n    NOP\norg ${origin:06X}\n"
    body = asm("""
            LDA .hp,Y
            STA $0E50,X
            LDA .timer,Y
            STA $0DF0,X
            LDA .props,Y
            AND #$0F
            STA $0F50,X
            LDA $22
            CLC
            ADC .xoff,Y
            STA $0D10,X
            LDA .xoff,Y
            BMI .left
            LDA $23
            ADC #$00
            BRA .high
        .left:
            LDA $23
            ADC #$FF
        .high:
            STA $0D30,X
            PLY
            PLB
            RTL
        """)
    ref = (
        patch
        + asm(f"""
        {new}:
            PHB
            PHK
            PLB
            PHY
            LDY $0E20,X
            LDA .props,Y
            BPL .visible
            LDA #$08
            BRA .state
        .visible:
            LDA #$09
        .state:
            STA $0DD0,X
        """)
        + body
        + tables
    )
    slow = Draft(
        "mask-compare",
        patch
        + asm(f"""
        {new}:
            PHP
            PHB
            PHK
            PLB
            PHY
            LDY $0E20,X
            LDA .props,Y
            AND #$80
            CMP #$80
            BEQ .hidden
            LDA #$09
            BRA .state
        .hidden:
            LDA #$08
        .state:
            STA $0DD0,X
        """)
        + body.replace("    PLY\n    PLB\n    RTL\n", "    PLY\n    PLB\n    PLP\n    RTL\n")
        + tables,
        "isolates bit 7 with AND/CMP instead of branching on N, and saves P it does not need to",
    )
    bugs = (
        Draft(
            "no-bank",
            ref.replace("    PHB\n    PHK\n    PLB\n", "").replace("    PLY\n    PLB\n", "    PLY\n"),
            "reads the tables through the base's data bank",
        ),
        Draft(
            "state-lost",
            ref.replace(".state:\n    STA $0DD0,X\n", ".state:\n"),
            "the state store the JSL overwrote is never done",
        ),
        Draft(
            "unsigned-offset",
            ref.replace("    LDA $23\n    ADC #$FF\n", "    LDA $23\n    ADC #$00\n"),
            "the x offset is added as unsigned: leftward offsets land 256 pixels too far right",
        ),
    )
    seam = (
        "The JSL (4 bytes) goes over `STA $0DD0,X` and `STZ $0E50,X` (6 bytes): pad with two NOPs; the "
        "new routine sets the state and HP itself. The base then returns with SEC/RTL and X = the slot."
    )
    job = (
        "New behaviour, by the sprite type t = $0E20,X (0-15), from four 16-entry tables kept with the new "
        f"code: HP $0E50,X = hp[t], timer $0DF0,X = timer[t], $0F50,X = props[t] AND $0F, state $0DD0,X = "
        "$08 when bit 7 of props[t] is set (spawn hidden) else $09, and the 16-bit x position (low $0D10,X, "
        "high $0D30,X) = Link's x (the word $22) + the signed offset xoff[t]. "
        f"hp = [{', '.join(hex8(v) for v in hp)}]; timer = [{', '.join(hex8(v) for v in timer)}]; "
        f"props = [{', '.join(hex8(v) for v in props)}]; xoff = [{', '.join(hex8(v) for v in xoff)}]."
    )
    keep = (
        f"Entry `{entry}` is called with JSL, A = sprite type (0-15), m=1, x=1, DBR = "
        f"${base_at >> 16:02X}; slot states in $0DD0-$0DDF are 0-3 (0 = free). Observable: X, the carry "
        "and $7E0DD0-$7E0DDF, $7E0E20-$7E0E2F, $7E0E50-$7E0E5F, $7E0DF0-$7E0DFF, $7E0F50-$7E0F5F, "
        "$7E0D10-$7E0D1F, $7E0D30-$7E0D3F. Keep Y."
    )
    tables16 = "$7E0DD0..$7E0DDF"
    return Routine(
        kernel="hook_spawn_init",
        entry=entry,
        call="jsl",
        summary=f"Hook `{entry}` at `{hook}` to initialise a new sprite from per-type tables.",
        details=_hook_details(base, hook, new, origin, job, keep, seam),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            dbr=base_at >> 16,
            inputs={
                "A.lo": span(0, 15, 0, 15),
                tables16: span(0, 3, 0, 1),
                "$7E0022:w": {"range": [0, 0xFFFF], "boundaries": [0, 0x00FF, 0x0100, 0xFFFF]},
            },
            outputs=[
                "X",
                "flag:C",
                tables16,
                "$7E0E20..$7E0E2F",
                "$7E0E50..$7E0E5F",
                "$7E0DF0..$7E0DFF",
                "$7E0F50..$7E0F5F",
                "$7E0D10..$7E0D1F",
                "$7E0D30..$7E0D3F",
            ],
            preserve=["Y"],
            cases=128,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("tables", r"table", r"per.type", r"lookup"),
            fact("bank", r"\bPHB\b", r"\bPHK\b", r"data bank"),
            fact("position", r"position", r"offset", r"\$22", r"16-bit"),
        ),
        forbid=(*COMMON_FORBID, r"added to the low byte only"),
        explanation=(
            f"The patch puts JSL {new} and two NOPs over the state and HP stores. The new routine switches "
            "DBR to its bank (PHB/PHK/PLB), saves Y and indexes the tables by type: bit 7 of props picks state $08 or $09, "
            "then HP, timer and the low nibble of props are stored, and the x position is Link's x plus the "
            "sign-extended offset (ADC #$FF for a negative one carries into the high byte). It restores Y "
            "and DBR and returns with RTL to the base's SEC/RTL."
        ),
        false_claims=("The offset is added to the low byte only.",),
        tags=("hook", "jsl", "phb-phk-plb", "sprites", "tables", "16-bit-position", "hard"),
        params={"base": base_at, "origin": origin, "hp": hp, "timer": timer, "props": props, "xoff": xoff},
        base=base,
        origin=origin,
    )


KERNELS = {
    "hook_armor_table": hook_armor_table,
    "hook_item_give": hook_item_give,
    "hook_menu_flags": hook_menu_flags,
    "hook_zone_check": hook_zone_check,
    "hook_tick_timers": hook_tick_timers,
    "hook_skip_damage": hook_skip_damage,
    "hook_char_remap": hook_char_remap,
    "hook_ice_friction": hook_ice_friction,
    "hook_spawn_init": hook_spawn_init,
}
