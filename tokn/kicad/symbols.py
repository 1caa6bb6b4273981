"""Library symbols (from a schematic's embedded ``lib_symbols`` or a ``.kicad_sym`` file).

A :class:`LibSymbol` knows its pins with full geometry, per unit and body style, pin
electrical types, hidden flags and alternates, whether it is a power symbol, and the
``extends`` parent name (resolved by :func:`resolve_extends`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..sexpr import arg, child, children, has_flag, number, text, value_of

PIN_TYPES = (
    "input", "output", "bidirectional", "tri_state", "passive", "free", "unspecified",
    "power_in", "power_out", "open_collector", "open_emitter", "no_connect",
)

_UNIT_SUFFIX = re.compile(r"_(\d+)_(\d+)$")


@dataclass
class LibPin:
    """A pin of a library symbol, with its geometry, unit and body style."""
    number: str
    name: str
    type: str
    x: float               # connection point, library coordinates (y up)
    y: float
    angle: float           # direction from the connection point towards the body
    length: float
    unit: int              # 0 = common to all units
    style: int             # 0 = common to all body styles
    hidden: bool = False
    alternates: dict[str, str] = field(default_factory=dict)   # name -> type


@dataclass
class LibSymbol:
    """A library symbol: pins, units, power flag, properties (see the module docstring)."""
    name: str                           # lib_id as written ("Device:R") or bare name in a .kicad_sym
    pins: list[LibPin] = field(default_factory=list)
    unit_count: int = 1
    has_demorgan: bool = False
    power: str = ""                     # "" | "global" | "local"
    extends: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    unit_names: dict[int, str] = field(default_factory=dict)
    pin_names_hidden: bool = False
    pin_numbers_hidden: bool = False
    in_bom: bool = True
    on_board: bool = True
    keywords: str = ""
    description: str = ""
    node: list | None = None            # the raw S-expression (kept for re-embedding)
    #: KiCad 10 jumper pins: groups of pin numbers joined inside the part
    #: (``(jumper_pin_groups ("1" "4"))``), and whether pins sharing a number are joined
    #: (``(duplicate_pin_numbers_are_jumpers yes)``)
    jumper_groups: list[tuple[str, ...]] = field(default_factory=list)
    duplicate_numbers_jumpered: bool = False

    def pins_for(self, unit: int, style: int = 1) -> list[LibPin]:
        """Pins drawn by ``unit`` in body ``style`` (common pins included)."""
        return [p for p in self.pins
                if (p.unit == 0 or p.unit == unit) and (p.style == 0 or p.style == style)]

    @property
    def is_power(self) -> bool:
        return bool(self.power)


def _pin(node: list, unit: int, style: int) -> LibPin:
    """A ``(pin TYPE SHAPE (at ..) (length ..) (name ..) (number ..) ...)`` of unit/style."""
    ptype = text(node[1]) if len(node) > 1 and type(node[1]) is str else "unspecified"
    # the first list of each head, from one pass (four before: :func:`child` per head)
    heads: dict[str, list] = {}
    alternate_nodes = []
    for c in node:
        if type(c) is not str and c:
            head = c[0]
            if head == "alternate":
                alternate_nodes.append(c)
            elif type(head) is str and head not in heads:
                heads[head] = c
    at = heads.get("at") or ["at", "0", "0", "0"]
    name_node = heads.get("name")
    num_node = heads.get("number")
    alternates = {}
    for alt in alternate_nodes:
        if len(alt) >= 3:
            alternates[text(alt[1])] = text(alt[2])
    return LibPin(
        number=text(num_node[1]) if num_node and len(num_node) > 1 else "",
        name=text(name_node[1]) if name_node and len(name_node) > 1 else "",
        type=ptype,
        x=number(arg(at, 1)), y=number(arg(at, 2)),
        angle=number(at[3]) if len(at) > 3 else 0.0,
        length=number(value_of(heads.get("length"), "0") or "0"),
        unit=unit, style=style,
        hidden=has_flag(node, "hide"),
        alternates=alternates,
    )


def parse_lib_symbol(node: list) -> LibSymbol:
    """Build a :class:`LibSymbol` from a ``(symbol "name" ...)`` library node."""
    name = text(arg(node, 1))
    sym = LibSymbol(name=name, node=node)
    max_unit = 1
    for c in node:
        if type(c) is str:
            continue
        head = c[0]
        if head == "pin":
            sym.pins.append(_pin(c, 0, 0))
        elif head == "symbol":
            sub = text(arg(c, 1))
            m = _UNIT_SUFFIX.search(sub)
            unit, style = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
            max_unit = max(max_unit, unit)
            if style > 1:
                sym.has_demorgan = True
            un = child(c, "unit_name")
            if un is not None and len(un) > 1:
                sym.unit_names[unit] = text(un[1])
            for p in children(c, "pin"):
                sym.pins.append(_pin(p, unit, style))
        elif head == "property" and len(c) >= 3:
            if c[1] == "private" and len(c) >= 4:       # KiCad 9: (property private "name" "value")
                sym.properties[text(c[2])] = text(c[3])
            else:
                sym.properties[text(c[1])] = text(c[2])
        elif head == "power":
            sym.power = text(c[1]) if len(c) > 1 else "global"
        elif head == "extends" and len(c) > 1:
            sym.extends = text(c[1])
        elif head == "pin_names":
            sym.pin_names_hidden = has_flag(c, "hide")
        elif head == "pin_numbers":
            sym.pin_numbers_hidden = has_flag(c, "hide")
        elif head == "in_bom" and len(c) > 1:
            sym.in_bom = text(c[1]) != "no"
        elif head == "on_board" and len(c) > 1:
            sym.on_board = text(c[1]) != "no"
        elif head == "jumper_pin_groups":
            sym.jumper_groups = [tuple(text(n) for n in g) for g in c[1:] if type(g) is list and len(g) > 1]
        elif head == "duplicate_pin_numbers_are_jumpers" and len(c) > 1:
            sym.duplicate_numbers_jumpered = text(c[1]) == "yes"
    sym.unit_count = max_unit
    sym.keywords = sym.properties.get("ki_keywords", "")
    sym.description = sym.properties.get("Description", sym.properties.get("ki_description", ""))
    return sym


def resolve_extends(symbols: dict[str, LibSymbol]) -> None:
    """Give every derived symbol (``extends``) its root parent's pins, units and power flag.

    Properties of the derived symbol win over the parent's.  Works in place.
    """
    def root(s: LibSymbol, depth: int = 0) -> LibSymbol:
        if not s.extends or depth > 16:
            return s
        parent = symbols.get(s.extends)
        return root(parent, depth + 1) if parent else s

    for s in symbols.values():
        if not s.extends:
            continue
        r = root(s)
        if r is s:
            continue
        s.pins = r.pins
        s.unit_count = r.unit_count
        s.has_demorgan = r.has_demorgan
        s.unit_names = dict(r.unit_names)
        s.power = r.power                 # KiCad takes the power flag from the root symbol
        s.jumper_groups = s.jumper_groups or r.jumper_groups
        s.pin_names_hidden = s.pin_names_hidden or r.pin_names_hidden
        s.pin_numbers_hidden = s.pin_numbers_hidden or r.pin_numbers_hidden
        merged = dict(r.properties)
        merged.update(s.properties)
        s.properties = merged


def parse_symbol_library(tree: list) -> dict[str, LibSymbol]:
    """All symbols of a parsed ``(kicad_symbol_lib ...)`` tree, ``extends`` resolved."""
    out = {}
    for node in children(tree, "symbol"):
        s = parse_lib_symbol(node)
        out[s.name] = s
    resolve_extends(out)
    return out


def pins_by_number(sym: LibSymbol, style: int = 1) -> dict[str, LibPin]:
    """One pin per number of ``sym``'s pins drawn with body ``style`` (its own and the
    common ones): where several share a number, the first in the order KiCad keeps a
    symbol's pins in, and saves them in -- unit, body style, number, then x, then y from the
    top (KiCad 9's and 10's pin comparison).  A re-save by KiCad does not change the choice
    (file order would: anavi-fixed-power-delivery's DMP3013SFV has pins 2 and 3 named
    ``S`` and ``2``/``3``, and KiCad 10 writes the ``S`` ones first, being left of them).
    KiCad's netlist names the pin so too, in its ``libparts``, for symbols of up to 16 pins
    (for larger ones its sort leaves the choice open: moteus's MA730, with 18, shows pin 14
    ``NC`` where this gives ``AVDD``)."""
    out: dict[str, LibPin] = {}
    for p in sym.pins:
        if p.number and p.style in (0, style):
            have = out.get(p.number)
            if have is None or (p.unit, p.style, p.x, -p.y) < (have.unit, have.style, have.x, -have.y):
                out[p.number] = p
    return out


def pin_signature(sym: LibSymbol) -> tuple:
    """What decides how a symbol's pins connect and what ERC knows of them: per pin its
    unit, body style, number, name, electrical type, connection point, direction and hidden
    flag; and the power kind.  Two symbols with equal signatures are interchangeable in a
    schematic (graphics and pin lengths aside).  Unit 0 ("common") is folded into unit 1 for
    single-unit symbols, and style 0 into style 1 without a De Morgan body.  For a power
    symbol the pin's name and hidden flag do not count (its value names the net in KiCad 7
    and later; KiCad 9's stock power symbols show an unnamed pin where older copies hide a
    named one).  KiCad 10 jumpers (pin groups joined inside the part) count too; a symbol
    without any has the signature it always had."""
    pins = []
    for p in sym.pins:
        unit = 1 if sym.unit_count <= 1 and p.unit == 0 else p.unit
        style = 1 if not sym.has_demorgan and p.style == 0 else p.style
        name = "" if p.name == "~" or sym.power else p.name
        pins.append((unit, style, p.number, name, p.type,
                     round(p.x, 4), round(p.y, 4), int(round(p.angle)) % 360, p.hidden and not sym.power))
    if sym.jumper_groups or sym.duplicate_numbers_jumpered:
        return (sym.power, tuple(sorted(pins)), jumper_numbers(sym))
    return (sym.power, tuple(sorted(pins)))


def jumper_numbers(sym: LibSymbol) -> tuple[tuple[str, ...], ...]:
    """The groups of pin numbers a KiCad 10 symbol joins inside the part, canonical (each
    group sorted, groups sorted): its ``jumper_pin_groups``, and with
    ``duplicate_pin_numbers_are_jumpers`` each number that several of its pins share (a
    group of one number)."""
    groups = {tuple(sorted(set(g))) for g in sym.jumper_groups if len(set(g)) > 1}
    if sym.duplicate_numbers_jumpered:
        seen: dict[str, int] = {}
        for p in sym.pins:
            seen[p.number] = seen.get(p.number, 0) + 1
        groups |= {(n,) for n, k in seen.items() if k > 1}
    return tuple(sorted(groups))


def stacked_pin_numbers(number: str) -> list[str]:
    """The pin numbers a KiCad 10 *stacked* pin stands for: ``[1,15,38,39]`` -> 1, 15, 38,
    39; ``[1-4]`` -> 1..4; ``[A1-A3,B7]`` -> A1, A2, A3, B7 (a range's ends share their
    letters, the numbers count up).  ``[number]`` for an ordinary number and for text that
    is not valid stacked notation (KiCad then uses it as written).  KiCad 10 netlists one
    pin per number (its stock libraries use this for the ESP32-WROOM-32E's and the TL431's
    ground pins, among 30); KiCad 9 reads the text as one pin number."""
    if not (number.startswith("[") and number.endswith("]")):
        return [number]
    out: list[str] = []
    for part in number[1:-1].split(","):
        part = part.strip()
        if not part:
            continue
        if "-" not in part:
            out.append(part)
            continue
        first, last = (s.strip() for s in part.split("-", 1))
        a, b = _STACK_END.fullmatch(first), _STACK_END.fullmatch(last)
        if a is None or b is None or a.group(1) != b.group(1) or int(a.group(2)) > int(b.group(2)):
            return [number]
        out += [f"{a.group(1)}{k}" for k in range(int(a.group(2)), int(b.group(2)) + 1)]
    return out or [number]


#: A range end of stacked notation: letters (or any text) then the number that counts.
_STACK_END = re.compile(r"(.*?)(\d+)")


#: Fields a placed symbol holds that KiCad takes from elsewhere than its library symbol's
#: fields: the reference, value and footprint of the instance.
INSTANCE_FIELDS = ("Reference", "Value", "Footprint")


def placed_field_defaults(properties: dict[str, str]) -> dict[str, str]:
    """The fields beyond Reference, Value and Footprint that a decoder gives a symbol placed
    from a library symbol with ``properties`` by itself: the two every KiCad 8+ symbol has,
    Datasheet and Description, with the library's values (empty when it has none).  A
    library's own fields (``Sim.Pins``, MPN...) are not copied: a placed symbol may have
    dropped or renamed them, so a document lists the ones it has (extension ``fields``)."""
    return {"Datasheet": properties.get("Datasheet", ""),
            "Description": properties.get("Description", properties.get("ki_description", ""))}
