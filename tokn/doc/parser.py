"""TOKN text -> :class:`~tokn.doc.model.Document` (strict reader).

:func:`parse_tokn` parses with the Lark grammar ``tokn/data/tokn.lark`` (LALR(1), contextual
lexer) and then builds the model, checking what the grammar leaves open: table and column
names, row counts, field counts and value types.  It is strict: the only liberties it takes
are the ones the format allows (``\\r\\n`` line ends, a missing final line end, blank and
comment lines, sections in any order).  To pull a document out of an LLM answer (code
fences, prose, trailing spaces...) call :func:`tokn.doc.extract.extract_tokn` first.

Errors: :class:`~tokn.errors.ToknSyntaxError` when the text does not follow the grammar,
:class:`~tokn.errors.ToknSemanticError` when it does but breaks a rule of the format; both
carry ``path``, 1-based ``line`` and ``col``, and print as one line
``path:line:col: message``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..errors import ToknSemanticError, ToknSyntaxError, line_col
from . import tables as T
from . import values as V
from .foreign import kicad_file_kind
from .grammar_export import lark_grammar
from .model import Document

__all__ = ["parse_tokn"]


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(lark_grammar(), parser="lalr", lexer="contextual", maybe_placeholders=False)


def parse_tokn(text: str, path: str | None = None) -> Document:
    """Parse a TOKN document.

    ``path`` is only used in error messages.  Unknown scalars are kept in
    ``Document.extra``; unknown inline arrays are ignored; unknown tables, unknown keyed
    tables (other than ``pins{REF}`` and ``symbol{LIB_ID}``) and a table given twice are errors.  Columns of known
    tables are matched by name, in any order; unknown columns are ignored; a missing
    required column (one whose model attribute has no default) is an error.
    """
    src = text.replace("\r\n", "\n")
    if not src.endswith("\n"):
        src += "\n"
    try:
        tree = _lark().parse(src)
    except UnexpectedInput as e:
        raise _syntax_error(e, src, path) from None
    return _Builder(path).build(tree)


# ---- syntax errors ----------------------------------------------------------------------

_WORDS = {
    "VERSION": "a version number",
    "COUNT": "a count",
    "KEY": "a name",
    "COMMENT": "a comment",
    "QUOTED": "a quoted string",
    "TEXT": "a value",
    "ITEMS": "a list of values",
    "ROW": "a row indented by two spaces",
    "REFKEY": "a reference",
    "_NL": "end of line",
    "$END": "end of input",
}


def _describe(name: str) -> str:
    if name in _WORDS:
        return _WORDS[name]
    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return repr(pattern.value) if pattern.type == "str" else name.lower()


def _expected_text(names: set[str]) -> str:
    if not names:
        return "something else"
    if {"KEY", "COMMENT"} <= names:           # at the start of a line
        row = ", a row indented by two spaces" if "ROW" in names else ""
        return f"a line 'name: value', 'name[N]{{columns}}:'{row}, a comment or a blank line"
    words = sorted({_describe(n) for n in names})
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _found(src: str, pos: int) -> str:
    if pos >= len(src):
        return "end of input"
    c = src[pos]
    return "end of line" if c == "\n" else repr(c)


def _syntax_error(e: UnexpectedInput, src: str, path: str | None) -> ToknSyntaxError:
    """One-line ToknSyntaxError for a Lark exception."""
    if isinstance(e, UnexpectedToken) and e.token.type == "$END" or isinstance(e, UnexpectedEOF):
        pos = len(src)
        expected = set(getattr(e, "expected", ()) or ())
    elif isinstance(e, UnexpectedToken):
        pos = e.token.start_pos if e.token.start_pos is not None else 0
        expected = set(e.expected)
    else:
        assert isinstance(e, UnexpectedCharacters)
        pos = e.pos_in_stream
        expected = set(e.allowed or ())
    line, col = line_col(src, pos)
    line_text = src[src.rfind("\n", 0, pos) + 1:]
    line_text = line_text[:line_text.find("\n")] if "\n" in line_text else line_text
    found = _found(src, pos)

    in_row = line_text.startswith("  ") and col > 2
    before = src[pos - 1] if pos > 0 else ""
    if line == 1:
        msg = "expected the header '# TOKN v1'"
        kind = kicad_file_kind(src)
        if kind:
            msg += f": this is {kind}, not TOKN ('tokn encode' gives a schematic's TOKN)"
    elif isinstance(e, UnexpectedToken) and e.token.type == "ROW":
        msg = "a row outside a table (rows must follow their table header or another row)"
    elif found == "'\"'" and (before and before in ",{" or (before == " " and not in_row) or col == 3):
        msg = "unterminated quoted string, or an escape other than \\\" \\\\ \\n \\t \\r in it"
    elif found == "'\"'" and in_row and before != '"':
        msg = "a '\"' inside a bare field (quote the whole field)"
    elif in_row:
        msg = f"expected ',' or end of line after a field, found {found}"
    elif before == ":" and expected == {"_NL"} and src[pos - 2:pos - 1] != "}":
        msg = f"expected a space or end of line after ':', found {found}"
    else:
        msg = f"expected {_expected_text(expected)}, found {found}"
    return ToknSyntaxError(msg, path, line, col)


# ---- building the model -----------------------------------------------------------------

def _converter(kind: str) -> Callable[[str], Any]:
    return {
        T.STR: str,
        T.NUM: V.parse_number,
        T.ANGLE: V.parse_number,
        T.INT: V.parse_int,
        T.BOOL: V.parse_bool,
        T.POINTS: V.parse_points,
        T.PINS: V.parse_pin_list,
        T.WORDS: V.parse_words,
    }[kind]


class _Builder:
    """Walks the Lark tree of one document and fills a Document."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.doc = Document()
        self.seen: dict[str, int] = {}      # table/scalar key -> line first seen

    def error(self, msg: str, line: int | None, col: int | None) -> ToknSemanticError:
        return ToknSemanticError(msg, self.path, line, col)

    def build(self, tree: Tree) -> Document:
        for node in tree.children:
            kind = node.data
            if kind == "header":
                self.header(node.children[0])
            elif kind == "scalar":
                self.scalar(node.children)
            elif kind == "array":
                self.array(node.children)
            elif kind == "table":
                self.table(node.children)
            elif kind == "keyed":
                self.keyed(node.children)
            # comments carry no data
        return self.doc

    def once(self, key: str, tok: Token, what: str) -> None:
        if key in self.seen:
            raise self.error(f"{what} given twice (first on line {self.seen[key]})", tok.line, tok.column)
        self.seen[key] = tok.line

    def header(self, version: Token) -> None:
        if version.split(".")[0] != "1":
            raise self.error(f"unsupported TOKN version v{version} (this reader knows v1)",
                             version.line, version.column)

    def scalar(self, children: list) -> None:
        key: Token = children[0]
        value = ""
        if len(children) > 1:
            tok: Token = children[1]
            value = V.unquote(tok) if tok.type == "QUOTED" else str(tok)
        if key in T.TABLES or key in T.KEYED:
            raise self.error(f"'{key}' is a table, not a scalar", key.line, key.column)
        if key == T.PWRFLAGS_KEY:
            raise self.error(f"'{key}' is a list: {key}[K]: NET,...", key.line, key.column)
        self.once("scalar " + key, key, f"scalar '{key}'")
        if key == T.TITLE:
            self.doc.title = value
        elif key == T.KICAD_KEY:
            if not value.isdigit() or not value.isascii() or int(value) < 1:
                raise self.error(f"'{key}' is a KiCad major version (10), not {value!r}", key.line, key.column)
            self.doc.kicad = int(value)
        elif key == T.EXTENSIONS_KEY:
            pass                              # derived from the content; nothing to keep
        else:
            self.doc.extra[str(key)] = value

    def array(self, children: list) -> None:
        key, count = children[0], children[1]
        items = V.split_row(children[2]) if len(children) > 2 else []
        self.once("scalar " + key, key, f"'{key}'")
        if len(items) != int(count):
            raise self.error(f"'{key}[{count}]' lists {len(items)} item(s)", count.line, count.column)
        if key == T.PWRFLAGS_KEY:
            self.doc.pwrflags = items
        # `extensions[K]` is derived from the content; other inline arrays are not part of
        # the model and are ignored (forward compatibility).

    def table(self, children: list) -> None:
        key: Token = children[0]
        count: Token = children[1]
        columns = [str(c) for c in children[2].children]
        rows: list[Token] = children[3:]
        spec = T.TABLES.get(str(key))
        if spec is None:
            if key == "pins":
                raise self.error("a pin table is written 'pins{REF}[N]:'", key.line, key.column)
            if key == "symbol":
                raise self.error("a symbol table is written 'symbol{LIB_ID}[N]{columns}:'", key.line, key.column)
            raise self.error(f"unknown table '{key}'", key.line, key.column)
        self.once("table " + key, key, f"table '{key}'")
        self.check_count(key, count, rows)
        items = self.rows(spec, key, columns, rows)
        if spec is T.NOCONNECTS:
            for row, nc in zip(rows, items):
                if not nc.pin and (nc.x is None or nc.y is None):
                    raise self.error("a noconnects row needs a position (x, y) or a pin (REF.PIN)",
                                     row.line, row.column + 2)
        getattr(self.doc, spec.doc_attr).extend(items)
        self.note_lines(spec, rows, items)

    def note_lines(self, spec: T.Table, rows: list[Token], items: list) -> None:
        """Record where each part, net and net's pin was read (``Document.lines``)."""
        lines = self.doc.lines
        if spec is T.COMPONENTS:
            for row, c in zip(rows, items):
                lines.setdefault(("components", c.ref), row.line)
        elif spec is T.NETS:
            for row, n in zip(rows, items):
                lines.setdefault(("nets", n.name), row.line)
                for p in n.pins:
                    lines.setdefault(("pin", p), row.line)

    def keyed(self, children: list) -> None:
        key: Token = children[0]
        ref_tok: Token = children[1]
        count: Token = children[2]
        spec = T.KEYED.get(str(key))
        if spec is None:
            raise self.error(f"unknown table '{key}{{...}}'", key.line, key.column)
        if len(children) > 3 and isinstance(children[3], Tree):
            columns = [str(c) for c in children[3].children]
            rows = children[4:]
        elif spec is T.PINS_TABLE:
            columns = list(T.PINS_DEFAULT_COLUMNS)
            rows = children[3:]
        else:
            raise self.error(f"'{key}{{...}}' must name its columns", count.line, count.column)
        ref = V.unquote(ref_tok) if ref_tok.type == "QUOTED" else str(ref_tok)
        if spec is T.PINS_TABLE:
            self.once("pins " + ref, key, f"pin table of '{ref}'")
            self.check_count(key, count, rows)
            self.doc.pins[ref] = self.rows(spec, key, columns, rows)
            for row, pd in zip(rows, self.doc.pins[ref]):
                self.doc.lines.setdefault(("pins", f"{ref}.{pd.number}"), row.line)
        else:
            self.once("symbol " + ref, key, f"symbol table of '{ref}'")
            self.check_count(key, count, rows)
            self.doc.symbols[ref] = self.rows(spec, key, columns, rows)

    def check_count(self, key: Token, count: Token, rows: list[Token]) -> None:
        if len(rows) != int(count):
            raise self.error(f"'{key}' says [{count}] rows but {len(rows)} follow",
                             count.line, count.column)

    def rows(self, spec: T.Table, key: Token, columns: list[str], rows: list[Token]) -> list:
        """Row objects of one table; ``columns`` as written in its header."""
        if len(set(columns)) != len(columns):
            dup = next(c for c in columns if columns.count(c) > 1)
            raise self.error(f"column '{dup}' given twice in '{key}'", key.line, key.column)
        missing = [c for c in T.required(spec) if c not in columns]
        if missing:
            raise self.error(f"table '{key}' lacks required column(s) {', '.join(missing)}",
                             key.line, key.column)
        plan = []            # (index, attribute, converter, default or _REQUIRED, kind)
        dflt = T.defaults(spec.cls)
        for i, name in enumerate(columns):
            col = spec.column(name)
            if col is not None:
                plan.append((i, col.attr, _converter(col.kind), dflt.get(col.attr, _REQUIRED), col.kind))
        ncols = len(columns)
        cls = spec.cls
        out = []
        for row in rows:
            body = row[2:]
            fields = V.split_row(body)
            joined = None                    # (index, count) of fields joined into `type`
            if len(fields) > ncols and spec is T.COMPONENTS and "type" in columns:
                at, extra = columns.index("type"), len(fields) - ncols
                merged = _v12_join_type(body, at, extra)
                if merged is not None:
                    fields, joined = merged, (at, extra)
            if len(fields) != ncols:
                raise self.error(f"row has {len(fields)} field(s) but '{key}' has {ncols} column(s) "
                                 f"({','.join(columns)})", row.line, row.column + 2)
            kwargs = {}
            for i, attr, conv, default, kind in plan:
                raw = fields[i]
                if raw == "" and kind in _EMPTY_IS_DEFAULT:
                    if default is _REQUIRED:
                        raise self.field_error(row, i, joined, f"column '{columns[i]}' needs a value")
                    kwargs[attr] = default
                    continue
                try:
                    kwargs[attr] = conv(raw)
                except ValueError as exc:
                    raise self.field_error(row, i, joined, f"column '{columns[i]}': {exc}") from None
            out.append(cls(**kwargs))
        return out

    def field_error(self, row: Token, index: int, joined: tuple[int, int] | None,
                    msg: str) -> ToknSemanticError:
        """Error located at field ``index`` of ``row`` (``joined``: see :func:`_v12_join_type`)."""
        if joined is not None and index > joined[0]:
            index += joined[1]
        offset = V.field_offsets(row[2:])[index]
        return self.error(msg, row.line, row.column + 2 + offset)


def _v12_join_type(body: str, at: int, extra: int) -> list[str] | None:
    """TOKN v1.2 compatibility: v1.2 writes the ``type`` column unquoted even when the symbol
    name holds commas (``74LVC1G04GV,125``), so such a row has ``extra`` fields too many.
    Join them back into ``type`` when every part is bare; otherwise return None."""
    marked = V.split_row_marked(body)
    parts = marked[at:at + extra + 1]
    if any(q for _, q in parts):
        return None
    fields = [f for f, _ in marked]
    return fields[:at] + [",".join(f for f, _ in parts)] + fields[at + extra + 1:]


_REQUIRED = object()
# Kinds whose empty cell means "the default" (strings, lists and booleans read "" directly).
_EMPTY_IS_DEFAULT = {T.NUM, T.ANGLE, T.INT}
