"""KiCad schematic -> TOKN document (the encoder).

``encode_design(path)`` loads a top-level ``.kicad_sch`` with its sub-sheets, computes
connectivity as KiCad does (:mod:`tokn.kicad.connectivity`) and builds a
:class:`tokn.doc.model.Document`.  :func:`encode_file` returns TOKN text.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable

from .doc import model as m
from .doc.naming import natural_key
from .doc.reduce import reduce_detail
from .doc.symdefs import symbols_to_carry
from .gcpause import collector_paused
from .kicad.connectivity import (LEGACY_POWER_VALUE_VERSION, DesignNets, design_nets, kicad_for_format,
                                 legacy_power_pin, lib_symbol_for, pin_positions, power_net_name)
from .kicad.ids import is_netlisted, split_lib_id
from .kicad.hierarchy import Design, load_design
from .kicad.netnames import net_text
from .kicad.schematic import loaded_text
from .kicad.symbols import INSTANCE_FIELDS, pin_signature, pins_by_number, placed_field_defaults
from .kicad.textvars import resolve_project_text, resolve_symbol_text

_AUTO_NAME = re.compile(r"^N(\d+)$")


@dataclass
class EncodeResult:
    """What :func:`encode_design` returns: the TOKN document, the design, its nets, warnings."""
    document: m.Document
    design: Design
    nets: DesignNets
    warnings: list[str]


def _fmt_angle(a: float) -> float:
    return float(int(round(a)) % 360)


def _needs_lib(components: list[m.Component]) -> bool:
    """True when some component's library cannot be told from its type alone: its name is
    not in exactly one of KiCad 9's stock libraries, or that library is not its own."""
    from .kicad.stdnames import standard_symbol_libraries
    return any(c.lib and standard_symbol_libraries(c.type) != [c.lib] for c in components)


DETAILS = ("full", "v1", "nets")


@dataclass
class _Sheets:
    """How the design's sheet instances appear in the document."""
    sheet_id: dict[int, str]            # instance index -> "S1".. in hierarchy order (not the root)
    geometry_instance: dict[int, int]   # id(file) -> the first instance of it (carries its geometry)
    inst_index: dict[int, int]          # id(instance) -> instance index


class _UsedSymbols:
    """The design's own copy of every symbol the document uses (lib_id -> the first one
    met), and a warning for each lib_id that names two symbols with different pins."""

    def __init__(self) -> None:
        self.used: dict[str, object] = {}
        self.warnings: list[str] = []
        self._signatures: dict[int, tuple] = {}     # id(lib symbol) -> its pin signature

    def signature(self, lib) -> tuple:
        """:func:`pin_signature` of ``lib`` (one of the design's symbols), computed once."""
        sig = self._signatures.get(id(lib))
        if sig is None:
            sig = self._signatures[id(lib)] = pin_signature(lib)
        return sig

    def use(self, lib_id: str, lib) -> None:
        """Record that a row of the document draws ``lib`` (ignored when ``None``)."""
        if lib is None:
            return
        first = self.used.setdefault(lib_id, lib)
        if first is not lib and self.signature(first) != self.signature(lib) and \
                not any(lib_id in w for w in self.warnings):
            self.warnings.append(f"two different symbols are named {lib_id} in this design; "
                                 "the document carries the first one")


def _sheet_ids(design: Design) -> _Sheets:
    """Sheet ids S1.. in hierarchy order; the first instance of each file carries geometry."""
    sheet_id: dict[int, str] = {}
    geometry_instance: dict[int, int] = {}
    for i, inst in enumerate(design.instances):
        if inst.parent is not None:
            sheet_id[i] = f"S{len(sheet_id) + 1}"
        geometry_instance.setdefault(id(inst.file), i)
    inst_index = {id(inst): i for i, inst in enumerate(design.instances)}
    return _Sheets(sheet_id, geometry_instance, inst_index)


