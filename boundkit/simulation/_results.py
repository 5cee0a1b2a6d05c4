r"""The result of a Monte Carlo sweep: the tidy table, its summary, CSV/JSON I/O."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit._json import jsonable
from boundkit.bounds import HIGH_PROBABILITY, bound_terms, sum_terms
from boundkit.simulation._store import atomic_write_bytes

__all__ = ["RESULTS_CSV", "RESULTS_JSON", "FORMAT_VERSION", "SimulationResult", "load_results"]

RESULTS_CSV = "results.csv"
RESULTS_JSON = "results.json"
FORMAT_VERSION = 1


def _csv_row(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()[:-1]


#: Rows formatted by one ``%`` operation in :func:`_csv_body` (bounds the temporary tuple).
CSV_CHUNK_ROWS = 4096
_INT_COLUMNS = ("n", "replicate")


def _segments(n: np.ndarray) -> list[tuple[int, int]]:
    """The runs ``[start, stop)`` of equal sample size in the column ``n``."""
    if n.size == 0:
        return []
    cuts = np.flatnonzero(n[1:] != n[:-1]) + 1
    edges = [0, *cuts.tolist(), n.size]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _csv_body(first: str, names: list[str], table: Mapping[str, np.ndarray]) -> str:
    """The data lines of the CSV: ``first`` (the quoted toy name), then each column's field.

    Numbers never need quoting, so a line is a ``%`` template (``%d`` for the integer columns,
    ``%r`` for the float ones: ``"%r" % x == repr(x)``) filled for many rows at once. Within a
    run of one sample size, a column whose values are bit-identical (``R_n``, C6a) is formatted
    once and written into the template instead of once per row.
    """
    cols = [np.asarray(table[k], dtype=np.int64 if k in _INT_COLUMNS else float) for k in names]
    if len({c.shape for c in cols}) > 1 or any(c.ndim != 1 for c in cols):
        raise ValueError("the columns of a table are 1-d and of one length")
    if not cols or cols[0].size == 0:
        return ""
    ints = [k in _INT_COLUMNS for k in names]
    # "%d" of a float holding an integer below 2**53 is that integer's digits: the varying
    # columns of a run go into one float matrix (exact for these integers), else object rows
    exact = all(not i or np.all(np.abs(c) < 2**53) for c, i in zip(cols, ints, strict=True))
    lines: list[str] = []
    prefix = first.replace("%", "%%") + ","
    for lo, hi in _segments(np.asarray(table["n"]) if "n" in table else np.zeros(len(cols[0]))):
        fields, varying = [], []
        for col, is_int in zip(cols, ints, strict=True):
            seg = col[lo:hi]
            bits = seg.view(np.int64)
            if bits.size > 1 and np.all(bits == bits[0]):
                text = str(int(seg[0])) if is_int else repr(float(seg[0]))
                fields.append(text.replace("%", "%%"))
            else:
                fields.append("%d" if is_int else "%r")
                varying.append(seg)
        template = prefix + ",".join(fields) + "\n"
        if not varying:
            lines.append(template.replace("%%", "%") * (hi - lo))
            continue
        values = np.empty((hi - lo, len(varying)), dtype=float if exact else object)
        for j, seg in enumerate(varying):
            values[:, j] = seg if exact else seg.tolist()
        for a in range(0, hi - lo, CSV_CHUNK_ROWS):
            chunk = values[a : a + CSV_CHUNK_ROWS]
            lines.append((template * len(chunk)) % tuple(chunk.ravel().tolist()))
    return "".join(lines)


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

        Computed by :func:`boundkit.bounds.bound_terms` from the stored population term,
        :math:`\mathfrak R_n` (C6b) or the replicate's :math:`\hat{\mathfrak R}_S` (C6c) and
        the range of the class.

        Notes
        -----
        C6b: :math:`\mathrm{KL}(P\|Q_{h^*}) + 2\mathfrak R_n + 2(b-a)\sqrt{\log(2/\delta)/(2n)}`;
        C6c: :math:`\mathrm{KL}(P\|Q_{h^*}) + 2\hat{\mathfrak R}_S + 4(b-a)\sqrt{\log(3/\delta)
        /(2n)}`.
        """
        vr = self.value_range
        if vr is None:
            raise BoundkitError(
                f"{claim} needs a bounded class; toy {self.config['toy']['name']!r} is unbounded"
            )
        if claim not in HIGH_PROBABILITY:
            raise BoundkitError(f"hp_bound computes C6b or C6c, not {claim!r}")
        column = "rademacher_n" if claim == "C6b" else "rademacher_s"
        return sum_terms(
            bound_terms(
                claim,
                population=float(self.population["divergence_best"]),
                rademacher=np.asarray(self.table[column]),
                n=np.asarray(self.table["n"]),
                delta=delta,
                width=vr[1] - vr[0],
            )
        )

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
        s/\sqrt R`; with a Monte Carlo population (a ``<name>_mc_se`` column)
        :math:`\mathrm{se} = \sqrt{s^2/R + \overline{\mathrm{se}}_{MC}^2}`, the replicate part
        and the mean Monte Carlo se also reported (``<name>_se_replicates``, ``<name>_mc_se``).
        The ratio of a C6 bound to the measured gap is
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
                mc_col = f"{name}_mc_se"
                if mc_col in self.table:
                    # Monte Carlo population: its error is common to the replicates (one
                    # support), so it adds to their spread; the mean of the per-replicate se
                    # bounds the se of the mean (Minkowski)
                    mc = float(np.mean(self.column(mc_col, m)))
                    row[f"{name}_se_replicates"] = se
                    row[f"{name}_mc_se"] = mc
                    se = float(np.hypot(se, mc))
                row[f"{name}_mean"] = mean
                row[f"{name}_se"] = se
                row[f"{name}_ci_low"] = mean - 1.96 * se
                row[f"{name}_ci_high"] = mean + 1.96 * se
            ex = row["excess_mean"]
            if "bound_C6a" in self.table:
                c6a = float(self.column("bound_C6a", m)[0])
                row["bound_C6a"] = c6a
                if "bound_C6a_mc_se" in self.table:
                    row["bound_C6a_mc_se"] = float(self.column("bound_C6a_mc_se", m)[0])
                row["ratio_C6a"] = (c6a - best) / ex if ex > 0 else float("inf")
            if "c7_rhs_expectation" in self.table:
                row["bound_C7"] = float(self.column("c7_rhs_expectation", m).mean())
                if "c7_rhs_expectation_mc_se" in self.table:
                    row["bound_C7_mc_se"] = float(self.column("c7_rhs_expectation_mc_se", m)[0])
                row["c7_pointwise_violations"] = int((self.column("c7_slack", m) < 0).sum())
            for claim in ("C6b", "C6c"):
                col = f"bound_{claim}"
                if col in self.table:
                    b = self.column(col, m)
                    row[f"{col}_mean"] = float(b.mean())
                    if f"{col}_mc_se" in self.table:
                        row[f"{col}_mean_mc_se"] = float(self.column(f"{col}_mc_se", m)[0])
                    row[f"violation_rate_{claim}"] = float(
                        (self.column("divergence", m) > b).mean()
                    )
                    row[f"ratio_{claim}"] = float(b.mean() - best) / ex if ex > 0 else float("inf")
            out.append(row)
        return out

    # ------------------------------------------------------------------ I/O
    def to_csv(self, path: str | Path) -> Path:
        """Write the tidy per-replicate table: one row per replicate, ``toy`` first, the
        integer columns ``n`` and ``replicate`` as integers and every other column as the
        ``repr`` of its float (the shortest string that reads back to the same float, at most
        17 significant digits), i.e. the bytes :class:`csv.writer` writes for these fields."""
        path = Path(path)
        names = list(self.table)
        head, first = _csv_row(["toy", *names]), _csv_row([self.config["toy"]["name"]])
        body = _csv_body(first, names, self.table)
        atomic_write_bytes(path, (head + "\n" + body).encode())
        return path

    def to_dict(self) -> dict[str, Any]:
        """Configuration, population terms, R_n and the summary as a JSON-ready dictionary
        (non-finite floats as the strings ``"inf"``/``"nan"``)."""
        doc = {
            "format": FORMAT_VERSION,
            "config": self.config,
            "population": self.population,
            "rademacher": self.rademacher,
            "summary": self.summary(),
            "tightness": self.tightness(),
        }
        return jsonable(doc)

    def tightness(self, *, holdout: bool = False, toy: Any = None) -> dict[str, dict[str, Any]]:
        """Bound / measured per n, its median and both fitted slopes, per bound family
        (see :func:`boundkit.simulation.tightness`; ``toy``: the experiment that was run,
        when it is not registered)."""
        from boundkit.simulation._tightness import tightness

        return tightness(self, holdout=holdout, toy=toy)

    def to_json(self, path: str | Path) -> Path:
        """Write configuration, seeds, versions, population terms, R_n and the summary."""
        path = Path(path)
        atomic_write_bytes(path, json.dumps(self.to_dict(), indent=2).encode())
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
    try:
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
        config, population, rademacher = doc["config"], doc["population"], doc["rademacher"]
        population = {k: float(v) for k, v in population.items()}
    except (ValueError, KeyError, IndexError, TypeError, StopIteration, UnicodeDecodeError):
        raise BoundkitError(
            f"the results in {out} are corrupt: recompute them (simulate --out {out} --overwrite)"
        ) from None
    return SimulationResult(
        config=config,
        table=table,
        population=population,
        rademacher=rademacher,
    )
