"""``tokn dataset --describe``: LLM-written requests for instruction pairs, against the
scripted loopback server (:class:`tokn.testing.llm_server.MockLLMServer`): answer cleaning,
the prompt, the cache (hits, misses, concurrent writers), descriptions in the records, no
request on a rerun, failures kept per pair, worker processes, and no network at all
without the option."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import asdict

import pytest
from click.testing import CliRunner

from tokn.cli import main
from tokn.dataset.desccache import DescriptionCache, cache_key
from tokn.dataset.describe import (MAX_CHARS, PROMPT_DIGEST, SYSTEM_PROMPT, DescribeSpec, clean_answer,
                                   describe_messages)
from tokn.errors import DescriptionError
from tokn.generate.config import Settings
from tokn.testing.llm_server import MockLLMServer, Reply

try:
    from .conftest import ANCHOR, CORPUS, needs_shared
except ImportError:
    from conftest import ANCHOR, CORPUS, needs_shared

MJUART = os.path.join(CORPUS, "files", "mjbots__moteus", "hw", "mjuart")
MAX232 = os.path.join(ANCHOR, "examples", "max232-uart-rs232")
MIT_TEXT = ("MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"
            "The above copyright notice and this permission notice shall be included in all\n"
            "copies or substantial portions of the Software.\n")


# --------------------------------------------------------------------------- answer cleaning

LONG_SENTENCE = "Design " + "a very " * 70 + "long board."

ACCEPTED = [
    # (answer, cleaned)
    ("Design a 5 V buck converter with a TPS5430.", "Design a 5 V buck converter with a TPS5430."),
    ('  "Design a USB to UART bridge."  \n', "Design a USB to UART bridge."),
    ("\u201cDesign a MAX232 level shifter.\u201d", "Design a MAX232 level shifter."),
    ("'Design a relay driver.'", "Design a relay driver."),
    ("'Design Bob's relay driver.'", "Design Bob's relay driver."),
    ('"Design an "ideal" diode" and "a fuse"', '"Design an "ideal" diode" and "a fuse"'),
    ("Design a supply with:\n- a 5 V rail\n- a 3.3 V rail", "Design a supply with: - a 5 V rail - a 3.3 V rail"),
    ("Design a power supply: 5 V in, 3.3 V out.", "Design a power supply: 5 V in, 3.3 V out."),
    ("```\nDesign an LED blinker with a 555.\n```", "Design an LED blinker with a 555."),
    ("```text\nDesign an LED blinker.\n```", "Design an LED blinker."),
    ("Sure! Here is the request: Design a dual RS232 port.", "Design a dual RS232 port."),
    ("Here's a user-style request:\n\nI need a 3.3 V LDO for my board.", "I need a 3.3 V LDO for my board."),
    ("Request: Build a USB hub.", "Build a USB hub."),
    ("**Build a USB hub with a USB2514.**", "Build a USB hub with a USB2514."),
    ("- Design a CAN transceiver.", "Design a CAN transceiver."),
    ("Design a board\nwith two   op-amps.", "Design a board with two op-amps."),
    ("Design a supply with 1.8, 3.3 and 5 V rails.", "Design a supply with 1.8, 3.3 and 5 V rails."),
    ("Design a motor driver. " * 30, ("Design a motor driver. " * 17).strip()),   # cut at a sentence end
    ("<think>\nThe parts are a MAX232 and 2 capacitors; write it as a user would.\n</think>\n\n"
     "Design an RS-232 interface with a MAX232.", "Design an RS-232 interface with a MAX232."),
    ("The user asked for a request.</think>Design an RS-232 interface with a MAX232.",
     "Design an RS-232 interface with a MAX232."),                     # the prompt opened the block
]

REJECTED = [
    # (answer, what the error says)
    ("", "empty"),
    ("   \n ", "empty"),
    ('""', "empty"),
    ("# TOKN v1\ntitle: x\n\ncomponents[1]{ref,type,value}:\n  R1,R,10k\n", "code or TOKN"),
    ("components[2]{ref,type,value}: R1,R,1k", "code or TOKN"),
    ("```python\nimport tokn\n```", "code or TOKN"),
    ('{"request": "Design a board."}', "code or TOKN"),
    ("(kicad_sch (version 20231120))", "code or TOKN"),
    ("Connect U2.13, C1.2 and J1.1 together.", "code or TOKN"),
    ("I'm sorry, but I can't help with that.", "refusal"),
    ("As an AI language model, I cannot design circuits.", "refusal"),
    (LONG_SENTENCE, f"over {MAX_CHARS} characters"),
    ("<think>\nA MAX232 board; the request should mention", "all reasoning"),
]


@pytest.mark.parametrize("raw, want", ACCEPTED)
def test_clean_answer_accepts_and_cleans(raw, want):
    got = clean_answer(raw)
    assert got == want
    assert len(got) <= MAX_CHARS


@pytest.mark.parametrize("raw, why", REJECTED)
def test_clean_answer_rejects(raw, why):
    with pytest.raises(DescriptionError, match=why) as e:
        clean_answer(raw)
    assert e.value.answer == " ".join(raw.split())[:120]


# --------------------------------------------------------------------------- prompt and cache

PAIR = {"id": "d:ic:U2", "kind": "ic", "request": 'Design the circuit around MAX232 (U2) from "Dual UART" with 3 parts: '
        "MAX232, 2 capacitors.",
        "completion": "# TOKN v1\ntitle: Dual UART\n\ncomponents[3]{ref,type,value}:\n  C1,C,10uf\n  C2,C,10uf\n"
                      "  U2,MAX232,MAX232\n\nnets[3]{name,pins}:\n  +5V,\"C1.1,U2.16\"\n  N1,\"C1.2,U2.1\"\n"
                      "  TTL_RX,\"C2.1,U2.12\"\n"}


def test_prompt_holds_title_parts_named_nets_and_request():
    msgs = describe_messages(PAIR, "Dual UART")
    assert msgs == describe_messages(dict(PAIR), "Dual UART")              # deterministic
    assert [m["role"] for m in msgs] == ["system", "user"] and msgs[0]["content"] == SYSTEM_PROMPT
    user = msgs[1]["content"]
    assert "Circuit title: Dual UART\n" in user
    assert "Parts: C1 C 10uf, C2 C 10uf, U2 MAX232\n" in user                # value = type: not repeated
    assert "Named nets: +5V, TTL_RX\n" in user                              # N1 is no name
    assert PAIR["request"] in user


def test_cache_hits_misses_and_keys(tmp_path):
    c = DescriptionCache(str(tmp_path / "c"))
    msgs = describe_messages(PAIR, "Dual UART")
    k = cache_key("m1", msgs)
    assert k != cache_key("m2", msgs) and k != cache_key("m1", describe_messages(PAIR, "Other"))
    assert c.get(k, "m1") is None
    c.put(k, "m1", "Design a dual UART.")
    assert c.get(k, "m1") == "Design a dual UART."
    assert c.get(k, "m2") is None                                           # another model's entry: a miss
    with open(c.path(k), "w", encoding="utf-8") as f:
        f.write('{"model": "m1", "te')                                       # a damaged entry: a miss
    assert c.get(k, "m1") is None
    assert not [n for n in os.listdir(os.path.dirname(c.path(k))) if n.endswith(".tmp")]


def test_cache_concurrent_writers_never_show_a_partial_entry(tmp_path):
    c = DescriptionCache(str(tmp_path / "c"))
    key = cache_key("m", [{"role": "user", "content": "x"}])
    texts = [f"Design board number {i}. " + "More words. " * 50 for i in range(8)]
    bad: list[object] = []

    def writer(t: str) -> None:
        for _ in range(40):
            c.put(key, "m", t)

    def reader() -> None:
        for _ in range(400):
            got = c.get(key, "m")
            if got is not None and got not in texts:
                bad.append(got)

    threads = [threading.Thread(target=writer, args=(t,)) for t in texts] + \
              [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad and c.get(key, "m") in texts
    assert os.listdir(os.path.dirname(c.path(key))) == [key + ".json"]       # no temporary file left


def test_describe_spec_keeps_the_key_out_of_plan_and_shard_key():
    spec = DescribeSpec(Settings(base_url="http://127.0.0.1:9/v1", model="m", api_key="sk-secret-123456789"),
                        "/c")
    assert "secret" not in repr(spec) and "secret" not in json.dumps(spec.public())
    assert spec.key_part() == {"model": "m", "prompt": PROMPT_DIGEST}


# --------------------------------------------------------------------------- whole builds

@pytest.fixture
def repos(tmp_path):
    """Two MIT projects without git: the MAX232 example (one ``design`` pair) and mjuart
    (a ``sheet`` and an ``ic`` pair)."""
    root = tmp_path / "repos"
    for name, src in (("uart", MAX232), ("mjuart", MJUART)):
        shutil.copytree(src, root / name / "hw")
        (root / name / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    return root


def _user(body: dict) -> str:
    return body["messages"][-1]["content"]


def _title(body: dict) -> str:
    return _user(body).split("\n", 1)[0].removeprefix("Circuit title: ")


def good(body: dict) -> Reply:
    """A well-behaved model: a quoted sentence naming the title and the pair's kind."""
    kind = "sheet" if "sheet of" in _user(body) else "part" if "around" in _user(body) else "board"
    return Reply(f'"Please design the {kind} of {_title(body)}."')


