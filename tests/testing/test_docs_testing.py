"""Every snippet of docs/testing.md runs: the true claims pass, the naive one is falsified.

The snippets are executed in order in one namespace (later ones reuse the earlier imports), as
a reader pasting them into one file would.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, settings

DOC = Path(__file__).parents[2] / "docs" / "testing.md"
_SNIPPET = re.compile(r"<!-- snippet: ([\w-]+) -->\s*```python\n(.*?)^```", re.S | re.M)


def _snippets() -> dict[str, str]:
    return dict(_SNIPPET.findall(DOC.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def namespace():
    """The snippets' namespace. They are decorated under the CI profile (derandomized) without
    hypothesis's "shrink" and "explain" phases, which take over a minute on the falsified naive
    claim (finding the counterexample is what is tested here)."""
    current = settings.default
    settings.register_profile(
        "docs-testing",
        parent=current,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
    )
    settings.load_profile("docs-testing")
    try:
        ns: dict = {"__name__": "docs_testing_md"}
        for name, code in _snippets().items():
            exec(compile(code, f"docs/testing.md:{name}", "exec"), ns)
    finally:
        settings.register_profile("docs-testing-restore", parent=current)
        settings.load_profile("docs-testing-restore")
    return ns


def test_snippets_are_found_and_short():
    snippets = _snippets()
    assert list(snippets) == [
        "weak-duality",
        "weak-duality-singular-naive",
        "weak-duality-singular",
        "combination",
    ]
    # "in ten lines": the first snippet, imports included, blank lines excluded
    lines = [ln for ln in snippets["weak-duality"].splitlines() if ln.strip()]
    assert len(lines) <= 10


def test_weak_duality_snippet_passes(namespace):
    namespace["test_weak_duality"]()


def test_naive_claim_is_falsified_with_p_not_ll_q(namespace):
    with pytest.raises(AssertionError):
        namespace["test_weak_duality_naive"]()


def test_the_documented_counterexample(namespace):
    """Reverse KL, P = (1/2, 1/2), Q = (0, 1), h = (2, 0): E_P h - Lambda = 1 > log 2 = D_f.

    By hand: Lambda only sees the atom of Q, where h = 0, so Lambda = 0 (f* (t) = -1 - log(-t),
    nu = 1: 1 + f*(-1) = 0); D_rKL(P||Q) = sum_{q > 0} q (-log(p/q)) + f'(oo) P(q = 0)
    = -log(1/2) + 0 = log 2.
    """
    from boundkit.distributions import FiniteDistribution
    from boundkit.generators import get_generator

    g = get_generator("reverse_kl")
    P = FiniteDistribution([0.0, 1.0], [0.5, 0.5])
    Q = FiniteDistribution([0.0, 1.0], [0.0, 1.0])
    h = np.array([2.0, 0.0])
    lam, nu = namespace["lambda_finite"](g, h, Q.pmf)
    assert abs(lam) < 1e-12 and abs(nu - 1.0) < 1e-9
    d = namespace["divergence"](g, P, Q).value
    assert abs(d - np.log(2.0)) < 1e-12
    assert P.pmf @ h - lam == pytest.approx(1.0) and 1.0 > d
    # the corrected claim caps h at nu + f'(oo) = 1 on the atom Q does not charge
    capped = np.where(Q.pmf == 0, np.minimum(h, nu + float(g.fprime_at_inf)), h)
    assert P.pmf @ capped - lam <= d + 1e-12


def test_corrected_claim_passes(namespace):
    namespace["test_weak_duality_singular"]()


def test_combination_snippet_passes(namespace):
    namespace["test_fenchel_young"]()
