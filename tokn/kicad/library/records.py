"""The records of the symbol index: what callers get and what the scanner and cache hold.

Public: :class:`PinInfo` (one pin), :class:`SymbolInfo` (one symbol, ``extends`` resolved),
:class:`IndexStats` (counts and cost of an index).

Internal, with named fields instead of positions:

* :class:`ScanRecord` -- one top-level symbol as the scanner reads it (byte span,
  unit count, power flag, its own properties, its own pin count);
* :class:`SymbolTable` -- the symbols of one file without their properties, one list
  per field, as the cache keeps them (properties and pins live in a separately decoded
  blob);
* :data:`PinRow` -- a pin as a plain tuple of :class:`PinInfo`'s fields, in that order
  (the stock libraries hold 800,000 pins; plain tuples unpickle about twice as fast);
* :class:`FindTables` -- the per-library lookup tables of :meth:`SymbolIndex.find`.

Every record pickles.  The cache entries store :class:`SymbolTable` and
:class:`FindTables`, so changing their fields needs a new ``CACHE_VERSION``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence


class PinInfo(NamedTuple):
    """One pin as stored in the index (library coordinates, y up; unit/style 0 = common)."""
    number: str
    name: str
    type: str
    unit: int
    style: int
    hidden: bool
    x: float
    y: float
    angle: float
    length: float


#: A pin as the scanner and the cache hold it: :class:`PinInfo`'s fields, in order.
PinRow = tuple


class SymbolTable(NamedTuple):
    """The symbols of one library file as the cache keeps them, one list per field
    (index ``i``: the file's ``i``-th top-level symbol; no properties, no pins).

    ``starts``/``ends`` are byte spans of the ``(symbol ...)`` lists in the file;
    ``n_pins`` counts each symbol's own pins (0 for a derived symbol).  Columns rather than
    a record per symbol: a warm load reads 22,000 stock symbols, and seven lists unpickle
    much faster than 22,000 named tuples (which also stay tracked by the garbage collector).
    """
    names: list[str]
    extends: list[str]            # immediate parent ("" for a root symbol)
    starts: list[int]
    ends: list[int]
    unit_counts: list[int]
    powers: list[str]             # "" | "global" | "local"
    n_pins: list[int]

    @classmethod
    def of(cls, recs: Sequence["ScanRecord"]) -> "SymbolTable":
        """The table of scanned records (their properties left out)."""
        return cls(names=[r.name for r in recs], extends=[r.extends for r in recs],
                   starts=[r.start for r in recs], ends=[r.end for r in recs],
                   unit_counts=[r.unit_count for r in recs], powers=[r.power for r in recs],
                   n_pins=[r.n_pins for r in recs])


class ScanRecord(NamedTuple):
    """One top-level symbol as read from library text, with its own properties.

    Offsets are character offsets inside the scanners and byte offsets in the result of
    :func:`~tokn.kicad.library.scan.scan_library_text`.
    """
    name: str
    extends: str
    start: int
    end: int
    unit_count: int
    power: str
    properties: dict[str, str]
    n_pins: int


class FindTables(NamedTuple):
    """Per-library lookup tables of the ranking search (values are record indices).

    ``exact``: casefolded name; ``norm``: name without case and ``- _ / . ,`` or spaces;
    ``wild``: wildcard pattern (``\\0`` for a placeholder) keyed by its text before the
    first placeholder, as ``(pattern, index)``; ``words``: word -> indices for the name,
    the keywords and the description; ``keys``/``order``: casefolded names sorted, and the
    record index of each (prefix search by bisection).
    """
    exact: dict[str, list[int]]
    norm: dict[str, list[int]]
    wild: dict[str, list[tuple[str, int]]]
    words: tuple[dict[str, list[int]], dict[str, list[int]], dict[str, list[int]]]
    keys: list[str]
    order: list[int]


@dataclass(frozen=True)
class SymbolInfo:
    """What the index knows about one symbol, ``extends`` resolved (see the package doc)."""
    lib: str
    name: str
    extends: str                  # immediate parent ("" for a root symbol)
    root: str                     # the symbol whose units/pins are used
    unit_count: int
    power: str                    # "" | "global" | "local"
    properties: dict[str, str]
    pins: tuple[PinInfo, ...]

    @property
    def lib_id(self) -> str:
        return f"{self.lib}:{self.name}"

    @property
    def is_power(self) -> bool:
        return bool(self.power)

    @property
    def value(self) -> str:
        return self.properties.get("Value", "")

    @property
    def footprint(self) -> str:
        return self.properties.get("Footprint", "")

    @property
    def reference(self) -> str:
        return self.properties.get("Reference", "")

    @property
    def description(self) -> str:
        p = self.properties
        return p.get("Description", p.get("ki_description", ""))

    @property
    def keywords(self) -> str:
        return self.properties.get("ki_keywords", "")


@dataclass(frozen=True)
class IndexStats:
    """Counts and sizes of a symbol index and its cache (:meth:`SymbolIndex.stats`)."""
    libraries: int
    symbols: int
    pins: int                     # pins over all symbols, a derived symbol counting its root's
    cache_bytes: int              # size of the cache entries this index uses
    build_seconds: float          # wall time of the constructor
    scanned_files: int            # library files (re)scanned by this build
    cached_files: int             # library files taken from the cache
    cache_dir: str | None
    warnings: tuple[str, ...] = ()
