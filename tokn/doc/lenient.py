"""Reading an LLM's answer: the tolerant front door of the strict TOKN reader.

Files are read strictly (:func:`tokn.doc.parser.parse_tokn`).  An answer that a model wrote
freely is read by :func:`read_answer`, which turns what models get sloppy but leave
unambiguous into strict TOKN, hands the result to the strict reader, and reports every
change it made as a :class:`Fix` (a code, a message and the answer's 1-based line numbers).
Nothing is changed silently; what the strict format already accepts (``\\r\\n`` line ends,
comment lines between sections, a missing final line end) is not a fix.

What it forgives (fix codes in brackets):

* the reasoning a model served without a reasoning parser writes first, ``<think> ...
  </think>`` (:mod:`tokn.doc.reasoning`), which may hold a draft of the document
  [``reasoning``];
* the document inside markdown code fences [``code-fence``], prose before, between and after
  the tables, and a second, incomplete document after the first [``prose``]; of several
  complete documents (components and nets), a draft and its correction, the last
  [``draft``]; a header written loosely
  or missing [``header``]; lone ``\\r`` line ends [``line-ends``];
* comments outside quotes: ``#``, ``//`` or ``;`` lines inside a table or indented, and
  after a row or a table header when white space precedes them [``comment``]; blank lines
  inside a table [``blank-line``];
* tabs [``tabs``]; rows indented by other than two spaces, or not at all when the line is
  plainly a row [``indent``]; white space around fields, pin-list items written with spaces
  or empty items, trailing white space [``spaces``]; typographic double quotes in tables
  [``quotes``]; a quoted field left open at the end of its line [``unterminated-quote``];
  a table header without its ``:`` or with spaces inside [``table-header``]; a row wrapped
  over several lines, its quoted field or trailing ``,`` continued deeper indented
  [``wrapped-row``]; a first row naming the table's columns, dropped (under a header
  without columns, CSV's header line: its names are the columns) [``column-row``];
* a header's ``[N]`` that disagrees with the rows that follow: the rows count
  [``row-count``]; rows short of optional trailing fields (``C1,C,10k`` under
  ``{ref,type,value,fp}``) [``missing-fields``]; empty fields past the last column (a
  trailing comma) [``extra-fields``]; a net's pins written as several fields
  instead of one quoted list [``unquoted-list``]; a component row given again word for word,
  dropped [``duplicate-row``]; ``pins{REF}`` rows with a third field
  under the default ``num,name`` columns (read as ``type``) [``pin-columns``]; a table given
  twice with the same columns, rows appended to the first (identical ``pins{REF}`` tables:
  the copy dropped) [``merged-table``];
* drawing, which an answer does not need and the decoder redoes: the v1.2 geometry columns
  ``x,y,w,h,a`` of ``components`` and the ``wires`` table [``geometry``], wires whose
  ``pts`` hold something else than points, such as pin references [``not-points``];
* styles of markdown, YAML and JSON, read line by line by :mod:`tokn.doc.restyle` before
  the rest: markdown markup around a header or the title [``markup``]; capitals in table,
  column and key names [``case``]; markdown pipe tables of components or nets
  [``md-table``]; ``nets:`` with ``NAME: pins`` lines [``yaml-nets``]; rows as TOON's or
  YAML's lists of objects (``- ref: U1`` / ``type: NE555P``) [``list-items``]; rows written as list
  items [``bullets``]; a row ``...`` dropped [``ellipsis``]; the document split over several
  code blocks [``joined-blocks``]; and in rows, single-quoted fields [``single-quotes``], a
  net's pins as ``[a, b]`` [``brackets``] or separated by ``;`` (``"U1.1; C1.1"``)
  [``semicolons``]; a note in parentheses after a pin reference, ``U1.8 (VCC)``, dropped
  (the number is the pin) [``pin-notes``].

What is still wrong after that gets the strict reader's error, located on the answer's own
line (the column is that of the line as normalised).  Layer: :mod:`tokn.doc` (syntax only;
repairs that need the KiCad libraries live in :mod:`tokn.generate.netfix`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from dataclasses import fields as _dataclass_fields

from ..errors import ToknError, ToknSemanticError, ToknSyntaxError
from . import tables as T
from . import values as V
from .extract import (_FENCE, _HEADER, _HEADERLESS_START, ALTERNATIVE, CORRECTION, fenced_block_range, fenced_blocks,
                      find_start)
from .foreign import kicad_file_kind
from .model import Document
from .parser import parse_tokn
from .reasoning import skip_reasoning
from .restyle import plain_row, requote, restyle

__all__ = ["AnswerError", "Fix", "Reading", "read_answer", "FIX_CODES"]

#: Every fix code, with the sentence that opens its message.
FIX_CODES: dict[str, str] = {
    "reasoning": "skipped the model's reasoning before its answer",
    "draft": "read the last of several complete documents; the earlier ones are drafts",
    "code-fence": "took the document out of its markdown code fence",
    "prose": "ignored text that is not part of the document",
    "header": "wrote the header as '# TOKN v1'",
    "line-ends": "read lone carriage returns as line ends",
    "comment": "removed comments",
    "blank-line": "removed blank lines inside tables",
    "tabs": "replaced tabs with spaces",
    "indent": "indented rows by two spaces",
    "spaces": "removed white space around fields and pins",
    "quotes": "read typographic quotes as '\"'",
    "wrapped-row": "joined a row wrapped over several lines (a quoted field or a trailing ',' continued deeper indented)",
    "unterminated-quote": "closed a quoted field left open at the end of its line",
    "table-header": "read a loosely written table header",
    "row-count": "counted the rows (the header's [N] disagreed)",
    "missing-fields": "left missing trailing fields of a row empty",
    "extra-fields": "dropped fields after a row's last column (empty, or in component and pin-table rows)",
    "column-row": "dropped a row that names the table's columns (under a header without columns: its columns)",
    "unquoted-list": "read a net's pins written as several fields as one list",
    "grouped-refs": "wrote one row per part of a component row listing several references (as a bill of materials groups them)",
    "duplicate-row": "dropped component rows given again word for word (the same part said twice)",
    "pin-columns": "read the third field of pin-table rows as the pin type",
    "merged-table": "merged a table given twice",
    "geometry": "ignored drawing coordinates (the decoder places the parts)",
    "not-points": "dropped wires whose points are not points",
    "markup": "removed markdown markup around a table header or the title",
    "characters": "read look-alike spaces and punctuation as ASCII (no-break and zero-width spaces, full-width commas)",
    "second-title": "kept the first title line and dropped the others",
    "case": "read table names, column names and keys written with capitals",
    "md-table": "read a markdown table as a TOKN table",
    "yaml-nets": "read 'NAME: pins' lines (under 'nets:' or a nets table's header) as the nets table's rows",
    "wire-list": "read connections written as wires between pins (R1.2 -> D1.2) as nets",
    "list-items": "read list items of 'key: value' lines (TOON's and YAML's lists of objects) as a table's rows",
    "bullets": "removed list bullets before rows",
    "ellipsis": "dropped a row that only says rows were left out",
    "joined-blocks": "joined the parts of the document given in several code blocks",
    "split-value": "read the fields between a row's value and its footprint as the value's (a rating "
                   "column, 100nF,50V; a decimal comma, 4,7uF)",
    "footprint-comma": "read a footprint name with a decimal comma, written without quotes, as one field",
    "corrected-table": "read a table given again after text that says it corrects it, instead of the earlier one",
    "single-quotes": "read single-quoted fields as quoted",
    "brackets": "read a pin list in brackets as one quoted list",
    "semicolons": "read ';' between a net's pins as ','",
    "pin-notes": "dropped notes in parentheses after pin references (the pin number is read)",
}


@dataclass
class Fix:
    """One kind of normalisation and where it was made: 1-based ``lines`` of the answer
    (:attr:`where` says them: ``lines 3, 5-7``); ``notes`` say what changed where it is
    worth saying (``nets[8] has 7``)."""
    code: str
    lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        msg = FIX_CODES[self.code]
        return msg + ": " + "; ".join(self.notes) if self.notes else msg

    @property
    def where(self) -> str:
        return where_lines(self.lines)


def where_lines(lines: list[int]) -> str:
    """``line 3`` / ``lines 3, 5-7`` (ranges of consecutive numbers)."""
    if not lines:
        return ""
    nums = sorted(set(lines))
    runs: list[str] = []
    start = prev = nums[0]
    for n in nums[1:] + [None]:               # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ("line " if len(nums) == 1 else "lines ") + ", ".join(runs)


@dataclass
class Reading:
    """What :func:`read_answer` made of an answer.

    ``document``: the parsed document, or None when ``error`` is set.  ``text``: the strict
    TOKN text handed to the parser (None when no document was found).  ``fixes``: every
    normalisation, in :data:`FIX_CODES` order.  ``found``: a TOKN document was found at all.
    ``line_of``: the answer's line of each line of ``text``.
    """
    document: Document | None
    text: str | None
    fixes: list[Fix]
    error: ToknError | None = None
    found: bool = True
    line_of: list[int] = field(default_factory=list)   # answer line (1-based) of each line of text


# ---- the reader -------------------------------------------------------------------------

_TYPO_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})
_TABLE_START = re.compile(r"^[A-Za-z_]\w*\s*[\[{]")
#: (Each blank run has one place to go, so a header holding thousands of blanks is read in
#: linear time: two ``\s*`` side by side around an absent group made it quadratic.)
_TABLE_HEAD = re.compile(
    r"^(?P<key>[A-Za-z_]\w*)\s*(?:\{(?P<ref>[^{}]*)\}\s*)?\[\s*(?:(?P<n>\d+)\s*)?"
    r"(?:(?P<words>[A-Za-z](?:[\w ]*\w)?)\s*)?\]\s*(?:\{(?P<cols>[^{}]*)\}\s*)?(?P<colon>:?)(?P<rest>.*)$")
# A pin table header without its [N]: pins{U1}: or pins{U1}{num,name,type}:
_PINS_NO_COUNT = re.compile(
    r"^(?P<key>pins)\s*\{(?P<ref>[^{}]*)\}(?P<n>)\s*(?:\{(?P<cols>[^{}]*)\})?\s*(?P<colon>:?)(?P<rest>.*)$")
# A table header without its [N]: nets{name,pins}:
_TABLE_HEAD_NO_COUNT = re.compile(
    r"^(?P<key>[A-Za-z_]\w*)(?P<ref>)(?P<n>)\s*\{(?P<cols>[^{}]*)\}\s*(?P<colon>:?)(?P<rest>.*)$")
# A components or nets header with neither count nor columns: components:
_BARE_HEAD = re.compile(r"^(?P<key>components|nets)(?P<ref>)(?P<n>)(?P<cols>)\s*(?P<colon>:)(?P<rest>.*)$")
#: Columns of a components table written without them, by the number of fields in its rows.
_COMPONENT_COLUMNS = ("ref", "type", "value", "fp")
#: Names models give a nets table written as a pin's net per row (``connections[7]{pin,net}:``).
_NETS_NAMES = ("connections", "connection", "netlist", "wiring", "pinout_nets", "pin_nets")
_SCALAR = re.compile(r"^[A-Za-z_]\w*:( |$)")
_KNOWN_SCALARS = ("title:", "extensions[")
_COMMENT_START = ("#", "//", ";")
_ESCAPED_BODY = re.compile(r'(?:[^"\\]|\\["\\ntr])*')        # inside a quoted field
_GEOMETRY = ("x", "y", "w", "h", "a")
_PIN_WORD_GAP = re.compile(r"(?<=\w)[ \t]+pin[ \t]*(?=\w)", re.I)     # the gap in "U1 pin 8"
#: A note in parentheses after a pin reference: "U1.8 (VCC)", "U1.3(OUT)" (not "U1(8)").
_PIN_NOTE = re.compile(r"(?<![A-Za-z])(?P<pin>[A-Za-z][A-Za-z0-9_]*[.:-][A-Za-z0-9_+~/-]+)[ \t]*\((?P<note>[^(),]*)\)")


def read_answer(answer: str, path: str | None = None) -> Reading:
    """Read the TOKN document in an LLM ``answer`` tolerantly (see the module doc).

    Never raises for a bad answer: a problem the normalisations cannot remove is returned as
    ``Reading.error``, a :class:`~tokn.errors.ToknSyntaxError` or
    :class:`~tokn.errors.ToknSemanticError` with ``path`` and the answer's line and column;
    an answer without any document gives a ToknSyntaxError at 1:1 and ``found`` False.
    """
    r = _Reader(answer)
    lines = r.read()
    if r.error is not None:
        return Reading(None, None, r.fixes(), r.error)
    if lines is None:
        kind = kicad_file_kind(answer)
        return Reading(None, None, r.fixes(), ToknSyntaxError(
            "no TOKN document found (expected a line '# TOKN v1')"
            + (f": the text is {kind}, not TOKN" if kind else ""), path, 1, 1), found=False)
    text = "\n".join(t for t, _ in lines) + "\n"
    line_of = [i + 1 for _, i in lines]
    try:
        doc = parse_tokn(text, path)
    except (ToknSyntaxError, ToknSemanticError) as e:
        return Reading(None, text, r.fixes(), _relocate(e, lines, r.orig), line_of=line_of)
    return Reading(doc, text, r.fixes(), line_of=line_of)


def _relocate(e: ToknError, lines: list[tuple[str, int]], raw: list[str]) -> ToknError:
    """``e`` located on the answer's line; when the line was normalised, the message says
    how it was read (the column counts in that reading)."""
    if e.line is None or not 0 < e.line <= len(lines):
        return e
    read_as, orig = lines[e.line - 1]
    msg = e.message
    if orig < len(raw) and raw[orig].rstrip() != read_as:
        msg += f" (line read as {read_as[:120]!r})"
    return type(e)(msg, e.path, orig + 1, e.col)


@dataclass
class _Table:
    """A table as written: header line, key, columns, rows (fields) with their lines."""
    line: int                                # 0-based line of the header
    key: str
    ref: str | None                          # pins{REF}
    count: int | None
    cols: list[str] | None                   # None: pins table without {columns}
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    raw_rows: list[tuple[int, str]] = field(default_factory=list)   # rows kept verbatim
    merged: bool = False                     # given twice, rows of both in ``rows``
    #: given again after text that says it corrects it: (0-based line of that header, its
    #: count); its rows replace those before it when they give a row again (see write_table)
    again: tuple[int, int | None] | None = None


@dataclass(frozen=True)
class _Line:
    """One line of the document body as :meth:`_Reader.body` looks at it."""
    i: int                                   # 0-based answer line
    s: str                                   # tabs made spaces, trailing spaces removed
    st: str                                  # ``s`` without its leading spaces either
    trailing: bool                           # white space at the end of a line that is kept

    @classmethod
    def of(cls, line: str, i: int) -> "_Line":
        """Line ``i`` whose text, tabs already made spaces, is ``line``."""
        s = line.rstrip(" ")
        st = s.strip(" ")
        return cls(i, s, st, bool(st) and s != line)


@dataclass
class _Body:
    """What :meth:`_Reader.body` has read so far."""
    tables: list[_Table] = field(default_factory=list)
    items: list[object] = field(default_factory=list)      # _Table or (text, line) in document order
    table: _Table | None = None                             # the table rows go to
    pending: list[tuple[str, int]] = field(default_factory=list)   # blank/comment lines since the last row
    seen_table: bool = False
    interrupted: bool = False                               # prose since the table's last row

    def continues_scalar(self) -> bool:
        """Whether the next line continues a v1.2 multi-line bare scalar (the last item is
        a ``key: value`` line ending in a backslash)."""
        last = self.items[-1] if self.items else None
        return isinstance(last, tuple) and last[0].endswith("\\") and bool(_SCALAR.match(last[0]))


class _Reader:
    def __init__(self, answer: str) -> None:
        self._fixes: dict[str, Fix] = {}
        self.error: ToknError | None = None   # the answer cannot be read as one document
        self.drafts: set[int] = set()         # 0-based lines of earlier documents skipped as drafts
        self._pin_parts: set[str] | None = None    # see pin_parts()
        thought = skip_reasoning(answer.lstrip("\ufeff"))
        text = thought.text
        if thought.lines:
            self.fix("reasoning", *thought.lines,
                     note=f"<{thought.unclosed}> is never closed: the answer is all reasoning"
                     if thought.unclosed else None)
        ends = [m.group() for m in re.finditer(r"\r\n|\r|\n", text)]
        if "\r" in ends:
            self.fix("line-ends", *[i + 1 for i, e in enumerate(ends) if e == "\r"])
        self.orig = re.split(r"\r\n|\r|\n", text)
        styled = restyle(self.orig)          # markdown tables, YAML nets, bullets...: TOKN lines
        self.raw, self.dropped = styled.lines, styled.dropped
        self.tables_twice = styled.tables_twice
        for code, i, note in styled.fixes:
            self.fix(code, i + 1, note=note)

    def fix(self, code: str, *lines: int, note: str | None = None) -> None:
        f = self._fixes.setdefault(code, Fix(code))
        f.lines.extend(lines)
        if note and note not in f.notes:
            f.notes.append(note)

    def fixes(self) -> list[Fix]:
        order = list(FIX_CODES)
        return sorted(self._fixes.values(), key=lambda f: order.index(f.code))

    # -- where the document is -------------------------------------------------------------
    def read(self) -> list[tuple[str, int]] | None:
        """The strict lines of the document, each with its 0-based answer line; None when
        there is no document."""
        raw = [ln.rstrip(" \t") for ln in self.raw]
        if self.tables_twice is not None:
            self.error = _table_twice(raw, *self.tables_twice)
            return None
        lo, hi = 0, len(raw)
        block = fenced_block_range(raw)
        docs, fenced = _documents(raw)
        complete = [d for d in docs if _complete(raw[d[1]:d[2]])]
        if len(complete) > 1 and (fenced or block is None):   # a draft, then the document again
            last = complete[-1]
            self.error = _several_designs(raw, complete, fenced)
            if self.error is not None:
                return None
            for d in docs[:docs.index(last)]:
                end = d[2] + 1 if fenced and d[2] < len(raw) else d[2]      # a block's closing fence
                self.drafts.update(i for i in range(d[0], end) if raw[i].strip())
            self.fix("draft", *[i + 1 for i in sorted(self.drafts)], note=f"read the one from line {last[0] + 1}")
            if fenced:
                block = last
            else:
                lo = last[0]
        if block is not None:
            fence, lo, hi = block
            self.fix("code-fence", fence + 1, *([hi + 1] if hi < len(raw) else []))
            self.prose(raw, 0, fence)
            self.prose(raw, hi + 1, len(raw))
        elif lo:
            self.prose(raw, 0, lo)
        rel, header = find_start(raw[lo:hi])
        if rel is None:
            return None
        start = lo + rel
        self.prose(raw, lo, start)
        out: list[tuple[str, int]] = []
        if header is not None:
            after = _HEADER.match(self.raw[start].strip()).group("after")     # type: ignore[union-attr]
            if self.raw[start] != header:
                self.fix("header", start + 1, note=f"dropped {after!r} after it" if after else None)
            out.append((header, start))
            start += 1
        else:
            self.fix("header", start + 1, note="it was missing")
            out.append(("# TOKN v1", start))
        end = self.body(start, hi, out)
        self.prose(raw, end, hi)
        return out

    def prose(self, raw: list[str], a: int, b: int) -> None:
        lines = [i + 1 for i in range(a, b) if raw[i].strip() and i not in self.drafts]
        if lines:
            self.fix("prose", *lines)

    # -- the document's lines ---------------------------------------------------------------
    def body(self, start: int, hi: int, out: list[tuple[str, int]]) -> int:
        """Read lines ``start``..``hi`` into ``out``; returns where the document ended."""
        b = _Body()
        i = start
        while i < hi:
            if i in self.dropped:            # no part of the document, already reported
                i += 1
                continue
            line = self.untabbed(i)
            if b.continues_scalar():
                b.items.append((line, i))    # continuation of a v1.2 multi-line bare scalar
            elif b.table is not None and (end := self.wrapped(i, hi, line)) is not None:
                line, more = end
                self.fix("wrapped-row", i + 1, *[k + 1 for k in more])
                self.body_line(b, _Line.of(line, i))
                i = more[-1] + 1
                continue
            else:
                ln = _Line.of(line, i)
                if _HEADER.match(ln.st) or _FENCE.match(ln.s):
                    break                    # a second document, or a closing fence
                self.body_line(b, ln)
            i += 1
        for it in b.items:
            if isinstance(it, _Table):
                out.extend(self.write_table(it))
            else:
                out.append(it)               # type: ignore[arg-type]
        return i

    def wrapped(self, i: int, hi: int, line: str) -> tuple[str, list[int]] | None:
        """A row wrapped over several lines: row ``line`` (answer line ``i``) left open -- a
        quoted field not closed, or a trailing ``,`` -- and continued on the lines after it,
        each indented deeper than it, up to the one that closes it.  The joined row and the
        continuation lines; None for none."""
        if not _open_row(line) or not line.strip() or line.lstrip().startswith(_COMMENT_START):
            return None
        indent = len(line) - len(line.lstrip(" "))
        joined, more = line.rstrip(" "), []
        k = i + 1
        while k < hi and k not in self.dropped and k - i <= 20:
            nxt = self.raw[k].replace("\t", "  ").rstrip(" ")
            if not nxt.strip() or len(nxt) - len(nxt.lstrip(" ")) <= indent or _HEADER.match(nxt.strip()):
                return None
            piece = nxt.strip()
            joined += piece if joined.endswith(",") or piece.startswith(",") else " " + piece
            more.append(k)
            if not _open_row(joined):
                for j in more:
                    self.untabbed(j)         # tabs in the continuation: reported
                return joined, more
            k += 1
        return None

    def untabbed(self, i: int) -> str:
        """Answer line ``i`` (0-based; "" past the end) with its tabs made spaces (leading
        tabs two spaces each, others one), reported as ``tabs``."""
        line = self.raw[i] if i < len(self.raw) else ""
        if "\t" in line:
            self.fix("tabs", i + 1)
            line = re.sub(r"^\t+", lambda m: "  " * len(m.group()), line).replace("\t", " ")
        return line

    def body_line(self, b: _Body, ln: _Line) -> None:
        """One line of the document (not a continuation, header or fence) into ``b``: kept
        for later (blank, comment), a row, a table header, a scalar, or reported as prose."""
        if not ln.st:
            b.pending.append(("blank", ln.i))
        elif ln.st.startswith(_COMMENT_START):
            self.comment_line(b, ln)
        elif b.table is not None and ln.s.startswith(" ") and not _indented_header(ln.st):
            if b.interrupted and not plain_row(ln.st, b.table.key if b.table.ref is None else "pins"):
                self.fix("prose", ln.i + 1)  # indented text after prose that ended the rows
                return
            self.table_row(b, ln)            # indented: a row, whatever it holds
        else:
            head = _table_head(ln.st)
            if head is not None and _is_table_header(head):
                self.open_table(b, head, ln)
            elif head is None and _TABLE_START.match(ln.st) and not _SCALAR.match(ln.st):
                b.items.append((ln.st, ln.i))    # a broken table header: the strict reader says why
                b.table, b.pending = None, []
                b.seen_table = True
            elif _SCALAR.match(ln.s) or head is not None:     # key: value, or an inline array
                self.scalar_line(b, ln)
            elif b.table is not None and (plain_row(ln.st, b.table.key if b.table.ref is None else "pins")
                                          or not b.table.rows and _names_columns(ln.st, b.table)):
                self.table_row(b, ln)
            elif ln.s.startswith(" "):
                b.items.append((ln.s, ln.i))     # a row outside any table: the strict reader says so
            else:
                self.fix("prose", ln.i + 1)
                b.interrupted = b.table is not None

    def comment_line(self, b: _Body, ln: _Line) -> None:
        """A comment line: kept pending (``#`` at the start of the line: a strict comment,
        reported only if it turns out to sit between two rows), or reported at once."""
        if ln.s != ln.st or not ln.st.startswith("#"):
            self.fix("comment", ln.i + 1)
            b.pending.append(("reported", ln.i))
        else:
            b.pending.append(("comment", ln.i))

    def table_row(self, b: _Body, ln: _Line) -> None:
        """``ln`` as a row of the current table (see :meth:`take_row`)."""
        assert b.table is not None
        self.take_row(b.table, b.pending, ln.s, ln.st, ln.i, ln.trailing)
        b.pending = []
        b.interrupted = False

    def open_table(self, b: _Body, head: re.Match, ln: _Line) -> None:
        """A table header: the table its rows go to from now on; a table given again with
        the same columns is the earlier one (``merged-table``)."""
        new = self.header(head, ln.s, ln.st, ln.i)
        if ln.trailing:
            self.fix("spaces", ln.i + 1)
        prev = next((t for t in b.tables if t.key == new.key and t.ref == new.ref), None)
        if prev is not None and prev.cols == new.cols:
            last = max([prev.line] + [i for i, _ in prev.rows] + [i for i, _ in prev.raw_rows])
            gap = [g for g in self.raw[last + 1:ln.i] if g.strip()]
            if prev.again is None and any(CORRECTION.search(g) for g in gap) \
                    and not any(ALTERNATIVE.search(g) for g in gap):
                prev.again = (ln.i, new.count)   # merged, or read instead: write_table decides
            else:
                self.fix("merged-table", ln.i + 1, note=f"{_name(new)} given again")
                prev.merged = True
            b.table = prev
        else:
            b.table = new
            b.tables.append(new)
            b.items.append(new)
        b.seen_table = True
        b.pending = []
        b.interrupted = False

    def scalar_line(self, b: _Body, ln: _Line) -> None:
        """``key: value`` or an inline array: kept (ending the current table), unless it
        follows the tables and is no known scalar ("Note: ..."), which is prose."""
        if b.seen_table and not ln.s.startswith(_KNOWN_SCALARS):
            self.fix("prose", ln.i + 1)
        elif ln.s.startswith("title:") and any(s.startswith("title:") for s, _ in b.items):
            self.fix("second-title", ln.i + 1)
        else:
            if ln.s != self.raw[ln.i]:
                self.fix("spaces", ln.i + 1)
            b.items.append((ln.s, ln.i))
            b.table = None
        b.pending = []

    def take_row(self, table: _Table, pending: list[tuple[str, int]], s: str, st: str, i: int,
                 trailing: bool) -> None:
        """Line ``i`` as a row of ``table``: the blank and comment lines before it go, its
        indent and trailing spaces are reported."""
        self.close_gap(pending)
        if not s.startswith("  ") or s.startswith("   "):
            self.fix("indent", i + 1)
        if trailing:
            self.fix("spaces", i + 1)
        self.row(table, st, i)

    def close_gap(self, pending: list[tuple[str, int]]) -> None:
        """Blank and comment lines between two rows of one table: removed, reported."""
        for kind, i in pending:
            if kind == "blank":
                self.fix("blank-line", i + 1)
            elif kind == "comment":
                self.fix("comment", i + 1)

    def header(self, m: re.Match, s: str, st: str, i: int) -> _Table:
        n = i + 1
        rest = m.group("rest").strip()
        if rest:
            self.fix("comment", n)
        if s != st:
            self.fix("indent", n)
        key, ref, cols = m.group("key"), m.group("ref") or None, m.group("cols") or None
        loose = not m.group("colon") or not m.group("n") or bool(m.groupdict().get("words"))
        if ref is not None:
            ref = ref.translate(_TYPO_QUOTES).strip()
            ref = V.unquote(ref) if len(ref) >= 2 and ref[0] == ref[-1] == '"' else ref
        columns = None
        if cols is not None:
            columns = [c.strip() for c in cols.split(",")]
            if any(c != raw for c, raw in zip(columns, cols.split(","))):
                loose = True
            if key.lower() in _NETS_NAMES and ref is None and {"name", "pins"} <= set(self.aliased("nets", columns)):
                self.fix("table-header", n, note=f"{key} read as nets")   # connections[7]{pin,net}: U1.1,VIN
                key = "nets"
            columns = self.aliased(key, columns, n)
        strict = re.sub(r"\s*(#|//|;).*$", "", st) if rest else st
        if re.search(r"\s", strict.replace(m.group("ref") or "", "")):
            loose = True
        if loose:
            self.fix("table-header", n)
        count = int(m.group("n")) if m.group("n") else None
        return _Table(i, key, ref, count, columns)

    def aliased(self, key: str, columns: list[str], n: int | None = None) -> list[str]:
        """``columns`` with the names models use read as the format's (``designator`` ->
        ``ref``; not when the header has that column too), reported on line ``n`` (None:
        not reported)."""
        aliases = T.COLUMN_ALIASES.get(key, {})
        written = {c.lower() for c in columns}
        out, said = [], []
        for c in columns:
            ours = aliases.get(c.lower())
            if ours is not None and ours not in written:
                out.append(ours)
                said.append(f"{c} as {ours}")
            else:
                out.append(c)
        if said and n is not None:
            self.fix("table-header", n, note="columns " + ", ".join(said))
        return out

    def row(self, table: _Table, st: str, i: int) -> None:
        n = i + 1
        body = st.translate(_TYPO_QUOTES)
        if body != st:
            self.fix("quotes", n)
        body, codes = requote(body, nets=table.key == "nets" and table.ref is None)
        for code in codes:
            self.fix(code, n)
        fields = _split(body)
        if fields is None:
            table.raw_rows.append((i, "  " + st))
            table.rows.append((i, []))
            return
        values, notes = fields
        for code in notes:
            self.fix(code, n)
        table.rows.append((i, values))

    # -- writing a table in strict form -----------------------------------------------------
    def write_table(self, t: _Table) -> list[tuple[str, int]]:
        if t.again is not None:
            self.corrected(t)
        raw_rows = {i: text for i, text in t.raw_rows}
        if t.key == "wires" and t.ref is None:
            return self.drop_wires(t)
        cols = list(t.cols) if t.cols is not None else None
        rows = [(i, list(f)) for i, f in t.rows]
        spec = T.TABLES.get(t.key) if t.ref is None else (T.PINS_TABLE if t.key == "pins" else None)
        if spec is not None and rows and rows[0][0] not in raw_rows:
            cols, rows = self.column_row(t, spec, cols, rows)
        given = len(rows)                    # the rows as written (grouped references counted once)
        if cols is None and spec in (T.COMPONENTS, T.NETS):
            cols = self.bare_columns(t, spec, rows, raw_rows)
            if cols is None:          # not plainly rows: written as is, for the strict error
                return [(f"{t.key}:", t.line)] + [(raw_rows.get(i, "  " + _row_text(f)), i) for i, f in t.rows]
        if spec is not None and (cols is not None or spec is T.PINS_TABLE):
            eff = cols if cols is not None else list(T.PINS_DEFAULT_COLUMNS)
            if cols is None and rows and all(len(f) >= 3 for i, f in rows if i not in raw_rows) \
                    and any(i not in raw_rows for i, _ in rows):
                cols = eff = ["num", "name", "type"]
                self.fix("pin-columns", t.line + 1)
            rows = [(i, f if i in raw_rows else self.fit(spec, eff, f, i)) for i, f in rows]
            if spec is T.COMPONENTS:
                cols, rows = self.drop_geometry(t, eff, rows, raw_rows)
                if "ref" in eff:
                    rows = self.grouped_refs(t, eff.index("ref"), rows, raw_rows)
                rows = self.repeated_rows(t, rows, raw_rows)
            elif spec is T.NETS and "pins" in eff:
                at = eff.index("pins")
                rows = [(i, f if i in raw_rows or len(f) != len(eff) else self.pin_list(f, at, i))
                        for i, f in rows]
            elif spec is T.PINS_TABLE and t.merged:
                rows = self.first_pin_rows(t, eff, rows, raw_rows)
        written = len(rows)
        if t.count is not None and t.count not in (written, given):
            self.fix("row-count", t.line + 1, note=f"{_name(t)}[{t.count}] has {written}")
        elif t.count is None:
            self.fix("row-count", t.line + 1, note=f"{_name(t)} has {written}")
        head = t.key
        if t.ref is not None:
            head += "{" + V.quote_key(t.ref) + "}"
        head += f"[{written}]"
        if cols is not None:
            head += "{" + ",".join(cols) + "}"
        out = [(head + ":", t.line)]
        for i, f in rows:
            out.append((raw_rows[i], i) if i in raw_rows else (_row_text(f), i))
        return out

    def corrected(self, t: _Table) -> None:
        """A table given again after text that says it corrects it ("Wait, C2.2 belongs to
        GND. Corrected nets:"): when its rows give a row of the earlier again (a net, part or
        pin of the same name), they are the table and the earlier rows are dropped
        [``corrected-table``]; else they continue it [``merged-table``]."""
        at, count = t.again                  # type: ignore[misc]
        t.again = None
        key = 0
        if t.cols is not None:
            key = next((t.cols.index(c) for c in ("name", "ref", "num") if c in t.cols), 0)
        before = [(i, f) for i, f in t.rows if i < at]
        after = [(i, f) for i, f in t.rows if i > at]
        names = {f[key].strip() for _, f in before if len(f) > key}
        if not any(len(f) > key and f[key].strip() in names for _, f in after):
            self.fix("merged-table", at + 1, note=f"{_name(t)} given again")
            t.merged = True
            return
        dropped = [t.line] + [i for i, _ in before] + [i for i, _ in t.raw_rows if i < at]
        self.fix("corrected-table", *[i + 1 for i in sorted(dropped)], note=f"replaced by the table at line {at + 1}")
        t.rows, t.raw_rows = after, [(i, r) for i, r in t.raw_rows if i > at]
        t.line, t.count = at, count

    def column_row(self, t: _Table, spec: T.Table, cols: list[str] | None, rows: list) -> tuple[list[str] | None, list]:
        """A first row that names the table's columns (``ref,type,value`` again under
        ``components[3]{ref,type,value}:``, or CSV's header line under ``components:``):
        dropped, and under a header without columns, its names are the columns."""
        i, f = rows[0]
        aliases = T.COLUMN_ALIASES.get(t.key, {})
        names = [aliases.get(x.strip().lower(), x.strip().lower()) for x in f]
        known = {c.name for c in spec.columns}
        if not all(names) or len(set(names)) != len(names) or not set(names) <= known:
            return cols, rows
        if cols is not None and names != cols:
            return cols, rows
        if cols is None and spec is not T.PINS_TABLE and not set(T.required(spec)) <= set(names):
            return cols, rows
        note = f"{_name(t)}: {','.join(f)}" + ("" if cols is not None else " read as its columns")
        self.fix("column-row", i + 1, note=note)
        return (cols if cols is not None else names), rows[1:]

    def bare_columns(self, t: _Table, spec: T.Table, rows: list, raw_rows: dict) -> list[str]:
        """The columns of a ``components:`` / ``nets:`` table written without them: nets
        ``name,pins``; components ``ref,type,value[,fp]`` as far as its rows go.  None when
        a row's first field holds ``:`` (``VIN: U1.1``: not a CSV row)."""
        if any(":" in f[0] for i, f in rows if f and i not in raw_rows):
            return None
        if spec is T.NETS:
            cols = ["name", "pins"]
        else:
            longest = max((len(f) for i, f in rows if i not in raw_rows), default=3)
            cols = list(_COMPONENT_COLUMNS[:max(2, min(longest, len(_COMPONENT_COLUMNS)))])
        self.fix("table-header", t.line + 1, note=f"{t.key} without columns read as {{{','.join(cols)}}}")
        return cols

    def fit(self, spec: T.Table, cols: list[str], f: list[str], i: int) -> list[str]:
        """Fields of one row made to fit ``cols`` where the intent is plain."""
        n = i + 1
        if len(f) > len(cols) and not any(f[len(cols):]):
            self.fix("extra-fields", n)      # C1,C,10k,  -- a trailing comma
            f = f[:len(cols)]
        if len(f) > len(cols) and spec is T.COMPONENTS and cols[-1] == "fp" and "value" in cols \
                and cols.index("value") == len(cols) - 2 and _FOOTPRINT_ID.fullmatch(f[-1].strip()) \
                and not _FOOTPRINT_ID.fullmatch(f[len(cols) - 1].strip()):
            # C1,C,100nF,50V,Capacitor_SMD:C_0603_1608Metric (a rating column); C1,C,4,7uF,... (a
            # decimal comma): the fields before the footprint are the value's
            k = len(cols) - 2
            value = f[k].strip()
            for x in f[k + 1:-1]:
                x = x.strip()
                value += ("," if value.isdigit() and x[:1].isdigit() else " ") + x
            self.fix("split-value", n, note=f"line {n}: value {value!r}, footprint {f[-1].strip()!r}")
            return f[:k] + [value, f[-1]]
        if len(f) > len(cols) and spec is T.COMPONENTS and cols[-1] == "fp" and _decimal_comma(f[len(cols) - 1:]):
            # J2,Conn_01x05,RS485,Connector_Phoenix_MC:PhoenixContact_MC_1,5_5-G-3.81_1x05_P3.81mm_Horizontal
            fp = ",".join(f[len(cols) - 1:])
            self.fix("footprint-comma", n, note=f"line {n}: {fp}")
            return f[:len(cols) - 1] + [fp]
        if len(f) > len(cols) and (spec is T.COMPONENTS and "x" not in cols or spec is T.PINS_TABLE):
            # U1,LM7805,LM7805,TO-220,"5V regulator" (with v1.2's x..a columns the strict
            # reader joins an unquoted type holding commas instead)
            self.fix("extra-fields", n, note="line %d: %s" % (n, ", ".join(repr(x) for x in f[len(cols):] if x)))
            f = f[:len(cols)]
        if len(f) > len(cols) and spec is T.NETS and cols[-1] == "pins" and len(cols) >= 2:
            self.fix("unquoted-list", n)
            return f[:len(cols) - 1] + [",".join(f[len(cols) - 1:])]
        if len(f) < len(cols):
            required = set(T.required(spec))
            if not any(c in required for c in cols[len(f):]):
                self.fix("missing-fields", n)
                return f + [""] * (len(cols) - len(f))
        return f

    def grouped_refs(self, t: _Table, at: int, rows: list, raw_rows: dict) -> list:
        """Component rows whose reference field lists several parts of one kind, as a bill of
        materials groups them (``"C1,C2",C,10uF``, ``C1, C2``, ``R1-R4``): one row per
        reference, the other fields copied, the header counting them [``grouped-refs``, on
        the row and the header]."""
        out = []
        for i, f in rows:
            refs = None if i in raw_rows or len(f) <= at else _ref_group(f[at])
            if refs is not None and f[at].strip() in self.pin_parts():
                refs = None                  # SW1-2 is one part when the nets name SW1-2.1
            if refs is None:
                out.append((i, f))
                continue
            self.fix("grouped-refs", t.line + 1, i + 1, note=f"{f[at]!r} -> {', '.join(refs)}")
            out.extend((i, f[:at] + [r] + f[at + 1:]) for r in refs)
        return out

    def repeated_rows(self, t: _Table, rows: list, raw_rows: dict) -> list:
        """Component rows equal, field for field, to an earlier row: the same part said twice
        (a model repeating its rows), dropped [``duplicate-row``].  Rows of one reference
        that differ in any field are kept, for the validator to judge."""
        seen: set[tuple[str, ...]] = set()
        out = []
        for i, f in rows:
            key = tuple(f)
            if i not in raw_rows and key in seen:
                self.fix("duplicate-row", i + 1, note=f"{_name(t)}: {f[0] if f else ''}")
                continue
            seen.add(key)
            out.append((i, f))
        return out

    def pin_parts(self) -> set[str]:
        """What the answer's pin references (``SW1-2.1``: a word with a dot and something
        after it) name before their first dot: a part's reference as written (computed once)."""
        if self._pin_parts is None:
            words = re.split(r"[\s,;\"'()\[\]{}|]+", "\n".join(self.raw))
            self._pin_parts = {w.split(".", 1)[0] for w in words if "." in w and not w.endswith(".")}
        return self._pin_parts

    def pin_list(self, f: list[str], at: int, i: int) -> list[str]:
        """A net's pin list with items split at commas, semicolons or white space, empty items
        dropped; ``U1 pin 8`` stays one item (for :mod:`tokn.generate.netfix` to read)."""
        if ";" in f[at]:
            self.fix("semicolons", i + 1)
        for m in _PIN_NOTE.finditer(f[at]):  # U1.8 (VCC): the pin's name, said again
            self.fix("pin-notes", i + 1, note=m.group(0))
        joined = _PIN_WORD_GAP.sub(lambda m: "\0" + m.group(0).strip() + "\1", _PIN_NOTE.sub(r"\g<pin>", f[at]))
        items = [p.replace("\0", " ").replace("\1", " ") for p in re.split(r"[,; \t]+", joined) if p]
        text = ",".join(items)
        if text != _PIN_NOTE.sub(r"\g<pin>", f[at]).replace(";", ","):
            self.fix("spaces", i + 1)
        return f[:at] + [text] + f[at + 1:]

    def first_pin_rows(self, t: _Table, cols: list[str], rows: list, raw_rows: dict) -> list:
        """Rows of a pin table given twice: a pin given again is dropped (the first row wins)."""
        at = cols.index("num") if "num" in cols else 0
        seen: set[str] = set()
        out = []
        for i, f in rows:
            if i not in raw_rows and len(f) > at:
                if f[at] in seen:
                    self.fix("merged-table", i + 1, note=f"{_name(t)}: kept the first row of each pin")
                    continue
                seen.add(f[at])
            out.append((i, f))
        return out

    def drop_geometry(self, t: _Table, cols: list[str], rows: list, raw_rows: dict) -> tuple[list[str], list]:
        drop = [k for k, c in enumerate(cols) if c in _GEOMETRY]
        if not drop:
            return cols, rows
        lines = [i + 1 for i, f in rows if i not in raw_rows and len(f) == len(cols)
                 and any(f[k].strip() for k in drop)]
        if lines:
            self.fix("geometry", t.line + 1, *lines, note="x,y,w,h,a of components")
        keep = [k for k in range(len(cols)) if k not in drop]
        new_rows = [(i, f if i in raw_rows or len(f) != len(cols) else [f[k] for k in keep]) for i, f in rows]
        if any(i not in raw_rows and len(f) != len(cols) for i, f in rows):
            return cols, rows                # a row that does not fit: the strict reader says so
        return [cols[k] for k in keep], new_rows

    def drop_wires(self, t: _Table) -> list[tuple[str, int]]:
        cols = t.cols or []
        at = cols.index("pts") if "pts" in cols else None
        points, other = [], []
        for i, f in t.rows:
            ok = False
            if at is not None and len(f) == len(cols):
                try:
                    ok = bool(V.parse_points(f[at]))
                except ValueError:
                    ok = False
            (points if ok else other).append(i + 1)
        if points:
            self.fix("geometry", t.line + 1, *points, note=f"{len(points)} wires rows")
        if other:
            self.fix("not-points", *([t.line + 1] if not points else []), *other)
        return []


