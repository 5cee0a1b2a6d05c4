r"""Monte Carlo population supports: a seeded sample of the balance mixture of P and Q.

For pairs with neither a finite support nor a 1-D/2-D quadrature grid (two Gaussians in
:math:`d \ge 3`, a mixture against a Gaussian in 3-D, sklearn-wrapped models) the population
quantities of an :class:`~boundkit.simulation.Experiment` are computed on :math:`K` points,
:math:`K_P = \lfloor K/2\rfloor` drawn from P and :math:`K_Q = K - K_P` from Q, weighted by
self-normalised importance weights against the mixture
:math:`m = (K_P/K)\,p + (K_Q/K)\,q` they were drawn from:

.. math::

    p_k = \frac{p(x_k)/m(x_k)}{\sum_j p(x_j)/m(x_j)},\qquad
    q_k = \frac{q(x_k)/m(x_k)}{\sum_j q(x_j)/m(x_j)}.

Both ratios are at most about 2, so every expectation of a bounded function has a finite
variance; the support then goes through the same finite-support kernels as a grid
(:func:`boundkit.generators.shift_functional`, :func:`boundkit.generators.perspective_divergence`,
the class's support function). A divergence whose summands are heavy-tailed (Pareto
:math:`\hat k` above :data:`boundkit.duality.KHAT_THRESHOLD`, from the tails of the density
ratios: :func:`divergence_khat`) is refused: it may be infinite, and a finite average of it
would be reported as if it were not.

Standard errors are batch means: the draws are dealt into :data:`MC_BATCHES` batches (each an
equal share of the draws of P and of Q), every quantity is recomputed on every batch (the same
kernels on the batch's renormalised weights, the discriminators held fixed) and
:math:`\mathrm{se} = s_B/\sqrt B`. Under the t approximation with :math:`B - 1 = 31` degrees of
freedom an error beyond 4 se has probability :math:`3.6\cdot 10^{-4}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import FiniteDistribution
from boundkit.duality import (
    KHAT_THRESHOLD,
    check_density_ratios,
    generator_tail_exponents,
    pareto_khat,
)
from boundkit.simulation._support import Support

__all__ = [
    "MC_BATCHES",
    "MIN_MC_SIZE",
    "TailIndices",
    "batch_se",
    "divergence_khat",
    "monte_carlo_support",
    "refuse_heavy_tail",
    "sub_support",
]

#: Batches of the batch-means standard errors.
MC_BATCHES = 32
#: Smallest Monte Carlo population sample (64 draws of P and of Q per batch: with fewer, the
#: spread of the batch values of a supremum such as the IPM understates its error).
MIN_MC_SIZE = 128 * MC_BATCHES


def _log_density(D: Any, x: np.ndarray, label: str) -> np.ndarray:
    lp = np.asarray(D.logpdf(x), dtype=float).reshape(-1)
    if lp.shape[0] != x.shape[0] or np.any(np.isnan(lp)) or np.any(lp == np.inf):
        raise BoundkitError(f"{label}.logpdf must return one finite-or--inf value per point")
    return lp


def monte_carlo_support(P: Any, Q: Any, size: int, seed: int) -> Support:
    r"""A Monte Carlo support of ``size`` points of P and Q (see the module docstring).

    Parameters
    ----------
    P, Q : Distribution
        With ``sample`` and ``logpdf`` (densities: finite distributions are refused).
    size : int
        :math:`K`, at least :data:`MIN_MC_SIZE`.
    seed : int
        Root of the draws: ``SeedSequence(seed).spawn(2)`` for P and Q.

    Returns
    -------
    Support
        ``kind="monte-carlo"``, with the batch of every point in ``batch``.

    Notes
    -----
    The mean of each ratio :math:`p/m` and :math:`q/m` over the sample must be 1 within 4
    standard errors (:func:`boundkit.duality.check_density_ratios`): this catches a logpdf
    that is not normalised.
    """
    for label, D in (("P", P), ("Q", Q)):
        if isinstance(D, FiniteDistribution):
            raise BoundkitError(
                f"population='monte-carlo' needs densities; {label} is finite (use "
                "population='finite' with finite P and Q)"
            )
    if isinstance(size, bool) or int(size) != size or size < MIN_MC_SIZE:
        raise BoundkitError(f"mc_size must be an integer >= {MIN_MC_SIZE}; got {size!r}")
    size = int(size)
    n_p = size // 2
    n_q = size - n_p
    sp, sq = np.random.SeedSequence(int(seed)).spawn(2)
    d = int(P.dim)
    xp = np.asarray(P.sample(n_p, rng=np.random.default_rng(sp)), dtype=float).reshape(n_p, d)
    xq = np.asarray(Q.sample(n_q, rng=np.random.default_rng(sq)), dtype=float).reshape(n_q, d)
    x = np.vstack([xp, xq])
    lp, lq = _log_density(P, x, "P"), _log_density(Q, x, "Q")
    lm = np.logaddexp(lp + np.log(n_p / size), lq + np.log(n_q / size))
    if not np.all(np.isfinite(lm)):
        raise BoundkitError("a Monte Carlo draw has zero density under both P and Q")
    u, v = np.exp(lp - lm), np.exp(lq - lm)
    # both ratios are bounded (by size / n_p and size / n_q): only their mean is tested
    check_density_ratios(u, what="p/m (m the mixture of P and Q sampled)", tail=False)
    check_density_ratios(v, what="q/m (m the mixture of P and Q sampled)", tail=False)
    batch = np.concatenate([np.arange(n_p) % MC_BATCHES, np.arange(n_q) % MC_BATCHES])
    return Support(x=x, p=u / u.sum(), q=v / v.sum(), kind="monte-carlo", batch=batch)


def sub_support(sup: Support, b: int) -> tuple[np.ndarray, Support]:
    r"""Batch ``b`` of a Monte Carlo support: its indices and renormalised weights
    :math:`p_k / \sum_{j \in b} p_j`, :math:`q_k / \sum_{j \in b} q_j`.

    Raises
    ------
    BoundkitError
        If ``sup`` has no batches (not a Monte Carlo support) or batch ``b`` has no point
        with positive weight under both P and Q.
    """
    if sup.batch is None:
        raise BoundkitError(
            f"sub_support needs a Monte Carlo support (with batches); got a {sup.kind!r} support"
        )
    idx = np.flatnonzero(sup.batch == b)
    p, q = sup.p[idx], sup.q[idx]
    if not (p.sum() > 0 and q.sum() > 0):
        raise BoundkitError(
            f"batch {b!r} of the Monte Carlo support has no weight under P or Q (batches are "
            f"0..{int(sup.batch.max())})"
        )
    return idx, Support(x=sup.x[idx], p=p / p.sum(), q=q / q.sum(), kind="monte-carlo")


def batch_se(values: np.ndarray) -> np.ndarray:
    r"""Batch-means standard error :math:`s_B/\sqrt B` along axis 0 of ``values`` (B, ...);
    infinite where a batch value is not finite."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        se = v.std(axis=0, ddof=1) / np.sqrt(v.shape[0])
    return np.where(np.all(np.isfinite(v), axis=0), se, np.inf)


