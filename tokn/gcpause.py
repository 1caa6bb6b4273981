"""Pausing Python's cyclic garbage collector around work that builds many objects in no
cycle (S-expression trees, a design and its document).

While the collector runs, every few hundred new container objects trigger a collection
that walks all objects created since the previous one; work that builds a large structure
pays for walks over that structure again and again (the tree reader, about a seventh of
its time), and the first collections *after* the work walk whatever of it is still
alive.  Pausing until the structure is built -- or, better, until it is freed again -- avoids
both; the few cycles created in between are collected as usual afterwards.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the ``with`` block and restore its state
    (on, or off if it was off) after it, whatever the block raises; nested uses are
    no-ops.  Reference counting still frees every object outside a cycle at once."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
