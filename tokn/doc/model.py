"""Layer 3: the TOKN document model (independent of KiCad and of the text syntax).

A :class:`Document` holds exactly what a TOKN text says.  ``None`` in a geometry field
means "not stated" (an LLM-written document usually states no coordinates).  Coordinates
are millimetres, rotations degrees.  See docs/format.md for the meaning of every field.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .pinref import split_pin_ref

Point = tuple[float, float]


@dataclass
class Component:
    """One placed unit of a part (multi-unit parts have one Component per placed unit)."""
    ref: str
    type: str
    value: str = ""
    fp: str = ""
    x: float | None = None
    y: float | None = None
    w: float | None = None
    h: float | None = None
    a: float | None = None
    lib: str = ""            # extension "lib": library nickname
    unit: int = 1            # extension "unit"
    style: int = 1           # extension "unit": body style (De Morgan = 2)
    mirror: str = ""         # extension "mirror": "", "x" or "y"
    dnp: bool = False        # extension "dnp"
    nobom: bool = False
    noboard: bool = False
    sheet: str = ""          # extension "hier": sheet instance id ("" = root)

    @property
    def lib_id(self) -> str:
        return f"{self.lib}:{self.type}" if self.lib else self.type


@dataclass
class PinDef:
    """A row of a ``pins{REF}`` table: pin number, name, optional electrical type."""
    number: str
    name: str
    type: str = ""           # electrical type, optional


@dataclass
class SymbolPin:
    """One pin of a symbol the document carries itself (extension ``symbols``): what a
    decoder needs to rebuild a symbol the stock libraries do not hold exactly.  Geometry is
    in library coordinates (y up) relative to the symbol anchor, as in a ``.kicad_sym``."""
    number: str
    name: str
    type: str                # electrical type (input, passive, power_in, ...)
    x: float
    y: float
    a: float                 # direction from the connection point towards the body
    length: float = 2.54
    unit: int = 1            # 0 = common to all units
    style: int = 1           # body style; 0 = common to all styles
    hide: bool = False
    jumper: int = 0          # KiCad 10 jumper: pins of one group number (1, 2...) are joined


@dataclass
class Net:
    """A row of ``nets``: the net's name and its pins as ``REF.PIN``."""
    name: str
    pins: list[str] = field(default_factory=list)   # "REF.PIN"


@dataclass
class Wire:
    """A drawn wire: the net it belongs to ("" when unlisted), its points, its sheet id."""
    net: str
    pts: list[Point]
    sheet: str = ""


@dataclass
class Label:
    """A drawn label: text, kind (local, global, hier), shape, position, angle, sheet id."""
    name: str
    kind: str = "local"      # local | global | hier
    shape: str = ""          # input/output/bidirectional/tri_state/passive for global/hier
    x: float = 0.0
    y: float = 0.0
    a: float = 0.0
    sheet: str = ""


@dataclass
class PowerSymbol:
    """A drawn power symbol: the net it names, its lib_id, position, angle, whether it is
    a KiCad 10 *local* power symbol (its net is local to its sheet, named like a local
    label), sheet id."""
    net: str
    lib: str = ""            # lib_id, e.g. "power:GND"
    x: float = 0.0
    y: float = 0.0
    a: float = 0.0
    local: bool = False      # KiCad 10 (power local)
    sheet: str = ""


@dataclass
class Marker:
    """A junction: where it is drawn."""
    x: float
    y: float
    sheet: str = ""


@dataclass
class NoConnect:
    """A no-connect marker: where it is drawn (``x``, ``y`` on sheet ``sheet``), or the pin it
    marks (``pin``, ``REF.PIN``) in a document without a drawing -- ``v1``/``nets`` detail, an
    LLM answer.  A row has a position, a pin, or both."""
    x: float | None = None
    y: float | None = None
    pin: str = ""
    sheet: str = ""


@dataclass
class Sheet:
    """A row of ``sheets``: id, name, file, parent sheet id, the sheet symbol's box and its
    page number when it is not the default (``${#}`` in the sheet's text shows it)."""
    id: str
    name: str
    file: str
    parent: str = ""
    x: float | None = None
    y: float | None = None
    w: float | None = None
    h: float | None = None
    page: str = ""           # page number ("" = the default: 2, 3, ... in table order)


@dataclass
class SheetField:
    """A field of a sheet symbol beyond its name and file (``${NAME}`` in the sheet's text
    shows it): sheet id, field name, value."""
    sheet: str
    name: str
    value: str


@dataclass
class SheetPin:
    """A pin of a sheet symbol: sheet id, name, shape, position, angle."""
    sheet: str
    name: str
    shape: str = ""
    x: float = 0.0
    y: float = 0.0
    a: float = 0.0


@dataclass
class Bus:
    """A drawn bus wire: its points and sheet id."""
    pts: list[Point]
    sheet: str = ""


@dataclass
class BusEntry:
    """A bus entry: position, size (dx, dy), sheet id."""
    x: float
    y: float
    dx: float
    dy: float
    sheet: str = ""


@dataclass
class BusAlias:
    """A bus alias: its name and member names."""
    name: str
    members: list[str]


