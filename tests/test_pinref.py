"""``REF.PIN`` splits after the longest declared reference (docs/format.md, nets).

Pin numbers may hold dots (resistor arrays: ``1.1`` ... ``4.2``); references in practice do
not, but when they do the declared reference decides.
"""
from __future__ import annotations

import pytest

from tokn.doc import parse_tokn
from tokn.doc.pinref import split_pin_ref
from tokn.validate import validate

CASES = [
    # text, declared references, expected (ref, pin)
    ("U1.7", {"U1"}, ("U1", "7")),
    ("RM3.1.2", {"RM3"}, ("RM3", "1.2")),
    ("RM3.1.2", {"RM3", "RM3.1"}, ("RM3.1", "2")),     # the longest declared reference
    ("RM3.1.2", {"RM3.1"}, ("RM3.1", "2")),
    ("RM3.1.2", set(), ("RM3", "1.2")),                 # nothing declared: the first dot
    ("RM3.1.2", None, ("RM3", "1.2")),
    ("X9.4.2", {"RM3"}, ("X9", "4.2")),                 # undeclared part: the first dot
    ("J1.A6", {"J1"}, ("J1", "A6")),
    (" C2.1 ", {"C2"}, ("C2", "1")),                    # surrounding spaces ignored
    ("U1.", {"U1"}, None),                              # empty pin
    (".7", {"U1"}, None),                               # empty reference
    ("U1", {"U1"}, None),                               # no dot
    ("U1.", None, None),
]


@pytest.mark.parametrize("text,refs,expected", CASES)
def test_split_pin_ref(text, refs, expected):
    assert split_pin_ref(text, refs) == expected


def test_validate_reads_dotted_pins_of_a_resistor_array():
    doc = parse_tokn("# TOKN v1\ncomponents[2]{ref,type,value}:\n  RM3,R_Array,4x10k\n  R1,R,10k\n"
                     "nets[2]{name,pins}:\n  A,\"R1.1,RM3.1.1\"\n  B,\"R1.2,RM3.1.2\"\n")
    assert [f for f in validate(doc) if f.severity == "error"] == []


def test_validate_names_the_part_of_a_dotted_pin():
    doc = parse_tokn("# TOKN v1\ncomponents[1]{ref,type,value}:\n  R1,R,10k\n"
                     "nets[1]{name,pins}:\n  A,\"R1.1,RM3.1.1\"\n")
    errors = [f for f in validate(doc) if f.severity == "error"]
    assert [(f.code, f.message) for f in errors] == [
        ("undeclared-part", "RM3.1.1 names part RM3, which is not in components")]
