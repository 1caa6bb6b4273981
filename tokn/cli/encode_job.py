"""Encoding one top-level schematic: the unit of work of ``tokn encode`` (picklable).

:func:`encode_one` never raises for a bad input: failures come back in the
:class:`Outcome` as one error line, so a corpus run goes on.  It is a module-level
function so that :class:`concurrent.futures.ProcessPoolExecutor` can run it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Task:
    """What to do with one schematic.

    ``source``: path of the top-level ``.kicad_sch``.  ``out``: TOKN file to write (None:
    return the text instead).  ``record``: build the JSONL record (counts tokens).
    """
    source: str
    out: str | None = None
    record: bool = False
    detail: str = "full"                  # see tokn.encode.encode_design
    source_tokens: bool = False           # record: also count the .kicad_sch files' tokens
    licence_stop: str | None = None       # record: look for licence files up to this directory
    kicad: int | None = None              # whose connectivity rules (None: the file's KiCad)


@dataclass
class Outcome:
    """The result of encoding one design in a worker: text or error, record, sizes, warnings."""
    source: str
    ok: bool
    error: str = ""                       # one line ``path:line:col: message``
    error_info: dict | None = None
    text: str | None = None               # TOKN text when Task.out is None and not record
    record: dict | None = None            # JSONL record when Task.record
    bytes_in: int = 0                     # size of all the design's sheet files
    warnings: list[str] = field(default_factory=list)
    tokens: int = 0
    kicad_tokens: int = 0


_LICENCES: dict = {}


def _licence(directory: str, stop: str | None):
    """Licence of the project in ``directory`` (memoised per process)."""
    from ..dataset.licence import detect_licence
    key = (directory, stop)
    if key not in _LICENCES:
        _LICENCES[key] = detect_licence(directory, stop)
    return _LICENCES[key]


def encode_one(task: Task) -> Outcome:
    """Encode ``task.source`` and write / return the result; see :class:`Task`.

    The cyclic garbage collector is paused until the design and its document are freed
    again (:mod:`tokn.gcpause`): collections while the text is written, or right after
    :func:`~tokn.encode.encode_design` returns, would walk all of them (the corpus's 34
    designs in one process: collections took 0.10-0.11 s before, 0.05-0.08 s with this
    and the reader's fewer objects, on a moderately loaded machine)."""
    from ..gcpause import collector_paused
    with collector_paused():
        return _encode_or_report(task)


def _encode_or_report(task: Task) -> Outcome:
    """:func:`_encode`, with a failure reported in the outcome (see :func:`encode_one`)."""
    from .common import error_info, error_line
    try:
        return _encode(task)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:          # noqa: BLE001 - reported per file, never raised
        if os.environ.get("TOKN_DEBUG"):
            import traceback
            traceback.print_exc()
        return Outcome(task.source, False, error_line(e, task.source), error_info(e, task.source))


def _encode(task: Task) -> Outcome:
    from ..doc.writer import write_tokn
    from ..encode import encode_design

    result = encode_design(task.source, task.detail, kicad=task.kicad)
    text = write_tokn(result.document)
    files = list(result.design.files) or [os.path.abspath(task.source)]
    bytes_in = sum(os.path.getsize(p) for p in files)
    outcome = Outcome(task.source, True, bytes_in=bytes_in, warnings=list(result.warnings))
    if task.record:
        from .. import __version__
        from ..dataset.fingerprint import design_digest, sha256_file
        from ..tokens import count_tokens
        kicad_tokens = None
        if task.source_tokens:
            kicad_tokens = 0
            for p in files:
                with open(p, encoding="utf-8", newline="") as f:
                    kicad_tokens += count_tokens(f.read())
        root = result.design.root
        outcome.tokens = count_tokens(text)
        outcome.kicad_tokens = kicad_tokens or 0
        digests = {p: sha256_file(p) for p in files}
        lic = _licence(os.path.dirname(os.path.abspath(task.source)), task.licence_stop)
        outcome.record = {
            "source": task.source,
            "sha256": digests.get(os.path.abspath(task.source)) or sha256_file(task.source),
            "design_sha256": design_digest(task.source, digests.values()),
            "files": sorted(os.path.relpath(p, os.path.dirname(os.path.abspath(task.source))).replace(os.sep, "/")
                            for p in files),
            "title": result.document.title,
            "licence": lic.spdx,
            "licence_confidence": lic.confidence,
            "licence_source": lic.source,
            "kicad_version": root.version,
            "generator": root.generator,
            "generator_version": root.generator_version,
            "tokn_version": __version__,
            "tokens": outcome.tokens,
            "kicad_tokens": kicad_tokens,
            "tokn": text,
            "warnings": list(result.warnings),
        }
    if task.out is not None:
        from .common import write_text_atomic
        write_text_atomic(task.out, text)
    elif not task.record:
        outcome.text = text
    return outcome
