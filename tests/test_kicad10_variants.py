"""KiCad 10 design variants: a symbol's or sheet's instance may hold ``(variant (name ...)
(dnp yes) (in_bom no) (on_board no) (field (name "Value") (value ...)))`` overrides
(the layout of KiCad 10's ``parseSchSymbolInstances``/sheet instances).  kicad-cli
netlists the default variant unless ``--variant`` is given, so the document is the
default variant: the overrides are read past, not carried (docs/kicad-connectivity-findings.md).
Probed with kicad-cli 10.0.7: the variant file below netlists as the fixture without
variants (``top.k10.net``), and R3's value stays ``10k``."""
from __future__ import annotations

import os
import shutil

from tokn.encode import encode_design

from .support import recorded_nets

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "project_top_level_sheets")


def _with_variants(tmp_path) -> str:
    dest = tmp_path / "variants"
    shutil.copytree(FIXTURE, dest)
    second = (dest / "second.kicad_sch").read_text(encoding="utf-8")
    assert '(page "3")' in second
    (dest / "second.kicad_sch").write_text(second.replace(
        '(page "3")', '(page "3") (variant (name "Lite") (dnp yes) (on_board no) (field (name "Note") (value "x")))'),
        encoding="utf-8")
    sub = (dest / "sub.kicad_sch").read_text(encoding="utf-8")
    assert '(reference "R3") (unit 1))' in sub
    (dest / "sub.kicad_sch").write_text(sub.replace(
        '(reference "R3") (unit 1))',
        '(reference "R3") (unit 1) (variant (name "Lite") (dnp yes) (in_bom no) '
        '(field (name "Value") (value "22k"))))'), encoding="utf-8")
    return str(dest / "top.kicad_sch")


def test_variants_are_read_past_and_the_document_is_the_default_variant(tmp_path):
    result = encode_design(_with_variants(tmp_path))
    doc = result.document
    r3 = next(c for c in doc.components if c.ref == "R3")
    assert (r3.value, r3.dnp, r3.nobom, r3.noboard) == ("10k", False, False, False)
    nets = {frozenset(tuple(p.split(".", 1)) for p in n.pins): n.name for n in doc.nets if len(n.pins) >= 2}
    assert nets == recorded_nets(os.path.join(FIXTURE, "top.k10.net"))
    assert not [s for s in doc.sheets if "Lite" in s.name]
    assert not result.warnings
