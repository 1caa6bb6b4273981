"""Symbol resolution never substitutes a different part, and a `full` document carries the
symbols the stock libraries do not hold exactly (issue 9, classes 1, 2, 5 and 6).

Fixtures: tests/fixtures/resolution/*/ -- small schematics with private and drifted symbols
and KiCad 9's netlist of each (recorded with kicad-cli; see make_fixtures.py there).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.doc.model import Component, Document, Net, SymbolPin
from tokn.doc.symdefs import document_symbol, symbol_pins
from tokn.resolve import touch_conflict
from tokn.encode import encode_design
from tokn.errors import ToknSemanticError
from tokn.kicad import kicad_cli
from tokn.kicad.connectivity import design_nets
from tokn.kicad.hierarchy import load_design
from tokn.kicad.library import SymbolIndex
from tokn.resolve import SymbolResolver
from tokn.sexpr import child, children, first_value, parse

from .support import KICAD10_ROOT, needs_kicad, recorded_nets
from .support import read_text

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures", "resolution")
LOOKALIKES = os.path.join(FIX, "private_lookalikes", "private_lookalikes.kicad_sch")
DRIFTED = os.path.join(FIX, "drifted_raspberry_pi", "drifted_raspberry_pi.kicad_sch")
TOKN = [os.path.join(os.path.dirname(sys.executable), "tokn")]


def _recorded_nets(sch: str) -> dict[frozenset, str]:
    """KiCad's multi-pin nets of a fixture, from the recorded .net beside it."""
    return recorded_nets(sch[:-len(".kicad_sch")] + ".net")


def _our_nets(sch: str) -> dict[frozenset, str]:
    out = {}
    for n in design_nets(load_design(sch)).nets:
        pins = frozenset((p.ref, p.pin) for p in n.pins if not p.ref.startswith("#"))
        if len(pins) >= 2:
            out[pins] = n.name
    return out


def _text_only_round_trip(sch: str, tmp_path, detail: str = "full"):
    """encode -> TOKN text -> decode in a fresh folder, with no symbol source but the text
    and the installed libraries; returns (decoded, path written, document text)."""
    text = write_tokn(encode_design(sch, detail).document)
    out = tmp_path / "fresh" / "d.kicad_sch"
    out.parent.mkdir()
    decoded = decode(parse_tokn(text), SymbolIndex.default(str(out.parent)), project="d")
    decoded.write(str(out))
    return decoded, str(out), text


# ---------------------------------------------------------------- the extension's content

@pytest.mark.parametrize("sch, carried, not_carried", [
    (LOOKALIKES, ["myproj:CAP", "myproj:CP"], ["Device:R", "power:GND"]),
    (DRIFTED, ["Connector:Raspberry_Pi_2_3"], ["Device:R", "power:GND"]),
])
def test_full_carries_exactly_the_symbols_the_stock_libraries_lack(sch, carried, not_carried, symbol_index):
    doc = encode_design(sch).document
    assert sorted(doc.symbols) == carried
    text = write_tokn(doc)
    for lib_id in not_carried:
        assert f"symbol{{{lib_id}}}" not in text
    assert "symbols" in text.splitlines()[2]          # listed in extensions[K]


@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_lower_details_carry_no_symbols(detail, symbol_index):
    assert encode_design(LOOKALIKES, detail).document.symbols == {}


def test_carried_pins_keep_types_positions_units_and_hidden_flags(symbol_index):
    pins = {p.number: p for p in encode_design(LOOKALIKES).document.symbols["myproj:CP"]}
    assert (pins["1"].name, pins["1"].type, pins["1"].x, pins["1"].y, pins["1"].a) == ("+", "power_out", 0, 3.81, 270)
    assert pins["2"].type == "passive" and pins["2"].length == 2.794
    rpi = encode_design(DRIFTED).document.symbols["Connector:Raspberry_Pi_2_3"]
    assert not any(p.hide for p in rpi) and {p.type for p in rpi if p.number == "9"} == {"power_in"}


