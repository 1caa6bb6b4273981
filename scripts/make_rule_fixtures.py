"""Write the connectivity rule fixtures of issue 9 and record KiCad's netlists of them.

Each case is a small schematic (or a small hierarchy in its own folder) written here with
:mod:`tokn.kicad.build`; ``kicad-cli sch export netlist`` (the oracle) writes the ``.net``
(S-expression netlist) beside its top-level file, and for the cases where the two differ
also the ``.xml`` netlist.  ``tests/test_connectivity_rules.py`` then checks our engine
against every recorded netlist; the rules are written up in
docs/kicad-connectivity-findings.md.

Usage: ``python scripts/make_rule_fixtures.py [--out tests/fixtures/connectivity] [NAME...]``
(needs kicad-cli and KiCad's symbol libraries; rewrites the named cases, default all).
KiCad 10's netlists (``.k10.net``, ``.k10.xml``) are recorded too when its kicad-cli is
there (``--kicad10``, default ``scripts/kicad10-cli`` once scripts/install-kicad10.sh ran).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass, field

from tokn.kicad import build as B
from tokn.kicad.kicad_cli import kicad_cli
from tokn.kicad.library import SymbolIndex
from tokn.sexpr import child, children, dumps, first_value, parse, text

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "tests", "fixtures", "connectivity")
PROJECT = "p"
R_PIN = 3.81          # Device:R pins sit 3.81 mm above (pin 1) and below (pin 2) its anchor


def lib_pin(number: str, name: str, ptype: str, x: float, y: float, angle: float, hidden: bool = False,
            alternates: dict[str, str] | None = None) -> list:
    node = ["pin", ptype, "line", B.at(x, y, angle), ["length", "2.54"]]
    if hidden:
        node.append(["hide", "yes"])
    node += [["name", B.q(name), B.effects()], ["number", B.q(number), B.effects()]]
    node += [["alternate", B.q(a), t, "line"] for a, t in (alternates or {}).items()]
    return node


def custom_symbol(lib_id: str, ref: str, pins: list[list], power: bool | str = False) -> list:
    """A library symbol (for ``lib_symbols``) whose unit 1 has ``pins`` (from :func:`lib_pin`);
    ``power``: True for a power symbol, ``"local"`` for KiCad 10's local power symbol."""
    name = lib_id.split(":", 1)[-1]
    node = ["symbol", B.q(lib_id)]
    if power:
        node.append(["power", "local"] if power == "local" else ["power"])
    node += [["exclude_from_sim", "no"], ["in_bom", "yes"], ["on_board", "yes"],
             B.prop("Reference", ref, 0, 2.54), B.prop("Value", name, 0, -2.54),
             B.prop("Footprint", "", 0, 0, hide=True), B.prop("Datasheet", "", 0, 0, hide=True),
             ["symbol", B.q(f"{name}_1_1"), *pins], ["embedded_fonts", "no"]]
    return node


@dataclass
class _Symbol:
    lib_id: str
    x: float
    y: float
    refs: list[str]                 # one per instance of the file, in hierarchy order
    value: str
    on_board: bool = True
    angle: float = 0
    alternates: dict[str, str] = field(default_factory=dict)   # pin number -> alternate chosen


@dataclass
class _SheetRef:
    name: str
    file: "SheetFile"
    x: float
    y: float
    w: float
    h: float
    pins: list[tuple[str, float, float, float]]       # (name, x, y, angle)
    seed: str
    flags: dict = field(default_factory=dict)          # in_bom / on_board / dnp


@dataclass
class SheetFile:
    """One schematic file being written; its items are placed in sheet coordinates."""
    name: str                                           # file name, e.g. "sub.kicad_sch"
    libs: dict[str, list] = field(default_factory=dict)
    items: list[list] = field(default_factory=list)
    symbols: list[_Symbol] = field(default_factory=list)
    sheets: list[_SheetRef] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)      # filled in when the case is written

    def _seed(self, *parts) -> str:
        return f"{self.name}|{len(self.items)}|{len(self.symbols)}|{len(self.sheets)}|" + "|".join(map(str, parts))

    def lib(self, lib_id: str, node: list | None = None) -> None:
        if lib_id not in self.libs:
            self.libs[lib_id] = node if node is not None else _stock(lib_id)

    def symbol(self, lib_id: str, x: float, y: float, refs, value: str | None = None,
               on_board: bool = True, node: list | None = None, angle: float = 0,
               alternates: dict[str, str] | None = None) -> None:
        self.lib(lib_id, node)
        refs = [refs] if isinstance(refs, str) else list(refs)
        self.symbols.append(_Symbol(lib_id, x, y, refs, value if value is not None else lib_id.split(":")[-1],
                                    on_board, angle, dict(alternates or {})))

    def r(self, refs, x: float, y1: float, on_board: bool = True) -> None:
        """A Device:R whose pin 1 is at (x, y1) and pin 2 at (x, y1 + 7.62)."""
        self.symbol("Device:R", x, y1 + R_PIN, refs, "10k", on_board)

    def power(self, lib_id: str, x: float, y: float, refs) -> None:
        """A stock power symbol whose pin is at (x, y)."""
        self.symbol(lib_id, x, y, refs)

    def wire(self, *pts: tuple[float, float]) -> None:
        self.items.append(B.wire(list(pts), self._seed("w", pts)))

    def bus(self, *pts: tuple[float, float]) -> None:
        self.items.append(B.wire(list(pts), self._seed("b", pts), kind="bus"))

    def entry(self, x: float, y: float, dx: float = 2.54, dy: float = 2.54) -> None:
        self.items.append(B.bus_entry(x, y, dx, dy, self._seed("e", x, y)))

    def label(self, kind: str, name: str, x: float, y: float) -> None:
        self.items.append(B.label(kind, name, x, y, 0, self._seed("l", name, x, y), "bidirectional"))

    def sheet(self, name: str, file: "SheetFile", x: float, y: float, pins=(), w: float = 20,
              h: float = 20, **flags) -> None:
        """A sheet symbol; ``pins`` = [(name, x, y)] on its left (angle 180) edge; ``flags``:
        in_bom / on_board / dnp of the sheet."""
        self.sheets.append(_SheetRef(name, file, x, y, w, h, [(n, px, py, 180) for n, px, py in pins],
                                     self._seed("s", name), flags))


ROOT_UUID = "11111111-2222-3333-4444-555555555555"

_INDEX: SymbolIndex | None = None


def _stock(lib_id: str) -> list:
    global _INDEX
    if _INDEX is None:
        _INDEX = SymbolIndex.default()
    node = _INDEX.embed_node(lib_id)
    if node is None:
        raise SystemExit(f"{lib_id} is not in KiCad's installed symbol libraries")
    return node


def _assign_paths(root: SheetFile) -> None:
    """Every file's instance paths, depth first in file order (KiCad's hierarchy order)."""
    def walk(f: SheetFile, path: str) -> None:
        f.paths.append(path)
        for s in f.sheets:
            walk(s.file, path + "/" + B.uid(s.seed))

    walk(root, "/" + ROOT_UUID)


def _files(root: SheetFile) -> list[SheetFile]:
    out: list[SheetFile] = []

    def walk(f: SheetFile) -> None:
        if f not in out:
            out.append(f)
        for s in f.sheets:
            walk(s.file)

    walk(root)
    return out


