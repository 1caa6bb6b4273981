"""tokn: exact KiCad schematic <-> TOKN codec, validator and grounded circuit generation.

Public API (imported lazily so ``import tokn`` stays cheap)::

    import tokn
    text = tokn.encode_file("board.kicad_sch")          # KiCad -> TOKN text
    doc = tokn.parse_tokn(text)                          # TOKN text -> Document
    findings = tokn.validate(doc, tokn.SymbolIndex.default())
    tokn.decode(doc, tokn.SymbolIndex.default()).write("out.kicad_sch")

See docs/python-api.md.

``tokn.decode`` and ``tokn.validate`` are both a function of this API and a module of the
package; importing the module (``import tokn.decode.fragment``) rebinds the package
attribute to it, so those modules are made callable (:mod:`tokn._callable`) and calling
one calls the function of the same name.
"""
from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "encode_file": ("tokn.encode", "encode_file"),
    "encode_design": ("tokn.encode", "encode_design"),
    "parse_tokn": ("tokn.doc", "parse_tokn"),
    "write_tokn": ("tokn.doc", "write_tokn"),
    "extract_tokn": ("tokn.doc", "extract_tokn"),
    "Document": ("tokn.doc.model", "Document"),
    "decode": ("tokn.decode", "decode"),
    "validate": ("tokn.validate", "validate"),
    "SymbolIndex": ("tokn.kicad.library", "SymbolIndex"),
    "load_design": ("tokn.kicad.hierarchy", "load_design"),
    "design_nets": ("tokn.kicad.connectivity", "design_nets"),
    "Finding": ("tokn.validate", "Finding"),
    **{name: ("tokn.errors", name) for name in (
        "ToknError", "SexprSyntaxError", "SchematicError", "SchematicValueError", "ToknSyntaxError",
        "ToknSemanticError", "LibraryError", "DecodeError", "KicadCliError", "InputError",
        "GenerationError", "ConfigError", "EndpointError", "DescriptionError", "Cancelled")},
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib
        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tokn' has no attribute {name!r}")
