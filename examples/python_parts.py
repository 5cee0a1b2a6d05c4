"""Objects for examples/python.toml, named there as "plugin:NAME".

Run:  boundkit simulate --spec examples/python.toml --plugin examples/python_parts.py
"""

import numpy as np


class Logistic:
    r"""The logistic distribution with location 0 and scale s (a user model: sample + logpdf).

    .. math:: \log p(x) = -|z| - 2\log(1 + e^{-|z|}) - \log s, \qquad z = x / s.
    """

    dim = 1

    def __init__(self, scale: float) -> None:
        self.scale = float(scale)

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        return rng.logistic(0.0, self.scale, size=(n, 1))

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        z = np.abs(np.asarray(x, dtype=float)[:, 0]) / self.scale
        return -z - 2.0 * np.log1p(np.exp(-z)) - np.log(self.scale)


def tanh_features(x: np.ndarray) -> np.ndarray:
    r"""Bounded features :math:`\phi(x) = (\tanh x, \tanh^2 x)` for a linear class."""
    t = np.tanh(np.asarray(x, dtype=float)[:, 0])
    return np.stack([t, t * t], axis=1)


target = Logistic(0.6)
