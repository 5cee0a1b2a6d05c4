r"""Base class of every boundkit distribution; its input checks are those of
:mod:`boundkit._validation` (one sum-to-one tolerance for all of boundkit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_points, check_weights, evaluate_at

__all__ = ["Distribution", "as_points", "check_weights"]


#: Points as a finite (m, d) array: the one validation of :mod:`boundkit._validation`.
as_points = check_points


class Distribution:
    r"""Base class of boundkit distributions on :math:`\mathbb R^d`.

    Subclasses implement ``dim``, :meth:`sample` and :meth:`logpdf`; :meth:`pdf` is
    :math:`\exp(\log p)`. :meth:`expect` is available only when an exact (or quadrature)
    expectation exists; otherwise it raises :class:`~boundkit.BoundkitError`.

    Notes
    -----
    .. math:: \mathrm{pdf}(x) = \exp(\mathrm{logpdf}(x)), \qquad
              \mathrm{expect}(g) = \mathbb E_{X \sim \mathrm{self}}[g(X)].
    """

    dim: int

    def sample(self, n: int, *, rng: Any = None) -> np.ndarray:
        """Draw ``n`` independent points, an array of shape ``(n, dim)``."""
        raise NotImplementedError

    def logpdf(self, x: Any) -> np.ndarray:
        """Log-density at the points ``x`` of shape ``(m, dim)``; returns shape ``(m,)``."""
        raise NotImplementedError

    def pdf(self, x: Any) -> np.ndarray:
        """Density at the points ``x`` of shape ``(m, dim)``; returns shape ``(m,)``."""
        return np.exp(self.logpdf(x))

    def expect(self, func: Callable[[np.ndarray], Any]) -> float:
        """Exact expectation of ``func`` (vectorised: ``(m, dim) -> (m,)``) when available."""
        raise BoundkitError(
            f"{type(self).__name__} has no exact expectation; use Monte Carlo on its samples"
        )

    @property
    def has_exact_expectation(self) -> bool:
        """Whether :meth:`expect` is exact (finite support or quadrature)."""
        return False

    def _n(self, n: Any) -> int:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise BoundkitError(f"n must be a non-negative integer, got {n!r}")
        return int(n)


#: A vectorised function's values at points: :func:`boundkit._validation.evaluate_at`.
_eval_func = evaluate_at
