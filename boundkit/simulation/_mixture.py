r"""Toys ``mixture1d`` and ``mixture2d``: a Gaussian-mixture P, a misspecified Q, KL refinement.

P is a Gaussian mixture (imbalanced modes in 1-D, a ring of modes in 2-D); Q is a single
Gaussian matching P's mean and covariance, a Gaussian mixture fitted (scikit-learn) on a
separate sample, or a small-bandwidth KDE that memorises its training set. The class is linear
in features :math:`\phi` with :math:`\|w\|_2 \le B`: random Fourier features (bounded,
:math:`\|\phi(x)\|_2 \le \sqrt 2`), an RBF RKHS ball on landmarks
(:class:`boundkit.models.NystromFeatures`) or the identity (linear tilts).

Every mixture toy is a named :class:`~boundkit.simulation.Experiment` (``population="grid"``):
one code path with a user's experiment. The grid has ``n_grid`` cells per axis whose midpoints
are the nodes :math:`x_k = -\text{box} + k\,\Delta`, :math:`\Delta = 2\,\text{box}/(n_{\rm grid}
- 1)` (the cells cover :math:`[-\text{box} - \Delta/2, \text{box} + \Delta/2]`), with
:math:`p_k \propto p(x_k)`, :math:`q_k \propto q(x_k)`; the divergences, :math:`\Lambda` and the
refined weights come from the shared kernels :func:`boundkit.generators.perspective_divergence`
and :func:`boundkit.generators.shift_functional`:

.. math::

    \Lambda(w) = \log\sum_k q_k e^{\phi(x_k)^\top w},\qquad
    \mathrm{KL}(P\|Q_w) = \sum_k p_k \log\frac{p_k}{q_k e^{\phi(x_k)^\top w - \Lambda(w)}}.

For these smooth, rapidly decaying integrands the midpoint rule converges exponentially fast;
the reported ``quadrature_error`` is the largest change of the population terms between the
grid and one of twice the cells, plus :math:`|1 - \sum_k p(x_k)\Delta^d| + |1 - \sum_k
q(x_k)\Delta^d|` (the mass the grid misses).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.classes import LinearClass, RKHSBall
from boundkit.models import NystromFeatures
from boundkit.simulation._experiment import Experiment

__all__ = ["MixtureToy", "mixture_parts"]

BASES = ("gaussian", "gmm", "kde")
FEATURES = ("rff", "rkhs", "identity")


def mixture_parts(
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
    n_base_components: int = 2,
    n_base_train: int = 40,
    bandwidth: float = 0.15,
    seed: int = 0,
) -> dict[str, Any]:
    r"""The parts of a mixture toy: ``P``, ``Q``, ``cls``, ``box`` and ``value_range``.

    ``Experiment(parts["P"], parts["Q"], parts["cls"], "kl", population="grid",
    box=parts["box"], n_grid=n_grid, value_range=parts["value_range"])`` is the toy (see
    :class:`MixtureToy` for the parameters).

    Returns
    -------
    dict
        ``P`` (:class:`~boundkit.distributions.GaussianMixture`), ``Q`` (Gaussian or mixture),
        ``cls`` (:class:`~boundkit.classes.LinearClass`, L2 ball of radius B), ``box`` (the
        cell box of shape (dim, 2) is filled in by :class:`MixtureToy`), ``value_range``
        (:math:`\pm\sqrt 2 B` for random Fourier features, :math:`\pm B` for the RKHS ball,
        whose :math:`\|\phi(x)\|_2^2 \le k(x, x) = 1`; None for the identity), ``dim`` and
        ``n_features``.
    """
    from boundkit.distributions import Gaussian, GaussianMixture

    w = np.asarray(weights, dtype=float)
    mu = np.atleast_2d(np.asarray(means, dtype=float))
    sd = np.asarray(stds, dtype=float)
    if mu.shape[0] != w.size or sd.shape != w.shape:
        raise BoundkitError("weights, means and stds must describe the same components")
    dim = mu.shape[1]
    if dim not in (1, 2):
        raise BoundkitError(f"mixture toys live in dimension 1 or 2; got {dim}")
    if base not in BASES:
        raise BoundkitError(f"base must be 'gaussian', 'gmm' or 'kde'; got {base!r}")
    if features not in FEATURES:
        raise BoundkitError(f"features must be 'rff', 'rkhs' or 'identity'; got {features!r}")
    if not B > 0:
        raise BoundkitError(f"B must be > 0; got {B!r}")
    eye = np.eye(dim)
    P = GaussianMixture(w / w.sum(), mu, np.stack([s**2 * eye for s in sd]))
    gen = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(7,)))
    Q: Any
    if base == "gaussian":
        pm = P.weights @ mu
        cov = sum(
            wk * (s**2 * eye + np.outer(m - pm, m - pm))
            for wk, m, s in zip(P.weights, mu, sd, strict=True)
        )
        Q = Gaussian(pm, cov)
    elif base == "gmm":
        from sklearn.mixture import GaussianMixture as SkGMM

        train = P.sample(int(n_base_train), rng=gen)
        sk = SkGMM(
            n_components=int(n_base_components),
            covariance_type="full",
            random_state=int(gen.integers(2**31 - 1)),
        ).fit(train)
        Q = GaussianMixture(sk.weights_, sk.means_, sk.covariances_)
    else:
        train = P.sample(int(n_base_train), rng=gen)
        k = train.shape[0]
        Q = GaussianMixture(np.full(k, 1.0 / k), train, float(bandwidth) ** 2 * eye)
    value_range: tuple[float, float] | None
    if features == "rff":
        cls = LinearClass(
            "rff", n_components=int(n_features), gamma=float(gamma), rng=int(seed), p=2, B=B
        )
        value_range = (-float(np.sqrt(2.0)) * B, float(np.sqrt(2.0)) * B)
    elif features == "rkhs":
        per_axis = int(n_features) if dim == 1 else max(2, int(np.sqrt(n_features)))
        ax = np.linspace(-0.6 * box, 0.6 * box, per_axis)
        if dim == 1:
            z = ax[:, None]
        else:
            zx, zy = np.meshgrid(ax, ax, indexing="ij")
            z = np.stack([zx.ravel(), zy.ravel()], -1)
        # exp(-gamma |x - y|^2), the one meaning of the RBF parameter
        cls = LinearClass(NystromFeatures(RKHSBall("rbf", gamma=float(gamma)), z), p=2, B=B)
        value_range = (-float(B), float(B))
        n_features = z.shape[0]
    else:
        cls = LinearClass("identity", p=2, B=B)
        value_range = None
        n_features = dim
    return {
        "P": P,
        "Q": Q,
        "cls": cls,
        "value_range": value_range,
        "dim": dim,
        "n_features": int(n_features),
    }


def cell_box(box: float, n_grid: int, dim: int) -> np.ndarray:
    r"""The box (dim, 2) of ``n_grid`` cells whose midpoints are ``linspace(-box, box,
    n_grid)``: :math:`\pm(\text{box} + \Delta/2)`, :math:`\Delta = 2\,\text{box}/(n_{\rm grid}
    - 1)`."""
    half = float(box) + float(box) / (int(n_grid) - 1)
    return np.tile([-half, half], (int(dim), 1))


class MixtureToy(Experiment):
    r"""Gaussian-mixture target, misspecified base model, linear class; quadrature on a grid.

    A named :class:`~boundkit.simulation.Experiment` built from :func:`mixture_parts`.

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
        restricted to the span of ``n_features`` landmark kernels on a regular grid
        (:class:`~boundkit.models.NystromFeatures`, :math:`K_{ZZ}^{+1/2}k(Z, x)`); or
        :math:`\phi(x) = x`.
    B : float
        Radius of the coefficient ball.
    box : float
        The grid nodes span :math:`[-\text{box}, \text{box}]^{\text{dim}}`.
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
        parts = mixture_parts(
            weights=weights,
            means=means,
            stds=stds,
            base=base,
            features=features,
            n_features=n_features,
            gamma=gamma,
            B=B,
            box=box,
            n_base_components=n_base_components,
            n_base_train=n_base_train,
            bandwidth=bandwidth,
            seed=seed,
        )
        self.dim = parts["dim"]
        self.base, self.features, self.B = base, features, float(B)
        self.n_features, self.gamma, self.seed = parts["n_features"], float(gamma), int(seed)
        self.half_width = float(box)
        self.n_base_components, self.n_base_train = int(n_base_components), int(n_base_train)
        self.bandwidth = float(bandwidth)
        P = parts["P"]
        self._p_params = (
            P.weights.tolist(),
            np.atleast_2d(np.asarray(means, dtype=float)).tolist(),
            np.asarray(stds, dtype=float).tolist(),
        )
        if features == "rff":
            class_name = f"rff{self.n_features}-ball"
        elif features == "rkhs":
            class_name = f"rkhs-ball({self.n_features} landmarks)"
        else:
            class_name = "linear-ball"
        super().__init__(
            P,
            parts["Q"],
            parts["cls"],
            "kl",
            name=name,
            population="grid",
            box=cell_box(box, n_grid, self.dim),
            n_grid=int(n_grid),
            value_range=parts["value_range"],
            description=description
            or (
                f"P: {P.weights.size}-mode Gaussian mixture in {self.dim}-D, Q: {base}, "
                f"H: {class_name} (B={self.B:g}), KL"
            ),
        )
        self.class_name = class_name

    def phi(self, x: np.ndarray) -> np.ndarray:
        """Features of points ``x`` (m, dim) -> (m, d): the class's design matrix."""
        return self.cls.design_matrix(np.asarray(x, dtype=float).reshape(-1, self.dim))

    def best_w(self) -> np.ndarray:
        r"""The population maximiser :math:`w^*` (on the quadrature grid)."""
        return self.best_weights()

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration (the Experiment's, plus the toy's parameters)."""
        wts, means, stds = self._p_params
        return {
            **super().config(),
            "quadrature_box": self.box.tolist(),
            "mixture": {"weights": wts, "means": means, "stds": stds},
            "base": self.base,
            "features": self.features,
            "n_features": self.n_features,
            "gamma": self.gamma,
            "B": self.B,
            "box": self.half_width,
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
