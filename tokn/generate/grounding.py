"""Pinout grounding: the parts a request names, found in the KiCad symbol index, with their
real pin tables in TOKN form.

:func:`extract_part_numbers` finds IC-like tokens in free text (``TL072``, ``LM7805``,
``ATmega328P-AU``, ``AMS1117-3.3``, ``74LS173``) and leaves out values (``10k``, ``0.1uF``,
``3V3``, ``16MHz``, ``1.8v``), words with digits (``4-bit``, ``2x``, ``128x64``, ``2S2P``,
``4th-order``), references (``C10``, ``RV1``), pins (``GPIO15``, ``CC1``) and bare numbers:
the prompt lists the names the libraries lack as parts to draw from the datasheet.
:func:`lookup_part` asks the index (anything with ``find(name, limit)`` and ``get(lib_id)``,
e.g. :class:`tokn.kicad.library.SymbolIndex`) and accepts a hit only when its name really is
that part (same name ignoring case and separators, the name plus a suffix, the name with an
ordering suffix cut, or a KiCad ``x`` wildcard): a keyword match (``RS232`` -> ``MAX202``) is
refused.  :func:`pin_table` writes ``pins{NAME}[N]{num,name,type}:`` with a comment naming
the symbol and its units.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional, Protocol

from ..doc.naming import natural_key
from ..kicad.ids import lib_nickname, symbol_name
from ..kicad.symbols import stacked_pin_numbers


class PartIndex(Protocol):
    def find(self, name: str, limit: int = 10) -> list[str]: ...
    def get(self, lib_id: str): ...


@dataclass
class PartPins:
    """A part found in the library, with the pins an LLM may use."""
    query: str                                   # as the request (or the model) wrote it
    lib_id: str                                  # "Amplifier_Operational:TL072"
    pins: list[tuple[str, str, str]]             # (number, name, electrical type), natural order
    unit_count: int = 1
    units: dict[int, list[str]] = field(default_factory=dict)   # unit -> pin numbers (unit 0: common)
    hidden: list[tuple[str, str, str]] = field(default_factory=list)  # hidden pins (number, name, type)
    description: str = ""
    keywords: str = ""
    ref_prefix: str = "U"                        # the symbol's Reference field (U, J, Q...)
    ref: str = ""                                # the reference the prompt tells the model to use
    volts: str = ""                              # the output voltage the request states for it, when
    #                                              the symbol is that voltage's (3.3, 5, ADJ): voltage_variant

    @property
    def lib(self) -> str:
        return lib_nickname(self.lib_id)

    @property
    def name(self) -> str:
        return symbol_name(self.lib_id)

    def pin(self, number: str) -> Optional[tuple[str, str, str]]:
        for p in self.pins:
            if p[0] == number:
                return p
        return None


# ---- extraction ---------------------------------------------------------------------------

_CANDIDATE = re.compile(r"(?<![\w+\-./#])[A-Za-z0-9][A-Za-z0-9\-_/.+#]*[A-Za-z0-9#+]")
_VALUE = re.compile(
    r"^[+\-]?\d+(?:[.,]\d+)?\s*(?:[pnuµμmkKMG]|meg)?(?:F|H|Hz|V|v|VAC|VDC|A|Ah|W|Ω|ohms?|Ohms?|R|%|s|dB|bits?|ch"
    r"|mAh|ppm|ms|us|ns|b|B|kbps|Mbps|bps|baud|SPS|sps|mm|cm|deg|C|K|x|X|th|st|nd|rd|V/us)?$")
_RKM = re.compile(r"^\d+[pnuµmkKMGRrVvFH]\d+$")                  # 4k7, 2R2, 3V3, 4n7
_HYPHEN_WORD = re.compile(r"^\d+(?:\.\d+)?(?:st|nd|rd|th)?-[A-Za-z]+(?:-[A-Za-z]+)*(?:-\d+)?$")
#                          4-bit, 12-cell, 4.5-digit, 4th-order, 2-to-1
#: Words with digits that name no part: a count by a size (``128x64``, ``2x50W``), a battery's
#: cells (``16S``, ``2S2P``), a reference (``C10``, ``RV2``, ``U404``, ``IC1``; ``C`` with one or
#: two digits only: ``C945`` is a transistor), a pin (``GPIO15``, ``PA12``, ``CC1``).
_NOT_PART_WORD = re.compile(
    r"\d+[xX×]\d+[A-Za-z]*|\d{1,2}S(?:\d{1,2}P)?|(?:R|RV|U|IC|TP|SW|JP)\d{1,3}|C\d{1,2}"
    r"|(?:GPIO|GP|IO|ADC|AIN)\d{1,2}|P[A-K]\d{1,2}|CC[12]|Cortex-[AMR]\d{1,2}\+?")
_NOT_PARTS = frozenset(s.casefold() for s in (
    "I2C", "I2S", "I3C", "SPI", "QSPI", "UART", "USB2.0", "USB3.0", "USB-C", "RS232", "RS-232", "RS485",
    "RS-485", "RS422", "RS-422", "CAN2.0", "CAN-FD", "LVDS", "HDMI", "PCIe", "DDR3", "DDR4", "LPDDR4",
    "SD", "MMC", "eMMC", "JTAG", "SWD", "GPIO", "ADC", "DAC", "PWM", "IC", "ICs", "MCU", "LDO", "SMPS", "LED",
    "RGB", "IR", "4G", "5G", "LTE", "WiFi", "Wi-Fi", "BLE", "2.4GHz", "TO-220", "TO220", "SOIC-8", "SOT-23",
    "SOT23", "DIP-8", "DIP8", "QFN", "TSSOP", "0402", "0603", "0805", "1206", "18650", "LiPo", "Li-ion",
    "1S", "2S", "3S", "4S", "PD", "QC3.0", "H-bridge", "3D", "2D", "1x", "2x", "A4", "3.3V", "5V",
    "USB", "BC1.2", "LiFePO4", "BLHeli32",
))


#: Classic parts people name by their bare number ("a 555 timer").
BARE_NUMBER_PARTS = {"555": "NE555", "556": "NE556", "741": "uA741", "7805": "LM7805",
                     "7812": "LM7812", "7905": "LM7905", "317": "LM317", "358": "LM358", "386": "LM386"}


#: A Microchip ordering code, whose ``/`` begins the package (``MCP1700T-3302E/TT``,
#: ``MCP6002-I/SN``: options ending in the temperature grade I, E or H), not another part.
_ORDERING_CODE = re.compile(r"[A-Z0-9]*[A-Z][A-Z0-9]*\d[A-Z0-9]*-(?:\d[A-Z0-9]*)?[IEH]/[A-Z][A-Z0-9]{0,3}")


def _tokens(text: str):
    """Candidate words of ``text``; ``TL072/TL074`` is two."""
    for m in _CANDIDATE.finditer(text):
        if _ORDERING_CODE.fullmatch(m.group(0)):
            yield m.group(0)
            continue
        for part in m.group(0).split("/"):
            if part:
                yield part


def extract_part_numbers(text: str) -> list[str]:
    """IC-like part numbers in ``text``, in order of appearance, each once; a bare classic
    number (``555``) becomes its usual part (``NE555``)."""
    out: list[str] = []
    seen: set[str] = set()
    for tok in _tokens(text):
        tok = tok.strip(".-")
        if tok in BARE_NUMBER_PARTS:
            tok = BARE_NUMBER_PARTS[tok]
        if not (re.search(r"[A-Za-z]", tok) and re.search(r"\d", tok)):
            continue
        if (_VALUE.match(tok) or _RKM.match(tok) or _HYPHEN_WORD.match(tok) or _NOT_PART_WORD.fullmatch(tok)
                or tok.casefold() in _NOT_PARTS or len(tok) < 3
                or all(_VALUE.match(seg) or _RKM.match(seg) or seg.casefold() in _NOT_PARTS
                       for seg in tok.split("-") if seg)):
            continue
        if re.fullmatch(r"[a-z]+\d*|\d+[a-z]+", tok):        # words like "mp3", "3rd", "v2"
            continue
        key = tok.casefold()
        if key not in seen:
            seen.add(key)
            out.append(tok)
    return out


# ---- lookup -------------------------------------------------------------------------------

from ..kicad.partnames import connector_named, plausible, plausible_symbol  # noqa: E402  (shared with the resolver)


class PlausibleIndex:
    """A symbol index whose ``find`` returns only hits that are the part asked for
    (:func:`plausible`, or a connector named with the maker's part number asked:
    :func:`~tokn.kicad.partnames.connector_named`); everything else is the wrapped index's.

    Validation and decoding resolve a component type that is not a symbol name through
    ``find``; its last tier matches words of descriptions, which turns an unknown connector
    ``S4B-ZR-SM4A-TFLFSN`` into a RAM chip and reports that chip's pins as errors.  Behind
    this wrapper such a part is simply unknown (a warning; its ``pins{REF}`` table is used).
    """

    def __init__(self, index) -> None:
        self._index = index

    def find(self, name: str, limit: int = 10) -> list[str]:
        q = symbol_name(name)
        hits = self._index.find(name, max(limit, 8))
        return [h for h in hits if plausible(q, symbol_name(h)) or connector_named(q, h)][:limit]

    def __getattr__(self, attr: str):
        return getattr(self._index, attr)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, lib_id: str) -> bool:
        return lib_id in self._index


def lookup_part(index: PartIndex, query: str, limit: int = 24) -> Optional[PartPins]:
    """The library part ``query`` names, or None (also when only unrelated symbols match)."""
    q = query.strip()
    lib_id = plausible_symbol(index, q, limit) if q else None     # the resolver's choice too
    sym = index.get(lib_id) if lib_id is not None else None
    return part_pins(q, lib_id, sym) if sym is not None else None


def part_pins(query: str, lib_id: str, sym) -> PartPins:
    """:class:`PartPins` of a library symbol (anything with ``pins`` of number, name, type,
    unit, hidden; ``unit_count``).  A KiCad 10 stacked pin (``[1,15,38,39]``) is listed as
    one row per number, the form an answer's nets use (and the validator and decoder read)."""
    first: dict[str, tuple[str, str, str]] = {}
    units: dict[int, list[str]] = {}
    hidden: list[tuple[str, str, str]] = []
    for p in sym.pins:
        for number in stacked_pin_numbers(p.number):     # a KiCad 10 stacked pin: each number
            if p.hidden:
                if number not in {h[0] for h in hidden}:
                    hidden.append((number, p.name, p.type))
                continue
            if number not in first:
                first[number] = (number, p.name or "~", p.type)
                units.setdefault(p.unit, []).append(number)
    pins = sorted(first.values(), key=lambda t: natural_key(t[0]))
    props = getattr(sym, "properties", {}) or {}
    prefix = re.sub(r"[^A-Za-z]", "", props.get("Reference", "")) or "U"
    desc = getattr(sym, "description", "") or props.get("Description", "")
    kw = getattr(sym, "keywords", "") or getattr(sym, "properties", {}).get("ki_keywords", "")
    return PartPins(query=query, lib_id=lib_id, pins=pins, unit_count=getattr(sym, "unit_count", 1) or 1,
                    units={u: sorted(v, key=natural_key) for u, v in sorted(units.items())},
                    hidden=hidden, description=desc, keywords=kw, ref_prefix=prefix)


