"""TOKN written by another implementation (the v1.2 reference's own outputs) decodes into
schematics KiCad loads, and KiCad's netlist of them equals their nets sections (an unnamed
`N…` net the layout draws with wires alone keeps KiCad's own pin-derived name)."""
from __future__ import annotations

import glob
import os
import re

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn
from tokn.doc.pinref import split_pin_ref
from tokn.kicad import kicad_cli

from .conftest import ANCHOR, needs_kicad

OUTPUTS = sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "output.tokn")))


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("path", OUTPUTS, ids=[os.path.basename(os.path.dirname(p)) for p in OUTPUTS])
def test_reference_output_decodes_to_its_nets(path, symbol_index, tmp_path):
    with open(path, encoding="utf-8") as f:
        doc = parse_tokn(f.read(), path)
    decoded = decode(doc, symbol_index, project="anchor")
    out = tmp_path / "anchor.kicad_sch"
    decoded.write(str(out))
    net = kicad_cli.export_netlist(str(out))
    kicad = {frozenset(p): name for name, p in net.nets.items()}
    refs = {c.ref for c in doc.components}
    for n in doc.nets:
        pins = frozenset(split_pin_ref(p, refs) for p in n.pins)
        assert pins in kicad, f"{n.name}: {sorted(pins)} not a KiCad net"
        if re.match(r"^N\d+$", n.name) and kicad[pins].startswith("Net-("):
            continue          # an unnamed net drawn with wires only: KiCad names it after a pin
        assert kicad[pins] == n.name
    assert refs == set(net.components)
