"""Small file-system helpers shared by all layers (:mod:`tempfile` is imported on first
write: ``tokn encode FILE`` to stdout never needs it)."""
from __future__ import annotations

import os


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a reader never
    sees a partial file.  Text is written as UTF-8 with newlines untouched; parent
    directories are created.  The file gets mode ``0666 & ~umask`` (0644 under the usual
    umask), as a plain ``open()`` would give it, not ``mkstemp``'s 0600."""
    import tempfile
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tokn-", suffix=".tmp", dir=d)
    try:
        os.chmod(tmp, 0o666 & ~_umask())    # mkstemp makes 0600; give what open() would
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
