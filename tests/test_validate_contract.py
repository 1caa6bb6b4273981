"""The validator's contract: one small document per finding code, with the code, severity and
location it must give.  Every code ``docs/cli.md`` lists has a row; deleting any rule of
``tokn/validate.py`` fails a row (checked by deleting each rule in turn, see the report of
issue 10).  The second table does the same for the codes the generation pipeline adds
(``docs/generate.md``, "Checks and repair").
"""
from __future__ import annotations

import json
import os
import re

import pytest

from tokn.doc.model import Component, Document, Net, NoConnect, PinDef, Wire
from tokn.validate import Finding, validate
from .support import read_text

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def doc(components=(), nets=(), pins=None, wires=(), nc=(), flags=()) -> Document:
    """A document from ``(ref, type[, unit])`` rows, ``(name, [pins])`` nets, ``{ref:
    [(num, name[, type])]}`` pin tables, wire net names, pins marked not connected and the
    nets named by ``pwrflags``."""
    return Document(
        components=[Component(c[0], c[1], unit=c[2] if len(c) > 2 else 1) for c in components],
        nets=[Net(n, list(p)) for n, p in nets],
        pins={ref: [PinDef(*row) for row in rows] for ref, rows in (pins or {}).items()},
        wires=[Wire(n, [(0.0, 0.0), (2.54, 0.0)]) for n in wires],
        noconnects=[NoConnect(pin=p) for p in nc], pwrflags=list(flags))


R12 = [("R1", "R"), ("R2", "R")]
LINK = ("N1", ["R1.1", "R2.1"])
LINK2 = ("N2", ["R1.2", "R2.2"])

