"""``tokn bench``: run a prompt set against an endpoint and score every answer objectively.

Prompt sets use the public TOKN benchmark's JSONL format: one object per line with
``prompt``, ``required_ics``, ``required_components`` (ICs, passive values such as
``0.1uF``, ``10k``, ``16MHz``), and other fields that are ignored.

Scores of one item (the final answer, also when it was refused):

``syntax_valid``        the final answer parsed as TOKN (``first_syntax_valid``: the first one)
``ic_match``            share of ``required_ics`` present (component type or value names the
                        part: same name ignoring case/separators, or with a suffix/ordering
                        code/KiCad ``x`` wildcard: ``STM32F103C8T6`` == ``STM32F103C8Tx``)
``component_match``     share of the other ``required_components`` present, values
                        normalised (``0.1uF`` == ``100nF``, ``10k`` == ``10kohm`` == ``10K``,
                        ``4k7`` == ``4.7k``, ``60R`` == ``60``); duplicates must be present as
                        many times; a component satisfies one requirement (maximum matching)
``req_match``           share of all requirements (ICs and components) present
``pin_correct``         share of the pins the answer uses (``REF.PIN`` in nets and rows of
                        ``pins{REF}`` tables) that exist in the part's library symbol with the
                        stated name; pins of parts not in the library count as wrong
``erc_errors``          KiCad ERC errors of the decoded sheet (None when not decoded/no kicad-cli)
``fixed``               codes of the normalisations and repairs made to the final answer
                        (findings of severity ``fixed``; ``fixed_rate`` in the summary: share
                        of answers with any)
``rounds``, ``latency`` LLM rounds used; wall time of the request (``llm_seconds``,
                        ``overhead``: the pipeline's own time)
"""
from __future__ import annotations

import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..doc.pinref import split_pin_ref
from ..errors import GenerationError
from .jsonl import iter_jsonl
from .config import Settings
from .grounding import names_part, value_words
from .quantities import parse_value, same_value  # noqa: F401  (part of this module's API)
from .pipeline import GenerationResult, Generator
from .progress import Cancelled, EndpointError, ProgressCallback

# ---- matching requirements ----------------------------------------------------------------------

def _component_matches(req: str, comp_type: str, comp_value: str) -> bool:
    if parse_value(req) is not None:
        return any(same_value(req, tok) for tok in value_words(comp_value))
    return names_part(req, comp_type, comp_value)


def _max_matching(reqs: list[str], comps: list[tuple[str, str]]) -> list[bool]:
    """Which requirements are satisfied, each component used once (augmenting paths)."""
    adj = [[j for j, (t, v) in enumerate(comps) if _component_matches(r, t, v)] for r in reqs]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(reqs)):
        augment(i, set())
    got = set(owner.values())
    return [i in got for i in range(len(reqs))]


def requirement_scores(doc: Any, required_ics: list[str], required_components: list[str]) -> dict[str, Any]:
    """``ic_match``, ``component_match``, ``req_match`` (None when nothing is required) and
    the requirements that were missed."""
    others = list(required_components)
    for ic in required_ics:               # ICs listed in both lists count once
        for k, c in enumerate(others):
            if c.casefold() == ic.casefold():
                del others[k]
                break
    comps: list[tuple[str, str]] = []
    if doc is not None:
        seen: set[str] = set()
        for c in doc.components:
            if c.ref not in seen:
                seen.add(c.ref)
                comps.append((c.type, c.value))
    reqs = list(required_ics) + others
    hit = _max_matching(reqs, comps) if comps else [False] * len(reqs)
    n_ic = len(required_ics)

    def share(xs: list[bool]) -> Optional[float]:
        return sum(xs) / len(xs) if xs else None

    return {"ic_match": share(hit[:n_ic]), "component_match": share(hit[n_ic:]), "req_match": share(hit),
            "missing": [r for r, h in zip(reqs, hit) if not h]}


