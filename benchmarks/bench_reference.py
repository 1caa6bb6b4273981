"""``tokn encode`` side by side with the public TOKN reference encoder, both measured here.

Usage::

    git clone <the reference's repository> /tmp/tokn-reference        # not part of tokn
    .venv/bin/python benchmarks/bench_reference.py --reference /tmp/tokn-reference/src \
        [--reps 3] [--demos /usr/share/kicad/demos] [--json FILE]

The reference is run through ``benchmarks/reference_driver.py`` (its ``parse_schematic``,
``analyze_connectivity`` and ``encode_tokn`` per file, as its ``convert_file`` and its
training-data script do); tokn as ``python -m tokn encode`` (what the ``tokn`` console
script runs).  Every command is a fresh process (interpreter start, imports, all files,
output written); reference and tokn alternate, ``--reps`` times; best wall and least CPU
(user + system) count.  Two sets of files:

* ``single-sheet``: designs of one sheet file (the issue's own kind of input): those of the
  shared corpus and of ``--demos``; both encoders get exactly the same files;
* ``corpus``: the shared corpus's 34 top-level designs; tokn encodes each design with its
  sub-sheets, the reference (which reads one file at a time) every sheet file of them: the
  same bytes, and tokn does the hierarchy on top.

Modes: ``dir`` (a ``.tokn`` per design) and ``jsonl`` (one record per design; tokn's records
hold the TOKN's cl100k token count, the reference's none), each in one process (tokn ``-j 1``)
and with tokn's default workers (one per CPU; the reference has no parallel mode, so its
one-process run is the comparison).  The median-size single-sheet design is timed alone,
``--median-runs`` fresh processes each.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_encode_cli import CORPUS, CPU, REPO, _wall, corpus_designs  # noqa: E402


def single_sheet_designs(demos: str | None) -> list[str]:
    """Top-level schematics whose design is that one file: the corpus's, and those of the
    KiCad demo projects under ``demos`` (a ``.kicad_sch`` beside a ``.kicad_pro`` of the
    same name)."""
    from tokn.sources import RefIndex
    idx = RefIndex()
    tops, _, _ = corpus_designs()
    if demos and os.path.isdir(demos):
        for d, _, names in os.walk(demos):
            for n in names:
                stem, ext = os.path.splitext(n)
                if ext == ".kicad_sch" and f"{stem}.kicad_pro" in names:
                    tops.append(os.path.join(d, n))
    return sorted(p for p in tops if len(idx.hierarchy(p)) == 1)


def _tokn(argv: list[str], pyc: str) -> tuple[list[str], dict]:
    env = dict(os.environ, PYTHONPATH=REPO, PYTHONPYCACHEPREFIX=pyc)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return [sys.executable, "-m", "tokn", *argv], env


def _reference(ref: str, mode: str, out: str, listing: str, pyc: str) -> tuple[list[str], dict]:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=pyc)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    return [sys.executable, os.path.join(HERE, "reference_driver.py"), ref, mode, out, listing], env


def measure(ref: str, name: str, tokn_inputs: list[str], ref_files: list[str], reps: int,
            pyc: str) -> dict:
    """Best wall and least CPU of every mode, reference and tokn alternating."""
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tokn-ref-") as tmp:
        listing = os.path.join(tmp, "files.txt")
        with open(listing, "w", encoding="utf-8") as f:
            f.write("".join(p + "\n" for p in ref_files))
        modes = {
            "dir": (lambda out: _reference(ref, "dir", os.path.join(out, "r"), listing, pyc),
                    lambda out: _tokn(["encode", *tokn_inputs, "-o", os.path.join(out, "d") + os.sep,
                                       "-j", "1"], pyc)),
            "dir, tokn's default workers": (None, lambda out: _tokn(
                ["encode", *tokn_inputs, "-o", os.path.join(out, "d") + os.sep], pyc)),
            "jsonl": (lambda out: _reference(ref, "jsonl", os.path.join(out, "r.jsonl"), listing, pyc),
                      lambda out: _tokn(["encode", *tokn_inputs, "-o", os.path.join(out, "x.jsonl"),
                                         "-j", "1"], pyc)),
            "jsonl, tokn's default workers": (None, lambda out: _tokn(
                ["encode", *tokn_inputs, "-o", os.path.join(out, "x.jsonl")], pyc)),
        }
        for _ in range(reps):
            for mode, (make_ref, make_tokn) in modes.items():
                for who, make in (("reference", make_ref), ("tokn", make_tokn)):
                    if make is None:
                        continue
                    with tempfile.TemporaryDirectory(dir=tmp) as out:
                        cmd, env = make(out)
                        key = (f"{name}|{who}", mode)
                        dt = _wall(cmd, env, key=key)
                    row = rows.setdefault(f"{mode}|{who}", {"wall": float("inf")})
                    row["wall"] = min(row["wall"], dt)
                    row["cpu"] = CPU[key]
    return rows


def median_file(ref: str, path: str, runs: int, pyc: str) -> dict:
    """Wall and CPU of ``runs`` fresh processes per encoder on one file (after a warm-up
    that writes the bytecode caches)."""
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tokn-ref-") as tmp:
        listing = os.path.join(tmp, "one.txt")
        with open(listing, "w", encoding="utf-8") as f:
            f.write(path + "\n")
        cmds = {"reference": _reference(ref, "dir", os.path.join(tmp, "r"), listing, pyc),
                "tokn": _tokn(["encode", path], pyc)}
        walls: dict[str, list[float]] = {k: [] for k in cmds}
        cpus: dict[str, list[float]] = {k: [] for k in cmds}
        for who, (cmd, env) in cmds.items():
            _wall(cmd, env)
        for _ in range(runs):
            for who, (cmd, env) in cmds.items():
                walls[who].append(_wall(cmd, env, key=("median", who), cpus=cpus[who]))
        for who in cmds:
            out[who] = {"wall_best": min(walls[who]), "wall_median": statistics.median(walls[who]),
                        "cpu_best": min(cpus[who])}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", required=True,
                    help="the src/ folder of a checkout of the reference encoder")
    ap.add_argument("--demos", default="/usr/share/kicad/demos",
                    help="KiCad demo projects whose single-sheet designs join the single-sheet set")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--median-runs", type=int, default=10)
    ap.add_argument("--json", help="save the figures here")
    args = ap.parse_args(argv)
    ref = os.path.abspath(args.reference)
    if not os.path.isfile(os.path.join(ref, "tokn_encoder.py")):
        ap.error(f"{ref}: no tokn_encoder.py (give the reference's src/ folder)")
    from tokn.sources import RefIndex
    idx = RefIndex()
    tops, corpus_bytes, _ = corpus_designs()
    sheets = sorted({q for p in tops for q in idx.hierarchy(p)})
    single = single_sheet_designs(args.demos)
    single_bytes = sum(os.path.getsize(p) for p in single)
    med = sorted(single, key=os.path.getsize)[(len(single) - 1) // 2]
    sets = {"single-sheet": (single, single, single_bytes), "corpus": (tops, sheets, corpus_bytes)}
    res: dict = {"load_average": os.getloadavg(), "cpus": os.cpu_count(), "sets": {}}
    with tempfile.TemporaryDirectory(prefix="tokn-bench-pyc-") as pyc:
        for name, (inputs, files, nbytes) in sets.items():
            res["sets"][name] = {"designs": len(inputs), "files": len(files), "mb": nbytes / 1e6,
                                 "rows": measure(ref, name, inputs, files, args.reps, pyc)}
        res["median_file"] = {"path": med, "bytes": os.path.getsize(med),
                              **median_file(ref, med, args.median_runs, pyc)}
    res["load_average_end"] = os.getloadavg()
    print(f"best of {args.reps}, whole process; load average "
          f"{' '.join(f'{x:.1f}' for x in res['load_average'])} on {res['cpus']} CPUs")
    for name, s in res["sets"].items():
        mb, rows = s["mb"], s["rows"]
        print(f"\n{name}: {s['designs']} designs, {s['files']} files, {mb:.1f} MB")
        print(f"{'mode':<32} {'reference wall':>15} {'CPU':>7} {'tokn wall':>10} {'CPU':>7} "
              f"{'tokn MB/s':>9} {'wall ratio':>10} {'CPU ratio':>9}")
        for key, row in rows.items():
            mode, who = key.split("|")
            if who != "tokn":
                continue
            r = rows[f"{mode.split(',')[0]}|reference"]
            print(f"{mode:<32} {r['wall']:13.2f} s {r['cpu']:5.2f} s {row['wall']:8.2f} s "
                  f"{row['cpu']:5.2f} s {mb / row['wall']:9.1f} {r['wall'] / row['wall']:9.2f}x "
                  f"{r['cpu'] / row['cpu']:8.2f}x")
    m = res["median_file"]
    print(f"\nmedian single-sheet design {os.path.relpath(m['path'], '/')} ({m['bytes'] / 1e3:.0f} kB), "
          f"{args.median_runs} fresh processes each: reference best {m['reference']['wall_best']:.3f} s "
          f"(median {m['reference']['wall_median']:.3f} s), tokn best {m['tokn']['wall_best']:.3f} s "
          f"(median {m['tokn']['wall_median']:.3f} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
