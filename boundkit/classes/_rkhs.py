r"""The RKHS ball :math:`\{h : \|h\|_K \le B\}` of a positive semi-definite kernel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_int as _check_int
from boundkit.classes._base import (
    DiscriminatorClass,
    FittedDiscriminator,
    _as_coefficients,
    _as_points,
    _check_optional_radius,
    _check_radius,
    project_ball,
)

__all__ = ["RKHSBall", "psd_sqrt"]

_KERNELS = ("rbf", "laplacian", "poly")
_ALIASES = {"gaussian": "rbf", "laplace": "laplacian", "polynomial": "poly"}


def psd_sqrt(K: Any, *, rtol: float = 1e-8, inverse: bool = False) -> np.ndarray:
    r"""Symmetric square root of a positive semi-definite matrix (or its pseudo-inverse).

    Parameters
    ----------
    K : array_like, shape (n, n)
        Symmetric PSD matrix.
    rtol : float
        Eigenvalues below ``-rtol * max(1, lambda_max)`` make ``K`` "not PSD" (an error);
        eigenvalues of magnitude below ``rtol * lambda_max`` are treated as 0.
    inverse : bool
        Return the pseudo-inverse square root :math:`K^{+1/2}` instead.

    Returns
    -------
    ndarray, shape (n, n)
        :math:`K^{1/2} = U \Lambda^{1/2} U^\top`, so :math:`K^{1/2} K^{1/2} = K`.

    Notes
    -----
    .. math:: K = U \Lambda U^\top, \qquad K^{1/2} = U \max(\Lambda, 0)^{1/2} U^\top.

    Examples
    --------
    >>> psd_sqrt(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    K = _check_gram(K)
    lam, U = np.linalg.eigh(K)
    top = max(float(lam[-1]), 0.0) if lam.size else 0.0
    if lam.size and lam[0] < -rtol * max(1.0, top):
        raise BoundkitError(
            f"kernel matrix is not positive semi-definite (smallest eigenvalue {lam[0]:.3g})"
        )
    keep = lam > rtol * max(top, np.finfo(float).tiny)
    root = np.zeros_like(lam)
    root[keep] = np.sqrt(lam[keep]) if not inverse else 1.0 / np.sqrt(lam[keep])
    return (U * root) @ U.T


def _check_gram(K: Any) -> np.ndarray:
    """Validate a Gram matrix: finite, square, symmetric (to 1e-8 relative)."""
    try:
        K = np.asarray(K, dtype=float)
    except (TypeError, ValueError):
        raise BoundkitError("the kernel matrix must be a numeric (n, n) array") from None
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] == 0:
        raise BoundkitError(f"the kernel matrix must be square and non-empty, got {K.shape}")
    if not np.all(np.isfinite(K)):
        raise BoundkitError("the kernel matrix contains NaN or infinite values")
    scale = max(1.0, float(np.abs(K).max()))
    if not np.allclose(K, K.T, rtol=0.0, atol=1e-8 * scale):
        raise BoundkitError("the kernel matrix is not symmetric")
    return 0.5 * (K + K.T)


