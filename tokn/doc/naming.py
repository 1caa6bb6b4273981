"""Natural ordering of references, pins and net names (``C2`` < ``C10``, ``U1.2`` < ``U1.10``)."""
from __future__ import annotations

import re
from typing import Iterable

_DIGITS = re.compile(r"([0-9]+)")


def natural_key(s: str) -> tuple:
    """Sort key comparing runs of ASCII digits by value and other text as text.

    The key alternates text and numbers (it always starts with a text run, possibly empty),
    so keys of any two strings compare without type errors.  Strings whose runs are equal
    (``C01`` and ``C1``) are ordered by their plain text, so the order is total.
    """
    parts = _DIGITS.split(s)
    # the digit runs are the odd items; converted in place by map (a generator over all
    # items: 40% slower)
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts), s


def natural_sorted(items: Iterable[str]) -> list[str]:
    """``items`` sorted with :func:`natural_key`."""
    return sorted(items, key=natural_key)