def _sheet_rows(design: Design, sheets: _Sheets) -> list[m.Sheet]:
    """One ``sheets`` row per sheet instance below the root, in hierarchy order."""
    rows = []
    for i, inst in enumerate(design.instances):
        if inst.parent is None:
            continue
        ss = inst.sheet_symbol
        parent = sheets.sheet_id.get(sheets.inst_index[id(inst.parent)], "")
        page = inst.page if inst.page != str(2 + len(rows)) else ""     # only when not the default
        rows.append(m.Sheet(sheets.sheet_id[i], ss.name, ss.file, parent, ss.x, ss.y, ss.w, ss.h, page))
    return rows


def _component(sym, si, lib, sid: str, sheet_flags: tuple[bool, bool, bool],
               value: str, fp: str) -> m.Component:
    """The component row of placed symbol ``sym`` annotated as ``si`` on sheet ``sid``
    (``sheet_flags``: the (in_bom, on_board, dnp) its sheet imposes); its w/h are the
    extent of its pins' connection points (0 without a library symbol)."""
    sheet_in_bom, sheet_on_board, sheet_dnp = sheet_flags
    nick, name = split_lib_id(sym.lib_id)
    comp = m.Component(ref=si.reference, type=name, value=value, fp=fp,
                       x=sym.x, y=sym.y, a=_fmt_angle(sym.angle), lib=nick, unit=si.unit,
                       style=sym.style, mirror=sym.mirror, dnp=sym.dnp or sheet_dnp,
                       nobom=not (sym.in_bom and sheet_in_bom),
                       noboard=not (sym.on_board and sheet_on_board), sheet=sid)
    comp.w = comp.h = 0.0
    if lib is not None:
        pts = [xy for _, xy in pin_positions(sym, lib, si.unit)]
        if pts:
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            comp.w, comp.h = max(xs) - min(xs), max(ys) - min(ys)
    return comp


#: A part's fields as placed: reference, lib_id, the placed symbol's fields -- for
#: :func:`_part_fields`.
_PartFields = tuple[str, str, dict[str, str]]


def _add_components(doc: m.Document, design: Design, sheets: _Sheets,
                    symbols: _UsedSymbols, kicad: int) -> list[_PartFields]:
    """Component rows of every part: every netlisted one (power symbols are not parts, nor a
    symbol without a ``lib_symbols`` entry: KiCad 9 and 10 leave it out of their netlists),
    and every symbol with pins whose reference starts with ``#`` that is no power symbol
    (KiCad leaves such a *virtual* part out of netlists and BOMs, but it is on the sheet and
    its pins connect: KiCad's ERC counts them; a potentiometer drawn as ``#RV1``), sorted, with their values and footprints as KiCad ``kicad`` loads them
    (:func:`~tokn.kicad.schematic.loaded_text`); their pin tables; the fields their values
    and footprints refer to.  Returns every part's fields, in order of first appearance."""
    pin_tables: dict[str, dict[str, m.PinDef]] = {}
    merged: set[tuple[str, int, int]] = set()      # (ref, id(lib symbol), style) in pin_tables
    field_refs: set[str] = set()
    part_fields: list[_PartFields] = []
    for i, inst in enumerate(design.instances):
        sid = sheets.sheet_id.get(i, "")
        flags = inst.sheet_flags()
        for sym in inst.file.symbols:
            lib = lib_symbol_for(inst.file, sym)
            if lib is None or lib.is_power:
                continue
            si = design.instance(inst, sym)
            ref = si.reference
            if not is_netlisted(ref) and (not lib.pins or legacy_power_pin(lib) is not None):
                continue                          # a '#' symbol that connects nothing, or a legacy power symbol
            # as KiCad's netlist shows them: ${SIM.PARAMS} etc. resolved from the symbol's fields
            value = resolve_symbol_text(loaded_text(sym.value, kicad), sym.properties, ref,
                                        project=design.text_variables)
            fp = resolve_symbol_text(loaded_text(sym.footprint, kicad), sym.properties, ref,
                                     project=design.text_variables)
            comp = _component(sym, si, lib, sid, flags, value, fp)
            if lib is not None and (ref, id(lib), sym.style) not in merged:
                # the other units of a part (same symbol, same style) add no pin
                merged.add((ref, id(lib), sym.style))
                table = pin_tables.setdefault(ref, {})
                for number, p in pins_by_number(lib, sym.style).items():
                    if number not in table:
                        table[number] = m.PinDef(number, "" if p.name == "~" else p.name)
            symbols.use(sym.lib_id, lib)
            if ref not in field_refs:
                field_refs.add(ref)
                doc.fields += referenced_fields(ref, [value, fp], {**(lib.properties if lib else {}),
                                                                   **sym.properties})
                part_fields.append((ref, sym.lib_id, sym.properties))
            doc.components.append(comp)
    doc.components.sort(key=lambda c: (natural_key(c.ref), c.unit))
    if not _needs_lib(doc.components):
        for c in doc.components:
            c.lib = ""
    _add_pin_tables(doc, pin_tables)
    return part_fields


