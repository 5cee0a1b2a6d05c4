"""Registration of boundkit's built-in toys (imported on first use of the toy registry)."""

from __future__ import annotations

from boundkit.simulation._finite_toy import FiniteToy
from boundkit.simulation._gauss1d import Gauss1DQuadratic
from boundkit.simulation._mixture import mixture1d, mixture1d_kde, mixture1d_rkhs, mixture2d
from boundkit.simulation._relu_toy import mixture1d_relu
from boundkit.simulation._toys import register_toy

register_toy(Gauss1DQuadratic(), overwrite=True)
register_toy(FiniteToy, name="finite", overwrite=True)
register_toy(mixture1d, name="mixture1d", overwrite=True)
register_toy(mixture2d, name="mixture2d", overwrite=True)
register_toy(mixture1d_rkhs, name="mixture1d-rkhs", overwrite=True)
register_toy(mixture1d_kde, name="mixture1d-kde", overwrite=True)
register_toy(mixture1d_relu, name="mixture1d-relu", overwrite=True)
