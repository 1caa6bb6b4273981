"""Does a library symbol name denote the part a person or a model wrote?

``plausible("LM7805", "L7805")`` and ``plausible("ATmega328P-AU", "ATmega328P-A")`` are true;
a symbol that only shares description words with the query is not the part.  Used when a
component type is not an exact symbol name (validation, decoding, prompt grounding).

:func:`current_name` gives today's name of a generic symbol that KiCad's libraries renamed
(``CP``, KiCad 5's polarised capacitor, is ``Device:C_Polarized`` since KiCad 6): models
learnt from years of older schematics and write the old names.  :func:`plausible_symbol`
chooses the one symbol a part name means among a library's hits; the resolver (validation,
decoding) and the prompt's pin tables both ask it, so they never disagree.
"""
from __future__ import annotations

import re

from .ids import symbol_name

_SEPARATORS = re.compile(r"[\s\-_/.,]")


def normalise(s: str) -> str:
    """``s`` casefolded without separators (space ``-`` ``_`` ``/`` ``.`` ``,``): the form
    in which part names are compared (``LM-7805`` = ``lm7805``)."""
    return _SEPARATORS.sub("", s.casefold())


def _wild(name: str) -> str:
    """``name`` normalised with KiCad wildcards as ``?``: an ``x`` after a digit, a capital or
    another wildcard (``XC6206PxxxMR``), or one that opens a code after a separator, unless a
    digit follows it (``MCP6002-xSN``, ``MCP73833-xxx-MF``; not the count of ``Conn_Coaxial_x2``)."""
    out = []
    wild = False
    for i, c in enumerate(name):
        prev, nxt = name[i - 1:i], name[i + 1:i + 2]
        wild = c == "x" and i > 0 and (
            prev.isdigit() or prev.isupper() or (prev == "x" and wild)
            or (bool(_SEPARATORS.match(prev)) and (nxt in ("", "x") or nxt.isupper() or bool(_SEPARATORS.match(nxt)))))
        if wild:
            out.append("?")
        elif not _SEPARATORS.match(c):
            out.append(c.casefold())
    return "".join(out)


_ROUND_VARIANT = re.compile(r"(?<=\d)\.0+(?=$|[\s\-_/,])")


def _whole_volts(s: str) -> str:
    """``s`` with a variant's zero decimals dropped (``LM2596S-5.0`` is ``LM2596S-5``)."""
    return _ROUND_VARIANT.sub("", s)


#: A packing code after the type, NXP's ``,115``/``,118``/``,215`` (reel size and
#: orientation), or TI's ``/NOPB`` (lead-free): the same part (``74LVC573APW,118``,
#: ``BSS138,215``, ``LM2678SX-ADJ/NOPB``).
_PACKING = re.compile(r"(?:,\d{3}|/NOPB)$", re.IGNORECASE)


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y and y != "?":
            break
        n += 1
    return n


def _digit(c: str) -> bool:
    return c.isdigit() or c == "?"


_CODE_SPLIT = re.compile(r"[\s\-_/,]+")


def _package_inserted(query: str, name: str) -> bool:
    """Whether ``name`` is ``query`` with a package or grade code of one to three letters
    inserted after the part number, before a variant that both write after a separator:
    ``LM1117-3.3`` / ``LM1117S-3.3``, ``LP5907-3.3`` / ``LP5907MFX-3.3``."""
    qs, ns = _CODE_SPLIT.split(query.strip()), _CODE_SPLIT.split(name.strip())
    if len(qs) < 2 or len(qs) != len(ns) or [normalise(x) for x in qs[1:]] != [_wild(x) for x in ns[1:]]:
        return False
    base, code = qs[0].casefold(), ns[0].casefold()
    extra = code[len(base):]
    return (code.startswith(base) and base[-1:].isdigit() and 1 <= len(extra) <= 3
            and all(c.isalpha() for c in extra))


def _separated_at(name: str, k: int) -> bool:
    """Whether a separator follows the first ``k`` compared characters of ``name``
    (``MCP73831-2-OT`` after ``MCP73831``): what comes after it is a variant code (an option,
    a grade, an output voltage), not more of the part number."""
    seen = 0
    for i, c in enumerate(name):
        if _SEPARATORS.match(c):
            continue
        if seen == k:
            return i > 0 and bool(_SEPARATORS.match(name[i - 1]))
        seen += 1
    return False


