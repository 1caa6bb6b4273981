"""A pin number that several pins of a symbol share, under different names: the name of the
pin KiCad keeps first (unit, body style, then leftmost, then topmost), whatever the file's
order.

Found on anavi-fixed-power-delivery, whose DMP3013SFV has pins 2 and 3 both as a visible
input named ``2``/``3`` and as a hidden ``S`` left of it: the pin table said ``2``, ``3``,
and after KiCad 10's re-save (which writes the ``S`` pins first) ``S``.  The fixture
(``scripts/make_rule_fixtures.py dup_pin_number_names``) has five symbols with two pins
numbered 2; KiCad 9's and 10's netlists, stored beside it, name pin 2 in their ``libparts``.
"""
from __future__ import annotations

import itertools
import os

import pytest

from tokn.encode import encode_design
from tokn.kicad.symbols import LibPin, LibSymbol, pins_by_number
from tokn.sexpr import child, children, first_value, parse, text

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity")
FIXTURE = os.path.join(HERE, "dup_pin_number_names.kicad_sch")


def _libpart_names(net_path: str) -> dict[str, str]:
    """{part: the name KiCad's netlist gives its pin 2}."""
    with open(net_path, encoding="utf-8") as f:
        tree = parse(f.read())[0]
    out = {}
    for lp in children(child(tree, "libparts"), "libpart"):
        for pin in children(child(lp, "pins"), "pin"):
            if first_value(pin, "num") == "2":
                out[first_value(lp, "part")] = first_value(pin, "name")
    return out


@pytest.mark.parametrize("netlist", ["dup_pin_number_names.net", "dup_pin_number_names.k10.net"])
def test_pin_tables_name_a_shared_number_as_kicad_does(netlist):
    theirs = _libpart_names(os.path.join(HERE, netlist))
    assert theirs == {"XB5_A0": "A", "XA5_B0": "B", "YBp_Am": "B", "YAp_Bm": "A", "YBm_Ap": "A"}
    doc = encode_design(FIXTURE, kicad=10 if ".k10." in netlist else 9).document
    types = {c.ref: c.type for c in doc.components}
    ours = {types[ref]: next(p.name for p in rows if p.number == "2") for ref, rows in doc.pins.items()}
    assert ours == theirs


def _pin(number: str, name: str, x: float, y: float, unit: int = 1, style: int = 1) -> LibPin:
    return LibPin(number=number, name=name, type="passive", x=x, y=y, angle=0.0, length=2.54, unit=unit,
                  style=style, hidden=False, alternates={})


# the DMP3013SFV of anavi-fixed-power-delivery, pins 2 and 3
DMP3013SFV = [_pin("1", "S", 2.54, -5.08), _pin("2", "2", 5.08, -5.08), _pin("2", "S", 2.54, -5.08),
              _pin("3", "3", 7.62, -5.08), _pin("3", "S", 2.54, -5.08), _pin("4", "G", -5.08, 0),
              _pin("5", "D", 2.54, 5.08)]


@pytest.mark.parametrize("order", list(itertools.permutations(range(1, 5))))
def test_the_choice_does_not_depend_on_the_file_order(order):
    pins = [DMP3013SFV[0], *(DMP3013SFV[i] for i in order), *DMP3013SFV[5:]]
    chosen = pins_by_number(LibSymbol(name="DMP3013SFV", pins=pins))
    assert {n: p.name for n, p in chosen.items()} == {"1": "S", "2": "S", "3": "S", "4": "G", "5": "D"}


@pytest.mark.parametrize("pins, style, want", [
    # a common pin (unit 0) before a unit's own, unit 1 before unit 2, whatever the position
    ([_pin("7", "B", 0, 0, unit=1), _pin("7", "A", 9, 9, unit=0)], 1, "A"),
    ([_pin("7", "B", 0, 0, unit=2), _pin("7", "A", 9, 9, unit=1)], 1, "A"),
    # the other body style's pins are not the part's
    ([_pin("7", "B", 0, 0, style=2), _pin("7", "A", 9, 9, style=1)], 1, "A"),
    ([_pin("7", "B", 0, 0, style=2), _pin("7", "A", 9, 9, style=1)], 2, "B"),
])
def test_units_and_body_styles_come_first(pins, style, want):
    assert pins_by_number(LibSymbol(name="X", pins=pins), style)["7"].name == want


def test_the_fixture_writes_the_pins_in_both_orders():
    with open(FIXTURE, encoding="utf-8") as f:
        root = parse(f.read())[0]
    orders = set()
    for sym in children(child(root, "lib_symbols"), "symbol"):
        names = [text(child(p, "name")[1]) for unit in children(sym, "symbol") for p in children(unit, "pin")
                 if text(child(p, "number")[1]) == "2"]
        orders.add(names[0] < names[1])
    assert orders == {True, False}
