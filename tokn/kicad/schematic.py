"""Typed model of one ``.kicad_sch`` file (one sheet's drawing), KiCad 6-9.

:func:`read_schematic` turns a parsed tree into a :class:`SchematicFile`.  Nothing here
knows about the hierarchy (see :mod:`tokn.kicad.hierarchy`) or connectivity (see
:mod:`tokn.kicad.connectivity`).  All coordinates are millimetres, sheet coordinates.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from math import isfinite

from ..errors import SchematicError, SchematicValueError, SexprSyntaxError, line_col
from ..sexpr import (arg, child, children, first_value, integer, number, parse, parse_lean,
                     parse_lossless, text, value_of, yes_no, yes_no_of)
from .geometry import IU_PER_MM, iu
from .symbols import LibPin, LibSymbol, parse_lib_symbol

Point = tuple[float, float]


@dataclass
class SymbolInstance:
    """Per-hierarchy-path data of a placed symbol: ``path`` is the sheet path (KiCad 7+)."""
    path: str
    reference: str
    unit: int
    project: str = ""
    value: str | None = None
    footprint: str | None = None


@dataclass
class PlacedSymbol:
    """A symbol placed on a sheet: lib_id, position, unit, fields, pins' alternates, instances."""
    lib_id: str
    lib_name: str                 # name of the embedded lib_symbols entry ("" = lib_id)
    x: float
    y: float
    angle: float
    mirror: str                   # "" | "x" | "y"
    unit: int
    style: int
    uuid: str
    properties: dict[str, str]
    in_bom: bool = True
    on_board: bool = True
    dnp: bool = False
    exclude_from_sim: bool = False
    instances: list[SymbolInstance] = field(default_factory=list)
    pin_alternates: dict[str, str] = field(default_factory=dict)

    @property
    def embedded_name(self) -> str:
        return self.lib_name or self.lib_id

    @property
    def reference_field(self) -> str:
        return self.properties.get("Reference", "")

    @property
    def value(self) -> str:
        return self.properties.get("Value", "")

    @property
    def footprint(self) -> str:
        return self.properties.get("Footprint", "")

    def pin_function(self, pin: LibPin) -> tuple[str, str]:
        """The name and electrical type ``pin`` has on this placed symbol: those of the
        alternate chosen for it (``(pin "N" (alternate "ALT"))``), else the library pin's."""
        alt = self.pin_alternates.get(pin.number)
        if alt and alt in pin.alternates:
            return alt, pin.alternates[alt]
        return pin.name, pin.type


@dataclass
class Wire:
    """A wire or bus of a sheet: its points and uuid."""
    pts: list[Point]
    uuid: str = ""


@dataclass
class BusEntry:
    """A bus entry of a sheet: position and size."""
    x: float
    y: float
    dx: float
    dy: float


@dataclass
class Label:
    """A label of a sheet: kind, text, position, angle, shape and uuid."""
    kind: str                     # "local" | "global" | "hier" | "directive"
    name: str
    x: float
    y: float
    angle: float
    shape: str = ""
    uuid: str = ""
    #: a directive label's stem length and the classes its fields give (``Netclass``,
    #: ``Component Class``); unused for net labels
    length: float = 2.54
    netclass: str = ""
    compclass: str = ""


@dataclass
class SheetPin:
    """A pin of a sheet symbol: name, shape, position, angle."""
    name: str
    shape: str
    x: float
    y: float
    angle: float


@dataclass
class SheetInstance:
    """A sheet's ``(instances ...)`` entry of a KiCad 7+ file, or a KiCad 6 ``sheet_instances`` row."""
    path: str
    page: str = ""
    project: str = ""


