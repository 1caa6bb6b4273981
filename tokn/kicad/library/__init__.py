"""An index of KiCad symbol libraries, persistent across processes.

:class:`SymbolIndex` knows, for every symbol of a set of ``.kicad_sym`` files: library
nickname, name, ``extends`` parent (resolved to the root symbol for units, pins and power
flag), unit count, power flag, properties (Value, Footprint, Description, ki_keywords ...
merged the way KiCad's ``LIB_SYMBOL::Flatten()`` merges a derived symbol), and its pins
(number, name, electrical type, unit, body style, hidden, connection point, angle, length).

Lookups: :meth:`SymbolIndex.get`, :meth:`~SymbolIndex.info`, :meth:`~SymbolIndex.find`
(ranking documented in :func:`.search.find`), :meth:`~SymbolIndex.libraries_for`,
:meth:`~SymbolIndex.embed_text`, :meth:`~SymbolIndex.stats`; and
:func:`standard_symbol_libraries` from the shipped KiCad 9.0 name list
(:mod:`tokn.kicad.stdnames`).

One module per job, each importing only those before it:

* :mod:`.records` -- :class:`PinInfo`, :class:`SymbolInfo`, :class:`IndexStats` and the
  named records the scanner and the cache hold;
* :mod:`.scan` -- the regex scanner of library text and its exact fallback;
* :mod:`.inherit` -- ``extends`` chains, property merging, flattened ``lib_symbols`` nodes;
* :mod:`.cache` -- the per-file pickle cache (contract there) and a library in memory;
* :mod:`.search` -- the find tables and the ranking, one function per tier;
* :mod:`.index` -- :class:`SymbolIndex`, which composes them.
"""
from __future__ import annotations

from ...errors import LibraryError
from ..stdnames import STANDARD_NAMES_FILE, standard_symbol_libraries, standard_symbol_names_source
from .cache import CACHE_VERSION, default_cache_dir
from .index import SymbolIndex
from .inherit import MANDATORY_FIELDS, flatten_symbol_nodes, merge_properties
from .records import IndexStats, PinInfo, SymbolInfo
from .scan import node_properties, scan_library_text

__all__ = [
    "CACHE_VERSION", "IndexStats", "LibraryError", "MANDATORY_FIELDS", "PinInfo",
    "STANDARD_NAMES_FILE", "SymbolIndex", "SymbolInfo", "default_cache_dir",
    "flatten_symbol_nodes", "merge_properties", "node_properties", "scan_library_text",
    "standard_symbol_libraries", "standard_symbol_names_source",
]
