"""PWR_FLAGs of a design whose text does not carry them (issue 9).

A ``v1`` or ``nets`` document drops the power symbols and PWR_FLAGs.  Decoded as drawn, the
decoder names a power net the drawing no longer names by a label (:mod:`tokn.decode.repair`);
a net fed from outside the sheet (a connector, a regulator's input) then had no PWR_FLAG and
KiCad's ERC reported its power-input pins as not driven, where the original passes.  The
decoder draws a PWR_FLAG on such a label, as the grid layout does for the nets it draws.

The fixture (``fixtures/connectivity/supply_flags.kicad_sch``, made for this test): a
two-pin connector feeds a 7805 regulator (VCC, GND, each with a PWR_FLAG); the regulator's
output pin (power output) drives +5V and a resistor.  ``supply_label_flags.kicad_sch`` is
the same circuit with GND and VCC named by local labels instead of power symbols (nets
``/GND`` and ``/VCC``), as many designs name their supplies: the flag goes on such a label too.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.decode.amend import sheet_paths
from tokn.decode.repair import _flagged_nets
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.library import SymbolIndex
from tokn.validate import validate

from .conftest import needs_kicad

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "supply_flags.kicad_sch")
LABELLED = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "supply_label_flags.kicad_sch")

#: (detail, decode mode, nets that get a flag): VCC and GND feed power-input pins and no
#: power-output pin drives them; +5V is driven by the regulator's output and gets none
CASES = [("v1", "as-drawn", {"VCC", "GND"}), ("nets", "laid-out", {"VCC", "GND"})]


def _flagged(path: str) -> set[str]:
    """Names of the nets a PWR_FLAG of the schematic at ``path`` sits on (a label or power
    symbol at the flag's pin)."""
    doc = encode_design(path).document
    flags = {(p.x, p.y) for p in doc.power if p.lib.endswith(":PWR_FLAG")}
    named = {(lb.x, lb.y): lb.name for lb in doc.labels}
    named.update({(p.x, p.y): p.net for p in doc.power if not p.lib.endswith(":PWR_FLAG")})
    return {named[xy] for xy in flags if xy in named}


@pytest.mark.parametrize("fixture", [FIXTURE, LABELLED], ids=["power symbols", "local labels"])
@pytest.mark.parametrize("detail,mode,nets", CASES, ids=[c[0] for c in CASES])
def test_undriven_power_nets_get_a_flag(symbol_index, tmp_path, fixture, detail, mode, nets):
    """Supplies drawn with power symbols and supplies named by local labels alike: the drawn
    label's text (``GND``), not the net's name with its sheet path (``/GND``), says whether
    the net is a supply; the grid layout draws the flag on a label of the net."""
    text = write_tokn(encode_design(fixture, detail=detail).document)
    out = decode(parse_tokn(text), symbol_index, project="rt")
    assert out.mode == mode, out.warnings
    path = str(tmp_path / "rt.kicad_sch")
    out.write(path)
    assert _flagged(path) == nets


def test_a_full_document_keeps_its_own_flags(symbol_index, tmp_path):
    """At full detail the flags are the document's rows: drawn where they were, none added."""
    doc = encode_design(FIXTURE).document
    out = decode(parse_tokn(write_tokn(doc)), symbol_index, project="rt")
    path = str(tmp_path / "rt.kicad_sch")
    out.write(path)
    again = encode_design(path).document
    flags = lambda d: sorted((p.x, p.y) for p in d.power if p.lib.endswith(":PWR_FLAG"))
    assert out.mode == "as-drawn" and flags(again) == flags(doc)


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("fixture,detail", [(f, d) for f in (FIXTURE, LABELLED) for d in ("v1", "nets")],
                         ids=["power-v1", "power-nets", "labels-v1", "labels-nets"])
def test_kicad_erc_finds_every_power_pin_driven_after_a_round_trip(fixture, detail, tmp_path):
    assert kicad_cli.run_erc(fixture)["errors"] == 0
    text = write_tokn(encode_design(fixture, detail=detail).document)
    out = tmp_path / "rt" / "rt.kicad_sch"
    decoded = decode(parse_tokn(text), SymbolIndex.default(str(tmp_path)), project="rt")
    assert decoded.mode == dict((c[0], c[1]) for c in CASES)[detail]
    decoded.write(str(out))
    types = [v["type"] for v in kicad_cli.run_erc(str(out))["violations"] if v["severity"] == "error"]
    assert "power_pin_not_driven" not in types


def test_flagged_supplies_are_named_as_the_document_names_its_nets(symbol_index, tmp_path):
    """A later round of drawing changes must see the flag an earlier one drew on a label: the
    net a flagged local label names is ``/GND`` (the document's name), not the label's text
    ``GND``, else the net gets a second flag (KiCad: pin_to_pin, two power outputs; unseen
    tomasr8/attiny85-dev-board, ``check_edits.py --detail v1`` move-pin and swap-symbol)."""
    text = write_tokn(encode_design(LABELLED, detail="v1").document)
    out = decode(parse_tokn(text), symbol_index, project="rt")
    path = str(tmp_path / "rt.kicad_sch")
    out.write(path)
    doc = encode_design(path).document
    assert _flagged_nets(doc, sheet_paths(doc)) == {"/GND", "/VCC"}
    assert _flagged_nets(doc, sheet_paths(doc)) <= {n.name for n in doc.nets}


#: a supply net with an output pin on it (unseen bbo-lab/teensy_bnc_box: the Teensy 4.1
#: library symbol types its GND pin 47 as an output).  A PWR_FLAG there is a power output
#: tied to an output, which KiCad's ERC reports as ``pin_to_pin``; the flags the drawing
#: repair adds (:meth:`tokn.decode.repair._Round._flag`) already leave such nets alone.
OUTPUT_ON_SUPPLY = """# TOKN v1
title: outflag

components[3]{ref,type,value,fp,x,y,w,h,a}:
  J1,Conn_01x02,Conn_01x02,,,,,,
  U1,L7805,L7805,,,,,,
  U2,74LS04,74LS04,,,,,,

nets[3]{name,pins}:
  +5V,"U1.3,U2.1,U2.14"
  GND,"J1.2,U1.2,U2.2,U2.7"
  VCC,"J1.1,U1.1"

wires[0]{net,pts}:
"""


def test_the_grid_layout_flags_no_supply_an_output_pin_is_on(symbol_index, tmp_path):
    out = decode(parse_tokn(OUTPUT_ON_SUPPLY), symbol_index, project="rt")
    assert out.mode == "laid-out", out.warnings
    path = str(tmp_path / "rt.kicad_sch")
    out.write(path)
    assert _flagged(path) == {"VCC"}
# ---- flags on nets not named like a supply; a no-connect marker on stacked pins ---------
#
# ``unnamed_supply_flags.kicad_sch`` (made for these tests): the same regulator with its input
# and ground on unnamed nets (no label, no power symbol: as CraftyZA/linear_power draws its
# 7812), each with a PWR_FLAG, and a crystal whose two case pins (2 and 3 of
# Device:Crystal_GND23, stacked at one point) carry one no-connect marker.  Without the
# drawing only ``pwrflags`` and the ``noconnects`` rows of the stacked pins say so.

UNNAMED = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "unnamed_supply_flags.kicad_sch")


