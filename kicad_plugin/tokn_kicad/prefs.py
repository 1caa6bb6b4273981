"""The plugin's own choices (not generation settings): remembered per user.

Stored as JSON in ``kicad-plugin.json`` beside tokn's config file (see
:func:`tokn.generate.config.config_dir`).  Generation settings -- endpoint, model, few-shot
count, grounding -- live in tokn's ``config.toml`` and the API key in tokn's private key
file, shared with the ``tokn generate`` command.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

FILE = "kicad-plugin.json"


@dataclass
class PluginPrefs:
    """``unannotated``: leave references as ``R?`` for KiCad's annotation instead of
    renumbering them; ``autopaste``: press Ctrl+V in the editor automatically (X11);
    ``last_prompt``: the last request, offered again next time."""
    unannotated: bool = False
    autopaste: bool = True
    last_prompt: str = ""


def prefs_path() -> str:
    from tokn.generate.config import config_dir
    return os.path.join(config_dir(), FILE)


def load() -> PluginPrefs:
    """The saved choices (defaults when there are none or the file is unreadable)."""
    try:
        with open(prefs_path(), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return PluginPrefs()
    known = {f.name: f.type for f in fields(PluginPrefs)}
    kept = {k: v for k, v in data.items() if k in known and isinstance(v, type(getattr(PluginPrefs(), k)))}
    return PluginPrefs(**kept)


def save(prefs: PluginPrefs) -> str:
    """Write ``prefs``; returns the path."""
    path = prefs_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(asdict(prefs), f, indent=2)
    os.replace(tmp, path)
    return path
