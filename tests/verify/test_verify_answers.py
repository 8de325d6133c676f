"""Parsing predicted machine states (trace answers) in the forms models write."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.verify import parse_location, parse_state_answer, parse_value


def _locs(*texts):
    return [parse_location(t)[0] for t in texts]


def test_forms_from_the_issue():
    text = "After the code: A=$1234, X: 0x0010, C=1"
    assert parse_state_answer(text, _locs("A", "X", "flag:C")) == {"A": 0x1234, "X": 0x10, "flag:C": 1}


def test_json_answer():
    text = 'Final state: {"A": "$0010", "X": 16, "flag:C": 0, "$7E0010": "0x05"}'
    got = parse_state_answer(text, _locs("A", "X", "flag:C", "$7E0010"))
    assert got == {"A": 0x10, "X": 16, "flag:C": 0, "$7E0010": 5}


def test_last_mention_wins():
    text = "First X = $0000. After TAX, X = $0010."
    assert parse_state_answer(text, _locs("X")) == {"X": 0x10}


def test_carry_is_not_the_accumulator_and_flag_x_is_not_register_x():
    text = "A = $10, C = 1, x = 0 so X = $0010"
    got = parse_state_answer(text, _locs("A", "flag:C", "X", "flag:x"))
    assert got == {"A": 0x10, "flag:C": 1, "X": 0x10, "flag:x": 0}


def test_memory_spellings():
    locs = _locs("$7E0E50")
    assert parse_state_answer("$0E50 = #$12", locs) == {"$7E0E50": 0x12}
    assert parse_state_answer("$7E:0E50 -> $13", locs) == {"$7E0E50": 0x13}


def test_missing_locations_are_absent():
    assert parse_state_answer("nothing here", _locs("A")) == {}


def test_values():
    assert parse_value("$1F") == 0x1F and parse_value("#$10") == 0x10 and parse_value("0x10") == 16
    assert parse_value("%101") == 5 and parse_value("10h") == 16 and parse_value("12") == 12
    assert parse_value(True) == 1 and parse_value("zz") is None and parse_value(-1) is None


@given(st.text(max_size=300))
def test_never_raises(text):
    got = parse_state_answer(text, _locs("A", "X", "flag:C", "$7E0010:w"))
    assert all(isinstance(v, int) and v >= 0 for v in got.values())