def value_words(text: str) -> list[str]:
    """The words of a Value field (``TL072 SOIC`` → ``TL072``, ``SOIC``)."""
    return [t for t in re.split(r"[\s/_@]+", text) if t]


def names_part(name: str, comp_type: str, comp_value: str) -> bool:
    """Whether a component (its symbol name and value) is the part ``name`` (``LM7805`` is
    ``LM7805_TO220``; ``TL072`` is a value ``TL072CP``): the rule of :func:`plausible`,
    applied to the type, the value and each word of the value."""
    return (plausible(name, comp_type) or plausible(name, comp_value)
            or any(plausible(name, w) for w in value_words(comp_value)))


def missing_parts(components: Iterable, parts: Iterable[PartPins]) -> list[PartPins]:
    """The grounded ``parts`` that no component (``type``/``value``, or ``lib_id`` equal to
    the part's) is."""
    comps = list(components)
    return [p for p in parts
            if not any(getattr(c, "lib_id", None) == p.lib_id or names_part(p.query, c.type, c.value)
                       or names_part(p.name, c.type, c.value) for c in comps)]


def missing_unlisted(components: Iterable, names: Iterable[str]) -> list[str]:
    """The part ``names`` of a request that the libraries lack (:func:`ground`'s second
    list) and that no component (``type``/``value``) is: an answer without the ``HC-05`` the
    user asked for is as wrong as one without a part the libraries have."""
    comps = list(components)
    return [n for n in dict.fromkeys(names) if not any(names_part(n, c.type, c.value) for c in comps)]


