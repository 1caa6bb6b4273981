"""The click group behind ``tokn`` (:data:`tokn.cli.main`): subcommands imported on use.

Imported only when a command line needs click (see :func:`tokn.cli.run`); the package
:mod:`tokn.cli` re-exports :data:`main` and :class:`LazyGroup` from here on first access.

Exit codes: 0 success, 1 some input failed (errors are reported one line each, never as a
traceback), 2 usage error (click's convention).
"""
from __future__ import annotations

import importlib

import click

from .. import __version__
from . import SUBCOMMANDS


class LazyGroup(click.Group):
    """A click group whose subcommands listed in :data:`tokn.cli.SUBCOMMANDS` are imported
    on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(SUBCOMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is not None or cmd_name not in SUBCOMMANDS:
            return cmd
        module_name, attr = SUBCOMMANDS[cmd_name].split(":", 1)
        cmd = getattr(importlib.import_module(module_name), attr)
        if not isinstance(cmd, click.Command):
            raise TypeError(f"{SUBCOMMANDS[cmd_name]} is not a click command")
        self.add_command(cmd, cmd_name)
        return cmd

    def invoke(self, ctx: click.Context):
        """Run the subcommand; an escaping exception becomes one stderr line, exit 1.

        Set ``TOKN_DEBUG=1`` to get the traceback instead.
        """
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:         # e.g. ``tokn encode x | head``: stop quietly
            import os
            import sys
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            ctx.exit(1)
        except Exception as e:
            import os
            if os.environ.get("TOKN_DEBUG"):
                raise
            from .common import error_line
            click.echo(error_line(e), err=True)
            ctx.exit(1)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="tokn",
                      message="%(prog)s %(version)s")
def main() -> None:
    """tokn: exact KiCad schematic <-> TOKN (Token-Optimised KiCad Notation) codec."""
