"""Grounded generation, wired together: request -> examples + pin tables -> LLM -> checked,
repaired, decoded circuit (or a refusal).

:class:`Toolkit` is the only place that calls the rest of tokn: the codec
(:func:`tokn.doc.lenient.read_answer`, :func:`~tokn.doc.write_tokn`,
the grammar export), the deterministic net repairs (:mod:`tokn.generate.netfix`), the validator (:func:`tokn.validate.validate`), the decoder
(:func:`tokn.decode.decode`), the symbol index (:class:`tokn.kicad.library.SymbolIndex`) and
kicad-cli (ERC, SVG).  Everything else in :mod:`tokn.generate` works on plain data.

:func:`generate` (or :meth:`Generator.generate` to reuse loaded resources across requests)
returns a :class:`GenerationResult`: ``ok`` with a document that parsed, validated without
errors, decoded to a schematic whose nets are the document's, and passed KiCad's ERC when
kicad-cli is present; or ``ok`` False with a ``refusal`` listing what was still wrong.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Sequence

from ..doc.foreign import kicad_file_kind
from ..doc.pinref import split_pin_ref
from ..errors import DecodeError, GenerationError, ToknError, ToknSyntaxError
from ..kicad.ids import is_netlisted
from . import fewshot, grounding
from .asked import PartFacts, RequestAsks, read_request, unmet
from .config import Settings
from .grounding import PartPins, missing_parts, missing_unlisted, wrong_voltage
from .llm import Completion, LLMClient
from .partial import Base, PartialError, apply_edits, find_edits, headed_pin_tables, is_partial, merge_tables
from .progress import ProgressCallback, check_cancel, emit
from .prompt import approx_tokens, build_messages, describe, with_json_answer
from .repair import REPEAT_TEMPERATURE, Attempt, Check, LoopResult, run_repair_loop, summary
from .retrieval import Retriever

#: ERC violation types reported as warnings, not errors: what the model cannot fix in TOKN
#: (no-connect and power flags are drawing details TOKN leaves to the decoder), and
#: ``pin_not_driven``, which every subcircuit's interface inputs trigger (an MCP2551's TXD
#: is driven by a microcontroller outside the requested circuit).  Every other ERC error
#: (outputs shorted together, conflicting pin types, unit or net-name conflicts...) goes
#: back to the model.
ERC_NOT_BLOCKING = frozenset({
    "pin_not_connected", "pin_not_driven", "power_pin_not_driven", "no_connect_connected",
    "no_connect_dangling", "lib_symbol_issues", "lib_symbol_mismatch", "footprint_link_issues",
    "footprint_filter", "simulation_model_issue", "similar_labels", "similar_power",
    "single_global_label", "unannotated", "endpoint_off_grid", "unconnected_wire_endpoint",
    "missing_power_pin",
})
#: Validator findings that make the model's use of a part worth showing its real pins again.
_PIN_CODES = frozenset({"unknown-pin", "pin-name-mismatch", "unknown-part", "fuzzy-part",
                        "unconnected-power-pin", "no-connect-pin-in-net", "wrong-voltage"})
#: KiCad Device symbols with pins 1 and 2 only: never worth a pin table.
_TWO_PIN = frozenset({"R", "C", "L", "D", "LED", "C_Polarized", "CP", "R_Small", "C_Small", "L_Small",
                      "Crystal", "Fuse", "D_Schottky", "D_Zener", "Ferrite_Bead", "Buzzer", "Speaker",
                      "Battery", "Battery_Cell", "Polyfuse"})


def _finding(severity: str, code: str, message: str, where: str = ""):
    from ..validate import Finding
    return Finding(severity, code, message, where)


# ---- the toolkit: every call into the rest of tokn ------------------------------------------

class Toolkit:
    """Codec, validator, decoder, symbol index and kicad-cli behind one small interface.

    ``index``: a SymbolIndex (default: :meth:`SymbolIndex.default`, loaded on first use).
    ``erc``: "auto" (run ERC when kicad-cli is installed), "on" (required), "off".
    """

    def __init__(self, index: Any = None, erc: str = "auto") -> None:
        self._index = index
        self._erc_mode = erc
        self._lock = threading.Lock()

    @property
    def index(self) -> Any:
        """The symbol index, behind :class:`~tokn.generate.grounding.PlausibleIndex` (fuzzy
        lookups return only hits that really are the part named)."""
        with self._lock:
            if self._index is None:
                from ..kicad.library import SymbolIndex
                self._index = SymbolIndex.default()
            if not isinstance(self._index, grounding.PlausibleIndex):
                self._index = grounding.PlausibleIndex(self._index)
            return self._index

    def warm_up(self) -> None:
        """Load the index and its search tables and build the parser (one-time costs)."""
        from ..doc import parse_tokn
        self.index.find("tokn warm-up: no such part 0", 1)   # builds every search table
        parse_tokn("# TOKN v1\n")
        self.gbnf()

    # codec
    def read_answer(self, answer: str) -> tuple[Any, Optional[str], list, bool]:
        """(document, canonical TOKN text, findings, no_document) of an LLM answer, read by
        the tolerant reader (:func:`tokn.doc.lenient.read_answer`): each normalisation is a
        ``fixed`` finding; what it cannot read is a ``syntax``/``format`` error located on
        the answer's line."""
        from ..doc import write_tokn
        from ..doc.lenient import read_answer
        from ..validate import fix_findings
        reading = read_answer(answer)
        findings = fix_findings(reading.fixes)
        if not reading.found:
            said = " ".join(answer.split())
            said = f"; it says: {said[:200]!r}" + ("..." if len(said) > 200 else "") if said else "; it is empty"
            kind = kicad_file_kind(answer)
            what = f"; it is {kind}: answer in TOKN, not in KiCad's own format" if kind else ""
            return None, None, findings + [_finding("error", "no-document",
                                                    "the answer contains no TOKN document (no '# TOKN v1' line, "
                                                    "no components or nets table)" + what + said)], True
        if reading.error is not None:
            e = reading.error
            code = getattr(e, "code", None) or ("syntax" if isinstance(e, ToknSyntaxError) else "format")
            return None, reading.text, findings + [_finding("error", code, _located(e, answer))], False
        try:
            return reading.document, write_tokn(reading.document), findings, False
        except ValueError as e:
            return None, reading.text, findings + [_finding("error", "format", str(e))], False

    def repair_nets(self, doc: Any) -> tuple[Any, str, list]:
        """(document, canonical text, findings) after the deterministic repairs with library
        facts (:func:`tokn.generate.netfix.repair_nets`)."""
        from ..doc import write_tokn
        from .netfix import repair_nets
        fixed, findings = repair_nets(doc, self.library_pins)
        return fixed, write_tokn(fixed), findings

    def read_json_answer(self, answer: str) -> tuple[Any, Optional[str], list, bool]:
        """(document, canonical TOKN text, findings, no_document) of an answer in the JSON
        form (:mod:`tokn.generate.answer_schema`, read loosely: what a model leaves out or names
        otherwise without the constraint is a ``fixed`` finding); invalid JSON
        (``json-syntax``), JSON that still breaks the schema (``json-schema``) or no TOKN
        document (``format``) is an error."""
        from ..doc import write_tokn
        from .answer_schema import AnswerJSONError, read_loose_json_answer
        try:
            doc, fixes = read_loose_json_answer(answer)
        except AnswerJSONError as e:
            return None, None, [_finding("error", e.code, e.message)], False
        return doc, write_tokn(doc), [_finding("fixed", code, message, where) for code, message, where in fixes], False

    def answer_json_schema(self) -> dict:
        """The ``json_schema`` member of the ``response_format`` that asks for a JSON answer."""
        from .answer_schema import json_schema_field
        return json_schema_field()

    def gbnf(self) -> str:
        """The answer grammar in GBNF, for constrained decoding (see
        :mod:`tokn.generate.answer_grammar`: counted tables, bounded fields, always ends)."""
        from .answer_grammar import answer_gbnf
        return answer_gbnf()

    # checks
    def validate(self, doc: Any) -> list:
        from ..validate import validate
        return validate(doc, self.index, fuzzy=True)        # as decode() below draws it

    def decode(self, doc: Any) -> tuple[Any, list]:
        from ..decode import decode
        try:
            dec = decode(doc, self.index, fuzzy=True)
        except DecodeError as e:
            return None, [_finding("error", "decode", f"the circuit cannot be drawn in KiCad: {e.message}")]
        if getattr(dec, "netlist_ok", True) is False:
            return None, [_finding("error", "decode", "the drawn schematic's netlist differs from the document")]
        return dec, [_finding("warning", "decode", w) for w in getattr(dec, "warnings", [])]

    def erc_enabled(self) -> bool:
        if self._erc_mode == "off":
            return False
        from ..kicad import kicad_cli
        if self._erc_mode == "on" and not kicad_cli.available():
            raise GenerationError("ERC was requested (erc = on) but kicad-cli is not installed")
        return kicad_cli.available()

    def erc(self, decoded: Any) -> tuple[Optional[dict], list]:
        """KiCad's ERC on the decoded schematic: (report, findings); (None, []) without kicad-cli."""
        if decoded is None or not self.erc_enabled():
            return None, []
        from ..kicad import kicad_cli
        with tempfile.TemporaryDirectory(prefix="tokn-erc-") as td:
            path = os.path.join(td, "generated.kicad_sch")
            decoded.write(path)
            try:
                report = kicad_cli.run_erc(path, timeout=120)
            except ToknError as e:
                return None, [_finding("warning", "erc-failed", f"KiCad ERC could not run: {e.message}")]
        out = []
        for v in report.get("violations", []):
            items = "; ".join(i.get("description", "") for i in v.get("items", []) if i.get("description"))
            typ = v.get("type", "erc")
            blocking = v.get("severity") == "error" and typ not in ERC_NOT_BLOCKING
            sev = "error" if blocking else "warning"
            out.append(_finding(sev, f"erc-{typ}", f"KiCad ERC: {v.get('description', typ)}"
                                + (f" ({items})" if items else ""), ""))
        return report, out

    # library
    def lookup(self, name: str) -> Optional[PartPins]:
        return grounding.lookup_part(self.index, name)

    def ground(self, names: list[str], text: str = "") -> tuple[list[PartPins], list[str]]:
        return grounding.ground(self.index, names, text)

    def keyword_symbols(self, word: str, limit: int = 4) -> list[tuple[str, str]]:
        """(lib_id, description) of library symbols whose keywords hold ``word`` as one of
        them, case aside: what KiCad calls a part an answer names otherwise (``DB9`` is
        ``Connector:DE9_Pins`` and ``DE9_Socket``, keywords ``DSUB DB9``)."""
        word = word.strip().casefold()
        if len(word) < 2:
            return []
        raw = getattr(self.index, "_index", self.index)          # behind PlausibleIndex
        out = []
        try:
            hits = raw.find(word, 12)
        except Exception:                    # a broken index must not break generation
            return []
        for lib_id in hits:
            sym = self.index.get(lib_id)
            if sym is not None and word in (getattr(sym, "keywords", "") or "").casefold().split():
                out.append((lib_id, getattr(sym, "description", "") or ""))
        return out[:limit]

    def library_pins(self, comp: Any) -> Optional[tuple[str, dict[str, list[str]]]]:
        """(lib_id, pin number -> names) of the symbol a component resolves to, or None."""
        from ..resolve import SymbolResolver
        from .netfix import resolver_pins
        return resolver_pins(SymbolResolver(self.index))(comp)

    def part_facts(self, components: Sequence[Any]) -> list[PartFacts]:
        """One :class:`~tokn.generate.asked.PartFacts` per reference: the component and, when
        it resolves to a library symbol, that symbol's lib_id, keywords and description."""
        from ..resolve import SymbolResolver
        resolver = SymbolResolver(self.index)
        out: dict[str, PartFacts] = {}
        for c in components:
            if c.ref in out:
                continue
            res = resolver.resolve(c)
            sym = res.symbol if res is not None else None
            out[c.ref] = PartFacts(c.ref, c.type, c.value, res.lib_id if res is not None else "",
                                   getattr(sym, "keywords", "") or "", getattr(sym, "description", "") or "")
        return list(out.values())

    @staticmethod
    def same_pin_name(a: str, b: str) -> bool:
        from ..validate import normalise_pin_name
        return normalise_pin_name(a) == normalise_pin_name(b)

    # output
    def write_schematic(self, decoded: Any, path: str) -> list[str]:
        return decoded.write(path)

    def export_svg(self, sch_path: str, svg_path: str) -> str:
        from ..kicad import kicad_cli
        with tempfile.TemporaryDirectory(prefix="tokn-svg-") as td:
            files = kicad_cli.export_svg(sch_path, td)
            if not files:
                raise GenerationError("kicad-cli wrote no SVG", sch_path)
            os.makedirs(os.path.dirname(os.path.abspath(svg_path)), exist_ok=True)
            shutil.copyfile(files[0], svg_path)
        return svg_path