@dataclass
class SheetSymbol:
    """A hierarchical sheet placed on this sheet."""
    name: str
    #: the sheet's file, relative to this sheet's folder, with "/" between folders (KiCad on
    #: every system also reads a "\\" written by Windows as a separator)
    file: str
    x: float
    y: float
    w: float
    h: float
    uuid: str
    pins: list[SheetPin] = field(default_factory=list)
    instances: list[SheetInstance] = field(default_factory=list)
    dnp: bool = False              # these three apply to every part inside (KiCad 8+)
    in_bom: bool = True
    on_board: bool = True
    #: The sheet's own fields beyond its name and file (``${FIELD}`` in the sheet's items)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class SchematicFile:
    """One ``.kicad_sch`` file as read: header, embedded library symbols and every item."""
    path: str | None
    version: int
    generator: str
    generator_version: str
    uuid: str
    title: str
    lib_symbols: dict[str, LibSymbol]
    symbols: list[PlacedSymbol] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    buses: list[Wire] = field(default_factory=list)
    bus_entries: list[BusEntry] = field(default_factory=list)
    junctions: list[Point] = field(default_factory=list)
    no_connects: list[Point] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    #: KiCad 9+ rule areas: each the points of its polygon
    rule_areas: list[list[Point]] = field(default_factory=list)
    sheets: list[SheetSymbol] = field(default_factory=list)
    bus_aliases: dict[str, list[str]] = field(default_factory=dict)
    # KiCad 6 keeps every instance reference in the root file:
    legacy_symbol_instances: dict[str, SymbolInstance] = field(default_factory=dict)
    legacy_sheet_instances: dict[str, str] = field(default_factory=dict)   # path -> page


def _xy(node: list) -> Point:
    """x, y of ``(xy x y)`` (or any list whose first two arguments are numbers)."""
    try:
        x, y = float(node[1]), float(node[2])
    except (IndexError, ValueError, TypeError):
        x = y = math.nan
    # bare finite atoms converted directly (the common case: 3x faster than number(arg(..))
    # twice); anything else -- quoted, missing, not finite -- takes the exact path for its
    # value or its error.  The sum is finite only when both are (an overflow only costs the
    # slow path).
    if isfinite(x + y):
        return x, y
    return number(arg(node, 1)), number(arg(node, 2))


def _at(node: list) -> tuple[float, float, float]:
    return _at_of(child(node, "at"))


def _at_of(at: list | None) -> tuple[float, float, float]:
    """x, y and angle of an ``(at x y [angle])`` list; zeros for None."""
    if at is None:
        return 0.0, 0.0, 0.0
    try:                            # fast path as in _xy
        x, y = float(at[1]), float(at[2])
        a = float(at[3]) if len(at) > 3 else 0.0
    except (IndexError, ValueError, TypeError):
        x = y = a = math.nan
    if isfinite(x + y + a):
        return x, y, a
    return number(arg(at, 1)), number(arg(at, 2)), (number(at[3]) if len(at) > 3 else 0.0)


def _pts(node: list) -> list[Point]:
    pts = child(node, "pts")
    return [_xy(p) for p in children(pts, "xy")] if pts else []


def _instances(inst: list | None, props: dict[str, str]) -> list[SymbolInstance]:
    """The ``(instances (project NAME (path P (reference R) (unit U)) ...) ...)`` of a placed
    symbol (``inst``: that list, or None).

    A ``(value ...)`` or ``(footprint ...)`` in a path (KiCad 7's early format wrote them)
    is the symbol's field, not the instance's: KiCad 9 and 10 set the field in ``props``
    from each path as they read it, so the last path that has one wins for every instance,
    even with an empty text (fixture instance_values_per_symbol)."""
    out = []
    if inst is None:
        return out
    for proj in children(inst, "project"):
        pname = text(proj[1]) if len(proj) > 1 else ""
        for p in children(proj, "path"):
            heads: dict[str, list] = {}
            for c in p:
                if type(c) is not str and c and type(c[0]) is str and c[0] not in heads:
                    heads[c[0]] = c
            ref = value_of(heads.get("reference"), "") or ""
            unit = value_of(heads.get("unit"), "1") or "1"
            out.append(SymbolInstance(text(arg(p, 1)), ref, integer(unit), pname))
            for key, name in (("value", "Value"), ("footprint", "Footprint")):
                v = value_of(heads.get(key), None)
                if v is not None:
                    props[name] = v
    return out


#: Files older than this format (KiCad 10's own formats are newer) write an empty field as
#: ``~``: KiCad 9 and 10 load a field whose whole text is ``~`` as an empty field (KiCad 10
#: saves it back as ""), so an old power symbol valued ``~`` is one with an empty value.
#: From this format on, ``~`` is the text ``~`` (fixtures tilde_values, k10_tilde_values).
TILDE_TEXT_VERSION = 20250318


