"""LLM-written requests for instruction pairs (``tokn dataset --describe``), cached.

The deterministic request of a pair (:mod:`tokn.dataset.instructions`) stays in
``request``; this module adds ``request_llm``: one or two sentences a user might type,
written by an LLM through tokn's client (:class:`tokn.generate.llm.LLMClient`, the
endpoint settings of ``tokn generate``) from the design's title, the deterministic request,
the pair's parts and its named nets (:func:`describe_messages`, the fixed prompt below).

Contract of :func:`describe_pairs`:

* every pair gets the key ``request_llm`` (placed after ``request``): the cleaned
  description, or None when none could be had; it never raises for one pair's failure (endpoint error, rejected answer, cache
  not writable) but returns one :class:`Failure` per pair left without description;
* answers are cleaned and checked by :func:`clean_answer` (a :class:`DescriptionError`
  names what was wrong);
* descriptions come from the cache (:mod:`tokn.dataset.desccache`, keyed on the model and
  the messages) when present; only a miss sends a request, and only accepted descriptions
  are stored.  With the cache holding every description, the output is the same bytes
  without any network.

Layering: ``tokn/dataset`` (layer 6) sits above ``tokn/generate`` (layer 5), so it uses
the generate layer's client and settings directly (docs/architecture.md).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Optional

from ..doc.reasoning import skip_reasoning
from ..errors import DescriptionError, ToknError
from ..generate.config import Settings
from .desccache import DescriptionCache, cache_key

#: The fixed prompt.  Changing any of it changes :data:`PROMPT_DIGEST`, hence every cache
#: key and every shard key: descriptions are then asked for again.
SYSTEM_PROMPT = ("You write the request an electronics engineer would type to ask a design assistant for a "
                 "KiCad schematic. Answer with the request only: one or two plain sentences in English, no "
                 "quotes, no lists, no code, no reference designators.")
USER_TEMPLATE = ("Circuit title: {title}\n"
                 "Parts: {parts}\n"
                 "Named nets: {nets}\n"
                 "Precise form of the request: {request}\n\n"
                 "Write the request as a user would: say what the circuit is for and name its main parts.")
#: Most parts and named nets listed in the prompt (the rest is counted: "... and 12 more").
MAX_PROMPT_PARTS = 40
MAX_PROMPT_NETS = 24
#: Longest accepted description (characters, after cleaning); longer answers are cut at a
#: sentence end within it, or rejected when no sentence fits.
MAX_CHARS = 400
#: ``max_tokens`` of a description request (the settings' own value is for circuits).
ANSWER_MAX_TOKENS = 300

PROMPT_DIGEST = hashlib.sha256(f"{SYSTEM_PROMPT}\n{USER_TEMPLATE}\n{MAX_PROMPT_PARTS},{MAX_PROMPT_NETS},"
                               f"{MAX_CHARS}".encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class DescribeSpec:
    """Plain data a shard needs to describe its pairs (picklable: it travels to local worker
    processes and Ray tasks).  ``settings`` carries the endpoint and the API key (never
    printed: :class:`Settings` hides it from ``repr``); ``cache_dir`` must be a path every
    worker sees (absolute)."""
    settings: Settings
    cache_dir: str

    def key_part(self) -> dict:
        """What the shard's output depends on (enters :meth:`ShardSpec.key`): the model and
        the prompt, not the endpoint or the key."""
        return {"model": self.settings.model, "prompt": PROMPT_DIGEST}

    def public(self) -> dict:
        """For ``plan.json`` and the card: no key."""
        return {"model": self.settings.model, "base_url": self.settings.base_url, "prompt": PROMPT_DIGEST,
                "cache_dir": self.cache_dir}


@dataclass
class Failure:
    """A pair left without description, and why."""
    pair_id: str
    error: BaseException


@dataclass
class Counts:
    """Descriptions of one shard: ``asked`` (requests answered and accepted), ``cached``
    (found in the cache), ``failed`` (left without)."""
    asked: int = 0
    cached: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"asked": self.asked, "cached": self.cached, "failed": self.failed}


# ---- the prompt ----------------------------------------------------------------------------

def _listing(items: list[str], most: int) -> str:
    if not items:
        return "none"
    shown = items[:most]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def describe_messages(pair: dict, title: str) -> list[dict[str, str]]:
    """The chat messages asking for ``pair``'s description: :data:`SYSTEM_PROMPT`, then
    :data:`USER_TEMPLATE` filled with the title, the parts of the completion (``ref type
    value``, at most :data:`MAX_PROMPT_PARTS`), its named nets (auto-named ``N…`` nets
    left out, at most :data:`MAX_PROMPT_NETS`) and the deterministic request.
    Deterministic: the same pair and title give the same messages."""
    from ..doc import parse_tokn
    from ..doc.naming import natural_key

    doc = parse_tokn(pair["completion"])
    seen: set[str] = set()
    parts = []
    for c in sorted(doc.components, key=lambda c: natural_key(c.ref)):
        if c.ref in seen:
            continue
        seen.add(c.ref)
        value = c.value if c.value and c.value not in ("~", c.type) else ""
        parts.append(" ".join(x for x in (c.ref, c.type, value) if x))
    nets = [n.name for n in doc.nets if n.name and not re.fullmatch(r"N\d+", n.name)]
    user = USER_TEMPLATE.format(title=title, parts=_listing(parts, MAX_PROMPT_PARTS),
                                nets=_listing(nets, MAX_PROMPT_NETS), request=pair["request"])
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


# ---- cleaning the answer -------------------------------------------------------------------

_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n?(.*?)\n?```$", re.S)
_LEAD = re.compile(r"^([^:]{0,80}):\s*(.+)$", re.S)
_LEAD_WORDS = re.compile(r"\b(?:request|prompt|description|here|sure|certainly)\b", re.I)
_QUOTES = (('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"), ("\u00ab", "\u00bb"), ("`", "`"))
_CODE = re.compile(r"#\s*TOKN\b|\b(?:components|nets)\[\d*\]|\bpins\{|\((?:kicad_sch|symbol|lib_id)\b|```"
                   r"|\A\s*[{\[<]|^\s*(?:def|class|import|#include|function)\b"
                   r"|\b[A-Za-z]+\d+\.\w+\s*,\s*[A-Za-z]+\d+\.\w+", re.I | re.M)
_REFUSAL = re.compile(r"^(?:i'?m sorry|i am sorry|sorry,|i cannot|i can'?t|as an ai\b|i'?m unable|i am unable)",
                      re.I)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def _unquote(text: str) -> str:
    """``text`` without one pair of surrounding quotes (a straight double quote only when
    there is none inside: ``"a" and "b"`` is two quotations)."""
    for a, b in _QUOTES:
        if len(text) >= 2 and text.startswith(a) and text.endswith(b) and not (a == '"' and '"' in text[1:-1]):
            return text[1:-1].strip()
    return text


def clean_answer(raw: str) -> str:
    """The description in an LLM answer ``raw``, cleaned: a reasoning model's thinking before
    it (:func:`tokn.doc.reasoning.skip_reasoning`), surrounding space, a code fence
    around prose, a lead-in (``Sure! Here is the request:``, ``Request:``), surrounding
    quotes and Markdown emphasis removed, whitespace collapsed to single spaces, and cut at a
    sentence end to at most :data:`MAX_CHARS` characters.

    Raises :class:`DescriptionError` for an answer that is empty (after cleaning) or all
    reasoning, a
    refusal, code or TOKN (a fence with code, ``# TOKN``, section headers, ``REF.PIN``
    lists, S-expressions, JSON), or whose first sentence alone is over :data:`MAX_CHARS`.
    """
    short = " ".join(raw.split())[:120]
    thought = skip_reasoning(raw)              # a reasoning model's <think> ... </think> first
    if thought.unclosed:
        raise DescriptionError(f"the answer is all reasoning (<{thought.unclosed}> never closed)", short)
    text = thought.text.strip()
    fence = _FENCE.match(text)
    if fence:
        text = fence.group(1).strip()
    if _CODE.search(text):
        raise DescriptionError("the answer is code or TOKN, not a request", short)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].rstrip().endswith(":") and _LEAD_WORDS.search(lines[0]):
        lines = lines[1:]                                     # "Here is a user-style request:" on its own line
    text = " ".join(" ".join(lines).split())
    lead = _LEAD.match(text)
    if lead and _LEAD_WORDS.search(lead.group(1)):
        text = lead.group(2)                                  # "Sure! Here's the request: ...", "Request: ..."
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"^[-*\u2022]\s+", "", text)
    text = _unquote(text.strip())
    if not text:
        raise DescriptionError("the answer is empty", short)
    if _REFUSAL.match(text):
        raise DescriptionError("the answer is a refusal, not a request", short)
    if len(text) > MAX_CHARS:
        ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= MAX_CHARS]
        if not ends:
            raise DescriptionError(f"the answer is over {MAX_CHARS} characters with no sentence end within them",
                                   short)
        text = text[: ends[-1]].strip()
    return text


# ---- describing ----------------------------------------------------------------------------

class Describer:
    """Descriptions for one worker (one shard at a time): cache first, then the endpoint.

    The client is made on the first cache miss, so a run whose descriptions are all cached
    opens no connection.  Not thread-safe; :meth:`close` releases the connection."""

    def __init__(self, spec: DescribeSpec) -> None:
        self.spec = spec
        self.settings = spec.settings.replace(stream=False, max_tokens=ANSWER_MAX_TOKENS)
        self.cache = DescriptionCache(spec.cache_dir)
        self._llm = None

    def describe(self, pair: dict, title: str, counts: Optional[Counts] = None) -> str:
        """The description of ``pair``.  Raises :class:`DescriptionError` (rejected answer),
        :class:`~tokn.errors.EndpointError` / :class:`~tokn.errors.ConfigError` (endpoint),
        ``OSError`` (cache not writable)."""
        model = self.settings.model
        messages = describe_messages(pair, title)
        key = cache_key(model, messages)
        hit = self.cache.get(key, model)
        if hit is not None:
            if counts is not None:
                counts.cached += 1
            return hit
        if self._llm is None:
            from ..generate.llm import LLMClient
            self._llm = LLMClient(self.settings)
        answer = self._llm.complete(messages)
        if answer.truncated:
            raise DescriptionError(f"the answer was cut at {ANSWER_MAX_TOKENS} tokens",
                                   " ".join(answer.text.split())[:120])
        text = clean_answer(answer.text)
        self.cache.put(key, model, text)
        if counts is not None:
            counts.asked += 1
        return text

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
            self._llm = None


def describe_pairs(pairs: list[dict], title: str, describer: Describer,
                   counts: Optional[Counts] = None) -> list[Failure]:
    """Set ``request_llm`` on every pair of one design (title ``title``); see the module
    doc.  Returns the pairs left without description, with the error of each."""
    failures: list[Failure] = []
    for pair in pairs:
        try:
            text: Optional[str] = describer.describe(pair, title, counts)
        except (ToknError, OSError) as e:
            text = None
            failures.append(Failure(pair["id"], e))
            if counts is not None:
                counts.failed += 1
        _set_after(pair, "request", "request_llm", text)
    return failures


def _set_after(d: dict, after: str, key: str, value) -> None:
    """Set ``d[key] = value`` with ``key`` placed right after ``after`` (key order is the
    JSON Lines column order)."""
    tail = []
    seen = False
    for k in list(d):
        if seen and k != key:
            tail.append((k, d.pop(k)))
        seen = seen or k == after
    d.pop(key, None)
    d[key] = value
    d.update(tail)


def failure_message(root: str, pair: dict, error: BaseException) -> str:
    """One line for the error report: the design, the pair and why it has no description."""
    why = str(error)
    if isinstance(error, DescriptionError) and error.answer:
        why += f" (answer: {json.dumps(error.answer, ensure_ascii=False)})"
    return " ".join(f"{root}: pair {pair['id']} ({pair['kind']}): no LLM description: {why}".split())


__all__ = ["SYSTEM_PROMPT", "USER_TEMPLATE", "PROMPT_DIGEST", "MAX_CHARS", "ANSWER_MAX_TOKENS", "DescribeSpec",
           "Describer", "Counts", "Failure", "clean_answer", "describe_messages", "describe_pairs",
           "failure_message"]
