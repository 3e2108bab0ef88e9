"""The API's answer cache under concurrent clients: one computation per key, shared."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import pytest

from api import TTLCache

FOLLOWERS = 5


def _waiting_in_get(thread: threading.Thread) -> bool:
    """Whether ``thread`` is blocked inside the cache, waiting for another's computation."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "wait" and "threading" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def _run_concurrently(
    cache: TTLCache[str], compute: Callable[[], str], started: threading.Event, calls: list[int]
) -> tuple[list[str], list[BaseException]]:
    """A leader whose computation blocks, then followers asking for the same key while it
    runs; returns the lists their results and errors will be appended to."""
    results: list[str] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            results.append(cache.get("page-1", compute))
        except BaseException as exc:
            errors.append(exc)

    leader = threading.Thread(target=ask, daemon=True)
    leader.start()
    assert started.wait(30), "the first computation never started"
    followers = [threading.Thread(target=ask, daemon=True) for _ in range(FOLLOWERS)]
    for thread in followers:
        thread.start()
    for _ in range(3000):  # until every follower waits (or, without sharing, computes too)
        if all(_waiting_in_get(t) for t in followers) or len(calls) > FOLLOWERS:
            break
        time.sleep(0.01)
    return results, errors


def test_clients_missing_the_same_key_together_share_one_computation() -> None:
    cache: TTLCache[str] = TTLCache()
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def compute() -> str:
        calls.append(1)
        started.set()
        release.wait(30)
        return "the first page"

    results, errors = _run_concurrently(cache, compute, started, calls)
    release.set()
    for _ in range(3000):
        if len(results) + len(errors) == FOLLOWERS + 1:
            break
        time.sleep(0.01)
    assert errors == []
    assert results == ["the first page"] * (FOLLOWERS + 1)
    assert len(calls) == 1
    assert cache.get("page-1", lambda: "recomputed") == "the first page"


def test_an_error_of_the_shared_computation_reaches_every_waiter_and_is_not_kept() -> None:
    cache: TTLCache[str] = TTLCache()
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()

    def compute() -> str:
        calls.append(1)
        started.set()
        release.wait(30)
        raise ConnectionError("the tracking server did not answer")

    results, errors = _run_concurrently(cache, compute, started, calls)
    release.set()
    for _ in range(3000):
        if len(results) + len(errors) == FOLLOWERS + 1:
            break
        time.sleep(0.01)
    assert results == []
    assert [type(e) for e in errors] == [ConnectionError] * (FOLLOWERS + 1)
    assert len(calls) == 1
    assert cache.get("page-1", lambda: "answered later") == "answered later"


def test_a_computation_that_asks_for_its_own_key_does_not_wait_for_itself() -> None:
    cache: TTLCache[int] = TTLCache()
    assert cache.get("k", lambda: cache.get("k", lambda: 1) + 1) == 2
    assert cache.get("k", lambda: 99) == 2


@pytest.mark.parametrize("ttl", [0.0, -1.0])
def test_an_expired_answer_is_computed_again(ttl: float) -> None:
    cache: TTLCache[str] = TTLCache()
    cache.get("k", lambda: "old", ttl=ttl)
    assert cache.get("k", lambda: "new") == "new"
