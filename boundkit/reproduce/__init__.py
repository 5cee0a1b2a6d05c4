r"""The main job: verify every claim, regenerate every figure, write a report.

:func:`reproduce` runs every registered claim check (:func:`boundkit.claims.verify`), calls
``boundkit.plotting._figures.make_all_figures`` to regenerate the figures, and writes under the
output directory

* ``report.md``: the verify table, the details of every non-passing check (with its
  counterexample), the figures embedded, the claims' statements and the run's settings;
* ``verify.json``: the records, in the format of ``boundkit verify --json``
  (``docs/verify.schema.json``);
* ``figures/``: the figure files.

The command line is ``boundkit reproduce [--out DIR] [--quick]``; it exits 0 when every check
is as expected (shipped false claims fail, everything else passes or is inconclusive) and the
figures were made.
"""

from boundkit.reproduce._reproduce import FigureRun, ReproduceResult, make_figures, reproduce

__all__ = ["FigureRun", "ReproduceResult", "make_figures", "reproduce"]
