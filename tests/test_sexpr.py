"""The S-expression layer: lossless, tolerant of what real files contain, and in agreement
with sexpdata (an independent implementation) on what the text means."""
from __future__ import annotations

import glob
import os

import pytest
import sexpdata
from hypothesis import given, settings
from hypothesis import strategies as st

from tokn.errors import SexprSyntaxError
from tokn.sexpr import dumps, parse, parse_lean, parse_lossless, quote, text

from .conftest import CORPUS, needs_shared

# --- generated trees -------------------------------------------------------------------

# an unquoted atom never starts with '#': at the start of a line that is a comment to KiCad
symbols = st.from_regex(r"[A-Za-z_+\-*/.:][A-Za-z0-9_+\-*/.:#]{0,12}", fullmatch=True)
numbers = st.one_of(st.integers(-10**6, 10**6).map(str),
                    st.floats(-1e4, 1e4, allow_nan=False).map(lambda f: f"{f:.4f}"))
strings = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20).map(quote)
atoms = st.one_of(symbols, numbers, strings)
trees = st.recursive(st.builds(lambda h, a: [h, *a], symbols, st.lists(atoms, max_size=4)),
                     lambda kids: st.builds(lambda h, a: [h, *a], symbols, st.lists(st.one_of(atoms, kids), max_size=5)),
                     max_leaves=40)
whitespace = st.sampled_from([" ", "  ", "\n", "\t", "\n\t\t", "\r\n"])


def _render(tree, ws) -> str:
    """Text of ``tree`` with arbitrary (drawn) whitespace between tokens."""
    parts = ["("]
    for i, item in enumerate(tree):
        if i:
            parts.append(ws.draw(whitespace))
        parts.append(_render(item, ws) if isinstance(item, list) else item)
    parts.append(")")
    return "".join(parts)


def _to_sexpdata(tree):
    """What sexpdata should make of our raw-token tree."""
    out = []
    for item in tree:
        if isinstance(item, list):
            out.append(_to_sexpdata(item))
        elif item.startswith('"'):
            out.append(text(item))
        else:
            try:
                out.append(int(item))
            except ValueError:
                try:
                    out.append(float(item))
                except ValueError:
                    out.append(sexpdata.Symbol(item))
    return out


@settings(max_examples=200, deadline=None)
@given(trees, st.data())
def test_lossless_text_round_trip(tree, data):
    src = _render(tree, data) + data.draw(whitespace)
    assert dumps(parse_lossless(src)) == src
    assert parse(src) == [tree]


@settings(max_examples=200, deadline=None)
@given(trees, st.data())
def test_agrees_with_sexpdata(tree, data):
    src = _render(tree, data)
    ours = _to_sexpdata(parse(src)[0])
    theirs = sexpdata.loads(src, nil=None, true=None, false=None)
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(trees)
def test_new_trees_are_formatted_and_read_back(tree):
    assert parse(dumps(tree)) == [tree]


def test_edit_reformats_only_what_changed():
    src = '(kicad_sch\n  (version 1)\n  (a  "x"   (b 1))\n  (c 2)\n)\n'
    doc = parse_lossless(src)
    doc[0][3].append("3")                          # (c 2) -> (c 2 3)
    out = dumps(doc)
    assert '(a  "x"   (b 1))' in out and "(c 2 3)" in out
    assert parse(out) == [["kicad_sch", ["version", "1"], ["a", '"x"', ["b", "1"]], ["c", "2", "3"]]]


@pytest.mark.slow
@needs_shared
def test_every_corpus_file_round_trips_byte_for_byte():
    files = glob.glob(os.path.join(CORPUS, "files", "**", "*.kicad_sch"), recursive=True)
    assert files
    for f in files:
        with open(f, encoding="utf-8") as fh:
            src = fh.read()
        assert dumps(parse_lossless(src, f)) == src, f


def test_stray_top_level_expressions_are_read():
    tree = parse('(kicad_sch (version 1))\n(comment 1 "x")\n')
    assert tree[0][0] == "kicad_sch" and tree[1][0] == "comment"


