""":class:`~tokn.doc.model.Document` -> canonical TOKN text.

Layout (docs/format.md section 2 and 5)::

    # TOKN v1
    title: ...                 (when the title is not empty)
    key: value                 (Document.extra, in order)
    extensions[K]: a,b         (when K > 0)
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
from typing import Any, Callable

from . import tables as T
from . import values as V
from .model import Document, PinDef

__all__ = ["write_tokn", "extensions_used"]

HEADER = "# TOKN v1"
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _cell_writer(kind: str) -> Callable[[Any], str]:
    return {
        T.STR: V.quote_field,
        T.NUM: lambda v: "" if v is None else V.format_number(v),
        T.ANGLE: lambda v: "" if v is None else V.format_angle(v),
        T.INT: lambda v: str(int(v)),
        T.BOOL: lambda v: "1" if v else "",
        T.POINTS: lambda v: V.quote_field(V.format_points(v)),
        T.PINS: lambda v: V.quote_field(",".join(v)),
        T.WORDS: lambda v: V.quote_field(" ".join(v)),
    }[kind]


#: Component columns the compact layout always writes (the others only when in use).
COMPACT_COMPONENT_COLUMNS = ("ref", "type", "value")


def _columns(spec: T.Table, rows: list, always: tuple[str, ...] | None = None) -> list[T.Column]:
    """The columns written for ``rows``: the non-optional ones (or only those named in
    ``always``, when given), and the others when some row is not at the default."""
    dflt = T.defaults(spec.cls)

    def forced(c: T.Column) -> bool:
        return c.name in always if always is not None else not c.optional
    return [c for c in spec.columns
            if forced(c) or any(getattr(r, c.attr) != dflt.get(c.attr) for r in rows)]


def _rows(cols: list[T.Column], rows: list) -> list[str]:
    writers = [(c.attr, _cell_writer(c.kind)) for c in cols]
    out = []
    for r in rows:
        line = ",".join(w(getattr(r, attr)) for attr, w in writers)
        out.append("  " + (line if line else '""'))    # a lone empty field is written ""
    return out


def _table(spec: T.Table, rows: list, always: tuple[str, ...] | None = None) -> list[str]:
    cols = _columns(spec, rows, always)
    head = f"{spec.name}[{len(rows)}]{{{','.join(c.name for c in cols)}}}:"
    return [head] + _rows(cols, rows)


def _pins_table(ref: str, pins: list[PinDef]) -> list[str]:
    cols = _columns(T.PINS_TABLE, pins)
    head = f"pins{{{V.quote_key(ref)}}}[{len(pins)}]"
    if [c.name for c in cols] != list(T.PINS_DEFAULT_COLUMNS):
        head += "{" + ",".join(c.name for c in cols) + "}"
    return [head + ":"] + _rows(cols, pins)


def _symbol_table(lib_id: str, pins: list) -> list[str]:
    cols = _columns(T.SYMBOL_TABLE, pins)
    head = f"symbol{{{V.quote_key(lib_id)}}}[{len(pins)}]{{{','.join(c.name for c in cols)}}}:"
    return [head] + _rows(cols, pins)


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
    for key, value in doc.extra.items():
        if not _KEY.fullmatch(key) or key in (T.TITLE, T.EXTENSIONS_KEY, "pins") or key in T.TABLES:
            raise ValueError(f"cannot write the scalar {key!r}")
        out.append(f"{key}: {V.quote_scalar(value)}" if value else f"{key}:")
    exts = extensions_used(doc)
    if exts:
        out.append(f"{T.EXTENSIONS_KEY}[{len(exts)}]: {','.join(exts)}")

    out.append("")
    out += _table(T.COMPONENTS, doc.components, COMPACT_COMPONENT_COLUMNS if compact else None)
    if doc.pins:
        out.append("")
        for ref, pins in doc.pins.items():
            out += _pins_table(ref, pins)
    for name in T.TABLES:
        spec = T.TABLES[name]
        rows = getattr(doc, spec.doc_attr)
        if name == "components" or (not rows and (compact or name not in T.BASE_TABLES)
                                     and name != "nets"):
            continue
        out.append("")
        out += _table(spec, rows)
    if doc.symbols:
        out.append("")
        for lib_id, pins in doc.symbols.items():
            out += _symbol_table(lib_id, pins)
    return "\n".join(out) + "\n"
