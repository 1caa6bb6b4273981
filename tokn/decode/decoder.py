"""TOKN document -> KiCad 9 schematic files.

Two ways to draw, chosen per document:

* **as drawn** -- when every part has a position and the parts do not overlap, symbols,
  wires, labels, power symbols, junctions, no-connects, buses and sheets go back exactly
  where the document says (round trips of real schematics);
* **laid out** -- otherwise (typical LLM output), each IC is drawn with the small parts it
  serves wired to its pins, nets that leave such a group get a label or an upright power
  symbol, and the groups are packed in rows (:mod:`.layout`, docs/layout.md).  Nothing
  overlaps by construction.  If the wired drawing does not verify, every pin is named by a
  label instead.

Either way the result is checked with the same connectivity engine the encoder uses
(which matches KiCad's netlist): if the drawn geometry does not give exactly the
document's nets, the decoder falls back to the laid-out drawing, and if even that does not
match it raises :class:`~tokn.errors.DecodeError` -- it never writes a silently different
circuit.
"""
from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field, replace

from ..doc.model import Component, Document, Sheet
from ..doc.naming import natural_key
from ..doc.symdefs import document_symbols
from ..errors import DecodeError
from ..kicad import build as b
from ..kicad.bbox import overlaps, sheet_bbox
from ..kicad.connectivity import design_nets, escape_net_name
from ..kicad.geometry import iu
from ..kicad.hierarchy import Design, load_design
from ..kicad.sheetgraph import Cutters
from ..kicad.symbols import placed_field_defaults
from ..resolve import SymbolResolver
from .amend import add_unplaced, sheet_paths, unplaced_refs
from .flatten import flatten
from .layout import layout_parts
from .repair import amend_drawing, flag_listed, is_flag
from .place.units import named_noconnect_pins, noconnect_pins
from .sheetbuild import SheetBuilder, power_value_props
from .stubs import is_ground, pin_ends
from .symbols import PartSymbol, copy_name, embed_node, part_symbols, renamed_symbol_node, with_stacked_pins
from ..kicad.ids import is_netlisted, split_lib_id
from ..sexpr import text

_AUTO = re.compile(r"^N\d+$")


@dataclass
class Decoded:
    """The files of a decoded design: ``files`` maps file name (relative to the root file's
    folder, "/" separated) -> text; ``root`` is the top-level file name.  ``mode`` is
    "as-drawn" or "laid-out"."""
    files: dict[str, str]
    root: str
    mode: str
    warnings: list[str] = field(default_factory=list)

    @property
    def root_text(self) -> str:
        return self.files[self.root]

    def write(self, path: str, project_file: bool = True) -> list[str]:
        """Write the root file at ``path`` and sub-sheets beside it (in the sub-folders their
        names give); returns paths written."""
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        written = []
        for name, txt in self.files.items():
            out = path if name == self.root else os.path.join(folder, *name.split("/"))
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)   # "x.kicad_sch": no folder part
            with open(out, "w", encoding="utf-8") as f:
                f.write(txt)
            written.append(out)
        if project_file:
            pro = os.path.splitext(path)[0] + ".kicad_pro"
            if not os.path.exists(pro):
                with open(pro, "w", encoding="utf-8") as f:
                    f.write('{\n  "meta": {\n    "filename": "%s",\n    "version": 1\n  }\n}\n'
                            % os.path.basename(pro))
                written.append(pro)
        return written


