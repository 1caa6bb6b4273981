"""The JSON form of an answer (``grammar_mode = json``): its schema is inside the strict subset
hosted APIs accept, it reads into the same document as the TOKN text, every bad answer gets a
located finding, and the client sends it and falls back like it does for grammars."""
from __future__ import annotations

import json

import jsonschema
import pytest

from tokn.doc import parse_tokn, write_tokn
from tokn.generate.answer_schema import (SCHEMA_KEYWORDS, AnswerJSONError, tool_call_arguments, answer_schema, document_to_json,
                                         looks_like_json, read_json_answer, read_loose_json_answer, response_format,
                                         schema_violations)
from tokn.generate.config import Settings
from tokn.generate.fewshot import bundled_examples
from tokn.generate.llm import LLMClient, _local_host

from tokn.testing.llm_server import MockLLMServer, Reply, response_format_problems

MSG = [{"role": "user", "content": "hi"}]
GBNF = 'root ::= "x"'

GOOD = {
    "title": "5V regulator",
    "components": [{"ref": "U1", "type": "LM7805_TO220", "value": "LM7805", "fp": ""},
                   {"ref": "C1", "type": "C", "value": "0.33uF", "fp": ""}],
    "pin_tables": [{"ref": "U1", "pins": [{"num": "1", "name": "VI", "type": "power_in"},
                                          {"num": "2", "name": "GND", "type": "power_in"},
                                          {"num": "3", "name": "VO", "type": "power_out"}]}],
    "nets": [{"name": "VIN", "pins": ["U1.1", "C1.1"]}, {"name": "GND", "pins": ["U1.2", "C1.2"]}],
}


def _walk(schema):
    yield schema
    for sub in schema.get("properties", {}).values():
        yield from _walk(sub)
    if "items" in schema:
        yield from _walk(schema["items"])


def test_the_schema_is_valid_json_schema_and_inside_the_strict_subset():
    schema = answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for node in _walk(schema):
        assert set(node) <= SCHEMA_KEYWORDS
        if node.get("type") == "object":
            assert node["additionalProperties"] is False, node
            assert node["required"] == list(node["properties"])
    assert response_format_problems(response_format()) == []
    assert response_format()["json_schema"]["strict"] is True


@pytest.mark.parametrize("example", bundled_examples(), ids=lambda e: e.id)
def test_every_bundled_example_reads_back_from_its_json_form(example):
    doc = parse_tokn(example.text)
    data = json.loads(json.dumps(document_to_json(doc)))
    jsonschema.validate(data, answer_schema())
    assert write_tokn(read_json_answer(json.dumps(data))) == write_tokn(parse_tokn(write_tokn(doc)))


def test_a_json_answer_is_the_document_its_tokn_text_is():
    doc = read_json_answer("```json\n" + json.dumps(GOOD, indent=2) + "\n```")
    assert [(c.ref, c.type, c.value) for c in doc.components] == [("U1", "LM7805_TO220", "LM7805"),
                                                                   ("C1", "C", "0.33uF")]
    assert [(p.number, p.name, p.type) for p in doc.pins["U1"]][0] == ("1", "VI", "power_in")
    assert {n.name: n.pins for n in doc.nets} == {"VIN": ["U1.1", "C1.1"], "GND": ["U1.2", "C1.2"]}
    assert write_tokn(parse_tokn(write_tokn(doc))) == write_tokn(doc)


def _bad(change):
    d = json.loads(json.dumps(GOOD))
    change(d)
    return d


# (case, answer, finding code, text every message must hold)
BAD_ANSWERS = [
    ("not json", '{"title": "x", "components": [', "json-syntax", "line 1, column 31"),
    ("trailing comma", '{"title": "x",}', "json-syntax", "line 1"),
    ("an array", [1, 2], "json-schema", "the answer: expected an object, not an array"),
    ("missing nets", _bad(lambda d: d.pop("nets")), "json-schema", 'the member "nets" is missing'),
    ("extra member", _bad(lambda d: d.update(notes="hi")), "json-schema", 'unexpected member "notes"'),
    ("ref as number", _bad(lambda d: d["components"][1].update(ref=1)), "json-schema",
     "components[1].ref: expected a string, not a number"),
    ("bad pin type", _bad(lambda d: d["pin_tables"][0]["pins"][2].update(type="pwr")), "json-schema",
     'pin_tables[0].pins[2].type: "pwr" is not one of'),
    ("pins as a string", _bad(lambda d: d["nets"][0].update(pins="U1.1,C1.1")), "json-schema",
     "nets[0].pins: expected an array, not a string"),
    ("null value", _bad(lambda d: d["components"][0].update(value=None)), "json-schema",
     "components[0].value: expected a string, not null"),
    ("two tables for one part", _bad(lambda d: d["pin_tables"].append(d["pin_tables"][0])), "format",
     "pin_tables[1]: a second pin table for U1"),
]


