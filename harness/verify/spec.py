"""Parsing of a task's `spec`: which state a routine gets, which state it must produce or keep.

The spelling is a public contract (DESIGN.md, "Public formats"): locations `A`, `A.lo`, `X`, `Y`, `S`,
`D`, `DBR`, `PBR`, `flag:N V m x D I Z C e`, memory bytes `$7E0E50`, words `$7E0E50:w` and ranges
`$7E0DD0..$7E0DDF`; domains `[lo, hi]` (inclusive), `{"values": [...]}`, or
`{"range": [lo, hi], "boundaries": [...]}` (the whole range, with the values where the routine's
behaviour changes tried first: a full domain that still hits every off-by-one).

PPU memories are locations too, spelled with their space: `vram:$1000` (byte address in the 64 KiB of
VRAM), `vram:$1000:w`, `vram:$1000..$10FF`, `cgram:$00..$1F` (512 bytes), `oam:$0000..$021F` (544
bytes: the low table, then the high table). Inside the harness they live in one integer address space:
CPU-bus addresses below $1000000, then each PPU memory at its own base (`SPACE_BASES`). Everything here is pure
data: parsing never touches ASAR or the emulator, and every error names the field, the value and the fix.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from harness.core.facts import STATUS_FLAGS
from harness.errors import SpecError

__all__ = [
    "SPACE_BASES",
    "SPACE_SIZES",
    "FLAG_BITS",
    "space_of",
    "Domain",
    "Location",
    "LocationKind",
    "Mode",
    "Spec",
    "canonical_address",
    "parse_location",
    "parse_spec",
]

# Status-register bit of each flag name (e is separate: the emulation bit is not in P).
FLAG_BITS: Mapping[str, int] = STATUS_FLAGS
_REGISTER_WIDTH: Mapping[str, int] = {
    "A": 16,
    "A.lo": 8,
    "X": 16,
    "Y": 16,
    "S": 16,
    "D": 16,
    "DBR": 8,
    "PBR": 8,
}
_INPUT_REGISTERS = frozenset({"A", "A.lo", "X", "Y"})
_INPUT_FLAGS = frozenset({"N", "V", "Z", "C"})
_SPEC_KEYS = ("mode", "inputs", "outputs", "preserve", "writable", "cases", "seed")
_MODE_KEYS = ("e", "m", "x", "D", "DBR", "S")
_MAX_CASES = 10_000
_MAX_RANGE = 0x10000
_ADDRESS_RE = re.compile(r"^\$([0-9A-Fa-f]{1,6})$")
# PPU memories in the harness's address space: base, and size in bytes.
SPACE_BASES: Mapping[str, int] = {"vram": 0x1000000, "cgram": 0x2000000, "oam": 0x3000000}
SPACE_SIZES: Mapping[str, int] = {"vram": 0x10000, "cgram": 0x200, "oam": 0x220}
_SPACE_RE = re.compile(r"^(vram|cgram|oam):(.+)$")


def space_of(address: int) -> tuple[str, int] | None:
    """(space, byte offset) of a PPU-memory address in the harness's space; None for the CPU bus."""
    for space, base in SPACE_BASES.items():
        if base <= address < base + SPACE_SIZES[space]:
            return space, address - base
    return None


class LocationKind(str, Enum):
    """Closed set of observable kinds."""

    REGISTER = "register"
    FLAG = "flag"
    BYTE = "byte"
    WORD = "word"


def canonical_address(address: int) -> int:
    """Map a 24-bit address to the form the emulator reports writes in.

    The low 8 KiB of banks $00-$3F/$80-$BF mirror WRAM $7E:0000-$1FFF, so `$000E50` and `$7E0E50` are
    one cell; everything else is already canonical.
    """
    if address > 0xFFFFFF:  # a PPU memory: one cell per address already
        return address
    bank, offset = address >> 16, address & 0xFFFF
    if (bank & 0x7F) < 0x40 and offset < 0x2000:
        return 0x7E0000 | offset
    return address


