"""Reading a model's predicted machine state out of free text (trace tasks). Never raises.

Accepted forms, for any location spelling of the spec (`A`, `X`, `flag:C`, `$7E0E50`, ...):
`A=$1234`, `A = #$1234`, `X: 0x0010`, `Y -> 16`, `C=1`, `flag:C = 1`, `carry = 1`, `%1010`,
`$1234` or `1234h`, and a JSON object `{"A": "$1234", "C": 1}` anywhere in the text. When a location
is named several times the last mention wins: models reason step by step and answer at the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from harness.verify.spec import Location, LocationKind

__all__ = ["parse_state_answer", "parse_value"]

_VALUE = r"(?:#?\$[0-9A-Fa-f]+|0[xX][0-9A-Fa-f]+|%[01]+|[0-9A-Fa-f]+[hH]\b|\d+|true|false)"
_FLAG_ALIASES: Mapping[str, tuple[str, ...]] = {
    "C": ("carry",),
    "Z": ("zero",),
    "N": ("negative",),
    "V": ("overflow",),
    "D": ("decimal",),
    "I": ("irq", "interrupt"),
    "m": (),
    "x": (),
    "e": ("emulation",),
}


def parse_value(text: object) -> int | None:
    """`$1234`, `#$12`, `0x10`, `%101`, `12h`, `16`, true/false, or an int -> int; else None."""
    if isinstance(text, bool):
        return int(text)
    if isinstance(text, int):
        return text if text >= 0 else None
    if not isinstance(text, str):
        return None
    value = text.strip().lstrip("#")
    try:
        if value.startswith("$"):
            return int(value[1:], 16)
        if value[:2].lower() == "0x":
            return int(value[2:], 16)
        if value.startswith("%"):
            return int(value[1:], 2)
        if value[-1:] in "hH" and len(value) > 1:
            return int(value[:-1], 16)
        if value.lower() in ("true", "false"):
            return int(value.lower() == "true")
        return int(value, 10)
    except (ValueError, IndexError):
        return None


def _names(location: Location) -> tuple[str, ...]:
    """Spellings a model may use for a location, most specific first."""
    if location.kind is LocationKind.FLAG:
        flag = str(location.name)
        return (f"flag:{flag}", f"{flag} flag", f"{flag}", *_FLAG_ALIASES.get(flag, ()))
    if location.kind is LocationKind.REGISTER:
        register = str(location.name)
        extra = {"A.lo": ("AL",), "S": ("SP",), "DBR": ("DB",), "PBR": ("PB", "K"), "D": ("DP",)}
        return (register, *extra.get(register, ()))
    address = int(location.name)
    suffix = ":w" if location.kind is LocationKind.WORD else ""
    spellings = [f"${address:06X}{suffix}", f"${address >> 16:02X}:{address & 0xFFFF:04X}{suffix}"]
    if address >> 16 == 0x7E and address & 0xFFFF < 0x2000:
        spellings.append(f"${address & 0xFFFF:04X}{suffix}")
    return tuple(spellings)


def _regex_hits(text: str, location: Location) -> list[tuple[int, int]]:
    """(position, value) of each `name <sep> value` mention in the text."""
    hits: list[tuple[int, int]] = []
    for name in _names(location):
        case = 0 if len(name) <= 2 else re.IGNORECASE  # "x=0" (the flag) is not "X=0" (the register)
        pattern = re.compile(
            rf"(?<![\w$:.]){re.escape(name)}(?![\w.])\s*(?:=|:|->|is|==|=>)\s*({_VALUE})", case
        )
        for match in pattern.finditer(text):
            value = parse_value(match.group(1))
            if value is not None:
                hits.append((match.start(), value))
    return hits


def _json_objects(text: str) -> Iterable[tuple[int, Mapping]]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(obj, dict):
            yield match.start(), obj


def _json_hits(text: str, location: Location) -> list[tuple[int, int]]:
    hits: list[tuple[int, int]] = []
    names = {name.lower() for name in _names(location)} | {location.text.lower()}
    for position, obj in _json_objects(text):
        for key, raw in obj.items():
            key_text = str(key).strip()
            matches = key_text in _names(location) if len(key_text) <= 2 else key_text.lower() in names
            value = parse_value(raw)
            if matches and value is not None:
                hits.append((position, value))
    return hits


def parse_state_answer(text: object, locations: Iterable[Location]) -> dict[str, int]:
    """Predicted value per location text (`spec` spelling); locations not found are absent."""
    if not isinstance(text, str):
        return {}
    predicted: dict[str, int] = {}
    try:
        for location in locations:
            hits = _regex_hits(text, location) + _json_hits(text, location)
            if hits:
                predicted[location.text] = max(hits, key=lambda hit: hit[0])[1]
    except Exception:  # garbage must not crash a scorer; what was read so far stands
        return predicted
    return predicted
