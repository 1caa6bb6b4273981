"""Parts added to a drawn document: the drawing kept, the new parts laid out beside it.

A user (or a model) edits an encoded design's text and adds a part -- a decoupling
capacitor, a regulator -- with its pins in the nets but no position.  The document's
drawing still holds for every other part; laying the whole design out again would throw it
away (and flatten a hierarchy).  So the drawing is drawn as it is, and the added parts of
each sheet are laid out by the grid layout (:func:`tokn.decode.layout.layout_parts`) in a
band below that sheet's drawing, each pin joined to its net by name: a power symbol or
global label for a global net (``GND``, ``+3V3``, a global label's text), a local label for
a net a label of that sheet names (``/X`` on the root, ``/power/X`` on sheet ``power``),
and for an unnamed net (``N3``) a global label of that name on the new pin and on one of
the net's drawn pins.  The caller verifies the result as any drawing; what this cannot
name so (a net named on another sheet, a sheet used by several instances) is left to the
whole-design layout.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..doc.model import Document, Net
from ..doc.pinref import split_pin_ref
from .layout import ORIGIN, layout_parts
from .sheetbuild import SheetBuilder, items_extent, shifted
from .stubs import pin_ends
from .symbols import PartSymbol

_AUTO = re.compile(r"^N\d+$")
GAP = 12.7                   # mm between a sheet's drawing and the parts added below it


def unplaced_refs(doc: Document) -> set[str]:
    """References none of whose rows has a position, in a document whose other parts
    all have one and that draws its connections (wires, labels or power symbols); empty
    otherwise."""
    placed = {c.ref for c in doc.components if c.x is not None and c.y is not None}
    unplaced = {c.ref for c in doc.components} - placed
    partly = {c.ref for c in doc.components if c.ref in placed and (c.x is None or c.y is None)}
    if not unplaced or not placed or partly or not (doc.wires or doc.labels or doc.power):
        return set()
    return unplaced


def sheet_paths(doc: Document) -> dict[str, str]:
    """Sheet id -> the path its nets' names start with (``/``, ``/power/``...)."""
    by_id = {s.id: s for s in doc.sheets}
    out = {"": "/"}

    def path(sid: str) -> str:
        if sid not in out:
            s = by_id[sid]
            out[sid] = path(s.parent) + s.name + "/"
        return out[sid]

    for s in doc.sheets:
        path(s.id)
    return out


def label_name(net: str, sheet_path: str) -> str | None:
    """The name a layout on the sheet at ``sheet_path`` gives a label joining ``net``
    (``/X``: a local label ``X``; other names: a global label or power symbol), or ``None``
    when no label on that sheet joins it by name alone."""
    if not net.startswith("/"):
        return net
    if net.startswith(sheet_path) and "/" not in net[len(sheet_path):]:
        return "/" + net[len(sheet_path):]
    return None


def _joined_as_drawn(doc: Document, drawn_pins: dict, rename: dict[str, str], power_for_net):
    """``power_for_net`` for the parts added to a kept drawing: a net the drawing already
    names without a power symbol (global labels only: ``GND`` of a design with no ground
    symbol) is joined by a label as the drawing joins it, not by a power symbol -- whose
    power-input pin on a net nothing drives is an ERC error the design did not have.  A
    net the drawing names with power symbols, or a new one, is drawn as its name says."""
    powered = {p.net for p in doc.power}
    drawn_as = {label: net for net, label in rename.items() if net in drawn_pins and net not in powered}

    def for_net(name: str, *args, **kwargs):
        return None if name in drawn_as else power_for_net(name, *args, **kwargs)
    return for_net


