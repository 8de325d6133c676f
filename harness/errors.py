"""The harness's exception hierarchy: one base, a few subclasses, each message naming the fix.

Bad input must produce a clear error and never a silent pass; missing tools (ASAR, a model file)
are errors, never scores. Scorers catch these and record them per sample; the CLI prints them.
"""

from __future__ import annotations

__all__ = [
    "HarnessError",
    "ToolMissingError",
    "ToolMismatchError",
    "SandboxViolation",
    "SpecError",
    "TaskDataError",
    "UnknownNameError",
]


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


class ToolMissingError(HarnessError):
    """An external tool (ASAR, llama.cpp, a model file) is not available. Never scored as a pass."""


class ToolMismatchError(HarnessError):
    """An external tool was found but is the wrong version or has the wrong checksum."""


class SandboxViolation(HarnessError):
    """Untrusted source asked for something the sandbox forbids (file access outside the allow-list)."""


class SpecError(HarnessError):
    """A task `spec` is malformed; the message names the field, the value and the fix."""


class TaskDataError(HarnessError):
    """A task file or task document is malformed or inconsistent."""


class UnknownNameError(HarnessError, KeyError):
    """A registry lookup failed; the message carries "did you mean" suggestions."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
