"""Video kernels: what a SNES game does to the PPU between frames.

DMA uploads of tiles and tilemaps into VRAM ($2115-$2119 with the DMA channel registers $43x0-$43x6
and $420B), VRAM fills with a fixed-source DMA, VRAM and CGRAM read-back (the VRAM prefetch latch, the
CGRAM open-bus bit), CGRAM palettes by DMA and by CPU, palette fades per 5-bit component, OAM buffers
with the packed high table and their DMA upload, tilemap rows and columns (VMAIN increment 32), HDMA
tables built as data (never enabled: the emulator stops on HDMA), INIDISP brightness and BG scroll
registers (write-twice latches). Register facts (addresses, bit layouts) are facts about the console,
written from the hardware documentation; no game's code is copied.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import replace

from harness.errors import TaskDataError
from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict, word_range

__all__ = [
    "KERNELS",
    "aligned",
    "bg_parallax_scroll",
    "cgram_palette_dma",
    "cgram_read_colours",
    "cgram_set_rgb",
    "dma_tile_upload",
    "dma_tilemap_rect",
    "hdma_gradient_table",
    "hdma_wave_table",
    "inidisp_fade_step",
    "oam_build_table",
    "oam_dma_upload",
    "oam_hide_from",
    "oam_set_high_bits",
    "palette_fade_step",
    "palette_scale_hw",
    "patch",
    "tidied",
    "tilemap_scroll_column",
    "tilemap_text_row",
    "vram_fill_dma",
    "vram_read_dma",
]

_VRAM_PORT = "$002115..$002117"


def patch(source: str, old: str, new: str, count: int = 1) -> str:
    """`source` with the first `count` occurrences of `old` replaced by `new`.

    Drafts are written as edits of the reference; an edit whose text is not there would silently give
    a "bug" identical to the reference, so a missing `old` raises at build time instead."""
    if source.count(old) < count:
        raise TaskDataError(f"kernel draft edit: {old!r} occurs {source.count(old)} time(s), need {count}")
    return source.replace(old, new, count)


def aligned(lo: int, hi: int, values: Sequence[int]) -> dict[str, object]:
    """A range domain whose boundaries keep their order (`span` sorts them), so the k-th edge case of
    several inputs can be chosen together: edge case k gives every input its k-th boundary."""
    if len(set(values)) != len(values) or not all(lo <= v <= hi for v in values):
        raise TaskDataError(f"aligned boundaries {list(values)} must be distinct and inside [{lo}, {hi}]")
    return {"range": [lo, hi], "boundaries": list(values)}


def tidied(builder: Callable[[random.Random], Routine]) -> Callable[[random.Random], Routine]:
    """A builder whose sources have their `;` comments aligned (column 29), so prompts read cleanly
    whatever width the seed's addresses and constants gave the code before them."""

    @functools.wraps(builder)
    def build(rng: random.Random) -> Routine:
        routine = builder(rng)
        return replace(
            routine,
            reference=_align_comments(routine.reference),
            slow=tuple(replace(d, source=_align_comments(d.source)) for d in routine.slow),
            bugs=tuple(replace(d, source=_align_comments(d.source)) for d in routine.bugs),
        )

    return build


def _align_comments(source: str) -> str:
    lines = []
    for line in source.splitlines():
        code, sep, comment = line.partition(";")
        if sep and code.strip():
            line = f"{code.rstrip():<27} ;{comment}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _dma_regs(channel: int) -> str:
    """The writable span of one DMA channel's registers ($43c0-$43cB)."""
    return f"$0043{channel}0..$0043{channel}B"


def _long(address: int) -> str:
    """A 24-bit operand: `$7F2000`."""
    return f"${address:06X}"


def _range(first: int, count: int) -> str:
    """A WRAM byte range location `$7Exxxx..$7Exxxx` of `count` bytes."""
    return f"${first:06X}..${first + count - 1:06X}"


def _vram(first_byte: int, count: int) -> str:
    return f"vram:${first_byte:04X}..${first_byte + count - 1:04X}"


def _wram(address: int) -> int:
    """A bank-$00 address below $2000 as its canonical WRAM address."""
    return 0x7E0000 | address if address < 0x2000 else address


# ------------------------------------------------------------------------------------ VRAM uploads


@tidied
def dma_tile_upload(rng: random.Random) -> Routine:
    """A (1-N) tiles of 2bpp/4bpp graphics from a WRAM buffer to VRAM by DMA mode 1 ($2118/$2119)."""
    ch = rng.randrange(8)
    bpp = rng.choice([2, 4])
    tile_bytes = 8 * bpp
    shifts = 4 if bpp == 2 else 5
    most = rng.choice([4, 6, 8])
    # Sources in banks $7E/$7F above $2000 with a nonzero offset: a bank-$00 mirror or an offset of 0 would make
    # some register writes redundant (their mutants equivalent).
    src = rng.choice([0x7E2000, 0x7E3400, 0x7F0400, 0x7F4800, 0x7E9000])
    dest = rng.choice([0x0000, 0x1000, 0x2800, 0x4000, 0x6000, 0x7000])
    entry = rng.choice(["UploadTiles", "Gfx_UploadTiles", "DmaTilesToVram", "LoadSpriteTiles"])
    ref = asm(f"""
        {entry}:
            REP #$20
            AND #$00FF
            ASL A
            STA $43{ch}5
            LDA #$1801
            STA $43{ch}0
            LDA #{hex16(src)}
            STA $43{ch}2
            LDA #{hex16(dest)}
            STA $2116
            SEP #$20
            LDA #{hex8(src >> 16)}
            STA $43{ch}4
            LDA #$80
            STA $2115
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """).replace("    ASL A\n", "    ASL A\n" * shifts)
    slow = Draft(
        "count-loop",
        asm(f"""
        {entry}:
            TAX
            REP #$20
            LDA #$0000
        .size:
            CLC
            ADC #{hex16(tile_bytes)}
            DEX
            BNE .size
            STA $43{ch}5
            SEP #$20
            LDA #$01
            STA $43{ch}0
            LDA #$18
            STA $43{ch}1
            LDA #{hex8(src)}
            STA $43{ch}2
            LDA #{hex8(src >> 8)}
            STA $43{ch}3
            LDA #{hex8(src >> 16)}
            STA $43{ch}4
            LDA #$80
            STA $2115
            LDA #{hex8(dest)}
            STA $2116
            LDA #{hex8(dest >> 8)}
            STA $2117
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """),
        f"adds {tile_bytes} once per tile in a loop instead of shifting, and sets every register byte by byte",
    )
    bugs = (
        Draft(
            "no-mask",
            patch(ref, "    AND #$00FF\n", ""),
            "B (the high byte of A) is garbage: the count is huge",
        ),
        Draft(
            "vmain-low",
            patch(ref, "LDA #$80\n", "LDA #$00\n"),
            "VMAIN $00 increments after the low byte: every high byte lands in the next word",
        ),
        Draft("mode-0", patch(ref, "LDA #$1801", "LDA #$1800"), "DMA mode 0 writes every byte to $2118 only"),
        Draft(
            "byte-address",
            patch(ref, f"LDA #{hex16(dest)}", f"LDA #{hex16(dest * 2 + tile_bytes)}"),
            "the VRAM address register takes a word address, not a byte address",
        ),
    )
    last = 2 * dest + most * tile_bytes
    details = (
        f"A (8-bit, 1-{most}) is the number of {bpp}bpp tiles ({tile_bytes} bytes each) to copy from the "
        f"buffer at ${src:06X} to VRAM, starting at VRAM word address ${dest:04X} (byte ${2 * dest:04X}); B, "
        f"the high byte of A, holds garbage. Use general-purpose DMA on channel {ch} ($43{ch}0-$43{ch}6, "
        f"transfer mode 1 to $2118/$2119) with VMAIN ($2115) = $80, one-word increment after the high "
        f"byte. Observable: VRAM bytes ${2 * dest:04X}-${last - 1:04X}. A and X may be clobbered; keep Y. "
        f"VMAIN, the VRAM address $2116/$2117 and channel {ch}'s registers may be left changed."
    )
    return Routine(
        kernel="dma_tile_upload",
        entry=entry,
        call="jsr",
        summary=f"DMA A (1-{most}) {bpp}bpp tiles from ${src:06X} to VRAM word ${dest:04X} on channel {ch}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": span(1, most, 1, 2, most - 1, most),
                _range(src, most * tile_bytes): byte_range(),
            },
            outputs=[_vram(2 * dest, most * tile_bytes)],
            preserve=["Y"],
            writable=[_VRAM_PORT, _dma_regs(ch)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("dma", r"\bDMA\b", r"\$420B"),
            fact("vram", r"\bVRAM\b", r"\$2118", r"\$2116"),
            fact("count", rf"\b{tile_bytes}\b", r"tiles?", r"byte count", r"\$43\d5"),
        ),
        forbid=(*COMMON_FORBID, r"\bCPU loop\b"),
        explanation=(
            f"Masks the tile count in A to a byte and shifts it left {shifts} times (times {tile_bytes}) to "
            f"get the byte count for $43{ch}5. Channel {ch} is set to mode 1 towards $2118 ($1801) with the "
            f"source ${src:06X}; the VRAM address $2116 gets ${dest:04X} and VMAIN $80. Writing "
            f"{hex8(1 << ch)} to $420B starts the DMA, which copies the tiles into VRAM. RTS."
        ),
        false_claims=("It copies the tiles with a CPU loop through $2118.",),
        tags=("dma", "vram", "tiles", "ppu"),
        params={"channel": ch, "bpp": bpp, "most": most, "src": src, "dest": dest},
    )


@tidied
def dma_tilemap_rect(rng: random.Random) -> Routine:
    """A W x H block of tilemap entries to tilemap cell (X, Y): one DMA per row, VMADD + 32 per row."""
    ch = rng.randrange(8)
    width, height = rng.choice([4, 6, 8]), rng.choice([3, 4, 5])
    base = rng.choice([0x0000, 0x0400, 0x1800, 0x3C00, 0x5000, 0x7C00])
    buf = rng.choice([0x7E3000, 0x7F1000, 0x7E6A00, 0x7F8000])
    entry = rng.choice(["DrawBlock", "Tilemap_PutRect", "BlitWindow", "DrawMetatileBlock"])
    row_bytes = 2 * width
    ref = asm(f"""
        {entry}:
            REP #$20
            TXA
            CLC
            ADC #{hex16(base)}
            STA $00
            TYA
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ADC $00                 ; carry is clear after the shifts
            STA $00                 ; VRAM word address of the first row
            LDA #$1801
            STA $43{ch}0
            LDA #{hex16(buf)}
            STA $43{ch}2
            SEP #$20
            LDA #{hex8(buf >> 16)}
            STA $43{ch}4
            LDA #$80
            STA $2115
            LDX #{hex8(height)}
        .row:
            REP #$20
            LDA $00
            STA $2116
            ADC #$0020              ; next tilemap row (no carry: the address stays below $8000)
            STA $00
            LDA #{hex16(row_bytes)}
            STA $43{ch}5
            SEP #$20
            LDA #{hex8(1 << ch)}
            STA $420B
            DEX
            BNE .row
            RTS
        """)
    slow = Draft(
        "cpu-entries",
        asm(f"""
        {entry}:
            REP #$20
            TXA
            CLC
            ADC #{hex16(base)}
            STA $00
            TYA
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ADC $00
            STA $00
            SEP #$20
            LDA #$80
            STA $2115
            LDA #{hex8(height)}
            STA $03
            LDX #$00
        .row:
            REP #$20
            LDA $00
            STA $2116
            CLC
            ADC #$0020
            STA $00
            SEP #$20
            LDA #{hex8(width)}
            STA $02
        .entry:
            REP #$20
            LDA {_long(buf)},X
            STA $2118
            SEP #$20
            INX
            INX
            DEC $02
            BNE .entry
            DEC $03
            BNE .row
            RTS
        """),
        "writes every entry through $2118/$2119 with the CPU instead of one DMA per row",
    )
    bugs = (
        Draft(
            "entry-count",
            patch(ref, f"LDA #{hex16(row_bytes)}", f"LDA #{hex16(width)}"),
            "the DMA count is in bytes, not entries: only half of each row arrives",
        ),
        Draft(
            "byte-stride",
            patch(ref, "ADC #$0020", "ADC #$0040"),
            "steps 64 words per row (a byte-address stride)",
        ),
        Draft("bpl-rows", patch(ref, "BNE .row", "BPL .row"), "one row too many"),
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the entry carry is added into the address"),
        Draft(
            "x-y-swapped",
            patch(patch(patch(ref, "TXA", "TMP"), "TYA", "TXA"), "TMP", "TYA"),
            "row and column swapped",
        ),
    )
    region = _vram(2 * base, 0x800)
    details = (
        f"Copy a block of {width} x {height} tilemap entries (16-bit words, row after row, {row_bytes} bytes "
        f"per row) from ${buf:06X} into the 32 x 32 tilemap at VRAM word address ${base:04X}, with its top-left "
        f"entry at column X (0-{32 - width}) and row Y (0-{32 - height}) (8-bit index registers). Entry (col, "
        f"row) of the tilemap is the word at ${base:04X} + row * 32 + col. Use DMA channel {ch} (mode 1 to "
        f"$2118/$2119, VMAIN $80); only its registers $43{ch}0-$43{ch}B, VMAIN and the VRAM address may be left "
        f"changed. Observable: the whole tilemap, VRAM bytes ${2 * base:04X}-${2 * base + 0x7FF:04X}. A and X "
        "may be clobbered; keep Y."
    )
    return Routine(
        kernel="dma_tilemap_rect",
        entry=entry,
        call="jsr",
        summary=f"DMA a {width}x{height} block of tilemap entries from ${buf:06X} to tilemap cell (X, Y), one row "
        "per DMA.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 32 - width, 0, 32 - width),
                "Y": span(0, 32 - height, 0, 32 - height),
                _range(buf, width * height * 2): byte_range(),
            },
            outputs=[region],
            preserve=["Y"],
            writable=[_VRAM_PORT, _dma_regs(ch)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("dma", r"\bDMA\b", r"\$420B"),
            fact("rows", r"\brows?\b", r"\$0020", r"\b32\b"),
            fact("address", r"\bVRAM\b", r"\$2116", r"address"),
        ),
        forbid=(*COMMON_FORBID, r"\bone DMA for the whole block\b"),
        explanation=(
            f"Computes the VRAM word address of cell (X, Y) as ${base:04X} + X + Y * 32 (five ASLs) in $00, sets "
            f"channel {ch} to mode 1 towards $2118 from ${buf:06X} and VMAIN $80, then for each of the {height} "
            f"rows writes the address to $2116, adds $0020 for the next row, loads the byte count {row_bytes} "
            f"into $43{ch}5 and starts the DMA with $420B. The source address keeps advancing across the "
            "transfers, so the rows follow each other in the buffer. RTS."
        ),
        false_claims=("It uses one DMA for the whole block and MUL for the row offset.",),
        tags=("dma", "vram", "tilemap", "loop", "ppu"),
        params={"channel": ch, "width": width, "height": height, "base": base, "buf": buf},
    )


