"""How an instruction pair's request names the parts (tokn.dataset.instructions.part_kind):
by the symbol first, so that references chosen freely by a designer do not mislead it
(found on an unseen design: two thermistor connectors ``T0``/``T1``, Connector_Generic:
Conn_01x02, were requested as "2 transformers"); by the reference prefix where the symbol
says nothing or the prefix names a finer kind."""
from __future__ import annotations

import pytest

from tokn.dataset.instructions import describe_parts, part_kind
from tokn.doc.model import Component

KINDS = [
    # ref, library nickname, symbol name -> kind
    ("T0", "Connector_Generic", "Conn_01x02", "connector"),       # a thermistor plug, not a transformer
    ("T1", "Device", "Transformer_1P_1S", "transformer"),          # the prefix's kind when the symbol says nothing
    ("R1", "Device", "R", "resistor"),
    ("R5", "", "R", "resistor"),                                   # no library: by the prefix
    ("FB1", "Device", "FerriteBead", "ferrite bead"),              # finer than the symbol's "inductor"
    ("TP1", "Connector", "TestPoint", "test point"),               # finer than its library's "connector"
    ("TH1", "Device", "Thermistor_NTC", "thermistor"),
    ("RV1", "Device", "R_Potentiometer", "potentiometer"),
    ("RN1", "Device", "R_Network04", "resistor network"),
    ("Q1", "Transistor_FET", "AO3400A", "MOSFET"),
    ("Q2", "Transistor_BJT", "BC547", "transistor"),
    ("D1", "LED", "WS2812B", "LED"),
    ("D2", "Device", "LED", "LED"),
    ("D3", "Device", "D_Schottky", "diode"),
    ("BT1", "Device", "Battery", "battery"),                       # not a diode (^BAT was a diode name)
    ("X1", "Connector", "Conn_01x04", "connector"),                # X: crystal or connector; the symbol says
    ("Y1", "Device", "Crystal", "crystal"),
    ("J1", "Connector", "USB_C_Receptacle", "connector"),
    ("H1", "Mechanical", "MountingHole", "mounting hole"),
    ("SW1", "Switch", "SW_Push", "switch"),
    ("K1", "Relay", "G5V-1", "relay"),
    ("F1", "Device", "Polyfuse", "fuse"),
    ("C1", "Device", "C_Polarized", "capacitor"),
    ("Z9", "", "foo", "other part"),
]


@pytest.mark.parametrize("ref,lib,name,kind", KINDS, ids=[f"{r[0]}-{r[2]}" for r in KINDS])
def test_part_kind(ref, lib, name, kind):
    assert part_kind(Component(ref, name, "", "", lib=lib)) == kind


def test_request_words_for_the_unseen_thermistor_board():
    comps = [Component("C1", "C", "4.7uF", "", lib="Device"), Component("C2", "C", "4.7uF", "", lib="Device"),
             Component("J1", "Conn_01x05", "", "", lib="Connector_Generic"),
             Component("T0", "Conn_01x02", "", "", lib="Connector_Generic"),
             Component("T1", "Conn_01x02", "", "", lib="Connector_Generic"),
             Component("R1", "R", "4K7", "", lib="Device")]
    assert describe_parts(comps) == "3 connectors, 2 capacitors, 1 resistor"


NO_LIBRARY_COLUMN = [
    # documents leave the lib column out when symbol names are unambiguous
    ("T0", "Conn_01x02", "connector"),
    ("Q2", "BC547", "transistor"),
    ("Q3", "AO3400A", "MOSFET"),
    ("D1", "WS2812B", "LED"),
    ("TP1", "TestPoint", "test point"),
    ("X1", "Crystal", "crystal"),
    ("X2", "Conn_01x04", "connector"),
    ("BT1", "Battery_Cell", "battery"),
]


@pytest.mark.parametrize("ref,name,kind", NO_LIBRARY_COLUMN, ids=[r[0] + "-" + r[1] for r in NO_LIBRARY_COLUMN])
def test_part_kind_without_a_library_column(symbol_index, ref, name, kind):
    """Found in the installed libraries (keywords and description too), and by the name
    alone when there are none."""
    from tokn.resolve import SymbolResolver
    comp = Component(ref, name, "", "")
    assert part_kind(comp, SymbolResolver(symbol_index)) == kind
    if name != "AO3400A":                               # the name alone does not say it
        assert part_kind(comp) == kind