def _documents(raw: list[str]) -> tuple[list[tuple[int, int, int]], bool]:
    """The documents an answer gives, as ``(first line, first body line, end)`` (0-based;
    ``end`` exclusive), and whether they are fenced: its fenced blocks holding a ``# TOKN``
    header (else those that start a document without one: ``title:``, ``components[N]{``), as :func:`~tokn.doc.extract.fenced_blocks` gives them, or, when no block holds
    one, the ``# TOKN`` header lines, each document running to the next."""
    for start in (_HEADER, _HEADERLESS_START):   # as fenced_block_range prefers them
        blocks = [b for b in fenced_blocks(raw) if any(start.match(ln.strip()) for ln in raw[b[1]:b[2]])]
        if blocks:
            return blocks, True
    heads = [i for i, ln in enumerate(raw) if _HEADER.match(ln.strip())]
    return [(h, h, nxt) for h, nxt in zip(heads, heads[1:] + [len(raw)])], False


class AnswerError(ToknSemanticError):
    """The answer holds documents, but no one reading of it is certain; ``code`` is the
    finding's code."""
    code = "answer"


class SeveralDesigns(AnswerError):
    """Several complete documents that differ, the last not said to correct the others."""
    code = "several-designs"


def _several_designs(raw: list[str], complete: list[tuple[int, int, int]], fenced: bool) -> AnswerError | None:
    """The error for an answer giving several complete documents that differ, unless the
    text introducing the last one (between it and the one before, and its title) says it
    corrects them ("Wait, ...", "Corrected:", "Final answer") without offering it as an
    alternative ("Option B", "Alternatively, ..."): which circuit the model meant is then
    not certain.  None when the last is to be read."""
    def body(d: tuple[int, int, int]) -> list[str]:
        return [ln.strip() for ln in raw[d[1]:d[2]] if ln.strip() and not ln.strip().startswith(("#", "title:"))]

    last, prev = complete[-1], complete[-2]
    if all(body(d) == body(last) for d in complete):
        return None                          # the same circuit again: nothing to choose
    circuits = [_circuit(raw[d[1]:d[2]]) for d in complete]
    if circuits[-1] is not None and all(c == circuits[-1] for c in circuits):
        return None                          # written differently (a comment, quotes, row order)
    gap_from = prev[2] + 1 if fenced else prev[1] + 1
    words = [(i, raw[i]) for i in range(gap_from, last[0]) if raw[i].strip()
             and not (not fenced and raw[i].startswith((" ", "\t")))]   # unfenced: the rows are no words
    words += [(i, raw[i]) for i in range(last[1], last[2]) if raw[i].strip().startswith(("#", "title:"))
              and not _HEADER.match(raw[i].strip())]
    alt = next(((i, m.group()) for i, ln in words if (m := ALTERNATIVE.search(ln))), None)
    if alt is None and any(CORRECTION.search(ln) for _, ln in words):
        return None
    heads = [next((i for i in range(d[1], d[2]) if _HEADER.match(raw[i].strip())),
                  next((i for i in range(d[1], d[2]) if raw[i].strip()), d[0])) + 1 for d in complete]
    starts = ", ".join(map(str, heads[:-1])) + " and " + str(heads[-1])
    why = (f"offered as alternatives ({alt[1]!r}, line {alt[0] + 1})" if alt is not None
           else "and it does not say that the last one corrects the others")
    return SeveralDesigns(f"the answer gives {len(complete)} different circuits (documents from lines {starts}), "
                          f"{why}: which one is meant is not certain; answer with one complete document, the "
                          "circuit that answers the request", None, heads[-1])


