"""Choosing the few-shot examples most relevant to a request (BM25).

Scoring is BM25+ (``rank_bm25.BM25Plus``).  Documents are an example's request, title, tags and TOKN text (component types, values, pin
and net names); the query is the user's request plus, when the pipeline found them, the
keywords and descriptions of the parts it names (so "LM317" finds a regulator example even
when no example uses an LM317).  Tokens are lower-case words, part numbers kept whole and
also split at letter/digit boundaries, plus a few domain synonyms (op-amp -> opamp, LDO ->
regulator...).  Ties keep the bundled order.  An example whose score is not positive is
never chosen, so an unrelated request gets fewer than ``k`` examples (possibly none).
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from rank_bm25 import BM25Plus

from .fewshot import Example

_WORD = re.compile(r"[a-z0-9]+(?:[.\-+][a-z0-9]+)*")
_ALNUM_SPLIT = re.compile(r"[a-z]+|[0-9]+")
_SYNONYMS = {
    "op": "opamp", "opamps": "opamp", "amplifier": "opamp", "amp": "opamp", "follower": "opamp",
    "buffer": "opamp", "comparator": "opamp",
    "ldo": "regulator", "regulators": "regulator", "vreg": "regulator", "linear": "regulator",
    "buck": "converter", "boost": "converter", "dcdc": "converter", "smps": "converter",
    "microcontroller": "mcu", "micro": "mcu", "processor": "mcu", "atmega": "mcu", "stm32": "mcu",
    "esp32": "mcu", "rp2040": "mcu", "pic": "mcu",
    "uart": "serial", "rs232": "serial", "rs485": "serial", "rs422": "serial", "usart": "serial",
    "transceiver": "interface", "can": "canbus", "canh": "canbus", "canl": "canbus",
    "xtal": "crystal", "oscillator": "crystal", "resonator": "crystal",
    "decoupling": "capacitor", "bypass": "capacitor", "cap": "capacitor", "caps": "capacitor",
    "resistor": "resistor", "pullup": "resistor", "pull": "resistor",
    "leds": "led", "indicator": "led",
    "mosfet": "transistor", "fet": "transistor", "bjt": "transistor", "npn": "transistor", "pnp": "transistor",
    "sensor": "sensor", "sensing": "sensor", "sense": "sensor",
    "usb": "usb", "vbus": "usb",
}
_STOP = frozenset("a an and the with using use for of to in on by design circuit make build create "
                  "which that this is are be or as at from into it its".split())


def tokenize(text: str) -> list[str]:
    """BM25 tokens of ``text`` (see the module doc)."""
    out: list[str] = []
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        out.append(w)
        parts = _ALNUM_SPLIT.findall(w)
        if len(parts) > 1:
            out.extend(p for p in parts if len(p) >= 2 and p not in _STOP)
        syn = _SYNONYMS.get(w)
        if syn and syn != w:
            out.append(syn)
    return out


class Retriever:
    """BM25 index over a fixed list of examples."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.examples = list(examples)
        docs = [tokenize(e.search_text()) or ["_empty_"] for e in self.examples]
        self._bm25 = BM25Plus(docs) if docs else None

    def scores(self, query: str) -> list[float]:
        """BM25+ relevance of each example above the score of an example sharing no query
        token (so 0 means unrelated).  BM25+ rather than Okapi BM25 because with a dozen
        examples Okapi's idf is zero or negative for any word in half of them."""
        if self._bm25 is None:
            return []
        q = tokenize(query)
        if not q:
            return [0.0] * len(self.examples)
        bm = self._bm25
        base = sum((bm.idf.get(t) or 0.0) * bm.delta for t in q)
        return [float(s) - base for s in bm.get_scores(q)]

    def top(self, query: str, k: int, budget_chars: int | None = None,
            exclude: Iterable[str] = ()) -> list[Example]:
        """Up to ``k`` examples, best first, positive score only; with ``budget_chars`` the
        chosen examples' texts together stay within that many characters."""
        if k <= 0 or not self.examples:
            return []
        skip = set(exclude)
        sc = self.scores(query)
        ranked = sorted(range(len(self.examples)), key=lambda i: (-sc[i], i))
        out: list[Example] = []
        used = 0
        for i in ranked:
            if sc[i] <= 0 or len(out) >= k:
                break
            e = self.examples[i]
            if e.id in skip:
                continue
            if budget_chars is not None and used + len(e.text) > budget_chars:
                continue
            out.append(e)
            used += len(e.text)
        return out
