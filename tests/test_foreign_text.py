"""A KiCad file given where TOKN is expected is named as what it is: by ``tokn validate`` /
``tokn decode`` (the strict parser), by the tolerant reader, and in the repair message a
model gets when it answers in KiCad's own S-expression format."""
from __future__ import annotations

import pytest

from tokn.doc import parse_tokn
from tokn.doc.foreign import kicad_file_kind
from tokn.doc.lenient import read_answer
from tokn.errors import ToknSyntaxError
from tokn.generate.pipeline import Toolkit

SCHEMATIC = '(kicad_sch\n\t(version 20250114)\n\t(generator "eeschema")\n)\n'


@pytest.mark.parametrize("text, kind", [
    (SCHEMATIC, "a KiCad schematic (S-expression)"),
    ("\ufeff  (kicad_sch (version 20211123))", "a KiCad schematic (S-expression)"),
    ("```lisp\n(kicad_sch (version 20231120)\n)\n```", "a KiCad schematic (S-expression)"),
    ("EESchema Schematic File Version 4\nEELAYER 30 0\n", "a KiCad 5 schematic (.sch)"),
    ("(kicad_pcb (version 20240108))", "a KiCad board (.kicad_pcb)"),
    ("(kicad_symbol_lib (version 20231120))", "a KiCad symbol library (.kicad_sym)"),
    ('(export (version "E")\n  (design))', "a KiCad netlist"),
    ("# TOKN v1\ntitle: x\n", None),
    ("(kicad_schematic is not a keyword)", None),
    ("Here is the circuit: (kicad_sch ...)", None),
    ("Sure! Here is the KiCad file:\n\n```\n(kicad_sch\n  (version 20231120)\n)\n```\n",
     "a KiCad schematic (S-expression)"),
    ("(kicad_sch (version 1)\n  (kicad_pcb (version 2)))", "a KiCad schematic (S-expression)"),
    ("", None),
])
def test_kicad_file_kind(text, kind):
    assert kicad_file_kind(text) == kind


def test_strict_parser_names_a_schematic():
    with pytest.raises(ToknSyntaxError) as e:
        parse_tokn(SCHEMATIC, "board.kicad_sch")
    assert str(e.value) == ("board.kicad_sch:1:1: expected the header '# TOKN v1': this is a KiCad "
                            "schematic (S-expression), not TOKN ('tokn encode' gives a schematic's TOKN)")


def test_strict_parser_message_unchanged_for_other_text():
    with pytest.raises(ToknSyntaxError) as e:
        parse_tokn("hello\n", "x.tokn")
    assert str(e.value) == "x.tokn:1:1: expected the header '# TOKN v1'"


def test_tolerant_reader_names_a_schematic():
    r = read_answer("```\n" + SCHEMATIC + "```\n")
    assert not r.found and r.document is None
    assert "the text is a KiCad schematic (S-expression), not TOKN" in str(r.error)


def test_repair_message_tells_the_model_to_answer_in_tokn():
    doc, text, findings, no_document = Toolkit(erc="off").read_answer(
        SCHEMATIC)
    assert doc is None and no_document
    (msg,) = [f.message for f in findings if f.code == "no-document"]
    assert "it is a KiCad schematic (S-expression): answer in TOKN, not in KiCad's own format" in msg
    assert "it says: '(kicad_sch (version 20250114)" in msg
