r"""The toy ``finite``: P and Q on a finite support, a linear class, any generator; all exact.

Atoms :math:`x_1..x_K` in :math:`[-1, 1]`, features :math:`\Phi_k = (x_k, x_k^2, ..)` up to
``degree``, class :math:`\mathcal H = \{\Phi w : \|w\|_2 \le B\}`. A replicate draws the counts
of a sample of size :math:`n` (multinomial), fits

.. math::

    h_n = \arg\max_{h\in\mathcal H}\; E_{P_n} h - \Lambda_f^Q[h],

and measures the refined model :math:`Q_{h_n}` exactly (finite sums). KL is solved for all
replicates at once (:mod:`boundkit.simulation._linear_kl`); any other generator replicate by
replicate (SLSQP on the ball, with the shift :math:`\nu_h` found by a monotone root-find).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize

from boundkit._errors import BoundkitError, SolverError
from boundkit.classes import LinearClass
from boundkit.distributions import FiniteDistribution
from boundkit.simulation._linear_kl import fit_linear_kl, tilt
from boundkit.simulation._toys import PopulationTerms, Toy

__all__ = ["FiniteToy", "finite_kl"]


def finite_kl(p: Any, q: Any) -> float:
    r"""KL divergence of two probability vectors (``inf`` when P is not << Q).

    Notes
    -----
    .. math:: \mathrm{KL}(p\|q) = \sum_{k: p_k > 0} p_k \log(p_k / q_k).

    Examples
    --------
    >>> round(finite_kl([0.5, 0.5], [0.25, 0.75]), 6)
    0.143841
    """
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    on = p > 0
    if np.any(q[on] <= 0):
        return float("inf")
    return float(np.sum(p[on] * (np.log(p[on]) - np.log(q[on]))))


def _poly_features(x: np.ndarray, degree: int) -> np.ndarray:
    return np.stack([x**j for j in range(1, degree + 1)], axis=-1)


class _FGeneric:
    """Refinement machinery for a generic generator f on a finite support."""

    def __init__(self, g: Any, q: np.ndarray) -> None:
        self.g = g
        self.q = q

    def shift(self, h: np.ndarray) -> float:
        r"""The optimal shift :math:`\nu` solving :math:`\sum_k q_k (f^*)'(h_k - \nu) = 1`."""
        q, link = self.q, self.g.link

        def eq(nu: float) -> float:
            return float(np.dot(q, np.asarray(link(h - nu), dtype=float))) - 1.0

        lo, hi = float(h.min()) - 1.0, float(h.max()) + 1.0
        for _ in range(200):
            v = eq(hi)
            if np.isfinite(v) and v < 0:
                break
            hi += 2.0 * (hi - lo)
        for _ in range(200):
            v = eq(lo)
            if np.isfinite(v) and v > 0:
                break
            lo -= 2.0 * (hi - lo)
        if not (eq(lo) > 0 > eq(hi)):
            raise SolverError("finite toy: could not bracket the shift nu of Lambda_f")
        return float(brentq(eq, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))

    def lam_and_weights(self, h: np.ndarray) -> tuple[float, np.ndarray]:
        nu = self.shift(h)
        lam = nu + float(np.dot(self.q, np.asarray(self.g.conjugate(h - nu), dtype=float)))
        qh = self.q * np.asarray(self.g.link(h - nu), dtype=float)
        return lam, qh

    def divergence(self, a: np.ndarray, b: np.ndarray) -> float:
        r""":math:`D_f(a\|b) = \sum_{b_k>0} b_k f(a_k/b_k) + f'(\infty)\sum_{b_k=0} a_k`."""
        on = b > 0
        val = float(np.dot(b[on], np.asarray(self.g.f_numeric(a[on] / b[on]), dtype=float)))
        off = float(a[~on].sum())
        if off > 0:
            from boundkit.duality._common import fprime_at_inf

            val += off * fprime_at_inf(self.g)
        return val


class FiniteToy(Toy):
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

    class_name = "poly-ball"

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
        self.p = p / p.sum()
        self.q = q / q.sum()
        k = p.size
        self.atoms = np.linspace(-1.0, 1.0, k) if atoms is None else np.asarray(atoms, dtype=float)
        if self.atoms.shape != (k,):
            raise BoundkitError(f"atoms must have shape ({k},)")
        if int(degree) != degree or degree < 1:
            raise BoundkitError(f"degree must be a positive integer; got {degree!r}")
        if not B > 0:
            raise BoundkitError(f"B must be > 0; got {B!r}")
        self.name = name
        self.degree = int(degree)
        self.B = float(B)
        self.generator = str(generator).lower()
        self.phi = _poly_features(self.atoms, self.degree)
        self.logq = np.log(self.q)
        self._f: _FGeneric | None = None
        if self.generator != "kl":
            from boundkit.generators import get_generator

            self._f = _FGeneric(get_generator(self.generator), self.q)
        self.description = (
            f"P, Q on {k} atoms in [-1, 1], H={{poly degree {self.degree}: ||w||<={self.B:g}}}, "
            f"{self.generator}"
        )
        self.P = FiniteDistribution(self.atoms[:, None], self.p)
        self.Q = FiniteDistribution(self.atoms[:, None], self.q)
        self.cls = LinearClass("poly", degree=self.degree, p=2, B=self.B)
        self._pop: tuple[np.ndarray, PopulationTerms] | None = None

    # ------------------------------------------------------------------ fitting
    def fit(self, m: np.ndarray) -> np.ndarray:
        r"""Maximisers :math:`w` (R, d) for rows of empirical feature means ``m`` (R, d)."""
        m = np.atleast_2d(np.asarray(m, dtype=float))
        if self._f is None:
            return fit_linear_kl(m, self.logq, self.phi, self.B)[0]
        return np.stack([self._fit_generic(row) for row in m])

    def _fit_generic(self, m: np.ndarray) -> np.ndarray:
        f, phi, B = self._f, self.phi, self.B
        assert f is not None

        def neg(w: np.ndarray) -> tuple[float, np.ndarray]:
            h = phi @ w
            lam, qh = f.lam_and_weights(h)
            return -(float(m @ w) - lam), -(m - phi.T @ qh)

        cons = [{"type": "ineq", "fun": lambda w: B**2 - w @ w, "jac": lambda w: -2 * w}]
        res = minimize(
            neg,
            np.zeros(phi.shape[1]),
            jac=True,
            method="SLSQP",
            constraints=cons,
            options={"ftol": 1e-15, "maxiter": 1000},
        )
        w = res.x
        if w @ w > B**2:
            w = w * (B / np.linalg.norm(w))
        return w

    def refined(self, w: np.ndarray) -> np.ndarray:
        r"""Weights of :math:`Q_{h}` on the atoms for rows of ``w`` (R, d) -> (R, K)."""
        w = np.atleast_2d(w)
        if self._f is None:
            return np.exp(tilt(self.logq, self.phi, w)[0])
        return np.stack([self._f.lam_and_weights(self.phi @ row)[1] for row in w])

    def _div(self, a: np.ndarray, b: np.ndarray) -> float:
        if self._f is None:
            return finite_kl(a, b)
        return self._f.divergence(a, b)

    # ------------------------------------------------------------------ population
    def _best(self) -> tuple[np.ndarray, PopulationTerms]:
        if self._pop is None:
            mp = self.p @ self.phi
            w = self.fit(mp[None, :])[0]
            qh = self.refined(w[None, :])[0]
            if self._f is None:
                lam = float(tilt(self.logq, self.phi, w[None, :])[1][0])
            else:
                lam = self._f.lam_and_weights(self.phi @ w)[0]
            pop = PopulationTerms(
                divergence_base=self._div(self.p, self.q),
                divergence_best=self._div(self.p, qh),
                restricted_divergence=float(mp @ w) - lam,
                ipm_base=float(self.B * np.linalg.norm(self.phi.T @ (self.p - self.q))),
            )
            self._pop = (w, pop)
        return self._pop

    def population(self) -> PopulationTerms:
        """Exact population terms (finite sums)."""
        return self._best()[1]

    def value_range(self) -> tuple[float, float]:
        r"""The range :math:`\pm B\max_k\|\Phi_k\|_2` of the class on the support."""
        r = self.B * float(np.linalg.norm(self.phi, axis=1).max())
        return (-r, r)

    # ------------------------------------------------------------------ replicates
    def run_replicates(
        self, n: int, seeds: Sequence[np.random.SeedSequence], *, n_mc_sigma: int = 200
    ) -> dict[str, np.ndarray]:
        """Run one replicate per seed (see :meth:`Toy.run_replicates`)."""
        R = len(seeds)
        counts = np.empty((R, self.p.size))
        rs = np.empty(R)
        for r, ss in enumerate(seeds):
            gen = np.random.default_rng(ss)
            counts[r] = gen.multinomial(n, self.p)
            idx = np.repeat(np.arange(self.p.size), counts[r].astype(int))
            sample = self.atoms[idx][:, None]
            rs[r] = self.empirical_rademacher(sample, rng=gen, n_mc=n_mc_sigma).estimate
        p_hat = counts / n
        m = p_hat @ self.phi
        w = self.fit(m)
        qh = self.refined(w)
        B, phi = self.B, self.phi
        div = np.array([self._div(self.p, row) for row in qh])
        div_ref = np.array([self._div(row, self.q) for row in qh])
        ipm = B * np.linalg.norm((self.p[None, :] - qh) @ phi, axis=1)
        ipm_emp = B * np.linalg.norm((p_hat - qh) @ phi, axis=1)
        dev = B * np.linalg.norm((self.p[None, :] - p_hat) @ phi, axis=1)
        return {
            "divergence": div,
            "divergence_refinement": div_ref,
            "ipm": ipm,
            "ipm_empirical": ipm_emp,
            "dev_up": dev,
            "dev_down": dev.copy(),
            "rademacher_s": rs,
        }

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
