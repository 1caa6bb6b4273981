"""Ranking search for part names as people write them (:meth:`SymbolIndex.find`).

Contract: :func:`build_find_tables` makes one library's :class:`~.records.FindTables`
(stored in the cache); :func:`find` ranks the symbols of a list of libraries against a
query, tier by tier (documented on :func:`find`), and returns ``Lib:Name`` ids, best
first.  A symbol is listed once, in its best tier; ties are broken by name, so the result
does not depend on the order of the libraries.

Each tier is one small function over a :class:`_Search` (the query, the libraries, the
ids listed so far) that lists its candidates and returns True once ``limit`` ids are out.
"""
from __future__ import annotations

import bisect
import heapq
import re
from collections import Counter
from typing import Callable, Iterable, NamedTuple, Sequence

from ..ids import split_lib_id, symbol_name
from ..partnames import normalise as _norm
from .inherit import chain_of, merge_properties
from .records import FindTables, ScanRecord

_SEP = "-_/. ,"
_WILD_HINT = re.compile(r"[0-9A-Zx]x")
_WORD = re.compile(r"[0-9a-z]+(?:\.[0-9]+)?")
#: Weights of a query word found in a symbol's name, keywords, description (tier 8).
_WORD_WEIGHTS = (4, 2, 1)
#: Symbols of tier 8 as ints: library position << _LIB_SHIFT | record index.
_LIB_SHIFT = 20


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


def build_find_tables(recs: Sequence[ScanRecord]) -> FindTables:
    """The lookup tables of one library's records (indices into ``recs``); a derived
    symbol's keywords and description are merged from its chain."""
    by_name = {r.name: i for i, r in enumerate(recs)}
    parents = [r.extends for r in recs]
    exact: dict[str, list[int]] = {}
    norm: dict[str, list[int]] = {}
    wild: dict[str, list[tuple[str, int]]] = {}
    words: tuple[dict[str, list[int]], ...] = ({}, {}, {})
    findall = _WORD.findall
    for i, r in enumerate(recs):
        name = r.name
        exact.setdefault(name.casefold(), []).append(i)
        norm.setdefault(_norm(name), []).append(i)
        w = _wild(name)
        if w is not None:
            wild.setdefault(w.split("\0", 1)[0], []).append((w, i))
        p = r.properties
        if r.extends:
            p = merge_properties(recs[c].properties for c in reversed(chain_of(parents, by_name, i)))
        fields = (name, p.get("ki_keywords", ""), p.get("Description") or p.get("ki_description", ""))
        for m, txt in zip(words, fields):
            for tok in set(findall(txt.casefold())):
                got = m.get(tok)
                if got is None:
                    m[tok] = [i]
                else:
                    got.append(i)
    keys = sorted((r.name.casefold(), i) for i, r in enumerate(recs))
    return FindTables(exact=exact, norm=norm, wild=wild, words=words,
                      keys=[k for k, _ in keys], order=[i for _, i in keys])


class Library(NamedTuple):
    """What :func:`find` needs of one library."""
    nick: str
    names: Sequence[str]          # symbol name per record index
    tables: FindTables


class _Cand(NamedTuple):
    nick: str
    name: str
    lib_id: str


def _shortest(c: _Cand) -> tuple:
    return (len(c.name), c.lib_id.casefold(), c.lib_id)


def _longest(c: _Cand) -> tuple:
    return (-len(c.name), c.lib_id.casefold(), c.lib_id)


class _Search:
    """One :func:`find` call: the libraries, the limit, the ids listed so far."""

    def __init__(self, libs: Sequence[Library], limit: int) -> None:
        self.libs = libs
        self.limit = limit
        self.out: list[str] = []
        self.seen: set[str] = set()
        self._prefixed: dict[str, list[_Cand]] = {}
        self._wild: tuple[list[_Cand], list[_Cand]] | None = None

    def cand(self, lib: Library, i: int) -> _Cand:
        n = lib.names[i]
        return _Cand(lib.nick, n, f"{lib.nick}:{n}")

    def emit(self, cands: Iterable[_Cand], key: Callable[[_Cand], tuple] = _shortest) -> bool:
        """List the new ``cands`` in ``key`` order; True once ``limit`` ids are out."""
        cs = {c for c in cands if c.lib_id not in self.seen}
        need = self.limit - len(self.out)
        for c in (heapq.nsmallest(need, cs, key=key) if len(cs) > need else sorted(cs, key=key)):
            self.seen.add(c.lib_id)
            self.out.append(c.lib_id)
            if len(self.out) >= self.limit:
                return True
        return False

    def lookup(self, table: str, k: str) -> list[_Cand]:
        """Candidates of key ``k`` of table ``exact`` or ``norm``."""
        return [self.cand(lib, i) for lib in self.libs for i in getattr(lib.tables, table).get(k, ())]

    def prefixed(self, pre: str) -> list[_Cand]:
        """Candidates whose casefolded name starts with ``pre`` (remembered per call)."""
        got = self._prefixed.get(pre)
        if got is None:
            got = []
            for lib in self.libs:
                keys, order = lib.tables.keys, lib.tables.order
                lo = bisect.bisect_left(keys, pre)
                hi = bisect.bisect_left(keys, pre + "\U0010ffff", lo)
                got += [self.cand(lib, order[k]) for k in range(lo, hi)]
            self._prefixed[pre] = got
        return got

    def wild(self, qcf: str) -> tuple[list[_Cand], list[_Cand]]:
        """(wildcard names equal to ``qcf``, wildcard names of 4+ characters matching a
        prefix of it), computed once per call."""
        if self._wild is None:
            full, part = [], []
            prefixes = [qcf[:n] for n in range(len(qcf), 0, -1)]
            for lib in self.libs:
                wild = lib.tables.wild
                if not wild:
                    continue
                for pre in prefixes:
                    for pat, i in wild.get(pre, ()):
                        r = _wild_match(pat, qcf)
                        if r == 0:
                            full.append(self.cand(lib, i))
                        elif r == 1 and len(pat) >= 4:
                            part.append(self.cand(lib, i))
            self._wild = (full, part)
        return self._wild


