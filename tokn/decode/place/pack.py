"""Arranging cluster drawings on the sheet: shelves (rows) of clusters in plan order,
the row width chosen so the whole is roughly as wide as a landscape page is to its
height."""
from __future__ import annotations

import math

from .occupancy import Box

GAP = 5.08
GRID = 1.27


def _snap(v: float) -> float:
    return round(v / GRID) * GRID


def pack(boxes: list[Box], origin: tuple[float, float]) -> list[tuple[float, float]]:
    """Offsets (on the grid) that move each box into its place; boxes keep their order."""
    if not boxes:
        return []
    area = sum((b[2] - b[0] + GAP) * (b[3] - b[1] + GAP) for b in boxes)
    widest = max(b[2] - b[0] for b in boxes)
    row_w = max(widest, math.sqrt(area * 1.5))
    x0, y0 = origin
    cx, cy, row_h = x0, y0, 0.0
    out = []
    for b in boxes:
        w, h = b[2] - b[0], b[3] - b[1]
        if cx > x0 and cx + w > x0 + row_w:
            cx, cy, row_h = x0, cy + row_h + GAP, 0.0
        out.append((_snap(cx - b[0] + GRID), _snap(cy - b[1] + GRID)))
        cx += w + GAP + 2 * GRID
        row_h = max(row_h, h + 2 * GRID)
    return out
