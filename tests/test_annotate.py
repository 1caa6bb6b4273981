"""Unannotated parts (``R?``): each gets its own reference in the document, as KiCad's
default annotation would number it (tokn/kicad/annotate.py).

KiCad's netlist lists every unannotated part under the same ``R?``, so ``R?.1`` would name
pins of several parts; the document numbers them instead (first free number per prefix,
sheet order then X then Y; the units of one multi-unit symbol with the same value share a
number) and says so in a warning.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

import tokn
from tokn.encode import encode_design

from .support import needs_kicad

HERE = os.path.dirname(__file__)
NESTED = os.path.join(HERE, "fixtures", "connectivity", "nested_reuse")

# R1 and R3 stay annotated; R2, R4 (resistors) and U7, U8 (LM358 symbols: two amplifier
# units and a power unit; units 1 and 2 of U7, valued LM358, and unit 1 of U8, valued
# TL072) lose their numbers: U7's two units share one again, U8 gets another.
PARTS = """# TOKN v1
title: unannotated

extensions[1]: unit

components[7]{ref,type,value,fp,x,y,w,h,a,unit}:
  R1,R,1k,,,,,,,
  R2,R,1k,,,,,,,
  R3,R,1k,,,,,,,
  R4,R,1k,,,,,,,
  U7,LM358,LM358,,,,,,,1
  U7,LM358,LM358,,,,,,,2
  U8,LM358,TL072,,,,,,,1

nets[4]{name,pins}:
  A,"R1.1,R2.1,U7.3"
  B,"R3.1,R4.1,U7.5"
  C,"R2.2,R4.2,U8.3"
  OUT,"U7.1,U8.1"

wires[0]{net,pts}:
"""

RENAMED = {"R2": "R?", "R4": "R?", "U7": "U?", "U8": "U?"}


def _unannotate(path: str, renamed: dict[str, str]) -> None:
    """Rewrite ``path`` with the references of ``renamed`` (old -> new) replaced in both
    the Reference fields and the instance data, as KiCad writes an unannotated part."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    for old, new in renamed.items():
        src = re.sub(rf'(\(reference\s+|"Reference"\s+)"{re.escape(old)}"', rf'\1"{new}"', src)
    with open(path, "w", encoding="utf-8") as f:
        f.write(src)


def _places(doc) -> dict[tuple, tuple[str, int]]:
    """Where each part row is drawn (sheet, x, y) -> (reference, unit)."""
    return {(c.sheet, c.x, c.y): (c.ref, c.unit) for c in doc.components}


def _nets_by_place(doc) -> dict[str, set]:
    """Each net's pins, a part named by where it is drawn rather than by its reference."""
    where: dict[str, set] = {}
    for place, (ref, _) in _places(doc).items():
        where.setdefault(ref, set()).add(place)
    return {name: {(frozenset(where[r]), p) for r, p in pins} for name, pins in doc.net_pins()}


def test_unannotated_parts_are_numbered_as_kicad_would(tmp_path, symbol_index):
    path = str(tmp_path / "design.kicad_sch")
    tokn.decode(tokn.parse_tokn(PARTS), symbol_index).write(path)
    before = encode_design(path).document
    _unannotate(path, RENAMED)
    result = encode_design(path)
    after = result.document
    # every part row is where it was, with a reference of its own ...
    was, now = _places(before), _places(after)
    assert set(was) == set(now)
    assert {now[p] for p in was if was[p][0] in ("R1", "R3")} == {("R1", 1), ("R3", 1)}
    # ... the free numbers 2 and 4 by position for the resistors ...
    resistors = sorted(p for p in was if was[p][0] in ("R2", "R4"))
    assert [now[p][0] for p in resistors] == ["R2", "R4"]
    # ... and for the amplifiers, numbered in the order of their first unit by position,
    # the units of one value sharing a number
    amplifiers = sorted(p for p in was if was[p][0] in ("U7", "U8"))
    numbers: dict[str, str] = {}
    for p in amplifiers:
        numbers.setdefault(was[p][0], f"U{len(numbers) + 1}")
    assert [now[p] for p in amplifiers] == [(numbers[was[p][0]], was[p][1]) for p in amplifiers]
    # the same circuit
    assert _nets_by_place(after) == _nets_by_place(before)
    [warning] = [w for w in result.warnings if "not annotated" in w]
    assert "5 part(s) not annotated (R?, U?)" in warning and "annotate the schematic in KiCad" in warning


