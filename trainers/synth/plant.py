"""Planted false claims: negative controls for `synth verify`.

Each function takes a verified sample and returns a copy with exactly one false statement, planted
consistently (the recorded value, the claim's text and the output all agree on the lie), so only the
recomputation can expose it. Used to build `fixtures/synth/planted_*.jsonl` and by the tests:
`synth verify` must reject each planted file, naming the example and the claim.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from harness.trainers.synth import render
from harness.trainers.synth.runs import SynthError

__all__ = ["PLANTS", "plant_false_fix", "plant_trace_register", "plant_wrong_saving", "write_fixtures"]


def _claim(sample: dict[str, Any], claim_id: str) -> dict[str, Any]:
    for claim in sample["metadata"]["verification"]["claims"]:
        if claim.get("id") == claim_id:
            return claim
    raise SynthError(f"sample {sample.get('id')} has no claim {claim_id!r}")


def _swap_text(sample: dict[str, Any], claim: dict[str, Any], new_text: str) -> None:
    old = claim["text"]
    if old not in sample["output"]:
        raise SynthError(f"sample {sample.get('id')}: claim text not in output")
    sample["output"] = sample["output"].replace(old, new_text)
    claim["text"] = new_text


def plant_wrong_saving(sample: Mapping[str, Any], delta: float = 2.0) -> dict[str, Any]:
    """Claim the optimized routine is `delta` cycles faster on average than the emulator measured."""
    planted = copy.deepcopy(dict(sample))
    claim = _claim(planted, "savings")
    claim["cand_cycles_mean"] = claim["cand_cycles_mean"] - delta
    _swap_text(
        planted,
        claim,
        render.savings_text(
            claim["cases"],
            claim["ref_cycles_mean"],
            claim["ref_cycles_max"],
            claim["cand_cycles_mean"],
            claim["cand_cycles_max"],
            claim["ref_bytes"],
            claim["cand_bytes"],
            claim.get("style", 0),
        ),
    )
    return planted


def plant_trace_register(sample: Mapping[str, Any], step: int = 2) -> dict[str, Any]:
    """Claim a wrong A after trace step `step` (A + 1 in the record, the claim text and the output)."""
    from harness.emu import CpuState

    planted = copy.deepcopy(dict(sample))
    claim = _claim(planted, f"step-{step}")

    def num(text: str) -> int:
        return int(text.lstrip("$"), 16)

    wrong_a = (num(claim["A"]) + 1) & 0xFFFF
    claim["A"] = f"${wrong_a:04X}"
    state = CpuState(
        a=wrong_a,
        x=num(claim["X"]),
        y=num(claim["Y"]),
        s=num(claim["S"]),
        dbr=num(claim["DBR"]),
        p=num(claim["P"]),
    )
    writes = [(num(a), num(v)) for a, v in claim["memory"].items()]
    _swap_text(
        planted,
        claim,
        render.step_text(step, num(claim["pc"]), claim["instruction"], claim["cycles"], state, writes),
    )
    return planted


def plant_false_fix(sample: Mapping[str, Any]) -> dict[str, Any]:
    """Present the buggy routine itself as the fix (in the output's fix block and the fix claim)."""
    planted = copy.deepcopy(dict(sample))
    fix = _claim(planted, "fix")
    buggy = _claim(planted, "not-equivalent")["candidate"]
    fixed_block = render.fenced(fix["candidate"])
    position = planted["output"].rfind(fixed_block)
    if position < 0:
        raise SynthError(f"sample {planted.get('id')}: the fix block is not in the output")
    planted["output"] = (
        planted["output"][:position] + render.fenced(buggy) + planted["output"][position + len(fixed_block) :]
    )
    fix["candidate"] = buggy
    return planted


# kind of sample each plant applies to, and the claim id it falsifies
PLANTS: Mapping[str, tuple[str, str]] = {
    "wrong_saving": ("explain_optimize", "savings"),
    "trace_register": ("trace", "step-2"),
    "false_fix": ("review", "fix"),
}


_PLANTERS = {
    "wrong_saving": plant_wrong_saving,
    "trace_register": plant_trace_register,
    "false_fix": plant_false_fix,
}


def write_fixtures(folder: str, seed: int = 21) -> list[str]:
    """Write `planted_<name>.jsonl` files: one honest explain sample, then the planted one (its
    `metadata.planted` names the plant). Returns the paths written."""
    from pathlib import Path

    from harness.trainers.synth.generate import dumps_sample, iter_samples

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    honest = next(iter(iter_samples("explain", 1, seed)))
    written = []
    for name, (kind, _) in PLANTS.items():
        planted = _PLANTERS[name](next(iter(iter_samples(kind, 1, seed))))
        planted["metadata"]["planted"] = name
        path = out / f"planted_{name}.jsonl"
        path.write_text(dumps_sample(honest) + "\n" + dumps_sample(planted) + "\n", encoding="utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":
    import sys

    for written_path in write_fixtures(sys.argv[1] if len(sys.argv) > 1 else "fixtures/synth"):
        print(written_path)
