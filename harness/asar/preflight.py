"""Textual checks before ASAR runs: clear messages for what the sandbox would refuse anyway.

The enforcement is the sandbox (`harness.asar.isolation`, `harness.asar.landlock`); this layer
exists so a user sees "incbin is not allowed" instead of ASAR's "file not found", and so the common
cases are refused where the sandbox is degraded. It reads comment-stripped text only and never raises.

The declared mapper is read per statement (ASAR separates statements on one line with ` : `), so
`nop : hirom` declares HiROM. A mapper chosen through a define or a macro is invisible here; the
wrapper's mapper assertion (`harness.asar.assemble`) catches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "FILE_DIRECTIVES",
    "FILE_FUNCTIONS",
    "MAPPERS",
    "Finding",
    "Preflight",
    "scan",
    "split_statements",
    "strip_comment",
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

# A directive is the first word of a statement (after optional `label:` / `+` / `-` prefixes) and
# takes an argument; `table:` (a label), `LDA table,x` and `table = $10` (an assignment) are not it.
_DIRECTIVE = re.compile(
    r"^\s*(?:[A-Za-z_.][\w.]*:(?!:)\s*|[-+]+\s+)*("
    + "|".join(FILE_DIRECTIVES)
    + r")(?:\s+|(?=\"))(?!=)(.*)$",
    re.IGNORECASE,
)
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


def split_statements(line: str) -> list[str]:
    """ASAR's ` : ` statement separator, outside string and character literals."""
    pieces: list[str] = []
    quote, start = "", 0
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ":" and line[index - 1 : index] == " " and line[index + 1 : index + 2] == " ":
            pieces.append(line[start : index - 1])
            start = index + 2
    pieces.append(line[start:])
    return pieces


def _file_argument(rest: str) -> str | None:
    match = _LITERAL.match(rest.strip())
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def _check_line(number: int, text: str, raw: str, allowed: frozenset[str], used: set[str]) -> list[Finding]:
    """Findings of one comment-stripped line; allowed headers it includes are added to `used`."""
    findings: list[Finding] = []
    directives = (_DIRECTIVE.match(statement) for statement in split_statements(text))
    for match in filter(None, directives):
        directive = match.group(1).lower()
        name = _file_argument(match.group(2))
        if directive == "incsrc" and name in allowed:
            used.add(name)
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


@dataclass(frozen=True)
class Preflight:
    """What one pass over the source found: file-access problems, the allowed headers it includes
    (copied into the temp dir), and the mapper it declares itself (`lorom`, `hirom`, ...), if any."""

    findings: tuple[Finding, ...]
    headers: frozenset[str]
    mapper: str | None
    declarations: tuple[tuple[int, str], ...] = ()  # (line, mapper) of every visible mapper statement


def scan(source: str, allowed_headers: frozenset[str]) -> Preflight:
    """Read the source once, line by line (split on "\n" only, as ASAR does, so line numbers agree
    with ASAR's), comments stripped."""
    findings: list[Finding] = []
    used: set[str] = set()
    mapper: str | None = None
    declarations: list[tuple[int, str]] = []
    for number, line in enumerate(source.split("\n"), start=1):
        raw = line.rstrip("\r")
        text = strip_comment(raw)
        findings.extend(_check_line(number, text, raw, allowed_headers, used))
        for statement in split_statements(text):
            declared = _MAPPER.match(statement)
            if declared:
                mapper = mapper or declared.group(1).lower()
                declarations.append((number, declared.group(1).lower()))
    return Preflight(tuple(findings), frozenset(used), mapper, tuple(declarations))
