"""The app's short-lived cache: answers are reused while fresh, computed again after, and
concurrent misses of one key ask the register once."""

from __future__ import annotations

import threading
import time

import pytest

from api import TTLCache


def test_a_value_is_reused_until_it_expires():
    now = [0.0]
    cache: TTLCache[int] = TTLCache(clock=lambda: now[0])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute, ttl=30) == 1
    now[0] = 29.0
    assert cache.get("k", compute, ttl=30) == 1
    now[0] = 31.0
    assert cache.get("k", compute, ttl=30) == 2


def test_an_error_is_raised_and_not_kept():
    cache: TTLCache[int] = TTLCache()

    def fail() -> int:
        raise LookupError("gone")

    with pytest.raises(LookupError):
        cache.get("k", fail)
    assert cache.get("k", lambda: 5) == 5


def test_the_oldest_entries_go_first_beyond_the_bound():
    cache: TTLCache[int] = TTLCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.get(key, lambda: 1)
    assert len(cache) == 2
    assert cache.get("a", lambda: 2) == 2  # "a" was dropped, computed again


def test_concurrent_misses_of_one_key_compute_it_once():
    cache: TTLCache[int] = TTLCache()
    calls: list[int] = []
    started = threading.Barrier(8)

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 7

    def ask(results: list[int]) -> None:
        started.wait()
        results.append(cache.get("search", slow))

    results: list[int] = []
    threads = [threading.Thread(target=ask, args=(results,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [7] * 8
    assert len(calls) == 1