def _part_fields(referenced: list[m.Field], parts: list[_PartFields], carried: set[str],
                 stock_fields: Callable[[str], dict[str, str] | None]) -> list[m.Field]:
    """The ``fields`` rows of a ``full`` document.  Per part: the fields its value or
    footprint refers to (``referenced``), then every other field of the placed symbol
    (Datasheet, Description, MPN, Sim.Pins...; empty ones too: KiCad's netlist lists them)
    whose value differs from what a decoder gives the part by itself: the fields KiCad copies
    from the library symbol it draws the part with (:func:`placed_field_defaults` of the
    stock symbol's ``stock_fields``; of none for a symbol the document carries -- ``carried``:
    pins only -- or the stock libraries lack).  Parts are taken in reference order, and a
    field that several parts hold with one value is one row listing them (a design's
    parameters repeat: three quarters of the corpus's field tokens)."""
    by_ref: dict[str, list[m.Field]] = {}
    for f in referenced:
        for ref in f.refs:
            by_ref.setdefault(ref, []).append(f)
    grouped: dict[tuple[str, str], list[str]] = {}
    baselines: dict[str, dict[str, str]] = {}

    def add(ref: str, name: str, value: str) -> None:
        refs = grouped.setdefault((name, value), [])
        if ref not in refs:
            refs.append(ref)

    for ref, lib_id, placed in sorted(parts, key=lambda p: natural_key(p[0])):
        named = set()
        for f in by_ref.pop(ref, []):
            add(ref, f.name, f.value)
            named.add(f.name)
        baseline = baselines.get(lib_id)
        if baseline is None:
            stock = None if lib_id in carried else stock_fields(lib_id)
            baseline = baselines[lib_id] = placed_field_defaults(stock or {})
        for name, value in placed.items():
            if name not in INSTANCE_FIELDS and not name.startswith("ki_") and name not in named \
                    and baseline.get(name) != value:
                add(ref, name, value)
    return [m.Field(refs, name, value) for (name, value), refs in grouped.items()]


def _add_pin_tables(doc: m.Document, pin_tables: dict[str, dict[str, m.PinDef]]) -> None:
    """``pins{REF}`` tables, only for parts with some pin whose name is not its number."""
    for ref in sorted(pin_tables, key=natural_key):
        pins = pin_tables[ref]
        if any(p.name and p.name != p.number for p in pins.values()):
            doc.pins[ref] = [pins[k] for k in sorted(pins, key=natural_key)]


def _add_nets(doc: m.Document, dn: DesignNets, geometry_instance: dict[int, int]) -> dict[int, str]:
    """Net rows: every net with a pin, or drawn (wires/labels) on an exported sheet; named
    nets first; nets that KiCad gives one name are one row (a document names each net
    once: two unconnected wires on root sheet pins ``button`` of two sheets are both
    ``/button``).  A net lists the pins of the document's parts (``#`` references
    included).  Returns net index -> TOKN name (see :func:`_net_names`)."""
    parts = set(doc.refs())
    net_pins = [sorted({f"{p.ref}.{p.pin}" for p in net.pins if p.ref in parts}, key=natural_key)
                for net in dn.nets]
    names = _net_names(dn, geometry_instance, net_pins)
    order = sorted(names, key=lambda ni: (not dn.nets[ni].named, natural_key(names[ni])))
    rows: dict[str, m.Net] = {}
    for ni in order:
        row = rows.get(names[ni])
        if row is None:
            doc.nets.append(rows.setdefault(names[ni], m.Net(names[ni], net_pins[ni])))
        else:                 # one name, two subgraphs (sheet pins of one name on unconnected wires):
            row.pins = sorted(set(row.pins) | set(net_pins[ni]), key=natural_key)   # one row, as a name is one net
    return names


