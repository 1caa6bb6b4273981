"""Connectivity of a whole design, computed the way KiCad's connection graph does.

Two stages:

1. :func:`~.sheetgraph.sheet_graph` (module :mod:`.sheetgraph`) — per schematic *file*, the
   local subgraphs: groups of wires, pins, labels and sheet pins that touch (same connection
   point on KiCad's 100 nm grid; labels also anywhere on a wire).  Computed once per file
   and shared by all its instances.
2. :func:`design_nets` — per sheet *instance*, subgraphs are joined across the hierarchy
   (hierarchical label <-> sheet pin), by name (local labels within one sheet instance,
   global labels, power symbols and hidden power-input pins everywhere), bus members are
   linked (on a sheet by name, across a sheet pin by position or member name, see
   :class:`_BusMembers`), then every net gets the name KiCad would give it from its
   strongest driver, or from the bus it is a member of.

Label, sheet-pin and power texts are compared as KiCad compares them (:mod:`.netnames`).
The names of stage 1 other modules use are importable from here too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .buses import bus_members, link_key, members
from .hierarchy import Design, SheetInstance, has_text_variable, instance_text
from .schematic import SchematicFile
from .netnames import escape_net_name, net_text  # noqa: F401 - re-exported
from .symbols import stacked_pin_numbers
from .sheetgraph import (  # noqa: F401 - stage-1 names are re-exported
    KICAD_DEFAULT, KICAD_VERSIONS, LAST_KICAD9_FORMAT, LEGACY_POWER_VALUE_VERSION, kicad_for_format, BusItem, PinRef, SheetGraph, Subgraph,
    UnionFind, legacy_power_pin, lib_symbol_for, pin_positions, power_net_name, sheet_graph)

# KiCad driver priorities (CONNECTION_SUBGRAPH::PRIORITY)
PRI_NONE, PRI_PIN, PRI_SHEET_PIN, PRI_HIER_LABEL, PRI_LOCAL_LABEL, PRI_LOCAL_POWER, \
    PRI_GLOBAL_POWER, PRI_GLOBAL = range(8)


@dataclass
class NetPin:
    """A part pin of a net: reference, number, name and electrical type."""
    ref: str
    pin: str
    name: str        # pin name
    type: str        # electrical type


@dataclass
class Net:
    """A net of the design: KiCad's name for it, its pins and the subgraphs it joins."""
    name: str                    # KiCad-style name; "" when no driver names it
    pins: list[NetPin]
    named: bool                  # True when a label/power/sheet pin names it
    members: list[tuple[int, int]] = field(default_factory=list)   # (instance index, subgraph)


@dataclass
class DesignNets:
    """The nets of a design and how each sheet instance's subgraphs map onto them."""
    design: Design
    graphs: dict[int, SheetGraph]              # instance index -> graph
    nets: list[Net]
    # (instance index, subgraph index) -> net index
    subgraph_net: dict[tuple[int, int], int]
    warnings: list[str]
    kicad: int = KICAD_DEFAULT                  # whose rules gave the nets

    def graph(self, instance_index: int) -> SheetGraph:
        return self.graphs[instance_index]


