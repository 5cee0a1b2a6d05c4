r"""Spec-file parts beyond the closed-form distributions: sklearn models fitted on bundled data,
refined models, densities given by an expression, and objects of a ``--plugin`` module.

Read by :func:`boundkit.simulation.load_spec`; every error names the key, its value and what
was expected, on one line (the ``where`` object of the spec reader formats it).

- ``kind = "sklearn"``: ``model`` (``GaussianMixture``, ``BayesianGaussianMixture`` or
  ``KernelDensity``) fitted when the spec is loaded on ``data`` (a data set bundled with
  scikit-learn, :data:`boundkit.datasets.DATASETS`, or a ``.csv``/``.npy`` path relative to the
  spec), standardised (:func:`boundkit.datasets.load_dataset`) and optionally projected on its
  first ``pca`` principal components (:func:`boundkit.datasets.pca_fit`); wrapped by
  :func:`boundkit.models.as_model` (an exact :class:`~boundkit.distributions.GaussianMixture`:
  a Gaussian KDE with bandwidth :math:`b` on points :math:`x_i` is
  :math:`\frac1n\sum_i\mathcal N(x_i, b^2 I)`).
- ``kind = "refined"``: :math:`Q_h = ` :func:`boundkit.duality.refine` ``(base, h, f)``,
  :math:`dQ_h/dQ = (f^*)'(h - \nu_h)`, with ``base`` a distribution table, ``h`` an expression
  in ``x`` (``x1``, ``x2``, ... in dimension 2 and up), a table of linear features and weights
  (:math:`h(x) = \langle w, \phi(x)\rangle`) or ``"plugin:NAME"``, and ``generator`` (default:
  the spec's generator).
- ``kind = "grid"`` with ``logpdf``: an unnormalised log-density expression in ``x`` on ``box``
  with ``cells`` cells per axis, the piecewise-constant
  :class:`~boundkit.distributions.GridDensity` with density :math:`\propto e^{\ell(x_k)}` at the
  cell centres :math:`x_k`.
- ``kind = "python"``: ``object = "plugin:NAME"``, an object defined in a ``--plugin`` module
  (a distribution, a fitted sklearn density, anything :func:`boundkit.models.as_model` takes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError

__all__ = [
    "PLUGIN_PREFIX",
    "SKLEARN_MODELS",
    "expression_function",
    "expression_grid",
    "linear_function",
    "plugin_object",
    "refined_model",
    "sklearn_model",
]

#: Prefix of a value naming an object of a ``--plugin`` module.
PLUGIN_PREFIX = "plugin:"
#: The scikit-learn density models a spec can fit, with the parameters it passes on.
SKLEARN_MODELS: dict[str, tuple[str, ...]] = {
    "GaussianMixture": ("n_components", "covariance_type", "reg_covar", "random_state"),
    "BayesianGaussianMixture": (
        "n_components",
        "covariance_type",
        "reg_covar",
        "random_state",
        "max_iter",
    ),
    "KernelDensity": ("bandwidth",),
}
_SKLEARN_KEYS = ("kind", "model", "data", "pca", "standardise")
_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_LINEAR_H = ("features", "degree", "n_components", "gamma", "rng", "weights")
#: Largest number of grid cells per axis of an expression density (2-D: its square).
MAX_EXPRESSION_CELLS = 2000


def plugin_object(w: Any, key: str, value: Any, plugins: Sequence[Any]) -> Any:
    """The object ``NAME`` of ``value = "plugin:NAME"``, looked up in the plugin namespaces
    (modules or mappings, the last one defining it wins)."""
    if not isinstance(value, str) or not value.startswith(PLUGIN_PREFIX):
        raise w.error(key, value, f'"{PLUGIN_PREFIX}NAME" (an object of a --plugin module)')
    name = value[len(PLUGIN_PREFIX) :].strip()
    found, have = None, False
    for ns in plugins:
        table = vars(ns) if isinstance(ns, ModuleType) else ns
        if isinstance(table, Mapping) and name in table:
            found, have = table[name], True
    if not have:
        where = (
            "no --plugin was given"
            if not plugins
            else "not defined by the --plugin modules "
            + ", ".join(
                getattr(ns, "__file__", None) or str(getattr(ns, "__name__", ns)) for ns in plugins
            )
        )
        raise w.error(key, value, f"the name of an object of a --plugin module ({where})")
    return found


def _points_symbols(dim: int) -> dict[str, Any]:
    import sympy as sp

    names = ["x"] if dim == 1 else []
    names += [f"x{j + 1}" for j in range(dim)]
    syms = {n: sp.Symbol(n, real=True) for n in names}
    if dim == 1:
        syms["x1"] = syms["x"]
    return syms


def _variables(dim: int) -> str:
    return "x (or x1)" if dim == 1 else ", ".join(f"x{j + 1}" for j in range(dim))


def expression_function(w: Any, key: str, text: Any, dim: int) -> Callable[[np.ndarray], Any]:
    r"""A numpy function ``(m, dim) -> (m,)`` of an arithmetic expression in the coordinates.

    The expression is parsed without evaluation (:func:`boundkit.generators.parse_generator`,
    the one safe parser: numbers, the variables, ``+ - * / **`` and an allowlist of functions);
    the variables are ``x`` (or ``x1``) in dimension 1 and ``x1, ..., xd`` otherwise.
    """
    import sympy as sp

    from boundkit.generators import U, parse_generator

    expected = f"an expression in {_variables(dim)}"
    if not isinstance(text, str) or not text.strip():
        raise w.error(key, text, expected)
    syms = _points_symbols(dim)
    try:
        expr = parse_generator(text, syms)
    except BoundkitError as exc:
        reason = str(exc).splitlines()[0].replace("generator expression", "expression")
        reason = reason.split(": the variable is u")[0]
        raise w.error(key, text, f"{expected} ({reason})") from None
    if U in expr.free_symbols:
        raise w.error(key, text, f"{expected} (u is not a coordinate)")
    order = [syms[f"x{j + 1}"] for j in range(dim)]
    fn = sp.lambdify(order, expr, modules="numpy")

    def h(x: np.ndarray) -> np.ndarray:
        pts = np.asarray(x, dtype=float).reshape(-1, dim)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*(pts[:, j] for j in range(dim))), dtype=float)
        return np.broadcast_to(out, (pts.shape[0],)).copy()

    h.__name__ = "h"
    h.__doc__ = f"h(x) = {text.strip()}"
    return h


def linear_function(w: Any, key: str, table: Mapping[str, Any], dim: int) -> Callable:
    r""":math:`h(x) = \langle w, \phi(x)\rangle` for the features of a
    :class:`~boundkit.classes.LinearClass` (``features``, ``degree``, ``n_components``,
    ``gamma``, ``rng``) and the weights ``weights`` (one per feature)."""
    from boundkit.classes import LinearClass

    w.keys(table, key, _LINEAR_H)
    if "weights" not in table:
        raise w.error(f"{key}.weights", None, "a value (one weight per feature)")
    feats = table.get("features", "identity")
    if feats not in ("identity", "poly", "rff"):
        raise w.error(f"{key}.features", feats, "identity, poly or rff")
    kw = {k: table[k] for k in ("degree", "n_components", "gamma", "rng") if k in table}
    if feats == "rff":
        kw.setdefault("rng", 0)
    try:
        cls = LinearClass(feats, B=1.0, **kw)
        n_feat = cls.design_matrix(np.zeros((1, dim))).shape[1]
    except BoundkitError as exc:
        raise BoundkitError(f"spec {w.path}: [{key}] {exc}") from None
    weights = np.asarray(table["weights"], dtype=float) if _numeric_list(table["weights"]) else None
    if weights is None or weights.ndim != 1 or weights.size != n_feat:
        raise w.error(
            f"{key}.weights",
            table["weights"],
            f"{n_feat} numbers (one per feature, dimension {dim})",
        )

    def h(x: np.ndarray) -> np.ndarray:
        return cls.design_matrix(np.asarray(x, dtype=float).reshape(-1, dim)) @ weights

    h.__name__ = "h"
    return h


def _numeric_list(v: Any) -> bool:
    if not isinstance(v, list) or not v:
        return False
    return all(isinstance(a, int | float) and not isinstance(a, bool) and np.isfinite(a) for a in v)


def _box(w: Any, key: str, v: Any) -> np.ndarray:
    arr = None
    if isinstance(v, list) and v and all(_numeric_list(r) and len(r) == 2 for r in v):
        arr = np.asarray(v, dtype=float)
    if arr is None or arr.shape[0] > 2 or not np.all(arr[:, 0] < arr[:, 1]):
        raise w.error(key, v, "a list of 1 or 2 intervals [lo, hi] with lo < hi (one per axis)")
    return arr


def expression_grid(w: Any, label: str, table: Mapping[str, Any]) -> Any:
    r"""The :class:`~boundkit.distributions.GridDensity` of ``logpdf`` on ``box``, ``cells`` per
    axis: density :math:`\propto \exp(\ell(x_k) - \max_j \ell(x_j))` at the cell centres."""
    from boundkit.distributions import GridDensity

    w.keys(table, label, ("kind", "logpdf", "box", "cells"))
    for k in ("logpdf", "box"):
        if k not in table:
            raise w.error(f"{label}.{k}", None, "a value (required for kind 'grid' with logpdf)")
    box = _box(w, f"{label}.box", table["box"])
    cells = table.get("cells", 200)
    if (
        isinstance(cells, bool)
        or not isinstance(cells, int)
        or not 4 <= cells <= MAX_EXPRESSION_CELLS
    ):
        raise w.error(f"{label}.cells", cells, f"an integer in 4..{MAX_EXPRESSION_CELLS}")
    dim = box.shape[0]
    fn = expression_function(w, f"{label}.logpdf", table["logpdf"], dim)
    axes = [lo + (np.arange(cells) + 0.5) * (hi - lo) / cells for lo, hi in box]
    mesh = np.meshgrid(*axes, indexing="ij")
    pts = np.stack([m.reshape(-1) for m in mesh], axis=1)
    lp = fn(pts)
    if np.any(np.isnan(lp)) or np.any(lp == np.inf) or not np.any(np.isfinite(lp)):
        raise w.error(
            f"{label}.logpdf",
            table["logpdf"],
            "finite values (or -inf) at the cell centres of the box, not NaN or +inf",
        )
    dens = np.exp(lp - np.max(lp[np.isfinite(lp)])).reshape(mesh[0].shape)
    try:
        return GridDensity(axes, dens)
    except BoundkitError as exc:
        raise BoundkitError(f"spec {w.path}: [{label}] {exc}") from None


def sklearn_model(w: Any, label: str, table: Mapping[str, Any], base_dir: Path) -> Any:
    r"""Fit the scikit-learn density model of a ``kind = "sklearn"`` table and wrap it
    (:func:`boundkit.models.as_model`)."""
    from boundkit.datasets import DATASETS, load_dataset, pca_fit
    from boundkit.models import as_model

    model = table.get("model")
    if model not in SKLEARN_MODELS:
        raise w.error(f"{label}.model", model, f"one of {', '.join(SKLEARN_MODELS)}")
    w.keys(table, label, (*_SKLEARN_KEYS, *SKLEARN_MODELS[model]))
    data = table.get("data")
    bundled = f"one of {', '.join(DATASETS)} (bundled with scikit-learn)"
    expected = f"{bundled} or a .csv/.npy file (relative to the spec file)"
    if not isinstance(data, str) or not data.strip():
        raise w.error(f"{label}.data", data, expected)
    if data in DATASETS:
        source: str | Path = data
    else:
        path = Path(data)
        path = path if path.is_absolute() else base_dir / path
        if path.suffix.lower() not in (".csv", ".npy"):
            raise w.error(f"{label}.data", data, f"{expected}; not a bundled data set")
        if not path.is_file():
            raise w.error(f"{label}.data", data, f"{expected}; {path} does not exist")
        source = path
    standardise = table.get("standardise", True)
    if not isinstance(standardise, bool):
        raise w.error(f"{label}.standardise", standardise, "true or false")
    try:
        x = load_dataset(source, standardise=standardise).x
    except BoundkitError as exc:
        raise w.error(f"{label}.data", data, f"{expected} ({exc})") from None
    if "pca" in table:
        k = table["pca"]
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= x.shape[1]:
            raise w.error(f"{label}.pca", k, f"an integer in 1..{x.shape[1]} (the data's columns)")
        x = pca_fit(x, k).transform(x)
    params = {k: table[k] for k in SKLEARN_MODELS[model] if k in table}
    for k, v in params.items():
        if k == "covariance_type":
            if v not in _COVARIANCE_TYPES:
                raise w.error(f"{label}.{k}", v, f"one of {', '.join(_COVARIANCE_TYPES)}")
            continue
        integer = k in ("n_components", "random_state", "max_iter")
        ok = isinstance(v, int) if integer else isinstance(v, int | float)
        ok = (
            ok
            and not isinstance(v, bool)
            and np.isfinite(v)
            and (v >= 0 if k == "random_state" else v > 0)
        )
        if not ok or (k == "n_components" and v > x.shape[0]):
            what = "an integer" if integer else "a number"
            bound = ">= 0" if k == "random_state" else "> 0"
            bound += f" and <= {x.shape[0]} (the data's rows)" if k == "n_components" else ""
            raise w.error(f"{label}.{k}", v, f"{what} {bound}")
    if model == "KernelDensity":
        from sklearn.neighbors import KernelDensity

        est: Any = KernelDensity(kernel="gaussian", **params)
    else:
        from sklearn import mixture

        params.setdefault("random_state", 0)
        est = getattr(mixture, model)(**params)
    est.fit(x)
    return as_model(est, name=f"{model} on {data}")


def refined_model(
    w: Any,
    label: str,
    table: Mapping[str, Any],
    *,
    distribution: Callable[[str, Any], Any],
    generator: Callable[[str, Any], Any],
    default_generator: Any,
    plugins: Sequence[Any],
) -> Any:
    r"""The refined model :math:`Q_h` of a ``kind = "refined"`` table
    (:func:`boundkit.duality.refine`).

    A finite base gives the refined pmf on the same atoms (an exact
    :class:`~boundkit.distributions.FiniteDistribution`); KL with a quadratic ``h`` on a
    Gaussian base its Gaussian closed form; otherwise the
    :class:`~boundkit.duality.RefinedDistribution` itself.
    """
    from boundkit.distributions import FiniteDistribution
    from boundkit.duality import QuadraticFunction, refine

    w.keys(table, label, ("kind", "base", "h", "generator"))
    for k in ("base", "h"):
        if k not in table:
            raise w.error(f"{label}.{k}", None, "a value (required for kind 'refined')")
    base = distribution(f"{label}.base", table["base"])
    h_spec = table["h"]
    if isinstance(h_spec, str) and h_spec.startswith(PLUGIN_PREFIX):
        h = plugin_object(w, f"{label}.h", h_spec, plugins)
        if not callable(h):
            raise w.error(f"{label}.h", h_spec, "a callable h(x) of points (m, d)")
    elif isinstance(h_spec, str):
        h = expression_function(w, f"{label}.h", h_spec, base.dim)
    elif isinstance(h_spec, Mapping) and set(h_spec) <= {"A", "b", "c"}:
        try:
            h = QuadraticFunction(
                h_spec.get("A", [[0.0] * base.dim] * base.dim),
                h_spec.get("b"),
                h_spec.get("c", 0.0),
            )
        except (BoundkitError, TypeError, ValueError) as exc:
            raise w.error(
                f"{label}.h", dict(h_spec), f"A (d x d), b (d), c of a quadratic ({exc})"
            ) from None
    elif isinstance(h_spec, Mapping):
        h = linear_function(w, f"{label}.h", h_spec, base.dim)
    else:
        raise w.error(
            f"{label}.h",
            h_spec,
            f"an expression in {_variables(base.dim)}, a [{label}.h] table (features and "
            'weights, or A, b, c) or "plugin:NAME"',
        )
    g = generator(f"{label}.generator", table.get("generator", default_generator))
    try:
        Qh = refine(base, h, g, rng=0)
        if isinstance(base, FiniteDistribution):
            return FiniteDistribution(base.atoms, Qh.pmf)
        if Qh.closed_form is not None:
            return Qh.closed_form
    except BoundkitError as exc:
        raise BoundkitError(f"spec {w.path}: [{label}] {exc}") from None
    return Qh
