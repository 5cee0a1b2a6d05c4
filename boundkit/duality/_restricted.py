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
from boundkit._validation import check_positive
from boundkit.duality._common import (
    KnownForm,
    finite_problem,
    fprime_at_inf,
    identify_generator,
    resolve_generator,
)
from boundkit.duality._divergence import _div_pq
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


# ------------------------------------------------------------------------ the class on a support
@dataclass(frozen=True)
class ClassOnSupport:
    r"""A discriminator class restricted to a finite support.

    Either a norm ball in design coordinates, :math:`\{\Phi w : \|w\|_p \le B\}` (linear and
    RKHS classes), or a finite set of functions given by their values (``values``, one row per
    function; not convex in general).

    Attributes
    ----------
    kind : str
        ``"ball"`` or ``"finite"``.
    Phi : ndarray, shape (k, m) or None
        The design matrix on the support.
    p : float
        Norm of the ball (1, 2 or inf).
    B : float
        Radius of the ball.
    values : ndarray, shape (n_functions, k) or None
        The functions of a finite class.

    Notes
    -----
    .. math:: \sup_{h\in\mathcal H} \langle h, v\rangle = B\|\Phi^\top v\|_{q}
              \ \text{(ball)}, \qquad \max_j \langle h_j, v\rangle \ \text{(finite)}.
    """

    kind: str
    Phi: Any = None
    p: float = 2.0
    B: float = 1.0
    values: Any = None

    @property
    def q(self) -> float:
        """The dual exponent of :attr:`p`."""
        return {1.0: np.inf, 2.0: 2.0, np.inf: 1.0}[self.p]

    @property
    def convex(self) -> bool:
        """Whether the class is convex (balls are; finite classes are treated as not)."""
        return self.kind == "ball"

    def support(self, v: Any) -> float:
        r""":math:`\sup_{h \in \mathcal H} \sum_i v_i h(x_i)` (the IPM when ``v = p - eta``)."""
        v = np.asarray(v, dtype=float)
        if self.kind == "finite":
            return float(np.max(self.values @ v))
        z = self.Phi.T @ v
        return float(self.B * np.linalg.norm(z, ord=self.q))

    def project(self, w: np.ndarray) -> np.ndarray:
        """Project design weights onto the ball (removes solver round-off only)."""
        from boundkit.classes import project_ball

        return project_ball(np.asarray(w, dtype=float), self.p, self.B)


def _check_B(B: Any) -> float:
    return check_positive("B", B)


def class_on_support(cls: Any, atoms: np.ndarray) -> ClassOnSupport:
    r"""Restrict a discriminator class to the finite support ``atoms``.

    Parameters
    ----------
    cls : LinearClass, RKHSBall, FiniteClass or array_like
        A class with ``design_matrix`` (and ``p``, ``B``), an object with ``values`` (a
        finite class on this support), or an array ``(n_functions, k)`` of function values.
    atoms : ndarray, shape (k, d)

    Returns
    -------
    ClassOnSupport

    Notes
    -----
    For an RKHS ball the design matrix is :math:`K^{1/2}` on the support, so the class is
    :math:`\{K^{1/2} w : \|w\|_2 \le B\}`.
    """
    k = atoms.shape[0]
    if hasattr(cls, "design_matrix"):
        from boundkit.classes._base import _norm_exponent

        B = _check_B(getattr(cls, "B", None))
        p = _norm_exponent(getattr(cls, "p", 2.0))
        Phi = np.asarray(cls.design_matrix(atoms), dtype=float)
        if Phi.ndim != 2 or Phi.shape[0] != k or not np.all(np.isfinite(Phi)):
            raise BoundkitError(f"the design matrix must be finite with {k} rows")
        return ClassOnSupport("ball", Phi=Phi, p=p, B=B)
    vals = getattr(cls, "values", cls)
    if callable(vals) or vals is None:
        raise BoundkitError(
            "the class must provide design_matrix(x) (linear, RKHS) or finite values "
            "(n_functions, k)"
        )
    arr = np.asarray(vals, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != k:
        raise BoundkitError(
            f"a finite class needs values of shape (n_functions, {k}), got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise BoundkitError("the finite class has NaN or infinite values")
    return ClassOnSupport("finite", values=arr)


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


# ------------------------------------------------------------------------ cvxpy
_CVX_TOL = 1e-10
_POLISH_MAX = 400


def _cvx_solve(prob: Any, solver: str | None, tol: float) -> tuple[str, str, float]:
    """Solve; on an inaccurate result or a numerical failure retry with a 100x, then
    10^4 x looser tolerance.

    Returns ``(solver label, status, tolerance used)``; raises SolverError otherwise.
    """
    import warnings

    import cvxpy as cp

    name = (solver or "CLARABEL").upper()
    status = "not solved"
    for attempt_tol in (tol, 100.0 * tol, 1e4 * tol):
        kwargs: dict[str, Any] = {}
        if name == "CLARABEL":
            kwargs = dict(
                tol_gap_abs=attempt_tol, tol_gap_rel=attempt_tol, tol_feas=attempt_tol, max_iter=500
            )
        elif name == "SCS":
            kwargs = dict(eps_abs=attempt_tol, eps_rel=attempt_tol, max_iters=200_000)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver=name, **kwargs)
        except cp.error.SolverError as exc:
            # a numerical breakdown at a tight tolerance often passes at a looser one
            status = f"failed: {exc}"
            continue
        status = str(prob.status)
        if status == cp.OPTIMAL:
            return f"cvxpy:{name}", status, attempt_tol
    raise SolverError(f"cvxpy solver {name} returned status {status!r}")


def _reduced_design(H: ClassOnSupport) -> tuple[Any, Any]:
    r"""For p = 2, a full-column-rank design :math:`U_r S_r` with the same ball image, and the
    map :math:`V_r` back to the original weights (``None`` when no reduction applies)."""
    Phi = H.Phi
    if H.p != 2.0 or min(Phi.shape) == 0:
        return Phi, None
    U, S, Vt = np.linalg.svd(Phi, full_matrices=False)
    keep = S > 1e-10 * max(float(S[0]) if S.size else 0.0, np.finfo(float).tiny)
    if np.all(keep) and Phi.shape[1] <= Phi.shape[0]:
        return Phi, None
    return U[:, keep] * S[keep], Vt[keep].T


def _cvx_dual(g, form: KnownForm, p, q, H: ClassOnSupport, solver, tol):
    import cvxpy as cp

    on = q > 0
    Phi, back = _reduced_design(H)
    m = Phi.shape[1]
    w = cp.Variable(m)
    h = Phi @ w
    cons = [H_norm(w, H.p) <= H.B]
    if form.key == "kl":
        obj = p @ h - cp.log_sum_exp(Phi[on] @ w + np.log(q[on]))
    else:
        nu = cp.Variable()
        t = (Phi[on] @ w) - nu
        obj = p @ h - nu - q[on] @ form.fstar_cvx(t)
        if np.isfinite(form.dom_upper) and form.dom_closed:
            cons.append(t <= form.dom_upper)
        null = (~on) & (p > 0)
        if np.isfinite(form.dom_upper) and np.any(null):
            # atoms P charges and Q does not: h - nu stays in the closure of dom f*
            cons.append(Phi[null] @ w - nu <= form.dom_upper)
    prob = cp.Problem(cp.Maximize(obj), cons)
    name, status, used = _cvx_solve(prob, solver, tol)
    wv = np.asarray(w.value, dtype=float)
    if back is not None:
        wv = back @ wv
    return H.project(wv), name, status, used


def H_norm(w: Any, p: float) -> Any:
    """The cvxpy norm ``||w||_p`` for p in {1, 2, inf}."""
    import cvxpy as cp

    return {1.0: cp.norm1, 2.0: cp.norm2}.get(p, cp.norm_inf)(w)


def _cvx_primal(g, form: KnownForm, p, q, H: ClassOnSupport, solver, tol):
    import cvxpy as cp

    k = p.shape[0]
    on = q > 0
    if form.key == "pearson":
        # chi^2 in the whitened variable r = (eta - q) / sqrt(q): the perspective
        # (eta - q)^2 / q has coefficients 1 / q (up to 1e30 on grid tails) and makes
        # Clarabel fail or stop far from the optimum; ||r||^2 is perfectly conditioned.
        # Pearson has f'(inf) = inf, so eta = 0 where q = 0.
        sq = np.sqrt(q[on])
        r = cp.Variable(int(np.count_nonzero(on)))
        embed = np.zeros((k, sq.size))
        embed[np.flatnonzero(on), np.arange(sq.size)] = 1.0
        eta = embed @ (q[on] + cp.multiply(sq, r))
        cons = [r >= -sq, sq @ r == 1.0 - float(np.sum(q[on]))]
        div = cp.sum_squares(r)
    else:
        eta = cp.Variable(k, nonneg=True)
        cons = [cp.sum(eta) == 1]
        div = cp.sum(form.persp_cvx(eta[on], q[on])) if np.any(on) else 0
    if form.key != "pearson" and not np.all(on):
        fpi = fprime_at_inf(g)
        if np.isfinite(fpi):
            div = div + fpi * cp.sum(eta[~on])
        else:
            cons.append(eta[~on] == 0)
    v = p - eta
    if H.kind == "finite":
        ipm = cp.max(H.values @ v)
    else:
        Phi, _ = _reduced_design(H)
        ipm = H.B * {1.0: cp.norm1, 2.0: cp.norm2}.get(H.q, cp.norm_inf)(Phi.T @ v)
    prob = cp.Problem(cp.Minimize(div + ipm), cons)
    name, status, used = _cvx_solve(prob, solver, tol)
    return _clean_eta(np.asarray(eta.value, dtype=float), q, g), name, status, used


def _clean_eta(eta: np.ndarray, q: np.ndarray, g: Any) -> np.ndarray:
    eta = np.maximum(eta, 0.0)
    if not np.isfinite(fprime_at_inf(g)):
        eta = np.where(q > 0, eta, 0.0)
    s = eta.sum()
    if not s > 0:
        raise SolverError("the primal solver returned a zero measure")
    return eta / s


# ------------------------------------------------------------------------ scipy
def _scipy_dual(g, p, q, H: ClassOnSupport, tol, w0=None):
    from scipy.optimize import minimize

    Phi = H.Phi
    m = Phi.shape[1]
    c = Phi.T @ p
    qon = q > 0

    def fun(w):
        hv = Phi @ w
        lam = shift_functional(g, hv, q, h_null=hv[(q == 0) & (p > 0)])
        # the gradient of Lambda in h is the refined model q * dQ_h/dQ
        grad = c - Phi.T @ np.where(qon, q * lam.ratio, 0.0)
        return -(float(c @ w) - lam.value), -grad

    B = H.B
    opts = {"maxiter": 100 if w0 is not None else 2000, "ftol": 1e-15}
    x0 = np.zeros(m) if w0 is None else np.asarray(w0, dtype=float)
    if H.p == np.inf:
        res = minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-B, B)] * m,
            options={"maxiter": opts["maxiter"] * 2, "ftol": 1e-15, "gtol": 1e-12},
        )
        w = res.x
        method = "L-BFGS-B"
    elif H.p == 2.0:
        cons = {"type": "ineq", "fun": lambda w: B * B - w @ w, "jac": lambda w: -2 * w}
        res = minimize(fun, x0, jac=True, method="SLSQP", constraints=[cons], options=opts)
        w = res.x
        method = "SLSQP"
    else:

        def fun1(z):
            val, grad = fun(z[:m] - z[m:])
            return val, np.concatenate([grad, -grad])

        cons = {"type": "ineq", "fun": lambda z: B - z.sum(), "jac": lambda z: -np.ones(2 * m)}
        z0 = np.concatenate([np.maximum(x0, 0.0), np.maximum(-x0, 0.0)])
        res = minimize(
            fun1,
            z0,
            jac=True,
            method="SLSQP",
            constraints=[cons],
            bounds=[(0, None)] * (2 * m),
            options=opts,
        )
        w = res.x[:m] - res.x[m:]
        method = "SLSQP"
    w = H.project(w)
    _, grad = fun(w)
    grad = -grad
    gap = float(B * np.linalg.norm(grad, ord=H.q) - grad @ w)
    return w, f"scipy:{method}", str(res.message), max(gap, 0.0)


