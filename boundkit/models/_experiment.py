r"""Refine a model on a data set end to end: split, fit, refine, measure, sweep the radius."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_points, check_size
from boundkit.models._base import as_model, fit_base_model, has_logpdf
from boundkit.models._discriminators import (
    SampleDiscriminator,
    check_radius,
    class_radius,
    fit_discriminator,
)
from boundkit.models._holdout import HeldOut, measure_holdout
from boundkit.models._montecarlo import resolve_generator
from boundkit.models._refined import MAX_REJECTION_M, SampleRefinement, refine_from_samples
from boundkit.models._twosample import MMDTest, mmd_test

__all__ = [
    "PlaneDensities",
    "RadiusResult",
    "RefinementResult",
    "plane_densities",
    "run_refinement",
]


@dataclass(frozen=True)
class RadiusResult:
    r"""Every measurement at one class radius B.

    Attributes
    ----------
    B : float
    train_objective : float
        :math:`\mathbb E_{P_n} h - \hat\Lambda` on the training data (fitting samples).
    validation, test : HeldOut
        Held-out measurements (the test one with the certificate).
    rademacher, rademacher_se : float or None
        :math:`\hat{\mathfrak R}_S(\mathcal H)` on the training sample
        (:func:`boundkit.complexity.empirical_rademacher`; the norm-based upper bracket for
        ReLU networks) and its Monte Carlo standard error; ``None`` for classifiers.
    c6c : dict or None
        :func:`boundkit.bounds.bound` ("C6c", population 0): the excess
        :math:`2\hat{\mathfrak R}_S + 4(b-a)\sqrt{\log(3/\delta)/(2n)}` and its terms.
    lam : dict
        :math:`\hat\Lambda`, :math:`\hat\nu`, standard errors, ESS of the refinement weights.
    range : tuple of float
        :math:`[a, b]` of h.
    fit_seconds : float
    """

    B: float
    train_objective: float
    validation: HeldOut
    test: HeldOut
    rademacher: float | None
    rademacher_se: float | None
    c6c: dict[str, Any] | None
    lam: dict[str, float]
    range: tuple[float, float]
    fit_seconds: float
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The numbers as a plain dictionary."""
        return {
            "B": self.B,
            "train_objective": self.train_objective,
            "validation": self.validation.to_dict(),
            "test": self.test.to_dict(),
            "rademacher": {"value": self.rademacher, "se": self.rademacher_se},
            "two_rademacher": None if self.rademacher is None else 2.0 * self.rademacher,
            "c6c": self.c6c,
            "lambda": self.lam,
            "range": list(self.range),
            "fit_seconds": self.fit_seconds,
            "diagnostics": {k: v for k, v in self.diagnostics.items() if _plain(v)},
        }


def _plain(v: Any) -> bool:
    return isinstance(v, str | int | float | bool) or v is None


@dataclass(frozen=True)
class RefinementResult:
    r"""The outcome of :func:`run_refinement`.

    Attributes
    ----------
    settings : dict
        Data set, model, class, generator, split, seed, sizes, delta, level.
    rows : tuple of RadiusResult
        One per radius of the sweep, in the given order.
    best : int
        Index of the radius with the largest validation improvement (the reported model).
    refinement : SampleRefinement
        The refined model at the best radius.
    sampling : dict
        Rejection (acceptance rate, M) and SIR (ESS) diagnostics of sampling :math:`Q_h`.
    mmd_base, mmd_refined : MMDTest
        Two-sample tests of base / refined samples against the test split.
    timings : dict
        Seconds: base fit, total.
    """

    settings: dict[str, Any]
    rows: tuple[RadiusResult, ...]
    best: int
    refinement: SampleRefinement
    sampling: dict[str, Any]
    mmd_base: MMDTest
    mmd_refined: MMDTest
    timings: dict[str, float]

    @property
    def best_row(self) -> RadiusResult:
        """The measurements at the selected radius."""
        return self.rows[self.best]

    def to_dict(self) -> dict[str, Any]:
        """Every number (with its error) as one JSON-serialisable dictionary."""
        return {
            "settings": self.settings,
            "best_B": self.rows[self.best].B,
            "best": self.rows[self.best].to_dict(),
            "sweep": [r.to_dict() for r in self.rows],
            "sampling": self.sampling,
            "mmd": {"base": self.mmd_base.to_dict(), "refined": self.mmd_refined.to_dict()},
            "timings": self.timings,
        }


