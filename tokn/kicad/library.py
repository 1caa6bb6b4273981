"""An index of KiCad symbol libraries, persistent across processes.

:class:`SymbolIndex` knows, for every symbol of a set of ``.kicad_sym`` files: library
nickname, name, ``extends`` parent (resolved to the root symbol for units, pins and power
flag), unit count, power flag, properties (Value, Footprint, Description, ki_keywords ...
merged the way KiCad's ``LIB_SYMBOL::Flatten()`` merges a derived symbol), and its pins
(number, name, electrical type, unit, body style, hidden, connection point, angle, length).

Cache contract
    One pickle per library *file* under ``<cache dir>/symbol-index-v1/`` (cache dir:
    argument, else ``$TOKN_CACHE_DIR``, else ``platformdirs.user_cache_dir("tokn")``),
    valid while the file's (real path, size, mtime_ns) are unchanged; only files whose key
    changed are scanned again.  Properties and pins, and the tables of :meth:`find`, are
    compressed pickles inside the entry, decoded on first use per library, so a warm load
    touches only names, parents, byte spans, unit counts and power flags.
    An unwritable cache directory only costs speed.

Scanning
    Library files are read by a regex scanner (7 s for the KiCad 9 libraries, against 30 s
    for a full parse) that only looks at the list heads it needs (``symbol``, ``pin``,
    ``property``, ``extends``, ``power``), knows the paren depth of each (string atoms
    with unbalanced parens accounted for), and reads pins in the order KiCad 6-9 write
    them.  A pin it cannot read sends its symbol to the exact :func:`tokn.sexpr.parse` +
    :func:`tokn.kicad.symbols.parse_lib_symbol` path; a structure it does not recognise
    sends the whole file there.  Both paths give the same records (checked on every KiCad 9
    library by ``tests/test_library.py``).  Each symbol's byte span is stored, so
    :meth:`SymbolIndex.get` reads and parses only that symbol and its parents.

Lookups: :meth:`SymbolIndex.get`, :meth:`~SymbolIndex.info`, :meth:`~SymbolIndex.find`
(ranking documented there), :meth:`~SymbolIndex.libraries_for`,
:meth:`~SymbolIndex.embed_text`, :meth:`~SymbolIndex.stats`; and
:func:`standard_symbol_libraries` from the shipped KiCad 9.0 name list.
"""
from __future__ import annotations

import bisect
import hashlib
import heapq
import os
import pickle
import re
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate, compress
from sys import intern
from typing import Iterable, Mapping, NamedTuple

from ..errors import LibraryError, ToknError
from ..fsutil import write_atomic
from ..sexpr import parse, parse_lossless, text, quote, format_list
from .symbols import LibSymbol, parse_lib_symbol
from .libtable import load_symbol_libraries, project_directory

CACHE_VERSION = 1
_CACHE_SUBDIR = f"symbol-index-v{CACHE_VERSION}"
#: Bumped whenever the record layout or the scanner's output changes.
_FORMAT = (CACHE_VERSION, 5)

#: KiCad 9 mandatory fields; a derived symbol overrides them only with a non-empty text.
MANDATORY_FIELDS = ("Reference", "Value", "Footprint", "Datasheet", "Description")
#: Fields that are ``LIB_SYMBOL`` members in KiCad, inherited from the parent when empty.
_MEMBER_FIELDS = ("ki_keywords", "ki_fp_filters", "ki_description")
_MEMBER_RANK = {"ki_keywords": 1, "ki_fp_filters": 2}
_INHERIT_UNLESS_SET = frozenset(MANDATORY_FIELDS + _MEMBER_FIELDS)
#: Symbol attributes KiCad takes from the immediate parent, with its defaults.
_ATTRIBUTES = (("exclude_from_sim", "no"), ("in_bom", "yes"), ("on_board", "yes"))


class PinInfo(NamedTuple):
    """One pin as stored in the index (library coordinates, y up; unit/style 0 = common)."""
    number: str
    name: str
    type: str
    unit: int
    style: int
    hidden: bool
    x: float
    y: float
    angle: float
    length: float


@dataclass(frozen=True)
class SymbolInfo:
    """What the index knows about one symbol, ``extends`` resolved (see module doc)."""
    lib: str
    name: str
    extends: str                  # immediate parent ("" for a root symbol)
    root: str                     # the symbol whose units/pins are used
    unit_count: int
    power: str                    # "" | "global" | "local"
    properties: dict[str, str]
    pins: tuple[PinInfo, ...]

    @property
    def lib_id(self) -> str:
        return f"{self.lib}:{self.name}"

    @property
    def is_power(self) -> bool:
        return bool(self.power)

    @property
    def value(self) -> str:
        return self.properties.get("Value", "")

    @property
    def footprint(self) -> str:
        return self.properties.get("Footprint", "")

    @property
    def reference(self) -> str:
        return self.properties.get("Reference", "")

    @property
    def description(self) -> str:
        p = self.properties
        return p.get("Description", p.get("ki_description", ""))

    @property
    def keywords(self) -> str:
        return self.properties.get("ki_keywords", "")


