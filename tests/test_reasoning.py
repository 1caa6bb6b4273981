"""Reasoning models: the thinking before the answer is skipped, never read as the answer.

Served without a reasoning parser, a reasoning model writes ``<think> ... </think>`` into
the answer's text, often with a draft of the document; served with one, the reasoning comes
apart from the text (``reasoning_content`` / ``reasoning``) and is shown as progress.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from tokn.cli.generate_cmd import generate_cmd
from tokn.doc import extract_tokn
from tokn.doc.lenient import read_answer
from tokn.doc.reasoning import skip_reasoning
from tokn.generate.config import Settings
from tokn.generate.llm import LLMClient
from tokn.testing.llm_server import MockLLMServer, Reply

FINAL = '# TOKN v1\ntitle: final\ncomponents[2]{ref,type,value}:\n  R1,R,330\n  D1,LED,red\n' \
        'nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1\n'
DRAFT = "# TOKN v1\ntitle: draft\ncomponents[1]{ref,type,value}:\n  R1,R,1k\n"

# (case, answer, reasoning lines, unclosed tag)
SHAPES = [
    ("no reasoning", FINAL, [], None),
    ("think block", "<think>\nfirst a draft\n" + DRAFT + "</think>\n" + FINAL, list(range(1, 8)), None),
    ("blank lines before it", "\n\n<think>\nhm\n</think>\n" + FINAL, [3, 4, 5], None),
    ("tag and text on one line", "<think>hm</think>" + FINAL, [1], None),
    ("capitals, other tag", "<Thinking>\n" + DRAFT + "</Thinking>\n" + FINAL, list(range(1, 7)), None),
    ("two blocks in a row", "<think>a</think>\n<reasoning>\nb\n</reasoning>\n" + FINAL, [1, 2, 3, 4], None),
    ("closing tag only (the prompt opened it)", "so R1 is 330 ohm\n" + DRAFT + "</think>\n\n" + FINAL,
     list(range(1, 7)), None),
    ("never closed", "<think>\n" + DRAFT, list(range(1, 7)), "think"),
    ("CRLF and lone CR", "<think>\r\na\rb\r\n</think>\r\n" + FINAL, [1, 2, 3, 4], None),
    ("a tag inside the answer is not reasoning", FINAL.replace("title: final", "title: <think> tank"), [], None),
    ("a block after the answer's start is not reasoning", "Here:\n<think>x</think>\n" + FINAL, [], None),
]


@pytest.mark.parametrize("case,answer,lines,unclosed", SHAPES, ids=[s[0] for s in SHAPES])
def test_the_reasoning_at_the_start_is_found_and_blanked_keeping_line_numbers(case, answer, lines, unclosed):
    r = skip_reasoning(answer)
    assert r.lines == lines and r.unclosed == unclosed
    def lf(s: str) -> str:
        return s.replace("\r\n", "\n").replace("\r", "\n")
    assert lf(r.text).count("\n") == lf(answer).count("\n")          # every line keeps its number
    if lines and not unclosed:
        assert lf(r.text).lstrip("\n") == FINAL
    if not lines:
        assert r.text == answer


@pytest.mark.parametrize("case,answer,lines,unclosed", [s for s in SHAPES if s[3] is None],
                         ids=[s[0] for s in SHAPES if s[3] is None])
def test_the_readers_take_the_final_answer_not_the_draft(case, answer, lines, unclosed):
    reading = read_answer(answer)
    assert reading.error is None and reading.document.title.startswith(("final", "<think>"))
    fixes = {f.code: f.lines for f in reading.fixes}
    assert fixes.get("reasoning", []) == lines
    assert "title: draft" not in extract_tokn(answer)


def test_an_answer_that_is_all_reasoning_has_no_document_and_says_why():
    reading = read_answer("<think>\n" + DRAFT)
    assert not reading.found
    fix = next(f for f in reading.fixes if f.code == "reasoning")
    assert "never closed" in fix.message and fix.where == "lines 1-6"


def test_an_error_after_the_reasoning_is_located_on_the_answers_own_line():
    answer = "<think>\nx\n</think>\n" + FINAL.replace('N1,"R1.2,D1.2"', 'N1,"R1.2,D1.2"x')
    reading = read_answer(answer)
    assert reading.error is not None and reading.error.line == 11
    assert answer.splitlines()[10].startswith("  N1,")


# ---- reasoning sent apart from the answer ------------------------------------------------------

@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("member", ["reasoning_content", "reasoning"])
def test_reasoning_sent_apart_is_shown_as_progress_and_never_read_as_the_answer(stream, member):
    events = []
    with MockLLMServer([Reply(FINAL, reasoning="Let me think. " * 20, reasoning_field=member)]) as srv:
        c = LLMClient(Settings(base_url=srv.base_url, model="mock", stream=stream))
        r = c.complete([{"role": "user", "content": "an LED"}], on_progress=events.append)
    assert r.text == FINAL and r.reasoning_chars == len("Let me think. " * 20)
    think = [e.chars for e in events if e.stage == "think"]
    assert think and think[-1] == r.reasoning_chars
    if stream:
        assert len(think) > 1                                       # live while the model thinks
        assert [e.stage for e in events].index("think") < [e.stage for e in events].index("stream")


def _generate(reply: Reply, *options: str) -> dict:
    import json
    with MockLLMServer([reply]) as srv:
        r = CliRunner().invoke(generate_cmd, ["A red LED on 5V with a 330 ohm resistor", "--base-url", srv.base_url,
                                              "--model", "mock", "--rounds", "1", "--retries", "0", "--erc", "off",
                                              "--json", "-", "-q", *options])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout[:r.stdout.rindex("}") + 1])


@pytest.mark.parametrize("reply,options,says", [
    (Reply("", reasoning="The LED needs " * 100, finish_reason="length"), (), "characters of the model's reasoning"),
    (Reply("<think>\nThe LED needs " + "a resistor, " * 100, finish_reason="length"), (), "<think> never closed"),
    (Reply("", reasoning_tokens=4000, finish_reason="length"), ("--no-stream",), "4000 tokens of the model's reasoning"),
], ids=["reasoning apart", "reasoning in the text", "only counted (OpenAI)"])
def test_a_model_cut_off_while_reasoning_is_told_to_raise_max_tokens(reply, options, says):
    data = _generate(reply, *options)
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert [f["code"] for f in errors] == ["truncated"]              # not "no document": the cause
    assert says in errors[0]["message"] and "max_tokens" in errors[0]["message"]


def test_a_think_block_before_the_answer_is_a_reported_fix_in_generate():
    data = _generate(Reply("<think>\nR = (5 - 2) / 0.009\n" + DRAFT + "</think>\n" + FINAL))
    assert data["ok"], data["findings"]
    fix = next(f for f in data["findings"] if f["code"] == "reasoning")
    assert fix["severity"] == "fixed" and fix["where"] == "lines 1-7"
    assert "title: final" in data["tokn"]
