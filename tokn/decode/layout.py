"""Grid layout for documents without a usable drawing (typically LLM output).

Each placed unit gets a cell big enough for its body, the stubs and labels/power symbols
on its pins, and its Reference/Value fields on a header line; cells are packed in rows, in
an order that keeps connected parts near each other.  Nothing overlaps by construction.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from ..doc.model import Document
from ..doc.naming import natural_key
from ..kicad import build as b
from ..kicad.bbox import body_bbox, sheet_bbox
from ..kicad.connectivity import escape_net_name
from ..kicad.symbols import LibPin
from ..doc.pinref import split_pin_ref
from .sheetbuild import SheetBuilder, power_value_props
from .stubs import (CHAR_W, POWER_SIZE, STUB, PinEnd, decor_length, is_power_net, label_angle,
                    pin_ends, power_rotation)
from .symbols import PartSymbol

GRID = 1.27
MARGIN = 2.54
HEADER = 5.08            # two field lines above each cell's drawing
ROW_WIDTH = 380.0        # pack cells into rows up to this width (mm)
ORIGIN = (25.4, 25.4)


def field_angle(wanted: float, symbol_angle: float) -> float:
    """Stored angle of a symbol field so that it is drawn at ``wanted`` (0 = horizontal,
    90 = vertical): KiCad swaps horizontal and vertical for symbols turned by 90/270."""
    turned = int(round(symbol_angle)) % 180 == 90
    return (90.0 - wanted) if turned else wanted


def _snap(v: float) -> float:
    return math.ceil(v / GRID - 1e-9) * GRID


@dataclass
class Cell:
    ref: str
    unit: int
    part: PartSymbol
    angle: float
    pins: list[LibPin]                       # pins to connect on this unit
    nets: dict[str, str]                     # pin number -> net
    box: tuple[float, float, float, float] = (0, 0, 0, 0)   # body box relative to anchor
    decor: dict[str, float] = field(default_factory=dict)   # side -> room needed
    value: str = ""
    fp: str = ""
    dnp: bool = False
    nobom: bool = False
    noboard: bool = False

    @property
    def width(self) -> float:
        return (self.box[2] - self.box[0]) + self.decor["left"] + self.decor["right"] + 2 * MARGIN

    @property
    def height(self) -> float:
        return (self.box[3] - self.box[1]) + self.decor["up"] + self.decor["down"] + 2 * MARGIN + HEADER


def _net_map(doc: Document) -> dict[tuple[str, str], str]:
    out = {}
    refs = set(doc.refs())
    for n in doc.nets:
        for p in n.pins:
            sp = split_pin_ref(p, refs)
            if sp:
                out[sp] = n.name
    return out


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


def _decor(cell: Cell, ends: list[PinEnd]) -> dict[str, float]:
    room = {"left": 0.0, "right": 0.0, "up": 0.0, "down": 0.0}
    for e in ends:
        net = cell.nets.get(e.pin.number)
        if net is None:
            continue
        power = is_power_net(net)
        need = decor_length(net, power) + (len(net) * CHAR_W if power else 0)
        room[e.side] = max(room[e.side], need)
    return room


def _order(cells: list[Cell]) -> list[Cell]:
    """Breadth-first over shared (non-power) nets from the part with most connections."""
    by_net: dict[str, list[int]] = {}
    for i, c in enumerate(cells):
        for net in set(c.nets.values()):
            if not is_power_net(net):
                by_net.setdefault(net, []).append(i)
    degree = [len(set(c.nets.values())) for c in cells]
    seen: set[int] = set()
    out: list[Cell] = []
    for start in sorted(range(len(cells)), key=lambda i: (-degree[i], natural_key(cells[i].ref), cells[i].unit)):
        if start in seen:
            continue
        queue = deque([start])
        seen.add(start)
        while queue:
            i = queue.popleft()
            out.append(cells[i])
            nbrs = set()
            for net in set(cells[i].nets.values()):
                nbrs.update(by_net.get(net, ()))
            for j in sorted(nbrs - seen, key=lambda j: (natural_key(cells[j].ref), cells[j].unit)):
                seen.add(j)
                queue.append(j)
    return out


def layout_parts(doc: Document, parts: dict[str, PartSymbol], sb: SheetBuilder, project: str,
                 sheet_path: str, power_for_net, power_flag: PartSymbol | None = None) -> None:
    """Place every part of ``doc`` on ``sb`` with stubs, labels and power symbols.

    With ``power_flag`` (KiCad's PWR_FLAG), every power net that no power-output pin drives
    gets a flag next to one more of its power symbols, in a row below the parts: such a
    sub-circuit is fed from outside the sheet, and the flag says so to KiCad's ERC."""
    pin_net = _net_map(doc)
    first_row = {}
    for c in doc.components:
        first_row.setdefault(c.ref, c)
    cells: list[Cell] = []
    for ref in sorted(first_row, key=natural_key):
        part = parts[ref]
        comp = first_row[ref]
        common_done = False
        for unit in _units_to_place(doc, ref, part, pin_net):
            pins = [p for p in part.symbol.pins_for(unit, comp.style)
                    if (p.unit != 0 or not common_done)]
            common_done = True
            nets = {p.number: pin_net[(ref, p.number)] for p in pins if (ref, p.number) in pin_net}
            # hidden power pins join their net by name: no stub needed when the name matches
            pins = [p for p in pins if p.number in nets and not (p.hidden and p.type == "power_in"
                                                                   and nets[p.number] == p.name)]
            best = None
            for angle in (0.0, 90.0):
                ends = pin_ends(pins, 0, 0, angle, "")
                vertical = sum(1 for e in ends if e.side in ("up", "down"))
                if best is None or vertical < best[0]:
                    best = (vertical, angle, ends)
            _, angle, ends = best
            cell = Cell(ref, unit, part, angle, pins, nets, value=comp.value, fp=comp.fp, dnp=comp.dnp,
                        nobom=comp.nobom, noboard=comp.noboard)
            cell.box = sheet_bbox(part.symbol, 0, 0, angle, "", unit, comp.style, with_pins=True)
            cell.decor = _decor(cell, ends)
            cells.append(cell)

    x0, y0 = ORIGIN
    cx, cy, row_h = x0, y0, 0.0
    placements = []
    for cell in _order(cells):
        if cx > x0 and cx + cell.width > x0 + ROW_WIDTH:
            cx, cy, row_h = x0, cy + row_h, 0.0
        ax = _snap(cx + MARGIN + cell.decor["left"] - cell.box[0])
        ay = _snap(cy + MARGIN + HEADER + cell.decor["up"] - cell.box[1])
        placements.append((cell, ax, ay, cx, cy))
        cx += cell.width + GRID
        row_h = max(row_h, cell.height + GRID)

    flag_nets: list[str] = []
    if power_flag is not None:
        driven = {pin_net[(c.ref, p.number)] for c in cells for p in c.part.symbol.pins
                  if p.type == "power_out" and (c.ref, p.number) in pin_net}
        flag_nets = sorted({net for c in cells for net in c.nets.values()
                            if is_power_net(net) and net not in driven and power_for_net(net) is not None},
                           key=natural_key)
    flags_y = cy + row_h + HEADER

    for cell, ax, ay, cell_x, cell_y in placements:
        fa = field_angle(0, cell.angle)
        # centred text (KiCad flips left/right justification on turned symbols)
        comp_props = [b.prop("Reference", cell.ref, cell_x + MARGIN + len(cell.ref) * CHAR_W / 2,
                             cell_y + 1.6, fa),
                      b.prop("Value", cell.value, cell_x + MARGIN + len(cell.value) * CHAR_W / 2,
                             cell_y + 3.8, fa),
                      b.prop("Footprint", cell.fp, ax, ay, 0, hide=True),
                      b.prop("Datasheet", "", ax, ay, 0, hide=True)]
        sb.symbol(cell.part, ax, ay, cell.angle, "", cell.unit, 1, comp_props,
                  [(project, sheet_path, cell.ref, cell.unit)], f"{cell.ref}/{cell.unit}",
                  in_bom=not cell.nobom, on_board=not cell.noboard, dnp=cell.dnp)
        for e in pin_ends(cell.pins, ax, ay, cell.angle, ""):
            net = cell.nets[e.pin.number]
            sx, sy = e.x + e.dx * STUB, e.y + e.dy * STUB
            sb.wire([(e.x, e.y), (sx, sy)])
            part = power_for_net(net) if is_power_net(net) else None
            if part is None:
                if net.startswith("/") and "/" not in net[1:]:
                    sb.label("local", net[1:], sx, sy, label_angle(e))    # KiCad names it "/X"
                else:
                    sb.label("global", escape_net_name(net), sx, sy, label_angle(e), "passive")
                continue
            bx0, by0, bx1, by1 = body_bbox(part.symbol, 1, 1, with_pins=False)
            rot = power_rotation((bx0 + bx1) / 2, -(by0 + by1) / 2, e.dx, e.dy)
            sb.power_count += 1
            ref = f"#PWR{sb.power_count:03d}"
            reach = POWER_SIZE - 0.5 + len(net) * CHAR_W / 2          # centre of the text
            tx, ty = sx + e.dx * reach, sy + e.dy * reach
            props = power_value_props(net, ref, sx, sy)
            props[1] = b.prop("Value", net, tx, ty, field_angle(90 if e.side in ("up", "down") else 0, rot))
            sb.symbol(part, sx, sy, rot, "", 1, 1, props, [(project, sheet_path, ref, 1)],
                      f"pwr/{sb.power_count}")
    _place_flags(flag_nets, power_flag, sb, project, sheet_path, power_for_net, x0, flags_y)


def _place_flags(nets: list[str], flag: PartSymbol | None, sb: SheetBuilder, project: str, sheet_path: str,
                 power_for_net, x0: float, y: float) -> None:
    """A row of (power symbol + PWR_FLAG) pairs joined at one point, one per net: the
    power symbol points one way, the flag the other, so they never overlap."""
    x = x0
    for net in nets:
        part = power_for_net(net)
        bx0, by0, bx1, by1 = body_bbox(part.symbol, 1, 1, with_pins=False)
        body_up = (by0 + by1) / 2 > 0                       # library y points up
        width = max(bx1 - bx0, 2.54) + len(net) * CHAR_W + 2 * MARGIN
        px, py = _snap(x + MARGIN + 2.54), _snap(y + 7.62)
        sb.power_count += 1
        ref = f"#PWR{sb.power_count:03d}"
        props = power_value_props(net, ref, px, py)
        props[1] = b.prop("Value", net, px + 1.27 + len(net) * CHAR_W / 2, py + (-3.81 if body_up else 3.81), 0)
        sb.symbol(part, px, py, 0.0, "", 1, 1, props, [(project, sheet_path, ref, 1)], f"pwr/{sb.power_count}")
        sb.power_count += 1
        fref = f"#FLG{sb.power_count:03d}"
        fprops = [b.prop("Reference", fref, px, py, 0, hide=True),
                  b.prop("Value", "PWR_FLAG", px, py, 0, hide=True),
                  b.prop("Footprint", "", px, py, 0, hide=True),
                  b.prop("Datasheet", "", px, py, 0, hide=True)]
        # PWR_FLAG's body points up at rotation 0: turn it down when the power symbol is up
        sb.symbol(flag, px, py, 180.0 if body_up else 0.0, "", 1, 1, fprops, [(project, sheet_path, fref, 1)],
                  f"flag/{sb.power_count}")
        x += width + GRID