def _render(f: SheetFile, is_root: bool) -> str:
    items = list(f.items)
    for k, s in enumerate(f.symbols):
        if len(s.refs) != len(f.paths):
            raise SystemExit(f"{f.name}: symbol {s.refs} needs one reference per instance ({len(f.paths)})")
        props = [B.prop("Reference", s.refs[0], s.x + 2, s.y), B.prop("Value", s.value, s.x + 4, s.y),
                 B.prop("Footprint", "", s.x, s.y, hide=True), B.prop("Datasheet", "", s.x, s.y, hide=True)]
        node = B.placed_symbol(s.lib_id, s.x, s.y, s.angle, "", 1, 1, props,
                               [(PROJECT, p, ref, 1) for p, ref in zip(f.paths, s.refs)],
                               f"{f.name}|sym{k}", on_board=s.on_board)
        # a chosen pin alternate is a (pin "N" (uuid ...) (alternate "NAME")) before the instances
        node[-1:-1] = [["pin", B.q(num), ["uuid", B.q(B.uid(f"{f.name}|sym{k}|pin{num}"))], ["alternate", B.q(alt)]]
                       for num, alt in s.alternates.items()]
        items.append(node)
    for s in f.sheets:
        pins = [B.sheet_pin(n, "bidirectional", px, py, a, f"{s.seed}|{n}") for n, px, py, a in s.pins]
        pages = [(PROJECT, p, str(2 + k)) for k, p in enumerate(f.paths)]
        items.append(B.sheet(s.name, s.file.name, s.x, s.y, s.w, s.h, pins, pages, s.seed, **s.flags))
    file_uuid = ROOT_UUID if is_root else B.uid("file|" + f.name)
    return dumps(B.schematic(file_uuid, "A4", "", list(f.libs.values()), items, root=is_root)) + "\n"


#: KiCad 10's kicad-cli (None: record KiCad 9's netlists only); set by main().
KICAD10_CLI: str | None = None


def _export(cli: str, name: str, top: str, fmt: str, out: str) -> None:
    r = subprocess.run([cli, "sch", "export", "netlist", "--format", fmt, "-o", out, top],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(out):
        raise SystemExit(f"{name}: {cli} failed: {r.stderr or r.stdout}")


def record(name: str, root: SheetFile, out_dir: str, xml: bool = False, kicad10_only: bool = False,
           transform=None, edit_text=None) -> str:
    """Write case ``name`` (one file, or a folder when it has sub-sheets) and KiCad's
    netlists: KiCad 9's (``.net``, ``.xml``) and, with :data:`KICAD10_CLI`, KiCad 10's
    (``.k10.net``, ``.k10.xml``).  ``kicad10_only``: a design KiCad 9 cannot read, written
    to tests/fixtures/kicad10 with KiCad 10's netlists only (KiCad 10's kicad-cli needed).
    ``transform(trees, root_name)``: edits the files' parsed trees ({file name: tree})
    before they are written (an older file format, say); ``edit_text(file name, text)``: the
    text of each file as it is written (what a tree cannot hold: comment lines)."""
    if kicad10_only:
        if not KICAD10_CLI:
            raise SystemExit(f"{name}: needs KiCad 10's kicad-cli (scripts/install-kicad10.sh)")
        out_dir = os.path.join(out_dir, "..", "kicad10")
    _assign_paths(root)
    files = _files(root)
    folder = os.path.join(out_dir, name) if len(files) > 1 else out_dir
    os.makedirs(folder, exist_ok=True)
    top = os.path.join(folder, (root.name if len(files) > 1 else name + ".kicad_sch"))
    texts = {f.name: _render(f, f is root) for f in files}
    if transform is not None:
        trees = {n: parse(t)[0] for n, t in texts.items()}
        transform(trees, root.name)
        texts = {n: dumps(t) + "\n" for n, t in trees.items()}
    if edit_text is not None:
        texts = {n: edit_text(n, t) for n, t in texts.items()}
    for f in files:
        path = top if f is root else os.path.join(folder, f.name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(texts[f.name])
    stem = top[: -len(".kicad_sch")]
    formats = [("kicadsexpr", ".net")] + ([("kicadxml", ".xml")] if xml else [])
    for fmt, ext in formats:
        if not kicad10_only:
            _export(kicad_cli(), name, top, fmt, stem + ext)
        if KICAD10_CLI:
            _export(KICAD10_CLI, name, top, fmt, stem + ".k10" + ext)
    return top


# ---- the cases ----------------------------------------------------------------------------


CASES: dict[str, callable] = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def _pin_label(f: SheetFile, refs, x: float, name: str, kind: str = "local", y: float = 100) -> None:
    """A resistor whose pin 1 (at (x, y)) carries a label ``name``."""
    f.r(refs, x, y)
    f.label(kind, name, x, y)


def _bus_to_pin(f: SheetFile, y: float, x_pin: float = 100, x_from: float = 80, label: str = "") -> None:
    """A bus from (x_from, y) to a sheet pin at (x_pin, y), optionally labelled."""
    f.bus((x_from, y), (x_pin, y))
    if label:
        f.label("local", label, x_from + 5, y)


def _child_bus(f: SheetFile, name: str, y: float = 50) -> None:
    """A hierarchical label ``name`` on a short bus in a child sheet."""
    f.bus((30, y), (60, y))
    f.label("hier", name, 30, y)


@case
def bus_sheetpin_offset(out: str) -> str:
    """Parent bus D[8..15] on sheet pin D[0..7]: the child's D0 is the parent's D8, by
    position; the sheet pin's own member names (D0) are no nets on the parent."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "D[0..7]")
    _pin_label(sub, "R1", 40, "D0")
    _pin_label(sub, "R2", 50, "D1")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("D[0..7]", 100, 50)])
    _bus_to_pin(root, 50, label="D[8..15]")
    _pin_label(root, "R10", 20, "D8")
    _pin_label(root, "R11", 30, "D0")
    return record("bus_sheetpin_offset", root, out)


@case
def bus_sheetpin_offset_names(out: str) -> str:
    """As bus_sheetpin_offset, without parent labels for the members: the child's nets take
    the parent bus' member names (/D8), the sheet higher in the hierarchy."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "D[0..7]")
    _pin_label(sub, "R1", 40, "D0")
    _pin_label(sub, "R2", 50, "D1")
    _pin_label(sub, "R3", 60, "D1")
    _pin_label(sub, "R4", 70, "D0")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("D[0..7]", 100, 50)])
    _bus_to_pin(root, 50, label="D[8..15]")
    return record("bus_sheetpin_offset_names", root, out)


@case
def bus_sheetpin_instances(out: str) -> str:
    """One child used twice, on parent buses D[8..15] and D[16..23]: each instance's D0
    joins its own parent member; the two instances' D0 stay apart."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "D[0..7]")
    _pin_label(sub, ["R1", "R101"], 40, "D0")
    _pin_label(sub, ["R2", "R102"], 50, "D0")
    root = SheetFile("root.kicad_sch")
    root.sheet("A", sub, 100, 40, pins=[("D[0..7]", 100, 50)])
    root.sheet("B", sub, 100, 100, pins=[("D[0..7]", 100, 110)])
    _bus_to_pin(root, 50, label="D[8..15]")
    _bus_to_pin(root, 110, label="D[16..23]")
    _pin_label(root, "R10", 20, "D8")
    _pin_label(root, "R11", 30, "D16")
    _pin_label(root, "R12", 40, "D0")
    return record("bus_sheetpin_instances", root, out)


@case
def bus_sheetpin_unlabelled(out: str) -> str:
    """A parent bus with no label joining two sheets' pins D[0..3] and E[4..7]: members
    pair by position; the parent's own label D0 joins the sheet pin's member D0."""
    a = SheetFile("a.kicad_sch")
    _child_bus(a, "D[0..3]")
    _pin_label(a, "R1", 40, "D0")
    _pin_label(a, "R2", 50, "D1")
    b = SheetFile("b.kicad_sch")
    _child_bus(b, "E[4..7]")
    _pin_label(b, "R3", 40, "E4")
    _pin_label(b, "R4", 50, "E5")
    root = SheetFile("root.kicad_sch")
    root.sheet("A", a, 100, 40, pins=[("D[0..3]", 100, 50)])
    root.sheet("B", b, 100, 100, pins=[("E[4..7]", 100, 110)])
    root.bus((90, 50), (100, 50))
    root.bus((90, 50), (90, 110))
    root.bus((90, 110), (100, 110))
    _pin_label(root, "R10", 20, "D0")
    _pin_label(root, "R11", 30, "E5")
    return record("bus_sheetpin_unlabelled", root, out)


def _channel_sheet(name: str, pin: str, refs_x, refs_y) -> SheetFile:
    """A sheet used twice whose bus hierarchical label ``pin`` (members X, Y) breaks out to
    two resistors per member, labelled locally with the member names."""
    f = SheetFile(name)
    _child_bus(f, pin)
    stem = pin.split("{")[0]
    _pin_label(f, refs_x[0], 40, f"{stem}.X")
    _pin_label(f, refs_x[1], 50, f"{stem}.X")
    _pin_label(f, refs_y[0], 60, f"{stem}.Y")
    _pin_label(f, refs_y[1], 70, f"{stem}.Y")
    return f


@case
def bus_sheetpin_two_unlabelled(out: str) -> str:
    """One sheet used twice, each instance's bus pin B{X Y} on its own unlabelled parent
    bus: the parent buses are named by their sheet pins (B.X, B.Y) but do not join each
    other by those names -- the two instances' B.X stay apart (unlike labels)."""
    sub = _channel_sheet("sub.kicad_sch", "B{X Y}", (["R1", "R101"], ["R2", "R102"]),
                         (["R3", "R103"], ["R4", "R104"]))
    root = SheetFile("root.kicad_sch")
    root.sheet("A", sub, 100, 40, pins=[("B{X Y}", 100, 50)])
    root.sheet("B", sub, 100, 100, pins=[("B{X Y}", 100, 110)])
    _bus_to_pin(root, 50)
    _bus_to_pin(root, 110)
    return record("bus_sheetpin_two_unlabelled", root, out)


