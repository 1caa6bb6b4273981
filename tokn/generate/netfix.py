"""Deterministic repairs of an answer's nets with library facts, each one reported.

A model that writes TOKN freely often means something plain in a form the format does not
have.  :func:`repair_nets` rewrites exactly those forms, before validation, so that the
repair round an LLM costs is spent only on what cannot be fixed here:

* a pin written by name, ``U1.VCC``, becomes its number (``U1.8``) when that name belongs to
  one pin number of the part's symbol (or of the answer's own ``pins{REF}`` table for a part
  the libraries lack, and for a pin the symbol leaves unnamed, ``~``); a name several pins carry is an error ``ambiguous-pin`` listing
  them, except a supply name (``VDD``, ``GND``...), which stands for every pin of that name
  (``U1.VDD`` -> ``U1.11, U1.28, U1.50``, what connecting a supply means); ``PIN3``/``P3``
  is read as pin ``3`` when no pin is named so; one function of a pin named for several,
  ``U1.XTAL1`` or ``U1.PB6`` for ``XTAL1/PB6``, is that pin; and, when no pin has the name
  written, the names datasheets, boards and models give pins are read by the real pinout
  (:func:`_numbers_named`: ``PB5/SCK``, KiCad's alternate functions, ``GPIO0`` for ``IO0``,
  ``RESET`` for ``NRST``, ``GATE`` for ``G``, ``OUT1``/``U1A.+`` by unit...); a USB-C
  receptacle's ``D+`` is both rows' contacts, its ``DP1`` row A's; what the symbol's pin types
  and footprint settle is read by them (an ESP32 module's ``3V3`` is its one supply input,
  ``VDD``; a SOT-223 ``TAB`` the pin its footprint names) [``pin-name``];
* a row of the answer's own ``pins{REF}`` table for a library part that names its pin by
  another name of that very pin (``8,VIN+`` for an INA219's ``IN+``, ``17,EP`` for ``PAD``)
  is written with the symbol's name [``pin-table-name``];
* a pin reference written with another separator (``U1-8``, ``U1:8``, ``U1/8``, ``U1 pin 8``,
  ``U1(8)``) or a reference in other letter case (``u1.8``) is read as ``U1.8`` when exactly one
  declared part fits and its pin exists (numbered pins: on the symbol or, for a part without
  pins, as digits) [``pin-separator``, ``ref-case``]; ``U1A.3`` (a unit letter after the
  reference) is ``U1.3`` the same way, and ``U1A.+`` is unit A's ``+`` [``unit-letter``];
* a row of a no-connect pseudo-net (``NC``, ``N/C``, ``NO_CONNECT``, ``UNCONNECTED``, ``DNC``) is
  no net: its pins (read like any pin reference) become ``noconnects`` rows, so that the
  drawing flags them not connected, as the model meant; a pin another row connects stays
  in that net [``no-connect-net``]; a row ``NC`` that joins a relay's or a switch's pin with
  another part's is the normally-closed contact's net and stays one;
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
* a pin in no net that sits on one point of the symbol with a pin of the same name in a net
  (KiCad joins them: a TB6612FNG's PGND2 is pin 9 and, hidden under it, pin 10) joins that
  net [``stacked-pins``];
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
from ..decode.stubs import is_ground
from ..kicad.ids import is_netlisted, split_lib_id
from ..kicad.symbols import stacked_pin_numbers
from ..validate import Finding, normalise_pin_name
from .quantities import parse_value

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
_UNIT_LETTER = re.compile(r"^([A-Ha-h])\.(\S+)$")
#: Names of a no-connect pseudo-net, upper case without separators.
_NO_CONNECT_NAMES = frozenset({"NC", "NOCONNECT", "NOCONNECTION", "NOTCONNECTED", "UNCONNECTED", "DNC",
                               "NOCONN", "UNUSED"})
#: Libraries of parts with switching contacts: a net named NC joining one of their pins with
#: another part's is the normally-closed contact's; and the reference of such a part.
_CONTACT_LIBRARIES = frozenset({"Relay", "Relay_SolidState", "Switch"})
_CONTACT_REF = re.compile(r"^(?:K|RL|RLY|SW)\d+$", re.I)
#: Pin names that name a supply or ground (joined to the net of that name when in no net).
#: Not VBAT: a microcontroller's VBAT is its backup-battery input, a net VBAT is often a
#: vehicle's 12 V battery.  VBUS is: a USB connector's VBUS pins (A4, A9, B4, B9 of a
#: USB-C receptacle, drawn stacked at one point) are one supply.
#: A prefix says which supply: ``AVDD``/``DVDD``/``IOVDD`` (RP2040), ``AVCC``/``DVCC``, ``DVSS``.
_SUPPLY_NAME = re.compile(r"^(?:(?:[ADP]|IO)?GND\w*|(?:[ADP]|IO)?V(?:CC|DD|SS|EE)\w*|VBUS|V[+-]|[+-]\d+(?:[.V]\d+)?V?\d*)$",
                          re.I)


def repair_nets(doc: Document, library_pins: LibraryPins) -> tuple[Document, list[Finding]]:
    """A copy of ``doc`` with the repairs above made, and a finding for each (see the module
    doc).  ``doc`` is not changed; with nothing to repair the copy equals it."""
    from .partfix import repair_parts
    out, findings = repair_parts(doc, library_pins)
    _respell_table_rows(out, library_pins, findings)
    comps = {c.ref for c in out.components}
    pins = _pin_tables(out, library_pins)
    out.nets, nc_rows = _split_no_connect_nets(out.nets, comps, pins)
    _drop_power_symbol_pins(out.nets, comps, findings)
    rows = _NetRows(out.nets)
    for k, net in enumerate(out.nets):
        net.pins = rows.read_items(k, comps, pins, findings)
    out.nets, renamed = rows.merge(findings)
    for w in out.wires:
        w.net = renamed.get(w.net, w.net)
    flagged = _no_connect_rows(nc_rows, out, comps, pins, findings)
    _join_supply_pins(out, pins, findings, flagged)
    _join_stacked_pins(out, pins, findings, flagged)
    return out, findings


def _respell_table_rows(doc: Document, library_pins: LibraryPins, findings: list[Finding]) -> None:
    """Rows of an answer's ``pins{REF}`` table for a library part that name their pin by
    another name of that very pin (:func:`_numbers_named` on the symbol's pins finds that
    number and no other: the datasheet's ``VIN`` for KiCad's ``VI``, ``EP`` for ``PAD``,
    ``VIN+`` for ``IN+``) are written with the symbol's name [``pin-table-name``]: the row
    agrees with the library, it only spells the name otherwise.  A name that is another
    pin's (a TO-92 ``1,REF`` for a TL431 whose pin 1 is ``K``) is left for the validator's
    ``pin-name-mismatch``, and so are rows of pins the symbol leaves unnamed."""
    for c in doc.components:
        rows = doc.pins.get(c.ref)
        lib = library_pins(c) if rows else None
        if lib is None:
            continue
        source, numbers = lib
        for pd in rows:
            names = numbers.get(pd.number) or []
            known = {normalise_pin_name(n) for n in names}
            if not pd.name or normalise_pin_name(pd.name) in known or known <= {"", "~"}:
                continue
            if _numbers_named(pd.name, numbers) == [pd.number]:
                _note(findings, "pin-table-name", f"{pd.number},{pd.name} -> {pd.number},{names[0]}", c.ref, source)
                pd.name = names[0]


def _join_stacked_pins(doc: Document, pins: dict[str, tuple[str, dict[str, list[str]]]],
                       findings: list[Finding], flagged: set[str] = frozenset()) -> None:
    """Pins of one name on one point of a symbol (:attr:`PinNames.stacked`), which KiCad
    joins, some in one net and the others in none: those join that net [``stacked-pins``].
    An answer that numbers a TB6612FNG's PGND2 by the datasheet's pin 10 (hidden under pin
    9 in KiCad's symbol) means the one pad pair.  Hidden ones join too: the prompt tells the
    model to leave them out (KiCad joins them), and a document that leaves them in no net
    beside a pin in a net is one KiCad's symbol cannot draw (:func:`tokn.resolve.touch_conflict`:
    an RP2040 with IOVDD pin 1 in ``+3V3`` and pins 10, 22... hidden under it was drawn with a
    generated symbol, not KiCad's).  Pins of one point in different nets are left for the
    validator."""
    net_of = {p: k for k, n in enumerate(doc.nets) for p in n.pins}
    for ref, (source, numbers) in pins.items():
        for group in getattr(numbers, "stacked", ()):
            items = [f"{ref}.{num}" for num in group]
            nets = {net_of[i] for i in items if i in net_of}
            if len(nets) != 1 or all(i in net_of for i in items):
                continue
            k = nets.pop()
            net = doc.nets[k]
            for item in items:
                if item not in net_of and item not in flagged:
                    net.pins.append(item)
                    net_of[item] = k
                    _note(findings, "stacked-pins", f"{item} (with {', '.join(i for i in items if i != item)})",
                          net.name, source)


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


def _split_no_connect_nets(nets: list[Net], comps: set[str],
                           pins: dict[str, tuple[str, dict[str, list[str]]]]) -> tuple[list[Net], list[Net]]:
    """``nets`` apart from the rows of a no-connect pseudo-net (``NC``...), and those rows.
    A row named ``NC`` that joins a relay's or a switch's pin with another part's is that
    contact's net, normally closed (``NC,"K1.4,J3.3"``: the relay's NC contact wired to a
    terminal), and stays a net."""
    kept, nc = [], []
    for net in nets:
        name = re.sub(r"[^A-Z]", "", net.name.upper())
        pseudo = name in _NO_CONNECT_NAMES and not (name == "NC" and _joins_a_contact(net, comps, pins))
        (nc if pseudo else kept).append(net)
    return kept, nc


def _joins_a_contact(net: Net, comps: set[str], pins: dict[str, tuple[str, dict[str, list[str]]]]) -> bool:
    """Whether ``net`` lists pins of two or more parts, one of them a relay or a switch (by
    its library, else by its reference: ``K1``, ``RL1``, ``SW1``)."""
    refs = {sp[0] for sp in (split_pin_ref(p, comps) for p in net.pins) if sp and sp[0] in comps}
    return len(refs) > 1 and any(
        split_lib_id(pins[r][0])[0] in _CONTACT_LIBRARIES if r in pins and ":" in pins[r][0]
        else bool(_CONTACT_REF.match(r)) for r in refs)


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
            pin, code = _pin_in_unit(unit.group(2), unit.group(1), pins.get(ref)), "unit-letter"
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
        return res.lib_id, PinNames.of_symbol(res.symbol)
    return pins_of


class PinNames(dict):
    """Pin number -> names (a dict, what :data:`LibraryPins` gives), and what else a library
    symbol says of its pins that reading pins by name uses: each number's alternate
    functions (KiCad's pin ``alternate`` names: an STM32's PA9 is also ``USART1_TX``) and its
    unit (0: common to all units).  A part's own ``pins{REF}`` table is a plain dict, with
    neither."""
    alternates: dict[str, list[str]]
    units: dict[str, int]
    polarity: dict[str, str]
    #: numbers of the supply inputs (``power_in`` pins not named like a ground)
    supply_inputs: list[str]
    #: the number of the pin a package's tab is, from the footprint's name (KiCad's
    #: ``SOT-223-3_TabPin2``: the tab is pin 2); "" when the footprint does not say
    tab: str
    #: numbers of pins of one name that sit on one point of one unit, which KiCad joins
    #: (a TB6612FNG's PGND2: 9, and 10 hidden under it)
    stacked: list[list[str]]
    #: names the answer's own ``pins{REF}`` table gives pins the symbol leaves unnamed
    own: dict[str, list[str]]

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.alternates, self.units, self.polarity = {}, {}, {}
        self.supply_inputs, self.tab, self.stacked = [], "", []
        self.own = {}

    @classmethod
    def of_symbol(cls, symbol: Any) -> "PinNames":
        """The pins of a :class:`~tokn.kicad.symbols.LibSymbol`, all units, hidden pins included."""
        out = cls()
        for p in symbol.pins:
            for number in stacked_pin_numbers(p.number):     # a KiCad 10 stacked pin: each number
                out.setdefault(number, []).append(p.name)
                out.units.setdefault(number, getattr(p, "unit", 0))
                for alt in getattr(p, "alternates", None) or ():
                    if alt not in out.alternates.setdefault(number, []):
                        out.alternates[number].append(alt)
                if getattr(p, "type", "") == "power_in" and not is_ground(p.name) \
                        and number not in out.supply_inputs:
                    out.supply_inputs.append(number)
        tab = _TAB_PIN.search((getattr(symbol, "properties", None) or {}).get("Footprint", ""))
        if tab and tab.group(1) in out:
            out.tab = tab.group(1)
        spots: dict[tuple, list[str]] = {}
        for p in symbol.pins:
            if p.number and getattr(p, "type", "") != "no_connect" and hasattr(p, "x"):
                spot = (getattr(p, "unit", 0), getattr(p, "style", 0), round(p.x, 4), round(p.y, 4), p.name)
                spots.setdefault(spot, []).extend(n for n in stacked_pin_numbers(p.number)
                                                  if n not in spots.get(spot, ()))
        out.stacked = [sorted(g, key=natural_key) for g in spots.values() if len(g) > 1]
        if sorted(out) == ["1", "2"] and all(n in ("", "~") for ns in out.values() for n in ns) \
                and _POLARISED.search(getattr(symbol, "description", "") or ""):
            out.polarity = {"+": "1", "-": "2"}      # KiCad's polarised capacitors: pin 1 is +
        return out


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
            out[c.ref] = _with_own_names(lib, c.ref, doc.pins.get(c.ref) or [])
        elif doc.pins.get(c.ref):
            table: dict[str, list[str]] = {}
            for pd in doc.pins[c.ref]:
                for number in stacked_pin_numbers(pd.number):
                    table.setdefault(number, []).append(pd.name)
            out[c.ref] = (f"pins{{{c.ref}}}", table)
    return out


def _with_own_names(lib: tuple[str, dict[str, list[str]]], ref: str,
                    table: list) -> tuple[str, dict[str, list[str]]]:
    """``lib`` (a library symbol's pins) with, as :class:`PinNames` ``own``, the names the
    answer's own ``pins{REF}`` rows (``table``) give pins the symbol leaves unnamed (``~``:
    an optocoupler's, a 74xx gate's); ``lib`` itself when there are none (it is not changed)."""
    source, numbers = lib
    own: dict[str, list[str]] = {}
    for pd in table:
        name = (pd.name or "").strip()
        if normalise_pin_name(name) in ("", "~"):
            continue
        for number in stacked_pin_numbers(pd.number):
            if number in numbers and all(normalise_pin_name(n) in ("", "~") for n in numbers[number]):
                own.setdefault(number, []).append(name)
    if not own:
        return lib
    out = PinNames(numbers)
    out.__dict__.update(getattr(numbers, "__dict__", {}))
    out.own = own
    return f"{source}, its unnamed pins by the answer's pins{{{ref}}}", out


def _numbers_named(pin: str, numbers: dict[str, list[str]]) -> list[str]:
    """The pin numbers ``pin`` names, in natural order; the first rule that finds any:

    1. a pin's name is ``pin`` (case and overbar markup ignored);
    2. ``PIN3``/``P3`` is pin 3 when no pin is named so;
    3. a name of several functions written ``A/B`` of which ``pin`` names one or more
       (``XTAL1`` and ``PB6`` are ``XTAL1/PB6``, ``RESET`` is ``~{RESET}/PC6``);
    4. ``pin`` written with several functions (``PB5/SCK``, ``PD0-OSC_IN``, ``PB5(SCK)``, as
       datasheets name pins) of which those that name a pin all name the same one;
    5. a KiCad alternate function of the pin (:class:`PinNames`): ``USART1_TX`` is the
       STM32's PA9 (and PB6: two numbers, an ambiguous name), ``SWDIO`` is ``SYS_JTMS-SWDIO``,
       ``OSC_IN`` is ``RCC_OSC_IN``;
    6. another name of the same pin (:data:`_SAME_PIN`): ``GPIO0``/``GP0``/``IO0``, ``BASE`` for
       ``B``, ``CATHODE`` for ``K``, ``EP``/``PAD``, ``RESET``/``RST``/``NRST``, ``VIN`` for ``VI``,
       a USB data line's ``P``/``M``/``N`` for ``+``/``-`` (FTDI's ``USBDP`` is ``USBD+``),
       ``VCC`` for an op-amp's ``V+``...; only when the pins found all have one name (``GND`` on a
       part with ``VSS`` and ``VEE`` pins finds nothing);
    7. an op-amp's or comparator's pin by its unit and role, ``OUT1``/``1OUT``/``OUTA``,
       ``IN1+``/``1IN-``/``+INA``, on a symbol whose units' inputs are named ``+`` and ``-``;
       a role without a unit (``OUT``, ``IN-``) finds the pin of every unit (an ambiguous name);
    8. a pole of a polarised capacitor, whose KiCad pins have no names: ``+``/``POS`` is
       pin 1, ``-``/``NEG`` pin 2 (:class:`PinNames` ``polarity``);
    9. a USB Type-C receptacle's contacts by the specification's names: ``DP1``/``DN1`` are
       row A's ``D+``/``D-`` (A6, A7), ``DP2``/``DN2`` row B's (B6, B7);
    10. a package's tab, ``TAB`` or the number after the symbol's last pin (SOT-223's "pin
        4"), when the footprint's name says which pin it is (``SOT-223-3_TabPin2``: pin 2;
        :class:`PinNames` ``tab``);
    11. a pin written as a voltage (``5V``, ``3.3V``) is the pin named as that voltage
        otherwise (an Arduino Nano's ``+5V``, ``3V3``); without one, the part's logic supply
        input (``VDD``, ``VCC``) when its supply inputs that are no ground all have that one
        name (an ESP32 module's datasheet calls KiCad's ``VDD`` pin ``3V3``; not an RP2040's
        ``IOVDD``, ``DVDD``, ``ADC_AVDD``..., nor a module's ``VIN``);
    12. a name the answer's own ``pins{REF}`` table gives a pin the symbol leaves unnamed
        (:class:`PinNames` ``own``: an EL814's ``A`` where the answer's table says ``1,A``)."""
    key = normalise_pin_name(pin)
    hits = _named(numbers, {key})
    if not hits:
        m = _PIN_WORD.match(pin)
        if m and m.group(1) in numbers:
            hits = [m.group(1)]
    if not hits:
        parts = {normalise_pin_name(p) for p in pin.split("/") if p.strip()}
        hits = sorted({num for num, names in numbers.items() for n in names
                       if "/" in n and parts and parts <= {normalise_pin_name(p) for p in n.split("/")}},
                      key=natural_key)
    if not hits:
        pieces = [p for p in _FUNCTIONS.split(pin) if p and p.strip()]
        if len(pieces) > 1:
            found = {h for p in pieces for h in _numbers_named(p, numbers)}
            hits = sorted(found) if len(found) == 1 else []
    if not hits:
        hits = _alternate(key, getattr(numbers, "alternates", {}))
    if not hits:
        hits = _named(numbers, _same_pin(key), functions=True)
        if len({normalise_pin_name(numbers[h][0]) for h in hits}) > 1:
            hits = []                  # GND for VSS and VEE both: another name of which pin is not certain
    if not hits:
        hits = _unit_role(key, numbers)
    if not hits:
        sign = _POLE.get(key)
        hits = [getattr(numbers, "polarity", {})[sign]] if sign in getattr(numbers, "polarity", {}) else []
    if not hits:
        hits = _usb_c_contact(key, numbers)
    if not hits and getattr(numbers, "tab", "") and \
            (key == "TAB" or key.isdigit() and int(key) == len(numbers) + 1 and key not in numbers):
        hits = [numbers.tab]
    if not hits and (volts := _volts(key)) is not None:
        hits = _named_volts(volts, numbers)
        supplies = getattr(numbers, "supply_inputs", [])
        names = {normalise_pin_name(numbers[n][0]) for n in supplies}
        if not hits and len(names) == 1 and _LOGIC_SUPPLY.match(names.pop()):
            hits = sorted(supplies, key=natural_key)
    if not hits:
        hits = _named(getattr(numbers, "own", {}), {key})
    return hits


#: The name of a logic supply input (rule 11 of :func:`_numbers_named`), not of a regulator's
#: or charger's input (``VIN``, ``VBAT``, ``VSYS``: written ``5V``, it may mean another pin).
_LOGIC_SUPPLY = re.compile(r"^(?:VDD|VCC)(?:IO)?$")


def _volts(name: str) -> float | None:
    """The voltage a pin name says (:func:`~tokn.generate.quantities.parse_value`), or None:
    ``3V3``, ``+3.3V`` and ``3.3V`` are one voltage."""
    value = parse_value(name.lstrip("+"))
    return round(value[0], 6) if value is not None and value[1] == "V" else None


def _named_volts(volts: float, numbers: dict[str, list[str]]) -> list[str]:
    """The numbers whose pins are named as the voltage ``volts`` (an Arduino Nano's ``+5V``
    for ``5V``), when those pins have one name."""
    hits = sorted((num for num, ns in numbers.items() if any(_volts(normalise_pin_name(n)) == volts for n in ns)),
                  key=natural_key)
    return hits if len({normalise_pin_name(numbers[h][0]) for h in hits}) == 1 else []


#: A footprint's name that says which pin its tab is (KiCad: ``SOT-223-3_TabPin2``).
_TAB_PIN = re.compile(r"_TabPin(\d+)\b")
#: The USB Type-C specification's names of a receptacle's data contacts: D+/D- of row A (1) or B (2).
_USB_C_DATA = re.compile(r"^D([PN])([12])$")


def _usb_c_contact(key: str, numbers: dict[str, list[str]]) -> list[str]:
    """Rule 9 of :func:`_numbers_named`: ``DP1`` is contact A6 (``D+`` of row A) of a USB
    Type-C receptacle (a symbol with ``CC1`` and ``CC2``), ``DN2`` is B7."""
    m = _USB_C_DATA.match(key)
    names = {normalise_pin_name(n) for ns in numbers.values() for n in ns}
    if not m or not {"CC1", "CC2"} <= names:
        return []
    want, row = ("D+" if m.group(1) == "P" else "D-"), "AB"[int(m.group(2)) - 1]
    return sorted((num for num, ns in numbers.items()
                   if num.startswith(row) and any(normalise_pin_name(n) == want for n in ns)), key=natural_key)


#: A polarised capacitor's description ("Polarized capacitor, small symbol"; not "Unpolarized").
_POLARISED = re.compile(r"\bpolari[sz]ed capacitor", re.I)
#: Names of a polarised capacitor's poles (rule 8 of :func:`_numbers_named`).
_POLE = {"+": "+", "POS": "+", "POSITIVE": "+", "PLUS": "+", "ANODE": "+", "A": "+",
         "-": "-", "NEG": "-", "NEGATIVE": "-", "MINUS": "-", "CATHODE": "-", "K": "-"}


#: Where a name written with several functions is cut: ``/``, ``|``, parentheses, a space, and
#: a hyphen between two word characters (``PD0-OSC_IN``; not the minus of ``IN-``).
_FUNCTIONS = re.compile(r"[/|() ]|(?<=\w)-(?=\w)")

#: Names of one pin that models and datasheets write otherwise than KiCad's symbols, each set
#: one pin's (normalised).  Used only when no pin has the name written (rule 6 of
#: :func:`_numbers_named`), so a part whose pins are named ``RST`` and ``RESET`` keeps both.
_SAME_PIN = [frozenset(g) for g in (
    {"B", "BASE"}, {"C", "COLLECTOR"}, {"E", "EMITTER"},
    {"G", "GATE"}, {"D", "DRAIN"}, {"S", "SOURCE"},
    {"A", "ANODE", "+"}, {"K", "CATHODE", "KATHODE", "-"},
    {"EP", "EPAD", "PAD", "EXP", "EXPOSEDPAD", "EXPOSED_PAD", "THERMALPAD", "THERMAL_PAD"},
    {"RESET", "RST", "NRST", "NRESET", "RSTN", "RESETN", "RST_N", "RESET_N"},
    {"VI", "VIN", "IN"}, {"VO", "VOUT", "OUT"},
    {"IN+", "VIN+", "+IN", "INP", "VINP"}, {"IN-", "VIN-", "-IN", "INN", "INM", "VINN", "VINM"},
    {"V+", "VCC", "VDD", "VS+", "+VS", "VCC+", "VPOS"}, {"V-", "VEE", "VSS", "GND", "VS-", "-VS", "VCC-", "VNEG"},
)]
_GPIO = re.compile(r"^(?:GPIO|GP|IO)_?0*(\d+)$")
#: A USB data line, as KiCad writes it (``USBD+``, ``D-``, ``UD+``) or as datasheets do
#: (FTDI's ``USBDP``/``USBDM``, ``DN``): the name up to its ``D``, and the polarity.
_USB_DATA = re.compile(r"^(.*D)(P|M|N|\+|-)$")


def _same_pin(key: str) -> set[str]:
    """The other names of the pin ``key`` (normalised) may stand for (:data:`_SAME_PIN`;
    ``GPIO7``, ``GP7`` and ``IO7`` are one pin's names), without ``key`` itself."""
    m = _GPIO.match(key)
    if m:
        n = str(int(m.group(1)))
        return {f"GPIO{n}", f"GP{n}", f"IO{n}"} - {key}
    m = _USB_DATA.match(key)
    if m and key not in {n for g in _SAME_PIN for n in g}:
        stem, plus = m.group(1), m.group(2) in "P+"
        return ({stem + "P", stem + "+"} if plus else {stem + "M", stem + "N", stem + "-"}) - {key}
    return next((set(g) - {key} for g in _SAME_PIN if key in g), set())


def _named(numbers: dict[str, list[str]], keys: set[str], functions: bool = False) -> list[str]:
    """The numbers whose name (normalised) is one of ``keys``; ``functions``: or one function
    of a name written ``A/B`` (``GPIO26/ADC0`` for ``GPIO26``)."""
    def names(n: str) -> set[str]:
        out = {normalise_pin_name(n)}
        return out | {normalise_pin_name(p) for p in n.split("/")} if functions and "/" in n else out
    return sorted({num for num, ns in numbers.items() if keys and any(keys & names(n) for n in ns)}, key=natural_key)


def _alternate(key: str, alternates: dict[str, list[str]]) -> list[str]:
    """The numbers that have ``key`` (normalised) as an alternate function: the alternate's
    whole name, one of its functions written ``A-B`` (``SYS_JTMS-SWDIO``), or its name without
    the peripheral before the first ``_`` (``RCC_OSC_IN`` is ``OSC_IN``); the first of these
    that finds any."""
    for spelled in (lambda a: {a}, lambda a: set(a.split("-")) if "-" in a else set(),
                    lambda a: {a.split("_", 1)[1]} if "_" in a else set()):
        hits = sorted({num for num, alts in alternates.items()
                       if any(key in spelled(normalise_pin_name(a)) for a in alts)}, key=natural_key)
        if hits:
            return hits
    return []


_ROLE = {"OUT": "out", "OUTPUT": "out", "VOUT": "out", "O": "out",
         "IN+": "+", "+IN": "+", "INP": "+", "NONINV": "+", "+": "+",
         "IN-": "-", "-IN": "-", "INN": "-", "INV": "-", "-": "-"}
_UNIT_ROLE = re.compile(r"^(?:(?P<u1>[A-H1-8])[_-]?)?(?P<role>OUTPUT|VOUT|OUT|O|IN[+-]|[+-]IN|INP|INN|NONINV|INV|[+-])"
                        r"(?:[_-]?(?P<u2>[A-H1-8]))?$")
_IN_UNIT = re.compile(r"^(?P<pre>[+-])?IN[_-]?(?P<u>[A-H1-8])(?P<post>[+-])?$")


def _unit_role(key: str, numbers: dict[str, list[str]]) -> list[str]:
    """An op-amp's or comparator's pin written by unit and role (rule 7 of
    :func:`_numbers_named`): ``OUT1``, ``1OUT``, ``OUTA``, ``IN1+``, ``1IN-``, ``+INA``, ``A+``.
    Only on a symbol of several units whose inputs are named ``+`` and ``-``; the output is
    the unit's pin with no name (KiCad's ``~``) or named ``OUT``."""
    units = getattr(numbers, "units", {})
    if len(set(units.values()) - {0}) < 2:
        return []
    m = _UNIT_ROLE.match(key)
    if m and bool(m.group("u1")) != bool(m.group("u2")):
        role, unit = _ROLE[m.group("role")], m.group("u1") or m.group("u2")
    elif (i := _IN_UNIT.match(key)) and bool(i.group("pre")) != bool(i.group("post")):
        role, unit = i.group("pre") or i.group("post"), i.group("u")
    elif m and m.group("role") not in ("+", "-"):      # OUT, IN+ without a unit: every unit's (ambiguous)
        return sorted({h for u in sorted(set(units.values()) - {0}) for h in _in_unit(_ROLE[m.group("role")], u, numbers)},
                      key=natural_key)
    else:
        return []
    return _in_unit(role, _unit_index(unit), numbers)


def _unit_index(unit: str) -> int:
    """Unit ``A``/``1`` -> 1, ``B``/``2`` -> 2..."""
    return int(unit) if unit.isdigit() else ord(unit.upper()) - ord("A") + 1


def _in_unit(role: str, unit: int, numbers: dict[str, list[str]]) -> list[str]:
    """The numbers of unit ``unit`` named ``role`` (``+``, ``-``, or ``out``: no name or ``OUT``)
    on a symbol whose inputs are named ``+`` and ``-``."""
    units = getattr(numbers, "units", {})
    names = {num: {normalise_pin_name(n) for n in ns} for num, ns in numbers.items()}
    if not any("+" in n for n in names.values()) or not any("-" in n for n in names.values()):
        return []
    want = {"", "OUT"} if role == "out" else {normalise_pin_name(role)}
    return sorted((num for num, ns in names.items() if units.get(num) == unit and ns & want), key=natural_key)


def _pin_in_unit(pin: str, unit: str, table: Optional[tuple[str, dict[str, list[str]]]]) -> str:
    """``pin`` of unit ``unit`` (a letter written after the reference, ``U1A.+``): its number
    when the unit settles which pin a name means (``+`` of unit A is 3 on an LM358; ``OUT``,
    the unit's output), else ``pin`` as written."""
    if table is None or pin in table[1]:
        return pin
    key = normalise_pin_name(pin)
    role = _ROLE.get(key) or ({"": "out"}.get(key))
    hits = _in_unit(role, _unit_index(unit), table[1]) if role else []
    return hits[0] if len(hits) == 1 else pin


def _describe(hits: list[str], numbers: dict[str, list[str]], pin: str) -> str:
    """What tells the candidates of an ambiguous name apart: each one's name when it is not
    ``pin`` (``30 is PA9``) and its unit on a part of several (``3 in unit A``)."""
    units = getattr(numbers, "units", {})
    several = len({units.get(h) for h in hits}) > 1
    out = []
    for h in hits:
        name = next((n for n in numbers.get(h, []) if normalise_pin_name(n) != normalise_pin_name(pin)), "")
        words = ([f"is {name}"] if name and name != "~" else []) + \
                ([f"in unit {chr(ord('A') + units[h] - 1)}"] if several and units.get(h) else [])
        if words:
            out.append(f"{h} {' '.join(words)}")
    return f": {', '.join(out)}" if out else ""


def _both_rows(pin: str, hits: list[str], numbers: dict[str, list[str]]) -> bool:
    """Whether ``hits`` are the contacts of one USB 2.0 data line on both rows of a USB Type-C
    receptacle (``D+`` is A6 and B6): a device joins them, so that the cable works either way
    up, and ``J1.D+`` means both."""
    names = {normalise_pin_name(n) for ns in numbers.values() for n in ns}
    return (normalise_pin_name(pin) in {"D+", "D-"} and {"CC1", "CC2"} <= names
            and {h[:1] for h in hits} == {"A", "B"})


def _pin(ref: str, pin: str, table: Optional[tuple[str, dict[str, list[str]]]], net: str,
         findings: list[Finding]) -> list[str]:
    """``[REF.PIN]`` with a pin name replaced by its number when that is certain; a supply
    name several pins carry (``U1.VDD`` on a microcontroller) becomes all of them, and so do
    a USB-C receptacle's ``D+``/``D-`` (:func:`_both_rows`)."""
    item = f"{ref}.{pin}"
    if table is None or pin in table[1]:
        return [item]
    source, numbers = table
    hits = _numbers_named(pin, numbers)
    if len(hits) == 1 or len(hits) > 1 and (_SUPPLY_NAME.match(pin) or _volts(normalise_pin_name(pin))
                                            or _both_rows(pin, hits, numbers)):
        _note(findings, "pin-name", f"{item} -> {', '.join(f'{ref}.{h}' for h in hits)}", ref, source)
        return [f"{ref}.{h}" for h in hits]
    if len(hits) > 1:
        findings.append(Finding("error", "ambiguous-pin",
                                f"{item} (net {net}): {source} has several pins named {pin} "
                                f"({', '.join(hits)}){_describe(hits, numbers, pin)}; write the pin number",
                                item, {"candidates": hits}))
    return [item]


_GROUPED = {"pin-name": "pins written by name{source}, numbered: {items}",
            "pin-table-name": "pins{{{where}}} rows that name a pin by another name of it, given the "
                              "symbol's names{source}: {items}",
            "pin-separator": "pin references written with another separator than '.', read as REF.PIN: {items}",
            "ref-case": "references written in other letter case, read as the part's: {items}",
            "unit-letter": "pins written with the unit letter after the reference (pins are numbered per "
                           "package), read as the part's: {items}",
            "power-pin-by-name": "supply pins in no net joined net {where}, the net of their name: {items}",
            "stacked-pins": "pins in no net that sit on one point of the symbol with a pin of net {where} "
                            "(KiCad joins them) joined it: {items}",
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