#: A footprint's ``library:name`` (KiCad's characters) ending in a digit, and what follows a
#: decimal comma in such a name: a digit first, then a name's piece with ``_`` or ``-``
#: (``MC_1,5_5-G-3.81_1x05_P3.81mm_Horizontal``, ``MKDS-1,5-2-5.08_1x02_P5.08mm_Horizontal``).
_FOOTPRINT_HEAD = re.compile(r"[A-Za-z0-9_.+-]+:[A-Za-z0-9_.+-]*[0-9]")
#: A footprint's ``library:name`` (KiCad's characters; a decimal comma, ``MC_1,5_5-G``, kept).
_FOOTPRINT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.+-]*:[A-Za-z0-9_.,+-]+")
_FOOTPRINT_TAIL = re.compile(r"[0-9][A-Za-z0-9.+]*[_-][A-Za-z0-9_.+-]*")


def _decimal_comma(fields: list[str]) -> bool:
    """Whether the last fields of a components row are one footprint name cut at its decimal
    commas (KiCad's Phoenix Contact names, ``PhoenixContact_MC_1,5_5-G-3.81_...``): the first a
    ``library:name`` ending in a digit, each next one a digit and more of a name (a rating such
    as ``25V`` or a description is no part of it)."""
    head, *tail = (x.strip() for x in fields)
    return bool(tail) and bool(_FOOTPRINT_HEAD.fullmatch(head)) and all(
        _FOOTPRINT_TAIL.fullmatch(t) for t in tail) and all(x[-1:].isdigit() for x in [head] + tail[:-1])


