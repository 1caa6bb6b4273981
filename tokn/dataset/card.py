"""The dataset card: ``README.md`` with Hugging Face ``datasets`` YAML front matter.

The front matter declares two configurations -- ``designs`` (``data/<split>-*.jsonl``) and
``instructions`` (``instructions/<split>-*.jsonl``) -- listing only splits that have rows,
so ``datasets.load_dataset(<dir>, "designs")`` finds every file.  The body gives the counts
per split, licence and size, what was removed and why, and how records were built.
"""
from __future__ import annotations

from .assemble import SIZE_BUCKETS, Summary
from .contamination import EvalSet
from .licence import category


def _yaml_configs(sm: Summary) -> list[str]:
    lines = ["configs:"]
    for name, sub, counts in (("designs", "data", sm.records), ("instructions", "instructions", sm.pairs)):
        splits = [s for s, _ in sm.splits if counts.get(s)]
        if not splits:
            continue
        lines += [f"- config_name: {name}", "  data_files:"]
        for s in splits:
            lines += [f"  - split: {s}", f"    path: {sub}/{s}-*.jsonl"]
        if name == "designs":
            lines.append("  default: true")
    return lines


def _table(head: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return out


def dataset_card(sm: Summary, eval_set: EvalSet | None) -> str:
    """The README.md text for a dataset summarised by ``sm``."""
    splits = [s for s, _ in sm.splits]
    lic_ids = sorted(sm.by_licence)
    front = ["---", "license: other", "license_details: per-record SPDX expression in the `licence` field",
             "pretty_name: KiCad schematics as TOKN", "tags:", "- kicad", "- schematics", "- electronics",
             "- tokn"] + _yaml_configs(sm) + ["---", ""]
    body = ["# KiCad schematics as TOKN", "",
            "Built with `tokn dataset`. Each design record holds one KiCad design (a top-level "
            "schematic with its sub-sheets) encoded as TOKN, with its provenance (repository, "
            "commit, path), its SPDX licence (detected or declared, with a confidence), design "
            "statistics and token counts. Instruction pairs (`instructions` configuration) ask "
            "for a design or a part of one and answer with TOKN in the layout `tokn generate` "
            "accepts; every pair passed `tokn validate`.", "",
            "**Licences.** Every record keeps its own upstream licence: redistribute and train "
            "accordingly (attribution and share-alike terms apply per record). "
            f"Licence filter used: {sm.licence_policy}.", "",
            "## Counts", ""]
    body += _table(["split", "designs", "TOKN tokens", "instruction pairs"],
                   [[s, sm.records.get(s, 0), sm.tokens.get(s, 0), sm.pairs.get(s, 0)] for s in splits]
                   + [["total", sum(sm.records.values()), sum(sm.tokens.values()), sum(sm.pairs.values())]])
    body += ["", "### Per licence (designs; `excluded` = refused by the licence filter)", ""]
    cols = splits + ["excluded"]
    body += _table(["licence", "category"] + cols,
                   [[lic, category(None if lic == "unknown" else lic)] + [sm.by_licence[lic].get(c, 0) for c in cols]
                    for lic in lic_ids])
    body += ["", "### Per size (designs)", ""]
    body += _table(["size"] + splits, [[name] + [sm.by_size.get(name, {}).get(s, 0) for s in splits]
                                       for _, name in SIZE_BUCKETS if name in sm.by_size])
    body += ["", "## What was removed", ""]
    body += _table(["reason", "designs"], [
        ["found in the inputs", sm.designs_found],
        ["failed to encode (see errors.jsonl)", sm.designs_found - sm.designs_encoded],
        ["licence not admitted (excluded.jsonl)", sm.excluded_licence],
        ["not valid TOKN: the design breaks a format rule (excluded.jsonl)", sm.excluded_invalid],
        ["incomplete: a sheet file it references is missing (excluded.jsonl)", sm.excluded_incomplete],
        ["no part (excluded.jsonl)", sm.excluded_empty],
        ["exact duplicate: same bytes in every sheet (duplicates.jsonl)", sm.exact_duplicates],
        ["another version of the same file of the same repository, the newest format kept (duplicates.jsonl)",
         sm.version_duplicates],
        ["near duplicate: same connectivity, any references/placement (duplicates.jsonl)", sm.near_duplicates],
        ["evaluation material in train (contamination.jsonl)", sm.contaminated],
    ])
    body += ["", f"Instruction pairs removed from train as evaluation material: {sm.pairs_contaminated}. "
             f"Per-file problems reported in errors.jsonl: {sm.errors}."]
    if sm.pairs_dropped:
        why = {"too-long": "over the token limit", "answer-grammar": "outside the answer grammar",
               "syntax": "unreadable", "invalid": "failing `tokn validate`"}
        body += ["", "Candidate instruction pairs not made: " + ", ".join(
            f"{n} {why.get(k, k)}" for k, n in sorted(sm.pairs_dropped.items())) + "."]
    if sm.descriptions:
        d = sm.descriptions
        body += ["", f"LLM-written requests (`request_llm`, beside the deterministic `request`): by "
                 f"`{d.get('model', '?')}`, {d.get('described', 0)} pairs described, "
                 f"{d.get('failed', 0)} left without (null; "
                 "errors.jsonl, kind `describe`). Prompt: `tokn.dataset.describe`."]
    if eval_set is not None:
        body += ["", f"Evaluation material checked: {len(eval_set.connectivity)} circuits, "
                 f"{len(eval_set.digests)} exact designs, {len(eval_set.prompts)} prompts"
                 + (f" ({len(eval_set.problems)} unreadable items skipped)" if eval_set.problems else "") + "."]
    body += ["", "## How it was built", "",
             "- Split by repository: each repository's split comes from a hash of its name "
             f"({', '.join(f'{n} {r:.0%}' for n, r in sm.splits)} of repositories in expectation), so "
             "no repository spans two splits.",
             "- Duplicates: the first design by (repository, path) is kept, one with a known repository "
             "before a local copy; exact duplicates share "
             "the SHA-256 of every sheet file; near duplicates share a Weisfeiler-Lehman hash of "
             "the part/pin/net graph that ignores reference numbering, net names and placement.",
             "- Licences: from a manifest when one was given (confidence 1.0), else from the "
             "project's licence files (0.95 for a recognised licence text, 0.9 for an SPDX "
             "identifier line, 0.6 for a licence named in a README); unknown stays unknown.",
             "- Load with `datasets.load_dataset(\"<this directory>\", \"designs\")` or "
             "`\"instructions\"`; the files are JSON Lines.", ""]
    return "\n".join(front + body)
