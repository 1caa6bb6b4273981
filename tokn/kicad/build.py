"""Builders of KiCad 9 schematic S-expressions (raw-token nested lists, see tokn.sexpr).

Everything here produces nodes that :func:`tokn.sexpr.dumps` formats the way KiCad does.
UUIDs are deterministic (uuid5 of a caller-given seed) so a decoder's output is stable.
"""
from __future__ import annotations

from ..sexpr import quote

KICAD_VERSION = "20250114"
_NS = "6f1c7a52-1c86-4a8e-9d54-7c1a2f0b9e11"      # the uuid5 namespace of :func:`uid`


_NS_UUID = None


def uid(seed: str) -> str:
    """A stable UUID for ``seed`` (uuid5 in namespace :data:`_NS`; :mod:`uuid` is imported
    on first use, the encoder never needs it)."""
    global _NS_UUID
    import uuid
    if _NS_UUID is None:
        _NS_UUID = uuid.UUID(_NS)
    return str(uuid.uuid5(_NS_UUID, seed))


def num(v: float) -> str:
    """KiCad's number format: up to 4 decimals, no trailing zeros."""
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def q(s: str) -> str:
    return quote(s)


def at(x: float, y: float, a: float | None = None) -> list:
    return ["at", num(x), num(y)] + ([num(a)] if a is not None else [])


def effects(size: float = 1.27, hide: bool = False, justify: str = "") -> list:
    e = ["effects", ["font", ["size", num(size), num(size)]]]
    if justify:
        e.append(["justify", *justify.split()])
    if hide:
        e.append(["hide", "yes"])
    return e


def prop(name: str, value: str, x: float, y: float, a: float = 0, hide: bool = False, justify: str = "") -> list:
    return ["property", q(name), q(value), at(x, y, a), effects(hide=hide, justify=justify)]


def yes(b: bool) -> str:
    return "yes" if b else "no"


def wire(pts: list[tuple[float, float]], seed: str, kind: str = "wire") -> list:
    return [kind, ["pts", *[["xy", num(x), num(y)] for x, y in pts]],
            ["stroke", ["width", "0"], ["type", "default"]], ["uuid", q(uid(seed))]]


def junction(x: float, y: float, seed: str) -> list:
    return ["junction", at(x, y), ["diameter", "0"], ["color", "0", "0", "0", "0"], ["uuid", q(uid(seed))]]


def no_connect(x: float, y: float, seed: str) -> list:
    return ["no_connect", at(x, y), ["uuid", q(uid(seed))]]


def bus_entry(x: float, y: float, dx: float, dy: float, seed: str) -> list:
    return ["bus_entry", at(x, y), ["size", num(dx), num(dy)],
            ["stroke", ["width", "0"], ["type", "default"]], ["uuid", q(uid(seed))]]


def directive(x: float, y: float, a: float, shape: str, length: float, netclass: str, compclass: str,
              seed: str) -> list:
    """A net-class directive label (``netclass_flag``) anchored at (x, y): a flag of ``shape``
    on a stem of ``length``, with the fields that give classes (those not empty); the
    fields are written near the flag (KiCad moves them on the next edit).  The flag points
    in direction ``a``: KiCad reads the direction from the angle's axis and the
    justification, as a label's (:func:`tokn.kicad.schematic.label_angle`)."""
    justify = "left bottom" if a in (0, 90) else "right bottom"
    node = ["netclass_flag", q(""), ["length", num(length)], ["shape", shape or "round"], at(x, y, a),
            ["fields_autoplaced", "yes"], effects(justify=justify), ["uuid", q(uid(seed))]]
    row = 0
    for name, value in (("Netclass", netclass), ("Component Class", compclass)):
        if value:
            node.append(["property", q(name), q(value), at(x + 0.762, y - length - 1.27 - 2.54 * row, 0),
                         ["effects", ["font", ["size", "1.27", "1.27"], ["italic", "yes"]], ["justify", "left"]]])
            row += 1
    return node


def rule_area(pts: list[tuple[float, float]], seed: str) -> list:
    """A rule area (KiCad 9+): its polygon, drawn dashed."""
    return ["rule_area", ["polyline", ["pts", *[["xy", num(x), num(y)] for x, y in pts]],
                          ["stroke", ["width", "0"], ["type", "dash"]], ["fill", ["type", "none"]],
                          ["uuid", q(uid(seed))]]]


_LABEL_HEADS = {"local": "label", "global": "global_label", "hier": "hierarchical_label"}


def label(kind: str, name: str, x: float, y: float, a: float, seed: str, shape: str = "") -> list:
    """A local/global/hierarchical label; text runs away from the anchor in direction ``a``."""
    justify = "left bottom" if a in (0, 90) else "right bottom"
    if kind == "local":
        node = ["label", q(name), at(x, y, a), ["fields_autoplaced", "yes"],
                effects(justify=justify), ["uuid", q(uid(seed))]]
    else:
        node = [_LABEL_HEADS[kind], q(name), ["shape", shape or "bidirectional"], at(x, y, a),
                ["fields_autoplaced", "yes"], effects(justify="left" if a in (0, 90) else "right"),
                ["uuid", q(uid(seed))]]
    return node