#: Electrical types of pins that KiCad's ERC never reports as unconnected.
_UNCONNECTED_BY_DESIGN = frozenset({"no_connect", "free"})


def _flagged_pins(dn: DesignNets, parts: set[str]) -> list[str]:
    """``REF.PIN`` of every pin the design leaves unconnected on purpose, in natural order:
    the one part pin of a net one of whose subgraphs carries a no-connect marker (a marker
    on a net of several pins flags none; KiCad's ERC reports it), the pins of such a net
    that are pins of one symbol drawn at one point (stacked pins: one marker flags them
    all, and KiCad's ERC accepts it), and a pin of electrical type ``no_connect`` or
    ``free`` ("not internally connected") in no net, which KiCad's ERC does not report
    either (a document without its symbol -- a design's own, drawn from the pin table with
    passive pins -- would otherwise leave it looking forgotten).  ``parts``: the document's
    references."""
    out: set[str] = set()
    for net in dn.nets:
        pins = [p for p in net.pins if p.ref in parts]
        distinct = {(p.ref, p.pin) for p in pins}
        marked = any(dn.graphs[i].subgraphs[si].no_connect for i, si in net.members)
        if len(distinct) == 1 and (pins[0].type in _UNCONNECTED_BY_DESIGN or marked):
            out.add(f"{pins[0].ref}.{pins[0].pin}")
        elif len(distinct) > 1 and marked and _stacked(dn, net):
            out |= {f"{ref}.{pin}" for ref, pin in distinct}
    return sorted(out, key=natural_key)


def _stacked(dn: DesignNets, net) -> bool:
    """Whether the part pins of ``net`` are pins of one placed symbol drawn at one point
    (stacked pins: KiCad 9 draws a package's several pads of one signal so)."""
    at = {(i, pr.symbol, pr.pin.x, pr.pin.y) for i, si in net.members for pr in dn.graphs[i].subgraphs[si].pins}
    return len(at) == 1


def _power_flagged(doc: m.Document, dn: DesignNets, names: dict[int, str]) -> list[str]:
    """The listed nets (``names``: net index -> TOKN name) on which a PWR_FLAG (a power
    symbol's power-output pin) is drawn, in the order of ``doc.nets``: what a document
    without the drawing keeps of the flags (``pwrflags``, docs/format.md section 5)."""
    flagged = {names[ni] for ni in names if any(dn.graphs[i].subgraphs[si].power_flag
                                                 for i, si in dn.nets[ni].members)}
    return [n.name for n in doc.nets if n.name in flagged]


def _add_wires_and_labels(doc: m.Document, dn: DesignNets, i: int, sid: str, names: dict[int, str]) -> None:
    """Wire rows (with the TOKN name of their net, "" for unlisted nets) and label rows of
    the file drawn by instance ``i``."""
    g = dn.graph(i)
    f = g.file
    for wi, w in enumerate(f.wires):
        sg = g.wire_subgraph.get(wi)
        ni = dn.subgraph_net.get((i, sg)) if sg is not None else None
        doc.wires.append(m.Wire(names.get(ni, ""), list(w.pts), sid))
    for lb in f.labels:
        if lb.kind == "directive":
            doc.directives.append(m.Directive(lb.x, lb.y, _fmt_angle(lb.angle), lb.shape or "round", lb.length,
                                              lb.netclass, lb.compclass, sid))
            continue
        doc.labels.append(m.Label(lb.name, lb.kind, lb.shape if lb.kind != "local" else "",
                                  lb.x, lb.y, _fmt_angle(lb.angle), sid))


