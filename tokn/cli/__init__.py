"""The ``tokn`` command line (console script ``tokn = tokn.cli:run``).

:func:`run` is the entry point (``python -m tokn`` too).  It answers the commonest call,
``tokn encode FILE`` (one schematic, no option), without importing click
(:mod:`tokn.cli.quick`, same output, messages and exit status as the click command), and
hands every other command line to :data:`main`, the click group (:mod:`tokn.cli.group`),
which this package imports on first access: ``from tokn.cli import main`` works as before
and is what tests drive with click's ``CliRunner``.

Subcommands live in their own modules and are imported only when invoked, so that
``tokn encode`` does not pay for the LLM client, the TOKN grammar, etc.  To add one, add
a line to :data:`SUBCOMMANDS` (``"name": "module:attribute"``, the attribute being a
``click.Command``), e.g. ``"decode": "tokn.cli.decode_cmd:decode"``.  An eagerly
imported command can also be added with ``main.add_command(cmd)``.

Importing a module of this package (e.g. :mod:`tokn.cli.encode_job` in a worker
process) does not import click unless that module does.

Exit codes: 0 success, 1 some input failed (errors are reported one line each, never as a
traceback), 2 usage error (click's convention).
"""
from __future__ import annotations

import sys

#: name -> "module:attribute" of each lazily imported subcommand.
SUBCOMMANDS: dict[str, str] = {
    "encode": "tokn.cli.encode_cmd:encode",
    "dataset": "tokn.cli.dataset_cmd:dataset",
    "decode": "tokn.cli.decode_cmd:decode",
    "validate": "tokn.cli.validate_cmd:validate",
    "generate": "tokn.cli.generate_cmd:generate_cmd",
    "bench": "tokn.cli.generate_cmd:bench_cmd",
}


def run(args: list[str] | None = None, prog_name: str | None = None) -> None:
    """Run the ``tokn`` command line on ``args`` (default ``sys.argv[1:]``) and exit.

    Behaves as ``main(args, prog_name)`` in every case; ``tokn encode FILE`` is answered by
    :func:`tokn.cli.quick.encode_single` when it applies (it says when).
    """
    argv = sys.argv[1:] if args is None else list(args)
    if len(argv) == 2 and argv[0] == "encode":
        from .quick import encode_single
        code = encode_single(argv[1])
        if code is not None:
            sys.exit(code)
    from .group import main
    main(args=args, prog_name=prog_name)


def __getattr__(name: str):
    if name in ("main", "LazyGroup"):
        from . import group
        value = globals()[name] = getattr(group, name)
        return value
    raise AttributeError(f"module 'tokn.cli' has no attribute {name!r}")
