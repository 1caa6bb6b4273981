"""Whole-process ``tokn encode`` throughput, this tree side by side with a baseline tree.

Usage::

    git archive <baseline-commit> | (mkdir -p /tmp/tokn-base && tar -x -C /tmp/tokn-base)
    .venv/bin/python benchmarks/bench_encode_cli.py --baseline /tmp/tokn-base [--reps 3] [--json FILE]

On the corpus's top-level schematics (``../shared/corpus/manifest.csv``), each command is run
as a fresh process (interpreter start, imports, every design, output written), ``--reps``
times, alternating baseline and current so both see the same machine load; the best wall
time counts.  Modes:

* ``dir``: ``tokn encode FILES... -o DIR`` (one .tokn per design);
* ``jsonl``: ``tokn encode FILES... -o OUT.jsonl`` -- the baseline always counts the cl100k
  tokens of every .kicad_sch; the current tree only with ``--source-tokens``, shown as a
  third row ``jsonl --source-tokens``;
* ``median file``: ``tokn encode MEDIAN.kicad_sch > /dev/null``, median of 5 runs after a
  warm-up, with a bytecode cache (as an installed package has).

MB are the bytes of every sheet file of every design.  Each tree runs as
``python -c 'from tokn.cli import main; main()'`` with ``PYTHONPATH`` set to it (from ``/``,
so that no working directory shadows it), so the same interpreter and dependencies serve
both.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.environ.get("TOKN_SHARED", os.path.normpath(os.path.join(REPO, "..", "shared")))
CORPUS = os.path.join(SHARED, "corpus")


def corpus_designs() -> tuple[list[str], int, str]:
    """Top-level schematics, the bytes of all their sheets, and the median-size design."""
    with open(os.path.join(CORPUS, "manifest.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    tops = [os.path.join(CORPUS, r["local_path"]) for r in rows if r["is_top_level"] == "yes"]
    from tokn.sources import RefIndex
    idx = RefIndex()
    sizes = {p: sum(os.path.getsize(q) for q in idx.hierarchy(p)) for p in tops}
    med = sorted(tops, key=lambda p: sizes[p])[(len(tops) - 1) // 2]
    return tops, sum(sizes.values()), med


def _cmd(tree: str) -> tuple[list[str], dict]:
    env = dict(os.environ, PYTHONPATH=tree)
    return [sys.executable, "-c", "from tokn.cli import main; main()"], env


CPU: dict[tuple[str, str], float] = {}      # (tree, mode) -> least CPU seconds (user + sys)


def _wall(cmd: list[str], env: dict, stdout=subprocess.DEVNULL, key: tuple[str, str] | None = None) -> float:
    """Wall seconds of ``cmd``; its CPU seconds (user + system, children included) go to
    :data:`CPU` under ``key`` -- a figure that a loaded machine disturbs much less."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    # cwd "/": ``python -c`` puts the working directory first on sys.path
    p = subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True, cwd="/")
    dt = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0,):
        raise RuntimeError(f"{' '.join(cmd[3:6])}...: exit {p.returncode}: {p.stderr[-500:]}")
    if key is not None:
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        CPU[key] = min(CPU.get(key, float("inf")), cpu)
    return dt


def run(trees: dict[str, str], files: list[str], median: str, reps: int, pyc: str) -> dict:
    """Best wall time per (tree, mode); median-file median per tree."""
    modes = {"dir": lambda out: ["encode", *files, "-o", os.path.join(out, "d") + os.sep],
             "jsonl": lambda out: ["encode", *files, "-o", os.path.join(out, "x.jsonl")],
             "jsonl --source-tokens": lambda out: ["encode", *files, "-o", os.path.join(out, "x.jsonl"),
                                                   "--source-tokens"]}
    best: dict[tuple[str, str], float] = {}
    for _ in range(reps):
        for mode, argv in modes.items():
            for name, tree in trees.items():
                if mode == "jsonl --source-tokens" and name == "baseline":
                    continue                # the baseline has no such option (it always counts)
                cmd, env = _cmd(tree)
                env = dict(env, PYTHONPYCACHEPREFIX=pyc)
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                with tempfile.TemporaryDirectory() as out:
                    dt = _wall(cmd + argv(out), env, key=(name, mode))
                best[(name, mode)] = min(best.get((name, mode), float("inf")), dt)
    med: dict[str, float] = {}
    for name, tree in trees.items():
        cmd, env = _cmd(tree)
        env = dict(env, PYTHONPYCACHEPREFIX=pyc)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _wall(cmd + ["encode", median], env)
        med[name] = statistics.median(_wall(cmd + ["encode", median], env, key=(name, "median file"))
                                      for _ in range(5))
    return {"best": {f"{k[0]}|{k[1]}": v for k, v in best.items()}, "median_file_s": med,
            "least_cpu_s": {f"{k[0]}|{k[1]}": v for k, v in CPU.items()},
            "load_average": os.getloadavg(), "cpus": os.cpu_count()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, help="source tree of the baseline tokn (git archive of a commit)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="save the figures here")
    args = ap.parse_args(argv)
    files, nbytes, median = corpus_designs()
    trees = {"baseline": os.path.abspath(args.baseline), "current": REPO}
    with tempfile.TemporaryDirectory(prefix="tokn-bench-pyc-") as pyc:
        res = run(trees, files, median, args.reps, pyc)
    mb = nbytes / 1e6
    print(f"{len(files)} designs, {mb:.1f} MB (all sheets); median-size design "
          f"{os.path.relpath(median, CORPUS)}; best of {args.reps}, whole process")
    print(f"load average {' '.join(f'{x:.1f}' for x in res['load_average'])} on {res['cpus']} CPUs")
    print(f"{'mode':<24} {'baseline wall':>20} {'current wall':>20} {'speed-up':>9}  "
          f"{'baseline CPU':>12} {'current CPU':>12} {'speed-up':>9}")
    cpu = res["least_cpu_s"]
    for mode in ("dir", "jsonl", "jsonl --source-tokens"):
        bm = mode if f"baseline|{mode}" in res["best"] else "jsonl"
        b, c = res["best"][f"baseline|{bm}"], res["best"][f"current|{mode}"]
        bc, cc = cpu[f"baseline|{bm}"], cpu[f"current|{mode}"]
        print(f"{mode:<24} {b:7.2f} s {mb / b:6.2f} MB/s {c:7.2f} s {mb / c:6.2f} MB/s {b / c:8.2f}x  "
              f"{bc:10.2f} s {cc:10.2f} s {bc / cc:8.2f}x")
    m = res["median_file_s"]
    bc, cc = cpu["baseline|median file"], cpu["current|median file"]
    print(f"{'median file':<24} {m['baseline']:9.3f} s {'':9} {m['current']:9.3f} s {'':9} "
          f"{m['baseline'] / m['current']:8.2f}x  {bc:10.3f} s {cc:10.3f} s {bc / cc:8.2f}x")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"designs": len(files), "mb": mb, "median_design": median, **res}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