def ground(index: PartIndex, names: Iterable[str], text: str = "") -> tuple[list[PartPins], list[str]]:
    """Look up every name; returns (parts found, one per library symbol; names not found).

    ``text``: the request the names come from; a voltage it states next to a name picks that
    part's fixed-voltage symbol (:func:`voltage_variant`: "AMS1117 3.3V" is
    ``AMS1117-3.3``, not the adjustable ``AMS1117``; "LM2596 3.3V buck" ``LM2596S-3.3``, not
    the first hit, ``LM2596S-5``).

    A part whose symbol is the generic form of another part found (its name the first words
    of the other's, in the same library: ``Connector:RJ45`` beside
    ``Connector:RJ45_Hanrun_HR911105A_Horizontal`` for "HR911105A RJ45 connector") is that
    part described, not one more: left out."""
    found: list[PartPins] = []
    missing: list[str] = []
    ids: set[str] = set()
    for n in names:
        p = lookup_part(index, n)
        if p is not None and text:
            p = voltage_variant(index, p, stated_volts(text, n))
        if p is None:
            missing.append(n)
        elif p.lib_id not in ids:
            ids.add(p.lib_id)
            found.append(p)
    return [p for p in found if not any(_generic_form(p.lib_id, o.lib_id) for o in found)], missing