@tidied
def vram_fill_dma(rng: random.Random) -> Routine:
    """Fill tilemap rows with one entry word: two fixed-source DMAs (low bytes, then high bytes)."""
    ch = rng.randrange(8)
    rows = rng.choice([4, 6, 8, 12])
    words = 32 * rows
    base = rng.choice([0x0000, 0x0800, 0x2C00, 0x5800, 0x6400, 0x7800])
    pal = rng.choice([0x0E10, 0x1F40, 0x0720, 0x1C02])
    priority = rng.choice([True, False])
    entry = rng.choice(["ClearTilemapRows", "FillTilemap", "Bg_ClearRows", "BlankLayer"])
    prio_lines = "    LDA #$2000\n    TSB $00\n" if priority else ""
    head = asm(f"""
        {entry}:
            AND #$03FF
            STA $00
            LDA ${pal:04X}
            AND #$0007
            XBA
            ASL A
            ASL A
            TSB $00                 ; $00 = the entry word: tile | palette << 10
        """)
    tail = asm(f"""
            LDA #$1808              ; mode 0 to $2118, fixed source
            STA $43{ch}0
            STZ $43{ch}2            ; source $00:0000, the entry's low byte
            LDX #{hex16(words)}
            STX $43{ch}5
            LDX #{hex16(base)}
            STX $2116
            SEP #$20
            STZ $43{ch}4
            STZ $2115               ; increment after the low byte
            LDA #{hex8(1 << ch)}
            STA $420B
            LDA #$19                ; second pass: the high bytes through $2119
            STA $43{ch}1
            LDA #$01
            STA $43{ch}2
            STX $2116
            LDX #{hex16(words)}
            STX $43{ch}5
            LDA #$80
            STA $2115
            LDA #{hex8(1 << ch)}
            STA $420B
            REP #$20
            RTS
        """)
    tail = (
        "\n".join(
            "    " + line.strip() if line.strip() and not line.startswith(" " * 4) else line
            for line in tail.splitlines()
        )
        + "\n"
    )
    ref = head + prio_lines + tail
    prio_text = " | $2000 (priority)" if priority else ""
    slow_head = asm(f"""
        {entry}:
            AND #$03FF
            STA $00
            LDA ${pal:04X}
            AND #$0007
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ORA $00
            STA $00
        """) + ("    LDA $00\n    ORA #$2000\n    STA $00\n" if priority else "")
    slow_tail = asm(f"""
        SEP #$20
        STZ $2115
        LDA #$08
        STA $43{ch}0
        LDA #$18
        STA $43{ch}1
        STZ $43{ch}2
        STZ $43{ch}3
        STZ $43{ch}4
        LDA #{hex8(words)}
        STA $43{ch}5
        LDA #{hex8(words >> 8)}
        STA $43{ch}6
        LDA #{hex8(base)}
        STA $2116
        LDA #{hex8(base >> 8)}
        STA $2117
        LDA #{hex8(1 << ch)}
        STA $420B
        LDA #$80
        STA $2115
        LDA #$08
        STA $43{ch}0
        LDA #$19
        STA $43{ch}1
        LDA #$01
        STA $43{ch}2
        STZ $43{ch}3
        STZ $43{ch}4
        LDA #{hex8(words)}
        STA $43{ch}5
        LDA #{hex8(words >> 8)}
        STA $43{ch}6
        LDA #{hex8(base)}
        STA $2116
        LDA #{hex8(base >> 8)}
        STA $2117
        LDA #{hex8(1 << ch)}
        STA $420B
        REP #$20
        RTS
        """)
    slow_tail = "".join("    " + line + "\n" for line in slow_tail.splitlines())
    slow = Draft(
        "ten-shifts",
        slow_head + slow_tail,
        "shifts the palette with ten ASLs instead of XBA, and sets every register of both passes byte by byte",
    )
    bugs = (
        Draft(
            "no-readdress",
            patch(ref, "    STX $2116\n    LDX", "    LDX"),
            "the second pass starts where the first ended, not at the first word again",
        ),
        Draft(
            "not-fixed",
            patch(ref, "LDA #$1808", "LDA #$1800"),
            "without the fixed-source bit the DMA copies $00, $01, ...",
        ),
        Draft(
            "same-byte",
            patch(ref, "LDA #$01\n", "LDA #$00\n"),
            "the high bytes get the low byte of the entry",
        ),
        Draft(
            "no-pal-mask",
            patch(ref, "    AND #$0007\n", ""),
            "the palette byte's other bits leak into the entry",
        ),
        Draft(
            "vmain-80",
            patch(ref, "STZ $2115", "LDA #$80\n    STA $2115"),
            "VMAIN $80 for the low-byte pass: the address never moves and every byte lands in one word",
        ),
    )
    details = (
        f"A (16-bit) holds a tile number in bits 0-9 (bits 10-15 are ignored); the byte at ${pal:04X} holds a "
        f"palette number in bits 0-2 (its other bits are ignored). Fill the first {rows} rows of the tilemap at VRAM "
        f"word address ${base:04X} ({words} words, ${base:04X}-${base + words - 1:04X}) with the entry word "
        f"tile | palette << 10{prio_text}. Use DMA (a fixed-source transfer writes one byte to every register it "
        f"visits, so the low and the high bytes take one pass each) on channel {ch}; its registers "
        f"$43{ch}0-$43{ch}B, VMAIN and the VRAM address may be left changed. Observable: VRAM bytes "
        f"${2 * base:04X}-${2 * (base + words) - 1:04X}. Mode m=0, x=0. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="vram_fill_dma",
        entry=entry,
        call="jsr",
        summary=f"Fill {rows} tilemap rows at VRAM ${base:04X} with one entry word by two fixed-source DMAs on "
        f"channel {ch}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={"A": word_range(0x03FF, 0x0400, 0xFC00), f"${_wram(pal):06X}": byte_range(7, 8, 0xF8)},
            outputs=[_vram(2 * base, 2 * words)],
            preserve=["Y"],
            writable=[_VRAM_PORT, _dma_regs(ch)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("fixed", r"fixed", r"\$1808", r"same byte"),
            fact("two-pass", r"two (passes|DMAs|transfers)", r"second (pass|DMA|transfer)", r"\$2119"),
            fact("vmain", r"VMAIN", r"\$2115", r"increment"),
        ),
        forbid=(*COMMON_FORBID, r"\bmode 1\b"),
        explanation=(
            f"Builds the entry word in $00: the tile (A AND $03FF) with the palette (the byte at ${pal:04X} AND 7, "
            f"XBA and two ASLs make it palette << 10) set by TSB{' and the priority bit $2000' if priority else ''}. "
            f"Channel {ch} then runs two fixed-source DMAs of {words} bytes from $00:0000: first to $2118 with VMAIN "
            f"0 (increment after the low byte) from $00, then, after resetting the VRAM address to ${base:04X}, to "
            "$2119 with VMAIN $80 from $01, so every word of the rows gets the entry. RTS with m=0."
        ),
        false_claims=("It uses MUL to place the palette bits.",),
        tags=("dma", "vram", "fill", "tilemap", "fixed-source", "ppu"),
        params={"channel": ch, "rows": rows, "base": base, "pal": pal, "priority": priority},
    )


@tidied
def tilemap_scroll_column(rng: random.Random) -> Routine:
    """Stream one 32-entry column into a 64x32 tilemap by DMA with VMAIN $81 (increment 32)."""
    ch = rng.randrange(8)
    base = rng.choice([0x0000, 0x0800, 0x1000, 0x3000, 0x5800, 0x7000])
    buf = rng.choice([0x7E2400, 0x7F0400, 0x7E5C00, 0x7F3000])
    entry = rng.choice(["UploadColumn", "Scroll_DrawColumn", "StreamTilemapColumn", "Bg1_NewColumn"])
    ref = asm(f"""
        {entry}:
            REP #$20
            AND #$003F
            BIT #$0020
            BEQ .left
            EOR #$0420              ; right screen: column - 32, plus $400 words
        .left:
            CLC
            ADC #{hex16(base)}
            STA $2116
            LDA #$1801
            STA $43{ch}0
            LDA #{hex16(buf)}
            STA $43{ch}2
            LDA #$0040
            STA $43{ch}5
            SEP #$20
            LDA #{hex8(buf >> 16)}
            STA $43{ch}4
            LDA #$81                ; increment 32 words after the high byte: down the column
            STA $2115
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """)
    slow = Draft(
        "cpu-column",
        asm(f"""
        {entry}:
            REP #$20
            AND #$003F
            CMP #$0020
            BCC .left
            SEC
            SBC #$0020
            CLC
            ADC #$0400
        .left:
            CLC
            ADC #{hex16(base)}
            STA $2116
            SEP #$20
            LDA #$81
            STA $2115
            LDX #$00
        .loop:
            REP #$20
            LDA {_long(buf)},X
            STA $2118
            SEP #$20
            INX
            INX
            CPX #$40
            BNE .loop
            RTS
        """),
        "writes the 32 entries with a CPU loop instead of one DMA",
    )
    bugs = (
        Draft(
            "vmain-80",
            patch(ref, "LDA #$81", "LDA #$80"),
            "VMAIN $80 steps one word: it draws a row, not a column",
        ),
        Draft("no-mask", patch(ref, "    AND #$003F\n", ""), "B, the high byte of A, is garbage"),
        Draft(
            "no-wrap",
            patch(ref, "EOR #$0420", "EOR #$0400"),
            "the right screen's column keeps bit 5: 32 words too far",
        ),
        Draft("screens-swapped", patch(ref, "BEQ .left", "BNE .left"), "columns 0-31 go to the right screen"),
    )
    details = (
        f"A (8-bit, 0-63; B holds garbage) is a column of a 64 x 32 tilemap made of two 32 x 32 screens: the "
        f"left screen at VRAM word address ${base:04X}, the right one at ${base + 0x400:04X}; entry (col, row) of a "
        f"screen is the word at its base + row * 32 + col. Copy the 32 entries (64 bytes, top row first) at "
        f"${buf:06X} down that column using DMA channel {ch} (mode 1 to $2118/$2119) and VMAIN $81 (increment 32 "
        f"words after the high byte). Channel {ch}'s registers $43{ch}0-$43{ch}B, VMAIN and the VRAM address may be "
        f"left changed. Observable: both screens, VRAM bytes ${2 * base:04X}-${2 * base + 0xFFF:04X}. A and X may "
        "be clobbered; keep Y."
    )
    return Routine(
        kernel="tilemap_scroll_column",
        entry=entry,
        call="jsr",
        summary=f"DMA the 32-entry column buffer at ${buf:06X} into column A (0-63) of the 64x32 tilemap at VRAM "
        f"${base:04X}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": span(0, 63, 0, 1, 31, 32, 33, 63), _range(buf, 64): byte_range()},
            outputs=[_vram(2 * base, 0x1000)],
            preserve=["Y"],
            writable=[_VRAM_PORT, _dma_regs(ch)],
            cases=64,
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("column", r"column", r"\$81", r"increment (by )?32"),
            fact("screen", r"screen", r"\$0?400", r"\$0420"),
            fact("dma", r"\bDMA\b", r"\$420B"),
        ),
        forbid=(*COMMON_FORBID, r"VMAIN \$80\b"),
        explanation=(
            f"Masks the column to 0-63 in 16-bit mode; for columns 32-63 (bit 5 set) EOR #$0420 removes the 32 and "
            f"adds $400 words, the second screen. Adding ${base:04X} gives the VRAM word address of the column's top "
            f"entry, written to $2116. Channel {ch} copies 64 bytes from ${buf:06X} to $2118/$2119 in mode 1 and "
            "VMAIN $81 moves the address 32 words (one row) after each high byte, so the entries go down the column. "
            "RTS."
        ),
        false_claims=("It uses VMAIN $80 and writes a row.",),
        tags=("dma", "vram", "tilemap", "scrolling", "vmain", "ppu"),
        params={"channel": ch, "base": base, "buf": buf},
    )


