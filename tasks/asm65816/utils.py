"""lm-eval `!function` targets for the asm65816 tasks: thin names over `harness.lmeval.glue`."""

from functools import partial

from harness.lmeval.glue import (  # noqa: F401  (re-exported for the YAMLs)
    doc_to_choice,
    doc_to_target,
    doc_to_text,
    first_response,
    geomean,
    load_family,
    process_mc_results,
    process_results,
    verify_responses,
)

load_gen = partial(load_family, "gen")
load_optimize = partial(load_family, "optimize")
load_trace = partial(load_family, "trace")
load_explain = partial(load_family, "explain")
load_fix = partial(load_family, "fix")
load_mc = partial(load_family, "mc")
