"""Every real corpus design, stripped of its drawing (`--detail nets`), can be laid out
on one sheet (hierarchical designs flattened) and keeps its nets -- the path an LLM document
takes -- with nothing overlapping and no wire crossing another.  Catches parts the libraries
do not know, shared by several references."""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.encode import encode_design
from tokn.kicad import drawcheck

from .conftest import corpus_top_level, needs_shared

DESIGNS = corpus_top_level()


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("path", DESIGNS, ids=[os.path.basename(p) for p in DESIGNS])
def test_grid_layout_reproduces_the_nets(path, symbol_index, tmp_path):
    doc = encode_design(path, detail="nets").document
    decoded = decode(doc, symbol_index, project="grid", layout="grid")   # raises if nets differ
    assert decoded.mode == "laid-out"
    out = tmp_path / "grid.kicad_sch"
    decoded.write(str(out))
    sch, tree = drawcheck.load_sheet(str(out))
    clashes = drawcheck.overlaps(drawcheck.item_boxes(sch, tree))
    assert not clashes, clashes[:5]
    assert drawcheck.wire_crossings(sch) == 0
    drawn = [(s.properties.get("Reference"), s.unit) for s in sch.symbols
             if not s.properties.get("Reference", "").startswith("#")]
    assert len(drawn) == len(set(drawn))          # every unit drawn exactly once