#: Generic symbols of KiCad 4-8 that today's libraries (KiCad 9 and 10) hold under another
#: name, with the same pins: (old name as a full-match pattern, today's lib_id; ``{0}`` is
#: the pattern's group; letter case ignored, as models write ``Diode``).  Only unambiguous
#: renames of one symbol to one symbol; and a few modules' other names.
_RENAMED: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), n) for p, n in (
    (r"CP", "Device:C_Polarized"),                      # KiCad 5 Device; renamed in KiCad 6
    (r"CP_Small", "Device:C_Polarized_Small"),
    (r"CP1", "Device:C_Polarized_US"),
    (r"CP1_Small", "Device:C_Polarized_Small_US"),
    (r"R_POT|POT", "Device:R_Potentiometer"),           # POT: KiCad 4
    (r"R_POT_Small", "Device:R_Potentiometer_Small"),
    (r"R_POT_TRIM", "Device:R_Potentiometer_Trim"),
    (r"R_POT_US", "Device:R_Potentiometer_US"),
    (r"Ferrite_Bead", "Device:FerriteBead"),
    (r"Ferrite_Bead_Small", "Device:FerriteBead_Small"),
    (r"L_Core_Ferrite", "Device:L_Ferrite"),
    (r"LED_ALT", "Device:LED_Filled"),
    (r"LED_Small_ALT", "Device:LED_Small_Filled"),
    (r"INDUCTOR", "Device:L"),                          # KiCad 4 device library
    (r"DIODE", "Device:D"),
    (r"ZENER", "Device:D_Zener"),
    (r"CONN_([1-9])", "Connector_Generic:Conn_01x0{0}"),
    (r"Conn_01x([0-9]{2})_Male", "Connector:Conn_01x{0}_Pin"),      # renamed in KiCad 8
    (r"Conn_01x([0-9]{2})_Female", "Connector:Conn_01x{0}_Socket"),
    (r"USB_C_Receptacle_USB2\.0", "Connector:USB_C_Receptacle_USB2.0_16P"),
    # not renames: modules that KiCad names as their maker does, written with the chip's name
    (r"ESP8266-?(07|12E|12F)", "RF_Module:ESP-{0}"),    # Ai-Thinker's ESP-12E, "ESP8266-12E"
))


def current_name(name: str) -> str | None:
    """Today's lib_id of ``name`` (a symbol name without library) when it is a generic
    symbol KiCad's libraries renamed (see :data:`_RENAMED`), else None.  The caller checks
    that the lib_id exists in the libraries it has."""
    for pattern, new in _RENAMED:
        m = pattern.fullmatch(name)
        if m is not None:
            return new.format(*(g.upper() for g in m.groups()))
    return None


def plausible(query: str, name: str) -> bool:
    """True when the library symbol ``name`` is the part ``query`` (see the module doc).

    The names must agree on their first characters, and where they part, the part number
    must be over: a digit that differs or continues the number (``74HC32`` / ``74HC36``,
    ``74HC32`` / ``74HC323``) makes another part; letters after it (package, grade:
    ``TL072CP`` / ``TL072``, ``MCP2551-I-SN``) do not, nor does a variant code after a
    separator (``MCP73831`` / ``MCP73831-2-OT``), nor a package code before such a variant
    (``LM1117-3.3`` / ``LM1117S-3.3``); a voltage's zero decimals are no digits of it
    (``LM2596S-5.0`` / ``LM2596S-5``).  KiCad's wildcard ``x`` stands for one character
    (``XC6206P332MR`` / ``XC6206PxxxMR``), but a letter ending the query inside a run of
    them is another code (``MCP130T`` / ``MCP130-xxxxTT``).  A name without digits is no part
    number at all: one that a symbol's number follows (``CP`` / ``CP2104``) is another part;
    nor does a type of one or two characters begin a longer name (``P`` / ``PNP``, ``+`` / ``+4V``)."""
    query, name = _whole_volts(query), _whole_volts(name)
    q, n = normalise(query), _wild(name)
    if not q or not n:
        return False
    if _package_inserted(query, name):
        return True
    common = _prefix(q, n)
    if 0 < common == len(q) < len(n) and n[common - 1] == n[common] == "?" and q[-1].isalpha():
        return False                  # a letter read into a wildcard run, which goes on: another
        #                               code (MCP130T, tape and reel, / MCP130-xxxxTT)
    if common and common < max(len(q), len(n)) and _digit(q[common - 1]) \
            and not (common == len(q) and _separated_at(name, common)):
        # the number itself differs or goes on; a wildcard right after it stands for a grade
        # or package letter (TLC555 / TLC555xD), not for more of the number
        nxt = q[common:common + 1] + n[common:common + 1].replace("?", "")
        if any(_digit(c) for c in nxt):
            return False
    if common == len(q) < len(n) and (len(q) < 3 or not any(map(_digit, q)) and _digit(n[common])):
        return False                  # a part number begun after a bare word (CP / CP2104), or a
        #                               one- or two-character type read as a longer name (P / PNP)
    if common == len(q) or common == len(n):                # equal, suffix added, or suffix cut
        return common >= min(4, len(q), len(n)) and (common == len(q) or common * 2 >= len(q))
    if len(n) != len(q) or common < 4 or common < 0.8 * len(q):
        return False
    if _digit(q[common]) and _digit(n[common]):
        return False                  # the last digit differs: IP4234CZ8 / IP4234CZ6
    # one letter differs at the end (a grade or package: TL072CP / TL072CD), not inside the
    # code with the rest equal (STM32G071RBT6 / STM32G071RBIx: LQFP or BGA, another pinout)
    return common == len(q) - 1


