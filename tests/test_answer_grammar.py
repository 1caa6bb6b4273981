"""The answer grammar (tokn.generate.answer_grammar): what a constrained LLM may write.

Spec: it admits the documents the generation prompt asks for (every bundled few-shot example,
the compact form of the reference examples), everything it admits is a well-formed TOKN
document whose counts hold, and it admits no document that could go on for ever: counts are
tied to rows, fields are bounded, nothing follows the nets table.
"""
from __future__ import annotations

import glob
import os
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from tokn.doc import parse_tokn, write_tokn
from tokn.generate.answer_grammar import ELECTRICAL_TYPES, Limits, answer_gbnf, answer_regex, answer_rules

from .support import ANCHOR, REPO, gbnf_checker, needs_anchor

SMALL = """\
# TOKN v1
title: Voltage follower

components[3]{ref,type,value,fp}:
  U1,TL071,TL071,Package_DIP:DIP-8_W7.62mm
  C1,C,100nF,
  R1,R,10k,

pins{U1}[8]{num,name,type}:
  1,NULL,input
  2,-,input
  3,+,input
  4,V-,power_in
  5,NULL,input
  6,~,output
  7,V+,power_in
  8,NC,no_connect

nets[4]{name,pins}:
  VIN,"R1.1,U1.3"
  VOUT,"U1.2,U1.6"
  +12V,"C1.1,U1.7"
  GND,"C1.2,R1.2,U1.4"
"""


def admitted(text: str, limits: Limits = Limits()) -> bool:
    return answer_regex(limits).fullmatch(text) is not None


def test_a_plain_answer_is_admitted():
    assert admitted(SMALL)
    assert admitted(SMALL.replace("title: Voltage follower\n", ""))        # title is optional
    assert admitted(SMALL.replace("\n\n", "\n"))                            # blank lines are optional


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(REPO, "tokn", "data", "fewshot", "*.tokn"))),
                         ids=os.path.basename)
def test_every_bundled_example_is_admitted(path):
    with open(path, encoding="utf-8") as f:
        assert admitted(f.read())


@needs_anchor
@pytest.mark.parametrize("name", ["4-channel-current-source", "max232-uart-rs232", "max9926-vr-conditioner",
                                  "mcp2551-can-transceiver", "tpic8101-knock-sensor"])
def test_compact_form_of_reference_examples_is_admitted(name):
    from tokn.encode import encode_design
    from tokn.generate.fewshot import compact_tokn
    sch = glob.glob(os.path.join(ANCHOR, "examples", name, "*.kicad_sch"))[0]
    assert admitted(compact_tokn(encode_design(sch, detail="nets").document))


def test_the_count_in_a_header_is_the_number_of_rows():
    assert not admitted(SMALL.replace("components[3]", "components[2]"))
    assert not admitted(SMALL.replace("components[3]", "components[4]"))
    assert not admitted(SMALL.replace("nets[4]", "nets[5]"))
    assert not admitted(SMALL.replace("pins{U1}[8]", "pins{U1}[9]"))


def test_nothing_follows_the_nets_table():
    assert admitted(SMALL + "\n")
    assert not admitted(SMALL + "  N1,\"R1.2,C1.2\"\n")               # a row beyond the count
    assert not admitted(SMALL + "\nwires[0]{net,pts}:\n")             # drawing sections are not for answers
    assert not admitted(SMALL + "Hope this helps!\n")


def test_tables_and_fields_are_bounded():
    lim = Limits(components=3, nets=4)
    assert admitted(SMALL, lim)
    assert not admitted(SMALL, Limits(components=2))
    assert not admitted(SMALL.replace("10k", "1" * 65))               # a value of 65 characters
    assert not admitted(SMALL.replace("title: Voltage follower", "title: " + "x" * 101))
    pins = "\n".join(f"U1.{i}" for i in range(1, 66))
    assert not admitted(SMALL.replace('"C1.2,R1.2,U1.4"', '"' + pins.replace("\n", ",") + '"'))  # 65 pins