@pytest.mark.parametrize("case,answer,code,text", BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS])
def test_bad_json_answers_get_a_located_finding(case, answer, code, text):
    raw = answer if isinstance(answer, str) else json.dumps(answer)
    with pytest.raises(AnswerJSONError) as e:
        read_json_answer(raw)
    assert e.value.code == code and text in e.value.message
    if code == "json-schema":        # the schema checker agrees with the jsonschema library
        assert not jsonschema.Draft202012Validator(answer_schema()).is_valid(answer)
        assert schema_violations(answer_schema(), answer)
    if code == "json-syntax" and e.value.line:
        assert e.value.col is not None


def _loose(change):
    d = json.loads(json.dumps(GOOD))
    change(d)
    return d


def _free_style(d):
    """How a model writes the JSON without the schema's constraint."""
    for c in d["components"]:
        c["designator"] = c.pop("ref")
        c["footprint"] = c.pop("fp")
    d["nets"] = [{"net": n["name"], "connections": ", ".join(n["pins"])} for n in d["nets"]]


def _keyed(d):
    """Objects keyed by reference and net name instead of lists (GPT-4o and Gemini without the schema)."""
    d["components"] = {c.pop("ref"): c for c in d["components"]}
    d["pin_tables"] = {t["ref"]: t["pins"] for t in d["pin_tables"]}
    d["nets"] = {n["name"]: n["pins"] for n in d["nets"]}


def _pin_nets(shape):
    """No nets: each component lists its pins' nets (a netlist per part), in ``shape``."""
    def change(d):
        for c in d["components"]:
            c["pins"] = shape({p.split(".")[1]: n["name"] for n in d["nets"] for p in n["pins"]
                               if p.split(".")[0] == c["ref"]})
        del d["nets"]
    return change


# (case, change to GOOD, fix codes, words in the messages); the document read is GOOD's
LOOSE_ANSWERS = [
    ("optional members left out", lambda d: (d.pop("title"), d.pop("pin_tables"), d["components"][0].pop("fp")),
     ["json-missing"], ["title", "pin_tables", "components.fp"]),
    ("a pin's type left out", lambda d: d["pin_tables"][0]["pins"][0].pop("type"), ["json-missing"], ["pins.type"]),
    ("members the schema lacks", lambda d: (d.update(notes="decoupling per IC"), d["components"][1].update(x=1)),
     ["json-extra"], ["notes", "x"]),
    ("numbers for text", lambda d: (d["pin_tables"][0]["pins"][0].update(num=1), d["nets"][0].update(pins=["U1.1", "C1.1"])),
     ["json-types"], ["pins.num"]),
    ("other member names and a pin list as one string", _free_style, ["json-renamed", "json-types"],
     ["designator as ref", "footprint as fp", "net as name", "connections as pins", "nets.pins"]),
    ("objects keyed by reference and net name", _keyed, ["json-keyed"],
     ["components by reference", "nets by name", "pin_tables by reference"]),
    ("no nets: each component maps its pins to nets", _pin_nets(lambda p: p), ["json-pin-nets"],
     ["VIN: U1.1, C1.1; GND: U1.2, C1.2"]),
    ("no nets: pins as a list of pin and net", _pin_nets(lambda p: [{"pin": k, "net": v} for k, v in p.items()]),
     ["json-pin-nets"], ["VIN: U1.1, C1.1"]),
]


@pytest.mark.parametrize("case,change,codes,words", LOOSE_ANSWERS, ids=[c[0] for c in LOOSE_ANSWERS])
def test_json_written_without_the_constraint_is_read_and_every_change_reported(case, change, codes, words):
    want = read_json_answer(json.dumps(GOOD))
    doc, fixes = read_loose_json_answer(json.dumps(_loose(change)))
    assert [c for c, _, _ in fixes] == codes and all(where for _, _, where in fixes)
    text = " ".join(m for _, m, _ in fixes)
    assert [w for w in words if w not in text] == []
    assert [(c.ref, c.type, c.value) for c in doc.components] == [(c.ref, c.type, c.value) for c in want.components]
    assert {n.name: n.pins for n in doc.nets} == {n.name: n.pins for n in want.nets}


