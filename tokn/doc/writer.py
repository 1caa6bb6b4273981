""":class:`~tokn.doc.model.Document` -> canonical TOKN text.

Layout (docs/format.md section 2 and 5)::

    # TOKN v1
    title: ...                 (when the title is not empty)
    kicad: 10                  (when Document.kicad is set)
    key: value                 (Document.extra, in order)
    extensions[K]: a,b         (when K > 0)
    pwrflags[K]: NET,...       (when K > 0: Document.pwrflags)
    <blank>
    components[N]{...}:        (always)
    <blank>
    pins{REF}[N]:              (one per entry of Document.pins, no blank lines between)
    <blank>
    nets[N]{name,pins}:        (always)
    <blank>
    wires[N]{net,pts}:         (always)
    <blank>, table             (each non-empty extension table, in tables.TABLES order)
    <blank>
    symbol{LIB_ID}[N]{...}:    (one per entry of Document.symbols, no blank lines between)

Every list is written in the order the Document holds it (putting components, nets and
pins into canonical order is the encoder's job; see :mod:`tokn.doc.naming`).  Base columns
are always written; an optional column only when some row has a non-default value in it.
For a flat, single-unit design with only base data this is exactly the TOKN v1.2 layout.

The *compact* layout (``write_tokn(doc, compact=True)``, the form LLM answers and few-shot
examples use; see :func:`tokn.doc.reduce.compact_document`) differs in two ways: component
columns after ``ref,type,value`` are written only when some row uses them (so a document
without placement has no ``x,y,w,h,a``), and an empty ``wires`` table is left out.  Both
layouts read back to the same document.
"""
from __future__ import annotations

import re
from itertools import repeat
from operator import attrgetter, ne
from typing import Any, Callable

from . import tables as T
from . import values as V
from .model import Document, PinDef

__all__ = ["write_tokn", "extensions_used"]

HEADER = "# TOKN v1"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Cells:
    """The text of a document's cells, one column at a time (docs/format.md section 3).

    Written column by column -- ``cells(kind, values)`` gives the text of every value of
    one column -- rather than cell by cell through a function per kind: the loops are
    comprehensions, and numbers and points are formatted once per distinct value for the
    whole document (coordinates repeat: a wire's end is the next one's start, parts sit on
    a grid).  With :func:`_rows` joining each row in C (``map(",".join, zip(*columns))``)
    and :func:`~tokn.doc.values.quote_fields` testing a column at once, writing the
    corpus's 34 designs takes 0.16 s CPU instead of 0.26 s.  The memos hold text for
    equal values: 0.0 and -0.0 are one key and both are written ``0.00``.
    """

    def __init__(self) -> None:
        self.numbers: dict[float, str] = {}
        self.points: dict[tuple[float, float], str] = {}

    def cells(self, kind: str, values: list) -> list[str]:
        """The text of ``values``, all of value kind ``kind``, in order."""
        if kind == T.STR:
            return V.quote_fields(values)
        if kind == T.NUM:
            numbers = self._remember(self.numbers, values, V.format_number)
            return ["" if v is None else numbers[v] for v in values]
        if kind == T.ANGLE:
            angles = self._remember({}, values, V.format_angle)
            return ["" if v is None else angles[v] for v in values]
        if kind == T.INT:
            return [str(int(v)) for v in values]
        if kind == T.BOOL:
            return ["1" if v else "" for v in values]
        if kind == T.POINTS:
            # points text has digits, '-', '.', ' ' and ','; quoted exactly when it holds a
            # comma, and then nothing in it needs escaping
            texts = [",".join(self._point_texts(pts)) for pts in values]
            return [f'"{t}"' if "," in t else t for t in texts]
        if kind == T.PINS:
            return V.quote_fields([",".join(v) for v in values])
        if kind == T.WORDS:
            return V.quote_fields([" ".join(v) for v in values])
        raise KeyError(kind)

    @staticmethod
    def _remember(memo: dict, values: list, fmt: Callable[[Any], str]) -> dict:
        """``memo`` with the text of every value of ``values`` not yet in it (None aside),
        formatted in the order the values first appear (so the first value that cannot be
        written is the one an error names)."""
        for v in dict.fromkeys(values):
            if v is not None and v not in memo:
                memo[v] = fmt(v)
        return memo

    def _point_texts(self, pts: list) -> list[str]:
        """``x y`` of each point of ``pts`` (:func:`~tokn.doc.values.format_points`'s items)."""
        memo = self.points
        try:
            return [memo[pt] if pt in memo else self._point_text(pt) for pt in pts]
        except TypeError:       # a point given as a list (unhashable): not memoised
            return [f"{V.format_number(x)} {V.format_number(y)}" for x, y in pts]

    def _point_text(self, pt: tuple[float, float]) -> str:
        """``x y`` of a point not met before (its coordinates may have been)."""
        x, y = pt
        t = self.points[pt] = f"{self._number(x)} {self._number(y)}"
        return t

    def _number(self, v: float) -> str:
        """:func:`~tokn.doc.values.format_number` of ``v``, memoised."""
        t = self.numbers.get(v)
        if t is None:
            t = self.numbers[v] = V.format_number(v)
        return t


