"""Interpretation of raw atom tokens.

An atom is kept exactly as it appeared in the file: ``"C\\"1"`` (quoted, with escapes) or
``hide`` / ``1.27`` (bare).  These helpers turn atoms into values and back.
"""
from __future__ import annotations

import math
import re

from ..errors import SchematicValueError

_ESCAPE = re.compile(r'\\(.)', re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
_NEEDS_QUOTE = re.compile(r'[\s()"\\]|^$')


def is_string(tok: str) -> bool:
    """True when ``tok`` is a quoted string atom."""
    return tok[:1] == '"'


def describe(tok) -> str:
    """How a token reads in an error message: ``'1x9'``, or ``a list`` for a nested list."""
    return repr(tok) if type(tok) is str else "a list"


def text(tok: str) -> str:
    """The string value of an atom: quoted strings are unescaped, bare symbols returned as is.

    Raises :class:`~tokn.errors.SchematicValueError` when ``tok`` is a list (a value
    expected where the file has a nested expression)."""
    if type(tok) is not str:
        raise SchematicValueError("expected a value, found a list", atom=None)
    if tok[:1] != '"':
        return tok
    body = tok[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def number(tok: str) -> float:
    """The numeric value of an atom (bare or quoted); finite, else
    :class:`~tokn.errors.SchematicValueError`."""
    try:
        # a bare atom directly (most numbers; no text() call: -15% for the schematic reader);
        # a quoted one or a list fails here and is read by text()
        v = float(tok)
    except (ValueError, TypeError):
        try:
            v = float(text(tok))
        except ValueError:
            v = math.nan
    if not math.isfinite(v):
        raise SchematicValueError(f"expected a number, found {describe(tok)}",
                                  atom=tok if type(tok) is str else None)
    return v


def integer(tok: str) -> int:
    """An integral atom (``1``, ``2.0``): units, body styles, file versions; else
    :class:`~tokn.errors.SchematicValueError`."""
    v = number(tok)
    if not v.is_integer():
        raise SchematicValueError(f"expected a whole number, found {describe(tok)}", atom=tok)
    return int(v)


def arg(node: list, i: int) -> str:
    """Argument ``i`` of ``(head a1 a2 ...)``; a missing one is a
    :class:`~tokn.errors.SchematicValueError` naming the list."""
    if len(node) <= i:
        head = node[0] if node and type(node[0]) is str else "?"
        raise SchematicValueError(f"({head} ...) needs at least {i} value(s), has {len(node) - 1}",
                                  node=node)
    return node[i]


def quote(value: str) -> str:
    """Quote ``value`` the way KiCad writes string atoms."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def symbol_or_string(value: str) -> str:
    """Bare atom when ``value`` is a safe symbol, otherwise a quoted string."""
    return quote(value) if _NEEDS_QUOTE.search(value) else value
