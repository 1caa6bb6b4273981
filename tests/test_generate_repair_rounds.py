"""Repair rounds as capable hosted models answer them: only the corrected tables or rows, a
diff, a regression, a different part, JSON after TOKN, an empty answer, a refusal, a question.

Three tables: the recorded transcripts of ``tests/fixtures/repairs/`` (replayed over their
rounds, as ``benchmarks/replay_answers.py --repairs`` does), scripted conversations that
check what the model is sent in each round, and :mod:`tokn.generate.partial`'s edits alone.
"""
from __future__ import annotations

import json
import os

import pytest

from tokn.doc import parse_tokn
from tokn.generate.config import Settings
from tokn.generate.llm import LLMClient
from tokn.generate.partial import Edit, PartialError, apply_edits, find_edits, headed_pin_tables
from tokn.generate.pipeline import Generator, Toolkit
from tokn.generate.prompt import NO_QUESTIONS
from tokn.generate.repair import Check, rank
from tokn.testing.llm_server import MockLLMServer, Reply

from .test_generate_pipeline import INVENTED_PIN, PROMPT, VALID

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
REPAIRS = os.path.join(FIXTURES, "repairs")


@pytest.fixture(scope="module")
def toolkit(symbol_index):
    tk = Toolkit(index=symbol_index, erc="off")
    tk.warm_up()
    return tk


def run(answers, toolkit, prompt=PROMPT, **kw):
    """``answers`` (strings or Replies) as the model's answers of rounds 1, 2...; as many
    rounds as answers unless ``max_rounds`` is given."""
    script = [a if isinstance(a, Reply) else Reply(a) for a in answers]
    with MockLLMServer(script) as srv:
        s = Settings(base_url=srv.base_url, model="mock", timeout=5.0, max_retries=0, erc="off",
                     max_rounds=kw.pop("max_rounds", len(script)), **kw)
        res = Generator(s, toolkit=toolkit, llm=LLMClient(s, backoff_base=0.01)).generate(prompt)
    return res, srv


def answer_round(res) -> int:
    return next(a.round for a in res.attempts if a.check.findings is res.findings)


def sent(srv, rnd: int) -> list[dict]:
    """The messages of round ``rnd`` (1-based)."""
    return srv.requests[rnd - 1]["body"]["messages"]


# ---- recorded transcripts ------------------------------------------------------------------------

with open(os.path.join(REPAIRS, "transcripts.json"), encoding="utf-8") as _f:
    TRANSCRIPTS = json.load(_f)["transcripts"]
with open(os.path.join(FIXTURES, "answers", "corpus.json"), encoding="utf-8") as _f:
    PROMPTS = json.load(_f)["prompts"]


def _answers(folder: str) -> list[str]:
    path = os.path.join(REPAIRS, folder)
    out = []
    for k in range(1, len(os.listdir(path)) + 1):
        with open(os.path.join(path, f"round{k}.txt"), encoding="utf-8", newline="") as f:
            out.append(f.read())
    return out


@pytest.mark.parametrize("t", TRANSCRIPTS, ids=[t["dir"] for t in TRANSCRIPTS])
def test_a_recorded_repair_conversation_ends_as_its_row_says(toolkit, t):
    ends = t.get("finish_reasons", [])      # a round cut off by the length limit: "length"
    answers = [Reply(a, finish_reason=ends[k] if k < len(ends) else "stop") for k, a in enumerate(_answers(t["dir"]))]
    res, srv = run(answers, toolkit, prompt=PROMPTS[t["prompt"]])
    errors = [f"{f.code}:{f.where}" if f.where else f.code for f in res.errors]
    assert (res.ok, res.rounds, answer_round(res)) == (t["outcome"] == "valid", t["rounds_used"], t["answer_round"])
    assert sorted({f.code for f in res.findings if f.severity == "fixed"}) == t["fixed"]
    assert errors == t["errors"]
    for q in srv.requests:            # no empty assistant turn is ever sent (APIs refuse them)
        assert all(m["content"].strip() for m in q["body"]["messages"])
    if not res.ok:
        assert res.document is not None and res.refusal
        if answer_round(res) != res.rounds:
            assert f"The best answer was that of round {answer_round(res)}" in res.refusal


def test_the_transcript_table_is_the_folders():
    assert sorted(t["dir"] for t in TRANSCRIPTS) == sorted(d for d in os.listdir(REPAIRS)
                                                          if os.path.isdir(os.path.join(REPAIRS, d)))


# ---- scripted conversations: what each round sends ------------------------------------------------