@case
def bus_sheetpin_two_channels(out: str) -> str:
    """Two channels: sheets M and C each used twice, M1's pin B{X Y} bussed to C1's, M2's
    to C2's, the parent buses unlabelled: two nets per member (M1+C1, M2+C2), not one."""
    m = _channel_sheet("m.kicad_sch", "B{X Y}", (["R1", "R101"], ["R2", "R102"]), (["R3", "R103"], ["R4", "R104"]))
    c = _channel_sheet("c.kicad_sch", "B{X Y}", (["R5", "R105"], ["R6", "R106"]), (["R7", "R107"], ["R8", "R108"]))
    root = SheetFile("root.kicad_sch")
    root.sheet("M1", m, 60, 40, pins=[("B{X Y}", 80, 50)])
    root.sheet("C1", c, 120, 40, pins=[("B{X Y}", 120, 50)])
    root.sheet("M2", m, 60, 100, pins=[("B{X Y}", 80, 110)])
    root.sheet("C2", c, 120, 100, pins=[("B{X Y}", 120, 110)])
    root.bus((80, 50), (120, 50))
    root.bus((80, 110), (120, 110))
    return record("bus_sheetpin_two_channels", root, out)


@case
def bus_group_sheetpin(out: str) -> str:
    """Bus groups across a sheet pin: parent bus P{A B} on sheet pin Q{B A}."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "Q{B A}")
    _pin_label(sub, "R1", 40, "Q.A")
    _pin_label(sub, "R2", 50, "Q.B")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("Q{B A}", 100, 50)])
    _bus_to_pin(root, 50, label="P{A B}")
    _pin_label(root, "R10", 20, "P.A")
    _pin_label(root, "R11", 30, "P.B")
    _pin_label(root, "R12", 40, "Q.A")
    return record("bus_group_sheetpin", root, out)


@case
def bus_group_markup(out: str) -> str:
    """Text markup in a bus group member: B{~{X} Y} across an unlabelled parent bus."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "B{~{X} Y}")
    _pin_label(sub, "R1", 40, "B.X")
    _pin_label(sub, "R2", 50, "B.~{X}")
    _pin_label(sub, "R3", 60, "B.Y")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("B{~{X} Y}", 100, 50)])
    _bus_to_pin(root, 50)
    _pin_label(root, "R10", 20, "B.X")
    _pin_label(root, "R11", 30, "B.~{X}")
    _pin_label(root, "R12", 40, "B.Y")
    return record("bus_group_markup", root, out)



@case
def bus_markup_vector(out: str) -> str:
    """Markup is dropped from vector members too: ~{CS}[0..1] has members CS0 CS1 (a label
    ~{CS}0 stays apart), B{~{X}[0..1] Y} has B.X0 B.X1 B.Y."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "~{CS}[0..1]")
    _pin_label(sub, "R1", 40, "~{CS}0")
    _pin_label(sub, "R2", 50, "CS0")
    _pin_label(sub, "R6", 55, "~{CS0}")
    _child_bus(sub, "B{~{X}[0..1] Y}", y=150)
    _pin_label(sub, "R3", 60, "B.X0")
    _pin_label(sub, "R4", 70, "B.~{X}0")
    _pin_label(sub, "R5", 80, "B.~{X0}")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("~{CS}[0..1]", 100, 50), ("B{~{X}[0..1] Y}", 100, 60)], h=40)
    _bus_to_pin(root, 50, label="P[0..1]")
    _bus_to_pin(root, 60, label="Q{X[0..1] Y}")
    _pin_label(root, "R10", 20, "P0")
    _pin_label(root, "R11", 30, "Q.X0")
    return record("bus_markup_vector", root, out)


@case
def bus_kinds_mixed(out: str) -> str:
    """A vector sheet pin on a group bus, and a group sheet pin on a vector bus, with more
    members on one side than the other: KiCad 9 links neither; KiCad 10 links the vector
    pin's members to the group's, in order."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "V[0..2]")
    _pin_label(sub, "R1", 40, "V0")
    _pin_label(sub, "R2", 50, "V1")
    _pin_label(sub, "R3", 60, "V2")
    _child_bus(sub, "G{A B C}", y=150)
    _pin_label(sub, "R4", 70, "G.A")
    _pin_label(sub, "R5", 80, "G.B")
    _pin_label(sub, "R6", 90, "G.C")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("V[0..2]", 100, 50), ("G{A B C}", 100, 60)], h=40)
    _bus_to_pin(root, 50, label="Q{X Y}")
    _bus_to_pin(root, 60, label="P[0..1]")
    _pin_label(root, "R10", 20, "Q.X")
    _pin_label(root, "R11", 30, "Q.Y")
    _pin_label(root, "R12", 40, "P0")
    _pin_label(root, "R13", 50, "P1")
    _pin_label(root, "R14", 60, "V0")
    return record("bus_kinds_mixed", root, out)


@case
def bus_group_pin_on_vector(out: str) -> str:
    """A group sheet pin holding a vector (U{X D[0..1]}) on a vector bus P[0..2]."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "U{X D[0..1]}")
    _pin_label(sub, "R1", 40, "U.X")
    _pin_label(sub, "R2", 50, "U.D0")
    _pin_label(sub, "R3", 60, "U.D1")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("U{X D[0..1]}", 100, 50)])
    _bus_to_pin(root, 50, label="P[0..2]")
    _pin_label(root, "R10", 20, "P0")
    _pin_label(root, "R11", 30, "P1")
    _pin_label(root, "R12", 40, "P2")
    return record("bus_group_pin_on_vector", root, out)


@case
def bus_group_holding_vector(out: str) -> str:
    """A vector sheet pin on a group bus whose members include a vector
    (V[0..2] on Q{D[0..1] X}), and markup in a label that names a member (~{Q}.X)."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "V[0..2]")
    _pin_label(sub, "R1", 40, "V0")
    _pin_label(sub, "R2", 50, "V1")
    _pin_label(sub, "R3", 60, "V2")
    _child_bus(sub, "M{~{A} B}", y=150)
    _pin_label(sub, "R4", 70, "M.~{A}")
    _pin_label(sub, "R5", 80, "M.A")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("V[0..2]", 100, 50), ("M{~{A} B}", 100, 60)], h=40)
    _bus_to_pin(root, 50, label="Q{D[0..1] X}")
    _bus_to_pin(root, 60, label="N{~{A} B}")
    _pin_label(root, "R10", 20, "Q.D0")
    _pin_label(root, "R11", 30, "Q.D1")
    _pin_label(root, "R12", 40, "Q.X")
    _pin_label(root, "R13", 50, "N.~{A}")
    _pin_label(root, "R14", 60, "N.A")
    return record("bus_group_holding_vector", root, out)


@case
def bus_labels_in_order(out: str) -> str:
    """Two labels on one bus (E[0..3], D[0..3]): members pair in order; the smaller name
    (D) names the nets."""
    f = SheetFile("bus_labels_in_order.kicad_sch")
    f.bus((20, 50), (80, 50))
    f.label("local", "E[0..3]", 30, 50)
    f.label("local", "D[0..3]", 60, 50)
    _pin_label(f, "R1", 20, "D0")
    _pin_label(f, "R2", 30, "E0")
    _pin_label(f, "R3", 40, "E1")
    _pin_label(f, "R4", 50, "D1")
    return record("bus_labels_in_order", f, out)