@tidied
def vram_read_dma(rng: random.Random) -> Routine:
    """Read N words of VRAM into WRAM by B->A DMA from $2139/$213A, after the prefetch dummy read."""
    ch = rng.randrange(8)
    words = rng.choice([16, 24, 32, 48])
    src = rng.choice([0x0200, 0x1800, 0x4A00, 0x6000, 0x7F00 - words])
    buf = rng.choice([0x7E2C00, 0x7F6000, 0x7E3400, 0x7F1A00])
    entry = rng.choice(["ReadVramBlock", "Vram_Backup", "SaveTilesFromVram", "CopyVramToRam"])
    ref = asm(f"""
        {entry}:
            LDA #$80
            STA $2115
            REP #$20
            LDA #{hex16(src)}
            STA $2116
            LDA $2139               ; dummy read: the $213A half reloads the prefetch latch
            LDA #$3981              ; B->A, mode 1, from $2139/$213A
            STA $43{ch}0
            LDA #{hex16(buf)}
            STA $43{ch}2
            LDA #{hex16(2 * words)}
            STA $43{ch}5
            SEP #$20
            LDA #{hex8(buf >> 16)}
            STA $43{ch}4
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """)
    slow = Draft(
        "cpu-read",
        asm(f"""
        {entry}:
            LDA #$80
            STA $2115
            REP #$20
            LDA #{hex16(src)}
            STA $2116
            LDA $2139
            LDX #$00
        .loop:
            LDA $2139
            STA {_long(buf)},X
            INX
            INX
            CPX #{hex8(2 * words)}
            BNE .loop
            SEP #$20
            RTS
        """),
        "reads the words with a CPU loop instead of a B->A DMA",
    )
    bugs = (
        Draft(
            "no-dummy",
            patch(
                ref,
                "    LDA $2139               ; dummy read: the $213A half reloads the prefetch latch\n",
                "",
            ),
            "without the dummy read the first word arrives twice",
        ),
        Draft(
            "dummy-low",
            patch(ref, "LDA $2139 ", "LDX $2139 "),
            "an 8-bit dummy read of $2139 does not reload the latch when VMAIN bit 7 is set",
        ),
        Draft("mode-0", patch(ref, "LDA #$3981", "LDA #$3980"), "mode 0 reads every byte from $2139"),
        Draft("vmain-0", patch(ref, "LDA #$80", "LDA #$00"), "VMAIN $00 increments after the low byte"),
    )
    details = (
        f"Copy {words} words of VRAM starting at word address ${src:04X} into WRAM at ${buf:06X} (low byte first) "
        f"using DMA channel {ch} in the B->A direction from $2139/$213A. VRAM reads are prefetched: setting "
        "$2116/$2117 loads a latch with the word there, and the read of the byte that increments the address "
        "returns the latched byte, reloads the latch from the current address and then increments it, so after "
        "setting the address one dummy read is needed. Channel "
        f"{ch}'s registers $43{ch}0-$43{ch}B, VMAIN and the VRAM address may be left changed. Observable: "
        f"${buf:06X}-${buf + 2 * words - 1:06X}. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="vram_read_dma",
        entry=entry,
        call="jsr",
        summary=f"Read {words} words of VRAM from word ${src:04X} into ${buf:06X} with a B->A DMA on channel {ch}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={_vram(2 * src, 2 * words + 2): byte_range()},
            outputs=[_range(buf, 2 * words)],
            preserve=["Y"],
            writable=[_VRAM_PORT, _dma_regs(ch)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("readback", r"\$2139", r"\$213A", r"read(s|ing)? (back )?(from )?VRAM"),
            fact("dummy", r"dummy", r"prefetch", r"latch"),
            fact("direction", r"B.?->.?A", r"\$3981", r"into WRAM", r"direction"),
        ),
        forbid=(*COMMON_FORBID, r"writes? (the words )?(in)?to VRAM"),
        explanation=(
            f"Sets VMAIN $80 and the VRAM address ${src:04X}, then does a 16-bit dummy read of $2139/$213A: the "
            f"$213A read reloads the prefetch latch from ${src:04X} and increments the address. Channel {ch} is set "
            f"B->A in mode 1 from $2139 ($3981) into ${buf:06X} with a count of {2 * words} bytes and started with "
            "$420B, which copies the words into WRAM. RTS."
        ),
        false_claims=("It writes the words to VRAM through $2118.",),
        tags=("dma", "vram", "readback", "prefetch", "ppu"),
        params={"channel": ch, "words": words, "src": src, "buf": buf},
    )


@tidied
def tilemap_text_row(rng: random.Random) -> Routine:
    """A $FF-terminated string of tile numbers into a tilemap row at (X, Y) with a fixed attribute byte."""
    longest = rng.choice([8, 10, 12, 16])
    base = rng.choice([0x0400, 0x2000, 0x3800, 0x5C00, 0x7C00])
    text = rng.choice([0x1F00, 0x0C80, 0x7F1200, 0x7E4400])
    attr = rng.choice([0x20, 0x24, 0x28, 0x2C, 0x30, 0x34, 0x38, 0x3C])
    entry = rng.choice(["PrintText", "Hud_DrawString", "DrawLabel", "Menu_PrintLine"])
    text_op = f"${text:04X}" if text < 0x2000 else _long(text)
    ref = asm(f"""
        {entry}:
            LDA #$80
            STA $2115
            REP #$20
            TXA
            CLC
            ADC #{hex16(base)}
            STA $00
            TYA
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            ADC $00                 ; carry is clear after the shifts
            STA $2116
            SEP #$20
            LDX #$00
        .char:
            LDA {text_op},X
            CMP #$FF
            BEQ .done
            STA $2118
            LDA #{hex8(attr)}
            STA $2119
            INX
            BRA .char
        .done:
            RTS
        """)
    slow = Draft(
        "word-per-char",
        asm(f"""
        {entry}:
            REP #$20
            TXA
            CLC
            ADC #{hex16(base)}
            STA $00
            TYA
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            CLC
            ADC $00
            STA $2116
            SEP #$20
            LDA #$80
            STA $2115
            LDX #$00
        .char:
            LDA {text_op},X
            CMP #$FF
            BEQ .done
            REP #$20
            AND #$00FF
            ORA #{hex16(attr << 8)}
            STA $2118
            SEP #$20
            INX
            BRA .char
        .done:
            RTS
        """),
        "builds each entry word in 16-bit mode (mask, OR in the attribute) instead of two 8-bit port writes",
    )
    bugs = (
        Draft(
            "vmain-00",
            patch(ref, "LDA #$80", "LDA #$00"),
            "VMAIN $00: the attribute byte lands in the next word",
        ),
        Draft(
            "bmi-end",
            patch(ref, "    CMP #$FF\n    BEQ .done\n", "    BMI .done\n"),
            "stops at any tile number of $80 or more",
        ),
        Draft("row-16", patch(ref, "    ASL A\n", ""), "rows are 32 entries wide, not 16"),
        Draft(
            "attr-first",
            patch(
                ref,
                f"    STA $2118\n    LDA #{hex8(attr)}\n    STA $2119\n",
                f"    XBA\n    LDA #{hex8(attr)}\n    STA $2119\n    XBA\n    STA $2118\n",
            ),
            "writes $2119 first: with VMAIN $80 that increments before the low byte is written",
        ),
    )
    text_cell = _wram(text)
    details = (
        f"Print a string of tile numbers into the 32 x 32 tilemap at VRAM word address ${base:04X}: X (0-"
        f"{32 - longest}) is the column and Y (0-31) the row of its first character (8-bit index registers); entry "
        f"(col, row) is the word at ${base:04X} + row * 32 + col. The string at ${text_cell:06X} is 0-{longest} "
        f"tile numbers ended by $FF (the byte at ${text_cell + longest:06X} is always $FF; an earlier $FF ends it "
        f"sooner). Each character becomes the entry word tile | {hex8(attr)} << 8 (the attribute byte). Write "
        "through $2118/$2119 with VMAIN $80. VMAIN and the VRAM address may be left changed. Observable: the whole "
        f"tilemap, VRAM bytes ${2 * base:04X}-${2 * base + 0x7FF:04X}. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="tilemap_text_row",
        entry=entry,
        call="jsr",
        summary=f"Print the $FF-terminated tile string at ${text_cell:06X} into the tilemap at VRAM ${base:04X}, "
        "starting at column X, row Y.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "X": span(0, 32 - longest, 0, 32 - longest),
                "Y": span(0, 31, 0, 31),
                _range(text_cell, longest): byte_range(0x00, 0x7F, 0x80, 0xFE, 0xFF),
                f"${text_cell + longest:06X}": span(0xFF, 0xFF),
            },
            outputs=[_vram(2 * base, 0x800)],
            preserve=["Y"],
            writable=[_VRAM_PORT],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("terminator", r"\$FF", r"terminat", r"end marker"),
            fact("attribute", rf"{hex8(attr)}", r"attribute", r"\$2119", r"high byte"),
            fact("address", r"row \* 32", r"\bASL", r"\$2116", r"VRAM address"),
        ),
        forbid=(*COMMON_FORBID, r"\bDMA\b"),
        explanation=(
            f"Sets VMAIN $80, computes the VRAM word address ${base:04X} + X + Y * 32 (five ASLs of Y) and writes it "
            f"to $2116. Then for each byte of the string at ${text_cell:06X} until the $FF terminator it writes the "
            f"tile number to $2118 and the attribute {hex8(attr)} to $2119; the high-byte write advances the address "
            "by one word. RTS."
        ),
        false_claims=("It copies the string with a DMA and uses MUL for the row.",),
        tags=("vram", "tilemap", "text", "variable-length", "ppu"),
        params={"longest": longest, "base": base, "text": text, "attr": attr},
    )


# --------------------------------------------------------------------------------------------- CGRAM


@tidied
def cgram_palette_dma(rng: random.Random) -> Routine:
    """A 16-colour palette row from WRAM to CGRAM row A (0-15) by DMA to $2122."""
    ch = rng.randrange(8)
    src = rng.choice([0x7E2C00, 0x7F2200, 0x7E3A60, 0x7F0100])
    entry = rng.choice(["LoadPaletteRow", "Palette_Upload", "DmaPalette", "SetSubPalette"])
    ref = asm(f"""
        {entry}:
            ASL A
            ASL A
            ASL A
            ASL A
            STA $2121               ; first colour of the row
            STZ $43{ch}0            ; mode 0: one register
            LDA #$22
            STA $43{ch}1
            LDA #{hex8(src >> 16)}
            STA $43{ch}4
            REP #$20
            LDA #{hex16(src)}
            STA $43{ch}2
            LDA #$0020
            STA $43{ch}5
            SEP #$20
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """)
    slow = Draft(
        "cpu-loop",
        asm(f"""
        {entry}:
            ASL A
            ASL A
            ASL A
            ASL A
            STA $2121
            LDX #$00
        .loop:
            LDA {_long(src)},X
            STA $2122
            INX
            CPX #$20
            BNE .loop
            RTS
        """),
        "writes the 32 bytes through $2122 with a CPU loop instead of a DMA",
    )
    bugs = (
        Draft("row-8", patch(ref, "    ASL A\n", ""), "three shifts: rows are 16 colours, not 8"),
        Draft(
            "bytes-16",
            patch(ref, "LDA #$0020", "LDA #$0010"),
            "counts colours, not bytes: only 8 colours arrive",
        ),
        Draft(
            "mode-1",
            patch(ref, f"STZ $43{ch}0            ; mode 0: one register", f"LDA #$01\n    STA $43{ch}0"),
            "mode 1 alternates $2122 and $2123 (a window register)",
        ),
        Draft(
            "cgadd-port",
            patch(ref, "LDA #$22", "LDA #$21"),
            "B-bus $21 is the CGRAM address, not the data port",
        ),
    )
    details = (
        f"A (8-bit, 0-15) is a palette row: CGRAM colours A * 16 to A * 16 + 15. Copy the 16 colours (32 bytes, "
        f"each a little-endian 15-bit BGR word) at ${src:06X} into that row with DMA channel {ch} to $2122 (CGRAM "
        f"writes need the low byte, then the high byte; bit 15 is dropped). Channel {ch}'s registers "
        f"$43{ch}0-$43{ch}B and the CGRAM address $2121 may be left changed. Observable: all of CGRAM "
        "(cgram:$0000-$01FF). A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="cgram_palette_dma",
        entry=entry,
        call="jsr",
        summary=f"DMA the 16 colours at ${src:06X} into CGRAM palette row A (0-15) on channel {ch}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": span(0, 15, 0, 1, 7, 8, 15), _range(src, 32): byte_range()},
            outputs=["cgram:$0000..$01FF"],
            preserve=["Y"],
            writable=["$002121..$002122", _dma_regs(ch)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("cgram", r"\bCGRAM\b", r"\$2122", r"palette"),
            fact("row", r"\* ?16", r"\bASL", r"row"),
            fact("dma", r"\bDMA\b", r"\$420B"),
        ),
        forbid=(*COMMON_FORBID, r"\bVRAM\b"),
        explanation=(
            f"Shifts the row number left four times to get its first colour (row * 16) and writes it to $2121. "
            f"Channel {ch} is set to mode 0 towards $2122 with the source ${src:06X} and a count of $20 bytes "
            "(16 colours of two bytes); writing the channel bit to $420B copies the palette into CGRAM. RTS."
        ),
        false_claims=("It copies the palette into VRAM with MUL.",),
        tags=("dma", "cgram", "palette", "ppu"),
        params={"channel": ch, "src": src},
    )


