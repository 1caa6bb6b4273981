"""Symbol library index (tokn.kicad.library) and sym-lib-table reading (tokn.kicad.libtable).

Tests on the stock KiCad 9 libraries are marked ``kicad`` and skip when
/usr/share/kicad/symbols (or ``$KICAD9_SYMBOL_DIR``) is absent; the rest run on small
libraries written to a temporary directory.
"""
from __future__ import annotations

import glob
import os
import re

import pytest

from tokn.kicad import library as L
from tokn.kicad.library import SymbolIndex, scan_library_text, standard_symbol_libraries
from tokn.kicad.libtable import (default_symbol_dir, expand_uri, kicad_config_dir,
                                 load_symbol_libraries, scan_symbol_dir)
from tokn.kicad.symbols import parse_lib_symbol, pin_signature
from tokn.sexpr import parse, text, format_list

SYMBOL_DIR = default_symbol_dir()
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("TOKN_SHARED", os.path.normpath(os.path.join(HERE, "..", "..", "shared")))
CORPUS_FILES = os.path.join(SHARED, "corpus", "files")

needs_symbols = [pytest.mark.kicad,
                 pytest.mark.skipif(SYMBOL_DIR is None, reason="KiCad 9 symbol libraries not installed")]


def _kicad(fn):
    for m in needs_symbols:
        fn = m(fn)
    return fn


# --------------------------------------------------------------------------- fixtures

_E = "(effects (font (size 1.27 1.27)))"
# A small library in KiCad 6 layout with the awkward cases: strings holding parens,
# escaped quotes and list heads, non-ASCII text (byte offsets), bare and (hide yes) flags, a
# hide flag after the number (exact fallback), alternates, a two-level extends chain.
SYNTH = f"""(kicad_symbol_lib (version 20211014) (generator kicad_symbol_editor)
  (symbol "Base" (pin_names (offset 1.016)) (in_bom no) (on_board yes)
    (property "Reference" "U" (id 0) (at 0 0 0) {_E})
    (property "Value" "Base" (id 1) (at 0 0 0) {_E})
    (property "Footprint" "Pkg:Base" (id 2) (at 0 0 0) {_E})
    (property "Datasheet" "" (id 3) (at 0 0 0) {_E})
    (property "ki_keywords" "base test :-( µA" (id 4) (at 0 0 0) {_E})
    (property "ki_description" "Base part ) with \\"quoted\\" text, 10 Ω" (id 5) (at 0 0 0) {_E})
    (symbol "Base_0_1"
      (rectangle (start -5 5) (end 5 -5) (stroke (width 0.254) (type default) (color 0 0 0 0)) (fill (type background)))
      (text "(pin 1) (symbol \\"X\\")" (at 0 0 0) (effects (font (size 1 1)))))
    (symbol "Base_1_1"
      (pin input line (at -7.62 2.54 0) (length 2.54) (name "IN(+" {_E}) (number "1" {_E}))
      (pin output line (at 7.62 0 180) (length 2.54) hide (name "OUT" {_E}) (number "2" {_E})))
    (symbol "Base_2_1"
      (pin power_in line (at 0 7.62 270) (length 2.54) (name "V+" {_E}) (number "8" {_E})
        (alternate "ALT(1" bidirectional line))
      (pin passive line (at 0 -7.62 90) (length 2.54) (name "NC" {_E}) (number "4" {_E}) hide))
  )
  (symbol "Mid" (extends "Base")
    (property "Reference" "U" (id 0) (at 0 0 0) {_E})
    (property "Value" "Mid" (id 1) (at 0 0 0) {_E})
    (property "Footprint" "" (id 2) (at 0 0 0) {_E})
    (property "Datasheet" "http://x" (id 3) (at 0 0 0) {_E})
    (property "Manufacturer" "ACME" (id 4) (at 0 0 0) {_E})
  )
  (symbol "Leaf" (extends "Mid")
    (property "Value" "Leaf" (id 1) (at 0 0 0) {_E})
    (property "ki_keywords" "" (id 4) (at 0 0 0) {_E})
    (property "ki_fp_filters" "SOIC*" (id 5) (at 0 0 0) {_E})
  )
  (symbol "PWR" (power) (pin_names (offset 0) hide) (in_bom yes) (on_board yes)
    (property "Reference" "#PWR" (id 0) (at 0 0 0) {_E})
    (property "Value" "PWR" (id 1) (at 0 0 0) {_E})
    (symbol "PWR_0_1" (polyline (pts (xy 0 0) (xy 0 1.27)) (stroke (width 0) (type default)) (fill (type none))))
    (symbol "PWR_1_1"
      (pin power_in line (at 0 0 90) (length 0) (hide yes) (name "~" {_E}) (number "1" {_E})))
  )
)
"""


def _write(path, body: str) -> str:
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    return str(path)