@case
def bus_member_renames(out: str) -> str:
    """A net that is a bus member takes the member's name even when another local label
    on it sorts first (A < D0)."""
    f = SheetFile("bus_member_renames.kicad_sch")
    f.bus((20, 50), (80, 50))
    f.label("local", "D[0..3]", 30, 50)
    _pin_label(f, "R1", 20, "D0")
    f.label("local", "A", 20, 100)
    _pin_label(f, "R2", 30, "A")
    return record("bus_member_renames", f, out)


@case
def bus_child_labels(out: str) -> str:
    """A child bus with a hierarchical label D[0..3] and a local label X[4..7], on a parent
    bus P[0..3]: all three pair by position; the parent's label names the nets."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "D[0..3]")
    sub.label("local", "X[4..7]", 50, 50)
    _pin_label(sub, "R1", 40, "D0")
    _pin_label(sub, "R2", 50, "X4")
    _pin_label(sub, "R3", 60, "X5")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("D[0..3]", 100, 50)])
    _bus_to_pin(root, 50, label="P[0..3]")
    _pin_label(root, "R10", 20, "P0")
    _pin_label(root, "R11", 30, "P1")
    return record("bus_child_labels", root, out)


@case
def bus_child_global(out: str) -> str:
    """A global bus label G[0..3] in the child names the members everywhere."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "D[0..3]")
    sub.label("global", "G[0..3]", 50, 50)
    _pin_label(sub, "R1", 40, "D0")
    _pin_label(sub, "R2", 50, "G1")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("D[0..3]", 100, 50)])
    _bus_to_pin(root, 50, label="P[0..3]")
    _pin_label(root, "R10", 20, "P0")
    _pin_label(root, "R11", 30, "P1")
    _pin_label(root, "R12", 40, "G0", "global")
    return record("bus_child_global", root, out)


@case
def bus_nested_group(out: str) -> str:
    """A group holding a vector (U{X D[0..1]} on parent P{D[0..1] X}) matches member by
    member name (U.D0 = P.D0); a vector pin (V[2..3]) on a group bus (Q{A B}) links
    nothing."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "U{X D[0..1]}")
    _pin_label(sub, "R1", 40, "U.D0")
    _pin_label(sub, "R2", 50, "U.D1")
    _pin_label(sub, "R3", 60, "U.X")
    _child_bus(sub, "V[2..3]", y=150)
    _pin_label(sub, "R4", 70, "V2")
    _pin_label(sub, "R5", 80, "V3")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("U{X D[0..1]}", 100, 50), ("V[2..3]", 100, 60)], h=40)
    _bus_to_pin(root, 50, label="P{D[0..1] X}")
    _bus_to_pin(root, 60, label="Q{A B}")
    _pin_label(root, "R10", 20, "P.D0")
    _pin_label(root, "R11", 30, "P.D1")
    _pin_label(root, "R12", 40, "P.X")
    _pin_label(root, "R13", 50, "Q.A")
    _pin_label(root, "R14", 60, "V2")
    return record("bus_nested_group", root, out)


@case
def bus_reverse_alias(out: str) -> str:
    """A vector written downwards counts upwards: pin D[0..3] on bus E[7..4] links D0 to E4.
    A bus alias pin {PAIR} (members A B) on group Z{B A} matches by member name: A = Z.A."""
    sub = SheetFile("sub.kicad_sch")
    _child_bus(sub, "D[0..3]")
    _pin_label(sub, "R1", 40, "D0")
    _pin_label(sub, "R2", 50, "D3")
    _child_bus(sub, "{PAIR}", y=150)
    _pin_label(sub, "R4", 70, "A")
    _pin_label(sub, "R5", 80, "B")
    root = SheetFile("root.kicad_sch")
    root.items.append(["bus_alias", B.q("PAIR"), ["members", B.q("A"), B.q("B")]])
    root.sheet("Sub", sub, 100, 40, pins=[("D[0..3]", 100, 50), ("{PAIR}", 100, 60)], h=40)
    _bus_to_pin(root, 50, label="E[7..4]")
    _bus_to_pin(root, 60, label="Z{B A}")
    _pin_label(root, "R10", 20, "E7")
    _pin_label(root, "R11", 30, "E4")
    _pin_label(root, "R12", 40, "Z.A")
    _pin_label(root, "R13", 50, "A")
    return record("bus_reverse_alias", root, out)


@case
def esc_labels(out: str) -> str:
    """Label text is compared after KiCad's escapes: A/B = A{slash}B (named A{slash}B),
    C:D = C{colon}D, E F = E{space}F, M{ = M{brace}; markup stays: ~{X} is not X."""
    f = SheetFile("esc_labels.kicad_sch")
    names = [("local", "A/B"), ("local", "A{slash}B"), ("local", "C:D"), ("local", "C{colon}D"),
             ("global", "G/H"), ("global", "G{slash}H"), ("local", "E{space}F"), ("local", "E F"),
             ("local", "~{X}"), ("local", "X"), ("local", "M{brace}"), ("local", "M{")]
    for k, (kind, name) in enumerate(names):
        _pin_label(f, f"R{k + 1}", 20 + 10 * k, name, kind)
    return record("esc_labels", f, out)


@case
def esc_sheet_names(out: str) -> str:
    """Sheet names enter net names unescaped: a sheet named A{slash}B gives /A/B/L (the
    same file used again as C:D gives /C:D/L)."""
    sub = SheetFile("sub.kicad_sch")
    _pin_label(sub, ["R1", "R3"], 40, "L")
    _pin_label(sub, ["R2", "R4"], 50, "L")
    root = SheetFile("root.kicad_sch")
    root.sheet("A{slash}B", sub, 100, 40)
    root.sheet("C:D", sub, 100, 100)
    return record("esc_sheet_names", root, out)


@case
def esc_power_values(out: str) -> str:
    """A power symbol's value is compared after the escapes too: P{slash}Q = global P/Q,
    S:T = global S{colon}T."""
    f = SheetFile("esc_power_values.kicad_sch")
    pq = custom_symbol("power:PQ", "#PWR", [lib_pin("1", "PQ", "power_in", 0, 0, 90, hidden=True)], power=True)
    f.r("R1", 20, 100)
    f.symbol("power:PQ", 20, 100, "#PWR01", value="P{slash}Q", node=pq)
    _pin_label(f, "R2", 30, "P/Q", "global")
    f.r("R3", 40, 100)
    f.symbol("power:PQ", 40, 100, "#PWR02", value="S:T", node=pq)
    _pin_label(f, "R4", 50, "S{colon}T", "global")
    return record("esc_power_values", f, out)


def _tilde_values_design(name: str) -> SheetFile:
    """Power symbols with a visible power-input pin (the value names the net) valued ``~``
    (R1), empty (R2) and ``P`` (R3), a global label ``~`` on R4, and R5 valued ``~``."""
    node = custom_symbol("mylib:PWR_VISIBLE", "#PWR", [lib_pin("1", "P", "power_in", 0, 0, 90)], power=True)
    f = SheetFile(name + ".kicad_sch")
    for k, value in enumerate(("~", "", "P")):
        x = 20 + 10 * k
        f.r(f"R{k + 1}", x, 100)
        f.symbol("mylib:PWR_VISIBLE", x, 100, f"#PWR0{k + 1}", value=value, node=node)
    _pin_label(f, "R4", 50, "~", "global")
    f.symbol("Device:R", 60, 103.81, "R5", value="~")
    return f


@case
def tilde_values(out: str) -> str:
    """Before format 20250318 (KiCad 10's), a field text ``~`` is an empty field as KiCad
    loads it (KiCad 10 saves it back as ""): the power symbols valued ``~`` and empty
    join one another (R1, R2), not the global label ``~`` (R4)."""
    return record("tilde_values", _tilde_values_design("tilde_values"), out)


@case
def k10_tilde_values(out: str) -> str:
    """As tilde_values in KiCad 10's format: there ``~`` is the text ``~``, so the power
    symbol valued ``~`` joins the global label ``~`` (R1, R4) and the empty one stays apart."""
    def k10(trees: dict[str, list], _root: str) -> None:
        for tree in trees.values():
            _set_version(tree, "20260306")
    return record("k10_tilde_values", _tilde_values_design("k10_tilde_values"), out,
                  kicad10_only=True, transform=k10)


@case
def power_legacy(out: str) -> str:
    """A legacy power symbol (no (power) flag, #PWR reference, one hidden power_in pin
    VCC, value +5V) drives the global net named by its pin: VCC, on every sheet."""
    leg = custom_symbol("mylib:VCC_LEG", "#PWR", [lib_pin("1", "VCC", "power_in", 0, 0, 90, hidden=True)])
    sub = SheetFile("sub.kicad_sch")
    sub.r("R5", 40, 100)
    sub.symbol("mylib:VCC_LEG", 40, 100, "#PWR02", value="+5V", node=leg)
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40)
    root.r("R1", 20, 100)
    root.symbol("mylib:VCC_LEG", 20, 100, "#PWR01", value="+5V", node=leg)
    _pin_label(root, "R2", 30, "VCC", "global")
    _pin_label(root, "R3", 40, "+5V", "global")
    return record("power_legacy", root, out)


@case
def onboard_no(out: str) -> str:
    """A part with (on_board no) is in KiCad's XML netlist with its pins (the S-expression
    netlist drops it); the .xml is the oracle here."""
    f = SheetFile("onboard_no.kicad_sch")
    f.r("R1", 20, 50, on_board=False)
    f.r("R2", 40, 50)
    f.r("R3", 60, 50)
    f.wire((20, 50), (40, 50))
    f.label("local", "A", 30, 50)
    f.wire((20, 57.62), (60, 57.62))
    return record("onboard_no", f, out, xml=True)



@case
def onboard_no_sheet(out: str) -> str:
    """A sheet marked on_board no (and in_bom no, dnp) makes every part inside so: the XML
    netlist lists R1 with its pins and all three flags, the S-expression netlist drops it."""
    sub = SheetFile("sub.kicad_sch")
    _pin_label(sub, "R1", 40, "L", "global")
    root = SheetFile("root.kicad_sch")
    root.sheet("S", sub, 100, 40, on_board=False, in_bom=False, dnp=True)
    _pin_label(root, "R2", 20, "L", "global")
    return record("onboard_no_sheet", root, out, xml=True)


@case
def nested_reuse(out: str) -> str:
    """Sheets reused inside a reused sheet: the root holds A twice, A holds B twice, B holds
    C twice (8 instances of C); each level's label joins its children's pins, so one net
    runs through every instance, and each instance's R2 pin 2 is its own net."""
    c = SheetFile("c.kicad_sch")
    c.r([f"R{1000 + k}" for k in range(8)], 40, 100)
    c.label("hier", "X", 40, 100)
    b = SheetFile("b.kicad_sch")
    b.sheet("C1", c, 100, 40, pins=[("X", 100, 50)])
    b.sheet("C2", c, 100, 100, pins=[("X", 100, 110)])
    b.label("local", "N", 100, 50)
    b.label("local", "N", 100, 110)
    b.r([f"R{100 + k}" for k in range(4)], 40, 100)
    b.label("local", "N", 40, 100)
    b.label("hier", "Y", 40, 107.62)
    a = SheetFile("a.kicad_sch")
    a.sheet("B1", b, 100, 40, pins=[("Y", 100, 50)])
    a.sheet("B2", b, 100, 100, pins=[("Y", 100, 110)])
    a.label("local", "M", 100, 50)
    a.label("local", "M", 100, 110)
    a.r(["R10", "R20"], 40, 100)
    a.label("local", "M", 40, 100)
    a.label("hier", "Z", 40, 107.62)
    root = SheetFile("root.kicad_sch")
    root.sheet("A1", a, 100, 40, pins=[("Z", 100, 50)])
    root.sheet("A2", a, 100, 100, pins=[("Z", 100, 110)])
    root.label("local", "TOP", 100, 50)
    root.label("local", "TOP", 100, 110)
    root.r("R1", 40, 100)
    root.label("local", "TOP", 40, 100)
    return record("nested_reuse", root, out)



@case
def sheet_pins_off_edge(out: str) -> str:
    """Sheet pins written off their sheet's edge (generators place them by their own
    arithmetic: circuit-synth 0.1 wrote them 1.27 mm inside the edge).  KiCad moves each onto
    the edge as it reads it: first to the nearest edge (a corner tie goes to top, right,
    bottom, left in that order), along which it is kept within the sheet, then onto the
    edge its angle names (0 right, 90 top, 180 left, 270 bottom).  Each pin connects where
    KiCad puts it (R1-R5); resistors at the positions as written (R11-R15) stay apart."""
    sub = SheetFile("sub.kicad_sch")
    for k, name in enumerate("ABCDE"):
        _pin_label(sub, f"R{20 + k}", 40 + 10 * k, name, "hier")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40)
    # (name, as written, angle, where KiCad puts it); the sheet spans x 100..120, y 40..60
    pins = [("A", (101.27, 45.72), 180, (100, 45.72)),      # inside, near the left edge
            ("B", (118.73, 50.8), 0, (120, 50.8)),          # inside, near the right edge
            ("C", (110.49, 41.27), 90, (110.49, 40)),       # inside, near the top edge
            ("D", (100, 55.88), 0, (120, 55.88)),           # on the left edge, angle: right
            ("E", (101.27, 66.04), 270, (101.27, 60))]      # below the sheet: onto the bottom
    root.sheets[-1].pins = [(n, wx, wy, a) for n, (wx, wy), a, _ in pins]
    for k, (n, (wx, wy), _, (kx, ky)) in enumerate(pins):
        root.r(f"R{1 + k}", kx, ky)
        root.r(f"R{11 + k}", wx, wy)
    return record("sheet_pins_off_edge", root, out)


