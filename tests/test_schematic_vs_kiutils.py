"""Our typed schematic reader agrees with kiutils, an independent reader, on what KiCad
6-8 files contain (kiutils is not used in the product: it drops KiCad 9 tokens such as
``(hide yes)`` when saving, and is ~10x slower than our reader; as a *reader* of older
files it is a fair second opinion)."""
from __future__ import annotations

import csv
import os

import pytest
from kiutils.schematic import Schematic

from tokn.kicad.schematic import load_schematic

from .conftest import CORPUS, needs_shared


def _older_files() -> list[str]:
    manifest = os.path.join(CORPUS, "manifest.csv")
    if not os.path.exists(manifest):
        return []
    with open(manifest, newline="") as f:
        rows = [r for r in csv.DictReader(f) if int(r["kicad_version_token"]) < 20250114]
    rows.sort(key=lambda r: int(r["bytes"]))
    return [os.path.join(CORPUS, r["local_path"]) for r in rows[:12]]


FILES = _older_files()


@needs_shared
@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(p) for p in FILES])
def test_reader_agrees_with_kiutils(path):
    ours = load_schematic(path)
    theirs = Schematic.from_file(path)
    placed = sorted((s.lib_id, round(s.x, 4), round(s.y, 4), int(s.angle) % 360, s.mirror or "", s.unit)
                    for s in ours.symbols)
    ref = sorted((s.libId, round(s.position.X, 4), round(s.position.Y, 4), int(s.position.angle or 0) % 360,
                  s.mirror or "", s.unit) for s in theirs.schematicSymbols)
    assert placed == ref
    wires = sorted(tuple((round(x, 4), round(y, 4)) for x, y in w.pts) for w in ours.wires)
    ref_wires = sorted(tuple((round(p.X, 4), round(p.Y, 4)) for p in g.points)
                       for g in theirs.graphicalItems if type(g).__name__ == "Connection" and g.type == "wire")
    assert wires == ref_wires
    kinds = {"local": theirs.labels, "global": theirs.globalLabels, "hier": theirs.hierarchicalLabels}
    for kind, items in kinds.items():
        assert sorted(l.name for l in ours.labels if l.kind == kind) == sorted(l.text for l in items)
    assert len(ours.junctions) == len(theirs.junctions)
    assert len(ours.no_connects) == len(theirs.noConnects)
