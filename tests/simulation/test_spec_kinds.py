"""Spec kinds sklearn, refined, grid-from-logpdf and python: each builds the model the spec
describes (checked against an independent computation: sklearn's own estimator on data
standardised and projected here, the closed-form Gaussian tilt, the first-order condition of
the refinement), and each error is one line naming key, value and expectation, with exit 2.

All checks are deterministic (fixed seeds, no Monte Carlo): no false failures.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.classes import LinearClass
from boundkit.cli import main
from boundkit.distributions import FiniteDistribution, Gaussian, GridDensity
from boundkit.simulation import load_spec

REST = """
    [class]
    kind = "linear"
    features = "poly"
    degree = 2
    B = 0.5
    [run]
    sizes = [4, 8]
    replicates = 3
    n_mc = 20
"""
GAUSS_Q = """
    [Q]
    kind = "gaussian"
    mean = [0.0]
    cov = [[4.0]]
"""
MIX_P = """
    [P]
    kind = "mixture"
    weights = [0.6, 0.4]
    means = [[-1.0], [1.5]]
    covs = [[[0.5]], [[0.3]]]
"""


def _spec(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(body) + textwrap.dedent(REST))
    return p


def _standardised_iris_pc1() -> np.ndarray:
    """Iris standardised column by column (population sd) and projected on its first
    principal component, the sign fixed by the largest loading being positive."""
    from sklearn.datasets import load_iris

    x = load_iris().data
    z = (x - x.mean(0)) / x.std(0)
    zc = z - z.mean(0)
    v = np.linalg.svd(zc, full_matrices=False)[2][0]
    v = v * np.sign(v[np.argmax(np.abs(v))])
    return (zc @ v)[:, None]


# ----------------------------------------------------------------------------- sklearn
def test_sklearn_gaussian_mixture_on_bundled_iris(tmp_path):
    from sklearn.mixture import GaussianMixture

    path = _spec(
        tmp_path,
        """
        [P]
        kind = "sklearn"
        model = "GaussianMixture"
        data = "iris"
        pca = 1
        n_components = 3
        random_state = 0
        """
        + GAUSS_Q,
    )
    P = load_spec(path).toy.P
    x = _standardised_iris_pc1()
    est = GaussianMixture(n_components=3, random_state=0).fit(x)
    pts = np.linspace(-4, 4, 17)[:, None]
    np.testing.assert_allclose(P.logpdf(pts), est.score_samples(pts), rtol=0, atol=1e-9)
    assert P.dim == 1


def test_sklearn_kde_on_a_csv_file_relative_to_the_spec(tmp_path):
    from sklearn.neighbors import KernelDensity

    rng = np.random.default_rng(0)
    raw = np.column_stack([rng.normal(3.0, 2.0, 60), rng.normal(-1.0, 0.5, 60)])
    (tmp_path / "data").mkdir()
    np.savetxt(tmp_path / "data" / "pts.csv", raw, delimiter=",", header="a,b", comments="")
    path = _spec(
        tmp_path,
        """
        [P]
        kind = "sklearn"
        model = "KernelDensity"
        data = "data/pts.csv"
        bandwidth = 0.4
        [Q]
        kind = "gaussian"
        mean = [0.0, 0.0]
        cov = [[2.0, 0.0], [0.0, 2.0]]
        [population]
        n_grid = 40
        """,
    )
    P = load_spec(path).toy.P
    z = (raw - raw.mean(0)) / raw.std(0)
    kde = KernelDensity(bandwidth=0.4).fit(z)
    pts = rng.normal(size=(9, 2))
    np.testing.assert_allclose(P.logpdf(pts), kde.score_samples(pts), rtol=0, atol=1e-9)


def test_sklearn_bayesian_mixture_unstandardised_with_parameters(tmp_path):
    from sklearn.datasets import load_diabetes
    from sklearn.mixture import BayesianGaussianMixture

    path = _spec(
        tmp_path,
        """
        [P]
        kind = "sklearn"
        model = "BayesianGaussianMixture"
        data = "diabetes"
        standardise = false
        pca = 1
        n_components = 2
        covariance_type = "spherical"
        random_state = 3
        max_iter = 300
        [Q]
        kind = "gaussian"
        mean = [0.0]
        cov = [[0.05]]
        """,
    )
    P = load_spec(path).toy.P
    x = load_diabetes().data
    xc = x - x.mean(0)
    v = np.linalg.svd(xc, full_matrices=False)[2][0]
    v = v * np.sign(v[np.argmax(np.abs(v))])
    est = BayesianGaussianMixture(
        n_components=2, covariance_type="spherical", random_state=3, max_iter=300
    ).fit((xc @ v)[:, None])
    # the plug-in mixture of the fitted parameters (score_samples of a Bayesian mixture adds
    # variational terms: the wrapper is the point estimate)
    from scipy.stats import norm

    pts = np.linspace(-0.2, 0.2, 9)[:, None]
    dens = sum(
        wk * norm.pdf(pts[:, 0], mk[0], np.sqrt(vk))
        for wk, mk, vk in zip(est.weights_, est.means_, est.covariances_, strict=True)
    )
    np.testing.assert_allclose(P.logpdf(pts), np.log(dens), rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- refined
FIN_BASE = """
    [P]
    kind = "finite"
    atoms = [-1.0, 0.0, 1.0]
    weights = [0.3, 0.3, 0.4]
    [Q]
    kind = "refined"
    h = "x"
    [Q.base]
    kind = "finite"
    atoms = [-1.0, 0.0, 1.0]
    weights = [0.2, 0.3, 0.5]
