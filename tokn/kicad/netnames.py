"""Net names from label text, the way KiCad 9 forms them.

KiCad stores label text with escapes (``{slash}``, ``{colon}``, ``{space}``...) but files
also hold the plain characters (``A/B``).  A net name is the label text *unescaped* and
then escaped for net names, where only ``/`` (the sheet separator) is escaped and line
breaks are dropped.  So ``A/B`` and ``A{slash}B`` are one net named ``A{slash}B``, and
``C{colon}D`` and ``C:D`` are one net named ``C:D`` (rules recorded with kicad-cli in
tests/fixtures/connectivity/esc_*).  Text markup (``~{X}``, ``^{X}``, ``_{X}``) and text
variables (``${X}``) are kept as written.
"""
from __future__ import annotations

# KiCad's UnescapeString tokens (common/string_utils.cpp).
_UNESCAPE = {"dblquote": '"', "quote": "'", "lt": "<", "gt": ">", "backslash": "\\", "slash": "/",
             "bar": "|", "comma": ",", "colon": ":", "space": " ", "dollar": "$", "tab": "\t",
             "return": "\n", "brace": "{"}


def unescape(text: str) -> str:
    """KiCad's ``UnescapeString``: ``{slash}`` -> ``/`` etc.; ``{...}`` after ``$ ~ ^ _``
    (variables, markup), unknown tokens and an unterminated ``{`` are kept."""
    if len(text) <= 2 or "{" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    prev = ""
    while i < n:
        ch = text[i]
        if ch != "{":
            out.append(ch)
            prev = ch
            i += 1
            continue
        depth, j = 1, i + 1
        while j < n:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        token = text[i + 1:j]
        if j >= n:                                   # unterminated
            out.append("{" + unescape(token))
        elif prev in ("$", "~", "^", "_") or token not in _UNESCAPE:
            out.append("{" + unescape(token) + "}")
        else:
            out.append(_UNESCAPE[token])
        prev = "}" if j < n else ""
        i = j + 1
    return "".join(out)


def escape_net_name(name: str) -> str:
    """Escape a name the way KiCad does for net names ('/' is the sheet separator)."""
    return name.replace("/", "{slash}").replace("\n", "").replace("\r", "")


def net_text(label_text: str) -> str:
    """The net name a label, sheet pin, power value or power pin name gives (before any
    sheet path): the text unescaped, then escaped for net names."""
    if "{" not in label_text and "/" not in label_text and "\n" not in label_text and "\r" not in label_text:
        return label_text
    return escape_net_name(unescape(label_text))
