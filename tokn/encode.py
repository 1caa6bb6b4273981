"""KiCad schematic -> TOKN document (the encoder).

``encode_design(path)`` loads a top-level ``.kicad_sch`` with its sub-sheets, computes
connectivity as KiCad does (:mod:`tokn.kicad.connectivity`) and builds a
:class:`tokn.doc.model.Document`.  :func:`encode_file` returns TOKN text.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .doc import model as m
from .doc.naming import natural_key
from .doc.reduce import reduce_detail
from .doc.symdefs import symbols_to_carry
from .kicad.connectivity import (KICAD_DEFAULT, LEGACY_POWER_VALUE_VERSION, DesignNets, design_nets,
                                 legacy_power_pin, lib_symbol_for, pin_positions, power_net_name)
from .kicad.hierarchy import Design, load_design
from .kicad.netnames import net_text
from .kicad.symbols import pin_signature
from .kicad.textvars import resolve_symbol_text

_AUTO_NAME = re.compile(r"^N(\d+)$")


@dataclass
class EncodeResult:
    document: m.Document
    design: Design
    nets: DesignNets
    warnings: list[str]


def _fmt_angle(a: float) -> float:
    return float(int(round(a)) % 360)


def _is_netlisted(ref: str) -> bool:
    """KiCad leaves references starting with '#' (power symbols, flags) out of netlists."""
    return not ref.startswith("#")


def _lib_nick(lib_id: str) -> tuple[str, str]:
    if ":" in lib_id:
        nick, name = lib_id.split(":", 1)
        return nick, name
    return "", lib_id


def _needs_lib(components: list[m.Component]) -> bool:
    """True when some component's library cannot be told from its type alone: its name is
    not in exactly one of KiCad 9's stock libraries, or that library is not its own."""
    from .kicad.stdnames import standard_symbol_libraries
    return any(c.lib and standard_symbol_libraries(c.type) != [c.lib] for c in components)


DETAILS = ("full", "v1", "nets")


