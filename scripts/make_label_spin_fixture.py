"""Write the label-direction fixture and KiCad 10's re-save of it.

``tests/fixtures/labels/label_spin.kicad_sch`` (format 20231120, KiCad 8's) holds a label
of each kind (local, global, hierarchical, directive) at each right angle with each
justification (none, ``left``, ``right``, ``left bottom``, ``right bottom``).  KiCad 10's
``kicad-cli sch upgrade`` writes each label at the angle it gives it (its spin style), so
its copy, ``label_spin.k10up.kicad_sch``, is the oracle ``tests/test_label_direction.py``
reads tokn's label angles against (KiCad 9 draws the original as that copy: their SVG
exports are the same).

Usage: ``python scripts/make_label_spin_fixture.py [--kicad10 scripts/kicad10-cli]``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess

from tokn.kicad import build as B
from tokn.sexpr import dumps

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "labels")
ANGLES = (0, 90, 180, 270)
JUSTIFY = ("", "left", "right", "left bottom", "right bottom")
HEADS = {"local": "label", "global": "global_label", "hier": "hierarchical_label", "directive": "netclass_flag"}


def label(kind: str, angle: int, justify: str, x: float, y: float) -> list:
    """One label named after its kind, angle and justification (``g180_right``)."""
    name = f"{kind[0]}{angle}_{justify.replace(' ', '_') or 'none'}"
    effects = B.effects(justify=justify)
    if kind == "directive":
        return ["netclass_flag", B.q(""), ["length", "2.54"], ["shape", "round"], B.at(x, y, angle),
                effects, ["uuid", B.q(B.uid(name))], B.prop("Netclass", name, x, y, 0)]
    shape = [] if kind == "local" else [["shape", "input"]]
    return [HEADS[kind], B.q(name), *shape, B.at(x, y, angle), effects, ["uuid", B.q(B.uid(name))]]


def schematic() -> str:
    items = []
    for row, kind in enumerate(HEADS):
        for col, (angle, justify) in enumerate((a, j) for a in ANGLES for j in JUSTIFY):
            items.append(label(kind, angle, justify, 20 + 12.7 * col, 20 + 30.48 * row))
    root = ["kicad_sch", ["version", "20231120"], ["generator", B.q("eeschema")],
            ["generator_version", B.q("8.0")], ["uuid", B.q(B.uid("label_spin"))], ["paper", B.q("A1")],
            ["lib_symbols"], *items, ["sheet_instances", ["path", B.q("/"), ["page", B.q("1")]]]]
    return dumps(root) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kicad10", default=os.path.join(HERE, "kicad10-cli"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    src = os.path.abspath(os.path.join(OUT, "label_spin.kicad_sch"))
    with open(src, "w", encoding="utf-8") as f:
        f.write(schematic())
    up = src.replace(".kicad_sch", ".k10up.kicad_sch")
    shutil.copyfile(src, up)
    subprocess.run([args.kicad10, "sch", "upgrade", up], check=True)
    print(src, up)


if __name__ == "__main__":
    main()