#: A voltage as requests write it: ``3.3V``, ``5V``, ``3V3``, ``+12V``, ``5.0 V`` is two words.
_VOLTS = re.compile(r"^\+?(?:(\d+(?:\.\d+)?)V|(\d+)V(\d+))$", re.IGNORECASE)
#: Words before a voltage that make it the input's, not the part's output (``from 24V``),
#: and after it (``24V input``).
_INPUT_BEFORE = frozenset({"from", "vin"})
_INPUT_AFTER = frozenset({"input", "in", "supply", "battery"})
#: How far from the part's name a voltage still is the part's (words after it, before it).
_VOLTS_AFTER, _VOLTS_BEFORE = 6, 1


def stated_volts(text: str, name: str) -> Optional[str]:
    """The output voltage ``text`` states for the part ``name``, as a symbol suffix writes it
    (``3.3``, ``5``, ``12``), or ``"ADJ"`` for "adjustable"; None when it states none.

    The voltage is a word right before the name (``3.3V AMS1117``) or among the few after it
    (``AMS1117 3.3V``, ``LM2596 5V buck``, ``TPS61023 boost 3.7V to 5V``: the one after
    "to"); one after "from" (``LM2596 buck from 24V``) is the input's, and so is one
    followed by "input", "in", "supply" or "battery" (``24V input``).  A name that is
    itself one voltage's part (``LD1117V33``) is left to its own name: only words of its
    clause count (up to a comma or "with")."""
    words = re.findall(r"[A-Za-z0-9+.\-_/]+|[,;:()]", text)
    key = name.casefold()
    for i, w in enumerate(words):
        if w.strip(".").casefold() != key:
            continue
        after = []
        for w2 in words[i + 1:i + 1 + _VOLTS_AFTER]:
            if w2 in ",;:()" or w2.casefold() in ("with", "and", "using", "plus"):
                break
            after.append(w2.strip("."))
        before = [w.strip(".") for w in words[max(0, i - _VOLTS_BEFORE):i]]
        if any(w.casefold() in ("adjustable", "adj") for w in after + before):
            return "ADJ"
        cands = []
        for j, w2 in enumerate(after):
            v = _volt_suffix(w2)
            nxt = after[j + 1].casefold() if j + 1 < len(after) else ""
            prev = after[j - 1].casefold() if j else ""
            if v is not None and prev not in _INPUT_BEFORE and nxt not in _INPUT_AFTER:
                cands.append((prev == "to", v))
        if any(to for to, _ in cands):
            return next(v for to, v in cands if to)
        if cands:
            return cands[0][1]
        for w2 in before:
            v = _volt_suffix(w2)
            if v is not None:
                return v
    return None


def _volt_suffix(word: str) -> Optional[str]:
    """``3.3V`` / ``3V3`` -> ``3.3``, ``5.0V`` -> ``5``, ``12V`` -> ``12``; None for other words."""
    m = _VOLTS.match(word)
    if not m:
        return None
    text = m.group(1) or f"{m.group(2)}.{m.group(3)}"
    return f"{float(text):g}"