def _add_power_rows(doc: m.Document, design: Design, dn: DesignNets, i: int, sid: str,
                    symbols: _UsedSymbols) -> None:
    """Power rows of the file drawn by instance ``i``: its power symbols, then its legacy
    power symbols (no power flag, '#' reference, one hidden power-input pin), which are no
    parts but name a global net by their pin."""
    inst = design.instances[i]
    g = dn.graph(i)
    f = inst.file
    legacy = design.root.version < LEGACY_POWER_VALUE_VERSION
    # the project's text variables are written resolved, as in label text (the document
    # does not carry the project file); sheet variables stay: its pages and fields do
    variables = design.text_variables
    project = (lambda text: resolve_project_text(text, variables)) if variables else None
    for si in sorted(g.power_symbols):
        sym = f.symbols[si]
        lib = lib_symbol_for(f, sym)
        pin = next((p for p in lib.pins if p.type == "power_in"), None) if lib else None
        # the name the symbol gives its net (its value, or its pin name in pre-KiCad-7 files)
        net = power_net_name(sym, pin, legacy, project, dn.kicad) if pin is not None else sym.value
        symbols.use(sym.lib_id, lib)
        doc.power.append(m.PowerSymbol(net, sym.lib_id, sym.x, sym.y, _fmt_angle(sym.angle),
                                       lib is not None and lib.power == "local", sid))
    for sym in f.symbols:
        pin = legacy_power_pin(lib_symbol_for(f, sym))
        if pin is not None and not is_netlisted(design.instance(inst, sym).reference):
            doc.power.append(m.PowerSymbol(net_text(pin.name), sym.lib_id, sym.x, sym.y,
                                           _fmt_angle(sym.angle), sheet=sid))


def _add_markers_and_buses(doc: m.Document, f, sid: str) -> None:
    """Junction, no-connect, bus, bus-entry and rule-area rows of file ``f`` drawn on sheet ``sid``."""
    for (x, y) in f.junctions:
        doc.junctions.append(m.Marker(x, y, sid))
    for (x, y) in f.no_connects:
        doc.noconnects.append(m.NoConnect(x, y, sheet=sid))
    for b in f.buses:
        doc.buses.append(m.Bus(list(b.pts), sid))
    for be in f.bus_entries:
        doc.busentries.append(m.BusEntry(be.x, be.y, be.dx, be.dy, sid))
    for pts in f.rule_areas:
        doc.ruleareas.append(m.RuleArea(list(pts), sid))


def _add_sheet_pins(doc: m.Document, inst, sheets: _Sheets) -> None:
    """Sheet-pin rows of the sheet symbols drawn in ``inst`` (each under its child's id)."""
    for ss in inst.file.sheets:
        child = next((c for c in inst.children if c.sheet_symbol is ss), None)
        if child is None:
            continue
        cid = sheets.sheet_id[sheets.inst_index[id(child)]]
        for sp in ss.pins:
            doc.sheetpins.append(m.SheetPin(cid, sp.name, sp.shape, sp.x, sp.y, _fmt_angle(sp.angle)))


def _add_geometry(doc: m.Document, design: Design, dn: DesignNets, sheets: _Sheets,
                  names: dict[int, str], symbols: _UsedSymbols) -> None:
    """The drawing of each file, from its first instance, then the bus aliases of all files."""
    for i in sheets.geometry_instance.values():
        inst = design.instances[i]
        sid = sheets.sheet_id.get(i, "")
        _add_wires_and_labels(doc, dn, i, sid, names)
        _add_power_rows(doc, design, dn, i, sid, symbols)
        _add_markers_and_buses(doc, inst.file, sid)
        _add_sheet_pins(doc, inst, sheets)
    for alias, members in design.bus_aliases().items():
        doc.busaliases.append(m.BusAlias(alias, list(members)))


