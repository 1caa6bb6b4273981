"""Answer lines written in other styles, rewritten as TOKN lines: the pre-pass of
:func:`tokn.doc.lenient.read_answer`.

Hosted models that write TOKN freely mix in markdown, YAML and JSON habits.  :func:`restyle`
rewrites the lines of an answer that plainly mean TOKN lines into those lines, one answer
line for one line (a line that is no part of the document is *dropped*: left empty and
skipped), so that the reader's line numbers stay the answer's.  Every line it rewrites or
drops is reported with a fix code of :data:`tokn.doc.lenient.FIX_CODES`:

* markdown markup around a table header or the title: ``**components[3]{...}:**``,
  ```` `nets[3]{name,pins}:` ````, ``### nets[3]{name,pins}:``, ``**Title:** X``, and
  ``# Title: X`` when the answer has no plain ``title:`` line [``markup``]; a table header
  ending in ``::`` [``table-header``];
* a heading that only names a table (``### components``, ``**Nets**``) above a line of CSV
  column names and rows: that table's header, ``components:`` [``markup``];
* table names, column names and the ``title``/``extensions`` keys written with capitals
  (``NETS[3]{Name,Pins}:``, ``Title:``), when in lower case they are the format's [``case``];
* a markdown pipe table whose header names the columns of ``components`` (``ref``, ``type``,
  ``value``..., or the names of :data:`tokn.doc.tables.COLUMN_ALIASES`: ``reference``,
  ``footprint``...) or of ``nets`` (``name`` or ``net``, and ``pins`` or ``connections``),
  when the answer has no TOKN table of that name [``md-table``];
* ``nets:`` followed by ``NAME: pin, pin`` lines (``- VIN: [U1.1, C1.1]``), every item a pin
  reference [``yaml-nets``];
* a table's rows as TOON's list of objects or YAML's list of mappings (``components[3]:``
  then ``- ref: U1`` / ``type: NE555P`` / ``value: NE555P``) [``list-items``];
* a table's rows written as list items (``- U1,LM7805,LM7805``; ``*``, ``•``; numbered
  ``1. U1,...`` outside pin tables) [``bullets``]; a
  row that only says rows were left out (``...``, ``…``), dropped [``ellipsis``];
* the document split over several code blocks (markdown headings between them): joined,
  when each later block starts with a table header (or with the ``# TOKN`` header repeated
  and then a table header: "Continuing with the nets:"), has no other ``# TOKN`` header and
  gives no table an earlier block gave [``joined-blocks``; the text between the blocks:
  ``prose``].

:func:`requote` reads the fields of a row quoted otherwise than with ``"``: ``'+5V'``
[``single-quotes``] and, in ``nets`` rows, a JSON-style list ``[U1.1, C1.1]`` [``brackets``].

Also: look-alike characters (no-break spaces, zero-width characters, full-width ``，；：``)
read as ASCII [``characters``]; a document indented as a whole moved to the margin
[``indent``].

What is not plainly one of these is left as written, for the reader and, failing that, the
strict parser's error.  Syntax only: no library facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import tables as T
from . import values as V
from .extract import _FENCE, _HEADER, ALTERNATIVE, CORRECTION, fenced_block_range, fenced_blocks

__all__ = ["Restyled", "restyle", "requote", "plain_row"]


@dataclass
class Restyled:
    """What :func:`restyle` made of an answer's lines.

    ``lines``: one per answer line, rewritten where a style was read, ``""`` where dropped;
    ``dropped``: 0-based lines that are no part of the document; ``fixes``: ``(code, 0-based
    line, note or None)`` for every line rewritten or dropped.
    """
    lines: list[str]
    dropped: set[int] = field(default_factory=set)
    fixes: list[tuple[str, int, str | None]] = field(default_factory=list)
    #: a later code block giving again a table an earlier block gave, other rows, without
    #: saying that it corrects it: (the earlier header's line, the later one's, the words
    #: offering it as an alternative with their line, or None), all 0-based
    tables_twice: tuple[int, int, tuple[int, str] | None] | None = None

    def put(self, i: int, text: str, code: str, note: str | None = None) -> None:
        self.lines[i] = text
        self.fixes.append((code, i, note))

    def drop(self, i: int, code: str, note: str | None = None) -> None:
        self.put(i, "", code, note)
        self.dropped.add(i)


def restyle(lines: list[str]) -> Restyled:
    """The answer ``lines`` (line ends removed) with the styles of the module doc read as
    TOKN lines; never fails (what is not plainly a style is left alone)."""
    r = Restyled(list(lines))
    _characters(r)
    _dedent(r)
    _markup_and_case(r)
    _heading_tables(r)
    _markdown_tables(r)
    _list_items(r)
    _yaml_nets(r)
    _wire_list(r)
    _bullets_and_ellipses(r)
    _joined_blocks(r)
    return r


# ---- characters and indentation --------------------------------------------------------------

#: Spacing and punctuation that look like ASCII but are not: no-break and other spaces,
#: zero-width characters, full-width comma, semicolon and colon.
_LOOKALIKES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ", "\u200b": None,
                             "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
                             "\uff0c": ",", "\uff1b": ";", "\uff1a": ":"})


def _characters(r: Restyled) -> None:
    """Look-alike spaces and punctuation read as ASCII [``characters``]."""
    for i, line in enumerate(r.lines):
        plain = line.translate(_LOOKALIKES)
        if plain != line and (i > 0 or plain != line.lstrip("\ufeff")):   # a BOM opening the text is no change
            r.put(i, plain, "characters")
        elif plain != line:
            r.lines[i] = plain


def _dedent(r: Restyled) -> None:
    """A document indented as a whole (a markdown code block by indentation, an answer
    indented by four spaces) moved to the margin [``indent``]: from the first indented
    ``# TOKN`` header or table header, every line indented at least as far, or blank."""
    start = next((i for i, ln in enumerate(r.lines)
                  if ln[:1] in (" ", "\t") and (_HEADER.match(ln.strip()) or _head(ln.strip()))), None)
    if start is None:
        return
    first = r.lines[start]
    k = len(first) - len(first.lstrip(" \t"))
    prefix = first[:k]
    if "\t" in prefix:
        return
    end = start
    while end < len(r.lines) and (not r.lines[end].strip() or r.lines[end].startswith(prefix)):
        end += 1
    if any(_head(ln.strip()) or _HEADER.match(ln.strip()) for ln in r.lines[end:] if ln[:1] not in (" ", "\t")):
        return                        # tables at the margin too: the indentation is no block's
    for i in range(start, end):
        if r.lines[i].strip():
            r.put(i, r.lines[i][k:], "indent")


