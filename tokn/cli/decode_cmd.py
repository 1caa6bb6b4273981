"""``tokn decode``: TOKN document -> KiCad 9 schematic (plus optional SVG/PNG preview)."""
from __future__ import annotations

import os
import sys

import click

from .docinput import load_symbol_sources, read_document, symbol_index


@click.command("decode")
@click.argument("document", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Schematic to write (sub-sheets and a .kicad_pro go beside it); a folder "
                   "(existing, or ending in /) holds it, named after DOCUMENT.")
@click.option("--symbols-from", "symbols_from", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Take symbols from this schematic's embedded cache first (exact round trips of "
                   "designs with private libraries). Repeatable.")
@click.option("--layout", type=click.Choice(["auto", "drawn", "grid"]), default="auto", show_default=True,
              help="auto: keep the document's drawing when it gives its nets, else lay out on a grid.")
@click.option("--flat", is_flag=True, help="Put a hierarchical design on one sheet (nets keep their names "
                                          "without the sheet path).")
@click.option("--no-libraries", is_flag=True, help="Do not look symbols up in the installed KiCad libraries.")
@click.option("--project", type=click.Path(exists=True),
              help="KiCad project (folder, .kicad_pro or .kicad_sch) whose sym-lib-table to read too "
                   "[default: the output's folder].")
@click.option("--fuzzy", is_flag=True, help="Read a type that is no symbol name as a plausible library part "
                                           "(TL072CP as TL072), for hand- or model-written documents.")
@click.option("--svg", "svg_dir", type=click.Path(file_okay=False), help="Also export SVG previews here (kicad-cli).")
@click.option("--png", "png_path", type=click.Path(dir_okay=False), help="Also write a PNG preview of the root sheet.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def decode(document: str, output: str, symbols_from: tuple[str, ...], layout: str, flat: bool,
           no_libraries: bool, project: str | None, fuzzy: bool, svg_dir: str | None, png_path: str | None,
           quiet: bool) -> None:
    """Decode DOCUMENT (a .tokn file, - for stdin) into a KiCad 9 schematic."""
    from ..decode import decode as do_decode
    from ..decode.flatten import flatten
    from .common import error_line

    output = schematic_path(output, document)
    try:
        doc, name = read_document(document)
    except Exception as e:  # noqa: BLE001 - reported as one line
        click.echo(error_line(e, document), err=True)
        sys.exit(1)
    if flat:
        doc = flatten(doc)
    index = symbol_index(not no_libraries, project or os.path.dirname(os.path.abspath(output)), doc.kicad)
    symbols = load_symbol_sources(symbols_from) if symbols_from else None
    project_name = os.path.splitext(os.path.basename(output))[0]
    try:
        decoded = do_decode(doc, index, symbols=symbols, project=project_name, layout=layout, fuzzy=fuzzy)
    except Exception as e:  # noqa: BLE001
        click.echo(_first_error(doc, name, index, symbols, fuzzy) or error_line(e, name), err=True)
        sys.exit(1)
    try:
        decoded.write(output)
    except OSError as e:                    # a folder that cannot be made, a full disk...
        click.echo(error_line(e, output), err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"tokn: {name} -> {output} ({decoded.mode}, {len(decoded.files)} sheet file(s))", err=True)
        for w in decoded.warnings:
            click.echo(f"tokn: note: {w}", err=True)
    if svg_dir or png_path:
        from ..preview import export_preview
        try:
            files = export_preview(output, svg_dir=svg_dir, png_path=png_path)
        except Exception as e:  # noqa: BLE001
            click.echo(error_line(e, output), err=True)
            sys.exit(1)
        if not quiet:
            for f in files:
                click.echo(f"tokn: preview {f}", err=True)


def _first_error(doc, name: str, index, symbols, fuzzy: bool) -> str | None:
    """Why a document that could not be decoded is wrong, in one line: the first error
    `tokn validate` finds, with its line (``name:LINE: U1.7: ... [unknown-pin]``), and how
    many more there are; None when validation finds none (the decoder's own message then)."""
    from ..resolve import SymbolResolver
    from ..validate import validate
    try:
        errors = [f for f in validate(doc, index, resolver=SymbolResolver(index, symbols, fuzzy=fuzzy))
                  if f.severity == "error"]
    except Exception:  # noqa: BLE001 - the decoder's error is reported instead
        return None
    if not errors:
        return None
    f = errors[0]
    line = doc.line_of(f.where) if f.where else None
    more = f" ({len(errors) - 1} more error(s): tokn validate {name})" if len(errors) > 1 else ""
    return f"{name}{f':{line}' if line else ''}: {f.located()} [{f.code}]{more}"


def schematic_path(output: str, document: str) -> str:
    """The schematic ``-o`` names: ``output`` itself, or, when it is a folder (one that
    exists, or any path ending in a separator), ``<folder>/<DOCUMENT's name>.kicad_sch``
    (``tokn.kicad_sch`` for standard input)."""
    if not (output.endswith(("/", os.sep)) or os.path.isdir(output)):
        return output
    stem = "tokn" if document == "-" else os.path.splitext(os.path.basename(document))[0]
    return os.path.join(output, stem + ".kicad_sch")