"""


def test_refined_finite_base_kl_is_the_exponential_tilt(tmp_path):
    Q = load_spec(_spec(tmp_path, 'generator = "kl"\n' + FIN_BASE)).toy.Q
    assert isinstance(Q, FiniteDistribution)
    w = np.array([0.2, 0.3, 0.5]) * np.exp([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(Q.pmf, w / w.sum(), rtol=0, atol=1e-12)


def test_refined_takes_the_spec_generator_by_default(tmp_path):
    r"""Squared Hellinger, :math:`(f^*)'(t) = (1 - t)^{-2}`: :math:`q_h = q/(1 + \nu - h)^2`,
    so :math:`\sqrt{q/q_h} + h = 1 + \nu` is the same on every atom (KL would break it)."""
    hel = 'generator = "squared_hellinger"\n'
    kl_q = FIN_BASE.replace('h = "x"', 'h = "x"\n    generator = "kl"')
    for name, body, expected in (("a.toml", FIN_BASE, True), ("b.toml", kl_q, False)):
        Q = load_spec(_spec(tmp_path, hel + body, name)).toy.Q
        c = np.sqrt(np.array([0.2, 0.3, 0.5]) / Q.pmf) + np.array([-1.0, 0.0, 1.0])
        assert bool(np.ptp(c) < 1e-9) is expected, c


_TILT = "0.4*x - 0.1*x**2"


def _gauss_refined(tmp_path: Path, h: str, name: str) -> object:
    body = (
        'generator = "kl"\n'
        + MIX_P
        + textwrap.indent(
            '[Q]\nkind = "refined"\n' + h + '\n[Q.base]\nkind = "gaussian"\nmean = [0.0]\n'
            "cov = [[2.0]]\n",
            "    ",
        )
    )
    return load_spec(_spec(tmp_path, body, name)).toy


@pytest.mark.parametrize(
    "h",
    [
        f'h = "{_TILT}"',
        '[Q.h]\nfeatures = "poly"\ndegree = 2\nweights = [0.4, -0.1]',
        "[Q.h]\nA = [[-0.1]]\nb = [0.4]",
    ],
    ids=["expression", "features", "quadratic"],
)
def test_refined_gaussian_base_kl_matches_the_closed_form_tilt(tmp_path, h):
    r"""KL tilt of :math:`N(0, 2)` by :math:`0.4x - 0.1x^2`: precision :math:`1/2 + 0.2`,
    mean :math:`0.4/0.7` (the quadratic form is the closed form itself; the expression and the
    features go through quadrature of :math:`\nu_h`)."""
    toy = _gauss_refined(tmp_path, h, "g.toml")
    want = Gaussian([0.4 / 0.7], [[1.0 / 0.7]])
    pts = np.linspace(-5, 5, 21)[:, None]
    np.testing.assert_allclose(toy.Q.logpdf(pts), want.logpdf(pts), rtol=0, atol=1e-8)
    assert toy.population_kind == "grid"  # on the base's box


def test_refined_plugin_callable_and_refusals(tmp_path, capsys):
    def h(x):
        return 0.4 * x[:, 0] - 0.1 * x[:, 0] ** 2

    body = (
        'generator = "kl"\n'
        + MIX_P
        + textwrap.indent(
            '[Q]\nkind = "refined"\nh = "plugin:h"\n[Q.base]\nkind = "gaussian"\nmean = [0.0]\n'
            "cov = [[2.0]]\n",
            "    ",
        )
    )
    path = _spec(tmp_path, body)
    Q = load_spec(path, plugins=[{"h": h}]).toy.Q
    want = Gaussian([0.4 / 0.7], [[1.0 / 0.7]])
    np.testing.assert_allclose(Q.logpdf([[0.3]]), want.logpdf([[0.3]]), rtol=0, atol=1e-8)
    # a refined model sampled by importance resampling: refused as P and for Monte Carlo
    swapped = path.read_text().replace("[P]", "[X]").replace("[Q]", "[P]").replace("[X]", "[Q]")
    swapped = swapped.replace("[Q.base]", "[P.base]")
    (tmp_path / "swap.toml").write_text(swapped)
    with pytest.raises(BoundkitError, match=r"P.kind = 'refined': expected a target sampled"):
        load_spec(tmp_path / "swap.toml", plugins=[{"h": h}])
    mc = path.read_text().replace("[class]", '[population]\nkind = "monte-carlo"\n[class]')
    (tmp_path / "mc.toml").write_text(mc)
    with pytest.raises(BoundkitError, match=r"population.kind = 'monte-carlo': expected a grid"):
        load_spec(tmp_path / "mc.toml", plugins=[{"h": h}])


# ----------------------------------------------------------------------------- grid logpdf
def test_grid_from_a_logpdf_expression(tmp_path):
    body = """
        [P]
        kind = "grid"
        logpdf = "-(x**2 - 1)**2 / 0.5"
        box = [[-3.0, 3.0]]
        cells = 60
    """
    P = load_spec(_spec(tmp_path, body + GAUSS_Q)).toy.P
    assert isinstance(P, GridDensity)
    dx = 6.0 / 60
    c = -3.0 + (np.arange(60) + 0.5) * dx
    dens = np.exp(-((c**2 - 1) ** 2) / 0.5)
    np.testing.assert_allclose(P.pdf(c[:, None]), dens / (dens.sum() * dx), rtol=1e-12)


def test_grid_from_a_2d_logpdf_expression(tmp_path):
    body = """
        [P]
        kind = "grid"
        logpdf = "-(x1**2 + 2*x2**2) / 2"
        box = [[-4.0, 4.0], [-3.0, 3.0]]
        cells = 40
        [Q]
        kind = "gaussian"
        mean = [0.0, 0.0]
        cov = [[2.0, 0.0], [0.0, 2.0]]
        [population]
        n_grid = 40
    """
    P = load_spec(_spec(tmp_path, body)).toy.P
    a, b = np.array([[0.1, 0.075]]), np.array([[1.3, -0.825]])  # two cell centres
    ratio = P.pdf(b)[0] / P.pdf(a)[0]
    want = np.exp(-(1.3**2 + 2 * 0.825**2) / 2 + (0.1**2 + 2 * 0.075**2) / 2)
    assert abs(ratio / want - 1) < 1e-12


# ----------------------------------------------------------------------------- python
class _Logistic:
    dim = 1

    def sample(self, n, *, rng):
        return rng.logistic(0.0, 0.6, size=(n, 1))

    def logpdf(self, x):
        z = np.abs(np.asarray(x)[:, 0]) / 0.6
        return -z - 2 * np.log1p(np.exp(-z)) - np.log(0.6)


def _tanh(x):
    t = np.tanh(x[:, 0])
    return np.stack([t, t * t], axis=1)


def test_python_objects_from_plugin_namespaces(tmp_path):
    body = (
        """
        [P]
        kind = "python"
        object = "plugin:target"
    """
        + GAUSS_Q
    )
    path = _spec(tmp_path, body)
    text = path.read_text().replace('features = "poly"\ndegree = 2', 'features = "plugin:phi"')
    text = text.replace("[run]", "[population]\nbox = [[-12.0, 12.0]]\n[run]")
    path.write_text(text)
    target = _Logistic()
    toy = load_spec(path, plugins=[{"target": None}, {"target": target, "phi": _tanh}]).toy
    pts = np.linspace(-3, 3, 7)[:, None]
    np.testing.assert_array_equal(toy.P.logpdf(pts), target.logpdf(pts))
    np.testing.assert_array_equal(toy.cls.design_matrix(pts), _tanh(pts))
    assert toy.population_kind == "grid"
    cls = LinearClass("identity", B=1.0)
    text2 = path.read_text().replace(
        'kind = "linear"\nfeatures = "plugin:phi"\nB = 0.5', 'kind = "python"\nobject = "plugin:c"'
    )
    path.write_text(text2)
    assert load_spec(path, plugins=[{"target": target, "c": cls}]).toy.cls is cls


# ----------------------------------------------------------------------------- errors
SK = (
    """
    [P]
    kind = "sklearn"
    model = "KernelDensity"
    data = "iris"
    pca = 1
    bandwidth = 0.5
