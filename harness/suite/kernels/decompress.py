"""Decompression and bit-packing kernels: RLE decoders (PackBits, PCX, nibble runs, a four-command
format), an LZ decoder with a preset window and an MVN back-reference copy, flag and bit-field packing,
2-bit / 3-bit / nibble unpacking, delta decoding, CRC-8 and Fletcher-16 checksums over a block whose
length is in memory, and a bounded copy up to a terminator.

The formats are defined in each contract (they are the task's, written clean-room); every decoder
stops after a fixed number of output bytes or at a terminator within a stated maximum, so a stream of
any bytes decodes inside its named buffer. Streams are inputs of full-range bytes; where random bytes
would rarely show a behaviour (a terminator in the middle, a run of exactly one), the edge cases plant
it through the order of the domains' boundaries, never by narrowing a domain.
"""

from __future__ import annotations

import random

from harness.suite.kernels.common import COMMON_FORBID, fact
from harness.suite.routines import Draft, Routine, asm, byte_range, hex8, hex16, span, spec_dict

__all__ = [
    "KERNELS",
    "copy_until_terminator",
    "crc8_reflected",
    "delta_decode8",
    "fletcher16_block",
    "lz_copy_mvn",
    "lz_decode",
    "nibble_expand",
    "pack_flags_bit7",
    "rle_commands4",
    "rle_nibble_runs",
    "rle_packbits",
    "rle_pcx",
    "tile_attr_repack",
    "unpack_2bit_fields",
    "unpack_bits_stream",
]


def _cells(lo: int, hi: int, bank: int = 0x7E) -> str:
    """A byte range location in one bank, e.g. `$7E1800..$7E183F`."""
    return f"${bank:02X}{lo:04X}..${bank:02X}{hi:04X}"


def _in_order(lo: int, hi: int, order: list[int]) -> dict[str, object]:
    """A range domain whose boundaries are tried in exactly this order (`span` sorts them)."""
    return {"range": [lo, hi], "boundaries": order}


