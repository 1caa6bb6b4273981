"""What a design takes from its KiCad project file: bus aliases (KiCad 10 keeps them in
``<root>.kicad_pro``, not in the sheets), text variables, and KiCad 10's several top-level
sheets (one design, fixture ``project_top_level_sheets`` with KiCad 10's netlist).

The fixture ``bus_alias_in_project`` is ``bus_reverse_alias`` saved by KiCad 10
(``kicad-cli sch upgrade`` drops the sheet's ``(bus_alias ...)``) with the alias in its
project file; ``root.k10.net`` is KiCad 10.0.7's netlist of it, and
``root-without-project.k10.net`` its netlist with the project file removed (the alias's
net ``/Z.A`` is gone).  Found on glasgow revD0 (corpus), whose ``{FX2}`` buses join the
FX2 sheet's nets to the FPGA's only through the project's aliases.

Also here: the warning for a sub-sheet encoded as if it were a top-level sheet.
"""
from __future__ import annotations

import os
import shutil

import pytest

from tokn.decode import decode
from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.kicad.connectivity import design_nets
from tokn.kicad.hierarchy import load_design
from tokn.kicad.project import project_bus_aliases

from tokn.kicad import kicad_cli

from .support import kicad_clis, kicad_version_params, recorded_nets

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "bus_alias_in_project")
ROOT = os.path.join(FIXTURE, "root.kicad_sch")


def _nets(path: str, kicad: int = 10) -> dict[frozenset, str]:
    dn = design_nets(load_design(path), kicad=kicad)
    return {frozenset((p.ref, p.pin) for p in n.pins): n.name for n in dn.nets if len(n.pins) >= 2}


def _copy(tmp_path, with_project: bool = True) -> str:
    dest = tmp_path / "design"
    shutil.copytree(FIXTURE, dest)
    if not with_project:
        os.remove(dest / "root.kicad_pro")
    return str(dest / "root.kicad_sch")


def test_aliases_of_the_project_file_connect_as_in_kicad_10():
    assert _nets(ROOT) == recorded_nets(os.path.join(FIXTURE, "root.k10.net"))


def test_without_the_project_file_the_alias_net_is_missing_as_in_kicad_10(tmp_path):
    assert _nets(_copy(tmp_path, with_project=False)) == \
        recorded_nets(os.path.join(FIXTURE, "root-without-project.k10.net"))


def test_the_tokn_text_alone_carries_the_aliases(tmp_path):
    """encode -> TOKN text -> decode in an empty folder (no project file with aliases):
    the decoded sheets hold the alias and connect the same."""
    doc = encode_design(ROOT).document
    assert [(a.name, a.members) for a in doc.busaliases] == [("PAIR", ["A", "B"])]
    text = write_tokn(doc)
    out = tmp_path / "fresh" / "d.kicad_sch"
    out.parent.mkdir()
    decode(parse_tokn(text), None, project="d").write(str(out))
    assert set(_nets(str(out)).keys()) == set(_nets(ROOT).keys())


@pytest.mark.parametrize("content, aliases, warning", [
    ('{"schematic": {"bus_aliases": {"PAIR": ["A", "B"]}}}', {"PAIR": ["A", "B"]}, None),
    ('{"schematic": {"bus_aliases": {}}}', {}, None),
    ('{"schematic": {}}', {}, None),                      # KiCad 6-9 project files
    ('{}', {}, None),
    ('{"schematic": {"bus_aliases": {"PAIR": "A B"}}}', {}, "schematic.bus_aliases is not a map"),
    ('{"schematic": {"bus_aliases": ["PAIR"]}}', {}, "schematic.bus_aliases is not a map"),
    ('{"schematic": \n  {"bus_aliases": }', {}, "invalid JSON at line 2, column 19"),
    (b'{"x": "\xff"}', {}, "not UTF-8 text (byte 7)"),
])
def test_project_bus_aliases_table(tmp_path, content, aliases, warning):
    sch = tmp_path / "p.kicad_sch"
    pro = tmp_path / "p.kicad_pro"
    pro.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    got, warnings = project_bus_aliases(str(sch))
    assert got == aliases
    if warning is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warning in warnings[0] and str(pro) in warnings[0]


def test_a_broken_project_file_is_a_warning_of_the_encode(tmp_path):
    root = _copy(tmp_path)
    with open(root[:-len(".kicad_sch")] + ".kicad_pro", "w", encoding="utf-8") as f:
        f.write("{ not json")
    res = encode_design(root)
    assert any("root.kicad_pro: project file not read (invalid JSON at line 1, column 3)" in w
               for w in res.warnings)
    assert res.document.components                        # the sheets still encode


