"""``tokn encode``: KiCad schematics -> TOKN text, one design or a whole corpus.

Single design: ``tokn encode board.kicad_sch`` prints TOKN on stdout (``-o FILE`` writes
it); the sub-sheets are pulled in.  Corpus: several files, directories (top-level sheets
only, see :mod:`tokn.sources`) or quoted globs, written as one ``.tokn`` per design
under ``-o DIR`` (mirroring relative paths) or as JSONL records (``--format jsonl``,
stdout or ``-o FILE.jsonl``).  A failing file is reported as one line on stderr (and in
``--errors-json``) and the run goes on; the exit status is then 1.

Heavy modules (tqdm, concurrent.futures, the tokenizer) are imported only when needed, so
encoding one design to stdout starts fast.  ``TOKN_DEBUG=1`` prints the traceback of a
failing file as well.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Iterable, Iterator, TextIO

import click

from .common import cpu_count, write_stdout
from .encode_job import Outcome, Task, encode_one
from ..sources import InputError, RefIndex, Source, common_root, expand, mirror_path


def _run(tasks: list[Task], jobs: int) -> Iterator[Outcome]:
    """Outcomes of ``tasks`` in task order, computed by ``jobs`` processes."""
    if jobs <= 1 or len(tasks) <= 1:
        for t in tasks:
            yield encode_one(t)
        return
    from concurrent.futures import as_completed
    from ..workers import worker_pool
    from .common import INTERNAL
    _preload(any(t.record for t in tasks))
    ex = worker_pool(min(jobs, len(tasks)))
    try:
        futures = {ex.submit(encode_one, t): i for i, t in enumerate(tasks)}
        done: dict[int, Outcome] = {}
        nxt = 0
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                done[i] = fut.result()
            except Exception as e:          # the worker process died (BrokenProcessPool...)
                src = tasks[i].source
                msg = f"{src}: worker process failed: {type(e).__name__}: {e} {INTERNAL}"
                done[i] = Outcome(src, False, " ".join(msg.split("\n")),
                                  {"source": src, "message": msg, "type": type(e).__name__,
                                   "path": src, "line": None, "col": None, "internal": True})
            while nxt in done:
                yield done.pop(nxt)
                nxt += 1
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _preload(records: bool) -> None:
    """Import what :func:`~.encode_job.encode_one` needs, and build the token counter when
    ``records`` are made, in this process before the pool starts its workers: forked
    workers start with them (once for all, instead of once per worker: the encoder's
    modules, and cl100k's ranks and tiktoken's encoder, 0.16 s).  Nothing with another
    start method (spawned workers import everything anew)."""
    import multiprocessing
    if multiprocessing.get_start_method() != "fork":
        return
    from .. import encode  # noqa: F401
    from ..doc import writer  # noqa: F401
    from ..kicad.library import index  # noqa: F401
    if records:
        from ..errors import ToknError
        from ..tokens import cl100k_encoder
        try:
            cl100k_encoder()
        except ToknError:
            pass                            # each record reports it


def _jsonl_done(path: str) -> dict[str, str]:
    """``{absolute source path: design_sha256}`` of the records already in JSONL file
    ``path`` (records of an older tokn without ``design_sha256`` map to ""); drops a torn
    last line."""
    if not os.path.exists(path):
        return {}
    done: dict[str, str] = {}
    with open(path, "rb+") as f:
        data = f.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):                 # an interrupted run left half a record
            f.truncate(end)
    for line in data[:end].splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("source"), str):
            done[os.path.abspath(rec["source"])] = str(rec.get("design_sha256") or "")
    return done


def _drop_records(path: str, sources: set[str]) -> None:
    """Rewrite JSONL file ``path`` without the records of ``sources`` (absolute paths)."""
    from .common import write_text_atomic
    keep = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
                if os.path.abspath(rec.get("source", "")) in sources:
                    continue
            except (ValueError, AttributeError, TypeError):
                pass
            keep.append(line)
    write_text_atomic(path, "".join(keep))


def design_digest(index: RefIndex, path: str) -> str:
    """Exact digest of the design rooted at ``path``: every sheet file's bytes and its
    project's bus aliases (:func:`tokn.dataset.fingerprint.design_digest`)."""
    from ..dataset import fingerprint
    return fingerprint.design_digest(path, [fingerprint.sha256_file(p) for p in index.hierarchy(path)])


