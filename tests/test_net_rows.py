"""A net name is one row of the document: two unconnected wires on root sheet pins named
``button`` of two sheets (an unseen mixer whose front sheet was still empty) are both
``/button`` in KiCad; the document listed ``/button`` twice, which its own validator
refuses ("net /button is listed twice"), so the dataset left the design out."""
from __future__ import annotations

from tokn.doc import parse_tokn, write_tokn
from tokn.encode import encode_design
from tokn.validate import has_errors, validate

ROOT = """(kicad_sch (version 20250114) (generator "eeschema") (generator_version "9.0")
  (uuid "aaaaaaaa-0000-0000-0000-000000000001")
  (paper "A4")
  (lib_symbols)
  (wire (pts (xy 40 50) (xy 50 50)) (stroke (width 0) (type default)) (uuid "aaaaaaaa-0000-0000-0000-000000000010"))
  (wire (pts (xy 120 50) (xy 130 50)) (stroke (width 0) (type default)) (uuid "aaaaaaaa-0000-0000-0000-000000000011"))
  (sheet (at 50 40) (size 20 20) (exclude_from_sim no) (in_bom yes) (on_board yes) (dnp no)
    (stroke (width 0.1524) (type solid)) (fill (color 0 0 0 0.0000))
    (uuid "aaaaaaaa-0000-0000-0000-000000000002")
    (property "Sheetname" "front" (at 50 39 0) (effects (font (size 1.27 1.27)) (justify left bottom)))
    (property "Sheetfile" "front.kicad_sch" (at 50 61 0) (effects (font (size 1.27 1.27)) (justify left top)))
    (pin "button" input (at 50 50 180) (uuid "aaaaaaaa-0000-0000-0000-000000000003") (effects (font (size 1.27 1.27)) (justify left)))
    (instances (project "root" (path "/aaaaaaaa-0000-0000-0000-000000000001" (page "2")))))
  (sheet (at 100 40) (size 20 20) (exclude_from_sim no) (in_bom yes) (on_board yes) (dnp no)
    (stroke (width 0.1524) (type solid)) (fill (color 0 0 0 0.0000))
    (uuid "aaaaaaaa-0000-0000-0000-000000000004")
    (property "Sheetname" "back" (at 100 39 0) (effects (font (size 1.27 1.27)) (justify left bottom)))
    (property "Sheetfile" "back.kicad_sch" (at 100 61 0) (effects (font (size 1.27 1.27)) (justify left top)))
    (pin "button" input (at 120 50 0) (uuid "aaaaaaaa-0000-0000-0000-000000000005") (effects (font (size 1.27 1.27)) (justify right)))
    (instances (project "root" (path "/aaaaaaaa-0000-0000-0000-000000000001" (page "3")))))
  (sheet_instances (path "/" (page "1")))
)
"""

EMPTY = """(kicad_sch (version 20250114) (generator "eeschema") (generator_version "9.0")
  (uuid "{uuid}")
  (paper "A4")
  (lib_symbols)
)
"""


def test_one_name_is_one_net_row(tmp_path):
    (tmp_path / "root.kicad_sch").write_text(ROOT, encoding="utf-8")
    (tmp_path / "front.kicad_sch").write_text(EMPTY.format(uuid="bbbbbbbb-0000-0000-0000-000000000001"), encoding="utf-8")
    (tmp_path / "back.kicad_sch").write_text(EMPTY.format(uuid="bbbbbbbb-0000-0000-0000-000000000002"), encoding="utf-8")
    doc = encode_design(str(tmp_path / "root.kicad_sch")).document
    assert [n.name for n in doc.nets] == ["/button"]
    assert [w.net for w in doc.wires] == ["/button", "/button"]
    assert not has_errors(validate(parse_tokn(write_tokn(doc))))
