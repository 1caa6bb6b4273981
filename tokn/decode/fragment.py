"""A TOKN document as a *paste fragment* for an open KiCad 9 schematic.

:func:`paste_fragment` turns a document into the text eeschema accepts from the clipboard
(Edit > Paste, Ctrl+V): a ``(lib_symbols ...)`` list with the library symbols used, then
one top-level list per item (``symbol``, ``wire``, ``global_label``...), exactly what
eeschema itself puts on the clipboard when copying.  Pasted items follow the cursor until
the user clicks; the paste is one undo step and unsaved edits stay untouched.

Contract:

* The drawing is the decoder's grid layout (:func:`tokn.decode.decode` with
  ``layout="grid"``): every part gets short stubs ending in a **global label** (signal
  nets) or a **power symbol** (GND, +5V, VCC...).  Both are global in KiCad, so after the
  paste a fragment net joins the nets of the open design that carry the same name: its
  power symbols join the sheet's own GND/+5V/..., and its global labels join global labels
  and power nets of the same name anywhere in the design.  They do *not* join *local*
  labels of the same name (KiCad keeps local and global names apart).
* The PWR_FLAG symbols the decoder adds so that a stand-alone sheet passes KiCad's ERC are
  left out (with the power symbols paired with them), unless ``keep_power_flags``: the
  sheet the circuit is pasted into decides where its power comes from, and a second
  flag or a regulator on the same net would make ERC report power outputs tied together.
* Nets the document leaves unnamed (``N1``, ``N2``...) are renamed when the open design
  already uses that name, so two pastes never join by accident.
* Coordinates are re-based so that the top-left corner of the items' extent lies on
  ``origin`` (snapped to KiCad's 1.27 mm grid; every pin stays on the grid).
* References: with an ``existing_schematic`` (its whole hierarchy is read), every
  reference prefix of the document that clashes with a reference of the design is
  renumbered after the design's highest number for that prefix (``C1, C2`` -> ``C6, C7``
  when the design has ``C1..C5``); prefixes without a clash keep their numbers.  Power
  symbols (``#PWR``) are always numbered after the design's.  ``keep_refs=True`` keeps the
  document's references as they are; ``unannotated=True`` leaves ``R?``, ``C?``... for
  KiCad's annotation.
* The result is checked with tokn's connectivity engine (the same as the decoder's): the
  fragment drawn on its own sheet must give exactly the document's nets (with the renames
  applied), else :class:`~tokn.errors.DecodeError` is raised.  Errors reading
  ``existing_schematic`` propagate (:class:`~tokn.errors.ToknError` subclasses, OSError).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field

from ..doc.model import Document
from ..errors import DecodeError
from ..kicad import build as b
from ..kicad.connectivity import design_nets
from ..kicad.hierarchy import load_design
from ..sexpr import child, children, dumps, number, parse, text
from .decoder import decode
from .sheetbuild import items_extent, paper_for, shifted
from ..kicad.ids import is_netlisted

GRID = 1.27
#: Where the items start on :attr:`Fragment.sheet` (the stand-alone preview sheet), mm.
SHEET_MARGIN = 12.7
_HEADER = {"version", "generator", "generator_version", "uuid", "paper", "title_block",
           "lib_symbols", "sheet_instances", "symbol_instances", "embedded_fonts"}
_AUTO_NET = re.compile(r"^N(\d+)$")
_REF = re.compile(r"^(.*?)(\d+)$")
_LABELS = ("global_label", "label", "hierarchical_label")

Box = tuple[float, float, float, float]


@dataclass
class Fragment:
    """A decoded document ready to paste.

    ``text``     clipboard text (``lib_symbols`` then items), items re-based to the origin;
    ``sheet``    a stand-alone ``.kicad_sch`` holding the same items, moved by
                 :data:`SHEET_MARGIN` (for previews and kicad-cli checks);
    ``bbox``     (x0, y0, x1, y1) of the items on ``sheet``, mm;
    ``refs``     document reference -> reference in the paste (``"R?"`` when unannotated);
    ``nets``     document net name -> net name in the paste;
    ``global_labels`` / ``power_nets``  names that join same-named nets of the design;
    ``existing_refs``  references the design already used (empty without one).
    """
    text: str
    sheet: str
    bbox: Box
    refs: dict[str, str]
    nets: dict[str, str]
    global_labels: list[str]
    power_nets: list[str]
    existing_refs: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the items' extent, mm."""
        return self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1]


