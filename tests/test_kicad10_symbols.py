"""Symbol features of KiCad 10 that change a netlist (docs/kicad-connectivity-findings.md):

* stacked pins (rule K5): one drawn pin numbered ``[1,15,38,39]`` stands for several pads,
  and KiCad 10 netlists one pin per number;
* jumper pin groups (rule K6): ``(jumper_pin_groups ("1" "4"))`` joins those pins inside
  the part, so their nets are one (fixture ``tests/fixtures/kicad10/k10_jumper_pins``, a
  KiCad 10 file KiCad 9 cannot read, with KiCad 10.0.7's netlist).

The fixture ``k10_stacked_pin`` (tests/fixtures/connectivity) has a part whose pin
``[1-3]`` is on net ``/S``; its ``.k10.net`` is KiCad 10.0.7's netlist, its ``.net``
KiCad 9.0.8's (one pin numbered ``[1-3]``).
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.decode.decoder import _load_files
from tokn.doc import parse_tokn, write_tokn
from tokn.doc.model import Component, Document, Net
from tokn.encode import encode_design
from tokn.kicad.connectivity import design_nets
from tokn.kicad.library import SymbolIndex
from tokn.kicad.symbols import stacked_pin_numbers
from tokn.validate import validate

from .support import KICAD10_ROOT, multi_pin_nets, needs_kicad, recorded_nets
from .support import read_text

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "k10_stacked_pin.kicad_sch")


@pytest.mark.parametrize("number, numbers", [
    ("5", ["5"]),                                   # not stacked
    ("[1,2,3]", ["1", "2", "3"]),
    ("[1-4]", ["1", "2", "3", "4"]),
    ("[A1-A3]", ["A1", "A2", "A3"]),
    ("[AA1-AA3,AB4,CD12-CD14]", ["AA1", "AA2", "AA3", "AB4", "CD12", "CD13", "CD14"]),
    ("[ 1 , 15 ]", ["1", "15"]),                    # blanks around parts
    ("[1,,2]", ["1", "2"]),                         # empty parts skipped
    ("[3-1]", ["[3-1]"]),                           # invalid: descending range, kept as written
    ("[A1-B3]", ["[A1-B3]"]),                       # invalid: the ends' letters differ
    ("[x-y]", ["[x-y]"]),                           # invalid: no numbers
    ("[]", ["[]"]),                                 # invalid: nothing inside
    ("1]", ["1]"]),                                 # not bracketed at both ends
])
def test_stacked_pin_numbers(number, numbers):
    assert stacked_pin_numbers(number) == numbers


def _multi(nets) -> dict[frozenset, str]:
    return {frozenset((p.ref, p.pin) for p in n.pins): n.name for n in nets if len(n.pins) >= 2}


@needs_kicad
def test_encoded_by_kicad_10s_rules_the_text_alone_decodes_to_kicad_10s_nets(tmp_path):
    """encode (KiCad 10's rules: U1.1, U1.2, U1.3) -> TOKN text -> validate -> decode in an
    empty folder (the text and the installed libraries): the part keeps its own symbol with the stacked pin, and the decoded files read
    by KiCad 10's rules give KiCad 10's netlist of the original."""
    text = write_tokn(encode_design(FIXTURE, kicad=10).document)
    doc = parse_tokn(text)
    s_net = next(n for n in doc.nets if n.name == "/S")
    assert s_net.pins == ["R1.2", "U1.1", "U1.2", "U1.3"]
    assert not [f for f in validate(doc) if f.severity == "error"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    decoded = decode(doc, SymbolIndex.default(str(fresh)), project="d")   # the installed libraries only
    assert decoded.mode == "as-drawn" and not decoded.warnings, decoded.warnings
    files = decoded.files
    design = _load_files(files, decoded.root)
    theirs = recorded_nets(FIXTURE[:-len(".kicad_sch")] + ".k10.net")
    assert set(_multi(design_nets(design, kicad=10).nets)) == set(theirs)
    assert "[1-3]" in files[decoded.root]                      # the symbol's own pin, not one per number


def test_encoded_by_kicad_9s_rules_the_pin_keeps_its_text():
    doc = encode_design(FIXTURE, kicad=9).document
    assert next(n for n in doc.nets if n.name == "/S").pins == ["R1.2", "U1.[1-3]"]
    assert not [f for f in validate(doc) if f.severity == "error"]


K10_RF_MODULE = os.path.join(KICAD10_ROOT, "usr", "share", "kicad", "symbols", "RF_Module.kicad_sym")


@pytest.mark.skipif(not os.path.exists(K10_RF_MODULE), reason=f"KiCad 10's libraries not installed at {KICAD10_ROOT}")
def test_validator_reads_kicad_10_stock_stacked_pins(tmp_path):
    """KiCad 10's ESP32-WROOM-32E has one GND pin numbered [1,15,38,39]: an answer naming
    U1.1 or U1.38 names a pin it has, and the ground is connected through any of them."""
    index = SymbolIndex({"RF_Module": K10_RF_MODULE}, cache_dir=str(tmp_path / "cache"))
    doc = Document(components=[Component("U1", "RF_Module:ESP32-WROOM-32E")],
                   nets=[Net("GND", ["U1.38", "U1.1"]), Net("+3V3", ["U1.2", "U1.3"])])
    codes = [(f.code, f.where) for f in validate(doc, index) if f.severity == "error"]
    assert codes == []
    doc.nets[0].pins = ["U1.40", "U1.3"]
    doc.nets[1].pins = ["U1.2", "U1.4"]
    codes = [(f.code, f.where) for f in validate(doc, index) if f.severity == "error"]
    assert ("unknown-pin", "U1.40") in codes and ("unconnected-power-pin", "U1.[1,15,38,39]") in codes


JUMPERS = os.path.join(os.path.dirname(__file__), "fixtures", "kicad10", "k10_jumper_pins.kicad_sch")


def test_jumper_pin_groups_join_their_nets_as_in_kicad_10():
    from tokn.kicad.hierarchy import load_design
    theirs = recorded_nets(JUMPERS[:-len(".kicad_sch")] + ".k10.net")
    ours = {frozenset((p.ref, p.pin) for p in n.pins): n.name
            for n in design_nets(load_design(JUMPERS), kicad=10).nets if len(n.pins) >= 2}
    assert ours == theirs
    gnd = next(n for n in encode_design(JUMPERS).document.nets if n.name == "GND")   # a KiCad 10 file
    assert {"U1.1", "U1.4", "R1.2"} <= set(gnd.pins)


def test_a_pin_number_with_a_comma_is_named_in_a_warning(tmp_path):
    """KiCad 9's rules keep ``[1,2,3]`` as one pin number, which a TOKN net list (comma
    separated) cannot hold: the encoder says so; KiCad 10's rules list 1, 2, 3."""
    src = read_text(FIXTURE, encoding="utf-8").replace('(number "[1-3]"', '(number "[1,2,3]"')
    path = tmp_path / "comma.kicad_sch"
    path.write_text(src, encoding="utf-8")
    k9 = encode_design(str(path), kicad=9)
    assert [w for w in k9.warnings if "pin numbers with a comma" in w and "U1.[1,2,3]" in w]
    k10 = encode_design(str(path), kicad=10)
    assert not [w for w in k10.warnings if "comma" in w]
    assert next(n for n in k10.document.nets if n.name == "/S").pins == ["R1.2", "U1.1", "U1.2", "U1.3"]


