"""Reading a TOKN document given on the command line (a path or ``-`` for stdin)."""
from __future__ import annotations

import sys

import click

from ..doc import parse_tokn
from ..doc.model import Document


def read_document(path: str) -> tuple[Document, str]:
    """Parse the TOKN file at ``path`` (``-`` = stdin); returns (document, display name).

    Raises ToknSyntaxError/ToknSemanticError (with line:col) for bad input, OSError for
    unreadable files.
    """
    if path == "-":
        return parse_tokn(sys.stdin.read(), "<stdin>"), "<stdin>"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return parse_tokn(text, path), path


def read_answer_document(path: str) -> tuple[Document, str, list]:
    """Read the file at ``path`` (``-`` = stdin) as an LLM answer with the tolerant reader
    (:func:`tokn.doc.lenient.read_answer`); returns (document, display name, ``fixed``
    findings).  Raises the reader's ToknSyntaxError/ToknSemanticError (line:col of the
    file) when the document cannot be read, OSError for unreadable files."""
    from ..doc.lenient import read_answer
    from ..validate import fix_findings
    if path == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        with open(path, encoding="utf-8", newline="") as f:
            text, name = f.read(), path
    reading = read_answer(text, name)
    if reading.error is not None:
        raise reading.error
    assert reading.document is not None
    return reading.document, name, fix_findings(reading.fixes)


def load_symbol_sources(paths: tuple[str, ...]) -> dict:
    """lib_id -> LibSymbol from schematics (their embedded caches, whole hierarchy)."""
    from ..decode import symbols_from_schematic
    from ..kicad.hierarchy import load_design

    out: dict = {}
    for p in paths:
        design = load_design(p)
        for f in design.files.values():
            for k, v in symbols_from_schematic(f).items():
                out.setdefault(k, v)
    return out


def symbol_index(use_libraries: bool, project_dir: str | None = None, kicad: int | None = None):
    """The installed-library index -- KiCad ``kicad``'s where both KiCads are installed (a
    document's ``kicad:``) --, or None when disabled or no library is installed."""
    if not use_libraries:
        return None
    from ..kicad.library import SymbolIndex
    idx = SymbolIndex.default(project_dir, kicad=kicad or None)
    if not idx.libraries:
        click.echo("tokn: warning: no KiCad symbol libraries found; parts will get generated symbols "
                   "(set KICAD9_SYMBOL_DIR)", err=True)
        return None
    return idx