@dataclass
class DesignNames:
    """What an open design already uses: references and net names of labels/power symbols."""
    refs: set[str] = field(default_factory=set)
    nets: set[str] = field(default_factory=set)


def design_names(path: str) -> DesignNames:
    """References (every sheet instance, power symbols included) and label/power-net names
    of the design whose top-level schematic is ``path``."""
    design = load_design(path)
    out = DesignNames()
    for inst in design.instances:
        f = inst.file
        for sym in f.symbols:
            ref, _unit = design.reference(inst, sym)
            if ref:
                out.refs.add(ref)
            lib = f.lib_symbols.get(sym.embedded_name)
            if lib is not None and lib.is_power and sym.value:
                out.nets.add(sym.value)
        for lb in f.labels:
            if lb.kind != "directive":
                out.nets.add(lb.name)
    return out


def paste_fragment(doc: Document, index=None, *, existing_schematic: str | None = None,
                   origin: tuple[float, float] = (0.0, 0.0), keep_refs: bool = False,
                   unannotated: bool = False, keep_power_flags: bool = False,
                   symbols: dict | None = None, fuzzy: bool = True) -> Fragment:
    """Build the paste fragment of ``doc`` (see the module doc for the contract).

    ``index`` is a :class:`~tokn.kicad.library.SymbolIndex`; ``symbols`` extra lib_id ->
    LibSymbol sources, and ``fuzzy`` (plausible substitutes for unknown types: on, since
    fragments are mostly generated circuits), as for :func:`~tokn.decode.decode`.  ``existing_schematic`` is the
    path of the open design's top-level ``.kicad_sch`` (sub-sheets are read too), or None.
    """
    names = design_names(existing_schematic) if existing_schematic else DesignNames()
    decoded = decode(doc, index, symbols=symbols, layout="grid", fuzzy=fuzzy)
    root = parse(decoded.root_text)[0]
    libs = child(root, "lib_symbols") or ["lib_symbols"]
    items = [c for c in root[1:] if type(c) is not str and c[0] not in _HEADER]
    if not keep_power_flags:
        items = _without_power_flags(items)
    used_libs = {text(child(it, "lib_id")[1]) for it in items if it[0] == "symbol"}
    used_libs |= {text(child(it, "lib_name")[1]) for it in items if it[0] == "symbol" and child(it, "lib_name")}
    libs = ["lib_symbols", *[s for s in children(libs, "symbol") if text(s[1]) in used_libs]]

    doc_refs = _doc_refs(doc)
    refs = {r: r for r in doc_refs} if keep_refs else _renumber(doc_refs, names.refs)
    power_refs = _power_renumber(items, names.refs)
    nets = _rename_auto_nets(doc, names.nets)
    _rename(items, {**refs, **power_refs}, nets)

    x0, y0, x1, y1 = items_extent(items)
    sx, sy = _snap_down(x0), _snap_down(y0)
    clip_items = [shifted(it, origin[0] - sx, origin[1] - sy) for it in items]
    sheet_items = [shifted(it, SHEET_MARGIN - sx, SHEET_MARGIN - sy) for it in items]
    dx, dy = SHEET_MARGIN - sx, SHEET_MARGIN - sy
    bbox = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    sheet = _sheet_text(libs, sheet_items, bbox, doc.title)
    _verify(doc, sheet, refs, nets)

    if unannotated:
        plain = {n: _unannotated(n) for n in list(refs.values()) + list(power_refs.values())}
        _rename(clip_items, plain, {})
        refs = {r: plain[n] for r, n in refs.items()}
    for it in clip_items:
        _clip_instances(it)
    clip = dumps([libs] + clip_items)

    labels = sorted({text(it[1]) for it in clip_items if it[0] == "global_label"})
    power = sorted({_prop(it, "Value") for it in clip_items
                    if it[0] == "symbol" and not is_netlisted(_prop(it, "Reference"))})
    return Fragment(text=clip, sheet=sheet, bbox=bbox, refs=refs, nets=nets, global_labels=labels,
                    power_nets=power, existing_refs=set(names.refs), warnings=list(decoded.warnings))


