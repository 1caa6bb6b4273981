"""Instruction pairs for fine-tuning: a design request -> the TOKN answer ``tokn generate``
accepts.

For each encoded design, :func:`design_pairs` makes:

* one ``design`` pair for the whole design, when it fits;
* otherwise one ``sheet`` pair per sheet (the parts placed on it) and one ``ic`` pair per
  IC-centred neighbourhood (an IC -- reference ``U``/``IC`` -- and every part sharing a
  net with it, rails excepted), each when it fits.

*Fits* means: the completion is at most ``max_tokens`` cl100k tokens and matches the answer
grammar (:func:`tokn.generate.answer_grammar.answer_regex`: ``nets`` detail, its row limits
and reference prefixes).  Completions are the design (or the part of it) compacted as few-shot
examples are (:func:`tokn.generate.fewshot.compact_tokn`), so a model sees exactly the layout
the answer grammar admits.  Every pair kept passes :func:`tokn.validate.validate` against the
installed KiCad symbol libraries with no error both as ``tokn validate`` checks it (a type
that is no library symbol name is checked against its own pin table) and as ``tokn validate
--fuzzy`` does, which is how ``tokn generate`` checks an answer (such a type checked against
a plausible library part: LM358N as LM358); pairs that do not are dropped and counted by
reason.

Requests are built without any model, deterministically, from the title, the sheet names and
the parts (ICs by name, other parts by kind and count).
"""
from __future__ import annotations

import dataclasses
import functools
import re

from ..doc import model as m
from ..doc.naming import natural_key

#: A net with more pins than this is a rail: it does not pull parts into a neighbourhood.
RAIL_PINS = 8

_KIND = {"R": "resistor", "RN": "resistor network", "C": "capacitor", "L": "inductor", "FB": "ferrite bead",
         "D": "diode", "LED": "LED", "Q": "transistor", "J": "connector", "P": "connector", "CN": "connector",
         "SW": "switch", "S": "switch", "Y": "crystal", "X": "crystal", "F": "fuse", "TP": "test point",
         "JP": "jumper", "K": "relay", "T": "transformer", "BT": "battery", "BZ": "buzzer", "LS": "speaker",
         "MK": "microphone", "RV": "potentiometer", "VR": "potentiometer", "H": "mounting hole",
         "MH": "mounting hole", "FID": "fiducial", "TH": "thermistor", "A": "module", "M": "motor"}
_PREFIX = re.compile(r"^([A-Za-z]+)")
_IC_PREFIXES = ("U", "IC")


def _prefix(ref: str) -> str:
    mm = _PREFIX.match(ref)
    return mm.group(1).upper() if mm else ""


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    return word + ("es" if word.endswith(("s", "x", "ch")) else "s")


#: A reference prefix's kind that is a finer name for what the symbol says: kept (a ``TP``
#: in KiCad's Connector library is a test point, an ``FB`` of Device:FerriteBead a ferrite bead).
_REFINES = {"ferrite bead": "inductor", "test point": "connector", "thermistor": "resistor",
            "potentiometer": "resistor", "resistor network": "resistor", "mounting hole": "connector"}


def part_kind(c: m.Component, resolver=None) -> str:
    """What a (non-IC) part is, in words: by its symbol first, as
    :func:`tokn.generate.asked.kinds_of` reads it -- library nickname, symbol name,
    keywords and description, the first of :data:`~tokn.generate.asked.KINDS` it is; the
    symbol from the component's ``lib`` column, else from the installed libraries
    (``resolver``, a :class:`tokn.resolve.SymbolResolver`; documents leave ``lib`` out when
    names are unambiguous), else its name alone -- so that a connector referenced ``T1``
    is a connector, not a transformer; by its reference prefix when the symbol says nothing
    or the prefix names a finer kind (:data:`_REFINES`); else "other part"."""
    from ..generate.asked import KINDS, PartFacts, kinds_of
    by_prefix = _KIND.get(_prefix(c.ref))
    found: set[str]
    resolved = resolver.resolve(c) if resolver is not None else None
    if resolved is not None:
        sym = resolved.symbol
        found = kinds_of(PartFacts(c.ref, c.type, c.value, resolved.lib_id, sym.keywords, sym.description))
    elif c.lib:
        found = kinds_of(PartFacts(c.ref, c.type, c.value, f"{c.lib}:{c.type}"))
    else:                                  # the name alone: not the prefix (kinds_of would use it)
        found = {k.name for k in KINDS if k.names.search(c.type)
                 and not (k.unless is not None and k.unless.search(c.type))}
    by_symbol = next((k.name for k in KINDS if k.name in found and k.count == 1), None)
    if by_symbol is None or (by_prefix is not None and _REFINES.get(by_prefix) == by_symbol):
        return by_prefix or by_symbol or "other part"
    return by_symbol


