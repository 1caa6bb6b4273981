"""The codec against each installed KiCad's own demo projects.

For KiCad 9 (``/usr/share/kicad/demos``) and KiCad 10 (the chroot of
scripts/install-kicad10.sh): every top-level schematic (the one named like its
``.kicad_pro``) that KiCad itself can netlist encodes to the same multi-pin nets, the same
user-given net names and the same components as that KiCad's netlist.  KiCad 10's demos
are first upgraded by KiCad 10 (``kicad-cli sch upgrade --force``, every sheet) to its own
file format (version 20260306), so the reader is checked on what KiCad 10 writes.

``test_decoded_demo_loads_with_same_nets`` (KiCad 10; the corpus round trip covers 9): the
TOKN text decoded back to a schematic (the format tokn writes, 20250114) loads in KiCad 10
and netlists to the same nets and parts as the demo.

Values are compared as KiCad's netlist shows them: text variables such as
``${SIM.PARAMS}`` replaced by the symbol's field, and an empty value written ``~``; TOKN
keeps the value as the file has it.
"""
from __future__ import annotations

import fcntl
import glob
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tokn.decode import decode, symbols_from_schematic
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad import kicad_cli
from tokn.kicad.hierarchy import load_design

from .support import KICAD10_ROOT, assert_same_nets, is_user_named, kicad_clis, multi_pin_nets

pytestmark = [pytest.mark.kicad, pytest.mark.slow]     # upgrades and netlists all of KiCad's demos

DEMOS = {9: "/usr/share/kicad/demos", 10: os.path.join(KICAD10_ROOT, "usr", "share", "kicad", "demos")}
#: The file format version KiCad 10.0 writes.
KICAD10_FORMAT = 20260306


def top_level(demos: str) -> list[str]:
    """Paths (relative to ``demos``) of the schematics named like a project file beside them."""
    out = []
    for pro in glob.glob(os.path.join(demos, "**", "*.kicad_pro"), recursive=True):
        sch = pro[: -len(".kicad_pro")] + ".kicad_sch"
        if os.path.exists(sch):
            out.append(os.path.relpath(sch, demos))
    return sorted(out)


def _params(majors: tuple[int, ...] = (9, 10), gaps: bool = True) -> list:
    """(major, demo) params; ``gaps``: mark the KNOWN_GAPS as strict xfails."""
    out = []
    for major, cli in kicad_clis().items():
        if major not in majors:
            continue
        if cli is None or not os.path.isdir(DEMOS[major]):
            why = f"KiCad {major} or its demos (kicad-demos) not installed"
            out.append(pytest.param(major, "", id=f"kicad{major}", marks=pytest.mark.skip(reason=why)))
            continue
        out += [pytest.param(major, rel, id=f"kicad{major}-{rel}",
                             marks=KNOWN_GAPS.get((major, rel), ()) if gaps else ())
                for rel in top_level(DEMOS[major])]
    return out


#: Designs where our nets are known to differ from that KiCad's (strict: fixing one fails).
KNOWN_GAPS: dict[tuple[int, str], pytest.MarkDecorator] = {}

_TREES: dict[int, str] = {}
_NETLISTS: dict[tuple[int, str], kicad_cli.Netlist] = {}


def _netlist(major: int, path: str) -> kicad_cli.Netlist:
    """That KiCad's netlist of a demo (memoised; skips when KiCad itself cannot make it)."""
    if (major, path) not in _NETLISTS:
        try:
            _NETLISTS[(major, path)] = kicad_cli.export_netlist(path, cli=kicad_clis()[major])
        except kicad_cli.KicadCliError as e:
            pytest.skip(f"KiCad {major} cannot netlist this design itself: {e}")
    return _NETLISTS[(major, path)]


