"""Symbols a TOKN document carries itself (extension ``symbols``, docs/format.md section 5).

A design's own symbols (private libraries, or stock symbols that changed since the design
was drawn) cannot be found again from the document's ``lib:type`` alone.  The encoder writes
the pins of exactly those symbols -- numbers, names, electrical types, positions, units,
hidden flags -- so that a decoder rebuilds a symbol that connects and checks (ERC) as the
original did.  This module converts between library symbols and those pin rows and decides
which symbols need them, and rebuilds drawable symbols from them (:func:`document_symbol`).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from ..kicad.build import num, q
from ..kicad.symbols import LibSymbol, jumper_numbers, parse_lib_symbol, pin_signature
from .model import Document, SymbolPin
from .naming import natural_key
from ..kicad.ids import symbol_name


def symbol_pins(sym: LibSymbol) -> list[SymbolPin]:
    """The rows of ``symbol{LIB_ID}`` for ``sym``: every pin, by unit, style and number;
    a pin of a KiCad 10 jumper group (:func:`~tokn.kicad.symbols.jumper_numbers`) has the
    group's number, 1, 2... in ``jumper``."""
    group_of = {n: k + 1 for k, g in enumerate(jumper_numbers(sym)) for n in g}
    rows = [SymbolPin(p.number, "" if p.name == "~" else p.name, p.type, p.x, p.y,
                      float(int(round(p.angle)) % 360), p.length, p.unit, p.style, p.hidden,
                      group_of.get(p.number, 0))
            for p in sym.pins]
    rows.sort(key=lambda r: (r.unit, r.style, natural_key(r.number)))
    return rows


def needs_definition(sym: LibSymbol, stock: LibSymbol | None) -> bool:
    """True when the stock library symbol is missing or would connect, or check, differently
    from the design's own copy ``sym`` (see :func:`tokn.kicad.symbols.pin_signature`)."""
    return stock is None or pin_signature(stock) != pin_signature(sym)


def symbols_to_carry(used: Mapping[str, LibSymbol],
                     stock: Callable[[str], LibSymbol | None],
                     stock_signature: Callable[[str], tuple | None] | None = None,
                     signature: Callable[[LibSymbol], tuple] = pin_signature,
                     ) -> dict[str, list[SymbolPin]]:
    """``lib_id -> rows`` for the symbols of ``used`` (lib_id -> the design's copy) that
    ``stock`` (lib_id -> installed library symbol or None) does not hold exactly; sorted by
    lib_id so the output is canonical.

    ``stock_signature`` (lib_id -> :func:`~tokn.kicad.symbols.pin_signature` of the stock
    symbol, None when missing), when given, is asked instead of ``stock``
    (:meth:`tokn.kicad.library.SymbolIndex.pin_signature` memoises it); ``signature``
    gives the signature of a design's copy (a memoising caller may pass its own)."""
    out = {}
    for lib_id in sorted(used, key=natural_key):
        sym = used[lib_id]
        if stock_signature is None:
            differs = needs_definition(sym, stock(lib_id))
        else:
            theirs = stock_signature(lib_id)
            differs = theirs is None or theirs != signature(sym)
        if differs:
            out[lib_id] = symbol_pins(sym)
    return out