def plausible_symbol(index, query: str, limit: int = 24) -> str | None:
    """The lib_id of the library symbol that ``query`` (a part name, no library) means, or
    None.  ``index``: anything with ``find(name, limit)`` and ``get(lib_id)``
    (:class:`tokn.kicad.library.SymbolIndex`).

    A packing code (``74LVC573APW,118``) is left out.  A generic symbol's old name is
    today's symbol (:func:`current_name`).  Otherwise the candidates are the index's first
    ``limit`` hits that are :func:`plausible` (or a connector whose name holds the part
    number as a word: ``HR911105A`` is ``RJ45_Hanrun_HR911105A_Horizontal``) and not
    power symbols, and a name that differs in its last letter only stands for a symbol of
    at most 8 pins (:data:`_SAME_PINS_MAX`); one named as ``query`` (case aside, separators where
    it has them: :func:`_spelled`) is the part; when some are ``query`` and a package code
    (``ATmega328P-P``), only those (not ``ATmega328-P``); else one named so without separators.  When
    they number their pins differently (packages of one part), the numbering most of them
    share wins, first hit first on a tie: ``LM317`` is
    ``LM317_TO-220`` (1 ADJ, 2 VO, 3 VI, as its SOT-223, TO-252 and TO-263 forms), not the
    first hit, the TO-3 can whose input and output numbers are swapped.  Without a plausible
    hit, a name whose maker's letters KiCad writes otherwise is looked up as KiCad writes it
    (``SAMD21G18A`` is ``ATSAMD21G18A-A``, ``P8048AH`` is ``8048``), a 7400-series part the library lacks is its function in another
    family (``74HC32`` is ``74xx:74LS32``) and a 4000-series part with its maker's prefix
    the library's number (``CD4017BE`` is ``4xxx:4017``)."""
    query = _PACKING.sub("", query.strip())
    q = symbol_name(query)
    renamed = current_name(q)
    if renamed is not None and index.get(renamed) is not None:
        return renamed
    found = _best_hit(index, query, q, limit)
    if found is None:
        found = _ordering_code_hit(index, q)
    for pattern, written in _MAKER_FORMS:
        if found is None and pattern.fullmatch(q):
            other = pattern.sub(written, q)
            found = _best_hit(index, other, other, limit)
    return found or _same_logic_function(index, q) or _cmos_4000(index, q)


#: Part names written with or without a maker's letters that KiCad's symbol names write the
#: other way (pattern, the name KiCad writes): Atmel's ``AT`` of its SAM microcontrollers
#: (``SAMD21G18A`` is ``ATSAMD21G18A``), Intel's package letter and HMOS suffix of the
#: MCS-48/51 (``P8048AH`` is ``8048``; ``8051`` is ``P8051AH``).
_MAKER_FORMS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), w) for p, w in (
    (r"SAM[A-Z]\d.*", r"AT\g<0>"),
    (r"[PD](8[07][0-9]{2})A?H", r"\1"),
    (r"(8[07][0-9]{2})", r"P\1AH"),
))