def test_no_project_file_no_aliases(tmp_path):
    assert project_bus_aliases(str(tmp_path / "none.kicad_sch")) == ({}, [])


def test_a_sub_sheet_encoded_on_its_own_is_named_in_a_warning():
    """A sub-sheet opened as if it were the top-level sheet: its parts are annotated for the
    root that uses it, which KiCad would not find (it would show them unannotated)."""
    sub = os.path.join(os.path.dirname(FIXTURE), "bus_reverse_alias", "sub.kicad_sch")
    warnings = encode_design(sub).warnings
    assert [w for w in warnings if "no part is annotated for this file as the top-level sheet" in w]
    assert not [w for w in encode_design(ROOT).warnings if "top-level sheet" in w]


def test_the_sub_sheet_warning_says_what_kicad_does():
    """KiCad 9 and 10 (``kicad-cli sch export netlist``) netlist a sub-sheet opened on its
    own with the references recorded for the design it was annotated in, even where a
    part's Reference field says otherwise (``orphan_sub_sheet``: fields ``R?`` and ``R12``,
    recorded ``R29`` and ``R30``; the stored ``sub.net``/``sub.k10.net``).  The warning
    says so instead of claiming that KiCad shows the parts unannotated."""
    sub = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "orphan_sub_sheet",
                       "sub.kicad_sch")
    result = encode_design(sub)
    assert {c.ref for c in result.document.components} == {"R29", "R30"}
    [warning] = [w for w in result.warnings if "no part is annotated for this file as the top-level sheet" in w]
    assert "unannotated" not in warning
    assert "KiCad 9 and 10 use these recorded references too" in warning


def test_a_sub_sheet_placed_twice_keeps_kicads_first_annotation():
    """A sub-sheet opened on its own whose parts carry two recorded annotations (the sheet was
    placed twice in its design): KiCad 9 and 10 netlist each part with the first one in the
    file (``orphan_sub_sheet_reused``: ``R41`` recorded before ``R29`` though its Reference
    field says ``R?``, ``R30`` before ``R42``; stored ``sub.net``/``sub.k10.net``), so tokn
    does too instead of numbering them as unannotated (unseen zainahm3d/18650-charger)."""
    sub = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "orphan_sub_sheet_reused",
                       "sub.kicad_sch")
    result = encode_design(sub)
    assert {c.ref for c in result.document.components} == {"R41", "R30"}
    assert not [w for w in result.warnings if "not annotated" in w]


def test_the_design_digest_changes_with_the_project_aliases_only(tmp_path):
    """``design_sha256`` (resume, exact duplicates) covers the sheets and the project's bus
    aliases, not the rest of the project file."""
    from tokn.dataset.fingerprint import design_digest, sha256_file
    root = _copy(tmp_path)
    pro = root[:-len(".kicad_sch")] + ".kicad_pro"
    files = [root, os.path.join(os.path.dirname(root), "sub.kicad_sch")]

    def digest() -> str:
        return design_digest(root, [sha256_file(p) for p in files])

    first = digest()
    with open(pro, "w", encoding="utf-8") as f:
        f.write('{"board": {"x": 1}, "schematic": {"bus_aliases": {"PAIR": ["A", "B"]}}}')
    assert digest() == first                               # other settings: same design
    with open(pro, "w", encoding="utf-8") as f:
        f.write('{"schematic": {"bus_aliases": {"PAIR": ["B", "A"]}}}')
    assert digest() != first                               # the circuit changed
    os.remove(pro)
    assert digest() not in (first,)                        # no aliases: another circuit again


TOP_LEVEL = os.path.join(os.path.dirname(__file__), "fixtures", "project_top_level_sheets")
TOP = os.path.join(TOP_LEVEL, "top.kicad_sch")


def _doc_nets(doc) -> dict[frozenset, str]:
    return {frozenset(tuple(p.split(".", 1)) for p in n.pins): n.name for n in doc.nets if len(n.pins) >= 2}


