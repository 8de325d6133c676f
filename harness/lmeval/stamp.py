"""Write the dataset identity into the task YAMLs' `metadata`, so every lm-eval result records it.

lm-eval copies each task's `metadata` into `configs` of its results file; the data loader then
checks the installed data against the stamp (see `glue.load_family`), and a test keeps the stamp
in sync with the data. Run after regenerating the data: `python -m harness.lmeval.stamp`.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.core.results import DatasetIdentity
from harness.lmeval import task_dir
from harness.lmeval.glue import dataset_identity

__all__ = ["stamp_task_configs", "stamped_identity"]

_META_LINE = re.compile(r"^  (dataset_version|dataset_sha256): .*\n", re.MULTILINE)


def _config_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("asm65816*.yaml"), folder / "_asm65816_base_yaml"])


def stamp_task_configs(folder: Path | None = None) -> DatasetIdentity:
    """Rewrite the `metadata:` blocks with the current identity; returns it."""
    folder = folder or task_dir()
    identity = dataset_identity()
    lines = f'  dataset_version: "{identity.version}"\n  dataset_sha256: "{identity.sha256}"\n'
    for path in _config_files(folder):
        text = _META_LINE.sub("", path.read_text())
        if "\nmetadata:\n" not in text:
            continue
        path.write_text(text.replace("\nmetadata:\n", "\nmetadata:\n" + lines, 1))
    return identity


def stamped_identity(folder: Path | None = None) -> dict[str, dict[str, str]]:
    """{file name: {dataset_version, dataset_sha256}} as the YAMLs currently say."""
    folder = folder or task_dir()
    found: dict[str, dict[str, str]] = {}
    for path in _config_files(folder):
        values = dict(
            re.findall(r'^  (dataset_version|dataset_sha256): "?([^"\n]*)"?$', path.read_text(), re.MULTILINE)
        )
        if "\nmetadata:\n" in path.read_text():
            found[path.name] = values
    return found


if __name__ == "__main__":
    print(stamp_task_configs().describe())
