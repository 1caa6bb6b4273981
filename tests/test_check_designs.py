"""benchmarks/check_designs.py: the copy of a design's sheet files it runs ERC on stays in its
temporary folder, also for a sheet file outside the design's folder (corne's
``../../common/left.kicad_sch``; fixture ``outside_sheet``, hand-written: the root in
``board/pcb/`` uses ``../../common/sub.kicad_sch``).  It went to ``/tmp/common``, shared by
concurrent checks of corne-cherry and corne-chocolate: one read the other's half-written copy
and its round trip reported all 178 parts as extra."""
from __future__ import annotations

import os

from .support import load_benchmark

HERE = os.path.dirname(__file__)
ROOT = os.path.join(HERE, "fixtures", "outside_sheet", "board", "pcb", "root.kicad_sch")


def _check_designs():
    return load_benchmark("check_designs")


def test_sheet_files_outside_the_design_folder_are_copied_inside_dest(tmp_path):
    dest = tmp_path / "td" / "orig"
    root = _check_designs()._sheet_files(ROOT, str(dest))
    copied = sorted(os.path.relpath(os.path.join(d, f), tmp_path) for d, _, fs in os.walk(tmp_path) for f in fs)
    assert copied == ["td/orig/common/sub.kicad_sch", "td/orig/up/up/root.kicad_sch"]
    assert root == str(dest / "up" / "up" / "root.kicad_sch")
    # the root finds its sheet where its Sheetfile says
    assert os.path.isfile(os.path.join(os.path.dirname(root), "..", "..", "common", "sub.kicad_sch"))


def test_a_design_within_its_folder_is_copied_as_it_is(tmp_path):
    sub = os.path.join(HERE, "fixtures", "outside_sheet", "common", "sub.kicad_sch")
    root = _check_designs()._sheet_files(sub, str(tmp_path / "orig"))
    assert root == str(tmp_path / "orig" / "sub.kicad_sch") and os.path.isfile(root)


def test_a_kicad10_projects_top_level_sheets_come_with_the_copy(tmp_path):
    """A KiCad 10 project that lists several top-level sheets (``schematic.top_level_sheets``)
    is one design to KiCad 10 only with its project file: the copy (for ERC and the part-data
    comparison) gets a project file with those sheets and no other settings (KiCad's default
    ERC settings, as the decoded copy has).  Without it, an unseen K10 design
    (jjungo/remote-hw: remote.kicad_sch "Power" + main.kicad_sch "Main") lost its second
    sheet in the copy, and its round trip reported that sheet's 12 parts as extra."""
    import json
    top = os.path.join(HERE, "fixtures", "project_top_level_sheets", "top.kicad_sch")
    root = _check_designs()._sheet_files(top, str(tmp_path / "orig"))
    names = sorted(os.listdir(tmp_path / "orig"))
    assert names == ["second.kicad_sch", "sub.kicad_sch", "top.kicad_pro", "top.kicad_sch"]
    with open(os.path.join(os.path.dirname(root), "top.kicad_pro"), encoding="utf-8") as f:
        project = json.load(f)
    assert project == {"schematic": {"top_level_sheets": [
        {"filename": "top.kicad_sch", "name": "top", "uuid": "11111111-1111-1111-1111-111111110000"},
        {"filename": "second.kicad_sch", "name": "second", "uuid": "22222222-2222-2222-2222-222222220000"}]}}


def test_a_design_without_top_level_sheets_gets_no_project_file(tmp_path):
    _check_designs()._sheet_files(ROOT, str(tmp_path / "orig"))
    assert not [f for _, _, fs in os.walk(tmp_path) for f in fs if f.endswith(".kicad_pro")]
