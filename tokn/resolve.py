"""Finding the KiCad library symbol a TOKN component means.

Exact sources first, in this order: the explicit ``lib:type`` lib_id among the symbols the
caller supplies (``extra``: the symbols a document carries itself, then e.g. the
``lib_symbols`` cache of the schematic it was encoded from), then in the index (the
installed libraries and the project's own library tables).  A component without a library
nickname is looked up by name: in ``extra``, then as a name that exists in the installed
libraries (KiCad's generic libraries preferred when several hold it).

Fuzzy matching -- a symbol of *another* name that plausibly is the same part
(``TL072CP`` read as ``Amplifier_Operational:TL072``), today's name of a generic symbol that
KiCad renamed (``CP`` read as ``Device:C_Polarized``), or the same name in another library
when the stated library lacks it -- happens only when the resolver is made with
``fuzzy=True``.  That is for documents written by people or models (generation), never for
decoding an encoded design, where a different part would silently change the circuit: there
an unknown lib_id resolves to nothing and the decoder builds the part from the document.

:func:`touch_conflict` says when a symbol, found however, would connect a part's pins
otherwise than the document's nets (stacked pins, hidden power inputs): the decoder then
does not use it, and the validator warns.
"""
from __future__ import annotations

from dataclasses import dataclass

from .doc.model import Component, Document
from .doc.naming import natural_key
from .kicad.partnames import plausible_symbol
from .kicad.symbols import LibSymbol
from .kicad.ids import split_lib_id, symbol_name

# When a name exists in several libraries, prefer these (KiCad's generic libraries first).
_PREFERRED = ("Device", "power", "Connector", "Connector_Generic")


@dataclass
class Resolution:
    lib_id: str
    symbol: LibSymbol
    exact: bool          # False when found by fuzzy matching


class SymbolResolver:
    """Resolves components to library symbols; memoises by (lib, type).

    ``index``: anything with ``get(lib_id)``, ``libraries_for(name)`` and ``find(name)``
    (:class:`tokn.kicad.library.SymbolIndex`); ``extra``: lib_id -> LibSymbol, searched
    first; ``fuzzy``: allow substitutes (see the module doc)."""

    def __init__(self, index=None, extra: dict[str, LibSymbol] | None = None, *, fuzzy: bool = True) -> None:
        self.index = index
        self.extra = dict(extra or {})
        self.fuzzy = fuzzy
        self._memo: dict[tuple[str, str], Resolution | None] = {}

    def add_symbols(self, symbols: dict[str, LibSymbol]) -> None:
        """Add symbols keyed by lib_id (e.g. a schematic's embedded cache); symbols already
        known under the same lib_id are kept (the first source wins)."""
        for k, v in symbols.items():
            self.extra.setdefault(k, v)
        self._memo.clear()

    def resolve(self, comp: Component) -> Resolution | None:
        key = (comp.lib, comp.type)
        if key not in self._memo:
            self._memo[key] = self._resolve(comp.lib, comp.type)
        return self._memo[key]

    def _resolve(self, lib: str, name: str) -> Resolution | None:
        if not lib and ":" in name:
            # "Device:R" written as the type (KiCad symbol names never hold a colon)
            lib, name = split_lib_id(name)
        if lib:
            lib_id = f"{lib}:{name}"
            sym = self.extra.get(lib_id)
            if sym is None and self.index is not None:
                sym = self.index.get(lib_id)
            if sym is not None:
                return Resolution(lib_id, sym, True)
            if not self.fuzzy:
                return None            # never the same name from another library
        for lib_id, sym in self.extra.items():
            if symbol_name(lib_id) == name:
                return Resolution(lib_id, sym, not lib)
        if self.index is None:
            return None
        libs = self.index.libraries_for(name)
        if libs:
            ranked = sorted(libs, key=lambda n: (_PREFERRED.index(n) if n in _PREFERRED else len(_PREFERRED), n))
            lib_id = f"{ranked[0]}:{name}"
            sym = self.index.get(lib_id)
            if sym is not None:
                return Resolution(lib_id, sym, not lib)
        if not self.fuzzy:
            return None
        lib_id = plausible_symbol(self.index, name)    # not one that shares only description words
        sym = self.index.get(lib_id) if lib_id is not None else None
        return Resolution(lib_id, sym, False) if sym is not None else None


def touch_conflict(doc: Document, ref: str, lib_id: str, sym: LibSymbol,
                   pin_nets: dict[tuple[str, str], str] | None = None) -> str:
    """Why drawing ``ref`` with ``sym`` would connect its pins otherwise than the document
    says, or "" when it would not.  Checked: pins of one placed unit that sit on the same
    point (KiCad joins them, except pins of type ``no_connect``, which join nothing) must be
    in one document net; a hidden power-input pin (KiCad joins it to the global net of its
    name) must be in a net, and not beside a different net of that name."""
    nets = pin_nets if pin_nets is not None else doc.pin_nets()
    net_names = {n.name for n in doc.nets}
    placed = {(c.unit, c.style) for c in doc.components if c.ref == ref}
    for unit, style in sorted(placed):
        spots: dict[tuple[float, float], set[str]] = {}
        for p in sym.pins_for(unit, style):
            if p.number and p.type != "no_connect":
                spots.setdefault((round(p.x, 4), round(p.y, 4)), set()).add(p.number)
        for numbers in spots.values():
            if len(numbers) < 2:
                continue
            got = {n: nets.get((ref, n)) for n in sorted(numbers, key=natural_key)}
            if len(set(got.values())) > 1 or None in got.values():
                said = ", ".join(f"{ref}.{n} in {v or 'no net'}" for n, v in got.items())
                return (f"{ref}: pins {', '.join(got)} of {lib_id} sit on one point, so KiCad would join "
                        f"them, but the document has {said}")
    for p in sym.pins:
        if p.type == "power_in" and p.hidden and p.number and not sym.is_power and \
                any(p.unit in (0, u) for u, _ in placed):
            net = nets.get((ref, p.number))
            if net is None or (net != p.name and p.name in net_names):
                return (f"{ref}: hidden power pin {p.number} ({p.name}) of {lib_id} joins the net "
                        f"{p.name}, but the document has {ref}.{p.number} in {net or 'no net'}")
    return ""
