"""Deterministic repairs of an answer's component rows and pin tables with library facts,
each reported.

Models that write TOKN freely put the right words in the wrong columns.  Before the net
repairs (:mod:`tokn.generate.netfix`) and validation, :func:`repair_parts` rewrites a row
whose type names no symbol when one reading of it does, for every row of that reference:

* type and value swapped, ``R1,10k,R`` -> type ``R``, value ``10k``: the value names a
  symbol and the type reads as an engineering value [``swapped-type-value``];
* the library written as the type, ``U1,Amplifier_Operational,LM358`` -> type ``LM358`` in
  library ``Amplifier_Operational``: the value names a symbol of that library
  [``library-as-type``];
* a value written in the type column with no value after it, ``R1,330`` -> type ``R``,
  value ``330``: the reference is a resistor's, capacitor's or inductor's (``R``, ``C``,
  ``L``) and the type reads as an engineering value of that kind (no unit, or ohms,
  farads, henries) [``value-as-type``];
* a category whose only symbol is one of KiCad's simulation-only ones (``Q1,NPN,BC547``:
  ``Simulation_SPICE:NPN``, no footprint, open-collector/emitter pin types) with a value
  that names a part of another library: the value is the type (``BC547``)
  [``value-names-part``]; a library written with the row (``Simulation_SPICE``) is kept.
* a ``pins{REF}`` table written ``name,num`` (``IN,1``) instead of ``num,name``: every row's
  first field is no pin number of the part's symbol and its second is one (for a part the
  libraries lack: every first field has a letter and every second is digits)
  [``pin-columns-swapped``].

Never invents a part: a row stays as written unless the rewritten row resolves to a
library symbol and the written one does not.  Fixes have severity ``fixed``.
"""
from __future__ import annotations

import copy
from dataclasses import replace

from ..doc.model import Component, Document, PinDef
from ..kicad.ids import lib_nickname
from ..validate import Finding
from .quantities import parse_value

__all__ = ["repair_parts"]

# KiCad's library of symbols "for simulation only" (no footprint; SPICE pin types)
_SIMULATION_ONLY = "Simulation_SPICE"

# reference letters -> (the generic symbol, the unit its value may state)
_PASSIVES = {"R": ("R", "ohm"), "C": ("C", "F"), "L": ("L", "H")}


def _readings(c: Component) -> list[tuple[Component, str, str]]:
    """(rewritten row, code, message) of each other reading of ``c``, most likely first."""
    out: list[tuple[Component, str, str]] = []
    if c.value and parse_value(c.type) is not None:
        out.append((replace(c, type=c.value, value=c.type), "swapped-type-value",
                    f"{c.ref}: type {c.type!r} and value {c.value!r} were swapped"))
    if c.value and not c.lib and ":" not in c.type:
        out.append((replace(c, type=c.value, lib=c.type), "library-as-type",
                    f"{c.ref}: {c.type!r} is a library, {c.value!r} its symbol: type {c.type}:{c.value}"))
    if not c.value:
        quantity = parse_value(c.type)
        generic = _PASSIVES.get(c.ref.rstrip("0123456789"))
        if quantity is not None and generic is not None and quantity[1] in ("", generic[1]):
            out.append((replace(c, type=generic[0], value=c.type), "value-as-type",
                        f"{c.ref}: {c.type!r} is a value, not a part type: type {generic[0]}, value {c.type}"))
    return out


def repair_parts(doc: Document, library_pins) -> tuple[Document, list[Finding]]:
    """A copy of ``doc`` with the rows above rewritten, and a ``fixed`` finding for each
    reference; ``library_pins`` is :data:`tokn.generate.netfix.LibraryPins` (None for a row
    that resolves to no symbol).  ``doc`` is not changed."""
    out = copy.deepcopy(doc)
    findings: list[Finding] = []
    settled: dict[str, Component | None] = {}          # ref -> the rewritten first row, or None
    for c in out.components:
        if c.ref not in settled:
            settled[c.ref] = None
            written = library_pins(c)
            if written is None:
                for row, code, message in _readings(c):
                    found = library_pins(row)
                    if found is not None and (code != "library-as-type" or lib_nickname(found[0]) == row.lib):
                        settled[c.ref] = row
                        findings.append(Finding("fixed", code, message, c.ref))
                        break
            elif lib_nickname(written[0]) == _SIMULATION_ONLY and c.value and not c.lib:
                row = replace(c, type=c.value)
                found = library_pins(row)
                if found is not None and lib_nickname(found[0]) != _SIMULATION_ONLY:
                    settled[c.ref] = row
                    findings.append(Finding(
                        "fixed", "value-names-part",
                        f"{c.ref}: {c.type} is KiCad's simulation-only symbol {written[0]}; its value "
                        f"{c.value} names the part {found[0]}: type {c.value}", c.ref))
        row = settled[c.ref]
        if row is not None:
            c.type, c.value, c.lib = row.type, row.value, row.lib
    _swap_pin_columns(out, library_pins, findings)
    return out, findings


def _swap_pin_columns(doc: Document, library_pins, findings: list[Finding]) -> None:
    """Turn ``pins{REF}`` tables written ``name,num`` round (see the module doc)."""
    comps = {c.ref: c for c in doc.components}
    for ref, rows in doc.pins.items():
        if not rows or ref not in comps:
            continue
        lib = library_pins(comps[ref])
        if lib is not None:
            numbers = lib[1]
            swapped = all(p.number not in numbers and p.name in numbers for p in rows)
        else:
            swapped = all(any(ch.isalpha() for ch in p.number) and p.name.isdigit() for p in rows)
        if swapped:
            doc.pins[ref] = [PinDef(p.name, p.number, p.type) for p in rows]
            findings.append(Finding("fixed", "pin-columns-swapped",
                                    f"pins{{{ref}}}: the rows give name, number ({rows[0].number},"
                                    f"{rows[0].name}); read as number, name", ref))
