"""Bounding boxes of library symbols (body graphics and pins), in library coordinates.

Library coordinates have y pointing up.  :func:`sheet_bbox` converts to a placed symbol's
sheet-coordinate box.
"""
from __future__ import annotations

import math
import re

from ..sexpr import child, children, number, text
from .geometry import orientation, place
from .symbols import LibSymbol

Box = tuple[float, float, float, float]          # xmin, ymin, xmax, ymax

_UNIT = re.compile(r"_(\d+)_(\d+)$")


def _grow(box: Box | None, x: float, y: float) -> Box:
    if box is None:
        return (x, y, x, y)
    return (min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y))


def _graphic_points(node: list):
    head = node[0]
    if head == "rectangle":
        for k in ("start", "end"):
            c = child(node, k)
            if c is not None:
                yield number(c[1]), number(c[2])
    elif head in ("polyline", "bezier"):
        pts = child(node, "pts")
        for p in children(pts, "xy") if pts else ():
            yield number(p[1]), number(p[2])
    elif head == "circle":
        c = child(node, "center")
        r = child(node, "radius")
        if c is not None and r is not None:
            cx, cy, rr = number(c[1]), number(c[2]), number(r[1])
            yield cx - rr, cy - rr
            yield cx + rr, cy + rr
    elif head == "arc":
        for k in ("start", "mid", "end"):
            c = child(node, k)
            if c is not None:
                yield number(c[1]), number(c[2])


def body_bbox(lib: LibSymbol, unit: int = 1, style: int = 1, with_pins: bool = True) -> Box:
    """Box around the graphics and pins drawn by ``unit``/``style`` (library coordinates)."""
    box: Box | None = None
    node = lib.node
    if node is not None:
        for sub in children(node, "symbol"):
            m = _UNIT.search(text(sub[1]))
            u, s = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
            if u not in (0, unit) or s not in (0, style):
                continue
            for g in sub:
                if type(g) is str or g[0] == "pin":
                    continue
                for (x, y) in _graphic_points(g):
                    box = _grow(box, x, y)
    if with_pins:
        for p in lib.pins_for(unit, style):
            box = _grow(box, p.x, p.y)
            a = math.radians(p.angle)
            box = _grow(box, p.x + p.length * math.cos(a), p.y + p.length * math.sin(a))
    return box or (-1.27, -1.27, 1.27, 1.27)


def sheet_bbox(lib: LibSymbol, x: float, y: float, angle: float, mirror: str = "",
               unit: int = 1, style: int = 1, with_pins: bool = True) -> Box:
    """The symbol's box in sheet coordinates once placed at (x, y, angle, mirror)."""
    x0, y0, x1, y1 = body_bbox(lib, unit, style, with_pins)
    m = orientation(angle, mirror)
    pts = [place(x, y, m, px, py) for px, py in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def overlaps(a: Box, b: Box, margin: float = 0.0) -> bool:
    return a[0] < b[2] + margin and b[0] < a[2] + margin and a[1] < b[3] + margin and b[1] < a[3] + margin
