"""The tolerant reader of LLM answers (tokn.doc.lenient): what it forgives, that it says so
(a fix per normalisation, with the answer's line numbers), that it reads strict TOKN exactly
as the strict reader does, and that what it cannot read gets the strict reader's error on
the answer's own line."""
from __future__ import annotations

import glob
import os

import pytest

from tokn.doc import parse_tokn
from tokn.doc.lenient import FIX_CODES, read_answer, where_lines
from tokn.doc.model import Component, Net, PinDef
from tokn.errors import ToknSemanticError, ToknSyntaxError

HERE = os.path.dirname(__file__)
BUNDLED = sorted(glob.glob(os.path.join(HERE, "..", "tokn", "data", "fewshot", "*.tokn")))
CORPUS = sorted(glob.glob(os.path.join(HERE, "fixtures", "answers", "*.txt")))

STRICT = """\
# TOKN v1
title: LED

components[2]{ref,type,value}:
  D1,LED,Red
  R1,R,330

nets[3]{name,pins}:
  +5V,R1.1
  N1,"R1.2,D1.2"
  GND,D1.1
"""
COMPONENTS = [Component("D1", "LED", "Red"), Component("R1", "R", "330")]
NETS = [Net("+5V", ["R1.1"]), Net("N1", ["R1.2", "D1.2"]), Net("GND", ["D1.1"])]


def variant(old: str, new: str, text: str = STRICT) -> str:
    assert old in text
    return text.replace(old, new, 1)