def placed_symbol(lib_id: str, x: float, y: float, a: float, mirror: str, unit: int, style: int,
                  props: list[list], instances: list[tuple[str, str, str, int]], seed: str,
                  in_bom: bool = True, on_board: bool = True, dnp: bool = False,
                  lib_name: str = "") -> list:
    """``instances`` = [(project, path, reference, unit)]."""
    node = ["symbol"]
    if lib_name:
        node.append(["lib_name", q(lib_name)])
    node += [["lib_id", q(lib_id)], at(x, y, a)]
    if mirror:
        node.append(["mirror", mirror])
    node += [["unit", str(unit)]]
    if style != 1:
        node.append(["convert", str(style)])     # KiCad 10 writes body_style; KiCad 9 reads only this
    node += [["exclude_from_sim", "no"], ["in_bom", yes(in_bom)], ["on_board", yes(on_board)],
             ["dnp", yes(dnp)], ["uuid", q(uid(seed))], *props]
    by_project: dict[str, list] = {}
    for project, path, ref, u in instances:
        by_project.setdefault(project, []).append(["path", q(path), ["reference", q(ref)], ["unit", str(u)]])
    node.append(["instances", *[["project", q(p), *paths] for p, paths in by_project.items()]])
    return node


def sheet(name: str, file: str, x: float, y: float, w: float, h: float, pins: list[list],
          instances: list[tuple[str, str, str]], seed: str, in_bom: bool = True, on_board: bool = True,
          dnp: bool = False, fields: list[list] = ()) -> list:
    """A hierarchical sheet symbol; ``instances`` = [(project, path, page)]; the flags
    apply to every part inside; ``fields``: its other ``(property ...)`` nodes."""
    by_project: dict[str, list] = {}
    for project, path, page in instances:
        by_project.setdefault(project, []).append(["path", q(path), ["page", q(page)]])
    return ["sheet", at(x, y), ["size", num(w), num(h)], ["exclude_from_sim", "no"],
            ["in_bom", yes(in_bom)], ["on_board", yes(on_board)], ["dnp", yes(dnp)], ["fields_autoplaced", "yes"],
            ["stroke", ["width", "0.1524"], ["type", "solid"]], ["fill", ["color", "0", "0", "0", "0.0000"]],
            ["uuid", q(uid(seed))],
            prop("Sheetname", name, x, y - 0.7116, 0, justify="left bottom"),
            prop("Sheetfile", file, x, y + h + 0.5846, 0, justify="left top"),
            *fields, *pins,
            ["instances", *[["project", q(p), *paths] for p, paths in by_project.items()]]]


def sheet_pin(name: str, shape: str, x: float, y: float, a: float, seed: str) -> list:
    return ["pin", q(name), shape or "bidirectional", at(x, y, a),
            effects(justify="left" if a == 180 else "right"), ["uuid", q(uid(seed))]]


def _kicad9_attribute(c):
    """A library symbol's child as KiCad 9 reads it, or None to leave it out: KiCad 10's
    format adds ``(power global)`` (KiCad 9: ``(power)``, the same symbol),
    ``(in_pos_files ...)`` and ``(duplicate_pin_numbers_are_jumpers no)``, and KiCad 9.0.8
    refuses the whole file for any of them; the last two say nothing to a netlist.
    ``(power local)`` and ``(duplicate_pin_numbers_are_jumpers yes)`` stay: they change
    the nets, and the decoder checks such a drawing by KiCad 10's rules."""
    if type(c) is not list or len(c) != 2:
        return c
    if c[0] == "in_pos_files" or c == ["duplicate_pin_numbers_are_jumpers", "no"]:
        return None
    return ["power"] if c == ["power", "global"] else c


def kicad9_lib_symbol(node: list) -> list:
    """``node`` (a ``lib_symbols`` entry, e.g. kept byte for byte from a KiCad 10 file's
    cache) in KiCad 9's format (:func:`_kicad9_attribute`); ``node`` itself when it is."""
    new = [_kicad9_attribute(c) for c in node]
    if all(x is c for x, c in zip(new, node)):
        return node
    return [x for x in new if x is not None]


def schematic(root_uuid: str, paper: str, title: str, lib_symbols: list[list], items: list[list],
              root: bool = True) -> list:
    """A sheet file in KiCad 9's format (:data:`KICAD_VERSION`); library symbols taken from
    a KiCad 10 cache lose what KiCad 9 cannot read (:func:`kicad9_lib_symbol`)."""
    lib_symbols = [kicad9_lib_symbol(s) for s in lib_symbols]
    node = ["kicad_sch", ["version", KICAD_VERSION], ["generator", q("tokn")],
            ["generator_version", q("9.0")], ["uuid", q(root_uuid)], ["paper", q(paper)]]
    if title:
        node.append(["title_block", ["title", q(title)]])
    node.append(["lib_symbols", *lib_symbols])
    node += items
    if root:
        node.append(["sheet_instances", ["path", q("/"), ["page", q("1")]]])
    node.append(["embedded_fonts", "no"])
    return node
