"""Property tests of the decoder with real KiCad library parts.

Random valid TOKN documents (random parts from the installed KiCad libraries, random nets
including power nets, with or without coordinates) must decode into schematics whose
connectivity equals the document's nets -- checked by our connectivity engine on every
example and by KiCad's own netlist export on a bounded sample -- and encoding the decoded
schematic must give back the same parts and nets (decode -> encode is a fixpoint on the
circuit).
"""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.doc.model import Component, Document, Net
from tokn.doc.pinref import split_pin_ref
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.sexpr import child, children, parse

from .conftest import needs_kicad
from .support import multi_pin_nets

PARTS = [  # lib_id, reference prefix, value
    ("Device:R", "R", "10k"), ("Device:C", "C", "100n"), ("Device:LED", "D", "red"),
    ("Device:L", "L", "10u"), ("Transistor_BJT:Q_NPN_BCE", "Q", "BC547"), ("Device:D", "D", "1N4148"),
    ("Amplifier_Operational:TL072", "U", "TL072"), ("Timer:NE555P", "U", "NE555P"),
    ("Regulator_Linear:AMS1117-3.3", "U", "AMS1117-3.3"), ("Connector_Generic:Conn_01x04", "J", "Conn"),
]
NET_NAMES = ["GND", "+5V", "+3V3", "VIN", "SIG_A", "OUT", "CLK", "EN", "FB"]


def _index():
    from tokn.kicad.library import SymbolIndex
    idx = SymbolIndex.default()
    if not idx.libraries or idx.get("Device:R") is None:
        pytest.skip("KiCad symbol libraries not installed")
    return idx


@st.composite
def documents(draw, with_coordinates: bool | None = None):
    idx = _index()
    picks = draw(st.lists(st.sampled_from(PARTS), min_size=1, max_size=6))
    counters: dict[str, int] = {}
    comps: list[Component] = []
    pins: list[tuple[str, str]] = []
    coords = draw(st.booleans()) if with_coordinates is None else with_coordinates
    for k, (lib_id, prefix, value) in enumerate(picks):
        counters[prefix] = counters.get(prefix, 0) + 1
        ref = f"{prefix}{counters[prefix]}"
        sym = idx.get(lib_id)
        lib, name = lib_id.split(":")
        for unit in range(1, sym.unit_count + 1):
            c = Component(ref=ref, type=name, value=value, lib=lib, unit=unit)
            if coords:
                c.x, c.y, c.a = 30.48 + 50.8 * k, 30.48 + 40.64 * (unit - 1), 0.0
            comps.append(c)
        pins += sorted({(ref, p.number) for p in sym.pins if not p.hidden})
    chosen = draw(st.lists(st.sampled_from(pins), unique=True, min_size=1, max_size=min(len(pins), 14)))
    n_nets = draw(st.integers(1, max(1, min(6, len(chosen)))))
    groups: dict[int, list[str]] = {}
    for i, (ref, pin) in enumerate(chosen):
        g = draw(st.integers(0, n_nets - 1)) if i >= n_nets else i
        groups.setdefault(g, []).append(f"{ref}.{pin}")
    names = draw(st.lists(st.sampled_from(NET_NAMES), unique=True, min_size=len(groups), max_size=len(groups))
                 ) if len(groups) <= len(NET_NAMES) else []
    nets = []
    auto = 0
    for g, (key, members) in enumerate(sorted(groups.items())):
        if names and (len(members) == 1 or draw(st.booleans())):
            name = names[g]           # a lone pin is a net only when something names it
        elif len(members) == 1:
            continue
        else:
            auto += 1
            name = f"N{auto}"
        nets.append(Net(name, members))
    # the nets the original's PWR_FLAGs drive (a v1/nets document's ``pwrflags``)
    flagged = draw(st.lists(st.sampled_from([n.name for n in nets]), unique=True, max_size=2)) if nets else []
    # canonical text round trip first: what a model or a file would hand us
    return parse_tokn(write_tokn(Document(title="property", components=comps, nets=nets, pwrflags=flagged)))


def _circuit(doc: Document):
    """Parts and nets; an auto name (``N3``) is no name: the encoder numbers unnamed nets in
    the natural order of their first pin (format.md), whatever the document's order was."""
    comps = sorted({(c.ref, c.type, c.value, c.unit) for c in doc.components})
    nets = {frozenset(n.pins): "" if re.fullmatch(r"N\d+", n.name) else n.name for n in doc.nets}
    return comps, nets


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                derandomize=bool(os.environ.get("CI")))


