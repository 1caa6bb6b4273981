"""Coordinates and placement transforms.

KiCad schematic coordinates are millimetres with y pointing down; library symbol
coordinates have y pointing up.  Connectivity is decided on KiCad's internal grid
(1 IU = 100 nm), so points are compared as integers of 1e-4 mm (:func:`iu`).
"""
from __future__ import annotations

IU_PER_MM = 10000

# Orientation matrices (a, b, c, d): sheet_dx = a*lx + b*ly ; sheet_dy = c*lx + d*ly,
# where (lx, ly) is a library offset (y up).  Rotation is counter-clockwise on screen.
_ROT = {
    0: (1, 0, 0, -1),
    90: (0, -1, -1, 0),
    180: (-1, 0, 0, 1),
    270: (0, 1, 1, 0),
}


def iu(v: float) -> int:
    """Millimetres -> integer internal units (rounded half away from zero)."""
    x = v * IU_PER_MM
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def orientation(angle: float, mirror: str = "") -> tuple[int, int, int, int]:
    """Matrix mapping library offsets to sheet offsets for a placed symbol.

    ``angle`` is the symbol rotation in degrees (multiple of 90), ``mirror`` is "", "x"
    (mirror about the X axis: vertical flip) or "y" (horizontal flip).  KiCad applies the
    rotation first, then the mirror.
    """
    a, b, c, d = _ROT[int(round(angle)) % 360]
    if mirror == "x":
        c, d = -c, -d
    elif mirror == "y":
        a, b = -a, -b
    return a, b, c, d


def place(at_x: float, at_y: float, m: tuple[int, int, int, int], lx: float, ly: float) -> tuple[float, float]:
    """Sheet position of library point (lx, ly) for a symbol at (at_x, at_y) with matrix m."""
    a, b, c, d = m
    return at_x + a * lx + b * ly, at_y + c * lx + d * ly