def _standardise_on(train: np.ndarray, *parts: np.ndarray) -> list[np.ndarray]:
    mean = train.mean(axis=0)
    scale = train.std(axis=0)
    keep = scale > 1e-12
    return [(p[:, keep] - mean[keep]) / scale[keep] for p in (train, *parts)]


def _landmarks(cls: Any, landmarks: int | None) -> int | None:
    """Landmarks apply to RKHS balls only."""
    from boundkit.classes import RKHSBall

    return landmarks if isinstance(cls, RKHSBall) else None


def _label(cls: Any) -> str:
    return cls if isinstance(cls, str) else type(cls).__name__


def _rademacher(cls: Any, x: np.ndarray, n_sigmas: int, rng: Any) -> tuple[float, float, Any]:
    from boundkit.classes import ReLUNetwork2
    from boundkit.complexity import empirical_rademacher

    res = empirical_rademacher(cls, x, n_sigmas=n_sigmas, rng=rng, with_bounds=False)
    if isinstance(cls, ReLUNetwork2):
        # the optimiser's value is a lower bound: the bound needs the norm-based upper bracket
        return float(res.upper), 0.0, res
    return float(res.estimate), float(res.stderr), res


def run_refinement(
    x: Any,
    model: Any = "gmm:3",
    discriminator: Any = None,
    generator: Any = "kl",
    *,
    split: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
    radii: Sequence[float] | None = None,
    landmarks: int | None = 200,
    n_fit: int | None = None,
    n_eval: int = 20_000,
    delta: float = 0.05,
    certificate: str = "hoeffding",
    level: float = 0.95,
    n_sigmas: int = 100,
    n_permutations: int = 200,
    n_mmd: int | None = None,
    standardise: bool = True,
    name: str = "data",
    progress: Callable[[str], None] | None = None,
) -> RefinementResult:
    r"""Refine a base model on a data set and measure the improvement on held-out data.

    Parameters
    ----------
    x : array_like, shape (N, d) or Dataset
        The data (a :class:`boundkit.datasets.Dataset` or an array).
    model : str or model
        A specification fitted to the training split (``"gmm:K"``, ``"bgmm:K"``,
        ``"kde:BANDWIDTH"``, ``"gaussian"``, see :func:`fit_base_model`) or an already fitted
        model (anything :func:`as_model` accepts; the data are then used as given).
    discriminator : DiscriminatorClass or {"logistic", "mlp"}, optional
        The class (any of :mod:`boundkit.classes` but finite) or classifier, see
        :func:`fit_discriminator`; default ``RKHSBall("rbf", B=1)``.
    generator : Generator or str
    split : three floats
        Train/validation/test fractions.
    seed : int
        Root seed: split, base fit, model samples, landmarks, signs and permutations all come
        from ``numpy.random.SeedSequence(seed)``.
    radii : sequence of float, optional
        Class radii B to sweep (each > 0; default: the class's own radius, 1 for a
        classifier); the reported model is the radius with the largest validation
        improvement.
    landmarks : int or None
        Landmarks of an ``RKHSBall`` (:func:`landmark_class`); ``None`` for the full
        representer expansion.
    n_fit : int, optional
        Model samples for fitting h (default :math:`\max(2n_{train}, 1000)`).
    n_eval : int
        Independent model samples for :math:`\hat\Lambda` and the certificate.
    delta : float
        Error probability of the certificate and of C6c.
    certificate : {"hoeffding", "empirical-bernstein"}
        The held-out side of the certificate (:func:`holdout_certificate_mc`).
    level : float
        Confidence level of the intervals.
    n_sigmas : int
        Sign vectors of the Rademacher estimate.
    n_permutations : int
        Permutations of the MMD tests.
    n_mmd : int, optional
        Model samples in each MMD test (default: the test size).
    standardise : bool
        Standardise with the training split's mean and scale (specification models only).
    name : str
        Data set label.
    progress : callable, optional
        Called with a short label after each step (the CLI's progress bar).

    Returns
    -------
    RefinementResult

    Notes
    -----
    For each radius: fit h on :math:`(P_{train}, Q_{m_{fit}})`, estimate
    :math:`\hat\nu, \hat\Lambda` on :math:`m_{eval}` fresh model samples, then measure on the
    validation and test splits (:func:`measure_holdout`), certify on the test split
    (:func:`holdout_certificate_mc`), and evaluate the data-dependent bound C6c

    .. math:: \mathrm{KL}(P\|Q_{h_n}) - \mathrm{KL}(P\|Q_{h^*}) \le 2\hat{\mathfrak R}_S(\mathcal
        H) + 4(b-a)\sqrt{\frac{\log(3/\delta)}{2n}}

    with :math:`\hat{\mathfrak R}_S` on the training sample.
    """
    from boundkit.bounds import bound
    from boundkit.datasets import split_indices
    from boundkit.generators import is_kl

    t_start = time.perf_counter()
    tick = progress or (lambda label: None)
    g = resolve_generator(generator)
    data = getattr(x, "x", x)
    name = getattr(x, "name", name)
    data = check_points(data, name=f"data set {name!r}")
    if discriminator is None:
        from boundkit.classes import RKHSBall

        discriminator = RKHSBall("rbf", B=1.0)
    if radii is None:
        radii = (1.0,) if isinstance(discriminator, str) else (class_radius(discriminator),)
    radii = tuple(check_radius(b) for b in radii)
    if not radii:
        raise BoundkitError("give at least one class radius B")
    sp = split_indices(data.shape[0], split, seed=seed)
    seeds = np.random.SeedSequence(seed).spawn(8)
    is_spec = isinstance(model, str)
    x_tr, x_va, x_te = data[sp.train], data[sp.validation], data[sp.test]
    if is_spec and standardise:
        x_tr, x_va, x_te = _standardise_on(x_tr, x_va, x_te)
    if is_spec:
        fb = fit_base_model(model, x_tr, rng=seeds[0])
        base, base_seconds, model_label = fb.model, fb.fit_seconds, fb.spec
    else:
        t0 = time.perf_counter()
        base = as_model(model, x_tr.shape[1])
        base_seconds, model_label = time.perf_counter() - t0, repr(base)
    if base.dim != x_tr.shape[1]:
        raise BoundkitError(f"the model has dimension {base.dim} but the data have {x_tr.shape[1]}")
    tick("base model fitted")
    n_tr = x_tr.shape[0]
    m_fit = max(2 * n_tr, 1000) if n_fit is None else int(n_fit)
    check_size("n_fit x dimension", m_fit * x_tr.shape[1], unit="model coordinates")
    check_size("n_eval x dimension", int(n_eval) * x_tr.shape[1], unit="model coordinates")
    xs_fit = base.sample(m_fit, rng=seeds[1])
    xs_eval = base.sample(int(n_eval), rng=seeds[2])
    tick("model sampled")
    rows: list[RadiusResult] = []
    refinements: list[SampleRefinement] = []
    disc_seeds = seeds[3].spawn(len(radii))
    rad_seeds = seeds[4].spawn(len(radii))
    for B, s_disc, s_rad in zip(radii, disc_seeds, rad_seeds, strict=True):
        t0 = time.perf_counter()
        disc: SampleDiscriminator = fit_discriminator(
            discriminator,
            x_tr,
            xs_fit,
            g,
            B=B,
            landmarks=_landmarks(discriminator, landmarks),
            rng=s_disc,
        )
        fit_s = time.perf_counter() - t0
        ref = refine_from_samples(base, disc, g, samples=xs_eval)
        val = measure_holdout(ref, x_va, level=level)
        test = measure_holdout(
            ref, x_te, level=level, certify=True, delta=delta, method=certificate
        )
        rad = rad_se = None
        c6c = None
        if disc.cls is not None:
            rad, rad_se, _ = _rademacher(disc.cls, x_tr, n_sigmas, s_rad)
            if is_kl(g):
                c6c = bound(
                    "C6c",
                    g,
                    disc.spec,
                    n_tr,
                    delta,
                    population=0.0,
                    rademacher=rad,
                    value_range=(disc.lower, disc.upper),
                ).to_dict()
        rows.append(
            RadiusResult(
                B,
                disc.train_objective,
                val,
                test,
                rad,
                rad_se,
                c6c,
                ref.lam.to_dict(),
                (disc.lower, disc.upper),
                fit_s,
                {**disc.diagnostics, "spec": disc.spec},
            )
        )
        refinements.append(ref)
        tick(f"B={B:g} measured")
    best = int(np.argmax([r.validation.improvement.value for r in rows]))
    ref = refinements[best]
    s_samp, s_mmd = seeds[5].spawn(2)
    n_draw = x_te.shape[0] if n_mmd is None else int(n_mmd)
    s_rej, s_sir = s_samp.spawn(2)
    M = ref.rejection_bound
    sir = ref.sample(n_draw, method="sir", rng=s_sir, n_proposals=max(10 * n_draw, 5000))
    rej = ref.sample(n_draw, method="rejection", rng=s_rej) if M <= MAX_REJECTION_M else None
    refined_draws = sir if rej is None else rej
    sampling = {
        "rejection": {
            "used": rej is not None,
            "M": M,
            "expected_acceptance_rate": 1.0 / M,
            "acceptance_rate": None if rej is None else rej.acceptance_rate,
            "n_proposals": None if rej is None else rej.n_proposals,
        },
        "sir": {"ess": sir.ess, "n_proposals": sir.n_proposals},
        "mmd_samples": refined_draws.method,
        "weights_ess": ref.lam.ess,
        "weights_m": ref.lam.m,
    }
    tick("refined model sampled")
    m1, m2 = s_mmd.spawn(2)
    mmd_b = mmd_test(base.sample(n_draw, rng=m1), x_te, n_permutations=n_permutations, rng=m2)
    mmd_r = mmd_test(refined_draws.samples, x_te, n_permutations=n_permutations, rng=m2)
    tick("two-sample tests done")
    settings = {
        "dataset": name,
        "model": model_label,
        "class": rows[best].diagnostics.get("spec", _label(discriminator)),
        "generator": g.name,
        "split": list(sp.fractions),
        "sizes": sp.sizes(),
        "dim": int(x_tr.shape[1]),
        "seed": seed,
        "radii": list(radii),
        "n_fit": m_fit,
        "n_eval": int(n_eval),
        "delta": delta,
        "certificate": certificate,
        "level": level,
        "n_sigmas": n_sigmas,
        "base_has_logpdf": has_logpdf(base),
    }
    timings = {"base_fit": base_seconds, "total": time.perf_counter() - t_start}
    return RefinementResult(settings, tuple(rows), best, ref, sampling, mmd_b, mmd_r, timings)


