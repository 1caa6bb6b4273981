"""Few-shot examples (bundled set, user corpus, compaction) and BM25 retrieval."""
from __future__ import annotations

import json

import pytest

from tokn.doc import parse_tokn
from tokn.generate.fewshot import Example, all_examples, bundled_examples, compact_tokn, load_corpus
from tokn.generate.retrieval import Retriever, tokenize
from tokn.errors import GenerationError

FULL = """\
# TOKN v1
title: "Demo, with comma"
extensions[4]: lib,unit,labels,power

components[3]{ref,type,value,fp,x,y,w,h,a,lib,unit}:
  C1,C,"100n, X7R",Capacitor_SMD:C_0603,10.00,20.00,0.00,7.62,0,Device,1
  U1,TL072,TL072,,50,60,10,10,90,Amplifier_Operational,1
  U1,TL072,TL072,,50,90,10,10,0,Amplifier_Operational,2

pins{U1}[3]:
  1,~
  2,-
  3,+

nets[2]{name,pins}:
  GND,"C1.2,U1.4"
  VOUT,"C1.1,U1.1,U1.2"

wires[1]{net,pts}:
  GND,"1 2,3 4"

labels[1]{name,kind,shape,x,y,a}:
  VOUT,local,,1,2,0

power[1]{net,lib,x,y,a}:
  GND,power:GND,1,2,0
"""

#: Licences the bundled set may use (permissive; no share-alike, no non-commercial).
PERMISSIVE = ("MIT", "Apache-2.0", "CC-BY-4.0", "CERN-OHL-P-2.0", "0BSD", "BSD-2-Clause", "BSD-3-Clause")


def test_compact_keeps_parts_pins_nets_only():
    out = compact_tokn(FULL, keep_lib=True, collapse_units=False)
    doc = parse_tokn(out)
    assert [(c.ref, c.type, c.value, c.fp, c.lib, c.unit) for c in doc.components] == [
        ("C1", "C", "100n, X7R", "Capacitor_SMD:C_0603", "Device", 1),
        ("U1", "TL072", "TL072", "", "Amplifier_Operational", 1),
        ("U1", "TL072", "TL072", "", "Amplifier_Operational", 2)]
    assert all(c.x is None for c in doc.components)
    assert not doc.wires and not doc.labels and not doc.power
    assert [n.pins for n in doc.nets] == [["C1.2", "U1.4"], ["C1.1", "U1.1", "U1.2"]]
    assert [p.name for p in doc.pins["U1"]] == ["-", "+"]           # the unnamed pin 1 row is dropped
    assert "extensions[2]: lib,unit" in out and "wires" not in out
    assert doc.title == "Demo, with comma"


def test_compact_defaults_for_llm_examples():
    text = FULL.replace("nets[2]{name,pins}:", "nets[4]{name,pins}:").replace(
        '  VOUT,"C1.1,U1.1,U1.2"\n', '  VOUT,"C1.1,U1.1,U1.2"\n  /SDA,"U1.5,U1.6"\n  N7,U1.8\n')
    text = text.replace("  N7,U1.8\n", "  N7,U1.8\n  N9,\"U1.3,C1.1\"\n").replace("nets[4]", "nets[5]")
    out = compact_tokn(text, title="Short title")
    doc = parse_tokn(out)
    assert doc.title == "Short title"
    assert [(c.ref, c.unit) for c in doc.components] == [("C1", 1), ("U1", 1)]    # one row per part
    assert "extensions" not in out and "lib" not in out.split("components[")[1].split("}")[0]
    assert [n.name for n in doc.nets] == ["GND", "VOUT", "SDA", "N1"]               # N7 (one pin) dropped
    assert doc.nets[-1].pins == ["U1.3", "C1.1"]
    assert "fp" not in compact_tokn(FULL, keep_fp=False).split("components[")[1].split("}")[0]