@dataclass(frozen=True)
class IndexStats:
    libraries: int
    symbols: int
    pins: int                     # pins over all symbols, a derived symbol counting its root's
    cache_bytes: int              # size of the cache entries this index uses
    build_seconds: float          # wall time of the constructor
    scanned_files: int            # library files (re)scanned by this build
    cached_files: int             # library files taken from the cache
    cache_dir: str | None
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------- scanning

# A record: (name, extends, byte_start, byte_end, unit_count, power, properties, n_pins)
_Rec = tuple
# A pin: (number, name, type, unit, style, hidden, x, y, angle, length)

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
_UNIT_SUFFIX = re.compile(r"_(\d+)_(\d+)$")
_STRING = re.compile(_STR)
_PAREN = re.compile(r"[()]")
_HEAD = re.compile(r'\s*\(\s*kicad_symbol_lib(?=[\s()])')


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


def _prop_args(node) -> list | None:
    """``[name, value...]`` atoms of a ``(property [private] "name" "value" ...)`` node."""
    if type(node) is str or not node or node[0] != "property":
        return None
    args = node[2:] if len(node) > 2 and node[1] == "private" else node[1:]
    return args if args and type(args[0]) is str else None


def node_properties(node: list) -> dict[str, str]:
    """Properties of a ``(symbol ...)`` node; a KiCad 9 ``private`` flag is not a name."""
    out = {}
    for c in node:
        a = _prop_args(c)
        if a is not None and len(a) > 1 and type(a[1]) is str:
            out[intern(text(a[0]))] = text(a[1])
    return out


def _records_from_node(node: list, start: int, end: int) -> tuple[_Rec, tuple | None]:
    """Record and pin tuple of one exactly parsed ``(symbol ...)`` node."""
    sym = parse_lib_symbol(node)
    pins = tuple((p.number, p.name, p.type, p.unit, p.style, p.hidden, p.x, p.y, p.angle, p.length)
                 for p in sym.pins)
    rec = (sym.name, sym.extends, start, end, sym.unit_count, sym.power,
           node_properties(node), len(pins))
    return rec, (pins if not sym.extends else None)


def _scan_exact(src: str, path: str) -> tuple[list[_Rec], list[tuple | None]]:
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


def _exact_symbol(src: str, start: int, end: int) -> tuple[_Rec, tuple | None]:
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


def _scan_fast(src: str) -> tuple[list[_Rec], list[tuple | None]]:
    """Regex scanner (character offsets); raises :class:`_Anomaly` when unsure.

    The paren depth before every recognised list head is counted with ``str.count``,
    corrected for string atoms whose parens do not balance; heads inside such strings are
    ignored.
    """
    if not _HEAD.match(src):
        raise _Anomaly
    count = src.count
    fix = _unbalanced_strings(src)
    nfix = len(fix)
    k = 0
    depth = 0
    last = 0
    starts: list[int] = []
    names: list[str] = []
    extends: list[str] = []
    units: list[int] = []
    powers: list[str] = []
    props: list[dict] = []
    pins: list[list] = []
    redo: set[int] = set()
    cur = -1
    unit = style = 0
    in_unit = False
    pin_match = _PIN.match
    find = src.find
    pend = -1                               # end of the last pin head read
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
        if pend >= 0:
            if find("hide", pend, p) >= 0:
                redo.add(cur)
            pend = -1
        kw = m.group(1)
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
            ty, x, y, a, ln, h1, h2, hv, nm, num = pm.groups()
            try:
                pins[cur].append((
                    text(num), text(nm), text(ty),
                    unit if depth == 3 else 0, style if depth == 3 else 0,
                    h1 is not None or (h2 is not None and (hv is None or text(hv) != "no")),
                    float(x), float(y), float(a) if a is not None else 0.0, float(ln)))
            except ValueError:
                redo.add(cur)
        elif kw == "symbol":
            sm = _SYMBOL.match(src, p)
            if sm is None:
                raise _Anomaly
            name = text(sm.group(1))
            if depth == 1:
                cur += 1
                starts.append(p)
                names.append(name)
                extends.append("")
                units.append(1)
                powers.append("")
                props.append({})
                pins.append([])
            else:
                in_unit = True
                um = _UNIT_SUFFIX.search(name)
                unit, style = (int(um.group(1)), int(um.group(2))) if um else (0, 0)
                if unit > units[cur]:
                    units[cur] = unit
        elif kw == "property":
            pm = _PROPERTY.match(src, p)
            if pm is not None:
                props[cur][intern(text(pm.group(1)))] = text(pm.group(2))
        elif kw == "extends":
            em = _EXTENDS.match(src, p)
            if em is None:
                raise _Anomaly
            extends[cur] = text(em.group(1))
        else:                               # power
            wm = _POWER.match(src, p)
            if wm is None:
                raise _Anomaly
            powers[cur] = text(wm.group(1)) if wm.group(1) is not None else "global"
    if pend >= 0 and find("hide", pend) >= 0:
        redo.add(cur)
    depth += count("(", last) - count(")", last) - sum(f[2] for f in fix[k:])
    if depth != 0:
        raise _Anomaly
    close = src.rfind(")")
    bounds = starts[1:] + [close]
    ends = [src.rfind(")", a, b) + 1 for a, b in zip(starts, bounds)]
    recs: list[_Rec] = []
    out_pins: list[tuple | None] = []
    for i in range(len(starts)):
        if i in redo:
            r, pp = _exact_symbol(src, starts[i], ends[i])
        else:
            pp = tuple(pins[i])
            r = (names[i], extends[i], starts[i], ends[i], units[i], powers[i], props[i], len(pp))
            pp = None if extends[i] else pp
        recs.append(r)
        out_pins.append(pp)
    return recs, out_pins


