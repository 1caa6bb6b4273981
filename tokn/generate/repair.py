"""The bounded ask-check-repair loop.

:func:`run_repair_loop` asks the model (``ask``), checks the answer (``check``), and while
the check fails and rounds remain, sends the findings back (with pin tables of parts the
model introduced, from ``ground_more``).  It stops at the first answer that passes, after
``max_rounds`` answers, or when the model repeats an answer word for word a second time.
Small models copy their previous answer from the conversation (seen with Qwen2.5-Coder 0.5B
and 1.5B, at temperature 0 and at 0.7 alike), so after the first repeat the failed answer
is no longer shown: the next rounds ask afresh, the first conversation with the findings
added to the request (:func:`~tokn.generate.prompt.fresh_messages`), sampled at a
temperature of at least :data:`REPEAT_TEMPERATURE` (``ask``'s ``hot``).  It never raises
for a bad answer; endpoint errors and cancellation propagate.

Repair rounds of capable models (see :mod:`tokn.generate.partial`):

* ``check`` is given the answer the model was shown (a :class:`~tokn.generate.partial.Base`),
  so that an answer giving only some tables or changed rows is merged with it;
* an answer that holds no document -- empty, a refusal, a question, changes that cannot be
  applied -- is never shown back (an empty assistant turn is refused by some APIs, and a
  question shown back invites another): the next round shows the last answer that had one
  again, with a note on what went wrong (:func:`~tokn.generate.prompt.setback_note`);
* when no answer passes, the result is the *best* answer (:attr:`LoopResult.best`:
  a checked circuit over one that does not read, fewer errors, then the later), not
  merely the last: a round-3 refusal does not hide a round-1 circuit with one wrong pin.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

from .grounding import PartPins
from .llm import Completion
from .partial import Base
from .progress import ProgressCallback, check_cancel, emit
from .prompt import asks_question, describe, fresh_messages, repair_message, repair_messages, setback_note

#: Longest failed answer echoed back in a repair round (characters).
MAX_ECHO = 12000

#: Lowest sampling temperature of the rounds after a model repeated its answer.
REPEAT_TEMPERATURE = 0.7


class FindingLike(Protocol):
    severity: str
    code: str
    message: str
    where: str


@dataclass
class Check:
    """The verdict on one answer.

    ``ok``: it may be returned to the user.  ``findings``: errors and warnings (errors make
    ``ok`` false).  ``document``/``tokn_text``: the parsed document and its canonical text
    when the answer parsed.  ``decoded``: the KiCad schematic when it was decoded.
    ``no_document``: no TOKN text was found at all.  ``refs_to_ground``: references whose
    library pins the model should see on the next round.
    """
    ok: bool
    findings: list = field(default_factory=list)
    document: Any = None
    tokn_text: Optional[str] = None
    decoded: Any = None
    erc: Optional[dict] = None
    no_document: bool = False
    refs_to_ground: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)   # parse, validate, decode, erc
    #: what to show the model as this answer in a repair round when not its text: the whole
    #: document of an answer that gave only part of it (merged, :mod:`tokn.generate.partial`)
    shown_text: Optional[str] = None

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity == "error"]


@dataclass
class Attempt:
    round: int                   # 1-based
    completion: Completion
    check: Check
    repair_prompt: Optional[str] = None    # the message sent after this attempt, if any


@dataclass
class LoopResult:
    attempts: list[Attempt]
    stopped: str                 # "ok" | "max-rounds" | "repeated"

    @property
    def final(self) -> Attempt:
        return self.attempts[-1]

    @property
    def ok(self) -> bool:
        return self.final.check.ok

    @property
    def best(self) -> Attempt:
        """The answer to return: the one that passed, else the best failed one (:func:`rank`)."""
        return max(self.attempts, key=lambda a: rank(a.check) + (a.round,))


#: Errors of an answer that leaves out what the request asks for (a named part, a part kind, a value).
_UNASKED = frozenset({"missing-part", "missing-value"})


def rank(check: Check) -> tuple[int, int, int]:
    """How good an answer is, higher better: passed; a circuit that was checked (its errors
    name parts, pins, nets); a document that is incomplete (no nets, cut off, a format
    error); nothing readable.  Then fewer parts or values of the request missing (an answer
    that drops a requested part to fix a pin is further from the request than the pin
    mistake), then fewer errors."""
    codes = [f.code for f in check.errors]
    if check.ok:
        stage = 3
    elif check.document is None:
        stage = 0
    elif {"empty-circuit", "truncated"} & set(codes):
        stage = 1
    else:
        stage = 2
    return stage, -sum(c in _UNASKED for c in codes), -len(codes)


def summary(check: Check) -> str:
    """A few words on a failed answer, for a refusal's list of rounds."""
    codes = [f.code for f in check.errors]
    if "partial-answer" in codes:
        return "changes that could not be applied"
    if check.no_document:
        return "no document"
    if "truncated" in codes:
        return "cut off"
    n = len(codes)
    return f"{n} error{'s' if n != 1 else ''}"


