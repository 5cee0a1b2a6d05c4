r"""Expected Rademacher complexity :math:`\mathfrak R_n(\mathcal H)` under a distribution."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import MAX_ELEMENTS, MAX_WORK, check_size
from boundkit.complexity._empirical import empirical_rademacher
from boundkit.complexity._results import ExpectedRademacherResult
from boundkit.complexity._threads import blas_threads

__all__ = ["expected_rademacher"]


def _draw(sampler: Any, n: int, gen: np.random.Generator) -> np.ndarray:
    if hasattr(sampler, "sample"):
        x = sampler.sample(n, rng=gen)
    elif callable(sampler):
        x = sampler(n, gen)
    else:
        raise BoundkitError(
            "sampler must have a .sample(n, rng=...) method or be a callable (n, rng) -> x"
        )
    return np.asarray(x, dtype=float)


def _one(cls: Any, sampler: Any, n: int, seed: np.random.SeedSequence, kw: dict) -> tuple:
    gen = np.random.default_rng(seed)
    x = _draw(sampler, n, gen)
    r = empirical_rademacher(cls, x, rng=gen, with_bounds=False, **kw)
    return r.estimate, r.stderr, r.lower, r.upper, r.method, r.exact


def _one_worker(cls: Any, sampler: Any, n: int, seed: np.random.SeedSequence, kw: dict) -> tuple:
    """:func:`_one` in a parallel worker: one BLAS thread, so workers never oversubscribe."""
    with blas_threads(1):
        return _one(cls, sampler, n, seed, kw)


def expected_rademacher(
    cls: Any,
    sampler: Any,
    n: int,
    *,
    n_samples: int = 20,
    n_sigmas: int = 200,
    method: str = "auto",
    rng: Any = None,
    n_jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ExpectedRademacherResult:
    r"""Estimate :math:`\mathfrak R_n(\mathcal H) = \mathbb E_{S\sim P^n}\mathfrak R_S(\mathcal H)`.

    Parameters
    ----------
    cls : DiscriminatorClass
        The class (see :func:`empirical_rademacher`).
    sampler : distribution or callable
        An object with ``sample(n, rng=...)`` (a boundkit distribution) or a callable
        ``(n, rng) -> x``.
    n : int
        Sample size.
    n_samples : int
        Number :math:`K \ge 2` of fresh samples.
    n_sigmas : int
        Sign vectors per sample (Monte Carlo); ignored when the sample is enumerated exactly.
    method : {"auto", "exact", "monte-carlo"}
        Passed to :func:`empirical_rademacher`.
    rng : None, int or numpy.random.Generator
        Root seed; sample :math:`k` uses the :math:`k`-th child of
        ``SeedSequence`` spawning, so ``n_jobs`` never changes the result.
    n_jobs : int
        Parallel workers (joblib; respects ``joblib.parallel_config``); each worker limits
        BLAS to one thread.
    progress : callable, optional
        Called with the number of samples done after each one (sequential runs only).

    Returns
    -------
    ExpectedRademacherResult
        The estimate, its two-level standard error and the variance components.

    Notes
    -----
    .. math:: \widehat{\mathfrak R}_n = \frac1K\sum_{k=1}^K \hat{\mathfrak R}_{S_k},\qquad
        \mathrm{SE} = \frac{1}{\sqrt K}\Big(\frac{1}{K-1}\sum_k(\hat{\mathfrak R}_{S_k} -
        \widehat{\mathfrak R}_n)^2\Big)^{1/2},

    which accounts for both the sample-to-sample variability of :math:`\mathfrak R_S` and the
    Monte Carlo error of each :math:`\hat{\mathfrak R}_{S_k}` (the per-sample estimates are
    independent and unbiased).

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> sampler = lambda n, rng: rng.normal(size=(n, 2))
    >>> r = expected_rademacher(LinearClass(), sampler, 8, n_samples=4, rng=0)
    >>> r.n_samples, r.method, r.stderr > 0
    (4, 'exact-enumeration', True)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise BoundkitError(f"n must be an integer >= 1, got {n!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 2:
        raise BoundkitError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    check_size("n", int(n), limit=MAX_ELEMENTS, unit="sample points")
    sigmas = n_sigmas if isinstance(n_sigmas, int | np.integer) else 1
    check_size(
        "n_samples x n_sigmas x n",
        int(n_samples) * max(int(sigmas), 1) * int(n),
        limit=MAX_WORK,
        unit="sign values",
    )
    if not (hasattr(sampler, "sample") or callable(sampler)):
        raise BoundkitError(
            "sampler must have a .sample(n, rng=...) method or be a callable (n, rng) -> x"
        )
    gen = np.random.default_rng(rng)
    seed_seq: Any = gen.bit_generator.seed_seq
    seeds = seed_seq.spawn(int(n_samples))
    kw = {"n_sigmas": n_sigmas, "method": method}
    if n_jobs == 1:
        rows = []
        for s in seeds:
            rows.append(_one(cls, sampler, int(n), s, kw))
            if progress is not None:
                progress(len(rows))
    else:
        from joblib import Parallel, delayed

        rows = Parallel(n_jobs=n_jobs)(
            delayed(_one_worker)(cls, sampler, int(n), s, kw) for s in seeds
        )
    est = np.array([r[0] for r in rows])
    se = np.array([r[1] for r in rows])
    K = est.size
    total_var = float(est.var(ddof=1))
    within = float(np.mean(se**2))
    return ExpectedRademacherResult(
        estimate=float(est.mean()),
        stderr=math.sqrt(total_var / K),
        between_var=max(total_var - within, 0.0),
        within_var=within,
        lower=float(np.mean([r[2] for r in rows])),
        upper=float(np.mean([r[3] for r in rows])),
        per_sample=est,
        n=int(n),
        n_samples=int(K),
        n_sigmas=int(n_sigmas),
        method=str(rows[0][4]),
        exact=all(bool(r[5]) for r in rows),
        seed=rng if isinstance(rng, int | np.integer) else None,
    )