@pytest.fixture()
def synth(tmp_path):
    """(library path, cache dir) of the synthetic library ``T``."""
    return _write(tmp_path / "T.kicad_sym", SYNTH), str(tmp_path / "cache")


@pytest.fixture(scope="module")
def stock():
    """Index of every stock library (directory scan, nickname = stem), user cache."""
    if SYMBOL_DIR is None:
        pytest.skip("KiCad 9 symbol libraries not installed")
    libs = {e.name: e.path for e in scan_symbol_dir(SYMBOL_DIR)}
    return SymbolIndex(libs)


# --------------------------------------------------------------------------- scanner


def test_scanner_equals_exact_reader_on_synthetic_library():
    fast = scan_library_text(SYNTH)
    exact = scan_library_text(SYNTH, exact=True)
    assert fast == exact
    recs, pins = fast
    assert [r[0] for r in recs] == ["Base", "Mid", "Leaf", "PWR"]
    # byte spans hold exactly each symbol, across the non-ASCII text
    raw = SYNTH.encode("utf-8")
    for r in recs:
        node = parse(raw[r[2]:r[3]].decode("utf-8"))[0]
        assert text(node[1]) == r[0]
    base = {p[0]: p for p in pins[0]}
    assert base["1"][1] == "IN(+" and base["1"][3:5] == (1, 1)
    assert base["2"][5] is True                 # bare `hide`
    assert base["4"][5] is True                 # `hide` after the number
    assert base["8"][2:5] == ("power_in", 2, 1)
    assert pins[3][0][5] is True                # (hide yes)
    assert pins[1] is None and pins[2] is None  # derived: pins come from the root


def test_scanner_edge_cases():
    assert scan_library_text("(kicad_symbol_lib (version 20241209) (generator \"x\"))") == ([], [])
    crlf = SYNTH.replace("\n", "\r\n")
    assert scan_library_text(crlf) == scan_library_text(crlf, exact=True)
    odd = SYNTH.replace('"PWR', '"P\\"W R').replace(
        '(property "Value" "Base"', '(property private "KLC_S3.3" "note (x" (at 0 0 0))\n'
                                    '    (property "Value" "Base"')
    recs, pins = scan_library_text(odd)
    assert (recs, pins) == scan_library_text(odd, exact=True)
    assert recs[3][0] == 'P"W R' and pins[3][0][0] == "1"
    assert recs[0][6]["KLC_S3.3"] == "note (x" and "private" not in recs[0][6]


def test_scanner_rejects_non_library():
    with pytest.raises(L.LibraryError):
        scan_library_text("(kicad_sch (version 1))")


@_kicad
@pytest.mark.parametrize("name", ["power", "Amplifier_Operational", "Isolator", "Timer"])
def test_scanner_equals_exact_reader_on_stock_library(name):
    with open(os.path.join(SYMBOL_DIR, name + ".kicad_sym"), encoding="utf-8") as f:
        src = f.read()
    assert scan_library_text(src) == scan_library_text(src, exact=True)


@_kicad
@pytest.mark.slow
def test_scanner_equals_exact_reader_on_all_stock_libraries():
    for path in sorted(glob.glob(os.path.join(SYMBOL_DIR, "*.kicad_sym"))):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        assert scan_library_text(src) == scan_library_text(src, exact=True), path


# --------------------------------------------------------------------------- synthetic index


def test_synthetic_index_extends_and_flatten(synth):
    path, cache = synth
    idx = SymbolIndex({"T": path}, cache_dir=cache)
    assert not idx.warnings
    leaf = idx.info("T:Leaf")
    assert (leaf.extends, leaf.root, leaf.unit_count) == ("Mid", "Base", 2)
    assert leaf.value == "Leaf"
    assert leaf.footprint == "Pkg:Base"           # empty in Mid: inherited
    assert leaf.properties["Datasheet"] == "http://x"
    assert leaf.properties["Manufacturer"] == "ACME"
    assert leaf.keywords == "base test :-( µA"    # empty in Leaf: inherited
    assert leaf.properties["ki_fp_filters"] == "SOIC*"
    assert leaf.description.startswith("Base part )")
    assert sorted(p.number for p in leaf.pins) == ["1", "2", "4", "8"]

    sym = idx.get("T:Leaf")
    assert sym.name == "T:Leaf" and sym.extends == "" and sym.unit_count == 2
    assert sorted((p.number, p.name, p.unit) for p in sym.pins) == [
        ("1", "IN(+", 1), ("2", "OUT", 1), ("4", "NC", 2), ("8", "V+", 2)]
    assert next(p for p in sym.pins if p.number == "8").alternates == {"ALT(1": "bidirectional"}
    node = idx.embed_node("T:Leaf")
    units = [text(c[1]) for c in node if type(c) is list and c[0] == "symbol"]
    assert units == ["Leaf_0_1", "Leaf_1_1", "Leaf_2_1"]
    assert not any(type(c) is list and c[0] == "extends" for c in node)
    # the immediate parent (Mid) is derived and has no in_bom: KiCad's default applies
    assert ["in_bom", "yes"] in node
    assert ["in_bom", "no"] in idx.embed_node("T:Mid")
    keys = [text(c[1]) for c in node if type(c) is list and c[0] == "property"]
    assert keys[-2:] == ["ki_keywords", "ki_fp_filters"] and "Manufacturer" in keys
    # get() is the parse of the embedded text, fresh objects every call
    again = parse_lib_symbol(parse(idx.embed_text("T:Leaf"))[0])
    assert again.pins == sym.pins and again.properties == sym.properties
    assert idx.get("T:Leaf") is not sym and idx.get("T:Leaf").node is not sym.node

    pwr = idx.info("T:PWR")
    assert pwr.is_power and idx.get("T:PWR").is_power
    assert idx.get("T:Nope") is None and idx.get("X:Leaf") is None and idx.info("Leaf") is None
    with pytest.raises(L.LibraryError):
        idx.embed_text("T:Nope")
    assert idx.libraries_for("Leaf") == ["T"] and idx.libraries_for("leaf") == []
    st = idx.stats()
    assert (st.symbols, st.pins, st.scanned_files) == (4, 4 * 3 + 1, 1)