# (case, document, needs the KiCad libraries, expected (severity, code, where), or a list of
# them when the rule needs another finding to fire: a part's own table is used only when the
# part is unknown)
RULES = [
    ("empty-reference", doc([("", "R"), *R12], [LINK, LINK2]), False, ("error", "empty-reference", "R")),
    ("duplicate-reference", doc([*R12, ("R1", "R")], [LINK, LINK2]), False, ("error", "duplicate-reference", "R1")),
    ("duplicate-reference of a unit", doc([("U1", "TL072", 1), ("U1", "TL072", 1)], [("A", ["U1.1", "U1.2"])]),
     False, ("error", "duplicate-reference", "U1")),
    ("reference-type-mismatch", doc([("U1", "TL072", 1), ("U1", "LM358", 1)], [("A", ["U1.1", "U1.2"])]), False,
     [("error", "duplicate-reference", "U1"), ("error", "reference-type-mismatch", "U1")]),   # one unit, two types
    ("unit-types-differ, no library", doc([("U1", "TL072", 1), ("U1", "LM358", 2)], [("A", ["U1.1", "U1.2"])]),
     False, ("warning", "unit-types-differ", "U1")),     # nothing to compare the pins with
    ("reference-type-mismatch, pins differ", doc([("U1", "TL072", 1), ("U1", "LM324", 2), ("R1", "R")],
                                                 [("A", ["U1.1", "R1.1"]), ("B", ["U1.4", "R1.2"]), ("C", ["U1.8", "U1.2"])]),
     True, ("error", "reference-type-mismatch", "U1")),
    ("unit-types-differ", doc([("U1", "TL072", 1), ("U1", "LM358", 2), ("R1", "R")],
                              [("A", ["U1.1", "R1.1"]), ("B", ["U1.4", "R1.2"]), ("C", ["U1.8", "U1.2"])]),
     True, ("warning", "unit-types-differ", "U1")),
    ("duplicate-net", doc(R12, [LINK, ("N1", ["R1.2", "R2.2"])]), False, ("error", "duplicate-net", "N1")),
    ("bad-pin-ref", doc(R12, [LINK, ("N2", ["R1.2", "R2"])]), False, ("error", "bad-pin-ref", "N2")),
    ("undeclared-part in a net", doc(R12, [LINK, ("N2", ["R1.2", "R2.2", "R3.1"])]), False,
     ("error", "undeclared-part", "N2")),
    ("undeclared-part with a pin table", doc(R12, [LINK, LINK2], pins={"U7": [("1", "A")]}), False,
     ("error", "undeclared-part", "U7")),
    ("pin-in-two-nets", doc(R12, [LINK, ("N2", ["R1.2", "R2.2", "R1.1"])]), False,
     ("error", "pin-in-two-nets", "R1.1")),
    ("no-connect-in-net", doc(R12, [LINK, LINK2], nc=["R1.2"]), False, ("error", "no-connect-in-net", "R1.2")),
    ("no-connect-in-net, every pin marked but of two parts", doc(R12, [LINK, LINK2], nc=["R1.2", "R2.2"]), False,
     [("error", "no-connect-in-net", "R1.2"), ("error", "no-connect-in-net", "R2.2")]),
    ("undeclared-part in noconnects", doc([("R1", "R")], [("N1", ["R1.1"])], nc=["R2.2"]), False,
     [("warning", "single-pin-net", "N1"), ("error", "undeclared-part", "R2.2")]),
    ("bad-pin-ref in noconnects", doc(R12, [LINK, LINK2], nc=["R1"]), False, ("error", "bad-pin-ref", "R1")),
    ("single-pin-net", doc([*R12, ("R3", "R")], [LINK, LINK2, ("N3", ["R3.1"])]), False,
     ("warning", "single-pin-net", "N3")),
    ("wire-net-missing", doc(R12, [LINK, LINK2], wires=["N9"]), False, ("error", "wire-net-missing", "N9")),
    ("pwrflag-net-missing", doc(R12, [LINK, LINK2], flags=["N1", "VIN"]), False, ("error", "pwrflag-net-missing", "VIN")),
    ("split-ground", doc(R12, [("GND", ["R1.1", "R2.1"]), ("0V", ["R1.2", "R2.2"])]), False,
     ("warning", "split-ground", "0V")),
    ("split-ground in two spellings", doc(R12, [("GND", ["R1.1", "R2.1"]), ("gnd", ["R1.2", "R2.2"])]), False,
     ("warning", "split-ground", "gnd")),
    # library rules
    ("unknown-part", doc([*R12, ("U1", "ZZX9000")], [LINK, LINK2, ("N3", ["U1.1", "U1.2"])]), True,
     [("warning", "unknown-part", "U1"), ("warning", "pins-not-checked", "")]),
    ("pins-would-join", doc([("J1", "Raspberry_Pi_2_3"), ("R1", "R")],
                            [("A", ["J1.2", "R1.1", "J1.1"]), ("B", ["J1.4", "R1.2", "J1.6"])]), True,
     ("warning", "pins-would-join", "J1")),
    ("unknown-pin of an unknown part's own table",
     doc([*R12, ("U1", "ZZX9000")], [LINK, ("N2", ["R1.2", "R2.2", "U1.3"])], pins={"U1": [("1", "A"), ("2", "B")]}),
     True, [("warning", "unknown-part", "U1"), ("error", "unknown-pin", "U1.3"), ("warning", "pins-not-checked", "")]),
    ("unconnected-power-pin of an unknown part's own table",
     doc([*R12, ("U1", "ZZX9000")], [LINK, ("N2", ["R1.2", "R2.2", "U1.1"])],
         pins={"U1": [("1", "A", "input"), ("2", "VDD", "power_in")]}),
     True, [("warning", "unknown-part", "U1"), ("error", "unconnected-power-pin", "U1.2"), ("warning", "pins-not-checked", "")]),
    ("fuzzy-part", doc([("U1", "TL072CP"), *R12], [("V+", ["U1.8", "R1.1"]), ("V-", ["U1.4", "R2.1"])]), True,
     ("warning", "fuzzy-part", "U1")),
    # without fuzzy (the default, as decoding draws it): no substitute, a symbol from its pins
    ("unknown-part, not fuzzy", doc([("U1", "TL072CP"), *R12], [("V+", ["U1.8", "R1.1"]), ("V-", ["U1.4", "R2.1"])]),
     True, [("warning", "unknown-part", "U1"), ("warning", "pins-not-checked", "")]),
    ("unknown-pin in a net", doc([("U1", "LM7805_TO220"), *R12],
                                 [("VIN", ["U1.1", "R1.1"]), ("GND", ["U1.2", "U1.4", "R2.1"])]), True,
     ("error", "unknown-pin", "U1.4")),
    ("unknown-pin in noconnects", doc([("U1", "LM7805_TO220"), *R12],
                                      [("VIN", ["U1.1", "R1.1"]), ("GND", ["U1.2", "R2.1"]), ("VO", ["U1.3", "R1.2"])],
                                      nc=["U1.4"]), True, ("error", "unknown-pin", "U1.4")),
    ("unknown-pin in a pin table", doc([("U1", "LM7805_TO220"), *R12],
                                       [("VIN", ["U1.1", "R1.1"]), ("GND", ["U1.2", "R2.1"])],
                                       pins={"U1": [("1", "VI"), ("2", "GND"), ("3", "VO"), ("5", "NC")]}), True,
     ("error", "unknown-pin", "U1.5")),
    ("pin-name-mismatch", doc([("U1", "LM7805_TO220"), *R12], [("VIN", ["U1.1", "R1.1"]), ("GND", ["U1.2", "R2.1"])],
                              pins={"U1": [("1", "VIN"), ("2", "GND"), ("3", "VO")]}), True,
     ("error", "pin-name-mismatch", "U1.1")),
    ("unconnected-power-pin", doc([("U1", "LM7805_TO220"), *R12], [("VIN", ["U1.1", "R1.1"]), LINK2]), True,
     ("error", "unconnected-power-pin", "U1.2")),
    ("no-connect-pin-in-net", doc([("U1", "LM741"), *R12],
                                  [("V+", ["U1.7", "R1.1"]), ("V-", ["U1.4", "R2.1"]), ("X", ["U1.8", "R1.2"])]),
     True, ("warning", "no-connect-pin-in-net", "U1.8")),
    ("no-connect-pin-in-net of an unknown part's own table",
     doc([*R12, ("U1", "ZZX9000")], [LINK, ("N2", ["R1.2", "R2.2", "U1.2"])],
         pins={"U1": [("1", "A"), ("2", "NC", "no_connect")]}),
     True, [("warning", "unknown-part", "U1"), ("warning", "no-connect-pin-in-net", "U1.2"),
            ("warning", "pins-not-checked", "")]),
]


