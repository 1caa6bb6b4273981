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

#: A refusal for these is a refusal for format alone: none may remain.
FORMAT_CODES = {"syntax", "format", "no-document"}
#: Errors that name a part, a pin or a net of the circuit, or a part or value the request asks
#: for that the answer lacks (missing-part, missing-value: part-level refusals that quote the
#: request's words and name what to add).
PART_PIN_CODES = {"unknown-part", "unknown-pin", "pin-name-mismatch", "unconnected-power-pin", "undeclared-part",
                  "pin-in-two-nets", "ambiguous-pin", "missing-part", "missing-value", "bad-pin-ref",
                  "duplicate-reference", "reference-type-mismatch", "empty-reference", "wire-net-missing", "decode"}
#: Errors about the answer as a whole that are not its format: no nets at all, cut off.
CONTENT_CODES = {"empty-circuit", "truncated"}
VALID = "valid"

# Prompts, by a short name.
PROMPTS = {
    "LM7805": "Design a 5V linear regulator using LM7805 with 0.33uF input capacitor and 0.1uF output capacitor",
    "AMS1117": "Design a 3.3V linear regulator using AMS1117-3.3 with 10uF input and output capacitors",
    "LM317": "Design an adjustable voltage regulator using LM317 with 240ohm and 1.5kohm resistors and 0.1uF output capacitor",
    "NE555": "Design a 555 timer astable oscillator using NE555P with 1k and 10k resistors and a 10uF capacitor",
    "LM358-buffer": "Design a unity gain buffer using LM358 op-amp",
    "MCP2551": "Design a CAN bus interface using MCP2551 with 120ohm termination resistor",
    "LED-330": "Design a simple LED circuit with 330ohm current limiting resistor for 5V supply",
    "2N7002": "Design a low-side MOSFET switch using 2N7002 with 100k gate pull-down",
    "LM7812": "Design a 12V linear regulator using LM7812 with 0.33uF input and 0.1uF output capacitors",
    "LM7805-diode": "Design a 5V regulator using LM7805 with a 1N4007 reverse polarity diode",
    "TL071": "Design a voltage follower using TL071 op-amp",
    "reset": "Design a reset button with 10k pull-up resistor and 100nF debounce capacitor",
    "TL072": "Design an inverting amplifier using TL072 with 10kohm input and 100kohm feedback resistors for gain of -10",
    "crystal-16": "Design a 16MHz crystal oscillator with 22pF load capacitors",
    "LM358-gain2": "Design a non-inverting amplifier using LM358 with 10kohm and 10kohm resistors for gain of 2",
    "LM7809": "Design a 9V linear regulator using LM7809 with 0.33uF input and 0.1uF output capacitors",
    "LED-470": "Design a simple LED circuit with 470ohm current limiting resistor for 5V supply",
    "MAX232": "Design an RS232 level shifter using MAX232 with 1uF charge pump capacitors",
    "LM7812-fuse": "Design a 12V linear regulator using LM7812 with an input fuse, 0.33uF input and 0.1uF output capacitors",
    "LED-100": "Design a simple LED circuit with 100ohm resistor for 3.3V supply",
    "74HC32": "Design a 2-input OR gate circuit using 74HC32 with 0.1uF decoupling capacitor",
    "crystal-48": "Design a 48MHz crystal oscillator with 15pF load capacitors",
    "LM358-mic": "Design a simple microphone preamplifier using LM358 with 10kohm input and 100kohm feedback resistors",
    "LM393": "Design a power supply monitor using LM393 comparator with 10kohm voltage divider and 100nF bypass capacitor",
}

