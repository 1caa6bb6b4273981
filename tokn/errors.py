"""Typed exceptions raised by tokn.

Every error that concerns an input file carries where it happened: ``path`` (may be
``None`` for in-memory text), 1-based ``line`` and ``col`` when known.  ``str(err)`` is a
single human-readable line ``path:line:col: message`` suitable for a CLI.
"""
from __future__ import annotations


class ToknError(Exception):
    """Base class of all errors raised by tokn."""

    def __init__(self, message: str, path: str | None = None,
                 line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col

    def location(self) -> str:
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class SexprSyntaxError(ToknError):
    """The text is not a well-formed S-expression (unbalanced, unterminated string...)."""


class SchematicError(ToknError):
    """The S-expression is well formed but is not a KiCad schematic/library we can read."""


class ToknSyntaxError(ToknError):
    """TOKN text does not follow the grammar."""


class ToknSemanticError(ToknError):
    """TOKN text parses but breaks a rule of the format (duplicate reference, ...)."""


class LibraryError(ToknError):
    """A symbol library is missing, unreadable, or lacks a requested symbol."""


class DecodeError(ToknError):
    """A TOKN document cannot be turned into a KiCad schematic."""


class GenerationError(ToknError):
    """The LLM pipeline could not produce a valid circuit."""


def line_col(text: str, offset: int) -> tuple[int, int]:
    """Return 1-based (line, column) of character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
