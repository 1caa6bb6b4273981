"""Drawing quality of one schematic sheet, read from the file KiCad will draw.

What a person notices when a schematic is unreadable, measured on a loaded
:class:`~tokn.kicad.schematic.SchematicFile`:

* :func:`item_boxes` -- the boxes of symbols (body with pins), visible field texts and
  label texts (global/hierarchical labels with their outline);
* :func:`overlaps` -- pairs of those boxes that overlap (text on text, text on a body...);
* :func:`wire_crossings` -- pairs of wire segments crossing at a point inside both;
* :func:`wired_connections` -- of the pin-to-pin connections a net needs (pins - 1 per net),
  how many are made by wires (and junctions) alone rather than through labels or power
  symbols;
* :func:`extent` -- the box around everything drawn.

Text size is estimated from the 1.27 mm font at 1.27 mm per character: KiCad's default font
draws capitals and digits 1.28 mm wide (measured on exported SVGs), lower case narrower.
"""
from __future__ import annotations

from dataclasses import dataclass

from .bbox import Box, sheet_bbox
from .connectivity import pin_positions
from .geometry import iu
from .schematic import SchematicFile, read_schematic
from ..sexpr import child, children, number, parse, text
from .ids import is_netlisted

CHAR = 1.27                # mm per character of the 1.27 mm font (capitals and digits measured: 1.28)
TEXT_H = 1.27
LABEL_OUTLINE = 2.1        # height of a global/hierarchical label's outline (estimate: text + margins)
LABEL_TIP = 1.6            # the arrow/flag part of a global label's outline


def text_box(s: str, x: float, y: float, vertical: bool, justify: str) -> Box:
    """Box of a one-line text anchored at (x, y); ``justify`` is "center", "left" (text runs
    right/up from the anchor) or "right" (text runs left/down)."""
    w, h = len(s) * CHAR, TEXT_H
    if vertical:
        if justify == "center":
            return (x - h / 2, y - w / 2, x + h / 2, y + w / 2)
        return (x - h / 2, y - w, x + h / 2, y) if justify == "left" else (x - h / 2, y, x + h / 2, y + w)
    if justify == "center":
        return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return (x, y - h / 2, x + w, y + h / 2) if justify == "left" else (x - w, y - h / 2, x, y + h / 2)


def label_box(kind: str, name: str, x: float, y: float, angle: float) -> Box:
    """Box of a label anchored at (x, y): the text runs away from the anchor in the
    direction ``angle`` (0 right, 90 up, 180 left, 270 down).  Local labels sit just above
    (or left of) their wire; global and hierarchical labels are centred on it inside an
    outline."""
    a = int(round(angle)) % 360
    if kind == "local":
        length, half, off = len(name) * CHAR + 0.5, 0.625, -0.825      # text just above the wire
    else:
        length, half, off = len(name) * CHAR + LABEL_TIP + 0.6, LABEL_OUTLINE / 2, 0.0
    if a == 0:
        return (x, y + off - half, x + length, y + off + half)
    if a == 180:
        return (x - length, y + off - half, x, y + off + half)
    if a == 90:
        return (x + off - half, y - length, x + off + half, y)
    return (x + off - half, y, x + off + half, y + length)


def load_sheet(path: str) -> tuple[SchematicFile, list]:
    """A sheet file as the model plus its parsed tree (the tree keeps field positions)."""
    with open(path, encoding="utf-8") as f:
        nodes = parse(f.read(), path)
    return read_schematic(nodes, path), nodes[0]


def _fields(node: list) -> list[tuple[str, str, float, float, float, bool]]:
    out = []
    for prop in children(node, "property"):
        eff = child(prop, "effects")
        hidden = eff is not None and (child(eff, "hide") is not None or "hide" in eff[1:])
        at = child(prop, "at")
        if at is None:
            continue
        out.append((text(prop[1]), text(prop[2]), number(at[1]), number(at[2]),
                    number(at[3]) if len(at) > 3 else 0.0, hidden))
    return out


def item_boxes(sch: SchematicFile, tree: list) -> list[tuple[str, Box]]:
    """(description, box) of every symbol, visible field and label on the sheet
    (``tree``: the parsed file ``sch`` was read from)."""
    out: list[tuple[str, Box]] = []
    for sym, node in zip(sch.symbols, children(tree, "symbol")):
        lib = sch.lib_symbols.get(sym.embedded_name) or sch.lib_symbols.get(sym.lib_id)
        if lib is None:
            continue
        ref = sym.properties.get("Reference", "?")
        box = sheet_bbox(lib, sym.x, sym.y, sym.angle, sym.mirror, sym.unit, sym.style, with_pins=True)
        out.append((f"symbol {ref}", box))
        for name, value, fx, fy, fa, hidden in _fields(node):
            if hidden or not value:
                continue
            # KiCad swaps horizontal/vertical field text on symbols turned by 90/270
            drawn = (fa + (90 if int(round(sym.angle)) % 180 == 90 else 0)) % 180
            out.append((f"field {ref}.{name}={value}", text_box(value, fx, fy, drawn == 90, "center")))
    for lb in sch.labels:
        if lb.kind == "directive":
            continue
        out.append((f"label {lb.name}", label_box(lb.kind, lb.name, lb.x, lb.y, lb.angle)))
    return out


def boxes_overlap(a: Box, b: Box, eps: float = 0.15) -> bool:
    """Whether boxes ``a`` and ``b`` overlap by more than ``eps`` mm both ways."""
    return a[0] + eps < b[2] and b[0] + eps < a[2] and a[1] + eps < b[3] and b[1] + eps < a[3]


