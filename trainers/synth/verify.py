"""`verify_file`: re-check every recorded claim of a synth JSONL file from the file alone.

Per sample: it must fit the trainers' sample schema, carry `metadata.verification`, every fenced code
block of its input and output must assemble (ASAR, sandboxed, no headers), and every claim must hold
(`harness.trainers.synth.claims`: re-assemble, re-run, re-count). Optionally the file is checked for
contamination against the eval tasks (`harness.trainers.contamination`). A failure names the example
id and the claim id. A missing ASAR raises `ToolMissingError`: it is never a verified claim.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.jsonl import iter_jsonl
from harness.errors import HarnessError
from harness.trainers.synth.claims import ClaimContext, check_claim

__all__ = ["ClaimFailure", "VerifyReport", "verify_file", "verify_record", "verify_records"]


@dataclass(frozen=True)
class ClaimFailure:
    """One claim that did not hold: which example, which claim, why."""

    example: str
    claim: str
    message: str

    def format(self) -> str:
        return f"{self.example}: claim {self.claim}: {self.message}"


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of verifying a file; `ok` only when every claim of every sample held."""

    path: str
    examples: int
    claims: int
    failures: tuple[ClaimFailure, ...]
    contamination: tuple[str, ...]  # "sample ~ task.field (coverage)" lines
    eval_texts: int | None  # eval texts checked against (None: contamination not checked)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.contamination and self.examples > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "examples": self.examples,
            "claims": self.claims,
            "failures": [f.__dict__ for f in self.failures],
            "contamination": list(self.contamination),
            "eval_texts": self.eval_texts,
        }


def _blocks(text: str) -> tuple[str, ...]:
    from harness.trainers.dedupe import code_blocks

    return tuple(code_blocks(text))


def _assembly_failures(sample_id: str, blocks: Sequence[str]) -> list[ClaimFailure]:
    from harness.asar import assemble_many

    failures = []
    for index, result in enumerate(assemble_many(list(blocks), headers=()) if blocks else []):
        if not result.ok:
            failures.append(
                ClaimFailure(
                    sample_id,
                    f"assembles[{index}]",
                    f"code block {index} does not assemble: {result.error_text() or result.status.value}",
                )
            )
    return failures


def _prompt_failures(sample_id: str, verification: Mapping[str, Any], input_text: str) -> list[ClaimFailure]:
    """The prompt must show what the claims are about: the task's routine (all kinds but the
    write-a-routine review, whose routine is the output's draft) and, where shown, the rendered contract."""
    from harness.trainers.synth import render

    task, failures = verification["task"], []
    kinds = ("explain_optimize", "trace", "review", "explain")
    if verification.get("kind") not in kinds:
        failures.append(
            ClaimFailure(
                sample_id,
                "prompt",
                f"verification.kind {verification.get('kind')!r} is not one of {', '.join(kinds)}",
            )
        )
    if verification.get("kind") in ("explain_optimize", "trace", "explain") and task.get(
        "reference"
    ) not in _blocks(input_text):
        failures.append(
            ClaimFailure(sample_id, "prompt", "the routine of the task is not a code block of the input")
        )
    if "Contract:" in input_text:
        try:
            contract = render.contract_text(str(task["entry"]), str(task.get("call", "jsr")), task["spec"])
        except (KeyError, TypeError) as error:
            return [*failures, ClaimFailure(sample_id, "prompt", f"task record is malformed ({error})")]
        if contract not in input_text:
            failures.append(
                ClaimFailure(sample_id, "prompt", "the contract in the input does not match the spec")
            )
    return failures