#: Component columns the compact layout always writes (the others only when in use).
COMPACT_COMPONENT_COLUMNS = ("ref", "type", "value")


def _columns(spec: T.Table, rows: list, always: tuple[str, ...] | None = None) -> list[T.Column]:
    """The columns written for ``rows``: the non-optional ones (or only those named in
    ``always``, when given), and the others when some row is not at the default."""
    dflt = T.defaults(spec.cls)

    def forced(c: T.Column) -> bool:
        return c.name in always if always is not None else not c.optional

    def used(c: T.Column) -> bool:
        # map over C callables rather than a generator: one column of all rows in C
        return any(map(ne, map(attrgetter(c.attr), rows), repeat(dflt.get(c.attr))))
    return [c for c in spec.columns if forced(c) or used(c)]


def _rows(cols: list[T.Column], rows: list, cells: _Cells) -> list[str]:
    """The row lines of ``rows`` in columns ``cols`` (a lone empty field is written ``""``)."""
    if not cols:
        return ['  ""'] * len(rows)
    columns = [cells.cells(c.kind, list(map(attrgetter(c.attr), rows))) for c in cols]
    return ["  " + line if line else '  ""' for line in map(",".join, zip(*columns))]


def _table(spec: T.Table, rows: list, cells: _Cells, always: tuple[str, ...] | None = None) -> list[str]:
    cols = _columns(spec, rows, always)
    head = f"{spec.name}[{len(rows)}]{{{','.join(c.name for c in cols)}}}:"
    return [head] + _rows(cols, rows, cells)


def _pins_table(ref: str, pins: list[PinDef], cells: _Cells) -> list[str]:
    cols = _columns(T.PINS_TABLE, pins)
    head = f"pins{{{V.quote_key(ref)}}}[{len(pins)}]"
    if [c.name for c in cols] != list(T.PINS_DEFAULT_COLUMNS):
        head += "{" + ",".join(c.name for c in cols) + "}"
    return [head + ":"] + _rows(cols, pins, cells)


def _symbol_table(lib_id: str, pins: list, cells: _Cells) -> list[str]:
    cols = _columns(T.SYMBOL_TABLE, pins)
    head = f"symbol{{{V.quote_key(lib_id)}}}[{len(pins)}]{{{','.join(c.name for c in cols)}}}:"
    return [head] + _rows(cols, pins, cells)


def extensions_used(doc: Document) -> list[str]:
    """Extensions (docs/format.md section 4) that ``doc`` needs, in the canonical order."""
    used: set[str] = set()
    for spec in T.TABLES.values():
        rows = getattr(doc, spec.doc_attr)
        if rows and spec.extension:
            used.add(spec.extension)
        for c in _columns(spec, rows):
            if c.optional and c.extension:
                used.add(c.extension)
    if doc.symbols:
        used.add("symbols")
    if doc.pwrflags:
        used.add("power")
    return [e for e in T.EXTENSIONS if e in used]


def write_tokn(doc: Document, *, compact: bool = False) -> str:
    """Canonical TOKN text of ``doc`` (ends with one line end); the compact layout (module
    docstring) with ``compact``.

    Raises :class:`ValueError` for what TOKN cannot say: a non-finite number, an
    ``extra`` key that is not a plain name or that is reserved (``title``,
    ``extensions``, a table name).
    """
    out = [HEADER]
    if doc.title:
        out.append(f"{T.TITLE}: {V.quote_scalar(doc.title)}")
    if doc.kicad:
        out.append(f"{T.KICAD_KEY}: {int(doc.kicad)}")
    for key, value in doc.extra.items():
        if not _KEY.fullmatch(key) or key in (T.TITLE, T.KICAD_KEY, T.EXTENSIONS_KEY, T.PWRFLAGS_KEY, "pins") or key in T.TABLES:
            raise ValueError(f"cannot write the scalar {key!r}")
        out.append(f"{key}: {V.quote_scalar(value)}" if value else f"{key}:")
    exts = extensions_used(doc)
    if exts:
        out.append(f"{T.EXTENSIONS_KEY}[{len(exts)}]: {','.join(exts)}")
    if doc.pwrflags:
        items = [t or '""' for t in V.quote_fields(doc.pwrflags)]
        out.append(f"{T.PWRFLAGS_KEY}[{len(items)}]: {','.join(items)}")

    out.append("")
    cells = _Cells()
    out += _table(T.COMPONENTS, doc.components, cells, COMPACT_COMPONENT_COLUMNS if compact else None)
    if doc.pins:
        out.append("")
        for ref, pins in doc.pins.items():
            out += _pins_table(ref, pins, cells)
    for name in T.TABLES:
        spec = T.TABLES[name]
        rows = getattr(doc, spec.doc_attr)
        if name == "components" or (not rows and (compact or name not in T.BASE_TABLES)
                                     and name != "nets"):
            continue
        out.append("")
        out += _table(spec, rows, cells)
    if doc.symbols:
        out.append("")
        for lib_id, pins in doc.symbols.items():
            out += _symbol_table(lib_id, pins, cells)
    return "\n".join(out) + "\n"