@pytest.mark.kicad
@settings(max_examples=25, **SETTINGS)
@given(documents())
def test_decode_reproduces_nets_and_encode_returns_the_circuit(tmp_path_factory, doc):
    idx = _index()
    decoded = decode(doc, idx, project="prop")        # raises if our engine sees other nets
    out = tmp_path_factory.mktemp("prop") / "prop.kicad_sch"
    decoded.write(str(out))
    again = encode_design(str(out)).document
    want_comps, want_nets = _circuit(doc)
    got_comps, got_nets = _circuit(again)
    assert got_comps == want_comps
    assert got_nets == want_nets
    # a PWR_FLAG on every net ``pwrflags`` names (the decoder's rule may flag more supplies)
    flags = encode_design(str(out), detail="nets").document
    listed = lambda d: {frozenset(n.pins) for n in d.nets if n.name in d.pwrflags}
    assert listed(doc) <= listed(flags)


@needs_kicad
@pytest.mark.kicad
@settings(max_examples=6, **SETTINGS)
@given(documents())
def test_kicad_netlist_of_decoded_document_equals_its_nets(tmp_path_factory, doc):
    idx = _index()
    out = tmp_path_factory.mktemp("propk") / "prop.kicad_sch"
    decode(doc, idx, project="prop").write(str(out))
    got = kicad_cli.export_netlist(str(out))
    kicad = {frozenset(p): name for name, p in got.nets.items()
             if not name.startswith("unconnected-(")}
    refs = set(doc.refs())
    for n in doc.nets:
        pins = frozenset(split_pin_ref(p, refs) for p in n.pins)
        assert pins in kicad, (n.name, sorted(pins))
        if re.match(r"^N\d+$", n.name) and kicad[pins].startswith("Net-("):
            continue          # an unnamed net drawn with wires only: KiCad names it after a pin
        assert kicad[pins] == n.name


_SAME_NAME_NC = """# TOKN v1
title: t
extensions[2]: lib,symbols

components[4]{ref,type,value,lib}:
  R1,RX,10k,libR
  R2,RX,10k,libR
  U1,NCP,NCP,libA
  U2,NCP,NCP,libB

nets[2]{name,pins}:
  A,"U1.1,R1.1"
  B,"U2.2,R2.1"

symbol{libA:NCP}[2]{num,name,type,x,y,a,hide}:
  1,P1,no_connect,-7.62,0.00,0,
  2,P2,passive,7.62,0.00,180,

symbol{libB:NCP}[3]{num,name,type,x,y,a,hide}:
  1,Q1,passive,-7.62,0.00,0,
  2,Q2,no_connect,7.62,0.00,180,
  3,Q3,passive,0.00,7.62,270,

symbol{libR:RX}[2]{num,name,type,x,y,a,hide}:
  1,~,passive,0.00,3.81,270,
  2,~,passive,0.00,-3.81,90,
"""


def test_copies_of_two_symbols_of_one_name_keep_their_own_pins(tmp_path):
    """libA:NCP and libB:NCP both drawn as copies with their no_connect pins passive: each
    copy has a lib_symbols name of its own, so U2 keeps libB's three pins (one shared name
    drew U2 with libA's two-pin symbol, silently: its pin 3 was gone)."""
    from tokn.kicad.connectivity import design_nets
    from tokn.kicad.hierarchy import load_design
    out = tmp_path / "t.kicad_sch"
    decode(parse_tokn(_SAME_NAME_NC), None, project="t").write(str(out))
    design = load_design(str(out))
    pins = {(p.ref, p.pin) for n in design_nets(design).nets for p in n.pins}
    assert {("U1", "1"), ("U1", "2"), ("U2", "1"), ("U2", "2"), ("U2", "3")} <= pins


