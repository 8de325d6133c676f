"""A new user's walkthrough: build the wheel, install it in a fresh venv, run the README as written.

Every fenced block of README.md whose info string is `bash walkthrough` or `python walkthrough` runs
in order, in an empty directory outside the source tree, with the fresh venv first on PATH: so a
README command that only works from a checkout, a snippet that raises NameError, or a missing
dependency fails here. Slow (a venv and a wheel install): `-m slow`, run by `tox -e full`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```(bash|python) walkthrough\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_blocks() -> list[tuple[str, str]]:
    """(language, code) of every walkthrough block, in README order."""
    return [
        (m.group(1), m.group(2)) for m in BLOCK.finditer((REPO / "README.md").read_text(encoding="utf-8"))
    ]


def test_the_readme_has_walkthrough_blocks_for_the_cli_lm_eval_and_python():
    blocks = readme_blocks()
    text = "\n".join(code for _, code in blocks)
    assert {"python", "bash"} <= {language for language, _ in blocks}
    for needle in (
        "asm65816 assemble",
        "asm65816 check",
        "asm65816 score",
        "lm_eval",
        "asm65816 tasks stats",
    ):
        assert needle in text, needle


def _run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: int = 900
) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{command}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    )
    return result


@pytest.mark.slow
def test_readme_walkthrough_from_a_wheel_in_a_fresh_venv(tmp_path):
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        tmp_path,
        dict(os.environ),
    )
    (wheel,) = wheels.glob("asm65816_harness-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, dict(os.environ))
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PIP_CONSTRAINT": str(REPO / "constraints" / "ci.txt"),
        "ASM65816_SHARED": os.environ.get("ASM65816_SHARED", str(REPO.parent / "shared")),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    env.pop("PYTHONPATH", None)
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path, env, timeout=1800
    )
    work = tmp_path / "work"
    work.mkdir()
    for index, (language, code) in enumerate(readme_blocks()):
        if language == "bash":
            _run(["bash", "-euo", "pipefail", "-c", code], work, env)
        else:
            script = work / f"snippet_{index}.py"
            script.write_text(code, encoding="utf-8")
            _run([str(venv / "bin" / "python"), str(script)], work, env)