# ---- table headers ------------------------------------------------------------------------

# Each run of blanks belongs to the part after it (never two optional runs side by side,
# which a line of many blanks would make polynomially slow to refuse).
_HEAD = re.compile(
    r"^(?P<key>[A-Za-z_]\w*)(?:[ \t]*(?P<b1>\{[^{}]*\}))?(?:[ \t]*(?P<n>\[[ \t]*(?:\d+[ \t]*)?\]))?"
    r"(?:[ \t]*(?P<b2>\{[^{}]*\}))?(?:[ \t]*(?P<colon>::?))?(?:[ \t]*(?P<rest>(?:#|//|;).*))?[ \t]*$")


def _head(st: str) -> re.Match | None:
    """The match of ``st`` (a stripped line) when it is the header of a known table, its
    name in any case (``NETS[3]{Name,Pins}:``, ``nets{name,pins}``, ``pins{U1}:``)."""
    m = _HEAD.match(st)
    if m is None or not (m.group("b1") or m.group("n") or m.group("b2")):
        return None
    key = m.group("key").lower()
    if key in T.KEYED:
        return m if m.group("b1") else None
    if key in T.TABLES and not (m.group("b1") and m.group("b2")):
        return m
    return None


def _spec(key: str) -> T.Table:
    return T.KEYED.get(key.lower()) or T.TABLES[key.lower()]


def _cols_group(m: re.Match) -> str | None:
    """Which group of a :func:`_head` match holds the column names."""
    if m.group("key").lower() in T.KEYED:
        return "b2" if m.group("b2") else None
    return "b2" if m.group("b2") else ("b1" if m.group("b1") else None)


def _tables_in(lines: list[str], lo: int = 0, hi: int | None = None) -> set[tuple[str, str]]:
    """(name, ``{ref}`` part) of every table header in ``lines[lo:hi]``."""
    out = set()
    for ln in lines[lo:hi]:
        m = _head(ln.strip())
        if m is not None:
            ref = m.group("b1") if m.group("key").lower() in T.KEYED else ""
            out.add((m.group("key").lower(), (ref or "").replace(" ", "")))
    return out


# ---- markup and capitals --------------------------------------------------------------------

_HEADING = re.compile(r"^#{1,6}[ \t]+")
_TITLE_MARKED = [re.compile(p, re.I) for p in (
    r"(?:#{1,6}[ \t]+)?\*\*title:\*\*[ \t]*(?P<v>\S.*)",
    r"(?:#{1,6}[ \t]+)?\*\*title\*\*[ \t]*:[ \t]*(?P<v>\S.*)",
    r"(?:#{1,6}[ \t]+)?\*\*title:[ \t]*(?P<v>[^*]*[^*\s])\*\*",
    r"#{1,6}[ \t]+title[ \t]*:[ \t]*(?P<v>\S.*)",
)]
_PLAIN_TITLE = re.compile(r"^title[ \t]*:", re.I)
_SCALAR_KEY = re.compile(r"^(?P<k>title|extensions)(?=[ \t]*[:\[])", re.I)


def _markup_and_case(r: Restyled) -> None:
    """Markdown markup around table headers and the title [``markup``], ``::`` ending a
    header [``table-header``], capitals in table and column names and scalar keys [``case``]."""
    plain_title = any(_PLAIN_TITLE.match(ln) for ln in r.lines)
    first_table = next((i for i, ln in enumerate(r.lines) if _head(ln.strip())), len(r.lines))
    for i, line in enumerate(r.lines):
        st = line.strip()
        if not st or line[:1] in " \t" and not st.startswith(("**", "`")):
            continue
        text = line
        bare = _HEADING.sub("", st).replace("**", "").replace("`", "").strip()
        if bare != st and _head(bare):
            text = bare
            r.put(i, text, "markup")
        elif not plain_title and i < first_table and (v := _marked_title(st)) is not None:
            text = "title: " + v
            r.put(i, text, "markup")
        pad = len(text) - len(text.lstrip())
        m = _head(text[pad:])
        if m is not None and m.group("colon") == "::":
            text = text[:pad + m.start("colon")] + ":" + text[pad + m.end("colon"):]
            r.put(i, text, "table-header")
        lowered = _lowered(text)
        if lowered != text:
            r.put(i, lowered, "case")