def encode_design(path: str, detail: str = "full", stock=None, kicad: int = KICAD_DEFAULT) -> EncodeResult:
    """Encode the design whose top-level schematic is ``path``.

    ``detail``: "full" keeps the whole drawing (exact round trips, the default); "v1" keeps
    only what TOKN v1.2 has (components, pins, nets, wires) plus the columns multi-unit
    and hierarchical designs need; "nets" keeps components, pins and nets only (the
    circuit, compact enough for prompts and datasets).  ``kicad``: whose connectivity
    rules give the nets, KiCad 9 or 10 (they differ only on wires eeschema never saves).

    At ``full`` detail the document also carries the pins of every placed symbol that the
    stock libraries do not hold exactly (extension ``symbols``), so that the text alone
    decodes back to the same circuit.  ``stock`` is the index of the stock libraries to
    compare with (anything with ``get(lib_id)``); default: the installed libraries
    (:meth:`tokn.kicad.library.SymbolIndex.default`, without project tables).
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
    design = load_design(path, lean=True)
    dn = design_nets(design, kicad=kicad)
    doc = m.Document()
    root = design.root
    doc.title = root.title or os.path.splitext(os.path.basename(path))[0]

    # Sheet ids: S1.. in hierarchy order; the first instance of each file carries geometry.
    sheet_id: dict[int, str] = {}
    geometry_instance: dict[int, int] = {}
    for i, inst in enumerate(design.instances):
        if inst.parent is not None:
            sheet_id[i] = f"S{len(sheet_id) + 1}"
        geometry_instance.setdefault(id(inst.file), i)
    inst_index = {id(inst): i for i, inst in enumerate(design.instances)}
    for i, inst in enumerate(design.instances):
        if inst.parent is None:
            continue
        ss = inst.sheet_symbol
        doc.sheets.append(m.Sheet(sheet_id[i], ss.name, ss.file, sheet_id.get(inst_index[id(inst.parent)], ""),
                                  ss.x, ss.y, ss.w, ss.h))

    # Components and pin tables
    pin_tables: dict[str, dict[str, m.PinDef]] = {}
    used: dict[str, object] = {}          # lib_id -> the design's own copy of the symbol
    field_refs: set[str] = set()
    sym_warnings: list[str] = []

    def use(lib_id: str, lib) -> None:
        if lib is None:
            return
        first = used.setdefault(lib_id, lib)
        if first is not lib and pin_signature(first) != pin_signature(lib) and \
                not any(lib_id in w for w in sym_warnings):
            sym_warnings.append(f"two different symbols are named {lib_id} in this design; "
                                "the document carries the first one")
    for i, inst in enumerate(design.instances):
        sid = sheet_id.get(i, "")
        sheet_in_bom, sheet_on_board, sheet_dnp = inst.sheet_flags()
        for sym in inst.file.symbols:
            lib = lib_symbol_for(inst.file, sym)
            if lib is not None and lib.is_power:
                continue
            si = design.instance(inst, sym)
            ref, unit = si.reference, si.unit
            if not _is_netlisted(ref):
                continue
            nick, name = _lib_nick(sym.lib_id)
            # as KiCad's netlist shows them: ${SIM.PARAMS} etc. resolved from the symbol's fields
            value = resolve_symbol_text(sym.value if si.value is None else si.value, sym.properties, ref)
            fp = resolve_symbol_text(sym.footprint if si.footprint is None else si.footprint,
                                     sym.properties, ref)
            comp = m.Component(ref=ref, type=name, value=value, fp=fp,
                               x=sym.x, y=sym.y, a=_fmt_angle(sym.angle), lib=nick, unit=unit,
                               style=sym.style, mirror=sym.mirror, dnp=sym.dnp or sheet_dnp,
                               nobom=not (sym.in_bom and sheet_in_bom),
                               noboard=not (sym.on_board and sheet_on_board), sheet=sid)
            comp.w = comp.h = 0.0
            if lib is not None:
                pts = [xy for _, xy in pin_positions(sym, lib, unit)]
                if pts:
                    xs = [p[0] for p in pts]
                    ys = [p[1] for p in pts]
                    comp.w, comp.h = max(xs) - min(xs), max(ys) - min(ys)
                table = pin_tables.setdefault(ref, {})
                for p in lib.pins:
                    if p.number and p.number not in table and (p.style in (0, sym.style)):
                        table[p.number] = m.PinDef(p.number, "" if p.name == "~" else p.name)
            use(sym.lib_id, lib)
            if ref not in field_refs:
                field_refs.add(ref)
                doc.fields += referenced_fields(ref, [value, fp], {**(lib.properties if lib else {}),
                                                                   **sym.properties})
            doc.components.append(comp)
    doc.components.sort(key=lambda c: (natural_key(c.ref), c.unit))
    if not _needs_lib(doc.components):
        for c in doc.components:
            c.lib = ""
    for ref in sorted(pin_tables, key=natural_key):
        pins = pin_tables[ref]
        if any(p.name and p.name != p.number for p in pins.values()):
            doc.pins[ref] = [pins[k] for k in sorted(pins, key=natural_key)]

    # Nets: every net with a pin, or drawn (wires/labels) on an exported sheet.
    names = _net_names(dn, geometry_instance)
    net_pins: dict[int, list[str]] = {}
    for ni, net in enumerate(dn.nets):
        pins = sorted({f"{p.ref}.{p.pin}" for p in net.pins if _is_netlisted(p.ref)}, key=natural_key)
        net_pins[ni] = pins
    order = sorted(names, key=lambda ni: (not dn.nets[ni].named, natural_key(names[ni])))
    for ni in order:
        doc.nets.append(m.Net(names[ni], net_pins[ni]))

    # Geometry of each file, from its first instance.
    for fid, i in geometry_instance.items():
        inst = design.instances[i]
        sid = sheet_id.get(i, "")
        g = dn.graph(i)
        f = inst.file
        for wi, w in enumerate(f.wires):
            sg = g.wire_subgraph.get(wi)
            ni = dn.subgraph_net.get((i, sg)) if sg is not None else None
            doc.wires.append(m.Wire(names.get(ni, ""), list(w.pts), sid))
        for lb in f.labels:
            if lb.kind == "directive":
                continue
            doc.labels.append(m.Label(lb.name, lb.kind, lb.shape if lb.kind != "local" else "",
                                      lb.x, lb.y, _fmt_angle(lb.angle), sid))
        legacy = design.root.version < LEGACY_POWER_VALUE_VERSION
        for si in sorted(g.power_symbols):
            sym = f.symbols[si]
            lib = lib_symbol_for(f, sym)
            pin = next((p for p in lib.pins if p.type == "power_in"), None) if lib else None
            # the name the symbol gives its net (its value, or its pin name in pre-KiCad-7 files)
            net = power_net_name(sym, pin, legacy) if pin is not None else sym.value
            use(sym.lib_id, lib)
            doc.power.append(m.PowerSymbol(net, sym.lib_id, sym.x, sym.y, _fmt_angle(sym.angle), sid))
        # Legacy power symbols (no power flag, '#' reference, one hidden power-input pin)
        # are no parts but name a global net by their pin: kept as power rows.
        for sym in f.symbols:
            pin = legacy_power_pin(lib_symbol_for(f, sym))
            if pin is not None and not _is_netlisted(design.instance(inst, sym).reference):
                doc.power.append(m.PowerSymbol(net_text(pin.name), sym.lib_id, sym.x, sym.y,
                                               _fmt_angle(sym.angle), sid))
        for (x, y) in f.junctions:
            doc.junctions.append(m.Marker(x, y, sid))
        for (x, y) in f.no_connects:
            doc.noconnects.append(m.Marker(x, y, sid))
        for b in f.buses:
            doc.buses.append(m.Bus(list(b.pts), sid))
        for be in f.bus_entries:
            doc.busentries.append(m.BusEntry(be.x, be.y, be.dx, be.dy, sid))
        for shi, ss in enumerate(f.sheets):
            child = next((c for c in inst.children if c.sheet_symbol is ss), None)
            if child is None:
                continue
            cid = sheet_id[inst_index[id(child)]]
            for sp in ss.pins:
                doc.sheetpins.append(m.SheetPin(cid, sp.name, sp.shape, sp.x, sp.y, _fmt_angle(sp.angle)))
    for f in design.files.values():
        for alias, members in f.bus_aliases.items():
            if not any(a.name == alias for a in doc.busaliases):
                doc.busaliases.append(m.BusAlias(alias, list(members)))
    reduce_detail(doc, detail)
    if detail == "full" and used:
        if stock is None:
            from .kicad.library import SymbolIndex
            stock = SymbolIndex.default()
        doc.symbols = symbols_to_carry(used, stock.get)
    warnings = design.warnings + dn.warnings + sym_warnings
    return EncodeResult(doc, design, dn, warnings)


_TEXT_VAR = re.compile(r"\$\{([^{}]+)\}")


def referenced_fields(ref: str, texts: list[str], properties: dict[str, str]) -> list[m.Field]:
    """Fields of part ``ref`` that ``texts`` (its value, footprint) refer to as text
    variables (``${SIM.PARAMS}`` -> the field ``Sim.Params``; KiCad matches names without
    regard to case), and the fields those refer to in turn: without them KiCad could not
    resolve the value of the decoded part.  Reference, Value and Footprint are not listed."""
    by_upper = {k.upper(): k for k in properties if k not in ("Reference", "Value", "Footprint")}
    out: list[m.Field] = []
    todo = [v for t in texts for v in _TEXT_VAR.findall(t or "")]
    seen: set[str] = set()
    while todo:
        name = by_upper.get(todo.pop(0).upper())
        if name is None or name in seen:
            continue
        seen.add(name)
        out.append(m.Field(ref, name, properties[name]))
        todo += _TEXT_VAR.findall(properties[name])
    return out


def _net_names(dn: DesignNets, geometry_instance: dict[int, int]) -> dict[int, str]:
    """TOKN name of every net worth listing: KiCad's name for named nets, N1.. otherwise.

    Unnamed nets are numbered in the natural order of their first pin (nets with no pin
    but drawn wires come after, in drawing order), skipping numbers that named nets use.
    """
    # Listed: named nets that reach a pin or are drawn, and unnamed nets joining two or
    # more pins.  A lone unconnected pin (even with a dangling wire) is not a net; wires
    # of unlisted nets get an empty net name.
    listed: set[int] = set()
    for ni, net in enumerate(dn.nets):
        npins = len({(p.ref, p.pin) for p in net.pins if _is_netlisted(p.ref)})
        if npins >= 2 or (npins == 1 and net.named):
            listed.add(ni)
    drawn: list[int] = []
    for fid, i in geometry_instance.items():
        g = dn.graph(i)
        for wi in range(len(g.file.wires)):
            sg = g.wire_subgraph.get(wi)
            ni = dn.subgraph_net.get((i, sg)) if sg is not None else None
            if ni is not None and ni not in listed and dn.nets[ni].named:
                listed.add(ni)
                drawn.append(ni)
    names: dict[int, str] = {}
    taken: set[int] = set()
    for ni in listed:
        net = dn.nets[ni]
        if net.named:
            names[ni] = net.name
            mm = _AUTO_NAME.match(net.name)
            if mm:
                taken.add(int(mm.group(1)))
    unnamed = [ni for ni in listed if not dn.nets[ni].named]
    drawn_pos = {ni: k for k, ni in enumerate(drawn)}

    def first_pin(ni: int):
        pins = [f"{p.ref}.{p.pin}" for p in dn.nets[ni].pins if _is_netlisted(p.ref)]
        if pins:
            return (0, natural_key(min(pins, key=natural_key)), 0)
        return (1, (), drawn_pos.get(ni, 0))

    counter = 0
    for ni in sorted(unnamed, key=first_pin):
        counter += 1
        while counter in taken:
            counter += 1
        names[ni] = f"N{counter}"
    return names


def encode_file(path: str, detail: str = "full") -> str:
    """TOKN text of the design whose top-level schematic is ``path``."""
    from .doc.writer import write_tokn
    return write_tokn(encode_design(path, detail).document)
