"""Progress events and cancellation shared by the generation modules.

A caller passes ``on_progress`` (a callable taking one :class:`Progress`) and ``cancel``
(a :class:`threading.Event`); callbacks run in the caller's thread, never in a worker
thread, so a GUI can update itself directly.  Setting ``cancel`` stops the work at the next
check (within about 50 ms while waiting for the LLM) with :class:`Cancelled`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import Cancelled, EndpointError

__all__ = ["Progress", "ProgressCallback", "Cancelled", "EndpointError", "emit", "check_cancel"]


@dataclass(frozen=True)
class Progress:
    """One step of a generation.

    ``stage``: ``prepare`` (index/examples loading), ``retrieve``, ``ground``, ``request``
    (a request is sent), ``stream`` (text is arriving; ``chars`` so far), ``think`` (the
    server sends the model's reasoning apart from the answer; ``chars`` of it so far), ``retry`` (a request
    failed and will be retried after ``wait`` seconds), ``check`` (parse/validate/decode/ERC),
    ``repair`` (findings go back to the model), ``done``.
    """
    stage: str
    message: str = ""
    round: int = 0
    chars: int = 0
    wait: float = 0.0
    delta: str = ""               # the text that just arrived (stage "stream")


ProgressCallback = Callable[[Progress], None]


def emit(cb: Optional[ProgressCallback], stage: str, message: str = "", **kw) -> None:
    """Call ``cb`` with a :class:`Progress` when there is one."""
    if cb is not None:
        cb(Progress(stage, message, **kw))


def check_cancel(cancel: Optional[threading.Event]) -> None:
    """Raise :class:`Cancelled` when ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled()