@dataclass(frozen=True)
class Location:
    """One observable: a register, a flag, a memory byte or a little-endian memory word.

    `name` is the register/flag name or the canonical 24-bit address; `text` is the spelling used in
    reports (canonical, e.g. `$7E0E50:w`). Ranges are expanded into BYTE locations when parsed.
    """

    kind: LocationKind
    name: str | int
    text: str

    @property
    def width(self) -> int:
        """Bits of the value: 1 for flags, 8 for bytes, 16 for words, the register's width otherwise."""
        if self.kind is LocationKind.FLAG:
            return 1
        if self.kind is LocationKind.BYTE:
            return 8
        if self.kind is LocationKind.WORD:
            return 16
        return _REGISTER_WIDTH[str(self.name)]

    @property
    def addresses(self) -> tuple[int, ...]:
        """Memory cells the location covers (empty for registers and flags)."""
        if self.kind is LocationKind.BYTE:
            return (int(self.name),)
        if self.kind is LocationKind.WORD:
            address = int(self.name)
            if address > 0xFFFFFF:
                return (address, address + 1)
            return (address, canonical_address((address + 1) & 0xFFFFFF))
        return ()

    def format(self, value: int) -> str | int:
        """A value as reports show it: `$12`, `$1234`, or 0/1 for flags."""
        if self.kind is LocationKind.FLAG:
            return int(value)
        return f"${value:0{self.width // 4}X}"


@dataclass(frozen=True)
class Domain:
    """Values an input may take: an inclusive range or an explicit list (one value = fixed input).
    `boundaries` (ranges only) are values inside the range that edge cases try first."""

    lo: int
    hi: int
    values: tuple[int, ...] | None = None
    boundaries: tuple[int, ...] = ()

    def contains(self, value: int) -> bool:
        if self.values is not None:
            return value in self.values
        return self.lo <= value <= self.hi

    @property
    def fixed(self) -> bool:
        """True when the domain admits exactly one value (trace tasks)."""
        return self.lo == self.hi


@dataclass(frozen=True)
class Mode:
    """Machine mode at entry; DESIGN.md defaults: e=0, m=1, x=1, D=$0000, DBR=$00, S=$01FF."""

    e: int = 0
    m: int = 1
    x: int = 1
    D: int = 0x0000
    DBR: int = 0x00
    S: int = 0x01FF


@dataclass(frozen=True)
class Spec:
    """A parsed task spec. `inputs` are in sorted key order (so cases never depend on JSON key order);
    ranges are already expanded to bytes."""

    mode: Mode
    inputs: tuple[tuple[Location, Domain], ...]
    outputs: tuple[Location, ...]
    preserve: tuple[Location, ...]
    writable: tuple[Location, ...]
    cases: int = 64
    seed: int = 0

    def __hash__(self) -> int:
        """Computed once: a spec keys the per-case caches and is hashed once per case (each of its
        locations by a Python-level call). Never pickled: str hashes differ between processes."""
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(
                (self.mode, self.inputs, self.outputs, self.preserve, self.writable, self.cases, self.seed)
            )
            object.__setattr__(self, "_hash", cached)
        return cached

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if name != "_hash"}

    @property
    def writable_addresses(self) -> frozenset[int]:
        """Memory cells a routine may write: outputs plus writable (the stack is added per case)."""
        cells: set[int] = set()
        for location in (*self.outputs, *self.writable):
            cells.update(location.addresses)
        return frozenset(cells)


