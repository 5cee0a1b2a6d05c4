r"""Guided reverse-time samplers: reverse SDE (Euler-Maruyama) and probability-flow ODE (Heun)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.guidance._discriminators import Discriminator, OptimalDiscriminator
from boundkit.guidance._mixture import OUMixture

__all__ = ["GuidedSamples", "guided_sample", "time_grid", "guided_score", "SAMPLERS"]

SAMPLERS: tuple[str, ...] = ("sde", "ode")


def time_grid(t_max: float, n_steps: int, rho: float = 2.0) -> np.ndarray:
    r"""Decreasing time grid :math:`t_i = T (1 - i/K)^\rho`, :math:`i = 0..K` (ends at 0).

    Examples
    --------
    >>> time_grid(4.0, 2).tolist()
    [4.0, 1.0, 0.0]
    """
    if int(n_steps) < 1:
        raise BoundkitError(f"number of steps must be >= 1, got {n_steps}")
    if not t_max > 0:
        raise BoundkitError(f"t_max must be > 0, got {t_max}")
    if not rho >= 1:
        raise BoundkitError(f"rho must be >= 1, got {rho}")
    u = 1.0 - np.arange(int(n_steps) + 1) / int(n_steps)
    return float(t_max) * u**rho


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread while sampling (the matrices are small; threads only contend)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _check_window(t_window: tuple[float, float] | None, t_max: float) -> tuple[float, float]:
    if t_window is None:
        return 0.0, float(t_max)
    lo, hi = (float(v) for v in t_window)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo < 0:
        raise BoundkitError(f"guidance window must be finite with t_min >= 0, got {t_window}")
    if lo >= hi:
        raise BoundkitError(f"guidance window needs t_min < t_max, got [{lo}, {hi}]")
    return lo, hi


def guided_score(
    base: OUMixture,
    discriminator: Discriminator | None,
    x: np.ndarray,
    t: float,
    *,
    weight: float = 1.0,
    t_window: tuple[float, float] | None = None,
) -> np.ndarray:
    r"""The guided score :math:`s_Q(x, t) + w\,1[t\in W]\,\nabla_x\ell_t(x)`.

    Parameters
    ----------
    base : OUMixture
        The base model Q (its exact score is used).
    discriminator : Discriminator or None
        ``None`` means no guidance.
    x : ndarray, shape (m, d)
    t : float
    weight : float
        Guidance weight :math:`w \ge 0`.
    t_window : (float, float), optional
        Times :math:`[t_{min}, t_{max}]` where guidance is applied (all times by default).

    Notes
    -----
    .. math:: \hat s(x, t) = \nabla\log q_t(x) + w\,1[t_{min}\le t\le t_{max}]\,
       \nabla_x\log\frac{d_t(x)}{1 - d_t(x)}

    Examples
    --------
    >>> q = OUMixture([1.0], [0.0], [1.0])
    >>> guided_score(q, None, np.array([[1.0]]), 0.5).tolist()
    [[-1.0]]
    """
    lo, hi = _check_window(t_window, np.inf if t_window is None else t_window[1])
    s = base.score(x, t)
    if discriminator is not None and weight != 0 and lo <= t <= hi:
        s = s + weight * discriminator.grad_logit(x, t)
    return s


@dataclass(frozen=True)
class GuidedSamples:
    """Particles produced by :func:`guided_sample` and the settings that produced them.

    Attributes
    ----------
    x : ndarray, shape (n_particles, d)
        Final particles (time 0).
    sampler : str
        ``"sde"`` or ``"ode"``.
    weight : float
    t_window : (float, float)
    n_steps : int
    t_max : float
    rho : float
    discriminator : str
        Name of the discriminator kind (``"none"`` without guidance).
    n_score_evals : int
        Number of vectorised score evaluations.
    """

    x: np.ndarray
    sampler: str
    weight: float
    t_window: tuple[float, float]
    n_steps: int
    t_max: float
    rho: float
    discriminator: str
    n_score_evals: int

    @property
    def n_particles(self) -> int:
        """Number of particles."""
        return int(self.x.shape[0])


def guided_sample(
    base: OUMixture,
    discriminator: Discriminator | None = None,
    *,
    weight: float = 1.0,
    t_window: tuple[float, float] | None = None,
    n_particles: int = 10_000,
    n_steps: int = 500,
    sampler: str = "sde",
    t_max: float = 5.0,
    rho: float = 2.0,
    chunk_size: int = 16_384,
    progress: bool = False,
    rng: Any = None,
) -> GuidedSamples:
    r"""Sample the (guided) reverse process of the base diffusion model, all particles at once.

    Parameters
    ----------
    base : OUMixture
        The base model Q: its exact score :math:`\nabla\log q_t` is the model's score, and the
        particles start from its exact marginal :math:`q_T`.
    discriminator : Discriminator, optional
        Guidance term; ``None`` (or ``weight=0``) runs the base sampler.
    weight : float
        Guidance weight :math:`w \ge 0`.
    t_window : (float, float), optional
        Guidance is applied only at times in :math:`[t_{min}, t_{max}]`.
    n_particles : int
        Number of particles (>= 1).
    n_steps : int
        Number of time steps K on the grid :func:`time_grid`.
    sampler : {"sde", "ode"}
        Reverse SDE with Euler-Maruyama, or probability-flow ODE with Heun's method.
    t_max : float
        Horizon T.
    rho : float
        Time-grid exponent (steps concentrate near t = 0 for rho > 1).
    chunk_size : int
        Particles are advanced in blocks of this size (all steps for one block, then the next),
        which keeps arrays in cache; block ``k`` uses the ``k``-th child of ``rng`` (via
        ``Generator.spawn``), so results depend on ``chunk_size`` but on nothing else.
    progress : bool
        Show a tqdm progress bar on stderr.
    rng : seed or Generator, optional

    Returns
    -------
    GuidedSamples

    Notes
    -----
    Forward process :math:`dX = -X\,dt + \sqrt2\,dW`. With the guided score :math:`\hat s`
    (:func:`guided_score`) and a step :math:`h = t_i - t_{i+1}`:

    .. math::
        \text{SDE:}\quad x \leftarrow x + h\,(x + 2\hat s(x, t_i)) + \sqrt{2h}\,\xi;\qquad
        \text{ODE (Heun):}\quad v = x + \hat s(x, t),\ x' = x + h v(x, t_i),\
        x \leftarrow x + \tfrac h2 (v(x, t_i) + v(x', t_{i+1})).

    Examples
    --------
    >>> q = OUMixture([1.0], [0.0], [1.0])
    >>> out = guided_sample(q, n_particles=2000, n_steps=50, rng=0)
    >>> bool(abs(out.x.std() - 1.0) < 0.1)
    True
    """
    rng = np.random.default_rng(rng)
    if sampler not in SAMPLERS:
        raise BoundkitError(f"unknown sampler {sampler!r}: expected one of {', '.join(SAMPLERS)}")
    if not (np.isfinite(weight) and weight >= 0):
        raise BoundkitError(f"guidance weight must be finite and >= 0, got {weight}")
    n_particles = int(n_particles)
    if n_particles < 1:
        raise BoundkitError(f"number of particles must be >= 1, got {n_particles}")
    window = _check_window(t_window, t_max)
    if discriminator is not None and discriminator.dim != base.dim:
        raise BoundkitError("discriminator and base model dimensions differ")
    ts = time_grid(t_max, n_steps, rho)
    chunk = int(chunk_size)
    if chunk < 1:
        raise BoundkitError(f"chunk_size must be >= 1, got {chunk_size}")
    w = float(weight)
    disc = discriminator if (discriminator is not None and w > 0) else None
    n_evals = 0
    # d* = p_t / (p_t + q_t) against this very base model: grad logit d*_t = s_p - s_q reuses
    # the base score already computed (same formula, one mixture evaluation less)
    shares_base = isinstance(disc, OptimalDiscriminator) and disc.q is base

    def score(y: np.ndarray, t: float) -> np.ndarray:
        nonlocal n_evals
        n_evals += 1
        s = base.score(y, t)
        if disc is not None and window[0] <= t <= window[1]:
            if shares_base:
                g = disc.p.score(y, t)  # type: ignore[attr-defined]
                g -= s
            else:
                g = disc.grad_logit(y, t)
            g *= w
            s += g
        return s

    starts = list(range(0, n_particles, chunk))
    children = rng.spawn(len(starts))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=(len(ts) - 1) * len(starts), desc=f"guided {sampler}", leave=False)
    x_t = base.marginal(float(ts[0]))
    out = np.empty((n_particles, base.dim))
    with _one_blas_thread():
        for start, crng in zip(starts, children, strict=True):
            x = x_t.sample(min(chunk, n_particles - start), rng=crng)
            for i in range(len(ts) - 1):
                t0, t1 = float(ts[i]), float(ts[i + 1])
                h = t0 - t1
                if sampler == "sde":
                    drift = score(x, t0)
                    drift *= 2.0
                    drift += x
                    x = x + h * drift + np.sqrt(2.0 * h) * crng.standard_normal(x.shape)
                else:
                    v0 = x + score(x, t0)
                    xp = x + h * v0
                    v1 = xp + score(xp, t1)
                    x = x + 0.5 * h * (v0 + v1)
                if bar is not None:
                    bar.update(1)
            out[start : start + len(x)] = x
    if bar is not None:
        bar.close()
    n_evals //= len(starts)
    x = out
    if not np.all(np.isfinite(x)):
        raise BoundkitError(
            "the sampler diverged (non-finite particles): lower the weight or add steps"
        )
    return GuidedSamples(
        x=x,
        sampler=sampler,
        weight=w,
        t_window=window,
        n_steps=int(n_steps),
        t_max=float(t_max),
        rho=float(rho),
        discriminator="none" if disc is None else getattr(disc, "name", type(disc).__name__),
        n_score_evals=n_evals,
    )
