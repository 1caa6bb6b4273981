"""KiCad's connectivity rules, one small hand-written schematic per rule.

Each fixture in tests/fixtures/connectivity/ was run through ``kicad-cli sch export
netlist`` of KiCad 9.0.8 (the ``.net`` beside it) and of KiCad 10.0.7 (``.k10.net``, every fixture); where
the XML netlist says more (parts with ``on_board no`` keep their pins there) the ``.xml`` too,
which is then KiCad 9's oracle.  Our connection graph, with that version's rules, must give
the same multi-pin nets and the same names for every named net.  Fixtures from issue 9
(bus_*, esc_*, power_legacy, onboard_no*, nested_reuse, dotted_pins) are written by
scripts/make_rule_fixtures.py.  The rules are written up in
docs/kicad-connectivity-findings.md (e.g. quirk J of KiCad 9: a junction on a wire's interior
cuts the wire, which KiCad 10 no longer does; labels join wires they touch anywhere; pins
only at wire ends).  ``test_stored_netlists_are_kicads`` re-runs the installed kicad-cli on
the fixtures where 9 and 10 differ, so the stored files cannot drift from what KiCad does.
"""
from __future__ import annotations

import glob
import os
import shutil
import xml.etree.ElementTree as ET

import pytest

from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.connectivity import design_nets
from tokn.kicad.hierarchy import load_design

from .support import kicad_clis, kicad_version_params, recorded_nets, recorded_parts

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity")
SUFFIX = {9: ".net", 10: ".k10.net"}
CASES = sorted(p for p in glob.glob(os.path.join(FIXTURES, "**", "*.kicad_sch"), recursive=True)
               if os.path.exists(p[: -len(".kicad_sch")] + ".net"))


def _stored(path: str, major: int) -> str:
    return path[: -len(".kicad_sch")] + SUFFIX[major]


def _kicad_nets(net_path: str) -> dict[frozenset, str]:
    xml_path = net_path[: -len(".net")] + ".xml"
    if os.path.exists(xml_path):
        return _kicad_xml_nets(xml_path)
    return recorded_nets(net_path)


def _kicad_xml_nets(path: str) -> dict[frozenset, str]:
    out = {}
    for n in ET.parse(path).getroot().iter("net"):
        pins = frozenset((x.get("ref"), x.get("pin")) for x in n.iter("node"))
        if len(pins) >= 2:
            out[pins] = n.get("name")
    return out


def _differing() -> list[str]:
    return [p for p in CASES if os.path.exists(_stored(p, 10))
            and _kicad_nets(_stored(p, 9)) != _kicad_nets(_stored(p, 10))]


#: fixtures recorded with KiCad 10 too (all of them)
CASES_10 = [p for p in CASES if os.path.exists(_stored(p, 10))]


def test_there_are_rule_fixtures():
    assert len(CASES) > 190 and CASES_10 == CASES


#: Where KiCad 9 and 10 give different nets, by rule (docs/kicad-connectivity-findings.md,
#: section "KiCad 10"): quirk J (a junction or bus-entry end on a wire's interior), bus
#: members with text markup, bus sheet pins across kinds, and `/` in sheet names.
DIFFERING = {
    "junction on a wire's interior (quirk J)": ("j", "q8_pin_names", "q10", "q14", "split_"),
    "markup kept in bus members": ("bus_group_markup", "bus_markup_vector", "bus_group_prefix_markup"),
    "bus pins across kinds": ("bus_nested_group", "bus_kinds_mixed", "bus_group_holding_vector",
                              "bus_group_pin_on_vector"),
    "sheet names escaped in net names": ("esc_sheet_names",),
    "stacked pin numbers ([1-3]) netlisted one by one": ("k10_stacked_pin",),
    "a net two bus chains name: KiCad 9 by its label, KiCad 10 by a chain": ("bus_members_of_two_chains",),
    "a part's field in a label, ${R1:VALUE} (KiCad 10 only)": ("label_symbol_field",),
    "a sheet pin's ${#} (KiCad 9: nothing; 10: the sheet it leads into) and @{} arithmetic (10 only)":
        ("sheet_var_hier", "sheet_var_expr"),
    "a power symbol with an empty value: KiCad 9 names its net ~ (a global label ~ joins it)": ("tilde_values",),
    "whitespace around a Value or a sheet name: KiCad 10 trims it on load": ("field_spaces",),
}