@dataclass
class Field:
    """A field of one or more parts (``refs``) with one name and value: MPN, LCSC,
    Sim.Params (which a value's ``${SIM.PARAMS}`` shows), a Datasheet of the part's own..."""
    refs: list[str]
    name: str
    value: str


@dataclass
class Directive:
    """A net-class directive label (KiCad's ``netclass_flag``): where its anchor is drawn, its
    angle, flag shape and stem length, the net class it gives the net it sits on (field
    ``Netclass``) and, KiCad 9+, the component class it gives the symbols of a rule area
    whose border it touches (field ``Component Class``); sheet id.  It connects nothing."""
    x: float
    y: float
    a: float = 0.0
    shape: str = "round"
    length: float = 2.54
    netclass: str = ""
    compclass: str = ""
    sheet: str = ""


@dataclass
class RuleArea:
    """A rule area (KiCad 9+): the polygon whose nets and symbols the directive labels on
    its border give their classes; sheet id."""
    pts: list[Point]
    sheet: str = ""


@dataclass
class Document:
    """A whole TOKN document."""
    title: str = ""
    #: scalar ``kicad``: the KiCad major version whose files the design is (10), 0 when not
    #: said (KiCad 9 or older, an LLM answer): which KiCad's libraries its parts are from
    kicad: int = 0
    components: list[Component] = field(default_factory=list)
    pins: dict[str, list[PinDef]] = field(default_factory=dict)
    nets: list[Net] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    power: list[PowerSymbol] = field(default_factory=list)
    junctions: list[Marker] = field(default_factory=list)
    noconnects: list[NoConnect] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)
    sheetpins: list[SheetPin] = field(default_factory=list)
    sheetfields: list[SheetField] = field(default_factory=list)
    buses: list[Bus] = field(default_factory=list)
    busentries: list[BusEntry] = field(default_factory=list)
    busaliases: list[BusAlias] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    ruleareas: list[RuleArea] = field(default_factory=list)
    symbols: dict[str, list[SymbolPin]] = field(default_factory=dict)  # lib_id -> pins
    #: extension ``power``: the nets a PWR_FLAG drives, by name, in a document without the
    #: drawing (``v1``, ``nets``; at ``full`` the ``power`` rows draw the flags)
    pwrflags: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)   # unknown scalars, kept
    #: where rows were read, for messages (:func:`tokn.doc.parser.parse_tokn` fills it; a
    #: document built otherwise leaves it empty): ``("components", REF)``, ``("nets", NAME)``,
    #: ``("pin", "REF.PIN")`` (the first net row listing the pin), ``("pins", "REF.NUM")``
    #: (a ``pins{REF}`` row) -> line number (1 = the first).  Not part of the content:
    #: documents compare equal whatever their lines.
    lines: dict[tuple[str, str], int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, where: str) -> int | None:
        """The line a finding's ``where`` (a pin reference, a part, a net, ``pins{REF}``)
        was read from, if known: a pin reference's net row (else its ``pins{REF}`` row,
        else its part's row), a part's row, a net's row, a pin table's first row."""
        for key in (("pin", where), ("components", where), ("nets", where), ("pins", where)):
            if key in self.lines:
                return self.lines[key]
        ref, dot, _ = where.partition(".")
        if dot and ("components", ref) in self.lines:       # a pin in no net: its part's row
            return self.lines[("components", ref)]
        if where.startswith("pins{") and where.endswith("}"):
            ref = where[5:-1]
            return min((v for (kind, k), v in self.lines.items() if kind == "pins" and k.startswith(ref + ".")),
                       default=None)
        return None

    def refs(self) -> list[str]:
        """Distinct references in component order."""
        seen: dict[str, None] = {}
        for c in self.components:
            seen.setdefault(c.ref, None)
        return list(seen)

    def net_pins(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each net as (name, [(ref, pin number)]), in document order; ``REF.PIN`` is split
        by :func:`tokn.doc.pinref.split_pin_ref` after the longest declared reference, and
        entries that are no pin reference are left out (the validator reports them)."""
        refs = set(self.refs())
        return [(n.name, [sp for sp in (split_pin_ref(p, refs) for p in n.pins) if sp]) for n in self.nets]

    def stacked_in(self, flagged: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The pins of ``flagged`` (pins marked not connected) that a net lists whose pins are
        several pins of one part, all in ``flagged``: stacked pins that one no-connect marker
        flags (docs/format.md, extension ``nc``), which keep their marker though a net lists
        them."""
        by_net: dict[str, set[tuple[str, str]]] = {}
        for pin, name in self.pin_nets().items():
            by_net.setdefault(name, set()).add(pin)
        return {p for pins in by_net.values() if len(pins) > 1 and pins <= flagged
                and len({ref for ref, _ in pins}) == 1 for p in pins}

    def pin_nets(self) -> dict[tuple[str, str], str]:
        """(ref, pin number) -> name of the net that lists it (the last, for a pin listed
        in two nets, which the validator reports)."""
        return {pin: name for name, pins in self.net_pins() for pin in pins}
