"""Layer 3: the TOKN document -- model, strict reader, canonical writer, grammar.

* :func:`parse_tokn` -- TOKN text -> :class:`Document` (strict; errors carry line:col).
* :func:`write_tokn` -- :class:`Document` -> canonical TOKN text.
* :func:`extract_tokn` -- the TOKN document inside an LLM answer (fences, prose, CRLF...).
* :func:`natural_key` -- natural sort key for references, pins and net names.
* :func:`lark_grammar`, :func:`to_gbnf` -- the grammar, for parsers and constrained decoding.
"""
from .extract import extract_tokn
from .grammar_export import lark_grammar, to_gbnf
from .model import (Bus, BusAlias, BusEntry, Component, Document, Field, Label, Marker, Net,
                    PinDef, Point, PowerSymbol, Sheet, SheetPin, Wire)
from .naming import natural_key, natural_sorted
from .parser import parse_tokn
from .writer import extensions_used, write_tokn

__all__ = [
    "Bus", "BusAlias", "BusEntry", "Component", "Document", "Field", "Label", "Marker", "Net",
    "PinDef", "Point", "PowerSymbol", "Sheet", "SheetPin", "Wire",
    "parse_tokn", "write_tokn", "extract_tokn", "extensions_used",
    "natural_key", "natural_sorted", "lark_grammar", "to_gbnf",
]