def decode(doc: Document, index=None, *, symbols: dict | None = None, project: str = "tokn",
           layout: str = "auto", verify: bool = True, fuzzy: bool = False) -> Decoded:
    """Decode ``doc``.  ``index`` is a SymbolIndex (installed libraries and the project's
    library tables), ``symbols`` extra lib_id -> LibSymbol sources (e.g. from the original
    schematic); the symbols the document carries (extension ``symbols``) come first.
    ``layout`` is "auto" (as drawn when possible), "drawn" or "grid".  ``fuzzy`` lets a
    type that is no symbol name be read as a plausible library part (for documents written
    by people or models; never wanted for an encoded design)."""
    extra = document_symbols(doc)
    for k, v in (symbols or {}).items():
        extra.setdefault(k, v)
    resolver = SymbolResolver(index, extra, fuzzy=fuzzy)
    listed = doc
    doc = with_stacked_pins(doc, resolver)
    parts = part_symbols(doc, resolver, index)
    power = PowerSymbols(resolver, index)
    warnings = [p.rejected + "; drawn with a symbol generated from the document" if p.rejected else
                f"{ref}: {p.lib_id} generated from the document's pins (no library symbol)"
                for ref, p in parts.items() if p.generated]
    warnings += [f"{ref}: {doc_type(doc, ref)} read as {p.lib_id}" for ref, p in parts.items() if p.fuzzy]
    warnings += [f"{ref}: {_no_connect_note(p)} of {p.lib_id}, which KiCad connects to nothing; drawn as "
                 f"passive in a copy of the symbol ({p.embed_name}) as the document connects "
                 f"{'it' if len(p.retyped) == 1 else 'them'}" for ref, p in parts.items() if p.retyped]
    want = _doc_nets(doc)
    added = unplaced_refs(doc) if layout in ("auto", "drawn") else set()
    drawn_doc = replace(doc, components=[c for c in doc.components if c.ref not in added]) if added else doc
    if layout in ("auto", "drawn") and _drawable(drawn_doc, parts):
        files, root, notes = _as_drawn(doc, parts, power, project, added)
        drawn, moved = doc, set()
        diff, in_kicad10, in_kicad9 = net_differences(files, root, want, _doc_nets(listed)) \
            if verify and files else ("", "", "")
        if not files:
            diff = notes[0]
        why = ""
        if diff and verify and files and (doc.wires or doc.labels or doc.power):
            kept = _kept_drawing(doc, parts, power, project, added, want, _doc_nets(listed), files, root)
            if isinstance(kept, str):
                why = kept
            else:
                files, root, notes, diff, in_kicad10, in_kicad9, drawn, moved = kept
        if not diff and in_kicad9:
            broken, count = broken_at_junctions(doc)
            if count:
                files2, root2, notes2 = _as_drawn(broken, parts, power, project, added)
                diff2, in_kicad10_2, in_kicad9_2 = net_differences(files2, root2, want, _doc_nets(listed))
                if files2 and not diff2 and not in_kicad9_2:
                    files, root, in_kicad10, in_kicad9 = files2, root2, in_kicad10_2, ""
                    notes = notes2 + [f"{count} wire(s) broken at a junction on their interior, which "
                                      "KiCad 10 connects whole and KiCad 9 cuts (docs/kicad-connectivity-"
                                      "findings.md, quirk J): both connect the broken wires as stated"]
        if not diff and files and drawn.pwrflags and not any(is_flag(ps) for ps in drawn.power):
            flagged = _listed_flags(drawn, parts, power, project, set(added) | moved, moved, want,
                                    _doc_nets(listed))
            if flagged is not None:
                files, root, notes, in_kicad10, in_kicad9 = flagged
        if not diff:
            warnings += notes
            if any(ps.local for ps in doc.power):
                warnings.append(LOCAL_POWER_NOTE)
            if in_kicad10:
                warnings.append(f"drawn as the document draws it, which KiCad 10 connects otherwise: "
                                f"{in_kicad10} (docs/kicad-connectivity-findings.md, KiCad 10 rules)")
            if in_kicad9:
                warnings.append(f"drawn as the document draws it, which only KiCad 10 connects as stated "
                                f"(KiCad 9: {in_kicad9}; jumper pins, @{{...}} arithmetic or variables in "
                                "sheet pins: docs/kicad-connectivity-findings.md)")
            return Decoded(files, root, "as-drawn", warnings)
        if why:
            diff += f"; the drawing cannot be amended to give them: {why}"
        if layout == "drawn":
            raise DecodeError(f"the document's drawing does not produce its nets in KiCad: {diff} "
                              "(use the grid layout instead)")
        warnings.append(f"the document's wires/positions do not give its nets ({diff}); "
                        "laid out on a grid instead")
    elif layout == "auto" and (doc.wires or doc.labels or doc.power):
        unplaced = sorted({c.ref for c in doc.components if c.x is None or c.y is None}, key=natural_key)
        warnings.append("the document's drawing is not kept ("
                        + (f"no position for {_few(unplaced)}" if unplaced else "parts drawn with generated symbols")
                        + "); laid out on a grid instead")
    nc = noconnect_pins(doc, parts)      # flags of the drawing, redrawn on the layout
    if doc.sheets:                       # the grid layout is one sheet: flatten first
        doc = flatten(doc)
        want = _doc_nets(doc)
        warnings.append(FLAT_NOTE)
    files, root = _laid_out(doc, parts, power, project, nc)
    diff = net_difference(files, root, want) if verify else ""
    if diff:
        files, root = _laid_out(doc, parts, power, project, nc, wires=False)
        warnings.append("the wired layout did not give the document's nets; every pin named by a label instead")
        diff = net_difference(files, root, want) if verify else ""
        if diff:
            raise DecodeError(f"the laid-out schematic does not reproduce the document's nets: {diff}"
                              + _symbol_notes(parts))
    return Decoded(files, root, "laid-out", warnings)


#: Rounds of drawing changes (:func:`tokn.decode.repair.amend_drawing`) tried before the
#: decoder gives the drawing up: moved parts, then pins, then names, each may need one.
AMEND_ROUNDS = 4