def want(pair: dict) -> str:
    kind = {"sheet": "sheet", "ic": "part", "design": "board"}[pair["kind"]]
    return f"Please design the {kind} of {pair['_title']}."


def _build(args: list[str], env: dict | None = None):
    return CliRunner(env=env).invoke(main, ["dataset", *args], catch_exceptions=False)


def _pairs(out) -> list[dict]:
    rows = []
    d = os.path.join(out, "instructions")
    for n in sorted(os.listdir(d)):
        with open(os.path.join(d, n), encoding="utf-8") as f:
            rows += [json.loads(x) for x in f]
    return rows


def _titles(out) -> dict[str, str]:
    with open(os.path.join(out, "data", "train-00000.jsonl"), encoding="utf-8") as f:
        return {r["id"]: " ".join(r["title"].split()) for r in map(json.loads, f)}


def _files(out) -> dict[str, bytes]:
    """Every published file (work/ and the cache left out) by relative path."""
    got = {}
    for base, dirs, names in os.walk(out):
        rel = os.path.relpath(base, out)
        if rel.split(os.sep)[0] in ("work", "cache"):
            continue
        for n in names:
            with open(os.path.join(base, n), "rb") as f:
                got[os.path.normpath(os.path.join(rel, n))] = f.read()
    return got


