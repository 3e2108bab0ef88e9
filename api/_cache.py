"""A small, thread-safe cache of answers that expire after a few seconds.

The catalogue moves when a version is published; an answer a minute old is good
enough for a public register, and it spares the tracking server a query per request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["DEFAULT_TTL", "TTLCache"]

DEFAULT_TTL = 30.0  # seconds a cached answer is reused
T = TypeVar("T")


class TTLCache(Generic[T]):
    """At most ``max_entries`` values, each kept ``ttl`` seconds (least recently used
    dropped first). Concurrent misses of one key compute it once: the others wait for it."""

    def __init__(self, *, max_entries: int = 4096, clock: Callable[[], float] = time.monotonic):
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def _fresh(self, key: Hashable, now: float) -> tuple[bool, T | None]:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                self._entries.move_to_end(key)
                return True, hit[1]
        return False, None

    def get(self, key: Hashable, compute: Callable[[], T], ttl: float = DEFAULT_TTL) -> T:
        """The value of ``key``: the cached one while fresh, else ``compute()`` (then kept).
        An error of ``compute`` is raised and nothing is kept."""
        found, value = self._fresh(key, self._clock())
        if found:
            return value  # type: ignore[return-value]
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            found, value = self._fresh(key, self._clock())
            if found:
                return value  # type: ignore[return-value]
            try:
                computed = compute()
                with self._lock:
                    self._entries[key] = (self._clock() + ttl, computed)
                    self._entries.move_to_end(key)
                    while len(self._entries) > self._max:
                        self._entries.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return computed

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