def encode_design(path: str, detail: str = "full", stock=None, kicad: int | None = None) -> EncodeResult:
    """Encode the design whose top-level schematic is ``path``.

    ``detail``: "full" keeps the whole drawing (exact round trips, the default); "v1" keeps
    only what TOKN v1.2 has (components, pins, nets, wires) plus the columns multi-unit
    and hierarchical designs need; "nets" keeps components, pins and nets only (the
    circuit, compact enough for prompts and datasets).  ``kicad``: whose connectivity
    rules give the nets, KiCad 9 or 10 (docs/kicad-connectivity-findings.md says where they
    differ); None: the rules of the KiCad that saved the root file
    (:func:`tokn.kicad.connectivity.kicad_for_format`), KiCad 10's for a design that places
    local power symbols (``(power local)``, which KiCad 9 cannot load; with ``kicad=9``
    the encoder warns) or whose KiCad 10 project joins several top-level sheets (each a
    sheet of the document's root; with ``kicad=9``, ``path``'s hierarchy alone, as KiCad 9
    reads it, with a warning).

    At ``full`` detail the document also carries the pins of every placed symbol that the
    stock libraries do not hold exactly (extension ``symbols``), so that the text alone
    decodes back to the same circuit.  ``stock`` is the index of the stock libraries to
    compare with (anything with ``get(lib_id)``, and ``pin_signature(lib_id)`` when it has
    one: :meth:`~tokn.kicad.library.SymbolIndex.pin_signature`); default: the installed libraries
    (:meth:`tokn.kicad.library.SymbolIndex.default_lookup`, without project tables: the
    answers of :meth:`~tokn.kicad.library.SymbolIndex.default`, opening only the libraries
    the design names).

    The cyclic garbage collector is paused during the call (:mod:`tokn.gcpause`): encoding
    allocates millions of short-lived objects, few in cycles, and collections cost about
    15% of the time; the cycles left are collected after the call as usual.  A caller
    that goes on to use the result (write it) and drops it saves more by pausing the
    collector until the result is gone (as :func:`tokn.cli.encode_job.encode_one` does):
    otherwise the first collections after the call walk all of the result.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
    with collector_paused():
        return _encode_design(path, detail, stock, kicad)


def _encode_design(path: str, detail: str, stock, kicad: int | None) -> EncodeResult:
    design = load_design(path, lean=True, top_level_sheets=kicad is None or kicad >= 10)
    local_power = _local_power_symbols(design)
    only_kicad10 = local_power or design.virtual_root       # what only KiCad 10 reads
    rules = kicad if kicad is not None else 10 if only_kicad10 else kicad_for_format(design.root.version)
    dn = design_nets(design, kicad=rules)
    doc = m.Document()
    doc.title = design.root.title or os.path.splitext(os.path.basename(path))[0]
    if only_kicad10 or kicad_for_format(design.root.version) >= 10:
        doc.kicad = 10                 # a KiCad 10 design: its parts are from KiCad 10's libraries
    sheets = _sheet_ids(design)
    doc.sheets += _sheet_rows(design, sheets)
    doc.sheetfields += [m.SheetField(sheets.sheet_id[i], name, value)
                        for i, inst in enumerate(design.instances) if inst.sheet_symbol is not None
                        for name, value in inst.sheet_symbol.fields.items()]
    symbols = _UsedSymbols()
    part_fields = _add_components(doc, design, sheets, symbols, rules)
    names = _add_nets(doc, dn, sheets.geometry_instance)
    _add_geometry(doc, design, dn, sheets, names, symbols)
    dropped_classes = _dropped_classes(doc) if detail != "full" else []
    reduce_detail(doc, detail)
    if detail != "full":               # without the drawing, the markers say which pins they flag
        listed = {p for net in doc.nets for p in net.pins}      # a named net of one pin stays a net
        stacked = {p for net in doc.nets if len(net.pins) > 1 for p in net.pins}
        doc.noconnects = [m.NoConnect(pin=p) for p in _flagged_pins(dn, set(doc.refs())) if p not in listed or p in stacked]
        doc.pwrflags = _power_flagged(doc, dn, names)          # and the nets their PWR_FLAGs drive
    if detail == "full" and symbols.used:
        if stock is None:
            from .kicad.library.index import SymbolIndex
            stock = SymbolIndex.default_lookup(kicad=doc.kicad or None)
        doc.symbols = symbols_to_carry(symbols.used, stock.get, getattr(stock, "pin_signature", None),
                                       symbols.signature)
        doc.fields = _part_fields(doc.fields, part_fields, set(doc.symbols), _stock_fields(stock))
    warnings = design.warnings + dn.warnings + symbols.warnings + _unlistable_pins(doc) + dropped_classes
    if local_power and rules < 10:
        warnings.append(f"local power symbols ((power local): {', '.join(local_power)}) are KiCad 10's: "
                        "KiCad 9 cannot load this design; their nets are local to their sheets, as in KiCad 10")
    return EncodeResult(doc, design, dn, warnings)


def _dropped_classes(doc: m.Document) -> list[str]:
    """A warning naming the classes that the directive labels (and rule areas) of a ``full``
    document give, which a level without the drawing drops."""
    classes = sorted({c for d in doc.directives for c in (d.netclass, d.compclass) if c}, key=natural_key)
    if not classes:
        return []
    areas = f" and {len(doc.ruleareas)} rule area(s)" if doc.ruleareas else ""
    return [f"{len(doc.directives)} net-class directive label(s){areas} (classes {', '.join(classes)}) are "
            "drawing, which this detail level does not keep: decoded, their nets and parts lose these "
            "classes (--detail full keeps them)"]


def _stock_fields(stock) -> Callable[[str], dict[str, str] | None]:
    """lib_id -> the stock symbol's properties: ``stock.fields`` (memoised by a
    :class:`~tokn.kicad.library.SymbolIndex`), else those of ``stock.get``."""
    fields = getattr(stock, "fields", None)
    if fields is not None:
        return fields

    def of(lib_id: str) -> dict[str, str] | None:
        sym = stock.get(lib_id)
        return None if sym is None else sym.properties
    return of


def _local_power_symbols(design: Design) -> list[str]:
    """The lib_ids of the KiCad 10 local power symbols (``(power local)``) the design
    places: such a design is KiCad 10's whatever its file format (KiCad 9 cannot load it)."""
    found: set[str] = set()
    seen: set[int] = set()
    for inst in design.instances:
        f = inst.file
        if id(f) in seen:
            continue
        seen.add(id(f))
        for sym in f.symbols:
            lib = lib_symbol_for(f, sym)
            if lib is not None and lib.power == "local":
                found.add(sym.lib_id)
    return sorted(found, key=natural_key)


