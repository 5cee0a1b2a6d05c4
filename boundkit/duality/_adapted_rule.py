r"""Quadrature for :math:`\Lambda_f^Q[h]` on a Gaussian or Gaussian-mixture base, adapted to
the tilt of :math:`h` and with an error estimate.

Gauss-Hermite nodes of :math:`Q` integrate :math:`E_Q\,\psi(h)` well only while the
integrand lives where :math:`Q` does. When :math:`h` moves the mass far from :math:`Q` (the
refined model of a target :math:`P` that :math:`Q` barely covers), :math:`q\,e^h` is a narrow
bump between two far nodes and a 40-node rule was off by :math:`10^{-1}` in
:math:`\log q_h`. Here the rule is checked by doubling its order; when the two orders
disagree, Gaussians :math:`\varphi_1..\varphi_m` are placed on the modes of
:math:`\log q + h` (Laplace: mean at the mode, covariance the inverse negative Hessian) and
the rules are combined through a smooth partition of unity. With :math:`\varphi_0 = q`,
:math:`\psi_0 = q`, :math:`\psi_c` the Gaussian :math:`\varphi_c` with its covariance
multiplied by ``INFLATE`` (so the partition's transitions are smooth on the nodes) and
:math:`r_c = \psi_c / \sum_k \psi_k`,

.. math::

    E_Q\,g = \sum_c \int g\,q\,r_c\,dx = \sum_c E_{\varphi_c}\Big[g\,\frac{q\,r_c}{\varphi_c}\Big]
    \approx \sum_c\sum_j w_{cj}\,\frac{q(x_{cj})\,r_c(x_{cj})}{\varphi_c(x_{cj})}\,g(x_{cj}),

each term by the Gauss-Hermite rule of its own :math:`\varphi_c`. The weights are
non-negative and sum to :math:`E_Q 1 = 1` up to the quadrature error; they are normalised.
The returned error is the change of :math:`(\nu_h, \Lambda)` between the last two orders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from boundkit._errors import BoundkitError, SolverError
from boundkit._validation import evaluate_at as _eval_func
from boundkit.distributions import Gaussian, GaussianMixture
from boundkit.generators import shift_functional

__all__ = ["AdaptedRule", "adapted_rule"]

#: Gauss-Hermite orders tried per axis, by dimension (the first is the rule used before).
ORDERS = {1: (40, 80, 160, 320), 2: (40, 80, 120), 3: (16, 24, 32)}
#: Requested agreement of (nu, Lambda) between two orders, relative to 1 + |value|.
TOLERANCE = 1e-11
#: Above this relative quadrature error, an unbounded h is looked for (see _refuse_if_infinite).
NOT_CONVERGED = 1e-6
#: At most this many tilt Gaussians (distinct modes of log q + h).
MAX_MODES = 3
#: Covariance inflation of the tilt Gaussians in the partition of unity.
INFLATE = 4.0


@dataclass(frozen=True)
class AdaptedRule:
    r"""A quadrature rule for :math:`E_Q` and what it gave for :math:`\Lambda_f^Q[h]`.

    Attributes
    ----------
    nodes : ndarray, shape (m, d)
    weights : ndarray, shape (m,)
        Non-negative, summing to 1.
    nu, value : float
        :math:`\nu_h` and :math:`\Lambda_f^Q[h]` on this rule.
    error : float
        :math:`|\Delta\nu| + |\Delta\Lambda|` between the last two orders (an estimate).
    adapted : bool
        True when tilt Gaussians were added to the rule of :math:`Q`.
    """

    nodes: np.ndarray
    weights: np.ndarray
    nu: float
    value: float
    error: float
    adapted: bool


def _components(Q: Any) -> tuple[np.ndarray, list[Gaussian]]:
    if isinstance(Q, GaussianMixture):
        return np.asarray(Q.weights, dtype=float), list(Q.components())
    return np.ones(1), [Q]


def gauss_hermite_rule(Q: Any, order: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Q's own rule: ``order`` Gauss-Hermite nodes per axis and component, weights
    :math:`\pi_k w_j` (the rule of every Gaussian and mixture expectation in duality)."""
    pi, comps = _components(Q)
    parts = [c.quadrature(order) for c in comps]
    nodes = np.vstack([p[0] for p in parts])
    weights = np.concatenate([wk * p[1] for wk, p in zip(pi, parts, strict=True)])
    return nodes, weights


