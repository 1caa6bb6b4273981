"""Drawing one cluster: a root unit, the leaves planned around it, wires and net names.

Coordinates are local (the root's anchor at the origin) and on the 1.27 mm grid.  Every
drawn thing goes into an :class:`~.occupancy.Occupancy` first; a placement is taken only
when none of its boxes hits anything it may not touch (text and bodies touch nothing, wires
and pins only things of their own net), so by construction:

* no symbol, field, label or power symbol overlaps another;
* a wire touches nothing of another net -- no pin, no wire end, no label -- so the drawn
  connectivity is exactly the planned one;
* wires never cross.

Steps (:meth:`ClusterBuilder.build`): the root; wires between its neighbouring pins of one
net; a name (label or power symbol) on each root pin no leaf will hang on; the root's
fields; each planned leaf, wired to a pin of its net (search over attach point, direction,
distance and rotation, preferring ground pins down, supply pins up and signal chains in
line); finally one name for every wired group that needs one (a group that is not its whole
net, or a named net).  Power symbols are always upright (rotation 0).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...kicad.bbox import body_bbox, sheet_bbox
from ...kicad.connectivity import escape_net_name
from ..stubs import is_ground, is_power_net, pin_ends
from .occupancy import Box, Occupancy
from .units import Unit

G = 1.27
PITCH = 2.54
W = 0.25                 # half width of a wire's keep-out
CHAR_W = 1.3             # field/label character width (KiCad font, capitals: 1.28 mm)
TEXT_H = 1.27
LABEL_H = 2.1            # global label outline height
STUBS = (2.54, 5.08, 7.62, 10.16, 12.7, 17.78, 25.4)
#: a last resort's shortest stub: two pins whose ends face each other 5.08 mm apart (a dual
#: potentiometer's inner pins) both need the column half-way between them at 2.54
HALF_STUB = 1.27
BENDS = (2.54, 5.08)
REACH = tuple(PITCH * k for k in range(1, 9))
DIRS = {(1, 0): "right", (-1, 0): "left", (0, -1): "up", (0, 1): "down"}
_AUTO = re.compile(r"^N\d+$")

Point = tuple[float, float]


def _r(v: float) -> float:
    return round(v, 4)


def _pad(b: Box, d: float) -> Box:
    return (b[0] - d, b[1] - d, b[2] + d, b[3] + d)


def _seg_box(a: Point, b: Point) -> Box:
    return (min(a[0], b[0]) - W, min(a[1], b[1]) - W, max(a[0], b[0]) + W, max(a[1], b[1]) + W)


def _text_box(s: str, x: float, y: float) -> Box:
    w = len(s) * CHAR_W + 0.3
    return (x - w / 2, y - TEXT_H / 2 - 0.1, x + w / 2, y + TEXT_H / 2 + 0.1)


def label_kind(net: str) -> tuple[str, str]:
    """(kind, text) of the label naming ``net``: a root-sheet local name "/X" is a local
    label "X"; anything else a global label (escaped as KiCad stores it)."""
    if net.startswith("/") and "/" not in net[1:]:
        return "local", net[1:]
    return "global", escape_net_name(net)


def label_box(net: str, x: float, y: float, d: tuple[int, int]) -> Box:
    kind, name = label_kind(net)
    length = len(name) * CHAR_W + (2.2 if kind == "global" else 0.6)
    half = LABEL_H / 2 if kind == "global" else 0.625          # local: text just above the wire
    off = 0.0 if kind == "global" else -0.825
    if d[1] == 0:
        x0, x1 = (x, x + length) if d[0] > 0 else (x - length, x)
        return (x0, y + off - half, x1, y + off + half)
    y0, y1 = (y - length, y) if d[1] < 0 else (y, y + length)
    return (x + off - half, y0, x + off + half, y1)


def label_angle(d: tuple[int, int]) -> float:
    return {(1, 0): 0.0, (0, -1): 90.0, (-1, 0): 180.0, (0, 1): 270.0}[d]


@dataclass
class Placed:
    unit: Unit
    x: float
    y: float
    angle: float
    fields: list[tuple[str, str, float, float]] = field(default_factory=list)   # name, value, x, y


@dataclass
class PinSpot:
    net: str
    x: float
    y: float
    out: tuple[int, int]
    owner: str                       # unit key
    used: set = field(default_factory=set)    # directions wires leave in
    lane: str = ""                   # tag of the pin's reserved lane ("" = none)


@dataclass
class Drawing:
    """A cluster in local coordinates."""
    symbols: list[Placed] = field(default_factory=list)
    wires: list[tuple[Point, Point]] = field(default_factory=list)
    labels: list[tuple[str, float, float, float]] = field(default_factory=list)   # net, x, y, angle
    powers: list[tuple[str, float, float, float]] = field(default_factory=list)  # net, x, y, value y (rotation 0)
    noconnects: list[Point] = field(default_factory=list)
    junctions: list[Point] = field(default_factory=list)
    box: Box = (0.0, 0.0, 0.0, 0.0)


Item = tuple[Box, object, frozenset]       # box, tag, tags it may touch


class ClusterFailed(Exception):
    """A net name found no room.  ``net`` is the net whose leaves crowded it out ("" when
    the leaves are not to blame); the caller retries without them."""

    def __init__(self, message: str, net: str = "") -> None:
        super().__init__(message)
        self.net = net


class ClusterBuilder:
    """Builds the :class:`Drawing` of one root and its planned leaves.

    ``net_pins`` counts each net's drawn pins in the whole design (a wired group smaller
    than that needs a name); ``power_for_net`` gives the power symbol for a net or None."""

    def __init__(self, net_pins: dict[str, int], power_for_net) -> None:
        self.net_pins = net_pins
        self.power_for_net = power_for_net
        self.occ = Occupancy()
        self.d = Drawing()
        self.spots: dict[tuple[str, str], PinSpot] = {}       # (unit key, pin number)
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}
        self.named: set[tuple[str, str]] = set()              # group roots that carry a name

    # ------------------------------------------------------------ groups
    def _find(self, k):
        self.parent.setdefault(k, k)
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def _union(self, a, b) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[ra] = rb
            if ra in self.named:
                self.named.add(rb)

    def _group(self, k) -> list[tuple[str, str]]:
        r = self._find(k)
        return [s for s in self.spots if self._find(s) == r]

    # ------------------------------------------------------------ fitting
    def _fits(self, items: list[Item]) -> bool:
        """``items`` fit the map and one another (with the same touching rules)."""
        if not self.occ.all_free(items):
            return False
        for i, (a, ta, al_a) in enumerate(items):
            for b, tb, al_b in items[i + 1:]:
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    if not ((tb is not None and tb in al_a) or (ta is not None and ta in al_b)):
                        return False
        return True

    def _crosses(self, segs: list[tuple[Point, Point]]) -> bool:
        """Some segment of ``segs`` crosses a drawn wire (of any net)."""
        return any(_proper_cross(a, b, c, d) for a, b in segs for c, d in self.d.wires)

    def _commit(self, items: list[Item]) -> None:
        for b, tag, _ in items:
            self.occ.add(b, tag)

    def _unit_items(self, u: Unit, x: float, y: float, angle: float) -> list[Item]:
        """Body (padded) and one box per visible pin line, tagged by the pin's net."""
        # the whole box pins included: what a reader (and drawcheck) sees as the symbol
        bx = sheet_bbox(u.part.symbol, x, y, angle, "", u.unit, 1, with_pins=True)
        items: list[Item] = [(_pad(bx, 0.25), f"body:{u.key}", frozenset())]
        for e in pin_ends([p for p in u.part.symbol.pins_for(u.unit) if not p.hidden], x, y, angle, ""):
            net = u.nets.get(e.pin.number)
            inner = (e.x - e.dx * e.pin.length, e.y - e.dy * e.pin.length)
            tag = net if net is not None else f"pin:{u.key}:{e.pin.number}"
            items.append((_seg_box((e.x, e.y), inner), tag, frozenset({tag, f"body:{u.key}"})))
        return items

    def _field_items(self, u: Unit, x: float, y: float, angle: float, prefer: str,
                     others: list[Item], force: bool = False) -> list[tuple[str, str, float, float]] | None:
        wb = sheet_bbox(u.part.symbol, x, y, angle, "", u.unit, 1, with_pins=True)
        texts = [("Reference", u.ref)] + ([("Value", u.value)] if u.value else [])
        cx, cy = (wb[0] + wb[2]) / 2, (wb[1] + wb[3]) / 2
        widest = max(len(t) for _, t in texts) * CHAR_W
        sides = {"right": [(wb[2] + 0.8 + widest / 2, cy - 0.8 * (len(texts) - 1) + 1.6 * k) for k in range(len(texts))],
                 "left": [(wb[0] - 0.8 - widest / 2, cy - 0.8 * (len(texts) - 1) + 1.6 * k) for k in range(len(texts))],
                 "above": [(cx, wb[1] - 1.1 - 1.6 * (len(texts) - 1 - k)) for k in range(len(texts))],
                 "below": [(cx, wb[3] + 1.1 + 1.6 * k) for k in range(len(texts))]}
        order = {"above": ["above", "below", "right", "left"], "right": ["right", "left", "above", "below"],
                 "below": ["below", "above", "right", "left"]}[prefer]
        shifted = [[(t, v, px, py + dy) for (t, v), (px, py) in zip(texts, sides[s])]
                   for k in range(1, 12) for s, dy in (("above", -PITCH * k), ("below", PITCH * k))]
        cands = [[(t, v, px, py) for (t, v), (px, py) in zip(texts, sides[s])] for s in order]
        if prefer == "above":          # an IC's name stays above or below it, clear of its pins' names
            cands = cands[:2] + shifted[:6] + cands[2:] + shifted[6:]
        else:
            cands += shifted
        for c in cands:
            boxes = [(_text_box(v, px, py), "text", frozenset()) for _, v, px, py in c]
            if self._fits(others + boxes):
                return c
        return cands[0] if force else None

    # ------------------------------------------------------------ names
    def _name_items(self, net: str, start: Point, path: list[Point], d: tuple[int, int], owner: str = "",
                    as_label: bool = False, lane: str = ""):
        """Wire boxes along ``path`` from ``start`` (a pin of unit ``owner``) and the label
        or power symbol at its end."""
        items: list[Item] = []
        pts = [start] + path
        for k, (a, b) in enumerate(zip(pts, pts[1:])):
            items.append((_seg_box(a, b), net,
                          frozenset({net, lane, lane + "+", f"body:{owner}"} if k == 0 else {net, lane, lane + "+"})))
        ex, ey = pts[-1]
        part = self.power_for_net(net) if is_power_net(net) and not as_label else None
        if part is not None:
            bx0, by0, bx1, by1 = body_bbox(part.symbol, 1, 1, with_pins=False)
            up = (by0 + by1) / 2 > 0
            if d == ((0, 1) if up else (0, -1)):
                return None                         # the symbol would sit on its own stub
            sb = sheet_bbox(part.symbol, ex, ey, 0.0, "", 1, 1, with_pins=True)
            ty = sb[1] - 1.3 if up else sb[3] + 1.3
            items.append((_pad(sb, 0.2), "text", frozenset({net, lane, lane + "+"})))
            items.append((_text_box(net, ex, ty), "text", frozenset({lane, lane + "+"})))
            return items, ("power", net, ex, ey, ty)
        items.append((label_box(net, ex, ey, d), f"label:{net}", frozenset({net, lane, lane + "+"})))
        return items, ("label", net, ex, ey, label_angle(d))

    def _name_candidates(self, net: str, spot: PinSpot, dirs: list[tuple[int, int]], as_label: bool = False,
                         stubs: tuple[float, ...] = STUBS):
        power = is_power_net(net) and self.power_for_net(net) is not None and not as_label
        want = None
        if power:
            want = (0, 1) if is_ground(net) else (0, -1)
        order = sorted(dirs, key=lambda d: (0 if d == want else 1 if d[1] == 0 else 2) if power
                       else (0 if d[1] == 0 else 1))
        for L in stubs:
            for d in order:
                x, y = spot.x + d[0] * L, spot.y + d[1] * L
                yield [(_r(x), _r(y))], d
                for L2 in BENDS:
                    for p in ((d[1], d[0]), (-d[1], -d[0])):
                        yield [(_r(x), _r(y)), (_r(x + p[0] * L2), _r(y + p[1] * L2))], p

    def _free_dirs(self, spot: PinSpot) -> list[tuple[int, int]]:
        if not spot.used:
            return [spot.out]
        back = (-spot.out[0], -spot.out[1])
        return [d for d in DIRS if d not in spot.used and d != back]

    def name_group(self, key: tuple[str, str], force: bool = False) -> bool:
        """Put one label/power symbol on the group of pin ``key``; False if none fits.
        A power net whose symbol finds no room gets a global label of its name (KiCad
        joins the two by name).  ``force`` takes the plain stub and label when nothing
        fits (a last resort: text may then overlap)."""
        group = self._group(key)
        net = self.spots[key].net
        for as_label in (False, True):
            for k in group:
                spot = self.spots[k]
                for path, d in self._name_candidates(net, spot, self._free_dirs(spot), as_label):
                    got = self._name_items(net, (spot.x, spot.y), path, d, spot.owner, as_label, spot.lane)
                    if got is None or not self._fits(got[0]):
                        continue
                    pts = [(spot.x, spot.y)] + path
                    if self._crosses(list(zip(pts, pts[1:]))):
                        continue
                    self._draw_name(key, spot, path, d, *got)
                    return True
        if force:
            for k in group:
                spot = self.spots[k]
                for path, d in self._name_candidates(net, spot, self._free_dirs(spot) or [spot.out], True,
                                                     STUBS + (HALF_STUB,)):
                    items, what = self._name_items(net, (spot.x, spot.y), path, d, spot.owner, True, spot.lane)
                    if self._fits_electrically(items[:-1], path[-1], net):
                        self._draw_name(key, spot, path, d, items, what)
                        return True
        return False

    def _fits_electrically(self, wires: list[Item], anchor: Point, net: str) -> bool:
        """Wires and a label anchor that touch nothing of another net (text may overlap)."""
        ax, ay = anchor
        checks = wires + [((ax - W, ay - W, ax + W, ay + W), net, frozenset({net}))]
        for box, _, allowed in checks:
            blocked = {t for t in self.occ.tags_hit(box)
                       if isinstance(t, str) and not t.startswith(("text", "label:", "body:", "lane:"))}
            if blocked - set(allowed):
                return False
        return True

    def _draw_name(self, key, spot: PinSpot, path: list[Point], d, items: list[Item], what: tuple) -> None:
        net = spot.net
        self._commit(items)
        pts = [(spot.x, spot.y)] + path
        for a, b in zip(pts, pts[1:]):
            self.d.wires.append((a, b))
        spot.used.add(_dir(pts[0], pts[1]))
        if what[0] == "power":
            self.d.powers.append((net, what[2], what[3], what[4]))
        else:
            self.d.labels.append((net, what[2], what[3], what[4]))
        self.named.add(self._find(key))
        for k in self._group(key):
            if self.spots[k].lane:
                self.occ.remove(self.spots[k].lane + "+")

    def needs_name(self, key: tuple[str, str]) -> bool:
        if self._find(key) in self.named:
            return False
        net = self.spots[key].net
        total = self.net_pins.get(net, 0)
        # a net of one pin is listed only to be named: it keeps its label even as N...
        return len(self._group(key)) < total or total < 2 or not _AUTO.match(net)

    # ------------------------------------------------------------ units
    def _record_unit(self, u: Unit, x: float, y: float, angle: float,
                     fields: list[tuple[str, str, float, float]]) -> None:
        self.d.symbols.append(Placed(u, x, y, angle, fields))
        for e in pin_ends(u.pins, x, y, angle, ""):
            self.spots[(u.key, e.pin.number)] = PinSpot(u.nets[e.pin.number], _r(e.x), _r(e.y),
                                                         (round(e.dx), round(e.dy)), u.key)
            self._find((u.key, e.pin.number))
        for e in pin_ends(u.nc, x, y, angle, ""):
            self.d.noconnects.append((_r(e.x), _r(e.y)))

    def place_root(self, u: Unit, angle: float, planned: set[str] = frozenset()) -> None:
        """Draw the root at the origin.  Each pin keeps a lane straight out, tagged with its
        net: its stub, plus room for a label of its name unless leaves will hang there
        (nets in ``planned``) -- so every pin can always be named, and power symbols and
        leaves of other pins go around the lanes."""
        items = self._unit_items(u, 0.0, 0.0, angle)
        self._commit(items)
        self._record_unit(u, 0.0, 0.0, angle, [])
        seen: set[str] = set()
        for (key, num), sp in self.spots.items():
            if key == u.key:
                sp.lane = f"lane:{key}:{sp.x},{sp.y}"      # stacked pins share one lane
                if sp.lane in seen:
                    continue
                seen.add(sp.lane)
                end = (sp.x + sp.out[0] * PITCH, sp.y + sp.out[1] * PITCH)
                self.occ.add(_seg_box((sp.x, sp.y), end), sp.lane)
                if sp.net not in planned:          # freed once the pin's group is named
                    self.occ.add(label_box(sp.net, end[0], end[1], sp.out), sp.lane + "+")
        self._join_neighbours(u)

    def _join_neighbours(self, u: Unit) -> None:
        """Wire together neighbouring pin ends of one net on the same side of ``u`` (the
        GND pins of an IC get one wire and one symbol)."""
        by_side: dict[tuple, list[PinSpot]] = {}
        for (key, num), s in self.spots.items():
            if key == u.key:
                along = s.y if s.out[1] == 0 else s.x
                across = s.x if s.out[1] == 0 else s.y
                by_side.setdefault((s.out, across), []).append((along, num, s))
        for row in by_side.values():
            row.sort(key=lambda t: t[0])
            for (a0, n0, s0), (a1, n1, s1) in zip(row, row[1:]):
                if s0.net != s1.net or a1 - a0 > 2 * PITCH + 1e-6:
                    continue
                if a1 - a0 < 1e-6:
                    self._union((u.key, n0), (u.key, n1))       # stacked pins
                    continue
                item = [(_seg_box((s0.x, s0.y), (s1.x, s1.y)), s0.net,
                         frozenset({s0.net, f"body:{u.key}", s0.lane, s1.lane}))]
                if self._fits(item):
                    self._commit(item)
                    self.d.wires.append(((s0.x, s0.y), (s1.x, s1.y)))
                    d = _dir((s0.x, s0.y), (s1.x, s1.y))
                    s0.used.add(d)
                    s1.used.add((-d[0], -d[1]))
                    self._union((u.key, n0), (u.key, n1))

    def place_fields(self, p: Placed, prefer: str, force: bool = False) -> None:
        fields = self._field_items(p.unit, p.x, p.y, p.angle, prefer, [], force)
        if fields is None:
            raise ClusterFailed(f"{p.unit.ref}: no room for its fields")
        self._commit([(_text_box(v, fx, fy), "text", frozenset()) for _, v, fx, fy in fields])
        p.fields = fields

    def _snapshot(self):
        d = self.d
        return (self.occ.mark(), len(d.symbols), len(d.wires), len(d.labels), len(d.powers), len(d.noconnects),
                {k: set(s.used) for k, s in self.spots.items()}, dict(self.parent), set(self.named))

    def _restore(self, snap) -> None:
        mark, ns, nw, nl, npw, nnc, used, parent, named = snap
        self.occ.undo(mark)
        d = self.d
        del d.symbols[ns:], d.wires[nw:], d.labels[nl:], d.powers[npw:], d.noconnects[nnc:]
        for k in [k for k in self.spots if k not in used]:
            del self.spots[k]
        for k, u in used.items():
            self.spots[k].used = u
        self.parent, self.named = parent, named

    def place_leaf(self, leaf: Unit, net: str, later: set[str] = frozenset()) -> bool:
        """Hang ``leaf`` by its pin on ``net`` on a pin of that net already drawn, and name
        its other pins except those on the nets in ``later`` (leaves will hang there)."""
        near = next(p for p in leaf.pins if leaf.nets[p.number] == net)
        targets = [k for k, s in self.spots.items() if s.net == net]
        cands = []
        for k in targets:
            spot = self.spots[k]
            for d in self._free_dirs(spot):
                for L in REACH:
                    qx, qy = _r(spot.x + d[0] * L), _r(spot.y + d[1] * L)
                    for angle in (0.0, 90.0, 180.0, 270.0):
                        ends = pin_ends(leaf.pins, 0.0, 0.0, angle, "")
                        ne = next(e for e in ends if e.pin.number == near.number)
                        out = (round(ne.dx), round(ne.dy))
                        if out == d:
                            continue
                        score = L / PITCH * 0.5 + (0 if out == (-d[0], -d[1]) else 0.3)
                        for e in ends:
                            if e is ne:
                                continue
                            far = leaf.nets[e.pin.number]
                            fo = (round(e.dx), round(e.dy))
                            if is_power_net(far):
                                want = (0, 1) if is_ground(far) else (0, -1)
                                # a ground pin pointing up (a supply pin down) is never drawn
                                score += 0 if fo == want else 1.5 if fo[1] == 0 else 1000
                            elif fo[1] != 0:
                                score += 0.4
                        cands.append((score, len(cands), k, d, L, angle, _r(qx - ne.x), _r(qy - ne.y)))
        cands.sort()
        same_lanes = frozenset(t for sp in self.spots.values() if sp.net == net and sp.lane
                               for t in (sp.lane, sp.lane + "+"))
        prefer_of = {0.0: "right", 180.0: "right", 90.0: "above", 270.0: "above"}
        for score, _, k, d, L, angle, ax, ay in cands:
            if score >= 1000:
                break
            spot = self.spots[k]
            q = (_r(spot.x + d[0] * L), _r(spot.y + d[1] * L))
            items = self._unit_items(leaf, ax, ay, angle)
            wire = (_seg_box((spot.x, spot.y), q), net,
                    frozenset({net, f"body:{spot.owner}", f"body:{leaf.key}"}) | same_lanes)
            items = [(b, t, al | {spot.lane}) for b, t, al in items + [wire]]
            if not self._fits(items) or self._crosses([((spot.x, spot.y), q)]):
                continue
            vertical = any(abs(e.dy) > 0.5 for e in pin_ends(leaf.pins, 0, 0, angle, ""))
            fields = self._field_items(leaf, ax, ay, angle, "right" if vertical else prefer_of[angle], items)
            if fields is None:
                continue
            snap = self._snapshot()
            self._commit(items + [(_text_box(v, fx, fy), "text", frozenset({spot.lane})) for _, v, fx, fy in fields])
            self.d.wires.append(((spot.x, spot.y), q))
            spot.used.add(d)
            self._record_unit(leaf, ax, ay, angle, fields)
            self.spots[(leaf.key, near.number)].used.add((-d[0], -d[1]))
            self._union(k, (leaf.key, near.number))
            named = all(self.name_group((leaf.key, p.number)) for p in leaf.pins
                        if p is not near and leaf.nets[p.number] not in later
                        and self.needs_name((leaf.key, p.number)))
            if named:
                return True
            self._restore(snap)
        return False

    # ------------------------------------------------------------ whole cluster
    def finish(self, force: bool = False) -> Drawing:
        """Name every group that needs it, add junction dots, and return the drawing."""
        for key in sorted(self.spots, key=lambda k: is_power_net(self.spots[k].net)):
            if self.needs_name(key) and not self.name_group(key, force):
                raise ClusterFailed(f"{key}: no room for the name of {self.spots[key].net}", self.spots[key].net)
        for nc in self.d.noconnects:
            self.occ.add(_pad((nc[0], nc[1], nc[0], nc[1]), 0.7), "text")
        self.d.junctions = _junctions(self.d)
        self.d.box = self.occ.extent() or (0.0, 0.0, 0.0, 0.0)
        return self.d