def _table_twice(raw: list[str], first: int, later: int, alt: tuple[int, str] | None) -> AnswerError:
    """The error for a table given again, other rows, in a later code block that the text
    does not say corrects it (``first``, ``later``: the headers' 0-based lines; ``alt``:
    words offering it as an alternative and their line)."""
    name = raw[later].strip().split("[", 1)[0].strip("*`# ")
    why = (f"offered as an alternative ({alt[1]!r}, line {alt[0] + 1})" if alt is not None
           else "and the text does not say that the later one corrects the earlier")
    return SeveralDesigns(f"the answer gives the {name} table twice, with other rows (lines {first + 1} and "
                          f"{later + 1}), {why}: which one is meant is not certain; answer with one complete "
                          "document, the circuit that answers the request", None, later + 1)


def _circuit(lines: list[str]) -> list | None:
    """What a document among several says, for telling whether two say the same: its tables
    read (this reader, a header added when the lines lack one), rows and a net's pins in
    any order, the title and unknown scalars left out; None when it cannot be read."""
    text = "\n".join(lines) + "\n"
    if not any(_HEADER.match(ln.strip()) for ln in lines):
        text = "# TOKN v1\n" + text
    doc = read_answer(text).document
    if doc is None:
        return None
    out = []
    for f in _dataclass_fields(doc):
        v = getattr(doc, f.name)
        if f.name in ("title", "extra", "lines"):
            continue
        if f.name == "nets":
            out.append(sorted((n.name, sorted(n.pins)) for n in v))
        elif isinstance(v, dict):
            out.append(sorted((k, repr(x)) for k, x in v.items()))
        elif isinstance(v, list):
            out.append(sorted(map(repr, v)))
        else:                           # a scalar the format defines (kicad)
            out.append(repr(v))
    return out