def test_symbol_tables_parse_back_to_the_same_document(symbol_index):
    doc = encode_design(DRIFTED).document
    again = parse_tokn(write_tokn(doc))
    assert again.symbols == doc.symbols
    assert write_tokn(again) == write_tokn(doc)


@pytest.mark.parametrize("text, message", [
    ("symbol{a:B}[1]:\n  1,A,passive,0,0,0\n", "must name its columns"),
    ("symbol{a:B}[1]{num,name,type,x,y}:\n  1,A,passive,0,0\n", "lacks required column(s) a"),
    ("symbol{a:B}[2]{num,name,type,x,y,a}:\n  1,A,passive,0,0,0\n", "says [2] rows but 1 follow"),
    ("symbol{a:B}[1]{num,name,type,x,y,a,unit}:\n  1,A,passive,0,0,0,one\n", "column 'unit'"),
    ("symbol{a:B}[0]{num,name,type,x,y,a}:\nsymbol{a:B}[0]{num,name,type,x,y,a}:\n", "given twice"),
    ("symbols{a:B}[0]{num}:\n", "unknown table 'symbols{...}'"),
])
def test_bad_symbol_tables_are_errors_with_a_line(text, message):
    with pytest.raises(ToknSemanticError) as e:
        parse_tokn("# TOKN v1\n" + text, "x.tokn")
    assert message in str(e.value) and str(e.value).startswith("x.tokn:")


def test_optional_symbol_columns_default():
    doc = parse_tokn("# TOKN v1\nsymbol{a:B}[1]{num,name,type,x,y,a}:\n  1,,passive,0,2.54,270\n")
    assert doc.symbols["a:B"] == [SymbolPin("1", "", "passive", 0.0, 2.54, 270.0, 2.54, 1, 1, False)]


def test_a_rebuilt_symbol_has_the_stated_pins():
    pins = [SymbolPin("1", "A", "input", -5.08, 0, 0), SymbolPin("2", "", "power_out", 5.08, 0, 180, 3.81, 2),
            SymbolPin("3", "V", "power_in", 0, 5.08, 270, 2.54, 0, 1, True)]
    sym = document_symbol("lib:X", pins)
    assert symbol_pins(sym) == sorted(pins, key=lambda p: (p.unit, p.style, p.number))
    assert sym.unit_count == 2 and not sym.is_power
    assert document_symbol("lib:PWR", pins[2:], power=True).is_power


# ---------------------------------------------------------------- resolution

def test_a_private_lookalike_is_never_read_as_a_stock_part(symbol_index):
    doc = encode_design(LOOKALIKES, "nets").document      # no carried symbols
    decoded = decode(doc, symbol_index)
    assert decoded.mode == "laid-out"
    lib_ids = {first_value(s, "lib_id") for s in children(parse(decoded.root_text)[0], "symbol")}
    assert {"tokn:CP", "tokn:CAP", "Device:R"} <= lib_ids
    assert not lib_ids & {"Interface_USB:CP2104", "Device:CP", "Power_Management:CAP002DG", "Device:C"}
    assert any("C1: tokn:CP generated" in w for w in decoded.warnings)


@pytest.mark.parametrize("lib, typ, fuzzy, expected", [
    ("myproj", "CP", False, None),             # stated library lacks it: nothing
    ("myproj", "R", True, "Device:R"),         # generation may take the same name elsewhere
    ("myproj", "R", False, None),
    ("", "CP2104", False, "Interface_USB:CP2104"),   # exact unique name
    ("", "TL072CP", False, None),              # not a symbol name
    ("", "TL072CP", True, "Amplifier_Operational:TL072"),
    ("", "LM317", True, "Regulator_Linear:LM317_TO-220"),   # the usual numbering, not the TO-3 can
    ("", "ATmega328P", True, "MCU_Microchip_ATmega:ATmega328P-P"),   # not ATmega328-P: its P is a package
    ("", "ATmega328", True, "MCU_Microchip_ATmega:ATmega328-A"),
    ("", "ESP32 WROOM 32", True, "RF_Module:ESP32-WROOM-32"),         # spaces for hyphens: that name
    ("", "CP", False, None),                   # KiCad 5's name: never renamed when decoding
    ("Device", "CP", False, None),
])
def test_resolver_substitutes_only_when_fuzzy(lib, typ, fuzzy, expected, symbol_index):
    res = SymbolResolver(symbol_index, fuzzy=fuzzy).resolve(Component("U1", typ, lib=lib))
    assert (res.lib_id if res else None) == expected
    if res is not None:
        assert res.exact == (expected.split(":")[1] == typ and not lib)


