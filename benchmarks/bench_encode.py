"""Benchmark ``tokn encode`` on the shared corpus, with parse-only baselines.

Usage::

    .venv/bin/python benchmarks/bench_encode.py [--json FILE] [--limit N] [--reps 3]

Measures, over the corpus's top-level schematics (``../shared/corpus/manifest.csv``, or
``$TOKN_SHARED/corpus``):

* total MB of the designs (every sheet file of every design, each file once per design);
* in-process encoding throughput (load + connectivity + TOKN writing), best of ``--reps``
  passes, and the median per-design time (each design's best pass);
* cl100k_base tokens of the ``.kicad_sch`` text (all sheets) vs the TOKN text, totals and
  the median per-design reduction;
* baselines on the same sheet files, parse only, best of ``--reps``: tokn's own
  S-expression parser, ``sexpdata.loads``, ``kiutils.schematic.Schematic.from_file``;
* wall time of ``tokn encode FILE > /dev/null`` as a subprocess (interpreter start
  included) on the median-size design, median of 5 after one warm-up run, both with a
  bytecode cache (as an installed package has; written to a temporary
  ``PYTHONPYCACHEPREFIX``) and without one (``PYTHONDONTWRITEBYTECODE=1``, which this
  development environment sets, so every run compiles tokn's sources);
* what that command imports at start-up (``python -X importtime``): total import time,
  the slowest top-level imports, and whether heavy optional modules got loaded.

Prints a table; ``--json FILE`` also saves every figure.  Whole-process runs of the
command over the corpus, side by side with an older tree, are
``benchmarks/bench_encode_cli.py`` (results in docs/performance.md).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.environ.get("TOKN_SHARED", os.path.normpath(os.path.join(REPO, "..", "shared")))
CORPUS = os.path.join(SHARED, "corpus")
HEAVY = ("openai", "lark", "tqdm", "tiktoken", "bpe_openai", "concurrent.futures", "httpx",
         "pydantic", "numpy", "rank_bm25", "kiutils", "sexpdata")


def corpus_top_level() -> list[str]:
    """Top-level schematics of the shared corpus (from its manifest); same as tests/conftest."""
    manifest = os.path.join(CORPUS, "manifest.csv")
    if not os.path.exists(manifest):
        return []
    with open(manifest, newline="") as f:
        return [os.path.join(CORPUS, r["local_path"]) for r in csv.DictReader(f)
                if r["is_top_level"] == "yes"]


def best_of(reps: int, fn: Callable[[], object]) -> float:
    """Smallest wall time (s) of ``reps`` calls of ``fn``."""
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def tokn_command() -> list[str]:
    exe = os.path.join(os.path.dirname(sys.executable), "tokn")
    return [exe] if os.path.exists(exe) else [sys.executable, "-c", "from tokn.cli import main; main()"]


def measure_designs(paths: list[str], reps: int) -> dict:
    """Encode every design ``reps`` times; sizes, times, token counts."""
    from tokn.doc.writer import write_tokn
    from tokn.encode import encode_design
    from tokn.tokens import count_tokens

    designs = []
    failed = []
    for p in paths:
        try:
            res = encode_design(p)
            text = write_tokn(res.document)
        except Exception as e:          # noqa: BLE001 - a benchmark reports and goes on
            failed.append({"source": p, "error": f"{type(e).__name__}: {e}"})
            continue
        files = list(res.design.files)
        kicad_tokens = 0
        for f in files:
            with open(f, encoding="utf-8", newline="") as fh:
                kicad_tokens += count_tokens(fh.read())
        by_detail = {d: count_tokens(write_tokn(encode_design(p, d).document)) for d in ("v1", "nets")}
        designs.append({"source": p, "files": files, "bytes": sum(os.path.getsize(f) for f in files),
                        "kicad_tokens": kicad_tokens, "tokn_tokens": count_tokens(text),
                        "tokens_by_detail": by_detail,
                        "tokn_bytes": len(text.encode("utf-8")), "times": []})

    def one_pass() -> None:
        for d in designs:
            t = time.perf_counter()
            write_tokn(encode_design(d["source"]).document)
            d["times"].append(time.perf_counter() - t)

    total = best_of(reps, one_pass)
    for d in designs:
        d["best_s"] = min(d["times"])
        d["reduction"] = 1.0 - d["tokn_tokens"] / d["kicad_tokens"] if d["kicad_tokens"] else 0.0
    return {"designs": designs, "failed": failed, "best_total_s": total}


def measure_parsers(files: list[str], reps: int) -> dict[str, dict]:
    """Parse-only throughput of tokn's parser, sexpdata and kiutils on ``files``."""
    texts = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            texts[f] = fh.read()
    out: dict[str, dict] = {}

    def run(name: str, parse: Callable[[str], object]) -> None:
        ok = [f for f in files if _try(parse, f)]
        nbytes = sum(os.path.getsize(f) for f in ok)
        secs = best_of(reps, lambda: [parse(f) for f in ok])
        out[name] = {"files": len(ok), "failed": len(files) - len(ok), "bytes": nbytes,
                     "seconds": secs, "mb_s": nbytes / 1e6 / secs if secs else 0.0}

    from tokn.sexpr import parse as tokn_parse
    run("tokn sexpr parse (read + parse)", lambda f: tokn_parse(open(f, encoding="utf-8").read(), f))
    try:
        import sexpdata
        run("sexpdata.loads (read + parse)", lambda f: sexpdata.loads(open(f, encoding="utf-8").read()))
    except ImportError:
        out["sexpdata.loads (read + parse)"] = {"error": "sexpdata not installed"}
    try:
        from kiutils.schematic import Schematic
        run("kiutils Schematic.from_file", Schematic.from_file)
    except ImportError:
        out["kiutils Schematic.from_file"] = {"error": "kiutils not installed"}
    return out


