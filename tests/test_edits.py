"""Editing an encoded design's text, then decoding it: what is kept of the drawing.

The base (``fixtures/edits/divider_drawn.tokn``) is a drawn document.  Each row adds parts
the way a person or a model writes them: a ``components`` row without a position, and its
pins in the ``nets`` rows.  The decoder keeps the drawing and lays the new parts out below
it (:mod:`tokn.decode.amend`); before, the whole design was laid out again without a word.
"""
from __future__ import annotations

import os
import re

import pytest

from tokn import decode, parse_tokn
from tokn.encode import encode_design
from tokn.kicad.drawcheck import item_boxes, load_sheet, overlaps

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = open(os.path.join(HERE, "fixtures", "edits", "divider_drawn.tokn"), encoding="utf-8").read()

#: (edit, component rows to add, net -> pins to add); a net not in the base is new.
ADDITIONS = [
    ("decoupling capacitor on the supply", ["C2,C,1uF"], {"+5V": ["C2.1"], "GND": ["C2.2"]}),
    ("a part on an unnamed net", ["C3,C,10nF"], {"N1": ["C3.1"], "GND": ["C3.2"]}),
    ("a part on a local label's net", ["R4,R,100k"], {"/MID": ["R4.1"], "GND": ["R4.2"]}),
    ("two parts on a new net", ["R5,R,1k", "C4,C,1nF"], {"/MID": ["R5.1"], "OUT2": ["R5.2", "C4.1"],
                                                          "GND": ["C4.2"]}),
    ("a stock IC", ["U1,LM358,LM358"], {"+5V": ["U1.8"], "GND": ["U1.4"], "/MID": ["U1.3"],
                                        "N1": ["U1.1", "U1.2"]}),
]


def edited(rows: list[str], nets: dict[str, list[str]]) -> str:
    """The base text with ``rows`` appended to components and ``nets``' pins to the nets."""
    lines = BASE.split("\n")
    i = next(k for k, ln in enumerate(lines) if ln.startswith("components["))
    n = int(re.search(r"\[(\d+)\]", lines[i]).group(1))
    cols = lines[i][lines[i].index("{") + 1:lines[i].index("}")].split(",")
    lines[i] = re.sub(r"\[\d+\]", f"[{n + len(rows)}]", lines[i], count=1)
    lines[i + 1 + n:i + 1 + n] = ["  " + r + "," * (len(cols) - len(r.split(","))) for r in rows]
    j = next(k for k, ln in enumerate(lines) if ln.startswith("nets["))
    m = int(re.search(r"\[(\d+)\]", lines[j]).group(1))
    todo = dict(nets)
    for k in range(j + 1, j + 1 + m):
        name, pins = lines[k][2:].split(",", 1)
        if name in todo:
            lines[k] = f'  {name},"{",".join(pins.strip(chr(34)).split(",") + todo.pop(name))}"'
    lines[j + 1 + m:j + 1 + m] = [f'  {name},"{",".join(pins)}"' for name, pins in todo.items()]
    lines[j] = re.sub(r"\[\d+\]", f"[{m + len(todo)}]", lines[j], count=1)
    return "\n".join(lines)


def _pin_sets(doc) -> set[frozenset]:
    return {frozenset(pins) for _name, pins in doc.net_pins() if len(pins) > 1}


@pytest.mark.parametrize("edit,rows,nets", ADDITIONS, ids=[a[0] for a in ADDITIONS])
def test_parts_added_without_a_position_keep_the_drawing(tmp_path, symbol_index, edit, rows, nets):
    doc = parse_tokn(edited(rows, nets))
    new = {r.split(",")[0] for r in rows}
    out = decode(doc, symbol_index, project="d")
    assert out.mode == "as-drawn", out.warnings
    assert any(w.startswith("laid out below the drawing") and all(r in w for r in new) for w in out.warnings)
    path = str(tmp_path / "d.kicad_sch")
    out.write(path)
    again = encode_design(path).document
    assert _pin_sets(again) == _pin_sets(doc)                   # the edited circuit, nothing else
    base = {c.ref: (c.x, c.y, c.a) for c in parse_tokn(BASE).components}
    assert {c.ref: (c.x, c.y, c.a) for c in again.components if c.ref in base} == base   # the drawing kept
    sch, tree = load_sheet(path)
    assert not [p for p in overlaps(item_boxes(sch, tree))
                if any(re.search(rf"\b{r}\b", x) for r in new for x in p)
                and p[0].split()[1].split(".")[0] != p[1].split()[1].split(".")[0]]



#: A sheet file used twice, its one resistor R1 in the first instance and R2 in the second.
TWO_INSTANCES = """# TOKN v1
extensions[1]: hier

components[2]{ref,type,value,fp,x,y,w,h,a,sheet}:
  R1,R,10k,Resistor_SMD:R_0603_1608Metric,50.80,50.80,,,0,S1
  R2,R,10k,Resistor_SMD:R_0603_1608Metric,50.80,50.80,,,0,S2

nets[0]{name,pins}:

wires[0]{net,pts}:

sheets[2]{id,name,file,parent,x,y,w,h}:
  S1,a,half.kicad_sch,,25.40,25.40,20.32,10.16
  S2,b,half.kicad_sch,,63.50,25.40,20.32,10.16
"""