def _unlistable_pins(doc: m.Document) -> list[str]:
    """A warning naming the pins a TOKN net list cannot hold: its pins are separated by
    commas, so a pin number with a comma (a KiCad 10 stacked pin ``[1,2,3]`` read by KiCad
    9's rules, which keep it as one number) does not read back as written."""
    bad = sorted({p for n in doc.nets for p in n.pins if "," in p}, key=natural_key)
    if not bad:
        return []
    return [f"pin numbers with a comma cannot be listed in a TOKN net ({', '.join(bad[:5])}"
            f"{', ...' if len(bad) > 5 else ''}): the text will not read back exactly; by KiCad 10's "
            "rules (tokn encode --kicad 10) a stacked pin is listed by its numbers"]


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
        out.append(m.Field([ref], name, properties[name]))
        todo += _TEXT_VAR.findall(properties[name])
    return out


def _net_names(dn: DesignNets, geometry_instance: dict[int, int],
               net_pins: list[list[str]]) -> dict[int, str]:
    """TOKN name of every net worth listing: KiCad's name for named nets, N1.. otherwise.
    ``net_pins[ni]``: the ``REF.PIN`` of net ``ni``'s pins of the document's parts, in natural order.

    Unnamed nets are numbered in the natural order of their first pin (nets with no pin
    but drawn wires come after, in drawing order), skipping numbers that named nets use.
    """
    # Listed: named nets that reach a pin or are drawn, and unnamed nets joining two or
    # more pins.  A lone unconnected pin (even with a dangling wire) is not a net; wires
    # of unlisted nets get an empty net name.
    listed: set[int] = set()
    for ni, net in enumerate(dn.nets):
        npins = len(net_pins[ni])
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
        pins = net_pins[ni]         # sorted already: its first is the least
        if pins:
            return (0, natural_key(pins[0]), 0)
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
