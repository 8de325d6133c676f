"""Scoring: family scorers (task + completions -> flat metrics), aggregation and offline scoring.

`score_sample` is what lm-eval's `process_results` and the gates call; `score_samples` and
`score_predictions` run many samples over processes for `asm65816 score`; `aggregate_metrics`,
`geometric_mean` and `pass_at_k` define how numbers combine everywhere. Importing does no work.
"""

from harness.core.results import Results, SampleScore
from harness.score.aggregate import (
    GEOMETRIC_METRICS,
    aggregate_metrics,
    geometric_mean,
    mean,
    pass_at_k,
    pass_at_k_metrics,
)
from harness.score.explain import score_explanation
from harness.score.families import (
    mc_choice,
    score_sample,
    score_sample_detailed,
)
from harness.score.judge import build_judge_prompt, judge_explanations, parse_judgement
from harness.score.offline import (
    build_results,
    dumps_results,
    format_table,
    load_predictions,
    load_tasks,
    score_predictions,
    score_samples,
)

__all__ = [
    "GEOMETRIC_METRICS",
    "Results",
    "SampleScore",
    "aggregate_metrics",
    "build_judge_prompt",
    "build_results",
    "dumps_results",
    "format_table",
    "geometric_mean",
    "judge_explanations",
    "load_predictions",
    "load_tasks",
    "mc_choice",
    "mean",
    "parse_judgement",
    "pass_at_k",
    "pass_at_k_metrics",
    "score_explanation",
    "score_predictions",
    "score_sample",
    "score_sample_detailed",
    "score_samples",
]