#: (edited row, the note expected: None when nothing is lost)
INSTANCE_EDITS = [
    ("  R2,R,10k,Resistor_SMD:R_0603_1608Metric,", None),
    ("  R2,R,22k,Resistor_SMD:R_0603_1608Metric,", "not R2's (22k, Resistor_SMD:R_0603_1608Metric)"),
    ("  R2,R,10k,Resistor_SMD:R_0805_2012Metric,", "not R2's (10k, Resistor_SMD:R_0805_2012Metric)"),
]


@pytest.mark.parametrize("row,note", INSTANCE_EDITS, ids=["unchanged", "value", "footprint"])
def test_an_edit_of_one_instance_of_a_shared_sheet_is_named(symbol_index, row, note):
    """KiCad keeps one value and footprint for a symbol of a sheet used several times: an
    edit of one instance's row cannot be kept, and the decoder says so instead of silently
    drawing the first instance's."""
    text = TWO_INSTANCES.replace("  R2,R,10k,Resistor_SMD:R_0603_1608Metric,", row)
    out = decode(parse_tokn(text), symbol_index, project="d")
    found = [w for w in out.warnings if "one symbol of half.kicad_sch" in w]
    assert found == ([] if note is None else
                     [f"R2 and R1 are one symbol of half.kicad_sch, which every instance of that sheet shares: "
                      f"drawn with R1's value and footprint (10k, Resistor_SMD:R_0603_1608Metric), {note}"])


def with_nets(text: str, nets: dict[str, list[str]], types: dict[str, str] | None = None) -> str:
    """``text`` with its ``nets`` table replaced by ``nets`` (name -> pins) and the parts of
    ``types`` (ref -> type) given another symbol; the drawing rows left as they are."""
    lines = text.split("\n")
    j = next(k for k, ln in enumerate(lines) if ln.startswith("nets["))
    m = int(re.search(r"\[(\d+)\]", lines[j]).group(1))
    lines[j:j + 1 + m] = [f"nets[{len(nets)}]{{name,pins}}:"] + [f'  {n},"{",".join(p)}"' for n, p in nets.items()]
    for ref, typ in (types or {}).items():
        lines = [re.sub(rf"^  {ref},[^,]*,", f"  {ref},{typ},", ln) for ln in lines]
    return "\n".join(lines)


BASE_NETS = {"+5V": ["J1.1", "R1.1"], "/MID": ["R1.2", "R2.1", "R3.1"], "GND": ["C1.2", "J1.3", "R2.2"],
             "N1": ["C1.1", "J1.2", "R3.2"]}


def _edited_nets(**changes: list[str]) -> dict[str, list[str]]:
    out = {k: list(v) for k, v in BASE_NETS.items()}
    for name, pins in changes.items():
        out[name.replace("_SLASH_", "/")] = pins
    return {k: v for k, v in out.items() if v}


#: (edit, nets, types, what the drawing must keep saying): edits of the nets rows (and a
#: part's type) whose drawing rows still show the old connections
CONNECTIVITY_EDITS = [
    ("rename a labelled net", {**{k: v for k, v in BASE_NETS.items() if k != "/MID"},
                               "/MIDDLE": ["R1.2", "R2.1", "R3.1"]}, {}, "net /MID renamed /MIDDLE"),
    ("rename a power net", {**{k: v for k, v in BASE_NETS.items() if k != "+5V"},
                            "+5VA": ["J1.1", "R1.1"]}, {}, "net +5V renamed +5VA"),
    ("name an unnamed net", {**{k: v for k, v in BASE_NETS.items() if k != "N1"},
                             "FILT": ["C1.1", "J1.2", "R3.2"]}, {}, "net FILT named by a label"),
    ("move a pin to ground", _edited_nets(N1=["C1.1", "J1.2"], GND=["C1.2", "J1.3", "R2.2", "R3.2"]), {},
     "R3.2 joined to GND"),
    ("move a pin to an unnamed net", _edited_nets(_SLASH_MID=["R1.2", "R3.1"], N1=["C1.1", "J1.2", "R3.2", "R2.1"]),
     {}, "R2.1 joined to N1"),
    ("swap a resistor for a potentiometer", _edited_nets(_SLASH_MID=["R1.2", "R2.1", "R3.1", "R2.2"],
                                                         GND=["C1.2", "J1.3", "R2.3"]),
     {"R2": "R_Potentiometer"}, "R2.2 joined to /MID"),
]


@pytest.mark.parametrize("edit,nets,types,note", CONNECTIVITY_EDITS, ids=[e[0] for e in CONNECTIVITY_EDITS])
def test_connectivity_edits_keep_the_drawing(tmp_path, symbol_index, edit, nets, types, note):
    """The nets rows edited, the drawing rows not: the decoder changes the drawing where
    the edit touches it (labels renamed or added, a wire cut, a pin joined by a label)
    instead of laying the whole design out again."""
    doc = parse_tokn(with_nets(BASE, nets, types))
    out = decode(doc, symbol_index, project="d")
    assert out.mode == "as-drawn", out.warnings
    assert any(note in w for w in out.warnings), out.warnings
    path = str(tmp_path / "d.kicad_sch")
    out.write(path)
    again = encode_design(path).document
    assert {n: sorted(p) for n, p in again.net_pins() if len(p) > 1 or not re.match(r"N\d+$", n)} == \
        {n: sorted(p) for n, p in doc.net_pins() if len(p) > 1 or not re.match(r"N\d+$", n)}
    base = {c.ref: (c.x, c.y, c.a) for c in parse_tokn(BASE).components}
    assert {c.ref: (c.x, c.y, c.a) for c in again.components} == base      # every part where it was
