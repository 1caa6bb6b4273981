"""Layout benchmark: how readable the decoder's own layout is (documents without a drawing).

Workloads: every bundled few-shot example (tokn/data/fewshot/*.tokn) and the 20 smallest
top-level corpus designs (by component count in the manifest), encoded with
``--detail nets`` (no drawing) and decoded with ``layout="grid"``.

Per design it records, from the written schematic:
  * overlaps   -- pairs of overlapping boxes (symbol bodies with pins, visible fields,
                  labels); must be 0 (tokn.kicad.drawcheck)
  * crossings  -- pairs of wire segments crossing each other
  * wired      -- share of the connections the nets need (pins - 1 per net) made by
                  wires alone, the rest through labels and power symbols
  * labels, power -- label and power-symbol counts
  * span       -- mean half-perimeter of the box around each signal net's pins (mm):
                  parts that share signal nets near each other make it small
  * area       -- width x height of the box around everything drawn (cm^2)
  * nets_ok    -- our engine (decode's own check) and, with --kicad, KiCad's netlist give
                  exactly the document's pin groups
  * erc        -- with --kicad: KiCad ERC error count
  * seconds    -- decode time

With ``--detail full`` the corpus designs keep their drawing in the document (no-connect
markers included) and are still laid out: the case of a design whose symbols must be
generated; ERC's pin_not_connected count shows the no-connect flags being kept.

Usage: .venv/bin/python benchmarks/bench_layout.py [--kicad] [--json out.json] [--png DIR]
       [--only NAME ...] [--detail nets|full]
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from tokn.decode import decode  # noqa: E402
from tokn.doc import parse_tokn  # noqa: E402
from tokn.encode import encode_design  # noqa: E402
from tokn.kicad import drawcheck  # noqa: E402
from tokn.kicad.library import SymbolIndex  # noqa: E402
from tokn.validate import split_pin_ref  # noqa: E402
from tokn.decode.stubs import is_power_net  # noqa: E402

CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
FEWSHOT = os.path.join(ROOT, "tokn", "data", "fewshot")


def corpus_designs(n: int = 20) -> list[str]:
    """The ``n`` top-level corpus designs with the fewest components (ties by path)."""
    manifest = os.path.join(CORPUS, "manifest.csv")
    if not os.path.exists(manifest):
        return []
    with open(manifest, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["is_top_level"] == "yes"]
    sized = []
    for r in rows:
        m = re.search(r"comps=(\d+)", r["notes"])
        sized.append((int(m.group(1)) if m else 10 ** 6, r["local_path"]))
    return [os.path.join(CORPUS, p) for _, p in sorted(sized)[:n]]


def workloads() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for p in sorted(glob.glob(os.path.join(FEWSHOT, "*.tokn"))):
        out.append((os.path.splitext(os.path.basename(p))[0], p))
    for p in corpus_designs():
        out.append((os.path.splitext(os.path.basename(p))[0], p))
    return out


def load_doc(src: str, detail: str = "nets"):
    if src.endswith(".tokn"):
        with open(src, encoding="utf-8") as f:
            return parse_tokn(f.read(), src)
    return encode_design(src, detail=detail).document


def measure(name: str, src: str, index, kicad: bool, png_dir: str | None, detail: str = "nets") -> dict:
    doc = load_doc(src, detail)
    want = [frozenset(sp for sp in (split_pin_ref(p) for p in n.pins) if sp) for n in doc.nets]
    signal = [frozenset(sp for sp in (split_pin_ref(p) for p in n.pins) if sp) for n in doc.nets
              if not is_power_net(n.name)]
    want = [w for w in want if w]
    row: dict = {"design": name, "parts": len(doc.refs()), "nets": len(want)}
    t = time.perf_counter()
    try:
        dec = decode(doc, index, project="bench", layout="grid")
    except Exception as e:  # noqa: BLE001 - a failure is a result
        row["error"] = str(e)[:200]
        return row
    row["seconds"] = round(time.perf_counter() - t, 3)
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "bench.kicad_sch")
        dec.write(path)
        sch, tree = drawcheck.load_sheet(path)
        boxes = drawcheck.item_boxes(sch, tree)
        clashes = drawcheck.overlaps(boxes)
        share = drawcheck.wired_connections(sch, [set(w) for w in want])
        ext = drawcheck.extent(sch, boxes)
        row.update({
            "nets_ok": True,   # decode() raises when its own engine disagrees
            "overlaps": len(clashes), "overlap_examples": clashes[:3],
            "crossings": drawcheck.wire_crossings(sch),
            "wired": share.wired, "connections": share.needed, "wired_share": round(share.share, 3),
            "labels": len(sch.labels),
            "span_mm": round(drawcheck.net_span(sch, [set(w) for w in signal]), 1),
            "power": sum(1 for s in sch.symbols if s.properties.get("Reference", "").startswith("#PWR")),
            "noconnects": len(sch.no_connects),
            "area_cm2": round((ext[2] - ext[0]) * (ext[3] - ext[1]) / 100, 1) if ext else 0.0,
        })
        if kicad:
            from tokn.kicad import kicad_cli
            net = kicad_cli.export_netlist(path)
            got = {frozenset(p for p in pins if not p[0].startswith("#")) for pins in net.nets.values()}
            got = {g for g in got if len(g) > 1}
            row["kicad_nets_ok"] = {w for w in want if len(w) > 1} == got
            erc = kicad_cli.run_erc(path)
            row["erc_errors"] = erc["errors"]
            row["erc_pin_not_connected"] = sum(1 for v in erc["violations"] if v.get("type") == "pin_not_connected")
        if png_dir:
            from tokn.preview import export_preview
            export_preview(path, png_path=os.path.join(png_dir, f"{name}.png"), width=900)
    return row


def summary(rows: list[dict]) -> dict:
    ok = [r for r in rows if "error" not in r]
    total_needed = sum(r["connections"] for r in ok)
    out = {"designs": len(rows), "failed": len(rows) - len(ok),
           "overlaps": sum(r["overlaps"] for r in ok),
           "crossings": sum(r["crossings"] for r in ok),
           "wired_share": round(sum(r["wired"] for r in ok) / total_needed, 3) if total_needed else 0,
           "labels": sum(r["labels"] for r in ok),
           "span_mm": round(sum(r["span_mm"] for r in ok) / len(ok), 1) if ok else 0.0,
           "area_cm2": round(sum(r["area_cm2"] for r in ok), 1)}
    if ok and "erc_errors" in ok[0]:
        out["erc_errors"] = sum(r["erc_errors"] for r in ok)
        out["erc_pin_not_connected"] = sum(r.get("erc_pin_not_connected", 0) for r in ok)
        out["kicad_nets_ok"] = sum(1 for r in ok if r["kicad_nets_ok"])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kicad", action="store_true", help="also check nets and ERC with kicad-cli")
    ap.add_argument("--json", help="write the rows and the summary here")
    ap.add_argument("--png", help="write a preview PNG of each design into this folder")
    ap.add_argument("--only", nargs="*", help="design names to run")
    ap.add_argument("--detail", default="nets", choices=["nets", "full"],
                    help="encode corpus designs at this detail (full: the drawing is there but the "
                         "layout is forced, as when a part's symbol must be generated)")
    a = ap.parse_args()
    index = SymbolIndex.default()
    rows = []
    for name, src in workloads():
        if a.only and name not in a.only:
            continue
        row = measure(name, src, index, a.kicad, a.png, a.detail)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "overlap_examples"}), flush=True)
    report(rows, a.json)
    return 0


def report(rows: list[dict], json_path: str | None) -> None:
    """Print the summary of ``rows`` and keep rows and summary in ``json_path`` when given."""
    s = summary(rows)
    print(json.dumps(s))
    if json_path:
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump({"rows": rows, "summary": s}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