def _flagged_pins(path: str) -> set[frozenset]:
    """The pins of each net a PWR_FLAG of the schematic at ``path`` drives."""
    doc = encode_design(path, detail="nets").document
    return {frozenset(n.pins) for n in doc.nets if n.name in doc.pwrflags}


@pytest.mark.parametrize("detail,mode", [("v1", "as-drawn"), ("nets", "laid-out")])
def test_flags_on_unnamed_nets_and_stacked_no_connects_survive(symbol_index, tmp_path, detail, mode):
    """The document names the flagged nets (``pwrflags``) and the stacked pins the marker
    flags; the decoded schematic draws a flag on each of those nets and a marker on them."""
    doc = encode_design(UNNAMED, detail=detail).document
    assert doc.pwrflags == ["N1", "N2"]
    assert [n.pin for n in doc.noconnects] == ["Y1.2", "Y1.3"]
    text = write_tokn(doc)
    assert "\npwrflags[2]: N1,N2\n" in text and parse_tokn(text).pwrflags == doc.pwrflags
    assert not [f for f in validate(parse_tokn(text), symbol_index) if f.severity == "error"]
    out = decode(parse_tokn(text), symbol_index, project="rt")
    assert out.mode == mode, out.warnings
    path = str(tmp_path / "rt.kicad_sch")
    out.write(path)
    assert _flagged_pins(path) == _flagged_pins(UNNAMED) == {frozenset({"J1.1", "U1.1"}),
                                                             frozenset({"J1.2", "R1.2", "U1.2", "Y1.4"})}
    assert [n.pin for n in encode_design(path, detail=detail).document.noconnects] == ["Y1.2", "Y1.3"]


def test_a_full_document_writes_no_pwrflags():
    """At full detail the ``power`` rows draw the flags: no ``pwrflags`` line."""
    assert encode_design(UNNAMED).document.pwrflags == []


@needs_kicad
@pytest.mark.kicad
def test_kicad_erc_finds_no_flag_tied_to_an_output(tmp_path):
    out = tmp_path / "rt" / "rt.kicad_sch"
    decode(parse_tokn(OUTPUT_ON_SUPPLY), SymbolIndex.default(str(tmp_path)), project="rt").write(str(out))
    types = [v["type"] for v in kicad_cli.run_erc(str(out))["violations"] if v["severity"] == "error"]
    assert "pin_to_pin" not in types


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_kicad_erc_of_unnamed_supplies_after_a_round_trip(detail, tmp_path):
    """KiCad's ERC: the original passes, and so does its round trip (before ``pwrflags``:
    ``power_pin_not_driven`` on U1's IN and GND, and ``pin_not_connected`` on Y1's case pins)."""
    assert kicad_cli.run_erc(UNNAMED)["errors"] == 0
    text = write_tokn(encode_design(UNNAMED, detail=detail).document)
    out = tmp_path / "rt" / "rt.kicad_sch"
    decode(parse_tokn(text), SymbolIndex.default(str(tmp_path)), project="rt").write(str(out))
    errors = [v["type"] for v in kicad_cli.run_erc(str(out))["violations"] if v["severity"] == "error"]
    assert errors == []
