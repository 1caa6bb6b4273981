"""KiCad identifiers every layer reads: symbol library ids and netlisted references.

* A *lib_id* is ``nickname:name`` (``Device:R``); the nickname ends at the first ``:`` and a
  lib_id without one has no nickname (KiCad's ``LIB_ID``).  :func:`split_lib_id`,
  :func:`lib_nickname` and :func:`symbol_name` are the one reading of it.
* A reference starting with ``#`` (power symbols, PWR_FLAG, other virtual parts) is left
  out of netlists and BOMs by KiCad: :func:`is_netlisted`.
"""
from __future__ import annotations

__all__ = ["split_lib_id", "lib_nickname", "symbol_name", "is_netlisted"]


def split_lib_id(lib_id: str) -> tuple[str, str]:
    """``(nickname, symbol name)`` of ``lib_id``; ``("", lib_id)`` when it has no ``:``."""
    nick, sep, name = lib_id.partition(":")
    return (nick, name) if sep else ("", lib_id)


def lib_nickname(lib_id: str) -> str:
    """The library nickname of ``lib_id`` (``""`` when it has none)."""
    return split_lib_id(lib_id)[0]


def symbol_name(lib_id: str) -> str:
    """The symbol name of ``lib_id`` (all of it when it has no nickname)."""
    return split_lib_id(lib_id)[1]


def is_netlisted(ref: str) -> bool:
    """Whether KiCad lists reference ``ref`` in netlists (not a ``#`` virtual part)."""
    return not ref.startswith("#")
