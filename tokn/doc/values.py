"""Text forms of TOKN values: quoting, escaping, numbers, booleans, points, lists.

Writers (``format_*``, ``quote_*``) always produce text that the matching reader
(``parse_*``, :func:`split_row`) turns back into an equal value; readers raise
:class:`ValueError` with a short message (the caller adds the location).
"""
from __future__ import annotations

import math
import re

from .model import Point

# ---- strings ----------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_ESCAPE_RE = re.compile(r'["\\\n\t\r]')
_UNESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
_UNESCAPE_RE = re.compile(r"\\(.)", re.S)

_FIELD_NEEDS_QUOTES = re.compile(r'[,"\\\n\r]|^\s|\s$')
_SCALAR_NEEDS_QUOTES = re.compile(r'["\\\n\r]|^\s|\s$')
_KEY_NEEDS_QUOTES = re.compile(r'[{}"\\\n\r]|^\s|\s$')


def quoted(s: str) -> str:
    """``s`` in double quotes with the escapes ``\\" \\\\ \\n \\t \\r``."""
    return '"' + _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], s) + '"'


def unquote(q: str) -> str:
    """Inverse of :func:`quoted`; ``q`` includes its quotes and only valid escapes."""
    body = q[1:-1]
    if "\\" not in body:
        return body
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], body)


def quote_field(s: str) -> str:
    """A row field or list item: bare unless it contains ``,`` ``"`` ``\\`` or a line
    break, or starts or ends with white space."""
    return quoted(s) if _FIELD_NEEDS_QUOTES.search(s) else s


# Some item of "\0".join(items) needs quotes as a field (no false negatives; a NUL inside
# an item can only give a false positive).
_SOME_FIELD_NEEDS_QUOTES = re.compile(r'[,"\\\n\r]|(?:^|\0)\s|\s(?:\0|$)')


def quote_fields(values: list[str]) -> list[str]:
    """:func:`quote_field` of each of ``values`` (a whole table column at once).

    One search of the joined column first: most columns (references, types, values) need
    no quotes at all, and then the list is returned as it is (copied) without a search
    per item."""
    if not _SOME_FIELD_NEEDS_QUOTES.search("\0".join(values)):
        return list(values)
    needs = _FIELD_NEEDS_QUOTES.search
    return [quoted(s) if needs(s) else s for s in values]


def quote_scalar(s: str) -> str:
    """The value of a ``key: value`` line: like :func:`quote_field`, but commas stay bare."""
    return quoted(s) if _SCALAR_NEEDS_QUOTES.search(s) else s


def quote_key(s: str) -> str:
    """The ``REF`` of ``pins{REF}``: quoted when empty or when it holds ``{ } " \\``, a line
    break, or leading/trailing white space."""
    return quoted(s) if not s or _KEY_NEEDS_QUOTES.search(s) else s


# A row body (the text after the two-space indent) is a comma-separated list of fields.
_FIELD_AT = re.compile(r'"((?:[^"\\]|\\.)*)"|([^,"]*)')


def split_row(body: str) -> list[str]:
    """Fields of a row body already accepted by the grammar, quoted fields unescaped."""
    if '"' not in body:
        return body.split(",")
    fields = []
    pos = 0
    n = len(body)
    while True:
        m = _FIELD_AT.match(body, pos)
        assert m is not None
        if m.group(1) is not None:
            fields.append(unquote(m.group()))
        else:
            fields.append(m.group(2))
        pos = m.end()
        if pos >= n:
            return fields
        pos += 1          # the comma


def split_row_marked(body: str) -> list[tuple[str, bool]]:
    """Like :func:`split_row`, with each field paired with whether it was quoted."""
    out = []
    for off in field_offsets(body):
        m = _FIELD_AT.match(body, off)
        assert m is not None
        quoted_ = m.group(1) is not None
        out.append((unquote(m.group()) if quoted_ else m.group(2), quoted_))
    return out


def field_offsets(body: str) -> list[int]:
    """0-based offsets in ``body`` where each field of :func:`split_row` starts."""
    offsets = []
    pos = 0
    while True:
        offsets.append(pos)
        m = _FIELD_AT.match(body, pos)
        assert m is not None
        pos = m.end()
        if pos >= len(body):
            return offsets
        pos += 1


# ---- numbers ----------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INT = re.compile(r"[-+]?[0-9]+")


def format_number(v: float) -> str:
    """Millimetres: two decimals when exact (``7.62``, ``0.00``), else the fewest digits up to
    four (``0.635``); values are rounded to KiCad's 0.0001 mm grid."""
    if not math.isfinite(v):
        raise ValueError(f"cannot write the number {v!r}")
    s = f"{v:.4f}"
    s = s[:-2] if s.endswith("00") else s.rstrip("0")
    if s[0] == "-" and not s.strip("-0."):
        s = s[1:]
    return s


def format_angle(v: float) -> str:
    """Rotation in degrees: an integer when integral (``0``, ``90``), else a number."""
    if not math.isfinite(v):
        raise ValueError(f"cannot write the angle {v!r}")
    return str(int(v)) if float(v).is_integer() else format_number(v)


def parse_number(s: str) -> float:
    """A decimal number (``-5.08``, ``90``, ``1e3``); nothing else (no ``nan``, no spaces)."""
    if not _NUMBER.fullmatch(s):
        raise ValueError(f"expected a number, found {s!r}")
    return float(s)


def parse_int(s: str) -> int:
    if not _INT.fullmatch(s):
        raise ValueError(f"expected an integer, found {s!r}")
    return int(s)


def parse_bool(s: str) -> bool:
    """``1`` is true; empty (or ``0``) is false."""
    if s == "1":
        return True
    if s in ("", "0"):
        return False
    raise ValueError(f"expected 1 or nothing, found {s!r}")


# ---- composite values -------------------------------------------------------------------

def format_points(pts: list[Point]) -> str:
    """``"x y,x y,..."`` (unquoted; quote with :func:`quote_field`)."""
    return ",".join(f"{format_number(x)} {format_number(y)}" for x, y in pts)


def parse_points(s: str) -> list[Point]:
    """Inverse of :func:`format_points`; the empty string is no points."""
    if not s:
        return []
    pts: list[Point] = []
    for item in s.split(","):
        xy = item.split()
        if len(xy) != 2:
            raise ValueError(f"expected a point 'x y', found {item!r}")
        pts.append((parse_number(xy[0]), parse_number(xy[1])))
    return pts


def parse_pin_list(s: str) -> list[str]:
    """``"C1.1,U1.2"`` -> ``["C1.1", "U1.2"]``; the empty string is no pins."""
    if not s:
        return []
    pins = s.split(",")
    if "" in pins:
        raise ValueError(f"empty pin in the list {s!r}")
    return pins


def parse_words(s: str) -> list[str]:
    """Space-separated words (bus alias members)."""
    return s.split()