def test_rows_are_shaped_like_the_prompt_asks():
    assert not admitted(SMALL.replace('"C1.2,R1.2,U1.4"', '"C1.2,R1.2,U1:4"'))      # pins are REF.PIN
    assert not admitted(SMALL.replace("4,V-,power_in", "4,V-,power"))         # not a KiCad pin type
    assert not admitted(SMALL.replace("  R1,R,10k,", "  r1,R,10k,"))          # a reference starts with a capital
    assert not admitted(SMALL.replace('VIN,"R1.1,U1.3"', 'VIN,R1.1,U1.3'))   # several pins are quoted
    assert not admitted(SMALL.replace("# TOKN v1\n", "```\n# TOKN v1\n"))     # no fences or prose


def test_every_electrical_type_is_one_gbnf_alternative():
    g = answer_gbnf()
    line = next(ln for ln in g.splitlines() if ln.startswith("etype ::="))
    assert sorted(re.findall(r'"([a-z_]+)"', line)) == sorted(ELECTRICAL_TYPES)


def test_gbnf_names_every_rule_it_uses_and_uses_every_rule():
    g = answer_gbnf()
    defined = [ln.split(" ::= ")[0] for ln in g.splitlines() if " ::= " in ln]
    assert defined[0] == "root" and set(defined) == set(answer_rules())
    bodies = " ".join(re.sub(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]', " ", ln.split(" ::= ", 1)[1])
                      for ln in g.splitlines() if " ::= " in ln)
    used = set(re.findall(r"[a-z][a-z0-9-]*", bodies))
    assert used <= set(defined)
    assert set(defined) - used == {"root"}


def test_gbnf_file_is_up_to_date():
    with open(os.path.join(REPO, "grammars", "tokn-answer.gbnf"), encoding="utf-8") as f:
        assert answer_gbnf() == f.read(), "run: python -m tokn.generate.answer_grammar --write"


TINY = Limits(components=4, pin_rows=6, pin_tables=2, nets=5, pins_per_net=4)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_regex(answer_regex(TINY), fullmatch=True))
def test_everything_admitted_is_a_well_formed_document(text):
    refs = re.findall(r"^pins\{([^}]*)\}", text, re.M)
    assume(len(refs) == len(set(refs)))          # one pin table per part: context the grammar cannot see
    doc = parse_tokn(text)
    assert doc.components and doc.nets
    assert parse_tokn(write_tokn(doc)) == doc


# ---- the GBNF text itself, read by an independent implementation ----------------------------
# The PyPI package `gbnf` (a Python port of a JavaScript GBNF parser, not llama.cpp's code)
# reads the exact text sent to servers; scripts/llm-e2e.sh checks llama.cpp's own reader.

@pytest.fixture(scope="module")
def gbnf_state():
    return gbnf_checker(answer_gbnf())


def gbnf_admits(checker, text: str) -> bool:
    return checker(text)


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(REPO, "tokn", "data", "fewshot", "*.tokn"))),
                         ids=os.path.basename)
def test_the_gbnf_admits_every_bundled_example(gbnf_state, path):
    with open(path, encoding="utf-8") as f:
        assert gbnf_admits(gbnf_state, f.read())


def test_the_gbnf_rejects_what_the_grammar_rejects(gbnf_state):
    assert gbnf_admits(gbnf_state, SMALL)
    for bad in (SMALL.replace("components[3]", "components[4]"), SMALL + "Hope this helps!\n",
                SMALL.replace('"C1.2,R1.2,U1.4"', '"C1.2,R1.2,U1.GND"'), SMALL.replace("4,V-,power_in", "4,V-,power"),
                SMALL[:-20]):
        assert not gbnf_admits(gbnf_state, bad)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.from_regex(answer_regex(TINY), fullmatch=True))
def test_the_gbnf_and_the_regex_agree(gbnf_state, text):
    """Both forms are written from one rule tree; strings of the regex are GBNF sentences."""
    assert gbnf_admits(gbnf_state, text)
