"""The TOKN grammar as text: the Lark original and its mechanical GBNF translation.

Where the grammar lives
    ``grammars/tokn.lark`` in the repository is the canonical file.  The package ships an
    identical copy, ``tokn/data/tokn.lark`` (package data), because an installed package has
    no ``grammars/`` folder; :func:`lark_grammar` reads that copy with
    :mod:`importlib.resources`.  A test checks the two files are identical and that
    ``grammars/tokn.gbnf`` equals :func:`to_gbnf` of the grammar.  After editing the
    canonical grammar run ``python -m tokn.doc.grammar_export --write`` to refresh both.

Using it for constrained decoding
    * llama.cpp: ``--grammar-file grammars/tokn.gbnf`` (or ``to_gbnf(lark_grammar())``).
    * vLLM structured outputs: pass ``to_gbnf(lark_grammar())`` as the grammar with the
      xgrammar backend (it reads GBNF/EBNF); backends that read Lark (guidance/llguidance,
      outlines) take :func:`lark_grammar` as it is.  vLLM's own Lark-to-GBNF shim is too
      naive for this grammar (it strips ``#`` inside literals), so give it the GBNF text.

The translation accepts the Lark subset documented at the top of the grammar file: rule
and terminal definitions built from ``"literals"``, regexps that are a single character
class (or a single, possibly escaped, character), names, ``( )``, ``[ ]``, ``|`` and the
quantifiers ``? * +``; ``"a".."z"`` ranges; ``-> alias`` (dropped).  Anything else
(``%`` directives, priorities, ``~`` repeats, regexp flags or longer regexps) raises
:class:`ValueError` rather than producing a wrong grammar.  Names become GBNF names by
dropping leading ``_ ? !`` and turning ``_`` into ``-``; Lark's ``start`` rule becomes the
GBNF ``root``.
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["lark_grammar", "to_gbnf", "main"]

GBNF_HEADER = (
    "# TOKN grammar in GBNF (llama.cpp), generated from grammars/tokn.lark by\n"
    "# tokn.doc.grammar_export.to_gbnf -- do not edit by hand.\n"
)


def lark_grammar() -> str:
    """Return the text of the TOKN Lark grammar shipped with the package."""
    return resources.files("tokn").joinpath("data", "tokn.lark").read_text(encoding="utf-8")


# ---- reading the Lark subset ----------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<nl>\r?\n)
  | (?P<comment>//[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"i?)
  | (?P<regex>/(?:[^/\\\n]|\\.)+/[a-z]*)
  | (?P<name>[?!]?[A-Za-z_][A-Za-z0-9_]*(?:\.-?\d+)?)
  | (?P<op>\.\.|->|[:|()\[\]?*+~%])
""", re.X)


@dataclass
class _Tok:
    kind: str
    text: str
    line: int
    at_line_start: bool


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos, line, line_start = 0, 1, True
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"grammar line {line}: cannot read {text[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        if kind == "nl":
            line += 1
            line_start = True
        elif kind == "ws":
            line_start = False
        elif kind != "comment":
            toks.append(_Tok(kind, m.group(), line, line_start))
            line_start = False
        pos = m.end()
    return toks


def _definitions(toks: list[_Tok]) -> list[tuple[str, list[_Tok]]]:
    """Split the token list into ``(name, body tokens)`` definitions."""
    defs: list[tuple[str, list[_Tok]]] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "op" and t.text == "%":
            raise ValueError(f"grammar line {t.line}: %directives are outside the exportable subset")
        if not (t.kind == "name" and t.at_line_start and i + 1 < len(toks) and toks[i + 1].text == ":"):
            raise ValueError(f"grammar line {t.line}: expected a definition 'name: ...'")
        if "." in t.text:
            raise ValueError(f"grammar line {t.line}: priorities are outside the exportable subset")
        j = i + 2
        while j < len(toks) and not (toks[j].at_line_start and toks[j].kind in ("name", "op")
                                     and toks[j].text != "|"):
            j += 1
        defs.append((t.text, toks[i + 2:j]))
        i = j
    return defs


def gbnf_name(lark_name: str) -> str:
    """The GBNF name of a Lark rule or terminal (``_NL`` -> ``NL``, ``start`` -> ``root``)."""
    base = lark_name.lstrip("_?!")
    if not base:
        raise ValueError(f"cannot name {lark_name!r} in GBNF")
    return "root" if base == "start" else base.replace("_", "-")


# ---- GBNF text of literals and character classes ----------------------------------------

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:;!#$%&'()*+/<=>?@{|}~`")


