"""Write the fixture ``tests/fixtures/project_top_level_sheets`` and record KiCad 10's netlist.

A KiCad 10 project (``top.kicad_pro``) listing two top-level sheets: ``top.kicad_sch``
(R1, R4) and ``second.kicad_sch`` (R2, and a sheet ``sub`` holding R3).  Every sheet has a
local label ``LOC`` (on R1/R4 pin 1, R2 pin 1, R3 pin 1) and a global label ``SIG_A`` (pin
2), so KiCad 10's netlist of ``top.kicad_sch`` (``top.k10.net``) shows how it joins them:
``SIG_A`` across all, ``/top/LOC``, ``/second/LOC`` and ``/second/sub/LOC`` apart.  The
files are written in KiCad 10's format (20260306), which KiCad 9 cannot load.

Usage: ``python scripts/make_top_level_sheets_fixture.py [--out DIR] [--kicad10 CLI]``
(default CLI: ``scripts/kicad10-cli``, after scripts/install-kicad10.sh).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "tests", "fixtures", "project_top_level_sheets")
TOP, SECOND, SUB_SHEET, SUB_FILE = ("11111111-1111-1111-1111-111111110000", "22222222-2222-2222-2222-222222220000",
                                    "33333333-3333-3333-3333-333333330000", "44444444-4444-4444-4444-444444440000")
FONT = "(effects (font (size 1.27 1.27)))"
LIB_SYMBOLS = f"""\t(lib_symbols
\t\t(symbol "Device:R"
\t\t\t(pin_numbers (hide yes))
\t\t\t(pin_names (offset 0))
\t\t\t(exclude_from_sim no) (in_bom yes) (on_board yes)
\t\t\t(property "Reference" "R" (at 2.032 0 90) {FONT})
\t\t\t(property "Value" "R" (at 0 0 90) {FONT})
\t\t\t(property "Footprint" "" (at -1.778 0 90) (effects (font (size 1.27 1.27)) (hide yes)))
\t\t\t(property "Datasheet" "~" (at 0 0 0) (effects (font (size 1.27 1.27)) (hide yes)))
\t\t\t(symbol "R_0_1"
\t\t\t\t(rectangle (start -1.016 -2.54) (end 1.016 2.54) (stroke (width 0.254) (type default)) (fill (type none)))
\t\t\t)
\t\t\t(symbol "R_1_1"
\t\t\t\t(pin passive line (at 0 3.81 270) (length 1.27) (name "~" {FONT}) (number "1" {FONT}))
\t\t\t\t(pin passive line (at 0 -3.81 90) (length 1.27) (name "~" {FONT}) (number "2" {FONT}))
\t\t\t)
\t\t)
\t)
"""


class _Ids:
    """UUIDs ``<prefix>-0000-0000-0000-<n>``, numbered in the order asked for."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-0000-0000-0000-{self.n:012d}"


def resistor(uid: _Ids, ref: str, x: float, y: float, path: str, prefix: str) -> str:
    """A Device:R at (x, y), pin 1 at y - 3.81, pin 2 at y + 3.81, annotated ``ref`` at ``path``."""
    return f"""\t(symbol (lib_id "Device:R") (at {x} {y} 0) (unit 1)
\t\t(exclude_from_sim no) (in_bom yes) (on_board yes) (dnp no)
\t\t(uuid "{uid(prefix)}")
\t\t(property "Reference" "{ref}" (at {x + 2} {y} 0) {FONT})
\t\t(property "Value" "10k" (at {x + 4} {y} 0) {FONT})
\t\t(property "Footprint" "" (at {x} {y} 0) (effects (font (size 1.27 1.27)) (hide yes)))
\t\t(property "Datasheet" "" (at {x} {y} 0) (effects (font (size 1.27 1.27)) (hide yes)))
\t\t(pin "1" (uuid "{uid(prefix)}"))
\t\t(pin "2" (uuid "{uid(prefix)}"))
\t\t(instances (project "top" (path "{path}" (reference "{ref}") (unit 1))))
\t)
"""


