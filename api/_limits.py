"""Limits every request meets before a route runs: a token bucket per client (429 with
``Retry-After``) and a bound on the query string's length (414).

The client is the socket's peer address; ``X-Forwarded-For`` is believed only when that
peer is one of the trusted proxies, and then the nearest address not itself trusted
counts. Both are plain ASGI middleware, so a refused request costs no route and no store.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from api._errors import QUERY_TOO_LONG_MESSAGE, RATE_LIMITED_MESSAGE, error_body, etag_of

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "MAX_QUERY_BYTES",
    "LimitsMiddleware",
    "TokenBuckets",
    "client_address",
]

DEFAULT_RATE_LIMIT = 600  # requests per minute per client
MAX_QUERY_BYTES = 2048
MAX_CLIENTS = 65_536  # buckets kept; the least recently seen client is forgotten first

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


class TokenBuckets:
    """``per_minute`` requests per client and minute, in bursts of up to ``per_minute``."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when ``client`` may go ahead (a token is spent), else the seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - seen) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        return wait


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def client_address(scope: Scope, trusted_proxies: Iterable[str] = ()) -> str:
    """Who sent the request: the peer, or (behind a trusted proxy) the nearest untrusted
    address of ``X-Forwarded-For``."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    trusted = set(trusted_proxies)
    if peer not in trusted:
        return peer
    forwarded = _header(scope, b"x-forwarded-for")
    hops = [hop.strip() for hop in (forwarded or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:64]
    return peer


class LimitsMiddleware:
    """Refuses an over-long query string (414) and a client over its rate (429)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate_limit: int | None = DEFAULT_RATE_LIMIT,
        trusted_proxies: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_limit) if rate_limit else None
        self.trusted = frozenset(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string") or b""
        if len(query) > MAX_QUERY_BYTES:
            message = QUERY_TOO_LONG_MESSAGE.format(length=len(query), limit=MAX_QUERY_BYTES)
            await _refuse(send, 414, message, {})
            return
        if self.buckets is not None and scope.get("method") != "OPTIONS":
            wait = self.buckets.take(client_address(scope, self.trusted))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                message = RATE_LIMITED_MESSAGE.format(seconds=seconds)
                await _refuse(send, 429, message, {"retry-after": str(seconds)})
                return
        await self.app(scope, receive, send)


async def _refuse(send: Any, status: int, message: str, headers: dict[str, str]) -> None:
    body = error_body(status, message)
    fields = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "cache-control": "no-store",
        "etag": etag_of(body),
        "x-content-type-options": "nosniff",
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "ETag, Retry-After",
        **headers,
    }
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