def test_compact_drops_default_only_extension_columns():
    text = FULL.replace(",Amplifier_Operational,2", ",,1").replace(",Amplifier_Operational,1", ",,1") \
        .replace(",Device,1", ",,1")
    out = compact_tokn(text, keep_lib=True, collapse_units=False)
    assert "components[3]{ref,type,value,fp}:" in out and "extensions" not in out
    parse_tokn(out)


def test_bundled_examples_are_clean_small_and_parse():
    from tokn.tokens import count_tokens
    exs = bundled_examples()
    assert len(exs) >= 8, "the bundled set should be diverse"
    ids = [e.id for e in exs]
    assert len(set(ids)) == len(ids)
    for e in exs:
        assert e.licence.split(" ")[0] in PERMISSIVE, (e.id, e.licence)
        assert e.source and e.request, e.id
        doc = parse_tokn(e.text)
        assert doc.components and doc.nets, e.id
        assert not doc.wires and all(c.x is None for c in doc.components), e.id
        assert count_tokens(e.text) <= 1500, e.id


def test_bundled_examples_pass_validation(symbol_index):
    """The examples agree with the KiCad libraries (scripts/make_fewshot.py conforms them)."""
    from tokn.generate.pipeline import Toolkit
    tk = Toolkit(index=symbol_index)
    for e in bundled_examples():
        errors = [str(f) for f in tk.validate(parse_tokn(e.text)) if f.severity == "error"]
        assert not errors, (e.id, errors[:3])


def test_corpus_jsonl(tmp_path):
    p = tmp_path / "mine.jsonl"
    p.write_text(json.dumps({"path": "boards/amp.kicad_sch", "tokn": FULL, "licence": "MIT"}) + "\n"
                 + json.dumps({"path": "x", "other": 1}) + "\n\n")
    exs = load_corpus(str(p))
    assert len(exs) == 1 and exs[0].id == "boards/amp.kicad_sch" and exs[0].title == "Demo, with comma"
    assert exs[0].licence == "MIT" and exs[0].origin == str(p)
    assert "wires" not in exs[0].text
    both = all_examples([str(p)])
    assert both[-1].origin == str(p) and len(both) == len(bundled_examples()) + 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(GenerationError, match="not JSON"):
        load_corpus(str(bad))
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"x": 1}) + "\n")
    with pytest.raises(GenerationError, match="tokn"):
        load_corpus(str(empty))


def _ex(i: str, request: str, text: str = "# TOKN v1\n") -> Example:
    return Example(id=i, text=text, request=request)


def test_tokenize_parts_and_synonyms():
    toks = tokenize("Design a voltage follower using TL072 and an LDO")
    assert "tl072" in toks and "tl" in toks and "072" in toks
    assert "opamp" in toks and "regulator" in toks
    assert "design" not in toks and "a" not in toks


def test_retrieval_ranks_and_limits():
    exs = [_ex("can", "CAN bus transceiver MCP2551"), _ex("reg", "5V linear regulator LM7805 capacitors"),
           _ex("amp", "op-amp buffer TL072"), _ex("uart", "RS232 level shifter MAX232")]
    r = Retriever(exs)
    assert [e.id for e in r.top("CAN transceiver with termination", 2)] == ["can"]
    assert [e.id for e in r.top("voltage follower with an operational amplifier", 1)] == ["amp"]
    assert r.top("3.3V LDO regulator AMS1117", 3)[0].id == "reg"
    assert r.top("zzz qqq", 3) == []                      # unrelated: no example at all
    assert r.top("regulator", 0) == []
    assert [e.id for e in r.top("regulator amplifier", 2, exclude=["reg"])] == ["amp"]


def test_retrieval_budget():
    exs = [_ex("big", "regulator LM7805", "# TOKN v1\n" + "x" * 5000), _ex("small", "regulator LM317")]
    assert [e.id for e in Retriever(exs).top("regulator LM7805 LM317", 2, budget_chars=1000)] == ["small"]


def test_bundled_retrieval_finds_matching_designs():
    exs = bundled_examples()
    r = Retriever(exs)
    got = r.top("Design a CAN bus interface using MCP2551 with 120 ohm termination", 1)
    assert got and "can" in (got[0].id + got[0].request).lower()