def _hessian(s: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of ``s`` at ``x`` (one vectorised call)."""
    d = x.size
    eye = np.diag(step)
    pts = [x]
    for i in range(d):
        for j in range(d):
            a, b = eye[i], eye[j]
            pts += [x + a + b, x + a - b, x - a + b, x - a - b]
    v = s(np.array(pts))
    H = np.empty((d, d))
    k = 1
    for i in range(d):
        for j in range(d):
            H[i, j] = (v[k] - v[k + 1] - v[k + 2] + v[k + 3]) / (4.0 * step[i] * step[j])
            k += 4
    return 0.5 * (H + H.T)


def _tilt_gaussians(Q: Any, h: Callable[[np.ndarray], Any], starts: np.ndarray) -> list[Gaussian]:
    r"""Laplace Gaussians on the distinct local maxima of :math:`s = \log q + h`."""

    def s(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return Q.logpdf(x) + _eval_func(h, x)

    scale = np.sqrt(np.max([np.diag(c.cov) for c in _components(Q)[1]], axis=0))
    found: list[Gaussian] = []
    for x0 in starts:
        res = minimize(lambda x: -float(s(x[None, :])[0]), x0, method="BFGS")
        m = np.asarray(res.x, dtype=float)
        if not (np.all(np.isfinite(m)) and np.isfinite(res.fun)):
            continue
        H = _hessian(s, m, 1e-4 * scale)
        if not np.all(np.isfinite(H)):
            continue
        ev = np.linalg.eigvalsh(-H)
        if ev.min() <= 0:
            continue
        cov = np.linalg.inv(-H)
        cov = 0.5 * (cov + cov.T)
        chol = np.linalg.cholesky(cov)
        if any(np.linalg.norm(np.linalg.solve(chol, m - g.mean)) < 1e-3 for g in found):
            continue
        found.append(Gaussian(m, cov))
        if len(found) == MAX_MODES:
            break
    return found


def _mixed_rule(
    Q: Any, tilts: list[Gaussian], order: int, inflate: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The balance-heuristic combination of the rules of Q and of the tilt Gaussians."""
    rules = [gauss_hermite_rule(Q, order)] + [g.quadrature(order) for g in tilts]
    alpha = np.full(len(rules), 1.0 / len(rules))
    nodes = np.vstack([r[0] for r in rules])
    logq = Q.logpdf(nodes)
    block = np.repeat(np.arange(len(rules)), [r[1].size for r in rules])
    # the partition of unity r_c = alpha_c psi_c / sum_k alpha_k psi_k uses the tilt Gaussians
    # with their covariance inflated (psi_0 = q): its transitions are then smooth on the nodes
    wide = [Gaussian(g.mean, (inflate or INFLATE) * g.cov) for g in tilts]
    logs = np.column_stack([logq] + [g.logpdf(nodes) for g in wide])
    logs = logs + np.log(alpha)
    log_part = logs[np.arange(nodes.shape[0]), block] - logsumexp(logs, axis=1)
    # rule c integrates g q r_c / phi_c against phi_c (phi_0 = q)
    log_phi = np.column_stack([logq] + [g.logpdf(nodes) for g in tilts])
    log_den = log_phi[np.arange(nodes.shape[0]), block]
    w = np.concatenate([r[1] for r in rules]) * np.exp(logq + log_part - log_den)
    keep = w > 0
    # the weights sum to E_Q 1 = 1 up to the quadrature error; normalised, the rule is a
    # probability vector as the kernel requires
    w = w[keep]
    return nodes[keep], w / w.sum()


def _growth_beyond_nodes(Q: Any, h: Callable[[np.ndarray], Any], order: int) -> list[float]:
    r""":math:`\max h` over Q's nodes of ``order`` moved 1, 2 and 4 times as far from Q's mean."""
    nodes = gauss_hermite_rule(Q, order)[0]
    centre = np.asarray(Q.mean, dtype=float).reshape(1, -1)
    with np.errstate(all="ignore"):
        return [float(np.max(_eval_func(h, centre + s * (nodes - centre)))) for s in (1, 2, 4)]


def _refuse_if_infinite(Q: Any, h: Callable[[np.ndarray], Any], generator: Any, why: str) -> None:
    r"""Raise when :math:`\sup\mathrm{dom} f^* < \infty` and ``h`` grows without bound.

    Then :math:`\Lambda_f^Q[h] = +\infty` (no :math:`\nu` keeps :math:`h - \nu` in
    :math:`\mathrm{dom} f^*` on the support of Q, which is all of :math:`\mathbb R^d`), and
    :math:`Q_h` does not exist. Called only when the quadrature failed or did not converge;
    "without bound" means the maximum of h rises by more than 1 at each doubling of the
    distance of Q's nodes from its mean.
    """
    sup = float(generator.domain.sup)
    if not np.isfinite(sup):
        return
    m1, m2, m4 = _growth_beyond_nodes(Q, h, ORDERS[int(Q.dim)][-1])
    if m2 > m1 + 1.0 and m4 > m2 + 1.0:
        raise BoundkitError(
            f"Lambda_f^Q[h] = +inf: dom f* of {generator.name} is bounded above "
            f"(t < {sup:.6g}) and h is unbounded above on the support of Q (max h grows "
            f"{m1:.4g} -> {m2:.4g} -> {m4:.4g} as Q's quadrature nodes move 1, 2, 4 times "
            f"as far out; {why}): the refined model Q_h does not exist"
        )


def adapted_rule(Q: Any, h: Callable[[np.ndarray], Any], generator: Any) -> AdaptedRule:
    r"""A rule for :math:`E_Q` on which :math:`\Lambda_f^Q[h]` is converged (or its error),
    or a refusal when :math:`\Lambda_f^Q[h] = +\infty` (see :func:`_refuse_if_infinite`).

    Parameters
    ----------
    Q : Gaussian or GaussianMixture
        Dimension at most 3.
    h : callable
        The discriminator, vectorised over rows.
    generator : Generator

    Returns
    -------
    AdaptedRule

    Raises
    ------
    BoundkitError
        When :math:`\Lambda_f^Q[h] = +\infty` (bounded :math:`\mathrm{dom} f^*`, h unbounded
        above), never a finite number for it.
    """
    try:
        rule = _converged_rule(Q, h, generator)
    except SolverError as exc:
        _refuse_if_infinite(Q, h, generator, f"the solve failed: {exc}")
        raise
    if not rule.error <= NOT_CONVERGED * (1.0 + abs(rule.nu) + abs(rule.value)):
        _refuse_if_infinite(Q, h, generator, f"the quadrature error is {rule.error:.3g}")
    return rule


def _converged_rule(Q: Any, h: Callable[[np.ndarray], Any], generator: Any) -> AdaptedRule:
    orders = ORDERS[int(Q.dim)]

    h_on_base: dict[int, np.ndarray] = {}  # h on Q's own nodes, by order (evaluated once)

    def base_h(order: int) -> np.ndarray:
        if order not in h_on_base:
            h_on_base[order] = _eval_func(h, gauss_hermite_rule(Q, order)[0])
        return h_on_base[order]

    def solve(
        nodes: np.ndarray, w: np.ndarray, hv: np.ndarray | None = None
    ) -> tuple[float, float]:
        res = shift_functional(generator, _eval_func(h, nodes) if hv is None else hv, w)
        return float(res.nu), float(res.value)

    def close(a: tuple[float, float], b: tuple[float, float]) -> float:
        return abs(a[0] - b[0]) + abs(a[1] - b[1])

    def tol(v: tuple[float, float]) -> float:
        return TOLERANCE * (1.0 + abs(v[0]) + abs(v[1]))

    def converge(rule: Callable[[int], tuple[np.ndarray, np.ndarray]], base: bool) -> Any:
        # d_k = distance between orders k and k - 1. While the distances halve, the error of
        # order k is max(d_k, d_{k-1}) (one small distance can be an accident); stop when it
        # is below the tolerance. When they stop halving, the rule is not converging and the
        # error is the largest distance seen.
        last: tuple[float, float] | None = None
        seen: list[float] = []
        e = np.inf
        for order in orders:
            nodes, w = rule(order)
            v = solve(nodes, w, base_h(order) if base else None)
            if last is not None:
                d = close(v, last)
                if seen and d > 0.5 * seen[-1]:
                    e = max(seen + [d])
                    break
                e = max([d] + seen[-1:])
                seen.append(d)
                if e <= tol(v) or not np.all(np.isfinite(v)):
                    break
            last = v
        return nodes, w, v, e

    # Q's own rule first; tilt Gaussians only if it has not converged
    n1, w1, v1, err = converge(lambda order: gauss_hermite_rule(Q, order), True)
    if err <= tol(v1) or not np.all(np.isfinite(v1)):
        return AdaptedRule(n1, w1, v1[0], v1[1], err, False)
    # starts: the best nodes of all the orders tried (a narrow bump of h can fall between the
    # nodes of one order)
    cand = np.vstack([gauss_hermite_rule(Q, order)[0] for order in orders[:3]])
    with np.errstate(all="ignore"):
        score = Q.logpdf(cand) + np.concatenate([base_h(order) for order in orders[:3]])
    score = np.where(np.isfinite(score), score, -np.inf)
    starts = cand[np.argsort(score)[::-1][: 2 * MAX_MODES]]
    tilts = _tilt_gaussians(Q, h, starts)
    if not tilts:
        return AdaptedRule(n1, w1, v1[0], v1[1], err, False)
    nodes, w, v, e = converge(lambda order: _mixed_rule(Q, tilts, order), False)
    # a second partition of unity (no inflation) gives an independent value: where one of
    # the two converges to a biased value (a tilt Gaussian narrower than the bump of q e^h),
    # they disagree, and the error is at least their distance
    other = converge(lambda order: _mixed_rule(Q, tilts, order, 1.0), False)
    e = max(e, other[3], close(v, other[2]))
    if not e < err:
        return AdaptedRule(n1, w1, v1[0], v1[1], err, False)
    return AdaptedRule(nodes, w, v[0], v[1], e, True)
