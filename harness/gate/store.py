"""The local run store and the one loader every verb uses to turn a reference into a `RunRecord`.

The store is a directory of canonical record files, `<run id>.json` (plain files: easy to diff,
copy into CI artifacts, or commit next to a model). Its location is `--store`, else
`$ASM65816_RUNS`, else `$XDG_DATA_HOME/asm65816/runs` (~/.local/share/asm65816/runs).

A run reference is, in order: an existing path (our Results JSON, a saved record, an lm-eval
results_*.json or its --output_path folder), `latest:<model>` (the newest stored run of a model, by
name, path or sha256 prefix), or a stored run id or unique id prefix.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.gate.errors import RunFormatError, RunNotFoundError
from harness.gate.lmeval_import import load_lmeval_output
from harness.gate.record import RunRecord, record_from_results

__all__ = [
    "RunStore",
    "add_store_argument",
    "default_store_dir",
    "load_record_file",
    "load_run",
    "store_from_args",
]


def default_store_dir() -> Path:
    """`$ASM65816_RUNS`, else the XDG data dir."""
    if os.environ.get("ASM65816_RUNS"):
        return Path(os.environ["ASM65816_RUNS"])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "asm65816" / "runs"


def load_record_file(path: str | Path) -> RunRecord:
    """Load a Results JSON / saved record / lm-eval output file or folder, detecting which it is."""
    file = Path(path)
    if file.is_dir():
        return load_lmeval_output(file)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise RunFormatError(f"{file}: cannot read ({error})") from error
    except json.JSONDecodeError as error:
        raise RunFormatError(f"{file}: not JSON ({error})") from error
    if not isinstance(data, dict):
        raise RunFormatError(f"{file}: top level must be a JSON object")
    if "results" in data and "configs" in data:
        return load_lmeval_output(file)
    if "samples" in data and "dataset" in data:
        # `asm65816 score` writes no timestamps (byte-identical output): the file's mtime dates the run.
        stamp = datetime.fromtimestamp(file.stat().st_mtime, timezone.utc).replace(microsecond=0).isoformat()
        return record_from_results(data, origin=str(file), created=data.get("created") or stamp)
    raise RunFormatError(
        f"{file}: neither a Results JSON (harness_version, dataset, model, metrics, samples) nor "
        "lm-eval output (results, configs)"
    )


@dataclass(frozen=True)
class RunStore:
    """A directory of run records."""

    root: Path

    def path_of(self, run_id: str) -> Path:
        return self.root / f"{run_id}.json"

    def add(self, record: RunRecord) -> Path:
        """Save a record (idempotent: the id is content-derived)."""
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.path_of(record.run_id)
        text = record.to_json()
        temp = target.with_suffix(".json.tmp")
        temp.write_text(text, encoding="utf-8")
        temp.replace(target)
        return target

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json"))

    def records(self) -> list[RunRecord]:
        """All stored runs, oldest first."""
        loaded = [load_record_file(self.path_of(run_id)) for run_id in self.ids()]
        return sorted(loaded, key=lambda r: (r.created, r.run_id))

    def get(self, ref: str) -> RunRecord:
        """A run by id or unique id prefix."""
        ids = self.ids()
        if ref in ids:
            return load_record_file(self.path_of(ref))
        matches = [run_id for run_id in ids if run_id.startswith(ref)]
        if len(matches) == 1:
            return load_record_file(self.path_of(matches[0]))
        if len(matches) > 1:
            raise RunNotFoundError(f"run id prefix {ref!r} is ambiguous: {', '.join(matches[:5])}")
        hint = difflib.get_close_matches(ref, ids, n=3, cutoff=0.4)
        raise RunNotFoundError(
            f"no file and no stored run {ref!r} (store {self.root}, {len(ids)} runs)"
            + (f"; did you mean {', '.join(hint)}?" if hint else "")
        )

    def latest(self, model: str) -> RunRecord:
        """The newest run whose model name, path or sha256 (prefix) matches `model`."""
        runs = [
            r
            for r in self.records()
            if model in (r.model.name, r.model.path)
            or (r.model.sha256 and len(model) >= 8 and r.model.sha256.startswith(model))
        ]
        if not runs:
            names = sorted({r.model.name for r in self.records()})
            hint = difflib.get_close_matches(model, names, n=3, cutoff=0.4)
            raise RunNotFoundError(
                f"no stored run of model {model!r} in {self.root}"
                + (
                    f"; did you mean {', '.join(hint)}?"
                    if hint
                    else f" (models: {', '.join(names) or 'none'})"
                )
            )
        return runs[-1]


def load_run(ref: str | Path, store: RunStore | None = None) -> RunRecord:
    """Resolve a run reference (path, `latest:<model>`, or stored id) into a record."""
    text = str(ref)
    if Path(text).exists():
        return load_record_file(text)
    chosen = store or RunStore(default_store_dir())
    if text.startswith("latest:"):
        return chosen.latest(text.removeprefix("latest:"))
    return chosen.get(text)


def add_store_argument(parser: Any) -> None:
    """The `--store` option every verb that reads or writes runs shares."""
    parser.add_argument(
        "--store", help="run store directory (default $ASM65816_RUNS or ~/.local/share/asm65816/runs)"
    )


def store_from_args(args: Any) -> RunStore:
    """The store a verb's `--store` names (default: `default_store_dir()`)."""
    return RunStore(Path(args.store) if args.store else default_store_dir())