def _gbnf_char(c: str, in_class: bool) -> str:
    """GBNF spelling of one character inside a literal or a character class."""
    if c in _SAFE or (not in_class and c in "-^[]"):
        return c
    if c in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[c]
    if not in_class and c in '"\\':
        return "\\" + c
    n = ord(c)
    if n >= 0x80 and c.isprintable() and not in_class:
        return c   # printable non-ASCII is written as UTF-8
    return f"\\x{n:02X}" if n < 0x100 else (f"\\u{n:04X}" if n < 0x10000 else f"\\U{n:08X}")


def _gbnf_literal(s: str) -> str:
    return '"' + "".join(_gbnf_char(c, False) for c in s) + '"'


def _gbnf_class(negated: bool, items: list[tuple[str, str]]) -> str:
    body = "".join(_gbnf_char(a, True) if a == b else f"{_gbnf_char(a, True)}-{_gbnf_char(b, True)}"
                   for a, b in items)
    return "[" + ("^" if negated else "") + body + "]"


_LARK_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}


def _lark_string(tok: _Tok) -> str:
    """Value of a Lark string literal (no flags allowed)."""
    if tok.text.endswith("i"):
        raise ValueError(f"grammar line {tok.line}: case-insensitive literals are not exportable")
    out, body, i = [], tok.text[1:-1], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1]
            if nxt not in _LARK_ESCAPES:
                raise ValueError(f"grammar line {tok.line}: unsupported escape \\{nxt}")
            out.append(_LARK_ESCAPES[nxt])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


_REGEX_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "f": "\f", "v": "\v"}


def _regex_char(body: str, i: int, line: int) -> tuple[str, int]:
    """One (possibly escaped) character of a regexp at ``body[i]``; returns it and the next index."""
    c = body[i]
    if c != "\\":
        return c, i + 1
    if i + 1 >= len(body):
        raise ValueError(f"grammar line {line}: dangling backslash in regexp")
    nxt = body[i + 1]
    if nxt in _REGEX_ESCAPES:
        return _REGEX_ESCAPES[nxt], i + 2
    if nxt.isalnum():
        raise ValueError(f"grammar line {line}: regexp escape \\{nxt} is not exportable")
    return nxt, i + 2


def _regex_to_gbnf(tok: _Tok) -> str:
    """Translate a regexp that is one character class or one character."""
    end = tok.text.rindex("/")
    if tok.text[end + 1:]:
        raise ValueError(f"grammar line {tok.line}: regexp flags are not exportable")
    body = tok.text[1:end]
    if not body.startswith("["):
        ch, i = _regex_char(body, 0, tok.line)
        if i != len(body) or (body[0] != "\\" and ch in ".^$*+?{}()|["):
            raise ValueError(f"grammar line {tok.line}: only single character classes are exportable")
        return _gbnf_literal(ch)
    i = 1
    negated = body.startswith("[^")
    if negated:
        i = 2
    items: list[tuple[str, str]] = []
    first = True
    while i < len(body) and not (body[i] == "]" and not first):
        lo, i = _regex_char(body, i, tok.line)
        hi = lo
        if i + 1 < len(body) and body[i] == "-" and body[i + 1] != "]":
            hi, i = _regex_char(body, i + 1, tok.line)
        items.append((lo, hi))
        first = False
    if i != len(body) - 1:
        raise ValueError(f"grammar line {tok.line}: only single character classes are exportable")
    return _gbnf_class(negated, items)


# ---- expressions ----------------------------------------------------------------------

