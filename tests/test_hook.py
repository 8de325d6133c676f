"""The lm-eval startup hook: free at interpreter start, silent under pytest, working in wheel and editable installs.

The `.pth` file imports `_asm65816_lmeval_hook` (a top-level module) in every Python process of the
environment, so these tests check what a user relies on: `python -c pass` does not import `harness`
(or anything else), the added start time stays under 2 ms, pytest does not warn about an
already-imported module, `lm_eval --tasks asm65816` finds our group and models after the first
`import lm_eval`, and ASM65816_NO_LMEVAL_HOOK=1 switches all of it off. The install tests build the
real wheel / editable install into a fresh venv (dependencies come from this interpreter's
site-packages, so nothing is downloaded; about 5 s each).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOK_MODULE = "_asm65816_lmeval_hook"
PTH = "asm65816_harness_lmeval.pth"
STARTUP_BUDGET_US = 2000

MODULES_ADDED = (
    "import sys\n"
    # an installed .pth imports the hook at start-up: forget it, so the import below is a first one
    "sys.modules.pop('_asm65816_lmeval_hook', None)\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_LmEvalTrigger']\n"
    "before = set(sys.modules)\n"
    "import _asm65816_lmeval_hook as hook\n"
    "hook.install()\n"
    "print(' '.join(sorted(set(sys.modules) - before)))\n"
    "print(hook.installed())\n"
)

# What `lm_eval --tasks asm65816` needs: our group in a TaskManager and our models in the registry.
LM_EVAL_PROBE = (
    "import sys\n"
    "from lm_eval.tasks import TaskManager\n"
    "from lm_eval.api.registry import get_model\n"
    "tm = TaskManager(include_defaults=False)\n"
    "print('group' if 'asm65816' in tm.all_groups else 'nogroup')\n"
    "import lm_eval.models\n"
    "try:\n    get_model('asm65816-oracle'); print('oracle')\n"
    "except ValueError:\n    print('nooracle')\n"
    "import _asm65816_lmeval_hook as hook\n"
    "print('armed' if hook.installed() else 'disarmed')\n"
)


def _python(
    code: str,
    *,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    cwd: Path | None = None,
    args: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [python, *args, "-c", code], capture_output=True, text=True, timeout=240, env=env, cwd=cwd
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def _source_env(**extra: str) -> dict[str, str]:
    """This checkout's top-level hook module importable, the hook switch as given."""
    env = {k: v for k, v in os.environ.items() if k != "ASM65816_NO_LMEVAL_HOOK"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


def _hook_import_us(stderr: str) -> int:
    """Cumulative microseconds `-X importtime` reports for the hook module."""
    found = re.search(rf"^import time:\s+\d+ \|\s+(\d+) \|\s+{HOOK_MODULE}$", stderr, re.MULTILINE)
    assert found, f"{HOOK_MODULE} was not imported:\n{stderr[-2000:]}"
    return int(found.group(1))


def test_the_trigger_imports_nothing_and_arms_one_finder():
    run = _python(MODULES_ADDED, env=_source_env())
    added, armed = run.stdout.split("\n")[:2]
    assert added.split() == [HOOK_MODULE]  # not harness, not lm_eval, not importlib.abc
    assert armed == "True"


def test_install_is_idempotent_and_the_switch_turns_it_off():
    code = (
        MODULES_ADDED
        + "hook.install(); print(sum(type(f).__name__ == '_LmEvalTrigger' for f in sys.meta_path))\n"
    )
    on = _python(code, env=_source_env()).stdout.split()
    assert on[-2:] == ["True", "1"]
    off = _python(MODULES_ADDED, env=_source_env(ASM65816_NO_LMEVAL_HOOK="1")).stdout.split("\n")
    assert off[1] == "False"


@pytest.mark.parametrize(
    ("switch", "expected"),
    [("0", ["group", "oracle", "disarmed"]), ("1", ["nogroup", "nooracle", "disarmed"])],
)
def test_the_first_lm_eval_import_installs_the_patches(switch, expected):
    """Armed at start, fired (and gone) on `import lm_eval`: the group and the models are there."""
    code = "import _asm65816_lmeval_hook as hook\nhook.install()\n" + LM_EVAL_PROBE
    run = _python(code, env=_source_env(ASM65816_NO_LMEVAL_HOOK=switch))
    assert run.stdout.split() == expected


def test_arming_after_lm_eval_was_imported_patches_at_once():
    code = (
        "import lm_eval.tasks, lm_eval.api.registry\nimport _asm65816_lmeval_hook as hook\nhook.install()\n"
    )
    run = _python(code + LM_EVAL_PROBE, env=_source_env())
    assert run.stdout.split() == ["group", "oracle", "disarmed"]


def test_a_broken_harness_install_never_breaks_lm_eval(tmp_path):
    """Fail-safe: if `harness.lmeval.hook` cannot be imported, lm-eval still imports and runs."""
    shadow = tmp_path / "harness"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise RuntimeError('broken install')\n")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"  # shadows the real package
        + "import _asm65816_lmeval_hook as hook\nhook.install()\n"
        + "from lm_eval.tasks import TaskManager\nTaskManager(include_defaults=False)\nprint('ok')\n"
    )
    assert _python(code, env=_source_env()).stdout.split() == ["ok"]


