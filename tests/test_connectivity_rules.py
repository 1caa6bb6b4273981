"""KiCad's connectivity rules, one small hand-written schematic per rule.

Each fixture in tests/fixtures/connectivity/ was run through ``kicad-cli sch export
netlist`` (KiCad 9.0.8); the resulting ``.net`` file sits beside it, and where the XML
netlist says more (parts with ``on_board no`` keep their pins there) the ``.xml`` too, which
is then the oracle.  Our connection graph must give the same multi-pin nets and the same
names for every named net.  Fixtures from issue 9 (bus_*, esc_*, power_legacy, onboard_no*,
nested_reuse, dotted_pins) are written by scripts/make_rule_fixtures.py.  The rules are
written up in docs/kicad-connectivity-findings.md (e.g. quirk J: a junction on a wire's
interior cuts the wire; labels join wires they touch anywhere; pins only at wire ends).
"""
from __future__ import annotations

import glob
import os
import xml.etree.ElementTree as ET

import pytest

from tokn.kicad.connectivity import design_nets
from tokn.kicad.hierarchy import load_design
from tokn.sexpr import child, children, first_value, parse

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity")
CASES = sorted(p for p in glob.glob(os.path.join(FIXTURES, "**", "*.kicad_sch"), recursive=True)
               if os.path.exists(p[: -len(".kicad_sch")] + ".net"))


def _kicad_nets(net_path: str) -> dict[frozenset, str]:
    xml_path = net_path[: -len(".net")] + ".xml"
    if os.path.exists(xml_path):
        return _kicad_xml_nets(xml_path)
    with open(net_path, encoding="utf-8") as f:
        tree = parse(f.read(), net_path)[0]
    out = {}
    for n in children(child(tree, "nets"), "net"):
        pins = frozenset((first_value(x, "ref"), first_value(x, "pin")) for x in children(n, "node"))
        if len(pins) >= 2:
            out[pins] = first_value(n, "name")
    return out


def _kicad_xml_nets(path: str) -> dict[frozenset, str]:
    out = {}
    for n in ET.parse(path).getroot().iter("net"):
        pins = frozenset((x.get("ref"), x.get("pin")) for x in n.iter("node"))
        if len(pins) >= 2:
            out[pins] = n.get("name")
    return out


def test_there_are_rule_fixtures():
    assert len(CASES) > 150


@pytest.mark.parametrize("path", CASES, ids=[os.path.relpath(p, FIXTURES) for p in CASES])
def test_rule_matches_kicad(path):
    theirs = _kicad_nets(path[: -len(".kicad_sch")] + ".net")
    ours = {}
    for net in design_nets(load_design(path)).nets:
        pins = frozenset((p.ref, p.pin) for p in net.pins if not p.ref.startswith("#"))
        if len(pins) >= 2:
            ours[pins] = net.name
    assert set(ours) == set(theirs), f"KiCad: {sorted(theirs.values())} ours: {sorted(ours.values())}"
    for pins, name in theirs.items():
        if not name.startswith(("Net-(", "unconnected-(")):
            assert ours[pins] == name
