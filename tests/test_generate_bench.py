"""``tokn bench`` scoring and runs, and the ``tokn generate`` / ``tokn bench`` commands."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tokn.doc import parse_tokn
from tokn.generate.bench import (choose, format_table, parse_value, pin_scores, requirement_scores, run_bench,
                                 same_value)
from tokn.cli.generate_cmd import bench_cmd, generate_cmd
from tokn.generate.config import Settings

from tokn.testing.llm_server import MockLLMServer, Reply
from .test_generate_pipeline import INVENTED_PIN, PROMPT, VALID


@pytest.mark.parametrize("a,b", [("0.1uF", "100nF"), ("10k", "10kohm"), ("10K", "10k"), ("4k7", "4.7k"),
                                 ("60R", "60"), ("100m", "0.1"), ("1Mohm", "1M"), ("16MHz", "16 MHz"),
                                 ("0.1uf", "100n"), ("2R2", "2.2"), ("1.5kohm", "1k5"), ("22pF", "22p"),
                                 ("0.33uF", "330nF"), ("240ohm", "240R"), ("100", "100Ω"),
                                 ("0.47", "R47"), ("10mOhm", "R010")])
def test_same_value(a, b):
    assert same_value(a, b) and same_value(b, a)


@pytest.mark.parametrize("a,b", [("10uF", "10uH"), ("10k", "1k"), ("100nF", "10nF"), ("LM7805", "7805")])
def test_different_values(a, b):
    assert not same_value(a, b)


def test_parse_value_rejects_part_numbers():
    for s in ("LM7805", "TL072", "ATmega328P", "", "abc"):
        assert parse_value(s) is None


def _doc(rows: list[tuple[str, str, str]]):
    text = "# TOKN v1\n\ncomponents[%d]{ref,type,value,fp}:\n" % len(rows)
    text += "".join(f"  {r},{t},{v},\n" for r, t, v in rows)
    return parse_tokn(text + "\nnets[1]{name,pins}:\n  GND,\"C1.1,C2.1\"\n")


def test_requirement_scores():
    doc = _doc([("U1", "LM7805_TO220", "LM7805"), ("C1", "C", "330n"), ("C2", "C", "0.1u"),
                ("U2", "STM32F103C8Tx", "STM32F103C8T6"), ("C3", "C", "22pF")])
    s = requirement_scores(doc, ["LM7805", "STM32F103C8T6"], ["LM7805", "0.33uF", "0.1uF", "22pF", "22pF"])
    assert s["ic_match"] == 1.0
    assert s["component_match"] == 0.75 and s["missing"] == ["22pF"]       # one 22pF for two required
    assert s["req_match"] == pytest.approx(5 / 6)
    assert requirement_scores(None, ["X1"], [])["req_match"] == 0.0
    assert requirement_scores(doc, [], [])["req_match"] is None


def test_ic_matching_by_type_or_value():
    doc = _doc([("U1", "ATmega328P-A", ""), ("U2", "MCU", "NE555P"), ("U3", "R", "TL072CP")])
    s = requirement_scores(doc, ["ATmega328P-AU", "NE555", "TL072", "LM358"], [])
    assert s["missing"] == ["LM358"]


def test_pin_scores():
    doc = parse_tokn("# TOKN v1\n\ncomponents[3]{ref,type,value,fp}:\n  U1,X,,\n  R1,R,,\n  Q1,NOPE,,\n\n"
                     "pins{U1}[2]:\n  1,IN\n  2,WRONG\n\nnets[2]{name,pins}:\n  A,\"U1.1,R1.1,Q1.1\"\n"
                     "  B,\"U1.9,R1.2\"\n")
    lib = {"X": {"1": ["IN"], "2": ["OUT"]}, "R": {"1": ["~"], "2": ["~"]}}
    s = pin_scores(doc, lambda c: (c.type, lib[c.type]) if c.type in lib else None, lambda a, b: a == b)
    # U1.1 ok, U1.2 wrong name, U1.9 missing, R1.1 ok, R1.2 ok, Q1.1 unknown part
    assert s["pins_checked"] == 6 and s["pin_correct"] == pytest.approx(3 / 6)
    assert pin_scores(None, None, None)["pin_correct"] is None


def test_choose_is_seeded():
    items = [{"prompt": str(i), "_line": i} for i in range(20)]
    a, b = choose(items, 5, 7), choose(items, 5, 7)
    assert a == b and len(a) == 5 and a == sorted(a, key=lambda r: r["_line"])
    assert choose(items, 5, 8) != a and choose(items, None, 0) == items


@pytest.fixture()
def prompt_set(tmp_path):
    p = tmp_path / "prompts_tiny.jsonl"
    rows = [{"prompt": PROMPT, "prompt_style": "easy", "required_ics": ["LM7805"],
             "required_components": ["LM7805", "0.33uF", "0.1uF"], "reference_tokn": "", "metadata": {}},
            {"prompt": "Design a 3.3V regulator using AMS1117-3.3 with 10uF capacitors", "required_ics": ["AMS1117-3.3"],
             "required_components": ["AMS1117-3.3", "10uF"]}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(p)


def test_run_bench(prompt_set):
    # the second prompt asks for an AMS1117; the LM7805 regulator answered is refused for it
    with MockLLMServer([Reply(VALID), Reply(INVENTED_PIN), Reply(VALID)]) as srv:
        s = Settings(base_url=srv.base_url, model="mock", max_retries=0, max_rounds=2)
        rep = run_bench(prompt_set, s, seed=3)
        assert all(q["body"]["seed"] == 3 for q in srv.requests)
    a, b = rep.items
    assert a["ok"] and a["syntax_valid"] and a["req_match"] == 1.0 and a["pin_correct"] == 1.0 and a["rounds"] == 1
    assert not b["ok"] and b["refused"] and b["rounds"] == 2 and b["first_syntax_valid"] and b["ic_match"] == 0.0
    assert b["pin_correct"] == 1.0                    # the pins it used are right: only the part is wrong
    assert rep.summary["n"] == 2 and rep.summary["ok_rate"] == 0.5 and rep.summary["rounds"] == 1.5
    table = format_table(rep)
    assert "latency" in table and "valid circuits 50%" in table
    json.dumps(rep.to_dict())


def test_bench_lists_the_fixes_of_each_answer(prompt_set):
    fenced = "```\n" + VALID.replace("components[3]", "components[7]") + "```\n"
    with MockLLMServer([Reply(fenced), Reply(VALID)]) as srv:
        rep = run_bench(prompt_set, Settings(base_url=srv.base_url, model="mock", max_retries=0, max_rounds=1))
    a, b = rep.items
    assert a["fixed"] == ["code-fence", "row-count"] and b["fixed"] == []
    assert rep.summary["fixed_rate"] == 0.5 and "answers with fixes 50%" in format_table(rep)


def test_bench_counts_endpoint_errors(prompt_set):
    with MockLLMServer([Reply(status=401)] * 2) as srv:
        rep = run_bench(prompt_set, Settings(base_url=srv.base_url, model="mock", max_retries=0), sample=1)
    assert rep.summary["endpoint_errors"] == 1 and rep.items[0]["endpoint_error"]


def test_generate_command(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    sch, tok = tmp_path / "out.kicad_sch", tmp_path / "out.tokn"
    with MockLLMServer([Reply("Here:\n" + VALID)]) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        r = CliRunner().invoke(generate_cmd, [PROMPT, "-o", str(sch), "--tokn", str(tok), "--model", "mock", "-k", "1"])
    assert r.exit_code == 0, r.output
    assert sch.exists() and parse_tokn(tok.read_text()).components
    assert "valid circuit after 1 round" in r.output
    assert "fixed: line 1: ignored text that is not part of the document [prose]" in r.output


def test_generate_command_prints_tokn_without_outputs(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    with MockLLMServer([Reply(VALID)]) as srv:
        r = CliRunner().invoke(generate_cmd, [PROMPT, "--base-url", srv.base_url, "--model", "m", "-q"])
    assert r.exit_code == 0 and r.output.startswith("# TOKN v1")


def test_generate_command_refusal(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    sch = tmp_path / "out.kicad_sch"
    with MockLLMServer([Reply("no idea"), Reply("still no idea")]) as srv:
        r = CliRunner().invoke(generate_cmd, [PROMPT, "--base-url", srv.base_url, "--model", "m", "--rounds", "2",
                                              "-o", str(sch), "--json", str(tmp_path / "r.json")])
    assert r.exit_code == 1 and "No valid circuit" in r.output and not sch.exists()
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["ok"] is False and len(data["answers"]) == 2


def test_generate_command_auth_error_hides_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-abcdef0123456789")
    with MockLLMServer([Reply("x")], api_key="sk-other") as srv:
        r = CliRunner().invoke(generate_cmd, [PROMPT, "--base-url", srv.base_url, "--model", "m"])
    assert r.exit_code == 1 and "authentication failed" in r.output
    assert "sk-secret" not in r.output and "abcdef0123456789" not in r.output


def test_bench_command(tmp_path, monkeypatch, prompt_set):
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    out = tmp_path / "bench.json"
    with MockLLMServer([Reply(VALID)] * 2) as srv:
        r = CliRunner().invoke(bench_cmd, [prompt_set, "--base-url", srv.base_url, "--model", "m", "--no-grammar",
                                           "--out", str(out), "--sample", "2", "--bench-seed", "1"])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["summary"]["n"] == 2 and data["settings"]["grammar_mode"] == "none"
    assert "api_key" not in data["settings"] and "valid circuits" in r.output
