"""No-connect markers without a drawing: at ``v1`` and ``nets`` detail a document names the
pins its markers flag (``noconnects[N]{pin}``), and the decoder flags those pins again, so
that KiCad's ERC does not report them as unconnected (docs/format.md, extension ``nc``)."""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.doc.model import Component, Document, Net, NoConnect
from tokn.encode import encode_design
from tokn.kicad import drawcheck, kicad_cli
from tokn.kicad.geometry import iu
from tokn.validate import validate

from .conftest import needs_kicad

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity")

# (fixture, pins flagged at v1 and nets detail): a marker on the end of a pin that no other
# pin shares flags it (KiCad's ERC reports the others: a marker on a net of two pins), and so
# does the pin's own electrical type no_connect (also when a chosen alternate gives it) or
# free ("not internally connected": KiCad's ERC does not report it unconnected either) for
# a pin in no net
FLAGGED = [
    ("q13_nc_on_pin", ["R1.1"]),
    ("nc_pin_type", ["U1.1", "U1.2", "U1.3", "U1.5"]),
    ("nc_pin_alternate", ["U1.1"]),
    ("nic_pin_type", ["U1.1", "U1.2"]),         # free ("not internally connected") in no net: U1.3 is wired
    ("../noconnect/nc_on_labeled_pin", []),     # a label names the flagged pin: the net /FLAG stays a row
    ("q13_nc_on_connected_pin", []),
    ("q13d_nc_on_R2_side", []),
    ("q13b_nc_on_wire_interior", []),
    ("q13c_nc_on_labeled_net", []),
    ("q13e_nc_on_wire_joint_no_pin", []),
    ("q13f_nc_on_power_net", []),
]


@pytest.mark.parametrize("name,pins", FLAGGED, ids=[os.path.basename(f[0]) for f in FLAGGED])
@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_encoder_names_the_pins_its_markers_flag(name, pins, detail):
    doc = encode_design(os.path.join(FIXTURES, name + ".kicad_sch"), detail=detail).document
    assert [(n.pin, n.x, n.y, n.sheet) for n in doc.noconnects] == [(p, None, None, "") for p in pins]
    assert not [f for f in validate(doc) if f.severity == "error"]
    again = parse_tokn(write_tokn(doc))
    assert [n.pin for n in again.noconnects] == pins


def test_full_detail_keeps_the_drawn_markers_only():
    doc = encode_design(os.path.join(FIXTURES, "q13_nc_on_pin.kicad_sch")).document
    assert [(n.pin, n.x is not None, n.y is not None) for n in doc.noconnects] == [("", True, True)]
    assert "noconnects[1]{x,y}:" in write_tokn(doc)


def _flag_points(path: str) -> tuple[list[tuple[int, int]], dict]:
    sch, _ = drawcheck.load_sheet(path)
    return sorted((iu(x), iu(y)) for x, y in sch.no_connects), drawcheck.pin_points(sch)


# (layout, nets): as drawn (a ``v1`` document: positions, no markers) the flag goes on the
# pin's end; laid out, on the pin's new position; a named pin that a net lists gets none
DECODED = [("auto", [], "as-drawn"), ("grid", [], "laid-out"), ("grid", [("GND", ["R2.2"])], "laid-out")]


@pytest.mark.parametrize("layout,nets,mode", DECODED)
def test_decoder_flags_the_named_pins(symbol_index, tmp_path, layout, nets, mode):
    doc = Document(components=[Component("R1", "R", "1k", lib="Device", x=101.6, y=101.6, a=0.0),
                               Component("R2", "R", "1k", lib="Device", x=127.0, y=101.6, a=90.0)],
                   nets=[Net(name, pins) for name, pins in nets],
                   noconnects=[NoConnect(pin="R1.2"), NoConnect(pin="R1.1"), NoConnect(pin="R2.2")])
    out = tmp_path / "nc.kicad_sch"
    decoded = decode(doc, symbol_index, project="nc", layout=layout)
    assert decoded.mode == mode
    decoded.write(str(out))
    flags, pins = _flag_points(str(out))
    flagged = [("R1", "1"), ("R1", "2")] + ([] if nets else [("R2", "2")])
    assert flags == sorted((iu(pins[p][0]), iu(pins[p][1])) for p in flagged)


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_kicad_erc_finds_no_unconnected_pin_after_a_round_trip(detail, tmp_path):
    """R1 pin 1 carries a marker: encoded without the drawing and decoded from the text
    alone, KiCad's ERC reports no unconnected pin, as for the original."""
    src = os.path.join(FIXTURES, "q13_nc_on_pin.kicad_sch")
    text = write_tokn(encode_design(src, detail=detail).document)
    out = tmp_path / "rt" / "rt.kicad_sch"
    decode(parse_tokn(text), None, project="rt").write(str(out))
    types = [v["type"] for v in kicad_cli.run_erc(str(out))["violations"]]
    assert "pin_not_connected" not in types
    assert "no_connect_connected" not in types


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_free_pins_stay_unreported_after_a_round_trip(detail, tmp_path):
    """U1.1 and U1.2 are free ("not internally connected") and unconnected, which KiCad's
    ERC accepts; decoded from the text alone, their part is drawn from the pin table with
    passive pins, which the markers the document names keep from being reported: no pin is
    reported that is not for the original (U1.4, R1.2)."""
    src = os.path.join(FIXTURES, "nic_pin_type.kicad_sch")
    text = write_tokn(encode_design(src, detail=detail).document)
    out = tmp_path / "rt" / "rt.kicad_sch"
    decode(parse_tokn(text), None, project="rt").write(str(out))

    def unconnected(path: str) -> list[str]:
        return sorted(v["items"][0]["description"].split(" [")[0] for v in kicad_cli.run_erc(path)["violations"]
                      if v["type"] == "pin_not_connected")
    assert unconnected(src) == ["Symbol R1 Pin 2", "Symbol U1 Pin 4"]
    assert set(unconnected(str(out))) <= set(unconnected(src))
