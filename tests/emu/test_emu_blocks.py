"""The compiled-block path (`harness.emu.blocks`) against the per-cycle path it must equal exactly.

What a user relies on: `Machine.run` and `Cpu.run` give the same stop, registers, CPU cycles, master
clocks, memory, write log, I/O log (with cycle numbers) and hardware state whether straight-line code
runs as compiled blocks or one bus call per cycle. Checked on the SingleStepTests vectors (every
opcode and width variant as a one-instruction block), on random programs (hypothesis) on the flat and
the SNES bus, and on the cases the block path handles specially (deopt at I/O, budget and stop inside
a block, self-modifying code, ROM pokes, FastROM, DMA).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from emu_asm import lorom
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.emu import CpuState, FlatBus, Machine, RecordingBus
from harness.emu import blocks as blocks_module
from harness.emu.bus import MemoryKind
from harness.emu.cpu import Cpu
from harness.emu.opcodes import OPCODES, Mode
from harness.emu.state import RunResult
from harness.emu.vectors import _state_of, disputed, load_vectors, vector_files

SETS = ("ci100", "dl0")
_NOT_BLOCKED = {"BRK", "COP", "WAI", "STP", "MVN", "MVP", "WDM"}


# -- vectors: every opcode and variant as a one-instruction block or thread -----------------------------


class _PagedRam:
    """16 MiB of RAM behind the SNES bus's paged interface (all pages plain, 8 clocks per access, 6 per
    internal cycle): the vectors' memory model, so their tests can drive the paged tiers too."""

    memory_kind = MemoryKind.PAGED
    page_bits = 9

    def __init__(self) -> None:
        self.mem = bytearray(0x1000000)
        bases = tuple(range(0, 0x1000000, 512))
        self.fast_tables = (bases, bases, (8,) * len(bases), 0)
        self.first_values: dict[int, int] = {}
        self.cycle = self.clocks = 0

    @property
    def ram(self) -> bytearray:
        return self.mem

    def code_index(self, address: int) -> int:
        return address

    def read(self, address: int) -> int:
        self.cycle += 1
        self.clocks += 8
        return self.mem[address]

    def write(self, address: int, value: int) -> None:
        self.cycle += 1
        self.clocks += 8
        self.mem[address] = value

    def idle(self, address: int) -> None:
        self.cycle += 1
        self.clocks += 6


def _blockable(test: dict) -> bool:
    initial = test["initial"]
    ram = dict(initial["ram"])
    op = OPCODES[ram[(initial["pbr"] << 16) | initial["pc"]]]
    return op.mnemonic not in _NOT_BLOCKED and not (op.mnemonic == "JSR" and op.mode is Mode.ABS_X_IND)


def _pushes_onto_its_own_code(test: dict) -> bool:
    """JSL pushing onto its own bank byte: ROM on a real bus, so paged blocks assume it cannot happen."""
    initial = test["initial"]
    ram = dict(initial["ram"])
    pc24 = (initial["pbr"] << 16) | initial["pc"]
    if ram[pc24] != 0x22:
        return False
    pushed = {(initial["s"] - i) & 0xFFFF for i in range(3)}
    return any((pc24 & 0xFF0000) == 0 and (initial["pc"] + i) & 0xFFFF in pushed for i in range(4))


def _run_vector(bus: FlatBus | _PagedRam, cpu: Cpu, test: dict, runs: int) -> str | None:
    """Run the test's instruction `runs` times; None if the last run ends in the vectors' final
    registers and RAM with their cycle count (and, on the paged bus, their master clocks)."""
    initial, final = test["initial"], test["final"]
    paged = isinstance(bus, _PagedRam)
    try:
        for _ in range(runs):
            for address, value in initial["ram"]:
                bus.ram[address] = value
            if paged:
                bus.cycle = bus.clocks = 0
                bus.first_values = {}
            cpu.state = _state_of(initial)
            outcome = cpu.run(max_instructions=1)
        got, want = cpu.state, _state_of(final)
        if got != want:
            return f"registers {got} want {want}"
        if outcome.cycles != len(test["cycles"]):
            return f"{outcome.cycles} cycles, want {len(test['cycles'])}"
        clocks = sum(6 if cycle[1] is None else 8 for cycle in test["cycles"])
        if paged and (bus.cycle, bus.clocks) != (outcome.cycles, clocks):
            return f"bus counters (cycles, clocks) {(bus.cycle, bus.clocks)}, want {(outcome.cycles, clocks)}"
        wrong = [(a, bus.ram[a], v) for a, v in final["ram"] if bus.ram[a] != v]
        return f"ram (address, got, want) {wrong}" if wrong else None
    finally:
        for address, _ in initial["ram"] + final["ram"]:
            bus.ram[address] = 0