_REF_ITEM = re.compile(r"([A-Za-z]{1,4})(\d{1,4})(?:-(?:\1)?(\d{1,4}))?")
_RANGE_DASH = re.compile(r"(?<=\d)[ \t]*(?:-|\u2013|\.\.)[ \t]*(?=[A-Za-z0-9])")
_REF_GAP = re.compile(r"(?:[,;/&\s]|\band\b)+")


def _ref_group(field: str) -> list[str] | None:
    """The references a reference field lists when it lists several parts of one prefix
    (``C1,C2``, ``C1 & C2``, ``R1-R4``, ``R1–3``; a range of at most 32); None for a single
    reference or anything else."""
    items = [x for x in _REF_GAP.split(_RANGE_DASH.sub("-", field.strip())) if x]
    refs: list[str] = []
    for x in items:
        m = _REF_ITEM.fullmatch(x)
        if m is None or m.group(1) != _REF_ITEM.fullmatch(items[0]).group(1):   # type: ignore[union-attr]
            return None
        a, b = int(m.group(2)), int(m.group(3) or m.group(2))
        if b < a or b - a >= 32:
            return None
        refs.extend(f"{m.group(1)}{k}" for k in range(a, b + 1))
    return refs if len(refs) > 1 and len(set(refs)) == len(refs) else None


