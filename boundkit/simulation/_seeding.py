r"""The seeding scheme of the Monte Carlo harness.

Replicate :math:`r` at sample size :math:`n` uses the seed sequence with spawn key
``(n, 0, r)``, i.e. ``np.random.SeedSequence(seed, spawn_key=(n, 0)).spawn(R)[r]``; the
Monte Carlo estimate of :math:`\mathfrak R_n` uses ``SeedSequence(seed, spawn_key=(n, 1))``.
A block of replicates builds only its own children (no re-spawning of the whole tree), so the
cost of seeding is linear in the number of replicates and the streams are identical for any
block size, number of workers and backend.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SEEDING", "block_seeds", "rademacher_seed", "replicate_seeds"]

#: The seeding scheme, recorded in every configuration.
SEEDING = (
    "replicate r at size n: np.random.SeedSequence(seed, spawn_key=(n, 0)).spawn(R)[r];"
    " R_n estimate: np.random.SeedSequence(seed, spawn_key=(n, 1))"
)


def block_seeds(seed: int, n: int, start: int, stop: int) -> list[np.random.SeedSequence]:
    r"""The seed sequences of replicates ``start:stop`` at sample size ``n``.

    Notes
    -----
    Replicate :math:`r` gets ``SeedSequence(seed, spawn_key=(n, 0, r))``, which is the
    :math:`r`-th child of ``SeedSequence(seed, spawn_key=(n, 0)).spawn(R)`` for every
    :math:`R > r`; only the requested children are built.

    Examples
    --------
    >>> a = block_seeds(7, 10, 3, 5)
    >>> b = replicate_seeds(7, 10, 5)[3:5]
    >>> [s.generate_state(2).tolist() == t.generate_state(2).tolist() for s, t in zip(a, b)]
    [True, True]
    """
    n = int(n)
    return [np.random.SeedSequence(seed, spawn_key=(n, 0, r)) for r in range(start, stop)]


def replicate_seeds(seed: int, n: int, n_replicates: int) -> list[np.random.SeedSequence]:
    """The per-replicate seed sequences at sample size ``n`` (see the module docstring)."""
    return block_seeds(seed, n, 0, int(n_replicates))


def rademacher_seed(seed: int, n: int) -> np.random.SeedSequence:
    r"""The seed sequence of the Monte Carlo estimate of :math:`\mathfrak R_n` at size ``n``."""
    return np.random.SeedSequence(seed, spawn_key=(int(n), 1))