#: A heading (or bold line) that is only a table's name: ``### components``, ``**Nets:**``.
#: (Each blank run has one place to go: linear on long runs.)
_NAME_HEADING = re.compile(r"^(?:#{1,6}[ \t]+)?(?:\*\*)?(?P<key>components|nets)(?:[ \t]*:)?(?:\*\*)?(?:[ \t]*:)?$",
                           re.I)


def _heading_tables(r: Restyled) -> None:
    """A heading that only names a table (``### components``, ``**Nets**``) followed by a
    line of CSV column names (``ref,type,value``; ``name,pins``) and rows: the table's header
    ``components:``, whose rows the reader reads with those columns [``markup``]; when the
    answer has no TOKN table of that name."""
    present = {name for name, _ in _tables_in(r.lines)}
    for i, line in enumerate(r.lines):
        m = _NAME_HEADING.match(line.strip()) if line[:1] not in (" ", "\t") else None
        if m is None or (key := m.group("key").lower()) in present:
            continue
        nxt = next((k for k in range(i + 1, len(r.lines)) if r.lines[k].strip()), None)
        if nxt is not None and line.strip() != f"{key}:" and _column_names(r.lines[nxt].strip(), key):
            r.put(i, f"{key}:", "case" if line.strip().lower() == f"{key}:" else "markup")


def _column_names(st: str, key: str) -> bool:
    """Whether ``st`` is a CSV line naming columns of table ``key``, its required ones among
    them (``ref,type,value``; ``net,pins``)."""
    spec = T.TABLES[key]
    aliases = T.COLUMN_ALIASES.get(key, {})
    names = [aliases.get(x.strip().lower(), x.strip().lower()) for x in st.split(",")]
    known = {c.name for c in spec.columns}
    return len(names) >= 2 and set(names) <= known and set(T.required(spec)) <= set(names) \
        and len(set(names)) == len(names)


def _marked_title(st: str) -> str | None:
    for p in _TITLE_MARKED:
        m = p.fullmatch(st)
        if m:
            return m.group("v").strip()
    return None


def _lowered(text: str) -> str:
    """``text`` with a table header's name and column names, or a scalar's key, in lower case
    where that makes them the format's."""
    if text[:1] not in " \t" and (k := _SCALAR_KEY.match(text)) and k.group("k") != k.group("k").lower():
        return k.group("k").lower() + text[k.end():]
    pad = len(text) - len(text.lstrip())
    m = _head(text[pad:])
    if m is None:
        return text
    known = {c.name for c in _spec(m.group("key")).columns}
    g = _cols_group(m)
    if g is not None:                        # the columns first: they come after the name
        cols = ",".join(c.lower() if c.strip().lower() in known else c for c in m.group(g)[1:-1].split(","))
        text = text[:pad + m.start(g)] + "{" + cols + "}" + text[pad + m.end(g):]
    return text[:pad] + m.group("key").lower() + text[pad + m.end("key"):]


# ---- markdown tables -------------------------------------------------------------------------

_PIPE_ROW = re.compile(r"^[ \t]{0,3}\|(?P<cells>(?:.*[^ \t\n])?)[ \t]*$")
_PIPE_SEP = re.compile(r"^[ \t]{0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$")
_MD_REQUIRED = {"components": ("ref", "type"), "nets": ("name", "pins")}


def _cells(line: str) -> list[str]:
    body = _PIPE_ROW.match(line).group("cells")     # type: ignore[union-attr]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.replace("\\|", "|").replace("**", "").replace("`", "").strip()
            for c in re.split(r"(?<!\\)\|", body)]


def _md_table_of(cells: list[str]) -> tuple[str, list[str], list[str]] | None:
    """The table a markdown header row names, its columns and the names of the columns it
    has besides the table's (left unread), or None when it names none plainly (a repeated
    or missing required column; for nets, any other column: ``| Pin | Name | Type |`` is a
    pin table).  A bill of materials' columns besides a component's (``Qty``, ``MPN``,
    ``Description``, a row number ``#``) are left unread."""
    names = [c.lower() for c in cells]
    for table in _MD_REQUIRED:
        aliases = T.COLUMN_ALIASES[table]
        known = {c.name for c in T.TABLES[table].columns}
        cols = [aliases.get(c, c) for c in names]
        other = [cells[k] for k, c in enumerate(cols) if c not in known]
        if table == "components":      # columns the format lacks: named so that the reader skips them
            cols = [c if c in known else f"x_{k}" for k, c in enumerate(cols)]
        if all(c in known or c.startswith("x_") for c in cols) and len(set(cols)) == len(cols) \
                and all(c in cols for c in _MD_REQUIRED[table]) and (table == "components" or not other):
            return table, cols, other
    return None


