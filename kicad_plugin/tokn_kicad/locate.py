"""Where the open schematic lives on disk.

KiCad 9.0 and 10.0 tell the plugin only the schematic's file name.  :func:`find_schematic`
looks for that name, in this order:

1. ``TOKN_PLUGIN_SCHEMATIC`` (an explicit path, for tests and odd set-ups);
2. ``KIPRJMOD``: KiCad sets it to the open project's folder and plugins inherit KiCad's
   environment;
3. the working folder and command line of the KiCad process that started the plugin
   (Linux ``/proc``);
4. the schematic editor's and project manager's recent-file lists (``eeschema.json``,
   ``kicad.json`` in KiCad's config folder: 10.0's, then 9.0's), newest first.

It returns the first existing file of that name, or None (the dialog then lets the user
choose it).  Only the saved file is read: unsaved edits in the editor are not seen.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Iterable, Mapping, Optional


#: KiCad versions whose config folders are searched for recent files, newest first.
CONFIG_VERSIONS = ("10.0", "9.0")


def kicad_config_dir(environ: Mapping[str, str], version: str = "9.0") -> str:
    """KiCad's user config folder for ``version`` (``KICAD_CONFIG_HOME`` overrides the part
    before the version)."""
    base = environ.get("KICAD_CONFIG_HOME")
    if not base:
        if sys.platform == "win32":
            base = os.path.join(environ.get("APPDATA", ""), "kicad")
        elif sys.platform == "darwin":
            base = os.path.expanduser("~/Library/Preferences/kicad")
        else:
            base = os.path.join(environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "kicad")
    return os.path.join(base, version)


def _history(config_dir: str) -> list[str]:
    out: list[str] = []
    for name in ("eeschema.json", "kicad.json"):
        try:
            with open(os.path.join(config_dir, name), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        system = data.get("system") or {}
        for key in ("file_history", "open_projects"):
            vals = system.get(key) or data.get(key) or []
            out += [v for v in vals if isinstance(v, str)]
    return out


def _parent_hints(pid: int) -> list[str]:
    """Working folder and file arguments of process ``pid`` (Linux only)."""
    hints: list[str] = []
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
        hints.append(cwd)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        hints += [a if os.path.isabs(a) else os.path.join(cwd, a) for a in args[1:]]
    except OSError:
        pass
    return hints


def candidates(name: str, environ: Optional[Mapping[str, str]] = None,
               parent_pid: Optional[int] = None) -> Iterable[str]:
    """Paths that may be the open schematic ``name``, best first (may not exist)."""
    env = os.environ if environ is None else environ
    if env.get("TOKN_PLUGIN_SCHEMATIC"):
        yield env["TOKN_PLUGIN_SCHEMATIC"]
    if env.get("KIPRJMOD"):
        yield os.path.join(env["KIPRJMOD"], name)
    for hint in _parent_hints(os.getppid() if parent_pid is None else parent_pid):
        if os.path.basename(hint) == name:
            yield hint
        yield os.path.join(hint if os.path.isdir(hint) else os.path.dirname(hint), name)
    history = [h for v in CONFIG_VERSIONS for h in _history(kicad_config_dir(env, v))]
    for h in history:
        if os.path.basename(h) == name:
            yield h
        elif h.endswith(".kicad_pro"):
            yield os.path.join(os.path.dirname(h), name)


def find_schematic(name: str, environ: Optional[Mapping[str, str]] = None,
                   parent_pid: Optional[int] = None) -> Optional[str]:
    """Absolute path of the open schematic ``name`` (see the module doc), or None."""
    for c in candidates(name, environ, parent_pid):
        if os.path.basename(c) == name and os.path.isfile(c):
            return os.path.abspath(c)
    return None
