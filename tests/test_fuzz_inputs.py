"""Malformed input gives a result or a typed, located error — never Python's own exceptions.

Real schematics and TOKN documents are mutated the ways damaged files are damaged
(truncated, characters deleted, inserted or flipped, a number replaced by garbage) and
fed to what the CLI runs on them: ``encode_design`` for a schematic; ``parse_tokn``,
``validate`` and ``decode`` for a TOKN document.  Accepted outcomes: a result, or a
:class:`~tokn.errors.ToknError` whose message names the file and, for a problem inside the
text, the line.  Anything else reaches users as "internal error, please report".

The quick cases run in every suite; ``-m slow`` runs 5,000 of each kind, 10,000 in all
(``TOKN_FUZZ_CASES`` overrides the count per kind).
"""
from __future__ import annotations

import collections
import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokn.decode import decode
from tokn.doc import parse_tokn
from tokn.encode import encode_design
from tokn.errors import ToknError
from tokn.validate import validate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMATICS = [os.path.join(ROOT, p) for p in (
    "examples/mcp2551-can-transceiver/schematic.kicad_sch",
    "tests/fixtures/connectivity/q11_rot90_mirx.kicad_sch",
    "tests/fixtures/connectivity/q9_hidden_power_in.kicad_sch",
    "tests/fixtures/connectivity/q10d_flag_and_pwr.kicad_sch",
)]
DOCUMENTS = [os.path.join(ROOT, p) for p in (
    "examples/regulator.tokn",
    "tokn/data/fewshot/mcu-rp2040.tokn",
    "tokn/data/fewshot/usb-c-ldo-ams1117.tokn",
    "tokn/data/fewshot/rs232-max232.tokn",
)]
GARBAGE = ["1x9", "", "nan", "1e999", "--1", '"a"', "(1)", ")", "(", '"', "\\", "yes", "-", "ü", "\t"]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: outcome counts per input kind, written to $TOKN_FUZZ_REPORT (JSON) after the module runs
OUTCOMES: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


@pytest.fixture(scope="module", autouse=True)
def _report_outcomes():
    yield
    target = os.environ.get("TOKN_FUZZ_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as f:
            json.dump({k: dict(v) for k, v in OUTCOMES.items()}, f, indent=1)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


@st.composite
def mutated(draw, paths: list[str]) -> tuple[str, str]:
    """(path of the original, its text damaged once or a few times)."""
    path = draw(st.sampled_from(paths))
    text = _read(path)
    for _ in range(draw(st.integers(1, 3))):
        if not text:
            break
        kind = draw(st.sampled_from(["truncate", "delete", "insert", "flip", "number"]))
        p = draw(st.integers(0, len(text) - 1))
        if kind == "truncate":
            text = text[:p]
        elif kind == "delete":
            text = text[:p] + text[p + draw(st.integers(1, 40)):]
        elif kind == "insert":
            text = text[:p] + draw(st.sampled_from(GARBAGE)) + text[p:]
        elif kind == "flip":
            text = text[:p] + draw(st.characters(min_codepoint=9, max_codepoint=0x2FF)) + text[p + 1:]
        else:
            nums = list(_NUMBER.finditer(text))
            if nums:
                m = nums[draw(st.integers(0, len(nums) - 1))]
                text = text[:m.start()] + draw(st.sampled_from(GARBAGE)) + text[m.end():]
    return path, text


def _accept_typed(err: ToknError, path: str) -> None:
    message = str(err)
    assert err.message and "\n" not in err.message.strip(), message
    assert err.path, f"error names no file: {message}"
    assert message.startswith(err.path), message
    assert not isinstance(err, (KeyError, IndexError, TypeError)), repr(err)


def _encode_case(tmp_path_factory, case: tuple[str, str]) -> None:
    _, text = case
    target = tmp_path_factory.mktemp("fuzz") / "mutated.kicad_sch"
    target.write_text(text, encoding="utf-8")
    try:
        encode_design(str(target))
        OUTCOMES["schematic"]["result"] += 1
    except ToknError as e:
        _accept_typed(e, str(target))
        OUTCOMES["schematic"][type(e).__name__] += 1


def _tokn_case(case: tuple[str, str]) -> None:
    path, text = case
    try:
        doc = parse_tokn(text, path)
        validate(doc)
        decode(doc, None)
        OUTCOMES["tokn"]["result"] += 1
    except ToknError as e:
        if e.path is None:            # decode errors are about the document, not a line
            e.path = path
        _accept_typed(e, path)
        OUTCOMES["tokn"][type(e).__name__] += 1


def _cases(slow: bool) -> int:
    return int(os.environ.get("TOKN_FUZZ_CASES", "5000")) if slow else 150


_SETTINGS = dict(deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                        HealthCheck.data_too_large])


@settings(max_examples=_cases(False), **_SETTINGS)
@given(case=mutated(SCHEMATICS))
def test_mutated_schematic_encodes_or_gives_located_error(tmp_path_factory, case):
    _encode_case(tmp_path_factory, case)


@settings(max_examples=_cases(False), **_SETTINGS)
@given(case=mutated(DOCUMENTS))
def test_mutated_tokn_reads_or_gives_located_error(case):
    _tokn_case(case)


@pytest.mark.slow
@settings(max_examples=_cases(True), **_SETTINGS)
@given(case=mutated(SCHEMATICS))
def test_many_mutated_schematics(tmp_path_factory, case):
    _encode_case(tmp_path_factory, case)


@pytest.mark.slow
@settings(max_examples=_cases(True), **_SETTINGS)
@given(case=mutated(DOCUMENTS))
def test_many_mutated_tokn_documents(case):
    _tokn_case(case)


def test_a_bad_number_is_reported_at_its_line_and_column(tmp_path):
    text = _read(SCHEMATICS[0])
    at = text.index("(at ", text.index("(lib_id"))
    bad = text[:at + 4] + "12.7x9" + text[text.index(" ", at + 4):]
    target = tmp_path / "bad.kicad_sch"
    target.write_text(bad, encoding="utf-8")
    with pytest.raises(ToknError) as info:
        encode_design(str(target))
    line = bad.count("\n", 0, at) + 1
    col = at + 4 - (bad.rfind("\n", 0, at) + 1) + 1
    assert str(info.value) == f"{target}:{line}:{col}: expected a number, found '12.7x9'"
