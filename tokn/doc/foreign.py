"""What a text that is not TOKN is instead, when it is a KiCad file (for error messages).

Users run ``tokn validate`` or ``tokn decode`` on the ``.kicad_sch`` they meant to encode, and
models asked for TOKN sometimes answer in KiCad's own S-expression format; "expected the
header '# TOKN v1'" alone does not tell either what went wrong.
"""
from __future__ import annotations

import re

__all__ = ["kicad_file_kind"]

# The first keyword of each KiCad file format, at the start of a line (a file starts with
# it; a model's answer may have prose and a code fence before it) -> what it is.
_KINDS = (
    (re.compile(r"^[ \t]*\(\s*kicad_sch\b", re.M), "a KiCad schematic (S-expression)"),
    (re.compile(r"^EESchema Schematic File", re.M), "a KiCad 5 schematic (.sch)"),
    (re.compile(r"^[ \t]*\(\s*kicad_pcb\b", re.M), "a KiCad board (.kicad_pcb)"),
    (re.compile(r"^[ \t]*\(\s*kicad_symbol_lib\b", re.M), "a KiCad symbol library (.kicad_sym)"),
    (re.compile(r"^[ \t]*\(\s*export\s+\(\s*version\b", re.M), "a KiCad netlist"),
)
#: How far into a text the formats are looked for.
_LOOK = 4000


def kicad_file_kind(text: str) -> str | None:
    """``"a KiCad schematic (S-expression)"`` and the like when a line of ``text`` (within
    its first few thousand characters) starts as a KiCad file does, else None: the kind
    whose line comes first."""
    head = text[:_LOOK].lstrip("\ufeff")
    found = [(m.start(), kind) for pattern, kind in _KINDS if (m := pattern.search(head))]
    return min(found)[1] if found else None
