"""``tokn dataset`` on shapes met in project folders it had never seen (downloaded, not
cloned; fetched file by file): what the instruction pairs, the records and the error report
promise, with small fixtures of our own."""
from __future__ import annotations

import os

from click.testing import CliRunner

from tokn.cli import main
from tokn.dataset.instructions import check_completion

# A completion in the answer layout whose LM358N is no library symbol by that name: its pin
# table (unnamed output pins 1 and 7 left out, as compacting does) lacks pins its nets use.
# `tokn validate --fuzzy` would check it against the library's LM358 and pass it.
UNNAMED_PINS = """# TOKN v1
title: Follower

components[2]{ref,type,value,fp}:
  R1,R,10k,Resistor_SMD:R_0603_1608Metric
  U1,LM358N,LM358N,Package_DIP:DIP-8_W7.62mm

pins{U1}[6]:
  2,-
  3,+
  4,V-
  5,+
  6,-
  8,V+

nets[4]{name,pins}:
  +12V,U1.8
  GND,"R1.2,U1.4,U1.5"
  OUT,"R1.1,U1.1,U1.2"
  IN,"U1.3,U1.6,U1.7"
"""


def test_a_pair_is_kept_only_when_tokn_validate_passes_it(tmp_path):
    """The pair filter is ``tokn validate`` itself (no fuzzy substitute): every kept pair
    passes the command a dataset user runs on it."""
    p = tmp_path / "pair.tokn"
    p.write_text(UNNAMED_PINS, encoding="utf-8")
    r = CliRunner().invoke(main, ["validate", str(p)])
    assert r.exit_code == 1 and "[unknown-pin]" in r.output
    assert check_completion(UNNAMED_PINS, 2048)[:2] == (False, "invalid")
    ok = UNNAMED_PINS.replace("pins{U1}[6]:\n", "pins{U1}[8]:\n  1,\n").replace("  8,V+\n", "  7,\n  8,V+\n")
    p.write_text(ok, encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(p)]).exit_code in (0, 3)
    assert check_completion(ok, 2048)[:2] == (True, "")
