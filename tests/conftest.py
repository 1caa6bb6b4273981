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
needs_shared = pytest.mark.skipif(not os.path.isdir(CORPUS), reason="../shared corpus not present")


def corpus_top_level() -> list[str]:
    """Top-level schematics of the shared corpus (from its manifest)."""
    manifest = os.path.join(CORPUS, "manifest.csv")
    if not os.path.exists(manifest):
        return []
    with open(manifest, newline="") as f:
        return [os.path.join(CORPUS, r["local_path"]) for r in csv.DictReader(f) if r["is_top_level"] == "yes"]


DEMOS = os.environ.get("TOKN_KICAD_DEMOS", "/usr/share/kicad/demos")
needs_demos = pytest.mark.skipif(
    not os.path.isdir(DEMOS),
    reason=f"KiCad's demo projects not installed at {DEMOS} (scripts/install-kicad.sh installs kicad-demos)")


def kicad_demo_designs() -> list[str]:
    """Top-level schematics of KiCad's demo projects (a ``.kicad_sch`` beside a
    ``.kicad_pro`` of the same name); [] when the demos are not installed."""
    out = []
    for pro in sorted(glob.glob(os.path.join(DEMOS, "**", "*.kicad_pro"), recursive=True)):
        sch = pro[:-len(".kicad_pro")] + ".kicad_sch"
        if os.path.exists(sch):
            out.append(sch)
    return out


def sheet_files_only(path: str, dest: str) -> str:
    """Copy the design's sheet files (no .kicad_pro) to ``dest`` so that ERC runs with
    KiCad's default settings; returns the top-level copy (made loadable)."""
    import shutil
    from tokn.kicad.hierarchy import load_design
    design_dir = os.path.dirname(path)
    for f in load_design(path, lean=True).files:
        target = os.path.join(dest, os.path.relpath(f, design_dir))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(f, target)
    return kicad_loadable_copy(os.path.join(dest, os.path.basename(path)), dest)


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