def _try(parse: Callable[[str], object], f: str) -> bool:
    try:
        parse(f)
        return True
    except Exception:                   # noqa: BLE001 - counted as a failure of that parser
        return False


def _env(bytecode_cache: str | None) -> dict[str, str]:
    """Environment for timed subprocesses: with ``bytecode_cache`` a directory, Python may
    write and reuse .pyc files there (as an installed package would have them); without,
    nothing is cached (every run compiles tokn's sources)."""
    env = dict(os.environ)
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = bytecode_cache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def _wall(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        times.append(time.perf_counter() - t)
        if p.returncode:
            raise RuntimeError(f"{cmd} exited with {p.returncode}")
    return times


def measure_subprocess(path: str, bytecode_cache: str | None, runs: int = 5) -> dict:
    """Wall time of ``tokn encode path > /dev/null`` (median of ``runs`` after a warm-up),
    next to a bare ``python -c pass`` and ``python -c 'import click'`` in the same setting."""
    env = _env(bytecode_cache)
    cmd = tokn_command() + ["encode", path]
    _wall(cmd, env, 1)                                       # warm-up (disk cache, .pyc)
    med = lambda c: statistics.median(_wall(c, env, runs))   # noqa: E731
    times = _wall(cmd, env, runs)
    return {"source": path, "bytes": os.path.getsize(path), "bytecode_cache": bool(bytecode_cache),
            "median_s": statistics.median(times), "times_s": times,
            "python_bare_s": med([sys.executable, "-c", "pass"]),
            "python_click_s": med([sys.executable, "-c", "import click"]),
            "cli_import_s": med([sys.executable, "-c", "import tokn.cli.encode_cmd, tokn.encode, tokn.doc.writer"])}


def measure_imports(path: str, bytecode_cache: str | None) -> dict:
    """What ``tokn encode path`` imports: ``-X importtime`` of the same entry point."""
    code = ("import sys; sys.argv = ['tokn', 'encode', sys.argv[1]]\n"
            "from tokn.cli import main\n"
            "main()")
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", code, path], env=_env(bytecode_cache),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((name.strip(), int(self_us), int(cum_us), depth))
    top = [r for r in rows if r[3] == 0]
    modules = {r[0] for r in rows}
    return {
        "modules": len(modules),
        "total_ms": sum(r[1] for r in rows) / 1000.0,
        "slowest_top_level": [(n, c / 1000.0) for n, _, c, _ in sorted(top, key=lambda r: -r[2])[:12]],
        "heavy_loaded": sorted(h for h in HEAVY if h in modules),
    }


def _median_design(designs: list[dict]) -> dict:
    s = sorted(designs, key=lambda d: d["bytes"])
    return s[(len(s) - 1) // 2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="save all figures to this JSON file")
    ap.add_argument("--limit", type=int, default=0, help="only the first N designs")
    ap.add_argument("--reps", type=int, default=3, help="passes for best-of timings")
    args = ap.parse_args(argv)

    paths = corpus_top_level()
    if not paths:
        print(f"no corpus manifest under {CORPUS}", file=sys.stderr)
        return 2
    if args.limit:
        paths = paths[: args.limit]

    enc = measure_designs(paths, args.reps)
    designs = enc["designs"]
    all_files = sorted({f for d in designs for f in d["files"]})
    total_bytes = sum(d["bytes"] for d in designs)
    parsers = measure_parsers(all_files, args.reps)
    med = _median_design(designs)
    import tempfile
    with tempfile.TemporaryDirectory(prefix="tokn-bench-pyc-") as pyc:
        sub = measure_subprocess(med["source"], pyc)
        sub_cold = measure_subprocess(med["source"], None)
        imports = measure_imports(med["source"], pyc)

    kt = sum(d["kicad_tokens"] for d in designs)
    tt = sum(d["tokn_tokens"] for d in designs)
    fig = {
        "designs": len(designs),
        "designs_failed": enc["failed"],
        "sheet_files": len(all_files),
        "total_mb": total_bytes / 1e6,
        "encode_mb_s": total_bytes / 1e6 / enc["best_total_s"],
        "encode_total_s": enc["best_total_s"],
        "median_ms_per_design": statistics.median(d["best_s"] for d in designs) * 1000,
        "kicad_tokens": kt,
        "tokn_tokens": tt,
        "total_reduction_pct": 100.0 * (1 - tt / kt) if kt else 0.0,
        "median_reduction_pct": 100.0 * statistics.median(d["reduction"] for d in designs),
        "min_reduction_pct": 100.0 * min(d["reduction"] for d in designs),
        "median_reduction_pct_by_detail": {
            "full": 100.0 * statistics.median(d["reduction"] for d in designs),
            **{det: 100.0 * statistics.median(1 - d["tokens_by_detail"][det] / d["kicad_tokens"] for d in designs)
               for det in ("v1", "nets")}},
        "parsers": parsers,
        "subprocess": sub,
        "subprocess_no_bytecode_cache": sub_cold,
        "imports": imports,
        "per_design": [{k: d[k] for k in ("source", "bytes", "kicad_tokens", "tokn_tokens", "best_s")}
                       for d in designs],
        "python": sys.version.split()[0],
    }
    _print_table(fig)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(fig, f, indent=1)
    return 0


def _print_table(fig: dict) -> None:
    rows = [
        ("designs (top-level) / sheet files", f"{fig['designs']} / {fig['sheet_files']}"
         + (f"  ({len(fig['designs_failed'])} failed)" if fig["designs_failed"] else "")),
        ("total size (all sheets)", f"{fig['total_mb']:.2f} MB"),
        ("tokn encode, in-process (best of 3)", f"{fig['encode_mb_s']:.2f} MB/s  ({fig['encode_total_s']:.2f} s)"),
        ("median time per design", f"{fig['median_ms_per_design']:.1f} ms"),
    ]
    for name, p in fig["parsers"].items():
        if "error" in p:
            rows.append((f"baseline: {name}", p["error"]))
        else:
            extra = f"  ({p['failed']} files failed)" if p["failed"] else ""
            rows.append((f"baseline: {name}", f"{p['mb_s']:.2f} MB/s  ({p['seconds']:.2f} s){extra}"))
    rows += [
        ("cl100k tokens .kicad_sch (all sheets)", f"{fig['kicad_tokens']:,}"),
        ("cl100k tokens TOKN", f"{fig['tokn_tokens']:,}  ({fig['total_reduction_pct']:.1f}% fewer)"),
        ("median per-design token reduction", f"{fig['median_reduction_pct']:.1f}%  (min {fig['min_reduction_pct']:.1f}%)"),
        ("  by --detail full / v1 / nets", " / ".join(f"{fig['median_reduction_pct_by_detail'][k]:.1f}%"
                                                      for k in ("full", "v1", "nets"))),
    ]
    for key, label in (("subprocess", ".pyc cached"), ("subprocess_no_bytecode_cache", "no .pyc")):
        s = fig[key]
        rows.append((f"`tokn encode` wall, median-size design, {label}",
                     f"{s['median_s'] * 1000:.0f} ms (median of 5; python -c pass "
                     f"{s['python_bare_s'] * 1000:.0f} ms, +import click {s['python_click_s'] * 1000:.0f} ms, "
                     f"+tokn encode modules {s['cli_import_s'] * 1000:.0f} ms)"))
    rows += [
        ("  median-size design", f"{os.path.relpath(s['source'], CORPUS)} ({s['bytes'] / 1e3:.0f} kB)"),
        ("start-up imports (.pyc cached)", f"{fig['imports']['modules']} modules, {fig['imports']['total_ms']:.0f} ms; "
         f"heavy loaded: {', '.join(fig['imports']['heavy_loaded']) or 'none'}"),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'measure':<{w}}  value")
    print(f"{'-' * w}  {'-' * 40}")
    for k, v in rows:
        print(f"{k:<{w}}  {v}")
    print("\nslowest top-level imports of `tokn encode` (cumulative ms):")
    for n, ms in fig["imports"]["slowest_top_level"]:
        print(f"  {ms:8.1f}  {n}")


if __name__ == "__main__":
    sys.exit(main())
