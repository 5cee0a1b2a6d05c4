r"""Frozen ``scipy.stats`` distributions as boundkit distributions.

``scipy.stats.norm(loc, scale)`` and ``scipy.stats.multivariate_normal(mean, cov)`` become an
exact :class:`~boundkit.distributions.Gaussian` (so closed forms apply); a discrete distribution
with finite support becomes a :class:`~boundkit.distributions.FiniteDistribution` (exact sums);
any other univariate continuous distribution is wrapped with its ``rvs`` and ``logpdf``
(:class:`ScipyDistribution`, Monte Carlo only). Anything else is refused with one line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions._base import Distribution, as_points

__all__ = ["ScipyDistribution", "from_scipy", "is_scipy_frozen"]

_MAX_ATOMS = 1_000_000


def is_scipy_frozen(obj: Any) -> bool:
    """Whether ``obj`` is a frozen ``scipy.stats`` distribution (uni- or multivariate).

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    if isinstance(obj, Distribution):  # the usual case, without the scipy imports
        return False
    from scipy.stats._distn_infrastructure import rv_frozen
    from scipy.stats._multivariate import multi_rv_frozen

    return isinstance(obj, rv_frozen | multi_rv_frozen)


class ScipyDistribution(Distribution):
    r"""A univariate continuous frozen ``scipy.stats`` distribution (sampling and density).

    Parameters
    ----------
    frozen : scipy.stats frozen continuous distribution

    Notes
    -----
    .. math:: \log p(x) = \texttt{frozen.logpdf}(x), \qquad X \sim \texttt{frozen.rvs}.

    Examples
    --------
    >>> from scipy import stats
    >>> D = ScipyDistribution(stats.laplace(0.0, 1.0))
    >>> bool(np.isclose(D.logpdf([[0.0]])[0], -np.log(2.0)))
    True
    """

    def __init__(self, frozen: Any) -> None:
        from scipy.stats import rv_continuous

        if not isinstance(getattr(frozen, "dist", None), rv_continuous):
            raise BoundkitError(
                f"expected a frozen continuous scipy.stats distribution, got {frozen!r}"
            )
        self.frozen = frozen
        self.dim = 1

    def __repr__(self) -> str:
        args = ", ".join(f"{a:g}" for a in self.frozen.args)
        kw = ", ".join(f"{k}={v:g}" for k, v in self.frozen.kwds.items())
        return (
            f"ScipyDistribution({self.frozen.dist.name}({', '.join(x for x in (args, kw) if x)}))"
        )

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """Draw ``n`` points with ``frozen.rvs``; shape ``(n, 1)``."""
        n = self._n(n)
        gen = np.random.default_rng(rng)
        return np.asarray(self.frozen.rvs(size=n, random_state=gen), dtype=float).reshape(n, 1)

    def logpdf(self, x: Any) -> np.ndarray:
        """``frozen.logpdf`` at ``x`` of shape ``(m, 1)``; returns shape ``(m,)``."""
        pts = as_points(x, 1)
        with np.errstate(divide="ignore"):
            return np.asarray(self.frozen.logpdf(pts[:, 0]), dtype=float)


def from_scipy(frozen: Any) -> Distribution:
    r"""A boundkit distribution for a frozen ``scipy.stats`` distribution, exact where possible.

    Parameters
    ----------
    frozen : frozen scipy.stats distribution
        E.g. ``scipy.stats.norm(0, 2)``, ``scipy.stats.multivariate_normal(mean, cov)``,
        ``scipy.stats.binom(10, 0.3)``, ``scipy.stats.laplace()``.

    Returns
    -------
    Distribution
        :class:`Gaussian` for normal distributions, :class:`FiniteDistribution` for discrete
        ones with finite support (at most a million atoms), :class:`ScipyDistribution` for
        other univariate continuous ones.

    Raises
    ------
    BoundkitError
        For other multivariate distributions and discrete ones with infinite support.

    Notes
    -----
    .. math:: \mathrm{norm}(\mu, \sigma) \mapsto \mathcal N(\mu, \sigma^2), \qquad
              \mathrm{binom}(n, p) \mapsto \textstyle\sum_{k=0}^n \binom nk p^k(1-p)^{n-k}
              \delta_k.

    Examples
    --------
    >>> from scipy import stats
    >>> from_scipy(stats.norm(1.0, 2.0))
    Gaussian(mean=[1.0], cov=[[4.0]])
    >>> from_scipy(stats.bernoulli(0.25))
    FiniteDistribution(k=2, dim=1, {0.: 0.75, 1.: 0.25})
    """
    from scipy import stats

    from boundkit.distributions._finite import FiniteDistribution
    from boundkit.distributions._gaussian import Gaussian

    if not is_scipy_frozen(frozen):
        raise BoundkitError(
            f"expected a frozen scipy.stats distribution, got {type(frozen).__name__}"
        )
    dist = getattr(frozen, "dist", None)
    if isinstance(frozen, stats._multivariate.multivariate_normal_frozen):
        return Gaussian(frozen.mean, frozen.cov)
    if isinstance(dist, type(stats.norm)):
        return Gaussian([float(frozen.mean())], float(frozen.var()))
    if isinstance(dist, stats.rv_discrete):
        lo, hi = (float(v) for v in frozen.support())
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo + 1 > _MAX_ATOMS:
            raise BoundkitError(
                f"scipy.stats.{dist.name} has infinite (or more than {_MAX_ATOMS}) support "
                "points: truncate it to a FiniteDistribution first"
            )
        atoms = np.arange(lo, hi + 1.0)
        pmf = np.asarray(frozen.pmf(atoms), dtype=float)
        keep = pmf > 0
        return FiniteDistribution(atoms[keep], pmf[keep] / pmf[keep].sum())
    if isinstance(dist, stats.rv_continuous):
        return ScipyDistribution(frozen)
    raise BoundkitError(
        f"scipy.stats {type(frozen).__name__} is not supported: use multivariate_normal, "
        "a univariate continuous or a finite discrete distribution"
    )
