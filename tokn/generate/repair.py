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
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

from .grounding import PartPins
from .llm import Completion
from .progress import ProgressCallback, check_cancel, emit
from .prompt import describe, fresh_messages, repair_message, repair_messages

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


Ask = Callable[[list[dict[str, str]], int, bool], Completion]     # (conversation, round, hot)
CheckFn = Callable[[Completion], Check]
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
    for rnd in range(1, max(1, max_rounds) + 1):
        check_cancel(cancel)
        completion = ask(convo, rnd, hot)
        check_cancel(cancel)
        emit(on_progress, "check", "checking the answer", round=rnd)
        t0 = time.perf_counter()
        verdict = check(completion)
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
        msg = repair_message(verdict.findings, truncated=completion.truncated,
                             no_document=verdict.no_document, parts=parts, missing=missing, fresh=hot)
        attempt.repair_prompt = msg
        errs = verdict.errors
        first = f" (first: {describe(errs[0])[:140]})" if errs else ""
        emit(on_progress, "repair", f"answer {rnd} has {len(errs)} error{'s' if len(errs) != 1 else ''}"
             f"{first}; asking for a repair", round=rnd)
        convo = (fresh_messages(messages, msg) if hot
                 else repair_messages(messages, completion.text[:MAX_ECHO], msg))
    raise AssertionError("unreachable")