@needs_shared
def test_describe_records_cache_and_rerun_without_requests(repos, tmp_path):
    out = tmp_path / "ds"
    with MockLLMServer([good] * 20) as srv:
        args = [str(repos), "-o", str(out), "--split", "train=1", "--shard-size", "1", "-j", "2",
                "--describe", "--llm-base-url", srv.base_url, "--llm-model", "mock-1"]
        r = _build(args)
        assert r.exit_code == 0, r.stderr
        pairs = _pairs(out)
        titles = _titles(out)
        assert sorted(p["kind"] for p in pairs) == ["design", "ic", "sheet"]
        assert len(srv.requests) == 3                     # one per pair, from the worker processes
        assert not srv.probes                             # plain text: no grammar probing
        for p in pairs:
            p["_title"] = titles[p["design_id"]]
            assert p["request_llm"] == want(p)
            keys = list(p)
            assert keys[keys.index("request") + 1] == "request_llm"
            assert p["request"].startswith("Design ") and p["messages"][0]["content"] == p["request"]
        body = srv.requests[0]["body"]
        assert body["model"] == "mock-1" and body["max_tokens"] == 300 and not body.get("stream")
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        assert stats["descriptions"] == {"model": "mock-1", "described": 3, "failed": 0}
        assert "by `mock-1`, 3 pairs described, 0 left without" in (out / "README.md").read_text(encoding="utf-8")
        plan = json.loads((out / "work" / "plan.json").read_text(encoding="utf-8"))
        assert plan["describe"]["model"] == "mock-1"
        assert plan["describe"]["cache_dir"] == str(out / "cache" / "descriptions")
        assert "descriptions: 0 asked" not in r.stderr and "3 pairs described, 0 without" in r.stderr
        first = _files(out)

        # the same command again: every shard is complete, nothing is asked
        r = _build(args)
        assert r.exit_code == 0 and r.stderr.count("already done") == 2
        assert len(srv.requests) == 3 and _files(out) == first

        # a fresh dataset directory with the first one's cache: all from the cache, the same bytes
        out2 = tmp_path / "ds2"
        r = _build([str(repos), "-o", str(out2), "--split", "train=1", "--shard-size", "1", "--describe",
                    "--llm-base-url", srv.base_url, "--llm-model", "mock-1",
                    "--describe-cache", str(out / "cache" / "descriptions")])
        assert r.exit_code == 0 and "3 cached" not in r.stderr
        assert r.stderr.count("0 asked") == 2 and len(srv.requests) == 3
        assert _files(out2) == first

        # another model: other cache keys, other shard keys -- asked again
        r = _build(args[:-1] + ["mock-2"])
        assert r.exit_code == 0 and "already done" not in r.stderr and len(srv.requests) == 6