_TWO_NC_SETS = """# TOKN v1
title: t
extensions[2]: lib,symbols

components[7]{ref,type,value,lib}:
  R1,RX,10k,libR
  R2,RX,10k,libR
  R3,RX,10k,libR
  R4,RX,10k,libR
  U1,NC3,NC3,libA
  U2,NC3,NC3,libA
  U3,NC3,NC3,libA

nets[4]{name,pins}:
  A,"U1.1,R1.1"
  B,"U2.2,R2.1"
  C,"U2.4,R3.1"
  D,"U3.2,U3.4,R4.1"

symbol{libA:NC3}[4]{num,name,type,x,y,a,hide}:
  1,P1,no_connect,-7.62,0.00,0,
  2,P2,no_connect,7.62,0.00,180,
  3,P3,passive,0.00,7.62,270,
  4,P4,passive,7.62,0.00,180,1

symbol{libR:RX}[2]{num,name,type,x,y,a,hide}:
  1,~,passive,0.00,3.81,270,
  2,~,passive,0.00,-3.81,90,
"""


def test_parts_of_one_symbol_listing_different_no_connect_pins():
    """U1 lists no_connect pin 1, U3 pin 2: each is drawn with a copy where only its own
    listed pin is passive, under two names.  U2 lists pin 2 too, but pin 2 sits on its
    hidden pin 4, which the document puts in another net: passive, pin 2 would join it, so
    U2 gets a generated symbol instead, saying why (U3 has both in one net)."""
    decoded = decode(parse_tokn(_TWO_NC_SETS), None, project="t")
    from tokn.decode.symbols import part_symbols
    from tokn.resolve import SymbolResolver
    from tokn.doc.symdefs import document_symbols
    doc = parse_tokn(_TWO_NC_SETS)
    parts = part_symbols(doc, SymbolResolver(None, document_symbols(doc)), None)
    assert (parts["U1"].embed_name, parts["U1"].retyped) == ("NC3_connected", ("1",))
    assert (parts["U3"].embed_name, parts["U3"].retyped) == ("NC3_connected_2", ("2",))
    assert parts["U2"].generated and "sit on one point" in parts["U2"].rejected
    assert decoded.mode == "laid-out"                  # nothing drawn: laid out, nets checked


_NC_UNDER_SUPPLY = """# TOKN v1
components[2]{ref,type,value,fp,lib}:
  U1,NCS,NCS,,libA
  R1,RX,1k,,libR

nets[1]{name,pins}:
  +3V,"U1.14,R1.1"

symbol{libA:NCS}[3]{num,name,type,x,y,a,hide}:
  13,VDD,power_in,-7.62,0.00,0,
  14,AVDD,power_in,7.62,0.00,180,
  14,NC,no_connect,0.00,-7.62,90,1

symbol{libR:RX}[2]{num,name,type,x,y,a,hide}:
  1,~,passive,0.00,3.81,270,
  2,~,passive,0.00,-3.81,90,
"""


def test_a_hidden_no_connect_pin_under_a_supply_pins_number_stays_no_connect():
    """Sensor_Magnetic:MA730 has pin 14 twice: AVDD and a hidden NC (no_connect) elsewhere.
    A net listing U1.14 reaches AVDD; retyped passive, the NC pin would be one more pin that
    KiCad's ERC reports unconnected (moteus x1's round trip did)."""
    from tokn.decode.symbols import part_symbols
    from tokn.resolve import SymbolResolver
    from tokn.doc.symdefs import document_symbols
    doc = parse_tokn(_NC_UNDER_SUPPLY)
    parts = part_symbols(doc, SymbolResolver(None, document_symbols(doc)), None)
    assert parts["U1"].retyped == () and not parts["U1"].generated
    assert [p.type for p in parts["U1"].symbol.pins if p.number == "14"] == ["power_in", "no_connect"]


def test_power_copies_of_two_symbols_of_one_name_are_named_apart():
    """A power symbol of the other kind is embedded as a copy (``VCC_local``); two such
    symbols of one name from two libraries get two names."""
    from tokn.decode.decoder import _power_kind
    from tokn.decode.symbols import PartSymbol
    from tokn.doc.symdefs import document_symbol
    from tokn.doc.model import SymbolPin
    copies: dict[str, str] = {}
    names = []
    for lib_id in ("power:VCC", "mylib:VCC"):
        sym = document_symbol(lib_id, [SymbolPin("1", "VCC", "power_in", 0.0, 0.0, 90.0)], "global")
        part = PartSymbol(lib_id, sym, sym.node)
        names.append(_power_kind(part, "local", copies).embed_name)
    assert names == ["VCC_local", "VCC_local_2"]