def document_symbol(lib_id: str, pins: list[SymbolPin], power: bool | str = False) -> LibSymbol:
    """A drawable library symbol rebuilt from the pin rows a document carries for ``lib_id``:
    the pins exactly as stated, and per unit a rectangle spanning the pins' inner ends.
    ``power`` makes it a power symbol, as the ``power`` table uses it: True (or
    ``"global"``) a global one, ``"local"`` a KiCad 10 local one (``(power local)``: a
    file KiCad 9 cannot read)."""
    name = symbol_name(lib_id)
    groups: dict[tuple[int, int], list[SymbolPin]] = {}
    for p in pins:
        groups.setdefault((p.unit, p.style), []).append(p)
    subs = []
    for (unit, style), plist in sorted(groups.items()):
        body: list = ["symbol", q(f"{name}_{unit}_{style}")]
        if not power:
            ends = [_inner_end(p) for p in plist]
            xs, ys = [e[0] for e in ends], [e[1] for e in ends]
            x0, x1 = min(xs + [-1.27]), max(xs + [1.27])
            y0, y1 = min(ys + [-1.27]), max(ys + [1.27])
            body.append(["rectangle", ["start", num(x0), num(y1)], ["end", num(x1), num(y0)],
                         ["stroke", ["width", "0.254"], ["type", "default"]], ["fill", ["type", "background"]]])
        for p in plist:
            pin = ["pin", p.type or "passive", "line", ["at", num(p.x), num(p.y), num(p.a)],
                   ["length", num(p.length)]]
            if p.hide:
                pin.append(["hide", "yes"])
            pin += [["name", q(p.name or "~"), ["effects", ["font", ["size", "1.27", "1.27"]]]],
                    ["number", q(p.number), ["effects", ["font", ["size", "1.27", "1.27"]]]]]
            body.append(pin)
        subs.append(body)
    font = ["effects", ["font", ["size", "1.27", "1.27"]]]
    hidden = ["effects", ["font", ["size", "1.27", "1.27"]], ["hide", "yes"]]
    node: list = ["symbol", q(lib_id)]
    if power:
        node.append(["power", "local"] if power == "local" else ["power"])
    node += [["exclude_from_sim", "no"], ["in_bom", "no" if power else "yes"],
             ["on_board", "no" if power else "yes"], *_jumper_nodes(pins),
             ["property", q("Reference"), q("#PWR" if power else "U"), ["at", "0", "2.54", "0"],
              hidden if power else font],
             ["property", q("Value"), q(name), ["at", "0", "-2.54", "0"], font],
             ["property", q("Footprint"), q(""), ["at", "0", "0", "0"], hidden],
             ["property", q("Datasheet"), q(""), ["at", "0", "0", "0"], hidden]]
    node += subs
    return parse_lib_symbol(node)


def _jumper_nodes(pins: list[SymbolPin]) -> list[list]:
    """KiCad 10's jumper fields for the ``jumper`` groups of ``pins``: a group of several
    numbers is a ``(jumper_pin_groups ...)`` entry, a group of one number shared by several
    pins sets ``(duplicate_pin_numbers_are_jumpers yes)``.  None without jumpers (a file
    KiCad 9 reads)."""
    groups: dict[int, set[str]] = {}
    for p in pins:
        if p.jumper:
            groups.setdefault(p.jumper, set()).add(p.number)
    several = [sorted(g, key=natural_key) for _, g in sorted(groups.items()) if len(g) > 1]
    out: list[list] = []
    if any(len(g) == 1 for g in groups.values()):
        out.append(["duplicate_pin_numbers_are_jumpers", "yes"])
    if several:
        out.append(["jumper_pin_groups", *[[q(n) for n in g] for g in several]])
    return out


def _inner_end(p: SymbolPin) -> tuple[float, float]:
    a = math.radians(p.a)
    return p.x + p.length * math.cos(a), p.y + p.length * math.sin(a)


def document_symbols(doc: Document) -> dict[str, LibSymbol]:
    """lib_id -> LibSymbol rebuilt from the symbols ``doc`` carries (extension ``symbols``);
    those the ``power`` table uses are power symbols: local ones (KiCad 10) when every
    row that uses the symbol says ``local``."""
    return {lib_id: document_symbol(lib_id, pins, power_kinds(doc).get(lib_id, False))
            for lib_id, pins in doc.symbols.items()}


def power_kinds(doc: Document) -> dict[str, str]:
    """lib_id -> ``"local"`` or ``"global"`` for every symbol the ``power`` table uses:
    local when every row using it has ``local`` set."""
    kinds: dict[str, str] = {}
    for ps in doc.power:
        kind = "local" if ps.local else "global"
        kinds[ps.lib] = kind if kinds.get(ps.lib, kind) == kind else "global"
    return kinds
