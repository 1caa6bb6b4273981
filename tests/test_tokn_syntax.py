"""TOKN syntax: the grammar files, the strict parser, its error messages, extract_tokn."""
from __future__ import annotations

import glob
import json
import os
import re

import pytest

from tokn.doc import (Component, Document, Net, extract_tokn, lark_grammar, natural_key,
                      natural_sorted, parse_tokn, to_gbnf, write_tokn)
from tokn.errors import ToknSemanticError, ToknSyntaxError

# Same location rule as tests/conftest.py (kept local so the module imports either way).
_HERE = os.path.dirname(os.path.abspath(__file__))
ANCHOR = os.path.join(os.environ.get("TOKN_SHARED", os.path.join(_HERE, "..", "..", "shared")), "anchor")

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
needs_anchor = pytest.mark.skipif(not os.path.isdir(ANCHOR), reason="shared anchor set not present")


def anchor_outputs() -> list[str]:
    return sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "output.tokn")))


def reference_tokns() -> list[tuple[str, str]]:
    """(id, text) of every non-empty ``reference_tokn`` in the anchor JSONL files."""
    out = []
    for path in sorted(glob.glob(os.path.join(ANCHOR, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                ref = json.loads(line).get("reference_tokn") or ""
                if ref:
                    out.append((f"{os.path.basename(path)}:{i}", ref))
    return out


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


class Gbnf:
    """A small reader of llama.cpp GBNF (following llama.cpp's grammar-parser rules) and a
    set-based matcher, to check that the exported grammar is well formed and means what the
    Lark grammar means."""

    ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "\\": "\\", '"': '"', "[": "[", "]": "]"}

    def __init__(self, text: str) -> None:
        self.s, self.pos, self.rules = text, 0, {}
        self.refs: set[str] = set()
        self.space(True)
        while self.pos < len(self.s):
            self.rule()
        assert "root" in self.rules, "no root rule"
        assert self.refs <= set(self.rules), f"undefined: {self.refs - set(self.rules)}"
        self.memo: dict = {}

    # reading
    def fail(self, what: str):
        raise AssertionError(f"GBNF offset {self.pos}: {what}: {self.s[self.pos:self.pos + 30]!r}")

    def space(self, newline_ok: bool) -> None:
        while self.pos < len(self.s):
            c = self.s[self.pos]
            if c in " \t" or (newline_ok and c in "\r\n"):
                self.pos += 1
            elif c == "#":
                while self.pos < len(self.s) and self.s[self.pos] not in "\r\n":
                    self.pos += 1
            else:
                return

    def name(self) -> str:
        m = re.compile(r"[A-Za-z0-9-]+").match(self.s, self.pos)
        if not m:
            self.fail("expected a name")
        self.pos = m.end()
        return m.group()

    def char(self) -> str:
        s, p = self.s, self.pos
        if p >= len(s):
            self.fail("unexpected end")
        if s[p] != "\\":
            self.pos += 1
            return s[p]
        e = s[p + 1]
        if e in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[e]
            digits = s[p + 2:p + 2 + n]
            if not re.fullmatch(r"[0-9A-Fa-f]+", digits) or len(digits) != n:
                self.fail("bad hex escape")
            self.pos = p + 2 + n
            return chr(int(digits, 16))
        if e not in self.ESCAPES:
            self.fail("unknown escape")
        self.pos = p + 2
        return self.ESCAPES[e]

    def rule(self) -> None:
        name = self.name()
        self.space(False)
        if not self.s.startswith("::=", self.pos):
            self.fail("expected ::=")
        self.pos += 3
        self.space(True)
        assert name not in self.rules, f"rule {name} defined twice"
        self.rules[name] = self.alternates(False)
        if self.pos < len(self.s):
            if self.s[self.pos] not in "\r\n":
                self.fail("expected end of line")
        self.space(True)

    def alternates(self, nested: bool):
        alts = [self.sequence(nested)]
        while self.pos < len(self.s) and self.s[self.pos] == "|":
            self.pos += 1
            self.space(True)
            alts.append(self.sequence(nested))
        return ("alt", alts)

    def sequence(self, nested: bool):
        items: list = []
        while self.pos < len(self.s):
            c = self.s[self.pos]
            if c == '"':
                self.pos += 1
                lit = []
                while self.pos < len(self.s) and self.s[self.pos] != '"':
                    lit.append(self.char())
                if self.pos >= len(self.s):
                    self.fail("unterminated literal")
                self.pos += 1
                items.append(("lit", "".join(lit)))
            elif c == "[":
                self.pos += 1
                neg = self.s.startswith("^", self.pos)
                self.pos += neg
                ranges = []
                while self.pos < len(self.s) and self.s[self.pos] != "]":
                    lo = hi = self.char()
                    if self.s[self.pos] == "-" and self.s[self.pos + 1] != "]":
                        self.pos += 1
                        hi = self.char()
                    ranges.append((lo, hi))
                if self.pos >= len(self.s):
                    self.fail("unterminated class")
                self.pos += 1
                items.append(("cls", neg, ranges))
            elif re.match(r"[A-Za-z0-9-]", c):
                name = self.name()
                self.refs.add(name)
                items.append(("ref", name))
            elif c == "(":
                self.pos += 1
                self.space(True)
                inner = self.alternates(True)
                if self.pos >= len(self.s) or self.s[self.pos] != ")":
                    self.fail("expected )")
                self.pos += 1
                items.append(inner)
            elif c in "*+?":
                if not items:
                    self.fail("quantifier without item")
                items[-1] = ("rep", items[-1], {"*": 0, "+": 1, "?": 0}[c], 1 if c == "?" else None)
                self.pos += 1
            else:
                break
            self.space(nested)
        return ("seq", items)

    # matching: ends(node, i) = set of positions where node can end when started at i
    def accepts(self, text: str) -> bool:
        self.text, self.memo = text, {}
        return len(text) in self.ends(("ref", "root"), 0)

    def ends(self, node, i: int) -> set[int]:
        kind = node[0]
        t = self.text
        if kind == "lit":
            return {i + len(node[1])} if t.startswith(node[1], i) else set()
        if kind == "cls":
            if i >= len(t):
                return set()
            inside = any(lo <= t[i] <= hi for lo, hi in node[2])
            return {i + 1} if inside != node[1] else set()
        if kind == "ref":
            key = (node[1], i)
            if key not in self.memo:
                self.memo[key] = self.ends(self.rules[node[1]], i)
            return self.memo[key]
        if kind == "alt":
            return set().union(*(self.ends(a, i) for a in node[1]))
        if kind == "seq":
            cur = {i}
            for item in node[1]:
                cur = set().union(*(self.ends(item, p) for p in cur)) if cur else set()
            return cur
        _, child, lo, hi = node
        reached, frontier, count, result = {i}, {i}, 0, set()
        if lo == 0:
            result.add(i)
        while frontier and (hi is None or count < hi):
            count += 1
            frontier = set().union(*(self.ends(child, p) for p in frontier)) - reached
            reached |= frontier
            if count >= lo:
                result |= frontier
        return result


@pytest.fixture(scope="module")
def gbnf() -> Gbnf:
    return Gbnf(to_gbnf(lark_grammar()))


def test_gbnf_is_well_formed(gbnf):
    assert set(gbnf.rules) >= {"root", "ROW", "QUOTED", "NL"}


def test_gbnf_accepts_what_the_parser_accepts(gbnf):
    samples = [MINI, DOC, "# TOKN v1.2\n", '# TOKN v1\ntitle: "q\\"\\n"\nx:\ne[2]: ,\n',
               "# TOKN v1\npins{\"a}b\"}[1]{num,name}:\n  \"\",x\n"]
    samples += [open(p, encoding="utf-8").read() for p in anchor_outputs()[:2]]
    for text in samples:
        parse_tokn(text)
        assert gbnf.accepts(text), text[:80]


def test_gbnf_rejects_what_the_parser_rejects(gbnf):
    for text in ["hello\n", "# TOKN v1\n C1,R\n", '# TOKN v1\ntitle: "open\n',
                 "# TOKN v1\nnets[0]{name,pins}\n", '# TOKN v1\nn[1]{a}:\n  a"b\n']:
        with pytest.raises(ToknSyntaxError):
            parse_tokn(text)
        assert not gbnf.accepts(text), text


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
