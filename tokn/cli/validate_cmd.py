"""``tokn validate``: grammar, format rules, pins against the KiCad libraries, optional ERC."""
from __future__ import annotations

import json
import os
import sys
import tempfile

import click

from .docinput import load_symbol_sources, read_answer_document, read_document, symbol_index


@click.command("validate")
@click.argument("document", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--erc", is_flag=True, help="Also decode and run KiCad's ERC (needs kicad-cli).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--symbols-from", "symbols_from", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Schematic whose embedded symbols to check against first. Repeatable.")
@click.option("--no-libraries", is_flag=True, help="Skip the checks against the installed KiCad libraries.")
@click.option("--lenient", is_flag=True, help="Read DOCUMENT as an LLM answer, as `tokn generate` does: the "
              "tolerant reader and the deterministic net repairs, each change reported as a 'fixed' finding.")
@click.option("--project", type=click.Path(exists=True),
              help="KiCad project (folder, .kicad_pro or .kicad_sch) whose sym-lib-table to read too "
                   "[default: the document's folder].")
@click.option("--fuzzy", is_flag=True, help="Check a type that is no symbol name against a plausible library "
              "part (TL072CP as TL072), as `tokn decode --fuzzy` draws it (implied by --lenient).")
@click.option("--kicad", type=click.IntRange(9, 10), default=None,
              help="Check against this KiCad's libraries where KiCad 9 and 10 are both installed "
                   "[default: the document's `kicad:` version, else KiCad 9's configuration first].")
def validate(document: str, erc: bool, as_json: bool, symbols_from: tuple[str, ...], no_libraries: bool,
             lenient: bool, project: str | None, fuzzy: bool, kicad: int | None) -> None:
    """Check DOCUMENT (a .tokn file, - for stdin).

    Exit status: 0 valid (every part's pins checked against a symbol), 1 invalid, 3 no
    errors but the pins of some parts were not checked (no library symbol for them)."""
    from ..errors import ToknError
    from ..resolve import SymbolResolver
    from ..validate import Finding, has_errors, unchecked_parts, validate as run_validate
    from .common import error_line

    findings: list[Finding] = []
    name = document
    try:
        if lenient:
            doc, name, findings = read_answer_document(document)
        else:
            doc, name = read_document(document)
    except ToknError as e:
        if e.path is None:
            e.path = document
        findings.append(Finding("error", "syntax", e.message, f"{e.line}:{e.col}" if e.line else "",
                                {"line": e.line, "col": e.col}))
        doc = None
    except OSError as e:
        click.echo(error_line(e, document), err=True)
        sys.exit(1)
    index = None
    if doc is not None:
        project_dir = project or (os.path.dirname(os.path.abspath(document)) if document != "-" else None)
        index = symbol_index(not no_libraries, project_dir, kicad or doc.kicad)
        symbols = load_symbol_sources(symbols_from) if symbols_from else None
        fuzzy = fuzzy or lenient            # an LLM answer is decoded fuzzily, as `tokn generate` does
        resolver = SymbolResolver(index, symbols, fuzzy=fuzzy)
        if lenient:
            from ..generate.netfix import repair_nets, resolver_pins
            doc, repairs = repair_nets(doc, resolver_pins(resolver))
            findings += repairs
        findings += run_validate(doc, index, resolver=resolver if (index or symbols) else None)
        if erc and not has_errors(findings):
            findings += _erc_findings(doc, index, symbols, fuzzy)
    unchecked = unchecked_parts(findings)
    status = "invalid" if has_errors(findings) else "unchecked" if unchecked else "valid"
    # Lines only for a document read as written: --lenient reads a cleaned copy of the text.
    line_of = doc.line_of if doc is not None and not lenient else (lambda where: None)
    if as_json:
        click.echo(json.dumps({"source": name, "status": status,
                               "valid": {"valid": True, "invalid": False}.get(status),
                               "unchecked_parts": unchecked,
                               "findings": [_located(f.as_dict(), line_of(f.where) if f.where else None)
                                            for f in findings]}, indent=2))
    else:
        for f in findings:
            line = line_of(f.where) if f.where else None
            click.echo(f"{name}:{line}: {f}" if line else f"{name}: {f}")
        errors = sum(f.severity == "error" for f in findings)
        warnings = sum(f.severity == "warning" for f in findings)
        fixed = sum(f.severity == "fixed" for f in findings)
        word = {"valid": "valid", "invalid": "invalid",
                "unchecked": f"no errors found, but the pins of {len(unchecked)} part(s) were NOT checked"}[status]
        click.echo(f"{name}: {word} ({errors} error(s), {warnings} warning(s)"
                   + (f", {fixed} fixed" if fixed else "") + ")")
    sys.exit({"valid": 0, "invalid": 1, "unchecked": 3}[status])


def _located(finding: dict, line: int | None) -> dict:
    """A finding's JSON with the line of the document it is about, when known."""
    return {**finding, "line": line} if line else finding


def _erc_findings(doc, index, symbols, fuzzy: bool = False) -> list:
    from ..decode import decode
    from ..kicad.kicad_cli import run_erc
    from ..validate import Finding

    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "validate.kicad_sch")
        decode(doc, index, symbols=symbols, project="validate", fuzzy=fuzzy).write(path)
        report = run_erc(path)
    out = []
    for v in report["violations"]:
        items = "; ".join(i.get("description", "") for i in v.get("items", []))
        out.append(Finding(v.get("severity", "error") if v.get("severity") in ("error", "warning") else "warning",
                           f"erc-{v.get('type', 'violation')}", f"{v.get('description', '')}" +
                           (f" ({items})" if items else ""), "ERC"))
    return out
