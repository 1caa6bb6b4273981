"""Decoder benchmark: prints median/95th-percentile decode times over the corpus.

Two workloads per top-level corpus design:
  * round trip  -- the full TOKN (drawing included) decoded "as drawn" with the original
                   schematic's embedded symbols (what `tokn decode --symbols-from` does);
  * LLM-style   -- the nets-only TOKN (no coordinates) decoded with the installed KiCad
                   libraries and laid out on a grid (what generation does).
Times include symbol lookup and the built-in connectivity check, not file writing.
Also prints the time to open the symbol index (warm cache: run twice); cold build times
and cache size are printed by benchmarks/bench_library.py.

Usage: .venv/bin/python benchmarks/bench_decode.py [--json out.json] [--limit N]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tokn.decode import decode, symbols_from_schematic  # noqa: E402
from tokn.doc import parse_tokn, write_tokn  # noqa: E402
from tokn.encode import encode_design  # noqa: E402
from tokn.kicad.hierarchy import load_design  # noqa: E402
from tokn.kicad.library import SymbolIndex  # noqa: E402

CORPUS = os.path.join(os.path.dirname(HERE), "..", "shared", "corpus")


def designs(limit: int | None) -> list[str]:
    with open(os.path.join(CORPUS, "manifest.csv"), newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["is_top_level"] == "yes"]
    paths = [os.path.join(CORPUS, r["local_path"]) for r in rows]
    return paths[:limit] if limit else paths


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()

    t = time.perf_counter()
    index = SymbolIndex.default()
    index.get("Device:R")
    index_s = time.perf_counter() - t

    round_trip, llm, modes, failures = [], [], {}, []
    for p in designs(args.limit):
        full = parse_tokn(write_tokn(encode_design(p).document))
        nets_only = parse_tokn(write_tokn(encode_design(p, detail="nets").document))
        symbols = {}
        for f in load_design(p).files.values():
            symbols.update(symbols_from_schematic(f))
        try:
            t = time.perf_counter()
            d = decode(full, index, symbols=symbols, project="bench")
            round_trip.append(time.perf_counter() - t)
            modes[d.mode] = modes.get(d.mode, 0) + 1
            t = time.perf_counter()
            decode(nets_only, index, symbols=symbols, project="bench", layout="grid")
            llm.append(time.perf_counter() - t)
        except Exception as e:  # noqa: BLE001 - reported, benchmark goes on
            failures.append(f"{p}: {e}")

    figures = {
        "designs": len(round_trip),
        "round_trip_median_s": statistics.median(round_trip),
        "round_trip_p95_s": pct(round_trip, 0.95),
        "grid_layout_median_s": statistics.median(llm),
        "grid_layout_p95_s": pct(llm, 0.95),
        "modes": modes,
        "index_open_s": index_s,
        "failures": failures,
    }
    print(f"{'designs':32}{figures['designs']}")
    for k in ("round_trip_median_s", "round_trip_p95_s", "grid_layout_median_s", "grid_layout_p95_s",
              "index_open_s"):
        print(f"{k:32}{figures[k]:.3f}")
    print(f"{'modes':32}{modes}")
    for f in failures:
        print("FAILED", f)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
