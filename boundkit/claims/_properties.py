r"""Claims from hypothesis properties: one decorator turns a property into a ``numeric`` check.

A *property* here is a function of the drawn values that returns its violation (a float that is
at most ``tolerance`` when the property holds). :func:`property_claim` registers it as a
numeric claim -- hypothesis draws the cases (from ``boundkit.testing`` strategies or any
others), steers towards large violations with ``hypothesis.target`` and, on a failure, shrinks
the counterexample -- and attaches ``.test``, a plain hypothesis test of the same property for
pytest, so the property is written once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from boundkit._errors import BoundkitError
from boundkit.claims._records import CheckOutcome, _clean
from boundkit.claims._registry import register

__all__ = ["property_claim"]


class _Violated(AssertionError):
    def __init__(self, value: float, example: dict[str, Any]) -> None:
        super().__init__(f"violation {value:.6g}")
        self.value, self.example = value, example


def _readable(x: Any) -> Any:
    """A JSON-ready form of a drawn value (reprs for objects, short for long arrays)."""
    if isinstance(x, np.ndarray) and x.size > 20:
        return {"shape": list(x.shape), "head": _clean(x.ravel()[:10])}
    return _clean(x)


def property_claim(
    claim_id: str,
    *,
    statement: str,
    tolerance: float = 0.0,
    max_examples: int = 100,
    quick_examples: int = 25,
    latex: str = "",
    hypotheses: tuple[str, ...] = (),
    expected: str = "pass",
    replace: bool = False,
    **strategies: Any,
) -> Callable[[Callable[..., float]], Callable[..., float]]:
    r"""Register a property (a function returning its violation) as a numeric claim.

    Parameters
    ----------
    claim_id : str
        The claim's identifier.
    statement : str
        The claim in words.
    tolerance : float
        The property holds on a case when its violation is at most this.
    max_examples, quick_examples : int
        Hypothesis examples per check (full and ``quick`` runs).
    latex, hypotheses, expected, replace
        As in :func:`boundkit.claims.register`.
    **strategies
        One hypothesis strategy per argument of the property.

    Returns
    -------
    callable
        The decorator; the decorated function is returned unchanged, with ``.test`` (a
        hypothesis test asserting the property, for pytest) and ``.claim_id``.

    Notes
    -----
    The check's record: ``cases`` is the number of examples tried, ``worst_violation`` the
    largest violation seen, and on a failure ``counterexample`` is the *shrunk* example
    (hypothesis' minimal failing case) with its violation. The hypothesis seed is drawn from
    the check's generator, so a record's seed replays it.

    Examples
    --------
    >>> from boundkit.claims import property_claim, verify, unregister
    >>> from hypothesis import strategies as st
    >>> @property_claim("demo-prop", statement="x^2 >= 0", x=st.floats(-10, 10))
    ... def square_nonneg(x):
    ...     return -x * x
    >>> [r.status for r in verify(claims=["demo-prop"], quick=True)]
    ['pass']
    >>> unregister("demo-prop")
    """
    if not strategies:
        raise BoundkitError("property_claim needs at least one strategy (name=strategy)")

    def deco(fn: Callable[..., float]) -> Callable[..., float]:
        def check(*, quick: bool, rng: np.random.Generator) -> CheckOutcome:
            import hypothesis
            from hypothesis import HealthCheck, given, settings

            state: dict[str, Any] = {"worst": -math.inf, "cases": 0}

            def inner(**kw: Any) -> None:
                v = float(fn(**kw))
                state["cases"] += 1
                if math.isnan(v):
                    raise _Violated(math.nan, kw)
                state["worst"] = max(state["worst"], v)
                hypothesis.target(v, label="violation")
                if v > tolerance:
                    raise _Violated(v, kw)

            test = settings(
                max_examples=quick_examples if quick else max_examples,
                database=None,
                deadline=None,
                derandomize=False,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )(given(**strategies)(inner))
            test = hypothesis.seed(int(rng.integers(2**31)))(test)
            try:
                test()
            except _Violated as exc:
                ce = {k: _readable(v) for k, v in exc.example.items()}
                ce["violation"] = exc.value
                worst = exc.value if math.isnan(exc.value) else max(state["worst"], exc.value)
                return CheckOutcome(
                    worst,
                    tolerance,
                    state["cases"],
                    counterexample=ce,
                    message=f"hypothesis property {fn.__name__}: shrunk counterexample",
                )
            return CheckOutcome(
                state["worst"],
                tolerance,
                state["cases"],
                message=f"hypothesis property {fn.__name__} on {state['cases']} examples",
            )

        check.__module__ = fn.__module__
        check.__qualname__ = f"{getattr(fn, '__qualname__', fn.__name__)}.<property claim>"
        register(
            claim_id,
            "numeric",
            check,
            statement=statement,
            latex=latex,
            hypotheses=hypotheses,
            expected=expected,  # type: ignore[arg-type]
            replace=replace,
        )

        def as_test(**kw: Any) -> None:
            v = float(fn(**kw))
            assert v <= tolerance, f"{fn.__name__} violated by {v:.6g} at {kw!r}"

        from hypothesis import given

        fn.test = given(**strategies)(as_test)  # type: ignore[attr-defined]
        fn.claim_id = claim_id  # type: ignore[attr-defined]
        return fn

    return deco
