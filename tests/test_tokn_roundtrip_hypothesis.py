"""TOKN write/parse round trips: random Documents, and the anchor (TOKN v1.2) documents."""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokn.doc import (Bus, BusAlias, BusEntry, Component, Directive, Document, Field, Label, Marker, Net,
                      NoConnect, PinDef, PowerSymbol, RuleArea, Sheet, SheetPin, SymbolPin, Wire, extensions_used,
                      extract_tokn, parse_tokn, write_tokn)

from .support import anchor_outputs, anchor_reference_tokns, needs_anchor

# ---- strategies -------------------------------------------------------------------------

ODD = list(' ,"\\\n\r\t{}[]:#-.~é漢\u00a0\u2028\x00\x85`')
chars = st.characters(blacklist_categories=("Cs",))
text = st.text(st.one_of(chars, st.sampled_from(ODD)), max_size=12)
plain = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789_+-./~", min_size=1, max_size=10)
string = st.one_of(plain, text)

# Millimetres on KiCad's 0.0001 grid (the writer's precision), and the usual 0.01 grid.
fine = st.integers(-3_000_000, 3_000_000).map(lambda k: k / 10000)
coarse = st.integers(-30_000, 30_000).map(lambda k: k / 100)
number = st.one_of(coarse, fine)
opt_number = st.one_of(st.none(), number)
angle = st.one_of(st.sampled_from([0.0, 90.0, 180.0, 270.0, -90.0]), number)
opt_angle = st.one_of(st.none(), angle)
point = st.tuples(number, number)
points = st.lists(point, max_size=4)
sheet_id = st.one_of(st.just(""), st.sampled_from(["S1", "S2"]), string)
pin_ref = st.text(st.one_of(chars, st.sampled_from(ODD)), min_size=1, max_size=8).filter(lambda s: "," not in s)
word = st.text(st.one_of(chars, st.sampled_from(ODD)), min_size=1, max_size=6).filter(lambda s: s.split() == [s])


def maybe(strategy, default):
    """Mostly the default (so optional columns are often absent), sometimes a value."""
    return st.one_of(st.just(default), st.just(default), strategy)


components = st.builds(
    Component, ref=string, type=string, value=string, fp=string,
    x=opt_number, y=opt_number, w=opt_number, h=opt_number, a=opt_angle,
    lib=maybe(string, ""), unit=maybe(st.integers(0, 8), 1), style=maybe(st.integers(0, 3), 1),
    mirror=maybe(st.sampled_from(["x", "y"]), ""), dnp=maybe(st.booleans(), False),
    nobom=maybe(st.booleans(), False), noboard=maybe(st.booleans(), False),
    sheet=maybe(sheet_id, ""))
pindefs = st.builds(PinDef, number=string, name=string,
                    type=maybe(st.sampled_from(["input", "passive", "power_in"]) | string, ""))
nets = st.builds(Net, name=string, pins=st.lists(pin_ref, max_size=5))
wires = st.builds(Wire, net=string, pts=points, sheet=maybe(sheet_id, ""))
labels = st.builds(Label, name=string, kind=st.sampled_from(["local", "global", "hier"]),
                   shape=maybe(st.sampled_from(["input", "output", "passive"]), ""),
                   x=number, y=number, a=angle, sheet=maybe(sheet_id, ""))
power = st.builds(PowerSymbol, net=string, lib=maybe(string, ""), x=number, y=number, a=angle,
                  local=st.booleans(), sheet=maybe(sheet_id, ""))
markers = st.builds(Marker, x=number, y=number, sheet=maybe(sheet_id, ""))
# a no-connect row has a position, a pin (REF.PIN), or both
noconnects = st.one_of(
    st.builds(NoConnect, x=number, y=number, pin=maybe(string, ""), sheet=maybe(sheet_id, "")),
    st.builds(NoConnect, pin=string.filter(bool), sheet=maybe(sheet_id, "")))
sheets = st.builds(Sheet, id=string, name=string, file=string, parent=maybe(string, ""),
                   x=opt_number, y=opt_number, w=opt_number, h=opt_number)
sheetpins = st.builds(SheetPin, sheet=string, name=string, shape=maybe(string, ""),
                      x=number, y=number, a=angle)
