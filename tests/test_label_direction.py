"""A label's direction is its angle's axis and its justification, as KiCad reads it.

KiCad keeps a label's direction (its spin style) as a horizontal or vertical text angle and
a justification: right-justified text runs left of the anchor (180) or down (270), any other
right (0) or up (90).  Files mostly write the two consistently, but KiCad 9's rectifier demo
has a label at angle 0 justified right, which KiCad 9 and 10 draw as one at 180 and KiCad
10 saves at 180.  The fixture (``scripts/make_label_spin_fixture.py``) holds every kind of
label at each right angle with each justification; KiCad 10's ``sch upgrade`` of it,
stored beside it, says which angle KiCad gives each.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import Component, parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad.schematic import label_angle, load_schematic
from tokn.sexpr import child, parse

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "labels")
FIXTURE = os.path.join(HERE, "label_spin.kicad_sch")
UPGRADED = os.path.join(HERE, "label_spin.k10up.kicad_sch")
_HEADS = ("label", "global_label", "hierarchical_label", "netclass_flag")


def _written_angles(path: str) -> dict[tuple[float, float], float]:
    """{anchor: angle as written} of every label in ``path``."""
    with open(path, encoding="utf-8") as f:
        root = parse(f.read())[0]
    out = {}
    for node in root:
        if type(node) is list and node[0] in _HEADS:
            at = child(node, "at")
            out[(float(at[1]), float(at[2]))] = float(at[3])
    return out


KICAD10 = _written_angles(UPGRADED)


def test_the_fixture_holds_labels_whose_angle_kicad_changes():
    written = _written_angles(FIXTURE)
    assert written.keys() == KICAD10.keys() and len(written) == 80
    changed = [xy for xy in written if written[xy] != KICAD10[xy]]
    # per kind: 0 and 90 justified right (2 each), 180 and 270 not (3 each)
    assert len(changed) == 40


@pytest.mark.parametrize("lean", [False, True], ids=["full-reader", "lean-reader"])
@pytest.mark.parametrize("path", [FIXTURE, UPGRADED], ids=["kicad8-format", "kicad10-resave"])
def test_label_angles_are_kicads(path, lean):
    labels = load_schematic(path, lean=lean).labels
    assert {(lb.x, lb.y): lb.angle for lb in labels} == KICAD10


@pytest.mark.parametrize("angle, justify, want", [
    (0, "", 0), (0, "left", 0), (0, "right", 180), (0, "right bottom", 180),
    (180, "", 0), (180, "left bottom", 0), (180, "right", 180),
    (90, "", 90), (90, "right", 270), (270, "", 90), (270, "right", 270),
    (-90, "right", 270), (360, "", 0),     # forms KiCad refuses, read by their turn
    (45, "right", 45),                     # no right angle: as written
])
def test_label_angle(angle, justify, want):
    effects = ["effects", ["font", ["size", "1.27", "1.27"]]] + ([["justify", *justify.split()]] if justify else [])
    assert label_angle(float(angle), ["label", '"A"', ["at", "0", "0", str(angle)], effects]) == want


def test_a_round_trip_draws_each_label_as_kicad_does(symbol_index, tmp_path):
    doc = encode_design(FIXTURE).document
    assert {(lb.x, lb.y): float(lb.a) for lb in doc.labels} | {(d.x, d.y): float(d.a) for d in doc.directives} \
        == KICAD10
    # a part, so that the decoder draws the document as drawn (it lays out one without)
    doc.components.append(Component("R1", "R", "10k", x=400.05, y=200.66, a=0, lib="Device"))
    decoded = decode(parse_tokn(write_tokn(doc)), symbol_index, project="label_spin")
    out = tmp_path / "label_spin.kicad_sch"
    assert decoded.mode == "as-drawn"
    decoded.write(str(out))
    assert _written_angles(str(out)) == KICAD10
    assert {(lb.x, lb.y): lb.angle for lb in load_schematic(str(out)).labels} == KICAD10
