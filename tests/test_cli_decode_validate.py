"""`tokn decode` and `tokn validate` from the command line, as users run them."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tokn.kicad import kicad_cli

from .conftest import needs_kicad
from .support import read_text

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REGULATOR = os.path.join(ROOT, "examples", "regulator.tokn")
TOKN = [os.path.join(os.path.dirname(sys.executable), "tokn")]

GOOD = read_text(REGULATOR, encoding="utf-8")


def run(*args, stdin: str | None = None):
    return subprocess.run([*TOKN, *args], capture_output=True, text=True, input=stdin, cwd=ROOT, timeout=300)


def write(tmp_path, text: str, name: str = "doc.tokn") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


@needs_kicad
def test_decode_writes_a_schematic_kicad_loads(tmp_path):
    out = tmp_path / "reg" / "reg.kicad_sch"
    r = run("decode", REGULATOR, "-o", str(out), "--png", str(tmp_path / "reg.png"))
    assert r.returncode == 0, r.stderr
    assert out.exists() and (tmp_path / "reg" / "reg.kicad_pro").exists()
    assert (tmp_path / "reg.png").stat().st_size > 1000
    nets = kicad_cli.export_netlist(str(out)).nets
    assert nets["GND"] == {("C1", "2"), ("C2", "2"), ("U1", "2")}
    assert nets["+5V"] == {("C2", "1"), ("U1", "3")}


def test_decode_to_a_bare_file_name_writes_it_in_the_working_folder(tmp_path):
    """``tokn decode doc.tokn -o board.kicad_sch``: an output without a folder part is
    written where the user is (it failed with "<input>: No such file or directory")."""
    r = subprocess.run([*TOKN, "decode", REGULATOR, "-o", "board.kicad_sch"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "board.kicad_sch").read_text(encoding="utf-8").startswith("(kicad_sch")
    assert (tmp_path / "board.kicad_pro").exists()


@pytest.mark.parametrize("output, document, written", [
    ("out/", "reg.tokn", "out/reg.kicad_sch"),            # a path ending in / is a folder
    ("exists", "reg.tokn", "exists/reg.kicad_sch"),       # so is one that exists
    ("exists", "-", "exists/tokn.kicad_sch"),             # standard input: tokn.kicad_sch
    ("board.kicad_sch", "reg.tokn", "board.kicad_sch"),
])
def test_decode_into_a_folder_names_the_schematic_after_the_document(tmp_path, output, document, written):
    (tmp_path / "exists").mkdir()
    (tmp_path / "reg.tokn").write_text(GOOD, encoding="utf-8")
    r = subprocess.run([*TOKN, "decode", document, "-o", output], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300, input=GOOD if document == "-" else None)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / written).read_text(encoding="utf-8").startswith("(kicad_sch")
    assert f"-> {written} (" in r.stderr


def test_decode_that_cannot_write_names_the_output(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "x.kicad_sch"
    r = run("decode", REGULATOR, "-o", str(out))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"{blocker}: "), r.stderr     # what the OS says


def test_decode_reports_a_syntax_error_with_line_and_column(tmp_path):
    bad = write(tmp_path, GOOD.replace("nets[3]", "nets[4]"))
    r = run("decode", bad, "-o", str(tmp_path / "x.kicad_sch"))
    assert r.returncode == 1
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith(bad + ":") and "Traceback" not in r.stderr


def test_decode_of_an_invalid_document_names_its_first_error_and_line(tmp_path):
    doc = GOOD.replace('  +5V,"C2.1,U1.3"', '  +5V,"C2.1,U1.3,R7.1,U1.9"')
    bad = write(tmp_path, doc)
    r = run("decode", bad, "-o", str(tmp_path / "x.kicad_sch"))
    line = next(i for i, ln in enumerate(doc.splitlines(), 1) if "R7.1" in ln)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"{bad}:{line}: +5V: R7.1 names part R7, which is not in components "
                               f"[undeclared-part] (1 more error(s): tokn validate {bad})"), r.stderr


def test_validate_accepts_a_good_document():
    r = run("validate", REGULATOR)
    assert r.returncode == 0, r.stdout
    assert "valid (0 error(s)" in r.stdout


def test_validate_rejects_invented_pins_and_names_the_library_pin(tmp_path):
    doc = GOOD.replace('  +5V,"C2.1,U1.3"', '  +5V,"C2.1,U1.9"').replace("  3,OUT", "  3,VOUT")
    r = run("validate", write(tmp_path, doc), "--json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    codes = {f["code"]: f for f in report["findings"]}
    assert "unknown-pin" in codes and "U1.9" in codes["unknown-pin"]["message"]
    assert codes["pin-name-mismatch"]["details"]["library_name"] == "OUT"
    assert "unconnected-power-pin" not in codes or "U1.3" not in codes["unconnected-power-pin"]["message"]


def test_validate_reports_unconnected_power_input(tmp_path):
    doc = GOOD.replace('  +12V,"C1.1,U1.1"', '  +12V,C1.1')
    r = run("validate", write(tmp_path, doc))
    assert r.returncode == 1
    assert "U1.1 (IN) is a power input and is not connected" in r.stdout


@needs_kicad
def test_a_type_written_with_its_library_is_that_symbol(tmp_path):
    doc = GOOD.replace("  U1,L7805,", "  U1,Regulator_Linear:L7805,")
    r = run("validate", write(tmp_path, doc), "--json")
    assert r.returncode == 0, r.stdout
    assert not [f for f in json.loads(r.stdout)["findings"] if f["code"] in ("unknown-part", "fuzzy-part")]


def test_a_part_the_libraries_lack_is_held_to_its_own_pin_table(tmp_path):
    doc = (GOOD.replace("components[3]", "components[4]")
           .replace("  U1,L7805,", "  U2,MYSTERY123,MYSTERY123,,,,,,\n  U1,L7805,")
           .replace("pins{U1}[3]:", "pins{U2}[3]{num,name,type}:\n  1,IN,input\n  2,VCC,power_in\n  3,OUT,output\n\n"
                    "pins{U1}[3]:")
           .replace('  +5V,"C2.1,U1.3"', '  +5V,"C2.1,U1.3,U2.5"'))
    r = run("validate", write(tmp_path, doc), "--json")
    assert r.returncode == 1
    found = {(f["code"], f["where"]) for f in json.loads(r.stdout)["findings"]}
    assert ("unknown-part", "U2") in found                      # a warning: drawn from its table
    assert ("unknown-pin", "U2.5") in found                     # not in its own table: invented
    assert ("unconnected-power-pin", "U2.2") in found           # its VCC, as for a library part


# Findings name the line of the document they are about: a pin by the net row that lists
# it, else by its row in the part's pin table, else by the part's row; a net by its row.
# (case, changes to the regulator example, code, where, the line's text)
LOCATED = [
    ("an invented pin: the net row listing it", [('  +5V,"C2.1,U1.3"', '  +5V,"C2.1,U1.3,U1.9"')],
     "unknown-pin", "U1.9", '  +5V,"C2.1,U1.3,U1.9"'),
    ("a part no row declares: the net row naming it", [('  +5V,"C2.1,U1.3"', '  +5V,"C2.1,U1.3,R7.1"')],
     "undeclared-part", "+5V", '  +5V,"C2.1,U1.3,R7.1"'),
    ("a power input in no net: its pin table's row", [('  +12V,"C1.1,U1.1"', "  +12V,C1.1")],
     "unconnected-power-pin", "U1.1", "  1,IN"),
    ("without a pin table: its part's row", [('  +12V,"C1.1,U1.1"', "  +12V,C1.1"),
                                             ("pins{U1}[3]:\n  1,IN\n  2,GND\n  3,OUT\n", "")],
     "unconnected-power-pin", "U1.1", "  U1,L7805,"),
]


@pytest.mark.parametrize("case,changes,code,where,text", LOCATED, ids=[c[0] for c in LOCATED])
def test_validate_names_the_line_of_each_finding(tmp_path, case, changes, code, where, text):
    doc = GOOD
    for old, new in changes:
        assert old in doc
        doc = doc.replace(old, new)
    expect = next(i for i, ln in enumerate(doc.splitlines(), 1) if ln.startswith(text))
    path = write(tmp_path, doc)
    r = run("validate", path)
    assert f"{path}:{expect}: error: {where}: " in r.stdout, r.stdout
    found = [f for f in json.loads(run("validate", path, "--json").stdout)["findings"] if f["code"] == code]
    assert [(f["where"], f["line"]) for f in found] == [(where, expect)]


def test_validate_syntax_error_is_a_finding_with_position(tmp_path):
    r = run("validate", write(tmp_path, GOOD.replace("components[3]", "components[x]")), "--json")
    assert r.returncode == 1
    f = json.loads(r.stdout)["findings"][0]
    assert f["code"] == "syntax" and f["details"]["line"] == 4


def test_validate_lenient_reads_an_llm_answer_as_generate_does(tmp_path):
    answer = os.path.join(HERE, "fixtures", "answers", "11-pin-names.txt")
    strict = run("validate", answer, "--json")               # strict TOKN whose pins are names
    assert strict.returncode == 1 and "unknown-pin" in {f["code"] for f in json.loads(strict.stdout)["findings"]}
    messy = write(tmp_path, "Here:\n```\n" + read_text(answer, encoding="utf-8").replace("components[3]", "components[9]")
                  + "```\n", "answer.txt")
    r = run("validate", messy)
    assert r.returncode == 1 and "[syntax]" in r.stdout     # files stay strict
    r = run("validate", "--lenient", messy, "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["valid"], data
    fixed = {f["code"]: f for f in data["findings"] if f["severity"] == "fixed"}
    assert set(fixed) == {"code-fence", "prose", "row-count", "pin-name"}
    assert fixed["row-count"]["details"]["lines"] == [6] and fixed["row-count"]["where"] == "line 6"
    text = run("validate", "--lenient", messy).stdout
    assert "valid (0 error(s), 0 warning(s), 4 fixed)" in text


def test_validate_lenient_keeps_the_strict_error_of_what_it_cannot_read(tmp_path):
    bad = write(tmp_path, "Answer:\n\n" + GOOD.replace("components[3]{", "components[3]{ref,"), "answer.txt")
    r = run("validate", "--lenient", bad, "--json")
    f = json.loads(r.stdout)["findings"][0]
    assert r.returncode == 1 and f["code"] == "syntax" and "given twice" in f["message"]
    assert f["details"]["line"] == 6


@needs_kicad
@pytest.mark.kicad
def test_validate_with_erc_runs_kicads_checker(tmp_path):
    clean = json.loads(run("validate", REGULATOR, "--erc", "--json").stdout)
    assert not [f for f in clean["findings"] if f["code"].startswith("erc-")]
    # C2 pin 1 left unconnected: only KiCad's ERC notices a dangling passive pin
    doc = write(tmp_path, GOOD.replace('  +5V,"C2.1,U1.3"', '  +5V,U1.3'))
    report = json.loads(run("validate", doc, "--erc", "--json").stdout)
    assert any(f["code"] == "erc-pin_not_connected" and "C2" in f["message"] for f in report["findings"])


FUZZY_DOC = """# TOKN v1

