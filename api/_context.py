"""What every route is given: the register, the app's settings and its short-lived cache."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from api._cache import DEFAULT_TTL, TTLCache
from api._http import DEFAULT_MAX_AGE, Cached, cached_response, entity
from register import AlgorithmVersion, Register

__all__ = ["BASE_PATH", "ApiContext", "Context", "Settings", "context"]

BASE_PATH = "/api/v1"


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """How the app behaves: requests per minute per client (None or 0: no limit), peers
    whose ``X-Forwarded-For`` is believed, the address links start with ("" = paths
    only), seconds answers are cached, and the folder register-wide exports are built in."""

    rate_limit: int | None = None
    trusted_proxies: frozenset[str] = frozenset()
    public_url: str = ""
    cache_ttl: float = DEFAULT_TTL
    exports_dir: Path | None = None
    token_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))


class ApiContext:
    """The register an app reads, its settings and its cache of answers."""

    def __init__(self, reg: Register, settings: Settings) -> None:
        self.reg = reg
        self.settings = settings
        self.cache: TTLCache[Any] = TTLCache()

    def url(self, path: str) -> str:
        """The link to ``path`` (below the base path) clients follow."""
        return f"{self.settings.public_url}{BASE_PATH}{path}"

    def cached(self, key: Hashable, compute: Callable[[], Any], ttl: float | None = None) -> Any:
        """``compute()``, reused for ``ttl`` seconds (default: the settings' ``cache_ttl``)."""
        return self.cache.get(key, compute, self.settings.cache_ttl if ttl is None else ttl)

    def json(
        self,
        request: Request,
        key: Hashable,
        compute: Callable[[], Any],
        *,
        ttl: float | None = None,
        max_age: int = DEFAULT_MAX_AGE,
    ) -> Response:
        """The JSON of ``compute()`` (cached under ``key``), with ETag, Cache-Control and 304."""
        found: Cached = self.cached(("entity", key), lambda: entity(compute()), ttl)
        return cached_response(request, found, max_age=max_age)

    def published(self, slug: str) -> AlgorithmVersion:
        """The published version of ``slug``; NotFoundError (the register's own message)
        when the register holds no such algorithm or none of its versions is published."""
        found: AlgorithmVersion = self.cached(("published", slug), lambda: self.reg.get(slug))
        return found


def context(request: Request) -> ApiContext:
    """The app's :class:`ApiContext` (a FastAPI dependency)."""
    found: ApiContext = request.app.state.insyn
    return found


Context = Annotated[ApiContext, Depends(context)]
