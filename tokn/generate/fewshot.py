"""Few-shot examples: the bundled set and the user's own corpus.

Bundled examples live in ``tokn/data/fewshot/``: one ``<id>.tokn`` per example and
``index.json`` with, per example, ``id``, ``title``, ``request`` (a design request the
example answers, written for the prompt), ``tags``, ``source`` (repository, path, commit)
and ``licence``.  They are built by ``scripts/make_fewshot.py`` from permissively licensed
real designs and kept small: only components, pin tables and nets (:func:`compact_tokn`).

A user corpus is a JSONL file made by ``tokn encode --format jsonl``: one record per design
with a ``tokn`` field (optional ``title``, ``path``, ``prompt``/``description``,
``licence``).  Its documents are compacted the same way when loaded.
"""
from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources

from ..errors import GenerationError
from .jsonl import iter_jsonl

#: Tables an LLM-facing example keeps (plus the keyed ``pins{REF}`` tables).
KEEP_TABLES = ("components", "nets")
#: Component columns kept (placement, body style, mirroring, DNP and sheet are dropped).
KEEP_COMPONENT_COLUMNS = ("ref", "type", "value", "fp", "lib", "unit")
_KEEP_EXTENSIONS = ("lib", "unit")

_TABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\{(?:[^{}\"\n]|\"(?:[^\"\\]|\\.)*\")*\})?\[(\d+)\](\{([^}]*)\})?:(.*)$")
_TITLE = re.compile(r"^title: ?(.*)$", re.M)


@dataclass
class Example:
    """One few-shot example (``text`` is compact TOKN)."""
    id: str
    text: str
    title: str = ""
    request: str = ""
    tags: list[str] = field(default_factory=list)
    source: str = ""
    licence: str = ""
    origin: str = "bundled"          # "bundled" or the corpus file it came from

    def search_text(self) -> str:
        """What retrieval indexes: request, title, tags and the document itself."""
        return " ".join([self.request, self.title, " ".join(self.tags), self.text])


def _split_row(body: str) -> list[str]:
    """Fields of a TOON row, quotes kept as written (so they can be re-joined verbatim)."""
    out: list[str] = []
    i, n = 0, len(body)
    while True:
        if i < n and body[i] == '"':
            j = i + 1
            while j < n and body[j] != '"':
                j += 2 if body[j] == "\\" else 1
            j = min(j + 1, n)
            while j < n and body[j] != ",":     # tolerate junk after a closing quote
                j += 1
        else:
            j = body.find(",", i)
            if j < 0:
                j = n
        out.append(body[i:j])
        if j >= n:
            return out
        i = j + 1


def _unquote(field: str) -> str:
    if len(field) >= 2 and field[0] == '"' and field[-1] == '"':
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), field[1:-1])
    return field


_AUTO_NET = re.compile(r"^N\d+$")


def _named_pin_rows(rows: list[str]) -> list[str]:
    """The rows of a pins table that name their pin (not ``1,~``, ``1,Pin_1``, ``1,1``, ``1,``)."""
    out = []
    for r in rows:
        f = _split_row(r)
        num, name = _unquote(f[0]), _unquote(f[1]) if len(f) > 1 else ""
        if name not in ("", "~", num, f"Pin_{num}", f"P{num}", f"Pin{num}"):
            out.append(r)
    return out


def _compact_nets(rows: list[str], drop_unconnected: bool, flatten_names: bool) -> list[str]:
    nets = []
    for r in rows:
        f = _split_row(r)
        name, pins = _unquote(f[0]), _unquote(f[1]) if len(f) > 1 else ""
        n_pins = len([p for p in pins.split(",") if p.strip()])
        if drop_unconnected and _AUTO_NET.match(name) and n_pins <= 1:
            continue                       # an unconnected pin: nothing for an LLM to learn
        nets.append([name, f[1] if len(f) > 1 else ""])
    names = {n for n, _ in nets}
    k = 0
    for net in nets:
        if _AUTO_NET.match(net[0]):
            k += 1
            net[0] = f"N{k}"
        elif flatten_names and net[0].startswith("/") and "/" not in net[0][1:] \
                and net[0][1:] and net[0][1:] not in names and not _AUTO_NET.match(net[0][1:]):
            net[0] = net[0][1:]            # a root-sheet local name: "/SDA" -> "SDA"
    return [",".join([_quote_field(n), p]) for n, p in nets]


