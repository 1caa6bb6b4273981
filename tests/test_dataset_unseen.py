"""``tokn dataset`` on shapes met in project folders it had never seen (downloaded, not
cloned; fetched file by file): what the instruction pairs, the records and the error report
promise, with small fixtures of our own."""
from __future__ import annotations

import os

from click.testing import CliRunner

from tokn.cli import main
from tokn.dataset.instructions import check_completion

# A completion in the answer layout whose LM358N is no library symbol by that name: its pin
# table (unnamed output pins 1 and 7 left out, as compacting does) lacks pins its nets use.
# `tokn validate --fuzzy` would check it against the library's LM358 and pass it.
UNNAMED_PINS = """# TOKN v1
title: Follower

components[2]{ref,type,value,fp}:
  R1,R,10k,Resistor_SMD:R_0603_1608Metric
  U1,LM358N,LM358N,Package_DIP:DIP-8_W7.62mm

pins{U1}[6]:
  2,-
  3,+
  4,V-
  5,+
  6,-
  8,V+

nets[4]{name,pins}:
  +12V,U1.8
  GND,"R1.2,U1.4,U1.5"
  OUT,"R1.1,U1.1,U1.2"
  IN,"U1.3,U1.6,U1.7"
"""


# The same part with all eight pins, but pin 3 named as no LM358 names it: its own table is
# consistent (plain `tokn validate` passes it), the plausible library part is not (--fuzzy).
RENAMED_PIN = UNNAMED_PINS.replace("pins{U1}[6]:\n", "pins{U1}[8]:\n  1,\n").replace(
    "  8,V+\n", "  7,\n  8,V+\n").replace("  3,+\n", "  3,INP\n")


def _validate_cli(tmp_path, text: str, *opts: str) -> int:
    p = tmp_path / "pair.tokn"
    p.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["validate", *opts, str(p)]).exit_code


def test_a_pair_is_kept_only_when_tokn_validate_passes_it_with_and_without_fuzzy(tmp_path):
    """The pair filter is ``tokn validate`` (the command a dataset user runs on a pair) and
    ``tokn validate --fuzzy`` (how ``tokn generate`` judges an answer) together."""
    cases = [(UNNAMED_PINS, 1, 0, (False, "invalid")),
             (RENAMED_PIN, 3, 1, (False, "invalid")),
             (UNNAMED_PINS.replace("LM358N", "LM358"), 0, 0, (True, ""))]    # the library's own part
    for text, plain, fuzzy, kept in cases:
        assert (_validate_cli(tmp_path, text), _validate_cli(tmp_path, text, "--fuzzy")) == (plain, fuzzy)
        assert check_completion(text, 2048)[:2] == kept


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
ROOT_WITH_OUTSIDE_SHEET = os.path.join(FIXTURES, "outside_sheet", "board", "pcb", "root.kicad_sch")
TWO_PARTS = os.path.join(FIXTURES, "directives", "classes.kicad_sch")
MIT = "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"


def _read(p: str) -> str:
    with open(p, encoding="utf-8") as f:
        return f.read()


