"""Reading the symbols of ``.kicad_sym`` text: a regex scanner with an exact fallback.

Contract: :func:`scan_library_text` returns, for every top-level ``(symbol ...)`` of the
text, one :class:`~.records.ScanRecord` (byte span, ``extends``, unit count, power flag,
own properties, own pin count) and its pins (:data:`~.records.PinRow` tuples; None for a
derived symbol, whose pins are its root's).  It raises
:class:`~tokn.errors.LibraryError` / :class:`~tokn.errors.SexprSyntaxError` when the text
is not a readable symbol library.

The scanner (7 s for the KiCad 9 libraries, against 30 s for a full parse) only looks at
the list heads it needs (``symbol``, ``pin``, ``property``, ``extends``, ``power``), knows
the paren depth of each (string atoms with unbalanced parens accounted for), and reads pins
in the order KiCad 6-9 write them.  A pin it cannot read sends its symbol to the exact
:func:`tokn.sexpr.parse` + :func:`tokn.kicad.symbols.parse_lib_symbol` path; a structure
it does not recognise sends the whole file there.  Both paths give the same records
(checked on every KiCad 9 library by ``tests/test_library.py``).
"""
from __future__ import annotations

import re
from itertools import accumulate, compress
from sys import intern
from typing import Iterator

from ...errors import LibraryError
from ...sexpr import parse, parse_lossless, text
from ..symbols import parse_lib_symbol
from .records import PinRow, ScanRecord

_STR = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_ATOM = rf'(?:{_STR}|[^\s()"]+)'
_BARE = r'[^\s()"]+'
_KEY = re.compile(r'\(\s*(symbol|pin|property|extends|power)(?=[\s()])')
_SYMBOL = re.compile(rf'\(\s*symbol\s+({_ATOM})')
# KiCad 9 marks private fields with a bare ``private`` before the name.
_PROPERTY = re.compile(rf'\(\s*property\s+(?:private\s+)?({_ATOM})\s+({_ATOM})')
_EXTENDS = re.compile(rf'\(\s*extends\s+({_ATOM})')
_POWER = re.compile(rf'\(\s*power(?:\s+({_ATOM}))?\s*\)')
# List bodies nested at most 0/1/2 deep, as unrolled loops (linear time).
_L0 = rf'[^()"]*(?:{_STR}[^()"]*)*'
_L1 = rf'[^()"]*(?:(?:{_STR}|\({_L0}\))[^()"]*)*'
_L2 = rf'[^()"]*(?:(?:{_STR}|\({_L1}\))[^()"]*)*'
_EFFECTS = rf'\(\s*effects{_L2}\)'
# A pin's head in the order KiCad 6-9 write it, up to the number atom.  What follows the
# number (its effects, alternates) is only checked not to hold a ``hide`` flag.
_PIN = re.compile(
    rf'\(\s*pin\s+({_ATOM})\s+{_ATOM}\s*'
    rf'\(\s*at\s+({_BARE})\s+({_BARE})(?:\s+({_BARE}))?\s*\)\s*'
    rf'\(\s*length\s+({_BARE})\s*\)\s*'
    rf'(?:(hide)\s*|\(\s*(hide)(?:\s+({_ATOM}))?\s*\)\s*)?'
    rf'\(\s*name\s+({_ATOM})\s*(?:{_EFFECTS}\s*)?\)\s*'
    rf'\(\s*number\s+({_ATOM})')
#: ``<name>_<unit>_<style>`` of a unit sub-symbol (the same as :mod:`tokn.kicad.symbols`).
UNIT_SUFFIX = re.compile(r"_(\d+)_(\d+)$")
_STRING = re.compile(_STR)
_PAREN = re.compile(r"[()]")
_HEAD = re.compile(r'\s*\(\s*kicad_symbol_lib(?=[\s()])')

Scan = tuple[list[ScanRecord], list[tuple[PinRow, ...] | None]]


class _Anomaly(Exception):
    """The scanner met something it does not recognise: use the exact parser."""


def _byte_offsets(src: str, positions: list[int]) -> list[int]:
    """Byte offsets (UTF-8) of increasing character ``positions`` of ``src``."""
    if src.isascii():
        return positions
    out = []
    prev = 0
    acc = 0
    for p in positions:
        acc += len(src[prev:p].encode("utf-8"))
        prev = p
        out.append(acc)
    return out


def prop_args(node) -> list | None:
    """``[name, value...]`` atoms of a ``(property [private] "name" "value" ...)`` node."""
    if type(node) is str or not node or node[0] != "property":
        return None
    args = node[2:] if len(node) > 2 and node[1] == "private" else node[1:]
    return args if args and type(args[0]) is str else None


