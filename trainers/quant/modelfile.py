"""Ollama Modelfile for a GGUF, with the chat template and stop tokens the harness evaluated.

Ollama's TEMPLATE is a Go template, the GGUF carries a Jinja one, and no general translation exists.
So the writer renders the GGUF's Jinja template on a probe conversation and compares the text with
each known family's rendering (ChatML, Llama 3); on an exact match it writes that family's Go template,
otherwise it refuses and asks for `--template FILE` (a Go template the user vouches for). A Modelfile
whose prompts differ from the evaluated ones would silently serve a different model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

__all__ = [
    "FAMILIES",
    "ChatFamily",
    "ModelfileSpec",
    "build_spec",
    "detect_chat_family",
    "render_jinja",
    "render_modelfile",
    "write_modelfile",
]

_PROBE = (
    {"role": "system", "content": "SYSTEM-TEXT"},
    {"role": "user", "content": "USER-TEXT"},
    {"role": "assistant", "content": "ASSISTANT-TEXT"},
    {"role": "user", "content": "USER-TWO"},
)


@dataclass(frozen=True)
class ChatFamily:
    """A chat format: how it renders the probe (Jinja side) and the equivalent Ollama Go template."""

    name: str
    probe_rendering: str
    go_template: str
    stops: tuple[str, ...]


CHATML = ChatFamily(
    name="chatml",
    probe_rendering=(
        "<|im_start|>system\nSYSTEM-TEXT<|im_end|>\n<|im_start|>user\nUSER-TEXT<|im_end|>\n"
        "<|im_start|>assistant\nASSISTANT-TEXT<|im_end|>\n<|im_start|>user\nUSER-TWO<|im_end|>\n"
        "<|im_start|>assistant\n"
    ),
    go_template=(
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n"
    ),
    stops=("<|im_end|>", "<|im_start|>"),
)
LLAMA3 = ChatFamily(
    name="llama3",
    probe_rendering=(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nSYSTEM-TEXT<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nUSER-TEXT<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nASSISTANT-TEXT<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nUSER-TWO<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    ),
    go_template=(
        "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>"
        "{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
    ),
    stops=("<|eot_id|>", "<|start_header_id|>"),
)
FAMILIES: tuple[ChatFamily, ...] = (CHATML, LLAMA3)


@dataclass(frozen=True)
class ModelfileSpec:
    """Everything a Modelfile states; `family` is None when the template was given by the user."""

    gguf: Path
    template: str
    stops: tuple[str, ...]
    family: str | None
    num_ctx: int
    temperature: float
    system: str | None


def render_jinja(template: str, bos_token: str = "", eos_token: str = "") -> str:
    """Render `template` on the probe conversation the way transformers/llama-cpp-python do."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise HarnessError(f"chat template raised: {message}")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    try:
        return env.from_string(template).render(
            messages=list(_PROBE),
            add_generation_prompt=True,
            bos_token=bos_token,
            eos_token=eos_token,
            raise_exception=raise_exception,
        )
    except TemplateError as error:
        raise HarnessError(f"chat template does not render: {error}") from error


def detect_chat_family(template: str, bos_token: str = "", eos_token: str = "") -> ChatFamily | None:
    """The known family whose rendering of the probe equals this template's, else None."""
    rendered = render_jinja(template, bos_token, eos_token)
    for family in FAMILIES:
        if rendered == family.probe_rendering:
            return family
    return None


def build_spec(
    gguf_path: str | Path,
    *,
    template_file: str | Path | None = None,
    stops: Sequence[str] = (),
    num_ctx: int = 2048,
    temperature: float = 0.0,
    system: str | None = None,
) -> ModelfileSpec:
    """Read the GGUF's template and tokens and decide the Modelfile's TEMPLATE and stops."""
    from harness.trainers.quant.inspect import read_gguf_summary

    summary = read_gguf_summary(gguf_path)
    eos = [token for token in (summary.eos_token, summary.eot_token) if token]
    if template_file is not None:
        template = Path(template_file).read_text(encoding="utf-8")
        return ModelfileSpec(
            Path(gguf_path), template, _unique([*stops, *eos]), None, num_ctx, temperature, system
        )
    if not summary.chat_template:
        raise HarnessError(
            f"{gguf_path} has no tokenizer.chat_template; pass --template FILE (a Go template)"
        )
    family = detect_chat_family(summary.chat_template, summary.bos_token or "", summary.eos_token or "")
    if family is None:
        raise HarnessError(
            "the GGUF's chat template matches no known family (chatml, llama3), so no Go template can be "
            "written that is known to render the same prompts; pass --template FILE"
        )
    return ModelfileSpec(
        Path(gguf_path),
        family.go_template,
        _unique([*stops, *family.stops, *eos]),
        family.name,
        num_ctx,
        temperature,
        system,
    )


def render_modelfile(spec: ModelfileSpec, *, relative_to: Path | None = None) -> str:
    """Modelfile text; FROM is relative to `relative_to` (the Modelfile's folder) when possible."""
    source = str(spec.gguf.resolve())
    if relative_to is not None:
        try:
            source = "./" + spec.gguf.resolve().relative_to(relative_to.resolve()).as_posix()
        except ValueError:
            pass  # not below the Modelfile's folder: keep the absolute path
    lines = [f"FROM {source}"]
    lines.append(f'TEMPLATE """{spec.template}"""')
    if spec.system:
        lines.append(f'SYSTEM """{spec.system}"""')
    lines.extend(f'PARAMETER stop "{_quote(stop)}"' for stop in spec.stops)
    lines.append(f"PARAMETER temperature {spec.temperature:g}")
    lines.append(f"PARAMETER num_ctx {spec.num_ctx}")
    return "\n".join(lines) + "\n"


def write_modelfile(spec: ModelfileSpec, out_path: str | Path) -> Path:
    """Write the Modelfile next to (or anywhere relative to) the GGUF it names."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_modelfile(spec, relative_to=out_path.parent), encoding="utf-8")
    return out_path


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))
