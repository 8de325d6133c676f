"""GRPO with harness rewards: config validation, reward functions, training tasks, the reward-curve report,
a two-step end-to-end run on the fixture model, and (slow) the CPU smoke run whose reward must rise."""

from __future__ import annotations

import json
import time

import pytest
import yaml
from harness_fixtures import LMEVAL_FIXTURE_TASKS, REPO

from harness.cli import main as cli_main
from harness.errors import HarnessError, TaskDataError
from harness.lmeval.glue import doc_to_text, gold_completion
from harness.rewards import (
    HarnessReward,
    RewardInputError,
    RewardTaskError,
    RewardTimeoutError,
    curve_from_log_history,
    reward_curve_of,
)
from harness.rewards.tasks import (
    EASY_ANSWERS,
    FindingKind,
    check_rewardable,
    drop_contaminated,
    easy_trace_tasks,
    grpo_rows,
    private_split_tasks,
    warmup_samples,
)
from harness.trainers.config import ConfigError
from harness.trainers.rl import load_rl_config, rl_config_from_dict

CONFIGS = REPO / "trainers" / "configs"
_MODE = {"e": 0, "m": 1, "x": 1, "D": "$0000", "DBR": "$00"}


def _trace_task(task_id: str, code: str, inputs: dict, outputs: list[str]) -> dict:
    return {
        "id": task_id,
        "family": "trace",
        "prompt": f"Trace {task_id}",
        "reference": code,
        "baseline": None,
        "entry": "Trace",
        "call": "jsr",
        "answer": {},
        "tags": [],
        "source": "clean-room",
        "spec": {
            "mode": _MODE,
            "inputs": {k: {"values": [v]} for k, v in inputs.items()},
            "outputs": outputs,
            "cases": 1,
            "seed": 0,
        },
    }


# $7E0010 ends 0 (zeros would say so), $7E0012 keeps its entry value (an echo would say so): only $7E0011
# ($07) is informative.
THREE_BYTES = _trace_task(
    "t-three",
    "Trace:\n    STZ $10\n    LDA #$07\n    STA $11\n    RTS\n",
    {"$7E0010": 0x40, "$7E0011": 0x41, "$7E0012": 0x42},
    ["$7E0010", "$7E0011", "$7E0012"],
)
GUESSABLE = _trace_task("t-echo", "Trace:\n    NOP\n    RTS\n", {"$7E0010": 0x40}, ["$7E0010"])


@pytest.fixture(scope="module")
def red_tasks():
    from red_team import TASKS

    return {str(task["id"]): task for task in TASKS}


def _call(reward: HarnessReward, tasks: list[dict], completions: list[object], **extra) -> list[float | None]:
    return reward(
        prompts=["p"] * len(tasks), completions=completions, task=[json.dumps(t) for t in tasks], **extra
    )


# ---- config ---------------------------------------------------------------------------------------


def test_example_configs_load() -> None:
    tiny = load_rl_config(CONFIGS / "grpo_tiny_cpu.yaml")
    gpu = load_rl_config(CONFIGS / "grpo_qwen2.5-coder-1.5b.yaml")
    assert (tiny.method, tiny.device, tiny.tasks.source, dict(tiny.rewards.families)) == (
        "full",
        "cpu",
        "easy",
        {"trace": 1.0},
    )
    assert (gpu.method, gpu.quant.compute_dtype, gpu.tasks.source, gpu.tasks.private_seed) == (
        "qlora",
        "bfloat16",
        "private",
        1,
    )
    assert set(gpu.rewards.families) == {"gen", "fix", "optimize", "trace"}


