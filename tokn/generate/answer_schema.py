"""The JSON form of an answer, for servers that take a JSON Schema but no grammar (OpenAI,
Gemini's OpenAI-compatible endpoint, OpenRouter, Ollama, vLLM...).

An answer in this form holds what a TOKN answer holds (the answer grammar's layout,
:mod:`tokn.generate.answer_grammar`): a title, the components (``ref``, ``type``, ``value``,
``fp``), pin tables for parts the libraries lack or that the prompt gave (``ref`` and rows of
``num``, ``name``, ``type``), and the nets (``name`` and ``REF.PIN`` pins)::

    {"title": "5V regulator",
     "components": [{"ref": "U1", "type": "LM7805_TO220", "value": "LM7805", "fp": ""}],
     "pin_tables": [],
     "nets": [{"name": "GND", "pins": ["U1.2", "C1.2"]}]}

Contracts:

* :func:`answer_schema` is inside the strictest subset hosted APIs accept for
  ``strict: true`` (OpenAI structured outputs, Gemini, OpenRouter): every object has
  ``additionalProperties: false`` and lists all its properties as ``required``; the only
  keywords are ``type``, ``properties``, ``required``, ``additionalProperties``, ``items``,
  ``enum`` and ``description`` (no ``pattern``, lengths, counts or formats, which
  providers treat differently).  :func:`response_format` wraps it as
  ``{"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}``.
* :func:`read_json_answer` turns an answer into the same :class:`~tokn.doc.model.Document`
  that the equivalent TOKN text parses to (the document is written as TOKN and read back by
  the strict parser), or raises :class:`AnswerJSONError` whose ``code`` is ``json-syntax``
  (not JSON: line and column), ``json-schema`` (JSON that breaks the schema: the path of
  every violation, e.g. ``components[2].ref``) or ``format`` (JSON that obeys the schema but
  is no TOKN document, e.g. two pin tables for one reference).
* :func:`read_loose_json_answer` reads JSON a model wrote without the constraint (free text, a
  server that ignored ``response_format``): other member names, left-out optional members,
  extra members and numbers for text are read, each reported as a fix; the rest as above.
* :func:`document_to_json` is the inverse for documents of the answer layout (used to
  measure the JSON form's token cost against TOKN).
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

from ..doc import tables as T
from ..doc.model import Component, Document, Net, PinDef
from ..errors import ToknError, ToknSemanticError, ToknSyntaxError
from .answer_grammar import ELECTRICAL_TYPES

__all__ = ["SCHEMA_NAME", "AnswerJSONError", "answer_schema", "response_format", "read_json_answer",
           "read_loose_json_answer", "JSON_FIX_CODES", "TOOL_CALL_FIX", "tool_call_arguments", "document_to_json", "looks_like_json", "holds_json",
           "tokn_in_json", "schema_violations"]

#: The schema's name in ``response_format`` (OpenAI: ``^[a-zA-Z0-9_-]{1,64}$``).
SCHEMA_NAME = "tokn_answer"

#: Keywords :func:`schema_violations` understands, and the only ones the schema uses.
SCHEMA_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "enum",
                             "description"})


class AnswerJSONError(ToknError):
    """A JSON answer that is no document; ``code`` is the finding code to report."""

    def __init__(self, code: str, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message, None, line, col)
        self.code = code


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _object(description: str, **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": properties,
            "required": list(properties), "additionalProperties": False}


def _array(description: str, items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "description": description, "items": items}


def answer_schema() -> dict[str, Any]:
    """The JSON Schema of an answer (a new dict on every call; see the module doc)."""
    component = _object(
        "one part",
        ref=_string("reference: prefix and number (R1, C2, U1, Q1, J1, SW1, Y1); never a part name"),
        type=_string("KiCad symbol name: the type given with the part's pin table (LM7805_TO220), or a "
                     "Device symbol for passives (R, C, C_Polarized, L, D, LED, Crystal, R_Potentiometer)"),
        value=_string("value as engineers write it: 10k, 100nF, 16MHz, or the part number"),
        fp=_string("footprint, may be empty"))
    pin = _object(
        "one pin",
        num=_string("pin number as in the part's pin table"),
        name=_string("pin name as in the part's pin table"),
        type={"type": "string", "enum": list(ELECTRICAL_TYPES) + [""],
              "description": "KiCad electrical type as the pin table gives it (\"\" when it gives none)"})
    table = _object(
        "the pin table of one IC, copied from the pin tables given (for a part the libraries lack: "
        "its datasheet pins)",
        ref=_string("the reference of the part this table describes (U1)"),
        pins=_array("the pins", pin))
    net = _object(
        "one net",
        name=_string("net name: GND, +5V, +3V3, VCC for power; function names (VOUT, SDA); else N1, N2..."),
        pins=_array("the pins of the net: REF.PIN with the pin NUMBER (U1.8, never U1.VCC); each pin in "
                    "at most one net", {"type": "string"}))
    root = _object(
        "a circuit: the same content as a TOKN document",
        title=_string("short title"),
        components=_array("one entry per part (a multi-unit part is one entry)", component),
        pin_tables=_array("pin tables of the ICs", table),
        nets=_array("the nets", net))
    return root


def response_format() -> dict[str, Any]:
    """The ``response_format`` request field that asks for :func:`answer_schema` in strict mode."""
    return {"type": "json_schema", "json_schema": json_schema_field()}


def json_schema_field() -> dict[str, Any]:
    """The ``json_schema`` member of :func:`response_format` (name, schema, strict)."""
    return {"name": SCHEMA_NAME, "schema": answer_schema(), "strict": True}


# ---- checking a value against the schema --------------------------------------------------

_JSON_TYPES = {"object": dict, "array": list, "string": str}


def schema_violations(schema: dict[str, Any], value: Any, path: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema`` (``"components[2].ref: expected a string"``), for
    schemas made of :data:`SCHEMA_KEYWORDS` only (tested against the ``jsonschema`` library)."""
    where = path or "the answer"
    typ = schema.get("type")
    if typ is not None and not isinstance(value, _JSON_TYPES[typ]):
        article = "an" if typ[0] in "aeiou" else "a"
        return [f"{where}: expected {article} {typ}, not {_json_kind(value)}"]
    out: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {json.dumps(value)} is not one of {', '.join(json.dumps(x) for x in schema['enum'])}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                out.append(f"{where}: the member \"{key}\" is missing")
        if schema.get("additionalProperties") is False:
            for key in value:
                if key not in props:
                    out.append(f"{where}: unexpected member \"{key}\" (allowed: {', '.join(props)})")
        for key, sub in props.items():
            if key in value:
                out += schema_violations(sub, value[key], f"{path}.{key}" if path else key)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += schema_violations(schema["items"], item, f"{path}[{i}]")
    return out


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), type(value).__name__)


