"""Interpretation of raw atom tokens.

An atom is kept exactly as it appeared in the file: ``"C\\"1"`` (quoted, with escapes) or
``hide`` / ``1.27`` (bare).  These helpers turn atoms into values and back.
"""
from __future__ import annotations

import re

_ESCAPE = re.compile(r'\\(.)', re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
_NEEDS_QUOTE = re.compile(r'[\s()"\\]|^$')


def is_string(tok: str) -> bool:
    """True when ``tok`` is a quoted string atom."""
    return tok[:1] == '"'


def text(tok: str) -> str:
    """The string value of an atom: quoted strings are unescaped, bare symbols returned as is."""
    if tok[:1] != '"':
        return tok
    body = tok[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def number(tok: str) -> float:
    """The numeric value of an atom (bare or quoted)."""
    return float(text(tok))


def quote(value: str) -> str:
    """Quote ``value`` the way KiCad writes string atoms."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def symbol_or_string(value: str) -> str:
    """Bare atom when ``value`` is a safe symbol, otherwise a quoted string."""
    return quote(value) if _NEEDS_QUOTE.search(value) else value
