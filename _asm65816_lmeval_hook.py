"""Startup trigger for the asm65816 lm-eval hook: run by `asm65816_harness_lmeval.pth` in every process.

Why a separate top-level module: a `.pth` file runs at every interpreter start, so it must cost next to
nothing and must not import the `harness` package (that import took 40-80 ms, and pytest then warned
"Module already imported so cannot be rewritten; harness", an error under `filterwarnings = error`).
This module imports only `os` and `sys` (both already loaded by `site`) and puts one tiny finder at the
front of `sys.meta_path`. The finder answers no import itself. When a process first imports `lm_eval`,
it removes itself and calls `harness.lmeval.hook.install()`, which puts the patching finder in place
before any of lm-eval's submodules load (see that module for what is patched).

Fail-safe by contract: every error is swallowed and lm-eval imports untouched; `ASM65816_NO_LMEVAL_HOOK=1`
switches the hook off. PYTEST_DONT_REWRITE: pytest marks every top-level module of a distribution that
ships a pytest plugin for assertion rewriting and warns about those already imported; this marker
(pytest's documented opt-out) keeps that warning away for a module that has no asserts anyway.
"""

import os
import sys

__all__ = ["SWITCH_OFF", "TRIGGER", "install", "installed", "uninstall"]

SWITCH_OFF = "ASM65816_NO_LMEVAL_HOOK"  # "1" switches the hook off
TRIGGER = "lm_eval"  # importing any lm_eval module imports this package first


class _LmEvalTrigger:
    """A meta-path finder that never finds anything: it only notices the first `import lm_eval`."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == TRIGGER:
            uninstall()
            _install_patches()
        return None

    def invalidate_caches(self) -> None:
        return None


def _install_patches() -> None:
    """Hand over to `harness.lmeval.hook` (imported only now, never at interpreter start)."""
    try:
        from harness.lmeval.hook import install as install_patches

        install_patches()
    except Exception:  # fail-safe by contract: never break lm-eval's import
        pass


def installed() -> bool:
    """True while the trigger waits in `sys.meta_path`."""
    return any(isinstance(finder, _LmEvalTrigger) for finder in sys.meta_path)


def uninstall() -> None:
    """Take the trigger out of `sys.meta_path` (it fires once)."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _LmEvalTrigger)]


def install() -> None:
    """Called from the `.pth` file: one list insert, or nothing when switched off. Idempotent."""
    try:
        if os.environ.get(SWITCH_OFF) == "1" or installed():
            return
        if TRIGGER in sys.modules:  # lm-eval is already loaded: patch what is there now
            _install_patches()
            return
        sys.meta_path.insert(0, _LmEvalTrigger())
    except Exception:  # fail-safe by contract
        pass