# ---- reading and writing -------------------------------------------------------------------

_FENCED = re.compile(r"^\s*(`{3,}|~{3,})[ \t]*(?:json)?[ \t]*\n(.*?)\n[ \t]*\1[ \t]*$", re.S | re.I)
_FENCE_IN_PROSE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*(?:json)?[ \t]*\n(.*?)\n[ \t]*\1[ \t]*$", re.S | re.I | re.M)
_OBJECT_LINE = re.compile(r"^[ \t]*\{", re.M)


def _unfenced(text: str) -> str:
    t = text.lstrip("\ufeff").strip()
    m = _FENCED.match(t)
    return m.group(2) if m else t


def _json_in_prose(text: str) -> str | None:
    """The JSON object of an answer that wraps it in prose: the first fenced block that
    holds an object, else the text from the first line that opens one to the last ``}``."""
    for m in _FENCE_IN_PROSE.finditer(text):
        if m.group(2).lstrip().startswith("{"):
            return m.group(2)
    m = _OBJECT_LINE.search(text)
    end = text.rfind("}")
    return text[m.start():end + 1] if m and end > m.start() else None


def looks_like_json(text: str) -> bool:
    """Whether an answer is meant as JSON: after white space and an optional code fence, it
    starts with ``{`` (a TOKN document never does)."""
    return _unfenced(text).startswith("{")


