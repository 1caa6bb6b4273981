"""Bus names: expansion of vector buses, group buses and bus aliases into member nets."""
from __future__ import annotations

import re

_VECTOR = re.compile(r"^(.*?)\[(\d+)\.\.(\d+)\](.*)$")
# "{" preceded by ~ ^ _ is text markup (overbar, super/subscript), not a group bus.
_GROUP = re.compile(r"^((?:[^{}~^_]|[~^_](?!\{))*)\{(.*)\}$")


_MARKUP = re.compile(r"[~^_]\{")

# KiCad's escapes in label text ({slash}, {colon}, ...) are text, not bus groups.
_TEXT_ESCAPE = re.compile(r"\{(?:slash|backslash|lt|gt|colon|dblquote|quote|space|tab|return|linefeed|comma)\}")


def is_bus_name(name: str) -> bool:
    """True for ``D[0..7]``, ``USB{DP DM}`` and ``{ALIAS}`` style names."""
    plain = _TEXT_ESCAPE.sub("\x00", name)
    return bool(_VECTOR.match(plain) or _GROUP.match(plain))


def expand_bus(name: str, aliases: dict[str, list[str]] | None = None, depth: int = 0) -> list[str]:
    """Member net names of a bus name, in KiCad's order.

    ``D[0..3]`` -> D0 D1 D2 D3; ``USB{DP DM}`` -> USB.DP USB.DM; ``{ALIAS}`` -> the alias'
    members (themselves expanded); a plain name expands to itself.
    """
    if depth > 8:
        return [name]
    m = _GROUP.match(name)
    if m:
        prefix, body = m.group(1), m.group(2)
        out: list[str] = []
        for item in re.split(r"[\s,]+", body.strip()):
            if not item or _MARKUP.search(item):
                # KiCad 9 and 10 connect no group member written with text markup, e.g.
                # ~{RESET} in SWD{~{RESET} SWDIO} (the RoyalBlue54L demo)
                continue
            if aliases and item in aliases and not prefix:
                for member in aliases[item]:
                    out.extend(expand_bus(member, aliases, depth + 1))
                continue
            for member in expand_bus(item, aliases, depth + 1):
                out.append(f"{prefix}.{member}" if prefix else member)
        return out
    m = _VECTOR.match(name)
    if m:
        prefix, a, b, suffix = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        step = 1 if b >= a else -1
        if abs(b - a) > 4096:
            return [name]
        return [f"{prefix}{n}{suffix}" for n in range(a, b + step, step)]
    if aliases and name in aliases:
        out = []
        for member in aliases[name]:
            out.extend(expand_bus(member, aliases, depth + 1))
        return out
    return [name]