#: The fields whose ``~`` is read as empty in an old file: those that give a part's value,
#: footprint and reference, and a sheet's name and file.  Other fields (a Datasheet ``~``,
#: the usual "none") stay as written: a decoded file, in KiCad 9's format, holds them as the
#: original did, so KiCad 9 (whose netlist shows ``~``) and 10 (empty) read both alike.  A
#: KiCad 10 file's ``~`` (text there) is kept too, but KiCad 10 reads it empty in the decoded
#: file, which is in KiCad 9's format (fixture kicad10/k10_tilde_datasheet; docs/format.md).
_TILDE_EMPTY_FIELDS = frozenset({"Reference", "Value", "Footprint", "Sheetname", "Sheet name",
                                 "Sheetfile", "Sheet file"})


def _field_text(node: list, k: int, tilde_empty: bool) -> str:
    """Text of a property's argument ``k``; ``""`` for ``~`` when ``tilde_empty`` (a file
    before :data:`TILDE_TEXT_VERSION`) and the property is one of :data:`_TILDE_EMPTY_FIELDS`."""
    t = text(node[k])
    return "" if tilde_empty and t == "~" and text(node[k - 1]) in _TILDE_EMPTY_FIELDS else t


def loaded_text(text: str, kicad: int) -> str:
    """A placed symbol's Value or Footprint, or a sheet's name, as KiCad ``kicad`` holds it
    once it has loaded the file: KiCad 10 trims the whitespace around it (a Value ``" 10k"``
    is ``10k``; a power symbol valued ``"VP "`` drives the net ``VP``, joining a global label
    ``VP``; a sheet named ``" Sub "`` prefixes ``/Sub/``), whatever the file's format; KiCad 9
    keeps it.  Only ASCII whitespace (space, tab, line breaks) is trimmed: an ideographic or
    no-break space stays.  References and the other fields keep theirs in both (fixture
    connectivity/field_spaces)."""
    return text.strip(_ASCII_SPACE) if kicad >= 10 else text


#: What KiCad 10 trims around a loaded Value, Footprint or sheet name.
_ASCII_SPACE = " \t\n\r\v\f"


def _placed_symbol(node: list, tilde_empty: bool = False) -> PlacedSymbol:
    """A placed symbol, from one pass over its items: the first list of each head, and its
    properties and pins (four passes before, one per kind; with the fast paths of
    :func:`_xy` and :func:`_at_of`, reading the corpus's 137 parsed files takes 0.24 s CPU
    instead of 0.31 s).  Values are read in the order they always were, so that a
    malformed file reports the same error.  ``tilde_empty``: a field written ``~`` is empty
    (files before :data:`TILDE_TEXT_VERSION`)."""
    heads: dict[str, list] = {}
    prop_nodes: list[list] = []
    pin_nodes: list[list] = []
    for c in node:
        if type(c) is str or not c:
            continue
        head = c[0]
        if head == "property":
            prop_nodes.append(c)
        elif head == "pin":
            pin_nodes.append(c)
        elif type(head) is str and head not in heads:
            heads[head] = c
    get = heads.get
    x, y, a = _at_of(get("at"))
    mirror = value_of(get("mirror"), "") or ""
    props = {}
    for p in prop_nodes:
        if len(p) >= 4 and p[1] == "private":
            props[text(p[2])] = _field_text(p, 3, tilde_empty)
        elif len(p) >= 3:
            props[text(p[1])] = _field_text(p, 2, tilde_empty)
    alternates = {}
    for p in pin_nodes:
        alt = child(p, "alternate")
        if alt is not None and len(alt) > 1:
            alternates[text(p[1])] = text(alt[1])
    style = value_of(get("body_style"), None) or value_of(get("convert"), "1") or "1"
    instances = _instances(get("instances"), props)
    return PlacedSymbol(
        lib_id=value_of(get("lib_id"), "") or "",
        lib_name=value_of(get("lib_name"), "") or "",
        x=x, y=y, angle=a, mirror=mirror,
        unit=integer(value_of(get("unit"), "1") or "1"),
        style=integer(style),
        uuid=value_of(get("uuid"), "") or "",
        properties=props,
        in_bom=yes_no_of(get("in_bom"), True),
        on_board=yes_no_of(get("on_board"), True),
        dnp=yes_no_of(get("dnp"), False),
        exclude_from_sim=yes_no_of(get("exclude_from_sim"), False),
        instances=instances,
        pin_alternates=alternates,
    )


