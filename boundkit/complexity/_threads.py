r"""BLAS thread limits for the hot loops and the parallel workers of the complexity calculator.

The Monte Carlo kernels multiply thin blocks (a few feature columns against a block of sign
vectors): memory-bound work that gains nothing from BLAS threads and loses a lot when the
threads oversubscribe a busy machine or the cores already used by joblib workers. They run
under :func:`blas_threads` (``threadpoolctl``), so their time does not depend on how many
other processes compete for the cores.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []

_CONTROLLER: Any = None


def blas_threads(limit: int = 1) -> Any:
    """A context manager limiting the BLAS thread pools to ``limit`` threads (the controller,
    which inspects the loaded libraries, is built once per process)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=limit, user_api="blas")
