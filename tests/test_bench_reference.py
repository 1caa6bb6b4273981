"""benchmarks/reference_driver.py: runs a reference encoder's three entry points per file,
writes what its scripts write, and reports a file it cannot encode without stopping.

The public reference is not part of tokn; a stand-in with the same entry points
(``parse_schematic``, ``analyze_connectivity``, ``encode_tokn``) is written here."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

DRIVER = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "reference_driver.py")

STAND_IN = {
    "kicad_sch.py": "def parse_schematic(path):\n"
                    "    text = open(path).read()\n"
                    "    if 'kicad_sch' not in text:\n"
                    "        raise ValueError('Not a valid KiCad schematic')\n"
                    "    return text\n",
    "connectivity.py": "def analyze_connectivity(sch):\n    return len(sch)\n",
    "tokn_encoder.py": "def encode_tokn(sch, netlist):\n    return f'# TOKN v1\\nbytes: {netlist}\\n'\n",
}


@pytest.fixture()
def reference(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name, code in STAND_IN.items():
        (src / name).write_text(code)
    good = tmp_path / "a.kicad_sch"
    good.write_text("(kicad_sch (version 20231120))\n")
    bad = tmp_path / "b.kicad_sch"
    bad.write_text("(not_a_schematic)\n")
    listing = tmp_path / "files.txt"
    listing.write_text(f"{good}\n{bad}\n{good}\n")
    return src, listing, good, bad


def _drive(src, mode, out, listing):
    return subprocess.run([sys.executable, DRIVER, str(src), mode, str(out), str(listing)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("mode", ["dir", "jsonl"])
def test_every_file_encoded_and_a_failure_reported(reference, tmp_path, mode):
    src, listing, good, bad = reference
    out = tmp_path / ("out" if mode == "dir" else "out.jsonl")
    p = _drive(src, mode, out, listing)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == [f"ERR {bad}: ValueError: Not a valid KiCad schematic"]
    expected = f"# TOKN v1\nbytes: {len(good.read_text())}\n"
    if mode == "dir":
        assert sorted(os.listdir(out)) == ["0000.tokn", "0002.tokn"]     # numbered by line
        assert (out / "0000.tokn").read_text() == expected
    else:
        records = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["file"]["path"] for r in records] == [str(good), str(good)]
        assert {r["tokn"] for r in records} == {expected}


def test_unknown_mode_is_refused(reference, tmp_path):
    src, listing, _, _ = reference
    p = _drive(src, "csv", tmp_path / "x", listing)
    assert p.returncode == 2 and "unknown mode 'csv'" in p.stderr
