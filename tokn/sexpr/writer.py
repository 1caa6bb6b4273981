"""Serialisation of S-expression trees.

Unmodified :class:`~tokn.sexpr.lexer.Node` lists print from their source span (byte
identical); new or modified lists are laid out the way KiCad 9 does: a list whose items
are all atoms stays on one line, other lists put each child list on its own line indented
by one tab, and runs of ``(xy ...)`` points stay on one line.
"""
from __future__ import annotations

from .lexer import Document, Node

_INLINE_RUNS = {"xy"}


def dumps(tree) -> str:
    """Serialise a :class:`Document`, a single list, or a list of top-level lists."""
    if isinstance(tree, Document):
        out = []
        for gap, node in zip(tree.gaps, tree):
            out.append(gap)
            out.append(format_list(node, 0))
        out.append(tree.gaps[len(tree)] if len(tree.gaps) > len(tree) else "\n")
        return "".join(out)
    if tree and type(tree[0]) is str:
        return format_list(tree, 0) + "\n"
    return "".join(format_list(t, 0) + "\n" for t in tree)


def _clean(node) -> bool:
    """True when ``node`` and all its descendants still match their source span."""
    if not isinstance(node, Node) or node.span is None:
        return False
    return all(type(c) is str or _clean(c) for c in node)


def format_list(node, depth: int) -> str:
    """Text of one list at indentation ``depth`` (tabs)."""
    if isinstance(node, Node) and _clean(node):
        return node.source[node.span[0]:node.span[1]]
    atoms = []
    i = 0
    while i < len(node) and type(node[i]) is str:
        atoms.append(node[i])
        i += 1
    if i == len(node):
        return "(" + " ".join(atoms) + ")"
    parts = ["(" + " ".join(atoms)]
    pad = "\n" + "\t" * (depth + 1)
    rest = node[i:]
    j = 0
    while j < len(rest):
        c = rest[j]
        if type(c) is str:
            parts.append(" " + c)
            j += 1
            continue
        if c and c[0] in _INLINE_RUNS:
            run = []
            while j < len(rest) and type(rest[j]) is not str and rest[j] and rest[j][0] in _INLINE_RUNS:
                run.append(format_list(rest[j], depth + 1))
                j += 1
            parts.append(pad + " ".join(run))
            continue
        parts.append(pad + format_list(c, depth + 1))
        j += 1
    parts.append("\n" + "\t" * depth + ")")
    return "".join(parts)
