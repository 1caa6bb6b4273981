"""Layer 3: the TOKN document -- model, strict reader, canonical writer, grammar.

* :func:`parse_tokn` -- TOKN text -> :class:`Document` (strict; errors carry line:col).
* :func:`write_tokn` -- :class:`Document` -> canonical TOKN text.
* :func:`extract_tokn` -- the TOKN document inside an LLM answer (fences, prose, CRLF...).
* :func:`tokn.doc.lenient.read_answer` -- an LLM answer read tolerantly, every normalisation
  reported as a fix with the answer's line numbers (what ``tokn generate`` uses).
* :func:`natural_key` -- natural sort key for references, pins and net names.
* :func:`lark_grammar`, :func:`to_gbnf` -- the grammar, for parsers and constrained decoding.
"""
from .model import (Bus, BusAlias, BusEntry, Component, Directive, Document, Field, Label, Marker, Net,
                    NoConnect, PinDef, Point, PowerSymbol, RuleArea, Sheet, SheetPin, SymbolPin, Wire)
from .naming import natural_key, natural_sorted
from .writer import extensions_used, write_tokn

# The reader (lark) and the grammar export load on first use: encoding never needs them.
_LAZY = {"parse_tokn": ".parser", "extract_tokn": ".extract", "lark_grammar": ".grammar_export",
         "to_gbnf": ".grammar_export"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Bus", "BusAlias", "BusEntry", "Component", "Directive", "Document", "Field", "Label", "Marker", "Net",
    "NoConnect", "PinDef", "Point", "PowerSymbol", "RuleArea", "Sheet", "SheetPin", "SymbolPin", "Wire",
    "parse_tokn", "write_tokn", "extract_tokn", "extensions_used",
    "natural_key", "natural_sorted", "lark_grammar", "to_gbnf",
]