# ---------------------------------------------------------------- names

def _doc_refs(doc: Document) -> list[str]:
    """The document's references in order of first appearance (one per part)."""
    return list(dict.fromkeys(c.ref for c in doc.components))


def _split_ref(ref: str) -> tuple[str, int | None]:
    m = _REF.match(ref)
    if not m or not m.group(1):
        return ref.rstrip("?"), None
    return m.group(1), int(m.group(2))


def _unannotated(ref: str) -> str:
    return _split_ref(ref)[0] + "?"


def _renumber(doc_refs: list[str], used: set[str]) -> dict[str, str]:
    """Document ref -> pasted ref: a prefix that clashes with ``used`` (or has refs without
    a number) is renumbered after the highest number ``used`` has for it."""
    by_prefix: dict[str, list[str]] = {}
    for r in doc_refs:
        by_prefix.setdefault(_split_ref(r)[0], []).append(r)
    out: dict[str, str] = {}
    for prefix, group in by_prefix.items():
        if not any(r in used or _split_ref(r)[1] is None for r in group):
            out.update({r: r for r in group})
            continue
        top = max([n for n in (_split_ref(u)[1] for u in used if _split_ref(u)[0] == prefix)
                   if n is not None], default=0)
        for k, r in enumerate(group, 1):
            out[r] = f"{prefix}{top + k}"
    return out


def _power_renumber(items: list[list], used: set[str]) -> dict[str, str]:
    """#PWR/#FLG refs of the decoded items -> numbers after the design's highest."""
    out: dict[str, str] = {}
    top: dict[str, int] = {}
    for it in items:
        ref = _prop(it, "Reference") if it[0] == "symbol" else ""
        if is_netlisted(ref) or ref in out:
            continue
        prefix, _n = _split_ref(ref)
        if prefix not in top:
            top[prefix] = max([n for n in (_split_ref(u)[1] for u in used if _split_ref(u)[0] == prefix)
                               if n is not None], default=0)
        top[prefix] += 1
        out[ref] = f"{prefix}{top[prefix]:03d}"
    return out


def _rename_auto_nets(doc: Document, used: set[str]) -> dict[str, str]:
    """Document net -> pasted net name; unnamed nets (``N<k>``) that the design (or another
    document net) already uses get the next free ``N<k>``."""
    taken = set(used) | {n.name for n in doc.nets}
    top = max([int(m.group(1)) for m in (_AUTO_NET.match(n) for n in taken) if m], default=0)
    out: dict[str, str] = {}
    for n in doc.nets:
        if _AUTO_NET.match(n.name) and n.name in used:
            top += 1
            out[n.name] = f"N{top}"
        else:
            out[n.name] = n.name
    return out


def _prop(item: list, name: str) -> str:
    for p in children(item, "property"):
        if len(p) > 2 and text(p[1]) == name:
            return text(p[2])
    return ""


def _rename(items: list[list], refs: dict[str, str], nets: dict[str, str]) -> None:
    """Rename references (Reference property and instance data) and label names in place."""
    for it in items:
        if it[0] == "symbol":
            for p in children(it, "property"):
                if len(p) > 2 and text(p[1]) == "Reference" and text(p[2]) in refs:
                    p[2] = b.q(refs[text(p[2])])
            inst = child(it, "instances")
            for proj in children(inst, "project") if inst else ():
                for path in children(proj, "path"):
                    r = child(path, "reference")
                    if r is not None and text(r[1]) in refs:
                        r[1] = b.q(refs[text(r[1])])
        elif it[0] in _LABELS and len(it) > 1 and text(it[1]) in nets:
            it[1] = b.q(nets[text(it[1])])


