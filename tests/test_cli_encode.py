"""``tokn encode``: single designs, corpora (directories, globs, jobs), JSONL, resume, errors.

Runs the command in-process through click's CliRunner and, for the start-up path and the
exit statuses, as a subprocess of the installed console script.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from tokn import __version__
from tokn.cli import main
from tokn.encode import encode_file
from tokn.tokens import count_tokens
from .support import read_text

try:
    from .conftest import CORPUS, HERE, needs_shared
except ImportError:             # tests/ is not a package: conftest's dir is on sys.path
    from conftest import CORPUS, HERE, needs_shared

FILES = os.path.join(CORPUS, "files")
PROJECTS = {  # tmp name -> corpus directory
    "mjuart": "mjbots__moteus/hw/mjuart",                                   # 3 sheets
    "flash": "DangerousPrototypes__BusPirate5-hardware/adapter-flash-sop-1REV3",
    "irtoy": "DangerousPrototypes__BusPirate5-hardware/adapter-ir-toy-3REV3",
}
TOP = {"mjuart": "mjuart.kicad_sch", "flash": "flash-sop-rev3.kicad_sch",
       "irtoy": "bp5-ir-toy-v3-rev3.kicad_sch"}
SUB_SHEETS = ["mjuart/ft231x.kicad_sch", "mjuart/power_input.kicad_sch"]
FIXTURE = os.path.join(HERE, "fixtures", "connectivity", "j3_two_junctions.kicad_sch")
ERROR_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): \S")

TOKN_BIN = os.path.join(os.path.dirname(sys.executable), "tokn")
needs_fixture = pytest.mark.skipif(not os.path.exists(FIXTURE), reason="fixture schematic missing")


def run(args: list[str], cwd: str | None = None):
    """Invoke ``tokn ARGS`` in-process; returns click's Result (stdout/stderr separate)."""
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, args, catch_exceptions=False)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def run_sub(args: list[str], cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``tokn`` console script."""
    exe = TOKN_BIN if os.path.exists(TOKN_BIN) else None
    cmd = [exe] if exe else [sys.executable, "-c", "from tokn.cli import main; main()"]
    return subprocess.run(cmd + args, cwd=cwd, capture_output=True, text=True, timeout=300)


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def corpus(tmp_path):
    """tmp/corpus/{mjuart,flash,irtoy}: copies of three small corpus projects.

    ``mjuart`` loses its .kicad_pro so that its sub-sheets are recognised only by the
    sheet references (the other two keep theirs).
    """
    root = tmp_path / "corpus"
    for name, rel in PROJECTS.items():
        src = os.path.join(FILES, rel)
        if not os.path.isdir(src):
            pytest.skip(f"corpus project {rel} missing")
        shutil.copytree(src, root / name)
    os.remove(root / "mjuart" / "mjuart.kicad_pro")
    return root


def _bad_files(d) -> dict[str, str]:
    """A truncated schematic and a non-KiCad one in directory ``d``; name -> path."""
    os.makedirs(d, exist_ok=True)
    good = open(os.path.join(FILES, PROJECTS["flash"], TOP["flash"]), encoding="utf-8").read() \
        if os.path.isdir(FILES) else read_text(FIXTURE, encoding="utf-8")
    trunc = os.path.join(d, "truncated.kicad_sch")
    with open(trunc, "w", encoding="utf-8") as f:
        f.write(good[: len(good) // 2])
    junk = os.path.join(d, "notes.kicad_sch")
    with open(junk, "w", encoding="utf-8") as f:
        f.write("These are my notes, not a schematic.\n")
    return {"truncated": trunc, "junk": junk}


# --------------------------------------------------------------------------- tokens

def test_count_tokens_cl100k():
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert count_tokens("<|endoftext|>") > 1          # special tokens count as text


# --------------------------------------------------------------------------- basics

def test_version_and_help():
    r = run(["--version"])
    assert r.exit_code == 0 and __version__ in r.stdout
    r = run(["--help"])
    assert r.exit_code == 0 and "encode" in r.stdout


@needs_fixture
def test_single_file_stdout(tmp_path):
    r = run(["encode", FIXTURE])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("# TOKN v1")
    assert r.stdout == encode_file(FIXTURE)


@needs_fixture
def test_single_file_subprocess(tmp_path):
    p = run_sub(["encode", FIXTURE])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("# TOKN v1")
    assert "Traceback" not in p.stderr


def _entry(how: str, args: list[str]) -> tuple[int, str, str]:
    """(status, stdout, stderr) of ``tokn ARGS`` through ``tokn.cli.run`` (the console
    script) or straight through the click group ``main``."""
    code = {"run": "from tokn.cli import run; run(prog_name='tokn')",
            "click": "from tokn.cli import main; main(prog_name='tokn')"}[how]
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


@needs_fixture
def test_encode_without_click_answers_as_click_does(tmp_path):
    """``tokn encode FILE`` skips click (tokn.cli.quick); output, messages and status are
    the click command's, for a good file, bad files and the command lines it declines."""
    bad = _bad_files(str(tmp_path / "bad"))
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(FIXTURE, d / "a.kicad_sch")
    cases = [[FIXTURE], [bad["truncated"]], [bad["junk"]], [str(d)], [str(tmp_path / "missing.kicad_sch")],
             ["-h"], ["--bogus"]]
    for args in cases:
        assert _entry("run", ["encode", *args]) == _entry("click", ["encode", *args]), args
    code = ("import sys, atexit; atexit.register(lambda: print('click' in sys.modules, file=sys.stderr)); "
            "from tokn.cli import run; run()")
    p = subprocess.run([sys.executable, "-c", code, "encode", FIXTURE], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout == encode_file(FIXTURE) and p.stderr.strip() == "False"


@needs_fixture
def test_single_file_output_option(tmp_path):
    out = tmp_path / "sub" / "x.tokn"
    r = run(["encode", FIXTURE, "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8") == encode_file(FIXTURE)
    # -o an existing directory: <stem>.tokn inside it
    r = run(["encode", FIXTURE, "-o", str(tmp_path)])
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "j3_two_junctions.tokn").exists()


@needs_fixture
def test_single_file_jsonl_stdout():
    r = run(["encode", "--format", "jsonl", FIXTURE])
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["sha256"] == _sha(FIXTURE) and rec["tokn"].startswith("# TOKN v1")


# --------------------------------------------------------------------------- corpus

@needs_shared
def test_single_design_with_sub_sheets(corpus):
    top = str(corpus / "mjuart" / TOP["mjuart"])
    r = run(["encode", top])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("# TOKN v1")
    assert "sheets[" in r.stdout                 # sub-sheets were pulled in


@pytest.mark.parametrize("bom,newline", [(False, "\r\n"), (True, "\n"), (True, "\r\n")],
                         ids=["crlf", "bom", "bom+crlf"])
def test_files_saved_by_windows_editors_encode_the_same(corpus, bom, newline):
    """Sheets (and sym-lib-table / project files) with Windows line endings or a UTF-8
    byte-order mark, as an editor or a git checkout may leave them, give the same document
    (KiCad 9 itself refuses a schematic with a byte-order mark; tokn reads it)."""
    top = str(corpus / "irtoy" / TOP["irtoy"])
    want = run(["encode", top]).stdout
    for name in os.listdir(corpus / "irtoy"):
        path = corpus / "irtoy" / name
        if name.endswith((".kicad_sch", ".kicad_pro")) or name == "sym-lib-table":
            text = path.read_text(encoding="utf-8").replace("\n", newline)
            path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    r = run(["encode", top])
    assert r.exit_code == 0, r.stderr
    assert r.stdout == want


@needs_shared
def test_directory_to_tokn_dir(corpus, tmp_path):
    out = tmp_path / "out"
    r = run(["encode", str(corpus), "-o", str(out), "--stats"])
    assert r.exit_code == 0, r.stderr
    got = sorted(os.path.relpath(p, out) for p in glob.glob(str(out / "**" / "*.tokn"), recursive=True))
    want = sorted(os.path.join(n, os.path.splitext(t)[0] + ".tokn") for n, t in TOP.items())
    assert got == want                           # top-level sheets only, mirrored paths
    for n, t in TOP.items():
        text = (out / n / (os.path.splitext(t)[0] + ".tokn")).read_text(encoding="utf-8")
        assert text == encode_file(str(corpus / n / t))
    assert "3 ok, 0 failed" in r.stderr and "MB/s" in r.stderr


@needs_shared
def test_glob_selects_top_level(corpus, tmp_path):
    out = tmp_path / "out"
    r = run(["encode", str(corpus / "**" / "*.kicad_sch"), "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    names = sorted(os.path.basename(p) for p in glob.glob(str(out / "**" / "*.tokn"), recursive=True))
    assert names == sorted(os.path.splitext(t)[0] + ".tokn" for t in TOP.values())
    assert not glob.glob(str(out / "**" / "ft231x.tokn"), recursive=True)


@needs_shared
def test_glob_without_match_is_usage_error(tmp_path):
    r = run(["encode", str(tmp_path / "*.kicad_sch"), "--format", "jsonl"])
    assert r.exit_code == 2


@needs_shared
def test_named_sub_sheet_is_encoded_as_given(corpus):
    # A file named explicitly is the user's choice, even a sub-sheet.
    r = run(["encode", str(corpus / SUB_SHEETS[0])])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("# TOKN v1")


def _check_records(lines: list[str], corpus, source_tokens: bool = False) -> dict[str, dict]:
    recs = {}
    for line in lines:
        rec = json.loads(line)
        assert set(rec) == {"source", "sha256", "design_sha256", "files", "title", "licence",
                            "licence_confidence", "licence_source", "kicad_version", "generator",
                            "generator_version", "tokn_version", "tokens", "kicad_tokens", "tokn", "warnings"}
        src = rec["source"]
        assert os.path.isfile(src)
        assert rec["sha256"] == _sha(src)
        assert isinstance(rec["kicad_version"], int) and rec["kicad_version"] > 20200000
        assert rec["generator"] and isinstance(rec["generator_version"], str)
        assert rec["tokn_version"] == __version__
        assert rec["tokn"] == encode_file(src)
        assert rec["tokens"] == count_tokens(rec["tokn"])
        assert isinstance(rec["warnings"], list)
        recs[os.path.basename(src)] = rec
    mj = recs[TOP["mjuart"]]
    names = ("mjuart.kicad_sch", "ft231x.kicad_sch", "power_input.kicad_sch")
    sheets = [corpus / "mjuart" / f for f in names]
    assert mj["files"] == sorted(names)
    assert mj["licence"] is None and mj["licence_confidence"] == 0.0      # no licence file: unknown
    if source_tokens:       # kicad_tokens counts every sheet of the design
        assert mj["kicad_tokens"] == sum(count_tokens(p.read_text(encoding="utf-8")) for p in sheets)
        assert mj["tokens"] < mj["kicad_tokens"]
    else:
        assert mj["kicad_tokens"] is None
    return recs


@needs_shared
def test_jsonl_records(corpus, tmp_path):
    out = tmp_path / "corpus.jsonl"
    r = run(["encode", str(corpus), "-o", str(out), "--source-tokens"])   # format inferred from .jsonl
    assert r.exit_code == 0, r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    recs = _check_records(lines, corpus, source_tokens=True)
    assert sorted(recs) == sorted(TOP.values())


@needs_shared
def test_jsonl_to_stdout(corpus):
    r = run(["encode", "--format", "jsonl", str(corpus / "flash"), str(corpus / "irtoy")])
    assert r.exit_code == 0, r.stderr
    srcs = [json.loads(x)["source"] for x in r.stdout.splitlines()]
    assert [os.path.basename(s) for s in srcs] == [TOP["flash"], TOP["irtoy"]]   # argument order


@needs_shared
def test_jobs_2_same_output(corpus, tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run(["encode", str(corpus), "-o", str(a)]).exit_code == 0
    r = run(["encode", str(corpus), "-o", str(b), "--jobs", "2"])
    assert r.exit_code == 0, r.stderr
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")   # same order too
    r = run(["encode", str(corpus), "-o", str(tmp_path / "dir"), "-j", "0"])
    assert r.exit_code == 0, r.stderr
    assert len(glob.glob(str(tmp_path / "dir" / "**" / "*.tokn"), recursive=True)) == 3


@needs_shared
def test_resume_jsonl(corpus, tmp_path):
    out = tmp_path / "c.jsonl"
    r = run(["encode", str(corpus / "mjuart"), str(corpus / "flash"), "-o", str(out)])
    assert r.exit_code == 0, r.stderr
    first = out.read_text(encoding="utf-8")
    # simulate an interrupted earlier run: a torn last line
    with open(out, "a", encoding="utf-8") as f:
        f.write('{"source": "half a rec')
    r = run(["encode", str(corpus), "-o", str(out), "--resume", "--stats"])
    assert r.exit_code == 0, r.stderr
    assert "1 ok, 0 failed, 2 skipped" in r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith(first)
    lines = text.splitlines()
    assert len(lines) == 3
    _check_records(lines, corpus)
    # nothing left to do
    r = run(["encode", str(corpus), "-o", str(out), "--resume", "--stats"])
    assert "0 ok, 0 failed, 3 skipped" in r.stderr
    assert out.read_text(encoding="utf-8") == text


@needs_shared
def test_resume_dir(corpus, tmp_path):
    out = tmp_path / "out"
    assert run(["encode", str(corpus), "-o", str(out)]).exit_code == 0
    r = run(["encode", str(corpus), "-o", str(out), "--resume", "--stats"])
    assert "0 ok, 0 failed, 3 skipped" in r.stderr
    # touching a sub-sheet makes its design stale
    future = time.time() + 5
    os.utime(corpus / SUB_SHEETS[1], (future, future))
    r = run(["encode", str(corpus), "-o", str(out), "--resume", "--stats"])
    assert r.exit_code == 0, r.stderr
    assert "1 ok, 0 failed, 2 skipped" in r.stderr


# --------------------------------------------------------------------------- errors

def _assert_error_lines(stderr: str, bad: dict[str, str]) -> None:
    assert "Traceback" not in stderr
    lines = [x for x in stderr.splitlines() if ERROR_LINE.match(x)]
    for path in bad.values():
        mine = [x for x in lines if x.startswith(path + ":")]
        assert len(mine) == 1, (path, stderr)


@needs_shared
def test_bad_files_reported_and_run_goes_on(corpus, tmp_path):
    bad = _bad_files(str(corpus / "broken"))
    out = tmp_path / "out"
    errs = tmp_path / "errors.json"
    r = run(["encode", str(corpus), "-o", str(out), "--errors-json", str(errs), "--stats"])
    assert r.exit_code == 1
    _assert_error_lines(r.stderr, bad)
    assert "3 ok, 2 failed" in r.stderr
    assert len(glob.glob(str(out / "**" / "*.tokn"), recursive=True)) == 3   # good ones written
    report = json.loads(errs.read_text(encoding="utf-8"))
    assert sorted(e["source"] for e in report) == sorted(bad.values())
    for e in report:
        assert e["line"] >= 1 and e["col"] >= 1 and not e["internal"]
        assert ERROR_LINE.match(e["message"])
    # same through the console script, with two jobs and JSONL
    p = run_sub(["encode", str(corpus), "-o", str(tmp_path / "c.jsonl"), "-j", "2"])
    assert p.returncode == 1
    _assert_error_lines(p.stderr, bad)
    assert len((tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.skipif(not os.path.exists(FIXTURE) and not os.path.isdir(FILES), reason="no schematic")
def test_single_bad_file_one_line(tmp_path):
    bad = _bad_files(str(tmp_path))
    for path in bad.values():
        p = run_sub(["encode", path])
        assert p.returncode == 1
        assert p.stdout == ""
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and ERROR_LINE.match(lines[0]) and lines[0].startswith(path + ":"), p.stderr


@needs_fixture
def test_internal_error_is_one_line(monkeypatch):
    import tokn.encode

    def boom(path, detail="full", kicad=None):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(tokn.encode, "encode_design", boom)
    r = run(["encode", FIXTURE])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"{FIXTURE}: RuntimeError: kaboom (internal error, please report)"


@needs_fixture
def test_usage_errors_exit_2(tmp_path):
    assert run(["encode"]).exit_code == 2                                    # no input
    assert run(["encode", str(tmp_path / "missing.kicad_sch")]).exit_code == 2
    assert run(["encode", "--format", "yaml", FIXTURE]).exit_code == 2
    assert run(["encode", "--jobs", "-1", FIXTURE]).exit_code == 2
    assert run(["encode", "--resume", FIXTURE]).exit_code == 2               # resume needs -o
    d = tmp_path / "d"
    d.mkdir()
    shutil.copy(FIXTURE, d / "a.kicad_sch")
    shutil.copy(FIXTURE, d / "b.kicad_sch")
    assert run(["encode", str(d)]).exit_code == 2                            # corpus needs -o
    assert run(["encode", str(d), "--format", "jsonl", "-o", str(d)]).exit_code == 2
    assert run(["nosuchcommand"]).exit_code == 2
    assert run_sub(["encode", "--bogus", FIXTURE]).returncode == 2


@needs_fixture
def test_a_project_file_or_a_folder_of_one_design_is_that_design(tmp_path):
    """``tokn encode board.kicad_pro`` encodes the project's root schematic (as KiCad opens
    it), ``tokn encode board/`` a folder holding one design prints its TOKN; a project file
    without its schematic is a usage error naming both."""
    d = tmp_path / "board"
    d.mkdir()
    shutil.copy(FIXTURE, d / "board.kicad_sch")
    (d / "board.kicad_pro").write_text("{}\n", encoding="utf-8")
    want = run(["encode", str(d / "board.kicad_sch")])
    assert want.exit_code == 0 and want.stdout.startswith("# TOKN v1")
    for arg in (d / "board.kicad_pro", d):
        r = run(["encode", str(arg)])
        assert (r.exit_code, r.stdout) == (0, want.stdout), arg
    assert run_sub(["encode", str(d / "board.kicad_pro")]).stdout == want.stdout     # the quick path
    (d / "other.kicad_pro").write_text("{}\n", encoding="utf-8")
    r = run(["encode", str(d / "other.kicad_pro")])
    assert r.exit_code == 2 and "other.kicad_sch is not beside it" in r.stderr
    # a glob: project files stand for their schematics; a board-only project is no error
    r = run(["encode", str(tmp_path / "*" / "*.kicad_pro")])
    assert (r.exit_code, r.stdout) == (0, want.stdout)


# --------------------------------------------------------------------------- discovery

def test_top_level_discovery(tmp_path):
    """Sub-sheets (new and old property names, sub-directories) are left out of a
    directory scan; a .kicad_pro beside a referenced sheet makes it top-level again."""
    from tokn.sources import expand

    def sch(rel: str, *refs: str, old: bool = False) -> None:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        key = "Sheet file" if old else "Sheetfile"
        body = "".join(f'  (sheet (property "Sheetname" "s{i}") (property "{key}" "{r}"))\n'
                       for i, r in enumerate(refs))
        p.write_text(f"(kicad_sch (version 20231120)\n{body})\n", encoding="utf-8")

    sch("a/top.kicad_sch", "sub/child.kicad_sch", "power.kicad_sch")
    sch("a/sub/child.kicad_sch", "../leaf.kicad_sch", old=True)
    sch("a/leaf.kicad_sch")
    sch("a/power.kicad_sch")
    sch("b/main.kicad_sch", "shared.kicad_sch")
    sch("b/shared.kicad_sch")
    (tmp_path / "b" / "shared.kicad_pro").write_text("{}", encoding="utf-8")
    sch("c/lonely.kicad_sch")
    srcs, corpus = expand([str(tmp_path)])
    got = sorted(os.path.relpath(s.path, tmp_path) for s in srcs)
    assert got == ["a/top.kicad_sch", "b/main.kicad_sch", "b/shared.kicad_sch", "c/lonely.kicad_sch"]
    assert corpus
    srcs, _ = expand([str(tmp_path / "**" / "*.kicad_sch")])
    assert sorted(os.path.relpath(s.path, tmp_path) for s in srcs) == got
    srcs, corpus = expand([str(tmp_path / "a" / "leaf.kicad_sch")])       # named: taken as is
    assert len(srcs) == 1 and not corpus


# --------------------------------------------------------------------------- issue 12 fixes

MIT_TEXT = """MIT License

Copyright (c) 2024 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""

LEGACY_SCH = "EESchema Schematic File Version 4\nEELAYER 30 0\nEELAYER END\n$Descr A4 11693 8268\n$EndDescr\n$EndSCHEMATC\n"


@needs_shared
def test_resume_jsonl_keyed_on_every_sheet(corpus, tmp_path):
    out = tmp_path / "c.jsonl"
    assert run(["encode", str(corpus), "-o", str(out)]).exit_code == 0
    before = {json.loads(x)["source"]: json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()}
    # an edited sub-sheet (same root bytes) makes its design stale: re-encoded, record replaced
    sub = corpus / SUB_SHEETS[1]
    sub.write_text(sub.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    r = run(["encode", str(corpus), "-o", str(out), "--resume", "--stats"])
    assert r.exit_code == 0, r.stderr
    assert "1 ok, 0 failed, 2 skipped" in r.stderr
    after = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(after) == 3 and len({a["source"] for a in after}) == 3        # replaced, not added
    mj = next(a for a in after if a["source"].endswith(TOP["mjuart"]))
    assert mj["sha256"] == before[mj["source"]]["sha256"]                     # root unchanged
    assert mj["design_sha256"] != before[mj["source"]]["design_sha256"]
    # an edited root: same, one record for the design
    root = corpus / "flash" / TOP["flash"]
    root.write_text(root.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    r = run(["encode", str(corpus), "-o", str(out), "--resume", "--stats"])
    assert "1 ok, 0 failed, 2 skipped" in r.stderr
    after = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(after) == 3
    fl = [a for a in after if a["source"].endswith(TOP["flash"])]
    assert len(fl) == 1 and fl[0]["sha256"] == _sha(str(root))


@needs_shared
def test_tokn_outputs_have_normal_permissions(corpus, tmp_path):
    old = os.umask(0o022)
    try:
        assert run(["encode", str(corpus), "-o", str(tmp_path / "out")]).exit_code == 0
        assert run(["encode", str(corpus / "flash" / TOP["flash"]), "-o", str(tmp_path / "one.tokn")]).exit_code == 0
    finally:
        os.umask(old)
    files = glob.glob(str(tmp_path / "out" / "**" / "*.tokn"), recursive=True) + [str(tmp_path / "one.tokn")]
    assert len(files) == 4
    for f in files:
        assert os.stat(f).st_mode & 0o777 == 0o644, f


@needs_shared
def test_kicad5_files_are_reported(corpus, tmp_path):
    (corpus / "old").mkdir()
    (corpus / "old" / "board.sch").write_text(LEGACY_SCH, encoding="utf-8")
    (corpus / "old" / "eagle.sch").write_text('<?xml version="1.0"?>\n<eagle/>\n', encoding="utf-8")
    (corpus / "flash" / "flash-sop-rev3.sch").write_text(LEGACY_SCH, encoding="utf-8")   # converted: a note
    r = run(["encode", str(corpus), "-o", str(tmp_path / "c.jsonl"), "--errors-json", str(tmp_path / "e.json")])
    assert r.exit_code == 1
    assert f"{corpus / 'old' / 'board.sch'}: KiCad 5 schematic (.sch) format is not supported" in r.stderr
    assert "eagle.sch" not in r.stderr
    assert "note:" in r.stderr and "superseded by its KiCad 6+ conversion flash-sop-rev3.kicad_sch" in r.stderr
    errs = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert [e["source"] for e in errs] == [str(corpus / "old" / "board.sch")]
    assert len((tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()) == 3     # nothing lost
    # named on the command line: one error line with file, line and column
    r = run(["encode", str(corpus / "old" / "board.sch")])
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"{corpus / 'old' / 'board.sch'}:1:1: KiCad 5 schematic (.sch) format is not "
                                "supported: open it in KiCad 6 or later and save it as .kicad_sch")


@needs_shared
def test_jsonl_licence_field(corpus, tmp_path):
    (corpus / "flash" / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    out = tmp_path / "c.jsonl"
    assert run(["encode", str(corpus), "-o", str(out)]).exit_code == 0
    recs = {os.path.basename(json.loads(x)["source"]): json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()}
    assert (recs[TOP["flash"]]["licence"], recs[TOP["flash"]]["licence_source"]) == ("MIT", "LICENSE")
    assert recs[TOP["flash"]]["licence_confidence"] >= 0.9
    assert recs[TOP["irtoy"]]["licence"] is None          # the licence of a sibling project is not its own
    # the generate corpus reader takes it
    from tokn.generate.fewshot import load_corpus
    assert {e.licence for e in load_corpus(str(out))} == {"MIT", ""}


# ---- whose connectivity rules ------------------------------------------------------------

MARKUP = os.path.join(os.path.dirname(__file__), "fixtures", "connectivity", "bus_group_markup")


def _net_names(tokn_text: str) -> set[str]:
    from tokn.doc import parse_tokn
    return {n.name for n in parse_tokn(tokn_text).nets if len(n.pins) > 1}


@pytest.mark.parametrize("file_format,option,net", [
    ("20250114", "auto", "/Sub/B.X"),        # a KiCad 9 file: KiCad 9 drops markup in bus members
    ("20260306", "auto", "/Sub/B.~{X}"),     # a KiCad 10 file: KiCad 10 keeps it
    ("20250114", "10", "/Sub/B.~{X}"),
    ("20260306", "9", "/Sub/B.X"),
])
def test_kicad_option_chooses_the_connectivity_rules(tmp_path, file_format, option, net):
    """`--kicad auto` reads a file with the rules of the KiCad that saved it (its format
    version); 9 or 10 choose (fixture bus_group_markup: B{~{X} Y} across a sheet pin)."""
    for name in ("root.kicad_sch", "sub.kicad_sch"):
        with open(os.path.join(MARKUP, name), encoding="utf-8") as f:
            text = f.read().replace("(version 20250114)", f"(version {file_format})")
        (tmp_path / name).write_text(text, encoding="utf-8")
    r = run(["encode", str(tmp_path / "root.kicad_sch"), "--kicad", option, "--detail", "nets"])
    assert r.exit_code == 0, r.output
    assert net in _net_names(r.stdout)


@needs_fixture
@pytest.mark.parametrize("enabled", [True, False])
def test_encode_job_pauses_the_collector_while_writing(monkeypatch, tmp_path, enabled):
    """The collector stays paused while the TOKN text is written and the record built
    (collections there would walk the whole design and document), and is restored after
    the job, whatever it was, also when the job fails; nested pauses are no-ops."""
    import gc

    from tokn import tokens
    from tokn.cli import encode_job
    from tokn.doc import writer
    from tokn.gcpause import collector_paused

    seen = []
    write, count = writer.write_tokn, tokens.count_tokens

    def spy_write(doc, **kw):
        seen.append(("write", gc.isenabled()))
        return write(doc, **kw)

    def spy_count(text):
        seen.append(("count", gc.isenabled()))
        return count(text)

    monkeypatch.setattr(writer, "write_tokn", spy_write)
    monkeypatch.setattr(tokens, "count_tokens", spy_count)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        oc = encode_job.encode_one(encode_job.Task(FIXTURE, None, True))
        assert oc.ok and seen == [("write", False), ("count", False)] and gc.isenabled() is enabled
        bad = tmp_path / "bad.kicad_sch"
        bad.write_text("(kicad_sch (version 20231120)", encoding="utf-8")
        assert not encode_job.encode_one(encode_job.Task(str(bad))).ok and gc.isenabled() is enabled
        with collector_paused():
            with collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_workers_start_with_the_encoder_and_the_token_counter(monkeypatch):
    """Before a pool of forked workers starts, the parent imports the encoder and builds the
    token counter (when records are made), so that every worker starts with them."""
    import multiprocessing

    from tokn import tokens
    from tokn.cli import encode_cmd

    calls = []
    monkeypatch.setattr(tokens, "cl100k_encoder", lambda: calls.append(1))
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda *a, **k: "spawn")
    encode_cmd._preload(True)
    assert calls == []                                  # spawned workers would not inherit it
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda *a, **k: "fork")
    encode_cmd._preload(False)
    assert calls == [] and "tokn.encode" in sys.modules and "tokn.doc.writer" in sys.modules
    encode_cmd._preload(True)
    assert calls == [1]


def test_standard_input_is_refused_with_the_reason():
    """``tokn encode -``: a schematic is read from its file (sub-sheets and project beside it)."""
    r = CliRunner().invoke(main, ["encode", "-"], input="(kicad_sch)")
    assert r.exit_code == 2
    assert "'-' (standard input) is not read" in r.output and "give the .kicad_sch file" in r.output
