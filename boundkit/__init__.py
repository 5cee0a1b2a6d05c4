r"""boundkit: check the theory of discriminator-refined generative models.

A discriminator :math:`h` from a class :math:`\mathcal H` refines a base model :math:`Q` into
:math:`Q_h` with :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`; boundkit checks the duality identities
and the generalisation bounds behind this recipe symbolically, numerically and by Monte Carlo.

Subpackages (low to high): :mod:`boundkit.generators`, :mod:`boundkit.distributions`,
:mod:`boundkit.classes`, :mod:`boundkit.duality`, :mod:`boundkit.complexity`,
:mod:`boundkit.bounds`, :mod:`boundkit.datasets`, :mod:`boundkit.models`,
:mod:`boundkit.simulation`, :mod:`boundkit.guidance`,
:mod:`boundkit.symbolic`, :mod:`boundkit.claims`, :mod:`boundkit.testing`,
:mod:`boundkit.plotting`, :mod:`boundkit.cli`. They are imported lazily, so
``import boundkit`` is cheap and never imports matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from boundkit._errors import BoundkitError, DerivationError, SolverError

__version__ = "0.1.0"

_SUBPACKAGES = (
    "generators",
    "distributions",
    "classes",
    "duality",
    "complexity",
    "bounds",
    "simulation",
    "guidance",
    "datasets",
    "models",
    "symbolic",
    "claims",
    "testing",
    "plotting",
    "reproduce",
    "cli",
)

__all__ = ["BoundkitError", "DerivationError", "SolverError", "__version__", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"boundkit.{name}")
    raise AttributeError(f"module 'boundkit' has no attribute {name!r}")
