"""The TOKN tables: names, columns, value kinds, defaults and extensions (docs/format.md).

Shared by :mod:`tokn.doc.parser` (columns are mapped by name) and :mod:`tokn.doc.writer`
(columns are written in the order given here).  A column is *required* when its dataclass
attribute has no default; an *optional* column is written only when some row has a
non-default value in it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from . import model

# Value kinds: how a cell is read and written (see tokn.doc.values).
STR, NUM, ANGLE, INT, BOOL, POINTS, PINS, WORDS = "str", "num", "angle", "int", "bool", "points", "pins", "words"

# Extensions in the order of docs/format.md section 4 (also the order of `extensions[K]:`).
EXTENSIONS = ("lib", "unit", "mirror", "dnp", "hier", "labels", "power", "junctions", "nc", "bus", "fields", "directives", "symbols")


@dataclass(frozen=True)
class Column:
    """One column of a TOKN table: its name and how its cells are read and written."""
    name: str                    # column name in the text
    attr: str                    # dataclass attribute
    kind: str                    # one of the value kinds above
    optional: bool = False       # written only when some row is not at its default
    extension: str | None = None  # extension that an optional column belongs to


@dataclass(frozen=True)
class Table:
    """A TOKN table: its name, model class, document attribute, columns, extension."""
    name: str                    # table name in the text
    cls: type                    # row dataclass
    doc_attr: str                # Document attribute holding the row list
    columns: tuple[Column, ...]
    extension: str | None = None  # None for the base tables

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _sheet() -> Column:
    return Column("sheet", "sheet", STR, optional=True, extension="hier")


def _c(name: str, kind: str = STR, attr: str | None = None) -> Column:
    return Column(name, attr or name, kind)


COMPONENTS = Table("components", model.Component, "components", (
    _c("ref"), _c("type"), _c("value"), _c("fp"),
    _c("x", NUM), _c("y", NUM), _c("w", NUM), _c("h", NUM), _c("a", ANGLE),
    Column("lib", "lib", STR, True, "lib"),
    Column("unit", "unit", INT, True, "unit"),
    Column("style", "style", INT, True, "unit"),
    Column("mirror", "mirror", STR, True, "mirror"),
    Column("dnp", "dnp", BOOL, True, "dnp"),
    Column("nobom", "nobom", BOOL, True, "dnp"),
    Column("noboard", "noboard", BOOL, True, "dnp"),
    _sheet(),
))

NETS = Table("nets", model.Net, "nets", (_c("name"), _c("pins", PINS)))
WIRES = Table("wires", model.Wire, "wires", (_c("net"), _c("pts", POINTS), _sheet()))

SHEETS = Table("sheets", model.Sheet, "sheets", (
    _c("id"), _c("name"), _c("file"), _c("parent"),
    _c("x", NUM), _c("y", NUM), _c("w", NUM), _c("h", NUM), Column("page", "page", STR, True)), "hier")
SHEETPINS = Table("sheetpins", model.SheetPin, "sheetpins", (
    _c("sheet"), _c("name"), _c("shape"), _c("x", NUM), _c("y", NUM), _c("a", ANGLE)), "hier")
SHEETFIELDS = Table("sheetfields", model.SheetField, "sheetfields", (_c("sheet"), _c("name"), _c("value")), "hier")
LABELS = Table("labels", model.Label, "labels", (
    _c("name"), _c("kind"), _c("shape"), _c("x", NUM), _c("y", NUM), _c("a", ANGLE), _sheet()), "labels")
POWER = Table("power", model.PowerSymbol, "power", (
    _c("net"), _c("lib"), _c("x", NUM), _c("y", NUM), _c("a", ANGLE),
    Column("local", "local", BOOL, True, "power"), _sheet()), "power")
JUNCTIONS = Table("junctions", model.Marker, "junctions", (_c("x", NUM), _c("y", NUM), _sheet()), "junctions")
NOCONNECTS = Table("noconnects", model.NoConnect, "noconnects", (
    Column("x", "x", NUM, True, "nc"), Column("y", "y", NUM, True, "nc"), Column("pin", "pin", STR, True, "nc"),
    _sheet()), "nc")
BUSES = Table("buses", model.Bus, "buses", (_c("pts", POINTS), _sheet()), "bus")
BUSENTRIES = Table("busentries", model.BusEntry, "busentries", (
    _c("x", NUM), _c("y", NUM), _c("dx", NUM), _c("dy", NUM), _sheet()), "bus")
BUSALIASES = Table("busaliases", model.BusAlias, "busaliases", (_c("name"), _c("members", WORDS)), "bus")
FIELDS = Table("fields", model.Field, "fields", (_c("refs", PINS), _c("name"), _c("value")), "fields")
DIRECTIVES = Table("directives", model.Directive, "directives", (
    _c("x", NUM), _c("y", NUM), _c("a", ANGLE), Column("shape", "shape", STR, True, "directives"),
    Column("len", "length", NUM, True, "directives"), Column("class", "netclass", STR, True, "directives"),
    Column("comp", "compclass", STR, True, "directives"), _sheet()), "directives")
RULEAREAS = Table("ruleareas", model.RuleArea, "ruleareas", (_c("pts", POINTS), _sheet()), "directives")

# Every `name[N]{cols}:` table, in writing order: base tables, then extension tables.
TABLES: dict[str, Table] = {t.name: t for t in (
    COMPONENTS, NETS, WIRES, SHEETS, SHEETPINS, SHEETFIELDS, LABELS, POWER, JUNCTIONS, NOCONNECTS,
    BUSES, BUSENTRIES, BUSALIASES, FIELDS, DIRECTIVES, RULEAREAS)}
BASE_TABLES = ("components", "nets", "wires")

# `pins{REF}[N]:` rows are num,name; `pins{REF}[N]{num,name,type}:` names its columns.
PINS_TABLE = Table("pins", model.PinDef, "pins", (
    Column("num", "number", STR), _c("name"), Column("type", "type", STR, True)))
PINS_DEFAULT_COLUMNS = ("num", "name")
#: Column names models write instead of the format's (lower case), per table: read by the
#: tolerant reader (table headers, markdown tables) and the loose JSON reader.
COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "components": {"designator": "ref", "reference": "ref", "refdes": "ref", "des": "ref",
                   "symbol": "type", "part": "type", "lib_id": "type", "device": "type", "component": "type",
                   "val": "value", "footprint": "fp", "package": "fp"},
    "nets": {"net": "name", "net name": "name", "net_name": "name", "netname": "name", "pin": "pins",
             "nodes": "pins", "connections": "pins", "members": "pins", "connects": "pins", "pin_list": "pins"},
    "pins": {"number": "num", "pin": "num", "no": "num", "pin_name": "name", "function": "name",
             "electrical_type": "type", "pin_type": "type", "etype": "type"},
}

# `symbol{LIB_ID}[N]{num,name,type,x,y,a,...}:` -- a symbol the document carries (extension
# `symbols`); the columns are always named.
SYMBOL_TABLE = Table("symbol", model.SymbolPin, "symbols", (
    Column("num", "number", STR), _c("name"), _c("type"), _c("x", NUM), _c("y", NUM), _c("a", ANGLE),
    Column("len", "length", NUM, True), Column("unit", "unit", INT, True),
    Column("style", "style", INT, True), Column("hide", "hide", BOOL, True),
    Column("jumper", "jumper", INT, True)), "symbols")

# Keyed tables `name{KEY}[N]...:` by name.
KEYED = {"pins": PINS_TABLE, "symbol": SYMBOL_TABLE}

# Scalars the format defines (anything else is kept in Document.extra).
TITLE = "title"
#: ``kicad: 10``: the KiCad major version of the design, when it is newer than KiCad 9's
#: formats (docs/format.md section 2: the libraries to check and draw it with).
KICAD_KEY = "kicad"
EXTENSIONS_KEY = "extensions"
#: ``pwrflags[K]: NET,...`` (extension ``power``): the nets a PWR_FLAG drives, in a document
#: without the drawing (docs/format.md section 5).
PWRFLAGS_KEY = "pwrflags"


_MISSING: Any = dataclasses.MISSING


def defaults(cls: type) -> dict[str, Any]:
    """``{attribute: default}`` of a row dataclass; required attributes are left out."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not _MISSING:
            out[f.name] = f.default
        elif f.default_factory is not _MISSING:
            out[f.name] = f.default_factory()
    return out


def required(table: Table) -> list[str]:
    """Column names that a table header must have (their attribute has no default)."""
    d = defaults(table.cls)
    return [c.name for c in table.columns if c.attr not in d]
