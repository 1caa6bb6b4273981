"""Checks that know what was asked: the generic parts and the values a design request names.

A passing answer can still be the wrong circuit: "a 48 MHz crystal oscillator with 15pF load
capacitors" answered with two capacitors and no crystal passes every library check.
:func:`read_request` finds what the request asks for in plain words, and :func:`unmet` says
what an answer lacks; the pipeline reports each miss as an error that goes to the repair
prompt:

``missing-part``   a part kind the request names (crystal, LED, inductor, fuse, diode, MOSFET,
                   transistor, connector/header, switch/button, op-amp, regulator, resistor
                   divider (two resistors, or a potentiometer), resistor, capacitor, potentiometer, relay, buzzer)
                   is not among the components.  A component is of a kind by its KiCad
                   symbol (library nickname, symbol name, ``ki_keywords``, description: the
                   table :data:`KINDS`), or, when the libraries lack it, by its type or value
                   words and its reference prefix (``Y1`` is a crystal).
``missing-value``  a value the request states (``15pF``, ``10k``, ``4.7 kohm``, ``10 milliohm``,
                   ``100uH``; a frequency only next to "crystal"/"oscillator"/"resonator")
                   is not the value of any component, compared as numbers (``10k`` = ``10K``
                   = ``10kΩ`` = ``10000``; ``4k7`` = ``4.7k``); a crystal's frequency may
                   also be a number of MHz or kHz in its ordering code
                   (``S35010-4.000-A-X1-R``).

What is not asked for (the rules that keep good answers from being refused):

* a kind after "no", "without", "not", "instead of", "except" or after "internal",
  "integrated", "built-in", "on-chip", "core" (``no LED``, ``the MCU's internal oscillator``,
  ``1uF on the core regulator``);
* a kind that names what something else is for or does: ``LED driver``, ``LED resistor``,
  ``LED backlight``, ``digital potentiometer``,
  ``MOSFET driver``, ``relay driver``, ``diode controller``, ``ideal diode``,
  ``light-emitting diode`` (that is the LED kind), ``liquid crystal``;
* a kind of integrated part (op-amp, regulator, MOSFET, transistor, diode, LED, connector,
  switch, relay) that the request names next to a part number anywhere (``TL072 dual op-amp``,
  ``regulator using LM7805``: a part number among the three words before or the two after):
  that part is the one asked for, and the named-part check holds the answer to it;
* examples of a use: a kind in the rest of a sentence after "typically", "such as", "e.g.",
  "for example", "ideal/suitable for", "loads/devices/outputs like", up to "with", "using",
  "plus", "add" or "and a..." (``typically used for driving loads like relays, solenoids, or
  LEDs``);
* a bare "oscillator" (an RC, 555 or op-amp oscillator needs no crystal); values in volts,
  amperes, watts, decibels or bits; a frequency that is not a crystal's (``1Hz oscillation``,
  ``2.4GHz``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from .grounding import extract_part_numbers, value_words
from .quantities import parse_value, same_value
from ..kicad.ids import split_lib_id

__all__ = ["PartKind", "PartFacts", "Ask", "RequestAsks", "KINDS", "read_request", "kinds_of", "unmet"]


def _re(pattern: str) -> "re.Pattern[str]":
    return re.compile(pattern, re.I)


@dataclass(frozen=True)
class PartKind:
    """A generic part kind: how a request names it and which components are one.

    ``asked``: the request's words for it; ``not_after``/``not_before``: words right after or
    before a mention that make it something else (``LED driver``); ``integrated``: parts of
    this kind have part numbers (a mention next to one is that part's); ``libs``: KiCad library
    nicknames whose every symbol is of the kind; ``names``: symbol (or type) names;
    ``words``: words of the symbol's keywords or description; ``prefixes``: reference
    prefixes, used only for components the libraries lack; ``example``: the symbol a repair
    message suggests; ``count``: how many components the kind needs; ``unless``: symbol names
    that are never of the kind (a buzzer's keywords say "resonator"); ``met_by``: kinds of
    which one component alone is what was asked (a potentiometer is a voltage divider)."""
    name: str
    asked: "re.Pattern[str]"
    example: str
    names: "re.Pattern[str]"
    words: "re.Pattern[str]"
    libs: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    not_after: Optional["re.Pattern[str]"] = None
    not_before: Optional["re.Pattern[str]"] = None
    integrated: bool = False
    count: int = 1
    unless: Optional["re.Pattern[str]"] = None
    met_by: tuple[str, ...] = ()


#: The vocabulary (each row tested in tests/test_generate_asked.py).
KINDS: tuple[PartKind, ...] = (
    PartKind("crystal", _re(r"\b(?:crystals?|xtals?|quartz|resonators?|TCXO|VCXO|OCXO|clock oscillators?|"
                            r"oscillator modules?)\b"),
             "Device:Crystal", names=_re(r"crystal|xtal|resonator|oscillator|^ABM|^TCXO|^VCXO"),
             words=_re(r"\bcrystal\b|\bresonator\b|\boscillator\b"), libs=("Oscillator",), prefixes=("Y", "X"),
             not_before=_re(r"liquid\s+$"), unless=_re(r"buzzer|speaker|piezo")),
    PartKind("LED", _re(r"\bLEDs?\b"), "Device:LED", names=_re(r"^LED|LED_|_LED|^WS28|^SK68|^APA10"),
             words=_re(r"\bLEDs?\b|light emitting"), libs=("LED",), prefixes=("D", "LED", "LD", "DS"),
             not_after=_re(r"^\s*(?:drivers?|controllers?|resistors?|current|backlights?|dimmers?|strip drivers?|"
                           r"matrix (?:drivers?|controllers?)|connectors?|headers?)\b"),
             integrated=True),
    PartKind("inductor", _re(r"\b(?:inductors?|chokes?)\b"), "Device:L",
             names=_re(r"^L$|^L_|inductor|choke|ferrite"), words=_re(r"\binductor\b|\bchoke\b"),
             libs=("Inductor",), prefixes=("L", "FL", "FB")),
    PartKind("fuse", _re(r"\b(?:fuses?|polyfuses?|polyswitch(?:es)?)\b"), "Device:Fuse",
             names=_re(r"fuse|polyswitch"), words=_re(r"\bfuse\b|polyfuse"), prefixes=("F",),
             not_before=_re(r"\bno\s+$")),
    PartKind("diode", _re(r"\bdiodes?\b"), "Device:D", names=_re(r"^D$|^D_|diode|^1N\d|^BAT\d|^BAV|^SMBJ|^SMAJ"),
             words=_re(r"\bdiode\b"), libs=("Diode",), prefixes=("D", "CR", "ZD", "Z"),
             not_after=_re(r"^\s*(?:controllers?|OR-?ing controllers?)\b"),
             not_before=_re(r"(?:ideal|emitting|light-emitting)\s+$"), integrated=True),
    PartKind("MOSFET", _re(r"\b(?:MOSFETs?|FETs?)\b"), "Transistor_FET:2N7002",
             names=_re(r"MOS|FET"), words=_re(r"MOSFET|\bFET\b|N-Channel|P-Channel"), libs=("Transistor_FET",),
             prefixes=("Q", "T", "M"), not_after=_re(r"^\s*(?:drivers?|gate drivers?|controllers?)\b"),
             integrated=True),
    PartKind("transistor", _re(r"\b(?:transistors?|BJTs?|NPN|PNP)\b"), "Transistor_BJT:2N3904",
             names=_re(r"^Q_|transistor|NPN|PNP|MOS|FET"), words=_re(r"transistor|\bNPN\b|\bPNP\b|MOSFET"),
             libs=("Transistor_BJT", "Transistor_FET", "Transistor_Array"), prefixes=("Q", "T", "TR"),
             integrated=True),
    PartKind("connector", _re(r"\b(?:connectors?|headers?|terminal blocks?|receptacles?|jacks?)\b"),
             "Connector_Generic:Conn_01x02",
             names=_re(r"^Conn|connector|header|jack|receptacle|^USB\d?_|^RJ\d|terminal|^Screw_Terminal|^Barrel"),
             words=_re(r"connector|receptacle|\bjack\b|\bheader\b|terminal block"), prefixes=("J", "P", "CN", "X"),
             libs=("Connector", "Connector_Generic", "Connector_Generic_MountingPin", "Connector_Generic_Shielded",
                   "Connector_Audio", "Connector_USB"), integrated=True),
    PartKind("switch", _re(r"\b(?:push-?buttons?|buttons?|(?:tactile|tact|reed|slide|toggle|DIP|rocker|momentary|"
                           r"limit|reset|micro|push|key)[ -]switch(?:es)?)\b"), "Switch:SW_Push",
             names=_re(r"^SW|switch|button|^KEY"), words=_re(r"switch|button"), libs=("Switch",),
             prefixes=("SW", "S", "K", "B", "BTN"), integrated=True),
    PartKind("op-amp", _re(r"\b(?:op-?amps?|operational amplifiers?)\b"), "Amplifier_Operational:LM358",
             names=_re(r"opamp|op-amp"), words=_re(r"\bop-?amps?\b|operational amplifier"),
             libs=("Amplifier_Operational",), integrated=True),
    PartKind("regulator", _re(r"\b(?:regulators?|LDOs?)\b"), "Regulator_Linear:AMS1117-3.3",
             names=_re(r"regulator|LDO"), words=_re(r"regulator|\bLDO\b|step-down|step-up|buck|boost"),
             libs=("Regulator_Linear", "Regulator_Switching"), integrated=True),
    PartKind("resistor divider", _re(r"\b(?:(?:resistor|resistive|voltage)[ -]dividers?|divider resistors?)\b"),
             "Device:R", names=_re(r"^R$|^R_|resistor"), words=_re(r"\bresistor\b"), prefixes=("R", "RN"),
             count=2, met_by=("potentiometer",)),
    PartKind("resistor", _re(r"\bresistors?\b"), "Device:R", names=_re(r"^R$|^R_|resistor"),
             words=_re(r"\bresistor\b"), prefixes=("R", "RN", "RV", "VR")),
    PartKind("capacitor", _re(r"\b(?:capacitors?|caps)\b"), "Device:C",
             names=_re(r"^C$|^C_|^CP$|^CP_|capacitor"), words=_re(r"\bcapacitor\b"), prefixes=("C",)),
    PartKind("potentiometer", _re(r"\b(?:potentiometers?|pots|trimmers?|trim-?pots?)\b"), "Device:R_Potentiometer",
             names=_re(r"potentiometer|^R_POT|trim"), words=_re(r"potentiometer|variable resistor|trimmer"),
             prefixes=("RV", "VR"), not_before=_re(r"digital\s+$"), integrated=True),
    PartKind("relay", _re(r"\brelays?\b"), "Relay:G5V-1", names=_re(r"relay"), words=_re(r"\brelay\b"),
             libs=("Relay", "Relay_SolidState"), prefixes=("K", "RL"),
             not_after=_re(r"^\s*(?:drivers?|controllers?)\b"), integrated=True),
    PartKind("buzzer", _re(r"\b(?:buzzers?|beepers?)\b"), "Device:Buzzer", names=_re(r"buzzer|beeper"),
             words=_re(r"\bbuzzer\b"), prefixes=("BZ", "LS"), not_after=_re(r"^\s*drivers?\b")),
)

#: Words within the three before a mention that cancel it, and words right before it that
#: make it part of something else.
_NEGATION = re.compile(r"\b(?:no|not|without|except|excluding|instead\s+of|non)\b", re.I)
_INSIDE = re.compile(r"\b(?:internal|integrated|built-in|on-chip|on-board|onboard|core)\s+(?:\w+\s+)?$", re.I)
#: Words that make what follows them in their sentence examples of a use, not parts asked
#: for: "typically used for driving loads like relays, solenoids, or LEDs".
_EXAMPLE = re.compile(r"\b(?:typically|such\s+as|e\.g\.|for\s+(?:example|instance)|ideal\s+for|suitable\s+for"
                      r"|(?:loads?|devices?|peripherals?|things|outputs?)\s+like)(?=\W)", re.I)
#: What ends a list of examples before the sentence does: "loads such as relays, with a 1k resistor".
_EXAMPLES_END = re.compile(r"[;:]|\b(?:with|using|plus|including|include|add|and\s+(?:a|an|one|two|three|four))\b",
                           re.I)
#: The end of a sentence (not the dots of "e.g." and "i.e.").
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)[.!?]\s+")
#: Clause boundaries, for quoting the request's words around a mention.
_CLAUSE = re.compile(r"[,;:()]|\band\b|\bwith\b|\bfor\b|\bplus\b|\bon\b|\bvia\b|\bwhile\b", re.I)

#: A value in a request: a number with a unit of resistance, capacitance, inductance or
#: frequency (an SI prefix, written out or not), a bare k/M resistance (``10k``), or an RKM
#: code (``4k7``, ``2R2``).
_NUMBER_UNIT = re.compile(r"(?<![\w.+\-])(\d+(?:\.\d+)?)\s?([A-Za-zΩµμ]+)(?![\w.])")
_RKM = re.compile(r"(?<![\w.+\-])(\d+[kKMR]\d+)(?![\w.])")
_WORD_PREFIX = {"milli": "m", "micro": "u", "nano": "n", "pico": "p", "kilo": "k", "mega": "M", "giga": "G"}
_WORD_UNIT = re.compile(r"^(milli|micro|nano|pico|kilo|mega|giga)?(ohms?|farads?|henry|henries|hertz)$", re.I)
_CRYSTAL_AFTER = re.compile(r"^(?:\W*\w+){0,3}?\W*(?:crystals?|xtals?|resonators?|oscillators?|TCXO|XO)\b", re.I)


@dataclass(frozen=True)
class Ask:
    """One thing a request asks for: a part ``kind`` or a ``value``, with the request's
    words (``phrase``)."""
    phrase: str
    kind: Optional[PartKind] = None
    value: str = ""


@dataclass(frozen=True)
class RequestAsks:
    """What a request asks for (see :func:`read_request`)."""
    kinds: tuple[Ask, ...] = ()
    values: tuple[Ask, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.kinds or self.values)


@dataclass(frozen=True)
class PartFacts:
    """What is known of one component: its ``ref``, ``type`` and ``value``, and, when it
    resolves to a KiCad symbol, that symbol's ``lib_id``, ``keywords`` and ``description``."""
    ref: str
    type: str
    value: str = ""
    lib_id: str = ""
    keywords: str = ""
    description: str = ""


#: Words skipped after a mention when looking for a part number ("a regulator, e.g. the LM7805").
_FILLER = frozenset({"the", "a", "an", "e.g.", "i.e."})


def _phrase(text: str, start: int, end: int) -> str:
    """The request's words around a mention: its clause, at most about 60 characters."""
    c0 = max([0] + [m.end() for m in _CLAUSE.finditer(text) if m.end() <= start])
    c1 = min([len(text)] + [m.start() for m in _CLAUSE.finditer(text) if m.start() >= end])
    words = text[c0:c1].split()
    out = " ".join(words)
    while len(out) > 60 and len(words) > 1:
        words = words[1:] if text.find(words[0], c0) < start - 30 else words[:-1]
        out = " ".join(words)
    return out


def _next_to_part_number(text: str, start: int, end: int) -> bool:
    """Whether a part number is among the three words before the mention or the two after
    it (articles skipped), inside its clause (``TL072 dual op-amp``,
    ``regulator using LM7805``)."""
    before = re.split(r"[,;:]", text[:start])[-1].split()[-3:]
    after = [w for w in re.split(r"[,;:]", text[end:])[0].split() if w.lower() not in _FILLER][:2]
    return bool(extract_part_numbers(" ".join(before + after)))


def _mention_counts(kind: PartKind, text: str, m: "re.Match[str]") -> bool:
    """Whether a mention asks for a part of ``kind`` (negations, examples and other uses
    left out)."""
    before, after = text[:m.start()], text[m.end():]
    clause = re.split(r"[,;:()]", before)[-1]
    if _NEGATION.search(" ".join(clause.split()[-3:])) or _INSIDE.search(clause[-40:]):
        return False
    examples = list(_EXAMPLE.finditer(_SENTENCE_END.split(before)[-1]))
    if examples and not _EXAMPLES_END.search(_SENTENCE_END.split(before)[-1][examples[-1].end():]):
        return False
    if kind.not_after is not None and kind.not_after.search(after):
        return False
    if kind.not_before is not None and kind.not_before.search(before[-24:]):
        return False
    return True


def read_request(request: str) -> RequestAsks:
    """The part kinds (each once, in :data:`KINDS` order) and values (each once, in order
    of appearance) that ``request`` asks for; see the module doc for what is left out."""
    text = " ".join(request.split())
    kinds: list[Ask] = []
    for kind in KINDS:
        mentions = [m for m in kind.asked.finditer(text) if _mention_counts(kind, text, m)]
        if kind.integrated and any(_next_to_part_number(text, m.start(), m.end()) for m in mentions):
            continue                 # the part named there is the one asked for
        if mentions:
            kinds.append(Ask(_phrase(text, mentions[0].start(), mentions[0].end()), kind=kind))
    values: list[Ask] = []
    for v, start, end in _values(text):
        if not any(same_value(v, a.value) and _unit(v) == _unit(a.value) for a in values):
            values.append(Ask(_phrase(text, start, end), value=v))
    return RequestAsks(tuple(kinds), tuple(values))


def _unit(v: str) -> str:
    p = parse_value(v)
    return p[1] if p else ""


def _values(text: str) -> Iterable[tuple[str, int, int]]:
    """(value, start, end) of every value stated in ``text``, in order (module doc)."""
    found: list[tuple[int, int, str]] = []
    for m in _RKM.finditer(text):
        if parse_value(m.group(1)) is not None:
            found.append((m.start(), m.end(), m.group(1)))
    for m in _NUMBER_UNIT.finditer(text):
        num, unit = m.group(1), m.group(2)
        w = _WORD_UNIT.match(unit)
        if w:
            base = w.group(2).lower()
            unit = _WORD_PREFIX.get((w.group(1) or "").lower(), "") + (
                "Hz" if base == "hertz" else "ohm" if base.startswith("ohm") else "F" if base.startswith("farad")
                else "H")
        if unit == "E":              # ``120E`` is an ohm in a value field, not in a sentence ("3 E-series")
            continue
        val = f"{num}{unit}"
        p = parse_value(val)
        if p is None:
            continue
        if p[1] in ("ohm", "F", "H") or (p[1] == "" and re.search(r"(?:k|K|M|meg|Meg|MEG)$", unit)):
            found.append((m.start(), m.end(), val))
        elif p[1] == "Hz" and _CRYSTAL_AFTER.match(text[m.end():]):
            found.append((m.start(), m.end(), val))
    for start, end, val in sorted(found):
        yield val, start, end


def _frequency_in_part_number(value: str, facts: Sequence[PartFacts], kinds: Sequence[set[str]]) -> bool:
    """Whether a crystal's value or type holds the frequency ``value`` as a number of MHz or
    kHz (an ordering code: ``S35010-4.000-A-X1-R`` is a 4 MHz crystal, ``ABM8-48.000MHZ``)."""
    p = parse_value(value)
    if p is None or p[1] != "Hz":
        return False
    wanted = {round(p[0] / 1e6, 6), round(p[0] / 1e3, 6)}
    for f, ks in zip(facts, kinds):
        if "crystal" in ks:
            numbers = re.findall(r"\d+(?:\.\d+)?", f"{f.type} {f.value}")
            if any(round(float(n), 6) in wanted for n in numbers):
                return True
    return False


def kinds_of(facts: PartFacts) -> set[str]:
    """The names of the :data:`KINDS` a component is (see the module doc)."""
    lib, name = split_lib_id(facts.lib_id)
    out: set[str] = set()
    for kind in KINDS:
        if facts.lib_id:
            hit = (lib in kind.libs or bool(kind.names.search(name))
                   or bool(kind.words.search(f"{facts.keywords} {facts.description}")))
        else:
            prefix = re.sub(r"\d+$", "", facts.ref).upper()
            hit = (bool(kind.names.search(facts.type)) or any(kind.names.search(w) for w in value_words(facts.value))
                   or (prefix in kind.prefixes and not _other_kind(kind, facts)))
        if hit and not (kind.unless is not None and kind.unless.search(name or facts.type)):
            out.add(kind.name)
    return out


def _other_kind(kind: PartKind, facts: PartFacts) -> bool:
    """Whether an unknown part's type names a different kind (a ``D1`` of type ``LED``)."""
    return any(k is not kind and k.names.search(facts.type) for k in KINDS)


def unmet(asks: RequestAsks, facts: Sequence[PartFacts]) -> list[tuple[str, str]]:
    """``(code, message)`` for every kind and value of ``asks`` that ``facts`` (one per
    component) lack: ``missing-part`` and ``missing-value`` (see the module doc)."""
    out: list[tuple[str, str]] = []
    kinds = [kinds_of(f) for f in facts]
    for ask in asks.kinds:
        k = ask.kind
        assert k is not None
        have = sum(1 for ks in kinds if k.name in ks)
        if have < k.count and not any(m in ks for ks in kinds for m in k.met_by):
            need = "two resistors" if k.count == 2 else f"{'an' if k.name[0] in 'aeioAEIOL' else 'a'} {k.name}"
            out.append(("missing-part", f"the request asks for {need} (\"{ask.phrase}\"), but "
                        + ("no component is one" if have == 0 else f"the answer has {have}")
                        + f": add it (KiCad symbol {k.example}, or the type its pin table gives) and connect it"))
    for ask in asks.values:
        if not any(_has_value(f.value, ask.value) for f in facts) \
                and not _frequency_in_part_number(ask.value, facts, kinds):
            typed = [f.ref for f in facts if _has_value(f.type, ask.value)]
            where = (f": {', '.join(typed)} {'has' if len(typed) == 1 else 'have'} it as type, not value; "
                     f"give {'it' if len(typed) == 1 else 'them'} value {ask.value} and a KiCad symbol as type"
                     if typed else f": give it to the part it belongs to (value {ask.value})")
            out.append(("missing-value", f"the request states {ask.value} (\"{ask.phrase}\"), but no component "
                        f"has that value{where}"))
    return out


#: The words of a value field: split at spaces, ``/``, ``_``, ``@``, ``;`` and at a comma that
#: is not a decimal comma (``0.1uF,50V``; ``4,7uF`` stays whole).
_VALUE_SPLIT = re.compile(r"[\s/_@;]+|(?<!\d),|,(?!\d)")


#: The blanks between a number and the unit after it (``1.5 kΩ``, ``0.1 μF``): one value.
_NUMBER_UNIT_GAP = re.compile(r"(?<=\d)[ \t]+(?=[^\d\s])")


def _has_value(field: str, value: str) -> bool:
    """Whether a value field (or one of its words) is ``value``, compared as numbers; a
    number and its unit written apart are one word (``1.5 kΩ 1%``, ``0.1 μF 50V X7R``)."""
    joined = _NUMBER_UNIT_GAP.sub("", field)
    words = [field] + value_words(field) + _VALUE_SPLIT.split(field)
    if joined != field:
        words += _VALUE_SPLIT.split(joined)
    return any(same_value(value, w) for w in words if w)