def _complete(lines: list[str]) -> bool:
    """Whether ``lines`` hold both a components and a nets table header: a whole circuit."""
    keys = {m.group("key") for ln in lines if (m := _table_head(ln.strip())) is not None and _is_table_header(m)}
    return {"components", "nets"} <= keys


def _table_head(st: str) -> re.Match | None:
    """The table-header match of stripped line ``st``: ``key[N]{cols}:`` (not necessarily
    a header: check :func:`_is_table_header`), else ``nets{name,pins}:`` or ``pins{U1}:``
    without a count; None for none of them."""
    head = _TABLE_HEAD.match(st) if _TABLE_START.match(st) else None
    if head is None and (m := _TABLE_HEAD_NO_COUNT.match(st)) and m.group("key") in T.TABLES \
            and _is_table_header(m):
        head = m                             # nets{name,pins}:
    if head is None and (m := _PINS_NO_COUNT.match(st)) and _is_table_header(m):
        head = m                             # pins{U1}:
    if head is None and (m := _BARE_HEAD.match(st)) and _is_table_header(m):
        head = m                             # components:
    return head


def _indented_header(st: str) -> bool:
    """An indented line that is a whole header of a known table (``  nets[3]{name,pins}:``)
    rather than a row."""
    m = _TABLE_HEAD.match(st)
    return bool(m and m.group("colon") and _is_table_header(m)
                and (m.group("key") in T.TABLES or m.group("key") == "pins"))