#: Names of generic symbols in KiCad 4-8 that models write, and what they are today.
RENAMED_SYMBOLS = [
    ("CP", "Device:C_Polarized"),               # was read as Interface_USB:CP2104
    ("CP_Small", "Device:C_Polarized_Small"),
    ("CP1", "Device:C_Polarized_US"),
    ("CP1_Small", "Device:C_Polarized_Small_US"),
    ("R_POT", "Device:R_Potentiometer"),
    ("POT", "Device:R_Potentiometer"),
    ("R_POT_Small", "Device:R_Potentiometer_Small"),
    ("R_POT_TRIM", "Device:R_Potentiometer_Trim"),
    ("R_POT_US", "Device:R_Potentiometer_US"),
    ("Ferrite_Bead", "Device:FerriteBead"),
    ("Ferrite_Bead_Small", "Device:FerriteBead_Small"),
    ("L_Core_Ferrite", "Device:L_Ferrite"),
    ("LED_ALT", "Device:LED_Filled"),
    ("LED_Small_ALT", "Device:LED_Small_Filled"),
    ("INDUCTOR", "Device:L"),
    ("Diode", "Device:D"),
    ("ZENER", "Device:D_Zener"),
    ("CONN_2", "Connector_Generic:Conn_01x02"),   # was read as a 10-pin Conn_2Rows-05Pins
    ("Conn_01x02_Male", "Connector:Conn_01x02_Pin"),
    ("Conn_01x12_Female", "Connector:Conn_01x12_Socket"),
    ("USB_C_Receptacle_USB2.0", "Connector:USB_C_Receptacle_USB2.0_16P"),
    ("ESP8266-12E", "RF_Module:ESP-12E"),        # not a rename: the module's name with its chip's
    ("esp8266-12f", "RF_Module:ESP-12F"),
    ("ESP8266-07", "RF_Module:ESP-07"),
]


@pytest.mark.parametrize("old, new", RENAMED_SYMBOLS, ids=[r[0] for r in RENAMED_SYMBOLS])
def test_an_old_kicad_name_is_read_as_todays_symbol(old, new, symbol_index):
    """A model writing a generic symbol's KiCad 4-8 name means that symbol (a fuzzy match,
    so the validator says what it was read as)."""
    res = SymbolResolver(symbol_index, fuzzy=True).resolve(Component("X1", old))
    assert (res.lib_id, res.exact) == (new, False)
    from tokn.generate.grounding import lookup_part
    assert lookup_part(symbol_index, old).lib_id == new        # the prompt's pin table: the same symbol


@pytest.mark.parametrize("written, expected", [
    ("74HC32", "74xx:74LS32"),            # the library has the function in the LS family only
    ("SN74HC125N", "74xx:74LS125"),
    ("74HCT08D", "74xx:74LS08"),
    ("74LVC573APW", "74xx:74LS573"),
    ("74HC595", "74xx:74HC595"),          # held as written: that one
    ("74HC4050", None),                   # a 4000-series function: no stand-in
    ("74HC1632", None),
    ("74LCX157FT", "74xx:74LS157"),       # low-voltage families
    ("74VHCT573AFT", "74xx:74LS573"),
    ("SN74ALVC08RGYR", "74xx:74LS08"),
    ("74LVC573APW,118", "74xx:74LS573"),  # NXP's packing code
])
def test_a_logic_function_missing_in_one_family_is_its_symbol_in_another(written, expected, symbol_index):
    """The 7400 series keeps a function's pins across logic families; KiCad's library draws
    most functions once (74LS...)."""
    res = SymbolResolver(symbol_index, fuzzy=True).resolve(Component("U1", written))
    assert (res.lib_id if res else None) == expected


