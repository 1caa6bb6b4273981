"""Putting the paste fragment on the system clipboard, and (X11) pressing Ctrl+V for the user.

:func:`copy` tries, in order: ``wl-copy`` (Wayland), ``xclip`` then ``xsel`` (X11) -- these
keep serving the text after the plugin exits -- and finally wx's clipboard (Windows and
macOS keep it after exit; on Linux it lives only while the plugin runs, which
:attr:`Copied.persistent` tells).  It raises :class:`ClipboardError` when none works.

:func:`autopaste` (X11 with xdotool only) sends Escape and Ctrl+V to the schematic editor
window: the pasted items then follow the mouse until the user clicks.  It returns False
when it cannot, and the dialog asks the user to press Ctrl+V instead.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

Runner = Callable[..., subprocess.CompletedProcess]


class ClipboardError(Exception):
    """No clipboard could take the text; ``str()`` says what was tried."""


@dataclass
class Copied:
    """How the text was copied: ``tool`` (``wl-copy``, ``xclip``, ``xsel``, ``wx``) and whether
    the clipboard keeps it after the plugin exits."""
    tool: str
    persistent: bool


def _commands(environ) -> list[tuple[str, list[str]]]:
    out = []
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        if environ.get("WAYLAND_DISPLAY"):
            out.append(("wl-copy", ["wl-copy", "--type", "text/plain"]))
        if environ.get("DISPLAY"):
            out.append(("xclip", ["xclip", "-selection", "clipboard", "-in"]))
            out.append(("xsel", ["xsel", "--clipboard", "--input"]))
    return out


def copy(text: str, environ=None, run: Runner = subprocess.run, use_wx: bool = True) -> Copied:
    """Put ``text`` on the clipboard (see the module doc)."""
    env = os.environ if environ is None else environ
    tried = []
    for tool, cmd in _commands(env):
        if not shutil.which(cmd[0]):
            tried.append(f"{tool} (not installed)")
            continue
        try:
            # the tool forks a server that keeps the selection: keep it off our pipes
            run(cmd, input=text.encode("utf-8"), check=True, timeout=10,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return Copied(tool, True)
        except (OSError, subprocess.SubprocessError) as e:
            tried.append(f"{tool} ({e})")
    if use_wx:
        try:
            import wx
            if wx.TheClipboard.Open():
                try:
                    ok = wx.TheClipboard.SetData(wx.TextDataObject(text))
                    wx.TheClipboard.Flush()
                finally:
                    wx.TheClipboard.Close()
                if ok:
                    persistent = not (sys.platform.startswith("linux") or sys.platform.startswith("freebsd"))
                    return Copied("wx", persistent)
            tried.append("wx (clipboard busy)")
        except ImportError:
            tried.append("wx (not available)")
    raise ClipboardError("; ".join(tried) or "no clipboard tool for this system")


def editor_windows(schematic_name: str, run: Runner = subprocess.run) -> list[str]:
    """X window ids of the schematic editor showing ``schematic_name`` (xdotool search)."""
    stem = re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", os.path.splitext(schematic_name)[0])
    r = run(["xdotool", "search", "--name", f"{stem}.*Schematic Editor"],
            capture_output=True, text=True, timeout=10)
    return r.stdout.split()


def can_autopaste(environ=None) -> bool:
    env = os.environ if environ is None else environ
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY") and shutil.which("xdotool") is not None


def autopaste(schematic_name: str, environ=None, run: Runner = subprocess.run) -> bool:
    """Send Escape, Ctrl+V to the schematic editor (X11 + xdotool); True when sent."""
    if not can_autopaste(environ):
        return False
    try:
        wins = editor_windows(schematic_name, run)
        if not wins:
            return False
        win = wins[0]
        # With a window manager: raise the editor and type through XTEST (what a person does).
        act = run(["xdotool", "windowactivate", "--sync", win], capture_output=True, text=True, timeout=5)
        if act.returncode == 0 and "fail" not in (act.stderr or "").lower():
            run(["xdotool", "key", "--clearmodifiers", "Escape", "ctrl+v"], check=True, timeout=10)
        else:
            # No window manager (e.g. Xvfb): deliver the keys to the window directly.
            run(["xdotool", "key", "--window", win, "Escape", "ctrl+v"], check=True, timeout=10)
        return True
    except (OSError, subprocess.SubprocessError):
        return False
