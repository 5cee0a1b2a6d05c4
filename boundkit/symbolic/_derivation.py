r"""The data model of a derivation (steps, checked identity) and its renderers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import sympy as sp

from boundkit._errors import DerivationError
from boundkit._json import jsonable

__all__ = ["Step", "Derivation", "Method"]

Method = Literal["simplify", "numeric-points", "not-closed"]


def _latex(expr: Any) -> str:
    if isinstance(expr, str):
        return expr
    return sp.latex(expr)


def _text(expr: Any) -> str:
    if isinstance(expr, str):
        return expr
    return sp.sstr(expr)


_TEXT_LIMIT = 600


def _short(text: str) -> str:
    """Cut very long expressions in terminal output (JSON and LaTeX keep them whole)."""
    if len(text) <= _TEXT_LIMIT:
        return text
    return text[: _TEXT_LIMIT - 80] + f" ... [{len(text)} characters; see --json]"


@dataclass(frozen=True)
class Step:
    r"""One step of a derivation: what is claimed, why, and the sympy expression.

    Parameters
    ----------
    statement : str
        The step in words (plain text).
    justification : str
        Why it holds (a definition, a rule, a previous step, a sympy computation).
    expr : sympy object or None
        The mathematical content of the step, usually a ``sympy.Eq``.

    Notes
    -----
    A step is rendered as one numbered item: the statement, the justification and the
    expression as :math:`\LaTeX` (:meth:`to_latex`) or as ``sympy.sstr`` text (:meth:`to_text`).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> print(Step("Square", "definition", sp.Eq(sp.Symbol("y"), x**2)).to_text())
    Square  [definition]
        Eq(y, x**2)
    """

    statement: str
    justification: str = ""
    expr: Any = None

    def to_text(self) -> str:
        """Render the step as plain text (statement, justification, expression)."""
        head = self.statement
        if self.justification:
            head += f"  [{self.justification}]"
        if self.expr is None:
            return head
        return head + "\n    " + _short(_text(self.expr))

    def to_latex(self) -> str:
        r"""Render the step as a LaTeX ``\item`` with a displayed equation."""
        out = r"\item " + _escape(self.statement)
        if self.justification:
            out += r" \emph{(" + _escape(self.justification) + ")}"
        if self.expr is not None:
            out += "\n\\[ " + _latex(self.expr) + " \\]"
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the step as a JSON-serialisable dictionary (expression as text and LaTeX)."""
        return {
            "statement": self.statement,
            "justification": self.justification,
            "expr": None if self.expr is None else _text(self.expr),
            "latex": None if self.expr is None else _latex(self.expr),
        }


def _escape(text: str) -> str:
    for a, b in (("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_")):
        text = text.replace(a, b)
    return text


