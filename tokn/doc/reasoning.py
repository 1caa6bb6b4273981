"""The reasoning a model writes before its answer, found so that readers can skip it.

Reasoning models (DeepSeek-R1, Qwen3, QwQ, gpt-oss fine-tunes...) served without a reasoning
parser -- vLLM without ``--reasoning-parser``, llama.cpp with ``--reasoning-format none``,
older Ollama -- put their thinking into the answer's text, between ``<think>`` and
``</think>`` (some write ``<thinking>``, ``<reasoning>`` or ``<thought>``).  It often holds
a *draft* of the document, which a reader looking for the first TOKN header or the first
fenced block would take instead of the final answer.  Two shapes are recognised, both only
at the start of the answer (after blank space; several blocks in a row are all skipped):

* ``<think> ... </think>`` -- the block;
* ``... </think>`` with no opening tag -- the opening tag was part of the prompt (the chat
  templates of DeepSeek-R1 and QwQ end the prompt with ``<think>``), so the answer starts
  inside the reasoning and everything up to the closing tag is reasoning.

An opening tag never closed means the whole rest is reasoning: the model stopped (or was cut
off) before answering.  :func:`skip_reasoning` blanks the reasoning out *keeping every line
break*, so line numbers in later error messages are still the answer's own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Reasoning", "skip_reasoning"]

_TAGS = "think|thinking|reasoning|thought"
_OPEN = re.compile(rf"\s*<({_TAGS})>", re.I)          # used with match(): at a position
_CLOSE_FIRST = re.compile(rf"</({_TAGS})>", re.I)
_BREAK = re.compile(r"\r\n|\r|\n")               # line ends as the answer readers split them


@dataclass(frozen=True)
class Reasoning:
    """An answer with its leading reasoning blanked out.

    ``text``: the answer, the reasoning replaced by its line breaks (same line count as the
    answer).  ``lines``: the 1-based answer lines the reasoning covered (empty when there was
    none).  ``unclosed``: the tag of a block opened and never closed (``"think"``), else
    ``None``."""
    text: str
    lines: list[int] = field(default_factory=list)
    unclosed: str | None = None


def skip_reasoning(answer: str) -> Reasoning:
    """``answer`` without the reasoning at its start (see the module doc)."""
    if "<" not in answer:
        return Reasoning(answer)
    pos = 0
    unclosed = None
    m = _CLOSE_FIRST.search(answer)
    if m is not None and not _OPEN.match(answer) and not re.search(rf"<{m.group(1)}>", answer[:m.start()], re.I):
        pos = m.end()                          # "... </think>": the prompt opened the block
    while True:
        m = _OPEN.match(answer, pos)
        if m is None:
            break
        tag = m.group(1)
        close = re.compile(rf"</{re.escape(tag)}>", re.I).search(answer, m.end())
        if close is None:
            unclosed = tag.lower()
            pos = len(answer)
            break
        pos = close.end()
    if pos == 0:
        return Reasoning(answer)
    skipped = answer[:pos]
    lead = len(skipped) - len(skipped.lstrip())
    first, breaks = len(_BREAK.findall(skipped, 0, lead)) + 1, len(_BREAK.findall(skipped))
    return Reasoning("\n" * breaks + answer[pos:], list(range(first, breaks + 2)), unclosed)