@case
def sheetpin_on_wire(out: str) -> str:
    """Sheet pins on a wire's interior, not at its end: KiCad joins a sheet pin to a wire
    passing through its point, or within 1 IU of it, as it does a label (rule 12b) -- A
    exactly on the wire, B 1 IU off: joined; C 2 IU off: not.  A junction gets no such
    tolerance: one 1 IU off a wire (R4's pin at it) joins nothing, one exactly on the
    interior (R6) joins the wire.  Found on unseen RoaldVG/transistor-clock: sheet pins of
    a sheet 18.0975 mm wide sat 1 IU off the wires drawn through them."""
    sub = SheetFile("sub.kicad_sch")
    for k, name in enumerate("ABC"):
        _pin_label(sub, f"R{20 + k}", 40 + 10 * k, name, "hier")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("A", 100, 45.72), ("B", 100, 50.8001), ("C", 100, 55.8802)])
    for k, y in enumerate((45.72, 50.8, 55.88)):
        root.wire((90, y), (105, y))
        root.r(f"R{1 + k}", 90, y)
    root.wire((60, 70), (80, 70))
    root.r("R5", 60, 70)
    root.r("R4", 70, 70.0001)
    root.items.append(B.junction(70, 70.0001, root._seed("j", 70, 70.0001)))
    root.wire((60, 90), (80, 90))
    root.r("R7", 60, 90)
    root.r("R6", 70, 90)
    root.items.append(B.junction(70, 90, root._seed("j", 70, 90)))
    return record("sheetpin_on_wire", root, out)


@case
def comment_lines(out: str) -> str:
    """Lines whose first non-blank character is "#" are comments to KiCad's reader (some
    generators write a header so); the second, between a library symbol's fields, holds
    a quote and a parenthesis."""
    f = SheetFile("comment_lines.kicad_sch")
    _pin_label(f, "R1", 20, "A")
    _pin_label(f, "R2", 30, "A")

    def comment(_name: str, text: str) -> str:
        text = text.replace('(property "Value"', '\n  # value: "10k (E12)\n(property "Value"', 1)
        return '# written by a generator\n' + text
    return record("comment_lines", f, out, edit_text=comment)


