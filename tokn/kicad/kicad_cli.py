"""Thin wrappers around KiCad's own command-line tool (``kicad-cli``), the oracle.

Used by ``tokn validate --erc``, the decoder's preview export and the test-suite.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..errors import KicadCliError
from ..sexpr import child, children, first_value, parse
from ..sexpr import text as atom_text


def kicad_cli() -> str:
    """Path of kicad-cli (``KICAD_CLI`` env var, else PATH); raises when absent."""
    exe = os.environ.get("KICAD_CLI") or shutil.which("kicad-cli")
    if not exe:
        raise KicadCliError("kicad-cli not found (install KiCad 9, e.g. "
                            "apt-get install -t bookworm-backports kicad)")
    return exe


def available() -> bool:
    try:
        kicad_cli()
        return True
    except KicadCliError:
        return False


def _run(args: list[str], timeout: float = 300, cli: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("HOME", tempfile.gettempdir())
    try:
        return subprocess.run([cli or kicad_cli(), *args], capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise KicadCliError(f"kicad-cli {' '.join(args[:3])} timed out after {timeout:.0f} s") from None


def _failure(r: subprocess.CompletedProcess, sch_path: str) -> str:
    """What kicad-cli said when it failed on ``sch_path``; when it could not load a design
    with KiCad 10's local power symbols, also why (KiCad 9 cannot read them)."""
    said = (r.stderr or r.stdout).strip()[:300]
    if "Failed to load" in said and uses_local_power(sch_path):
        said += (" (the schematic has KiCad 10 local power symbols, (power local), which KiCad 9 cannot "
                 "load: run KiCad 10's kicad-cli, e.g. KICAD_CLI=scripts/kicad10-cli)")
    return said


def uses_local_power(sch_path: str) -> bool:
    """Whether a schematic file, or one beside it, holds a ``(power local)`` symbol."""
    folder = os.path.dirname(os.path.abspath(sch_path))
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".kicad_sch")]
    except OSError:
        return False
    for name in names:
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                if re.search(r"\(power\s+local\s*\)", f.read()):
                    return True
        except OSError:
            continue
    return False


@dataclass
class Netlist:
    components: dict[str, dict[str, str]]         # ref -> {"value", "footprint", "lib_id", "on_board"}
    nets: dict[str, set[tuple[str, str]]]         # net name -> {(ref, pin)}
    #: net name -> its net class as the netlist states it (``USB_DIFF``; ``USB_DIFF,Default``
    #: for a class the project does not define), for the nets of the S-expression netlist
    classes: dict[str, str] = field(default_factory=dict)


def part_differences(ref: Netlist, got: Netlist) -> list[tuple[str, str]]:
    """``(reference, what)`` for each way the parts of netlist ``got`` differ from ``ref``'s:
    ``missing``/``extra`` parts, and per part in both ``value``, ``footprint``, ``on_board``,
    ``classes`` and ``field NAME`` (a field one lacks or holds otherwise); not the library
    source (a design may embed a symbol under a name of its own, ``:X_1``).  A
    Description that ``ref`` leaves empty is no difference: a KiCad 6/7 part has none of
    its own (its library symbol had it), a decoded one gets its library symbol's.  Nor is
    a field ``ref`` holds as ``~`` and ``got`` as empty: in a KiCad 10 file ``~`` is text
    (a Datasheet ``~``, the old "none"), while KiCad 10 loads a field ``~`` of an older
    format, that of a decoded file, as empty (fixture kicad10/k10_tilde_datasheet)."""
    out = [(r, "missing") for r in ref.components if r not in got.components]
    out += [(r, "extra") for r in got.components if r not in ref.components]
    for r, theirs in ref.components.items():
        ours = got.components.get(r)
        if ours is None:
            continue
        out += [(r, key) for key in ("value", "footprint", "on_board", "classes")
                if theirs.get(key, "") != ours.get(key, "")]
        a, b = theirs.get("fields", {}), ours.get("fields", {})
        out += [(r, f"field {name}") for name in sorted(set(a) | set(b))
                if not _same_field(name, a.get(name), b.get(name))]
    return out


def _same_field(name: str, theirs: str | None, ours: str | None) -> bool:
    """Whether field ``name`` reads alike in a reference netlist and another (see
    :func:`part_differences`)."""
    return (theirs == ours or (name == "Description" and not theirs)
            or (theirs == "~" and not ours))