def test_kicad_9_and_10_differ_where_documented():
    """Every fixture where KiCad 9 and 10 give different nets falls under a documented rule,
    and every rule has such a fixture."""
    names = sorted(os.path.relpath(p, FIXTURES) for p in _differing())
    assert len(names) == 32, names
    for name in names:
        assert any(name.startswith(prefixes) for prefixes in DIFFERING.values()), name
    for rule, prefixes in DIFFERING.items():
        assert any(n.startswith(prefixes) for n in names), rule


@pytest.mark.parametrize("path, major", [pytest.param(p, m, id=f"{os.path.relpath(p, FIXTURES)}-kicad{m}")
                                         for m in (9, 10) for p in (CASES if m == 9 else CASES_10)])
def test_rule_matches_kicad(path, major):
    theirs = _kicad_nets(_stored(path, major))
    ours = {}
    for net in design_nets(load_design(path), kicad=major).nets:
        pins = frozenset((p.ref, p.pin) for p in net.pins if not p.ref.startswith("#"))
        if len(pins) >= 2:
            ours[pins] = net.name
    assert set(ours) == set(theirs), f"KiCad: {sorted(theirs.values())} ours: {sorted(ours.values())}"
    for pins, name in theirs.items():
        if not name.startswith(("Net-(", "unconnected-(")):
            assert ours[pins] == UNNAMED.get(name, name)


#: KiCad's netlist name of a net no one names (KiCad 10: power symbols with an empty
#: value) -> the document's
UNNAMED = {"<NO NET>": ""}


@pytest.mark.parametrize("path, major", [pytest.param(p, m, id=f"{os.path.relpath(p, FIXTURES)}-kicad{m}")
                                         for m in (9, 10) for p in (CASES if m == 9 else CASES_10)])
def test_parts_match_kicad(path, major):
    """The document's parts are the netlist's: no power symbol, no '#' reference, and no
    symbol without a lib_symbols entry (``symbol_without_lib_symbol``: KiCad leaves it out)."""
    stored = _stored(path, major)
    xml = stored[: -len(".net")] + ".xml"
    theirs = recorded_parts(xml if os.path.exists(xml) else stored)
    ours = {c.ref for c in encode_design(path, kicad=major).document.components}
    assert ours == theirs


def _netlist_values(net_path: str) -> dict[str, tuple[str, str]]:
    """ref -> (value, footprint) of the parts in a recorded S-expression netlist (KiCad
    writes an empty value as ``~`` and leaves an empty footprint out)."""
    from tokn.sexpr import child, children, first_value, parse
    with open(net_path, encoding="utf-8") as f:
        tree = parse(f.read(), net_path)[0]
    out = {}
    for c in children(child(tree, "components"), "comp"):
        value = first_value(c, "value", "")
        out[first_value(c, "ref")] = ("" if value == "~" else value, first_value(c, "footprint", "") or "")
    return out


@pytest.mark.parametrize("name", ["k6_instance_values", "k6_instance_values_order", "instance_values_per_symbol",
                                  "field_spaces"])
@pytest.mark.parametrize("major", (9, 10))
def test_instance_values_are_the_symbols(name, major):
    """A value or footprint recorded per instance (KiCad 6's ``symbol_instances``, or a
    path of a symbol's ``(instances ...)``) is the symbol's own field once KiCad has loaded
    the design, and KiCad 10 trims the whitespace around it (``field_spaces``): the parts'
    values and footprints are the netlist's."""
    path = os.path.join(FIXTURES, name, "root.kicad_sch")
    theirs = _netlist_values(_stored(path, major))
    ours = {c.ref: (c.value, c.fp) for c in encode_design(path, kicad=major).document.components}
    assert ours == theirs


@pytest.mark.kicad
@pytest.mark.parametrize("major", kicad_version_params())
def test_stored_netlists_are_kicads(major, tmp_path):
    """The installed KiCad still gives the stored nets on the fixtures where 9 and 10 differ."""
    cli = kicad_clis()[major]
    got = kicad_cli.version(cli)
    assert got.split(".")[0] == str(major), got
    for path in _differing():
        if os.path.dirname(path) != FIXTURES:            # a hierarchy: its whole folder
            folder = tmp_path / os.path.basename(os.path.dirname(path))
            shutil.copytree(os.path.dirname(path), folder)
            copy = folder / os.path.basename(path)
        else:
            copy = tmp_path / os.path.basename(path)
            shutil.copy(path, copy)
        net = kicad_cli.export_netlist(str(copy), cli=cli)
        theirs = {frozenset(pins): name for name, pins in net.nets.items() if len(pins) >= 2}
        assert theirs == _kicad_nets(_stored(path, major)), os.path.basename(path)
