"""``boundkit figures`` with shrunken sweeps (the full run is the slow test of plotting)."""

from __future__ import annotations

import importlib.machinery
import json
import sys
import types

from boundkit.cli import main
from boundkit.plotting import _figures


def test_figures_cli(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(_figures.SWEEPS, True, {"finite": ([5, 50], 20, 50)})
    # a stand-in for engineer 5's guidance figures: make_all_figures must call it
    calls = []
    fake = types.ModuleType("boundkit.plotting._guidance")
    fake.__spec__ = importlib.machinery.ModuleSpec("boundkit.plotting._guidance", None)

    def guidance_figures(out_dir, *, quick):
        calls.append(quick)
        path = out_dir / "guidance_stub.png"
        path.write_bytes(b"stub")
        return [path]

    fake.guidance_figures = guidance_figures
    monkeypatch.setitem(sys.modules, "boundkit.plotting._guidance", fake)
    out = tmp_path / "fig"
    rc = main(["figures", "--quick", "--out", str(out), "--results", str(tmp_path / "r"), "--json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert (tmp_path / "r" / "finite" / "results.json").exists()
    names = [p.rsplit("/", 1)[1] for p in doc["figures"]]
    assert names == [
        "bound_vs_gap.png",
        "improvement.png",
        "slack.png",
        "tightness_map.png",
        "guidance_stub.png",
    ]
    assert calls == [True]
    assert all((out / n).stat().st_size > 10_000 for n in names[:3])
