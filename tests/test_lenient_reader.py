"""The tolerant reader of LLM answers (tokn.doc.lenient): what it forgives, that it says so
(a fix per normalisation, with the answer's line numbers), that it reads strict TOKN exactly
as the strict reader does, and that what it cannot read gets the strict reader's error on
the answer's own line."""
from __future__ import annotations

import glob
import os

import pytest

from tokn.doc import parse_tokn
from tokn.doc.lenient import FIX_CODES, read_answer, where_lines
from tokn.doc.model import Component, Net, PinDef
from tokn.errors import ToknSemanticError, ToknSyntaxError

from .support import read_text

HERE = os.path.dirname(__file__)
BUNDLED = sorted(glob.glob(os.path.join(HERE, "..", "tokn", "data", "fewshot", "*.tokn")))
CORPUS = sorted(glob.glob(os.path.join(HERE, "fixtures", "answers", "*.txt")))

STRICT = """\
# TOKN v1
title: LED

components[2]{ref,type,value}:
  D1,LED,Red
  R1,R,330

nets[3]{name,pins}:
  +5V,R1.1
  N1,"R1.2,D1.2"
  GND,D1.1
"""
COMPONENTS = [Component("D1", "LED", "Red"), Component("R1", "R", "330")]
NETS = [Net("+5V", ["R1.1"]), Net("N1", ["R1.2", "D1.2"]), Net("GND", ["D1.1"])]


def variant(old: str, new: str, text: str = STRICT) -> str:
    assert old in text
    return text.replace(old, new, 1)


