"""The persistent cache of scanned library files, and a library file as held in memory.

Contract: one pickle per library *file* under ``<cache dir>/symbol-index-v2/`` (cache
dir: argument, else ``$TOKN_CACHE_DIR``, else ``platformdirs.user_cache_dir("tokn")``),
valid while the file's (real path, size, mtime_ns) -- its :func:`file_key` -- are
unchanged.  An entry holds the library's :class:`~.records.SymbolTable` and two
compressed pickles: properties and pins, and the :class:`~.records.FindTables`.  An entry
of another format or key reads as missing; an unwritable cache directory only costs speed.

:class:`LibraryFile` holds one library in memory and decodes the two blobs on first use,
so a warm load touches only names, parents, byte spans, unit counts and power flags.
"""
from __future__ import annotations

import os
import pickle
import re
import sys
import zlib

from ...fsutil import write_atomic
from .inherit import chain_of
from .records import FindTables, PinRow, SymbolTable

#: Version of the cache layout; old entries live in another directory and are ignored.
CACHE_VERSION = 2
_CACHE_SUBDIR = f"symbol-index-v{CACHE_VERSION}"
#: Bumped whenever the record layout or the scanner's output changes.
_FORMAT = (CACHE_VERSION, 5)

FileKey = tuple[str, int, int]
#: (properties per record, pins per record: a tuple of pin rows, None for a derived symbol)
Detail = tuple[list[dict[str, str]], list[tuple[PinRow, ...] | None]]


def default_cache_dir() -> str:
    """``$TOKN_CACHE_DIR`` if set, else the platformdirs user cache dir of ``tokn``.

    On Linux with an absolute ``$HOME`` the answer is the XDG base directory rule, written
    out here (``$XDG_CACHE_HOME/tokn`` when that is an absolute path, else
    ``~/.cache/tokn``) rather than asked of platformdirs: importing platformdirs (and the
    ``pathlib``, ``tempfile`` and ``urllib`` it pulls in) took 10 ms, 7% of ``tokn encode
    FILE`` on a median design (docs/performance.md).  Every other case -- other systems,
    a missing or relative ``$HOME`` -- is platformdirs' answer; a test checks both give
    the same folder."""
    env = os.environ.get("TOKN_CACHE_DIR")
    if env:
        return env
    if sys.platform == "linux" and os.path.isabs(os.environ.get("HOME", "")):
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        return os.path.join(xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache"), "tokn")
    import platformdirs
    return platformdirs.user_cache_dir("tokn", appauthor=False)


def file_key(path: str) -> FileKey:
    """(real path, size, mtime_ns) of ``path``; raises :class:`OSError`."""
    st = os.stat(path)
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns)


def pack(obj: object) -> bytes:
    """A compressed pickle (the blobs of an entry)."""
    return zlib.compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes):
    return pickle.loads(zlib.decompress(blob))


def _sha1(data: bytes) -> str:
    """Hex SHA-1 of ``data`` (CPython's built-in ``_sha1`` when present: importing
    :mod:`hashlib` loads OpenSSL, about 3 ms of a 0.15 s ``tokn encode``)."""
    try:
        from _sha1 import sha1
    except ImportError:             # another Python: hashlib's, the same digest
        from hashlib import sha1
    return sha1(data).hexdigest()


def _entry_path(cache_dir: str, real: str) -> str:
    h = _sha1(real.encode("utf-8", "surrogatepass"))[:20]
    base = os.path.basename(real).replace(".kicad_sym", "")
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", base)[:40]
    return os.path.join(cache_dir, _CACHE_SUBDIR, f"{safe}-{h}.pickle")


def load_entry(cache_dir: str, key: FileKey) -> tuple[SymbolTable, bytes, bytes, int] | None:
    """(symbol table, detail blob, find blob, entry size) when a valid entry for ``key`` exists."""
    p = _entry_path(cache_dir, key[0])
    try:
        with open(p, "rb") as f:
            data = f.read()
        fmt, k, table, detail_blob, find_blob = pickle.loads(data)
    except Exception:               # missing, truncated, other version: rebuild
        return None
    if fmt != _FORMAT or tuple(k) != key:
        return None
    return table, detail_blob, find_blob, len(data)


def store_entry(cache_dir: str, key: FileKey, table: SymbolTable, detail_blob: bytes,
                find_blob: bytes) -> int:
    """Write atomically; returns the bytes written (0 when the cache is not writable)."""
    p = _entry_path(cache_dir, key[0])
    try:
        data = pickle.dumps((_FORMAT, key, table, detail_blob, find_blob),
                            protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(p, data)
        return len(data)
    except OSError:
        return 0


class LibraryFile:
    """One library file in memory: its symbol table, and the properties and pins (one
    compressed pickle) and find tables (another), decoded when first needed."""

    __slots__ = ("nick", "path", "key", "table", "by_name", "cache_bytes",
                 "_detail_blob", "_find_blob", "_detail", "_find")

    def __init__(self, nick: str, path: str, key: FileKey, table: SymbolTable,
                 detail_blob: bytes, find_blob: bytes, cache_bytes: int = 0) -> None:
        self.nick, self.path, self.key, self.table = nick, path, key, table
        self.by_name = {n: i for i, n in enumerate(table.names)}
        self.cache_bytes = cache_bytes
        self._detail_blob, self._find_blob = detail_blob, find_blob
        self._detail: Detail | None = None
        self._find: FindTables | None = None

    @classmethod
    def decoded(cls, nick: str, path: str, key: FileKey, table: SymbolTable,
                detail: Detail, find: FindTables, cache_bytes: int = 0) -> "LibraryFile":
        """A library just scanned: blobs packed, and the decoded forms kept."""
        lib = cls(nick, path, key, table, pack(detail), pack(find), cache_bytes)
        lib._detail, lib._find = detail, find
        return lib

    def blobs(self) -> tuple[bytes, bytes]:
        """(detail blob, find blob) as stored in the cache."""
        return self._detail_blob, self._find_blob

    def detail(self) -> Detail:
        """(properties per record, pins per record: tuple of pin rows or None if derived)."""
        if self._detail is None:
            self._detail = _unpack(self._detail_blob)
        return self._detail

    def find_tables(self) -> FindTables:
        if self._find is None:
            self._find = _unpack(self._find_blob)
        return self._find

    def chain(self, i: int) -> list[int]:
        """Record indices from symbol ``i`` up to its root."""
        return chain_of(self.table.extends, self.by_name, i)