def _scipy_primal(g, p, q, H: ClassOnSupport, tol):
    r"""SLSQP on :math:`\eta = (q \odot u, t)` (``t`` the mass off the support of Q, allowed
    when :math:`f'(\infty) < \infty`) with an epigraph variable for the IPM term (linear
    constraints for finite classes and :math:`q \in \{1, \infty\}`; the Euclidean norm is
    kept in the objective, smooth away from :math:`\Phi^\top(p - \eta) = 0`)."""
    from scipy.optimize import minimize

    k = p.shape[0]
    on = q > 0
    fpi = fprime_at_inf(g)
    off = ~on if np.isfinite(fpi) else np.zeros(k, dtype=bool)
    idx_on, idx_off = np.flatnonzero(on), np.flatnonzero(off)
    n_on, n_off = idx_on.size, idx_off.size
    n_eta = n_on + n_off
    A = H.values.T if H.kind == "finite" else H.Phi  # z = A^T (p - eta)
    n_z = A.shape[1]
    euclid = H.kind == "ball" and H.q == 2.0
    n_s = 0 if euclid else (n_z if (H.kind == "ball" and H.q == 1.0) else 1)
    scale = 1.0 if H.kind == "finite" else H.B
    n_x = n_eta + n_s
    # d z / d x
    J = np.zeros((n_z, n_x))
    J[:, :n_on] = -(A[idx_on].T * q[idx_on])
    J[:, n_on:n_eta] = -A[idx_off].T

    def eta_of(x):
        eta = np.zeros(k)
        eta[idx_on] = q[idx_on] * x[:n_on]
        eta[idx_off] = x[n_on:n_eta]
        return eta

    def z_of(x):
        return A.T @ (p - eta_of(x))

    def fun(x):
        u = x[:n_on]
        val = float(q[idx_on] @ np.asarray(g.f_numeric(u), dtype=float))
        grad = np.zeros(n_x)
        grad[:n_on] = q[idx_on] * np.asarray(g.fprime(np.maximum(u, 0.0)), dtype=float)
        if n_off:
            val += fpi * float(np.sum(x[n_on:n_eta]))
            grad[n_on:n_eta] = fpi
        if euclid:
            z = z_of(x)
            nz = float(np.linalg.norm(z))
            val += scale * nz
            if nz > 0:
                grad += scale * (z / nz) @ J
        else:
            val += scale * float(np.sum(x[n_eta:]))
            grad[n_eta:] = scale
        return val, grad

    eq_jac = np.concatenate([q[idx_on], np.ones(n_off), np.zeros(n_s)])[None, :]
    cons = [
        {"type": "eq", "fun": lambda x: np.array([eta_of(x).sum() - 1.0]), "jac": lambda x: eq_jac}
    ]
    if not euclid:
        E = np.zeros((n_z, n_x))
        if n_s == 1:
            E[:, -1] = 1.0
        else:
            E[:, n_eta:] = np.eye(n_z)
        if H.kind == "finite":  # s >= z_j
            cons.append({"type": "ineq", "fun": lambda x: E @ x - z_of(x), "jac": lambda x: E - J})
        else:  # s >= |z_j| (one s for q = inf, one per coordinate for q = 1)
            cons.append(
                {
                    "type": "ineq",
                    "fun": lambda x: np.concatenate([E @ x - z_of(x), E @ x + z_of(x)]),
                    "jac": lambda x: np.vstack([E - J, E + J]),
                }
            )
    x = np.concatenate([np.ones(n_on), np.zeros(n_off), np.zeros(n_s)])
    if not euclid:
        z0 = z_of(x)
        if H.kind == "finite":
            x[-1] = float(np.max(z0))
        elif n_s == 1:
            x[-1] = float(np.max(np.abs(z0)))
        else:
            x[n_eta:] = np.abs(z0)
    bounds = (
        [(1e-12, None)] * n_on
        + [(0.0, None)] * n_off
        + [(None if H.kind == "finite" else 0.0, None)] * n_s
    )
    # status 8 ("positive directional derivative in line search") is SLSQP stalling at its
    # precision limit; restarting from the point usually finishes. The final point is feasible
    # and its value exact, so a last stall is kept with its status; other failures raise.
    res: Any = None
    for _ in range(4):
        res = minimize(
            fun,
            x,
            jac=True,
            method="SLSQP",
            bounds=bounds,
            constraints=cons,
            options={"maxiter": 3000, "ftol": 1e-15},
        )
        if res.status not in (0, 8):
            raise SolverError(
                f"scipy SLSQP failed on the primal: {res.message} (status {res.status})"
            )
        moved = float(np.max(np.abs(res.x - x)))
        x = res.x
        if res.success or moved == 0.0:
            break
    status = "optimal" if res.success else f"stalled: {res.message}"
    return _clean_eta(eta_of(x), q, g), "scipy:SLSQP", status


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
