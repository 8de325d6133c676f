"""The training-sample schema and its loader: one place that says what a sample is.

A source is a JSONL file, one sample per line, in either of two shapes:

* **instruction form** (the user's datasets)::

    {"id": "opt-1", "instruction": "Optimize this routine", "input": "```asm\\n...```",
     "output": "...", "thinking": "optional reasoning", "metadata": {"origin": "..."}}

  `instruction` and `output` are required non-empty strings; `input`, `thinking` (strings) and
  `metadata` (an object) are optional. The user turn is `instruction`, followed by a blank line and
  `input` when `input` is not empty (`user_content`).

* **chat form**::

    {"id": "c-1", "messages": [{"role": "system", "content": "..."},
                               {"role": "user", "content": "..."},
                               {"role": "assistant", "content": "..."}], "metadata": {...}}

  Roles are `system`, `user`, `assistant`; the last message must be the assistant's: it is the
  completion (the only tokens that carry loss), earlier turns are the prompt.

`id` is optional (the loader names a sample `<source>:<line>` when it is missing). Anything else on a
line is kept in `extra` and written back unchanged by the mix builder. Lines that are not JSON, or do not
fit the schema, are reported as `ParseIssue`s with their line number; they never reach training.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harness.core.jsonl import JsonlLine, iter_jsonl
from harness.errors import HarnessError

__all__ = [
    "ROLES",
    "LoadedSource",
    "Message",
    "ParseIssue",
    "ParseIssueKind",
    "Sample",
    "SchemaError",
    "load_source",
    "parse_line",
    "samples_to_dataset",
    "user_content",
]

ROLES = ("system", "user", "assistant")
_INSTRUCTION_KEYS = frozenset({"id", "instruction", "input", "output", "thinking", "metadata"})
_CHAT_KEYS = frozenset({"id", "messages", "thinking", "metadata"})


class SchemaError(HarnessError):
    """A sample does not fit the schema; the message names the field and the fix."""


class ParseIssueKind(str, Enum):
    """Why a line did not become a sample (closed set)."""

    JSON = "json"  # the line is not valid JSON
    SCHEMA = "schema"  # valid JSON that does not fit the sample schema


@dataclass(frozen=True)
class ParseIssue:
    """One rejected line: where, what kind, and the message."""

    source: str
    line: int
    kind: ParseIssueKind
    message: str


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Sample:
    """One validated sample, normalised to chat messages (the last one is the assistant's completion)."""

    id: str
    source: str
    line: int
    messages: tuple[Message, ...]
    thinking: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)  # the line as parsed, for writing back

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))
        object.__setattr__(self, "raw", MappingProxyType(dict(self.raw)))

    @property
    def prompt_messages(self) -> tuple[Message, ...]:
        return self.messages[:-1]

    @property
    def completion(self) -> str:
        return self.messages[-1].content

    @property
    def prompt_text(self) -> str:
        """All prompt turns joined (for QA statistics and contamination checks, not for training)."""
        return "\n\n".join(m.content for m in self.prompt_messages)

    def message_dicts(self) -> list[dict[str, str]]:
        return [m.to_dict() for m in self.messages]

    def to_record(self) -> dict[str, Any]:
        """The sample as written to a mix: the original fields plus `id` and `source`."""
        record = dict(self.raw)
        record["id"] = self.id
        record["source"] = self.source
        return record


@dataclass(frozen=True)
class LoadedSource:
    """A source file after parsing: good samples, rejected lines, and the file's line count."""

    name: str
    path: Path
    samples: tuple[Sample, ...]
    issues: tuple[ParseIssue, ...]
    lines: int


def user_content(instruction: str, input_text: str = "") -> str:
    """The user turn of an instruction-form sample. Shared with eval prompts via `harness.trainers.render`."""
    instruction = instruction.strip()
    input_text = (input_text or "").strip()
    return f"{instruction}\n\n{input_text}" if input_text else instruction


