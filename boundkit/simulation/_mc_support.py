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
the class's support function). A divergence whose summands
:math:`K\,q_k\phi(p_k/q_k)` (:func:`boundkit.generators.perspective_terms`) are heavy-tailed
(Pareto :math:`\hat k` above :data:`boundkit.duality.KHAT_THRESHOLD`) is refused: it may be
infinite, and a finite average of it would be reported as if it were not.

Standard errors are batch means: the draws are dealt into :data:`MC_BATCHES` batches (each an
equal share of the draws of P and of Q), every quantity is recomputed on every batch (the same
kernels on the batch's renormalised weights, the discriminators held fixed) and
:math:`\mathrm{se} = s_B/\sqrt B`. Under the t approximation with :math:`B - 1 = 31` degrees of
freedom an error beyond 4 se has probability :math:`3.6\cdot 10^{-4}`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import FiniteDistribution
from boundkit.duality import KHAT_THRESHOLD, check_density_ratios, pareto_khat
from boundkit.generators import perspective_terms
from boundkit.simulation._support import Support

__all__ = ["MC_BATCHES", "MIN_MC_SIZE", "batch_se", "monte_carlo_support", "refuse_heavy_tail"]

#: Batches of the batch-means standard errors.
MC_BATCHES = 32
#: Smallest Monte Carlo population sample (16 draws of P and of Q per batch).
MIN_MC_SIZE = 32 * MC_BATCHES


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
    check_density_ratios(u, what="p/m (m the mixture of P and Q sampled)")
    check_density_ratios(v, what="q/m (m the mixture of P and Q sampled)")
    batch = np.concatenate([np.arange(n_p) % MC_BATCHES, np.arange(n_q) % MC_BATCHES])
    return Support(x=x, p=u / u.sum(), q=v / v.sum(), kind="monte-carlo", batch=batch)


def sub_support(sup: Support, b: int) -> tuple[np.ndarray, Support]:
    """Batch ``b`` of a Monte Carlo support (its indices and renormalised weights)."""
    assert sup.batch is not None
    idx = np.flatnonzero(sup.batch == b)
    p, q = sup.p[idx], sup.q[idx]
    return idx, Support(x=sup.x[idx], p=p / p.sum(), q=q / q.sum(), kind="monte-carlo")


def batch_se(values: np.ndarray) -> np.ndarray:
    r"""Batch-means standard error :math:`s_B/\sqrt B` along axis 0 of ``values`` (B, ...);
    infinite where a batch value is not finite."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        se = v.std(axis=0, ddof=1) / np.sqrt(v.shape[0])
    return np.where(np.all(np.isfinite(v), axis=0), se, np.inf)


def refuse_heavy_tail(g: Any, p: np.ndarray, q: np.ndarray, what: str) -> None:
    r"""Refuse a Monte Carlo divergence whose summands are heavy-tailed.

    The summands of :math:`D_f(p\|q)` on a support of :math:`K` points are
    :math:`K q_k\phi(p_k/q_k)` (:func:`boundkit.generators.perspective_terms`; rows of ``p``
    or ``q`` are several divergences); a Pareto :math:`\hat k` above
    :data:`boundkit.duality.KHAT_THRESHOLD` means the divergence or its variance may be
    infinite. A row with an infinite term is left alone: its divergence is reported as
    ``inf``, which is not a finite estimate of an infinite quantity.
    """
    terms = np.atleast_2d(perspective_terms(g, p, q))
    for row in terms:
        if not np.all(np.isfinite(row)):
            continue  # an infinite term (q_k = 0 < p_k, f'(inf) = inf): reported as inf
        k = pareto_khat(row * row.size)
        if k > KHAT_THRESHOLD:
            raise BoundkitError(
                f"Monte Carlo estimate of {what} refused: its summands are heavy-tailed (Pareto "
                f"k-hat = {k:.2f} > {KHAT_THRESHOLD}; the divergence or its variance may be "
                "infinite): use a closed form, finite supports or a Q with heavier tails"
            )