@tidied
def cgram_set_rgb(rng: random.Random) -> Routine:
    """Pack 5-bit R, G, B bytes into a BGR555 word; store it to a mirror and CGRAM colour k by CPU."""
    var = rng.choice([0x0F40, 0x1B80, 0x0720, 0x1D10])
    mirror = rng.choice([0x1E00, 0x0C40, 0x1A7E])
    colour = rng.choice([0x00, 0x01, 0x11, 0x21, 0x80, 0xF1])
    entry = rng.choice(["SetBackdropColour", "Palette_SetRgb", "MakeColour", "SetFixedColour"])
    red, green, blue = f"${var:04X}", f"${var + 1:04X}", f"${var + 2:04X}"
    ref = asm(f"""
        {entry}:
            REP #$20
            LDA {blue}
            AND #$001F
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            STA $00
            LDA {green}
            AND #$001F
            ADC $00                 ; carry is clear after the shifts
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            STA $00
            LDA {red}
            AND #$001F
            ADC $00
            STA ${mirror:04X}
            SEP #$20
            LDX #{hex8(colour)}
            STX $2121
            STA $2122
            XBA
            STA $2122
            RTS
        """)
    slow = Draft(
        "shift-loops",
        asm(f"""
        {entry}:
            REP #$20
            LDA {blue}
            AND #$001F
            LDX #$05
        .blue:
            ASL A
            DEX
            BNE .blue
            STA $00
            LDA {green}
            AND #$001F
            CLC
            ADC $00
            LDX #$05
        .green:
            ASL A
            DEX
            BNE .green
            STA $00
            LDA {red}
            AND #$001F
            CLC
            ADC $00
            STA ${mirror:04X}
            SEP #$20
            LDX #{hex8(colour)}
            STX $2121
            STA $2122
            XBA
            STA $2122
            RTS
        """),
        "shifts in DEX/BNE loops instead of five ASLs, with CLCs that are not needed",
    )
    bugs = (
        Draft(
            "no-red-mask",
            patch(ref, f"LDA {red}\n    AND #$001F\n", f"LDA {red}\n"),
            "red is not masked: the green byte and bits 5-7 leak in",
        ),
        Draft(
            "green-4",
            patch(
                ref,
                "    ADC $00                 ; carry is clear after the shifts\n    ASL A\n",
                "    ADC $00                 ; carry is clear after the shifts\n",
            ),
            "blue and green shifted four times: green lands in bits 4-8",
        ),
        Draft(
            "high-first",
            patch(
                ref,
                "    STA $2122\n    XBA\n    STA $2122\n",
                "    XBA\n    STA $2122\n    XBA\n    STA $2122\n",
            ),
            "CGRAM takes the low byte first",
        ),
        Draft(
            "rgb-order",
            patch(
                patch(patch(ref, f"LDA {blue}", "LDA TMP"), f"LDA {red}", f"LDA {blue}"),
                "LDA TMP",
                f"LDA {red}",
            ),
            "red in bits 10-14 and blue in bits 0-4: the SNES colour word is BGR",
        ),
    )
    details = (
        f"The bytes $7E{var:04X}, $7E{var + 1:04X} and $7E{var + 2:04X} hold red, green and blue intensities in "
        "their bits 0-4 (bits 5-7 are ignored). Build the SNES colour word blue << 10 | green << 5 | red, store it "
        f"at $7E{mirror:04X} (little-endian) and write it to CGRAM colour {hex8(colour)} through $2121/$2122 (low "
        "byte first). The CGRAM address $2121 may be left changed. Observable: the word $7E"
        f"{mirror:04X} and CGRAM bytes ${2 * colour:03X}-${2 * colour + 1:03X}. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="cgram_set_rgb",
        entry=entry,
        call="jsr",
        summary=f"Pack the 5-bit red, green and blue at ${var:04X}-${var + 2:04X} into a BGR555 word; store it at "
        f"${mirror:04X} and CGRAM colour {hex8(colour)}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={f"$7E{var:04X}..$7E{var + 2:04X}": byte_range(0x1F, 0x20, 0xE0)},
            outputs=[f"$7E{mirror:04X}:w", f"cgram:${2 * colour:04X}..${2 * colour + 1:04X}"],
            preserve=["Y"],
            writable=["$002121..$002122"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("bgr", r"\bBGR", r"blue << ?10", r"bits 10-14", r"15-bit"),
            fact("mask", r"\$001F", r"\$1F\b", r"5 bits", r"five bits", r"mask"),
            fact("cgram", r"\bCGRAM\b", r"\$2122"),
        ),
        forbid=(*COMMON_FORBID, r"\bRGB555\b"),
        explanation=(
            "In 16-bit mode masks blue to five bits and shifts it left five times, adds the masked green (the carry "
            "is clear after the shifts) and shifts five more times, then adds the masked red: blue << 10 | green "
            f"<< 5 | red. The word goes to ${mirror:04X}; back in 8-bit mode {hex8(colour)} is written to $2121 "
            "and the low then the high byte (XBA) to $2122. RTS."
        ),
        false_claims=("It uses MUL to shift the components.",),
        tags=("cgram", "colour", "bit-packing", "16-bit", "ppu"),
        params={"var": var, "mirror": mirror, "colour": colour},
    )


@tidied
def cgram_read_colours(rng: random.Random) -> Routine:
    """Read K colours from CGRAM through $213B, masking the open-bus bit 7 of every high byte."""
    count = rng.choice([8, 16, 24, 32])
    buf = rng.choice([0x1C80, 0x0F00, 0x1340, 0x0A60])
    entry = rng.choice(["SavePalette", "Palette_ReadBack", "CopyCgramToRam", "BackupColours"])
    ref = asm(f"""
        {entry}:
            STA $2121
            LDX #$00
        .loop:
            LDA $213B
            STA ${buf:04X},X
            LDA $213B
            AND #$7F                ; bit 7 of the high byte is open bus
            STA ${buf + 1:04X},X
            INX
            INX
            CPX #{hex8(2 * count)}
            BNE .loop
            RTS
        """)
    slow = Draft(
        "address-per-colour",
        asm(f"""
        {entry}:
            STA $00
            LDX #$00
        .loop:
            LDA $00
            STA $2121
            LDA $213B
            STA ${buf:04X},X
            LDA $213B
            AND #$7F
            STA ${buf + 1:04X},X
            INC $00
            INX
            INX
            CPX #{hex8(2 * count)}
            BNE .loop
            RTS
        """),
        "sets the CGRAM address again for every colour instead of letting the reads advance it",
    )
    bugs = (
        Draft(
            "no-mask",
            patch(ref, "    AND #$7F                ; bit 7 of the high byte is open bus\n", ""),
            "keeps the open-bus bit 7 of the high byte",
        ),
        Draft(
            "count-colours",
            patch(ref, f"CPX #{hex8(2 * count)}", f"CPX #{hex8(count)}"),
            "counts colours, not bytes: only half arrive",
        ),
        Draft(
            "mask-low",
            patch(
                patch(ref, "    AND #$7F                ; bit 7 of the high byte is open bus\n", ""),
                f"    LDA $213B\n    STA ${buf:04X},X\n",
                f"    LDA $213B\n    AND #$7F\n    STA ${buf:04X},X\n",
            ),
            "masks the low byte (a real colour bit) instead of the high byte",
        ),
    )
    details = (
        f"A (8-bit, 0-{256 - count}) is a CGRAM colour number. Copy the {count} colours from that one on into "
        f"WRAM at $7E{buf:04X} as little-endian words (low byte first). CGRAM is read through $213B after setting "
        "$2121: low byte, then high byte, and the colour number advances; bit 7 of the high byte is open bus "
        "(whatever was last on the PPU2 bus), so it must be cleared. The CGRAM address $2121 may be left changed. "
        f"Observable: $7E{buf:04X}-$7E{buf + 2 * count - 1:04X}. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="cgram_read_colours",
        entry=entry,
        call="jsr",
        summary=f"Copy {count} CGRAM colours from colour A on into ${buf:04X}, clearing the open-bus bit.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": span(0, 256 - count, 0, 1, 255 - count, 256 - count)},
            outputs=[f"$7E{buf:04X}..$7E{buf + 2 * count - 1:04X}"],
            preserve=["Y"],
            writable=["$002121..$002122"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("read", r"\$213B", r"read(s|ing)? (back )?(from )?CGRAM"),
            fact("open-bus", r"open.bus", r"\$7F\b", r"bit 7"),
            fact("address", r"\$2121", r"colour number", r"address"),
        ),
        forbid=(*COMMON_FORBID, r"\$2122"),
        explanation=(
            f"Writes A to $2121 to select the first colour, then for each of the {count} colours reads $213B twice: "
            f"the low byte is stored at ${buf:04X},X and the high byte, with its open-bus bit 7 cleared by AND #$7F, "
            f"at ${buf + 1:04X},X. X steps by two up to {hex8(2 * count)}. RTS."
        ),
        false_claims=("It writes the colours to $2122.",),
        tags=("cgram", "readback", "open-bus", "loop", "ppu"),
        params={"count": count, "buf": buf},
    )


