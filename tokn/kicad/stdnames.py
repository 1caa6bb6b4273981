"""The symbol names of KiCad 9.0's stock libraries (shipped list, ``tokn/data``).

Kept apart from :mod:`tokn.kicad.library` (which re-exports these names) so that importing
them is cheap: the encoder asks whether a symbol name is unique to one stock library.

The shipped file (written by ``scripts/make_symbol_names.py``) is ``# key: value`` header
lines, then one ``NAME<TAB>Lib1,Lib2`` line per name, **sorted by name in Python's string
order, each name once** (a test checks it).  A lookup is a binary search over the
decompressed text: no table of the 22,000 names is built (that took longer than encoding a
median design), and the file is read straight from the package directory when it is one
(:mod:`importlib.resources` otherwise, e.g. from a zip).
"""
from __future__ import annotations

import os
import zlib

_TEXT: str | None = None                         # the decompressed file
_BODY = 0                                        # offset of the first name line in _TEXT
_STANDARD_HEADER: dict[str, str] = {}
STANDARD_NAMES_FILE = "kicad9-symbol-names.tsv.gz"


def _read_data() -> bytes:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                        STANDARD_NAMES_FILE)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:                              # not a plain directory: ask the loader
        from importlib import resources
        return (resources.files("tokn") / "data" / STANDARD_NAMES_FILE).read_bytes()


def _load_text() -> str:
    """The decompressed name list, read once; fills the header fields."""
    global _TEXT, _BODY
    if _TEXT is None:
        text = zlib.decompress(_read_data(), 31).decode("utf-8")     # 31: a gzip stream
        pos = 0
        while text.startswith("# ", pos):              # header: "# key: value" lines
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            k, _, v = text[pos + 2:end].partition(":")
            _STANDARD_HEADER[k.strip()] = v.strip()
            pos = end + 1
        _TEXT, _BODY = text, pos
    return _TEXT


def _lookup(name: str) -> str | None:
    """The comma-separated nicknames on the line of ``name``, or None (binary search over
    line starts: ``lo`` and ``hi`` are always the starts of lines)."""
    text = _load_text()
    lo, hi = _BODY, len(text)
    while lo < hi:
        mid = (lo + hi) // 2
        start = text.rfind("\n", lo, mid) + 1       # start of the line holding ``mid``
        if start <= lo:
            start = lo
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        tab = text.find("\t", start, end)
        key = text[start:end] if tab < 0 else text[start:tab]
        if key == name:
            return None if tab < 0 else text[tab + 1:end]
        if key < name:
            lo = end + 1
        else:
            hi = start
    return None


def standard_symbol_libraries(name: str) -> list[str]:
    """Nicknames of the stock KiCad 9.0 libraries holding a symbol named exactly ``name``
    (sorted), from the shipped list -- independent of what is installed here."""
    if "\n" in name or "\t" in name:                # no name line can hold these
        return []
    libs = _lookup(name)
    return [] if libs is None else libs.split(",")


def standard_symbol_names_source() -> dict[str, str]:
    """Header fields of the shipped name list (``kicad-symbols`` version, generator)."""
    _load_text()
    return dict(_STANDARD_HEADER)
