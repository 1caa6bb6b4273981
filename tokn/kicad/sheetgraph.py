"""Local connectivity of one schematic file (stage 1 of :mod:`.connectivity`).

:func:`sheet_graph` groups the wires, pins, labels, sheet pins and bus entries of one file
that touch (same connection point on KiCad's 100 nm grid; labels also anywhere on a wire)
into :class:`Subgraph` objects, and the bus labels and bus sheet pins that sit on one bus
into bus groups.  It is computed once per file (and units placed) and shared by all the
file's sheet instances; :func:`.connectivity.design_nets` joins the subgraphs across the
hierarchy and names the nets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .buses import is_bus_name
from .geometry import iu, orientation, place
from .netnames import escape_net_name, net_text
from .schematic import PlacedSymbol, SchematicFile, loaded_text
from .symbols import LibPin, LibSymbol

#: KiCad major versions whose connectivity rules are modelled; the default is the first.
KICAD_VERSIONS = (9, 10)
KICAD_DEFAULT = 9
#: The last schematic file format KiCad 9 writes; a later one was saved by KiCad 10.
LAST_KICAD9_FORMAT = 20250114


def kicad_for_format(version: int) -> int:
    """Whose connectivity rules a schematic of file format ``version`` (its ``(version
    ...)``) is read with when no one says: KiCad 10's for a file KiCad 10 saved (a format
    after :data:`LAST_KICAD9_FORMAT`), KiCad 9's for older files."""
    return 10 if version > LAST_KICAD9_FORMAT else KICAD_DEFAULT


class UnionFind:
    """Disjoint sets of nodes numbered 0, 1, ... in order of :meth:`add`."""
    __slots__ = ("parent",)

    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, a: int) -> int:
        p = self.parent
        root = a
        while p[root] != root:
            root = p[root]
        while p[a] != root:
            p[a], a = root, p[a]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra

    def join_at(self, at_point: dict, x: float, y: float, n: int) -> None:
        """Join node ``n`` with whatever ``at_point`` already holds at (x, y) (IU grid)."""
        self.join_key(at_point, (iu(x), iu(y)), n)

    def join_key(self, at_point: dict, key: tuple[int, int], n: int) -> None:
        """:meth:`join_at` for a point already in IU."""
        other = at_point.get(key)
        if other is None:
            at_point[key] = n
        else:
            self.union(other, n)


@dataclass
class PinRef:
    """A pin of a placed symbol in one file: ``symbol`` indexes ``SchematicFile.symbols``."""
    symbol: int
    pin: LibPin


@dataclass
class Subgraph:
    """Items of one file that are connected by geometry alone."""
    pins: list[PinRef] = field(default_factory=list)
    local_labels: list[str] = field(default_factory=list)
    global_labels: list[str] = field(default_factory=list)
    hier_labels: list[str] = field(default_factory=list)
    sheet_pins: list[tuple[int, str]] = field(default_factory=list)   # (sheet index, pin name)
    # (name, is_global, by_symbol): by_symbol is False for the hidden power-input pin of an
    # ordinary symbol, which names its net only when no power symbol does (KiCad 9 and 10)
    power_nets: list[tuple[str, bool, bool]] = field(default_factory=list)
    wires: list[int] = field(default_factory=list)                     # wire indices
    no_connect: bool = False
    power_flag: bool = False     # a power symbol's power-output pin (KiCad's PWR_FLAG) is here


@dataclass
class BusItem:
    """A bus label or sheet pin of a bus subgraph, with what kind of item names it."""
    kind: str            # "local" | "global" | "hier" | "sheetpin"
    name: str
    sheet: int = -1      # sheet symbol index for "sheetpin"


@dataclass
class SheetGraph:
    """The subgraphs of one schematic file for one set of unit choices."""
    file: SchematicFile
    subgraphs: list[Subgraph]
    bus_groups: list[list[BusItem]]
    wire_subgraph: dict[int, int]            # wire index -> subgraph index
    power_symbols: set[int]                  # symbol indices that are power symbols
    missing_symbols: list[str]