def test_several_top_level_sheets_are_one_design_as_in_kicad_10():
    """A KiCad 10 project listing two top-level sheets (fixture from
    scripts/make_top_level_sheets_fixture.py): KiCad 10 netlists top.kicad_sch with
    second.kicad_sch and its sub-sheet (``top.k10.net``): SIG_A joins R1, R2, R3; each
    sheet's local LOC is its own net, named after the sheet (``/top/LOC``,
    ``/second/sub/LOC``).  So do the engine and the document; no warning."""
    recorded = recorded_nets(os.path.join(TOP_LEVEL, "top.k10.net"))
    assert _nets(TOP) == recorded
    result = encode_design(TOP)
    assert not [w for w in result.warnings if "top-level" in w]
    doc = result.document
    assert [c.ref for c in doc.components] == ["R1", "R2", "R3", "R4"]
    assert [(s.name, s.file, s.parent) for s in doc.sheets] == \
        [("top", "top.kicad_sch", ""), ("second", "second.kicad_sch", ""), ("sub", "sub.kicad_sch", "S2")]
    assert _doc_nets(doc) == recorded
    assert {n.name for n in doc.nets} >= {"/top/LOC", "/second/LOC", "/second/sub/LOC", "SIG_A"}


def test_a_listed_top_level_sheet_encoded_alone_is_not_taken_for_a_sub_sheet(tmp_path):
    """KiCad 10 records a listed top-level sheet's annotations under the UUID the project
    gives it (``/<uuid>``), which need not be the file's own UUID (unseen jjungo/remote-hw:
    main.kicad_sch, file UUID c926dd75..., project and instance paths a1d91c95...).  Encoded
    alone, such a sheet is annotated as a top-level sheet: the project's warning about the
    other top-level sheets, not the one about a sub-sheet opened on its own."""
    import shutil
    for name in os.listdir(TOP_LEVEL):
        shutil.copy(os.path.join(TOP_LEVEL, name), tmp_path / name)
    second = tmp_path / "second.kicad_sch"
    text = second.read_text(encoding="utf-8")
    own = '(uuid "22222222-2222-2222-2222-222222220000")\n\t(paper'
    assert own in text
    second.write_text(text.replace(own, '(uuid "2222aaaa-2222-2222-2222-222222220000")\n\t(paper'),
                      encoding="utf-8")
    result = encode_design(str(second))
    assert [c.ref for c in result.document.components] == ["R2", "R3"]
    assert not [w for w in result.warnings if "no part is annotated" in w]
    assert [w for w in result.warnings if "second.kicad_sch is encoded alone" in w]


def test_several_top_level_sheets_decode_from_the_text_alone(tmp_path, symbol_index):
    """The TOKN text, decoded in an empty folder under the root's own name (no project
    file): one root holding a sheet per top-level sheet (top.kicad_sch's own file renamed
    beside the root), with the same nets and names in KiCad 10's and KiCad 9's rules."""
    text = write_tokn(encode_design(TOP).document)
    out = tmp_path / "fresh" / "top.kicad_sch"
    out.parent.mkdir()
    decoded = decode(parse_tokn(text), symbol_index, project="top")
    decoded.write(str(out))
    assert decoded.mode == "as-drawn"
    assert sorted(decoded.files) == ["second.kicad_sch", "sub.kicad_sch", "top.kicad_sch", "top_2.kicad_sch"]
    recorded = recorded_nets(os.path.join(TOP_LEVEL, "top.k10.net"))
    assert _nets(str(out)) == recorded
    assert _nets(str(out), kicad=9) == recorded


@pytest.mark.kicad
@pytest.mark.parametrize("major", kicad_version_params())
def test_kicad_netlists_the_decoded_design_as_kicad_10_the_original(major, tmp_path, symbol_index):
    """What the user gets: the decoded design, in KiCad 9 and in KiCad 10, has the nets and
    names KiCad 10 gives the original project."""
    decoded = decode(parse_tokn(write_tokn(encode_design(TOP).document)), symbol_index, project="top")
    out = tmp_path / "out" / "top.kicad_sch"
    decoded.write(str(out))
    nets = kicad_cli.export_netlist(str(out), cli=kicad_clis()[major]).nets
    assert {frozenset(p): n for n, p in nets.items() if len(p) >= 2} == \
        recorded_nets(os.path.join(TOP_LEVEL, "top.k10.net"))


