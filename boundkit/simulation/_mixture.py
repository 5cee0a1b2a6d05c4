r"""Toys ``mixture1d`` and ``mixture2d``: a Gaussian-mixture P, a misspecified Q, KL refinement.

P is a Gaussian mixture (imbalanced modes in 1-D, a ring of modes in 2-D); Q is a single
Gaussian matching P's mean and covariance, a Gaussian mixture fitted (scikit-learn) on a
separate sample, or a small-bandwidth KDE that memorises its training set. The class is linear
in features :math:`\phi` with :math:`\|w\|_2 \le B`: random Fourier features (bounded,
:math:`\|\phi(x)\|_2 \le \sqrt 2`) or the identity (linear tilts).

Population quantities use quadrature on a regular grid :math:`x_k` with cell volume
:math:`\Delta`: :math:`p_k \propto p(x_k)\Delta`, :math:`q_k \propto q(x_k)\Delta`,

.. math::

    \Lambda(w) = \log\sum_k q_k e^{\phi(x_k)^\top w},\qquad
    \mathrm{KL}(P\|Q_w) = \sum_k p_k \log\frac{p_k}{q_k} - \sum_k p_k\phi(x_k)^\top w + \Lambda(w).

For these smooth, rapidly decaying integrands the midpoint rule converges exponentially fast;
the reported ``quadrature_error`` is the largest change of the population terms between the
grid and one of half the spacing, plus the mass of P and Q outside the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import logsumexp

from boundkit._errors import BoundkitError
from boundkit.classes import LinearClass, RKHSBall
from boundkit.simulation._linear_kl import fit_linear_kl, tilt
from boundkit.simulation._toys import PopulationTerms, Toy

__all__ = ["MixtureToy"]


class _Nystrom:
    r"""Features of the RKHS ball restricted to the span of landmark kernels (RBF kernel).

    For :math:`h = \sum_j \alpha_j k(\cdot, z_j)`, :math:`\|h\|_K^2 = \alpha^\top K_{ZZ}
    \alpha`; with :math:`w = K_{ZZ}^{1/2}\alpha`, :math:`h(x) = \phi(x)^\top w` where
    :math:`\phi(x) = K_{ZZ}^{+1/2} k(Z, x)` and :math:`\|w\|_2 = \|h\|_K`. Since
    :math:`\|\phi(x)\|^2 \le k(x, x) = 1`, every h in the ball takes values in [-B, B].
    """

    def __init__(self, landmarks: np.ndarray, gamma: float) -> None:
        self.z = landmarks
        self.kernel = RKHSBall("rbf", gamma=gamma)  # exp(-gamma |x - y|^2), as everywhere
        kzz = self._k(landmarks)
        vals, vecs = np.linalg.eigh(kzz)
        keep = vals > 1e-10 * vals.max()
        self.proj = vecs[:, keep] / np.sqrt(vals[keep])  # K^{+1/2} in the eigenbasis

    def _k(self, x: np.ndarray) -> np.ndarray:
        return self.kernel.gram(x, self.z)

    @property
    def n_features(self) -> int:
        return int(self.proj.shape[1])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._k(x) @ self.proj


class MixtureToy(Toy):
    r"""Gaussian-mixture target, misspecified base model, linear class; quadrature on a grid.

    Parameters
    ----------
    name : str
        Registry name.
    weights, means, stds : array_like
        P's mixture: weights (K,), means (K, dim), isotropic standard deviations (K,).
    base : {"gaussian", "gmm", "kde"}
        Q: the moment-matched Gaussian, a ``n_base_components`` mixture fitted by scikit-learn
        on ``n_base_train`` points of P, or a KDE with bandwidth ``bandwidth`` on
        ``n_base_train`` points of P.
    features : {"rff", "rkhs", "identity"}
        Random Fourier features of :class:`~boundkit.classes.LinearClass` (``n_features``,
        approximating the kernel :math:`e^{-\gamma\|x-y\|^2}`); the RBF-kernel RKHS ball
        (kernel :math:`e^{-\gamma\|x-y\|^2}`, as in :class:`~boundkit.classes.RKHSBall`)
        restricted to the span of ``n_features`` landmark kernels on a regular grid (a convex
        subset of the RKHS ball, exact features :math:`K_{ZZ}^{+1/2}k(Z, x)`); or
        :math:`\phi(x) = x`.
    B : float
        Radius of the coefficient ball.
    box : float
        The grid covers :math:`[-\text{box}, \text{box}]^{\text{dim}}`.
    n_grid : int
        Grid nodes per axis.
    seed : int
        Seed of the configuration (features, base-model training sample).

    Examples
    --------
    >>> toy = MixtureToy("m", weights=[0.7, 0.3], means=[[-1.0], [1.5]], stds=[0.5, 0.4],
    ...                  n_grid=401, n_features=8, box=8.0)
    >>> pop = toy.population()
    >>> bool(pop.divergence_best < pop.divergence_base and pop.quadrature_error < 1e-6)
    True
    """

    generator = "kl"

    def __init__(
        self,
        name: str,
        *,
        weights: Any,
        means: Any,
        stds: Any,
        base: str = "gaussian",
        features: str = "rff",
        n_features: int = 12,
        gamma: float = 0.5,
        B: float = 2.0,
        box: float = 6.0,
        n_grid: int = 801,
        n_base_components: int = 2,
        n_base_train: int = 40,
        bandwidth: float = 0.15,
        seed: int = 0,
        description: str = "",
    ) -> None:
        from boundkit.distributions import Gaussian, GaussianMixture

        self.name = name
        w = np.asarray(weights, dtype=float)
        mu = np.atleast_2d(np.asarray(means, dtype=float))
        sd = np.asarray(stds, dtype=float)
        if mu.shape[0] != w.size or sd.shape != w.shape:
            raise BoundkitError("weights, means and stds must describe the same components")
        dim = mu.shape[1]
        if dim not in (1, 2):
            raise BoundkitError(f"mixture toys live in dimension 1 or 2; got {dim}")
        if base not in ("gaussian", "gmm", "kde"):
            raise BoundkitError(f"base must be 'gaussian', 'gmm' or 'kde'; got {base!r}")
        if features not in ("rff", "rkhs", "identity"):
            raise BoundkitError(f"features must be 'rff', 'rkhs' or 'identity'; got {features!r}")
        if not B > 0:
            raise BoundkitError(f"B must be > 0; got {B!r}")
        eye = np.eye(dim)
        self.dim = dim
        self.P = GaussianMixture(w / w.sum(), mu, np.stack([s**2 * eye for s in sd]))
        self.base, self.features, self.B = base, features, float(B)
        self.n_features, self.gamma, self.seed = int(n_features), float(gamma), int(seed)
        self.box, self.n_grid = float(box), int(n_grid)
        self.n_base_components, self.n_base_train = int(n_base_components), int(n_base_train)
        self.bandwidth = float(bandwidth)
        self._p_params = (self.P.weights.tolist(), mu.tolist(), sd.tolist())
        gen = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(7,)))
        if base == "gaussian":
            pm = self.P.weights @ mu
            cov = sum(
                wk * (s**2 * eye + np.outer(m - pm, m - pm))
                for wk, m, s in zip(self.P.weights, mu, sd, strict=True)
            )
            self.Q = Gaussian(pm, cov)
        elif base == "gmm":
            from sklearn.mixture import GaussianMixture as SkGMM

            train = self.P.sample(self.n_base_train, rng=gen)
            sk = SkGMM(
                n_components=self.n_base_components,
                covariance_type="full",
                random_state=int(gen.integers(2**31 - 1)),
            ).fit(train)
            self.Q = GaussianMixture(sk.weights_, sk.means_, sk.covariances_)
        else:
            train = self.P.sample(self.n_base_train, rng=gen)
            k = train.shape[0]
            self.Q = GaussianMixture(np.full(k, 1.0 / k), train, self.bandwidth**2 * eye)
        self._phi: Any
        if features == "rff":
            rff = LinearClass("rff", n_components=self.n_features, gamma=self.gamma, rng=self.seed)
            self._phi = rff.design_matrix
            self.class_name = f"rff{self.n_features}-ball"
        elif features == "rkhs":
            per_axis = self.n_features if dim == 1 else max(2, int(np.sqrt(self.n_features)))
            ax = np.linspace(-0.6 * self.box, 0.6 * self.box, per_axis)
            if dim == 1:
                z = ax[:, None]
            else:
                zx, zy = np.meshgrid(ax, ax, indexing="ij")
                z = np.stack([zx.ravel(), zy.ravel()], -1)
            nys = _Nystrom(z, self.gamma)
            self._phi = nys
            self.n_features = nys.n_features
            self.class_name = f"rkhs-ball({z.shape[0]} landmarks)"
        else:
            self._phi = None
            self.class_name = "linear-ball"
        self.cls = LinearClass(self.phi, p=2, B=self.B)
        self.description = description or (
            f"P: {w.size}-mode Gaussian mixture in {dim}-D, Q: {base}, "
            f"H: {self.class_name} (B={self.B:g}), KL"
        )
        self._grid = self._make_grid(self.n_grid)
        self._pop: tuple[np.ndarray, PopulationTerms] | None = None

    # ------------------------------------------------------------------ grid
    def phi(self, x: np.ndarray) -> np.ndarray:
        """Features of points ``x`` (m, dim) -> (m, d)."""
        x = np.asarray(x, dtype=float).reshape(-1, self.dim)
        return x.copy() if self._phi is None else self._phi(x)

    def _make_grid(self, n_grid: int) -> dict[str, Any]:
        ax = np.linspace(-self.box, self.box, n_grid)
        if self.dim == 1:
            nodes = ax[:, None]
        else:
            xx, yy = np.meshgrid(ax, ax, indexing="ij")
            nodes = np.stack([xx.ravel(), yy.ravel()], -1)
        lp = self.P.logpdf(nodes)
        lq = self.Q.logpdf(nodes)
        return {
            "nodes": nodes,
            "logp": lp - logsumexp(lp),
            "logq": lq - logsumexp(lq),
            "phi": self.phi(nodes),
        }

    def _terms(self, grid: dict[str, Any], w: np.ndarray) -> dict[str, float]:
        logp, logq, phi = grid["logp"], grid["logq"], grid["phi"]
        p = np.exp(logp)
        lqw, lam = tilt(logq, phi, w[None, :])
        mp = p @ phi
        return {
            "kl_base": float(p @ (logp - logq)),
            "kl_best": float(p @ (logp - lqw[0])),
            "restricted": float(mp @ w - lam[0]),
            "ipm_base": float(self.B * np.linalg.norm(mp - np.exp(logq) @ phi)),
        }

    def _tail_mass(self) -> float:
        """Mass of P and Q outside the box (Gaussian tails, union bound over components)."""
        from scipy.stats import norm

        total = 0.0
        for D in (self.P, self.Q):
            if hasattr(D, "weights"):
                comps = zip(D.weights, D.means, D.covs, strict=True)
            else:
                comps = zip([1.0], [D.mean], [D.cov], strict=True)
            for wk, m, c in comps:
                for j in range(self.dim):
                    s = np.sqrt(c[j, j])
                    total += wk * (
                        norm.sf((self.box - m[j]) / s) + norm.cdf((-self.box - m[j]) / s)
                    )
        return float(total)

    def _best(self) -> tuple[np.ndarray, PopulationTerms]:
        if self._pop is None:
            g = self._grid
            mp = np.exp(g["logp"]) @ g["phi"]
            w = fit_linear_kl(mp[None, :], g["logq"], g["phi"], self.B)[0][0]
            t = self._terms(g, w)
            fine = self._make_grid(2 * self.n_grid - 1)
            mp2 = np.exp(fine["logp"]) @ fine["phi"]
            w2 = fit_linear_kl(mp2[None, :], fine["logq"], fine["phi"], self.B)[0][0]
            t2 = self._terms(fine, w2)
            err = max(abs(t[k] - t2[k]) for k in t) + self._tail_mass()
            pop = PopulationTerms(
                divergence_base=t["kl_base"],
                divergence_best=t["kl_best"],
                restricted_divergence=t["restricted"],
                ipm_base=t["ipm_base"],
                quadrature_error=float(err),
            )
            self._pop = (w, pop)
        return self._pop

    def population(self) -> PopulationTerms:
        """Population terms by grid quadrature (error in ``quadrature_error``)."""
        return self._best()[1]

    def best_w(self) -> np.ndarray:
        r"""The population maximiser :math:`w^*`."""
        return self._best()[0].copy()

    def value_range(self) -> tuple[float, float] | None:
        r""":math:`\pm\sqrt2 B` for random Fourier features, :math:`\pm B` for the RKHS ball
        (RBF kernel, :math:`k(x, x) = 1`); None (unbounded) for the identity."""
        if self._phi is None:
            return None
        r = self.B * (1.0 if isinstance(self._phi, _Nystrom) else float(np.sqrt(2.0)))
        return (-r, r)

    # ------------------------------------------------------------------ replicates
    def run_replicates(
        self, n: int, seeds: Sequence[np.random.SeedSequence], *, n_mc_sigma: int = 200
    ) -> dict[str, np.ndarray]:
        """Run one replicate per seed (see :meth:`Toy.run_replicates`)."""
        R = len(seeds)
        d = self.n_features if self._phi is not None else self.dim
        m = np.empty((R, d))
        rs = np.empty(R)
        for r, ss in enumerate(seeds):
            gen = np.random.default_rng(ss)
            sample = self.P.sample(int(n), rng=gen)
            f = self.phi(sample)
            m[r] = f.mean(0)
            if self._phi is not None:
                rs[r] = self.empirical_rademacher(sample, rng=gen, n_mc=n_mc_sigma).estimate
        g = self._grid
        w, _ = fit_linear_kl(m, g["logq"], g["phi"], self.B)
        lqw, lam = tilt(g["logq"], g["phi"], w)
        p = np.exp(g["logp"])
        qw = np.exp(lqw)
        mp = p @ g["phi"]
        mq = qw @ g["phi"]
        kl = p @ g["logp"] - lqw @ p
        kl_ref = (qw * (lqw - g["logq"][None, :])).sum(1)
        out = {
            "divergence": kl,
            "divergence_refinement": kl_ref,
            "ipm": self.B * np.linalg.norm(mp[None, :] - mq, axis=1),
            "ipm_empirical": self.B * np.linalg.norm(m - mq, axis=1),
            "dev_up": self.B * np.linalg.norm(mp[None, :] - m, axis=1),
        }
        out["dev_down"] = out["dev_up"].copy()
        if self._phi is not None:
            out["rademacher_s"] = rs
        return out

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration."""
        wts, means, stds = self._p_params
        return {
            **super().config(),
            "P": {"weights": wts, "means": means, "stds": stds},
            "base": self.base,
            "features": self.features,
            "n_features": self.n_features,
            "gamma": self.gamma,
            "B": self.B,
            "box": self.box,
            "n_grid": self.n_grid,
            "n_base_components": self.n_base_components,
            "n_base_train": self.n_base_train,
            "bandwidth": self.bandwidth,
            "seed": self.seed,
        }


