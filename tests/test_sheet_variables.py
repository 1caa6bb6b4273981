"""Text variables that depend on the sheet instance, as KiCad shows them in net names.

A label ``L${#}`` in a sheet used on pages 2 and 3 is two nets, ``/S1/L2`` and ``/S2/L3``;
a power symbol ``P${#}`` two power nets; a global label ``N_${param}`` takes the sheet's
own field; KiCad 10 also evaluates ``@{...}`` arithmetic.  Before, such text was read as
written (one net ``P${#}`` joining both sheets) or as a bus group (``G${#}`` -> a crash).
The fixtures ``tests/fixtures/connectivity/sheet_var_*`` hold both KiCads' netlists
(checked by tests/test_connectivity_rules.py); these tests state the rules one by one.
"""
from __future__ import annotations

import os

import pytest

from tokn.kicad.buses import is_bus_name, members
from tokn.kicad.hierarchy import instance_text, load_design
from tokn.kicad.textvars import evaluate_expressions

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity")

# (text, KiCad 10 shows)
EXPRESSIONS = [
    ("H@{2*10}", "H20"),
    ("@{(1+2)*3}x", "9x"),
    ("@{7/2}", "3.5"),
    ("@{-3+5}", "2"),
    ("a@{2 * 10}b@{5%3}", "a20b2"),
    ("@{1/0}", "@{1/0}"),              # cannot be evaluated: stays as written
    ("@{max(1,2)}", "@{max(1,2)}"),
    ("@{2**3}", "@{2**3}"),
    ("no expression", "no expression"),
]


@pytest.mark.parametrize("text,shown", EXPRESSIONS)
def test_kicad_10_arithmetic(text, shown):
    assert evaluate_expressions(text) == shown


@pytest.mark.parametrize("name", ["G${#}", "N_${param}", "H@{${#}*10}", "A${X}B"])
def test_a_text_variable_is_no_bus_group(name):
    assert not is_bus_name(name)
    assert [m.name for m in members(name)] == [name]                   # one net of its own


def test_a_member_named_like_a_position_does_not_fail():
    assert [m.name for m in members("B{# X}")] == ["B.#", "B.X"]


# (variable, on the first sheet instance S1 (page 2), on S2 (page 3))
VARIABLES = [
    ("${#}", "2", "3"),
    ("${##}", "3", "3"),
    ("${SHEETNAME}", "S1", "S2"),
    ("${SHEETPATH}", "/S1/", "/S2/"),
    ("${FILENAME}", "child.kicad_sch", "child.kicad_sch"),
    ("${param}", "PA", "PB"),                     # the sheet's own field
    ("${UNKNOWN}", "${UNKNOWN}", "${UNKNOWN}"),   # stays as written
    ("x@{${#}*10}", "x@{2*10}", "x@{3*10}"),      # KiCad 9: no arithmetic
]


@pytest.mark.parametrize("text,first,second", VARIABLES)
def test_variables_resolve_per_sheet_instance(text, first, second):
    design = load_design(os.path.join(FIXTURES, "sheet_var_param", "root.kicad_sch"))
    s1, s2 = design.instances[1:]
    assert (instance_text(design, s1, text, 9), instance_text(design, s2, text, 9)) == (first, second)


def test_kicad_10_evaluates_after_resolving():
    design = load_design(os.path.join(FIXTURES, "sheet_var_param", "root.kicad_sch"))
    assert [instance_text(design, s, "H@{${#}*10}", 10) for s in design.instances[1:]] == ["H20", "H30"]


def test_page_numbers_come_from_the_sheet_instances_not_the_file_order():
    design = load_design(os.path.join(FIXTURES, "sheet_var_pageorder", "root.kicad_sch"))
    assert [(i.name_path, i.page) for i in design.instances] == [("/", "1"), ("/S1/", "3"), ("/S2/", "2")]


def test_kicad_10_reads_a_parts_field_by_reference_kicad_9_does_not():
    design = load_design(os.path.join(FIXTURES, "label_symbol_field.kicad_sch"))
    root = design.instances[0]
    assert instance_text(design, root, "N_${R1:VALUE}", 10) == "N_10k"
    assert instance_text(design, root, "N_${R1:VALUE}", 9) == "N_${R1:VALUE}"
    assert instance_text(design, root, "${R9:VALUE}", 10) == "${R9:VALUE}"      # no such part