def _kept_drawing(doc: Document, parts: dict[str, PartSymbol], power: "PowerSymbols", project: str,
                  added: set[str], want: dict[frozenset, str], want_kicad10: dict[frozenset, str],
                  files: dict[str, str], root: str):
    """The document drawn with the drawing changed where it does not give its nets (edited nets;
    power symbols and flags a ``v1`` or ``nets`` document does not carry)
    (:mod:`.repair`), verified: (files, root, notes, "", KiCad 10 note, KiCad 9 note), or
    the reason the drawing cannot give the document's nets."""
    sf = _sheet_files(doc, project)
    gap = _instance_gap(doc, sf)
    if gap:
        return gap
    drawn_in = {sid: sf.first_instance[f] for sid, f in sf.file_of.items()}
    flags = not any(is_flag(ps) for ps in doc.power)
    cur, done, moved = doc, [], set()
    diff = ""
    for k in range(AMEND_ROUNDS):
        step = amend_drawing(cur, parts, power, drawn_in, drawn_nets(_load_files(files, root), want), want,
                             first=k == 0, flags=flags)
        if isinstance(step, str):
            return step
        cur = step.doc
        done += step.notes
        moved |= step.unplaced
        files, root, notes = _as_drawn(cur, parts, power, project, set(added) | moved, moved)
        if not files:
            return notes[0]
        diff, in_kicad10, in_kicad9 = net_differences(files, root, want, want_kicad10)
        if not diff:
            if done:
                notes.append("drawing changed where it did not give the document's nets: " + "; ".join(done))
            return files, root, notes, diff, in_kicad10, in_kicad9, cur, moved
    return f"still {diff} after {AMEND_ROUNDS} rounds of changes"


def _listed_flags(doc: Document, parts: dict[str, PartSymbol], power: "PowerSymbols", project: str,
                  added: set[str], moved: set[str], want: dict[frozenset, str],
                  want_kicad10: dict[frozenset, str]):
    """``doc`` (a drawing that gives its nets but draws no PWR_FLAG: a ``v1`` document) drawn
    with a PWR_FLAG on each net its ``pwrflags`` names that the drawing does not flag yet
    (:func:`tokn.decode.repair.flag_listed`), verified: (files, root, notes, KiCad 10 note,
    KiCad 9 note); None when no flag was drawn or the flags would change a net."""
    sf = _sheet_files(doc, project)
    step = flag_listed(doc, parts, power, {sid: sf.first_instance[f] for sid, f in sf.file_of.items()}, want)
    if step is None:
        return None
    files, root, notes = _as_drawn(step.doc, parts, power, project, added, moved)
    if not files:
        return None
    diff, in_kicad10, in_kicad9 = net_differences(files, root, want, want_kicad10)
    if diff:
        return None
    return files, root, notes + step.notes, in_kicad10, in_kicad9


def _instance_gap(doc: Document, sf: "_SheetFiles") -> str:
    """Why a sheet several instances use cannot be drawn as the document says: a symbol of
    its file that some instance has no row for (a part deleted, or given another symbol,
    in one instance only -- KiCad draws one symbol for every instance); "" when none."""
    paths = sheet_paths(doc)
    for key, rows in _symbol_rows(doc, sf).items():
        inst = sf.instances_of_file.get(key[0], [])
        if len(inst) > 1:
            have = {s for s, _c in rows}
            missing = [paths.get(s, s) for s in inst if s not in have]
            if missing:
                c = rows[0][1]
                return (f"{c.ref} ({c.lib_id}) of {key[0]} has no row in instance {_few(missing)} of that sheet: "
                        "KiCad draws one symbol for every instance of a sheet, so a part cannot be removed "
                        "from, moved from or changed in one instance only")
    return ""


#: The note of a hierarchical design decoded onto one sheet: its nets are named by
#: :func:`~tokn.decode.flatten.flat_net_name` (``/Amp/VCC`` -> ``Amp_VCC``).
FLAT_NOTE = "hierarchical design laid out on one sheet (net names lose their sheet path)"


#: What a decoded drawing with local power symbols is for (docs/format.md, ``power.local``).
LOCAL_POWER_NOTE = ("the drawing has KiCad 10 local power symbols ((power local)): KiCad 10 reads it, "
                    "KiCad 9 cannot load it")


def _no_connect_note(p: PartSymbol) -> str:
    if len(p.retyped) == 1:
        return f"pin {p.retyped[0]} is a no-connect pin"
    return f"pins {', '.join(p.retyped)} are no-connect pins"


def _symbol_notes(parts: dict[str, PartSymbol]) -> str:
    """Why the parts concerned may connect otherwise than stated, for an error message."""
    notes = [p.rejected for p in parts.values() if p.rejected]
    return f" ({'; '.join(notes[:3])})" if notes else ""


def doc_type(doc: Document, ref: str) -> str:
    return next((c.lib_id for c in doc.components if c.ref == ref), ref)


# ---------------------------------------------------------------- checks

def _doc_nets(doc: Document) -> dict[frozenset, str]:
    return {frozenset(pins): name for name, pins in doc.net_pins() if pins}


def _load_files(files: dict[str, str], root: str) -> Design:
    base = "/__tokn_verify__"
    sources = {os.path.abspath(os.path.join(base, n)): t for n, t in files.items()}
    return load_design(os.path.join(base, root), sources=sources)


def net_difference(files: dict[str, str], root: str, want: dict[frozenset, str]) -> str:
    """"" when the decoded files' connectivity (KiCad 9's rules: the format written) gives
    exactly the wanted nets, else one line naming the first difference found (the net and
    the parts concerned)."""
    return _difference(_load_files(files, root), want, kicad=9, names=True)


