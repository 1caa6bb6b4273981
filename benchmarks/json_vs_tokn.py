"""Token cost of the JSON answer form (``grammar_mode = json``) against TOKN, on the bundled
few-shot examples (each a document of the answer layout: components, pin tables, nets).

Usage::

    .venv/bin/python benchmarks/json_vs_tokn.py [--json FILE]

Per example: cl100k tokens of the TOKN text, of the JSON form written compactly
(``separators=(",", ":")``, what strict structured outputs usually return) and with
``json.dumps``' default spaces; the ratios to TOKN; and the totals.  Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json

from tokn.doc import parse_tokn
from tokn.generate.answer_schema import document_to_json, read_json_answer
from tokn.generate.fewshot import bundled_examples
from tokn.tokens import count_tokens


def measure() -> list[dict]:
    rows = []
    for e in bundled_examples():
        doc = parse_tokn(e.text)
        data = document_to_json(doc)
        compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        spaced = json.dumps(data, ensure_ascii=False)
        assert read_json_answer(compact).components, e.id        # the JSON form reads back
        rows.append({"id": e.id, "tokn": count_tokens(e.text), "json_compact": count_tokens(compact),
                     "json_spaced": count_tokens(spaced)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    rows = measure()
    tot = {k: sum(r[k] for r in rows) for k in ("tokn", "json_compact", "json_spaced")}
    print("| example | TOKN | JSON compact | × | JSON spaced | × |")
    print("|---|---|---|---|---|---|")
    for r in rows + [{"id": "**all**", **tot}]:
        print(f"| {r['id']} | {r['tokn']:,} | {r['json_compact']:,} | {r['json_compact'] / r['tokn']:.2f} "
              f"| {r['json_spaced']:,} | {r['json_spaced'] / r['tokn']:.2f} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"examples": rows, "total": tot}, f, indent=1)


if __name__ == "__main__":
    main()
