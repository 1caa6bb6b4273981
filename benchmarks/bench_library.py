"""Benchmark the KiCad symbol index (:mod:`tokn.kicad.library`).

Usage::

    .venv/bin/python benchmarks/bench_library.py [--symbol-dir DIR] [--reps 5] [--json FILE]
                                                 [--compare-exact]

On every ``*.kicad_sym`` of the stock symbol directory (nickname = file stem), with a
fresh temporary cache directory:

* cold build: scan every library and write the cache (wall and CPU seconds);
* warm load: build the index again from the cache, median of ``--reps`` (wall ms);
* cache size on disk (MB), symbol and pin counts;
* ``get`` latency: median and 95th percentile over 300 lib_ids drawn with a fixed seed
  (reads the symbol's bytes, parses it and its parents, flattens, builds a LibSymbol);
* ``info`` latency over the same ids (index only, pins decoded once per library);
* ``find`` latency: the first call (loads every library's find tables) and the median of
  a fixed list of part-name queries afterwards;
* with ``--compare-exact``: the time of the exact reader (``tokn.sexpr.parse`` +
  ``parse_lib_symbol`` on every file), the cost the scanner avoids.

Prints a table; ``--json FILE`` also saves every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tokn.kicad.library import SymbolIndex, scan_library_text  # noqa: E402
from tokn.kicad.libtable import default_symbol_dir, scan_symbol_dir  # noqa: E402

QUERIES = ["TL072", "NE555", "ATmega328P-AU", "MCP2551", "AMS1117-3.3", "LM317", "LM7805",
           "R", "GND", "ESP32-S3", "STM32F103C8T6", "MAX98306EDT", "usb c receptacle",
           "resistor", "op amp dual", "74HC595", "1N4148", "BSS138", "crystal 4 pin", "LED"]


def _ms(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"median_ms": statistics.median(xs) * 1e3,
            "p95_ms": xs[min(len(xs) - 1, int(0.95 * len(xs)))] * 1e3,
            "max_ms": xs[-1] * 1e3, "n": len(xs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark the KiCad symbol index")
    ap.add_argument("--symbol-dir", default=default_symbol_dir())
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", default=None)
    ap.add_argument("--compare-exact", action="store_true")
    args = ap.parse_args(argv)
    if not args.symbol_dir or not os.path.isdir(args.symbol_dir):
        ap.error("no KiCad symbol directory (use --symbol-dir)")
    libs = {e.name: e.path for e in scan_symbol_dir(args.symbol_dir)}
    res: dict = {"symbol_dir": args.symbol_dir, "libraries": len(libs),
                 "library_mb": sum(os.path.getsize(p) for p in libs.values()) / 1e6,
                 "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="tokn-bench-cache-") as cache:
        t, c = time.perf_counter(), time.process_time()
        idx = SymbolIndex(libs, cache_dir=cache)
        res["cold_build_s"] = time.perf_counter() - t
        res["cold_build_cpu_s"] = time.process_time() - c
        st = idx.stats()
        res.update(symbols=st.symbols, pins=st.pins, cache_mb=st.cache_bytes / 1e6,
                   warnings=len(st.warnings))
        warm = []
        for _ in range(args.reps):
            t = time.perf_counter()
            idx = SymbolIndex(libs, cache_dir=cache)
            warm.append(time.perf_counter() - t)
        assert idx.stats().cached_files == len(idx.libraries)
        res["warm_load_ms"] = statistics.median(warm) * 1e3
        res["warm_load_min_ms"] = min(warm) * 1e3

        ids = sorted(idx.lib_ids())
        sample = random.Random(0).sample(ids, min(300, len(ids)))
        times = []
        for lid in sample:
            t = time.perf_counter()
            assert idx.get(lid) is not None
            times.append(time.perf_counter() - t)
        res["get"] = _ms(times)
        times = []
        for lid in sample:
            t = time.perf_counter()
            idx.info(lid)
            times.append(time.perf_counter() - t)
        res["info"] = _ms(times)

        t = time.perf_counter()
        first = idx.find(QUERIES[0])
        res["find_first_ms"] = (time.perf_counter() - t) * 1e3
        times = []
        for q in QUERIES:
            t = time.perf_counter()
            idx.find(q)
            times.append(time.perf_counter() - t)
        res["find"] = _ms(times)
        res["find_examples"] = {q: idx.find(q, 3) for q in QUERIES}
        assert first == idx.find(QUERIES[0])

    if args.compare_exact:
        t = time.perf_counter()
        for p in libs.values():
            with open(p, encoding="utf-8") as f:
                scan_library_text(f.read(), p, exact=True)
        res["exact_reader_s"] = time.perf_counter() - t

    print(f"libraries            {res['libraries']} ({res['library_mb']:.0f} MB), "
          f"{res['symbols']} symbols, {res['pins']} pins, {res['cpus']} CPUs")
    print(f"cold build           {res['cold_build_s']:.2f} s wall, {res['cold_build_cpu_s']:.2f} s CPU")
    if "exact_reader_s" in res:
        print(f"exact reader         {res['exact_reader_s']:.2f} s (for comparison)")
    print(f"warm load            {res['warm_load_ms']:.0f} ms median (min {res['warm_load_min_ms']:.0f})")
    print(f"cache size           {res['cache_mb']:.1f} MB")
    for k in ("get", "info", "find"):
        v = res[k]
        print(f"{k:<20} {v['median_ms']:.3f} ms median, p95 {v['p95_ms']:.3f} ms, "
              f"max {v['max_ms']:.1f} ms (n={v['n']})")
    print(f"find, first call     {res['find_first_ms']:.0f} ms (loads the find tables)")
    for q, got in res["find_examples"].items():
        print(f"  {q!r:22} -> {', '.join(got)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
