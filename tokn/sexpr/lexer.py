"""Tokenizer and tree builders for KiCad S-expressions."""
from __future__ import annotations

import gc
import re
import sys
from typing import Iterator

from ..errors import SexprSyntaxError, line_col

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
# or a lone '"' which only matches when a string is never closed.  The string is written
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
# with up to two levels of nesting: what a connectivity reader can skip.
_L1 = rf'\((?:{_RUN}|\([^()"]*{_P}\))*{_P}\)'
_DRAWING = re.compile(rf'\((?:polyline|rectangle|circle|arc|bezier|effects|stroke|fill)\s(?:{_RUN}|{_L1})*{_P}\)')


# A bitmap, ``(image (at ..) [(scale ..)] (uuid ..) (data ..))``: lists nested one deep,
# strings without parentheses, quotes or escapes (base64, uuids).
_S = rf'"[^"\\()\n]*{_P}"'
_IMAGE = re.compile(rf'\(image\s(?:{_RUN}|{_S}|\((?:{_RUN}|{_S})*{_P}\))*{_P}\)')


def _drop_images(text: str) -> str:
    """``text`` without its bitmaps: each ``(image ...)`` list that starts a line (only
    blanks before it; KiCad writes raw line breaks only between list items, never inside
    a string) and matches :data:`_IMAGE`.  Bitmaps are a fifth of the corpus's bytes and
    name or connect nothing."""
    i = text.find("(image")
    if i < 0:
        return text
    out: list[str] = []
    pos = 0
    while i >= 0:
        line = text.rfind("\n", 0, i) + 1
        m = _IMAGE.match(text, i) if not text[line:i].strip(" \t") else None
        if m is None:
            i = text.find("(image", i + 6)
            continue
        out.append(text[pos:i])
        pos = m.end()
        i = text.find("(image", pos)
    out.append(text[pos:])
    return "".join(out)


# The whole text when no quoted string holds what the drawing or bitmap expressions could
# take for a list: runs outside strings, and strings none of whose "(" starts "(polyline ",
# "(fill " ... and none of whose raw line breaks is followed by blanks and "(image ".
# Matched from the start, so every '"' it meets opens or closes a string as the tokenizer
# sees it; one pass in C (the corpus's 23 MB: 0.04 s CPU).  An escape takes the character
# after its backslash, except a "(" or a line break, which are then checked like any other
# ("\(fill 1)" is still "(fill 1)" to _DRAWING).
_DRAWING_HEAD = r'(?:polyline|rectangle|circle|arc|bezier|effects|stroke|fill)\s'
_NO_DROPPABLE_IN_STRINGS = re.compile(
    rf'(?:[^"]+{_P}|"[^"\\(\n]*{_P}(?:(?:\\(?:[^(\n]|(?=[(\n]))|\((?!{_DRAWING_HEAD})|\n(?![ \t]*{_P}\(image\s))'
    rf'[^"\\(\n]*{_P})*{_P}")*{_P}', re.S)


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
    effects, strokes, fills) and bitmaps (:func:`_drop_images`) -- about twice as fast,
    for readers that only need connectivity.  Lists containing a quoted string are never
    dropped (bitmaps aside), so nothing that can name or connect anything is lost.  Errors
    are located in the original text.

    The expressions that find those lists cannot tell a string's inside from a list's, so
    a text whose strings hold one (a label ``"DUTY (fill 50%)"``, a note ``"see (arc 1
    2)"``, a line of a string starting ``(image``) is read in full instead, with every
    string as written.  So is a text with a rule area (KiCad 9+), whose polygon is a
    ``polyline`` that gives nets and symbols their classes."""
    text = blank_comments(text)
    if "(rule_area" in text or _NO_DROPPABLE_IN_STRINGS.match(text).end() != len(text):
        return parse(text, path)
    try:
        return parse(_DRAWING.sub("", _drop_images(text)), path)
    except SexprSyntaxError:
        return parse(text, path)        # re-raise with positions in the original text


def parse(text: str, path: str | None = None) -> list:
    """Parse KiCad S-expression ``text`` into nested lists of raw atom strings.

    Returns the list of top-level expressions (a KiCad file normally has exactly one).
    Raises :class:`SexprSyntaxError` with line/column for unbalanced parentheses,
    unterminated strings or stray atoms at top level.

    The cyclic garbage collector is paused while the tree is built (and restored, if it
    was on): the tree holds no cycles, and collections triggered by its many lists cost
    about a seventh of the time.
    """
    text = blank_comments(text)
    toks = _TOKEN_AT.findall(text)
    stack: list[list] = []
    push = stack.append
    pop = stack.pop
    root: list = []
    cur = root
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        for t in toks:
            if t == "(":
                n: list = []
                cur.append(n)
                push(cur)
                cur = n
            elif t == ")":
                cur = pop()
            elif t == '"':
                raise IndexError
            else:
                cur.append(t)
    except IndexError:
        raise _locate_error(text, path) from None
    finally:
        if paused:
            gc.enable()
    if stack or not root or any(type(x) is not list for x in root):
        raise _locate_error(text, path)
    if _MAYBE_EMPTY.search(text):
        _reject_empty_lists(text, path)
    return root


# "()" with optional blanks; may also occur inside quoted strings, hence the token re-scan.
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
