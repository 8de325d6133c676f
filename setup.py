"""Package mapping and the lm-eval startup hook.

- `tasks/` and `trainers/` install inside the `harness` namespace (`harness.tasks`,
  `harness.trainers`): top-level names like `tasks` or `trainers` collide with PyPI packages.
- `asm65816_harness_lmeval.pth` goes to the root of site-packages, for wheel *and* editable installs,
  so that plain `lm_eval --tasks asm65816` finds our tasks. It imports only the top-level module
  `_asm65816_lmeval_hook` (no `harness` import at interpreter start; see `harness/lmeval/hook.py`;
  off with ASM65816_NO_LMEVAL_HOOK=1).
"""

from pathlib import Path

from setuptools import Command, find_namespace_packages, setup
from setuptools.command.build import build

MAPPED_ROOTS = {"harness": "harness", "harness.tasks": "tasks", "harness.trainers": "trainers"}
HOOK_PTH = "asm65816_harness_lmeval.pth"
HOOK_MODULE = "_asm65816_lmeval_hook"


def _packages() -> list[str]:
    found: list[str] = []
    for name, folder in MAPPED_ROOTS.items():
        found.append(name)
        found.extend(f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"]))
    return found


class BuildLmevalHook(Command):
    """`build` sub-command that puts the `.pth` hook at the root of site-packages.

    A regular wheel: the file goes into `build_lib`, which becomes the wheel root. An editable wheel
    (PEP 660, `pip install -e .`): setuptools' editable strategies only map packages and modules, so a
    file in `build_lib` would be dropped; `editable_wheel` points the `install` command's `install_lib`
    at the unpacked editable wheel (where it writes data files too), so the `.pth` is written there.
    The `_asm65816_lmeval_hook` module itself is an ordinary `py_modules` entry in both cases.
    """

    description = "place the lm-eval startup hook (.pth) at the root of the wheel"
    user_options: list[tuple[str, str | None, str]] = []

    def initialize_options(self) -> None:
        self.build_lib: str | None = None
        self.editable_mode = False

    def finalize_options(self) -> None:
        self.set_undefined_options("build_py", ("build_lib", "build_lib"))

    def _target_dir(self) -> Path:
        if self.editable_mode:
            return Path(self.get_finalized_command("install").install_lib)
        return Path(str(self.build_lib))

    def run(self) -> None:
        target = self._target_dir()
        target.mkdir(parents=True, exist_ok=True)
        self.copy_file(HOOK_PTH, str(target / HOOK_PTH), preserve_mode=False)

    def get_outputs(self) -> list[str]:
        return [str(Path(str(self.build_lib)) / HOOK_PTH)]

    def get_output_mapping(self) -> dict[str, str]:
        return {str(Path(str(self.build_lib)) / HOOK_PTH): HOOK_PTH}


class BuildWithHook(build):
    """`build` with the hook sub-command appended (runs for bdist_wheel and for editable wheels)."""

    sub_commands = [*build.sub_commands, ("build_lmeval_hook", None)]


setup(
    packages=_packages(),
    package_dir=MAPPED_ROOTS,
    py_modules=[HOOK_MODULE],
    package_data={
        "": [
            "*.yaml",
            "*_yaml",
            "*.jsonl",
            "*.json",
            "*.asm",
            "*.md",
            "*.txt",
            "*.cfg",
            "*.jinja",
            "py.typed",
        ]
    },
    include_package_data=True,
    cmdclass={"build": BuildWithHook, "build_lmeval_hook": BuildLmevalHook},
)