def _markdown_tables(r: Restyled) -> None:
    """Markdown pipe tables of components or nets as TOKN tables [``md-table``]."""
    present = {name for name, _ in _tables_in(r.lines)}
    i = 0
    while i + 1 < len(r.lines):
        line = r.lines[i]
        if not (_PIPE_ROW.match(line) and "|" in r.lines[i + 1] and _PIPE_SEP.match(r.lines[i + 1])):
            i += 1
            continue
        found = _md_table_of(_cells(line))
        j = i + 2
        while j < len(r.lines) and _PIPE_ROW.match(r.lines[j]) and not _PIPE_SEP.match(r.lines[j]):
            j += 1
        if found is None or found[0] in present or j == i + 2:
            i = j
            continue
        table, cols, other = found
        rows = [k for k in range(i + 2, j) if not _ellipsis_row(_cells(r.lines[k]))]
        r.put(i, f"{table}[{len(rows)}]{{{','.join(cols)}}}:", "md-table",
              "columns not read: " + ", ".join(repr(c) for c in other) if other else None)
        r.drop(i + 1, "md-table")
        for k in range(i + 2, j):
            cells = _cells(r.lines[k])
            if k not in rows:
                r.drop(k, "ellipsis")
                continue
            fields = [_pin_list(c) if col == "pins" else c for c, col in zip(cells, cols + [""] * len(cells))]
            r.put(k, "  " + ",".join(V.quote_field(f) for f in fields), "md-table")
        i = j


def _ellipsis_row(cells: list[str]) -> bool:
    """A markdown row that only says rows were left out (``| ... | ... |``)."""
    return any(cells) and all(_ELLIPSIS.match(c) for c in cells if c)


def _pin_list(text: str) -> str:
    """A pin list's items (split at ``,``, ``;`` or a markdown table cell's line break
    ``<br>``, quotes and spaces around them removed) joined with ``,``."""
    items = (p.strip().strip("\"'").strip() for p in re.split(r"[,;]|<br[ \t]*/?>", text, flags=re.I))
    return ",".join(p for p in items if p)


# ---- rows as TOON / YAML list items ------------------------------------------------------------

#: A table header without columns, whose rows may be list items: ``components[3]:``,
#: ``nets:``, ``pins{U1}[8]:``.
_LIST_HEAD = re.compile(r"^(?P<key>components|nets|pins)(?P<ref>\{[^{}]*\})?(?:\[[ \t]*(?:(?P<n>\d+)[ \t]*)?\])?"
                        r"[ \t]*:[ \t]*$")
#: ``- key: value`` opening an item, and ``key: value`` (``key[2]: a,b``: TOON's inline array) inside it.
#: (The key ends on a word character and each blank run has one place to go, so that long
#: blank runs are read in linear time; the key's trailing blanks are not part of it.)
_ITEM_KEY_VALUE = (r"(?P<k>[A-Za-z_](?:[\w ]*\w)?)[ \t]*(?:\[[ \t]*(?:\d+[ \t]*)?\][ \t]*)?:"
                   r"(?:[ \t]+(?P<v>(?:.*[^ \t\n])?))?[ \t]*$")
_ITEM_OPEN = re.compile(r"^(?P<ind>[ \t]*)[-*•][ \t]+" + _ITEM_KEY_VALUE)
_ITEM_FIELD = re.compile(r"^(?P<ind>[ \t]*)" + _ITEM_KEY_VALUE)
_SUB_ITEM = re.compile(r"^(?P<ind>[ \t]*)-[ \t]+(?P<v>\S.*?)[ \t]*$")


def _list_items(r: Restyled) -> None:
    """A table's rows written as list items with one ``key: value`` line per column (TOON's
    list of objects, YAML's list of mappings) under a header without columns, each item read
    as one row on the line of its ``-``, the header given the keys as columns
    [``list-items``]::

        components[2]:            ->  components[2]{ref,type,value}:
          - ref: U1                     U1,NE555P,NE555P
            type: NE555P
            value: NE555P
          - ref: R1 ...

    A net's ``pins`` may be an inline array (``pins[2]: U1.1,C1.1``, ``[U1.1, C1.1]``) or
    ``- U1.1`` lines under ``pins:``.  Only when every line of every item is one of these and
    every key is a column of the table (under a name :data:`tokn.doc.tables.COLUMN_ALIASES`
    knows); otherwise the lines are left for the strict error."""
    i = 0
    while i < len(r.lines):
        m = _LIST_HEAD.match(r.lines[i].strip()) if r.lines[i][:1] not in (" ", "\t") else None
        if m is None or i in r.dropped:
            i += 1
            continue
        got = _items(r.lines, i + 1, m.group("key"))
        if got is None:
            i += 1
            continue
        items, end = got
        cols = list(dict.fromkeys(k for _, fields, _ in items for k in fields))
        n = m.group("n")
        count = int(n) if n else len(items)
        r.put(i, f"{m.group('key')}{m.group('ref') or ''}[{count}]{{{','.join(cols)}}}:", "list-items")
        for start, fields, more in items:
            r.put(start, "  " + ",".join(V.quote_field(fields.get(c, "")) for c in cols), "list-items")
            for k in more:
                r.drop(k, "list-items")
        i = end


