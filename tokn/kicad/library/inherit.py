"""Derived symbols (``extends``) flattened the way KiCad's ``LIB_SYMBOL::Flatten()`` does.

Contract: :func:`chain_of` walks a symbol's ``extends`` chain up to its root;
:func:`merge_properties` merges the chain's properties (a mandatory field, keywords or
footprint filters of a derived symbol replace the parent's only when non-empty);
:func:`flatten_symbol_nodes` builds the ``lib_symbols`` entry KiCad embeds for a derived
symbol from the parsed nodes of its chain.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from ..ids import symbol_name
from ...sexpr import quote, text
from .scan import UNIT_SUFFIX, prop_args

#: KiCad 9 mandatory fields; a derived symbol overrides them only with a non-empty text.
MANDATORY_FIELDS = ("Reference", "Value", "Footprint", "Datasheet", "Description")
#: Fields that are ``LIB_SYMBOL`` members in KiCad, inherited from the parent when empty.
_MEMBER_FIELDS = ("ki_keywords", "ki_fp_filters", "ki_description")
_MEMBER_RANK = {"ki_keywords": 1, "ki_fp_filters": 2}
_INHERIT_UNLESS_SET = frozenset(MANDATORY_FIELDS + _MEMBER_FIELDS)
#: Symbol attributes KiCad takes from the immediate parent, with its defaults.
_ATTRIBUTES = (("exclude_from_sim", "no"), ("in_bom", "yes"), ("on_board", "yes"))


def chain_of(extends: Sequence[str], by_name: Mapping[str, int], i: int) -> list[int]:
    """Symbol indices from symbol ``i`` up to its root (stops at a missing parent/cycle).

    ``extends`` holds the parent name of each symbol of one library file ("" for a root),
    ``by_name`` maps a symbol name to its index there.
    """
    out = [i]
    while extends[out[-1]]:
        j = by_name.get(extends[out[-1]])
        if j is None or j in out:
            break
        out.append(j)
    return out


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
    a = prop_args(node)
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
    name = symbol_name(lib_id)
    root[1] = quote(lib_id)
    root[:] = [c for c in root if type(c) is str or not c or c[0] != "extends"]
    for level in reversed(chain[:-1]):
        for pnode in level:
            k = _prop_key(pnode)
            if k is None:
                continue
            a = prop_args(pnode)
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
            m = UNIT_SUFFIX.search(text(c[1]))
            if m:
                c[1] = quote(f"{name}_{m.group(1)}_{m.group(2)}")
    return root