def lib_symbol_for(sch: SchematicFile, sym: PlacedSymbol) -> LibSymbol | None:
    return sch.lib_symbols.get(sym.embedded_name) or sch.lib_symbols.get(sym.lib_id)


def pin_positions(sym: PlacedSymbol, lib: LibSymbol, unit: int | None = None) -> list[tuple[LibPin, tuple[float, float]]]:
    """Sheet positions of the connection points of the pins drawn by ``unit`` (default: the
    symbol's own unit field; the per-instance unit takes precedence in KiCad 7+)."""
    m = orientation(sym.angle, sym.mirror)
    u = sym.unit if unit is None else unit
    return [(p, place(sym.x, sym.y, m, p.x, p.y)) for p in lib.pins_for(u, sym.style)]


def legacy_power_pin(lib: LibSymbol | None) -> LibPin | None:
    """The pin of a legacy power symbol: a symbol without the ``(power)`` flag whose only
    pin is a hidden power input (it drives the global net of that pin's name, as every
    hidden power-input pin does); ``None`` for anything else."""
    if lib is None or lib.is_power or len({p.number for p in lib.pins}) != 1:
        return None
    pin = lib.pins[0]
    return pin if pin.type == "power_in" and pin.hidden else None


# Root files older than this get their power symbols' values replaced by the power pin
# name when loaded (KiCad's FixLegacyPowerSymbolMismatches).
LEGACY_POWER_VALUE_VERSION = 20230221


#: The net a power symbol with an empty value drives, by KiCad major version: KiCad 9
#: names it ``~`` (joining a global label ``~``), KiCad 10 leaves it unnamed (its netlist
#: says ``<NO NET>``; the document's name is "").  Power symbols with empty values join one
#: another in both (fixture tilde_values).
EMPTY_POWER_NET = {9: "~", 10: ""}


def power_net_name(sym: PlacedSymbol, pin: LibPin, legacy: bool,
                   shown: Callable[[str], str] | None = None, kicad: int = KICAD_DEFAULT) -> str:
    """Net name a power symbol drives: its Value field (KiCad 7+; as KiCad ``kicad`` loads
    it, :func:`~tokn.kicad.schematic.loaded_text`; as ``shown`` on the sheet instance at
    hand, when given: text variables resolved; an empty one as KiCad ``kicad`` names it,
    :data:`EMPTY_POWER_NET`), or for files from before KiCad 7 the name of its
    hidden power-input pin, as KiCad does on load."""
    if legacy and pin.hidden:
        return net_text(pin.name)
    value = loaded_text(sym.value, kicad)
    return net_text(shown(value) if shown is not None else value) or EMPTY_POWER_NET[kicad]


