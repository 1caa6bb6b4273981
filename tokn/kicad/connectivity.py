"""Connectivity of a whole design, computed the way KiCad's connection graph does.

Two stages:

1. :func:`sheet_graph` — per schematic *file*, the local subgraphs: groups of wires, pins,
   labels and sheet pins that touch (same connection point on KiCad's 100 nm grid; labels
   also anywhere on a wire).  Computed once per file and shared by all its instances.
2. :func:`design_nets` — per sheet *instance*, subgraphs are joined across the hierarchy
   (hierarchical label <-> sheet pin), by name (local labels within one sheet instance,
   global labels, power symbols and hidden power-input pins everywhere), bus members are
   linked (on a sheet by name, across a sheet pin by position or member name, see
   :class:`_BusMembers`), then every net gets the name KiCad would give it from its
   strongest driver, or from the bus it is a member of.

Label, sheet-pin and power texts are compared as KiCad compares them (:mod:`.netnames`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .buses import bus_members, is_bus_name, link_key, members
from .geometry import iu, orientation, place
from .hierarchy import Design, SheetInstance
from .netnames import escape_net_name, net_text
from .schematic import PlacedSymbol, SchematicFile
from .symbols import LibPin, LibSymbol

#: KiCad major versions whose connectivity rules are modelled; the default is the first.
KICAD_VERSIONS = (9, 10)
KICAD_DEFAULT = 9

# KiCad driver priorities (CONNECTION_SUBGRAPH::PRIORITY)
PRI_NONE, PRI_PIN, PRI_SHEET_PIN, PRI_HIER_LABEL, PRI_LOCAL_LABEL, PRI_LOCAL_POWER, \
    PRI_GLOBAL_POWER, PRI_GLOBAL = range(8)


class _UF:
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
        key = (iu(x), iu(y))
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
    power_nets: list[tuple[str, bool]] = field(default_factory=list)  # (name, is_global)
    wires: list[int] = field(default_factory=list)                     # wire indices
    no_connect: bool = False


@dataclass
class BusItem:
    kind: str            # "local" | "global" | "hier" | "sheetpin"
    name: str
    sheet: int = -1      # sheet symbol index for "sheetpin"


@dataclass
class SheetGraph:
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


def power_net_name(sym: PlacedSymbol, pin: LibPin, legacy: bool) -> str:
    """Net name a power symbol drives: its Value field (KiCad 7+), or for files from
    before KiCad 7 the name of its hidden power-input pin, as KiCad does on load."""
    if legacy and pin.hidden:
        return net_text(pin.name)
    return net_text(sym.value)


class _Cutters:
    """Junction and bus-entry points, indexed by row and column for fast wire tests."""

    def __init__(self, points: set[tuple[int, int]]) -> None:
        self.points = points
        self.by_y: dict[int, list[int]] = {}
        self.by_x: dict[int, list[int]] = {}
        for (x, y) in points:
            self.by_y.setdefault(y, []).append(x)
            self.by_x.setdefault(x, []).append(y)

    def interior(self, pts: list[tuple[float, float]]) -> list[tuple[int, int]]:
        """The points (IU) that lie on the interior of the wire from pts[0] to pts[-1]."""
        if len(pts) < 2:
            return []
        (x0, y0), (x1, y1) = pts[0], pts[-1]
        ax, ay, bx, by = iu(x0), iu(y0), iu(x1), iu(y1)
        if ay == by:
            return [(px, ay) for px in self.by_y.get(ay, ()) if min(ax, bx) < px < max(ax, bx)]
        if ax == bx:
            return [(ax, py) for py in self.by_x.get(ax, ()) if min(ay, by) < py < max(ay, by)]
        return [(px, py) for (px, py) in self.points
                if min(ax, bx) < px < max(ax, bx) and (bx - ax) * (py - ay) == (by - ay) * (px - ax)]

    def cut(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """The part of a wire KiCad 9 keeps when a junction/bus entry sits on its interior:
        from its first point to the nearest such point."""
        cands = self.interior(pts)
        if not cands:
            return pts
        ax, ay = iu(pts[0][0]), iu(pts[0][1])
        px, py = min(cands, key=lambda c: abs(c[0] - ax) + abs(c[1] - ay))
        return [pts[0], (px / 10000, py / 10000)]

    def split(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """KiCad 10: the wire's points plus the junctions on its interior (the wire is
        broken there and every piece stays connected)."""
        return pts + [(px / 10000, py / 10000) for (px, py) in self.interior(pts)]


def sheet_graph(sch: SchematicFile, legacy_power: bool = False,
                units: tuple[int, ...] | None = None, kicad: int = KICAD_DEFAULT) -> SheetGraph:
    """Local connectivity of one schematic file.

    ``legacy_power``: the design's root file predates KiCad 7 (power symbols are named by
    their pin, see :func:`power_net_name`).  ``units[i]`` is the unit placed by symbol ``i``
    in the sheet instance at hand (defaults to each symbol's own ``unit`` field).
    ``kicad``: the KiCad major version whose rules apply (see :data:`KICAD_VERSIONS`)."""
    if kicad not in KICAD_VERSIONS:
        raise ValueError(f"unknown KiCad version {kicad} (known: {', '.join(map(str, KICAD_VERSIONS))})")
    uf = _UF()
    at_point: dict[tuple[int, int], int] = {}       # point -> representative node
    # node kinds: we store payloads per node id
    payload: list[tuple] = []

    def node(kind: str, data) -> int:
        payload.append((kind, data))
        return uf.add()

    def attach(n: int, x: float, y: float) -> None:
        uf.join_at(at_point, x, y, n)

    # Wires.  KiCad 9 quirk: a junction or bus-entry end on the interior of a wire cuts
    # the wire there and only the part from its first point to the cut stays connected.
    # KiCad 10: a junction there joins the wire (all of it); a bus-entry end does nothing.
    # (Files saved by eeschema never have either; hand-written ones do.)
    cut_points = {(iu(x), iu(y)) for (x, y) in sch.junctions}
    if kicad == 9:
        for be in sch.bus_entries:
            cut_points.add((iu(be.x), iu(be.y)))
            cut_points.add((iu(be.x + be.dx), iu(be.y + be.dy)))
    cutters = _Cutters(cut_points) if cut_points else None
    shorten = (cutters.cut if kicad == 9 else cutters.split) if cutters else None
    horiz: dict[int, list[tuple[int, int, int]]] = {}
    vert: dict[int, list[tuple[int, int, int]]] = {}
    diag: list[tuple[int, int, int, int, int]] = []
    for wi, w in enumerate(sch.wires):
        n = node("wire", wi)
        pts = shorten(w.pts) if shorten else w.pts
        for (x, y) in pts:
            attach(n, x, y)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            ax, ay, bx, by = iu(x0), iu(y0), iu(x1), iu(y1)
            if ay == by:
                horiz.setdefault(ay, []).append((min(ax, bx), max(ax, bx), n))
            elif ax == bx:
                vert.setdefault(ax, []).append((min(ay, by), max(ay, by), n))
            else:
                diag.append((ax, ay, bx, by, n))

    def wires_through(x: float, y: float) -> list[int]:
        """Wires whose interior passes within KiCad's label hit tolerance (< 2 IU)."""
        px, py = iu(x), iu(y)
        out = []
        for dy in (-1, 0, 1):
            out += [n for (a, b, n) in horiz.get(py + dy, ()) if a - 1 <= px <= b + 1]
        for dx in (-1, 0, 1):
            out += [n for (a, b, n) in vert.get(px + dx, ()) if a - 1 <= py <= b + 1]
        for ax, ay, bx, by, n in diag:
            if min(ax, bx) < px < max(ax, bx) or min(ay, by) < py < max(ay, by):
                cross = abs((bx - ax) * (py - ay) - (by - ay) * (px - ax))
                if cross * cross < 4 * ((bx - ax) ** 2 + (by - ay) ** 2):
                    out.append(n)
        return out

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
            n = node("pin", (si, p, lib))
            attach(n, x, y)
    bus_uf = _UF()
    bus_at: dict[tuple[int, int], int] = {}
    bus_items: list[BusItem | None] = []
    bus_h: dict[int, list[tuple[int, int, int]]] = {}
    bus_v: dict[int, list[tuple[int, int, int]]] = {}

    def bus_node(item: BusItem | None, x: float, y: float) -> int:
        b = bus_uf.add()
        bus_items.append(item)
        bus_uf.join_at(bus_at, x, y, b)
        return b

    for bus in sch.buses:
        first = None
        for (x, y) in bus.pts:
            b = bus_node(None, x, y)
            if first is None:
                first = b
            else:
                bus_uf.union(first, b)
        for (x0, y0), (x1, y1) in zip(bus.pts, bus.pts[1:]):
            ax, ay, bx, by = iu(x0), iu(y0), iu(x1), iu(y1)
            if ay == by:
                bus_h.setdefault(ay, []).append((min(ax, bx), max(ax, bx), first))
            elif ax == bx:
                bus_v.setdefault(ax, []).append((min(ay, by), max(ay, by), first))

    def add_bus_item(item: BusItem, x: float, y: float) -> None:
        b = bus_node(item, x, y)
        px, py = iu(x), iu(y)
        for (a, c, n) in bus_h.get(py, ()):
            if a < px < c:
                bus_uf.union(b, n)
        for (a, c, n) in bus_v.get(px, ()):
            if a < py < c:
                bus_uf.union(b, n)

    for label in sch.labels:
        if label.kind == "directive":
            continue
        name = net_text(label.name)
        if is_bus_name(name):
            add_bus_item(BusItem(label.kind, name), label.x, label.y)
            continue
        n = node("label", (label.kind, name))
        attach(n, label.x, label.y)
        for w in wires_through(label.x, label.y):
            uf.union(n, w)
    for shi, sheet in enumerate(sch.sheets):
        for sp in sheet.pins:
            name = net_text(sp.name)
            if is_bus_name(name):
                add_bus_item(BusItem("sheetpin", name, shi), sp.x, sp.y)
                continue
            n = node("sheetpin", (shi, name))
            attach(n, sp.x, sp.y)
    # A bus entry joins the wires at its two ends, except an end that lies on a bus
    # (then it only attaches a wire to the bus: members connect by name).
    def on_bus(x: float, y: float) -> bool:
        px, py = iu(x), iu(y)
        if (px, py) in bus_at:
            return True
        return any(a <= px <= c for (a, c, _) in bus_h.get(py, ())) or \
            any(a <= py <= c for (a, c, _) in bus_v.get(px, ()))

    for be in sch.bus_entries:
        ends = [(be.x, be.y), (be.x + be.dx, be.y + be.dy)]
        if any(on_bus(x, y) for (x, y) in ends):
            continue
        n = node("busentry", None)
        for (x, y) in ends:
            attach(n, x, y)
    nc_points = {(iu(x), iu(y)) for (x, y) in sch.no_connects}

    groups: dict[int, int] = {}
    subgraphs: list[Subgraph] = []
    wire_subgraph: dict[int, int] = {}

    def sg_for(n: int) -> Subgraph:
        r = uf.find(n)
        gi = groups.get(r)
        if gi is None:
            gi = groups[r] = len(subgraphs)
            subgraphs.append(Subgraph())
        return subgraphs[gi]

    for n, (kind, data) in enumerate(payload):
        sg = sg_for(n)
        if kind == "wire":
            sg.wires.append(data)
            wire_subgraph[data] = groups[uf.find(n)]
        elif kind == "pin":
            si, p, lib = data
            if si in power_symbols:
                # Only a power-input pin makes a power symbol drive a net (PWR_FLAG's
                # power-output pin names nothing).
                if p.type == "power_in":
                    sym = sch.symbols[si]
                    sg.power_nets.append((power_net_name(sym, p, legacy_power and lib.power != "local"),
                                          lib.power != "local"))
            else:
                sg.pins.append(PinRef(si, p))
                if p.type == "power_in" and p.hidden:
                    sg.power_nets.append((net_text(p.name), True))
        elif kind == "label":
            # KiCad escapes a '/' typed in a label (the sheet separator) in the net name;
            # escaping is idempotent, so labels saved already escaped keep their text.
            {"local": sg.local_labels, "global": sg.global_labels,
             "hier": sg.hier_labels}[data[0]].append(data[1])
        elif kind == "sheetpin":
            sg.sheet_pins.append((data[0], escape_net_name(data[1])))
    for key, n in at_point.items():
        if key in nc_points:
            sg_for(n).no_connect = True
    bus_group_of: dict[int, list[BusItem]] = {}
    for b, item in enumerate(bus_items):
        if item is not None:
            bus_group_of.setdefault(bus_uf.find(b), []).append(item)
    return SheetGraph(sch, subgraphs, list(bus_group_of.values()), wire_subgraph, power_symbols, missing)


@dataclass
class NetPin:
    ref: str
    pin: str
    name: str        # pin name
    type: str        # electrical type


@dataclass
class Net:
    name: str                    # KiCad-style name; "" when no driver names it
    pins: list[NetPin]
    named: bool                  # True when a label/power/sheet pin names it
    members: list[tuple[int, int]] = field(default_factory=list)   # (instance index, subgraph)


@dataclass
class DesignNets:
    design: Design
    graphs: dict[int, SheetGraph]              # instance index -> graph
    nets: list[Net]
    # (instance index, subgraph index) -> net index
    subgraph_net: dict[tuple[int, int], int]
    warnings: list[str]

    def graph(self, instance_index: int) -> SheetGraph:
        return self.graphs[instance_index]


def _driver(sg: Subgraph, inst: SheetInstance, kicad: int = KICAD_DEFAULT) -> list[tuple[int, str]]:
    """(priority, full net name) of every name the subgraph's drivers give its net."""
    path = inst.net_path(kicad)
    out: list[tuple[int, str]] = []
    for name in sg.global_labels:
        out.append((PRI_GLOBAL, name))
    for name, is_global in sg.power_nets:
        out.append((PRI_GLOBAL_POWER if is_global else PRI_LOCAL_POWER,
                    name if is_global else path + name))
    for name in sg.local_labels:
        out.append((PRI_LOCAL_LABEL, path + name))
    for name in sg.hier_labels:
        out.append((PRI_HIER_LABEL, path + name))
    for shi, name in sg.sheet_pins:
        out.append((PRI_SHEET_PIN, path + name))
    return out


_BUS_PRI = {"global": PRI_GLOBAL, "local": PRI_LOCAL_LABEL, "hier": PRI_HIER_LABEL, "sheetpin": PRI_SHEET_PIN}


def _bus_driver(group: list[BusItem]) -> BusItem:
    """The item that names a bus: its strongest label (global > local > hierarchical, then
    the smallest name); a bus with no label is named by its smallest sheet pin."""
    labels = [it for it in group if it.kind != "sheetpin"]
    return min(labels or group, key=lambda it: (-_BUS_PRI[it.kind], it.name))


class _BusMembers:
    """Member nets of every bus of the design, linked the way KiCad links them.

    * On one sheet instance, every label on a bus (and, on a bus with no label, the sheet
      pin that names it) names its members on that sheet; the labels of one bus are
      matched member by member in order.  Other sheet pins name nothing on the parent.
    * A sheet pin links the parent bus to the child's hierarchical label of the same text:
      vector members by position (pin ``D[0..7]`` on bus ``D[8..15]``: child D0 = D8),
      group members by member name; across kinds see :func:`tokn.kicad.buses.link_key`.
    * Each member offers its net a name (see :meth:`best_names`).
    * ``kicad`` 10 keeps text markup in member names (:func:`tokn.kicad.buses.members`).
    """

    def __init__(self, uf: _UF, by_name, aliases: dict[str, list[str]],
                 child_of: dict[tuple[int, int], int], kicad: int = KICAD_DEFAULT) -> None:
        self.uf, self.by_name, self.aliases, self.child_of = uf, by_name, aliases, child_of
        self.kicad = kicad
        self.keep_markup = kicad >= 10
        self.names: list[tuple[int, tuple, str]] = []       # (node, sort key, net name)
        self.hier: dict[tuple[int, str], list[tuple[str, int]]] = {}
        self.pins: list[tuple[int, BusItem, list[tuple[str, int]], bool]] = []

    def add_group(self, i: int, inst: SheetInstance, group: list[BusItem]) -> None:
        driver = _bus_driver(group)
        namers = [it for it in group if it.kind != "sheetpin"] or [driver]
        lists: list[list[tuple[str, int]]] = []
        for it in namers:
            nodes = []
            pri = _BUS_PRI[it.kind]
            for name, key in bus_members(it.name, self.aliases, self.keep_markup):
                n = self.uf.add()
                self.by_name(("L", i, name), n)
                if it.kind == "global":
                    self.by_name(("G", name), n)
                full = name if it.kind == "global" else inst.net_path(self.kicad) + name
                self.names.append((n, (pri < PRI_HIER_LABEL, -pri, inst.depth, full), full))
                nodes.append((key, n))
            lists.append(nodes)
            if it.kind == "hier":
                self.hier.setdefault((i, it.name), nodes)
        base = lists[namers.index(driver)]
        for other in lists:
            for (_, a), (_, b) in zip(base, other):
                self.uf.union(a, b)
        for it in group:
            if it.kind == "sheetpin":
                self.pins.append((i, it, base, it is driver))

    def link_sheet_pins(self) -> None:
        """Call after every group is added: join each bus sheet pin's members to the
        child's hierarchical label members."""
        for i, pin, base, is_driver in self.pins:
            ci = self.child_of.get((i, pin.sheet))
            child = self.hier.get((ci, pin.name)) if ci is not None else None
            if child is None:
                continue
            if is_driver:
                parent = [n for _, n in base]
            else:
                by_key: dict[str, int] = {}
                for key, n in base:
                    by_key.setdefault(key, n)
                keys = [key for key, _ in base]
                parent = [by_key.get(link_key(m, keys, self.kicad))
                          for m in members(pin.name, self.aliases, self.keep_markup)]
            for p, (_, c) in zip(parent, child):
                if p is not None:
                    self.uf.union(p, c)

    def best_names(self) -> dict[int, str]:
        """Union-find root -> the name bus members give that net: KiCad renames the member
        nets of a chain of linked buses after the chain's strongest bus (a label beats a
        sheet pin; then the higher priority, the sheet higher in the hierarchy, the
        smaller name)."""
        best: dict[int, tuple[tuple, str]] = {}
        for n, key, name in self.names:
            r = self.uf.find(n)
            if r not in best or key < best[r][0]:
                best[r] = (key, name)
        return {r: name for r, (_, name) in best.items()}


def design_nets(design: Design, kicad: int = KICAD_DEFAULT) -> DesignNets:
    """Nets of the whole design, with per-instance references, by the connectivity rules
    of KiCad ``kicad`` (9 or 10: they differ only on wires that eeschema never saves,
    see docs/kicad-connectivity-findings.md)."""
    legacy = design.root.version < LEGACY_POWER_VALUE_VERSION
    # One graph per (file, units placed): instances of a file share it unless their
    # annotation places different units of a multi-unit symbol.
    cache: dict[tuple, SheetGraph] = {}
    graphs: dict[int, SheetGraph] = {}
    for i, inst in enumerate(design.instances):
        units = tuple(design.reference(inst, sym)[1] for sym in inst.file.symbols)
        key = (id(inst.file), units)
        if key not in cache:
            cache[key] = sheet_graph(inst.file, legacy, units, kicad)
        graphs[i] = cache[key]
    uf = _UF()
    node_of: dict[tuple[int, int], int] = {}
    names: dict[tuple, int] = {}
    warnings: list[str] = []

    def by_name(key: tuple, n: int) -> None:
        other = names.get(key)
        if other is None:
            names[key] = n
        else:
            uf.union(other, n)

    aliases: dict[str, list[str]] = {}
    for f in design.files.values():
        for alias, members in f.bus_aliases.items():
            # Alias members are stored unescaped; label text is stored escaped.
            aliases[alias] = [escape_net_name(m) for m in members]
    inst_index = {id(inst): i for i, inst in enumerate(design.instances)}
    # child instance lookup: (parent index, sheet symbol index) -> child instance index
    child_of: dict[tuple[int, int], int] = {}
    for i, inst in enumerate(design.instances):
        if inst.parent is not None:
            pi = inst_index[id(inst.parent)]
            shi = inst.parent.file.sheets.index(inst.sheet_symbol)
            child_of[(pi, shi)] = i

    buses = _BusMembers(uf, by_name, aliases, child_of, kicad)
    ref_pin_node: dict[tuple[str, str], int] = {}
    pin_records: list[tuple[int, NetPin]] = []
    for i, inst in enumerate(design.instances):
        g = graphs[i]
        for si, sg in enumerate(g.subgraphs):
            n = uf.add()
            node_of[(i, si)] = n
            # Any two named items with the same text on one sheet instance connect
            # (local, global and hierarchical labels, power symbols); global labels and
            # global power symbols also connect across all sheets.
            for name in sg.global_labels:
                by_name(("G", name), n)
                by_name(("L", i, name), n)
            for name, is_global in sg.power_nets:
                if is_global:
                    by_name(("G", name), n)
                by_name(("L", i, name), n)
            for name in sg.local_labels:
                by_name(("L", i, name), n)
            for name in sg.hier_labels:
                by_name(("H", i, name), n)
                by_name(("L", i, name), n)
            for shi, name in sg.sheet_pins:
                ci = child_of.get((i, shi))
                if ci is not None:
                    by_name(("H", ci, name), n)
            for pr in sg.pins:
                # Parts excluded from the board (on_board no) stay: KiCad's XML netlist
                # lists them with their pins (only its S-expression netlist drops them).
                sym = inst.file.symbols[pr.symbol]
                ref, _unit = design.reference(inst, sym)
                key = (ref, pr.pin.number)
                other = ref_pin_node.get(key)
                if other is None:
                    ref_pin_node[key] = n
                    ptype = pr.pin.type
                    pname = pr.pin.name
                    alt = sym.pin_alternates.get(pr.pin.number)
                    if alt and alt in pr.pin.alternates:
                        pname, ptype = alt, pr.pin.alternates[alt]
                    pin_records.append((n, NetPin(ref, pr.pin.number, pname, ptype)))
                else:
                    uf.union(other, n)
        for group in g.bus_groups:
            buses.add_group(i, inst, group)
        for m in g.missing_symbols:
            warnings.append(f"{inst.file.path}: symbol {m} has no lib_symbols entry; its pins are ignored")

    buses.link_sheet_pins()
    bus_names = buses.best_names()

    # Group subgraphs into nets
    net_of_root: dict[int, int] = {}
    nets: list[Net] = []
    subgraph_net: dict[tuple[int, int], int] = {}
    for (i, si), n in node_of.items():
        r = uf.find(n)
        ni = net_of_root.get(r)
        if ni is None:
            ni = net_of_root[r] = len(nets)
            nets.append(Net("", [], False))
        nets[ni].members.append((i, si))
        subgraph_net[(i, si)] = ni
    for n, np_ in pin_records:
        nets[net_of_root[uf.find(n)]].pins.append(np_)
    # Names: strongest driver, then the highest sheet in the hierarchy, then alphabetical;
    # but a net on a bus takes the bus member's name unless a power symbol or global
    # label names it (KiCad renames bus neighbours after the bus).
    for net in nets:
        best = None
        for (i, si) in net.members:
            inst = design.instances[i]
            sg = graphs[i].subgraphs[si]
            for pri, name in _driver(sg, inst, kicad):
                key = (-pri, inst.depth, name)
                if best is None or key < best:
                    best = key
        i0, si0 = net.members[0]
        member_name = bus_names.get(uf.find(node_of[(i0, si0)]))
        if member_name is not None and (best is None or -best[0] < PRI_LOCAL_POWER):
            net.name = member_name
            net.named = True
        elif best is not None:
            net.name = best[2]
            net.named = True
    return DesignNets(design, graphs, nets, subgraph_net, warnings)