def add_unplaced(doc: Document, parts: dict[str, PartSymbol], power, builders, project: str,
                 unplaced: set[str]) -> list[str] | str:
    """Lay the ``unplaced`` parts out on their sheets' drawings; returns the references
    placed per sheet as notes, or, when they cannot be drawn so (the caller then lays the
    whole design out), why: a sheet several instances share, a net named on another sheet.
    ``builders`` is the drawing being made (:class:`tokn.decode.decoder._SheetFiles`): the
    added items go into its sheet files."""
    paths = sheet_paths(doc)
    pin_net = doc.pin_nets()
    all_refs = set(doc.refs())
    drawn_pins: dict[str, list] = {}            # net -> (sheet, component row, pin) drawn
    for c in doc.components:
        if c.ref in unplaced:
            continue
        for num in {p for (r, p) in pin_net if r == c.ref}:
            drawn_pins.setdefault(pin_net[(c.ref, num)], []).append((c, num))
    notes = []
    by_sheet: dict[str, list] = {}
    for c in doc.components:
        if c.ref in unplaced:
            by_sheet.setdefault(c.sheet, []).append(c)
    for sid, rows in by_sheet.items():
        sb = builders.builder_for(sid)
        f = builders.file_of.get(sid)
        refs = {c.ref for c in rows}
        if sb is None or len(builders.instances_of_file.get(f, [])) != 1:
            return (f"{', '.join(sorted(refs))} cannot be laid out below the drawing of {f}, a sheet several "
                    "instances share: its drawing is every instance's")
        rename: dict[str, str] = {}
        outside: dict[str, int] = {}
        anchors: list[tuple[str, object, str]] = []
        for (ref, num), net in pin_net.items():
            if ref not in refs or net in rename:
                continue
            name = label_name(net, paths.get(sid, "/"))
            if name is None:
                return (f"{ref}.{num} joins {net}, which is named on another sheet (KiCad joins sheets only "
                        "through sheet pins)")
            rename[net] = name
            drawn = drawn_pins.get(net, [])
            outside[name] = len(drawn)
            if drawn and _AUTO.match(net):       # an unnamed drawn net: named where it is drawn too
                anchor = next(((c, n) for c, n in drawn if builders.builder_for(c.sheet) is not None), None)
                if anchor is None:
                    return f"{ref}.{num} joins {net}, which is drawn only on sheets several instances share"
                anchors.append((net, *anchor))
        sub = Document(title="", components=[replace(c, x=None, y=None, a=None, sheet="") for c in rows],
                       nets=[Net(rename[n.name], [p for p in n.pins if (split_pin_ref(p, all_refs) or ("",))[0] in refs])
                             for n in doc.nets if n.name in rename],
                       pins={r: v for r, v in doc.pins.items() if r in refs})
        sub.nets = [n for n in sub.nets if n.pins]
        tmp = SheetBuilder(seed=f"{sb.seed}/added", power_count=sb.power_count)
        layout_parts(sub, parts, tmp, project, builders.kicad_path(sid),
                     _joined_as_drawn(doc, drawn_pins, rename, power.for_net), None, outside=outside)
        _x0, _y0, _x1, bottom = items_extent(sb.items)
        dy = round((bottom + GAP - ORIGIN[1]) / 1.27) * 1.27
        for item in tmp.items:
            moved = shifted(item, 0.0, dy)
            sb.items.append(moved)
        sb.lib_symbols.update({k: v for k, v in tmp.lib_symbols.items() if k not in sb.lib_symbols})
        sb.power_count = tmp.power_count
        sb._extent(tmp.max_x, tmp.max_y + dy)
        for net, c, num in anchors:
            part = parts[c.ref]
            end = next(e for e in pin_ends(part.symbol.pins_for(c.unit, c.style), c.x, c.y, c.a or 0.0, c.mirror)
                       if e.pin.number == num)
            angle = away_angle((round(end.dx), round(end.dy)))
            builders.builder_for(c.sheet).label("global", net, end.x, end.y, angle, "passive")
        notes.append(", ".join(sorted(refs)) + (f" (sheet {paths[sid].strip('/')})" if sid else ""))
    return notes


def away_angle(d: tuple[int, int]) -> float:
    """Angle of a label whose text runs along ``d`` (a pin end's outward unit direction,
    rounded: away from the pin's body)."""
    return {(1, 0): 0.0, (0, -1): 90.0, (-1, 0): 180.0, (0, 1): 270.0}.get(d, 0.0)
