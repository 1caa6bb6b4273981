"""Document transforms that keep less: ``reduce_detail`` and ``compact_document``."""
from __future__ import annotations

import pytest

from tokn.doc import Component, Document, Label, Net, PinDef, Wire, parse_tokn, write_tokn
from tokn.doc.reduce import compact_document, is_trivial_pin_name, reduce_detail


def _doc() -> Document:
    return Document(
        title="Demo",
        components=[Component("C1", "C", "100n", "Capacitor_SMD:C_0603", x=10, y=20, a=0, lib="Device"),
                    Component("U1", "TL072", "TL072", x=50, y=60, lib="Amplifier_Operational", unit=1),
                    Component("U1", "TL072", "TL072", x=50, y=90, lib="Amplifier_Operational", unit=2,
                              mirror="x", dnp=True)],
        pins={"U1": [PinDef("1", "~"), PinDef("2", "-"), PinDef("3", "+", "input"), PinDef("4", "Pin_4")],
              "C1": [PinDef("1", "1"), PinDef("2", "P2")]},
        nets=[Net("GND", ["C1.2", "U1.4"]), Net("N4", ["U1.8"]), Net("/SDA", ["U1.5", "U1.6"]),
              Net("N9", ["U1.3", "C1.1"]), Net("/GND", ["U1.7", "U1.9"])],
        wires=[Wire("GND", [(1, 2), (3, 4)])],
        labels=[Label("SDA", x=1, y=2)])


@pytest.mark.parametrize("number,name,trivial", [
    ("1", "", True), ("1", "~", True), ("1", "1", True), ("1", "Pin_1", True), ("1", "P1", True),
    ("1", "Pin1", True), ("1", "Pin_2", False), ("A1", "GND", False), ("2", "-", False)])
def test_trivial_pin_names(number, name, trivial):
    assert is_trivial_pin_name(number, name) is trivial


def test_compact_defaults():
    src = _doc()
    small = compact_document(src)
    assert src == _doc(), "the input is not changed"
    assert [(c.ref, c.lib, c.unit, c.x, c.mirror, c.dnp) for c in small.components] == [
        ("C1", "", 1, None, "", False), ("U1", "", 1, None, "", False)]
    assert small.pins == {"U1": [PinDef("2", "-"), PinDef("3", "+", "input")]}   # C1's table empty: gone
    assert [(n.name, n.pins) for n in small.nets] == [
        ("GND", ["C1.2", "U1.4"]), ("SDA", ["U1.5", "U1.6"]), ("N1", ["U1.3", "C1.1"]),
        ("/GND", ["U1.7", "U1.9"])]                     # "/GND" would clash with GND: kept
    assert not small.wires and not small.labels and small.title == "Demo"


@pytest.mark.parametrize("options,check", [
    ({"keep_fp": False}, lambda d: all(c.fp == "" for c in d.components)),
    ({"keep_lib": True}, lambda d: [c.lib for c in d.components] == ["Device", "Amplifier_Operational"]),
    ({"collapse_units": False}, lambda d: [(c.ref, c.unit) for c in d.components] == [
        ("C1", 1), ("U1", 1), ("U1", 2)]),
    ({"drop_unconnected": False}, lambda d: [n.name for n in d.nets][:3] == ["GND", "N1", "SDA"]),
    ({"drop_trivial_pins": False}, lambda d: [p.name for p in d.pins["C1"]] == ["1", "P2"]),
    ({"flatten_names": False}, lambda d: "/SDA" in [n.name for n in d.nets]),
    ({"title": "  Short \n title "}, lambda d: d.title == "Short title"),
])
def test_compact_options(options, check):
    assert check(compact_document(_doc(), **options))


def test_compact_text_has_no_drawing_and_parses():
    text = write_tokn(compact_document(_doc()), compact=True)
    assert "components[2]{ref,type,value,fp}:" in text
    assert "wires" not in text and "labels" not in text and "extensions" not in text
    assert parse_tokn(text) == compact_document(_doc())


@pytest.mark.parametrize("detail,kept_wires,kept_xy,kept_labels", [
    ("full", True, True, True), ("v1", True, True, False), ("nets", False, False, False)])
def test_reduce_detail(detail, kept_wires, kept_xy, kept_labels):
    doc = _doc()
    reduce_detail(doc, detail)
    assert bool(doc.wires) is kept_wires
    assert (doc.components[0].x is not None) is kept_xy
    assert bool(doc.labels) is kept_labels