def _sheet(node: list, tilde_empty: bool = False) -> SheetSymbol:
    """A sheet symbol; ``tilde_empty`` as for :func:`_placed_symbol`."""
    x, y, _ = _at(node)
    size = child(node, "size")
    w, h = (number(arg(size, 1)), number(arg(size, 2))) if size else (0.0, 0.0)
    props = {}
    for p in children(node, "property"):
        if len(p) >= 3:
            props[text(p[1])] = _field_text(p, 2, tilde_empty)
    name = props.get("Sheetname", props.get("Sheet name", ""))
    file = props.get("Sheetfile", props.get("Sheet file", "")).replace("\\", "/")
    pins = []
    for p in children(node, "pin"):
        at = child(p, "at")
        px, py, pa = _at_of(at)
        px, py = _on_sheet_edge(px, py, pa if at is not None and len(at) > 3 else None, x, y, w, h)
        shape = text(p[2]) if len(p) > 2 and type(p[2]) is str else ""
        pins.append(SheetPin(text(arg(p, 1)), shape, px, py, pa))
    instances = []
    inst = child(node, "instances")
    if inst is not None:
        for proj in children(inst, "project"):
            for p in children(proj, "path"):
                instances.append(SheetInstance(text(arg(p, 1)), first_value(p, "page", "") or "",
                                               text(proj[1]) if len(proj) > 1 else ""))
    fields = {k: v for k, v in props.items() if k not in _SHEET_MANDATORY}
    return SheetSymbol(name, file, x, y, w, h, first_value(node, "uuid", "") or "", pins,
                       instances, dnp=yes_no(node, "dnp", False), in_bom=yes_no(node, "in_bom", True),
                       on_board=yes_no(node, "on_board", True), fields=fields)


_SHEET_MANDATORY = ("Sheetname", "Sheet name", "Sheetfile", "Sheet file")

#: the edge a sheet pin's angle puts it on: 0 right, 90 top, 180 left, 270 bottom
_EDGE_OF_ANGLE = {0: "right", 90: "top", 180: "left", 270: "bottom"}


def _on_sheet_edge(px: float, py: float, angle: float | None,
                   x: float, y: float, w: float, h: float) -> Point:
    """Where KiCad puts a sheet pin read at (px, py) on the sheet at (x, y) of size (w, h):
    on its edge, as KiCad does when it reads the file (a pin written off the edge, as some
    generators write them, connects only there).  First onto the nearest edge (on a tie,
    the first of top, right, bottom, left), within the sheet's extent along it; then onto
    the edge ``angle`` names (KiCad reads no other angle; None: no angle written, the
    nearest edge stays).  A coordinate already on the edge (in internal units) is kept as
    written, so files saved by KiCad read exactly as before."""
    left, top, pu, pv = iu(x), iu(y), iu(px), iu(py)
    right, bottom = left + iu(w), top + iu(h)
    corners = [(left, top), (right, top), (right, bottom), (left, bottom), (left, top)]
    dist = []
    for (ax, ay), (bx, by) in zip(corners, corners[1:]):
        nx = min(max(pu, min(ax, bx)), max(ax, bx))     # edges are axis-aligned: nearest point
        ny = min(max(pv, min(ay, by)), max(ay, by))
        dist.append(round(math.hypot(pu - nx, pv - ny)))
    side = ("top", "right", "bottom", "left")[dist.index(min(dist))]
    if side in ("left", "right"):
        u, v = (left if side == "left" else right), min(max(pv, top), bottom)
    else:
        u, v = min(max(pu, left), right), (top if side == "top" else bottom)
    named = _EDGE_OF_ANGLE.get(int(angle) % 360) if angle is not None and angle == int(angle) else None
    if named in ("left", "right"):
        u = left if named == "left" else right
    elif named in ("top", "bottom"):
        v = top if named == "top" else bottom
    return (px if u == pu else u / IU_PER_MM), (py if v == pv else v / IU_PER_MM)


def label_angle(angle: float, node: list) -> float:
    """The direction KiCad gives the label ``node`` written at ``angle``: the written
    angle's axis (0 or 180 horizontal, 90 or 270 vertical) with the text's justification
    -- right-justified text runs left of the anchor (180) or down from it (270), any other
    to the right (0) or up (90).  KiCad 6-10 files write the two consistently, but not
    all: the rectifier demo's label at 0 justified right is drawn by KiCad 9 and 10 as one
    at 180, and saved so by KiCad 10 (the same holds for global, hierarchical and directive
    labels, whatever the file's version).  An angle off the right angles stays as written."""
    turns = angle % 360
    if turns not in (0, 90, 180, 270):
        return angle
    effects = child(node, "effects")
    justify = child(effects, "justify") if effects is not None else None
    right = justify is not None and "right" in justify[1:]
    return (180.0 if right else 0.0) if turns in (0, 180) else (270.0 if right else 90.0)