# The mixture1d target (imbalanced two modes) and the shared toy settings of its variants.
_MIXTURE1D_P: dict[str, Any] = {
    "weights": [0.75, 0.25],
    "means": [[-1.0], [2.0]],
    "stds": [0.6, 0.4],
}
# gamma of the RBF kernel exp(-gamma |x - y|^2) (the one meaning used by every class)
_COMMON: dict[str, Any] = {"gamma": 0.5, "B": 2.0, "box": 7.0}


def mixture1d() -> MixtureToy:
    """The built-in ``mixture1d``: imbalanced two modes, Gaussian Q, 12 random Fourier features."""
    return MixtureToy(
        "mixture1d",
        **_MIXTURE1D_P,
        base="gaussian",
        features="rff",
        n_features=12,
        **_COMMON,
        n_grid=401,
    )


def mixture2d() -> MixtureToy:
    """The built-in ``mixture2d``: a ring of 6 modes, Gaussian Q, 16 random Fourier features."""
    angles = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    means = 2.0 * np.stack([np.cos(angles), np.sin(angles)], -1)
    return MixtureToy(
        "mixture2d",
        weights=np.ones(6),
        means=means,
        stds=np.full(6, 0.4),
        base="gaussian",
        features="rff",
        n_features=16,
        **_COMMON,
        n_grid=61,
    )


def mixture1d_rkhs() -> MixtureToy:
    """``mixture1d-rkhs``: the mixture1d target and base with an RBF RKHS ball (15 landmarks)."""
    return MixtureToy(
        "mixture1d-rkhs",
        **_MIXTURE1D_P,
        base="gaussian",
        features="rkhs",
        n_features=15,
        **_COMMON,
        n_grid=401,
    )


def mixture1d_kde() -> MixtureToy:
    """``mixture1d-kde``: Q is a bandwidth-0.15 KDE memorising 40 training points of P."""
    return MixtureToy(
        "mixture1d-kde",
        **_MIXTURE1D_P,
        base="kde",
        n_base_train=40,
        bandwidth=0.15,
        features="rff",
        n_features=12,
        **_COMMON,
        n_grid=801,
    )
