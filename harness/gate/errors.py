"""Errors the gate concern raises on purpose; each message names what is wrong and the fix."""

from __future__ import annotations

from harness.errors import HarnessError

__all__ = ["DatasetMismatchError", "PolicyError", "RunFormatError", "RunNotFoundError"]


class RunFormatError(HarnessError):
    """A results file is neither our Results JSON, a run record, nor lm-eval 0.4.x output."""


class RunNotFoundError(HarnessError):
    """A run reference names no file and no run in the store (the message lists near matches)."""


class DatasetMismatchError(HarnessError):
    """Two runs were scored on different dataset versions or contents: comparing them would mislead."""


class PolicyError(HarnessError):
    """A gate policy YAML is malformed; the message names the rule, the field, the value and the fix."""
