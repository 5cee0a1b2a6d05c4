r"""Derivations cached once per process and on disk, as validated JSON text (never pickles).

A derivation is looked up under a key made of what it is a function of (the expression's
``sympy.srepr``, the parameter and any substitution), the sympy version and a hash of the source
of the modules that derive it: any change of the derivation code invalidates every entry.

* In the process: a dictionary, so :func:`~boundkit.generators.get_generator` never re-runs
  ``sympy.simplify`` for something already derived.
* On disk: one JSON file per key under ``$BOUNDKIT_CACHE_DIR/derivations`` (default
  ``~/.cache/boundkit/derivations``); ``BOUNDKIT_NO_CACHE=1`` disables it. Expressions are stored
  as ``sympy.srepr`` text and read back by a small parser that accepts only calls of an
  allowlist of sympy constructors with literal arguments (nothing is ``eval``-ed or unpickled;
  literals and numeric powers are size-capped, so a hostile file cannot start a huge
  computation). An entry that is unreadable, of the
  wrong shape or type, or stored under another key is deleted and recomputed.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import sympy as sp

from boundkit.generators._derivation import Branch, Derivation

__all__ = ["cached_derivation", "cache_dir", "parse_srepr", "clear_memory_cache"]

_FORMAT = 2
_SOURCES = (
    "_derive.py",
    "_derivation.py",
    "_pieces.py",
    "_stationary.py",
    "_expr.py",
    "_catalogue.py",
    "_cache.py",
    "_verify.py",
    "_numeric.py",
    "_generator.py",
)
_MEMO: dict[str, Derivation] = {}
_MEMO_MAX = 4096
_MAX_TEXT = 400_000
_MAX_DIGITS = 400
_MAX_EXPONENT = 1000

_CALLABLE = frozenset(
    """Symbol Integer Rational Float Add Mul Pow exp log LambertW Abs Max Min sign Heaviside
    Piecewise ExprCondPair Interval FiniteSet Union Complement Intersection StrictLessThan
    LessThan StrictGreaterThan GreaterThan Equality Unequality And Or Not sin cos tan atan
    asin acos sinh cosh tanh asinh acosh atanh Tuple re im floor ceiling""".split()
)
_CONSTANT = {
    "oo": sp.oo,
    "zoo": sp.zoo,
    "nan": sp.nan,
    "E": sp.E,
    "pi": sp.pi,
    "I": sp.I,
    "true": sp.true,
    "false": sp.false,
    "Reals": sp.S.Reals,
    "EmptySet": sp.S.EmptySet,
    "EulerGamma": sp.EulerGamma,
}
_KINDS = frozenset({"zero", "stationary", "kink", "limit", "infinite"})
_EXPR_FIELDS = (
    "f",
    "f_at_0",
    "fprime_at_0",
    "fprime_at_1",
    "fprime_at_inf",
    "limit_at_end",
)
_SET_FIELDS = ("domain", "subdifferential_at_1")
_OPTIONAL_FIELDS = ("conjugate_expr", "link_expr")


class _BadEntry(ValueError):
    """A cache entry that does not decode to a valid derivation."""


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is disabled.

    Returns
    -------
    pathlib.Path or None
    """
    if os.environ.get("BOUNDKIT_NO_CACHE", "").strip() not in ("", "0"):
        return None
    root = os.environ.get("BOUNDKIT_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "boundkit"
    return base / "derivations"


def clear_memory_cache() -> None:
    """Forget the derivations cached in this process (the disk cache is untouched)."""
    _MEMO.clear()


@lru_cache(maxsize=1)
def _code_hash() -> str:
    h = hashlib.sha256(sp.__version__.encode())
    here = Path(__file__).parent
    for name in _SOURCES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:20]


# ------------------------------------------------------------------------ safe srepr parser
def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, bool)):
        if isinstance(node.value, int) and len(str(abs(node.value))) > _MAX_DIGITS:
            raise _BadEntry("integer literal too long")
        if isinstance(node.value, str) and len(node.value) > _MAX_DIGITS:
            raise _BadEntry("string literal too long")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        if isinstance(value, int) and not isinstance(value, bool):
            return -value
    raise _BadEntry(f"unexpected literal {ast.dump(node)[:60]}")


