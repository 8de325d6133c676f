"""Reinforcement fine-tuning with GRPO (TRL's `GRPOTrainer`), the harness as the reward.

    asm65816 rl trainers/configs/grpo_qwen2.5-coder-1.5b.yaml

Pipeline (`train_rl`):
1. Training tasks disjoint from evaluation (`harness.rewards.tasks`): the dataset builder's private
   split (`tasks.source: private`, `tasks.private_seed` >= 1), task files, or the easy trace
   subset for smoke runs; every task is checked against the evaluation tasks and dropped on any
   overlap (`contamination.json` lists them); each kept task must pay 1 for its gold answer and 0 for
   an empty one (`check_rewardable`), and prompts longer than `grpo.max_prompt_length` tokens are
   dropped (counted), never truncated.
2. Optional format warm-up (`warmup.steps` > 0): a few SFT steps on format-only targets (other
   tasks' answers, `warmup_samples`): a LoRA adapter merged into a new base (logits-checked), or with
   `method: full` every weight. For models that never write a parseable answer: all-zero rewards
   give GRPO no signal.
3. GRPO: the base loaded as for SFT (`harness.trainers.sft.load_model`: LoRA fp32 on CPU / bf16 on
   CUDA, QLoRA NF4 + double quant + bf16 compute), a LoRA adapter (`peft_config` to the trainer, so
   the KL reference is the base with the adapter off: no second model; `method: full` trains every
   weight against a frozen copy, for tiny models only), `num_generations` samples
   per prompt rendered with the tokenizer's chat template (the eval framing), rewards from
   `harness.rewards.HarnessReward` (families weighted by `rewards.families`), optional vLLM
   generation (`grpo.use_vllm`, CUDA only). At every save `HarnessEvalCallback` runs the harness
   subset (`harness:` as in the SFT config) and logs `harness/<task>/<metric>`.
4. The adapter lands in `<output_dir>/adapter` (`method: full`: the model in `model/`), the resolved
   config in `rl_config.yaml`, the summary (reward curve, harness metrics, task counts) in
   `rl_summary.json`. With `record.enabled` the final
   model is evaluated through lm-eval (`harness.gate.evaluate.evaluate_model`) and the run record,
   with the reward curve in `task_config.rl`, is added to the run store, where `runs`, `ladder`,
   `gate` and `report` find it (`asm65816 report` draws the reward curve).

Rewards and advantages: GRPO normalises rewards within each prompt's group, so family weights only
change the optimisation with `grpo.scale_rewards: none` or `batch`; they always scale the logged mean.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError
from harness.trainers.config import (
    LIBRARY_DISTS,
    ConfigError,
    DataConfig,
    HarnessEvalConfig,
    LoraSettings,
    ModelConfig,
    QuantConfig,
    TrainConfig,
    TrainingConfig,
    save_config_yaml,
)
from harness.trainers.config import _build as build_section  # the SFT loader's strict dataclass builder
from harness.trainers.config import _plain as plain_data

__all__ = [
    "GRPOSettings",
    "RLConfig",
    "RLError",
    "RLResult",
    "RLRewardConfig",
    "RLTaskConfig",
    "RLTrainingConfig",
    "RunRecordConfig",
    "WarmupConfig",
    "load_rl_config",
    "prepare_training_tasks",
    "rl_config_from_dict",
    "save_rl_config",
    "train_rl",
]

ADAPTER_DIR = "adapter"
MODEL_DIR = "model"  # method: full
TASKS_DIR = "train_tasks"
SUMMARY_FILE = "rl_summary.json"
CONFIG_FILE = "rl_config.yaml"
_RL_FAMILIES = ("gen", "fix", "optimize", "trace", "mc")


class RLError(HarnessError):
    """An RL run cannot start or produced no usable result."""


@dataclass(frozen=True)
class RLTaskConfig:
    """Where training tasks come from (see `harness.rewards.tasks`)."""

    source: Literal["private", "files", "easy"] = field(
        default="private",
        metadata={"help": "private: build_all(private_seed); files: task JSONL; easy: smoke subset"},
    )
    private_seed: int = field(
        default=1, metadata={"help": "private split seed, >= 1 (none is the eval split)"}
    )
    per_family: int = field(
        default=32, metadata={"help": "tasks per rewarded family (private), or easy tasks"}
    )
    files: tuple[str, ...] = field(default=(), metadata={"help": "task JSONL files (source: files)"})
    eval_files: tuple[str, ...] | None = field(
        default=None,
        metadata={
            "help": "eval tasks to stay disjoint from; default: bundled test set (+ ASM65816_TASK_DATA)"
        },
    )
    system_instruction: str | None = field(default=None, metadata={"help": "system turn before each prompt"})


@dataclass(frozen=True)
class RLRewardConfig:
    """Rewarded families with their weights, and the scoring pool."""

    families: Mapping[str, float] = field(
        default_factory=lambda: {"gen": 1.0, "fix": 1.0, "optimize": 1.0, "trace": 1.0}
    )
    trace_credit: Literal["exact", "fields"] = "exact"
    workers: int = field(default=1, metadata={"help": "scoring processes per reward call (1: in process)"})
    timeout_s: float = field(
        default=60.0, metadata={"help": "wall-clock seconds per distinct completion (hang backstop)"}
    )


@dataclass(frozen=True)
class GRPOSettings:
    """GRPO knobs (names follow trl's GRPOConfig)."""

    num_generations: int = field(default=8, metadata={"help": "group size: completions sampled per prompt"})
    beta: float = field(default=0.04, metadata={"help": "KL coefficient to the base (0: no KL term)"})
    max_prompt_length: int = field(
        default=1024, metadata={"help": "tokens; longer prompts are dropped, never cut"}
    )
    max_completion_length: int = 512
    temperature: float = 1.0
    top_p: float = 1.0
    epsilon: float = field(default=0.2, metadata={"help": "PPO clip range"})
    num_iterations: int = field(default=1, metadata={"help": "optimisation passes per generated batch"})
    loss_type: Literal["dapo", "grpo", "dr_grpo", "bnpo"] = "dapo"
    scale_rewards: Literal["group", "batch", "none"] = "group"
    mask_truncated_completions: bool = False
    use_vllm: bool = field(default=False, metadata={"help": "generate with vLLM (CUDA; pip install vllm)"})
    vllm_mode: Literal["colocate", "server"] = "colocate"
    vllm_gpu_memory_utilization: float = 0.3
    log_completions: bool = False


@dataclass(frozen=True)
class WarmupConfig:
    """Format-only LoRA SFT before GRPO (0 steps: off). See `harness.rewards.tasks.warmup_samples`."""

    steps: int = 0
    learning_rate: float = 1e-3
    batch_size: int = 8
    samples_per_task: int = 2


@dataclass(frozen=True)
class RLTrainingConfig:
    output_dir: str = "runs/grpo"
    max_steps: int = 200
    learning_rate: float = 1e-5
    batch_size: int = field(
        default=8, metadata={"help": "completions per device step (a multiple of num_generations)"}
    )
    grad_accum: int = 1
    warmup_ratio: float = 0.0
    lr_scheduler: str = "constant"
    weight_decay: float = 0.0
    logging_steps: int = 1
    save_steps: int = 50
    save_total_limit: int | None = 3
    seed: int = 42
    gradient_checkpointing: bool = True
    optim: str | None = field(
        default=None, metadata={"help": "default: paged_adamw_8bit for QLoRA on CUDA, adamw_torch otherwise"}
    )
    max_grad_norm: float = 1.0
    resume_from_checkpoint: str | None = field(
        default=None,
        metadata={"help": "'latest' or a checkpoint dir (runtime only, not saved)", "runtime": True},
    )


@dataclass(frozen=True)
class RunRecordConfig:
    """The run record: the final model evaluated through lm-eval, stored with the reward curve."""

    enabled: bool = True
    store: str | None = field(
        default=None, metadata={"help": "run store dir; default $ASM65816_RUNS or the XDG dir"}
    )
    tasks: tuple[str, ...] = ("asm65816_gen", "asm65816_fix", "asm65816_optimize", "asm65816_trace")
    limit: int | None = 32
    gen_kwargs: Mapping[str, Any] = field(default_factory=lambda: {"max_gen_toks": 512})
    batch_size: int = 1
    model_name: str | None = field(default=None, metadata={"help": "default: <base model dir name>-grpo"})
    params_b: float | None = field(
        default=None, metadata={"help": "model size in billions (ladder axis); default: from the name"}
    )
    train_data: str | None = field(
        default=None, metadata={"help": "training-data label; default: rl:<task source>"}
    )


@dataclass(frozen=True)
class RLConfig:
    model: ModelConfig
    method: Literal["lora", "qlora", "full"] = field(
        default="lora",
        metadata={
            "help": "full: every weight trains (tiny models; a random-init model learns little through LoRA)"
        },
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    lora: LoraSettings = field(default_factory=LoraSettings)
    quant: QuantConfig = field(default_factory=QuantConfig)
    tasks: RLTaskConfig = field(default_factory=RLTaskConfig)
    rewards: RLRewardConfig = field(default_factory=RLRewardConfig)
    grpo: GRPOSettings = field(default_factory=GRPOSettings)
    warmup: WarmupConfig = field(default_factory=WarmupConfig)
    training: RLTrainingConfig = field(default_factory=RLTrainingConfig)
    harness: HarnessEvalConfig = field(default_factory=HarnessEvalConfig)
    record: RunRecordConfig = field(default_factory=RunRecordConfig)

    def __post_init__(self) -> None:
        for check in (
            _check_lora,
            _check_rewards,
            _check_grpo,
            _check_batch,
            _check_tasks,
            _check_training,
            _check_warmup,
            _check_record,
        ):
            check(self)

    def as_sft(self) -> TrainConfig:
        """The SFT config view of the shared parts (model, method, device, LoRA, quant), so the SFT
        loaders (`load_tokenizer`, `load_model`, `_lora_config`) serve GRPO unchanged."""
        training = TrainingConfig(
            output_dir=self.training.output_dir,
            gradient_checkpointing=self.training.gradient_checkpointing,
            seed=self.training.seed,
        )
        method: Literal["lora", "qlora"] = (
            "qlora" if self.method == "qlora" else "lora"
        )  # full loads like lora
        return TrainConfig(
            model=self.model,
            data=DataConfig(train="-"),
            method=method,
            device=self.device,
            lora=self.lora,
            quant=self.quant,
            training=training,
        )


def _positive(where: str, value: float, example: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{where}={value!r}: must be a positive number (e.g. {example})")


def _check_lora(config: RLConfig) -> None:
    if config.lora.r <= 0 or config.lora.alpha <= 0:
        raise ConfigError(
            f"lora.r={config.lora.r}, lora.alpha={config.lora.alpha}: both must be positive (e.g. 16 and 32)"
        )
    if not 0.0 <= config.lora.dropout < 1.0:
        raise ConfigError(f"lora.dropout={config.lora.dropout}: use a value in [0, 1)")


def _check_rewards(config: RLConfig) -> None:
    families = config.rewards.families
    if not families:
        raise ConfigError(
            f"rewards.families is empty: give weights for some of {', '.join(_RL_FAMILIES)} (e.g. gen: 1.0)"
        )
    for name, weight in families.items():
        if name == "explain":
            raise ConfigError(
                "rewards.families.explain: explain has no reward (its phrase-matching scorer can be gamed); "
                "remove it"
            )
        if name not in _RL_FAMILIES:
            raise ConfigError(
                f"rewards.families.{name}: unknown family; use some of {', '.join(_RL_FAMILIES)}"
            )
        _positive(f"rewards.families.{name}", weight, "1.0")
    if config.rewards.workers < 1:
        raise ConfigError(
            f"rewards.workers={config.rewards.workers}: use 1 (in process) or more scoring processes"
        )
    _positive("rewards.timeout_s", config.rewards.timeout_s, "60")


def _check_grpo(config: RLConfig) -> None:
    g = config.grpo
    if g.num_generations < 2:
        raise ConfigError(
            f"grpo.num_generations={g.num_generations}: GRPO compares completions of one prompt; "
            "use >= 2 (e.g. 8)"
        )
    if not (math.isfinite(g.beta) and g.beta >= 0):
        raise ConfigError(
            f"grpo.beta={g.beta}: the KL coefficient must be >= 0 (0 disables the KL term; e.g. 0.04)"
        )
    for name in ("max_prompt_length", "max_completion_length", "num_iterations"):
        if getattr(g, name) < 1:
            raise ConfigError(f"grpo.{name}={getattr(g, name)}: must be a positive integer")
    _positive("grpo.temperature", g.temperature, "1.0")
    _positive("grpo.epsilon", g.epsilon, "0.2")
    if not 0 < g.top_p <= 1:
        raise ConfigError(
            f"grpo.top_p={g.top_p}: use a value in (0, 1] (1.0 samples from the full distribution)"
        )
    if not 0 < g.vllm_gpu_memory_utilization <= 1:
        raise ConfigError(
            f"grpo.vllm_gpu_memory_utilization={g.vllm_gpu_memory_utilization}: use a share in (0, 1]"
        )
    if g.use_vllm and config.device == "cpu":
        raise ConfigError(
            "grpo.use_vllm: true needs CUDA, but device is cpu; set use_vllm: false or device: cuda"
        )


def _check_batch(config: RLConfig) -> None:
    t, g = config.training, config.grpo
    if t.batch_size < 1 or t.grad_accum < 1:
        raise ConfigError(
            f"training.batch_size={t.batch_size}, training.grad_accum={t.grad_accum}: both must be >= 1"
        )
    completions = t.batch_size * t.grad_accum
    if completions % g.num_generations:
        raise ConfigError(
            f"training.batch_size x grad_accum = {completions} completions per step is not a multiple of "
            f"grpo.num_generations={g.num_generations} (every prompt's group must fit in a step); "
            f"e.g. batch_size: {g.num_generations}"
        )


def _check_tasks(config: RLConfig) -> None:
    tasks = config.tasks
    if tasks.source == "private" and (isinstance(tasks.private_seed, bool) or tasks.private_seed < 1):
        raise ConfigError(
            f"tasks.private_seed={tasks.private_seed}: use >= 1 (a private split; none is the eval split)"
        )
    if tasks.source in ("private", "easy") and tasks.per_family < 1:
        raise ConfigError(f"tasks.per_family={tasks.per_family}: use a positive number of tasks (e.g. 32)")
    if tasks.source == "easy" and tasks.per_family < 2:
        raise ConfigError(
            f"tasks.per_family={tasks.per_family}: the easy subset needs >= 2 tasks (one per asked byte)"
        )
    if tasks.source == "files" and not tasks.files:
        raise ConfigError("tasks.source is files but tasks.files is empty: list task JSONL files")
    if tasks.source == "easy" and set(config.rewards.families) != {"trace"}:
        raise ConfigError(
            "tasks.source: easy makes trace tasks only, but rewards.families is "
            f"{sorted(config.rewards.families)}; "
            "set rewards.families to {trace: 1.0}"
        )


def _check_training(config: RLConfig) -> None:
    t = config.training
    if t.max_steps < 1:
        raise ConfigError(
            f"training.max_steps={t.max_steps}: RL runs by steps; set a positive number (e.g. 200)"
        )
    _positive("training.learning_rate", t.learning_rate, "1e-5")
    for name in ("save_steps", "logging_steps"):
        if getattr(t, name) < 1:
            raise ConfigError(f"training.{name}={getattr(t, name)}: must be a positive number of steps")
    if config.harness.patience is not None and config.harness.metric is None:
        raise ConfigError(
            "harness.patience is set but harness.metric is not: name the metric to early-stop on"
        )


def _check_warmup(config: RLConfig) -> None:
    w = config.warmup
    if w.steps < 0:
        raise ConfigError(f"warmup.steps={w.steps}: use 0 (no warm-up) or a positive number of SFT steps")
    if w.steps:
        _positive("warmup.learning_rate", w.learning_rate, "1e-3")
        if w.batch_size < 1 or w.samples_per_task < 1:
            raise ConfigError(
                f"warmup.batch_size={w.batch_size}, warmup.samples_per_task={w.samples_per_task}: "
                "both must be >= 1"
            )
        if not set(config.rewards.families) <= {"trace", "mc"}:
            raise ConfigError(
                f"warmup.steps={w.steps} with rewards.families {sorted(config.rewards.families)}: "
                "the format warm-up "
                "exists for trace/mc only; start code families from an SFT model and set warmup.steps: 0"
            )


def _check_record(config: RLConfig) -> None:
    if config.record.limit is not None and config.record.limit < 1:
        raise ConfigError(
            f"record.limit={config.record.limit}: use a positive number of tasks per family, or null for all"
        )
    if config.record.enabled and not config.record.tasks:
        raise ConfigError(
            "record.tasks is empty: list lm-eval tasks (e.g. asm65816_gen) or set record.enabled: false"
        )


def rl_config_from_dict(data: Mapping[str, Any]) -> RLConfig:
    """Build a config from plain data (strict: unknown keys and bad choices name field, value and fix);
    a `versions` section (written by `save_rl_config`) is ignored."""
    sections = {k: v for k, v in data.items() if k != "versions"}
    return build_section(RLConfig, sections, "")  # type: ignore[no-any-return]


def load_rl_config(path: str | Path) -> RLConfig:
    """Read a YAML RL config (relative paths stay relative to the working directory)."""
    from harness.core.yamlfile import read_yaml_mapping

    return rl_config_from_dict(read_yaml_mapping(path, ConfigError, "config file"))


def save_rl_config(config: RLConfig, path: str | Path) -> Path:
    """The resolved config as YAML with library versions (runtime-only fields left out)."""
    return save_config_yaml(config, path, (*LIBRARY_DISTS, "vllm"))


# ---- tasks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingTasks:
    """The tasks GRPO trains on and what was left out on the way."""

    tasks: tuple[dict[str, Any], ...]
    contaminated: tuple[Any, ...]  # ContaminationFinding
    dropped_tasks: int
    folder: Path


def prepare_training_tasks(config: RLConfig, folder: Path) -> TrainingTasks:
    """Generate or load the tasks, keep the rewarded families, drop every task overlapping the eval
    set; write `tasks.jsonl` (kept) and `contamination.json` (findings) into `folder`."""
    from harness.rewards.tasks import (
        drop_contaminated,
        easy_trace_tasks,
        load_task_files,
        private_split_tasks,
    )

    source = config.tasks
    families = set(config.rewards.families)
    folder.mkdir(parents=True, exist_ok=True)
    if source.source == "private":
        counts = {family: source.per_family for family in families}
        docs = private_split_tasks(source.private_seed, counts, folder / "private")
    elif source.source == "easy":
        docs = easy_trace_tasks(source.per_family, seed=config.training.seed)
    else:
        docs = load_task_files(source.files)
    docs = [doc for doc in docs if doc.get("family") in families]
    if not docs:
        raise RLError(f"tasks ({source.source}): no task of the rewarded families {sorted(families)}")
    kept, findings = drop_contaminated(
        docs, list(source.eval_files) if source.eval_files is not None else None
    )
    (folder / "contamination.json").write_text(
        json.dumps([f.to_dict() for f in findings], indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    if not kept:
        raise RLError(
            f"every one of {len(docs)} training tasks overlaps the eval set "
            f"(see {folder / 'contamination.json'})"
        )
    (folder / "tasks.jsonl").write_text(
        "".join(json.dumps(d, sort_keys=True) + "\n" for d in kept), encoding="utf-8"
    )
    return TrainingTasks(tuple(kept), tuple(findings), len(docs) - len(kept), folder)


def _prompt_tokens(tokenizer: Any, messages: Sequence[Mapping[str, str]]) -> int:
    text = tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _fitting_rows(
    rows: list[dict[str, Any]], tokenizer: Any, max_prompt_length: int
) -> tuple[list[dict[str, Any]], int]:
    kept = [row for row in rows if _prompt_tokens(tokenizer, row["prompt"]) <= max_prompt_length]
    if not kept:
        raise RLError(
            f"every one of {len(rows)} prompts is longer than "
            f"grpo.max_prompt_length={max_prompt_length} tokens; "
            "raise it (prompts are dropped, never truncated)"
        )
    return kept, len(rows) - len(kept)


# ---- warm-up, trainer ---------------------------------------------------------------------------


def _warmup_sft_config(config: RLConfig, data: Path, out: Path) -> TrainConfig:
    w, t = config.warmup, config.training
    return dataclasses.replace(
        config.as_sft(),
        data=DataConfig(
            train=str(data), max_length=config.grpo.max_prompt_length + config.grpo.max_completion_length
        ),
        training=TrainingConfig(
            output_dir=str(out),
            max_steps=w.steps,
            learning_rate=w.learning_rate,
            batch_size=w.batch_size,
            grad_accum=1,
            warmup_ratio=0.0,
            lr_scheduler="constant",
            logging_steps=1,
            save_steps=w.steps,
            save_total_limit=1,
            seed=t.seed,
            gradient_checkpointing=t.gradient_checkpointing,
        ),
    )


def _full_sft(sft: TrainConfig, out: Path) -> Path:
    """Full-parameter SFT (the SFT trainer's dataset and arguments, no adapter); returns the model dir."""
    from trl import SFTTrainer

    from harness.trainers.sft import _sft_args, build_sft_dataset, load_model, load_tokenizer, resolve_device

    device = resolve_device(sft)
    tokenizer = load_tokenizer(sft)
    dataset, _dropped = build_sft_dataset(sft.data.train, tokenizer, max_length=sft.data.max_length)
    trainer = SFTTrainer(
        model=load_model(sft, device),
        args=_sft_args(sft, device, False),
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()
    trainer.save_model(str(out))
    tokenizer.save_pretrained(out)
    return out


def _warm_up(config: RLConfig, tasks: Sequence[Mapping[str, Any]], out: Path) -> Path:
    """Format-only SFT (`warmup`) before GRPO; returns the warmed model dir. `method: full` trains
    every weight; LoRA/QLoRA train a LoRA adapter that is merged (with the logits check)."""
    from harness.rewards.tasks import warmup_samples
    from harness.trainers.merge import merge_adapter
    from harness.trainers.sft import train

    out.mkdir(parents=True, exist_ok=True)
    samples = warmup_samples(
        tasks, samples_per_task=config.warmup.samples_per_task, seed=config.training.seed
    )
    data = out / "format_warmup.jsonl"
    data.write_text("".join(json.dumps(s, sort_keys=True) + "\n" for s in samples), encoding="utf-8")
    sft = _warmup_sft_config(config, data, out / "sft")
    if config.method == "full":
        return _full_sft(sft, out / "model")
    result = train(dataclasses.replace(sft, method="lora"))
    merged = out / "merged"
    merge_adapter(config.model.path, result.adapter_dir, merged)
    return merged


def _warmed_model(config: RLConfig, tasks: Sequence[Mapping[str, Any]], out: Path) -> Path:
    """The warm-up's model: trained now, or, when resuming, the one the interrupted run already made
    (GRPO checkpoints continue from it; training it again would change the base under them)."""
    done = out / ("model" if config.method == "full" else "merged")
    if config.training.resume_from_checkpoint and (done / "config.json").is_file():
        return done
    return _warm_up(config, tasks, out)


def _grpo_args(config: RLConfig, device: str):
    from trl import GRPOConfig

    from harness.trainers.sft import trainer_arguments

    g = config.grpo
    return GRPOConfig(
        **trainer_arguments(config, device),
        remove_unused_columns=False,
        num_generations=g.num_generations,
        beta=g.beta,
        max_completion_length=g.max_completion_length,
        temperature=g.temperature,
        top_p=g.top_p,
        epsilon=g.epsilon,
        num_iterations=g.num_iterations,
        loss_type=g.loss_type,
        scale_rewards=g.scale_rewards,
        mask_truncated_completions=g.mask_truncated_completions,
        use_vllm=g.use_vllm,
        vllm_mode=g.vllm_mode,
        vllm_gpu_memory_utilization=g.vllm_gpu_memory_utilization,
        log_completions=g.log_completions,
    )


@dataclass(frozen=True)
class RLResult:
    output_dir: Path
    model_dir: Path  # the adapter (lora/qlora) or the whole model (full)
    global_step: int
    reward_curve: tuple[tuple[int, float], ...]  # (step, mean weighted reward) as logged
    harness_metrics: tuple[Mapping[str, Any], ...] = ()
    stopped_early: bool = False
    tasks: int = 0
    dropped_contaminated: int = 0
    dropped_long_prompts: int = 0
    run_id: str | None = None
    record_path: Path | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


def _harness_callback(config: RLConfig, evaluator: Callable[[Any, Any], Mapping[str, float]] | None):
    from harness.trainers.sft import _harness_callback as sft_harness_callback

    return sft_harness_callback(dataclasses.replace(config.as_sft(), harness=config.harness), evaluator)


def _resume(config: RLConfig) -> str | None:
    from harness.trainers.sft import _resume as sft_resume

    view = dataclasses.replace(
        config.as_sft(),
        training=TrainingConfig(
            output_dir=config.training.output_dir,
            resume_from_checkpoint=config.training.resume_from_checkpoint,
        ),
    )
    resume = sft_resume(view)
    return resume if isinstance(resume, str) else None


def _record(config: RLConfig, model: Any, tokenizer: Any, model_dir: Path, rl_section: Mapping[str, Any]):
    """Evaluate the trained model through lm-eval and store the record with the RL section."""
    from lm_eval.models.huggingface import HFLM

    from harness.gate.evaluate import evaluate_model
    from harness.gate.identity import model_identity
    from harness.gate.store import RunStore, default_store_dir
    from harness.rewards.curve import RL_KEY

    r = config.record
    identity = model_identity(
        model_dir,
        name=r.model_name or f"{Path(config.model.path).name}-grpo",
        params_b=r.params_b,
        train_data=r.train_data or f"rl:{config.tasks.source}",
    )
    was_training = model.training
    model.eval()
    try:
        record = evaluate_model(
            HFLM(pretrained=model, tokenizer=tokenizer, batch_size=r.batch_size),
            tasks=r.tasks,
            limit=r.limit,
            identity=identity,
            apply_chat_template=True,
            gen_kwargs=dict(r.gen_kwargs) or None,
            bootstrap_iters=0,
            random_seed=0,
            numpy_random_seed=0,
            torch_random_seed=0,
            fewshot_random_seed=0,
        )
    finally:
        model.train(was_training)
    record = dataclasses.replace(record, task_config={**dict(record.task_config), RL_KEY: dict(rl_section)})
    store = RunStore(Path(r.store) if r.store else default_store_dir())
    return record, store.add(record)


def train_rl(
    config: RLConfig,
    *,
    evaluator: Callable[[Any, Any], Mapping[str, float]] | None = None,
    callbacks: Sequence[Any] = (),
) -> RLResult:
    """Run GRPO as configured (see module docstring). `evaluator` replaces the in-loop lm-eval subset
    (it still runs only if `harness.enabled`)."""
    from harness.trainers.extras import TRAIN_MODULES, require

    require(TRAIN_MODULES, extra="rl", purpose="asm65816 rl")
    import datasets
    from trl import GRPOTrainer

    from harness.rewards import HarnessReward, curve_from_log_history
    from harness.rewards.tasks import check_rewardable, family_counts, grpo_rows
    from harness.trainers.sft import _lora_config, load_model, load_tokenizer, resolve_device

    device = resolve_device(config.as_sft())
    output_dir = Path(config.training.output_dir)
    # the record's model name comes from the configured base, before a warm-up or GGUF copy replaces it
    name = config.record.model_name or f"{Path(config.model.path).name}-grpo"
    config = dataclasses.replace(config, record=dataclasses.replace(config.record, model_name=name))
    output_dir.mkdir(parents=True, exist_ok=True)
    if config.model.gguf_file:
        from harness.trainers.gguf_base import gguf_to_hf

        base = gguf_to_hf(config.model.path, config.model.gguf_file, output_dir / "base_hf")
        config = dataclasses.replace(
            config,
            model=dataclasses.replace(
                config.model, path=str(base), gguf_file=None, tokenizer=config.model.tokenizer or str(base)
            ),
        )
    save_rl_config(config, output_dir / CONFIG_FILE)
    plan = prepare_training_tasks(config, output_dir / TASKS_DIR)
    reward = HarnessReward(
        config.rewards.families,
        workers=config.rewards.workers,
        timeout_s=config.rewards.timeout_s,
        trace_credit=config.rewards.trace_credit,
    )
    check_rewardable(plan.tasks, reward)
    if config.warmup.steps:
        merged = _warmed_model(config, plan.tasks, output_dir / "warmup")
        config = dataclasses.replace(
            config, model=dataclasses.replace(config.model, path=str(merged), tokenizer=str(merged))
        )
    tokenizer = load_tokenizer(config.as_sft())
    rows, too_long = _fitting_rows(
        grpo_rows(plan.tasks, config.tasks.system_instruction), tokenizer, config.grpo.max_prompt_length
    )
    harness_cb = _harness_callback(config, evaluator) if config.harness.enabled else None
    trainer = GRPOTrainer(
        model=load_model(config.as_sft(), device),
        reward_funcs=[reward],
        args=_grpo_args(config, device),
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=None if config.method == "full" else _lora_config(config.as_sft()),
        callbacks=[*([harness_cb] if harness_cb else []), *callbacks],
    )
    output = trainer.train(resume_from_checkpoint=_resume(config))
    model_dir = output_dir / (MODEL_DIR if config.method == "full" else ADAPTER_DIR)
    trainer.save_model(str(model_dir))
    tokenizer.save_pretrained(model_dir)
    curve = curve_from_log_history(trainer.state.log_history)
    records = tuple(
        {"step": r.step, "metrics": dict(r.metrics), "improved": r.improved}
        for r in (harness_cb.records if harness_cb else [])
    )
    section = {
        "reward_curve": [list(point) for point in curve],
        "reward": reward.__name__,
        "families": dict(config.rewards.families),
        "trace_credit": config.rewards.trace_credit,
        "tasks": {
            "source": config.tasks.source,
            "private_seed": config.tasks.private_seed if config.tasks.source == "private" else None,
            "count": len(rows),
            "families": family_counts(plan.tasks),
            "dropped_contaminated": plan.dropped_tasks,
            "dropped_long_prompts": too_long,
        },
        "grpo": plain_data(config.grpo),
        "global_step": trainer.state.global_step,
        "harness": list(records),
        "warmup_steps": config.warmup.steps,
    }
    run_id = record_path = None
    if config.record.enabled:
        record, record_path = _record(config, trainer.model, tokenizer, model_dir, section)
        run_id = record.run_id
    summary = {
        **section,
        "run_id": run_id,
        "record": str(record_path) if record_path else None,
        "device": device,
        "method": config.method,
        "train_runtime": output.metrics.get("train_runtime"),
        "stopped_early": bool(harness_cb and harness_cb.stopped_early),
    }
    (output_dir / SUMMARY_FILE).write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return RLResult(
        output_dir,
        model_dir,
        trainer.state.global_step,
        curve,
        records,
        summary["stopped_early"],
        len(rows),
        plan.dropped_tasks,
        too_long,
        run_id,
        record_path,
        {"device": device, "method": config.method},
    )
