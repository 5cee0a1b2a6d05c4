r"""Empirical Rademacher complexity :math:`\mathfrak R_S(\mathcal H)`: exact enumeration of the
sign vectors or Monte Carlo with a standard error."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import MAX_WORK, check_int, check_points, check_size
from boundkit.classes import lp_norm, sweep_values
from boundkit.complexity._bounds import class_bounds
from boundkit.complexity._enumerate import (
    block_enumeration,
    finite_mitm_mean,
    linear_mitm_mean,
    rkhs_mitm_mean,
)
from boundkit.complexity._results import RademacherResult
from boundkit.complexity._signs import ROW_BLOCK, SignStream
from boundkit.complexity._threads import blas_threads

__all__ = ["empirical_rademacher", "rademacher_sups"]

METHODS = ("auto", "exact", "monte-carlo")
MAX_EXACT_N = 26
RELU_AUTO_EXACT_N = 12
#: RKHS samples larger than this use a Nystrom factor instead of the dense Gram matrix
MAX_DENSE_N = 10_000


def _check_n_sigmas(n_sigmas: Any) -> int:
    if isinstance(n_sigmas, bool) or not isinstance(n_sigmas, int | np.integer) or n_sigmas < 2:
        raise BoundkitError(
            f"n_sigmas must be an integer >= 2 (a standard error needs two draws), got {n_sigmas!r}"
        )
    return int(n_sigmas)


class _Oracle:
    """Per-sign-vector suprema ``sup_h sum_i sigma_i h(x_i)`` with precomputed data.

    ``lower(S)`` and ``exact(S)`` take signs (n, m) and return (m,) arrays for the *unit*
    class divided by n; the radius (B, or B1 B2 for networks; 1 for finite and user classes)
    multiplies only the final mean and standard error, so a huge radius with a finite R_S
    never overflows in an intermediate sum or product. ``exact`` is None when the supremum is
    not computable exactly.
    """

    sup_method = "support-function"
    linear_phi: np.ndarray | None = None
    K: np.ndarray | None = None
    _k_scale: float | None = None
    #: the coefficient vectors are sign vectors (False for rademacher_sups)
    signs_only = True
    #: (B / n) sqrt(tr(K - L L')) of a Nystrom factor L, else 0
    approx_error = 0.0
    #: dtype of the Monte Carlo sign blocks (int8 for the 1-D sweep, which only gathers them)
    sign_dtype: Any = float

    def __init__(
        self, cls: Any, x: Any, max_dense_n: int = MAX_DENSE_N, n_landmarks: int = 200
    ) -> None:
        from boundkit.classes import FiniteClass, LinearClass, ReLUNetwork2, RKHSBall

        self.cls = cls
        self.relu = False
        self.kind = "generic"
        self.symmetric = bool(getattr(cls, "symmetric", False))
        if isinstance(cls, LinearClass):
            self.kind = "linear"
            self.B = cls._radius()
            self.q = cls.q
            self.linear_phi = cls.design_matrix(x)
            self.n = self.linear_phi.shape[0]
            self.radius, self.scale = self.B, 1.0 / self.n
            self.sup_method = "closed-form (dual norm)"
            self._exact: Callable[[np.ndarray], np.ndarray] | None = self._linear
        elif isinstance(cls, RKHSBall) and check_points(x, nonempty=True).shape[0] > max_dense_n:
            # sigma' K~ sigma = ||L' sigma||^2: the linear-l2 kernel on the factor
            self.kind = "linear"
            self.B = cls._radius()
            self.q = 2.0
            self.linear_phi, resid = cls.nystrom_factor(x, n_landmarks)
            self.n = self.linear_phi.shape[0]
            self.radius, self.scale = self.B, 1.0 / self.n
            self.approx_error = self.B * (math.sqrt(float(resid.sum())) / self.n)
            self.sup_method = (
                f"nystrom ({self.linear_phi.shape[1]} pivoted-Cholesky landmarks; "
                "lower = estimate, upper = estimate + (B/n) sqrt(tr(K - K~)))"
            )
            self._exact = self._linear
        elif isinstance(cls, RKHSBall):
            self.kind = "rkhs"
            self.B = cls._radius()
            self.K = cls.gram(x)
            self.n = self.K.shape[0]
            self.radius, self.scale = self.B, 1.0 / self.n
            if callable(cls.kernel) and self.n <= 3000:
                from boundkit.classes import psd_sqrt

                psd_sqrt(self.K)  # raises on a kernel matrix that is not PSD
            self.sup_method = "closed-form (sqrt(sigma' K sigma))"
            self._exact = self._rkhs
        elif isinstance(cls, FiniteClass):
            self.kind = "finite"
            self.H = cls.values_on(x)
            self.n = self.H.shape[1]
            self.radius, self.scale = 1.0, 1.0 / self.n
            self.sup_method = "exact-max"
            self._exact = self._finite
        elif isinstance(cls, ReLUNetwork2):
            self.kind = "relu"
            self.relu = True
            X = check_points(x, nonempty=True)
            self.X = X
            self.n = X.shape[0]
            self.Xt = np.column_stack([X, np.ones(self.n)])
            self.B1, self.B2 = cls._radii()
            self.radius, self.scale = self.B1 * self.B2, 1.0 / self.n
            if X.shape[1] == 1:
                self.sup_method = "angle-sweep (exact) / great-circle-search (lower)"
                self._exact = self._relu_sweep
                self.sign_dtype = np.int8
            else:
                self.sup_method = "great-circle-search (lower)"
                self._exact = None
        else:
            if not hasattr(cls, "support_function"):
                raise BoundkitError(
                    f"{type(cls).__name__} is not a discriminator class (no support_function)"
                )
            self.x = check_points(x, nonempty=True)
            self.n = self.x.shape[0]
            self.radius, self.scale = 1.0, 1.0 / self.n
            self._exact = self._generic

    # exact suprema ---------------------------------------------------------------------------
    def _linear(self, S: np.ndarray) -> np.ndarray:
        assert self.linear_phi is not None
        return self.scale * lp_norm(self.linear_phi.T @ S, self.q, axis=0)

    def _rkhs(self, S: np.ndarray) -> np.ndarray:
        assert self.K is not None
        quad = np.einsum("ij,ij->j", S, self.K @ S)
        if self._k_scale is None:  # once, O(n): |K_ij| <= max_i K_ii for a PSD matrix
            self._k_scale = max(1.0, float(np.abs(np.diagonal(self.K)).max())) * S.shape[0] ** 2
        scale = self._k_scale
        if np.any(quad < -1e-8 * scale):
            raise BoundkitError(
                f"the kernel matrix is not positive semi-definite (sigma' K sigma = "
                f"{float(quad.min()):.3g} < 0)"
            )
        return self.scale * np.sqrt(np.maximum(quad, 0.0))

    def _finite(self, S: np.ndarray) -> np.ndarray:
        return self.scale * (self.H @ S).max(axis=0)

    def _relu_sweep(self, S: np.ndarray) -> np.ndarray:
        # one sort, blocks of sign vectors; |sigma_i| <= 1 (rademacher_sups: any coefficients)
        bound = 1.0 if self.signs_only else None
        plus, minus = sweep_values(self.Xt, S, v_bound=bound)
        return self.scale * np.maximum(np.maximum(plus, minus), 0.0)

    def _generic(self, S: np.ndarray) -> np.ndarray:
        return self.scale * np.asarray(self.cls.support_function(self.x, S), dtype=float)

    def exact(self, S: np.ndarray) -> np.ndarray | None:
        return None if self._exact is None else self._exact(S)

    def exact_means(
        self, seed: Any, progress: Callable[[float], None] | None
    ) -> tuple[float, float]:
        """(mean sup, mean lower value) over all 2^n sign vectors (divided by n)."""
        if self.kind == "linear":
            assert self.linear_phi is not None
            val = self.scale * linear_mitm_mean(self.linear_phi, self.q, progress)
            return val, val
        if self.kind == "rkhs":
            assert self.K is not None
            val = self.scale * rkhs_mitm_mean(self.K, progress)
            return val, val
        if self.kind == "finite":
            val = self.scale * finite_mitm_mean(self.H, progress)
            return val, val
        if self.relu and self._exact is None:  # d >= 2: the optimiser's attained values
            (low,) = block_enumeration(self.n, True, lambda S: (self.lower(S, seed),), progress)
            return low, low
        assert self._exact is not None
        ex = self._exact
        (val,) = block_enumeration(self.n, self.symmetric, lambda S: (ex(S),), progress)
        return val, val

    def lower(self, S: np.ndarray, seed: Any) -> np.ndarray:
        """For networks: the optimiser's one-neuron value (certified lower)."""
        from boundkit.classes import neuron_sup_search

        m = S.shape[1]
        val, _ = neuron_sup_search(
            self.Xt,
            np.concatenate([S, -S], axis=1),
            n_restarts=check_int(self.cls.n_restarts, "n_restarts"),
            max_iter=min(check_int(self.cls.max_iter, "max_iter"), 100),
            rng=seed,
        )
        return self.scale * np.maximum(np.maximum(val[:m], val[m:]), 0.0)


