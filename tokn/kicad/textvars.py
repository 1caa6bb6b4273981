"""Text variables in a symbol's fields, resolved as KiCad's netlist shows them.

KiCad writes a field's *shown* text into its netlist: ``${SIM.PARAMS}`` in a Value field
becomes the symbol's ``Sim.Params`` field (the simulation demos do this), ``${REFERENCE}``
the reference.  :func:`resolve_symbol_text` does the symbol-level part of KiCad's
``SCH_SYMBOL::ResolveTextVar``: mandatory fields by their upper-case canonical names,
other fields by name or upper-cased name, missing ``SIM.*`` fields as empty text.  The
project file's ``text_variables`` come after the symbol's fields
(:func:`resolve_project_text` does them alone, for label text).  Tokens it cannot resolve
are left as written, as KiCad shows an unresolved variable.  Sheet-instance variables
(``${#}``, ``${SHEETNAME}``, sheet fields...) are looked up by
:func:`tokn.kicad.hierarchy.instance_text` through :func:`resolve_text`;
:func:`evaluate_expressions` does KiCad 10's ``@{...}`` arithmetic.
"""
from __future__ import annotations

import re

_VAR = re.compile(r"\$\{([^{}]*)\}")
_MANDATORY = {"REFERENCE": "Reference", "VALUE": "Value", "FOOTPRINT": "Footprint",
              "DATASHEET": "Datasheet", "DESCRIPTION": "Description"}
_SIM = ("SIM.DEVICE", "SIM.TYPE", "SIM.PIN", "SIM.PARAMS", "SIM.LIBRARY", "SIM.NAME", "SIM.ENABLE")


def _lookup(token: str, fields: dict[str, str], reference: str) -> str | None:
    if token == "REFERENCE":
        return reference
    if token in _MANDATORY:
        return fields.get(_MANDATORY[token], "")
    for name, value in fields.items():
        if name not in _MANDATORY.values() and token in (name, name.upper()):
            return value
    if token in _SIM:
        return ""
    return None


def symbol_field(token: str, fields: dict[str, str], reference: str) -> str | None:
    """The field ``token`` of a symbol (``fields``: its fields by name; ``reference``: its
    annotated reference) as KiCad's ``${TOKEN}`` reads it, or None when it has none."""
    return _lookup(token, fields, reference)


def resolve_symbol_text(text: str, fields: dict[str, str], reference: str, depth: int = 0,
                        project: dict[str, str] | None = None) -> str:
    """``text`` with the ``${...}`` variables of its symbol replaced (``fields``: the
    symbol's fields by name; ``reference``: its annotated reference), then those of the
    project file (``project``: its ``text_variables``)."""
    def lookup(token: str) -> str | None:
        value = _lookup(token, fields, reference)
        return project.get(token) if value is None and project else value
    return _substitute(text, lookup, depth)


def resolve_project_text(text: str, project: dict[str, str]) -> str:
    """``text`` with the project file's text variables (``${NAME}``, ``project``: name ->
    value) replaced, as KiCad shows a label's text and names its net; other variables stay
    as written."""
    return _substitute(text, project.get, 0)


def resolve_text(text: str, lookup) -> str:
    """``text`` with each ``${TOKEN}`` that ``lookup`` (token -> value or None) knows
    replaced, values resolved in turn; unknown tokens stay as written."""
    return _substitute(text, lookup, 0)


_EXPR = re.compile(r"@\{([^{}]*)\}")
_EXPR_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(.))")


def evaluate_expressions(text: str) -> str:
    """``text`` with each KiCad 10 ``@{EXPRESSION}`` of plain arithmetic (numbers,
    ``+ - * / %``, parentheses; variables already replaced) replaced by its value: an
    integer without decimals (``@{2*10}`` -> ``20``), else up to 10 significant digits.  An
    expression it cannot evaluate (functions, text, division by zero) stays as written."""
    if "@{" not in text:
        return text

    def sub(m: re.Match) -> str:
        value = _arithmetic(m.group(1))
        if value is None:
            return m.group(0)
        return str(int(value)) if value == int(value) else f"{value:.10g}"

    return _EXPR.sub(sub, text)


def _arithmetic(expr: str) -> float | None:
    """The value of ``expr`` (numbers, + - * / %, unary minus, parentheses), or None."""
    tokens = []
    for m in _EXPR_TOKEN.finditer(expr):
        if m.group(1) is not None:
            tokens.append(float(m.group(1)))
        elif m.group(2) in "+-*/%()":
            tokens.append(m.group(2))
        elif not m.group(2).isspace():
            return None
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def atom() -> float:
        t = take() if pos < len(tokens) else None
        if t == "-":
            return -atom()
        if t == "+":
            return atom()
        if t == "(":
            v = total()
            if take() != ")":
                raise ValueError
            return v
        if isinstance(t, float):
            return t
        raise ValueError

    def product() -> float:
        v = atom()
        while peek() in ("*", "/", "%"):
            op, rhs = take(), atom()
            v = v * rhs if op == "*" else v / rhs if op == "/" else v % rhs
        return v

    def total() -> float:
        v = product()
        while peek() in ("+", "-"):
            v = v + product() if take() == "+" else v - product()
        return v

    try:
        value = total()
    except (ValueError, ZeroDivisionError, IndexError):
        return None
    return value if pos == len(tokens) else None


def _substitute(text: str, lookup, depth: int) -> str:
    """``text`` with each ``${TOKEN}`` that ``lookup`` knows replaced by its value, itself
    resolved the same way (up to 8 levels: a variable naming itself stops there); unknown
    tokens stay."""
    if "${" not in text or depth > 8:
        return text

    def sub(m: re.Match) -> str:
        value = lookup(m.group(1))
        return m.group(0) if value is None else _substitute(value, lookup, depth + 1)

    return _VAR.sub(sub, text)