_LABEL_KINDS = {"label": "local", "global_label": "global", "hierarchical_label": "hier",
                "directive_label": "directive", "netclass_flag": "directive"}


def read_schematic(tree: list, path: str | None = None) -> SchematicFile:
    """Build the typed model of one schematic from its parsed top-level list(s).

    ``tree`` is what :func:`tokn.sexpr.parse` returns.  Stray top-level expressions other
    than ``kicad_sch`` (e.g. ``(comment ...)`` lines some tools write) are ignored.
    """
    root = None
    for top in tree:
        if top and top[0] == "kicad_sch":
            root = top
            break
    if root is None:
        heads = ", ".join(sorted({str(t[0]) for t in tree if t}))[:60]
        raise SchematicError(f"not a KiCad schematic: expected (kicad_sch ...), found ({heads} ...)", path, 1, 1)
    try:
        return _read_root(root, path)
    except SchematicValueError as e:
        e.path = e.path or path
        raise


def _read_root(root: list, path: str | None) -> SchematicFile:
    # Tolerate stray (comment ...) etc. that some generators put at the kicad_sch level.
    version = _within(root, lambda: integer(first_value(root, "version", "0") or "0"))
    tb = child(root, "title_block")
    title = (first_value(tb, "title", "") or "") if tb else ""
    libs: dict[str, LibSymbol] = {}
    ls = child(root, "lib_symbols")
    if ls is not None:
        for s in children(ls, "symbol"):
            sym = _within(s, lambda: parse_lib_symbol(s))
            libs[sym.name] = sym
    sch = SchematicFile(
        path=path, version=version,
        generator=first_value(root, "generator", "") or "",
        generator_version=first_value(root, "generator_version", "") or "",
        uuid=first_value(root, "uuid", "") or "",
        title=title, lib_symbols=libs,
    )
    for c in root:
        if type(c) is str:
            continue
        try:
            _read_item(sch, c)
        except SchematicValueError as e:
            e.node = e.node if e.node is not None else c
            raise
    return sch


def _within(node: list, read):
    """``read()``, with ``node`` recorded as the place of a value error that names none."""
    try:
        return read()
    except SchematicValueError as e:
        e.node = e.node if e.node is not None else node
        raise


def _read_item(sch: SchematicFile, c: list) -> None:
    """Add one top-level item of a schematic (symbol, wire, label, sheet...) to ``sch``."""
    if not c or type(c[0]) is not str:
        raise SchematicValueError("expected (keyword ...), found a list without a keyword", node=c)
    head = c[0]
    if head == "symbol":
        sch.symbols.append(_placed_symbol(c, sch.version < TILDE_TEXT_VERSION))
    elif head == "wire":
        sch.wires.append(Wire(_pts(c), first_value(c, "uuid", "") or ""))
    elif head == "bus":
        sch.buses.append(Wire(_pts(c), first_value(c, "uuid", "") or ""))
    elif head == "junction":
        x, y, _ = _at(c)
        sch.junctions.append((x, y))
    elif head == "no_connect":
        x, y, _ = _at(c)
        sch.no_connects.append((x, y))
    elif head == "bus_entry":
        x, y, _ = _at(c)
        size = child(c, "size")
        if size is None:
            raise SchematicValueError("(bus_entry ...) has no (size ...)", node=c)
        sch.bus_entries.append(BusEntry(x, y, number(arg(size, 1)), number(arg(size, 2))))
    elif head in _LABEL_KINDS:
        x, y, a = _at(c)
        a = label_angle(a, c)
        name = text(c[1]) if len(c) > 1 and type(c[1]) is str else ""
        shape = first_value(c, "shape", "") or ""
        label = Label(_LABEL_KINDS[head], name, x, y, a, shape, first_value(c, "uuid", "") or "")
        if label.kind == "directive":
            label.length = number(first_value(c, "length", "2.54") or "2.54")
            fields = {text(p[1]): text(p[2]) for p in children(c, "property") if len(p) > 2}
            label.netclass = fields.get("Netclass", "")
            label.compclass = fields.get("Component Class", "")
        sch.labels.append(label)
    elif head == "rule_area":
        poly = child(c, "polyline")
        if poly is not None:
            sch.rule_areas.append(_pts(poly))
    elif head == "sheet":
        sch.sheets.append(_sheet(c, sch.version < TILDE_TEXT_VERSION))
    elif head == "bus_alias" and len(c) > 1:
        mem = child(c, "members")
        sch.bus_aliases[text(c[1])] = [text(m) for m in mem[1:]] if mem else []
    elif head == "symbol_instances":
        for p in children(c, "path"):
            ref = first_value(p, "reference", "") or ""
            unit = integer(first_value(p, "unit", "1") or "1")
            sch.legacy_symbol_instances[text(p[1])] = SymbolInstance(
                text(p[1]), ref, unit, "",
                first_value(p, "value", None), first_value(p, "footprint", None))
    elif head == "sheet_instances":
        for p in children(c, "path"):
            sch.legacy_sheet_instances[text(p[1])] = first_value(p, "page", "") or ""


