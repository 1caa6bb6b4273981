"""Layout for documents without a usable drawing (typically LLM output).

Parts are drawn the way a person draws them (docs/layout.md): every IC, connector or
transistor roots a cluster, the small parts it serves hang on its pins with short wires
(decoupling capacitors on its supply pins), ground symbols point down and supply symbols up,
and only nets that leave a cluster get labels or power symbols.  Clusters are drawn into a
collision map (:mod:`.place.cluster`), so nothing overlaps and no wire touches another net,
then packed in rows (:mod:`.place.pack`).  Pins the document flags as not connected get a
no-connect marker; undriven power nets get a PWR_FLAG in a row below.
"""
from __future__ import annotations

from ..doc.model import Document
from ..doc.naming import natural_key
from ..kicad import build as b
from ..kicad.bbox import body_bbox
from .place.cluster import ClusterFailed, Drawing, build_cluster, label_box, label_kind
from .place.pack import pack
from .place.plan import make_plan
from .place.units import Unit, build_units
from .sheetbuild import SheetBuilder, power_value_props
from .stubs import CHAR_W, is_power_net
from .symbols import PartSymbol

GRID = 1.27
MARGIN = 2.54
ORIGIN = (25.4, 25.4)


def field_angle(wanted: float, symbol_angle: float) -> float:
    """Stored angle of a symbol field so that it is drawn at ``wanted`` (0 = horizontal,
    90 = vertical): KiCad swaps horizontal and vertical for symbols turned by 90/270."""
    turned = int(round(symbol_angle)) % 180 == 90
    return (90.0 - wanted) if turned else wanted


def _snap(v: float) -> float:
    return round(v / GRID) * GRID


def layout_parts(doc: Document, parts: dict[str, PartSymbol], sb: SheetBuilder, project: str,
                 sheet_path: str, power_for_net, power_flag: PartSymbol | None = None,
                 nc: set[tuple[str, str]] | frozenset = frozenset(), wires: bool = True,
                 outside: dict[str, int] | None = None) -> None:
    """Place every part of ``doc`` on ``sb`` with wires, labels, power symbols and
    no-connect markers (on the pins in ``nc`` that are in no net).  ``outside``: net ->
    pins of it drawn elsewhere (parts added to a kept drawing), so that a group of ``doc``'s
    parts is named even when it holds all of ``doc``'s pins of that net.

    With ``wires`` False every part is drawn on its own, each pin named by a label or power
    symbol (the fallback when a wired drawing does not verify).  With ``power_flag``
    (KiCad's PWR_FLAG), every power net that no power-output or output pin drives gets a
    flag next to one more of its power symbols, in a row below the parts: such a sub-circuit
    is fed from outside the sheet, and the flag says so to KiCad's ERC.  (A flag on a net
    with an output pin would be a power output tied to an output: KiCad's ``pin_to_pin``.)
    So does every net the document's ``pwrflags`` names (the original's flags), joined to
    its flag by a label when no power symbol draws it."""
    units = build_units(doc, parts, set(nc))
    net_pins: dict[str, int] = {}
    for u in units:
        for p in u.pins:
            net_pins[u.nets[p.number]] = net_pins.get(u.nets[p.number], 0) + 1
    listed = {net for net in doc.pwrflags if net in net_pins} if power_flag is not None else set()
    for net, n in (outside or {}).items():
        if net in net_pins:
            net_pins[net] += n
    for net in listed:                      # its flag's label is one more place it is drawn
        net_pins[net] += 1
    plan = make_plan(units, wires)
    drawings: list[Drawing] = []
    roots = list(plan.roots)
    while roots:
        root = roots.pop(0)
        drawing, left = _cluster(root, plan.children, net_pins, power_for_net)
        drawings.append(drawing)
        for u in left:                      # leaves that found no room: on their own
            plan.children.pop(u.key, None)
        roots[0:0] = left
    offsets = arrange(drawings)
    bottom = ORIGIN[1]
    for d, (ox, oy) in zip(drawings, offsets):
        _emit(d, ox, oy, sb, project, sheet_path, power_for_net)
        bottom = max(bottom, d.box[3] + oy)

    flag_nets: list[str] = []
    if power_flag is not None:
        driven = {u.nets[p.number] for u in units for p in u.part.symbol.pins
                  if p.type in ("power_out", "output") and p.number in u.nets}
        flag_nets = sorted({net for u in units for net in u.nets.values()
                            if net not in driven and _flag_name(net, power_for_net) is not None} | listed,
                           key=natural_key)
    _place_flags(flag_nets, power_flag, sb, project, sheet_path, power_for_net, ORIGIN[0],
                 _snap(bottom + MARGIN))


