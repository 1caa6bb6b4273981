"""A trace of what the plugin did: a log file for troubleshooting and, for tests, a status file.

:func:`trace` appends one line to the log (``<user cache dir>/tokn/kicad-plugin.log``;
``TOKN_PLUGIN_LOG`` overrides) and, when ``TOKN_PLUGIN_STATUS`` names a file, one JSON
object per line to it (``{"stage": ..., "time": ..., ...}``), which the end-to-end test
reads.  Tracing never raises and never records the API key.
"""
from __future__ import annotations

import json
import os
import time
from typing import Any


def log_path() -> str:
    if os.environ.get("TOKN_PLUGIN_LOG"):
        return os.environ["TOKN_PLUGIN_LOG"]
    try:
        import platformdirs
        base = platformdirs.user_cache_dir("tokn", appauthor=False)
    except ImportError:
        import tempfile
        base = os.path.join(tempfile.gettempdir(), "tokn")
    return os.path.join(base, "kicad-plugin.log")


def _append(path: str, line: str) -> None:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError:
        pass


def trace(stage: str, **data: Any) -> None:
    """Record that the plugin reached ``stage`` (with JSON-able ``data``)."""
    record = {"stage": stage, "time": round(time.time(), 3), **data}
    line = json.dumps(record, default=str)
    _append(log_path(), line)
    status = os.environ.get("TOKN_PLUGIN_STATUS")
    if status:
        _append(status, line)