def test_the_startup_cost_stays_under_two_milliseconds():
    env = _source_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    code = "import _asm65816_lmeval_hook as hook; hook.install()"
    _python(code, env=env)  # writes the bytecode once
    timings = [_hook_import_us(_python(code, env=env, args=("-X", "importtime")).stderr) for _ in range(5)]
    assert min(timings) < STARTUP_BUDGET_US, timings
    install = _python(
        "import time, _asm65816_lmeval_hook as hook\n"
        "t = time.perf_counter(); hook.install(); print((time.perf_counter() - t) * 1e6)\n",
        env=env,
    )
    assert float(install.stdout) < 200  # one os.environ lookup and one list insert


def test_pytest_does_not_warn_that_the_hook_was_imported_before_it():
    """pytest marks every top-level module of a plugin's distribution for rewriting and warns about
    those already imported unless their docstring opts out; the .pth imports ours before pytest."""
    from _pytest.assertion.rewrite import AssertionRewriter

    sys.path.insert(0, str(ROOT))
    try:
        import _asm65816_lmeval_hook as hook
    finally:
        sys.path.remove(str(ROOT))
    assert AssertionRewriter.is_rewrite_disabled(hook.__doc__ or "")


def test_the_pth_line_imports_only_the_top_level_module():
    text = (ROOT / PTH).read_text()
    assert text.count("\n") == 1 and text.startswith("import ")  # site runs only lines starting with import
    assert "harness" not in text and HOOK_MODULE in text


# ---------------------------------------------------------------------------------------------------
# Real installs into fresh venvs


def _copy_source(dest: Path) -> Path:
    """This checkout without its venv, build outputs and tests (what a wheel build sees)."""
    pytest.importorskip("setuptools", minversion="64", reason="building offline needs setuptools>=64 here")
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        ".tox",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "tests",
        "out",
        "results",
    )
    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


def _fresh_venv(path: Path) -> str:
    """A venv without pip whose dependencies (and pip) come from this interpreter's site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
    python = str(path / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    Path(purelib, "zz_asm65816_test_dependencies.pth").write_text(deps + "\n")  # after our .pth: sorted names
    return python


def _pip(python: str, *args: str) -> None:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run(
        # --ignore-installed: the dependencies' .pth also shows the outer environment's copy of this
        # package, which pip would otherwise take as "already installed" and skip
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--ignore-installed",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def _check_installed(python: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ASM65816_NO_LMEVAL_HOOK")}
    purelib = Path(
        _python(
            "import sysconfig; print(sysconfig.get_paths()['purelib'])", python=python, env=env, cwd=cwd
        ).stdout.strip()
    )
    assert (purelib / PTH).is_file()
    startup = _python("pass", python=python, env=env, cwd=cwd, args=("-X", "importtime"))
    imported = [line.rsplit("|", 1)[-1].strip() for line in startup.stderr.splitlines()]
    assert HOOK_MODULE in imported and not [m for m in imported if m.split(".")[0] in ("harness", "lm_eval")]
    assert _python(LM_EVAL_PROBE, python=python, env=env, cwd=cwd).stdout.split() == [
        "group",
        "oracle",
        "disarmed",
    ]
    off = _python(LM_EVAL_PROBE, python=python, env={**env, "ASM65816_NO_LMEVAL_HOOK": "1"}, cwd=cwd)
    assert off.stdout.split() == ["nogroup", "nooracle", "disarmed"]
    (cwd / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    pytest_run = subprocess.run(
        [
            python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::pytest.PytestAssertRewriteWarning",
            "test_plain.py",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=cwd,
    )
    assert pytest_run.returncode == 0, pytest_run.stdout[-3000:]
    assert "PytestAssertRewriteWarning" not in pytest_run.stdout + pytest_run.stderr


def test_a_wheel_install_finds_the_tasks_and_starts_free(tmp_path):
    source = _copy_source(tmp_path / "src")
    wheels = tmp_path / "wheels"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    wheel = next(wheels.glob("asm65816_harness-*.whl"))
    python = _fresh_venv(tmp_path / "venv")
    _pip(python, str(wheel))
    work = tmp_path / "work"
    work.mkdir()
    _check_installed(python, work)


def test_an_editable_install_finds_the_tasks_and_starts_free(tmp_path):
    source = _copy_source(tmp_path / "src")
    python = _fresh_venv(tmp_path / "venv")
    _pip(python, "-e", str(source))
    work = tmp_path / "work"
    work.mkdir()
    _check_installed(python, work)
