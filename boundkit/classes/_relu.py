r"""Two-layer ReLU networks with an :math:`\ell_1` output layer and bounded neurons."""

from __future__ import annotations

from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._validation import check_int as _check_int
from boundkit.classes._base import (
    DiscriminatorClass,
    FittedDiscriminator,
    _as_coefficients,
    _as_points,
    _check_radius,
    project_ball,
)
from boundkit.classes._sweep import neuron_sup_search, sweep_values

__all__ = ["ReLUNetwork2"]


def _augment(x: np.ndarray) -> np.ndarray:
    """Append the constant 1 of the bias: rows :math:`\\tilde x_i = (x_i, 1)`."""
    return np.column_stack([x, np.ones(x.shape[0])])


#: the widest network accepted (its parameters are width x (d + 2) floats)
MAX_WIDTH = 1_000_000


class ReLUNetwork2(DiscriminatorClass):
    r"""Two-layer ReLU networks with norm-bounded weights.

    .. math:: \mathcal H = \Big\{x \mapsto \sum_{j=1}^{\text{width}} a_j\,
        \mathrm{relu}(\langle w_j, x\rangle + b_j) : \|a\|_1 \le B_2,\
        \|(w_j, b_j)\|_2 \le B_1\Big\}.

    Parameters
    ----------
    width : int
        Number of hidden neurons (>= 1).
    B1 : float
        Bound on the Euclidean norm of each neuron's weights and bias (> 0).
    B2 : float
        Bound on the :math:`\ell_1` norm of the output weights (> 0).
    n_restarts : int
        Random starts of the optimisers (neuron search for ``d >= 2``; ``fit``).
    max_iter : int
        Iterations per start.
    rng : None, int or numpy.random.Generator
        Seed of the optimisers' starts (drawn afresh from this seed at every call).

    Notes
    -----
    By positive homogeneity of the ReLU the support function is attained by a single neuron
    (THEORY C9), with :math:`\tilde x_i = (x_i, 1)`:

    .. math:: \sup_{h\in\mathcal H}\sum_i v_i h(x_i) = B_2 B_1
        \max\Big(0, \max_{\|u\|_2 = 1} \pm \sum_i v_i\,\mathrm{relu}(\langle u,
        \tilde x_i\rangle)\Big).

    For 1-D inputs the inner maximum is computed exactly by sweeping the angle of :math:`u`
    across the :math:`2n` breakpoints (:func:`neuron_sup_sweep`); for ``d >= 2`` it is the
    best value found by great-circle ascent from ``n_restarts`` starts
    (:func:`neuron_sup_search`), an attained value and hence a certified *lower* bound
    (``support_is_exact(x)`` tells which).

    ``params`` are mappings ``{"a": (width,), "W": (width, d), "b": (width,)}``.

    Examples
    --------
    >>> cls = ReLUNetwork2(width=3, B1=1.0, B2=2.0)
    >>> x = np.array([[-1.0], [1.0]])
    >>> v = np.array([-1.0, 1.0])
    >>> round(cls.support_function(x, v), 12)  # neuron relu((x + 1)/sqrt 2): 2 sqrt(2)
    2.828427124746
    """

    symmetric: bool = True

    def __init__(
        self,
        width: int = 16,
        *,
        B1: float = 1.0,
        B2: float = 1.0,
        n_restarts: int = 8,
        max_iter: int = 500,
        rng: Any = None,
    ) -> None:
        self.width = width
        self.B1 = B1
        self.B2 = B2
        self.n_restarts = n_restarts
        self.max_iter = max_iter
        self.rng = rng
        self._validate_params()

    def _validate_params(self) -> None:
        _check_int(self.width, "width", high=MAX_WIDTH)
        self._radii()
        _check_int(self.n_restarts, "n_restarts")
        _check_int(self.max_iter, "max_iter")

    def _example_points(self, rng: np.random.Generator) -> np.ndarray:
        """1-D example points for the check suite (where the support function is exact)."""
        return rng.normal(size=(9, 1))

    def _radii(self) -> tuple[float, float]:
        return _check_radius(self.B1, "B1"), _check_radius(self.B2, "B2")

    def support_is_exact(self, x: Any) -> bool:
        """Whether :meth:`support_function` is exact on ``x`` (1-D inputs) or a lower bound."""
        return _as_points(x).shape[1] == 1

    def neuron_sup(self, x: Any, v: Any) -> tuple[np.ndarray | float, np.ndarray | float]:
        r"""The one-neuron suprema :math:`\max(0, \max_{\|u\|=1} \pm\sum_i v_i
        \mathrm{relu}(\langle u, \tilde x_i\rangle))`, as ``(plus, minus)`` (unit radii).

        Exact for 1-D inputs, a certified lower bound otherwise (see the class Notes).
        """
        x = _as_points(x)
        v2, one_d = _as_coefficients(v, x.shape[0])
        xt = _augment(x)
        if x.shape[1] == 1:  # one sort, one cumulative sum for +v and -v
            plus, minus = (np.maximum(t, 0.0) for t in sweep_values(xt, v2))
            return (float(plus[0]), float(minus[0])) if one_d else (plus, minus)
        val, _ = neuron_sup_search(
            xt,
            np.concatenate([v2, -v2], axis=1),
            n_restarts=_check_int(self.n_restarts, "n_restarts"),
            max_iter=_check_int(self.max_iter, "max_iter"),
            rng=self.rng,
        )
        val = np.maximum(np.asarray(val, dtype=float), 0.0)
        m = v2.shape[1]
        plus, minus = val[:m], val[m:]
        if one_d:
            return float(plus[0]), float(minus[0])
        return plus, minus

    def support_function(self, x: Any, v: Any) -> np.ndarray | float:
        r"""The support function :math:`B_2 B_1 \max(0, \max_{\|u\|=1} |\sum_i v_i
        \mathrm{relu}(\langle u, \tilde x_i\rangle)|)` (exact for 1-D inputs, else a lower
        bound).

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
        B1, B2 = self._radii()
        plus, minus = self.neuron_sup(x, v)
        out = B1 * B2 * np.maximum(plus, minus)
        return float(out) if np.ndim(out) == 0 else out

    # -- members ------------------------------------------------------------------------------
    @staticmethod
    def _unpack(params: Any, d: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        try:
            a = np.asarray(params["a"], dtype=float).ravel()
            W = np.asarray(params["W"], dtype=float)
            b = np.asarray(params["b"], dtype=float).ravel()
        except (KeyError, TypeError, IndexError):
            raise BoundkitError(
                "ReLU parameters must be a mapping with 'a' (width,), 'W' (width, d), 'b' (width,)"
            ) from None
        if W.ndim == 1:
            W = W[:, None]
        if W.shape[0] != a.shape[0] or b.shape[0] != a.shape[0]:
            raise BoundkitError("'a', 'W' and 'b' must have one entry (row) per neuron")
        if d is not None and W.shape[1] != d:
            raise BoundkitError(f"'W' has {W.shape[1]} columns but the points have dimension {d}")
        return a, W, b

    def evaluate(self, params: Any, x: Any) -> np.ndarray:
        r"""Values :math:`\sum_j a_j \mathrm{relu}(\langle w_j, x\rangle + b_j)` (n,)."""
        x = _as_points(x)
        a, W, b = self._unpack(params, x.shape[1])
        return np.maximum(x @ W.T + b, 0.0) @ a

    def norms(self, params: Any) -> tuple[float, float]:
        r"""``(max_j ||(w_j, b_j)||_2, ||a||_1)``: the quantities bounded by ``B1`` and ``B2``."""
        a, W, b = self._unpack(params)
        return float(np.max(np.hypot(np.linalg.norm(W, axis=1), b))), float(np.abs(a).sum())

    def project(self, params: Any) -> dict[str, np.ndarray]:
        """Project parameters onto the constraint set (each neuron and ``a`` separately)."""
        B1, B2 = self._radii()
        a, W, b = self._unpack(params)
        Wb = np.column_stack([W, b])
        nrm = np.linalg.norm(Wb, axis=1, keepdims=True)
        Wb = Wb * np.minimum(1.0, B1 / np.maximum(nrm, 1e-300))
        return {"a": project_ball(a, 1, B2), "W": Wb[:, :-1], "b": Wb[:, -1]}

    def random_params(self, x: Any, *, rng: Any = None) -> dict[str, np.ndarray]:
        r"""A random member: Gaussian directions, neuron norms :math:`\le B_1`,
        :math:`\|a\|_1 = U B_2`."""
        gen = np.random.default_rng(rng)
        B1, B2 = self._radii()
        d = _as_points(x).shape[1]
        width = _check_int(self.width, "width")
        Wb = gen.normal(size=(width, d + 1))
        Wb *= (B1 * gen.uniform(size=(width, 1))) / np.linalg.norm(Wb, axis=1, keepdims=True)
        a = gen.normal(size=width)
        a *= B2 * gen.uniform() / max(float(np.abs(a).sum()), 1e-300)
        return {"a": a, "W": Wb[:, :-1], "b": Wb[:, -1]}

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
        r"""Maximise the variational objective by projected gradient ascent with restarts.

        Parameters
        ----------
        x_p, generator, q_atoms, q_weights, p_weights
            As in :meth:`LinearClass.fit`.
        rng : optional
            Seed of the random initialisations (``self.rng`` when omitted).

        Returns
        -------
        FittedDiscriminator
            The best of ``n_restarts`` runs; ``diagnostics`` has ``converged``, ``iterations``,
            ``status`` and the final ``values`` of every restart. The problem is not concave:
            ``value`` is a lower bound on the supremum over the class.

        Notes
        -----
        With :math:`c = (p, -q \odot (f^*)'(h(x^Q) - \nu_h))` on :math:`Z = x_P \cup x^Q`,

        .. math:: \partial_{a_j} J = \sum_i c_i\,\mathrm{relu}(\langle u_j, \tilde z_i\rangle),
            \qquad \partial_{u_j} J = a_j \sum_i c_i 1[\langle u_j, \tilde z_i\rangle > 0]
            \tilde z_i,

        followed by projection of :math:`a` on the :math:`\ell_1` ball and of each
        :math:`u_j = (w_j, b_j)` on the Euclidean ball; steps backtrack until :math:`J`
        increases.
        """
        from boundkit.classes._fit import _generator, _lambda, prepare_fit

        x_p, q_atoms, pw, qw, _ = prepare_fit(self, x_p, q_atoms, q_weights, p_weights)
        g = _generator(generator)
        self._radii()
        width = _check_int(self.width, "width")
        n_restarts = _check_int(self.n_restarts, "n_restarts")
        max_iter = _check_int(self.max_iter, "max_iter")
        gen = np.random.default_rng(self.rng if rng is None else rng)
        Zt = _augment(np.vstack([x_p, q_atoms]))
        n_p = x_p.shape[0]

        def objective(prm: dict[str, np.ndarray]) -> tuple[float, float, np.ndarray]:
            pre = Zt @ np.column_stack([prm["W"], prm["b"]]).T  # (N, width)
            hv = np.maximum(pre, 0.0) @ prm["a"]
            lam, nu = _lambda(g, hv[n_p:], qw)
            return float(pw @ hv[:n_p]) - lam, nu, pre

        def gradient(prm: dict[str, np.ndarray], nu: float, pre: np.ndarray) -> np.ndarray:
            hq = np.maximum(pre[n_p:], 0.0) @ prm["a"]
            link = np.where(qw > 0, np.asarray(g.link(hq - nu), dtype=float), 0.0)
            c = np.concatenate([pw, -qw * link])
            ga = np.maximum(pre, 0.0).T @ c
            gu = ((pre > 0) * c[:, None]).T @ Zt * prm["a"][:, None]  # (width, d+1)
            return np.column_stack([gu, ga])

        def split(theta: np.ndarray) -> dict[str, np.ndarray]:
            return {"a": theta[:, -1], "W": theta[:, :-2], "b": theta[:, -2]}

        def join(prm: dict[str, np.ndarray]) -> np.ndarray:
            return np.column_stack([prm["W"], prm["b"], prm["a"]])

        best: tuple[float, float, dict[str, np.ndarray]] | None = None
        values: list[float] = []
        total_it = 0
        all_converged = True
        statuses: list[str] = []
        for _ in range(n_restarts):
            prm = self.random_params(x_p, rng=gen)
            val, nu, pre = objective(prm)
            if not np.isfinite(val):
                raise BoundkitError("the objective is not finite at the initial network")
            step, status, converged = 1.0, "max_iter", False
            for _it in range(max_iter):
                total_it += 1
                grad = gradient(prm, nu, pre)
                theta = join(prm)
                while True:
                    cand = self.project(split(theta + step * grad))
                    val_new, nu_new, pre_new = objective(cand)
                    if np.isfinite(val_new) and val_new >= val:
                        break
                    step *= 0.5
                    if step < 1e-12:
                        break
                if step < 1e-12:
                    converged, status = True, "no ascent step (stationary)"
                    break
                gain = val_new - val
                prm, val, nu, pre = cand, val_new, nu_new, pre_new
                if gain <= 1e-10 * max(1.0, abs(val)):
                    converged, status = True, "objective change below tolerance"
                    break
                step *= 1.5
            values.append(val)
            statuses.append(status)
            all_converged &= converged
            if best is None or val > best[0]:
                best = (val, nu, prm)
        assert best is not None
        val, nu, prm = best
        params = {"a": prm["a"].copy(), "W": prm["W"].copy(), "b": prm["b"].copy()}
        if width == 0:  # pragma: no cover - width validated above
            raise BoundkitError("width must be >= 1")

        def h(x: Any, _params: Any = params) -> np.ndarray:
            return self.evaluate(_params, x)

        diagnostics = {
            "converged": bool(all_converged),
            "iterations": int(total_it),
            "status": statuses[int(np.argmax(values))],
            "values": np.array(values),
        }
        return FittedDiscriminator(
            h=h, nu=float(nu), value=float(val), params=params, diagnostics=diagnostics
        )
