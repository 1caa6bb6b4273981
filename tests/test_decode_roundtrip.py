"""decode(encode(x)) is the same circuit as x, judged by KiCad 9 itself.

For every top-level schematic of the shared corpus and the TOKN v1.2 reference examples:
encode to TOKN *text*, parse it back, decode it (symbols taken from the original's
embedded cache, as `tokn decode --symbols-from` does), write the files, and compare
`kicad-cli sch export netlist` of the result with that of the original: same components
with the same values and footprints, same multi-pin nets, same names for named nets.
KiCad's ERC must not find more errors in the result than in the original (both run with
KiCad's default ERC settings, i.e. without the original project's exclusions).
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode, symbols_from_schematic
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.hierarchy import load_design

from .conftest import (anchor_schematics, corpus_top_level, is_user_named,
                       multi_pin_nets, needs_kicad, needs_shared, sheet_files_only)

DESIGNS = corpus_top_level() + anchor_schematics()


def _id(p: str) -> str:
    return os.path.relpath(p, os.path.dirname(os.path.dirname(os.path.dirname(p))))


@needs_shared
@needs_kicad
@pytest.mark.kicad
@pytest.mark.slow
@pytest.mark.parametrize("path", DESIGNS, ids=[_id(p) for p in DESIGNS])
def test_round_trip_keeps_kicad_netlist_and_erc(path, kicad_netlist, tmp_path):
    result = encode_design(path)
    doc = parse_tokn(write_tokn(result.document))
    symbols = {}
    for f in load_design(path).files.values():      # full read: graphics included
        symbols.update(symbols_from_schematic(f))
    decoded = decode(doc, None, symbols=symbols, project="roundtrip")
    assert decoded.mode == "as-drawn", decoded.warnings
    out = tmp_path / "out" / "roundtrip.kicad_sch"
    decoded.write(str(out))

    ref = kicad_netlist(path)
    got = kicad_cli.export_netlist(str(out))
    assert set(got.components) == set(ref.components)
    for r, info in ref.components.items():
        assert (got.components[r]["value"], got.components[r]["footprint"]) == (info["value"], info["footprint"]), r
    theirs, ours = multi_pin_nets(ref.nets.items()), multi_pin_nets(got.nets.items())
    assert set(ours) == set(theirs)
    renamed = [(theirs[s], ours[s]) for s in theirs if is_user_named(theirs[s]) and theirs[s] != ours[s]]
    assert not renamed

    original = sheet_files_only(path, str(tmp_path / "orig"))
    assert kicad_cli.run_erc(str(out))["errors"] <= kicad_cli.run_erc(original)["errors"]