def test_comments_and_trailing_commas_are_removed_and_their_lines_named():
    lines = json.dumps(GOOD, indent=1).split("\n")
    lines[2] += "  // the parts"
    k = next(i for i, ln in enumerate(lines) if ln.strip() == "]")     # the end of a list
    lines[k - 1] += ",  /* more later */"
    text = "```json\n" + "\n".join(lines) + "\n```\n"
    doc, fixes = read_loose_json_answer(text)
    assert [c for c, _, _ in fixes] == ["json-comments"]
    assert fixes[0][2] == f"comments at lines 4, {k + 1}, trailing commas at line {k + 1}"
    assert write_tokn(doc) == write_tokn(read_json_answer(json.dumps(GOOD)))
    with pytest.raises(AnswerJSONError) as e:                     # the strict reader stays strict
        read_json_answer(text)
    assert e.value.code == "json-syntax"


def test_a_comment_marker_inside_a_string_is_text():
    good = json.loads(json.dumps(GOOD))
    good["title"] = "a // b, /* c */"
    doc, fixes = read_loose_json_answer(json.dumps(good))
    assert fixes == [] and doc.title == "a // b, /* c */"


@pytest.mark.parametrize("wrap", [
    lambda a: {"name": "submit_circuit", "arguments": json.dumps(a)},
    lambda a: {"function_call": {"name": "submit_circuit", "arguments": json.dumps(a)}},
    lambda a: {"tool_calls": [{"id": "call_1", "type": "function",
                               "function": {"name": "submit_circuit", "arguments": json.dumps(a)}}]},
    lambda a: {"type": "tool_use", "id": "toolu_1", "name": "submit_circuit", "input": a},
], ids=["function_call", "function_call member", "tool_calls", "anthropic tool_use"])
def test_a_tool_call_gives_its_arguments(wrap):
    name, args = tool_call_arguments(json.dumps(wrap(GOOD)))
    assert name == "submit_circuit" and json.loads(args) == GOOD


@pytest.mark.parametrize("text", [json.dumps(GOOD), '{"name": "x"}', '{"name": "x", "arguments": 3}', "[1]",
                                  "# TOKN v1\n", '{"arguments": "{}"}'])
def test_what_is_no_tool_call_is_not_unwrapped(text):
    assert tool_call_arguments(text) is None


def test_loose_reading_changes_nothing_in_a_good_answer():
    doc, fixes = read_loose_json_answer(json.dumps(GOOD))
    assert fixes == [] and write_tokn(doc) == write_tokn(read_json_answer(json.dumps(GOOD)))


@pytest.mark.parametrize("case,answer,code,text", [b for b in BAD_ANSWERS if b[0] in (
    "not json", "an array", "missing nets", "bad pin type", "null value", "two tables for one part")],
    ids=lambda v: v if isinstance(v, str) and " " in v else "")
def test_what_loose_reading_cannot_mend_gets_the_same_finding(case, answer, code, text):
    raw = answer if isinstance(answer, str) else json.dumps(answer)
    with pytest.raises(AnswerJSONError) as e:
        read_loose_json_answer(raw)
    assert e.value.code == code and text in e.value.message


def test_the_schema_checker_agrees_with_jsonschema_on_good_answers():
    assert schema_violations(answer_schema(), GOOD) == []
    assert jsonschema.Draft202012Validator(answer_schema()).is_valid(GOOD)


@pytest.mark.parametrize("text,is_json", [
    ('{"title": ""}', True), ('  \n```json\n{"a": 1}\n```\n', True), ("# TOKN v1\n", False),
    ("Here you go: {", False), ("", False)])
def test_looks_like_json(text, is_json):
    assert looks_like_json(text) is is_json


# ---- the client --------------------------------------------------------------------------------

def client(srv, **kw) -> LLMClient:
    return LLMClient(Settings(base_url=srv.base_url, model="mock", **kw), backoff_base=0.01)


def test_json_mode_sends_a_strict_response_format_that_openai_would_accept():
    with MockLLMServer([Reply(json.dumps(GOOD))]) as srv:
        r = client(srv, grammar_mode="json").complete(MSG, grammar=GBNF, json_schema=response_format()["json_schema"])
    body = srv.requests[0]["body"]
    assert r.grammar_mode == "json" and body["response_format"] == response_format()
    assert "grammar" not in body and srv.probes == []


