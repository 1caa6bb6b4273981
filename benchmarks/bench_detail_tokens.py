"""Token cost of each detail level, and what the ``symbols`` extension adds to ``full``.

Usage::

    .venv/bin/python benchmarks/bench_detail_tokens.py [--json FILE] [--no-demos]

Over the shared corpus's top-level schematics and KiCad's demo projects
(``/usr/share/kicad/demos``, or ``$TOKN_KICAD_DEMOS``): cl100k_base tokens of the
``.kicad_sch`` text (every sheet file once per design) and of the TOKN text at ``full``,
at ``full`` without the extension content (``symbol{...}`` tables and the fields values
refer to), ``v1`` and ``nets`` (each as ``tokn encode --detail`` writes it).  Prints, per design set, the median per-design reduction
against the ``.kicad_sch`` files at each level, the median and largest growth of ``full``
caused by the extension, and how many designs carry symbols.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from bench_encode import corpus_top_level  # noqa: E402
from check_designs import find_designs  # noqa: E402

from tokn.doc import write_tokn  # noqa: E402
from tokn.encode import encode_design  # noqa: E402
from tokn.tokens import count_tokens  # noqa: E402

DEMOS = os.environ.get("TOKN_KICAD_DEMOS", "/usr/share/kicad/demos")


def measure(path: str) -> dict:
    res = encode_design(path)
    kicad = 0
    for f in res.design.files:
        with open(f, encoding="utf-8", newline="") as fh:
            kicad += count_tokens(fh.read())
    doc = res.document
    bare = copy.deepcopy(doc)
    bare.symbols, bare.fields = {}, []
    row = {"source": path, "kicad": kicad, "full": count_tokens(write_tokn(doc)),
           "full_without_extension": count_tokens(write_tokn(bare)), "symbols_carried": len(doc.symbols)}
    for level in ("v1", "nets"):       # as the encoder writes them: the pins its no-connect
        row[level] = count_tokens(write_tokn(encode_design(path, detail=level).document))   # markers flag, pwrflags
    return row


def summary(rows: list[dict]) -> dict:
    def red(key: str) -> float:
        return statistics.median(1 - r[key] / r["kicad"] for r in rows)
    growth = [r["full"] / r["full_without_extension"] - 1 for r in rows]
    return {"designs": len(rows), **{f"median_reduction_{k}": round(red(k), 4)
                                     for k in ("full", "full_without_extension", "v1", "nets")},
            "median_growth_of_full": round(statistics.median(growth), 4), "max_growth_of_full": round(max(growth), 4),
            "designs_carrying_symbols": sum(1 for r in rows if r["symbols_carried"])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write every figure to this file")
    ap.add_argument("--no-demos", action="store_true", help="the shared corpus only")
    args = ap.parse_args(argv)
    sets = {"corpus": corpus_top_level()}
    if not args.no_demos:
        sets["demos"] = find_designs([DEMOS])
    rows: dict[str, list[dict]] = {name: [measure(p) for p in paths] for name, paths in sets.items()}
    rows["all"] = [r for name in sets for r in rows[name]]
    out = {name: summary(rs) for name, rs in rows.items() if rs}
    for name, s in out.items():
        print(f"{name:7s} {s['designs']:3d} designs  median reduction: full {s['median_reduction_full']:.1%} "
              f"(without extension {s['median_reduction_full_without_extension']:.1%}), "
              f"v1 {s['median_reduction_v1']:.1%}, nets {s['median_reduction_nets']:.1%}; "
              f"full grows by median {s['median_growth_of_full']:.1%} (max {s['max_growth_of_full']:.1%}); "
              f"{s['designs_carrying_symbols']} carry symbols")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"summary": out, "designs": rows["all"]}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
