"""Package mapping and the lm-eval startup hook.

- `tasks/` and `trainers/` install inside the `harness` namespace (`harness.tasks`,
  `harness.trainers`): top-level names like `tasks` or `trainers` collide with PyPI packages.
- `asm65816_harness_lmeval.pth` goes to the root of site-packages so that plain
  `lm_eval --tasks asm65816` finds our tasks (see `harness/lmeval/hook.py`; off with
  ASM65816_NO_LMEVAL_HOOK=1).
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

MAPPED_ROOTS = {"harness": "harness", "harness.tasks": "tasks", "harness.trainers": "trainers"}
HOOK_PTH = "asm65816_harness_lmeval.pth"


def _packages() -> list[str]:
    found: list[str] = []
    for name, folder in MAPPED_ROOTS.items():
        found.append(name)
        found.extend(f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"]))
    return found


class BuildWithHook(build_py):
    """build_py that also places the .pth hook at the root of the wheel."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / HOOK_PTH
        self.copy_file(HOOK_PTH, str(target), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), str(Path(self.build_lib) / HOOK_PTH)]


setup(
    packages=_packages(),
    package_dir=MAPPED_ROOTS,
    package_data={"": ["*.yaml", "*_yaml", "*.jsonl", "*.json", "*.asm", "*.md", "*.txt", "*.cfg", "*.jinja"]},
    include_package_data=True,
    cmdclass={"build_py": BuildWithHook},
)
