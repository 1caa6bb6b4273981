"""Helpers shared by the ``tokn`` subcommands: one-line error messages, atomic writes,
the number of CPUs a worker pool may use.

Contract of every subcommand: an input problem is reported as exactly one line
``path:line:col: message`` on stderr (no traceback) and the exit status is 1; an
unexpected exception is reported as one line naming the exception type followed by
``(internal error, please report)``.  Usage errors are click's (exit status 2).
"""
from __future__ import annotations

import os
import sys

from ..errors import ToknError
from ..fsutil import write_atomic

INTERNAL = "(internal error, please report)"


def error_line(exc: BaseException, path: str | None = None) -> str:
    """One line describing ``exc`` raised while processing input ``path``.

    :class:`ToknError` gives ``path:line:col: message`` (its own path when it has one,
    e.g. a sub-sheet, else ``path``); :class:`OSError` gives ``path: strerror``; anything
    else gives ``path: Type: message (internal error, please report)``.  Newlines in
    messages are folded so the result is always a single line.
    """
    if isinstance(exc, ToknError):
        if exc.path is None and path is not None:
            exc.path = path
        msg = str(exc)
    elif isinstance(exc, (OSError, UnicodeError)) and not isinstance(exc, MemoryError):
        where = getattr(exc, "filename", None) or path or "<input>"
        detail = getattr(exc, "strerror", None) or str(exc)
        if isinstance(exc, UnicodeError):
            detail = f"not a UTF-8 text file ({exc})"
        msg = f"{where}: {detail}"
    else:
        detail = str(exc)
        msg = f"{path or '<input>'}: {type(exc).__name__}{': ' + detail if detail else ''} {INTERNAL}"
    return " ".join(msg.split("\n"))


def error_info(exc: BaseException, path: str) -> dict:
    """JSON-able description of a per-file failure (for ``--errors-json``)."""
    return {
        "source": path,
        "message": error_line(exc, path),
        "type": type(exc).__name__,
        "path": getattr(exc, "path", None) if isinstance(exc, ToknError) else path,
        "line": getattr(exc, "line", None),
        "col": getattr(exc, "col", None),
        "internal": not isinstance(exc, (ToknError, OSError, UnicodeError)),
    }


def write_text_atomic(path: str, text: str) -> None:
    """Write ``text`` (UTF-8, newlines untouched) to ``path`` via a temporary file + rename.

    Parent directories are created.  A reader never sees a partially written file.
    """
    write_atomic(path, text)


def write_stdout(text: str) -> None:
    """Write ``text`` to stdout as UTF-8 bytes (exact, whatever the locale)."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        out.write(text.encode("utf-8"))
    sys.stdout.flush()


def cpu_count() -> int:
    """CPUs this process may run on (its affinity where the platform says, else all): the
    ``-j 0`` worker count of ``tokn encode`` and ``tokn dataset``."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
