"""The units a layout places: one per drawn unit of a part, with the pins it must connect.

Also finds the pins a drawn document marks not connected (a no-connect marker on the pin's
end), so a re-layout can draw the flag again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...doc.model import Document
from ...doc.naming import natural_key
from ...doc.pinref import split_pin_ref
from ...kicad.geometry import iu
from ...kicad.symbols import LibPin
from ..stubs import pin_ends
from ..symbols import PartSymbol


@dataclass
class Unit:
    """One symbol to draw.  ``pins`` are the pins to connect (hidden power pins that join
    their net by name are left out), ``nets`` maps their numbers to net names, ``nc`` the
    pins to flag as not connected."""
    ref: str
    unit: int
    part: PartSymbol
    pins: list[LibPin]
    nets: dict[str, str]
    value: str = ""
    fp: str = ""
    dnp: bool = False
    nc: list[LibPin] = field(default_factory=list)
    nobom: bool = False
    noboard: bool = False

    @property
    def key(self) -> str:
        return f"{self.ref}/{self.unit}"

    @property
    def leaf(self) -> bool:
        """A part with at most two pins to connect and at most three pins in all
        (resistors, capacitors, diodes, test points): drawn hanging on the pin it serves."""
        return len(self.pins) <= 2 and len(self.part.symbol.pins_for(self.unit)) <= 3


def _units_to_place(doc: Document, ref: str, part: PartSymbol, pin_net: dict) -> list[int]:
    rows = sorted({c.unit for c in doc.components if c.ref == ref})
    used_units = set(rows)
    for p in part.symbol.pins:
        if p.unit and (ref, p.number) in pin_net:
            used_units.add(p.unit)
    if part.symbol.unit_count > 1 and used_units == {1} and rows == [1]:
        # a single row for a multi-unit part: place the units whose pins are used
        used_units = {p.unit for p in part.symbol.pins if p.unit and (ref, p.number) in pin_net} or {1}
    return sorted(used_units)


def named_noconnect_pins(doc: Document, refs: set[str], unplaced_only: bool = False) -> set[tuple[str, str]]:
    """(ref, pin) of the pins ``noconnects`` rows name (``pin``) on parts ``refs``; with
    ``unplaced_only``, of the rows without a position only (the others are drawn where
    they say)."""
    out: set[tuple[str, str]] = set()
    for m in doc.noconnects:
        if m.pin and not (unplaced_only and m.x is not None and m.y is not None):
            named = split_pin_ref(m.pin, refs)
            if named is not None and named[0] in refs:
                out.add(named)
    return out


def noconnect_pins(doc: Document, parts: dict[str, PartSymbol]) -> set[tuple[str, str]]:
    """(ref, pin) of the pins the document marks not connected: those a ``noconnects`` row
    names (``pin``), and those that carry a drawn marker (on the pin's end, in the same
    sheet; only for parts with positions)."""
    out = named_noconnect_pins(doc, set(parts))
    marks = {(m.sheet, iu(m.x), iu(m.y)) for m in doc.noconnects if m.x is not None and m.y is not None}
    if not marks:
        return out
    for c in doc.components:
        part = parts.get(c.ref)
        if part is None or c.x is None or c.y is None:
            continue
        pins = part.symbol.pins_for(c.unit, c.style)
        for e in pin_ends(pins, c.x, c.y, c.a or 0.0, c.mirror):
            if (c.sheet, iu(e.x), iu(e.y)) in marks:
                out.add((c.ref, e.pin.number))
    return out


def build_units(doc: Document, parts: dict[str, PartSymbol],
                nc: set[tuple[str, str]] = frozenset()) -> list[Unit]:
    """Units of every part, in natural reference order.  A pin common to all units is
    connected on the first unit placed only; a pin in ``nc`` and in no net (or stacked pins
    in a net of such pins only, :meth:`~tokn.doc.model.Document.stacked_in`) gets a flag."""
    pin_net = doc.pin_nets()
    marked = doc.stacked_in(set(nc))
    first_row = {}
    for c in doc.components:
        first_row.setdefault(c.ref, c)
    units: list[Unit] = []
    for ref in sorted(first_row, key=natural_key):
        part = parts[ref]
        comp = first_row[ref]
        common_done = False
        for unit in _units_to_place(doc, ref, part, pin_net):
            all_pins = [p for p in part.symbol.pins_for(unit, comp.style) if (p.unit != 0 or not common_done)]
            common_done = True
            nets = {p.number: pin_net[(ref, p.number)] for p in all_pins if (ref, p.number) in pin_net}
            pins = [p for p in all_pins if p.number in nets and not (p.hidden and p.type == "power_in"
                                                                      and nets[p.number] == p.name)]
            flags = [p for p in all_pins if (p.number not in nets or (ref, p.number) in marked) and not p.hidden
                     and (ref, p.number) in nc]
            units.append(Unit(ref, unit, part, pins, nets, comp.value, comp.fp, comp.dnp, flags,
                              comp.nobom, comp.noboard))
    return units