def arrange(drawings: list[Drawing]) -> list[tuple[float, float]]:
    """Offsets of the cluster drawings on the sheet: rows in plan order (see
    docs/layout.md for why not a graph-layout library)."""
    return pack([d.box for d in drawings], ORIGIN)


def _cluster(root: Unit, children: dict, net_pins: dict[str, int], power_for_net) -> tuple[Drawing, list[Unit]]:
    """Draw ``root`` with its planned leaves; when a net name finds no room, try again
    without the last leaf hanging by that net (returned, to be drawn on its own), and in
    the end draw the root alone."""
    mine = {k: list(v) for k, v in children.items()}
    dropped: list[Unit] = []
    for _ in range(12):
        try:
            drawing, left = build_cluster(root, mine, net_pins, power_for_net)
            return drawing, dropped + left
        except ClusterFailed as e:
            if not e.net:
                break
            tree = [root] + _all_below(root, mine)            # this cluster's units only
            below = [(u.key, leaf) for u in tree for leaf, net in mine.get(u.key, ()) if net == e.net]
            if not below:
                break
            k, leaf = below[-1]                 # the last leaf hung by that net goes
            mine[k] = [(c, n) for c, n in mine[k] if c is not leaf]
            dropped += [leaf] + _all_below(leaf, mine)
    drawing, _ = build_cluster(root, {}, net_pins, power_for_net, force=True)
    return drawing, _all_below(root, children)


def _all_below(root: Unit, children: dict) -> list[Unit]:
    out = []
    for c, _ in children.get(root.key, ()):
        out.append(c)
        out += _all_below(c, children)
    return out


def _emit(d: Drawing, ox: float, oy: float, sb: SheetBuilder, project: str, sheet_path: str,
          power_for_net) -> None:
    """Write a cluster drawing moved by (ox, oy) into the sheet."""
    def mv(x: float, y: float) -> tuple[float, float]:
        return round(x + ox, 4), round(y + oy, 4)

    for p in d.symbols:
        u = p.unit
        ax, ay = mv(p.x, p.y)
        fa = field_angle(0, p.angle)
        props = [b.prop(name, value, *mv(fx, fy), fa) for name, value, fx, fy in p.fields]
        if not any(name == "Value" for name, *_ in p.fields):
            props.append(b.prop("Value", u.value, ax, ay, 0, hide=True))
        props += [b.prop("Footprint", u.fp, ax, ay, 0, hide=True), b.prop("Datasheet", "", ax, ay, 0, hide=True)]
        sb.symbol(u.part, ax, ay, p.angle, "", u.unit, 1, props, [(project, sheet_path, u.ref, u.unit)],
                  f"{u.ref}/{u.unit}", in_bom=not u.nobom, on_board=not u.noboard, dnp=u.dnp)
    for a, c in d.wires:
        sb.wire([mv(*a), mv(*c)])
    for net, x, y, angle in d.labels:
        kind, name = label_kind(net)
        sb.label(kind, name, *mv(x, y), angle, "" if kind == "local" else "passive")
    for net, x, y, ty in d.powers:
        part = power_for_net(net)
        px, py = mv(x, y)
        sb.power_count += 1
        ref = f"#PWR{sb.power_count:03d}"
        props = power_value_props(net, ref, px, py)
        props[1] = b.prop("Value", net, px, round(ty + oy, 4), 0)
        sb.symbol(part, px, py, 0.0, "", 1, 1, props, [(project, sheet_path, ref, 1)], f"pwr/{sb.power_count}")
    for x, y in d.junctions:
        sb.junction(*mv(x, y))
    for x, y in d.noconnects:
        sb.no_connect(*mv(x, y))