def voltage_variant(index: PartIndex, part: PartPins, volts: Optional[str]) -> PartPins:
    """``part``, or the symbol of the same part for the output voltage ``volts``
    (:func:`stated_volts`) when the library has one, with :attr:`PartPins.volts` set when
    the symbol is that voltage's: ``AMS1117`` with ``3.3`` is ``AMS1117-3.3``, ``LM2596S-5``
    is ``LM2596S-3.3`` (with ``ADJ``: ``LM2596S-ADJ``), ``MCP1700x-120xxMB`` (the first hit
    for "MCP1700") ``MCP1700x-330xxMB``, ``LD1117V`` ``LD1117V33``.  Tried in turn: the
    symbol's own name with its voltage written for the other (:func:`_volt_codes`: ``-5``,
    ``-120xx``, ``S12``), the name with ``-3.3`` after it, then the index's hits for the
    name; only a symbol that is the part (:func:`plausible`) and carries the voltage counts.
    When the library has no symbol for that voltage and ``part`` is a fixed-voltage symbol
    of another (``LM2596S-5`` for a 9 V request), the adjustable one is taken, if any: a
    fixed part of the wrong voltage is a wrong circuit that passes every check."""
    if not volts:
        return part
    name = symbol_name(part.lib_id)
    tried = [volts] if volts == "ADJ" else [volts, "ADJ"]
    for k, v in enumerate(tried):
        if k and not any(got != "ADJ" for got, _ in _volt_codes(name)):
            break                        # no fixed variant of another voltage: keep the part
        if _carries_volts(name, v):
            return replace(part, volts=volts)
        lib_id = _variant_symbol(index, part, v)
        if lib_id is not None:
            sym = index.get(lib_id)
            if sym is not None:
                return replace(part_pins(part.query, lib_id, sym), volts=volts)
    return part


def _variant_symbol(index: PartIndex, part: PartPins, volts: str) -> Optional[str]:
    """The lib_id of ``part``'s symbol for ``volts`` (:func:`voltage_variant`), or None."""
    name, lib = symbol_name(part.lib_id), lib_nickname(part.lib_id)
    q = symbol_name(part.query)
    tries = []
    for got, (a, b, style) in _volt_codes(name):          # the name's own way to write a voltage
        code = _volt_code(volts, style)
        if code is not None:
            tries.append(f"{lib}:{name[:a]}{code}{name[b:]}")
    tries.append(plausible_symbol(index, f"{part.query}-{volts}"))
    try:
        tries += index.find(part.query, 24)
    except Exception:                    # a broken index must not break generation
        pass
    for lib_id in tries:
        if lib_id and lib_id != part.lib_id and plausible(q, symbol_name(lib_id)) \
                and _carries_volts(symbol_name(lib_id), volts) and index.get(lib_id) is not None:
            return lib_id
    return None


#: How symbol names write a fixed voltage (or ADJ), each with a style for :func:`_volt_code`:
#: after a separator (``AMS1117-3.3``, ``LM2596S-5.0``, ``LM2596T-ADJ``, ``MIC5219-3.3YM5``), Microchip's three
#: digits of centivolts before its ``x`` wildcards (``MCP1700x-330xxTT``), ST's two digits of
#: decivolts after a package letter (``LD1117V33``, ``LD1117S33TR_SOT223``).
_VOLT_CODES = (
    (re.compile(r"(?<=[-_])(ADJ(?=$|[-_])|\d{1,2}\.\d+(?=$|[-_A-Z])|\d{1,2}(?=$|[-_]))", re.IGNORECASE), "plain"),
    (re.compile(r"(?<=-)(\d{3})(?=x)"), "centi"),
    (re.compile(r"(?<=\d[VS])(\d{2})(?=TR|_|$)"), "deci"),
)


def _volt_codes(name: str) -> list[tuple[str, tuple[int, int, str]]]:
    """(voltage as :func:`stated_volts` writes it, (start, end, style)) of each voltage code in
    a symbol's name (:data:`_VOLT_CODES`)."""
    out = []
    for pattern, style in _VOLT_CODES:
        for m in pattern.finditer(name):
            t = m.group(1)
            if t.upper() == "ADJ":
                got = "ADJ"
            else:
                got = f"{float(t) / {'plain': 1, 'centi': 100, 'deci': 10}[style]:g}"
            out.append((got, (m.start(1), m.end(1), style)))
    return out


def _volt_code(volts: str, style: str) -> Optional[str]:
    """``volts`` written in a style of :data:`_VOLT_CODES` (``3.3``: ``3.3``, ``330``, ``33``),
    or None where that style cannot write it."""
    if volts == "ADJ":
        return "ADJ" if style == "plain" else None
    v = float(volts)
    if style == "plain":
        return volts
    n = v * (100 if style == "centi" else 10)
    digits = 3 if style == "centi" else 2
    return f"{round(n):0{digits}d}" if abs(n - round(n)) < 1e-6 and round(n) < 10 ** digits else None


