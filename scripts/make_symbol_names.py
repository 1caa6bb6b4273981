#!/usr/bin/env python3
"""Generate ``tokn/data/kicad9-symbol-names.tsv.gz``: symbol name -> stock KiCad libraries.

Reads the stock KiCad 9 symbol libraries (the rows of KiCad's template ``sym-lib-table``
next to the symbol directory when present, else every ``*.kicad_sym`` of the directory,
nickname = file stem) and writes one line per symbol name, sorted::

    NAME<TAB>Lib1,Lib2

after ``#`` header lines naming the ``kicad-symbols`` package version (``dpkg-query -W
kicad-symbols``, or ``--version``), the symbol directory and the counts.  The gzip stream
carries no timestamp, so the same libraries give the same bytes.

Usage: ``python scripts/make_symbol_names.py [--symbol-dir DIR] [--version V] [--out PATH]``
"""
from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tokn.kicad.libtable import (default_symbol_dir, parse_sym_lib_table,  # noqa: E402
                                 path_variables, scan_symbol_dir)
from tokn.kicad.library import SymbolIndex  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(HERE), "tokn", "data", "kicad9-symbol-names.tsv.gz")


def package_version() -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "kicad-symbols"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return out or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def stock_libraries(symbol_dir: str) -> dict[str, str]:
    """nickname -> path of the stock libraries in ``symbol_dir``."""
    template = os.path.join(os.path.dirname(symbol_dir), "template", "sym-lib-table")
    if os.path.isfile(template):
        variables = dict(path_variables())
        for v in ("KICAD9_SYMBOL_DIR", "KICAD8_SYMBOL_DIR"):
            variables[v] = symbol_dir
        rows = parse_sym_lib_table(template, variables)
    else:
        rows = scan_symbol_dir(symbol_dir)
    return {r.name: r.path for r in rows if os.path.isfile(r.path) and not r.disabled}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--symbol-dir", default=default_symbol_dir())
    ap.add_argument("--version", default=None, help="kicad-symbols version for the header")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.symbol_dir or not os.path.isdir(args.symbol_dir):
        ap.error("no KiCad symbol directory (use --symbol-dir)")
    libs = stock_libraries(args.symbol_dir)
    index = SymbolIndex(libs, use_cache=False)
    if index.warnings:
        for w in index.warnings:
            print("warning:", w, file=sys.stderr)
    names: dict[str, list[str]] = {}
    for lib_id in index.lib_ids():
        nick, _, name = lib_id.partition(":")
        names.setdefault(name, []).append(nick)
    lines = [
        f"# kicad-symbols: {args.version or package_version()}",
        "# generator: scripts/make_symbol_names.py",
        f"# source: {args.symbol_dir}",
        f"# libraries: {len(index.libraries)}",
        f"# symbols: {len(index)}",
        f"# names: {len(names)}",
        "# format: NAME<TAB>comma-separated library nicknames (sorted)",
    ]
    lines += [f"{n}\t{','.join(sorted(set(v)))}" for n, v in sorted(names.items())]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(data)
    print(f"wrote {args.out}: {len(names)} names from {len(index.libraries)} libraries "
          f"({os.path.getsize(args.out)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
