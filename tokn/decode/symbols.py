"""Symbols for the decoder: the library symbol of each component and its embeddable text.

Sources, in order (see :class:`tokn.resolve.SymbolResolver`): the symbols the document
carries itself (extension ``symbols``, rebuilt by :func:`document_symbol`), symbols the
caller supplies (e.g. the ``lib_symbols`` cache of the schematic a document was encoded
from), the installed KiCad libraries with the project's own library tables
(:class:`tokn.kicad.library.SymbolIndex`), and finally a symbol generated from the
document's ``pins{}`` table and nets.  A library symbol whose pins would connect otherwise
than the document says (:func:`touch_conflict`) is not used.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..doc.model import Document, Net, PinDef
from ..doc.naming import natural_key
from ..doc.pinref import split_pin_ref
from ..kicad.build import num, q
from ..kicad.ids import symbol_name
from ..kicad.schematic import SchematicFile
from ..kicad.symbols import LibSymbol, parse_lib_symbol, stacked_pin_numbers
from ..resolve import SymbolResolver, touch_conflict
from ..sexpr import parse, text

GENERATED_LIB = "tokn"

_LEFT_TYPES = {"input", "power_in"}
_RIGHT_TYPES = {"output", "power_out", "tri_state", "open_collector", "open_emitter"}


@dataclass
class PartSymbol:
    lib_id: str
    symbol: LibSymbol
    embed: list                 # the (symbol "name" ...) node to put in lib_symbols
    generated: bool = False
    fuzzy: bool = False
    rejected: str = ""          # why the library symbol was not used (generated instead)
    retyped: tuple[str, ...] = ()   # its no_connect pins drawn as passive (the document connects them)

    @property
    def embed_name(self) -> str:
        """Name of the lib_symbols entry; when it differs from lib_id, placed symbols
        refer to it with ``(lib_name ...)`` as KiCad does for edited copies."""
        return text(self.embed[1])

    @property
    def lib_name(self) -> str:
        return "" if self.embed_name == self.lib_id else self.embed_name


def symbols_from_schematic(sch: SchematicFile) -> dict[str, LibSymbol]:
    """lib_id -> embedded symbol of every part placed in ``sch`` (for exact round trips)."""
    out: dict[str, LibSymbol] = {}
    for s in sch.symbols:
        lib = sch.lib_symbols.get(s.embedded_name) or sch.lib_symbols.get(s.lib_id)
        if lib is not None and s.lib_id not in out:
            out[s.lib_id] = lib
    return out


def _renamed(node: list, lib_id: str) -> list:
    """Copy of a symbol node with its top-level name set to ``lib_id``."""
    new = list(node)
    new[1] = q(lib_id)
    return new


def embed_node(lib_id: str, sym: LibSymbol, index) -> list:
    """The node for ``lib_symbols``: KiCad embeds symbols flattened, named by lib_id (or by
    a lib_name for edited copies).  A symbol taken from a schematic's cache is already in
    that form and is kept byte for byte."""
    node = sym.node
    if node is not None and not sym.extends and (text(node[1]) == lib_id or sym.name != lib_id.split(":")[-1]):
        return node
    if index is not None:
        try:
            return parse(index.embed_text(lib_id))[0]
        except Exception:        # noqa: BLE001 - fall back to the node we have
            pass
    if node is None:
        raise ValueError(f"no graphics for symbol {lib_id}")
    return _renamed(node, lib_id)


def renamed_symbol_node(node: list, new: str) -> list:
    """Copy of a ``(symbol "NAME" ...)`` node named ``new``, its unit sub-symbols
    (``"NAME_1_1"``) renamed with it, as KiCad wants; placed with ``(lib_name ...)`` as
    KiCad places an edited copy of a library symbol."""
    old = symbol_name(text(node[1]))

    def unit(c):
        if type(c) is str or not c or c[0] != "symbol" or len(c) < 2:
            return c
        name = text(c[1])
        return [c[0], q(new + name[len(old):]) if name.startswith(old + "_") else c[1], *c[2:]]

    return [node[0], q(new), *(unit(c) for c in node[2:])]


def copy_name(lib_id: str, suffix: str, taken: dict, key: object = None) -> str:
    """The ``lib_symbols`` name of an edited copy of ``lib_id`` (``NAME_<suffix>``), unique
    among the copies in ``taken`` (name -> what the copy is, ``key``, by default ``lib_id``;
    updated): symbols of one name from two libraries (``libA:X``, ``libB:X``), or two
    different copies of one symbol, get ``X_<suffix>`` and ``X_<suffix>_2``."""
    key = lib_id if key is None else key
    base = f"{symbol_name(lib_id)}_{suffix}"
    name, k = base, 2
    while taken.setdefault(name, key) != key:
        name, k = f"{base}_{k}", k + 1
    return name


def _pins_retyped(node, numbers: set[str], to: str):
    """Copy of a symbol node whose ``no_connect`` pins numbered in ``numbers`` have type
    ``to`` (in the symbol and its unit sub-symbols)."""
    if type(node) is str or not node:
        return node
    if node[0] == "pin" and len(node) > 1 and node[1] == "no_connect":
        number = next((text(c[1]) for c in node if type(c) is list and c and c[0] == "number" and len(c) > 1), None)
        if number in numbers:
            return [node[0], to, *node[2:]]
        return node
    return [_pins_retyped(c, numbers, to) for c in node]


def with_no_connect_pins_connected(part: PartSymbol, numbers: set[str], name: str | None = None) -> PartSymbol:
    """``part`` with its ``no_connect`` pins ``numbers`` typed ``passive``, embedded under a
    name of its own (``name``; default ``TRF37A73_connected``): KiCad connects nothing to a
    no_connect pin (rule N1), so a document that puts one in a net (a design whose own copy
    of the symbol types it otherwise, encoded without that copy) is drawn with such a copy."""
    name = name or f"{symbol_name(text(part.embed[1]))}_connected"
    node = _pins_retyped(renamed_symbol_node(part.embed, name), numbers, "passive")
    pins = [replace(p, type="passive") if p.type == "no_connect" and p.number in numbers else p
            for p in part.symbol.pins]
    return replace(part, symbol=replace(part.symbol, pins=pins, node=node), embed=node,
                   retyped=tuple(sorted(numbers, key=natural_key)))


def generated_symbol(ref: str, typ: str, pins: list[PinDef]) -> PartSymbol:
    """A box symbol with the given pins: inputs/power-in left, outputs right, others
    alternating, 2.54 mm pitch, on KiCad's 1.27 mm grid."""
    left, right = [], []
    for p in sorted(pins, key=lambda p: natural_key(p.number)):
        t = p.type or "passive"
        if t in _LEFT_TYPES:
            left.append(p)
        elif t in _RIGHT_TYPES:
            right.append(p)
        elif len(left) <= len(right):
            left.append(p)
        else:
            right.append(p)
    rows = max(len(left), len(right), 1)
    name_w = max([len(p.name) for p in pins] + [2])
    half_w = max(5.08, round((name_w * 1.27 + 2.54) / 2.54) * 2.54 / 2 + 1.27)
    half_w = round(half_w / 2.54) * 2.54
    top = (rows - 1) * 2.54 / 2
    top = round(top / 1.27) * 1.27
    name = f"{GENERATED_LIB}:{typ}"
    body = ["symbol", q(f"{typ}_1_1"),
            ["rectangle", ["start", num(-half_w), num(top + 2.54)], ["end", num(half_w), num(top - rows * 2.54)],
             ["stroke", ["width", "0.254"], ["type", "default"]], ["fill", ["type", "background"]]]]
    for side, plist in ((-1, left), (1, right)):
        for k, p in enumerate(plist):
            y = top - k * 2.54
            x = side * (half_w + 2.54)
            body.append(["pin", p.type or "passive", "line", ["at", num(x), num(y), "0" if side < 0 else "180"],
                         ["length", "2.54"],
                         ["name", q(p.name or "~"), ["effects", ["font", ["size", "1.27", "1.27"]]]],
                         ["number", q(p.number), ["effects", ["font", ["size", "1.27", "1.27"]]]]])
    node = ["symbol", q(name), ["exclude_from_sim", "no"], ["in_bom", "yes"], ["on_board", "yes"],
            ["property", q("Reference"), q(_prefix(ref)), ["at", "0", num(top + 5.08), "0"],
             ["effects", ["font", ["size", "1.27", "1.27"]]]],
            ["property", q("Value"), q(typ), ["at", "0", num(top - rows * 2.54 - 2.54), "0"],
             ["effects", ["font", ["size", "1.27", "1.27"]]]],
            ["property", q("Footprint"), q(""), ["at", "0", "0", "0"],
             ["effects", ["font", ["size", "1.27", "1.27"]], ["hide", "yes"]]],
            ["property", q("Datasheet"), q(""), ["at", "0", "0", "0"],
             ["effects", ["font", ["size", "1.27", "1.27"]], ["hide", "yes"]]],
            body]
    return PartSymbol(name, parse_lib_symbol(node), node, generated=True)