components[3]{ref,type,value}:
  U1,TL072CP,TL072CP
  R1,R,10k
  R2,R,10k

nets[2]{name,pins}:
  V+,"R1.1,U1.8"
  V-,"R2.1,U1.4"
"""

#: (options, the code validate gives U1, exit status): a type that is no symbol name is
#: checked against the symbol decoding draws -- a substitute only where decode takes one.
FUZZY_ROWS = [
    ((), "unknown-part", 3),                 # decode draws U1 from the document's pins
    (("--fuzzy",), "fuzzy-part", 0),         # decode --fuzzy reads it as TL072
    (("--lenient",), "fuzzy-part", 0),       # an LLM answer, read as `tokn generate` does
]


@needs_kicad
@pytest.mark.parametrize("options,code,status", FUZZY_ROWS, ids=[" ".join(r[0]) or "strict" for r in FUZZY_ROWS])
def test_validate_checks_parts_against_the_symbols_decode_draws(tmp_path, options, code, status):
    path = write(tmp_path, FUZZY_DOC)
    r = run("validate", path, "--json", *options)
    assert r.returncode == status, r.stdout
    codes = {f["code"] for f in json.loads(r.stdout)["findings"] if f["where"] == "U1"}
    assert code in codes and ({"unknown-part", "fuzzy-part"} - {code}).isdisjoint(codes)
    fuzzy = ["--fuzzy"] if options else []      # what decode is told (`tokn generate` decodes answers so)
    d = run("decode", path, "-o", str(tmp_path / "out" / "d.kicad_sch"), *fuzzy)
    assert d.returncode == 0, d.stderr
    assert ("read as" in d.stderr) == (code == "fuzzy-part")
    assert ("generated from the document's pins" in d.stderr) == (code == "unknown-part")