def _vectors_through_tier(shared_dir: Path, name: str, limit: int | None, tier: str, monkeypatch) -> None:
    """Every vector's instruction as a one-instruction block on the flat bus ("flat block"), or as a
    thread of its direct handler ("paged thread") or a block ("paged block") on the paged interface."""
    directory = shared_dir / "ssts65816" / name
    if not directory.is_dir():
        pytest.skip(f"vector set {directory} is absent")
    monkeypatch.setattr(blocks_module, "MAX_INSTRUCTIONS", 1)  # one instruction per block: the vector's
    bus: FlatBus | _PagedRam = FlatBus() if tier == "flat block" else _PagedRam()
    cpu = Cpu(bus, block_threshold=1 << 40 if tier == "paged thread" else 2)
    failures, ran = [], 0
    for path in vector_files(directory):
        for test in load_vectors(path)[:limit]:
            skip = tier == "paged block" and _pushes_onto_its_own_code(test)
            if not _blockable(test) or disputed(test) or skip:
                continue
            cpu.forget_blocks()
            message = _run_vector(bus, cpu, test, _RUNS[tier])
            if test["initial"]["pc"] < 0xFFFC:  # else the instruction may wrap the bank: per-cycle only
                made = cpu.threads_made if tier == "paged thread" else cpu.blocks_compiled
                assert made == 1, f"{test['name']}: the {tier} path was not taken"
            ran += 1
            if message is not None:
                failures.append(f"{path.name} {test['name']}: {message}")
    assert failures[:5] == []
    assert ran > 0


