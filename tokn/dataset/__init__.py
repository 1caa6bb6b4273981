"""``tokn dataset``: KiCad projects -> a training/evaluation dataset of TOKN records.

Layers (one-way): :mod:`.licence`, :mod:`.provenance`, :mod:`.fingerprint` (pure helpers)
-> :mod:`.plan` (discovery, shards) -> :mod:`.record`, :mod:`.instructions` (one design),
:mod:`.desccache` -> :mod:`.describe` (optional LLM-written requests of its pairs)
-> :mod:`.shard` (one shard, the unit of work) -> :mod:`.backends` (local processes, Ray)
-> :mod:`.contamination`, :mod:`.assemble`, :mod:`.card` (the published dataset) ->
:mod:`.build` (the whole run).  See docs/dataset.md.
"""