def test_cache_reused_and_invalidated_per_file(synth, tmp_path):
    path, cache = synth
    other = _write(tmp_path / "U.kicad_sym", SYNTH.replace('"PWR', '"GND'))
    libs = {"T": path, "U": other}
    first = SymbolIndex(libs, cache_dir=cache)
    assert (first.stats().scanned_files, first.stats().cached_files) == (2, 0)
    assert first.stats().cache_bytes > 0
    warm = SymbolIndex(libs, cache_dir=cache)
    assert (warm.stats().scanned_files, warm.stats().cached_files) == (0, 2)
    assert warm.info("T:Leaf") == first.info("T:Leaf")
    assert warm.get("U:GND").is_power

    # change one file: only it is scanned again
    _write(path, SYNTH.replace('(name "OUT"', '(name "Q"'))
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    third = SymbolIndex(libs, cache_dir=cache)
    assert (third.stats().scanned_files, third.stats().cached_files) == (1, 1)
    assert "Q" in {p.name for p in third.info("T:Leaf").pins}

    # a live index notices the change on the next lookup
    assert "Q" in {p.name for p in warm.get("T:Base").pins}
    assert "Q" in {p.name for p in warm.info("T:Base").pins}

    # a corrupt cache entry is rebuilt, never trusted
    for f in glob.glob(os.path.join(cache, "*", "*.pickle")):
        with open(f, "wb") as fh:
            fh.write(b"garbage")
    fourth = SymbolIndex(libs, cache_dir=cache)
    assert fourth.stats().scanned_files == 2 and fourth.info("U:GND").is_power


def test_library_lookup_answers_as_the_index(synth, tmp_path):
    """LibraryLookup (the encoder's stock lookups) opens only the library a lookup names
    and returns what the whole index returns."""
    from tokn.kicad.library.index import LibraryLookup
    path, cache = synth
    other = _write(tmp_path / "U.kicad_sym", SYNTH.replace('"PWR', '"GND'))
    libs = {"T": path, "U": other, "M": str(tmp_path / "missing.kicad_sym")}
    idx = SymbolIndex(libs, cache_dir=cache)
    look = LibraryLookup(libs, cache_dir=cache)
    for lib_id in ("T:Leaf", "T:Base", "U:GND", "T:GND", "U:nope", "M:X", "X:Leaf", "Leaf"):
        a, b = idx.get(lib_id), look.get(lib_id)
        assert (a is None) == (b is None), lib_id
        if a is not None:
            assert (a.name, a.pins, a.properties, a.is_power) == (b.name, b.pins, b.properties, b.is_power)
    fresh = LibraryLookup(libs, cache_dir=cache)
    assert fresh.get("U:GND").is_power and set(fresh._open) == {"U"}


def test_pin_signature_is_that_of_get_and_notices_a_changed_file(synth, tmp_path):
    """SymbolIndex/LibraryLookup.pin_signature (memoised, lean parse) == pin_signature(get())."""
    from tokn.kicad.library.index import LibraryLookup
    path, cache = synth
    libs = {"T": path, "M": str(tmp_path / "missing.kicad_sym")}
    idx, look = SymbolIndex(libs, cache_dir=cache), LibraryLookup(libs, cache_dir=cache)
    ids = ("T:Leaf", "T:Base", "T:GND", "T:nope", "M:X", "Leaf")

    def check() -> None:
        for lib_id in ids:
            want = idx.get(lib_id)
            want = None if want is None else pin_signature(want)
            for source in (idx, look, idx, look):        # twice: the memoised answer too
                assert source.pin_signature(lib_id) == want, lib_id
    check()
    _write(path, SYNTH.replace('(name "OUT"', '(name "Q"'))
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert any(p[3] == "Q" for p in idx.pin_signature("T:Base")[1])
    check()


