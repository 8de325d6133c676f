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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from harness.core.yamlfile import read_yaml_text
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
    """How one rule came out, and why in words (`str()` is the one-line summary)."""

    rule: Rule
    status: RuleStatus
    why: str
    value: float | None = None
    comparison: Comparison | None = None

    @property
    def passed(self) -> bool:
        return self.status is RuleStatus.PASS

    def __str__(self) -> str:
        return f"{self.status.value.upper()} {self.rule.name}: {self.why}"


@dataclass(frozen=True)
class GateReport:
    """Every rule's outcome for one candidate (and baseline); `str()` is the table the CLI prints."""

    policy: Policy
    candidate: str
    baseline: str | None
    outcomes: tuple[RuleOutcome, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(outcome.passed for outcome in self.outcomes)

    def __str__(self) -> str:
        """The table `asm65816 gate` prints: one row per rule with its status and why, then the verdict."""
        from harness.gate.render import gate_table

        return gate_table(self)


# ---------------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class _Field:
    """One policy key: the YAML types it accepts, an optional range check, and the words for both."""

    types: tuple[type, ...]
    expect: str
    valid: Callable[[Any], bool] = lambda _value: True

    def check(self, key: str, value: Any, where: str) -> Any:
        wrong_type = isinstance(value, bool) and bool not in self.types  # YAML true is not 1
        if wrong_type or not isinstance(value, self.types) or not self.valid(value):
            raise PolicyError(f"{where}: '{key}' must be {self.expect}, got {value!r}")
        return value


def _number(expect: str = "a number", valid: Callable[[float], bool] = lambda _v: True) -> _Field:
    return _Field((int, float), expect, valid)


def _choice(enum: type[Enum]) -> _Field:
    names = [member.value for member in enum]
    return _Field((str,), f"one of {'|'.join(names)}", lambda value: value in names)


_TEXT = _Field((str,), "a string")
_FLAG = _Field((bool,), "true or false")
_METRIC = _Field((str,), "a metric 'family/metric' (e.g. gen/passes, overall/score)")

_POLICY_FIELDS: dict[str, _Field] = {
    "name": _TEXT,
    "description": _TEXT,
    "confidence": _number("a number in [0.5, 1)", lambda v: 0.5 <= v < 1),
    "resamples": _Field((int,), "an integer >= 100", lambda v: v >= 100),
    "seed": _Field((int,), "an integer >= 0", lambda v: v >= 0),
    "rules": _Field((list,), "a non-empty list of rules", bool),
}
_RULE_FIELDS: dict[str, _Field] = {
    "name": _TEXT,
    "basis": _choice(Basis),
    "higher_is_better": _FLAG,
    "statistic": _choice(Statistic),
    "pooling": _choice(Pooling),
    "allow_missing": _FLAG,
}
_THRESHOLDS: dict[RuleKind, dict[str, _Field]] = {
    RuleKind.FLOOR: {"min": _number(), "max": _number()},
    RuleKind.MUST_BEAT: {"margin": _number()},
    RuleKind.NO_REGRESS: {"max_drop": _number("a size >= 0 (0.02 allows a 2-point drop)", lambda v: v >= 0)},
    RuleKind.QUANT_RETENTION: {"min_ratio": _number("a ratio in (0, 2] (e.g. 0.95)", lambda v: 0 < v <= 2)},
}


def _checked(raw: Mapping[str, Any], fields: Mapping[str, _Field], where: str) -> dict[str, Any]:
    """`raw` with every key known (else a "did you mean") and every value of the right type and range."""
    for key in raw:
        if key not in fields:
            hint = difflib.get_close_matches(str(key), list(fields), n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else f"allowed: {', '.join(fields)}"
            raise PolicyError(f"{where}: unknown key '{key}'; {fix}")
    return {key: fields[key].check(key, value, where) for key, value in raw.items()}


def _rule_kind(raw: Any, where: str) -> RuleKind:
    """The one rule kind a mapping names."""
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where} must be a mapping like {{floor: gen/passes, min: 0.3}}, got {raw!r}")
    kinds = [kind for kind in RuleKind if kind.value in raw]
    if len(kinds) != 1:
        names = ", ".join(k.value for k in RuleKind)
        raise PolicyError(f"{where} needs exactly one of {names} (got keys {list(raw)})")
    return kinds[0]


def _threshold(kind: RuleKind, given: Mapping[str, Any], where: str) -> tuple[str, float]:
    """(key, value) of the rule's threshold; must_beat's margin defaults to 0."""
    keys = [key for key in _THRESHOLDS[kind] if key in given]
    if kind is RuleKind.MUST_BEAT and not keys:
        return "margin", 0.0
    if len(keys) != 1:
        raise PolicyError(f"{where}: {kind.value} needs exactly one of {', '.join(_THRESHOLDS[kind])}")
    return keys[0], float(given[keys[0]])


def _default_name(kind: RuleKind, metric: MetricRef, key: str, threshold: float) -> str:
    if kind is RuleKind.FLOOR:
        return f"{kind.value}[{metric} {'<=' if key == 'max' else '>='} {threshold:g}]"
    return f"{kind.value}[{metric} {key}={threshold:g}]"


def _rule(raw: Any, where: str) -> Rule:
    kind = _rule_kind(raw, where)
    fields = {kind.value: _METRIC, **_THRESHOLDS[kind], **_RULE_FIELDS}
    given = _checked(raw, fields, where)
    metric = MetricRef.parse(given[kind.value])
    key, threshold = _threshold(kind, given, where)
    basis = Basis(given.get("basis", (Basis.POINT if kind is RuleKind.FLOOR else Basis.CI).value))
    if kind is RuleKind.MUST_BEAT and basis is Basis.POINT:
        raise PolicyError(f"{where}: must_beat is decided on the interval; remove 'basis: point'")
    return Rule(
        kind=kind,
        metric=metric,
        threshold=threshold,
        name=given.get("name") or _default_name(kind, metric, key, threshold),
        basis=basis,
        upper=key == "max",
        higher_is_better=given.get("higher_is_better"),
        statistic=Statistic(given["statistic"]) if "statistic" in given else None,
        pooling=Pooling(given.get("pooling", Pooling.MACRO.value)),
        allow_missing=given.get("allow_missing", False),
    )


def parse_policy(data: Any, *, source: str = "policy", lines: Sequence[int] | None = None) -> Policy:
    """Build a `Policy` from parsed YAML; errors name the rule (and its line, when `lines` gives the
    1-based line of each rule), the key, the value and what it must be."""
    if not isinstance(data, Mapping) or "rules" not in data:
        raise PolicyError(f"{source}: a policy is a mapping with a non-empty 'rules' list")
    given = _checked(data, _POLICY_FIELDS, source)
    rules = tuple(
        _rule(
            raw, f"{source}:{lines[i]}: rules[{i}]" if lines and i < len(lines) else f"{source}: rules[{i}]"
        )
        for i, raw in enumerate(given["rules"])
    )
    names = [rule.name for rule in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PolicyError(f"{source}: rule names must be unique; give 'name:' to {duplicates}")
    return Policy(
        name=given.get("name") or Path(source).stem,
        rules=rules,
        confidence=float(given.get("confidence", 0.95)),
        resamples=given.get("resamples", 10_000),
        seed=given.get("seed", 0),
        source=source,
    )


def _rule_lines(text: str) -> list[int]:
    """1-based line of each item of the top-level `rules` list (empty when the shape is unexpected)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "rules" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def bundled_policies() -> dict[str, Path]:
    """Example policies shipped with the package, by name (`release`)."""
    folder = Path(__file__).with_name("policies")
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def load_policy(path: str | Path) -> Policy:
    """Read a policy YAML file, or a bundled policy by name (`release`)."""
    file = Path(path)
    if not file.is_file() and str(path) in bundled_policies():
        file = bundled_policies()[str(path)]
    missing = f" (bundled policies: {', '.join(bundled_policies())})"
    text, data = read_yaml_text(file, PolicyError, "policy file", missing)
    return parse_policy(data, source=str(file), lines=_rule_lines(text))


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
