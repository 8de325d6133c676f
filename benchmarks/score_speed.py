"""Offline scoring speed: samples/second for optimize samples, the 1.x path and the 2.0 path side by
side in one run, and where the time goes.

    python benchmarks/score_speed.py [--samples 200] [--cases 64] [--workers 2] [--profile 40] [--release REV]

Builds `--samples` optimize tasks (four routine templates, each task with its own spec seed so no
reference run is shared) with one completion each (most pass, some fail) and scores them twice with
`score_predictions` on `--workers` processes:
- the 1.x path: tasks without stored cases and an empty case cache, so every task's cases are planned
  by hypothesis while scoring and the reference runs on every case (what 1.x did for every task,
  every run);
- the 2.0 path: the same tasks with what the dataset build stores in them (not timed): the case
  plans, the reference's runs on them (`reference_runs`) and the baseline's cycle statistics, so
  scoring runs only the answer on each case.
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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

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
    """The same tasks with what the dataset build stores in them (not timed): case plans, the
    reference's runs on them and the baseline's statistics."""
    from harness.score.families import measure_baseline
    from harness.verify.cases import encode_plan, plan_for
    from harness.verify.equivalence import index_bases, measure_reference_runs
    from harness.verify.reference_runs import encode_runs
    from harness.verify.spec import parse_spec

    frozen = []
    for line in task_path.read_text().splitlines():
        task = json.loads(line)
        spec = parse_spec(task["spec"])
        task["frozen_cases"] = encode_plan(spec, plan_for(spec, index_bases(task["reference"]), None))
        task["reference_runs"] = encode_runs(task, measure_reference_runs(task))
        task["baseline_stats"] = measure_baseline(task).to_json()  # measured once, as the build does
        frozen.append(task)
    path = directory / "tasks-frozen.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in frozen))
    return path


RUN = """
import json, resource, sys, time
from harness.score import score_predictions
def cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
import harness
started, spent = time.perf_counter(), cpu()
results = score_predictions(sys.argv[1], sys.argv[2], workers=int(sys.argv[3]))
wall, cpu_s = time.perf_counter() - started, cpu() - spent
metrics = getattr(results, "metrics", None)
print(json.dumps({"wall": wall, "cpu": cpu_s, "version": harness.__version__, "metrics": metrics}))
"""


def timed_score(
    code: Path, task_path: Path, prediction_path: Path, workers: int, cache: Path, warm: Path | None = None
) -> dict:
    """Score the files in a Python process of its own, as `asm65816 score` does, with the harness
    package found under `code`: wall seconds, CPU seconds (the process, its workers and their ASAR
    runs), the harness version and the metrics. The process starts with nothing cached in memory and
    an empty case cache; `warm`'s compiled emulator core is copied in (any earlier run on a machine
    leaves it, like Python's bytecode cache; the 1.x release has no such cache)."""
    if warm is not None and (warm / "emu-core").is_dir():
        shutil.copytree(warm / "emu-core", cache / "emu-core")
    env = {**os.environ, "PYTHONPATH": str(code), "ASM65816_CACHE": str(cache)}
    run = subprocess.run(
        [sys.executable, "-c", RUN, str(task_path), str(prediction_path), str(workers)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cache.parent,
    )
    if run.returncode != 0:
        raise SystemExit(f"the harness under {code} could not score: {run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def release_score(
    rev: str, task_path: Path, prediction_path: Path, workers: int, scratch: Path
) -> dict | None:
    """`timed_score` with the code of git revision `rev` (its own harness package, exported into
    `scratch`; tasks without frozen cases or reference runs, which it predates)."""
    tree = scratch / f"release-{rev}"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True)
    if archive.returncode != 0:  # not a git checkout, or the revision is unknown: say so, skip the peer
        print(
            f"  release {rev}: not available here ({archive.stderr.decode(errors='replace').strip()[:200]})"
        )
        return None
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return timed_score(tree, task_path, prediction_path, workers, scratch / f"cache-{rev}")


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes (the ASAR runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(task_path: Path, prediction_path: Path, limit: int) -> dict[str, float]:
    """Score the first `limit` samples in-process, timing ASAR and the emulator separately (the
    process's assembled programs are dropped first, so every source is assembled as in a new run).

    Wall time and CPU time are both recorded: on a loaded machine wall shares mostly measure waiting,
    CPU shares (ASAR = its child processes plus our side of the call) do not.
    """
    from harness.emu import Machine
    from harness.score import load_predictions, load_tasks, score_samples
    from harness.verify import equivalence

    spent = dict.fromkeys(("asar", "asar_cpu", "emulator", "emulator_cpu"), 0.0)
    original_assemble, original_run = equivalence.assemble, Machine.run

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
    equivalence._PROGRAMS.clear()
    equivalence._reference.cache_clear()
    equivalence.assemble, Machine.run = timed("asar", original_assemble), timed("emulator", original_run)
    try:
        started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        score_samples(jobs, workers=1)
        spent["total"] = time.perf_counter() - started
        spent["total_cpu"] = time.process_time() - cpu + _children_cpu() - children
    finally:
        equivalence.assemble, Machine.run = original_assemble, original_run
    return {**spent, "samples": len(jobs)}


def _line(label: str, samples: int, run: dict) -> str:
    return (
        f"  {label + ':':<48} {run['wall']:6.2f} s wall {samples / run['wall']:7.1f} samples/s; "
        f"{run['cpu']:6.2f} s CPU {samples / run['cpu']:7.1f} samples per CPU-second"
    )


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
        warm = root / "build-cache"
        old = timed_score(REPO, task_path, prediction_path, args.workers, root / "cache-1x", warm)
        new = timed_score(REPO, frozen_path, prediction_path, args.workers, root / "cache-2x", warm)
        assert old["metrics"] == new["metrics"], "the two paths must score identically"
        optimize = new["metrics"]["optimize"]
        n = args.samples
        print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"{n} optimize samples x {args.cases} cases on {args.workers} workers (identical metrics):")
        print(_line("1.x path (cases planned while scoring)", n, old))
        print(_line("2.0 path (cases, reference runs stored)", n, new))
        print(
            f"  pass@1 {optimize['pass@1']:.3f}, saving_share {optimize['saving_share']:.3f}, "
            f"speedup (geometric mean) {optimize['speedup']:.3f}"
        )
        print(
            f"ratio_vs_1x={old['wall'] / new['wall']:.2f} (wall)  cpu_ratio_vs_1x={old['cpu'] / new['cpu']:.2f}"
        )
        peer = None
        if args.release != "none":
            peer = release_score(args.release, task_path, prediction_path, args.workers, root)
        if peer is not None:
            if peer["metrics"] is not None:
                assert peer["metrics"] == new["metrics"], "the release must score these samples identically"
            print(_line(f"release {args.release} (harness {peer['version']}, its own code)", n, peer))
            print(
                f"ratio_vs_release={peer['wall'] / new['wall']:.2f} (wall)  "
                f"cpu_ratio_vs_release={peer['cpu'] / new['cpu']:.2f}"
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
                "(input states, machine setup, observation, comparison)"
            )


if __name__ == "__main__":
    main()
