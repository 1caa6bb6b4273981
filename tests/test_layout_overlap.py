"""The layout for documents without a drawing: nothing overlaps, no wire crosses another.

Boxes compared (tokn.kicad.drawcheck): each symbol's body with its pins, each visible
field's text, each label with its outline -- taken from the decoded file itself, so this
checks what KiCad will draw.  Text width is KiCad's font for capitals (1.27 mm a character).
"""
from __future__ import annotations

import glob
import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn
from tokn.kicad import drawcheck

from .conftest import ANCHOR

HERE = os.path.dirname(__file__)
FEWSHOT = sorted(glob.glob(os.path.join(HERE, "..", "tokn", "data", "fewshot", "*.tokn")))
DOCS = sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "output.tokn"))) + \
    [os.path.join(HERE, "..", "examples", "regulator.tokn")] + FEWSHOT


def _name(p: str) -> str:
    base = os.path.basename(p)
    return os.path.basename(os.path.dirname(p)) if base == "output.tokn" else os.path.splitext(base)[0]


def laid_out(path: str, symbol_index, tmp_path) -> str:
    with open(path, encoding="utf-8") as f:
        doc = parse_tokn(f.read(), path)
    out = tmp_path / "layout.kicad_sch"
    decode(doc, symbol_index, project="layout", layout="grid").write(str(out))
    return str(out)


@pytest.mark.parametrize("path", DOCS, ids=[_name(p) for p in DOCS])
def test_laid_out_sheet_has_no_overlaps_or_crossings(path, symbol_index, tmp_path):
    sch, tree = drawcheck.load_sheet(laid_out(path, symbol_index, tmp_path))
    clashes = drawcheck.overlaps(drawcheck.item_boxes(sch, tree))
    assert not clashes, clashes[:10]
    assert drawcheck.wire_crossings(sch) == 0


def test_overlap_check_sees_touching_labels():
    """Two global labels on neighbouring pins 2.54 mm apart do not touch; 1.27 mm apart they do
    (the check is not vacuous)."""
    a = ("label A", drawcheck.label_box("global", "VERY_LONG", 10, 10, 0))
    b = ("label B", drawcheck.label_box("global", "VERY_LONG", 10, 12.54, 0))
    c = ("label C", drawcheck.label_box("global", "VERY_LONG", 10, 11.27, 0))
    assert drawcheck.overlaps([a, b]) == []
    assert drawcheck.overlaps([a, c]) == [("label A", "label C")]