_TOKN_TEXT = re.compile(r"^\s*(?:#\s*TOKN\b|components\s*[\[{]|nets\s*[\[{])", re.I | re.M)


def tokn_in_json(text: str) -> tuple[str, str] | None:
    """``(member, text)`` of a JSON answer that wraps a TOKN document in a string member
    (``{"tokn": "# TOKN v1\\n..."}``) instead of writing the schema's object, alone or inside
    prose; None otherwise."""
    inner = _unfenced(text) if looks_like_json(text) else _json_in_prose(text)
    if inner is None:
        return None
    try:
        data = json.loads(inner)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or "components" in data:
        return None
    for key, value in data.items():
        if isinstance(value, str) and _TOKN_TEXT.search(value):
            return key, value
    return None


def holds_json(text: str) -> bool:
    """Whether an answer holds a JSON object, alone or inside prose (see
    :func:`read_loose_json_answer`)."""
    return looks_like_json(text) or _json_in_prose(text) is not None


def read_json_answer(text: str) -> Document:
    """The document of a JSON answer (see the module doc for the contract)."""
    data = _load(text)
    _check(data)
    return _document(data)


#: Fix codes of :func:`read_loose_json_answer`, with the sentence that opens each message.
JSON_FIX_CODES: dict[str, str] = {
    "json-renamed": "read members under other names as the schema's",
    "json-missing": "gave members the answer left out their empty value",
    "json-extra": "ignored members the schema does not have",
    "json-types": "read numbers as text and a pin list written as one string as a list",
    "json-prose": "took the JSON object out of the text around it",
    "json-keyed": "read objects keyed by reference or net name as the schema's lists",
    "json-pin-nets": "built the nets from each component's pins (pin: net), the answer having no nets",
    "json-comments": "removed what JSON does not have: comments (// and /* */) and trailing commas",
}

#: The tool-call fix (:func:`tool_call_arguments`), reported by the pipeline.
TOOL_CALL_FIX = ("json-tool-call", "read the arguments of the model's tool call as the answer")
#: Members of a component that map its pins to nets, when an answer gives no ``nets``.
_PIN_NET_MEMBERS = ("pins", "connections", "nets", "pin_nets", "pinout", "nodes")
#: Keyed objects and the member their keys become: components by reference, nets by name...
_KEYED = {"components": "ref", "nets": "name", "pin_tables": "ref"}
#: Member names models use instead of the schema's: the TOKN tables' column aliases, and
#: ``reference`` for a pin table's ``ref``.
_RENAMED = {"components": T.COLUMN_ALIASES["components"], "nets": T.COLUMN_ALIASES["nets"],
            "pins": T.COLUMN_ALIASES["pins"], "pin_tables": {"reference": "ref"}}
_OPTIONAL = {"": {"title": "", "pin_tables": []}, "components": {"fp": "", "value": ""}, "pins": {"type": ""}}


