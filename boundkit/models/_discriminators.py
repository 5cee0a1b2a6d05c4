r"""Discriminators fitted from data and model samples: variational classes and classifiers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.distributions import as_points
from boundkit.models._montecarlo import lambda_from_samples, resolve_generator

__all__ = [
    "CLASS_KINDS",
    "NystromFeatures",
    "SampleDiscriminator",
    "fit_discriminator",
    "make_class",
]

#: Discriminator specifications accepted by :func:`fit_discriminator` (``KIND[:ARG]``).
CLASS_KINDS: tuple[str, ...] = (
    "rkhs[:LANDMARKS]",
    "linear",
    "poly[:DEGREE]",
    "rff[:FEATURES]",
    "relu[:WIDTH]",
    "logistic",
    "mlp[:WIDTH]",
)
_CLASSIFIERS = ("logistic", "mlp")


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
        self.landmarks = as_points(landmarks, name="landmarks")
        self._root_inv = psd_sqrt(kernel.gram(self.landmarks), inverse=True)

    def __call__(self, x: Any) -> np.ndarray:
        """The features :math:`\\phi(x)`, shape (m, L)."""
        return self.kernel.gram(x, self.landmarks) @ self._root_inv

    def __repr__(self) -> str:
        return f"NystromFeatures(L={self.landmarks.shape[0]}, kernel={self.kernel!r})"


def _kind_arg(spec: str) -> tuple[str, str]:
    kind, _, arg = str(spec).strip().partition(":")
    return kind.lower(), arg


def _int_arg(spec: str, arg: str, default: int) -> int:
    if not arg:
        return default
    try:
        val = int(arg)
    except ValueError:
        raise BoundkitError(f"--class {spec!r}: {arg!r} is not an integer") from None
    if val < 1:
        raise BoundkitError(f"--class {spec!r}: the integer must be >= 1")
    return val


def check_radius(B: Any) -> float:
    """Validate a class radius: a finite number > 0 (one line otherwise)."""
    try:
        val = float(B)
    except (TypeError, ValueError):
        raise BoundkitError(f"the class radius B must be a number > 0, got {B!r}") from None
    if not (np.isfinite(val) and val > 0):
        raise BoundkitError(f"the class radius B must be a finite number > 0, got {B!r}")
    return val


def make_class(
    spec: str, *, B: float, x_train: Any, rng: Any = None, gamma: float | None = None
) -> tuple[Any, Callable[[np.ndarray], float] | float]:
    r"""Build a discriminator class from a specification, with its range.

    Parameters
    ----------
    spec : str
        ``"rkhs[:L]"`` (Gaussian RKHS ball on L landmarks drawn from the training points,
        default 200), ``"linear"``, ``"poly[:DEG]"`` (default 2), ``"rff[:D]"`` (default 200
        random Fourier features), ``"relu[:W]"`` (two-layer ReLU, default width 16).
    B : float
        Radius (> 0): weight-norm bound, RKHS norm bound, output-layer bound for ReLU.
    x_train : array_like, shape (n, d)
        Training points (landmarks, dimension).
    rng : seed or Generator
        Landmarks, random features, network starts.
    gamma : float, optional
        Bandwidth of the RBF kernel (``None``: :math:`1/d`).

    Returns
    -------
    cls : DiscriminatorClass
    bound : float or callable
        :math:`R` with :math:`|h| \le R` for every member: a number when it holds everywhere,
        or ``bound(points) -> float`` giving :math:`R` over given points (the discriminator is
        then clipped at that level, a 1-Lipschitz map that keeps the certificate valid).

    Notes
    -----
    .. math:: \text{rkhs: } |h(x)| \le B\sqrt{k(x,x)} = B, \quad
              \text{rff: } |h(x)| \le B\|\phi(x)\|_2 \le \sqrt2 B, \quad
              \text{linear/poly: } |h(x)| \le B\|\phi(x)\|_2, \quad
              \text{relu: } |h(x)| \le B_2 B_1 \sqrt{\|x\|^2 + 1}.
    """
    from boundkit.classes import LinearClass, ReLUNetwork2, RKHSBall

    B = check_radius(B)
    x = as_points(x_train, name="training data")
    gen = np.random.default_rng(rng)
    kind, arg = _kind_arg(spec)
    if kind == "rkhs":
        L = min(_int_arg(spec, arg, 200), x.shape[0])
        idx = np.sort(gen.choice(x.shape[0], size=L, replace=False))
        g = 1.0 / x.shape[1] if gamma is None else float(gamma)
        feats = NystromFeatures(RKHSBall("rbf", B=1.0, gamma=g), x[idx])
        return LinearClass(features=feats, p=2, B=B), B
    if kind == "rff":
        D = _int_arg(spec, arg, 200)
        cls = LinearClass("rff", n_components=D, gamma=gamma, p=2, B=B, rng=gen.spawn(1)[0])
        return cls, float(np.sqrt(2.0) * B)
    if kind in ("linear", "poly"):
        cls = (
            LinearClass("identity", p=2, B=B)
            if kind == "linear"
            else LinearClass("poly", degree=_int_arg(spec, arg, 2), p=2, B=B)
        )
        if kind == "linear" and arg:
            raise BoundkitError(f"--class {spec!r}: linear takes no argument")

        def bound(pts: np.ndarray, _cls: Any = cls) -> float:
            return float(B * np.max(np.linalg.norm(_cls.design_matrix(pts), axis=1)))

        return cls, bound
    if kind == "relu":
        W = _int_arg(spec, arg, 16)
        cls = ReLUNetwork2(width=W, B1=1.0, B2=B, n_restarts=2, max_iter=300, rng=gen.spawn(1)[0])

        def relu_bound(pts: np.ndarray) -> float:
            return float(B * np.sqrt(np.max(np.sum(pts * pts, axis=1)) + 1.0))

        return cls, relu_bound
    raise BoundkitError(f"unknown class {spec!r}: expected one of {', '.join(CLASS_KINDS)}")


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
    kind: str, arg: str, spec: str, x_p: np.ndarray, x_q: np.ndarray, seed: int
) -> tuple[Callable[[Any], np.ndarray], dict[str, Any]]:
    """Train d(x) = P(data | x) by cross-entropy on balanced data/model samples; h = logit d."""
    X = np.vstack([x_p, x_q])
    y = np.concatenate([np.ones(x_p.shape[0]), np.zeros(x_q.shape[0])])
    from sklearn.exceptions import ConvergenceWarning

    if kind == "logistic":
        if arg:
            raise BoundkitError(f"--class {spec!r}: logistic takes no argument")
        from sklearn.linear_model import LogisticRegression

        clf: Any = LogisticRegression(C=1.0, max_iter=2000)
    else:
        from sklearn.neural_network import MLPClassifier

        width = _int_arg(spec, arg, 32)
        clf = MLPClassifier(
            hidden_layer_sizes=(width,), alpha=1e-3, max_iter=500, random_state=seed
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)

    def logit(x: Any, _clf: Any = clf) -> np.ndarray:
        pts = as_points(x, X.shape[1])
        if hasattr(_clf, "decision_function"):
            return np.asarray(_clf.decision_function(pts), dtype=float)
        # MLP: log d - log(1 - d) from the log-probabilities (no 0/0)
        lp = np.asarray(_clf.predict_log_proba(pts), dtype=float)
        return lp[:, 1] - lp[:, 0]

    return logit, {"converged": converged, "iterations": int(np.max(clf.n_iter_))}


def fit_discriminator(
    spec: str,
    x_train: Any,
    model_samples: Any,
    generator: Any = "kl",
    *,
    B: float = 1.0,
    rng: Any = None,
    gamma: float | None = None,
) -> SampleDiscriminator:
    r"""Fit a discriminator between training data and samples of the base model.

    Parameters
    ----------
    spec : str
        A class (``rkhs[:L]``, ``linear``, ``poly[:DEG]``, ``rff[:D]``, ``relu[:W]``: the
        variational objective) or a classifier (``logistic``, ``mlp[:W]``: cross-entropy,
        :math:`h = \mathrm{logit}\, d`, as in discriminator guidance).
    x_train : array_like, shape (n, d)
        Training data from :math:`P`.
    model_samples : array_like, shape (m, d)
        Independent samples of the base model :math:`Q` (the classifier uses the first n).
    generator : Generator or str
    B : float
        Radius of the class (> 0); for classifiers, the clipping level of the logit.
    rng : seed or Generator
    gamma : float, optional
        RBF bandwidth of ``rkhs``/``rff``.

    Returns
    -------
    SampleDiscriminator

    Notes
    -----
    Variational classes maximise, through ``cls.fit`` (:mod:`boundkit.classes`),

    .. math:: \mathbb E_{P_n} h - \Lambda_f^{Q_m}[h], \qquad Q_m = \frac1m\sum_i
              \delta_{X_i},

    whose maximiser is the refinement direction; a classifier instead estimates
    :math:`\mathrm{logit}\, d^* = \log(p/q)` (balanced classes), the optimal h for KL.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xp, xq = rng.normal(0.5, 1, (200, 1)), rng.normal(0, 1, (400, 1))
    >>> d = fit_discriminator("rkhs:50", xp, xq, B=1.0, rng=0)
    >>> d.lower, d.upper, d.kind   # |h| <= B sqrt(k(x, x)) = B
    (-1.0, 1.0, 'variational')
    >>> bool(d.train_objective > 0)
    True
    """
    g = resolve_generator(generator)
    B = check_radius(B)
    x_p = as_points(x_train, name="training data")
    x_q = as_points(model_samples, x_p.shape[1], name="model samples")
    gen = np.random.default_rng(rng)
    kind, arg = _kind_arg(spec)
    if kind in _CLASSIFIERS:
        m = min(x_q.shape[0], x_p.shape[0])
        raw, diag = _classifier_logit(kind, arg, spec, x_p, x_q[:m], int(gen.integers(2**31 - 1)))
        lo, hi, cls = -B, B, None
        nature = "classifier"
    else:
        cls, bound = make_class(spec, B=B, x_train=x_p, rng=gen, gamma=gamma)
        fitted = cls.fit(x_p, g, x_q, None, rng=gen.spawn(1)[0])
        raw = fitted.h
        R = bound if isinstance(bound, float) else bound(np.vstack([x_p, x_q]))
        lo, hi = -R, R
        diag = {k: v for k, v in fitted.diagnostics.items() if k != "weights"}
        nature = "variational"
    disc = SampleDiscriminator(spec, nature, B, float(lo), float(hi), raw, cls, 0.0, 0.0, diag)
    hq = disc(x_q)
    lam = lambda_from_samples(g, hq)
    objective = float(np.mean(disc(x_p)) - lam.value)
    return SampleDiscriminator(
        spec, nature, B, float(lo), float(hi), raw, cls, objective, lam.nu, diag
    )