def node_properties(node: list) -> dict[str, str]:
    """Properties of a ``(symbol ...)`` node; a KiCad 9 ``private`` flag is not a name."""
    out = {}
    for c in node:
        a = prop_args(c)
        if a is not None and len(a) > 1 and type(a[1]) is str:
            out[intern(text(a[0]))] = text(a[1])
    return out


def _records_from_node(node: list, start: int, end: int) -> tuple[ScanRecord, tuple | None]:
    """Record and pin tuple of one exactly parsed ``(symbol ...)`` node."""
    sym = parse_lib_symbol(node)
    pins = tuple((p.number, p.name, p.type, p.unit, p.style, p.hidden, p.x, p.y, p.angle, p.length)
                 for p in sym.pins)
    rec = ScanRecord(sym.name, sym.extends, start, end, sym.unit_count, sym.power,
                     node_properties(node), len(pins))
    return rec, (pins if not sym.extends else None)


def _scan_exact(src: str, path: str) -> Scan:
    """Exact reader: :func:`parse_lossless` for spans, :func:`parse_lib_symbol` for data."""
    doc = parse_lossless(src, path)
    root = doc[0]
    if not root or root[0] != "kicad_symbol_lib":
        raise LibraryError("not a KiCad symbol library (expected '(kicad_symbol_lib')", path, 1, 1)
    recs, pins = [], []
    for node in root:
        if type(node) is str or not node or node[0] != "symbol" or len(node) < 2:
            continue
        r, p = _records_from_node(node, node.span[0], node.span[1])
        recs.append(r)
        pins.append(p)
    return recs, pins


def _exact_symbol(src: str, start: int, end: int) -> tuple[ScanRecord, tuple | None]:
    return _records_from_node(parse(src[start:end])[0], start, end)


def _unbalanced_strings(src: str) -> list[tuple[int, int, int]]:
    """(start, end, '(' minus ')') of every string atom whose parens do not balance."""
    out = []
    if "\\" not in src:                     # no escapes: quotes alternate exactly
        parts = src.split('"')
        odd = parts[1::2]
        hits = list(compress(range(len(odd)), map(_PAREN.search, odd)))
        if hits:
            offs = list(accumulate(map(len, parts)))
            for j in hits:
                s = odd[j]
                b = s.count("(") - s.count(")")
                if b:
                    i = 2 * j + 1
                    out.append((offs[i - 1] + i - 1, offs[i] + i + 1, b))
        return out
    for m in _STRING.finditer(src):
        s = m.group()
        if "(" in s or ")" in s:
            b = s.count("(") - s.count(")")
            if b:
                out.append((m.start(), m.end(), b))
    return out
def _heads(src: str) -> Iterator[tuple[int, int, str]]:
    """``(position, paren depth, keyword)`` of every list head :data:`_KEY` finds outside
    string atoms.  The depth before each is counted with ``str.count``, corrected for
    string atoms whose parens do not balance; raises :class:`_Anomaly` at the end when
    the parens of the whole text do not balance."""
    count = src.count
    fix = _unbalanced_strings(src)
    nfix = len(fix)
    k = 0
    depth = 0
    last = 0
    for m in _KEY.finditer(src):
        p = m.start()
        d = count("(", last, p) - count(")", last, p)
        if k < nfix:
            if fix[k][0] < p < fix[k][1]:
                continue                    # inside a string
            while k < nfix and fix[k][1] <= p:
                d -= fix[k][2]
                k += 1
        depth += d
        last = p
        yield p, depth, m.group(1)
    depth += count("(", last) - count(")", last) - sum(f[2] for f in fix[k:])
    if depth != 0:
        raise _Anomaly


def _pin_row(pm: re.Match, unit: int, style: int) -> PinRow:
    """The pin read by a :data:`_PIN` match; raises ValueError for a bad number."""
    ty, x, y, a, ln, h1, h2, hv, nm, num = pm.groups()
    return (text(num), text(nm), text(ty), unit, style,
            h1 is not None or (h2 is not None and (hv is None or text(hv) != "no")),
            float(x), float(y), float(a) if a is not None else 0.0, float(ln))