def test_cache_dir_from_environment(synth, tmp_path, monkeypatch):
    path, _ = synth
    monkeypatch.setenv("TOKN_CACHE_DIR", str(tmp_path / "envcache"))
    idx = SymbolIndex({"T": path})
    assert idx.cache_dir == str(tmp_path / "envcache")
    assert glob.glob(str(tmp_path / "envcache" / "*" / "*.pickle"))


def test_bad_libraries_are_skipped_with_warnings(synth, tmp_path):
    path, cache = synth
    broken = _write(tmp_path / "B.kicad_sym", "(kicad_symbol_lib (symbol \"X\" (pin")
    notlib = _write(tmp_path / "N.kicad_sym", "(kicad_sch)")
    idx = SymbolIndex({"B": broken, "T": path, "M": str(tmp_path / "missing.kicad_sym"),
                       "N": notlib}, cache_dir=cache)
    assert list(idx.libraries) == ["T"]
    assert len(idx.warnings) == 3
    assert any("B.kicad_sym" in w and ":1:" in w for w in idx.warnings)


def test_unwritable_cache_only_costs_speed(synth, tmp_path):
    path, _ = synth
    blocker = _write(tmp_path / "file", "x")         # a file where a directory should be
    idx = SymbolIndex({"T": path}, cache_dir=os.path.join(blocker, "sub"))
    assert idx.get("T:Leaf") is not None and idx.stats().cache_bytes == 0