def load_schematic(path: str, lean: bool = False) -> SchematicFile:
    """Read and parse a ``.kicad_sch`` file from disk.

    ``lean``: skip drawing-only lists (see :func:`tokn.sexpr.parse_lean`); embedded
    symbols then have pins but no graphics, which is all connectivity needs."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            src = f.read()
    except UnicodeDecodeError as e:
        raise SchematicError(f"not a text file (invalid UTF-8 at byte {e.start})", path) from None
    except OSError as e:
        raise SchematicError(f"cannot read file: {e.strerror}", path) from None
    if src.startswith("EESchema Schematic File Version"):
        raise SchematicError("KiCad 5 schematic (.sch) format is not supported: open it in KiCad 6 "
                             "or later and save it as .kicad_sch", path, 1, 1)
    try:
        return read_schematic((parse_lean if lean else parse)(src, path), path)
    except SchematicValueError as e:
        if e.line is None:
            e.line, e.col = locate_value(src, e)
        raise
    except SexprSyntaxError:
        other = _other_kind_of_file(src)
        if other:
            raise SchematicError(f"not a KiCad schematic: expected (kicad_sch ...), found {other}", path, 1, 1) \
                from None
        raise


_FIRST_HEAD = re.compile(r"\(\s*([^\s()\"]+)")


def _other_kind_of_file(src: str) -> str | None:
    """What a file that fails to parse is instead, when it is plainly no schematic (no
    ``(kicad_sch`` anywhere): ``(kicad_pcb ...)`` of a board given by mistake -- whose own
    syntax slips would otherwise be reported as if a schematic had them -- XML, JSON, the
    pointer a Git LFS clone holds until ``git lfs pull``; None when it looks like a damaged
    schematic (the syntax error is then the right message)."""
    if re.search(r"\(\s*kicad_sch\b", src):
        return None
    head = src.lstrip()[:200]
    if re.match(r"version https://git-lfs\.\S*/spec/v\d", head):
        return "a Git LFS pointer (the file itself was not fetched: git lfs pull)"
    if head.startswith("<"):
        return "XML (an Eagle or other tool's file?)"
    if head.startswith(("{", "[")):
        return "JSON"
    m = _FIRST_HEAD.search(head)
    return f"({m.group(1)} ...)" if m else None


def locate_value(src: str, err: SchematicValueError) -> tuple[int | None, int | None]:
    """1-based (line, col) in ``src`` of the value ``err`` is about: its atom inside the list
    it was read from when both are known, else the start of that list; (None, None) when the
    list cannot be found.  Called only on the error path (it re-reads the file with spans)."""
    if err.node is None:
        return None, None
    target = list(err.node)
    found: list[tuple[int, int]] = []

    def walk(node) -> bool:
        if node.span is not None and _holds(node, target):
            found.append(node.span)
            return True
        return any(walk(c) for c in node if type(c) is not str)

    for top in parse_lossless(src):
        if type(top) is not str and walk(top):
            break
    if not found:
        return None, None
    start, end = found[0]
    offset = start
    if err.atom is not None:
        at = src.find(err.atom, start, end)
        offset = at if at >= 0 else start
    return line_col(src, offset)


def _holds(full, lean: list) -> bool:
    """True when ``lean`` is ``full`` read by the lean reader: the same atoms, and its lists
    found in order among ``full``'s (the lean reader drops drawing-only lists)."""
    if [c for c in full if type(c) is str] != [c for c in lean if type(c) is str]:
        return False
    rest = iter([c for c in full if type(c) is not str])
    return all(any(_holds(f, c) for f in rest) for c in lean if type(c) is not str)
