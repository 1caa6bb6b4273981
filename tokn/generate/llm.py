"""A robust chat-completion call to any OpenAI-compatible endpoint (OpenAI, OpenRouter,
Ollama, vLLM, llama.cpp), through the official ``openai`` client.

:meth:`LLMClient.complete` sends one conversation and returns the answer text.  Contract:

* **Retries** (at most ``settings.max_retries``) on HTTP 408/409/429/5xx, timeouts and
  dropped connections (also mid-stream), with exponential backoff and jitter
  (``base * 2**n``, capped, times a random factor in [0.5, 1]); a ``Retry-After`` /
  ``retry-after-ms`` header is honoured (a wait longer than ``max_retry_after`` fails at once).
  The openai client's own retries are off, so every wait is visible and cancellable.
* **Clear failures**: :class:`~tokn.generate.progress.EndpointError` says what to fix (key,
  model name, base URL) and never contains the API key.
* **Adapting to the server** on HTTP 400/422 (and on a 5xx that is a request validation error
  of the body, as llama-cpp-python's server sends): a rejected grammar is retried with the other
  vLLM field, then without a grammar; a ``response_format`` whose ``json_schema`` type is
  refused in favour of ``json_object`` (llama-cpp-python's server) is sent as ``{"type":
  "json_object", "schema": ...}``, and one refused otherwise is left out (the client
  remembers); ``max_tokens`` is renamed to
  ``max_completion_tokens`` and unsupported ``temperature``/``seed`` are dropped when the
  server's message says so.
* **Streaming** (``settings.stream``): ``on_progress`` receives ``stream`` events with the
  text so far, in the caller's thread.  **Cancellation**: setting ``cancel`` raises
  :class:`~tokn.generate.progress.Cancelled` within about 50 ms, even while waiting for a
  slow server (the request runs in a daemon worker thread and its stream is closed).
* **Constrained decoding**: ``grammar`` (GBNF text) is sent as llama.cpp's ``grammar``,
  vLLM's ``structured_outputs.grammar`` or older vLLM's ``guided_grammar``, and
  ``json_schema`` (``{"name", "schema", "strict"}``) as ``response_format: {"type":
  "json_schema", ...}``, according to :meth:`LLMClient.grammar_mode` (``settings.grammar_mode``;
  ``auto`` chooses ``json`` for the known hosted APIs without probing; otherwise it probes the
  server once: ``/props`` answers on llama.cpp (``gbnf``), ``/version`` on vLLM, ``/v1/models``
  with ``owned_by`` ``llamacpp`` (llama.cpp) or ``me`` (llama-cpp-python) (``gbnf``),
  ``/api/version`` on Ollama (``json``); an unidentified server is ``json`` unless it is on this
  machine or a private network, where it gets ``none``).  A mode whose constraint the caller
  did not pass sends none (``json`` without ``json_schema``: plain text).
"""
from __future__ import annotations

import email.utils
import json
import queue
import random
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

import openai
from openai import _base_client as _oa_base

from .config import Settings, key_path, redact
from .progress import Cancelled, EndpointError, ProgressCallback, check_cancel, emit

_httpx = getattr(_oa_base, "httpx", None) or getattr(_oa_base, "httpx2")

#: Hosts known to take no grammar parameter but a JSON schema: no probing there.
_JSON_SCHEMA_HOSTS = ("api.openai.com", "openrouter.ai", "api.groq.com", "api.together.xyz",
                     "api.mistral.ai", "generativelanguage.googleapis.com", "api.deepseek.com")
_RETRY_STATUS = {408, 409, 425, 429}


@dataclass
class Completion:
    """One answer.  ``latency``: seconds of the successful attempt; ``elapsed``: of the whole
    call including failed attempts and waits; ``attempts``: requests sent."""
    text: str
    finish_reason: Optional[str]
    latency: float
    elapsed: float
    attempts: int
    grammar_mode: str                      # what was actually sent: gbnf | vllm | vllm-legacy | json | none
    usage: dict = field(default_factory=dict)
    first_token: Optional[float] = None    # seconds to the first streamed text
    reasoning_chars: int = 0               # reasoning the server sent apart from the text

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


