"""The answer corpus (tests/fixtures/answers/): messy answers replayed through `tokn generate`
as a user runs it -- one round, the loopback mock server returning the recorded answer.

The corpus holds answers written in the styles strong hosted models use when they write
TOKN freely (``NN-*.txt``: fences and prose, comments, wrong row counts, unterminated quotes,
pins by name, net names in pin lists, v1.2 geometry...) and every distinct answer the
Qwen2.5-Coder-1.5B model wrote without a grammar in the 2026-11-30 runs (``q15-*.txt``, from
benchmarks/results/llm-e2e-2026-11-30, grounding-only and neither runs).  For each: the
prompt, the fixes the tolerant reader and the net repairs must report (exactly), and the
outcome: a valid circuit, or errors that must be among those reported.  Every answer must
be read (none refused for format alone); every refusal must name the part- or pin-level
problem.
"""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from tokn.cli.generate_cmd import generate_cmd
from tokn.generate.config import Settings
from tokn.generate.pipeline import Generator

from .conftest import needs_kicad
from tokn.testing.llm_server import MockLLMServer, Reply

ANSWERS = os.path.join(os.path.dirname(__file__), "fixtures", "answers")

#: A refusal for these is a refusal for format alone: none may remain.  ``no-document`` too,
#: except for an answer that holds no circuit at all (a model declining): expected by name.
FORMAT_CODES = {"syntax", "format", "no-document", "json-syntax", "json-schema"}
#: Errors that name a part, a pin or a net of the circuit, or a part or value the request asks
#: for that the answer lacks (missing-part, missing-value: part-level refusals that quote the
#: request's words and name what to add).
PART_PIN_CODES = {"unknown-part", "unknown-pin", "pin-name-mismatch", "unconnected-power-pin", "undeclared-part",
                  "pin-in-two-nets", "ambiguous-pin", "missing-part", "missing-value", "bad-pin-ref",
                  "duplicate-reference", "reference-type-mismatch", "empty-reference", "wire-net-missing", "decode",
                  "split-ground", "unconnected-part", "wrong-voltage"}
#: Errors about the answer as a whole that are not its format: no nets at all, cut off.
CONTENT_CODES = {"empty-circuit", "truncated", "several-designs"}
VALID = "valid"


def _load_corpus() -> tuple[dict[str, str], list[tuple]]:
    """Prompts by short name, and (answer file, prompt, fix codes, VALID or [(code, where)]
    [, finish_reason]) per answer, from tests/fixtures/answers/corpus.json."""
    with open(os.path.join(ANSWERS, "corpus.json"), encoding="utf-8") as f:
        data = json.load(f)
    cases = []
    for a in data["answers"]:
        outcome = VALID if a["outcome"] == VALID else [tuple(e) for e in a["outcome"]]
        cases.append((a["file"], a["prompt"], a["fixed"], outcome)
                     + ((a["finish_reason"],) if "finish_reason" in a else ()))
    return data["prompts"], cases


PROMPTS, CORPUS = _load_corpus()


def replay(answer: str, prompt: str, finish_reason: str = "stop") -> dict:
    """``tokn generate PROMPT --rounds 1 --json -`` against a server that answers ``answer``."""
    with MockLLMServer([Reply(answer, finish_reason=finish_reason)]) as srv:
        r = CliRunner().invoke(generate_cmd, [prompt, "--base-url", srv.base_url, "--model", "mock", "--rounds", "1",
                                              "--retries", "0", "--erc", "off", "--json", "-", "-q"])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout[:r.stdout.rindex("}") + 1])


def read(name: str) -> str:
    with open(os.path.join(ANSWERS, name), encoding="utf-8", newline="") as f:
        return f.read()


def test_the_corpus_has_forty_answers_and_the_table_covers_it():
    files = sorted(f for f in os.listdir(ANSWERS) if f.endswith(".txt"))
    assert sorted(c[0] for c in CORPUS) == files
    assert len(files) >= 40 and sum(not f.startswith("q15-") for f in files) >= 40


@pytest.mark.parametrize("case", CORPUS, ids=[c[0][:-4] for c in CORPUS])
def test_an_answer_is_read_every_change_is_reported_and_a_refusal_names_the_part(case):
    name, prompt, fixed, outcome = case[:4]
    data = replay(read(name), PROMPTS[prompt], *case[4:])
    findings = data["findings"]
    errors = [f for f in findings if f["severity"] == "error"]
    expected = {e[0] for e in outcome} if outcome != VALID else set()
    assert not [f for f in errors if f["code"] in FORMAT_CODES - (expected & {"no-document"})], errors   # never for format
    fixes = [f for f in findings if f["severity"] == "fixed"]
    assert sorted({f["code"] for f in fixes}) == fixed                          # every change reported
    assert all(f["where"] and f["message"] for f in fixes)
    if outcome == VALID:
        assert data["ok"] and not errors, errors
        return
    assert not data["ok"] and data["refusal"]
    got = {(f["code"], f["where"]) for f in errors}
    assert set(outcome) <= got, got
    for f in errors:
        if f["code"] == "no-document":          # text only: the error quotes what the model said
            assert read(name).split()[0] in f["message"], f
            continue
        assert f["code"] in PART_PIN_CODES | CONTENT_CODES, f
        if f["code"] in PART_PIN_CODES:                                        # names what is wrong
            subject = f["where"] or f["message"].split("names ", 1)[-1].split(",")[0]
            assert subject and (subject in f["message"] or f["where"]), f
        assert f["message"] in data["refusal"] or f["message"][:60] in data["refusal"]


@needs_kicad
@pytest.mark.slow
def test_the_valid_answers_pass_kicads_erc():
    """The answers expected valid, checked as `tokn generate` does by default: with ERC."""
    valid = [c for c in CORPUS if c[3] == VALID]
    with MockLLMServer([Reply(read(c[0])) for c in valid]) as srv:
        gen = Generator(Settings(base_url=srv.base_url, model="mock", max_rounds=1, max_retries=0, erc="on"))
        refused = {}
        for c in valid:
            res = gen.generate(PROMPTS[c[1]])
            if not res.ok:
                refused[c[0]] = [str(f) for f in res.errors]
        gen.llm.close()
    assert refused == {}


def test_net_repairs_change_nothing_silently():
    """Over the corpus: an answer whose nets the repairs change gets a finding for each kind
    of change, and one without findings comes back equal."""
    from tokn.doc.lenient import read_answer
    from tokn.generate.netfix import repair_nets
    from tokn.generate.pipeline import Toolkit
    tk = Toolkit(erc="off")
    changed = 0
    for case in CORPUS:
        doc = read_answer(read(case[0])).document
        if doc is None:
            continue
        out, findings = repair_nets(doc, tk.library_pins)
        codes = {f.code for f in findings}
        before = {(n.name, p) for n in doc.nets for p in n.pins}
        after = {(n.name, p) for n in out.nets for p in n.pins}
        if not findings:
            assert out == doc, case[0]
            continue
        changed += 1
        renamed = {p for _, p in before} != {p for _, p in after}
        if renamed:
            assert codes & {"pin-name", "merged-nets", "power-pin-by-name", "pin-separator", "ref-case",
                             "no-connect-net", "unit-letter", "power-symbol", "stacked-pins"}, case[0]
        if {n for n, _ in before} != {n for n, _ in after} or len(out.nets) != len(doc.nets):
            assert codes & {"merged-nets", "no-connect-net"}, case[0]
    assert changed >= 10
