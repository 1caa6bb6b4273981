"""Bus names: expansion of vector buses, group buses and bus aliases into member nets.

Rules (KiCad 9, recorded in tests/fixtures/connectivity/bus_*):

* ``D[0..3]`` has members D0 D1 D2 D3, matched to another vector bus by *position*
  (a sheet pin ``D[0..7]`` on a parent bus ``D[8..15]`` links the child's D0 to D8);
  members always count upwards (``E[7..4]`` is E4 E5 E6 E7, so its E4 meets D0);
* ``USB{DP DM}`` has members USB.DP USB.DM, matched to another group by *member name*
  (DP, DM), whatever the group's own name or order; members are separated by spaces or
  commas;
* text markup is dropped from member names: ``B{~{X} Y}`` has members B.X and B.Y,
  ``~{CS}[0..1]`` has CS0 and CS1 (a label ``~{CS}0`` is not a member);
* ``{ALIAS}`` stands for the members of a bus alias (themselves expanded).
"""
from __future__ import annotations

import re

_VECTOR = re.compile(r"^(.*?)\[(\d+)\.\.(\d+)\](.*)$")
# "{" preceded by ~ ^ _ is text markup (overbar, super/subscript), not a group bus.
_GROUP = re.compile(r"^((?:[^{}~^_]|[~^_](?!\{))*)\{(.*)\}$")
_MARKUP = re.compile(r"[~^_]\{([^{}]*)\}")

# KiCad's escapes in label text ({slash}, {colon}, ...) are text, not bus groups.
_TEXT_ESCAPE = re.compile(r"\{(?:slash|backslash|lt|gt|colon|dblquote|quote|space|tab|return|linefeed|comma)\}")


def is_bus_name(name: str) -> bool:
    """True for ``D[0..7]``, ``USB{DP DM}`` and ``{ALIAS}`` style names."""
    plain = _TEXT_ESCAPE.sub("\x00", name)
    return bool(_VECTOR.match(plain) or _GROUP.match(plain))


def _group_items(body: str) -> list[str]:
    """Members of a group body, split at spaces and commas outside braces, markup dropped."""
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
    return [item for item in map(_strip_markup, items) if item]


def _strip_markup(text: str) -> str:
    """``~{X}`` (and ``^{X}``, ``_{X}``) -> ``X``: bus members carry no text markup."""
    while _MARKUP.search(text):
        text = _MARKUP.sub(r"\1", text)
    return text


def bus_members(name: str, aliases: dict[str, list[str]] | None = None,
                depth: int = 0) -> list[tuple[str, str]]:
    """(member net name, match key) of every member of bus ``name``, in KiCad's order.

    The key is what another bus's member must share to be linked with it: ``#<position>``
    for a vector bus, the member's own name (without the group's prefix) for a group.
    A plain name is one member of its own.
    """
    if depth > 8:
        return [(name, name)]
    m = _GROUP.match(name)
    if m:
        prefix, body = m.group(1), m.group(2)
        out: list[tuple[str, str]] = []
        for item in _group_items(body):
            if aliases and item in aliases and not prefix:
                for member in aliases[item]:
                    out.extend((n, n) for n, _key in bus_members(member, aliases, depth + 1))
                continue
            for member, _key in bus_members(item, aliases, depth + 1):
                out.append((f"{prefix}.{member}" if prefix else member, member))
        return out
    m = _VECTOR.match(name)
    if m:
        prefix, a, b, suffix = _strip_markup(m.group(1)), int(m.group(2)), int(m.group(3)), _strip_markup(m.group(4))
        lo, hi = min(a, b), max(a, b)          # KiCad counts upwards: E[7..4] is E4 E5 E6 E7
        if hi - lo > 4096:
            return [(name, name)]
        return [(f"{prefix}{n}{suffix}", f"#{k}") for k, n in enumerate(range(lo, hi + 1))]
    if aliases and name in aliases:
        out = []
        for member in aliases[name]:
            out.extend((n, n) for n, _key in bus_members(member, aliases, depth + 1))
        return out
    return [(name, name)]


def expand_bus(name: str, aliases: dict[str, list[str]] | None = None) -> list[str]:
    """Member net names of a bus name, in KiCad's order.

    ``D[0..3]`` -> D0 D1 D2 D3; ``USB{DP DM}`` -> USB.DP USB.DM; ``{ALIAS}`` -> the alias'
    members (themselves expanded); a plain name expands to itself.
    """
    return [n for n, _key in bus_members(name, aliases)]
