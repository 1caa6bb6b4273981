"""The grid layout for documents without a drawing: nothing overlaps.

Boxes compared: each symbol's body with its pins, each visible field's text, each label's
text and each power symbol -- taken from the decoded file itself, so this checks what KiCad
will draw.  Text size is estimated from the font size (KiCad's default font is narrower
than the estimate, so the check errs on the strict side).
"""
from __future__ import annotations

import glob
import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn
from tokn.kicad.bbox import sheet_bbox
from tokn.kicad.hierarchy import load_design
from tokn.sexpr import child, children, number, parse, text

from .conftest import ANCHOR

CHAR = 1.0          # mm per character at 1.27 mm font (estimate)
HERE = os.path.dirname(__file__)
DOCS = sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "output.tokn"))) + \
    [os.path.join(HERE, "..", "examples", "regulator.tokn")]


def _text_box(s: str, x: float, y: float, angle: float, justify: str) -> tuple:
    w, h = len(s) * CHAR, 1.27
    if int(angle) % 180 == 90:
        w, h = h, w
        y0 = y - h / 2 if justify == "center" else (y - h if justify in ("left", "end") else y)
        return (x - w / 2, y0, x + w / 2, y0 + h)
    x0 = x - w / 2 if justify == "center" else (x if justify == "left" else x - w)
    return (x0, y - h / 2, x0 + w, y + h / 2)


def _boxes(path: str) -> list[tuple[str, tuple]]:
    design = load_design(path)
    sch = design.root
    with open(path, encoding="utf-8") as f:
        tree = parse(f.read())[0]
    out = []
    for sym, node in zip(sch.symbols, children(tree, "symbol")):
        lib = sch.lib_symbols[sym.embedded_name]
        box = sheet_bbox(lib, sym.x, sym.y, sym.angle, sym.mirror, sym.unit, sym.style, with_pins=True)
        out.append((f"symbol {sym.properties.get('Reference')}", box))
        for prop in children(node, "property"):
            eff = child(prop, "effects")
            if eff is not None and child(eff, "hide") is not None:
                continue
            at = child(prop, "at")
            value = text(prop[2])
            # KiCad swaps horizontal/vertical field text on symbols turned by 90/270
            drawn = (number(at[3]) + (90 if int(sym.angle) % 180 == 90 else 0)) % 180
            if value:
                out.append((f"field {text(prop[1])}={value}",
                            _text_box(value, number(at[1]), number(at[2]), drawn, "center")))
    for lb in sch.labels:
        just = "left" if lb.angle in (0, 90) else "right"
        tx = lb.x + (1.0 if lb.angle == 0 else -1.0 if lb.angle == 180 else 0)
        ty = lb.y + (-1.0 if lb.angle == 90 else 1.0 if lb.angle == 270 else 0)
        box = _text_box(lb.name, tx, ty, lb.angle, "end" if lb.angle == 90 else just)
        out.append((f"label {lb.name}", box))
    return out


def _overlap(a, b, eps=0.15) -> bool:
    return a[0] + eps < b[2] and b[0] + eps < a[2] and a[1] + eps < b[3] and b[1] + eps < a[3]


@pytest.mark.parametrize("path", DOCS, ids=[os.path.basename(os.path.dirname(p)) or p for p in DOCS])
def test_laid_out_sheet_has_no_overlaps(path, symbol_index, tmp_path):
    with open(path, encoding="utf-8") as f:
        doc = parse_tokn(f.read(), path)
    out = tmp_path / "layout.kicad_sch"
    decode(doc, symbol_index, project="layout", layout="grid").write(str(out))
    boxes = _boxes(str(out))
    clashes = [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _overlap(a[1], b[1])]
    assert not clashes, clashes[:10]
