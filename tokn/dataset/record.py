"""One design -> one dataset record (a JSON-able dict with a fixed set of keys).

Record fields (every record has all of them, with the same types, so that Hugging Face
``datasets`` infers one schema):

``id`` (stable, see :func:`tokn.dataset.plan.design_id`), ``repository``, ``commit``,
``path`` (in the repository), ``licence`` (SPDX expression or null), ``licence_confidence``,
``licence_source``, ``licence_category``, ``kicad_version`` (file format date),
``generator``, ``generator_version``, ``title``, ``sheet_names``, ``stats`` (``sheets``,
``sheet_files``, ``components``, ``units``, ``nets``, ``pins``, ``part_types``, ``bytes``),
``design_sha256`` (exact fingerprint), ``connectivity_hash`` (near-duplicate fingerprint),
``detail``, ``tokn``, ``tokens`` (cl100k of ``tokn``), ``source_tokens`` (cl100k of the
sheet files, or null unless asked), ``tokn_version``, ``warnings`` (the encoder's),
``missing_sheets`` (sheet files the hierarchy references that do not exist, as written: an
incomplete design, kept out of the dataset),
``valid`` and ``errors`` (the document against TOKN's format rules, as ``tokn validate
--no-libraries`` checks them: duplicate references, a reference of two types...; an invalid
record is kept out of the dataset), ``split`` (filled in when the dataset is assembled).
"""
from __future__ import annotations

import os

from ..encode import EncodeResult, encode_design
from .fingerprint import connectivity_hash
from .licence import category
from .plan import WorkItem

#: Record keys, in output order.
FIELDS = ("id", "repository", "commit", "path", "licence", "licence_confidence", "licence_source",
          "licence_category", "kicad_version", "generator", "generator_version", "title", "sheet_names",
          "stats", "design_sha256", "connectivity_hash", "detail", "tokn", "tokens", "source_tokens",
          "tokn_version", "warnings", "missing_sheets", "valid", "errors", "split")


def design_stats(result: EncodeResult, files: list[str]) -> dict:
    """Size figures of an encoded design (see the module docstring)."""
    doc = result.document
    refs = {c.ref for c in doc.components}
    return {
        "sheets": len(result.design.instances),
        "sheet_files": len(result.design.files),
        "components": len(refs),
        "units": len(doc.components),
        "nets": len(doc.nets),
        "pins": sum(len(n.pins) for n in doc.nets),
        "part_types": len({(c.lib, c.type) for c in doc.components}),
        "bytes": sum(os.path.getsize(p) for p in files),
    }


def encode_record(item: WorkItem, detail: str, source_tokens: bool) -> tuple[dict, EncodeResult]:
    """The record of ``item`` and the encoder's result (for instruction pairs).

    Raises what :func:`tokn.encode.encode_design` raises for a bad design.
    """
    from .. import __version__
    from ..doc.writer import write_tokn
    from ..tokens import count_tokens

    result = encode_design(item.root, detail)
    text = write_tokn(result.document)
    files = list(result.design.files) or [item.root]
    src_tok = None
    if source_tokens:
        src_tok = 0
        for p in files:
            with open(p, encoding="utf-8", newline="") as f:
                src_tok += count_tokens(f.read())
    from ..validate import validate
    errors = [str(f) for f in validate(result.document) if f.severity == "error"]
    root = result.design.root
    rec = {
        "id": item.id,
        "repository": item.repository,
        "commit": item.commit,
        "path": item.path,
        "licence": item.licence,
        "licence_confidence": float(item.licence_confidence),
        "licence_source": item.licence_source,
        "licence_category": category(item.licence),
        "kicad_version": int(root.version or 0),
        "generator": root.generator or "",
        "generator_version": root.generator_version or "",
        "title": result.document.title,
        "sheet_names": [s.name for s in result.document.sheets],
        "stats": design_stats(result, files),
        "design_sha256": item.digest,
        "connectivity_hash": connectivity_hash(result.document),
        "detail": detail,
        "tokn": text,
        "tokens": count_tokens(text),
        "source_tokens": src_tok,
        "tokn_version": __version__,
        "warnings": [str(w) for w in result.warnings],
        "missing_sheets": list(result.design.missing_files),
        "valid": not errors,
        "errors": errors,
        "split": "",
    }
    return rec, result