def wrong_voltage(components: Iterable, parts: Iterable[PartPins]) -> list[tuple[Any, PartPins]]:
    """(component, part) for each component that is a grounded ``part`` (its name, as
    :func:`missing_parts` reads names) in a fixed-voltage symbol of another voltage than the
    request states for it (:attr:`PartPins.volts`): an ``LM2596S-5`` where the request asks
    "LM2596 3.3V" is a 5 V supply on the 3.3 V net, a circuit every other check passes.  An
    adjustable symbol is never wrong here (its divider sets the voltage)."""
    comps = list(components)
    out = []
    for p in parts:
        if not p.volts:
            continue
        for c in comps:
            name = symbol_name(c.type)
            if names_part(p.query, c.type, c.value) and any(got != "ADJ" for got, _ in _volt_codes(name)) \
                    and not _carries_volts(name, p.volts):
                out.append((c, p))
    return out


def _carries_volts(name: str, volts: str) -> bool:
    """Whether a symbol's name carries the voltage ``volts`` (``3.3``, ``5``, ``ADJ``) in one
    of the ways :data:`_VOLT_CODES` lists (``-5.0`` is ``5``, ``-330xx`` and ``V33`` are ``3.3``)."""
    return any(got == volts for got, _ in _volt_codes(name))


def _generic_form(lib_id: str, other: str) -> bool:
    """Whether symbol ``lib_id`` is the generic form of symbol ``other``: same library, and
    its name the first ``_``-separated words of the other's (``Connector:RJ45`` of
    ``Connector:RJ45_Hanrun_HR911105A_Horizontal``)."""
    if lib_id == other or lib_nickname(lib_id) != lib_nickname(other):
        return False
    return symbol_name(other).casefold().startswith(symbol_name(lib_id).casefold() + "_")


# ---- text ---------------------------------------------------------------------------------

def _unit_letter(u: int) -> str:
    s = ""
    while u > 0:
        u, r = divmod(u - 1, 26)
        s = chr(65 + r) + s
    return s


def with_refs(parts: Iterable[PartPins], taken: Iterable[str] = ()) -> list[PartPins]:
    """``parts`` with the references the prompt gives them: the symbol's prefix (``U`` where
    the answer grammar does not take it) and the next number not in ``taken`` (U1, U2, J1...)."""
    from .answer_grammar import REF_PREFIXES
    used = set(taken)
    out = []
    for p in parts:
        prefix = p.ref_prefix if p.ref_prefix in REF_PREFIXES else "U"
        n = 1
        while f"{prefix}{n}" in used:
            n += 1
        used.add(f"{prefix}{n}")
        out.append(replace(p, ref=f"{prefix}{n}"))
    return out


def pin_table(part: PartPins, max_rows: int = 120) -> str:
    """The part's pins as TOKN, keyed by its reference (``part.ref``, else its symbol name):
    a comment with the components row to write, then ``pins{REF}[N]{num,name,type}:``."""
    ref = part.ref or part.name
    if part.ref:
        head = (f"# {part.query} is KiCad symbol {part.lib_id}. Its components row: {ref},{part.name},"
                f"{part.query if ':' not in part.query else part.name},  and its pins are {ref}.<num>:")
    else:
        head = f"# {part.query} is KiCad symbol {part.lib_id} (type {part.name}):"
    lines = [head]
    if part.unit_count > 1 and len([u for u in part.units if u > 0]) > 1:
        desc = "; ".join(f"unit {u} ({_unit_letter(u)}): {','.join(nums)}"
                         for u, nums in part.units.items() if u > 0)
        lines.append(f"# {part.unit_count} units: {desc}")
    power = [h for h in part.hidden if h[2] == "power_in"]
    other = [h for h in part.hidden if h[2] != "power_in"]
    if power:
        lines.append("# hidden power pins, joined to the net of their name automatically: "
                     + ", ".join(f"{n} {nm}" for n, nm, _ in power[:12]))
    if other:
        lines.append("# hidden pins, do not connect: " + ", ".join(f"{n} {nm}" for n, nm, _ in other[:12]))
    rows = part.pins[:max_rows]
    lines.append(f"pins{{{ref}}}[{len(rows)}]{{num,name,type}}:")
    lines += [f"  {n},{_field(nm)},{t}" for n, nm, t in rows]
    if len(part.pins) > max_rows:
        lines.append(f"# ... {len(part.pins) - max_rows} more pins not shown")
    return "\n".join(lines)


def _field(s: str) -> str:
    if re.search(r'[,"\\]|^\s|\s$', s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s
