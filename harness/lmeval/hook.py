"""Make plain `lm_eval --tasks asm65816` work after `pip install`, without touching lm-eval.

lm-eval 0.4.x has no task plugin mechanism (it scans its own folder and `--include_path`), and its
model entry points landed after 0.4.13. At interpreter start the `.pth` file only arms a trigger
(`_asm65816_lmeval_hook`, a top-level module that imports nothing), so processes that never use
lm-eval pay nothing and never import `harness`. The first `import lm_eval` calls `install()` here,
which adds the patching finder below; when lm-eval's own modules load:
- `lm_eval.tasks.manager`: `TaskManager.__init__` gets our task folder appended to `include_path`;
- `lm_eval.api.registry`: our models are registered as lazy placeholders, after `lm_eval.models`
  registered the built-ins (registering first would leave the registry non-empty, and lm-eval would
  then never load its own models).
Fail-safe: if lm-eval's internals moved, the patch does nothing; every error is swallowed and the
import proceeds untouched. `ASM65816_NO_LMEVAL_HOOK=1` switches it off.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import os
import sys
from collections.abc import Callable

__all__ = ["install", "patch_registry", "patch_task_manager"]

_MARK = "_asm65816_patched"


def patch_task_manager(module) -> None:
    """Append our task dir to every TaskManager's include_path (once per class)."""
    manager = getattr(module, "TaskManager", None)
    original = getattr(manager, "__init__", None)
    if manager is None or getattr(original, _MARK, False):
        return
    signature = inspect.signature(original)
    if "include_path" not in signature.parameters:
        return

    def __init__(self, *args, **kwargs):
        from harness.lmeval import with_our_tasks

        bound = signature.bind_partial(self, *args, **kwargs)
        bound.arguments["include_path"] = with_our_tasks(bound.arguments.get("include_path"))
        original(*bound.args, **bound.kwargs)

    setattr(__init__, _MARK, True)
    __init__.__wrapped__ = original
    manager.__init__ = __init__


def patch_registry(module) -> None:
    """Register our models lazily in lm-eval's model registry, after its built-ins."""
    registry = getattr(module, "model_registry", None)
    if registry is None or getattr(registry, _MARK, False):
        return
    import lm_eval.models  # noqa: F401  (registers the built-in models first)

    from harness.lmeval import MODEL_TARGETS

    for name, target in MODEL_TARGETS.items():
        if name not in registry:
            registry.register(name, target=target)
    setattr(registry, _MARK, True)


_PATCHES: dict[str, Callable] = {
    "lm_eval.tasks.manager": patch_task_manager,
    "lm_eval.api.registry": patch_registry,
}


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader, patch: Callable) -> None:
        self._loader, self._patch = loader, patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        try:
            self._patch(module)
        except Exception:  # fail-safe by contract: never break lm-eval's import
            pass

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _PatchingLoader(spec.loader, patch)
                return spec
            if spec is not None:
                return None
        return None


def install() -> None:
    """Called on the first `import lm_eval` (and by `asm65816 eval`). Idempotent; patches modules
    already imported too."""
    try:
        if os.environ.get("ASM65816_NO_LMEVAL_HOOK") == "1":
            return
        if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _Finder())
        for name, patch in _PATCHES.items():
            if name in sys.modules:
                patch(sys.modules[name])
    except Exception:
        pass
