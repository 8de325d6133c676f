"""The pytest plugin: the sample model repo passes against its baseline and fails on a regression."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core.families import primary_metrics

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_REPO = ROOT / "fixtures" / "sample_model_repo"


def _plugin_installed() -> bool:
    return any(
        ep.value == "harness.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run pytest in the repo as its CI would (plugin by entry point, or -p when not reinstalled yet)."""
    extra = [] if _plugin_installed() else ["-p", "harness.pytest_plugin"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *extra, *args],
        cwd=repo, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "model_repo"
    shutil.copytree(SAMPLE_REPO, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return target


def _worsen(path: Path, family: str, metric: str, share: float) -> None:
    """Flip `share` of a family's passing samples to failing and recompute its aggregates (and `score`,
    when the metric is the family's primary one)."""
    data = json.loads(path.read_text())
    passing = [s for s in data["samples"] if s["family"] == family and s["metrics"].get(metric) == 1.0]
    names = [metric, "score"] if primary_metrics().get(family) == metric else [metric]
    for sample in passing[: int(len(passing) * share)]:
        for name in names:
            sample["metrics"][name] = 0.0
    for name in names:
        values = [s["metrics"][name] for s in data["samples"] if s["family"] == family]
        data["metrics"][family][name] = sum(values) / len(values)
    path.write_text(json.dumps(data))


def test_sample_repo_passes_against_its_baseline(repo):
    result = _pytest(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 passed" in result.stdout
    assert "gate.yaml::v2 beats v1 on the overall score PASSED" in _pytest(repo, "-v").stdout


def test_sample_repo_fails_when_a_metric_gets_worse(repo):
    _worsen(repo / "results" / "candidate.json", "gen", "pass@1", 0.5)
    result = _pytest(repo)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "FAILED gate.yaml::floor[gen/pass@1 >= 0.6]" in out
    assert "asm65816 gate rule 'floor[gen/pass@1 >= 0.6]' failed" in out and "misses the floor" in out
    assert "PASSED gate.yaml::no_regress[trace/exact max_drop=0.05]" in out  # untouched metric still passes
    assert "Traceback" not in out


def test_command_line_options_override_the_ini(repo):
    other = repo / "results" / "regressed.json"
    shutil.copy(repo / "results" / "baseline.json", other)
    _worsen(other, "trace", "exact", 0.6)
    result = _pytest(repo, f"--asm65816-results={other}", "-k", "trace")
    assert result.returncode == 1
    assert "FAILED gate.yaml::no_regress[trace/exact max_drop=0.05]" in result.stdout
    assert "gain 95% CI lower bound" in result.stdout


def test_mismatched_dataset_fails_the_comparison_items(repo):
    path = repo / "results" / "candidate.json"
    data = json.loads(path.read_text())
    data["dataset"]["version"] = "2.0.0"
    path.write_text(json.dumps(data))
    result = _pytest(repo, "-k", "no_regress")
    assert result.returncode == 1
    assert "refusing to compare runs on different datasets" in result.stdout


def test_broken_policy_is_a_collection_error_not_a_test(repo):
    (repo / "gate.yaml").write_text("rules:\n  - floor: gen/pass@1\n    mni: 0.3\n")
    result = _pytest(repo)
    assert result.returncode == 2, result.stdout  # interrupted: collection error, not "tests failed"
    assert "ERROR collecting gate.yaml" in result.stdout
    assert "gate.yaml:2: rules[0]: unknown key 'mni'; did you mean 'min'?" in result.stdout
    assert "Traceback" not in result.stdout and "policy PASSED" not in result.stdout


def test_a_printed_node_id_reruns_that_rule(repo):
    _worsen(repo / "results" / "candidate.json", "gen", "pass@1", 0.5)
    printed = "gate.yaml::floor[gen/pass@1 >= 0.6]"
    assert f"FAILED {printed}" in _pytest(repo).stdout
    again = _pytest(repo, printed, "gate.yaml::v2 beats v1 on the overall score")
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"FAILED {printed}" in again.stdout and "1 failed, 1 passed" in again.stdout
    deselected = _pytest(repo, "--deselect", printed)
    assert deselected.returncode == 0 and "8 passed, 1 deselected" in deselected.stdout


def test_last_failed_reruns_the_failed_gate_rules(repo):
    _worsen(repo / "results" / "candidate.json", "gen", "pass@1", 0.5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    extra = [] if _plugin_installed() else ["-p", "harness.pytest_plugin"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-rA", *extra, *args],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )

    assert run().returncode == 1
    rerun = run("--lf")
    assert rerun.returncode == 1, rerun.stdout
    assert "rerun previous 1 failure" in rerun.stdout and "1 failed, 5 deselected" in rerun.stdout
    assert "FAILED gate.yaml::floor[gen/pass@1 >= 0.6]" in rerun.stdout


def test_a_policy_inside_the_collected_tree_is_collected_once(repo):
    shutil.move(repo / "gate.yaml", repo / "tests" / "gate.yaml")
    ini = (
        (repo / "pytest.ini")
        .read_text()
        .replace("asm65816_policy = gate.yaml", "asm65816_policy = tests/gate.yaml")
    )
    (repo / "pytest.ini").write_text(ini)
    result = _pytest(repo)
    assert result.returncode == 0, result.stdout
    assert (
        "9 passed" in result.stdout
        and result.stdout.count("PASSED tests/gate.yaml::floor[gen/pass@1 >= 0.6]") == 1
    )


def test_a_missing_policy_file_is_a_usage_error(repo):
    result = _pytest(repo, "--asm65816-policy=nope.yaml")
    assert result.returncode == 4 and "no such file" in result.stderr


def test_without_options_the_plugin_adds_nothing(tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    result = _pytest(tmp_path)
    assert result.returncode == 0 and "1 passed" in result.stdout and "asm65816 gate:" not in result.stdout


def test_plugin_loads_through_its_pytest11_entry_point(repo, tmp_path):
    """Without -p: pytest finds the plugin the way an installed asm65816-harness exposes it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    if not _plugin_installed():  # this checkout's metadata predates the entry point: declare it beside it
        dist = tmp_path / "site" / "asm65816_gate_probe-0.0.0.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: asm65816-gate-probe\nVersion: 0.0.0\n")
        (dist / "entry_points.txt").write_text("[pytest11]\nasm65816 = harness.pytest_plugin\n")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dist.parent), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v"],
        cwd=repo, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "asm65816 gate: results=" in result.stdout
        and "gate.yaml::floor[gen/pass@1 >= 0.6] PASSED" in result.stdout
    )


def test_entry_point_is_declared():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["entry-points"]["pytest11"]["asm65816"] == "harness.pytest_plugin"
    assert any("matplotlib" in dep for dep in data["project"]["optional-dependencies"]["report"])