def _items(lines: list[str], j: int, key: str) -> tuple[list[tuple[int, dict[str, str], list[int]]], int] | None:
    """The list items from line ``j`` on, as ``(first line, column -> field, other lines)``,
    and the line after them; None when the lines there are not plainly such items."""
    spec = T.KEYED.get(key) if key == "pins" else T.TABLES[key]
    known = {c.name for c in spec.columns}
    aliases = T.COLUMN_ALIASES.get(key, {})
    items: list[tuple[int, dict[str, str], list[int]]] = []
    item_ind: int | None = None
    while j < len(lines):
        line = lines[j]
        if not line.strip():
            nxt = next((k for k in range(j + 1, len(lines)) if lines[k].strip()), None)
            if nxt is None or not items or not _ITEM_OPEN.match(lines[nxt]):
                break
            j += 1
            continue
        o = _ITEM_OPEN.match(line)
        if o is None or (item_ind is not None and len(o.group("ind")) != item_ind):
            break
        item_ind = len(o.group("ind"))
        field_ind = len(line) - len(line[len(o.group("ind")) + 1:].lstrip(" \t"))
        fields: dict[str, str] = {}
        more: list[int] = []
        k, v, at = o.group("k"), o.group("v"), j
        while True:
            col = aliases.get(k.strip().lower(), k.strip().lower())
            if col not in known or col in fields:
                return None
            if v is None or not v.strip():           # pins:  then  - U1.1 lines
                subs = []
                while at + 1 < len(lines) and (s := _SUB_ITEM.match(lines[at + 1])) \
                        and len(s.group("ind")) > field_ind - 1 and col == "pins":
                    subs.append(_scalar(s.group("v")))
                    at += 1
                    more.append(at)
                v = ",".join(subs)
            fields[col] = _pin_list(v.strip()[1:-1] if v.strip()[:1] == "[" and v.strip()[-1:] == "]" else v) \
                if col == "pins" else _scalar(v)
            nxt = lines[at + 1] if at + 1 < len(lines) else ""
            f = _ITEM_FIELD.match(nxt)
            if f is None or len(f.group("ind")) != field_ind or _ITEM_OPEN.match(nxt):
                break
            at += 1
            more.append(at)
            k, v = f.group("k"), f.group("v")
        if not any(c in fields for c in ("ref", "name", "num")):
            return None
        items.append((j, fields, more))
        j = at + 1
    return (items, j) if items else None


def _scalar(v: str) -> str:
    """A YAML scalar as text: a trailing `` # comment`` dropped, quotes around it removed."""
    v = re.sub(r"[ \t]+#.*$", "", v.strip()) if not v.strip().startswith(("\"", "'")) else v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    return v


# ---- nets: as YAML ----------------------------------------------------------------------------

_YAML_NETS = re.compile(r"^(?:#{1,6}[ \t]+)?(?:\*\*)?nets(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*$", re.I)
_YAML_ROW = re.compile(
    r"^[ \t]*(?:(?:[-*•]|\d{1,3}[.)])[ \t]+)?(?P<name>\"[^\"]+\"|'[^']+'|[^\s:,\"'\[\]]+)(?:\[[ \t]*(?:\d+[ \t]*)?\])?"
    r"[ \t]*:[ \t]+(?P<pins>\S(?:.*[^ \t\n])?)[ \t]*$")
_PIN_REF = re.compile(r"^[A-Za-z][A-Za-z0-9_]*[0-9](?:[.:/-]|[ \t]+pin[ \t]+)[A-Za-z0-9_+~-]+$", re.I)


