"""Net names from label text, bus members and field variables, as KiCad 9 forms them.

Each row is a rule recorded with kicad-cli (fixtures esc_*, bus_*, the simulation demos);
see docs/kicad-connectivity-findings.md.
"""
from __future__ import annotations

import pytest

from tokn.kicad.buses import bus_members, expand_bus, is_bus_name
from tokn.kicad.netnames import net_text, unescape
from tokn.kicad.textvars import resolve_symbol_text

NET_TEXT = [
    # label text, net name it gives (before the sheet path)
    ("A/B", "A{slash}B"),
    ("A{slash}B", "A{slash}B"),
    ("C:D", "C:D"),
    ("C{colon}D", "C:D"),
    ("E{space}F", "E F"),
    ("M{brace}", "M{"),
    ("M{", "M{"),
    ("~{X}", "~{X}"),                      # markup stays
    ("B{~{X} Y}", "B{~{X} Y}"),            # a bus group is no escape
    ("${VAR}/a", "${VAR}{slash}a"),        # variables stay
    ("E{return}F", "EF"),                  # line breaks are dropped from net names
    ("G{comma}H", "G,H"),
    ("x{dollar}", "x$"),
    ("plain", "plain"),
]


@pytest.mark.parametrize("text,name", NET_TEXT)
def test_net_text(text, name):
    assert net_text(text) == name


def test_unescape_keeps_unknown_tokens():
    assert unescape("a{nosuch}b") == "a{nosuch}b"
    assert unescape("A{slash}B") == "A/B"


BUS_MEMBERS = [
    # bus name, (member, match key) in KiCad's order
    ("D[0..2]", [("D0", "#0"), ("D1", "#1"), ("D2", "#2")]),
    ("E[7..5]", [("E5", "#0"), ("E6", "#1"), ("E7", "#2")]),               # counts upwards
    ("USB{DP DM}", [("USB.DP", "DP"), ("USB.DM", "DM")]),
    ("B{~{X}, Y}", [("B.X", "X"), ("B.Y", "Y")]),                         # markup dropped
    ("~{CS}[0..1]", [("CS0", "#0"), ("CS1", "#1")]),
    ("P{A D[0..1]}", [("P.A", "A"), ("P.D0", "D0"), ("P.D1", "D1")]),
    ("{PAIR}", [("A", "A"), ("B", "B")]),                                  # alias
    ("N", [("N", "N")]),
]


@pytest.mark.parametrize("name,members", BUS_MEMBERS)
def test_bus_members(name, members):
    assert bus_members(name, {"PAIR": ["A", "B"]}) == members
    assert expand_bus(name, {"PAIR": ["A", "B"]}) == [m for m, _ in members]


@pytest.mark.parametrize("name,is_bus", [("D[0..7]", True), ("USB{DP DM}", True), ("{ALIAS}", True),
                                         ("~{RESET}", False), ("A{slash}B", False), ("N", False),
                                         ("I2C_{SYS}{I2C}", False), ("X_{1}", False)])
def test_is_bus_name(name, is_bus):
    assert is_bus_name(name) is is_bus


def test_kicad_10_reads_markup_in_a_group_prefix():
    """``I2C_{SYS}{PAIR}``: KiCad 10 a group bus (members keep the markup), KiCad 9 no bus."""
    assert is_bus_name("I2C_{SYS}{PAIR}", kicad10=True) and not is_bus_name("I2C_{SYS}{PAIR}")
    assert bus_members("I2C_{SYS}{PAIR}", {"PAIR": ["A", "B"]}, keep_markup=True) == \
        [("I2C_{SYS}.A", "A"), ("I2C_{SYS}.B", "B")]


FIELDS = {"Reference": "V1", "Value": "${SIM.PARAMS}", "Footprint": "", "Sim.Params": "dc=5",
          "MPN": "X-${VALUE}"}
TEXT_VARS = [
    ("${SIM.PARAMS}", "dc=5"),             # another field, by upper-cased name
    ("${Sim.Params}", "dc=5"),             # ... or by its name
    ("${REFERENCE}", "V2"),                # the annotated reference, not the field
    ("${MPN}", "X-dc=5"),                  # resolved recursively
    ("${SIM.DEVICE}", ""),                 # missing SIM.* fields are empty
    ("${PROJECTNAME}", "${PROJECTNAME}"),  # not the symbol's: left as written
    ("plain", "plain"),
]


@pytest.mark.parametrize("text,shown", TEXT_VARS)
def test_resolve_symbol_text(text, shown):
    assert resolve_symbol_text(text, FIELDS, "V2") == shown
