"""pytest plugin (entry point `pytest11: asm65816`): a model repo's CI fails on a regression.

Options (or the same names as ini keys, e.g. `asm65816_policy = gate.yaml` in pytest.ini; relative
ini paths resolve against the rootdir, command-line paths against the invocation directory):
  --asm65816-results PATH   the candidate run (Results JSON, lm-eval output, run id or latest:MODEL)
  --asm65816-baseline PATH  the baseline run
  --asm65816-policy PATH    a gate policy YAML: every rule becomes one test item,
                            `<policy file>::<rule name>`, that fails with the reason
Fixtures: `asm65816_results`, `asm65816_baseline`, `asm65816_policy` (loaded from the options),
`asm65816_gate` (evaluate a policy on any two runs), `asm65816_evaluate` (run the harness on a
model through lm-eval and get the run record back) and `asm65816_score` (score a predictions file the
model already wrote, as `asm65816 score` does).
The plugin does nothing, and imports nothing heavy, unless one of these options or fixtures is used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.gate.policy import GateReport, Policy, Rule
    from harness.gate.record import RunRecord

__all__ = ["GateRuleFailure", "GateRuleItem", "PolicyFile"]

_OPTIONS = {
    "results": "the candidate run: Results JSON, lm-eval output (file or folder), run id or latest:MODEL",
    "baseline": "the baseline run the policy's comparison rules measure against",
    "policy": "gate policy YAML; each rule becomes a test item",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asm65816", "asm65816 model gates")
    for name, text in _OPTIONS.items():
        group.addoption(f"--asm65816-{name}", dest=f"asm65816_{name}", default=None, help=text)
        parser.addini(f"asm65816_{name}", text, default=None)


def _setting(config: pytest.Config, name: str) -> str | None:
    """Command-line value (relative to the invocation dir), else ini value (relative to rootdir)."""
    value = config.getoption(f"asm65816_{name}")
    base = config.invocation_params.dir
    if not value:
        value = config.getini(f"asm65816_{name}")
        base = config.rootpath
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute() and (base / path).exists():
        return str(base / path)
    return str(value)  # a run id or latest:MODEL, or a missing path the loader reports


class _Runs:
    """Loads each configured run once per session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._cache: dict[str, Any] = {}

    def run(self, name: str) -> RunRecord | None:
        if name not in self._cache:
            ref = _setting(self.config, name)
            if ref is None:
                self._cache[name] = None
            else:
                from harness.gate.store import load_run

                self._cache[name] = load_run(ref)
        return self._cache[name]


_RUNS_KEY = pytest.StashKey[_Runs]()


def _runs(config: pytest.Config) -> _Runs:
    if _RUNS_KEY not in config.stash:
        config.stash[_RUNS_KEY] = _Runs(config)
    return config.stash[_RUNS_KEY]


class GateRuleFailure(Exception):
    """A policy rule did not pass; the message says why (shown without a traceback)."""


