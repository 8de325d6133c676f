"""The task families: one registry that says what each family is, reports and is judged by.

Every stage that needs to know the families (the scorers, the lm-eval glue and its YAMLs, the suite
builder and validator, reports, gates, the quant report) reads this registry; nothing else lists them.
A family's scorer is a lazy `"module:function"` target: this bottom layer never imports a stage.
To add a family: register it here, write its scorer in `harness.score`, generate the YAML
(`python -m harness.lmeval.yamls`), and give the suite a builder (see ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from harness.core.registry import Registry
from harness.errors import HarnessError

__all__ = [
    "FAMILIES",
    "GROUP",
    "Family",
    "Metric",
    "code_families",
    "family",
    "family_names",
    "metric_spec",
    "primary_metric",
    "primary_metrics",
]

GROUP = "asm65816"
Aggregation = Literal["mean", "geomean"]


@dataclass(frozen=True)
class Metric:
    """One per-sample metric. `kind` fixes its range: a share in [0, 1], a ratio > 0 (aggregated
    geometrically), or a count >= 0. `conditional`: defined only for some samples; its aggregate is
    over those samples and its name must say so (the registry has none today: every metric is defined
    for every sample, so no failure can drop out of a mean)."""

    name: str
    aggregation: Aggregation = "mean"
    higher_is_better: bool = True
    conditional: bool = False
    help: str = ""
    kind: Literal["share", "ratio", "count"] = "share"

    def __post_init__(self) -> None:
        if (self.kind == "ratio") != (self.aggregation == "geomean"):
            raise HarnessError(f"metric {self.name!r}: ratios and only ratios aggregate geometrically")

    def in_range(self, value: float) -> bool:
        """Whether a per-sample value is possible for this metric."""
        if self.kind == "share":
            return 0.0 <= value <= 1.0
        if self.kind == "ratio":
            return value > 0.0
        return value >= 0.0 and value == int(value)


@dataclass(frozen=True)
class Family:
    """A task family. `metrics` are what both scoring routes report per sample (lm-eval adds `score`,
    the primary metric under one name, which the group averages)."""

    name: str
    scorer: str
    metrics: tuple[Metric, ...]
    primary: str
    runs_code: bool
    output_type: Literal["generate_until", "multiple_choice"] = "generate_until"
    description: str = ""
    max_gen_toks: int = 768  # room the answer needs (trace: reasoning before the final block)

    def __post_init__(self) -> None:
        names = [metric.name for metric in self.metrics]
        if self.primary not in names:
            raise HarnessError(f"family {self.name!r}: primary metric {self.primary!r} is not in {names}")
        if len(set(names)) != len(names):
            raise HarnessError(f"family {self.name!r}: metric names repeat: {names}")

    @property
    def task(self) -> str:
        """The lm-eval task name (`asm65816_gen`, ...)."""
        return f"{GROUP}_{self.name}"

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise HarnessError(f"family {self.name!r} has no metric {name!r}")


def _family(entry: object) -> Family:
    if not isinstance(entry, Family):
        raise HarnessError(f"the family registry holds Family objects, got {type(entry).__name__}")
    return entry


FAMILIES: Registry[Family] = Registry("family", _family)

_ASSEMBLES = Metric("assembles", help="share of completions ASAR assembles")
_PASS_AT_1 = Metric(
    "pass@1", help="share of completions equivalent to the reference on every case (unbiased pass@1)"
)

FAMILIES.register(
    "gen",
    Family(
        "gen",
        "harness.score.families:score_functional",
        (_ASSEMBLES, _PASS_AT_1),
        primary="pass@1",
        runs_code=True,
        description="write a routine from its contract",
    ),
)
FAMILIES.register(
    "optimize",
    Family(
        "optimize",
        "harness.score.families:score_optimize",
        (
            _ASSEMBLES,
            _PASS_AT_1,
            Metric(
                "saving_share",
                help="share of the reference's cycle saving over the baseline achieved (0..1; 0 when wrong)",
            ),
            Metric("improved", help="passes and takes fewer mean CPU cycles than the baseline"),
            Metric("improved_clocks", help="passes and takes fewer mean master clocks than the baseline"),
            Metric("smaller", help="passes and is smaller in bytes than the baseline"),
            Metric(
                "speedup",
                "geomean",
                kind="ratio",
                help="baseline / effective cycles (a wrong answer keeps the baseline: 1)",
            ),
            Metric(
                "speedup_vs_reference",
                "geomean",
                kind="ratio",
                help="reference / effective cycles (above 1: beats it)",
            ),
            Metric("speedup_clocks", "geomean", kind="ratio", help="baseline / effective master clocks"),
            Metric("size_ratio", "geomean", kind="ratio", help="baseline / effective bytes"),
        ),
        primary="saving_share",
        runs_code=True,
        description="make a correct slow routine faster without changing what it does",
    ),
)
FAMILIES.register(
    "trace",
    Family(
        "trace",
        "harness.score.families:score_trace",
        (
            Metric("exact", help="every asked location right"),
            Metric("field_accuracy", help="share of asked locations right"),
        ),
        primary="exact",
        runs_code=False,
        description="predict the final machine state of a routine on a given input",
        max_gen_toks=1024,
    ),
)
FAMILIES.register(
    "explain",
    Family(
        "explain",
        "harness.score.families:score_explain",
        (
            Metric(
                "explain_score",
                help="F1 of the summary's claims against the measured footprint x the example's accuracy",
            ),
            Metric("claim_recall", help="share of the measured reads/writes/returns the summary names"),
            Metric("claim_precision", help="share of the summary's claims that the emulator confirms"),
            Metric("example_accuracy", help="share of the example's asked values that are right"),
            Metric("has_wrong_claim", higher_is_better=False, help="1 when the answer makes any wrong claim"),
        ),
        primary="explain_score",
        runs_code=False,
        description="explain what a routine reads, computes and writes",
        max_gen_toks=512,
    ),
)
FAMILIES.register(
    "fix",
    Family(
        "fix",
        "harness.score.families:score_functional",
        (_ASSEMBLES, _PASS_AT_1),
        primary="pass@1",
        runs_code=True,
        description="repair a routine that breaks its contract",
    ),
)
FAMILIES.register(
    "mc",
    Family(
        "mc",
        "harness.score.families:score_mc",
        (Metric("acc", help="share of questions answered with the gold choice"),),
        primary="acc",
        runs_code=False,
        output_type="multiple_choice",
        description="multiple choice whose gold a tool decided (emulator or ASAR)",
        max_gen_toks=0,
    ),
)


def metric_spec(name: str) -> Metric | None:
    """The registered metric called `name` in any family (pass@k included as a share), or None."""
    if name.startswith("pass@"):
        return Metric(name)
    for family_name in FAMILIES:
        for metric in FAMILIES.get(family_name).metrics:
            if metric.name == name:
                return metric
    return None


def family(name: str) -> Family:
    """The registered family `name` (raises UnknownNameError with suggestions)."""
    return FAMILIES.get(name)


def family_names() -> tuple[str, ...]:
    """Every family, in the suite's canonical order."""
    return FAMILIES.names()


def code_families() -> tuple[str, ...]:
    """Families whose answers are code that is assembled and emulated."""
    return tuple(name for name in FAMILIES if FAMILIES.get(name).runs_code)


def primary_metric(name: str) -> str:
    return FAMILIES.get(name).primary


def primary_metrics() -> Mapping[str, str]:
    """{family: primary metric} for every family."""
    return {name: FAMILIES.get(name).primary for name in FAMILIES}
