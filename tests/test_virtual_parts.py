"""A symbol with pins and a ``#`` reference that is no power symbol: a *virtual* part (a
front-panel potentiometer drawn as ``#RV1`` to keep it off the BOM, as unseen
jerryr/audiomixer draws six). KiCad's netlist and BOM exporters skip every reference
starting with ``#`` ("pseudo or virtual symbols"), but the part is on the sheet and its pins
are in KiCad's connection graph: its ERC counts them, so a pin wired only to the virtual part
is not reported as unconnected. The document keeps the part (a component row, its pins in
nets) so that a round trip loses nothing; KiCad's netlist of the decoded copy leaves it out
as it leaves out the original's. Before, the encoder dropped it with a warning, and the
decoded copy's open pins were ERC errors (audiomixer 0 -> 2 at ``full`` detail).

The fixture ``fixtures/connectivity/virtual_part.kicad_sch`` (made for this test): a
three-pin connector J1 wired to a potentiometer ``#RV1`` (its wiper alone on J1's pin 2) and
a resistor R1 across its ends; KiCad 9.0.8's ERC: 0 errors; its netlist: J1 and R1 only,
J1.2 alone on its net.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.library import SymbolIndex

from .conftest import needs_kicad

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "virtual_part.kicad_sch")
NETS = {"N1": ["#RV1.1", "J1.1", "R1.1"], "N2": ["#RV1.2", "J1.2"], "N3": ["#RV1.3", "J1.3", "R1.2"]}


@pytest.mark.parametrize("detail", ["full", "v1", "nets"])
def test_a_virtual_part_is_kept_with_its_connections(symbol_index, tmp_path, detail):
    result = encode_design(FIXTURE, detail=detail)
    doc = result.document
    assert [(c.ref, c.type, c.value) for c in doc.components] == [
        ("#RV1", "R_Potentiometer", "Volume"), ("J1", "Conn_01x03", "Panel"), ("R1", "R", "10k")]
    assert {n.name: n.pins for n in doc.nets} == NETS
    assert not [w for w in result.warnings if "'#'" in w]
    text = write_tokn(doc)
    out = decode(parse_tokn(text), symbol_index, project="rt")
    path = str(tmp_path / "rt.kicad_sch")
    out.write(path)
    again = encode_design(path, detail=detail).document
    assert {c.ref for c in again.components} == {"#RV1", "J1", "R1"}
    assert {frozenset(n.pins) for n in again.nets} == {frozenset(p) for p in NETS.values()}


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("detail", ["full", "v1", "nets"])
def test_kicad_sees_the_virtual_part_as_in_the_original(detail, tmp_path):
    """KiCad's netlist of the round trip is the original's (no ``#RV1``), and its ERC does
    not report J1's pin 2, which only the virtual part's wiper joins."""
    theirs = kicad_cli.export_netlist(FIXTURE)
    assert set(theirs.components) == {"J1", "R1"} and kicad_cli.run_erc(FIXTURE)["errors"] == 0
    out = tmp_path / "rt" / "rt.kicad_sch"
    text = write_tokn(encode_design(FIXTURE, detail=detail).document)
    decode(parse_tokn(text), SymbolIndex.default(str(tmp_path)), project="rt").write(str(out))
    ours = kicad_cli.export_netlist(str(out))
    assert set(ours.components) == {"J1", "R1"}
    multi = lambda nl: {frozenset(p) for p in nl.nets.values() if len(p) > 1}
    assert multi(ours) == multi(theirs)
    errors = [v["type"] for v in kicad_cli.run_erc(str(out))["violations"] if v["severity"] == "error"]
    assert errors == []