def connector_named(query: str, lib_id: str) -> bool:
    """Whether ``lib_id`` is a connector whose name holds ``query`` as one of its words (a
    maker's part number of six or more characters, letters and digits:
    ``Connector:RJ45_Hanrun_HR911105A_Horizontal`` for ``HR911105A``)."""
    q = normalise(query)
    if not lib_id.startswith("Connector") or len(q) < 6 or q.isdigit() or q.isalpha():
        return False
    return any(normalise(word) == q for word in symbol_name(lib_id).split("_"))


#: Microchip's ordering code: part number, ``T`` for tape and reel, options after ``-`` (the
#: temperature grade last), package after ``/`` (``MCP1700T-3302E/TT``, ``MCP6001T-E/OT``).
_ORDERING_CODE = re.compile(r"([A-Z0-9]+)-([A-Z0-9]*)/([A-Z][A-Z0-9]{0,3})", re.IGNORECASE)


def _ordering_code_hit(index, query: str) -> str | None:
    """The symbol a Microchip ordering code means, when one is named as it, KiCad's ``x``
    standing for one character each, with or without the tape-and-reel ``T`` and the
    temperature grade (KiCad writes some, not others): ``MCP6001T-E/OT`` is ``MCP6001-OT``,
    ``MCP1700T-3302E/TT`` is ``MCP1700x-330xxTT``, ``MCP4725A0T-E/CH`` is
    ``MCP4725xxx-xCH``; else None.  The package is part of the name, so only a whole match
    counts."""
    m = _ORDERING_CODE.fullmatch(query)
    if m is None:
        return None
    part, options, package = m.groups()
    parts = {part} | ({part[:-1]} if part[-1:] in "Tt" and len(part) > 1 else set())
    grades = {options} | ({options[:-1]} if options[-1:].isalpha() else set())
    forms = {normalise(f"{p}-{o}{package}") for p in parts for o in grades}
    try:
        hits = index.find(min(parts, key=len), 48)
    except Exception:                    # a broken index must not break generation
        return None
    for lib_id in hits:
        n = _wild(symbol_name(lib_id))
        if any(len(f) == len(n) and _prefix(f, n) == len(n) for f in forms):
            sym = index.get(lib_id)
            if sym is not None and not getattr(sym, "is_power", False):
                return lib_id
    return None


#: The most pins a symbol may have to stand for a part whose name differs from its in the
#: last letter only (TL072CP / TL072CD, PESD3V3S1UB / PESD3V3S1UL).  That letter is mostly a
#: package: among the pairs of KiCad 9 symbols named so, those of up to 8 pins number them
#: alike three times in four, larger ones only every other time (FT232RL is SSOP-28, FT232RQ
#: QFN-32).
_SAME_PINS_MAX = 8


def _last_letter_differs(query: str, name: str) -> bool:
    """Whether ``name`` is ``query`` but for the last letter (wildcards matching)."""
    q, n = normalise(_whole_volts(query)), _wild(_whole_volts(name))
    return (len(q) == len(n) > 1 and q[-1] != n[-1] and n[-1] != "?" and q[-1].isalpha()
            and n[-1].isalpha() and _prefix(q, n) == len(q) - 1)


def _best_hit(index, query: str, q: str, limit: int) -> str | None:
    """The symbol :func:`plausible_symbol` chooses among the index's hits for ``query``
    (``q``: its symbol name), or None when none is the part."""
    try:
        hits = index.find(query, limit)
    except Exception:                    # a broken index must not break generation
        return None
    groups: dict[frozenset, list[str]] = {}
    for lib_id in hits:
        if not (plausible(q, symbol_name(lib_id)) or connector_named(q, lib_id)):
            continue
        sym = index.get(lib_id)
        if sym is None or getattr(sym, "is_power", False):
            continue
        if _last_letter_differs(q, symbol_name(lib_id)) and len(getattr(sym, "pins", ())) > _SAME_PINS_MAX:
            continue                     # FT232RQ (QFN-32) is not FT232RL (SSOP-28)
        numbering = frozenset((p.number, p.name) for p in getattr(sym, "pins", ()))
        groups.setdefault(numbering, []).append(lib_id)
    if not groups:
        return None
    members = [lib_id for m in groups.values() for lib_id in m]
    spelled = _spelled(_whole_volts(q))
    for lib_id in members:                           # a symbol of exactly that name is the part
        if _spelled(_whole_volts(symbol_name(lib_id))) == spelled:
            return lib_id
    variants = re.compile(re.escape(q) + r"[-_ ]", re.IGNORECASE)
    if any(variants.match(symbol_name(lib_id)) for lib_id in members):
        # ATmega328P-P, -A, -M: the query is a whole part number whose packages these are,
        # so ATmega328-P (another part: the P is its package) is not the one named
        groups = {k: kept for k, m in groups.items() if (kept := [x for x in m if variants.match(symbol_name(x))])}
    else:
        exact = normalise(_whole_volts(q))
        for lib_id in members:                       # the name written without separators
            if normalise(_whole_volts(symbol_name(lib_id))) == exact:
                return lib_id
    return max(groups.values(), key=len)[0]         # max keeps the first of equal sizes