# (parent file, sheet rows as (id, file, parent), expected file per sheet id): sub-sheets go
# where their file puts them relative to the parent's folder; two files of one name in two
# folders stay two files; a path leaving the output folder is written beside the root
SHEET_FILES = [
    ("sub-folder", [("S1", "sheets/a.kicad_sch", "")], {"S1": "sheets/a.kicad_sch"}),
    ("nested, relative to the parent", [("S1", "sheets/a.kicad_sch", ""), ("S2", "deeper/b.kicad_sch", "S1")],
     {"S1": "sheets/a.kicad_sch", "S2": "sheets/deeper/b.kicad_sch"}),
    ("same name, two folders", [("S1", "x/p.kicad_sch", ""), ("S2", "y/p.kicad_sch", "")],
     {"S1": "x/p.kicad_sch", "S2": "y/p.kicad_sch"}),
    ("one file, two instances", [("S1", "x/p.kicad_sch", ""), ("S2", "x/p.kicad_sch", "")],
     {"S1": "x/p.kicad_sch", "S2": "x/p.kicad_sch"}),
    ("windows separator", [("S1", "sheets\\a.kicad_sch", "")], {"S1": "sheets/a.kicad_sch"}),
    ("leaves the folder", [("S1", "../up.kicad_sch", ""), ("S2", "/abs/z.kicad_sch", ""),
                           ("S3", "C:/w/q.kicad_sch", "")],
     {"S1": "up.kicad_sch", "S2": "z.kicad_sch", "S3": "q.kicad_sch"}),
    ("back up within the folder", [("S1", "sheets/a.kicad_sch", ""), ("S2", "../b.kicad_sch", "S1")],
     {"S1": "sheets/a.kicad_sch", "S2": "b.kicad_sch"}),
    ("the root's own name", [("S1", "t.kicad_sch", "")], {"S1": "t_2.kicad_sch"}),
]


@pytest.mark.parametrize("case,rows,expected", SHEET_FILES, ids=[c[0] for c in SHEET_FILES])
def test_sheet_files_keep_their_folders(case, rows, expected):
    from tokn.decode.decoder import _sheet_file_names, sheet_file_reference
    from tokn.doc.model import Sheet
    sheets = [Sheet(sid, sid, file, parent) for sid, file, parent in rows]
    file_of = _sheet_file_names(Document(sheets=sheets), "t.kicad_sch")
    assert {sid: file_of[sid] for sid, *_ in rows} == expected
    for s in sheets:                 # the parent's Sheetfile leads to the file written
        parent_dir = os.path.dirname(file_of[s.parent])
        assert os.path.normpath(os.path.join(parent_dir, sheet_file_reference(file_of, s))) == \
            os.path.normpath(file_of[s.id])


CORNER = """# TOKN v1
title: corner

components[2]{ref,type,value,fp,x,y,w,h,a}:
  R1,R,10k,,100.00,100.00,0.00,7.62,0
  R2,R,10k,,120.00,110.00,0.00,7.62,0

nets[1]{name,pins}:
  N1,"R1.2,R2.1"

wires[1]{net,pts}:
  N1,"100.00 103.81,100.00 106.19,100.00 106.19,120.00 106.19"
"""


def test_a_wire_row_of_several_points_is_drawn_as_two_point_wires(symbol_index):
    """KiCad 9 and 10 refuse a file whose wire has more than two points; a hand- or
    model-written row may have them: one wire per leg (the repeated point gives none)."""
    decoded = decode(parse_tokn(CORNER), symbol_index, project="corner")
    tree = parse(decoded.root_text)[0]
    legs = [[(xy[1], xy[2]) for xy in child(w, "pts")[1:]] for w in children(tree, "wire")]
    assert legs == [[("100", "103.81"), ("100", "106.19")], [("100", "106.19"), ("120", "106.19")]]


@needs_kicad
def test_kicad_loads_and_joins_a_wire_row_of_several_points(symbol_index, tmp_path):
    out = tmp_path / "corner.kicad_sch"
    decode(parse_tokn(CORNER), symbol_index, project="corner").write(str(out))
    assert set(multi_pin_nets(kicad_cli.export_netlist(str(out)).nets.items())) == {
        frozenset({("R1", "2"), ("R2", "1")})}