def _minimal(**sections) -> dict:
    data = {"model": {"path": "m"}, "training": {"batch_size": 8}, "grpo": {"num_generations": 8}}
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return data


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"grpo": {"num_generations": 1}}, r"grpo\.num_generations=1: .*>= 2"),
        (
            {"training": {"batch_size": 6}},
            r"batch_size x grad_accum = 6 .* multiple of grpo\.num_generations=8",
        ),
        ({"rewards": {"families": {"explain": 1.0}}}, r"rewards\.families\.explain: .*no reward"),
        (
            {"rewards": {"families": {"gen": -1.0}}},
            r"rewards\.families\.gen=-1\.0: must be a positive number",
        ),
        ({"rewards": {"families": {"genn": 1.0}}}, r"rewards\.families\.genn: unknown family"),
        ({"tasks": {"private_seed": 0}}, r"tasks\.private_seed=0: use >= 1"),
        ({"tasks": {"source": "easy"}}, r"tasks\.source: easy makes trace tasks only"),
        ({"tasks": {"source": "files"}}, r"tasks\.files is empty"),
        (
            {"grpo": {"num_generation": 8}},
            r"grpo\.num_generation: unknown field; did you mean 'num_generations'",
        ),
        ({"grpo": {"use_vllm": True}, "device": "cpu"}, r"use_vllm: true needs CUDA"),
        ({"warmup": {"steps": 5}}, r"warmup\.steps=5 .* trace/mc only"),
        ({"grpo": {"beta": -0.1}}, r"grpo\.beta=-0\.1"),
        ({"method": "dora"}, r"method='dora': choose one of 'lora', 'qlora', 'full'"),
    ],
)
def test_bad_config_names_field_value_and_fix(sections, message) -> None:
    data = _minimal(**{k: v for k, v in sections.items() if isinstance(v, dict)})
    data.update({k: v for k, v in sections.items() if not isinstance(v, dict)})
    with pytest.raises(ConfigError, match=message):
        rl_config_from_dict(data)


