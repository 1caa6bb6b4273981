"""Thin wrappers around KiCad's own command-line tool (``kicad-cli``), the oracle.

Used by ``tokn validate --erc``, the decoder's preview export and the test-suite.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from ..errors import ToknError
from ..sexpr import parse, child, children, first_value


class KicadCliError(ToknError):
    """kicad-cli is missing or failed."""


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


@dataclass
class Netlist:
    components: dict[str, dict[str, str]]         # ref -> {"value":..., "footprint":..., "lib_id":...}
    nets: dict[str, set[tuple[str, str]]]         # net name -> {(ref, pin)}


def version(cli: str | None = None) -> str:
    """The version a kicad-cli reports (e.g. ``9.0.8``)."""
    r = _run(["version"], 60, cli)
    if r.returncode != 0:
        raise KicadCliError(f"kicad-cli version failed: {(r.stderr or r.stdout).strip()[:300]}")
    return r.stdout.strip()


def export_netlist(sch_path: str, timeout: float = 300, cli: str | None = None) -> Netlist:
    """KiCad's own netlist of a schematic (kicad-cli sch export netlist, kicadsexpr format);
    ``cli``: the kicad-cli to run (default :func:`kicad_cli`)."""
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "out.net")
        r = _run(["sch", "export", "netlist", "--format", "kicadsexpr", "-o", out, sch_path], timeout, cli)
        if r.returncode != 0 or not os.path.exists(out):
            raise KicadCliError(f"kicad-cli could not export a netlist: {(r.stderr or r.stdout).strip()[:300]}",
                                sch_path)
        with open(out, encoding="utf-8") as f:
            tree = parse(f.read(), out)[0]
    comps: dict[str, dict[str, str]] = {}
    cs = child(tree, "components")
    for c in children(cs, "comp") if cs else ():
        ref = first_value(c, "ref", "") or ""
        libsource = child(c, "libsource")
        lib_id = ""
        if libsource is not None:
            lib_id = f"{first_value(libsource, 'lib', '')}:{first_value(libsource, 'part', '')}"
        comps[ref] = {"value": first_value(c, "value", "") or "",
                      "footprint": first_value(c, "footprint", "") or "", "lib_id": lib_id}
    nets: dict[str, set[tuple[str, str]]] = {}
    ns = child(tree, "nets")
    for n in children(ns, "net") if ns else ():
        name = first_value(n, "name", "") or ""
        pins = {(first_value(nd, "ref", "") or "", first_value(nd, "pin", "") or "")
                for nd in children(n, "node")}
        nets[name] = pins
    return Netlist(comps, nets)


def run_erc(sch_path: str, timeout: float = 300) -> dict:
    """KiCad's ERC report (JSON) for a schematic; ``{"violations": [...], "errors": n}``."""
    with tempfile.TemporaryDirectory() as td:
        out = os.path.join(td, "erc.json")
        r = _run(["sch", "erc", "--format", "json", "--severity-error", "-o", out, sch_path], timeout)
        if not os.path.exists(out):
            raise KicadCliError(f"kicad-cli ERC failed: {(r.stderr or r.stdout).strip()[:300]}", sch_path)
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
        raise KicadCliError(f"kicad-cli SVG export failed: {(r.stderr or r.stdout).strip()[:300]}", sch_path)
    return sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir) if f.endswith(".svg"))