buses = st.builds(Bus, pts=points, sheet=maybe(sheet_id, ""))
busentries = st.builds(BusEntry, x=number, y=number, dx=number, dy=number, sheet=maybe(sheet_id, ""))
busaliases = st.builds(BusAlias, name=string, members=st.lists(word, max_size=4))
fields = st.builds(Field, refs=st.lists(pin_ref, min_size=1, max_size=3), name=string, value=string)
directives = st.builds(Directive, x=number, y=number, a=angle,
                       shape=maybe(st.sampled_from(["dot", "diamond", "rectangle"]) | string, "round"),
                       length=maybe(number, 2.54), netclass=maybe(string, ""), compclass=maybe(string, ""),
                       sheet=maybe(sheet_id, ""))
ruleareas = st.builds(RuleArea, pts=points, sheet=maybe(sheet_id, ""))
symbolpins = st.builds(SymbolPin, number=string, name=string,
                       type=st.sampled_from(["input", "passive", "power_in"]) | string,
                       x=number, y=number, a=angle, length=maybe(number, 2.54),
                       unit=maybe(st.integers(0, 8), 1), style=maybe(st.integers(0, 3), 1),
                       hide=maybe(st.booleans(), False))
extra_keys = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda k: k not in ("title", "kicad", "extensions", "pwrflags", "pins", "components", "nets", "wires", "sheets",
                        "sheetpins", "labels", "power", "junctions", "noconnects", "buses",
                        "busentries", "busaliases", "fields", "directives", "ruleareas"))


def small(strategy, n=4):
    return st.lists(strategy, max_size=n)


base_documents = st.builds(
    Document, title=maybe(string, ""), components=small(st.builds(
        Component, ref=string, type=string, value=string, fp=string,
        x=opt_number, y=opt_number, w=opt_number, h=opt_number, a=opt_angle)),
    pins=st.dictionaries(string, small(st.builds(PinDef, number=string, name=string)), max_size=3),
    nets=small(nets), wires=small(st.builds(Wire, net=string, pts=points)))

documents = st.builds(
    Document, title=maybe(string, ""), kicad=maybe(st.integers(1, 99), 0), components=small(components),
    pins=st.dictionaries(string, small(pindefs), max_size=3), nets=small(nets), wires=small(wires),
    labels=small(labels, 2), power=small(power, 2), junctions=small(markers, 2),
    noconnects=small(noconnects, 2), sheets=small(sheets, 2), sheetpins=small(sheetpins, 2),
    buses=small(buses, 2), busentries=small(busentries, 2), busaliases=small(busaliases, 2),
    fields=small(fields, 2), directives=small(directives, 2), ruleareas=small(ruleareas, 2), symbols=st.dictionaries(string, small(symbolpins, 3), max_size=2),
    extra=st.dictionaries(extra_keys, string, max_size=2), pwrflags=small(string, 3))

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- properties -------------------------------------------------------------------------

@SETTINGS
@given(documents)
def test_write_then_parse_gives_the_same_document(doc):
    assert parse_tokn(write_tokn(doc)) == doc


@SETTINGS
@given(documents)
def test_writer_output_is_a_fixpoint(doc):
    text = write_tokn(doc)
    assert write_tokn(parse_tokn(text)) == text


@SETTINGS
@given(base_documents)
def test_base_documents_use_the_v12_layout(doc):
    text = write_tokn(doc)
    assert parse_tokn(text) == doc
    assert extensions_used(doc) == [] and "\nextensions[" not in text
    heads = [ln for ln in text.split("\n") if ln and not ln.startswith("  ")]
    assert heads[0] == "# TOKN v1"
    assert [h.split("[")[0] for h in heads if re.match(r"\w+\[", h)] == ["components", "nets", "wires"]
    assert f"components[{len(doc.components)}]{{ref,type,value,fp,x,y,w,h,a}}:" in heads
    assert f"nets[{len(doc.nets)}]{{name,pins}}:" in heads
    assert f"wires[{len(doc.wires)}]{{net,pts}}:" in heads
    # a blank line before each base table, none between pin tables, none at the end
    assert "\n\ncomponents[" in text and "\n\nnets[" in text and "\n\nwires[" in text
    assert not text.endswith("\n\n")


@SETTINGS
@given(documents)
def test_compact_layout_reads_back_to_the_same_document(doc):
    text = write_tokn(doc, compact=True)
    assert parse_tokn(text) == doc
    assert write_tokn(parse_tokn(text), compact=True) == text
    if not doc.wires:
        assert "\nwires[" not in text
    head = next(ln for ln in text.split("\n") if ln.startswith("components["))
    cols = head.split("{", 1)[1].split("}", 1)[0].split(",")
    assert cols[:3] == ["ref", "type", "value"]
    assert ("x" in cols) == any(c.x is not None for c in doc.components)
    assert ("fp" in cols) == any(c.fp for c in doc.components)


