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

The policy file is collected like any test file (`pytest_collect_file`), so its node ids work as
pytest's always do: `pytest "gate.yaml::floor[gen/passes >= 0.6]"` re-runs one rule, `--lf` re-runs
the rules that failed, `-k`/`--deselect` pick rules. When the run's arguments do not reach the policy
file (the usual `testpaths = tests` with the policy next to the results), it is added to them. A policy
that does not parse is a collection error for that file (exit 2), never a test that merely failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.gate.policy import GateReport, Policy, Rule
    from harness.gate.record import RunRecord

__all__ = ["GateRuleFailure", "GateRuleItem", "PolicyError", "PolicyFile"]

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

    def __init__(self, *, rule: Rule, policy: Policy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule
        self.policy = policy

    def runtest(self) -> None:
        from harness.errors import HarnessError
        from harness.gate.policy import evaluate_rule

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


class PolicyError(Exception):
    """The policy file could not be loaded; reported as a collection error without a traceback."""


class PolicyFile(pytest.File):
    """A policy YAML collected as a file of rule items."""

    def collect(self) -> list[GateRuleItem]:
        from harness.errors import HarnessError
        from harness.gate.policy import load_policy

        try:
            policy = load_policy(self.path)
        except HarnessError as error:
            raise PolicyError(str(error)) from error
        return [self._item(rule, policy) for rule in policy.rules]

    def _item(self, rule: Rule, policy: Policy) -> GateRuleItem:
        """The rule's item. Its node id is given as the string users type (`gate.yaml::floor[x >= 1]`):
        pytest 9 parses such a string into name `floor` + params `x >= 1`, so an id built from the name
        instead would never equal the one `--lf` stored and read back."""
        name = rule.name.replace("::", ":")  # "::" separates node id parts
        return GateRuleItem.from_parent(
            self, name=name, nodeid=f"{self.nodeid}::{name}", rule=rule, policy=policy
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, PolicyError):
            return f"asm65816 gate policy {self.path.name} cannot be used:\n  {excinfo.value}"
        return super().repr_failure(excinfo, style=style)


_POLICY_KEY = pytest.StashKey[Path | None]()


def _policy_path(config: pytest.Config) -> Path | None:
    """The configured policy file, resolved once per session (asked for every collected file)."""
    if _POLICY_KEY not in config.stash:
        setting = _setting(config, "policy")
        config.stash[_POLICY_KEY] = None if setting is None else Path(setting).resolve()
    return config.stash[_POLICY_KEY]


def _args_reach(config: pytest.Config, target: Path) -> bool:
    """Whether one of the run's arguments (a file, a node id or a directory) already collects `target`."""
    for arg in config.args:
        path = Path(arg.partition("[")[0].split("::")[0])
        path = (path if path.is_absolute() else config.invocation_params.dir / path).resolve()
        if path == target or (path.is_dir() and target.is_relative_to(path)):
            return True
    return False


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Make the policy file part of the collection (see the module docstring)."""
    policy = _policy_path(config)
    if policy is None:
        return
    if not policy.is_file():
        raise pytest.UsageError(f"--asm65816-policy {policy}: no such file")
    if not _args_reach(config, policy):
        config.args.append(str(policy))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PolicyFile | None:
    """The configured policy file (only that one: other YAML files are not tests)."""
    policy = _policy_path(parent.config)
    if policy is not None and file_path.name == policy.name and file_path.resolve() == policy:
        return PolicyFile.from_parent(parent, path=file_path)
    return None


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
