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
    "primary_metric",
    "primary_metrics",
]

GROUP = "asm65816"
Aggregation = Literal["mean", "geomean"]


@dataclass(frozen=True)
class Metric:
    """One per-sample metric. `conditional`: defined only for some samples (e.g. a speedup exists only
    when the candidate passes); its aggregate is over those samples and its name says so."""

    name: str
    aggregation: Aggregation = "mean"
    higher_is_better: bool = True
    conditional: bool = False
    help: str = ""


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
_PASSES = Metric("passes", help="share of completions equivalent to the reference on every case")
_PASS_AT_1 = Metric("pass@1", help="unbiased pass@1 over the completions")

FAMILIES.register(
    "gen",
    Family(
        "gen",
        "harness.score.families:score_functional",
        (_ASSEMBLES, _PASSES, _PASS_AT_1),
        primary="passes",
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
            _PASSES,
            Metric("improved", help="passes and takes fewer mean CPU cycles than the baseline"),
            Metric("improved_clocks", help="passes and takes fewer mean master clocks than the baseline"),
            Metric("smaller", help="passes and is smaller in bytes than the baseline"),
            Metric("speedup", "geomean", conditional=True, help="baseline / candidate mean cycles"),
            Metric("speedup_clocks", "geomean", conditional=True, help="the same in master clocks"),
            Metric("size_ratio", "geomean", conditional=True, help="baseline / candidate bytes"),
        ),
        primary="improved",
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
    ),
)
FAMILIES.register(
    "explain",
    Family(
        "explain",
        "harness.score.families:score_explain",
        (
            Metric("fact_recall"),
            Metric("forbidden", higher_is_better=False),
            Metric("hallucinated_addresses", higher_is_better=False),
        ),
        primary="fact_recall",
        runs_code=False,
        description="explain what a routine reads, computes and writes",
    ),
)
FAMILIES.register(
    "fix",
    Family(
        "fix",
        "harness.score.families:score_functional",
        (_ASSEMBLES, _PASSES, _PASS_AT_1),
        primary="passes",
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
    ),
)


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