def net_differences(files: dict[str, str], root: str, want: dict[frozenset, str],
                    want_kicad10: dict[frozenset, str] | None = None) -> tuple[str, str, str]:
    """(difference, KiCad 10 note, KiCad 9 note) of the decoded files' connectivity and the
    wanted nets.  When KiCad 9's rules give the nets: ("", the first difference KiCad 10's
    rules make or "", "") -- KiCad 10 connects a few drawings otherwise (bus members with
    text markup, bus pins across kinds; docs/kicad-connectivity-findings.md): a drawing
    copied from a design has the design's own ambiguity, which the caller reports.  When
    only KiCad 10's give them (jumper pins, ``@{}`` arithmetic, variables in sheet pins: a
    document encoded by KiCad 10's rules): ("", "", KiCad 9's difference).  Else (KiCad 9's
    difference, "", "").  ``want_kicad10``: the nets as KiCad 10 lists them, when they
    differ from ``want`` (the document's stacked pins by each number,
    :func:`tokn.decode.symbols.with_stacked_pins`)."""
    design = _load_files(files, root)
    want10 = want if want_kicad10 is None else want_kicad10
    diff = _difference(design, want, kicad=9, names=True)
    if not diff:
        return "", _difference(design, want10, kicad=10, names=False), ""
    if not _difference(design, want10, kicad=10, names=True):
        return "", "", diff
    return diff, "", ""


def _difference(design: Design, want: dict[frozenset, str], kicad: int, names: bool) -> str:
    """The first difference between ``design``'s nets by KiCad ``kicad``'s rules and
    ``want`` ("" when none); net names are compared only with ``names``."""
    got = drawn_nets(design, want, kicad)
    where = {pin: pins for pins in got for pin in pins}
    for pins, name in sorted(want.items(), key=lambda kv: kv[1]):
        if pins not in got:
            drawn = {where.get(p) for p in pins}
            extra = sorted({f"{r}.{n}" for g in drawn if g for (r, n) in g - pins})
            missing = sorted(f"{r}.{n}" for (r, n) in pins if where.get((r, n)) is None)
            if extra:
                return f"net {name} would also hold {_few(extra)}"
            if missing:
                return f"net {name} would not reach {_few(missing)}"
            return f"net {name} would be split in {len(drawn)}"
        gname, named = got[pins]
        if not names:
            continue
        # a sheet path keeps its '/'; a '/' inside a label's text is stored as {slash}
        if named and gname not in (name, escape_net_name(name)):
            return f"net {name} would be named {gname}"
        if not named and not _AUTO.match(name):
            return f"net {name} would lose its name"
    for pins, (gname, named) in got.items():
        if pins not in want:
            return f"the drawing would add a net {gname} of {_few(sorted(f'{r}.{n}' for r, n in pins))}"
    return ""


def drawn_nets(design: Design, want: dict[frozenset, str], kicad: int = 9) -> dict[frozenset, tuple[str, bool]]:
    """The nets of ``design`` by KiCad ``kicad``'s rules as pins -> (name, named): those of
    two or more part pins, named ones, and a lone pin the wanted nets list (a lone
    unconnected pin is no net).  Part pins: of netlisted parts, and of the ``#`` parts the
    wanted nets list (a document's virtual parts, docs/format.md)."""
    virtual = {r for pins in want for r, _ in pins if not is_netlisted(r)}
    got: dict[frozenset, tuple[str, bool]] = {}
    for net in design_nets(design, kicad=kicad).nets:
        pins = frozenset((p.ref, p.pin) for p in net.pins if is_netlisted(p.ref) or p.ref in virtual)
        if pins and (net.named or len(pins) > 1 or pins in want):
            got[pins] = (net.name, net.named)
    return got


def _few(items: list[str], limit: int = 6) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _drawable(doc: Document, parts: dict[str, PartSymbol]) -> bool:
    """Every part has a position, and either the document draws its connections (wires,
    labels, power symbols: a real drawing, trusted if it verifies) or no two placed symbols
    overlap."""
    if not doc.components or any(c.x is None or c.y is None for c in doc.components):
        return False
    if any(p.generated for p in parts.values()) and (doc.wires or doc.labels):
        return False
    if doc.wires or doc.labels or doc.power:
        return True
    boxes: dict[str, list] = {}
    for c in doc.components:
        part = parts[c.ref]
        box = sheet_bbox(part.symbol, c.x, c.y, c.a or 0, c.mirror, c.unit, c.style, with_pins=False)
        shrunk = (box[0] + 0.3, box[1] + 0.3, box[2] - 0.3, box[3] - 0.3)
        sheet_boxes = boxes.setdefault(c.sheet, [])
        if any(overlaps(shrunk, o) for o in sheet_boxes):
            return False
        sheet_boxes.append(shrunk)
    return True


# ---------------------------------------------------------------- as drawn

def _field_positions(part: PartSymbol, c: Component) -> tuple[tuple[float, float], tuple[float, float]]:
    box = sheet_bbox(part.symbol, c.x, c.y, c.a or 0, c.mirror, c.unit, c.style, with_pins=False)
    cx = round(((box[0] + box[2]) / 2) / 1.27) * 1.27
    return (cx, box[1] - 1.27), (cx, box[3] + 1.905)


