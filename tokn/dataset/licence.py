"""SPDX licence of a KiCad project: detected from its licence files, or declared.

Detection (:func:`detect_licence`) looks for licence files (``LICENSE*``, ``LICENCE*``,
``COPYING*``, ``COPYRIGHT*``, ``README*``) in the project's directory and then in each parent
up to a stop directory (the repository root); the nearest directory that has a licence
file or a README naming a licence wins, so ``hardware/LICENSE`` overrides the
repository's ``LICENSE``.  A KiCad design takes the hardware's licence: a file named
``LICENSE-HARDWARE`` (``LICENSE.hw``), or a statement that gives the hardware a licence
("the hardware designs are available under X", "Hardware: X", a table row) in a licence
file or the README's licence section, wins over the other licence files;
``LICENSE-SOFTWARE``/``-CODE``/``-DOCS`` are left out.  A licence file is recognised by its
title or distinctive phrases of the licence's text (confidence 0.95), an
``SPDX-License-Identifier:`` line (0.9), a hardware statement (0.85) or the one licence its
notice names (0.8); a README by its licence section (hardware statement 0.7, one licence
named 0.6) or a "this ... is licensed under X" sentence (0.5).  Different licences are
joined with ``AND`` (the conservative reading) at no more than 0.7.  Nothing recognised
gives ``None`` -- unknown stays unknown, never guessed: a licence file that is not
recognised is not passed over for a parent's, and a clause restricting commercial use
is never read as a free licence.  The rules are the tables ``_TITLES``, ``_TEXTS`` and
``_NAMES_OF``.

Declared licences (a manifest's free text, e.g. ``"CC-BY-SA-4.0 (per README)"`` or
``"0BSD / Apache-2.0"``) are read by :func:`parse_declared`.

Each SPDX id has a category (:func:`category`): ``permissive``, ``weak-copyleft``,
``copyleft``, ``no-derivatives``, ``non-commercial`` or ``unknown``; an expression's
category is its most restrictive term for ``AND`` and its least restrictive for ``OR``.
:class:`LicencePolicy` is the dataset filter; its default admits the first three.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

#: Categories from least to most restrictive (the order used to combine expressions).
CATEGORIES = ("permissive", "weak-copyleft", "copyleft", "no-derivatives", "non-commercial", "unknown")
#: What a dataset admits unless told otherwise.
DEFAULT_ALLOW = ("permissive", "weak-copyleft", "copyleft")

_CATEGORY: dict[str, str] = {}
for _ids, _cat in (
    ("MIT MIT-0 Apache-2.0 BSD-2-Clause BSD-3-Clause 0BSD ISC Unlicense CC0-1.0 Zlib BSL-1.0 "
     "CERN-OHL-P-2.0 SHL-0.5 SHL-0.51 SHL-2.0 SHL-2.1 CC-BY-2.0 CC-BY-2.5 CC-BY-3.0 CC-BY-4.0 CC-BY-3.0-DE "
     "CC-BY-3.0-AT CC-BY-3.0-US PSF-2.0 WTFPL", "permissive"),
    ("LGPL-2.0 LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later MPL-2.0 "
     "CERN-OHL-W-2.0 EPL-2.0", "weak-copyleft"),
    ("GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0-only GPL-3.0-or-later AGPL-3.0 "
     "AGPL-3.0-only AGPL-3.0-or-later CERN-OHL-S-2.0 CERN-OHL-1.1 CERN-OHL-1.2 TAPR-OHL-1.0 "
     "CC-BY-SA-3.0 CC-BY-SA-4.0 CC-BY-SA-3.0-DE CC-BY-SA-3.0-AT CC-BY-SA-2.0 CC-BY-SA-2.5", "copyleft"),
    ("CC-BY-ND-2.0 CC-BY-ND-2.5 CC-BY-ND-3.0 CC-BY-ND-4.0 CC-BY-ND-3.0-DE", "no-derivatives"),
    ("CC-BY-NC-2.0 CC-BY-NC-2.5 CC-BY-NC-3.0 CC-BY-NC-4.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.5 CC-BY-NC-SA-3.0 "
     "CC-BY-NC-SA-4.0 CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5 CC-BY-NC-ND-3.0 CC-BY-NC-ND-4.0 CC-BY-NC-3.0-DE "
     "CC-BY-NC-SA-3.0-DE CC-BY-NC-ND-3.0-DE",
     "non-commercial"),
):
    for _id in _ids.split():
        _CATEGORY[_id] = _cat

#: Spellings seen in manifests and READMEs -> SPDX id.
_ALIASES = {
    "solderpad-2.1": "SHL-2.1", "solderpad-0.51": "SHL-0.51", "gplv3": "GPL-3.0", "gplv2": "GPL-2.0",
    "gpl3": "GPL-3.0", "gpl2": "GPL-2.0", "gpl-3": "GPL-3.0", "gpl-2": "GPL-2.0", "gpl-3.0+": "GPL-3.0-or-later",
    "gpl-2.0+": "GPL-2.0-or-later", "gpl-2+": "GPL-2.0-or-later", "gpl-3+": "GPL-3.0-or-later",
    "apache2": "Apache-2.0", "apache-2": "Apache-2.0", "cern-ohl-s": "CERN-OHL-S-2.0",
    "cern-ohl-w": "CERN-OHL-W-2.0", "cern-ohl-p": "CERN-OHL-P-2.0", "cc-by-sa": "CC-BY-SA-4.0",
}
_BY_LOWER = {k.lower(): k for k in _CATEGORY}


def normalise_id(token: str) -> str | None:
    """The SPDX id ``token`` spells (case-insensitive, known aliases), or None."""
    t = token.strip().strip(".,;:()[]").lower()
    return _BY_LOWER.get(t) or _ALIASES.get(t)


def category(expr: str | None) -> str:
    """Category of an SPDX expression (``A``, ``A OR B``, ``A AND B``); ``unknown`` for
    None or an id this module does not know."""
    if not expr:
        return "unknown"
    rank = CATEGORIES.index
    e = expr.strip()
    while e.startswith("(") and e.endswith(")") and _top_split(e[1:-1], "OR") is not None \
            and _balanced(e[1:-1]):
        e = e[1:-1].strip()
    ors = _top_split(e, "OR")
    if len(ors) > 1:
        return min((category(p) for p in ors), key=rank)
    ands = _top_split(e, "AND")
    if len(ands) > 1:
        return max((category(p) for p in ands), key=rank)
    withs = _top_split(e, "WITH")          # an exception only adds permissions
    if len(withs) == 2:
        return category(withs[0])
    return _CATEGORY.get(e, "unknown")


def _balanced(e: str) -> bool:
    depth = 0
    for ch in e:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _top_split(e: str, op: str) -> list[str]:
    """``e`` split on `` op `` outside parentheses."""
    parts, depth, cur = [], 0, []
    words = re.split(r"(\s+|\(|\))", e)
    for w in words:
        depth += (w == "(") - (w == ")")
        if depth == 0 and w == op:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(w)
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


# ---- recognising licence texts ----------------------------------------------------------
#
# Every rule lives in one of the tables below: ``_TITLES`` (the first lines of a licence
# text), ``_TEXTS`` (a phrase only that licence's text has), ``_NAMES_OF`` (how notices,
# READMEs and SPDX lines name a licence).  A rule is ``(regex, spdx)`` where ``spdx`` is
# an id or a function of the match; regexes run on the squashed text (lower case, one
# space, plain quotes and dashes).

def _squash(text: str) -> str:
    t = re.sub(r"(?m)^[ \t]*(?:/\*+|\*+/?|//+|#+|;+|--)[ \t]?", "", text.lower())   # comment leaders
    for a, b in (("\u2010", "-"), ("\u2011", "-"), ("\u2012", "-"), ("\u2013", "-"), ("\u2014", "-"),
                 ("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        t = t.replace(a, b)
    return " ".join(t.split())


_CERN2 = {"strongly reciprocal": "S", "strong copyleft": "S", "weakly reciprocal": "W", "weak copyleft": "W",
          "permissive": "P"}
_CC_PORTS = ("de", "at", "us", "nl", "fr", "uk", "igo")


def _cc_id(words: str, ver: str, port: str | None = None) -> str | None:
    """``CC-BY[-NC][-SA|-ND]-<ver>[-<PORT>]`` from the words of a Creative Commons name
    (``attribution-noncommercial-sharealike``, ``by-nc-sa``, ``non-commercial attribution
    share alike``...); None when the words name no Creative Commons licence element."""
    w = " " + re.sub(r"[-_*]", " ", words) + " "
    if not re.search(r"attribut|\bby\b|share ?alike|\bsa\b|commercial|\bnc\b|deriv|\bnd\b", w):
        return None
    kind = "BY"
    if re.search(r"non ?commercial|\bnc\b", w):
        kind += "-NC"
    if re.search(r"share ?alike|\bsa\b", w):
        kind += "-SA"
    elif re.search(r"no ?deriv|\bnd\b", w):
        kind += "-ND"
    ver = ver if "." in ver else ver + ".0"
    return f"CC-{kind}-{ver}" + (f"-{port.upper()}" if port and port in _CC_PORTS else "")


def _gnu_id(family: str, ver: str, later: bool | None) -> str:
    fam = {"affero ": "AGPL", "lesser ": "LGPL", "library ": "LGPL"}.get(family or "", "GPL")
    ver = {"2": "2.0", "3": "3.0", "2.1": "2.1", "2.0": "2.0", "3.0": "3.0"}.get(ver, ver)
    return f"{fam}-{ver}" + ("" if later is None else "-or-later" if later else "-only")


_CC_NAME = (r"creative commons[ -]*(?:legal code )?(?:corporation )?((?:[a-z*]+[- ]){1,6}?)(?:license,? )?"
            r"(?:version |v)?([1-4]\.0|2\.5)\b(?: (germany|austria|united states|netherlands|france))?")
_PORT = {"germany": "de", "austria": "at", "united states": "us", "netherlands": "nl", "france": "fr"}
_GNU_HEADER = (r"gnu (affero |lesser |library )?general public license,? version (\d(?:\.\d)?),? "
               r"(?:\d+ )?(?:june|february|november) (?:1991|1999|2007)")
_GNU_NOTICE = (r"gnu (affero |lesser |library )?general public license,? as published by the free software "
               r"foundation[;,]? (?:either )?version (\d(?:\.\d)?)(?: of the license)?"
               r"(,? (?:or|\(?at your option\)?)[^.]{0,40}?any later version)?")

#: The first lines of licence texts (searched in the first few hundred characters, and
#: anywhere when nothing better is found).
_TITLES: list[tuple[str, object]] = [
    (r"cern open hardware licen[cs]e,? (?:version 2(?:\.0)?|v2(?:\.0)?) ?[-:]? ?(strongly reciprocal|weakly "
     r"reciprocal|permissive|strong copyleft|weak copyleft)", lambda m: f"CERN-OHL-{_CERN2[m.group(1)]}-2.0"),
    (r"cern open hardware licen[cs]e,? (?:version |v\.? ?)(1\.[12])\b", lambda m: f"CERN-OHL-{m.group(1)}"),
    (r"the tapr open hardware license,? version 1\.0", "TAPR-OHL-1.0"),
    (r"solderpad hardware licen[cs]e,? (?:version |v ?)?(2\.1|2\.0|0\.51|0\.5)\b", lambda m: f"SHL-{m.group(1)}"),
    (_GNU_HEADER, lambda m: _gnu_id(m.group(1), m.group(2), None)),
    (r"mozilla public license,? version 2\.0", "MPL-2.0"),
    (r"apache license,? version 2\.0,? january 2004", "Apache-2.0"),
    (r"cc0 1\.0 universal", "CC0-1.0"),
    (_CC_NAME, lambda m: _cc_id(m.group(1), m.group(2), _PORT.get(m.group(3) or ""))),
]

#: Phrases of a licence's own text (or its standard notice), anywhere in a licence file.
_TEXTS: list[tuple[str, object]] = _TITLES + [
    (r"licen[cs]e'? means this cern-ohl-([psw])\b", lambda m: f"CERN-OHL-{m.group(1).upper()}-2.0"),
    (r"cern (?:open hardware licen[cs]e|ohl),? ?(?:version |v)?\.? ?(1\.[12])\b", lambda m: f"CERN-OHL-{m.group(1)}"),
    (r"tapr open hardware license", "TAPR-OHL-1.0"),
    (_GNU_NOTICE, lambda m: _gnu_id(m.group(1), m.group(2), bool(m.group(3)))),
    (r"apache license,? version 2\.0", "Apache-2.0"),
    (r"this is free and unencumbered software released into the public domain", "Unlicense"),
    (r"permission is hereby granted, free of charge, to any person obtaining a copy(?=.*the above copyright notice "
     r"and this permission notice shall be included)", "MIT"),
    (r"permission is hereby granted, free of charge, to any person obtaining a copy", "MIT-0"),
    (r"redistribution and use in source and binary forms(?=.*(?:neither the name|may not be used to endorse))",
     "BSD-3-Clause"),
    (r"redistribution and use in source and binary forms", "BSD-2-Clause"),
    (r"permission to use, copy, modify, and/or distribute this software for any purpose(?=.*provided that the "
     r"above copyright notice)", "ISC"),
    (r"permission to use, copy, modify, and/or distribute this software for any purpose", "0BSD"),
]

#: How notices, READMEs and licence statements name a licence.
_NAMES_OF: list[tuple[str, object]] = _TEXTS + [
    (r"creativecommons\.org/licenses/(by(?:-nc)?(?:-sa|-nd)?)/([1-4]\.[05])(?:/([a-z]{2,3})(?![a-z]))?",
     lambda m: _cc_id(m.group(1), m.group(2), m.group(3))),
    (r"creativecommons\.org/publicdomain/zero/1\.0", "CC0-1.0"),
    (r"\bcc[- ]?0\b(?:[- ]1\.0)?", "CC0-1.0"),
    (r"\bcc[- ](by(?:[- ]nc)?(?:[- ]sa|[- ]nd)?)[- ]?v?([1-4]\.0)\b", lambda m: _cc_id(m.group(1), m.group(2))),
    (r"(?<![a-z])(?:creative commons )?(attribution(?:[- ](?:noncommercial|non-commercial|sharealike|share-alike|"
     r"noderivatives|noderivs))*) ([1-4]\.0) (?:international|unported|generic)",
     lambda m: _cc_id(m.group(1), m.group(2))),
    (r"ohwr\.org/cern_ohl_([psw])_v2", lambda m: f"CERN-OHL-{m.group(1).upper()}-2.0"),
    (r"\bcern[- ]?ohl[- ]([psw])\b(?:[- ]v?2(?:\.0)?)?", lambda m: f"CERN-OHL-{m.group(1).upper()}-2.0"),
    (r"\bcern[- ]ohl[- ]v?\.? ?(1\.[12])\b", lambda m: f"CERN-OHL-{m.group(1)}"),
    (r"\btapr[- ]ohl\b|tapr\.org/ohl", "TAPR-OHL-1.0"),
    (r"solderpad\.org/licenses/shl-(2\.1|0\.51)", lambda m: f"SHL-{m.group(1)}"),
    (r"\bsolderpad[- ](?:hardware[- ])?(?:licen[cs]e[- ])?(?:version |v ?)?(2\.1|0\.51)\b",
     lambda m: f"SHL-{m.group(1)}"),
    (r"\bmit licen[cs]e\b|\blicen[cs]ed under (?:the )?mit\b", "MIT"),
    (r"\bapache(?: licen[cs]e)?,? (?:version |v)?2(?:\.0)?\b", "Apache-2.0"),
    (r"gnu (affero |lesser |library )?general public license,? (?:version |v)(\d(?:\.\d)?)\b",
     lambda m: _gnu_id(m.group(1), m.group(2), None)),
    (r"\b(?:gnu )?(a|l)?gpl ?v?-?([23](?:\.[01])?)(\+| or later|-or-later|-only)?(?![\w.])",
     lambda m: _gnu_id({"a": "affero ", "l": "lesser "}.get(m.group(1) or "", ""), m.group(2),
                       None if not m.group(3) else m.group(3) != "-only")),
    (r"\bbsd[- ]([23])[- ]clause\b", lambda m: f"BSD-{m.group(1)}-Clause"),
    (r"\bmpl[- ]?v?2\.0\b", "MPL-2.0"),
    (r"\bthe unlicense\b|\bunlicense\b", "Unlicense"),
]


def _spdx_ids_rule():
    ids = sorted(_CATEGORY, key=len, reverse=True)
    return (r"(?<![\w.+-])(" + "|".join(re.escape(i.lower()) for i in ids) + r")(?![\w+-]|\.\d)",
            lambda m: _BY_LOWER[m.group(1)])


_COMPILED: dict[int, list] = {}


def _rules(table: list) -> list:
    key = id(table)
    if key not in _COMPILED:
        extra = [_spdx_ids_rule()] if table is _NAMES_OF else []
        _COMPILED[key] = [(re.compile(rx), sid) for rx, sid in extra + table]
    return _COMPILED[key]


def _first(t: str, table: list) -> str | None:
    """The SPDX id of the first rule of ``table`` that matches ``t`` (rule order decides)."""
    for rx, sid in _rules(table):
        m = rx.search(t)
        if m:
            got = sid(m) if callable(sid) else sid
            if got:
                return got
    return None


def _mentions(t: str) -> list[str]:
    """Every licence ``t`` names (``_NAMES_OF``), in text order, each once; overlapping
    matches keep the longest."""
    spans = []
    for rx, sid in _rules(_NAMES_OF):
        for m in rx.finditer(t):
            got = sid(m) if callable(sid) else sid
            if got:
                spans.append((m.start(), -(m.end() - m.start()), m.end(), got))
    spans.sort()
    out, end = [], -1
    for start, _, stop, got in spans:
        if start >= end:
            out.append(got)
            end = stop
        elif stop > end:
            end = stop
    return list(dict.fromkeys(out))


_SPDX_LINE = re.compile(r"spdx-license-identifier:\s*([A-Za-z0-9.+-]+(?:\s+(?:OR|AND|WITH)\s+[A-Za-z0-9.+-]+)*)",
                        re.I)


def _spdx_line(text: str) -> str | None:
    """The expression of the first ``SPDX-License-Identifier:`` line, when every licence
    in it is known.  ``Apache-2.0 WITH SHL-2.x`` is Solderpad's own wrap-around: SHL-2.x."""
    m = _SPDX_LINE.search(text)
    if not m:
        return None
    parts = re.split(r"\s+(OR|AND|WITH)\s+", m.group(1).strip())
    terms, ops = parts[0::2], parts[1::2]
    expr: list[str] = []
    for i, term in enumerate(terms):
        op = ops[i - 1].upper() if i else None
        if op == "WITH":
            exc = normalise_id(term)
            if exc and exc.startswith("SHL-"):
                expr[-1] = exc
            else:
                expr[-1] += f" WITH {term}"
            continue
        sid = normalise_id(term)
        if not sid:
            return None
        if op:
            expr.append(op)
        expr.append(sid)
    return " ".join(expr)


