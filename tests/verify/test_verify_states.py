"""Input-state generation: edge values first, deterministic for a seed, background shared and seeded."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.verify import build_input, edge_cases, parse_spec
from harness.verify.cases import plan_for, run_plan
from harness.verify.states import generated_cases

SPEC = {"inputs": {"X": [0, 15], "$7E0E20": [0, 255], "A": [0, 0xFFFF]}, "cases": 40, "seed": 3}


def test_edge_values_come_first():
    spec = parse_spec(SPEC)
    edges = edge_cases(spec)
    # inputs are in sorted key order: $7E0E20, A, X
    a_values = [case.values[1] for case in edges]
    assert a_values[:2] == [0, 0xFFFF]
    for value in (0x01, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000):
        assert value in a_values
    byte_values = {case.values[0] for case in edges}
    assert {0, 1, 0x7F, 0x80, 0xFF} <= byte_values


def test_page_crossing_index_from_reference_operands():
    spec = parse_spec({"inputs": {"X": [0, 0x7F]}, "cases": 64})
    # LDA $0EF8,X crosses into page $0F from X = 8 on
    assert 8 in [case.values[0] for case in edge_cases(spec, [0x0EF8])]
    assert 8 not in [case.values[0] for case in edge_cases(spec, [])]


def test_edge_cases_capped_at_half_the_cases():
    spec = parse_spec({**SPEC, "cases": 4})
    assert len(edge_cases(spec)) == 2


def _collect(raw):
    plan_for.cache_clear()
    spec = parse_spec(raw)
    seen = []
    failure, count, _ = run_plan(spec, plan_for(spec), lambda case: seen.append(case))
    return seen, failure, count


def test_plan_is_deterministic_and_runs_the_requested_cases(tmp_path, monkeypatch):
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path))
    first, failure, count = _collect(SPEC)
    second, _, _ = _collect(SPEC)
    assert failure is None and count == 40 == len(first)
    assert first == second
    other, _, _ = _collect({**SPEC, "seed": 4})
    assert other[len(edge_cases(parse_spec(SPEC))) :] != first[len(edge_cases(parse_spec(SPEC))) :]


def test_plan_is_deterministic_across_processes(tmp_path):
    code = (
        "from harness.verify.cases import plan_for\n"
        "from harness.verify import parse_spec\n"
        f"print(plan_for(parse_spec({SPEC!r})))\n"
    )
    outputs = set()
    for name in ("a", "b"):  # separate caches: both processes generate the plan themselves
        env = {**__import__("os").environ, "ASM65816_CACHE": str(tmp_path / name)}
        outputs.add(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
    assert len(outputs) == 1


def test_failure_is_shrunk_deterministically():
    spec = parse_spec({"inputs": {"X": [0, 15], "$7E0E20": [0, 255]}, "cases": 64, "seed": 3})

    def evaluate(case):
        # values in sorted key order: ($7E0E20, X)
        return ("fail", case) if case.values[1] > 3 and case.values[0] > 100 else None

    failure, count, case = run_plan(spec, plan_for(spec), evaluate)
    assert failure[1].values == (101, 4) == case.values
    assert count >= 1
    assert run_plan(spec, plan_for(spec), evaluate) == (failure, count, case)


def test_build_input_applies_inputs_over_seeded_background():
    spec = parse_spec(
        {
            "mode": {"m": 1, "x": 1, "DBR": "$7E"},
            "inputs": {
                "A.lo": {"values": [0x42]},
                "flag:C": {"values": [1]},
                "$7E0E50:w": {"values": [0xBEEF]},
                "X": {"values": [3]},
            },
        }
    )
    case = edge_cases(spec)[0]
    state = build_input(spec, case)
    assert state.a & 0xFF == 0x42 and state.p & 0x01 == 1 and state.x == 3
    assert state.wram[0x0E50] == 0xEF and state.wram[0x0E51] == 0xBE
    assert state.p & 0x30 == 0x30 and state.p & 0x04 and not state.p & 0x08  # m x set, I set, D clear
    assert state.y <= 0xFF  # x=1: index high byte zero
    assert (state.s, state.d, state.dbr, state.e) == (0x01FF, 0, 0x7E, 0)
    assert build_input(spec, case) == state  # same case, same state
    other = build_input(spec, type(case)(case.values, case.background + 1))
    assert other.wram != state.wram


def test_plan_ignores_constants_of_imported_local_modules(tmp_path, monkeypatch):
    # hypothesis mixes literals of loaded local modules into ~5% of integer draws; plans must not
    # depend on which modules happen to be imported. Many word inputs make such draws certain.
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path / "cache"))
    words = {"inputs": {f"$7E{0x100 + 2 * i:04X}:w": [0, 0xFFFF] for i in range(16)}, "cases": 40, "seed": 9}
    before = generated_cases(parse_spec(words), 20)
    module = tmp_path / "verify_constants_probe.py"
    module.write_text("VALUES = [" + ", ".join(str(n) for n in range(100, 1100)) + "]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    importlib.import_module("verify_constants_probe")
    assert generated_cases(parse_spec(words), 20) == before


@settings(max_examples=3, deadline=None)  # no nested_given suppression: our generation must not need it
@given(st.integers(0, 3))
def test_plan_is_made_inside_a_users_given_test(seed):
    spec = parse_spec({**SPEC, "seed": seed})
    assert len(generated_cases(spec, 20)) == 20


def test_a_failure_is_never_lost_when_shrinking_cannot_reproduce_it():
    spec = parse_spec(SPEC)
    calls = []

    def evaluate(case):  # fails once (the 30th case), then never again: shrinking cannot reproduce it
        calls.append(case)
        return "flaky" if len(calls) == 30 else None

    failure, count, _ = run_plan(spec, plan_for(spec), evaluate)
    assert failure == "flaky" and count == 30


# The state a case means is part of the data: frozen case plans and the reference runs recorded at
# build are only valid while build_input turns a case into exactly the same machine state. These
# fingerprints were taken with the 2.0.0 implementation (inputs in WRAM, a WRAM word, SRAM, a flag,
# A.lo, VRAM and CGRAM cells); a change that moves them moves every score.
STATE_SPEC = {
    "inputs": {
        "A.lo": [0, 255],
        "flag:C": [0, 1],
        "$7E0100..$7E0103": [0, 255],
        "$7E2000:w": [0, 65535],
        "vram:$0010": [0, 255],
        "cgram:$0003": [0, 127],
        "$700000": [0, 255],
    },
    "outputs": ["A.lo"],
    "seed": 7,
}
STATE_FINGERPRINTS = {
    0: "53adc5c3a79daf7737986e1b00bd7ad8e06486780dec48d3761410e47e633ae7",
    0xDEADBEEF: "c2bb8d82726e1413a8d13228a4413ec4f1016a661cfc4bcfd5ae8055bf29bb61",
    4_000_000_000: "a93fd89fbdfc58b10864601e648db301b25e92d3ca2320ba09dfef5eb508a737",
}


def _state_fingerprint(machine_input) -> str:
    import hashlib
    import json

    digest = hashlib.sha256()
    registers = [machine_input.a, machine_input.x, machine_input.y, machine_input.s, machine_input.d]
    registers += [machine_input.dbr, machine_input.p, machine_input.e, machine_input.hv_phase]
    registers += [machine_input.caller_seed]
    pokes, ports = sorted(machine_input.pokes.items()), sorted(machine_input.ports.items())
    digest.update(json.dumps([*registers, pokes, ports]).encode())
    digest.update(bytes(machine_input.wram) + bytes(machine_input.dma_regs))
    for space in sorted(machine_input.spaces):
        digest.update(space.encode() + bytes(machine_input.spaces[space]))
    return digest.hexdigest()


def test_a_case_means_the_same_machine_state_in_every_version():
    from harness.verify.states import Case

    spec = parse_spec(STATE_SPEC)
    values = tuple(range(1, len(spec.inputs) + 1))
    for background, expected in STATE_FINGERPRINTS.items():
        assert _state_fingerprint(build_input(spec, Case(values, background))) == expected


def test_memories_no_input_patches_are_views_of_the_noise_and_immutable():
    """An unpatched memory costs no copy until a machine loads it, and nobody can write through it."""
    from harness.verify.states import Case

    spec = parse_spec({"inputs": {"A.lo": [0, 255]}, "outputs": ["A.lo"]})
    state = build_input(spec, Case((5,), 99))
    for memory in (state.wram, state.spaces["vram"], state.spaces["oam"]):
        assert isinstance(memory, memoryview) and memory.readonly
    patched = build_input(parse_spec(STATE_SPEC), Case(tuple(range(1, 11)), 99))
    assert patched.wram[0x100:0x104] == bytes([2, 3, 4, 5]) and type(patched.wram) is bytes
