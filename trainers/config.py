"""SFT configuration: dataclasses with documented fields, loaded from YAML with strict checking.

A config file has the sections below (every field optional except `model.path` and `data.train`):

    model:    {path, gguf_file, tokenizer, dtype, trust_remote_code}
    method:   lora | qlora
    device:   auto | cpu | cuda
    lora:     {r: 16, alpha: 32, dropout: 0.05, target_modules: all-linear, bias: none}
    quant:    {quant_type: nf4, double_quant: true, compute_dtype: bfloat16}
    data:     {train, eval, max_length, thinking: inline|drop, prompt_format: task|plain}
    training: {output_dir, max_steps, epochs, learning_rate, batch_size, grad_accum, ...}
    harness:  {enabled, tasks, limit, metric, mode, patience, gen_kwargs, ...}

Unknown keys and bad choices are errors that name the field, the value and the accepted values
(`ConfigError`). `save_config` writes the resolved config next to a run with the library versions;
runtime-only settings (`training.resume_from_checkpoint`) are not saved.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError

__all__ = [
    "ConfigError",
    "DataConfig",
    "HarnessEvalConfig",
    "LoraSettings",
    "ModelConfig",
    "QuantConfig",
    "TrainConfig",
    "TrainingConfig",
    "config_from_dict",
    "load_config",
    "save_config",
    "save_config_yaml",
]

Dtype = Literal["auto", "float32", "bfloat16", "float16"]


class ConfigError(HarnessError):
    """A training config is invalid; the message names the field, the value and the fix."""


@dataclass(frozen=True)
class ModelConfig:
    path: str = field(metadata={"help": "local HF model directory (or a directory holding `gguf_file`)"})
    gguf_file: str | None = field(
        default=None, metadata={"help": "GGUF file inside `path`, dequantized on load"}
    )
    tokenizer: str | None = field(default=None, metadata={"help": "tokenizer directory; default: `path`"})
    dtype: Dtype = field(
        default="auto", metadata={"help": "weights dtype for LoRA; auto = bf16 on CUDA, fp32 on CPU"}
    )
    trust_remote_code: bool = False


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | tuple[str, ...] = field(
        default="all-linear", metadata={"help": "'all-linear' or module names"}
    )
    bias: Literal["none", "all", "lora_only"] = "none"


@dataclass(frozen=True)
class QuantConfig:
    """bitsandbytes 4-bit settings used when `method: qlora` (QLoRA paper defaults)."""

    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True
    compute_dtype: Literal["bfloat16", "float16", "float32"] = field(
        default="bfloat16", metadata={"help": "matmul dtype; float32 is the safe choice on CPU"}
    )
    quant_storage: Literal["uint8", "bfloat16"] = field(
        default="uint8", metadata={"help": "bfloat16 for FSDP / DeepSpeed ZeRO-3 (shards need one dtype)"}
    )


@dataclass(frozen=True)
class DataConfig:
    train: str = field(
        metadata={"help": "train JSONL (a mix's train.jsonl), sample schema of harness.trainers.schema"}
    )
    eval: str | None = field(default=None, metadata={"help": "eval JSONL for eval loss (a mix's eval.jsonl)"})
    max_length: int = 2048
    thinking: Literal["inline", "drop"] = "inline"
    prompt_format: Literal["task", "plain"] = field(
        default="task",
        metadata={"help": "task: frame prompts like the asm65816 eval tasks (### Task/### Answer)"},
    )


@dataclass(frozen=True)
class TrainingConfig:
    output_dir: str = "runs/sft"
    max_steps: int = -1
    epochs: float = 1.0
    learning_rate: float = 2e-4
    batch_size: int = 1
    grad_accum: int = 8
    warmup_ratio: float = 0.03
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    logging_steps: int = 10
    save_steps: int = 200
    save_total_limit: int | None = 3
    eval_steps: int | None = None
    seed: int = 42
    gradient_checkpointing: bool = True
    packing: bool = False
    packing_strategy: Literal["bfd", "wrapped"] = "bfd"
    optim: str | None = field(
        default=None, metadata={"help": "default: paged_adamw_8bit for QLoRA on CUDA, adamw_torch otherwise"}
    )
    max_grad_norm: float = 1.0
    resume_from_checkpoint: str | None = field(
        default=None,
        metadata={"help": "'latest' or a checkpoint dir (runtime only, not saved)", "runtime": True},
    )


@dataclass(frozen=True)
class HarnessEvalConfig:
    """The in-loop harness subset run at each checkpoint save (`HarnessEvalCallback`)."""

    enabled: bool = False
    tasks: tuple[str, ...] = ("asm65816_gen",)
    limit: int | None = 8
    metric: str | None = field(
        default=None, metadata={"help": "'task/metric' for early stopping, e.g. 'asm65816_gen/pass@1'"}
    )
    mode: Literal["max", "min"] = "max"
    patience: int | None = field(
        default=None, metadata={"help": "stop after this many saves without improvement"}
    )
    min_delta: float = 0.0
    gen_kwargs: Mapping[str, Any] = field(default_factory=lambda: {"max_gen_toks": 256})
    apply_chat_template: bool = True
    system_instruction: str | None = None
    batch_size: int = 1


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig
    data: DataConfig
    method: Literal["lora", "qlora"] = "lora"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    lora: LoraSettings = field(default_factory=LoraSettings)
    quant: QuantConfig = field(default_factory=QuantConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    harness: HarnessEvalConfig = field(default_factory=HarnessEvalConfig)

    def __post_init__(self) -> None:
        if self.lora.r <= 0 or self.lora.alpha <= 0:
            raise ConfigError(
                f"lora.r={self.lora.r}, lora.alpha={self.lora.alpha}: both must be positive (e.g. 16 and 32)"
            )
        if not 0.0 <= self.lora.dropout < 1.0:
            raise ConfigError(f"lora.dropout={self.lora.dropout}: use a value in [0, 1)")
        if self.harness.patience is not None and self.harness.metric is None:
            raise ConfigError(
                "harness.patience is set but harness.metric is not: name the metric to early-stop on"
            )
        if self.training.packing and self.data.max_length <= 0:
            raise ConfigError("training.packing needs a positive data.max_length")


def _choices(tp: Any) -> tuple[Any, ...] | None:
    return typing.get_args(tp) if typing.get_origin(tp) is Literal else None


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping (section), got {value!r}")
        return _build(tp, value, where)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ConfigError(f"{where}={value!r}: choose one of {', '.join(map(repr, typing.get_args(tp)))}")
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _convert(value, option, where)
            except ConfigError as error:
                errors.append(str(error))
        raise ConfigError(errors[-1] if errors else f"{where}={value!r} is invalid")
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}={value!r}: expected a list")
        return tuple(_convert(v, typing.get_args(tp)[0], f"{where}[]") for v in value)
    if origin in (Mapping, dict) or tp is Mapping:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}={value!r}: expected a mapping")
        return dict(value)
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp is Any or (
        isinstance(tp, type) and isinstance(value, tp) and not (tp is int and isinstance(value, bool))
    ):
        return value
    raise ConfigError(f"{where}={value!r}: expected {getattr(tp, '__name__', tp)}")


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    for key in data:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(names)}"
            raise ConfigError(f"{where}.{key}: unknown field{hint}".lstrip("."))
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(data[f.name], hints[f.name], f"{where}.{f.name}".lstrip("."))
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            raise ConfigError(f"{where}.{f.name}: required field is missing".lstrip("."))
    return cls(**kwargs)


def config_from_dict(data: Mapping[str, Any]) -> TrainConfig:
    """Build a config from plain data; a `versions` section (written by `save_config`) is ignored."""
    return _build(TrainConfig, {k: v for k, v in data.items() if k != "versions"}, "")


def load_config(path: str | Path) -> TrainConfig:
    """Read a YAML config. Relative `model.path`, `data.*` and `training.output_dir` stay relative to the CWD."""
    from harness.core.yamlfile import read_yaml_mapping

    return config_from_dict(read_yaml_mapping(path, ConfigError, "config file"))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("runtime")
        }
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


# Libraries whose versions a saved config records (what a training run depends on).
LIBRARY_DISTS = (
    "asm65816-harness",
    "torch",
    "transformers",
    "peft",
    "trl",
    "bitsandbytes",
    "accelerate",
    "datasets",
)


def save_config(config: TrainConfig, path: str | Path) -> Path:
    """Write the resolved config as YAML with a `versions` section (torch, transformers, peft, trl, ...)."""
    return save_config_yaml(config, path, LIBRARY_DISTS)


def save_config_yaml(config: Any, path: str | Path, dists: Sequence[str]) -> Path:
    """Any config dataclass as YAML (runtime-only fields left out) with the installed versions of
    `dists` (None when one is not installed)."""
    from importlib import metadata

    import yaml

    data = _plain(config)
    versions: dict[str, str | None] = {}
    for dist in dists:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    data["versions"] = versions
    path = Path(path)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
