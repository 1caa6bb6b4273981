"""SPDX licence of a KiCad project: detected from its licence files, or declared.

Detection (:func:`detect_licence`) looks for licence files (``LICENSE*``, ``LICENCE*``,
``COPYING*``, ``COPYRIGHT*``, ``README*``) in the project's directory and then in each parent
up to a stop directory (the repository root); the nearest directory with a recognised
licence wins, so ``hardware/LICENSE`` overrides the repository's ``LICENSE``.  A file is
recognised by distinctive phrases of the licence's own text (confidence 0.95), by an
``SPDX-License-Identifier:`` line (0.9), or, in a README, by a licence named in a
"Licen[cs]e" section (0.6).  Different licences in the nearest directory are joined with
``AND`` (the conservative reading) at the lowest of their confidences.  Nothing recognised
gives ``None`` -- unknown stays unknown, never guessed.

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
     "CERN-OHL-P-2.0 SHL-0.5 SHL-0.51 SHL-2.0 SHL-2.1 CC-BY-3.0 CC-BY-4.0 PSF-2.0 WTFPL", "permissive"),
    ("LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later MPL-2.0 "
     "CERN-OHL-W-2.0 EPL-2.0", "weak-copyleft"),
    ("GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0-only GPL-3.0-or-later AGPL-3.0 "
     "AGPL-3.0-only AGPL-3.0-or-later CERN-OHL-S-2.0 CERN-OHL-1.1 CERN-OHL-1.2 TAPR-OHL-1.0 "
     "CC-BY-SA-3.0 CC-BY-SA-4.0", "copyleft"),
    ("CC-BY-ND-3.0 CC-BY-ND-4.0", "no-derivatives"),
    ("CC-BY-NC-3.0 CC-BY-NC-4.0 CC-BY-NC-SA-3.0 CC-BY-NC-SA-4.0 CC-BY-NC-ND-3.0 CC-BY-NC-ND-4.0",
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

def _squash(text: str) -> str:
    return " ".join(text.lower().replace("\u2010", "-").split())


def _cc(kind: str, ver: str) -> str:
    return f"CC-{kind}-{ver}"


_CC_FULL = re.compile(r"creative commons (?:legal code )?(?:corporation )?attribution"
                      r"((?:[- ](?:noncommercial|non-commercial|sharealike|share-alike|noderivatives|"
                      r"noderivs|no-derivatives))*) ([34]\.0)")


def _cc_id(mods: str, ver: str) -> str:
    kind = "BY"
    if "noncommercial" in mods or "non-commercial" in mods:
        kind += "-NC"
    if "sharealike" in mods or "share-alike" in mods:
        kind += "-SA"
    if "noderiv" in mods or "no-deriv" in mods:
        kind += "-ND"
    return _cc(kind, ver)


def _full_text(t: str) -> str | None:
    """SPDX id of a whole licence text ``t`` (squashed), by its distinctive phrases."""
    if "cern open hardware licence version 2" in t or "cern-ohl-" in t and "version 2" in t:
        for word, sid in (("strongly reciprocal", "CERN-OHL-S-2.0"), ("weakly reciprocal", "CERN-OHL-W-2.0"),
                          ("permissive", "CERN-OHL-P-2.0")):
            if word in t:
                return sid
    m = re.search(r"cern (?:open hardware licen[cs]e|ohl) v?(1\.[12])", t)
    if m:
        return f"CERN-OHL-{m.group(1)}"
    if "tapr open hardware license" in t:
        return "TAPR-OHL-1.0"
    m = re.search(r"solderpad hardware licen[cs]e,? (?:version )?v?(2\.1|2\.0|0\.51)", t)
    if m:
        return f"SHL-{m.group(1)}"
    if "gnu affero general public license" in t:
        return "AGPL-3.0"
    if "gnu lesser general public license" in t:
        return "LGPL-3.0" if "version 3" in t else "LGPL-2.1"
    if "gnu general public license" in t:
        if "version 3, 29 june 2007" in t:
            return "GPL-3.0"
        if "version 2, june 1991" in t:
            return "GPL-2.0"
    if "mozilla public license version 2.0" in t or "mozilla public license, version 2.0" in t:
        return "MPL-2.0"
    if "apache license" in t and "version 2.0" in t:
        return "Apache-2.0"
    if "cc0 1.0 universal" in t:
        return "CC0-1.0"
    m = _CC_FULL.search(t)
    if m:
        return _cc_id(m.group(1), m.group(2))
    if "this is free and unencumbered software released into the public domain" in t:
        return "Unlicense"
    if "permission is hereby granted, free of charge, to any person obtaining a copy" in t:
        return "MIT" if "the above copyright notice and this permission notice shall be included" in t else "MIT-0"
    if "redistribution and use in source and binary forms" in t:
        return "BSD-3-Clause" if "neither the name" in t or "may not be used to endorse" in t else "BSD-2-Clause"
    if "permission to use, copy, modify, and/or distribute this software for any purpose" in t:
        return "ISC" if "provided that the above copyright notice" in t else "0BSD"
    return None


_SPDX_LINE = re.compile(r"spdx-license-identifier:\s*([A-Za-z0-9.+-]+(?:\s+(?:OR|AND)\s+[A-Za-z0-9.+-]+)*)", re.I)
_MENTION = re.compile(
    r"\b(cc[- ]by(?:[- ]nc)?(?:[- ]sa|[- ]nd)?[- ]?[34]\.0|cc0(?:[- ]1\.0)?|cern[- ]ohl[- ][psw](?:[- ]v?2(?:\.0)?)?"
    r"|mit licen[cs]e|apache(?: licen[cs]e)?,? (?:version )?2\.0|gplv?[- ]?[23](?:\.0)?\+?|gnu gpl ?v?[23]"
    r"|bsd[- ][23][- ]clause|solderpad[- ](?:hardware[- ])?(?:licen[cs]e[- ])?v?2\.1|mpl[- ]2\.0"
    r"|tapr[- ]ohl|unlicense)\b", re.I)


def _mention_id(s: str) -> str | None:
    t = s.lower().replace(" ", "-")
    m = re.match(r"cc-by((?:-nc)?(?:-sa|-nd)?)-?([34]\.0)", t)
    if m:
        return f"CC-BY{m.group(1).upper()}-{m.group(2)}"
    if t.startswith("cc0"):
        return "CC0-1.0"
    m = re.match(r"cern-ohl-([psw])", t)
    if m:
        return f"CERN-OHL-{m.group(1).upper()}-2.0"
    if t.startswith("mit"):
        return "MIT"
    if t.startswith("apache"):
        return "Apache-2.0"
    m = re.match(r"(?:gnu-)?gplv?-?([23])", t)
    if m:
        return f"GPL-{m.group(1)}.0" + ("-or-later" if t.endswith("+") else "")
    m = re.match(r"bsd-([23])-clause", t)
    if m:
        return f"BSD-{m.group(1)}-Clause"
    if t.startswith("solderpad"):
        return "SHL-2.1"
    if t.startswith("mpl"):
        return "MPL-2.0"
    if t.startswith("tapr"):
        return "TAPR-OHL-1.0"
    if t.startswith("unlicense"):
        return "Unlicense"
    return None


_LICENCE_SECTION = re.compile(r"^#{1,6}\s*licen[cs]", re.I | re.M)


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
_MAX_BYTES = 256 * 1024


def licence_files(directory: str) -> list[str]:
    """Names of the licence-ish files directly in ``directory`` (licence files first, then
    READMEs; each group sorted)."""
    try:
        names = sorted(n for n in os.listdir(directory) if os.path.isfile(os.path.join(directory, n)))
    except OSError:
        return []
    return [n for n in names if _NAMES.match(n)] + [n for n in names if _README.match(n)]


def read_licence_file(path: str, is_readme: bool) -> tuple[str | None, float]:
    """``(spdx, confidence)`` of one file (``(None, 0.0)`` when nothing is recognised)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_BYTES)
    except OSError:
        return None, 0.0
    text = raw.decode("utf-8", "replace")
    m = _SPDX_LINE.search(text)
    if m:
        ids = [normalise_id(x) for x in re.split(r"\s+(?:OR|AND)\s+", m.group(1))]
        if all(ids):
            ops = re.findall(r"\s+(OR|AND)\s+", m.group(1))
            expr = ids[0]
            for op, sid in zip(ops, ids[1:]):
                expr += f" {op} {sid}"
            return expr, 0.9
    if not is_readme:
        sid = _full_text(_squash(text))
        return (sid, 0.95) if sid else (None, 0.0)
    sec = _LICENCE_SECTION.search(text)
    if sec is None:
        return None, 0.0
    body = text[sec.start(): sec.start() + 2000]
    first_nl = body.find("\n") + 1 or len(body)
    nxt = re.search(r"^#{1,6}\s", body[first_nl:], re.M)
    if nxt:
        body = body[: first_nl + nxt.start()]
    found = [_mention_id(m.group(1)) for m in _MENTION.finditer(body)]
    found = list(dict.fromkeys(x for x in found if x))
    if len(found) == 1:
        return found[0], 0.6
    return None, 0.0


def detect_licence(directory: str, stop: str | None = None) -> Licence:
    """The licence of the project in ``directory``: the nearest directory from
    ``directory`` up to ``stop`` (inclusive; default: ``directory`` only) whose licence
    files are recognised.  Licence files (``LICENSE``, ``COPYING``...) win over a README in
    the same directory.  Never raises; :data:`UNKNOWN` when nothing is recognised."""
    d = os.path.abspath(directory)
    top = os.path.abspath(stop) if stop else d
    if os.path.commonpath([d, top]) != top:
        top = d
    start = d
    while True:
        found = _detect_in(d)
        if found:
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


def _detect_in(d: str) -> list[tuple[str, float, str]]:
    """Recognised ``(spdx, confidence, file name)`` in directory ``d``; licence files
    first, a README only when no licence file is recognised."""
    names = licence_files(d)
    lic = [(s, c, n) for n in names if not _README.match(n)
           for s, c in [read_licence_file(os.path.join(d, n), False)] if s]
    if lic:
        return lic
    for n in names:
        if _README.match(n):
            s, c = read_licence_file(os.path.join(d, n), True)
            if s:
                return [(s, c, n)]
    return []


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
