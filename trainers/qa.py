"""Dataset QA: what is in each source before it may be trained on.

Per source: line and sample counts, parse errors (line, kind, message), prompt/completion length
statistics (characters), fenced code blocks in completions, the ASAR pass rate of that code (every block
of a sample must assemble; assembled with the batch API `harness.asar.assemble_many`), exact and near
duplicates (`harness.trainers.dedupe`, computed across all sources so cross-source copies show), and
contamination against the eval tasks (`harness.trainers.contamination`). Contaminated samples are
listed and, by default, excluded (`QAReport.excluded`); the mix builder drops them.

A missing ASAR is an error (`ToolMissingError`), never a pass rate: pass `check_asar=False` to skip the
check explicitly, and the report then says "not checked".
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, ToolMissingError
from harness.trainers.contamination import (
    ContaminationHit,
    ContaminationIndex,
    default_task_files,
    load_eval_texts,
)
from harness.trainers.dedupe import DuplicateGroup, code_blocks, find_duplicates
from harness.trainers.schema import LoadedSource, ParseIssue, Sample, load_source

__all__ = [
    "AsarStats",
    "ClaimStats",
    "LengthStats",
    "QAOptions",
    "QAReport",
    "SourceReport",
    "SourceSpec",
    "file_sha256",
    "format_report",
    "run_qa",
    "run_qa_on_loaded",
]


@dataclass(frozen=True)
class SourceSpec:
    """A named source file (the name defaults to the file stem)."""

    name: str
    path: Path

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """`NAME=PATH` or just `PATH`."""
        name, sep, path = text.partition("=")
        return cls(name, Path(path)) if sep else cls(Path(text).stem, Path(text))


@dataclass(frozen=True)
class QAOptions:
    check_asar: bool = True
    asar_headers: tuple[str, ...] = ()
    near_threshold: float = 0.6
    ngram: int = 8
    contamination_threshold: float = 0.5
    exclude_contaminated: bool = True
    eval_task_files: tuple[Path, ...] | None = None  # None: the suite's tasks/asm65816/data/*.jsonl
    check_claims: bool = True  # re-check samples that carry a `verification` record (asm65816 synth)


@dataclass(frozen=True)
class LengthStats:
    count: int
    min: int
    mean: float
    median: float
    p95: int
    max: int

    @classmethod
    def of(cls, values: Sequence[int]) -> LengthStats:
        if not values:
            return cls(0, 0, 0.0, 0.0, 0, 0)
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        return cls(
            len(ordered),
            ordered[0],
            round(statistics.fmean(ordered), 2),
            float(statistics.median(ordered)),
            p95,
            ordered[-1],
        )


@dataclass(frozen=True)
class AsarStats:
    checked: bool
    samples_with_code: int
    passed: int
    failures: tuple[tuple[str, str], ...] = ()  # (sample id, first error)

    @property
    def pass_rate(self) -> float | None:
        if not self.checked or not self.samples_with_code:
            return None
        return self.passed / self.samples_with_code


@dataclass(frozen=True)
class ClaimStats:
    """Machine-checked claims: samples whose metadata carries a `verification` record (written by
    `asm65816 synth`) are re-checked from the file alone (re-assemble, re-run, re-count)."""

    checked: bool
    samples_with_claims: int
    verified: int  # samples all of whose claims hold
    claims: int
    failures: tuple[tuple[str, str, str], ...] = ()  # (sample id, claim id, why)

    @property
    def verified_rate(self) -> float | None:
        if not self.checked or not self.samples_with_claims:
            return None
        return self.verified / self.samples_with_claims


@dataclass(frozen=True)
class SourceReport:
    name: str
    path: str
    sha256: str
    lines: int
    samples: int
    parse_issues: tuple[ParseIssue, ...]
    prompt_chars: LengthStats
    completion_chars: LengthStats
    samples_with_code: int
    code_blocks: int
    asar: AsarStats
    claims: ClaimStats
    duplicate_groups: tuple[DuplicateGroup, ...]  # groups with at least one member from this source
    contaminated: tuple[ContaminationHit, ...]
    excluded: tuple[str, ...]  # source/id of samples the mix must leave out


@dataclass(frozen=True)
class QAReport:
    sources: tuple[SourceReport, ...]
    duplicate_groups: tuple[DuplicateGroup, ...]
    eval_task_files: tuple[str, ...]
    eval_texts: int
    options: QAOptions
    excluded: frozenset[str] = field(default_factory=frozenset)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["excluded"] = sorted(self.excluded)
        data["options"]["eval_task_files"] = list(self.eval_task_files)
        for source, report in zip(data["sources"], self.sources, strict=True):
            source["asar"]["pass_rate"] = report.asar.pass_rate
            source["claims"]["verified_rate"] = report.claims.verified_rate
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
        return value.value  # enums
    return value


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _label(sample: Sample) -> str:
    return f"{sample.source}/{sample.id}"


def _assemble_blocks(sources: Sequence[str], headers: tuple[str, ...]) -> list[Any]:
    try:
        from harness.asar import assemble_many
    except ImportError as error:
        raise ToolMissingError(
            f"harness.asar.assemble_many is not available ({error}); QA cannot report an ASAR pass rate. "
            "Install ASAR (`asm65816 asar install`) or pass --no-asar to skip the check explicitly"
        ) from error
    return assemble_many(list(sources), headers=headers) if sources else []


def _asar_stats(samples: Sequence[Sample], options: QAOptions) -> dict[str, AsarStats]:
    """Per source: samples whose every code block assembles / samples with code."""
    blocks = [(s, block) for s in samples for block in code_blocks(s.completion)]
    with_code: dict[str, set[str]] = {}
    for sample, _ in blocks:
        with_code.setdefault(sample.source, set()).add(sample.id)
    if not options.check_asar:
        return {name: AsarStats(False, len(ids), 0) for name, ids in with_code.items()}
    results = _assemble_blocks([block for _, block in blocks], options.asar_headers)
    failed: dict[str, dict[str, str]] = {}
    for (sample, _), result in zip(blocks, results, strict=True):
        if not result.ok and sample.id not in failed.setdefault(sample.source, {}):
            first = result.errors[0].format() if result.errors else result.status.value
            failed[sample.source][sample.id] = first
    return {
        name: AsarStats(
            True, len(ids), len(ids) - len(failed.get(name, {})), tuple(sorted(failed.get(name, {}).items()))
        )
        for name, ids in with_code.items()
    }


def _claim_stats(samples: Sequence[Sample], options: QAOptions) -> ClaimStats:
    with_claims = [s for s in samples if isinstance(s.metadata.get("verification"), Mapping)]
    if not options.check_claims or not with_claims:
        return ClaimStats(options.check_claims, len(with_claims), 0, 0)
    from harness.trainers.synth.verify import verify_records

    _, claims, failures = verify_records([(s.line, dict(s.raw)) for s in with_claims])
    failed = {failure.example for failure in failures}
    return ClaimStats(
        True,
        len(with_claims),
        len(with_claims) - len(failed),
        claims,
        tuple((f.example, f.claim, f.message) for f in failures),
    )


def run_qa_on_loaded(loaded: Sequence[LoadedSource], options: QAOptions = QAOptions()) -> QAReport:
    """QA over already-parsed sources (the mix builder reuses this)."""
    names = [source.name for source in loaded]
    if len(set(names)) != len(names):
        raise HarnessError(f"source names must be unique, got {names}; name them NAME=PATH")
    all_samples = [s for source in loaded for s in source.samples]
    task_files = (
        tuple(options.eval_task_files) if options.eval_task_files is not None else tuple(default_task_files())
    )
    index = ContaminationIndex(
        load_eval_texts(task_files), n=options.ngram, threshold=options.contamination_threshold
    )
    groups = find_duplicates(all_samples, near_threshold=options.near_threshold)
    asar = _asar_stats(all_samples, options)
    reports: list[SourceReport] = []
    excluded: set[str] = set()
    for source in loaded:
        hits = tuple(hit for s in source.samples for hit in index.check(s))
        source_excluded = tuple(sorted({hit.sample for hit in hits})) if options.exclude_contaminated else ()
        excluded.update(source_excluded)
        prefix = f"{source.name}/"
        reports.append(
            SourceReport(
                name=source.name,
                path=str(source.path),
                sha256=file_sha256(source.path),
                lines=source.lines,
                samples=len(source.samples),
                parse_issues=source.issues,
                prompt_chars=LengthStats.of([len(s.prompt_text) for s in source.samples]),
                completion_chars=LengthStats.of([len(s.completion) for s in source.samples]),
                samples_with_code=sum(1 for s in source.samples if code_blocks(s.completion)),
                code_blocks=sum(len(code_blocks(s.completion)) for s in source.samples),
                asar=asar.get(source.name, AsarStats(options.check_asar, 0, 0)),
                claims=_claim_stats(source.samples, options),
                duplicate_groups=tuple(g for g in groups if any(m.startswith(prefix) for m in g.members)),
                contaminated=hits,
                excluded=source_excluded,
            )
        )
    return QAReport(
        tuple(reports),
        tuple(groups),
        tuple(str(p) for p in task_files),
        len(index),
        options,
        frozenset(excluded),
    )


def run_qa(sources: Sequence[SourceSpec], options: QAOptions = QAOptions()) -> QAReport:
    """Load each source and run QA over all of them together."""
    return run_qa_on_loaded([load_source(spec.path, spec.name) for spec in sources], options)


def _claims_cell(stats: ClaimStats) -> str:
    if not stats.samples_with_claims:
        return "-"
    if not stats.checked:
        return "not checked"
    return f"{stats.verified}/{stats.samples_with_claims} ({stats.verified_rate:.0%})"


def format_report(report: QAReport) -> str:
    """Human-readable summary: one table row per source, then the findings that need action."""
    from tabulate import tabulate

    rows = []
    for s in report.sources:
        rate = s.asar.pass_rate
        asar = (
            "not checked"
            if not s.asar.checked
            else ("-" if rate is None else f"{s.asar.passed}/{s.asar.samples_with_code} ({rate:.0%})")
        )
        dups = sum(len([m for m in g.dropped if m.startswith(f"{s.name}/")]) for g in s.duplicate_groups)
        rows.append(
            [
                s.name,
                s.lines,
                s.samples,
                len(s.parse_issues),
                f"{s.prompt_chars.mean:.0f}",
                f"{s.completion_chars.mean:.0f}",
                f"{s.samples_with_code}/{s.code_blocks}",
                asar,
                _claims_cell(s.claims),
                dups,
                len({h.sample for h in s.contaminated}),
            ]
        )
    headers = [
        "source",
        "lines",
        "samples",
        "parse err",
        "prompt chars",
        "compl chars",
        "code smp/blk",
        "ASAR pass",
        "claims verified",
        "dup dropped",
        "contaminated",
    ]
    out = [tabulate(rows, headers=headers), ""]
    out.append(f"eval tasks checked: {report.eval_texts} texts from {len(report.eval_task_files)} file(s)")
    for s in report.sources:
        out.extend(f"parse error  {s.name}:{i.line} [{i.kind.value}] {i.message}" for i in s.parse_issues)
        out.extend(f"ASAR fail    {s.name}/{sid}: {err}" for sid, err in s.asar.failures)
        out.extend(
            f"claim fail   {s.name}/{sid}: claim {claim}: {why}" for sid, claim, why in s.claims.failures
        )
        out.extend(
            f"contaminated {h.sample} ~ {h.task_id}.{h.field} ({h.coverage:.0%} of its {report.options.ngram}-grams)"
            for h in s.contaminated
        )
    for g in report.duplicate_groups:
        out.append(
            f"duplicate    {g.kind.value} keep {g.kept}, drop {', '.join(g.dropped)} (similarity {g.similarity})"
        )
    out.append(
        f"excluded from mixes: {len(report.excluded)}"
        + (f" ({', '.join(sorted(report.excluded))})" if report.excluded else "")
    )
    return "\n".join(out)
