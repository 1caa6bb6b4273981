"""The unit of work: encode one shard of designs and write its files (a pure function of
its :class:`ShardSpec`, safe to run twice).

:func:`process_shard` writes, under ``<out>/work/``:

* ``shard-NNNNN.jsonl`` -- one design record per encoded design (:mod:`tokn.dataset.record`);
* ``shard-NNNNN.pairs.jsonl`` -- instruction pairs (:mod:`tokn.dataset.instructions`);
* ``shard-NNNNN.errors.jsonl`` -- one line per design that failed, and with descriptions
  (``spec.describe``) one line per pair left without one (``kind`` ``describe``);
* ``shard-NNNNN.done`` -- the completion marker, written last, holding the shard's
  :meth:`ShardSpec.key` and its counts (records, pairs, errors, candidate pairs dropped
  by reason; with descriptions, ``describe``: the model, the pairs described and those
  left without -- not whether a description came from the cache, so a rerun on a full
  cache writes the same bytes).

With descriptions, every pair gets ``request_llm`` (:mod:`tokn.dataset.describe`); a shard
with a pair left without one is not complete for resuming, so the next run redoes it (its
other descriptions then come from the cache) and asks again for the missing ones.

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
    descriptions: dict | None = None    # with descriptions, this run's: asked, cached, failed


def work_dir(out: str) -> str:
    return os.path.join(out, "work")


def paths(out: str, spec_name: str) -> dict[str, str]:
    """The files of shard ``spec_name`` under dataset directory ``out``."""
    base = os.path.join(work_dir(out), spec_name)
    return {"records": base + ".jsonl", "pairs": base + ".pairs.jsonl",
            "errors": base + ".errors.jsonl", "done": base + ".done"}


def is_complete(out: str, spec: ShardSpec) -> bool:
    """True when ``spec``'s marker exists, names the same key (same inputs, options) and
    left no pair without its description."""
    try:
        with open(paths(out, spec.name)["done"], encoding="utf-8") as f:
            m = json.load(f)
        return m.get("key") == spec.key() and not (m.get("describe") or {}).get("failed")
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


def _describe_error_row(item, pair: dict, exc: BaseException) -> dict:
    """The error-report row of a pair left without description (``kind`` ``describe``)."""
    from .describe import failure_message
    return {"source": item.root, "repository": item.repository, "path": item.path, "id": item.id,
            "message": failure_message(item.root, pair, exc), "type": type(exc).__name__, "line": None,
            "col": None, "kind": "describe"}


def _design_rows(item, opts, dropped: dict[str, int]) -> tuple[dict, list[dict]]:
    """The record of ``item`` and its instruction pairs (none unless ``opts.instructions``).

    The cyclic garbage collector stays paused until the design and its document are freed
    (:mod:`tokn.gcpause`, as ``tokn encode`` does per design): collections in between walk
    the whole design again and again.  Raises what :func:`~.record.encode_record` raises."""
    from ..gcpause import collector_paused
    from .record import encode_record
    with collector_paused():
        rec, result = encode_record(item, opts.detail, opts.source_tokens)
        pairs: list[dict] = []
        if opts.instructions:
            from .instructions import design_pairs
            pairs = design_pairs(rec, result, opts.max_pair_tokens, dropped)
        del result
    return rec, pairs


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
    records: list[dict] = []
    pairs: list[dict] = []
    errors: list[dict] = []
    dropped: dict[str, int] = {}
    opts = spec.options
    describer = counts = None
    if spec.describe is not None and opts.instructions:
        from .describe import Counts, Describer
        describer, counts = Describer(spec.describe), Counts()
    try:
        for item in spec.items:
            new: list[dict] = []
            try:
                rec, new = _design_rows(item, opts, dropped)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:          # noqa: BLE001 - reported per design
                errors.append(_error_row(item, e))
                continue
            if describer is not None and new:
                from .describe import describe_pairs
                from .instructions import pair_title
                by_id = {pr["id"]: pr for pr in new}
                for f in describe_pairs(new, pair_title(rec), describer, counts):
                    errors.append(_describe_error_row(item, by_id[f.pair_id], f.error))
            pairs.extend(new)
            records.append(rec)
    finally:
        if describer is not None:
            describer.close()
    p = paths(out, spec.name)
    write_atomic(p["records"], _jsonl(records))
    write_atomic(p["pairs"], _jsonl(pairs))
    write_atomic(p["errors"], _jsonl(errors))
    done = {"key": spec.key(), "records": len(records), "pairs": len(pairs), "errors": len(errors),
            "pairs_dropped": dropped}
    if counts is not None:
        # what the output holds, not how it was had (asked or cached): the same bytes either way
        done["describe"] = {"model": spec.describe.settings.model, "described": counts.asked + counts.cached,
                            "failed": counts.failed}
    write_atomic(p["done"], json.dumps(done) + "\n")
    return ShardResult(spec.index, len(records), len(pairs), len(errors),
                       descriptions=counts.as_dict() if counts is not None else None)


def marker(out: str, spec_name: str) -> dict:
    """The completion marker's content (raises ``OSError``/``ValueError`` if absent/bad)."""
    with open(paths(out, spec_name)["done"], encoding="utf-8") as f:
        return json.load(f)


def read_jsonl(path: str) -> list[dict]:
    """Rows of a shard file (written whole, so every line is complete)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
