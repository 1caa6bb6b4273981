#!/usr/bin/env python3
"""How many part names of the anchor benchmark prompts find a library symbol.

usage: python benchmarks/anchor_part_names.py [--json OUT] [--libraries DIR] [PROMPTS.jsonl ...]

The names of each prompt are its ``required_ics`` and what
:func:`tokn.generate.grounding.extract_part_numbers` finds in its ``prompt``; each is looked
up with :func:`tokn.generate.grounding.lookup_part` (the prompt's pin tables, the validator
and the decoder choose alike).  Default prompts: every ``*.jsonl`` of ``$TOKN_SHARED/anchor``
(``../shared/anchor`` beside the repository when unset), as the tests find them.  The index is
KiCad's installed libraries as KiCad 9 lists them, or every ``.kicad_sym`` of ``--libraries``
(e.g. KiCad 10's symbol folder).  Prints the counts; ``--json`` writes name -> lib_id (None
when not found) for comparing two checkouts (``PYTHONPATH=OTHER python ...``).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.append(ROOT)            # appended: PYTHONPATH=OTHER_CHECKOUT measures other code

DEFAULT_PROMPTS = os.path.join(os.environ.get("TOKN_SHARED", os.path.join(ROOT, "..", "shared")), "anchor", "*.jsonl")


def part_names(paths: list[str]) -> list[str]:
    """The sorted part names of the prompt files' records."""
    from tokn.generate.grounding import extract_part_numbers
    names: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    names |= set(rec.get("required_ics", [])) | set(extract_part_numbers(rec.get("prompt", "")))
    return sorted(names)


def main(argv: list[str]) -> int:
    from tokn.kicad.library import SymbolIndex
    from tokn.generate.grounding import lookup_part
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("prompts", nargs="*", help=f"JSONL prompt files (default {DEFAULT_PROMPTS})")
    ap.add_argument("--json", dest="json_out", help="write name -> lib_id here")
    ap.add_argument("--libraries", help="index every .kicad_sym of this folder instead of KiCad's tables")
    args = ap.parse_args(argv)
    paths = args.prompts or sorted(glob.glob(DEFAULT_PROMPTS))
    if not paths:
        raise SystemExit(f"no prompt files ({DEFAULT_PROMPTS})")
    if args.libraries:
        libs = {os.path.basename(p)[:-len(".kicad_sym")]: p
                for p in sorted(glob.glob(os.path.join(args.libraries, "*.kicad_sym")))}
        index = SymbolIndex(libs)
    else:
        index = SymbolIndex.default()
    found = {}
    for name in part_names(paths):
        part = lookup_part(index, name)
        found[name] = part.lib_id if part else None
    print(f"{len(found)} part names, {sum(v is not None for v in found.values())} found")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(found, f, indent=0, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
