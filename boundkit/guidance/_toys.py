r"""Named toy problems: a target mixture P and a misspecified base mixture Q.

Every toy is a pair of Gaussian mixtures, so the forward marginals :math:`p_t, q_t`, their scores
and the Bayes-optimal time-dependent discriminator :math:`d^*_t = p_t/(p_t + q_t)` are closed
form. The base model Q is "a diffusion model whose score is that of a misspecified mixture":
wrong weights, shifted or missing modes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.guidance._mixture import OUMixture

__all__ = ["Toy", "get_toy", "list_toys", "default_toy"]


@dataclass(frozen=True)
class Toy:
    """A guidance toy: target ``p``, base model ``q`` (both :class:`OUMixture`).

    Attributes
    ----------
    name : str
        Registry name.
    p, q : OUMixture
        Target (data) mixture and base-model mixture.
    description : str
        What is wrong with Q.
    """

    name: str
    p: OUMixture
    q: OUMixture
    description: str

    @property
    def dim(self) -> int:
        """Dimension of the sample space."""
        return self.p.dim

    def bounds(self, t: float = 0.0, n_sd: float = 7.0) -> tuple[np.ndarray, np.ndarray]:
        """A box holding all but a negligible mass of ``p_t`` and ``q_t`` (per coordinate)."""
        lo1, hi1 = self.p.marginal(t).bounds(n_sd)
        lo2, hi2 = self.q.marginal(t).bounds(n_sd)
        return np.minimum(lo1, lo2), np.maximum(hi1, hi2)


def _square(shift: float) -> np.ndarray:
    return np.array([[2.0, 2.0], [2.0, -2.0], [-2.0, 2.0], [-2.0, -2.0]]) + shift


def _ring(k: int, radius: float) -> np.ndarray:
    ang = 2 * np.pi * np.arange(k) / k
    return radius * np.column_stack([np.cos(ang), np.sin(ang)])


def _build() -> dict[str, Toy]:
    toys = [
        Toy(
            "bimodal",
            OUMixture([0.5, 0.5], [-2.0, 2.0], [0.25, 0.25]),
            OUMixture([0.75, 0.25], [-1.7, 2.4], [0.36, 0.25]),
            "1-D: two modes; Q has wrong weights (0.75/0.25) and shifted, wider modes",
        ),
        Toy(
            "weights",
            OUMixture([0.5, 0.5], [-2.0, 2.0], [0.25, 0.25]),
            OUMixture([0.85, 0.15], [-2.0, 2.0], [0.25, 0.25]),
            "1-D: two modes; Q has the right modes with wrong weights (0.85/0.15)",
        ),
        Toy(
            "missing-mode",
            OUMixture([1 / 3, 1 / 3, 1 / 3], [-3.0, 0.0, 3.0], [0.25, 0.25, 0.25]),
            OUMixture([0.5, 0.5], [-3.0, 3.0], [0.25, 0.25]),
            "1-D: three modes; Q misses the middle one",
        ),
        Toy(
            "gaussian",
            OUMixture([1.0], [0.5], [0.64]),
            OUMixture([1.0], [0.0], [1.0]),
            "1-D: P = N(0.5, 0.8^2), Q = N(0, 1); logit d*_0 is quadratic",
        ),
        Toy(
            "square-2d",
            OUMixture([0.25] * 4, _square(0.0), [0.25] * 4),
            OUMixture([0.4, 0.3, 0.2, 0.1], _square(0.3), [0.36] * 4),
            "2-D: four modes on a square; Q has wrong weights, shifted and wider modes",
        ),
        Toy(
            "ring-2d",
            OUMixture([1 / 6] * 6, _ring(6, 3.0), [0.16] * 6),
            OUMixture([0.25] * 4, _ring(6, 3.0)[[0, 1, 3, 4]], [0.16] * 4),
            "2-D: six modes on a ring; Q misses two of them",
        ),
    ]
    return {t.name: t for t in toys}


_TOYS = _build()
_DEFAULT = {1: "bimodal", 2: "square-2d"}


def list_toys() -> list[Toy]:
    """All registered toys, in registry order.

    Examples
    --------
    >>> [t.name for t in list_toys()][:2]
    ['bimodal', 'weights']
    """
    return list(_TOYS.values())


def default_toy(dim: int) -> Toy:
    """The default toy of dimension ``dim`` (1 or 2).

    Examples
    --------
    >>> default_toy(2).name
    'square-2d'
    """
    if dim not in _DEFAULT:
        raise BoundkitError(f"unsupported dimension {dim!r}: expected 1 or 2")
    return _TOYS[_DEFAULT[dim]]


def get_toy(name: str | Toy) -> Toy:
    """Look a toy up by name (a :class:`Toy` is returned unchanged).

    Examples
    --------
    >>> get_toy("bimodal").dim
    1
    """
    if isinstance(name, Toy):
        return name
    if name not in _TOYS:
        raise BoundkitError(f"unknown toy {name!r}: expected one of {', '.join(_TOYS)}")
    return _TOYS[name]