@dataclass
class _SheetFiles:
    """Where each sheet instance of a document is drawn (sheet id "" is the root)."""
    project: str
    root_name: str                          # the root file's name
    root_uuid: str
    sheets: dict[str, Sheet]                # sheet id -> its row
    file_of: dict[str, str]                 # sheet id -> file name
    first_instance: dict[str, str]          # file name -> the sheet id that draws its geometry
    children: dict[str, list[str]]          # sheet id -> its child sheets, in document order
    sheet_uuid: dict[str, str]              # sheet id -> UUID of the sheet symbol that places it
    instances_of_file: dict[str, list[str]]  # file name -> the sheet ids that use it
    builders: dict[str, SheetBuilder] = field(default_factory=dict)   # file name -> its drawing

    def kicad_path(self, sid: str) -> str:
        """KiCad's instance path of sheet ``sid``: the root UUID, then sheet-symbol UUIDs."""
        chain = []
        while sid:
            chain.append(self.sheet_uuid[sid])
            sid = self.sheets[sid].parent
        return "/" + "/".join([self.root_uuid] + chain[::-1])

    def builder_for(self, sid: str) -> SheetBuilder | None:
        """The drawing of sheet ``sid``'s file, or ``None`` when ``sid`` is unknown or not
        the file's first instance (geometry of a repeated sheet is drawn by its first)."""
        f = self.file_of.get(sid)
        if f is None or self.first_instance.get(f) != sid:
            return None
        return self.builders[f]


def _sheet_file_names(doc: Document, root_name: str) -> dict[str, str]:
    """Sheet id -> the file it uses, relative to the root file's folder ("/" separated).
    A sheet's file goes where its ``file`` puts it, relative to its parent's file (as KiCad
    reads it; a Windows "\\" is a separator), so a design's sub-folders come back; a path
    that would leave the output folder (absolute, or through "..") is written beside the
    root file under its base name instead.  One file per distinct path; a name taken by
    another path (or the root's) gets a suffix (``name_2.kicad_sch``...)."""
    file_of = {"": root_name}
    by_path: dict[str, str] = {}            # the path a sheet's file resolves to -> file written
    taken = {root_name}
    for s in doc.sheets:
        written = file_of.get(s.parent, root_name)
        wanted = posixpath.normpath(posixpath.join(posixpath.dirname(written), s.file.replace("\\", "/"))) \
            if s.file else ""
        if not wanted or wanted.startswith(("/", "../")) or wanted in (".", "..") or ":" in wanted.split("/")[0]:
            wanted = posixpath.basename(s.file.replace("\\", "/")) or f"{s.id}.kicad_sch"
        if wanted not in by_path:
            stem, ext = posixpath.splitext(wanted)
            name, k = wanted, 1
            while name in taken:
                k += 1
                name = f"{stem}_{k}{ext}"
            by_path[wanted] = name
            taken.add(name)
        file_of[s.id] = by_path[wanted]
    return file_of


def sheet_file_reference(file_of: dict[str, str], sheet: Sheet) -> str:
    """The ``Sheetfile`` a sheet symbol writes: its file relative to its parent's folder."""
    parent_dir = posixpath.dirname(file_of.get(sheet.parent, ""))
    return posixpath.relpath(file_of[sheet.id], parent_dir or ".")


def _sheet_files(doc: Document, project: str) -> _SheetFiles:
    """Which file each sheet instance uses, its first (drawing) instance, and KiCad paths.

    A sheet symbol is drawn once, in the first instance of its parent's file; every
    instance of that file holds the same sheet symbol (same UUID).  So the k-th child of
    any instance of a file is the k-th child of that file's first instance, and its KiCad
    path ends in that sheet symbol's UUID (sheets reused inside reused sheets)."""
    root_name = f"{project}.kicad_sch"
    file_of = _sheet_file_names(doc, root_name)
    all_ids = [""] + [s.id for s in doc.sheets]
    first_instance: dict[str, str] = {}
    instances_of_file: dict[str, list[str]] = {}
    for sid in all_ids:
        first_instance.setdefault(file_of[sid], sid)
        instances_of_file.setdefault(file_of[sid], []).append(sid)
    children: dict[str, list[str]] = {}
    for s in doc.sheets:
        children.setdefault(s.parent, []).append(s.id)
    sheet_uuid: dict[str, str] = {}
    for s in doc.sheets:
        siblings = children[s.parent]
        drawn_in = children.get(first_instance[file_of[s.parent]], [])
        k = siblings.index(s.id)
        sheet_uuid[s.id] = b.uid(f"{project}/sheet/{drawn_in[k] if k < len(drawn_in) else s.id}")
    return _SheetFiles(project, root_name, b.uid(f"{project}/root"), {s.id: s for s in doc.sheets},
                       file_of, first_instance, children, sheet_uuid, instances_of_file)


