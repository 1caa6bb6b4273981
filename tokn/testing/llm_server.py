"""A scripted OpenAI-compatible HTTP server on loopback (stdlib only): for tests,
benchmarks and replaying recorded answers.

Usage::

    with MockLLMServer([Reply("# TOKN v1\\n..."), Reply(status=429, headers={"Retry-After": "0"})]) as srv:
        settings = Settings(base_url=srv.base_url, model="mock")
        ...
        srv.requests[0]["body"]["messages"]     # what the client sent

Each ``POST /v1/chat/completions`` takes the next :class:`Reply` from the script (a reply may
also be a callable ``f(body) -> Reply``, to answer from the request); when the script is
exhausted the server answers HTTP 500 ``mock script exhausted``.  Streaming requests
(``"stream": true``) get server-sent events the way OpenAI sends them.

``flavour`` imitates a server for grammar detection: ``openai`` (only ``/v1/models``),
``llamacpp`` (``/props``, models owned by ``llamacpp``), ``llama-cpp-python`` (models owned
by ``me``), ``vllm`` (``/version``; ``vllm_version`` sets it), ``ollama`` (``/api/version``).
``api_key``, when set, is required as ``Authorization: Bearer <key>`` (else HTTP 401, as
OpenAI answers).

``response_format``: a request's ``response_format`` is checked as OpenAI checks it
(:func:`response_format_problems`: ``type`` ``json_schema`` with a ``name``, and a ``strict``
schema inside the subset strict mode accepts); a bad one is answered with HTTP 400
``Invalid schema for response_format ...``, like OpenAI.  ``reject_fields=("response_format",)``
imitates a server that takes no ``response_format`` at all (HTTP 400 ``Unrecognized request
argument supplied``); ``response_format_types=("text", "json_object")`` imitates
llama-cpp-python's server, which answers any other type with FastAPI's HTTP 422.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional, Union


@dataclass
class Reply:
    """One scripted answer.

    content      the assistant's text (status 200)
    status       HTTP status; a non-200 status answers ``error_body`` (or a default error)
    headers      extra response headers (``Retry-After``...)
    delay        seconds to wait before answering at all (a slow server)
    chunk_delay  seconds between streamed chunks
    drop         close the connection without any answer
    drop_after   streaming: close the connection after this many content chunks
    finish_reason  ``stop``, ``length``...
    chunk_size   characters per streamed chunk
    reasoning    the model's reasoning, sent apart from ``content`` as a reasoning server
                 does (streamed first, in its own deltas) under the member ``reasoning_field``
                 (``reasoning_content``: llama.cpp, vLLM, DeepSeek; ``reasoning``:
                 OpenRouter, Ollama)
    reasoning_tokens  reported in the (unstreamed) answer's ``usage`` as OpenAI's reasoning
                 models do (``completion_tokens_details.reasoning_tokens``; no text)
    """
    content: str = ""
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    drop: bool = False
    drop_after: Optional[int] = None
    finish_reason: str = "stop"
    error_body: Optional[dict] = None
    chunk_size: int = 40
    reasoning: str = ""
    reasoning_field: str = "reasoning_content"
    reasoning_tokens: int = 0


Script = Union[Reply, Callable[[dict], Reply]]


class MockLLMServer:
    """The server; a context manager that starts it in a daemon thread on 127.0.0.1."""

    def __init__(self, replies: list[Script] | tuple = (), flavour: str = "openai",
                 api_key: Optional[str] = None, vllm_version: str = "0.11.0",
                 reject_fields: tuple[str, ...] = (),
                 response_format_types: tuple[str, ...] = ("text", "json_object", "json_schema"),
                 response_format_status: int = 422) -> None:
        self.script: list[Script] = list(replies)
        self.flavour = flavour
        self.api_key = api_key
        self.vllm_version = vllm_version
        self.reject_fields = reject_fields      # request fields answered with HTTP 400
        self.response_format_types = response_format_types   # others: HTTP 422, as llama-cpp-python
        self.response_format_status = response_format_status # 500: as llama-cpp-python 0.3.x really answers
        self.requests: list[dict] = []          # chat requests: {"path", "headers", "body"}
        self.probes: list[str] = []             # GET paths
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ---- control --------------------------------------------------------------------------
    def push(self, *replies: Script) -> None:
        with self._lock:
            self.script.extend(replies)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> "MockLLMServer":
        server = self

        class Handler(_Handler):
            mock = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="mock-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "MockLLMServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def next_reply(self, body: dict) -> Reply:
        with self._lock:
            item = self.script.pop(0) if self.script else None
        if item is None:
            return Reply(status=500, error_body={"error": {"message": "mock script exhausted", "type": "server_error"}})
        return item(body) if callable(item) else item

    # ---- conveniences for assertions ------------------------------------------------------
    def user_messages(self, i: int = -1) -> list[str]:
        """The user-message texts of request ``i``."""
        return [m["content"] for m in self.requests[i]["body"]["messages"] if m["role"] == "user"]

    def last_user_message(self, i: int = -1) -> str:
        return self.user_messages(i)[-1]


#: Keywords of the schema subset that strict mode accepts on every provider we target (OpenAI,
#: Gemini's OpenAI-compatible endpoint, OpenRouter): no patterns, lengths, counts or formats.
STRICT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "enum",
                             "description", "anyOf", "$ref", "$defs", "const"})
_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def response_format_problems(rf) -> list[str]:
    """What OpenAI would refuse in a ``response_format`` (empty when it is acceptable)."""
    if not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object", "json_schema"):
        return [f"Invalid value for 'response_format.type': {rf!r}"]
    if rf["type"] != "json_schema":
        return []
    js = rf.get("json_schema")
    if not isinstance(js, dict) or not isinstance(js.get("schema"), dict):
        return ["Missing required parameter: 'response_format.json_schema.schema'."]
    name = js.get("name", "")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        return [f"Invalid 'response_format.json_schema.name': {name!r}"]
    if js.get("strict") is not True:
        return []
    schema = js["schema"]
    if schema.get("type") != "object":
        return [f"Invalid schema for response_format '{name}': schema must be a JSON Schema of 'type: \"object\"'"]
    return [f"Invalid schema for response_format '{name}': In context={ctx}, {msg}"
            for ctx, msg in _strict_problems(schema, ())]


def _strict_problems(schema: dict, ctx: tuple) -> list[tuple[tuple, str]]:
    out = []
    for k in schema:
        if k not in STRICT_KEYWORDS:
            out.append((ctx, f"'{k}' is not permitted."))
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            out.append((ctx, "'additionalProperties' is required to be supplied and to be false."))
        missing = [p for p in props if p not in schema.get("required", [])]
        if missing:
            out.append((ctx, f"'required' is required to be supplied and to be an array including every key "
                             f"in properties. Missing '{missing[0]}'."))
        for p, sub in props.items():
            out += _strict_problems(sub, ctx + ("properties", p))
    if isinstance(schema.get("items"), dict):
        out += _strict_problems(schema["items"], ctx + ("items",))
    for i, sub in enumerate(schema.get("anyOf", [])):
        out += _strict_problems(sub, ctx + ("anyOf", str(i)))
    for name, sub in schema.get("$defs", {}).items():
        out += _strict_problems(sub, ctx + ("$defs", name))
    return out


class _Handler(BaseHTTPRequestHandler):
    mock: MockLLMServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args) -> None:      # keep test output clean
        pass

    # ---- GET: models and the detection endpoints ------------------------------------------
    def do_GET(self) -> None:
        m = self.mock
        m.probes.append(self.path)
        path = self.path.split("?")[0]
        if path == "/api/version" and m.flavour == "ollama":
            return self._json(200, {"version": "0.12.3"})
        if path == "/v1/models":
            owner = {"llamacpp": "llamacpp", "llama-cpp-python": "me"}.get(m.flavour, "system")
            return self._json(200, {"object": "list", "data": [{"id": "mock", "object": "model", "owned_by": owner}]})
        if path == "/props" and m.flavour == "llamacpp":
            return self._json(200, {"default_generation_settings": {"n_ctx": 4096}, "total_slots": 1})
        if path == "/version" and m.flavour == "vllm":
            return self._json(200, {"version": m.vllm_version})
        return self._json(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

    # ---- POST: chat completions -------------------------------------------------------------
    def do_POST(self) -> None:
        m = self.mock
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._json(400, {"error": {"message": "invalid JSON"}})
        if self.path.split("?")[0] != "/v1/chat/completions":
            return self._json(404, {"error": {"message": f"no route {self.path}"}})
        with m._lock:
            m.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
        if m.api_key is not None and self.headers.get("Authorization") != f"Bearer {m.api_key}":
            return self._json(401, {"error": {"message": "Incorrect API key provided.",
                                              "type": "invalid_request_error", "code": "invalid_api_key"}})
        for f in m.reject_fields:
            if f in body:
                return self._json(400, {"error": {"message": f"Unrecognized request argument supplied: {f}",
                                                  "type": "invalid_request_error"}})
        rf = body.get("response_format")
        if isinstance(rf, dict) and rf.get("type") not in m.response_format_types:
            allowed = " or ".join(repr(t) for t in m.response_format_types)
            if m.response_format_status >= 500:      # llama-cpp-python 0.3.x: the validation error as a 500
                return self._json(m.response_format_status, {"error": {"message": (
                    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                    f"'msg': \"Input should be {allowed}\", 'input': {rf.get('type')!r}}}"),
                    "type": "internal_server_error", "param": None, "code": None}})
            return self._json(422, {"detail": [{"type": "literal_error", "loc": ["body", "response_format", "type"],
                                                "msg": f"Input should be {allowed}", "input": rf.get("type")}]})
        if "response_format" in body:
            problems = response_format_problems(body["response_format"])
            if problems:
                return self._json(400, {"error": {"message": problems[0], "type": "invalid_request_error",
                                                  "param": "response_format", "code": None}})
        r = m.next_reply(body)
        if r.delay:
            time.sleep(r.delay)
        if r.drop:
            return self._drop()
        if r.status != 200:
            err = r.error_body or {"error": {"message": f"mock error {r.status}", "type": "server_error"}}
            return self._json(r.status, err, r.headers)
        try:
            if body.get("stream"):
                self._stream(body, r)
            else:
                self._complete(body, r)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass       # the client gave up (timeout or cancellation)

    def _complete(self, body: dict, r: Reply) -> None:
        self._json(200, {
            "id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "mock"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": r.content,
                                                  **({r.reasoning_field: r.reasoning} if r.reasoning else {})},
                         "finish_reason": r.finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": max(1, len(r.content) // 4) + r.reasoning_tokens,
                      "total_tokens": 10 + max(1, len(r.content) // 4) + r.reasoning_tokens,
                      **({"completion_tokens_details": {"reasoning_tokens": r.reasoning_tokens}}
                         if r.reasoning_tokens else {})},
        }, r.headers)

    def _stream(self, body: dict, r: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        for k, v in r.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True

        def chunk(delta: dict, finish: Optional[str]) -> bytes:
            d = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": body.get("model", "mock"),
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(d)}\n\n".encode()

        self.wfile.write(chunk({"role": "assistant", "content": ""}, None))
        for i in range(0, len(r.reasoning), r.chunk_size):
            self.wfile.write(chunk({r.reasoning_field: r.reasoning[i:i + r.chunk_size]}, None))
        pieces = [r.content[i:i + r.chunk_size] for i in range(0, len(r.content), r.chunk_size)]
        for i, p in enumerate(pieces):
            if r.drop_after is not None and i >= r.drop_after:
                self.wfile.flush()
                return self._drop()
            if r.chunk_delay:
                time.sleep(r.chunk_delay)
            self.wfile.write(chunk({"content": p}, None))
            self.wfile.flush()
        self.wfile.write(chunk({}, r.finish_reason))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _json(self, status: int, obj: dict, headers: Optional[dict] = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
