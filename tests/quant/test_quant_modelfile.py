"""Ollama Modelfiles: the Go template is written only for a chat format proven equal by rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.trainers.quant.modelfile import (
    CHATML,
    LLAMA3,
    build_spec,
    detect_chat_family,
    render_jinja,
    render_modelfile,
    write_modelfile,
)

pytestmark = pytest.mark.gguf

PLAIN_CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
DEFAULT_SYSTEM_CHATML = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)
ALPACA = "{% for m in messages %}### {{ m['role'] }}:\\n{{ m['content'] }}\\n\\n{% endfor %}### Response:\\n"


def test_chatml_detected_without_default_system() -> None:
    family, system = detect_chat_family(PLAIN_CHATML)
    assert family is CHATML and system is None


def test_default_system_turn_becomes_ollama_system() -> None:
    family, system = detect_chat_family(DEFAULT_SYSTEM_CHATML)
    assert family is CHATML and system == "You are a helpful assistant."


def test_llama3_detected_with_bos_prefix() -> None:
    family, system = detect_chat_family(LLAMA3_TEMPLATE, bos_token="<|begin_of_text|>")
    assert family is LLAMA3 and system is None
    assert "<|begin_of_text|>" not in family.go_template  # llama.cpp/Ollama add BOS themselves


def test_unknown_format_is_not_guessed() -> None:
    assert detect_chat_family(ALPACA) is None
    with pytest.raises(HarnessError, match="does not render"):
        render_jinja("{% for %}")


def test_family_rendering_is_what_the_go_template_says() -> None:
    """The Python side of CHATML, spelled out once by hand for one conversation."""
    chat = [{"role": "user", "content": "Clear A."}]
    assert CHATML.render(chat) == "<|im_start|>user\nClear A.<|im_end|>\n<|im_start|>assistant\n"
    assert render_jinja(PLAIN_CHATML, chat) == CHATML.render(chat)


def test_modelfile_from_a_gguf(qwen2_f16_gguf: Path, tmp_path: Path) -> None:
    pytest.importorskip("gguf")
    spec = build_spec(qwen2_f16_gguf, num_ctx=1024, stops=["; end"])
    assert spec.family == "chatml" and spec.system is None
    assert spec.stops[0] == "; end" and "<|im_end|>" in spec.stops
    assert "PARAMETER num_ctx 1024" in render_modelfile(spec)
    with pytest.raises(HarnessError, match="line break"):
        render_modelfile(build_spec(qwen2_f16_gguf, stops=["\n\n"]))
    local = tmp_path / "tiny-f16.gguf"
    local.symlink_to(qwen2_f16_gguf)
    text = write_modelfile(build_spec(local), tmp_path / "Modelfile").read_text()
    assert text.splitlines()[0] == "FROM ./tiny-f16.gguf"
    assert 'TEMPLATE """{{- range .Messages }}<|im_start|>' in text
    assert 'PARAMETER stop "<|im_end|>"' in text and "PARAMETER temperature 0" in text
    assert "PARAMETER num_ctx 2048" in text


def test_user_template_overrides_detection(qwen2_f16_gguf: Path, tmp_path: Path) -> None:
    pytest.importorskip("gguf")
    template = tmp_path / "t.gotmpl"
    template.write_text("{{ .Prompt }}")
    spec = build_spec(qwen2_f16_gguf, template_file=template, system="Answer in 65816 assembly.")
    assert spec.family is None and spec.template == "{{ .Prompt }}" and spec.stops == ("<|im_end|>",)
    text = write_modelfile(spec, tmp_path / "out" / "Modelfile").read_text()
    assert f"FROM {qwen2_f16_gguf.absolute()}" in text  # not below the Modelfile: absolute path
    assert 'SYSTEM """Answer in 65816 assembly."""' in text