def _segments(start: int, length: int, orders: list[list[int]]) -> dict[str, object]:
    """Split `length` input bytes at `start` into consecutive full-range segments, one per boundary
    order: in edge case k each segment holds its own k-th value, so an edge-case stream is not one
    byte repeated (a marker can sit in the middle, a short run can follow a literal)."""
    size = -(-length // len(orders))
    inputs: dict[str, object] = {}
    for index, order in enumerate(orders):
        lo = start + index * size
        hi = min(start + length, lo + size) - 1
        if lo <= hi:
            inputs[_cells(lo, hi)] = _in_order(0, 0xFF, order)
    return inputs


# ------------------------------------------------------------------------------------------- RLE


def rle_packbits(rng: random.Random) -> Routine:
    """PackBits: a signed control byte n; 0..127 copies n+1 literal bytes, -1..-127 repeats the next byte
    1-n times, -128 does nothing. Decodes exactly N bytes (the last block is cut) and returns how many
    stream bytes it read."""
    n = rng.choice([24, 32, 40, 48])
    stream = rng.choice([0x1800, 0x1900, 0x1A80])
    out = rng.choice([0x0C00, 0x0D40, 0x1000, 0x1100])
    cnt = rng.choice([0x00, 0x04, 0x0E])
    entry = rng.choice(["Unpack_PackBits", "Decompress_RLE", "Gfx_Unpack", "Rle_Expand"])
    ref = asm(f"""
        {entry}:
            LDX #$0000
            LDY #$0000
        .block:
            LDA ${stream:04X},X
            INX
            CMP #$80
            BEQ .block
            BCS .run
            STA ${cnt:02X}
        .literal:
            LDA ${stream:04X},X
            INX
            STA ${out:04X},Y
            INY
            CPY #{hex16(n)}
            BEQ .done
            DEC ${cnt:02X}
            BPL .literal
            BRA .block
        .run:
            EOR #$FF
            INC A
            STA ${cnt:02X}
            LDA ${stream:04X},X
            INX
        .fill:
            STA ${out:04X},Y
            INY
            CPY #{hex16(n)}
            BEQ .done
            DEC ${cnt:02X}
            BPL .fill
            BRA .block
        .done:
            RTS
        """)
    slow = ref.replace(
        f".run:\n    EOR #$FF\n    INC A\n    STA ${cnt:02X}\n    LDA ${stream:04X},X\n    INX\n.fill:\n"
        f"    STA ${out:04X},Y\n    INY\n    CPY #{hex16(n)}\n    BEQ .done\n    DEC ${cnt:02X}\n"
        "    BPL .fill\n"
        "    BRA .block\n.done:\n",
        f".run:\n    EOR #$FF\n    INC A\n    STA ${cnt:02X}\n.fill:\n    LDA ${stream:04X},X\n"
        f"    STA ${out:04X},Y\n    INY\n    CPY #{hex16(n)}\n    BEQ .done2\n    DEC ${cnt:02X}\n"
        "    BPL .fill\n"
        "    INX\n    BRA .block\n.done2:\n    INX\n.done:\n",
    )
    orders = [
        [0x02, 0x81, 0x00, 0xFE, 0x80, 0x7F],
        [0x41, 0x03, 0xFF, 0x80, 0x00, 0x81],
        [0xFD, 0x00, 0x80, 0x01, 0xFF, 0x7E],
        [0x80, 0xFC, 0x05, 0x81, 0x7F, 0x00],
    ]
    inputs = _segments(stream, 2 * n, orders)
    region = _cells(out, out + n - 1)
    return Routine(
        kernel="rle_packbits",
        entry=entry,
        call="jsr",
        summary=f"Decode PackBits-compressed data at $7E{stream:04X} into {n} bytes at $7E{out:04X}.",
        details=(
            f"The stream at $7E{stream:04X} is a sequence of blocks, each starting with a control byte c: "
            "c = $00-$7F: the next c+1 bytes are copied as they are; c = $81-$FF: the next byte is "
            "written 257-c times (2-128); c = $80: no data, go on with the next block. Write the output "
            f"to $7E{out:04X} and stop as soon as the {n}th byte is written (a block may be cut short). "
            f"Return in X the number of stream bytes read (at most {2 * n}). Entry and exit mode: m=1, x=0. "
            f"Observable: {region} and X. A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=0, inputs=inputs, outputs=[region, "X"]),
        slow=(
            Draft("reread-run", slow, "reads the run byte from the stream again for every byte it writes"),
        ),
        bugs=(
            Draft(
                "no-noop",
                ref.replace("    CMP #$80\n    BEQ .block\n    BCS .run\n", "    CMP #$80\n    BCS .run\n"),
                "$80 is taken as a run control (129 copies) instead of a no-op",
            ),
            Draft(
                "run-short",
                ref.replace("    EOR #$FF\n    INC A\n", "    EOR #$FF\n"),
                "the run count is not negated exactly: every run is one byte short",
            ),
            Draft(
                "literal-no-stop",
                ref.replace(
                    f"    INY\n    CPY #{hex16(n)}\n    BEQ .done\n    DEC ${cnt:02X}\n    BPL .literal\n",
                    f"    INY\n    DEC ${cnt:02X}\n    BPL .literal\n    CPY #{hex16(n)}\n    BCS .done\n",
                ),
                "a literal block is always copied whole: output past the last byte is written",
            ),
        ),
        facts=(
            fact("rle", r"run.length", r"\bRLE\b", r"PackBits", r"\bruns?\b"),
            fact("literal", r"literal", r"copied as (they|it) (are|is)", r"verbatim"),
            fact("stop", rf"\b{n}\b", r"stop", r"cut", r"truncat"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b", r"LZ77|back.?reference"),
        explanation=(
            "X walks the stream and Y the output. Each control byte is read; $80 is skipped. Below $80 it "
            "is "
            f"a literal block: the count c goes to ${cnt:02X} and c+1 bytes are copied. Above $80 it is a "
            "run: "
            "EOR #$FF / INC A negates c, giving 256-c, and the next byte is written 257-c times. Both loops "
            f"stop as soon as Y reaches {n} (CPY/BEQ), leaving X = the stream bytes read. RTS."
        ),
        false_claims=("It copies back-references from the output like LZ77.",),
        tags=("decompression", "rle", "packbits", "streams", "16-bit-index"),
        params={"n": n, "stream": stream, "out": out},
    )


def rle_pcx(rng: random.Random) -> Routine:
    """PCX-style RLE: a byte with both top bits set ($C0-$FF) is a run of (b & $3F) copies of the next
    byte; any other byte is itself. Decodes exactly N bytes."""
    n = rng.choice([32, 40, 48, 64])
    stream = rng.choice([0x1800, 0x1880, 0x1A00])
    out = rng.choice([0x0C00, 0x0E00, 0x1000, 0x1280])
    cnt = rng.choice([0x00, 0x03, 0x0D])
    entry = rng.choice(["Pcx_DecodeRow", "Image_Unpack", "DecodeScanline", "Pic_RleRow"])
    ref = asm(f"""
        {entry}:
            LDX #$0000
            LDY #$0000
        .next:
            LDA ${stream:04X},X
            INX
            CMP #$C0
            BCS .run
            STA ${out:04X},Y
            INY
            CPY #{hex16(n)}
            BNE .next
            RTS
        .run:
            AND #$3F
            BEQ .skip
            STA ${cnt:02X}
            LDA ${stream:04X},X
        .fill:
            STA ${out:04X},Y
            INY
            CPY #{hex16(n)}
            BEQ .done
            DEC ${cnt:02X}
            BNE .fill
        .skip:
            INX
            BRA .next
        .done:
            INX
            RTS
        """)
    slow = ref.replace(
        "    CMP #$C0\n    BCS .run\n",
        f"    AND #$C0\n    CMP #$C0\n    BEQ .run0\n    LDA ${stream - 1:04X},X\n",
    ).replace(".run:\n    AND #$3F\n", f".run0:\n    LDA ${stream - 1:04X},X\n    AND #$3F\n")
    orders = [
        [0x41, 0xC3, 0xC0, 0xBF, 0x00, 0xFF],
        [0xC2, 0x10, 0x7F, 0xC1, 0xFF, 0xC0],
        [0x05, 0xC0, 0xFF, 0x3F, 0xC4, 0x80],
    ]
    inputs = _segments(stream, 2 * n, orders)
    region = _cells(out, out + n - 1)
    return Routine(
        kernel="rle_pcx",
        entry=entry,
        call="jsr",
        summary=f"Decode PCX-style RLE data at $7E{stream:04X} into {n} bytes at $7E{out:04X}.",
        details=(
            f"Read the stream at $7E{stream:04X} byte by byte. A byte b of $C0-$FF is a run: the next byte "
            "is "
            "written (b AND $3F) times (0-63; a run of 0 writes nothing but still uses the byte). Any byte "
            f"below $C0 is written as it is. Write to $7E{out:04X} and stop as soon as the {n}th byte is "
            f"written; return in X the number of stream bytes read (at most {2 * n}). Entry and exit mode: "
            f"m=1, x=0. Observable: {region} and X. A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=0, inputs=inputs, outputs=[region, "X"]),
        slow=(
            Draft(
                "and-test",
                slow,
                "tests the two top bits with AND/CMP and reloads the byte instead of one CMP #$C0",
            ),
        ),
        bugs=(
            Draft("threshold-80", ref.replace("CMP #$C0", "CMP #$80"), "bytes $80-$BF are taken as runs"),
            Draft(
                "no-zero-run",
                ref.replace("    AND #$3F\n    BEQ .skip\n", "    AND #$3F\n"),
                "a run of 0 is not special: DEC wraps and it writes 256 bytes",
            ),
            Draft("mask-1f", ref.replace("AND #$3F", "AND #$1F"), "the count keeps only five bits"),
        ),
        facts=(
            fact("rle", r"run.length", r"\bRLE\b", r"\bruns?\b", r"PCX"),
            fact("top-bits", r"\$C0", r"top two bits", r"two high bits", r"AND #\$3F"),
            fact("stop", rf"\b{n}\b", r"stop", r"cut", r"truncat"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b", r"back.?reference"),
        explanation=(
            f"X reads the stream and Y writes the output. A byte below $C0 is stored as it is. A byte of $C0 "
            f"or more is a run: AND #$3F gives the count (0 skips the value byte), and the next byte is "
            f"stored count times. Every store checks Y against {n} and stops there; INX leaves X just past "
            "the last byte used, which is the count returned. RTS."
        ),
        false_claims=("It copies back-references with MVN.",),
        tags=("decompression", "rle", "pcx", "streams", "16-bit-index"),
        params={"n": n, "stream": stream, "out": out},
    )


def rle_nibble_runs(rng: random.Random) -> Routine:
    """Nibble RLE with a terminator: each byte is a run (high nibble = length 1-15, low nibble = value);
    a byte below $10 ends the stream; the output stops at a maximum length."""
    most = rng.choice([24, 32, 40, 48])
    stream = rng.choice([0x1900, 0x1B00, 0x1C80])
    out = rng.choice([0x0C40, 0x0E80, 0x1040])
    val, cnt = rng.choice([(0x00, 0x01), (0x06, 0x07), (0x0C, 0x0A)])
    base = rng.choice([0x00, 0x00, 0x31, 0x87])
    entry = rng.choice(["Map_UnpackRow", "Colors_Unpack", "DecodeNibbleRuns", "Mask_Expand"])
    add = f"    CLC\n    ADC #{hex8(base)}\n" if base else ""
    ref = (
        f"{entry}:\n    LDX #$00\n    LDY #$00\n.next:\n    LDA ${stream:04X},X\n    INX\n    CMP #$10\n"
        f"    BCC .end\n    PHA\n    AND #$0F\n{add}    STA ${val:02X}\n    PLA\n    LSR A\n    LSR A\n"
        "    LSR A\n"
        f"    LSR A\n    STA ${cnt:02X}\n    LDA ${val:02X}\n.put:\n    STA ${out:04X},Y\n    INY\n"
        f"    CPY #{hex8(most)}\n    BEQ .end\n    DEC ${cnt:02X}\n    BNE .put\n    BRA .next\n.end:\n"
        "    TYA\n"
        "    RTS\n"
    )
    slow = ref.replace(f"    LDA ${val:02X}\n.put:\n    STA", f".put:\n    LDA ${val:02X}\n    STA")
    value_text = f"the value plus {hex8(base)}" if base else "the value"
    orders = [
        [0x2A, 0x15, 0x0F, 0xF3, 0x10, 0xFF],
        [0x13, 0x0F, 0xF1, 0x00, 0x2C, 0x10],
        [0x0F, 0x31, 0xFF, 0x1E, 0x00, 0x10],
    ]
    inputs = _segments(stream, most + 1, orders)
    region = _cells(out, out + most - 1)
    return Routine(
        kernel="rle_nibble_runs",
        entry=entry,
        call="jsr",
        summary=f"Expand the nibble runs at $7E{stream:04X} into at most {most} bytes at $7E{out:04X}.",
        details=(
            f"Each byte of the stream at $7E{stream:04X} is a run: the high nibble is its length (1-15) and "
            f"the low nibble its value; write {value_text} that many times. A byte below $10 (length 0) ends "
            f"the stream. Write to $7E{out:04X} and stop after at most {most} bytes (a run may be cut "
            "short). "
            f"Return in A the number of bytes written. Observable: A (low byte) and {region}. X and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=["A.lo", region]),
        slow=(Draft("reload-value", slow, "reloads the run value from memory for every byte written"),),
        bugs=(
            Draft(
                "zero-only",
                ref.replace("    CMP #$10\n    BCC .end\n", "    CMP #$00\n    BEQ .end\n"),
                "only $00 ends the stream: $01-$0F are taken as runs of 0 (256 bytes)",
            ),
            Draft("three-shifts", ref.replace("    LSR A\n", "", 1), "three LSRs: the length is doubled"),
            Draft(
                "no-limit",
                ref.replace(f"    CPY #{hex8(most)}\n    BEQ .end\n", ""),
                "no maximum: a long stream writes past the buffer",
            ),
        ),
        facts=(
            fact("nibble", r"nibble", r"4-bit", r"\bLSR\b", r"AND #\$0F"),
            fact("rle", r"\bruns?\b", r"run.length", r"repeat"),
            fact("end", r"\$10", r"terminat", r"\bend", r"length 0"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            "Reads a byte; below $10 it ends. Otherwise it pushes it, keeps the low nibble (the value) in "
            f"${val:02X}, takes the high nibble with four LSRs as the count in ${cnt:02X}, and stores the "
            "value "
            f"count times. Each store checks Y against {most}, the most bytes allowed. Returns the number of "
            "bytes written (Y) in A. RTS."
        ),
        false_claims=("It copies the stream with MVN.",),
        tags=("decompression", "rle", "nibbles", "terminator", "bounded-loop"),
        params={"most": most, "stream": stream, "out": out, "base": base},
    )


def rle_commands4(rng: random.Random) -> Routine:
    """A four-command RLE format (bits 7-6 of the header: literal, byte fill, increasing fill, two-byte
    fill; bits 5-0: length-1), decoded to exactly N bytes. The two-byte fill alternates A and B with
    XBA."""
    n = rng.choice([48, 56, 64])
    stream = rng.choice([0x1800, 0x1900, 0x1A00])
    out = rng.choice([0x0C00, 0x0D00, 0x1000, 0x1100])
    cnt = rng.choice([0x00, 0x05, 0x0F])
    entry = rng.choice(["Decomp_Commands", "Lz2Lite_Unpack", "Unpack_Tilemap", "Expand_Commands"])
    limit = hex16(n)
    tail = f"    INY\n    CPY #{limit}\n    BEQ .done\n    DEC ${cnt:02X}\n"
    ref = (
        f"{entry}:\n    LDX #$0000\n    LDY #$0000\n.cmd:\n    LDA ${stream:04X},X\n    INX\n    AND #$3F\n"
        f"    STA ${cnt:02X}\n    LDA ${stream - 1:04X},X\n    ASL A\n    BCS .high\n    BMI .fill\n"
        f".literal:\n    LDA ${stream:04X},X\n    INX\n    STA ${out:04X},Y\n{tail}    BPL .literal\n"
        "    BRA .cmd\n"
        f".fill:\n    LDA ${stream:04X},X\n    INX\n.fill_loop:\n    STA ${out:04X},Y\n"
        f"{tail}    BPL .fill_loop\n"
        f"    BRA .cmd\n.high:\n    BMI .word\n    LDA ${stream:04X},X\n    INX\n.inc_loop:\n"
        f"    STA ${out:04X},Y\n"
        f"    INC A\n{tail}    BPL .inc_loop\n    BRA .cmd\n.word:\n    LDA ${stream + 1:04X},X\n    XBA\n"
        f"    LDA ${stream:04X},X\n    INX\n    INX\n.word_loop:\n    STA ${out:04X},Y\n    XBA\n{tail}"
        "    BPL .word_loop\n    BRA .cmd\n.done:\n    RTS\n"
    )
    other = rng.choice([0x02, 0x08, 0x0A])
    slow = ref.replace("    INC A\n", "    CLC\n    ADC #$01\n").replace(
        f".word:\n    LDA ${stream + 1:04X},X\n    XBA\n    LDA ${stream:04X},X\n    INX\n    INX\n"
        f".word_loop:\n    STA ${out:04X},Y\n    XBA\n",
        f".word:\n    LDA ${stream + 1:04X},X\n    STA ${other:02X}\n    LDA ${stream:04X},X\n"
        f"    STA ${other + 1:02X}\n"
        f"    INX\n    INX\n.word_loop:\n    LDA ${other + 1:02X}\n    STA ${out:04X},Y\n"
        f"    LDA ${other:02X}\n"
        f"    PHA\n    LDA ${other + 1:02X}\n    STA ${other:02X}\n    PLA\n    STA ${other + 1:02X}\n",
    )
    orders = [
        [0x02, 0x43, 0x81, 0xC2, 0x00, 0xFF],
        [0x41, 0x7F, 0xC1, 0x03, 0xBF, 0x80],
        [0x83, 0x00, 0x42, 0xFE, 0xC0, 0x01],
        [0xC3, 0x81, 0x01, 0x40, 0x3F, 0xFF],
    ]
    inputs = _segments(stream, 2 * n, orders)
    region = _cells(out, out + n - 1)
    return Routine(
        kernel="rle_commands4",
        entry=entry,
        call="jsr",
        summary=f"Decode the four-command compressed stream at $7E{stream:04X} into {n} bytes at "
        f"$7E{out:04X}.",
        details=(
            f"The stream at $7E{stream:04X} is a sequence of commands. A header byte h gives the command in "
            "bits 7-6 and the length L = (h AND $3F) + 1 (1-64). Command 0: copy the next L bytes. Command "
            "1: "
            "write the next byte L times. Command 2: write the next byte v, then v+1, v+2, ... (L bytes, "
            "wrapping at $FF). Command 3: the next two bytes a, b are written alternately a, b, a, ... (L "
            f"bytes). Write to $7E{out:04X} and stop as soon as the {n}th byte is written (a command may be "
            f"cut short). Return in X the number of stream bytes read (at most {2 * n}). Entry and exit "
            "mode: "
            f"m=1, x=0. Observable: {region} and X. A and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=0, inputs=inputs, outputs=[region, "X"]),
        slow=(
            Draft(
                "no-xba",
                slow,
                "swaps the two fill bytes through scratch memory and the stack for every byte instead of "
                "XBA, "
                "and counts up with CLC/ADC #$01 instead of INC A",
            ),
        ),
        bugs=(
            Draft(
                "mask-7f",
                ref.replace("AND #$3F", "AND #$7F"),
                "the length keeps bit 6 (a command bit): fill commands run up to 128 bytes",
            ),
            Draft(
                "word-order",
                ref.replace(
                    f".word:\n    LDA ${stream + 1:04X},X\n    XBA\n    LDA ${stream:04X},X\n",
                    f".word:\n    LDA ${stream:04X},X\n    XBA\n    LDA ${stream + 1:04X},X\n",
                ),
                "the two-byte fill starts with its second byte",
            ),
            Draft(
                "fill-short",
                ref.replace("    BPL .fill_loop\n", "    BNE .fill_loop\n"),
                "BNE instead of BPL: a byte fill writes one byte less than its length",
            ),
        ),
        facts=(
            fact("commands", r"command", r"header", r"bits 7-6", r"\bASL\b"),
            fact("fills", r"\bfill", r"\bruns?\b", r"repeat"),
            fact("xba", r"\bXBA\b", r"alternat", r"two-byte"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b", r"back.?reference"),
        explanation=(
            f"X reads the stream and Y writes the output. Each header's low six bits (AND #$3F, the length "
            f"minus one) go to ${cnt:02X}; reloading the header and shifting it left puts bit 7 in carry and "
            "bit 6 in N, which select the command: literal copy, byte fill, increasing fill (INC A per byte) "
            "or two-byte fill, which keeps a and b in the two halves of A and swaps them with XBA after each "
            f"byte. Every store checks Y against {n} and returns there with X = the stream bytes read. RTS."
        ),
        false_claims=("It copies back-references out of the output buffer.",),
        tags=("decompression", "rle", "commands", "xba", "16-bit-index"),
        params={"n": n, "stream": stream, "out": out},
    )


# -------------------------------------------------------------------------------------------- LZ


def lz_decode(rng: random.Random) -> Routine:
    """LZ decoding with a flag byte per eight items (LSB first: 1 = literal, 0 = back-reference of two
    bytes: distance-1, then length-3 in the low nibble) and a 256-byte preset window before the output.
    Back-references copy byte by byte, so they may overlap what they write."""
    n = rng.choice([32, 40, 48])
    window = rng.choice([0x0C00, 0x0E00, 0x1000])
    out = window + 0x100
    stream = rng.choice([0x1800, 0x1900, 0x1A00])
    names = rng.choice(
        [(0x00, 0x01, 0x02, 0x04, 0x06), (0x08, 0x09, 0x0A, 0x0C, 0x0E), (0x0F, 0x0E, 0x0D, 0x00, 0x02)]
    )
    flags, bits, length, dist, saved = names
    entry = rng.choice(["Lz_Decompress", "Decomp_Lz", "UnpackLz", "Gfx_LzDecode"])
    limit = hex16(n)
    ref = asm(f"""
        {entry}:
            STZ ${dist + 1:02X}
            LDX #$0000
            LDY #$0000
        .flags:
            LDA ${stream:04X},X
            INX
            STA ${flags:02X}
            LDA #$08
            STA ${bits:02X}
        .item:
            LSR ${flags:02X}
            BCC .ref
            LDA ${stream:04X},X
            INX
            STA ${out:04X},Y
            INY
            CPY #{limit}
            BEQ .done
        .step:
            DEC ${bits:02X}
            BNE .item
            BRA .flags
        .ref:
            LDA ${stream + 1:04X},X
            AND #$0F
            ADC #$03
            STA ${length:02X}
            LDA ${stream:04X},X
            EOR #$FF
            STA ${dist:02X}
            INX
            INX
            STX ${saved:02X}
            REP #$21
            TYA
            ADC ${dist:02X}
            TAX
            SEP #$20
        .copy:
            LDA ${window:04X},X
            STA ${out:04X},Y
            INX
            INY
            CPY #{limit}
            BEQ .done
            DEC ${length:02X}
            BNE .copy
            LDX ${saved:02X}
            BRA .step
        .done:
            RTS
        """)
    slow = (
        ref.replace(f"    LSR ${flags:02X}\n", f"    LDA ${flags:02X}\n    LSR A\n    STA ${flags:02X}\n")
        .replace(f"    DEC ${bits:02X}\n", f"    LDA ${bits:02X}\n    DEC A\n    STA ${bits:02X}\n")
        .replace(f"    DEC ${length:02X}\n", f"    LDA ${length:02X}\n    DEC A\n    STA ${length:02X}\n")
    )
    most = 2 * n + n // 8 + 2
    orders = [
        [0x55, 0x0F, 0xF0, 0x00, 0xFF, 0xAA],
        [0x00, 0xF2, 0x01, 0xFF, 0x10, 0x80],
        [0xFF, 0x03, 0x00, 0x1F, 0xE0, 0x7F],
    ]
    inputs: dict[str, object] = {_cells(window, window + 0xFF): byte_range(0x00, 0xFF)}
    inputs.update(_segments(stream, most, orders))
    region = _cells(out, out + n - 1)
    return Routine(
        kernel="lz_decode",
        entry=entry,
        call="jsr",
        summary=f"LZ-decode the stream at $7E{stream:04X} into {n} bytes at $7E{out:04X} (preset window "
        "before it).",
        details=(
            f"The stream at $7E{stream:04X} is groups of a flag byte and eight items; flag bit 0 describes "
            "the "
            "first item, bit 1 the second, and so on. Flag bit 1: the item is one literal byte. Flag bit 0: "
            "the item is two bytes d, l: copy (l AND $0F) + 3 bytes (3-18) starting d+1 bytes (1-256) before "
            "the current output position, one byte at a time (a copy may overlap the bytes it writes). "
            f"Output goes to $7E{out:04X}; the 256 bytes before it ($7E{window:04X}-$7E{out - 1:04X}) are a "
            f"preset window that copies may read. Stop as soon as the {n}th byte is written. Entry and exit "
            f"mode: m=1, x=0. Observable: {region}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=0, inputs=inputs, outputs=[region]),
        slow=(
            Draft(
                "a-register",
                slow,
                "updates the flag byte and both counters through A (LDA/op/STA) instead of LSR dp and DEC dp",
            ),
        ),
        bugs=(
            Draft(
                "distance",
                ref.replace("    EOR #$FF\n", "    EOR #$FF\n    INC A\n"),
                "the distance is taken as d instead of d+1: copies start one byte late",
            ),
            Draft(
                "msb-first",
                ref.replace(f"    LSR ${flags:02X}\n", f"    ASL ${flags:02X}\n"),
                "flag bits are read from bit 7 down",
            ),
            Draft("length-2", ref.replace("ADC #$03", "ADC #$02"), "copies are one byte short"),
        ),
        facts=(
            fact("lz", r"\bLZ", r"back.?reference", r"dictionary", r"sliding window", r"earlier output"),
            fact("flags", r"flag (byte|bit)", r"\bLSR\b", r"literal"),
            fact("overlap", r"overlap", r"byte (by|at a) (byte|time)", r"repeat"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"X reads the stream, Y counts output bytes. A flag byte is loaded every eight items and shifted "
            f"right (LSR ${flags:02X}); a 1 bit copies a literal byte. A 0 bit reads a back-reference: the "
            "length (l AND $0F) + 3 (the carry is clear after the shift) and the distance, kept as 255-d so "
            f"that Y + (255-d) indexes the window base ${window:04X}: the source is d+1 bytes before the "
            "output position. The copy loop moves one byte at a time, so an overlapping reference repeats "
            f"bytes it has just written. Every store checks Y against {n}. RTS."
        ),
        false_claims=("It copies each back-reference with MVN.",),
        tags=("decompression", "lz", "back-reference", "bit-flags", "16-bit-index"),
        params={"n": n, "stream": stream, "window": window},
    )


def lz_copy_mvn(rng: random.Random) -> Routine:
    """The back-reference step of an LZ decoder as one MVN: a forward block move whose source trails
    its destination copies byte by byte, so an overlap repeats the pattern exactly as LZ requires."""
    base = rng.choice([0x2000, 0x4400, 0x8000, 0xC200])
    most = rng.choice([32, 48, 64])
    reach = rng.choice([32, 64])
    cnt, tmp = rng.choice([(0x00, 0x02), (0x04, 0x06), (0x0A, 0x0C)])
    entry = rng.choice(["Lz_CopyMatch", "CopyBackRef", "Decomp_Repeat", "Match_Copy"])
    first, last = base + reach, base + 0xFF - most
    ref = asm(f"""
        {entry}:
            PHB
            DEC A
            STA ${cnt:02X}
            STX ${tmp:02X}
            TYA
            SEC
            SBC ${tmp:02X}
            TAX
            LDA ${cnt:02X}
            MVN $7F,$7F
            PLB
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STA ${cnt:02X}
            STX ${tmp:02X}
            TYA
            SEC
            SBC ${tmp:02X}
            TAX
            PHB
            SEP #$20
            LDA #$7F
            PHA
            PLB
        .copy:
            LDA $0000,X
            STA $0000,Y
            INX
            INY
            DEC ${cnt:02X}
            BNE .copy
            REP #$20
            PLB
            RTS
        """)
    region = _cells(base, base + 0xFF, 0x7F)
    return Routine(
        kernel="lz_copy_mvn",
        entry=entry,
        call="jsr",
        summary="Copy A bytes from X bytes before $7F:Y to $7F:Y, byte by byte (an LZ back-reference).",
        details=(
            f"All in bank $7F. A (16-bit) is the length, 1-{most}; X is the distance, 1-{reach}; Y is the "
            f"destination address, ${first:04X}-${last:04X}. Copy A bytes from $7F:(Y-X) to $7F:Y in "
            "increasing "
            "order, one byte at a time: when the distance is shorter than the length, bytes written early "
            "are read again (the pattern repeats). Return with Y just past the last byte written (Y + A: the "
            "next output position). DBR must be the same on return. Entry and exit mode: m=0, x=0. "
            f"Observable: {region} and Y. A and X may be clobbered. (ASAR writes block moves as MVN "
            "dest_bank,src_bank.)"
        ),
        reference=ref,
        spec=spec_dict(
            m=0,
            x=0,
            inputs={
                "A": span(1, most, 1, 2, 3, most),
                "X": span(1, reach, 1, 2, 3, reach),
                "Y": span(first, last, first, last),
                region: byte_range(0x00, 0xFF),
            },
            outputs=[region, "Y"],
        ),
        slow=(Draft("byte-loop", slow, "a byte loop with DBR set to $7F instead of one MVN"),),
        bugs=(
            Draft("count", ref.replace("    DEC A\n", ""), "MVN moves A+1 bytes: one byte too many"),
            Draft(
                "no-sec",
                ref.replace("    SEC\n", ""),
                "no SEC: the source is one byte earlier when carry was clear",
            ),
            Draft(
                "mvp", ref.replace("MVN $7F,$7F", "MVP $7F,$7F"), "MVP walks down from the start addresses"
            ),
        ),
        facts=(
            fact("mvn", r"\bMVN\b", r"block move"),
            fact("overlap", r"overlap", r"repeat", r"byte (by|at a) (byte|time)"),
            fact("distance", r"distance", r"Y ?- ?X", r"\bSBC\b", r"before"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVP\b[^\n.]{0,20}(copies|moves|used)"),
        explanation=(
            "Saves DBR, keeps the length minus one (MVN moves A+1 bytes), computes the source Y - X with "
            "SEC/SBC into X and runs MVN $7F,$7F. MVN copies upwards one byte at a time, so when the source "
            "is fewer bytes back than the length, bytes it has just written are copied again: the pattern "
            "repeats as an LZ back-reference needs. MVN leaves Y just past the destination, the next output "
            "position. PLB restores DBR. RTS."
        ),
        false_claims=("It uses MVP to copy the match.",),
        tags=("decompression", "lz", "block-move", "mvn", "overlap", "bank-7f"),
        params={"base": base, "most": most, "reach": reach},
    )


# ------------------------------------------------------------------------------- bits and fields


def pack_flags_bit7(rng: random.Random) -> Routine:
    """Pack eight flags (bit 7 of each byte, the SNES convention tested by BMI/BPL) into one byte, with a
    sentinel bit ending the loop."""
    flags = rng.choice([0x0E80, 0x0F10, 0x1A40, 0x0C20])
    tmp = rng.choice([0x00, 0x07, 0x0E])
    entry = rng.choice(["Flags_Pack", "PackSwitches", "SaveFlagsByte", "Collect_Bits"])
    # tmp starts at $01: after eight ROLs that bit falls out into carry and ends the loop, so X only
    # indexes the flags (no loop bound that could be one off without being seen).
    ref = asm(f"""
        {entry}:
            LDA #$01
            STA ${tmp:02X}
            LDX #$07
        .next:
            LDA ${flags:04X},X
            ASL A
            ROL ${tmp:02X}
            DEX
            BCC .next
            LDA ${tmp:02X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STZ ${tmp:02X}
            LDX #$00
        .next:
            LDA ${flags:04X},X
            BPL .off
            LDA .bits,X
            TSB ${tmp:02X}
        .off:
            INX
            CPX #$08
            BNE .next
            LDA ${tmp:02X}
            RTS
        .bits:
            db $01,$02,$04,$08,$10,$20,$40,$80
        """)
    # Each flag cell starts its edge values with bit 7 set or clear by a seeded pattern, so edge cases
    # are not all-equal bytes (a reversed or shifted bit order shows).
    pattern = rng.sample([True] * 4 + [False] * 4, 8)
    inputs = {
        f"$7E{flags + i:04X}": _in_order(
            0, 0xFF, [0x80, 0x7F, 0x00, 0xFF, 0x01] if on else [0x7F, 0x80, 0xFF, 0x00, 0xFE]
        )
        for i, on in enumerate(pattern)
    }
    return Routine(
        kernel="pack_flags_bit7",
        entry=entry,
        call="jsr",
        summary=f"Pack the eight flags at $7E{flags:04X}-$7E{flags + 7:04X} (bit 7 of each) into one byte in "
        "A.",
        details=(
            f"Each byte of $7E{flags:04X}-$7E{flags + 7:04X} is a flag: set when its bit 7 is 1 (the other "
            "bits "
            f"do not matter). Return in A a byte whose bit i is flag i (the byte at $7E{flags:04X}+i). "
            "Observable: A (low byte). X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=["A.lo"]),
        slow=(
            Draft("mask-table", slow, "tests each flag with BPL and sets its bit from a mask table with TSB"),
        ),
        bugs=(
            Draft(
                "nonzero",
                ref.replace("    ASL A\n", "    CMP #$01\n"),
                "tests for a nonzero byte instead of bit 7",
            ),
            Draft(
                "ror",
                ref.replace(f"ROL ${tmp:02X}", f"ROR ${tmp:02X}"),
                "ROR: the sentinel bit drops out at once and the flags are collected the wrong way round",
            ),
            Draft(
                "index-8",
                ref.replace("LDX #$07", "LDX #$08"),
                "X starts one past the last flag: flag 0 is missed and the byte after the flags is read",
            ),
        ),
        facts=(
            fact("bit7", r"bit 7", r"\bASL\b", r"sign bit", r"top bit"),
            fact("pack", r"pack", r"\bROL\b", r"one byte", r"shift(s|ed)? into"),
            fact("order", r"bit i", r"flag i", r"order", r"flag 0"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"Starts ${tmp:02X} at $01 as a sentinel and walks the flags from the last to the first: ASL A "
            "moves "
            f"bit 7 of the flag into carry and ROL ${tmp:02X} shifts it in at bit 0. After eight ROLs the "
            "sentinel bit falls out into carry and ends the loop (BCC), leaving flag 7 in bit 7 and flag 0 "
            "in "
            "bit 0 (flag i in bit i). The byte is returned in A. RTS."
        ),
        false_claims=("It multiplies each flag with MUL.",),
        tags=("bits", "flags", "packing", "rol", "sentinel"),
        params={"flags": flags},
    )


def unpack_2bit_fields(rng: random.Random) -> Routine:
    """Unpack 2-bit fields (four per byte, bits 1-0 first) into one byte each."""
    n = rng.choice([4, 6, 8, 12])
    packed = rng.choice([0x1C00, 0x1D40, 0x0F80])
    out = rng.choice([0x1000, 0x1100, 0x1E00])
    tmp, cnt = rng.choice([(0x00, 0x01), (0x04, 0x08), (0x0E, 0x0C)])
    entry = rng.choice(["Collision_Unpack", "Unpack2bpp", "Fields_Expand", "Map_UnpackTypes"])
    ref = asm(f"""
        {entry}:
            LDX #$00
            LDY #$00
        .byte:
            LDA ${packed:04X},X
            STA ${tmp:02X}
        .field:
            LDA ${tmp:02X}
            AND #$03
            STA ${out:04X},Y
            LSR ${tmp:02X}
            LSR ${tmp:02X}
            INY
            TYA
            AND #$03
            BNE .field
            INX
            CPX #{hex8(n)}
            BNE .byte
            RTS
        """)
    slow = ref.replace(
        f"    STA ${tmp:02X}\n.field:\n",
        f"    STA ${tmp:02X}\n    LDA #$04\n    STA ${cnt:02X}\n.field:\n",
    ).replace(
        "    INY\n    TYA\n    AND #$03\n    BNE .field\n", f"    INY\n    DEC ${cnt:02X}\n    BNE .field\n"
    )
    region = _cells(out, out + 4 * n - 1)
    half = n // 2
    inputs = {
        _cells(packed, packed + half - 1): _in_order(0, 0xFF, [0xE4, 0x1B, 0x00, 0xFF, 0x55]),
        _cells(packed + half, packed + n - 1): _in_order(0, 0xFF, [0x1B, 0xE4, 0xAA, 0x00, 0xFF]),
    }
    return Routine(
        kernel="unpack_2bit_fields",
        entry=entry,
        call="jsr",
        summary=f"Unpack the {4 * n} 2-bit fields packed in the {n} bytes at $7E{packed:04X}, one per byte.",
        details=(
            f"Each byte of $7E{packed:04X}-$7E{packed + n - 1:04X} holds four 2-bit fields: bits 1-0 first, "
            "then "
            f"bits 3-2, 5-4 and 7-6. Write field k (0-{4 * n - 1}, in that order) as a byte 0-3 to "
            f"$7E{out:04X}+k. Observable: {region}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=[region]),
        slow=(
            Draft(
                "field-counter",
                slow,
                "counts the four fields down in memory instead of testing the low bits of the output index",
            ),
        ),
        bugs=(
            Draft(
                "one-bit",
                ref.replace("AND #$03\n    STA", "AND #$01\n    STA"),
                "AND #$01 keeps one bit of each field",
            ),
            Draft(
                "one-shift", ref.replace(f"    LSR ${tmp:02X}\n", "", 1), "one LSR: fields overlap by a bit"
            ),
            Draft(
                "bytes-short",
                ref.replace(f"CPX #{hex8(n)}", f"CPX #{hex8(n - 1)}"),
                "the last packed byte is never unpacked",
            ),
        ),
        facts=(
            fact("fields", r"2-bit", r"two.bit", r"AND #\$03", r"four (fields|per byte)"),
            fact("shift", r"\bLSR\b", r"shift"),
            fact("order", r"bits 1-0", r"low(est)? bits first", r"order"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"For each packed byte (X) it keeps a copy in ${tmp:02X}; each field is the copy AND #$03, "
            "stored at "
            f"${out:04X},Y, then two LSRs bring the next field down. Y counts output bytes, and its low two "
            "bits "
            f"returning to 0 (TYA / AND #$03) end the four fields of a byte. X runs over {n} bytes. RTS."
        ),
        false_claims=("It copies the fields with MVN.",),
        tags=("bits", "bitfields", "unpacking", "2-bit"),
        params={"n": n, "packed": packed, "out": out},
    )


def tile_attr_repack(rng: random.Random) -> Routine:
    """Build BG tilemap entries (low byte = tile, high byte = vhopppcc) from a tile table and an
    attribute table with another bit layout: bit-field moves with LSR/AND and a LSR/ROR/ROR rotation."""
    n = rng.choice([8, 12, 16, 24])
    tiles = rng.choice([0x1A00, 0x1B00, 0x0F00])
    attrs = tiles + 0x40
    out = rng.choice([0x1000, 0x1200, 0x1C00])
    tmp = rng.choice([0x00, 0x03, 0x0F])
    entry = rng.choice(["Tilemap_BuildRow", "MakeTileEntries", "Bg_PackAttrs", "Hud_BuildEntries"])
    ref = asm(f"""
        {entry}:
            LDX #{hex8(n - 1)}
            LDY #{hex8(2 * n - 2)}
        .next:
            LDA ${attrs:04X},X
            LSR A
            LSR A
            AND #$3C
            STA ${tmp:02X}
            LDA ${attrs:04X},X
            AND #$03
            LSR A
            ROR A
            ROR A
            ORA ${tmp:02X}
            STA ${out + 1:04X},Y
            LDA ${tiles:04X},X
            STA ${out:04X},Y
            DEY
            DEY
            DEX
            BPL .next
            RTS
        """)
    slow = ref.replace(
        "    LSR A\n    ROR A\n    ROR A\n",
        "    ASL A\n    ASL A\n    ASL A\n    ASL A\n    ASL A\n    ASL A\n",
    )
    region = _cells(out, out + 2 * n - 1)
    return Routine(
        kernel="tile_attr_repack",
        entry=entry,
        call="jsr",
        summary=f"Build {n} tilemap entries at $7E{out:04X} from the tile bytes at $7E{tiles:04X} and the "
        f"attribute bytes at $7E{attrs:04X}.",
        details=(
            f"For i = 0-{n - 1}: the tile byte is $7E{tiles:04X}+i and the attribute byte $7E{attrs:04X}+i, "
            "laid out as bit 0 = horizontal flip, bit 1 = vertical flip, bits 2-3 unused (ignore them), bits "
            f"4-6 = palette, bit 7 = priority. Write entry i as a word at $7E{out:04X}+2*i: low byte = the "
            "tile, "
            "high byte = v h o p p p 0 0 (bit 7 vertical flip, bit 6 horizontal flip, bit 5 priority, bits "
            "4-2 "
            f"palette, bits 1-0 zero). Observable: {region}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                _cells(tiles, tiles + n - 1): byte_range(),
                _cells(attrs, attrs + n - 1): byte_range(0x01, 0x02, 0x0C, 0x70, 0x80, 0xFF),
            },
            outputs=[region],
        ),
        slow=(Draft("six-shifts", slow, "moves the flip bits up with six ASLs instead of LSR/ROR/ROR"),),
        bugs=(
            Draft("no-priority", ref.replace("AND #$3C", "AND #$1C"), "the mask drops the priority bit"),
            Draft(
                "flips-swapped",
                ref.replace("    LSR A\n    ROR A\n    ROR A\n", "    ROR A\n    ROR A\n    ROR A\n"),
                "ROR three times rotates the stale carry in: the flips land one bit off",
            ),
            Draft(
                "bytes-swapped",
                ref.replace(
                    f"    STA ${out + 1:04X},Y\n    LDA ${tiles:04X},X\n    STA ${out:04X},Y\n",
                    f"    STA ${out:04X},Y\n    LDA ${tiles:04X},X\n    STA ${out + 1:04X},Y\n",
                ),
                "tile and attribute bytes are stored in the wrong order (the SNES is little-endian)",
            ),
        ),
        facts=(
            fact("fields", r"bit.?fields?", r"palette", r"priority", r"flip"),
            fact("rotate", r"\bROR\b", r"rotat", r"\bLSR\b"),
            fact("word", r"low byte", r"high byte", r"little.endian", r"tilemap entr"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            "For each entry, two LSRs move the palette (bits 4-6) and priority (bit 7) down by two, and AND "
            "#$3C "
            "keeps them at bits 2-5. The flips (AND #$03) are rotated to the top: LSR puts h in carry, ROR "
            "brings it to bit 7 and v to carry, the second ROR leaves v in bit 7 and h in bit 6. ORA joins "
            "the "
            "two; the result is the high byte and the tile the low byte of the tilemap word. X and Y count "
            "down. RTS."
        ),
        false_claims=("It copies the attributes unchanged with MVN.",),
        tags=("bits", "bitfields", "tilemap", "packing"),
        params={"n": n, "tiles": tiles, "out": out},
    )


def nibble_expand(rng: random.Random) -> Routine:
    """Expand N bytes into 2N bytes, one nibble each (high nibble first), ORed with a base value."""
    n = rng.choice([8, 12, 16, 24, 32])
    src = rng.choice([0x1C00, 0x1C80, 0x0F40])
    dst = rng.choice([0x1000, 0x1100, 0x1D00])
    base = rng.choice([0x00, 0x30, 0x41, 0xA7])
    entry = rng.choice(["Nibbles_Expand", "Unpack4bpp", "Digits_Split", "Font_Unpack"])
    add = f"    CLC\n    ADC #{hex8(base)}\n" if base else ""
    ref = (
        f"{entry}:\n    LDX #{hex8(n - 1)}\n    LDY #{hex8(2 * n - 1)}\n.next:\n    LDA ${src:04X},X\n"
        "    AND #$0F\n"
        f"{add}    STA ${dst:04X},Y\n    DEY\n    LDA ${src:04X},X\n    LSR A\n    LSR A\n    LSR A\n"
        "    LSR A\n"
        f"{add}    STA ${dst:04X},Y\n    DEY\n    DEX\n    BPL .next\n    RTS\n"
    )
    slow = ref.replace(
        "    LSR A\n    LSR A\n    LSR A\n    LSR A\n",
        "    PHY\n    LDY #$04\n.shift:\n    LSR A\n    DEY\n    BNE .shift\n    PLY\n",
    )
    region = _cells(dst, dst + 2 * n - 1)
    plus = f", plus {hex8(base)}" if base else ""
    return Routine(
        kernel="nibble_expand",
        entry=entry,
        call="jsr",
        summary=f"Split the {n} bytes at $7E{src:04X} into {2 * n} nibbles at $7E{dst:04X}, high nibble "
        "first.",
        details=(
            f"For i = 0-{n - 1}, byte $7E{src:04X}+i becomes two bytes: $7E{dst:04X}+2*i = its high nibble "
            "and "
            f"$7E{dst:04X}+2*i+1 = its low nibble (each 0-15{plus}). Observable: {region}. A, X and Y may be "
            "clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1, x=1, inputs={_cells(src, src + n - 1): byte_range(0x0F, 0xF0, 0x5A)}, outputs=[region]
        ),
        slow=(
            Draft(
                "shift-loop", slow, "shifts the high nibble down with a four-step loop instead of four LSRs"
            ),
        ),
        bugs=(
            Draft(
                "three-shifts",
                ref.replace("    LSR A\n", "", 1),
                "three LSRs: the high nibble keeps bit 3 of the low one",
            ),
            Draft(
                "order",
                ref.replace(
                    f"    LDA ${src:04X},X\n    AND #$0F\n",
                    f"    LDA ${src:04X},X\n    LSR A\n    LSR A\n    LSR A\n    LSR A\n",
                    1,
                ).replace(
                    "    LSR A\n    LSR A\n    LSR A\n    LSR A\n"
                    + add
                    + f"    STA ${dst:04X},Y\n    DEY\n    DEX\n",
                    "    AND #$0F\n" + add + f"    STA ${dst:04X},Y\n    DEY\n    DEX\n",
                ),
                "low nibble first: the two halves of every pair are swapped",
            ),
            Draft("mask-07", ref.replace("AND #$0F", "AND #$07"), "AND #$07 drops bit 3 of the low nibble"),
        ),
        facts=(
            fact("nibble", r"nibble", r"4-bit", r"AND #\$0F"),
            fact("shift", r"\bLSR\b", r"shift"),
            fact("order", r"high (nibble )?first", r"high nibble", r"two bytes"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"Works from the last byte down: X indexes the source and Y the output ({2 * n - 1} down). Each "
            "byte "
            "gives its low nibble (AND #$0F) to the later output byte and its high nibble (four LSRs) to the "
            f"earlier one{plus}, so the output is high nibble first. RTS."
        ),
        false_claims=("It copies the bytes with MVN.",),
        tags=("bits", "nibbles", "unpacking"),
        params={"n": n, "base": base},
    )


def unpack_bits_stream(rng: random.Random) -> Routine:
    """Read N values of W bits (3 or 5) MSB first from a byte stream through a one-byte bit buffer."""
    width = rng.choice([3, 5])
    n = rng.choice([8, 12, 16, 20])
    stream = rng.choice([0x1C00, 0x1C40, 0x1E00])
    out = rng.choice([0x1000, 0x1100, 0x0E00])
    cur, left, val, need = rng.choice(
        [(0x00, 0x01, 0x02, 0x03), (0x04, 0x05, 0x06, 0x07), (0x0C, 0x0D, 0x0E, 0x0F)]
    )
    entry = rng.choice(["Bits_Unpack", "ReadPackedValues", "Stream_GetFields", "Unpack_Bitstream"])
    ref = asm(f"""
        {entry}:
            LDX #$00
            LDY #$00
            STZ ${left:02X}
        .value:
            STZ ${val:02X}
            LDA #{hex8(width)}
            STA ${need:02X}
        .bit:
            LDA ${left:02X}
            BNE .have
            LDA ${stream:04X},X
            STA ${cur:02X}
            INX
            LDA #$08
            STA ${left:02X}
        .have:
            ASL ${cur:02X}
            ROL ${val:02X}
            DEC ${left:02X}
            DEC ${need:02X}
            BNE .bit
            LDA ${val:02X}
            STA ${out:04X},Y
            INY
            CPY #{hex8(n)}
            BNE .value
            RTS
        """)
    slow = ref.replace(
        f"    ASL ${cur:02X}\n    ROL ${val:02X}\n",
        f"    LDA ${cur:02X}\n    ASL A\n    STA ${cur:02X}\n    LDA ${val:02X}\n    ROL A\n"
        f"    STA ${val:02X}\n",
    )
    size = -(-n * width // 8)
    region = _cells(out, out + n - 1)
    return Routine(
        kernel="unpack_bits_stream",
        entry=entry,
        call="jsr",
        summary=f"Unpack {n} {width}-bit values, packed most significant bit first, from $7E{stream:04X} "
        "into bytes.",
        details=(
            f"The bytes at $7E{stream:04X}-$7E{stream + size - 1:04X} hold {n} values of {width} bits packed "
            f"back to back, most significant bit first (bit 7 of the first byte is the top bit of value 0; a "
            f"value may straddle two bytes). Write value k (0-{2**width - 1}) to $7E{out:04X}+k for k = 0-"
            f"{n - 1}. Observable: {region}. A, X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={_cells(stream, stream + size - 1): byte_range(0x80, 0x01, 0xAA, 0x55)},
            outputs=[region],
        ),
        slow=(
            Draft(
                "through-a", slow, "shifts the bit buffer and the value through A (LDA/ASL/STA, LDA/ROL/STA)"
            ),
        ),
        bugs=(
            Draft(
                "lsb-first", ref.replace(f"ASL ${cur:02X}", f"LSR ${cur:02X}"), "takes the bits from bit 0 up"
            ),
            Draft(
                "seven-bits",
                ref.replace("    LDA #$08\n", "    LDA #$07\n"),
                "uses only seven bits of each byte",
            ),
            Draft(
                "width",
                ref.replace(f"LDA #{hex8(width)}", f"LDA #{hex8(width - 1)}"),
                f"reads {width - 1}-bit values",
            ),
        ),
        facts=(
            fact("bits", rf"{width}-bit", r"bit (buffer|stream)", r"\bASL\b"),
            fact("msb", r"most significant", r"\bMSB\b", r"top bit", r"bit 7"),
            fact("refill", r"refill", r"next byte", r"eight bits", r"\bleft\b"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b", r"least significant bit first"),
        explanation=(
            f"A value is built in ${val:02X} from {width} bits: each bit comes from ASL ${cur:02X} (the "
            "current "
            f"byte, most significant bit first) and enters the value with ROL. ${left:02X} counts the bits "
            "left in "
            "the current byte; at 0 the next stream byte is loaded and the count set to eight, so values can "
            f"straddle bytes. Each finished value is stored at ${out:04X},Y for {n} values. RTS."
        ),
        false_claims=("It reads the least significant bit first.",),
        tags=("bits", "bitstream", "unpacking", f"{width}-bit"),
        params={"n": n, "width": width},
    )


# ------------------------------------------------------------------ counted loops, checks, copies


def delta_decode8(rng: random.Random) -> Routine:
    """Delta decoding: each output byte is the previous one plus the next delta (mod 256), starting
    from A; the number of deltas is a byte in memory (0 writes nothing)."""
    most = rng.choice([16, 24, 32, 48])
    deltas = rng.choice([0x1C00, 0x1C80, 0x1D00])
    out = rng.choice([0x1000, 0x1080, 0x0E00])
    count = rng.choice([0x0F90, 0x1E80, 0x0FC0])
    entry = rng.choice(["Delta_Decode", "Samples_Undelta", "Path_Integrate", "Wave_Unpack"])
    ref = asm(f"""
        {entry}:
            LDY ${count:04X}
            BEQ .done
            LDX #$00
        .next:
            CLC
            ADC ${deltas:04X},X
            STA ${out:04X},X
            INX
            DEY
            BNE .next
        .done:
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #$00
        .next:
            CPX ${count:04X}
            BEQ .done
            CLC
            ADC ${deltas:04X},X
            STA ${out:04X},X
            LDA ${out:04X},X
            INX
            BRA .next
        .done:
            RTS
        """)
    region = _cells(out, out + most - 1)
    return Routine(
        kernel="delta_decode8",
        entry=entry,
        call="jsr",
        summary=f"Undo delta coding: running sums of the deltas at $7E{deltas:04X}, starting from A.",
        details=(
            f"The byte $7E{count:04X} is the number of deltas, 0-{most}. A (8-bit) is the starting value. "
            "For "
            f"i = 0 to count-1, output byte i (at $7E{out:04X}+i) is the previous output (A for i = 0) plus "
            f"delta $7E{deltas:04X}+i, modulo 256. Write nothing when the count is 0. Observable: {region}. "
            "A, X "
            "and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                "A.lo": byte_range(0x00, 0x80, 0xFF),
                f"$7E{count:04X}": span(0, most, 0, 1, 2, most - 1, most),
                _cells(deltas, deltas + most - 1): byte_range(0x01, 0xFF, 0x80),
            },
            outputs=[region],
        ),
        slow=(
            Draft("reload", slow, "compares X with the count in memory every step and reloads each output"),
        ),
        bugs=(
            Draft("no-clc", ref.replace("    CLC\n", ""), "no CLC: each carry is added into the next byte"),
            Draft(
                "count-plus-one",
                ref.replace("    DEY\n    BNE .next\n", "    DEY\n    BPL .next\n"),
                "BPL: one delta too many",
            ),
            Draft("zero-count", ref.replace("    BEQ .done\n", ""), "a count of 0 runs 256 times"),
        ),
        facts=(
            fact("delta", r"delta", r"difference", r"running sum", r"previous"),
            fact("count", r"count", r"number of", rf"\${count:04X}"),
            fact("add", r"\bADC\b", r"\badd", r"plus"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"Loads the count from ${count:04X} into Y (0: return at once). A holds the running value: for "
            "each "
            f"delta, CLC / ADC ${deltas:04X},X adds it (wrapping at 256) and the sum is stored at "
            f"${out:04X},X, "
            "so each output is the previous one plus its delta. X walks both tables; Y counts down. RTS."
        ),
        false_claims=("It copies the deltas with MVN.",),
        tags=("decompression", "delta", "counted-loop", "variable-length"),
        params={"most": most, "count": count},
    )


_CRC8_POLYS = (
    (0x8C, "x^8+x^5+x^4+1, reflected"),
    (0xE0, "x^8+x^2+x+1, reflected"),
    (0xB8, "x^8+x^4+x^3+x^2+1, reflected"),
)


def crc8_reflected(rng: random.Random) -> Routine:
    """A reflected (LSB-first) CRC-8 over a block whose length is a byte in memory."""
    poly, poly_text = rng.choice(_CRC8_POLYS)
    init = rng.choice([0x00, 0xFF])
    most = rng.choice([16, 24, 32])
    data = rng.choice([0x1C00, 0x1D00, 0x1E20])
    count = rng.choice([0x0F80, 0x1F00, 0x0FA2])
    entry = rng.choice(["Crc8_Block", "Save_Crc8", "Packet_Crc", "CheckBlock8"])
    ref = asm(f"""
        {entry}:
            LDA #{hex8(init)}
            LDY #$00
            CPY ${count:04X}
            BEQ .done
        .byte:
            EOR ${data:04X},Y
            LDX #$08
        .bit:
            LSR A
            BCC .next
            EOR #{hex8(poly)}
        .next:
            DEX
            BNE .bit
            INY
            CPY ${count:04X}
            BNE .byte
        .done:
            RTS
        """)
    slow = ref.replace(
        "    LSR A\n    BCC .next\n    EOR", "    LSR A\n    BCS .flip\n    BRA .next\n.flip:\n    EOR"
    )
    slow = slow.replace("    LDX #$08\n.bit:\n", "    LDX #$00\n.bit:\n").replace(
        "    DEX\n    BNE .bit\n", "    INX\n    CPX #$08\n    BNE .bit\n"
    )
    return Routine(
        kernel="crc8_reflected",
        entry=entry,
        call="jsr",
        summary=f"CRC-8 (reflected polynomial {hex8(poly)}, start {hex8(init)}) of the block at "
        f"$7E{data:04X}; "
        f"its length is at $7E{count:04X}.",
        details=(
            f"The byte $7E{count:04X} is the block length, 0-{most}; the block starts at $7E{data:04X}. "
            "Start "
            f"with crc = {hex8(init)}. For each byte: crc = crc XOR byte, then eight times: if bit 0 of crc "
            "is 1, "
            f"crc = (crc >> 1) XOR {hex8(poly)} ({poly_text}), else crc = crc >> 1. Return crc in A (a "
            "length of "
            f"0 returns {hex8(init)}). Observable: A (low byte). X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(
            m=1,
            x=1,
            inputs={
                f"$7E{count:04X}": span(0, most, 0, 1, 2, most - 1, most),
                _cells(data, data + most - 1): byte_range(0x00, 0x01, 0x80, 0xFF),
            },
            outputs=["A.lo"],
        ),
        slow=(Draft("count-up", slow, "counts the bits up to 8 with CPX and branches around the EOR"),),
        bugs=(
            Draft(
                "msb-first",
                ref.replace("    LSR A\n", "    ASL A\n"),
                "shifts left: a CRC for the unreflected bit order",
            ),
            Draft("seven", ref.replace("LDX #$08", "LDX #$07"), "seven shifts per byte"),
            Draft(
                "xor-after",
                ref.replace(f"    EOR ${data:04X},Y\n    LDX #$08\n", "    LDX #$08\n").replace(
                    "    INY\n    CPY", f"    EOR ${data:04X},Y\n    INY\n    CPY"
                ),
                "the byte is XORed in after its eight shifts instead of before",
            ),
        ),
        facts=(
            fact("crc", r"\bCRC", r"cyclic redundancy", r"polynomial"),
            fact("reflected", r"reflect", r"\bLSR\b", r"bit 0", r"LSB.first", r"right"),
            fact("count", r"length", r"count", rf"\${count:04X}"),
        ),
        forbid=(*COMMON_FORBID, r"\bASL A\b[^\n.]{0,30}each bit"),
        explanation=(
            f"Starts with {hex8(init)} in A. Y walks the block until it equals the length byte ${count:04X} "
            "(0: "
            "return at once). Each byte is XORed into A, then eight rounds shift A right (LSR); when the bit "
            f"shifted out is 1 the polynomial {hex8(poly)} is XORed in. The CRC is returned in A. RTS."
        ),
        false_claims=("It uses ASL A to shift out each bit from the top.",),
        tags=("checksum", "crc", "bits", "counted-loop", "variable-length"),
        params={"poly": poly, "init": init, "most": most},
    )


def fletcher16_block(rng: random.Random) -> Routine:
    """Fletcher-16 of a block: two sums modulo 255 kept with the end-around carry (ADC #$00), where 255
    stands for 0 until the end."""
    n = rng.choice([8, 12, 16, 24])
    data = rng.choice([0x1C00, 0x1D20, 0x0F40])
    result = rng.choice([0x0F90, 0x1E84, 0x0FB2])
    s1, s2 = rng.choice([(0x00, 0x01), (0x04, 0x06), (0x0E, 0x0C)])
    entry = rng.choice(["Fletcher16", "Save_Checksum", "Block_Fletcher", "VerifySum16"])
    ref = asm(f"""
        {entry}:
            STZ ${s1:02X}
            STZ ${s2:02X}
            LDX #$00
        .next:
            LDA ${s1:02X}
            CLC
            ADC ${data:04X},X
            ADC #$00
            STA ${s1:02X}
            ADC ${s2:02X}
            ADC #$00
            STA ${s2:02X}
            INX
            CPX #{hex8(n)}
            BNE .next
            LDA ${s1:02X}
            CMP #$FF
            BNE .low
            LDA #$00
        .low:
            STA ${result:04X}
            LDA ${s2:02X}
            CMP #$FF
            BNE .high
            LDA #$00
        .high:
            STA ${result + 1:04X}
            RTS
        """)
    slow = asm(f"""
        {entry}:
            STZ ${s1:02X}
            STZ ${s2:02X}
            LDX #$00
        .next:
            LDA ${s1:02X}
            CLC
            ADC ${data:04X},X
            BCS .wrap1
            CMP #$FF
            BCC .keep1
        .wrap1:
            SBC #$FF
        .keep1:
            STA ${s1:02X}
            CLC
            ADC ${s2:02X}
            BCS .wrap2
            CMP #$FF
            BCC .keep2
        .wrap2:
            SBC #$FF
        .keep2:
            STA ${s2:02X}
            INX
            CPX #{hex8(n)}
            BNE .next
            LDA ${s1:02X}
            STA ${result:04X}
            LDA ${s2:02X}
            STA ${result + 1:04X}
            RTS
        """)
    half = n // 2
    inputs = {
        _cells(data, data + half - 1): _in_order(0, 0xFF, [0xFF, 0x01, 0x00, 0x80, 0xFE]),
        _cells(data + half, data + n - 1): _in_order(0, 0xFF, [0xFF, 0xFE, 0x00, 0x7F, 0x01]),
    }
    return Routine(
        kernel="fletcher16_block",
        entry=entry,
        call="jsr",
        summary=f"Fletcher-16 checksum of the {n} bytes at $7E{data:04X}, stored as a word at "
        f"$7E{result:04X}.",
        details=(
            f"sum1 and sum2 start at 0. For each byte of $7E{data:04X}-$7E{data + n - 1:04X} in order: sum1 "
            "= "
            f"(sum1 + byte) mod 255, then sum2 = (sum2 + sum1) mod 255. Store sum1 at $7E{result:04X} and "
            "sum2 at "
            f"$7E{result + 1:04X} (each 0-254). Observable: $7E{result:04X}-$7E{result + 1:04X}. A, X and Y "
            "may "
            "be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=[_cells(result, result + 1)]),
        slow=(
            Draft(
                "reduce-each",
                slow,
                "reduces both sums modulo 255 with a compare and SBC on every byte "
                "instead of end-around carries and one fix-up at the end",
            ),
        ),
        bugs=(
            Draft(
                "mod-256",
                ref.replace(f"    ADC ${data:04X},X\n    ADC #$00\n", f"    ADC ${data:04X},X\n"),
                "sum1 drops the end-around carry: it is taken modulo 256",
            ),
            Draft(
                "order",
                ref.replace(
                    f"    LDA ${s1:02X}\n    CLC\n    ADC ${data:04X},X\n    ADC #$00\n    STA ${s1:02X}\n"
                    f"    ADC ${s2:02X}\n    ADC #$00\n    STA ${s2:02X}\n",
                    f"    LDA ${s1:02X}\n    CLC\n    ADC ${s2:02X}\n    ADC #$00\n    STA ${s2:02X}\n"
                    f"    LDA ${s1:02X}\n    CLC\n    ADC ${data:04X},X\n    ADC #$00\n    STA ${s1:02X}\n",
                ),
                "sum2 adds sum1 before this byte is added to it",
            ),
            Draft(
                "no-fixup",
                ref.replace("    CMP #$FF\n    BNE .low\n    LDA #$00\n", ""),
                "sum1 is stored as $FF when it should be 0",
            ),
        ),
        facts=(
            fact("fletcher", r"Fletcher", r"two sums", r"sum1", r"checksum"),
            fact("mod255", r"255", r"end.around", r"\bADC #\$00"),
            fact("store", rf"\${result:04X}", r"word", r"stor"),
        ),
        forbid=(*COMMON_FORBID, r"modulo 256", r"\bCRC\b"),
        explanation=(
            "Keeps both sums in one's-complement form: after each 8-bit add, ADC #$00 adds the carry back, "
            "which is addition modulo 255 with $FF standing for 0 (and never carries itself, so the next add "
            "needs no CLC). sum1 gets each byte and sum2 gets sum1. At "
            f"the end a sum of $FF is replaced by 0, and sum1 and sum2 are stored at ${result:04X} and "
            f"${result + 1:04X}. RTS."
        ),
        false_claims=("It computes a CRC and keeps the sums modulo 256.",),
        tags=("checksum", "fletcher", "mod-255", "bytes"),
        params={"n": n, "data": data},
    )


def copy_until_terminator(rng: random.Random) -> Routine:
    """Copy a string up to and including its terminator, at most M bytes; return the bytes copied."""
    most = rng.choice([12, 16, 24, 32])
    src = rng.choice([0x1C00, 0x1C40, 0x1D80])
    dst = rng.choice([0x1000, 0x1040, 0x0F00])
    term = rng.choice([0x00, 0xFF, 0x0D, 0x7F])
    entry = rng.choice(["StrCopyMax", "Text_CopyLine", "Name_Copy", "CopyString"])
    ref = asm(f"""
        {entry}:
            LDY #$00
        .next:
            LDA ${src:04X},Y
            STA ${dst:04X},Y
            INY
            CMP #{hex8(term)}
            BEQ .done
            CPY #{hex8(most)}
            BNE .next
        .done:
            TYA
            RTS
        """)
    slow = asm(f"""
        {entry}:
            LDX #$00
            LDY #$00
        .next:
            LDA ${src:04X},X
            STA ${dst:04X},X
            INX
            INY
            CMP #{hex8(term)}
            BEQ .done
            CPX #{hex8(most)}
            BNE .next
        .done:
            TYA
            RTS
        """)
    other = 0x41 if term != 0x41 else 0x42
    orders = [
        [other, term, 0x00, 0xFF, 0x80],
        [term, other, 0x7F, 0x01, 0xFE],
        [other, 0x20, term, 0x00, 0xFF],
    ]
    inputs = {}
    thirds = -(-most // 3)
    for index, order in enumerate(orders):
        lo = src + index * thirds
        hi = min(src + most, lo + thirds) - 1
        inputs[_cells(lo, hi)] = _in_order(0, 0xFF, list(dict.fromkeys(order)))
    region = _cells(dst, dst + most - 1)
    return Routine(
        kernel="copy_until_terminator",
        entry=entry,
        call="jsr",
        summary=f"Copy the {hex8(term)}-terminated string at $7E{src:04X} to $7E{dst:04X}, at most {most} "
        "bytes.",
        details=(
            f"Copy bytes from $7E{src:04X} to $7E{dst:04X} in order, up to and including the first "
            f"{hex8(term)} "
            f"(the terminator is copied too), but never more than {most} bytes. Return in A the number of "
            "bytes "
            f"copied (1-{most}). Observable: A (low byte) and {region}. X and Y may be clobbered."
        ),
        reference=ref,
        spec=spec_dict(m=1, x=1, inputs=inputs, outputs=["A.lo", region]),
        slow=(Draft("two-counters", slow, "keeps a second counter in Y beside the index X"),),
        bugs=(
            Draft(
                "stop-before-store",
                ref.replace(
                    f"    LDA ${src:04X},Y\n    STA ${dst:04X},Y\n    INY\n    CMP #{hex8(term)}\n"
                    "    BEQ .done\n",
                    f"    LDA ${src:04X},Y\n    CMP #{hex8(term)}\n    BEQ .done\n    STA ${dst:04X},Y\n"
                    "    INY\n",
                ),
                "tests for the terminator before storing it: the terminator is not copied",
            ),
            Draft(
                "max-plus-one",
                ref.replace(f"CPY #{hex8(most)}", f"CPY #{hex8(most + 1)}"),
                "one byte past the maximum is copied",
            ),
            Draft(
                "count-without-terminator",
                ref.replace(
                    f"    INY\n    CMP #{hex8(term)}\n    BEQ .done\n",
                    f"    CMP #{hex8(term)}\n    BEQ .done\n    INY\n",
                ),
                "the terminator is copied but not counted",
            ),
        ),
        facts=(
            fact("terminator", r"terminat", rf"{hex8(term)}", r"end marker"),
            fact("max", r"at most", r"maximum", rf"\b{most}\b", r"limit"),
            fact("count", r"number of bytes", r"\bTYA\b", r"count", r"length"),
        ),
        forbid=(*COMMON_FORBID, r"\bMVN\b"),
        explanation=(
            f"Y indexes both strings. Each byte is loaded, stored and counted (INY) before the tests, so the "
            f"terminator {hex8(term)} is copied too; CMP then stops at the terminator, and CPY #{hex8(most)} "
            "stops "
            "at the maximum. The count in Y is returned in A (TYA). RTS."
        ),
        false_claims=("It copies the string with MVN.",),
        tags=("strings", "terminator", "bounded-loop", "copy"),
        params={"most": most, "term": term},
    )


KERNELS = {
    "rle_packbits": rle_packbits,
    "rle_pcx": rle_pcx,
    "rle_nibble_runs": rle_nibble_runs,
    "rle_commands4": rle_commands4,
    "lz_decode": lz_decode,
    "lz_copy_mvn": lz_copy_mvn,
    "pack_flags_bit7": pack_flags_bit7,
    "unpack_2bit_fields": unpack_2bit_fields,
    "tile_attr_repack": tile_attr_repack,
    "nibble_expand": nibble_expand,
    "unpack_bits_stream": unpack_bits_stream,
    "delta_decode8": delta_decode8,
    "crc8_reflected": crc8_reflected,
    "fletcher16_block": fletcher16_block,
    "copy_until_terminator": copy_until_terminator,
}
