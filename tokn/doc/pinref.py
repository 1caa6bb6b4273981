"""``REF.PIN``: how a pin reference in a net is split into part and pin number.

Pin numbers may contain dots (resistor arrays number their pins ``1.1`` ... ``4.2``), so
the split is not at the last dot: a pin reference is split after the **longest declared
reference** of the document that it starts with followed by a dot (``RM3.1.2`` with part
``RM3`` declared is pin ``1.2`` of ``RM3``).  When no declared reference fits, or none are
given, it is split at the first dot (references have no dots in practice; pin numbers
may).  The rule is part of the format (docs/format.md, nets).
"""
from __future__ import annotations

from typing import Iterable


def split_pin_ref(text: str, refs: Iterable[str] | None = None) -> tuple[str, str] | None:
    """(reference, pin number) of ``text``, or ``None`` when it is not of the form REF.PIN
    (no dot, or an empty part or pin).  ``refs``: the document's declared references (a
    set is fastest); see the module docstring for the rule."""
    text = text.strip()
    if refs:
        known = refs if isinstance(refs, (set, frozenset, dict)) else set(refs)
        cut = len(text)
        while True:
            cut = text.rfind(".", 0, cut)
            if cut <= 0:
                break
            if text[:cut] in known and cut + 1 < len(text):
                return text[:cut], text[cut + 1:]
    ref, dot, pin = text.partition(".")
    if not dot or not ref or not pin:
        return None
    return ref, pin

