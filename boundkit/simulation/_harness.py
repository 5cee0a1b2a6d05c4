r"""The Monte Carlo harness: replicates per sample size, exact measurement, bounds, aggregation.

Seeding (:mod:`boundkit.simulation._seeding`): replicate :math:`r` at sample size :math:`n`
uses ``np.random.SeedSequence(seed, spawn_key=(n, 0, r))`` (the :math:`r`-th child of
``SeedSequence(seed, spawn_key=(n, 0))``), and the Monte Carlo estimate of
:math:`\mathfrak R_n` uses ``SeedSequence(seed, spawn_key=(n, 1))``. Replicates are grouped
into blocks (tasks) of a fixed size recorded in the configuration, so results are identical,
bit for bit, for any number of workers and any backend; finished blocks are stored in
``OUT/cells/`` (:mod:`boundkit.simulation._store`, which also locks ``OUT``) so that an
interrupted sweep resumes without recomputing them. Every bound column is computed by
:func:`boundkit.bounds.bound_terms`.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._parallel import check_backend, check_n_jobs, run_tasks
from boundkit._validation import MAX_ELEMENTS, MAX_WORK, check_seed, check_size
from boundkit.bounds import (
    bound_terms,
    c7_pointwise_rhs,
    check_n_delta,
    check_population,
    sum_terms,
)
from boundkit.generators import is_kl
from boundkit.simulation._results import FORMAT_VERSION, SimulationResult, load_results
from boundkit.simulation._seeding import SEEDING, block_seeds, rademacher_seed, replicate_seeds
from boundkit.simulation._store import OutputFolder
from boundkit.simulation._toys import Toy, get_toy

__all__ = ["SimulationResult", "simulate", "load_results", "parse_sizes", "replicate_seeds"]


def parse_sizes(text: str | Iterable[int]) -> list[int]:
    """Parse sample sizes given as ``"10,30,100"`` (or an iterable of ints); each must be >= 2.

    Examples
    --------
    >>> parse_sizes("10, 30,100")
    [10, 30, 100]
    """
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",") if p.strip()]
        try:
            sizes = [int(p) for p in parts]
        except ValueError:
            raise BoundkitError(
                f"sample sizes must be comma-separated integers, e.g. 10,30,100; got {text!r}"
            ) from None
    else:
        sizes = [int(v) for v in text]
    if not sizes:
        raise BoundkitError("give at least one sample size")
    if any(n < 2 for n in sizes):
        raise BoundkitError(f"every sample size n must be >= 2; got {sizes}")
    if len(set(sizes)) != len(sizes):
        raise BoundkitError(f"sample sizes must be distinct; got {sizes}")
    return sizes


_CONTROLLER: Any = None


def _one_blas_thread() -> Any:
    """A context limiting BLAS to one thread, from one ThreadpoolController per process (building
    a controller scans the loaded libraries: doing that per block dominated small blocks)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1)


def _run_block(
    toy: Toy, n: int, seed: int, start: int, stop: int
) -> tuple[int, int, dict[str, np.ndarray]]:
    """Worker task: replicates ``start:stop`` at sample size ``n``."""
    seeds = block_seeds(seed, n, start, stop)
    with _one_blas_thread():
        cols = toy.run_replicates(n, seeds)
    return n, start, {k: np.asarray(v, dtype=float) for k, v in cols.items()}