def _constructor(name: str) -> Any:
    if name == "ExprCondPair":
        from sympy.functions.elementary.piecewise import ExprCondPair

        return ExprCondPair
    return getattr(sp, name)


def _build(node: ast.AST) -> Any:
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _CALLABLE:
            raise _BadEntry("call of a name outside the allowlist")
        name = node.func.id
        if name in ("Symbol", "Integer", "Rational", "Float"):
            args = [_literal(a) for a in node.args]
        else:
            args = [_build(a) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise _BadEntry("** arguments are not allowed")
            kwargs[kw.arg] = _literal(kw.value)
        if name == "Symbol" and not (len(args) == 1 and isinstance(args[0], str)):
            raise _BadEntry("Symbol needs one name")
        if name != "Symbol" and name != "Float" and kwargs:
            raise _BadEntry("keyword arguments only for Symbol and Float")
        if name == "Float" and not (
            set(kwargs) <= {"precision"} and kwargs.get("precision", 53) <= 400
        ):
            raise _BadEntry("Float precision out of range")
        if name == "Pow" and len(args) == 2 and all(isinstance(a, sp.Number) for a in args):
            if abs(args[1]) > _MAX_EXPONENT:  # bounded work: no 9**9**9 from a hostile file
                raise _BadEntry("numeric power too large")
        return _constructor(name)(*args, **kwargs)
    if isinstance(node, ast.Name):
        if node.id not in _CONSTANT:
            raise _BadEntry("unknown constant")
        return _CONSTANT[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _build(node.operand)
        return -inner  # srepr writes -oo
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return sp.Integer(_literal(node))
    raise _BadEntry(f"unexpected syntax {type(node).__name__}")


def parse_srepr(text: str) -> sp.Basic:
    r"""Rebuild a sympy object from its ``sympy.srepr`` text without evaluating code.

    Parameters
    ----------
    text : str
        Output of :func:`sympy.srepr`.

    Returns
    -------
    sympy.Basic

    Raises
    ------
    ValueError
        If the text uses anything but calls of allowlisted sympy constructors with literal
        arguments, or literals / numeric powers beyond their size caps.

    Notes
    -----
    The round trip is exact: :math:`\mathrm{parse}(\mathrm{srepr}(e)) = e`.

    Examples
    --------
    >>> parse_srepr(sp.srepr(sp.exp(sp.Symbol("t", real=True) - 1)))
    exp(t - 1)
    >>> parse_srepr("__import__('os')")
    Traceback (most recent call last):
    ...
    boundkit.generators._cache._BadEntry: call of a name outside the allowlist
    """
    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        raise _BadEntry("not a string of reasonable length")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise _BadEntry("not srepr text") from exc
    out = _build(tree.body)
    if not isinstance(out, sp.Basic):
        raise _BadEntry("not a sympy object")
    return out


# ------------------------------------------------------------------------ JSON round trip
def _encode(d: Derivation) -> dict[str, Any]:
    def enc(x: Any) -> str | None:
        return None if x is None else sp.srepr(x)

    out: dict[str, Any] = {k: enc(getattr(d, k)) for k in _EXPR_FIELDS + _SET_FIELDS}
    out.update({k: enc(getattr(d, k)) for k in _OPTIONAL_FIELDS})
    out["branches"] = [
        {
            "value": enc(b.value),
            "link": enc(b.link),
            "upper": enc(b.upper),
            "closed": bool(b.closed),
            "kind": b.kind,
            "argmax": enc(b.argmax),
        }
        for b in d.branches
    ]
    out["kinks"] = [enc(k) for k in d.kinks]
    out["closed_form"] = bool(d.closed_form)
    out["proofs"] = [str(p) for p in d.proofs]
    out["notes"] = [str(n) for n in d.notes]
    return out


def _expr(x: Any) -> sp.Basic:
    if not isinstance(x, str):
        raise _BadEntry("expression is not a string")
    return parse_srepr(x)


def _strings(x: Any) -> tuple[str, ...]:
    if not isinstance(x, list) or not all(isinstance(s, str) for s in x):
        raise _BadEntry("expected a list of strings")
    return tuple(x)


def _decode(obj: Any) -> Derivation:
    expected = set(_EXPR_FIELDS + _SET_FIELDS + _OPTIONAL_FIELDS) | {
        "branches",
        "kinks",
        "closed_form",
        "proofs",
        "notes",
    }
    if not isinstance(obj, dict) or set(obj) != expected:
        raise _BadEntry("wrong fields")
    fields: dict[str, Any] = {k: _expr(obj[k]) for k in _EXPR_FIELDS}
    for k in _SET_FIELDS:
        val = _expr(obj[k])
        if not isinstance(val, sp.Set):
            raise _BadEntry(f"{k} is not a set")
        fields[k] = val
    for k in _OPTIONAL_FIELDS:
        fields[k] = None if obj[k] is None else _expr(obj[k])
    if not isinstance(obj["closed_form"], bool):
        raise _BadEntry("closed_form is not a bool")
    if obj["closed_form"] != (fields["conjugate_expr"] is not None) or (
        fields["conjugate_expr"] is None
    ) != (fields["link_expr"] is None):
        raise _BadEntry("closed_form disagrees with the expressions")
    if not isinstance(obj["branches"], list) or not isinstance(obj["kinks"], list):
        raise _BadEntry("branches / kinks are not lists")
    branches = []
    for b in obj["branches"]:
        if not isinstance(b, dict) or set(b) != {
            "value",
            "link",
            "upper",
            "closed",
            "kind",
            "argmax",
        }:
            raise _BadEntry("malformed branch")
        if not isinstance(b["closed"], bool) or b["kind"] not in _KINDS:
            raise _BadEntry("malformed branch")
        branches.append(
            Branch(
                value=_expr(b["value"]),
                link=_expr(b["link"]),
                upper=_expr(b["upper"]),
                closed=b["closed"],
                kind=b["kind"],
                argmax=_expr(b["argmax"]),
            )
        )
    if obj["closed_form"] != bool(branches):
        raise _BadEntry("closed_form disagrees with the branches")
    return Derivation(
        branches=tuple(branches),
        kinks=tuple(_expr(k) for k in obj["kinks"]),
        closed_form=obj["closed_form"],
        proofs=_strings(obj["proofs"]),
        notes=_strings(obj["notes"]),
        **fields,
    )


def _key_text(key: sp.Basic | tuple[str, ...]) -> str:
    if isinstance(key, sp.Basic):
        return sp.srepr(key)
    if not isinstance(key, tuple) or not all(isinstance(k, str) for k in key):
        raise TypeError("a cache key is a sympy expression or a tuple of strings")
    return "\x1f".join(key)


def _read(path: Path, text: str) -> Derivation | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        obj = json.loads(raw)
        if not isinstance(obj, dict) or obj.get("format") != _FORMAT or obj.get("key") != text:
            raise _BadEntry("wrong format or key")
        return _decode(obj.get("derivation"))
    except (ValueError, TypeError, RecursionError, AttributeError):
        # corrupt, wrong-typed or foreign: discard it, it is recomputed and rewritten
        try:
            path.unlink()
        except OSError:
            pass
        return None


def _write(root: Path, path: Path, text: str, d: Derivation) -> None:
    try:
        payload = json.dumps({"format": _FORMAT, "key": text, "derivation": _encode(d)})
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except OSError:  # a read-only or full disk: caching is best effort
        pass


def cached_derivation(
    key: sp.Basic | tuple[str, ...], compute: Callable[[], Derivation]
) -> Derivation:
    """Return ``compute()``, memoised in the process and in the disk cache under ``key``.

    Parameters
    ----------
    key : sympy.Basic or tuple of str
        What the derivation is a function of (an expression, or strings naming the expression,
        parameter and substitution).
    compute : callable
        Computes the derivation when it is not cached. An exception (for example a CPU-time
        limit) propagates and nothing is stored.

    Returns
    -------
    Derivation
    """
    text = _key_text(key)
    digest = hashlib.sha256((_code_hash() + "\x1e" + text).encode()).hexdigest()[:40]
    hit = _MEMO.get(digest)
    if hit is not None:
        return hit
    root = cache_dir()
    path = root / f"{digest}.json" if root is not None else None
    d = _read(path, text) if path is not None else None
    if d is None:
        d = compute()
        if not isinstance(d, Derivation):
            raise TypeError("compute() must return a Derivation")
        if path is not None and root is not None:
            _write(root, path, text, d)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[digest] = d
    return d
