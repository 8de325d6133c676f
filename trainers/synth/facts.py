"""Address facts for explanations, read from the harness's own headers (and nothing else).

`harness/asar/headers/*.asm` define names as `!NAME = $ADDR ; meaning`. An explanation may state
"`$4202` is WRMPYA: multiplicand (8-bit, unsigned)" only when that header line says so; `synth verify`
re-reads the header to check every such statement. Addresses are compared in canonical form
(`harness.verify.spec.canonical_address`: the $0000-$1FFF low mirror is bank $7E), so `$0DD0,X` in a
routine and `!SPR_STATE = $0DD0` in the header name the same table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["HeaderFact", "code_addresses", "header_facts"]

_DEFINE_RE = re.compile(r"^!(?P<name>\w+)\s*=\s*\$(?P<hex>[0-9A-Fa-f]{2,6})\s*(?:;\s*(?P<meaning>.*?))?\s*$")
# An operand address: `$12`, `$1234`, `$7E1234`, optionally indexed; not an immediate (`#$12`).
_OPERAND_RE = re.compile(
    r"^\s*(?:[A-Za-z_.][\w.]*:\s*)?(?P<mn>[A-Za-z]{3})(?:\.[bwl])?\s+"
    r"(?P<op>[(\[]?\$[0-9A-Fa-f]{2,6})"
)
_BLOCK_MOVES = frozenset({"MVN", "MVP"})


@dataclass(frozen=True)
class HeaderFact:
    """One define of a bundled header: canonical address, name, meaning (may be empty), header file."""

    address: int
    name: str
    meaning: str
    header: str


def _canonical(value: int, digits: int) -> int:
    from harness.verify.spec import canonical_address

    return canonical_address(value if digits > 4 else value & 0xFFFF)


@functools.lru_cache(maxsize=1)
def header_facts() -> Mapping[int, HeaderFact]:
    """Canonical address -> fact, from every bundled header (the first define of an address wins).

    Only defines whose value is 4 or 6 hex digits are addresses; 2-digit values in the joypad section
    are bit masks and are skipped.
    """
    from harness.asar import HEADER_NAMES, header_path

    facts: dict[int, HeaderFact] = {}
    for header in sorted(HEADER_NAMES):
        for line in header_path(header).read_text(encoding="utf-8").splitlines():
            match = _DEFINE_RE.match(line.strip())
            if match is None or len(match.group("hex")) not in (4, 6) or "JOY_" in match.group("name"):
                continue
            address = _canonical(int(match.group("hex"), 16), len(match.group("hex")))
            facts.setdefault(
                address, HeaderFact(address, match.group("name"), match.group("meaning") or "", header)
            )
    return MappingProxyType(facts)


def code_addresses(source: str, *, direct_page: int = 0, data_bank: int = 0) -> tuple[int, ...]:
    """Canonical memory addresses that instructions of `source` name as operands, in first-use order.

    Direct-page operands (`$F0`) are offset by `direct_page`; absolute operands use `data_bank`;
    24-bit operands are taken as they are. Immediates, block-move bank bytes and branch targets are
    not memory operands and are skipped.
    """
    seen: dict[int, None] = {}
    for line in source.splitlines():
        code = line.split(";", 1)[0]
        match = _OPERAND_RE.match(code)
        if match is None or match.group("mn").upper() in _BLOCK_MOVES:
            continue
        if match.group("mn").upper().startswith("B") and match.group("mn").upper() not in ("BIT",):
            continue
        text = match.group("op").lstrip("([")[1:]
        value = int(text, 16)
        if len(text) <= 2:
            value = (direct_page + value) & 0xFFFF
        elif len(text) <= 4:
            value = (data_bank << 16) | value
        seen.setdefault(_canonical(value, 6), None)
    return tuple(seen)
