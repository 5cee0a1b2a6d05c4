r"""Rademacher complexities of discriminator classes and the bounds of THEORY C9.

- :func:`empirical_rademacher`: :math:`\mathfrak R_S(\mathcal H)` on a sample, exact
  (enumeration of the :math:`2^n` sign vectors) or Monte Carlo with a standard error; for ReLU
  networks a bracket (certified one-neuron lower value, norm-based upper bound).
- :func:`expected_rademacher`: :math:`\mathfrak R_n(\mathcal H)` under a distribution, with a
  standard error covering both levels of randomness.
- Closed-form bounds returning :class:`ComplexityBound` (value + named formula): Khintchine,
  Massart, RKHS trace, contraction, two-layer ReLU, Golowich-Rakhlin-Shamir.

Convention: no absolute value, :math:`1/n` inside,
:math:`\mathfrak R_S = \mathbb E_\sigma\sup_h\frac1n\sum_i\sigma_i h(x_i)`.

Examples
--------
>>> import numpy as np
>>> from boundkit.classes import LinearClass
>>> from boundkit.complexity import empirical_rademacher
>>> r = empirical_rademacher(LinearClass(p=2, B=1.0), np.eye(3))
>>> round(r.estimate, 6)  # (1/3) E ||sigma||_2 = sqrt(3)/3
0.57735
"""

from boundkit.complexity._bounds import (
    class_bounds,
    contraction_bound,
    golowich_bound,
    khintchine_bracket,
    linear_l1_bound,
    linear_linf_bracket,
    massart_bound,
    relu2_bound,
    rkhs_trace_bracket,
)
from boundkit.complexity._empirical import empirical_rademacher, rademacher_sups
from boundkit.complexity._expected import expected_rademacher
from boundkit.complexity._results import (
    ComplexityBound,
    ExpectedRademacherResult,
    RademacherResult,
)

__all__ = [
    "ComplexityBound",
    "ExpectedRademacherResult",
    "RademacherResult",
    "class_bounds",
    "contraction_bound",
    "empirical_rademacher",
    "expected_rademacher",
    "golowich_bound",
    "khintchine_bracket",
    "linear_l1_bound",
    "linear_linf_bracket",
    "massart_bound",
    "rademacher_sups",
    "relu2_bound",
    "rkhs_trace_bracket",
]