def test_a_server_refusing_the_schema_is_answered_400_like_openai():
    bad = response_format()
    bad["json_schema"]["schema"]["properties"]["nets"]["items"]["additionalProperties"] = True
    with MockLLMServer([Reply("a")]) as srv:
        c = client(srv, grammar_mode="json", max_retries=0)
        r = c.complete(MSG, json_schema=bad["json_schema"])
    assert r.grammar_mode == "none" and "response_format" not in srv.requests[-1]["body"]
    assert len(srv.requests) == 2          # the refused request, then the plain one


def test_a_server_without_response_format_falls_back_and_remembers():
    with MockLLMServer([Reply("a"), Reply("b")], reject_fields=("response_format",)) as srv:
        c = client(srv, grammar_mode="json")
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).grammar_mode == "none"
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).grammar_mode == "none"
    assert ["response_format" in q["body"] for q in srv.requests] == [True, False, False]


def test_llama_cpp_python_gets_json_object_with_the_schema():
    with MockLLMServer([Reply("a"), Reply("b")], response_format_types=("text", "json_object")) as srv:
        c = client(srv, grammar_mode="json")
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).grammar_mode == "json"
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).grammar_mode == "json"
    sent = [q["body"]["response_format"]["type"] for q in srv.requests]
    assert sent == ["json_schema", "json_object", "json_object"]          # learnt once
    assert srv.requests[1]["body"]["response_format"]["schema"] == answer_schema()


def test_llama_cpp_python_0_3_refusing_json_schema_with_http_500_is_adapted_to_not_retried():
    """llama-cpp-python 0.3.36's server (the 2026-11-30 e2e run) answers the json_schema type
    with HTTP 500 holding FastAPI's validation error, not 422: the client reads it as a refused
    field (no retry, no backoff) and sends json_object with the schema."""
    with MockLLMServer([Reply("a"), Reply("b")], response_format_types=("text", "json_object"),
                       response_format_status=500) as srv:
        c = client(srv, grammar_mode="json")
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).grammar_mode == "json"
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).grammar_mode == "json"
    sent = [q["body"]["response_format"]["type"] for q in srv.requests]
    assert sent == ["json_schema", "json_object", "json_object"]


def test_a_plain_http_500_is_still_retried_not_adapted():
    with MockLLMServer([Reply(status=500, error_body={"error": {"message": "out of memory"}}), Reply("a")]) as srv:
        c = client(srv, grammar_mode="json")
        assert c.complete(MSG, json_schema=response_format()["json_schema"]).text == "a"
    assert [q["body"]["response_format"]["type"] for q in srv.requests] == ["json_schema", "json_schema"]


@pytest.mark.parametrize("base_url,mode", [
    ("https://api.openai.com/v1", "json"), ("https://openrouter.ai/api/v1", "json"),
    ("https://generativelanguage.googleapis.com/v1beta/openai", "json")])
def test_auto_chooses_json_for_hosted_apis_without_probing(base_url, mode):
    c = LLMClient(Settings(base_url=base_url, model="m", api_key="sk-test"), probe_timeout=0.01)
    assert c.grammar_mode() == mode


@pytest.mark.parametrize("flavour,mode", [("ollama", "json"), ("llamacpp", "gbnf"), ("vllm", "vllm"),
                                           ("openai", "none")])
def test_auto_probes_local_servers(flavour, mode):
    with MockLLMServer([Reply("a")], flavour=flavour) as srv:
        c = client(srv)
        assert c.grammar_mode() == mode
        sent = c.complete(MSG, grammar=GBNF, json_schema=response_format()["json_schema"])
    assert sent.grammar_mode == mode
    assert ("response_format" in srv.requests[0]["body"]) is (mode == "json")


@pytest.mark.parametrize("host,local", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("192.168.1.20", True), ("10.0.0.5", True),
    ("gpu-box", True), ("llm.local", True), ("api.example.com", False), ("8.8.8.8", False)])
def test_local_hosts(host, local):
    assert _local_host(host) is local


def test_a_mode_without_its_constraint_sends_none():
    with MockLLMServer([Reply("a"), Reply("b")]) as srv:
        assert client(srv, grammar_mode="json").complete(MSG, grammar=GBNF).grammar_mode == "none"
        assert client(srv, grammar_mode="gbnf").complete(
            MSG, json_schema=response_format()["json_schema"]).grammar_mode == "none"
    assert not any({"response_format", "grammar"} & set(q["body"]) for q in srv.requests)


