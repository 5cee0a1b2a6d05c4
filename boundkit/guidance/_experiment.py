r"""Guidance experiments: train discriminators, sample with guidance, measure distances."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import MAX_WORK, check_seed, check_size
from boundkit.guidance._diagnostics import TimeProfile, time_profile
from boundkit.guidance._discriminators import (
    Discriminator,
    LogisticDiscriminator,
    MLPDiscriminator,
    OptimalDiscriminator,
)
from boundkit.guidance._metrics import (
    grid_distances,
    ks_distance,
    mmd2,
    summarize_seeds,
    wasserstein1,
)
from boundkit.guidance._refined import RefinedModel, refine_by_discriminator
from boundkit.guidance._sampler import guided_sample
from boundkit.guidance._settings import GuidanceSetting, get_guidance_setting

__all__ = [
    "GuidanceResult",
    "parse_discriminator",
    "build_discriminators",
    "sample_distances",
    "run_guidance",
]


#: largest degree of the poly/fourier discriminators (their features grow like degree^(d+1))
MAX_DEGREE = 100


def _mlp_weights(widths: tuple[int, ...]) -> int:
    # weights of an MLP on (x, t) with these hidden widths (input dimension at most 3)
    sizes = (3, *widths, 1)
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def parse_discriminator(spec: str) -> tuple[str, dict[str, Any]]:
    """Parse a discriminator specification into a kind and keyword parameters.

    Accepted forms: ``optimal``; ``logistic:DEG`` or ``poly:DEG`` (polynomial features of
    total degree DEG); ``fourier:DEG``; ``mlp:WxW...`` (ReLU widths, e.g. ``mlp:32x32``).

    Examples
    --------
    >>> parse_discriminator("poly:3")
    ('logistic', {'features': 'poly', 'degree': 3})
    >>> parse_discriminator("mlp:16x16")
    ('mlp', {'hidden_layer_sizes': (16, 16)})
    """
    s = spec.strip().lower()
    head, _, arg = s.partition(":")
    kind, params, widths, degree = "", {}, (1,), 0
    try:
        if head == "optimal" and not arg:
            return "optimal", {}
        if head in ("logistic", "poly", "fourier") and arg:
            degree = int(arg)
            if degree < 0:
                raise ValueError
            feats = "fourier" if head == "fourier" else "poly"
            kind, params = "logistic", {"features": feats, "degree": degree}
        if head == "mlp" and arg:
            widths = tuple(int(w) for w in arg.split("x"))
            if min(widths) < 1:
                raise ValueError
            kind, params = "mlp", {"hidden_layer_sizes": widths}
    except ValueError:
        kind = ""
    if kind == "mlp":
        check_size(f"discriminator {spec!r}", _mlp_weights(widths), unit="weights")
        return kind, params
    if kind == "logistic":
        check_size(f"discriminator {spec!r}", degree, limit=MAX_DEGREE, unit="as degree")
        return kind, params
    raise BoundkitError(
        f"bad discriminator {spec!r}: expected optimal, poly:DEG, fourier:DEG or mlp:WxW"
    )


def build_discriminators(
    setting: GuidanceSetting | str,
    specs: Sequence[str],
    *,
    n_train: int = 500,
    n_model: int | None = None,
    mlp_params: Mapping[str, Any] | None = None,
    logistic_params: Mapping[str, Any] | None = None,
    rng: Any = None,
) -> dict[str, Discriminator]:
    r"""Build (and train) the discriminators named by ``specs`` on one guidance setting.

    Parameters
    ----------
    setting : GuidanceSetting or str
        A guidance setting or its name (:func:`list_guidance_settings`).
    specs : sequence of str
        See :func:`parse_discriminator`.
    n_train : int
        Number of data samples from P (label 1) used for training.
    n_model : int, optional
        Number of base-model samples (label 0); ``n_train`` by default.
    mlp_params, logistic_params : mapping, optional
        Extra keyword parameters of :class:`MLPDiscriminator` / :class:`LogisticDiscriminator`.
    rng : seed or Generator, optional

    Returns
    -------
    dict
        Spec string to discriminator, in the given order. Every trained discriminator sees the
        same data and model samples.

    Notes
    -----
    Training minimises the binary cross-entropy of Kim et al. (2022) on noisy pairs
    :math:`(x_t, t)` (see :func:`training_pairs`).
    """
    toy = get_guidance_setting(setting)
    rng = np.random.default_rng(rng)
    if int(n_train) < 2:
        raise BoundkitError(f"n_train must be >= 2, got {n_train}")
    n_noise = int(dict(mlp_params or {}).get("n_noise", 1))
    check_size("n_train x n_noise training pairs", int(n_train) * max(n_noise, 1) * toy.dim)
    n_model = int(n_train) if n_model is None else int(n_model)
    data = toy.p.sample(int(n_train), rng=rng)
    model = toy.q.sample(n_model, rng=rng)
    out: dict[str, Discriminator] = {}
    for spec in specs:
        kind, params = parse_discriminator(spec)
        child = np.random.default_rng(rng.integers(2**63 - 1))
        if kind == "optimal":
            out[spec] = OptimalDiscriminator(toy.p, toy.q)
        elif kind == "logistic":
            out[spec] = LogisticDiscriminator(**params, **dict(logistic_params or {})).fit(
                data, model, rng=child
            )
        else:
            out[spec] = MLPDiscriminator(**params, **dict(mlp_params or {})).fit(
                data, model, rng=child
            )
    return out


def sample_distances(
    x: np.ndarray,
    reference: Any,
    box: tuple[Any, Any],
    *,
    n_bins: int | None = None,
    bandwidth: float = 1.0,
) -> dict[str, float]:
    r"""All distances between particles and an exact law (1-D: W1, KS, KL, TV; 2-D: MMD^2, KL, TV).

    Notes
    -----
    See :func:`wasserstein1`, :func:`ks_distance`, :func:`grid_distances`, :func:`mmd2`.
    """
    dim = reference.dim
    nb = int(n_bins) if n_bins is not None else (200 if dim == 1 else 40)
    g = grid_distances(x, reference, box, n_bins=nb)
    out = {"kl_grid": g.kl, "tv_grid": g.tv, "kl_floor": g.kl_floor, "tv_floor": g.tv_floor}
    if dim == 1:
        out["w1"] = wasserstein1(x, reference)
        out["ks"] = ks_distance(x, reference)
    else:
        out["mmd2"] = mmd2(x, reference, bandwidth=bandwidth)
    return out


@dataclass(frozen=True)
class GuidanceResult:
    r"""Distances to P and to the refined model :math:`Q_h`, per discriminator and weight.

    Attributes
    ----------
    setting : str
        Name of the guidance setting.
    rows : tuple of dict
        One per (discriminator, weight): ``discriminator``, ``weight``, ``n_diverged`` (seeds
        whose particles blew up: their distances are ``inf``), and for each metric
        ``<metric>_p`` / ``<metric>_qh`` the mean over seeds and ``<metric>_p_se`` /
        ``<metric>_qh_se`` its standard error.
    exact : dict
        Exact (quadrature) quantities per discriminator: ``kl_p_qh`` :math:`\mathrm{KL}(P\|Q_h)`,
        ``edge_ratio`` of the quadrature box; and ``kl_p_q`` :math:`\mathrm{KL}(P\|Q)`.
    profiles : dict
        Discriminator name to :class:`TimeProfile`.
    settings : dict
        Sampler, particles, steps, seeds, window, bins, seed.
    """

    setting: str
    rows: tuple[dict[str, Any], ...]
    exact: dict[str, Any]
    profiles: dict[str, TimeProfile] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def row(self, discriminator: str, weight: float) -> dict[str, Any]:
        """The row of one (discriminator, weight) pair."""
        for r in self.rows:
            if r["discriminator"] == discriminator and abs(r["weight"] - float(weight)) < 1e-12:
                return r
        raise BoundkitError(f"no row for discriminator {discriminator!r} and weight {weight}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "setting": self.setting,
            "settings": self.settings,
            "exact": self.exact,
            "rows": list(self.rows),
            "profiles": {k: v.to_rows() for k, v in self.profiles.items()},
        }


def run_guidance(
    setting: GuidanceSetting | str,
    discriminators: Mapping[str, Discriminator],
    *,
    weights: Sequence[float] = (0.0, 1.0),
    sampler: str = "sde",
    n_particles: int = 10_000,
    n_steps: int = 200,
    n_seeds: int = 3,
    t_window: tuple[float, float] | None = None,
    t_max: float = 5.0,
    n_bins: int | None = None,
    profile_times: Sequence[float] | None = (0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 4.0),
    seed: int = 0,
    progress: bool = False,
    n_jobs: int = 1,
) -> GuidanceResult:
    r"""Sample the guided reverse process for every discriminator and weight; measure distances.

    Parameters
    ----------
    setting : GuidanceSetting or str
        A guidance setting or its name (:func:`list_guidance_settings`).
    discriminators : mapping
        Name to discriminator (see :func:`build_discriminators`).
    weights : sequence of float
        Guidance weights :math:`w` (``0`` is the base sampler).
    sampler : {"sde", "ode"}
    n_particles, n_steps, n_seeds : int
    t_window : (float, float), optional
    t_max : float
    n_bins : int, optional
        Bins per coordinate of the grid KL/TV.
    profile_times : sequence of float or None
        Times of the per-time accuracy profile (``None`` to skip).
    seed : int
        Root seed; seed ``k`` of every (discriminator, weight) uses the same child
        ``SeedSequence(seed).spawn(n_seeds)[k]`` (common random numbers across settings).
    progress : bool
        tqdm bar on stderr.
    n_jobs : int
        joblib workers over the (discriminator, weight, seed) runs (``-1``: all cores); every
        run has its own seed, so the result is identical for any ``n_jobs``.

    Returns
    -------
    GuidanceResult

    Notes
    -----
    For each discriminator, :math:`Q_h` with :math:`h = \ell_0` is computed by quadrature
    (:func:`refine_by_discriminator`) and the particles are compared both to P and to
    :math:`Q_h`. With :math:`d^*` and :math:`w = 1`, :math:`Q_h = P` and the guided score is
    :math:`\nabla\log p_t` (C8).

    Examples
    --------
    >>> toy = get_guidance_setting("weights")
    >>> res = run_guidance(toy, {"optimal": OptimalDiscriminator(toy.p, toy.q)},
    ...                    n_particles=2000, n_steps=50, n_seeds=2, profile_times=None)
    >>> r0, r1 = res.row("optimal", 0.0), res.row("optimal", 1.0)
    >>> bool(r1["w1_p"] < r0["w1_p"])
    True
    """
    toy = get_guidance_setting(setting)
    if not discriminators:
        raise BoundkitError("need at least one discriminator")
    ws = [float(w) for w in weights]
    if not ws or any(not (np.isfinite(w) and w >= 0) for w in ws):
        raise BoundkitError("weights must be a non-empty list of finite values >= 0")
    if int(n_seeds) < 1:
        raise BoundkitError(f"n_seeds must be >= 1, got {n_seeds}")
    if int(n_jobs) == 0:
        raise BoundkitError("n_jobs must be >= 1 or negative (-1: all cores), got 0")
    check_seed(seed)
    if int(n_particles) < 1 or int(n_steps) < 1:
        raise BoundkitError(
            f"n_particles and n_steps must be >= 1, got {n_particles} and {n_steps}"
        )
    check_size("n_particles", int(n_particles) * toy.dim)
    check_size(
        "n_particles x n_steps x n_seeds x weights x discriminators",
        int(n_particles) * int(n_steps) * int(n_seeds) * len(ws) * len(discriminators),
        limit=MAX_WORK // 100,
        unit="particle updates",
    )
    box = toy.bounds(0.0, 5.0)
    qbox = toy.bounds(0.0, 8.0)
    refined: dict[str, RefinedModel] = {
        name: refine_by_discriminator(toy.q, d, box=qbox) for name, d in discriminators.items()
    }
    from boundkit.guidance._metrics import binning_gap

    exact: dict[str, Any] = {"per_discriminator": {}}
    null = refine_by_discriminator(toy.q, _Zero(toy.dim), box=qbox)
    exact["kl_p_q"] = null.kl_from(toy.p)
    for name, r in refined.items():
        exact["per_discriminator"][name] = {
            "kl_p_qh": r.kl_from(toy.p),
            "edge_ratio": r.edge_ratio,
        }
    if toy.dim == 1:
        nb = int(n_bins) if n_bins is not None else 200
        exact["binning_gap_q_vs_p"] = binning_gap(toy.q, toy.p, box, n_bins=nb)
    # one child per seed; its state is frozen here because spawning from a SeedSequence
    # advances it (reusing the object would change the stream between settings)
    seeds = [s.generate_state(4) for s in np.random.SeedSequence(seed).spawn(int(n_seeds))]
    jobs = [(name, w) for name in discriminators for w in ws]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs) * len(seeds), desc="guidance", leave=False)
    tasks = [(name, w, ss) for name, w in jobs for ss in seeds]

    def one(name: str, w: float, ss: np.ndarray) -> dict[str, float] | None:
        return _guided_distances(
            toy,
            discriminators[name],
            refined[name],
            box,
            weight=w,
            t_window=t_window,
            n_particles=n_particles,
            n_steps=n_steps,
            sampler=sampler,
            t_max=t_max,
            n_bins=n_bins,
            seed=ss,
        )

    if int(n_jobs) == 1:
        it: Any = (one(*t) for t in tasks)
    else:
        import joblib

        it = joblib.Parallel(n_jobs=int(n_jobs), return_as="generator")(
            joblib.delayed(one)(*t) for t in tasks
        )
    results: list[dict[str, float] | None] = []
    for res in it:
        results.append(res)
        if bar is not None:
            bar.update(1)
    rows = []
    for j, (name, w) in enumerate(jobs):
        per: dict[str, list[float]] = {}
        n_diverged = 0
        for res in results[j * len(seeds) : (j + 1) * len(seeds)]:
            if res is None:
                n_diverged += 1
                res = dict.fromkeys(per or _metric_keys(toy.dim), float("inf"))
            for key, val in res.items():
                per.setdefault(key, []).append(val)
        row: dict[str, Any] = {"discriminator": name, "weight": w, "n_diverged": n_diverged}
        for key, vals in per.items():
            if np.all(np.isfinite(vals)):
                summ = summarize_seeds(vals)
                row[key], row[f"{key}_se"] = summ.mean, summ.se
            else:
                row[key], row[f"{key}_se"] = float("inf"), float("inf")
        rows.append(row)
    if bar is not None:
        bar.close()
    profiles: dict[str, TimeProfile] = {}
    if profile_times is not None:
        for name, d in discriminators.items():
            profiles[name] = time_profile(
                toy, d, profile_times, refined=refined[name] if toy.dim == 1 else None
            )
    settings = {
        "sampler": sampler,
        "n_particles": int(n_particles),
        "n_steps": int(n_steps),
        "n_seeds": int(n_seeds),
        "t_window": list(t_window) if t_window is not None else None,
        "t_max": float(t_max),
        "weights": ws,
        "seed": int(seed),
    }
    return GuidanceResult(toy.name, tuple(rows), exact, profiles, settings)


def _guided_distances(
    toy: GuidanceSetting,
    disc: Discriminator,
    refined: RefinedModel,
    box: Any,
    *,
    weight: float,
    t_window: tuple[float, float] | None,
    n_particles: int,
    n_steps: int,
    sampler: str,
    t_max: float,
    n_bins: int | None,
    seed: np.ndarray,
) -> dict[str, float] | None:
    """Distances of one guided run to P and to Q_h (keys ``<metric>_p/_qh``); None if diverged."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            out = guided_sample(
                toy.q,
                disc,
                weight=weight,
                t_window=t_window,
                n_particles=n_particles,
                n_steps=n_steps,
                sampler=sampler,
                t_max=t_max,
                rng=np.random.default_rng(seed),
            )
    except BoundkitError as exc:
        if "diverged" not in str(exc):
            raise
        return None
    res: dict[str, float] = {}
    for ref_name, ref in (("p", toy.p), ("qh", refined)):
        for key, val in sample_distances(out.x, ref, box, n_bins=n_bins).items():
            res[f"{key}_{ref_name}"] = val
    return res


def _metric_keys(dim: int) -> list[str]:
    base = ["kl_grid", "tv_grid", "kl_floor", "tv_floor"] + (["w1", "ks"] if dim == 1 else ["mmd2"])
    return [f"{k}_{r}" for r in ("p", "qh") for k in base]


class _Zero(Discriminator):
    """The constant discriminator d = 1/2 (h = 0): Q_h = Q."""

    name = "zero"

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def logit(self, x: Any, t: Any) -> np.ndarray:
        return np.zeros(np.asarray(x).shape[0])

    def grad_logit(self, x: Any, t: Any) -> np.ndarray:
        return np.zeros_like(np.asarray(x, dtype=float))