def _write(p, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def _sheet_block(sheet_file: str) -> str:
    """The sheet symbol of the outside_sheet fixture, pointing at ``sheet_file``."""
    text = _read(ROOT_WITH_OUTSIDE_SHEET)
    start, end = text.index("\t(sheet\n"), text.index("\t(sheet_instances")
    return text[start:end].replace('"../../common/sub.kicad_sch"', f'"{sheet_file}"')


def _rows(path) -> list[dict]:
    import json
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_design_missing_a_sheet_file_is_kept_out_as_incomplete(tmp_path):
    """Folders fetched file by file: a root whose sub-sheet was not fetched is no design
    (its record would say "4 parts" for a board of hundreds, and its `design` pair would
    teach that), while a sheet in a ``../`` folder that is there completes its design."""
    repos = tmp_path / "repos"
    two = _read(TWO_PARTS).rstrip()
    # partial/: two parts and a sheet whose file is missing
    _write(repos / "partial" / "LICENSE", MIT)
    _write(repos / "partial" / "hw" / "board.kicad_sch", two[:-1] + _sheet_block("power.kicad_sch") + ")\n")
    # outside/: a root in board/pcb/ whose sheet is ../../common/sub.kicad_sch, which is there
    _write(repos / "outside" / "LICENSE", MIT)
    _write(repos / "outside" / "board" / "pcb" / "root.kicad_sch", _read(ROOT_WITH_OUTSIDE_SHEET))
    _write(repos / "outside" / "common" / "sub.kicad_sch", _read(TWO_PARTS))
    out = tmp_path / "ds"
    r = CliRunner().invoke(main, ["dataset", str(repos), "-o", str(out), "--split", "train=1", "-j", "1"])
    assert r.exit_code == 0, r.output
    [rec] = _rows(out / "data" / "train-00000.jsonl")
    assert rec["path"] == "outside/board/pcb/root.kicad_sch" and rec["missing_sheets"] == []
    assert rec["stats"]["sheet_files"] == 2 and rec["stats"]["components"] == 2     # the sub-sheet is no design
    [ex] = _rows(out / "excluded.jsonl")
    assert ex["path"] == "partial/hw/board.kicad_sch"
    assert ex["reason"] == "incomplete: sheet file(s) not found: power.kicad_sch"
    assert all(p["design_id"] == rec["id"] for p in _rows(out / "instructions" / "train-00000.jsonl"))
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| incomplete: a sheet file it references is missing (excluded.jsonl) | 1 |" in card


def test_error_rows_name_the_file_and_share_one_layout(tmp_path, monkeypatch):
    """errors.jsonl: a sub-sheet that cannot be read is named (not its root), and rows found
    before encoding (unreadable, KiCad 5) have the keys, in the order, of encoding errors."""
    from tokn.dataset import plan
    repos = tmp_path / "repos"
    _write(repos / "outside" / "LICENSE", MIT)
    _write(repos / "outside" / "board" / "pcb" / "root.kicad_sch", _read(ROOT_WITH_OUTSIDE_SHEET))
    _write(repos / "outside" / "common" / "sub.kicad_sch", _read(TWO_PARTS))
    _write(repos / "old" / "main.sch", "EESchema Schematic File Version 4\nEELAYER 30 0\nEELAYER END\n$EndSCHEMATC\n")
    _write(repos / "cut" / "cut.kicad_sch", _read(TWO_PARTS)[:300])
    real = plan.sha256_file

    def unreadable_sub(p: str) -> str:
        if p.endswith("sub.kicad_sch"):
            raise PermissionError(13, "Permission denied", p)     # what a chmod 000 file gives
        return real(p)

    monkeypatch.setattr(plan, "sha256_file", unreadable_sub)
    out = tmp_path / "ds"
    r = CliRunner().invoke(main, ["dataset", str(repos), "-o", str(out), "-j", "1"])
    assert r.exit_code == 1
    rows = {row["kind"]: row for row in _rows(out / "errors.jsonl")}
    assert set(rows) == {"unreadable", "legacy-format", "encode"}
    assert len({tuple(row) for row in rows.values()}) == 1                  # one layout
    sub = str(repos / "outside" / "common" / "sub.kicad_sch")
    assert rows["unreadable"]["message"] == f"{sub}: cannot read: Permission denied"
    assert rows["unreadable"]["type"] == "PermissionError" and rows["legacy-format"]["type"] == "LegacyFormat"
    assert rows["encode"]["message"].startswith(str(repos / "cut" / "cut.kicad_sch") + ":")


KICAD_DEMOS_MANIFEST = os.path.join(os.path.dirname(FIXTURES), "..", "examples", "dataset", "kicad-demos.csv")


def test_kicad_demos_manifest_gives_kicad_10_demos_their_own_licences():
    """KiCad 10's demos add three projects under other licences than the folder's GPL
    (its Debian copyright file); installed in /usr/share or in the KiCad 10 chroot, each
    gets its own, and every demo the repository ``kicad-demos`` (one split with its KiCad 9
    copies)."""
    from tokn.dataset.licence import parse_declared
    from tokn.dataset.provenance import Manifest, origin_of
    man = Manifest.read([KICAD_DEMOS_MANIFEST])
    for root in ("/usr/share/kicad/demos", "/opt/tokn-kicad10/usr/share/kicad/demos"):
        for folder, spdx in (("pic_programmer", "GPL-2.0-or-later"), ("tiny_tapeout", "Apache-2.0"),
                             ("cm5_minima", "CERN-OHL-S-2.0"), ("jetson-agx-thor-baseboard", "Apache-2.0"),
                             ("openair-max", "CC-BY-SA-4.0")):
            org = origin_of(f"{root}/{folder}/board.kicad_sch", root, man)
            assert (org.repository, parse_declared(org.licence_text)) == ("kicad-demos", spdx), (root, folder)
            assert org.path == f"{folder}/board.kicad_sch"


def test_two_versions_of_one_file_of_one_repository_give_one_record(tmp_path):
    """Two checkouts of one repository (here a manifest naming both folders ``acme/board``,
    as KiCad 9's and KiCad 10's demos are both ``kicad-demos``): the same path used to give
    two records with one id (and pairs with one id); now the ids differ and the dataset keeps
    the newest file format, the other listed as a duplicate of kind ``version``."""
    two = _read(TWO_PARTS)
    old = two.replace("(version 20250114)", "(version 20231120)")
    i = two.rindex('(property "Value" "1k"')
    new = two[:i] + '(property "Value" "2k2"' + two[i + len('(property "Value" "1k"'):]
    _write(tmp_path / "in" / "v1" / "hw" / "board.kicad_sch", old)
    _write(tmp_path / "in" / "v2" / "hw" / "board.kicad_sch", new)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("local_path,repository,commit,license\nin/v1,acme/board,,MIT\nin/v2,acme/board,,MIT\n",
                        encoding="utf-8")
    out = tmp_path / "ds"
    r = CliRunner().invoke(main, ["dataset", str(tmp_path / "in" / "v1"), str(tmp_path / "in" / "v2"), "-o", str(out),
                                  "--manifest", str(manifest), "--split", "train=1", "-j", "1"])
    assert r.exit_code == 0, r.output
    [rec] = _rows(out / "data" / "train-00000.jsonl")
    assert (rec["repository"], rec["path"], rec["kicad_version"]) == ("acme/board", "hw/board.kicad_sch", 20250114)
    [dup] = _rows(out / "duplicates.jsonl")
    assert (dup["kind"], dup["duplicate_of"], dup["path"]) == ("version", rec["id"], "hw/board.kicad_sch")
    assert dup["id"] != rec["id"]
    pairs = _rows(out / "instructions" / "train-00000.jsonl")
    assert pairs and {p["design_id"] for p in pairs} == {rec["id"]} and len({p["id"] for p in pairs}) == len(pairs)
    assert "| another version of the same file of the same repository, the newest format kept " \
           "(duplicates.jsonl) | 1 |" in (out / "README.md").read_text(encoding="utf-8")