def _prefix(ref: str) -> str:
    i = len(ref)
    while i > 0 and ref[i - 1].isdigit():
        i -= 1
    return ref[:i] or "U"


def pins_for_generated(doc: Document, ref: str) -> list[PinDef]:
    """Pins of an unknown part: its pins{} table plus any pin number the nets use."""
    pins = {p.number: p for p in doc.pins.get(ref, [])}
    for r, n in doc.pin_nets():
        if r == ref and n not in pins:
            pins[n] = PinDef(n, "", "passive")
    return list(pins.values())


def _fits(doc: Document, ref: str, sym: LibSymbol, exact: bool) -> bool:
    """The symbol has every pin the document uses for ``ref``; a symbol found only by a
    fuzzy name match must also agree with the pin names the document states."""
    from ..validate import normalise_pin_name
    numbers = {p.number: p for p in sym.pins}
    for pd in pins_for_generated(doc, ref):
        lp = numbers.get(pd.number)
        if lp is None:
            return False
        if not exact and pd.name and lp.name not in ("", "~") and \
                normalise_pin_name(pd.name) != normalise_pin_name(lp.name):
            return False
    return True


def with_stacked_pins(doc: Document, resolver: SymbolResolver) -> Document:
    """``doc`` with the pins its nets name by one number of a KiCad 10 *stacked* pin
    (``U1.15`` of the ESP32-WROOM-32E's ``[1,15,38,39]``, as a design encoded by KiCad 10's
    rules lists them) named by the drawn pin instead (``U1.[1,15,38,39]``, once per net):
    the symbol is drawn with its own pin, and KiCad 10 netlists it as those numbers again.
    ``doc`` itself when no part's symbol has a stacked pin the nets name that way."""
    stacked: dict[tuple[str, str], str] = {}
    seen: set[str] = set()
    for c in doc.components:
        if c.ref in seen:
            continue
        seen.add(c.ref)
        res = resolver.resolve(c)
        if res is None:
            continue
        for p in res.symbol.pins:
            if p.number[:1] == "[":
                for n in stacked_pin_numbers(p.number):
                    if n != p.number:
                        stacked.setdefault((c.ref, n), p.number)
    if not stacked:
        return doc
    nets, changed = [], False
    for net in doc.nets:
        pins: list[str] = []
        for pin in net.pins:
            ref_pin = split_pin_ref(pin, seen)
            drawn = stacked.get(ref_pin) if ref_pin else None
            if drawn is not None:
                changed = True
                pin = f"{ref_pin[0]}.{drawn}"
            if pin not in pins:
                pins.append(pin)
        nets.append(Net(net.name, pins))
    return replace(doc, nets=nets) if changed else doc


