"""Package mapping: `tasks/` and `trainers/` install inside the `harness` namespace.

Top-level import names like `tasks` or `trainers` collide with PyPI packages, so they are shipped as
`harness.tasks` and `harness.trainers` (see DESIGN.md, "Layout").
"""

from setuptools import find_namespace_packages, setup

MAPPED_ROOTS = {"harness": "harness", "harness.tasks": "tasks", "harness.trainers": "trainers"}


def _packages() -> list[str]:
    found: list[str] = []
    for name, folder in MAPPED_ROOTS.items():
        found.append(name)
        found.extend(f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"]))
    return found


setup(
    packages=_packages(),
    package_dir=MAPPED_ROOTS,
    package_data={"": ["*.yaml", "*.jsonl", "*.json", "*.asm", "*.md", "*.txt", "*.cfg", "*.jinja"]},
    include_package_data=True,
)
