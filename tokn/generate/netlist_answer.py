"""A KiCad netlist given as the answer instead of TOKN, read as the document it describes.

A model that knows KiCad sometimes answers a design request with a netlist in KiCad's own
S-expression form, as ``kicad-cli sch export netlist`` writes it (``(export (version "E")
(components (comp (ref "R1") (value "330") (libsource (lib "Device") (part "R")))) (nets
(net (code "1") (name "GND") (node (ref "R1") (pin "2")))))``), often in a ``lisp`` code
fence with prose around it.  Such a netlist says unambiguously what TOKN says: each part's
reference, symbol (library and name), value and footprint, and each net's name and pins by
number.  :func:`read_kicad_netlist` finds the ``(export ...)`` expression in an answer and
returns that document; the pipeline then checks it as any answer (a ``kicad-netlist`` fix).

A SPICE netlist is not read: its node order is the model's, not the symbol's pin numbers.
"""
from __future__ import annotations

import re
from typing import Optional

from ..doc.model import Component, Document, Net
from ..errors import SexprSyntaxError
from ..kicad.kicad_cli import parse_sexpr_netlist

__all__ = ["read_kicad_netlist"]

_EXPORT = re.compile(r"\(\s*export\b")


def read_kicad_netlist(text: str) -> Optional[tuple[Document, int, int]]:
    """The document of the KiCad S-expression netlist in ``text`` and the 1-based first and
    last lines of its ``(export ...)`` expression; None when ``text`` holds none, or one that
    does not parse or gives no parts and no nets."""
    m = _EXPORT.search(text)
    if m is None:
        return None
    end = _closing(text, m.start())
    if end is None:
        return None
    try:
        comps, nets = parse_sexpr_netlist(text[m.start():end])
    except SexprSyntaxError:
        return None
    if not comps and not nets:
        return None
    doc = Document()
    doc.components = [Component(ref, c["lib_id"].strip(":") if c["lib_id"].strip(":") else c["value"],
                                c["value"], c["footprint"]) for ref, c in comps.items()]
    doc.nets = [Net(name or f"N{code}", [f"{ref}.{pin}" for ref, pin in sorted(pins)])
                for code, (name, pins) in nets.items()]
    return doc, text.count("\n", 0, m.start()) + 1, text.count("\n", 0, end) + 1


def _closing(text: str, start: int) -> Optional[int]:
    """Index after the ``)`` closing the ``(`` at ``start`` (strings and their escapes
    skipped); None when it is never closed."""
    depth, k, n = 0, start, len(text)
    while k < n:
        c = text[k]
        if c == '"':
            k += 1
            while k < n and text[k] != '"':
                k += 2 if text[k] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return k + 1
        k += 1
    return None