def part_symbols(doc: Document, resolver: SymbolResolver, index) -> dict[str, PartSymbol]:
    """ref -> PartSymbol for every reference in ``doc``.  A part whose library symbol lacks
    pins the document uses, or whose pins would connect otherwise than the document says
    (:func:`touch_conflict`), gets a symbol generated from the document instead (never a
    wrong drawing); ``PartSymbol.rejected`` then says why.  A part whose document nets list
    pins the symbol types ``no_connect`` is drawn with a copy of the symbol where they are
    passive (:func:`with_no_connect_pins_connected`; ``PartSymbol.retyped``), unless
    another pin of that number, not ``no_connect``, takes the net."""
    out: dict[str, PartSymbol] = {}
    connected: dict[tuple[str, frozenset], list[str]] = {}     # (lib_id, pins) -> refs
    generated: dict[str, PartSymbol] = {}        # one drawing per type: all its parts' pins
    refs_of_type: dict[str, list[str]] = {}
    pin_nets = doc.pin_nets()
    for c in doc.components:
        refs = refs_of_type.setdefault(c.type, [])
        if c.ref not in refs:
            refs.append(c.ref)

    def generated_for(typ: str) -> PartSymbol:
        if typ not in generated:
            pins: dict[str, PinDef] = {}
            for ref in refs_of_type[typ]:
                for pd in pins_for_generated(doc, ref):
                    if pd.type == "no_connect" and (ref, pd.number) in pin_nets:
                        pd = replace(pd, type="passive")        # listed in a net: connected
                    if pd.number not in pins or (pd.name and not pins[pd.number].name):
                        pins[pd.number] = pd
            generated[typ] = generated_symbol(refs_of_type[typ][0], typ, list(pins.values()))
        return generated[typ]

    types = {}
    for c in doc.components:
        if c.ref in out:
            continue
        types[c.ref] = c.type
        res = resolver.resolve(c)
        why = ""
        if res is not None:
            if not _fits(doc, c.ref, res.symbol, res.exact):
                why = f"{c.ref}: {res.lib_id} lacks pins the document uses"
            else:
                why = touch_conflict(doc, c.ref, res.lib_id, res.symbol, pin_nets)
        if res is None or why:
            gen = generated_for(c.type)
            out[c.ref] = PartSymbol(gen.lib_id, gen.symbol, gen.embed, generated=True, rejected=why)
            continue
        out[c.ref] = PartSymbol(res.lib_id, res.symbol, embed_node(res.lib_id, res.symbol, index),
                                fuzzy=not res.exact)
        # a no_connect pin sharing its number with a connectable pin (a hidden NC stacked
        # under a supply pin's number) stays no_connect: the net reaches the other one
        connectable = {p.number for p in res.symbol.pins if p.type != "no_connect"}
        listed = frozenset(p.number for p in res.symbol.pins
                           if p.type == "no_connect" and (c.ref, p.number) in pin_nets
                           and p.number not in connectable)
        if listed:
            connected.setdefault((res.lib_id, listed), []).append(c.ref)
    names: dict[str, object] = {}                # copy name -> (lib_id, pins): one name per copy
    for (lib_id, numbers), refs in connected.items():   # one copy per symbol and pin set
        copy = with_no_connect_pins_connected(out[refs[0]], set(numbers),
                                              copy_name(lib_id, "connected", names, key=(lib_id, numbers)))
        for ref in refs:
            # passive now, a pin stacked on another pin joins it: the document must agree
            why = touch_conflict(doc, ref, lib_id, copy.symbol, pin_nets)
            if why:
                gen = generated_for(types[ref])
                out[ref] = PartSymbol(gen.lib_id, gen.symbol, gen.embed, generated=True, rejected=why)
            else:
                out[ref] = replace(copy, fuzzy=out[ref].fuzzy)
    return out
