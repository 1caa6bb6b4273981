"""tokn.decode.fragment: the clipboard text the KiCad plugin pastes (no GUI needed).

Checked: the text is what eeschema's paste reads (lib_symbols, then items), references do
not clash with a real corpus design's (sub-sheets included), power symbols are numbered
after the design's, unnamed nets never join a design's same-named label, coordinates are
re-based to the origin on KiCad's grid, and -- with kicad-cli -- KiCad's own netlist of the
fragment's sheet is the document's.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode.fragment import GRID, design_names, paste_fragment
from tokn.doc import parse_tokn
from tokn.kicad import kicad_cli
from tokn.kicad.hierarchy import load_design
from tokn.kicad.library import SymbolIndex
from tokn.sexpr import child, children, number, parse, text

from .conftest import CORPUS, needs_kicad, needs_shared

FLASH_SOP = os.path.join(CORPUS, "files", "DangerousPrototypes__BusPirate5-hardware", "adapter-flash-sop-1REV3",
                         "flash-sop-rev3.kicad_sch")
KLEINVOET = os.path.join(CORPUS, "files", "CMGeldenhuys__kleinvoet", "kleinvoet.kicad_sch")

REGULATOR = """\
# TOKN v1
title: 5V regulator

components[4]{ref,type,value,fp}:
  U1,LM7805_TO220,LM7805,
  C1,C,330n,
  C2,C,100n,
  R1,R,1k,

nets[5]{name,pins}:
  VIN_12V,"U1.1,C1.1"
  GND,"U1.2,C1.2,C2.2"
  +5V,"U1.3,C2.1,R1.1"
  N1,R1.2
  N2,
"""


@pytest.fixture(scope="module")
def index():
    return SymbolIndex.default()


@pytest.fixture(scope="module")
def doc():
    return parse_tokn(REGULATOR)


def _items(clip: str) -> list:
    return parse(clip)


def _refs(items: list) -> list[str]:
    out = []
    for it in items:
        if it[0] != "symbol":
            continue
        for p in children(it, "property"):
            if text(p[1]) == "Reference":
                out.append(text(p[2]))
    return out


def _instance_refs(items: list) -> list[tuple[str, str]]:
    out = []
    for it in items:
        inst = child(it, "instances") if it[0] == "symbol" else None
        for proj in children(inst, "project") if inst else ():
            for path in children(proj, "path"):
                out.append((text(path[1]), text(child(path, "reference")[1])))
    return out


def test_clipboard_text_is_lib_symbols_then_items(doc, index):
    frag = paste_fragment(doc, index)
    items = _items(frag.text)
    assert items[0][0] == "lib_symbols"
    lib_ids = {text(s[1]) for s in children(items[0], "symbol")}
    assert {"Regulator_Linear:LM7805_TO220", "Device:C", "Device:R", "power:GND", "power:+5V"} <= lib_ids
    heads = {it[0] for it in items[1:]}
    assert heads <= {"symbol", "wire", "global_label", "junction", "no_connect"}
    assert {"symbol", "wire", "global_label"} <= heads
    # every placed symbol's library symbol travels with it
    for it in items[1:]:
        if it[0] == "symbol":
            assert text(child(it, "lib_id")[1]) in lib_ids
    # instance paths are relative to the pasted sheet, as eeschema's own Copy writes them
    assert all(path == "" for path, _ref in _instance_refs(items[1:]))
    assert frag.global_labels == ["N1", "VIN_12V"]
    assert frag.power_nets == ["+5V", "GND"]


def test_rebased_to_origin_on_grid(doc, index):
    for origin in ((0.0, 0.0), (25.4, 50.8)):
        frag = paste_fragment(doc, index, origin=origin)
        xs, ys = [], []

        def walk(node):
            for c in node:
                if type(c) is str:
                    continue
                if c[0] in ("at", "xy") and len(c) >= 3:
                    xs.append(number(c[1]))
                    ys.append(number(c[2]))
                else:
                    walk(c)
        for it in _items(frag.text)[1:]:
            walk(it)
        assert min(xs) >= origin[0] - 1e-6 and min(ys) >= origin[1] - 1e-6
        assert min(xs) < origin[0] + GRID and min(ys) < origin[1] + GRID
        # symbol anchors and wire ends stay on the 1.27 mm grid
        for it in _items(frag.text)[1:]:
            pts = [child(it, "at")] if it[0] == "symbol" else list(children(child(it, "pts"), "xy")) if it[0] == "wire" else []
            for p in pts:
                for v in (number(p[1]) - origin[0], number(p[2]) - origin[1]):
                    assert abs(v / GRID - round(v / GRID)) < 1e-6


@needs_shared
def test_refs_do_not_clash_with_a_corpus_schematic(doc, index):
    used = {r for r in design_names(FLASH_SOP).refs}
    assert {"C1", "C2", "R1", "#PWR01"} <= used
    frag = paste_fragment(doc, index, existing_schematic=FLASH_SOP)
    items = _items(frag.text)[1:]
    refs = _refs(items)
    assert not set(refs) & used
    assert frag.refs == {"U1": "U1", "C1": "C3", "C2": "C4", "R1": "R2"}
    assert {r for _p, r in _instance_refs(items)} == set(refs)
    assert all(r.startswith("#PWR") and int(r[4:]) > 3 for r in refs if r.startswith("#"))
    assert frag.existing_refs == used


@needs_shared
def test_sub_sheet_references_are_seen(doc, index):
    design = load_design(KLEINVOET)
    assert len(design.instances) > 1
    sub_refs = {design.reference(inst, s)[0] for inst in design.instances[1:] for s in inst.file.symbols}
    names = design_names(KLEINVOET)
    assert sub_refs <= names.refs
    frag = paste_fragment(doc, index, existing_schematic=KLEINVOET)
    assert not set(_refs(_items(frag.text)[1:])) & names.refs


def test_keep_refs_and_unannotated(doc, index, tmp_path):
    sch = tmp_path / "busy.kicad_sch"
    sch.write_text(paste_fragment(doc, index).sheet, encoding="utf-8")
    kept = paste_fragment(doc, index, existing_schematic=str(sch), keep_refs=True)
    assert kept.refs == {"U1": "U1", "C1": "C1", "C2": "C2", "R1": "R1"}
    plain = paste_fragment(doc, index, existing_schematic=str(sch), unannotated=True)
    assert plain.refs == {"U1": "U?", "C1": "C?", "C2": "C?", "R1": "R?"}
    items = _items(plain.text)[1:]
    assert all(r.endswith("?") for r in _refs(items))
    assert all(r.endswith("?") for _p, r in _instance_refs(items))


def test_second_paste_renames_unnamed_nets(doc, index, tmp_path):
    """Pasting twice must not join the two copies' unnamed nets (N1) by name."""
    first = paste_fragment(doc, index)
    sch = tmp_path / "after-first-paste.kicad_sch"
    sch.write_text(first.sheet, encoding="utf-8")
    assert "N1" in design_names(str(sch)).nets
    second = paste_fragment(doc, index, existing_schematic=str(sch))
    assert second.nets["N1"] not in design_names(str(sch)).nets
    assert second.nets["GND"] == "GND" and second.nets["VIN_12V"] == "VIN_12V"
    assert set(second.refs.values()).isdisjoint(first.refs.values())
    labels = {text(it[1]) for it in _items(second.text)[1:] if it[0] == "global_label"}
    assert "N1" not in labels and second.nets["N1"] in labels


