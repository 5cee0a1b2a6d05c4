r"""Named guidance settings: a target mixture P and a misspecified base mixture Q.

(Named settings, not "toys", so that the name does not clash with the Monte Carlo toys of
:mod:`boundkit.simulation`.) Every setting is a pair of Gaussian mixtures, so the forward
marginals :math:`p_t, q_t`, their scores and the Bayes-optimal time-dependent discriminator
:math:`d^*_t = p_t/(p_t + q_t)` are closed form. The base model Q is "a diffusion model whose
score is that of a misspecified mixture": wrong weights, shifted or missing modes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.guidance._mixture import OUMixture

__all__ = [
    "GuidanceSetting",
    "get_guidance_setting",
    "list_guidance_settings",
    "default_guidance_setting",
]


@dataclass(frozen=True)
class GuidanceSetting:
    """A guidance setting: target ``p``, base model ``q`` (both :class:`OUMixture`).

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


def _build() -> dict[str, GuidanceSetting]:
    toys = [
        GuidanceSetting(
            "bimodal",
            OUMixture([0.5, 0.5], [-2.0, 2.0], [0.25, 0.25]),
            OUMixture([0.75, 0.25], [-1.7, 2.4], [0.36, 0.25]),
            "1-D: two modes; Q has wrong weights (0.75/0.25) and shifted, wider modes",
        ),
        GuidanceSetting(
            "weights",
            OUMixture([0.5, 0.5], [-2.0, 2.0], [0.25, 0.25]),
            OUMixture([0.85, 0.15], [-2.0, 2.0], [0.25, 0.25]),
            "1-D: two modes; Q has the right modes with wrong weights (0.85/0.15)",
        ),
        GuidanceSetting(
            "missing-mode",
            OUMixture([1 / 3, 1 / 3, 1 / 3], [-3.0, 0.0, 3.0], [0.25, 0.25, 0.25]),
            OUMixture([0.5, 0.5], [-3.0, 3.0], [0.25, 0.25]),
            "1-D: three modes; Q misses the middle one",
        ),
        GuidanceSetting(
            "gaussian",
            OUMixture([1.0], [0.5], [0.64]),
            OUMixture([1.0], [0.0], [1.0]),
            "1-D: P = N(0.5, 0.8^2), Q = N(0, 1); logit d*_0 is quadratic",
        ),
        GuidanceSetting(
            "square-2d",
            OUMixture([0.25] * 4, _square(0.0), [0.25] * 4),
            OUMixture([0.4, 0.3, 0.2, 0.1], _square(0.3), [0.36] * 4),
            "2-D: four modes on a square; Q has wrong weights, shifted and wider modes",
        ),
        GuidanceSetting(
            "ring-2d",
            OUMixture([1 / 6] * 6, _ring(6, 3.0), [0.16] * 6),
            OUMixture([0.25] * 4, _ring(6, 3.0)[[0, 1, 3, 4]], [0.16] * 4),
            "2-D: six modes on a ring; Q misses two of them",
        ),
    ]
    return {t.name: t for t in toys}


_SETTINGS = _build()
_DEFAULT = {1: "bimodal", 2: "square-2d"}


def list_guidance_settings() -> list[GuidanceSetting]:
    """All registered guidance settings, in registry order.

    Examples
    --------
    >>> [t.name for t in list_guidance_settings()][:2]
    ['bimodal', 'weights']
    """
    return list(_SETTINGS.values())


def default_guidance_setting(dim: int) -> GuidanceSetting:
    """The default guidance setting of dimension ``dim`` (1 or 2).

    Examples
    --------
    >>> default_guidance_setting(2).name
    'square-2d'
    """
    if dim not in _DEFAULT:
        raise BoundkitError(f"unsupported dimension {dim!r}: expected 1 or 2")
    return _SETTINGS[_DEFAULT[dim]]


def get_guidance_setting(name: str | GuidanceSetting) -> GuidanceSetting:
    """Look a guidance setting up by name (a :class:`GuidanceSetting` is returned unchanged).

    Examples
    --------
    >>> get_guidance_setting("bimodal").dim
    1
    """
    if isinstance(name, GuidanceSetting):
        return name
    if name not in _SETTINGS:
        raise BoundkitError(
            f"unknown guidance setting {name!r}: expected one of {', '.join(_SETTINGS)}"
        )
    return _SETTINGS[name]
