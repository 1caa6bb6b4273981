"""Grounded circuit generation: request -> few-shot TOKN + real pinouts -> any
OpenAI-compatible LLM -> validated, repaired, decoded circuit (docs/generate.md).

Public API (imported lazily, so ``import tokn.generate`` stays cheap)::

    from tokn.generate import generate, load_settings, write_outputs
    settings = load_settings(model="gpt-4o-mini")
    result = generate("Design a voltage follower using TL071", settings)
    if result.ok:
        write_outputs(result, "out.kicad_sch", tokn_path="out.tokn")
    else:
        print(result.refusal)

Modules: :mod:`.config` (settings, config file, key file), :mod:`.llm` (the endpoint
client), :mod:`.fewshot` and :mod:`.retrieval` (examples), :mod:`.grounding` (pin tables),
:mod:`.prompt`, :mod:`.repair` (the bounded loop), :mod:`.partial` (repair answers of only some
tables or rows, merged), :mod:`.pipeline` (wiring),
:mod:`.bench` (scoring), :mod:`.cli` (``tokn generate``, ``tokn bench``).
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Settings": "config", "load_settings": "config", "save_config": "config", "save_api_key": "config",
    "config_path": "config", "ConfigError": "config",
    "generate": "pipeline", "Generator": "pipeline", "GenerationResult": "pipeline",
    "write_outputs": "pipeline", "Toolkit": "pipeline",
    "LLMClient": "llm", "Completion": "llm",
    "Progress": "progress", "Cancelled": "progress", "EndpointError": "progress",
    "run_bench": "bench", "format_table": "bench",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'tokn.generate' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{mod}", __name__), name)
