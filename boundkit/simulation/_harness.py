r"""The Monte Carlo harness: replicates per sample size, exact measurement, bounds, aggregation.

Seeding: replicate :math:`r` at sample size :math:`n` uses
``np.random.SeedSequence(seed, spawn_key=(n, 0)).spawn(R)[r]`` (spawn key ``(n, 0, r)``), and
the Monte Carlo estimate of :math:`\mathfrak R_n` uses ``SeedSequence(seed, spawn_key=(n, 1))``.
Replicates are grouped into blocks (tasks) of a fixed size recorded in the configuration, so
results are identical, bit for bit, for any number of workers and any backend; finished blocks
are stored in ``OUT/cells/`` so that an interrupted sweep resumes without recomputing them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.bounds import check_n_delta, deviation_term
from boundkit.complexity._results import _jsonable
from boundkit.simulation._toys import Toy, get_toy

__all__ = ["SimulationResult", "simulate", "load_results", "parse_sizes", "replicate_seeds"]

RESULTS_CSV = "results.csv"
RESULTS_JSON = "results.json"
_FORMAT_VERSION = 1


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


def replicate_seeds(seed: int, n: int, n_replicates: int) -> list[np.random.SeedSequence]:
    """The per-replicate seed sequences at sample size ``n`` (see the module docstring)."""
    return np.random.SeedSequence(seed, spawn_key=(int(n), 0)).spawn(int(n_replicates))


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


def _run_block(
    toy: Toy, n: int, seed: int, n_replicates: int, start: int, stop: int
) -> tuple[int, int, dict[str, np.ndarray]]:
    """Worker task: replicates ``start:stop`` at sample size ``n``."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        threadpool_limits = None
    seeds = replicate_seeds(seed, n, n_replicates)[start:stop]
    if threadpool_limits is not None:
        with threadpool_limits(limits=1):
            cols = toy.run_replicates(n, seeds)
    else:  # pragma: no cover
        cols = toy.run_replicates(n, seeds)
    return n, start, {k: np.asarray(v, dtype=float) for k, v in cols.items()}


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _save_cell(path: Path, cols: Mapping[str, np.ndarray]) -> None:
    import io

    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in cols.items()})  # type: ignore[arg-type]
    _atomic_write_bytes(path, buf.getvalue())


