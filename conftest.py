"""Repository-level pytest configuration (the notebooks, run by nbmake).

* The ``.py`` percent files are the jupytext twins of the ``.ipynb`` notebooks: they are not
  test modules, so they are never collected (nor imported by ``--doctest-modules``).
* Notebooks run with ``BOUNDKIT_SMOKE=1`` (small sizes) unless the variable is already set;
  nbmake's kernels inherit this process's environment.
* The repository root is put on ``PYTHONPATH`` so the kernels import this checkout of boundkit
  even when it is not installed.
"""

from __future__ import annotations

import os
from pathlib import Path

collect_ignore_glob = ["notebooks/*.py"]

_ROOT = str(Path(__file__).resolve().parent)

os.environ.setdefault("BOUNDKIT_SMOKE", "1")
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if _ROOT not in _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join([_ROOT, *_paths])