@pytest.mark.parametrize("written, expected", [
    ("CD4017", "4xxx:4017"),              # KiCad names the 4000 series by number alone
    ("CD4017BE", "4xxx:4017"), ("HEF4017BP", "4xxx:4017"), ("MC14017B", "4xxx:4017"), ("HCF4017", "4xxx:4017"),
    ("TC4017BP", "4xxx:4017"), ("4017B", "4xxx:4017"), ("CD4049UBE", "4xxx:4049"),
    ("MC14528", "4xxx:14528"),            # Motorola's number, held as such
    ("CD4093", "4xxx:HEF4093B"),          # the number under NXP's name
    ("CD4511", "4xxx_IEEE:4511"),         # only the IEEE library draws it
    ("CD4052", "Analog_Switch:CD4052B"),  # a symbol of the part's own name first
    ("TC4420", None),                     # Microchip's MOSFET driver, no 4000-series part
    ("TC4017", None), ("MC1458", None), ("74HC4050", None),
])
def test_a_4000_series_part_is_the_librarys_number(written, expected, symbol_index):
    """CD4017, HEF4017B, MC14017B are one part, which KiCad's 4xxx library calls 4017."""
    res = SymbolResolver(symbol_index, fuzzy=True).resolve(Component("U1", written))
    assert (res.lib_id if res else None) == expected


@pytest.mark.parametrize("query, name, ok", [
    ("CP", "CP2104", False), ("CP", "CP2102N-Axx-xQFN20", False), ("LED", "LED2001", False),
    ("CP2104", "CP2104", True), ("TL072", "TL072CP", True),
    ("P", "PNP", False), ("+", "+4V", False), ("Q", "Q_NPN_BCE", False), ("LM", "LM358", False),
    # a package letter inside the code is another pinout; a last digit another part
    ("STM32G071RBT6", "STM32G071RBIx", False), ("IP4234CZ8", "IP4234CZ6", False),
    ("TL072CP", "TL072CD", True), ("W25Q128JVS", "W25Q128JVE", True),
    # KiCad's x after a number is a grade or package letter, not more of the number
    ("TLC555", "TLC555xD", True), ("ENC28J60", "ENC28J60x-SO", True), ("TLC555", "TLC5551xD", False),
    # a variant code after a separator is no more of the number
    ("MCP73831", "MCP73831-2-OT", True), ("LTC6804", "LTC6804-1", True), ("LTC6804", "LTC68041", False),
    ("74HC32", "74HC323", False),
    # a package code inserted before the voltage variant
    ("LM1117-3.3", "LM1117S-3.3", True), ("LP5907-3.3", "LP5907MFX-3.3", True),
    ("LM1117-3.3", "LM1117S-5.0", False), ("LM7805", "LM78L05", False), ("LM1117-3.3", "LM1117ABCD-3.3", False),
    # a voltage's zero decimals
    ("LM2596S-5.0", "LM2596S-5", True), ("LM2596S-5", "LM2596S-5.0", True), ("LM2596S-5.0", "LM2596S-12", False),
    ("LM1117-3.3", "LM1117-3", False),
    # each x of a run is a wildcard, and one opening a code after a separator
    ("XC6206P332MR", "XC6206PxxxMR", True), ("BZX84C3V3", "BZX84Cxx", True), ("THAT1510", "THAT151xx08", True),
    ("MCP4725A0T-E/CH", "MCP4725xxx-xCH", True), ("MCP6002-I/SN", "MCP6002-xSN", True),
    ("MCP130T", "MCP130-xxxxTT", False),  # T (tape and reel) is no code of the run
    ("PCIe_x16", "Bus_PCI_Express_x1", False), ("Conn_Coaxial_x2", "Conn_Coaxial_x2", True),
])
def test_when_a_library_name_is_the_part_written(query, name, ok):
    from tokn.kicad.partnames import plausible
    assert plausible(query, name) is ok