# ---- the pipeline ------------------------------------------------------------------------------

PROMPT = "Design a 5V linear regulator using LM7805 with 0.33uF input capacitor and 0.1uF output capacitor"
VALID = {
    "title": "5V linear regulator",
    "components": [{"ref": "C1", "type": "C", "value": "0.33uF", "fp": ""},
                   {"ref": "C2", "type": "C", "value": "0.1uF", "fp": ""},
                   {"ref": "U1", "type": "LM7805_TO220", "value": "LM7805", "fp": ""}],
    "pin_tables": [{"ref": "U1", "pins": [{"num": "1", "name": "VI", "type": "power_in"},
                                          {"num": "2", "name": "GND", "type": "power_in"},
                                          {"num": "3", "name": "VO", "type": "power_out"}]}],
    "nets": [{"name": "+5V", "pins": ["C2.1", "U1.3"]}, {"name": "GND", "pins": ["C1.2", "C2.2", "U1.2"]},
             {"name": "VIN", "pins": ["C1.1", "U1.1"]}],
}


@pytest.fixture(scope="module")
def toolkit(symbol_index):
    from tokn.generate.pipeline import Toolkit
    return Toolkit(index=symbol_index, erc="off")


def generate(script, toolkit, **kw):
    from tokn.generate.pipeline import Generator
    with MockLLMServer(script, reject_fields=kw.pop("reject_fields", ())) as srv:
        s = Settings(base_url=srv.base_url, model="mock", timeout=5.0, max_retries=1, **kw)
        res = Generator(s, toolkit=toolkit, llm=LLMClient(s, backoff_base=0.01)).generate(PROMPT)
    return res, srv


def test_a_json_answer_becomes_the_same_circuit(toolkit):
    res, srv = generate([Reply(json.dumps(VALID))], toolkit, grammar_mode="json")
    assert res.ok and res.rounds == 1 and res.grammar_mode == "json"
    assert {n.name: n.pins for n in res.document.nets}["GND"] == ["C1.2", "C2.2", "U1.2"]
    assert res.tokn_text.startswith("# TOKN v1\n") and parse_tokn(res.tokn_text).components
    body = srv.requests[0]["body"]
    assert body["response_format"] == response_format()
    assert "one JSON object (schema tokn_answer)" in body["messages"][0]["content"]


@pytest.mark.parametrize("first,code", [
    ('{"title": "regulator", "components": [', "json-syntax"),
    (json.dumps({**VALID, "nets": "GND: C1.2"}), "json-schema"),
    ("I cannot help with that.", "json-syntax"),
])
def test_bad_json_goes_to_repair_with_its_finding(toolkit, first, code):
    res, srv = generate([Reply(first), Reply(json.dumps(VALID))], toolkit, grammar_mode="json")
    assert res.ok and res.rounds == 2
    assert res.attempts[0].check.findings[0].code == code
    assert f"[{code}]" in srv.last_user_message(1)


def test_a_json_answer_with_a_wrong_pin_is_checked_like_tokn(toolkit):
    wrong = json.loads(json.dumps(VALID))
    wrong["nets"][1]["pins"].append("U1.4")
    res, srv = generate([Reply(json.dumps(wrong)), Reply(json.dumps(VALID))], toolkit, grammar_mode="json")
    assert res.ok and res.rounds == 2
    assert any(f.code == "unknown-pin" and f.where == "U1.4" for f in res.attempts[0].check.findings)


def test_a_server_rejecting_response_format_still_gets_a_circuit(toolkit):
    from tokn.doc import write_tokn as _w
    tokn = _w(read_json_answer(json.dumps(VALID)))
    res, srv = generate([Reply(tokn)], toolkit, grammar_mode="json", reject_fields=("response_format",))
    assert res.ok and res.grammar_mode == "none"
    assert ["response_format" in q["body"] for q in srv.requests] == [True, False]


def test_a_tokn_answer_is_read_as_tokn_when_a_server_ignores_response_format(toolkit):
    from tokn.doc import write_tokn as _w
    res, srv = generate([Reply(_w(read_json_answer(json.dumps(VALID))))], toolkit, grammar_mode="json")
    assert res.ok and res.rounds == 1 and res.grammar_mode == "json"
    assert "response_format" in srv.requests[0]["body"]


