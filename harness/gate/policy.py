"""Gate policies (YAML) and their evaluation: each rule passes or fails with the reason spelled out.

```yaml
name: release-gate          # optional
confidence: 0.95            # bootstrap interval (two-sided)
resamples: 10000
seed: 0                     # the bootstrap is reproducible for a given seed
rules:
  - floor: gen/passes       # absolute floor on the candidate's reported value
    min: 0.30               # (or max: for lower-is-better metrics)
  - must_beat: overall/passes   # superiority: CI lower bound of the gain > margin
    margin: 0.0                 # (and the exact McNemar test significant for pass/fail metrics)
  - no_regress: trace/exact     # non-inferiority: CI lower bound of the gain >= -max_drop
    max_drop: 0.02
  - quant_retention: overall/passes   # candidate / baseline (the F16 run) >= min_ratio
    min_ratio: 0.95
```
Every rule also takes `name`, `basis` (`ci` | `point`; comparisons default to `ci`, floors to
`point`), `higher_is_better`, `statistic` (`mean` | `geomean`), `pooling` for `overall/...` metrics
(`macro`: mean of per-family values, the default; `micro`: every task weighs the same) and `allow_missing` (compare on the
shared tasks even when the candidate skipped some the baseline ran; off by default, so a partial run
fails instead of passing on a subset).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from harness.errors import HarnessError
from harness.gate.compare import Comparison, MetricRef, aggregate_value, compare, metric_values
from harness.gate.errors import PolicyError
from harness.gate.record import RunRecord
from harness.gate.stats import Pooling, Statistic, bootstrap_statistic

__all__ = [
    "Basis",
    "GateReport",
    "Policy",
    "Rule",
    "RuleKind",
    "RuleOutcome",
    "RuleStatus",
    "evaluate_policy",
    "evaluate_rule",
    "load_policy",
    "parse_policy",
]


class RuleKind(str, Enum):
    FLOOR = "floor"
    MUST_BEAT = "must_beat"
    NO_REGRESS = "no_regress"
    QUANT_RETENTION = "quant_retention"


class Basis(str, Enum):
    CI = "ci"  # decide on the bootstrap interval's bound
    POINT = "point"  # decide on the point estimate


class RuleStatus(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # the rule could not be evaluated (missing metric, mismatched data): not a pass


_THRESHOLD_KEYS: dict[RuleKind, tuple[str, ...]] = {
    RuleKind.FLOOR: ("min", "max"),
    RuleKind.MUST_BEAT: ("margin",),
    RuleKind.NO_REGRESS: ("max_drop",),
    RuleKind.QUANT_RETENTION: ("min_ratio",),
}
_COMMON_KEYS = ("name", "basis", "higher_is_better", "statistic", "pooling", "allow_missing")


@dataclass(frozen=True)
class Rule:
    """One policy rule. `threshold` is min/max (floor), margin, max_drop or min_ratio."""

    kind: RuleKind
    metric: MetricRef
    threshold: float
    name: str
    basis: Basis
    upper: bool = False  # floor given as `max:` (lower-is-better metric)
    higher_is_better: bool | None = None
    statistic: Statistic | None = None
    pooling: Pooling = Pooling.MACRO
    allow_missing: bool = False

    @property
    def needs_baseline(self) -> bool:
        return self.kind is not RuleKind.FLOOR


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    confidence: float = 0.95
    resamples: int = 10_000
    seed: int = 0
    source: str | None = None

    @property
    def needs_baseline(self) -> bool:
        return any(rule.needs_baseline for rule in self.rules)


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    status: RuleStatus
    why: str
    value: float | None = None
    comparison: Comparison | None = None

    @property
    def passed(self) -> bool:
        return self.status is RuleStatus.PASS


@dataclass(frozen=True)
class GateReport:
    policy: Policy
    candidate: str
    baseline: str | None
    outcomes: tuple[RuleOutcome, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(outcome.passed for outcome in self.outcomes)


# ---------------------------------------------------------------------------------------------------
# Parsing


def _float(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PolicyError(f"{where}: '{key}' must be a number, got {value!r}")
    return float(value)


def _rule_kind(raw: Any, where: str) -> RuleKind:
    """The one rule kind a mapping names; unknown keys get a "did you mean"."""
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where} must be a mapping like {{floor: gen/passes, min: 0.3}}, got {raw!r}")
    kinds = [k for k in raw if k in {kind.value for kind in RuleKind}]
    if len(kinds) != 1:
        names = ", ".join(k.value for k in RuleKind)
        raise PolicyError(f"{where} needs exactly one of {names} (got keys {list(raw)})")
    kind = RuleKind(kinds[0])
    allowed = {kind.value, *_THRESHOLD_KEYS[kind], *_COMMON_KEYS}
    for key in raw:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise PolicyError(f"{where}: unknown key '{key}' for {kind.value}{suggestion}")
    return kind


def _threshold(kind: RuleKind, raw: Mapping[str, Any], where: str) -> tuple[str, float]:
    """(key, value) of the rule's threshold; must_beat's margin defaults to 0."""
    given = [k for k in _THRESHOLD_KEYS[kind] if k in raw]
    if kind is RuleKind.MUST_BEAT and not given:
        return "margin", 0.0
    if len(given) != 1:
        raise PolicyError(f"{where}: {kind.value} needs exactly one of {', '.join(_THRESHOLD_KEYS[kind])}")
    key = given[0]
    value = _float(raw[key], where, key)
    if kind is RuleKind.NO_REGRESS and value < 0:
        raise PolicyError(f"{where}: max_drop is a size and must be >= 0, got {value}")
    if kind is RuleKind.QUANT_RETENTION and not 0 < value <= 2:
        raise PolicyError(f"{where}: min_ratio must be in (0, 2] (e.g. 0.95), got {value}")
    return key, value


def _choices(kind: RuleKind, raw: Mapping[str, Any], where: str) -> tuple[Basis, Statistic | None, Pooling]:
    default_basis = Basis.POINT if kind is RuleKind.FLOOR else Basis.CI
    try:
        basis = Basis(raw.get("basis", default_basis.value))
        statistic = Statistic(raw["statistic"]) if "statistic" in raw else None
        pooling = Pooling(raw.get("pooling", Pooling.MACRO.value))
    except ValueError as error:
        raise PolicyError(
            f"{where}: {error} (basis: ci|point; statistic: mean|geomean; pooling: macro|micro)"
        ) from error
    if kind is RuleKind.MUST_BEAT and basis is Basis.POINT:
        raise PolicyError(f"{where}: must_beat is decided on the interval; remove 'basis: point'")
    return basis, statistic, pooling


def _flag(raw: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, bool):
        raise PolicyError(f"{where}: {key} must be true or false, got {value!r}")
    return value


def _rule(raw: Any, index: int, source: str) -> Rule:
    where = f"{source}: rules[{index}]"
    kind = _rule_kind(raw, where)
    metric = MetricRef.parse(raw[kind.value])
    key, threshold = _threshold(kind, raw, where)
    basis, statistic, pooling = _choices(kind, raw, where)
    upper = key == "max"
    if kind is RuleKind.FLOOR:
        default_name = f"{kind.value}[{metric} {'<=' if upper else '>='} {threshold:g}]"
    else:
        default_name = f"{kind.value}[{metric} {key}={threshold:g}]"
    return Rule(
        kind=kind,
        metric=metric,
        threshold=threshold,
        name=str(raw.get("name") or default_name),
        basis=basis,
        upper=upper,
        higher_is_better=_flag(raw, "higher_is_better", where),
        statistic=statistic,
        pooling=pooling,
        allow_missing=bool(_flag(raw, "allow_missing", where)),
    )


def parse_policy(data: Any, *, source: str = "policy") -> Policy:
    """Build a `Policy` from parsed YAML; errors name the rule, the key and the fix."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list) or not data["rules"]:
        raise PolicyError(f"{source}: a policy is a mapping with a non-empty 'rules' list")
    unknown = set(data) - {"name", "rules", "confidence", "resamples", "seed", "description"}
    if unknown:
        raise PolicyError(
            f"{source}: unknown top-level keys {sorted(unknown)} (allowed: name, rules, confidence, resamples, seed)"
        )
    rules = tuple(_rule(raw, i, source) for i, raw in enumerate(data["rules"]))
    names = [rule.name for rule in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PolicyError(f"{source}: rule names must be unique; give 'name:' to {duplicates}")
    confidence = _float(data.get("confidence", 0.95), source, "confidence")
    if not 0.5 <= confidence < 1:
        raise PolicyError(f"{source}: confidence must be in [0.5, 1), got {confidence}")
    resamples = data.get("resamples", 10_000)
    seed = data.get("seed", 0)
    if not isinstance(resamples, int) or resamples < 100:
        raise PolicyError(f"{source}: resamples must be an integer >= 100, got {resamples!r}")
    if not isinstance(seed, int):
        raise PolicyError(f"{source}: seed must be an integer, got {seed!r}")
    return Policy(
        name=str(data.get("name") or Path(source).stem),
        rules=rules,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        source=source,
    )


def load_policy(path: str | Path) -> Policy:
    """Read a policy YAML file."""
    file = Path(path)
    if not file.is_file():
        raise PolicyError(f"policy file {file} does not exist")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PolicyError(f"{file}: not valid YAML ({error})") from error
    return parse_policy(data, source=str(file))


# ---------------------------------------------------------------------------------------------------
# Evaluation


def _floor(rule: Rule, policy: Policy, candidate: RunRecord) -> RuleOutcome:
    if rule.basis is Basis.POINT:
        value = aggregate_value(candidate, rule.metric, rule.statistic, rule.pooling)
        shown = f"{rule.metric} = {value:.4f}"
    else:
        values = np.array([v for _f, v in metric_values(candidate, rule.metric).values()])
        point, ci = bootstrap_statistic(
            values,
            statistic=rule.statistic or Statistic.MEAN,
            resamples=policy.resamples,
            confidence=policy.confidence,
            seed=policy.seed,
        )
        value = ci.high if rule.upper else ci.low
        shown = (
            f"{rule.metric} = {point:.4f}, {int(policy.confidence * 100)}% CI [{ci.low:.4f}, {ci.high:.4f}]"
        )
    ok = value <= rule.threshold if rule.upper else value >= rule.threshold
    bound = f"{'<=' if rule.upper else '>='} {rule.threshold:g}"
    basis = "" if rule.basis is Basis.POINT else (" (upper bound)" if rule.upper else " (lower bound)")
    why = f"{shown}{basis} {'meets' if ok else 'misses'} the floor {bound}"
    return RuleOutcome(rule, RuleStatus.PASS if ok else RuleStatus.FAIL, why, value=value)


def _coverage_problem(rule: Rule, cmp: Comparison) -> str | None:
    if cmp.only_in_baseline and not rule.allow_missing:
        return (
            f"candidate did not run {cmp.only_in_baseline} task(s) the baseline ran (a --limit run?); "
            "re-run on the full set or set 'allow_missing: true' to compare on the shared tasks"
        )
    return None


def _decide(rule: Rule, cmp: Comparison, confidence: float) -> tuple[bool, str]:
    level = f"{int(confidence * 100)}% CI"
    if rule.kind is RuleKind.MUST_BEAT:
        ok = cmp.gain_ci.low > rule.threshold
        why = f"gain CI lower bound {cmp.gain_ci.low:+.4f} {'>' if ok else '<='} margin {rule.threshold:g}"
        if cmp.mcnemar is not None:
            test = cmp.mcnemar
            alpha = 1 - confidence
            if test.wins <= test.losses:
                why += f"; McNemar: {test.wins} wins vs {test.losses} losses do not favour the candidate"
                ok = False
            else:
                significant = test.p_value < alpha
                why += f"; McNemar p={test.p_value:.3g} {'<' if significant else '>='} {alpha:.3g}"
                ok = ok and significant
        return ok, why
    if rule.kind is RuleKind.NO_REGRESS:
        value = cmp.gain_ci.low if rule.basis is Basis.CI else cmp.gain
        what = f"gain {level} lower bound" if rule.basis is Basis.CI else "gain"
        ok = value >= -rule.threshold
        return ok, f"{what} {value:+.4f} {'>=' if ok else '<'} -{rule.threshold:g} (max drop)"
    retention, ci = cmp.retention, cmp.retention_ci
    if retention is None or ci is None:
        return False, "baseline value is 0: retention is undefined"
    value = ci.low if rule.basis is Basis.CI else retention
    what = f"retention {retention:.3f}, {level} lower bound" if rule.basis is Basis.CI else "retention"
    ok = value >= rule.threshold
    return ok, f"{what} {value:.3f} {'>=' if ok else '<'} {rule.threshold:g}"


def evaluate_rule(
    rule: Rule,
    policy: Policy,
    candidate: RunRecord,
    baseline: RunRecord | None,
    cache: dict[tuple[Any, ...], Comparison] | None = None,
) -> RuleOutcome:
    """Evaluate one rule. Errors (missing metric, mismatched datasets) become ERROR outcomes."""
    try:
        if rule.kind is RuleKind.FLOOR:
            return _floor(rule, policy, candidate)
        if baseline is None:
            return RuleOutcome(rule, RuleStatus.ERROR, f"{rule.kind.value} needs a baseline run (--baseline)")
        key = (rule.metric, rule.statistic, rule.pooling, rule.higher_is_better)
        cmp = cache.get(key) if cache is not None else None
        if cmp is None:
            cmp = compare(
                candidate,
                baseline,
                rule.metric,
                resamples=policy.resamples,
                confidence=policy.confidence,
                seed=policy.seed,
                statistic=rule.statistic,
                pooling=rule.pooling,
                higher_is_better_override=rule.higher_is_better,
            )
            if cache is not None:
                cache[key] = cmp
    except HarnessError as error:
        return RuleOutcome(rule, RuleStatus.ERROR, str(error))
    problem = _coverage_problem(rule, cmp)
    ok, why = _decide(rule, cmp, policy.confidence)
    why = f"{why} | {cmp.summary()}"
    base_quant = (baseline.model.quant or "").upper()
    if rule.kind is RuleKind.QUANT_RETENTION and base_quant not in ("", "F32", "BF16", "F16"):
        why += f" (note: the baseline is {base_quant}, not a full-precision run)"
    if problem:
        return RuleOutcome(rule, RuleStatus.FAIL, f"{problem} | {why}", value=cmp.gain, comparison=cmp)
    return RuleOutcome(rule, RuleStatus.PASS if ok else RuleStatus.FAIL, why, value=cmp.gain, comparison=cmp)


def evaluate_policy(policy: Policy, candidate: RunRecord, baseline: RunRecord | None) -> GateReport:
    """Evaluate every rule (comparisons computed once per metric)."""
    cache: dict[tuple[Any, ...], Comparison] = {}
    outcomes = tuple(evaluate_rule(rule, policy, candidate, baseline, cache) for rule in policy.rules)
    return GateReport(
        policy=policy,
        candidate=candidate.run_id,
        baseline=baseline.run_id if baseline else None,
        outcomes=outcomes,
    )