TIERS = ["flat block", "paged thread", "paged block"]
# runs until the tier runs the instruction (threshold 2 for blocks): a flat block is compiled on the
# 2nd arrival; a paged thread is made on the 2nd arrival and its block on the thread's 2nd run (3rd)
_RUNS = {"flat block": 2, "paged thread": 2, "paged block": 3}


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", SETS)
def test_vectors_sample_run_on_the_fast_tiers(shared_dir: Path, name: str, tier: str, monkeypatch) -> None:
    _vectors_through_tier(shared_dir, name, 4, tier, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", SETS)
def test_vectors_full_run_on_the_fast_tiers(shared_dir: Path, name: str, tier: str, monkeypatch) -> None:
    # threads cost nothing to build: every vector; each block is a `compile`: 25 per file (25,600)
    _vectors_through_tier(shared_dir, name, None if tier == "paged thread" else 25, tier, monkeypatch)


# -- random programs on the flat bus -------------------------------------------------------------------

_FLAT_ORIGIN = 0x01F0  # close to the stack and to the direct page: stray writes hit the code


def _flat_runs(code: bytes, data: bytes, state: CpuState, blocks: bool) -> tuple:
    """Two runs from the same code, data and registers (memory elsewhere carries over, identically on
    both paths): code reached once per run is compiled on the second run."""
    bus = FlatBus() if blocks else RecordingBus()
    cpu = Cpu(bus, block_threshold=2) if blocks else Cpu(bus)
    outcomes = []
    for _ in range(2):
        bus.ram[0 : len(data)] = data
        bus.ram[_FLAT_ORIGIN : _FLAT_ORIGIN + len(code)] = code
        cpu.state = state
        outcomes.append((cpu.run(max_cycles=3000, max_instructions=400), cpu.state))
    return outcomes, bytes(bus.ram)


def _maybe_loop(draw: st.DrawFn, code: bytearray) -> bytes:
    """Often end with BRA back to the start: the body then runs many times, as compiled blocks."""
    if draw(st.booleans()):
        code += bytes([0x80, (-(len(code) + 2)) & 0xFF])
    return bytes(code)


@st.composite
def _flat_code(draw: st.DrawFn) -> bytes:
    return _maybe_loop(draw, bytearray(draw(st.binary(min_size=1, max_size=96))))


flat_states = st.builds(
    CpuState,
    a=st.integers(0, 0xFFFF),
    x=st.integers(0, 0xFFFF),
    y=st.integers(0, 0xFFFF),
    s=st.sampled_from([0x01FF, 0x0230, 0x1FF0]),
    d=st.sampled_from([0, 0x0100, 0x01F1, 0x00FF]),
    dbr=st.sampled_from([0, 0x7E]),
    pbr=st.just(0),
    pc=st.just(_FLAT_ORIGIN),
    p=st.integers(0, 0xFF),
    e=st.integers(0, 1),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=_flat_code(), data=st.binary(max_size=0x100), state=flat_states)
def test_flat_random_programs_match_the_per_cycle_path(code: bytes, data: bytes, state: CpuState) -> None:
    assert _flat_runs(code, data, state, True) == _flat_runs(code, data, state, False)


def test_flat_self_modifying_loop_matches_and_stays_exact() -> None:
    # loop: INC $0204 (the LDA's operand); LDA #$00; STA $10; DEX; BNE loop (emulation mode)
    code = bytes.fromhex("EE0402A9008510CAD0F6DB")
    state = CpuState(x=40, pc=0x0200, e=1, p=0x34)
    results = []
    for blocks in (True, False):
        bus = FlatBus()
        bus.load(0x0200, code)
        cpu = Cpu(bus, blocks=blocks, block_threshold=2)
        cpu.state = state
        outcome = cpu.run(max_cycles=10_000)
        results.append((outcome, cpu.state, bus.ram[0x10], bus.ram[0x0204]))
    assert results[0] == results[1]
    assert results[0][2] == 40  # the last LDA loaded the operand the INC left
    assert results[0][0].reason == "STP"


# -- the SNES bus ---------------------------------------------------------------------------------------

_INTERESTING = [
    0x0000,
    0x0010,
    0x01FF,
    0x1FFF,
    0x2000,
    0x2100,
    0x2115,
    0x2116,
    0x2118,
    0x2122,
    0x2137,
    0x213F,
    0x2140,
    0x2180,
    0x2181,
    0x4016,
    0x4200,
    0x4202,
    0x4203,
    0x4204,
    0x4206,
    0x420B,
    0x420D,
    0x4210,
    0x4212,
    0x4214,
    0x4216,
    0x4300,
    0x4305,
    0x6000,
    0x7FFF,
    0x8000,
    0xFFFE,
]


@st.composite
def _snes_code(draw: st.DrawFn) -> bytes:
    """Instructions with operands biased towards I/O registers, page edges and WRAM."""
    code = bytearray()
    for _ in range(draw(st.integers(1, 24))):
        code.append(draw(st.integers(0, 255)))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            code += draw(st.sampled_from(_INTERESTING)).to_bytes(2, "little")
        elif kind == 1:
            code += bytes([draw(st.integers(0, 255))])
        elif kind == 2:
            code += draw(st.sampled_from(_INTERESTING)).to_bytes(2, "little") + bytes(
                [draw(st.sampled_from([0x00, 0x7E, 0x7F, 0x80, 0x70]))]
            )
    return _maybe_loop(draw, code)


snes_states = st.builds(
    CpuState,
    a=st.integers(0, 0xFFFF),
    x=st.integers(0, 0xFFFF),
    y=st.integers(0, 0xFFFF),
    s=st.sampled_from([0x01FF, 0x1FFF, 0x0001, 0x0100]),
    d=st.sampled_from([0, 0x2100, 0x1FF0, 0x4200, 0x0001]),
    dbr=st.sampled_from([0, 0x7E, 0x80, 0x7F]),
    p=st.integers(0, 0xFF),
    e=st.integers(0, 1),
)


def _snes_machine(code: bytes, blocks: bool) -> Machine:
    rom = bytearray(0x8000)
    rom[: len(code)] = code
    rom[0x7FE6:0x7FE8] = (0x8000).to_bytes(2, "little")  # native BRK re-enters the code: loops
    return Machine.from_rom(bytes(rom), blocks=blocks, block_threshold=2)


def _fields(result: RunResult) -> dict:
    return {name: getattr(result, name) for name in RunResult.__dataclass_fields__}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=_snes_code(),
    state=snes_states,
    bank=st.sampled_from([0x00, 0x80]),
    phase=st.one_of(st.none(), st.integers(0, 300_000).map(lambda n: n * 2)),
    wram=st.binary(min_size=0, max_size=64),
)
def test_snes_random_programs_match_the_per_cycle_path(
    code: bytes, state: CpuState, bank: int, phase: int | None, wram: bytes
) -> None:
    memory = bytearray(0x20000)
    memory[0 : len(wram)] = wram
    memory[0x2000 - len(wram) : 0x2000] = wram
    kwargs = {"wram": bytes(memory), "hv_phase": phase, "max_cycles": 4000}
    entry = (bank << 16) | 0x8000
    fast, slow = _snes_machine(code, True), _snes_machine(code, False)
    for _ in range(3):  # per-cycle, then threads, then blocks (threshold 2) for code run once per call
        got = fast.run(entry, state, **kwargs)
    want = slow.run(entry, state, **kwargs)
    assert _fields(got) == _fields(want)


