"""The CPU's view of memory: a `Bus` protocol with one call per bus cycle, plus flat-RAM buses.

`read(addr) -> byte`, `write(addr, byte)` and `idle(addr)` (an internal cycle; the address is what the
65816 puts on the bus, as the SingleStepTests vectors record it). `FlatBus` is 16 MiB of RAM with no
side effects (what the vectors assume); `RecordingBus` also records every cycle in the vectors' shape.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

__all__ = ["Bus", "FlatBus", "RecordingBus", "Cycle", "MemoryKind"]

Cycle = tuple[int, "int | None", str]  # (address, value or None for idle, "r" | "w")


@runtime_checkable
class Bus(Protocol):
    """One method call per CPU bus cycle. Addresses are 24-bit."""

    def read(self, address: int) -> int: ...

    def write(self, address: int, value: int) -> None: ...

    def idle(self, address: int) -> None: ...


class MemoryKind(enum.Enum):
    """What a bus lets the CPU's block path (`blocks.py`) do without calling it, when it says so in a
    `memory_kind` attribute. A bus without one gets exactly one call per bus cycle (the vectors' path).

    FLAT: `ram` is 16 MiB indexed by the 24-bit address; read/write/idle are exactly ram[a], ram[a] = v
    and nothing, with no timing. PAGED: an `SnesBus`-like map (`mem`, `fast_tables`, `first_values`,
    `cycle`, `clocks`, `code_index`): plain pages are read and written directly and timed from the
    clock table, every other access goes to the bus.
    """

    FLAT = "flat"
    PAGED = "paged"


# Internal cycles touch nothing on a flat RAM bus. `bool` is a C-level one-argument callable with no
# side effect: about a third of the cost of calling a Python no-op, once per internal cycle.
_NO_EFFECT = bool


class FlatBus:
    """16 MiB of RAM; read/write are the bytearray's own item methods (no Python frame per cycle)."""

    memory_kind = MemoryKind.FLAT

    def __init__(self) -> None:
        self.ram = bytearray(0x1000000)
        self.read = self.ram.__getitem__
        self.write = self.ram.__setitem__
        self.idle = _NO_EFFECT

    def load(self, address: int, data: bytes) -> None:
        self.ram[address : address + len(data)] = data


class RecordingBus:
    """Flat RAM that records each cycle as (address, value | None, "r" | "w"), like the vectors do.

    `limit` stops applying writes after that many cycles (the vectors cut MVN/MVP mid-instruction).
    """

    def __init__(self) -> None:
        self.ram = bytearray(0x1000000)
        self.cycles: list[Cycle] = []
        self.limit = 1 << 62

    def read(self, address: int) -> int:
        value = self.ram[address]
        self.cycles.append((address, value, "r"))
        return value

    def write(self, address: int, value: int) -> None:
        if len(self.cycles) < self.limit:
            self.ram[address] = value
        self.cycles.append((address, value, "w"))

    def idle(self, address: int) -> None:
        self.cycles.append((address, None, "r"))
