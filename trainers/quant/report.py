"""The quant gate: export F16, quantize, score every variant on the suite, decide by policy.

`run_quant_report` writes `quant-report.json` (the record), `quant-report.md` (a tabulate table) and
`quant-report.png` (a matplotlib chart) into the output folder. Each variant gets its file size,
generation speed (tokens/s, greedy, EOS ignored so every variant decodes the same number of tokens),
each task family's main metric (the suite's declared primary metric, the family registry, `harness.core.families`) and its retention against F16 (value / F16 value; inverted for lower-is-better).

Policy (`QuantPolicy`): for the families it names (code metrics by default: gen, optimize, fix), a
quant passes when retention >= its threshold. When F16 itself scores 0 on a family there is no signal
to retain: that family is INCONCLUSIVE, never a pass (a tiny test model lands here by design).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

__all__ = [
    "FamilyScore",
    "QuantPolicy",
    "QuantReport",
    "VariantResult",
    "Verdict",
    "decide",
    "evaluate_with_lm_eval",
    "main_scores",
    "measure_speed",
    "run_quant_report",
    "write_report_files",
]

REFERENCE = "F16"
TASK_PREFIX = "asm65816_"
SPEED_PROMPT = "; 65816: clear the sprite table\nClearSprites:\n    REP #$30\n    LDX #$000E\n"


class Verdict(str, Enum):
    """Outcome of one variant (or the whole report) under the policy."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"  # no signal: F16 scored 0, or a policy family was not evaluated
    REFERENCE = "reference"  # the F16 baseline itself


@dataclass(frozen=True)
class FamilyScore:
    """One family's main metric for one variant, as lm-eval reported it."""

    family: str
    task: str
    metric: str
    value: float
    higher_is_better: bool = True


