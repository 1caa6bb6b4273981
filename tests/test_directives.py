"""Net-class directive labels and rule areas (docs/format.md, extension ``directives``).

They connect nothing, but KiCad's netlist states the classes they give: a directive on a
wire gives its net the directive's ``Netclass``; one on a rule area's border gives the nets
inside the area its ``Netclass`` and the symbols inside its ``Component Class``.  At
``full`` detail the document keeps both, so a round trip from the text alone gives the same
classes; the levels without a drawing drop them and say so.
"""
from __future__ import annotations

import os

import pytest

from tokn.decode import decode
from tokn.doc import Directive, RuleArea, parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.schematic import load_schematic

from .support import kicad_clis, kicad_version_params

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "directives", "classes.kicad_sch")

# the fixture: a "Power" directive on the wire of /TOP; a rule area around the wire of the
# other net, with a "Signal" / component class "Analog" directive on its lower border
DIRECTIVES = [Directive(90.0, 90.0, 0.0, "round", 2.54, "Power", "", ""),
              Directive(90.0, 100.0, 180.0, "diamond", 2.54, "Signal", "Analog", "")]
RULE_AREAS = [RuleArea([(75.0, 95.0), (105.0, 95.0), (105.0, 100.0), (75.0, 100.0)], "")]


def test_full_detail_keeps_directives_and_rule_areas():
    result = encode_design(FIXTURE)
    assert result.document.directives == DIRECTIVES
    assert result.document.ruleareas == RULE_AREAS
    assert not [w for w in result.warnings if "class" in w]
    text = write_tokn(result.document)
    assert "directives[2]{x,y,a,shape,class,comp}:" in text and "ruleareas[1]{pts}:" in text
    again = parse_tokn(text)
    assert (again.directives, again.ruleareas) == (DIRECTIVES, RULE_AREAS)


@pytest.mark.parametrize("detail", ["v1", "nets"])
def test_levels_without_a_drawing_drop_them_and_say_so(detail):
    result = encode_design(FIXTURE, detail=detail)
    assert result.document.directives == [] and result.document.ruleareas == []
    [warning] = [w for w in result.warnings if "class" in w]
    assert "2 net-class directive label(s) and 1 rule area(s) (classes Analog, Power, Signal)" in warning
    assert "--detail full" in warning


@pytest.mark.parametrize("lean", [False, True], ids=["full-reader", "lean-reader"])
def test_the_reader_keeps_the_rule_area_polygon_and_the_classes(lean):
    sch = load_schematic(FIXTURE, lean=lean)
    assert sch.rule_areas == [[(75.0, 95.0), (105.0, 95.0), (105.0, 100.0), (75.0, 100.0)]]
    directives = [(lb.x, lb.y, lb.shape, lb.netclass, lb.compclass) for lb in sch.labels if lb.kind == "directive"]
    assert directives == [(90.0, 90.0, "round", "Power", ""), (90.0, 100.0, "diamond", "Signal", "Analog")]


def _classes(netlist: kicad_cli.Netlist) -> tuple[dict, dict]:
    """{frozenset of pins: net class} of the multi-pin nets, {ref: component classes}."""
    nets = {frozenset(pins): netlist.classes[name] for name, pins in netlist.nets.items() if len(pins) > 1}
    return nets, {ref: c["classes"] for ref, c in netlist.components.items()}


@pytest.mark.parametrize("major", kicad_version_params())
def test_round_trip_from_the_text_keeps_the_classes_kicad_gives(major, symbol_index, tmp_path):
    cli = kicad_clis()[major]
    original = _classes(kicad_cli.export_netlist(FIXTURE, cli=cli))
    # what the fixture is: KiCad gives the classes (undefined without a project: "X,Default")
    assert sorted(original[0].values()) == ["Power,Default", "Signal,Default"]
    assert original[1] == {"R1": "Analog", "R2": "Analog"}
    text = write_tokn(encode_design(FIXTURE, kicad=major).document)
    decoded = decode(parse_tokn(text), symbol_index, project="classes")
    assert decoded.mode == "as-drawn"
    out = tmp_path / "classes.kicad_sch"
    decoded.write(str(out))
    assert _classes(kicad_cli.export_netlist(str(out), cli=cli)) == original
