"""Layer 1: S-expression text as used by KiCad files.

Two readers share one tokenizer:

* :func:`parse` -- the fast reader used by the codec.  It returns plain nested Python
  lists whose atoms are the *raw token text* (a quoted string keeps its quotes and
  escapes).  Use :func:`text` / :func:`number` to interpret atoms.
* :func:`parse_lossless` -- returns :class:`Node` objects that remember the exact source
  span of every list, so that :func:`dumps` of an unmodified tree reproduces the input
  byte for byte, and edits re-format only the lists that changed.
"""
from .lexer import parse, parse_lean, parse_lossless, Node, iter_tokens
from .atoms import text, number, integer, arg, quote, is_string, symbol_or_string
from .writer import dumps, format_list
from .query import child, children, first_value, has_flag, value_of, yes_no, yes_no_of

__all__ = [
    "parse", "parse_lean", "parse_lossless", "Node", "iter_tokens", "text", "number", "integer", "arg", "quote",
    "is_string", "symbol_or_string", "dumps", "format_list", "child", "children",
    "first_value", "has_flag", "value_of", "yes_no", "yes_no_of",
]