@dataclass(frozen=True)
class PlaneDensities:
    r"""Base and refined densities on a grid of a 2-D plane, with the data.

    Attributes
    ----------
    xx, yy : ndarray, shape (k, k)
        Grid coordinates.
    base, refined : ndarray, shape (k, k)
        :math:`q` and :math:`q_h = q\,(f^*)'(h - \hat\nu)` on the grid.
    train, test : ndarray, shape (n, 2)
        Projected training and test points.
    explained : tuple of float
        Explained-variance ratios of the two axes.
    improvement : Estimate
        Held-out improvement of the 2-D refinement (test split).
    B : float
        The class radius used (chosen on the validation split when several are given).
    """

    xx: np.ndarray
    yy: np.ndarray
    base: np.ndarray
    refined: np.ndarray
    train: np.ndarray
    test: np.ndarray
    explained: tuple[float, float]
    improvement: Any
    B: float = float("nan")


def plane_densities(
    x: Any,
    model: str = "gmm:3",
    discriminator: Any = None,
    generator: Any = "kl",
    *,
    B: float | None = None,
    radii: Sequence[float] | None = None,
    landmarks: int | None = 200,
    split: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
    n_grid: int = 80,
    n_eval: int = 20_000,
) -> PlaneDensities:
    r"""Refine in the plane of the first two principal components (PCA fitted on train).

    Parameters
    ----------
    x : array_like or Dataset
    model, discriminator, generator, split, seed, landmarks
        As in :func:`run_refinement` (the model is a specification, refitted in 2-D).
    B : float, optional
        The class radius (default: the class's own).
    radii : sequence of float, optional
        Radii to choose from by the validation improvement in the plane (overrides ``B``).
    n_grid : int
        Grid points per axis.
    n_eval : int
        Model samples for :math:`\hat\nu`.

    Returns
    -------
    PlaneDensities

    Notes
    -----
    With :math:`z = (x - \bar x)V^\top` the projection on the top two components,
    base and refined models are fitted to the projected training points; the grid shows
    :math:`q(z)` and :math:`q(z)\,(f^*)'(h(z) - \hat\nu)`.
    """
    from boundkit.datasets import pca_fit, split_indices

    if not isinstance(model, str):
        raise BoundkitError("the 2-D picture refits the model: give a specification string")
    g = resolve_generator(generator)
    data = check_points(getattr(x, "x", x), name="data")
    if data.shape[1] < 2:
        raise BoundkitError("the 2-D picture needs data with at least 2 columns")
    sp = split_indices(data.shape[0], split, seed=seed)
    x_tr, x_va, x_te = _standardise_on(data[sp.train], data[sp.validation], data[sp.test])
    plane = pca_fit(x_tr, 2)
    z_tr, z_va, z_te = (plane.transform(v) for v in (x_tr, x_va, x_te))
    seeds = np.random.SeedSequence([seed, 2]).spawn(4)
    base = fit_base_model(model, z_tr, rng=seeds[0]).model
    xs_fit = base.sample(max(2 * z_tr.shape[0], 1000), rng=seeds[1])
    if discriminator is None:
        from boundkit.classes import RKHSBall

        discriminator = RKHSBall("rbf", B=1.0)
    xs_eval = base.sample(int(n_eval), rng=seeds[3])
    best: tuple[float, SampleRefinement] | None = None
    for radius in [B] if radii is None else [check_radius(r) for r in radii]:
        disc = fit_discriminator(
            discriminator,
            z_tr,
            xs_fit,
            g,
            B=radius,
            landmarks=_landmarks(discriminator, landmarks),
            rng=seeds[2],
        )
        cand = refine_from_samples(base, disc, g, samples=xs_eval)
        val = measure_holdout(cand, z_va).improvement.value
        if best is None or val > best[0]:
            best = (val, cand)
    assert best is not None
    ref = best[1]
    allz = np.vstack([z_tr, z_te])
    lo, hi = allz.min(axis=0), allz.max(axis=0)
    pad = 0.15 * (hi - lo)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], int(n_grid))
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], int(n_grid))
    xx, yy = np.meshgrid(gx, gy)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    q = base.pdf(grid).reshape(xx.shape)
    qh = ref.model.pdf(grid).reshape(xx.shape)
    imp = measure_holdout(ref, z_te).improvement
    ev = plane.explained_variance_ratio
    return PlaneDensities(
        xx, yy, q, qh, z_tr, z_te, (float(ev[0]), float(ev[1])), imp, ref.discriminator.B
    )