# --------------------------------------------------------------------------- tiers
# Each takes the search and the query (stripped, without a ``Lib:`` part) and returns True
# when the result is complete.


def _tier_equal(s: _Search, q: str) -> bool:
    """0. the name equals the query, case-insensitively."""
    return s.emit(s.lookup("exact", q.casefold()))


def _tier_normalised(s: _Search, q: str) -> bool:
    """1. equal once case, spaces and ``- _ / . ,`` are ignored."""
    return s.emit(s.lookup("norm", _norm(q)))


def _tier_suffixed(s: _Search, q: str) -> bool:
    """2. the name is the query plus a separator and a suffix."""
    n = len(q)
    return s.emit(c for c in s.prefixed(q.casefold()) if len(c.name) > n and c.name[n] in _SEP)


def _tier_cut(s: _Search, q: str) -> bool:
    """3. the name is the query with its ordering/package suffix cut (4+ characters and
    half of the query kept), longer names first."""
    qcf = q.casefold()
    cut = []
    for n in range(len(qcf) - 1, 3, -1):
        if n * 2 < len(qcf):
            break
        cut += s.lookup("exact", qcf[:n])
    return s.emit(cut, _longest)


def _tier_prefix(s: _Search, q: str) -> bool:
    """4. the name starts with the query."""
    return s.emit(s.prefixed(q.casefold()))


def _tier_wild_equal(s: _Search, q: str) -> bool:
    """5. a wildcard name equals the query."""
    return s.emit(s.wild(q.casefold())[0])


def _tier_wild_prefix(s: _Search, q: str) -> bool:
    """6. a wildcard name matches a prefix of the query, longer names first."""
    return s.emit(s.wild(q.casefold())[1], _longest)


def _tier_shared_prefix(s: _Search, q: str) -> bool:
    """7. the name shares a prefix of 4+ characters and 60 % of the query with it,
    longer shared prefixes first."""
    qcf = q.casefold()
    for n in range(len(qcf) - 1, max(4, -(-len(qcf) * 3 // 5)) - 1, -1):
        if s.emit(s.prefixed(qcf[:n])):
            return True
    return False


def _word_scores(s: _Search, toks: list[str]) -> tuple[Counter[int], Counter[int]]:
    """(query words matched, weight sum) per symbol (library position << 20 | index)."""
    matched: Counter[int] = Counter()
    weight: Counter[int] = Counter()
    for tok in toks:
        anywhere: set[int] = set()
        for li, lib in enumerate(s.libs):
            base = li << _LIB_SHIFT
            for w, m in zip(_WORD_WEIGHTS, lib.tables.words):
                got = m.get(tok)
                if got:
                    g = [base | i for i in got]
                    anywhere.update(g)
                    weight.update(g * w)
        matched.update(anywhere)
    return matched, weight


def _tier_words(s: _Search, q: str) -> bool:
    """8. query words found as words of the name, keywords or description: more words
    first, then the larger weight sum."""
    toks = [w for w in dict.fromkeys(_WORD.findall(q.casefold())) if len(w) > 1]
    if not toks:
        return False
    matched, weight = _word_scores(s, toks)
    need = s.limit - len(s.out)
    cands: dict[_Cand, tuple[int, int]] = {}
    cut = None
    for g in sorted(matched, key=lambda g: (-matched[g], -weight[g])):
        sc = (matched[g], weight[g])
        if cut is not None and sc < cut:
            break                           # only ties of the last needed one go on
        c = s.cand(s.libs[g >> _LIB_SHIFT], g & ((1 << _LIB_SHIFT) - 1))
        if c.lib_id in s.seen:
            continue
        cands[c] = sc
        if len(cands) == need:
            cut = sc
    return s.emit(cands, key=lambda c: (-cands[c][0], -cands[c][1], len(c.name),
                                        c.lib_id.casefold(), c.lib_id))


_TIERS = (_tier_equal, _tier_normalised, _tier_suffixed, _tier_cut, _tier_prefix,
          _tier_wild_equal, _tier_wild_prefix, _tier_shared_prefix, _tier_words)


def _tier_lib_id(s: _Search, q: str) -> bool:
    """Before all tiers: a ``Lib:Name`` query naming a symbol (both parts case-insensitive)."""
    want, rest = split_lib_id(q)
    want = want.strip().casefold()
    return s.emit(c for c in s.lookup("exact", rest.strip().casefold()) if c.nick.casefold() == want)


def find(libs: Sequence[Library], name: str, limit: int = 10) -> list[str]:
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
    s = _Search(libs, limit)
    if ":" in q:
        if _tier_lib_id(s, q):
            return s.out
        q = symbol_name(q).strip() or q
    for tier in _TIERS:
        if tier(s, q):
            break
    return s.out