@pytest.mark.parametrize("src, tree", [
    # KiCad's lexer skips a line whose first non-blank character is "#" (generators write
    # a header comment); its text is never read, quotes and parentheses included
    ('# written by a generator\n(kicad_sch (version 1))\n', [["kicad_sch", ["version", "1"]]]),
    ('(kicad_sch\n\t# note "unclosed ( here\n  (version 1))', [["kicad_sch", ["version", "1"]]]),
    ('(kicad_sch\r\n  #x\r\n(version 1))', [["kicad_sch", ["version", "1"]]]),
    # "#" after a token on its line, or inside a string, is no comment
    ('(lib_symbols (symbol #PWR01))', [["lib_symbols", ["symbol", "#PWR01"]]]),
    ('(title "a\n# b")', [["title", '"a\n# b"']]),
])
def test_comment_lines_are_skipped(src, tree):
    assert parse(src) == tree
    assert parse_lean(src) == tree
    assert dumps(parse_lossless(src)) == src
    assert [n for n in parse_lossless(src)] == tree


def test_an_error_after_a_comment_line_is_located_in_the_file():
    with pytest.raises(SexprSyntaxError) as e:
        parse('# "(\n(kicad_sch\n  (version 1)\n', "x.kicad_sch")
    assert (e.value.line, e.value.col) == (4, 1) and "not closed" in e.value.message


@pytest.mark.parametrize("src, line, col, what", [
    ("(kicad_sch\n  (version 1)\n", 3, 1, "not closed"),
    ('(kicad_sch\n  (title "abc)\n)', 2, 10, "unterminated string"),
    ("(a))\n", 1, 4, "unexpected ')'"),
    ("garbage here", 1, 1, "expected '('"),
    ("", 1, 1, "empty"),
])
def test_malformed_input_is_located(src, line, col, what):
    with pytest.raises(SexprSyntaxError) as e:
        parse(src, "x.kicad_sch")
    assert (e.value.line, e.value.col) == (line, col)
    assert what in e.value.message
    assert str(e.value).startswith(f"x.kicad_sch:{line}:{col}: ")


_DRAWING_HEADS = {"polyline", "rectangle", "circle", "arc", "bezier", "effects", "stroke", "fill"}


def _without_drawing(node):
    def quoted(n):
        return any((type(c) is str and c.startswith('"')) or (type(c) is not str and quoted(c)) for c in n)

    def depth(n):
        return 1 + max((depth(c) for c in n if type(c) is not str), default=0)

    def justifies_right(n):     # a label's direction depends on it: kept
        return any(type(c) is not str and c[0] == "justify" and "right" in c[1:] for c in n)

    return [c if type(c) is str else _without_drawing(c) for c in node
            if type(c) is str or not (c[0] in _DRAWING_HEADS and not quoted(c) and depth(c) <= 3
                                      and not justifies_right(c))]


@pytest.mark.slow
@needs_shared
def test_lean_reader_drops_only_quote_free_drawing_lists():
    from tokn.sexpr import parse_lean
    files = sorted(glob.glob(os.path.join(CORPUS, "files", "**", "*.kicad_sch"), recursive=True))[:40]
    for f in files:
        with open(f, encoding="utf-8") as fh:
            src = fh.read()
        assert parse_lean(src, f) == [_without_drawing(t) for t in parse(src, f)], f


# The tokenizer as it was first written: the one the faster expression must agree with.
_PLAIN_TOKEN = r'\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+|"'


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(['(', ')', '"', '\\', 'a', '1', ' ', '\n', '\t', 'é', '.']), max_size=60))
def test_tokenizer_agrees_with_the_plain_expression(src):
    import re
    from tokn.sexpr.lexer import _TOKEN_AT
    assert _TOKEN_AT.findall(src) == re.findall(_PLAIN_TOKEN, src, re.S)