@pytest.mark.parametrize("major", [9, 10])
def test_every_renamed_symbol_exists_in_kicad_9_and_10(major, tmp_path):
    """Each target of the rename table (tokn.kicad.partnames) is a symbol of KiCad 9's and
    KiCad 10's stock libraries, with pins numbered as the old name's (1..n)."""
    from tokn.kicad.partnames import current_name
    root = {9: "/usr/share/kicad/symbols", 10: os.path.join(KICAD10_ROOT, "usr", "share", "kicad", "symbols")}[major]
    if not os.path.isdir(root):
        pytest.skip(f"KiCad {major}'s symbol libraries not installed at {root}")
    libs = {n: os.path.join(root, f"{n}.kicad_sym") for n in ("Device", "Connector", "Connector_Generic", "RF_Module")}
    index = SymbolIndex(libs, cache_dir=str(tmp_path / "cache"))
    for old, new in RENAMED_SYMBOLS:
        assert current_name(old) == new
        sym = index.get(new)
        assert sym is not None, f"KiCad {major} has no {new}"
        numbers = {p.number for p in sym.pins}
        assert numbers, new
        if not new.startswith("Connector:USB"):
            assert numbers == {str(k) for k in range(1, len(numbers) + 1)}, new


def test_carried_symbols_come_before_the_stock_library(symbol_index):
    doc = encode_design(DRIFTED).document
    decoded = decode(doc, symbol_index)
    assert decoded.mode == "as-drawn"
    cached = {first_value(n, "number") for s in children(child(parse(decoded.root_text)[0], "lib_symbols"), "symbol")
              if s[1] == '"Connector:Raspberry_Pi_2_3"' for sub in children(s, "symbol") for n in children(sub, "pin")}
    assert "9" in cached


def test_a_stock_symbol_whose_pins_would_touch_differently_is_rejected_by_name(symbol_index):
    doc = encode_design(DRIFTED, "nets").document        # the stock symbol stacks pin 9 on pin 6
    decoded = decode(doc, symbol_index)
    notes = [w for w in decoded.warnings if w.startswith("J1:")]
    assert notes and "Connector:Raspberry_Pi_2_3" in notes[0] and "sit on one point" in notes[0]
    assert "J1.2 in 5V, J1.4 in N1" in notes[0]
    assert _nets_of(decoded) == _recorded_nets(DRIFTED)


@pytest.mark.parametrize("pins, nets, conflict", [
    # two pins on one point, the document puts them in different nets
    ([("1", 0, 0, False, "passive"), ("2", 0, 0, False, "passive")], {"1": "A", "2": "B"}, "sit on one point"),
    ([("1", 0, 0, False, "passive"), ("2", 0, 0, True, "passive")], {"1": "A"}, "U1.2 in no net"),
    ([("1", 0, 0, False, "passive"), ("2", 0, 0, True, "passive")], {"1": "A", "2": "A"}, ""),
    ([("1", 0, 0, False, "passive"), ("2", 2.54, 0, False, "passive")], {"1": "A", "2": "B"}, ""),
    # a hidden power input joins the global net of its name
    ([("1", 0, 0, True, "power_in")], {}, "hidden power pin 1"),
    ([("1", 0, 0, True, "power_in")], {"1": "VCC"}, ""),
])
def test_touch_conflicts(pins, nets, conflict):
    sym = document_symbol("x:U", [SymbolPin(n, "VCC" if t == "power_in" else "", t, x, y, 0, hide=h)
                                  for n, x, y, h, t in pins])
    doc = Document(components=[Component("U1", "U", lib="x")],
                   nets=[Net(name, [f"U1.{p}" for p, nn in nets.items() if nn == name])
                         for name in sorted(set(nets.values()))] + [Net("VCC2", ["R9.1"])])
    why = touch_conflict(doc, "U1", "x:U", sym)
    assert (conflict in why) if conflict else why == ""
    if conflict:
        assert why.startswith("U1: ")


