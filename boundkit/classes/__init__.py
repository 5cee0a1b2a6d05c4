r"""Discriminator classes :math:`\mathcal H`: linear in features, RKHS balls, ReLU networks,
finite classes.

Every class follows the scikit-learn constructor contract (keyword hyper-parameters stored
unchanged, fitted attributes ending in ``_``) and the boundkit class contract documented in
:class:`DiscriminatorClass` and ``docs/architecture.md``: ``support_function(x, v)``,
``evaluate(params, x)``, ``random_params(x, rng=...)`` and ``fit(...)``; the convex classes add
``design_matrix(x)``, ``p``/``q``/``B``, ``dual_norm``, ``project`` and ``cvxpy_constraint``.
"""

from boundkit.classes._base import (
    DiscriminatorClass,
    FittedDiscriminator,
    dual_exponent,
    lp_norm,
    project_ball,
)
from boundkit.classes._checks import check_class, class_checks
from boundkit.classes._features import tensor_features, tensor_indices
from boundkit.classes._finite import FiniteClass
from boundkit.classes._linear import LinearClass
from boundkit.classes._relu import ReLUNetwork2
from boundkit.classes._rkhs import RKHSBall, psd_sqrt
from boundkit.classes._sweep import neuron_sup_search, neuron_sup_sweep, sweep_values

__all__ = [
    "DiscriminatorClass",
    "FiniteClass",
    "FittedDiscriminator",
    "LinearClass",
    "RKHSBall",
    "ReLUNetwork2",
    "check_class",
    "class_checks",
    "dual_exponent",
    "lp_norm",
    "neuron_sup_search",
    "neuron_sup_sweep",
    "sweep_values",
    "tensor_features",
    "tensor_indices",
    "project_ball",
    "psd_sqrt",
]
