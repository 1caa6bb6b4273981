"""A symbol with pins and a ``#`` reference that is no power symbol (a potentiometer drawn
as ``#RV1`` to keep it off the BOM, met in an unseen design): KiCad leaves it out of its
netlist, and so does the document; the encoder says so, naming it, since a decoded
drawing lacks it (a pin wired only to it is then open, which KiCad's ERC reports)."""
from __future__ import annotations

import tokn
from tokn.encode import encode_design

from .test_annotate import PARTS, _unannotate


def test_a_virtual_part_is_left_out_with_a_warning_naming_it(tmp_path, symbol_index):
    path = str(tmp_path / "design.kicad_sch")
    tokn.decode(tokn.parse_tokn(PARTS), symbol_index).write(path)
    before = encode_design(path)
    assert not [w for w in before.warnings if "'#' reference" in w]
    _unannotate(path, {"R4": "#RV4"})
    result = encode_design(path)
    assert "#RV4" not in {c.ref for c in result.document.components}
    assert not any(p.startswith("#") for n in result.document.nets for p in n.pins)
    [warning] = [w for w in result.warnings if "'#' reference" in w]
    assert warning.startswith(f"{path}: #RV4 (Device:R at (") and "left open" in warning
    # the other nets are those of the design with R4 (B and C lose only its pins)
    nets = {n.name: set(n.pins) for n in result.document.nets}
    assert nets["B"] == {"R3.1", "U7.5"} and nets["C"] == {"R2.2", "U8.3"}
