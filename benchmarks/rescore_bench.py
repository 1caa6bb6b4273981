#!/usr/bin/env python3
"""Check the answers stored in `tokn bench --keep-answers` results again, with the checks of
this checkout (parse, validate, named parts, the part kinds and values the request states,
decode, KiCad ERC when installed).

usage: python benchmarks/rescore_bench.py RESULTS.json [RESULTS.json ...]

For each run it prints how many final answers passed when the run was made and how many pass
the current checks.  Nothing is sent to a model: this tells what a change to the checks
alone does to measured runs (the repair rounds the model would then have been given are not
replayed).
"""
from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv: list[str]) -> int:
    from tokn.generate import grounding
    from tokn.generate.llm import Completion
    from tokn.generate.pipeline import Generator, Toolkit
    from tokn.generate.asked import read_request
    from tokn.generate.config import Settings

    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    toolkit = Toolkit()
    gen = Generator(Settings(base_url="http://127.0.0.1:9/v1", model="none"), toolkit=toolkit)
    print(f"{'run':44} {'passed then':>12} {'pass now':>9}  changed")
    for path in argv:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        then = now = 0
        changed: list[str] = []
        for item in report["items"]:
            answers = item.get("answers") or []
            if not answers:
                raise SystemExit(f"{path}: no stored answers (run tokn bench with --keep-answers)")
            last = answers[-1]
            names = grounding.extract_part_numbers(item["prompt"])
            parts, missing = toolkit.ground(names, item["prompt"]) if names else ([], [])
            completion = Completion(last["text"], last.get("finish_reason"), 0.0, 0.0, 1, "none")
            asks = read_request(item["prompt"])
            ok = gen.check_answer(completion, parts, missing, asks).ok
            then += bool(item["ok"])
            now += ok
            if ok != bool(item["ok"]):
                codes = sorted({f.code for f in gen.check_answer(completion, parts, missing, asks).errors})
                changed.append(f"line {item.get('line')}: {'pass' if ok else 'fail (' + ', '.join(codes) + ')'}")
        n = len(report["items"])
        name = os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
        print(f"{name:44} {then:>8}/{n:<3} {now:>5}/{n:<3}  {'; '.join(changed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
