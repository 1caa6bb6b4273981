"""TOKN syntax: the grammar files, the strict parser, its error messages, extract_tokn."""
from __future__ import annotations

import os
import re

import pytest

from tokn.doc import (Component, Document, Net, extract_tokn, lark_grammar, natural_key,
                      natural_sorted, parse_tokn, to_gbnf, write_tokn)
from tokn.errors import ToknSemanticError, ToknSyntaxError

from .support import REPO, anchor_outputs, gbnf_checker, needs_anchor
from .support import anchor_reference_tokns as reference_tokns
from .support import read_text


def header_counts(text: str) -> dict[str, int]:
    """``{table: N}`` read from the ``name[N]{...}:`` lines with a plain regexp."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\[(\d+)\]\{", text, re.M)}


# ---- anchor documents -------------------------------------------------------------------

@needs_anchor
@pytest.mark.parametrize("path", anchor_outputs(), ids=lambda p: os.path.basename(os.path.dirname(p)))
def test_anchor_outputs_parse_with_counts(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    doc = parse_tokn(text, path)
    counts = header_counts(text)
    assert len(doc.components) == counts["components"] > 0
    assert len(doc.nets) == counts["nets"] > 0
    assert len(doc.wires) == counts["wires"]
    assert doc.title
    for m in re.finditer(r"^pins\{(.*)\}\[(\d+)\]:", text, re.M):
        assert len(doc.pins[m.group(1)]) == int(m.group(2))
    assert all(len(n.pins) >= 1 and all("." in p for p in n.pins) for n in doc.nets)


@needs_anchor
def test_all_reference_tokns_parse_with_counts():
    refs = reference_tokns()
    assert len(refs) >= 100
    for ident, text in refs:
        doc = parse_tokn(text, ident)
        counts = header_counts(text)
        assert len(doc.components) == counts["components"], ident
        assert len(doc.nets) == counts["nets"], ident
        assert len(doc.wires) == counts["wires"], ident
        assert sum(len(p) for p in doc.pins.values()) == sum(
            int(n) for n in re.findall(r"^pins\{.*\}\[(\d+)\]:", text, re.M)), ident


@needs_anchor
def test_v12_compat_unquoted_type_with_comma():
    """TOKN v1.2 leaves `type` unquoted even when it holds a comma; the reader joins it back."""
    text = next(t for _, t in reference_tokns() if "74LVC1G04GV,125," in t)
    doc = parse_tokn(text)
    c = next(c for c in doc.components if c.type == "74LVC1G04GV,125")
    assert c.value == "74LVC1G04GV,125" and c.fp.startswith("SOT") and c.x is not None


def test_v12_multiline_title_continuation():
    doc = parse_tokn("# TOKN v1\ntitle: TRACE RAMS\\\nDIAGNOSTIC COUNTER\n\ncomponents[0]{ref,type}:\n")
    assert doc.title == "TRACE RAMS\\\nDIAGNOSTIC COUNTER"
    assert parse_tokn(write_tokn(doc)).title == doc.title


# ---- model building ---------------------------------------------------------------------

MINI = """# TOKN v1
title: Mini
# a comment
components[2]{type,ref,a,x,y,zz}:
  R,R1,90,1.5,-2,whatever
  C,C1,,,,
pins{U1}[2]{name,num,type}:
  VCC,1,power_in
  "A,B",2,
nets[1]{name,pins}:
  GND,"R1.1,C1.2"
wires[1]{net,pts}:
  GND,"1 2,3.5 -4"
