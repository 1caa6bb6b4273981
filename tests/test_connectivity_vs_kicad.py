"""The connectivity we compute equals KiCad 9's own netlist, on real designs.

For every top-level schematic of the shared corpus, the five TOKN v1.2 reference examples
and KiCad's own demo projects (designs this project was not written against): the nets
with two or more pins are the same sets of (reference, pin), every net KiCad names from a
label, power symbol or sheet pin has the same name, and the parts are the same with their
values and footprints.  The oracle is KiCad's XML netlist, which keeps parts marked
``on_board no`` with their pins, as TOKN does.
"""
from __future__ import annotations

import os

import pytest

from tokn.encode import encode_design

from .support import (KICAD_DEMOS, anchor_schematics, assert_same_nets, corpus_top_level, kicad_demo_designs,
                      multi_pin_nets, needs_demos, needs_kicad, needs_shared)

DESIGNS = corpus_top_level() + anchor_schematics()
DEMOS = kicad_demo_designs()


def _id(p: str) -> str:
    return os.path.relpath(p, os.path.dirname(os.path.dirname(os.path.dirname(p))))


@needs_shared
@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("path", DESIGNS, ids=[_id(p) for p in DESIGNS])
def test_tokn_nets_equal_kicad_netlist(path, kicad_netlist):
    _assert_encoding_equals_netlist(path, kicad_netlist(path))


@needs_demos
@needs_kicad
@pytest.mark.kicad
@pytest.mark.slow
@pytest.mark.parametrize("path", DEMOS, ids=[os.path.relpath(p, KICAD_DEMOS) for p in DEMOS])
def test_kicad_demo_nets_equal_kicad_netlist(path, kicad_netlist):
    _assert_encoding_equals_netlist(path, kicad_netlist(path))


def test_kicad_demos_are_found():
    if not os.path.isdir(KICAD_DEMOS):
        pytest.skip(f"KiCad's demo projects not installed ({KICAD_DEMOS})")
    assert len(DEMOS) >= 30


def _assert_encoding_equals_netlist(path: str, ref) -> None:
    doc = encode_design(path).document
    assert_same_nets(multi_pin_nets(doc.net_pins()), multi_pin_nets(ref.nets.items()))
    # Every component KiCad lists is present with its value and footprint.
    comps = {}
    for c in doc.components:
        comps.setdefault(c.ref, c)
    assert set(comps) == set(ref.components)
    for r, info in ref.components.items():
        assert (comps[r].value or "~") == info["value"], r       # KiCad writes an empty value as ~
        assert comps[r].fp == info["footprint"], r
        assert comps[r].noboard == (info["on_board"] == "no"), r


@needs_shared
def test_manifest_lists_top_level_designs():
    assert len(corpus_top_level()) >= 30