def scan_library_text(src: str, path: str = "<text>", exact: bool = False
                      ) -> tuple[list[_Rec], list[tuple | None]]:
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
    pos = sorted({r[2] for r in recs} | {r[3] for r in recs})
    boff = dict(zip(pos, _byte_offsets(src, pos)))
    recs = [(r[0], r[1], boff[r[2]], boff[r[3]]) + tuple(r[4:]) for r in recs]
    return recs, pins


# --------------------------------------------------------------------------- cache


def default_cache_dir() -> str:
    """``$TOKN_CACHE_DIR`` if set, else the platformdirs user cache dir of ``tokn``."""
    env = os.environ.get("TOKN_CACHE_DIR")
    if env:
        return env
    import platformdirs
    return platformdirs.user_cache_dir("tokn", appauthor=False)


def _chain_of(recs: list, by_name: dict, i: int) -> list[int]:
    """Record indices from symbol ``i`` up to its root (stops at a missing parent/cycle)."""
    out = [i]
    while recs[out[-1]][1]:
        j = by_name.get(recs[out[-1]][1])
        if j is None or j in out:
            break
        out.append(j)
    return out


def _find_data(recs: list, props: list) -> dict:
    """Per-library lookup tables used by :meth:`SymbolIndex.find` (local record indices)."""
    by_name = {r[0]: i for i, r in enumerate(recs)}
    exact: dict[str, list[int]] = {}
    norm: dict[str, list[int]] = {}
    wild: dict[str, list[tuple[str, int]]] = {}
    words: tuple[dict[str, list[int]], ...] = ({}, {}, {})
    findall = _WORD.findall
    for i, r in enumerate(recs):
        name = r[0]
        exact.setdefault(name.casefold(), []).append(i)
        norm.setdefault(_norm(name), []).append(i)
        w = _wild(name)
        if w is not None:
            wild.setdefault(w.split("\0", 1)[0], []).append((w, i))
        p = props[i]
        if r[1]:
            p = merge_properties(props[c] for c in reversed(_chain_of(recs, by_name, i)))
        fields = (name, p.get("ki_keywords", ""), p.get("Description") or p.get("ki_description", ""))
        for m, txt in zip(words, fields):
            for tok in set(findall(txt.casefold())):
                got = m.get(tok)
                if got is None:
                    m[tok] = [i]
                else:
                    got.append(i)
    keys = sorted((r[0].casefold(), i) for i, r in enumerate(recs))
    return {"exact": exact, "norm": norm, "wild": wild, "words": words,
            "keys": [k for k, _ in keys], "order": [i for _, i in keys]}


