"""Start-up: connect to KiCad, find the open schematic, show the window.

:func:`main` returns the process exit status: 0 after the window closed normally, 1 when
KiCad could not be used (the user saw why), 2 when wxPython is missing.
"""
from __future__ import annotations

import os
import sys
import tempfile
import traceback
from typing import Optional

from . import TITLE, kicad_link, locate, messages, prefs
from .status import log_path, trace


def _message(text: str, error: bool = True) -> None:
    import wx
    wx.MessageBox(text, TITLE, wx.ICON_ERROR if error else wx.ICON_INFORMATION)


def main(argv: Optional[list[str]] = None) -> int:
    trace("start", pid=os.getpid(), python=sys.executable, version=sys.version.split()[0],
          kiprjmod=os.environ.get("KIPRJMOD", ""), cwd=os.getcwd())
    try:
        import wx
    except ImportError as e:
        trace("error", kind="no-wx", message=str(e))
        print(f"{TITLE}: wxPython is not available to the plugin's Python ({e}).", file=sys.stderr)
        return 2
    app = wx.App(False)
    app.SetAppName("tokn-kicad")
    try:
        return _run(app)
    except Exception as e:              # noqa: BLE001 - last resort: tell the user, log the rest
        trace("error", kind="crash", message=repr(e), tb=traceback.format_exc())
        _message(f"Unexpected error: {type(e).__name__}: {e}\n\nLog: {log_path()}")
        return 1


def _run(app) -> int:
    try:
        kicad = kicad_link.connect()
    except kicad_link.KiCadUnavailable as e:
        trace("error", kind="kicad", message=str(e))
        _message(str(e))
        return 1
    path = locate.find_schematic(kicad.schematic_name)
    cli = kicad.binary_path("kicad-cli")
    if cli and not os.environ.get("KICAD_CLI"):
        os.environ["KICAD_CLI"] = cli
    trace("connected", schematic=kicad.schematic_name, path=path, kicad_cli=cli, kicad=kicad.version())

    from tokn.generate.config import ConfigError
    from . import session
    settings_error = ""
    try:
        settings = session.load_settings()
    except ConfigError as e:
        settings_error = f"Your tokn settings could not be read ({e}); using defaults."
        from tokn.generate.config import Settings
        settings = Settings()

    from .dialog import Context, GenerateFrame
    workdir = tempfile.mkdtemp(prefix="tokn-kicad-")
    ctx = Context(kicad.schematic_name, path, settings, prefs.load(), workdir, settings_error)
    frame = GenerateFrame(ctx)
    frame.Show()
    frame.Raise()
    trace("dialog", title=frame.GetTitle(), endpoint_configured=session.endpoint_configured(settings))
    app.MainLoop()
    return 0


__all__ = ["main", "messages"]
