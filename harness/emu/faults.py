"""Exceptions the SNES bus raises out of the CPU's run loop; `Machine` turns them into stop reasons."""

from __future__ import annotations

__all__ = ["BusFault", "BudgetExhausted"]


class BusFault(Exception):
    """An access the model does not support; `detail` says which (e.g. "HDMA enable $420C=$01")."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BudgetExhausted(Exception):
    """A DMA would push the run past its budget (DMA bytes count as cycles: the CPU is stalled, not idle)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
