"""make_all_figures: the real quick run (slow; the CLI test runs it with shrunken sweeps)."""

from __future__ import annotations

import pytest

from boundkit.plotting import make_all_figures


@pytest.mark.slow
def test_make_all_figures_quick(tmp_path, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow: run with -m slow")
    paths = make_all_figures(tmp_path / "fig", quick=True, results_dir=tmp_path / "res")
    names = [p.name for p in paths]
    assert names[:3] == ["bound_vs_gap.png", "improvement.png", "slack.png"]
    assert all(p.exists() and p.stat().st_size > 10_000 for p in paths)
    assert (tmp_path / "res" / "mixture1d" / "results.csv").exists()
