r"""Shared helpers of the duality package: generators, finite problems, known forms of f."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_weights
from boundkit.distributions import FiniteDistribution, GridDensity, common_support
from boundkit.generators import CvxpyForm, cvxpy_form

__all__ = [
    "resolve_generator",
    "fprime_at_inf",
    "finite_problem",
    "KnownForm",
    "identify_generator",
    "as_h_values",
    "lambda_finite",
]


def resolve_generator(generator: Any, **params: Any) -> Any:
    """A :class:`boundkit.generators.Generator` from a generator, a name or an expression."""
    if isinstance(generator, str):
        from boundkit.generators import get_generator

        return get_generator(generator, **params)
    for attr in ("f_numeric", "conjugate", "link"):
        if not hasattr(generator, attr):
            raise BoundkitError(
                f"expected a generator name or a boundkit Generator, got {type(generator).__name__}"
            )
    return generator


def fprime_at_inf(g: Any) -> float:
    r""":math:`f'(\infty) = \lim_{u\to\infty} f(u)/u` as a float (``inf`` allowed)."""
    val = getattr(g, "fprime_at_inf", None)
    if val is None:
        u = np.array([1e8, 1e10])
        r = np.asarray(g.f_numeric(u), dtype=float) / u
        return float(r[-1]) if abs(r[-1] - r[0]) < 1e-3 * (1 + abs(r[-1])) else float("inf")
    try:
        out = float(val)
    except (TypeError, ValueError):
        s = str(val)
        if s in ("oo", "zoo"):
            return float("inf")
        raise BoundkitError(f"cannot read f'(inf) = {val!r} of generator") from None
    if np.isnan(out):
        raise BoundkitError("f'(inf) of the generator is undefined")
    return out


def discrete_view(D: Any) -> Any:
    """A refined model on a finite or grid support as the finite distribution it is; else ``D``."""
    if isinstance(D, FiniteDistribution | GridDensity):  # the usual case, without the import
        return D
    from boundkit.duality._refine import RefinedDistribution  # _refine imports this module

    if isinstance(D, RefinedDistribution) and D.pmf is not None:
        return D.to_finite()
    return D


def finite_problem(P: Any, Q: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Atoms and aligned probability vectors ``(atoms, p, q)`` of two finite distributions.

    Accepts :class:`FiniteDistribution` pairs (aligned on the union of their supports) and
    pairs of :class:`GridDensity` on the same grid (cell centres and masses).
    """
    P, Q = discrete_view(P), discrete_view(Q)
    if isinstance(P, GridDensity) and isinstance(Q, GridDensity):
        if not P.same_grid(Q):
            raise BoundkitError("the two grid densities must be tabulated on the same grid")
        return P.nodes, P.masses.copy(), Q.masses.copy()
    if isinstance(P, GridDensity):
        P = P.to_finite()
    if isinstance(Q, GridDensity):
        Q = Q.to_finite()
    if not isinstance(P, FiniteDistribution) or not isinstance(Q, FiniteDistribution):
        raise BoundkitError(
            "this computation needs finite distributions (FiniteDistribution or GridDensity), "
            f"got {type(P).__name__} and {type(Q).__name__}"
        )
    return common_support(P, Q)


def as_h_values(h: Any, atoms: np.ndarray, *, name: str = "h") -> np.ndarray:
    """Values of a discriminator on ``atoms``: a callable ``(k, d) -> (k,)`` or an array (k,)."""
    if callable(h):
        vals = np.asarray(h(atoms), dtype=float).reshape(-1)
    else:
        vals = np.asarray(h, dtype=float).reshape(-1)
    if vals.shape[0] != atoms.shape[0]:
        raise BoundkitError(
            f"{name} has {vals.shape[0]} values but the support has {atoms.shape[0]} atoms"
        )
    if not np.all(np.isfinite(vals)):
        raise BoundkitError(f"{name} has NaN or infinite values on the support")
    return vals


def _check_pq(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    p = check_weights(p, name="p")
    q = check_weights(q, p.shape[0], name="q")
    return p, q


# ------------------------------------------------------------------------ cvxpy forms
#: The cvxpy forms of the solvers (defined in :mod:`boundkit.generators`); the old name.
KnownForm = CvxpyForm


def identify_generator(g: Any) -> CvxpyForm | None:
    r"""The cvxpy form of ``g`` (see :func:`boundkit.generators.cvxpy_form`), if any.

    A generator is recognised by its values (not its name), against the catalogue's derived
    generators, so a user generator equal to a catalogued one gets the cvxpy path too; so does
    an affine variant :math:`f(u) + c(u - 1)` (same divergence), reported with ``shift = c``.
    """
    return cvxpy_form(g)


# ------------------------------------------------------------------------ the shift functional
def lambda_finite(g: Any, h: Any, q: Any, *, h_null: Any = None) -> tuple[float, float]:
    r"""The shift functional :math:`(\Lambda_f^Q[h], \nu_h)` on a finite support.

    A thin wrapper of :func:`boundkit.generators.shift_functional` (the one kernel).

    Parameters
    ----------
    g : Generator
    h : array_like, shape (k,)
        Values of the discriminator on the atoms.
    q : array_like, shape (k,)
        Probabilities of :math:`Q` (atoms with :math:`q_i = 0` do not contribute).
    h_null : array_like, optional
        Values of ``h`` on atoms of the support of :math:`P` where :math:`q = 0`: when
        :math:`\mathrm{dom} f^*` is bounded above they must stay in its closure,
        :math:`h_j - \nu \le \sup\mathrm{dom} f^*`, which bounds :math:`\nu` from below.

    Returns
    -------
    lam, nu : float
        :math:`\Lambda_f^Q[h]` and the minimising shift :math:`\nu_h`.

    Notes
    -----
    .. math:: \Lambda_f^Q[h] = \min_{\nu \ge \nu_0}\ \nu + \sum_i q_i f^*(h_i - \nu),
              \qquad \nu_0 = \max_j h^{null}_j - \sup\mathrm{dom} f^*.
    """
    from boundkit.generators import shift_functional

    hv = np.asarray(h, dtype=float).reshape(-1)
    qv = np.asarray(q, dtype=float).reshape(-1)
    if not np.any(qv > 0):
        raise BoundkitError("Q has no mass")
    lam = shift_functional(g, hv, qv, h_null=h_null)
    return float(lam.value), float(lam.nu)