def _flag_name(net: str, power_for_net) -> str | None:
    """The power net name ``net`` is drawn with when it is a supply that may need a
    PWR_FLAG: a power-named net drawn with power symbols (``GND``, ``+5V``), or a root-sheet
    local net whose label is power-named (``/GND``, drawn as the local label ``GND``, as
    designs that name their supplies by labels have it); else ``None``."""
    if is_power_net(net):
        return net if power_for_net(net) is not None else None
    kind, text = label_kind(net)
    return text if kind == "local" and is_power_net(text) else None


def _place_flags(nets: list[str], flag: PartSymbol | None, sb: SheetBuilder, project: str, sheet_path: str,
                 power_for_net, x0: float, y: float) -> None:
    """A row of (power symbol + PWR_FLAG) pairs joined at one point, one per net: the
    power symbol points one way, the flag the other, so they never overlap.  A net the
    drawing names by labels (a local label's power net, :func:`_flag_name`; any net not
    drawn with power symbols that ``pwrflags`` names) gets its label instead of a power
    symbol, the flag hanging below a local label's text, or left of a global or
    hierarchical label's outline on a short wire."""
    x = x0
    for net in nets:
        if not is_power_net(net) or power_for_net(net) is None:     # a net drawn with labels
            kind, text = label_kind(net)
            px, py = _snap(x + MARGIN), _snap(y + 2.54)
            # a local label's text sits above its point, so the flag hangs right there; a
            # global or hierarchical label's outline is centred on its point, so the flag
            # stands one grid step left of it, on a short wire
            lx = px if kind == "local" else px + GRID
            if lx != px:
                sb.wire([(px, py), (lx, py)])
            sb.label(kind, text, lx, py, 0.0, "" if kind == "local" else "passive")
            _flag_at(flag, px, py, 180.0, sb, project, sheet_path)
            x = label_box(net, lx, py, (1, 0))[2] + GRID        # the next pair starts a margin right of it
            continue
        part = power_for_net(net)
        bx0, by0, bx1, by1 = body_bbox(part.symbol, 1, 1, with_pins=False)
        body_up = (by0 + by1) / 2 > 0                       # library y points up
        width = max(bx1 - bx0, 2.54) + len(net) * CHAR_W + 2 * MARGIN
        px, py = _snap(x + MARGIN + 2.54), _snap(y + 7.62)
        sb.power_count += 1
        ref = f"#PWR{sb.power_count:03d}"
        props = power_value_props(net, ref, px, py)
        props[1] = b.prop("Value", net, px + 1.27 + len(net) * CHAR_W / 2, py + (-3.81 if body_up else 3.81), 0)
        sb.symbol(part, px, py, 0.0, "", 1, 1, props, [(project, sheet_path, ref, 1)], f"pwr/{sb.power_count}")
        # PWR_FLAG's body points up at rotation 0: turn it down when the power symbol is up
        _flag_at(flag, px, py, 180.0 if body_up else 0.0, sb, project, sheet_path)
        x += width + GRID


def _flag_at(flag: PartSymbol, px: float, py: float, angle: float, sb: SheetBuilder, project: str,
             sheet_path: str) -> None:
    """A PWR_FLAG (the next ``#FLG`` reference, its fields hidden) at ``(px, py)``."""
    sb.power_count += 1
    fref = f"#FLG{sb.power_count:03d}"
    fprops = [b.prop("Reference", fref, px, py, 0, hide=True),
              b.prop("Value", "PWR_FLAG", px, py, 0, hide=True),
              b.prop("Footprint", "", px, py, 0, hide=True),
              b.prop("Datasheet", "", px, py, 0, hide=True)]
    sb.symbol(flag, px, py, angle, "", 1, 1, fprops, [(project, sheet_path, fref, 1)], f"flag/{sb.power_count}")