@SETTINGS
@given(documents)
def test_extensions_line_matches_content(doc):
    text = write_tokn(doc)
    exts = extensions_used(doc)
    if exts:
        assert f"\nextensions[{len(exts)}]: {','.join(exts)}\n" in text
    if doc.labels:
        assert "labels" in exts and "\nlabels[" in text
    if any(c.unit != 1 or c.style != 1 for c in doc.components):
        assert "unit" in exts
    if any(w.sheet for w in doc.wires) or doc.sheets or doc.sheetpins:
        assert "hier" in exts
    if doc.pwrflags:
        assert "power" in exts and f"\npwrflags[{len(doc.pwrflags)}]: " in text


@SETTINGS
@given(documents, st.sampled_from(["```tokn\n{}```", "Here it is:\n\n```\n{}```\nHope this helps!",
                                   "{}\nThe design uses a pull-up.", "~~~\n{}~~~"]))
def test_extract_finds_written_documents(doc, wrapper):
    text = write_tokn(doc)
    answer = wrapper.format(text).replace("\n", "\r\n")
    assert extract_tokn(answer) == text


@pytest.mark.parametrize("line", ["kicad: ten", "kicad: 0", "kicad: -10", "kicad:", "pwrflags: GND"])
def test_kicad_is_a_version_and_pwrflags_a_list(line):
    from tokn.errors import ToknError
    with pytest.raises(ToknError):
        parse_tokn(f"# TOKN v1\n{line}\ncomponents[0]{{ref,type,value}}:\nnets[0]{{name,pins}}:\n")


def test_number_formats():
    doc = Document(components=[Component("R1", "R", x=123.19, y=0.0, w=7.62, h=0.635, a=90.0),
                               Component("R2", "R", x=1.905, y=-0.0, w=12.5, h=None, a=45.5)],
                   wires=[Wire("N", [(0.0001, -5.08)])])
    text = write_tokn(doc)
    assert "  R1,R,,,123.19,0.00,7.62,0.635,90\n" in text
    assert "  R2,R,,,1.905,0.00,12.50,,45.50\n" in text
    assert '  N,0.0001 -5.08\n' in text


def test_quoting_rules():
    doc = Document(title="A, B", nets=[Net("CAN0_RX", ["U1.4"]), Net("GND", ["C1.2", "U1.2"]),
                                       Net('say "hi"', []), Net(" x", ["U1.1"])],
                   pins={"U1": [PinDef("1", "EN\\FAULT"), PinDef("2", "")]})
    text = write_tokn(doc)
    assert "title: A, B\n" in text
    assert '  CAN0_RX,U1.4\n  GND,"C1.2,U1.2"\n  "say \\"hi\\"",\n  " x",U1.1\n' in text
    assert '  1,"EN\\\\FAULT"\n  2,\n' in text
    assert parse_tokn(text) == doc


# ---- anchor documents (TOKN v1.2) -------------------------------------------------------

def anchor_texts() -> list[tuple[str, str]]:
    out = []
    for p in anchor_outputs():
        with open(p, encoding="utf-8") as f:
            out.append((os.path.basename(os.path.dirname(p)), f.read()))
    return out + anchor_reference_tokns()


@needs_anchor
def test_anchor_examples_rewrite_identically():
    """The v1.2 example outputs are flat single-unit designs: our text is byte-identical."""
    examples = [(n, t) for n, t in anchor_texts() if ":" not in n]
    assert len(examples) == 5
    for name, src in examples:
        assert write_tokn(parse_tokn(src)) == src, name


def _unquoted(text: str) -> str:
    return text.replace('"', "")


@pytest.mark.slow
@needs_anchor
def test_anchor_documents_rewrite_equal():
    """Every v1.2 document re-parses to the same Document after writing; the text is equal
    except where v1.2 left a field unquoted that TOKN quotes (trailing/leading spaces, a
    comma in ``type``, a multi-line title), and then equal once quotes are removed."""
    differing = 0
    for name, src in anchor_texts():
        doc = parse_tokn(src, name)
        out = write_tokn(doc)
        again = parse_tokn(out)
        assert again.components == doc.components and again.nets == doc.nets, name
        assert again == doc, name
        if out != src:
            differing += 1
            if "\\\n" not in src:
                assert _unquoted(out) == _unquoted(src), name
    assert differing <= 20
