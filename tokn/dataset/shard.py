"""The unit of work: encode one shard of designs and write its files (a pure function of
its :class:`ShardSpec`, safe to run twice).

:func:`process_shard` writes, under ``<out>/work/``:

* ``shard-NNNNN.jsonl`` -- one design record per encoded design (:mod:`tokn.dataset.record`);
* ``shard-NNNNN.pairs.jsonl`` -- instruction pairs (:mod:`tokn.dataset.instructions`);
* ``shard-NNNNN.errors.jsonl`` -- one line per design that failed;
* ``shard-NNNNN.done`` -- the completion marker, written last, holding the shard's
  :meth:`ShardSpec.key` and its counts (records, pairs, errors, candidate pairs dropped
  by reason).

Each file is written whole through a temporary file and a rename, the marker after the
others, so a shard interrupted at any point (process killed, machine lost) leaves no marker
and is simply run again; running a shard twice (a retried task) rewrites the same bytes.
Nothing is appended anywhere, so nothing is ever duplicated.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..fsutil import write_atomic
from .plan import ShardSpec


@dataclass(frozen=True)
class ShardResult:
    index: int
    records: int
    pairs: int
    errors: int
    skipped: bool = False           # already complete (marker with the same key)


def work_dir(out: str) -> str:
    return os.path.join(out, "work")


def paths(out: str, spec_name: str) -> dict[str, str]:
    """The files of shard ``spec_name`` under dataset directory ``out``."""
    base = os.path.join(work_dir(out), spec_name)
    return {"records": base + ".jsonl", "pairs": base + ".pairs.jsonl",
            "errors": base + ".errors.jsonl", "done": base + ".done"}


def is_complete(out: str, spec: ShardSpec) -> bool:
    """True when ``spec``'s marker exists and names the same key (same inputs, options)."""
    try:
        with open(paths(out, spec.name)["done"], encoding="utf-8") as f:
            return json.load(f).get("key") == spec.key()
    except (OSError, ValueError, AttributeError):
        return False


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in rows)


def _error_row(item, exc: BaseException) -> dict:
    """One error-report row: where (file, line, col) and what, on one line."""
    from ..errors import ToknError
    line = col = None
    internal = False
    if isinstance(exc, ToknError):
        if exc.path is None:
            exc.path = item.root
        msg, line, col = str(exc), exc.line, exc.col
    elif isinstance(exc, (OSError, UnicodeError)):
        where = getattr(exc, "filename", None) or item.root
        msg = f"{where}: {getattr(exc, 'strerror', None) or exc}"
    else:
        internal = True
        msg = f"{item.root}: {type(exc).__name__}: {exc} (internal error, please report)"
    return {"source": item.root, "repository": item.repository, "path": item.path, "id": item.id,
            "message": " ".join(msg.split()), "type": type(exc).__name__, "line": line, "col": col,
            "kind": "internal" if internal else "encode"}


def process_shard(spec: ShardSpec, out: str, force: bool = False) -> ShardResult:
    """Encode every design of ``spec`` and write the shard's files under ``out``.

    Skips the work (``skipped=True``) when the shard is already complete, unless ``force``.
    Never raises for a bad design (it becomes an error row); raises ``OSError`` only when
    the output cannot be written.
    """
    if not force and is_complete(out, spec):
        with open(paths(out, spec.name)["done"], encoding="utf-8") as f:
            m = json.load(f)
        return ShardResult(spec.index, m["records"], m["pairs"], m["errors"], True)
    from .record import encode_record
    records: list[dict] = []
    pairs: list[dict] = []
    errors: list[dict] = []
    dropped: dict[str, int] = {}
    opts = spec.options
    for item in spec.items:
        try:
            rec, result = encode_record(item, opts.detail, opts.source_tokens)
            if opts.instructions:
                from .instructions import design_pairs
                pairs.extend(design_pairs(rec, result, opts.max_pair_tokens, dropped))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:          # noqa: BLE001 - reported per design
            errors.append(_error_row(item, e))
            continue
        records.append(rec)
    p = paths(out, spec.name)
    write_atomic(p["records"], _jsonl(records))
    write_atomic(p["pairs"], _jsonl(pairs))
    write_atomic(p["errors"], _jsonl(errors))
    write_atomic(p["done"], json.dumps({"key": spec.key(), "records": len(records), "pairs": len(pairs),
                                        "errors": len(errors), "pairs_dropped": dropped}) + "\n")
    return ShardResult(spec.index, len(records), len(pairs), len(errors))


def marker(out: str, spec_name: str) -> dict:
    """The completion marker's content (raises ``OSError``/``ValueError`` if absent/bad)."""
    with open(paths(out, spec_name)["done"], encoding="utf-8") as f:
        return json.load(f)


def read_jsonl(path: str) -> list[dict]:
    """Rows of a shard file (written whole, so every line is complete)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
