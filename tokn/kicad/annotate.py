"""References for the parts a design leaves unannotated (``R?``, ``U?``).

KiCad writes a part it has not annotated with a reference ending in ``?``; its netlist then
lists every such part under the same name, so ``R?.1`` no longer says which resistor.  A
TOKN document names pins by reference, so each such part gets a number here, the way
KiCad's default annotation would give it: per prefix, the first number no annotated part
uses; parts in sheet order, then by X and then Y position; units of one multi-unit
symbol with the same value share a number until each unit is taken (``U1`` unit 1 and
``U1`` unit 2 rather than ``U1`` and ``U2``).  Power symbols and ``#`` references are not
parts and keep theirs.

A reference and unit that two parts carry (KiCad's "annotation errors") is the same problem: KiCad's netlist lists such a pin in every net it
touches, and a TOKN document, naming pins by reference, would join those nets (a crystal's
capacitor ``C7.1`` on ``XTAL1`` and another ``C7.1`` on ``+3.3V``).  The first part keeps the
reference; each later one gets the first free number of its prefix
(:func:`number_duplicates`), with a warning naming them.
"""
from __future__ import annotations

import re
from typing import Callable

from .schematic import PlacedSymbol, SymbolInstance
from .sheetgraph import lib_symbol_for

_NUMBERED = re.compile(r"(.*?)(\d+)")

#: (id(sheet instance), id(placed symbol)) -> the reference given to that unannotated part
Renumbering = dict[tuple[int, int], str]


class _Numbers:
    """Free reference numbers, given out as KiCad's annotation gives them: per prefix the
    first number not ``used``; the units of one multi-unit symbol (same ``key``) share a
    number until each unit is taken."""

    def __init__(self, used: dict[str, set[int]]) -> None:
        self.used = used
        self.next_free: dict[str, int] = {}
        self.shared: dict[tuple, list[tuple[str, set[int]]]] = {}

    def take(self, prefix: str, key: tuple, unit: int, unit_count: int) -> tuple[str, bool]:
        """(reference, whether it is a new number rather than another unit of one given)."""
        if unit_count > 1:
            for candidate, units in self.shared.get(key, ()):
                if unit not in units:
                    units.add(unit)
                    return candidate, False
        taken = self.used.setdefault(prefix, set())
        n = self.next_free.get(prefix, 1)
        while n in taken:
            n += 1
        taken.add(n)
        self.next_free[prefix] = n + 1
        if unit_count > 1:
            self.shared.setdefault(key, []).append((f"{prefix}{n}", {unit}))
        return f"{prefix}{n}", True


def _may_be_unannotated(instances: list) -> bool:
    """Whether some reference the files record ends in ``?`` (one look at each file, not
    at each use of it)."""
    files = {id(inst.file): inst.file for inst in instances}.values()
    for f in files:
        if any(si.reference.endswith("?") for si in f.legacy_symbol_instances.values()):
            return True
        for sym in f.symbols:
            if sym.reference_field.endswith("?") or any(si.reference.endswith("?") for si in sym.instances):
                return True
    return False


def number_unannotated(instances: list, annotation: Callable[[object, PlacedSymbol], SymbolInstance],
                       root_path: str | None) -> tuple[Renumbering, str | None]:
    """References for the unannotated parts of a design, and a warning naming them (None
    when every part is annotated).

    ``instances``: the design's sheet instances in hierarchy order; ``annotation(inst,
    sym)``: the reference and unit the file gives ``sym`` in ``inst``."""
    if not _may_be_unannotated(instances):
        return {}, None
    used: dict[str, set[int]] = {}
    pending = []
    for order, inst in enumerate(instances):
        for sym in inst.file.symbols:
            si = annotation(inst, sym)
            ref = si.reference
            if not ref or ref.startswith("#"):
                continue
            if not ref.endswith("?"):
                m = _NUMBERED.fullmatch(ref)
                if m:
                    used.setdefault(m.group(1), set()).add(int(m.group(2)))
                continue
            lib = lib_symbol_for(inst.file, sym)
            if lib is None or lib.is_power:
                continue
            pending.append((ref.rstrip("?"), order, sym.x, sym.y, inst, sym, si.unit, lib.unit_count))
    if not pending:
        return {}, None
    pending.sort(key=lambda p: p[:4])
    out: Renumbering = {}
    numbers = _Numbers(used)
    for prefix, _, _, _, inst, sym, unit, unit_count in pending:
        out[(id(inst), id(sym))] = numbers.take(prefix, (prefix, sym.lib_id, sym.value), unit, unit_count)[0]
    names = sorted({f"{p[0]}?" for p in pending})
    given = sorted(set(out.values()), key=lambda r: (len(r), r))
    warning = (f"{root_path or 'design'}: {len(pending)} part(s) not annotated "
               f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}): this document "
               f"numbers them {', '.join(given[:3])}{', ...' if len(given) > 3 else ''} as KiCad's "
               "annotation would (first free number, by sheet and position); KiCad's own netlist "
               "cannot tell them apart — annotate the schematic in KiCad to choose the numbers")
    return out, warning