def test_annotated_designs_keep_their_references(tmp_path):
    design = encode_design(os.path.join(NESTED, "root.kicad_sch"))
    assert not any("not annotated" in w for w in design.warnings)
    assert {c.ref for c in design.document.components} >= {"R1", "R10", "R20", "R100"}


def test_a_reused_sheet_left_unannotated_gives_every_instance_its_own_parts(tmp_path):
    """A sheet used in several places, never annotated: each instance's part is a part of
    its own, and the nets are those of the annotated design."""
    folder = tmp_path / "nested"
    shutil.copytree(NESTED, folder)
    before = encode_design(str(folder / "root.kicad_sch")).document
    for name in os.listdir(folder):
        if name.endswith(".kicad_sch"):
            path = str(folder / name)
            with open(path, encoding="utf-8") as f:
                refs = set(re.findall(r'\(reference\s+"(R\d+)"', f.read()))
            _unannotate(path, {r: "R?" for r in refs})
    after = encode_design(str(folder / "root.kicad_sch")).document
    assert len({c.ref for c in after.components}) == len(after.components) == len(before.components)

    assert _nets_by_place(after) == _nets_by_place(before)


def test_a_reference_carried_twice_keeps_the_parts_apart(tmp_path, symbol_index):
    """KiCad's "annotation errors": R2 saved as a second R1, and unit 1 of U8 as a second
    unit 1 of U7.  The first part keeps the reference; the later one gets the first free
    number (R2, U1), with a warning naming it; the nets are those of the annotated design
    (a shared ``U7.3`` would have joined nets A and C, a shared ``R1.2`` C with R1's
    unconnected pin)."""
    path = str(tmp_path / "design.kicad_sch")
    tokn.decode(tokn.parse_tokn(PARTS), symbol_index).write(path)
    before = encode_design(path).document
    _unannotate(path, {"R2": "R1", "U8": "U7"})
    result = encode_design(path)
    after = result.document
    was, now = _places(before), _places(after)
    assert set(was) == set(now)
    assert len({(c.ref, c.unit) for c in after.components}) == len(after.components)
    moved = {was[p]: now[p] for p in was if was[p] != now[p]}
    assert moved == {("R2", 1): ("R2", 1), ("U8", 1): ("U1", 1)} or moved == {("U8", 1): ("U1", 1)}
    assert _nets_by_place(after) == _nets_by_place(before)
    [warning] = [w for w in result.warnings if "carried by more than one part" in w]
    assert "R1, U7" in warning and "U7 (TL072 at (" in warning and "as U1" in warning


@needs_kicad
def test_kicad_lists_a_pin_of_a_reference_carried_twice_in_both_nets(tmp_path, symbol_index):
    """Why the document renumbers: KiCad's own netlist of such a design puts ``R1.2`` in
    two nets, C (R2's pin 2) and R1's own unconnected pin (it warns of annotation errors),
    which a document naming pins by reference would make one net."""
    from tokn.kicad import kicad_cli
    path = str(tmp_path / "design.kicad_sch")
    tokn.decode(tokn.parse_tokn(PARTS), symbol_index).write(path)
    _unannotate(path, {"R2": "R1"})
    nets = kicad_cli.export_netlist(path).nets
    assert {n for n, pins in nets.items() if ("R1", "2") in pins} == {"C", "unconnected-(R1-Pad2)"}


def test_a_sheet_placement_with_no_saved_reference_is_named_as_the_cause(tmp_path):
    """A sheet placed twice whose part saves a reference for one placement only: KiCad shows
    the symbol's own Reference field on the other, a second R10; the warning says why."""
    folder = tmp_path / "nested"
    shutil.copytree(NESTED, folder)
    path = folder / "a.kicad_sch"
    text = path.read_text(encoding="utf-8")
    second = ('\t\t\t\t(path "/11111111-2222-3333-4444-555555555555/8e2bf117-f110-5c02-90f7-7239ccd74062"\n'
              '\t\t\t\t\t(reference "R20")\n\t\t\t\t\t(unit 1)\n\t\t\t\t)\n')
    assert second in text
    path.write_text(text.replace(second, ""), encoding="utf-8")
    [warning] = [w for w in encode_design(str(folder / "root.kicad_sch")).warnings if "more than one part" in w]
    assert "reference(s) R10 each carried by more than one part" in warning
    assert re.search(r"the schematic saves no reference of these parts for sheet /[^,]+/, so KiCad shows there the "
                     r"symbol's own Reference field", warning), warning
