"""The cache of LLM-written pair descriptions (``tokn dataset --describe``).

One JSON file per description, ``<dir>/<k[:2]>/<k>.json`` holding ``{"model", "text"}``,
where ``k`` is :func:`cache_key` of the model name and the exact messages sent (the prompt
text), so a rerun, a resumed run or another dataset built with the same model and prompt
finds every description already made and sends nothing.

Contract:

* Entries are written whole through a temporary file in the same directory and a rename
  (:func:`tokn.fsutil.write_atomic`): a reader never sees a partial entry, and concurrent
  writers (local worker processes, Ray tasks on several nodes sharing the directory) need
  no lock -- each writes its own temporary file and the last rename wins with an equally
  valid entry.
* An entry that cannot be read, is not JSON, or names another model is a miss (never an
  error): the description is asked for again and the entry rewritten.
* Only accepted (cleaned) descriptions are stored; a failed or rejected answer is not, so
  the next run asks again.
"""
from __future__ import annotations

import hashlib
import json
import os

from ..fsutil import write_atomic


def cache_key(model: str, messages: list[dict[str, str]]) -> str:
    """SHA-256 hex digest of the model name and the messages (roles and texts, in order)."""
    blob = json.dumps({"model": model, "messages": messages}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class DescriptionCache:
    """Descriptions by :func:`cache_key` under directory ``root`` (created on first write)."""

    def __init__(self, root: str) -> None:
        self.root = root

    def path(self, key: str) -> str:
        return os.path.join(self.root, key[:2], key + ".json")

    def get(self, key: str, model: str) -> str | None:
        """The description stored under ``key`` for ``model``, or None (a miss)."""
        try:
            with open(self.path(key), encoding="utf-8") as f:
                entry = json.load(f)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("model") != model:
            return None
        text = entry.get("text")
        return text if isinstance(text, str) and text else None

    def put(self, key: str, model: str, text: str) -> None:
        """Store ``text``; raises ``OSError`` when the directory cannot be written."""
        write_atomic(self.path(key), json.dumps({"model": model, "text": text}, ensure_ascii=False) + "\n")
