"""A part's fields (MPN, LCSC, Sim.Pins, its Datasheet...) survive a round trip from the text
alone (docs/format.md, extension ``fields``): a ``full`` document lists every field of a
placed symbol except a Datasheet or Description equal to the stock library symbol's, which
the decoder writes from the library symbol it draws the part with."""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import Field, parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli

from .conftest import needs_kicad

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "fields", "fields.kicad_sch")

# R1: stock Datasheet and Description, an MPN, an empty field, a Sim field;
# R2: its own Datasheet and Description, an LCSC number; both: one Manufacturer (one row)
ROWS = [Field(["R1"], "MPN", "RC0603FR-071KL"), Field(["R1"], "Rating", ""), Field(["R1"], "Sim.Pins", "1=+ 2=-"),
        Field(["R1", "R2"], "Manufacturer", "Yageo"),
        Field(["R2"], "Datasheet", "https://example.com/r.pdf"), Field(["R2"], "Description", "Thin-film resistor"),
        Field(["R2"], "LCSC", "C21190")]


class _Stock:
    """A stock library holding Device:R with the given fields (``get`` only, as a test
    double of the installed libraries)."""

    def __init__(self, lib):
        self.lib = lib

    def get(self, lib_id):
        return self.lib if lib_id == "Device:R" else None


@pytest.mark.parametrize("carried", [False, True], ids=["stock-symbol", "carried-symbol"])
def test_full_document_lists_the_fields_the_library_does_not_give(carried):
    from tokn.kicad.schematic import load_schematic
    lib = load_schematic(FIXTURE).lib_symbols["Device:R"]
    if carried:        # the stock R differs in its pins: the document carries it, with no fields
        from dataclasses import replace
        lib = replace(lib, pins=lib.pins[:1])
    doc = encode_design(FIXTURE, stock=_Stock(lib)).document
    if carried:        # its Datasheet and Description too, in the placed symbol's order
        expected = [Field(["R1"], "Datasheet", "~"), Field(["R1"], "Description", "Resistor"), *ROWS]
    else:
        expected = ROWS
    assert doc.fields == expected
    text = write_tokn(doc)
    assert '\n  "R1,R2",Manufacturer,Yageo\n' in text
    assert parse_tokn(text).fields == doc.fields


@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_levels_without_the_drawing_drop_the_fields(detail):
    assert encode_design(FIXTURE, detail=detail).document.fields == []


@needs_kicad
def test_kicads_netlist_of_the_decoded_design_has_the_original_fields(symbol_index, tmp_path):
    text = write_tokn(encode_design(FIXTURE).document)
    decoded = decode(parse_tokn(text), symbol_index, project="fields")
    out = tmp_path / "fields.kicad_sch"
    decoded.write(str(out))
    ref, got = kicad_cli.export_netlist(FIXTURE), kicad_cli.export_netlist(str(out))
    assert ref.components["R1"]["fields"]["MPN"] == "RC0603FR-071KL"       # what the fixture is
    assert kicad_cli.part_differences(ref, got) == []
    assert {r: c["fields"] for r, c in got.components.items()} == {r: c["fields"] for r, c in ref.components.items()}