def _located(e: ToknError, text: str) -> str:
    """A parse error with the offending line quoted."""
    msg = e.message
    if e.line:
        lines = re.split(r"\r\n|\r|\n", text)
        src = lines[e.line - 1] if 0 < e.line <= len(lines) else ""
        msg = f"line {e.line}" + (f", column {e.col}" if e.col else "") + f": {msg}"
        if src:
            msg += f" (the line reads: {src[:120]!r})"
    return msg


# ---- results ---------------------------------------------------------------------------------

@dataclass
class GenerationResult:
    """Outcome of one request (see the module doc).  ``timings`` (seconds): ``prepare``
    (one-time loading, 0 when already loaded), ``retrieve``, ``ground``, ``prompt``, ``llm``
    (all LLM calls, waits included), ``check`` (parse + validate + decode + ERC, all rounds),
    ``erc``, ``total`` and ``overhead`` (= total - llm - prepare)."""
    prompt: str
    ok: bool
    document: Any = None
    tokn_text: Optional[str] = None
    findings: list = field(default_factory=list)
    rounds: int = 0
    refusal: Optional[str] = None
    decoded: Any = None
    erc: Optional[dict] = None
    attempts: list[Attempt] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    missing_parts: list[str] = field(default_factory=list)
    grammar_mode: str = "none"
    prompt_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity == "error"]

    def to_dict(self, answers: bool = True) -> dict[str, Any]:
        """JSON-able summary (no document objects)."""
        d: dict[str, Any] = {
            "prompt": self.prompt, "ok": self.ok, "rounds": self.rounds, "refusal": self.refusal,
            "tokn": self.tokn_text, "findings": [f.as_dict() for f in self.findings],
            "examples": self.examples, "parts": self.parts, "missing_parts": self.missing_parts,
            "grammar_mode": self.grammar_mode, "prompt_tokens": self.prompt_tokens,
            "erc_errors": None if self.erc is None else self.erc.get("errors"),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        if answers:
            d["answers"] = [{"round": a.round, "text": a.completion.text, "finish_reason": a.completion.finish_reason,
                             "latency": round(a.completion.latency, 3), "attempts": a.completion.attempts,
                             "errors": len(a.check.errors), "repair_prompt": a.repair_prompt}
                            for a in self.attempts]
        return d


def refusal_text(findings: list, rounds: int, stopped: str, best_round: Optional[int] = None,
                 summaries: Sequence[tuple[int, str]] = ()) -> str:
    """The refusal of a request: why the loop stopped and the errors of the answer returned;
    when that is not the last answer (``best_round``), which it is and what each round gave
    (``summaries``: (round, a few words))."""
    errs = [f for f in findings if f.severity == "error"]
    why = {"repeated": "the model repeated the same faulty answer",
           "max-rounds": f"{rounds} round{'s' if rounds != 1 else ''} used"}.get(stopped, stopped)
    if best_round is None or best_round == rounds:
        lines = [f"No valid circuit ({why}). Still wrong in the last answer:"]
    else:
        each = "; ".join(f"round {r}: {s}" for r, s in summaries)
        lines = [f"No valid circuit ({why}). The best answer was that of round {best_round} ({each}); "
                 "still wrong in it:"]
    lines += [f"  {describe(f)}" for f in errs[:40]]
    if len(errs) > 40:
        lines.append(f"  ... and {len(errs) - 40} more")
    return "\n".join(lines)


# ---- the generator ----------------------------------------------------------------------------

class Generator:
    """Reusable generation: examples, retriever, index and client are loaded once."""

    def __init__(self, settings: Settings, toolkit: Optional[Toolkit] = None,
                 llm: Optional[LLMClient] = None) -> None:
        self.settings = settings
        self.toolkit = toolkit or Toolkit(erc=settings.erc)
        self.llm = llm or LLMClient(settings)
        self._retriever: Optional[Retriever] = None
        self._prepared = False

    def prepare(self, on_progress: Optional[ProgressCallback] = None) -> float:
        """Load everything a request needs; returns the seconds spent (0 when done before)."""
        if self._prepared:
            return 0.0
        t0 = time.perf_counter()
        emit(on_progress, "prepare", "loading the symbol index and the examples")
        self.toolkit.warm_up()
        s = self.settings
        self._retriever = Retriever(fewshot.all_examples(s.corpus, s.use_bundled))
        self._prepared = True
        return time.perf_counter() - t0

    def generate(self, prompt: str, on_progress: Optional[ProgressCallback] = None,
                 cancel: Optional[threading.Event] = None) -> GenerationResult:
        """One request; see :func:`generate`."""
        if not prompt or not prompt.strip():
            raise GenerationError("the design request is empty")
        t_start = time.perf_counter()
        timings: dict[str, float] = {"prepare": self.prepare(on_progress)}
        check_cancel(cancel)
        req = self._plan_request(prompt, timings, on_progress)
        asker = _Asker(self.llm, self.settings, req.grammar, req.json_schema, on_progress, cancel)
        grounder = _Grounder(self.toolkit, {p.lib_id for p in req.parts} | {p.name.casefold() for p in req.parts},
                             req.missing)
        asks = read_request(prompt)
        loop = run_repair_loop(asker, lambda c, b: self.check_answer(c, req.parts, req.missing, asks, b), req.messages,
                               self.settings.max_rounds, grounder, on_progress, cancel)
        _finish_timings(timings, loop, asker.seconds, time.perf_counter() - t_start)
        result = _result(req, loop, timings)
        emit(on_progress, "done", "valid circuit" if result.ok else "refused", round=result.rounds)
        return result

    def _plan_request(self, prompt: str, timings: dict[str, float],
                      on_progress: Optional[ProgressCallback]) -> "_Request":
        """Everything asked before the first LLM call: the request's parts with their pin
        tables, the few-shot examples, the messages and the constraints (timed in
        ``timings``: ``ground``, ``retrieve``, ``prompt``)."""
        parts, missing = self._ground_parts(prompt, timings, on_progress)
        examples = self._retrieve_examples(prompt, parts, timings, on_progress)
        t = time.perf_counter()
        messages = build_messages(prompt, examples, parts, missing)
        timings["prompt"] = time.perf_counter() - t
        req = _Request(prompt, parts, missing, examples, messages)
        if self.settings.grammar_mode != "none":
            self._add_constraints(req, on_progress)
        return req

    def _ground_parts(self, prompt: str, timings: dict[str, float],
                      on_progress: Optional[ProgressCallback]) -> tuple[list[PartPins], list[str]]:
        """The parts the request names, with pin tables and references (U1, U2, J1...: the
        prompt says which is which), and the names the libraries lack."""
        t = time.perf_counter()
        names = grounding.extract_part_numbers(prompt) if self.settings.grounding else []
        parts, missing = self.toolkit.ground(names, prompt) if names else ([], [])
        parts = grounding.with_refs(parts)
        timings["ground"] = time.perf_counter() - t
        if parts:
            emit(on_progress, "ground", "pin tables for " + ", ".join(p.lib_id for p in parts))
        return parts, missing

    def _retrieve_examples(self, prompt: str, parts: list[PartPins], timings: dict[str, float],
                           on_progress: Optional[ProgressCallback]) -> list:
        """The few-shot examples closest to the request and its parts' descriptions."""
        t = time.perf_counter()
        query = " ".join([prompt] + [f"{p.name} {p.keywords} {p.description}" for p in parts])
        assert self._retriever is not None
        examples = self._retriever.top(query, self.settings.fewshot_k, budget_chars=16000)
        timings["retrieve"] = time.perf_counter() - t
        if examples:
            emit(on_progress, "retrieve", "examples: " + ", ".join(e.id for e in examples))
        return examples

    def _add_constraints(self, req: "_Request", on_progress: Optional[ProgressCallback]) -> None:
        """The grammar (when it can be exported) and the JSON schema offered to the LLM; the
        messages ask for JSON when the endpoint's answers come as JSON."""
        try:
            req.grammar = self.toolkit.gbnf()
        except (ValueError, OSError) as e:      # a grammar that cannot be exported: go without
            emit(on_progress, "prepare", f"no grammar-constrained decoding: {e}")
        req.json_schema = self.toolkit.answer_json_schema()
        if self.llm.grammar_mode() == "json":   # answers come as JSON: say so
            req.messages = with_json_answer(req.messages)

    def check_answer(self, completion: Completion, named: Sequence[PartPins] = (),
                     unlisted: Sequence[str] = (), asked: Optional[RequestAsks] = None,
                     previous: Optional[Base] = None) -> Check:
        """Parse, validate, decode and (when available) ERC one answer.

        ``named``: the parts the request names (grounded); an answer without one of them is
        wrong, however valid its circuit (small models copy a few-shot example's parts
        instead).  ``unlisted``: part names of the request that the libraries lack; only
        components that are one of those may have a type that is no KiCad symbol (the
        validator's ``unknown-part`` warning becomes an error for any other: an answer's
        ``0.1uF`` or ``XTAL_48MHZ`` type is a mistake, not a new part).  ``asked``: the part
        kinds and values the request states (:func:`tokn.generate.asked.read_request`); each
        one the answer lacks is a ``missing-part`` or ``missing-value`` error.  ``previous``:
        in a repair round, the answer the model was shown; an answer that gives only some
        of its tables or rows is merged with it (:mod:`tokn.generate.partial`) and checked
        as the whole document (``shown_text`` of the check is that document)."""
        check = self._check_answer(completion, named, unlisted, asked, previous)
        if any(f.code in _MERGE_FIXES for f in check.findings):
            check.shown_text = check.tokn_text
        return check

    def _check_answer(self, completion: Completion, named: Sequence[PartPins], unlisted: Sequence[str],
                      asked: Optional[RequestAsks], previous: Optional[Base]) -> Check:
        tk = self.toolkit
        sec: dict[str, float] = {}
        t = time.perf_counter()
        doc, text, findings, no_doc = _read(tk, completion)
        if previous is not None:
            doc, text, findings, no_doc = _complete(tk, completion, previous, (doc, text, findings, no_doc))
        sec["parse"] = time.perf_counter() - t
        if completion.truncated:               # readable or not, a cut-off answer is incomplete
            findings.append(_finding("error", "truncated", _truncation(completion, no_doc)))
            if doc is None and any(f.code == "json-syntax" for f in findings):
                # JSON cut off: its syntax error is the truncation's doing
                findings = [f for f in findings if f.code != "json-syntax"]
            if no_doc and (completion.reasoning_chars or completion.usage.get("reasoning_tokens")
                           or "reasoning" in {f.code for f in findings}):
                # cut off while thinking: the missing document is the truncation's doing
                findings = [f for f in findings if f.code != "no-document"]
        if doc is None:
            return Check(False, findings, None, text, no_document=no_doc, seconds=sec)
        if not doc.components or not doc.nets:
            findings.append(_finding("error", "empty-circuit", "the document has no "
                                     + ("components" if not doc.components else "nets")
                                     + "; write the complete circuit: components, pins and nets tables"))
            return Check(False, findings, doc, text, seconds=sec)
        t = time.perf_counter()
        doc, text, repairs = tk.repair_nets(doc)       # what library facts settle costs no LLM round
        ambiguous = {f.where for f in repairs if f.code == "ambiguous-pin"}
        findings = [_strict_in_answer(_strict_unknown(f, doc, unlisted, tk.keyword_symbols))
                    for f in findings + repairs + tk.validate(doc)
                    if not (f.code == "unknown-pin" and f.where in ambiguous)]
        findings += [_finding("error", "missing-part",
                              f"the request names {p.query}, but no component is one: add it (type {p.name}) "
                              "and connect it as its pin table says") for p in missing_parts(doc.components, named)]
        findings += [_finding("error", "wrong-voltage",
                              f"{c.ref} is {c.type}, a fixed-voltage {p.query} of another voltage than the "
                              f"{_volts_asked(p.volts)} the request asks: make it type {p.name} (same pins)"
                              if same_pins else
                              f"{c.ref} is {c.type}, a fixed-voltage {p.query} of another voltage than the "
                              f"{_volts_asked(p.volts)} the request asks: make it type {p.name} and connect it "
                              "as its pin table says", c.ref)
                     for c, p in wrong_voltage(doc.components, named)
                     for same_pins in [_same_pins(tk, c, p)]]
        findings += [_finding("error", "missing-part",
                              f"the request names {n}, which the KiCad libraries lack, but no component is one: "
                              f"add it (type {n}) with a pins{{REF}} table of its datasheet's pins, and connect it")
                     for n in missing_unlisted(doc.components, unlisted)]
        if asked:
            findings += [_finding("error", code, msg) for code, msg in unmet(asked, tk.part_facts(doc.components))]
        findings += _unconnected_parts(doc, tk.library_pins)
        sec["validate"] = time.perf_counter() - t
        refs = _refs_to_ground(doc, findings)
        if any(f.severity == "error" for f in findings):
            return Check(False, findings, doc, text, refs_to_ground=refs, seconds=sec)
        t = time.perf_counter()
        decoded, dec_findings = tk.decode(doc)
        sec["decode"] = time.perf_counter() - t
        findings += dec_findings
        if decoded is None:
            return Check(False, findings, doc, text, refs_to_ground=refs, seconds=sec)
        t = time.perf_counter()
        report, erc_findings = tk.erc(decoded)
        sec["erc"] = time.perf_counter() - t
        findings += erc_findings
        ok = not any(f.severity == "error" for f in findings)
        return Check(ok, findings, doc, text, decoded, report, refs_to_ground=refs, seconds=sec)


@dataclass
class _Request:
    """A request as prepared for the LLM (:meth:`Generator._plan_request`)."""
    prompt: str
    parts: list[PartPins]                  # grounded parts the request names
    missing: list[str]                     # part names the libraries lack
    examples: list                         # few-shot examples (with an ``id``)
    messages: list[dict[str, str]]
    grammar: Optional[str] = None
    json_schema: Optional[dict[str, Any]] = None


@dataclass
class _Asker:
    """The repair loop's ``ask``: one round's conversation sent to the LLM with the
    request's constraints; ``seconds`` sums the time of all calls (waits included)."""
    llm: LLMClient
    settings: Settings                     # its temperature, read at each call
    grammar: Optional[str]
    json_schema: Optional[dict[str, Any]]
    on_progress: Optional[ProgressCallback]
    cancel: Optional[threading.Event]
    seconds: float = 0.0

    def __call__(self, convo: list[dict[str, str]], rnd: int, hot: bool) -> Completion:
        """The answer to ``convo`` in round ``rnd``; ``hot``: at least REPEAT_TEMPERATURE."""
        temperature = max(self.settings.temperature, REPEAT_TEMPERATURE) if hot else None
        c = self.llm.complete(convo, grammar=self.grammar, json_schema=self.json_schema,
                              on_progress=self.on_progress, cancel=self.cancel, round=rnd,
                              temperature=temperature)
        self.seconds += c.elapsed
        return c


@dataclass
class _Grounder:
    """The repair loop's ``ground_more``: pin tables for the parts an answer used wrongly
    that the model has not been shown yet; ``given`` (lib_ids and casefolded names) grows
    with every part looked up."""
    toolkit: Toolkit
    given: set[str]
    unlisted: Sequence[str] = ()             # the request's parts that the libraries lack

    def __call__(self, chk: Check) -> tuple[list[PartPins], list[str]]:
        """(pin tables found, at most 6, each with the answer's reference; types not found
        that the request names: for those the model is to give a datasheet's pin table; a
        type the request does not name is refused even with one, ``unknown-part`` says what
        to write instead)."""
        found, lost = [], []
        for ref in chk.refs_to_ground:
            comp = next((c for c in chk.document.components if c.ref == ref), None) if chk.document else None
            if comp is None or comp.lib_id in self.given or comp.type.casefold() in self.given:
                continue
            self.given.add(comp.lib_id)
            p = self.toolkit.lookup(comp.lib_id)
            if p is not None and p.lib_id not in self.given:
                self.given.add(p.lib_id)
                found.append(replace(p, ref=ref))
            elif p is None and any(grounding.names_part(n, comp.type, comp.value) for n in self.unlisted):
                lost.append(comp.type)
            if len(found) >= 6:
                break
        return found, lost


def _finish_timings(timings: dict[str, float], loop: LoopResult, llm_seconds: float, total: float) -> None:
    """Add ``llm``, ``check``, ``erc``, ``total`` and ``overhead`` (in that order) to
    ``timings`` of a request whose repair loop was ``loop``."""
    timings["llm"] = llm_seconds
    timings["check"] = sum(a.check.seconds.get("check", 0.0) for a in loop.attempts)
    timings["erc"] = sum(a.check.seconds.get("erc", 0.0) for a in loop.attempts)
    timings["total"] = total
    timings["overhead"] = max(0.0, total - timings["llm"] - timings["prepare"])


def _result(req: _Request, loop: LoopResult, timings: dict[str, float]) -> GenerationResult:
    """The result of ``req`` whose repair loop ended as ``loop``: its passing answer, else its
    best answer (:attr:`~tokn.generate.repair.LoopResult.best`), with a refusal that says
    which round that was and what the others were."""
    best = loop.best
    final = best.check
    rounds = [(a.round, summary(a.check)) for a in loop.attempts]
    return GenerationResult(
        prompt=req.prompt, ok=loop.ok, document=final.document, tokn_text=final.tokn_text,
        findings=final.findings, rounds=len(loop.attempts),
        refusal=None if loop.ok else refusal_text(final.findings, len(loop.attempts), loop.stopped,
                                                  best.round, rounds),
        decoded=final.decoded if loop.ok else None, erc=final.erc, attempts=loop.attempts,
        examples=[e.id for e in req.examples], parts=[p.lib_id for p in req.parts], missing_parts=req.missing,
        grammar_mode=loop.final.completion.grammar_mode, prompt_tokens=approx_tokens(req.messages),
        timings=timings)


#: Fix codes of an answer merged with the document it corrects (:mod:`tokn.generate.partial`).
_MERGE_FIXES = frozenset({"partial-tables", "partial-rows"})


def _complete(tk: Toolkit, completion: Completion, base: Base,
              got: tuple[Any, Optional[str], list, bool]) -> tuple[Any, Optional[str], list, bool]:
    """``got`` (the reading of a repair round's answer) completed from ``base``, the answer
    the model was shown: an answer of some tables only (pin tables alone included) gets the
    others from it [``partial-tables``]; one of row changes only (``Change `A` to `B```, a diff, bare rows)
    has them made in its text [``partial-rows``]; changes that cannot be made unambiguously
    are the error ``partial-answer`` (and no document).  Anything else is ``got``."""
    from ..doc import write_tokn
    from ..doc.reasoning import skip_reasoning
    doc, text, findings, no_doc = got
    where = f"round {base.round}"
    answer = skip_reasoning(completion.text).text
    if no_doc and base.document is not None and (headed := headed_pin_tables(answer)) is not None:
        again = _read(tk, replace(completion, text=headed))     # pins{REF} tables only
        if again[0] is not None:
            doc, text, findings, no_doc = again
    if doc is not None and base.document is not None and is_partial(doc):
        merged, said = merge_tables(doc, base.document)
        try:
            merged_text = write_tokn(merged)
        except ValueError as e:
            return None, text, findings + [_finding("error", "format", str(e))], False
        return merged, merged_text, findings + [_finding("fixed", "partial-tables", f"{said} your answer of {where} "
                                                         "(merged)", where)], False
    if not no_doc:
        return got
    edits = find_edits(answer)
    if not edits:
        return got
    try:
        patched = apply_edits(base.text, edits)
    except PartialError as e:
        return None, None, [f for f in findings if f.code != "no-document"] + [_finding(
            "error", "partial-answer", f"the answer gives only changes to rows, and {e}; answer with the complete "
            "corrected TOKN document", where)], True
    doc, text, findings, no_doc = _read(tk, replace(completion, text=patched))
    n = len(edits)
    return doc, text, [_finding("fixed", "partial-rows", f"the answer gives only {n} row change{'s' if n != 1 else ''}; "
                                f"made in your answer of {where} (line numbers are the changed document's)",
                                where)] + findings, no_doc


def _read(tk: Toolkit, completion: Completion) -> tuple[Any, Optional[str], list, bool]:
    """An answer read as JSON when it is JSON (or holds no TOKN document and was asked for as
    JSON -- then the JSON reader says what is wrong -- or holds a JSON object in prose), else
    as TOKN; a JSON object whose string member is a TOKN document is read as that TOKN.  The
    model's reasoning before its answer (``<think> ... </think>``) is skipped either way (a
    ``reasoning`` fix); an answer that is all reasoning has no document."""
    from ..doc.reasoning import skip_reasoning
    from .answer_schema import TOOL_CALL_FIX, holds_json, looks_like_json, tokn_in_json, tool_call_arguments
    thought = skip_reasoning(completion.text)
    text = thought.text
    call = tool_call_arguments(text)
    if call is not None:                          # a tool call pasted as the answer: its arguments are
        name, text = call
        code, said = TOOL_CALL_FIX
        got = _read(tk, replace(completion, text=text))
        return _with_reasoning(thought, (got[0], got[1], [_finding("fixed", code, f"{said} ({name})", name)]
                                         + got[2], got[3]))
    if looks_like_json(text):
        wrapped = tokn_in_json(text)
        if wrapped is None:
            return _with_reasoning(thought, tk.read_json_answer(text))
        return _with_reasoning(thought, _wrapped_tokn(tk, *wrapped))
    got = tk.read_answer(completion.text)          # the reader skips the reasoning itself
    if got[3] and not thought.unclosed and holds_json(text) and (wrapped := tokn_in_json(text)) is not None:
        doc, tokn_text, findings, none = _wrapped_tokn(tk, *wrapped)   # {"tokn": "..."} inside prose
        return _with_reasoning(thought, (doc, tokn_text, [_finding(
            "fixed", "json-prose", "took the JSON object out of the text around it", "the answer")] + findings, none))
    if got[3] and not thought.unclosed and (completion.grammar_mode == "json" or holds_json(text)):
        return _with_reasoning(thought, tk.read_json_answer(text))
    if got[3] and not thought.unclosed and (netlist := _kicad_netlist(tk, text)) is not None:
        return _with_reasoning(thought, netlist)      # a KiCad netlist instead of TOKN
    if got[3] and thought.unclosed:
        return got[0], got[1], [f for f in got[2] if f.code != "no-document"] + [_finding(
            "error", "no-document", f"the answer is all reasoning: <{thought.unclosed}> at line "
            f"{thought.lines[0]} is never closed, and no TOKN document follows it (the model stopped "
            "before answering; when it was cut off, raise max_tokens)")], True
    return got


def _kicad_netlist(tk: Toolkit, text: str) -> Optional[tuple[Any, Optional[str], list, bool]]:
    """The reading of the KiCad S-expression netlist an answer gives instead of TOKN
    (:mod:`tokn.generate.netlist_answer`), with a ``kicad-netlist`` fix; None when it gives
    none."""
    from ..doc import write_tokn
    from .netlist_answer import read_kicad_netlist
    found = read_kicad_netlist(text)
    if found is None:
        return None
    doc, first, last = found
    got = tk.read_answer(write_tokn(doc, compact=True))
    return got[0], got[1], [_finding("fixed", "kicad-netlist", f"read the KiCad netlist (S-expression, lines "
                                     f"{first}-{last}) the answer gives instead of TOKN: its parts and nets",
                                     "the answer")] + got[2], got[3]


def _wrapped_tokn(tk: Toolkit, member: str, text: str) -> tuple[Any, Optional[str], list, bool]:
    """The reading of the TOKN document a JSON answer gave as string member ``member``."""
    doc, tokn_text, findings, none = tk.read_answer(text)
    return doc, tokn_text, [_finding("fixed", "tokn-in-json", f"read the TOKN document in the JSON answer's string "
                                     f"member \"{member}\" (line numbers are that text's)", member)] + findings, none


def _truncation(completion: Completion, no_doc: bool) -> str:
    """What to say of an answer cut off by the length limit: a reasoning model may have spent
    the whole limit thinking, before any document."""
    from ..doc.reasoning import skip_reasoning
    if no_doc and completion.reasoning_chars:
        return (f"the answer was cut off (length limit) after {completion.reasoning_chars} characters of the "
                "model's reasoning, before any document: raise max_tokens or lower the model's reasoning effort")
    if no_doc and completion.usage.get("reasoning_tokens"):
        return (f"the answer was cut off (length limit) after {completion.usage['reasoning_tokens']} tokens of "
                "the model's reasoning, before any document: raise max_tokens or lower the model's reasoning effort")
    if no_doc and skip_reasoning(completion.text).unclosed:
        return ("the answer was cut off (length limit) inside the model's reasoning (<think> never closed), "
                "before any document: raise max_tokens or lower the model's reasoning effort")
    lines = re.split(r"\r\n|\r|\n", completion.text.rstrip())
    last = lines[-1].strip()
    thought = len(completion.text) - len(skip_reasoning(completion.text).text) + completion.reasoning_chars
    spent = (f"; {thought} of its {len(completion.text) + completion.reasoning_chars} characters were the model's "
             "reasoning before the document: reason briefly, then write the whole document"
             if thought * 2 >= len(completion.text) + completion.reasoning_chars else "")
    if not last:
        return "the answer was cut off (length limit) before its end" + spent
    return (f"the answer was cut off (length limit) before its end, after line {len(lines)} "
            f"({last[:80]!r}, which may be incomplete): everything after it is missing" + spent)


def _with_reasoning(thought: Any, got: tuple[Any, Optional[str], list, bool]) -> tuple[Any, Optional[str], list, bool]:
    """``got`` (a reading of the answer without its reasoning) with the ``reasoning`` fix first
    when there was reasoning to skip."""
    if not thought.lines:
        return got
    from ..doc.lenient import Fix
    from ..validate import fix_findings
    return got[0], got[1], fix_findings([Fix("reasoning", thought.lines)]) + got[2], got[3]


def _strict_unknown(f: Any, doc: Any, unlisted: Sequence[str],
                    keyword_symbols: Callable[[str], list[tuple[str, str]]] = lambda word: []):
    """``f``, or an error in its place when it is an ``unknown-part`` warning for a component
    that is not one of the ``unlisted`` parts of the request.  The error names the library
    symbols whose keywords hold the type written (``keyword_symbols``: ``DB9`` is KiCad's
    ``DE9_Pins`` and ``DE9_Socket``)."""
    if f.code != "unknown-part" or f.severity == "error":
        return f
    comp = next((c for c in doc.components if c.ref == f.where), None)
    if comp is not None and any(grounding.names_part(n, comp.type, comp.value) for n in unlisted):
        return f
    typ = comp.type if comp is not None else "?"
    known = keyword_symbols(typ) if comp is not None else []
    if known:
        names = ", ".join(f"{lib_id} ({desc})" if desc else lib_id for lib_id, desc in known)
        return _finding("error", "unknown-part",
                        f"{f.where}: {typ} is not a KiCad symbol; KiCad's symbols for {typ}: {names}: write one of "
                        f"them as type (e.g. {known[0][0].split(':', 1)[-1]}) and number its pins as that symbol does",
                        f.where)
    return _finding("error", "unknown-part",
                    f"{f.where}: {typ} is not a KiCad symbol; use a KiCad symbol name (passives: R, C, L, D, LED, "
                    "Crystal...) or the type a pin table gives", f.where)


#: Validator warnings that are errors in an answer, with what to tell the model: a KiCad
#: design may draw the units of one part from different symbols of the same pins, or (its
#: own copy of a symbol typing a pin otherwise) connect a pin the library marks no-connect,
#: but an answer that does either has mixed up parts or pins.
_STRICT_IN_ANSWERS = {
    "unit-types-differ": "give every unit of {where} the same type (one package), or give the other part "
                         "its own reference",
    "no-connect-pin-in-net": "leave {where} unconnected and use the pin the part's pin table gives for that "
                             "signal",
    "split-ground": "write one ground net, GND, with every ground pin in it",
}


def _unconnected_parts(doc: Any, library_pins: Callable[[Any], Any]) -> list:
    """An ``unconnected-part`` error for each part of an answer that has pins (its library
    symbol's, else its own ``pins{REF}`` table's) and none of them in a net: a part the model
    declared and then forgot to wire (a "power LED" in the components and not in the nets),
    which would be drawn floating.  Parts without pins (a mounting hole) and KiCad's ``#``
    parts are not judged."""
    refs = {c.ref for c in doc.components}
    wired = {(split_pin_ref(p, refs) or (p,))[0] for n in doc.nets for p in n.pins}
    out, seen = [], set()
    for c in doc.components:
        if c.ref in seen or c.ref in wired or not is_netlisted(c.ref):
            continue
        seen.add(c.ref)
        lib = library_pins(c)
        if (lib[1] if lib is not None else doc.pins.get(c.ref)):
            out.append(_finding("error", "unconnected-part",
                                f"{c.ref} ({c.type}{', ' + c.value if c.value and c.value != c.type else ''}) "
                                "is in no net: none of its pins is connected; connect it as the design needs, "
                                "or leave it out", c.ref))
    return out


def _strict_in_answer(f: Any):
    """``f``, or an error in its place when it is a warning :data:`_STRICT_IN_ANSWERS`
    makes an error in an answer."""
    advice = _STRICT_IN_ANSWERS.get(f.code)
    if advice is None or f.severity == "error":
        return f
    return _finding("error", f.code, f"{f.message}; {advice.format(where=f.where)}", f.where)


def _volts_asked(volts: str) -> str:
    """``3.3`` -> ``3.3 V``; ``ADJ`` -> ``adjustable version``."""
    return "adjustable version" if volts == "ADJ" else f"{volts} V"


def _same_pins(tk: "Toolkit", comp: Any, part: PartPins) -> bool:
    """Whether ``comp``'s symbol has each pin of ``part``'s, by number and name (an
    ``LM2596S-5`` has the ``LM2596S-3.3``'s: only the type needs changing)."""
    got = tk.library_pins(comp)
    return got is not None and all(name in got[1].get(num, ()) for num, name, _ in part.pins)


def _refs_to_ground(doc: Any, findings: list) -> list[str]:
    """References whose real pins the model should see: parts with pin findings first, then
    other multi-pin parts (anything but two-pin passives)."""
    out: dict[str, None] = {}
    refs = {c.ref for c in doc.components}
    for f in findings:
        if f.code in _PIN_CODES and f.where:
            ref = f.where if f.where in refs else (split_pin_ref(f.where, refs) or ("",))[0]
            if ref in refs:
                out.setdefault(ref, None)
    for c in doc.components:
        if c.type not in _TWO_PIN:
            out.setdefault(c.ref, None)
    return list(out)


# ---- module-level entry points ----------------------------------------------------------------

_GENERATORS: dict[tuple, Generator] = {}
_GEN_LOCK = threading.Lock()


def generate(prompt: str, settings: Settings, on_progress: Optional[ProgressCallback] = None,
             cancel: Optional[threading.Event] = None) -> GenerationResult:
    """Generate a circuit for ``prompt`` with ``settings``.

    Raises :class:`~tokn.generate.progress.EndpointError` when the endpoint fails (auth,
    model, unreachable after retries), :class:`~tokn.generate.progress.Cancelled` when
    ``cancel`` is set, :class:`GenerationError` for bad settings; a circuit the model could
    not get right is *not* an exception but a result with ``ok`` False and a ``refusal``.
    Loaded resources are reused by later calls with equal settings.
    """
    key = tuple(sorted((k, repr(v)) for k, v in settings.public_dict().items())) + (settings.api_key,)
    with _GEN_LOCK:
        gen = _GENERATORS.get(key)
        if gen is None:
            gen = _GENERATORS[key] = Generator(settings)
    return gen.generate(prompt, on_progress, cancel)


def write_outputs(result: GenerationResult, sch_path: Optional[str] = None, tokn_path: Optional[str] = None,
                  svg_path: Optional[str] = None, toolkit: Optional[Toolkit] = None) -> list[str]:
    """Write the schematic, the TOKN text and an SVG preview of a result that passed.

    Raises :class:`GenerationError` for a refused result (nothing is written) and when an
    SVG is asked for without a schematic path or without kicad-cli.
    """
    if not result.ok or result.decoded is None or result.tokn_text is None:
        raise GenerationError("refusing to write a circuit that did not pass its checks")
    tk = toolkit or Toolkit()
    written: list[str] = []
    if tokn_path:
        os.makedirs(os.path.dirname(os.path.abspath(tokn_path)), exist_ok=True)
        with open(tokn_path, "w", encoding="utf-8") as f:
            f.write(result.tokn_text)
        written.append(tokn_path)
    tmpdir = None
    if svg_path and not sch_path:
        tmpdir = tempfile.mkdtemp(prefix="tokn-gen-")
        sch_path = os.path.join(tmpdir, "generated.kicad_sch")
    try:
        if sch_path:
            files = tk.write_schematic(result.decoded, sch_path)
            if tmpdir is None:
                written += files
        if svg_path:
            from ..kicad import kicad_cli
            if not kicad_cli.available():
                raise GenerationError("an SVG preview needs kicad-cli (KiCad 9)")
            written.append(tk.export_svg(sch_path, svg_path))
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return written