def _is_table_header(m: re.Match) -> bool:
    """A ``name[N]{cols}:`` match is a table header when nothing but a comment follows it
    (``extensions[2]: unit,hier`` is an inline array)."""
    rest = m.group("rest").strip()
    return not rest or rest.startswith(_COMMENT_START)


def _open_row(line: str) -> bool:
    """Whether row ``line`` is left open at its end: inside a quoted field, or after a ``,``
    (outside quotes; a comment after white space ends the row)."""
    inside, k, n = False, 0, len(line)
    while k < n:
        c = line[k]
        if inside:
            if c == "\\":
                k += 1
            elif c == '"':
                inside = False
        elif c == '"':
            inside = True
        elif k > 0 and line[k - 1] == " " and line.startswith(_COMMENT_START, k):
            return line[:k].rstrip().endswith(",")
        k += 1
    return inside or line.rstrip().endswith(",")


def _names_columns(st: str, t: _Table) -> bool:
    """Whether ``st`` names columns of table ``t`` (``ref,type,value``: CSV's header line)."""
    spec = T.TABLES.get(t.key) if t.ref is None else T.KEYED.get(t.key)
    if spec is None or "," not in st:
        return False
    aliases = T.COLUMN_ALIASES.get(t.key, {})
    known = {c.name for c in spec.columns}
    return all(aliases.get(x.strip().lower(), x.strip().lower()) in known for x in st.split(","))