class RKHSBall(DiscriminatorClass):
    r"""The ball of radius :math:`B` of the RKHS of a kernel :math:`k`.

    .. math:: \mathcal H = \{h \in \mathcal H_k : \|h\|_{\mathcal H_k} \le B\}.

    Parameters
    ----------
    kernel : {"rbf", "laplacian", "poly"} or callable
        ``"rbf"`` :math:`e^{-\gamma\|x-y\|^2}`, ``"laplacian"`` :math:`e^{-\gamma\|x-y\|_1}`,
        ``"poly"`` :math:`(\gamma\langle x, y\rangle + c_0)^{\text{degree}}`
        (``sklearn.metrics.pairwise``), or a callable ``k(X, Y) -> (n, m)`` Gram matrix.
    B : float
        The radius (> 0).
    gamma : float, optional
        Kernel bandwidth (``None``: sklearn's default :math:`1/d`).
    degree : int
        Degree of the polynomial kernel.
    coef0 : float
        Constant :math:`c_0` of the polynomial kernel.

    Notes
    -----
    On a finite support :math:`x_1..x_n` with Gram matrix :math:`K`, the restrictions of the
    ball are exactly :math:`\{K^{1/2} w : \|w\|_2 \le B\}`, so the class follows the same
    contract as :class:`LinearClass` with ``p = 2``:

    - ``design_matrix(x)`` returns :math:`\Phi = K^{1/2}` (n, n), :math:`\Phi\Phi^\top = K`;
    - ``support_function(x, v)`` returns :math:`B\sqrt{v^\top K v}` (per column of ``v``);
    - ``params`` are kernel expansions ``{"centers": (m, d), "alpha": (m,)}`` with
      :math:`h = \sum_j \alpha_j k(\cdot, c_j)` and :math:`\|h\|_K^2 = \alpha^\top K_c\alpha`;
      ``params_from_weights(x, w)`` converts design weights (``alpha = K^{+1/2} w``);
    - ``cvxpy_constraint(w)`` returns ``cp.norm(w, 2) <= B``.

    Examples
    --------
    >>> cls = RKHSBall(kernel="rbf", B=1.0, gamma=0.5)
    >>> x = np.array([[0.0], [1.0]])
    >>> round(cls.support_function(x, np.array([1.0, -1.0])), 6)  # sqrt(2 - 2 exp(-1/2))
    0.887096
    """

    p: float = 2.0
    q: float = 2.0
    symmetric: bool = True

    def __init__(
        self,
        kernel: str | Callable[[np.ndarray, np.ndarray], Any] = "rbf",
        *,
        B: float = 1.0,
        gamma: float | None = None,
        degree: int = 3,
        coef0: float = 1.0,
    ) -> None:
        self.kernel = kernel
        self.B = B
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self._validate_params()

    def _validate_params(self) -> None:
        kern = self.kernel
        if not callable(kern) and (
            not isinstance(kern, str) or _ALIASES.get(kern, kern) not in _KERNELS
        ):
            raise BoundkitError(
                f"unknown kernel {kern!r}: expected one of {', '.join(_KERNELS)} or a callable"
            )
        self._radius()
        _check_optional_radius(self.gamma, "gamma")
        if _ALIASES.get(kern, kern) == "poly":
            _check_int(self.degree, "degree")
        if isinstance(self.coef0, bool) or not np.isfinite(np.float64(self.coef0)):
            raise BoundkitError(f"coef0 must be a finite number, got {self.coef0!r}")

    def _radius(self) -> float:
        return _check_radius(self.B)

    def gram(self, x: Any, y: Any = None) -> np.ndarray:
        r"""The kernel matrix :math:`k(x_i, y_j)` (n, m); ``y = x`` when omitted."""
        x = _as_points(x)
        y = x if y is None else _as_points(y, "y")
        if x.shape[1] != y.shape[1]:
            raise BoundkitError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
        kern = self.kernel
        if callable(kern):
            K = np.asarray(kern(x, y), dtype=float)
            if K.shape != (x.shape[0], y.shape[0]) or not np.all(np.isfinite(K)):
                raise BoundkitError(
                    f"the kernel callable must return a finite array of shape "
                    f"({x.shape[0]}, {y.shape[0]}), got {K.shape}"
                )
            return K
        name = _ALIASES.get(kern, kern) if isinstance(kern, str) else kern
        gamma = None if self.gamma is None else _check_radius(self.gamma, "gamma")
        from sklearn.metrics import pairwise

        if name == "rbf":
            return pairwise.rbf_kernel(x, y, gamma=gamma)
        if name == "laplacian":
            return pairwise.laplacian_kernel(x, y, gamma=gamma)
        if name == "poly":
            deg = self.degree
            if isinstance(deg, bool) or not isinstance(deg, int | np.integer) or deg < 1:
                raise BoundkitError(f"degree must be an integer >= 1, got {deg!r}")
            return pairwise.polynomial_kernel(x, y, degree=int(deg), gamma=gamma, coef0=self.coef0)
        raise BoundkitError(
            f"unknown kernel {kern!r}: expected one of {', '.join(_KERNELS)} or a callable"
        )

    def gram_diagonal(self, x: Any) -> np.ndarray:
        r"""The diagonal :math:`k(x_i, x_i)` (n,) of the Gram matrix, without forming it (blocks
        of 256 points for a callable kernel)."""
        x = _as_points(x)
        name = _ALIASES.get(self.kernel, self.kernel) if isinstance(self.kernel, str) else None
        if name in ("rbf", "laplacian"):
            self.gram(x[:1])  # validates gamma
            return np.ones(x.shape[0])
        if name == "poly":
            self.gram(x[:1])
            d = x.shape[1]
            gamma = 1.0 / d if self.gamma is None else float(self.gamma)
            return (gamma * np.einsum("ij,ij->i", x, x) + self.coef0) ** int(self.degree)
        out = np.empty(x.shape[0])
        for r0 in range(0, x.shape[0], 256):
            out[r0 : r0 + 256] = np.diag(self.gram(x[r0 : r0 + 256]))
        return out

    def nystrom_factor(
        self, x: Any, n_landmarks: int = 200, *, rtol: float = 1e-12
    ) -> tuple[np.ndarray, np.ndarray]:
        r"""A Nystrom factor :math:`L` (n, r) of the Gram matrix with landmarks chosen by
        pivoted (partial) Cholesky, and the diagonal of the remainder, in :math:`O(n r^2)`
        time and :math:`O(n r)` memory.

        Parameters
        ----------
        x : array_like, shape (n, d) or (n,)
            Points.
        n_landmarks : int
            Largest rank :math:`r` (landmarks = pivots).
        rtol : float
            Stop early once the remainder's trace is below ``rtol * tr K``.

        Returns
        -------
        L : ndarray, shape (n, r)
            :math:`\tilde K = LL^\top = K_{nm}K_{mm}^{-1}K_{mn}` on the landmarks :math:`m`.
        residual : ndarray, shape (n,)
            The diagonal of :math:`E = K - \tilde K` (clipped at 0).

        Notes
        -----
        :math:`E` is the Schur complement of :math:`K_{mm}` in :math:`K`, hence positive
        semi-definite: :math:`0 \preceq \tilde K \preceq K` and
        :math:`\operatorname{tr}E = \sum_i \text{residual}_i`. Each step takes the point with
        the largest remaining diagonal as the next landmark :math:`p`:

        .. math:: L_{:, j} = \frac{K_{:, p} - L_{:, <j} L_{p, <j}^\top}
            {\sqrt{E_{pp}}},\qquad E_{ii} \leftarrow E_{ii} - L_{ij}^2 .
        """
        x = _as_points(x)
        n = x.shape[0]
        r = int(n_landmarks)
        if isinstance(n_landmarks, bool) or r < 1:
            raise BoundkitError(f"n_landmarks must be an integer >= 1, got {n_landmarks!r}")
        r = min(r, n)
        d = self.gram_diagonal(x).astype(float)
        if np.any(d < 0):
            raise BoundkitError("the kernel has a negative diagonal: not positive semi-definite")
        stop = rtol * float(d.sum())
        L = np.zeros((n, r))
        j = 0
        for j in range(r):
            p = int(np.argmax(d))
            if d[p] <= stop or d[p] <= 0:
                break
            col = self.gram(x, x[p : p + 1])[:, 0] - L[:, :j] @ L[p, :j]
            L[:, j] = col / np.sqrt(d[p])
            d -= L[:, j] ** 2
            d[p] = 0.0
            np.maximum(d, 0.0, out=d)
        else:
            j = r
        return L[:, :j], d

    def dual_norm(self, z: Any) -> np.ndarray | float:
        r"""The Euclidean norm along axis 0 (the ball is Euclidean in design coordinates)."""
        arr = np.asarray(z, dtype=float)
        out = np.sqrt(np.sum(arr * arr, axis=0))
        return float(out) if arr.ndim == 1 else out

    def design_matrix(self, x: Any) -> np.ndarray:
        r"""The symmetric square root :math:`\Phi = K^{1/2}` (n, n) of the Gram matrix on ``x``.

        Raises :class:`~boundkit.BoundkitError` when the Gram matrix is not PSD.
        """
        return psd_sqrt(self.gram(x))

    def support_function(self, x: Any, v: Any) -> np.ndarray | float:
        r"""The support function :math:`\sup_{\|h\|_K \le B} \sum_i v_i h(x_i) = B\sqrt{v^\top K
        v}`.

        Parameters
        ----------
        x : array_like, shape (n, d) or (n,)
            Points.
        v : array_like, shape (n,) or (n, m)
            Coefficients, one column per direction.

        Returns
        -------
        float or ndarray, shape (m,)
            The support function, per column of ``v``.
        """
        B = self._radius()
        K = self.gram(x)
        v2, one_d = _as_coefficients(v, K.shape[0])
        quad = np.einsum("ij,ij->j", v2, K @ v2)
        out = B * np.sqrt(np.maximum(quad, 0.0))
        return float(out[0]) if one_d else out

    def evaluate(self, params: Any, x: Any) -> np.ndarray:
        r"""Values :math:`\sum_j \alpha_j k(x, c_j)` of the expansion ``params``."""
        centers, alpha = self._unpack(params)
        return self.gram(x, centers) @ alpha

    def norm(self, params: Any) -> float:
        r"""The RKHS norm :math:`\sqrt{\alpha^\top K_c \alpha}` of the expansion ``params``."""
        centers, alpha = self._unpack(params)
        return float(np.sqrt(max(float(alpha @ self.gram(centers) @ alpha), 0.0)))

    @staticmethod
    def _unpack(params: Any) -> tuple[np.ndarray, np.ndarray]:
        try:
            centers = _as_points(params["centers"], "centers")
            alpha = np.asarray(params["alpha"], dtype=float).ravel()
        except (KeyError, TypeError, IndexError):
            raise BoundkitError(
                "RKHS parameters must be a mapping with 'centers' (m, d) and 'alpha' (m,)"
            ) from None
        if alpha.shape[0] != centers.shape[0]:
            raise BoundkitError("'alpha' must have one coefficient per centre")
        return centers, alpha

    def params_from_weights(self, x: Any, w: Any) -> dict[str, np.ndarray]:
        r"""The expansion whose values on ``x`` are :math:`K^{1/2} w`: centres ``x``,
        :math:`\alpha = K^{+1/2} w` (norm :math:`\le \|w\|_2`)."""
        x = _as_points(x)
        w = np.asarray(w, dtype=float).ravel()
        if w.shape[0] != x.shape[0]:
            raise BoundkitError(f"weights have length {w.shape[0]}, expected {x.shape[0]}")
        return {"centers": x, "alpha": psd_sqrt(self.gram(x), inverse=True) @ w}

    def random_params(self, x: Any, *, rng: Any = None) -> dict[str, np.ndarray]:
        r"""A random member: design weights uniform in radius inside the ball, on support ``x``."""
        gen = np.random.default_rng(rng)
        x = _as_points(x)
        w = gen.normal(size=x.shape[0])
        w *= self._radius() * gen.uniform() / max(float(np.linalg.norm(w)), 1e-300)
        return self.params_from_weights(x, w)

    def cvxpy_constraint(self, w: Any) -> Any:
        """The cvxpy constraint ``cp.norm(w, 2) <= B`` for a design-weight variable ``w``."""
        import cvxpy as cp

        return cp.norm2(w) <= self._radius()

    def project(self, w: Any) -> np.ndarray:
        """Euclidean projection of design weights onto the ball :math:`\\|w\\|_2 \\le B`."""
        return project_ball(np.asarray(w, dtype=float), 2, self._radius())

    def fit(
        self,
        x_p: Any,
        generator: Any,
        q_atoms: Any,
        q_weights: Any,
        *,
        p_weights: Any = None,
        rng: Any = None,
    ) -> FittedDiscriminator:
        r"""Maximise the variational objective over the ball (representer theorem).

        By the representer theorem the objective depends on :math:`h` only through its values
        on :math:`Z = x_P \cup x_Q`, where the ball is :math:`\{K_Z^{1/2} w : \|w\|_2 \le B\}`;
        the concave problem in ``w`` is solved as for :class:`LinearClass`.

        Parameters
        ----------
        x_p, generator, q_atoms, q_weights, p_weights, rng
            As in :meth:`LinearClass.fit`.

        Returns
        -------
        FittedDiscriminator
            ``params`` is the kernel expansion on :math:`Z`.

        Notes
        -----
        .. math:: \max_{\|h\|_K \le B} \sum_j p_j h(x^P_j) - \Lambda_f^Q[h]
        """
        from boundkit.classes._fit import fit_design

        return fit_design(self, x_p, generator, q_atoms, q_weights, p_weights=p_weights)