def read_loose_json_answer(text: str) -> tuple[Document, list[tuple[str, str, str]]]:
    """The document of a JSON answer written without the schema's constraint, and the fixes
    made to read it as ``(code, message, where)`` (:data:`JSON_FIX_CODES`; ``where``: the
    members concerned): member names others
    use (``footprint``, ``designator``, ``connections``...), optional members left out
    (``title``, ``pin_tables``, ``fp``, a pin's ``type``), members the schema lacks, numbers
    for text and pin lists written as one comma-separated string.  Everything else is
    :func:`read_json_answer`'s contract (the same errors).  The object may sit inside prose
    (in a code fence or not) [``json-prose``]."""
    notes: dict[str, list[str]] = {}
    answer = text
    inner = None if looks_like_json(text) else _json_in_prose(text)
    if inner is not None:
        text = inner
        notes["json-prose"] = ["the object is read, the rest ignored"]
    try:
        data = _load(text)
    except AnswerJSONError:
        body = _unfenced(text)
        at = answer.find(body)
        relaxed, said = _relaxed(body, answer[:at].count("\n") + 1 if at >= 0 else 1)
        try:
            data = json.loads(relaxed) if said else None
        except json.JSONDecodeError:
            data = None
        if data is None:
            raise
        notes["json-comments"] = said
    if isinstance(data, dict):
        _reshape(data, notes)
        _loosen(data, "", notes)
    _check(data)
    fixes = []
    for code, where in sorted(notes.items(), key=lambda kv: list(JSON_FIX_CODES).index(kv[0])):
        said = list(dict.fromkeys(where))
        fixes.append((code, JSON_FIX_CODES[code] + ": " + ("; " if code == "json-pin-nets" else ", ").join(said),
                      "the answer" if code == "json-prose" else "components" if code == "json-pin-nets"
                      else ", ".join(said[:3]) + (", ..." if len(said) > 3 else "")))
    return _document(data), fixes


def _relaxed(text: str, first_line: int = 1) -> tuple[str, list[str]]:
    """``text`` without the comments (``// ...``, ``/* ... */``) and trailing commas (``,``
    before ``]`` or ``}``) that models put into JSON, outside strings; and what was removed
    (``comments at lines 4, 9``: the answer's lines, ``text`` starting at ``first_line``)."""
    out: list[str] = []
    comments: list[int] = []
    commas: list[int] = []
    i, n, line = 0, len(text), first_line
    while i < n:
        c = text[i]
        if c == '"':
            k = i + 1
            while k < n and text[k] != '"':
                k += 2 if text[k] == "\\" else 1
            out.append(text[i:k + 1])
            line += text.count("\n", i, k + 1)
            i = k + 1
            continue
        if text.startswith("//", i):
            k = text.find("\n", i)
            k = n if k == -1 else k
            comments.append(line)
            i = k
            continue
        if text.startswith("/*", i):
            k = text.find("*/", i + 2)
            k = n if k == -1 else k + 2
            comments.append(line)
            line += text.count("\n", i, k)
            i = k
            continue
        if c == ",":
            m = re.match(r",(\s|//[^\n]*|/\*.*?\*/)*[\]}]", text[i:], re.S)
            if m:
                commas.append(line)
                i += 1
                continue
        if c == "\n":
            line += 1
        out.append(c)
        i += 1
    said = []
    if comments:
        said.append("comments at line" + ("s " if len(set(comments)) > 1 else " ")
                    + ", ".join(map(str, sorted(set(comments)))))
    if commas:
        said.append("trailing commas at line" + ("s " if len(set(commas)) > 1 else " ")
                    + ", ".join(map(str, sorted(set(commas)))))
    return "".join(out), said


def tool_call_arguments(text: str) -> tuple[str, str] | None:
    """``(tool name, arguments as JSON text)`` of an answer that is a tool (function) call as
    the APIs return them, pasted as text by a model or a proxy instead of an answer:
    ``{"name": "submit_circuit", "arguments": "{...}"}`` (OpenAI's ``function_call``, also
    under ``"function_call"``), ``{"tool_calls": [{"function": {...}}]}`` (the first call),
    ``{"type": "tool_use", "name": ..., "input": {...}}`` (Anthropic).  The arguments may be
    a JSON string (OpenAI) or an object.  None for any other answer."""
    if not looks_like_json(text):
        return None
    try:
        data = json.loads(_unfenced(text))
    except json.JSONDecodeError:
        return None
    for _ in range(3):
        if isinstance(data, dict) and isinstance(data.get("tool_calls"), list) and data["tool_calls"]:
            data = data["tool_calls"][0]
        elif isinstance(data, dict) and isinstance(data.get("function_call"), dict):
            data = data["function_call"]
        elif isinstance(data, dict) and isinstance(data.get("function"), dict):
            data = data["function"]
    if not isinstance(data, dict) or "components" in data:
        return None
    args = data.get("arguments", data.get("input") if data.get("type") == "tool_use" else None)
    name = data.get("name")
    if not isinstance(name, str) or args is None:
        return None
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return name, args                # the reader says what is wrong with it
    if not isinstance(args, dict):
        return None
    return name, json.dumps(args)


