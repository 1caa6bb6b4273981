"""Local worker processes of the corpus commands (``tokn encode -j``, ``tokn dataset -j``).

:func:`worker_pool` is a :class:`concurrent.futures.ProcessPoolExecutor` whose workers end
themselves once the process that started them is gone.  Without that, a driver killed with
SIGKILL (the out-of-memory killer, a batch scheduler, ``kill -9``) leaves its workers waiting
for work forever, each holding the memory of its last design: nothing tells them (they hold
the pool's queue open themselves, so they never read its end).

Callers shut the pool down with ``shutdown(wait=True, cancel_futures=True)`` in a
``finally``: an interrupted run (Ctrl-C) then stops after the shards or files already
running instead of working through every one still queued.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

#: Seconds between two checks of a worker's parent.
PARENT_POLL_S = 0.5


def exit_with_parent(parent: int, poll: float = PARENT_POLL_S) -> None:
    """Worker initializer: a daemon thread ends this process (exit status 1) as soon as its
    parent is no longer process ``parent`` (the parent died; the worker was re-parented)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="tokn-parent-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` processes that end with this process (see the module
    docstring)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=exit_with_parent, initargs=(os.getpid(),))