def rademacher_sups(cls: Any, x: Any, sigma: Any) -> np.ndarray:
    r"""The suprema :math:`\sup_{h\in\mathcal H}\frac1n\sum_i\sigma_i h(x_i)` for given sign
    vectors (exact for linear, RKHS, finite and 1-D network classes).

    Parameters
    ----------
    cls : DiscriminatorClass
        The class.
    x : array_like, shape (n, d) or None
        The sample (``None`` for a :class:`~boundkit.classes.FiniteClass` without support).
    sigma : array_like, shape (n,) or (n, m)
        Sign vectors (any real coefficients are accepted), one per column.

    Returns
    -------
    ndarray, shape (m,)
        One supremum per column, divided by :math:`n`.

    Notes
    -----
    .. math:: s(\sigma) = \frac1n\sup_{h\in\mathcal H}\sum_i \sigma_i h(x_i), \qquad
        \mathfrak R_S = \mathbb E_\sigma s(\sigma).

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> rademacher_sups(LinearClass(), np.array([[1.0], [1.0]]), np.array([1.0, 1.0]))
    array([1.])
    """
    oracle = _Oracle(cls, x, max_dense_n=np.iinfo(np.int64).max)
    oracle.signs_only = False
    S = np.asarray(sigma, dtype=float)
    if S.ndim == 1:
        S = S[:, None]
    if S.ndim != 2 or S.shape[0] != oracle.n:
        raise BoundkitError(
            f"sigma must have shape ({oracle.n},) or ({oracle.n}, m), got {S.shape}"
        )
    if not np.all(np.isfinite(S)):
        raise BoundkitError("sigma contains NaN or infinite values")
    out = oracle.exact(S)
    if out is None:
        out = oracle.lower(S, 0)
    return oracle.radius * out