@tidied
def palette_scale_hw(rng: random.Random) -> Routine:
    """Scale each 5-bit component of N colours by A/16 with the hardware multiplier (a fade buffer)."""
    count = rng.choice([8, 16])
    src, dst = rng.choice([(0x1C00, 0x1E00), (0x0E00, 0x0F00), (0x1A40, 0x1B40), (0x0B00, 0x1D80)])
    entry = rng.choice(["FadePalette", "Palette_ScaleBrightness", "DimColours", "ApplyFadeLevel"])
    ref = asm(f"""
        {entry}:
            STA $4202               ; the brightness stays in the multiplicand
            LDX #{hex8(2 * count - 2)}
        .colour:
            REP #$20
            LDA ${src:04X},X
            STA $00
            LSR A
            LSR A
            LSR A
            LSR A
            LSR A
            SEP #$20
            AND #$1F
            JSR .scale              ; green
            ASL A
            ASL A
            ASL A
            ASL A
            ASL A
            STA $02
            SEP #$20
            LDA $01
            LSR A
            LSR A
            AND #$1F
            JSR .scale              ; blue
            XBA
            ASL A
            ASL A
            TSB $02
            SEP #$20
            LDA $00
            AND #$1F
            JSR .scale              ; red
            TSB $02
            LDA $02
            STA ${dst:04X},X
            SEP #$20
            DEX
            DEX
            BPL .colour
            RTS

        .scale:                     ; A (8-bit) = component; returns (component * brightness) >> 4, 16-bit A
            STA $4203
            REP #$20
            NOP                     ; the product is ready 8 cycles after the $4203 write
            LDA $4216
            LSR A
            LSR A
            LSR A
            LSR A
            RTS
        """)
    slow = Draft(
        "nop-wait-ora",
        patch(
            patch(
                patch(
                    ref,
                    "    NOP                     ; the product",
                    "    NOP\n    NOP\n    NOP\n    NOP ; the product",
                ),
                "    TSB $02\n    SEP",
                "    ORA $02\n    STA $02\n    SEP",
            ),
            "    TSB $02\n    LDA $02\n",
            "    ORA $02\n",
        ),
        "waits four NOPs per product where one covers the multiplier, and ORs through A and STA instead of TSB",
    )
    bugs = (
        Draft(
            "early-read",
            patch(
                patch(
                    ref,
                    "    NOP                     ; the product is ready 8 cycles after the $4203 write\n",
                    "",
                ),
                "    STA $4203\n    REP #$20\n",
                "    REP #$20\n    STA $4203\n",
            ),
            "REP moved before the write and no wait: $4216 is read 4 cycles after the multiply starts",
        ),
        Draft(
            "shift-3",
            patch(
                ref,
                "    LSR A\n    LSR A\n    LSR A\n    LSR A\n    RTS",
                "    LSR A\n    LSR A\n    LSR A\n    RTS",
            ),
            "divides by 8: bright components overflow",
        ),
        Draft(
            "green-4",
            patch(
                ref,
                "    ASL A\n    ASL A\n    ASL A\n    ASL A\n    ASL A\n    STA $02",
                "    ASL A\n    ASL A\n    ASL A\n    ASL A\n    STA $02",
            ),
            "green shifted into bits 4-8",
        ),
        Draft("bne-loop", patch(ref, "BPL .colour", "BNE .colour"), "colour 0 is never scaled"),
        Draft(
            "no-blue-mask",
            patch(ref, "    LSR A\n    LSR A\n    AND #$1F\n", "    LSR A\n    LSR A\n"),
            "bit 15 of the source colour leaks into blue",
        ),
    )
    details = (
        f"A (8-bit, 0-16) is a brightness in sixteenths. For each of the {count} colours at $7E{src:04X} (15-bit "
        "BGR words, red in bits 0-4, green 5-9, blue 10-14; bit 15 is ignored), scale every component c to "
        f"c * A / 16 (rounded down) and store the colour at the same offset of $7E{dst:04X} (bit 15 clear). Use the "
        "hardware multiplier: $4202 and $4203 (writing $4203 starts it), the 16-bit product at $4216/$4217 8 CPU "
        f"cycles later. Observable: $7E{dst:04X}-$7E{dst + 2 * count - 1:04X}. A, X and the multiplier registers "
        "($4202-$4206) may be changed; keep Y."
    )
    return Routine(
        kernel="palette_scale_hw",
        entry=entry,
        call="jsr",
        summary=f"Scale the components of the {count} colours at ${src:04X} by A/16 into ${dst:04X} with the "
        "hardware multiplier.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": span(0, 16, 0, 1, 8, 15, 16),
                _range(_wram(src), 2 * count): byte_range(0x1F, 0x7F, 0x80),
            },
            outputs=[_range(_wram(dst), 2 * count)],
            preserve=["Y"],
            writable=["$004202..$004206"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("components", r"component", r"red", r"\$1F\b", r"5-bit"),
            fact("multiply", r"\$4202", r"\$4203", r"multipl", r"product"),
            fact("scale", r"/ ?16", r"sixteenths?", r"\bLSR", r"shift"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Writes the brightness to $4202 once; for every colour (X steps down by two) it splits the word saved "
            "in $00 into green (five LSRs), blue (the high byte shifted right twice) and red (the low byte), each "
            "masked with AND #$1F. The .scale helper writes a component to $4203, waits out the 8-cycle multiply "
            "(REP and a NOP), reads the product from $4216 and divides it by 16 with four LSRs. The scaled green "
            "is shifted back by five ASLs, blue by XBA and two ASLs, and all three are merged with TSB in $02 and "
            "stored in the destination buffer. RTS."
        ),
        false_claims=("It uses MUL to scale each component.",),
        tags=("palette", "fade", "hardware-multiply", "subroutine", "bit-fields"),
        params={"count": count, "src": src, "dst": dst},
    )


@tidied
def palette_fade_step(rng: random.Random) -> Routine:
    """One fade step: move every component of N colours one unit toward a target palette; upload to CGRAM."""
    count = rng.choice([8, 12, 16])
    first = rng.choice([0x10, 0x20, 0x40, 0x80, 0xA0, 0xE0])
    cur, tgt = rng.choice([(0x1C00, 0x1C40), (0x0E80, 0x0F00), (0x1A00, 0x1B00), (0x0C40, 0x0D40)])
    entry = rng.choice(["FadeToward", "Palette_FadeStep", "StepPaletteFade", "Fade_Tick"])

    def component(mask: int, unit: int, label: str) -> str:
        step = (
            f"    INC A\n    BRA .{label}\n.{label}_down:\n    DEC A\n"
            if unit == 1
            else f"    CLC\n    ADC #{hex16(unit)}\n    BRA .{label}\n.{label}_down:\n    SEC\n    SBC #{hex16(unit)}\n"
        )
        store = "    STA $02\n" if unit == 1 else "    TSB $02\n"
        return (
            f"    LDA ${cur:04X},X\n    AND #{hex16(mask)}\n    STA $00\n    LDA ${tgt:04X},X\n"
            f"    AND #{hex16(mask)}\n    CMP $00\n    BEQ .{label}\n    LDA $00\n    BCC .{label}_down\n"
            f"{step}.{label}:\n{store}"
        )

    body = component(0x001F, 1, "red") + component(0x03E0, 0x20, "green") + component(0x7C00, 0x400, "blue")
    upload = "    SEP #$20\n    STA $2122\n    XBA\n    STA $2122\n"
    ref = (
        f"{entry}:\n    LDA #{hex8(first)}\n    STA $2121\n    LDX #$00\n.colour:\n    REP #$20\n{body}"
        f"    LDA $02\n    STA ${cur:04X},X\n{upload}    INX\n    INX\n    CPX #{hex8(2 * count)}\n"
        "    BNE .colour\n    RTS\n"
    )
    slow = Draft(
        "two-loops",
        (
            f"{entry}:\n    LDX #$00\n.colour:\n    REP #$20\n{body}    LDA $02\n    STA ${cur:04X},X\n"
            f"    SEP #$20\n    INX\n    INX\n    CPX #{hex8(2 * count)}\n    BNE .colour\n"
            f"    LDA #{hex8(first)}\n    STA $2121\n    LDX #$00\n.upload:\n    LDA ${cur:04X},X\n    STA $2122\n"
            f"    INX\n    CPX #{hex8(2 * count)}\n    BNE .upload\n    RTS\n"
        ),
        "updates the buffer in one loop and uploads it to CGRAM in a second loop that reads it back",
    )
    bugs = (
        Draft("bcs-red", patch(ref, "BCC .red_down", "BCS .red_down"), "red moves away from the target"),
        Draft(
            "no-clc",
            patch(ref, "    CLC\n    ADC #$0020\n", "    ADC #$0020\n"),
            "CLC dropped: the carry left by the compare (set) adds one more",
        ),
        Draft(
            "unmasked-target",
            patch(ref, f"    LDA ${tgt:04X},X\n    AND #$7C00\n", f"    LDA ${tgt:04X},X\n"),
            "blue compares the whole target word with the current blue",
        ),
        Draft(
            "no-cgadd",
            patch(ref, f"    LDA #{hex8(first)}\n    STA $2121\n", ""),
            "never sets the CGRAM address: the colours go wherever $2121 pointed",
        ),
        Draft(
            "high-first",
            patch(ref, upload, "    SEP #$20\n    XBA\n    STA $2122\n    XBA\n    STA $2122\n"),
            "CGRAM takes the low byte first",
        ),
    )
    details = (
        f"One step of a palette fade. For each of the {count} colours at $7E{cur:04X} (15-bit BGR words: red bits "
        f"0-4, green 5-9, blue 10-14; bit 15 ignored) and its target at the same offset of $7E{tgt:04X}, move "
        "each 5-bit component one unit toward the target's component (up if below it, down if above it, unchanged "
        f"if equal), store the colour back at $7E{cur:04X} (bit 15 clear) and write it to CGRAM colours "
        f"{hex8(first)}-{hex8(first + count - 1)} through $2121/$2122 (low byte first). The CGRAM address may be "
        f"left changed. Observable: $7E{cur:04X}-$7E{cur + 2 * count - 1:04X} and CGRAM bytes "
        f"${2 * first:03X}-${2 * (first + count) - 1:03X}. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="palette_fade_step",
        entry=entry,
        call="jsr",
        summary=f"Step each component of the {count} colours at ${cur:04X} one unit toward the target palette at "
        f"${tgt:04X} and upload them to CGRAM colour {hex8(first)} on.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={_range(_wram(cur), 2 * count): byte_range(), _range(_wram(tgt), 2 * count): byte_range()},
            outputs=[
                _range(_wram(cur), 2 * count),
                f"cgram:${2 * first:04X}..${2 * (first + count) - 1:04X}",
            ],
            preserve=["Y"],
            writable=["$002121..$002122"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("toward", r"toward", r"one (unit|step)", r"\bINC\b", r"closer"),
            fact("components", r"component", r"\$03E0", r"\$7C00", r"red"),
            fact("cgram", r"\bCGRAM\b", r"\$2122"),
        ),
        forbid=(*COMMON_FORBID, r"\bDMA\b"),
        explanation=(
            f"Sets $2121 to {hex8(first)} and walks the colours with X. For each component mask ($001F red, $03E0 "
            "green, $7C00 blue) it compares the target's component with the current one: equal keeps it, a larger "
            "target adds one unit (INC for red, $0020 for green, $0400 for blue), a smaller one subtracts it. The "
            f"components are merged in $02 (STA, then TSB), stored back to ${cur:04X},X and written to $2122 low "
            "byte first. RTS."
        ),
        false_claims=("It uploads the palette with a DMA.",),
        tags=("palette", "fade", "cgram", "bit-fields", "loop", "ppu"),
        params={"count": count, "first": first, "cur": cur, "tgt": tgt},
    )


# ----------------------------------------------------------------------------------------------- OAM

# OAM high table: 2 bits per entry, entry n in byte n / 4 at bit 2 * (n mod 4): bit 0 = X bit 8, bit 1 = size.
_HIGH_SELECT = (0x03, 0x0C, 0x30, 0xC0)


def _high_insert_table() -> list[int]:
    """Index position * 4 + (X bit 8 << 1 | size): the entry's new bit pair at its position, ones elsewhere."""
    table = []
    for position in range(4):
        for value in range(4):
            x8, size = value >> 1, value & 1
            pair = x8 | size << 1
            table.append((pair << 2 * position) | (~_HIGH_SELECT[position] & 0xFF))
    return table


@tidied
def oam_set_high_bits(rng: random.Random) -> Routine:
    """Set one entry's X bit 8 and size bit in the packed 32-byte OAM high table (masks from tables)."""
    oam = rng.choice([0x0800, 0x0300, 0x1C00, 0x0400])
    high = oam + 0x200
    entry = rng.choice(["Oam_SetHighBits", "SetSpriteXHi", "OamHigh_Write", "PutSpriteSize"])
    insert = ", ".join(hex8(v) for v in _high_insert_table())
    ref = asm(f"""
        {entry}:
            SEP #$20
            XBA                     ; the high byte of the X coordinate
            AND #$01                ; X bit 8
            ROL A                   ; bit 1 = X bit 8, bit 0 = size (the carry)
            STA $00
            TYA
            AND #$03
            TAX                     ; the entry's position in its byte
            LDA .select,X
            STA $01
            TXA
            ASL A
            ASL A
            TSB $00                 ; position * 4 + the two bits
            LDX $00
            LDA .insert,X
            STA $00
            TYA
            LSR A
            LSR A
            TAX                     ; the entry's byte: n / 4
            LDA ${high:04X},X
            ORA $01
            AND $00
            STA ${high:04X},X
            REP #$20
            RTS

        .select:
            db $03, $0C, $30, $C0
        .insert:
            db {insert}
        """)
    slow = Draft(
        "shift-loop",
        asm(f"""
        {entry}:
            SEP #$20
            XBA
            AND #$01
            BCC .small
            ORA #$02
        .small:
            STA $00
            LDA #$03
            STA $01
            TYA
            AND #$03
            TAX
            BEQ .placed
        .shift:
            ASL $00
            ASL $00
            ASL $01
            ASL $01
            DEX
            BNE .shift
        .placed:
            TYA
            LSR A
            LSR A
            TAX
            LDA $01
            EOR #$FF
            AND ${high:04X},X
            ORA $00
            STA ${high:04X},X
            REP #$20
            RTS
        """),
        "moves the bits and the mask into place with a shift loop instead of two table lookups",
    )
    bugs = (
        Draft(
            "no-x8-mask",
            patch(ref, "    AND #$01                ; X bit 8\n", ""),
            "the other bits of the X high byte leak into the index",
        ),
        Draft(
            "byte-n-2",
            patch(
                ref,
                "    LSR A\n    LSR A\n    TAX                     ; the entry's byte",
                "    LSR A\n    TAX                     ; the entry's byte",
            ),
            "four entries share a byte: the byte is n / 4, not n / 2",
        ),
        Draft("keep-old", patch(ref, "    ORA $01\n", ""), "the entry's old bits are not cleared first"),
        Draft(
            "low-byte",
            patch(ref, "    XBA                     ; the high byte of the X coordinate\n", ""),
            "takes bit 0 of the X low byte instead of bit 8",
        ),
    )
    details = (
        f"The OAM buffer's high table is the 32 bytes at $7E{high:04X}: entry n (0-127) owns two bits of byte "
        "n / 4 at bit 2 * (n mod 4): the lower one is bit 8 of the sprite's X coordinate, the upper one its size "
        "(1 = large). Y (8-bit, 0-127) is the entry number, A (16-bit, m=0) its X coordinate (only bit 8 is "
        "used) and the carry flag its size. Set the entry's two bits and keep every other bit. Observable: "
        f"$7E{high:04X}-$7E{high + 31:04X}. A and X may be clobbered; keep Y. Return with m=0."
    )
    return Routine(
        kernel="oam_set_high_bits",
        entry=entry,
        call="jsr",
        summary=f"Set OAM entry Y's X bit 8 (from A) and size bit (from the carry) in the high table at ${high:04X}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=0,
            x=1,
            inputs={
                "A": word_range(0x00FF, 0x0100, 0x01FF, 0x0200, 0xFEFF),
                "Y": span(0, 127, 0, 1, 2, 3, 4, 126, 127),
                "flag:C": [0, 1],
                _range(_wram(high), 32): byte_range(),
            },
            outputs=[_range(_wram(high), 32)],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("high-table", r"high table", rf"\${high:04X}", r"32.byte"),
            fact("bits", r"bit 8", r"size", r"two bits"),
            fact("mask", r"mask", r"\.select", r"\.insert", r"table"),
        ),
        forbid=(*COMMON_FORBID,),
        explanation=(
            "Takes bit 8 of the X coordinate (XBA, AND #$01) and rotates the size from the carry in beside it. The "
            "entry's position in its byte (Y AND 3) selects the two-bit mask from .select; position * 4 plus the bits "
            f"index .insert, which holds the new bits at that position and ones elsewhere. The byte ${high:04X} + Y / 4 "
            "is ORed with the mask (old bits set) and ANDed with the insert value, which leaves the new bits. RTS "
            "with m=0."
        ),
        false_claims=("It uses MUL to find the entry's byte.",),
        tags=("oam", "bit-fields", "tables", "high-table"),
        params={"high": high},
    )