class GateRuleItem(pytest.Item):
    """One policy rule as a test."""

    def __init__(
        self, *, rule: Rule | None, policy: Policy | None, problem: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.policy = policy
        self.problem = problem

    def runtest(self) -> None:
        from harness.errors import HarnessError
        from harness.gate.policy import evaluate_rule

        if self.problem or self.rule is None or self.policy is None:
            raise GateRuleFailure(self.problem or "policy not loaded")
        runs = _runs(self.config)
        try:
            candidate = runs.run("results")
            if candidate is None:
                raise GateRuleFailure(
                    "no candidate run: pass --asm65816-results (or set asm65816_results in the ini)"
                )
            baseline = runs.run("baseline")
        except HarnessError as error:
            raise GateRuleFailure(str(error)) from error
        outcome = evaluate_rule(self.rule, self.policy, candidate, baseline)
        self.user_properties.append(("asm65816_gate", outcome.why))
        if not outcome.passed:
            raise GateRuleFailure(f"{outcome.status.value.upper()}: {outcome.why}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GateRuleFailure):
            return f"asm65816 gate rule '{self.name}' failed:\n  {excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"asm65816 gate: {self.name}"


class PolicyFile(pytest.File):
    """A policy YAML collected as a file of rule items."""

    def collect(self) -> list[GateRuleItem]:
        from harness.errors import HarnessError
        from harness.gate.policy import load_policy

        try:
            policy = load_policy(self.path)
        except HarnessError as error:
            return [GateRuleItem.from_parent(self, name="policy", rule=None, policy=None, problem=str(error))]
        return [
            GateRuleItem.from_parent(self, name=rule.name, rule=rule, policy=policy) for rule in policy.rules
        ]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Append one item per policy rule (first, so -k/-m deselection applies to them too)."""
    policy = _setting(config, "policy")
    if policy is None:
        return
    path = Path(policy)
    if not path.is_file():
        raise pytest.UsageError(f"--asm65816-policy {policy}: no such file")
    collector = PolicyFile.from_parent(session, path=path.resolve())
    rules = collector.collect()
    # Report the rules as collected, so "collected N items" and other reporters count them.
    config.hook.pytest_collectreport(report=pytest.CollectReport(collector.nodeid, "passed", None, rules))
    items.extend(rules)


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = {name: _setting(config, name) for name in _OPTIONS}
    if not any(settings.values()):
        return []
    return ["asm65816 gate: " + ", ".join(f"{k}={v}" for k, v in settings.items() if v)]


def _required(config: pytest.Config, name: str) -> Any:
    from harness.errors import HarnessError

    try:
        run = _runs(config).run(name)
    except HarnessError as error:
        pytest.fail(f"--asm65816-{name}: {error}", pytrace=False)
    if run is None:
        pytest.fail(f"this test needs --asm65816-{name} (or asm65816_{name} in the ini)", pytrace=False)
    return run


@pytest.fixture
def asm65816_results(request: pytest.FixtureRequest) -> RunRecord:
    """The candidate run given by --asm65816-results."""
    return _required(request.config, "results")


@pytest.fixture
def asm65816_baseline(request: pytest.FixtureRequest) -> RunRecord:
    """The baseline run given by --asm65816-baseline."""
    return _required(request.config, "baseline")


@pytest.fixture
def asm65816_policy(request: pytest.FixtureRequest) -> Policy:
    """The policy given by --asm65816-policy."""
    from harness.gate.policy import load_policy

    path = _setting(request.config, "policy")
    if path is None:
        pytest.fail("this test needs --asm65816-policy (or asm65816_policy in the ini)", pytrace=False)
    return load_policy(path)


@pytest.fixture
def asm65816_gate() -> Callable[..., GateReport]:
    """`gate(candidate, baseline=None, policy=...)`: runs/policies as paths, run ids or objects."""
    from harness.gate.policy import Policy, evaluate_policy, load_policy, parse_policy
    from harness.gate.record import RunRecord
    from harness.gate.store import load_run

    def gate(candidate: Any, baseline: Any = None, policy: Any = None) -> GateReport:
        cand = candidate if isinstance(candidate, RunRecord) else load_run(candidate)
        base = baseline if baseline is None or isinstance(baseline, RunRecord) else load_run(baseline)
        if isinstance(policy, Policy):
            chosen = policy
        elif isinstance(policy, dict):
            chosen = parse_policy(policy, source="inline policy")
        elif policy is not None:
            chosen = load_policy(policy)
        else:
            raise TypeError("asm65816_gate needs policy= (a Policy, a dict or a YAML path)")
        return evaluate_policy(chosen, cand, base)

    return gate


@pytest.fixture
def asm65816_evaluate() -> Callable[..., RunRecord]:
    """`evaluate(model, model_args=..., tasks=("asm65816",), limit=N, ...)` -> RunRecord via lm-eval."""
    from harness.gate.evaluate import evaluate_model

    return evaluate_model


@pytest.fixture
def asm65816_score() -> Callable[..., RunRecord]:
    """`score(tasks_jsonl, predictions_jsonl, model=..., workers=1)` -> RunRecord (offline scorer)."""
    from harness.gate.evaluate import score_predictions_record

    return score_predictions_record