def _linear_mc(
    oracle: _Oracle, stream: SignStream, progress: Callable[[float], None] | None = None
) -> np.ndarray:
    """Monte Carlo sups for linear classes, accumulating Phi^T sigma over row blocks."""
    phi = oracle.linear_phi
    assert phi is not None
    out = np.empty(stream.m)
    n_cblocks = len(list(stream.col_blocks()))
    with blas_threads(1):
        _linear_mc_blocks(oracle, stream, phi, out, n_cblocks, progress)
    return out


def _linear_mc_blocks(
    oracle: _Oracle,
    stream: SignStream,
    phi: np.ndarray,
    out: np.ndarray,
    n_cblocks: int,
    progress: Callable[[float], None] | None,
) -> None:
    for c, (c0, c1) in enumerate(stream.col_blocks()):
        Z = np.zeros((phi.shape[1], c1 - c0))
        buf = np.empty((min(ROW_BLOCK, stream.n), c1 - c0))  # reused: no page faults per block
        for r0, r1, bits in stream.bit_rows(c):
            block = phi[r0:r1]
            fbits = buf[: r1 - r0]
            np.copyto(fbits, bits)
            # Phi^T (1 - 2 bits) = colsum(Phi) - 2 Phi^T bits
            Z += block.sum(axis=0)[:, None] - 2.0 * (block.T @ fbits)
            if progress is not None:
                progress((c + r1 / stream.n) / n_cblocks)
        out[c0:c1] = oracle.scale * lp_norm(Z, oracle.q, axis=0)