def verify_record(record: Mapping[str, Any], line: int) -> tuple[str, int, list[ClaimFailure]]:
    """(sample id, claims checked, failures) for one parsed JSONL object."""
    from harness.trainers.schema import ParseIssue, parse_line

    sample_id = str(record.get("id", f"line {line}"))
    parsed = parse_line(json.dumps(record), source="synth", line=line)
    if isinstance(parsed, ParseIssue):
        return sample_id, 0, [ClaimFailure(sample_id, "schema", parsed.message)]
    verification = (record.get("metadata") or {}).get("verification")
    if (
        not isinstance(verification, Mapping)
        or not isinstance(verification.get("claims"), list)
        or not isinstance(verification.get("task"), Mapping)
    ):
        return (
            sample_id,
            0,
            [
                ClaimFailure(
                    sample_id, "verification", "metadata.verification with task and claims is missing"
                )
            ],
        )
    claims = verification["claims"]
    if not claims:
        return sample_id, 0, [ClaimFailure(sample_id, "verification", "the sample records no claims")]
    input_text, output = str(record.get("input", "")), str(record.get("output", ""))
    output_blocks = _blocks(output)
    all_blocks = (*_blocks(input_text), *output_blocks)
    failures = _assembly_failures(sample_id, all_blocks)
    ctx = ClaimContext(
        output=output,
        task=verification["task"],
        input=input_text,
        output_blocks=output_blocks,
        all_blocks=all_blocks,
    )
    failures.extend(_prompt_failures(sample_id, verification, input_text))
    seen: set[str] = set()
    for claim in claims:
        claim_id = str(claim.get("id", "?")) if isinstance(claim, Mapping) else "?"
        if not isinstance(claim, Mapping):
            failures.append(ClaimFailure(sample_id, claim_id, "a claim must be an object"))
            continue
        if claim_id in seen:
            failures.append(ClaimFailure(sample_id, claim_id, "claim id appears twice"))
        seen.add(claim_id)
        problem = check_claim(ctx, claim)
        if problem is not None:
            failures.append(ClaimFailure(sample_id, claim_id, problem))
    return sample_id, len(claims), failures


def _read(path: Path) -> list[tuple[int, Any]]:
    """(line number, object) per non-blank line, through the one JSONL reader; a line that is not a JSON
    object becomes a record carrying the reader's reason, so it is reported as a failure, never skipped."""
    if not path.is_file():
        raise HarnessError(f"synth file not found: {path}")
    return [
        (
            line.number,
            line.value
            if line.value is not None
            else {"id": f"line {line.number}", "__error__": line.problem},
        )
        for line in iter_jsonl(path, "synth")
    ]


def _contamination(path: Path, task_files: Iterable[Path] | None) -> tuple[tuple[str, ...], int]:
    from harness.trainers.contamination import ContaminationIndex, default_task_files, load_eval_texts
    from harness.trainers.schema import load_source

    files = list(task_files) if task_files is not None else default_task_files()
    index = ContaminationIndex(load_eval_texts(files))
    source = load_source(path, "synth")
    hits = [
        f"{hit.sample} ~ {hit.task_id}.{hit.field} ({hit.coverage:.0%})"
        for s in source.samples
        for hit in index.check(s)
    ]
    return tuple(hits), len(index)


def _verify_one(item: tuple[int, Any]) -> tuple[int, list[ClaimFailure]]:
    """(claims checked, failures) of one parsed line; a module-level function so process pools can run it."""
    line, record = item
    if not isinstance(record, Mapping):
        return 0, [ClaimFailure(f"line {line}", "schema", "a sample must be a JSON object")]
    if "__error__" in record:
        return 0, [ClaimFailure(str(record["id"]), "schema", str(record["__error__"]))]
    _, checked, found = verify_record(record, line)
    return checked, found


def verify_records(
    records: Sequence[tuple[int, Any]], progress: Callable[[int], None] | None = None, workers: int = 1
) -> tuple[int, int, list[ClaimFailure]]:
    """(examples, claims, failures) over parsed records, in file order; `workers` > 1 uses processes."""
    if workers < 1:
        raise HarnessError(f"workers={workers}: use 1 or more")
    claims, failures = 0, []
    if workers == 1:
        results: Iterable[tuple[int, list[ClaimFailure]]] = map(_verify_one, records)
        pool = None
    else:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_verify_one, records, chunksize=4)
    try:
        for count, (checked, found) in enumerate(results, start=1):
            claims += checked
            failures.extend(found)
            if progress is not None:
                progress(count)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return len(records), claims, failures


def verify_file(
    path: str | Path,
    *,
    contamination: bool = True,
    task_files: Iterable[Path] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> VerifyReport:
    """Verify every sample of a synth JSONL file (and its contamination unless `contamination=False`)."""
    path = Path(path)
    records = _read(path)
    examples, claims, failures = verify_records(records, progress, workers)
    hits: tuple[str, ...] = ()
    eval_texts: int | None = None
    if contamination:
        hits, eval_texts = _contamination(path, task_files)
    return VerifyReport(str(path), examples, claims, tuple(failures), hits, eval_texts)
