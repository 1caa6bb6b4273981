"""Small helpers to look into parsed S-expression lists (raw-atom representation)."""
from __future__ import annotations

from typing import Iterator

from .atoms import text


def child(node: list, head: str) -> list | None:
    """First direct child list whose head atom is ``head``, or None."""
    for c in node:
        if type(c) is not str and c and c[0] == head:
            return c
    return None


def children(node: list, head: str) -> Iterator[list]:
    """All direct child lists whose head atom is ``head``."""
    for c in node:
        if type(c) is not str and c and c[0] == head:
            yield c


def first_value(node: list, head: str, default: str | None = None) -> str | None:
    """Unquoted first argument of child ``(head value ...)``, or ``default``."""
    return value_of(child(node, head), default)


def value_of(c: list | None, default: str | None = None) -> str | None:
    """Unquoted first argument of the list ``c`` (``(head value ...)``), or ``default`` when
    ``c`` is None or has no atom argument."""
    if c is None or len(c) < 2 or type(c[1]) is not str:
        return default
    return text(c[1])


def yes_no(node: list, head: str, default: bool) -> bool:
    """Read a KiCad boolean child: ``(head yes)``/``(head no)``, bare ``(head)`` means yes."""
    return yes_no_of(child(node, head), default)


def yes_no_of(c: list | None, default: bool) -> bool:
    """The KiCad boolean the list ``c`` says (see :func:`yes_no`); ``default`` for None."""
    if c is None:
        return default
    return len(c) < 2 or text(c[1]) != "no"


def has_flag(node: list, flag: str) -> bool:
    """True for a bare atom flag (KiCad <= 8: ``hide``) or a child ``(flag yes)`` (KiCad 9)."""
    for c in node:
        if type(c) is str:
            if c == flag:
                return True
        elif c and c[0] == flag:
            return len(c) < 2 or text(c[1]) != "no"
    return False
