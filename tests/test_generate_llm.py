"""The endpoint client driven through the real ``openai`` package against the loopback mock."""
from __future__ import annotations

import threading

import pytest

from tokn.testing.llm_server import MockLLMServer, Reply
from tokn.generate.config import Settings
from tokn.generate.llm import LLMClient
from tokn.generate.progress import Cancelled, EndpointError

MSG = [{"role": "user", "content": "hi"}]
GBNF = 'root ::= "x"'


def client(srv: MockLLMServer, **kw) -> LLMClient:
    backoff = kw.pop("backoff_base", 0.01)
    return LLMClient(Settings(base_url=srv.base_url, model="mock", **kw), backoff_base=backoff)


@pytest.mark.parametrize("stream", [True, False])
def test_plain_answer(stream):
    events = []
    with MockLLMServer([Reply("hello " * 30)]) as srv:
        c = client(srv, stream=stream)
        r = c.complete(MSG, on_progress=events.append)
    assert r.text == "hello " * 30 and r.finish_reason == "stop" and r.attempts == 1
    assert srv.requests[0]["body"]["stream"] is stream
    assert srv.requests[0]["body"]["model"] == "mock"
    if stream:
        chars = [e.chars for e in events if e.stage == "stream"]
        assert len(chars) > 1 and chars[-1] == len(r.text)        # progress while streaming


def test_retries_429_with_retry_after_500_and_drops():
    script = [Reply(status=429, headers={"Retry-After": "0.05"}), Reply(status=500), Reply(status=503),
              Reply(drop=True), Reply("partial answer " * 10, drop_after=1), Reply("final")]
    events = []
    with MockLLMServer(script) as srv:
        r = client(srv, max_retries=6).complete(MSG, on_progress=events.append)
    assert r.text == "final" and r.attempts == 6
    retries = [e for e in events if e.stage == "retry"]
    assert len(retries) == 5
    assert retries[0].wait >= 0.05                                # Retry-After honoured
    assert "429" in retries[0].message and "500" in retries[1].message


def test_streams_cut_off_before_any_text_end_in_an_endpoint_error():
    with MockLLMServer([Reply("", finish_reason=None)] * 3) as srv:
        with pytest.raises(EndpointError, match="without any text 3 times"):
            client(srv, max_retries=2).complete(MSG)
    with MockLLMServer([Reply("", finish_reason=None), Reply("ok")]) as srv:   # a retry can still succeed
        assert client(srv, max_retries=2).complete(MSG).text == "ok"


def test_retry_after_too_long_fails_clearly():
    with MockLLMServer([Reply(status=429, headers={"Retry-After": "3600"})]) as srv:
        with pytest.raises(EndpointError, match="asks to wait 3600 s"):
            client(srv).complete(MSG)


def test_retries_exhausted():
    with MockLLMServer([Reply(status=500)] * 3) as srv:
        with pytest.raises(EndpointError, match="after 3 attempts.*HTTP 500") as ei:
            client(srv, max_retries=2).complete(MSG)
    assert ei.value.retryable


def test_slow_reply_times_out_then_retries():
    # the timeout leaves a loaded machine (CI: 2 CPUs, tests in parallel) time for the quick reply
    with MockLLMServer([Reply("late", delay=10), Reply("quick")]) as srv:
        r = client(srv, timeout=2.0, max_retries=1).complete(MSG)
    assert r.text == "quick" and r.attempts == 2              # "late" was never waited for


def test_stalled_stream_times_out():
    with MockLLMServer([Reply("a" * 200, chunk_size=10, chunk_delay=5), Reply("ok")]) as srv:
        r = client(srv, timeout=2.0, max_retries=1).complete(MSG)
    assert r.text == "ok"


def test_auth_error_is_clear_and_keyless():
    key = "sk-wrong-key-0123456789"
    with MockLLMServer([Reply("x")], api_key="sk-right") as srv:
        with pytest.raises(EndpointError) as ei:
            client(srv, api_key=key).complete(MSG)
    msg = str(ei.value)
    assert "authentication failed" in msg and "OPENAI_API_KEY" in msg and ei.value.status == 401
    assert key not in msg and "0123456789" not in msg
    assert len(srv.requests) == 1                                 # auth errors are not retried


