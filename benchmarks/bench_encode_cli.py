"""Whole-process ``tokn encode`` throughput, this tree side by side with a baseline tree.

Usage::

    git archive <baseline-commit> | (mkdir -p /tmp/tokn-base && tar -x -C /tmp/tokn-base)
    .venv/bin/python benchmarks/bench_encode_cli.py --baseline /tmp/tokn-base [--reps 3] [--json FILE]

On the corpus's top-level schematics (``../shared/corpus/manifest.csv``), each command is run
as a fresh process (interpreter start, imports, every design, output written), ``--reps``
times, alternating baseline and current so both see the same machine load; the best wall
time counts.  Modes:

* ``dir``: ``tokn encode FILES... -o DIR -j 1`` (one .tokn per design, one process);
* ``jsonl``: ``tokn encode FILES... -o OUT.jsonl`` -- a baseline older than
  ``--source-tokens`` always counts the cl100k tokens of every .kicad_sch; newer trees only
  with ``--source-tokens``, shown as a third row ``jsonl --source-tokens`` (for such an old
  baseline, that row compares with its plain ``jsonl`` run);
* ``dir -j N``, ``jsonl -j N``: with ``--jobs N``, N worker processes (both trees;
  tokn's default is one worker per CPU);
* ``median file``: ``tokn encode MEDIAN.kicad_sch > /dev/null``, ``--median-runs`` fresh
  processes per tree (default 10, alternating) after a warm-up, with a bytecode cache (as
  an installed package has): best and mean wall time, best and mean CPU time.

MB are the bytes of every sheet file of every design.  Each tree runs as
``python -m tokn`` (what the ``tokn`` console script runs) with ``PYTHONPATH`` set to it
(from ``/``, so that no working directory shadows it), so the same interpreter and
dependencies serve both.
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
    return [sys.executable, "-m", "tokn"], env


CPU: dict[tuple[str, str], float] = {}      # (tree, mode) -> least CPU seconds (user + sys)


def _wall(cmd: list[str], env: dict, stdout=subprocess.DEVNULL, key: tuple[str, str] | None = None,
          cpus: list[float] | None = None) -> float:
    """Wall seconds of ``cmd``; its CPU seconds (user + system, children included) go to
    :data:`CPU` under ``key`` -- a figure that a loaded machine disturbs much less -- and
    are appended to ``cpus``."""
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
        if cpus is not None:
            cpus.append(cpu)
    return dt


def _has_source_tokens(tree: str) -> bool:
    """Whether the tokn of ``tree`` has ``tokn encode --source-tokens`` (older ones always
    count the source tokens in JSONL)."""
    try:
        with open(os.path.join(tree, "tokn", "cli", "encode_cmd.py"), encoding="utf-8") as f:
            return "--source-tokens" in f.read()
    except OSError:
        return False


def run(trees: dict[str, str], files: list[str], median: str, reps: int, pyc: str,
        jobs: int = 0, median_runs: int = 10) -> dict:
    """Best wall time per (tree, mode); median-file best / mean / median per tree."""
    # One process each ("-j 1": tokn's default is one worker per CPU since 2026-12-01), so
    # that the rows compare CPU time; the "-j N" rows show what several workers give.
    modes = {"dir": lambda out: ["encode", *files, "-o", os.path.join(out, "d") + os.sep, "-j", "1"],
             "jsonl": lambda out: ["encode", *files, "-o", os.path.join(out, "x.jsonl"), "-j", "1"],
             "jsonl --source-tokens": lambda out: ["encode", *files, "-o", os.path.join(out, "x.jsonl"),
                                                   "--source-tokens", "-j", "1"]}
    if jobs:
        modes[f"dir -j {jobs}"] = lambda out: ["encode", *files, "-o", os.path.join(out, "d") + os.sep,
                                               "-j", str(jobs)]
        modes[f"jsonl -j {jobs}"] = lambda out: ["encode", *files, "-o", os.path.join(out, "x.jsonl"),
                                                 "-j", str(jobs)]
    best: dict[tuple[str, str], float] = {}
    for _ in range(reps):
        for mode, argv in modes.items():
            for name, tree in trees.items():
                if mode == "jsonl --source-tokens" and not _has_source_tokens(tree):
                    continue                # a baseline without the option (it always counts)
                cmd, env = _cmd(tree)
                env = dict(env, PYTHONPYCACHEPREFIX=pyc)
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                with tempfile.TemporaryDirectory() as out:
                    dt = _wall(cmd + argv(out), env, key=(name, mode))
                best[(name, mode)] = min(best.get((name, mode), float("inf")), dt)
    walls: dict[str, list[float]] = {name: [] for name in trees}
    cpus: dict[str, list[float]] = {name: [] for name in trees}
    envs = {}
    for name, tree in trees.items():
        cmd, env = _cmd(tree)
        env = dict(env, PYTHONPYCACHEPREFIX=pyc)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        envs[name] = (cmd, env)
        _wall(cmd + ["encode", median], env)                # warm-up: writes the bytecode cache
    for _ in range(median_runs):
        for name, (cmd, env) in envs.items():
            walls[name].append(_wall(cmd + ["encode", median], env, key=(name, "median file"),
                                     cpus=cpus[name]))
    med = {name: statistics.median(w) for name, w in walls.items()}
    median_detail = {name: {"runs": len(walls[name]), "wall_best": min(walls[name]),
                            "wall_mean": statistics.mean(walls[name]), "wall_median": med[name],
                            "cpu_best": min(cpus[name]), "cpu_mean": statistics.mean(cpus[name])}
                     for name in trees}
    return {"best": {f"{k[0]}|{k[1]}": v for k, v in best.items()}, "median_file_s": med,
            "median_file": median_detail,
            "least_cpu_s": {f"{k[0]}|{k[1]}": v for k, v in CPU.items()},
            "load_average": os.getloadavg(), "cpus": os.cpu_count()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True, help="source tree of the baseline tokn (git archive of a commit)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="save the figures here")
    ap.add_argument("--jobs", type=int, default=0, help="also time the directory mode with -j JOBS")
    ap.add_argument("--median-runs", type=int, default=10, help="fresh processes per tree for the median file")
    args = ap.parse_args(argv)
    files, nbytes, median = corpus_designs()
    trees = {"baseline": os.path.abspath(args.baseline), "current": REPO}
    with tempfile.TemporaryDirectory(prefix="tokn-bench-pyc-") as pyc:
        res = run(trees, files, median, args.reps, pyc, args.jobs, args.median_runs)
    mb = nbytes / 1e6
    print(f"{len(files)} designs, {mb:.1f} MB (all sheets); median-size design "
          f"{os.path.relpath(median, CORPUS)}; best of {args.reps}, whole process")
    print(f"load average {' '.join(f'{x:.1f}' for x in res['load_average'])} on {res['cpus']} CPUs")
    print(f"{'mode':<24} {'baseline wall':>20} {'current wall':>20} {'speed-up':>9}  "
          f"{'baseline CPU':>12} {'current CPU':>12} {'speed-up':>9}")
    cpu = res["least_cpu_s"]
    parallel = (f"dir -j {args.jobs}", f"jsonl -j {args.jobs}") if args.jobs else ()
    for mode in ("dir", "jsonl", "jsonl --source-tokens") + parallel:
        bm = mode if f"baseline|{mode}" in res["best"] else "jsonl"
        b, c = res["best"][f"baseline|{bm}"], res["best"][f"current|{mode}"]
        bc, cc = cpu[f"baseline|{bm}"], cpu[f"current|{mode}"]
        print(f"{mode:<24} {b:7.2f} s {mb / b:6.2f} MB/s {c:7.2f} s {mb / c:6.2f} MB/s {b / c:8.2f}x  "
              f"{bc:10.2f} s {cc:10.2f} s {bc / cc:8.2f}x")
    m = res["median_file"]
    b, c = m["baseline"], m["current"]
    print(f"{'median file, best':<24} {b['wall_best']:9.3f} s {'':9} {c['wall_best']:9.3f} s {'':9} "
          f"{b['wall_best'] / c['wall_best']:8.2f}x  {b['cpu_best']:10.3f} s {c['cpu_best']:10.3f} s "
          f"{b['cpu_best'] / c['cpu_best']:8.2f}x")
    print(f"{'median file, mean':<24} {b['wall_mean']:9.3f} s {'':9} {c['wall_mean']:9.3f} s {'':9} "
          f"{b['wall_mean'] / c['wall_mean']:8.2f}x  {b['cpu_mean']:10.3f} s {c['cpu_mean']:10.3f} s "
          f"{b['cpu_mean'] / c['cpu_mean']:8.2f}x   ({b['runs']} fresh processes each)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"designs": len(files), "mb": mb, "median_design": median, **res}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