def _yaml_pins(text: str) -> str | None:
    """``U1.1, C1.1`` / ``[U1.1, C1.1]`` / ``U1.1 C1.1`` as ``U1.1,C1.1``; None unless every
    item is a pin reference."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    items = [p.strip().strip("\"'").strip() for p in re.split(r"[,;]", text)]
    items = [p for p in items if p]
    if items and all(_PIN_REF.match(p) for p in items):
        return ",".join(items)
    words = text.replace(",", " ").replace(";", " ").split()
    if words and all(_PIN_REF.match(w) for w in words):
        return ",".join(words)
    return None


def _shape(line: str) -> tuple[bool, bool]:
    """Whether ``line`` is indented, and whether it is a list item."""
    return line[:1] in (" ", "\t"), bool(_BULLET.match(line))


def _yaml_nets(r: Restyled) -> None:
    """``nets:`` followed by ``NAME: pins`` lines, when the answer has no nets table, and
    such lines as the rows of a nets table [``yaml-nets``]."""
    if "nets" in {name for name, _ in _tables_in(r.lines)}:
        _yaml_rows_in_nets_tables(r)
        return
    for i, line in enumerate(r.lines):
        if not _YAML_NETS.match(line.strip()):
            continue
        rows: list[tuple[int, str, str]] = []
        j = i + 1
        while j < len(r.lines):
            m = _YAML_ROW.match(r.lines[j])
            pins = _yaml_pins(m.group("pins")) if m else None
            if pins is not None:
                rows.append((j, m.group("name").strip("\"'"), pins))     # type: ignore[union-attr]
            elif r.lines[j].strip() or not rows:
                break
            j += 1
        if not rows or j == rows[-1][0] + 1 < len(r.lines) and _YAML_ROW.match(r.lines[j]) \
                and _shape(r.lines[j]) == _shape(r.lines[rows[0][0]]):
            continue                         # a row that is not plainly pins: not a nets table
        r.put(i, f"nets[{len(rows)}]{{name,pins}}:", "yaml-nets")
        for k, name, pins in rows:
            r.put(k, "  " + V.quote_field(name) + "," + V.quote_field(pins), "yaml-nets")
        return


def _yaml_rows_in_nets_tables(r: Restyled) -> None:
    """Rows of a ``nets[N]{name,pins}:`` table written ``NAME: pins`` (every item a pin
    reference), as ``NAME,"pins"`` rows [``yaml-nets``]; read as CSV, ``VIN: U1.3, C1.1``
    would be a net called ``VIN: U1.3``."""
    in_nets = False
    for i, line in enumerate(r.lines):
        st = line.strip()
        if (m := _head(st)) is not None:
            g = _cols_group(m)
            in_nets = m.group("key").lower() == "nets" and \
                [c.strip().lower() for c in (m.group(g) if g else "{name,pins}")[1:-1].split(",")] == ["name", "pins"]
            continue
        if not in_nets or not st or st.startswith(("#", "//")):
            continue
        row = _YAML_ROW.match(line)
        pins = _yaml_pins(row.group("pins")) if row else None
        if row is None or pins is None:
            if not line.startswith((" ", "\t")):
                in_nets = False
            continue
        r.put(i, "  " + V.quote_field(row.group("name").strip("\"'")) + "," + V.quote_field(pins), "yaml-nets")


# ---- connections as a list of wires ------------------------------------------------------------

_WIRES_HEAD = re.compile(r"^(?:#{1,6}[ \t]+)?(?:\*\*)?(?:connections|wires|wiring|netlist)(?:\*\*)?[ \t]*:?(?:\*\*)?[ \t]*$",
                         re.I)
_ARROW = re.compile(r"<?->|→|↔|<->|--|—")


def _split_arrows(body: str) -> list[str]:
    """``body`` cut at its arrows, the blanks beside each arrow dropped (a regular
    expression taking the blanks too re-scanned a long blank run from each of its
    positions: quadratic)."""
    ends = _ARROW.split(body)
    last = len(ends) - 1
    return [e.lstrip(" \t") if k == last else (e.rstrip(" \t") if k == 0 else e.strip(" \t"))
            for k, e in enumerate(ends)] if last else ends
_WIRE_LINE = re.compile(r"^[ \t]*(?:(?:[-*•]|\d{1,3}[.)])[ \t]+)?(?P<body>\S(?:.*[^ \t\n])?)[ \t]*$")


def _wire_list(r: Restyled) -> None:
    """Connections written as wires between pins instead of nets, when the answer has no nets
    table: ``connections:`` (``wires:``, ``**Connections**``...) followed by ``R1.2 -> D1.2``
    lines (``→``, ``--``; a chain ``A -> B -> C``; an end may be a net name in capitals,
    ``+5V -> R1.1``).  Pins joined by wires are one net, named by the first net name among
    them, else ``N1``, ``N2``...; its row is written on the line of its first wire, the
    other lines dropped [``wire-list``].  Only when every line is plainly such a wire."""
    if "nets" in {name for name, _ in _tables_in(r.lines)}:
        return
    for i, line in enumerate(r.lines):
        if i in r.dropped or not _WIRES_HEAD.match(line.strip()):
            continue
        wires: list[tuple[int, list[str]]] = []
        j = i + 1
        while j < len(r.lines):
            m = _WIRE_LINE.match(r.lines[j])
            ends = _split_arrows(m.group("body")) if m else []
            if len(ends) >= 2 and all(_PIN_REF.match(e) or _NET_TOKEN.match(e) and not _PIN_REF.match(e)
                                      and re.search(r"[A-Z]", e) for e in ends):
                wires.append((j, ends))
            elif r.lines[j].strip() or not wires:
                break
            j += 1
        if not wires or j < len(r.lines) and r.lines[j].strip() and r.lines[j][:1] in " \t" + "-*•":
            continue                         # a line that is not plainly a wire: not this style
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x
        for _, ends in wires:
            for e in ends[1:]:
                parent[find(e)] = find(ends[0])
        groups: dict[str, list[str]] = {}
        first: dict[str, int] = {}
        for k, ends in wires:
            for e in ends:
                root = find(e)
                first.setdefault(root, k)
                if e not in groups.setdefault(root, []):
                    groups[root].append(e)
        names = {e for ends in groups.values() for e in ends if not _PIN_REF.match(e)}
        auto = (f"N{k}" for k in range(1, 10_000) if f"N{k}" not in names)
        rows: dict[int, str] = {}
        for root, ends in groups.items():
            named = [e for e in ends if not _PIN_REF.match(e)]
            name = named[0] if named else next(auto)
            pins = [e for e in ends if e != name]
            rows[first[root]] = "  " + V.quote_field(name) + "," + V.quote_field(",".join(pins))
        r.put(i, f"nets[{len(rows)}]{{name,pins}}:", "wire-list")
        for k, _ in wires:
            if k in rows:
                r.put(k, rows[k], "wire-list")
            else:
                r.drop(k, "wire-list")
        for k in range(i + 1, wires[-1][0]):
            if not r.lines[k].strip() and k not in rows:
                r.dropped.add(k)
        return


# ---- bullets and ellipses -------------------------------------------------------------------

_BULLET = re.compile(r"^[ \t]*[-*•][ \t]+(?P<rest>\S.*)$")
#: A numbered list item (``1. U1,LM7805,LM7805``); not in pin tables, whose rows start with numbers.
_NUMBERED = re.compile(r"^[ \t]*\d{1,3}[.)][ \t]+(?P<rest>\S.*)$")
_ELLIPSIS = re.compile(r"^(?:[-*•][ \t]+)?(?:\.{3,}|…|\. \. \.)(?:[ \t]*[^,\"\s.][^,\"]*)?$")


#: A pin-list item that is no word of a sentence: a name in capitals (``GND``, ``+5V``, ``N1``).
_NET_TOKEN = re.compile(r"^[A-Z0-9_+~./:#()\[\]-]+$")
_PIN_GAP = re.compile(r"(?<=\w)[ \t]+pin[ \t]*(?=\w)", re.I)        # the gap in "U1 pin 8"


def plain_row(st: str, key: str | None = None) -> bool:
    """Whether ``st`` (a line without its indent or bullet) is plainly a row of table ``key``
    (``components``, ``nets``, ``pins``; None: any) rather than a sentence: several fields,
    the first one word, no sentence end; in ``components`` the type is one word, in ``nets``
    every pin-list item is a pin reference or a name in capitals (``- R1, R2 and C1 set the
    frequency`` is prose after a nets table, not a net R1)."""
    first, _, rest = st.partition(",")
    if "," not in st or not first or re.search(r"\s", first) or st.endswith((".", ":")):
        return False
    if key == "components":
        return not re.search(r"\s", rest.split(",", 1)[0].strip().strip("\"'"))
    if key == "nets":
        items = [p.strip("\"'[]") for p in re.split(r"[,;\s]+", _PIN_GAP.sub(".", rest))]
        return all(_PIN_REF.match(p) or _NET_TOKEN.match(p) for p in items if p)
    return True


def _bullets_and_ellipses(r: Restyled) -> None:
    """Inside a table: rows written as list items [``bullets``], rows that only say rows
    were left out [``ellipsis``]."""
    key: str | None = None                   # the table the lines are in
    for i, line in enumerate(r.lines):
        st = line.strip()
        if i in r.dropped or not st or st.startswith(("#", "//", ";")):
            continue
        if head := _head(st):
            key = head.group("key").lower()
        elif key is None:
            continue
        elif _ELLIPSIS.match(st):
            r.drop(i, "ellipsis")
        elif (m := _BULLET.match(line) or (_NUMBERED.match(line) if key != "pins" else None)) \
                and plain_row(m.group("rest"), key):
            r.put(i, "  " + m.group("rest"), "bullets")
        elif not (line.startswith(("  ", "\t")) or plain_row(st, key)):
            key = None


# ---- a document over several code blocks ------------------------------------------------------

def _joined_blocks(r: Restyled) -> None:
    """Code blocks after the document's first one that each start with a table it lacks:
    their fences and the text between them dropped [``joined-blocks``, ``prose``].  A block
    of tables given before, other rows, that the text before it says corrects them ("Wait,
    ... Corrected nets:"): the earlier tables dropped and the block joined in their place
    [``corrected-table``]; said to be an alternative, or said nothing: ``tables_twice``."""
    blocks = fenced_blocks(r.lines)
    first = fenced_block_range(r.lines)
    if first is None:
        return
    seen = _tables_in(r.lines, first[1], first[2])
    joined = [first]
    prev = first
    for b in blocks[blocks.index(first) + 1:]:
        lines = [(k, r.lines[k].strip()) for k in range(b[1], b[2]) if r.lines[k].strip()]
        again = lines[0][0] if lines and _HEADER.match(lines[0][1]) else None     # the header repeated
        body = [ln for k, ln in lines if k != again]
        start = next((ln for ln in body if _HEADER.match(ln) or not ln.startswith(("#", "//"))), "")
        tables = _tables_in(r.lines, b[1], b[2])
        if prev[2] >= len(r.lines) or not _head(start) or any(_HEADER.match(ln) for ln in body) \
                or _tables_in(r.lines, prev[2] + 1, b[0]):
            return
        replaced: dict[tuple[str, str], tuple[int, int]] = {}
        if tables & seen:
            if not tables <= seen:
                return
            earlier = {key: span for lo_hi in joined for key, span in _table_spans(r.lines, lo_hi[1], lo_hi[2]).items()}
            later = _table_spans(r.lines, b[1], b[2])
            if all(_rows(r.lines, *earlier[key]) == _rows(r.lines, *later[key]) for key in tables):
                return                       # the same tables again: the first block is the document
            gap = [(k, r.lines[k]) for k in range(prev[2] + 1, b[0]) if r.lines[k].strip()]
            alt = next(((k, m.group()) for k, ln in gap if (m := ALTERNATIVE.search(ln))), None)
            if alt is not None or not any(CORRECTION.search(ln) for _, ln in gap):
                key = min(tables, key=lambda t: later[t][0])
                r.tables_twice = (earlier[key][0], later[key][0], alt)
                return
            replaced = {key: earlier[key] for key in tables}
        for key, (lo, hi) in replaced.items():
            for k in range(lo, hi):
                if r.lines[k].strip() and k not in r.dropped:
                    r.drop(k, "corrected-table", f"replaced by the table at line {_table_spans(r.lines, b[1], b[2])[key][0] + 1}")
        code = "corrected-table" if replaced else "joined-blocks"
        for k in range(prev[2], b[0] + 1):
            if k in (prev[2], b[0]):
                r.drop(k, code)
            elif r.lines[k].strip():
                r.drop(k, "prose")
        if again is not None:
            r.drop(again, code, "the '# TOKN' header repeated")
        seen |= tables
        joined.append(b)
        prev = b
    _unfenced_correction(r, joined)


def _unfenced_correction(r: Restyled, joined: list[tuple[int, int, int]]) -> None:
    """After the document's last code block, no other block, and a table it gave written again
    outside any fence, other rows: when the text before it says it corrects it ("Wait, ...
    Corrected nets:"), the block's closing fence dropped [``corrected-table``], so that the
    reader reads that table as the block's (the rows it gives again instead of the earlier
    ones); offered as an alternative or with nothing said, ``tables_twice``."""
    end = joined[-1][2]
    if end >= len(r.lines) or any(_FENCE.match(ln) for ln in r.lines[end + 1:]):
        return
    earlier = {key: span for b in joined for key, span in _table_spans(r.lines, b[1], b[2]).items()}
    at = next((k for k in range(end + 1, len(r.lines)) if _head(r.lines[k].strip()) is not None
               and _tables_in(r.lines, k, k + 1) <= set(earlier)), None)
    if at is None:
        return
    key = next(iter(_tables_in(r.lines, at, at + 1)))
    later = [ln.strip() for ln in r.lines[at + 1:] if ln.startswith((" ", "\t")) and ln.strip()]
    if later[:len(_rows(r.lines, *earlier[key]))] == _rows(r.lines, *earlier[key]):
        return                               # the same rows again
    gap = [(k, r.lines[k]) for k in range(end + 1, at) if r.lines[k].strip()]
    alt = next(((k, m.group()) for k, ln in gap if (m := ALTERNATIVE.search(ln))), None)
    if alt is None and any(CORRECTION.search(ln) for _, ln in gap):
        r.drop(end, "corrected-table", f"the code block's closing fence: the table at line {at + 1} corrects it")
    else:
        r.tables_twice = (earlier[key][0], at, alt)


def _table_spans(lines: list[str], lo: int, hi: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(name, ``{ref}`` part) of every table header in ``lines[lo:hi]`` with the lines of the
    table: its header's and the end (exclusive: the next header, or ``hi``)."""
    heads = []
    for k in range(lo, hi):
        m = _head(lines[k].strip())
        if m is not None:
            ref = m.group("b1") if m.group("key").lower() in T.KEYED else ""
            heads.append(((m.group("key").lower(), (ref or "").replace(" ", "")), k))
    ends = [k for _, k in heads[1:]] + [hi]
    return {key: (k, end) for (key, k), end in zip(heads, ends)}


def _rows(lines: list[str], lo: int, hi: int) -> list[str]:
    """The non-blank lines of a table after its header, stripped."""
    return [ln.strip() for ln in lines[lo + 1:hi] if ln.strip()]


# ---- fields quoted otherwise --------------------------------------------------------------------

_OPEN_CLOSE = {"'": "'", "\u2018": "\u2019"}


def requote(body: str, nets: bool) -> tuple[str, list[str]]:
    """Row ``body`` (without its indent) with single-quoted fields [``single-quotes``] and,
    when ``nets`` (a ``nets`` row), bracketed lists [``brackets``] written as ``"..."``
    fields; the fix codes used.  A field is rewritten only when its closing mark ends it (a
    ``,`` or the line end follows); reading stops at a comment or a quote inside a bare field."""
    out: list[str] = []
    codes: list[str] = []
    i, n = 0, len(body)
    while i <= n:
        j = i
        while j < n and body[j] == " ":
            j += 1
        out.append(body[i:j])
        i = j
        c = body[i] if i < n else ""
        end = _closing(body, i, _OPEN_CLOSE[c]) if c in _OPEN_CLOSE else \
            _closing(body, i, "]") if c == "[" and nets else None
        if end is not None:
            inner = body[i + 1:end]
            text = _pin_list(inner) if c == "[" else inner
            if '"' in text or "\\" in inner or "[" in inner:
                out.append(body[i:])
                break
            out.append('"' + text + '"')
            codes.append("brackets" if c == "[" else "single-quotes")
            i = end + 1
        k = _field_end(body, i)
        if k is None:
            out.append(body[i:])
            break
        out.append(body[i:k])
        if k >= n:
            break
        out.append(",")
        i = k + 1
    return "".join(out), codes


def _closing(body: str, i: int, mark: str) -> int | None:
    """Index of the ``mark`` closing the field opened at ``i``: the first one followed by
    spaces and then ``,`` or the end, or by a comment."""
    k = body.find(mark, i + 1)
    while k != -1:
        if re.match(r"[ ]*(,|$)|[ ]+(#|//|;)", body[k + 1:]):
            return k
        k = body.find(mark, k + 1)
    return None


def _field_end(body: str, i: int) -> int | None:
    """Index of the ``,`` ending the field at ``i`` (``len(body)`` at the end); None when a
    quoted field, a quote inside the field or a comment makes the rest the reader's alone."""
    n = len(body)
    if i < n and body[i] == '"':
        k = i + 1
        while k < n and body[k] != '"':
            k += 2 if body[k] == "\\" else 1
        if k >= n:
            return None
        i = k + 1
    k = i
    while k < n and body[k] != ",":
        if body[k] == '"' or (k > 0 and body[k - 1] == " " and body.startswith(("#", "//", ";"), k)):
            return None
        k += 1
    return k
