"""Every public name has a docstring; ``import boundkit`` stays light."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

import boundkit

SUBPACKAGES = [name for name in boundkit._SUBPACKAGES]


def _public_objects():
    for pkg in SUBPACKAGES:
        module = importlib.import_module(f"boundkit.{pkg}")
        for name in getattr(module, "__all__", []):
            yield f"boundkit.{pkg}.{name}", getattr(module, name)


@pytest.mark.parametrize("pkg", SUBPACKAGES)
def test_package_has_docstring_and_all(pkg):
    module = importlib.import_module(f"boundkit.{pkg}")
    assert module.__doc__ and module.__doc__.strip(), f"boundkit.{pkg} has no docstring"
    assert hasattr(module, "__all__"), f"boundkit.{pkg} has no __all__"
    for name in module.__all__:
        assert hasattr(module, name), f"boundkit.{pkg}.__all__ names missing {name}"


def test_every_public_name_has_a_docstring():
    missing = []
    for qualname, obj in _public_objects():
        if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismodule(obj)):
            continue
        if not (obj.__doc__ and obj.__doc__.strip()):
            missing.append(qualname)
        if inspect.isclass(obj):
            for meth_name, meth in vars(obj).items():
                if meth_name.startswith("_"):
                    continue
                if inspect.isfunction(meth) and not (meth.__doc__ and meth.__doc__.strip()):
                    missing.append(f"{qualname}.{meth_name}")
    assert not missing, f"public names without a docstring: {missing}"


def test_import_boundkit_does_not_import_matplotlib():
    code = (
        "import sys, boundkit, boundkit.generators, boundkit.claims\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