def version(cli: str | None = None) -> str:
    """The version a kicad-cli reports (e.g. ``9.0.8``)."""
    r = _run(["version"], 60, cli)
    if r.returncode != 0:
        raise KicadCliError(f"kicad-cli version failed: {(r.stderr or r.stdout).strip()[:300]}")
    return r.stdout.strip()


def export_netlist(sch_path: str, timeout: float = 300, cli: str | None = None) -> Netlist:
    """KiCad's own netlist of a schematic (``kicad-cli sch export netlist``).

    Net names are those of the S-expression netlist (escaped: ``A{slash}B``; the XML
    netlist writes ``A/B``, which cannot be told from a sheet path).  Parts marked
    ``on_board no`` are missing from that netlist; when the design has any, the XML netlist
    adds them, with ``"on_board": "no"`` and their pins, so the result lists every part, as
    TOKN does.  An XML net takes the S-expression name of the net its on-board pins are in
    (net codes are not comparable between two exports: they follow the differently escaped
    names).  ``cli``: the kicad-cli to run (default :func:`kicad_cli`)."""
    with tempfile.TemporaryDirectory() as td:
        sexpr_path = _export(sch_path, "kicadsexpr", os.path.join(td, "out.net"), timeout, cli)
        comps, nets, classes = _read_sexpr_netlist(sexpr_path)
        if _has_off_board_parts(sch_path):
            xml_comps, xml_nets = _read_xml_netlist(_export(sch_path, "kicadxml", os.path.join(td, "out.xml"),
                                                            timeout, cli))
            for ref, c in xml_comps.items():
                comps.setdefault(ref, c)
            name_of_pin = {pin: name for name, pins in nets.values() for pin in pins}
            merged = {}
            for xml_name, pins in xml_nets.values():
                name = next((name_of_pin[p] for p in sorted(pins) if p in name_of_pin), xml_name)
                merged[name] = pins
            return Netlist(comps, merged, classes)
    return Netlist(comps, {name: pins for name, pins in nets.values()}, classes)


def _export(sch_path: str, fmt: str, out: str, timeout: float, cli: str | None = None) -> str:
    r = _run(["sch", "export", "netlist", "--format", fmt, "-o", out, sch_path], timeout, cli)
    if r.returncode != 0 or not os.path.exists(out):
        raise KicadCliError(f"kicad-cli could not export a netlist: {_failure(r, sch_path)}", sch_path)
    return out


_OFF_BOARD = re.compile(r"\(on_board\s+no\)")
_SHEET_FILE = re.compile(r'\(property\s+"Sheet ?file"\s+"((?:[^"\\]|\\.)*)"')