@pytest.mark.parametrize("case,document,library,expected", RULES, ids=[r[0] for r in RULES])
def test_each_rule_reports_its_code_and_location(request, case, document, library, expected):
    index = request.getfixturevalue("symbol_index") if library else None
    got = [(f.severity, f.code, f.where) for f in validate(document, index, fuzzy=case == "fuzzy-part")]
    if not library:               # without libraries no pin is checked: said once, at the end
        assert got[-1] == ("warning", "pins-not-checked", "")
        got = got[:-1]
    assert got == (expected if isinstance(expected, list) else [expected])


# What an unknown-pin error tells the model: the pins the part has, each number with its name
# (the number alone said nothing of which pin the model meant), and for a tab or exposed pad
# the symbol lacks, to leave it out.  (case, type, pin, words in the message)
UNKNOWN_PIN_WORDS = [
    ("a name no pin has: the pins by number and name", "NE555P", "Q",
     "Timer:NE555P has no pin Q (its pins: 1 GND, 2 TRIG, 3 OUT, 4 ~{RST}, 5 CONT, 6 THRES, 7 DISCH, 8 VCC)"),
    ("a number past the last pin", "LM7805_TO220", "4", "has no pin 4 (its pins: 1 VI, 2 GND, 3 VO)"),
    ("a passive's pins have no names", "R", "3", "Device:R has no pin 3 (its pins: 1, 2)"),
    # answer 223: 'its pins: 1 1, 2 2' (KiCad names a crystal's pins as their numbers)
    ("pins named as their numbers are listed by number", "Crystal", "3", "Device:Crystal has no pin 3 (its pins: 1, 2)"),
    # answer 228: four PC817 written with the datasheet's A, K, E, C, which KiCad does not name
    ("a name on a symbol whose pins have none: where numbers come from", "PC817", "A",
     "Isolator:PC817 has no pin A (the symbol's pins have no names: write the number the part's datasheet "
     "gives the pin, or name the pins in a pins{U1} table of num,name rows) (its pins: 1, 2, 3, 4)"),
    ("a pin written by the name of one pin: its number", "NE555P", "TRIG",
     "has no pin TRIG (a pin reference is REF.NUMBER: TRIG is pin 2, U1.2) (its pins: 1 GND"),
    ("a name several pins carry: their numbers", "ESP32-WROOM-32", "GND",
     "has no pin GND (a pin reference is REF.NUMBER: GND is pins 1, 15, 38, 39) (its pins:"),
    ("a tab the symbol has no pin for", "AMS1117-3.3", "TAB",
     "has no pin TAB (the symbol has no pin of its own for a tab or exposed pad: on the footprint it is one "
     "of the pins below; leave it out of the nets) (its pins: 1 GND, 2 VO, 3 VI)"),
]