def driver_khat(x: np.ndarray) -> float:
    r"""Pareto :math:`\hat k` (at least 0) of a positive ratio along its last axis, over its
    finite values; one value per row for a 2-d ``x``."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        return np.array([driver_khat(row) for row in x])  # type: ignore[return-value]
    x = x[np.isfinite(x) & (x > 0)]
    return max(float(pareto_khat(x)), 0.0) if x.size else 0.0


@dataclass(frozen=True)
class TailIndices:
    r"""Tail indices of the importance ratios of a Monte Carlo support, for
    :func:`divergence_khat`.

    Attributes
    ----------
    beta, gamma : float
        :func:`boundkit.duality.generator_tail_exponents` of f.
    k_p, k_q : float
        Pareto :math:`\hat k` of :math:`m/p` and :math:`m/q` on the support (``p/m`` and
        ``q/m`` themselves are at most about 2).
    """

    beta: float
    gamma: float
    k_p: float
    k_q: float

    @classmethod
    def of(cls, g: Any, sup: Support) -> TailIndices:
        """The indices of generator ``g`` on support ``sup``."""
        beta, gamma = generator_tail_exponents(g)
        with np.errstate(divide="ignore"):
            return cls(beta, gamma, driver_khat(1.0 / sup.p), driver_khat(1.0 / sup.q))


def divergence_khat(t: TailIndices, which: str, r: np.ndarray | None = None) -> np.ndarray:
    r"""Tail index of the Monte Carlo summands of a divergence on the support.

    Parameters
    ----------
    t : TailIndices
    which : {"base", "refined", "refinement"}
        :math:`D_f(P\|Q)`, :math:`D_f(P\|Q_h)` or :math:`D_f(Q_h\|Q)`.
    r : ndarray, shape (K,) or (R, K)
        :math:`dQ_h/dQ` on the support (rows: several h), for ``"refined"``/``"refinement"``.

    Returns
    -------
    ndarray
        One index per row of ``r`` (shape (1,) for ``"base"``).

    Notes
    -----
    The summand of :math:`D_f(A\|B)` at a draw of :math:`m` is :math:`\rho\,f(\alpha/\rho)`,
    :math:`\alpha = a/m`, :math:`\rho = b/m`; with :math:`|f(u)| \approx u^\beta`
    (:math:`u\to\infty`), :math:`u^{-\gamma}` (:math:`u \to 0`) it is about
    :math:`\alpha^\beta\rho^{1-\beta}` or :math:`\rho^{1+\gamma}\alpha^{-\gamma}`.
    Tail indices add (at most) over products, and :math:`p/m, q/m \le 2` contribute nothing:

    .. math::

        D_f(P\|Q):&\ \max\big((\beta-1)_+ k(m/q),\ \gamma k(m/p)\big),\\
        D_f(P\|Q_h):&\ \max\big((\beta-1)_+ (k(m/q) + k(1/r)),\
            (1+\gamma) k(r) + \gamma k(m/p)\big),\\
        D_f(Q_h\|Q):&\ \max\big(\beta k(r),\ \gamma k(1/r)\big).

    Testing the summands' own tail would refuse bounded summands (the top values of a bounded
    variable can mimic a Pareto tail); the ratios' tails do not.
    """
    b1 = max(t.beta - 1.0, 0.0)
    if which == "base":
        return np.array([max(b1 * t.k_q, t.gamma * t.k_p)])
    if which not in ("refined", "refinement"):
        raise BoundkitError(f"which must be 'base', 'refined' or 'refinement'; got {which!r}")
    if r is None:
        raise BoundkitError(f"divergence_khat({which!r}) needs r = dQ_h/dQ on the support")
    r2 = np.atleast_2d(r)
    with np.errstate(divide="ignore"):
        kr, kinv = np.atleast_1d(driver_khat(r2)), np.atleast_1d(driver_khat(1.0 / r2))
    if which == "refined":
        return np.maximum(b1 * (t.k_q + kinv), (1.0 + t.gamma) * kr + t.gamma * t.k_p)
    return np.maximum(t.beta * kr, t.gamma * kinv)


def refuse_heavy_tail(k: np.ndarray, what: str) -> None:
    r"""Refuse a Monte Carlo divergence whose summands' tail index (:func:`divergence_khat`)
    exceeds :data:`boundkit.duality.KHAT_THRESHOLD`: the divergence or its variance may be
    infinite, and a finite average would be reported as if it were not."""
    worst = float(np.max(k))
    if worst > KHAT_THRESHOLD:
        raise BoundkitError(
            f"Monte Carlo estimate of {what} refused: its summands are heavy-tailed (Pareto "
            f"k-hat = {worst:.2f} > {KHAT_THRESHOLD}; the divergence or its variance may be "
            "infinite): use a closed form, finite supports or a Q with heavier tails"
        )
