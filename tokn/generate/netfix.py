"""Deterministic repairs of an answer's nets with library facts, each one reported.

A model that writes TOKN freely often means something plain in a form the format does not
have.  :func:`repair_nets` rewrites exactly those forms, before validation, so that the
repair round an LLM costs is spent only on what cannot be fixed here:

* a pin written by name, ``U1.VCC``, becomes its number (``U1.8``) when that name belongs to
  one pin number of the part's symbol (or of the answer's own ``pins{REF}`` table for a part
  the libraries lack); a name several pins carry is an error ``ambiguous-pin`` listing
  them, except a supply name (``VDD``, ``GND``...), which stands for every pin of that name
  (``U1.VDD`` -> ``U1.11, U1.28, U1.50``, what connecting a supply means); ``PIN3``/``P3``
  is read as pin ``3`` when no pin is named so; one function of a pin named for several,
  ``U1.XTAL1`` or ``U1.PB6`` for ``XTAL1/PB6``, is that pin [``pin-name``];
* a pin reference written with another separator (``U1-8``, ``U1:8``, ``U1/8``, ``U1 pin 8``,
  ``U1(8)``) or a reference in other letter case (``u1.8``) is read as ``U1.8`` when exactly one
  declared part fits and its pin exists (numbered pins: on the symbol or, for a part without
  pins, as digits) [``pin-separator``, ``ref-case``]; ``U1A.3`` (a unit letter after the
  reference) is ``U1.3`` the same way [``unit-letter``];
* a row of a no-connect pseudo-net (``NC``, ``N/C``, ``NO_CONNECT``, ``UNCONNECTED``, ``DNC``) is
  no net: its pins (read like any pin reference) become ``noconnects`` rows, so that the
  drawing flags them not connected, as the model meant; a pin another row connects stays
  in that net [``no-connect-net``];
* pins of KiCad power symbols and flags (``#PWR01.1``, ``#FLG01.1``), which models that know
  KiCad list with the power symbols as parts, are taken out of the nets: no part of the
  circuit, and the net's name says the supply [``power-symbol``];
* a net name inside a pin list (``GND``, ``+3V3``, ``N1``) joins that net; rows that list
  the same name that no row has join under that name; rows with the same name merge
  [``merged-nets``];
* a pin listed twice in one net is kept once [``duplicate-pin``];
* a supply pin in no net joins the net of its own name when the answer has one: ``U1.2``
  (GND) joins net ``GND``, ``U2.8`` (V+) net ``V+`` -- what KiCad does for hidden power
  pins, and what a model that wrote the net but forgot the pin meant
  [``power-pin-by-name``; only supply and ground names: GND, VCC, VDD, VSS, VEE, VBUS, V+, +5V...];
* component rows and pin tables are read first by :func:`tokn.generate.partfix.repair_parts`
  (type and value swapped, a library written as the type, pin-table columns swapped).

Never invents a part or a pin: a reference that is no component (``N1.1``), a pin name no
pin has, and a pin in two nets are left for the validator, whose errors name the part, the
pin, or both nets.  Fixes have severity ``fixed``; the only error raised here is
``ambiguous-pin``.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from ..doc.model import Component, Document, Net, NoConnect
from ..doc.naming import natural_key
from ..doc.pinref import split_pin_ref
from ..kicad.ids import is_netlisted
from ..kicad.symbols import stacked_pin_numbers
from ..validate import Finding, normalise_pin_name

__all__ = ["repair_nets", "resolver_pins", "LibraryPins"]

#: ``component -> (lib_id, pin number -> names)`` of the symbol it resolves to, or None
#: (:meth:`tokn.generate.pipeline.Toolkit.library_pins`).
LibraryPins = Callable[[Component], Optional[tuple[str, dict[str, list[str]]]]]

_AUTO_NAME = re.compile(r"^N\d+$")
_VOLTAGE = re.compile(r"^[+-]?\d+(?:[.]\d+)?V\d*$", re.I)     # +1.8V: a net name, not REF.PIN
_PIN_WORD = re.compile(r"^(?:PIN|P)[ _-]?(\d+)$", re.I)
#: What models put between reference and pin instead of a dot (after the reference).
_OTHER_SEPARATOR = re.compile(r"^(?:\s*[-:/#]\s*|\s+(?:pin\s*)?|\s*\.?\s*pin\s*)(\S+)$|^\s*[(\[]\s*(?:pin\s*)?([^\s)\]]+)\s*[)\]]$",
                             re.I)
#: A unit letter between reference and pin: U1A.3 (pins are numbered per package).
_UNIT_LETTER = re.compile(r"^[A-Ha-h]\.(\S+)$")
#: Names of a no-connect pseudo-net, upper case without separators.
_NO_CONNECT_NAMES = frozenset({"NC", "NOCONNECT", "NOCONNECTION", "NOTCONNECTED", "UNCONNECTED", "DNC",
                               "NOCONN", "UNUSED"})
#: Pin names that name a supply or ground (joined to the net of that name when in no net).
#: Not VBAT: a microcontroller's VBAT is its backup-battery input, a net VBAT is often a
#: vehicle's 12 V battery.  VBUS is: a USB connector's VBUS pins (A4, A9, B4, B9 of a
#: USB-C receptacle, drawn stacked at one point) are one supply.
_SUPPLY_NAME = re.compile(r"^(?:[ADP]?GND\w*|V(?:CC|DD|SS|EE)\w*|VBUS|V[+-]|[+-]\d+(?:[.V]\d+)?V?\d*)$", re.I)


def repair_nets(doc: Document, library_pins: LibraryPins) -> tuple[Document, list[Finding]]:
    """A copy of ``doc`` with the repairs above made, and a finding for each (see the module
    doc).  ``doc`` is not changed; with nothing to repair the copy equals it."""
    from .partfix import repair_parts
    out, findings = repair_parts(doc, library_pins)
    out.nets, nc_rows = _split_no_connect_nets(out.nets)
    comps = {c.ref for c in out.components}
    _drop_power_symbol_pins(out.nets, comps, findings)
    pins = _pin_tables(out, library_pins)
    rows = _NetRows(out.nets)
    for k, net in enumerate(out.nets):
        net.pins = rows.read_items(k, comps, pins, findings)
    out.nets, renamed = rows.merge(findings)
    for w in out.wires:
        w.net = renamed.get(w.net, w.net)
    flagged = _no_connect_rows(nc_rows, out, comps, pins, findings)
    _join_supply_pins(out, pins, findings, flagged)
    return out, findings


class _NetRows:
    """The rows of a nets table as union-find nodes: rows that are one net (the same name,
    or one lists the other's name) share a root, with the reasons why."""

    def __init__(self, nets: list[Net]) -> None:
        self.nets = nets
        self.names = {n.name for n in nets}
        self.parent = list(range(len(nets)))
        self.reasons: list[list[str]] = [[] for _ in nets]
        self.by_name: dict[str, int] = {}         # net name -> its first row
        self.words: dict[str, int] = {}           # a net name no row has -> the first row naming it
        self.referenced: set[str] = set()         # names some pin list points at
        for k, net in enumerate(nets):
            if net.name not in self.by_name:
                self.by_name[net.name] = k
                continue
            first = self.by_name[net.name]
            self.union(k, first)
            if not any("rows" in r for r in self.reasons[first]):
                count = sum(n.name == net.name for n in nets)
                self.reasons[first].append(f"{net.name} is written in {count} rows")

    def find(self, k: int) -> int:
        parent = self.parent
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def read_items(self, k: int, comps: set[str], pins: dict[str, tuple[str, dict[str, list[str]]]],
                   findings: list[Finding]) -> list[str]:
        """Row ``k``'s pin list with pins by name numbered; the net names in it are taken
        out and join their nets to row ``k``."""
        net = self.nets[k]
        kept: list[str] = []
        for item in net.pins:
            sp = split_pin_ref(item)
            if (sp is None or sp[0] not in comps) and item not in self.names:
                again = _respelled(item, comps, pins, findings)
                if again == _UNSURE:
                    kept.append(item)        # U1-9, U1 has no pin 9: the validator names it
                    continue
                sp = again or sp
            if sp is not None and sp[0] in comps:
                kept += _pin(sp[0], sp[1], pins.get(sp[0]), net.name, findings)
            elif self._is_net_name(item, sp, comps):
                self._join_named(k, item)
            else:
                kept.append(item)            # N1.1 of an undeclared part, a bare R1: the validator says
        return kept

    def _is_net_name(self, item: str, sp: tuple[str, str] | None, comps: set[str]) -> bool:
        """Whether ``item`` of a pin list names a net: not a declared part's reference, bare
        or with a separator and no pin (``C4.``: a row cut off by the length limit)."""
        if item not in self.names and sp is None and item.rstrip(".:-") in comps:
            return False
        return item in self.names or sp is None or bool(_VOLTAGE.match(item))

    def _join_named(self, k: int, item: str) -> None:
        net = self.nets[k]
        self.referenced.add(item)
        if item == net.name:
            self.reasons[k].append(f"{net.name} lists itself")
            return
        if item in self.by_name:
            self.union(k, self.by_name[item])
        elif item in self.words:
            self.union(k, self.words[item])
        else:
            self.words[item] = k
        self.reasons[k].append(f"{net.name} lists {item}")

    def merge(self, findings: list[Finding]) -> tuple[list[Net], dict[str, str]]:
        """One net per group of rows, named by what it was called (:func:`_choose_name`),
        each pin once; and old name -> new name for the names that went."""
        groups: dict[int, list[int]] = {}
        for k in range(len(self.nets)):
            groups.setdefault(self.find(k), []).append(k)
        group_names = {r: list(dict.fromkeys(self.nets[k].name for k in ks)) for r, ks in groups.items()}
        for w, k in self.words.items():
            if w not in group_names[self.find(k)]:
                group_names[self.find(k)].append(w)
        merged: list[Net] = []
        renamed: dict[str, str] = {}
        for root in sorted(groups, key=lambda r: groups[r][0]):
            name = _choose_name(group_names[root], self.referenced)
            merged.append(self._merged_net(groups[root], name, group_names[root], findings))
            renamed.update({n: name for n in group_names[root] if n != name})
        return merged, renamed

    def _merged_net(self, rows: list[int], name: str, names: list[str], findings: list[Finding]) -> Net:
        why = [r for k in rows for r in self.reasons[k]]
        if why:
            _note(findings, "merged-nets", "; ".join(why) + (f": one net, called {name}" if len(rows) > 1
                  or names != [name] else ": the item is dropped"), name)
        pins_out: list[str] = []
        for k in rows:
            for p in self.nets[k].pins:
                if p in pins_out:
                    _note(findings, "duplicate-pin", p, name)
                    continue
                pins_out.append(p)
        return Net(name, pins_out)


def _split_no_connect_nets(nets: list[Net]) -> tuple[list[Net], list[Net]]:
    """``nets`` apart from the rows of a no-connect pseudo-net (``NC``...), and those rows."""
    kept, nc = [], []
    for net in nets:
        (nc if re.sub(r"[^A-Z]", "", net.name.upper()) in _NO_CONNECT_NAMES else kept).append(net)
    return kept, nc


def _no_connect_rows(nc_rows: list[Net], doc: Document, comps: set[str],
                     pins: dict[str, tuple[str, dict[str, list[str]]]], findings: list[Finding]) -> set[str]:
    """The pins of the no-connect pseudo-nets ``nc_rows``, read like a net's pin references
    (``U1-5``, ``U1.VREF``), as ``doc.noconnects`` rows, each row reported; a pin some net
    lists stays in that net.  Returns the pins flagged."""
    listed = {p: n.name for n in doc.nets for p in n.pins}
    flagged: list[str] = []
    for net in nc_rows:
        items: list[str] = []
        for item in net.pins:
            sp = split_pin_ref(item)
            if sp is None or sp[0] not in comps:
                again = _respelled(item, comps, pins, findings)
                sp = again if again and again != _UNSURE else None
            items += _pin(sp[0], sp[1], pins.get(sp[0]), net.name, findings) if sp else [item]
        connected = [p for p in items if p in listed]
        fresh = [p for p in dict.fromkeys(items) if p not in listed and p not in flagged]
        flagged += fresh
        said = f"{', '.join(fresh)} marked not connected (noconnects)" if fresh else "no pin left to mark"
        if connected:
            said += "; " + ", ".join(f"{p} stays in net {listed[p]}" for p in connected)
        _note(findings, "no-connect-net", f"{net.name} is not a net but says its pins are unconnected: {said}",
              net.name)
    doc.noconnects += [NoConnect(pin=p) for p in flagged]
    return set(flagged)


def _drop_power_symbol_pins(nets: list[Net], comps: set[str], findings: list[Finding]) -> None:
    """Pins of KiCad power symbols and flags (``#PWR01.1``, ``#FLG01.1``: a ``#`` reference,
    which KiCad leaves out of netlists) that no component row declares, taken out of the
    nets, each net's reported: they are no part of the circuit, and the net's name already
    says the supply."""
    for net in nets:
        virtual = [p for p in net.pins if not is_netlisted(p)
                   and (split_pin_ref(p, comps) or (p,))[0] not in comps]
        if virtual:
            net.pins = [p for p in net.pins if p not in virtual]
            _note(findings, "power-symbol", f"{', '.join(virtual)} in net {net.name}: a KiCad power symbol or "
                  "flag (a '#' reference, no part of the circuit; the net's name gives the supply), dropped",
                  net.name)


_UNSURE = ("", "")


def _respelled(item: str, comps: set[str], pins: dict[str, tuple[str, dict[str, list[str]]]],
               findings: list[Finding]) -> Optional[tuple[str, str]]:
    """``(ref, pin)`` of a pin reference written with another separator or letter case
    (``U1-8``, ``u1.8``) when exactly one declared part fits and the pin is one it has;
    reported.  ``_UNSURE`` when it reads so but the pin is none the part has (left as
    written, for the validator to name); None when ``item`` is no such reference."""
    fits: set[tuple[str, str, str]] = set()
    unsure = False
    folded = item.strip().upper()
    for ref in comps:
        if not folded.startswith(ref.upper()):
            continue
        rest = item.strip()[len(ref):]
        if rest.startswith("."):                       # u1.8: only the letter case differs
            pin, code = rest[1:], "ref-case"
        elif unit := _UNIT_LETTER.match(rest):         # U1A.3: a unit letter after the reference
            pin, code = unit.group(1), "unit-letter"
        else:
            m, code = _OTHER_SEPARATOR.match(rest), "pin-separator"
            pin = (m.group(1) or m.group(2)) if m else ""
        if pin and _has_pin(pins.get(ref), pin):
            fits.add((ref, pin, code))
        elif pin:
            unsure = True
    if len(fits) != 1:
        return _UNSURE if unsure and not fits else None
    ref, pin, code = fits.pop()
    _note(findings, code, f"{item} -> {ref}.{pin}", ref)
    return ref, pin


def _has_pin(table: Optional[tuple[str, dict[str, list[str]]]], pin: str) -> bool:
    """Whether ``pin`` (a number or a name) is a pin of ``table``; of a part without a pin
    table only a number of digits is taken."""
    if table is None:
        return pin.isdigit()
    return pin in table[1] or bool(_numbers_named(pin, table[1]))


def _join_supply_pins(doc: Document, pins: dict[str, tuple[str, dict[str, list[str]]]],
                      findings: list[Finding], flagged: set[str] = frozenset()) -> None:
    """Put each supply pin that is in no net into the net of its name, when there is one
    (not a pin the answer marks not connected, ``flagged``)."""
    listed = {p for n in doc.nets for p in n.pins} | set(flagged)
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
            for number in stacked_pin_numbers(p.number):     # a KiCad 10 stacked pin: each number
                pins.setdefault(number, []).append(p.name)
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
                for number in stacked_pin_numbers(pd.number):
                    table.setdefault(number, []).append(pd.name)
            out[c.ref] = (f"pins{{{c.ref}}}", table)
    return out


def _numbers_named(pin: str, numbers: dict[str, list[str]]) -> list[str]:
    """The pin numbers whose name is ``pin`` (case and overbar markup ignored), else the
    number ``PIN3``/``P3`` says when no pin is named so, else those with a name of several
    functions written ``A/B`` of which ``pin`` names one or more (``XTAL1`` and ``PB6`` are
    ``XTAL1/PB6``, ``RESET`` is ``~{RESET}/PC6``); in natural order."""
    key = normalise_pin_name(pin)
    hits = sorted({num for num, names in numbers.items() if key in {normalise_pin_name(n) for n in names}},
                  key=natural_key)
    if not hits:
        m = _PIN_WORD.match(pin)
        if m and m.group(1) in numbers:
            hits = [m.group(1)]
    if not hits:
        parts = {normalise_pin_name(p) for p in pin.split("/") if p.strip()}
        hits = sorted({num for num, names in numbers.items() for n in names
                       if "/" in n and parts and parts <= {normalise_pin_name(p) for p in n.split("/")}},
                      key=natural_key)
    return hits


def _pin(ref: str, pin: str, table: Optional[tuple[str, dict[str, list[str]]]], net: str,
         findings: list[Finding]) -> list[str]:
    """``[REF.PIN]`` with a pin name replaced by its number when that is certain; a supply
    name several pins carry (``U1.VDD`` on a microcontroller) becomes all of them."""
    item = f"{ref}.{pin}"
    if table is None or pin in table[1]:
        return [item]
    source, numbers = table
    hits = _numbers_named(pin, numbers)
    if len(hits) == 1 or len(hits) > 1 and _SUPPLY_NAME.match(pin):
        _note(findings, "pin-name", f"{item} -> {', '.join(f'{ref}.{h}' for h in hits)}", ref, source)
        return [f"{ref}.{h}" for h in hits]
    if len(hits) > 1:
        findings.append(Finding("error", "ambiguous-pin",
                                f"{item} (net {net}): {source} has several pins named {pin} "
                                f"({', '.join(hits)}); write the pin number", item, {"candidates": hits}))
    return [item]


_GROUPED = {"pin-name": "pins written by name{source}, numbered: {items}",
            "pin-separator": "pin references written with another separator than '.', read as REF.PIN: {items}",
            "ref-case": "references written in other letter case, read as the part's: {items}",
            "unit-letter": "pins written with the unit letter after the reference (pins are numbered per "
                           "package), read as the part's: {items}",
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
