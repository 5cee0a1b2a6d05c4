"""pytest plugin for the mutation benchmark: applies the mutant named by ``BOUNDKIT_MUTANT``.

Used as ``BOUNDKIT_MUTANT="<name>" python -m pytest -p mutant_plugin tests/...`` by
``bench_verify.py``; the mutant stays applied for the whole session.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

_MP = None


def _mutants():
    path = Path(__file__).resolve().parents[1] / "tests" / "claims" / "_mutants.py"
    spec = importlib.util.spec_from_file_location("boundkit_bench_mutants", path)
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def pytest_configure(config):
    global _MP
    name = os.environ.get("BOUNDKIT_MUTANT")
    if not name:
        return
    import pytest

    import boundkit.bounds  # noqa: F401 - import everything the mutants patch
    import boundkit.claims
    import boundkit.complexity  # noqa: F401
    import boundkit.duality  # noqa: F401
    import boundkit.generators  # noqa: F401
    import boundkit.simulation  # noqa: F401

    boundkit.claims.registry()
    _MP = pytest.MonkeyPatch()
    _mutants().by_name(name).apply(_MP)
