"""The bottom layer: one registry type, the family registry every stage reads."""

import pytest

from harness.core import FAMILIES, Registry, code_families, family, family_names, primary_metrics
from harness.errors import HarnessError, UnknownNameError


def test_registry_refuses_duplicates_and_suggests_on_a_miss():
    kernels: Registry[int] = Registry("kernel")
    kernels.register("sprite_damage", 1)
    with pytest.raises(HarnessError, match="registered twice"):
        kernels.register("sprite_damage", 2)
    with pytest.raises(UnknownNameError, match="did you mean 'sprite_damage'"):
        kernels.get("sprite_damage2")


def test_lazy_entries_resolve_on_first_use_and_are_checked():
    registry: Registry[object] = Registry("thing", check=lambda value: value if callable(value) else 1 / 0)
    registry.register_lazy("dumps", "json:dumps")
    import json

    assert registry.get("dumps") is json.dumps
    registry.register_lazy("broken", "json:no_such_name")
    with pytest.raises(AttributeError):
        registry.get("broken")


def test_family_registry_is_the_one_list_of_families():
    assert family_names() == ("gen", "optimize", "trace", "explain", "fix", "mc")
    assert code_families() == ("gen", "optimize", "fix")
    assert set(primary_metrics()) == set(family_names())
    for name in FAMILIES:
        spec = family(name)
        assert spec.primary in [metric.name for metric in spec.metrics]
        assert spec.task == f"asm65816_{name}"
    with pytest.raises(UnknownNameError, match="did you mean 'optimize'"):
        family("optimise")


def test_every_family_scorer_target_resolves():
    from harness.core.registry import resolve_target

    for name in FAMILIES:
        assert callable(resolve_target(family(name).scorer)), name