def _nets_of(decoded) -> dict[frozenset, str]:
    import tempfile
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "d.kicad_sch")
        decoded.write(path)
        return _our_nets(path)


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("sch", [LOOKALIKES, DRIFTED])
def test_text_only_round_trip_gives_kicads_nets(sch, tmp_path, symbol_index):
    decoded, out, _ = _text_only_round_trip(sch, tmp_path)
    assert decoded.mode == "as-drawn", decoded.warnings
    assert _our_nets(out) == _recorded_nets(sch)


@needs_kicad
@pytest.mark.kicad
@pytest.mark.parametrize("sch", [LOOKALIKES, DRIFTED])
def test_text_only_round_trip_is_kicad_identical_and_erc_not_worse(sch, tmp_path, symbol_index):
    _, out, _ = _text_only_round_trip(sch, tmp_path)
    got = kicad_cli.export_netlist(out)
    assert {s: n for s, n in ((frozenset(p), n) for n, p in got.nets.items()) if len(s) >= 2} == _recorded_nets(sch)
    assert kicad_cli.run_erc(out)["errors"] <= kicad_cli.run_erc(sch)["errors"]
    types = {(r, p): t for r, p, t in _pin_types(out)}
    assert types == {(r, p): t for r, p, t in _pin_types(sch)}


def _pin_types(sch: str) -> list[tuple[str, str, str]]:
    """(ref, pin, electrical type) of every pin in KiCad's netlist of ``sch``."""
    import tempfile
    with tempfile.TemporaryDirectory() as td:
        net = os.path.join(td, "n.net")
        subprocess.run(["kicad-cli", "sch", "export", "netlist", "-o", net, sch], check=True, capture_output=True)
        tree = parse(read_text(net, encoding="utf-8"))[0]
    return sorted((first_value(x, "ref"), first_value(x, "pin"), first_value(x, "pintype"))
                  for n in children(child(tree, "nets"), "net") for x in children(n, "node"))


# ---------------------------------------------------------------- tokn validate

def _validate(*args):
    r = subprocess.run([*TOKN, "validate", *args, "--json"], capture_output=True, text=True, timeout=300)
    return r.returncode, json.loads(r.stdout)


def test_validate_without_libraries_says_pins_were_not_checked(tmp_path):
    doc = tmp_path / "reg.tokn"
    doc.write_text(open(os.path.join(os.path.dirname(HERE), "examples", "regulator.tokn")).read())
    rc, out = _validate(str(doc), "--no-libraries")
    assert (rc, out["status"], out["valid"]) == (3, "unchecked", None)
    assert out["unchecked_parts"] == ["C1", "C2", "U1"]
    r = subprocess.run([*TOKN, "validate", str(doc), "--no-libraries"], capture_output=True, text=True)
    assert "NOT checked" in r.stdout.splitlines()[-1] and "valid (" not in r.stdout


def test_validate_checks_pins_against_the_documents_own_symbols(tmp_path, symbol_index):
    doc = tmp_path / "d.tokn"
    doc.write_text(write_tokn(encode_design(LOOKALIKES).document))
    rc, out = _validate(str(doc))
    assert (rc, out["status"], out["valid"]) == (0, "valid", True), out
    # without libraries the stock parts are unchecked, the carried ones are not
    rc, out = _validate(str(doc), "--no-libraries")
    assert (rc, out["unchecked_parts"]) == (3, ["R1", "R2"])
    bad = doc.read_text().replace('"C1.1,C2.1,R1.1"', '"C1.1,C2.7,R1.1"')
    doc.write_text(bad)
    rc, out = _validate(str(doc))
    assert rc == 1 and any(f["code"] == "unknown-pin" and f["where"] == "C2.7" for f in out["findings"])


