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


#: Pins whose ends face each other 5.08 mm apart (Device:R_Potentiometer_Dual's pins 3 and 4,
#: between its two tracks), both on nets that need a name: the first name's stub took the
#: column half-way between them and the second found no room even as a last resort --
#: "ClusterFailed: ('RV1/1', '4'): no room for the name of GND (internal error, please
#: report)" on an unseen headphone amplifier (57maker/headphone_amplifier_v0) at --detail nets.
FACING = """# TOKN v1
title: dual pot

components[2]{ref,type,value,fp,x,y,w,h,a}:
  RV1,R_Potentiometer_Dual,10k,,,,,,
  J1,Conn_01x03,Conn_01x03,,,,,,

nets[2]{name,pins}:
  %s,"RV1.4,J1.2"
  N6,"J1.3,RV1.3"
"""


@pytest.mark.parametrize("net", ["GND", "VX"])
def test_names_for_pins_that_face_each_other(net, symbol_index, tmp_path):
    from tokn.encode import encode_design
    doc = parse_tokn(FACING % net)
    out = tmp_path / "facing.kicad_sch"
    decode(doc, symbol_index, project="facing").write(str(out))
    again = encode_design(str(out)).document
    assert {frozenset(p) for _n, p in again.net_pins() if len(p) > 1} == \
        {frozenset(p) for _n, p in doc.net_pins() if len(p) > 1}