@needs_kicad
def test_kicad_netlist_of_the_fragment_is_the_documents(doc, index, tmp_path):
    frag = paste_fragment(doc, index, existing_schematic=FLASH_SOP if os.path.exists(FLASH_SOP) else None)
    sch = tmp_path / "fragment.kicad_sch"
    sch.write_text(frag.sheet, encoding="utf-8")
    net = kicad_cli.export_netlist(str(sch))
    r = frag.refs
    assert net.nets["GND"] == {(r["U1"], "2"), (r["C1"], "2"), (r["C2"], "2")}
    assert net.nets["+5V"] == {(r["U1"], "3"), (r["C2"], "1"), (r["R1"], "1")}
    assert net.nets["VIN_12V"] == {(r["U1"], "1"), (r["C1"], "1")}
    assert net.nets[frag.nets["N1"]] == {(r["R1"], "2")}
    assert {net.components[r[k]]["value"] for k in r} == {"LM7805", "330n", "100n", "1k"}


def test_power_flags_are_left_to_the_host_sheet(doc, index):
    from tokn.decode import decode
    decoded_has_flags = "PWR_FLAG" in decode(doc, index, layout="grid").root_text
    frag = paste_fragment(doc, index)
    items = _items(frag.text)
    assert "PWR_FLAG" not in frag.text and "PWR_FLAG" not in frag.power_nets
    used = {text(child(it, "lib_id")[1]) for it in items[1:] if it[0] == "symbol"}
    assert {text(s[1]) for s in children(items[0], "symbol")} == used
    kept = paste_fragment(doc, index, keep_power_flags=True)
    assert ("PWR_FLAG" in kept.text) == decoded_has_flags