# ---- hardware statements ----------------------------------------------------------------

_HW_WORD = re.compile(r"(?<![/.])\b(hardware(?! licen[cs]e)|pcbs?|schematics?|kicad(?! (?:symbol |footprint )?librar)"
                      r"|gerbers?|circuit boards?|board layouts?|pcb layouts?)\b(?!/)", re.I)
_GRANT = re.compile(r"\b(?:licen[cs]ed|released|available|distributed|published|provided|covered)\b[^.:]{0,20}?"
                    r"\bunder\b|\bunder the (?:terms|conditions)\b|\bis under\b|\bare under\b", re.I)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$|^(.+)\n(=+|-{3,})\s*$", re.M)


def _hardware_licences(text: str) -> tuple[list[str], str]:
    """Licences that ``text`` (a notice, a README section) gives to the hardware, and the
    text they were read from: the ones named in a sentence, list item or table row that
    speaks of the hardware (PCB, schematics...) and grants a licence (``... licensed
    under``, ``Hardware: X``), or anywhere in a Markdown section whose heading names the
    hardware."""
    found: list[str] = []
    used: list[str] = []

    def take(part: str) -> None:
        got = _mentions(_squash(part))
        if got:
            found.extend(got)
            used.append(part)

    for heading, body in _sections(text):
        if heading is not None and _HW_WORD.search(heading) and not re.search(r"software|firmware|code", heading, re.I):
            take(body)
            continue
        for line in body.splitlines():
            if line.lstrip().startswith("|") and _HW_WORD.search(line.split("|")[1] if line.count("|") > 1 else ""):
                take(line)
        for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)", body):
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z*\[(\"'])", block):
                hw = _HW_WORD.search(sentence)
                if not hw or sentence.lstrip().startswith("|"):
                    continue
                colon = re.search(r":\s*\S", sentence[hw.end(): hw.end() + 40])
                if _GRANT.search(sentence) or colon:
                    take(sentence[hw.start():])
    return list(dict.fromkeys(found)), "\n".join(used)


#: A clause that restricts commercial use: whatever licence is named beside it, the
#: finding is non-commercial or nothing -- never read as a permissive or copyleft one.
_NC_CLAUSE = re.compile(r"non-?commercial|not (?:be )?(?:used )?for (?:any )?commercial|no commercial use|"
                        r"commercial (?:use|purposes?) (?:is |are )?(?:not (?:allowed|permitted)|prohibited|forbidden)|"
                        r"personal use only|for personal use|private use only")


def _checked(f: _Finding | None, basis: str) -> _Finding | None:
    """``f``, unless ``basis`` (the text it was read from) restricts commercial use and
    ``f`` is not a non-commercial licence: then None (unknown)."""
    if f and _NC_CLAUSE.search(_squash(basis)) and category(f.spdx) != "non-commercial":
        return None
    return f


def _sections(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut at Markdown headings (``#`` and underlined): ``(heading, body)``, the
    part before the first heading with heading None."""
    out, last, head = [], 0, None
    for m in _HEADING.finditer(text):
        out.append((head, text[last:m.start()]))
        head, last = (m.group(2) if m.group(1) else m.group(3)), m.end()
    out.append((head, text[last:]))
    return out


def _licence_sections(text: str) -> str:
    """The README's licence sections (a heading with Licen[cs]e/Licensing/Copying in it),
    each with its sub-sections, joined."""
    heads = [(m.start(), m.end(), len(m.group(1)) if m.group(1) else (1 if m.group(4).startswith("=") else 2),
              m.group(2) if m.group(1) else m.group(3)) for m in _HEADING.finditer(text)]
    parts = []
    for i, (start, end, level, title) in enumerate(heads):
        if not re.search(r"licen[cs]|copying", title, re.I):
            continue
        stop = next((s for s, _, lv, _ in heads[i + 1:] if lv <= level), len(text))
        parts.append(text[start:stop])
    return "\n\n".join(parts)


# ---- one file ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Finding:
    spdx: str
    confidence: float
    hardware: bool          # the file says this licence is the hardware's


def _and(ids: list[str]) -> str:
    return " AND ".join(dict.fromkeys(ids))


def _read_text(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read(_MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return None


def _licence_file_finding(text: str) -> _Finding | None:
    """A licence file (``LICENSE``, ``COPYING``...): the licence it gives the hardware, else
    the licence whose title opens it, else its SPDX line, else a licence text's phrases,
    else the licences its notice names."""
    t = _squash(text)
    hw, basis = _hardware_licences(text)
    if hw:
        return _checked(_Finding(_and(hw), 0.85 if len(hw) == 1 else 0.7, True), basis)
    sid = _first(t[:400], _TITLES)
    if sid:
        return _checked(_Finding(sid, 0.95, False), text)
    sid = _spdx_line(text)
    if sid:
        return _checked(_Finding(sid, 0.9, False), text)
    sid = _first(t, _TEXTS)
    if sid:
        return _checked(_Finding(sid, 0.95, False), text)
    named = _mentions(t)
    if named:
        return _checked(_Finding(_and(named), 0.8 if len(named) == 1 else 0.6, False), text)
    return None


_THIS_IS_LICENSED = re.compile(r"(?:\b(?:this|these|all|everything)\b[^.\n]{0,80}?\b(?:is|are)\s+(?:also\s+)?|"
                               r"^[ \t*_]*)(?:licen[cs]ed|released|distributed|published|made available|available)"
                               r"\s+under\b[^\n]{0,160}", re.I | re.M)


def _readme_finding(text: str) -> _Finding | None:
    """A README: in its licence sections, the hardware's licence, else the one licence they
    name; without such a section, the one licence of "this ... is licensed under X"."""
    sec = _licence_sections(text)
    if sec:
        hw, basis = _hardware_licences(sec)
        if hw:
            return _checked(_Finding(_and(hw), 0.7 if len(hw) == 1 else 0.6, True), basis)
        named = _mentions(_squash(sec))
        return _checked(_Finding(named[0], 0.6, False), sec) if len(named) == 1 else None
    said = [m.group(0) for m in _THIS_IS_LICENSED.finditer(text)]
    named = list(dict.fromkeys(x for s in said for x in _mentions(_squash(s))))
    return _checked(_Finding(named[0], 0.5, False), "\n".join(said)) if len(named) == 1 else None


def read_licence_file(path: str, is_readme: bool) -> tuple[str | None, float]:
    """``(spdx, confidence)`` of one file (``(None, 0.0)`` when nothing is recognised)."""
    text = _read_text(path)
    f = None if text is None else _readme_finding(text) if is_readme else _licence_file_finding(text)
    return (f.spdx, f.confidence) if f else (None, 0.0)


@dataclass(frozen=True)
class Licence:
    """A licence finding.  ``spdx``: an SPDX expression or None (unknown); ``confidence``
    in [0, 1] (0 when unknown); ``source``: the file it was read from (relative to the
    directory searched from, or ``"manifest"``)."""
    spdx: str | None
    confidence: float = 0.0
    source: str = ""

    @property
    def category(self) -> str:
        return category(self.spdx)


UNKNOWN = Licence(None, 0.0, "")

_NAMES = re.compile(r"^(licen[cs]e|copying|copyright|unlicense)([-._ ].*)?$", re.I)
_README = re.compile(r"^readme([-._ ].*)?$", re.I)
#: Licence files named for the hardware (``LICENSE-HARDWARE``, ``LICENSE.hw``) and for
#: what a KiCad design is not (``LICENSE-SOFTWARE``, ``LICENSE.sw``, ``LICENSE-CODE``, ``-DOCS``).
_HW_NAME = re.compile(r"[-._ ](hardware|hw)\b", re.I)
_OTHER_NAME = re.compile(r"[-._ ](software|sw|code|firmware|fw|src|docs?|documentation)\b", re.I)
_MAX_BYTES = 256 * 1024


def licence_files(directory: str) -> list[str]:
    """Names of the licence-ish files directly in ``directory`` (licence files first, then
    READMEs; each group sorted)."""
    try:
        names = sorted(n for n in os.listdir(directory) if os.path.isfile(os.path.join(directory, n)))
    except OSError:
        return []
    return [n for n in names if _NAMES.match(n)] + [n for n in names if _README.match(n)]


def detect_licence(directory: str, stop: str | None = None) -> Licence:
    """The licence of the project in ``directory``: the nearest directory from
    ``directory`` up to ``stop`` (inclusive; default: ``directory`` only) that has a
    licence file or a README naming a licence.  Never raises; :data:`UNKNOWN` when
    nothing is recognised.

    In one directory: the hardware's licence when a file says which it is (a file named
    ``LICENSE-HARDWARE``, or a statement such as "the hardware is licensed under X" in a
    licence file or the README's licence section); else the licence files (joined with
    ``AND`` when they differ; ``LICENSE-SOFTWARE``/``-CODE``/``-DOCS`` left out); a licence
    file that is not recognised makes the licence unknown (it is never passed over for a
    parent's); else the README."""
    d = os.path.abspath(directory)
    top = os.path.abspath(stop) if stop else d
    if os.path.commonpath([d, top]) != top:
        top = d
    start = d
    while True:
        found = _detect_in(d)
        if found is not None:
            if not found:
                return UNKNOWN
            ids = list(dict.fromkeys(s for s, _, _ in found))
            conf = min(c for _, c, _ in found)
            if len(ids) > 1:
                conf = min(conf, 0.7)
            srcs = ",".join(os.path.relpath(os.path.join(d, n), start) for _, _, n in found)
            return Licence(" AND ".join(ids), conf, srcs)
        if d == top:
            return UNKNOWN
        parent = os.path.dirname(d)
        if parent == d:
            return UNKNOWN
        d = parent


def _detect_in(d: str) -> list[tuple[str, float, str]] | None:
    """Recognised ``(spdx, confidence, file name)`` in directory ``d`` (see
    :func:`detect_licence` for the order); ``[]`` when a licence file is there but not
    recognised (the licence is unknown); None when ``d`` says nothing (look further up)."""
    names = licence_files(d)
    files, readmes, unread = [], [], []
    for n in names:
        is_readme = bool(_README.match(n))
        if not is_readme and _OTHER_NAME.search(n) and not _HW_NAME.search(n):
            continue
        text = _read_text(os.path.join(d, n))
        f = None if text is None else _readme_finding(text) if is_readme else _licence_file_finding(text)
        if f is None:
            if not is_readme:
                unread.append(n)
            continue
        hw = f.hardware or (not is_readme and bool(_HW_NAME.search(n)))
        (readmes if is_readme else files).append((f.spdx, f.confidence, n, hw))
    hardware = [x for x in files + readmes if x[3]]
    if hardware:
        return [(s, c, n) for s, c, n, _ in hardware]
    if any(_HW_NAME.search(n) for n in unread):
        return []
    if files:
        return [(s, c, n) for s, c, n, _ in files]
    if unread:
        return []
    if readmes:
        return [(s, c, n) for s, c, n, _ in readmes[:1]]
    return None


def parse_declared(text: str | None) -> str | None:
    """SPDX expression of a declared licence (a manifest column), or None.

    Parenthesised notes are dropped, only the text before a ``;`` counts (what follows
    is commentary such as ``"; repo GPL-2.0"``), ``/`` and `` or `` mean OR, `` and ``
    and ``+`` between ids mean AND.  Every term must be a known id, else None.
    """
    if not text or not text.strip():
        return None
    t = re.sub(r"\([^)]*\)", " ", text.split(";")[0])
    if re.fullmatch(r"\s*(unknown|none|n/?a|noassertion)\s*", t, re.I):
        return None
    alts = [a for a in re.split(r"\s*/\s*|\s+or\s+|\s+OR\s+", t.strip()) if a.strip()]
    parts = []
    for a in alts:
        terms = [x for x in re.split(r"\s+and\s+|\s+AND\s+|\s*\+\s+", a.strip()) if x.strip()]
        ids = [normalise_id(x) for x in terms]
        if not ids or not all(ids):
            return None
        parts.append(" AND ".join(ids) if len(ids) == 1 else "(" + " AND ".join(ids) + ")")
    return " OR ".join(parts)


@dataclass(frozen=True)
class LicencePolicy:
    """Which records a dataset keeps.  ``allow`` / ``deny`` hold categories (see
    :data:`CATEGORIES`) or SPDX ids; a record is kept when its expression or its
    category is allowed and neither is denied."""
    allow: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_ALLOW))
    deny: frozenset[str] = frozenset()

    @classmethod
    def from_options(cls, allow: list[str] | tuple[str, ...] = (),
                     deny: list[str] | tuple[str, ...] = ()) -> "LicencePolicy":
        """From command-line values (comma-separated allowed); empty ``allow`` = default."""
        def split(vals):
            return frozenset(x.strip() for v in vals for x in v.split(",") if x.strip())
        a = split(allow)
        return cls(a if a else frozenset(DEFAULT_ALLOW), split(deny))

    def admits(self, spdx: str | None) -> bool:
        cat = category(spdx)
        key = spdx or "unknown"
        if key in self.deny or cat in self.deny:
            return False
        return key in self.allow or cat in self.allow

    def describe(self) -> str:
        return (f"allow {', '.join(sorted(self.allow))}"
                + (f"; deny {', '.join(sorted(self.deny))}" if self.deny else ""))
