"""Exactness on whole designs, judged by KiCad: encode vs netlist, and the text-only round trip.

For every top-level design found under the given paths (a ``.kicad_sch`` beside a
``.kicad_pro`` of the same name, or the top-level rows of a corpus ``manifest.csv``):

1. **encode**: ``tokn encode`` nets (two or more pins) equal ``kicad-cli sch export netlist``
   of the original, named nets keep KiCad's names, and the netlisted parts are the same.
2. **round trip**: as a user would do it, with the TOKN text alone —
   ``tokn encode X -o d.tokn``; in a fresh folder ``tokn decode d.tokn -o new/d.kicad_sch``
   (no ``--symbols-from``, no project files) — KiCad's netlist of the result equals the
   original's (components with value and footprint, multi-pin nets, user net names), and
   KiCad's ERC finds no more errors than in the original's sheet files (both with KiCad's
   default ERC settings).

Usage::

    python benchmarks/check_designs.py /usr/share/kicad/demos ../shared/corpus/manifest.csv \
        --jobs 2 --json out.json

Prints one line per design and a summary; ``--json`` keeps every detail.  Exit status 0
when every design passes both checks, 1 otherwise.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

from tokn.kicad import kicad_cli

_TOKN = [sys.executable, "-m", "tokn"]


def find_designs(paths: list[str]) -> list[str]:
    """Top-level schematics under ``paths`` (directories, manifest.csv files or schematics)."""
    out: list[str] = []
    for p in paths:
        if p.endswith(".csv"):
            base = os.path.dirname(os.path.abspath(p))
            with open(p, newline="", encoding="utf-8") as f:
                out += [os.path.join(base, r["local_path"]) for r in csv.DictReader(f)
                        if r.get("is_top_level") == "yes"]
        elif os.path.isdir(p):
            for d, _dirs, files in os.walk(p):
                for fn in sorted(files):
                    if fn.endswith(".kicad_pro"):
                        sch = os.path.join(d, fn[:-len(".kicad_pro")] + ".kicad_sch")
                        if os.path.exists(sch):
                            out.append(sch)
        else:
            out.append(p)
    return sorted(dict.fromkeys(os.path.abspath(p) for p in out))


@dataclass
class Outcome:
    design: str
    encode: str = "not run"          # "ok" or what differs
    roundtrip: str = "not run"       # "ok" or what differs / the error
    erc_original: int | None = None
    erc_decoded: int | None = None
    decode_mode: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _multi_pin(nets: dict[str, set]) -> dict[frozenset, str]:
    return {frozenset(p): n for n, p in nets.items() if len(p) >= 2}


def _user_named(name: str) -> bool:
    return not (name.startswith("Net-(") or name.startswith("unconnected-("))


def _flattened(original: str, new: str) -> bool:
    """Whether ``new`` is what laying a hierarchical design out on one sheet makes of net name
    ``original`` (``/Power/VBUS`` -> ``Power_VBUS``, a ``_2`` suffix where two would clash)."""
    from tokn.decode.flatten import flat_net_name
    flat = flat_net_name(original)
    return new == flat or re.fullmatch(re.escape(flat) + r"_\d+", new) is not None


def compare_netlists(ref: kicad_cli.Netlist, got: kicad_cli.Netlist, laid_out: bool = False) -> str:
    """"ok", or a short description of the first differences between two KiCad netlists;
    ``laid_out``: the new design is the decoder's one-sheet layout, whose net names lose
    their sheet path (not a difference)."""
    problems = []
    missing = sorted(set(ref.components) - set(got.components))
    extra = sorted(set(got.components) - set(ref.components))
    if missing or extra:
        problems.append(f"parts missing {missing[:5]} extra {extra[:5]}")
    changed = [r for r in ref.components if r in got.components
               and (ref.components[r]["value"], ref.components[r]["footprint"])
               != (got.components[r]["value"], got.components[r]["footprint"])]
    if changed:
        problems.append(f"value/footprint changed on {changed[:5]}")
    theirs, ours = _multi_pin(ref.nets), _multi_pin(got.nets)
    lost = [theirs[s] for s in theirs if s not in ours]
    new = [ours[s] for s in ours if s not in theirs]
    if lost or new:
        problems.append(f"nets differ: original-only {lost[:4]}, new-only {new[:4]}")
    renamed = [(theirs[s], ours[s]) for s in theirs if s in ours and _user_named(theirs[s])
               and theirs[s] != ours[s] and not (laid_out and _flattened(theirs[s], ours[s]))]
    if renamed:
        problems.append(f"renamed {renamed[:4]}")
    return "; ".join(problems) or "ok"


def compare_part_data(ref: kicad_cli.Netlist, got: kicad_cli.Netlist) -> str:
    """"ok", or the multi-pin nets (matched by their pins) whose net class differs, and how
    the parts differ (:func:`tokn.kicad.kicad_cli.part_differences`: component classes and
    KiCad's netlist ``(fields ...)``: Datasheet, Description, MPN...)."""
    theirs, ours = _multi_pin(ref.nets), _multi_pin(got.nets)
    changed = [(theirs[s], ref.classes.get(theirs[s]), got.classes.get(ours[s]))
               for s in theirs if s in ours and ref.classes.get(theirs[s]) != got.classes.get(ours[s])]
    parts = kicad_cli.part_differences(ref, got)
    problems = ([f"net class changed {changed[:4]} ({len(changed)} nets)"] if changed else []) + \
        ([f"parts differ {parts[:5]} ({len(parts)})"] if parts else [])
    return "; ".join(problems) or "ok"


def _cli_major() -> int:
    """Major version of the kicad-cli in use (``KICAD_CLI`` or PATH): whose rules to encode by."""
    global _MAJOR
    if _MAJOR is None:
        _MAJOR = int(kicad_cli.version().split(".")[0])
    return _MAJOR


_MAJOR: int | None = None


def _encode_vs_netlist(path: str, ref: kicad_cli.Netlist) -> str:
    from tokn.doc.pinref import split_pin_ref
    from tokn.encode import encode_design
    from tokn.kicad.ids import is_netlisted
    doc = encode_design(path, kicad=min(max(_cli_major(), 9), 10)).document   # the oracle's rules
    refs = {c.ref for c in doc.components}
    # KiCad's netlist leaves '#' parts out (the document keeps them: on the sheet, their pins connect)
    ours = kicad_cli.Netlist(
        {c.ref: {"value": c.value or "~", "footprint": c.fp}      # KiCad writes "" as ~
         for c in doc.components if is_netlisted(c.ref)},
        {n.name: {sp for sp in (split_pin_ref(p, refs) for p in n.pins) if sp is None or is_netlisted(sp[0])}
         for n in doc.nets})
    return compare_netlists(ref, ours)


def _sheet_files(path: str, dest: str) -> str:
    """Copy the design's sheet files only (no project file: KiCad's default ERC settings, as
    for the decoded copy, which has no project file either), except that a KiCad 10 project
    listing several top-level sheets gets a project file holding that list alone: without
    it kicad-cli 10 loads the root sheet alone (jjungo/remote-hw lost its "Main" sheet and
    the part-data comparison reported its 12 parts as extra)."""
    from tokn.kicad.hierarchy import load_design
    from tokn.kicad.project import joined_top_level_sheets, read_project
    base = os.path.dirname(path)
    files = load_design(path, lean=True).files
    rels = [os.path.normpath(os.path.relpath(f, base)) for f in files]
    # a sheet file outside the design's folder (corne's ../../common/left.kicad_sch): the root
    # goes as many folders down, so that the copy stays in ``dest`` (it went to /tmp/common,
    # shared by concurrent checks: a half-written copy read as a design without its parts)
    up = max((_leading_ups(r) for r in rels), default=0)
    root = os.path.join(dest, *(["up"] * up))
    for f, rel in zip(files, rels):
        target = os.path.normpath(os.path.join(root, rel))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(f, target)
    top = joined_top_level_sheets(path, read_project(path))
    if top:
        sheets = [{"filename": t.file, "name": t.name, "uuid": t.uuid} for t in top]
        pro = os.path.splitext(os.path.join(root, os.path.basename(path)))[0] + ".kicad_pro"
        with open(pro, "w", encoding="utf-8") as f:
            json.dump({"schematic": {"top_level_sheets": sheets}}, f, indent=2)
    return os.path.join(root, os.path.basename(path))


def _leading_ups(rel: str) -> int:
    """How many ``..`` a normalised relative path starts with."""
    parts = rel.split(os.sep)
    return next((i for i, c in enumerate(parts) if c != ".."), len(parts))


def _run(cmd: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)


def check(path: str, erc: bool = True, detail: str = "full") -> Outcome:
    """Both checks on one design (never raises: failures are recorded in the outcome); the
    round trip goes through a document at ``detail`` (``full``, ``v1`` or ``nets``)."""
    t0 = time.perf_counter()
    out = Outcome(path)
    try:
        _check_into(out, path, erc, detail)
    finally:
        out.seconds = round(time.perf_counter() - t0, 1)
    return out


def _check_into(out: Outcome, path: str, erc: bool, detail: str) -> None:
    with tempfile.TemporaryDirectory(prefix="tokn-check-") as td:
        try:
            ref = kicad_cli.export_netlist(path)           # the design as its owner has it
            original = _sheet_files(path, os.path.join(td, "orig"))   # for ERC with default settings
        except Exception as e:  # noqa: BLE001 - recorded
            out.encode = out.roundtrip = f"original not netlistable: {e}"
            return
        try:
            out.encode = _encode_vs_netlist(path, ref)
        except Exception as e:  # noqa: BLE001 - recorded
            out.encode = f"error: {type(e).__name__}: {e}"
        tokn_file = os.path.join(td, "d.tokn")
        r = _run([*_TOKN, "encode", path, "--detail", detail, "--kicad", str(min(max(_cli_major(), 9), 10)),
                  "-o", tokn_file], td)          # the oracle's rules, as for the encode check
        if r.returncode != 0:
            out.roundtrip = f"encode failed: {r.stderr.strip()[-400:]}"
            return
        fresh = os.path.join(td, "fresh")
        os.makedirs(fresh)
        shutil.move(tokn_file, os.path.join(fresh, "d.tokn"))
        r = _run([*_TOKN, "decode", "d.tokn", "-o", "new/d.kicad_sch"], fresh)
        out.notes = [ln for ln in r.stderr.splitlines() if ln.startswith("tokn: note")][:10]
        if r.returncode != 0:
            out.roundtrip = f"decode failed: {r.stderr.strip()[-400:]}"
            return
        mode = re.search(r"\(([\w-]+), \d+ sheet file", r.stderr)
        out.decode_mode = mode.group(1) if mode else ""
        decoded = os.path.join(fresh, "new", "d.kicad_sch")
        try:
            new = kicad_cli.export_netlist(decoded)
            out.roundtrip = compare_netlists(ref, new, laid_out=out.decode_mode == "laid-out")
            if out.roundtrip == "ok" and detail == "full":
                # net classes: against the sheet files alone (a project defines classes, and
                # the decoded copy has none; without one a class X reads "X,Default")
                out.roundtrip = compare_part_data(kicad_cli.export_netlist(original), new)
            if erc:
                out.erc_original = kicad_cli.run_erc(original)["errors"]
                out.erc_decoded = kicad_cli.run_erc(decoded)["errors"]
                if out.erc_decoded > out.erc_original and out.roundtrip == "ok":
                    out.roundtrip = f"ERC worse: {out.erc_original} -> {out.erc_decoded} errors"
        except Exception as e:  # noqa: BLE001 - recorded
            out.roundtrip = f"kicad-cli on the decoded design: {e}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+", help="directories, manifest.csv files or schematics")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-erc", action="store_true", help="skip the ERC comparison")
    ap.add_argument("--detail", choices=("full", "v1", "nets"), default="full",
                    help="level of detail of the round trip's document (default full; at v1 and nets "
                         "the decoder lays the design out itself, so ERC may differ)")
    ap.add_argument("--json", help="write every outcome here")
    args = ap.parse_args(argv)
    designs = find_designs(args.paths)
    results: list[Outcome] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(check, d, not args.no_erc, args.detail) for d in designs]
        for f in futures:
            o = f.result()
            results.append(o)
            name = os.path.relpath(o.design, os.path.commonpath(designs)) if len(designs) > 1 else o.design
            print(f"{name}: encode {o.encode} | round trip {o.roundtrip} "
                  f"[{o.decode_mode or '-'}, ERC {o.erc_original}->{o.erc_decoded}, {o.seconds}s]", flush=True)
    enc = sum(o.encode == "ok" for o in results)
    rt = sum(o.roundtrip == "ok" for o in results)
    internal = sum("internal error" in (o.encode + o.roundtrip) for o in results)
    print(f"\n{len(results)} designs: encode equal {enc}, round trip equal {rt}, internal errors {internal}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([asdict(o) for o in results], f, indent=1)
    return 0 if enc == rt == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
