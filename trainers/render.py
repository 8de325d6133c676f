"""One prompt renderer for training and evaluation (import it from both sides).

The user's old trainer glued a hand-built ChatML string together and evaluated with different prompts.
Here every prompt goes through the tokenizer's own chat template, with the same messages on both sides:

* training: `tokenize_example` renders the prompt turns with `add_generation_prompt=True`, renders the
  full conversation, and takes the completion as the text after the prompt. Prompt tokens and completion
  tokens are tokenized separately and concatenated, so the prompt tokens are exactly what an evaluator
  feeds the model; only completion tokens carry loss (labels -100 elsewhere).
* evaluation: `chat_prompt(tokenizer, task_prompt)` gives the string lm-eval's HF backend builds with
  `apply_chat_template=True` (a single user turn, optional system turn first), for backends that render
  prompts themselves (llama-cpp, vLLM).

`prompt_format="task"` (the default) frames the answered user turn exactly as the asm65816 lm-eval
tasks frame a task prompt (`harness.lmeval.glue.doc_to_text`: `### Task` ... `### Answer`), so a
training sample and an eval task with the same prompt become the same tokens; `"plain"` keeps the
user text as is (for data in another framing). `thinking` (optional reasoning) is rendered inline
before the answer as `<think>...</think>` because most chat templates have no slot for it;
`thinking="drop"` leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from harness.errors import HarnessError
from harness.trainers.schema import Sample, user_content

__all__ = [
    "IGNORE_INDEX",
    "RenderError",
    "RenderedExample",
    "TokenizedExample",
    "chat_prompt",
    "frame_prompt",
    "render_example",
    "render_messages",
    "sample_messages",
    "task_messages",
    "tokenize_example",
    "user_content",
]

IGNORE_INDEX = -100
ThinkingMode = Literal["inline", "drop"]
PromptFormat = Literal["task", "plain"]


class RenderError(HarnessError):
    """The tokenizer cannot render the sample (no chat template, or the prompt is not a prefix)."""


@dataclass(frozen=True)
class RenderedExample:
    prompt: str
    completion: str


@dataclass(frozen=True)
class TokenizedExample:
    input_ids: list[int]
    labels: list[int]

    @property
    def completion_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


def task_messages(prompt: str, system: str | None = None) -> list[dict[str, str]]:
    """The messages an eval task prompt becomes: what lm-eval builds with `--apply_chat_template`."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return messages


def frame_prompt(text: str, prompt_format: PromptFormat = "task") -> str:
    """The user text as the eval tasks show it (`task`) or unchanged (`plain`)."""
    if prompt_format == "plain":
        return text
    from harness.lmeval.glue import doc_to_text

    return doc_to_text({"prompt": text})


def sample_messages(
    sample: Sample, *, thinking: ThinkingMode = "inline", prompt_format: PromptFormat = "task"
) -> list[dict[str, str]]:
    """The chat messages of a sample: the answered user turn framed like eval prompts, `thinking`
    folded into the completion when asked."""
    messages = sample.message_dicts()
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    messages[last_user] = {
        "role": "user",
        "content": frame_prompt(messages[last_user]["content"], prompt_format),
    }
    if sample.thinking and thinking == "inline":
        messages[-1] = {
            "role": "assistant",
            "content": f"<think>\n{sample.thinking.strip()}\n</think>\n\n{sample.completion}",
        }
    return messages


def _apply(tokenizer: Any, messages: Sequence[Mapping[str, str]], *, generation_prompt: bool) -> str:
    if not getattr(tokenizer, "chat_template", None):
        raise RenderError(
            f"tokenizer {type(tokenizer).__name__} has no chat_template; use an instruct model's tokenizer "
            "or set one (tokenizer.chat_template = ...) before training or evaluating"
        )
    text = tokenizer.apply_chat_template(
        list(messages), tokenize=False, add_generation_prompt=generation_prompt
    )
    if not isinstance(text, str):
        raise RenderError(f"apply_chat_template returned {type(text).__name__}, expected str")
    return text


def chat_prompt(tokenizer: Any, prompt: str, system: str | None = None) -> str:
    """Render an eval prompt exactly like training prompts (generation prompt appended)."""
    return _apply(tokenizer, task_messages(prompt, system), generation_prompt=True)


def render_messages(tokenizer: Any, messages: Sequence[Mapping[str, str]]) -> RenderedExample:
    """Split a conversation into the rendered prompt (up to the generation prompt) and the completion text."""
    if not messages or messages[-1].get("role") != "assistant":
        raise RenderError("the last message must be the assistant's completion")
    prompt = _apply(tokenizer, messages[:-1], generation_prompt=True)
    full = _apply(tokenizer, messages, generation_prompt=False)
    if not full.startswith(prompt):
        raise RenderError(
            "the chat template does not render the prompt as a prefix of the full conversation "
            "(it rewrites earlier turns); completion-only loss needs a prefix-stable template"
        )
    completion = full[len(prompt) :]
    if not completion.strip():
        raise RenderError("the rendered completion is empty")
    return RenderedExample(prompt, completion)


def render_example(
    tokenizer: Any, sample: Sample, *, thinking: ThinkingMode = "inline", prompt_format: PromptFormat = "task"
) -> RenderedExample:
    return render_messages(tokenizer, sample_messages(sample, thinking=thinking, prompt_format=prompt_format))


def tokenize_example(
    tokenizer: Any, rendered: RenderedExample, *, max_length: int | None = None
) -> TokenizedExample:
    """Prompt ids + completion ids, labels masked to the completion. Truncation keeps the prompt start."""
    prompt_ids = list(tokenizer(rendered.prompt, add_special_tokens=False)["input_ids"])
    completion_ids = list(tokenizer(rendered.completion, add_special_tokens=False)["input_ids"])
    input_ids = prompt_ids + completion_ids
    labels = [IGNORE_INDEX] * len(prompt_ids) + completion_ids
    if max_length is not None:
        input_ids, labels = input_ids[:max_length], labels[:max_length]
    return TokenizedExample(input_ids, labels)