@dataclass(frozen=True)
class Derivation:
    r"""A step-by-step symbolic derivation ending in an identity that sympy checks.

    Parameters
    ----------
    name : str
        Which derivation (``"shift"``, ``"refined-density"``, ``"fenchel-young"``,
        ``"kl-identity"``, ``"kkt"``, ``"guidance"``, ``"variational"``, ``"weak-duality"``).
    generator : str
        Name of the generator (or its expression) the derivation is for.
    steps : tuple of Step
        The derivation, in order.
    identity : sympy object or None
        The final identity, as ``sympy.Eq(lhs, rhs)``; checked as ``lhs - rhs = 0``.
    verified : bool
        True when the identity was proven by simplification or confirmed at random points.
    method : {"simplify", "numeric-points", "not-closed"}
        How the identity was checked: simplification to zero; equality at random numeric
        points to 50 significant digits (mpmath) when simplification stalls; or
        ``"not-closed"`` when sympy could not carry the derivation through (the reason is in
        ``note``).
    note : str
        A one-line explanation (the reason when not closed, the stalled step, a
        counterexample).
    results : mapping of str to sympy object
        Closed forms obtained along the way (e.g. ``"nu"``, ``"lambda"``, ``"density"``,
        ``"condition"``); empty when none exists.
    counterexample : mapping or None
        The numeric point at which the identity failed, if any (a real failure).

    Notes
    -----
    ``verified`` is True iff ``method`` is ``"simplify"`` or ``"numeric-points"`` and no
    counterexample was found.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> d = Derivation("demo", "none", (Step("Expand", "algebra", sp.Eq((x + 1)**2,
    ...     x**2 + 2*x + 1)),), sp.Eq((x + 1)**2, x**2 + 2*x + 1), True, "simplify")
    >>> d.to_dict()["verified"]
    True
    """

    name: str
    generator: str
    steps: tuple[Step, ...]
    identity: Any
    verified: bool
    method: Method
    note: str = ""
    results: Mapping[str, Any] = field(default_factory=dict)
    counterexample: Mapping[str, Any] | None = None

    @property
    def status(self) -> str:
        """``"verified"``, ``"not-closed"`` or ``"failed"`` (a counterexample was found)."""
        if self.verified:
            return "verified"
        if self.counterexample is not None:
            return "failed"
        return "not-closed"

    def result(self, key: str) -> Any:
        """Return the closed form ``key`` (e.g. ``"lambda"``) or raise ``DerivationError``."""
        if key not in self.results or self.results[key] is None:
            raise DerivationError(
                f"{self.name} for {self.generator}: no closed form for {key!r}"
                + (f" ({self.note})" if self.note else "")
            )
        return self.results[key]

    def _verdict(self) -> str:
        if self.verified:
            how = (
                "simplification to zero"
                if self.method == "simplify"
                else "equality at random points to 50 digits (simplification stalled)"
            )
            return f"VERIFIED by {how}"
        if self.counterexample is not None:
            return "FAILED: counterexample found"
        return "NOT CLOSED: sympy could not carry this derivation through"

    def to_text(self) -> str:
        """Render the derivation as numbered plain-text steps followed by the verdict."""
        lines = [f"Derivation {self.name!r} for generator {self.generator}"]
        for i, step in enumerate(self.steps, 1):
            body = step.to_text().replace("\n", "\n   ")
            lines.append(f"{i:2d}. {body}")
        if self.identity is not None:
            lines.append("Identity: " + _short(_text(self.identity)))
        lines.append(self._verdict() + (f" -- {self.note}" if self.note else ""))
        if self.counterexample:
            lines.append("Counterexample: " + json.dumps(jsonable(self.counterexample)))
        return "\n".join(lines)

    def to_latex(self) -> str:
        r"""Render the derivation as a LaTeX fragment (``enumerate`` of steps, the identity)."""
        out = [
            r"\paragraph{" + _escape(f"{self.name} for {self.generator}") + "}",
            r"\begin{enumerate}",
        ]
        out += [step.to_latex() for step in self.steps]
        out.append(r"\end{enumerate}")
        if self.identity is not None:
            out.append(r"\textbf{Identity.} \[ " + _latex(self.identity) + r" \]")
        verdict = self._verdict() + (f" -- {self.note}" if self.note else "")
        out.append(r"\emph{" + _escape(verdict) + "}")
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.name}** for `{self.generator}`", ""]
        for i, step in enumerate(self.steps, 1):
            item = f"{i}. {step.statement}"
            if step.justification:
                item += f" *({step.justification})*"
            if step.expr is not None:
                item += f"\n   $$ {_latex(step.expr)} $$"
            parts.append(item)
        if self.identity is not None:
            parts += ["", f"Identity: $$ {_latex(self.identity)} $$"]
        parts += ["", f"*{self._verdict()}*" + (f" -- {self.note}" if self.note else "")]
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dictionary (expressions as sympy text and LaTeX)."""
        return {
            "name": self.name,
            "generator": self.generator,
            "status": self.status,
            "verified": self.verified,
            "method": self.method,
            "note": self.note,
            "identity": None if self.identity is None else _text(self.identity),
            "identity_latex": None if self.identity is None else _latex(self.identity),
            "steps": [s.to_dict() for s in self.steps],
            "results": {k: (None if v is None else _text(v)) for k, v in self.results.items()},
            "counterexample": jsonable(self.counterexample),
        }