def label(uid: _Ids, kind: str, name: str, x: float, y: float, angle: int, prefix: str) -> str:
    if kind == "global":
        return (f'\t(global_label "{name}" (shape passive) (at {x} {y} {angle}) '
                f'(effects (font (size 1.27 1.27)) (justify left)) (uuid "{uid(prefix)}"))\n')
    return (f'\t(label "{name}" (at {x} {y} {angle}) (effects (font (size 1.27 1.27)) (justify left bottom)) '
            f'(uuid "{uid(prefix)}"))\n')


def labelled_resistor(uid: _Ids, ref: str, x: float, path: str, prefix: str, global_label: bool = True) -> str:
    """A resistor at (x, 100): local label LOC on pin 1, global SIG_A on pin 2 (optional)."""
    out = resistor(uid, ref, x, 100, path, prefix) + label(uid, "local", "LOC", x, 96.19, 90, prefix)
    if global_label:
        out += label(uid, "global", "SIG_A", x, 103.81, 270, prefix)
    return out


def sheet_symbol(name: str, file: str, x: float, y: float, uuid: str, parent_path: str, page: str) -> str:
    return f"""\t(sheet (at {x} {y}) (size 20 20) (exclude_from_sim no) (in_bom yes) (on_board yes) (dnp no)
\t\t(stroke (width 0.1524) (type solid)) (fill (color 0 0 0 0.0000))
\t\t(uuid "{uuid}")
\t\t(property "Sheetname" "{name}" (at {x} {y - 1} 0) (effects (font (size 1.27 1.27)) (justify left bottom)))
\t\t(property "Sheetfile" "{file}" (at {x} {y + 21} 0) (effects (font (size 1.27 1.27)) (justify left top)))
\t\t(instances (project "top" (path "{parent_path}" (page "{page}"))))
\t)
"""


def schematic(uuid: str, body: str) -> str:
    return (f'(kicad_sch\n\t(version 20260306)\n\t(generator "eeschema")\n\t(generator_version "10.0")\n'
            f'\t(uuid "{uuid}")\n\t(paper "A4")\n{LIB_SYMBOLS}{body}'
            '\t(sheet_instances (path "/" (page "1")))\n\t(embedded_fonts no)\n)\n')


def write(out: str) -> None:
    uid = _Ids()
    top = labelled_resistor(uid, "R1", 100, f"/{TOP}", "a1111111") + \
        labelled_resistor(uid, "R4", 120, f"/{TOP}", "a1111111", global_label=False)
    second = labelled_resistor(uid, "R2", 100, f"/{SECOND}", "b2222222") + \
        sheet_symbol("sub", "sub.kicad_sch", 150, 80, SUB_SHEET, f"/{SECOND}", "3")
    sub = labelled_resistor(uid, "R3", 100, f"/{SECOND}/{SUB_SHEET}", "c3333333")
    os.makedirs(out, exist_ok=True)
    for name, uuid, body in (("top", TOP, top), ("second", SECOND, second), ("sub", SUB_FILE, sub)):
        with open(os.path.join(out, f"{name}.kicad_sch"), "w", encoding="utf-8") as f:
            f.write(schematic(uuid, body))
    project = {"meta": {"filename": "top.kicad_pro", "version": 3},
               "schematic": {"top_level_sheets": [{"filename": "top.kicad_sch", "name": "top", "uuid": TOP},
                                                  {"filename": "second.kicad_sch", "name": "second",
                                                   "uuid": SECOND}]}}
    with open(os.path.join(out, "top.kicad_pro"), "w", encoding="utf-8") as f:
        json.dump(project, f, indent=2)
        f.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--kicad10", default=os.path.join(HERE, "kicad10-cli"))
    args = ap.parse_args()
    write(args.out)
    subprocess.run([args.kicad10, "sch", "export", "netlist", "-o", os.path.join(args.out, "top.k10.net"),
                    os.path.join(args.out, "top.kicad_sch")], check=True, capture_output=True)
    prl = os.path.join(args.out, "top.kicad_prl")          # kicad-cli's local settings: not the fixture's
    if os.path.exists(prl):
        os.remove(prl)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