def _parse_number(value: object, field: str, bits: int) -> int:
    """An int, or a string `$hex`, `0xhex` or decimal, checked to fit in `bits`."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if text.startswith("$"):
                number = int(text[1:], 16)
            elif text.lower().startswith("0x"):
                number = int(text[2:], 16)
            elif text.isdigit():
                number = int(text)
        except ValueError:
            number = None
    if number is None:
        raise SpecError(f'spec.{field}: {value!r} is not a number; write an int, "$hex" or "0xhex"')
    if not 0 <= number < (1 << bits):
        raise SpecError(f"spec.{field}: {value!r} does not fit in {bits} bits (0..{(1 << bits) - 1})")
    return number


def _parse_address(text: str, field: str) -> int:
    match = _ADDRESS_RE.match(text)
    if match is None:
        raise SpecError(
            f"{field}: {text!r} is not an address; write `$7E0E50` (24-bit) or `$0E50` (bank $00)"
        )
    return canonical_address(int(match.group(1), 16))


def _space_offset(space: str, text: str, field: str) -> int:
    match = _ADDRESS_RE.match(text)
    if match is None or int(match.group(1), 16) >= SPACE_SIZES[space]:
        raise SpecError(
            f"{field}: {space}:{text} is not a {space} address; write `{space}:$0000` up to "
            f"`{space}:${SPACE_SIZES[space] - 1:X}` (byte addresses)"
        )
    return int(match.group(1), 16)


def _parse_space_location(space: str, spelled: str, field: str) -> tuple[Location, ...]:
    base = SPACE_BASES[space]

    def text_of(offset: int) -> str:
        return f"{space}:${offset:04X}"

    if ".." in spelled:
        first_text, _, last_text = spelled.partition("..")
        first = _space_offset(space, first_text, field)
        last = _space_offset(space, last_text, field)
        if last < first:
            raise SpecError(f"{field}: range {space}:{spelled!r} must go upwards")
        return tuple(Location(LocationKind.BYTE, base + a, text_of(a)) for a in range(first, last + 1))
    if spelled.endswith(":w"):
        offset = _space_offset(space, spelled[:-2], field)
        if offset + 1 >= SPACE_SIZES[space]:
            raise SpecError(f"{field}: the word at {space}:${offset:X} runs past the end of {space}")
        return (Location(LocationKind.WORD, base + offset, text_of(offset) + ":w"),)
    offset = _space_offset(space, spelled, field)
    return (Location(LocationKind.BYTE, base + offset, text_of(offset)),)


def parse_location(text: object, field: str = "location") -> tuple[Location, ...]:
    """Parse one location spelling; a range yields one BYTE location per cell (in address order)."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError(
            f"{field}: {text!r} is not a location; use A, A.lo, X, Y, S, D, DBR, PBR, "
            "flag:C, $7E0E50, $7E0E50:w or $7E0DD0..$7E0DDF"
        )
    spelled = text.strip()
    space = _SPACE_RE.match(spelled)
    if space is not None:
        return _parse_space_location(space.group(1), space.group(2), field)
    if spelled in _REGISTER_WIDTH:
        return (Location(LocationKind.REGISTER, spelled, spelled),)
    if spelled.startswith("flag:"):
        flag = spelled[5:]
        if flag not in FLAG_BITS and flag != "e":
            raise SpecError(f"{field}: unknown flag {flag!r}; flags are N V m x D I Z C e (case matters)")
        return (Location(LocationKind.FLAG, flag, spelled),)
    if ".." in spelled:
        first_text, _, last_text = spelled.partition("..")
        first = _parse_address(first_text, field)
        last = _parse_address(last_text, field)
        if last < first or last - first >= _MAX_RANGE:
            raise SpecError(f"{field}: range {spelled!r} must go upwards and span at most {_MAX_RANGE} bytes")
        return tuple(Location(LocationKind.BYTE, a, f"${a:06X}") for a in range(first, last + 1))
    if spelled.endswith(":w"):
        address = _parse_address(spelled[:-2], field)
        return (Location(LocationKind.WORD, address, f"${address:06X}:w"),)
    address = _parse_address(spelled, field)
    return (Location(LocationKind.BYTE, address, f"${address:06X}"),)


