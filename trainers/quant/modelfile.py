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

_PROBE: tuple[dict[str, str], ...] = (
    {"role": "system", "content": "SYSTEM-TEXT"},
    {"role": "user", "content": "USER-TEXT"},
    {"role": "assistant", "content": "ASSISTANT-TEXT"},
    {"role": "user", "content": "USER-TWO"},
)


@dataclass(frozen=True)
class ChatFamily:
    """A chat format, stated twice: as Python format strings (to compare with the Jinja rendering)
    and as the equivalent Ollama Go template. `prefix` is text the Jinja side writes before the
    first turn that llama.cpp/Ollama add themselves (BOS), so the Go template omits it."""

    name: str
    prefix: str
    turn: str  # format string with {role} and {content}
    generation_prompt: str
    go_template: str
    stops: tuple[str, ...]

    def render(self, messages: Sequence[dict[str, str]]) -> str:
        turns = "".join(self.turn.format(role=m["role"], content=m["content"]) for m in messages)
        return self.prefix + turns + self.generation_prompt

    def default_system(self, rendered: str, messages: Sequence[dict[str, str]]) -> str | None:
        """The system text a template inserts when the conversation has none (None if it adds none).

        Raises HarnessError when `rendered` is not this family's rendering of `messages` with or
        without one inserted system turn.
        """
        if rendered == self.render(messages):
            return None
        head, _, tail = self.turn.partition("{content}")
        opening = self.prefix + head.format(role="system")
        closing = tail.format(role="system")
        if rendered.startswith(opening) and closing in rendered[len(opening) :]:
            system = rendered[len(opening) :].split(closing, 1)[0]
            if rendered == self.render([{"role": "system", "content": system}, *messages]):
                return system
        raise HarnessError(f"chat template renders a conversation without a system turn unlike {self.name}")


CHATML = ChatFamily(
    name="chatml",
    prefix="",
    turn="<|im_start|>{role}\n{content}<|im_end|>\n",
    generation_prompt="<|im_start|>assistant\n",
    go_template=(
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n"
    ),
    stops=("<|im_end|>", "<|im_start|>"),
)
LLAMA3 = ChatFamily(
    name="llama3",
    prefix="<|begin_of_text|>",
    turn="<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>",
    generation_prompt="<|start_header_id|>assistant<|end_header_id|>\n\n",
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


def render_jinja(
    template: str, messages: Sequence[dict[str, str]] = _PROBE, bos_token: str = "", eos_token: str = ""
) -> str:
    """Render `template` on `messages` (with a generation prompt) as transformers/llama-cpp-python do."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise HarnessError(f"chat template raised: {message}")

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    try:
        return env.from_string(template).render(
            messages=list(messages),
            add_generation_prompt=True,
            bos_token=bos_token,
            eos_token=eos_token,
            raise_exception=raise_exception,
        )
    except TemplateError as error:
        raise HarnessError(f"chat template does not render: {error}") from error


def detect_chat_family(
    template: str, bos_token: str = "", eos_token: str = ""
) -> tuple[ChatFamily, str | None] | None:
    """The known family whose rendering equals this template's, with the system text the template
    inserts when a conversation has none (Ollama's SYSTEM); None when no family matches."""
    rendered = render_jinja(template, _PROBE, bos_token, eos_token)
    without_system = _PROBE[1:]
    for family in FAMILIES:
        if rendered == family.render(_PROBE):
            plain = render_jinja(template, without_system, bos_token, eos_token)
            return family, family.default_system(plain, without_system)
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
    found = detect_chat_family(summary.chat_template, summary.bos_token or "", summary.eos_token or "")
    if found is None:
        raise HarnessError(
            "the GGUF's chat template matches no known family (chatml, llama3), so no Go template can be "
            "written that is known to render the same prompts; pass --template FILE"
        )
    family, default_system = found
    return ModelfileSpec(
        Path(gguf_path),
        family.go_template,
        _unique([*stops, *family.stops, *eos]),
        family.name,
        num_ctx,
        temperature,
        system if system is not None else default_system,
    )


def render_modelfile(spec: ModelfileSpec, *, relative_to: Path | None = None) -> str:
    """Modelfile text; FROM is relative to `relative_to` (the Modelfile's folder) when possible."""
    source = str(spec.gguf.absolute())
    if relative_to is not None:
        try:
            source = "./" + spec.gguf.absolute().relative_to(relative_to.absolute()).as_posix()
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
    if "\n" in text or "\r" in text:
        raise HarnessError(
            f"stop string {text!r} holds a line break, which a Modelfile PARAMETER cannot carry"
        )
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))
