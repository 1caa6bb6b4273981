"""Collects the items of one schematic sheet being decoded and renders its text."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..kicad import build as b
from ..sexpr import dumps, number, text
from .symbols import PartSymbol

PAPERS = [("A4", 297.0, 210.0), ("A3", 420.0, 297.0), ("A2", 594.0, 420.0), ("A1", 841.0, 594.0),
          ("A0", 1189.0, 841.0)]


def paper_for(width: float, height: float) -> str:
    for name, w, h in PAPERS:
        if width <= w and height <= h:
            return name
    return "A0"


@dataclass
class SheetBuilder:
    """Items of one sheet file.  ``seed`` makes the UUIDs of this file unique and stable."""
    seed: str
    title: str = ""
    lib_symbols: dict[str, list] = field(default_factory=dict)      # embedded name -> node
    items: list[list] = field(default_factory=list)
    power_count: int = 0
    max_x: float = 0.0
    max_y: float = 0.0

    def _extent(self, x: float, y: float) -> None:
        self.max_x = max(self.max_x, x)
        self.max_y = max(self.max_y, y)

    def embed(self, part: PartSymbol) -> None:
        if part.embed_name not in self.lib_symbols:
            self.lib_symbols[part.embed_name] = part.embed

    def symbol(self, part: PartSymbol, x: float, y: float, a: float, mirror: str, unit: int, style: int,
               props: list[list], instances: list[tuple[str, str, str, int]], key: str,
               in_bom: bool = True, on_board: bool = True, dnp: bool = False) -> None:
        self.embed(part)
        self._extent(x, y)
        self.items.append(b.placed_symbol(part.lib_id, x, y, a, mirror, unit, style, props, instances,
                                          f"{self.seed}/sym/{key}", in_bom, on_board, dnp,
                                          lib_name=part.lib_name))

    def wire(self, pts, kind: str = "wire") -> None:
        """A wire or bus through ``pts``: one two-point segment per leg (KiCad 9 and 10 refuse
        a file whose wire has more points; a document's wire row may have them), legs of
        length zero left out."""
        pts = [tuple(p) for p in pts]
        for (x, y) in pts:
            self._extent(x, y)
        legs = [(a, c) for a, c in zip(pts, pts[1:]) if a != c] or [tuple(pts[:2])]
        for a, c in legs:
            self.items.append(b.wire([a, c], f"{self.seed}/{kind}/{len(self.items)}", kind))

    def label(self, kind: str, name: str, x: float, y: float, a: float, shape: str = "") -> None:
        self._extent(x, y)
        self.items.append(b.label(kind, name, x, y, a, f"{self.seed}/label/{len(self.items)}", shape))

    def directive(self, x: float, y: float, a: float, shape: str, length: float, netclass: str,
                  compclass: str) -> None:
        self._extent(x, y)
        self.items.append(b.directive(x, y, a, shape, length, netclass, compclass,
                                      f"{self.seed}/directive/{len(self.items)}"))

    def rule_area(self, pts) -> None:
        for (x, y) in pts:
            self._extent(x, y)
        self.items.append(b.rule_area(list(pts), f"{self.seed}/rule_area/{len(self.items)}"))

    def junction(self, x: float, y: float) -> None:
        self.items.append(b.junction(x, y, f"{self.seed}/j/{len(self.items)}"))

    def no_connect(self, x: float, y: float) -> None:
        self.items.append(b.no_connect(x, y, f"{self.seed}/nc/{len(self.items)}"))

    def bus_entry(self, x: float, y: float, dx: float, dy: float) -> None:
        self.items.append(b.bus_entry(x, y, dx, dy, f"{self.seed}/be/{len(self.items)}"))

    def render(self, root_uuid: str, root: bool) -> str:
        paper = paper_for(self.max_x + 20, self.max_y + 20)
        node = b.schematic(root_uuid, paper, self.title, list(self.lib_symbols.values()), self.items, root)
        return dumps(node)


def item_points(node: list):
    """Every absolute (x, y) of an item: ``at`` and ``xy`` lists, at any depth."""
    for c in node:
        if type(c) is str:
            continue
        if c[0] in ("at", "xy") and len(c) >= 3:
            yield number(c[1]), number(c[2])
        else:
            yield from item_points(c)


def items_extent(items: list[list]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of every ``at``/``xy`` point of ``items`` ((0, 0, 0, 0) for none)."""
    pts = [p for it in items for p in item_points(it)]
    if not pts:
        return 0.0, 0.0, 0.0, 0.0
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def shifted(node: list, dx: float, dy: float) -> list:
    """A copy of ``node`` with every ``at``/``xy`` moved by (dx, dy)."""
    out = []
    for c in node:
        if type(c) is str:
            out.append(c)
        elif c[0] in ("at", "xy") and len(c) >= 3:
            out.append([c[0], b.num(number(c[1]) + dx), b.num(number(c[2]) + dy), *c[3:]])
        else:
            out.append(shifted(c, dx, dy))
    return out


def power_value_props(value: str, ref: str, x: float, y: float) -> list[list]:
    return [b.prop("Reference", ref, x, y, 0, hide=True),
            b.prop("Value", value, x, y + 3.81, 0),
            b.prop("Footprint", "", x, y, 0, hide=True),
            b.prop("Datasheet", "", x, y, 0, hide=True)]


def lib_ref_prefix(part: PartSymbol) -> str:
    for c in part.embed:
        if type(c) is not str and c[0] == "property" and len(c) > 2 and text(c[1]) == "Reference":
            return text(c[2])
    return "U"