@pytest.mark.parametrize("home, xdg", [
    ("/home/ada", None),                 # the usual case: ~/.cache/tokn
    ("/home/ada", "/var/tmp/xdg"),       # an absolute XDG_CACHE_HOME wins
    ("/home/ada", ""),                   # empty: ignored
    ("/home/ada", "relative/cache"),     # relative: ignored (XDG spec)
    ("/home/ada", " /x"),                # not absolute as written: ignored
    ("/home/ada/", None),                # trailing slash on HOME
    ("/", None),                         # HOME at the root
    ("relative-home", None),             # relative HOME: platformdirs decides
    (None, "/var/tmp/xdg"),              # no HOME: platformdirs decides
])
def test_default_cache_dir_is_platformdirs_answer(monkeypatch, home, xdg):
    """The start-up shortcut for Linux names the folder platformdirs names."""
    import platformdirs
    from tokn.kicad.library import default_cache_dir
    monkeypatch.delenv("TOKN_CACHE_DIR", raising=False)
    for name, value in (("HOME", home), ("XDG_CACHE_HOME", xdg)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert default_cache_dir() == platformdirs.user_cache_dir("tokn", appauthor=False)
    monkeypatch.setenv("TOKN_CACHE_DIR", "/srv/cache")
    assert default_cache_dir() == "/srv/cache"


def test_find_on_synthetic_library(synth):
    path, cache = synth
    idx = SymbolIndex({"T": path}, cache_dir=cache)
    assert idx.find("leaf")[0] == "T:Leaf"
    assert idx.find("T:Base")[0] == "T:Base"
    assert idx.find("µA") == []                       # words: [0-9a-z]{2,} only
    assert set(idx.find("base test")) >= {"T:Base", "T:Mid", "T:Leaf"}
    assert idx.find("") == [] and idx.find("Leaf", limit=0) == []


# --------------------------------------------------------------------------- libtable


def test_expand_uri_forms():
    v = {"A": "/x", "B": "${A}/y"}
    assert expand_uri("${A}/lib.kicad_sym", v) == os.path.normpath("/x/lib.kicad_sym")
    assert expand_uri("$(B)/z.kicad_sym", v) == os.path.normpath("/x/y/z.kicad_sym")
    assert expand_uri("${NOPE}/z.kicad_sym", v) == os.path.normpath("${NOPE}/z.kicad_sym")


def test_kicad_config_dir_per_platform():
    env = {"APPDATA": r"C:\Users\u\AppData\Roaming"}
    assert kicad_config_dir(env, "win32").endswith(os.path.join("kicad", "9.0"))
    assert "Library" in kicad_config_dir({}, "darwin")
    assert kicad_config_dir({"XDG_CONFIG_HOME": "/cfg"}, "linux") == os.path.join("/cfg", "kicad", "9.0")
    assert kicad_config_dir({"KICAD_CONFIG_HOME": "/k"}, "linux") == os.path.join("/k", "9.0")


def _table(rows: list[str]) -> str:
    return "(sym_lib_table\n  (version 7)\n" + "".join(f"  {r}\n" for r in rows) + ")\n"


def test_libtable_global_and_project(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    libs = tmp_path / "libs"
    libs.mkdir()
    proj = tmp_path / "proj"
    proj.mkdir()
    for n in ("A", "B", "C"):
        _write(libs / f"{n}.kicad_sym", SYNTH)
    _write(proj / "Local.kicad_sym", SYNTH)
    _write(proj / "B2.kicad_sym", SYNTH)
    _write(cfg / "kicad_common.json", '{"environment": {"vars": {"FROMCFG": "%s"}}}' % libs)
    _write(cfg / "sym-lib-table", _table([
        '(lib (name "A")(type "KiCad")(uri "${MYLIBS}/A.kicad_sym")(options "")(descr ""))',
        '(lib (name "B")(type "KiCad")(uri "$(MYLIBS)/B.kicad_sym")(options "")(descr ""))',
        '(lib (name "C")(type "KiCad")(uri "${FROMCFG}/C.kicad_sym")(options "")(descr ""))',
        '(lib (name "Gone")(type "KiCad")(uri "${MYLIBS}/Gone.kicad_sym")(options "")(descr ""))',
        '(lib (name "Off")(type "KiCad")(uri "${MYLIBS}/A.kicad_sym")(options "")(descr "")(disabled))',
        '(lib (name "Old")(type "Legacy")(uri "${MYLIBS}/old.lib")(options "")(descr ""))',
        '(lib (name "Undef")(type "KiCad")(uri "${UNDEFINED_VAR}/x.kicad_sym")(options "")(descr ""))',
    ]))
    _write(proj / "sym-lib-table", _table([
        '(lib (name "Local")(type "KiCad")(uri "${KIPRJMOD}/Local.kicad_sym")(options "")(descr ""))',
        '(lib (name "B")(type "KiCad")(uri "${KIPRJMOD}/B2.kicad_sym")(options "")(descr ""))',
    ]))
    env = {"MYLIBS": str(libs), "HOME": str(tmp_path)}
    glob_only = load_symbol_libraries(None, environ=env, config_dir=str(cfg))
    assert list(glob_only.libraries) == ["A", "B", "C"]
    assert glob_only.libraries["B"] == str(libs / "B.kicad_sym")
    msgs = "\n".join(glob_only.warnings)
    assert "Gone" in msgs and "not found" in msgs
    assert "Legacy" in msgs and "UNDEFINED_VAR" in msgs and "Off" not in msgs
    with_proj = load_symbol_libraries(str(proj / "proj.kicad_pro"), environ=env, config_dir=str(cfg))
    assert list(with_proj.libraries) == ["A", "B", "C", "Local"]
    assert with_proj.libraries["B"] == str(proj / "B2.kicad_sym")      # project wins, in place
    assert with_proj.libraries["Local"] == str(proj / "Local.kicad_sym")
    assert str(proj / "sym-lib-table") in with_proj.tables


def test_libtable_falls_back_to_symbol_dir(tmp_path):
    symdir = tmp_path / "symbols"
    symdir.mkdir()
    for n in ("Zeta", "Alpha"):
        _write(symdir / f"{n}.kicad_sym", SYNTH)
    _write(symdir / "Simulation_SPICE.sp", "* not a library")
    env = {"KICAD9_SYMBOL_DIR": str(symdir), "HOME": str(tmp_path)}
    got = load_symbol_libraries(None, environ=env, config_dir=str(tmp_path / "noconfig"))
    assert list(got.libraries) == ["Alpha", "Zeta"] and not got.warnings
    assert got.tables == [str(symdir)]


def test_libtable_broken_table_is_a_warning(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    _write(cfg / "sym-lib-table", "(sym_lib_table (lib (name \"A\")")
    symdir = tmp_path / "symbols"
    symdir.mkdir()
    _write(symdir / "S.kicad_sym", SYNTH)
    env = {"KICAD9_SYMBOL_DIR": str(symdir), "HOME": str(tmp_path)}
    got = load_symbol_libraries(None, environ=env, config_dir=str(cfg))
    assert list(got.libraries) == ["S"]
    assert any("sym-lib-table" in w for w in got.warnings)


def test_default_is_memoised_per_project(tmp_path, monkeypatch):
    symdir = tmp_path / "symbols"
    symdir.mkdir()
    _write(symdir / "T.kicad_sym", SYNTH)
    monkeypatch.setenv("KICAD9_SYMBOL_DIR", str(symdir))
    monkeypatch.setenv("KICAD_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("TOKN_CACHE_DIR", str(tmp_path / "cache"))
    proj = str(tmp_path)
    try:
        a = SymbolIndex.default(proj)
        assert SymbolIndex.default(proj) is a
        assert list(a.libraries) == ["T"] and a.get("T:Leaf") is not None
        b = SymbolIndex.default(proj, refresh=True)
        assert b is not a and SymbolIndex.default(proj) is b
        assert b.stats().cached_files == 1
    finally:
        SymbolIndex._memo.pop(os.path.realpath(proj), None)


# --------------------------------------------------------------------------- stock libraries


@_kicad
def test_stock_counts(stock):
    st = stock.stats()
    assert st.libraries >= 200 and st.symbols > 20000 and st.pins > 700000
    assert not stock.warnings


@_kicad
def test_device_r(stock):
    r = stock.get("Device:R")
    assert r.name == "Device:R" and r.unit_count == 1 and not r.is_power
    assert sorted((p.number, p.type) for p in r.pins) == [("1", "passive"), ("2", "passive")]
    info = stock.info("Device:R")
    assert info.value == "R" and info.reference == "R" and len(info.pins) == 2
    assert [(p.number, p.x, p.y) for p in info.pins] == [(p.number, p.x, p.y) for p in r.pins]
    assert stock.libraries_for("R") == ["Device"]


@_kicad
def test_tl072_units_and_pins(stock):
    sym = stock.get("Amplifier_Operational:TL072")
    assert sym.unit_count == 3
    pins = {p.number: p for p in sym.pins}
    assert sorted(pins) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert (pins["1"].type, pins["1"].unit) == ("output", 1)
    assert (pins["2"].name, pins["3"].name) == ("-", "+")
    assert (pins["4"].name, pins["4"].type, pins["4"].unit) == ("V-", "power_in", 3)
    assert (pins["8"].name, pins["8"].type, pins["8"].unit) == ("V+", "power_in", 3)
    assert {p.unit for p in sym.pins_for(2)} == {2}
    info = stock.info("Amplifier_Operational:TL072")
    assert info.extends and info.value == "TL072"


@_kicad
def test_derived_symbol_gets_parent_pins(stock):
    info = stock.info("Amplifier_Operational:TL072")
    parent = stock.get(f"Amplifier_Operational:{info.root}")
    child = stock.get("Amplifier_Operational:TL072")
    strip = lambda s: sorted((p.number, p.name, p.type, p.unit, p.x, p.y) for p in s.pins)  # noqa: E731
    assert strip(child) == strip(parent)
    assert child.properties["Value"] == "TL072" and parent.properties["Value"] == info.root
    units = [text(c[1]) for c in child.node if type(c) is list and c[0] == "symbol"]
    assert units and all(u.startswith("TL072_") for u in units)


@pytest.mark.parametrize("name", ["power", "Amplifier_Operational", "MCU_ST_STM32F4"])
def test_pin_signature_on_stock_library(stock, name):
    """The lean, memoised signature equals the signature of the full symbol, every symbol."""
    if name not in stock.libraries:
        pytest.skip(f"{name} not installed")
    for lib_id in [i for i in stock.lib_ids() if i.startswith(name + ":")]:
        assert stock.pin_signature(lib_id) == pin_signature(stock.get(lib_id)), lib_id


@_kicad
def test_power_gnd(stock):
    gnd = stock.get("power:GND")
    assert gnd.is_power and stock.info("power:GND").is_power
    assert [(p.number, p.type) for p in gnd.pins] == [("1", "power_in")]


@_kicad
@pytest.mark.parametrize("query,expected,within", [
    ("TL072", "Amplifier_Operational:TL072", 1),
    ("tl072", "Amplifier_Operational:TL072", 1),
    ("Device:R", "Device:R", 1),
    ("R", "Device:R", 1),
    ("GND", "power:GND", 1),
    ("AMS1117-3.3", "Regulator_Linear:AMS1117-3.3", 1),
    ("AMS1117 3.3", "Regulator_Linear:AMS1117-3.3", 1),
    ("ATmega328P-AU", "MCU_Microchip_ATmega:ATmega328P-A", 1),
    ("LM7805", "Regulator_Linear:LM7805_TO220", 1),
    ("NE555", "Timer:NE555P", 3),
    ("MCP2551", "Interface_CAN_LIN:MCP2551-I-SN", 3),
    ("LM317", "Regulator_Linear:LM317_TO-220", 10),
    ("MAX98306EDT", "Amplifier_Audio:MAX98306xDT", 1),
    ("usb c receptacle", "Connector:USB_C_Receptacle", 3),
])
def test_find_examples(stock, query, expected, within):
    got = stock.find(query)
    assert expected in got[:within], got


@_kicad
def test_find_is_deterministic_and_library_order_free(stock):
    libs = stock.libraries
    reverse = SymbolIndex(dict(reversed(list(libs.items()))))
    for q in ("LM317", "NE555", "op amp", "resistor", "ESP32", "74HC"):
        assert stock.find(q) == stock.find(q) == reverse.find(q)
    assert all(x.startswith("Regulator_Linear:LM317") for x in stock.find("LM317", 5))


def test_standard_symbol_libraries():
    """Shipped data: no KiCad installation needed."""
    assert standard_symbol_libraries("R") == ["Device"]
    assert standard_symbol_libraries("GND") == ["power"]
    assert standard_symbol_libraries("4001") == ["4xxx", "4xxx_IEEE"]
    assert standard_symbol_libraries("no such part") == []
    assert L.standard_symbol_names_source()["kicad-symbols"].startswith("9.0")


def test_standard_symbol_names_file_is_sorted_and_every_lookup_agrees():
    """The lookup is a binary search: the shipped file must hold each name once, sorted in
    Python's string order; every name (and its neighbours' near misses) is found as a
    table built from the file says."""
    import gzip
    from tokn.kicad import stdnames
    path = os.path.join(os.path.dirname(stdnames.__file__), "..", "data", stdnames.STANDARD_NAMES_FILE)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        lines = [ln for ln in f.read().split("\n") if ln and not ln.startswith("# ")]
    table = dict(ln.split("\t", 1) for ln in lines)
    names = [ln.split("\t", 1)[0] for ln in lines]
    assert names == sorted(set(names))
    for name in names:
        assert standard_symbol_libraries(name) == table[name].split(",")
    for miss in ("", " ", "~", "\U0010ffff", "R ", "r", names[0][:-1], names[-1] + "x", "R\tDevice", "a\nb"):
        assert standard_symbol_libraries(miss) == (table[miss].split(",") if miss in table else [])


MANDATORY = ("Reference", "Value", "Footprint", "Datasheet", "Description")


def _corpus_kicad9_lib_symbols():
    """(lib_id, embedded node) of the lib_symbols of KiCad 9 schematics in the corpus."""
    out = {}
    for path in sorted(glob.glob(os.path.join(CORPUS_FILES, "**", "*.kicad_sch"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        if 'generator_version "9.0"' not in src[:500]:
            continue
        root = parse(src, path)[0]
        for c in root:
            if type(c) is list and c[0] == "lib_symbols":
                for sym in c[1:]:
                    out.setdefault(text(sym[1]), sym)
    return out


@_kicad
@pytest.mark.skipif(not os.path.isdir(CORPUS_FILES), reason="shared corpus not present")
def test_embed_text_matches_kicad_embedding(stock):
    """Our flattened text equals what KiCad 9 wrote into real schematics, up to changes of
    the libraries since those files were saved: names, units, pins and property names agree
    for every symbol, and the text is identical for most, derived symbols included."""
    embedded = {k: v for k, v in _corpus_kicad9_lib_symbols().items() if k in stock}
    assert len(embedded) >= 20
    identical = derived_identical = same_pins = 0
    for lib_id, theirs in embedded.items():
        ours = stock.embed_node(lib_id)
        assert text(ours[1]) == lib_id

        def units(n):
            return [text(c[1]) for c in n if type(c) is list and c[0] == "symbol"]
        assert units(ours) == units(theirs), lib_id
        assert set(MANDATORY) <= set(L.node_properties(ours)), lib_id
        a, b = parse_lib_symbol(ours), parse_lib_symbol(theirs)
        same_pins += {(p.number, p.unit) for p in a.pins} == {(p.number, p.unit) for p in b.pins}
        if format_list(ours, 2) == format_list(theirs, 2):
            identical += 1
            derived_identical += bool(stock.info(lib_id).extends)
    assert same_pins >= 0.9 * len(embedded)
    assert identical * 2 > len(embedded) and derived_identical >= 3


@_kicad
def test_get_is_lazy(stock):
    """get() reads the byte range of the asked symbols (and their parents) only, never a whole
    library.  (How fast that is: benchmarks/bench_library.py.)"""
    stock._text_cache.clear()
    wanted = ("Device:R", "power:GND", "Amplifier_Operational:TL072", "Timer:NE555P")
    for lib_id in wanted:
        assert stock.get(lib_id) is not None
    read = stock._text_cache
    assert {nick for nick, _ in read} == {w.split(":")[0] for w in wanted}
    assert len(read) <= 2 * len(wanted)                   # each symbol, at most one parent each


def test_unit_suffix_regex_matches_symbols_module():
    from tokn.kicad import symbols
    from tokn.kicad.library import scan
    assert scan.UNIT_SUFFIX.pattern == symbols._UNIT_SUFFIX.pattern
    assert re.search(scan.UNIT_SUFFIX, "R_1_1")


@pytest.mark.parametrize("env_var", ["KICAD10_SYMBOL_DIR", "KICAD9_SYMBOL_DIR"])
def test_libtable_of_a_kicad10_only_user(tmp_path, env_var):
    """A KiCad 10 user without KiCad 9: the configuration is ``<config home>/10.0`` and its
    global table names the stock libraries as ``${KICAD10_SYMBOL_DIR}`` (KiCad 10.0.7's
    template sym-lib-table). tokn read ``9.0`` only, found no table, and scanned whatever
    stock directory it found (here: a KiCad 9 one), and it left ``${KICAD10_SYMBOL_DIR}``
    unsubstituted (the entry dropped with a warning)."""
    home = tmp_path / "cfghome"
    (home / "10.0").mkdir(parents=True)
    k10 = tmp_path / "k10symbols"
    k10.mkdir()
    for n in ("Device", "Connector"):
        _write(k10 / f"{n}.kicad_sym", SYNTH)
    mine = tmp_path / "mylibs"
    mine.mkdir()
    _write(mine / "Mine.kicad_sym", SYNTH)
    _write(home / "10.0" / "sym-lib-table", _table([
        '(lib (name "Device")(type "KiCad")(uri "${KICAD10_SYMBOL_DIR}/Device.kicad_sym")(options "")(descr ""))',
        '(lib (name "Connector")(type "KiCad")(uri "${KICAD10_SYMBOL_DIR}/Connector.kicad_sym")(options "")(descr ""))',
        f'(lib (name "Mine")(type "KiCad")(uri "{mine}/Mine.kicad_sym")(options "")(descr ""))',
    ]))
    env = {"KICAD_CONFIG_HOME": str(home), env_var: str(k10), "HOME": str(tmp_path)}
    assert kicad_config_dir(env, "linux") == str(home / "10.0")
    got = load_symbol_libraries(None, environ=env)
    assert got.libraries == {"Device": str(k10 / "Device.kicad_sym"),
                             "Connector": str(k10 / "Connector.kicad_sym"),
                             "Mine": str(mine / "Mine.kicad_sym")}, got.warnings
    assert got.tables == [str(home / "10.0" / "sym-lib-table")] and not got.warnings


def test_kicad9_configuration_first_when_both_exist(tmp_path):
    home = tmp_path / "cfghome"
    for v in ("9.0", "10.0"):
        (home / v).mkdir(parents=True)
    assert kicad_config_dir({"KICAD_CONFIG_HOME": str(home)}, "linux") == str(home / "9.0")
    assert kicad_config_dir({"KICAD_CONFIG_HOME": str(tmp_path / "none")}, "linux") == \
        os.path.join(str(tmp_path / "none"), "9.0")


@pytest.mark.parametrize("tables", [False, True], ids=["no global tables", "each KiCad's global table"])
def test_libraries_of_the_kicad_a_document_names_where_both_are_installed(tmp_path, tables):
    """KiCad 9 and 10 both installed (each one's symbol directory variable set, both
    configurations present): the default is KiCad 9's libraries; ``kicad=10`` (a document
    that says ``kicad: 10``) gets KiCad 10's. Before, KiCad 9's always (a KiCad 10 design's
    ``J1.SH`` was refused: KiCad 10 renamed USB-C connectors' shield pin S1 to SH)."""
    home = tmp_path / "cfghome"
    dirs = {}
    for v in ("9", "10"):
        (home / f"{v}.0").mkdir(parents=True)
        dirs[v] = tmp_path / f"k{v}symbols"
        dirs[v].mkdir()
        _write(dirs[v] / "Device.kicad_sym", SYNTH)
        if tables:
            _write(home / f"{v}.0" / "sym-lib-table", _table([
                f'(lib (name "Device")(type "KiCad")(uri "${{KICAD{v}_SYMBOL_DIR}}/Device.kicad_sym")(options "")(descr ""))']))
    env = {"KICAD_CONFIG_HOME": str(home), "KICAD9_SYMBOL_DIR": str(dirs["9"]),
           "KICAD10_SYMBOL_DIR": str(dirs["10"]), "HOME": str(tmp_path)}
    for kicad, want in ((None, "9"), (9, "9"), (10, "10")):
        got = load_symbol_libraries(None, environ=env, kicad=kicad)
        assert got.libraries == {"Device": str(dirs[want] / "Device.kicad_sym")}, (kicad, got.warnings)
    assert kicad_config_dir(env, "linux", 10) == str(home / "10.0")
    assert kicad_config_dir(env, "linux") == kicad_config_dir(env, "linux", 9) == str(home / "9.0")


def test_a_kicad_asked_for_that_is_not_installed_gives_the_installed_one(tmp_path):
    """Only KiCad 9 installed: a document that says ``kicad: 10`` is checked against it."""
    k9 = tmp_path / "k9symbols"
    k9.mkdir()
    _write(k9 / "Device.kicad_sym", SYNTH)
    env = {"KICAD_CONFIG_HOME": str(tmp_path / "none"), "KICAD9_SYMBOL_DIR": str(k9), "HOME": str(tmp_path)}
    assert load_symbol_libraries(None, environ=env, kicad=10).libraries == {"Device": str(k9 / "Device.kicad_sym")}
