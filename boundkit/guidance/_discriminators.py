r"""Time-dependent discriminators :math:`d_t(x)` between the diffused data and model laws.

Three kinds share one interface (``logit(x, t)``, ``grad_logit(x, t)``, ``prob(x, t)``):

* :class:`OptimalDiscriminator`: the Bayes-optimal :math:`d^*_t = p_t/(p_t + q_t)`, analytic;
* :class:`LogisticDiscriminator`: logistic regression on polynomial or Fourier features of
  :math:`x` times Legendre polynomials of :math:`\sqrt{t/T}`;
* :class:`MLPDiscriminator`: a scikit-learn ReLU network on :math:`(x, \sqrt{t/T})`, with the
  input gradient of its logit computed by a manual numpy backward pass.

Trained discriminators follow Kim et al. (2022): binary cross-entropy on pairs
:math:`(x_t, t)` with :math:`x_t = \alpha_t x_0 + \sigma_t\varepsilon`, :math:`x_0` a data point
(label 1) or a model sample (label 0), several noise draws per point.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.polynomial import legendre
from scipy.special import expit

from boundkit._errors import BoundkitError
from boundkit.classes import tensor_features, tensor_indices
from boundkit.guidance._mixture import OUMixture, diffuse

__all__ = [
    "Discriminator",
    "OptimalDiscriminator",
    "LogisticDiscriminator",
    "MLPDiscriminator",
    "training_pairs",
    "make_discriminator",
    "DISCRIMINATOR_KINDS",
]

DISCRIMINATOR_KINDS: tuple[str, ...] = ("optimal", "logistic", "mlp")


def _as_points(x: Any, dim: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise BoundkitError(f"points must have shape (m, {dim}), got {x.shape}")
    return x


def _time_values(t: Any, m: int) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if t.ndim == 0:
        t = np.full(m, float(t))
    if t.shape != (m,):
        raise BoundkitError(f"times must be a scalar or have shape ({m},), got {t.shape}")
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise BoundkitError("diffusion times must be finite and >= 0")
    return t


class Discriminator:
    r"""Base class: a time-dependent discriminator :math:`d_t(x) = \mathrm{expit}(\ell_t(x))`.

    Subclasses implement :meth:`logit` and :meth:`grad_logit`; :meth:`prob` follows.
    """

    dim: int = 1
    name: str = "discriminator"

    def logit(self, x: Any, t: Any) -> np.ndarray:
        r"""The logit :math:`\ell_t(x) = \log(d_t(x)/(1 - d_t(x)))`, shape (m,)."""
        raise NotImplementedError

    def grad_logit(self, x: Any, t: Any) -> np.ndarray:
        r"""The input gradient :math:`\nabla_x \ell_t(x)`, shape (m, d)."""
        raise NotImplementedError

    def prob(self, x: Any, t: Any) -> np.ndarray:
        r"""The probability :math:`d_t(x)` that ``x`` is a (diffused) data point."""
        return expit(self.logit(x, t))


class OptimalDiscriminator(Discriminator):
    r"""The Bayes-optimal discriminator between the diffused target and base laws.

    Parameters
    ----------
    p, q : OUMixture
        Target (label 1) and base model (label 0) at time 0.

    Notes
    -----
    .. math:: d^*_t = \frac{p_t}{p_t + q_t},\qquad \ell^*_t = \log p_t - \log q_t,\qquad
       \nabla\ell^*_t = \nabla\log p_t - \nabla\log q_t.

    Examples
    --------
    >>> from boundkit.guidance import get_guidance_setting
    >>> toy = get_guidance_setting("gaussian")
    >>> d = OptimalDiscriminator(toy.p, toy.q)
    >>> bool(abs(d.prob([[0.3]], 10.0)[0] - 0.5) < 1e-4)
    True
    """

    name = "optimal"

    def __init__(self, p: OUMixture, q: OUMixture) -> None:
        if p.dim != q.dim:
            raise BoundkitError("p and q must have the same dimension")
        self.p = p
        self.q = q
        self.dim = p.dim

    def logit(self, x: Any, t: Any) -> np.ndarray:
        r"""Exact :math:`\log p_t(x) - \log q_t(x)`."""
        x = _as_points(x, self.dim)
        return self.p.logpdf(x, t) - self.q.logpdf(x, t)

    def grad_logit(self, x: Any, t: Any) -> np.ndarray:
        r"""Exact :math:`\nabla\log p_t(x) - \nabla\log q_t(x)`."""
        x = _as_points(x, self.dim)
        return self.p.score(x, t) - self.q.score(x, t)


def training_pairs(
    data: Any,
    model_samples: Any,
    *,
    n_noise: int = 8,
    t_max: float = 5.0,
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Noisy training pairs for a time-dependent discriminator (Kim et al., 2022).

    Parameters
    ----------
    data : ndarray, shape (n, d)
        Data points (label 1).
    model_samples : ndarray, shape (n_model, d)
        Base-model samples (label 0).
    n_noise : int
        Independent (t, noise) draws per point.
    t_max : float
        Horizon :math:`T` of the diffusion.
    rng : seed or Generator, optional

    Returns
    -------
    x_t : ndarray, shape (N, d)
    t : ndarray, shape (N,)
    y : ndarray, shape (N,)
        With :math:`N = (n + n_{model})\,n_{noise}`.

    Notes
    -----
    .. math:: t = T u^2,\ u\sim U(0, 1),\qquad x_t = \alpha_t x_0 + \sigma_t\varepsilon,

    the same quadratic time change as the samplers' grid, so small times (where the
    discriminator matters most) are well covered.

    Examples
    --------
    >>> x, t, y = training_pairs(np.zeros((2, 1)), np.ones((3, 1)), n_noise=2, rng=0)
    >>> x.shape, int(y.sum())
    ((10, 1), 4)
    """
    rng = np.random.default_rng(rng)
    data = np.asarray(data, dtype=float)
    model_samples = np.asarray(model_samples, dtype=float)
    if data.ndim != 2 or model_samples.ndim != 2 or data.shape[1] != model_samples.shape[1]:
        raise BoundkitError("data and model samples must be 2-D arrays with the same columns")
    if len(data) < 1 or len(model_samples) < 1:
        raise BoundkitError("need at least one data point and one model sample")
    if int(n_noise) < 1:
        raise BoundkitError(f"n_noise must be >= 1, got {n_noise}")
    if not t_max > 0:
        raise BoundkitError(f"t_max must be > 0, got {t_max}")
    x0 = np.concatenate([np.repeat(data, n_noise, 0), np.repeat(model_samples, n_noise, 0)])
    y = np.concatenate([np.ones(len(data) * n_noise), np.zeros(len(model_samples) * n_noise)])
    t = t_max * rng.random(len(x0)) ** 2
    return diffuse(x0, t, rng=rng), t, y


