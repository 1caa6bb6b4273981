"""Edits of encoded designs, judged by KiCad: encode -> edit the text -> decode.

For every design and detail level (``full``, ``v1``, ``nets``): ``tokn encode``; decode the
unchanged text (the baseline: KiCad's netlist and ERC of the decoded copy); then for each
edit of :data:`EDITS` -- a text edit as a person or a model writes it, on the TOKN lines
themselves, not through tokn's document objects -- ``tokn validate`` and ``tokn decode`` the
edited text, and check with ``kicad-cli``:

* **netlist**: the decoded copy's netlist is the baseline's with the edit's change applied
  (parts with value and footprint, multi-pin nets as pin sets, user-given net names), and
  nothing else;
* **ERC**: no error types more often than in the baseline (a new part's own pins excepted:
  left open, or a power input on a net nothing drives, :data:`OWN_PIN_ERRORS`);
* **drawing**: the drawing the document had is kept (``as-drawn`` at ``full``/``v1`` when
  the baseline was), and no new part overlaps anything (:mod:`tokn.kicad.drawcheck`);
* **validate vs decode**: ``tokn validate`` refuses (errors) exactly what decode refuses
  (errors the unedited text has too -- a defect of the design -- are not the edit's).

Usage::

    python benchmarks/check_edits.py DESIGN.kicad_sch ... [--detail full v1 nets] [--json out.json]

``KICAD_CLI=/path/to/kicad-cli`` judges with another KiCad (10).  Prints one line per
(design, detail, edit) and a table of outcomes per edit kind and detail.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Callable

from tokn.decode.decoder import FLAT_NOTE
from tokn.decode.flatten import flat_net_name
from tokn.kicad import kicad_cli

_TOKN = [sys.executable, "-m", "tokn"]
_HEADER = re.compile(r"^([A-Za-z_]\w*)(?:\{(.*)\})?\[(\d+)\](?:\{([^}]*)\})?:\s*$")
_AUTO = re.compile(r"^N\d+$")
_SUPPLY = re.compile(r"^\+?\d+V\d*$|^\+?(VCC|VDD|3V3|5V|VBUS|VIN)\w*$", re.I)
Pin = tuple[str, str]


# ---------------------------------------------------------------- the text, as lines

def split_fields(row: str) -> list[str]:
    """Fields of a table row (its two-space indent removed): bare or quoted (``\\"`` escapes)."""
    out, i, n = [], 0, len(row)
    while True:
        if i < n and row[i] == '"':
            j, buf = i + 1, []
            while row[j] != '"':
                if row[j] == "\\":
                    buf.append({"n": "\n", "t": "\t", "r": "\r"}.get(row[j + 1], row[j + 1]))
                    j += 2
                else:
                    buf.append(row[j])
                    j += 1
            out.append("".join(buf))
            i = j + 1
        else:
            j = row.find(",", i)
            j = n if j < 0 else j
            out.append(row[i:j])
            i = j
        if i >= n:
            return out
        i += 1                       # the comma
        if i == n:
            out.append("")
            return out


def quote(v: str) -> str:
    """A field as a person writes it: quoted only when it must be."""
    if any(c in v for c in ',"\\\n\r') or v != v.strip():
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return v


@dataclass
class Table:
    name: str
    key: str | None
    cols: list[str]
    rows: list[list[str]]


class Text:
    """A TOKN document as lines, with its tables editable in place (row counts kept right)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    def _find(self, name: str, key: str | None = None) -> tuple[int, Table] | None:
        for i, ln in enumerate(self.lines):
            m = _HEADER.match(ln)
            if m and m.group(1) == name and (key is None or m.group(2) == key):
                n = int(m.group(3))
                cols = m.group(4).split(",") if m.group(4) else (["num", "name"] if name == "pins" else ["value"])
                rows = [split_fields(r[2:]) for r in self.lines[i + 1:i + 1 + n]]
                return i, Table(name, m.group(2), cols, rows)
        return None

    def table(self, name: str, key: str | None = None) -> Table | None:
        found = self._find(name, key)
        return found[1] if found else None

    def tables(self, name: str) -> list[Table]:
        out = []
        for ln in self.lines:
            m = _HEADER.match(ln)
            if m and m.group(1) == name:
                out.append(self.table(name, m.group(2)))
        return out

    def put(self, t: Table) -> None:
        """Write ``t`` back over the table of its name (and key); a table with no rows goes."""
        i, old = self._find(t.name, t.key)
        head = t.name + (f"{{{t.key}}}" if t.key is not None else "") + f"[{len(t.rows)}]"
        m = _HEADER.match(self.lines[i])
        if m.group(4) is not None:
            head += "{" + ",".join(t.cols) + "}"
        body = ["  " + (",".join(quote(v) for v in r) if r != [""] else '""') for r in t.rows]
        self.lines[i:i + 1 + len(old.rows)] = ([head + ":"] + body) if t.rows or t.name in ("components", "nets") \
            else []

    def scalar_list(self, key: str) -> list[str] | None:
        for ln in self.lines:
            m = re.match(rf"^{key}\[(\d+)\]: (.*)$", ln)
            if m:
                return m.group(2).split(",")
        return None

    def __str__(self) -> str:
        return "\n".join(self.lines)


def cell(t: Table, row: list[str], col: str) -> str:
    return row[t.cols.index(col)] if col in t.cols and t.cols.index(col) < len(row) else ""


def set_cell(t: Table, row: list[str], col: str, value: str) -> None:
    if col in t.cols:
        row[t.cols.index(col)] = value


def pin_items(pins: str) -> list[str]:
    return [p for p in pins.split(",") if p]


def pin_of(item: str, refs: set[str]) -> Pin:
    """``REF.PIN`` split after the longest declared reference (as docs/format.md says)."""
    best = max((r for r in refs if item.startswith(r + ".")), key=len, default=item.split(".")[0])
    return best, item[len(best) + 1:]


# ---------------------------------------------------------------- what an edit changes

@dataclass
class Change:
    """What an edit does to the circuit, applied to the baseline netlist."""
    values: dict[str, str] = field(default_factory=dict)              # ref -> new value
    added: dict[str, tuple[str, str]] = field(default_factory=dict)   # ref -> (value, footprint)
    deleted: set[str] = field(default_factory=set)
    joins: list[tuple[Pin, Pin | str]] = field(default_factory=list)  # pin -> the net of that pin, or a new net name
    removed_pins: set[Pin] = field(default_factory=set)
    renamed_nets: list[tuple[Pin, str]] = field(default_factory=list)  # the net of that pin -> new name
    renamed_refs: dict[str, str] = field(default_factory=dict)
    #: ERC error types the edit itself causes, as in KiCad (a deleted part leaves its nets'
    #: other pins and labels open)
    erc_expected: set[str] = field(default_factory=set)


def expected(base: kicad_cli.Netlist, ch: Change) -> kicad_cli.Netlist:
    """The baseline netlist with the change applied."""
    rn = lambda r: ch.renamed_refs.get(r, r)
    comps = {rn(r): dict(v) for r, v in base.components.items() if r not in ch.deleted}
    for r, v in ch.values.items():
        comps[r]["value"] = v
    for r, (v, fp) in ch.added.items():
        comps[r] = {"value": v, "footprint": fp}
    nets = {n: {(rn(r), p) for r, p in pins if r not in ch.deleted} for n, pins in base.nets.items()}
    gone = ch.removed_pins | {p for p, _ in ch.joins}
    for n in nets:
        nets[n] -= gone
    for pin, target in ch.joins:
        if isinstance(target, str):
            nets.setdefault(target, set()).add(pin)
        else:
            name = next((n for n, ps in nets.items() if target in ps), None)
            if name is None:            # the target pin was alone: a new net of two
                name = f"new:{target}"
                nets[name] = {target}
            nets[name].add(pin)
    for pin, new in ch.renamed_nets:
        old = next(n for n, ps in nets.items() if pin in ps)
        if new.startswith("/") and not old.startswith("/"):     # the baseline was laid out on one
            new = flat_net_name(new)                             # sheet: its names lost their path
        nets[new] = nets.pop(old)
    return kicad_cli.Netlist(comps, nets)


def _user_named(name: str) -> bool:
    """Not a name KiCad or tokn makes up (``Net-(R1-Pad1)``, a decoded ``N3``)."""
    return not (name.startswith(("Net-(", "unconnected-(", "new:")) or _AUTO.match(name.rsplit("/", 1)[-1]))


def compare(want: kicad_cli.Netlist, got: kicad_cli.Netlist, flat: bool = False) -> list[str]:
    """What differs between the expected and the decoded netlist (empty: exact).  ``flat``:
    the decoder laid a hierarchical design out on one sheet, so a net keeps its name without
    its sheet path (:func:`~tokn.decode.flatten.flat_net_name`, ``/Amp/VCC`` -> ``Amp_VCC``)."""
    out = []
    miss = sorted(set(want.components) - set(got.components))
    extra = sorted(set(got.components) - set(want.components))
    if miss or extra:
        out.append(f"parts missing {miss[:4]} extra {extra[:4]}")
    changed = [r for r in want.components if r in got.components and
               (want.components[r]["value"], want.components[r]["footprint"])
               != (got.components[r]["value"], got.components[r]["footprint"])]
    if changed:
        out.append("value/footprint differ on " + ", ".join(
            f"{r} ({want.components[r]['value']}/{want.components[r]['footprint']} -> "
            f"{got.components[r]['value']}/{got.components[r]['footprint']})" for r in changed[:3]))
    theirs = {frozenset(p): n for n, p in want.nets.items() if len(p) >= 2}
    ours = {frozenset(p): n for n, p in got.nets.items() if len(p) >= 2}
    lost = [theirs[s] for s in theirs if s not in ours]
    new = [ours[s] for s in ours if s not in theirs]
    if lost or new:
        out.append(f"nets differ: expected-only {lost[:4]}, decoded-only {new[:4]}")
    renamed = [(theirs[s], ours[s]) for s in theirs if s in ours and _user_named(theirs[s])
               and theirs[s].lstrip("/") != ours[s].lstrip("/")
               and not (flat and flat_net_name(theirs[s]) == ours[s])]
    if renamed:
        out.append(f"names differ (expected, decoded) {renamed[:3]}")
    return out


# ---------------------------------------------------------------- the edits

@dataclass
class Doc:
    """What the edits read from the text: components, nets and the sheet of each part."""
    text: Text
    comps: Table
    nets: Table
    refs: set[str]
    net_of: dict[Pin, str]
    pins_of: dict[str, list[Pin]]

    @classmethod
    def read(cls, s: str) -> "Doc":
        t = Text(s)
        comps, nets = t.table("components"), t.table("nets")
        refs = {cell(comps, r, "ref") for r in comps.rows}
        net_of, pins_of = {}, {}
        for r in nets.rows:
            name = cell(nets, r, "name")
            pins_of[name] = [pin_of(p, refs) for p in pin_items(cell(nets, r, "pins"))]
            for p in pins_of[name]:
                net_of[p] = name
        return cls(t, comps, nets, refs, net_of, pins_of)

    def rows_of(self, ref: str) -> list[list[str]]:
        return [r for r in self.comps.rows if cell(self.comps, r, "ref") == ref]

    def type_of(self, ref: str) -> str:
        return cell(self.comps, self.rows_of(ref)[0], "type")

    def two_pin(self, types=("R", "C", "C_Small", "R_Small", "CP", "L", "D", "LED")) -> list[str]:
        """Parts of those types with both pins 1 and 2 in nets, in row order."""
        out = []
        for r in self.comps.rows:
            ref = cell(self.comps, r, "ref")
            if cell(self.comps, r, "type") in types and (ref, "1") in self.net_of and (ref, "2") in self.net_of \
                    and ref not in out and len(self.rows_of(ref)) == 1:
                out.append(ref)
        return out

    def free_ref(self, prefix: str, skip: int = 0) -> str:
        nums = [int(m.group(1)) for r in self.refs for m in [re.fullmatch(re.escape(prefix) + r"(\d+)", r)] if m]
        return f"{prefix}{max(nums, default=0) + 1 + skip}"

    def ground(self) -> str | None:
        return next((n for n in ("GND", "GNDD", "GNDA", "0", "VSS") if n in self.pins_of), None)

    def supply(self, named: bool = False) -> str | None:
        """The biggest supply-named net; else (unless ``named``) the biggest other net."""
        names = [n for n in self.pins_of if _SUPPLY.match(n.rsplit("/", 1)[-1])] or \
            ([] if named else [n for n in self.pins_of if n != self.ground() and len(self.pins_of[n]) >= 2])
        return max(names, key=lambda n: len(self.pins_of[n]), default=None)

    def sheet_of(self, ref: str) -> str:
        return cell(self.comps, self.rows_of(ref)[0], "sheet")

    def add_component(self, ref: str, typ: str, value: str, fp: str, lib: str, sheet: str) -> None:
        row = [""] * len(self.comps.cols)
        for col, v in (("ref", ref), ("type", typ), ("value", value), ("fp", fp), ("lib", lib),
                       ("sheet", sheet)):
            set_cell(self.comps, row, col, v)
        self.comps.rows.append(row)
        self.refs.add(ref)

    def add_pins(self, net: str, items: list[str]) -> None:
        for r in self.nets.rows:
            if cell(self.nets, r, "name") == net:
                set_cell(self.nets, r, "pins", ",".join(pin_items(cell(self.nets, r, "pins")) + items))
                return
        self.nets.rows.append([net if c == "name" else ",".join(items) if c == "pins" else "" for c in self.nets.cols])

    def drop_pins(self, pins: set[Pin]) -> None:
        keep = []
        for r in self.nets.rows:
            left = [p for p in pin_items(cell(self.nets, r, "pins")) if pin_of(p, self.refs) not in pins]
            set_cell(self.nets, r, "pins", ",".join(left))
            if left:
                keep.append(r)
        self.nets.rows = keep

    def done(self) -> str:
        self.text.put(self.comps)
        self.text.put(self.nets)
        return str(self.text)


def _lib(d: Doc, lib: str) -> str:
    return lib if "lib" in d.comps.cols else ""


def edit_value(d: Doc):
    """Change a resistor's or capacitor's value (else the first part's)."""
    if not d.comps.rows:
        return None
    refs = d.two_pin(("R", "C", "R_Small", "C_Small")) or [cell(d.comps, d.comps.rows[0], "ref")]
    ref = refs[0]
    new = "4.7nF" if d.type_of(ref).startswith("C") else "4k7"
    for r in d.rows_of(ref):
        set_cell(d.comps, r, "value", new)
    return d.done(), Change(values={ref: new})


def edit_add_cap(d: Doc):
    """Add a decoupling capacitor from the biggest supply net to ground (no position), on the
    sheet of the supply's first pin (ground is global; a supply may be local to its sheet)."""
    gnd, sup = d.ground(), d.supply()
    if not gnd or not sup:
        return None
    ref = d.free_ref("C")
    fp = "Capacitor_SMD:C_0603_1608Metric"
    d.add_component(ref, "C", "100nF", fp, _lib(d, "Device"), d.sheet_of(d.pins_of[sup][0][0]))
    d.add_pins(sup, [f"{ref}.1"])
    d.add_pins(gnd, [f"{ref}.2"])
    return d.done(), Change(added={ref: ("100nF", fp)}, joins=[((ref, "1"), d.pins_of[sup][0]),
                                                              ((ref, "2"), d.pins_of[gnd][0])])


def edit_add_ldo(d: Doc):
    """Add a stock regulator the document has no symbol table for (5 pins, pin 4 NC), its
    output on a new net with an output capacitor.  Only from a supply-named net: a regulator
    input on a signal net (a key-matrix row) is no edit a person makes, and KiCad's ERC rightly
    calls its VIN undriven."""
    gnd, sup = d.ground(), d.supply(named=True)
    if not gnd or not sup:
        return None
    u, c = d.free_ref("U"), d.free_ref("C")
    sheet = d.sheet_of(d.pins_of[sup][0][0])
    d.add_component(u, "AP2112K-3.3", "AP2112K-3.3", "Package_TO_SOT_SMD:SOT-23-5", _lib(d, "Regulator_Linear"), sheet)
    d.add_component(c, "C", "1uF", "Capacitor_SMD:C_0603_1608Metric", _lib(d, "Device"), sheet)
    d.add_pins(sup, [f"{u}.1", f"{u}.3"])
    d.add_pins(gnd, [f"{u}.2", f"{c}.2"])
    d.add_pins("+3V3_LDO", [f"{u}.5", f"{c}.1"])
    g, s = d.pins_of[gnd][0], d.pins_of[sup][0]
    return d.done(), Change(added={u: ("AP2112K-3.3", "Package_TO_SOT_SMD:SOT-23-5"),
                                   c: ("1uF", "Capacitor_SMD:C_0603_1608Metric")},
                            joins=[((u, "1"), s), ((u, "3"), s), ((u, "2"), g), ((c, "2"), g),
                                   ((u, "5"), "+3V3_LDO"), ((c, "1"), "+3V3_LDO")])


def edit_delete(d: Doc):
    """Delete a two-pin part: its row, its pins from the nets (the wires stay)."""
    refs = d.two_pin()
    if not refs:
        return None
    ref = refs[-1]
    d.comps.rows = [r for r in d.comps.rows if cell(d.comps, r, "ref") != ref]
    d.drop_pins({(ref, "1"), (ref, "2")})
    t = d.text.table("fields")
    if t is not None:
        for r in t.rows:
            set_cell(t, r, "refs", ",".join(x for x in cell(t, r, "refs").split(",") if x != ref))
        t.rows = [r for r in t.rows if cell(t, r, "refs")]
        d.text.put(t)
    # what a deleted part leaves: open pins and labels, an input only it drove (an LED's pull-up)
    return d.done(), Change(deleted={ref}, erc_expected={"pin_not_connected", "label_dangling", "pin_not_driven"})


def _rename_everywhere(d: Doc, old: str, new: str) -> None:
    """Rename a net in the nets table and in the net column of every table that has one."""
    for r in d.nets.rows:
        if cell(d.nets, r, "name") == old:
            set_cell(d.nets, r, "name", new)
    d.text.put(d.nets)
    for name in ("wires",):
        t = d.text.table(name)
        if t is not None:
            for r in t.rows:
                if cell(t, r, "net") == old:
                    set_cell(t, r, "net", new)
            d.text.put(t)


def edit_rename_net(d: Doc):
    """Rename a net a label names (a non-supply user name with two or more pins)."""
    names = [n for n, ps in d.pins_of.items() if not _AUTO.match(n) and len(ps) >= 2
             and not _SUPPLY.match(n.rsplit("/", 1)[-1]) and n not in ("GND", "GNDA", "GNDD", "0", "VSS")
             and not n.startswith("Net-")]
    if not names:
        return None
    old = names[0]
    new = old + "_X" if not old.startswith("/") else old.rsplit("/", 1)[0] + "/" + old.rsplit("/", 1)[1] + "_X"
    _rename_everywhere(d, old, new)
    return d.done(), Change(renamed_nets=[(d.pins_of[old][0], new)])


def edit_name_net(d: Doc):
    """Give an unnamed net (``N3``) a name."""
    names = [n for n, ps in d.pins_of.items() if _AUTO.match(n) and len(ps) >= 2]
    if not names:
        return None
    old = names[0]
    _rename_everywhere(d, old, "SIG_NAMED")
    return d.done(), Change(renamed_nets=[(d.pins_of[old][0], "SIG_NAMED")])


def edit_move_pin(d: Doc):
    """Connect a two-pin part's pin 2 to another net (its old net keeps two or more pins)."""
    target = d.ground() or max(d.pins_of, key=lambda n: len(d.pins_of[n]), default=None)
    if target is None:
        return None
    for ref in d.two_pin():
        old = d.net_of[(ref, "2")]
        if old != target and len(d.pins_of[old]) >= 3 and d.net_of[(ref, "1")] != target:
            d.drop_pins({(ref, "2")})
            d.add_pins(target, [f"{ref}.2"])
            return d.done(), Change(joins=[((ref, "2"), d.pins_of[target][0])])
    return None


def edit_swap(d: Doc):
    """A resistor becomes a potentiometer (Device:R_Potentiometer, 3 pins), its wiper on pin 1's net."""
    refs = d.two_pin(("R", "R_Small"))
    if not refs:
        return None
    ref = refs[0]
    for r in d.rows_of(ref):
        set_cell(d.comps, r, "type", "R_Potentiometer")
        set_cell(d.comps, r, "lib", "Device" if "lib" in d.comps.cols else "")
    d.add_pins(d.net_of[(ref, "1")], [f"{ref}.3"])
    return d.done(), Change(joins=[((ref, "3"), (ref, "1"))])


def edit_renumber(d: Doc):
    """Renumber a part (R5 -> R105) in every place its reference is written."""
    refs = d.two_pin()
    if not refs:
        return None
    old = refs[0]
    m = re.fullmatch(r"(\D+)(\d+)", old)
    if not m:
        return None
    new = f"{m.group(1)}{int(m.group(2)) + 900}"
    for r in d.rows_of(old):
        set_cell(d.comps, r, "ref", new)
    for r in d.nets.rows:
        set_cell(d.nets, r, "pins", ",".join(new + p[len(old):] if pin_of(p, d.refs)[0] == old else p
                                             for p in pin_items(cell(d.nets, r, "pins"))))
    t = d.text.table("fields")
    if t is not None:
        for r in t.rows:
            set_cell(t, r, "refs", ",".join(new if x == old else x for x in cell(t, r, "refs").split(",")))
        d.text.put(t)
    pt = d.text.table("pins", old)
    if pt is not None:
        d.text.put(pt)          # keyed by the old ref: rename its header
        for i, ln in enumerate(d.text.lines):
            if ln.startswith(f"pins{{{old}}}["):
                d.text.lines[i] = f"pins{{{new}}}" + ln[len(f"pins{{{old}}}"):]
    return d.done(), Change(renamed_refs={old: new})


def edit_move_sheet(d: Doc):
    """Move a two-pin part to another sheet (its nets unchanged)."""
    if "sheet" not in d.comps.cols:
        return None
    sheets = d.text.table("sheets")
    if sheets is None:
        return None
    ids = [""] + [cell(sheets, r, "id") for r in sheets.rows]
    for ref in d.two_pin():
        here = d.sheet_of(ref)
        there = next((s for s in ids if s != here), None)
        if there is not None:
            for r in d.rows_of(ref):
                set_cell(d.comps, r, "sheet", there)
            return d.done(), Change()
    return None


EDITS: dict[str, Callable[[Doc], tuple[str, Change] | None]] = {
    "value": edit_value, "add-cap": edit_add_cap, "add-stock-ic": edit_add_ldo, "delete": edit_delete,
    "rename-net": edit_rename_net, "name-net": edit_name_net, "move-pin": edit_move_pin,
    "swap-symbol": edit_swap, "renumber": edit_renumber, "move-sheet": edit_move_sheet,
}


# ---------------------------------------------------------------- running

@dataclass
class Outcome:
    design: str
    detail: str
    edit: str
    outcome: str = ""          # ok | refused | lost-drawing | netlist | erc | overlap | error | n/a
    mode: str = ""
    details: list[str] = field(default_factory=list)
    validate: str = ""         # valid / invalid (first error) / unchecked
    seconds: float = 0.0


def _decode(path: str, out: str) -> tuple[int, str]:
    r = subprocess.run([*_TOKN, "decode", path, "-o", out], capture_output=True, text=True, timeout=900)
    return r.returncode, r.stderr


def _validate(path: str) -> tuple[str, list[str]]:
    r = subprocess.run([*_TOKN, "validate", path, "--json"], capture_output=True, text=True, timeout=900)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        return "crash", [r.stderr.strip()[-300:]]
    errs = [f"{f['code']}: {f['message']}" for f in j.get("findings", []) if f["severity"] == "error"]
    return j.get("status", "?"), errs


#: ERC errors a part the edit added may bring on its own pins: a pin left open, a power input
#: on a net nothing drives (a supply the design takes from a connector) -- KiCad says the same
#: of that edit made by hand; tokn drew what the text says.
OWN_PIN_ERRORS = frozenset({"pin_not_connected", "power_pin_not_driven"})
_SYMBOL_ITEM = re.compile(r"^Symbol (\S+) Pin ")


def own_pin_error(v: dict, refs: set[str]) -> bool:
    """Whether ERC violation ``v`` is one of :data:`OWN_PIN_ERRORS` on pins of ``refs`` only."""
    items = [i.get("description", "") for i in v.get("items", [])]
    return v.get("type") in OWN_PIN_ERRORS and bool(items) and all(
        (m := _SYMBOL_ITEM.match(d)) is not None and m.group(1) in refs for d in items)


def _erc(path: str, added: set[str] = frozenset()) -> Counter:
    """Error counts by type of KiCad's ERC of ``path``, without :func:`own_pin_error` of ``added``."""
    rep = kicad_cli.run_erc(path)
    return Counter(v["type"] for v in rep.get("violations", [])
                   if v.get("severity") == "error" and not own_pin_error(v, added))


def _overlaps_of(sch_dir: str, new_refs: set[str]) -> list[tuple[str, str]]:
    from tokn.kicad.drawcheck import item_boxes, load_sheet, overlaps
    out = []
    for fn in sorted(os.listdir(sch_dir)):
        if fn.endswith(".kicad_sch"):
            sch, tree = load_sheet(os.path.join(sch_dir, fn))
            for a, b in overlaps(item_boxes(sch, tree)):
                mine = [any(re.search(rf"(symbol|field) {re.escape(r)}\b", x) for r in new_refs) for x in (a, b)]
                own = a.split()[1].split(".")[0] == b.split()[1].split(".")[0]     # a part's own field
                if any(mine) and not own:
                    out.append((a, b))
    return out


def check_design(path: str, details: list[str], edits: list[str]) -> list[Outcome]:
    out: list[Outcome] = []
    name = os.path.basename(path)
    for detail in details:
        with tempfile.TemporaryDirectory(prefix="tokn-edit-") as td:
            src = os.path.join(td, "d.tokn")
            r = subprocess.run([*_TOKN, "encode", path, "--detail", detail, "-o", src], capture_output=True,
                               text=True, timeout=900)
            if r.returncode:
                out.append(Outcome(name, detail, "(encode)", "error", details=[r.stderr[-300:]]))
                continue
            text = open(src, encoding="utf-8").read()
            rc, err = _decode(src, os.path.join(td, "base", "d.kicad_sch"))
            if rc:
                out.append(Outcome(name, detail, "(baseline)", "error", details=[err[-300:]]))
                continue
            base_mode = (re.search(r"\(([\w-]+), \d+ sheet", err) or [None, ""])[1]
            base_sch = os.path.join(td, "base", "d.kicad_sch")
            base = kicad_cli.export_netlist(base_sch)
            base_erc = _erc(base_sch)
            _status, base_errs = _validate(src)         # the design's own defects are not the edit's
            for kind in edits:
                t0 = time.perf_counter()
                o = Outcome(name, detail, kind)
                out.append(o)
                try:
                    made = EDITS[kind](Doc.read(text))
                except Exception as e:  # noqa: BLE001 - a bug of the edit itself
                    o.outcome, o.details = "error", [f"edit: {type(e).__name__}: {e}"]
                    continue
                if made is None:
                    o.outcome = "n/a"
                    continue
                new_text, change = made
                ed = os.path.join(td, f"{kind}.tokn")
                with open(ed, "w", encoding="utf-8") as f:
                    f.write(new_text)
                status, errs = _validate(ed)
                o.validate = status + (f" ({errs[0]})" if errs else "")
                dest = os.path.join(td, kind, "d.kicad_sch")
                rc, err = _decode(ed, dest)
                if rc:
                    o.outcome = "refused"
                    o.details = [err.strip()[-400:]]
                    if status != "invalid":
                        o.details.append("validate accepted it")
                    o.seconds = round(time.perf_counter() - t0, 1)
                    continue
                o.mode = (re.search(r"\(([\w-]+), \d+ sheet", err) or [None, ""])[1]
                new_errs = [e for e in errs if e not in base_errs]
                if new_errs:
                    o.details.append("validate refused what decode accepts: " + new_errs[0])
                got = kicad_cli.export_netlist(dest)
                diffs = compare(expected(base, change), got, flat=FLAT_NOTE in err)
                erc = _erc(dest, set(change.added))
                worse = {k: erc[k] - base_erc[k] for k in erc if erc[k] > base_erc[k] and k not in change.erc_expected}
                laps = _overlaps_of(os.path.dirname(dest), set(change.added))
                o.details += diffs + ([f"ERC errors more: {worse}"] if worse else []) + \
                    ([f"overlaps {laps[:3]} ({len(laps)})"] if laps else [])
                notes = [ln for ln in err.splitlines() if ln.startswith("tokn: note")]
                if base_mode == "as-drawn" and o.mode != "as-drawn":
                    o.details.append("drawing lost: " + (notes[0][12:200] if notes else "no note"))
                o.outcome = ("netlist" if diffs else "erc" if worse else "overlap" if laps else
                             "lost-drawing" if base_mode == "as-drawn" and o.mode != "as-drawn" else "ok")
                o.seconds = round(time.perf_counter() - t0, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("designs", nargs="+")
    ap.add_argument("--detail", nargs="+", default=["full", "v1", "nets"])
    ap.add_argument("--edits", nargs="+", default=list(EDITS))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    from concurrent.futures import ProcessPoolExecutor
    results: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for res in pool.map(check_design, args.designs, [args.detail] * len(args.designs),
                            [args.edits] * len(args.designs)):
            for o in res:
                results.append(o)
                print(f"{o.design} {o.detail} {o.edit}: {o.outcome} [{o.mode}] validate={o.validate} "
                      f"{'; '.join(o.details)[:600]}", flush=True)
    table: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for o in results:
        table[(o.edit, o.detail)][o.outcome] += 1
    print("\n| edit | detail | outcomes |\n|---|---|---|")
    for (e, d), c in sorted(table.items()):
        print(f"| {e} | {d} | {', '.join(f'{k} {v}' for k, v in sorted(c.items()))} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([asdict(o) for o in results], f, indent=1)
    return 0 if all(o.outcome in ("ok", "n/a") for o in results) else 1


if __name__ == "__main__":
    sys.exit(main())
