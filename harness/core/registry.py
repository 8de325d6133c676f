"""One generic registry: named entries, duplicates refused, lazy targets, "did you mean" on a miss.

Registries are the only global mutable state the harness allows (house style). Entries are either
values or lazy `"module:attribute"` targets imported on first `get`, so a registry in the bottom
layer can name a scorer in an upper one without importing it (data flows one way).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from harness.errors import HarnessError, UnknownNameError

__all__ = ["Registry", "resolve_target", "suggest"]

T = TypeVar("T")


def suggest(name: str, known: list[str], *, what: str) -> str:
    """The standard miss message: `unknown <what> 'x'; did you mean 'y'?` or the list of known names."""
    near = difflib.get_close_matches(str(name), known, n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(repr(n) for n in near)}?" if near else f"known: {', '.join(sorted(known))}"
    )
    return f"unknown {what} {name!r}; {hint}"


def resolve_target(target: str) -> object:
    """Import `"package.module:attribute"` (dots allowed in the attribute part)."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise HarnessError(f"target {target!r} must look like 'package.module:attribute'")
    value: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


class Registry(Generic[T]):
    """Name -> entry. `register` refuses duplicates; `get` raises `UnknownNameError` with suggestions.

    `check` (optional) validates every entry when it is registered or first resolved, so a broken
    entry fails at the registration line or the first use, never later inside a scorer."""

    def __init__(self, what: str, check: Callable[[object], T] | None = None) -> None:
        self.what = what
        self._check = check
        self._entries: dict[str, T | str] = {}
        self._lazy: set[str] = set()

    def register(self, name: str, entry: T) -> T:
        """Register a value under `name` (returns it, so it works as a decorator body)."""
        self._claim(name)
        self._entries[name] = self._check(entry) if self._check else entry
        return entry

    def register_lazy(self, name: str, target: str) -> None:
        """Register a `"module:attribute"` target, imported on first `get`."""
        self._claim(name)
        self._entries[name] = target
        self._lazy.add(name)

    def _claim(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise HarnessError(f"{self.what} names must be non-empty strings, got {name!r}")
        if name in self._entries:
            raise HarnessError(f"{self.what} {name!r} is registered twice")

    def get(self, name: str) -> T:
        if name not in self._entries:
            raise UnknownNameError(suggest(name, list(self._entries), what=self.what))
        if name in self._lazy:
            value = resolve_target(str(self._entries[name]))
            self._entries[name] = self._check(value) if self._check else value  # type: ignore[assignment]
            self._lazy.discard(name)
        return self._entries[name]  # type: ignore[return-value]

    def names(self) -> tuple[str, ...]:
        """Names in registration order (which is part of determinism where order matters)."""
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