def _project_with_library(tmp_path):
    """A project folder whose sym-lib-table holds mylib:THING (two pins), and a document
    elsewhere that uses it."""
    project = tmp_path / "proj"
    project.mkdir()
    node = document_symbol("THING", [SymbolPin("1", "A", "passive", -5.08, 0, 0),
                                     SymbolPin("2", "B", "passive", 5.08, 0, 180)]).node
    from tokn.sexpr import dumps
    (project / "mylib.kicad_sym").write_text(dumps(["kicad_symbol_lib", ["version", "20241209"],
                                                    ["generator", '"test"'], node]))
    (project / "sym-lib-table").write_text(
        '(sym_lib_table (version 7) (lib (name "mylib") (type "KiCad") (uri "${KIPRJMOD}/mylib.kicad_sym") '
        '(options "") (descr "")))\n')
    doc = tmp_path / "elsewhere" / "d.tokn"
    doc.parent.mkdir()
    doc.write_text("# TOKN v1\n\ncomponents[2]{ref,type,value,fp,x,y,w,h,a,lib}:\n"
                   "  X1,THING,,,,,,,,mylib\n  R1,R,1k,,,,,,,Device\n\n"
                   'nets[1]{name,pins}:\n  A,"X1.1,R1.1"\n\nwires[0]{net,pts}:\n')
    return project, doc


def test_decode_reads_the_projects_library_table(tmp_path, symbol_index):
    project, doc = _project_with_library(tmp_path)
    for args, lib_id in (([], "tokn:THING"), (["--project", str(project)], "mylib:THING")):
        out = tmp_path / f"out{len(args)}" / "d.kicad_sch"
        r = subprocess.run([*TOKN, "decode", str(doc), "-o", str(out), *args], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        placed = {first_value(s, "lib_id") for s in children(parse(out.read_text())[0], "symbol")}
        assert lib_id in placed


def test_validate_reads_the_projects_library_table(tmp_path, symbol_index):
    project, doc = _project_with_library(tmp_path)
    rc, out = _validate(str(doc))
    assert (rc, out["unchecked_parts"]) == (3, ["X1"])
    rc, out = _validate(str(doc), "--project", str(project))
    assert (rc, out["status"]) == (0, "valid"), out
    doc.write_text(doc.read_text().replace("X1.1,", "X1.3,"))
    rc, out = _validate(str(doc), "--project", str(project))
    assert rc == 1 and any(f["where"] == "X1.3" for f in out["findings"])


# ---------------------------------------------------------------- messages and values

def test_a_drawing_that_cannot_give_the_nets_is_refused_naming_the_net_and_pins(symbol_index):
    from tokn.errors import DecodeError
    doc = encode_design(LOOKALIKES).document
    doc.wires = []                       # labels and power symbols stay, cut off from the pins
    with pytest.raises(DecodeError) as e:
        decode(doc, symbol_index, layout="drawn")
    msg = str(e.value)
    assert "internal error" not in msg and "does not produce its nets" in msg
    assert any(f"{ref}." in msg for ref in ("C1", "C2", "R1", "R2"))


@pytest.mark.parametrize("texts, properties, expected", [
    (["${SIM.PARAMS}"], {"Sim.Params": "r=5", "Sim.Device": "R"}, [("Sim.Params", "r=5")]),
    (["${A}"], {"a": "${B}", "b": "1"}, [("a", "${B}"), ("b", "1")]),      # case-blind, followed
    (["${A}"], {"a": "${A}"}, [("a", "${A}")]),                               # no loop
    (["10k"], {"Sim.Params": "r=5"}, []),
    (["${VALUE}${MISSING}"], {"Value": "x", "Reference": "R1"}, []),         # base fields not listed
])
def test_fields_a_value_refers_to_are_carried(texts, properties, expected):
    from tokn.encode import referenced_fields
    assert [(f.name, f.value) for f in referenced_fields("R1", texts, properties)] == expected


def test_validate_warns_when_a_symbols_pins_would_join(symbol_index):
    from tokn.validate import validate
    doc = encode_design(DRIFTED, "nets").document        # the stock symbol stacks pin 4 on pin 2
    found = [f for f in validate(doc, symbol_index) if f.code == "pins-would-join"]
    assert [f.where for f in found] == ["J1"] and "J1.2 in 5V, J1.4 in N1" in found[0].message
    assert not [f for f in validate(encode_design(DRIFTED).document, symbol_index) if f.code == "pins-would-join"]
