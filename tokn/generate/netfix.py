"""Deterministic repairs of an answer's nets with library facts, each one reported.

A model that writes TOKN freely often means something plain in a form the format does not
have.  :func:`repair_nets` rewrites exactly those forms, before validation, so that the
repair round an LLM costs is spent only on what cannot be fixed here:

* a pin written by name, ``U1.VCC``, becomes its number (``U1.8``) when that name belongs to
  one pin number of the part's symbol (or of the answer's own ``pins{REF}`` table for a part
  the libraries lack); a name several pins carry is an error ``ambiguous-pin`` listing
  them; ``PIN3``/``P3`` is read as pin ``3`` when no pin is named so [``pin-name``];
* a net name inside a pin list (``GND``, ``+3V3``, ``N1``) joins that net; rows that list
  the same name that no row has join under that name; rows with the same name merge
  [``merged-nets``];
* a pin listed twice in one net is kept once [``duplicate-pin``];
* a supply pin in no net joins the net of its own name when the answer has one: ``U1.2``
  (GND) joins net ``GND``, ``U2.8`` (V+) net ``V+`` -- what KiCad does for hidden power
  pins, and what a model that wrote the net but forgot the pin meant
  [``power-pin-by-name``; only supply and ground names: GND, VCC, VDD, VSS, VEE, V+, +5V...];
* component rows are read first by :func:`tokn.generate.partfix.repair_parts` (type and
  value swapped, a library written as the type).

Never invents a part or a pin: a reference that is no component (``N1.1``), a pin name no
pin has, and a pin in two nets are left for the validator, whose errors name the part, the
pin, or both nets.  Fixes have severity ``fixed``; the only error raised here is
``ambiguous-pin``.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Callable, Optional

from ..doc.model import Component, Document, Net
from ..doc.naming import natural_key
from ..doc.pinref import split_pin_ref
from ..validate import Finding, normalise_pin_name

__all__ = ["repair_nets", "resolver_pins", "LibraryPins"]

#: ``component -> (lib_id, pin number -> names)`` of the symbol it resolves to, or None
#: (:meth:`tokn.generate.pipeline.Toolkit.library_pins`).
LibraryPins = Callable[[Component], Optional[tuple[str, dict[str, list[str]]]]]

_AUTO_NAME = re.compile(r"^N\d+$")
_VOLTAGE = re.compile(r"^[+-]?\d+(?:[.]\d+)?V\d*$", re.I)     # +1.8V: a net name, not REF.PIN
_PIN_WORD = re.compile(r"^(?:PIN|P)[ _-]?(\d+)$", re.I)
#: Pin names that name a supply or ground (joined to the net of that name when in no net).
_SUPPLY_NAME = re.compile(r"^(?:[ADP]?GND\w*|V(?:CC|DD|SS|EE|BAT)\w*|V[+-]|[+-]\d+(?:[.V]\d+)?V?\d*)$", re.I)


def repair_nets(doc: Document, library_pins: LibraryPins) -> tuple[Document, list[Finding]]:
    """A copy of ``doc`` with the repairs above made, and a finding for each (see the module
    doc).  ``doc`` is not changed; with nothing to repair the copy equals it."""
    from .partfix import repair_parts
    out, findings = repair_parts(doc, library_pins)
    pins = _pin_tables(out, library_pins)
    comps = {c.ref for c in out.components}
    nets = out.nets
    names = {n.name for n in nets}

    # 1. items that are pins by name, or net names: rows that are one net share a root
    parent = list(range(len(nets)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    reasons: list[list[str]] = [[] for _ in nets]
    by_name: dict[str, int] = {}
    for k, net in enumerate(nets):
        if net.name in by_name:
            parent[find(k)] = find(by_name[net.name])
            first = by_name[net.name]
            if not any("rows" in r for r in reasons[first]):
                count = sum(n.name == net.name for n in nets)
                reasons[first].append(f"{net.name} is written in {count} rows")
        else:
            by_name[net.name] = k
    words: dict[str, int] = {}               # a net name no row has -> the first row naming it
    referenced: set[str] = set()
    for k, net in enumerate(nets):
        kept: list[str] = []
        for item in net.pins:
            sp = split_pin_ref(item)
            if sp is not None and sp[0] in comps:
                kept.append(_pin(sp[0], sp[1], pins.get(sp[0]), net.name, findings))
                continue
            is_net = item in names or (sp is None or _VOLTAGE.match(item)) and not (sp is None and item in comps)
            if not is_net:
                kept.append(item)            # N1.1 of an undeclared part, a bare R1: the validator says
                continue
            referenced.add(item)
            if item == net.name:
                reasons[k].append(f"{net.name} lists itself")
            elif item in by_name:
                parent[find(k)] = find(by_name[item])
                reasons[k].append(f"{net.name} lists {item}")
            else:
                if item in words:
                    parent[find(k)] = find(words[item])
                else:
                    words[item] = k
                reasons[k].append(f"{net.name} lists {item}")
        net.pins = kept

    # 2. one net per group, named by what it was called
    groups: dict[int, list[int]] = {}
    for k in range(len(nets)):
        groups.setdefault(find(k), []).append(k)
    group_names: dict[int, list[str]] = {r: list(dict.fromkeys(nets[k].name for k in ks)) for r, ks in groups.items()}
    for w, k in words.items():
        if w not in group_names[find(k)]:
            group_names[find(k)].append(w)
    merged: list[Net] = []
    renamed: dict[str, str] = {}
    for root in sorted(groups, key=lambda r: groups[r][0]):
        rows = groups[root]
        name = _choose_name(group_names[root], referenced)
        why = [r for k in rows for r in reasons[k]]
        if why:
            _note(findings, "merged-nets", "; ".join(why) + (f": one net, called {name}" if len(rows) > 1
                  or group_names[root] != [name] else ": the item is dropped"), name)
        pins_out: list[str] = []
        for k in rows:
            for p in nets[k].pins:
                if p in pins_out:
                    _note(findings, "duplicate-pin", p, name)
                    continue
                pins_out.append(p)
        for n in group_names[root]:
            if n != name:
                renamed[n] = name
        merged.append(Net(name, pins_out))
    out.nets = merged
    for w in out.wires:
        w.net = renamed.get(w.net, w.net)
    _join_supply_pins(out, pins, findings)
    return out, findings


def _join_supply_pins(doc: Document, pins: dict[str, tuple[str, dict[str, list[str]]]],
                      findings: list[Finding]) -> None:
    """Put each supply pin that is in no net into the net of its name, when there is one."""
    listed = {p for n in doc.nets for p in n.pins}
    by_name = {n.name: n for n in doc.nets}
    for ref, (source, numbers) in pins.items():
        for num, names in sorted(numbers.items(), key=lambda kv: natural_key(kv[0])):
            item = f"{ref}.{num}"
            if item in listed:
                continue
            net = next((by_name[n] for n in names if n in by_name and _SUPPLY_NAME.match(n)), None)
            if net is not None:
                net.pins.append(item)
                listed.add(item)
                _note(findings, "power-pin-by-name", f"{item} ({net.name})", net.name, source)


def resolver_pins(resolver: Any) -> LibraryPins:
    """The :data:`LibraryPins` of a :class:`tokn.resolve.SymbolResolver`: each component's
    resolved symbol, all units, hidden pins included."""
    def pins_of(comp: Component) -> Optional[tuple[str, dict[str, list[str]]]]:
        res = resolver.resolve(comp)
        if res is None:
            return None
        pins: dict[str, list[str]] = {}
        for p in res.symbol.pins:
            pins.setdefault(p.number, []).append(p.name)
        return res.lib_id, pins
    return pins_of


def _choose_name(names: list[str], referenced: set[str]) -> str:
    """The name of a net known by several: not an ``N<k>`` placeholder when another exists,
    then one that a pin list points at, then the first written."""
    real = [n for n in names if not _AUTO_NAME.match(n)] or names
    pointed = [n for n in real if n in referenced]
    return (pointed or real)[0]


def _pin_tables(doc: Document, library_pins: LibraryPins) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """ref -> (what the pins come from, number -> names): the library symbol, else the
    answer's own ``pins{REF}`` table; parts with neither are left out."""
    out: dict[str, tuple[str, dict[str, list[str]]]] = {}
    for c in doc.components:
        if c.ref in out:
            continue
        lib = library_pins(c)
        if lib is not None:
            out[c.ref] = lib
        elif doc.pins.get(c.ref):
            table: dict[str, list[str]] = {}
            for pd in doc.pins[c.ref]:
                table.setdefault(pd.number, []).append(pd.name)
            out[c.ref] = (f"pins{{{c.ref}}}", table)
    return out


