r"""Experiment spec files (TOML): P, Q, class, generator, sizes, replicates, delta, seed, output.

A spec names a registered toy (``toy = "finite"``, including toys registered by a plugin) or
describes an experiment from parts::

    name = "my-experiment"
    generator = "kl"                      # catalogue name, expression in u, "plugin:NAME"
                                          # (a Generator of a --plugin module), or a table:
                                          # [generator] name = "kl" | alpha = 0.5 |
                                          #             expression = "u*log(u) - u + 1"

    [P]                                   # kind: finite | gaussian | mixture | grid |
                                          # sklearn | refined | python (see below)
                                          # (gaussian, mixture: any dimension)
    kind = "mixture"
    weights = [0.75, 0.25]
    means = [[-1.0], [2.0]]
    covs = [[[0.36]], [[0.16]]]

    [Q]
    kind = "gaussian"
    mean = [0.0]
    cov = [[2.0]]

    [class]                               # kind: linear | rkhs | relu2
    kind = "linear"
    features = "rff"                      # identity | poly | rff
    n_components = 12
    B = 2.0

    [population]                          # optional
    kind = "auto"                         # auto | finite | grid | monte-carlo
    n_grid = 401                          # grid: cells per axis
    value_range = [-2.83, 2.83]
    mc_size = 20000                       # monte-carlo: points of P plus points of Q
    mc_seed = 0                           # monte-carlo: seed of that sample

    [run]
    sizes = [10, 30, 100]
    replicates = 200
    delta = 0.05
    seed = 0
    out = "results/my-experiment"         # relative to the spec file

    [figures]                             # optional
    out = "figures/my-experiment"

The other distribution kinds (:mod:`boundkit.simulation._spec_kinds`)::

    [P]                                   # a scikit-learn density fitted at load time
    kind = "sklearn"
    model = "GaussianMixture"             # | BayesianGaussianMixture | KernelDensity
    data = "iris"                         # bundled with scikit-learn, or "my.csv" / "my.npy"
                                          # (relative to the spec file); standardised
    pca = 1                               # optional: first principal components
    n_components = 3                      # covariance_type, reg_covar, random_state, max_iter;
    random_state = 0                      # KernelDensity: bandwidth

    [Q]                                   # Q_h = duality.refine(base, h, f)
    kind = "refined"
    h = "0.4*x - 0.1*x**2"                # expression in x (x1, x2, ...), "plugin:NAME", or a
                                          # [Q.h] table: features/degree/... + weights, or A, b, c
    generator = "kl"                      # default: the spec's generator
    [Q.base]
    kind = "gaussian"
    mean = [0.0]
    cov = [[2.0]]

    [P]                                   # a density given by an expression on a box
    kind = "grid"
    logpdf = "-(x**2 - 1)**2 / 0.5"       # unnormalised, in x (x1, x2 in 2-D)
    box = [[-3.0, 3.0]]
    cells = 200

    [P]                                   # an object of a --plugin module (models.as_model)
    kind = "python"
    object = "plugin:target"

    [class]                               # also: features = "plugin:phi" (a callable feature
    kind = "python"                       # map of a linear class)
    object = "plugin:my_class"

A refined model that is not sampled exactly (not a finite base, nor KL with a quadratic h on a
Gaussian) is refused as P and for a Monte Carlo population; it gets its base's quadrature box.

Every error names the key, the value and what was expected, on one line.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = ["ExperimentSpec", "load_spec", "read_toml"]

_TOP = (
    "name",
    "description",
    "toy",
    "generator",
    "P",
    "Q",
    "class",
    "population",
    "run",
    "figures",
)
_RUN = ("sizes", "replicates", "delta", "seed", "n_mc", "block_size", "workers", "out")
_POP = ("kind", "box", "n_grid", "value_range", "fit_seed", "mc_size", "mc_seed")
_POP_KINDS = ("auto", "finite", "grid", "monte-carlo")
_GEN = ("name", "alpha", "expression")
_DIST = {
    "finite": ("atoms", "weights"),
    "gaussian": ("mean", "cov"),
    "mixture": ("weights", "means", "covs"),
    "grid": ("axes", "density"),
}
#: Kinds read by :mod:`boundkit.simulation._spec_kinds` (their keys are checked there).
_MORE_DIST = ("sklearn", "refined", "python")
_DIST_KINDS = (*_DIST, *_MORE_DIST)
_CLASS = {
    "linear": ("features", "degree", "n_components", "gamma", "p", "B", "bias", "rng"),
    "rkhs": ("kernel", "B", "gamma", "degree", "coef0"),
    "relu2": ("width", "B1", "B2", "n_restarts", "max_iter", "rng"),
    "python": ("object",),
}


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file (``tomllib``, or ``tomli`` on Python 3.10) into a dictionary."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    p = Path(path)
    if not p.is_file():
        raise BoundkitError(f"spec file {p} does not exist")
    try:
        with open(p, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BoundkitError(f"spec {p}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise BoundkitError(f"spec {p}: not valid TOML (not UTF-8 text)") from None


class _Where:
    """Formats one-line spec errors: file, key, value and the expectation; carries what the
    parts need (the spec's folder, the plugin namespaces, the spec's generator value)."""

    def __init__(self, path: Path, plugins: Sequence[Any] = (), generator: Any = "kl") -> None:
        self.path = path
        self.plugins = tuple(plugins)
        self.generator = generator

    def error(self, key: str, value: Any, expected: str) -> BoundkitError:
        text = repr(value)
        if len(text) > 80:
            text = text[:77] + "..."
        return BoundkitError(f"spec {self.path}: {key} = {text}: expected {expected}")

    def keys(self, table: Any, prefix: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(table, Mapping):
            raise self.error(prefix or "(top level)", table, "a table")
        for k in table:
            if k not in allowed:
                where = f"{prefix}.{k}" if prefix else k
                raise self.error(where, table[k], f"a known key ({', '.join(allowed)})")
        return table


def _number(w: _Where, key: str, v: Any, *, positive: bool = False, integer: bool = False) -> Any:
    ok = isinstance(v, int | float) and not isinstance(v, bool)
    if ok and integer:
        ok = isinstance(v, int)
    if ok:
        ok = math.isfinite(float(v)) and (not positive or v > 0)
    if not ok:
        what = "an integer" if integer else "a finite number"
        raise w.error(key, v, what + (" > 0" if positive else ""))
    return v


def _array(w: _Where, key: str, v: Any) -> Any:
    import numpy as np

    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        raise w.error(key, v, "an array of numbers") from None
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise w.error(key, v, "a non-empty array of finite numbers")
    return arr


def _distribution(w: _Where, label: str, table: Any) -> Any:
    from boundkit import distributions as dist
    from boundkit.simulation import _spec_kinds as kinds

    if not isinstance(table, Mapping) or "kind" not in table:
        raise w.error(f"{label}.kind", None, f"one of {', '.join(_DIST_KINDS)}")
    kind = table["kind"]
    if kind not in _DIST_KINDS:
        raise w.error(f"{label}.kind", kind, f"one of {', '.join(_DIST_KINDS)}")
    if kind == "sklearn":
        return kinds.sklearn_model(w, label, table, w.path.parent)
    if kind == "refined":
        return kinds.refined_model(
            w,
            label,
            table,
            distribution=lambda key, t: _distribution(w, key, t),
            generator=lambda key, v: _generator(w, v, key),
            default_generator=w.generator,
            plugins=w.plugins,
        )
    if kind == "python":
        return _python_distribution(w, label, table)
    if kind == "grid" and "logpdf" in table:
        return kinds.expression_grid(w, label, table)
    if kind == "grid" and ("box" in table or "cells" in table):
        raise w.error(f"{label}.logpdf", None, "a value (box and cells go with a logpdf)")
    w.keys(table, label, ("kind", *_DIST[kind]))
    missing = [k for k in _DIST[kind] if k not in table and not (kind == "mixture" and k == "covs")]
    if missing:
        raise w.error(f"{label}.{missing[0]}", None, f"a value (required for kind {kind!r})")
    a = {k: _array(w, f"{label}.{k}", table[k]) for k in _DIST[kind] if k in table}
    if kind == "gaussian":
        _gaussian_shapes(w, label, table, a)
    try:
        if kind == "finite":
            atoms = a["atoms"] if a["atoms"].ndim == 2 else a["atoms"][:, None]
            return dist.FiniteDistribution(atoms, a["weights"])
        if kind == "gaussian":
            return dist.Gaussian(a["mean"], a["cov"])
        if kind == "mixture":
            return dist.GaussianMixture(a["weights"], a["means"], a.get("covs", 1.0))
        axes = table["axes"]
        if not isinstance(axes, list) or not axes:
            raise w.error(f"{label}.axes", axes, "a list of 1 or 2 arrays of cell centres")
        axes_arr = [_array(w, f"{label}.axes", ax) for ax in axes]
        return dist.GridDensity(axes_arr, a["density"])
    except BoundkitError as exc:
        raise BoundkitError(f"spec {w.path}: [{label}] {exc}") from None


def _python_distribution(w: _Where, label: str, table: Mapping[str, Any]) -> Any:
    """``kind = "python"``: ``object = "plugin:NAME"``, wrapped by
    :func:`boundkit.models.as_model` (a distribution is kept as it is)."""
    from boundkit.models import as_model
    from boundkit.simulation._spec_kinds import plugin_object

    w.keys(table, label, ("kind", "object"))
    if "object" not in table:
        raise w.error(f"{label}.object", None, "a value (\"plugin:NAME\", for kind 'python')")
    obj = plugin_object(w, f"{label}.object", table["object"], w.plugins)
    try:
        model = as_model(obj, name=table["object"])
    except BoundkitError as exc:
        raise w.error(f"{label}.object", table["object"], f"a distribution ({exc})") from None
    if not hasattr(model, "logpdf") or not getattr(model, "has_logpdf", True):
        raise w.error(f"{label}.object", table["object"], "a model with sample and logpdf")
    return model


def _gaussian_shapes(w: _Where, label: str, table: Mapping[str, Any], a: dict[str, Any]) -> None:
    """``mean``: d numbers; ``cov``: a d x d matrix (a number is taken as 1 x 1)."""
    mean = a["mean"]
    if mean.ndim != 1:
        raise w.error(f"{label}.mean", table["mean"], "a list of d numbers (the mean vector)")
    d = mean.size
    cov = a["cov"]
    if cov.ndim == 0 and d == 1:
        cov = a["cov"] = cov.reshape(1, 1)
    if cov.shape != (d, d):
        raise w.error(
            f"{label}.cov", table["cov"], f"a {d} x {d} matrix (d = {d}, the size of {label}.mean)"
        )


def _generator(w: _Where, value: Any, at: str = "generator") -> Any:
    """The generator: a catalogue name or expression in u, or a table with one of ``name``,
    ``alpha`` (the alpha family at that value) or ``expression``; ``at`` is its key."""
    from boundkit.generators import get_generator

    names = "a catalogue name (kl, pearson, ...) or a convex expression in u with f(1) = 0"
    if isinstance(value, int | float | bool | list):
        raise w.error(at, value, "a generator name or an expression in u")
    if isinstance(value, str) and value.startswith("plugin:"):
        from boundkit.generators import Generator
        from boundkit.simulation._spec_kinds import plugin_object

        g = plugin_object(w, at, value, w.plugins)
        if not isinstance(g, Generator):
            raise w.error(at, value, "a boundkit Generator (generators.get_generator(...))")
        return g
    if isinstance(value, str):
        key, text, params = at, value, {}
        if value.strip().lower() == "alpha":
            raise w.error(at, value, f"a value for alpha: [{at}] alpha = 0.5")
    elif isinstance(value, Mapping):
        w.keys(value, at, _GEN)
        given = [k for k in _GEN if k in value]
        if "alpha" in given and value.get("name", "alpha") == "alpha":
            given = ["alpha"]
        if len(given) != 1:
            raise w.error(at, dict(value), "exactly one of name, alpha, expression")
        key = f"{at}.{given[0]}"
        if given[0] == "alpha":
            _number(w, key, value["alpha"])
            text, params = "alpha", {"alpha": float(value["alpha"])}
        else:
            text, params = value[given[0]], {}
            if not isinstance(text, str) or not text.strip():
                raise w.error(key, text, "a non-empty string")
            if given[0] == "name" and text.strip().lower() == "alpha":
                raise w.error(key, text, f"a value for alpha: [{at}] alpha = 0.5")
    else:
        raise w.error(at, value, f"{names}, or a [{at}] table")
    try:
        return get_generator(text, **params)
    except BoundkitError as exc:
        expected = "a real alpha with a convex f_alpha" if params else names
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        shown = params["alpha"] if params else text
        raise w.error(key, shown, f"{expected} ({reason})") from None


def _class(w: _Where, table: Any) -> Any:
    from boundkit import classes

    if not isinstance(table, Mapping) or "kind" not in table:
        raise w.error("class.kind", None, f"one of {', '.join(_CLASS)}")
    kind = table["kind"]
    if kind not in _CLASS:
        raise w.error("class.kind", kind, f"one of {', '.join(_CLASS)}")
    w.keys(table, "class", ("kind", *_CLASS[kind]))
    if kind == "python":
        from boundkit.simulation._spec_kinds import plugin_object

        if "object" not in table:
            raise w.error("class.object", None, "a value (\"plugin:NAME\", for kind 'python')")
        cls = plugin_object(w, "class.object", table["object"], w.plugins)
        if not hasattr(cls, "support_function"):
            raise w.error(
                "class.object", table["object"], "a discriminator class (with support_function)"
            )
        return cls
    kw = {k: v for k, v in table.items() if k != "kind"}
    for k in ("B", "B1", "B2", "gamma", "coef0"):
        if k in kw:
            _number(w, f"class.{k}", kw[k], positive=k != "coef0")
    for k in ("degree", "n_components", "width", "n_restarts", "max_iter", "rng"):
        if k in kw:
            _number(w, f"class.{k}", kw[k], integer=True, positive=k != "rng")
    if kind == "linear":
        feats = kw.get("features", "identity")
        if isinstance(feats, str) and feats.startswith("plugin:"):
            from boundkit.simulation._spec_kinds import plugin_object

            kw["features"] = plugin_object(w, "class.features", feats, w.plugins)
            if not callable(kw["features"]):
                raise w.error("class.features", feats, "a callable feature map phi(x) -> (m, k)")
        elif feats not in ("identity", "poly", "rff"):
            raise w.error("class.features", feats, 'identity, poly, rff or "plugin:NAME"')
        if kw.get("p", 2) not in (1, 2, "inf"):
            raise w.error("class.p", kw.get("p"), '1, 2 or "inf"')
        if "rng" not in kw and feats == "rff":
            kw["rng"] = 0
        return classes.LinearClass(**kw)
    if kind == "rkhs":
        return classes.RKHSBall(**kw)
    return classes.ReLUNetwork2(**kw)


def _check_refined_sampling(w: _Where, P: Any, table: Mapping[str, Any]) -> None:
    """A refined P must be sampled exactly (replicates are samples of P): importance
    resampling is only consistent, so a refined model without exact sampling is refused as P."""
    from boundkit.duality import RefinedDistribution

    if isinstance(P, RefinedDistribution) and P.pmf is None and P.closed_form is None:
        raise w.error(
            "P.kind",
            table["kind"],
            "a target sampled exactly: a refined P needs a finite or grid base, or KL with a "
            "quadratic h on a Gaussian base (other refined models: use them as Q)",
        )


def _refined_population(w: _Where, P: Any, Q: Any, kind: str, pop: dict[str, Any]) -> None:
    """A refined model without exact sampling (Q_h of a Gaussian or mixture base) gets the
    base's quadrature box (:func:`default_box`, 8 standard deviations) when the spec gives none;
    a Monte Carlo population would sample it by importance resampling, so that is refused."""
    from boundkit.duality import RefinedDistribution
    from boundkit.simulation._support import default_box, has_default_box

    approx = [D for D in (P, Q) if isinstance(D, RefinedDistribution) and D.pmf is None]
    approx = [D for D in approx if D.closed_form is None]
    if not approx:
        return
    if kind == "monte-carlo" or P.dim > 2:
        raise w.error(
            "population.kind",
            kind,
            "a grid (dimension 1 or 2): a refined model is sampled approximately, so its "
            "population terms cannot be a Monte Carlo estimate",
        )
    if "box" not in pop:
        stand_in = [D.base if isinstance(D, RefinedDistribution) else D for D in (P, Q)]
        if not has_default_box(*stand_in):
            raise w.error("population.box", None, "a box [[lo, hi], ...] for the refined model")
        pop["box"] = np.asarray(default_box(*stand_in), dtype=float).tolist()


@dataclass(frozen=True)
class ExperimentSpec:
    r"""A parsed spec file: the toy or experiment and the settings of its sweep.

    Attributes
    ----------
    path : Path
        The spec file.
    toy : Toy
        The experiment (or the registered toy it names).
    sizes : list of int
    replicates : int
    delta : float
    seed : int
    n_mc, block_size, workers : int
    out : Path or None
        The results folder (relative paths are relative to the spec file).
    figures_out : Path or None
        Where ``boundkit figures --spec`` writes its figures.
    """

    path: Path
    toy: Any
    sizes: list[int]
    replicates: int = 200
    delta: float = 0.05
    seed: int = 0
    n_mc: int = 2000
    block_size: int = 250
    workers: int = 1
    out: Path | None = None
    figures_out: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def simulate(self, **overrides: Any) -> Any:
        """Run the sweep of the spec (keyword arguments override its settings)."""
        from boundkit.simulation._harness import simulate

        kw: dict[str, Any] = {
            "n_replicates": self.replicates,
            "delta": self.delta,
            "seed": self.seed,
            "n_mc": self.n_mc,
            "block_size": self.block_size,
            "n_jobs": self.workers,
            "out_dir": self.out,
        }
        kw.update(overrides)
        sizes = kw.pop("sizes", self.sizes)
        return simulate(self.toy, sizes, **kw)


def load_spec(path: str | Path, *, plugins: Sequence[Any] = ()) -> ExperimentSpec:
    r"""Read and validate an experiment spec file (TOML); see the module docstring.

    Distributions: ``kind`` finite, gaussian, mixture, grid (values, or a ``logpdf``
    expression on a ``box``), sklearn (a GaussianMixture, BayesianGaussianMixture or
    KernelDensity fitted on a bundled data set or a CSV/NPY file), refined
    (:math:`Q_h`, :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`, :func:`boundkit.duality.refine` of a
    base table) and python (``object = "plugin:NAME"``); classes: linear (features identity,
    poly, rff or ``"plugin:NAME"``), rkhs, relu2, python.

    Parameters
    ----------
    path : path
        The ``.toml`` file.
    plugins : sequence of modules or mappings
        Where ``"plugin:NAME"`` values are looked up (``boundkit simulate --plugin FILE``
        passes the plugin modules); the last namespace defining NAME wins.

    Returns
    -------
    ExperimentSpec

    Raises
    ------
    BoundkitError
        One line naming the key, its value and what was expected.
    """
    from boundkit.simulation._experiment import Experiment
    from boundkit.simulation._toys import get_toy

    p = Path(path)
    doc = read_toml(p)
    w = _Where(p, plugins, doc.get("generator", "kl") if isinstance(doc, Mapping) else "kl")
    w.keys(doc, "", _TOP)
    name = doc.get("name", p.stem)
    if not isinstance(name, str) or not name.strip():
        raise w.error("name", name, "a non-empty string")
    if "toy" in doc:
        extra = [k for k in ("P", "Q", "class", "population", "generator") if k in doc]
        if extra:
            raise w.error(extra[0], doc[extra[0]], "nothing: a spec naming a toy takes no parts")
        if not isinstance(doc["toy"], str):
            raise w.error("toy", doc["toy"], "a registered toy name")
        try:
            toy = get_toy(doc["toy"])
        except BoundkitError as exc:
            raise BoundkitError(f"spec {p}: toy = {doc['toy']!r}: {exc}") from None
    else:
        for k in ("P", "Q", "class"):
            if k not in doc:
                raise w.error(k, None, f"a [{k}] table (or toy = NAME)")
        P = _distribution(w, "P", doc["P"])
        Q = _distribution(w, "Q", doc["Q"])
        if P.dim != Q.dim:
            keys = ("mean", "means", "atoms", "axes", "box", "pca", "object", "base")
            key = next((k for k in keys if k in doc["Q"]), "kind")
            raise w.error(f"Q.{key}", doc["Q"][key], f"points of dimension {P.dim} (that of P)")
        _check_refined_sampling(w, P, doc["P"])
        cls = _class(w, doc["class"])
        gen = _generator(w, doc.get("generator", "kl"))
        pop = dict(w.keys(doc.get("population", {}), "population", _POP))
        kind = pop.pop("kind", "auto")
        if kind not in _POP_KINDS:
            raise w.error("population.kind", kind, f"one of {', '.join(_POP_KINDS)}")
        _refined_population(w, P, Q, kind, pop)
        if "n_grid" in pop:
            _number(w, "population.n_grid", pop["n_grid"], integer=True, positive=True)
        if "fit_seed" in pop:
            _number(w, "population.fit_seed", pop["fit_seed"], integer=True)
        if "mc_size" in pop:
            from boundkit.simulation._mc_support import MIN_MC_SIZE

            _number(w, "population.mc_size", pop["mc_size"], integer=True, positive=True)
            if pop["mc_size"] < MIN_MC_SIZE:
                raise w.error("population.mc_size", pop["mc_size"], f"an integer >= {MIN_MC_SIZE}")
        if "mc_seed" in pop:
            _number(w, "population.mc_seed", pop["mc_seed"], integer=True)
            if pop["mc_seed"] < 0:
                raise w.error("population.mc_seed", pop["mc_seed"], "an integer >= 0")
        for k in ("mc_size", "mc_seed"):
            if k in pop and kind not in ("monte-carlo", "auto"):
                raise w.error(f"population.{k}", pop[k], f'nothing for kind = "{kind}"')
        for k in ("box", "value_range"):
            if k in pop:
                pop[k] = _array(w, f"population.{k}", pop[k]).tolist()
        desc = doc.get("description")
        if desc is not None and not isinstance(desc, str):
            raise w.error("description", desc, "a string")
        try:
            toy = Experiment(P, Q, cls, gen, name=name, population=kind, description=desc, **pop)
        except BoundkitError as exc:
            raise BoundkitError(f"spec {p}: {exc}") from None
    run = w.keys(doc.get("run", {}), "run", _RUN)
    sizes = run.get("sizes", [10, 30, 100, 300, 1000])
    if not isinstance(sizes, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 2 for v in sizes
    ):
        raise w.error("run.sizes", sizes, "a list of distinct integers >= 2")
    if len(set(sizes)) != len(sizes) or not sizes:
        raise w.error("run.sizes", sizes, "a list of distinct integers >= 2")
    settings: dict[str, Any] = {}
    for key, default in (("replicates", 200), ("seed", 0), ("n_mc", 2000), ("block_size", 250)):
        v = run.get(key, default)
        _number(w, f"run.{key}", v, integer=True)
        lowest = {"replicates": 2, "seed": 0, "n_mc": 2, "block_size": 1}[key]
        if v < lowest:
            raise w.error(f"run.{key}", v, f"an integer >= {lowest}")
        settings[key] = int(v)
    workers = run.get("workers", 1)
    _number(w, "run.workers", workers, integer=True)
    if workers == 0 or workers < -1:
        raise w.error("run.workers", workers, "an integer >= 1 or -1 (all cores)")
    delta = run.get("delta", 0.05)
    _number(w, "run.delta", delta)
    if not 0 < delta < 1:
        raise w.error("run.delta", delta, "a number in (0, 1)")

    def _path(key: str, v: Any) -> Path | None:
        if v is None:
            return None
        if not isinstance(v, str) or not v:
            raise w.error(key, v, "a path (relative to the spec file)")
        q = Path(v)
        return q if q.is_absolute() else p.parent / q

    figs = w.keys(doc.get("figures", {}), "figures", ("out",))
    return ExperimentSpec(
        path=p,
        toy=toy,
        sizes=list(sizes),
        delta=float(delta),
        workers=int(workers),
        out=_path("run.out", run.get("out")),
        figures_out=_path("figures.out", figs.get("out")),
        raw=doc,
        **settings,
    )
