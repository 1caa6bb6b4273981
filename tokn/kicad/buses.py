"""Bus names: expansion of vector buses, group buses and bus aliases into member nets.

Rules (KiCad 9, and where KiCad 10 differs, recorded with both in
tests/fixtures/connectivity/bus_*):

* ``D[0..3]`` has members D0 D1 D2 D3, matched to another vector bus by *position*
  (a sheet pin ``D[0..7]`` on a parent bus ``D[8..15]`` links the child's D0 to D8);
  members always count upwards (``E[7..4]`` is E4 E5 E6 E7, so its E4 meets D0);
* ``USB{DP DM}`` has members USB.DP USB.DM, matched to another group by *member name*
  (DP, DM), whatever the group's own name or order; members are separated by spaces or
  commas;
* KiCad 9 drops text markup from member names: ``B{~{X} Y}`` has members B.X and B.Y,
  ``~{CS}[0..1]`` has CS0 and CS1 (a label ``~{CS}0`` is not a member); KiCad 10 keeps it
  (B.~{X}, ~{CS}0): ``keep_markup``;
* ``{ALIAS}`` stands for the members of a bus alias (themselves expanded).

Across a sheet pin whose bus kind differs from the parent's (:func:`link_key`): a group
member on a vector bus links to the vector's first member (all plain members do; a member
of a vector inside the group links by its position there in KiCad 10, and only at position
0 in KiCad 9); a vector member on a group bus links, in KiCad 10 only, to the group's member
at the same position (the group's members flattened), in KiCad 9 to nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_VECTOR = re.compile(r"^(.*?)\[(\d+)\.\.(\d+)\](.*)$")
# "{" preceded by ~ ^ _ is text markup (overbar, super/subscript), by $ or @ a text
# variable or KiCad 10 expression left unresolved: none of them is a group bus.
_GROUP = re.compile(r"^((?:[^{}~^_$@]|[~^_$@](?!\{))*)\{(.*)\}$")
# KiCad 10 also reads markup inside a group's prefix: ``I2C_{SYS}{I2C}`` is the group
# ``{I2C}`` with the prefix ``I2C_{SYS}`` (its jetson-agx-thor-baseboard demo); KiCad 9
# does not (such a label joins no bus member: tests/fixtures/connectivity/
# bus_group_prefix_markup).
_GROUP10 = re.compile(r"^((?:[^{}~^_$@]|[~^_$@](?!\{)|[~^_]\{[^{}]*\})*)\{(.*)\}$")
_MARKUP = re.compile(r"[~^_]\{([^{}]*)\}")

# KiCad's escapes in label text ({slash}, {colon}, ...) are text, not bus groups.
_TEXT_ESCAPE = re.compile(r"\{(?:slash|backslash|lt|gt|colon|dblquote|quote|space|tab|return|linefeed|comma)\}")


def is_bus_name(name: str, kicad10: bool = False) -> bool:
    """True for ``D[0..7]``, ``USB{DP DM}`` and ``{ALIAS}`` style names (with ``kicad10``
    also ``I2C_{SYS}{I2C}``: markup in a group's prefix)."""
    plain = _TEXT_ESCAPE.sub("\x00", name)
    return bool(_VECTOR.match(plain) or (_GROUP10 if kicad10 else _GROUP).match(plain))


def _group_items(body: str, keep_markup: bool = False) -> list[str]:
    """Members of a group body, split at spaces and commas outside braces (markup dropped
    unless ``keep_markup``)."""
    items, cur, depth = [], [], 0
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if depth == 0 and ch in " ,\t\n":
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [item for item in (i if keep_markup else _strip_markup(i) for i in items) if item]


def _strip_markup(text: str) -> str:
    """``~{X}`` (and ``^{X}``, ``_{X}``) -> ``X``: KiCad 9's bus members carry no text markup."""
    while _MARKUP.search(text):
        text = _MARKUP.sub(r"\1", text)
    return text


@dataclass(frozen=True)
class BusMember:
    """One member net of a bus.

    ``key`` is what another bus's member must share to be linked with it: ``#<position>``
    for a member of a vector bus, the member's own name (without the group's prefix) for a
    group member.  ``vector_pos`` is a group member's position inside a vector bus nested
    in the group (``D1`` of ``U{X D[0..1]}`` is 1; ``None`` for a plain member).
    """
    name: str
    key: str
    vector_pos: int | None = None


def members(name: str, aliases: dict[str, list[str]] | None = None, keep_markup: bool = False,
            depth: int = 0) -> list[BusMember]:
    """Every member of bus ``name``, in KiCad's order (a plain name is one member of its
    own); markup kept in member names with ``keep_markup`` (KiCad 10)."""
    if depth > 8:
        return [BusMember(name, name)]
    m = (_GROUP10 if keep_markup else _GROUP).match(name)
    if m:
        prefix, body = m.group(1), m.group(2)
        out: list[BusMember] = []
        for item in _group_items(body, keep_markup):
            if aliases and item in aliases and not prefix:
                for member in aliases[item]:
                    out.extend(BusMember(b.name, b.name) for b in members(member, aliases, keep_markup, depth + 1))
                continue
            for b in members(item, aliases, keep_markup, depth + 1):
                pos = int(b.key[1:]) if b.key[:1] == "#" and b.key[1:].isdigit() else None
                out.append(BusMember(f"{prefix}.{b.name}" if prefix else b.name, b.name, pos))
        return out
    m = _VECTOR.match(name)
    if m:
        strip = (lambda t: t) if keep_markup else _strip_markup
        prefix, a, b, suffix = strip(m.group(1)), int(m.group(2)), int(m.group(3)), strip(m.group(4))
        lo, hi = min(a, b), max(a, b)          # KiCad counts upwards: E[7..4] is E4 E5 E6 E7
        if hi - lo > 4096:
            return [BusMember(name, name)]
        return [BusMember(f"{prefix}{n}{suffix}", f"#{k}") for k, n in enumerate(range(lo, hi + 1))]
    if aliases and name in aliases:
        out = []
        for member in aliases[name]:
            out.extend(BusMember(b.name, b.name) for b in members(member, aliases, keep_markup, depth + 1))
        return out
    return [BusMember(name, name)]


def bus_members(name: str, aliases: dict[str, list[str]] | None = None,
                keep_markup: bool = False) -> list[tuple[str, str]]:
    """(member net name, match key) of every member of bus ``name`` (see :func:`members`)."""
    return [(b.name, b.key) for b in members(name, aliases, keep_markup)]


def link_key(member: BusMember, parent_keys: list[str], kicad: int) -> str | None:
    """The key of the parent bus member that a sheet pin's ``member`` links to, given the
    keys of the parent bus's members in order (None: it links to nothing).  Same kind:
    the same key; a group member on a vector bus and a vector member on a group bus: see
    the module docstring."""
    if member.key in parent_keys:
        return member.key
    parent_is_vector = bool(parent_keys) and all(k.startswith("#") for k in parent_keys)
    if parent_is_vector and not member.key.startswith("#"):
        if member.vector_pos is None or member.vector_pos == 0:
            return "#0"
        return f"#{member.vector_pos}" if kicad >= 10 else None
    if member.key.startswith("#") and not parent_is_vector and kicad >= 10:
        k = int(member.key[1:])
        return parent_keys[k] if k < len(parent_keys) else None
    return None


def expand_bus(name: str, aliases: dict[str, list[str]] | None = None, keep_markup: bool = False) -> list[str]:
    """Member net names of a bus name, in KiCad's order.

    ``D[0..3]`` -> D0 D1 D2 D3; ``USB{DP DM}`` -> USB.DP USB.DM; ``{ALIAS}`` -> the alias'
    members (themselves expanded); a plain name expands to itself.
    """
    return [b.name for b in members(name, aliases, keep_markup)]
