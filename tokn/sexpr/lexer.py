"""Tokenizer and tree builders for KiCad S-expressions."""
from __future__ import annotations

import re
import sys
from typing import Iterator

from ..errors import SexprSyntaxError, line_col
from ..gcpause import collector_paused

# Possessive quantifiers (Python 3.11+; plain ones on 3.10) in the expressions below, on
# loops that can never give back what they took: each alternative of a loop starts with
# a character no other alternative and nothing after the loop starts with, so
# backtracking into the loop can only fail again.  The matches are the same (tests
# compare them with the plain forms); failing and long matches are found sooner: the
# drawing lists of the corpus are removed in 40% of the time, tokens found in 92%
# (parse_lean of its 137 files: 0.72 -> 0.58 s CPU).
# _RUN, a run of characters other than ( ) ": the whole run at once when possessive; one
# character at a time otherwise (a plain run inside a loop could backtrack exponentially).
if sys.version_info >= (3, 11):
    _P, _RUN = "+", '[^()"]++'
else:                                       # pragma: no cover
    _P, _RUN = "", '[^()"]'

# One token: "(", ")", a quoted string (escapes allowed, may span lines), a bare atom,
# or a lone '"' which only matches when a string is never closed.  Used where offsets
# matter (errors, the lossless reader); parse() finds the same tokens by setting the
# strings apart (_strings_apart).  The string is written
# as an unrolled loop (runs of plain characters, then one escape at a time), and blanks
# are consumed in front of each token rather than tried as token starts: the same tokens
# as ``\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+|"`` (a test compares them), in 55% of the time.
_TOKEN_AT = re.compile(rf'\s*{_P}(\(|\)|"[^"\\]*{_P}(?:\\.[^"\\]*{_P})*{_P}"|[^\s()"]+{_P}|")', re.S)