"""
    + GAUSS_Q
)


@pytest.mark.parametrize(
    "body, old, new, needle",
    [
        (
            SK,
            'kind = "sklearn"',
            'kind = "skl"',
            "P.kind = 'skl': expected one of finite, "
            "gaussian, mixture, grid, sklearn, refined, python",
        ),
        (SK, 'model = "KernelDensity"', 'model = "SVC"', "P.model = 'SVC': expected one of Gau"),
        (SK, 'data = "iris"\n', "", "P.data = None: expected one of iris, wine"),
        (
            SK,
            'data = "iris"',
            'data = "mnist"',
            "P.data = 'mnist': expected one of iris, wine, "
            "breast_cancer, digits, diabetes (bundled with scikit-learn) or a .csv/.npy file "
            "(relative to the spec file); not a bundled data set",
        ),
        (SK, 'data = "iris"', 'data = "nope.csv"', "P.data = 'nope.csv': expected"),
        (SK, "pca = 1", "pca = 9", "P.pca = 9: expected an integer in 1..4"),
        (SK, "bandwidth = 0.5", "bandwidth = -1", "P.bandwidth = -1: expected a number > 0"),
        (SK, "bandwidth = 0.5", "n_components = 2", "P.n_components = 2: expected a known key"),
        (SK, "pca = 1", "pca = 2", "Q.mean = [0.0]: expected points of dimension 2"),
        (FIN_BASE, 'h = "x"', 'h = "y + 1"', "Q.h = 'y + 1': expected an expression in x (or x1)"),
        (FIN_BASE, 'h = "x"', 'h = "x.real"', "Q.h = 'x.real': expected an expression in x"),
        (FIN_BASE, 'h = "x"\n', "", "Q.h = None: expected a value (required for kind 'refined')"),
        (FIN_BASE, 'h = "x"', "h = 3", "Q.h = 3: expected an expression in x"),
        (FIN_BASE, 'h = "x"', 'h = "x"\ngenerator = "klx"', "Q.generator = 'klx': expected a cat"),
        (
            FIN_BASE,
            'h = "x"',
            '[Q.h]\nfeatures = "poly"\nweights = [1.0]',
            "Q.h.weights = [1.0]: expected 2 numbers (one per feature",
        ),
        (
            FIN_BASE,
            'h = "x"',
            'h = "plugin:hh"',
            "Q.h = 'plugin:hh': expected the name of an "
            "object of a --plugin module (no --plugin was given)",
        ),
        (FIN_BASE, "[Q.base]", "[Q.bass]", "Q.bass = "),
        (
            """
            [P]
            kind = "python"
            """
            + GAUSS_Q,
            'kind = "python"',
            'kind = "python"\nobject = "target"',
            "P.object = 'target': expected \"plugin:NAME\"",
        ),
        (
            """
            [P]
            kind = "grid"
            logpdf = "-x**2"
            box = [[-3.0, 3.0]]
            """
            + GAUSS_Q,
            "box = [[-3.0, 3.0]]",
            "box = [[3.0, -3.0]]",
            "P.box = [[3.0, -3.0]]: expected a list of 1 or 2 intervals",
        ),
        (
            """
            [P]
            kind = "grid"
            logpdf = "-x**2"
            box = [[-3.0, 3.0]]
            """
            + GAUSS_Q,
            'logpdf = "-x**2"',
            'logpdf = "log(x)"',
            "P.logpdf = 'log(x)': expected finite values (or -inf)",
        ),
        (
            """
            [P]
            kind = "grid"
            logpdf = "-x**2"
            box = [[-3.0, 3.0]]
            """
            + GAUSS_Q,
            "box = [[-3.0, 3.0]]",
            "box = [[-3.0, 3.0]]\ncells = 2",
            "P.cells = 2: expected an integer in 4..2000",
        ),
        (
            """
            [P]
            kind = "grid"
            logpdf = "-x**2"
            box = [[-3.0, 3.0]]
            """
            + GAUSS_Q,
            'logpdf = "-x**2"\n',
            "",
            "P.logpdf = None: expected a value (box and cells go with a logpdf)",
        ),
        (
            """
            [P]
            kind = "grid"
            logpdf = "-x**2"
            box = [[-3.0, 3.0], [-1.0, 1.0]]
            """
            + GAUSS_Q.replace("[0.0]", "[0.0, 0.0]").replace("[[4.0]]", "[[4.0, 0.0], [0.0, 4.0]]"),
            'kind = "grid"',
            'kind = "grid"',
            "P.logpdf = '-x**2': expected an expression in x1, x2 (unknown name 'x'",
        ),
    ],
)
def test_new_kind_errors_are_one_line_with_exit_2(tmp_path, capsys, body, old, new, needle):
    text = textwrap.dedent(body)
    assert old in text
    path = _spec(tmp_path, text.replace(old, new, 1))
    assert main(["simulate", "--spec", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert needle in err and str(path) in err, err
    assert "Traceback" not in err


def test_plugin_name_missing_from_the_given_plugins(tmp_path, capsys):
    plugin = tmp_path / "parts.py"
    plugin.write_text("other = 1\n")
    path = _spec(tmp_path, '[P]\nkind = "python"\nobject = "plugin:target"\n' + GAUSS_Q)
    assert main(["simulate", "--spec", str(path), "--plugin", str(plugin), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not defined by the --plugin modules" in err, err
    assert "parts.py" in err


def test_plugin_module_by_name_from_the_cli(tmp_path, monkeypatch, capsys):
    r"""``--plugin MODULE`` (an importable name, not a file): ``plugin:target`` is its
    Gaussian :math:`N(0.5, 0.8)`; against :math:`N(0, 4)` the population KL is the closed form
    :math:`\tfrac12(0.8/4 + 0.5^2/4 - 1 + \log(4/0.8))` (grid quadrature, error < 1e-6)."""
    import json

    (tmp_path / "spec_kinds_parts_mod.py").write_text(
        "from boundkit.distributions import Gaussian\ntarget = Gaussian([0.5], [[0.8]])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    path = _spec(tmp_path, '[P]\nkind = "python"\nobject = "plugin:target"\n' + GAUSS_Q)
    argv = ["simulate", "--spec", str(path), "--plugin", "spec_kinds_parts_mod", "--json"]
    assert main([*argv, "--quiet", "--out", str(tmp_path / "out")]) == 0
    pop = json.loads(capsys.readouterr().out)["population"]
    kl = 0.5 * (0.8 / 4 + 0.25 / 4 - 1 + np.log(4 / 0.8))
    assert abs(pop["divergence_base"] - kl) < 1e-6


def test_generator_from_a_plugin(tmp_path):
    from boundkit.generators import get_generator

    g = get_generator("alpha", alpha=0.5)
    path = _spec(tmp_path, 'generator = "plugin:g"\n' + MIX_P + GAUSS_Q)
    assert load_spec(path, plugins=[{"g": g}]).toy._g is g
    with pytest.raises(BoundkitError, match=r"generator = 'plugin:g': expected a boundkit Gen"):
        load_spec(path, plugins=[{"g": "kl"}])
