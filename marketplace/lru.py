"""A bounded least-recently-used store of rendered pieces, one per app process.

Shared by the request threads of a process, hence the lock. Used where a rendered piece is keyed by
everything it shows (card bodies, the header and footer frames), so nothing is ever invalidated:
an entry nobody asks for again ages out, and the bound keeps memory flat however many keys appear.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Generic, TypeVar

from marketplace.request_locals import this_app

V = TypeVar("V")
S = TypeVar("S")


class BoundedLRU(Generic[V]):
    """At most `kept` values, the least recently used dropped first."""

    def __init__(self, kept: int):
        self._kept = kept
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = Lock()
        #: Values stored since the process started (the misses).
        self.stored = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self.stored += 1
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._kept:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)


def per_app(name: str, make: Callable[[], S]) -> S:
    """The current app's store called `name`, made on first use (per app: its settings shape links)."""
    extensions = this_app().extensions
    store = extensions.get(name)
    if store is None:
        store = extensions.setdefault(name, make())
    return store