@tidied
def oam_build_table(rng: random.Random) -> Routine:
    """N sprites -> OAM low-table entries (screen X = world X - camera) and the packed high-table bytes."""
    count = rng.choice([8, 12, 16])
    base = rng.choice([0x0C00, 0x0D00, 0x1400])
    oam = rng.choice([0x0800, 0x0300, 0x1800])
    cam = rng.choice([0x00E2, 0x011A, 0x1F80])
    hidden = rng.choice([0xF0, 0xE0])
    entry = rng.choice(["BuildOam", "Sprites_Draw", "OamBuffer_Fill", "DrawActors"])
    names = ["xlo", "xhi", "y", "tile", "attr", "size", "state"]
    offsets = rng.sample(range(7), 7)
    at = {name: base + 0x10 * offset for name, offset in zip(names, offsets, strict=True)}
    t = {name: f"${address:04X}" for name, address in at.items()}
    high_bits = (
        "    LSR $01                 ; carry = screen X bit 8\n    ROR $00\n"
        "    LDA {size},X\n    CMP #$01                ; carry = large\n    ROR $00\n"
    ).format(**t)
    ref = asm(f"""
        {entry}:
            LDX #$00
        .sprite:
            TXA
            ASL A
            ASL A
            TAY                     ; the entry's offset in the low table
            LDA {t["xlo"]},X
            SEC
            SBC ${cam:04X}
            STA ${oam:04X},Y        ; screen X, low 8 bits
            LDA {t["xhi"]},X
            SBC ${cam + 1:04X}
            STA $01                 ; bit 0 = screen X bit 8
            LDA {t["state"]},X
            BNE .shown
            LDA #{hex8(hidden)}     ; inactive: below the visible lines
            BRA .sety
        .shown:
            LDA {t["y"]},X
        .sety:
            STA ${oam + 1:04X},Y
            LDA {t["tile"]},X
            STA ${oam + 2:04X},Y
            LDA {t["attr"]},X
            STA ${oam + 3:04X},Y
        HIGHBITS
            TXA
            AND #$03
            CMP #$03
            BNE .next               ; after entries 4k .. 4k+3 their byte is complete
            TXA
            LSR A
            LSR A
            TAY
            LDA $00
            STA ${oam + 0x200:04X},Y
        .next:
            INX
            CPX #{hex8(count)}
            BNE .sprite
            RTS
        """).replace("HIGHBITS\n", high_bits)
    slow = Draft(
        "or-per-sprite",
        asm(f"""
        {entry}:
            LDX #{hex8(count // 4 - 1)}
        .clear:
            STZ ${oam + 0x200:04X},X
            DEX
            BPL .clear
            LDX #$00
        .sprite:
            TXA
            ASL A
            ASL A
            TAY
            LDA {t["xlo"]},X
            SEC
            SBC ${cam:04X}
            STA ${oam:04X},Y
            LDA {t["xhi"]},X
            SBC ${cam + 1:04X}
            AND #$01
            STA $02
            LDA {t["state"]},X
            BEQ .hidden
            LDA {t["y"]},X
            STA ${oam + 1:04X},Y
            BRA .rest
        .hidden:
            LDA #{hex8(hidden)}
            STA ${oam + 1:04X},Y
        .rest:
            LDA {t["tile"]},X
            STA ${oam + 2:04X},Y
            LDA {t["attr"]},X
            STA ${oam + 3:04X},Y
            LDA {t["size"]},X
            BEQ .small
            LDA #$02
            TSB $02
        .small:
            TXA
            AND #$03
            TAY
            LDA $02
        .shift:
            DEY
            BMI .shifted
            ASL A
            ASL A
            BRA .shift
        .shifted:
            STA $02
            TXA
            LSR A
            LSR A
            TAY
            LDA ${oam + 0x200:04X},Y
            ORA $02
            STA ${oam + 0x200:04X},Y
            INX
            CPX #{hex8(count)}
            BNE .sprite
            RTS
        """),
        "clears the high table first and ORs each sprite's bits in after a shift loop, instead of rotating "
        "four sprites' bits into one byte",
    )
    swapped = (
        "    LDA {size},X\n    CMP #$01                ; carry = large\n    ROR $00\n"
        "    LSR $01                 ; carry = screen X bit 8\n    ROR $00\n"
    ).format(**t)
    bugs = (
        Draft("no-sec", patch(ref, "    SEC\n", ""), "the camera subtraction borrows the entry carry"),
        Draft(
            "bits-swapped",
            patch(ref, high_bits, swapped),
            "X bit 8 and the size trade places in the high table",
        ),
        Draft(
            "no-cmp", patch(ref, "    CMP #$03\n", ""), "stores each byte after its first entry, not its last"
        ),
        Draft(
            "size-bit0",
            patch(ref, "    CMP #$01                ; carry = large\n", "    LSR A\n"),
            "tests bit 0 of the size byte instead of nonzero",
        ),
    )
    low, high = _wram(oam), _wram(oam + 0x200)
    details = (
        f"Build the OAM buffer for {count} sprites (slots X = 0-{count - 1}) from the per-slot tables (one byte per "
        f"slot): world X low {t['xlo']}, world X high {t['xhi']}, Y {t['y']}, tile {t['tile']}, attributes "
        f"{t['attr']}, size {t['size']} (0 = small, any other value = large) and state {t['state']} (0 = "
        f"inactive). The camera's X is the word at ${cam:04X}. Slot n fills OAM entry n: the 4 bytes at "
        f"${oam:04X} + 4n are screen X (world X - camera, low 8 bits), Y (or {hex8(hidden)} for an inactive "
        f"slot), tile, attributes; in the high table at ${oam + 0x200:04X}, entry n owns two bits of byte n / 4 at "
        "bit 2 * (n mod 4): the lower is bit 8 of the screen X, the upper the size. Write whole high-table bytes "
        f"(bytes 0-{count // 4 - 1}). Observable: ${low:06X}-${low + 4 * count - 1:06X} and "
        f"${high:06X}-${high + count // 4 - 1:06X}. A, X and Y may be clobbered."
    )
    inputs = {_range(_wram(at[name]), count): byte_range(0x00, 0x01, 0x02, 0x80, 0xFF) for name in names}
    inputs[f"${_wram(cam):06X}:w"] = word_range(0x0000, 0x00FF, 0x0100, 0xFF00, 0xFFFF)
    return Routine(
        kernel="oam_build_table",
        entry=entry,
        call="jsr",
        summary=f"Fill the OAM buffer at ${oam:04X} (entries 0-{count - 1} and their high-table bits) from the "
        "sprite tables, relative to the camera.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs=inputs,
            outputs=[_range(low, 4 * count), _range(high, count // 4)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("camera", r"camera", rf"\${cam:04X}", r"screen X"),
            fact("high-table", r"high table", r"bit 8", r"\bROR\b"),
            fact("hidden", rf"{hex8(hidden)}", r"inactive", r"hid"),
        ),
        forbid=(*COMMON_FORBID, r"\bDMA\b"),
        explanation=(
            f"Walks the slots from 0 to {count - 1} with Y = slot * 4 as the low-table offset. Screen X is the "
            f"16-bit world X minus the camera word ${cam:04X} (SEC, SBC on both bytes); its low byte is stored and "
            f"its high byte kept in $01. Y is the table value, or {hex8(hidden)} when the state is 0; tile and "
            "attributes follow. LSR $01 puts screen X bit 8 in the carry and ROR $00 rotates it in from the top, "
            "then CMP #$01 and ROR $00 do the same with 'size is nonzero'; after every fourth slot (X AND 3 = 3) "
            "$00 holds the four slots' bit pairs, the first slot's in bits 0-1, and is stored at high-table byte "
            "X / 4. RTS."
        ),
        false_claims=("It uploads OAM with a DMA and uses MUL for the offsets.",),
        tags=("oam", "sprites", "high-table", "loop", "bit-packing"),
        params={"count": count, "base": base, "oam": oam, "cam": cam, "hidden": hidden, "offsets": offsets},
    )


@tidied
def oam_hide_from(rng: random.Random) -> Routine:
    """Hide OAM entries A..127 (Y byte = off-screen), walking down from entry 127."""
    oam = rng.choice([0x0800, 0x0300, 0x1C00, 0x0400])
    hidden = rng.choice([0xF0, 0xE0, 0xF8])
    entry = rng.choice(["HideSpritesFrom", "Oam_ClearRest", "Oam_HideUnused", "ParkSprites"])
    ref = asm(f"""
        {entry}:
            REP #$20
            AND #$00FF
            ASL A
            ASL A
            STA $00                 ; offset of the first entry to hide
            SEP #$20
            LDX #$01FC              ; entry 127
            LDA #{hex8(hidden)}
        .hide:
            CPX $00
            BCC .done
            STA ${oam + 1:04X},X        ; the entry's Y byte
            DEX
            DEX
            DEX
            DEX
            BPL .hide
        .done:
            RTS
        """)
    slow = Draft(
        "recompute-index",
        asm(f"""
        {entry}:
            STA $00
        .hide:
            LDA $00
            CMP #$80
            BCS .done
            REP #$20
            AND #$00FF
            ASL A
            ASL A
            TAX
            SEP #$20
            LDA #{hex8(hidden)}
            STA ${oam + 1:04X},X
            INC $00
            BRA .hide
        .done:
            RTS
        """),
        "counts entries up and recomputes the byte offset from the entry number every time",
    )
    bugs = (
        Draft("no-mask", patch(ref, "    AND #$00FF\n", ""), "B, the high byte of A, is garbage"),
        Draft("bne-end", patch(ref, "BPL .hide", "BNE .hide"), "entry 0 is never hidden"),
        Draft(
            "x-byte",
            patch(ref, f"STA ${oam + 1:04X},X", f"STA ${oam:04X},X"),
            "writes the X coordinate byte, not Y",
        ),
        Draft(
            "from-126", patch(ref, "LDX #$01FC", "LDX #$01F8"), "starts at entry 126: entry 127 stays visible"
        ),
    )
    details = (
        f"A (8-bit, 0-128; B holds garbage) is the first unused OAM entry. In the OAM buffer at $7E{oam:04X} (128 "
        "entries of 4 bytes: X, Y, tile, attributes, then the 32-byte high table) set the Y byte of every entry from "
        f"A to 127 to {hex8(hidden)} (below the visible lines) and change nothing else; A = 128 hides nothing. "
        f"Mode m=1, x=0. Observable: $7E{oam:04X}-$7E{oam + 0x21F:04X}. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="oam_hide_from",
        entry=entry,
        call="jsr",
        summary=f"Set the Y byte of OAM buffer entries A (0-128) to 127 at ${oam:04X} to {hex8(hidden)}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=0,
            inputs={"A.lo": span(0, 128, 0, 1, 64, 126, 127, 128)},
            outputs=[_range(_wram(oam), 0x220)],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("y-byte", r"\bY (byte|coordinate)", rf"\${oam + 1:04X}", r"second byte"),
            fact("hidden", rf"{hex8(hidden)}", r"hid", r"off.?screen", r"below"),
            fact("range", r"\b127\b", r"\$01FC", r"down"),
        ),
        forbid=(*COMMON_FORBID, r"\bDMA\b"),
        explanation=(
            "Turns the entry number into a byte offset (AND #$00FF, two ASLs) saved in $00, then walks X down from "
            f"$01FC (entry 127) in steps of 4, storing {hex8(hidden)} into each entry's Y byte ${oam + 1:04X},X "
            "while X is not below the first offset; BPL ends the walk after entry 0. RTS."
        ),
        false_claims=("It clears the whole OAM buffer with a DMA.",),
        tags=("oam", "loop", "16-bit-index", "sprites"),
        params={"oam": oam, "hidden": hidden},
    )


