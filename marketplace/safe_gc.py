"""Cyclic garbage collection at safe points, for a threaded server on CPython 3.11.

CPython 3.11 runs the cyclic collector inside whichever allocation crosses the threshold: in the
middle of C code (the interpreter's, SQLAlchemy's, psycopg's…). The collection may run weakref
callbacks and finalizers, which are Python code and may hand the GIL to another request thread
while the first thread's C code is half-way through an operation. Under gunicorn's gthread worker
with four threads this corrupted memory: the worker died of SIGSEGV within 1,000–5,000 requests of
`bench/memory.py` (always inside a collection, visiting an object already freed), on PostgreSQL and
SQLite, with or without the compiled psycopg and SQLAlchemy extensions. With the collector off, or
on CPython 3.12 (which runs it only at the eval breaker, a safe point: python/cpython gh-97922),
2 × 10,000 requests ran clean.

So on 3.11 a worker turns automatic collection off and one thread collects instead: a Python thread
calling `gc.collect()` is at a safe point, as 3.12's eval breaker is, and every other thread is
parked at one too (waiting for the GIL, which is only released at safe points or around blocking
calls). It follows the interpreter's own thresholds, checked every `INTERVAL_SECONDS`, so memory
stays where automatic collection kept it. On 3.12 and later `start` does nothing.
"""

from __future__ import annotations

import gc
import sys
import threading
import time

#: How often the collector looks at the allocation counts. A request allocates far more than one
#: threshold's worth, so collections come at this pace while requests run, and stop when idle.
INTERVAL_SECONDS = 0.02
#: Full collections walk every long-lived object; the interpreter spaces them by a ratio of
#: survivors that Python cannot read, so here they are spaced by time.
FULL_COLLECTION_SPACING_SECONDS = 1.0


def needed() -> bool:
    """True on interpreters that collect inside allocations (before 3.12)."""
    return sys.version_info < (3, 12)


def collect_when_due(last_full: float, now: float) -> int | None:
    """Collect the oldest generation whose count passed its threshold, as the interpreter would.

    Returns the generation collected, or None when nothing was due."""
    thresholds, counts = gc.get_threshold(), gc.get_count()
    for generation in (2, 1, 0):
        if counts[generation] <= thresholds[generation]:
            continue
        if generation == 2 and now - last_full < FULL_COLLECTION_SPACING_SECONDS:
            continue
        gc.collect(generation)
        return generation
    return None


class _Collector:
    """The process's collector thread; `stop` hands collection back to the interpreter."""

    def __init__(self, interval: float):
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(interval,), name="safe-gc", daemon=True)

    def _run(self, interval: float) -> None:
        last_full = time.monotonic()
        while not self._stopping.wait(interval):
            now = time.monotonic()
            if collect_when_due(last_full, now) == 2:
                last_full = now

    def stop(self) -> None:
        self._stopping.set()
        self.thread.join()
        gc.enable()


_collector: _Collector | None = None


def start(interval: float = INTERVAL_SECONDS) -> bool:
    """In a server process about to run request threads: move collection to its own thread.

    Does nothing (returns False) on 3.12+, when collection is already off, or when it already runs."""
    global _collector
    if not needed() or not gc.isenabled() or _collector is not None:
        return False
    gc.disable()
    _collector = _Collector(interval)
    _collector.thread.start()
    return True


def stop() -> None:
    """Stop the collector thread and turn automatic collection back on (tests, shutdown)."""
    global _collector
    if _collector is not None:
        _collector.stop()
        _collector = None
