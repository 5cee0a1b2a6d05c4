r"""The restricted divergence :math:`D_f^{\mathcal H}` (dual) and its inf-convolution (primal).

Claims C3 and C4 on finite supports: both sides are solved with cvxpy (exponential-cone,
quadratic or linear forms) for the generators in :data:`CVXPY_GENERATORS`, and with scipy for
every other generator. Every returned number is re-evaluated exactly at the returned point, so
the dual value is a certified lower bound and the primal value a certified upper bound of
:math:`D_f^{\mathcal H}(P\|Q)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError, SolverError
from boundkit.duality._common import (
    KnownForm,
    finite_problem,
    identify_generator,
    resolve_generator,
)
from boundkit.duality._divergence import _div_pq
from boundkit.duality._solve_cvxpy import _CVX_TOL, _cvx_dual, _cvx_primal
from boundkit.duality._solve_scipy import _scipy_dual, _scipy_primal
from boundkit.duality._support import ClassOnSupport, class_on_support
from boundkit.generators import (
    CVXPY_KEYS,
    conjugate_domain_end,
    lambda_differentiable,
    shift_functional,
)

__all__ = [
    "CVXPY_GENERATORS",
    "ClassOnSupport",
    "PrimalResult",
    "RestrictedDivergence",
    "class_on_support",
    "primal",
    "restricted_divergence",
    "solver_paths",
]

#: Generators (recognised by their values, see :func:`identify_generator`) solved by cvxpy.
CVXPY_GENERATORS: tuple[str, ...] = CVXPY_KEYS

_SOLVERS = ("auto", "cvxpy", "scipy")
#: designs with at most this many columns get the SLSQP polish of a cvxpy solution
_POLISH_MAX = 400


def solver_paths() -> dict[str, str]:
    r"""Which generators each solver path supports.

    Returns
    -------
    dict
        ``{"cvxpy": ..., "scipy": ...}``, a one-line description of each path.

    Notes
    -----
    cvxpy (Clarabel) handles the generators whose conjugate and perspective have a DCP form:
    KL (exponential cone), reverse KL, squared Hellinger, Jensen-Shannon and GAN (exponential
    cone), Pearson and Neyman :math:`\chi^2` and Le Cam (second-order cone), total variation
    (linear). scipy handles
    any generator with a numeric link :math:`(f^*)'` (smooth or not, with a certified
    Frank-Wolfe gap on the dual side).

    Examples
    --------
    >>> sorted(solver_paths())
    ['cvxpy', 'scipy']
    """
    return {
        "cvxpy": ", ".join(CVXPY_GENERATORS) + " (recognised by value, any normalisation-free "
        "equal generator qualifies)",
        "scipy": "any generator with numeric f, f* and link (dual: SLSQP / L-BFGS-B with a "
        "certified Frank-Wolfe gap; primal: SLSQP on the simplex)",
    }


def _problem(generator: Any, P: Any, Q: Any, cls: Any):
    g = resolve_generator(generator)
    atoms, p, q = finite_problem(P, Q)
    H = class_on_support(cls, atoms)
    return g, atoms, p, q, H


def _choose(solver: str, form: KnownForm | None) -> str:
    if solver not in _SOLVERS:
        raise BoundkitError(f"unknown solver {solver!r}: expected one of {', '.join(_SOLVERS)}")
    if solver == "cvxpy" and form is None:
        raise BoundkitError(
            "the cvxpy path supports " + ", ".join(CVXPY_GENERATORS) + "; use solver='scipy'"
        )
    if solver == "auto":
        return "cvxpy" if form is not None else "scipy"
    return solver


# ------------------------------------------------------------------------ results
@dataclass(frozen=True)
class RestrictedDivergence:
    r"""The dual side: :math:`D_f^{\mathcal H}(P\|Q)` and its maximiser.

    Attributes
    ----------
    value : float
        :math:`\sum_i p_i h^*_i - \Lambda_f^Q[h^*]`, re-evaluated exactly at the returned
        :math:`h^*` (a certified lower bound of :math:`D_f^{\mathcal H}`).
    h : ndarray, shape (k,)
        The maximiser on the support :attr:`atoms`.
    nu : float
        Its optimal shift :math:`\nu_{h^*}`.
    lam : float
        :math:`\Lambda_f^Q[h^*]`.
    e_p_h : float
        :math:`\mathbb E_P h^*`.
    weights : ndarray or None
        Design weights :math:`w^*` (ball classes), or None.
    index : int or None
        Index of the best function (finite classes), or None.
    atoms, p, q : ndarray
        The common support and the two probability vectors.
    solver : str
        ``"cvxpy:<SOLVER>"``, ``"scipy:<method>"`` or ``"enumeration"``.
    status : str
        The solver status.
    tolerance : float
        The solver tolerance requested.
    gap_bound : float
        A certified bound on :math:`D_f^{\mathcal H} - \text{value}` when available
        (Frank-Wolfe gap; ``nan`` for cvxpy, whose certificate is the primal).
    generator : str
    """

    value: float
    h: np.ndarray
    nu: float
    lam: float
    e_p_h: float
    weights: np.ndarray | None
    index: int | None
    atoms: np.ndarray
    p: np.ndarray
    q: np.ndarray
    solver: str
    status: str
    tolerance: float
    gap_bound: float
    generator: str
    info: dict = field(default_factory=dict, repr=False)

    def __float__(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class PrimalResult:
    r"""The primal side: :math:`\inf_\eta D_f(\eta\|Q) + \mathrm{IPM}_{\mathcal H}(P, \eta)`.

    Attributes
    ----------
    value : float
        The objective re-evaluated exactly at the returned :math:`\eta^*` (a certified upper
        bound of the infimum).
    eta : ndarray, shape (k,)
        The minimiser (a probability vector on :attr:`atoms`).
    divergence : float
        :math:`D_f(\eta^*\|Q)`.
    ipm : float
        :math:`\mathrm{IPM}_{\mathcal H}(P, \eta^*)`.
    atoms, p, q : ndarray
    solver, status : str
    tolerance : float
    generator : str
    """

    value: float
    eta: np.ndarray
    divergence: float
    ipm: float
    atoms: np.ndarray
    p: np.ndarray
    q: np.ndarray
    solver: str
    status: str
    tolerance: float
    generator: str

    def __float__(self) -> float:
        return float(self.value)


def _dual_at(g, p, q, h) -> tuple[float, float, float, float]:
    lam = shift_functional(g, h, q, h_null=h[(q == 0) & (p > 0)])
    e_p = float(np.dot(p, h))
    return e_p - lam.value, lam.value, lam.nu, e_p


# ------------------------------------------------------------------------ public functions
def restricted_divergence(
    generator: Any,
    P: Any,
    Q: Any,
    cls: Any,
    *,
    solver: str = "auto",
    cvxpy_solver: str | None = None,
    tol: float = _CVX_TOL,
    gap_tol: float = 1e-6,
    polish: bool = True,
) -> RestrictedDivergence:
    r"""The restricted divergence :math:`D_f^{\mathcal H}(P\|Q)` on a finite support (dual).

    Parameters
    ----------
    generator : Generator or str
    P, Q : FiniteDistribution or GridDensity
        Aligned on the union of their atoms (or the common grid).
    cls : LinearClass, RKHSBall, FiniteClass or array_like
        The discriminator class (see :func:`class_on_support`).
    solver : {"auto", "cvxpy", "scipy"}
        ``"auto"``: cvxpy for :data:`CVXPY_GENERATORS`, scipy otherwise. Finite classes are
        always solved by enumeration.
    cvxpy_solver : str, optional
        cvxpy solver name (default ``"CLARABEL"``).
    tol : float
        Solver tolerance (Clarabel gap and feasibility).
    polish : bool
        Refine a cvxpy solution with a warm-started SLSQP run (designs with at most 400
        columns); kept only when it does not decrease the objective.
    gap_tol : float
        The scipy path raises :class:`~boundkit.SolverError` when its certified Frank-Wolfe gap
        exceeds ``gap_tol * max(1, |value|)``.

    Returns
    -------
    RestrictedDivergence

    Raises
    ------
    SolverError
        When the solver does not report an optimal solution.

    Notes
    -----
    .. math:: D_f^{\mathcal H}(P\|Q) = \sup_{h\in\mathcal H} \sum_i p_i h_i
              - \Lambda_f^Q[h], \qquad
              \Lambda_f^Q[h] = \min_\nu\, \nu + \sum_i q_i f^*(h_i - \nu).

    On atoms charged by :math:`P` but not by :math:`Q`, :math:`h - \nu` must stay in the
    closure of :math:`\mathrm{dom} f^*` (:math:`0 \cdot (+\infty) = +\infty`), which is
    what makes the unrestricted supremum equal :math:`D_f`, including its
    :math:`f'(\infty) P(q = 0)` term.

    For a ball :math:`\{\Phi w: \|w\|_p \le B\}` the problem is jointly concave in
    :math:`(w, \nu)`; cvxpy solves it in that form (for KL, with
    :math:`\Lambda = \log\sum_i q_i e^{h_i}`). The returned value is recomputed exactly at the
    solution.

    Examples
    --------
    >>> from boundkit.distributions import FiniteDistribution
    >>> from boundkit.classes import LinearClass
    >>> P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    >>> Q = FiniteDistribution([0.0, 1.0, 2.0], [0.5, 0.3, 0.2])
    >>> r = restricted_divergence("kl", P, Q, LinearClass(B=0.5))
    >>> r.status, round(r.value, 5)
    ('optimal', 0.21934)
    """
    g, atoms, p, q, H = _problem(generator, P, Q, cls)
    name = str(getattr(g, "name", "f"))
    if H.kind == "finite":
        vals = [_dual_at(g, p, q, hv) for hv in H.values]
        j = int(np.argmax([v[0] for v in vals]))
        val, lam, nu, e_p = vals[j]
        return RestrictedDivergence(
            val,
            H.values[j].copy(),
            nu,
            lam,
            e_p,
            None,
            j,
            atoms,
            p,
            q,
            "enumeration",
            "optimal",
            0.0,
            0.0,
            name,
        )
    form = identify_generator(g)
    path = _choose(solver, form)
    if path == "cvxpy":
        assert form is not None
        w, sname, status, tol = _cvx_dual(g, form, p, q, H, cvxpy_solver, tol)
        gap = float("nan")
    else:
        w, sname, status, gap = _scipy_dual(g, p, q, H, tol)
    # polish only where Lambda is smooth: no kink of f* at the end of a closed domain (TV) and
    # no floor on nu from atoms P charges and Q does not
    bounded = np.isfinite(conjugate_domain_end(g)[0])
    smooth = lambda_differentiable(g) and not (bounded and np.any((q == 0) & (p > 0)))
    if path == "cvxpy" and polish and smooth and H.Phi.shape[1] <= _POLISH_MAX:
        # interior-point solutions are accurate in value (second order) but only to about
        # sqrt(tol) in h; a warm-started SLSQP polish makes the first-order identities of C4
        # hold to solver precision. It is kept only if it does not lower the objective.
        try:
            w2, *_ = _scipy_dual(g, p, q, H, tol, w0=w)
            if _dual_at(g, p, q, H.Phi @ w2)[0] >= _dual_at(g, p, q, H.Phi @ w)[0]:
                w = w2
                sname += "+polish"
        except (BoundkitError, FloatingPointError, ValueError):
            pass
    hv = H.Phi @ w
    val, lam, nu, e_p = _dual_at(g, p, q, hv)
    if not np.isfinite(val):
        raise SolverError(f"{sname} returned a point where the dual objective is {val}")
    if path == "scipy":
        if not gap <= gap_tol * max(1.0, abs(val)):
            raise SolverError(
                f"{sname} stopped with Frank-Wolfe gap {gap:.3g} > {gap_tol:g} ({status})"
            )
        status = "optimal"
    return RestrictedDivergence(
        val, hv, nu, lam, e_p, w, None, atoms, p, q, sname, status, tol, gap, name
    )


def primal(
    generator: Any,
    P: Any,
    Q: Any,
    cls: Any,
    *,
    solver: str = "auto",
    cvxpy_solver: str | None = None,
    tol: float = _CVX_TOL,
) -> PrimalResult:
    r"""The primal (inf-convolution) :math:`\inf_\eta D_f(\eta\|Q) + \mathrm{IPM}_{\mathcal H}(P,
    \eta)` over distributions :math:`\eta` on the common support.

    Parameters
    ----------
    generator : Generator or str
    P, Q : FiniteDistribution or GridDensity
    cls : LinearClass, RKHSBall, FiniteClass or array_like
    solver : {"auto", "cvxpy", "scipy"}
        ``"auto"``: cvxpy for :data:`CVXPY_GENERATORS`, scipy (SLSQP) otherwise; when cvxpy
        fails, ``"auto"`` falls back to scipy and says so in ``status``
        (``"cvxpy"`` raises :class:`~boundkit.SolverError`).
    cvxpy_solver : str, optional
    tol : float

    Returns
    -------
    PrimalResult

    Raises
    ------
    SolverError
        When the solver (or, with ``"auto"``, both solvers) fails.

    Notes
    -----
    .. math:: \min_{\eta \in \Delta_k} \sum_{q_i > 0} q_i f(\eta_i / q_i)
              + f'(\infty)\!\sum_{q_i = 0}\eta_i
              + \sup_{h \in \mathcal H}\langle h, p - \eta\rangle,

    with :math:`\sup_h \langle h, v\rangle = B\|\Phi^\top v\|_q` for balls and
    :math:`\max_j \langle h_j, v\rangle` for finite classes. The value is recomputed exactly
    at the returned :math:`\eta`. By weak duality (C3) it is :math:`\ge D_f^{\mathcal H}`.

    Examples
    --------
    >>> from boundkit.distributions import FiniteDistribution
    >>> from boundkit.classes import LinearClass
    >>> P = FiniteDistribution([0.0, 1.0, 2.0], [0.2, 0.3, 0.5])
    >>> Q = FiniteDistribution([0.0, 1.0, 2.0], [0.5, 0.3, 0.2])
    >>> round(primal("kl", P, Q, LinearClass(B=0.5)).value, 5)
    0.21934
    """
    g, atoms, p, q, H = _problem(generator, P, Q, cls)
    name = str(getattr(g, "name", "f"))
    form = identify_generator(g)
    path = _choose(solver, form)
    fallback = ""
    if path == "cvxpy":
        assert form is not None
        try:
            eta, sname, status, tol = _cvx_primal(g, form, p, q, H, cvxpy_solver, tol)
        except SolverError as exc:
            if solver != "auto":
                raise
            # auto mode: a cvxpy failure falls back to the scipy path, and says so
            fallback = f" (cvxpy failed: {exc})"
            path = "scipy"
    if path == "scipy":
        eta, sname, status = _scipy_primal(g, p, q, H, tol)
        status += fallback
    div = _div_pq(g, eta, q)
    ipm = H.support(p - eta)
    val = div + ipm
    if not np.isfinite(val):
        raise SolverError(f"{sname} returned a point where the primal objective is {val}")
    return PrimalResult(val, eta, div, ipm, atoms, p, q, sname, status, tol, name)