@needs_shared
def test_describe_failures_keep_the_pair_and_are_reported(repos, tmp_path):
    """The ``ic`` pair's server fails with HTTP 500 every time, the ``sheet`` pair gets TOKN
    instead of prose: both are kept without description and listed in errors.jsonl; the
    design pair is described; the next run asks again for the two only."""
    def flaky(body: dict) -> Reply:
        if "around" in _user(body):
            return Reply(status=500)
        if "sheet of" in _user(body):
            return Reply("# TOKN v1\ntitle: x\n\ncomponents[1]{ref,type,value}:\n  R1,R,1k\n")
        return good(body)

    out = tmp_path / "ds"
    args = [str(repos), "-o", str(out), "--split", "train=1", "--describe", "--llm-retries", "0",
            "--llm-model", "mock"]
    with MockLLMServer([flaky] * 20) as srv:
        r = _build(args + ["--llm-base-url", srv.base_url])
        assert r.exit_code == 0, r.stderr                 # no file error: every pair is there
        assert "2 without" in r.stderr
        pairs = {p["kind"]: p for p in _pairs(out)}
        assert pairs["design"]["request_llm"].startswith("Please design the board of ")
        assert pairs["ic"]["request_llm"] is None and pairs["sheet"]["request_llm"] is None
        errs = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
        assert sorted(e["kind"] for e in errs) == ["describe", "describe"]
        by_type = {e["type"]: e for e in errs}
        ep, bad = by_type["EndpointError"], by_type["DescriptionError"]
        for e, pair in ((ep, pairs["ic"]), (bad, pairs["sheet"])):
            assert e["path"] == "mjuart/hw/mjuart.kicad_sch" and e["source"].endswith("mjuart.kicad_sch")
            assert e["message"].startswith(f"{e['source']}: pair {pair['id']} ({pair['kind']}): no LLM description: ")
            assert e["line"] is None and e["id"] == pair["design_id"]
        assert "HTTP 500" in ep["message"]
        assert "code or TOKN" in bad["message"] and "# TOKN v1" in bad["message"]
        stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
        assert stats["errors"] == 0 and stats["descriptions"] == {"model": "mock", "described": 1, "failed": 2}
        n = len(srv.requests)

    # the next run, with a working server: the shard is redone, only the two are asked
    with MockLLMServer([good] * 20) as srv:
        r = _build(args + ["--llm-base-url", srv.base_url])
        assert r.exit_code == 0 and len(srv.requests) == 2 and n == 3
        assert "1 cached" in r.stderr and "2 asked" in r.stderr
        assert all(p["request_llm"] for p in _pairs(out))
        assert (out / "errors.jsonl").read_text(encoding="utf-8") == ""


@needs_shared
def test_without_describe_no_network_and_output_as_before(repos, tmp_path, monkeypatch):
    """Without ``--describe`` nothing is sent even with an endpoint configured, and nothing
    in the output mentions descriptions: the shard keys are the ones computed without the
    option's field."""
    with MockLLMServer([good] * 5) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("TOKN_MODEL", "mock")
        out = tmp_path / "ds"
        r = _build([str(repos), "-o", str(out), "--split", "train=1"])
        assert r.exit_code == 0, r.stderr
        assert not srv.requests and not srv.probes
    assert all("request_llm" not in p for p in _pairs(out))
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert "descriptions" not in stats
    assert "request_llm" not in (out / "README.md").read_text(encoding="utf-8")
    assert not (out / "cache").exists()
    plan = json.loads((out / "work" / "plan.json").read_text(encoding="utf-8"))
    assert "describe" not in plan
    # the shard key is the formula of before the option existed
    from tokn import __version__
    from tokn.dataset.plan import Options, ShardSpec
    spec = ShardSpec(0, (), Options())
    old = hashlib.sha256(json.dumps({"v": __version__, "opts": asdict(Options()), "items": []},
                                    sort_keys=True).encode("utf-8")).hexdigest()
    assert spec.key() == old
    marker = json.loads((out / "work" / "shard-00000.done").read_text(encoding="utf-8"))
    assert "describe" not in marker


