"""A repair answer that gives only part of the document, merged with the document it corrects.

Asked to fix a few problems, capable hosted models (GPT-4o/4.1, Claude, Gemini, DeepSeek,
Qwen, Llama) often answer with only what they changed instead of the whole document:

* **only some tables** -- ``nets[3]{name,pins}:`` and its rows without the components, the
  components without the nets, or one corrected ``pins{U1}`` table.  The tables given
  replace the previous document's tables of the same kind (the nets table all nets, a
  ``pins{REF}`` table that part's table); the rest is the previous document's
  (:func:`merge_tables`, fix ``partial-tables``);
* **only changed rows** -- ``Change `GND,"U1.4,C1.2"` to `GND,"U1.2,C1.2"```, a unified-diff
  style patch (``-`` and ``+`` lines, in a ``diff`` fence or not), or bare corrected rows
  (``GND,"U1.2,C1.2"`` with no table header).  Each edit is applied to the text the model
  was shown as its previous answer: a replaced or removed row must be in it exactly once
  (compared without spaces and backticks); a bare row replaces the one row of that table
  whose first field (net name, reference) is the same, or is added to the nets table when
  it is a net row no row has (:func:`find_edits`, :func:`apply_edits`, fix ``partial-rows``).

The merged document is then checked as a whole answer, so a merge can never make an answer
pass that the whole document would not.  When the edits cannot be applied unambiguously (a
row not in the previous answer, or in it twice), nothing is guessed: the answer is the
error ``partial-answer``, which names the row and asks for the complete document.

Only a repair round has a previous document (:class:`Base`); the first answer is read as it
is.  Plain data in, plain data out: no library, no LLM.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Optional

__all__ = ["Base", "Edit", "merge_tables", "is_partial", "headed_pin_tables", "find_edits", "apply_edits",
           "PartialError"]


@dataclass(frozen=True)
class Base:
    """The document a repair round corrects: the ``round`` whose answer the model was shown,
    its ``document`` (as checked) and ``text``, the answer exactly as shown to the model."""
    round: int
    document: Any
    text: str


@dataclass(frozen=True)
class Edit:
    """One row edit: ``old`` (the row replaced; None for a bare row, matched by its first
    field) and ``new`` (the rows written in its place; empty: removed)."""
    old: Optional[str]
    new: tuple[str, ...]


class PartialError(ValueError):
    """Edits that cannot be applied unambiguously; the message says which row and why."""


# ---- tables ------------------------------------------------------------------------------------

def is_partial(doc: Any) -> bool:
    """Whether ``doc`` gives some tables of a circuit but not both components and nets."""
    return bool(doc.components or doc.nets or doc.pins) and not (doc.components and doc.nets)


def merge_tables(doc: Any, base: Any) -> tuple[Any, str]:
    """``doc`` (a partial document, :func:`is_partial`) completed from ``base``, and what
    was taken from where, in words (to be followed by where ``base`` is from).  Tables
    ``doc`` gives replace ``base``'s: its nets all nets, its components all components, each
    ``pins{REF}`` table that part's; ``base``'s pin tables of parts ``doc``'s components
    drop are dropped."""
    gave, took = [], []
    tables = {}
    for name in ("components", "nets"):          # a table the answer gives replaces base's
        (gave if getattr(doc, name) else took).append(name)
        tables[name] = list(getattr(doc, name) or getattr(base, name))
    components = tables["components"]
    refs = {c.ref for c in components}
    pins = {r: rows for r, rows in base.pins.items() if r in refs and r not in doc.pins}
    kept = sorted(pins)
    pins.update(doc.pins)
    gave += [f"pins{{{r}}}" for r in doc.pins]
    took += [f"pins{{{r}}}" for r in kept]
    merged = replace(doc, title=doc.title or base.title, pins=pins, **tables)
    return merged, f"the answer gives only {_words(gave)}; {_words(took)} are those of"


_PINS_HEADER = re.compile(r"^[ \t*#]*pins\{[^}\n]+\}\s*\[\d*\]", re.M | re.I)


def headed_pin_tables(text: str) -> Optional[str]:
    """An answer of ``pins{REF}`` tables only, which the tolerant reader does not take for a
    document (it starts one at ``# TOKN v1``, a components or a nets table), with the line
    ``# TOKN v1`` put before the first of them; None when it has no pin table."""
    m = _PINS_HEADER.search(text)
    if m is None:
        return None
    return text[:m.start()] + "# TOKN v1\n" + text[m.start():]


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---- rows --------------------------------------------------------------------------------------

#: A table row as models write one: a first field, then fields after commas, each a quoted
#: string or a word (``GND,"U1.2,C1.2"``, ``U1, LM7805_TO220, LM7805,``).  Prose ("Note, that
#: the...") has words with spaces between them after its comma.  The blanks after a comma
#: go with the field that follows, or else with the next comma: never split two ways
#: (blanks that two loop iterations could share make a long failing line exponential).
_ROW = re.compile(r"""^\s*[^\s,`'"#:][^\s,`]*(?:\s*,(?:\s*(?:"[^"\n]*"|[^\s,"`]+))?)+\s*$""")
_NET_ROW = re.compile(r"""^\s*[^\s,]+,\s*"?[A-Za-z]+\d+[A-Za-z]?\.\w""")
_HEADER = re.compile(r"^\s*(?:#\s*TOKN|[A-Za-z_]+(?:\{[^}]*\})?\[\d*\]\{)")
_CHANGE = re.compile(r"(?:change|replace|update|correct)\s+(?:the\s+row\s+|row\s+)?`([^`\n]+)`\s*(?:,\s*)?"
                     r"(?:to|with|by|into|->|→)\s+`([^`\n]+)`", re.I)
_ARROW = re.compile(r"`([^`\n]+)`\s*(?:->|→|=>)\s*`([^`\n]+)`")
_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")


def find_edits(text: str) -> list[Edit]:
    """The row edits an answer without a document gives (see the module doc); [] when it
    gives none (a refusal, a question, prose)."""
    pairs = [(m.group(1), m.group(2)) for m in _CHANGE.finditer(text)]
    if not pairs:
        pairs = [(m.group(1), m.group(2)) for m in _ARROW.finditer(text)]
    pairs = [(a, b) for a, b in pairs if _ROW.match(a) and _ROW.match(b)]
    if pairs:
        return [Edit(a.strip(), (b.strip(),)) for a, b in pairs]
    lines = re.split(r"\r\n|\r|\n", text)
    diff = _diff_edits(lines)
    if diff:
        return diff
    return _bare_rows(lines)


def _diff_edits(lines: list[str]) -> list[Edit]:
    """Hunks of ``-``/``+`` lines (``---``/``+++`` file lines and ``@@`` markers skipped): each
    run of removed rows is replaced by the added rows after it; added rows with nothing
    removed before them are bare rows."""
    in_diff = any((m := _FENCE.match(ln)) and m.group(2).lower() in ("diff", "patch") for ln in lines) \
        or any(ln.startswith("@@") for ln in lines)
    # outside a diff fence, a patch line is a sign, then the row's indentation: "+5V,..." is a row
    sign = re.compile(r"^[+-]" if in_diff else r"^[+-]\s")
    marked = [ln for ln in lines if sign.match(ln) and not ln.startswith(("---", "+++"))]
    if not marked or not any(ln.startswith("-") for ln in marked):
        return []
    if not in_diff and not all(_ROW.match(ln[1:]) for ln in marked):
        return []                                # markdown bullets, not a patch
    edits: list[Edit] = []
    old: list[str] = []
    new: list[str] = []

    def flush() -> None:
        if old:
            edits.append(Edit(old[0], tuple(new)))
            edits.extend(Edit(o, ()) for o in old[1:])
        else:
            edits.extend(Edit(None, (n,)) for n in new)
        old.clear()
        new.clear()

    def row(text: str) -> bool:                  # in a diff fence any line is a row, else it must look like one
        return bool(text.strip()) and (in_diff or bool(_ROW.match(text)) and text[:1].isspace())

    for ln in lines:
        if ln.startswith(("---", "+++")):
            continue
        if ln.startswith("-") and row(ln[1:]):
            if new:
                flush()
            old.append(ln[1:].strip())
        elif ln.startswith("+") and row(ln[1:]):
            new.append(ln[1:].strip())
        else:
            flush()
    flush()
    return edits


def _bare_rows(lines: list[str]) -> list[Edit]:
    """Rows written without a table header (in a fence, or as the answer's own lines)."""
    if any(_HEADER.match(ln) for ln in lines):
        return []
    return [Edit(None, (ln.strip().strip("`"),)) for ln in lines if _ROW.match(ln.strip().strip("`"))]


def _norm(row: str) -> str:
    return re.sub(r"[\s`]", "", row).rstrip(",")


def _key(row: str) -> str:
    return _norm(row).split(",", 1)[0].strip('"')


def apply_edits(base_text: str, edits: list[Edit]) -> str:
    """``base_text`` with ``edits`` made, row by row (indentation kept); raises
    :class:`PartialError` naming the first edit that cannot be applied unambiguously."""
    lines = re.split(r"\r\n|\r|\n", base_text)
    tables = _table_of_lines(lines)
    for e in edits:
        indent = "  "
        if e.old is not None:
            at = [i for i, ln in enumerate(lines) if _norm(ln) == _norm(e.old)]
            if len(at) != 1:
                raise PartialError(f"`{e.old}` is {'not a row' if not at else 'a row twice'} of your previous answer")
        else:
            new = e.new[0]
            at = [i for i, ln in enumerate(lines) if tables[i] and _ROW.match(ln) and _key(ln) == _key(new)]
            if len(at) > 1:
                raise PartialError(f"`{new}`: several rows of your previous answer start with {_key(new)!r}")
            if not at:                           # a new net: after the last net row
                nets = [i for i, ln in enumerate(lines) if tables[i] == "nets" and _ROW.match(ln)]
                if not _NET_ROW.match(new) or not nets:
                    raise PartialError(f"`{new}` matches no row of your previous answer")
                i = nets[-1] + 1
                lines.insert(i, _indent(lines[nets[-1]]) + new)
                tables.insert(i, "nets")
                continue
        i = at[0]
        indent = _indent(lines[i]) or indent
        lines[i:i + 1] = [indent + n for n in e.new]
        tables[i:i + 1] = [tables[i]] * len(e.new)
    return "\n".join(lines)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _table_of_lines(lines: list[str]) -> list[str]:
    """For each line, the kind of table whose rows it is under (``components``, ``pins``,
    ``nets``...), or "" outside tables."""
    out, cur = [], ""
    for ln in lines:
        m = re.match(r"^\s*\**\s*([A-Za-z_]+)\s*(?:\{[^}]*\})?\s*\[\d*\]", ln)
        if m:
            cur = m.group(1).lower()
            out.append("")
        else:
            out.append(cur)
    return out