def number_duplicates(instances: list, annotation: Callable[[object, PlacedSymbol], SymbolInstance],
                      renumbered: Renumbering, root_path: str | None) -> tuple[Renumbering, str | None]:
    """References for parts whose reference and unit an earlier part already carries, in
    hierarchy order, then file order; and a warning naming them (None when there are none).
    Units of one reference drawn with different library symbols are one part, as KiCad
    takes them (KiCad 5 conversions name a symbol per unit: ``74LS125_1``, ``74LS125_6``).
    ``renumbered``: the references :func:`number_unannotated` gave (taken into account,
    not changed)."""
    placed: set[tuple[str, int]] = set()
    duplicate = False
    for inst in instances:                    # the common case first: no reference twice
        for sym in inst.file.symbols:
            si = annotation(inst, sym)
            key = (renumbered.get((id(inst), id(sym))) or si.reference, si.unit)
            if key in placed and not key[0].startswith("#"):
                duplicate = True
                break
            placed.add(key)
        if duplicate:
            break
    if not duplicate:
        return {}, None
    used: dict[str, set[int]] = {}
    parts = []
    for inst in instances:
        for sym in inst.file.symbols:
            si = annotation(inst, sym)
            ref = renumbered.get((id(inst), id(sym))) or si.reference
            if not ref or ref.startswith("#") or ref.endswith("?"):
                continue
            lib = lib_symbol_for(inst.file, sym)
            if lib is None or lib.is_power:
                continue
            m = _NUMBERED.fullmatch(ref)
            if m:
                used.setdefault(m.group(1), set()).add(int(m.group(2)))
            unrecorded = inst.parent is not None and not si.path      # no reference saved for this instance
            parts.append((ref, inst, sym, si.unit, lib.unit_count, unrecorded))
    out: Renumbering = {}
    owner: dict[str, set[int]] = {}
    numbers = _Numbers(used)
    moved: list[str] = []
    unrecorded_sheets: list[str] = []
    for ref, inst, sym, unit, unit_count, unrecorded in parts:
        units = owner.setdefault(ref, set())
        if unit not in units:
            units.add(unit)                    # the part's first use of this unit
            continue
        m = _NUMBERED.fullmatch(ref)
        prefix = m.group(1) if m else ref
        new, fresh = numbers.take(prefix, (ref, sym.lib_id, sym.value), unit, unit_count)
        if fresh:
            moved.append(f"{ref} ({sym.value or sym.lib_id} at ({sym.x:g}, {sym.y:g}){_on(inst)}) as {new}")
            if unrecorded and inst.name_path not in unrecorded_sheets:
                unrecorded_sheets.append(inst.name_path)
        out[(id(inst), id(sym))] = new
    if not out:                                # only "#" or unannotated references repeat
        return {}, None
    refs = sorted({item.split(" ", 1)[0] for item in moved}, key=lambda r: (len(r), r))
    warning = (f"{root_path or 'design'}: reference(s) {', '.join(refs[:8])}{', ...' if len(refs) > 8 else ''} "
               "each carried by more than one part (KiCad reports annotation errors, and its netlist lists "
               "such a pin in every net it touches, joining them): the first part keeps the reference, this "
               f"document writes {'; '.join(moved[:5])}{'; ...' if len(moved) > 5 else ''} (the first free "
               "numbers) so that no nets are joined — annotate the schematic in KiCad to choose the numbers")
    if unrecorded_sheets:
        warning += (f"; the schematic saves no reference of these parts for sheet {', '.join(unrecorded_sheets[:4])}"
                    f"{', ...' if len(unrecorded_sheets) > 4 else ''}, so KiCad shows there the symbol's own "
                    "Reference field, which another placement of the sheet carries too")
    return out, warning


def _on(inst) -> str:
    """`` on /Power/`` for a part on a sub-sheet; "" on the root."""
    return f" on {inst.name_path}" if inst.parent is not None else ""
