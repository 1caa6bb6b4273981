"""The symbol names of KiCad 9.0's stock libraries (shipped list, ``tokn/data``).

Kept apart from :mod:`tokn.kicad.library` (which re-exports these names) so that importing
them is cheap: the encoder asks whether a symbol name is unique to one stock library.
"""
from __future__ import annotations

import gzip
import re
from importlib import resources

_STANDARD: dict[str, str] | None = None          # name -> comma-separated nicknames
_STANDARD_HEADER: dict[str, str] = {}
STANDARD_NAMES_FILE = "kicad9-symbol-names.tsv.gz"
_ROW = re.compile(r"^([^\t\n]*)\t([^\n]*)", re.M)


def _load_standard() -> dict[str, str]:
    """``{symbol name: "Lib1,Lib2"}``, read once; one regular expression builds the table
    (about twice as fast as a Python loop over the 22,000 lines)."""
    global _STANDARD
    if _STANDARD is None:
        data = (resources.files("tokn") / "data" / STANDARD_NAMES_FILE).read_bytes()
        text = gzip.decompress(data).decode("utf-8")
        pos = 0
        while text.startswith("# ", pos):              # header: "# key: value" lines
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            k, _, v = text[pos + 2:end].partition(":")
            _STANDARD_HEADER[k.strip()] = v.strip()
            pos = end + 1
        _STANDARD = dict(_ROW.findall(text, pos))
    return _STANDARD


def standard_symbol_libraries(name: str) -> list[str]:
    """Nicknames of the stock KiCad 9.0 libraries holding a symbol named exactly ``name``
    (sorted), from the shipped list -- independent of what is installed here."""
    libs = _load_standard().get(name)
    return [] if libs is None else libs.split(",")


def standard_symbol_names_source() -> dict[str, str]:
    """Header fields of the shipped name list (``kicad-symbols`` version, generator)."""
    _load_standard()
    return dict(_STANDARD_HEADER)