def _block_mc(
    oracle: _Oracle,
    stream: SignStream,
    search_seed: Any,
    progress: Callable[[float], None] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo sups per column block of signs (all classes but linear ones): the values
    and, for networks, the certified lower values (else the values again)."""
    parts, lparts = [], []
    n_cblocks = len(list(stream.col_blocks()))
    for c in range(n_cblocks):
        S = stream.block(c, oracle.sign_dtype)
        v = oracle.exact(S)
        if oracle.relu:
            lo = oracle.lower(S, search_seed) if v is None else v
            lparts.append(lo)
            v = lo if v is None else v
        assert v is not None
        parts.append(v)
        if progress is not None:
            progress((c + 1) / n_cblocks)
    vals = np.concatenate(parts)
    return vals, (np.concatenate(lparts) if oracle.relu else vals)


def empirical_rademacher(
    cls: Any,
    x: Any = None,
    *,
    n_sigmas: int = 200,
    method: str = "auto",
    max_exact_n: int = 20,
    rng: Any = None,
    with_bounds: bool = True,
    progress: Callable[[float], None] | None = None,
    max_dense_n: int = MAX_DENSE_N,
    n_landmarks: int = 200,
) -> RademacherResult:
    r"""The empirical Rademacher complexity of a class on a sample.

    Parameters
    ----------
    cls : DiscriminatorClass
        :class:`~boundkit.classes.LinearClass`, :class:`~boundkit.classes.RKHSBall`,
        :class:`~boundkit.classes.ReLUNetwork2`, :class:`~boundkit.classes.FiniteClass` or any
        object with ``support_function(x, v)``.
    x : array_like, shape (n, d) or (n,), or None
        The sample :math:`S` (``None`` for a finite class without support: its columns).
    n_sigmas : int
        Monte Carlo sign vectors (>= 2).
    method : {"auto", "exact", "monte-carlo"}
        ``"auto"``: exact enumeration of all :math:`2^n` sign vectors when
        :math:`n \le` ``max_exact_n`` (12 for networks), Monte Carlo otherwise.
    max_exact_n : int
        Largest ``n`` enumerated by ``"auto"`` (``"exact"`` allows up to 24).
    rng : None, int or numpy.random.Generator
        Seed of the sign vectors (and of the network optimiser's starts).
    with_bounds : bool
        Also evaluate the closed-form C9 bounds that apply (:func:`class_bounds`).
    progress : callable, optional
        Called as ``progress(fraction)`` (fraction of the work done, in ``(0, 1]``) after
        each block of sign vectors (and each row block for linear classes); used by the CLI
        progress bar. It does not change the result.
    max_dense_n : int
        :class:`~boundkit.classes.RKHSBall` on more points than this uses a Nystrom factor
        :math:`\tilde K = LL^\top` (pivoted Cholesky, ``n_landmarks`` landmarks) instead of
        the dense :math:`n \times n` Gram matrix (see Notes).
    n_landmarks : int
        Rank of the Nystrom factor.

    Returns
    -------
    RademacherResult
        ``estimate``, ``stderr``, the bracket ``lower``/``upper``, ``method``, ``n``,
        ``n_sigmas`` and the applicable ``bounds``.

    Notes
    -----
    .. math:: \mathfrak R_S(\mathcal H) = \mathbb E_\sigma\,\frac1n\sup_{h\in\mathcal H}
        \sum_{i=1}^n\sigma_i h(x_i),

    with the inner supremum in closed form: :math:`B\|\Phi^\top\sigma\|_q` (linear,
    :math:`1/p+1/q=1`), :math:`B\sqrt{\sigma^\top K\sigma}` (RKHS), :math:`\max_j
    \langle\sigma, h_j(x)\rangle` (finite). Exact enumeration averages over all :math:`2^n` sign
    vectors; Monte Carlo averages :math:`m` of them with standard error
    :math:`s/\sqrt m`. Linear classes accumulate :math:`\Phi^\top\sigma` over blocks of rows,
    so memory stays bounded for large :math:`n`.

    For :class:`~boundkit.classes.ReLUNetwork2` (one neuron attains the supremum),
    ``lower`` averages the optimiser's attained values (a certified lower bound per sign
    vector), ``upper`` is the smallest norm-based bound (:func:`relu2_bound`,
    :func:`golowich_bound`); for 1-D inputs ``estimate`` is exact (angle sweep, applied
    directly to blocks of sign vectors), otherwise it equals ``lower``.

    Exact enumeration uses meet in the middle (the :math:`2^n` sums :math:`\Phi^\top\sigma`
    as all pairs of half sums, one GEMM per chunk, and :math:`\sigma\to-\sigma` for symmetric
    classes; see ``boundkit.complexity._enumerate``), up to :math:`n = 26`.

    Nystrom (RKHS with :math:`n >` ``max_dense_n``): with :math:`E = K - \tilde K \succeq 0`,
    :math:`\sqrt{a + b} \le \sqrt a + \sqrt b` and Jensen give the stated error bound

    .. math:: \tilde{\mathfrak R}_S \le \mathfrak R_S \le \tilde{\mathfrak R}_S +
        \frac Bn\sqrt{\operatorname{tr}E},

    where :math:`\tilde{\mathfrak R}_S` (the ``estimate``, computed like a linear class on
    :math:`L`) uses :math:`\tilde K`; ``lower`` is the estimate, ``upper`` adds the bound
    (``approximation_error``), and :math:`\operatorname{tr}E` is the pivoted Cholesky's
    remaining diagonal.

    Examples
    --------
    >>> from boundkit.classes import LinearClass
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> r = empirical_rademacher(LinearClass(B=1.0), x)   # (|x1+x2| + |x1-x2|) / (2 n)
    >>> round(r.estimate, 6), r.stderr, r.method
    (0.707107, 0.0, 'exact-enumeration')
    """
    if method not in METHODS:
        raise BoundkitError(f"unknown method {method!r}: expected one of {', '.join(METHODS)}")
    n_sigmas = _check_n_sigmas(n_sigmas)
    oracle = _Oracle(cls, x, max_dense_n, n_landmarks)
    n = oracle.n
    gen = np.random.default_rng(rng)
    # networks: every sign vector costs an optimisation, so "auto" enumerates only small n
    auto_limit = min(max_exact_n, RELU_AUTO_EXACT_N) if oracle.relu else max_exact_n
    exact = method == "exact" or (method == "auto" and n <= auto_limit)
    if exact and n > MAX_EXACT_N:
        raise BoundkitError(
            f"exact enumeration of 2^{n} sign vectors is too large: use n <= {MAX_EXACT_N} "
            "or method='monte-carlo'"
        )
    if not exact:
        check_size("n_sigmas x n", n_sigmas * n, limit=MAX_WORK, unit="sign values")
    lower_total = 0.0
    sups: np.ndarray | None = None
    # spawned for networks even in 1-D, where the exact sweep needs no search: the sign
    # stream below spawns its children from the same seed sequence
    search_seed = gen.spawn(1)[0] if oracle.relu else None
    if exact:
        mean_sup, mean_low = oracle.exact_means(search_seed, progress)
        estimate = oracle.radius * mean_sup
        stderr = 0.0
        lower_total = oracle.radius * mean_low
        used = 1 << n
        mname = "exact-enumeration"
    else:
        stream = SignStream(gen, n, n_sigmas)
        if oracle.linear_phi is not None:
            vals = _linear_mc(oracle, stream, progress)
            low = vals
        else:
            vals, low = _block_mc(oracle, stream, search_seed, progress)
        estimate = oracle.radius * float(vals.mean())
        stderr = oracle.radius * float(vals.std(ddof=1) / math.sqrt(n_sigmas))
        lower_total = oracle.radius * float(low.mean())
        sups = oracle.radius * vals
        used = n_sigmas
        mname = "monte-carlo"
    bounds = class_bounds(cls, x, gram=oracle.K) if (with_bounds or oracle.relu) else ()
    if oracle.relu:
        lower = lower_total
        upper = min(float(b.value) for b in bounds if b.kind == "upper")
    else:
        lower, upper = estimate, estimate + oracle.approx_error
    name = repr(cls)
    return RademacherResult(
        estimate=float(estimate),
        stderr=float(stderr),
        lower=float(lower),
        upper=float(upper),
        method=mname,
        n=int(n),
        n_sigmas=int(used),
        class_name=name if len(name) < 300 else type(cls).__name__,
        sup_method=oracle.sup_method,
        bounds=tuple(bounds) if with_bounds else (),
        seed=rng if isinstance(rng, int | np.integer) else None,
        sups=sups,
        approximation_error=float(oracle.approx_error),
    )
