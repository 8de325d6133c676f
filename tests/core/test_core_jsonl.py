"""The one JSONL reader: lines split on \\n only; every bad line named by file:line, never a traceback."""

import json

import pytest

from harness.core import iter_jsonl, read_jsonl
from harness.errors import TaskDataError


def test_raw_line_separators_inside_strings_are_data_not_line_breaks(tmp_path):
    # json.dumps(ensure_ascii=False) leaves U+2028, U+0085 and U+000C raw; str.splitlines() would split there.
    rows = [{"id": "a", "completion": "x\u2028y\u0085z\x0cw\u2029"}, {"id": "b", "completion": "ok"}]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert read_jsonl(path) == rows


def test_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"id": "a"}\r\n\r\n   \n{"id": "b"}')
    assert [row["id"] for row in read_jsonl(path)] == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "a"}\n{"id": "\xff\xfe"}\n', r"p\.jsonl:2: not valid UTF-8"),
        (b'{"id": "a"}\n{"id": \n', r"p\.jsonl:2: not valid JSON"),
        (b'{"id": "a"}\n[1, 2]\n', r"p\.jsonl:2: each line must be a JSON object, got list"),
        (b"[" * 100_000 + b"\n", r"p\.jsonl:1: not valid JSON"),
    ],
)
def test_bad_lines_are_named_by_file_and_line(tmp_path, content, message):
    path = tmp_path / "p.jsonl"
    path.write_bytes(content)
    with pytest.raises(TaskDataError, match=message):
        read_jsonl(path)


def test_iter_reports_every_bad_line_and_carries_on(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"id": 1}\nnot json\n{"id": 3}\n\xff\n')
    lines = list(iter_jsonl(path))
    assert [line.number for line in lines] == [1, 2, 3, 4]
    assert [line.problem is None for line in lines] == [True, False, True, False]


def test_missing_file(tmp_path):
    with pytest.raises(TaskDataError, match="does not exist"):
        read_jsonl(tmp_path / "nope.jsonl", "predictions")