def _driver(sg: Subgraph, inst: SheetInstance, kicad: int = KICAD_DEFAULT) -> list[tuple[int, int, str]]:
    """(priority, rank, full net name) of every name the subgraph's drivers give its net.
    ``rank`` orders drivers of one priority before their names do: 1 for the hidden power
    input of an ordinary symbol, which loses to any power symbol (KiCad's driver
    comparison: a pin of a power symbol beats another pin; measured in 9.0.8 and 10.0.7,
    tests/fixtures/connectivity/q9_hidden_avdd_vs_pwr_vdda), 0 otherwise."""
    path = inst.net_path(kicad)
    out: list[tuple[int, int, str]] = []
    for name in sg.global_labels:
        out.append((PRI_GLOBAL, 0, name))
    for name, is_global, by_symbol in sg.power_nets:
        out.append((PRI_GLOBAL_POWER if is_global else PRI_LOCAL_POWER, 0 if by_symbol else 1,
                    name if is_global else path + name))
    for name in sg.local_labels:
        out.append((PRI_LOCAL_LABEL, 0, path + name))
    for name in sg.hier_labels:
        out.append((PRI_HIER_LABEL, 0, path + name))
    for shi, name in sg.sheet_pins:
        out.append((PRI_SHEET_PIN, 0, path + name))
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
      A member named by a sheet pin joins a label of its name on the sheet, but not the
      member of another such bus: two unlabelled buses from pins ``B{X Y}`` of two
      instances of one sheet keep two nets B.X (tests/fixtures/connectivity/
      bus_sheetpin_two_unlabelled, bus_sheetpin_two_channels).
    * A sheet pin links the parent bus to the child's hierarchical label of the same text:
      vector members by position (pin ``D[0..7]`` on bus ``D[8..15]``: child D0 = D8),
      group members by member name; across kinds see :func:`tokn.kicad.buses.link_key`.
    * Each member offers its net a name (see :meth:`best_names`).
    * ``kicad`` 10 keeps text markup in member names (:func:`tokn.kicad.buses.members`).
    """

    def __init__(self, uf: UnionFind, by_name, aliases: dict[str, list[str]],
                 child_of: dict[tuple[int, int], int], kicad: int = KICAD_DEFAULT, join_named=None) -> None:
        self.uf, self.by_name, self.aliases, self.child_of = uf, by_name, aliases, child_of
        self.join_named = join_named             # (key, node): join the node a label gave that name
        self.pin_named: list[tuple[tuple, int]] = []   # (name key, member node) of sheet-pin-named buses
        self.kicad = kicad
        self.keep_markup = kicad >= 10
        self.names: list[tuple[int, tuple, str]] = []       # (node, sort key, net name)
        self.chain = UnionFind()                 # member nodes joined by bus links alone
        self.chain_of: dict[int, int] = {}       # member node -> its node in ``chain``
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
                self.chain_of[n] = self.chain.add()
                if it.kind == "sheetpin":       # joins labels only: see join_pin_named
                    self.pin_named.append((("L", i, name), n))
                else:
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
                self._link(a, b)
        for it in group:
            if it.kind == "sheetpin":
                self.pins.append((i, it, base, it is driver))

    def join_pin_named(self) -> None:
        """Call after every subgraph and group is added: join each member a sheet pin names
        with the label (or labelled bus member) of that name on its sheet, if any."""
        for key, n in self.pin_named:
            self.join_named(key, n)

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
                    self._link(p, c)

    def _link(self, a: int, b: int) -> None:
        """Join two member nodes as one member of one chain of linked buses."""
        self.uf.union(a, b)
        self.chain.union(self.chain_of[a], self.chain_of[b])

    def best_names(self) -> dict[int, str | list[tuple[int, int, str]]]:
        """Union-find root -> the name bus members give that net: KiCad renames the member
        nets of a chain of linked buses after the chain's strongest bus (a label beats a
        sheet pin; then the higher priority, the sheet higher in the hierarchy, the
        smaller name).

        When the members of several chains that name it differently meet on one net (two
        instances of a sheet, each with its own bus from the same pin, whose member wires a
        label joins), KiCad 9 renames nothing: each chain's name competes with the net's
        own drivers as a driver of its bus's priority and sheet -- given here as a list of
        ``(priority, depth, name)`` instead of a name (the wires' label ``/D0`` beats the
        sub-sheets' hierarchical ``/S1/D0`` and ``/S2/D0``:
        tests/fixtures/connectivity/bus_members_of_two_chains).  KiCad 10 takes one chain's
        name, by the order of the sheets in the file; here the strongest."""
        per_net: dict[int, dict[int, tuple[tuple, str]]] = {}
        for n, key, name in self.names:
            chains = per_net.setdefault(self.uf.find(n), {})
            c = self.chain.find(self.chain_of[n])
            if c not in chains or key < chains[c][0]:
                chains[c] = (key, name)
        out: dict[int, str | list[tuple[int, int, str]]] = {}
        for r, chains in per_net.items():
            picks = sorted(chains.values())
            if self.kicad < 10 and len({name for _, name in picks}) > 1:
                out[r] = [(-key[1], key[2], name) for key, name in picks]
            else:
                out[r] = picks[0][1]
        return out


def _instance_graphs(design: Design, legacy: bool, kicad: int) -> dict[int, SheetGraph]:
    """Instance index -> its sheet graph.  One graph per (file, units placed, text shown):
    instances of a file share it unless their annotation places different units of a
    multi-unit symbol, or text variables show its labels, power values or sheet pins
    otherwise there (``${#}``, ``${SHEETNAME}``, sheet fields...: :func:`instance_text`;
    KiCad 10 resolves a sheet pin's text on the sheet it leads into, KiCad 9 on its own
    sheet, but with ``${#}`` shown as nothing: tests/fixtures/connectivity/sheet_var_*)."""
    cache: dict[tuple, SheetGraph] = {}
    graphs: dict[int, SheetGraph] = {}
    variable_text: dict[int, tuple[list[str], list[tuple[int, str]]]] = {}
    for i, inst in enumerate(design.instances):
        f = inst.file
        units = tuple(design.reference(inst, sym)[1] for sym in f.symbols)
        if id(f) not in variable_text:
            variable_text[id(f)] = _variable_text(f)
        texts, pins = variable_text[id(f)]
        shown = pin_shown = None
        key: tuple = (id(f), units)
        if texts or pins:
            shown, pin_shown = _shown_on(design, inst, kicad)
            key += (tuple(map(shown, texts)), tuple(pin_shown(shi, t) for shi, t in pins))
        if key not in cache:
            cache[key] = sheet_graph(f, legacy, units, kicad, shown, pin_shown)
        graphs[i] = cache[key]
    return graphs


def _variable_text(f: SchematicFile) -> tuple[list[str], list[tuple[int, str]]]:
    """The label texts and symbol values, and the (sheet index, text) of sheet pins, of
    file ``f`` that hold text variables."""
    texts = [label.name for label in f.labels if has_text_variable(label.name)]
    texts += [sym.value for sym in f.symbols if has_text_variable(sym.value)]
    pins = [(shi, sp.name) for shi, sheet in enumerate(f.sheets) for sp in sheet.pins if has_text_variable(sp.name)]
    return texts, pins


def _shown_on(design: Design, inst: SheetInstance, kicad: int):
    """(text -> shown text on ``inst``, (sheet index, pin text) -> shown pin text)."""
    into = {id(child.sheet_symbol): child for child in inst.children}

    def shown(text: str) -> str:
        return instance_text(design, inst, text, kicad)

    def pin_shown(shi: int, text: str) -> str:
        if kicad < 10:                       # KiCad 9 shows a sheet pin's ${#} as nothing
            return instance_text(design, inst, text.replace("${#}", ""), kicad)
        child = into.get(id(inst.file.sheets[shi]))
        return instance_text(design, child if child is not None else inst, text, kicad)

    return shown, pin_shown


def _bus_aliases(design: Design) -> dict[str, list[str]]:
    """Bus alias -> its members (escaped as label text is): the sheet files' and the
    project file's (:meth:`~tokn.kicad.hierarchy.Design.bus_aliases`)."""
    # Alias members are stored unescaped; label text is stored escaped.
    return {alias: [escape_net_name(m) for m in members] for alias, members in design.bus_aliases().items()}


def _child_instances(design: Design) -> dict[tuple[int, int], int]:
    """(parent instance index, sheet symbol index in the parent's file) -> child instance index."""
    inst_index = {id(inst): i for i, inst in enumerate(design.instances)}
    child_of: dict[tuple[int, int], int] = {}
    for i, inst in enumerate(design.instances):
        if inst.parent is not None:
            pi = inst_index[id(inst.parent)]
            shi = inst.parent.file.sheets.index(inst.sheet_symbol)
            child_of[(pi, shi)] = i
    return child_of


class _NetJoin:
    """The subgraphs of every sheet instance as union-find nodes, joined by name and by the
    part pins they share (a part's pin met on two instances is one pin of one net)."""

    def __init__(self, design: Design, child_of: dict[tuple[int, int], int],
                 kicad: int = KICAD_DEFAULT) -> None:
        self.design, self.child_of = design, child_of
        self.kicad10 = kicad >= 10              # KiCad 10: stacked pins, jumper pin groups
        self.uf = UnionFind()
        self.node_of: dict[tuple[int, int], int] = {}       # (instance, subgraph) -> node
        self.names: dict[tuple, int] = {}                   # name key -> first node with it
        self.ref_pin_node: dict[tuple[str, str], int] = {}  # (ref, pin number) -> node
        self.pin_records: list[tuple[int, NetPin]] = []     # (node, pin), each pin once

    def by_name(self, key: tuple, n: int) -> None:
        """Join node ``n`` with the first node that had name ``key``."""
        other = self.names.get(key)
        if other is None:
            self.names[key] = n
        else:
            self.uf.union(other, n)

    def join_named(self, key: tuple, n: int) -> None:
        """Join node ``n`` with the node that has name ``key``, if any; ``n`` itself gives
        the name to nothing."""
        other = self.names.get(key)
        if other is not None:
            self.uf.union(other, n)

    def add_subgraph(self, i: int, inst: SheetInstance, si: int, sg: Subgraph) -> None:
        """Subgraph ``si`` of instance ``i``: a new node, joined by its names and pins."""
        n = self.uf.add()
        self.node_of[(i, si)] = n
        self._join_names(i, sg, n)
        for pr in sg.pins:
            self._add_pin(inst, pr, n)

    def _join_names(self, i: int, sg: Subgraph, n: int) -> None:
        # Any two named items with the same text on one sheet instance connect
        # (local, global and hierarchical labels, power symbols); global labels and
        # global power symbols also connect across all sheets.
        for name in sg.global_labels:
            self.by_name(("G", name), n)
            self.by_name(("L", i, name), n)
        for name, is_global, _by_symbol in sg.power_nets:
            if is_global:
                self.by_name(("G", name), n)
            self.by_name(("L", i, name), n)
        for name in sg.local_labels:
            self.by_name(("L", i, name), n)
        for name in sg.hier_labels:
            self.by_name(("H", i, name), n)
            self.by_name(("L", i, name), n)
        for shi, name in sg.sheet_pins:
            ci = self.child_of.get((i, shi))
            if ci is not None:
                self.by_name(("H", ci, name), n)

    def _add_pin(self, inst: SheetInstance, pr: PinRef, n: int) -> None:
        # Parts excluded from the board (on_board no) stay: KiCad's XML netlist
        # lists them with their pins (only its S-expression netlist drops them).
        sym = inst.file.symbols[pr.symbol]
        ref, _unit = self.design.reference(inst, sym)
        pname, ptype = sym.pin_function(pr.pin)
        numbers = stacked_pin_numbers(pr.pin.number) if self.kicad10 and pr.pin.number[:1] == "[" \
            else (pr.pin.number,)
        for number in numbers:
            key = (ref, number)
            other = self.ref_pin_node.get(key)
            if other is not None:
                self.uf.union(other, n)
                continue
            self.ref_pin_node[key] = n
            self.pin_records.append((n, NetPin(ref, number, pname, ptype)))
        if self.kicad10:                        # jumper pin groups join inside the part
            lib = lib_symbol_for(inst.file, sym)
            if lib is not None and lib.jumper_groups:
                for gi, group in enumerate(lib.jumper_groups):
                    if any(number in group for number in numbers):
                        self.by_name(("J", ref, gi), n)


def _group_nets(join: _NetJoin) -> tuple[list[Net], dict[tuple[int, int], int]]:
    """Unnamed nets from the joined subgraphs (in order of their first subgraph) with their
    pins, and (instance, subgraph) -> net index."""
    net_of_root: dict[int, int] = {}
    nets: list[Net] = []
    subgraph_net: dict[tuple[int, int], int] = {}
    for (i, si), n in join.node_of.items():
        r = join.uf.find(n)
        ni = net_of_root.get(r)
        if ni is None:
            ni = net_of_root[r] = len(nets)
            nets.append(Net("", [], False))
        nets[ni].members.append((i, si))
        subgraph_net[(i, si)] = ni
    for n, np_ in join.pin_records:
        nets[net_of_root[join.uf.find(n)]].pins.append(np_)
    return nets, subgraph_net


def _name_net(net: Net, design: Design, graphs: dict[int, SheetGraph],
              member_name: str | list[tuple[int, int, str]] | None, kicad: int = KICAD_DEFAULT) -> None:
    """Name ``net`` (in place): strongest driver (a power symbol before a hidden power pin),
    then the highest sheet in the hierarchy, then alphabetical; but a net on a bus
    (``member_name``: the name its bus gives it) takes the bus member's name unless a power
    symbol or global label names it (KiCad renames bus neighbours after the bus).  A list
    of ``(priority, depth, name)`` for ``member_name`` (buses that disagree,
    :meth:`_BusMembers.best_names`) competes with the net's drivers instead.

    "The highest sheet" is that of the subgraph's *global group*: subgraphs joined by a
    global name (global label, power) are one driver for the hierarchy, at the highest
    sheet among them, and their names compete among themselves on priority and name alone
    -- a global label ``ZED`` on the top sheet, joined by name to a sub-sheet wire that also
    carries the global label ``ABC``, gives net ``ABC``; joined to it through a sheet pin
    instead, ``ZED`` (measured in KiCad 9.0.8 and 10.0.7:
    tests/fixtures/connectivity/global_secondary_name, global_joined_by_sheet_pin)."""
    drivers = [(i, _driver(graphs[i].subgraphs[si], design.instances[i], kicad)) for (i, si) in net.members]
    depth = _global_group_depths(design, drivers)
    best = None
    if isinstance(member_name, list):
        best = min((-pri, 0, d, name) for pri, d, name in member_name)
        member_name = None
    for k, (_i, candidates) in enumerate(drivers):
        for pri, rank, name in candidates:
            key = (-pri, rank, depth[k], name)
            if best is None or key < best:
                best = key
    if member_name is not None and (best is None or -best[0] < PRI_LOCAL_POWER):
        net.name = member_name
        net.named = True
    elif best is not None:
        net.name = best[3]
        net.named = True


def _global_group_depths(design: Design, drivers: list[tuple[int, list[tuple[int, int, str]]]]) -> list[int]:
    """For each member of a net (its instance and drivers), the depth of the highest sheet
    among the members joined to it by a global name (its own depth when it has none)."""
    depth = [design.instances[i].depth for i, _ in drivers]
    if len(drivers) < 2:
        return depth
    uf = UnionFind()
    group: dict[str, int] = {}                 # global name -> first member holding it
    for k, (_i, candidates) in enumerate(drivers):
        uf.add()
        for pri, _rank, name in candidates:
            if pri >= PRI_GLOBAL_POWER:
                uf.union(group.setdefault(name, k), k)
    top: dict[int, int] = {}
    for k in range(len(drivers)):
        r = uf.find(k)
        top[r] = min(top.get(r, depth[k]), depth[k])
    return [top[uf.find(k)] for k in range(len(drivers))]


def design_nets(design: Design, kicad: int = KICAD_DEFAULT) -> DesignNets:
    """Nets of the whole design, with per-instance references, by the connectivity rules
    of KiCad ``kicad`` (9 or 10: they differ on wires that eeschema never saves, on bus
    member markup, sheet-name escaping and stacked pin numbers, see
    docs/kicad-connectivity-findings.md)."""
    graphs = _instance_graphs(design, design.root.version < LEGACY_POWER_VALUE_VERSION, kicad)
    child_of = _child_instances(design)
    join = _NetJoin(design, child_of, kicad)
    buses = _BusMembers(join.uf, join.by_name, _bus_aliases(design), child_of, kicad, join.join_named)
    warnings: list[str] = []
    for i, inst in enumerate(design.instances):
        g = graphs[i]
        for si, sg in enumerate(g.subgraphs):
            join.add_subgraph(i, inst, si, sg)
        for group in g.bus_groups:
            buses.add_group(i, inst, group)
        for m in g.missing_symbols:
            warnings.append(f"{inst.file.path}: symbol {m} has no lib_symbols entry; left out, "
                            "as KiCad leaves it out of its netlist and bill of materials")
    buses.join_pin_named()
    buses.link_sheet_pins()
    bus_names = buses.best_names()
    nets, subgraph_net = _group_nets(join)
    for net in nets:
        i0, si0 = net.members[0]
        _name_net(net, design, graphs, bus_names.get(join.uf.find(join.node_of[(i0, si0)])), kicad)
    return DesignNets(design, graphs, nets, subgraph_net, warnings, kicad)
