"""Offline scoring speed: samples/second for optimize samples, and where the time goes.

    python benchmarks/score_speed.py [--samples 200] [--cases 64] [--workers 2] [--profile 40]

Builds `--samples` optimize tasks (four routine templates, each task with its own spec seed so no
reference run is shared) with one completion each (most pass, some fail), scores them with
`score_predictions` on `--workers` processes, and prints samples/s. Then scores `--profile` of them
in this process with timers around `harness.asar.assemble` and `Machine.run` to print the share of time
spent in ASAR, in the emulator and elsewhere (hypothesis, state building, comparison). Numbers depend
on the machine and its load: report them with `nproc` and the load average printed alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

ENEMY = """EnemyDamage:
    LDA $0E20,X
    SEC
    SBC #$10
    STA $0E20,X
    BPL .alive
    STZ $0DD0,X
.alive:
    RTS
"""
ENEMY_SEED = """EnemyDamage:
    LDA $0E20,X
    SBC #$10
    BCC .kill
    STA $0E20,X
    RTS
.kill:
    STZ $0DD0,X
    RTS
"""
CLEAR_SLOW = "ClearPair:\n    LDA #$00\n    STA $10\n    STA $11\n    RTS\n"
CLEAR_FAST = "ClearPair:\n    STZ $10\n    STZ $11\n    RTS\n"
SUM_SLOW = """SumTable:
    LDA #$00
    LDX #$00
.loop:
    CLC
    ADC $0100,X
    INX
    CPX #$10
    BNE .loop
    STA $10
    RTS
"""
SUM_FAST = """SumTable:
    LDA #$00
    LDX #$0F
    CLC
.loop:
    ADC $0100,X
    DEX
    BPL .loop
    STA $10
    RTS
"""
TIMES10_SLOW = """Times10:
    STA $00
    ASL A
    ASL A
    CLC
    ADC $00
    ASL A
    RTS
"""
TIMES10_FAST = """Times10:
    ASL A
    STA $00
    ASL A
    ASL A
    CLC
    ADC $00
    RTS