def _up_to_date(out: str, inputs: Iterable[str]) -> bool:
    """True when ``out`` exists and is newer than every file of ``inputs``."""
    try:
        t_out = os.path.getmtime(out)
        return all(os.path.getmtime(p) < t_out for p in inputs)
    except OSError:
        return False


class _Reporter:
    """Progress bar (optional) and stderr lines that do not tear it."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm
            tqdm.monitor_interval = 0       # no monitor thread: worker processes are forked
            self.bar = tqdm(total=total, file=sys.stderr, unit="file", dynamic_ncols=True)

    def line(self, msg: str) -> None:
        if self.bar is not None:
            self.bar.write(msg, file=sys.stderr)
        else:
            click.echo(msg, err=True)

    def step(self, source: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(os.path.basename(source), refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _destination(output: str | None, fmt: str, corpus: bool) -> tuple[str | None, str | None]:
    """``(out_dir, out_file)`` for ``-o output`` (both None: stdout); click errors if unusable.

    JSONL always goes to one file.  TOKN goes to a file for a single named design (unless
    ``output`` is a directory or ends with a separator), else to a directory.
    """
    if output is None:
        if fmt == "tokn" and corpus:
            raise click.UsageError("several designs: give -o DIR for .tokn files, or --format jsonl")
        return None, None
    if fmt == "jsonl" or (not corpus and not os.path.isdir(output)
                          and not output.endswith(("/", os.sep))):
        if os.path.isdir(output):
            raise click.BadParameter(f"{output!r} is a directory", param_hint="-o")
        return None, output
    if os.path.exists(output) and not os.path.isdir(output):
        raise click.BadParameter(f"{output!r} is not a directory (several designs "
                                 "give one .tokn file each)", param_hint="-o")
    return output, None


def _plan(sources: list[Source], index: RefIndex, fmt: str, out_dir: str | None,
          out_file: str | None, resume: bool, detail: str = "full",
          source_tokens: bool = False, kicad: int | None = None) -> tuple[list[Task], int]:
    """One task per source, minus (with ``resume``) those an earlier run did; and the
    number skipped.  JSONL resume compares every sheet file of a design (its
    ``design_sha256``); a design whose record is stale has that record removed from
    ``out_file`` here, and is encoded again."""
    tasks: list[Task] = []
    skipped = 0
    done = _jsonl_done(out_file) if (fmt == "jsonl" and out_file and resume) else {}
    stale: set[str] = set()
    base = common_root(sources)
    for src in sources:
        if fmt == "jsonl":
            key = os.path.abspath(src.path)
            if key in done:
                try:
                    if done[key] == design_digest(index, src.path):
                        skipped += 1
                        continue
                except OSError:
                    pass                    # reported when encoding it
                stale.add(key)              # an edited sheet: the new record replaces it
            from ..dataset.provenance import git_root
            stop = git_root(src.path) or os.path.abspath(src.root)
            tasks.append(Task(src.path, None, True, detail, source_tokens, stop, kicad))
            continue
        out = mirror_path(src, base, out_dir) if out_dir is not None else out_file
        if resume and out is not None and _up_to_date(out, index.hierarchy(src.path)):
            skipped += 1
            continue
        tasks.append(Task(src.path, out, False, detail, kicad=kicad))
    if stale and out_file:
        _drop_records(out_file, stale)
    return tasks, skipped


def _print_stats(ok: int, failed: int, skipped: int, nbytes: int, secs: float,
                 kicad_tokens: int, tokens: int) -> None:
    click.echo(f"files: {ok} ok, {failed} failed, {skipped} skipped", err=True)
    click.echo(f"input: {nbytes / 1e6:.2f} MB in {secs:.2f} s = "
               f"{nbytes / 1e6 / max(secs, 1e-9):.2f} MB/s", err=True)
    if kicad_tokens:
        click.echo(f"tokens (cl100k): {kicad_tokens:,} kicad -> {tokens:,} tokn "
                   f"({100.0 * (1 - tokens / kicad_tokens):.1f}% fewer)", err=True)


@click.command("encode")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", type=click.Path(dir_okay=True, file_okay=True),
              help="Output: a .tokn file (one design), a directory (corpus, one .tokn per "
                   "design) or a .jsonl file.  Default: stdout.")
@click.option("--format", "fmt", type=click.Choice(["tokn", "jsonl"]), default=None,
              help="Output format (default: jsonl when -o ends in .jsonl, else tokn).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Worker processes for several designs (default 0: one per CPU; 1: all in "
                   "this process).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
@click.option("--errors-json", type=click.Path(dir_okay=False, writable=True),
              help="Also write the per-file errors to this JSON file.")
@click.option("--resume", is_flag=True,
              help="Skip designs already written by an earlier run (jsonl: a record for the same "
                   "source with the same bytes in every sheet file, a stale record is replaced; "
                   "directory: output newer than all its sheet files).")
@click.option("--source-tokens", is_flag=True,
              help="jsonl: also count the cl100k tokens of the .kicad_sch files (kicad_tokens; "
                   "otherwise null).  Costs most of a run's time.")
@click.option("--stats", is_flag=True, help="Print a summary (files, MB, seconds, MB/s) on stderr.")
@click.option("--detail", type=click.Choice(["full", "v1", "nets"]), default="full", show_default=True,
              help="full: the whole drawing (exact round trips); v1: TOKN v1.2 sections only; "
                   "nets: parts, pins and nets only.")
@click.option("--kicad", "kicad_rules", type=click.Choice(["auto", "9", "10"]), default="auto", show_default=True,
              help="Whose connectivity rules give the nets: KiCad 9's or 10's (they differ on bus "
                   "members with text markup, bus pins across kinds, '/' in sheet names and "
                   "junctions inside wires); auto: those of the KiCad that saved each file.")
def encode(inputs: tuple[str, ...], output: str | None, fmt: str | None, jobs: int,
           progress: bool | None, errors_json: str | None, resume: bool, source_tokens: bool,
           stats: bool, detail: str, kicad_rules: str) -> None:
    """Encode KiCad schematics (files, directories, quoted globs) as TOKN.

    A directory or glob selects top-level sheets only; sub-sheets are encoded as part of
    their design.  Exit status: 0 all encoded, 1 some failed, 2 usage error.
    """
    t0 = time.perf_counter()
    index, sources, corpus = _expand_inputs(inputs)
    fmt = fmt if fmt is not None else _default_format(output)
    if output is None and len(sources) == 1 and not index.legacy:
        corpus = False              # a folder holding one design: its TOKN on stdout
    jobs = cpu_count() if jobs == 0 else jobs
    out_dir, out_file = _destination(output, fmt, corpus)
    if resume and output is None:
        raise click.UsageError("--resume needs -o")
    kicad = None if kicad_rules == "auto" else int(kicad_rules)
    tasks, skipped = _plan(sources, index, fmt, out_dir, out_file, resume, detail, source_tokens, kicad)

    show_bar = corpus and (progress if progress is not None else sys.stderr.isatty())
    rep = _Reporter(len(tasks), bool(show_bar))
    errors = _legacy_errors(index, rep)
    sink_path = out_file if fmt == "jsonl" else None
    totals = _encode_all(tasks, jobs, rep, errors, sink_path, resume, corpus)

    if errors_json:
        _write_errors_json(errors_json, errors)
    if stats:
        _print_stats(totals.ok, len(errors), skipped, totals.bytes_in, time.perf_counter() - t0,
                     totals.kicad_tokens, totals.tokens)
    if errors:
        click.get_current_context().exit(1)


def _expand_inputs(inputs: tuple[str, ...]) -> tuple[RefIndex, list[Source], bool]:
    """(index, the designs to encode, whether the inputs name a corpus) for the command's
    ``INPUT`` arguments; click errors for bad inputs or none found (legacy KiCad 5 files
    alone are no error: they are reported)."""
    if "-" in inputs:
        raise click.BadParameter("'-' (standard input) is not read: a schematic's sub-sheets and project "
                                 "file are found beside it; give the .kicad_sch file", param_hint="INPUT")
    index = RefIndex()
    try:
        sources, corpus = expand(list(inputs), index)
    except InputError as e:
        raise click.BadParameter(str(e), param_hint="INPUT") from None
    if not sources and not index.legacy:
        raise click.UsageError("no .kicad_sch found in the inputs")
    return index, sources, corpus


def _default_format(output: str | None) -> str:
    """The output format without ``--format``: jsonl when ``-o`` ends in .jsonl, else tokn."""
    return "jsonl" if output and output.endswith(".jsonl") else "tokn"


def _legacy_errors(index: RefIndex, rep: _Reporter) -> list[dict]:
    """KiCad 5 files found in the inputs, reported on ``rep``, never silently skipped: the
    error records of those no newer file supersedes (those that are: a note only)."""
    errors: list[dict] = []
    for lf in index.legacy:
        if lf.superseded_by:
            rep.line(f"note: {lf.message()}")
            continue
        rep.line(lf.message())
        errors.append({"source": lf.path, "message": lf.message(), "type": "LegacyFormat",
                       "path": lf.path, "line": 1, "col": 1, "internal": False})
    return errors


@dataclass
class _Totals:
    """What the designs encoded so far add up to (for ``--stats``)."""
    ok: int = 0
    bytes_in: int = 0
    tokens: int = 0
    kicad_tokens: int = 0

    def add(self, oc: Outcome) -> None:
        """Count the successful outcome ``oc``."""
        self.ok += 1
        self.bytes_in += oc.bytes_in
        self.tokens += oc.tokens
        self.kicad_tokens += oc.kicad_tokens


def _encode_all(tasks: list[Task], jobs: int, rep: _Reporter, errors: list[dict], sink_path: str | None,
                append: bool, corpus: bool) -> _Totals:
    """Encode ``tasks`` with ``jobs`` processes and write each result (JSONL records to
    ``sink_path``, appended with ``append``, or to stdout; TOKN to stdout unless the worker
    wrote a file); failures go to ``errors`` and ``rep``, a single design's warnings to
    ``rep``.  ``rep`` is closed at the end, whatever happens."""
    totals = _Totals()
    sink = None
    try:
        if sink_path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(sink_path)), exist_ok=True)
            sink = open(sink_path, "a" if append else "w", encoding="utf-8", newline="\n")
        for oc in _run(tasks, jobs):
            rep.step(oc.source)
            if not oc.ok:
                errors.append(oc.error_info or {"source": oc.source, "message": oc.error})
                rep.line(oc.error)
                continue
            totals.add(oc)
            _write_result(oc, sink)
            if not corpus:
                for w in oc.warnings:
                    rep.line(f"warning: {w}")
    finally:
        rep.close()
        if sink is not None:
            sink.close()
    return totals


def _write_result(oc: Outcome, sink: TextIO | None) -> None:
    """The output of the successful outcome ``oc`` that is not already in a file: its JSONL
    record (to ``sink``, flushed, or stdout) or its TOKN text (stdout)."""
    if oc.record is not None:
        line = json.dumps(oc.record, ensure_ascii=False) + "\n"
        if sink is not None:
            sink.write(line)
            sink.flush()
        else:
            write_stdout(line)
    elif oc.text is not None:
        write_stdout(oc.text)


def _write_errors_json(path: str, errors: list[dict]) -> None:
    """``--errors-json``: the per-file error records as a JSON list, written atomically."""
    from .common import write_text_atomic
    write_text_atomic(path, json.dumps(errors, indent=1, ensure_ascii=False) + "\n")