NETS_ONLY = 'Corrected nets:\n\nnets[3]{name,pins}:\n  +5V,"C2.1,U1.3"\n  GND,"C1.2,C2.2,U1.2"\n  VIN,"C1.1,U1.1"\n'
NETS_ONLY_WRONG = NETS_ONLY.replace('VIN,"C1.1,U1.1"', 'VIN,"C1.1,U1.5"')
REGRESSED = VALID.replace('VIN,"C1.1,U1.1"', 'VIN,"C1.1,U1.5"')
QUESTION = "Should the input capacitor be electrolytic or ceramic?"
REFUSAL = "I'm sorry, but I can't help with that."
CHANGE = 'Change `GND,"C1.2,C2.2,U1.2,U1.4"` to `GND,"C1.2,C2.2,U1.2"`.'
NOT_A_ROW = 'Change `GND,"C1.2,U1.4"` to `GND,"C1.2,U1.2"`.'


def test_a_partial_answer_that_is_still_wrong_is_shown_back_whole(toolkit):
    res, srv = run([INVENTED_PIN, NETS_ONLY_WRONG, VALID], toolkit)
    assert res.ok and res.rounds == 3
    second = res.attempts[1].check
    assert "partial-tables" in {f.code for f in second.findings}
    assert ("unknown-pin", "U1.5") in [(f.code, f.where) for f in second.errors]
    shown = sent(srv, 3)[-2]["content"]                 # the merged document, not the bare table
    assert shown == second.tokn_text and "components[3]" in shown and "U1.5" in shown
    assert parse_tokn(shown).components == parse_tokn(res.attempts[0].check.tokn_text).components


def test_an_answer_without_a_document_is_never_shown_back(toolkit):
    for nothing in ("", "   \n", REFUSAL, QUESTION):
        res, srv = run([INVENTED_PIN, nothing, VALID], toolkit)
        assert res.ok and res.rounds == 3, nothing
        third = sent(srv, 3)
        assert third[-2] == {"role": "assistant", "content": INVENTED_PIN}      # round 1's answer again
        note = third[-1]["content"]
        assert note.startswith("Your last answer could not be used:") and "[unknown-pin]" in note
        assert "U1.4" in note                           # round 1's problems, still to fix
        assert (NO_QUESTIONS in note) == (nothing == QUESTION)


def test_an_empty_first_answer_is_asked_again_without_an_empty_turn(toolkit):
    res, srv = run(["", VALID], toolkit)
    assert res.ok and res.rounds == 2
    second = sent(srv, 2)
    assert len(second) == len(sent(srv, 1)) and second[-1]["content"].startswith(sent(srv, 1)[-1]["content"])
    assert "An earlier answer to this request was rejected" in second[-1]["content"]


def test_a_first_answer_that_asks_is_told_to_choose(toolkit):
    res, srv = run([QUESTION, VALID], toolkit)
    assert res.ok and NO_QUESTIONS in sent(srv, 2)[-1]["content"]


@pytest.mark.parametrize("later,best,said", [
    ([REGRESSED, REGRESSED], 1, "round 1: 1 error; round 2: 2 errors; round 3: 2 errors"),
    (["", REFUSAL], 1, "round 1: 1 error; round 2: no document; round 3: no document"),
    ([NOT_A_ROW, QUESTION], 1, "round 2: changes that could not be applied; round 3: no document"),
    ([VALID.replace("  C1,C,0.33uF,\n", "").replace("components[3]", "components[2]").replace(
        'GND,"C1.2,C2.2,U1.2"', 'GND,"C2.2,U1.2"').replace('VIN,"C1.1,U1.1"', "VIN,U1.1")] * 2, 1,
     "round 2: 1 error; round 3: 1 error"),                  # drops the 0.33uF asked for: further off
    ([INVENTED_PIN.replace("Sorry", ""), "Sorry! " + INVENTED_PIN], 3, None),   # the same mistake: the last
])
def test_when_no_answer_passes_the_best_one_is_returned_with_what_each_round_gave(toolkit, later, best, said):
    res, _ = run([INVENTED_PIN, *later], toolkit)
    assert not res.ok and res.rounds == 3 and answer_round(res) == best
    assert res.document is not None and res.tokn_text == res.attempts[best - 1].check.tokn_text
    assert [(f.code, f.where) for f in res.errors] == [(f.code, f.where) for f in res.attempts[best - 1].check.errors]
    if said is None:
        assert "Still wrong in the last answer" in res.refusal
    else:
        assert f"The best answer was that of round {best} (" in res.refusal and said in res.refusal
    assert "U1.4" in res.refusal


def test_row_changes_are_made_in_the_answer_shown(toolkit):
    res, srv = run([INVENTED_PIN, CHANGE], toolkit)
    assert res.ok and res.rounds == 2
    fix = next(f for f in res.findings if f.code == "partial-rows")
    assert fix.severity == "fixed" and fix.where == "round 1" and "1 row change" in fix.message


def test_changes_that_do_not_apply_go_back_as_partial_answer(toolkit):
    res, srv = run([INVENTED_PIN, NOT_A_ROW, VALID], toolkit)
    assert res.ok and res.rounds == 3
    err = next(f for f in res.attempts[1].check.errors if f.code == "partial-answer")
    assert '`GND,"C1.2,U1.4"` is not a row of your previous answer' in err.message
    assert "complete corrected TOKN document" in err.message
    assert not [f for f in res.attempts[1].check.errors if f.code == "no-document"]
    assert sent(srv, 3)[-2]["content"] == INVENTED_PIN and "[partial-answer]" in sent(srv, 3)[-1]["content"]