@tidied
def oam_dma_upload(rng: random.Random) -> Routine:
    """The whole 544-byte OAM buffer to OAM by DMA to $2104 (OAM address 0)."""
    ch = rng.randrange(8)
    buf = rng.choice([0x7E2800, 0x7F0200, 0x7E2000, 0x7F8000, 0x7E3C00])
    entry = rng.choice(["UploadOam", "Nmi_OamDma", "Oam_Transfer", "CopyOamBuffer"])
    ref = asm(f"""
        {entry}:
            STZ $2102
            STZ $2103
            REP #$20
            LDA #$0400              ; mode 0 to $2104
            STA $43{ch}0
            LDA #{hex16(buf)}
            STA $43{ch}2
            LDA #$0220              ; 512 low-table bytes + 32 high-table bytes
            STA $43{ch}5
            SEP #$20
            LDA #{hex8(buf >> 16)}
            STA $43{ch}4
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """)
    slow = Draft(
        "byte-setup",
        asm(f"""
        {entry}:
            LDA #$00
            STA $2102
            STA $2103
            STA $43{ch}0
            LDA #$04
            STA $43{ch}1
            LDA #{hex8(buf)}
            STA $43{ch}2
            LDA #{hex8(buf >> 8)}
            STA $43{ch}3
            LDA #{hex8(buf >> 16)}
            STA $43{ch}4
            LDA #$20
            STA $43{ch}5
            LDA #$02
            STA $43{ch}6
            LDA #{hex8(1 << ch)}
            STA $420B
            RTS
        """),
        "sets every DMA register with its own 8-bit load and store",
    )
    bugs = (
        Draft("low-only", patch(ref, "LDA #$0220", "LDA #$0200"), "only the low table is uploaded"),
        Draft("mode-1", patch(ref, "LDA #$0400", "LDA #$0401"), "mode 1 alternates $2104 and $2105 (BGMODE)"),
        Draft(
            "word-count", patch(ref, "LDA #$0220", "LDA #$0110"), "counts words: the DMA count is in bytes"
        ),
    )
    buf_cell = _wram(buf)
    details = (
        f"Copy the OAM buffer at ${buf_cell:06X} (544 bytes: the 512-byte low table, then the 32-byte high table) "
        f"into OAM from OAM address 0 ($2102/$2103 = 0) with DMA channel {ch} to $2104. Channel {ch}'s registers "
        f"$43{ch}0-$43{ch}B and the OAM address may be left changed. Observable: all of OAM (oam:$0000-$021F). A "
        "and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="oam_dma_upload",
        entry=entry,
        call="jsr",
        summary=f"DMA the 544-byte OAM buffer at ${buf_cell:06X} to OAM on channel {ch}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={_range(buf_cell, 0x220): byte_range()},
            outputs=["oam:$0000..$021F"],
            preserve=["Y"],
            writable=["$002102..$002103", _dma_regs(ch)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("oam", r"\bOAM\b", r"\$2104"),
            fact("size", r"\$0220", r"\b544\b", r"high table"),
            fact("dma", r"\bDMA\b", r"\$420B"),
        ),
        forbid=(*COMMON_FORBID, r"\bVRAM\b"),
        explanation=(
            f"Sets the OAM address to 0 ($2102/$2103), points channel {ch} at $2104 in mode 0 ($0400) with the "
            f"source ${buf_cell:06X} and a count of $0220 bytes (the low and the high table), and starts it with "
            "$420B. RTS."
        ),
        false_claims=("It copies the buffer into VRAM with MUL.",),
        tags=("dma", "oam", "nmi", "ppu"),
        params={"channel": ch, "buf": buf},
    )


# ------------------------------------------------------------------------------- HDMA tables (as data)


@tidied
def hdma_gradient_table(rng: random.Random) -> Routine:
    """A COLDATA ($2132) gradient table for HDMA mode 2: bands of h lines, red fading down, blue up."""
    table = rng.choice([0x1000, 0x1400, 0x0A00, 0x1600])
    height = rng.choice([0x0F30, 0x1E22, 0x0B4E, 0x1D04])
    entry = rng.choice(["BuildSkyGradient", "Hdma_MakeGradient", "MakeColorBands", "Gradient_Init"])
    ref = asm(f"""
        {entry}:
            STA $00                 ; red intensity of the first band
            LDA #$20
            TSB $00                 ; $00 = the COLDATA byte: red channel | intensity
            LDA #$E0
            STA $01                 ; 224 lines still to cover
            LDX #$0000
        .band:
            LDA ${height:04X}
            CMP $01
            BCC .count              ; a whole band fits
            LDA $01                 ; the last band takes the lines that are left
        .count:
            STA ${table:04X},X          ; line count (1-127: no repeat flag)
            STA $02
            LDA $01
            SEC
            SBC $02
            STA $01
            LDA $00
            STA ${table + 1:04X},X        ; red
            EOR #$BF                ; blue channel, intensity 31 - red's
            STA ${table + 2:04X},X
            LDA $00
            BIT #$1F
            BEQ .next               ; red stops at 0
            DEC $00
        .next:
            INX
            INX
            INX
            LDA $01
            BNE .band
            STZ ${table:04X},X          ; terminator
            RTS
        """)
    slow = Draft(
        "subtract-blue",
        asm(f"""
        {entry}:
            STA $00
            LDA #$E0
            STA $01
            LDX #$0000
        .band:
            LDA $01
            CMP ${height:04X}
            BCS .full
            STA ${table:04X},X
            STA $02
            BRA .counted
        .full:
            LDA ${height:04X}
            STA ${table:04X},X
            STA $02
        .counted:
            LDA $01
            SEC
            SBC $02
            STA $01
            LDA $00
            ORA #$20
            STA ${table + 1:04X},X
            LDA #$1F
            SEC
            SBC $00
            ORA #$80
            STA ${table + 2:04X},X
            LDA $00
            CMP #$00
            BEQ .next
            DEC $00
        .next:
            INX
            INX
            INX
            LDA $01
            CMP #$00
            BNE .band
            STZ ${table:04X},X
            RTS
        """),
        "builds both colour bytes from the bare intensity every band (ORA, SEC/SBC) and compares with 0 "
        "after loads",
    )
    bugs = (
        Draft(
            "no-terminator",
            patch(ref, f"    STZ ${table:04X},X          ; terminator\n", ""),
            "no $00 terminator: HDMA runs on into whatever follows",
        ),
        Draft(
            "bcs-count",
            patch(ref, "BCC .count", "BCS .count"),
            "takes the larger of the band and what is left",
        ),
        Draft("blue-same", patch(ref, "EOR #$BF", "EOR #$A0"), "blue gets the same intensity as red"),
        Draft(
            "no-floor",
            patch(ref, "    BIT #$1F\n    BEQ .next               ; red stops at 0\n", ""),
            "red keeps decrementing below 0 into the channel bits",
        ),
        Draft("no-sec", patch(ref, "    SEC\n", ""), "the line subtraction uses the carry of the compare"),
    )
    most = 3 * 224 + 1
    details = (
        "Build an HDMA table (as data; do not enable HDMA) for COLDATA ($2132) in transfer mode 2 (two bytes per "
        f"entry, both to $2132) at $7E{table:04X}: a list of 3-byte entries (line count, red byte, blue byte) ended "
        f"by a $00 byte. A (8-bit, 0-31) is the red intensity of the first band; the band height (1-127 lines) is "
        f"the byte at $7E{height:04X}. Cover exactly 224 lines: every band has that height except the last, which "
        "gets the lines that are left. The red byte is $20 | intensity (red channel bit 5); the blue byte is $80 | "
        "(31 - intensity) (blue channel bit 7). The intensity drops by 1 per band and stays at 0. Mode m=1, x=0. "
        f"Observable: $7E{table:04X}-$7E{table + most - 1:04X} (up to 224 entries and the terminator; bytes after "
        "the terminator must stay unchanged). A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="hdma_gradient_table",
        entry=entry,
        call="jsr",
        summary=f"Build a 224-line COLDATA gradient HDMA table at ${table:04X}: bands of ${height:04X} lines, red "
        "fading from A, blue rising.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=0,
            inputs={
                "A.lo": span(0, 31, 0, 1, 2, 30, 31),
                f"$7E{height:04X}": span(1, 127, 1, 2, 7, 56, 111, 112, 113, 127),
            },
            outputs=[_range(_wram(table), most)],
            preserve=["Y"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hdma", r"\bHDMA\b", r"\$2132", r"COLDATA"),
            fact("lines", r"\b224\b", r"\$E0\b", r"lines"),
            fact("terminator", r"terminat", r"\$00 byte", r"\bSTZ\b"),
        ),
        forbid=(*COMMON_FORBID, r"\$420C"),
        explanation=(
            "Keeps the red COLDATA byte ($20 set with TSB on the intensity) in $00 and the lines left (224) in $01. "
            f"Each band's count is the height at ${height:04X}, or the lines left when fewer remain; it is stored, "
            "subtracted from the lines left, and followed by the red byte and the blue byte (EOR #$BF turns red's "
            "channel and intensity into blue's channel and 31 - intensity). The intensity drops while its low five "
            "bits are nonzero. X steps by 3; when no lines are left a $00 terminator ends the table. RTS."
        ),
        false_claims=("It enables HDMA by writing $420C.",),
        tags=("hdma", "table", "colour-math", "loop", "data"),
        params={"table": table, "height": height},
    )


@tidied
def hdma_wave_table(rng: random.Random) -> Routine:
    """A BG horizontal-scroll wave table: one plain entry, then a repeat-mode block of one word per line."""
    table = rng.choice([0x1800, 0x1A00, 0x1C40, 0x0E80])
    scroll = rng.choice([0x0F20, 0x1E30, 0x00E6, 0x1B10])
    skip = rng.choice([32, 48, 64, 80])
    lines = rng.choice([16, 24, 32, 40])
    amplitude = rng.choice([2, 3, 4, 6, 8])
    entry = rng.choice(["BuildWaveTable", "Hdma_WaterWave", "MakeHeatShimmer", "Wave_Update"])
    sine = [round(amplitude * math.sin(2 * math.pi * i / 32)) & 0xFF for i in range(32)]
    rows = "\n".join("    db " + ", ".join(hex8(v) for v in sine[k : k + 8]) for k in range(0, 32, 8))
    end = 4 + 2 * lines
    ref = (
        asm(f"""
        {entry}:
            STA $00                 ; sine index of the first wavy line
            LDA #{hex8(skip)}
            STA ${table:04X}             ; {skip} lines at the plain scroll
            LDA #{hex8(0x80 | lines)}
            STA ${table + 3:04X}             ; repeat mode: one word per line for {lines} lines
            REP #$20
            LDA ${scroll:04X}
            STA ${table + 1:04X}
            SEP #$20
            LDY #$00
        .line:
            LDA $00
            INC $00
            AND #$1F
            TAX
            LDA .sine,X
            REP #$20
            AND #$00FF
            EOR #$0080              ; sign-extend the table byte
            SEC
            SBC #$0080
            CLC
            ADC ${scroll:04X}
            STA ${table + 4:04X},Y
            SEP #$20
            INY
            INY
            CPY #{hex8(2 * lines)}
            BNE .line
            STZ ${table + end:04X}             ; terminator
            RTS

        .sine:
        """)
        + rows
        + "\n"
    )
    slow = Draft(
        "branch-extend",
        patch(
            ref,
            "    LDA .sine,X\n    REP #$20\n    AND #$00FF\n    EOR #$0080              ; sign-extend the table byte\n"
            f"    SEC\n    SBC #$0080\n    CLC\n    ADC ${scroll:04X}\n",
            "    LDA .sine,X\n    STA $02\n    STZ $03\n    BPL .positive\n    LDA #$FF\n    STA $03\n.positive:\n"
            f"    REP #$20\n    LDA ${scroll:04X}\n    CLC\n    ADC $02\n",
        ),
        "sign-extends through scratch with a branch and reloads the base scroll instead of EOR/SBC in A",
    )
    bugs = (
        Draft(
            "unsigned",
            patch(
                ref, "    EOR #$0080              ; sign-extend the table byte\n    SEC\n    SBC #$0080\n", ""
            ),
            "negative table values become +$F8.. instead of -8..",
        ),
        Draft(
            "no-repeat-flag",
            patch(ref, f"LDA #{hex8(0x80 | lines)}", f"LDA #{hex8(lines)}"),
            "without bit 7 the entry is one value held for all its lines",
        ),
        Draft(
            "word-count",
            patch(ref, f"CPY #{hex8(2 * lines)}", f"CPY #{hex8(lines)}"),
            "counts bytes as lines: only half of the lines get a value",
        ),
        Draft("no-clc", patch(ref, "    CLC\n", ""), "the sign-extension's carry is added in"),
    )
    cell = _wram(table)
    details = (
        f"Build an HDMA table (as data; do not enable HDMA) for BG1HOFS ($210D) in transfer mode 2 (each value is "
        f"two bytes, low then high, both written to $210D) at $7E{table:04X}: first a plain entry of {skip} lines "
        f"holding the base scroll (the word at $7E{scroll:04X}): count {hex8(skip)}, then the word; then a "
        f"repeat-mode entry, count {hex8(0x80 | lines)} (bit 7 set: a new value every line) followed by {lines} "
        f"words, line i's word being the base scroll plus the signed byte sine[(A + i) AND 31] of the 32-byte "
        f"table .sine below (A is the 8-bit phase, any value); then a $00 terminator. Observable: "
        f"$7E{table:04X}-$7E{table + end:04X}. A, X and Y may be clobbered. The reference's table is:\n{rows}"
    )
    return Routine(
        kernel="hdma_wave_table",
        entry=entry,
        call="jsr",
        summary=f"Build a BG1HOFS wave HDMA table at ${table:04X}: {skip} plain lines, then {lines} lines of base "
        "scroll + sine[phase + line].",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={"A.lo": byte_range(0x1F, 0x20), f"$7E{scroll:04X}:w": word_range(0x0000, 0x0007, 0xFFF8)},
            outputs=[_range(cell, end + 1)],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("hdma", r"\bHDMA\b", r"\$210D", r"scroll"),
            fact("repeat", r"repeat", rf"{hex8(0x80 | lines)}", r"bit 7"),
            fact("sign", r"sign", r"negative", r"\$0080"),
        ),
        forbid=(*COMMON_FORBID, r"\$420C"),
        explanation=(
            f"Stores the header entries: {hex8(skip)} lines with the base scroll word from ${scroll:04X}, then the "
            f"repeat-mode count {hex8(0x80 | lines)}. For each of the {lines} lines it takes the next sine index "
            "($00, incremented every line, AND #$1F), loads the signed byte from .sine, sign-extends it in 16-bit "
            "mode (AND #$00FF, EOR #$0080, SBC #$0080), adds the base scroll and stores the word at the line's slot "
            "(Y steps by 2). A $00 byte terminates the table. RTS."
        ),
        false_claims=("It enables HDMA by writing $420C.",),
        tags=("hdma", "table", "scrolling", "signed", "data"),
        params={"table": table, "scroll": scroll, "skip": skip, "lines": lines, "amplitude": amplitude},
    )


