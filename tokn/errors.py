"""Typed exceptions raised by tokn.

Every error that concerns an input file carries where it happened: ``path`` (may be
``None`` for in-memory text), 1-based ``line`` and ``col`` when known.  ``str(err)`` is a
single human-readable line ``path:line:col: message`` suitable for a CLI; the parts of the
location that are not known are left out (an error about no file is just its message).

This module is the one home of tokn's exception classes::

    ToknError
    ├── SexprSyntaxError        S-expression text is malformed
    ├── SchematicError          well-formed, but not a KiCad schematic/library we can read
    │   └── SchematicValueError a value has the wrong kind (a number that is not one, ...)
    ├── ToknSyntaxError         TOKN text does not follow the grammar
    ├── ToknSemanticError       TOKN text breaks a rule of the format
    ├── LibraryError            a symbol library is missing, unreadable or lacks a symbol
    ├── DecodeError             a document cannot become a KiCad schematic
    ├── KicadCliError           kicad-cli is missing or failed
    ├── InputError              a command-line input names nothing
    └── GenerationError         the LLM pipeline could not produce a valid circuit
        ├── ConfigError         bad or missing generation settings
        ├── EndpointError       the LLM endpoint failed
        ├── DescriptionError    an LLM answer is no usable design description (tokn dataset --describe)
        └── Cancelled           the caller cancelled
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
        """``path:line:col`` with only the known parts ("" when nothing is known).

        A line without a path reads ``<input>:line:col`` (text that came from no file)."""
        if self.path is None and self.line is None:
            return ""
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


class SexprSyntaxError(ToknError):
    """The text is not a well-formed S-expression (unbalanced, unterminated string...)."""


class SchematicError(ToknError):
    """The S-expression is well formed but is not a KiCad schematic/library we can read."""


class SchematicValueError(SchematicError):
    """A value in a KiCad file is not of the kind its place needs (a number, an integer...).

    ``atom`` is the offending token as written (``None`` when a list stood where an atom
    belongs); ``node`` the enclosing list, which the file reader uses to find the line and
    column (:func:`tokn.kicad.schematic.load_schematic`).
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 col: int | None = None, atom: str | None = None, node: list | None = None) -> None:
        super().__init__(message, path, line, col)
        self.atom = atom
        self.node = node


class ToknSyntaxError(ToknError):
    """TOKN text does not follow the grammar."""


class ToknSemanticError(ToknError):
    """TOKN text parses but breaks a rule of the format (duplicate reference, ...)."""


class LibraryError(ToknError):
    """A symbol library is missing, unreadable, or lacks a requested symbol."""


class DecodeError(ToknError):
    """A TOKN document cannot be turned into a KiCad schematic."""


class KicadCliError(ToknError):
    """kicad-cli is missing or failed."""


class InputError(ToknError):
    """A command-line input that names nothing (missing path, glob without matches)."""


class GenerationError(ToknError):
    """The LLM pipeline could not produce a valid circuit."""


class ConfigError(GenerationError):
    """Generation settings are missing or invalid (endpoint, model, key, config file)."""


class Cancelled(GenerationError):
    """The caller cancelled the generation."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class EndpointError(GenerationError):
    """The LLM endpoint failed: authentication, unknown model, unreachable, retries exhausted.

    ``status`` is the HTTP status when there was one; ``retryable`` tells whether the last
    failure was of a kind that is retried (rate limit, server error, timeout, dropped link).
    """

    def __init__(self, message: str, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class DescriptionError(GenerationError):
    """An LLM answer is no usable description of a design (``tokn dataset --describe``):
    empty, a refusal, code or TOKN instead of prose, or too long.  ``answer`` is the raw
    answer (shortened), for the error report."""

    def __init__(self, message: str, answer: str = "") -> None:
        super().__init__(message)
        self.answer = answer


def line_col(text: str, offset: int) -> tuple[int, int]:
    """Return 1-based (line, column) of character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col
