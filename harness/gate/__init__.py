"""Gates: run records, the local run store, paired comparisons, YAML policies and the scaling ladder.

No checkpoint is promoted, quantized for release or scaled up unless these say so, with statistics
a reviewer can check: paired bootstrap intervals over shared tasks (seeded, reproducible), an exact
McNemar test for pass/fail metrics, and a refusal to compare runs scored on different data.
"""

from __future__ import annotations

from harness.gate.compare import Comparison, MetricRef, check_same_dataset, compare
from harness.gate.errors import DatasetMismatchError, PolicyError, RunFormatError, RunNotFoundError
from harness.gate.ladder import LadderDecision, LadderStep, recommend
from harness.gate.lmeval_import import load_lmeval_output, record_from_lmeval
from harness.gate.policy import (
    GateReport,
    Policy,
    Rule,
    RuleKind,
    RuleOutcome,
    RuleStatus,
    evaluate_policy,
    load_policy,
    parse_policy,
)
from harness.gate.record import (
    DatasetIdentity,
    ModelIdentity,
    RunRecord,
    RunSource,
    SampleRecord,
    record_from_results,
)
from harness.gate.stats import Interval, McNemar, PairedBootstrap, Statistic, mcnemar_exact, paired_bootstrap
from harness.gate.store import RunStore, load_record_file, load_run

__all__ = [
    "Comparison",
    "DatasetIdentity",
    "DatasetMismatchError",
    "GateReport",
    "Interval",
    "LadderDecision",
    "LadderStep",
    "McNemar",
    "MetricRef",
    "ModelIdentity",
    "PairedBootstrap",
    "Policy",
    "PolicyError",
    "Rule",
    "RuleKind",
    "RuleOutcome",
    "RuleStatus",
    "RunFormatError",
    "RunNotFoundError",
    "RunRecord",
    "RunSource",
    "RunStore",
    "SampleRecord",
    "Statistic",
    "check_same_dataset",
    "compare",
    "evaluate_policy",
    "load_lmeval_output",
    "load_policy",
    "load_record_file",
    "load_run",
    "mcnemar_exact",
    "paired_bootstrap",
    "parse_policy",
    "recommend",
    "record_from_lmeval",
    "record_from_results",
]
