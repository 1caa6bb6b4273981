"""Document transforms that keep less: the encoder's detail levels and the compact form.

* :func:`reduce_detail` -- what ``tokn encode --detail v1|nets`` drops (in place).
* :func:`compact_document` -- the form an LLM reads and writes: components (reference, type,
  value, footprint), the pin tables that name pins, and nets; used for few-shot examples,
  user corpora and instruction pairs.  Written with ``write_tokn(doc, compact=True)``.

Both work on :class:`~tokn.doc.model.Document` only; text goes through the one parser and
the one writer.
"""
from __future__ import annotations

import re
from dataclasses import replace

from . import model as m

__all__ = ["reduce_detail", "compact_document", "TRIVIAL_PIN_NAMES", "is_trivial_pin_name"]

_AUTO_NET = re.compile(r"^N\d+$")


def reduce_detail(doc: m.Document, detail: str) -> None:
    """Drop the drawing tables ``detail`` does not keep (in place).

    ``full`` keeps everything; ``v1`` keeps components (with placement), pins, nets, wires
    and sheets (without page numbers); ``nets`` keeps components, pins, nets and sheets,
    without any geometry.  Both keep the no-connect rows that name a pin, without their
    position (the encoder names the pins its markers flag).
    """
    if detail == "full":
        return
    doc.fields = []
    for s in doc.sheets:
        s.page = ""                 # page numbers only matter to the text a drawing shows
    doc.noconnects = [m.NoConnect(pin=n.pin) for n in doc.noconnects if n.pin]
    doc.labels, doc.power, doc.junctions = [], [], []
    doc.buses, doc.busentries, doc.busaliases, doc.sheetpins, doc.sheetfields = [], [], [], [], []
    doc.directives, doc.ruleareas = [], []
    if detail == "nets":
        doc.wires = []
        for s in doc.sheets:
            s.x = s.y = s.w = s.h = None
        for c in doc.components:
            c.x = c.y = c.w = c.h = c.a = None
            c.mirror = ""


#: Pin names that say nothing beyond the number (``{n}`` is the pin number).
TRIVIAL_PIN_NAMES = ("", "~", "{n}", "Pin_{n}", "P{n}", "Pin{n}")


def is_trivial_pin_name(number: str, name: str) -> bool:
    """Whether ``name`` says nothing about pin ``number`` (``~``, ``Pin_1``, ``1``, empty)."""
    return name in {t.format(n=number) for t in TRIVIAL_PIN_NAMES}


def _compact_component(c: m.Component, keep_fp: bool, keep_lib: bool, keep_unit: bool) -> m.Component:
    return m.Component(ref=c.ref, type=c.type, value=c.value, fp=c.fp if keep_fp else "",
                       lib=c.lib if keep_lib else "", unit=c.unit if keep_unit else 1)


def _compact_nets(nets: list[m.Net], drop_unconnected: bool, flatten_names: bool) -> list[m.Net]:
    """Nets without single-pin auto nets (``drop_unconnected``), auto names renumbered
    ``N1..`` in order, and root-sheet local names without their ``/`` where that makes no
    clash (``flatten_names``)."""
    kept = [m.Net(n.name, list(n.pins)) for n in nets
            if not (drop_unconnected and _AUTO_NET.match(n.name)
                    and len([p for p in n.pins if p.strip()]) <= 1)]
    names = {n.name for n in kept}
    k = 0
    for net in kept:
        bare = net.name[1:]
        if _AUTO_NET.match(net.name):
            k += 1
            net.name = f"N{k}"
        elif flatten_names and net.name.startswith("/") and bare and "/" not in bare \
                and bare not in names and not _AUTO_NET.match(bare):
            net.name = bare
    return kept


def compact_document(doc: m.Document, *, keep_fp: bool = True, keep_lib: bool = False,
                     drop_unconnected: bool = True, drop_trivial_pins: bool = True,
                     flatten_names: bool = True, collapse_units: bool = True,
                     title: str | None = None) -> m.Document:
    """A new document with only what an LLM should write (``doc`` is not changed).

    Kept: the title (``title`` replaces it, whitespace collapsed); components with
    reference, type, value, footprint (unless ``keep_fp`` is false), library nickname (only
    with ``keep_lib``) and unit (``collapse_units`` keeps one row per part instead, as LLM
    answers are asked to write them: the decoder places the units the nets use); pin tables
    without rows that name no pin (``drop_trivial_pins``, see :func:`is_trivial_pin_name`;
    a table left empty is dropped); nets, where single-pin auto-named nets are dropped and
    the remaining auto names renumbered (``drop_unconnected``) and root-sheet local names
    lose their ``/`` when that makes no clash (``flatten_names``).  Everything else
    (placement, wires, labels, power symbols, junctions, sheets, buses, fields, carried
    symbols, unknown scalars) is dropped.
    """
    out = m.Document(title=" ".join(title.split()) if title else doc.title)
    seen: set[str] = set()
    for c in doc.components:
        if collapse_units and c.ref in seen:
            continue
        seen.add(c.ref)
        out.components.append(_compact_component(c, keep_fp, keep_lib, keep_unit=not collapse_units))
    for ref, pins in doc.pins.items():
        rows = [replace(p) for p in pins
                if not (drop_trivial_pins and is_trivial_pin_name(p.number, p.name))]
        if rows:
            out.pins[ref] = rows
    out.nets = _compact_nets(doc.nets, drop_unconnected, flatten_names)
    return out
