#!/usr/bin/env python3
"""Replay recorded LLM answers through `tokn generate`, one round, and count what became of them.

usage: python benchmarks/replay_answers.py [--erc auto|on|off] [--json OUT] [--repairs] [ANSWERS.jsonl ...]

Each JSONL record holds ``prompt`` and ``answer`` (or ``text``), optionally ``finish_reason``
and ``id``; a record with ``answers`` (a list of strings; ``finish_reasons``, one per round,
optional) instead is a whole conversation,
replayed over as many rounds: each answer after the first is the model's reply to the
repair message the pipeline sent.  ``--repairs`` replays the repository's repair-round
transcripts (tests/fixtures/repairs/, expected outcomes in its transcripts.json) and also
prints the round whose answer was returned and the fix codes of that answer.  Without files it replays the repository's answer corpus
(tests/fixtures/answers/, requests and expected outcomes in its corpus.json).  Every answer is
served by the loopback mock server to a :class:`tokn.generate.pipeline.Generator` with
``max_rounds = 1`` -- what `tokn generate --rounds 1` does with it -- and classified:

``valid``        passed every check;
``format``       refused for its format alone (``syntax``, ``format``, ``json-syntax``,
                 ``json-schema``);
``no document``  no circuit at all, only text (``no-document``: a model that declined, or
                 answered in words; the error quotes it);
``part/pin``     refused, every error naming a part, pin or net (unknown part or pin, pin
                 name, unconnected power pin, undeclared part, pin in two nets, missing
                 named part, a named part of another fixed voltage, ambiguous pin..., and the request checks' ``missing-part`` and
                 ``missing-value``: a part kind or value the request asks for is absent);
``content``      refused as a whole that is not a format problem: no nets (``empty-circuit``),
                 cut off (``truncated``), or several different circuits without a choice
                 (``several-designs``), possibly with part/pin errors besides.

It prints one line per answer (outcome, fix codes, first errors) and a summary; ``--json``
writes both.  Nothing leaves the machine.  To compare with older code, put its ``tokn``
package first: ``git archive COMMIT tokn | tar -x -C /tmp/old && PYTHONPATH=/tmp/old python
benchmarks/replay_answers.py``.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from dataclasses import replace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.append(ROOT)            # appended: PYTHONPATH=OTHER_CHECKOUT replays with other code

FORMAT = {"syntax", "format", "json-syntax", "json-schema"}
CONTENT = {"empty-circuit", "truncated", "several-designs"}


ANSWERS = os.path.join(ROOT, "tests", "fixtures", "answers")
REPAIRS = os.path.join(ROOT, "tests", "fixtures", "repairs")


def corpus_records() -> list[dict]:
    """The repository's answer corpus (tests/fixtures/answers/corpus.json) as records."""
    with open(os.path.join(ANSWERS, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    out = []
    for a in corpus["answers"]:
        with open(os.path.join(ANSWERS, a["file"]), encoding="utf-8", newline="") as f:
            out.append({"id": a["file"], "prompt": corpus["prompts"][a["prompt"]], "answer": f.read(),
                        "finish_reason": a.get("finish_reason", "stop")})
    return out


def repair_records() -> list[dict]:
    """The repository's repair-round transcripts (tests/fixtures/repairs/transcripts.json) as
    records with ``answers``."""
    with open(os.path.join(ANSWERS, "corpus.json"), encoding="utf-8") as f:
        prompts = json.load(f)["prompts"]
    with open(os.path.join(REPAIRS, "transcripts.json"), encoding="utf-8") as f:
        transcripts = json.load(f)["transcripts"]
    out = []
    for t in transcripts:
        folder = os.path.join(REPAIRS, t["dir"])
        answers = []
        for k in range(1, len(os.listdir(folder)) + 1):
            with open(os.path.join(folder, f"round{k}.txt"), encoding="utf-8", newline="") as f:
                answers.append(f.read())
        out.append({"id": t["dir"], "prompt": prompts[t["prompt"]], "answers": answers,
                    "finish_reasons": t.get("finish_reasons", [])})
    return out


def jsonl_records(paths: list[str]) -> list[dict]:
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for k, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise SystemExit(f"{path}:{k}: not a JSON record ({e.msg}); give JSONL files of "
                                         "{\"prompt\": ..., \"answer\": ...} records, or no file for the "
                                         "repository's corpus") from None
                    if not isinstance(rec, dict):
                        raise SystemExit(f"{path}:{k}: a record is a JSON object with 'prompt' and 'answer'")
                    rec.setdefault("id", f"{os.path.basename(path)}:{k}")
                    rec["answer"] = rec.get("answer", rec.get("text"))
                    answers = rec.get("answers")
                    if answers is not None and not (isinstance(answers, list) and answers
                                                    and all(isinstance(a, str) for a in answers)):
                        raise SystemExit(f"{path}:{k}: 'answers' is a list of the answers of each round (strings)")
                    if not rec.get("prompt") or (rec["answer"] is None and answers is None):
                        raise SystemExit(f"{path}:{k}: a record needs 'prompt' and 'answer' (or 'text', or 'answers')")
                    out.append(rec)
    return out


def classify(errors: list) -> str:
    codes = {f.code for f in errors}
    if not codes:
        return "valid"
    if codes & FORMAT:
        return "format"
    if "no-document" in codes:
        return "no document"
    return "content" if codes & CONTENT else "part/pin"


def main(argv: list[str]) -> int:
    from tokn.testing.llm_server import MockLLMServer, Reply
    from tokn.generate.config import Settings
    from tokn.generate.pipeline import Generator

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="JSONL files of {prompt, answer}; default: the repository corpus")
    ap.add_argument("--erc", choices=("auto", "on", "off"), default="auto")
    ap.add_argument("--json", dest="json_out", help="write the items and the summary here")
    ap.add_argument("--repairs", action="store_true", help="replay the repository's repair-round transcripts")
    args = ap.parse_args(argv)
    records = (jsonl_records(args.files) if args.files else []) + (repair_records() if args.repairs else [])
    records = records or corpus_records()
    items, counts, fixes = [], collections.Counter(), collections.Counter()
    with MockLLMServer([]) as srv:
        gen = Generator(Settings(base_url=srv.base_url, model="replay", max_rounds=1, max_retries=0, erc=args.erc))
        gens = {1: gen}
        for rec in records:
            answers = rec.get("answers") or [rec["answer"]]
            if len(answers) not in gens:         # one generator per number of rounds, sharing the rest
                gens[len(answers)] = Generator(replace(gen.settings, max_rounds=len(answers)), toolkit=gen.toolkit,
                                               llm=gen.llm)
            srv.script.clear()
            ends = rec.get("finish_reasons") or []          # per round, where a record has them
            srv.push(*[Reply(a, finish_reason=(ends[k] if k < len(ends) else rec.get("finish_reason")) or "stop")
                       for k, a in enumerate(answers)])
            res = gens[len(answers)].generate(rec["prompt"])
            outcome = classify(res.errors)
            fixed = sorted({f.code for f in res.findings if f.severity == "fixed"})
            counts[outcome] += 1
            counts["read"] += res.document is not None
            fixes.update(fixed)
            errs = [f"{f.code}:{f.where}" if f.where else f.code for f in res.errors]
            item = {"id": rec["id"], "outcome": outcome, "fixed": fixed, "errors": errs}
            rounds = ""
            if "answers" in rec:
                best = next((a.round for a in res.attempts if a.check.findings is res.findings), res.rounds)
                item.update(rounds=res.rounds, answer_round=best)
                rounds = f" rounds {res.rounds}, answer of round {best}"
            items.append(item)
            print(f"{rec['id']:<44} {outcome:<9}{rounds} fixed: {','.join(fixed) or '-':<40} {' '.join(errs[:4])}")
        gen.llm.close()
    n = len(records)
    summary = {"n": n, "read": counts["read"],
               **{k: counts[k] for k in ("valid", "format", "part/pin", "content", "no document")},
               "fixes": dict(sorted(fixes.items()))}
    print(f"\n{n} answers: read {summary['read']}, valid {summary['valid']}, refused for format "
          f"{summary['format']}, refused naming parts/pins {summary['part/pin']}, refused as a whole "
          f"(no nets / cut off) {summary['content']}, no document (text only) {summary['no document']}")
    print("answers with each fix: " + ", ".join(f"{k} {v}" for k, v in summary["fixes"].items()))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"summary": summary, "items": items}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