@dataclass(frozen=True)
class QuantPolicy:
    """Retention thresholds: `per_quant` overrides `min_retention` for a named type (e.g. Q4_K_M)."""

    min_retention: float = 0.95
    per_quant: Mapping[str, float] = field(default_factory=dict)
    families: tuple[str, ...] = ("gen", "optimize", "fix")

    def __post_init__(self) -> None:
        for name, value in {"min_retention": self.min_retention, **self.per_quant}.items():
            if not 0.0 <= float(value) <= 2.0:
                raise HarnessError(f"policy: retention threshold {name}={value} is outside [0, 2]")
        if not self.families:
            raise HarnessError("policy: `families` is empty; name the families the gate protects")

    def threshold(self, quant: str) -> float:
        return float(self.per_quant.get(quant.upper(), self.min_retention))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> QuantPolicy:
        """Build from YAML/JSON keys min_retention, per_quant, families; unknown keys are an error."""
        unknown = sorted(set(data) - {"min_retention", "per_quant", "families"})
        if unknown:
            raise HarnessError(
                f"policy: unknown keys {unknown} (allowed: min_retention, per_quant, families)"
            )
        return cls(
            min_retention=float(data.get("min_retention", 0.95)),
            per_quant={str(k).upper(): float(v) for k, v in (data.get("per_quant") or {}).items()},
            families=tuple(data.get("families") or ("gen", "optimize", "fix")),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> QuantPolicy:
        from harness.core.yamlfile import read_yaml_mapping

        return cls.from_mapping(read_yaml_mapping(path, HarnessError, "quant policy file"))


@dataclass(frozen=True)
class VariantResult:
    """One GGUF variant's row in the report."""

    name: str
    path: str
    size_bytes: int
    tokens_per_s: float
    scores: tuple[FamilyScore, ...]
    retention: Mapping[str, float | None]
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    tensor_types: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuantReport:
    """The whole gate run; `verdict` is PASS only when every quantized variant passes."""

    model: str
    created: str
    tasks: tuple[str, ...]
    limit: int | None
    policy: QuantPolicy
    variants: tuple[VariantResult, ...]
    verdict: Verdict
    versions: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        for variant in data["variants"]:
            variant["verdict"] = variant["verdict"].value
        return data


Evaluator = Callable[[Path], Sequence[FamilyScore]]


def main_scores(
    results: Mapping[str, Any], prefix: str = TASK_PREFIX, primary: Mapping[str, str] | None = None
) -> list[FamilyScore]:
    """Each `prefix*` task's main metric from an lm-eval results dict (simple_evaluate's return).

    The main metric is the family's primary metric as the suite declares it
    (`harness.core.primary_metrics()`: gen/fix passes, optimize improved, trace exact, explain
    fact_recall, mc acc); for other tasks `score` if reported, else the first of `metric_list`. A task
    without a value for it is an error, never a zero.
    """
    if primary is None:
        from harness.core.families import primary_metrics

        primary = primary_metrics()
    configs = results.get("configs") or {}
    per_task = results.get("results") or {}
    higher = results.get("higher_is_better") or {}
    scores: list[FamilyScore] = []
    for task in sorted(configs):
        if not task.startswith(prefix):
            continue
        family = task.removeprefix(prefix)
        values = per_task.get(task) or {}
        metric = _pick_metric(task, family, configs[task], values, primary)
        key = next((k for k in values if k == metric or k.startswith(f"{metric},")), None)
        if key is None or not isinstance(values[key], (int, float)):
            raise HarnessError(f"lm-eval reported no value for {task}'s main metric {metric!r}")
        hib = bool((higher.get(task) or {}).get(metric, True))
        scores.append(FamilyScore(family, task, metric, float(values[key]), hib))
    if not scores:
        raise HarnessError(f"lm-eval returned no {prefix}* tasks; is the asm65816 task suite installed?")
    return scores


def _pick_metric(
    task: str, family: str, config: Mapping[str, Any], values: Mapping[str, Any], primary: Mapping[str, str]
) -> str:
    reported = {key.split(",")[0] for key in values}
    if family in primary:
        return primary[family]
    if "score" in reported:
        return "score"
    metric_list = config.get("metric_list") or []
    if not metric_list:
        raise HarnessError(f"task {task} declares no metric_list; cannot pick its main metric")
    return str(metric_list[0]["metric"])


def evaluate_with_lm_eval(
    gguf_path: Path,
    *,
    tasks: Sequence[str] = ("asm65816",),
    limit: int | None = None,
    n_ctx: int = 2048,
    max_gen_toks: int | None = None,
    apply_chat_template: bool = False,
) -> list[FamilyScore]:
    """Score one GGUF on the suite through lm-eval and our in-process `llama-cpp` model."""
    import lm_eval

    from harness.lmeval import task_manager
    from harness.lmeval.llama_cpp_model import LlamaCppLM

    extra = {} if max_gen_toks is None else {"max_gen_toks": max_gen_toks}
    model = LlamaCppLM(str(gguf_path), n_ctx=n_ctx, **extra)
    try:
        results = lm_eval.simple_evaluate(
            model=model,
            tasks=list(tasks),
            limit=limit,
            task_manager=task_manager(include_defaults=False),
            apply_chat_template=apply_chat_template,
            log_samples=False,
        )
    finally:
        model.close()
    if results is None:
        raise HarnessError("lm-eval returned no results")
    return main_scores(results)


def measure_speed(
    gguf_path: Path, *, n_tokens: int = 64, n_ctx: int = 512, threads: int | None = None, repeats: int = 3
) -> float:
    """Greedy decode speed in tokens/s for `n_tokens` new tokens after a fixed prompt (EOS ignored).

    Best of `repeats` runs: on a shared machine the fastest run is the least disturbed one.
    """
    from harness.trainers.quant.quantize import import_llama_cpp

    llama_cpp = import_llama_cpp()
    threads = threads or max(1, (os.cpu_count() or 2) // 2)  # see LlamaCppLM: never oversubscribe
    llm = llama_cpp.Llama(
        str(gguf_path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False
    )
    try:
        prompt = llm.tokenize(SPEED_PROMPT.encode(), add_bos=True, special=False)
        budget = min(n_tokens, n_ctx - len(prompt) - 1)
        if budget < 1:
            raise HarnessError(f"speed prompt does not fit n_ctx={n_ctx}")
        for _ in zip(range(4), llm.generate(prompt, temp=0.0), strict=False):  # warm-up
            pass
        best = 0.0
        for _ in range(max(1, repeats)):
            llm.reset()
            start = time.perf_counter()
            produced = 0
            for _token in llm.generate(prompt, temp=0.0, reset=True):
                produced += 1
                if produced >= budget:
                    break
            elapsed = time.perf_counter() - start
            best = max(best, produced / elapsed if elapsed > 0 else float("inf"))
    finally:
        llm.close()
    return best


def decide(
    name: str, scores: Sequence[FamilyScore], reference: Sequence[FamilyScore], policy: QuantPolicy
) -> tuple[dict[str, float | None], Verdict, tuple[str, ...]]:
    """Retention per family vs the reference, and the policy's verdict with its reasons."""
    ref = {score.family: score for score in reference}
    retention: dict[str, float | None] = {}
    for score in scores:
        base = ref.get(score.family)
        retention[score.family] = _retention(score, base) if base is not None else None
    threshold = policy.threshold(name)
    failures: list[str] = []
    unknown: list[str] = []
    by_family = {score.family: score for score in scores}
    for family in policy.families:
        value = retention.get(family)
        if family not in by_family or family not in ref:
            unknown.append(f"{family}: not evaluated")
        elif value is None:
            unknown.append(f"{family}: F16 scores {ref[family].value:g}, no signal to retain")
        elif value < threshold:
            failures.append(f"{family}: retention {value:.3f} < {threshold:.3f}")
    if failures:
        return retention, Verdict.FAIL, tuple(failures + unknown)
    if unknown:
        return retention, Verdict.INCONCLUSIVE, tuple(unknown)
    return retention, Verdict.PASS, ()


def _retention(score: FamilyScore, base: FamilyScore) -> float | None:
    if score.higher_is_better:
        return score.value / base.value if base.value > 0 else None
    if score.value <= 0:
        return None if base.value <= 0 else math.inf
    return base.value / score.value


def run_quant_report(
    model_dir: str | Path,
    quants: Sequence[str],
    out_dir: str | Path,
    *,
    limit: int | None = None,
    tasks: Sequence[str] = ("asm65816",),
    policy: QuantPolicy | None = None,
    evaluator: Evaluator | None = None,
    speed_tokens: int = 64,
    pre: str | None = None,
    converter: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    quiet: bool = False,
) -> QuantReport:
    """Export `model_dir` to F16, quantize to each of `quants`, evaluate, decide, write the files
    (`quiet`: llama.cpp's per-tensor quantization log is not shown)."""
    from harness.trainers.quant.export import export_gguf
    from harness.trainers.quant.inspect import read_gguf_summary
    from harness.trainers.quant.quantize import quantize_gguf, resolve_quant_type

    policy = policy or QuantPolicy()
    names = [q.strip().upper() for q in quants if q.strip()]
    if not names:
        raise HarnessError("no quantization types given (e.g. --quants Q8_0,Q5_K_M,Q4_K_M)")
    for name in names:
        resolve_quant_type(name)  # fail before the slow part on a typo
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    gguf_dir = out_dir / "gguf"
    stem = Path(model_dir).resolve().name
    say(f"export {model_dir} -> F16")
    f16 = export_gguf(model_dir, gguf_dir / f"{stem}-f16.gguf", pre=pre, converter=converter).path
    files: dict[str, Path] = {REFERENCE: f16}
    for name in names:
        say(f"quantize {name}")
        files[name] = quantize_gguf(f16, gguf_dir / f"{stem}-{name.lower()}.gguf", name, quiet=quiet).path
    evaluate = evaluator or (lambda path: evaluate_with_lm_eval(path, tasks=tasks, limit=limit))
    measured: dict[str, tuple[float, list[FamilyScore]]] = {}
    for name, path in files.items():
        say(f"evaluate {name}")
        measured[name] = (measure_speed(path, n_tokens=speed_tokens), list(evaluate(path)))
    reference = measured[REFERENCE][1]
    variants: list[VariantResult] = []
    for name, path in files.items():
        speed, scores = measured[name]
        if name == REFERENCE:
            retention = {score.family: 1.0 if score.value else None for score in scores}
            verdict, reasons = Verdict.REFERENCE, ()
        else:
            retention, verdict, reasons = decide(name, scores, reference, policy)
        variants.append(
            VariantResult(
                name=name,
                path=str(path),
                size_bytes=path.stat().st_size,
                tokens_per_s=speed,
                scores=tuple(scores),
                retention=retention,
                verdict=verdict,
                reasons=reasons,
                tensor_types=read_gguf_summary(path).tensor_types,
            )
        )
    report = QuantReport(
        model=str(model_dir),
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        tasks=tuple(tasks),
        limit=limit,
        policy=policy,
        variants=tuple(variants),
        verdict=_overall([v.verdict for v in variants if v.verdict is not Verdict.REFERENCE]),
        versions=_versions(),
    )
    write_report_files(report, out_dir)
    return report


def _overall(verdicts: Sequence[Verdict]) -> Verdict:
    if any(v is Verdict.FAIL for v in verdicts):
        return Verdict.FAIL
    if not verdicts or any(v is Verdict.INCONCLUSIVE for v in verdicts):
        return Verdict.INCONCLUSIVE
    return Verdict.PASS


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str] = {}
    for package in ("asm65816-harness", "llama-cpp-python", "gguf", "lm-eval"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


# --- output files -------------------------------------------------------------------------------


def table_rows(report: QuantReport) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the human table (one row per variant)."""
    families = sorted({score.family for variant in report.variants for score in variant.scores})
    metric_of = {s.family: s.metric for v in report.variants for s in v.scores}
    f16_size = next((v.size_bytes for v in report.variants if v.name == REFERENCE), 0)
    header = ["variant", "size MiB", "vs F16", "tok/s"]
    header += [f"{family} {metric_of[family]}" for family in families]
    header += [f"retention ({', '.join(report.policy.families)})", "verdict"]
    rows: list[list[str]] = []
    for variant in report.variants:
        values = {score.family: score.value for score in variant.scores}
        kept = [variant.retention.get(family) for family in report.policy.families]
        shown = [f"{k:.3f}" if k is not None else "n/a" for k in kept]
        rows.append(
            [
                variant.name,
                f"{variant.size_bytes / 2**20:.2f}",
                f"{variant.size_bytes / f16_size:.2f}" if f16_size else "n/a",
                f"{variant.tokens_per_s:.1f}",
                *[f"{values[f]:.3f}" if f in values else "-" for f in families],
                " / ".join(shown),
                variant.verdict.value,
            ]
        )
    return header, rows


def write_report_files(report: QuantReport, out_dir: str | Path) -> dict[str, Path]:
    """Write quant-report.json, .md and .png; returns their paths by kind."""
    from tabulate import tabulate

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "quant-report.json",
        "table": out_dir / "quant-report.md",
        "chart": out_dir / "quant-report.png",
    }
    paths["json"].write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    header, rows = table_rows(report)
    lines = [
        f"# Quantization report: {report.model}",
        "",
        f"tasks: {', '.join(report.tasks)} · limit: {report.limit} · policy: retention >= "
        f"{report.policy.min_retention:g} on {', '.join(report.policy.families)}"
        + (f" (overrides: {dict(report.policy.per_quant)})" if report.policy.per_quant else ""),
        "",
        tabulate(rows, headers=header, tablefmt="github", disable_numparse=True),
        "",
        f"**verdict: {report.verdict.value.upper()}**",
    ]
    for variant in report.variants:
        lines.extend(f"- {variant.name}: {reason}" for reason in variant.reasons)
    paths["table"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_chart(report, paths["chart"])
    return paths


def _write_chart(report: QuantReport, path: Path) -> None:
    """Left: retention per family and variant (policy threshold dashed). Right: size and speed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [variant.name for variant in report.variants]
    families = sorted({score.family for variant in report.variants for score in variant.scores})
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / max(len(names), 1)
    for index, variant in enumerate(report.variants):
        xs = [f + index * width for f in range(len(families))]
        heights = [variant.retention.get(family) for family in families]
        left.bar(xs, [h if h is not None else 0.0 for h in heights], width, label=variant.name)
        for x, h in zip(xs, heights, strict=True):
            if h is None:
                left.text(x, 0.02, "n/a", ha="center", va="bottom", fontsize=7, rotation=90)
    left.axhline(report.policy.min_retention, color="black", linestyle="--", linewidth=1, label="policy")
    protected = set(report.policy.families)
    labels = [f"{family}*" if family in protected else family for family in families]
    left.set_xticks([f + 0.4 - width / 2 for f in range(len(families))], labels)
    left.set_ylim(0.0, max(1.1, *(v or 0.0 for r in report.variants for v in r.retention.values())))
    left.set_ylabel("retention vs F16 (main metric)")
    left.set_title(f"quality retention (* = gated) · verdict {report.verdict.value}")
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(names) + 1)
    sizes = [variant.size_bytes / 2**20 for variant in report.variants]
    right.bar(names, sizes, color="tab:gray")
    right.set_ylabel("size (MiB)")
    speed_axis = right.twinx()
    speed_axis.plot(names, [variant.tokens_per_s for variant in report.variants], "o-", color="tab:red")
    speed_axis.set_ylabel("tokens/s (greedy decode)", color="tab:red")
    right.set_title("size and speed")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
