"""Reading JSONL files (prompt sets, encoded corpora) with errors that name file and line."""
from __future__ import annotations

import json
from typing import Any, Iterator

from ..errors import GenerationError


def iter_jsonl(path: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, record)`` for every non-blank line of ``path``.

    Raises :class:`GenerationError` (with path and line) for a line that is not JSON;
    OSError propagates for an unreadable file.
    """
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except ValueError:
                raise GenerationError(f"line {n} is not JSON", path, n) from None