"""


def test_columns_by_name_and_values():
    doc = parse_tokn(MINI)
    r1, c1 = doc.components
    assert (r1.ref, r1.type, r1.a, r1.x, r1.y, r1.w) == ("R1", "R", 90.0, 1.5, -2.0, None)
    assert (c1.ref, c1.x, c1.a) == ("C1", None, None)
    assert [(p.number, p.name, p.type) for p in doc.pins["U1"]] == [("1", "VCC", "power_in"), ("2", "A,B", "")]
    assert doc.nets == [Net("GND", ["R1.1", "C1.2"])]
    assert doc.wires[0].pts == [(1.0, 2.0), (3.5, -4.0)]


def test_extension_columns_and_tables():
    text = ("# TOKN v1\nextensions[3]: unit,dnp,labels\n\n"
            "components[1]{ref,type,value,fp,x,y,w,h,a,unit,dnp,mirror}:\n  U1,TL072,,,,,,,,2,1,y\n"
            "labels[1]{name,kind,shape,x,y,a}:\n  SDA,global,bidirectional,1.27,2.54,180\n")
    doc = parse_tokn(text)
    assert (doc.components[0].unit, doc.components[0].dnp, doc.components[0].mirror) == (2, True, "y")
    assert doc.labels[0].kind == "global" and doc.labels[0].a == 180.0
    assert write_tokn(doc).startswith("# TOKN v1\nextensions[4]: unit,mirror,dnp,labels\n")


def test_crlf_and_missing_final_newline_are_accepted():
    assert parse_tokn(MINI.replace("\n", "\r\n").rstrip("\r\n")) == parse_tokn(MINI)


def test_unknown_scalars_kept_unknown_arrays_ignored():
    doc = parse_tokn("# TOKN v1\ntitle: \"a, b \"\nauthor: me\nempty:\ntags[2]: x,y\n")
    assert doc.title == "a, b " and doc.extra == {"author": "me", "empty": ""}


# ---- errors -----------------------------------------------------------------------------

def error_of(text: str, exc: type = ToknSyntaxError):
    with pytest.raises(exc) as info:
        parse_tokn(text, "f.tokn")
    err = info.value
    s = str(err)
    assert "\n" not in s
    assert s.startswith(f"f.tokn:{err.line}:{err.col}: ")
    return err


def test_error_truncated_row():
    err = error_of(MINI.replace("  C,C1,,,,\n", "  C,C1,,\n"), ToknSemanticError)
    assert (err.line, err.col) == (6, 3)
    assert "4 field(s)" in err.message and "6 column(s)" in err.message


def test_error_bad_count():
    err = error_of(MINI.replace("nets[1]", "nets[3]"), ToknSemanticError)
    assert (err.line, err.col) == (10, 6)
    assert "[3]" in err.message and "1 follow" in err.message


def test_error_too_many_rows_reads_as_bad_count():
    err = error_of(MINI.replace("components[2]", "components[1]"), ToknSemanticError)
    assert (err.line, err.col) == (4, 12)


def test_error_unterminated_quote():
    err = error_of(MINI.replace('GND,"R1.1,C1.2"', 'GND,"R1.1,C1.2'))
    assert (err.line, err.col) == (11, 7)
    assert "unterminated quoted" in err.message


def test_error_bad_escape():
    err = error_of(MINI.replace('"A,B"', '"A\\qB"'))
    assert (err.line, err.col) == (9, 3) and "escape" in err.message


def test_error_garbage():
    err = error_of("Sure! Here is your circuit.\n")
    assert (err.line, err.col) == (1, 1) and "# TOKN v1" in err.message
    err = error_of("# TOKN v1\ntitle: x\nthis is not tokn\n")
    assert (err.line, err.col) == (3, 5)
    assert err.message.startswith("expected ")
    err = error_of("# TOKN v1\ncomponents[1]{ref,type}\n  R1,R\n")
    assert (err.line, err.col) == (2, 24) and "':'" in err.message


def test_error_row_outside_table():
    err = error_of("# TOKN v1\ncomponents[1]{ref,type}:\n  R1,R\n\n  R2,R\n")
    assert (err.line, err.col) == (5, 1) and "outside a table" in err.message


def test_error_quote_inside_bare_field():
    err = error_of('# TOKN v1\ncomponents[1]{ref,type}:\n  R1,10"\n')
    assert (err.line, err.col) == (3, 8) and "bare field" in err.message


def test_semantic_errors():
    assert "unknown table 'parts'" in error_of("# TOKN v1\nparts[0]{a}:\n", ToknSemanticError).message
    assert "unknown table" in error_of("# TOKN v1\nfoo{U1}[0]:\n", ToknSemanticError).message
    err = error_of("# TOKN v1\ncomponents[1]{ref,x}:\n  R1,1\n", ToknSemanticError)
    assert "type" in err.message and (err.line, err.col) == (2, 1)
    err = error_of("# TOKN v1\ncomponents[1]{ref,type,x}:\n  R1,R,1.2.3\n", ToknSemanticError)
    assert (err.line, err.col) == (3, 8) and "number" in err.message
    err = error_of("# TOKN v1\ncomponents[1]{ref,type,dnp}:\n  R1,R,yes\n", ToknSemanticError)
    assert (err.line, err.col) == (3, 8)
    err = error_of("# TOKN v1\nwires[1]{net,pts}:\n  A,\"1 2,3\"\n", ToknSemanticError)
    assert "point" in err.message
    err = error_of("# TOKN v1\nnets[0]{name,pins}:\nnets[0]{name,pins}:\n", ToknSemanticError)
    assert "twice" in err.message and err.line == 3
    err = error_of("# TOKN v2\n", ToknSemanticError)
    assert "version" in err.message
    err = error_of("# TOKN v1\nextensions[2]: unit\n", ToknSemanticError)
    assert err.line == 2
    err = error_of("# TOKN v1\nnoconnects[2]{x,pin}:\n  1.27,R1.2\n  2.54,\n", ToknSemanticError)
    assert "position (x, y) or a pin" in err.message and (err.line, err.col) == (4, 3)


def test_noconnects_by_pin_or_by_position():
    """A ``noconnects`` row names the pin it flags (documents without a drawing), is drawn at
    a position, or both; the writer names only the columns used."""
    pins_only = "# TOKN v1\nnoconnects[2]{pin}:\n  U1.5\n  U2.3\n"
    d = parse_tokn(pins_only)
    assert [(n.pin, n.x, n.y) for n in d.noconnects] == [("U1.5", None, None), ("U2.3", None, None)]
    assert "noconnects[2]{pin}:\n  U1.5\n  U2.3\n" in write_tokn(d)
    drawn = parse_tokn("# TOKN v1\nnoconnects[1]{x,y,sheet}:\n  1.27,2.54,S1\n")
    assert "noconnects[1]{x,y,sheet}:\n  1.27,2.54,S1\n" in write_tokn(drawn)
    both = parse_tokn("# TOKN v1\nnoconnects[1]{x,y,pin}:\n  1.27,2.54,R1.2\n")
    assert (both.noconnects[0].x, both.noconnects[0].pin) == (1.27, "R1.2")


# ---- extract_tokn -----------------------------------------------------------------------

DOC = "# TOKN v1\ntitle: T\n\ncomponents[1]{ref,type}:\n  R1,R\n\nnets[1]{name,pins}:\n  GND,R1.1\n"


def test_extract_plain_document_is_unchanged():
    assert extract_tokn(DOC) == DOC


def test_extract_fenced_with_prose():
    answer = ("Sure! Here is the design:\n\n```tokn\n" + DOC + "```\n\n"
              "Note: R1 is a pull-up.\n\n```python\nprint(1)\n```\n")
    assert extract_tokn(answer) == DOC


def test_extract_prose_after_unfenced_document():
    answer = "Here you go.\n" + DOC + "\nThis circuit pulls the line low.\nNote: done\n"
    assert extract_tokn(answer) == DOC


def test_extract_crlf_trailing_spaces_no_final_newline():
    sloppy = "\ufeff" + DOC.replace("\n", "  \r\n").rstrip()
    assert extract_tokn(sloppy) == DOC


def test_extract_loose_or_missing_header():
    assert extract_tokn(DOC.replace("# TOKN v1", "#TOKN v1")) == DOC
    assert extract_tokn("```\n" + DOC.split("\n", 1)[1] + "```") == DOC


def test_extract_keeps_v12_title_continuation():
    text = "# TOKN v1\ntitle: A\\\nB\n\ncomponents[0]{ref,type}:\n"
    assert extract_tokn("x\n" + text + "\nbye\n") == text


def test_extract_without_document_raises():
    with pytest.raises(ToknSyntaxError):
        extract_tokn("I cannot design that circuit.")


# ---- grammar files ----------------------------------------------------------------------

def test_packaged_grammar_is_the_canonical_one():
    with open(os.path.join(REPO, "grammars", "tokn.lark"), encoding="utf-8") as f:
        assert lark_grammar() == f.read(), "run: python -m tokn.doc.grammar_export --write"


def test_gbnf_file_is_up_to_date():
    with open(os.path.join(REPO, "grammars", "tokn.gbnf"), encoding="utf-8") as f:
        assert to_gbnf(lark_grammar()) == f.read(), "run: python -m tokn.doc.grammar_export --write"


def test_to_gbnf_rejects_unsupported_constructs():
    for bad in ("start: A\n%ignore A\nA: \"a\"\n", "start: /ab+/\n", "start: \"a\"i\n",
                "start: x~3\n", "start: b\n", "rule: \"a\"\n"):
        with pytest.raises(ValueError):
            to_gbnf(bad)
    assert 'root ::= "a" ([b-d])? (x | y)*' in to_gbnf('start: "a" ["b".."d"] (x|y)*\nx: "x"\ny: "y"\n')


# The exported GBNF is read by the independent PyPI `gbnf` reader (tests/support.py).

@pytest.fixture(scope="module")
def gbnf():
    return gbnf_checker(to_gbnf(lark_grammar()))


def test_gbnf_is_well_formed():
    text = to_gbnf(lark_grammar())
    defined = set(re.findall(r"^([A-Za-z][\w-]*) ::=", text, re.M))
    assert defined >= {"root", "ROW", "QUOTED", "NL"}


def test_gbnf_accepts_what_the_parser_accepts(gbnf):
    samples = [MINI, DOC, "# TOKN v1.2\n", '# TOKN v1\ntitle: "q\\"\\n"\nx:\ne[2]: ,\n',
               "# TOKN v1\npins{\"a}b\"}[1]{num,name}:\n  \"\",x\n"]
    samples += [read_text(p, encoding="utf-8") for p in anchor_outputs()[:2]]
    for text in samples:
        parse_tokn(text)
        assert gbnf(text), text[:80]


def test_gbnf_rejects_what_the_parser_rejects(gbnf):
    for text in ["hello\n", "# TOKN v1\n C1,R\n", '# TOKN v1\ntitle: "open\n',
                 "# TOKN v1\nnets[0]{name,pins}\n", '# TOKN v1\nn[1]{a}:\n  a"b\n']:
        with pytest.raises(ToknSyntaxError):
            parse_tokn(text)
        assert not gbnf(text), text


# ---- size and naming --------------------------------------------------------------------

def test_parse_500_rows():
    doc = Document(title="big", components=[
        Component(f"R{i}", "R", "10k", "Resistor_SMD:R_0603_1608Metric", i * 2.54, 50.8, 0.0, 7.62, 90.0)
        for i in range(1, 301)],
        nets=[Net(f"N{i}", [f"R{i}.2", f"R{i + 1}.1"]) for i in range(1, 201)])
    text = write_tokn(doc)
    assert text.count("\n  ") == 500
    back = parse_tokn(text)                 # speed: benchmarks/, not a timed test
    assert (len(back.components), len(back.nets)) == (300, 200)
    assert write_tokn(back) == text


def test_natural_key():
    assert natural_sorted(["C10", "C2", "U1", "C1", "R1", "C01"]) == ["C01", "C1", "C2", "C10", "R1", "U1"]
    assert natural_sorted(["U1.10", "U1.2", "U10.1", "U1.1"]) == ["U1.1", "U1.2", "U1.10", "U10.1"]
    assert natural_key("N2") < natural_key("N10") and natural_key("10") < natural_key("A")


def test_the_reader_notes_where_rows_were_read_and_documents_still_compare_by_content():
    text = ("# TOKN v1\ntitle: t\n\ncomponents[2]{ref,type,value}:\n  R1,R,1k\n  U1,NE555P,NE555P\n\n"
            "pins{U1}[2]:\n  1,GND\n  8,VCC\n\nnets[2]{name,pins}:\n  GND,\"R1.2,U1.1\"\n  N1,\"R1.1,U1.3\"\n")
    doc = parse_tokn(text)
    assert [doc.line_of(w) for w in ("R1.2", "U1.3", "R1", "GND", "N1", "U1.8", "U1.5", "pins{U1}", "X9")] == \
        [13, 14, 5, 13, 14, 10, 6, 9, None]
    assert doc == parse_tokn(text.replace("title: t\n", "title: t\n\n\n"))      # other lines, same content
