"""A small, thread-safe cache of answers that expire after a few seconds.

The catalogue moves when a version is published; an answer a minute old is good
enough for a public register, and it spares the tracking server a query per request.
Concurrent misses of one key share one computation, so fifty clients asking for the
same page the moment it expires cost the tracking server one query, not fifty.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar, cast

__all__ = ["DEFAULT_TTL", "TTLCache"]

DEFAULT_TTL = 30.0  # seconds a cached answer is reused
T = TypeVar("T")


class _Flight:
    """One computation of a key that other threads wait for."""

    __slots__ = ("done", "error", "owner", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.owner = threading.get_ident()
        self.value: Any = None
        self.error: BaseException | None = None


class TTLCache(Generic[T]):
    """At most ``max_entries`` values, each kept ``ttl`` seconds (least recently used
    dropped first). Concurrent misses of one key wait for one ``compute()`` and get its
    value or its error (a waiter gives up after ``wait_seconds`` and computes itself)."""

    def __init__(
        self,
        *,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
        wait_seconds: float = 120.0,
    ):
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._max = max_entries
        self._clock = clock
        self._wait = wait_seconds
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], ttl: float = DEFAULT_TTL) -> T:
        """The value of ``key``: the cached one while fresh, else ``compute()`` (then kept).
        An error of ``compute`` is raised (to every caller waiting for it) and nothing is
        kept."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                self._entries.move_to_end(key)
                return hit[1]
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight()
                leading = True
            else:
                leading = False
        if not leading:
            mine = flight.owner == threading.get_ident()  # compute() asked for its own key
            if not mine and flight.done.wait(self._wait):
                if flight.error is not None:
                    raise flight.error
                return cast(T, flight.value)
            return self._compute(key, compute, ttl, now)
        try:
            flight.value = self._compute(key, compute, ttl, now)
            return cast(T, flight.value)
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()

    def _compute(self, key: Hashable, compute: Callable[[], T], ttl: float, now: float) -> T:
        value = compute()
        with self._lock:
            self._entries[key] = (now + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