def _token_parse(src: str) -> list:
    """The reader as it was first written: a tree built from the tokenizer's tokens, one
    at a time; the error parse() raised then (located by a slow re-scan) where it fails."""
    import re
    from tokn.sexpr.lexer import _locate_error, _reject_empty_lists
    stack, root = [], []
    cur = root
    for t in re.findall(_PLAIN_TOKEN, src, re.S):
        if t == "(":
            cur.append([])
            stack.append(cur)
            cur = cur[-1]
        elif t == ")":
            if not stack:
                raise _locate_error(src, None)
            cur = stack.pop()
        elif t == '"':
            raise _locate_error(src, None)
        else:
            cur.append(t)
    if stack or not root or any(type(x) is not list for x in root):
        raise _locate_error(src, None)
    _reject_empty_lists(src, None)
    return root


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(['(', ')', '"', '\\', 'a', '1', ' ', '\n', '\t', '\xa0', '\x1f', 'é', '.', '(a ',
                                 '"s"', '"x y"', '"(a)"', '\\"', '()']), max_size=40).map("".join))
def test_reader_agrees_with_the_token_at_a_time_reader(src):
    """Strings set apart, the rest split by str methods (parse): the same tree as taking the
    tokenizer's tokens one at a time, and the same located error where that one fails."""
    for text in (src, "(k " + src + ")"):
        try:
            want = _token_parse(text)
        except SexprSyntaxError as e:
            with pytest.raises(SexprSyntaxError) as got:
                parse(text)
            assert (got.value.line, got.value.col, got.value.message) == (e.line, e.col, e.message)
            continue
        assert parse(text) == want


# The drawing-list expression as first written (one character at a time, no possessive
# loops): the one the lexer's must agree with.
_L1_PLAIN = r'\((?!justify\s(?:[^()"]*\s)?right[\s)])(?:[^()"]|\([^()"]*\))*\)'
_DRAWING_PLAIN = r'\((?:polyline|rectangle|circle|arc|bezier|effects|stroke|fill)\s(?:[^()"]|' + _L1_PLAIN + r')*\)'


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(['(', ')', '"', '\\', '\n', ' ', 'a', '1', '(fill ', '(effects ', '(image ',
                                 '(polyline ', '(xy 1 2)', '"s"', '(justify ', 'right', '(justify right)',
                                 '(justify left bottom)']), max_size=30).map("".join))
def test_drawing_expression_agrees_with_the_plain_one(src):
    import re
    from tokn.sexpr.lexer import _DRAWING
    assert _DRAWING.sub("", src) == re.sub(_DRAWING_PLAIN, "", src)


def test_lean_reader_keeps_bitmaps():
    """Bitmaps name or connect nothing, but their data are strings, which the lean reader
    sets apart as cheaply as any other: they stay in the tree (readers skip them)."""
    from tokn.sexpr import parse_lean
    img = ('\t(image\n\t\t(at 1 2)\n\t\t(scale 0.5)\n\t\t(uuid "d3af284c-ad86")\n'
           '\t\t(data "iVBORw0KGgo+/=" "AAAA")\n\t)\n')
    old_img = '  (image (at 1 2) (uuid d3af284c)\n    (data\n      iVBORw0KGgo+/=\n      AAAA\n    )\n  )\n'
    src = ('(kicad_sch\n\t(version 20250114)\n' + img + old_img +
           '\t(text "see (image (at 1 2)) here" (at 0 0) (effects (font (size 1 1))))\n'
           '\t(wire (pts (xy 0 0) (xy 1 0)) (stroke (width 0) (type default)))\n' + img + ')\n')
    full = parse(src)
    assert [c[0] for c in full[0] if type(c) is not str].count("image") == 3
    assert parse_lean(src) == [_without_drawing(t) for t in full]
    assert parse_lean(src)[0][4] == ["text", '"see (image (at 1 2)) here"', ["at", "0", "0"]]


@pytest.mark.parametrize("head", ["polyline", "rectangle", "circle", "arc", "bezier", "effects", "stroke",
                                  "fill", "image"])
def test_lean_reader_keeps_strings_that_hold_a_droppable_list(head):
    """A label or note whose text holds what looks like a drawing list (``DUTY (fill 50%)``)
    keeps its text, and the file's real drawing lists are dropped all the same."""
    from tokn.sexpr import parse_lean
    sep = "\n" if head == "image" else " "
    src = (f'(kicad_sch\n\t(label "DUTY{sep}({head} 50%)" (at 1 2 0) (effects (font (size 1 1))))\n'
           f'\t(text "see\\"{sep}({head} 1 2) here" (at 0 0 0))\n)\n')
    assert parse_lean(src) == [_without_drawing(t) for t in parse(src)]
    assert parse_lean(src)[0][1] == ["label", f'"DUTY{sep}({head} 50%)"', ["at", "1", "2", "0"]]