def _config_hash(config: Mapping[str, Any]) -> str:
    keys = ("toy", "n_replicates", "seed", "block_size", "n_mc", "format")
    blob = json.dumps({k: config[k] for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _bound_column(claim: str, **kw: Any) -> np.ndarray:
    """One bound column, from :func:`boundkit.bounds.bound_terms` (the one bound arithmetic)."""
    return np.asarray(sum_terms(bound_terms(claim, **kw)), dtype=float)


def _derive(
    toy: Toy,
    n: int,
    cols: Mapping[str, np.ndarray],
    start: int,
    delta: float,
    pop: Any,
    rn: float,
    value_range: tuple[float, float] | None,
) -> dict[str, np.ndarray]:
    """Add bounds and derived measurements to one block of replicates."""
    k = len(cols["divergence"])
    out: dict[str, np.ndarray] = {
        "n": np.full(k, n, dtype=np.int64),
        "replicate": np.arange(start, start + k, dtype=np.int64),
    }
    out.update({key: np.asarray(v, dtype=float) for key, v in cols.items()})
    div = out["divergence"]
    out["excess"] = div - pop.divergence_best
    out["improvement"] = pop.divergence_base - div
    out["rademacher_n"] = np.full(k, rn)
    if is_kl(toy.generator):
        best = check_population("C6a", pop.divergence_best)
        common = {"population": best, "n": n, "delta": delta}
        out["bound_C6a"] = _bound_column("C6a", rademacher=out["rademacher_n"], **common)
        if value_range is not None:
            width = value_range[1] - value_range[0]
            out["bound_C6b"] = _bound_column(
                "C6b", rademacher=out["rademacher_n"], width=width, **common
            )
            out["bound_C6c"] = _bound_column(
                "C6c", rademacher=out["rademacher_s"], width=width, **common
            )
    ipm_base = check_population("C7", pop.ipm_base)
    out["c7_rhs_pointwise"] = c7_pointwise_rhs(
        ipm_base, out["divergence_refinement"], out["dev_up"], out["dev_down"]
    )
    out["c7_slack"] = out["c7_rhs_pointwise"] - out["ipm"]
    out["c7_rhs_expectation"] = _bound_column(
        "C7",
        population=ipm_base,
        rademacher=out["rademacher_n"],
        n=n,
        delta=delta,
        refinement_divergence=out["divergence_refinement"],
    )
    if "ipm_empirical" in out:
        out["generalisation_gap"] = out["ipm"] - out["ipm_empirical"]
    if getattr(pop, "stderr", None) is not None:
        # Monte Carlo population: each bound carries the standard error of its population term
        for col in ("bound_C6a", "bound_C6b", "bound_C6c"):
            if col in out:
                out[f"{col}_mc_se"] = np.full(k, pop.se("divergence_best"))
        out["c7_rhs_expectation_mc_se"] = np.full(k, pop.se("ipm_base"))
    return out


def _versions() -> dict[str, str]:
    import joblib
    import scipy

    import boundkit

    out = {
        "boundkit": boundkit.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for mod in ("dask", "distributed", "sklearn"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = getattr(m, "__version__", "?")
    return out


def simulate(
    toy: str | Toy,
    sizes: Sequence[int] | str,
    *,
    n_replicates: int = 200,
    delta: float = 0.05,
    seed: int = 0,
    n_jobs: int = 1,
    backend: str | None = None,
    scheduler: str | None = None,
    out_dir: str | Path | None = None,
    block_size: int = 250,
    n_mc: int = 2000,
    progress: bool | None = None,
    overwrite: bool = False,
) -> SimulationResult:
    r"""Run a Monte Carlo sweep of a toy: R replicates at each sample size.

    Parameters
    ----------
    toy : str or Toy
        A registered toy name (:func:`get_toy`) or a toy.
    sizes : sequence of int or str
        Sample sizes (each >= 2), e.g. ``[10, 30, 100]`` or ``"10,30,100"``.
    n_replicates : int
        Replicates per sample size (>= 2).
    delta : float
        Confidence of the high-probability bounds, in (0, 1).
    seed : int
        Root seed (see the module docstring for the spawn scheme).
    n_jobs : int
        Worker count for joblib (``-1``: all cores). Never changes a number.
    backend : {None, "loky", "threading", "dask", ...}
        joblib backend; ``"dask"`` runs on the dask.distributed cluster at ``scheduler``
        (or on the current default client when no address is given).
    scheduler : str, optional
        Address of a dask scheduler (``tcp://...``) for ``backend="dask"``.
    out_dir : path, optional
        Directory for ``results.csv``, ``results.json`` and the per-block cache ``cells/``;
        a rerun with the same configuration reuses finished blocks.
    block_size : int
        Replicates per task. Part of the configuration (batched linear algebra may round
        differently for another batch shape); the worker count and backend never change a
        number.
    n_mc : int
        Monte Carlo draws for the Rademacher estimates.
    progress : bool, optional
        Show a tqdm bar on stderr (default: when stderr is a terminal; shown only for sweeps
        lasting more than 2 seconds).
    overwrite : bool
        Discard cached blocks of a different configuration in ``out_dir`` instead of failing.

    Returns
    -------
    SimulationResult

    Notes
    -----
    Per replicate: :math:`D = \mathrm{KL}(P\|Q_{h_n})`, ``excess`` :math:`= D -
    \mathrm{KL}(P\|Q_{h^*})`, ``improvement`` :math:`= \mathrm{KL}(P\|Q) - D`, the bounds

    .. math::

        \text{C6a: } \mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R_n,\quad
        \text{C7 (pointwise): } \mathrm{IPM}(P,Q) - D_f(Q_{h_n}\|Q)
        + \sup_H(E_P - E_{P_n})h + \sup_H(E_{P_n} - E_P)h,

    and, for bounded classes, C6b and C6c at ``delta``.

    Examples
    --------
    >>> res = simulate("gauss1d-quadratic", [10, 100], n_replicates=20, seed=1, n_mc=200)
    >>> res.sizes
    [10, 100]
    >>> bool(res.summary()[1]["excess_mean"] < res.summary()[0]["excess_mean"])
    True
    """
    toy = get_toy(toy)
    sizes = parse_sizes(sizes)
    check_n_delta(sizes, delta)
    if int(n_replicates) != n_replicates or n_replicates < 2:
        raise BoundkitError(f"n_replicates must be an integer >= 2; got {n_replicates!r}")
    if int(block_size) != block_size or block_size < 1:
        raise BoundkitError(f"block_size must be a positive integer; got {block_size!r}")
    if isinstance(n_mc, bool) or int(n_mc) != n_mc or n_mc < 2:
        raise BoundkitError(
            f"n_mc (--n-mc) must be an integer >= 2 (Monte Carlo draws of R_n); got {n_mc!r}"
        )
    check_size("the largest sample size n", max(sizes), limit=MAX_ELEMENTS, unit="points")
    check_size(
        "n_replicates x (sum of sizes) x dimension",
        int(n_replicates) * sum(sizes) * max(int(getattr(toy, "dim", 1) or 1), 1),
        limit=MAX_WORK // 100,
        unit="replicate points",
    )
    check_size("n_mc x (largest size)", int(n_mc) * max(sizes), limit=MAX_WORK, unit="signs")
    n_jobs = check_n_jobs(n_jobs)
    backend = check_backend(backend)
    if scheduler is not None and backend not in (None, "dask"):
        raise BoundkitError("--scheduler only makes sense with the dask backend")
    if scheduler is not None:
        backend = "dask"
    checked_seed = check_seed(seed)
    if checked_seed is None:
        raise BoundkitError("seed must be a non-negative integer (the root of the seed tree)")
    n_replicates, block_size, seed = int(n_replicates), int(block_size), checked_seed
    value_range = toy.value_range()
    pop = toy.population()
    if not (np.isfinite(pop.divergence_best) and np.isfinite(pop.divergence_base)):
        raise BoundkitError(
            f"toy {toy.name!r}: D_f(P||Q) = {pop.divergence_base!r}, D_f(P||Q_h*) = "
            f"{pop.divergence_best!r}: an infinite population divergence leaves the excess "
            "undefined (the refinement misses mass of P); choose a generator whose refinement "
            "keeps the support of Q (e.g. kl, reverse_kl)"
        )
    config: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "toy": toy.config(),
        "description": toy.description,
        "sizes": sizes,
        "n_replicates": n_replicates,
        "delta": float(delta),
        "seed": seed,
        "seeding": SEEDING,
        "block_size": block_size,
        "n_mc": int(n_mc),
        "value_range": None if value_range is None else list(value_range),
        "versions": _versions(),
    }
    key = _config_hash(config)
    config["config_hash"] = key
    tasks = [
        (n, start, min(start + block_size, n_replicates))
        for n in sizes
        for start in range(0, n_replicates, block_size)
    ]
    if out_dir is None:
        return _sweep(
            toy, config, tasks, pop, value_range, None, n_jobs, backend, scheduler, progress
        )
    with OutputFolder(out_dir, key, overwrite=overwrite) as folder:
        result = _sweep(
            toy, config, tasks, pop, value_range, folder, n_jobs, backend, scheduler, progress
        )
        result.save(out_dir)
    return result


def _sweep(
    toy: Toy,
    config: dict[str, Any],
    tasks: list[tuple[int, int, int]],
    pop: Any,
    value_range: tuple[float, float] | None,
    folder: OutputFolder | None,
    n_jobs: int,
    backend: str | None,
    scheduler: str | None,
    progress: bool | None,
) -> SimulationResult:
    """Run (or load) every block of ``tasks`` and assemble the table."""
    seed, n_mc, delta = config["seed"], config["n_mc"], config["delta"]
    rademacher: dict[str, dict[str, Any]] = {}
    old = None if folder is None else folder.read_stamp()
    if old is not None:
        rademacher.update(old.get("rademacher", {}))
    for n in config["sizes"]:
        if str(n) not in rademacher:
            est = toy.rademacher(n, rng=rademacher_seed(seed, n), n_mc=n_mc)
            rademacher[str(n)] = est.to_dict()
    if folder is not None:
        folder.write_stamp({"rademacher": rademacher})

    blocks: dict[tuple[int, int], dict[str, np.ndarray]] = {}
    todo = []
    for n, start, stop in tasks:
        cell = None if folder is None else folder.load_cell(n, start, stop)
        if cell is not None:
            blocks[(n, start)] = cell
        else:
            todo.append((n, start, stop))
    if todo:
        _execute(toy, todo, seed, n_jobs, backend, scheduler, progress, blocks, folder)

    table_parts: list[dict[str, np.ndarray]] = []
    for n, start, _ in tasks:
        rn = float(rademacher[str(n)]["estimate"])
        table_parts.append(_derive(toy, n, blocks[(n, start)], start, delta, pop, rn, value_range))
    names = list(table_parts[0])
    table = {k: np.concatenate([p[k] for p in table_parts]) for k in names}
    return SimulationResult(
        config=config,
        table=table,
        population=pop.to_dict(),
        rademacher=rademacher,
    )


def _execute(
    toy: Toy,
    todo: list[tuple[int, int, int]],
    seed: int,
    n_jobs: int,
    backend: str | None,
    scheduler: str | None,
    progress: bool | None,
    blocks: dict[tuple[int, int], dict[str, np.ndarray]],
    folder: OutputFolder | None,
) -> None:
    from tqdm import tqdm

    if progress is None:
        progress = sys.stderr.isatty()
    bar = tqdm(
        total=sum(stop - start for _, start, stop in todo),
        unit="rep",
        desc=f"simulate {toy.name}",
        disable=not progress,
        delay=2.0,
        file=sys.stderr,
    )

    def consume(results: Iterable[tuple[int, int, dict[str, np.ndarray]]]) -> None:
        for n, start, cols in results:
            blocks[(n, start)] = cols
            if folder is not None:
                folder.save_cell(n, start, start + len(cols["divergence"]), cols)
            bar.update(len(cols["divergence"]))

    args = [(toy, n, seed, start, stop) for n, start, stop in todo]
    try:
        consume(
            run_tasks(
                _run_block, args, n_jobs=n_jobs, backend=backend, scheduler=scheduler, ordered=False
            )
        )
    finally:
        bar.close()