def _pin(ref: str, pin: str, table: Optional[tuple[str, dict[str, list[str]]]], net: str,
         findings: list[Finding]) -> str:
    """``REF.PIN`` with a pin name replaced by its number when that is certain."""
    item = f"{ref}.{pin}"
    if table is None or pin in table[1]:
        return item
    source, numbers = table
    key = normalise_pin_name(pin)
    hits = sorted({num for num, names in numbers.items() if key in {normalise_pin_name(n) for n in names}},
                  key=natural_key)
    if not hits:
        m = _PIN_WORD.match(pin)
        if m and m.group(1) in numbers:
            hits = [m.group(1)]
    if len(hits) == 1:
        _note(findings, "pin-name", f"{item} -> {ref}.{hits[0]}", ref, source)
        return f"{ref}.{hits[0]}"
    if len(hits) > 1:
        findings.append(Finding("error", "ambiguous-pin",
                                f"{item} (net {net}): {source} has several pins named {pin} "
                                f"({', '.join(hits)}); write the pin number", item, {"candidates": hits}))
    return item


_GROUPED = {"pin-name": "pins written by name{source}, numbered: {items}",
            "power-pin-by-name": "supply pins in no net joined net {where}, the net of their name: {items}",
            "duplicate-pin": "pins listed more than once in net {where}, kept once: {items}"}


def _note(findings: list[Finding], code: str, message: str, where: str, source: str = "") -> None:
    """Add a ``fixed`` finding; ``pin-name`` and ``duplicate-pin`` notes are one finding per
    part / net, listing every item."""
    if code in _GROUPED:
        for f in findings:
            if f.severity == "fixed" and f.code == code and f.where == where:
                f.details["items"].append(message)
                f.message = _GROUPED[code].format(where=where, source=f.details["source"],
                                                  items=", ".join(f.details["items"]))
                return
        src = f" ({source})" if source else ""
        findings.append(Finding("fixed", code, _GROUPED[code].format(where=where, source=src, items=message),
                                where, {"items": [message], "source": src}))
        return
    findings.append(Finding("fixed", code, message, where))
