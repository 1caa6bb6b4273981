"""A KiCad S-expression netlist given as the answer instead of TOKN
(tokn.generate.netlist_answer): read as the document it describes; anything else is not."""
from __future__ import annotations

import pytest

from tokn.doc.model import Component, Net
from tokn.generate.netlist_answer import read_kicad_netlist

NETLIST = """(export (version "E")
  (design (source "led.kicad_sch") (tool "Eeschema 8.0"))
  (components
    (comp (ref "R1") (value "330") (footprint "Resistor_SMD:R_0805_2012Metric")
      (libsource (lib "Device") (part "R") (description "Resistor (a \\"plain\\" one)")))
    (comp (ref "D1") (value "Red")
      (libsource (lib "Device") (part "LED"))))
  (nets
    (net (code "1") (name "+5V") (node (ref "R1") (pin "1")))
    (net (code "2") (name "Net-(D1-A)") (node (ref "R1") (pin "2")) (node (ref "D1") (pin "2") (pinfunction "A")))
    (net (code "3") (name "GND") (node (ref "D1") (pin "1")))))"""

COMPONENTS = [Component("R1", "Device:R", "330", "Resistor_SMD:R_0805_2012Metric"), Component("D1", "Device:LED", "Red")]
NETS = [Net("+5V", ["R1.1"]), Net("Net-(D1-A)", ["D1.2", "R1.2"]), Net("GND", ["D1.1"])]


@pytest.mark.parametrize("answer, lines", [
    (NETLIST, (1, 11)),
    ("Here is the KiCad netlist:\n\n```lisp\n" + NETLIST + "\n```\n\nR1 limits the current (~9 mA).\n", (4, 14)),
    ("(export(version E)" + NETLIST[len("(export (version \"E\")"):], (1, 11)),     # atoms bare, no space
])
def test_a_kicad_netlist_is_read_as_its_parts_and_nets(answer, lines):
    doc, first, last = read_kicad_netlist(answer)
    assert doc.components == COMPONENTS and doc.nets == NETS
    assert (first, last) == lines


@pytest.mark.parametrize("answer", [
    "* NE555 astable\nXU1 0 trig out vcc ctrl trig dis vcc NE555\nR1 vcc dis 1k\n.end\n",     # SPICE: not read
    NETLIST[:-3],                                                                             # never closed
    "(export (version \"E\") (design (source \"x\")))",                                       # no parts, no nets
    "We can export (the design) later.",
    "(export (version \"E\") (components (comp (ref \"R1\")) ) \"unterminated)",
    "(export " + "(" * 100_000,
    "(export \"" + "\\" * 100_001,
])
def test_what_is_no_kicad_netlist_is_not_read(answer):
    assert read_kicad_netlist(answer) is None