def _both(
    code: bytes, state: CpuState, runs: int = 3, entry: int = 0x8000, **kwargs: object
) -> tuple[RunResult, Machine]:
    """Run on both paths (the fast tiers `runs` times: with a threshold of 2, code reached once per call
    runs per-cycle, then as a thread, then as a block); assert equal; return the fast tiers' result."""
    fast, slow = lorom(code), lorom(code)
    fast.cpu = Cpu(fast.bus, trap_interrupts=True, block_threshold=2)
    slow.cpu = Cpu(slow.bus, trap_interrupts=True, blocks=False)
    for _ in range(runs):
        got = fast.run(entry, state, **kwargs)
    want = slow.run(entry, state, **kwargs)
    assert _fields(got) == _fields(want)
    return got, fast


SPRITES = bytes.fromhex(  # the 16-slot sprite-table routine of benchmarks/emu_speed.py
    "A200A000BD0003186510990004BD100338E511990104BD2003990204BD30030930990304C8C8C8C8E8E010D0D760"
)


def test_sprite_routine_runs_as_blocks_with_identical_results() -> None:
    wram = bytearray(0x20000)
    wram[0x300:0x340] = bytes(range(7, 7 + 64))
    result, machine = _both(SPRITES, CpuState(p=0x34), runs=1, wram=bytes(wram), hv_phase=1000)
    assert result.stop.name == "RETURNED"
    assert result.writes[0x7E0400] == (0, 7)
    assert machine.cpu.blocks_compiled >= 1  # the loop: the fast path is really on


def test_io_write_inside_a_block_is_timed_like_the_per_cycle_path() -> None:
    # LDX #8; loop: LDA #$80; STA $2115; STA $2118 (VRAM port, I/O); LDA $10; INC A; STA $10; DEX; BNE; RTS
    code = bytes.fromhex("A208A9808D15218D1821A5101A8510CAD0F060")
    result, _ = _both(code, CpuState(p=0x34), hv_phase=5000)
    assert [w.address for w in result.io_writes][:2] == [0x2115, 0x2118]
    assert result.stop.name == "RETURNED"


@pytest.mark.parametrize("budget", [5, 17, 40, 41, 42, 60, 333])
def test_budget_inside_a_block_stops_where_the_per_cycle_path_stops(budget: int) -> None:
    code = bytes.fromhex("A200E8E8E88610E8E8E020D0F660")
    result, _ = _both(code, CpuState(p=0x34), runs=3, max_cycles=budget)
    assert result.stop.name in ("BUDGET", "RETURNED")


def test_stop_address_inside_a_block_is_honoured() -> None:
    code = bytes.fromhex("EAEAEAEA60")  # NOPs; the caller returns into the middle of them
    result, _ = _both(code, CpuState(p=0x34), caller=0x008003)
    assert result.stop.name == "RETURNED"
    assert result.instructions == 3


