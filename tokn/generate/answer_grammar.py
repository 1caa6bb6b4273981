"""The answer grammar: the part of TOKN an LLM answer may use, in a form that makes every
constrained answer a complete, well-formed document.

Why a second grammar
    ``grammars/tokn.lark`` (and its GBNF translation ``grammars/tokn.gbnf``) is the grammar of
    the whole format: any key, any number of rows, any row text.  Used for constrained
    decoding it lets a model write rows until its token limit (seen with a 0.5B model: every
    answer truncated, none syntax-valid).  This grammar admits only what the generation
    prompt asks for -- the ``nets`` level of detail (docs/format.md, section 4) -- and ties
    every table's row count to its header:

    * ``# TOKN v1``, an optional ``title:``, ``components[N]{ref,type,value,fp}:`` (or
      ``{ref,type,value}``), ``pins{REF}[N]:`` / ``pins{REF}[N]{num,name,type}:`` tables,
      ``nets[N]{name,pins}:``, in that order, a blank line allowed before each table;
    * a header saying ``[N]`` is followed by exactly N rows, so a constrained model cannot
      loop, and its answer always ends after the last net row;
    * every field has a bounded length, references look like ``R1``/``U12``/``SW3``, pins in
      nets are ``REF.PIN`` with a pin *number* (``U1.7``, ``J1.A6``, never ``U1.VCC``),
      electrical types are KiCad's twelve names.

    Every string it admits parses with the full grammar into a document whose counts hold
    (tested with hypothesis on the regular-expression form); every bundled few-shot example
    is admitted (tested), so the model can write what the examples show.

Forms
    The grammar is built once as a small expression tree (:class:`Lit`, :class:`Chars`,
    :class:`Seq`, :class:`Alt`, :class:`Rep`, :class:`Ref`) and written out as GBNF
    (:func:`answer_gbnf`, for llama.cpp's ``grammar`` and vLLM/xgrammar structured outputs;
    ``grammars/tokn-answer.gbnf`` is a generated copy) and as a Python regular expression
    (:func:`answer_regex`: the language is finite, so regular) for checks.  ``python -m
    tokn.generate.answer_grammar --write`` refreshes the file.

Limits (:class:`Limits`): components 64, pin rows per table 128, nets 96, pins per net 64,
pin tables 48.  Larger designs are written without a grammar.
"""
from __future__ import annotations

import argparse
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union
from ..doc.grammar_export import gbnf_class, gbnf_literal

__all__ = ["Limits", "answer_gbnf", "answer_regex", "answer_rules", "rule_regex", "main", "ELECTRICAL_TYPES",
           "REF_PREFIXES"]

#: Reference prefixes an answer may use: those of KiCad's symbol libraries (their
#: ``Reference`` fields: U, J, D, Q, PS, FL, K, IC, Y, SW, ...; rare ones left out) and the
#: common ones designers add (LED, MH, VR, Z, ZD, CR).  A closed list keeps a model from
#: writing a part name as a reference (``LM358,LM358,...`` reads as prefix LM + 358).
REF_PREFIXES = ("A", "AE", "B", "BT", "BZ", "C", "CB", "CN", "CR", "D", "DS", "E", "F", "FB", "FID", "FL",
                "G", "H", "HS", "I", "IC", "J", "JP", "K", "L", "LD", "LED", "LS", "M", "MH", "MK", "N",
                "NT", "P", "PE", "PS", "Q", "R", "RL", "RN", "RV", "S", "SW", "T", "TH", "TP", "TR", "U",
                "V", "VR", "W", "X", "Y", "Z", "ZD")

#: KiCad's pin electrical types, as TOKN writes them (docs/format.md, pins tables).
ELECTRICAL_TYPES = ("input", "output", "bidirectional", "tri_state", "passive", "free", "unspecified",
                    "power_in", "power_out", "open_collector", "open_emitter", "no_connect")


# ---- the expression tree --------------------------------------------------------------------

@dataclass(frozen=True)
class Lit:
    """A literal string."""
    text: str


@dataclass(frozen=True)
class Chars:
    """One character from a set: ``spec`` lists characters and ``a-z`` ranges (a ``-`` meant
    literally comes last); ``negated`` takes every character not in it."""
    spec: str
    negated: bool = False


@dataclass(frozen=True)
class Ref:
    """Another rule, by name."""
    name: str


@dataclass(frozen=True)
class Seq:
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Alt:
    options: tuple["Expr", ...]


@dataclass(frozen=True)
class Rep:
    """``item`` repeated ``lo`` to ``hi`` times (``hi`` is always bounded here)."""
    item: "Expr"
    lo: int
    hi: int


Expr = Union[Lit, Chars, Ref, Seq, Alt, Rep]


def seq(*items: Union[Expr, str]) -> Seq:
    return Seq(tuple(Lit(i) if isinstance(i, str) else i for i in items))


