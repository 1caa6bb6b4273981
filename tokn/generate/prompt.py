"""The messages sent to the LLM: system rules, few-shot turns, the request with its pin
tables, and the repair message.

Shape of a conversation (chat format)::

    system     SYSTEM_PROMPT
    user       "Design request: <example request>"      } one pair per few-shot example
    assistant  <example TOKN>                           }
    user       request + pin tables of the named parts
    [assistant <previous answer>, user <repair message>]  (repair rounds; only the last one)
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .fewshot import Example
from .grounding import PartPins, pin_table

SYSTEM_PROMPT = """\
You design electronic circuits. Answer with exactly one TOKN document (a compact text form \
of a KiCad schematic) and nothing else: no explanation, no markdown fences.

TOKN layout:
# TOKN v1
title: <short title>

components[N]{ref,type,value,fp}:
  <one row per part: reference (R1, C1, U1, ...), KiCad symbol name, value, footprint (may be empty)>

pins{REF}[N]{num,name,type}:
  <for each IC: its pin table, copied from the pin tables you are given>

nets[N]{name,pins}:
  <one row per net: net name, then its pins as "REF.PIN,REF.PIN,..." in double quotes>

Rules:
1. N in every table header is exactly the number of rows under it; rows are indented by two spaces.
2. Use only real pins. REF.PIN uses the pin NUMBER from that part's pin table (U1.8, never U1.VCC). \
Use the pin tables you are given for the named parts, with the reference each table is given \
(pins{U1} means the part is U1); never invent pins.
3. type is the KiCad symbol name given with the pin table (e.g. LM7805_TO220, ATmega328P-A). For \
passives use the KiCad Device symbols: R, C, C_Polarized, L, D, LED, Crystal, R_Potentiometer. \
Their pins are 1 and 2 (C_Polarized: 1 is +; D and LED: 1 is K (cathode), 2 is A (anode); \
R_Potentiometer: 1, 3 ends, 2 wiper).
4. Values as engineers write them: 10k, 4.7k, 100nF, 10uF, 16MHz, 330.
5. Each pin is in at most one net. Connect every power pin (power_in) of every IC.
6. Power nets are named GND, +5V, +3V3, +12V, VCC, VBAT...; signal nets by function (VOUT, SDA, \
RESET); unnamed nets N1, N2, ...
7. A part with several units (e.g. a dual op-amp) is ONE components row; its nets may use the pins \
of all its units.
8. A field that contains a comma is written in double quotes.
"""

MAX_FINDINGS = 30

#: Appended to the system prompt when the answer is constrained to the JSON schema
#: (:mod:`tokn.generate.answer_schema`): the examples and pin tables stay TOKN, the answer's
#: content is the same.
JSON_ANSWER_NOTE = """\
Answer format: your answer is one JSON object (schema tokn_answer) instead of TOKN text, with \
the same content: title; components (ref, type, value, fp: one per components row); pin_tables \
(ref, and pins of num, name, type: one per pins{REF} table); nets (name, and pins as REF.PIN with \
pin numbers). Wherever these instructions say TOKN document, write that JSON object.
"""


def describe(f) -> str:
    """One line for a finding: ``severity: [where: ]message [code]`` (``where`` is left out
    when the message already starts with it)."""
    where = getattr(f, "where", "") or ""
    msg = getattr(f, "message", "") or str(f)
    loc = f"{where}: " if where and not msg.startswith(where) else ""
    return f"{getattr(f, 'severity', 'error')}: {loc}{msg} [{getattr(f, 'code', '')}]"


def _example_user(e: Example) -> str:
    return f"Design request: {e.request or e.title or 'a circuit'}"


def grounding_block(parts: Sequence[PartPins], missing: Sequence[str] = ()) -> str:
    """The pin tables, and a note on named parts the library does not have."""
    out: list[str] = []
    if parts:
        out.append("Pin tables of the parts named in the request (real KiCad symbols). Write each part "
                   "with the reference, type and pin numbers given here:")
        out += [pin_table(p) for p in parts]
    if missing:
        out.append(f"Not in the KiCad libraries: {', '.join(missing)}. For such a part write its part "
                   "number as type and give its complete pins{REF}[N]{num,name,type} table from "
                   "the datasheet.")
    return "\n\n".join(out)


def build_messages(request: str, examples: Sequence[Example] = (), parts: Sequence[PartPins] = (),
                   missing: Sequence[str] = (), system: str = SYSTEM_PROMPT) -> list[dict[str, str]]:
    """The first conversation for ``request``."""
    msgs = [{"role": "system", "content": system}]
    for e in examples:
        msgs.append({"role": "user", "content": _example_user(e)})
        msgs.append({"role": "assistant", "content": e.text.rstrip("\n")})
    user = f"Design request: {request.strip()}"
    g = grounding_block(parts, missing)
    if g:
        user += "\n\n" + g
    user += "\n\nAnswer with the TOKN document only, starting with the line '# TOKN v1'."
    msgs.append({"role": "user", "content": user})
    return msgs


def with_json_answer(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """``messages`` with :data:`JSON_ANSWER_NOTE` added to the system prompt (a copy)."""
    out = [dict(m) for m in messages]
    if out and out[0]["role"] == "system":
        out[0]["content"] = out[0]["content"].rstrip("\n") + "\n\n" + JSON_ANSWER_NOTE
    else:
        out.insert(0, {"role": "system", "content": JSON_ANSWER_NOTE})
    return out


def asks_question(answer: str) -> bool:
    """Whether an answer without a document asks something instead (a model unsure of a
    value asks back rather than choosing one)."""
    return "?" in answer.strip()[-400:]


#: What a model that asked instead of answering is told.
NO_QUESTIONS = ("Do not ask questions: where the request leaves something open, choose a common, sensible "
                "part or value yourself and answer with the document.")


def setback_note(errors: Sequence, answer: str, shown: bool = True) -> str:
    """The first lines of a repair message after an answer that could not be used at all
    (``errors``: its errors; no document, changes that do not apply...), when the model is
    shown its earlier answer again instead (``shown`` False: a fresh round, nothing shown)."""
    first = describe(errors[0]) if errors else "it held no TOKN document"
    lines = [f"Your last answer could not be used: {first[:400]}"]
    if asks_question(answer):
        lines.append(NO_QUESTIONS)
    lines.append("The answer shown above is your earlier one; the problems below are still in it." if shown
                 else "The problems below are those of your earlier answer.")
    return "\n".join(lines)


def repair_message(findings: Iterable, *, truncated: bool = False, no_document: bool = False,
                   parts: Sequence[PartPins] = (), missing: Sequence[str] = (), fresh: bool = False,
                   question: bool = False, setback: str = "") -> str:
    """What goes back to the model after a failed answer: every finding (``str(f)`` of each,
    errors first, at most :data:`MAX_FINDINGS`), what to do about a cut-off or missing
    document, and the pin tables of parts the model used that the first prompt lacked.
    ``fresh``: worded for :func:`fresh_messages` (the failed answer is not shown).
    ``question``: the answer asked a question instead (:data:`NO_QUESTIONS` is added).
    ``setback``: lines to put first (:func:`setback_note`)."""
    fs = sorted(findings, key=lambda f: 0 if getattr(f, "severity", "error") == "error" else 1)
    lines = ["An earlier answer to this request was rejected for the problems below. Write a new "
             "answer that has none of them: the complete TOKN document only (starting with '# TOKN v1', "
             "no explanation)." if fresh else
             "Your answer has problems. Fix every one of them and answer with the complete corrected "
             "TOKN document only (starting with '# TOKN v1', no explanation)."]
    if setback:
        lines.insert(0, setback)
    if no_document:
        lines.append("- Your answer contained no TOKN document. Start with the line '# TOKN v1', then "
                     "the components, pins and nets tables.")
    if question:
        lines.append("- " + NO_QUESTIONS)
    if truncated:
        lines.append("- Your answer was cut off before its end (length limit). Write a shorter "
                     "document: only components, pins of ICs and nets; no comments.")
    shown = fs[:MAX_FINDINGS]
    lines += [f"- {describe(f)}" for f in shown]
    if len(fs) > len(shown):
        lines.append(f"- ... and {len(fs) - len(shown)} more problems of the same kinds")
    g = grounding_block(parts, missing)
    if g:
        lines += ["", g.replace("the parts named in the request", "parts in your answer")
                  .replace("Write each part with the reference, type and pin numbers given here",
                           "Use these pin numbers")]
    return "\n".join(lines)


def repair_messages(first: list[dict[str, str]], answer: str, repair: str) -> list[dict[str, str]]:
    """The conversation of a repair round: the first conversation, the failed answer, the
    repair message (earlier failed rounds are left out to keep the prompt short)."""
    return first + [{"role": "assistant", "content": answer}, {"role": "user", "content": repair}]


def fresh_messages(first: list[dict[str, str]], repair: str) -> list[dict[str, str]]:
    """The first conversation with ``repair`` (worded with ``fresh=True``) appended to its
    request: a new attempt that does not show the failed answer."""
    last = first[-1]
    return first[:-1] + [{"role": last["role"], "content": last["content"] + "\n\n" + repair}]


def approx_tokens(messages: Sequence[dict[str, str]]) -> int:
    """A quick token estimate of a conversation (characters / 3.6 + 4 per message)."""
    return int(sum(len(m["content"]) for m in messages) / 3.6) + 4 * len(messages)
