r"""Toy ``mixture1d-relu``: the mixture1d target and base with a two-layer ReLU class.

The class is :class:`boundkit.classes.ReLUNetwork2` (``width`` neurons,
:math:`\|a\|_1\le B_2`, :math:`\|(w_j, b_j)\|_2\le B_1`). In 1-D its support function
:math:`\sup_{h}\sum_i v_i h(x_i)` is exact (angle sweep), so the IPM and the deviation terms
of every replicate are exact on the quadrature grid; only the fit :math:`h_n` (a non-concave
problem, projected gradient ascent with restarts) is a local optimum, an attained value.

The toy is a named :class:`~boundkit.simulation.Experiment` on the grid of the mixture toys
(:class:`~boundkit.simulation.MixtureToy`): one code path with a user's experiment.
"""

from __future__ import annotations

from typing import Any

from boundkit._errors import BoundkitError
from boundkit.classes import ReLUNetwork2
from boundkit.simulation._experiment import Experiment
from boundkit.simulation._mixture import _COMMON, _MIXTURE1D_P, cell_box, mixture_parts

__all__ = ["ReLUMixtureToy"]


class ReLUMixtureToy(Experiment):
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
    box, n_grid : float, int
        The grid (as in :class:`~boundkit.simulation.MixtureToy`).
    **kwargs
        P and Q settings of :class:`~boundkit.simulation.MixtureToy` (``weights``, ``means``,
        ``stds``, ``base``, ...; ``features``, ``B`` and ``gamma`` are ignored).

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
    :math:`h^*`, so ``divergence_best`` is an upper bound on the class optimum; its quadrature
    error evaluates the same :math:`h^*` on the finer grid.

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
        box: float = 6.0,
        n_grid: int = 801,
        seed: int = 0,
        description: str = "",
        **kwargs: Any,
    ) -> None:
        for key in ("features", "B", "gamma", "n_features"):
            kwargs.pop(key, None)
        parts = mixture_parts(features="identity", box=box, seed=seed, **kwargs)
        if parts["dim"] != 1:
            raise BoundkitError("the ReLU mixture toy is 1-D (exact support function)")
        self.dim = 1
        self.base = str(kwargs.get("base", "gaussian"))
        self.seed, self.half_width = int(seed), float(box)
        self.n_base_components = int(kwargs.get("n_base_components", 2))
        self.n_base_train = int(kwargs.get("n_base_train", 40))
        self.bandwidth = float(kwargs.get("bandwidth", 0.15))
        self.width, self.B1, self.B2 = int(width), float(B1), float(B2)
        self.n_restarts, self.max_iter = int(n_restarts), int(max_iter)
        P = parts["P"]
        self._p_params = (P.weights.tolist(), P.means.tolist(), list(kwargs["stds"]))
        super().__init__(
            P,
            parts["Q"],
            ReLUNetwork2(
                self.width,
                B1=self.B1,
                B2=self.B2,
                n_restarts=self.n_restarts,
                max_iter=self.max_iter,
            ),
            "kl",
            name=name,
            population="grid",
            box=cell_box(box, n_grid, 1),
            n_grid=int(n_grid),
            fit_seed=self.seed,
            population_class=ReLUNetwork2(
                self.width,
                B1=self.B1,
                B2=self.B2,
                n_restarts=2 * self.n_restarts,
                max_iter=self.max_iter,
            ),
            description=description
            or (
                f"P: {P.weights.size}-mode Gaussian mixture in 1-D, Q: {self.base}, "
                f"H: two-layer ReLU (width {self.width}, B1={self.B1:g}, B2={self.B2:g}), KL"
            ),
        )
        self.class_name = f"relu{self.width}-net"

    def best_w(self) -> Any:
        r"""Values of the population fit :math:`h^*` on the grid nodes."""
        return self.best_values()

    def config(self) -> dict[str, Any]:
        """JSON-ready configuration (the Experiment's, plus the toy's parameters)."""
        wts, means, stds = self._p_params
        return {
            **super().config(),
            "quadrature_box": self.box.tolist(),
            "mixture": {"weights": wts, "means": means, "stds": stds},
            "base": self.base,
            "box": self.half_width,
            "n_base_components": self.n_base_components,
            "n_base_train": self.n_base_train,
            "bandwidth": self.bandwidth,
            "seed": self.seed,
            "width": self.width,
            "B1": self.B1,
            "B2": self.B2,
            "n_restarts": self.n_restarts,
            "max_iter": self.max_iter,
        }


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
