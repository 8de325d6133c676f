"""Helpers shared by the kernel modules: slot domains, common false claims, fact phrasing."""

from __future__ import annotations

from harness.suite.routines import Fact

__all__ = [
    "COMMON_FORBID",
    "SLOT_VALUES",
    "fact",
]

SLOT_VALUES = {"values": list(range(16))}

# False claims the user's own material made (DESIGN.md, "Known traps"): never accept them.
COMMON_FORBID: tuple[str, ...] = (
    r"\$0E20[^\n.]{0,40}\b(hp|health|hit ?points)\b",
    r"\b(hp|health|hit ?points)\b[^\n.]{0,25}\$0E20\b",
    r"\b(uses?|using|the|a|an|via|with|executes?)\s+(a\s+)?MUL\b",
    r"\bSTZ\s+(long\b|\$[0-9A-Fa-f]{6}\b|\$7[EeFf]:)",
)


def fact(ident: str, *patterns: str) -> Fact:
    """A fact with several accepted phrasings (regexes, matched case-insensitively)."""
    return Fact(ident, tuple(patterns))