def _symbol_rows(doc: Document, sf: _SheetFiles) -> dict[tuple, list[tuple[str, Component]]]:
    """Component rows grouped by the symbol that draws them.  A symbol drawn once in a file
    appears once per instance of that file, maybe with a different unit in each (KiCad
    keeps the unit per instance): rows are matched by (file, lib_id, position) and, for
    stacked symbols, by order of appearance.  Key: (file, lib_id, x, y, k); value:
    (sheet id, row) per instance.  A row without a position draws no symbol of its file
    (the decoder lays it out below the drawing, :mod:`.amend`) and is left out."""
    by_key: dict[tuple, list[tuple[str, Component]]] = {}
    seen: dict[tuple, int] = {}
    for c in doc.components:
        if c.x is None or c.y is None:
            continue
        f = sf.file_of.get(c.sheet, sf.root_name)
        base = (f, c.lib_id, round(c.x, 4), round(c.y, 4), c.sheet)
        k = seen.get(base, 0)
        seen[base] = k + 1
        by_key.setdefault((f, c.lib_id, round(c.x, 4), round(c.y, 4), k), []).append((c.sheet, c))
    return by_key


def _placed_fields(part: PartSymbol, rows: dict[str, str]) -> dict[str, str]:
    """The fields a placed symbol gets beyond Reference, Value and Footprint: those KiCad
    gives a symbol placed from its library symbol (:func:`placed_field_defaults`), then the
    document's ``fields`` rows of the part, which replace a library field of the same name."""
    out = placed_field_defaults(part.symbol.properties)
    out.update(rows)
    return out


def _draw_components(doc: Document, parts: dict[str, PartSymbol], sf: _SheetFiles) -> list[str]:
    """Draw each component's symbol once per file (from the row of the file's first
    instance), with the instance path, reference and unit of every instance.  Returns a
    note for each instance row whose value or footprint differs from the drawn row's: a
    symbol of a sheet used several times has one value and footprint in KiCad (an edit of
    one instance's row cannot be kept)."""
    notes = []
    fields_of: dict[str, dict[str, str]] = {}
    for fd in doc.fields:
        if fd.name not in ("Reference", "Value", "Footprint"):
            for ref in fd.refs:
                fields_of.setdefault(ref, {})[fd.name] = fd.value
    for key, rows in _symbol_rows(doc, sf).items():
        f = key[0]
        sid0, c0 = next(((s, c) for s, c in rows if s == sf.first_instance[f]), rows[0])
        part = parts[c0.ref]
        inst = [(sf.project, sf.kicad_path(s), c.ref, c.unit) for s, c in rows]
        (rx, ry), (vx, vy) = _field_positions(part, c0)
        props = [b.prop("Reference", c0.ref, rx, ry, 0), b.prop("Value", c0.value, vx, vy, 0),
                 b.prop("Footprint", c0.fp, c0.x, c0.y, 0, hide=True)]
        props += [b.prop(name, value, c0.x, c0.y, 0, hide=True)
                  for name, value in _placed_fields(part, fields_of.get(c0.ref, {})).items()]
        sf.builders[f].symbol(part, c0.x, c0.y, c0.a or 0, c0.mirror, c0.unit, c0.style, props, inst,
                              f"{c0.ref}/{c0.unit}/{c0.x}/{c0.y}", not c0.nobom, not c0.noboard, c0.dnp)
        notes += [f"{c.ref} and {c0.ref} are one symbol of {f}, which every instance of that sheet shares: "
                  f"drawn with {c0.ref}'s value and footprint ({c0.value}, {c0.fp or 'none'}), "
                  f"not {c.ref}'s ({c.value}, {c.fp or 'none'})"
                  for _s, c in rows if (c.value, c.fp) != (c0.value, c0.fp)]
    return notes


def broken_at_junctions(doc: Document) -> tuple[Document, int]:
    """``doc`` with each wire that has a junction of its sheet on its interior broken there
    into pieces, and how many wires were broken.  KiCad 10 connects such a wire whole (the
    junction joins what is at its point); KiCad 9 keeps only the piece from its first point
    to the junction (quirk J, docs/kicad-connectivity-findings.md).  The pieces, each ending
    at the junction, connect in both as KiCad 10 connects the unbroken wire.  KiCad 10's
    editor saves such wires; a document encoded by KiCad 10's rules states their nets."""
    at: dict[str, dict[tuple[int, int], tuple[float, float]]] = {}
    for j in doc.junctions:
        at.setdefault(j.sheet, {})[(iu(j.x), iu(j.y))] = (j.x, j.y)
    cutters = {sheet: Cutters(set(points)) for sheet, points in at.items()}
    wires, count = [], 0
    for w in doc.wires:
        if w.sheet not in cutters or len(w.pts) != 2:
            wires.append(w)
            continue
        (ax, ay), end = (iu(v) for v in w.pts[0]), tuple(iu(v) for v in w.pts[1])
        inner = sorted(cutters[w.sheet].interior([(ax, ay), end]), key=lambda p: abs(p[0] - ax) + abs(p[1] - ay))
        if not inner:
            wires.append(w)
            continue
        pts = [w.pts[0], *(at[w.sheet][p] for p in inner), w.pts[1]]
        wires += [replace(w, pts=[p, q]) for p, q in zip(pts, pts[1:])]
        count += 1
    return (replace(doc, wires=wires) if count else doc), count