def _clip_instances(item: list) -> None:
    """Clipboard items carry instance paths relative to the pasted sheet (empty), the way
    eeschema's own Copy writes them."""
    if item[0] != "symbol":
        return
    inst = child(item, "instances")
    for proj in children(inst, "project") if inst else ():
        for path in children(proj, "path"):
            path[1] = b.q("")


def _without_power_flags(items: list[list]) -> list[list]:
    """``items`` less PWR_FLAG symbols and the power symbols drawn at the same points."""
    def is_flag(it: list) -> bool:
        return it[0] == "symbol" and (_prop(it, "Value") == "PWR_FLAG"
                                      or text(child(it, "lib_id")[1]).endswith(":PWR_FLAG"))

    def at(it: list) -> tuple[float, float]:
        a = child(it, "at")
        return round(number(a[1]), 3), round(number(a[2]), 3)

    flags = {at(it) for it in items if is_flag(it)}
    return [it for it in items if not is_flag(it)
            and not (it[0] == "symbol" and not is_netlisted(_prop(it, "Reference")) and at(it) in flags)]


# ---------------------------------------------------------------- geometry

def _snap_down(v: float) -> float:
    return math.floor(v / GRID + 1e-6) * GRID


# ---------------------------------------------------------------- the stand-alone sheet

def _sheet_text(libs: list, items: list[list], bbox: Box, title: str) -> str:
    root_uuid = b.uid(f"tokn-fragment/{title}/{len(items)}/{bbox}")
    node = b.schematic(root_uuid, paper_for(bbox[2] + SHEET_MARGIN, bbox[3] + SHEET_MARGIN), title,
                       list(libs[1:]), [_with_root(it, root_uuid) for it in items], True)
    return dumps(node)


def _with_root(item: list, root_uuid: str) -> list:
    """A copy whose symbol instances point at the stand-alone sheet's root."""
    if item[0] != "symbol":
        return item
    return [c if type(c) is str or c[0] != "instances" else _root_paths(c, root_uuid) for c in item]


def _root_paths(inst: list, root_uuid: str) -> list:
    out = ["instances"]
    for proj in children(inst, "project"):
        p = [c if type(c) is str or c[0] != "path" else ["path", b.q("/" + root_uuid), *c[2:]] for c in proj]
        out.append(p)
    return out


def _verify(doc: Document, sheet: str, refs: dict[str, str], nets: dict[str, str]) -> None:
    """Raise DecodeError unless ``sheet`` gives exactly the document's nets (renamed)."""
    want: dict[frozenset, str] = {}
    for name, doc_pins in doc.net_pins():
        pins = frozenset((refs.get(r, r), n) for r, n in doc_pins)
        if pins:
            want[pins] = nets.get(name, name)
    base = os.path.abspath("/__tokn_fragment__")
    path = os.path.join(base, "fragment.kicad_sch")
    design = load_design(path, sources={path: sheet})
    got: dict[frozenset, tuple[str, bool]] = {}
    for net in design_nets(design).nets:
        pins = frozenset((p.ref, p.pin) for p in net.pins if is_netlisted(p.ref))
        if pins:
            got[pins] = (net.name, net.named)
    if set(got) != set(want):
        missing = [want[k] for k in set(want) - set(got)]
        raise DecodeError("internal error: the paste fragment does not reproduce the document's nets"
                          + (f" (differs on {', '.join(sorted(missing)[:5])})" if missing else ""))
    for pins, name in want.items():
        gname, named = got[pins]
        if named and gname.lstrip("/") != name:
            raise DecodeError(f"internal error: net {name} is named {gname} in the paste fragment")
