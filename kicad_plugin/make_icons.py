#!/usr/bin/env python3
"""Draw the plugin's icons as PNG files (no imaging library needed).

usage: python make_icons.py [OUT_DIR]      (default: this folder)

Writes icon-light-24/48.png and icon-dark-24/48.png (toolbar, plugin.json) and
icon-64.png (the Plugin and Content Manager's package icon).  The design: a chip with a
spark on a rounded teal square.  The teal interior is one flat colour (TEAL_LIGHT), which
the end-to-end test looks for on screen to find the button.
"""
from __future__ import annotations

import os
import struct
import sys
import zlib

TEAL_LIGHT = (18, 165, 143)
TEAL_DARK = (43, 196, 169)
WHITE = (255, 255, 255)
SS = 4                      # supersampling per axis


def _inside_rounded(x: float, y: float, r: float) -> bool:
    """Unit square [0,1]^2 with corner radius r."""
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and 0 <= x <= 1 and 0 <= y <= 1


def _in_rect(x: float, y: float, x0: float, y0: float, x1: float, y1: float) -> bool:
    return x0 <= x <= x1 and y0 <= y <= y1


def _glyph(x: float, y: float) -> bool:
    """White parts: an IC body with three pins per side, and a four-point spark."""
    body = _in_rect(x, y, 0.22, 0.30, 0.58, 0.80) and not _in_rect(x, y, 0.29, 0.37, 0.51, 0.73)
    pins = any(_in_rect(x, y, x0, py - 0.03, x0 + 0.10, py + 0.03)
               for py in (0.42, 0.55, 0.68) for x0 in (0.12, 0.58))
    sx, sy = x - 0.74, y - 0.28         # spark centre
    spark = abs(sx) ** 0.5 + abs(sy) ** 0.5 <= 0.44
    return body or pins or spark


def pixels(size: int, bg: tuple[int, int, int]) -> list[list[tuple[int, int, int, int]]]:
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SS):
                for sx in range(SS):
                    x = (px + (sx + 0.5) / SS) / size
                    y = (py + (sy + 0.5) / SS) / size
                    if not _inside_rounded(x, y, 0.18):
                        continue
                    c = WHITE if _glyph(x, y) else bg
                    acc[0] += c[0]
                    acc[1] += c[1]
                    acc[2] += c[2]
                    acc[3] += 255
            n = SS * SS
            a = acc[3] / n
            if a == 0:
                row.append((0, 0, 0, 0))
            else:
                cov = acc[3] / 255
                row.append((round(acc[0] / cov), round(acc[1] / cov), round(acc[2] / cov), round(a)))
        rows.append(row)
    return rows


def write_png(path: str, rows: list[list[tuple[int, int, int, int]]]) -> None:
    h, w = len(rows), len(rows[0])
    raw = b"".join(b"\0" + b"".join(bytes(p) for p in row) for row in rows)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)


def main(out: str) -> list[str]:
    os.makedirs(out, exist_ok=True)
    written = []
    for name, size, bg in (("icon-light-24.png", 24, TEAL_LIGHT), ("icon-light-48.png", 48, TEAL_LIGHT),
                           ("icon-dark-24.png", 24, TEAL_DARK), ("icon-dark-48.png", 48, TEAL_DARK),
                           ("icon-64.png", 64, TEAL_LIGHT)):
        path = os.path.join(out, name)
        write_png(path, pixels(size, bg))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))):
        print(p)
