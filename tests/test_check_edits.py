"""benchmarks/check_edits.py: edits that do not apply to a document are "n/a", never a crash.

Found on real designs (issue 9, batch H): an empty sheet (a Eurorack front panel drawn as a
schematic with no parts) made the ``value`` edit raise IndexError and ``move-pin`` raise
ValueError; and on designs with no supply-named net (keyboards, an RF amplifier) the
``add-stock-ic`` edit wired the regulator's VIN to a signal net (a key-matrix row), which KiCad's
ERC then rightly reports as an undriven power input -- a false alarm of the checker."""
from __future__ import annotations

import os

import pytest

from .support import load_benchmark

HERE = os.path.dirname(__file__)


def _check_edits():
    return load_benchmark("check_edits")


EMPTY = "# TOKN v1\ntitle: Panel\n\ncomponents[0]{ref,type,value,fp,x,y,w,h,a}:\n\nnets[0]{name,pins}:\n"
MATRIX = """# TOKN v1
title: Keys

components[4]{ref,type,value,fp,x,y,w,h,a}:
  D1,D,1N4148,,10,10,0,7.62,0
  D2,D,1N4148,,20,10,0,7.62,0
  SW1,SW_Push,SW_Push,,10,20,5.08,0,0
  J1,Conn_01x03,Conn_01x03,,40,10,2.54,5.08,0

nets[3]{name,pins}:
  GND,"J1.1,SW1.2"
  ROW1,"D1.1,D2.1,J1.2"
  COL1,"D1.2,D2.2,SW1.1,J1.3"
"""
POWERED = MATRIX.replace("ROW1,", "+5V,")


@pytest.mark.parametrize("text,edits,expect", [
    (EMPTY, None, None),                                      # every edit: n/a
    (MATRIX, ["add-stock-ic"], None),                         # no supply-named net: n/a
    (POWERED, ["add-stock-ic"], "+5V"),                       # VIN and EN on +5V
])
def test_edits_that_do_not_apply_are_not_applicable(text, edits, expect):
    ce = _check_edits()
    for kind in edits or list(ce.EDITS):
        made = ce.EDITS[kind](ce.Doc.read(text))
        if expect is None:
            assert made is None, kind
        else:
            new, _change = made
            assert any(ln.startswith(f"  {expect},") and "U1.1" in ln and "U1.3" in ln
                       for ln in new.splitlines()), new


def _v(kind: str, *items: str) -> dict:
    return {"type": kind, "severity": "error", "items": [{"description": d} for d in items]}


@pytest.mark.parametrize("violation,own", [
    # unseen RAMN chassis (KiCad 10), add-stock-ic: VIN on /3V3_ECU, a supply from a connector
    (_v("power_pin_not_driven", "Symbol U1 Pin 1 [VIN, Power input, Line]"), True),
    (_v("pin_not_connected", "Symbol C5 Pin 2 [Passive, Line]"), True),
    (_v("power_pin_not_driven", "Symbol U7 Pin 1 [VIN, Power input, Line]"), False),     # not added
    (_v("pin_not_connected", "Hierarchical Sheet Pin LED_A"), False),
    (_v("pin_to_pin", "Symbol U1 Pin 5 [VOUT, Power output, Line]",
        "Symbol U1 Pin 1 [VIN, Power input, Line]"), False),                           # not an own-pin type
    (_v("power_pin_not_driven"), False),
])
def test_own_pin_errors_of_an_added_part(violation, own):
    assert _check_edits().own_pin_error(violation, {"U1", "C5"}) is own


HIER = """# TOKN v1
title: Two sheets
extensions[1]: hier

components[3]{ref,type,value,fp,x,y,w,h,a,sheet}:
  J1,Conn_01x02,Conn_01x02,,10,10,,,0,
  U1,LM358,LM358,,10,10,,,0,S1
  R1,R,10k,,20,10,,,0,S1

nets[2]{name,pins}:
  GND,"J1.1,U1.4,R1.2"
  /Amp/VCC,"U1.8,R1.1"

sheets[1]{id,name,file,parent,x,y,w,h}:
  S1,Amp,amp.kicad_sch,,50,50,20,10
"""


@pytest.mark.parametrize("kind", ["add-cap", "add-stock-ic"])
def test_parts_are_added_on_the_supply_sheet(kind):
    """Unseen Artsey-Ergo: the supply ``/Block Diagram/Display/VCC`` is local to the Display
    sheet; the capacitor went on the Battery sheet (that of GND's first pin), where no label
    can join it, and the decoder had to lay the whole design out again."""
    ce = _check_edits()
    new, change = ce.EDITS[kind](ce.Doc.read(HIER))
    rows = {ln.split(",")[0].strip(): ln for ln in new.splitlines() if ln.startswith("  ") and ln.strip()[:1] in "CU"}
    assert all(rows[ref].endswith(",S1") for ref in change.added), rows


@pytest.mark.parametrize("baseline,new,want", [
    ("Amp_VCC", "/Amp/VCC_X", "Amp_VCC_X"),       # baseline laid out on one sheet: path lost
    ("/Amp/VCC", "/Amp/VCC_X", "/Amp/VCC_X"),     # hierarchy kept
    ("VCC", "VCC_X", "VCC_X"),                    # a global name
])
def test_a_renamed_net_is_expected_as_the_baseline_names_nets(baseline, new, want):
    """Unseen kacperpotoczny/Driver5vConverter at ``v1``/``nets``: the design is laid out on
    one sheet (its vendor symbols generated), so KiCad names the baseline's nets without
    their sheet path (``Driver connector_End1Pullup``); the renamed net was expected with
    its path (``/Driver connector/End1Pullup_X``) and reported as a wrong name."""
    ce = _check_edits()
    kc = ce.kicad_cli
    base = kc.Netlist({"U1": {"value": "LM358", "footprint": ""}, "R1": {"value": "10k", "footprint": ""}},
                      {baseline: {("U1", "8"), ("R1", "1")}})
    got = ce.expected(base, ce.Change(renamed_nets=[(("U1", "8"), new)]))
    assert got.nets == {want: {("U1", "8"), ("R1", "1")}}


@pytest.mark.parametrize("decoded,flat,same", [
    ("jk-flipflop_CLK", True, True),      # laid out on one sheet: the path is lost, as documented
    ("jk-flipflop_CLK", False, False),    # kept its sheets: the name must keep its path
    ("/jk-flipflop/CLK", False, True),
    ("CLK", True, False),                 # a flat name, but not this net's
])
def test_a_design_laid_out_on_one_sheet_is_compared_by_its_flat_names(decoded, flat, same):
    """Unseen RoaldVG/transistor-clock (a flip-flop sheet used 4x), ``--detail full``: an edit
    of the shared sheet makes the decoder lay the design out on one sheet, which names
    ``/jk-flipflop/CLK`` as ``jk-flipflop_CLK`` (``tokn decode --flat``); the checker called
    that a netlist difference ("names differ") instead of the known lost drawing."""
    ce = _check_edits()
    kc = ce.kicad_cli
    comps = {"U1": {"value": "74HC00", "footprint": ""}, "R1": {"value": "10k", "footprint": ""}}
    want = kc.Netlist(comps, {"/jk-flipflop/CLK": {("U1", "1"), ("R1", "1")}})
    got = kc.Netlist(comps, {decoded: {("U1", "1"), ("R1", "1")}})
    assert (ce.compare(want, got, flat=flat) == []) is same