Ask = Callable[[list[dict[str, str]], int, bool], Completion]     # (conversation, round, hot)
CheckFn = Callable[[Completion, Optional[Base]], Check]            # (answer, the document it corrects)
GroundMore = Callable[[Check], tuple[list[PartPins], list[str]]]


def run_repair_loop(ask: Ask, check: CheckFn, messages: list[dict[str, str]], max_rounds: int,
                    ground_more: Optional[GroundMore] = None,
                    on_progress: Optional[ProgressCallback] = None,
                    cancel: Optional[threading.Event] = None) -> LoopResult:
    """Run at most ``max_rounds`` (>= 1) ask/check rounds starting from ``messages``."""
    attempts: list[Attempt] = []
    convo = messages
    previous: Optional[str] = None
    hot = False
    shown: Optional[Attempt] = None            # the last answer with a document the model was shown
    base: Optional[Base] = None                # what the next answer corrects (None: a fresh round)
    for rnd in range(1, max(1, max_rounds) + 1):
        check_cancel(cancel)
        completion = ask(convo, rnd, hot)
        check_cancel(cancel)
        emit(on_progress, "check", "checking the answer", round=rnd)
        t0 = time.perf_counter()
        verdict = check(completion, base)
        verdict.seconds.setdefault("check", time.perf_counter() - t0)
        attempt = Attempt(rnd, completion, verdict)
        attempts.append(attempt)
        if verdict.ok:
            return LoopResult(attempts, "ok")
        if rnd >= max_rounds:
            return LoopResult(attempts, "max-rounds")
        if previous is not None and completion.text.strip() == previous:
            if hot:
                return LoopResult(attempts, "repeated")
            hot = True
            emit(on_progress, "repair", "the model repeated its answer; asking again with sampling", round=rnd)
        previous = completion.text.strip()
        parts, missing = ground_more(verdict) if ground_more is not None else ([], [])
        if not verdict.no_document:
            shown = attempt
        target = shown if verdict.no_document and shown is not None else attempt   # the answer to correct
        echo = target.check.shown_text or target.completion.text[:MAX_ECHO]
        fresh = hot or not echo.strip()        # nothing to show: ask afresh
        note = setback_note(verdict.errors, completion.text, shown=not fresh) if target is not attempt else ""
        msg = repair_message(target.check.findings, truncated=target.completion.truncated,
                             no_document=target.check.no_document, parts=parts, missing=missing, fresh=fresh,
                             question=target is attempt and verdict.no_document and asks_question(completion.text),
                             setback=note)
        attempt.repair_prompt = msg
        errs = verdict.errors
        first = f" (first: {describe(errs[0])[:140]})" if errs else ""
        emit(on_progress, "repair", f"answer {rnd} has {len(errs)} error{'s' if len(errs) != 1 else ''}"
             f"{first}; asking for a repair", round=rnd)
        if fresh:
            convo, base = fresh_messages(messages, msg), None
        else:
            convo = repair_messages(messages, echo, msg)
            base = Base(target.round, target.check.document, echo)
    raise AssertionError("unreachable")