def alt(*options: Union[Expr, str]) -> Alt:
    return Alt(tuple(Lit(o) if isinstance(o, str) else o for o in options))


def opt(item: Expr) -> Rep:
    return Rep(item, 0, 1)


# ---- the answer grammar -----------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """Upper bounds on what one answer may hold."""
    components: int = 64
    pin_rows: int = 128
    pin_tables: int = 48
    nets: int = 96
    pins_per_net: int = 64


_FIELD = Chars(',"\n\r\\', negated=True)           # a bare field's character (no comma, quote, \, line end)
_FIELD_START = Chars(',"\n\r\\ ', negated=True)    # ... and not a space at its start
_WORD = Chars(',"\n\r\\ ', negated=True)           # no spaces at all


def _bounded(first: Expr, rest: Expr, longest: int) -> Seq:
    """``first`` followed by up to ``longest - 1`` of ``rest``."""
    return Seq((first, Rep(rest, 0, longest - 1)))


def _counted(header: callable, row: str, most: int) -> Alt:
    """``header(n)`` followed by exactly n ``row`` lines, for n = 1..most."""
    return Alt(tuple(Seq((Lit(header(n)), Rep(Ref(row), n, n))) for n in range(1, most + 1)))


def answer_rules(limits: Limits = Limits()) -> dict[str, Expr]:
    """The grammar as named rules (``root`` first); see the module doc."""
    lim = limits
    r: dict[str, Expr] = {}
    r["root"] = seq(Ref("header"), opt(Ref("title")), Ref("components"),
                    Rep(Ref("pintable"), 0, lim.pin_tables), Ref("nets"), opt(Lit("\n")))
    r["header"] = Lit("# TOKN v1\n")
    r["title"] = seq("title: ", _bounded(Chars('"\n\r\\ ', negated=True), Chars('\n\r\\', negated=True), 100), "\n")
    r["components"] = seq(opt(Lit("\n")), alt(
        _counted(lambda n: f"components[{n}]{{ref,type,value,fp}}:\n", "comprow", lim.components),
        _counted(lambda n: f"components[{n}]{{ref,type,value}}:\n", "comprow-short", lim.components)))
    r["comprow"] = seq("  ", Ref("ref"), ",", Ref("type"), ",", Ref("value"), ",", Ref("footprint"), "\n")
    r["comprow-short"] = seq("  ", Ref("ref"), ",", Ref("type"), ",", Ref("value"), "\n")
    # References as the prompt asks for them: a known prefix and 1-4 digits (R1, U12, SW3,
    # LED1).  This keeps a model from writing part names (LM7812_TO220, LM358) or net names as
    # references.
    r["ref"] = seq(alt(*sorted(REF_PREFIXES, key=lambda p: (-len(p), p))), Rep(Chars("0-9"), 1, 4))
    # A KiCad symbol name, optionally with its library (Device:R): no spaces, commas or quotes.
    r["type"] = _bounded(Chars("A-Za-z0-9_"), Chars("A-Za-z0-9_.+/:()~#-"), 64)
    r["value"] = opt(alt(_bounded(_FIELD_START, _FIELD, 64), Ref("quoted")))
    r["footprint"] = opt(alt(_bounded(Chars("A-Za-z0-9_"), _WORD, 128),
                             seq('"', _bounded(Chars("A-Za-z0-9_"), Chars('"\n\r\\', negated=True), 128), '"')))
    r["quoted"] = seq('"', Rep(Chars('"\n\r\\', negated=True), 1, 64), '"')
    r["pintable"] = seq(opt(Lit("\n")), "pins{", Ref("ref"), "}", alt(
        _counted(lambda n: f"[{n}]:\n", "pinrow", lim.pin_rows),
        _counted(lambda n: f"[{n}]{{num,name,type}}:\n", "pinrow-typed", lim.pin_rows)))
    r["pinrow"] = seq("  ", Ref("pinnum"), ",", Ref("pinname"), "\n")
    r["pinrow-typed"] = seq("  ", Ref("pinnum"), ",", Ref("pinname"), ",", Ref("etype"), "\n")
    # Pin numbers as KiCad's libraries write them (99.8% of their pins): digits with up to
    # three letters before and two after (1, 14, A12, 1A, B10), or one or two capitals (EP,
    # SH, MP, G), or + and -.  Not a pin name of three letters or more (VCC, GND, OUT).
    r["pinnum"] = alt(seq(Rep(Chars("A-Za-z"), 0, 3), Rep(Chars("0-9"), 1, 4), Rep(Chars("A-Za-z"), 0, 2)),
                      Rep(Chars("A-Z"), 1, 2), "+", "-")
    r["pinname"] = opt(alt(_bounded(_FIELD_START, _FIELD, 64), Ref("quoted")))
    r["etype"] = alt(*ELECTRICAL_TYPES)
    r["nets"] = seq(opt(Lit("\n")),
                    _counted(lambda n: f"nets[{n}]{{name,pins}}:\n", "netrow", lim.nets))
    r["netrow"] = seq("  ", Ref("netname"), ",", alt(
        Ref("pinref"),
        seq('"', Ref("pinref"), Rep(seq(",", Ref("pinref")), 1, lim.pins_per_net - 1), '"')), "\n")
    r["netname"] = alt(_bounded(_FIELD_START, _FIELD, 64), Ref("quoted"))
    r["pinref"] = seq(Ref("ref"), ".", Ref("pinnum"))
    return r