def pin_scores(doc: Any, library_pins: Callable[[Any], Optional[tuple[str, dict[str, list[str]]]]],
               same_name: Callable[[str, str], bool]) -> dict[str, Any]:
    """``pin_correct`` (None when the answer uses no pin) and ``pins_checked``."""
    if doc is None:
        return {"pin_correct": None, "pins_checked": 0}
    by_ref = {}
    for c in doc.components:
        by_ref.setdefault(c.ref, c)
    lib: dict[str, Optional[dict[str, list[str]]]] = {}

    def pins_of(ref: str) -> Optional[dict[str, list[str]]]:
        if ref not in lib:
            comp = by_ref.get(ref)
            r = library_pins(comp) if comp is not None else None
            lib[ref] = r[1] if r else None
        return lib[ref]

    checks: dict[tuple[str, str], bool] = {}
    for net in doc.nets:
        for p in net.pins:
            sp = split_pin_ref(p, by_ref)
            if sp is None:
                checks[(p, "")] = False
                continue
            ref, num = sp
            pins = pins_of(ref)
            checks.setdefault((ref, num), pins is not None and num in pins)
    for ref, rows in doc.pins.items():
        pins = pins_of(ref)
        for pd in rows:
            ok = pins is not None and pd.number in pins and (
                not pd.name or any(n in ("", "~") or same_name(n, pd.name) for n in pins[pd.number]))
            checks[(ref, pd.number)] = checks.get((ref, pd.number), True) and ok
    n = len(checks)
    return {"pin_correct": (sum(checks.values()) / n) if n else None, "pins_checked": n}


# ---- running --------------------------------------------------------------------------------

def resolve_prompt_set(name: str) -> str:
    """A prompt-set path: ``name`` itself when it exists, else ``prompts_<name>.jsonl`` from
    ``$TOKN_BENCH_DIR``, ``$TOKN_SHARED/anchor``, ``./shared/anchor`` or ``../shared/anchor``."""
    if os.path.exists(name):
        return name
    dirs = [os.environ.get("TOKN_BENCH_DIR", ""),
            os.path.join(os.environ.get("TOKN_SHARED", ""), "anchor") if os.environ.get("TOKN_SHARED") else "",
            os.path.join("shared", "anchor"), os.path.join("..", "shared", "anchor")]
    for d in filter(None, dirs):
        for fn in (f"prompts_{name}.jsonl", f"{name}.jsonl", name):
            p = os.path.join(d, fn)
            if os.path.isfile(p):
                return p
    raise GenerationError(f"no prompt set {name!r} (give a JSONL path, or set TOKN_BENCH_DIR)")


def load_prompts(path: str) -> list[dict[str, Any]]:
    out = []
    for n, rec in iter_jsonl(path):
        if not isinstance(rec, dict) or not isinstance(rec.get("prompt"), str):
            raise GenerationError("a record needs a 'prompt' string", path, n)
        rec["_line"] = n
        out.append(rec)
    return out


def choose(items: list[dict[str, Any]], sample: Optional[int], seed: int) -> list[dict[str, Any]]:
    """``sample`` items drawn with ``seed`` (file order kept); all items when ``sample`` is None."""
    if sample is None or sample >= len(items):
        return list(items)
    idx = sorted(random.Random(seed).sample(range(len(items)), sample))
    return [items[i] for i in idx]


@dataclass
class BenchReport:
    settings: dict[str, Any]
    prompt_set: str
    seed: int
    items: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"prompt_set": self.prompt_set, "seed": self.seed, "settings": self.settings,
                "summary": self.summary, "items": self.items}


def score_item(rec: dict[str, Any], result: GenerationResult, gen: Generator) -> dict[str, Any]:
    doc = result.document
    req = requirement_scores(doc, list(rec.get("required_ics") or []), list(rec.get("required_components") or []))
    pins = pin_scores(doc, gen.toolkit.library_pins, gen.toolkit.same_pin_name)
    first = result.attempts[0].check if result.attempts else None
    return {
        "ok": result.ok, "refused": not result.ok,
        "syntax_valid": doc is not None,
        "first_syntax_valid": bool(first is not None and first.document is not None),
        **{k: req[k] for k in ("ic_match", "component_match", "req_match")}, "missing": req["missing"],
        **pins,
        "erc_errors": None if result.erc is None else result.erc.get("errors"),
        "errors": len(result.errors), "rounds": result.rounds,
        "fixed": sorted({f.code for f in result.findings if f.severity == "fixed"}),
        "latency": round(result.timings.get("total", 0.0) - result.timings.get("prepare", 0.0), 3),
        "llm_seconds": round(result.timings.get("llm", 0.0), 3),
        "overhead": round(result.timings.get("overhead", 0.0), 4),
        "prompt_tokens": result.prompt_tokens, "grammar_mode": result.grammar_mode,
        "examples": result.examples, "parts": result.parts,
    }


