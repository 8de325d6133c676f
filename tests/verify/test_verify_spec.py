"""Spec parsing: every location spelling, domain form and mode default; errors name the field."""

from __future__ import annotations

import pytest

from harness.errors import SpecError
from harness.verify import LocationKind, parse_location, parse_spec


def test_defaults_match_design():
    spec = parse_spec({})
    assert (spec.mode.e, spec.mode.m, spec.mode.x) == (0, 1, 1)
    assert (spec.mode.D, spec.mode.DBR, spec.mode.S) == (0x0000, 0x00, 0x01FF)
    assert spec.cases == 64 and spec.seed == 0
    assert spec.inputs == () and spec.outputs == ()


def test_design_example_parses():
    spec = parse_spec(
        {
            "mode": {"e": 0, "m": 1, "x": 0, "D": "$0000", "DBR": "$7E"},
            "inputs": {"A": [0, 255], "X": {"values": [0, 2, 4]}, "$7E0E50": [0, 255]},
            "outputs": ["A", "flag:C", "$7E0E50", "$7E0DD0..$7E0DDF"],
            "preserve": ["X", "Y", "D", "DBR", "flag:m", "flag:x"],
            "writable": ["$7E0000..$7E000F"],
            "cases": 64,
            "seed": 0,
        }
    )
    assert spec.mode.DBR == 0x7E and spec.mode.x == 0
    assert [loc.text for loc, _ in spec.inputs] == ["$7E0E50", "A", "X"]  # sorted key order
    assert spec.inputs[2][1].values == (0, 2, 4)
    assert len(spec.outputs) == 3 + 16
    assert spec.outputs[3].text == "$7E0DD0" and spec.outputs[-1].text == "$7E0DDF"
    assert 0x7E000F in spec.writable_addresses and 0x7E0E50 in spec.writable_addresses


@pytest.mark.parametrize(
    ("text", "kind", "width"),
    [
        ("A", LocationKind.REGISTER, 16),
        ("A.lo", LocationKind.REGISTER, 8),
        ("X", LocationKind.REGISTER, 16),
        ("S", LocationKind.REGISTER, 16),
        ("DBR", LocationKind.REGISTER, 8),
        ("PBR", LocationKind.REGISTER, 8),
        ("flag:C", LocationKind.FLAG, 1),
        ("flag:m", LocationKind.FLAG, 1),
        ("flag:e", LocationKind.FLAG, 1),
        ("$7E0E50", LocationKind.BYTE, 8),
        ("$7E0E50:w", LocationKind.WORD, 16),
    ],
)
def test_location_kinds(text, kind, width):
    (location,) = parse_location(text)
    assert location.kind is kind and location.width == width


def test_low_mirror_is_canonicalised():
    # $0E50 in bank $00 is WRAM $7E:0E50: one cell, one spelling in reports
    assert parse_location("$0E50")[0].text == "$7E0E50"
    assert parse_location("$800010")[0].text == "$7E0010"
    assert parse_location("$7F0010")[0].text == "$7F0010"
    assert parse_location("$7E1FFF:w")[0].addresses == (0x7E1FFF, 0x7E2000)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"inputs": {"Q": [0, 1]}}, "spec.inputs['Q']"),
        ({"inputs": {"A": [5, 1]}}, "spec.inputs['A']"),
        ({"inputs": {"$7E0010": [0, 256]}}, "spec.inputs['$7E0010'][1]"),
        ({"inputs": {"X": [0, 0x1FF]}}, "spec.inputs['X'][1]"),  # x=1: 8-bit index
        ({"inputs": {"flag:m": [0, 1]}}, "spec.inputs['flag:m']"),
        ({"inputs": {"S": [0, 1]}}, "spec.inputs['S']"),
        ({"inputs": {"A": {"vals": [1]}}}, "spec.inputs['A']"),
        ({"outputs": "A"}, "spec.outputs"),
        ({"outputs": ["flag:c"]}, "spec.outputs[0]"),
        ({"outputs": ["$7E0010..$7E0000"]}, "spec.outputs[0]"),
        ({"writable": ["A"]}, "spec.writable"),
        ({"mode": {"e": 1, "m": 0}}, "spec.mode"),
        ({"mode": {"DBR": "$100"}}, "spec.mode.DBR"),
        ({"mode": {"q": 1}}, "spec.mode"),
        ({"cases": 0}, "spec.cases"),
        ({"seed": -1}, "spec.seed"),
        ({"output": []}, "spec: unknown key"),
        ({"inputs": {"A": [0, 1], "A.lo": [0, 1]}}, "spec.inputs"),
        ({"inputs": {"$7E0010:w": [0, 1], "$7E0011": [0, 1]}}, "spec.inputs"),
    ],
)
def test_errors_name_the_field(raw, field):
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    assert field in str(info.value)


def test_not_an_object():
    with pytest.raises(SpecError, match="spec: expected an object"):
        parse_spec(["A"])


def test_sixteen_bit_index_domain_with_x0():
    spec = parse_spec({"mode": {"x": 0}, "inputs": {"X": [0, 0xFFFF]}})
    assert spec.inputs[0][1].hi == 0xFFFF


def test_spec_is_hashable_for_caching():
    raw = {"inputs": {"X": {"values": [1, 2]}}, "outputs": ["A"]}
    assert hash(parse_spec(raw)) == hash(parse_spec(raw))


def test_input_order_does_not_depend_on_key_order():
    # Generated cases follow spec.inputs; a re-serialised document must give the same cases.
    forward = parse_spec({"inputs": {"X": [0, 15], "A": [0, 255], "$7E0010": [0, 3]}, "outputs": ["A"]})
    backward = parse_spec({"inputs": {"$7E0010": [0, 3], "A": [0, 255], "X": [0, 15]}, "outputs": ["A"]})
    assert forward.inputs == backward.inputs


def test_equal_specs_are_one_object_and_pickle_without_their_cached_hash():
    """Per-case caches are keyed by the spec: parsing a task's spec again (each completion of a task)
    must give the object they were stored under, and a pickled spec must not carry a hash from
    another process (str hashes differ between processes)."""
    import pickle

    raw = {"inputs": {"A.lo": [0, 255], "$7E0010": [0, 9]}, "outputs": ["A.lo"], "seed": 4}
    first, again = parse_spec(raw), parse_spec(dict(raw))
    assert first is again
    assert hash(first) == hash(again)
    assert "_hash" not in pickle.loads(pickle.dumps(first)).__dict__
    assert pickle.loads(pickle.dumps(first)) == first
    assert parse_spec({**raw, "seed": 5}) != first
