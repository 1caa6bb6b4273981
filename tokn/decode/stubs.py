"""Connecting a pin to a named net without wires to other parts: a short stub wire from
the pin end with a global label, or a power symbol, at its end.  Also used to size the
room a placed part needs around it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..kicad.geometry import orientation, place
from ..kicad.symbols import LibPin

STUB = 2.54
CHAR_W = 1.05            # approximate width of a 1.27 mm font character, mm
POWER_SIZE = 5.08

_POWER_NAME = re.compile(
    r"^(?:[AD]?GND[A-Z0-9_]*|GND|VSS[A-Z0-9_]*|VDD[A-Z0-9_]*|VCC[A-Z0-9_]*|VEE|VBUS|VBAT|VIN|"
    r"[+-]\d+(?:[.V]\d*)?V?\d*[A-Z0-9_]*|\d+V\d*)$", re.I)
_GROUND = re.compile(r"GND|VSS|VEE|^-", re.I)


def is_power_net(name: str) -> bool:
    """Nets drawn with power symbols: GND*, VCC*, VDD*, +5V, -12V, 3V3, VBUS, ..."""
    return bool(_POWER_NAME.match(name))


def is_ground(name: str) -> bool:
    return bool(_GROUND.search(name))


@dataclass
class PinEnd:
    pin: LibPin
    x: float                  # connection point, sheet coordinates
    y: float
    dx: float                 # unit vector pointing away from the body
    dy: float

    @property
    def side(self) -> str:
        if abs(self.dx) >= abs(self.dy):
            return "right" if self.dx > 0 else "left"
        return "down" if self.dy > 0 else "up"


def pin_ends(pins: list[LibPin], x: float, y: float, angle: float, mirror: str) -> list[PinEnd]:
    """Sheet positions and outward directions of ``pins`` of a symbol placed at (x, y)."""
    m = orientation(angle, mirror)
    out = []
    for p in pins:
        px, py = place(x, y, m, p.x, p.y)
        a = math.radians(p.angle)
        ix, iy = round(math.cos(a)), round(math.sin(a))       # towards the body, library axes
        a_, b_, c_, d_ = m
        bx, by = a_ * ix + b_ * iy, c_ * ix + d_ * iy          # towards the body, sheet axes
        out.append(PinEnd(p, px, py, -bx, -by))
    return out


def label_angle(end: PinEnd) -> float:
    """Label angle so its text runs away from the part."""
    return {"right": 0.0, "up": 90.0, "left": 180.0, "down": 270.0}[end.side]


def decor_length(net: str, power: bool) -> float:
    """Room a stub plus its label/power symbol needs beyond the pin end."""
    if power:
        return STUB + POWER_SIZE
    return STUB + 2.0 + len(net) * CHAR_W


def power_rotation(body_dx: float, body_dy: float, want_dx: float, want_dy: float) -> float:
    """Rotation (0/90/180/270) turning a power symbol whose body lies in direction
    (body_dx, body_dy) at rotation 0 so that it points along (want_dx, want_dy)."""
    best, best_dot = 0.0, -1e9
    for r in (0, 90, 180, 270):
        a, b, c, d = orientation(r)
        # body direction is given in sheet axes at rotation 0; convert through the
        # rotation-0 matrix (which only flips y) and back
        lx, ly = body_dx, -body_dy
        sx, sy = a * lx + b * ly, c * lx + d * ly
        dot = sx * want_dx + sy * want_dy
        if dot > best_dot:
            best, best_dot = float(r), dot
    return best
