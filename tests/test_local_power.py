"""KiCad 10's local power symbols (``(power local)`` in the library symbol): a power symbol
whose net is local to its sheet instance and named like a local label (``/VL``, ``/A/VL``),
where a global power symbol joins every sheet.

The fixture ``tests/fixtures/kicad10/k10_local_power`` (written by
``scripts/make_rule_fixtures.py k10_local_power``) places ``lp:VL`` in the root, in two
instances of one sheet (A, B) and in a single sheet (C, where a local label ``VL`` joins
it), beside a global ``power:GND``; ``root.k10.net`` is KiCad 10.0.7's netlist.  KiCad 9.0.8
cannot load the file.  The ``power`` table's optional ``local`` column (docs/format.md)
carries the flag, so the text alone decodes as drawn with KiCad 10's nets.
"""
from __future__ import annotations

import os
import shutil

import pytest

from tokn.decode import decode
from tokn.decode.decoder import LOCAL_POWER_NOTE, _load_files
from tokn.doc import parse_tokn, write_tokn
from tokn.doc.model import Component, Document, Net, PowerSymbol, Sheet
from tokn.encode import encode_design
from tokn.errors import KicadCliError
from tokn.kicad import kicad_cli
from tokn.kicad.connectivity import design_nets
from tokn.kicad.hierarchy import load_design
from tokn.kicad.library import SymbolIndex

from .support import kicad_clis, kicad_version_params, needs_kicad, recorded_nets

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "kicad10", "k10_local_power", "root.kicad_sch")
KICAD10_NETS = FIXTURE[: -len(".kicad_sch")] + ".k10.net"


def _named_nets(design, kicad: int = 10) -> dict[frozenset, str]:
    return {frozenset((p.ref, p.pin) for p in n.pins): n.name
            for n in design_nets(design, kicad=kicad).nets if len(n.pins) >= 2}


@pytest.mark.parametrize("kicad", [9, 10])
def test_local_power_nets_are_kicad_10s(kicad):
    """Either version's rules give KiCad 10's nets, names included (KiCad 9 has no nets to
    compare with: it cannot load the design)."""
    theirs = recorded_nets(KICAD10_NETS)
    assert sorted(theirs.values()) == ["/A/VL", "/B/VL", "/C/VL", "/VL", "GND"]
    assert _named_nets(load_design(FIXTURE), kicad) == theirs


@pytest.mark.parametrize("text, local", [
    ("power[1]{net,lib,x,y,a}:\n  VCC,power:VCC,1,2,0\n", [False]),                  # written before the column
    ("power[2]{net,lib,x,y,a,local}:\n  VL,lp:VL,1,2,0,1\n  GND,power:GND,1,2,0,\n", [True, False]),
    ("power[1]{net,lib,x,y,a,local,sheet}:\n  VL,lp:VL,1,2,0,0,S1\n", [False]),       # a reader takes 0 too
    ("power[1]{local,net,lib,x,y,a}:\n  1,VL,lp:VL,1,2,0\n", [True]),                  # columns by name
])
def test_power_local_column_is_read(text, local):
    doc = parse_tokn("# TOKN v1\n\ncomponents[0]{ref,type,value}:\n\nnets[0]{name,pins}:\n\n" + text)
    assert [ps.local for ps in doc.power] == local


@pytest.mark.parametrize("rows, header", [
    ([PowerSymbol("GND", "power:GND")], "power[1]{net,lib,x,y,a}:"),
    ([PowerSymbol("VL", "lp:VL", local=True), PowerSymbol("GND", "power:GND")], "power[2]{net,lib,x,y,a,local}:"),
    ([PowerSymbol("VL", "lp:VL", local=True, sheet="S1")], "power[1]{net,lib,x,y,a,local,sheet}:"),
])
def test_power_local_column_is_written_only_when_used(rows, header):
    text = write_tokn(Document(power=rows))
    assert header in text.splitlines()
    assert [ps.local for ps in parse_tokn(text).power] == [ps.local for ps in rows]


@pytest.mark.parametrize("kicad, warned", [(None, False), (10, False), (9, True)])
def test_encoder_marks_local_power_rows(kicad, warned):
    """Rows of ``lp:VL`` say ``local``, GND's do not; ``--kicad auto`` reads a design with
    local power symbols by KiCad 10's rules (whatever its file format), and KiCad 9's rules
    get a warning naming the symbol."""
    result = encode_design(FIXTURE, kicad=kicad)
    rows = {(ps.lib, ps.local) for ps in result.document.power}
    assert rows == {("lp:VL", True), ("power:GND", False)}
    local_warnings = [w for w in result.warnings if "(power local)" in w]
    assert bool(local_warnings) == warned, result.warnings
    if warned:
        assert "lp:VL" in local_warnings[0] and "KiCad 9 cannot load" in local_warnings[0]