def overlaps(boxes: list[tuple[str, Box]], eps: float = 0.15) -> list[tuple[str, str]]:
    """Pairs of overlapping boxes (by more than ``eps`` mm both ways)."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][1][0])
    out = []
    for k, i in enumerate(order):
        bi = boxes[i][1]
        for j in order[k + 1:]:
            bj = boxes[j][1]
            if bj[0] + eps >= bi[2]:
                break
            if boxes_overlap(bi, bj, eps):
                out.append((boxes[i][0], boxes[j][0]))
    return out


def _segments(sch: SchematicFile) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    segs = []
    for w in sch.wires:
        for a, b in zip(w.pts, w.pts[1:]):
            segs.append(((iu(a[0]), iu(a[1])), (iu(b[0]), iu(b[1]))))
    return segs


def _cross(s, t) -> bool:
    """Axis-parallel or not: segments s and t meet at a point strictly inside both."""
    (x1, y1), (x2, y2) = s
    (x3, y3), (x4, y4) = t
    d = (x2 - x1) * (y4 - y3) - (y2 - y1) * (x4 - x3)
    if d == 0:
        return False
    u = ((x3 - x1) * (y4 - y3) - (y3 - y1) * (x4 - x3)) / d
    v = ((x3 - x1) * (y2 - y1) - (y3 - y1) * (x2 - x1)) / d
    return 0 < u < 1 and 0 < v < 1


def wire_crossings(sch: SchematicFile) -> int:
    """Number of pairs of wire segments that cross (X crossings, junction or not)."""
    segs = _segments(sch)
    return sum(1 for i in range(len(segs)) for j in range(i + 1, len(segs)) if _cross(segs[i], segs[j]))


@dataclass
class WireShare:
    needed: int          # connections the nets need: sum over nets of (pins - 1)
    wired: int           # of those, made through wires and junctions alone

    @property
    def share(self) -> float:
        return self.wired / self.needed if self.needed else 0.0


def wired_connections(sch: SchematicFile, nets: list[set[tuple[str, str]]]) -> WireShare:
    """How many of the connections of ``nets`` (sets of (ref, pin), power/flag pins left
    out) the wires make: pins joined through wire ends, pin-on-pin contact and junctions,
    ignoring labels and power symbols."""
    parent: dict = {}

    def find(a):
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        parent[find(a)] = find(b)

    for w in sch.wires:
        pts = [(iu(x), iu(y)) for x, y in w.pts]
        for a, b in zip(pts, pts[1:]):
            union(("p", a), ("p", b))
    segs = _segments(sch)
    for jx, jy in sch.junctions:
        j = (iu(jx), iu(jy))
        for (a, b) in segs:
            if min(a[0], b[0]) <= j[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= j[1] <= max(a[1], b[1]) and \
                    (b[0] - a[0]) * (j[1] - a[1]) == (b[1] - a[1]) * (j[0] - a[0]):
                union(("p", j), ("p", a))
    for sym in sch.symbols:
        ref = sym.properties.get("Reference", "")
        if not is_netlisted(ref):
            continue
        lib = sch.lib_symbols.get(sym.embedded_name) or sch.lib_symbols.get(sym.lib_id)
        if lib is None:
            continue
        for pin, (x, y) in pin_positions(sym, lib):
            union(("pin", ref, pin.number), ("p", (iu(x), iu(y))))
    needed = wired = 0
    for net in nets:
        pins = sorted(net)
        if len(pins) < 2:
            continue
        needed += len(pins) - 1
        groups = {find(("pin", r, p)) for r, p in pins}
        wired += len(pins) - len(groups)
    return WireShare(needed, wired)


def pin_points(sch: SchematicFile) -> dict[tuple[str, str], tuple[float, float]]:
    """(ref, pin number) -> sheet position of every pin of the non-power symbols."""
    out = {}
    for sym in sch.symbols:
        ref = sym.properties.get("Reference", "")
        lib = sch.lib_symbols.get(sym.embedded_name) or sch.lib_symbols.get(sym.lib_id)
        if not is_netlisted(ref) or lib is None:
            continue
        for pin, pt in pin_positions(sym, lib):
            out[(ref, pin.number)] = pt
    return out


def net_span(sch: SchematicFile, nets: list[set[tuple[str, str]]]) -> float:
    """Mean half-perimeter of the box around each net's pins (mm): small when parts that
    share a net are drawn near each other.  Nets with fewer than two drawn pins are skipped."""
    pts = pin_points(sch)
    spans = []
    for net in nets:
        ps = [pts[p] for p in net if p in pts]
        if len(ps) < 2:
            continue
        xs, ys = [p[0] for p in ps], [p[1] for p in ps]
        spans.append(max(xs) - min(xs) + max(ys) - min(ys))
    return sum(spans) / len(spans) if spans else 0.0


def extent(sch: SchematicFile, boxes: list[tuple[str, Box]]) -> Box | None:
    """The box around ``boxes`` (from :func:`item_boxes`), wires, junctions and no-connects."""
    xs: list[float] = []
    ys: list[float] = []
    for _, b in boxes:
        xs += [b[0], b[2]]
        ys += [b[1], b[3]]
    for w in sch.wires:
        xs += [p[0] for p in w.pts]
        ys += [p[1] for p in w.pts]
    for x, y in list(sch.junctions) + list(sch.no_connects):
        xs.append(x)
        ys.append(y)
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))