# (symbol, [(name of a pin numbered 2, x, y)]): which name KiCad's libparts gives pin 2
DUP_PIN_NUMBER_NAMES = {
    "XB5_A0": [("B", 5.08, 0), ("A", 0, 0)],          # the leftmost: A
    "XA5_B0": [("A", 5.08, 0), ("B", 0, 0)],          # B
    "YBp_Am": [("B", 0, 2.54), ("A", 0, -2.54)],      # at one x, the topmost: B
    "YAp_Bm": [("A", 0, 2.54), ("B", 0, -2.54)],      # A
    "YBm_Ap": [("B", 0, -2.54), ("A", 0, 2.54)],      # A
}


@case
def dup_pin_number_names(out: str) -> str:
    """Two pins numbered 2 with different names (anavi-fixed-power-delivery's DMP3013SFV):
    KiCad's netlist (libparts) names pin 2 after the one first in KiCad's pin order --
    leftmost, then topmost -- whatever the file order; KiCad 10's re-save writes them so."""
    f = SheetFile("dup_pin_number_names.kicad_sch")
    for i, (name, pins) in enumerate(DUP_PIN_NUMBER_NAMES.items()):
        node = custom_symbol(f"mylib:{name}", "U", [lib_pin("2", n, "passive", x, y, 180) for n, x, y in pins]
                             + [lib_pin("1", "P", "passive", -5.08, -5.08, 0)])
        f.symbol(f"mylib:{name}", 20 + 30 * i, 50, f"U{i + 1}", node=node)
    return record("dup_pin_number_names", f, out)


@case
def dotted_pins(out: str) -> str:
    """Pin numbers with dots (a resistor array numbered 1.1 ... 2.2): RM3.1.2 is pin 1.2
    of RM3."""
    pins = [lib_pin(f"{a}.{b}", "~", "passive", -2.54 + 5.08 * (a - 1), 3.81 if b == 1 else -3.81,
                    270 if b == 1 else 90) for a in (1, 2) for b in (1, 2)]
    node = custom_symbol("mylib:R_Array_2", "RM", pins)
    f = SheetFile("dotted_pins.kicad_sch")
    f.symbol("mylib:R_Array_2", 60, 100, "RM3", value="4x10k", node=node)
    # pins 1.1 at (57.46, 96.19), 1.2 at (57.46, 103.81), 2.1 at (62.54, 96.19), 2.2 at (62.54, 103.81)
    f.label("local", "A", 57.46, 96.19)
    f.label("local", "B", 62.54, 103.81)
    _pin_label(f, "R1", 20, "A")
    _pin_label(f, "R2", 30, "B")
    f.wire((57.46, 103.81), (57.46, 110))
    f.r("R3", 57.46, 110)
    return record("dotted_pins", f, out)


def _split_bus(f: SheetFile, x0: float, x1: float, y: float, cuts=()) -> None:
    """A horizontal bus from x0 to x1 drawn in pieces that end at ``cuts`` (as eeschema
    saves a bus with entries: KiCad 9 cuts a bus at an entry on its interior, quirk J)."""
    xs = [x0] + sorted(c for c in cuts if x0 < c < x1) + [x1]
    for a, b in zip(xs, xs[1:]):
        f.bus((a, y), (b, y))


def _entry_wire(f: SheetFile, x: float, name: str, refs, y: float = 50) -> None:
    """A bus entry from the bus at (x, y) down to a wire to a resistor's pin 1, labelled ``name``."""
    f.entry(x, y)
    f.wire((x + 2.54, y + 2.54), (x + 2.54, y + 10))
    f.r(refs, x + 2.54, y + 10)
    f.label("local", name, x + 2.54, y + 5)


def _beside_wire(f: SheetFile, x: float, name: str, refs, y: float = 50) -> None:
    """A wire beside the bus at ``y`` (touching it nowhere, no entry) to a resistor's pin 1,
    labelled ``name``."""
    f.wire((x, y + 2.54), (x, y + 10))
    f.r(refs, x, y + 10)
    f.label("local", name, x, y + 5)


@case
def bus_member_label_no_entry(out: str) -> str:
    """A label with a bus member's name joins that member by name, with or without a bus
    entry: the root's B.P beside the bus (no entry) is the child's B.P (reached through an
    entry), the root's B.Q through an entry is the child's B.Q; a label P (the member's
    short name) beside the bus joins nothing.  KiCad 9 and 10 agree."""
    sub = SheetFile("sub.kicad_sch")
    _split_bus(sub, 30, 60, 50, (35, 45))
    sub.label("hier", "B{P Q}", 30, 50)
    _entry_wire(sub, 35, "B.P", "R1")
    _entry_wire(sub, 45, "B.Q", "R2")
    root = SheetFile("root.kicad_sch")
    _split_bus(root, 60, 100, 50, (62.46, 90))
    root.label("local", "B{P Q}", 90, 50)
    root.sheet("Sub", sub, 100, 40, pins=[("B{P Q}", 100, 50)])
    _entry_wire(root, 62.46, "B.Q", "R5")
    _beside_wire(root, 75, "B.P", "R3")
    _beside_wire(root, 80, "P", "R4")
    return record("bus_member_label_no_entry", root, out)


@case
def bus_member_label_no_entry_vector(out: str) -> str:
    """Vector members too: the root's bus D[8..15] on the pin D[0..7]; labels D8 and D9
    beside the root's bus (no entries) join the child's D0 (through an entry) and D1 (beside
    the child's bus, no entry either), matched by position across the pin."""
    sub = SheetFile("sub.kicad_sch")
    _split_bus(sub, 30, 60, 50, (35,))
    sub.label("hier", "D[0..7]", 30, 50)
    _entry_wire(sub, 35, "D0", "R1")
    _beside_wire(sub, 45, "D1", "R2")
    root = SheetFile("root.kicad_sch")
    _split_bus(root, 60, 100, 50, (90,))
    root.label("local", "D[8..15]", 90, 50)
    root.sheet("Sub", sub, 100, 40, pins=[("D[0..7]", 100, 50)])
    _beside_wire(root, 70, "D8", "R3")
    _beside_wire(root, 80, "D9", "R4")
    return record("bus_member_label_no_entry_vector", root, out)


@case
def bus_as_wire(out: str) -> str:
    """Buses drawn as wires (an unseen design wires its channel sheets to a module with bus
    lines and no labels): pins and plain sheet pins on bus *ends* join through the bus --
    R1, R2 and R3 on the ends of three bus segments meeting at (60, 50), with the sheet pin
    SIG of a child (R20 on its hierarchical label) -- and the net is named after the child's
    label.  A pin on a bus *interior* (R4) and a wire ending on a bus end (to R5) join nothing.
    A second bus, apart, joins R6 and R7 on its two ends alone."""
    sub = SheetFile("sub.kicad_sch")
    _pin_label(sub, "R20", 40, "SIG", "hier")
    root = SheetFile("root.kicad_sch")
    root.sheet("Sub", sub, 100, 40, pins=[("SIG", 100, 50)])
    root.bus((40, 50), (60, 50))
    root.bus((60, 50), (100, 50))
    root.bus((60, 50), (60, 30))
    root.r("R1", 40, 50)
    root.r("R2", 60, 22.38)
    root.r("R4", 80, 50)
    root.wire((60, 30), (70, 30))
    root.r("R5", 70, 30)
    root.r("R3", 40, 42.38)
    root.bus((20, 120), (50, 120))
    root.r("R6", 20, 120)
    root.r("R7", 50, 112.38)
    return record("bus_as_wire", root, out)


@case
def bus_as_wire_labelled(out: str) -> str:
    """Pins on the ends of a bus labelled D[0..1] (R1, R2) and of a bus labelled with a
    plain name X (R3, R4): what KiCad names those nets."""
    root = SheetFile("root.kicad_sch")
    root.bus((40, 50), (80, 50))
    root.label("local", "D[0..1]", 60, 50)
    root.r("R1", 40, 50)
    root.r("R2", 80, 50)
    root.bus((40, 100), (80, 100))
    root.label("local", "X", 60, 100)
    root.r("R3", 40, 100)
    root.r("R4", 80, 100)
    return record("bus_as_wire_labelled", root, out)


