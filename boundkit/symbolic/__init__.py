r"""Step-by-step sympy derivations of the duality identities (THEORY C2-C5, C8).

For any generator (catalogue name, expression in ``u``, or
:class:`boundkit.generators.Generator`) the functions here derive, step by step, the shift
functional :math:`\Lambda_f^Q[h]` and its first-order condition, the refined density
:math:`dQ_h/dQ = (f^*)'(h - \nu_h)`, the Fenchel-Young equality
:math:`D_f(Q_h\|Q) = \mathbb E_{Q_h} h - \Lambda_f^Q[h]` (C4), the KL identity (C5), the KKT
conditions over an l2 ball (C4), the variational representation (C2), weak duality (C3) and
discriminator guidance (C8). Each :class:`Derivation` ends in an identity checked by
simplification to zero or, when simplification stalls, at random points with 50-digit
arithmetic (``method`` says which), and renders as text, LaTeX and JSON.

Examples
--------
>>> from boundkit.symbolic import derive
>>> print(derive("shift", "pearson").result("lambda"))
E_Q[h] + Var_Q(h)/4
"""

from boundkit.symbolic._api import DERIVATIONS, derive
from boundkit.symbolic._core import (
    ExpectQ,
    H,
    VarQ,
    density_on_support,
    evaluate_on_support,
)
from boundkit.symbolic._derivation import Derivation, Step
from boundkit.symbolic._guidance import derive_guidance
from boundkit.symbolic._identities import (
    derive_fenchel_young,
    derive_kl_identity,
    derive_variational,
    derive_weak_duality,
)
from boundkit.symbolic._kkt import derive_kkt
from boundkit.symbolic._shift import derive_refined_density, derive_shift
from boundkit.symbolic._verify import IdentityCheck, check_identity

__all__ = [
    "DERIVATIONS",
    "Derivation",
    "ExpectQ",
    "H",
    "IdentityCheck",
    "Step",
    "VarQ",
    "check_identity",
    "density_on_support",
    "derive",
    "derive_fenchel_young",
    "derive_guidance",
    "derive_kkt",
    "derive_kl_identity",
    "derive_refined_density",
    "derive_shift",
    "derive_variational",
    "derive_weak_duality",
    "evaluate_on_support",
]
