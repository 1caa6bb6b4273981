"""The connectivity we compute equals KiCad 9's own netlist, on real designs.

For every top-level schematic of the shared corpus and the five TOKN v1.2 reference
examples: the nets with two or more pins are the same sets of (reference, pin), and every
net KiCad names from a label, power symbol or sheet pin has the same name.
"""
from __future__ import annotations

import os

import pytest

from tokn.encode import encode_design

from .conftest import (anchor_schematics, corpus_top_level, is_user_named, multi_pin_nets,
                       needs_kicad, needs_shared)

DESIGNS = corpus_top_level() + anchor_schematics()


def _id(p: str) -> str:
    return os.path.relpath(p, os.path.dirname(os.path.dirname(os.path.dirname(p))))


@needs_shared
@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("path", DESIGNS, ids=[_id(p) for p in DESIGNS])
def test_tokn_nets_equal_kicad_netlist(path, kicad_netlist):
    ref = kicad_netlist(path)
    result = encode_design(path)
    doc = result.document
    ours = multi_pin_nets((n.name, [tuple(p.rsplit(".", 1)) for p in n.pins]) for n in doc.nets)
    theirs = multi_pin_nets(ref.nets.items())
    missing = [theirs[s] for s in theirs if s not in ours]
    extra = [ours[s] for s in ours if s not in theirs]
    assert not missing and not extra, f"nets differ: KiCad-only {missing[:5]}, ours-only {extra[:5]}"
    renamed = [(theirs[s], ours[s]) for s in theirs if is_user_named(theirs[s]) and ours[s] != theirs[s]]
    assert not renamed, f"named nets renamed (kicad, ours): {renamed[:5]}"
    # Every component KiCad lists is present with its value and footprint.
    comps = {}
    for c in doc.components:
        if not c.noboard:            # KiCad's netlist lists only parts on the board
            comps.setdefault(c.ref, c)
    assert set(comps) == set(ref.components)
    for r, info in ref.components.items():
        assert comps[r].value == info["value"], r
        assert comps[r].fp == info["footprint"], r


@needs_shared
def test_manifest_lists_top_level_designs():
    assert len(corpus_top_level()) >= 30
