"""Connectivity edits of a drawn document kept on the drawing.

A user (or a model) edits an encoded design's ``nets`` rows -- renames a net, names an
unnamed one, moves a pin to another net, gives a part another symbol, moves a part to
another sheet -- and leaves the drawing rows (wires, labels, power symbols) as they were.
The drawing then no longer gives the document's nets, and the decoder used to lay the whole
design out again (every position lost, a hierarchy flattened).  This module changes the
drawing only where the edit touches it, as an engineer would in KiCad:

* a net whose pins are drawn together under another name: every label, global label and
  power symbol that names it is renamed (a hierarchical label with its sheet pin when no
  local label names it); an unnamed drawn net the document names gets a label on a pin;
* a pin drawn on another net than the document's: the wire from its end is cut back to the
  first branch, a label, power symbol or junction at its end removed, and the pin is joined
  to its net by a label (a power symbol for a net drawn with them; for an unnamed net ``N3``
  a global label of that name on the pin and on one of the net's drawn pins);
* a pin drawn on no net that the document connects (a swapped symbol's new pin): joined
  the same way;
* a part none of whose pins touches anything on its sheet while the document connects it
  (moved to another sheet): its position is dropped, so the decoder lays it out below that
  sheet's drawing (:mod:`.amend`).

:func:`amend_drawing` makes one round of these changes from the nets of the drawing as it
stands; the decoder draws the result, checks it with the connectivity engine, and repeats
a few rounds.  Whatever cannot be done (a net named on another sheet, a pin that touches a
wire's middle or another pin, a part of a sheet several instances share) is returned as the
reason, which the decoder's fallback warning quotes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..doc.model import Document, Label, PowerSymbol, Wire
from ..doc.naming import natural_key
from ..kicad.bbox import sheet_bbox
from ..kicad.drawcheck import boxes_overlap, label_box
from ..kicad.netnames import net_text
from .amend import away_angle, label_name, sheet_paths
from .stubs import is_power_net, pin_ends
from .symbols import PartSymbol

_AUTO = re.compile(r"^N\d+$")
Pin = tuple[str, str]


#: Points are compared in units of 0.1 um (KiCad files hold 4 decimals of a mm).
_UNIT = 10000


def _key(x: float, y: float) -> tuple[int, int]:
    return round(x * _UNIT), round(y * _UNIT)


def _xy(k: tuple[int, int]) -> tuple[float, float]:
    return k[0] / _UNIT, k[1] / _UNIT


@dataclass
class Amended:
    """One round of changes: the document to draw next, what was done (notes), and the
    parts whose position was dropped (laid out below their sheet's drawing)."""
    doc: Document
    notes: list[str] = field(default_factory=list)
    unplaced: set[str] = field(default_factory=set)


class _Sheet:
    """The connection points of one sheet's drawing rows: wire segments, pin ends, labels,
    power symbols, sheet pins, junctions, no-connects, bus entries."""

    def __init__(self, doc: Document, sid: str, ends: dict[Pin, list]) -> None:
        self.sid = sid
        self.doc = doc
        self.pins: dict[tuple[int, int], list[Pin]] = {}
        for pin, where in ends.items():
            for s, end in where:
                if s == sid:
                    self.pins.setdefault(_key(end.x, end.y), []).append(pin)
        self.others: dict[tuple[int, int], int] = {}
        children = doc_sheet_children(doc, sid)
        for sp in doc.sheetpins:
            if sp.sheet in children:
                self._other(sp.x, sp.y)
        for be in doc.busentries:
            if be.sheet == sid:
                self._other(be.x, be.y)
                self._other(be.x + be.dx, be.y + be.dy)

        self._index: dict | None = None

    def _other(self, x: float, y: float) -> None:
        k = _key(x, y)
        self.others[k] = self.others.get(k, 0) + 1

    def changed(self) -> None:
        """Forget the index of wires, labels and power symbols (the rows changed)."""
        self._index = None

    def _idx(self) -> dict:
        if self._index is None:
            ix: dict = {"ends": {}, "h": {}, "v": {}, "d": [], "labels": {}, "power": {}, "nc": {}}
            for w in self.doc.wires:
                if w.sheet != self.sid:
                    continue
                (x0, y0), (x1, y1) = w.pts[0], w.pts[-1]
                a, b = _key(x0, y0), _key(x1, y1)
                ix["ends"].setdefault(a, []).append(w)
                if b != a:
                    ix["ends"].setdefault(b, []).append(w)
                if a[1] == b[1]:
                    ix["h"].setdefault(a[1], []).append(w)
                elif a[0] == b[0]:
                    ix["v"].setdefault(a[0], []).append(w)
                else:
                    ix["d"].append(w)
            for name, rows in (("labels", self.doc.labels), ("power", self.doc.power)):
                for r in rows:
                    if r.sheet == self.sid:
                        ix[name].setdefault(_key(r.x, r.y), []).append(r)
            for n in self.doc.noconnects:
                if n.sheet == self.sid and n.x is not None and n.y is not None:
                    ix["nc"].setdefault(_key(n.x, n.y), []).append(n)
            self._index = ix
        return self._index

    def labels_at(self, k) -> list:
        return list(self._idx()["labels"].get(k, []))

    def power_at(self, k) -> list:
        return list(self._idx()["power"].get(k, []))

    def ends_at(self, k) -> list[Wire]:
        return list(self._idx()["ends"].get(k, []))

    def through(self, k) -> list[Wire]:
        """Segments whose middle (not an end) passes through point ``k``."""
        ix = self._idx()
        x, y = _xy(k)
        out = []
        for w in ix["h"].get(k[1], []) + ix["v"].get(k[0], []) + ix["d"]:
            (x0, y0), (x1, y1) = w.pts[0], w.pts[-1]
            if _key(x0, y0) == k or _key(x1, y1) == k:
                continue
            cross = (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)
            if abs(cross) < 0.01 * max(1.0, abs(x1 - x0) + abs(y1 - y0)) and \
                    min(x0, x1) - 0.005 <= x <= max(x0, x1) + 0.005 and min(y0, y1) - 0.005 <= y <= max(y0, y1) + 0.005:
                out.append(w)
        return out

    def points_on(self, w: Wire) -> list[tuple[int, int]]:
        """Labels on the middle of segment ``w`` (not at its ends), which KiCad connects to
        it (a pin end or another wire's end there it does not)."""
        (x0, y0), (x1, y1) = w.pts[0], w.pts[-1]
        a, b = _key(x0, y0), _key(x1, y1)
        keys = set(self._idx()["labels"])
        out = []
        for k in keys:
            if k in (a, b):
                continue
            x, y = _xy(k)
            if min(x0, x1) - 0.005 <= x <= max(x0, x1) + 0.005 and min(y0, y1) - 0.005 <= y <= max(y0, y1) + 0.005 \
                    and abs((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) < 0.01 * max(1.0, abs(x1 - x0) + abs(y1 - y0)):
                out.append(k)
        return out

    def items_at(self, k) -> int:
        """Things other than wires that connect at ``k``: pin ends, labels, power symbols,
        sheet pins, bus entries, no-connects."""
        ix = self._idx()
        return len(self.pins.get(k, [])) + len(ix["labels"].get(k, [])) + len(ix["power"].get(k, [])) + \
            self.others.get(k, 0) + len(ix["nc"].get(k, []))


def doc_sheet_children(doc: Document, sid: str) -> set[str]:
    """The ids of the sheets whose sheet symbol sheet ``sid`` draws."""
    return {s.id for s in doc.sheets if s.parent == sid}


def _exploded(doc: Document) -> Document:
    """``doc`` with every wire row of several points split into two-point segments (the
    same wires for KiCad) so that one segment can be removed."""
    wires = [Wire(w.net, [a, b], w.sheet) for w in doc.wires for a, b in zip(w.pts, w.pts[1:])]
    return replace(doc, wires=wires, labels=list(doc.labels), power=list(doc.power),
                   junctions=list(doc.junctions), noconnects=list(doc.noconnects),
                   sheetpins=list(doc.sheetpins), components=list(doc.components))


def pin_positions(doc: Document, parts: dict[str, PartSymbol]) -> dict[Pin, list]:
    """(ref, pin number) -> [(sheet id, PinEnd)] of every placed row of the document."""
    out: dict[Pin, list] = {}
    for c in doc.components:
        part = parts.get(c.ref)
        if part is None or c.x is None or c.y is None:
            continue
        for end in pin_ends(part.symbol.pins_for(c.unit, c.style), c.x, c.y, c.a or 0.0, c.mirror):
            out.setdefault((c.ref, end.pin.number), []).append((c.sheet, end))
    return out


class _Round:
    """One round of changes to ``doc`` (exploded wires) against the drawn nets ``got``."""

    def __init__(self, doc: Document, parts: dict[str, PartSymbol], power, drawn_in: dict[str, str],
                 got: dict[frozenset, tuple[str, bool]], want: dict[frozenset, str]) -> None:
        self.doc = _exploded(doc)
        self.parts = parts
        self.power = power
        self.drawn_in = drawn_in              # sheet id -> the instance that draws its file
        self.shared = {s for s in drawn_in if sum(1 for t in drawn_in.values() if t == drawn_in[s]) > 1}
        self.got = got
        self.want = want
        self.paths = sheet_paths(doc)
        self.ends = pin_positions(doc, parts)
        self.sheets: dict[str, _Sheet] = {}
        self.notes: list[str] = []
        self.unplaced: set[str] = set()
        self.labelled: set[str] = set()      # unnamed nets given a global label on a drawn pin
        self.room: dict[str, list] = {}      # sheet id -> boxes of what is drawn (:meth:`_obstacles`)
        self.renamed: set[str] = set()       # net names given to every instance of a shared sheet
        self.flags = False                   # draw PWR_FLAGs (:meth:`_flag`; :func:`amend_drawing`)
        self.flagged = _flagged_nets(self.doc, self.paths)   # nets with a PWR_FLAG where a label or power symbol names them

    def touched(self) -> None:
        """The drawing rows changed: forget every sheet's index of them."""
        for sh in self.sheets.values():
            sh.changed()

    def sheet(self, sid: str) -> _Sheet:
        if sid not in self.sheets:
            self.sheets[sid] = _Sheet(self.doc, sid, self.ends)
        return self.sheets[sid]

    def where(self, net: str) -> str:
        """The sheet a net's path names (``/a/b/X`` -> the sheet of path ``/a/b/``)."""
        return net[:net.rindex("/") + 1] if net.startswith("/") else ""

    # ------------------------------------------------------------ names

    def rename(self, old: str, new: str) -> str | None:
        """Rename the labels of drawn net ``old`` to ``new``; the reason when it cannot."""
        if new in self.renamed:
            return None                        # renamed with another instance of its sheet
        if old.startswith("/") != new.startswith("/") or self.where(old) != self.where(new):
            return f"net {old} renamed {new}: another sheet or scope, which no label rename gives"
        n = 0
        if not old.startswith("/"):
            for k, lb in enumerate(self.doc.labels):
                if lb.kind == "global" and net_text(lb.name) == old:
                    self.doc.labels[k] = replace(lb, name=new)
                    n += 1
            for k, ps in enumerate(self.doc.power):
                if not ps.local and ps.net == old:
                    self.doc.power[k] = replace(ps, net=new)
                    n += 1
        else:
            path, text, new_text = self.where(old), old[len(self.where(old)):], new[len(self.where(new)):]
            sids = {s for s, p in self.paths.items() if p == path}
            if sids & self.shared:             # one drawing for every instance: renamed in all, or none
                names = set(self.want.values())
                alike = {s for s in self.drawn_in if self.drawn_in[s] in {self.drawn_in[t] for t in sids}}
                if any(self.paths[s] + new_text not in names or self.paths[s] + text in names for s in alike):
                    return (f"net {old} renamed {new} in one instance of a sheet several instances use: they "
                            "share its labels (rename it in every instance)")
                sids = alike
                self.renamed |= {self.paths[s] + new_text for s in alike}
            for kind in ("local", "hier"):
                for k, lb in enumerate(self.doc.labels):
                    if lb.kind == kind and lb.sheet in sids and net_text(lb.name) == text:
                        self.doc.labels[k] = replace(lb, name=new_text)
                        n += 1
                for k, ps in enumerate(self.doc.power):
                    if kind == "local" and ps.local and ps.sheet in sids and ps.net == text:
                        self.doc.power[k] = replace(ps, net=new_text)
                        n += 1
                if n and kind == "hier":
                    for k, sp in enumerate(self.doc.sheetpins):
                        if sp.sheet in sids and net_text(sp.name) == text:
                            self.doc.sheetpins[k] = replace(sp, name=new_text)
                if n:
                    break
        if not n:
            return f"net {old} renamed {new}: no label, global label or power symbol names {old}"
        self.doc.wires = [replace(w, net=new) if w.net == old else w for w in self.doc.wires]
        self.touched()
        self.notes.append(f"net {old} renamed {new} on {n} label{'s' if n > 1 else ''}/power symbol"
                          f"{'s' if n > 1 else ''}")
        return None

    def name(self, pins: frozenset, net: str) -> str | None:
        """Name the unnamed drawn net of ``pins`` ``net`` by a label on one of its pins."""
        for pin in sorted(pins):
            for sid, end in self.ends.get(pin, []):
                if self.label(net, sid, end, pin):
                    self.notes.append(f"net {net} named by a label at {pin[0]}.{pin[1]}")
                    return None
        return f"net {net}: none of its pins lies on a sheet where a label gives that name"

    def label(self, net: str, sid: str, end, pin: Pin, anchor: bool = False) -> bool:
        """Join the pin end ``end`` on sheet ``sid`` to ``net`` by a power symbol (a net the
        drawing names with power symbols) or a label, on the pin end or at the end of a short
        wire from it where that keeps it clear of the drawing (:meth:`_spot`); False when
        no label on that sheet gives the name."""
        if sid in self.shared:
            return False
        name = label_name(net, self.paths.get(sid, "/")) if not _AUTO.match(net) else net
        if name is None:
            return False
        drawn = next((ps for ps in self.doc.power if ps.net == net and not ps.local), None)
        part = None
        if drawn is not None and not anchor:
            part = self.power.get(drawn.lib or "power:GND") or self.power.for_net(net)
        kind, text = ("local", name[1:]) if name.startswith("/") else ("global", name)
        if part is not None:
            box = lambda x, y, d: sheet_bbox(part.symbol, x, y, _power_angle(part, d), "", 1, 1, with_pins=False)
        else:
            box = lambda x, y, d: label_box(kind, text, x, y, away_angle(d))
        path, d = self._spot(sid, end, box)
        x, y = path[-1]
        if len(path) > 1:
            self.doc.wires += [Wire(net, [a, b], sid) for a, b in zip(path, path[1:])]
        if part is not None:
            self.doc.power.append(PowerSymbol(net, drawn.lib, x, y, _power_angle(part, d), sheet=sid))
        else:
            self.doc.labels.append(Label(text, kind, "" if kind == "local" else "passive", x, y, away_angle(d), sid))
        self.room.setdefault(sid, []).append(box(x, y, d))
        self._flag(net, text, sid, x, y, d)
        self.touched()
        return True

    def _flag(self, net: str, text: str, sid: str, x: float, y: float, d: tuple[int, int]) -> None:
        """A PWR_FLAG at ``(x, y)`` (a label or power symbol just drawn for ``net``, with the
        name ``text``), its body across the direction ``d``, when the document draws no
        PWR_FLAG and the drawn name is a power net's (:func:`~tokn.decode.stubs.is_power_net`:
        the local label ``GND`` of net ``/GND`` too) that feeds a power-input pin and that no
        power-output or output pin drives: the flag the grid layout gives such a net
        (:func:`tokn.decode.layout.layout_parts`), without which KiCad's ERC reports the
        power-input pins as not driven.  One flag per net."""
        if not self.flags or net in self.flagged:
            return
        listed = net in self.doc.pwrflags
        if not listed and not is_power_net(text):
            return
        types = {p.type for pins, name in self.want.items() if name == net for ref, num in pins
                 if ref in self.parts for p in self.parts[ref].symbol.pins if p.number == num}
        flag = self.power.get("power:PWR_FLAG")
        if flag is None or not listed and ("power_in" not in types or types & {"power_out", "output"}):
            return
        side = (-d[1], d[0])                 # across the label's text, which runs along d
        self._draw_flag(flag, net, sid, x, y, side, listed)

    def _draw_flag(self, flag: PartSymbol, net: str, sid: str, x: float, y: float, d: tuple[int, int],
                   listed: bool) -> None:
        """A PWR_FLAG on ``net`` at ``(x, y)``, its body along ``d``; ``listed``: the document's
        ``pwrflags`` name the net (else the decoder's rule asked for it)."""
        self.doc.power.append(PowerSymbol("PWR_FLAG", "power:PWR_FLAG", x, y, _power_angle(flag, d), sheet=sid))
        self.room.setdefault(sid, []).append(
            sheet_bbox(flag.symbol, x, y, _power_angle(flag, d), "", 1, 1, with_pins=False))
        self.flagged.add(net)
        self.touched()
        self.notes.append(f"a PWR_FLAG drawn on {net} " + ("(the document's pwrflags)" if listed else
                                                           "(no power-output pin drives its power-input pins)"))

    def flag_pin(self, net: str, pin: Pin) -> bool:
        """A PWR_FLAG on ``net`` joined to a drawn end of its pin ``pin``, on the pin end or at
        the end of a short wire from it where that keeps it clear of the drawing
        (:meth:`_spot`); False when the pin is not drawn or there is no PWR_FLAG symbol."""
        flag = self.power.get("power:PWR_FLAG")
        where = self.ends.get(pin, [])
        if flag is None or not where:
            return False
        sid, end = where[0]
        box = lambda x, y, d: sheet_bbox(flag.symbol, x, y, _power_angle(flag, d), "", 1, 1, with_pins=False)
        path, d = self._spot(sid, end, box)
        if len(path) > 1:
            self.doc.wires += [Wire(net, [a, b], sid) for a, b in zip(path, path[1:])]
        self._draw_flag(flag, net, sid, *path[-1], d, True)
        return True

    def _obstacles(self, sid: str) -> list:
        """Boxes of what is drawn on sheet ``sid``: symbol bodies, labels, power symbols,
        sheet symbols and wires."""
        if sid not in self.room:
            boxes = []
            for c in self.doc.components:
                part = self.parts.get(c.ref)
                if c.sheet == sid and part is not None and c.x is not None and c.y is not None:
                    boxes.append(sheet_bbox(part.symbol, c.x, c.y, c.a or 0.0, c.mirror, c.unit, c.style,
                                            with_pins=True))
            for lb in self.doc.labels:
                if lb.sheet == sid:
                    boxes.append(label_box(lb.kind, lb.name, lb.x, lb.y, lb.a))
            for ps in self.doc.power:
                part = self.power.get(ps.lib or "power:GND") if ps.sheet == sid else None
                if part is not None:
                    boxes.append(sheet_bbox(part.symbol, ps.x, ps.y, ps.a, "", 1, 1, with_pins=False))
            for sh in self.doc.sheets:
                if sh.parent == sid and sh.x is not None and sh.y is not None:
                    boxes.append((sh.x, sh.y, sh.x + (sh.w or 0), sh.y + (sh.h or 0)))
            self.room[sid] = boxes
        wires = [_seg_box(w.pts[0], w.pts[-1]) for w in self.doc.wires if w.sheet == sid]
        return self.room[sid] + wires

    def _spot(self, sid: str, end, box) -> tuple[list[tuple[float, float]], tuple[int, int]]:
        """Where a label or power symbol joining pin end ``end`` goes: the path of a wire
        from the pin end (just the pin end when none is needed) and the direction the label
        faces.  The first of: on the pin end, at the end of a straight wire of 2.54, 5.08 or
        7.62 mm, or of one bent once, whose label box (``box(x, y, direction)``) and wire
        meet nothing drawn and whose wire touches no connection point; else on the pin end."""
        out = (round(end.dx), round(end.dy))
        sh = self.sheet(sid)
        obstacles = self._obstacles(sid)
        points = set(sh.pins) | set(sh.others) | set(sh._idx()["ends"]) | set(sh._idx()["labels"]) | \
            set(sh._idx()["power"]) | set(sh._idx()["nc"])
        x0, y0 = end.x, end.y
        side = [(out[1], out[0]), (-out[1], -out[0])]
        cands = [([(x0, y0)], out)]
        for L in (2.54, 5.08, 7.62):
            cands.append(([(x0, y0), (x0 + out[0] * L, y0 + out[1] * L)], out))
        for L in (2.54, 5.08):
            for d in side:
                for L2 in (2.54, 5.08):
                    a = (x0 + out[0] * L, y0 + out[1] * L)
                    cands.append(([(x0, y0), a, (a[0] + d[0] * L2, a[1] + d[1] * L2)], d))
        for path, d in cands:
            path = [(round(x, 4), round(y, 4)) for x, y in path]
            b = box(path[-1][0], path[-1][1], d)
            if any(boxes_overlap(b, o) for o in obstacles):
                continue
            segs = list(zip(path, path[1:]))
            if any(boxes_overlap(_seg_box(p, q), o) for p, q in segs for o in obstacles if not _touches(o, (x0, y0))):
                continue
            if any(_on_path(k, segs) for k in points if k != _key(x0, y0)) or \
                    (len(path) > 1 and sh.through(_key(*path[-1]))):
                continue
            return path, d
        return [(x0, y0)], out

    # ------------------------------------------------------------ pins

    def cut(self, pin: Pin, sid: str, end) -> str | None:
        """Detach pin ``pin`` (its end ``end`` on sheet ``sid``) from what it touches: the
        wire from its end back to the first branch, labels, power symbols, a junction or a
        no-connect at its end, and the labels and power symbols at the wire's other end when
        nothing else meets there (a dead end: left, KiCad's ERC reports them unconnected).
        The reason when it cannot."""
        sh = self.sheet(sid)
        k = _key(end.x, end.y)
        if len(sh.pins.get(k, [])) > 1 or sh.others.get(k):
            return f"{pin[0]}.{pin[1]} touches another pin or a sheet pin"
        if sh.through(k):
            return f"{pin[0]}.{pin[1]} lies on the middle of a wire"
        at = sh.ends_at(k)
        if len(at) > 1:
            return f"{pin[0]}.{pin[1]} is a branch point of wires"
        for lb in sh.labels_at(k):
            self.doc.labels.remove(lb)
        for ps in sh.power_at(k):
            self.doc.power.remove(ps)
        self.doc.junctions = [j for j in self.doc.junctions if not (j.sheet == sid and _key(j.x, j.y) == k)]
        self.doc.noconnects = [n for n in self.doc.noconnects
                               if not (n.sheet == sid and n.x is not None and _key(n.x, n.y) == k)]
        self.touched()
        if at:
            to = self._walk(sh, k)
            if not sh.ends_at(to) and not sh.through(to) and not sh.pins.get(to) and not sh.others.get(to):
                for item in sh.labels_at(to) + sh.power_at(to):        # a dead end: its symbol goes too
                    (self.doc.labels if isinstance(item, Label) else self.doc.power).remove(item)
                self.touched()
        return None

    def _walk(self, sh: _Sheet, k: tuple[int, int]) -> tuple[int, int]:
        """Remove the wire from point ``k`` (one wire ends there) up to the first point where
        anything else connects (a branch, a pin, a label...); returns that point.  A junction
        left with fewer than three connections goes too."""
        at = sh.ends_at(k)
        while at:
            seg = at[0]
            a, b = _key(*seg.pts[0]), _key(*seg.pts[-1])
            far = b if a == k else a
            inner = sh.points_on(seg)          # a label, pin or wire end on its middle: cut up to it
            self.doc.wires.remove(seg)
            if inner:
                near = min(inner, key=lambda p: abs(p[0] - k[0]) + abs(p[1] - k[1]))
                self.doc.wires.append(Wire(seg.net, [_xy(near), _xy(far)],
                                           seg.sheet))
                self.touched()
                return near
            self.touched()
            k = far
            at = sh.ends_at(k)
            inner = sh.through(k)
            if len(at) == 1 and not inner and not sh.items_at(k):
                continue                       # a corner: the wire goes on
            if len(at) + 2 * len(inner) + sh.items_at(k) < 3:
                self.doc.junctions = [j for j in self.doc.junctions
                                      if not (j.sheet == sh.sid and _key(j.x, j.y) == k)]
                self.touched()
            break
        return k

    def tidy_stubs(self, ref: str) -> int:
        """Wires that end open on part ``ref``'s symbol (where the pins of the symbol it had
        were: a part given another symbol), removed back to the first branch; returns how
        many."""
        n = 0
        for c in self.doc.components:
            part = self.parts.get(c.ref)
            if c.ref != ref or part is None or c.x is None or c.y is None or c.sheet in self.shared:
                continue
            x0, y0, x1, y1 = sheet_bbox(part.symbol, c.x, c.y, c.a or 0.0, c.mirror, c.unit, c.style, with_pins=True)
            sh = self.sheet(c.sheet)
            for k in list(sh._idx()["ends"]):
                x, y = _xy(k)
                if x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5 and len(sh.ends_at(k)) == 1 \
                        and not sh.items_at(k) and not sh.through(k):
                    to = self._walk(sh, k)
                    n += 1
                    if not sh.ends_at(to) and not sh.through(to) and not sh.pins.get(to) and not sh.others.get(to):
                        for item in sh.labels_at(to) + sh.power_at(to):     # a dead end: its symbol goes too
                            (self.doc.labels if isinstance(item, Label) else self.doc.power).remove(item)
                        self.touched()
        return n

    def tidy_left(self, ref: str, rows: list, same_sheet: bool = False) -> int:
        """What a part laid out below the drawing left where it was drawn -- on another
        sheet (moved there), or, ``same_sheet``, its own (a pin that could not be cut): on
        the sheet where its pin ends (at its old coordinates) meet wires, labels or power
        symbols and no other part's pin, the wire from each such end is removed back to the
        first branch (labels and power symbols at the end moved there, so the net keeps its
        name), or, a dead end, removed with its labels and power symbols.  Returns the
        number of pin ends tidied."""
        part = self.parts.get(ref)
        if part is None:
            return 0
        own = {self.drawn_in.get(c.sheet, c.sheet) for c in rows}
        cands = own if same_sheet else set(self.drawn_in.values()) - own
        others = lambda sh, k: [p for p in sh.pins.get(k, []) if p[0] != ref]
        best, spots = None, []
        for sid in sorted(cands - self.shared):
            sh = self.sheet(sid)
            here = []
            for c in rows:
                for end in pin_ends(part.symbol.pins_for(c.unit, c.style), c.x, c.y, c.a or 0.0, c.mirror):
                    k = _key(end.x, end.y)
                    if not others(sh, k) and not sh.through(k) and not sh.others.get(k) and \
                            (sh.ends_at(k) or sh.labels_at(k) or sh.power_at(k)):
                        here.append(k)
            if len(here) > len(spots):
                best, spots = sid, here
        if best is None:
            return 0
        sh = self.sheet(best)
        for k in spots:
            decor = sh.labels_at(k) + sh.power_at(k)
            wires = len(sh.ends_at(k))
            if wires > 1:                      # wires meet there: they stay joined
                if wires + sh.items_at(k) - (len(sh.pins.get(k, [])) - len(others(sh, k))) < 3:
                    self.doc.junctions = [j for j in self.doc.junctions
                                          if not (j.sheet == best and _key(j.x, j.y) == k)]
                    self.touched()
                continue
            to = self._walk(sh, k) if wires else None
            dead = to is None or (not sh.ends_at(to) and not sh.through(to) and not others(sh, to)
                                  and not sh.others.get(to))
            if dead and to is not None:
                decor += sh.labels_at(to) + sh.power_at(to)
            for item in decor:
                rows_of = self.doc.labels if isinstance(item, Label) else self.doc.power
                rows_of.remove(item)
                if not dead:
                    rows_of.append(replace(item, x=_xy(to)[0], y=_xy(to)[1]))
            self.touched()
        return len(spots)

    def split(self, pin: Pin, net: str) -> bool:
        """Join ``pin`` to ``net`` when its end lies on the middle of a wire of that net (a
        swapped symbol's pin on the old one's wire): the wire is broken there, as KiCad
        does when a pin is placed on a wire."""
        where = self.ends.get(pin, [])
        if not where or where[0][0] in self.shared:
            return False
        sid, end = where[0]
        sh = self.sheet(sid)
        k = _key(end.x, end.y)
        on = [w for w in sh.through(k) if w.net == net]
        if not on or sh.ends_at(k):
            return False
        w = on[0]
        self.doc.wires.remove(w)
        self.doc.wires += [Wire(w.net, [w.pts[0], (end.x, end.y)], w.sheet),
                           Wire(w.net, [(end.x, end.y), w.pts[-1]], w.sheet)]
        self.touched()
        return True

    def join(self, pin: Pin, net: str, drawn_ok: dict[str, list[Pin]]) -> str | None:
        """Join ``pin`` to ``net`` by a label at its end (and, for an unnamed net, a global
        label of that name on one of the net's correctly drawn pins)."""
        where = self.ends.get(pin, [])
        if not where:
            return f"{pin[0]}.{pin[1]} is not drawn"
        sid, end = where[0]
        if not self.label(net, sid, end, pin):
            return f"{pin[0]}.{pin[1]} joins {net}, which is named on another sheet (KiCad joins sheets only " \
                "through sheet pins)" \
                if sid not in self.shared else f"{pin[0]}.{pin[1]} is on a sheet several instances share"
        if _AUTO.match(net) and net not in self.labelled:
            self.labelled.add(net)
            for other in drawn_ok.get(net, []):
                o_sid, o_end = self.ends[other][0]
                if self.label(net, o_sid, o_end, other, anchor=True):
                    break
        return None


def is_flag(ps: PowerSymbol) -> bool:
    """A ``power`` row that draws KiCad's PWR_FLAG (it names no net)."""
    return ps.lib.endswith(":PWR_FLAG") or (not ps.lib and ps.net == "PWR_FLAG")


def _flagged_nets(doc: Document, paths: dict[str, str]) -> set[str]:
    """The nets the labels and power symbols of ``doc`` drawn at a PWR_FLAG's point name:
    a local label's with its sheet's path (``paths``: sheet id -> path), as the document
    names the net (``/5V`` for the root sheet's label ``5V``)."""
    at = {(ps.sheet, _key(ps.x, ps.y)) for ps in doc.power if is_flag(ps)}
    return {paths.get(lb.sheet, "/") + net_text(lb.name) if lb.kind == "local" else lb.name
            for lb in doc.labels if (lb.sheet, _key(lb.x, lb.y)) in at} | \
        {ps.net for ps in doc.power if not is_flag(ps) and (ps.sheet, _key(ps.x, ps.y)) in at}


def flag_listed(doc: Document, parts: dict[str, PartSymbol], power, drawn_in: dict[str, str],
                want: dict[frozenset, str]) -> Amended | None:
    """PWR_FLAGs on the nets ``doc.pwrflags`` names that the drawing flags nowhere (a ``v1``
    document keeps the drawing but not its flags; docs/format.md, ``pwrflags``): each joined
    to the first drawn pin of its net (natural order; a sheet several instances share comes
    last) by a short wire.  ``want``: the document's nets (pins -> name).  None when every
    listed net is flagged (or none can be)."""
    r = _Round(doc, parts, power, drawn_in, {}, want)
    r.flags = True
    for net in doc.pwrflags:
        if net in r.flagged:
            continue
        pins = sorted((p for pins, name in want.items() if name == net for p in pins),
                      key=lambda p: (any(s in r.shared for s, _ in r.ends.get(p, [])), natural_key(p[0]),
                                     natural_key(p[1])))
        next((p for p in pins if r.flag_pin(net, p)), None)
    return Amended(r.doc, r.notes) if r.notes else None


def _power_angle(part: PartSymbol, d: tuple[int, int]) -> float:
    """The rotation that points a power symbol's body along ``d`` (away from its pin)."""
    best, score = 0.0, -1e9
    for r in (0.0, 90.0, 180.0, 270.0):
        x0, y0, x1, y1 = sheet_bbox(part.symbol, 0.0, 0.0, r, "", 1, 1, with_pins=False)
        s = ((x0 + x1) / 2) * d[0] + ((y0 + y1) / 2) * d[1]
        if s > score + 1e-6:
            best, score = r, s
    return best


def _seg_box(a, b, half: float = 0.1) -> tuple[float, float, float, float]:
    return (min(a[0], b[0]) - half, min(a[1], b[1]) - half, max(a[0], b[0]) + half, max(a[1], b[1]) + half)


def _touches(box, pt) -> bool:
    """``pt`` lies in ``box`` (grown by a little): the pin's own part, or the wire it ends on."""
    return box[0] - 0.3 <= pt[0] <= box[2] + 0.3 and box[1] - 0.3 <= pt[1] <= box[3] + 0.3


def _on_path(k: tuple[int, int], segs) -> bool:
    """Point ``k`` (a :func:`_key`) lies on one of the axis-parallel segments ``segs``."""
    x, y = _xy(k)
    for (x0, y0), (x1, y1) in segs:
        if min(x0, x1) - 0.005 <= x <= max(x0, x1) + 0.005 and min(y0, y1) - 0.005 <= y <= max(y0, y1) + 0.005:
            return True
    return False


#: How much of a drawing an edit may change: parts drawn apart from their nets, pins drawn
#: on other nets -- at least these numbers, else a fifth of the parts or pins.  More is no
#: edit (a drawing whose wires were dropped, another design's drawing): the decoder lays the
#: design out instead of scattering labels over a drawing that no longer means anything.
MOST_MOVED = 3
MOST_PINS = 8


def amend_drawing(doc: Document, parts: dict[str, PartSymbol], power, drawn_in: dict[str, str],
                  got: dict[frozenset, tuple[str, bool]], want: dict[frozenset, str],
                  first: bool, flags: bool = False) -> Amended | str:
    """One round of drawing changes that bring the drawn nets ``got`` (pins -> (name,
    named)) to the document's ``want`` (pins -> name).  ``drawn_in``: sheet id -> the
    sheet id whose rows draw its file (a file several instances use is drawn by its first,
    and its drawing is every instance's, so it is not changed).  ``first``: the first round,
    which also drops the position of parts that touch nothing on their sheet.  ``flags``:
    the document as written draws no PWR_FLAG (a ``v1`` or ``nets`` document does not carry
    them), so a power net named by a label here gets one where it needs it (:meth:`_Round._flag`).
    Returns the changed document, or the reason nothing can be done."""
    r = _Round(doc, parts, power, drawn_in, got, want)
    r.flags = flags
    shared = r.shared
    pin_want = {p: name for pins, name in want.items() for p in pins}
    want_of = {p: pins for pins in want for p in pins}
    got_of: dict[Pin, frozenset] = {p: pins for pins in got for p in pins}
    # parts moved to another sheet: drawn where nothing touches their pins
    if first:
        for ref in doc.refs():
            rows = [c for c in doc.components if c.ref == ref]
            netted = [(ref, n) for (rr, n) in pin_want if rr == ref]
            ends = [(drawn_in.get(s, s), e) for p in netted for s, e in r.ends.get(p, [])]
            if not netted or not ends or any(c.x is None for c in rows) or \
                    all(got_of.get(p) == want_of[p] for p in netted):
                continue
            if all(not r.sheet(s).ends_at(_key(e.x, e.y)) and not r.sheet(s).through(_key(e.x, e.y))
                   and r.sheet(s).items_at(_key(e.x, e.y)) <= 1 for s, e in ends):
                if any(c.sheet in shared for c in rows):
                    return f"{ref} is drawn apart from its nets on a sheet several instances share"
                r.unplaced.add(ref)
                if r.tidy_left(ref, rows):
                    r.notes.append(f"{ref}: the wires, labels and power symbols its pins had where it was "
                                   "drawn before removed")
        if len(r.unplaced) > max(MOST_MOVED, len(doc.refs()) // 5):
            return (f"{len(r.unplaced)} of {len(doc.refs())} parts are drawn apart from their nets, too many for "
                    "an edit of the drawing")
        if r.unplaced:
            r.doc.components = [replace(c, x=None, y=None, a=None) if c.ref in r.unplaced else c
                                for c in r.doc.components]
            return Amended(r.doc, r.notes, r.unplaced)
    # the document net each drawn net stands for: the one most of its pins are on
    image: dict[frozenset, str] = {}
    for pins, (gname, _named) in got.items():
        count: dict[str, int] = {}
        for p in pins:
            if p in pin_want:
                count[pin_want[p]] = count.get(pin_want[p], 0) + 1
        if count:
            image[pins] = max(count, key=lambda n: (count[n], n == gname, -len(n)))
    wrong: list[Pin] = []
    for p, net in sorted(pin_want.items()):
        g = got_of.get(p)
        if g is None:
            if len([q for q, n in pin_want.items() if n == net]) > 1 or not _AUTO.match(net):
                wrong.append(p)
        elif image.get(g) != net:
            wrong.append(p)
    for p, g in sorted(got_of.items()):
        if p not in pin_want and len(g) > 1:
            wrong.append(p)                   # the document connects it to nothing
    if len(wrong) > max(MOST_PINS, len(pin_want) // 5):
        return f"{len(wrong)} of {len(pin_want)} pins are drawn on other nets, too many for an edit of the drawing"
    if wrong:
        drawn_ok: dict[str, list[Pin]] = {}
        for p, net in sorted(pin_want.items()):
            if p not in wrong and p in got_of and image.get(got_of[p]) == net:
                drawn_ok.setdefault(net, []).append(p)
        for p in wrong:                        # cut what is drawn wrong
            where = r.ends.get(p, [])
            if not where:
                return f"{p[0]}.{p[1]} is not drawn"
            sid, end = where[0]
            if sid in shared:
                return f"{p[0]}.{p[1]} is on a sheet several instances share (its drawing is every instance's)"
            if p[0] not in r.unplaced and p in got_of:
                why = r.cut(p, sid, end)
                if why:                        # the part is laid out below the drawing instead
                    r.unplaced.add(p[0])
                    r.notes.append(f"{p[0]} moved below the drawing: {why}")
                    r.tidy_left(p[0], [c for c in doc.components if c.ref == p[0]], same_sheet=True)
                elif p not in pin_want:
                    r.notes.append(f"{p[0]}.{p[1]} cut from its wire (the document connects it to nothing)")
        joined = {p for p in wrong if p in pin_want and p[0] not in r.unplaced and r.split(p, pin_want[p])}
        for ref in sorted({p[0] for p in wrong} - r.unplaced):
            if r.tidy_stubs(ref):
                r.notes.append(f"{ref}: wires left open where its pins no longer are removed")
        for p in wrong:                        # join what the document connects
            if p not in pin_want or p[0] in r.unplaced:
                continue
            if p in joined:
                how = "to the wire it lies on (broken at its end)"
            else:
                why = r.join(p, pin_want[p], drawn_ok)
                if why:
                    return why
                how = "by a label"
            r.notes.append(f"{p[0]}.{p[1]} joined to {pin_want[p]} {how}" + (" (its wire cut)" if p in got_of else ""))
        if r.unplaced:
            r.doc.components = [replace(c, x=None, y=None, a=None) if c.ref in r.unplaced else c
                                for c in r.doc.components]
        return Amended(r.doc, r.notes, r.unplaced)
    # the pins are right: the names
    for pins, name in sorted(want.items(), key=lambda kv: kv[1]):
        if pins not in got:
            # drawn in pieces, each pin where it belongs (a part laid out below the drawing,
            # joined by name to a net the drawing leaves unnamed): the unnamed pieces get the name
            for gpins, (_gname, named) in sorted(got.items(), key=lambda kv: sorted(kv[0])):
                if not named and not _AUTO.match(name) and gpins <= pins and image.get(gpins) == name:
                    why = r.name(gpins, name)
                    if why:
                        return why
            continue
        gname, named = got[pins]
        if named and gname != name and not _AUTO.match(name):
            why = r.rename(gname, name)
        elif not named and not _AUTO.match(name):
            why = r.name(pins, name)
        else:
            continue
        if why:
            return why
    if not r.notes:
        return "no change of the drawing gives the document's nets"
    return Amended(r.doc, r.notes)