def _name(t: _Table) -> str:
    return t.key + ("{" + t.ref + "}" if t.ref is not None else "")


def _row_text(fields: list[str]) -> str:
    if fields == [""]:
        return '  ""'
    return "  " + ",".join(V.quote_field(f) for f in fields)


def _split(body: str) -> tuple[list[str], list[str]] | None:
    """Fields of a row body read tolerantly, and the fix codes that reading needed; None
    when a field cannot be read (text after a closing quote, a bad escape): the row is
    then left for the strict reader to report."""
    fields: list[str] = []
    notes: list[str] = []
    i, n = 0, len(body)
    while True:
        j = i
        while j < n and body[j] == " ":
            j += 1
        if j > i and i > 0:
            notes.append("spaces")
        i = j
        if i < n and body[i] == '"':
            k = i + 1
            while k < n and body[k] != '"':
                k += 2 if body[k] == "\\" else 1
            if k >= n:
                text = body[i:]
                cut = re.search(r" (#|//|;)", text)
                if cut:                      # "U1.7,SW1.1 ; a comment
                    text = text[:cut.start()].rstrip(" ")
                    notes.append("comment")
                text += '"'
                notes.append("unterminated-quote")
                k = n
            else:
                text = body[i:k + 1]
                k += 1
            if not _ESCAPED_BODY.fullmatch(text[1:-1]):
                return None                  # an escape the format does not have
            fields.append(V.unquote(text))
            m = re.match(r"[ ]*", body[k:])
            k += m.end() if m else 0
            if k < n and body[k] != ",":
                if _comment_at(body, k, after_space=m is not None and m.end() > 0):
                    notes.append("comment")
                    return fields, notes
                return None
            if m is not None and m.end() > 0:
                notes.append("spaces")
        else:
            k = i
            while k < n and body[k] != ",":
                if body[k] == '"':
                    return None              # a quote inside a bare field
                if _comment_at(body, k, after_space=k > 0 and body[k - 1] == " "):
                    fields.append(body[i:k].rstrip(" "))
                    notes.append("comment")
                    return fields, notes
                k += 1
            text = body[i:k]
            if text != text.rstrip(" "):
                notes.append("spaces")
            fields.append(text.rstrip(" "))
        if k >= n:
            return fields, notes
        i = k + 1
        if i == n:
            fields.append("")
            return fields, notes


def _comment_at(body: str, k: int, after_space: bool) -> bool:
    return after_space and body.startswith(_COMMENT_START, k)