def _proper_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Segments a-b and c-d (axis-parallel) meet at a point inside both."""
    if (a[1] == b[1]) == (c[1] == d[1]):
        return False                              # parallel: overlaps are caught by boxes
    h, v = ((a, b), (c, d)) if a[1] == b[1] else ((c, d), (a, b))
    x, y = v[0][0], h[0][1]
    return (min(h[0][0], h[1][0]) < x < max(h[0][0], h[1][0]) and
            min(v[0][1], v[1][1]) < y < max(v[0][1], v[1][1]))


def _dir(a: Point, b: Point) -> tuple[int, int]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    return ((dx > 0) - (dx < 0), (dy > 0) - (dy < 0))


def _junctions(d: Drawing) -> list[Point]:
    """Points where three or more wire ends and pins meet, and no wire passes through."""
    count: dict[Point, int] = {}
    for a, b in d.wires:
        for p in (a, b):
            count[p] = count.get(p, 0) + 1
    pins = set()
    for pl in d.symbols:
        for e in pin_ends(pl.unit.pins, pl.x, pl.y, pl.angle, ""):
            pins.add((_r(e.x), _r(e.y)))
    out = []
    for p, n in count.items():
        n += 1 if p in pins else 0
        if n < 3:
            continue
        inside = any(min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])
                     and p not in (a, b) for a, b in d.wires)
        if not inside:
            out.append(p)
    return sorted(out)


def build_cluster(root: Unit, children: dict[str, list[tuple[Unit, str]]], net_pins: dict[str, int],
                  power_for_net, force: bool = False) -> tuple[Drawing, list[Unit]]:
    """Draw ``root`` with the leaves planned under it (recursively).  Returns the drawing
    and the planned leaves that found no room (the caller draws those on their own).
    Raises :class:`ClusterFailed` only if a net name of the root itself finds no room."""
    cb = ClusterBuilder(net_pins, power_for_net)
    planned_nets = {net for _, net in children.get(root.key, ())}
    cb.place_root(root, _root_angle(root), planned_nets)
    # labels first: they fit straight out on any pin pitch; upright power symbols then
    # search for room past them
    for p in sorted(root.pins, key=lambda p: is_power_net(root.nets[p.number])):
        key = (root.key, p.number)
        if root.nets[p.number] not in planned_nets and cb.needs_name(key) and not cb.name_group(key, force):
            raise ClusterFailed(f"{key}: no room for the name of {root.nets[p.number]}")
    left: list[Unit] = []
    queue = sorted(children.get(root.key, ()), key=lambda c: _hang_order(cb, c[0], c[1]))
    while queue:
        leaf, net = queue.pop(0)
        later = {n for _, n in children.get(leaf.key, ())}
        if cb.place_leaf(leaf, net, later):
            queue += children.get(leaf.key, ())
            continue
        left.append(leaf)
        left += _descendants(leaf, children)
        for key in [k for k, sp in cb.spots.items() if sp.net == net]:
            if cb.needs_name(key) and not cb.name_group(key):
                raise ClusterFailed(f"{key}: no room for the name of {net}", net)
    vertical = any(e.dy for e in pin_ends(root.pins, 0, 0, cb.d.symbols[0].angle, ""))
    cb.place_fields(cb.d.symbols[0], "above" if not root.leaf or not vertical else "right", force)
    return cb.finish(force), left


def _hang_order(cb: ClusterBuilder, leaf: Unit, net: str) -> tuple:
    """Leaves that hang down go on the lowest pins first, leaves that stand up on the
    highest first, so a leaf never blocks the wire of a pin placed after it."""
    ys = [s.y for s in cb.spots.values() if s.net == net]
    y = ys[0] if ys else 0.0
    far = [leaf.nets[p.number] for p in leaf.pins if leaf.nets[p.number] != net]
    if any(is_power_net(n) and is_ground(n) for n in far):
        return (0, -y)
    if any(is_power_net(n) for n in far):
        return (1, y)
    return (2, y)


def _descendants(u: Unit, children) -> list[Unit]:
    out = []
    for c, _ in children.get(u.key, ()):
        out.append(c)
        out += _descendants(c, children)
    return out


def _root_angle(u: Unit) -> float:
    """Hubs as the library draws them; a leaf on its own upright when it has a power pin
    (supply up, ground down), else lying."""
    if not u.leaf:
        return 0.0
    best = None
    for angle in (0.0, 90.0, 180.0, 270.0):
        score = 0.0
        for e in pin_ends(u.pins, 0, 0, angle, ""):
            net = u.nets[e.pin.number]
            o = (round(e.dx), round(e.dy))
            if is_power_net(net):
                want = (0, 1) if is_ground(net) else (0, -1)
                score += 0 if o == want else 2
            elif o[1] != 0:
                score += 0.5
        if best is None or score < best[0]:
            best = (score, angle)
    return best[1]