def test_key_is_sent_as_bearer():
    with MockLLMServer([Reply("ok")], api_key="sk-right-1234") as srv:
        assert client(srv, api_key="sk-right-1234").complete(MSG).text == "ok"


def test_not_found_names_model_and_url():
    with MockLLMServer([Reply(status=404, error_body={"error": {"message": "model 'nope' not found"}})]) as srv:
        with pytest.raises(EndpointError, match="model name .'mock'.*base URL"):
            client(srv).complete(MSG)


def test_cancel_while_waiting_for_a_slow_server():
    with MockLLMServer([Reply("x", delay=3)]) as srv:
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        with pytest.raises(Cancelled):                        # not the reply "x" after 3 s
            client(srv).complete(MSG, cancel=cancel)


def test_cancel_during_backoff():
    with MockLLMServer([Reply(status=429, headers={"Retry-After": "5"})]) as srv:
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        with pytest.raises(Cancelled):                        # during the 5 s back-off
            client(srv).complete(MSG, cancel=cancel)


def test_cancel_mid_stream():
    with MockLLMServer([Reply("y" * 400, chunk_size=5, chunk_delay=0.05)]) as srv:
        cancel = threading.Event()
        seen = []

        def progress(p):
            if p.stage == "stream":
                seen.append(p.chars)
                if p.chars >= 20:
                    cancel.set()
        with pytest.raises(Cancelled):
            client(srv).complete(MSG, cancel=cancel, on_progress=progress)
    assert seen and seen[-1] < 400


@pytest.mark.parametrize("flavour,mode,field", [
    ("llamacpp", "gbnf", "grammar"),
    ("llama-cpp-python", "gbnf", "grammar"),
    ("vllm", "vllm", "structured_outputs"),
    ("openai", "none", None),
])
def test_grammar_auto_detection(flavour, mode, field):
    with MockLLMServer([Reply("a"), Reply("b")], flavour=flavour) as srv:
        c = client(srv)
        assert c.complete(MSG, grammar=GBNF).grammar_mode == mode
        c.complete(MSG, grammar=GBNF)
        probes = len(srv.probes)
    body = srv.requests[0]["body"]
    if field == "grammar":
        assert body["grammar"] == GBNF
    elif field == "structured_outputs":
        assert body["structured_outputs"] == {"grammar": GBNF}
    else:
        assert not {"grammar", "structured_outputs", "guided_grammar"} & set(body)
    assert probes <= 4                                            # probed once, not per call


def test_old_vllm_gets_guided_grammar():
    with MockLLMServer([Reply("a")], flavour="vllm", vllm_version="0.6.3") as srv:
        assert client(srv).complete(MSG, grammar=GBNF).grammar_mode == "vllm-legacy"
        assert srv.requests[0]["body"]["guided_grammar"] == GBNF


def test_rejected_grammar_falls_back():
    with MockLLMServer([Reply("a"), Reply("b")], flavour="vllm",
                       reject_fields=("structured_outputs", "guided_grammar")) as srv:
        c = client(srv)
        r = c.complete(MSG, grammar=GBNF)
        assert r.text == "a" and r.grammar_mode == "none"
        assert [set(q["body"]) & {"structured_outputs", "guided_grammar"} for q in srv.requests] == [
            {"structured_outputs"}, {"guided_grammar"}, set()]
        assert c.complete(MSG, grammar=GBNF).grammar_mode == "none"   # remembered


def test_configured_mode_skips_probing():
    with MockLLMServer([Reply("a")]) as srv:
        client(srv, grammar_mode="gbnf").complete(MSG, grammar=GBNF)
        assert srv.probes == [] and srv.requests[0]["body"]["grammar"] == GBNF


def test_max_tokens_renamed_when_the_server_asks():
    with MockLLMServer([Reply(status=400, error_body={"error": {"message": "Unsupported parameter: 'max_tokens' "
                                                                "is not supported with this model. Use "
                                                                "'max_completion_tokens' instead."}}),
                        Reply("ok")]) as srv:
        assert client(srv).complete(MSG).text == "ok"
        assert "max_completion_tokens" in srv.requests[1]["body"] and "max_tokens" not in srv.requests[1]["body"]


def test_seed_and_length_finish():
    with MockLLMServer([Reply("cut", finish_reason="length")]) as srv:
        r = client(srv, seed=7, temperature=0.0).complete(MSG)
    assert r.truncated and srv.requests[0]["body"]["seed"] == 7