# (fix code, answer, answer lines the fix names)  -- every answer reads as STRICT does
FORGIVEN = [
    ("code-fence", "```tokn\n" + STRICT + "```\n", [1, 13]),
    ("code-fence", "~~~\n" + STRICT + "~~~\n", [1, 13]),
    ("prose", "Here it is:\n\n" + STRICT + "\nThe resistor limits the current.\n", [1, 15]),
    ("prose", variant("nets[3]", "Now the nets:\n\nnets[3]"), [8]),
    ("prose", STRICT + "\n# TOKN v1\ncomponents[1]{ref,type}:\n  D1,LED\n", [13, 14, 15]),
    ("header", variant("# TOKN v1", "#tokn v1"), [1]),
    ("header", variant("# TOKN v1", "# TOKN v1   "), [1]),
    ("header", STRICT.split("\n", 2)[2], [2]),
    ("line-ends", STRICT.replace("\n", "\r"), list(range(1, 12))),
    ("comment", variant("  R1,R,330", "  # the resistor\n  R1,R,330"), [6]),
    ("comment", variant("  R1,R,330", "  R1,R,330   # current limit"), [6]),
    ("comment", variant("  R1,R,330", "  R1,R,330 ; current limit"), [6]),
    ("comment", variant("  R1,R,330", "  R1,R,330 // current limit"), [6]),
    ("comment", variant("components[2]{ref,type,value}:", "components[2]{ref,type,value}: # parts"), [4]),
    ("comment", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2" # anode'), [10]),
    ("comment", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2 ; anode'), [10]),
    ("blank-line", variant("  R1,R,330", "\n  R1,R,330"), [6]),
    ("tabs", variant("  R1,R,330", "\tR1,R,330"), [6]),
    ("tabs", variant("  R1,R,330", "  R1,\tR,\t330"), [6]),
    ("indent", variant("  R1,R,330", "    R1,R,330"), [6]),
    ("indent", variant("  R1,R,330", "R1,R,330"), [6]),
    ("spaces", variant("  R1,R,330", "  R1, R, 330  "), [6]),
    ("spaces", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2, D1.2"'), [10]),
    ("spaces", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2 D1.2"'), [10]),
    ("quotes", variant('  N1,"R1.2,D1.2"', "  N1,\u201cR1.2,D1.2\u201d"), [10]),
    ("unterminated-quote", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2'), [10]),
    ("table-header", variant("nets[3]{name,pins}:", "nets[3]{name,pins}"), [8]),
    ("table-header", variant("nets[3]{name,pins}:", "nets [3] {name, pins}:"), [8]),
    ("row-count", variant("components[2]", "components[5]"), [4]),
    ("row-count", variant("nets[3]{name,pins}:", "nets{name,pins}:"), [8]),
    ("missing-fields", variant("{ref,type,value}", "{ref,type,value,fp}"), [5, 6]),
    ("extra-fields", variant("  R1,R,330", "  R1,R,330,,"), [6]),
    ("row-count", variant("nets[3]", "pins{D1}:\n  1,K\n  2,A\nnets[3]"), [8]),
    ("unquoted-list", variant('  N1,"R1.2,D1.2"', "  N1,R1.2,D1.2"), [10]),
    ("merged-table", variant("  GND,D1.1\n", "\nnets[1]{name,pins}:\n  GND,D1.1\n"), [12]),
]


@pytest.mark.parametrize("code,answer,lines", FORGIVEN, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(FORGIVEN)])
def test_a_forgiven_liberty_reads_as_the_strict_document_and_is_reported(code, answer, lines):
    r = read_answer(answer)
    assert r.error is None, r.error
    assert r.document.components == COMPONENTS and r.document.nets == NETS
    fix = next((f for f in r.fixes if f.code == code), None)
    assert fix is not None, [f.code for f in r.fixes]
    assert sorted(set(fix.lines)) == lines
    assert fix.where == where_lines(lines) and fix.message.startswith(FIX_CODES[code])


def test_every_fix_code_is_exercised():
    codes = {c for c, _, _ in FORGIVEN} | {"geometry", "not-points", "pin-columns"}
    assert codes == set(FIX_CODES)


def test_strict_documents_read_identically_without_fixes():
    assert BUNDLED
    for path in BUNDLED:
        text = open(path, encoding="utf-8").read()
        r = read_answer(text)
        assert r.fixes == [] and r.error is None, path
        assert r.document == parse_tokn(text), path


def test_v12_geometry_is_ignored_and_reported():
    path = os.path.join(os.path.dirname(HERE), "..", "shared", "anchor", "examples", "mcp2551-can-transceiver",
                        "output.tokn")
    answer = """\
# TOKN v1.2
components[2]{ref,type,value,fp,x,y,w,h,a}:
  R1,R,330,,127.00,88.90,0.00,7.62,90
  D1,LED,Red,,139.70,88.90,7.62,0.00,0
nets[1]{name,pins}:
  N1,"R1.2,D1.2"
wires[2]{net,pts}:
  N1,"130.81 88.90,135.89 88.90"
  N1,"R1.2,D1.2"
"""
    r = read_answer(answer)
    assert r.error is None
    assert [(c.ref, c.x, c.a) for c in r.document.components] == [("R1", None, None), ("D1", None, None)]
    assert r.document.wires == []
    fixes = {f.code: f for f in r.fixes}
    assert set(fixes) == {"geometry", "not-points"}
    assert fixes["geometry"].lines == [2, 3, 4, 7, 8] and fixes["not-points"].lines == [9]
    if os.path.exists(path):                     # a real v1.2 document: only its drawing goes
        text = open(path, encoding="utf-8").read()
        strict, lenient = parse_tokn(text), read_answer(text)
        assert [f.code for f in lenient.fixes] == ["geometry"]
        assert lenient.document.nets == strict.nets and lenient.document.pins == strict.pins
        assert [c.ref for c in lenient.document.components] == [c.ref for c in strict.components]


def test_a_third_field_of_default_pin_rows_is_the_pin_type():
    answer = variant("nets[3]", "pins{D1}[2]:\n  1,K,passive\n  2,A,passive\n\nnets[3]")
    r = read_answer(answer)
    assert r.document.pins["D1"] == [PinDef("1", "K", "passive"), PinDef("2", "A", "passive")]
    assert [(f.code, f.lines) for f in r.fixes] == [("pin-columns", [8])]


def test_a_pin_table_given_twice_keeps_the_first_row_of_each_pin():
    table = "pins{D1}[2]:\n  1,K\n  2,A\n"
    r = read_answer(variant("nets[3]", table + table.replace("2,A", "2,ANODE") + "nets[3]"))
    assert r.document.pins["D1"] == [PinDef("1", "K"), PinDef("2", "A")]
    merged = next(f for f in r.fixes if f.code == "merged-table")
    assert merged.lines == [11, 12, 13]


# (answer, error class, answer line, words of the message)
UNREADABLE = [
    (variant("  R1,R,330", '  R1,R,"33"0'), ToknSyntaxError, 6, "expected ',' or end of line"),
    ("Some prose.\n\n" + variant("  R1,R,330", '  R1,R,"33"0'), ToknSyntaxError, 8, "expected ','"),
    (variant("components[2]{ref,type,value}:", "components[2]{ref,type,value:"), ToknSyntaxError, 4, ""),
    (variant("nets[3]{name,pins}:", "netz[3]{name,pins}:"), ToknSemanticError, 8, "unknown table 'netz'"),
    (variant("  R1,R,330", "  R1"), ToknSemanticError, 6, "row has 1 field"),
    (STRICT + "junctions[1]{x,y}:\n  1.0, abc\n", ToknSemanticError, 13, "line read as '  1.0,abc'"),
]


@pytest.mark.parametrize("answer,cls,line,words", UNREADABLE)
def test_what_cannot_be_read_gets_the_strict_error_on_the_answers_line(answer, cls, line, words):
    r = read_answer(answer, "answer.txt")
    assert r.document is None and r.found
    assert isinstance(r.error, cls) and r.error.line == line and r.error.path == "answer.txt"
    assert r.error.col is not None and str(r.error).startswith(f"answer.txt:{line}:")
    assert words in r.error.message


def test_no_document_at_all():
    r = read_answer("I cannot design that circuit, sorry.")
    assert not r.found and r.document is None and r.text is None
    assert isinstance(r.error, ToknSyntaxError) and (r.error.line, r.error.col) == (1, 1)


def test_the_strict_reader_is_unchanged():
    for answer in (variant("components[2]", "components[5]"), "```\n" + STRICT + "```\n",
                   variant("  R1,R,330", "\n  R1,R,330"), variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2')):
        with pytest.raises((ToknSyntaxError, ToknSemanticError)):
            parse_tokn(answer)


@pytest.mark.parametrize("path", CORPUS, ids=[os.path.basename(p) for p in CORPUS])
def test_nothing_changes_silently(path):
    """Every line of an answer that no fix names is read exactly as the strict reader would
    read it, and every line left out of the document is named by a fix (blank lines and
    comment lines between sections aside, which the format allows)."""
    answer = open(path, encoding="utf-8", newline="").read()
    r = read_answer(answer)
    if not r.found:
        return
    raw = answer.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    named = {n for f in r.fixes for n in f.lines}
    text_lines = r.text.split("\n")
    kept = set(r.line_of)
    for read, n in zip(text_lines, r.line_of):
        if n in named:
            continue
        src = raw[n - 1]
        assert read == src or _same_row(read, src) or _same_header(read, src), (n, src, read)
    for n, src in enumerate(raw, 1):
        if n in kept or n in named or not src.strip():
            continue
        assert src.startswith("#"), (n, src)     # a comment line, which carries no data


def _same_row(a: str, b: str) -> bool:
    from tokn.doc.values import split_row
    return a.startswith("  ") and b.startswith("  ") and split_row(a[2:]) == split_row(b[2:])


def _same_header(a: str, b: str) -> bool:
    return a.rstrip(":") == b.rstrip(":").replace(" ", "") and b.endswith(":")


def test_format_md_tables_every_fix_code():
    with open(os.path.join(HERE, "..", "docs", "format.md"), encoding="utf-8") as f:
        doc = f.read()
    assert [c for c in FIX_CODES if f"| `{c}` |" not in doc] == []


# ---- properties ---------------------------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from tokn.doc import write_tokn  # noqa: E402

from .test_tokn_roundtrip_hypothesis import SETTINGS, documents  # noqa: E402

_DRAWING = {"geometry", "not-points"}


@SETTINGS
@given(documents)
def test_a_written_document_reads_the_same_unless_a_fix_says_otherwise(doc):
    """Whatever the writer produces is read as the strict reader reads it, but for the
    drawing (dropped, and said so) -- or a fix names what was read differently (a bare
    value holding ' #', ' ;' or ' //' is read as ending in a comment)."""
    text = write_tokn(doc)
    r = read_answer(text)
    codes = {f.code for f in r.fixes}
    if codes - _DRAWING:
        return
    assert r.error is None, r.error
    strict = parse_tokn(text)
    for c in strict.components:
        c.x = c.y = c.w = c.h = c.a = None
    strict.wires = []
    assert r.document == strict
    assert bool(codes & _DRAWING) == (any(c.x is not None or c.y is not None or c.w is not None or c.h is not None
                                         or c.a is not None for c in doc.components) or bool(doc.wires))


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_gives_a_reading_never_an_exception(text):
    r = read_answer(text)
    assert (r.document is None) == (r.error is not None)
    assert all(f.code in FIX_CODES and f.lines for f in r.fixes)