@pytest.mark.skipif(not os.path.exists(K10_RF_MODULE), reason=f"KiCad 10's libraries not installed at {KICAD10_ROOT}")
def test_generation_shows_and_repairs_stacked_pins_by_number(tmp_path):
    """What `tokn generate` does with KiCad 10's ESP32-WROOM-32E: the prompt's pin table lists
    GND as pins 1, 15, 38 and 39 (no comma inside a number), and an answer's ``U1.GND`` is
    repaired to those numbers, which validate and decode with the library's own symbol."""
    from tokn.generate.grounding import part_pins
    from tokn.generate.netfix import repair_nets, resolver_pins
    from tokn.resolve import SymbolResolver
    index = SymbolIndex({"RF_Module": K10_RF_MODULE}, cache_dir=str(tmp_path / "cache"))
    pp = part_pins("ESP32-WROOM-32E", "RF_Module:ESP32-WROOM-32E", index.get("RF_Module:ESP32-WROOM-32E"))
    gnd = [row[0] for row in pp.pins if row[1] == "GND"]
    assert gnd == ["1", "15", "38", "39"] and not [row for row in pp.pins if "," in row[0]]
    doc = Document(components=[Component("U1", "RF_Module:ESP32-WROOM-32E")],
                   nets=[Net("GND", ["U1.GND"]), Net("+3V3", ["U1.VDD", "U1.3"])])
    fixed, _findings = repair_nets(doc, resolver_pins(SymbolResolver(index)))
    assert next(n for n in fixed.nets if n.name == "GND").pins == ["U1.1", "U1.15", "U1.38", "U1.39"]
    assert not [f for f in validate(fixed, index) if f.severity == "error"]
    decoded = decode(fixed, index, project="d")
    assert not [w for w in decoded.warnings if "generated" in w], decoded.warnings