def _quote_field(s: str) -> str:
    if re.search(r'[,"\\\n\r]|^\s|\s$', s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return s


def compact_tokn(text: str, keep_fp: bool = True, keep_lib: bool = False, drop_unconnected: bool = True,
                 drop_trivial_pins: bool = True, flatten_names: bool = True, collapse_units: bool = True,
                 title: str | None = None) -> str:
    """``text`` reduced to what an LLM should write.

    Kept: the header, the title (``title`` replaces it), components with reference, type,
    value, footprint (unless ``keep_fp`` is false), ``lib`` (only with ``keep_lib``) and
    ``unit`` (``collapse_units`` keeps one row per multi-unit part instead, as LLM answers
    are asked to write them); ``pins{REF}`` tables, without rows that name no pin
    (``drop_trivial_pins``: ``1,~``, ``1,Pin_1``; a table left empty is dropped); nets.  Nets of one unconnected pin (auto-named ``N…``) are dropped and the
    remaining auto names renumbered (``drop_unconnected``); root-sheet local names lose
    their ``/`` when that makes no clash (``flatten_names``).  Everything else (placement,
    wires, labels, power symbols, junctions, sheets, buses, fields) is dropped.  Works on
    the text of any TOKN v1/v1.2 document; needs no parser.
    """
    keep_cols = [c for c in KEEP_COMPONENT_COLUMNS
                 if (keep_fp or c != "fp") and (keep_lib or c != "lib")]
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = ["# TOKN v1"]
    title_line = f"title: {' '.join(title.split())}" if title else None
    used_ext: set[str] = set()
    i = 0
    while i < len(lines):
        ln = lines[i]
        i += 1
        if not ln.strip() or ln.startswith("#") or ln.startswith("  "):
            continue              # header, comments, blank lines, rows of a dropped table
        m = _TABLE.match(ln)
        if m is None:
            if ln.startswith("title:") and title_line is None:
                title_line = ln
            continue
        name, key, cols = m.group(1), m.group(2), m.group(5)
        rows = []
        while i < len(lines) and lines[i].startswith("  "):
            rows.append(lines[i][2:])
            i += 1
        if key is not None and name == "pins":
            if drop_trivial_pins:
                named = _named_pin_rows(rows)
                if named:
                    head = re.sub(r"\[\d+\]", f"[{len(named)}]", ln[len("pins") + len(key):], count=1)
                    out += ["", "pins" + key + head] + ["  " + r for r in named]
            else:
                out += ["", ln] + ["  " + r for r in rows]
        elif name == "components" and cols is not None:
            names = cols.split(",")
            kept = [c for c in keep_cols if c in names]
            grid = []
            seen_refs: set[str] = set()
            for r in rows:
                f = _split_row(r)
                if collapse_units and f[0] in seen_refs:
                    continue              # one row per part: the decoder places the units used
                seen_refs.add(f[0])
                grid.append([f[names.index(c)] if names.index(c) < len(f) else "" for c in kept])
            if collapse_units and "unit" in kept:
                k = kept.index("unit")
                kept.pop(k)
                grid = [row[:k] + row[k + 1:] for row in grid]
            for ext, default in (("lib", ""), ("unit", "1")):
                if ext in kept:
                    k = kept.index(ext)
                    if all(row[k] in ("", default) for row in grid):   # only defaults: drop it
                        kept.pop(k)
                        grid = [row[:k] + row[k + 1:] for row in grid]
                    else:
                        used_ext.add(ext)
            out += ["", f"components[{len(grid)}]{{{','.join(kept)}}}:"] + ["  " + ",".join(row) for row in grid]
        elif name == "nets":
            nets = _compact_nets(rows, drop_unconnected, flatten_names)
            out += ["", f"nets[{len(nets)}]{{name,pins}}:"] + ["  " + r for r in nets]
    head = ["# TOKN v1"] + ([title_line] if title_line else [])
    if used_ext:
        exts = [e for e in _KEEP_EXTENSIONS if e in used_ext]
        head.append(f"extensions[{len(exts)}]: {','.join(exts)}")
    return "\n".join(head + out[1:]) + "\n"


def title_of(text: str) -> str:
    """The ``title:`` scalar of a TOKN text ("" when there is none)."""
    m = _TITLE.search(text)
    return _unquote(m.group(1).strip()) if m else ""


@functools.lru_cache(maxsize=1)
def bundled_examples() -> tuple[Example, ...]:
    """The examples shipped in ``tokn/data/fewshot`` (read once per process)."""
    base = resources.files("tokn").joinpath("data", "fewshot")
    try:
        index = json.loads(base.joinpath("index.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError):
        return ()
    out = []
    for meta in index["examples"]:
        text = base.joinpath(f"{meta['id']}.tokn").read_text(encoding="utf-8")
        out.append(Example(id=meta["id"], text=text, title=meta.get("title", "") or title_of(text),
                           request=meta.get("request", ""), tags=list(meta.get("tags", [])),
                           source=meta.get("source", ""), licence=meta.get("licence", "")))
    return tuple(out)


def load_corpus(path: str, max_chars: int = 12000) -> list[Example]:
    """Examples from a JSONL corpus (records with a ``tokn`` field), compacted.

    Records without ``tokn`` are skipped; documents whose compact form is longer than
    ``max_chars`` are skipped (they would crowd out the request).  Raises
    :class:`GenerationError` when the file cannot be read or holds no usable record.
    """
    out: list[Example] = []
    try:
        for n, rec in iter_jsonl(path):
            if not isinstance(rec, dict) or not isinstance(rec.get("tokn"), str):
                continue
            text = compact_tokn(rec["tokn"])
            if len(text) > max_chars:
                continue
            ident = str(rec.get("id") or rec.get("path") or f"{os.path.basename(path)}:{n}")
            out.append(Example(
                id=ident, text=text, title=str(rec.get("title") or title_of(text)),
                request=str(rec.get("prompt") or rec.get("description") or ""),
                tags=[str(t) for t in rec.get("tags", [])] if isinstance(rec.get("tags"), list) else [],
                source=str(rec.get("source") or rec.get("path") or ""),
                licence=str(rec.get("licence") or rec.get("license") or ""), origin=path))
    except OSError as e:
        raise GenerationError(f"cannot read the corpus: {e.strerror or e}", path) from None
    if not out:
        raise GenerationError("no record with a 'tokn' field (make one with `tokn encode --format jsonl`)", path)
    return out


def all_examples(corpora: list[str] | tuple[str, ...] = (), use_bundled: bool = True) -> list[Example]:
    """Bundled examples (when ``use_bundled``) followed by those of each corpus file."""
    out = list(bundled_examples()) if use_bundled else []
    for p in corpora:
        out += _corpus_cached(os.path.realpath(p), _mtime(p))
    return out


def _mtime(p: str) -> float:
    try:
        return os.stat(p).st_mtime
    except OSError:
        return 0.0


@functools.lru_cache(maxsize=8)
def _corpus_cached(path: str, mtime: float) -> tuple[Example, ...]:
    return tuple(load_corpus(path))
