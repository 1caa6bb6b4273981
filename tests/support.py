"""What the tests share: where the test data lives, KiCad's netlist as oracle, one GBNF checker.

Paths honour ``TOKN_SHARED`` (default: ``../shared`` beside the checkout).  Pytest fixtures
stay in ``conftest.py``; everything here is plain functions and constants that any test
module (or ``conftest.py``) imports.
"""
from __future__ import annotations

import csv
import glob
import json
import os
import shutil
import uuid

import pytest

from tokn.kicad import kicad_cli

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
SHARED = os.environ.get("TOKN_SHARED", os.path.normpath(os.path.join(REPO, "..", "shared")))
CORPUS = os.path.join(SHARED, "corpus")
ANCHOR = os.path.join(SHARED, "anchor")
#: KiCad's demo projects (Debian package kicad-demos, installed by scripts/install-kicad.sh)
KICAD_DEMOS = os.environ.get("TOKN_KICAD_DEMOS", "/usr/share/kicad/demos")

needs_kicad = pytest.mark.skipif(not kicad_cli.available(), reason="kicad-cli (KiCad 9) not installed")
needs_shared = pytest.mark.skipif(not os.path.isdir(CORPUS), reason=f"shared corpus not present at {CORPUS}")
needs_anchor = pytest.mark.skipif(not os.path.isdir(ANCHOR), reason=f"shared anchor set not present at {ANCHOR}")
needs_demos = pytest.mark.skipif(not os.path.isdir(KICAD_DEMOS),
                                 reason=f"KiCad's demo projects not installed at {KICAD_DEMOS} "
                                        "(apt-get install -t bookworm-backports kicad-demos)")


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


def corpus_top_level() -> list[str]:
    """Top-level schematics of the shared corpus (from its manifest)."""
    manifest = os.path.join(CORPUS, "manifest.csv")
    if not os.path.exists(manifest):
        return []
    with open(manifest, newline="") as f:
        return [os.path.join(CORPUS, r["local_path"]) for r in csv.DictReader(f) if r["is_top_level"] == "yes"]


def anchor_schematics() -> list[str]:
    """The TOKN v1.2 reference examples' schematics."""
    return sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "schematic.kicad_sch")))


def anchor_outputs() -> list[str]:
    """The TOKN v1.2 reference examples' own ``output.tokn`` files."""
    return sorted(glob.glob(os.path.join(ANCHOR, "examples", "*", "output.tokn")))


def anchor_reference_tokns() -> list[tuple[str, str]]:
    """(id, text) of every non-empty ``reference_tokn`` in the anchor prompt sets."""
    out = []
    for path in sorted(glob.glob(os.path.join(ANCHOR, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                ref = json.loads(line).get("reference_tokn") or ""
                if ref:
                    out.append((f"{os.path.basename(path)}:{i}", ref))
    return out


def kicad_demo_designs() -> list[str]:
    """Top-level schematics of KiCad's demo projects: a ``.kicad_sch`` beside a ``.kicad_pro``
    of the same name (empty when kicad-demos is not installed)."""
    out = []
    for pro in sorted(glob.glob(os.path.join(KICAD_DEMOS, "**", "*.kicad_pro"), recursive=True)):
        sch = pro[:-len(".kicad_pro")] + ".kicad_sch"
        if os.path.exists(sch):
            out.append(sch)
    return out


def kicad_loadable_copy(path: str, workdir: str) -> str:
    """A copy of ``path`` that KiCad 9 accepts, with the drawing unchanged.

    The TOKN v1.2 reference examples carry top-level ``(comment ...)`` lines, which KiCad 9
    refuses, and empty instance paths ``(path "")``, with which KiCad silently drops every
    unnamed net.  The copy removes the former and points the latter at the root sheet.
    Other files are returned unchanged (no copy).
    """
    from tokn.sexpr import dumps, parse_lossless, quote, text

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


def sheet_files_only(path: str, dest: str) -> str:
    """Copy the design's sheet files (no .kicad_pro) to ``dest`` so that ERC runs with
    KiCad's default settings; returns the top-level copy (made loadable)."""
    from tokn.kicad.hierarchy import load_design
    design_dir = os.path.dirname(path)
    for f in load_design(path, lean=True).files:
        target = os.path.join(dest, os.path.relpath(f, design_dir))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(f, target)
    return kicad_loadable_copy(os.path.join(dest, os.path.basename(path)), dest)


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


def assert_same_nets(ours: dict[frozenset, str], theirs: dict[frozenset, str]) -> None:
    """Our multi-pin nets are KiCad's (``{pins: name}`` from :func:`multi_pin_nets`), and every
    net KiCad names from a label, power symbol or sheet pin has that name."""
    missing = [theirs[s] for s in theirs if s not in ours]
    extra = [ours[s] for s in ours if s not in theirs]
    assert not missing and not extra, f"nets differ: KiCad-only {missing[:5]}, ours-only {extra[:5]}"
    renamed = [(theirs[s], ours[s]) for s in theirs if is_user_named(theirs[s]) and ours[s] != theirs[s]]
    assert not renamed, f"named nets renamed (kicad, ours): {renamed[:5]}"


def recorded_parts(net_path: str) -> set[str]:
    """References of the parts in a netlist kicad-cli wrote (S-expression format, or the
    XML format when the path ends in ``.xml``)."""
    if net_path.endswith(".xml"):
        import xml.etree.ElementTree as ET
        return {c.get("ref") for c in ET.parse(net_path).getroot().iter("comp")}
    from tokn.sexpr import child, children, first_value, parse
    with open(net_path, encoding="utf-8") as f:
        tree = parse(f.read(), net_path)[0]
    comps = child(tree, "components")
    return {first_value(c, "ref") for c in children(comps, "comp")} if comps else set()


def recorded_nets(net_path: str) -> dict[frozenset, str]:
    """KiCad's multi-pin nets ``{pins: name}`` from a netlist kicad-cli wrote (S-expression
    format), e.g. a rule fixture's recorded ``.net``."""
    from tokn.sexpr import child, children, first_value, parse
    with open(net_path, encoding="utf-8") as f:
        tree = parse(f.read(), net_path)[0]
    out = {}
    for n in children(child(tree, "nets"), "net"):
        pins = frozenset((first_value(x, "ref"), first_value(x, "pin")) for x in children(n, "node"))
        if len(pins) >= 2:
            out[pins] = first_value(n, "name")
    return out


def gbnf_checker(grammar: str):
    """A checker of GBNF ``grammar`` by the independent PyPI ``gbnf`` reader (not our code):
    ``checker(text)`` is True when ``text`` is a complete sentence of the grammar."""
    import gbnf
    from gbnf import InputParseError, RuleEnd

    state = gbnf.GBNF(grammar)

    def admits(text: str) -> bool:
        try:
            return any(isinstance(r, RuleEnd) for r in state.add(text))
        except InputParseError:
            return False

    return admits


def read_text(path: str, encoding: str | None = None, newline: str | None = None) -> str:
    """The text of ``path`` (``open``'s arguments), the file closed at once."""
    with open(path, encoding=encoding, newline=newline) as f:
        return f.read()


def load_benchmark(name: str):
    """The module ``benchmarks/<name>.py`` (the benchmarks are scripts, not a package),
    registered in ``sys.modules`` so that its dataclasses work."""
    import importlib.util
    import sys
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(__file__), "..", "benchmarks", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod

