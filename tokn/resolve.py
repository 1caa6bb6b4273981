"""Finding the KiCad library symbol a TOKN component means.

Order: the explicit ``lib:type`` lib_id; then symbol sources the caller supplies (e.g. the
``lib_symbols`` cache of the schematic a document was encoded from); then a unique exact
name in the installed libraries; then the best fuzzy match of the index (reported, so a
caller can tell the user "TL072CP was read as Amplifier_Operational:TL072").
"""
from __future__ import annotations

from dataclasses import dataclass

from .doc.model import Component
from .kicad.partnames import plausible
from .kicad.symbols import LibSymbol

# When a name exists in several libraries, prefer these (KiCad's generic libraries first).
_PREFERRED = ("Device", "power", "Connector", "Connector_Generic")


@dataclass
class Resolution:
    lib_id: str
    symbol: LibSymbol
    exact: bool          # False when found by fuzzy matching


class SymbolResolver:
    """Resolves components to library symbols; memoises by (lib, type)."""

    def __init__(self, index=None, extra: dict[str, LibSymbol] | None = None) -> None:
        self.index = index
        self.extra = dict(extra or {})
        self._memo: dict[tuple[str, str], Resolution | None] = {}

    def add_symbols(self, symbols: dict[str, LibSymbol]) -> None:
        """Add symbols keyed by lib_id (e.g. a schematic's embedded cache)."""
        self.extra.update(symbols)
        self._memo.clear()

    def resolve(self, comp: Component) -> Resolution | None:
        key = (comp.lib, comp.type)
        if key not in self._memo:
            self._memo[key] = self._resolve(comp.lib, comp.type)
        return self._memo[key]

    def _resolve(self, lib: str, name: str) -> Resolution | None:
        if not lib and ":" in name:
            # "Device:R" written as the type (KiCad symbol names never hold a colon)
            lib, name = name.split(":", 1)
        if lib:
            lib_id = f"{lib}:{name}"
            sym = self.extra.get(lib_id)
            if sym is None and self.index is not None:
                sym = self.index.get(lib_id)
            if sym is not None:
                return Resolution(lib_id, sym, True)
        for lib_id, sym in self.extra.items():
            if lib_id.split(":", 1)[-1] == name:
                return Resolution(lib_id, sym, True)
        if self.index is None:
            return None
        libs = self.index.libraries_for(name)
        if libs:
            ranked = sorted(libs, key=lambda n: (_PREFERRED.index(n) if n in _PREFERRED else len(_PREFERRED), n))
            lib_id = f"{ranked[0]}:{name}"
            sym = self.index.get(lib_id)
            if sym is not None:
                return Resolution(lib_id, sym, True)
        for lib_id in self.index.find(name, limit=8):
            if not plausible(name, lib_id.split(":", 1)[-1]):
                continue          # shares only description words: not this part
            sym = self.index.get(lib_id)
            if sym is not None:
                return Resolution(lib_id, sym, False)
        return None
