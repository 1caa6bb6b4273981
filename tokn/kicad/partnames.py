"""Does a library symbol name denote the part a person or a model wrote?

``plausible("LM7805", "L7805")`` and ``plausible("ATmega328P-AU", "ATmega328P-A")`` are true;
a symbol that only shares description words with the query is not the part.  Used when a
component type is not an exact symbol name (validation, decoding, prompt grounding).
"""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-_/.,]")


def normalise(s: str) -> str:
    """``s`` casefolded without separators (space ``-`` ``_`` ``/`` ``.`` ``,``): the form
    in which part names are compared (``LM-7805`` = ``lm7805``)."""
    return _SEPARATORS.sub("", s.casefold())


def _wild(name: str) -> str:
    """``name`` normalised with KiCad wildcards (an ``x`` after a digit or capital) as ``?``."""
    out = []
    for i, c in enumerate(name):
        if c == "x" and i > 0 and (name[i - 1].isdigit() or name[i - 1].isupper()):
            out.append("?")
        elif not _SEPARATORS.match(c):
            out.append(c.casefold())
    return "".join(out)


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y and y != "?":
            break
        n += 1
    return n


def _digit(c: str) -> bool:
    return c.isdigit() or c == "?"


def plausible(query: str, name: str) -> bool:
    """True when the library symbol ``name`` is the part ``query`` (see the module doc).

    The names must agree on their first characters, and where they part, the part number
    must be over: a digit that differs or continues the number (``74HC32`` / ``74HC36``,
    ``74HC32`` / ``74HC323``) makes another part; letters after it (package, grade:
    ``TL072CP`` / ``TL072``, ``MCP2551-I-SN``) do not."""
    q, n = normalise(query), _wild(name)
    if not q or not n:
        return False
    common = _prefix(q, n)
    if common and common < max(len(q), len(n)) and _digit(q[common - 1]):
        nxt = q[common:common + 1] + n[common:common + 1]
        if any(_digit(c) for c in nxt):                    # the number itself differs or goes on
            return False
    if common == len(q) or common == len(n):                # equal, suffix added, or suffix cut
        return common >= min(4, len(q), len(n)) and (common == len(q) or common * 2 >= len(q))
    return common >= 4 and common >= 0.8 * min(len(q), len(n)) and len(n) == len(q)
