"""Offline scoring speed: samples/second for optimize samples, the 1.x path and the 2.0 path side by
side in one run, and where the time goes.

    python benchmarks/score_speed.py [--samples 200] [--cases 64] [--workers 2] [--profile 40] [--release REV]

Builds `--samples` optimize tasks (four routine templates, each task with its own spec seed so no
reference run is shared) with one completion each (most pass, some fail) and scores them twice with
`score_predictions` on `--workers` processes:
- the 1.x path: tasks without stored cases and an empty case cache, so every task's cases are planned
  by hypothesis while scoring (what 1.x did for every task, every run);
- the 2.0 path: the same tasks with their case plans and the baseline's cycle statistics frozen in
  them at build time (not timed), so scoring only runs the reference and the answer on them.
It prints samples/s of each and `ratio_vs_1x`. With `--release REV` (default `b196ba1`, the last 1.x
commit: harness 0.1.0, dataset 1.1.0) it also scores the same tasks and predictions with that
release's own code, exported from git into a temporary folder and run in a subprocess, and prints
`ratio_vs_release` (`--release none` skips it). Then scores `--profile` samples of the 2.0 path in this
process with timers around `harness.asar.assemble` and `Machine.run` (share of time in ASAR, the
emulator and elsewhere). Numbers depend on the machine and its load: report them with `nproc` and the
load average printed alongside; the CPU-time figures do not depend on load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Both sides run ASAR every time: the content-addressed result cache (harness/asar/cache.py) would
# time a dictionary lookup, not an assembly.
os.environ.setdefault("ASM65816_NO_ASAR_CACHE", "1")

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


def freeze(task_path: Path, directory: Path) -> Path:
    """The same tasks with their case plans and baseline statistics stored in them (the dataset
    build's job, not timed)."""
    from harness.score.families import measure_baseline
    from harness.verify.cases import encode_plan, plan_for
    from harness.verify.equivalence import index_bases
    from harness.verify.spec import parse_spec

    frozen = []
    for line in task_path.read_text().splitlines():
        task = json.loads(line)
        spec = parse_spec(task["spec"])
        task["frozen_cases"] = encode_plan(spec, plan_for(spec, index_bases(task["reference"]), None))
        task["baseline_stats"] = measure_baseline(task).to_json()  # measured once, as the build does
        frozen.append(task)
    path = directory / "tasks-frozen.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in frozen))
    return path


def timed_score(
    task_path: Path, prediction_path: Path, workers: int, cache: Path
) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (workers and their ASAR runs) and the Results of one scoring run, with
    an empty case cache of its own."""
    from harness.score import score_predictions

    os.environ["ASM65816_CACHE"] = str(cache)
    cpu_before = _children_cpu() + time.process_time()
    started = time.perf_counter()
    results = score_predictions(task_path, prediction_path, workers=workers)
    return time.perf_counter() - started, _children_cpu() + time.process_time() - cpu_before, results


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes (workers and the ASAR runs they made)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


RELEASE_RUN = """
import json, resource, sys, time
from harness.score import score_predictions
def cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
import harness
started, spent = time.perf_counter(), cpu()
score_predictions(sys.argv[1], sys.argv[2], workers=int(sys.argv[3]))
print(json.dumps({"wall": time.perf_counter() - started, "cpu": cpu() - spent, "version": harness.__version__}))
"""


def release_score(
    rev: str, task_path: Path, prediction_path: Path, workers: int, scratch: Path
) -> dict | None:
    """Wall and CPU seconds of scoring the same files with the code of git revision `rev` (its own
    harness package, exported into `scratch`; tasks without frozen cases, which it predates)."""
    tree = scratch / f"release-{rev}"
    tree.mkdir()
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(repo), "archive", rev], capture_output=True)
    if archive.returncode != 0:  # not a git checkout, or the revision is unknown: say so, skip the peer
        print(
            f"  release {rev}: not available here ({archive.stderr.decode(errors='replace').strip()[:200]})"
        )
        return None
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "ASM65816_CACHE": str(scratch / f"cache-{rev}")}
    run = subprocess.run(
        [sys.executable, "-c", RELEASE_RUN, str(task_path), str(prediction_path), str(workers)],
        capture_output=True,
        text=True,
        env=env,
        cwd=scratch,
    )
    if run.returncode != 0:
        raise SystemExit(f"release {rev} could not score: {run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--release", default="b196ba1", help="git revision of the 1.x peer ('none': skip)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="asm65816-bench-") as scratch:
        root = Path(scratch)
        from harness.asar import find_asar

        os.environ.setdefault("ASAR_PATH", str(find_asar().path))  # the binary stays where it is
        task_path, prediction_path = build(args.samples, args.cases, root)
        os.environ["ASM65816_CACHE"] = str(root / "build-cache")
        frozen_path = freeze(task_path, root)
        load = os.getloadavg()
        old_wall, old_cpu, old = timed_score(task_path, prediction_path, args.workers, root / "cache-1x")
        new_wall, new_cpu, new = timed_score(frozen_path, prediction_path, args.workers, root / "cache-2x")
        assert old.metrics == new.metrics, "the two paths must score identically"
        optimize = new.metrics["optimize"]
        print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(
            f"{args.samples} optimize samples x {args.cases} cases on {args.workers} workers (identical metrics):"
        )
        print(
            f"  1.x path (cases planned while scoring): {old_wall:6.2f} s wall {args.samples / old_wall:7.1f} samples/s; "
            f"{old_cpu:6.2f} s CPU {args.samples / old_cpu:7.1f} samples per CPU-second"
        )
        print(
            f"  2.0 path (cases frozen in the tasks):  {new_wall:6.2f} s wall {args.samples / new_wall:7.1f} samples/s; "
            f"{new_cpu:6.2f} s CPU {args.samples / new_cpu:7.1f} samples per CPU-second"
        )
        print(
            f"  pass@1 {optimize['pass@1']:.3f}, saving_share {optimize['saving_share']:.3f}, "
            f"speedup (geometric mean) {optimize['speedup']:.3f}"
        )
        print(f"ratio_vs_1x={old_wall / new_wall:.2f} (wall)  cpu_ratio_vs_1x={old_cpu / new_cpu:.2f}")
        peer = None
        if args.release != "none":
            peer = release_score(args.release, task_path, prediction_path, args.workers, root)
        if peer is not None:
            print(
                f"  release {args.release} (harness {peer['version']}, its own code): {peer['wall']:6.2f} s wall "
                f"{args.samples / peer['wall']:7.1f} samples/s; {peer['cpu']:6.2f} s CPU "
                f"{args.samples / peer['cpu']:7.1f} samples per CPU-second"
            )
            print(
                f"ratio_vs_release={peer['wall'] / new_wall:.2f} (wall)  "
                f"cpu_ratio_vs_release={peer['cpu'] / new_cpu:.2f}"
            )
        os.environ["ASM65816_CACHE"] = str(root / "cache-profile")
        task_path = frozen_path
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