def test_top_level_sheets_left_out_are_named_in_a_warning(tmp_path):
    """Where the design is one top-level file's hierarchy, the warning says which listed
    sheets are left out and why: under KiCad 9's rules; a listed file other than the
    project's own schematic (kicad-cli 10 netlists second.kicad_sch alone: R2 and its
    sub-sheet's R3); a project schematic the list leaves out.  One listed sheet: none."""
    k9 = encode_design(TOP, kicad=9)
    assert [c.ref for c in k9.document.components] == ["R1", "R4"]
    assert [w for w in k9.warnings if "under KiCad 9's rules top.kicad_sch is encoded alone" in w
            and "second.kicad_sch not included" in w]
    second = encode_design(os.path.join(TOP_LEVEL, "second.kicad_sch"))    # found through top.kicad_pro
    assert [c.ref for c in second.document.components] == ["R2", "R3"]
    assert [w for w in second.warnings if "top.kicad_pro: the project lists 2" in w
            and "encode top.kicad_sch for the whole design" in w and "top.kicad_sch not included" in w]
    unlisted = tmp_path / "unlisted"
    shutil.copytree(TOP_LEVEL, unlisted)
    (unlisted / "top.kicad_pro").write_text(
        '{"schematic": {"top_level_sheets": [{"filename": "second.kicad_sch", "name": "second"}, '
        '{"filename": "sub.kicad_sch", "name": "s"}]}}', encoding="utf-8")
    alone = encode_design(str(unlisted / "top.kicad_sch"))
    assert [c.ref for c in alone.document.components] == ["R1", "R4"]
    assert [w for w in alone.warnings if "top.kicad_sch is not among them" in w]
    single = tmp_path / "single"
    shutil.copytree(TOP_LEVEL, single)
    (single / "top.kicad_pro").write_text('{"schematic": {"top_level_sheets": [{"filename": "top.kicad_sch", '
                                          '"name": "top", "uuid": "x"}]}}', encoding="utf-8")
    assert not [w for w in encode_design(str(single / "top.kicad_sch")).warnings if "top-level sheets" in w]
    assert not [w for w in encode_design(str(single / "second.kicad_sch")).warnings if "top-level sheets" in w]


def test_the_warning_names_no_schematic_that_the_project_lacks(tmp_path):
    """A project whose list leaves out its own schematic (``proj.kicad_pro`` listing
    top.kicad_sch and second.kicad_sch, no proj.kicad_sch): each listed file is encoded
    alone, and the warning does not advise encoding proj.kicad_sch, which is not there."""
    design = tmp_path / "d"
    shutil.copytree(TOP_LEVEL, design)
    os.rename(design / "top.kicad_pro", design / "proj.kicad_pro")
    result = encode_design(str(design / "top.kicad_sch"))
    assert [c.ref for c in result.document.components] == ["R1", "R4"]
    said = [w for w in result.warnings if "the project lists 2 top-level sheets" in w]
    assert said and "second.kicad_sch not included" in said[0]
    assert "encode proj.kicad_sch" not in said[0]


def test_a_missing_top_level_sheet_is_named(tmp_path):
    design = tmp_path / "d"
    shutil.copytree(TOP_LEVEL, design)
    os.remove(design / "second.kicad_sch")
    result = encode_design(str(design / "top.kicad_sch"))
    assert [c.ref for c in result.document.components] == ["R1", "R4"]
    assert [w for w in result.warnings if "top-level sheet 'second' file not found: second.kicad_sch" in w]


def test_a_directory_scan_finds_one_design_with_every_top_level_file():
    """The other top-level sheets belong to the project's design: a directory scan yields
    top.kicad_sch alone, and its files (what --resume and dataset digests hash) include
    second.kicad_sch and its sub-sheet."""
    from tokn.sources import RefIndex, expand
    index = RefIndex()
    sources, _corpus = expand([TOP_LEVEL], index)
    assert [os.path.basename(s.path) for s in sources] == ["top.kicad_sch"]
    assert sorted(os.path.basename(p) for p in index.hierarchy(TOP)) == \
        ["second.kicad_sch", "sub.kicad_sch", "top.kicad_sch"]


TEXT_VARS = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "project_text_vars.kicad_sch")


def test_project_text_variables_name_nets_and_values(tmp_path):
    """The fixture's project defines NET=S and RVAL=4k7: KiCad 9 and 10 name R1.2's label
    ``${NET}`` net ``/S`` (joining U1.1's label ``S``) and netlist R1's value ``${RVAL}`` as
    ``4k7``; the TOKN text says the same, so it decodes without the project."""
    doc = encode_design(TEXT_VARS).document
    assert next(n for n in doc.nets if n.name == "/S").pins == ["R1.2", "U1.1"]
    assert next(c for c in doc.components if c.ref == "R1").value == "4k7"
    assert "${" not in write_tokn(doc)
    no_project = _copy_file(tmp_path, TEXT_VARS)          # without its project: as KiCad shows it
    doc = encode_design(no_project).document
    assert next(c for c in doc.components if c.ref == "R1").value == "${RVAL}"


def _copy_file(tmp_path, path: str) -> str:
    dest = tmp_path / os.path.basename(path)
    shutil.copy(path, dest)
    return str(dest)