# ---- writing it out -----------------------------------------------------------------------------

def _class_items(spec: str) -> list[tuple[str, str]]:
    """``spec`` as (low, high) character pairs."""
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.append((spec[i], spec[i + 2]))
            i += 3
        else:
            out.append((spec[i], spec[i]))
            i += 1
    return out


def _gbnf(e: Expr) -> str:
    if isinstance(e, Lit):
        return gbnf_literal(e.text)
    if isinstance(e, Chars):
        return gbnf_class(e.negated, _class_items(e.spec))
    if isinstance(e, Ref):
        return e.name
    if isinstance(e, Seq):
        return " ".join(_gbnf_group(i) for i in e.items)
    if isinstance(e, Alt):
        return " | ".join(_gbnf(o) for o in e.options)
    if isinstance(e, Rep):
        inner = _gbnf_atom(e.item)
        if (e.lo, e.hi) == (0, 1):
            return inner + "?"
        return inner + (f"{{{e.lo}}}" if e.lo == e.hi else f"{{{e.lo},{e.hi}}}")
    raise TypeError(e)


def _gbnf_group(e: Expr) -> str:
    return f"({_gbnf(e)})" if isinstance(e, Alt) else _gbnf(e)


def _gbnf_atom(e: Expr) -> str:
    return f"({_gbnf(e)})" if isinstance(e, (Seq, Alt, Rep)) else _gbnf(e)


def _regex(e: Expr, rules: dict[str, Expr]) -> str:
    if isinstance(e, Lit):
        return re.escape(e.text)
    if isinstance(e, Chars):
        body = "".join(re.escape(a) if a == b else f"{re.escape(a)}-{re.escape(b)}" for a, b in _class_items(e.spec))
        return f"[{'^' if e.negated else ''}{body}]"
    if isinstance(e, Ref):
        return f"(?:{_regex(rules[e.name], rules)})"
    if isinstance(e, Seq):
        return "".join(_regex(i, rules) for i in e.items)
    if isinstance(e, Alt):
        return "(?:" + "|".join(_regex(o, rules) for o in e.options) + ")"
    if isinstance(e, Rep):
        q = "?" if (e.lo, e.hi) == (0, 1) else (f"{{{e.lo}}}" if e.lo == e.hi else f"{{{e.lo},{e.hi}}}")
        return f"(?:{_regex(e.item, rules)}){q}"
    raise TypeError(e)


GBNF_HEADER = ("# GBNF (llama.cpp) of TOKN answers, generated by tokn.generate.answer_grammar -- do not "
               "edit by hand.\n# The whole format's grammar is grammars/tokn.gbnf; this one is what "
               "`tokn generate` sends for constrained decoding.\n")


@functools.lru_cache(maxsize=4)
def answer_gbnf(limits: Limits = Limits()) -> str:
    """The answer grammar as GBNF text (llama.cpp syntax, read by vLLM's xgrammar too)."""
    rules = answer_rules(limits)
    return GBNF_HEADER + "".join(f"{name} ::= {_gbnf(e)}\n" for name, e in rules.items())


@functools.lru_cache(maxsize=4)
def answer_regex(limits: Limits = Limits()) -> "re.Pattern[str]":
    """The answer grammar as a compiled regular expression (use ``fullmatch``)."""
    rules = answer_rules(limits)
    return re.compile(_regex(rules["root"], rules))


@functools.lru_cache(maxsize=16)
def rule_regex(name: str) -> "re.Pattern[str]":
    """One rule of the answer grammar (``ref``, ``pinnum``, ``netrow``...) as a compiled
    regular expression (use ``fullmatch``)."""
    rules = answer_rules()
    return re.compile(_regex(rules[name], rules))


def main(argv: list[str] | None = None) -> int:
    """``python -m tokn.generate.answer_grammar [--write]``: print the GBNF, or refresh
    ``grammars/tokn-answer.gbnf`` in a source checkout."""
    ap = argparse.ArgumentParser(prog="python -m tokn.generate.answer_grammar")
    ap.add_argument("--write", action="store_true", help="write grammars/tokn-answer.gbnf")
    args = ap.parse_args(argv)
    text = answer_gbnf()
    if args.write:
        target = Path(__file__).resolve().parents[2] / "grammars" / "tokn-answer.gbnf"
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