def describe_parts(comps: list[m.Component], resolver=None) -> str:
    """``"U1 (LM358), 2 LM7805, 4 capacitors, 3 resistors"`` style summary, deterministic:
    ICs by value (or symbol name) with counts first, then other kinds (:func:`part_kind`,
    symbols looked up with ``resolver`` when given) by count."""
    ics: dict[str, int] = {}
    kinds: dict[str, int] = {}
    seen: set[str] = set()
    for c in sorted(comps, key=lambda c: natural_key(c.ref)):
        if c.ref in seen:
            continue
        seen.add(c.ref)
        p = _prefix(c.ref)
        if p in _IC_PREFIXES:
            name = c.value if c.value and c.value not in ("~", "") else c.type
            ics[name] = ics.get(name, 0) + 1
        else:
            k = part_kind(c, resolver)
            kinds[k] = kinds.get(k, 0) + 1
    parts = [f"{n} {name}" if n > 1 else name for name, n in sorted(ics.items(), key=lambda kv: (-kv[1], kv[0]))]
    parts += [f"{n} {_plural(k, n)}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ", ".join(parts)


def _request(kind: str, title: str, comps: list[m.Component], extra: str = "",
             sheets: list[str] | tuple[str, ...] = ()) -> str:
    n = len({c.ref for c in comps})
    what = f"{n} {_plural('part', n)}: {describe_parts(comps, _library()[1])}"
    if kind == "design":
        text = f'Design the circuit "{title}" with {what}.'
        if sheets:
            text += f" Its sheets: {', '.join(sheets)}."
    elif kind == "sheet":
        text = f'Design the "{extra}" sheet of "{title}" with {what}.'
    else:
        text = f'Design the circuit around {extra} from "{title}" with {what}.'
    return text


def sub_document(doc: m.Document, refs: set[str], title: str) -> m.Document:
    """The part of ``doc`` made of the parts ``refs``: their components and pin tables, and
    every net restricted to their pins (nets left with no pin are dropped).  Placement and
    drawing are not kept."""
    d = m.Document()
    d.title = title
    d.components = [dataclasses.replace(c, x=None, y=None, w=None, h=None, a=None, mirror="", sheet="")
                    for c in doc.components if c.ref in refs]
    d.pins = {r: list(v) for r, v in doc.pins.items() if r in refs}
    for net in doc.nets:
        pins = [p for p in net.pins if p.rsplit(".", 1)[0] in refs]
        if pins:
            d.nets.append(m.Net(net.name, pins))
    return d


@functools.lru_cache(maxsize=1)
def _library():
    """``(index, resolver, exact resolver)``: the installed KiCad symbol libraries, a
    resolver on them with substitutes (``tokn validate --fuzzy``, ``tokn generate``; what the
    requests name parts by) and one without (``tokn validate``), once per process;
    ``(None, None, None)`` when no library is installed."""
    from ..kicad.library import SymbolIndex
    from ..resolve import SymbolResolver
    idx = SymbolIndex.default(None)
    if not idx.libraries:
        return None, None, None
    return idx, SymbolResolver(idx), SymbolResolver(idx, fuzzy=False)


def check_completion(text: str, max_tokens: int) -> tuple[bool, str, int]:
    """``(ok, reason, tokens)`` for a completion: token limit, answer grammar, validation."""
    from ..doc import parse_tokn
    from ..generate.answer_grammar import answer_regex
    from ..tokens import count_tokens
    from ..validate import has_errors, validate

    n = count_tokens(text)
    if n > max_tokens:
        return False, "too-long", n
    if answer_regex().fullmatch(text) is None:
        return False, "answer-grammar", n
    try:
        parse_tokn(text)
    except Exception:                   # noqa: BLE001 - any reader error disqualifies the pair
        return False, "syntax", n
    idx, fuzzy, exact = _library()
    for resolver in (exact, fuzzy):
        if has_errors(validate(parse_tokn(text), idx, resolver=resolver)):
            return False, "invalid", n
    return True, "", n


def neighbourhood(doc: m.Document, ic: str) -> set[str]:
    """``ic`` and every part sharing a non-rail net (at most :data:`RAIL_PINS` pins) with it."""
    out = {ic}
    for net in doc.nets:
        refs = {p.rsplit(".", 1)[0] for p in net.pins}
        if ic in refs and len(net.pins) <= RAIL_PINS:
            out |= refs
    known = {c.ref for c in doc.components}
    return out & known


def pair_title(rec: dict) -> str:
    """The title requests use for design record ``rec``: its title (else its file name),
    whitespace collapsed."""
    return " ".join((rec.get("title") or rec["path"].rsplit("/", 1)[-1]).split())


def design_pairs(rec: dict, result, max_tokens: int, dropped: dict[str, int] | None = None) -> list[dict]:
    """Instruction pairs of one encoded design (``rec`` its record, ``result`` the
    encoder's :class:`tokn.encode.EncodeResult`); see the module docstring.  Candidates
    that do not fit are counted in ``dropped`` by reason (``too-long``, ``answer-grammar``,
    ``syntax``, ``invalid``) when it is given."""
    from ..generate.fewshot import compact_tokn

    doc: m.Document = result.document
    title = pair_title(rec)
    sheet_names = [s.name for s in doc.sheets]
    all_refs = {c.ref for c in doc.components}
    out: list[dict] = []
    seen: set[str] = set()

    def attempt(kind: str, key: str, refs: set[str], extra: str) -> tuple[bool, str]:
        sub = sub_document(doc, refs, title)
        text = compact_tokn(sub, title=title)
        if text in seen:
            return True, ""
        ok, reason, n = check_completion(text, max_tokens)
        if not ok:
            if dropped is not None:
                dropped[reason] = dropped.get(reason, 0) + 1
            return False, reason
        seen.add(text)
        comps = sub.components
        request = _request(kind, title, comps, extra, sheet_names if kind == "design" else ())
        out.append({
            "id": f"{rec['id']}:{kind}:{key}", "design_id": rec["id"], "kind": kind,
            "repository": rec["repository"], "commit": rec["commit"], "path": rec["path"],
            "licence": rec["licence"], "licence_category": rec["licence_category"],
            "request": request, "completion": text, "tokens": n,
            "messages": [{"role": "user", "content": request}, {"role": "assistant", "content": text}],
            "split": "",
        })
        return True, ""

    if not all_refs:
        return out
    ok, _ = attempt("design", "all", all_refs, "")
    if ok:
        return out
    by_sheet: dict[str, set[str]] = {}
    for c in doc.components:
        by_sheet.setdefault(c.sheet, set()).add(c.ref)
    names = {s.id: s.name for s in doc.sheets}
    for sid in sorted(by_sheet, key=natural_key):
        if len(by_sheet[sid]) < len(all_refs):
            attempt("sheet", sid or "root", by_sheet[sid], names.get(sid, "root"))
    types = {}
    for c in doc.components:
        types.setdefault(c.ref, c)
    for ref in sorted((r for r in all_refs if _prefix(r) in _IC_PREFIXES), key=natural_key):
        c = types[ref]
        label = c.value if c.value and c.value != c.type else c.type
        attempt("ic", ref, neighbourhood(doc, ref), f"{label} ({ref})")
    return out