def test_rom_poke_between_runs_is_seen_by_compiled_blocks() -> None:
    code = bytes.fromhex("A905851060")  # LDA #5; STA $10; RTS
    machine = Machine.from_rom(bytes(code) + bytes(0x8000 - len(code)), block_threshold=2)
    for _ in range(3):
        machine.run(0x8000, CpuState(p=0x34))
    result = machine.run(0x8000, CpuState(p=0x34), memory={0x008001: 0x09})
    assert result.writes[0x7E0010] == (0, 9)
    assert machine.run(0x8000, CpuState(p=0x34)).writes[0x7E0010] == (0, 5)  # reset restores the ROM


def test_fastrom_switch_changes_fetch_clocks_like_the_per_cycle_path() -> None:
    # LDA #1; STA $420D (FastROM on); then a loop in bank $80: the fetch clocks drop from 8 to 6
    code = bytes.fromhex("A9018D0D42A210CAD0FD9C0D42A210CAD0FD6B")
    result, _ = _both(code, CpuState(p=0x34), entry=0x808000, call="jsl")
    assert result.stop.name == "RETURNED"
    assert result.hardware["MEMSEL"] == 0


def test_dma_armed_inside_a_loop_matches_the_per_cycle_path() -> None:
    # channel 0: WRAM $7E0100 -> $2180 (WRAM port), 4 bytes, started three times in a loop
    setup = bytes.fromhex("A9008D0043A9808D0143A9008D0243A9018D0343A97E8D0443A9008D81218D82218D8321")
    loop = bytes.fromhex("A003A9048D05439C0643A9018D0B42EA88D0EF60")
    result, _ = _both(setup + loop, CpuState(p=0x34), hv_phase=2000)
    assert result.stop.name == "RETURNED"
    assert result.dma_clocks > 0


def test_pushes_into_io_ports_deopt_without_a_trace_of_the_block() -> None:
    # REP #$20; LDA #$2141; TCS; SEP #$20; then a block: LDA #$99; PHA; PHA (APU ports $2141, $2140); INX;
    # LDA #$42; STA $10; STP
    code = bytes.fromhex("C220A941211BE220A9994848E8A9428510DB")
    result, machine = _both(code, CpuState(p=0x34), runs=3)
    assert machine.cpu.blocks_compiled >= 2
    assert [(w.address, w.value) for w in result.io_writes] == [(0x2141, 0x99), (0x2140, 0x99)]
    assert result.stop.name == "STP"
    assert result.state.s == 0x213F


def test_a_16_bit_write_across_the_wram_io_edge_faults_after_its_first_byte() -> None:
    # REP #$20; LDA #$1234; NOP; STA $1FFF: $1FFF is WRAM, $2000 is unmapped I/O
    code = bytes.fromhex("C220A93412EA8DFF1F60")
    result, machine = _both(code, CpuState(p=0x34), runs=3)
    assert machine.cpu.blocks_compiled >= 2
    assert result.stop.name == "UNSUPPORTED"
    assert result.writes == {0x7E1FFF: (0, 0x34)}


def test_cpus_bind_their_own_handlers_and_never_share_registers() -> None:
    # handlers are compiled once per process and bound per CPU on first use: two CPUs interleaved
    # (one per-cycle, one with blocks) each see only their own registers and memory
    code_a = bytes.fromhex("A9 11 8D 00 03 E8 DB".replace(" ", ""))  # LDA #$11; STA $0300; INX; STP
    code_b = bytes.fromhex("A9 22 8D 00 03 C8 DB".replace(" ", ""))  # LDA #$22; STA $0300; INY; STP
    buses = [FlatBus(), FlatBus()]
    cpus = [Cpu(buses[0], blocks=False), Cpu(buses[1], block_threshold=1)]
    for bus, code in zip(buses, (code_a, code_b), strict=True):
        bus.load(0x8000, code)
    for _ in range(3):
        for cpu in cpus:
            cpu.state = CpuState(pc=0x8000, e=1, p=0x34)
            assert cpu.run().reason == "STP"
    assert (cpus[0].state.a, cpus[0].state.x, cpus[0].state.y) == (0x11, 1, 0)
    assert (cpus[1].state.a, cpus[1].state.x, cpus[1].state.y) == (0x22, 0, 1)
    assert (buses[0].ram[0x300], buses[1].ram[0x300]) == (0x11, 0x22)
