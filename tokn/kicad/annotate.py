"""References for the parts a design leaves unannotated (``R?``, ``U?``).

KiCad writes a part it has not annotated with a reference ending in ``?``; its netlist then
lists every such part under the same name, so ``R?.1`` no longer says which resistor.  A
TOKN document names pins by reference, so each such part gets a number here, the way
KiCad's default annotation would give it: per prefix, the first number no annotated part
uses; parts in sheet order, then by X and then Y position; units of one multi-unit
symbol with the same value share a number until each unit is taken (``U1`` unit 1 and
``U1`` unit 2 rather than ``U1`` and ``U2``).  Power symbols and ``#`` references are not
parts and keep theirs.
"""
from __future__ import annotations

import re
from typing import Callable

from .schematic import PlacedSymbol, SymbolInstance
from .sheetgraph import lib_symbol_for

_NUMBERED = re.compile(r"(.*?)(\d+)")

#: (id(sheet instance), id(placed symbol)) -> the reference given to that unannotated part
Renumbering = dict[tuple[int, int], str]


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
    shared: dict[tuple[str, str, str], list[tuple[str, set[int]]]] = {}
    next_free: dict[str, int] = {}
    for prefix, _, _, _, inst, sym, unit, unit_count in pending:
        ref = None
        key = (prefix, sym.lib_id, sym.value)
        if unit_count > 1:
            for candidate, units in shared.get(key, ()):
                if unit not in units:
                    units.add(unit)
                    ref = candidate
                    break
        if ref is None:
            taken = used.setdefault(prefix, set())
            n = next_free.get(prefix, 1)
            while n in taken:
                n += 1
            taken.add(n)
            next_free[prefix] = n + 1
            ref = f"{prefix}{n}"
            if unit_count > 1:
                shared.setdefault(key, []).append((ref, {unit}))
        out[(id(inst), id(sym))] = ref
    names = sorted({f"{p[0]}?" for p in pending})
    given = sorted(set(out.values()), key=lambda r: (len(r), r))
    warning = (f"{root_path or 'design'}: {len(pending)} part(s) not annotated "
               f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}): this document "
               f"numbers them {', '.join(given[:3])}{', ...' if len(given) > 3 else ''} as KiCad's "
               "annotation would (first free number, by sheet and position); KiCad's own netlist "
               "cannot tell them apart — annotate the schematic in KiCad to choose the numbers")
    return out, warning