class _Lib:
    """One library file in memory.

    ``recs`` holds per symbol ``(name, extends, byte_start, byte_end, unit_count, power,
    n_pins)``; properties and pins (one compressed pickle) and the find tables (another)
    are decoded when first needed.
    """

    __slots__ = ("nick", "path", "key", "recs", "by_name", "cache_bytes",
                 "_detail_blob", "_find_blob", "_detail", "_find")

    def __init__(self, nick: str, path: str, key: tuple, recs: list, detail_blob: bytes,
                 find_blob: bytes, cache_bytes: int = 0) -> None:
        self.nick, self.path, self.key, self.recs = nick, path, key, recs
        self.by_name = {r[0]: i for i, r in enumerate(recs)}
        self.cache_bytes = cache_bytes
        self._detail_blob, self._find_blob = detail_blob, find_blob
        self._detail: tuple[list, list] | None = None
        self._find: dict | None = None

    def detail(self) -> tuple[list, list]:
        """(properties per record, pins per record: tuple of pin tuples or None if derived)."""
        if self._detail is None:
            self._detail = pickle.loads(zlib.decompress(self._detail_blob))
        return self._detail

    def find(self) -> dict:
        if self._find is None:
            self._find = pickle.loads(zlib.decompress(self._find_blob))
        return self._find

    def chain(self, i: int) -> list[int]:
        return _chain_of(self.recs, self.by_name, i)


def _pack(obj) -> bytes:
    return zlib.compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _file_key(path: str) -> tuple:
    st = os.stat(path)
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns)


