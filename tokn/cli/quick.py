"""``tokn encode FILE`` without click: the start-up cost of one design to stdout.

:func:`encode_single` does what the click command ``tokn encode FILE`` does when FILE is an
existing file and nothing else is given (no option): encode it (:func:`.encode_job.encode_one`),
write the TOKN text to stdout, then its warnings to stderr (``warning: ...``), or the
one-line error; exit status 0, or 1 for a failed design.  Those are the click command's
steps for that case (:func:`tokn.cli.encode_cmd.encode`: a single existing file is one
design, not a corpus, and finds no KiCad 5 file), so output, messages and exit status are
the same; a broken stdout pipe and Ctrl-C end as they do under click (exit 1, ``Aborted!``).
click itself is imported only to print stderr lines (click's echo).

It declines (returns None, having done nothing) whenever click could do something else:
FILE starting with ``-`` (an option, ``--help``), FILE not an existing file or a project
file (``.kicad_pro``, which stands for its root schematic: :func:`tokn.sources.expand`), a shell
completion request in the environment (``_..._COMPLETE``), Windows (click expands
wildcards in arguments there).  :func:`tokn.cli.run` then hands the command line to click.
"""
from __future__ import annotations

import os
import sys


def _applies(path: str) -> bool:
    if os.name == "nt" or path.startswith("-") or not os.path.isfile(path) or path.endswith(".kicad_pro"):
        return False
    return not any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ)


def _echo_err(msg: str | None = None) -> None:
    import click
    if msg is None:
        click.echo(file=sys.stderr)
    else:
        click.echo(msg, err=True)


def encode_single(path: str) -> int | None:
    """Encode the design ``path`` to stdout as ``tokn encode PATH`` does, and return the exit
    status; None (nothing done) when the click command must handle the command line."""
    if not _applies(path):
        return None
    from .common import write_stdout
    from .encode_job import Task, encode_one
    try:
        oc = encode_one(Task(path, None, False, "full", kicad=None))
        if not oc.ok:
            _echo_err(oc.error)
            return 1
        if oc.text is not None:
            write_stdout(oc.text)
        for w in oc.warnings:
            _echo_err(f"warning: {w}")
        return 0
    except BrokenPipeError:             # e.g. ``tokn encode x | head``: stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
    except (EOFError, KeyboardInterrupt):
        _echo_err()
        _echo_err("Aborted!")
        return 1