def test_the_text_alone_decodes_as_drawn_with_kicad_10s_nets(tmp_path):
    """encode -> text -> decode in an empty folder: drawn as the original (before: a grid
    layout whose nets lost their sheet paths), the lib symbol written ``(power local)``,
    and KiCad 10's nets by tokn's engine; the decoder says the file is KiCad 10's."""
    text = write_tokn(encode_design(FIXTURE).document)
    assert "power[8]{net,lib,x,y,a,local,sheet}:" in text and "symbol{lp:VL}" in text
    decoded = decode(parse_tokn(text), SymbolIndex.default(str(tmp_path)), project="d")
    assert decoded.mode == "as-drawn", decoded.warnings
    assert decoded.warnings == [LOCAL_POWER_NOTE]
    assert sorted(decoded.files) == ["d.kicad_sch", "single.kicad_sch", "sub.kicad_sch"]
    assert all("(power local)" in t for t in decoded.files.values())      # lp:VL is on every sheet
    assert _named_nets(_load_files(decoded.files, decoded.root)) == recorded_nets(KICAD10_NETS)
    (tmp_path / "again").mkdir()
    decoded.write(str(tmp_path / "again" / "d.kicad_sch"))
    again = encode_design(str(tmp_path / "again" / "d.kicad_sch"))        # the decoded file encodes back
    assert {(ps.lib, ps.local) for ps in again.document.power} == {("lp:VL", True), ("power:GND", False)}
    assert not [w for w in again.warnings if "(power local)" in w]


@pytest.mark.kicad
@pytest.mark.parametrize("major", kicad_version_params())
def test_kicad_reads_the_decoded_file(major, tmp_path):
    """KiCad 10 netlists the decoded design as it netlists the original; KiCad 9 cannot
    load it, and the error says why."""
    decoded = decode(parse_tokn(write_tokn(encode_design(FIXTURE).document)),
                     SymbolIndex.default(str(tmp_path)), project="d")
    out = tmp_path / "out" / "d.kicad_sch"
    decoded.write(str(out))
    cli = kicad_clis()[major]
    if major == 10:
        nets = kicad_cli.export_netlist(str(out), cli=cli).nets
        assert {frozenset(p): n for n, p in nets.items() if len(p) >= 2} == recorded_nets(KICAD10_NETS)
    else:
        with pytest.raises(KicadCliError, match=r"local power symbols, \(power local\), which KiCad 9 cannot load"):
            kicad_cli.export_netlist(str(out), cli=cli)


def _r_at(ref: str, x: float, y: float, sheet: str = "") -> Component:
    """A Device:R whose pin 1 is at (x, y)."""
    return Component(ref, "R", "10k", "", x, y + 3.81, None, None, 0, lib="Device", sheet=sheet)


def _mixed_document() -> Document:
    """Hand-written: the stock global ``power:VCC`` drawn local on the root (R1, R2: net
    /VCC) and global in sheet S1 (R3, R4: net VCC), one lib_id of both kinds."""
    comps = [_r_at("R1", 40, 100), _r_at("R2", 50, 100), _r_at("R3", 40, 100, "S1"), _r_at("R4", 50, 100, "S1")]
    power = [PowerSymbol("VCC", "power:VCC", 40, 100, 0, True), PowerSymbol("VCC", "power:VCC", 50, 100, 0, True),
             PowerSymbol("VCC", "power:VCC", 40, 100, 0, False, "S1"),
             PowerSymbol("VCC", "power:VCC", 50, 100, 0, False, "S1")]
    return Document(components=comps, nets=[Net("/VCC", ["R1.1", "R2.1"]), Net("VCC", ["R3.1", "R4.1"])],
                    sheets=[Sheet("S1", "S", "s.kicad_sch", "", 100, 40, 20, 20)], power=power)


@needs_kicad
def test_a_stock_global_symbol_drawn_local_gets_a_local_copy(tmp_path):
    """A row asking a stock (global) power symbol to be local is drawn with a local copy
    embedded under its own name (``VCC_local``, placed with ``lib_name``), so both kinds
    of one lib_id can be drawn; the document's nets come out."""
    if not SymbolIndex.default(str(tmp_path)).get("power:VCC"):
        pytest.fail("power:VCC missing from KiCad's installed libraries")
    decoded = decode(_mixed_document(), SymbolIndex.default(str(tmp_path)), project="d")
    assert decoded.mode == "as-drawn", decoded.warnings
    root = decoded.files[decoded.root]
    assert '(lib_name "VCC_local")' in root and '(symbol "VCC_local_1_1"' in " ".join(root.split())
    assert "(power local)" in root and "(power local)" not in decoded.files["s.kicad_sch"]
    ours = _named_nets(_load_files(decoded.files, decoded.root))
    assert ours == {frozenset({("R1", "1"), ("R2", "1")}): "/VCC", frozenset({("R3", "1"), ("R4", "1")}): "VCC"}
    cli = kicad_clis()[10]
    if cli is not None:                      # KiCad 10 agrees where it is installed
        out = tmp_path / "out" / "d.kicad_sch"
        decoded.write(str(out))
        nets = kicad_cli.export_netlist(str(out), cli=cli).nets
        assert {frozenset(p): n for n, p in nets.items() if len(p) >= 2} == ours


def test_validate_and_lenient_reading_accept_the_column():
    from tokn.doc.lenient import read_answer
    from tokn.validate import validate
    text = write_tokn(encode_design(FIXTURE).document)
    assert not [f for f in validate(parse_tokn(text)) if f.severity == "error"]
    reading = read_answer(text)
    assert reading.error is None and [ps.local for ps in reading.document.power].count(True) == 6


def test_local_power_is_found_in_a_designs_files(tmp_path):
    """kicad-cli's load failures name local power symbols only for a design that has them."""
    for name in os.listdir(os.path.dirname(FIXTURE)):
        if name.endswith(".kicad_sch"):
            shutil.copy(os.path.join(os.path.dirname(FIXTURE), name), tmp_path / name)
    assert kicad_cli.uses_local_power(str(tmp_path / "root.kicad_sch"))
    assert not kicad_cli.uses_local_power(os.path.join(os.path.dirname(FIXTURE), "..", "k10_jumper_pins.kicad_sch"))