def _upgrade(cli: str, path: str) -> None:
    r = subprocess.run([cli, "sch", "upgrade", "--force", path], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise kicad_cli.KicadCliError(f"sch upgrade failed: {(r.stderr or r.stdout).strip()[:300]}", path)


@pytest.fixture(scope="session")
def demo_tree(tmp_path_factory):
    """A writable copy of a KiCad version's demos; KiCad 10's upgraded to its format.

    Made once per test run: pytest-xdist workers share it (the folder above each worker's
    base temp dir, under a file lock), since upgrading 115 sheets takes minutes."""
    def get(major: int) -> str:
        if major not in _TREES:
            base = tmp_path_factory.getbasetemp()
            shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
            dst = os.path.join(shared, f"kicad{major}-demos")
            with open(os.path.join(shared, f"kicad{major}-demos.lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not os.path.exists(dst + ".done"):
                    shutil.rmtree(dst, ignore_errors=True)
                    shutil.copytree(DEMOS[major], dst)
                    if major == 10:
                        files = glob.glob(os.path.join(dst, "**", "*.kicad_sch"), recursive=True)
                        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                            list(pool.map(lambda p: _upgrade(kicad_clis()[10], p), files))
                    open(dst + ".done", "w").close()
            _TREES[major] = dst
        return _TREES[major]
    return get


def _file_version(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        m = re.search(r"\(version\s+(\d+)\)", f.read(200))
    return int(m.group(1)) if m else 0


def netlist_value(raw: str, fields: dict[str, str]) -> str:
    """A Value as KiCad's netlist writes it: ``${NAME}`` replaced by the symbol's field NAME
    (compared case-insensitively, as KiCad does), an empty value as ``~``."""
    upper = {k.upper(): v for k, v in fields.items()}
    value = re.sub(r"\$\{([^}]+)\}", lambda m: upper.get(m.group(1).upper(), m.group(0)), raw)
    return value or "~"


@pytest.mark.parametrize("major,rel", _params())
def test_demo_nets_equal_kicad_netlist(major, rel, demo_tree):
    cli = kicad_clis()[major]
    path = os.path.join(demo_tree(major), rel)
    if major == 10:
        assert _file_version(path) == KICAD10_FORMAT
    assert cli
    ref = _netlist(major, path)
    doc = encode_design(path, detail="nets", kicad=major).document
    assert_same_nets(multi_pin_nets(doc.net_pins()), multi_pin_nets(ref.nets.items()))
    fields: dict[str, dict[str, str]] = {}
    design = load_design(path)
    for inst in design.instances:
        for sym in inst.file.symbols:
            fields.setdefault(design.reference(inst, sym)[0], sym.properties)
    comps = {}
    for c in doc.components:               # parts off the board too: KiCad's XML netlist keeps them
        comps.setdefault(c.ref, c)
    assert set(comps) == set(ref.components)
    for r, info in ref.components.items():
        assert netlist_value(comps[r].value, fields.get(r, {})) == info["value"], r
        assert comps[r].fp == info["footprint"], r


# KiCad 10 only: the shared corpus' round trip (test_decode_roundtrip.py) covers KiCad 9.
@pytest.mark.parametrize("major,rel", _params(majors=(10,), gaps=False))
def test_decoded_demo_loads_with_same_nets(major, rel, demo_tree, tmp_path):
    path = os.path.join(demo_tree(major), rel)
    ref = _netlist(major, path)
    doc = parse_tokn(write_tokn(encode_design(path, kicad=major).document))
    symbols = {}
    for f in load_design(path).files.values():
        symbols.update(symbols_from_schematic(f))
    out = tmp_path / "decoded" / "decoded.kicad_sch"
    decoded = decode(doc, None, symbols=symbols, project="decoded")
    decoded.write(str(out))
    got = kicad_cli.export_netlist(str(out), cli=kicad_clis()[major])
    assert set(got.components) == set(ref.components)
    theirs, ours = multi_pin_nets(ref.nets.items()), multi_pin_nets(got.nets.items())
    assert set(ours) == set(theirs)
    if decoded.mode == "as-drawn":
        # (A re-drawn design -- one the decoder could not reproduce as drawn -- names its
        # nets with global labels, so only its connectivity is compared.)
        renamed = [(theirs[s], ours[s]) for s in theirs if is_user_named(theirs[s]) and theirs[s] != ours[s]]
        assert not renamed, renamed[:5]


def test_netlist_value():
    assert netlist_value("${SIM.PARAMS}", {"Sim.Params": "dc=1"}) == "dc=1"
    assert netlist_value("", {}) == "~"
    assert netlist_value("10k", {}) == "10k"
    assert netlist_value("${NOPE}", {}) == "${NOPE}"
