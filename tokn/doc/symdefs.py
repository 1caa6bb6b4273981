"""Symbols a TOKN document carries itself (extension ``symbols``, docs/format.md section 5).

A design's own symbols (private libraries, or stock symbols that changed since the design
was drawn) cannot be found again from the document's ``lib:type`` alone.  The encoder writes
the pins of exactly those symbols -- numbers, names, electrical types, positions, units,
hidden flags -- so that a decoder rebuilds a symbol that connects and checks (ERC) as the
original did.  This module converts between library symbols and those pin rows and decides
which symbols need them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from ..kicad.symbols import LibSymbol, pin_signature
from .model import SymbolPin
from .naming import natural_key


def symbol_pins(sym: LibSymbol) -> list[SymbolPin]:
    """The rows of ``symbol{LIB_ID}`` for ``sym``: every pin, by unit, style and number."""
    rows = [SymbolPin(p.number, "" if p.name == "~" else p.name, p.type, p.x, p.y,
                      float(int(round(p.angle)) % 360), p.length, p.unit, p.style, p.hidden)
            for p in sym.pins]
    rows.sort(key=lambda r: (r.unit, r.style, natural_key(r.number)))
    return rows


def needs_definition(sym: LibSymbol, stock: LibSymbol | None) -> bool:
    """True when the stock library symbol is missing or would connect, or check, differently
    from the design's own copy ``sym`` (see :func:`tokn.kicad.symbols.pin_signature`)."""
    return stock is None or pin_signature(stock) != pin_signature(sym)


def document_symbols(used: Mapping[str, LibSymbol],
                     stock: Callable[[str], LibSymbol | None]) -> dict[str, list[SymbolPin]]:
    """``lib_id -> rows`` for the symbols of ``used`` (lib_id -> the design's copy) that
    ``stock`` (lib_id -> installed library symbol or None) does not hold exactly; sorted by
    lib_id so the output is canonical."""
    out = {}
    for lib_id in sorted(used, key=natural_key):
        sym = used[lib_id]
        if needs_definition(sym, stock(lib_id)):
            out[lib_id] = symbol_pins(sym)
    return out