def _reshape(data: dict[str, Any], notes: dict[str, list[str]]) -> None:
    """Rewrite ``data`` in place where it says the schema's content in another shape: an
    object keyed by reference or net name for a list (``"components": {"U1": {...}}``,
    ``"nets": {"VIN": ["U1.1", "C1.1"]}``) [``json-keyed``]; no ``nets`` but each component
    mapping its pins to nets (``"pins": {"1": "VIN", "2": "GND"}``, or a list of ``{"pin",
    "net"}`` objects) [``json-pin-nets``]."""
    for key, member in _KEYED.items():
        value = data.get(key)
        if not isinstance(value, dict) or not value or member in value:
            continue
        items = []
        for name, body in value.items():
            if isinstance(body, dict):
                items.append({member: name, **body})
            elif key == "nets" and isinstance(body, (list, str)):
                items.append({"name": name, "pins": body})
            elif key == "pin_tables" and isinstance(body, list):
                items.append({"ref": name, "pins": body})
            else:
                break
        else:
            data[key] = items
            notes.setdefault("json-keyed", []).append(f"{key} by {'name' if member == 'name' else 'reference'}")
    comps = data.get("components")
    if data.get("nets") or not isinstance(comps, list):
        return
    nets: dict[str, list[str]] = {}
    for c in comps:
        ref = c.get("ref", c.get("designator", c.get("reference"))) if isinstance(c, dict) else None
        mapping = next((c[m] for m in _PIN_NET_MEMBERS if isinstance(c, dict) and m in c), None)
        pairs = _pin_net_pairs(mapping)
        if not isinstance(ref, str) or pairs is None:
            return                           # not every component maps its pins: not this shape
        for pin, net in pairs:
            nets.setdefault(net, []).append(f"{ref}.{pin}")
    if not nets:
        return
    for c in comps:
        for m in _PIN_NET_MEMBERS:
            c.pop(m, None)
    data["nets"] = [{"name": n, "pins": p} for n, p in nets.items()]
    notes.setdefault("json-pin-nets", []).extend(f"{n}: {', '.join(p)}" for n, p in nets.items())


def _pin_net_pairs(mapping: Any) -> list[tuple[str, str]] | None:
    """``(pin, net)`` of a component's pin-to-net map (``{"1": "VIN"}``, ``[{"pin": 1, "net":
    "VIN"}]``); pins with an empty net are left out; None when ``mapping`` is no such map."""
    if isinstance(mapping, dict):
        pairs = list(mapping.items())
    elif isinstance(mapping, list) and mapping and all(isinstance(m, dict) and ("net" in m or "net_name" in m)
                                                    for m in mapping):
        pairs = [(next((m[k] for k in ("pin", "num", "number") if k in m), None), m.get("net", m.get("net_name")))
                 for m in mapping]
    else:
        return None
    out = []
    for pin, net in pairs:
        if isinstance(pin, (int, str)) and not isinstance(pin, bool) and str(pin).strip() \
                and (net is None or isinstance(net, str)):
            if net and net.strip():
                out.append((str(pin).strip(), net.strip()))
        else:
            return None
    return out


