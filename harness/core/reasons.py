"""Closed sets of reasons, carried as Enums from where they arise to where they are serialised.

`FailReason` is why a candidate did not pass. Strings appear only at the edges (JSON, CLI, lm-eval),
through `.value`; every comparison inside the harness is between members.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["FailReason"]


class FailReason(str, Enum):
    """Why a candidate did not pass (closed set; NONE means it passed)."""

    NONE = "none"
    EMPTY = "empty"  # no code to assemble
    ASSEMBLY = "assembly"  # ASAR rejected the source (errors, or the sandbox refused it)
    LIMIT = "limit"  # a named harness limit on assembly (CPU time, memory, ROM size, bytes, segments)
    NONDETERMINISTIC = "nondeterministic"  # the source assembled differently when it could see the probe
    NO_ENTRY = "no_entry"
    MISMATCH = "mismatch"
    PRESERVE = "preserve"
    STRAY_WRITE = "stray_write"
    BUDGET = "budget"
    UNSUPPORTED = "unsupported"
    HALTED = "halted"  # BRK, COP, STP, WAI or any stop other than returning
    BAD_RETURN = "bad_return"  # reached the caller by anything but RTS (JSR) / RTL (JSL)
    CONVENTION = "convention"  # e, m, x, decimal flag, D, DBR or S not as at entry
    SIDE_EFFECT = "side_effect"  # hardware left in another state than the reference leaves it
    NO_ANSWER = "no_answer"  # trace/mc: nothing readable in the requested form
    WRONG = "wrong"  # trace/mc: an answer, not the right one
    REFERENCE_BROKEN = "reference_broken"  # kept for reading old results: now a task error, never a verdict