def _entry_path(cache_dir: str, real: str) -> str:
    h = hashlib.sha1(real.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    base = os.path.basename(real).replace(".kicad_sym", "")
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", base)[:40]
    return os.path.join(cache_dir, _CACHE_SUBDIR, f"{safe}-{h}.pickle")


def _load_entry(cache_dir: str, key: tuple) -> tuple[list, bytes, bytes, int] | None:
    """(records, detail blob, find blob, entry size) when a valid entry for ``key`` exists."""
    p = _entry_path(cache_dir, key[0])
    try:
        with open(p, "rb") as f:
            data = f.read()
        fmt, k, recs, detail_blob, find_blob = pickle.loads(data)
    except Exception:               # missing, truncated, other version: rebuild
        return None
    if fmt != _FORMAT or tuple(k) != key:
        return None
    return recs, detail_blob, find_blob, len(data)


def _store_entry(cache_dir: str, key: tuple, recs: list, detail_blob: bytes,
                 find_blob: bytes) -> int:
    """Write atomically; returns the bytes written (0 when the cache is not writable)."""
    p = _entry_path(cache_dir, key[0])
    try:
        data = pickle.dumps((_FORMAT, key, recs, detail_blob, find_blob),
                            protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(p, data)
        return len(data)
    except OSError:
        return 0


def _read_library(path: str) -> tuple[list, list]:
    with open(path, "rb") as f:
        raw = f.read()
    try:
        src = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LibraryError(f"not UTF-8 text: {e}", path) from None
    return scan_library_text(src, path)


# --------------------------------------------------------------------------- flattening


def merge_properties(levels: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Properties of a symbol chain given root first, as ``LIB_SYMBOL::Flatten()`` merges:
    a mandatory field or keywords/footprint filters of a derived symbol replace the
    parent's only when non-empty, any other field always; positions stay the parent's."""
    it = iter(levels)
    out = dict(next(it))
    for d in it:
        for k, v in d.items():
            if v == "" and k in _INHERIT_UNLESS_SET:
                continue
            out[k] = v
    return out


def _prop_key(node) -> str | None:
    a = _prop_args(node)
    return text(a[0]) if a is not None else None


def flatten_symbol_nodes(chain: list[list], lib_id: str) -> list:
    """The ``lib_symbols`` entry KiCad embeds for the first symbol of ``chain``.

    ``chain`` holds parsed ``(symbol ...)`` nodes from the symbol itself up to its root
    ancestor.  The result is the root's node (mutated: pass fresh trees) named ``lib_id``,
    with the chain's properties merged (see :func:`merge_properties`), the immediate
    parent's ``exclude_from_sim``/``in_bom``/``on_board``, and unit sub-symbols renamed
    ``<name>_<unit>_<style>`` after the symbol's own name.
    """
    root = chain[-1]
    name = lib_id.partition(":")[2] or lib_id
    root[1] = quote(lib_id)
    root[:] = [c for c in root if type(c) is str or not c or c[0] != "extends"]
    for level in reversed(chain[:-1]):
        for pnode in level:
            k = _prop_key(pnode)
            if k is None:
                continue
            a = _prop_args(pnode)
            v = text(a[1]) if len(a) > 1 and type(a[1]) is str else ""
            if v == "" and k in _INHERIT_UNLESS_SET:
                continue
            idx = [i for i, c in enumerate(root) if _prop_key(c) is not None]
            same = [i for i in idx if _prop_key(root[i]) == k]
            if same:
                root[same[0]] = pnode
                continue
            member = [i for i in idx if _prop_key(root[i]) in _MEMBER_FIELDS]
            at = member[0] if member else (idx[-1] + 1 if idx else len(root))
            root.insert(at, pnode)
    if len(chain) > 1:                      # KiCad writes keywords, then footprint filters
        slots = [i for i, c in enumerate(root) if _prop_key(c) is not None]
        ordered = sorted((root[i] for i in slots), key=lambda c: _MEMBER_RANK.get(_prop_key(c), 0))
        for i, c in zip(slots, ordered):
            root[i] = c
    if len(chain) > 2:                      # immediate parent is itself derived
        parent = chain[1]
        for head, default in _ATTRIBUTES:
            own = next((c for c in parent if type(c) is not str and c and c[0] == head), None)
            value = own if own is not None else [head, default]
            for i, c in enumerate(root):
                if type(c) is not str and c and c[0] == head:
                    root[i] = value
    for c in root:
        if type(c) is not str and c and c[0] == "symbol" and len(c) > 1:
            m = _UNIT_SUFFIX.search(text(c[1]))
            if m:
                c[1] = quote(f"{name}_{m.group(1)}_{m.group(2)}")
    return root


# --------------------------------------------------------------------------- find helpers

_SEP = "-_/. ,"
_NORM_DROP = re.compile(r"[\s\-_/.,]+")
_WILD_HINT = re.compile(r"[0-9A-Zx]x")
_WORD = re.compile(r"[0-9a-z]+(?:\.[0-9]+)?")


def _norm(s: str) -> str:
    return _NORM_DROP.sub("", s.casefold())


def _wild(name: str) -> str | None:
    """Casefolded ``name`` with KiCad's lowercase ``x`` placeholders as ``\\0``, when any."""
    if not _WILD_HINT.search(name):
        return None
    out = []
    hit = False
    for i, ch in enumerate(name):
        if ch == "x" and i > 0 and (name[i - 1].isdigit() or name[i - 1].isupper()
                                    or name[i - 1] == "x"):
            out.append("\0")
            hit = True
        else:
            out.append(ch.casefold())
    return "".join(out) if hit else None


def _wild_match(pattern: str, q: str) -> int:
    """0: ``q`` matches the whole pattern; 1: the pattern matches a prefix of ``q``; -1."""
    if len(q) < len(pattern):
        return -1
    for a, b in zip(pattern, q):
        if a != b and not (a == "\0" and b.isalnum()):
            return -1
    return 0 if len(q) == len(pattern) else 1


# --------------------------------------------------------------------------- the index


class SymbolIndex:
    """Index of the symbols of a set of libraries (see the module docstring).

    ``libraries`` maps nickname -> ``.kicad_sym`` path, in priority order.  Unreadable or
    malformed libraries are skipped with a message in ``warnings``.  ``cache_dir`` defaults
    to :func:`default_cache_dir`; ``use_cache=False`` neither reads nor writes a cache.

    :meth:`get`, :meth:`info` and :meth:`embed_node` check the library file's size and
    mtime on every call and scan it again when it changed; :meth:`find` and
    :meth:`libraries_for` answer from the state of the last scan.  Safe to share between
    threads.
    """

    _memo: dict = {}
    _memo_lock = threading.Lock()

    def __init__(self, libraries: Mapping[str, str], cache_dir: str | None = None,
                 use_cache: bool = True, warnings: Iterable[str] = ()) -> None:
        t0 = time.perf_counter()
        self.cache_dir = (cache_dir or default_cache_dir()) if use_cache else None
        self.warnings: list[str] = list(warnings)
        self._lock = threading.RLock()
        self._libs: dict[str, _Lib] = {}
        self._scanned = self._cached = 0
        for nick, path in libraries.items():
            lib = self._open(nick, path)
            if lib is not None:
                self._libs[nick] = lib
        self._by_name: dict[str, list[str]] = {}
        self._index_names()
        self._text_cache: dict[tuple, bytes] = {}
        self._build_seconds = time.perf_counter() - t0

    # ---------------------------------------------------------------- construction
    @classmethod
    def default(cls, project_dir: str | None = None, refresh: bool = False) -> "SymbolIndex":
        """The index of the libraries KiCad 9 shows for ``project_dir`` (global ones when
        None), memoised per project for the process; ``refresh=True`` re-reads the library
        tables and re-checks every library file (changed ones are scanned again)."""
        proj = project_directory(project_dir)
        key = os.path.realpath(proj) if proj else None
        with cls._memo_lock:
            idx = cls._memo.get(key)
            if idx is None or refresh:
                libs = load_symbol_libraries(proj)
                idx = cls(libs.libraries, warnings=libs.warnings)
                cls._memo[key] = idx
            return idx

    def _open(self, nick: str, path: str) -> _Lib | None:
        try:
            key = _file_key(path)
        except OSError as e:
            self.warnings.append(f"library {nick!r}: {path}: {e.strerror or e}")
            return None
        if self.cache_dir:
            hit = _load_entry(self.cache_dir, key)
            if hit is not None:
                self._cached += 1
                return _Lib(nick, path, key, *hit)
        try:
            recs, pins = _read_library(path)
        except (OSError, ToknError) as e:
            self.warnings.append(f"library {nick!r}: {e}")
            return None
        self._scanned += 1
        props = [r[6] for r in recs]
        find = _find_data(recs, props)
        light = [r[:6] + (r[7],) for r in recs]
        detail_blob, find_blob = _pack((props, pins)), _pack(find)
        size = _store_entry(self.cache_dir, key, light, detail_blob, find_blob) if self.cache_dir else 0
        lib = _Lib(nick, path, key, light, detail_blob, find_blob, size)
        lib._detail, lib._find = (props, pins), find
        return lib

    def _fresh(self, nick: str) -> _Lib | None:
        """The library, scanned again first when its file changed since indexing."""
        lib = self._libs.get(nick)
        if lib is None:
            return None
        try:
            key = _file_key(lib.path)
        except OSError:
            return lib
        if key != lib.key:
            with self._lock:
                new = self._open(nick, lib.path)
                if new is not None:
                    self._libs[nick] = new
                    self._index_names()
                    self._text_cache = {k: v for k, v in self._text_cache.items() if k[0] != nick}
                    lib = new
        return lib

    def _index_names(self) -> None:
        by_name: dict[str, list[str]] = {}
        for nick, lib in self._libs.items():
            for r in lib.recs:
                by_name.setdefault(r[0], []).append(nick)
        self._by_name = by_name

    # ---------------------------------------------------------------- basic access
    @property
    def libraries(self) -> dict[str, str]:
        """nickname -> library path of the indexed libraries, in priority order."""
        return {n: lib.path for n, lib in self._libs.items()}

    def __contains__(self, lib_id: str) -> bool:
        nick, _, name = lib_id.partition(":")
        lib = self._libs.get(nick)
        return lib is not None and name in lib.by_name

    def __len__(self) -> int:
        return sum(len(lib.recs) for lib in self._libs.values())

    def lib_ids(self) -> Iterable[str]:
        """Every ``Lib:Name``, libraries in priority order, symbols in file order."""
        for nick, lib in self._libs.items():
            for r in lib.recs:
                yield f"{nick}:{r[0]}"

    def info(self, lib_id: str) -> SymbolInfo | None:
        """Index data of ``Lib:Name`` (no file access unless the library file changed)."""
        nick, _, name = lib_id.partition(":")
        lib = self._fresh(nick)
        if lib is None or name not in lib.by_name:
            return None
        chain = lib.chain(lib.by_name[name])
        props, pins = lib.detail()
        first, root = lib.recs[chain[0]], lib.recs[chain[-1]]
        return SymbolInfo(
            lib=nick, name=name, extends=first[1], root=root[0],
            unit_count=root[4], power=root[5],
            properties=merge_properties(props[i] for i in reversed(chain)),
            pins=tuple(PinInfo._make(p) for p in pins[chain[-1]] or ()))

    def libraries_for(self, name: str) -> list[str]:
        """Nicknames (priority order) of the libraries holding a symbol named exactly ``name``."""
        return list(self._by_name.get(name, ()))

    # ---------------------------------------------------------------- symbol text
    def _symbol_bytes(self, lib: _Lib, i: int) -> bytes:
        k = (lib.nick, i)
        got = self._text_cache.get(k)
        if got is None:
            r = lib.recs[i]
            try:
                with open(lib.path, "rb") as f:
                    f.seek(r[2])
                    got = f.read(r[3] - r[2])
            except OSError as e:
                raise LibraryError(f"cannot read library: {e.strerror or e}", lib.path) from None
            if len(self._text_cache) > 256:
                self._text_cache.clear()
            self._text_cache[k] = got
        return got

    def _symbol_node(self, lib: _Lib, i: int) -> list:
        name = lib.recs[i][0]
        raw = self._symbol_bytes(lib, i)
        try:
            node = parse(raw.decode("utf-8"), lib.path)[0]
            if node[0] == "symbol" and len(node) > 1 and text(node[1]) == name:
                return node
        except (ToknError, UnicodeDecodeError, IndexError):
            pass
        # Stored span does not hold the symbol (should not happen): read the whole file.
        try:
            with open(lib.path, encoding="utf-8") as f:
                tree = parse(f.read(), lib.path)[0]
        except (OSError, UnicodeDecodeError) as e:
            raise LibraryError(f"cannot read library: {e}", lib.path) from None
        for c in tree:
            if type(c) is not str and c and c[0] == "symbol" and len(c) > 1 and text(c[1]) == name:
                return c
        raise LibraryError(f"symbol {name!r} not found", lib.path)

    def embed_node(self, lib_id: str) -> list | None:
        """A fresh parsed ``(symbol "Lib:Name" ...)`` as KiCad embeds it in ``lib_symbols``
        (see :func:`flatten_symbol_nodes`), or None when ``lib_id`` is unknown."""
        nick, _, name = lib_id.partition(":")
        lib = self._fresh(nick)
        if lib is None or name not in lib.by_name:
            return None
        chain = lib.chain(lib.by_name[name])
        return flatten_symbol_nodes([self._symbol_node(lib, i) for i in chain], lib_id)

    def get(self, lib_id: str) -> LibSymbol | None:
        """The full symbol ``Lib:Name`` (exact, case-sensitive), or None.

        Equals ``parse_lib_symbol(embed_node(lib_id))`` with properties read by
        :func:`node_properties` (KiCad 9 ``private`` fields): ``name`` is the lib_id,
        ``node`` the flattened tree (parent's units, graphics and pins for a derived
        symbol), ``extends`` empty.  Each call returns new objects.  Raises
        :class:`LibraryError` when the library file can no longer be read.
        """
        node = self.embed_node(lib_id)
        if node is None:
            return None
        sym = parse_lib_symbol(node)
        sym.properties = node_properties(node)      # (property private ...) read right
        sym.keywords = sym.properties.get("ki_keywords", "")
        sym.description = sym.properties.get("Description", sym.properties.get("ki_description", ""))
        return sym

    def embed_text(self, lib_id: str, indent: int = 0) -> str:
        """S-expression text of :meth:`embed_node`, laid out as KiCad writes it with
        continuation lines indented for nesting depth ``indent`` (2 inside a schematic's
        ``lib_symbols``).  Raises :class:`LibraryError` for an unknown ``lib_id``."""
        node = self.embed_node(lib_id)
        if node is None:
            raise LibraryError(f"unknown library symbol {lib_id!r}")
        return format_list(node, indent)

    # ---------------------------------------------------------------- find
    def find(self, name: str, limit: int = 10) -> list[str]:
        """``Lib:Name`` ids matching a part name as people write it, best first.

        Tiers (a symbol is listed once, in its best tier):

        0. the name equals the query, case-insensitively (a ``Lib:Name`` query that exists
           comes first of all);
        1. equal once case, spaces and ``- _ / . ,`` are ignored (``AMS1117 3.3``);
        2. the name is the query plus a separator and a suffix (``LM317`` ->
           ``LM317_TO-220``, ``MCP2551`` -> ``MCP2551-I-SN``);
        3. the name is the query with its ordering/package suffix cut (``ATmega328P-AU`` ->
           ``ATmega328P-A``, ``TL072CP`` -> ``TL072``); longer names first; the name must
           keep at least 4 characters and half of the query;
        4. the name starts with the query (``NE555`` -> ``NE555D``, ``NE555P``);
        5. a KiCad wildcard name (lowercase ``x`` after a digit, capital or ``x`` stands for
           one letter or digit) equals the query, then 6. matches a prefix of it
           (``MAX98306EDT`` -> ``MAX98306xDT``; longer names first);
        7. the name shares a prefix with the query of at least 4 characters and 60 % of
           the query, longer shared prefixes first (``ATmega328P-AU`` -> ``ATmega328P-M``);
        8. words of the query (``[0-9a-z]+`` with an optional ``.digits``, case-folded,
           two characters or more) found as words of the name (weight 4), keywords (2) or
           description (1): more query words matched first, then the larger weight sum.

        Within a tier: shorter names first (tiers 3 and 6: longer first), then ``Lib:Name``
        case-insensitively, then as written.  The result does not depend on the order of
        the libraries.
        """
        q = name.strip()
        if not q or limit <= 0:
            return []
        libs = [(nick, lib, lib.find()) for nick, lib in self._libs.items()]
        out: list[str] = []
        seen: set[str] = set()
        shortest = lambda c: (len(c[1]), c[2].casefold(), c[2])     # noqa: E731
        longest = lambda c: (-len(c[1]), c[2].casefold(), c[2])     # noqa: E731

        def cand(nick: str, lib: _Lib, i: int) -> tuple:
            n = lib.recs[i][0]
            return (nick, n, f"{nick}:{n}")

        def emit(cands: Iterable[tuple], key=shortest) -> bool:
            cs = {c for c in cands if c[2] not in seen}
            need = limit - len(out)
            for c in (heapq.nsmallest(need, cs, key=key) if len(cs) > need else sorted(cs, key=key)):
                seen.add(c[2])
                out.append(c[2])
                if len(out) >= limit:
                    return True
            return False

        def lookup(table: str, k: str) -> list[tuple]:
            return [cand(nick, lib, i) for nick, lib, f in libs for i in f[table].get(k, ())]

        if ":" in q:
            want, _, rest = q.partition(":")
            if emit(c for c in lookup("exact", rest.strip().casefold())
                    if c[0].casefold() == want.strip().casefold()):
                return out
            q = rest.strip() or q
        qcf = q.casefold()
        if emit(lookup("exact", qcf)) or emit(lookup("norm", _norm(q))):
            return out
        def prefixed(pre: str) -> list[tuple]:
            got = []
            for nick, lib, f in libs:
                keys = f["keys"]
                lo = bisect.bisect_left(keys, pre)
                hi = bisect.bisect_left(keys, pre + "\U0010ffff", lo)
                got += [cand(nick, lib, f["order"][k]) for k in range(lo, hi)]
            return got

        after = prefixed(qcf)
        if emit(c for c in after if len(c[1]) > len(q) and c[1][len(q)] in _SEP):
            return out
        cut = []
        for n in range(len(qcf) - 1, 3, -1):
            if n * 2 < len(qcf):
                break
            cut += lookup("exact", qcf[:n])
        if emit(cut, longest) or emit(after):
            return out
        full, part = [], []
        prefixes = [qcf[:n] for n in range(len(qcf), 0, -1)]
        for nick, lib, f in libs:
            wild = f["wild"]
            if not wild:
                continue
            for pre in prefixes:
                for pat, i in wild.get(pre, ()):
                    r = _wild_match(pat, qcf)
                    if r == 0:
                        full.append(cand(nick, lib, i))
                    elif r == 1 and len(pat) >= 4:
                        part.append(cand(nick, lib, i))
        if emit(full) or emit(part, longest):
            return out
        for n in range(len(qcf) - 1, max(4, -(-len(qcf) * 3 // 5)) - 1, -1):
            if emit(prefixed(qcf[:n])):
                return out
        toks = [w for w in dict.fromkeys(_WORD.findall(qcf)) if len(w) > 1]
        if not toks:
            return out
        # Symbols as ints (library position << 20 | record index); counting in C.
        matched: Counter[int] = Counter()
        weight: Counter[int] = Counter()
        for tok in toks:
            anywhere: set[int] = set()
            for li, (nick, lib, f) in enumerate(libs):
                base = li << 20
                for w, m in zip((4, 2, 1), f["words"]):
                    got = m.get(tok)
                    if got:
                        g = [base | i for i in got]
                        anywhere.update(g)
                        weight.update(g * w)
            matched.update(anywhere)
        need = limit - len(out)
        cands: dict[tuple, tuple[int, int]] = {}
        cut = None
        for g in sorted(matched, key=lambda g: (-matched[g], -weight[g])):
            sc = (matched[g], weight[g])
            if cut is not None and sc < cut:
                break                       # only ties of the last needed one go on
            nick, lib, _ = libs[g >> 20]
            c = cand(nick, lib, g & 0xFFFFF)
            if c[2] in seen:
                continue
            cands[c] = sc
            if len(cands) == need:
                cut = sc
        emit(cands, key=lambda c: (-cands[c][0], -cands[c][1], len(c[1]), c[2].casefold(), c[2]))
        return out

    # ---------------------------------------------------------------- stats
    def stats(self) -> IndexStats:
        """Counts and cost of this index (``pins`` counts a derived symbol's root pins)."""
        n_sym = n_pin = cache = 0
        for lib in self._libs.values():
            n_sym += len(lib.recs)
            cache += lib.cache_bytes
            for i, r in enumerate(lib.recs):
                n_pin += lib.recs[lib.chain(i)[-1]][6] if r[1] else r[6]
        return IndexStats(libraries=len(self._libs), symbols=n_sym, pins=n_pin,
                          cache_bytes=cache, build_seconds=self._build_seconds,
                          scanned_files=self._scanned, cached_files=self._cached,
                          cache_dir=self.cache_dir, warnings=tuple(self.warnings))


# --------------------------------------------------------------------------- standard names

# In their own small module so that the encoder gets them without compiling this module's
# regular expressions (about 0.1 s of a one-design ``tokn encode``).
from .stdnames import (STANDARD_NAMES_FILE, standard_symbol_libraries,  # noqa: E402,F401
                       standard_symbol_names_source)