class _Expr:
    """Recursive-descent reader of one definition body, producing GBNF text."""

    def __init__(self, toks: list[_Tok], line: int) -> None:
        self.toks = toks
        self.i = 0
        self.line = line

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise ValueError(f"grammar line {self.line}: unexpected end of definition")
        self.i += 1
        return t

    def expansions(self, closer: str | None) -> str:
        alts = [self.alternative(closer)]
        while (t := self.peek()) is not None and t.text == "|":
            self.take()
            alts.append(self.alternative(closer))
        return " | ".join(alts)

    def alternative(self, closer: str | None) -> str:
        items: list[str] = []
        while (t := self.peek()) is not None and t.text not in ("|", closer):
            if t.text == "->":
                self.take()
                self.take()     # alias name: no meaning in GBNF
                continue
            items.append(self.item())
        if not items:
            raise ValueError(f"grammar line {self.line}: empty alternative is not exportable")
        return " ".join(items)

    def item(self) -> str:
        atom = self.atom()
        t = self.peek()
        if t is not None and t.kind == "op" and t.text in "?*+":
            self.take()
            return atom + t.text
        if t is not None and t.text == "~":
            raise ValueError(f"grammar line {t.line}: '~' repeats are not exportable")
        return atom

    def atom(self) -> str:
        t = self.take()
        if t.kind == "string":
            nxt = self.peek()
            if nxt is not None and nxt.text == "..":
                self.take()
                hi = _lark_string(self.take())
                lo = _lark_string(t)
                if len(lo) != 1 or len(hi) != 1:
                    raise ValueError(f"grammar line {t.line}: a range needs single characters")
                return _gbnf_class(False, [(lo, hi)])
            return _gbnf_literal(_lark_string(t))
        if t.kind == "regex":
            return _regex_to_gbnf(t)
        if t.kind == "name":
            if "." in t.text:
                raise ValueError(f"grammar line {t.line}: priorities are not exportable")
            return gbnf_name(t.text)
        if t.text in ("(", "["):
            closer = ")" if t.text == "(" else "]"
            inner = self.expansions(closer)
            end = self.take()
            if end.text != closer:
                raise ValueError(f"grammar line {end.line}: expected {closer!r}")
            return f"({inner})" + ("?" if closer == "]" else "")
        raise ValueError(f"grammar line {t.line}: unexpected {t.text!r}")


def to_gbnf(lark_text: str) -> str:
    """Translate a grammar in the exportable Lark subset to llama.cpp GBNF.

    One GBNF rule per Lark rule or terminal, in the same order, each on one line; Lark's
    ``start`` rule is GBNF's ``root``.  Raises :class:`ValueError` on constructs outside the subset, on
    two Lark names that map to the same GBNF name, and on references to undefined names.
    """
    defs = _definitions(_tokenize(lark_text))
    names: dict[str, str] = {}
    for lark_name, body in defs:
        g = gbnf_name(lark_name)
        if g in names.values() or g == "root" and lark_name.lstrip("_?!") != "start":
            raise ValueError(f"two grammar names map to GBNF name {g!r}")
        names[lark_name] = g
    if "root" not in names.values():
        raise ValueError("the grammar has no 'start' rule")
    lines = [GBNF_HEADER.rstrip("\n")]
    if names.get("start") != "root":
        raise ValueError("the start rule must be called 'start'")
    used: set[str] = set()
    for lark_name, body in defs:
        if not body:
            raise ValueError(f"grammar rule {lark_name!r} is empty")
        expr = _Expr(body, body[0].line)
        text = expr.expansions(None)
        if expr.peek() is not None:
            raise ValueError(f"grammar line {expr.peek().line}: unexpected {expr.peek().text!r}")
        used.update(re.findall(r"(?<![\"\\\w-])[A-Za-z][A-Za-z0-9-]*", _strip_literals(text)))
        lines.append(f"{names[lark_name]} ::= {text}")
    undefined = used - set(names.values())
    if undefined:
        raise ValueError(f"undefined grammar names: {', '.join(sorted(undefined))}")
    return "\n".join(lines) + "\n"


def _strip_literals(gbnf_expr: str) -> str:
    """``gbnf_expr`` with string literals and character classes blanked (to find names)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]', " ", gbnf_expr)


def main(argv: list[str] | None = None) -> int:
    """``python -m tokn.doc.grammar_export [--write]``: print or refresh the derived files.

    ``--write`` (run from the repository root) copies ``grammars/tokn.lark`` to
    ``tokn/data/tokn.lark`` and writes ``grammars/tokn.gbnf``; without it the GBNF text is
    printed.
    """
    ap = argparse.ArgumentParser(prog="python -m tokn.doc.grammar_export")
    ap.add_argument("--write", action="store_true", help="refresh tokn/data/tokn.lark and grammars/tokn.gbnf")
    ap.add_argument("--root", default=".", help="repository root (default: current folder)")
    args = ap.parse_args(argv)
    root = Path(args.root)
    if not args.write:
        print(to_gbnf(lark_grammar()), end="")
        return 0
    src = (root / "grammars" / "tokn.lark").read_text(encoding="utf-8")
    gbnf = to_gbnf(src)
    (root / "tokn" / "data").mkdir(parents=True, exist_ok=True)
    (root / "tokn" / "data" / "tokn.lark").write_text(src, encoding="utf-8")
    (root / "grammars" / "tokn.gbnf").write_text(gbnf, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
