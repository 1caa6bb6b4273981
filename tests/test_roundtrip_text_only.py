"""A TOKN document alone brings the design back (issue 9): for every top-level schematic of
the shared corpus and of KiCad 9's demo projects,

    tokn encode X.kicad_sch -o d.tokn; tokn decode d.tokn -o fresh/d.kicad_sch

in a fresh folder, with no ``--symbols-from`` (only the text and the installed libraries),
gives a schematic drawn as the original was (as-drawn mode) whose KiCad 9 netlist has the
same components, values and footprints, the same multi-pin nets and the same names for
user-named nets, and on which KiCad's ERC finds no more errors than on the original (both
with KiCad's default ERC settings).  The drawing keeps its no-connect flags, PWR_FLAGs and
DNP / not-in-BOM / not-on-board marks.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.hierarchy import load_design
from tokn.kicad.library import SymbolIndex

from .support import (CORPUS, KICAD_DEMOS as DEMOS, corpus_top_level, is_user_named, kicad_demo_designs,
                      multi_pin_nets, needs_demos, needs_kicad, needs_shared, sheet_files_only)

def _param(path: str, root: str, mark) -> object:
    rel = os.path.relpath(path, root)
    return pytest.param(path, id=rel, marks=[mark])


DESIGNS = ([_param(p, CORPUS, needs_shared) for p in corpus_top_level()] +
           [_param(p, DEMOS, needs_demos) for p in kicad_demo_designs()])


def test_the_demo_projects_are_found():
    if not os.path.isdir(DEMOS):
        pytest.skip(f"KiCad's demo projects not installed at {DEMOS}")
    assert len(kicad_demo_designs()) >= 30


@needs_kicad
@pytest.mark.kicad
@pytest.mark.slow
@pytest.mark.parametrize("path", DESIGNS)
def test_text_only_round_trip(path, kicad_netlist, tmp_path):
    text = write_tokn(encode_design(path).document)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    out = str(fresh / "d.kicad_sch")
    decoded = decode(parse_tokn(text), SymbolIndex.default(str(fresh)), project="d")
    assert decoded.mode == "as-drawn", decoded.warnings
    decoded.write(out)

    ref, got = kicad_netlist(path), kicad_cli.export_netlist(out)
    assert set(got.components) == set(ref.components)
    for r, info in ref.components.items():
        assert (got.components[r]["value"], got.components[r]["footprint"]) == (info["value"], info["footprint"]), r
    theirs, ours = multi_pin_nets(ref.nets.items()), multi_pin_nets(got.nets.items())
    assert set(ours) == set(theirs)
    assert not [(theirs[s], ours[s]) for s in theirs if is_user_named(theirs[s]) and theirs[s] != ours[s]]
    assert _marks(out) == _marks(path)
    original = sheet_files_only(path, str(tmp_path / "orig"))
    assert kicad_cli.run_erc(out)["errors"] <= kicad_cli.run_erc(original)["errors"]


def _marks(path: str) -> dict[str, int]:
    """Counts of drawing marks ERC and the BOM depend on, over the design's sheet files."""
    out = {"no-connect flags": 0, "PWR_FLAG": 0, "dnp": 0, "not in BOM": 0, "not on board": 0}
    for f in load_design(path).files.values():
        out["no-connect flags"] += len(f.no_connects)
        for s in f.symbols:
            if s.lib_id.endswith(":PWR_FLAG"):
                out["PWR_FLAG"] += 1
            elif not s.reference_field.startswith("#"):
                out["dnp"] += s.dnp
                out["not in BOM"] += not s.in_bom
                out["not on board"] += not s.on_board
    return out
