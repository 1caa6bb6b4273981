"""Experiment: arrange the layout's clusters with Graphviz instead of rows.

Replaces ``tokn.decode.layout.arrange`` by a Graphviz placement (``neato`` with overlap
removal, or ``fdp``/``sfdp``): one node per cluster drawing, sized like it, one edge per
signal net two clusters share.  Then runs the layout benchmark's measurements on the same
workloads, so the two arrangements can be compared (docs/layout.md records the result).
Needs Graphviz (Debian package ``graphviz``); not used by tokn itself.

Usage: .venv/bin/python benchmarks/layout_graphviz.py [--engine neato|fdp|sfdp] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bench_layout  # noqa: E402
from tokn.decode import layout  # noqa: E402
from tokn.decode.stubs import is_power_net  # noqa: E402
from tokn.kicad.library import SymbolIndex  # noqa: E402

GRID = 1.27
MM_PER_INCH = 25.4


def graphviz_arrange(engine: str):
    def arrange(drawings):
        nets = []
        for d in drawings:
            nets.append({u.unit.nets[p.number] for u in d.symbols for p in u.unit.pins
                         if not is_power_net(u.unit.nets[p.number])})
        lines = ["graph G {", 'graph [overlap=false, sep="+6", splines=false];', "node [shape=box, fixedsize=true];"]
        for i, d in enumerate(drawings):
            w = (d.box[2] - d.box[0] + 5.08) / MM_PER_INCH
            h = (d.box[3] - d.box[1] + 5.08) / MM_PER_INCH
            lines.append(f'n{i} [width={w:.3f}, height={h:.3f}];')
        for i in range(len(drawings)):
            for j in range(i + 1, len(drawings)):
                shared = len(nets[i] & nets[j])
                if shared:
                    lines.append(f"n{i} -- n{j} [weight={shared}];")
        lines.append("}")
        out = subprocess.run([engine, "-Tplain"], input="\n".join(lines), capture_output=True, text=True,
                             check=True).stdout
        pos = {}
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == "node":
                pos[int(parts[1][1:])] = (float(parts[2]) * MM_PER_INCH, -float(parts[3]) * MM_PER_INCH)
        xs = [pos[i][0] - (d.box[2] - d.box[0]) / 2 for i, d in enumerate(drawings)]
        ys = [pos[i][1] - (d.box[3] - d.box[1]) / 2 for i, d in enumerate(drawings)]
        x0, y0 = min(xs), min(ys)
        offs = []
        for i, d in enumerate(drawings):
            cx = pos[i][0] - x0 + layout.ORIGIN[0] + (d.box[2] - d.box[0]) / 2 - (d.box[0] + d.box[2]) / 2
            cy = pos[i][1] - y0 + layout.ORIGIN[1] + (d.box[3] - d.box[1]) / 2 - (d.box[1] + d.box[3]) / 2
            offs.append((round(cx / GRID) * GRID, round(cy / GRID) * GRID))
        return offs
    return arrange


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="neato")
    ap.add_argument("--json")
    a = ap.parse_args()
    layout.arrange = graphviz_arrange(a.engine)
    index = SymbolIndex.default()
    rows = []
    for name, src in bench_layout.workloads():
        row = bench_layout.measure(name, src, index, False, None)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "overlap_examples"}), flush=True)
    bench_layout.report(rows, a.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
