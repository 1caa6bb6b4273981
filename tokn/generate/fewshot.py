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
import warnings
from dataclasses import dataclass, field
from importlib import resources

from ..doc import parse_tokn, write_tokn
from ..doc.model import Document
from ..doc.reduce import compact_document
from ..doc.values import unquote
from ..errors import GenerationError, ToknError
from .jsonl import iter_jsonl

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


def compact_tokn(source: str | Document, *, keep_fp: bool = True, keep_lib: bool = False,
                 drop_unconnected: bool = True, drop_trivial_pins: bool = True,
                 flatten_names: bool = True, collapse_units: bool = True, title: str | None = None) -> str:
    """The compact TOKN text of ``source`` (a document, or TOKN text read by the strict
    parser): :func:`tokn.doc.reduce.compact_document` with these options, written in the
    writer's compact layout.  Raises :class:`~tokn.errors.ToknSyntaxError` for text the
    parser refuses."""
    doc = parse_tokn(source) if isinstance(source, str) else source
    small = compact_document(doc, keep_fp=keep_fp, keep_lib=keep_lib, drop_unconnected=drop_unconnected,
                             drop_trivial_pins=drop_trivial_pins, flatten_names=flatten_names,
                             collapse_units=collapse_units, title=title)
    return write_tokn(small, compact=True)


def title_of(text: str) -> str:
    """The ``title:`` scalar of a TOKN text ("" when there is none)."""
    m = _TITLE.search(text)
    if not m:
        return ""
    raw = m.group(1).strip()
    return unquote(raw) if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw


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

    Records without ``tokn`` are skipped; so are documents whose compact form is longer
    than ``max_chars`` (they would crowd out the request) and, with a warning naming the
    first record and its error, documents the strict parser refuses.  Raises
    :class:`GenerationError` when the file cannot be read or holds no usable record.
    """
    out: list[Example] = []
    unreadable: list[str] = []
    try:
        for n, rec in iter_jsonl(path):
            if not isinstance(rec, dict) or not isinstance(rec.get("tokn"), str):
                continue
            try:
                text = compact_tokn(rec["tokn"])
            except ToknError as e:
                unreadable.append(f"record {n}: {e}")
                continue
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
        why = f" ({len(unreadable)} unreadable, the first: {unreadable[0]})" if unreadable else ""
        raise GenerationError("no record with a readable 'tokn' field (make one with "
                              f"`tokn encode --format jsonl`){why}", path)
    if unreadable:
        warnings.warn(f"{path}: {len(unreadable)} record(s) skipped, TOKN unreadable; the first: "
                      f"{unreadable[0]}", stacklevel=2)
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