def _parse_location_list(raw: object, field: str) -> tuple[Location, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise SpecError(f"spec.{field}: expected a list of locations, got {type(raw).__name__}")
    locations: list[Location] = []
    for index, item in enumerate(raw):
        locations.extend(parse_location(item, f"spec.{field}[{index}]"))
    return tuple(dict.fromkeys(locations))


def _parse_domain(raw: object, field: str, bits: int) -> Domain:
    if isinstance(raw, Mapping) and "range" in raw:
        return _parse_range_domain(raw, field, bits)
    if isinstance(raw, Mapping):
        if set(raw) != {"values"}:
            raise SpecError(
                f'{field}: a domain object is {{"values": [...]}} or {{"range": [lo, hi], "boundaries": [...]}}, '
                f"got keys {sorted(raw)}"
            )
        values = raw["values"]
        if not isinstance(values, Sequence) or isinstance(values, (str, bytes)) or not values:
            raise SpecError(f"{field}.values: expected a non-empty list of numbers")
        parsed = tuple(dict.fromkeys(_parse_number(v, f"{field}.values", bits) for v in values))
        return Domain(min(parsed), max(parsed), parsed)
    if isinstance(raw, Sequence) and not isinstance(raw, (str, bytes)) and len(raw) == 2:
        lo = _parse_number(raw[0], f"{field}[0]", bits)
        hi = _parse_number(raw[1], f"{field}[1]", bits)
        if lo > hi:
            raise SpecError(f"{field}: range [{raw[0]}, {raw[1]}] is empty; write [lo, hi] with lo <= hi")
        return Domain(lo, hi)
    raise SpecError(f'{field}: {raw!r} is not a domain; write [lo, hi] or {{"values": [...]}}')


def _parse_range_domain(raw: Mapping[str, object], field: str, bits: int) -> Domain:
    """`{"range": [lo, hi], "boundaries": [...]}`: the full range, boundaries tried first."""
    unknown = sorted(set(raw) - {"range", "boundaries"})
    if unknown:
        raise SpecError(f'{field}: unknown key(s) {unknown}; a range domain has "range" and "boundaries"')
    whole = _parse_domain(raw["range"], f"{field}.range", bits)
    if whole.values is not None:
        raise SpecError(f"{field}.range: expected [lo, hi], got {raw['range']!r}")
    listed = raw.get("boundaries", [])
    if not isinstance(listed, Sequence) or isinstance(listed, (str, bytes)):
        raise SpecError(f"{field}.boundaries: expected a list of numbers, got {listed!r}")
    boundaries = tuple(dict.fromkeys(_parse_number(v, f"{field}.boundaries", bits) for v in listed))
    outside = [v for v in boundaries if not whole.contains(v)]
    if outside:
        raise SpecError(f"{field}.boundaries: {outside} lie outside the range [{whole.lo}, {whole.hi}]")
    return Domain(whole.lo, whole.hi, None, boundaries)


def _parse_mode(raw: object) -> Mode:
    if raw is None:
        return Mode()
    if not isinstance(raw, Mapping):
        raise SpecError(f'spec.mode: expected an object like {{"e": 0, "m": 1}}, got {type(raw).__name__}')
    unknown = sorted(set(raw) - set(_MODE_KEYS))
    if unknown:
        raise SpecError(f"spec.mode: unknown key(s) {unknown}; allowed: {list(_MODE_KEYS)}")
    bits = {"e": 1, "m": 1, "x": 1, "D": 16, "DBR": 8, "S": 16}
    values = {key: _parse_number(raw[key], f"mode.{key}", bits[key]) for key in raw}
    mode = Mode(**values)
    if mode.e == 1:
        if mode.m == 0 or mode.x == 0:
            raise SpecError("spec.mode: e=1 (emulation) forces m=1 and x=1; drop m/x or set e=0")
        if mode.S >> 8 != 0x01:
            raise SpecError(f"spec.mode.S: ${mode.S:04X} is impossible with e=1 (the stack is page $01)")
    return mode


def _input_bits(location: Location, mode: Mode, field: str) -> int:
    """Width an input domain must fit in; rejects inputs that the mode fixes."""
    if location.kind is LocationKind.REGISTER:
        if location.name not in _INPUT_REGISTERS:
            raise SpecError(
                f"{field}: {location.text} is fixed by spec.mode (S, D, DBR) or the entry (PBR); "
                "set it in spec.mode instead"
            )
        if location.name in ("X", "Y") and mode.x == 1:
            return 8  # with x=1 the index high bytes are always zero
        return location.width
    if location.kind is LocationKind.FLAG and location.name not in _INPUT_FLAGS:
        raise SpecError(
            f"{field}: flag {location.name} is fixed by spec.mode (m, x, e) or the harness "
            "(D clear, I set); only N V Z C can be inputs"
        )
    return location.width


def _parse_inputs(raw: object, mode: Mode) -> tuple[tuple[Location, Domain], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise SpecError(f"spec.inputs: expected an object {{location: domain}}, got {type(raw).__name__}")
    parsed: dict[Location, Domain] = {}
    # Sorted by key: generated cases must not depend on how a document's keys were serialised.
    for key, domain_raw in sorted(raw.items(), key=lambda item: str(item[0])):
        field = f"spec.inputs[{key!r}]"
        for location in parse_location(key, field):
            domain = _parse_domain(domain_raw, field, _input_bits(location, mode, field))
            if location in parsed:
                raise SpecError(f"{field}: {location.text} is named twice in inputs")
            parsed[location] = domain
            _reject_impossible_colour(location, domain, field)
    _reject_overlaps(parsed)
    return tuple(parsed.items())


def _reject_impossible_colour(location: Location, domain: Domain, field: str) -> None:
    """CGRAM holds 15-bit colours: bit 7 of every odd (high) byte reads back 0 on hardware, so an input
    that puts a 1 there describes a machine state that cannot exist."""
    base = SPACE_BASES["cgram"]
    for index, cell in enumerate(location.addresses):
        if not base <= cell < base + SPACE_SIZES["cgram"] or (cell - base) % 2 == 0:
            continue
        shift = 8 * index
        top = domain.hi if domain.values is None else max(domain.values)
        values = range(domain.lo, domain.hi + 1) if domain.values is None else domain.values
        if domain.values is None and top >> shift < 0x80 and domain.lo >= 0:
            continue
        if any((value >> shift) & 0x80 for value in values):
            raise SpecError(
                f"{field}: {location.text} can be given a value with bit 7 of CGRAM's high byte "
                f"${cell - base:03X} set; CGRAM colours are 15 bits, so keep that byte at most $7F"
            )


def _reject_overlaps(parsed: Mapping[Location, Domain]) -> None:
    """A memory cell or A's low byte may be given only once, or the inputs contradict each other."""
    seen: dict[int, str] = {}
    for location in parsed:
        for cell in location.addresses:
            if cell in seen:
                raise SpecError(f"spec.inputs: {location.text} overlaps {seen[cell]} at ${cell:06X}")
            seen[cell] = location.text
    names = {location.name for location in parsed if location.kind is LocationKind.REGISTER}
    if {"A", "A.lo"} <= names:
        raise SpecError("spec.inputs: give A or A.lo, not both")


def _parse_count(raw: object, field: str, default: int, lo: int, hi: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
        raise SpecError(f"spec.{field}: {raw!r} must be an integer in [{lo}, {hi}]")
    return raw


def parse_spec(raw: object) -> Spec:
    """Parse and validate a task's `spec` object. Raises SpecError naming the field on bad input.

    Equal specs come back as one object: the per-case caches (inputs, targets, the reference runner)
    are keyed by the spec, and a lookup with the very object it was stored under skips comparing
    every location (several completions of one task each parse its spec anew)."""
    return _interned(_parse_spec(raw))


@functools.lru_cache(maxsize=1024)
def _interned(spec: Spec) -> Spec:
    return spec


def _parse_spec(raw: object) -> Spec:
    if not isinstance(raw, Mapping):
        raise SpecError(f"spec: expected an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_SPEC_KEYS))
    if unknown:
        raise SpecError(f"spec: unknown key(s) {unknown}; allowed: {list(_SPEC_KEYS)}")
    mode = _parse_mode(raw.get("mode"))
    outputs = _parse_location_list(raw.get("outputs"), "outputs")
    writable = _parse_location_list(raw.get("writable"), "writable")
    for location in writable:
        if not location.addresses:
            raise SpecError(f"spec.writable: {location.text} is not memory; writable lists memory only")
    return Spec(
        mode=mode,
        inputs=_parse_inputs(raw.get("inputs"), mode),
        outputs=outputs,
        preserve=_parse_location_list(raw.get("preserve"), "preserve"),
        writable=writable,
        cases=_parse_count(raw.get("cases"), "cases", 64, 1, _MAX_CASES),
        seed=_parse_count(raw.get("seed"), "seed", 0, 0, 2**63 - 1),
    )
