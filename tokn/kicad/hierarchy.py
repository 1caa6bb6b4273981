"""The sheet hierarchy of a design: which files are used where, and each instance's path.

:func:`load_design` reads a top-level ``.kicad_sch`` and every sub-sheet it references
(recursively; a file used by several sheet symbols is parsed once and shared), and returns
a :class:`Design` whose :class:`SheetInstance` list is in KiCad's hierarchy order.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..errors import SchematicError
from ..sexpr import parse
from .annotate import Renumbering, number_duplicates, number_unannotated
from .netnames import net_text, unescape
from .project import ProjectSettings, TopLevelSheet, joined_top_level_sheets, read_project, top_level_sheets_warning
from .textvars import evaluate_expressions, resolve_project_text, resolve_text, symbol_field
from .schematic import (PlacedSymbol, SchematicFile, SheetSymbol, SymbolInstance, load_schematic,
                        loaded_text, read_schematic)


@dataclass
class SheetInstance:
    """One use of a schematic file in the hierarchy."""
    uuid_path: tuple[str, ...]      # sheet-symbol UUIDs from the root (root = ())
    name_path: str                  # KiCad's human path: "/" or "/Power/" or "/Power/Sub/"
                                    # (sheet names unescaped: "A{slash}B" is "/A/B/")
    file: SchematicFile
    sheet_symbol: SheetSymbol | None = None
    parent: "SheetInstance | None" = None
    children: list["SheetInstance"] = field(default_factory=list)
    page: str = ""

    @property
    def depth(self) -> int:
        return len(self.uuid_path)

    def net_path(self, kicad: int) -> str:
        """The sheet path that prefixes local net names in KiCad ``kicad``: KiCad 9 uses
        :attr:`name_path` (``/A/B/`` for a sheet named ``A{slash}B``); KiCad 10 escapes each
        sheet name as a net name (``/A{slash}B/``), so a ``/`` in a sheet name no longer
        reads as a level of the hierarchy, after trimming the whitespace around it
        (:func:`~tokn.kicad.schematic.loaded_text`: ``" Sub "`` gives ``/Sub/``)."""
        if kicad < 10:
            return self.name_path
        names = []
        inst = self
        while inst.sheet_symbol is not None and inst.parent is not None:
            names.append(net_text(loaded_text(inst.sheet_symbol.name, kicad)))
            inst = inst.parent
        return "/" + "".join(n + "/" for n in reversed(names))

    def sheet_flags(self) -> tuple[bool, bool, bool]:
        """(in_bom, on_board, dnp) that the sheet symbols from the root down to this
        instance impose on every part inside: a sheet excluded from the BOM or the board,
        or marked DNP, makes its parts so (KiCad's netlist says so for each part)."""
        in_bom, on_board, dnp = True, True, False
        inst = self
        while inst.sheet_symbol is not None:
            ss = inst.sheet_symbol
            in_bom, on_board, dnp = in_bom and ss.in_bom, on_board and ss.on_board, dnp or ss.dnp
            inst = inst.parent
        return in_bom, on_board, dnp


@dataclass
class Design:
    """A loaded design: root file, sheet instances in KiCad's order, files by path, warnings."""
    root: SchematicFile
    instances: list[SheetInstance]
    files: dict[str, SchematicFile]           # absolute path -> parsed file
    warnings: list[str] = field(default_factory=list)
    #: Bus aliases of the project file (KiCad 10 keeps them there): name -> members.
    project_bus_aliases: dict[str, list[str]] = field(default_factory=dict)
    #: Text variables of the project file: name -> value (label text already has them
    #: replaced; symbol values are resolved with them by the encoder).
    text_variables: dict[str, str] = field(default_factory=dict)
    #: References given to unannotated parts and to parts whose reference an earlier part
    #: carries (:func:`~tokn.kicad.annotate.number_unannotated`, ``number_duplicates``)
    renumbered: Renumbering = field(default_factory=dict)
    #: True when :attr:`root` is no file but the project joining several top-level sheets
    #: (KiCad 10): each of them is a child of it, and KiCad's instance paths start at the
    #: top-level sheet's UUID (``/<top uuid>/<sheet uuid>``).
    virtual_root: bool = False
    #: Sheet files the hierarchy references but that do not exist, as written in the sheet
    #: symbol (or the project file); each also has a warning.  A design missing one is
    #: incomplete: its document lacks those sheets.
    missing_files: list[str] = field(default_factory=list)
    #: True when :attr:`root` is a sub-sheet opened on its own: no part is annotated for it as
    #: the top-level sheet (:func:`_annotated_elsewhere`).  KiCad 9 and 10 then give each part
    #: the first annotation its file records, on the root and on every sheet below it (a
    #: sheet placed more than once there repeats its references, as KiCad's netlist does:
    #: demo vme-wren/io_driver_8x; fixture ``orphan_sub_sheet_reused``); in a design of its
    #: own a part with no annotation for a placement shows its Reference field there.
    annotated_elsewhere: bool = False

    def bus_aliases(self) -> dict[str, list[str]]:
        """Every bus alias of the design, name -> members (unescaped, as written): those of
        its sheet files (``(bus_alias ...)``, KiCad 6-9), then the project file's (KiCad 10),
        which win on a name both define."""
        out: dict[str, list[str]] = {}
        for f in self.files.values():
            out.update(f.bus_aliases)
        out.update(self.project_bus_aliases)
        return out

    @cached_property
    def fields_by_reference(self) -> dict[str, dict[str, str]]:
        """Annotated reference -> the fields of its part (its first unit met), for a
        ``${R1:VALUE}`` cross-reference; computed once."""
        out: dict[str, dict[str, str]] = {}
        for inst in self.instances:
            for sym in inst.file.symbols:
                out.setdefault(self.reference(inst, sym)[0], sym.properties)
        return out

    def kicad_path(self, inst: SheetInstance) -> str:
        """KiCad 7+ instance path of a sheet instance: "/<root-uuid>/<sheet-uuid>..."
        ("/<top-level sheet uuid>/..." under a :attr:`virtual_root`)."""
        if self.virtual_root:
            return "/" + "/".join(inst.uuid_path)
        return "/" + "/".join((self.root.uuid,) + inst.uuid_path)

    def instance(self, inst: SheetInstance, sym: PlacedSymbol) -> SymbolInstance:
        """Annotation of ``sym`` as placed in sheet instance ``inst``: reference and unit
        (a KiCad 6 file's per-instance value and footprint are the symbol's fields once
        loaded: :func:`load_design`).  An unannotated part (``R?``) has the reference
        :attr:`renumbered` gives it."""
        si = self.file_annotation(inst, sym)
        if self.renumbered:
            ref = self.renumbered.get((id(inst), id(sym)))
            if ref is not None:
                return replace(si, reference=ref)
        return si

    def file_annotation(self, inst: SheetInstance, sym: PlacedSymbol) -> SymbolInstance:
        """The annotation the files give ``sym`` in ``inst`` (``R?`` when unannotated)."""
        if sym.instances:
            want = self.kicad_path(inst)
            for si in sym.instances:
                if si.path == want:
                    return si
            tail = "/".join(inst.uuid_path[1:] if self.virtual_root else inst.uuid_path)
            for si in sym.instances:       # same sheet chain under another root UUID
                parts = si.path.strip("/").split("/")
                if "/".join(parts[1:]) == tail:
                    return si
            if len(sym.instances) == 1 and inst.parent is None:
                return sym.instances[0]
            if self.annotated_elsewhere:   # a sub-sheet opened on its own: KiCad 9 and 10 take the
                return sym.instances[0]    # first annotation recorded, on it and every sheet below
        legacy = self.root.legacy_symbol_instances
        if legacy:
            si = legacy.get("/" + "/".join(inst.uuid_path + (sym.uuid,)))
            if si is not None:
                return si
        return SymbolInstance("", sym.reference_field, sym.unit)

    def reference(self, inst: SheetInstance, sym: PlacedSymbol) -> tuple[str, int]:
        """Annotated reference and unit of ``sym`` as placed in sheet instance ``inst``."""
        si = self.instance(inst, sym)
        return si.reference, si.unit


def load_design(path: str, max_depth: int = 32,
                sources: dict[str, str] | None = None, lean: bool = False,
                top_level_sheets: bool = True) -> Design:
    """Load the hierarchy rooted at ``path`` (a top-level ``.kicad_sch``).

    ``sources`` optionally maps absolute file paths to their text (in-memory schematics,
    e.g. a decoder's output before it is written); other files are read from disk.
    ``lean`` reads without drawing-only lists (faster; enough for connectivity).
    The bus aliases of the root's project file (``X.kicad_pro`` beside ``X.kicad_sch``;
    KiCad 10 keeps them there) are read too, unless the root comes from ``sources``; the
    project's text variables are replaced in label text, as KiCad names nets by the label's
    shown text.

    When that project lists several top-level sheets, ``path`` among them (KiCad 10:
    :func:`~tokn.kicad.project.joined_top_level_sheets`), the design is all of them, as
    KiCad 10 netlists it: :attr:`Design.root` is then an empty file standing for the project
    (:attr:`Design.virtual_root`), and each top-level sheet is a child instance of it named
    by the project (``/top/``), with a sheet symbol made up for it (:func:`_top_level_symbol`).
    ``top_level_sheets=False`` loads ``path``'s own hierarchy instead, as KiCad 9 does, with a
    warning naming the sheets left out.
    """
    files: dict[str, SchematicFile] = {}
    warnings: list[str] = []
    missing: list[str] = []

    def get(p: str) -> SchematicFile:
        ap = os.path.abspath(p)
        if ap not in files:
            if sources is not None and ap in sources:
                files[ap] = read_schematic(parse(sources[ap], p), p)
            else:
                files[ap] = load_schematic(p, lean)
        return files[ap]

    on_disk = sources is None or os.path.abspath(path) not in sources
    project = read_project(path) if on_disk else None
    tops = joined_top_level_sheets(path, project) if project is not None and top_level_sheets else []
    first = get(path)
    if tops:
        root = replace(first, path=None, uuid="", lib_symbols={}, symbols=[], wires=[], buses=[],
                       bus_entries=[], junctions=[], no_connects=[], labels=[], sheets=[], bus_aliases={},
                       legacy_symbol_instances={}, legacy_sheet_instances={})
    else:
        root = first
    root_inst = SheetInstance((), "/", root, page=root.legacy_sheet_instances.get("/", "") or "1")
    instances = [root_inst]

    def walk(inst: SheetInstance, chain: tuple[str, ...]) -> None:
        if len(inst.uuid_path) >= max_depth:
            raise SchematicError("sheet hierarchy deeper than %d levels (recursive sheets?)" % max_depth,
                                 inst.file.path)
        base = os.path.dirname(inst.file.path or path)
        for sheet in inst.file.sheets:
            sub_path = os.path.join(base, sheet.file)
            ap = os.path.abspath(sub_path)
            if ap in chain:
                raise SchematicError(f"sheet '{sheet.name}' includes itself recursively ({sheet.file})",
                                     inst.file.path)
            if not os.path.exists(sub_path) and not (sources and ap in sources):
                warnings.append(f"{inst.file.path}: sheet '{sheet.name}' file not found: {sheet.file}")
                missing.append(sheet.file)
                continue
            child_file = get(sub_path)
            child = SheetInstance(inst.uuid_path + (sheet.uuid,),
                                  inst.name_path + unescape(sheet.name) + "/", child_file, sheet, inst)
            child.page = _page_of(root, child, bool(tops))
            inst.children.append(child)
            instances.append(child)
            walk(child, chain + (ap,))

    if tops:
        folder = os.path.dirname(os.path.abspath(project.path))
        for i, top in enumerate(tops):
            top_path = os.path.join(folder, top.file)
            if not os.path.exists(top_path):
                warnings.append(f"{project.path}: top-level sheet '{top.name}' file not found: {top.file}")
                missing.append(top.file)
                continue
            top_file = get(top_path)
            sheet = _top_level_symbol(top, top_file, i)
            root.sheets.append(sheet)
            inst = SheetInstance((sheet.uuid,), "/" + unescape(sheet.name) + "/", top_file, sheet, root_inst)
            root_inst.children.append(inst)
            instances.append(inst)
            walk(inst, (os.path.abspath(top_path),))
    else:
        walk(root_inst, (os.path.abspath(path),))
    if root.legacy_symbol_instances:
        _apply_legacy_instance_fields(root, root_inst)
    orphan = _annotated_elsewhere(root, _listed_uuids(path, project) if project is not None and not tops else ())
    if orphan:
        warnings.append(orphan)
    aliases: dict[str, list[str]] = {}
    variables: dict[str, str] = {}
    if project is not None:      # on disk: its project file
        aliases, variables = project.bus_aliases, project.text_variables
        warnings += project.warnings
        several = top_level_sheets_warning(path, project, bool(tops))
        if several:
            warnings.append(several)
        if variables:
            for f in files.values():
                for label in f.labels:
                    label.name = resolve_project_text(label.name, variables)
    design = Design(root, instances, files, warnings, aliases, variables, virtual_root=bool(tops),
                    missing_files=missing, annotated_elsewhere=bool(orphan))
    design.renumbered, unannotated = number_unannotated(instances, design.file_annotation, path)
    if unannotated:
        warnings.append(unannotated)
    twice, duplicated = number_duplicates(instances, design.file_annotation, design.renumbered, path)
    if duplicated:
        design.renumbered = {**design.renumbered, **twice}
        warnings.append(duplicated)
    return design


#: Size and spacing (mm, on KiCad's 1.27 mm grid) of the sheet symbols made up for the
#: top-level sheets of a project (:func:`_top_level_symbol`), drawn in a row.
_TOP_SHEET_W, _TOP_SHEET_H, _TOP_SHEET_STEP = 25.4, 12.7, 38.1


def _top_level_symbol(top: TopLevelSheet, file: SchematicFile, index: int) -> SheetSymbol:
    """The sheet symbol standing for top-level sheet ``top`` (the ``index``-th the project
    lists) on the project's virtual root: KiCad 10 draws none, so it is placed in a row at
    the top left; named as the project names it (else by its file's name), with the
    project's UUID for it (else the file's), which starts the instance paths in the file."""
    name = top.name or os.path.splitext(os.path.basename(top.file))[0]
    x = 25.4 + index * _TOP_SHEET_STEP
    return SheetSymbol(name, top.file, x, 25.4, _TOP_SHEET_W, _TOP_SHEET_H, top.uuid or file.uuid)


def kicad_sheet_list(root_inst: SheetInstance) -> list[SheetInstance]:
    """The sheet instances in the order of KiCad's sheet list (``SCH_SHEET_LIST``): depth
    first, the sheet symbols of each file taken by position (x, then y, then UUID), not in
    file order."""
    out: list[SheetInstance] = []

    def walk(inst: SheetInstance) -> None:
        out.append(inst)
        for c in sorted(inst.children, key=lambda c: (c.sheet_symbol.x, c.sheet_symbol.y, c.sheet_symbol.uuid)):
            walk(c)

    walk(root_inst)
    return out


def _apply_legacy_instance_fields(root: SchematicFile, root_inst: SheetInstance) -> None:
    """KiCad 6 files keep a value and footprint per instance in the root's
    ``(symbol_instances ...)``; KiCad 9 and 10 copy each non-empty one into the symbol's own
    field when they load the design, instance by instance in :func:`kicad_sheet_list`
    order, so a sheet used twice shows the value of its last instance in both (and a power
    symbol names its net by it).  Done here, in place, as KiCad does (fixtures
    k6_instance_values, k6_instance_values_order)."""
    legacy = root.legacy_symbol_instances
    for inst in kicad_sheet_list(root_inst):
        for sym in inst.file.symbols:
            si = legacy.get("/" + "/".join(inst.uuid_path + (sym.uuid,)))
            if si is None:
                continue
            if si.value:
                sym.properties["Value"] = si.value
            if si.footprint:
                sym.properties["Footprint"] = si.footprint


def _page_of(root: SchematicFile, inst: SheetInstance, virtual_root: bool = False) -> str:
    """The page number of sheet instance ``inst`` (KiCad's ``${#}``): its sheet symbol's
    ``(instances ...)`` entry for the parent's path (KiCad 7+; an entry recorded under
    another root UUID counts when the rest of the path agrees; under a
    :attr:`Design.virtual_root` paths start at the top-level sheet), else the root file's
    KiCad 6 ``sheet_instances`` row; "" when neither says."""
    sheet = inst.sheet_symbol
    parents = inst.uuid_path[:-1]
    if sheet is not None and sheet.instances:
        own = "/" + "/".join(parents if virtual_root else (root.uuid,) + parents)
        tail = "/".join(parents[1:] if virtual_root else parents)
        for si in sheet.instances:
            if si.path.rstrip("/") == own.rstrip("/"):
                return si.page
        for si in sheet.instances:
            if "/".join(si.path.strip("/").split("/")[1:]) == tail:
                return si.page
        if len(sheet.instances) == 1 and not parents:
            return sheet.instances[0].page
    return root.legacy_sheet_instances.get("/" + "/".join(inst.uuid_path), "") \
        or root.legacy_sheet_instances.get("/" + "/".join(inst.uuid_path) + "/", "")


def has_text_variable(text: str) -> bool:
    """Whether KiCad would show ``text`` otherwise than written: it holds a ``${VAR}`` or a
    KiCad 10 ``@{EXPRESSION}``."""
    return "${" in text or "@{" in text


def instance_text(design: "Design", inst: SheetInstance, text: str, kicad: int) -> str:
    """``text`` (an item's text on sheet instance ``inst``) as KiCad shows it there: the
    variables KiCad's sheets resolve -- ``${#}`` (the instance's page number), ``${##}``
    (the number of sheets), ``${SHEETNAME}``, ``${SHEETPATH}``, ``${FILENAME}``, the
    sheet's own fields, then those of the sheets above it, ``${TITLE}`` of the file's
    title block -- then the project file's text variables; with KiCad 10's rules
    (``kicad`` >= 10) also a symbol's field by reference (``${R1:VALUE}``: KiCad 9 shows it
    as written), and ``@{...}`` arithmetic afterwards.  Unknown variables stay as written.
    Measured in KiCad 9.0.8 and 10.0.7 (tests/fixtures/connectivity/sheet_var_*)."""
    if not has_text_variable(text):
        return text

    def lookup(token: str) -> str | None:
        if token == "#":
            return inst.page
        if token == "##":
            return str(len(design.instances) - design.virtual_root)    # the project is no page
        if token == "SHEETNAME":
            return unescape(inst.sheet_symbol.name) if inst.sheet_symbol is not None else ""
        if token == "SHEETPATH":
            return inst.name_path
        if token == "FILENAME":
            return os.path.basename(inst.file.path or "")
        if token == "TITLE":
            return inst.file.title
        level: SheetInstance | None = inst
        while level is not None and level.sheet_symbol is not None:
            if token in level.sheet_symbol.fields:
                return level.sheet_symbol.fields[token]
            level = level.parent
        if kicad >= 10 and ":" in token:
            return _cross_reference(design, token)
        return design.text_variables.get(token)

    out = resolve_text(text, lookup)
    return evaluate_expressions(out) if kicad >= 10 else out


def _cross_reference(design: "Design", token: str) -> str | None:
    """``REF:FIELD`` -> that field of the part annotated ``REF`` anywhere in the design
    (``VALUE``, ``FOOTPRINT``, ``REFERENCE``... or a field by name, as
    :func:`tokn.kicad.textvars.symbol_field` reads them); None when no part has that
    reference."""
    ref, _, name = token.partition(":")
    fields = design.fields_by_reference.get(ref)
    return None if fields is None else symbol_field(name, fields, ref)


def _listed_uuids(path: str, project: ProjectSettings) -> tuple[str, ...]:
    """The UUIDs ``project`` gives ``path`` as one of its top-level sheets: KiCad 10 records
    such a sheet's annotations under ``/<that uuid>``, not always the file's own (unseen
    jjungo/remote-hw: main.kicad_sch)."""
    if not project.path:
        return ()
    folder = os.path.dirname(os.path.abspath(project.path))
    me = os.path.normcase(os.path.abspath(path))
    return tuple(t.uuid for t in project.top_level_sheets
                 if t.uuid and os.path.normcase(os.path.abspath(os.path.join(folder, t.file))) == me)


def _annotated_elsewhere(root: SchematicFile, listed: tuple[str, ...] = ()) -> str | None:
    """A warning when ``root`` is a sub-sheet opened on its own: none of its placed symbols
    has an annotation recorded for this file as the root sheet (``(instances ...)`` paths
    start with another root's UUID; ``listed``: the UUIDs a KiCad 10 project gives this file
    as a top-level sheet, which count as its own).  KiCad 9 and 10 then still use the recorded references
    (``kicad-cli sch export netlist``, even where a part's Reference field says ``R?`` or
    another number: fixture ``orphan_sub_sheet``), but the sheet's nets are those of a
    top-level sheet, not the design's it was annotated in.  tokn uses the recorded
    references where a part has one; where it has several (a sheet used more than once)
    the first in the file, as KiCad does (fixture ``orphan_sub_sheet_reused``: recorded
    ``R41`` then ``R29``, KiCad netlists ``R41``).  ``None`` otherwise (and for files without
    per-symbol instances)."""
    annotated = [sym for sym in root.symbols if sym.instances]
    if not annotated or not root.uuid:
        return None
    owns = ["/" + u for u in (root.uuid, *listed)]
    if any(si.path == own or si.path.startswith(own + "/")
           for sym in annotated for si in sym.instances for own in owns):
        return None
    other = annotated[0].instances[0].path
    return (f"{root.path}: no part is annotated for this file as the top-level sheet (the "
            f"annotations are for the sheet path {other}): it looks like a sub-sheet opened on its "
            "own; tokn uses the recorded references where a part has one (KiCad 9 and 10 use "
            "these recorded references too), but its nets are this sheet's alone, not the "
            "design's (encode the project's top-level schematic instead)")