def _load_cell(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _config_hash(config: Mapping[str, Any]) -> str:
    keys = ("toy", "n_replicates", "seed", "block_size", "n_mc", "format")
    blob = json.dumps({k: config[k] for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SimulationResult:
    r"""Per-replicate measurements and bounds of a Monte Carlo sweep.

    Attributes
    ----------
    config : mapping
        Toy, sample sizes, replicates, delta, seed, block size, versions.
    table : mapping of str to ndarray
        Tidy per-replicate columns (one row per (n, replicate)); see :func:`simulate`.
    population : mapping
        Exact population terms of the toy.
    rademacher : mapping
        For each n (as a string) the estimate of :math:`\mathfrak R_n` (value, se, method, upper).
    """

    config: Mapping[str, Any]
    table: Mapping[str, np.ndarray]
    population: Mapping[str, float]
    rademacher: Mapping[str, Mapping[str, Any]]

    @property
    def sizes(self) -> list[int]:
        """The sample sizes of the sweep, increasing."""
        return sorted(int(n) for n in np.unique(self.table["n"]))

    @property
    def delta(self) -> float:
        """The confidence parameter of the sweep."""
        return float(self.config["delta"])

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The range [a, b] of the class on the support of P (None if unbounded)."""
        vr = self.config.get("value_range")
        return None if vr is None else (float(vr[0]), float(vr[1]))

    def column(self, name: str, n: int | None = None) -> np.ndarray:
        """One column of the table, optionally restricted to sample size ``n``."""
        if name not in self.table:
            raise BoundkitError(f"no column {name!r}; columns are {', '.join(self.table)}")
        col = np.asarray(self.table[name])
        if n is None:
            return col
        return col[np.asarray(self.table["n"]) == n]

    def hp_bound(self, claim: str, delta: float) -> np.ndarray:
        r"""The high-probability bound ``claim`` (C6b or C6c) per replicate at another delta.

        Notes
        -----
        C6b: :math:`\mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R_n + 2(b-a)\sqrt{\log(2/\delta)/(2n)}`;
        C6c uses the replicate's :math:`\hat{\mathfrak R}_S` and :math:`4(b-a)\sqrt{\log(3/\delta)
        /(2n)}`.
        """
        vr = self.value_range
        if vr is None:
            raise BoundkitError(
                f"{claim} needs a bounded class; toy {self.config['toy']['name']!r} is unbounded"
            )
        if claim not in ("C6b", "C6c"):
            raise BoundkitError(f"hp_bound computes C6b or C6c, not {claim!r}")
        n = np.asarray(self.table["n"])
        width = vr[1] - vr[0]
        best = float(self.population["divergence_best"])
        if claim == "C6b":
            rn = np.asarray(self.table["rademacher_n"])
            return best + 2 * rn + deviation_term("C6b", n, delta, width)
        rs = np.asarray(self.table["rademacher_s"])
        return best + 2 * rs + deviation_term("C6c", n, delta, width)

    def violation_rate(self, claim: str, delta: float | None = None) -> dict[int, float]:
        """Fraction of replicates (per n) where the measured KL exceeds the HP bound."""
        d = self.delta if delta is None else float(delta)
        viol = np.asarray(self.table["divergence"]) > self.hp_bound(claim, d)
        n = np.asarray(self.table["n"])
        return {m: float(viol[n == m].mean()) for m in self.sizes}

    def summary(self) -> list[dict[str, Any]]:
        r"""Aggregates per sample size: means with standard errors and 95% intervals,
        violation rates of the high-probability bounds, ratios bound / measured gap.

        Notes
        -----
        The 95% interval is :math:`\bar x \pm 1.96\,\mathrm{se}`, :math:`\mathrm{se} =
        s/\sqrt R`. The ratio of a C6 bound to the measured gap is
        :math:`(\text{bound} - \mathrm{KL}(P\|Q_{h^*})) / \overline{\text{excess}}`.
        """
        out = []
        best = float(self.population["divergence_best"])
        measured = [
            "divergence",
            "excess",
            "improvement",
            "ipm",
            "divergence_refinement",
            "generalisation_gap",
            "c7_slack",
        ]
        for m in self.sizes:
            row: dict[str, Any] = {"n": m, "replicates": int((self.table["n"] == m).sum())}
            for name in measured:
                if name not in self.table:
                    continue
                x = self.column(name, m)
                with np.errstate(invalid="ignore", over="ignore"):
                    mean = float(x.mean())
                    finite = bool(np.all(np.isfinite(x)))
                    se = float(x.std(ddof=1) / np.sqrt(x.size)) if finite else float("inf")
                row[f"{name}_mean"] = mean
                row[f"{name}_se"] = se
                row[f"{name}_ci_low"] = mean - 1.96 * se
                row[f"{name}_ci_high"] = mean + 1.96 * se
            ex = row["excess_mean"]
            if "bound_C6a" in self.table:
                c6a = float(self.column("bound_C6a", m)[0])
                row["bound_C6a"] = c6a
                row["ratio_C6a"] = (c6a - best) / ex if ex > 0 else float("inf")
            if "c7_rhs_expectation" in self.table:
                row["bound_C7"] = float(self.column("c7_rhs_expectation", m).mean())
                row["c7_pointwise_violations"] = int((self.column("c7_slack", m) < 0).sum())
            for claim in ("C6b", "C6c"):
                col = f"bound_{claim}"
                if col in self.table:
                    b = self.column(col, m)
                    row[f"{col}_mean"] = float(b.mean())
                    row[f"violation_rate_{claim}"] = float(
                        (self.column("divergence", m) > b).mean()
                    )
                    row[f"ratio_{claim}"] = float(b.mean() - best) / ex if ex > 0 else float("inf")
            out.append(row)
        return out

    # ------------------------------------------------------------------ I/O
    def to_csv(self, path: str | Path) -> Path:
        """Write the tidy per-replicate table (floats with 17 significant digits)."""
        path = Path(path)
        names = list(self.table)
        cols = [np.asarray(self.table[k]) for k in names]
        lines = []
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["toy", *names])
        toy = self.config["toy"]["name"]
        for i in range(len(cols[0])):
            row = [toy]
            for k, c in zip(names, cols, strict=True):
                v = c[i]
                if k in ("n", "replicate"):
                    row.append(str(int(v)))
                else:
                    row.append(repr(float(v)))
            w.writerow(row)
        lines.append(buf.getvalue())
        _atomic_write_bytes(path, "".join(lines).encode())
        return path

    def to_json(self, path: str | Path) -> Path:
        """Write configuration, seeds, versions, population terms, R_n and the summary."""
        path = Path(path)
        doc = {
            "format": _FORMAT_VERSION,
            "config": self.config,
            "population": self.population,
            "rademacher": self.rademacher,
            "summary": self.summary(),
        }
        _atomic_write_bytes(path, json.dumps(_jsonable(doc), indent=2).encode())
        return path

    def save(self, out_dir: str | Path) -> tuple[Path, Path]:
        """Write ``results.csv`` and ``results.json`` into ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        return self.to_csv(out / RESULTS_CSV), self.to_json(out / RESULTS_JSON)


def load_results(out_dir: str | Path) -> SimulationResult:
    """Load a :class:`SimulationResult` written by :func:`simulate` (``results.csv/.json``)."""
    out = Path(out_dir)
    jpath, cpath = out / RESULTS_JSON, out / RESULTS_CSV
    if not jpath.exists() or not cpath.exists():
        raise BoundkitError(f"{out} does not hold {RESULTS_CSV} and {RESULTS_JSON}")
    doc = json.loads(jpath.read_text())
    with open(cpath, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    table: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        if name == "toy":
            continue
        vals = [r[j] for r in rows]
        if name in ("n", "replicate"):
            table[name] = np.array([int(v) for v in vals], dtype=np.int64)
        else:
            table[name] = np.array([float(v) for v in vals])
    return SimulationResult(
        config=doc["config"],
        table=table,
        population={k: float(v) for k, v in doc["population"].items()},
        rademacher=doc["rademacher"],
    )


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
    kl = str(toy.generator).lower() == "kl"
    if kl:
        out["bound_C6a"] = np.full(k, pop.divergence_best + 2 * rn)
    if kl and value_range is not None:
        width = value_range[1] - value_range[0]
        out["bound_C6b"] = np.full(
            k, pop.divergence_best + 2 * rn + float(deviation_term("C6b", n, delta, width))
        )
        out["bound_C6c"] = (
            pop.divergence_best
            + 2 * out["rademacher_s"]
            + float(deviation_term("C6c", n, delta, width))
        )
    rhs = pop.ipm_base - out["divergence_refinement"] + out["dev_up"] + out["dev_down"]
    out["c7_rhs_pointwise"] = rhs
    out["c7_slack"] = rhs - out["ipm"]
    out["c7_rhs_expectation"] = pop.ipm_base - out["divergence_refinement"] + 4 * rn
    if "ipm_empirical" in out:
        out["generalisation_gap"] = out["ipm"] - out["ipm_empirical"]
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
    if n_jobs == 0:
        raise BoundkitError("n_jobs must be a positive integer or -1")
    if scheduler is not None and backend not in (None, "dask"):
        raise BoundkitError("--scheduler only makes sense with the dask backend")
    if scheduler is not None:
        backend = "dask"
    n_replicates, block_size, seed = int(n_replicates), int(block_size), int(seed)
    value_range = toy.value_range()
    pop = toy.population()
    config: dict[str, Any] = {
        "format": _FORMAT_VERSION,
        "toy": toy.config(),
        "description": toy.description,
        "sizes": sizes,
        "n_replicates": n_replicates,
        "delta": float(delta),
        "seed": seed,
        "seeding": (
            "replicate r at size n: np.random.SeedSequence(seed, spawn_key=(n, 0)).spawn(R)[r];"
            " R_n estimate: np.random.SeedSequence(seed, spawn_key=(n, 1))"
        ),
        "block_size": block_size,
        "n_mc": int(n_mc),
        "value_range": None if value_range is None else list(value_range),
        "versions": _versions(),
    }
    key = _config_hash(config)
    config["config_hash"] = key

    cells_dir: Path | None = None
    rademacher: dict[str, dict[str, Any]] = {}
    if out_dir is not None:
        out = Path(out_dir)
        cells_dir = out / "cells"
        cells_dir.mkdir(parents=True, exist_ok=True)
        stamp = cells_dir / "config.json"
        if stamp.exists():
            old = json.loads(stamp.read_text())
            if old.get("config_hash") != key:
                if not overwrite:
                    raise BoundkitError(
                        f"{out} holds results of a different configuration; use another "
                        "output directory or overwrite=True (--overwrite)"
                    )
                for p in cells_dir.glob("*.npz"):
                    p.unlink()
            else:
                rademacher.update(old.get("rademacher", {}))

    for n in sizes:
        if str(n) not in rademacher:
            est = toy.rademacher(n, rng=np.random.SeedSequence(seed, spawn_key=(n, 1)), n_mc=n_mc)
            rademacher[str(n)] = est.to_dict()
    if cells_dir is not None:
        _atomic_write_bytes(
            cells_dir / "config.json",
            json.dumps(_jsonable({"config_hash": key, "rademacher": rademacher})).encode(),
        )

    tasks = [
        (n, start, min(start + block_size, n_replicates))
        for n in sizes
        for start in range(0, n_replicates, block_size)
    ]
    blocks: dict[tuple[int, int], dict[str, np.ndarray]] = {}
    todo = []
    for n, start, stop in tasks:
        path = None if cells_dir is None else cells_dir / f"n{n}_r{start}-{stop}.npz"
        if path is not None and path.exists():
            blocks[(n, start)] = _load_cell(path)
        else:
            todo.append((n, start, stop))

    if todo:
        _execute(
            toy, todo, seed, n_replicates, n_jobs, backend, scheduler, progress, blocks, cells_dir
        )

    table_parts: list[dict[str, np.ndarray]] = []
    for n, start, _ in tasks:
        rn = float(rademacher[str(n)]["value"])
        table_parts.append(_derive(toy, n, blocks[(n, start)], start, delta, pop, rn, value_range))
    names = list(table_parts[0])
    table = {k: np.concatenate([p[k] for p in table_parts]) for k in names}
    result = SimulationResult(
        config=config,
        table=table,
        population=pop.to_dict(),
        rademacher=rademacher,
    )
    if out_dir is not None:
        result.save(out_dir)
    return result


def _execute(
    toy: Toy,
    todo: list[tuple[int, int, int]],
    seed: int,
    n_replicates: int,
    n_jobs: int,
    backend: str | None,
    scheduler: str | None,
    progress: bool | None,
    blocks: dict[tuple[int, int], dict[str, np.ndarray]],
    cells_dir: Path | None,
) -> None:
    import joblib
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
            if cells_dir is not None:
                stop = start + len(cols["divergence"])
                _save_cell(cells_dir / f"n{n}_r{start}-{stop}.npz", cols)
            bar.update(len(cols["divergence"]))

    calls = (
        joblib.delayed(_run_block)(toy, n, seed, n_replicates, start, stop)
        for n, start, stop in todo
    )
    try:
        if backend == "dask":
            _run_dask(calls, n_jobs, scheduler, consume)
        elif n_jobs == 1 and backend is None:
            consume(_run_block(toy, n, seed, n_replicates, s, e) for n, s, e in todo)
        else:
            kwargs = {} if backend is None else {"backend": backend}
            with joblib.parallel_config(**kwargs):
                consume(joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(calls))
    finally:
        bar.close()


def _run_dask(calls: Any, n_jobs: int, scheduler: str | None, consume: Any) -> None:
    import joblib

    try:
        from distributed import Client, get_client
    except ImportError:  # pragma: no cover
        raise BoundkitError(
            "the dask backend needs dask.distributed (pip install dask[distributed])"
        ) from None
    if scheduler is not None:
        client = Client(scheduler)
        owned = True
    else:
        try:
            client = get_client()
        except ValueError:
            raise BoundkitError(
                "the dask backend needs a scheduler address (--scheduler tcp://HOST:PORT) or a "
                "running dask.distributed Client"
            ) from None
        owned = False
    try:
        with joblib.parallel_config(backend="dask"):
            consume(joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")(calls))
    finally:
        if owned:
            client.close()