@pytest.mark.parametrize("case,type_,pin,words", UNKNOWN_PIN_WORDS, ids=[c[0] for c in UNKNOWN_PIN_WORDS])
def test_an_unknown_pin_error_lists_the_pins_by_number_and_name(symbol_index, case, type_, pin, words):
    d = doc([("U1", type_), *R12], [("N", [f"U1.{pin}", "R1.1"]), ("M", ["U1.1", "U1.2", "U1.3", "R2.1"])])
    errs = [f for f in validate(d, symbol_index) if f.code == "unknown-pin"]
    assert [f.where for f in errs] == [f"U1.{pin}"] and words in errs[0].message, errs


def test_a_correct_document_has_no_findings(symbol_index):
    good = doc([("U1", "LM7805_TO220"), ("C1", "C"), ("C2", "C")],
               [("VIN", ["U1.1", "C1.1"]), ("GND", ["U1.2", "C1.2", "C2.2"]), ("+5V", ["U1.3", "C2.1"])],
               pins={"U1": [("1", "VI", "power_in"), ("2", "GND", "power_in"), ("3", "VO", "power_out")]})
    assert validate(good, symbol_index) == []
    assert [f.code for f in validate(good)] == ["pins-not-checked"]      # no library: pins unchecked


def test_stacked_pins_one_marker_flags_are_no_error(symbol_index):
    """A net of one part's pins, every one marked not connected: stacked pins (the crystal's
    case pins 2 and 3 sit on one point) that one no-connect marker flags, as KiCad draws it
    and its ERC accepts (unseen Excse/plant-watering-system: BQ24075's BAT pins 2 and 3)."""
    d = doc([("Y1", "Crystal_GND23"), *R12], [("A", ["Y1.1", "R1.1"]), ("B", ["Y1.4", "R2.1"]),
                                             ("N1", ["Y1.2", "Y1.3"]), ("C", ["R1.2", "R2.2"])],
            nc=["Y1.2", "Y1.3"])
    assert validate(d, symbol_index) == []
    half = doc([("Y1", "Crystal_GND23"), *R12], [("A", ["Y1.1", "R1.1"]), ("B", ["Y1.4", "R2.1"]),
                                                ("N1", ["Y1.2", "Y1.3"]), ("C", ["R1.2", "R2.2"])], nc=["Y1.2"])
    assert [(f.code, f.where) for f in validate(half, symbol_index)] == [("no-connect-in-net", "Y1.2")]


def _documented_codes(path: str) -> list[str]:
    """The codes in the first column of a Markdown table under a heading that says 'codes'."""
    text = read_text(path, encoding="utf-8")
    section = re.search(r"^#+ [^\n]*codes[^\n]*\n(.*?)(?=^#|\Z)", text, re.S | re.M | re.I)
    assert section, f"{path} has no section of finding codes"
    return re.findall(r"^\| `([a-z0-9-]+)` \|", section.group(1), re.M)