class _Retry(Exception):
    def __init__(self, message: str, status: Optional[int], wait: Optional[float]) -> None:
        super().__init__(message)
        self.status = status
        self.wait = wait


@dataclass
class _Call:
    """One :meth:`LLMClient.complete` call across its attempts."""
    grammar: Optional[str]
    json_schema: Optional[dict[str, Any]]
    on_progress: Optional[ProgressCallback]
    cancel: Optional[threading.Event]
    round: int
    mode: str                              # the grammar mode sent; changes when the server refuses it
    t_start: float
    attempts: int = 0                      # requests sent
    failures: int = 0                      # failures waited out (retries)
    adaptations: int = 0                   # rejected parameters adapted to


class LLMClient:
    """One endpoint; thread-compatible (one ``complete`` at a time per instance)."""

    def __init__(self, settings: Settings, *, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 max_retry_after: float = 120.0, probe_timeout: float = 3.0,
                 rng: Optional[random.Random] = None) -> None:
        self.settings = settings
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self.probe_timeout = probe_timeout
        self._rng = rng or random.Random()
        self._client: Optional[openai.OpenAI] = None
        self._mode: Optional[str] = None if settings.grammar_mode == "auto" else settings.grammar_mode
        self._param_fixes: dict[str, Any] = {}     # learnt from 400 answers, kept for later calls
        self._json_shape = "json_schema"           # or "json_object" (llama-cpp-python's form)

    # ---- set-up ---------------------------------------------------------------------------
    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            s = self.settings
            self._client = openai.OpenAI(
                api_key=s.effective_api_key(), base_url=s.base_url, max_retries=0,
                timeout=_httpx.Timeout(s.timeout, connect=s.connect_timeout))
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def grammar_mode(self) -> str:
        """The grammar mode in force: the configured one, or what ``auto`` found (probed once)."""
        if self._mode is None:
            self._mode = self._probe()
        return self._mode

    def _probe(self) -> str:
        base = self.settings.base_url.rstrip("/")
        host = urlsplit(base).hostname or ""
        if any(host == h or host.endswith("." + h) for h in _JSON_SCHEMA_HOSTS):
            return "json"
        root = re.sub(r"/v1$", "", base)
        props = self._get_json(root + "/props")
        if isinstance(props, dict) and ({"default_generation_settings", "total_slots", "build_info"} & set(props)):
            return "gbnf"
        ver = self._get_json(root + "/version")
        if isinstance(ver, dict) and isinstance(ver.get("version"), str) and re.match(r"^\d+\.\d+", ver["version"]):
            nums = tuple(int(x) for x in re.findall(r"\d+", ver["version"])[:3])
            return "vllm" if nums >= (0, 10, 2) else "vllm-legacy"
        models = self._get_json(base + "/models")
        if isinstance(models, dict):
            owners = {str(m.get("owned_by", "")) for m in models.get("data") or [] if isinstance(m, dict)}
            if owners & {"llamacpp", "me"}:
                return "gbnf"
        ollama = self._get_json(root + "/api/version")
        if isinstance(ollama, dict) and isinstance(ollama.get("version"), str):
            return "json"
        return "none" if _local_host(host) else "json"

    def _get_json(self, url: str) -> Any:
        req = urllib.request.Request(url, headers={"Accept": "application/json"})
        key = self.settings.api_key
        if key:
            req.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(req, timeout=self.probe_timeout) as r:   # noqa: S310 (http(s) only)
                if r.status != 200:
                    return None
                return json.loads(r.read(1 << 20).decode("utf-8", "replace"))
        except (OSError, ValueError, urllib.error.URLError):
            return None

    # ---- the call -------------------------------------------------------------------------
    def complete(self, messages: list[dict[str, str]], *, grammar: Optional[str] = None,
                 json_schema: Optional[dict[str, Any]] = None,
                 on_progress: Optional[ProgressCallback] = None,
                 cancel: Optional[threading.Event] = None, round: int = 0,
                 temperature: Optional[float] = None) -> Completion:
        """Send ``messages``; return the answer (see the module doc for the guarantees).
        ``grammar`` (GBNF) and ``json_schema`` are the constraints the caller offers; the
        grammar mode decides which one is sent.  ``temperature`` overrides the settings' for
        this call.

        Raises :class:`EndpointError` (auth, model, unreachable, retries exhausted) or
        :class:`Cancelled`.
        """
        mode = _usable(self.grammar_mode(), grammar, json_schema) if (grammar or json_schema) else "none"
        call = _Call(grammar, json_schema, on_progress, cancel, round, mode, time.perf_counter())
        while True:
            check_cancel(cancel)
            kwargs = self._request(messages, grammar, call.mode, temperature, json_schema)
            call.attempts += 1
            self._announce(call)
            outcome = self._try_once(call, kwargs)
            if isinstance(outcome, Completion):
                return outcome
            if outcome is not None:              # None: a parameter adapted, sent again at once
                self._wait_to_retry(call, outcome)

    def _announce(self, call: "_Call") -> None:
        """The ``request`` progress event of the attempt about to be sent."""
        s, mode = self.settings, call.mode
        emit(call.on_progress, "request", f"asking {s.model} at {s.base_url}"
             + (f" ({'JSON schema' if mode == 'json' else 'grammar: ' + mode})" if mode != "none" else "")
             + (f", attempt {call.attempts}" if call.attempts > 1 else ""),
             round=call.round)

    def _try_once(self, call: "_Call", kwargs: dict[str, Any]) -> "Completion | _Retry | None":
        """Send one request: its answer; a :class:`_Retry` for a failure worth retrying after
        a wait; None when the server rejected a parameter and ``call.mode`` or the learnt
        parameter fixes changed (retry at once).  Raises :class:`EndpointError` for a
        failure that no retry mends, :class:`Cancelled` when cancelled."""
        s = self.settings
        t0 = time.perf_counter()
        try:
            text, finish, usage, first, thought = self._attempt(kwargs, call.on_progress, call.cancel, call.round)
            return self._completion(call, kwargs["stream"], t0, text, finish, usage, first, thought)
        except Cancelled:
            raise
        except openai.APIStatusError as e:
            return self._status_failure(call, e)
        except openai.APITimeoutError:
            return _Retry(f"no answer within {s.timeout:g} s (timeout)", None, None)
        except openai.APIConnectionError as e:
            return _Retry(f"connection failed: {self._cause(e)}", None, None)
        except (_httpx.TransportError, ConnectionError, TimeoutError) as e:
            return _Retry(f"connection dropped: {type(e).__name__}: {redact(str(e), s.api_key)}", None, None)
        except openai.APIError as e:          # an error event inside the stream, bad JSON...
            raise EndpointError(f"{s.base_url} answered with an error: {self._detail(e)}") from None

    def _completion(self, call: "_Call", streamed: bool, t0: float, text: str, finish: Optional[str],
                    usage: dict, first: Optional[float], thought: int = 0) -> Completion:
        """The answer of the attempt sent at ``t0``.  A stream that ended without a finish
        reason raises ``httpx.RemoteProtocolError`` (retried) while retries remain, and
        :class:`EndpointError` when it brought no text either."""
        s = self.settings
        if streamed and finish is None and call.failures < s.max_retries:
            # The stream ended without a finish reason: the connection was cut.
            raise _httpx.RemoteProtocolError(f"stream ended after {len(text)} characters "
                                             "without a finish reason")
        if streamed and finish is None and not text.strip():
            # Cut off every time before any text: nothing to check, and not the model's
            # fault (llama-cpp-python's server, for one, interrupts a request when
            # another one arrives).
            raise EndpointError(f"{s.base_url} ended the answer stream without any text "
                                f"{call.attempts} times (another client using the same server?)",
                                None, True)
        now = time.perf_counter()
        return Completion(text, finish, now - t0, now - call.t_start, call.attempts, call.mode, usage,
                          None if first is None else first - t0, thought)

    def _status_failure(self, call: "_Call", e: openai.APIStatusError) -> "Optional[_Retry]":
        """What an HTTP error answer leads to: None after adapting to a rejected parameter
        (at most 4 times a call), a :class:`_Retry` for 408/409/425/429/5xx; raises the
        :meth:`_fatal` error otherwise."""
        status = e.status_code
        detail = self._detail(e)
        if (status in (400, 422) or status >= 500 and _body_validation_error(detail)) and call.adaptations < 4:
            fixed_mode = self._adapt(detail, call.mode)
            if fixed_mode is not None:
                call.adaptations += 1
                call.mode = _usable(fixed_mode, call.grammar, call.json_schema)
                emit(call.on_progress, "retry", f"server rejected a parameter; retrying ({detail[:120]})",
                     round=call.round)
                return None
        if status in _RETRY_STATUS or status >= 500:
            return _Retry(f"HTTP {status}: {detail}", status, _retry_after(e.response))
        raise self._fatal(status, detail) from None

    def _wait_to_retry(self, call: "_Call", last: _Retry) -> None:
        """Count the failure ``last`` and wait the backoff before the next attempt; raises
        :class:`EndpointError` when retries are exhausted or the server asks to wait too
        long, :class:`Cancelled` when cancelled while waiting."""
        s = self.settings
        call.failures += 1
        if call.failures > s.max_retries:
            raise EndpointError(f"no answer from {s.base_url} after {call.attempts} attempts; last error: {last}",
                                last.status, True)
        delay = self._backoff(call.failures - 1, last.wait)
        if delay is None:
            raise EndpointError(f"{s.base_url} is rate-limiting: it asks to wait {last.wait:.0f} s "
                                f"(more than {self.max_retry_after:.0f} s); last error: {last}", last.status, True)
        emit(call.on_progress, "retry", f"{last}; retrying in {delay:.1f} s", round=call.round, wait=delay)
        if call.cancel is not None:
            if call.cancel.wait(delay):
                raise Cancelled()
        else:
            time.sleep(delay)

    def _request(self, messages: list[dict[str, str]], grammar: Optional[str], mode: str,
                 temperature: Optional[float] = None,
                 json_schema: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        s = self.settings
        kw: dict[str, Any] = {"model": s.model, "messages": messages, "stream": s.stream,
                              "temperature": s.temperature if temperature is None else temperature,
                              "max_tokens": s.max_tokens}
        if s.seed is not None:
            kw["seed"] = s.seed
        for k, v in self._param_fixes.items():
            if v is None:
                kw.pop(k, None)
            elif k == "max_completion_tokens":
                kw["max_completion_tokens"] = kw.pop("max_tokens")
        extra: dict[str, Any] = {}
        if grammar and mode == "gbnf":
            extra["grammar"] = grammar
        elif grammar and mode == "vllm":
            extra["structured_outputs"] = {"grammar": grammar}
        elif grammar and mode == "vllm-legacy":
            extra["guided_grammar"] = grammar
        if extra:
            kw["extra_body"] = extra
        if json_schema and mode == "json":
            kw["response_format"] = ({"type": "json_schema", "json_schema": json_schema}
                                     if self._json_shape == "json_schema"
                                     else {"type": "json_object", "schema": json_schema["schema"]})
        return kw

    def _adapt(self, detail: str, mode: str) -> Optional[str]:
        """The grammar mode to retry with after a 400/422 whose message is ``detail``, or None
        when nothing can be changed.  Parameter fixes are remembered in ``_param_fixes``."""
        d = detail.lower()
        if "max_tokens" in d and "max_completion_tokens" in d and "max_completion_tokens" not in self._param_fixes:
            self._param_fixes["max_completion_tokens"] = True
            return mode
        for p in ("temperature", "seed"):
            if p in d and ("support" in d or "unrecognized" in d or "unknown" in d) and p not in self._param_fixes:
                self._param_fixes[p] = None
                return mode
        if mode == "json" and self._json_shape == "json_schema" and any(
                w in d for w in ("json_object", "literal_error", "input should be")):
            self._json_shape = "json_object"       # {"type": "json_object", "schema": ...}
            return mode
        if mode != "none" and any(w in d for w in ("grammar", "structured", "guided", "extra", "unrecognized",
                                                      "unknown", "not permitted", "unexpected", "response_format",
                                                      "json_schema", "schema", "not supported")):
            nxt = {"vllm": "vllm-legacy", "vllm-legacy": "none"}.get(mode, "none")
            self._mode = nxt
            return nxt
        return None

    def _attempt(self, kwargs: dict[str, Any], on_progress: Optional[ProgressCallback],
                 cancel: Optional[threading.Event], round: int):
        """Run one request in a worker thread; relay its text to ``on_progress`` here."""
        q: "queue.Queue[tuple]" = queue.Queue()
        stop = threading.Event()
        holder: dict[str, Any] = {}
        client = self.client

        def work() -> None:
            try:
                resp = client.chat.completions.create(**kwargs)
                if not kwargs["stream"]:
                    ch = resp.choices[0] if resp.choices else None
                    thought = _reasoning_of(ch.message) if ch is not None else ""
                    if thought:
                        q.put(("think", thought))
                    q.put(("text", (ch.message.content or "") if ch else ""))
                    q.put(("end", ch.finish_reason if ch else None, _usage(resp)))
                    return
                holder["stream"] = resp
                finish, usage = None, {}
                for chunk in resp:
                    if stop.is_set():
                        return
                    if getattr(chunk, "usage", None):
                        usage = _usage(chunk)
                    for ch in chunk.choices or ():
                        if ch.delta is not None:
                            thought = _reasoning_of(ch.delta)
                            if thought:
                                q.put(("think", thought))
                            if ch.delta.content:
                                q.put(("text", ch.delta.content))
                        if ch.finish_reason:
                            finish = ch.finish_reason
                q.put(("end", finish, usage))
            except BaseException as e:       # handed to the caller's thread
                q.put(("error", e))
            finally:
                _close_stream(holder)

        threading.Thread(target=work, name="tokn-llm", daemon=True).start()
        parts: list[str] = []
        n = thought = 0                        # characters of answer and of reasoning so far
        first: Optional[float] = None
        while True:
            if cancel is not None and cancel.is_set():
                stop.set()
                _close_stream(holder)
                raise Cancelled()
            try:
                item = q.get(timeout=0.05)
            except queue.Empty:
                continue
            if item[0] == "text":
                if first is None:
                    first = time.perf_counter()
                parts.append(item[1])
                n += len(item[1])
                emit(on_progress, "stream", "", round=round, chars=n, delta=item[1])
            elif item[0] == "think":
                thought += len(item[1])
                emit(on_progress, "think", "", round=round, chars=thought)
            elif item[0] == "end":
                return "".join(parts), item[1], item[2], first, thought
            else:
                raise item[1]

    # ---- errors ---------------------------------------------------------------------------
    def _backoff(self, n: int, retry_after: Optional[float]) -> Optional[float]:
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return max(0.0, retry_after) * (1 + 0.1 * self._rng.random())
        d = min(self.backoff_cap, self.backoff_base * (2 ** n))
        return d * (0.5 + 0.5 * self._rng.random())

    def _detail(self, e: Exception) -> str:
        body = getattr(e, "body", None)
        msg = ""
        if isinstance(body, dict):
            err = body.get("error", body)
            msg = err.get("message", "") if isinstance(err, dict) else str(err)
            if not msg and isinstance(err, dict) and err.get("detail"):     # FastAPI (llama-cpp-python)
                msg = json.dumps(err["detail"])[:500]
        if not msg:
            msg = getattr(e, "message", "") or str(e)
        return redact(" ".join(str(msg).split())[:500], self.settings.api_key)

    def _cause(self, e: Exception) -> str:
        c = e.__cause__ or e.__context__
        text = f"{type(c).__name__}: {c}" if c is not None else str(e)
        return redact(text, self.settings.api_key)

    def _fatal(self, status: int, detail: str) -> EndpointError:
        s = self.settings
        if status == 401:
            msg = (f"authentication failed at {s.base_url} (HTTP 401): the server rejected the API key. "
                   f"Set OPENAI_API_KEY or write the key to {key_path()} (mode 0600).")
        elif status == 403:
            msg = (f"access denied at {s.base_url} (HTTP 403): the key may lack access to model "
                   f"{s.model!r} or the account has no credit.")
        elif status == 404:
            msg = (f"not found at {s.base_url} (HTTP 404): check the model name ({s.model!r}) and the "
                   "base URL (OpenAI-compatible servers usually end in /v1).")
        elif status == 413:
            msg = f"the request is too large for {s.base_url} (HTTP 413): use fewer examples (fewshot_k)."
        else:
            msg = f"{s.base_url} rejected the request (HTTP {status})."
        return EndpointError(f"{msg} Server said: {detail}" if detail else msg, status, False)


def _usable(mode: str, grammar: Optional[str], json_schema: Optional[dict]) -> str:
    """``mode``, or "none" when the caller gave no constraint of that kind."""
    if mode == "json":
        return mode if json_schema else "none"
    if mode in ("gbnf", "vllm", "vllm-legacy"):
        return mode if grammar else "none"
    return "none"


def _local_host(host: str) -> bool:
    """Whether ``host`` is this machine or on a private network (a local server: llama.cpp,
    Ollama, LM Studio...), where an unidentified server gets no constraint by default."""
    import ipaddress
    h = host.strip("[]").lower()
    if h in ("localhost", "") or h.endswith((".local", ".localhost")) or ("." not in h and ":" not in h):
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


def _reasoning_of(message: Any) -> str:
    """The reasoning text a server sends beside the answer in a message or stream delta:
    ``reasoning_content`` (llama.cpp, vLLM, DeepSeek) or ``reasoning`` (OpenRouter, Ollama,
    newer vLLM); empty when there is none."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(message, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _usage(obj: Any) -> dict:
    """The token counts of an answer's ``usage`` (numbers only), with the reasoning tokens
    of ``completion_tokens_details`` (OpenAI's reasoning models, which never send the
    reasoning's text) as ``reasoning_tokens``."""
    u = getattr(obj, "usage", None)
    if u is None:
        return {}
    try:
        dump = u.model_dump()
    except Exception:
        return {}
    out = {k: v for k, v in dump.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    details = dump.get("completion_tokens_details")
    if isinstance(details, dict) and isinstance(details.get("reasoning_tokens"), int):
        out.setdefault("reasoning_tokens", details["reasoning_tokens"])
    return out


def _retry_after(response: Any) -> Optional[float]:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if not ra:
        return None
    try:
        return float(ra)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(ra)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _close_stream(holder: dict) -> None:
    """Close the response stream kept in ``holder`` (if any); errors while closing are moot."""
    st = holder.get("stream")
    if st is not None:
        try:
            st.close()
        except Exception:
            pass


def _body_validation_error(detail: str) -> bool:
    """Whether an HTTP 5xx answer is really a refused request field: llama-cpp-python's server
    (0.3.x) answers FastAPI's request validation error with HTTP 500, not 422 (``1 validation
    error: {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), ...}``)."""
    d = detail.lower()
    return "validation error" in d and "'body'" in d