@case
def field_spaces(out: str) -> str:
    """KiCad 10 trims the whitespace around a symbol's Value and Footprint and a sheet's name
    when it loads a file (KiCad 9 keeps it): the power symbol valued "VP " joins the global
    label VP (R1, R2) and the GND valued " GND" the global label GND (R3, R4) in KiCad 10
    only; the sheet " Sub " prefixes its local net L (R7, R8) with /Sub/ (KiCad 9: "/ Sub /");
    R5's Value " 10k" and Footprint "\tResistor_SMD:R_0603_1608Metric " are trimmed, its
    field MPN " X1 " is not; R6's Value, between an ideographic space and a no-break space,
    is kept (only ASCII whitespace is trimmed)."""
    node = custom_symbol("mylib:PWR_VISIBLE", "#PWR", [lib_pin("1", "P", "power_in", 0, 0, 90)], power=True)
    sub = SheetFile("sub.kicad_sch")
    _pin_label(sub, "R7", 40, "L")
    _pin_label(sub, "R8", 50, "L")
    root = SheetFile("root.kicad_sch")
    root.r("R1", 20, 100)
    root.symbol("mylib:PWR_VISIBLE", 20, 100, "#PWR01", value="VP ", node=node)
    _pin_label(root, "R2", 30, "VP", "global")
    root.r("R3", 40, 100)
    root.symbol("power:GND", 40, 100, "#PWR02", value=" GND")
    _pin_label(root, "R4", 50, "GND", "global")
    root.symbol("Device:R", 60, 100 + R_PIN, "R5", value=" 10k")
    root.symbol("Device:R", 70, 100 + R_PIN, "R6", value="\u300010k\u00a0")
    root.sheet(" Sub ", sub, 100, 40)

    def fields(name: str, text: str) -> str:
        if name != "root.kicad_sch":
            return text
        at = f"\t\t\t(at 60 {100 + R_PIN:g}"
        old = '(property "Footprint" ""\n' + at
        assert old in text, "R5's footprint"
        return text.replace(old, '(property "Footprint" "\tResistor_SMD:R_0603_1608Metric "\n' + at + " 0)\n"
                            "\t\t\t(effects (font (size 1.27 1.27)) (hide yes))\n\t\t)\n"
                            '\t\t(property "MPN" " X1 "\n' + at, 1)
    return record("field_spaces", root, out, edit_text=fields)


@case
def k10_local_power(out: str) -> str:
    """KiCad 10's local power symbols (``(power local)`` in the library symbol): the net is
    local to its sheet instance, named like a local label (``/VL``, ``/A/VL``, ``/B/VL``,
    ``/C/VL``), while a global power symbol (GND) still joins every sheet.  The root, two
    instances of one sheet and a single sheet each hold two resistors on ``VL``; in the
    single sheet a local label ``VL`` joins the local power net by name.  KiCad 9 cannot
    read the file (fixture in tests/fixtures/kicad10, KiCad 10's netlist only)."""
    vl = custom_symbol("lp:VL", "#PWR", [lib_pin("1", "VL", "power_in", 0, 0, 90, hidden=True)], power="local")

    def two_on_vl(f: SheetFile, refs_a, refs_b, pwr_a, pwr_b) -> None:
        for x, refs, pwr in ((40, refs_a, pwr_a), (50, refs_b, pwr_b)):
            f.r(refs, x, 100)
            f.symbol("lp:VL", x, 100, pwr, value="VL", node=vl)

    sub = SheetFile("sub.kicad_sch")                  # used twice: A and B
    two_on_vl(sub, ["R3", "R5"], ["R4", "R6"], ["#PWR03", "#PWR05"], ["#PWR04", "#PWR06"])
    sub.power("power:GND", 40, 107.62, ["#PWR13", "#PWR15"])
    single = SheetFile("single.kicad_sch")            # used once: C
    two_on_vl(single, "R7", "R8", "#PWR07", "#PWR08")
    _pin_label(single, "R9", 60, "VL")
    root = SheetFile("root.kicad_sch")
    two_on_vl(root, "R1", "R2", "#PWR01", "#PWR02")
    root.power("power:GND", 40, 107.62, "#PWR11")
    root.sheet("A", sub, 100, 40)
    root.sheet("B", sub, 100, 70)
    root.sheet("C", single, 100, 100)
    return record("k10_local_power", root, out, kicad10_only=True)

@case
def nc_pin_type(out: str) -> str:
    """A pin of electrical type no_connect connects to nothing (KiCad 9 and 10): not the wire
    ending on it (R1 stays alone), not the pins stacked on it (U1.2 and U1.3, hidden under
    U1.4 "A": R2 joins only U1.4), not a label on it (U1.5 under L1 stays out of /L1)."""
    pins = [lib_pin("1", "NC", "no_connect", -7.62, 0, 0),
            lib_pin("2", "NC", "no_connect", 7.62, 0, 180, hidden=True),
            lib_pin("3", "NC", "no_connect", 7.62, 0, 180, hidden=True),
            lib_pin("4", "A", "passive", 7.62, 0, 180),
            lib_pin("5", "NC", "no_connect", 0, 7.62, 270)]
    node = custom_symbol("mylib:NC_PINS", "U", pins)
    f = SheetFile("nc_pin_type.kicad_sch")
    f.symbol("mylib:NC_PINS", 100, 100, "U1", node=node)
    f.r("R1", 80, 100)
    f.wire((80, 100), (92.38, 100))
    f.r("R2", 120, 100)
    f.wire((107.62, 100), (120, 100))
    f.label("local", "L1", 100, 92.38)
    _pin_label(f, "R3", 140, "L1")
    _pin_label(f, "R4", 150, "L1")
    return record("nc_pin_type", f, out)


@case
def nic_pin_type(out: str) -> str:
    """A pin of electrical type ``free`` ("not internally connected") connects like any pin,
    and KiCad's ERC does not report it when nothing connects to it (as a no_connect pin):
    U1.1 (visible) and U1.2 (hidden) are free and unconnected, U1.3 is free and wired to
    R1, U1.4 is passive and unconnected (ERC reports it)."""
    pins = [lib_pin("1", "", "free", -7.62, 2.54, 0),
            lib_pin("2", "", "free", -7.62, 0, 0, hidden=True),
            lib_pin("3", "F", "free", 7.62, 0, 180),
            lib_pin("4", "P", "passive", -7.62, -2.54, 0)]
    node = custom_symbol("mylib:NIC_PINS", "U", pins)
    f = SheetFile("nic_pin_type.kicad_sch")
    f.symbol("mylib:NIC_PINS", 100, 100, "U1", node=node)
    f.r("R1", 120, 100)
    f.wire((107.62, 100), (120, 100))
    return record("nic_pin_type", f, out)


@case
def nc_pin_alternate(out: str) -> str:
    """The alternate chosen for a pin decides whether it is a no_connect pin: U1.1 "IO" set
    to its alternate "n/c" (type no_connect) stays out of /L1; U1.2 (type no_connect, set
    to its passive alternate "P") joins /L2; U1.3 (alternate "n/c" not chosen) joins /L3."""
    pins = [lib_pin("1", "IO", "bidirectional", 0, 7.62, 270, alternates={"n/c": "no_connect"}),
            lib_pin("2", "X", "no_connect", 0, -7.62, 90, alternates={"P": "passive"}),
            lib_pin("3", "IO2", "bidirectional", -7.62, 0, 0, alternates={"n/c": "no_connect"})]
    node = custom_symbol("mylib:ALT_PINS", "U", pins)
    f = SheetFile("nc_pin_alternate.kicad_sch")
    f.symbol("mylib:ALT_PINS", 100, 100, "U1", node=node, alternates={"1": "n/c", "2": "P"})
    f.label("local", "L1", 100, 92.38)
    _pin_label(f, "R1", 140, "L1")
    _pin_label(f, "R2", 150, "L1")
    f.label("local", "L2", 100, 107.62)
    _pin_label(f, "R3", 160, "L2")
    f.label("local", "L3", 92.38, 100)
    _pin_label(f, "R4", 170, "L3")
    return record("nc_pin_alternate", f, out)