DUPLICATE_JUMPERS = os.path.join(os.path.dirname(__file__), "fixtures", "kicad10",
                                 "k10_duplicate_pin_jumpers.kicad_sch")


@pytest.mark.parametrize("path,carried", [
    (JUMPERS, None),
    (DUPLICATE_JUMPERS, "Q:DUP"),
], ids=["jumper_pin_groups", "duplicate_pin_numbers_are_jumpers"])
def test_jumper_symbols_travel_in_the_text_and_decode_as_drawn_with_kicad_10s_nets(path, carried, tmp_path):
    """A design's own jumper symbol is carried with its groups (column ``jumper``), and the
    text alone decodes as drawn to a schematic whose KiCad 10 nets are the original's:
    before, the groups were lost and the decoder fell back to a grid layout (a
    ``jumper_pin_groups`` symbol) or wrote a symbol KiCad 10 splits the net of (duplicate
    numbers, found on KiCad's own test design ``netlists/jumpers``)."""
    text = write_tokn(encode_design(path).document)
    doc = parse_tokn(text)                                   # the text alone
    jumpered = {lib_id: pins for lib_id, pins in doc.symbols.items() if any(p.jumper for p in pins)}
    assert jumpered and (carried is None or carried in jumpered)
    decoded = decode(doc, SymbolIndex.default(str(tmp_path)), project="d")    # the installed libraries only
    assert decoded.mode == "as-drawn", decoded.warnings
    design = _load_files(decoded.files, decoded.root)
    ours = {frozenset((p.ref, p.pin) for p in n.pins) for n in design_nets(design, kicad=10).nets if len(n.pins) >= 2}
    theirs = set(recorded_nets(path[:-len(".kicad_sch")] + ".k10.net"))
    assert ours == theirs
    sch = decoded.files[decoded.root]
    assert ("jumper_pin_groups" in sch) if carried is None else ("(duplicate_pin_numbers_are_jumpers yes)" in sch)


def test_a_symbol_without_jumpers_keeps_its_signature_and_table():
    """Stock comparisons and documents of ordinary symbols do not change: no ``jumper``
    column, and the pin signature of KiCad 10's ``(duplicate_pin_numbers_are_jumpers no)``
    symbols is that of the same symbol without the flag."""
    from tokn.kicad.symbols import parse_lib_symbol, pin_signature
    from tokn.sexpr.lexer import parse
    node = parse('(symbol "X:R" (duplicate_pin_numbers_are_jumpers no) (symbol "R_1_1" '
                 '(pin passive line (at 0 3.81 270) (length 1.27) (name "~") (number "1"))'
                 '(pin passive line (at 0 -3.81 90) (length 1.27) (name "~") (number "2"))))')[0]
    plain = [x for x in node if not (isinstance(x, list) and x[0] == "duplicate_pin_numbers_are_jumpers")]
    assert pin_signature(parse_lib_symbol(node)) == pin_signature(parse_lib_symbol(plain))
    assert "jumper" not in write_tokn(encode_design(FIXTURE).document)


CACHE_ATTRIBUTES = os.path.join(os.path.dirname(__file__), "fixtures", "kicad10", "k10_cache_attributes.kicad_sch")