def run_bench(prompt_set: str, settings: Settings, sample: Optional[int] = None, seed: int = 0,
              generator: Optional[Generator] = None, on_item: Optional[Callable[[int, int, dict], None]] = None,
              on_progress: Optional[ProgressCallback] = None, cancel: Optional[threading.Event] = None,
              keep_answers: bool = False) -> BenchReport:
    """Run (a seeded sample of) a prompt set; ``settings.seed`` defaults to ``seed``."""
    path = resolve_prompt_set(prompt_set)
    items = choose(load_prompts(path), sample, seed)
    if settings.seed is None:
        settings = settings.replace(seed=seed)
    gen = generator or Generator(settings)
    report = BenchReport(settings.public_dict(), path, seed)
    prep = gen.prepare(on_progress)
    for k, rec in enumerate(items):
        t0 = time.perf_counter()
        row: dict[str, Any] = {"line": rec["_line"], "prompt": rec["prompt"]}
        try:
            res = gen.generate(rec["prompt"], on_progress, cancel)
            row.update(score_item(rec, res, gen))
            if keep_answers:
                row["answers"] = res.to_dict()["answers"]
                row["tokn"] = res.tokn_text
        except Cancelled:
            raise
        except EndpointError as e:
            row.update({"ok": False, "refused": False, "endpoint_error": str(e),
                        "latency": round(time.perf_counter() - t0, 3)})
        report.items.append(row)
        if on_item is not None:
            on_item(k, len(items), row)
    report.summary = summarise(report.items)
    report.summary["prepare_seconds"] = round(prep, 3)
    return report


def _mean(xs: list[Optional[float]]) -> Optional[float]:
    v = [x for x in xs if x is not None]
    return round(statistics.fmean(v), 4) if v else None


def summarise(items: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(items)
    done = [r for r in items if "endpoint_error" not in r]
    lat = sorted(r["latency"] for r in done)
    return {
        "n": n, "endpoint_errors": n - len(done),
        "ok_rate": _mean([1.0 if r.get("ok") else 0.0 for r in items]),
        "syntax_rate": _mean([1.0 if r.get("syntax_valid") else 0.0 for r in done]),
        "first_syntax_rate": _mean([1.0 if r.get("first_syntax_valid") else 0.0 for r in done]),
        "ic_match": _mean([r.get("ic_match") for r in done]),
        "component_match": _mean([r.get("component_match") for r in done]),
        "req_match": _mean([r.get("req_match") for r in done]),
        "pin_correct": _mean([r.get("pin_correct") for r in done]),
        "erc_errors": _mean([r.get("erc_errors") for r in done]),
        "rounds": _mean([r.get("rounds") for r in done]),
        "fixed_rate": _mean([1.0 if r.get("fixed") else 0.0 for r in done]),
        "latency_mean": _mean(lat), "latency_p50": round(lat[len(lat) // 2], 3) if lat else None,
        "latency_p95": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else None,
        "overhead_mean": _mean([r.get("overhead") for r in done]),
        "overhead_max": max((r.get("overhead") or 0.0 for r in done), default=None),
    }


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if pct:
        return f"{100 * v:.0f}%"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def format_table(report: BenchReport) -> str:
    """The per-item table and the summary, as fixed-width text."""
    head = ["#", "ok", "syntax", "ICs", "parts", "pins", "ERC", "rounds", "latency", "prompt"]
    rows = []
    for r in report.items:
        if "endpoint_error" in r:
            rows.append([str(r["line"]), "ERR", "-", "-", "-", "-", "-", "-", _fmt(r.get("latency")),
                         (r["endpoint_error"])[:50]])
            continue
        rows.append([str(r["line"]), _fmt(r["ok"]), _fmt(r["syntax_valid"]), _fmt(r["ic_match"], True),
                     _fmt(r["component_match"], True), _fmt(r["pin_correct"], True), _fmt(r["erc_errors"]),
                     _fmt(r["rounds"]), f"{r['latency']:.1f}s", r["prompt"][:50]])
    widths = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(x, widths)) for x in rows]
    s = report.summary
    lines += ["", f"{s['n']} prompts from {report.prompt_set} (seed {report.seed}), model "
                  f"{report.settings.get('model')} at {report.settings.get('base_url')}",
              f"valid circuits {_fmt(s['ok_rate'], True)}   syntax {_fmt(s['syntax_rate'], True)} "
              f"(first answer {_fmt(s['first_syntax_rate'], True)})   ICs {_fmt(s['ic_match'], True)}   "
              f"parts {_fmt(s['component_match'], True)}   pins {_fmt(s['pin_correct'], True)}   "
              f"ERC errors {_fmt(s['erc_errors'])}   rounds {_fmt(s['rounds'])}   "
              f"answers with fixes {_fmt(s.get('fixed_rate'), True)}",
              f"latency mean {_fmt(s['latency_mean'])} s, p50 {_fmt(s['latency_p50'])} s, p95 "
              f"{_fmt(s['latency_p95'])} s; pipeline overhead mean {_fmt(s['overhead_mean'])} s, max "
              f"{_fmt(s['overhead_max'])} s; endpoint errors {s['endpoint_errors']}"]
    return "\n".join(lines)
