r"""Discriminators fitted from data and model samples: variational classes and classifiers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_points, check_positive
from boundkit.models._montecarlo import lambda_from_samples, resolve_generator

__all__ = [
    "CLASSIFIERS",
    "NystromFeatures",
    "SampleDiscriminator",
    "class_radius",
    "fit_discriminator",
    "landmark_class",
    "with_radius",
]

#: The cross-entropy recipes of :func:`fit_discriminator` (:math:`h = \mathrm{logit}\, d`).
CLASSIFIERS: tuple[str, ...] = ("logistic", "mlp")


class NystromFeatures:
    r"""Feature map of an RKHS ball restricted to the span of landmarks.

    Parameters
    ----------
    kernel : RKHSBall
        Supplies the Gram matrix (``kernel.gram``).
    landmarks : array_like, shape (L, d)
        The landmarks :math:`c_1..c_L`.

    Notes
    -----
    .. math:: \phi(x) = K_C^{+1/2}\, k_C(x), \qquad k_C(x) = (k(x, c_j))_j,

    so that :math:`h = \langle w, \phi\rangle = \sum_j \alpha_j k(\cdot, c_j)` with
    :math:`\alpha = K_C^{+1/2} w` and :math:`\|h\|_K = \|P w\|_2 \le \|w\|_2`: the linear class
    :math:`\{\langle w, \phi\rangle : \|w\|_2 \le B\}` is the part of the RKHS ball of radius
    B spanned by the landmarks, and :math:`|h(x)| \le B\sqrt{k(x, x)}`.
    """

    def __init__(self, kernel: Any, landmarks: Any) -> None:
        from boundkit.classes import psd_sqrt

        self.kernel = kernel
        self.landmarks = check_points(landmarks, name="landmarks")
        self._root_inv = psd_sqrt(kernel.gram(self.landmarks), inverse=True)

    def __call__(self, x: Any) -> np.ndarray:
        """The features :math:`\\phi(x)`, shape (m, L)."""
        return self.kernel.gram(x, self.landmarks) @ self._root_inv

    def __repr__(self) -> str:
        return f"NystromFeatures(L={self.landmarks.shape[0]}, kernel={self.kernel!r})"


def check_radius(B: Any) -> float:
    """Validate a class radius: a finite number > 0 (one line otherwise)."""
    return check_positive("the class radius B", B)


def _radius_name(cls: Any) -> str:
    from boundkit.classes import ReLUNetwork2

    return "B2" if isinstance(cls, ReLUNetwork2) else "B"


def class_radius(cls: Any) -> float:
    r"""The radius of a class: ``B`` (linear, RKHS), ``B2`` (two-layer ReLU output layer)."""
    return check_radius(getattr(cls, _radius_name(cls)))


def with_radius(cls: Any, B: float) -> Any:
    r"""A copy of a class with radius B (its other hyper-parameters unchanged).

    Parameters
    ----------
    cls : DiscriminatorClass
    B : float
        The new radius (> 0): ``B`` of linear and RKHS classes, ``B2`` of ReLU networks.

    Returns
    -------
    DiscriminatorClass
        ``type(cls)(**params)`` (scikit-learn constructor contract), no fitted attributes.

    Notes
    -----
    .. math:: \mathcal H_B = \{h : \|h\| \le B\} \text{ in the norm of the class.}
    """
    params = dict(cls.get_params())
    params[_radius_name(cls)] = check_radius(B)
    return type(cls)(**params)


def landmark_class(cls: Any, x: Any, n_landmarks: int, *, rng: Any = None) -> Any:
    r"""The RKHS ball of ``cls`` restricted to the span of landmarks drawn from ``x``.

    Parameters
    ----------
    cls : RKHSBall
    x : array_like, shape (n, d)
        Points to draw the landmarks from (without replacement).
    n_landmarks : int
        :math:`L` (at most n).
    rng : seed or Generator

    Returns
    -------
    LinearClass
        :math:`\{\langle w, \phi\rangle : \|w\|_2 \le B\}` with the
        :class:`NystromFeatures` :math:`\phi` (a subset of the ball).

    Notes
    -----
    Its members are :math:`\sum_j \alpha_j k(\cdot, c_j)` with :math:`\|h\|_K \le B`, so
    the Rademacher complexity of this class is at most that of the ball.
    """
    from boundkit.classes import LinearClass, RKHSBall

    if not isinstance(cls, RKHSBall):
        raise BoundkitError(f"landmarks need an RKHSBall, got {type(cls).__name__}")
    pts = check_points(x, name="training data")
    L = int(n_landmarks)
    if L < 1:
        raise BoundkitError(f"the number of landmarks must be >= 1, got {n_landmarks!r}")
    L = min(L, pts.shape[0])
    idx = np.sort(np.random.default_rng(rng).choice(pts.shape[0], size=L, replace=False))
    kernel = type(cls)(**{**cls.get_params(), "B": 1.0})
    return LinearClass(features=NystromFeatures(kernel, pts[idx]), p=2, B=cls.B)


def _value_bound(cls: Any, pts: np.ndarray) -> float:
    r"""R with :math:`|h(x)| \le R` for every member at the points ``pts`` (everywhere for
    RKHS balls of kernels with :math:`k(x, x) = 1`)."""
    from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall

    def kernel_bound(kernel: Any, B: float) -> float:
        if _bounded_kernel(kernel):
            return float(B)
        diag = np.array([kernel.gram(p[None, :])[0, 0] for p in pts])
        return float(B * np.sqrt(max(float(diag.max()), 0.0)))

    if isinstance(cls, LinearClass):
        if isinstance(cls.features, NystromFeatures):
            return kernel_bound(cls.features.kernel, cls.B)
        return float(cls.B * np.max(cls.dual_norm(cls.design_matrix(pts).T)))
    if isinstance(cls, RKHSBall):
        return kernel_bound(cls, cls.B)
    if isinstance(cls, ReLUNetwork2):
        return float(cls.B2 * cls.B1 * np.sqrt(np.max(np.sum(pts * pts, axis=1)) + 1.0))
    raise BoundkitError(
        f"no value bound for the class {type(cls).__name__}: use LinearClass, RKHSBall or "
        "ReLUNetwork2"
    )


def _label(cls: Any) -> str:
    """A short name of a class for reports: its kind and structural hyper-parameters."""
    name = type(cls).__name__
    keys = {"LinearClass": ("features", "p"), "RKHSBall": ("kernel",), "ReLUNetwork2": ("width",)}
    params = cls.get_params()
    parts = [
        f"{k}={params[k]}" if not callable(params[k]) else f"{k}=callable"
        for k in keys.get(name, ())
        if k in params
    ]
    return f"{name}({', '.join(parts)})"


def _bounded_kernel(kernel: Any) -> bool:
    """Kernels with k(x, x) = 1 for every x (rbf, laplacian)."""
    return isinstance(kernel.kernel, str) and kernel.kernel in ("rbf", "gaussian", "laplacian")


@dataclass(frozen=True)
class SampleDiscriminator:
    r"""A discriminator fitted from data and model samples, clipped to a known range.

    Attributes
    ----------
    spec : str
        The class specification.
    kind : str
        ``"variational"`` (maximises :math:`\mathbb E_{P_n} h - \Lambda_f^{Q_m}[h]` over a
        class) or ``"classifier"`` (:math:`h = \mathrm{logit}\, d`, d trained by
        cross-entropy).
    B : float
        The class radius (classifiers: the clipping level of the logit).
    lower, upper : float
        The range :math:`[a, b]` of the returned (clipped) h.
    raw : callable
        The unclipped discriminator.
    cls : DiscriminatorClass or None
        The class (``None`` for classifiers).
    train_objective : float
        :math:`\mathbb E_{P_n} h - \Lambda_f^{Q_m}[h]` on the training data and the fitting
        samples.
    nu_fit : float
        :math:`\nu_h` on the fitting samples (used as the fixed shift of the certificate).
    diagnostics : mapping
        Solver diagnostics.

    Notes
    -----
    .. math:: h(x) = \min(b, \max(a, h_{\text{raw}}(x))).
    """

    spec: str
    kind: str
    B: float
    lower: float
    upper: float
    raw: Callable[[Any], np.ndarray]
    cls: Any
    train_objective: float
    nu_fit: float
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def __call__(self, x: Any) -> np.ndarray:
        """The clipped discriminator at points of shape (m, d); shape (m,)."""
        return np.clip(np.asarray(self.raw(x), dtype=float).reshape(-1), self.lower, self.upper)


def _classifier_logit(
    kind: str, x_p: np.ndarray, x_q: np.ndarray, seed: int, width: int
) -> tuple[Callable[[Any], np.ndarray], dict[str, Any]]:
    """Train d(x) = P(data | x) by cross-entropy on balanced data/model samples; h = logit d."""
    from sklearn.exceptions import ConvergenceWarning

    X = np.vstack([x_p, x_q])
    y = np.concatenate([np.ones(x_p.shape[0]), np.zeros(x_q.shape[0])])
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        clf: Any = LogisticRegression(C=1.0, max_iter=2000)
    else:
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier(
            hidden_layer_sizes=(int(width),), alpha=1e-3, max_iter=500, random_state=seed
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)

    def logit(x: Any, _clf: Any = clf) -> np.ndarray:
        pts = check_points(x, X.shape[1])
        if hasattr(_clf, "decision_function"):
            return np.asarray(_clf.decision_function(pts), dtype=float)
        # MLP: log d - log(1 - d) from the log-probabilities (no 0/0)
        lp = np.asarray(_clf.predict_log_proba(pts), dtype=float)
        return lp[:, 1] - lp[:, 0]

    return logit, {"converged": converged, "iterations": int(np.max(clf.n_iter_))}


def fit_discriminator(
    cls: Any,
    x_train: Any,
    model_samples: Any,
    generator: Any = "kl",
    *,
    B: float | None = None,
    landmarks: int | None = None,
    width: int = 32,
    rng: Any = None,
) -> SampleDiscriminator:
    r"""Fit a discriminator between training data and samples of the base model.

    Parameters
    ----------
    cls : DiscriminatorClass or {"logistic", "mlp"}
        A class of :mod:`boundkit.classes` (``LinearClass`` with any features, ``RKHSBall``,
        ``ReLUNetwork2``): the variational objective; or a classifier name: cross-entropy,
        :math:`h = \mathrm{logit}\, d` (as in discriminator guidance, Kim et al. 2022).
    x_train : array_like, shape (n, d)
        Training data from :math:`P`.
    model_samples : array_like, shape (m, d)
        Independent samples of the base model :math:`Q` (a classifier uses the first n).
    generator : Generator or str
    B : float, optional
        Radius (> 0) replacing the class's own (``B``; ``B2`` of ReLU networks); for a
        classifier the clipping level of the logit (default 1).
    landmarks : int, optional
        For an ``RKHSBall``: restrict it to the span of this many landmarks drawn from the
        training points (:func:`landmark_class`); ``None`` keeps the full representer
        expansion on data and samples (cost cubic in n + m).
    width : int
        Hidden units of the ``"mlp"`` classifier.
    rng : seed or Generator

    Returns
    -------
    SampleDiscriminator
        h clipped to the range :math:`[-R, R]` of the class over the training data and the
        fitting samples (exact bounds everywhere for kernels with :math:`k(x, x) = 1`).

    Notes
    -----
    Variational classes maximise, through ``cls.fit`` (:mod:`boundkit.classes`),

    .. math:: \mathbb E_{P_n} h - \Lambda_f^{Q_m}[h], \qquad Q_m = \frac1m\sum_i
              \delta_{X_i},

    a classifier instead estimates :math:`\mathrm{logit}\, d^* = \log(p/q)` (balanced
    classes), the optimal h for KL. Clipping is 1-Lipschitz, so it keeps a member of a class
    inside the contraction of that class (same Rademacher bound).

    Examples
    --------
    >>> from boundkit.classes import RKHSBall
    >>> rng = np.random.default_rng(0)
    >>> xp, xq = rng.normal(0.5, 1, (200, 1)), rng.normal(0, 1, (400, 1))
    >>> d = fit_discriminator(RKHSBall("rbf", B=1.0), xp, xq, landmarks=50, rng=0)
    >>> d.lower, d.upper, d.kind   # |h| <= B sqrt(k(x, x)) = B
    (-1.0, 1.0, 'variational')
    >>> bool(d.train_objective > 0)
    True
    """
    g = resolve_generator(generator)
    x_p = check_points(x_train, name="training data")
    x_q = check_points(model_samples, x_p.shape[1], name="model samples")
    gen = np.random.default_rng(rng)
    if isinstance(cls, str):
        if cls not in CLASSIFIERS:
            raise BoundkitError(
                f"unknown classifier {cls!r}: expected {' or '.join(CLASSIFIERS)}, or a class "
                "of boundkit.classes"
            )
        radius = 1.0 if B is None else check_radius(B)
        m = min(x_q.shape[0], x_p.shape[0])
        raw, diag = _classifier_logit(cls, x_p, x_q[:m], int(gen.integers(2**31 - 1)), width)
        lo, hi, fitted_cls, spec, nature = -radius, radius, None, cls, "classifier"
    else:
        if not hasattr(cls, "fit") or not hasattr(cls, "get_params"):
            raise BoundkitError(
                f"cls must be a boundkit discriminator class or a classifier name, got "
                f"{type(cls).__name__}"
            )
        fitted_cls = cls if B is None else with_radius(cls, B)
        radius = class_radius(fitted_cls)
        spec = _label(fitted_cls)
        if landmarks is not None:
            fitted_cls = landmark_class(fitted_cls, x_p, landmarks, rng=gen.spawn(1)[0])
            spec = f"{spec} on {fitted_cls.features.landmarks.shape[0]} landmarks"
        fitted = fitted_cls.fit(x_p, g, x_q, None, rng=gen.spawn(1)[0])
        raw = fitted.h
        R = _value_bound(fitted_cls, np.vstack([x_p, x_q]))
        lo, hi = -R, R
        diag = {k: v for k, v in fitted.diagnostics.items() if k != "weights"}
        nature = "variational"
    disc = SampleDiscriminator(
        spec, nature, radius, float(lo), float(hi), raw, fitted_cls, 0.0, 0.0, diag
    )
    lam = lambda_from_samples(g, disc(x_q))
    objective = float(np.mean(disc(x_p)) - lam.value)
    return SampleDiscriminator(
        spec, nature, radius, float(lo), float(hi), raw, fitted_cls, objective, lam.nu, diag
    )