def test_kicad10_cache_symbols_decode_to_a_file_kicad_9_reads(tmp_path):
    """KiCad 10 writes ``(in_pos_files yes)``, ``(duplicate_pin_numbers_are_jumpers no)``
    and ``(power global)`` (KiCad 9: ``(power)``) in its cached library symbols, and KiCad
    9.0.8 refuses a file with any of them ("Failed to load schematic"; a sub-sheet it
    refuses is left empty while the root loads).  A document decoded with the symbols of a
    KiCad 10 original (``--symbols-from``, as the round-trip checks do) is in KiCad 9's
    format, so the decoder writes those symbols as KiCad 9 reads them.  Found on an unseen
    KiCad 10 design (protoworks-kicad-3-3v-regulator) whose decoded files KiCad 9 could not
    load.  Fixture ``k10_cache_attributes``, hand-written: two resistors in series between
    two GND symbols; its ``.k10.net`` is KiCad 10.0.7's netlist."""
    from tokn.decode import symbols_from_schematic
    from tokn.kicad import kicad_cli
    from tokn.kicad.hierarchy import load_design

    doc = parse_tokn(write_tokn(encode_design(CACHE_ATTRIBUTES, kicad=10).document))
    symbols = {}
    for f in load_design(CACHE_ATTRIBUTES).files.values():
        symbols.update(symbols_from_schematic(f))
    decoded = decode(doc, None, symbols=symbols, project="d")
    assert decoded.mode == "as-drawn", decoded.warnings
    sch = decoded.files[decoded.root]
    assert "(duplicate_pin_numbers_are_jumpers" not in sch and "(in_pos_files" not in sch
    assert "(power global)" not in sch and "(power)" in sch
    assert "(pin_numbers" in sch and "(on_board yes)" in sch             # the rest of the symbol is kept
    design = _load_files(decoded.files, decoded.root)
    theirs = set(recorded_nets(CACHE_ATTRIBUTES[:-len(".kicad_sch")] + ".k10.net"))
    for kicad in (9, 10):
        ours = {frozenset((p.ref, p.pin) for p in n.pins) for n in design_nets(design, kicad=kicad).nets
                if len(n.pins) >= 2}
        assert ours == theirs
    if kicad_cli.available():                                # KiCad 9 loads it and agrees
        out = tmp_path / "d.kicad_sch"
        decoded.write(str(out))
        got = kicad_cli.export_netlist(str(out))
        assert set(got.components) == {"R1", "R2"}
        assert set(multi_pin_nets(got.nets.items())) == theirs


# ---- which KiCad's libraries a document is checked against -------------------------------

K9_SYMBOLS = "/usr/share/kicad/symbols"
K10_SYMBOLS = os.path.join(KICAD10_ROOT, "usr", "share", "kicad", "symbols")
both_libraries = pytest.mark.skipif(
    not (os.path.isfile(os.path.join(K9_SYMBOLS, "Connector.kicad_sym"))
         and os.path.isfile(os.path.join(K10_SYMBOLS, "Connector.kicad_sym"))),
    reason="needs KiCad 9's and KiCad 10's symbol libraries (scripts/install-kicad.sh, install-kicad10.sh)")

#: a KiCad 10 design's text at ``nets`` detail (unseen Excse/plant-watering-system): KiCad 10's
#: USB_C_Receptacle_PowerOnly_6P calls its shield pin SH, KiCad 9's S1
USB_C = """# TOKN v1
title: usb
{kicad}
components[2]{{ref,type,value,lib}}:
  J1,USB_C_Receptacle_PowerOnly_6P,USB_C,Connector
  R1,R,1M,Device

nets[2]{{name,pins}}:
  GND,"J1.A12,J1.B12,R1.2"
  N1,"J1.SH,R1.1"
"""


@both_libraries
@pytest.mark.parametrize("kicad_line,option,status", [
    ("kicad: 10", [], 0),               # the document says KiCad 10: its libraries
    ("", ["--kicad", "10"], 0),          # the user says so
    ("", [], 1),                         # nothing said: KiCad 9's configuration first, SH unknown
    ("kicad: 10", ["--kicad", "9"], 1),  # the user's word wins
], ids=["document", "option", "neither", "option-over-document"])
def test_validate_checks_a_kicad10_document_against_kicad10s_libraries(tmp_path, monkeypatch, kicad_line,
                                                                         option, status):
    from click.testing import CliRunner

    from tokn.cli import main
    monkeypatch.setenv("KICAD9_SYMBOL_DIR", K9_SYMBOLS)
    monkeypatch.setenv("KICAD10_SYMBOL_DIR", K10_SYMBOLS)
    monkeypatch.setenv("KICAD_CONFIG_HOME", str(tmp_path / "config"))     # no user tables
    path = tmp_path / "usb.tokn"
    path.write_text(USB_C.format(kicad=kicad_line), encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(path), *option])
    assert r.exit_code == status, r.output
    assert ("has no pin SH" in r.output) == (status == 1), r.output


@pytest.mark.parametrize("path,kicad", [
    (os.path.join(os.path.dirname(__file__), "fixtures", "kicad10", "k10_tilde_values.kicad_sch"), 10),
    (FIXTURE, 0),                        # a KiCad 9 file, also when encoded by KiCad 10's rules
])
@pytest.mark.parametrize("detail", ["full", "nets"])
def test_a_kicad10_design_says_so(path, kicad, detail):
    doc = encode_design(path, detail=detail, kicad=10).document
    assert doc.kicad == kicad
    text = write_tokn(doc)
    assert ("\nkicad: 10\n" in text) == bool(kicad) and parse_tokn(text).kicad == kicad