# ---------------------------------------------------------------------------------- PPU registers


@tidied
def inidisp_fade_step(rng: random.Random) -> Routine:
    """One brightness step of a screen fade: INIDISP ($2100) and its WRAM mirror; the carry picks the way."""
    mirror = rng.choice([0x0013, 0x0F10, 0x1B00, 0x0200, 0x1E42])
    entry = rng.choice(["FadeStep", "Screen_Fade", "Brightness_Tick", "StepInidisp"])
    mirror_op = f"${mirror:04X}"
    ref = asm(f"""
        {entry}:
            LDA {mirror_op}
            AND #$0F                ; the brightness
            BCS .out                ; carry set: fade out
            CMP #$0F
            BEQ .write              ; already full
            INC A
            BRA .write
        .out:
            DEC A
            BEQ .blank
            BPL .write
        .blank:
            LDA #$80                ; forced blank
        .write:
            STA {mirror_op}
            STA $2100
            RTS
        """)
    slow = Draft(
        "compare-steps",
        asm(f"""
        {entry}:
            BCC .in
            LDA {mirror_op}
            AND #$0F
            CMP #$02
            BCC .blank
            SEC
            SBC #$01
            BRA .write
        .blank:
            LDA #$80
            BRA .write
        .in:
            LDA {mirror_op}
            AND #$0F
            CMP #$0F
            BCS .write
            CLC
            ADC #$01
        .write:
            STA {mirror_op}
            STA $2100
            RTS
        """),
        "loads the mirror on each path, compares with CMP and steps with SEC/SBC #1 and CLC/ADC #1 instead of "
        "DEC/INC",
    )
    bugs = (
        Draft(
            "no-mask",
            patch(ref, "    AND #$0F                ; the brightness\n", ""),
            "the forced-blank bit stays in the brightness",
        ),
        Draft(
            "dark-not-blank",
            patch(ref, "LDA #$80", "LDA #$00"),
            "brightness 0 with the display on, not forced blank",
        ),
        Draft(
            "bmi", patch(ref, "BPL .write", "BMI .write"), "keeps the wrapped value instead of the next level"
        ),
        Draft("direction-swapped", patch(ref, "BCS .out", "BCC .out"), "fades the wrong way"),
    )
    m_cell = _wram(mirror)
    # Edge cases pair each mirror value with the carry: even cases fade in, odd ones fade out (full, 14, 0,
    # forced blank with 15 or 0 kept in bits 0-3 going in; full, 1, 0, 2 and bare forced blank going out).
    levels = (0x0F, 0x4F, 0x0E, 0x01, 0x00, 0x40, 0x8F, 0x02, 0x10, 0x80)
    details = (
        f"The byte at ${m_cell:06X} mirrors INIDISP ($2100): bits 0-3 are the brightness, bit 7 forced blank. The "
        "carry flag is the direction: clear fades in, set fades out. Fading in, the brightness (bits 0-3 of the "
        "mirror) goes up by 1 and stops at 15; fading out it goes down by 1, and when that reaches 0 (or would go "
        "below it) the new value is $80 (forced blank). Write the new value to the mirror and to $2100 (the "
        f"display is on, bit 7 clear, whenever the value is not $80). Observable: ${m_cell:06X} and the $2100 "
        "write. A may be clobbered; keep X and Y."
    )
    return Routine(
        kernel="inidisp_fade_step",
        entry=entry,
        call="jsr",
        summary=f"Step the screen brightness (mirror ${m_cell:06X}) one level in (carry clear) or out (carry set) "
        "and write it to INIDISP.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                f"${m_cell:06X}": aligned(0, 255, levels),
                "flag:C": aligned(0, 1, [0, 1]),
            },
            outputs=[f"${m_cell:06X}"],
            preserve=["X", "Y"],
            writable=["$002100"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("inidisp", r"\$2100", r"INIDISP", r"brightness"),
            fact("blank", r"\$80\b", r"forced blank"),
            fact("direction", r"direction", r"carry", r"fade(s)? (in|out)"),
        ),
        forbid=(*COMMON_FORBID, r"\$2101"),
        explanation=(
            f"Loads the mirror ${m_cell:06X} and keeps the brightness bits (AND #$0F). With the carry clear it "
            "increments the level unless it is already $0F; with the carry set it decrements, and a result of 0 or "
            "below becomes $80, forced blank. The new value goes to the mirror and to INIDISP $2100. RTS."
        ),
        false_claims=("It writes the brightness to $2101.",),
        tags=("ppu", "inidisp", "fade", "branches", "carry-flag"),
        params={"mirror": mirror},
    )


@tidied
def bg_parallax_scroll(rng: random.Random) -> Routine:
    """BG1 scroll = camera, BG2 at half speed: the write-twice scroll registers $210D-$2110."""
    cam = rng.choice([0x00E2, 0x0F00, 0x1C20, 0x0120])
    mirror = rng.choice([0x0F40, 0x1E80, 0x0A20])
    entry = rng.choice(["SetScroll", "Bg_UpdateScroll", "ApplyCamera", "Nmi_WriteScroll"])
    cx, cy = f"${cam:04X}", f"${cam + 2:04X}"
    ref = asm(f"""
        {entry}:
            LDA {cx}
            STA $210D               ; BG1HOFS: low byte, then high byte
            LDA ${cam + 1:04X}
            STA $210D
            LDA {cy}
            STA $210E               ; BG1VOFS
            LDA ${cam + 3:04X}
            STA $210E
            REP #$20
            LDA {cx}
            LSR A                   ; BG2 scrolls at half the camera speed
            STA ${mirror:04X}
            SEP #$20
            STA $210F               ; BG2HOFS
            XBA
            STA $210F
            REP #$20
            LDA {cy}
            LSR A
            STA ${mirror + 2:04X}
            SEP #$20
            STA $2110               ; BG2VOFS
            XBA
            STA $2110
            RTS
        """)
    slow = Draft(
        "byte-halves",
        asm(f"""
        {entry}:
            LDA {cx}
            STA $210D
            LDA ${cam + 1:04X}
            STA $210D
            LDA {cy}
            STA $210E
            LDA ${cam + 3:04X}
            STA $210E
            LDA ${cam + 1:04X}
            LSR A
            STA ${mirror + 1:04X}
            LDA {cx}
            ROR A
            STA ${mirror:04X}
            LDA ${mirror:04X}
            STA $210F
            LDA ${mirror + 1:04X}
            STA $210F
            LDA ${cam + 3:04X}
            LSR A
            STA ${mirror + 3:04X}
            LDA {cy}
            ROR A
            STA ${mirror + 2:04X}
            LDA ${mirror + 2:04X}
            STA $2110
            LDA ${mirror + 3:04X}
            STA $2110
            RTS
        """),
        "halves each word byte by byte (LSR/ROR) and reloads the halves from the mirror before writing them",
    )
    bugs = (
        Draft(
            "high-first",
            patch(
                ref,
                f"    LDA {cx}\n    STA $210D               ; BG1HOFS: low byte, then high byte\n"
                f"    LDA ${cam + 1:04X}\n    STA $210D\n",
                f"    LDA ${cam + 1:04X}\n    STA $210D\n    LDA {cx}\n    STA $210D\n",
            ),
            "the scroll registers take the low byte first",
        ),
        Draft(
            "no-half",
            patch(ref, "    LSR A                   ; BG2 scrolls at half the camera speed\n", ""),
            "BG2's horizontal scroll moves at full speed",
        ),
        Draft(
            "h-v-swapped",
            patch(
                patch(patch(ref, "STA $210D", "STA $TMP", 2), "STA $210E", "STA $210D", 2),
                "STA $TMP",
                "STA $210E",
                2,
            ),
            "BG1's X goes to the vertical register",
        ),
    )
    c_cell, m_cell = _wram(cam), _wram(mirror)
    details = (
        f"The camera position is the word X at ${c_cell:06X} and the word Y at ${c_cell + 2:06X}. Write BG1's "
        "scroll = camera and BG2's = camera / 2 (each word shifted right once) to the write-twice registers, "
        "low byte then high byte, in this order: BG1HOFS $210D, BG1VOFS $210E, BG2HOFS $210F, BG2VOFS $2110; "
        f"also store BG2's X and Y words at ${m_cell:06X} and ${m_cell + 2:06X}. Observable: "
        f"${m_cell:06X}-${m_cell + 3:06X} and the register writes in order. A and X may be clobbered; keep Y."
    )
    return Routine(
        kernel="bg_parallax_scroll",
        entry=entry,
        call="jsr",
        summary=f"Write BG1 scroll = camera (${c_cell:06X}) and BG2 scroll = camera / 2 to $210D-$2110; keep BG2's "
        f"at ${m_cell:06X}.",
        details=details,
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={_range(c_cell, 4): byte_range(0x00, 0x01, 0xFF)},
            outputs=[_range(m_cell, 4)],
            preserve=["Y"],
            writable=["$00210D..$002110"],
        ),
        slow=(slow,),
        bugs=bugs,
        facts=(
            fact("scroll", r"\$210D", r"BG1HOFS", r"scroll"),
            fact("half", r"half", r"/ ?2", r"\bLSR\b", r"parallax"),
            fact("twice", r"low byte", r"twice", r"\bXBA\b"),
        ),
        forbid=(*COMMON_FORBID, r"\$2111"),
        explanation=(
            "Writes the camera X bytes (low, then high) to $210D and the Y bytes to $210E. In 16-bit mode it halves "
            f"the camera X with LSR, stores it at ${m_cell:06X} and, back in 8-bit mode, writes its low byte and "
            "(after XBA) its high byte to $210F; the same for Y into the mirror's second word and $2110. RTS."
        ),
        false_claims=("It writes BG3's scroll at $2111.",),
        tags=("ppu", "scrolling", "write-twice", "parallax"),
        params={"cam": cam, "mirror": mirror},
    )


KERNELS = {
    "dma_tile_upload": dma_tile_upload,
    "dma_tilemap_rect": dma_tilemap_rect,
    "vram_fill_dma": vram_fill_dma,
    "tilemap_scroll_column": tilemap_scroll_column,
    "vram_read_dma": vram_read_dma,
    "tilemap_text_row": tilemap_text_row,
    "cgram_palette_dma": cgram_palette_dma,
    "cgram_set_rgb": cgram_set_rgb,
    "cgram_read_colours": cgram_read_colours,
    "palette_scale_hw": palette_scale_hw,
    "palette_fade_step": palette_fade_step,
    "oam_set_high_bits": oam_set_high_bits,
    "oam_build_table": oam_build_table,
    "oam_hide_from": oam_hide_from,
    "oam_dma_upload": oam_dma_upload,
    "hdma_gradient_table": hdma_gradient_table,
    "hdma_wave_table": hdma_wave_table,
    "inidisp_fade_step": inidisp_fade_step,
    "bg_parallax_scroll": bg_parallax_scroll,
}
