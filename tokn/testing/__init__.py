"""Test aids for code that uses tokn (standard library only; nothing here is used by tokn itself).

* :mod:`tokn.testing.llm_server` -- a scripted OpenAI-compatible HTTP server on loopback
  (:class:`~tokn.testing.llm_server.MockLLMServer`, :class:`~tokn.testing.llm_server.Reply`):
  point ``tokn generate``, the plugin or your own pipeline at it to run a whole request
  without a model, replay recorded answers, or imitate a provider's quirks (HTTP 429,
  rejected ``response_format``, streaming).  tokn's own tests and benchmarks use it.
"""
from .llm_server import MockLLMServer, Reply, response_format_problems

__all__ = ["MockLLMServer", "Reply", "response_format_problems"]
