"""Textual checks before ASAR runs: clear messages for what the sandbox would refuse anyway.

The enforcement is Landlock (see `harness.asar.landlock`); this layer exists so a user sees
"incbin is not allowed" instead of ASAR's "file not found", and so the common cases are refused
where Landlock is unavailable. It reads comment-stripped text only and never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "FILE_DIRECTIVES",
    "FILE_FUNCTIONS",
    "MAPPERS",
    "Finding",
    "declared_mapper",
    "included_headers",
    "scan",
]

FILE_DIRECTIVES = ("incsrc", "incbin", "table")
FILE_FUNCTIONS = (
    "readfile1",
    "readfile2",
    "readfile3",
    "readfile4",
    "canreadfile1",
    "canreadfile2",
    "canreadfile3",
    "canreadfile4",
    "canreadfile",
    "readfile",
    "filesize",
    "getfilestatus",
)
MAPPERS = ("lorom", "hirom", "exlorom", "exhirom", "sa1rom", "fullsa1rom", "sfxrom", "norom")

_DIRECTIVE = re.compile(r"(?<![\w!.])(" + "|".join(FILE_DIRECTIVES) + r")\b\s*(.*)", re.IGNORECASE)
_FUNCTION = re.compile(r"\b(" + "|".join(FILE_FUNCTIONS) + r")\s*\(", re.IGNORECASE)
_MAPPER = re.compile(r"^\s*(" + "|".join(MAPPERS) + r")\s*$", re.IGNORECASE)
_LITERAL = re.compile(r'^"([^"]*)"|^([^\s",;]+)')


@dataclass(frozen=True)
class Finding:
    """One problem: 1-based line in the caller's text and a message naming the fix."""

    line: int
    message: str
    source_line: str


def strip_comment(line: str) -> str:
    """Drop a `;` comment that is not inside a string or character literal."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ";":
            return line[:index]
    return line


def _file_argument(rest: str) -> str | None:
    match = _LITERAL.match(rest.strip())
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def _check_line(number: int, text: str, raw: str, allowed: frozenset[str]) -> list[Finding]:
    findings: list[Finding] = []
    for match in _DIRECTIVE.finditer(text):
        directive = match.group(1).lower()
        name = _file_argument(match.group(2))
        if directive == "incsrc" and name in allowed:
            continue
        if directive == "incsrc":
            shown = name if name is not None else match.group(2).strip()
            findings.append(
                Finding(
                    number,
                    f"incsrc of {shown!r} is not allowed: only the harness headers "
                    f"{', '.join(sorted(allowed)) or '(none)'} may be included",
                    raw,
                )
            )
        else:
            findings.append(
                Finding(number, f"{directive} reads a file and is not allowed in evaluated code", raw)
            )
    for match in _FUNCTION.finditer(text):
        findings.append(
            Finding(number, f"{match.group(1)}() reads a file and is not allowed in evaluated code", raw)
        )
    return findings


def scan(source: str, allowed_headers: frozenset[str]) -> list[Finding]:
    """All file-access findings in `source`, in line order."""
    findings: list[Finding] = []
    for number, raw in enumerate(source.splitlines(), start=1):
        findings.extend(_check_line(number, strip_comment(raw), raw, allowed_headers))
    return findings


def included_headers(source: str, allowed_headers: frozenset[str]) -> set[str]:
    """Which allowed headers the source includes (they are copied into the temp dir)."""
    used: set[str] = set()
    for raw in source.splitlines():
        for match in _DIRECTIVE.finditer(strip_comment(raw)):
            name = _file_argument(match.group(2))
            if match.group(1).lower() == "incsrc" and name in allowed_headers:
                used.add(name)
    return used


def declared_mapper(source: str) -> str | None:
    """The mapper the source itself declares (`lorom`, `hirom`, ...), if any."""
    for raw in source.splitlines():
        match = _MAPPER.match(strip_comment(raw))
        if match:
            return match.group(1).lower()
    return None
