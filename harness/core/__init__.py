"""The bottom layer: the contract every stage of the pipeline shares.

The family registry (`FAMILIES`), closed reason sets (`FailReason`), typed results (`Verdict`,
`SampleScore`, `Results`, `DatasetIdentity`), the generic `Registry` and the one JSONL reader. It
imports nothing from the stages above it (asar, emu, verify, score, lmeval, gate, report), so every
stage can import it at module top.
"""

from harness.core.facts import INTERRUPT_VECTORS, REFERENCE_MAX_CYCLES, STATUS_FLAGS, StopReason
from harness.core.families import (
    FAMILIES,
    GROUP,
    Family,
    Metric,
    code_families,
    family,
    family_names,
    primary_metric,
    primary_metrics,
)
from harness.core.jsonl import JsonlLine, iter_jsonl, read_jsonl
from harness.core.predictions import Predictions, read_predictions
from harness.core.reasons import FailReason
from harness.core.registry import Registry, resolve_target, suggest
from harness.core.results import DatasetIdentity, Results, SampleScore, Scoring, Verdict

__all__ = [
    "FAMILIES",
    "INTERRUPT_VECTORS",
    "REFERENCE_MAX_CYCLES",
    "STATUS_FLAGS",
    "StopReason",
    "GROUP",
    "DatasetIdentity",
    "FailReason",
    "Family",
    "JsonlLine",
    "Metric",
    "Predictions",
    "Registry",
    "Results",
    "SampleScore",
    "Scoring",
    "Verdict",
    "code_families",
    "family",
    "family_names",
    "iter_jsonl",
    "primary_metric",
    "primary_metrics",
    "read_jsonl",
    "read_predictions",
    "resolve_target",
    "suggest",
]