def _loosen(obj: dict[str, Any], kind: str, notes: dict[str, list[str]]) -> None:
    """Rewrite ``obj`` (an object of ``kind``: "" for the answer, else the array it sits in)
    in place towards the schema, noting what changed."""
    for other, ours in _RENAMED.get(kind, {}).items():
        if other in obj and ours not in obj:
            obj[ours] = obj.pop(other)
            notes.setdefault("json-renamed", []).append(f"{other} as {ours}")
    for key, empty in _OPTIONAL.get(kind, {}).items():
        if key not in obj:
            obj[key] = copy.deepcopy(empty)
            notes.setdefault("json-missing", []).append(f"{kind}.{key}" if kind else key)
    allowed = _MEMBERS[kind]
    for key in [k for k in obj if k not in allowed]:
        del obj[key]
        notes.setdefault("json-extra", []).append(key)
    for key, value in list(obj.items()):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "pins":
            obj[key] = f"{value:g}" if isinstance(value, float) else str(value)
            notes.setdefault("json-types", []).append(f"{kind}.{key}" if kind else key)
        elif key == "pins" and kind == "nets" and isinstance(value, str):
            obj[key] = [p.strip() for p in value.split(",") if p.strip()]
            notes.setdefault("json-types", []).append("nets.pins")
        elif isinstance(value, list) and key in _MEMBERS:
            for item in value:
                if isinstance(item, dict):
                    _loosen(item, key, notes)


def _members(schema: dict[str, Any], kind: str, out: dict[str, set[str]]) -> dict[str, set[str]]:
    out[kind] = set(schema.get("properties", {}))
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "array" and sub["items"].get("type") == "object":
            _members(sub["items"], key, out)
    return out


#: Member names of each kind of object in the schema ("" for the answer itself).
_MEMBERS = _members(answer_schema(), "", {})


def _load(text: str) -> Any:
    """The JSON value of an answer (code fence allowed); ``json-syntax`` error otherwise."""
    try:
        return json.loads(_unfenced(text))
    except json.JSONDecodeError as e:
        raise AnswerJSONError("json-syntax", f"the answer is not valid JSON: {e.msg} (line {e.lineno}, "
                              f"column {e.colno})", e.lineno, e.colno) from None


def _check(data: Any) -> None:
    """Raise a ``json-schema`` error listing every violation of the schema."""
    problems = schema_violations(answer_schema(), data)
    if problems:
        shown = "; ".join(problems[:12]) + (f"; ... and {len(problems) - 12} more" if len(problems) > 12 else "")
        raise AnswerJSONError("json-schema", f"the JSON answer does not follow the schema {SCHEMA_NAME}: {shown}")


def _document(data: dict[str, Any]) -> Document:
    """The document of JSON that follows the schema."""
    doc = Document(title=data["title"])
    doc.components = [Component(c["ref"], c["type"], c["value"], c["fp"]) for c in data["components"]]
    for i, t in enumerate(data["pin_tables"]):
        if t["ref"] in doc.pins:
            raise AnswerJSONError("format", f"pin_tables[{i}]: a second pin table for {t['ref']}; give one "
                                  "table per part")
        doc.pins[t["ref"]] = [PinDef(p["num"], p["name"], p["type"]) for p in t["pins"]]
    doc.nets = [Net(n["name"], list(n["pins"])) for n in data["nets"]]
    return _as_parsed(doc)


def _as_parsed(doc: Document) -> Document:
    """``doc`` written as TOKN and read back: the strict parser's verdict and its document."""
    from ..doc import parse_tokn, write_tokn
    try:
        return parse_tokn(write_tokn(doc))
    except (ToknSyntaxError, ToknSemanticError, ValueError) as e:
        msg = getattr(e, "message", None) or str(e)
        raise AnswerJSONError("format", f"the JSON answer is no valid TOKN document: {msg}") from None


def document_to_json(doc: Document) -> dict[str, Any]:
    """The JSON form of a document of the answer layout (components, pin tables, nets; other
    sections and per-unit rows are not part of an answer)."""
    seen: set[str] = set()
    comps = []
    for c in doc.components:
        if c.ref not in seen:
            seen.add(c.ref)
            comps.append({"ref": c.ref, "type": c.lib_id, "value": c.value, "fp": c.fp})
    return {"title": doc.title, "components": comps,
            "pin_tables": [{"ref": ref, "pins": [{"num": p.number, "name": p.name, "type": p.type}
                                                 for p in pins]} for ref, pins in doc.pins.items()],
            "nets": [{"name": n.name, "pins": list(n.pins)} for n in doc.nets]}