def test_describe_option_errors(tmp_path, monkeypatch):
    d = tmp_path / "p"
    d.mkdir()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    r = _build([str(d), "-o", str(tmp_path / "o"), "--llm-model", "x"])
    assert r.exit_code == 2 and "need --describe" in r.stderr
    r = _build([str(d), "-o", str(tmp_path / "o"), "--describe", "--no-instructions"])
    assert r.exit_code == 2 and "--describe needs instruction pairs" in r.stderr
    r = _build([str(d), "-o", str(tmp_path / "o"), "--describe"])                 # the default host needs a key
    assert r.exit_code == 1 and "no API key" in r.stderr and not (tmp_path / "o").exists()
    r = _build([str(d), "-o", str(tmp_path / "o"), "--describe", "--llm-base-url", "ftp://x"])
    assert r.exit_code == 1 and "base_url must start with http" in r.stderr


@pytest.mark.slow
@needs_shared
def test_describe_on_the_ray_backend(repos, tmp_path):
    """Ray tasks describe their shards' pairs: the settings travel as plain data with the
    shard, the tasks share the cache; a rerun on a fresh directory asks nothing."""
    pytest.importorskip("ray")
    with MockLLMServer([good] * 20) as srv:
        base = ["--split", "train=1", "--shard-size", "1", "--backend", "ray", "--describe",
                "--llm-base-url", srv.base_url, "--llm-model", "mock", "--describe-cache", str(tmp_path / "cache")]
        r = _build([str(repos), "-o", str(tmp_path / "ds"), *base])
        assert r.exit_code == 0, r.stderr
        assert len(srv.requests) == 3 and all(p["request_llm"] for p in _pairs(tmp_path / "ds"))
        r = _build([str(repos), "-o", str(tmp_path / "ds2"), *base])
        assert r.exit_code == 0 and len(srv.requests) == 3
        assert _files(tmp_path / "ds2") == _files(tmp_path / "ds")


def test_describer_refuses_a_cut_answer_and_caches_only_accepted_ones(tmp_path):
    from tokn.dataset.describe import Counts, Describer, describe_pairs
    with MockLLMServer([Reply("Design a dual", finish_reason="length"), Reply("Design a dual UART board.")]) as srv:
        spec = DescribeSpec(Settings(base_url=srv.base_url, model="m", max_retries=0), str(tmp_path / "c"))
        d, counts = Describer(spec), Counts()
        pairs = [dict(PAIR), dict(PAIR, id="d:ic:U3")]          # the same prompt: asked once when accepted
        failures = describe_pairs(pairs[:1], "Dual UART", d, counts)
        assert [f.pair_id for f in failures] == ["d:ic:U2"] and "cut at 300 tokens" in str(failures[0].error)
        assert pairs[0]["request_llm"] is None
        assert describe_pairs(pairs, "Dual UART", d, counts) == []
        d.close()
        assert [p["request_llm"] for p in pairs] == ["Design a dual UART board."] * 2
        assert len(srv.requests) == 2 and counts.as_dict() == {"asked": 1, "cached": 1, "failed": 1}


def test_an_llm_request_matching_an_evaluation_prompt_is_contamination():
    from tokn.dataset.contamination import EvalSet, normalise_prompt
    es = EvalSet(prompts={normalise_prompt("Design a dual UART board."): "eval.jsonl:3"})
    assert es.match_pair(dict(PAIR, request_llm="design a  Dual UART board."), None) == "eval.jsonl:3"
    assert es.match_pair(dict(PAIR, request_llm=None), None) is None
    assert es.match_pair(dict(PAIR), None) is None