@pytest.mark.parametrize("src", [
    '(kicad_sch (label "a \\(fill 1) b" (at 1 2 0)))',            # an escaped "(" before a drawing head
    '(kicad_sch (text "x\\\n  (image (at 1 2) (data AAAA)) y"))',   # an escaped line break before "(image"
    '(kicad_sch (label "a \\\\(fill 1) b" (at 1 2 0)))',          # an escaped backslash, then "("
    '(kicad_sch (label "a \\" (fill 1) b" (at 1 2 0)))',          # an escaped quote, then "("
])
def test_lean_reader_keeps_strings_with_escapes_before_a_droppable_list(src):
    """A backslash before the "(" or the line break does not hide the string's end."""
    from tokn.sexpr import parse_lean
    assert parse_lean(src) == parse(src)


def test_lean_reader_reads_in_full_what_dropping_would_make_malformed():
    """A list whose only item is a drawing list would become ``()``: the text is then read
    in full, as parse() reads it."""
    from tokn.sexpr import parse_lean
    src = '(kicad_sch ((fill (type none))) (wire (pts (xy 0 0))))'
    assert parse_lean(src) == parse(src)


def _strings(tree) -> list[str]:
    out = []
    for c in tree:
        if type(c) is str:
            out += [c] if c.startswith('"') else []
        else:
            out += _strings(c)
    return out


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(['(', ')', '"', '\\"', '\\', ' ', '\n', '\t', 'a', '(fill ', '(arc 1)', '(effects ',
                                 '(image (at 1))', '(xy 1 2)', '"s"', '(label "', '(font (size 1 1))']),
                max_size=20).map("".join))
def test_lean_reader_never_changes_a_string(src):
    """Whatever the text, the lean reader's strings are the full reader's."""
    from tokn.sexpr import parse_lean
    src = f"(kicad_sch {src})"
    try:
        full = parse(src)
    except SexprSyntaxError:
        return
    assert _strings(parse_lean(src)) == _strings(full)


def test_number_fast_paths_agree_with_the_exact_reading():
    """number() and the schematic reader's _xy/_at_of read bare atoms directly; every other
    atom (quoted, escaped, not finite, a list, missing) gives the value or the error the
    exact path (text() then float(), arg()) gives."""
    import math

    from tokn.errors import SchematicValueError
    from tokn.kicad.schematic import _at_of, _xy
    from tokn.sexpr import arg, number, text

    def exact(tok):
        if type(tok) is not str:
            raise SchematicValueError("list")
        try:
            v = float(text(tok))
        except ValueError:
            v = math.nan
        if not math.isfinite(v):
            raise SchematicValueError("not finite")
        return v

    def outcome(fn, *a):
        try:
            return fn(*a)
        except (SchematicValueError, ValueError) as e:
            return type(e).__name__
    atoms = ["1.27", "-0", '"2.5"', '"1\\"', "1e3", "1_0", "nan", "inf", "-inf", "1e400", '"inf"',
             "x", '""', ["at", "1"]]
    for tok in atoms:
        assert outcome(number, tok) == outcome(exact, tok), tok
    for a in atoms:
        for b in atoms:
            node = ["xy", a, b]
            assert outcome(_xy, node) == outcome(lambda n: (exact(arg(n, 1)), exact(arg(n, 2))), node)
            for tail in ([], ["90"], ['"180"'], ["nan"], [["x"]]):
                at = ["at", a, b, *tail]
                want = outcome(lambda n: (exact(arg(n, 1)), exact(arg(n, 2)),
                                          exact(n[3]) if len(n) > 3 else 0.0), at)
                assert outcome(_at_of, at) == want, at
    assert outcome(_xy, ["xy", "1"]) == "SchematicValueError" == outcome(_at_of, ["at"])