class Cutters:
    """Junction and bus-entry points, indexed by row and column for fast wire tests."""

    def __init__(self, points: set[tuple[int, int]]) -> None:
        self.points = points
        self.by_y: dict[int, list[int]] = {}
        self.by_x: dict[int, list[int]] = {}
        for (x, y) in points:
            self.by_y.setdefault(y, []).append(x)
            self.by_x.setdefault(x, []).append(y)

    def interior(self, pts: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The points that lie on the interior of the wire from pts[0] to pts[-1] (all IU)."""
        if len(pts) < 2:
            return []
        (ax, ay), (bx, by) = pts[0], pts[-1]
        if ay == by:
            return [(px, ay) for px in self.by_y.get(ay, ()) if min(ax, bx) < px < max(ax, bx)]
        if ax == bx:
            return [(ax, py) for py in self.by_x.get(ax, ()) if min(ay, by) < py < max(ay, by)]
        return [(px, py) for (px, py) in self.points
                if min(ax, bx) < px < max(ax, bx) and (bx - ax) * (py - ay) == (by - ay) * (px - ax)]

    def cut(self, pts: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The part of a wire KiCad 9 keeps when a junction/bus entry sits on its interior:
        from its first point to the nearest such point (all IU)."""
        cands = self.interior(pts)
        if not cands:
            return pts
        ax, ay = pts[0]
        return [pts[0], min(cands, key=lambda c: abs(c[0] - ax) + abs(c[1] - ay))]

    def split(self, pts: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """KiCad 10: the wire's points plus the junctions on its interior (the wire is
        broken there and every piece stays connected; all IU)."""
        return pts + self.interior(pts)


@dataclass
class _Nodes:
    """Union-find nodes of one file's connectable items.  Each node carries a payload
    ``(kind, data)`` (kind "wire", "pin", "label", "sheetpin" or "busentry") and is joined
    to whatever node already sits on the same connection point."""
    uf: UnionFind = field(default_factory=UnionFind)
    at_point: dict[tuple[int, int], int] = field(default_factory=dict)   # point -> representative node
    payload: list[tuple[str, Any]] = field(default_factory=list)

    def node(self, kind: str, data: Any) -> int:
        """A new node carrying ``(kind, data)``."""
        self.payload.append((kind, data))
        return self.uf.add()

    def attach(self, n: int, x: float, y: float) -> None:
        """Join node ``n`` to the connection point (x, y)."""
        self.uf.join_at(self.at_point, x, y, n)

    def attach_all(self, n: int, points: list[tuple[int, int]]) -> None:
        """Join node ``n`` to each of ``points`` (IU)."""
        join, at_point = self.uf.join_key, self.at_point
        for key in points:
            join(at_point, key, n)


Segment = tuple[int, int, int]          # (low, high, node) on one row or column (IU)


class _WireSegments:
    """The segments of a file's wires by row, column and diagonal (IU), for label hits."""

    def __init__(self) -> None:
        self.horiz: dict[int, list[Segment]] = {}
        self.vert: dict[int, list[Segment]] = {}
        self.diag: list[tuple[int, int, int, int, int]] = []

    def add(self, pts: list[tuple[int, int]], n: int) -> None:
        """Index the segments of the wire of node ``n`` drawn through ``pts`` (IU)."""
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            if ay == by:
                self.horiz.setdefault(ay, []).append((min(ax, bx), max(ax, bx), n))
            elif ax == bx:
                self.vert.setdefault(ax, []).append((min(ay, by), max(ay, by), n))
            else:
                self.diag.append((ax, ay, bx, by, n))

    def through(self, x: float, y: float) -> list[int]:
        """Wires whose interior passes within KiCad's label hit tolerance (< 2 IU)."""
        px, py = iu(x), iu(y)
        out = []
        for dy in (-1, 0, 1):
            out += [n for (a, b, n) in self.horiz.get(py + dy, ()) if a - 1 <= px <= b + 1]
        for dx in (-1, 0, 1):
            out += [n for (a, b, n) in self.vert.get(px + dx, ()) if a - 1 <= py <= b + 1]
        for ax, ay, bx, by, n in self.diag:
            if min(ax, bx) < px < max(ax, bx) or min(ay, by) < py < max(ay, by):
                cross = abs((bx - ax) * (py - ay) - (by - ay) * (px - ax))
                if cross * cross < 4 * ((bx - ax) ** 2 + (by - ay) ** 2):
                    out.append(n)
        return out


class _BusNet:
    """The buses of one file and the bus labels and bus sheet pins on them, in a union-find
    of their own (bus items name bus members; they never join wires)."""

    def __init__(self, buses: list) -> None:
        self.uf = UnionFind()
        self.at: dict[tuple[int, int], int] = {}
        self.items: list[BusItem | None] = []
        self.h: dict[int, list[Segment]] = {}
        self.v: dict[int, list[Segment]] = {}
        self.ends: dict[tuple[int, int], int] = {}      # bus point (IU) -> a bus node there
        for bus in buses:
            first = None
            for (x, y) in bus.pts:
                b = self._node(None, x, y)
                self.ends.setdefault((iu(x), iu(y)), b)
                if first is None:
                    first = b
                else:
                    self.uf.union(first, b)
            for (x0, y0), (x1, y1) in zip(bus.pts, bus.pts[1:]):
                ax, ay, bx, by = iu(x0), iu(y0), iu(x1), iu(y1)
                if ay == by:
                    self.h.setdefault(ay, []).append((min(ax, bx), max(ax, bx), first))
                elif ax == bx:
                    self.v.setdefault(ax, []).append((min(ay, by), max(ay, by), first))

    def _node(self, item: BusItem | None, x: float, y: float) -> int:
        b = self.uf.add()
        self.items.append(item)
        self.uf.join_at(self.at, x, y, b)
        return b

    def add_item(self, item: BusItem, x: float, y: float) -> None:
        """A bus label or bus sheet pin at (x, y): joins a bus end there or a bus through it."""
        b = self._node(item, x, y)
        px, py = iu(x), iu(y)
        for (a, c, n) in self.h.get(py, ()):
            if a < px < c:
                self.uf.union(b, n)
        for (a, c, n) in self.v.get(px, ()):
            if a < py < c:
                self.uf.union(b, n)

    def on_bus(self, x: float, y: float) -> bool:
        """True when (x, y) is a bus point or bus item, or lies on a bus segment."""
        px, py = iu(x), iu(y)
        if (px, py) in self.at:
            return True
        return any(a <= px <= c for (a, c, _) in self.h.get(py, ())) or \
            any(a <= py <= c for (a, c, _) in self.v.get(px, ()))

    def at_end(self, x: float, y: float) -> int | None:
        """The bus (its union-find root) with a point at (x, y): where a pin or a plain
        sheet pin joins a bus (KiCad 9 and 10: fixture bus_as_wire)."""
        b = self.ends.get((iu(x), iu(y)))
        return None if b is None else self.uf.find(b)

    def through(self, x: float, y: float) -> int | None:
        """The bus (its root) with a point at (x, y) or a horizontal or vertical segment
        through it: where a plain label joins a bus."""
        b = self.at_end(x, y)
        if b is not None:
            return b
        px, py = iu(x), iu(y)
        for (a, c, n) in self.h.get(py, ()):
            if a < px < c:
                return self.uf.find(n)
        for (a, c, n) in self.v.get(px, ()):
            if a < py < c:
                return self.uf.find(n)
        return None

    def labels_of(self, root: int) -> list[BusItem]:
        """The bus labels (not sheet pins) of the bus with root ``root``."""
        return [item for b, item in enumerate(self.items)
                if item is not None and item.kind != "sheetpin" and self.uf.find(b) == root]

    def groups(self) -> list[list[BusItem]]:
        """The bus items of each connected bus, in order of appearance."""
        group_of: dict[int, list[BusItem]] = {}
        for b, item in enumerate(self.items):
            if item is not None:
                group_of.setdefault(self.uf.find(b), []).append(item)
        return list(group_of.values())


class _BusJoins:
    """Buses that conduct like wires.  KiCad 9 and 10 join the pins and plain (not
    bus-named) sheet pins on a bus's ends, and the plain labels anywhere on it, into one
    net, which the bus's own labels name too (``/D[0..1]``); wires ending on a bus join
    nothing, nor do pins on its interior (fixtures bus_as_wire, bus_as_wire_labelled; an
    unseen design wires eight channel sheets to a module with bus lines and no labels).
    Each such bus gets one node (payload ``("bus", root)``), made when the first item
    joins it; :meth:`add_bus_labels` then adds its bus labels as net labels."""

    def __init__(self, nodes: _Nodes, buses: _BusNet) -> None:
        self.nodes, self.buses = nodes, buses
        self.node_of: dict[int, int] = {}          # bus root -> its node

    def _join(self, n: int, root: int | None) -> None:
        if root is None:
            return
        b = self.node_of.get(root)
        if b is None:
            b = self.node_of[root] = self.nodes.node("bus", root)
        self.nodes.uf.union(b, n)

    def at_end(self, n: int, x: float, y: float) -> None:
        """Join node ``n`` to the bus with an end at (x, y), if any."""
        if self.buses.ends:
            self._join(n, self.buses.at_end(x, y))

    def through(self, n: int, x: float, y: float) -> None:
        """Join node ``n`` to the bus through (x, y), if any."""
        if self.buses.ends:
            self._join(n, self.buses.through(x, y))

    def add_bus_labels(self) -> None:
        """Call after every bus item is added (bus labels join buses, so a bus's root may
        have changed since an item joined it): the nodes of one bus become one, and the bus
        labels of every bus that joined something become net labels of its net."""
        node_of: dict[int, int] = {}
        for root, b in self.node_of.items():
            r = self.buses.uf.find(root)
            if r in node_of:
                self.nodes.uf.union(node_of[r], b)
            else:
                node_of[r] = b
        for root, b in node_of.items():
            for item in self.buses.labels_of(root):
                n = self.nodes.node("label", (item.kind, item.name))
                self.nodes.uf.union(b, n)


def _wire_shortener(sch: SchematicFile, kicad: int) -> Callable[[list], list] | None:
    """What becomes of a wire (its points in IU) with a junction or bus-entry end on its
    interior, or ``None`` when the file has no such point.  KiCad 9 quirk: the wire is cut there and only the part
    from its first point to the cut stays connected.  KiCad 10: a junction there joins the
    wire (all of it); a bus-entry end does nothing.  (Files saved by eeschema never have
    either; hand-written ones do.)"""
    cut_points = {(iu(x), iu(y)) for (x, y) in sch.junctions}
    if kicad == 9:
        for be in sch.bus_entries:
            cut_points.add((iu(be.x), iu(be.y)))
            cut_points.add((iu(be.x + be.dx), iu(be.y + be.dy)))
    cutters = Cutters(cut_points) if cut_points else None
    return (cutters.cut if kicad == 9 else cutters.split) if cutters else None


def _add_wires(nodes: _Nodes, sch: SchematicFile, kicad: int) -> _WireSegments:
    """One node per wire (payload: wire index), attached at its points as KiCad ``kicad``
    connects them; returns the index of the connected segments."""
    shorten = _wire_shortener(sch, kicad)
    segments = _WireSegments()
    for wi, w in enumerate(sch.wires):
        n = nodes.node("wire", wi)
        # each point to IU once, for the cut, the joins and the segments (three times
        # before: this loop took 0.10 s instead of 0.15 s CPU for the corpus)
        pts = [(iu(x), iu(y)) for (x, y) in w.pts]
        if shorten:
            pts = shorten(pts)
        nodes.attach_all(n, pts)
        segments.add(pts, n)
    return segments


def _add_symbol_pins(nodes: _Nodes, sch: SchematicFile, units: tuple[int, ...] | None,
                     bus_joins: _BusJoins) -> tuple[set[int], list[str]]:
    """One node per pin of each placed symbol (payload: (symbol index, pin, lib symbol));
    returns the indices of power symbols and the lib_ids with no ``lib_symbols`` entry.
    A pin whose electrical type is ``no_connect`` (its own, or that of the alternate chosen
    for it) joins nothing at its point: KiCad 9 and 10 leave it alone in its net.  A pin
    on a bus end joins the bus (``bus_joins``)."""
    power_symbols: set[int] = set()
    missing: list[str] = []
    for si, sym in enumerate(sch.symbols):
        lib = lib_symbol_for(sch, sym)
        if lib is None:
            missing.append(sym.lib_id)
            continue
        if lib.is_power:
            power_symbols.add(si)
        for p, (x, y) in pin_positions(sym, lib, units[si] if units else None):
            n = nodes.node("pin", (si, p, lib))
            if sym.pin_function(p)[1] != "no_connect":
                nodes.attach(n, x, y)
                bus_joins.at_end(n, x, y)
    return power_symbols, missing


def _add_labels(nodes: _Nodes, sch: SchematicFile, wires: _WireSegments, buses: _BusNet,
                bus_joins: _BusJoins, shown: Callable[[str], str] | None = None,
                kicad10: bool = False) -> None:
    """Net labels become nodes (payload: (kind, net text)) joined to the wires they sit on
    (and to a bus they sit on, ``bus_joins``); bus labels become bus items.  Directive
    labels connect nothing.  ``shown``: a label's text as KiCad shows it on the instance at
    hand (text variables resolved)."""
    for label in sch.labels:
        if label.kind == "directive":
            continue
        name = net_text(shown(label.name) if shown is not None else label.name)
        if is_bus_name(name, kicad10):
            buses.add_item(BusItem(label.kind, name), label.x, label.y)
            continue
        n = nodes.node("label", (label.kind, name))
        nodes.attach(n, label.x, label.y)
        for w in wires.through(label.x, label.y):
            nodes.uf.union(n, w)
        bus_joins.through(n, label.x, label.y)


def _add_sheet_pins(nodes: _Nodes, sch: SchematicFile, wires: _WireSegments, buses: _BusNet,
                    bus_joins: _BusJoins, shown: Callable[[int, str], str] | None = None,
                    kicad10: bool = False) -> None:
    """Sheet pins become nodes (payload: (sheet index, net text)), or bus items; a plain
    one joins the wires it sits on, at their ends or anywhere along them as a label does
    (rule 12b; KiCad 9 and 10: fixture sheetpin_on_wire), and a bus end there
    (``bus_joins``).  ``shown(sheet index, text)``: a pin's text as KiCad shows it
    (variables resolved)."""
    for shi, sheet in enumerate(sch.sheets):
        for sp in sheet.pins:
            name = net_text(shown(shi, sp.name) if shown is not None else sp.name)
            if is_bus_name(name, kicad10):
                buses.add_item(BusItem("sheetpin", name, shi), sp.x, sp.y)
                continue
            n = nodes.node("sheetpin", (shi, name))
            nodes.attach(n, sp.x, sp.y)
            for w in wires.through(sp.x, sp.y):
                nodes.uf.union(n, w)
            bus_joins.at_end(n, sp.x, sp.y)


def _add_bus_entries(nodes: _Nodes, sch: SchematicFile, buses: _BusNet) -> None:
    """A bus entry joins the wires at its two ends, except an end that lies on a bus (then
    it only attaches a wire to the bus: members connect by name).  Call after every bus
    item is added."""
    for be in sch.bus_entries:
        ends = [(be.x, be.y), (be.x + be.dx, be.y + be.dy)]
        if any(buses.on_bus(x, y) for (x, y) in ends):
            continue
        n = nodes.node("busentry", None)
        for (x, y) in ends:
            nodes.attach(n, x, y)


def _add_pin_item(sg: Subgraph, sch: SchematicFile, data: tuple, power_symbols: set[int],
                  legacy_power: bool, shown: Callable[[str], str] | None = None,
                  kicad: int = KICAD_DEFAULT) -> None:
    """Record a pin node's payload ``(symbol index, pin, lib symbol)`` in its subgraph: a
    power symbol's power-input pin names a power net, any other pin is a part pin (and a
    hidden power-input pin also names the global net of its pin name; the type is that of
    the alternate chosen for the pin, the name the library pin's, as in KiCad 9 and 10)."""
    si, p, lib = data
    if si in power_symbols:
        # Only a power-input pin makes a power symbol drive a net (PWR_FLAG's
        # power-output pin names nothing).
        if p.type == "power_in":
            sym = sch.symbols[si]
            sg.power_nets.append((power_net_name(sym, p, legacy_power and lib.power != "local", shown, kicad),
                                  lib.power != "local", True))
        elif p.type == "power_out":
            sg.power_flag = True
    else:
        sg.pins.append(PinRef(si, p))
        if p.hidden and sch.symbols[si].pin_function(p)[1] == "power_in":
            sg.power_nets.append((net_text(p.name), True, False))


def _subgraphs(nodes: _Nodes, sch: SchematicFile, power_symbols: set[int],
               legacy_power: bool, shown: Callable[[str], str] | None = None,
               kicad: int = KICAD_DEFAULT) -> tuple[list[Subgraph], dict[int, int]]:
    """The subgraphs of the joined nodes (in order of their first node) and the subgraph
    index of every wire; a subgraph with a no-connect marker on one of its points is
    flagged ``no_connect``."""
    groups: dict[int, int] = {}
    subgraphs: list[Subgraph] = []
    wire_subgraph: dict[int, int] = {}

    find = nodes.uf.find

    def group_of(n: int) -> int:
        """The index of node ``n``'s subgraph (a new one for a new root)."""
        r = find(n)
        gi = groups.get(r)
        if gi is None:
            gi = groups[r] = len(subgraphs)
            subgraphs.append(Subgraph())
        return gi

    for n, (kind, data) in enumerate(nodes.payload):
        gi = group_of(n)
        sg = subgraphs[gi]
        if kind == "wire":
            sg.wires.append(data)
            wire_subgraph[data] = gi
        elif kind == "pin":
            _add_pin_item(sg, sch, data, power_symbols, legacy_power, shown, kicad)
        elif kind == "label":
            # KiCad escapes a '/' typed in a label (the sheet separator) in the net name;
            # escaping is idempotent, so labels saved already escaped keep their text.
            {"local": sg.local_labels, "global": sg.global_labels,
             "hier": sg.hier_labels}[data[0]].append(data[1])
        elif kind == "sheetpin":
            sg.sheet_pins.append((data[0], escape_net_name(data[1])))
    nc_points = {(iu(x), iu(y)) for (x, y) in sch.no_connects}
    for key, n in nodes.at_point.items():
        if key in nc_points:
            subgraphs[group_of(n)].no_connect = True
    return subgraphs, wire_subgraph


def sheet_graph(sch: SchematicFile, legacy_power: bool = False,
                units: tuple[int, ...] | None = None, kicad: int = KICAD_DEFAULT,
                shown: Callable[[str], str] | None = None,
                pin_shown: Callable[[int, str], str] | None = None) -> SheetGraph:
    """Local connectivity of one schematic file.

    ``legacy_power``: the design's root file predates KiCad 7 (power symbols are named by
    their pin, see :func:`power_net_name`).  ``units[i]`` is the unit placed by symbol ``i``
    in the sheet instance at hand (defaults to each symbol's own ``unit`` field).
    ``kicad``: the KiCad major version whose rules apply (see :data:`KICAD_VERSIONS`).
    ``shown`` / ``pin_shown``: label and power-value text, and sheet-pin text (by sheet
    index), as KiCad shows it on the instance at hand (text variables resolved); by default
    the text as written."""
    if kicad not in KICAD_VERSIONS:
        raise ValueError(f"unknown KiCad version {kicad} (known: {', '.join(map(str, KICAD_VERSIONS))})")
    nodes = _Nodes()
    wires = _add_wires(nodes, sch, kicad)
    buses = _BusNet(sch.buses)
    bus_joins = _BusJoins(nodes, buses)
    power_symbols, missing = _add_symbol_pins(nodes, sch, units, bus_joins)
    _add_labels(nodes, sch, wires, buses, bus_joins, shown, kicad >= 10)
    _add_sheet_pins(nodes, sch, wires, buses, bus_joins, pin_shown, kicad >= 10)
    _add_bus_entries(nodes, sch, buses)
    bus_joins.add_bus_labels()
    subgraphs, wire_subgraph = _subgraphs(nodes, sch, power_symbols, legacy_power, shown, kicad)
    return SheetGraph(sch, subgraphs, buses.groups(), wire_subgraph, power_symbols, missing)
