"""VRAM planner (parameter counts, the NF4 weight formula against real bitsandbytes storage, the user's
open questions) and the training config (YAML round trip, errors that name the field)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main as cli_main
from harness.errors import UnknownNameError
from harness.trainers.config import ConfigError, config_from_dict, load_config, save_config
from harness.trainers.vram import GIB, GPUS, PlanError, estimate, format_count, load_arch

CONFIGS = Path(__file__).resolve().parents[2] / "trainers" / "configs"


@pytest.mark.parametrize(
    ("model", "billions"),
    [
        ("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", 15.706),  # "16B MoE", 15.7B on its model card
        ("Qwen2.5-Coder-32B-Instruct", 32.764),
        ("Qwen2.5-Coder-7B-Instruct", 7.616),
        ("codellama/CodeLlama-34b-Instruct-hf", 33.744),
        ("SmolLM2-135M-Instruct", 0.1345),
    ],
)
def test_parameter_counts_match_published_sizes(model: str, billions: float) -> None:
    assert load_arch(model).params / 1e9 == pytest.approx(billions, rel=2e-3)


def test_parameter_count_of_a_local_config_matches_torch(tiny_model: Path) -> None:
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert load_arch(str(tiny_model)).params == sum(p.numel() for p in model.parameters())


@pytest.mark.train
def test_qlora_weight_bytes_equal_real_nf4_double_quant_storage(tiny_model: Path) -> None:
    """Formula term 1 against what bitsandbytes really allocates (packed NF4 + absmax + nested constants)."""
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quant = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )
    model = AutoModelForCausalLM.from_pretrained(
        tiny_model, quantization_config=quant, dtype=torch.bfloat16, device_map={"": "cpu"}
    )
    real = 0
    for param in model.parameters():
        real += param.numel() * param.element_size()
        state = getattr(param, "quant_state", None)
        if state is not None:
            real += state.absmax.numel() * state.absmax.element_size()
            real += state.state2.absmax.numel() * state.state2.absmax.element_size()
    assert estimate(load_arch(str(tiny_model)), method="qlora").bytes["weights"] == pytest.approx(
        real, rel=1e-6
    )


def test_deepseek_v2_lite_qlora_answer_depends_on_expert_quantization() -> None:
    arch = load_arch("DeepSeek-Coder-V2-Lite-Instruct")
    fused = estimate(arch, method="qlora", seq_len=4096)  # transformers >= 5: experts stay bf16
    per_linear = estimate(arch, method="qlora", seq_len=4096, quantize_experts=True)
    assert 30 * GIB < fused.total < 40 * GIB and per_linear.total < 24 * GIB
    assert not fused.fits["RTX 4090 / A10 24GB"] and fused.fits["L40S / RTX 6000 Ada 48GB"]
    assert (
        per_linear.trainable_params > 20 * fused.trainable_params
    )  # LoRA reaches the experts only if Linear


def test_32b_and_34b_qlora_fit_80gb_and_not_24gb() -> None:
    for model in ("Qwen2.5-Coder-32B-Instruct", "CodeLlama-34b-Instruct-hf"):
        est = estimate(load_arch(model), method="qlora", seq_len=4096)
        assert est.fits["A100 / H100 80GB"] and not est.fits["RTX 4090 / A10 24GB"], est.to_dict()


def test_terms_move_the_right_way() -> None:
    arch = load_arch("Qwen2.5-Coder-7B-Instruct")
    qlora, lora, full = (estimate(arch, method=m, seq_len=2048) for m in ("qlora", "lora", "full"))
    assert qlora.bytes["weights"] < lora.bytes["weights"] == full.bytes["weights"]
    assert full.total > lora.total > qlora.total
    no_gc = estimate(arch, method="qlora", seq_len=2048, gradient_checkpointing=False)
    assert no_gc.bytes["activations"] > 5 * qlora.bytes["activations"]
    assert estimate(arch, seq_len=4096, batch=2).bytes["logits+loss"] == pytest.approx(
        4 * qlora.bytes["logits+loss"]
    )


def test_unknown_model_suggests_known_ids() -> None:
    with pytest.raises(UnknownNameError, match="DeepSeek-Coder-V2-Lite"):
        load_arch("deepseek-coder-v2-lit")


def test_cli_plan_vram_prints_every_gpu(capsys) -> None:
    assert cli_main(["plan-vram", "--model", "DeepSeek-Coder-V2-Lite-Instruct", "--seq-len", "4096"]) == 0
    out = capsys.readouterr().out
    assert all(gpu in out for gpu in GPUS) and "total" in out


# ---- config ----------------------------------------------------------------------------------------


def test_config_defaults_and_yaml_round_trip(tmp_path: Path) -> None:
    config = config_from_dict(
        {
            "model": {"path": "m"},
            "data": {"train": "t.jsonl"},
            "training": {"resume_from_checkpoint": "latest"},
        }
    )
    assert (config.lora.r, config.lora.alpha, config.lora.dropout, config.lora.target_modules) == (
        16,
        32,
        0.05,
        "all-linear",
    )
    assert (config.quant.quant_type, config.quant.double_quant, config.quant.compute_dtype) == (
        "nf4",
        True,
        "bfloat16",
    )
    saved = load_config(save_config(config, tmp_path / "c.yaml"))
    assert "versions" in (tmp_path / "c.yaml").read_text()
    assert saved.training.resume_from_checkpoint is None  # runtime-only, not saved
    assert saved.lora == config.lora and saved.harness == config.harness


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "qlor"}, r"method='qlor': choose one of 'lora', 'qlora'"),
        ({"lora": {"lora_alpha": 8}}, r"lora.lora_alpha: unknown field; did you mean 'alpha'\?"),
        ({"lora": {"r": 0}}, r"lora.r=0"),
        ({"harness": {"patience": 2}}, "harness.metric"),
        ({"training": {"max_steps": "ten"}}, r"training.max_steps='ten': expected int"),
    ],
)
def test_config_errors_name_field_value_and_fix(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"model": {"path": "m"}, "data": {"train": "t.jsonl"}, **data})


def test_shipped_example_configs_load() -> None:
    import yaml

    from harness.trainers.rl import load_rl_config

    trains = [p for p in CONFIGS.glob("*.yaml") if not p.name.startswith(("accelerate_", "mix_", "grpo_"))]
    assert len(trains) >= 4
    for path in trains:
        load_config(path)
    rl = sorted(CONFIGS.glob("grpo_*.yaml"))
    assert rl
    for path in rl:
        load_rl_config(path)
    for name in ("accelerate_fsdp_qlora.yaml", "accelerate_deepspeed_zero3_qlora.yaml"):
        launcher = yaml.safe_load((CONFIGS / name).read_text())
        assert launcher["distributed_type"] in {"FSDP", "DEEPSPEED"} and launcher["mixed_precision"] == "bf16"


def test_plan_vram_names_small_models_in_millions(tmp_path: Path, capsys) -> None:
    """The tiny fixture model (Qwen2, hidden 256, 2 layers) has 1.44 M parameters, not "0.00 B"."""
    config = {
        "model_type": "qwen2",
        "hidden_size": 256,
        "intermediate_size": 512,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 1024,
        "tie_word_embeddings": True,
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert cli_main(["plan-vram", "--model", str(tmp_path)]) == 0
    head, *table = capsys.readouterr().out.splitlines()
    assert (
        f"{format_count(estimate(load_arch(str(tmp_path))).params)} params" in head
        and "1.44 M params" in head
    )
    total = next(line for line in table if line.startswith("total"))
    assert total.split()[-1].count(".") == 1 and len(total.split()[-1].split(".")[1]) == 2  # GiB as x.yz
    assert (format_count(1_543_714_304), format_count(236e9), format_count(512)) == ("1.54 B", "236 B", "512")


def test_plan_vram_rejects_a_config_that_is_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("[1, 2]")
    with pytest.raises(PlanError, match="a config.json is a JSON object, got list"):
        load_arch(str(tmp_path))
