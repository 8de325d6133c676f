"""Source tags name the generator and seed a task came from; one parser serves builder, validator, stats."""

from __future__ import annotations

from harness.suite.families import kernel_of, parse_source_tag, source_tag


def test_a_tag_round_trips() -> None:
    assert parse_source_tag(source_tag("kernel.sprite_damage", 127000)) == ("kernel.sprite_damage", 127000)
    assert parse_source_tag(source_tag("snippets.width", 3)) == ("snippets.width", 3)


def test_hand_written_and_malformed_sources_have_no_tag() -> None:
    assert parse_source_tag("hand-written") is None
    assert parse_source_tag("generated:kernel.x") is None
    assert parse_source_tag(None) is None


def test_kernel_of_names_kernels_only() -> None:
    assert kernel_of({"source": "generated:kernel.sprite_damage@5"}) == "sprite_damage"
    assert kernel_of({"source": "generated:snippets.width@5"}) is None
    assert kernel_of({}) is None