def _spelled(name: str) -> str:
    """``name`` casefolded with each run of separators as one ``-``: equal for two spellings
    of one name (``ESP32_WROOM 32`` = ``esp32-wroom-32``), unequal when a separator sets a
    package letter apart (``ATmega328-P`` is not ``ATmega328P``)."""
    return _SEPARATOR_RUNS.sub("-", name.casefold()).strip("-")


_SEPARATOR_RUNS = re.compile(r"[\s\-_/.,]+")


#: A 7400-series logic part: prefix (``74``, ``SN74``...), family, function number, suffix.
_LOGIC = re.compile(r"(?:SN|MC|CD|M|MM|DM|HD|TC)?74(HCT|HC|AHCT|AHC|ACT|AC|ALS|AS|LS|LVC|LV|ABT|FCT|F|S|C"
                    r"|LCX|VHCT|VHC|ALVC|LVT|LVX)?"
                    r"(\d{2,3})(?![0-9])([A-Z]{0,3}[0-9]{0,3}[A-Z]{0,3})", re.IGNORECASE)
#: Families whose symbols KiCad's 74xx library holds, the usual stand-ins first.
_LOGIC_FAMILIES = ("LS", "HC", "HCT", "AHC", "AHCT", "ACT", "AC", "ALS", "S", "F", "")


def _same_logic_function(index, query: str) -> str | None:
    """The library's symbol of the same 7400-series function in another logic family, when
    the library lacks ``query``'s (``74HC32`` is ``74xx:74LS32``: the series keeps a
    function's pins across families), else None.  Four-digit functions (``74HC4050``, the
    4000 series' pinouts) are left out."""
    m = _LOGIC.fullmatch(query.replace(" ", ""))
    if m is None or not hasattr(index, "libraries_for"):
        return None
    for family in _LOGIC_FAMILIES:
        name = f"74{family}{m.group(2)}"
        libs = [lib for lib in index.libraries_for(name) if lib.startswith("74xx")]
        if libs and index.get(f"{libs[0]}:{name}") is not None:
            return f"{libs[0]}:{name}"
    return None



#: A 4000-series CMOS part as makers write it: prefix (``CD``, ``HEF``, ``MC1`` of
#: ``MC14017``, ``HCF``, Toshiba's ``TC``), number, suffix (``B``, ``BE``, ``UBE``,
#: ``BM96``...).  A name without prefix, or with ``TC`` (Microchip's TC4420 is a MOSFET
#: driver), counts only with the series' ``B``/``UB`` suffix (``4017B``, ``TC4017BP``).
_CMOS = re.compile(r"(?:(CD|HEF|MC1|HCF|TC(?=4\d{3,4}U?B))|(?=4\d{3,4}U?B))(40\d{3}|4[0-5]\d{2})(?![0-9])"
                   r"((?:U?B)?[A-Z]{0,3}[0-9]{0,3}[A-Z]{0,2})", re.IGNORECASE)


def _cmos_4000(index, query: str) -> str | None:
    """The 4000-series symbol of KiCad's ``4xxx`` libraries (named by the bare number,
    ``4xxx:4017``, Motorola's ``14528``, or ``HEF4093B``) that a maker's name of it means
    (``CD4017BE``, ``HEF4017BP``, ``MC14017B``), else None; ``4xxx`` before ``4xxx_IEEE``
    (same pin numbers, other graphics and no descriptions)."""
    m = _CMOS.fullmatch(query.replace(" ", ""))
    if m is None or not hasattr(index, "libraries_for"):
        return None
    number = m.group(2)
    names = ([f"1{number}"] if (m.group(1) or "").upper() == "MC1" else []) + [number, f"HEF{number}B", f"CD{number}B"]
    for lib in ("4xxx", "4xxx_IEEE"):        # the first draws the maker's pinout with descriptions
        for name in names:
            if lib in index.libraries_for(name) and index.get(f"{lib}:{name}") is not None:
                return f"{lib}:{name}"
    return None