# (fix code, answer, answer lines the fix names)  -- every answer reads as STRICT does
FORGIVEN = [
    ("reasoning", "<think>\nDraft:\n" + variant("  R1,R,330", "  R1,R,1k") + "</think>\n" + STRICT, list(range(1, 15))),
    ("reasoning", "The LED needs a resistor.\n</think>\n\n" + STRICT, [1, 2]),
    ("reasoning", "<thinking>a draft: ```tokn\n# TOKN v1\n```</thinking>\n```tokn\n" + STRICT + "```\n", [1, 2, 3]),
    ("draft", variant("  R1,R,330", "  R1,R,1k") + "\nWait, R1 should be 330 ohm:\n\n" + STRICT,
     [1, 2, 4, 5, 6, 8, 9, 10, 11, 13]),
    ("draft", "```tokn\n" + variant("  R1,R,330", "  R1,R,1k") + "```\nCorrected:\n```tokn\n" + STRICT + "```\n",
     [1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13]),
    ("code-fence", "```tokn\n" + STRICT + "```\n", [1, 13]),
    ("code-fence", "~~~\n" + STRICT + "~~~\n", [1, 13]),
    ("code-fence", '```text title="led.tokn"\n' + STRICT + "```\n", [1, 13]),
    ("header", variant("# TOKN v1", "# TOKN v1 \u2014 LED indicator, 5 V"), [1]),
    ("header", variant("# TOKN v1", "# TOKN v1 (compact)"), [1]),
    ("prose", "Here it is:\n\n" + STRICT + "\nThe resistor limits the current.\n", [1, 15]),
    ("prose", variant("nets[3]", "Now the nets:\n\nnets[3]"), [8]),
    ("prose", STRICT + "\n# TOKN v1\ncomponents[1]{ref,type}:\n  D1,LED\n", [13, 14, 15]),
    ("header", variant("# TOKN v1", "#tokn v1"), [1]),
    ("header", variant("# TOKN v1", "# TOKN v1   "), [1]),
    ("header", STRICT.split("\n", 2)[2], [2]),
    ("line-ends", STRICT.replace("\n", "\r"), list(range(1, 12))),
    ("comment", variant("  R1,R,330", "  # the resistor\n  R1,R,330"), [6]),
    ("comment", variant("  R1,R,330", "  R1,R,330   # current limit"), [6]),
    ("comment", variant("  R1,R,330", "  R1,R,330 ; current limit"), [6]),
    ("comment", variant("  R1,R,330", "  R1,R,330 // current limit"), [6]),
    ("comment", variant("components[2]{ref,type,value}:", "components[2]{ref,type,value}: # parts"), [4]),
    ("comment", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2" # anode'), [10]),
    ("comment", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2 ; anode'), [10]),
    ("blank-line", variant("  R1,R,330", "\n  R1,R,330"), [6]),
    ("tabs", variant("  R1,R,330", "\tR1,R,330"), [6]),
    ("tabs", variant("  R1,R,330", "  R1,\tR,\t330"), [6]),
    ("indent", variant("  R1,R,330", "    R1,R,330"), [6]),
    ("indent", variant("  R1,R,330", "R1,R,330"), [6]),
    ("spaces", variant("  R1,R,330", "  R1, R, 330  "), [6]),
    ("spaces", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2, D1.2"'), [10]),
    ("spaces", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2 D1.2"'), [10]),
    ("spaces", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2,"'), [10]),
    ("quotes", variant('  N1,"R1.2,D1.2"', "  N1,\u201cR1.2,D1.2\u201d"), [10]),
    ("unterminated-quote", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2'), [10]),
    ("table-header", variant("nets[3]{name,pins}:", "nets[3]{name,pins}"), [8]),
    ("table-header", variant("nets[3]{name,pins}:", "nets [3] {name, pins}:"), [8]),
    ("row-count", variant("components[2]", "components[5]"), [4]),
    ("duplicate-row", variant("  R1,R,330\n", "  R1,R,330\n  D1,LED,Red\n  R1,R,330\n", variant("[2]", "[9]")), [7, 8]),
    ("row-count", variant("nets[3]{name,pins}:", "nets{name,pins}:"), [8]),
    ("missing-fields", variant("{ref,type,value}", "{ref,type,value,fp}"), [5, 6]),
    ("extra-fields", variant("  R1,R,330", "  R1,R,330,,"), [6]),
    ("extra-fields", variant("  R1,R,330", '  R1,R,330,R_0603,"current limit"'), [6]),
    ("characters", variant("  R1,R,330", "\u00a0\u00a0R1,R,330"), [6]),
    ("characters", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2\u200b,D1.2"'), [10]),
    ("characters", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2\uff0cD1.2"'), [10]),
    ("indent", "".join("    " + ln if ln.strip() else ln for ln in STRICT.splitlines(True)),
     [1, 2, 4, 5, 6, 8, 9, 10, 11]),
    ("second-title", variant("title: LED", "title: LED\ntitle: LED v2"), [3]),
    ("table-header", variant("nets[3]{name,pins}:", "nets[3]{net,nodes}:"), [8]),
    ("table-header", variant("nets[3]{name,pins}:", "nets[3]{name,connections}:"), [8]),
    ("table-header", variant("components[2]{ref,type,value}:", "components[2]{designator,symbol,value}:"), [4]),
    ("table-header", variant("nets[3]{name,pins}:", "nets:"), [8]),
    ("row-count", variant("nets[3]", "pins{D1}:\n  1,K\n  2,A\nnets[3]"), [8]),
    ("unquoted-list", variant('  N1,"R1.2,D1.2"', "  N1,R1.2,D1.2"), [10]),
    ("merged-table", variant("  GND,D1.1\n", "\nnets[1]{name,pins}:\n  GND,D1.1\n"), [12]),
    ("markup", variant("components[2]{ref,type,value}:", "**components[2]{ref,type,value}:**"), [4]),
    ("markup", variant("nets[3]{name,pins}:", "### nets[3]{name,pins}:"), [8]),
    ("markup", variant("nets[3]{name,pins}:", "`nets[3]{name,pins}:`"), [8]),
    ("markup", variant("title: LED", "**Title:** LED"), [2]),
    ("markup", variant("title: LED", "**title**: LED"), [2]),
    ("markup", variant("title: LED", "# Title: LED"), [2]),
    ("table-header", variant("nets[3]{name,pins}:", "nets[3]{name,pins}::"), [8]),
    ("table-header", variant("components[2]{ref,type,value}:", "components:"), [4]),
    ("table-header", variant("nets[3]{name,pins}:", "nets[3 nets]{name,pins}:"), [8]),
    ("case", variant("title: LED", "Title: LED"), [2]),
    ("case", variant("nets[3]{name,pins}:", "NETS[3]{Name,Pins}:"), [8]),
    ("case", variant("components[2]{ref,type,value}:", "Components[2]{Ref,Type,Value}:"), [4]),
    ("md-table", variant("components[2]{ref,type,value}:\n  D1,LED,Red\n  R1,R,330\n",
                         "| Ref | Type | Value |\n|:---|:---|---:|\n| D1 | LED | **Red** |\n| `R1` | R | 330 |\n"),
     [4, 5, 6, 7]),
    ("md-table", variant('nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1\n',
                         "| net | pins |\n|-----|------|\n| +5V | R1.1 |\n| N1 | R1.2, D1.2 |\n| GND | D1.1 |\n"),
     [8, 9, 10, 11, 12]),
    ("yaml-nets", variant('nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1\n',
                          "nets:\n  +5V: R1.1\n  N1: R1.2, D1.2\n  GND: D1.1\n"), [8, 9, 10, 11]),
    ("yaml-nets", variant('nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1\n',
                          "Nets:\n- '+5V': [R1.1]\n- N1: [R1.2, D1.2]\n- GND: [D1.1]\n"), [8, 9, 10, 11]),
    ("bullets", variant("  R1,R,330", "  - R1,R,330"), [6]),
    ("bullets", variant("  D1,LED,Red\n  R1,R,330", "  1. D1,LED,Red\n  2) R1,R,330"), [5, 6]),
    ("bullets", variant('  N1,"R1.2,D1.2"\n  GND,D1.1', '* N1,"R1.2,D1.2"\n\u2022 GND,D1.1'), [10, 11]),
    ("ellipsis", variant("  GND,D1.1\n", "  GND,D1.1\n  ...\n"), [12]),
    ("ellipsis", variant("  R1,R,330", "  R1,R,330\n  \u2026 (more parts)"), [7]),
    ("joined-blocks", "```\n" + variant("\nnets[3]", "```\n\n### Nets\n\n```tokn\nnets[3]") + "```\n", [8, 12]),
    ("single-quotes", variant('  N1,"R1.2,D1.2"', "  N1,'R1.2,D1.2'"), [10]),
    ("single-quotes", variant("  +5V,R1.1", "  '+5V',R1.1"), [9]),
    ("brackets", variant('  N1,"R1.2,D1.2"', "  N1,[R1.2, D1.2]"), [10]),
    ("brackets", variant('  N1,"R1.2,D1.2"', '  N1,["R1.2", "D1.2"]'), [10]),
    ("semicolons", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2;D1.2"'), [10]),
    ("pin-notes", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2 (2), D1.2(A)"'), [10]),
    ("pin-notes", variant('  GND,D1.1', '  GND,D1.1 (K)'), [11]),
    # second round of answer styles (issue 10)
    ("list-items", variant("components[2]{ref,type,value}:\n  D1,LED,Red\n  R1,R,330",
                           "components[2]:\n  - ref: D1\n    type: LED\n    value: Red\n  - ref: R1\n    type: R\n"
                           "    value: '330'"), [4, 5, 6, 7, 8, 9, 10]),
    ("list-items", variant('nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1',
                           "nets:\n- name: +5V\n  pins[1]: R1.1\n- name: N1\n  pins: [R1.2, D1.2]\n- name: GND\n"
                           "  pins:\n    - D1.1"), [8, 9, 10, 11, 12, 13, 14, 15]),
    ("column-row", variant("  D1,LED,Red", "  ref,type,value\n  D1,LED,Red"), [5]),
    ("column-row", variant("components[2]{ref,type,value}:", "components:\nRef,Type,Value"), [5]),
    ("wrapped-row", variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,\n      D1.2"'), [10, 11]),
    ("wire-list", variant('nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1',
                          "**Connections:**\n- +5V -> R1.1\n- R1.2 \u2192 D1.2\n\n- D1.1 -- GND"), [8, 9, 10, 12]),
    ("md-table", variant('nets[3]{name,pins}:\n  +5V,R1.1\n  N1,"R1.2,D1.2"\n  GND,D1.1\n',
                         "| net | pins |\n|---|---|\n| +5V | R1.1 |\n| N1 | R1.2<br>D1.2 |\n| GND | D1.1 |\n"),
     [8, 9, 10, 11, 12]),
    ("wrapped-row", variant('  N1,"R1.2,D1.2"', "  N1,R1.2,\n     D1.2"), [10, 11]),
    ("corrected-table", "```\n" + variant('N1,"R1.2,D1.2"\n  GND,D1.1', 'N1,"R1.2,D1.1"\n  GND,D1.2')
     + "```\nOops, D1's pins were swapped:\n```\n" + STRICT[STRICT.index("nets["):] + "```\n", [9, 10, 11, 12, 13, 15]),
]


@pytest.mark.parametrize("code,answer,lines", FORGIVEN, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(FORGIVEN)])
def test_a_forgiven_liberty_reads_as_the_strict_document_and_is_reported(code, answer, lines):
    r = read_answer(answer)
    assert r.error is None, r.error
    assert r.document.components == COMPONENTS and r.document.nets == NETS
    fix = next((f for f in r.fixes if f.code == code), None)
    assert fix is not None, [f.code for f in r.fixes]
    assert sorted(set(fix.lines)) == lines
    assert fix.where == where_lines(lines) and fix.message.startswith(FIX_CODES[code])


_MC = "Connector_Phoenix_MC:PhoenixContact_MC_1,5_5-G-3.81_1x05_P3.81mm_Horizontal"
_MKDS = "TerminalBlock_Phoenix:TerminalBlock_Phoenix_MKDS-1,5-2-5.08_1x02_P5.08mm_Horizontal"


@pytest.mark.parametrize("row, fp, code", [
    # KiCad's Phoenix Contact footprints hold a decimal comma; written without quotes (answer
    # 176) the name was cut there and the rest dropped as extra fields
    ("J1,Conn_01x05_Pin,RS485," + _MC, _MC, "footprint-comma"),
    ("J1,Conn_01x02_Pin,PWR," + _MKDS, _MKDS, "footprint-comma"),
    ("J1,Conn_01x05_Pin,RS485,\"" + _MC + "\"", _MC, None),                  # quoted, as rule 8 asks
    # a rating or a description after the footprint is still dropped
    ("C1,C,10uF,Capacitor_SMD:C_0805_2012Metric,25V", "Capacitor_SMD:C_0805_2012Metric", "extra-fields"),
    ("U1,LM7805,LM7805,Package_TO_SOT_THT:TO-220-3_Vertical,5V regulator", "Package_TO_SOT_THT:TO-220-3_Vertical",
     "extra-fields"),
    ("C1,C,10uF,Capacitor_SMD:C_0805_2012Metric,10V_X5R", "Capacitor_SMD:C_0805_2012Metric", "extra-fields"),
    # fields between the value and a footprint are the value's: a rating column, a decimal
    # comma (the footprint was the rating, 50V, and the real one dropped; the value 4 and the
    # footprint 7uF)
    ("C1,C,100nF,50V,Capacitor_SMD:C_0603_1608Metric", "Capacitor_SMD:C_0603_1608Metric", "split-value"),
    ("C1,C,4,7uF,Capacitor_SMD:C_0603_1608Metric", "Capacitor_SMD:C_0603_1608Metric", "split-value"),
    ("C1,C,10uF,25V,X7R,Capacitor_SMD:C_0805_2012Metric", "Capacitor_SMD:C_0805_2012Metric", "split-value"),
])
def test_a_footprint_name_with_a_decimal_comma_is_one_field(row, fp, code):
    r = read_answer("# TOKN v1\ncomponents[1]{ref,type,value,fp}:\n  " + row + "\nnets[1]{name,pins}:\n  N1,\"J1.1,C1.1\"\n")
    assert r.error is None and r.document.components[0].fp == fp
    assert {f.code for f in r.fixes} == ({code} if code else set())
    if code == "split-value":
        assert r.document.components[0].value in ("100nF 50V", "4,7uF", "10uF 25V X7R")


def test_every_fix_code_is_exercised():
    codes = {c for c, _, _ in FORGIVEN} | {"geometry", "not-points", "pin-columns", "grouped-refs", "footprint-comma",
                                           "split-value"}
    assert codes == set(FIX_CODES)


def test_strict_documents_read_identically_without_fixes():
    assert BUNDLED
    for path in BUNDLED:
        text = read_text(path, encoding="utf-8")
        r = read_answer(text)
        assert r.fixes == [] and r.error is None, path
        assert r.document == parse_tokn(text), path


def test_v12_geometry_is_ignored_and_reported():
    path = os.path.join(os.path.dirname(HERE), "..", "shared", "anchor", "examples", "mcp2551-can-transceiver",
                        "output.tokn")
    answer = """\
# TOKN v1.2
components[2]{ref,type,value,fp,x,y,w,h,a}:
  R1,R,330,,127.00,88.90,0.00,7.62,90
  D1,LED,Red,,139.70,88.90,7.62,0.00,0
nets[1]{name,pins}:
  N1,"R1.2,D1.2"
wires[2]{net,pts}:
  N1,"130.81 88.90,135.89 88.90"
  N1,"R1.2,D1.2"
"""
    r = read_answer(answer)
    assert r.error is None
    assert [(c.ref, c.x, c.a) for c in r.document.components] == [("R1", None, None), ("D1", None, None)]
    assert r.document.wires == []
    fixes = {f.code: f for f in r.fixes}
    assert set(fixes) == {"geometry", "not-points"}
    assert fixes["geometry"].lines == [2, 3, 4, 7, 8] and fixes["not-points"].lines == [9]
    if os.path.exists(path):                     # a real v1.2 document: only its drawing goes
        text = read_text(path, encoding="utf-8")
        strict, lenient = parse_tokn(text), read_answer(text)
        assert [f.code for f in lenient.fixes] == ["geometry"]
        assert lenient.document.nets == strict.nets and lenient.document.pins == strict.pins
        assert [c.ref for c in lenient.document.components] == [c.ref for c in strict.components]


def test_a_third_field_of_default_pin_rows_is_the_pin_type():
    answer = variant("nets[3]", "pins{D1}[2]:\n  1,K,passive\n  2,A,passive\n\nnets[3]")
    r = read_answer(answer)
    assert r.document.pins["D1"] == [PinDef("1", "K", "passive"), PinDef("2", "A", "passive")]
    assert [(f.code, f.lines) for f in r.fixes] == [("pin-columns", [8])]


def test_a_pin_table_given_twice_keeps_the_first_row_of_each_pin():
    table = "pins{D1}[2]:\n  1,K\n  2,A\n"
    r = read_answer(variant("nets[3]", table + table.replace("2,A", "2,ANODE") + "nets[3]"))
    assert r.document.pins["D1"] == [PinDef("1", "K"), PinDef("2", "A")]
    merged = next(f for f in r.fixes if f.code == "merged-table")
    assert merged.lines == [11, 12, 13]


# ---- answers written in other styles (tokn.doc.restyle) --------------------------------------

REGULATOR = """\
components[3]{ref,type,value}:
  U1,LM7805,LM7805
  C1,C,0.33uF
  C2,C,0.1uF
"""
REGULATOR_NETS = 'nets[3]{name,pins}:\n  VIN,"U1.1,C1.1"\n  GND,"U1.2,C1.2,C2.2"\n  +5V,"U1.3,C2.1"\n'
REGULATOR_TOKN = "# TOKN v1\n" + REGULATOR + REGULATOR_NETS

# (answer, every fix with its answer lines, the strict TOKN handed to the parser)
RESTYLED = [
    ("| ref | type | value |\n|---|---|---|\n| U1 | LM7805 | LM7805 |\n| C1 | C | 0.33uF |\n| C2 | C | 0.1uF |\n\n"
     "| net | pins |\n|---|---|\n| VIN | U1.1, C1.1 |\n| GND | U1.2, C1.2, C2.2 |\n| +5V | U1.3, C2.1 |\n",
     {"header": [1], "md-table": [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]}, REGULATOR_TOKN),
    ("## 5V regulator\n\n### Components\n\n```\n" + REGULATOR + "```\n\n### Nets\n\n```\n" + REGULATOR_NETS + "```\n",
     {"code-fence": [5, 19], "prose": [1, 3, 12], "header": [6], "joined-blocks": [10, 14]}, REGULATOR_TOKN),
    ("title: 5V regulator\n" + REGULATOR + "nets:\n  - VIN: [U1.1, C1.1]\n  - GND: U1.2 C1.2 C2.2\n  - +5V: U1.3;C2.1\n",
     {"header": [1], "yaml-nets": [6, 7, 8, 9]}, "# TOKN v1\ntitle: 5V regulator\n" + REGULATOR + REGULATOR_NETS),
    ("Title: 5V regulator\n" + REGULATOR.replace("components[3]{ref,type,value}", "Components[3]{Ref,Type,Value}")
     + REGULATOR_NETS.replace("nets[3]{name,pins}", "NETS[3]{Name,Pins}"),
     {"header": [1], "case": [1, 2, 6]}, "# TOKN v1\ntitle: 5V regulator\n" + REGULATOR + REGULATOR_NETS),
    ("# TOKN v1\n" + REGULATOR.replace("\n  ", "\n  - ") + REGULATOR_NETS[:-1].replace("\n  ", "\n  * ") + "\n  ...\n",
     {"bullets": [3, 4, 5, 7, 8, 9], "ellipsis": [10]}, REGULATOR_TOKN),
    ("# TOKN v1\n" + REGULATOR + 'nets[3]{name,pins}:\n  VIN,"U1.1; C1.1"\n  GND,[U1.2, C1.2, C2.2]\n  \'+5V\',\'U1.3,C2.1\'\n',
     {"semicolons": [7], "spaces": [7], "brackets": [8], "single-quotes": [9]}, REGULATOR_TOKN),
    ("# TOKN v1\n**Title:** 5V regulator\n**" + REGULATOR.replace(":\n", ":**\n", 1) + "### " + REGULATOR_NETS,
     {"markup": [2, 3, 7]}, "# TOKN v1\ntitle: 5V regulator\n" + REGULATOR + REGULATOR_NETS),
    ("| Reference | Symbol | Value |\n|:--|:--|--:|\n| U1 | LM7805 | LM7805 |\n| C1 | C | 0.33uF |\n| \u2026 | \u2026 | |\n"
     "| C2 | C | 0.1uF |\n\n**Nets**\n\n| Net | Connections |\n| --- | --- |\n| VIN | `U1.1`, `C1.1` |\n"
     "| GND | U1.2; C1.2; C2.2 |\n| +5V | U1.3,C2.1 |\n",
     {"header": [1], "md-table": [1, 2, 3, 4, 6, 10, 11, 12, 13, 14], "ellipsis": [5], "prose": [8]}, REGULATOR_TOKN),
    ("```\n# TOKN v1\n" + REGULATOR + "```\nNets:\n```\n# the nets\n" + REGULATOR_NETS + "```\n",
     {"code-fence": [1, 15], "joined-blocks": [7, 9], "prose": [8]}, REGULATOR_TOKN),
    ("# TOKN v1\n" + REGULATOR + REGULATOR_NETS.replace('"U1.1,C1.1"', "'U1.1,C1.1' # input, filtered"),
     {"single-quotes": [7], "comment": [7]}, REGULATOR_TOKN),
    ("# TOKN v1\n" + REGULATOR + "Nets:\n  VIN: U1.1, C1.1\n  GND: U1.2, C1.2, C2.2\n  +5V: U1.3, C2.1\n"
     "Note: the LM7805 needs a heatsink above 0.5 A.\n",
     {"yaml-nets": [6, 7, 8, 9], "prose": [10]}, REGULATOR_TOKN),
    # a continuation block that repeats the header before the table it adds (answer 126)
    ("```\n# TOKN v1\n" + REGULATOR + "```\nContinuing with the nets:\n```tokn\n# TOKN v1\n" + REGULATOR_NETS + "```\n",
     {"code-fence": [1, 15], "joined-blocks": [7, 9, 10], "prose": [8]}, REGULATOR_TOKN),
    # YAML rows under a TOON nets header; TOON's inline arrays (VIN[2]: ...); a numbered list
    ("# TOKN v1\n" + REGULATOR + "nets[3]{name,pins}:\n  VIN: U1.1, C1.1\n  GND: U1.2, C1.2, C2.2\n  +5V: U1.3, C2.1\n",
     {"yaml-nets": [7, 8, 9]}, REGULATOR_TOKN),
    ("# TOKN v1\n" + REGULATOR + "nets:\n  VIN[2]: U1.1,C1.1\n  GND[3]: U1.2,C1.2,C2.2\n  +5V[2]: U1.3,C2.1\n",
     {"yaml-nets": [6, 7, 8, 9]}, REGULATOR_TOKN),
    ("# TOKN v1\n" + REGULATOR + "Nets:\n1. VIN: U1.1, C1.1\n2. GND: U1.2, C1.2, C2.2\n3) +5V: U1.3, C2.1\n",
     {"yaml-nets": [6, 7, 8, 9]}, REGULATOR_TOKN),
    # a YAML document: components as a list of mappings, nets as a mapping of lists
    ("```yaml\ncomponents:\n  - ref: U1\n    type: LM7805\n    value: LM7805  # regulator\n  - ref: C1\n    type: C\n"
     "    value: \"0.33uF\"\n\n  - ref: C2\n    type: C\n    value: 0.1uF\nnets:\n  VIN: [U1.1, C1.1]\n"
     "  GND: [U1.2, C1.2, C2.2]\n  +5V: [U1.3, C2.1]\n```\n",
     {"code-fence": [1, 17], "header": [2], "list-items": [2, 3, 4, 5, 6, 7, 8, 10, 11, 12], "blank-line": [9],
      "yaml-nets": [13, 14, 15, 16]}, REGULATOR_TOKN),
    # CSV: a line of column names under each section's name
    ("components:\nref,type,value\nU1,LM7805,LM7805\nC1,C,0.33uF\nC2,C,0.1uF\n\nnets:\nname,pins\n"
     'VIN,"U1.1,C1.1"\nGND,"U1.2,C1.2,C2.2"\n+5V,"U1.3,C2.1"\n',
     {"header": [1], "indent": [2, 3, 4, 5, 8, 9, 10, 11], "table-header": [1, 7], "row-count": [1, 7],
      "column-row": [2, 8]}, REGULATOR_TOKN),
    # the same under markdown headings that only name the tables (answer 125)
    ("### components\nref,type,value\nU1,LM7805,LM7805\nC1,C,0.33uF\nC2,C,0.1uF\n\n**Nets:**\nnet,pins\n"
     'VIN,"U1.1,C1.1"\nGND,"U1.2,C1.2,C2.2"\n+5V,"U1.3,C2.1"\n',
     {"header": [1], "markup": [1, 7], "indent": [2, 3, 4, 5, 8, 9, 10, 11], "table-header": [1, 7],
      "row-count": [1, 7], "column-row": [2, 8]}, REGULATOR_TOKN),
]


@pytest.mark.parametrize("answer,fixes,strict", RESTYLED, ids=[f"restyled-{i}" for i in range(len(RESTYLED))])
def test_an_answer_in_another_style_reads_as_strict_tokn_and_every_line_is_named(answer, fixes, strict):
    r = read_answer(answer)
    assert r.error is None, r.error
    assert {f.code: sorted(set(f.lines)) for f in r.fixes} == fixes
    assert r.text == strict
    assert r.document == parse_tokn(strict)


# (answer, fix codes that must not be reported, what is read instead) -- not plainly a style:
# left alone
LEFT_ALONE = [
    (REGULATOR_TOKN + "\nNets:\n- VIN: the unregulated input\n- GND: common ground\n", {"yaml-nets"},
     {"prose": [11, 12, 13]}),
    ("```\n" + REGULATOR_TOKN + "```\n\n| Ref | Type | Value |\n|---|---|---|\n| U1 | LM7805 | TO-220 |\n", {"md-table"},
     {"code-fence": [1, 11], "prose": [13, 14, 15]}),
    (REGULATOR_TOKN + "- C1, the input capacitor, sits close to U1.\n- C2 is the output capacitor.\n", {"bullets"},
     {"prose": [10, 11]}),
    ("```\n" + REGULATOR_TOKN + "```\nA tidier version:\n```\n" + REGULATOR_TOKN + "```\n", {"joined-blocks"},
     {"draft": list(range(1, 12)), "code-fence": [13, 23], "prose": [12]}),     # the last complete one is read
    ("```\n" + REGULATOR + REGULATOR_NETS + "```\nOr with other capacitors:\n```\n" + REGULATOR + "```\n",
     {"joined-blocks"}, {"code-fence": [1, 10], "header": [2], "prose": list(range(11, 18))}),
    # a second block with the header and a table the first gave: a second document, not a continuation
    ("```\n" + REGULATOR_TOKN + "```\nOr with other capacitors:\n```\n# TOKN v1\n" + REGULATOR + "```\n",
     {"joined-blocks"}, {"code-fence": [1, 11], "prose": list(range(12, 20))}),
    (REGULATOR_TOKN.replace('"U1.1,C1.1"', '"U1.1,C1.1" ; input, filtered'), {"semicolons"}, {"comment": [7]}),
    # explanations after the tables that read like rows but are sentences: not nets, not parts
    (REGULATOR_TOKN + "\n- C1, C2 and U1 sit close together: keep the loop small\n- U1, the regulator, needs a heatsink\n",
     {"bullets"}, {"prose": [11, 12]}),
    (REGULATOR_TOKN + "U1, C1 and C2 share one ground return\n", {"unquoted-list"}, {"prose": [10]}),
    (REGULATOR_TOKN.replace("nets[3]", "- C2, the output capacitor, is a ceramic\nnets[3]"), {"bullets"}, {"prose": [6]}),
    # indented code after prose that ended the tables is no row (a Python script printing the
    # document: before, '    f.write(TOKN)' became a net)
    (REGULATOR_TOKN + '"""\nwith open("a.tokn", "w") as f:\n    f.write(TOKN)\n', {"indent"}, {"prose": [10, 11, 12]}),
    # list items whose keys are no columns of the table: YAML nets, not rows
    (REGULATOR + "nets:\n  - VIN: U1.1, C1.1\n  - GND: U1.2, C1.2, C2.2\n  - +5V: U1.3, C2.1\n", {"list-items"},
     {"header": [1], "yaml-nets": [5, 6, 7, 8]}),
    # a row continued on a line indented no deeper is two rows (a trailing comma dropped)
    (REGULATOR_TOKN.replace('"U1.1,C1.1"', '"U1.1,C1.1",'), {"wrapped-row"}, {"extra-fields": [7]}),
]


@pytest.mark.parametrize("answer,absent,fixes", LEFT_ALONE, ids=[f"left-alone-{i}" for i in range(len(LEFT_ALONE))])
def test_what_is_not_plainly_a_style_is_left_alone(answer, absent, fixes):
    r = read_answer(answer)
    assert r.error is None, r.error
    assert {f.code: sorted(set(f.lines)) for f in r.fixes} == fixes and not absent & set(fixes)
    assert r.document.nets == parse_tokn(REGULATOR_TOKN).nets


def test_quotes_and_brackets_are_read_only_where_they_close_a_field():
    r = read_answer("# TOKN v1\ncomponents[2]{ref,type,value}:\n  C1,C,[0.1uF]\n  R1,R,O'Neil\n"
                    "nets[1]{name,pins}:\n  N1,'C1.1,R1.1\n")
    assert r.error is None and [f.code for f in r.fixes] == ["unquoted-list"]
    assert [c.value for c in r.document.components] == ["[0.1uF]", "O'Neil"]
    assert r.document.nets[0].pins == ["'C1.1", "R1.1"]


def test_a_bill_of_materials_reads_as_components_its_other_columns_named():
    r = read_answer("| # | Ref | Qty | Type | Value | MPN |\n|---|---|---|---|---|---|\n| 1 | U1 | 1 | LM7805 | LM7805 | L7805CV |\n"
                    "| 2 | C1 | 1 | C | 0.33uF | CL21B334 |\n| 3 | C2 | 1 | C | 0.1uF | CL21B104 |\n\n"
                    + REGULATOR_NETS)
    assert r.error is None and r.document == parse_tokn(REGULATOR_TOKN)
    md = next(f for f in r.fixes if f.code == "md-table")
    assert "'#', 'Qty', 'MPN'" in md.message
    # a nets table with another column is no nets table (a pin table: | Pin | Name | Type |)
    r = read_answer(REGULATOR + "| Pin | Name | Type |\n|---|---|---|\n| 1 | VI | power_in |\n")
    assert "md-table" not in {f.code for f in r.fixes}


@pytest.mark.parametrize("written, refs", [
    ('"C1,C2"', ["C1", "C2"]), ('"C1, C2"', ["C1", "C2"]), ('"C1 & C2"', ["C1", "C2"]), ("C1 C2", ["C1", "C2"]),
    ("R1-R3", ["R1", "R2", "R3"]), ('"R1 \u2013 3"', ["R1", "R2", "R3"]), ('"C1, C2 and C3"', ["C1", "C2", "C3"]),
    ('"U1A, U1B"', None), ('"C1,R1"', None), ("R3-R1", None), ('"C1,C1"', None), ("R1-R40", None),
])
def test_a_row_listing_several_references_is_one_row_per_part(written, refs):
    r = read_answer(f"# TOKN v1\ncomponents[2]{{ref,type,value}}:\n  U1,LM7805,LM7805\n  {written},C,10uF\n"
                    'nets[1]{name,pins}:\n  GND,"U1.2,C1.2"\n')
    fix = next((f for f in r.fixes if f.code == "grouped-refs"), None)
    if refs is None:
        assert fix is None
        return
    assert r.error is None and [c.ref for c in r.document.components] == ["U1"] + refs
    assert all((c.type, c.value) == ("C", "10uF") for c in r.document.components[1:])
    assert sorted(fix.lines) == [2, 4] and "row-count" not in {f.code for f in r.fixes}


@pytest.mark.parametrize("ref", ["SW1-2", "J1-3", "TP1-TP2"])
def test_a_reference_with_a_dash_that_the_nets_name_is_one_part(ref):
    """A strict document's reference that looks like a range (``SW1-2``, a KiCad reference
    may hold a dash) is one part when pin references name it (``SW1-2.1``): the document
    reads as written, not as SW1 and SW2 with an undeclared SW1-2."""
    text = (f"# TOKN v1\ncomponents[2]{{ref,type,value}}:\n  {ref},SW_Push,SW\n  R1,R,1k\n\n"
            f'nets[2]{{name,pins}}:\n  A,"{ref}.1,R1.1"\n  B,"{ref}.2,R1.2"\n')
    r = read_answer(text)
    assert r.error is None and r.document == parse_tokn(text)
    assert "grouped-refs" not in {f.code for f in r.fixes}


@pytest.mark.parametrize("head", ["connections[5]{pin,net}:", "netlist[5]{Pin,Net}:", "nets[5]{pin,net}:"])
def test_a_table_of_pins_and_their_nets_is_the_nets_table(head):
    r = read_answer("# TOKN v1\n" + REGULATOR + head + "\n  U1.1,VIN\n  C1.1,VIN\n  U1.2,GND\n  U1.3,+5V\n  C2.1,+5V\n")
    assert r.error is None
    assert [(n.name, n.pins) for n in r.document.nets] == [("VIN", ["U1.1"]), ("VIN", ["C1.1"]), ("GND", ["U1.2"]),
                                                          ("+5V", ["U1.3"]), ("+5V", ["C2.1"])]   # netfix merges
    assert "table-header" in {f.code for f in r.fixes}
    # a table of wires (from, to) is no nets table
    r = read_answer("# TOKN v1\n" + REGULATOR + "connections[1]{from,to}:\n  U1.1,C1.1\n")
    assert r.document is None and "connections" in r.error.message


_LED = STRICT.replace("# TOKN v1\n", "")
_OTHER = _LED.replace("R1,R,330", "R1,R,470")


@pytest.mark.parametrize("answer, several", [
    # a draft and its correction: the last is read
    ("```\n# TOKN v1\n" + _OTHER + "```\nWait, R1 should be 330 ohm:\n```\n# TOKN v1\n" + _LED + "```\n", False),
    ("# TOKN v1\n" + _OTHER + "\nI made a mistake in R1. Final answer:\n\n# TOKN v1\n" + _LED, False),
    ("```\n# TOKN v1\n" + _OTHER + "```\n```\n# TOKN v1\ntitle: LED (corrected)\n" + _LED.split("\n", 1)[1] + "```\n",
     False),
    # the same circuit twice (a tidier copy): nothing to choose
    ("```\n# TOKN v1\n" + _LED + "```\nA tidier copy:\n```\n# TOKN v1\n# clean\n" + _LED + "```\n", False),
    # alternatives, or nothing said: not certain
    ("**Option A**\n```\n# TOKN v1\n" + _OTHER + "```\n**Option B**\n```\n# TOKN v1\n" + _LED + "```\n", True),
    ("Final design:\n```\n# TOKN v1\n" + _OTHER + "```\nAlternatively, fix the current lower:\n```\n# TOKN v1\n"
     + _LED + "```\n", True),
    ("```\n" + _OTHER + "```\nWith a brighter LED:\n```\n" + _LED + "```\n", True),       # fenced, no headers
    ("# TOKN v1\n" + _OTHER + "\nAnother option is a 330R:\n\n# TOKN v1\n" + _LED, True),
])
def test_several_different_circuits_are_read_only_when_the_last_corrects_the_others(answer, several):
    r = read_answer(answer)
    if several:
        assert r.document is None and r.error.code == "several-designs" and r.error.line is not None
        assert "different circuits" in r.error.message
    else:
        assert r.error is None and r.document.components == COMPONENTS


_WRONG_NETS = REGULATOR_NETS.replace('GND,"U1.2,C1.2,C2.2"', 'GND,"U1.2,C1.2"').replace('"U1.3,C2.1"', '"U1.3,C2.1,C2.2"')


@pytest.mark.parametrize("gap, nets, several", [
    # a later block of a table given before, said to correct it: read instead of it
    ("Wait, C2.2 belongs to GND. Corrected nets (replace the block above):", REGULATOR_NETS, None),
    ("I mixed up C2's pins; the nets should be:", REGULATOR_NETS, None),
    # the same table again: the first is the document
    ("The nets once more:", _WRONG_NETS, None),
    # offered as an alternative, or nothing said: which one is not certain
    ("Alternatively, with C2 across the output:", None, "offered as an alternative ('Alternatively', line 13)"),
    ("The nets:", None, "does not say that the later one corrects the earlier"),
])
def test_a_table_given_again_in_a_later_block_is_read_only_when_said_to_correct(gap, nets, several):
    """Answer 189: "Wait -- D2's cathode must go to FB ... Corrected nets (replace the block
    above):" and a second block of the nets; the first block's nets were read, the circuit
    without the clamp accepted, and the correction dropped as prose."""
    again = REGULATOR_NETS if nets == _WRONG_NETS else (nets or REGULATOR_NETS)
    answer = "```\n# TOKN v1\n" + REGULATOR + _WRONG_NETS + "```\n\n" + gap + "\n\n```\n" + again + "```\n"
    if nets == _WRONG_NETS:
        answer = answer.replace("```\n" + again + "```\n", "```\n" + _WRONG_NETS + "```\n")
    r = read_answer(answer)
    if several is not None:
        assert r.document is None and r.error.code == "several-designs" and several in r.error.message
        assert "nets table twice" in r.error.message and r.error.line == 16
        return
    assert r.error is None and r.document == parse_tokn("# TOKN v1\n" + REGULATOR + nets)
    fixed = {f.code: sorted(set(f.lines)) for f in r.fixes}
    if nets == REGULATOR_NETS:
        assert fixed["corrected-table"] == [7, 8, 9, 10, 11, 15]       # the earlier nets, the fences between
        assert fixed["prose"] == [13]


_OUTPUT_NET = 'nets[1]{name,pins}:\n  +5V,"U1.3,C2.1"\n'


@pytest.mark.parametrize("answer, nets, codes", [
    # the whole answer unfenced: the nets again after "Wait ... Corrected nets:" replace the
    # earlier ones (they were merged with them: GND and +5V both held C2.2)
    ("# TOKN v1\n" + REGULATOR + _WRONG_NETS + "\nWait, C2.2 belongs to GND. Corrected nets:\n\n" + REGULATOR_NETS,
     REGULATOR_NETS, {"corrected-table", "prose"}),
    # a fenced document, the correction after the block (it was dropped as prose)
    ("```\n# TOKN v1\n" + REGULATOR + _WRONG_NETS + "```\n\nWait, C2.2 belongs to GND. Corrected nets:\n\n"
     + REGULATOR_NETS, REGULATOR_NETS, {"code-fence", "corrected-table", "prose"}),
    # a continuation that says "forgot" gives no net again: merged, as before
    ("# TOKN v1\n" + REGULATOR + REGULATOR_NETS.replace('  +5V,"U1.3,C2.1"\n', "").replace("nets[3]", "nets[2]")
     + "\nI forgot the output net:\n\n" + _OUTPUT_NET, REGULATOR_NETS, {"merged-table", "prose", "row-count"}),
    # the same nets after the block, said nothing: the block is read, as before
    ("```\n# TOKN v1\n" + REGULATOR + REGULATOR_NETS + "```\n\nThe nets:\n\n" + REGULATOR_NETS, REGULATOR_NETS,
     {"code-fence", "prose"}),
    # other nets after the block, said nothing or offered as another way: not certain
    ("```\n# TOKN v1\n" + REGULATOR + _WRONG_NETS + "```\n\nThe nets:\n\n" + REGULATOR_NETS, None, None),
    ("```\n# TOKN v1\n" + REGULATOR + _WRONG_NETS + "```\n\nAnother option:\n\n" + REGULATOR_NETS, None, None),
])
def test_a_table_given_again_outside_a_block_is_read_only_when_said_to_correct(answer, nets, codes):
    r = read_answer(answer)
    if nets is None:
        assert r.document is None and r.error.code == "several-designs" and "nets table twice" in r.error.message
        return
    assert r.error is None and r.document == parse_tokn("# TOKN v1\n" + REGULATOR + nets)
    assert {f.code for f in r.fixes} == codes


def test_an_md_table_that_names_no_table_is_not_a_document():
    r = read_answer("| Ref | Colour | Value |\n|---|---|---|\n| D1 | red | 2V |\n")
    assert not r.found and r.fixes == []
    assert (r.error.line, r.error.col) == (1, 1)


# (answer, error class, answer line, words of the message)
UNREADABLE = [
    (variant("  R1,R,330", '  R1,R,"33"0'), ToknSyntaxError, 6, "expected ',' or end of line"),
    ("Some prose.\n\n" + variant("  R1,R,330", '  R1,R,"33"0'), ToknSyntaxError, 8, "expected ','"),
    (variant("components[2]{ref,type,value}:", "components[2]{ref,type,value:"), ToknSyntaxError, 4, ""),
    (variant("nets[3]{name,pins}:", "netz[3]{name,pins}:"), ToknSemanticError, 8, "unknown table 'netz'"),
    (variant("  R1,R,330", "  R1"), ToknSemanticError, 6, "row has 1 field"),
    (STRICT + "junctions[1]{x,y}:\n  1.0, abc\n", ToknSemanticError, 13, "line read as '  1.0,abc'"),
    ("Parts:\n\n| ref | type | value |\n|---|---|---|\n| D1 | LED | Red |\n| R1 |\n", ToknSemanticError, 6,
     "line read as '  R1'"),
    (REGULATOR + "nets:\n  VIN: U1.1, C1.1\n  +5V: the regulated output\n", ToknSyntaxError, 6,
     "a row outside a table"),
]


@pytest.mark.parametrize("answer,cls,line,words", UNREADABLE)
def test_what_cannot_be_read_gets_the_strict_error_on_the_answers_line(answer, cls, line, words):
    r = read_answer(answer, "answer.txt")
    assert r.document is None and r.found
    assert isinstance(r.error, cls) and r.error.line == line and r.error.path == "answer.txt"
    assert r.error.col is not None and str(r.error).startswith(f"answer.txt:{line}:")
    assert words in r.error.message


def test_no_document_at_all():
    r = read_answer("I cannot design that circuit, sorry.")
    assert not r.found and r.document is None and r.text is None
    assert isinstance(r.error, ToknSyntaxError) and (r.error.line, r.error.col) == (1, 1)


def test_the_strict_reader_is_unchanged():
    for answer in (variant("components[2]", "components[5]"), "```\n" + STRICT + "```\n",
                   variant("  R1,R,330", "\n  R1,R,330"), variant('  N1,"R1.2,D1.2"', '  N1,"R1.2,D1.2')):
        with pytest.raises((ToknSyntaxError, ToknSemanticError)):
            parse_tokn(answer)


@pytest.mark.parametrize("path", CORPUS, ids=[os.path.basename(p) for p in CORPUS])
def test_nothing_changes_silently(path):
    """Every line of an answer that no fix names is read exactly as the strict reader would
    read it, and every line left out of the document is named by a fix (blank lines and
    comment lines between sections aside, which the format allows)."""
    answer = read_text(path, encoding="utf-8", newline="")
    r = read_answer(answer)
    if not r.found or r.text is None:        # no document, or several (several-designs): nothing read
        return
    raw = answer.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    named = {n for f in r.fixes for n in f.lines}
    text_lines = r.text.split("\n")
    kept = set(r.line_of)
    for read, n in zip(text_lines, r.line_of):
        if n in named:
            continue
        src = raw[n - 1]
        assert read == src or _same_row(read, src) or _same_header(read, src), (n, src, read)
    for n, src in enumerate(raw, 1):
        if n in kept or n in named or not src.strip():
            continue
        assert src.startswith("#"), (n, src)     # a comment line, which carries no data


def _same_row(a: str, b: str) -> bool:
    from tokn.doc.values import split_row
    return a.startswith("  ") and b.startswith("  ") and split_row(a[2:]) == split_row(b[2:])


def _same_header(a: str, b: str) -> bool:
    return a.rstrip(":") == b.rstrip(":").replace(" ", "") and b.endswith(":")


def test_format_md_tables_every_fix_code():
    with open(os.path.join(HERE, "..", "docs", "format.md"), encoding="utf-8") as f:
        doc = f.read()
    assert [c for c in FIX_CODES if f"| `{c}` |" not in doc] == []


# ---- properties ---------------------------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from tokn.doc import write_tokn  # noqa: E402

from .test_tokn_roundtrip_hypothesis import SETTINGS, documents  # noqa: E402

_DRAWING = {"geometry", "not-points"}


@SETTINGS
@given(documents)
def test_a_written_document_reads_the_same_unless_a_fix_says_otherwise(doc):
    """Whatever the writer produces is read as the strict reader reads it, but for the
    drawing (dropped, and said so) -- or a fix names what was read differently (a bare
    value holding ' #', ' ;' or ' //' is read as ending in a comment)."""
    text = write_tokn(doc)
    r = read_answer(text)
    codes = {f.code for f in r.fixes}
    if codes - _DRAWING:
        return
    assert r.error is None, r.error
    strict = parse_tokn(text)
    for c in strict.components:
        c.x = c.y = c.w = c.h = c.a = None
    strict.wires = []
    assert r.document == strict
    assert bool(codes & _DRAWING) == (any(c.x is not None or c.y is not None or c.w is not None or c.h is not None
                                         or c.a is not None for c in doc.components) or bool(doc.wires))


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_gives_a_reading_never_an_exception(text):
    r = read_answer(text)
    assert (r.document is None) == (r.error is not None)
    assert all(f.code in FIX_CODES and f.lines for f in r.fixes)


@pytest.mark.parametrize("written,items", [
    ('"U1 pin 8,C1 pin 1"', ["U1 pin 8", "C1 pin 1"]),      # left whole for the net repairs
    ('"U1 PIN 8 C1.1"', ["U1 PIN 8", "C1.1"]),
    ('"U1.8 C1.1"', ["U1.8", "C1.1"]),
])
def test_a_pin_written_ref_pin_number_stays_one_item(written, items):
    answer = variant('  N1,"R1.2,D1.2"', f"  N1,{written}")
    reading = read_answer(answer)
    assert reading.document is not None
    assert [n.pins for n in reading.document.nets if n.name == "N1"] == [items]


def test_a_bare_components_header_takes_columns_as_far_as_its_rows_go():
    answer = variant("components[2]{ref,type,value}:\n  D1,LED,Red\n  R1,R,330",
                     "components:\n  D1,LED,Red,LED_0805\n  R1,R,330")
    reading = read_answer(answer)
    assert [(c.ref, c.type, c.value, c.fp) for c in reading.document.components] == \
        [("D1", "LED", "Red", "LED_0805"), ("R1", "R", "330", "")]
    header = [f for f in reading.fixes if f.code == "table-header"][0]
    assert "components without columns read as {ref,type,value,fp}" in header.message


def test_dropped_component_fields_are_named():
    reading = read_answer(variant("  R1,R,330", '  R1,R,330,R_0603,"current limit"'))
    assert [(c.ref, c.type, c.value) for c in reading.document.components][1] == ("R1", "R", "330")
    fix = [f for f in reading.fixes if f.code == "extra-fields"][0]
    assert "'R_0603'" in fix.message and "'current limit'" in fix.message


def test_numbered_rows_of_a_pin_table_are_pins_not_list_items():
    answer = STRICT + "\npins{D1}[2]:\n  1. A\n  2. K\n"
    reading = read_answer(answer)
    assert "bullets" not in {f.code for f in reading.fixes}


def test_fields_past_a_pin_table_row_are_dropped_and_named():
    reading = read_answer(STRICT + "\npins{D1}[2]:\n  1,K,passive,cathode\n  2,A,passive,anode\n")
    assert [(p.number, p.name, p.type) for p in reading.document.pins["D1"]] == [("1", "K", "passive"),
                                                                                ("2", "A", "passive")]
    fix = [f for f in reading.fixes if f.code == "extra-fields"][0]
    assert "'cathode'" in fix.message and "'anode'" in fix.message


# Lines a model could write (aligned columns, padded rows) on which an expression with two
# optional runs of blanks side by side, or blanks split between loop iterations, backtracks
# polynomially or exponentially: each must be read at once.  Run in a child process, as a
# regular expression cannot be interrupted; the limit only guards against a hang.
@pytest.mark.parametrize("call, line", [
    ("tokn.doc.lenient:read_answer", "# TOKN v1\nnets" + " " * 10_000 + "!\n"),
    ("tokn.doc.lenient:read_answer", "# TOKN v1\nNote" + " \t" * 5_000 + "x\n"),
    ("tokn.generate.partial:find_edits", "a" + ",  " * 3_000 + '"'),
    ("tokn.generate.partial:find_edits", "GND" + " ,\t" * 3_000 + '"'),
    ("tokn.doc.lenient:read_answer", "components[1]{ref,type,value}:\n  C1" + " -" * 5_000 + ",C,1u\n"),
    ("tokn.doc.lenient:read_answer", "components[1]{ref,type,value}:\n  \"C1" + " " * 10_000 + "- ,\",C,1u\n"),
    ("tokn.doc.lenient:read_answer", ("# TOKN v1\ncomponents[1]{ref,type,value}:\n  R1,R,1\nnets[1]{name,pins}:\n"
                                      "  A,R1.1\nversion" + " " * 10_000 + "x another" + " " * 10_000 + "\n") * 2),
    # quadratic before (about 2 s for 10,000 blanks, so minutes for these): a padded markdown
    # row and separator, a table header, a wire line, a pin note's long word
    ("tokn.doc.lenient:read_answer", "| Ref | Type |" + " " * 100_000 + "x\n| --- | --- |\n| R1 | R |\n"),
    ("tokn.doc.lenient:read_answer", "| Ref | Type |\n|---" + " " * 100_000 + "x\n| R1 | R |\n"),
    ("tokn.doc.lenient:read_answer", "# TOKN v1\ncomponents[" + " " * 100_000 + "x\n"),
    ("tokn.doc.lenient:read_answer", "# TOKN v1\ncomponents{U1" + "}" + " " * 100_000 + "[1]\n"),
    ("tokn.doc.lenient:read_answer", "Connections:\n- U1.1" + " " * 100_000 + "x -> R1.2\n- U1.2 -> R1.1\n"),
    ("tokn.doc.lenient:read_answer", "Connections:\n- U1.1 " + " \t" * 50_000 + "-> R1.2\n- U1.2 -> R1.1\n"),
    ("tokn.doc.lenient:read_answer", "# TOKN v1\nnets[1]{name,pins}:\n  A,\"" + "a" * 100_000 + ".1 (x)\"\n"),
    ("tokn.doc.lenient:read_answer", "nets:\n  GND: " + "U1.1" + " " * 100_000 + "x\n  VCC: U1.2\n"),
    ("tokn.doc.lenient:read_answer", "components[" + " " * 100_000 + ":\n- ref: R1\n"),
    ("tokn.doc.lenient:read_answer", "components:\n- ref" + " " * 100_000 + "x: R1\n  type: R\n"),
    ("tokn.doc.lenient:read_answer", "components:\n- ref: R1" + " " * 100_000 + "x\n  type[" + " " * 100_000 + "\n"),
    ("tokn.doc.lenient:read_answer", "**components" + " " * 100_000 + ":" + " " * 100_000 + "x\nref,type\n"),
])
def test_long_adversarial_lines_are_read_at_once(call, line):
    import subprocess
    import sys
    mod, fn = call.split(":")
    code = (f"import sys; from {mod} import {fn}\n"
            f"try:\n    {fn}(sys.stdin.read())\nexcept Exception:\n    pass\n")
    subprocess.run([sys.executable, "-c", code], input=line, text=True, check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": os.getcwd()})


@pytest.mark.parametrize("copy, gap", [
    (_LED.replace("R1,R,330", "R1,R,330   # current limit"), "Here it is with comments:"),
    (_LED.replace("  +5V,R1.1", '  +5V,"R1.1"'), "The complete document:"),
    (_LED.replace("  D1,LED,Red\n  R1,R,330", "  R1,R,330\n  D1,LED,Red"), "Sorted by reference:"),
    (_LED.replace('"R1.2,D1.2"', '"D1.2, R1.2"'), "Checked against the datasheet:"),
])
def test_the_same_circuit_written_twice_differently_is_read(copy, gap):
    """A second copy of the same circuit (a comment added, a field quoted, rows or pins in
    another order) is nothing to choose between: the last is read, not refused as two
    different circuits."""
    r = read_answer("```\n# TOKN v1\n" + _LED + "```\n" + gap + "\n```\n# TOKN v1\n" + copy + "```\n")
    assert r.error is None and sorted(r.document.components, key=lambda c: c.ref) == COMPONENTS
    assert "draft" in {f.code for f in r.fixes}