def _has_off_board_parts(sch_path: str) -> bool:
    """Whether a file of the design says ``(on_board no)`` (a placed symbol or a sheet; a
    library symbol saying so only costs a second export).  A text scan: far cheaper than
    reading the design."""
    seen: set[str] = set()
    todo = [os.path.abspath(sch_path)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                src = f.read()
        except OSError:
            continue
        if _OFF_BOARD.search(src):
            return True
        base = os.path.dirname(path)
        todo += [os.path.abspath(os.path.join(base, m.group(1).replace('\\"', '"').replace("\\\\", "\\")))
                 for m in _SHEET_FILE.finditer(src)]
    return False


def _read_sexpr_netlist(path: str) -> tuple[dict, dict, dict[str, str]]:
    """:func:`parse_sexpr_netlist` of a netlist file, and net name -> its ``(class ...)``,
    from one reading."""
    with open(path, encoding="utf-8") as f:
        tree = parse(f.read(), path)[0]
    ns = child(tree, "nets")
    classes = {first_value(n, "name", "") or "": first_value(n, "class", "") or ""
               for n in (children(ns, "net") if ns else ())}
    return (*_netlist_parts(tree), classes)


def _netlist_fields(comp: list) -> dict[str, str]:
    """``{name: value}`` of a netlist component's ``(fields (field (name "N") "V") ...)``."""
    fields = child(comp, "fields")
    out: dict[str, str] = {}
    for fd in children(fields, "field") if fields else ():
        name = first_value(fd, "name", "") or ""
        out[name] = atom_text(fd[-1]) if len(fd) > 2 and type(fd[-1]) is str else ""
    return out


def parse_sexpr_netlist(text: str, path: str | None = None) -> tuple[dict, dict]:
    """The parts and nets of a KiCad S-expression netlist (``(export (version "E") ...)``,
    as ``kicad-cli sch export netlist --format kicadsexpr`` writes it): ref -> {"value",
    "footprint", "lib_id", "on_board", "fields" ({name: value} of its ``(fields ...)``: Footprint,
    Datasheet, Description and the user's, e.g. MPN), "classes" (its component classes, KiCad 9+,
    space separated)}, and net code -> (name, {(ref, pin)}).  Raises
    :class:`~tokn.errors.SexprSyntaxError` for text that is no S-expression."""
    return _netlist_parts(parse(text, path)[0])


def _netlist_parts(tree: list) -> tuple[dict, dict]:
    """:func:`parse_sexpr_netlist` of a parsed netlist."""
    comps: dict[str, dict[str, str]] = {}
    cs = child(tree, "components")
    for c in children(cs, "comp") if cs else ():
        libsource = child(c, "libsource")
        lib_id = ""
        if libsource is not None:
            lib_id = f"{first_value(libsource, 'lib', '')}:{first_value(libsource, 'part', '')}"
        comps[first_value(c, "ref", "") or ""] = {
            "value": first_value(c, "value", "") or "", "footprint": first_value(c, "footprint", "") or "",
            "lib_id": lib_id, "on_board": "yes", "fields": _netlist_fields(c), "classes": " ".join(
                atom_text(k[1]) for k in children(child(c, "component_classes") or [], "class") if len(k) > 1)}
    nets: dict[str, tuple[str, set[tuple[str, str]]]] = {}
    ns = child(tree, "nets")
    for n in children(ns, "net") if ns else ():
        pins = {(first_value(nd, "ref", "") or "", first_value(nd, "pin", "") or "") for nd in children(n, "node")}
        nets[first_value(n, "code", "") or ""] = (first_value(n, "name", "") or "", pins)
    return comps, nets


def _read_xml_netlist(path: str) -> tuple[dict, dict]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise KicadCliError(f"kicad-cli wrote an unreadable netlist: {e}", path) from None
    comps: dict[str, dict[str, str]] = {}
    for c in root.iter("comp"):
        src = c.find("libsource")
        lib_id = f"{src.get('lib', '')}:{src.get('part', '')}" if src is not None else ""
        props = {p.get("name") for p in c.findall("property")}
        comps[c.get("ref", "")] = {"value": c.findtext("value", ""), "footprint": c.findtext("footprint", ""),
                                   "lib_id": lib_id, "on_board": "no" if "exclude_from_board" in props else "yes"}
    nets = {n.get("code", ""): (n.get("name", ""), {(nd.get("ref", ""), nd.get("pin", "")) for nd in n.iter("node")})
            for n in root.iter("net")}
    return comps, nets


def run_erc(sch_path: str, timeout: float = 300) -> dict:
    """KiCad's ERC report (JSON) for a schematic; ``{"violations": [...], "errors": n}``."""
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "erc.json")
        r = _run(["sch", "erc", "--format", "json", "--severity-error", "-o", out, sch_path], timeout)
        if not os.path.exists(out):
            raise KicadCliError(f"kicad-cli ERC failed: {_failure(r, sch_path)}", sch_path)
        with open(out, encoding="utf-8") as f:
            report = json.load(f)
    violations = []
    for sheet in report.get("sheets", []):
        for v in sheet.get("violations", []):
            v = dict(v)
            v["sheet"] = sheet.get("path", "")
            violations.append(v)
    return {"violations": violations, "errors": sum(1 for v in violations if v.get("severity") == "error")}


def export_svg(sch_path: str, out_dir: str, timeout: float = 300) -> list[str]:
    """Export every sheet as SVG into ``out_dir``; returns the files written."""
    os.makedirs(out_dir, exist_ok=True)
    r = _run(["sch", "export", "svg", "--exclude-drawing-sheet", "-o", out_dir, sch_path], timeout)
    if r.returncode != 0:
        raise KicadCliError(f"kicad-cli SVG export failed: {_failure(r, sch_path)}", sch_path)
    return sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir) if f.endswith(".svg"))
