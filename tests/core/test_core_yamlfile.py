"""The one YAML reader behind configs, policies and mixes: every bad file is the caller's error type
naming the file, never a traceback."""

from __future__ import annotations

import pytest

from harness.core.yamlfile import read_yaml_mapping
from harness.errors import HarnessError


class MyError(HarnessError):
    pass


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not text", "not UTF-8 text"),
        (b"a: [unclosed\n", "not valid YAML"),
        (b"- just\n- a list\n", "top level must be a mapping, got list"),
    ],
)
def test_bad_files_are_the_callers_error_naming_the_file(tmp_path, content: bytes, message: str) -> None:
    path = tmp_path / "conf.yaml"
    path.write_bytes(content)
    with pytest.raises(MyError, match=message) as caught:
        read_yaml_mapping(path, MyError, "config file")
    assert str(path) in str(caught.value)


def test_missing_and_empty_files(tmp_path) -> None:
    with pytest.raises(MyError, match="does not exist"):
        read_yaml_mapping(tmp_path / "nope.yaml", MyError, "config file")
    (tmp_path / "empty.yaml").write_text("")
    assert read_yaml_mapping(tmp_path / "empty.yaml", MyError, "config file") == {}
    (tmp_path / "ok.yaml").write_text("model: {path: m}\n")
    assert read_yaml_mapping(tmp_path / "ok.yaml", MyError, "config file") == {"model": {"path": "m"}}
