r"""Toy ``mixture1d-relu``: the mixture1d target and base with a two-layer ReLU class.

The class is :class:`boundkit.classes.ReLUNetwork2` (``width`` neurons,
:math:`\|a\|_1\le B_2`, :math:`\|(w_j, b_j)\|_2\le B_1`). In 1-D its support function
:math:`\sup_{h}\sum_i v_i h(x_i)` is exact (angle sweep), so the IPM and the deviation terms
of every replicate are exact on the quadrature grid; only the fit :math:`h_n` (a non-concave
problem, projected gradient ascent with restarts) is a local optimum, an attained value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from boundkit.generators import get_generator, shift_functional
from boundkit.simulation._mixture import _COMMON, _MIXTURE1D_P, MixtureToy
from boundkit.simulation._toys import PopulationTerms

__all__ = ["ReLUMixtureToy"]

_KL = get_generator("kl")


class ReLUMixtureToy(MixtureToy):
    r"""A 1-D Gaussian-mixture toy whose class is a norm-bounded two-layer ReLU network.

    Parameters
    ----------
    name : str
        Registry name.
    width, B1, B2 : int, float, float
        The class :math:`\{\sum_j a_j\,\mathrm{relu}(w_j x + b_j) : \|a\|_1\le B_2,
        \|(w_j, b_j)\|_2\le B_1\}`.
    n_restarts, max_iter : int
        Restarts and iterations of each fit (the population fit uses twice the restarts).
    **kwargs
        P, Q and grid settings of :class:`MixtureToy` (``features`` is ignored).

    Notes
    -----
    With grid weights :math:`p_k, q_k` and :math:`q^h_k \propto q_k e^{h(x_k)}`:

    .. math::

        \mathrm{KL}(P\|Q_h) = \sum_k p_k \log\frac{p_k}{q^h_k},\qquad
        \mathrm{IPM}_{\mathcal H}(P, Q_h) = \sup_{h'}\sum_k (p_k - q^h_k)\,h'(x_k),

    the latter and :math:`\sup_h E_P h - E_{P_n}h` computed exactly by the class's support
    function. The class is unbounded on :math:`\mathbb R` (``value_range`` is None), so only
    C6(a) and C7 apply. :math:`\mathfrak R_n` is a Monte Carlo mean over :math:`(S, \sigma)`
    of the exact :math:`\frac1n\sup_h\sum_i\sigma_i h(x_i)`; ``upper`` is the contraction
    bound :math:`2B_1B_2\sqrt{E_P(1 + X^2)/n}`. The population best refinement uses an attained
    :math:`h^*`, so ``divergence_best`` is an upper bound on the class optimum.

    Examples
    --------
    >>> toy = ReLUMixtureToy("r", width=2, n_restarts=1, max_iter=50, n_grid=101,
    ...                      weights=[0.7, 0.3], means=[[-1.0], [1.5]], stds=[0.5, 0.4])
    >>> toy.value_range() is None
    True
    """

    def __init__(
        self,
        name: str,
        *,
        width: int = 8,
        B1: float = 1.0,
        B2: float = 2.0,
        n_restarts: int = 4,
        max_iter: int = 300,
        description: str = "",
        **kwargs: Any,
    ) -> None:
        from boundkit.classes import ReLUNetwork2

        kwargs.pop("features", None)
        kwargs.pop("B", None)
        super().__init__(name, features="identity", B=B2, description=description, **kwargs)
        if self.dim != 1:
            from boundkit._errors import BoundkitError

            raise BoundkitError("the ReLU mixture toy is 1-D (exact support function)")
        self.width, self.B1, self.B2 = int(width), float(B1), float(B2)
        self.n_restarts, self.max_iter = int(n_restarts), int(max_iter)
        self.cls = ReLUNetwork2(
            self.width, B1=self.B1, B2=self.B2, n_restarts=self.n_restarts, max_iter=self.max_iter
        )
        self.class_name = f"relu{self.width}-net"
        k = self.P.weights.size
        self.description = description or (
            f"P: {k}-mode Gaussian mixture in 1-D, Q: {self.base}, "
            f"H: two-layer ReLU (width {self.width}, B1={self.B1:g}, B2={self.B2:g}), KL"
        )

    # ------------------------------------------------------------------ helpers
    def _sup(self, x: np.ndarray, v: np.ndarray) -> float:
        return float(self.cls.support_function(x, v))

    def _refined(self, h: np.ndarray, logq: np.ndarray) -> np.ndarray:
        # log q_h = log q + h - Lambda_KL^Q[h], Lambda from the one kernel
        return logq + h - shift_functional(_KL, h, np.exp(logq)).value

    def _fit(self, x: np.ndarray, p_weights: Any, seed: Any, restarts: int) -> Any:
        from boundkit.classes import ReLUNetwork2

        cls = ReLUNetwork2(
            self.width, B1=self.B1, B2=self.B2, n_restarts=restarts, max_iter=self.max_iter
        )
        g = self._grid
        return cls.fit(x, "kl", g["nodes"], np.exp(g["logq"]), p_weights=p_weights, rng=seed)

    def _pop_terms(self, grid: dict[str, Any], params: Any) -> dict[str, float]:
        x, logp, logq = grid["nodes"], grid["logp"], grid["logq"]
        p = np.exp(logp)
        h = self.cls.evaluate(params, x)
        lqh = self._refined(h, logq)
        return {
            "kl_base": float(p @ (logp - logq)),
            "kl_best": float(p @ (logp - lqh)),
            "restricted": float(p @ h - shift_functional(_KL, h, np.exp(logq)).value),
            "ipm_base": self._sup(x, p - np.exp(logq)),
        }

    def _best(self) -> tuple[np.ndarray, PopulationTerms]:
        if self._pop is None:
            g = self._grid
            fit = self._fit(g["nodes"], np.exp(g["logp"]), self.seed, 2 * self.n_restarts)
            t = self._pop_terms(g, fit.params)
            t2 = self._pop_terms(self._make_grid(2 * self.n_grid - 1), fit.params)
            err = max(abs(t[k] - t2[k]) for k in t) + self._tail_mass()
            pop = PopulationTerms(
                divergence_base=t["kl_base"],
                divergence_best=t["kl_best"],
                restricted_divergence=t["restricted"],
                ipm_base=t["ipm_base"],
                quadrature_error=float(err),
            )
            self._params = fit.params
            self._pop = (self.cls.evaluate(fit.params, g["nodes"]), pop)
        return self._pop

    def best_w(self) -> np.ndarray:
        r"""Values of the population fit :math:`h^*` on the grid nodes."""
        return self._best()[0].copy()

    def value_range(self) -> tuple[float, float] | None:
        """None: a ReLU network is unbounded on the real line (C6b/C6c do not apply)."""
        return None

    # ------------------------------------------------------------------ replicates
    def run_replicates(
        self, n: int, seeds: Sequence[np.random.SeedSequence], *, n_mc_sigma: int = 200
    ) -> dict[str, np.ndarray]:
        """Run one replicate per seed (see :meth:`Toy.run_replicates`)."""
        g = self._grid
        x, logp, logq = g["nodes"], g["logp"], g["logq"]
        p = np.exp(logp)
        n = int(n)
        keys = ("divergence", "divergence_refinement", "ipm", "ipm_empirical", "dev_up")
        out = {k: np.empty(len(seeds)) for k in (*keys, "dev_down")}
        for r, ss in enumerate(seeds):
            gen = np.random.default_rng(ss)
            s = self.P.sample(n, rng=gen)
            fit = self._fit(s, None, int(gen.integers(2**31 - 1)), self.n_restarts)
            lqh = self._refined(self.cls.evaluate(fit.params, x), logq)
            qh = np.exp(lqh)
            both = np.vstack([x, s])
            pn = np.full(n, 1.0 / n)
            out["divergence"][r] = p @ (logp - lqh)
            out["divergence_refinement"][r] = qh @ (lqh - logq)
            out["ipm"][r] = self._sup(x, p - qh)
            out["ipm_empirical"][r] = self._sup(both, np.concatenate([-qh, pn]))
            out["dev_up"][r] = self._sup(both, np.concatenate([p, -pn]))
            out["dev_down"][r] = self._sup(both, np.concatenate([-p, pn]))
        return out

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration."""
        cfg = super().config()
        for key in ("features", "n_features", "gamma", "B"):
            cfg.pop(key, None)
        cfg.update(
            width=self.width,
            B1=self.B1,
            B2=self.B2,
            n_restarts=self.n_restarts,
            max_iter=self.max_iter,
        )
        return cfg


def mixture1d_relu() -> ReLUMixtureToy:
    """``mixture1d-relu``: the mixture1d target and base with a width-8 two-layer ReLU class."""
    common = {k: v for k, v in _COMMON.items() if k not in ("gamma", "B")}
    return ReLUMixtureToy(
        "mixture1d-relu",
        **_MIXTURE1D_P,
        base="gaussian",
        width=8,
        B1=1.0,
        B2=2.0,
        n_restarts=2,
        max_iter=200,
        **common,
        n_grid=401,
    )