def _time_feature(t: np.ndarray, t_max: float) -> np.ndarray:
    """Map times to [-1, 1] through sqrt(t / T) (clipped beyond T)."""
    return 2.0 * np.sqrt(np.clip(t / t_max, 0.0, 1.0)) - 1.0


class _Fitted:
    n_noise: int
    t_max: float
    dim: int

    def _training_set(
        self, data: Any, model_samples: Any, rng: np.random.Generator
    ) -> tuple[np.ndarray, ...]:
        """Noisy training pairs; sets ``dim``, ``center_`` and ``scale_`` (standardisation)."""
        data = np.asarray(data, dtype=float)
        model_samples = np.asarray(model_samples, dtype=float)
        xt, t, y = training_pairs(
            data, model_samples, n_noise=self.n_noise, t_max=self.t_max, rng=rng
        )
        self.dim = xt.shape[1]
        x0 = np.concatenate([data, model_samples])
        self.center_ = x0.mean(axis=0)
        self.scale_ = np.maximum(x0.std(axis=0), 1e-8)
        return data, model_samples, xt, t, y

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise BoundkitError(f"{type(self).__name__} is not fitted: call fit(...) first")


class LogisticDiscriminator(_Fitted, Discriminator):
    r"""Logistic regression on features :math:`\phi_j(x)\,P_k(2\sqrt{t/T} - 1)`.

    Parameters
    ----------
    features : {"poly", "fourier"}
        Basis in x (on standardised coordinates :math:`\tilde x = (x - c)/s`): monomials of
        total degree <= ``degree``, or products of :math:`\cos, \sin(k\pi\tilde x_j/4)` of total
        frequency <= ``degree`` (:func:`boundkit.classes.tensor_features`, the feature code of
        the linear classes).
    degree : int
        Complexity in x (>= 1).
    t_degree : int
        Degree of the Legendre basis in :math:`\sqrt{t/T}` (>= 0).
    C : float
        Inverse L2 penalty of :class:`sklearn.linear_model.LogisticRegression`.
    n_noise : int
        (t, noise) draws per training point.
    t_max : float
        Horizon T of the diffusion.
    max_iter : int
        L-BFGS iterations.

    Notes
    -----
    .. math:: \ell_t(x) = \beta_0 + \sum_{j,k}\beta_{jk}\,\frac{\phi_j(\tilde x)P_k(u) - m_{jk}}
       {s_{jk}},\qquad u = 2\sqrt{t/T} - 1,

    with column means/scales :math:`m, s` from the training design; the input gradient is
    :math:`\nabla_x\ell_t = \sum_{jk}\beta_{jk}P_k(u)\nabla_x\phi_j(\tilde x)/s_{jk}`, analytic.

    Examples
    --------
    >>> from boundkit.guidance import get_guidance_setting
    >>> toy = get_guidance_setting("gaussian")
    >>> d = LogisticDiscriminator(degree=2, t_degree=1).fit(
    ...     toy.p.sample(200, rng=0), toy.q.sample(200, rng=1), rng=2)
    >>> d.grad_logit([[0.0]], 0.5).shape
    (1, 1)
    """

    name = "logistic"

    def __init__(
        self,
        features: str = "poly",
        degree: int = 2,
        t_degree: int = 2,
        C: float = 1.0,
        n_noise: int = 8,
        t_max: float = 5.0,
        max_iter: int = 2000,
    ) -> None:
        self.features = features
        self.degree = degree
        self.t_degree = t_degree
        self.C = C
        self.n_noise = n_noise
        self.t_max = t_max
        self.max_iter = max_iter

    def _validate(self) -> None:
        if self.features not in ("poly", "fourier"):
            raise BoundkitError(f"unknown features {self.features!r}: expected poly or fourier")
        if int(self.degree) < 1 or int(self.t_degree) < 0:
            raise BoundkitError("degree must be >= 1 and t_degree >= 0")
        if not self.C > 0:
            raise BoundkitError(f"C must be > 0, got {self.C}")

    def _features(self, z: np.ndarray, grad: bool = False) -> Any:
        """phi_a(z~) for the fitted multi-indices (and gradients in z~): the shared code."""
        return tensor_features(z, self.multi_, self.features, grad=grad)

    def _design(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Training design: columns phi_a(x~) P_k(u) without the constant (0, 0) column."""
        phi = self._features((x - self.center_) / self.scale_)
        tb = legendre.legvander(_time_feature(t, self.t_max), self.t_degree)
        cols = []
        for a, idx in enumerate(self.multi_):
            for k in range(self.t_degree + 1):
                if sum(idx) == 0 and k == 0:
                    continue
                cols.append(phi[:, a] * tb[:, k])
        return np.column_stack(cols)

    def fit(self, data: Any, model_samples: Any, *, rng: Any = None) -> LogisticDiscriminator:
        """Fit by cross-entropy on noisy pairs built from ``data`` (1) and ``model_samples`` (0).

        Returns ``self``; fitted attributes end in ``_`` (``coef_``, ``converged_``, ...).
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        self._validate()
        rng = np.random.default_rng(rng)
        data, model_samples, xt, t, y = self._training_set(data, model_samples, rng)
        self.multi_ = tensor_indices(self.dim, int(self.degree), self.features)
        phi = self._design(xt, t)
        self.col_mean_ = phi.mean(axis=0)
        self.col_scale_ = np.maximum(phi.std(axis=0), 1e-12)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit((phi - self.col_mean_) / self.col_scale_, y)
        self.converged_ = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        self.model_ = model
        self.coef_ = model.coef_[0] / self.col_scale_
        self.intercept_ = float(model.intercept_[0] - self.coef_ @ self.col_mean_)
        self.n_train_ = (len(data), len(model_samples))
        self.n_features_ = phi.shape[1]
        # the same coefficients as a (multi-index, time-degree) matrix, intercept at [0, 0]
        mat = np.zeros((len(self.multi_), self.t_degree + 1))
        pos = 0
        for a, idx in enumerate(self.multi_):
            for k in range(self.t_degree + 1):
                if sum(idx) == 0 and k == 0:
                    continue
                mat[a, k] = self.coef_[pos]
                pos += 1
        zero = [a for a, idx in enumerate(self.multi_) if sum(idx) == 0][0]
        mat[zero, 0] += self.intercept_
        self.coef_matrix_ = mat
        return self

    def _effective(self, x: np.ndarray, t: Any) -> tuple[np.ndarray, np.ndarray]:
        """Standardised points and per-row coefficients c_a(t) = sum_k B[a, k] P_k(u_t)."""
        t = np.asarray(t, dtype=float)
        if t.ndim == 0:
            if not (np.isfinite(t) and t >= 0):
                raise BoundkitError("diffusion times must be finite and >= 0")
            tb = legendre.legvander(_time_feature(t[None], self.t_max), self.t_degree)
        else:
            tb = legendre.legvander(
                _time_feature(_time_values(t, len(x)), self.t_max), self.t_degree
            )
        return (x - self.center_) / self.scale_, tb @ self.coef_matrix_.T

    def logit(self, x: Any, t: Any) -> np.ndarray:
        r"""Fitted logit :math:`\ell_t(x)`."""
        self._check_fitted()
        x = _as_points(x, self.dim)
        z, c = self._effective(x, t)
        phi = self._features(z)
        out = np.zeros(len(x))
        for a in range(len(self.multi_)):
            out += c[:, a] * phi[:, a]
        return out

    def grad_logit(self, x: Any, t: Any) -> np.ndarray:
        r"""Analytic :math:`\nabla_x\ell_t(x)` from the fitted coefficients."""
        self._check_fitted()
        x = _as_points(x, self.dim)
        z, c = self._effective(x, t)
        _, dphi = self._features(z, grad=True)
        out = np.zeros_like(x)
        for a, idx in enumerate(self.multi_):
            for i in range(self.dim):
                if idx[i]:
                    out[:, i] += c[:, a] * dphi[:, a, i]
        return out / self.scale_


class MLPDiscriminator(_Fitted, Discriminator):
    r"""A ReLU network (scikit-learn :class:`~sklearn.neural_network.MLPClassifier`).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Widths of the hidden layers (the complexity knob).
    alpha : float
        L2 penalty.
    max_iter : int
        Adam epochs.
    learning_rate_init : float
        Adam step size.
    batch_size : int
        Minibatch size.
    n_noise : int
        (t, noise) draws per training point.
    t_max : float
        Horizon T.

    Notes
    -----
    Input :math:`(\tilde x, u)` with :math:`\tilde x = (x - c)/s`, :math:`u = 2\sqrt{t/T} - 1`.
    With :math:`a_0 = (\tilde x, u)`, :math:`z_l = a_{l-1}W_l + b_l`,
    :math:`a_l = \max(z_l, 0)` and logit :math:`\ell = z_L`, the input gradient is the manual
    backward pass

    .. math:: g_L = 1,\quad g_{l-1} = (g_l W_l^\top)\odot 1[z_{l-1} > 0],\qquad
       \nabla_x\ell = (g_1 W_1^\top)_{1..d} / s.

    Examples
    --------
    >>> from boundkit.guidance import get_guidance_setting
    >>> toy = get_guidance_setting("gaussian")
    >>> d = MLPDiscriminator(hidden_layer_sizes=(8,), max_iter=5).fit(
    ...     toy.p.sample(50, rng=0), toy.q.sample(50, rng=1), rng=2)
    >>> d.grad_logit([[0.0], [1.0]], 0.5).shape
    (2, 1)
    """

    name = "mlp"

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (32, 32),
        alpha: float = 1e-4,
        max_iter: int = 200,
        learning_rate_init: float = 1e-3,
        batch_size: int = 256,
        n_noise: int = 8,
        t_max: float = 5.0,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.max_iter = max_iter
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.n_noise = n_noise
        self.t_max = t_max

    def _inputs(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.column_stack([(x - self.center_) / self.scale_, _time_feature(t, self.t_max)])

    def fit(self, data: Any, model_samples: Any, *, rng: Any = None) -> MLPDiscriminator:
        """Fit by cross-entropy (Adam) on noisy pairs; returns ``self``."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        sizes = tuple(int(h) for h in self.hidden_layer_sizes)
        if not sizes or min(sizes) < 1:
            raise BoundkitError("hidden_layer_sizes must be a non-empty tuple of positive ints")
        if self.alpha < 0 or int(self.max_iter) < 1:
            raise BoundkitError("alpha must be >= 0 and max_iter >= 1")
        rng = np.random.default_rng(rng)
        data, model_samples, xt, t, y = self._training_set(data, model_samples, rng)
        model = MLPClassifier(
            hidden_layer_sizes=sizes,
            activation="relu",
            alpha=self.alpha,
            max_iter=int(self.max_iter),
            learning_rate_init=self.learning_rate_init,
            batch_size=min(int(self.batch_size), len(y)),
            random_state=int(rng.integers(2**31 - 1)),
            tol=0.0,
            n_iter_no_change=int(self.max_iter) + 1,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(self._inputs(xt, t), y)
        self.converged_ = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        self.model_ = model
        self.n_train_ = (len(data), len(model_samples))
        self.n_parameters_ = int(
            sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
        )
        self.train_loss_ = float(model.loss_)
        return self

    def _forward(self, x: Any, t: Any) -> tuple[list[np.ndarray], np.ndarray]:
        self._check_fitted()
        x = _as_points(x, self.dim)
        a = self._inputs(x, _time_values(t, len(x)))
        pre = []
        W, B = self.model_.coefs_, self.model_.intercepts_
        for W_l, b_l in zip(W[:-1], B[:-1], strict=True):
            z = a @ W_l + b_l
            pre.append(z)
            a = np.maximum(z, 0.0)
        return pre, (a @ W[-1] + B[-1])[:, 0]

    def logit(self, x: Any, t: Any) -> np.ndarray:
        r"""The network's output pre-activation :math:`\ell_t(x)`."""
        return self._forward(x, t)[1]

    def grad_logit(self, x: Any, t: Any) -> np.ndarray:
        r""":math:`\nabla_x\ell_t(x)` by a manual backward pass through ``coefs_``."""
        pre, _ = self._forward(x, t)
        W = self.model_.coefs_
        g = np.broadcast_to(W[-1][:, 0], pre[-1].shape) * (pre[-1] > 0)
        for layer in range(len(pre) - 1, 0, -1):
            g = (g @ W[layer].T) * (pre[layer - 1] > 0)
        gin = g @ W[0].T
        return gin[:, : self.dim] / self.scale_


def make_discriminator(kind: str, **params: Any) -> Discriminator:
    """Build an unfitted trained discriminator by kind (``"logistic"`` or ``"mlp"``).

    Examples
    --------
    >>> type(make_discriminator("logistic", degree=3)).__name__
    'LogisticDiscriminator'
    """
    if kind == "logistic":
        return LogisticDiscriminator(**params)
    if kind == "mlp":
        return MLPDiscriminator(**params)
    raise BoundkitError(
        f"unknown discriminator {kind!r}: expected one of {', '.join(DISCRIMINATOR_KINDS)} "
        "('optimal' is built from the toy with OptimalDiscriminator(p, q))"
    )