def test_tokn_validate_reports_unreadable_text_as_a_syntax_finding_with_its_position(tmp_path):
    from click.testing import CliRunner

    from tokn.cli import main
    path = tmp_path / "bad.tokn"
    path.write_text('# TOKN v1\ncomponents[1]{ref,type,value}:\n  R1,R,"10k"x\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(path), "--json", "--no-libraries"])
    assert r.exit_code == 1
    found = json.loads(r.output)["findings"]
    assert [(f["severity"], f["code"], f["where"]) for f in found] == [("error", "syntax", "3:13")]   # the x after "10k"


def test_every_code_docs_cli_md_lists_has_a_row():
    documented = _documented_codes(os.path.join(DOCS, "cli.md"))
    tested = {f[1] for r in RULES for f in (r[3] if isinstance(r[3], list) else [r[3]])}
    # "syntax" has the test above; "erc-TYPE" (not matched here) comes from KiCad
    # (tests/test_cli_decode_validate.py runs tokn validate --erc)
    assert documented and set(documented) == tested | {"syntax"}


# ---- the generation pipeline's codes ----------------------------------------------------------

LM7805 = """\
# TOKN v1
components[3]{ref,type,value,fp}:
  C1,C,0.33uF,
  C2,C,0.1uF,
  U1,LM7805_TO220,LM7805,
nets[3]{name,pins}:
  +5V,"C2.1,U1.3"
  GND,"C1.2,C2.2,U1.2"
  VIN,"C1.1,U1.1"
"""
REQUEST = "Design a 5V linear regulator using LM7805 with 0.33uF input capacitor and 0.1uF output capacitor"
JSON_OK = ('{"title": "", "components": [{"ref": "C1", "type": "C", "value": "0.33uF", "fp": ""}], '
           '"pin_tables": [], "nets": [{"name": "GND", "pins": ["C1.2"]}]}')

# (case, answer, finish reason, request, expected (code, where) among the errors)
PIPELINE = [
    ("no-document", "Sorry, I cannot draw circuits.", "stop", REQUEST, ("no-document", "")),
    ("syntax", LM7805.replace("  C1,C,0.33uF,", '  C1,C,"0.33uF"x,'), "stop", REQUEST, ("syntax", "")),
    ("truncated", LM7805[:LM7805.index("GND,")] + 'GND,"C1.2,C2', "length", REQUEST, ("truncated", "")),
    ("truncated (while reasoning)", "<think>\nThe regulator needs", "length", REQUEST, ("truncated", "")),
    ("empty-circuit", "# TOKN v1\ntitle: regulator\n", "stop", REQUEST, ("empty-circuit", "")),
    ("unknown-part (error)", LM7805.replace("  C1,C,0.33uF,", "  C1,CAPX,0.33uF,"), "stop", REQUEST,
     ("unknown-part", "C1")),
    ("missing-part (named)", LM7805.replace("LM7805_TO220,LM7805", "LM317_TO220,LM317"), "stop", REQUEST,
     ("missing-part", "")),
    ("missing-part (kind)", LM7805, "stop", REQUEST + " and a fuse", ("missing-part", "")),
    ("missing-value", LM7805.replace("0.33uF", "0.47uF"), "stop", REQUEST, ("missing-value", "")),
    ("json-syntax", '{"title": "x", ', "stop", REQUEST, ("json-syntax", "")),
    ("json-schema", JSON_OK.replace('"pins": ["C1.2"]', '"pins": {"C1": 2}'), "stop", REQUEST, ("json-schema", "")),
    ("unit-types-differ (error)", "# TOKN v1\ncomponents[3]{ref,type,value,unit}:\n  U1,TL072,TL072,1\n"
     "  U1,LM358,LM358,2\n  R1,R,10k,1\nnets[3]{name,pins}:\n  A,\"U1.1,R1.1\"\n  V-,\"U1.4,R1.2\"\n"
     "  V+,\"U1.8,U1.2\"\n", "stop", "An op-amp buffer with a TL072", ("unit-types-differ", "U1")),
    ("no-connect-pin-in-net (error)", "# TOKN v1\ncomponents[3]{ref,type,value}:\n  U1,LM741,LM741\n"
     "  R1,R,10k\n  R2,R,10k\nnets[4]{name,pins}:\n  V+,\"U1.7,R1.1\"\n  V-,\"U1.4,R2.1\"\n"
     "  OUT,\"U1.6,U1.2\"\n  X,\"U1.8,U1.3,R1.2,R2.2\"\n", "stop", "An LM741 voltage follower",
     ("no-connect-pin-in-net", "U1.8")),
    ("several-designs", "Option A:\n" + LM7805 + "\nOption B:\n" + LM7805.replace("0.1uF", "1uF"), "stop", REQUEST,
     ("several-designs", "")),
    ("split-ground (error)", LM7805.replace('GND,"C1.2,C2.2,U1.2"', 'GND,"C1.2,U1.2"\n  0V,C2.2').replace("nets[3]", "nets[4]"),
     "stop", REQUEST, ("split-ground", "0V")),
    ("unconnected-part", LM7805.replace("components[3]", "components[4]").replace("  U1,LM7805_TO220,LM7805,\n",
     "  U1,LM7805_TO220,LM7805,\n  D1,LED,Green,\n"), "stop", REQUEST, ("unconnected-part", "D1")),
    ("format (two pin tables)", JSON_OK.replace('"pin_tables": []', '"pin_tables": [{"ref": "U1", "pins": []}, '
                                                '{"ref": "U1", "pins": []}]'), "stop", REQUEST, ("format", "")),
]


@pytest.fixture(scope="module")
def generator(symbol_index):
    from tokn.generate.config import Settings
    from tokn.generate.pipeline import Generator, Toolkit
    return Generator(Settings(base_url="http://127.0.0.1:9/v1", model="none", erc="off"),
                     toolkit=Toolkit(index=symbol_index, erc="off"))


@pytest.mark.parametrize("case,answer,finish,text,expected", PIPELINE, ids=[p[0] for p in PIPELINE])
def test_each_pipeline_check_reports_its_code(generator, case, answer, finish, text, expected):
    from tokn.generate import grounding
    from tokn.generate.asked import read_request
    from tokn.generate.llm import Completion
    parts, missing = generator.toolkit.ground(grounding.extract_part_numbers(text))
    check = generator.check_answer(Completion(answer, finish, 0.0, 0.0, 1, "none"), parts, missing,
                                   read_request(text))
    assert not check.ok
    assert expected in [(f.code, f.where) for f in check.errors]


def test_the_unchanged_answer_passes(generator):
    from tokn.generate import grounding
    from tokn.generate.asked import read_request
    from tokn.generate.llm import Completion
    parts, missing = generator.toolkit.ground(grounding.extract_part_numbers(REQUEST))
    assert generator.check_answer(Completion(LM7805, "stop", 0.0, 0.0, 1, "none"), parts, missing,
                                  read_request(REQUEST)).ok


# Codes of a repair round's answer, checked against the answer the model was shown:
# (case, answer, the previous answer, expected (code, where) among the errors)
PIPELINE_REPAIR = [
    ("partial-answer", 'Change `GND,"C1.2,U1.4"` to `GND,"C1.2,U1.2"`.', LM7805, ("partial-answer", "round 1")),
]


@pytest.mark.parametrize("case,answer,previous,expected", PIPELINE_REPAIR, ids=[p[0] for p in PIPELINE_REPAIR])
def test_each_repair_round_check_reports_its_code(generator, case, answer, previous, expected):
    from tokn.generate import grounding
    from tokn.generate.llm import Completion
    from tokn.generate.partial import Base
    from tokn.doc import parse_tokn
    parts, missing = generator.toolkit.ground(grounding.extract_part_numbers(REQUEST))
    check = generator.check_answer(Completion(answer, "stop", 0.0, 0.0, 1, "none"), parts, missing, None,
                                   Base(1, parse_tokn(previous), previous))
    assert not check.ok and expected in [(f.code, f.where) for f in check.errors]


def test_every_pipeline_code_docs_generate_md_lists_has_a_row():
    documented = set(_documented_codes(os.path.join(DOCS, "generate.md")))
    tested = {p[4][0] for p in PIPELINE} | {p[3][0] for p in PIPELINE_REPAIR}
    # "decode" comes from the decoder, "erc-TYPE" from KiCad (tests/test_generate_pipeline.py)
    assert documented - tested == {"decode"} and tested <= documented


# (where, message, the line a user reads)
FINDING_LINES = [
    ("U2", "no pin 9", "warning: U2: no pin 9 [code]"),
    ("U2", "U2: no KiCad library symbol named X", "warning: U2: no KiCad library symbol named X [code]"),
    ("U2", "U21: a part of its own", "warning: U2: U21: a part of its own [code]"),
    ("", "a whole-document finding", "warning: a whole-document finding [code]"),
]


@pytest.mark.parametrize("where,message,line", FINDING_LINES)
def test_a_finding_names_its_place_once(where, message, line):
    assert str(Finding("warning", "code", message, where)) == line
