"""The CPU's view of memory: a `Bus` protocol with one call per bus cycle, plus flat-RAM buses.

`read(addr) -> byte`, `write(addr, byte)` and `idle(addr)` (an internal cycle; the address is what the
65816 puts on the bus, as the SingleStepTests vectors record it). `FlatBus` is 16 MiB of RAM with no
side effects (what the vectors assume); `RecordingBus` also records every cycle in the vectors' shape.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Bus", "FlatBus", "RecordingBus", "Cycle"]

Cycle = tuple[int, "int | None", str]  # (address, value or None for idle, "r" | "w")


@runtime_checkable
class Bus(Protocol):
    """One method call per CPU bus cycle. Addresses are 24-bit."""

    def read(self, address: int) -> int: ...

    def write(self, address: int, value: int) -> None: ...

    def idle(self, address: int) -> None: ...


# Internal cycles touch nothing on a flat RAM bus. `bool` is a C-level one-argument callable with no
# side effect: about a third of the cost of calling a Python no-op, once per internal cycle.
_NO_EFFECT = bool


class FlatBus:
    """16 MiB of RAM; read/write are the bytearray's own item methods (no Python frame per cycle)."""

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