"""

TEMPLATES = [
    # (entry, baseline, candidates, spec without cases/seed)
    (
        "EnemyDamage",
        ENEMY,
        [ENEMY, ENEMY_SEED],
        {
            "inputs": {
                "X": {"values": list(range(16))},
                "$7E0E20..$7E0E2F": [0, 255],
                "$7E0DD0..$7E0DDF": [0, 255],
            },
            "outputs": ["$7E0E20..$7E0E2F", "$7E0DD0..$7E0DDF"],
            "preserve": ["X", "Y", "flag:m", "flag:x"],
        },
    ),
    (
        "ClearPair",
        CLEAR_SLOW,
        [CLEAR_FAST, CLEAR_FAST],
        {"outputs": ["$7E0010", "$7E0011"], "preserve": ["X", "Y", "flag:m", "flag:x"]},
    ),
    (
        "SumTable",
        SUM_SLOW,
        [SUM_FAST, SUM_SLOW],
        {
            "inputs": {"$7E0100..$7E010F": [0, 15]},
            "outputs": ["$7E0010", "A.lo"],
            "preserve": ["Y", "flag:m", "flag:x"],
        },
    ),
    (
        "Times10",
        TIMES10_SLOW,
        [TIMES10_FAST, TIMES10_SLOW],
        {
            "inputs": {"A.lo": [0, 25]},
            "outputs": ["A.lo"],
            "writable": ["$7E0000"],
            "preserve": ["X", "Y", "flag:m", "flag:x"],
        },
    ),
]


def build(samples: int, cases: int, directory: Path) -> tuple[Path, Path]:
    """Write a task file and a predictions file with `samples` optimize tasks."""
    tasks, predictions = [], []
    for index in range(samples):
        entry, baseline, candidates, spec = TEMPLATES[index % len(TEMPLATES)]
        task_id = f"bench-{index:04d}"
        tasks.append(
            {
                "id": task_id,
                "family": "optimize",
                "prompt": f"Optimize `{entry}`.",
                "reference": baseline,
                "baseline": baseline,
                "entry": entry,
                "call": "jsr",
                "spec": {**spec, "cases": cases, "seed": index},
                "answer": {},
                "tags": ["bench"],
                "source": "generated:score_speed",
            }
        )
        candidate = candidates[(index // len(TEMPLATES)) % len(candidates)]
        predictions.append({"id": task_id, "completion": f"```asm\n{candidate}```"})
    task_path, prediction_path = directory / "tasks.jsonl", directory / "predictions.jsonl"
    task_path.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    prediction_path.write_text("".join(json.dumps(p) + "\n" for p in predictions))
    return task_path, prediction_path


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes (workers and the ASAR runs they made)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(task_path: Path, prediction_path: Path, limit: int) -> dict[str, float]:
    """Score the first `limit` samples in-process, timing ASAR and the emulator separately.

    Wall time and CPU time are both recorded: on a loaded machine wall shares mostly measure waiting,
    CPU shares (ASAR = its child processes plus our side of the call) do not.
    """
    import harness.asar
    from harness.emu import Machine
    from harness.score import load_predictions, load_tasks, score_samples

    spent = dict.fromkeys(("asar", "asar_cpu", "emulator", "emulator_cpu"), 0.0)
    original_assemble, original_run = harness.asar.assemble, Machine.run

    def timed(name, function):
        def wrapper(*args, **kwargs):
            wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - wall
                spent[f"{name}_cpu"] += time.process_time() - cpu + _children_cpu() - children

        return wrapper

    predictions = load_predictions(prediction_path)
    jobs = [(task, predictions[task["id"]]) for task in load_tasks(task_path)[:limit]]
    harness.asar.assemble, Machine.run = timed("asar", original_assemble), timed("emulator", original_run)
    try:
        started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        score_samples(jobs, workers=1)
        spent["total"] = time.perf_counter() - started
        spent["total_cpu"] = time.process_time() - cpu + _children_cpu() - children
    finally:
        harness.asar.assemble, Machine.run = original_assemble, original_run
    return {**spent, "samples": len(jobs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", type=int, default=40, help="samples to profile in-process (0: skip)")
    args = parser.parse_args()

    from harness.score import score_predictions

    with tempfile.TemporaryDirectory(prefix="asm65816-bench-") as scratch:
        task_path, prediction_path = build(args.samples, args.cases, Path(scratch))
        load = os.getloadavg()
        children_before = _children_cpu()
        started = time.perf_counter()
        results = score_predictions(task_path, prediction_path, workers=args.workers)
        elapsed = time.perf_counter() - started
        worker_cpu = _children_cpu() - children_before
        optimize = results.metrics["optimize"]
        print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(
            f"scored {args.samples} optimize samples x {args.cases} cases on {args.workers} workers "
            f"in {elapsed:.2f} s: {args.samples / elapsed:.1f} samples/s"
        )
        print(
            f"  CPU time of the workers and their ASAR runs: {worker_cpu:.2f} s "
            f"({args.samples / worker_cpu:.1f} samples per CPU-second, independent of machine load)"
        )
        print(
            f"  passes {optimize['passes']:.3f}, improved {optimize['improved']:.3f}, "
            f"speedup (geometric mean) {optimize.get('speedup', float('nan')):.3f}"
        )
        if args.profile:
            spent = profile(task_path, prediction_path, args.profile)
            print(
                f"in-process profile of {int(spent['samples'])} samples: wall {spent['total']:.2f} s, "
                f"CPU {spent['total_cpu']:.2f} s ({spent['samples'] / spent['total_cpu']:.1f} samples per CPU-second)"
            )
            print(f"  {'':<9} {'wall s':>7} {'wall %':>7} {'CPU s':>7} {'CPU %':>7}")
            for label, key in (("ASAR", "asar"), ("emulator", "emulator")):
                print(
                    f"  {label:<9} {spent[key]:7.2f} {100 * spent[key] / spent['total']:6.1f}% "
                    f"{spent[key + '_cpu']:7.2f} {100 * spent[key + '_cpu'] / spent['total_cpu']:6.1f}%"
                )
            other = spent["total"] - spent["asar"] - spent["emulator"]
            other_cpu = spent["total_cpu"] - spent["asar_cpu"] - spent["emulator_cpu"]
            print(
                f"  {'other':<9} {other:7.2f} {100 * other / spent['total']:6.1f}% "
                f"{other_cpu:7.2f} {100 * other_cpu / spent['total_cpu']:6.1f}%   "
                "(hypothesis case planning, state building, comparison)"
            )


if __name__ == "__main__":
    main()