def _draw_geometry(doc: Document, sf: _SheetFiles) -> None:
    """Wires, buses, labels, junctions, no-connects, bus entries, net-class directives and
    rule areas, each in the drawing
    of its sheet's file (rows of a repeated sheet's later instances are not drawn)."""
    for w in doc.wires:
        sb = sf.builder_for(w.sheet)
        if sb:
            sb.wire(w.pts)
    for bus in doc.buses:
        sb = sf.builder_for(bus.sheet)
        if sb:
            sb.wire(bus.pts, "bus")
    for lb in doc.labels:
        sb = sf.builder_for(lb.sheet)
        if sb:
            sb.label(lb.kind, lb.name, lb.x, lb.y, lb.a, lb.shape)
    for j in doc.junctions:
        sb = sf.builder_for(j.sheet)
        if sb:
            sb.junction(j.x, j.y)
    for n in doc.noconnects:
        sb = sf.builder_for(n.sheet) if n.x is not None and n.y is not None else None
        if sb:
            sb.no_connect(n.x, n.y)
    for be in doc.busentries:
        sb = sf.builder_for(be.sheet)
        if sb:
            sb.bus_entry(be.x, be.y, be.dx, be.dy)
    for d in doc.directives:
        sb = sf.builder_for(d.sheet)
        if sb:
            sb.directive(d.x, d.y, d.a, d.shape, d.length, d.netclass, d.compclass)
    for ra in doc.ruleareas:
        sb = sf.builder_for(ra.sheet)
        if sb:
            sb.rule_area(ra.pts)


def _draw_pin_noconnects(doc: Document, parts: dict[str, PartSymbol], sf: _SheetFiles) -> None:
    """A no-connect marker on the end of each pin a ``noconnects`` row names without a
    position and no net lists, on every placed unit of the part that has the pin (a ``v1``
    document)."""
    flagged = named_noconnect_pins(doc, set(parts), unplaced_only=True)
    flagged -= {(ref, pin) for _name, pins in doc.net_pins() for ref, pin in pins} - doc.stacked_in(flagged)
    if not flagged:
        return
    for c in doc.components:
        part = parts.get(c.ref)
        sb = sf.builder_for(c.sheet)
        if part is None or sb is None or c.x is None or c.y is None:
            continue
        for end in pin_ends(part.symbol.pins_for(c.unit, c.style), c.x, c.y, c.a or 0.0, c.mirror):
            if (c.ref, end.pin.number) in flagged:
                sb.no_connect(end.x, end.y)


def _draw_power(doc: Document, power: "PowerSymbols", sf: _SheetFiles) -> None:
    """Power symbols, numbered #PWR001.. per file.  Raises :class:`DecodeError` when no
    library has the symbol nor a stock power symbol for its net."""
    for k, ps in enumerate(doc.power):
        sb = sf.builder_for(ps.sheet)
        if sb is None:
            continue
        # a symbol no library holds (e.g. a project's legacy power symbol): a stock power
        # symbol whose value is the net drives the same net
        part = power.get(ps.lib or "power:GND", ps.local) or power.for_net(ps.net, ps.local)
        if part is None:
            raise DecodeError(f"power symbol {ps.lib} for net {ps.net} not found in any library")
        sb.power_count += 1
        ref = f"#PWR{sb.power_count:03d}"
        sb.symbol(part, ps.x, ps.y, ps.a, "", 1, 1, power_value_props(ps.net, ref, ps.x, ps.y),
                  [(sf.project, sf.kicad_path(ps.sheet), ref, 1)], f"pwr/{k}")


def _draw_sheet_symbols(doc: Document, sf: _SheetFiles) -> None:
    """Sheet symbols with their pins, drawn in the parent's first instance; each lists
    its page in every instance of the parent file."""
    project = sf.project
    for s in doc.sheets:
        sb = sf.builder_for(s.parent)
        if sb is None:
            continue
        pins = [b.sheet_pin(sp.name, sp.shape, sp.x, sp.y, sp.a, f"{s.id}/pin/{k}")
                for k, sp in enumerate(p for p in doc.sheetpins if p.sheet == s.id)]
        # every instance of the parent file places this sheet: one sheet symbol per
        # (parent file, position); instances listed for each parent instance.
        k = sf.children[s.parent].index(s.id)
        pages = [(project, sf.kicad_path(p), _page(doc, sf.sheets[sf.children[p][k]]))
                 for p in sf.instances_of_file[sf.file_of[s.parent]] if k < len(sf.children.get(p, []))]
        fields = [b.prop(fd.name, fd.value, s.x or 0, (s.y or 0) + (s.h or 20) + 2.54 * (n + 1), hide=True)
                  for n, fd in enumerate(f for f in doc.sheetfields if f.sheet == s.id)]
        sb.items.append(b.sheet(s.name, sheet_file_reference(sf.file_of, s), s.x or 0, s.y or 0,
                                s.w or 20, s.h or 20, pins,
                                pages, f"{project}/sheet/{s.id}", fields=fields))
        sb._extent((s.x or 0) + (s.w or 0), (s.y or 0) + (s.h or 0))


def _page(doc: Document, sheet) -> str:
    """The page number of a ``sheets`` row: its ``page``, else 2, 3... in table order."""
    return sheet.page or str(2 + doc.sheets.index(sheet))


