"""No public name means two different things in two boundkit packages (e.g. Toy, derive)."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

import boundkit


def test_no_public_name_clashes_between_packages():
    owners: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for info in pkgutil.iter_modules(boundkit.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"boundkit.{info.name}")
        for name in getattr(mod, "__all__", []):
            owners[name][id(getattr(mod, name))].append(info.name)
    clashes = {n: dict(v) for n, v in owners.items() if len(v) > 1}
    assert not clashes, f"public names bound to different objects: {clashes}"


def test_renamed_guidance_and_generator_names():
    import boundkit.generators as gen
    import boundkit.guidance as gd
    import boundkit.simulation as sim
    import boundkit.symbolic as sym

    assert {"GuidanceSetting", "get_guidance_setting"} <= set(gd.__all__)
    assert not {"Toy", "get_toy"} & set(gd.__all__) and {"Toy", "get_toy"} <= set(sim.__all__)
    assert {"ConjugateDerivation", "derive_conjugate"} <= set(gen.__all__)
    assert not {"Derivation", "derive"} & set(gen.__all__)
    assert {"Derivation", "derive"} <= set(sym.__all__)