def test_rl_help_lists_the_config_and_overrides(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["rl", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "config" in out and "--max-steps" in out and "--store" in out


# ---- rewards --------------------------------------------------------------------------------------


def test_optimize_reward_is_graded_and_zero_when_wrong(asar, red_tasks) -> None:
    task = red_tasks["rt-opt"]
    partial = "```asm\nAddFive:\n    LDA $11\n    CLC\n    ADC #$02\n    CLC\n    ADC #$03\n"
    partial += "    STA $10\n    RTS\n```"  # the extra JSR/RTS gone, the split ADC kept
    wrong = "```asm\nAddFive:\n    LDA $11\n    STA $10\n    RTS\n```"
    full, part, bad = _call(HarnessReward(["optimize"]), [task] * 3, [gold_completion(task), partial, wrong])
    assert full == 1.0 and 0.0 < part < 1.0 and bad == 0.0


def test_trace_exact_and_fields_credit_nothing_for_zeros_or_echo(asar) -> None:
    answers = {
        "exact": "$7E0010=$00\n$7E0011=$07\n$7E0012=$42",
        "zeros": "$7E0010=$00\n$7E0011=$00\n$7E0012=$00",
        "echo": "$7E0010=$40\n$7E0011=$41\n$7E0012=$42",
        "partial": "$7E0010=$00\n$7E0011=$07\n$7E0012=$99",
        "empty": "",
    }
    tasks = [THREE_BYTES] * len(answers)
    exact = dict(zip(answers, _call(HarnessReward(["trace"]), tasks, list(answers.values())), strict=True))
    fields = dict(
        zip(
            answers,
            _call(HarnessReward(["trace"], trace_credit="fields"), tasks, list(answers.values())),
            strict=True,
        )
    )
    assert exact == {"exact": 1.0, "zeros": 0.0, "echo": 0.0, "partial": 0.0, "empty": 0.0}
    assert fields == {"exact": 1.0, "zeros": 0.0, "echo": 0.0, "partial": pytest.approx(1 / 3), "empty": 0.0}


def test_conversational_completions_and_other_families(asar, red_tasks) -> None:
    gen, mc = red_tasks["rt-gen"], red_tasks["rt-mc"]
    chat = [{"role": "assistant", "content": [{"type": "text", "text": gold_completion(gen)}]}]
    rewards = _call(HarnessReward({"gen": 2.0}), [gen, mc], [chat, "C"])
    assert rewards == [2.0, None]  # weighted; mc is not this function's family


def test_a_broken_task_is_an_error_never_a_reward(asar, red_tasks) -> None:
    reward = HarnessReward(["gen", "optimize", "trace"])
    with pytest.raises(RewardTaskError, match="not JSON"):
        reward(prompts=["p"], completions=["x"], task=["{not json"])
    with pytest.raises(RewardTaskError, match="no reward for family 'explain'"):
        _call(reward, [{**red_tasks["rt-gen"], "family": "explain"}], ["x"])
    slower_than_nothing = {**red_tasks["rt-opt"], "baseline": "AddFive:\n    RTS\n"}  # not equivalent
    with pytest.raises(RewardTaskError, match="broken"):
        _call(reward, [slower_than_nothing], ["```asm\nAddFive:\n    RTS\n```"])
    with pytest.raises(RewardTaskError, match="zeros or echoing"):
        _call(reward, [GUESSABLE], ["$7E0010=$40"])
    with pytest.raises(RewardInputError, match="no 'task' column"):
        reward(prompts=["p"], completions=["x"], family=["gen"])


def test_rewards_are_deterministic_deduplicated_and_worker_independent(asar, red_tasks, monkeypatch) -> None:
    import harness.score.offline as offline

    tasks = [red_tasks["rt-gen"]] * 6 + [red_tasks["rt-opt"]] * 2
    texts = [gold_completion(red_tasks["rt-gen"]), "", "```asm\nAddFive:\n    RTS\n```"] * 2 + [
        gold_completion(red_tasks["rt-opt"]),
        "",
    ]
    sizes: list[int] = []
    real = offline.score_samples

    def counting(jobs, **kwargs):
        sizes.append(len(jobs))
        return real(jobs, **kwargs)

    monkeypatch.setattr(offline, "score_samples", counting)
    first = _call(HarnessReward(["gen", "optimize"]), tasks, texts)
    again = _call(HarnessReward(["gen", "optimize"]), tasks, texts)
    pooled = _call(HarnessReward(["gen", "optimize"], workers=2), tasks, texts)
    assert first == again == pooled == [1.0, 0.0, 0.0] * 2 + [1.0, 0.0]
    assert sizes == [5, 5, 5]  # 8 completions, 5 distinct (task, text) pairs


def test_a_hanging_scorer_raises_instead_of_rewarding(red_tasks, monkeypatch) -> None:
    import harness.score.offline as offline

    monkeypatch.setattr(offline, "score_samples", lambda jobs, **kwargs: time.sleep(3))
    reward = HarnessReward(["gen"], timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(RewardTimeoutError, match=r"did not finish in 0 s .*timeout_s=0\.2"):
        _call(reward, [red_tasks["rt-gen"]], ["x"])
    assert time.monotonic() - started < 2.0


def test_reward_logs_per_family_metrics_and_reasons(asar, red_tasks) -> None:
    metrics: dict[str, float] = {}
    columns: dict[str, list] = {}
    _call(
        HarnessReward(["gen"]),
        [red_tasks["rt-gen"]] * 2,
        [gold_completion(red_tasks["rt-gen"]), ""],
        log_metric=metrics.__setitem__,
        log_extra=columns.__setitem__,
    )
    assert metrics == {"asm65816/gen/reward": 0.5, "asm65816/gen/full": 0.5}
    assert columns == {"asm65816_reason": ["none", "empty"]}


# ---- training tasks -------------------------------------------------------------------------------


def test_private_split_is_a_dataset_disjoint_from_the_test_set(asar, tmp_path) -> None:
    docs = private_split_tasks(1, {"gen": 2, "trace": 2}, tmp_path / "private")
    manifest = json.loads((tmp_path / "private" / "MANIFEST.json").read_text())
    assert manifest["private_seed"] == 1 and manifest["version"].endswith("+private.1")
    assert [d["family"] for d in docs] == ["gen", "gen", "trace", "trace"]
    kept, findings = drop_contaminated(docs)
    assert not {FindingKind.PROMPT_EQUAL, FindingKind.PROMPT_CONTAINS} & {
        f.kind for f in findings
    }  # new prompts
    assert len(kept) + len({f.task_id for f in findings}) == len(docs)
    with pytest.raises(TaskDataError, match="private_seed=0"):
        private_split_tasks(0, {"gen": 1}, tmp_path / "none")


def test_contamination_drops_copies_of_eval_tasks() -> None:
    from harness.dataset import bundled_data_dir, load_tasks

    eval_gen = load_tasks(bundled_data_dir() / "gen.jsonl")[0]
    relabelled = str(eval_gen["reference"]).replace(str(eval_gen["entry"]), "Renamed")
    copies = [
        {**eval_gen, "id": "copy"},
        {**eval_gen, "id": "relabelled", "prompt": "Write Renamed, a fresh task.", "reference": relabelled},
        {
            **eval_gen,
            "id": "leak",
            "prompt": f"Improve this:\n{eval_gen['reference']}",
            "reference": "X:\n    RTS\n",
        },
    ]
    kept, findings = drop_contaminated(copies)
    kinds = {(f.task_id, f.kind) for f in findings}
    assert kept == []
    assert {
        ("copy", FindingKind.PROMPT_EQUAL),
        ("relabelled", FindingKind.GOLD_FINGERPRINT),
        ("leak", FindingKind.GOLD_IN_PROMPT),
    } <= kinds


def test_easy_subset_is_balanced_checked_and_rewardable(asar) -> None:
    tasks = easy_trace_tasks(6, seed=3)
    answers = [next(iter(t["answer"].items())) for t in tasks]
    assert answers == [("$7E0010", EASY_ANSWERS[0]), ("$7E0011", EASY_ANSWERS[1])] * 3
    check_rewardable(tasks, HarnessReward(["trace"]))  # gold pays 1, empty pays 0, none guessable
    assert drop_contaminated(tasks)[1] == []
    rows = grpo_rows(tasks, system="sys")
    assert rows[0]["prompt"] == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": doc_to_text(tasks[0])},
    ]
    assert json.loads(rows[0]["task"]) == tasks[0] and rows[0]["family"] == "trace"


def test_warmup_targets_carry_the_form_of_another_tasks_answer(asar) -> None:
    tasks = easy_trace_tasks(8, seed=1)
    samples = warmup_samples(tasks, samples_per_task=2, seed=0)
    by_id = {t["id"]: t for t in tasks}
    assert len(samples) == 16
    for sample in samples:
        task = by_id[sample["metadata"]["task"]]
        location = next(iter(task["answer"]))
        assert sample["instruction"] == task["prompt"]
        assert sample["output"].startswith(f"{location}=$0") and sample["output"].strip()[-1] in "23"
    with pytest.raises(TaskDataError, match="no answer form"):
        warmup_samples([{"family": "gen"}, {"family": "trace"}])


# ---- reward curve and report ----------------------------------------------------------------------


def test_curve_from_log_history_and_record_round_trip() -> None:
    history = [{"loss": 1.0, "step": 1}, {"reward": 0.25, "step": 1}, {"reward": 0.5, "step": 2}]
    assert curve_from_log_history(history) == ((1, 0.25), (2, 0.5))
    with pytest.raises(HarnessError, match="step 3: mean reward is nan"):
        curve_from_log_history([{"reward": float("nan"), "step": 3}])
    assert reward_curve_of({}) == ()
    with pytest.raises(HarnessError, match=r"reward_curve\[0\]"):
        reward_curve_of({"rl": {"reward_curve": [["a", 1]]}})


def test_report_saves_the_reward_curve_of_an_rl_run(tmp_path, capsys) -> None:
    pytest.importorskip("matplotlib")
    data = json.loads((REPO / "fixtures" / "runs" / "base-1.5b.json").read_text())
    data["model"] = {**data["model"], "name": "coder-1.5B-v1-grpo", "train_data": "rl:private"}
    data["run"] = {
        "task_config": {"rl": {"reward_curve": [[1, 0.1], [2, 0.3], [3, 0.2], [4, 0.5], [5, 0.6]]}}
    }
    rl_run, plain_run = tmp_path / "rl.json", tmp_path / "plain.json"
    rl_run.write_text(json.dumps(data))
    plain_run.write_text((REPO / "fixtures" / "runs" / "base-1.5b.json").read_text())
    assert cli_main(["report", str(plain_run), str(rl_run), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    charts = sorted(p.name for p in (tmp_path / "out").glob("reward_*.png"))
    assert len(charts) == 1  # the RL run only
    assert (tmp_path / "out" / charts[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert charts[0] in (tmp_path / "out" / "report.md").read_text()


# ---- end to end on the fixture model --------------------------------------------------------------


@pytest.fixture
def fixture_eval_data(monkeypatch):
    pytest.importorskip("harness.lmeval")
    monkeypatch.setenv("ASM65816_TASK_DATA", str(LMEVAL_FIXTURE_TASKS))
    monkeypatch.setenv("ASM65816_WORKERS", "1")
    return LMEVAL_FIXTURE_TASKS


@pytest.mark.train
def test_two_grpo_steps_record_the_run_and_its_reward_curve(
    tiny_model, asar, fixture_eval_data, tmp_path
) -> None:
    """LoRA warm-up + merge, 2 GRPO steps with the harness subset at the save, run stored, report draws it."""
    pytest.importorskip("trl")
    from harness.gate.store import RunStore
    from harness.trainers.rl import train_rl

    config = rl_config_from_dict(
        {
            "model": {"path": str(tiny_model)},
            "device": "cpu",
            "lora": {"dropout": 0.0},
            "tasks": {"source": "easy", "per_family": 4},
            "rewards": {"families": {"trace": 1.0}},
            "grpo": {"num_generations": 2, "beta": 0.0, "max_prompt_length": 256, "max_completion_length": 8},
            "warmup": {"steps": 2, "batch_size": 4},
            "training": {
                "output_dir": str(tmp_path / "run"),
                "max_steps": 2,
                "learning_rate": 1e-3,
                "batch_size": 4,
                "save_steps": 2,
                "seed": 0,
                "gradient_checkpointing": False,
            },
            "harness": {"enabled": True},
            "record": {
                "store": str(tmp_path / "store"),
                "tasks": ["asm65816_trace"],
                "limit": 1,
                "gen_kwargs": {"max_gen_toks": 8},
            },
        }
    )
    seen: list[int] = []
    result = train_rl(config, evaluator=lambda model, tok: seen.append(1) or {"fake/score": 0.5})
    assert result.global_step == 2 and [step for step, _ in result.reward_curve] == [1, 2]
    assert all(0.0 <= value <= 1.0 for _, value in result.reward_curve)
    assert seen == [1] and [r["step"] for r in result.harness_metrics] == [2]
    assert (result.model_dir / "adapter_config.json").is_file()
    assert (tmp_path / "run" / "warmup" / "merged" / "merge_check.json").is_file()
    assert json.loads((tmp_path / "run" / "train_tasks" / "contamination.json").read_text()) == []
    summary = json.loads((tmp_path / "run" / "rl_summary.json").read_text())
    assert (
        summary["reward_curve"] == [list(p) for p in result.reward_curve] and summary["tasks"]["count"] == 4
    )
    record = RunStore(tmp_path / "store").get(str(result.run_id))
    assert reward_curve_of(record.task_config) == result.reward_curve
    assert record.model.name == f"{tiny_model.name}-grpo" and record.model.train_data == "rl:easy"
    assert [s.family for s in record.samples] == ["trace"]
    out = tmp_path / "report"
    assert (
        cli_main(
            ["report", str(result.run_id), "--store", str(tmp_path / "store"), "--out", str(out), "--quiet"]
        )
        == 0
    )
    assert (out / f"reward_{result.run_id}.png").is_file()


@pytest.mark.slow
@pytest.mark.train
def test_smoke_run_reward_rises_on_the_easy_subset(tiny_model, asar, tmp_path, capsys) -> None:
    """`asm65816 rl trainers/configs/grpo_tiny_cpu.yaml` (paths moved into tmp): the mean reward of the
    last 10 steps clearly exceeds the first 5 (see the config for what the policy learns), and
    `asm65816 report` saves the curve as a PNG."""
    import torch

    data = yaml.safe_load((CONFIGS / "grpo_tiny_cpu.yaml").read_text())
    data["model"]["path"] = str(tiny_model)
    data["training"]["output_dir"] = str(tmp_path / "run")
    config_path = tmp_path / "grpo.yaml"
    config_path.write_text(yaml.safe_dump(data))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared CPU: one thread is faster than oversubscribed ones
    try:
        assert cli_main(["rl", str(config_path), "--store", str(tmp_path / "store")]) == 0
    finally:
        torch.set_num_threads(threads)
    summary = json.loads((tmp_path / "run" / "rl_summary.json").read_text())
    rewards = [value for _step, value in summary["reward_curve"]]
    print("reward curve:", summary["reward_curve"])
    assert len(rewards) == data["training"]["max_steps"]
    first, last = sum(rewards[:5]) / 5, sum(rewards[-10:]) / 10
    assert last >= first + 0.2, (first, last, rewards)
    out = tmp_path / "report"
    assert cli_main(["report", summary["run_id"], "--store", str(tmp_path / "store"), "--out", str(out)]) == 0
    assert (out / f"reward_{summary['run_id']}.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