def _as_drawn(doc: Document, parts: dict[str, PartSymbol], power: "PowerSymbols",
              project: str, added: set[str] = frozenset(),
              moved: set[str] = frozenset()) -> tuple[dict[str, str], str, list[str]]:
    """The document drawn where it says: file name -> text, the root file's name, and
    notes (the parts ``added`` without a position, laid out below their sheet's drawing
    (:mod:`.amend`); instance rows whose values cannot be kept); no files, and as the one
    note why, when the added parts cannot be drawn so (a sheet several instances share, a
    net named on another sheet).  ``moved``: those of ``added`` whose
    position :mod:`.repair` dropped (drawn where their pins do not meet their nets)."""
    sf = _sheet_files(doc, project)
    for f, sid in sf.first_instance.items():
        sf.builders[f] = SheetBuilder(seed=f"{project}/{f}", title=doc.title if sid == "" else "")
    full = doc
    if added:
        doc = replace(doc, components=[c for c in doc.components if c.ref not in added])
    notes = _draw_components(doc, parts, sf)
    _draw_geometry(doc, sf)
    _draw_pin_noconnects(doc, parts, sf)
    _draw_power(doc, power, sf)
    _draw_sheet_symbols(doc, sf)
    for alias in doc.busaliases:
        sf.builders[sf.root_name].items.insert(0, ["bus_alias", b.q(alias.name),
                                                   ["members", *[b.q(m) for m in alias.members]]])
    if added:
        placed = add_unplaced(full, parts, power, sf, project, added)
        if isinstance(placed, str):
            return {}, sf.root_name, [placed]
        why = "no position given" if not moved else "drawn apart from their nets" if moved >= set(added) \
            else "no position given, or drawn apart from their nets"
        notes.append(f"laid out below the drawing ({why}): {'; '.join(placed)}")
    files = {}
    for f, sb in sf.builders.items():
        files[f] = sb.render(sf.root_uuid if f == sf.root_name else b.uid(f"{project}/file/{f}"),
                             f == sf.root_name)
    return files, sf.root_name, notes


class PowerSymbols:
    """Finds power-symbol drawings: by lib_id (as drawn) or for a net name (laid out)."""

    def __init__(self, resolver: SymbolResolver, index) -> None:
        self.resolver = resolver
        self.index = index
        self._memo: dict[str, PartSymbol | None] = {}
        self._copies: dict[str, str] = {}        # name of a copy of the other kind -> lib_id

    def get(self, lib_id: str, local: bool = False) -> PartSymbol | None:
        """The symbol ``lib_id`` as found (``local``: as a KiCad 10 local power symbol, see
        :func:`_power_kind`)."""
        if lib_id not in self._memo:
            lib, name = split_lib_id(lib_id)
            res = self.resolver.resolve(Component(ref="#PWR", type=name, lib=lib))
            self._memo[lib_id] = None if res is None or not res.exact else \
                PartSymbol(res.lib_id, res.symbol, embed_node(res.lib_id, res.symbol, self.index))
        part = self._memo[lib_id]
        return _power_kind(part, "local" if local else "global", self._copies) if part is not None else None

    def for_net(self, net: str, local: bool = False) -> PartSymbol | None:
        """``power:<net>`` when it exists, else power:GND / power:VCC (value = the net)."""
        for lib_id in (f"power:{net}", "power:GND" if is_ground(net) else "power:VCC"):
            part = self.get(lib_id, local)
            if part is not None and part.symbol.is_power:
                return part
        return None


def _power_kind(part: PartSymbol, kind: str, copies: dict[str, str] | None = None) -> PartSymbol:
    """``part`` as a power symbol of ``kind`` (``"global"`` or ``"local"``).  A power symbol
    of the other kind (a stock global symbol a row wants local, or a carried symbol rows of
    both kinds use) is copied with its ``(power ...)`` set and embedded under its own name
    (``VCC_local``, placed with ``(lib_name ...)`` as KiCad places edited copies), so both
    kinds can share a sheet.  Anything else (PWR_FLAG, a legacy power symbol) is kept."""
    have = part.symbol.power
    if not have or (have == "local") == (kind == "local"):
        return part
    node = renamed_symbol_node(part.embed, copy_name(text(part.embed[1]), kind, {} if copies is None else copies))
    node = [node[0], node[1], ["power", "local"] if kind == "local" else ["power"],
            *(c for c in node[2:] if type(c) is str or c[0] != "power")]
    return PartSymbol(part.lib_id, replace(part.symbol, power=kind), node)


# ---------------------------------------------------------------- laid out

def _laid_out(doc: Document, parts: dict[str, PartSymbol], power: PowerSymbols,
              project: str, nc: set = frozenset(), wires: bool = True) -> tuple[dict[str, str], str]:
    root_name = f"{project}.kicad_sch"
    root_uuid = b.uid(f"{project}/root")
    sb = SheetBuilder(seed=f"{project}/{root_name}", title=doc.title)
    layout_parts(doc, parts, sb, project, f"/{root_uuid}", power.for_net, power.get("power:PWR_FLAG"),
                 nc=nc, wires=wires)
    return {root_name: sb.render(root_uuid, True)}, root_name