def test_a_json_answer_gets_the_same_net_repairs_and_they_are_reported(toolkit):
    """Pins by name, a net name in a pin list and a net written in two rows: a JSON answer goes
    through the deterministic repairs (tokn.generate.netfix) like a TOKN one, costs no round,
    and every repair is a ``fixed`` finding (in the result and in ``tokn generate --json``)."""
    messy = json.loads(json.dumps(VALID))
    messy["pin_tables"] = []
    messy["nets"] = [{"name": "+5V", "pins": ["C2.1", "U1.VO"]}, {"name": "GND", "pins": ["C1.2", "U1.GND"]},
                     {"name": "GND", "pins": ["C2.2"]}, {"name": "VIN", "pins": ["C1.1", "U1.VI"]},
                     {"name": "N1", "pins": ["GND"]}]
    res, srv = generate([Reply(json.dumps(messy))], toolkit, grammar_mode="json")
    assert res.ok and res.rounds == 1 and len(srv.requests) == 1
    fixed = {(f.code, f.where) for f in res.findings if f.severity == "fixed"}
    assert fixed == {("pin-name", "U1"), ("merged-nets", "GND")}
    assert {n.name: sorted(n.pins) for n in res.document.nets} == {
        "+5V": ["C2.1", "U1.3"], "GND": ["C1.2", "C2.2", "U1.2"], "VIN": ["C1.1", "U1.1"]}
    from click.testing import CliRunner

    from tokn.cli.generate_cmd import generate_cmd
    with MockLLMServer([Reply(json.dumps(messy))]) as srv:
        r = CliRunner().invoke(generate_cmd, [PROMPT, "--base-url", srv.base_url, "--model", "mock", "--rounds", "1",
                                              "--retries", "0", "--erc", "off", "--grammar", "json", "--json", "-",
                                              "-q"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout[:r.stdout.rindex("}") + 1])
    assert {(f["code"], f["where"]) for f in data["findings"] if f["severity"] == "fixed"} == fixed
    assert all("->" in f["message"] or "rows" in f["message"] for f in data["findings"] if f["severity"] == "fixed")


def test_a_json_answer_written_freely_becomes_a_circuit_in_free_text_mode(toolkit):
    """A model asked for TOKN that answers in JSON of its own making (no ``fp``, no
    ``pin_tables``, a ``connections`` string): read, every change reported, no round spent."""
    free = json.loads(json.dumps(VALID))
    free.pop("pin_tables")
    for c in free["components"]:
        c.pop("fp")
    free["nets"] = [{"net": n["name"], "connections": ",".join(n["pins"])} for n in free["nets"]]
    res, srv = generate([Reply("Here is the circuit:\n```json\n" + json.dumps(free, indent=1) + "\n```")],
                        toolkit, grammar_mode="none")
    assert res.ok and res.rounds == 1, res.findings
    assert {f.code for f in res.findings if f.severity == "fixed"} >= {"json-missing", "json-renamed", "json-types"}


@pytest.mark.parametrize("around,prose", [("{}", False), ("Here it is:\n```json\n{}\n```\nCheck C1's voltage.", True),
                                          ("The answer:\n{}\n", True)], ids=["alone", "fenced-in-prose", "in-prose"])
def test_a_tokn_document_wrapped_in_json_is_read_as_tokn(toolkit, around, prose):
    from tokn.doc import write_tokn as _w
    wrapped = json.dumps({"tokn": _w(read_json_answer(json.dumps(VALID))), "notes": "decouple U1"}, indent=2)
    res, _ = generate([Reply(around.replace("{}", wrapped))], toolkit, grammar_mode="none")
    assert res.ok and res.rounds == 1, res.findings
    assert [(f.code, f.where) for f in res.findings if f.code == "tokn-in-json"] == [("tokn-in-json", "tokn")]
    assert ("json-prose" in {f.code for f in res.findings}) == prose


def test_a_json_answer_with_an_ambiguous_pin_name_is_refused_naming_the_candidates(toolkit):
    amb = json.loads(json.dumps(VALID))
    amb["components"].append({"ref": "U2", "type": "LM358", "value": "LM358", "fp": ""})
    amb["nets"][2]["pins"].append("U2.+")
    res, _ = generate([Reply(json.dumps(amb))], toolkit, grammar_mode="json", max_rounds=1)
    errs = [f for f in res.findings if f.code == "ambiguous-pin"]
    assert not res.ok and errs and errs[0].where == "U2.+" and "3" in errs[0].message and "5" in errs[0].message