def test_a_first_answer_of_only_nets_is_not_merged_with_anything(toolkit):
    res, _ = run([NETS_ONLY], toolkit)
    assert not res.ok and [f.code for f in res.errors] == ["empty-circuit"]


def test_a_fresh_round_after_a_repeat_merges_nothing(toolkit):
    """After a repeat the failed answer is not shown: a partial answer then has nothing the
    model saw to complete, and is checked as it is."""
    res, srv = run([INVENTED_PIN, INVENTED_PIN, NETS_ONLY], toolkit, temperature=0.0)
    assert not res.ok and "An earlier answer to this request was rejected" in sent(srv, 3)[-1]["content"]
    assert "partial-tables" not in {f.code for f in res.attempts[2].check.findings}
    assert answer_round(res) == 2                          # a document with one wrong pin beats no components


# ---- the edits alone ---------------------------------------------------------------------------------

BASE = 'components[2]{ref,type,value}:\n  R1,R,10k\n  R2,R,1k\nnets[2]{name,pins}:\n  A,"R1.1,R2.1"\n  B, "R1.2, R2.2"\n'

EDITS = [
    ("change sentence", 'Change `A,"R1.1,R2.1"` to `A,"R1.1,R2.9"`.', 'A,"R1.1,R2.9"', "  A,\"R1.1,R2.1\""),
    ("replace with", 'Replace `R2,R,1k` with `R2,R,2k2`', "  R2,R,2k2", "  R2,R,1k"),
    ("arrow", '`B, "R1.2, R2.2"` → `B,"R1.2"`', '  B,"R1.2"', "R2.2"),
    ("diff fence", '```diff\n-  R2,R,1k\n+  R2,R,4k7\n   nets[2]{name,pins}:\n```', "  R2,R,4k7", "1k"),
    ("bare diff rows", '-  B, "R1.2, R2.2"\n+  B,"R1.2,R2.2"', '  B,"R1.2,R2.2"', 'B, "R1.2'),
    ("diff removing a row", "```diff\n-  R2,R,1k\n```", "  R1,R,10k\nnets", "R2,R,1k"),
    ("bare corrected row", 'The corrected row:\n```\nA,"R1.1,R2.2"\n```', '  A,"R1.1,R2.2"', '"R1.1,R2.1"'),
    ("bare new net", 'Add:\n  C,"R1.2,R2.1"', '  B, "R1.2, R2.2"\n  C,"R1.2,R2.1"', None),
]


@pytest.mark.parametrize("case,answer,has,lacks", EDITS, ids=[e[0] for e in EDITS])
def test_edits_are_found_and_made(case, answer, has, lacks):
    edits = find_edits(answer)
    assert edits, case
    out = apply_edits(BASE, edits)
    assert has in out and (lacks is None or lacks not in out)


@pytest.mark.parametrize("answer", [
    "I'm sorry, but I can't help with that.", QUESTION, "", "Note, that the regulator needs a heatsink.",
    "- Changed U1.4 to U1.2\n- Checked the rest", "# TOKN v1\ncomponents[1]{ref,type,value}:\n  R1,R,10k\n",
])
def test_what_is_no_edit(answer):
    assert find_edits(answer) == []


@pytest.mark.parametrize("edit,why", [
    (Edit('A,"R1.1"', ('A,"R1.2"',)), "is not a row"),
    (Edit(None, ("R9,R,1k",)), "matches no row"),
])
def test_an_edit_that_does_not_apply_says_why(edit, why):
    with pytest.raises(PartialError, match=why):
        apply_edits(BASE, [edit])
    with pytest.raises(PartialError, match="a row twice"):
        apply_edits(BASE + '  A,"R1.1,R2.1"\n', [Edit('A,"R1.1,R2.1"', ("A,R1.1",))])


def test_pin_tables_alone_get_a_document_line():
    assert headed_pin_tables("Fixed:\n\npins{U1}[2]{num,name,type}:\n  1,A,input\n") == \
        "Fixed:\n\n# TOKN v1\npins{U1}[2]{num,name,type}:\n  1,A,input\n"
    assert headed_pin_tables("no tables here") is None


def test_rank_orders_answers():
    from tokn.validate import Finding
    doc = object()
    err = lambda code: Finding("error", code, "x")                  # noqa: E731
    ordered = [Check(False, [err("no-document")]), Check(False, [err("truncated")], doc),
               Check(False, [err("missing-part"), err("unknown-pin")], doc),
               Check(False, [err("unknown-pin")] * 3, doc), Check(False, [err("unknown-pin")], doc), Check(True, [], doc)]
    assert sorted(ordered, key=rank) == ordered
