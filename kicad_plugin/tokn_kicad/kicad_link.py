"""What the plugin asks KiCad over the IPC API (kicad-python 0.6.0 to 0.8.x; KiCad 9.0 and 10.0).

KiCad 9.0.x's schematic editor answers only ``GetOpenDocuments`` (the schematic's file
name, no folder); the project manager also answers ``GetVersion`` and
``GetKiCadBinaryPath``.  KiCad 10.0.7's schematic editor adds ``BeginCommit``/``EndCommit``
and ``CreateItems``, but rejects every schematic item type (``ISC_INVALID_TYPE``) and does
not answer ``GetItems``, ``RunAction`` or ``ParseAndCreateItemsFromString``
(scripts/probe_kicad_api.py, docs/plugin.md): it can neither insert items nor show the open
sheet.  So nothing here edits the schematic: insertion goes through the clipboard
(:mod:`.clipboard`) on both versions.

:func:`connect` returns a :class:`KiCadSession` or raises :class:`KiCadUnavailable` with
a message for the user (API server off, plugin not started by KiCad, no schematic open).
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from typing import Any, Optional

from . import messages


class KiCadUnavailable(Exception):
    """KiCad cannot be used; ``str()`` is a message for the user."""


@dataclass
class KiCadSession:
    """A connection to the KiCad that started the plugin.  ``schematic_name`` is the open
    schematic's file name (``board_filename`` of the document; no folder in 9.0.x)."""
    kicad: Any
    schematic_name: str

    def version(self) -> str:
        """KiCad's version, or "" when this KiCad does not answer (standalone eeschema)."""
        try:
            return str(self.kicad.get_version())
        except Exception:           # noqa: BLE001 - ApiError/ConnectionError: not answered
            return ""

    def binary_path(self, name: str) -> Optional[str]:
        """Full path of a KiCad program (e.g. ``kicad-cli``), from KiCad when it answers,
        else from PATH and the usual install folders."""
        try:
            path = self.kicad.get_kicad_binary_path(name)
            if path and os.path.exists(path):
                return path
        except Exception:           # noqa: BLE001 - not answered by standalone eeschema
            pass
        return find_binary(name)


def find_binary(name: str) -> Optional[str]:
    """``name`` on PATH, beside this KiCad's executables, or in KiCad's default locations."""
    found = shutil.which(name)
    if found:
        return found
    exe = name + (".exe" if sys.platform == "win32" and not name.endswith(".exe") else "")
    candidates = []
    if sys.platform == "win32":
        for base in (os.environ.get("ProgramFiles", r"C:\Program Files"), os.environ.get("ProgramW6432", "")):
            if base:
                candidates += [os.path.join(base, "KiCad", v, "bin", exe) for v in ("10.0", "9.0")]
    elif sys.platform == "darwin":
        candidates.append(f"/Applications/KiCad/KiCad.app/Contents/MacOS/{exe}")
    else:
        candidates += [f"/usr/bin/{exe}", f"/usr/local/bin/{exe}"]
    return next((c for c in candidates if os.path.exists(c)), None)


def connect(timeout_ms: int = 5000) -> KiCadSession:
    """Connect to the KiCad that launched this process and find the open schematic.

    Raises :class:`KiCadUnavailable` (with a user message) when kicad-python is missing, the
    API socket is not reachable, or no schematic is open.
    """
    if not os.environ.get("KICAD_API_SOCKET"):
        raise KiCadUnavailable(messages.NOT_FROM_KICAD)
    try:
        from kipy import KiCad
        from kipy.errors import ApiError, ConnectionError as KiConnectionError
        from kipy.proto.common.types import DocumentType
    except ImportError as e:
        raise KiCadUnavailable(messages.API_DISABLED.format(
            detail=f"kicad-python is not installed in the plugin's environment ({e})")) from None
    try:
        kicad = KiCad(timeout_ms=timeout_ms)
        docs = kicad.get_open_documents(DocumentType.DOCTYPE_SCHEMATIC)
    except KiConnectionError as e:
        raise KiCadUnavailable(messages.API_DISABLED.format(detail=str(e))) from None
    except ApiError as e:
        # "no handler available": the schematic editor is not running in this KiCad
        raise KiCadUnavailable(messages.NO_SCHEMATIC + f"\n\n(KiCad said: {e})") from None
    names = [d.board_filename for d in docs if d.board_filename]
    if not names:
        raise KiCadUnavailable(messages.NO_SCHEMATIC)
    return KiCadSession(kicad, names[0])