class _Columns:
    """What the scanner found, one list entry per top-level symbol (character offsets);
    ``redo``: symbols to read again with the exact parser."""

    __slots__ = ("starts", "names", "extends", "units", "powers", "props", "pins", "redo")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.names: list[str] = []
        self.extends: list[str] = []
        self.units: list[int] = []
        self.powers: list[str] = []
        self.props: list[dict] = []
        self.pins: list[list] = []
        self.redo: set[int] = set()

    def open_symbol(self, start: int, name: str) -> int:
        """Start a top-level symbol; returns its index."""
        self.starts.append(start)
        self.names.append(name)
        self.extends.append("")
        self.units.append(1)
        self.powers.append("")
        self.props.append({})
        self.pins.append([])
        return len(self.starts) - 1

    def result(self, src: str) -> Scan:
        """Records and pins; each symbol ends at the last ``)`` before the next one."""
        starts = self.starts
        bounds = starts[1:] + [src.rfind(")")]
        ends = [src.rfind(")", a, b) + 1 for a, b in zip(starts, bounds)]
        recs: list[ScanRecord] = []
        out_pins: list[tuple | None] = []
        for i in range(len(starts)):
            if i in self.redo:
                r, pp = _exact_symbol(src, starts[i], ends[i])
            else:
                pp = tuple(self.pins[i])
                r = ScanRecord(self.names[i], self.extends[i], starts[i], ends[i],
                               self.units[i], self.powers[i], self.props[i], len(pp))
                pp = None if self.extends[i] else pp
            recs.append(r)
            out_pins.append(pp)
        return recs, out_pins


def _scan_fast(src: str) -> Scan:
    """Regex scanner (character offsets); raises :class:`_Anomaly` when unsure.

    Reads the heads :func:`_heads` yields at the depths :func:`parse_lib_symbol` reads:
    symbols at depth 1, their fields at depth 2, pins at depth 2 or inside a unit
    sub-symbol at depth 3.
    """
    if not _HEAD.match(src):
        raise _Anomaly
    cols = _Columns()
    redo = cols.redo
    cur = -1
    unit = style = 0
    in_unit = False
    pin_match = _PIN.match
    find = src.find
    pend = -1                               # end of the last pin head read
    for p, depth, kw in _heads(src):
        if pend >= 0:
            if find("hide", pend, p) >= 0:
                redo.add(cur)
            pend = -1
        if depth == 2 and cur >= 0:
            in_unit = False
        elif depth == 3 and in_unit and kw == "pin":
            pass
        elif depth == 1 and kw == "symbol":
            in_unit = False
        else:
            continue                        # in a string or a list parse_lib_symbol skips
        if kw == "pin":
            pm = pin_match(src, p)
            if pm is None:
                redo.add(cur)
                continue
            pend = pm.end()
            try:
                cols.pins[cur].append(_pin_row(pm, *((unit, style) if depth == 3 else (0, 0))))
            except ValueError:
                redo.add(cur)
        elif kw == "symbol":
            sm = _SYMBOL.match(src, p)
            if sm is None:
                raise _Anomaly
            name = text(sm.group(1))
            if depth == 1:
                cur = cols.open_symbol(p, name)
            else:
                in_unit = True
                um = UNIT_SUFFIX.search(name)
                unit, style = (int(um.group(1)), int(um.group(2))) if um else (0, 0)
                if unit > cols.units[cur]:
                    cols.units[cur] = unit
        elif kw == "property":
            pm = _PROPERTY.match(src, p)
            if pm is not None:
                cols.props[cur][intern(text(pm.group(1)))] = text(pm.group(2))
        elif kw == "extends":
            em = _EXTENDS.match(src, p)
            if em is None:
                raise _Anomaly
            cols.extends[cur] = text(em.group(1))
        else:                               # power
            wm = _POWER.match(src, p)
            if wm is None:
                raise _Anomaly
            cols.powers[cur] = text(wm.group(1)) if wm.group(1) is not None else "global"
    if pend >= 0 and find("hide", pend) >= 0:
        redo.add(cur)
    return cols.result(src)


def scan_library_text(src: str, path: str = "<text>", exact: bool = False) -> Scan:
    """Records and pins of every top-level symbol of library text ``src`` (byte offsets).

    Raises :class:`LibraryError` / :class:`~tokn.errors.SexprSyntaxError` when ``src`` is
    not a readable symbol library.  ``exact=True`` skips the regex scanner.
    """
    try:
        if exact:
            raise _Anomaly
        recs, pins = _scan_fast(src)
    except _Anomaly:
        recs, pins = _scan_exact(src, path)
    pos = sorted({r.start for r in recs} | {r.end for r in recs})
    boff = dict(zip(pos, _byte_offsets(src, pos)))
    recs = [r._replace(start=boff[r.start], end=boff[r.end]) for r in recs]
    return recs, pins


def scan_library_file(path: str) -> Scan:
    """:func:`scan_library_text` of the file ``path``; raises :class:`LibraryError` when it
    is not UTF-8 text, :class:`OSError` when it cannot be read."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        src = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LibraryError(f"not UTF-8 text: {e}", path) from None
    return scan_library_text(src, path)
