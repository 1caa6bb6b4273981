"""The KiCad plugin's non-GUI modules (kicad_plugin/tokn_kicad): finding the open schematic,
the clipboard and Ctrl+V helpers, the preview, the remembered choices, KiCad connection
messages, and a whole request (generation -> fragment -> preview) against the scripted
OpenAI-compatible server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from tokn.generate.config import Settings
from tokn.kicad import kicad_cli

from .conftest import CORPUS
from tokn.testing.llm_server import MockLLMServer, Reply

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "kicad_plugin"))
from tokn_kicad import clipboard, kicad_link, locate, messages, prefs, preview, session  # noqa: E402

FLASH_SOP = os.path.join(CORPUS, "files", "DangerousPrototypes__BusPirate5-hardware", "adapter-flash-sop-1REV3",
                         "flash-sop-rev3.kicad_sch")
ANSWER = """\
# TOKN v1
title: 5V regulator

components[3]{ref,type,value,fp}:
  U1,LM7805_TO220,LM7805,
  C1,C,330n,
  C2,C,100n,

nets[3]{name,pins}:
  VIN_12V,"U1.1,C1.1"
  GND,"U1.2,C1.2,C2.2"
  +5V,"U1.3,C2.1"
"""


@pytest.fixture(autouse=True)
def private_config(tmp_path, monkeypatch):
    """Every test gets its own tokn config folder and plugin log."""
    monkeypatch.setenv("TOKN_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("TOKN_PLUGIN_LOG", str(tmp_path / "plugin.log"))
    monkeypatch.delenv("TOKN_PLUGIN_STATUS", raising=False)
    for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "TOKN_MODEL", "TOKN_CONFIG"):
        monkeypatch.delenv(k, raising=False)


# ---- locate -----------------------------------------------------------------------------------

def test_locate_prefers_kiprjmod(tmp_path):
    (tmp_path / "proj").mkdir()
    sch = tmp_path / "proj" / "board.kicad_sch"
    sch.write_text("(kicad_sch)")
    env = {"KIPRJMOD": str(tmp_path / "proj"), "KICAD_CONFIG_HOME": str(tmp_path / "kc")}
    assert locate.find_schematic("board.kicad_sch", env, parent_pid=os.getpid()) == str(sch)
    assert locate.find_schematic("other.kicad_sch", env, parent_pid=os.getpid()) is None


def test_locate_uses_kicads_file_history(tmp_path):
    sch = tmp_path / "elsewhere" / "amp.kicad_sch"
    sch.parent.mkdir()
    sch.write_text("(kicad_sch)")
    cfg = tmp_path / "kc" / "9.0"
    cfg.mkdir(parents=True)
    (cfg / "eeschema.json").write_text(json.dumps({"system": {"file_history": ["/nope/x.kicad_sch", str(sch)]}}))
    env = {"KICAD_CONFIG_HOME": str(tmp_path / "kc")}
    assert locate.find_schematic("amp.kicad_sch", env, parent_pid=os.getpid()) == str(sch)
    # an explicit path wins
    other = tmp_path / "amp.kicad_sch"
    other.write_text("(kicad_sch)")
    env["TOKN_PLUGIN_SCHEMATIC"] = str(other)
    assert locate.find_schematic("amp.kicad_sch", env, parent_pid=os.getpid()) == str(other)


def test_locate_reads_kicad_10s_file_history_too(tmp_path):
    sch = tmp_path / "ten" / "amp.kicad_sch"
    sch.parent.mkdir()
    sch.write_text("(kicad_sch)")
    cfg = tmp_path / "kc" / "10.0"
    cfg.mkdir(parents=True)
    (cfg / "eeschema.json").write_text(json.dumps({"system": {"file_history": [str(sch)]}}))
    env = {"KICAD_CONFIG_HOME": str(tmp_path / "kc")}
    assert locate.find_schematic("amp.kicad_sch", env, parent_pid=os.getpid()) == str(sch)


def test_locate_uses_the_parent_process_working_folder(tmp_path):
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc")
    sch = tmp_path / "here.kicad_sch"
    sch.write_text("(kicad_sch)")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], cwd=str(tmp_path))
    try:
        env = {"KICAD_CONFIG_HOME": str(tmp_path / "kc")}
        assert locate.find_schematic("here.kicad_sch", env, parent_pid=child.pid) == str(sch)
    finally:
        child.kill()
        child.wait()


# ---- clipboard --------------------------------------------------------------------------------

class FakeRun:
    """Records commands; ``fail`` maps a program/sub-command to an exception or return code."""

    def __init__(self, stdout: str = "", fail: dict | None = None):
        self.calls: list[list[str]] = []
        self.stdout = stdout
        self.fail = fail or {}

    def __call__(self, cmd, **kw):
        self.calls.append(list(cmd))
        key = cmd[1] if cmd[0] == "xdotool" else cmd[0]
        err = self.fail.get(key)
        if isinstance(err, Exception):
            raise err
        return subprocess.CompletedProcess(cmd, err or 0, self.stdout if kw.get("capture_output") else None, "")


def test_copy_prefers_a_persistent_tool(monkeypatch):
    monkeypatch.setattr(clipboard.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(clipboard.sys, "platform", "linux")
    run = FakeRun()
    got = clipboard.copy("(lib_symbols)", {"DISPLAY": ":1"}, run=run, use_wx=False)
    assert got == clipboard.Copied("xclip", True)
    assert run.calls == [["xclip", "-selection", "clipboard", "-in"]]
    run = FakeRun()
    got = clipboard.copy("x", {"DISPLAY": ":1", "WAYLAND_DISPLAY": "wayland-0"}, run=run, use_wx=False)
    assert got.tool == "wl-copy"


def test_copy_falls_back_and_explains(monkeypatch):
    monkeypatch.setattr(clipboard.sys, "platform", "linux")
    monkeypatch.setattr(clipboard.shutil, "which", lambda name: None if name == "xclip" else f"/usr/bin/{name}")
    run = FakeRun(fail={"xsel": subprocess.CalledProcessError(1, "xsel")})
    with pytest.raises(clipboard.ClipboardError) as e:
        clipboard.copy("x", {"DISPLAY": ":1"}, run=run, use_wx=False)
    assert "xclip (not installed)" in str(e.value) and "xsel" in str(e.value)
    with pytest.raises(clipboard.ClipboardError):
        clipboard.copy("x", {}, run=FakeRun(), use_wx=False)


def test_autopaste_with_and_without_window_manager(monkeypatch):
    monkeypatch.setattr(clipboard.shutil, "which", lambda name: f"/usr/bin/{name}")
    env = {"DISPLAY": ":1"}
    run = FakeRun(stdout="4242\n")
    assert clipboard.autopaste("my-board.kicad_sch", env, run=run)
    assert run.calls[0] == ["xdotool", "search", "--name", "my-board.*Schematic Editor"]
    assert run.calls[-1] == ["xdotool", "key", "--clearmodifiers", "Escape", "ctrl+v"]
    run = FakeRun(stdout="4242\n", fail={"windowactivate": 1})        # no window manager
    assert clipboard.autopaste("a.b(1).kicad_sch", env, run=run)
    assert run.calls[0][-1] == r"a\.b\(1\).*Schematic Editor"
    assert run.calls[-1] == ["xdotool", "key", "--window", "4242", "Escape", "ctrl+v"]
    assert not clipboard.autopaste("x.kicad_sch", env, run=FakeRun(stdout=""))        # no editor window
    assert not clipboard.autopaste("x.kicad_sch", {"WAYLAND_DISPLAY": "w", "DISPLAY": ":1"}, run=FakeRun())


# ---- preview, prefs, messages ----------------------------------------------------------------

def test_crop_svg_sets_the_view_box():
    svg = ('<?xml version="1.0"?>\n<svg\n  xmlns="http://www.w3.org/2000/svg"\n  width="297.0022mm" '
           'height="210.0072mm" viewBox="0.0000 0.0000 297.0022 210.0072">\n<g/></svg>\n')
    out = preview.crop_svg(svg, (10.0, 20.0, 50.0, 40.0), margin=5)
    assert 'viewBox="5.0000 15.0000 50.0000 30.0000"' in out
    assert 'width="50.0000mm"' in out and 'height="30.0000mm"' in out and "<g/>" in out
    assert preview.svg_size_px((0, 0, 90, 40), 200, 200, margin=5) == (200, 100)


def test_prefs_round_trip_and_bad_files(tmp_path):
    assert prefs.load() == prefs.PluginPrefs()
    path = prefs.save(prefs.PluginPrefs(unannotated=True, autopaste=False, last_prompt="an LED"))
    assert path.startswith(str(tmp_path / "cfg"))
    assert prefs.load() == prefs.PluginPrefs(True, False, "an LED")
    with open(path, "w") as f:
        f.write('{"unannotated": "yes", "unknown": 1, "last_prompt": "x"}')
    assert prefs.load() == prefs.PluginPrefs(last_prompt="x")
    with open(path, "w") as f:
        f.write("not json")
    assert prefs.load() == prefs.PluginPrefs()


def test_connect_explains_missing_kicad(monkeypatch, tmp_path):
    monkeypatch.delenv("KICAD_API_SOCKET", raising=False)
    with pytest.raises(kicad_link.KiCadUnavailable) as e:
        kicad_link.connect()
    assert str(e.value) == messages.NOT_FROM_KICAD
    monkeypatch.setenv("KICAD_API_SOCKET", f"ipc://{tmp_path}/nobody-listens.sock")
    with pytest.raises(kicad_link.KiCadUnavailable) as e:
        kicad_link.connect(timeout_ms=500)
    assert "Enable KiCad API" in str(e.value)


def test_find_binary_on_path():
    assert kicad_link.find_binary("sh") is not None
    assert kicad_link.find_binary("surely-not-a-kicad-tool") is None


# ---- a whole request ---------------------------------------------------------------------------

def test_settings_saved_for_the_user(tmp_path):
    files = session.save_settings("http://127.0.0.1:9/v1/", "qwen", 3, False, api_key="sk-test-123456")
    s = session.load_settings()
    assert (s.base_url, s.model, s.fewshot_k, s.grounding, s.api_key) == ("http://127.0.0.1:9/v1", "qwen", 3,
                                                                          False, "sk-test-123456")
    assert all(f.startswith(str(tmp_path / "cfg")) for f in files)
    with open(files[0]) as f:
        assert "sk-test" not in f.read()
    if sys.platform != "win32":
        assert oct(os.stat(files[1]).st_mode & 0o777) == "0o600"


def test_no_endpoint_is_explained(tmp_path):
    s = Settings()                       # api.openai.com without a key
    assert not session.endpoint_configured(s)
    out = session.run_job("an LED", s, None, False, str(tmp_path))
    assert out.error == messages.NO_ENDPOINT and not out.ok


def test_request_to_fragment_and_preview(tmp_path):
    progress = []
    with MockLLMServer([Reply("Sure:\n" + ANSWER)]) as srv:
        s = Settings(base_url=srv.base_url, model="mock", erc="off")
        out = session.run_job("5V regulator from 12V with an LM7805", s,
                              FLASH_SOP if os.path.exists(FLASH_SOP) else None, False, str(tmp_path),
                              on_progress=progress.append)
    assert out.ok, (out.error, out.refusal)
    assert {p.stage for p in progress} >= {"request", "check", "done"}
    frag = out.fragment
    assert frag.text.startswith("(lib_symbols")
    if os.path.exists(FLASH_SOP):
        assert frag.refs == {"U1": "U1", "C1": "C3", "C2": "C4"}
        assert "C1->C3" in session.summary(frag)
    assert "GND" in session.summary(frag) and "VIN_12V" in session.summary(frag)
    if kicad_cli.available():
        # the only note: the prose line before the document ("Sure:") was left out, and said so
        assert out.notes == [messages.FIXED_NOTE.format(n=1)] or not os.path.exists(FLASH_SOP)
        assert out.svg and os.path.exists(out.svg)
        png = tmp_path / "p.png"
        assert preview.svg_to_png(out.svg, str(png), 400, 100) in ("wx", "rsvg-convert", "convert", "cairosvg", None)
    else:
        assert out.svg is None and any("picture" in n for n in out.notes)


def test_unknown_schematic_folder_is_noted(tmp_path):
    with MockLLMServer([Reply(ANSWER)]) as srv:
        out = session.run_job("x", Settings(base_url=srv.base_url, model="m", erc="off"), None, True, str(tmp_path))
    assert out.ok and messages.SCHEMATIC_UNKNOWN in out.notes
    assert set(out.fragment.refs.values()) == {"U?", "C?"}
    with MockLLMServer([Reply(ANSWER)]) as srv:
        out = session.run_job("x", Settings(base_url=srv.base_url, model="m", erc="off"),
                              str(tmp_path / "missing.kicad_sch"), False, str(tmp_path))
    assert out.ok and any("Could not read" in n for n in out.notes)


def test_changes_made_to_the_answer_are_noted_and_listed_in_checks(tmp_path):
    messy = "```tokn\n" + ANSWER.replace("components[3]", "components[2]").replace('"U1.1,C1.1"', '"U1.VI,C1.1"') + "```\n"
    with MockLLMServer([Reply(messy)]) as srv:
        out = session.run_job("x", Settings(base_url=srv.base_url, model="m", erc="off"), None, True, str(tmp_path))
    assert out.ok
    fixed = sorted(f.code for f in out.findings if f.severity == "fixed")
    assert fixed == ["code-fence", "pin-name", "row-count"]
    assert messages.FIXED_NOTE.format(n=3) in out.notes


def test_model_failures_become_messages(tmp_path):
    with MockLLMServer([Reply(status=401, error_body={"error": {"message": "Incorrect API key provided."}})]) as srv:
        out = session.run_job("x", Settings(base_url=srv.base_url, model="m", api_key="bad", max_retries=0,
                                            erc="off"), None, False, str(tmp_path))
    assert out.error and out.error.startswith(messages.MODEL_FAILED.split("{")[0]) and not out.ok
    with MockLLMServer([Reply("I cannot draw circuits."), Reply("Still no.")]) as srv:
        out = session.run_job("x", Settings(base_url=srv.base_url, model="m", max_rounds=2, erc="off"), None,
                              False, str(tmp_path))
    assert out.refusal and out.fragment is None and not out.ok


def test_cancel(tmp_path):
    cancel = threading.Event()
    with MockLLMServer([Reply(ANSWER, delay=5)]) as srv:
        threading.Timer(0.3, cancel.set).start()
        out = session.run_job("x", Settings(base_url=srv.base_url, model="m", erc="off"), None, False,
                              str(tmp_path), cancel=cancel)
    assert out.cancelled and not out.ok


def test_status_trace_for_tests(tmp_path, monkeypatch):
    from tokn_kicad.status import trace
    monkeypatch.setenv("TOKN_PLUGIN_STATUS", str(tmp_path / "st.jsonl"))
    trace("dialog", title="t")
    trace("prompt", prompt="p")
    recs = [json.loads(x) for x in (tmp_path / "st.jsonl").read_text().splitlines()]
    assert [r["stage"] for r in recs] == ["dialog", "prompt"]
    assert (tmp_path / "plugin.log").read_text().count("\n") == 2
