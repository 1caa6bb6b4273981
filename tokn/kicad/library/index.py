"""The symbol index: every symbol of a set of ``.kicad_sym`` files, persistent across processes.

:class:`SymbolIndex` knows, for every symbol: library nickname, name, ``extends`` parent
(resolved to the root symbol for units, pins and power flag), unit count, power flag,
properties (merged as :func:`~.inherit.merge_properties` says) and pins.  It composes the
package's parts: library files are read by :mod:`.scan`, kept in :mod:`.cache`, derived
symbols flattened by :mod:`.inherit`, and :meth:`SymbolIndex.find` ranked by :mod:`.search`.
Each symbol's byte span is stored, so :meth:`SymbolIndex.get` reads and parses only that
symbol and its parents.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Iterable, Mapping

from ..ids import split_lib_id
from ...errors import LibraryError, ToknError
from ...sexpr import format_list, parse, parse_lean, text
from ..libtable import load_symbol_libraries, project_directory
from ..symbols import LibSymbol, parse_lib_symbol, pin_signature
from .cache import LibraryFile, default_cache_dir, file_key, load_entry, store_entry
from .inherit import flatten_symbol_nodes, merge_properties
from .records import IndexStats, PinInfo, SymbolInfo, SymbolTable
from .scan import node_properties, scan_library_file


def _search():
    """:mod:`.search`, imported when a library is scanned or searched (a lookup by
    ``Lib:Name`` from the cache never needs it)."""
    from . import search
    return search


class SymbolIndex:
    """Index of the symbols of a set of libraries (see the package docstring).

    ``libraries`` maps nickname -> ``.kicad_sym`` path, in priority order.  Unreadable or
    malformed libraries are skipped with a message in ``warnings``.  ``cache_dir`` defaults
    to :func:`default_cache_dir`; ``use_cache=False`` neither reads nor writes a cache.

    :meth:`get`, :meth:`info` and :meth:`embed_node` check the library file's size and
    mtime on every call and scan it again when it changed; :meth:`find` and
    :meth:`libraries_for` answer from the state of the last scan.  Safe to share between
    threads.
    """

    _memo: dict = {}
    _lookups: dict = {}             # project key -> LibraryLookup (default_lookup)
    _memo_lock = threading.Lock()

    def __init__(self, libraries: Mapping[str, str], cache_dir: str | None = None,
                 use_cache: bool = True, warnings: Iterable[str] = ()) -> None:
        t0 = time.perf_counter()
        self.cache_dir = (cache_dir or default_cache_dir()) if use_cache else None
        self.warnings: list[str] = list(warnings)
        self._lock = threading.RLock()
        self._libs: dict[str, LibraryFile] = {}
        self._scanned = self._cached = 0
        for nick, path in libraries.items():
            lib = self._open(nick, path)
            if lib is not None:
                self._libs[nick] = lib
        self._by_name: dict[str, list[str]] = {}
        self._index_names()
        self._text_cache: dict[tuple, bytes] = {}
        self._signatures: dict[str, tuple] = {}     # lib_id -> (LibraryFile, (signature, properties))
        self._build_seconds = time.perf_counter() - t0

    # ---------------------------------------------------------------- construction
    @classmethod
    def default(cls, project_dir: str | None = None, refresh: bool = False,
                kicad: int | None = None) -> "SymbolIndex":
        """The index of the libraries KiCad 9 shows for ``project_dir`` (global ones when
        None) -- KiCad ``kicad``'s where both are installed (:func:`~tokn.kicad.libtable.load_symbol_libraries`)
        --, memoised per project for the process; ``refresh=True`` re-reads the library
        tables and re-checks every library file (changed ones are scanned again)."""
        proj = project_directory(project_dir)
        key = (os.path.realpath(proj) if proj else None, kicad)
        with cls._memo_lock:
            idx = cls._memo.get(key)
            if idx is None or refresh:
                cls._lookups.pop(key, None)
                libs = load_symbol_libraries(proj, kicad=kicad)
                idx = cls(libs.libraries, warnings=libs.warnings)
                cls._memo[key] = idx
            return idx

    @classmethod
    def default_lookup(cls, project_dir: str | None = None,
                       kicad: int | None = None) -> "SymbolIndex | LibraryLookup":
        """Something with :meth:`get` that answers exactly as ``default(project_dir).get``
        does, for callers that only look symbols up by ``Lib:Name`` (the encoder): the
        memoised :meth:`default` index when this process already built it, else a
        :class:`LibraryLookup` of the same libraries (memoised per project in turn), which
        opens only the library each lookup names instead of all of them."""
        proj = project_directory(project_dir)
        key = (os.path.realpath(proj) if proj else None, kicad)
        with cls._memo_lock:
            idx = cls._memo.get(key)
            if idx is not None:
                return idx
            look = cls._lookups.get(key)
            if look is None:
                look = cls._lookups[key] = LibraryLookup(load_symbol_libraries(proj, kicad=kicad).libraries)
            return look

    def _open(self, nick: str, path: str) -> LibraryFile | None:
        try:
            key = file_key(path)
        except OSError as e:
            self.warnings.append(f"library {nick!r}: {path}: {e.strerror or e}")
            return None
        if self.cache_dir:
            hit = load_entry(self.cache_dir, key)
            if hit is not None:
                self._cached += 1
                return LibraryFile(nick, path, key, *hit)
        try:
            recs, pins = scan_library_file(path)
        except (OSError, ToknError) as e:
            self.warnings.append(f"library {nick!r}: {e}")
            return None
        self._scanned += 1
        table = SymbolTable.of(recs)
        lib = LibraryFile.decoded(nick, path, key, table, ([r.properties for r in recs], pins),
                                  _search().build_find_tables(recs))
        if self.cache_dir:
            lib.cache_bytes = store_entry(self.cache_dir, key, table, *lib.blobs())
        return lib

    def _fresh(self, nick: str) -> LibraryFile | None:
        """The library, scanned again first when its file changed since indexing."""
        lib = self._libs.get(nick)
        if lib is None:
            return None
        try:
            key = file_key(lib.path)
        except OSError:
            return lib
        if key != lib.key:
            with self._lock:
                new = self._open(nick, lib.path)
                if new is not None:
                    self._libs[nick] = new
                    self._index_names()
                    self._text_cache = {k: v for k, v in self._text_cache.items() if k[0] != nick}
                    lib = new
        return lib

    def _index_names(self) -> None:
        by_name: dict[str, list[str]] = {}
        for nick, lib in self._libs.items():
            for name in lib.table.names:
                by_name.setdefault(name, []).append(nick)
        self._by_name = by_name

    # ---------------------------------------------------------------- basic access
    @property
    def libraries(self) -> dict[str, str]:
        """nickname -> library path of the indexed libraries, in priority order."""
        return {n: lib.path for n, lib in self._libs.items()}

    def __contains__(self, lib_id: str) -> bool:
        nick, name = split_lib_id(lib_id)
        lib = self._libs.get(nick)
        return lib is not None and name in lib.by_name

    def __len__(self) -> int:
        return sum(len(lib.table.names) for lib in self._libs.values())

    def lib_ids(self) -> Iterable[str]:
        """Every ``Lib:Name``, libraries in priority order, symbols in file order."""
        for nick, lib in self._libs.items():
            for name in lib.table.names:
                yield f"{nick}:{name}"

    def info(self, lib_id: str) -> SymbolInfo | None:
        """Index data of ``Lib:Name`` (no file access unless the library file changed)."""
        nick, name = split_lib_id(lib_id)
        lib = self._fresh(nick)
        if lib is None or name not in lib.by_name:
            return None
        chain = lib.chain(lib.by_name[name])
        props, pins = lib.detail()
        t, root = lib.table, chain[-1]
        return SymbolInfo(
            lib=nick, name=name, extends=t.extends[chain[0]], root=t.names[root],
            unit_count=t.unit_counts[root], power=t.powers[root],
            properties=merge_properties(props[i] for i in reversed(chain)),
            pins=tuple(PinInfo._make(p) for p in pins[chain[-1]] or ()))

    def libraries_for(self, name: str) -> list[str]:
        """Nicknames (priority order) of the libraries holding a symbol named exactly ``name``."""
        return list(self._by_name.get(name, ()))

    # ---------------------------------------------------------------- symbol text
    def _symbol_bytes(self, lib: LibraryFile, i: int) -> bytes:
        k = (lib.nick, i)
        got = self._text_cache.get(k)
        if got is None:
            start, end = lib.table.starts[i], lib.table.ends[i]
            try:
                with open(lib.path, "rb") as f:
                    f.seek(start)
                    got = f.read(end - start)
            except OSError as e:
                raise LibraryError(f"cannot read library: {e.strerror or e}", lib.path) from None
            if len(self._text_cache) > 256:
                self._text_cache.clear()
            self._text_cache[k] = got
        return got

    def _symbol_node(self, lib: LibraryFile, i: int, lean: bool = False) -> list:
        """The parsed ``(symbol ...)`` node of symbol ``i`` of ``lib``; ``lean``: without
        graphics and text effects (:func:`~tokn.sexpr.parse_lean`; pins are all there)."""
        name = lib.table.names[i]
        raw = self._symbol_bytes(lib, i)
        try:
            node = (parse_lean if lean else parse)(raw.decode("utf-8"), lib.path)[0]
            if node[0] == "symbol" and len(node) > 1 and text(node[1]) == name:
                return node
        except (ToknError, UnicodeDecodeError, IndexError):
            pass
        # Stored span does not hold the symbol (should not happen): read the whole file.
        try:
            with open(lib.path, encoding="utf-8") as f:
                tree = parse(f.read(), lib.path)[0]
        except (OSError, UnicodeDecodeError) as e:
            raise LibraryError(f"cannot read library: {e}", lib.path) from None
        for c in tree:
            if type(c) is not str and c and c[0] == "symbol" and len(c) > 1 and text(c[1]) == name:
                return c
        raise LibraryError(f"symbol {name!r} not found", lib.path)

    def embed_node(self, lib_id: str) -> list | None:
        """A fresh parsed ``(symbol "Lib:Name" ...)`` as KiCad embeds it in ``lib_symbols``
        (see :func:`flatten_symbol_nodes`), or None when ``lib_id`` is unknown."""
        nick, name = split_lib_id(lib_id)
        lib = self._fresh(nick)
        if lib is None or name not in lib.by_name:
            return None
        chain = lib.chain(lib.by_name[name])
        return flatten_symbol_nodes([self._symbol_node(lib, i) for i in chain], lib_id)

    def get(self, lib_id: str) -> LibSymbol | None:
        """The full symbol ``Lib:Name`` (exact, case-sensitive), or None.

        Equals ``parse_lib_symbol(embed_node(lib_id))`` with properties read by
        :func:`node_properties` (KiCad 9 ``private`` fields): ``name`` is the lib_id,
        ``node`` the flattened tree (parent's units, graphics and pins for a derived
        symbol), ``extends`` empty.  Each call returns new objects.  Raises
        :class:`LibraryError` when the library file can no longer be read.
        """
        node = self.embed_node(lib_id)
        if node is None:
            return None
        sym = parse_lib_symbol(node)
        sym.properties = node_properties(node)      # (property private ...) read right
        sym.keywords = sym.properties.get("ki_keywords", "")
        sym.description = sym.properties.get("Description", sym.properties.get("ki_description", ""))
        return sym

    def pin_signature(self, lib_id: str) -> tuple | None:
        """:func:`~tokn.kicad.symbols.pin_signature` of :meth:`get`, or None when
        ``lib_id`` is unknown: what the encoder compares a design's copy of a symbol with.

        Memoised per symbol while its library file is unchanged (checked on every call, as
        :meth:`get` does), and read with the lean parser (a signature needs no graphics):
        for the corpus's 34 designs (535 lookups of 238 symbols) the encoder's comparison
        took 0.19 s CPU through :meth:`get`, 0.13 s with this in a fresh process, 0.03 s
        when every signature is memoised."""
        lean = self._lean_summary(lib_id)
        return None if lean is None else lean[0]

    def fields(self, lib_id: str) -> dict[str, str] | None:
        """The properties of :meth:`get` (``{name: value}``: Reference, Value, Datasheet,
        Description, ``ki_keywords``...), or None when ``lib_id`` is unknown; memoised
        with :meth:`pin_signature` (the encoder compares a part's fields with them)."""
        lean = self._lean_summary(lib_id)
        return None if lean is None else lean[1]

    def _lean_summary(self, lib_id: str) -> tuple[tuple, dict[str, str]] | None:
        """(pin signature, properties) of ``lib_id``, read with the lean parser and
        memoised per symbol while its library file is unchanged; None when unknown."""
        nick, name = split_lib_id(lib_id)
        lib = self._fresh(nick)
        if lib is None or name not in lib.by_name:
            return None
        hit = self._signatures.get(lib_id)
        if hit is not None and hit[0] is lib:
            return hit[1]
        chain = lib.chain(lib.by_name[name])
        node = flatten_symbol_nodes([self._symbol_node(lib, i, lean=True) for i in chain], lib_id)
        summary = (pin_signature(parse_lib_symbol(node)), node_properties(node))
        if len(self._signatures) > 4096:
            self._signatures.clear()
        self._signatures[lib_id] = (lib, summary)
        return summary

    def embed_text(self, lib_id: str, indent: int = 0) -> str:
        """S-expression text of :meth:`embed_node`, laid out as KiCad writes it with
        continuation lines indented for nesting depth ``indent`` (2 inside a schematic's
        ``lib_symbols``).  Raises :class:`LibraryError` for an unknown ``lib_id``."""
        node = self.embed_node(lib_id)
        if node is None:
            raise LibraryError(f"unknown library symbol {lib_id!r}")
        return format_list(node, indent)

    # ---------------------------------------------------------------- find
    def find(self, name: str, limit: int = 10) -> list[str]:
        """``Lib:Name`` ids matching a part name as people write it, best first (ranking:
        :func:`tokn.kicad.library.search.find`).  The result does not depend on the order
        of the libraries."""
        search = _search()
        libs = [search.Library(nick, lib.table.names, lib.find_tables()) for nick, lib in self._libs.items()]
        return search.find(libs, name, limit)

    # ---------------------------------------------------------------- stats
    def stats(self) -> IndexStats:
        """Counts and cost of this index (``pins`` counts a derived symbol's root pins)."""
        n_sym = n_pin = cache = 0
        for lib in self._libs.values():
            t = lib.table
            n_sym += len(t.names)
            cache += lib.cache_bytes
            for i, parent in enumerate(t.extends):
                n_pin += t.n_pins[lib.chain(i)[-1]] if parent else t.n_pins[i]
        return IndexStats(libraries=len(self._libs), symbols=n_sym, pins=n_pin,
                          cache_bytes=cache, build_seconds=self._build_seconds,
                          scanned_files=self._scanned, cached_files=self._cached,
                          cache_dir=self.cache_dir, warnings=tuple(self.warnings))


class LibraryLookup:
    """:meth:`SymbolIndex.get` over a set of libraries, each opened on its first lookup.

    ``libraries`` maps nickname -> ``.kicad_sym`` path as for :class:`SymbolIndex`.
    ``get(lib_id)`` returns what ``SymbolIndex(libraries).get(lib_id)`` returns (the answer
    depends on library ``Lib`` only, which is opened -- from the cache, else scanned and
    cached -- as a one-library :class:`SymbolIndex` and kept, so it too notices a changed
    file on every call).  Nothing else of the index is offered: a caller wanting names,
    search, warnings or statistics needs the whole :class:`SymbolIndex`.  Safe to share
    between threads.
    """

    def __init__(self, libraries: Mapping[str, str], cache_dir: str | None = None,
                 use_cache: bool = True) -> None:
        self._paths = dict(libraries)
        self._cache_dir, self._use_cache = cache_dir, use_cache
        self._open: dict[str, SymbolIndex] = {}
        self._lock = threading.Lock()

    def _index(self, nick: str) -> SymbolIndex | None:
        path = self._paths.get(nick)
        if path is None:
            return None
        idx = self._open.get(nick)
        if idx is None:
            with self._lock:
                idx = self._open.get(nick)
                if idx is None:
                    idx = self._open[nick] = SymbolIndex({nick: path}, self._cache_dir, self._use_cache)
        return idx

    def get(self, lib_id: str) -> LibSymbol | None:
        """:meth:`SymbolIndex.get` (a new object per call; None for an unknown ``lib_id`` or
        a library that cannot be read)."""
        idx = self._index(split_lib_id(lib_id)[0])
        return None if idx is None else idx.get(lib_id)

    def pin_signature(self, lib_id: str) -> tuple | None:
        """:meth:`SymbolIndex.pin_signature` (None for an unknown ``lib_id`` or a library
        that cannot be read)."""
        idx = self._index(split_lib_id(lib_id)[0])
        return None if idx is None else idx.pin_signature(lib_id)

    def fields(self, lib_id: str) -> dict[str, str] | None:
        """:meth:`SymbolIndex.fields` (None for an unknown ``lib_id`` or a library that
        cannot be read)."""
        idx = self._index(split_lib_id(lib_id)[0])
        return None if idx is None else idx.fields(lib_id)

