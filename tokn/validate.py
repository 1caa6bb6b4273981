"""Checks a TOKN document against the format's rules and the real KiCad symbols.

:func:`validate` never raises for a bad document: it returns :class:`Finding` objects
(``severity`` "error" or "warning").  A document is valid when it has no errors.  When the
pins of some parts could not be checked -- no symbol library, no symbol the document
carries, no symbol source given -- one warning with code ``pins-not-checked`` says so and
lists them (:func:`unchecked_parts`); a caller must then not call the document valid
(``tokn validate`` reports "unchecked" and exits with status 3).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .doc.model import Component, Document
from .doc.naming import natural_key
from .doc.pinref import split_pin_ref
from .doc.symdefs import document_symbols
from .kicad.symbols import stacked_pin_numbers
from .resolve import SymbolResolver, touch_conflict

UNCHECKED = "pins-not-checked"

_MARKUP = re.compile(r"[~^_]\{([^}]*)\}")


@dataclass
class Finding:
    severity: str            # "error" | "warning" | "fixed" (a reported normalisation or repair)
    code: str                # stable identifier, e.g. "unknown-pin"
    message: str
    where: str = ""          # reference, net or section the finding is about
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.severity}: {self.located()} [{self.code}]"

    def located(self) -> str:
        """``where: message``, or the message alone when there is no ``where`` or the
        message already begins with it (``U2: no KiCad library symbol ...``)."""
        if not self.where or self.message.startswith(f"{self.where}:"):
            return self.message
        return f"{self.where}: {self.message}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "message": self.message,
                "where": self.where, **({"details": self.details} if self.details else {})}


def normalise_pin_name(name: str) -> str:
    """Compare pin names ignoring case, overbar/sub/superscript markup and spaces."""
    return _MARKUP.sub(r"\1", name or "").replace(" ", "").replace("~", "").upper()


def validate(doc: Document, index=None, resolver: SymbolResolver | None = None, *,
             fuzzy: bool = False) -> list[Finding]:
    """All findings for ``doc``.  ``index`` (a SymbolIndex) or ``resolver`` enables the
    checks against symbols; the symbols the document carries (extension ``symbols``) are
    used first.  Parts whose pins no symbol could check are listed in one
    ``pins-not-checked`` warning.  ``fuzzy`` (with ``index``; a ``resolver`` brings its own)
    lets a type that is no symbol name be checked as a plausible library part, as
    :func:`tokn.decode.decode` draws it with ``fuzzy``; without it parts are checked against
    the symbols decoding draws them with (exact names only)."""
    out: list[Finding] = []
    err = lambda code, msg, where="", **d: out.append(Finding("error", code, msg, where, d))
    warn = lambda code, msg, where="", **d: out.append(Finding("warning", code, msg, where, d))
    types, mixed = _check_components(doc, err)
    pin_net = _check_nets(doc, types, err, warn)
    flagged = _check_noconnects(doc, types, pin_net, err)
    _check_pwrflags(doc, err)
    resolver = _symbol_resolver(doc, index, resolver, fuzzy)
    _check_mixed_units(mixed, resolver, err, warn)
    if resolver is None:
        _report_unchecked(list(types), "no KiCad symbol libraries and no symbols in the document", warn)
        return out
    unchecked = _check_parts(doc, types, pin_net, resolver, err, warn, flagged)
    _report_unchecked(unchecked, "no library symbol", warn)
    return out


def _check_components(doc: Document, err) -> tuple[dict[str, str], dict[str, list[Component]]]:
    """Components: a non-empty reference, unique (ref, unit), one type per ref.  Returns
    ref -> its (first) type, and the references whose *distinct* units have different
    types (ref -> one component per type, in order), which :func:`_check_mixed_units`
    judges by their pins: KiCad lets each unit of a part come from another symbol."""
    types: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    mixed: dict[str, list[Component]] = {}
    first: dict[str, Component] = {}
    for c in doc.components:
        if not c.ref:
            err("empty-reference", "a component has an empty reference", c.type)
            continue
        twice = (c.ref, c.unit) in seen
        if twice:
            err("duplicate-reference", f"reference {c.ref} is used twice" +
                (f" (unit {c.unit})" if c.unit != 1 else ""), c.ref)
        seen.add((c.ref, c.unit))
        if c.ref in types and types[c.ref] != c.type:
            if twice:
                err("reference-type-mismatch", f"{c.ref} is declared as {types[c.ref]} and as {c.type}", c.ref)
            else:
                group = mixed.setdefault(c.ref, [first[c.ref]])
                if all(g.type != c.type for g in group):
                    group.append(c)
        types.setdefault(c.ref, c.type)
        first.setdefault(c.ref, c)
    return types, mixed


def _check_mixed_units(mixed: dict[str, list[Component]], resolver: SymbolResolver | None,
                       err, warn) -> None:
    """Units of one reference declared with different types (KiCad allows it: its own demo
    *sonde xilinx* draws U1's four gates from four symbols) are one package only if the
    symbols have the same pins, numbers and names.  When they provably differ:
    ``reference-type-mismatch``; otherwise the warning ``unit-types-differ`` (saying when
    no symbol was there to compare: the pins are then unchecked, as the validator says of
    such parts anyway)."""
    for ref, comps in mixed.items():
        units = ", ".join(f"{c.type} (unit {c.unit})" for c in comps)
        resolved = [resolver.resolve(c) for c in comps] if resolver is not None else [None]
        if any(r is None for r in resolved):
            warn("unit-types-differ", f"{ref}'s units come from different symbols: {units} "
                 "(their pins not compared: no symbol for each)", ref)
            continue
        pinouts = [_pinout(r.symbol) for r in resolved]
        differ = next((k for k, p in enumerate(pinouts) if p != pinouts[0]), None)
        if differ is not None:
            err("reference-type-mismatch", f"{ref} is declared as {' and as '.join(c.type for c in comps)}, "
                "whose pins differ "
                f"({_pinout_difference(resolved[0].lib_id, pinouts[0], resolved[differ].lib_id, pinouts[differ])})",
                ref)
        else:
            warn("unit-types-differ", f"{ref}'s units come from different symbols with the same pins: {units}", ref)


def _pinout(symbol) -> dict[str, frozenset[str]]:
    """Pin number -> the normalised names it has in ``symbol`` (all units)."""
    out: dict[str, set[str]] = {}
    for p in symbol.pins:
        out.setdefault(p.number, set()).add(normalise_pin_name(p.name))
    return {k: frozenset(v) for k, v in out.items()}


def _pinout_difference(a_id: str, a: dict, b_id: str, b: dict) -> str:
    """The first pin (natural order) on which two pinouts disagree, in words."""
    for num in sorted(set(a) | set(b), key=natural_key):
        if a.get(num) != b.get(num):
            def say(pins, lib_id):
                return f"{'/'.join(sorted(pins[num]))} in {lib_id}" if num in pins else f"absent from {lib_id}"
            return f"pin {num}: {say(a, a_id)}, {say(b, b_id)}"
    return "same pins"


#: Names of the one common ground (compared in capitals): ``GND``, ``0V``, ``GROUND``, SPICE's
#: ``0``.  Two of them in one design (or one in two spellings, ``GND`` and ``gnd``) are two
#: nets that a model meant as one (``split-ground``).  ``AGND``, ``DGND``, ``PGND``, ``VSS``...
#: are not among them: designs keep those apart on purpose.
GROUND_NAMES = frozenset({"GND", "0V", "GROUND", "0"})


def _check_nets(doc: Document, types: dict[str, str], err, warn) -> dict[tuple[str, str], str]:
    """Nets: unique names, declared parts, one net per pin; wires on listed nets; pin
    tables of declared parts.  Returns (ref, pin) -> the (last) net naming it."""
    net_names: set[str] = set()
    pin_net: dict[tuple[str, str], str] = {}
    for net in doc.nets:
        if net.name in net_names:
            err("duplicate-net", f"net {net.name} is listed twice", net.name)
        net_names.add(net.name)
        for p in net.pins:
            sp = split_pin_ref(p, types)
            if sp is None:
                err("bad-pin-ref", f"'{p}' is not of the form REF.PIN", net.name)
                continue
            if sp[0] not in types:
                err("undeclared-part", f"{p} names part {sp[0]}, which is not in components", net.name)
            if sp in pin_net and pin_net[sp] != net.name:
                err("pin-in-two-nets", f"{p} is in net {pin_net[sp]} and in net {net.name}", p)
            pin_net[sp] = net.name
        if len(net.pins) == 1:
            warn("single-pin-net", f"net {net.name} connects only {net.pins[0]}", net.name)
    grounds = list(dict.fromkeys(n.name for n in doc.nets if n.name.strip().upper() in GROUND_NAMES))
    if len(grounds) > 1:
        warn("split-ground", f"nets {', '.join(grounds)} all name the ground, written {len(grounds)} ways: "
             f"nets of different names are not connected, so {' and '.join(grounds[1:])} "
             f"{'is' if len(grounds) == 2 else 'are'} not {grounds[0]}", grounds[1])
    for w in doc.wires:
        if w.net and w.net not in net_names:
            err("wire-net-missing", f"a wire belongs to net {w.net}, which is not in nets", w.net)
    for ref in doc.pins:
        if ref not in types:
            err("undeclared-part", f"pins{{{ref}}} describes a part that is not in components", ref)
    return pin_net


def _check_pwrflags(doc: Document, err) -> None:
    """``pwrflags`` names nets the ``nets`` table lists."""
    names = {n.name for n in doc.nets}
    for name in doc.pwrflags:
        if name not in names:
            err("pwrflag-net-missing", f"pwrflags names net {name}, which is not in nets", name)


def _check_noconnects(doc: Document, types: dict[str, str], pin_net: dict[tuple[str, str], str],
                      err) -> set[tuple[str, str]]:
    """``noconnects`` rows that name a pin: of a declared part, in no net (a no-connect
    marker on a connected pin is an ERC error in KiCad) -- or in a net every pin of which is
    a pin of that part that a row names too (stacked pins, which one marker flags: KiCad's
    ERC accepts it).  Returns the (ref, pin) they name."""
    flagged: set[tuple[str, str]] = set()
    stacked = doc.stacked_in({sp for sp in (split_pin_ref(n.pin, types) for n in doc.noconnects if n.pin) if sp})
    for n in doc.noconnects:
        if not n.pin:
            continue
        sp = split_pin_ref(n.pin, types)
        if sp is None:
            err("bad-pin-ref", f"noconnects: '{n.pin}' is not of the form REF.PIN", n.pin)
            continue
        if sp[0] not in types:
            err("undeclared-part", f"noconnects: {n.pin} names part {sp[0]}, which is not in components", n.pin)
        elif sp in pin_net and sp not in stacked:
            err("no-connect-in-net", f"{n.pin} is marked not connected (noconnects) but net {pin_net[sp]} "
                "lists it", n.pin)
        flagged.add(sp)
    return flagged


def _symbol_resolver(doc: Document, index, resolver: SymbolResolver | None,
                     fuzzy: bool = False) -> SymbolResolver | None:
    """The resolver to check parts with: the document's own symbols first, then
    ``resolver``'s or ``index``'s (fuzzy only with ``fuzzy``); ``None`` when there is
    nothing to check against."""
    if doc.symbols:
        own = document_symbols(doc)
        base = resolver or SymbolResolver(index, fuzzy=fuzzy)
        own.update({k: v for k, v in base.extra.items() if k not in own})
        return SymbolResolver(base.index, own, fuzzy=base.fuzzy)
    if index is None and resolver is None:
        return None
    return resolver or SymbolResolver(index, fuzzy=fuzzy)


def _check_parts(doc: Document, types: dict[str, str], pin_net: dict[tuple[str, str], str],
                 resolver: SymbolResolver, err, warn, flagged: set[tuple[str, str]] = frozenset()) -> list[str]:
    """Each part against the symbol its type resolves to (or its own pin table when no
    symbol does): the pins nets and ``noconnects`` rows (``flagged``) name must exist.
    Returns the parts no symbol checked."""
    unchecked: list[str] = []
    used_pins: dict[str, set[str]] = {}
    for (ref, pin) in [*pin_net, *flagged]:
        used_pins.setdefault(ref, set()).add(pin)
    for ref, typ in types.items():
        comp = next(c for c in doc.components if c.ref == ref)
        res = resolver.resolve(comp)
        if res is None:
            warn("unknown-part", f"{ref}: no KiCad library symbol named {comp.lib_id}; "
                 "a symbol will be generated from its pins", ref)
            _check_declared_pins(ref, doc.pins.get(ref), used_pins.get(ref, set()), pin_net, err, warn)
            unchecked.append(ref)
            continue
        if not res.exact:
            warn("fuzzy-part", f"{ref}: {comp.lib_id} is not a KiCad symbol name; read as {res.lib_id}",
                 ref, lib_id=res.lib_id)
        joins = touch_conflict(doc, ref, res.lib_id, res.symbol)
        if joins:
            warn("pins-would-join", joins + "; decoding draws the part with a generated symbol",
                 ref, lib_id=res.lib_id)
        _check_library_pins(ref, res, doc.pins.get(ref, []), used_pins.get(ref, ()), pin_net, err, warn)
    return unchecked


def _check_library_pins(ref: str, res, table, used, pin_net: dict, err, warn) -> None:
    """Part ``ref`` read as library symbol ``res.symbol``: every pin used in a net and every
    row of its ``pins{REF}`` table must exist (with a matching name), and its visible power
    inputs must be connected."""
    lib_pins: dict[str, list] = {}
    for p in res.symbol.pins:
        for number in _numbers_of(p.number):
            lib_pins.setdefault(number, []).append(p)
    for pin in sorted(used, key=natural_key):
        if pin not in lib_pins:
            err("unknown-pin", f"{ref}.{pin}: {res.lib_id} has no pin {pin}{_pad_note(pin)}"
                f"{_by_name_note(ref, pin, res.symbol.pins)}{_unnamed_note(ref, pin, res.symbol.pins)} "
                f"(its pins: {pin_list(res.symbol.pins)})", f"{ref}.{pin}", lib_id=res.lib_id)
        elif all(p.type == "no_connect" for p in lib_pins[pin]) and (ref, pin) in pin_net:
            _no_connect_in_net(ref, pin, lib_pins[pin][0].name, pin_net, warn)
    for pd in table:
        lp = lib_pins.get(pd.number)
        if lp is None:
            err("unknown-pin", f"pins{{{ref}}}: {res.lib_id} has no pin {pd.number}",
                f"{ref}.{pd.number}", lib_id=res.lib_id)
        elif pd.name and normalise_pin_name(pd.name) not in {normalise_pin_name(p.name) for p in lp} \
                and not all(p.name in ("", "~") for p in lp):
            err("pin-name-mismatch", f"{ref}.{pd.number} is {lp[0].name} in {res.lib_id}, not {pd.name}",
                f"{ref}.{pd.number}", library_name=lp[0].name)
    reported: set[str] = set()
    for p in res.symbol.pins:
        if p.type == "power_in" and not p.hidden and p.number not in reported \
                and not any((ref, n) in pin_net for n in _numbers_of(p.number)):
            reported.add(p.number)
            err("unconnected-power-pin", f"{ref}.{p.number} ({p.name}) is a power input and is not connected",
                f"{ref}.{p.number}")


def _no_connect_in_net(ref: str, pin: str, name: str, pin_net: dict, warn) -> None:
    """A pin of electrical type ``no_connect`` listed in a net: KiCad 9 and 10 connect
    nothing to such a pin (docs/kicad-connectivity-findings.md, rule N1).  A design's own
    copy of the symbol may type it otherwise (encoded without that copy, the document
    still lists it); the decoder then draws a copy where it is passive.  ``tokn generate``
    makes it an error: in an answer it is a mixed-up pin."""
    label = f" ({name})" if name and name != "~" else ""
    warn("no-connect-pin-in-net", f"{ref}.{pin}{label} is a no-connect pin in the library, which KiCad "
         f"connects to nothing, but net {pin_net[(ref, pin)]} lists it (decoding draws it as passive)",
         f"{ref}.{pin}")


def _numbers_of(number: str) -> tuple[str, ...]:
    """The numbers a net may name pin ``number`` by: itself and, for a KiCad 10 stacked
    pin (``[1,15,38,39]``), each number it stands for (how KiCad 10 netlists it)."""
    if number[:1] != "[":
        return (number,)
    return (number, *stacked_pin_numbers(number))


def _report_unchecked(refs: list[str], why: str, warn) -> None:
    if refs:
        refs = sorted(refs, key=natural_key)
        warn(UNCHECKED, f"pins of {len(refs)} part(s) not checked ({why}): {_summarise(refs, what='parts')}",
             "", refs=refs)


def unchecked_parts(findings: list[Finding]) -> list[str]:
    """References whose pins were not checked against any symbol (see the module doc)."""
    return [r for f in findings if f.code == UNCHECKED for r in f.details.get("refs", [])]


def _check_declared_pins(ref: str, table, used: set[str], pin_net: dict, err, warn) -> None:
    """A part the libraries lack is what its ``pins{REF}`` table says, when it has one: a pin
    used in a net must be in the table, and its power inputs must be connected, as for a
    library part."""
    if not table:
        return
    declared = {n for pd in table for n in _numbers_of(pd.number)}
    for pin in sorted(used - declared, key=natural_key):
        err("unknown-pin", f"{ref}.{pin}: pins{{{ref}}} has no pin {pin}{_pad_note(pin)}"
            f"{_by_name_note(ref, pin, table)} (its pins: "
            f"{pin_list(table)})", f"{ref}.{pin}")
    for pd in table:
        if pd.type == "no_connect" and (ref, pd.number) in pin_net:
            _no_connect_in_net(ref, pd.number, pd.name, pin_net, warn)
        if pd.type == "power_in" and not any((ref, n) in pin_net for n in _numbers_of(pd.number)):
            err("unconnected-power-pin", f"{ref}.{pd.number} ({pd.name}) is a power input and is not connected",
                f"{ref}.{pd.number}")


def pin_list(pins, limit: int = 64) -> str:
    """A symbol's (or a ``pins{REF}`` table's) pins for a message: each number with its name,
    in natural order, ``1 GND, 2 TRIG, 3 OUT, 4 ~{RST}`` (a pin without a name, ``~``, by its
    number alone, and so is one named as its number: a crystal's ``1, 2``, not ``1 1, 2 2``;
    a number once, with its first name), at most ``limit`` of them."""
    names: dict[str, str] = {}
    for p in pins:
        names.setdefault(p.number, p.name)
    items = [f"{n} {names[n]}" if names[n] not in ("", "~", n) else n for n in sorted(names, key=natural_key)]
    return _summarise(items, limit)


#: Words for a tab or an exposed pad, which many symbols have no pin for (its pad is one of
#: the other pins' on the footprint: an AMS1117's tab is VO, pin 2).
_PAD_WORDS = frozenset({"TAB", "EP", "EPAD", "PAD", "EXP", "EXPOSEDPAD", "EXPOSED_PAD", "THERMALPAD",
                        "THERMAL_PAD", "SLUG", "HEATSINK"})


def _pad_note(pin: str) -> str:
    """For a pin written as a tab or exposed pad that the symbol lacks: what to do instead."""
    if normalise_pin_name(pin) not in _PAD_WORDS:
        return ""
    return (" (the symbol has no pin of its own for a tab or exposed pad: on the footprint it is one of "
            "the pins below; leave it out of the nets)")


def _unnamed_note(ref: str, pin: str, pins) -> str:
    """For a pin written by a name on a symbol whose pins have none (KiCad's optocouplers,
    74xx gates: ``~``): where the numbers come from, and that a ``pins{REF}`` table naming
    the pins lets the names stand (:mod:`tokn.generate.netfix` reads them)."""
    if pin.isdigit() or any(p.name not in ("", "~", p.number) for p in pins):
        return ""
    return (f" (the symbol's pins have no names: write the number the part's datasheet gives the pin, "
            f"or name the pins in a pins{{{ref}}} table of num,name rows)")


def _by_name_note(ref: str, pin: str, pins) -> str:
    """For a pin written by the name of a pin (``U1.GND``): TOKN's pin references are
    numbers; which numbers carry that name."""
    key = normalise_pin_name(pin)
    numbers = sorted({p.number for p in pins if p.name not in ("", "~") and normalise_pin_name(p.name) == key},
                     key=natural_key)
    if not numbers or pin in numbers:
        return ""
    return (f" (a pin reference is REF.NUMBER: {pin} is pin {numbers[0]}, {ref}.{numbers[0]})" if len(numbers) == 1
            else f" (a pin reference is REF.NUMBER: {pin} is pins {_summarise(numbers)})")


def _summarise(numbers: list[str], limit: int = 12, what: str = "pins") -> str:
    if len(numbers) <= limit:
        return ", ".join(numbers)
    return ", ".join(numbers[:limit]) + f", … ({len(numbers)} {what})"


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def fix_findings(fixes) -> list[Finding]:
    """Findings of severity ``fixed`` for the normalisations of
    :func:`tokn.doc.lenient.read_answer` (``where`` and ``details["lines"]``: answer lines)."""
    return [Finding("fixed", f.code, f.message, f.where, {"lines": sorted(set(f.lines))}) for f in fixes]


from ._callable import make_callable  # noqa: E402 - after the function it names

make_callable(__name__, "validate")
