"""Shared test helpers: where the shared corpus lives, and KiCad's own netlists as oracle."""
from __future__ import annotations

import csv
import glob
import os
import uuid

import pytest

from tokn.kicad import kicad_cli

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("TOKN_SHARED", os.path.normpath(os.path.join(HERE, "..", "..", "shared")))
CORPUS = os.path.join(SHARED, "corpus")
ANCHOR = os.path.join(SHARED, "anchor")

needs_kicad = pytest.mark.skipif(not kicad_cli.available(), reason="kicad-cli (KiCad 9) not installed")

REPO = os.path.dirname(HERE)
KICAD10_ROOT = os.environ.get("TOKN_KICAD10_ROOT", "/opt/tokn-kicad10")


def kicad_clis() -> dict[int, str | None]:
    """{major version: kicad-cli command, or None when that KiCad is not installed}.

    KiCad 9 is the system's kicad-cli (``KICAD_CLI`` or PATH); KiCad 10 runs from the
    chroot of scripts/install-kicad10.sh through scripts/kicad10-cli."""
    k9 = kicad_cli.kicad_cli() if kicad_cli.available() else None
    k10 = os.path.join(REPO, "scripts", "kicad10-cli")
    have10 = os.path.exists(os.path.join(KICAD10_ROOT, "usr", "bin", "kicad-cli")) and os.geteuid() == 0
    return {9: k9, 10: k10 if have10 else None}


def kicad_version_params(marks=()) -> list:
    """pytest params over KiCad 9 and 10, each skipped (with the reason) when not installed."""
    out = []
    for major, cli in kicad_clis().items():
        why = {9: "kicad-cli (KiCad 9) not installed (scripts/install-kicad.sh)",
               10: f"KiCad 10 not installed at {KICAD10_ROOT} (scripts/install-kicad10.sh, as root)"}[major]
        out.append(pytest.param(major, id=f"kicad{major}",
                                marks=[*marks, pytest.mark.skipif(cli is None, reason=why)]))
    return out
needs_shared = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="../shared corpus not present")


def corpus_top_level() -> list[str]:
    """Top-level schematics of the shared corpus (from its manifest)."""
    manifest = os.path.join(CORPUS, "manifest.csv")
    if not os.path.exists(manifest):
        return []
    with open(manifest, newline="") as f:
        return [os.path.join(CORPUS, r["local_path"]) for r in csv.DictReader(f) if r["is_top_level"] == "yes"]


def anchor_schematics() -> list[str]:
    return sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "schematic.kicad_sch")))


def kicad_loadable_copy(path: str, workdir: str) -> str:
    """A copy of ``path`` that KiCad 9 accepts, with the drawing unchanged.

    The TOKN v1.2 reference examples carry top-level ``(comment ...)`` lines, which KiCad 9
    refuses, and empty instance paths ``(path "")``, with which KiCad silently drops every
    unnamed net.  The copy removes the former and points the latter at the root sheet.
    Other files are returned unchanged (no copy).
    """
    from tokn.sexpr import parse_lossless, dumps, quote, text

    with open(path, encoding="utf-8") as f:
        src = f.read()
    if '(path ""' not in src and "\n(comment" not in src and "\n  (comment" not in src:
        return path
    doc = parse_lossless(src, path)
    root = doc[0]
    for c in [c for c in root if type(c) is not str and c[0] == "comment"]:
        root.remove(c)
    root_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, os.path.abspath(path)))

    def walk(node):
        for c in node:
            if type(c) is str:
                continue
            if c[0] == "uuid" and node is root:
                c[1] = quote(root_uuid)
            if c[0] == "path" and len(c) > 1 and text(c[1]) == "":
                c[1] = quote("/" + root_uuid)
            walk(c)

    walk(root)
    out = os.path.join(workdir, os.path.basename(os.path.dirname(path)) + ".kicad_sch")
    with open(out, "w", encoding="utf-8") as f:
        f.write(dumps(doc))
    return out


_NETLIST_CACHE: dict[str, kicad_cli.Netlist] = {}


@pytest.fixture(scope="session")
def kicad_netlist(tmp_path_factory):
    """Function returning KiCad's own netlist of a schematic (memoised per session)."""
    workdir = str(tmp_path_factory.mktemp("kicad-oracle"))

    def get(path: str) -> kicad_cli.Netlist:
        if path not in _NETLIST_CACHE:
            _NETLIST_CACHE[path] = kicad_cli.export_netlist(kicad_loadable_copy(path, workdir))
        return _NETLIST_CACHE[path]

    return get


def multi_pin_nets(named_sets) -> dict[frozenset, str]:
    """{frozenset of (ref, pin): name} for nets with two or more pins."""
    out = {}
    for name, pins in named_sets:
        s = frozenset(pins)
        if len(s) >= 2:
            out[s] = name
    return out


def is_user_named(kicad_net_name: str) -> bool:
    """KiCad's generated names for unnamed nets start with Net-( or unconnected-(."""
    return not (kicad_net_name.startswith("Net-(") or kicad_net_name.startswith("unconnected-("))


@pytest.fixture(scope="session")
def symbol_index():
    """The installed KiCad libraries' symbol index (skips when none is installed)."""
    from tokn.kicad.library import SymbolIndex
    idx = SymbolIndex.default()
    if not idx.libraries or idx.get("Device:R") is None:
        pytest.skip("KiCad symbol libraries not installed")
    return idx