def iter_tokens(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, token)`` for every token of ``text`` (slow path, for diagnostics)."""
    for m in _TOKEN_AT.finditer(text):
        yield m.start(1), m.group(1)


def _locate_error(text: str, path: str | None) -> SexprSyntaxError:
    """Re-scan ``text`` slowly to find where it stops being a well-formed S-expression."""
    depth = 0
    seen_root = False
    last_open: list[int] = []
    for off, tok in iter_tokens(text):
        if tok == "(":
            if depth == 0 and seen_root:
                # A second top-level expression: tolerated by parse(); never an error here.
                pass
            depth += 1
            seen_root = True
            last_open.append(off)
        elif tok == ")":
            if depth == 0:
                line, col = line_col(text, off)
                return SexprSyntaxError("unexpected ')' with no matching '('", path, line, col)
            depth -= 1
            last_open.pop()
        elif tok == '"':
            line, col = line_col(text, off)
            return SexprSyntaxError("unterminated string (missing closing '\"')", path, line, col)
        elif depth == 0:
            line, col = line_col(text, off)
            return SexprSyntaxError(f"expected '(' but found {tok[:20]!r}", path, line, col)
    if depth > 0:
        line, col = line_col(text, len(text))
        oline, ocol = line_col(text, last_open[-1])
        return SexprSyntaxError(
            f"unexpected end of file: {depth} list(s) not closed "
            f"(innermost opened at line {oline}, column {ocol}); expected ')'",
            path, line, col)
    if not seen_root:
        return SexprSyntaxError("empty file: expected an S-expression starting with '('", path, 1, 1)
    return SexprSyntaxError("malformed S-expression", path, 1, 1)


# Drawing-only lists (graphics, text effects, strokes, fills) that hold no quoted string,
# with up to two levels of nesting: what a connectivity reader can skip.  Applied to the
# skeleton of a text (:func:`_strings_apart`), where every string is a lone '"': a list
# holding one is never taken, and no string's inside can be taken for a list.  Text
# effects that justify right are kept: a label's direction is its angle's axis and that
# justification (:func:`tokn.kicad.schematic.label_angle`).
_L1 = rf'\((?:{_RUN}|\([^()"]*{_P}\))*{_P}\)'
_JUSTIFY_RIGHT = r'justify\s(?:[^()"]*\s)?right[\s)]'
_DRAWING = re.compile(rf'\((?:polyline|rectangle|circle|arc|bezier|effects|stroke|fill)\s'
                      rf'(?:{_RUN}|\((?!{_JUSTIFY_RIGHT})(?:{_RUN}|\([^()"]*{_P}\))*{_P}\))*{_P}\)')

# A quoted string, as the tokenizer reads one (escapes allowed, may span lines), in one
# group: ``split`` by it gives the text between strings at even positions, the strings at
# odd ones.
_STRING = re.compile(rf'("[^"\\]*{_P}(?:\\.[^"\\]*{_P})*{_P}")', re.S)


def _strings_apart(text: str) -> tuple[str, list[str]] | None:
    """``(skeleton, strings)``: ``text`` with each quoted string replaced by a lone ``"``
    between blanks, and those strings (quotes and escapes as written) in order; None when
    a ``"`` opens no closed string.

    The tokens of ``text`` (:data:`_TOKEN_AT`) are those of the skeleton -- "(", ")", runs
    of non-blanks -- with each ``"`` replaced by the next string; outside strings, that
    split is ``str.replace`` and ``str.split`` work, which take a fraction of the time of
    matching every token (the corpus's sheet files: tokens in 0.10 s instead of 0.21 s)."""
    parts = _STRING.split(text)
    skeleton = ' " '.join(parts[0::2])
    if skeleton.count('"') != len(parts) // 2:
        return None
    return skeleton, parts[1::2]


def _tree(skeleton: str, strings: list[str]) -> list | None:
    """The list of top-level expressions of the text whose :func:`_strings_apart` parts
    are ``skeleton`` and ``strings``; None when a ")" closes nothing, a list is not
    closed, or the top level holds an atom or nothing (empty lists are the caller's).

    The cyclic garbage collector is paused while the tree is built (:mod:`tokn.gcpause`):
    the tree holds no cycles."""
    toks = skeleton.replace("(", " ( ").replace(")", " ) ").split()
    string = iter(strings).__next__
    stack: list[list] = []
    push = stack.append
    pop = stack.pop
    root: list = []
    cur = root
    try:
        with collector_paused():
            for t in toks:
                if t == "(":
                    n: list = []
                    cur.append(n)
                    push(cur)
                    cur = n
                elif t == ")":
                    cur = pop()
                elif t == '"':
                    cur.append(string())
                else:
                    cur.append(t)
    except IndexError:
        return None
    if stack or not root or any(type(x) is not list for x in root):
        return None
    return root


# A comment line: KiCad's lexer skips every line whose first non-blank character is "#"
# (comments cannot follow a token on the same line), which some generators write.
_BLANKS = " \t\r\f\v"
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|(?:(?<=\n)|\A)[ \t\r\f\v]*#[^\n]*')


def _may_have_comment_lines(text: str) -> bool:
    """True when some "#" has only blanks before it on its line (a comment line, or such a
    line inside a quoted string).  A loop over the "#"s (power symbols' "#PWR01"...): the
    corpus's 26 MB in 9 ms, a twelfth of the time of the quickest regular expression."""
    i = text.find("#")
    while i >= 0:
        j = i - 1
        while j >= 0 and text[j] in _BLANKS:
            j -= 1
        if j < 0 or text[j] == "\n":
            return True
        i = text.find("#", i + 1)
    return False


def blank_comments(text: str) -> str:
    """``text`` with each comment line (first non-blank character ``#``, outside a quoted
    string) turned into blanks of the same length, so that offsets, lines and columns stay
    those of the file; ``text`` itself when it has none (KiCad writes none)."""
    if not _may_have_comment_lines(text):
        return text
    return _STRING_OR_COMMENT.sub(lambda m: m.group() if m.group()[:1] == '"' else " " * len(m.group()), text)


def parse_lean(text: str, path: str | None = None) -> list:
    """Like :func:`parse` but without the drawing-only lists (symbol graphics, text
    effects, strokes, fills) that hold no quoted string (:data:`_DRAWING`) -- for readers
    that only need connectivity and the drawing's labels (effects that justify right, which
    turn a label, stay).  Strings are set apart before those lists are looked for
    (:func:`_strings_apart`), so nothing that can name or connect anything is lost and
    every string is read as written.  A text that is not well formed once those lists are
    gone is read with :func:`parse` (which locates an error in the original text), and so
    is a text with a rule area (KiCad 9+), whose polygon is a ``polyline`` that gives nets
    and symbols their classes.  Comment lines are skipped (:func:`blank_comments`)."""
    text = blank_comments(text)
    if "(rule_area" in text:
        return parse(text, path)
    apart = _strings_apart(text)
    if apart is not None:
        skeleton = _DRAWING.sub("", apart[0])
        root = _tree(skeleton, apart[1])
        if root is not None and not _MAYBE_EMPTY.search(skeleton):
            return root
    return parse(text, path)


def parse(text: str, path: str | None = None) -> list:
    """Parse KiCad S-expression ``text`` into nested lists of raw atom strings.

    Returns the list of top-level expressions (a KiCad file normally has exactly one).
    Raises :class:`SexprSyntaxError` with line/column for unbalanced parentheses,
    unterminated strings, stray atoms at top level or an empty list ``()``.
    """
    text = blank_comments(text)
    apart = _strings_apart(text)
    root = None if apart is None else _tree(*apart)
    if root is None:
        raise _locate_error(text, path)
    if _MAYBE_EMPTY.search(apart[0]):
        _reject_empty_lists(text, path)
    return root


# "()" with optional blanks (searched in a skeleton: no string is left there).
_MAYBE_EMPTY = re.compile(r"\(\s*\)")


def _reject_empty_lists(text: str, path: str | None) -> None:
    """Raise :class:`SexprSyntaxError` at the first empty list ``()`` outside strings: KiCad
    writes none, and every reader takes a list's first atom as its keyword."""
    previous = ""
    for off, tok in iter_tokens(text):
        if tok == ")" and previous == "(":
            line, col = line_col(text, text.rfind("(", 0, off))
            raise SexprSyntaxError("empty list '()': expected (keyword ...)", path, line, col)
        previous = tok


class Node(list):
    """A list expression that remembers its source span (lossless tree).

    ``node[0]`` is the head atom.  ``span`` is ``(start, end)`` offsets into ``source``;
    it is set to ``None`` by any mutation so the writer re-formats this list (its
    unmodified children still print from their own spans).
    """

    __slots__ = ("span", "source")

    def __init__(self, items=(), span: tuple[int, int] | None = None, source: str | None = None):
        super().__init__(items)
        self.span = span
        self.source = source

    def _dirty(self) -> None:
        self.span = None

    def append(self, item) -> None:  # type: ignore[override]
        self._dirty(); super().append(item)

    def extend(self, items) -> None:  # type: ignore[override]
        self._dirty(); super().extend(items)

    def insert(self, index, item) -> None:  # type: ignore[override]
        self._dirty(); super().insert(index, item)

    def remove(self, item) -> None:  # type: ignore[override]
        self._dirty(); super().remove(item)

    def pop(self, index=-1):  # type: ignore[override]
        self._dirty(); return super().pop(index)

    def clear(self) -> None:  # type: ignore[override]
        self._dirty(); super().clear()

    def __setitem__(self, key, value) -> None:
        self._dirty(); super().__setitem__(key, value)

    def __delitem__(self, key) -> None:
        self._dirty(); super().__delitem__(key)

    def __iadd__(self, other):
        self._dirty(); return super().__iadd__(other)


class Document(list):
    """Top-level expressions of a file plus the text between/around them (lossless)."""

    __slots__ = ("source", "gaps")

    def __init__(self, items, source: str, gaps: list[str]):
        super().__init__(items)
        self.source = source
        self.gaps = gaps


def parse_lossless(text: str, path: str | None = None) -> Document:
    """Parse ``text`` into a :class:`Document` of :class:`Node` trees with source spans.

    ``dumps(parse_lossless(t)) == t`` for every well-formed ``t``.
    """
    stack: list[Node] = []
    tops: list[Node] = []
    gaps: list[str] = []
    cur: Node | None = None
    prev_end = 0
    scan = blank_comments(text)         # same offsets: the spans index ``text``
    for m in _TOKEN_AT.finditer(scan):
        t = m.group(1)
        if t == "(":
            n = Node(span=(m.start(1), -1), source=text)
            if cur is None:
                gaps.append(text[prev_end:m.start(1)])
                tops.append(n)
            else:
                list.append(cur, n)
                stack.append(cur)
            cur = n
        elif t == ")":
            if cur is None:
                raise _locate_error(scan, path)
            cur.span = (cur.span[0], m.end(1))
            if stack:
                cur = stack.pop()
            else:
                prev_end = m.end(1)
                cur = None
        elif t == '"' or cur is None:
            raise _locate_error(scan, path)
        else:
            list.append(cur, t)
    if cur is not None or not tops:
        raise _locate_error(scan, path)
    gaps.append(text[prev_end:])
    return Document(tops, text, gaps)
