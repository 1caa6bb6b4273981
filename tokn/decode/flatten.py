"""Turning a hierarchical document into a flat one (``tokn decode --flat``)."""
from __future__ import annotations

import copy

from ..doc.model import Document


def flat_net_name(name: str) -> str:
    """"/Power/VBUS" -> "Power_VBUS"; "/VBUS" -> "VBUS"; global names unchanged."""
    if not name.startswith("/"):
        return name
    return name.strip("/").replace("/", "_") or name


def flatten(doc: Document) -> Document:
    """Same parts and nets on one sheet: sheets and all drawing are dropped (the decoder
    lays the parts out), hierarchical net names lose their path separators."""
    out = copy.deepcopy(doc)
    for c in out.components:
        c.sheet = ""
        c.x = c.y = c.w = c.h = c.a = None
        c.mirror = ""
    used: set[str] = set()
    renamed: dict[str, str] = {}
    for n in out.nets:
        name = base = flat_net_name(n.name)
        k = 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        renamed[n.name] = name
        n.name = name
    out.pwrflags = [renamed[n] for n in doc.pwrflags if n in renamed]
    out.wires, out.labels, out.power, out.junctions, out.noconnects = [], [], [], [], []
    out.sheets, out.sheetpins, out.buses, out.busentries, out.busaliases = [], [], [], [], []
    out.directives, out.ruleareas = [], []
    return out