@case
def hidden_power_alternate(out: str) -> str:
    """A hidden pin joins the global net of its name when its type is power_in, and the
    alternate chosen for it decides the type: U1.1 (hidden power_in VCC, set to its
    bidirectional alternate IO) stays off global VCC, which U2.1 (no alternate) joins;
    U1.2 (hidden bidirectional VDD, set to its power_in alternate PWR) joins global VDD,
    named by the library pin, not PWR."""
    pins = [lib_pin("1", "VCC", "power_in", 0, 5.08, 270, hidden=True, alternates={"IO": "bidirectional"}),
            lib_pin("2", "VDD", "bidirectional", 0, -5.08, 90, hidden=True, alternates={"PWR": "power_in"}),
            lib_pin("3", "A", "passive", -5.08, 0, 0)]
    node = custom_symbol("mylib:ALT_POWER", "U", pins)
    f = SheetFile("hidden_power_alternate.kicad_sch")
    f.symbol("mylib:ALT_POWER", 100, 100, "U1", node=node, alternates={"1": "IO", "2": "PWR"})
    f.symbol("mylib:ALT_POWER", 140, 100, "U2", node=node)
    _pin_label(f, "R1", 20, "VCC", "global")
    _pin_label(f, "R2", 30, "VDD", "global")
    _pin_label(f, "R3", 40, "PWR", "global")
    _pin_label(f, "R4", 50, "IO", "global")
    return record("hidden_power_alternate", f, out)

def _heads(tree: list, head: str) -> list[list]:
    return [c for c in tree if isinstance(c, list) and c and c[0] == head]


def _set_version(tree: list, version: str) -> None:
    for c in _heads(tree, "version"):
        c[1] = version


def _to_kicad6(values: dict[str, str]):
    """A transform (see :func:`record`) to KiCad 6's format (20211123): the symbols' and
    sheets' ``(instances ...)`` move to the root's ``symbol_instances`` / ``sheet_instances``
    (paths without the root UUID), each symbol path with ``(value ...)`` and ``(footprint
    "")``; ``values``: reference -> the value written there (default: the symbol's)."""
    def transform(trees: dict[str, list], root_name: str) -> None:
        sym_rows, sheet_rows = [], [["path", B.q("/"), ["page", B.q("1")]]]
        for tree in trees.values():
            _set_version(tree, "20211123")
            tree[:] = [c for c in tree if not (isinstance(c, list) and c and c[0] in
                                                   ("generator_version", "sheet_instances", "embedded_fonts"))]
            for c in _heads(tree, "symbol") + _heads(tree, "sheet"):
                inst = child(c, "instances")
                c.remove(inst)
                uuid = first_value(c, "uuid")
                for proj in children(inst, "project"):
                    for p in children(proj, "path"):
                        path = "/" + "/".join(text(p[1]).strip("/").split("/")[1:] + [uuid])
                        path = path.replace("//", "/")
                        if c[0] == "sheet":
                            sheet_rows.append(["path", B.q(path), ["page", B.q(str(len(sheet_rows) + 1))]])
                            continue
                        ref = first_value(p, "reference")
                        value = values.get(ref, next(text(q[2]) for q in children(c, "property") if text(q[1]) == "Value"))
                        sym_rows.append(["path", B.q(path), ["reference", B.q(ref)], ["unit", first_value(p, "unit")],
                                         ["value", B.q(value)], ["footprint", B.q("")]])
        trees[root_name] += [["sheet_instances", *sheet_rows], ["symbol_instances", *sym_rows]]
    return transform


def _instance_values(values: dict[str, tuple[str, str]]):
    """A transform (see :func:`record`) that writes ``(value V) (footprint F)`` into the
    ``(instances ...)`` path of each reference in ``values`` (KiCad 7's early format)."""
    def transform(trees: dict[str, list], root_name: str) -> None:
        for tree in trees.values():
            for c in _heads(tree, "symbol"):
                for proj in children(child(c, "instances"), "project"):
                    for p in children(proj, "path"):
                        v = values.get(first_value(p, "reference"))
                        if v is not None:
                            p += [["value", B.q(v[0])], ["footprint", B.q(v[1])]]
    return transform


def _instance_values_design(name: str, a: tuple[float, float], b: tuple[float, float]) -> tuple[SheetFile, SheetFile]:
    """A sheet used twice (A at ``a``, B at ``b``) holding R1/R2 and a power symbol whose
    pin is a visible power input (#PWR1/#PWR2), so that its value names its net; global
    labels VA, VB, VX on R10, R11, R12 in the root."""
    node = custom_symbol("mylib:PWR_VISIBLE", "#PWR", [lib_pin("1", "P", "power_in", 0, 0, 90)], power=True)
    sub = SheetFile("sub.kicad_sch")
    sub.symbol("mylib:PWR_VISIBLE", 80, 100, ["#PWR1", "#PWR2"], value="VX", node=node)
    sub.r(["R1", "R2"], 80, 100)
    sub.r(["R3", "R4"], 90, 100)
    root = SheetFile("root.kicad_sch")
    root.sheet("A", sub, *a)
    root.sheet("B", sub, *b)
    for k, n in enumerate(("VA", "VB", "VX")):
        _pin_label(root, f"R1{k}", 20 + 10 * k, n, "global")
    return root, sub


@case
def k6_instance_values(out: str) -> str:
    """A KiCad 6 file keeps a value per instance (root's ``symbol_instances``); KiCad 9 and
    10 copy each non-empty one into the symbol's field on load, in sheet-list order, so a
    sheet used twice shows its last instance's value in both: R1 and R2 are both 2k, and
    the power symbol (visible power_in pin, value VX in the sheet, VA and VB per instance)
    names both instances' nets VB (R1, R2 join global VB, not VX). R3's value is empty in
    instance B, so instance A's 3k stays."""
    root, _ = _instance_values_design("k6_instance_values", (100, 40), (100, 80))
    values = {"#PWR1": "VA", "#PWR2": "VB", "R1": "1k", "R2": "2k", "R3": "3k", "R4": ""}
    return record("k6_instance_values", root, out, transform=_to_kicad6(values))


@case
def k6_instance_values_order(out: str) -> str:
    """As k6_instance_values with sheet A below B (A written first, on page 2): the sheet
    list runs depth first with each file's sheets by position (x, then y), not by file or
    page order, so A (y 80) comes last and its values win: 1k and VA."""
    root, _ = _instance_values_design("k6_instance_values_order", (100, 80), (100, 40))
    values = {"#PWR1": "VA", "#PWR2": "VB", "R1": "1k", "R2": "2k", "R3": "3k", "R4": ""}
    return record("k6_instance_values_order", root, out, transform=_to_kicad6(values))


@case
def instance_values_per_symbol(out: str) -> str:
    """A ``(value ...)`` / ``(footprint ...)`` inside a placed symbol's ``(instances
    (project (path ...)))`` (KiCad 7's early format; read in every format version) sets the
    symbol's field as KiCad reads it, the last path winning even when empty: R1/R2 are 2k
    with footprint FP2, R3/R4 have an empty value, and the power symbol names both
    instances' nets VB."""
    root, _ = _instance_values_design("instance_values_per_symbol", (100, 40), (100, 80))
    values = {"#PWR1": ("VA", ""), "#PWR2": ("VB", ""), "R1": ("1k", "FP1"), "R2": ("2k", "FP2"),
              "R3": ("3k", "FP3"), "R4": ("", "")}
    return record("instance_values_per_symbol", root, out, transform=_instance_values(values))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="cases to write (default: all)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--kicad10", default=os.path.join(HERE, "kicad10-cli"),
                    help="KiCad 10's kicad-cli ('' to record KiCad 9's netlists only; "
                         "default: scripts/kicad10-cli when /opt/tokn-kicad10 exists)")
    args = ap.parse_args(argv)
    global KICAD10_CLI
    wants_default = args.kicad10 == os.path.join(HERE, "kicad10-cli")
    KICAD10_CLI = args.kicad10 or None
    if KICAD10_CLI and wants_default and not os.path.isdir(os.environ.get("TOKN_KICAD10_ROOT", "/opt/tokn-kicad10")):
        KICAD10_CLI = None
    unknown = [n for n in args.names if n not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; known: {', '.join(CASES)}")
    for name in args.names or CASES:
        print(CASES[name](args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
