r"""The toy ``finite``: P and Q on a finite support, a polynomial linear class, any generator.

Atoms :math:`x_1..x_K` in :math:`[-1, 1]`, features :math:`\Phi_k = (x_k, x_k^2, ..)` up to
``degree``, class :math:`\mathcal H = \{\Phi w : \|w\|_2 \le B\}`. It is a named
:class:`~boundkit.simulation.Experiment` (finite P and Q, a
:class:`~boundkit.classes.LinearClass` with polynomial features): one code path for the
built-in toy and a user's experiment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.classes import LinearClass
from boundkit.distributions import FiniteDistribution
from boundkit.generators import perspective_divergence
from boundkit.simulation._experiment import Experiment, refine_rows
from boundkit.simulation._linear_kl import fit_linear_kl

__all__ = ["FiniteToy", "finite_kl"]


def finite_kl(p: Any, q: Any) -> float:
    r"""KL divergence of two probability vectors (``inf`` when P is not << Q).

    Computed by :func:`boundkit.generators.perspective_divergence` (the one finite divergence).

    Notes
    -----
    .. math:: \mathrm{KL}(p\|q) = \sum_{k: p_k > 0} p_k \log(p_k / q_k).

    Examples
    --------
    >>> round(finite_kl([0.5, 0.5], [0.25, 0.75]), 6)
    0.143841
    """
    return float(perspective_divergence("kl", p, q))


class FiniteToy(Experiment):
    r"""P and Q on a finite support with a polynomial linear class; any generator, all exact.

    Parameters
    ----------
    name : str
        Registry name.
    p, q : array_like, shape (K,)
        Target and base probability vectors (q > 0 everywhere); default: a bimodal P and a
        flat-ish Q on 9 atoms.
    atoms : array_like, shape (K,), optional
        Support points in :math:`[-1, 1]` (default evenly spaced).
    degree : int
        Polynomial features :math:`(x, \dots, x^{\text{degree}})`.
    B : float
        Radius of the coefficient ball.
    generator : str
        Generator name (``"kl"`` is solved in closed vectorised form; any other name is
        resolved with :func:`boundkit.generators.get_generator`).

    Notes
    -----
    On the support, :math:`|h(x_k)| \le B\|\Phi_k\|_2`, so the class takes values in
    :math:`[-B\max_k\|\Phi_k\|, B\max_k\|\Phi_k\|]` (C6b/C6c apply), and

    .. math::

        \mathrm{IPM}_\mathcal H(P, \eta) = B\,\|\Phi^\top(p - \eta)\|_2 .

    Examples
    --------
    >>> toy = FiniteToy()
    >>> pop = toy.population()
    >>> bool(pop.divergence_best < pop.divergence_base)
    True
    """

    def __init__(
        self,
        name: str = "finite",
        *,
        p: Any = None,
        q: Any = None,
        atoms: Any = None,
        degree: int = 4,
        B: float = 4.0,
        generator: str = "kl",
    ) -> None:
        if p is None:
            p = np.array([1, 4, 8, 4, 1, 2, 6, 3, 1], dtype=float)
        if q is None:
            q = np.array([2, 3, 4, 5, 5, 5, 4, 3, 2], dtype=float)
        p = np.asarray(p, dtype=float)
        q = np.asarray(q, dtype=float)
        if p.ndim != 1 or p.shape != q.shape or p.size < 2:
            raise BoundkitError("p and q must be 1-d probability vectors of the same length >= 2")
        if np.any(p < 0) or np.any(q <= 0):
            raise BoundkitError("p must be >= 0 and q > 0 on every atom")
        k = p.size
        atoms = np.linspace(-1.0, 1.0, k) if atoms is None else np.asarray(atoms, dtype=float)
        if atoms.shape != (k,):
            raise BoundkitError(f"atoms must have shape ({k},)")
        if int(degree) != degree or degree < 1:
            raise BoundkitError(f"degree must be a positive integer; got {degree!r}")
        if not B > 0:
            raise BoundkitError(f"B must be > 0; got {B!r}")
        self.p = p / p.sum()
        self.q = q / q.sum()
        self.atoms = atoms
        self.degree = int(degree)
        self.B = float(B)
        gen_name = str(generator).lower()
        super().__init__(
            FiniteDistribution(atoms[:, None], self.p),
            FiniteDistribution(atoms[:, None], self.q),
            LinearClass("poly", degree=self.degree, p=2, B=self.B),
            gen_name,
            name=name,
            population="finite",
            description=(
                f"P, Q on {k} atoms in [-1, 1], H={{poly degree {self.degree}: "
                f"||w||<={self.B:g}}}, {gen_name}"
            ),
        )
        self.class_name = "poly-ball"
        self.phi = self.cls.design_matrix(atoms[:, None])
        self.logq = np.log(self.q)

    def fit(self, m: np.ndarray) -> np.ndarray:
        r"""KL maximisers :math:`w` (R, d) for rows of empirical feature means ``m`` (R, d)."""
        if not self._fast:
            raise BoundkitError("FiniteToy.fit solves the KL problem; use fit_values otherwise")
        m = np.atleast_2d(np.asarray(m, dtype=float))
        return fit_linear_kl(m, self.logq, self.phi, self.B)[0]

    def refined(self, w: np.ndarray) -> np.ndarray:
        r"""Weights of :math:`Q_h`, :math:`h = \Phi w`, on the atoms for rows of ``w`` (R, K)."""
        return refine_rows(self._g, np.atleast_2d(w) @ self.phi.T, self.q)[0]

    def best_w(self) -> np.ndarray:
        r"""The population maximiser :math:`w^*` (KL): :math:`h^* = \Phi w^*` on the atoms."""
        return self.best_weights()

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration."""
        return {
            **super().config(),
            "p": self.p.tolist(),
            "q": self.q.tolist(),
            "atoms": self.atoms.tolist(),
            "degree": self.degree,
            "B": self.B,
        }