# (answer file, prompt, fix codes reported, VALID or errors among those reported[, finish_reason])
CORPUS = [
    ("01-fence-prose-count.txt", "LM7805", ['code-fence', 'prose', 'row-count'], VALID),
    ("02-comments-in-tables.txt", "AMS1117", ['code-fence', 'comment'], VALID),
    ("03-semicolon-slash-comments.txt", "LM317", ['comment'], VALID),
    ("04-comment-after-header.txt", "NE555", ['comment'], VALID),
    ("05-blank-lines-in-tables.txt", "LM358-buffer", ['blank-line', 'row-count'], VALID),
    ("06-unterminated-quote.txt", "MCP2551", ['unterminated-quote'], VALID),
    ("07-tab-indent.txt", "LED-330", ['tabs'], VALID),
    ("08-crlf-typographic-quotes.txt", "2N7002", ['quotes'], VALID),
    ("09-v12-geometry.txt", "LM7805", ['geometry'], VALID),
    ("10-wires-with-pin-refs.txt", "LM7812", ['not-points'], VALID),
    ("11-pin-names.txt", "LM7805", ['pin-name'], VALID),
    ("12-net-name-in-pins.txt", "LM7805-diode", ['merged-nets'], VALID),
    ("13-net-lists-net.txt", "TL071", ['merged-nets'], VALID),
    ("14-duplicate-net-rows.txt", "AMS1117", ['duplicate-pin', 'merged-nets'], VALID),
    ("15-power-name-in-pins.txt", "reset", ['merged-nets', 'row-count'], VALID),
    ("16-ambiguous-pin.txt", "LM358-buffer", ['pin-name'], [('ambiguous-pin', 'U1.+')]),
    ("17-pin-in-two-nets.txt", "LED-330", [], [('pin-in-two-nets', 'R1.2')]),
    ("18-undeclared-part.txt", "LM7805", [], [('undeclared-part', 'VIN')]),
    ("19-unknown-pin-name.txt", "NE555", ['pin-name'], [('unknown-pin', 'U1.Q'), ('unknown-pin', 'U1.RESET')]),
    ("20-unquoted-pin-list.txt", "LM7805", ['unquoted-list'], VALID),
    ("21-spaces-after-commas.txt", "TL072", ['spaces', 'table-header'], VALID),
    ("22-missing-trailing-fields.txt", "crystal-16", ['missing-fields'], VALID),
    ("23-pin-type-column.txt", "MCP2551", ['pin-columns'], VALID),
    ("24-missing-count.txt", "LED-330", ['row-count', 'table-header'], VALID),
    ("25-headerless-markdown.txt", "LM7805", ['header', 'prose'], VALID),
    ("26-loose-header-second-document.txt", "LED-330", ['header', 'prose'], VALID),
    ("27-prose-between-tables.txt", "LM358-gain2", ['prose'], VALID),
    ("28-four-space-indent.txt", "LM7809", ['indent'], VALID),
    ("29-unindented-rows.txt", "LED-470", ['indent'], VALID),
    ("30-loose-table-headers.txt", "LM7805", ['table-header'], VALID),
    ("31-nets-table-twice.txt", "AMS1117", ['merged-table', 'prose', 'row-count'], VALID),
    ("32-pin-words.txt", "LM7812", ['pin-name'], VALID),
    ("33-everything-at-once.txt", "MAX232", ['blank-line', 'code-fence', 'comment', 'missing-fields', 'prose', 'row-count', 'spaces', 'unterminated-quote'], VALID),
    ("34-named-part-missing.txt", "MCP2551", ['code-fence'], [('missing-part', ''), ('unknown-part', 'U1')]),
    ("35-value-as-type.txt", "AMS1117", ['comment', 'swapped-type-value'], VALID),
    ("36-power-pin-unconnected.txt", "TL071", ['row-count'], [('unconnected-power-pin', 'U1.4')]),
    ("37-lowercase-pin-names.txt", "MCP2551", ['pin-name'], VALID),
    ("38-comment-inside-open-quote.txt", "reset", ['comment', 'unterminated-quote'], VALID),
    ("39-net-named-twice.txt", "LM7812-fuse", ['merged-nets'], VALID),
    ("40-tilde-fence-typographic-title.txt", "LED-100", ['code-fence', 'quotes'], VALID),
    ("41-pin-table-twice.txt", "TL071", ['merged-table', 'row-count'], VALID),
    ("42-trailing-space-and-tabs.txt", "LM7805", ['header', 'spaces', 'tabs'], VALID),
    ("43-trailing-commas.txt", "LM7805", ['extra-fields'], VALID),
    ("44-pin-table-without-count.txt", "MCP2551", ['row-count', 'table-header'], VALID),
    # the request asks for a 120 ohm termination; the answer has one 60R ("split termination") and no 120R
    ("45-v12-drawing-from-memory.txt", "MCP2551", ['code-fence', 'comment', 'geometry', 'not-points', 'pin-name', 'prose',
                                                   'row-count'], [('missing-value', '')]),
    ("46-slash-comments-and-power-words.txt", "LM358-gain2", ['code-fence', 'comment', 'merged-nets', 'row-count'], VALID),
    ("q15-01.txt", "LM7812", ['missing-fields'], [('empty-circuit', '')]),
    ("q15-02.txt", "74HC32", ['prose', 'row-count'], [('missing-part', ''), ('missing-value', '')]),   # no 0.1uF capacitor
    ("q15-03.txt", "74HC32", [], [('missing-part', ''), ('missing-value', '')]),   # no 0.1uF capacitor
    ("q15-04.txt", "crystal-48", ['power-pin-by-name'], [('unknown-part', 'IC1')]),
    ("q15-05.txt", "LM358-mic", ['row-count'], [('unconnected-power-pin', 'IC2.4'), ('unconnected-power-pin', 'IC2.8'), ('unknown-pin', 'R1.3')]),
    ("q15-06.txt", "LM358-mic", ['row-count'], [('unconnected-power-pin', 'IC2.4'), ('unconnected-power-pin', 'IC2.8'), ('unknown-pin', 'R1.3')]),
    ("q15-07.txt", "LM358-mic", ['row-count'], [('empty-circuit', '')]),
    ("q15-08.txt", "LM393", ['missing-fields', 'row-count', 'spaces'], [('unconnected-power-pin', 'U1.8'), ('unknown-part', 'U1')]),
    ("q15-09.txt", "LM393", ['missing-fields', 'spaces'], [('unconnected-power-pin', 'U1.8'), ('unknown-part', 'U1')]),
    ("q15-10.txt", "LM7812", ['missing-fields', 'power-pin-by-name', 'prose'], [('pin-name-mismatch', 'U1.1'), ('pin-name-mismatch', 'U1.3'), ('unconnected-power-pin', 'U1.1')]),
    ("q15-11.txt", "74HC32", ['missing-fields', 'row-count', 'swapped-type-value'], VALID),
    ("q15-12.txt", "74HC32", ['missing-fields'], [('empty-circuit', '')]),
    ("q15-13.txt", "LM358-mic", ['missing-fields'], [('pin-name-mismatch', 'IC1.2'), ('pin-name-mismatch', 'IC1.3'), ('pin-name-mismatch', 'IC1.4')]),
    ("q15-14.txt", "LM358-mic", ['missing-fields', 'row-count'], [('pin-name-mismatch', 'IC1.2'), ('pin-name-mismatch', 'IC1.3'), ('pin-name-mismatch', 'IC1.4')]),
    ("q15-15.txt", "LM393", ['missing-fields', 'prose', 'row-count'], [('pin-name-mismatch', 'LM393.2'), ('pin-name-mismatch', 'LM393.3'), ('unconnected-power-pin', 'LM393.4')]),
    ("q15-16.txt", "LM7812", ['power-pin-by-name', 'row-count'], VALID),
    ("q15-17.txt", "LM7812", ['indent', 'missing-fields', 'prose', 'row-count'], [('empty-circuit', '')]),
    ("q15-18.txt", "74HC32", ['row-count'], [('missing-part', ''), ('missing-value', '')]),   # no 0.1uF capacitor
    ("q15-19.txt", "74HC32", [], [('missing-part', ''), ('missing-value', '')]),   # no 0.1uF capacitor
    ("q15-20.txt", "crystal-48", [], [('empty-circuit', '')]),
    ("q15-21.txt", "crystal-48", ['row-count'], [('undeclared-part', 'CR1'), ('undeclared-part', 'L1'), ('unknown-part', 'L3'), ('missing-part', ''), ('missing-value', '')]),
    ("q15-22.txt", "LM358-mic", ['library-as-type', 'missing-fields', 'row-count'], [('unknown-part', 'R1'), ('unknown-part', 'R2'), ('missing-value', '')]),
    ("q15-23.txt", "LM358-mic", ['row-count'], [('bad-pin-ref', 'GND'), ('bad-pin-ref', 'N0'), ('bad-pin-ref', 'VCC'), ('missing-part', ''), ('missing-value', '')]),
    ("q15-24.txt", "LM393", ['merged-nets', 'missing-fields', 'row-count', 'spaces', 'unquoted-list'], [('unconnected-power-pin', 'LM393.4'), ('unconnected-power-pin', 'LM393.8'), ('unconnected-power-pin', 'U1.4'), ('missing-part', ''), ('missing-value', '')]),
    ("q15-25.txt", "LM393", ['merged-nets', 'missing-fields', 'row-count', 'spaces', 'unquoted-list'], [('unconnected-power-pin', 'LM393.4'), ('unconnected-power-pin', 'LM393.8'), ('unconnected-power-pin', 'U1.4'), ('missing-part', ''), ('missing-value', '')]),
    ("q15-26.txt", "LM7812", ['power-pin-by-name', 'prose'], [('missing-part', ''), ('unknown-part', 'L1')]),
    ("q15-27.txt", "LM7812", ['prose'], [('missing-part', '')]),
    ("q15-28.txt", "74HC32", ['duplicate-pin', 'merged-nets', 'merged-table', 'row-count', 'swapped-type-value'], [('truncated', ''), ('undeclared-part', 'U1')], "length"),
    ("q15-29.txt", "74HC32", ['power-pin-by-name'], [('bad-pin-ref', 'GND')]),
    ("q15-30.txt", "LM358-mic", ['row-count', 'swapped-type-value'], [('pin-name-mismatch', 'LM358.2'), ('pin-name-mismatch', 'LM358.3'), ('pin-name-mismatch', 'LM358.4')]),
    ("q15-31.txt", "LM358-mic", ['swapped-type-value'], [('pin-name-mismatch', 'LM358.2'), ('pin-name-mismatch', 'LM358.3'), ('pin-name-mismatch', 'LM358.4')]),
    ("q15-32.txt", "LM358-mic", ['row-count', 'swapped-type-value'], [('missing-part', ''), ('unconnected-power-pin', 'Amplifier_Operational:LM358.8'), ('unknown-part', 'Amplifier_Operational:LM358')]),
    ("q15-33.txt", "LM393", ['pin-name', 'power-pin-by-name', 'row-count', 'unquoted-list'], [('unconnected-power-pin', 'LM393.4')]),
    ("q15-34.txt", "LM393", ['pin-name', 'power-pin-by-name', 'unquoted-list'], [('unconnected-power-pin', 'LM393.4')]),
]


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
    assert not [f for f in errors if f["code"] in FORMAT_CODES], errors          # never refused for format alone
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
            assert codes & {"pin-name", "merged-nets", "power-pin-by-name"}, case[0]
        if {n for n, _ in before} != {n for n, _ in after} or len(out.nets) != len(doc.nets):
            assert "merged-nets" in codes, case[0]
    assert changed >= 10
