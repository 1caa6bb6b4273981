"""A field written ``~``: an empty field in files before KiCad 10's formats, the text ``~`` after.

KiCad 6 to 9 wrote ``~`` for some empty fields (``(property "Value" "~")``).  KiCad 10
loads a field whose whole text is ``~`` from a file older than format 20250318 as empty and
saves it back as "" (``kicad-cli sch upgrade`` of an unseen KiCad 8 business card turned
its NFC antenna's value ``~`` into ""; its bill of materials lists the value as empty
before the upgrade too); a KiCad 10 file keeps ``~`` as the text ``~`` (its bill of materials
lists ``~``).  Fixtures (``scripts/make_rule_fixtures.py tilde_values k10_tilde_values``):
power symbols whose value names their net, valued ``~`` (R1), empty (R2) and ``P`` (R3), a
global label ``~`` (R4), and R5 valued ``~``; KiCad's netlists are stored beside them.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.connectivity import design_nets
from tokn.kicad.hierarchy import load_design
from tokn.kicad.kicad_cli import Netlist

from .support import kicad_clis, recorded_nets

HERE = os.path.dirname(__file__)
OLD = os.path.join(HERE, "fixtures", "connectivity", "tilde_values.kicad_sch")
NEW = os.path.join(HERE, "fixtures", "kicad10", "k10_tilde_values.kicad_sch")


def _nets(path: str, kicad: int) -> dict[frozenset, str]:
    return {frozenset((p.ref, p.pin) for p in n.pins if not p.ref.startswith("#")): n.name
            for n in design_nets(load_design(path), kicad=kicad).nets
            if len([p for p in n.pins if not p.ref.startswith("#")]) >= 2}


R1, R2, R4 = ("R1", "1"), ("R2", "1"), ("R4", "1")


@pytest.mark.parametrize("path, kicad, joined", [
    # KiCad 9 names a power net with an empty value ~, so the global label ~ joins it
    (OLD, 9, {frozenset({R1, R2, R4}): "~"}),
    # KiCad 10 leaves it unnamed (its netlist: <NO NET>), apart from the label
    (OLD, 10, {frozenset({R1, R2}): ""}),
    # in KiCad 10's format ~ is text: the power symbol valued ~ joins the label ~
    (NEW, 10, {frozenset({R1, R4}): "~"}),
])
def test_power_valued_tilde(path, kicad, joined):
    assert _nets(path, kicad) == joined
    stored = path[: -len(".kicad_sch")] + (".net" if kicad == 9 else ".k10.net")
    theirs = recorded_nets(stored)
    assert set(theirs) == set(joined)
    assert [{"<NO NET>": ""}.get(n, n) for n in theirs.values()] == list(joined.values())


@pytest.mark.parametrize("path, value", [(OLD, ""), (NEW, "~")])
def test_part_valued_tilde(path, value):
    """R5's value as KiCad 10 reads it (its netlist writes an empty value as ``~`` too, so
    only the file format tells them apart)."""
    doc = encode_design(path, kicad=10).document
    assert next(c.value for c in doc.components if c.ref == "R5") == value


# A KiCad 10 file whose part keeps a Datasheet and an MPN written ``~`` (the text ``~`` in
# that format; fixture kicad10/k10_tilde_datasheet, hand-written: RAMN's screens board, an
# unseen KiCad 10 design, has five connectors so).  A decoded file is in KiCad 9's format,
# where KiCad 10 loads a field ``~`` as empty: the same text reads as "no datasheet" there.
K10_DATASHEET = os.path.join(HERE, "fixtures", "kicad10", "k10_tilde_datasheet.kicad_sch")


def _parts(fields: dict[str, str]) -> Netlist:
    return Netlist({"R1": {"value": "10k", "footprint": "", "fields": fields}}, {})


@pytest.mark.parametrize("theirs, ours, differs", [
    ({"Datasheet": "~", "MPN": "~"}, {"Datasheet": "", "MPN": ""}, False),   # KiCad 10 on a decoded file
    ({"Datasheet": "~"}, {}, False),
    ({"Datasheet": "~"}, {"Datasheet": "x.pdf"}, True),
    ({"Datasheet": "x.pdf"}, {"Datasheet": ""}, True),
    ({"Datasheet": ""}, {"Datasheet": "~"}, True),
])
def test_a_field_tilde_read_as_empty_is_no_difference(theirs, ours, differs):
    assert bool(kicad_cli.part_differences(_parts(theirs), _parts(ours))) == differs


@pytest.mark.skipif(kicad_clis()[10] is None, reason="KiCad 10 not installed (scripts/install-kicad10.sh)")
def test_k10_tilde_datasheet_round_trip(symbol_index, tmp_path):
    """KiCad 9 cannot load the fixture (KiCad 10's format)."""
    cli = kicad_clis()[10]
    text = write_tokn(encode_design(K10_DATASHEET, kicad=10).document)
    out = tmp_path / "k10_tilde_datasheet.kicad_sch"
    decode(parse_tokn(text), symbol_index, project="k10_tilde_datasheet").write(str(out))
    ref = kicad_cli.export_netlist(K10_DATASHEET, cli=cli)
    got = kicad_cli.export_netlist(str(out), cli=cli)
    assert ref.components["R1"]["fields"]["Datasheet"] == "~"
    assert ref.components["R1"]["fields"]["MPN"] == "~"
    assert "\n  R1,MPN,~\n" in text                  # the document keeps the text ~
    # KiCad 10 reads the decoded file's ~ (KiCad 9's format) as empty
    assert got.components["R1"]["fields"]["MPN"] == ""
    assert got.components["R1"]["fields"]["Datasheet"] == ""
    assert kicad_cli.part_differences(ref, got) == []