def _require_str(obj: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise SchemaError(f"field {key!r} is missing; instruction-form samples need {key!r} (a string)")
        return None
    if not isinstance(value, str):
        raise SchemaError(f"field {key!r} must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise SchemaError(f"field {key!r} is empty; give it text or drop the sample")
    return value


def _messages_from_chat(raw: Sequence[Any]) -> tuple[Message, ...]:
    if not isinstance(raw, list) or not raw:
        raise SchemaError("field 'messages' must be a non-empty list of {role, content} objects")
    messages: list[Message] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("content"), str):
            raise SchemaError(f"messages[{index}] must be an object with a string 'content'")
        role = item.get("role")
        if role not in ROLES:
            raise SchemaError(f"messages[{index}].role is {role!r}; use one of {', '.join(ROLES)}")
        messages.append(Message(role, item["content"]))
    if messages[-1].role != "assistant" or not messages[-1].content.strip():
        raise SchemaError("the last message must be a non-empty 'assistant' turn (the completion)")
    if not any(m.role == "user" for m in messages):
        raise SchemaError("'messages' has no 'user' turn; a sample needs a prompt")
    return tuple(messages)


def _sample_from_obj(obj: Any, source: str, line: int) -> Sample:
    if not isinstance(obj, Mapping):
        raise SchemaError(f"a sample must be a JSON object, got {type(obj).__name__}")
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise SchemaError("field 'metadata' must be an object")
    thinking = _require_str(obj, "thinking", required=False)
    if "messages" in obj:
        if "instruction" in obj or "output" in obj:
            raise SchemaError("a sample has either 'messages' or 'instruction'/'output', not both")
        messages = _messages_from_chat(obj["messages"])
    else:
        instruction = _require_str(obj, "instruction", required=True)
        input_text = _require_str(obj, "input", required=False) or ""
        output = _require_str(obj, "output", required=True)
        messages = (
            Message("user", user_content(instruction or "", input_text)),
            Message("assistant", output or ""),
        )
    sample_id = obj.get("id")
    if sample_id is not None and not isinstance(sample_id, (str, int)):
        raise SchemaError("field 'id' must be a string or an integer")
    return Sample(
        id=str(sample_id) if sample_id is not None else f"{source}:{line}",
        source=source,
        line=line,
        messages=messages,
        thinking=thinking if thinking and thinking.strip() else None,
        metadata=metadata,
        raw=obj,
    )


def parse_line(text: str, *, source: str, line: int) -> Sample | ParseIssue:
    """Parse one JSONL line into a `Sample`, or say why not (never raises on bad data)."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as error:
        message = error.msg.removesuffix(" at")  # "Invalid control character at" + " at column 5"
        return ParseIssue(
            source, line, ParseIssueKind.JSON, f"not valid JSON ({message} at column {error.colno})"
        )
    return _sample_or_issue(obj, source, line)


def _sample_or_issue(obj: Any, source: str, line: int) -> Sample | ParseIssue:
    try:
        return _sample_from_obj(obj, source, line)
    except SchemaError as error:
        return ParseIssue(source, line, ParseIssueKind.SCHEMA, str(error))


def _from_jsonl(line: JsonlLine, source: str) -> Sample | ParseIssue:
    """A line from the shared JSONL reader: decoded objects are checked against the schema; lines that
    did not decode are JSON issues, and JSON that is not an object is a schema issue (as `parse_line`)."""
    if line.value is not None:
        return _sample_or_issue(line.value, source, line.number)
    problem = line.problem or "unreadable line"
    kind = ParseIssueKind.JSON if problem.startswith("not valid") else ParseIssueKind.SCHEMA
    return ParseIssue(source, line.number, kind, problem)


def _line_count(path: Path) -> int:
    """Physical lines, blank ones included (the QA report's `lines` column)."""
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def load_source(path: str | Path, name: str | None = None) -> LoadedSource:
    """Read a JSONL source with the one JSONL reader (`harness.core.jsonl`): blank lines are skipped;
    every other line is a sample or a `ParseIssue` naming its line (bad UTF-8 included)."""
    path = Path(path)
    if not path.is_file():
        raise HarnessError(f"source file not found: {path}")
    name = name or path.stem
    samples: list[Sample] = []
    issues: list[ParseIssue] = []
    for line in iter_jsonl(path, "source"):
        parsed = _from_jsonl(line, name)
        if isinstance(parsed, Sample):
            samples.append(parsed)
        else:
            issues.append(parsed)
    return LoadedSource(name, path, tuple(samples), tuple(issues), _line_count(path))


def samples_to_dataset(samples: Iterable[Sample]):  # -> datasets.Dataset
    """A `datasets.Dataset` with columns id, source, messages (list of {role, content}), thinking, metadata (JSON)."""
    import datasets

    rows = [
        {
            "id": s.id,
            "source": s.source,
            "messages": s.message_dicts(),
            "thinking": s.thinking or "",
            "metadata": json.dumps(dict(s.metadata), sort_keys=True, ensure_ascii=False),
        }
        for s in samples
    ]
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "source": datasets.Value("string"),
            "messages": datasets.List(
                {"role": datasets.Value("string"), "content": datasets.Value("string")}
            ),
            "thinking": datasets.Value("string"),
            "metadata": datasets.Value("string"),
        }
    )
    return datasets.Dataset.from_list(rows, features=features)
